/*
 * detcheck: the determinism check of `atlas-sim run FILE --check-determinism`.
 *
 * The scenario runs twice and the two event streams (sim/engine/engine.h: every event's time,
 * kind and target) are compared record by record. Run 1 is a child process (fork) that
 * simulates without writing anything and streams its records through a pipe; run 2 is the
 * caller's own run (the one that writes the output files, once), whose records are
 * compared as they are produced. Memory stays O(1) whatever the length of the run (a pipe
 * and two buffers of DETCHECK_BUFFER records); the child's heap starts out differently laid
 * out (a spacer block), so address-dependent behaviour shows as a difference.
 *
 * Use: detcheck_start (forks run 1; every engine created afterwards in this process is
 * tapped), run the scenario once (run_to_dir), detcheck_finish (the verdict), detcheck_free.
 *
 * Ownership: the scenario is borrowed until detcheck_finish. Errors (pipe, fork, a child
 * that dies) go to the diag and make start/finish return false/NULL.
 */
#ifndef ATLAS_SIM_RUN_DETCHECK_H
#define ATLAS_SIM_RUN_DETCHECK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/scenario/diag.h"
#include "sim/engine/engine.h"
#include "sim/scenario/scenario.h"

#define DETCHECK_BUFFER 4096 /* records per pipe transfer */

/*
 * For tests only (the command line cannot reach it): called in run 2 after its record
 * `index` (0-based) has been compared, with run 2's engine, e.g. to schedule an extra
 * event and so perturb run 2 from there on.
 */
struct detcheck_hooks {
    void (*after_record)(void *ctx, struct sim_engine *eng, uint64_t index);
    void *ctx;
};

struct detcheck_result {
    bool same;            /* the streams are equal, record for record, and end together */
    uint64_t events;      /* records compared (equal ones, when !same) */
    uint64_t fingerprint; /* run 2's engine fingerprint (== run 1's when same) */
    /* when !same: the first difference, at record `index` */
    uint64_t index;
    bool present[2];          /* run 1 / run 2 has a record there (false: its stream ended) */
    struct sim_record rec[2]; /* those records */
    const char *kind_name[2]; /* their kinds' names (static strings) */
};

struct detcheck;

/* Fork run 1 of sc and tap every engine created from now on; NULL (diag) on failure. */
struct detcheck *detcheck_start(const struct scenario *sc, const struct detcheck_hooks *hooks,
                                const char *file, struct diag *d);

/* After run 2: stop tapping, read what is left of run 1, wait for it; false (diag) if run 1
 * failed or run 2 created no engine. */
bool detcheck_finish(struct detcheck *dc, struct detcheck_result *r, struct diag *d);

void detcheck_free(struct detcheck *dc); /* NULL is a no-op; kills a child still running */

/*
 * "deterministic: N events, fingerprint X", or "not deterministic: the runs differ at event
 * I (0-based)" and one line per run: time, kind, target (or "no event: its run ended").
 */
void detcheck_print(const struct detcheck_result *r, FILE *f);

#endif
