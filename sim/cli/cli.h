/*
 * cli: the atlas-sim subcommands. Each returns the process exit code:
 * 0 ok, 1 a checked invariant failed, 2 bad input or usage.
 * argv[0] is the subcommand name. Each prints its own --help.
 */
#ifndef ATLAS_SIM_CLI_CLI_H
#define ATLAS_SIM_CLI_CLI_H

#include <stdbool.h>

enum {
    EXIT_OK = 0,
    EXIT_INVARIANT = 1,
    EXIT_USAGE = 2,
    EXIT_UNKNOWN = 3, /* check-history: a bound was hit before an answer */
};

int cmd_run(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_analyze(int argc, char **argv);
int cmd_view(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_check(int argc, char **argv);

/* atlas-sim bench subcommands (dispatched by cmd_bench). */
int bench_phold_main(int argc, char **argv);
int bench_graph_main(int argc, char **argv);
int bench_linz_main(int argc, char **argv);

/*
 * What `sweep FILE [--set ...]` would refuse before running, `validate` checks too: every
 * point of the plan (the file's sweep.params and --set lists) resolved, each problem once at
 * the position of the value in the file (or its --set). Diagnostics go to d.
 */
struct diag;
bool sweep_check_points(const char *file, const char *seed, int nsets, char *const *sets,
                        struct diag *d);

#endif
