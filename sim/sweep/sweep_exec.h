/*
 * sweep_exec: run a list of sweep runs on a pool of worker processes and hand every result
 * back to the caller, in the parent process, as it arrives.
 *
 * jobs == 1 runs everything in the calling process (no fork). jobs > 1 forks that many
 * workers (never more than runs); each receives chunks of consecutive list entries over a
 * pipe (two chunks outstanding, so it never waits for the dispatcher) and writes fixed-size
 * results back in batches (at most 64, held at most 1 ms after the first finished, sent at
 * the end of every chunk). Chunks follow guided
 * self-scheduling: remaining / (8 x workers) runs, at least 1 and at most 256, so that tiny
 * runs are not dominated by dispatch and the last runs are spread one by one. Results arrive
 * in any order, so callers that write output sort by run number (the output is then the
 * same for any jobs).
 *
 * Workers ignore SIGINT (a terminal's Ctrl-C reaches the whole process group): the caller's
 * handler sets *stop, the pool stops handing out runs, kills the workers (abandoning the runs
 * they hold: they were not reported, so a resume runs them again) and returns
 * SWEEP_EXEC_INTERRUPTED. On Linux a worker also dies with its parent (kill -9 of a sweep
 * leaves no orphan computing).
 */
#ifndef ATLAS_SIM_SWEEP_SWEEP_EXEC_H
#define ATLAS_SIM_SWEEP_SWEEP_EXEC_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/cluster/metrics.h"

#define SWEEP_ERR_LEN 256

enum sweep_run_status {
    SWEEP_RUN_OK = 0,        /* ran; every checked invariant held */
    SWEEP_RUN_INVARIANT = 1, /* ran; the checker found a broken invariant */
    SWEEP_RUN_ERROR = 2,     /* could not run (err says why): stops the sweep */
};

struct sweep_result {        /* one run's outcome, copied between processes as bytes */
    uint32_t run;            /* run number */
    uint32_t status;         /* enum sweep_run_status */
    struct run_metrics m;    /* valid unless SWEEP_RUN_ERROR */
    char err[SWEEP_ERR_LEN]; /* SWEEP_RUN_ERROR: the reason, NUL-terminated */
};

/* Run `run` and fill *out (zeroed by the caller, run already set). Called in a worker. */
typedef void (*sweep_work_fn)(void *ctx, uint32_t run, struct sweep_result *out);

/* A finished run, in the calling process. Return false to stop the sweep (an I/O error). */
typedef bool (*sweep_done_fn)(void *ctx, const struct sweep_result *r);

/* After each batch of done calls, before waiting for more results (may be NULL). */
typedef bool (*sweep_flush_fn)(void *ctx);

struct sweep_exec {
    unsigned jobs;        /* workers; >= 1 */
    const uint32_t *runs; /* the runs to do, in dispatch order */
    size_t nruns;
    sweep_work_fn work;
    sweep_done_fn done;
    sweep_flush_fn flush;
    void *ctx;                   /* passed to work and done */
    volatile sig_atomic_t *stop; /* set (e.g. by a SIGINT handler) to stop early; may be NULL */
};

enum sweep_exec_status {
    SWEEP_EXEC_DONE,        /* every run reported to done */
    SWEEP_EXEC_INTERRUPTED, /* *stop was set */
    SWEEP_EXEC_FAILED,      /* a run errored, done returned false, or a worker died: err */
};

/* err is cleared first; done/flush may write their reason into the same buffer (kept). */
enum sweep_exec_status sweep_exec_run(const struct sweep_exec *x, char *err, size_t errlen);

/* Number of online processors (the default -j), at least 1. */
unsigned sweep_exec_cores(void);

#endif
