/* cmd_validate: `atlas-sim validate FILE.yaml` and `atlas-sim validate --reference`. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "sim/cli/cli.h"
#include "sim/cluster/limits.h"
#include "sim/scenario/scenario_yaml.h"
#include "sim/scenario/sweep.h"

static void validate_usage(FILE *f)
{
    fputs("usage: atlas-sim validate FILE.yaml [--seed N] [--set KEY=VALUE]... [-q]\n"
          "       atlas-sim validate --reference\n"
          "\n"
          "Checks a scenario without running it: reports every problem found (with\n"
          "file:line:column and the key path) and exits 2, or prints a short summary of the\n"
          "resolved scenario and exits 0. --seed and --set are checked like in `run`; a\n"
          "--set list (KEY=a,b) is a sweep axis, as in `sweep`. When the scenario sweeps\n"
          "(sweep.params or --set lists), every point is resolved as `sweep` would, and each\n"
          "bad value is reported once, at its position in the file (or its --set).\n"
          "\n"
          "  --reference   print the Markdown reference of every scenario key (type, default,\n"
          "                range, example), i.e. scenarios/README.md\n"
          "  -q, --quiet   print no summary (problems still go to stderr; the exit code says)\n"
          "  -h, --help    this help\n",
          f);
}

static void print_summary(FILE *f, const char *file, const struct scenario *sc)
{
    char dur[SIM_TIME_BUFLEN], lat[256];
    dist_format(&sc->network.latency, lat, sizeof(lat));
    size_t points = 1;
    for (size_t i = 0; i < sc->sweep.nparams; i++)
        points *= sc->sweep.params[i].nvalues;
    fprintf(f, "%s: ok\n", file);
    fprintf(f, "  name %s, seed %" PRIu64 ", duration %s\n", sc->name, sc->seed,
            sim_time_format(sc->duration, dur));
    fprintf(f, "  %" PRIu32 " nodes, quorum %" PRIu32 ", approval %g, latency %s, loss %g\n",
            sc->nodes, quorum_size(&sc->consensus.quorum, sc->nodes), sc->consensus.approval, lat,
            sc->network.loss);
    fprintf(f, "  graph: %zu vertices, %zu edges; workload: %zu ops%s\n", sc->graph.nvertices,
            sc->graph.nedges, sc->workload.nops,
            sc->workload.generate.enabled ? " + generated" : "");
    fprintf(f, "  faults: %zu crashes, %zu partitions%s; heartbeats %s\n", sc->faults.ncrashes,
            sc->faults.npartitions,
            sc->faults.random.enabled   ? ", random crashes"
            : sc->faults.leader.enabled ? ", leader crashes"
                                        : "",
            sc->heartbeat.enabled ? "on" : "off");
    if (sc->nzones || scenario_has_service(sc) || sc->faults.nclogs)
        fprintf(f, "  zones: %zu (%zu zone crashes%s); slow periods: %zu%s; clogs: %zu\n",
                sc->nzones, sc->faults.nzone_crashes,
                sc->faults.zone_random.enabled ? ", random zone outages" : "", sc->faults.nslow,
                sc->service.ops ? ", service time on every node" : "", sc->faults.nclogs);
    if (sc->sweep.nparams)
        fprintf(f, "  sweep: %zu parameters, %zu points x %" PRIu32 " replications\n",
                sc->sweep.nparams, points, sc->sweep.replications);
    struct mem_estimate e;
    limits_estimate(sc, &e);
    char total[32], part[32];
    fprintf(f, "  estimated memory per run: %s (largest part: %s, %s)\n",
            limits_format(e.total, total, sizeof(total)), e.part[0].what,
            limits_format(e.part[0].bytes, part, sizeof(part)));
}

int cmd_validate(int argc, char **argv)
{
    const char *file = NULL, *seed = NULL;
    bool quiet = false;
    char **sets = xcalloc((size_t)argc, sizeof(char *));
    int nsets = 0, rc = -1;
    for (int i = 1; i < argc && rc < 0; i++) {
        const char *s = argv[i];
        if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
            validate_usage(stdout);
            rc = EXIT_OK;
        } else if (!strcmp(s, "--reference")) {
            scenario_write_reference(stdout);
            rc = EXIT_OK;
        } else if (!strcmp(s, "--set") && i + 1 < argc) {
            sets[nsets++] = argv[++i];
        } else if (!strcmp(s, "-q") || !strcmp(s, "--quiet")) {
            quiet = true;
        } else if (!strcmp(s, "--seed") && i + 1 < argc) {
            seed = argv[++i];
        } else if ((s[0] == '-' && s[1]) || file) {
            fprintf(stderr, "atlas-sim validate: unexpected argument '%s'\n\n", s);
            validate_usage(stderr);
            rc = EXIT_USAGE;
        } else {
            file = s;
        }
    }
    if (rc < 0 && !file) {
        validate_usage(stderr);
        rc = EXIT_USAGE;
    }
    if (rc < 0) {
        /* The base scenario: the file with the plain --set values (a list makes a sweep
         * axis, as in `sweep`); then, when it sweeps, every point as `sweep` would. */
        char **plain = xcalloc((size_t)nsets + 1, sizeof(char *));
        int nplain = 0;
        bool sweeps = false;
        for (int i = 0; i < nsets; i++) {
            bool list = sweep_set_is_axis(sets[i]);
            sweeps |= list;
            if (!list)
                plain[nplain++] = sets[i];
        }
        struct diag d;
        diag_init(&d);
        struct scenario sc;
        bool ok = scenario_load_seeded(file, seed, nplain, plain, &sc, &d);
        if (ok && (sweeps || sc.sweep.nparams) &&
            !sweep_check_points(file, seed, nsets, sets, &d)) {
            scenario_fini(&sc);
            ok = false;
        }
        diag_print(&d, stderr);
        if (ok) {
            if (!quiet)
                print_summary(stdout, file, &sc);
            scenario_fini(&sc);
            rc = EXIT_OK;
        } else {
            fprintf(stderr, "%s: %zu error%s\n", file, d.errors, d.errors == 1 ? "" : "s");
            rc = EXIT_USAGE;
        }
        diag_fini(&d);
        free(plain);
    }
    free(sets);
    return rc;
}
