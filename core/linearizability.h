/*
 * linearizability: a per-key linearizability checker for registers and sets.
 *
 * Issue 16's clients record a history of operations (invocation and completion times); this
 * module decides whether some total order of them, consistent with real time, is a legal
 * sequential execution of the model. The history is split by key (P-compositionality, as in
 * Porcupine) and each key is searched with the Wing-Gong/Lowe algorithm: a linked list of
 * call and return entries, a stack of linearized calls, and a cache of (linearized-set
 * bitset, model state) pairs already explored.
 *
 * Completions: LINZ_OK took effect with the recorded result; LINZ_FAIL is known not to have
 * happened (dropped); LINZ_INFO is indeterminate: it may take effect at any time after its
 * invocation or never (its return is at +infinity; an info read tells nothing and is dropped;
 * an info cas whose expected value does not match simply does nothing).
 * Ties: an invocation and a completion at the same time count as concurrent.
 *
 * Models (the state of one key is a uint64_t):
 *   LINZ_REGISTER  read (value = value read), write (value), cas (value = expected,
 *                  value2 = new; ok = it succeeded). Initial value: linz_limits.initial.
 *   LINZ_SET       add / remove (value = element, 0..63), read_set (value = bitmask of the
 *                  elements seen, bit e = element e). Initial: empty.
 *
 * Bounds: a key whose search exceeds max_steps, whose memo cache would grow past
 * max_cache_bytes, or for which the caller's stop callback says stop, is LINZ_UNKNOWN, never
 * LINZ_LINEARIZABLE. A violating key is shrunk: ops are dropped
 * one at a time while the rest still fails, until no single op can be dropped (1-minimal).
 *
 * Ownership: a linz_history owns copies of its ops; a linz_report owns its results and
 * witnesses. No I/O: explanations go through a caller-supplied callback.
 * Complexity: exponential in the worst case per key (NP-complete); the cache makes typical
 * histories near-linear. Memory: the cache, O(states explored x ops/64 words) per key, at
 * most max_cache_bytes (one key is searched at a time, so that is the whole cache), plus
 * O(ops) for the history, the per-key lists and the report.
 */
#ifndef ATLAS_CORE_LINEARIZABILITY_H
#define ATLAS_CORE_LINEARIZABILITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum linz_model {
    LINZ_REGISTER,
    LINZ_SET,
};

enum linz_kind {
    LINZ_READ,     /* register read */
    LINZ_WRITE,    /* register write */
    LINZ_CAS,      /* register compare-and-set */
    LINZ_ADD,      /* set add */
    LINZ_REMOVE,   /* set remove */
    LINZ_READ_SET, /* set read of all elements */
};

enum linz_result {
    LINZ_RESULT_OK,   /* completed, took effect */
    LINZ_RESULT_FAIL, /* known not to have taken effect */
    LINZ_RESULT_INFO, /* indeterminate: may or may not take effect, at any time after invoke */
};

enum linz_verdict {
    LINZ_LINEARIZABLE, /* a linearization was found */
    LINZ_UNKNOWN,      /* the bound was hit before an answer */
    LINZ_VIOLATION,    /* no linearization exists */
};

struct linz_op {
    uint32_t client;         /* the process that issued it */
    enum linz_kind kind;     /* what it does */
    int64_t key;             /* the object it acts on */
    int64_t value;           /* see the model table above */
    int64_t value2;          /* cas: the new value; otherwise unused */
    uint64_t invoke;         /* invocation time, ns */
    uint64_t complete;       /* completion time, ns (ignored for info) */
    enum linz_result result; /* ok / fail / info */
};

struct linz_limits {
    uint64_t max_steps;       /* search steps per key before UNKNOWN; 0 = no bound */
    bool (*stop)(void *ctx);  /* polled every 4096 steps; true = give up (UNKNOWN) */
    void *stop_ctx;           /* passed to stop */
    size_t max_cache_bytes;   /* memo cache bytes per key, growth peaks included; 0 = none */
    size_t max_shrink_checks; /* re-checks spent shrinking one violation; 0 = no shrink */
    int64_t initial;          /* the register's initial value */
};

struct linz_key_result {
    int64_t key;               /* the key */
    enum linz_verdict verdict; /* its verdict */
    size_t n_ops;              /* ops of this key that were checked (fail and info reads dropped) */
    uint64_t steps;            /* search steps spent (the first check, not shrinking) */
    size_t *witness;           /* VIOLATION: indices into the history of a failing sub-history */
    size_t n_witness;          /* entries in witness */
    const char *reason;        /* static text: why (violation / unknown); NULL when linearizable */
};

struct linz_history;
struct linz_report;

struct linz_history *linz_history_new(enum linz_model model);
void linz_history_free(struct linz_history *h); /* NULL is a no-op */

/* Append a copy of op. Returns NULL, or a static message if the op does not fit the model
 * (a set kind on a register, an element outside 0..63, complete < invoke for a non-info op). */
const char *linz_history_add(struct linz_history *h, const struct linz_op *op);
size_t linz_history_count(const struct linz_history *h);
const struct linz_op *linz_history_get(const struct linz_history *h, size_t i);

/* Check every key. Keys are reported in increasing order. */
struct linz_report *linz_check(const struct linz_history *h, const struct linz_limits *lim);
void linz_report_free(struct linz_report *r); /* NULL is a no-op */
size_t linz_report_count(const struct linz_report *r);
const struct linz_key_result *linz_report_get(const struct linz_report *r, size_t i);
/* The worst verdict over all keys: VIOLATION > UNKNOWN > LINEARIZABLE. */
enum linz_verdict linz_report_verdict(const struct linz_report *r);

/* Describe result i (verdict, reason, the witness ops in history order) as lines of text,
 * each passed to emit (NUL-terminated, ending in '\n'). */
void linz_report_explain(const struct linz_report *r, size_t i,
                         void (*emit)(void *ctx, const char *line), void *ctx);

const char *linz_kind_name(enum linz_kind k);       /* "read", "write", ... */
const char *linz_result_name(enum linz_result r);   /* "ok", "fail", "info" */
const char *linz_verdict_name(enum linz_verdict v); /* "linearizable", "unknown", "violation" */

#endif
