/* atlas-sim: command-line entry point; dispatches to the subcommands in cli.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sim/cli/cli.h"
#include "sim/engine/version.h"
#include "sim/run/heap.h"

static const struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *help;
} commands[] = {
    {"run", cmd_run, "run one scenario; write its CSV traces and summary into a folder"},
    {"validate", cmd_validate, "check a scenario file; print every problem or a summary"},
    {"sweep", cmd_sweep, "run a parameter sweep: points x replications, on all cores"},
    {"merge", cmd_merge, "combine the folders of a sharded sweep into one"},
    {"analyze", cmd_analyze,
     "statistics and figures per point of a run or sweep folder (CSV only)"},
    {"view", cmd_view, "draw one run as a space-time diagram (HTML), or a ShiViz/Mermaid log"},
    {"check-history", cmd_check,
     "check a client history (history.csv) for linearizability, key by key"},
    {"bench", cmd_bench, "benchmarks: the event engine (phold) and the graph store (graph)"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: atlas-sim COMMAND [ARGS]...\n\n"
               "AtlasSim: a deterministic discrete-event simulator for consensus experiments.\n\n"
               "Commands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(f, "  %-13s %s\n", commands[i].name, commands[i].help);
    fprintf(f, "\nOptions:\n"
               "  --help, -h  this text\n"
               "  --version   the program's version\n"
               "\nRun 'atlas-sim COMMAND --help' for a command's options.\n"
               "Exit codes: 0 ok, 1 a checked invariant failed, 2 bad input or usage.\n");
}

/* What went to standard output must have arrived: `atlas-sim run ... > /dev/full` exited 0.
 * A write error there is exit 2 with the reason (the files a run wrote stay: they are
 * complete; only the report is lost). */
static int stdout_checked(const char *cmd, int rc)
{
    if (fflush(stdout) == 0 && !ferror(stdout))
        return rc;
    fprintf(stderr, "atlas-sim%s%s: cannot write standard output: %s\n", cmd ? " " : "",
            cmd ? cmd : "", strerror(errno ? errno : EIO));
    return EXIT_USAGE;
}

int main(int argc, char **argv)
{
    heap_reserve_huge(HEAP_RESERVE);
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return stdout_checked(NULL, EXIT_OK);
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("atlas-sim %s\n", atlas_build);
        return stdout_checked(NULL, EXIT_OK);
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return stdout_checked(argv[1], commands[i].fn(argc - 1, argv + 1));
    fprintf(stderr, "atlas-sim: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return EXIT_USAGE;
}
