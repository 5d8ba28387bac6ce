/*
 * sweep_dir: the on-disk state of a sweep folder, so that nothing finished is ever lost.
 *
 * A sweep folder DIR holds
 *   .sweep                  the sweep's identity: a hash of the resolved base scenario and
 *                           of the plan (axes, values, replications, seed), the plan itself
 *                           and the shard (K/N) this folder runs; written before any run
 *   .journal                one line per finished run, appended (write(2), O_APPEND) as soon
 *                           as the batch of results that brought it is handled (before the
 *                           sweep waits for more): "RUN STATUS HEX CHECK", HEX being the
 *                           run's struct run_metrics bytes and CHECK an FNV-1a of the line
 *                           (a line torn by kill -9 is dropped on the next open); the file is
 *                           fdatasync'ed at most every 200 ms and at the end, so a killed
 *                           process loses no run it handled and a power cut at most 200 ms
 *   scenario.resolved.yaml  the base scenario with every default filled in
 *   summary.csv, points.csv the results, written at the end to temporary names and renamed
 *   runs/RUN/               per-run traces (sweep --traces), written by sim/output/outfile like
 *                           every file here except the journal
 *
 * The journal stores raw metrics bytes: folders are merged on machines of one architecture
 * (sizeof(struct run_metrics) is part of the hash, so a different layout does not merge).
 */
#ifndef ATLAS_SIM_SWEEP_SWEEP_DIR_H
#define ATLAS_SIM_SWEEP_SWEEP_DIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/scenario/sweep.h"
#include "sim/sweep/sweep_exec.h"

#define SWEEP_META_FILE    ".sweep"
#define SWEEP_JOURNAL_FILE ".journal"

struct sweep_meta {
    uint64_t hash;    /* sweep_dir_hash of the plan and the resolved scenario */
    uint32_t shard_k; /* this folder runs shard K of N (1/1: everything) */
    uint32_t shard_n;
    struct sweep_plan plan; /* owned */
};

/* The identity of a sweep: sweep_plan_hash mixed with the metrics layout. */
uint64_t sweep_dir_hash(const struct sweep_plan *p, const char *resolved, size_t len);

/* Write DIR/.sweep atomically. */
bool sweep_meta_write(const char *dir, const struct sweep_meta *m, char *err, size_t errlen);

/* Read DIR/.sweep into *m (sweep_meta_fini it). false with err if missing or malformed. */
bool sweep_meta_read(const char *dir, struct sweep_meta *m, char *err, size_t errlen);
void sweep_meta_fini(struct sweep_meta *m);

/* Results by run number (about 210 bytes a run). */
struct sweep_store {
    uint64_t nruns;
    uint64_t ndone;        /* runs with have[run] */
    bool *have;            /* owned */
    uint8_t *status;       /* enum sweep_run_status of each run, where have[run] (owned) */
    struct run_metrics *m; /* metrics of each run, where have[run] (owned) */
};

void sweep_store_init(struct sweep_store *st, uint64_t nruns);
void sweep_store_fini(struct sweep_store *st);

/* The stored result of a run that the store has. */
void sweep_store_get(const struct sweep_store *st, uint32_t run, struct sweep_result *out);

/* Record r; false if the store already holds a different result for that run. */
bool sweep_store_put(struct sweep_store *st, const struct sweep_result *r);

struct sweep_journal;

/*
 * Open DIR/.journal for appending (created if missing), first loading its entries into st;
 * a torn last line is cut off. NULL with err on an unreadable file or a corrupt entry.
 */
struct sweep_journal *sweep_journal_open(const char *dir, struct sweep_store *st, char *err,
                                         size_t errlen);

/* Load DIR/.journal read-only (for merge). */
bool sweep_journal_load(const char *dir, struct sweep_store *st, char *err, size_t errlen);

/*
 * Append one result: encoded into a buffer that is written (write(2)) by sweep_journal_flush,
 * which the sweep calls after every batch of results it receives (and at 64 KiB of entries).
 * false with err on a write error.
 */
bool sweep_journal_append(struct sweep_journal *j, const struct sweep_result *r, char *err,
                          size_t errlen);

/* Write the buffered entries; fdatasync if the last sync is 200 ms old. */
bool sweep_journal_flush(struct sweep_journal *j, char *err, size_t errlen);

/* fdatasync and close; false with err if syncing failed. NULL is a no-op (true). */
bool sweep_journal_close(struct sweep_journal *j, char *err, size_t errlen);

/*
 * Write DIR/summary.csv (the runs of shard K/N, in run order) and, if with_points,
 * DIR/points.csv (every point; all runs must be in st). Atomic per file.
 */
bool sweep_dir_write_results(const char *dir, const struct sweep_plan *p,
                             const struct sweep_store *st, uint32_t shard_k, uint32_t shard_n,
                             bool with_points, char *err, size_t errlen);

/*
 * Remove what killed processes left in a sweep folder: temporaries (sim/output/outfile's
 * ".NAME.tmp.PID" of processes that no longer exist) in DIR and in every DIR/runs/RUN/, and
 * the runs/RUN/ folders that are then empty (a worker killed before writing anything).
 * Call it when no worker is running: at the start of a sweep and after the pool stopped
 * early. Returns how many entries were removed.
 */
size_t sweep_dir_clean(const char *dir);

/*
 * Write DIR/NAME atomically (sim/output/outfile): fill() writes the content to a temporary file,
 * which is fsync'ed and renamed into place; DIR is created if missing. false with err (and
 * no file) on any error.
 */
bool sweep_dir_write_file(const char *dir, const char *name, void (*fill)(FILE *f, void *ctx),
                          void *ctx, char *err, size_t errlen);

#endif
