/*
 * run: one simulation run from a resolved scenario into an output folder, and the
 * summary.csv row format shared by `run` and `sweep`.
 *
 * Output files are written to temporary names in the folder and renamed into place only
 * when complete, so an interrupted run never leaves a half-written CSV.
 */
#ifndef ATLAS_SIM_RUN_RUN_H
#define ATLAS_SIM_RUN_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/scenario/diag.h"
#include "sim/cluster/metrics.h"
#include "sim/cluster/trace.h"
#include "sim/scenario/scenario.h"

/*
 * Run sc and write every output file into dir (created if missing). Input/output problems
 * (unwritable folder, ...) go to d and return false with no file left behind; on success
 * *m holds the metrics and *invariants_ok whether the checker passed.
 */
bool run_to_dir(const struct scenario *sc, const struct run_ident *id, const char *dir,
                struct run_metrics *m, bool *invariants_ok, struct diag *d);

/*
 * As run_to_dir, and when account is not NULL also print a readable account of the run to
 * it: the proposals with their tallies and outcomes (first RUN_ACCOUNT_PROPOSALS), the final
 * graph of the majority replica (when small), the metrics and the files written.
 */
#define RUN_ACCOUNT_PROPOSALS 20
bool run_to_dir_account(const struct scenario *sc, const struct run_ident *id, const char *dir,
                        struct run_metrics *m, bool *invariants_ok, FILE *account, struct diag *d);

/* summary.csv: header and one row; swept key paths and their values are leading columns. */
/*
 * summary.csv's header and rows: run,rep,seed, the swept columns, metric_fields[], then the
 * metric columns of every protocol in the bit set `protocols` (bit p: consensus_protocols[p];
 * a run of another protocol has NA there).
 */
void summary_write_header(FILE *f, size_t nswept, const char *const *swept_paths,
                          uint32_t protocols);
void summary_write_row(FILE *f, const struct run_ident *id, size_t nswept,
                       const char *const *swept_values, const struct run_metrics *m,
                       uint32_t protocols);

#endif
