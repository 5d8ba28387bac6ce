/*
 * history: the reader of history.csv, the client history a run with clients writes (and any
 * history a user writes in the same format), into a core/linearizability history.
 *
 * The format (README "history.csv"): one row per invocation and one per completion, in time
 * order, with the columns run,rep,seed,index,op_id,type,client,op,key,value,invoke_s,
 * complete_s (found by name; more columns may follow and are ignored). `type` is invoke, ok,
 * fail or info; `op` is read or write (register) or add, remove, read (set); both rows of an
 * operation carry its op_id, client, op, key and invoke_s. `value` is the written value or
 * the added/removed element on both rows, the value read on a read's ok row (a register: an
 * integer; a set: "[e1 e2 ...]", elements 0..63 ascending), NA otherwise. complete_s is NA
 * on invoke rows. An operation with no completion row is indeterminate (as Jepsen's :info).
 *
 * Errors name the place: "PATH:LINE: what" (the row; the column by name), "PATH:LINE:COL"
 * for malformed CSV, "PATH: what" for a file-level problem. A file holds one run's history:
 * a second (run, rep, seed) is an error.
 * Ownership: a struct history owns its linz_history and arrays (history_fini releases them).
 * Memory: O(rows); time: O(rows log rows).
 */
#ifndef ATLAS_ANALYSIS_HISTORY_H
#define ATLAS_ANALYSIS_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis/errbuf.h"
#include "core/linearizability.h"

struct history {
    struct linz_history *ops; /* one op per op_id, in the order of their invoke rows */
    uint64_t *op_id;          /* op i's op_id */
    unsigned long *line;      /* op i's invoke row (1-based physical line) */
    size_t n;                 /* ops */
};

/* Read path as a history of `model`; false (diagnosed in e, nothing left allocated) on bad
 * input: a missing column, an unknown type or op, an op of the other model, a malformed
 * number or time, a completion without an invocation, a second invocation or completion of
 * an op_id, rows of one op that disagree, a completion before its invocation. */
bool history_read(const char *path, enum linz_model model, struct history *out, struct errbuf *e);
void history_fini(struct history *h); /* leaves it empty; an empty history is a no-op */

#endif
