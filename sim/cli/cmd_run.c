/* cmd_run: `atlas-sim run FILE.yaml [-o DIR] [--seed N] [--set KEY=VALUE]... [--quiet]
 * [--check-determinism]`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "sim/cli/cli.h"
#include "sim/run/detcheck.h"
#include "sim/run/heap.h"
#include "sim/cluster/limits.h"
#include "sim/output/outfile.h"
#include "sim/run/run.h"
#include "sim/scenario/scenario_yaml.h"
#include "sim/sweep/sweep_dir.h"

static void run_usage(FILE *f)
{
    fputs("usage: atlas-sim run FILE.yaml [-o DIR] [--seed N] [--set KEY=VALUE]... [--quiet]\n"
          "                     [--check-determinism]\n"
          "\n"
          "Runs one scenario and writes into DIR (default: out/NAME, NAME being the scenario's\n"
          "name, which defaults to the file name without .yaml):\n"
          "  outcomes.csv  votes.csv  events.csv  summary.csv  scenario.resolved.yaml\n"
          "and, when the scenario asks for them, graph.dot, neo4j_nodes.csv,\n"
          "neo4j_relationships.csv (output.graph) and messages.csv, heartbeats.csv\n"
          "(output.traces). Files appear only when complete. `atlas-sim run\n"
          "DIR/scenario.resolved.yaml` reproduces every file byte for byte.\n"
          "\n"
          "  -o, --out DIR     output folder (created if missing)\n"
          "  --seed N          override the scenario's seed\n"
          "  --set KEY=VALUE   override any key by its dotted path (repeatable), e.g.\n"
          "                    --set cluster.nodes=7 --set network.latency.median=30ms\n"
          "  -q, --quiet       print nothing but errors\n"
          "  --memory-limit SIZE\n"
          "                    refuse the run (exit 2) when its estimated memory exceeds SIZE\n"
          "                    (512M, 4G; default: MemAvailable in /proc/meminfo, or the room\n"
          "                    under the cgroup memory limit when smaller)\n"
          "  --check-determinism\n"
          "                    run the scenario twice (the first run in a child process,\n"
          "                    writing nothing) and compare the two streams of events (time,\n"
          "                    kind, target) as they go; prints \"deterministic: N events,\n"
          "                    fingerprint X\" or the first event that differs, with both\n"
          "                    runs' versions of it. The files are written once.\n"
          "  -h, --help        this help\n"
          "\n"
          "Keys are documented in scenarios/README.md (`atlas-sim validate --reference`).\n"
          "Exit codes: 0 ok, 1 a checked invariant failed or, with --check-determinism,\n"
          "the two runs differ (files are still written), 2 bad input or usage (no file\n"
          "is written).\n",
          f);
}

struct run_args {
    const char *file, *out, *seed, *memory_limit;
    bool quiet, check;
    int nsets;
    char **sets;
};

/* Returns -1 when parsed, else the exit code to return. */
static int parse_args(int argc, char **argv, struct run_args *a)
{
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        bool has_value = i + 1 < argc;
        if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
            run_usage(stdout);
            return EXIT_OK;
        } else if (!strcmp(s, "-q") || !strcmp(s, "--quiet")) {
            a->quiet = true;
        } else if (!strcmp(s, "--memory-limit") && has_value) {
            a->memory_limit = argv[++i];
        } else if (!strcmp(s, "--check-determinism")) {
            a->check = true;
        } else if ((!strcmp(s, "-o") || !strcmp(s, "--out")) && has_value) {
            a->out = argv[++i];
        } else if (!strcmp(s, "--seed") && has_value) {
            a->seed = argv[++i];
        } else if (!strcmp(s, "--set") && has_value) {
            a->sets[a->nsets++] = argv[++i];
        } else if (s[0] == '-' && s[1]) {
            fprintf(stderr, "atlas-sim run: unknown option or missing value: %s\n\n", s);
            run_usage(stderr);
            return EXIT_USAGE;
        } else if (a->file) {
            fprintf(stderr, "atlas-sim run: only one scenario file, got '%s' and '%s'\n", a->file,
                    s);
            return EXIT_USAGE;
        } else {
            a->file = s;
        }
    }
    if (!a->file) {
        run_usage(stderr);
        return EXIT_USAGE;
    }
    if (a->out && !*a->out) { /* -o "$UNSET" would write into the current folder */
        fprintf(stderr, "atlas-sim run: -o needs a folder name, got ''\n");
        return EXIT_USAGE;
    }
    return -1;
}

/*
 * The output folder must not replace a sweep's files (its summary.csv and
 * scenario.resolved.yaml beside .sweep), and out/NAME must stay under out/.
 */
static bool output_dir_ok(const char *dir, const char *name, bool by_name, const char *file,
                          struct diag *d)
{
    if (by_name && !outdir_name_check(name, file, d))
        return false;
    bool sweep = outdir_holds(dir, SWEEP_META_FILE);
    if (sweep)
        diag_error(d, dir, 0, 0, NULL,
                   "holds a sweep (%s), whose summary.csv a run would replace; use another "
                   "folder",
                   SWEEP_META_FILE);
    return !sweep;
}

int cmd_run(int argc, char **argv)
{
    struct run_args a = {.sets = xcalloc((size_t)argc, sizeof(char *))};
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0) {
        free(a.sets);
        return rc;
    }
    struct diag d;
    diag_init(&d);
    struct scenario sc;
    double limit = 0;
    const char *source = NULL;
    bool loaded = limits_from_option(a.memory_limit, &limit, &source, &d) &&
                  scenario_load_seeded(a.file, a.seed, a.nsets, a.sets, &sc, &d);
    if (loaded) { /* the determinism check runs two at once */
        struct mem_estimate e;
        limits_estimate(&sc, &e);
        if (!limits_check(&e, a.check ? 2 : 1, 0, limit, source, a.file, &d))
            scenario_fini(&sc);
        else /* the run's blocks on huge pages (layout only) */
            heap_extend_huge((size_t)e.total);
    }
    if (!loaded || !diag_ok(&d)) {
        diag_print(&d, stderr);
        diag_fini(&d);
        free(a.sets);
        return EXIT_USAGE;
    }
    char *out = NULL;
    if (!a.out) {
        size_t len = strlen(sc.name) + 5;
        out = xmalloc(len);
        snprintf(out, len, "out/%s", sc.name);
    }
    if (!output_dir_ok(a.out ? a.out : out, sc.name, !a.out, a.file, &d)) {
        diag_print(&d, stderr);
        diag_fini(&d);
        scenario_fini(&sc);
        free(out);
        free(a.sets);
        return EXIT_USAGE;
    }
    struct run_ident id = {.run = 0, .rep = 0, .seed = sc.seed};
    outdir_remove_on_signal(); /* Ctrl-C leaves no temporary or partial file behind */
    struct run_metrics m;
    bool invariants_ok = true;
    struct detcheck *dc = a.check ? detcheck_start(&sc, NULL, a.file, &d) : NULL;
    bool ok = (!a.check || dc) && run_to_dir_account(&sc, &id, a.out ? a.out : out, &m,
                                                     &invariants_ok, a.quiet ? NULL : stdout, &d);
    struct detcheck_result dr = {.same = true};
    if (dc && ok) /* a failed run 2 is the error; detcheck_free stops run 1 */
        ok = detcheck_finish(dc, &dr, &d);
    detcheck_free(dc);
    diag_print(&d, stderr);
    rc = !ok ? EXIT_USAGE : invariants_ok && dr.same ? EXIT_OK : EXIT_INVARIANT;
    if (ok && !invariants_ok)
        fprintf(stderr, "atlas-sim run: %s: a checked invariant failed (see events.csv)\n", a.file);
    if (ok && a.check)
        detcheck_print(&dr, dr.same ? stdout : stderr);
    scenario_fini(&sc);
    diag_fini(&d);
    free(out);
    free(a.sets);
    return rc;
}
