/*
 * End-to-end tests of `atlas-sim run` and `atlas-sim validate`, driving the real binary
 * (ATLAS_BINARY): golden output folders (tests/golden/<scenario>/, compared byte for byte),
 * reproduction from scenario.resolved.yaml, byte-identical repeat runs, --seed/--set/--quiet,
 * the default output folder, and the bad-input suite: every YAML file in tests/bad names its
 * error class and carries the exact expected message in an `# expect: FILE:L:C: ...` line;
 * each must exit 2 with that message and leave no output folder behind.
 *
 * Regenerate the goldens (after an intended change of output) as TESTING.md says.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "core/ledger.h"
#include "testutil.h"
#include "sim/engine/version.h"

#define SRC(path) ATLAS_SOURCE_DIR "/" path

static char tmp[256];

static void make_tmp(void)
{
    tu_tmpdir(tmp, sizeof(tmp), "test-run");
}

static void remove_tmp(void)
{
    tu_rmtree(tmp);
}

/* Run a shell command built from fmt; returns its exit code. */
#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
static int
sh(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    int status = system(cmd);
    cr_assert(status != -1 && WIFEXITED(status), "%s did not exit normally", cmd);
    return WEXITSTATUS(status);
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted names in dir (hidden files included), NULL-terminated; caller frees. */
static char **list_dir(const char *dir, size_t *n)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "cannot open %s", dir);
    char **names = NULL;
    *n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        names = realloc(names, (*n + 2) * sizeof(*names));
        names[(*n)++] = strdup(e->d_name);
    }
    closedir(d);
    if (names)
        qsort(names, *n, sizeof(*names), cmp_names);
    return names;
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* Every file of dir a equals the same-named file of b, and both hold the same names. */
static void assert_same_folder(const char *a, const char *b)
{
    size_t na, nb;
    char **fa = list_dir(a, &na), **fb = list_dir(b, &nb);
    cr_assert_eq(na, nb, "%s has %zu files, %s has %zu", a, na, b, nb);
    for (size_t i = 0; i < na; i++) {
        cr_assert_str_eq(fa[i], fb[i], "file sets differ: %s vs %s", a, b);
        char pa[1024], pb[1024];
        snprintf(pa, sizeof(pa), "%s/%s", a, fa[i]);
        snprintf(pb, sizeof(pb), "%s/%s", b, fb[i]);
        size_t la, lb;
        char *ca = tu_slurp(pa, &la), *cb = tu_slurp(pb, &lb);
        cr_assert(ca && cb);
        cr_assert(la == lb && memcmp(ca, cb, la) == 0, "%s and %s differ", pa, pb);
        free(ca);
        free(cb);
    }
    free_names(fa, na);
    free_names(fb, nb);
}

static void run_quiet(const char *scenario, const char *out, const char *extra)
{
    int rc = sh("'%s' run '%s' -o '%s' --quiet %s", ATLAS_BINARY, scenario, out, extra);
    cr_assert_eq(rc, 0, "atlas-sim run %s exited %d", scenario, rc);
}

/* ---- goldens, reproduction, determinism ---- */

/* The build's identity (atlas_build, in scenario.resolved.yaml and summary.csv) changes with
 * every commit; the goldens hold the placeholder "ATLAS_BUILD" in its place. */
static void placeholder_build(const char *dir, const char *file)
{
    char path[600];
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    char *text = tu_slurp(path, NULL), *at = strstr(text, atlas_build);
    cr_assert(at, "%s does not name the build (%s)", path, atlas_build);
    FILE *f = fopen(path, "w");
    cr_assert(f);
    fprintf(f, "%.*sATLAS_BUILD%s", (int)(at - text), text, at + strlen(atlas_build));
    fclose(f);
    free(text);
}

static void assert_golden(const char *name)
{
    char scenario[512], golden[512], out[512];
    snprintf(scenario, sizeof(scenario), "%s/scenarios/%s.yaml", ATLAS_SOURCE_DIR, name);
    snprintf(golden, sizeof(golden), "%s/tests/golden/%s", ATLAS_SOURCE_DIR, name);
    snprintf(out, sizeof(out), "%s/%s", tmp, name);
    run_quiet(scenario, out, "");
    placeholder_build(out, "scenario.resolved.yaml");
    placeholder_build(out, "summary.csv");
    assert_same_folder(golden, out);
}

Test(run, quickstart_output_matches_the_golden_files, .init = make_tmp, .fini = remove_tmp)
{
    assert_golden("quickstart");
}

Test(run, partition_output_matches_the_golden_files, .init = make_tmp, .fini = remove_tmp)
{
    assert_golden("partition");
}

Test(run, the_resolved_scenario_reproduces_every_file_byte_for_byte, .init = make_tmp,
     .fini = remove_tmp)
{
    char a[512], b[512], resolved[600];
    snprintf(a, sizeof(a), "%s/first", tmp);
    snprintf(b, sizeof(b), "%s/again", tmp);
    snprintf(resolved, sizeof(resolved), "%s/scenario.resolved.yaml", a);
    run_quiet(SRC("scenarios/crash-recovery.yaml"), a, "--seed 99 --set network.loss=0.01");
    run_quiet(resolved, b, "");
    assert_same_folder(a, b);
}

Test(run, two_runs_of_the_same_scenario_are_byte_identical, .init = make_tmp, .fini = remove_tmp)
{
    char a[512], b[512];
    snprintf(a, sizeof(a), "%s/a", tmp);
    snprintf(b, sizeof(b), "%s/b", tmp);
    run_quiet(SRC("scenarios/lossy-heartbeats.yaml"), a, "--set duration=5s");
    run_quiet(SRC("scenarios/lossy-heartbeats.yaml"), b, "--set duration=5s");
    assert_same_folder(a, b);
}

Test(run, seed_and_set_override_the_file_and_are_written_out, .init = make_tmp, .fini = remove_tmp)
{
    char out[512], path[600];
    snprintf(out, sizeof(out), "%s/o", tmp);
    run_quiet(SRC("scenarios/quickstart.yaml"), out,
              "--seed 7 --set cluster.nodes=7 --set output.votes=false");
    snprintf(path, sizeof(path), "%s/scenario.resolved.yaml", out);
    char *yaml = tu_slurp(path, NULL);
    cr_assert(strstr(yaml, "\nseed: 7\n"), "%s", yaml);
    cr_assert(strstr(yaml, "  nodes: 7\n"), "%s", yaml);
    cr_assert(strstr(yaml, "  votes: false\n"), "%s", yaml);
    free(yaml);
    snprintf(path, sizeof(path), "%s/outcomes.csv", out);
    char *outcomes = tu_slurp(path, NULL);
    cr_assert(strstr(outcomes, "\n0,0,7,p-1,0,add_edge,"), "%s", outcomes);
    free(outcomes);
    snprintf(path, sizeof(path), "%s/votes.csv", out);
    cr_assert_not(exists(path), "output.votes=false skips votes.csv");
}

Test(run, the_terminal_account_shows_tallies_the_graph_and_the_files, .init = make_tmp,
     .fini = remove_tmp)
{
    char path[600];
    snprintf(path, sizeof(path), "%s/stdout", tmp);
    cr_assert_eq(sh("'%s' run '%s' -o '%s/o' >'%s'", ATLAS_BINARY, SRC("scenarios/quickstart.yaml"),
                    tmp, path),
                 0);
    char *text = tu_slurp(path, NULL);
    const char *expected[] = {"proposal p-1: ",
                              "YES (quorum 3) \xe2\x80\x94 approved",
                              "add_edge A -visits-> B",
                              "  A (Person)",
                              "  B (Place)",
                              "  A -visits-> B\n",
                              "approval_rate",
                              "files in "};
    for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++)
        cr_assert(strstr(text, expected[i]), "'%s' missing in\n%s", expected[i], text);
    free(text);
}

Test(run, quiet_prints_nothing, .init = make_tmp, .fini = remove_tmp)
{
    char path[600];
    snprintf(path, sizeof(path), "%s/stdout", tmp);
    cr_assert_eq(sh("'%s' run '%s' -o '%s/o' --quiet >'%s' 2>&1", ATLAS_BINARY,
                    SRC("scenarios/quickstart.yaml"), tmp, path),
                 0);
    size_t len;
    free(tu_slurp(path, &len));
    cr_assert_eq(len, 0);
}

Test(run, the_default_output_folder_is_out_slash_the_scenario_name, .init = make_tmp,
     .fini = remove_tmp)
{
    char path[600];
    cr_assert_eq(
        sh("cd '%s' && '%s' run '%s' --quiet", tmp, ATLAS_BINARY, SRC("scenarios/quickstart.yaml")),
        0);
    snprintf(path, sizeof(path), "%s/out/quickstart/summary.csv", tmp);
    cr_assert(exists(path));
}

/* A python3 that has pandas (the PATH's, else the system's), or NULL. */
static const char *python_with_pandas(void)
{
    static const char *const candidates[] = {"python3", "/usr/bin/python3"};
    for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++)
        if (sh("%s -c 'import pandas' >/dev/null 2>&1", candidates[i]) == 0)
            return candidates[i];
    return NULL;
}

Test(run, every_csv_loads_with_pandas, .init = make_tmp, .fini = remove_tmp)
{
    const char *python = python_with_pandas();
    if (!python)
        cr_skip_test("python3 with pandas is not installed");
    char out[512];
    snprintf(out, sizeof(out), "%s/o", tmp);
    run_quiet(SRC("scenarios/partition.yaml"), out,
              "--set output.traces=[messages,heartbeats] --set output.graph=[dot,neo4j]");
    int rc = sh("cd '%s' && %s -c \"\nimport glob, pandas\nfiles = sorted(glob.glob('*.csv'))"
                "\nassert len(files) == 8, files\nfor f in files:\n    d = pandas.read_csv(f)\n"
                "    assert len(d) > 0, f\n"
                "    if not f.startswith('neo4j'):\n"
                "        assert list(d.columns[:3]) == ['run', 'rep', 'seed'], f\n\"",
                out, python);
    cr_assert_eq(rc, 0, "pandas could not load every CSV");
}

/* Sum of the given 1-based column over the data rows of a simple (unquoted) CSV file. */
static double column_sum(const char *path, int column, size_t *rows)
{
    char *text = tu_slurp(path, NULL);
    double sum = 0;
    *rows = 0;
    char *line = strchr(text, '\n') + 1; /* skip the header */
    for (char *next; *line; line = next) {
        next = strchr(line, '\n') + 1;
        const char *field = line;
        for (int i = 1; i < column; i++)
            field = strchr(field, ',') + 1;
        sum += strtod(field, NULL);
        (*rows)++;
    }
    free(text);
    return sum;
}

Test(run, gnuplot_reads_the_times_of_outcomes_csv, .init = make_tmp, .fini = remove_tmp)
{
    if (sh("gnuplot --version >/dev/null 2>&1") != 0)
        cr_skip_test("gnuplot is not installed");
    char out[512], csv[600], result[600];
    snprintf(out, sizeof(out), "%s/o", tmp);
    run_quiet(SRC("scenarios/partition.yaml"), out, "");
    snprintf(csv, sizeof(csv), "%s/outcomes.csv", out);
    snprintf(result, sizeof(result), "%s/gnuplot.txt", tmp);
    cr_assert_eq(sh("gnuplot -e 'set datafile separator \",\"; stats \"%s\" using 8 nooutput; "
                    "print STATS_records, STATS_sum' >'%s' 2>&1",
                    csv, result),
                 0);
    size_t rows, records = 0;
    double sum = column_sum(csv, 8, &rows), gsum = 0;
    char *text = tu_slurp(result, NULL);
    cr_assert_eq(sscanf(text, "%zu %lf", &records, &gsum), 2, "%s", text);
    free(text);
    cr_assert_eq(records, rows, "gnuplot read every data row");
    /* Both sum the same decimal values; only the rounding of a few additions differs. */
    cr_assert_float_eq(gsum, sum, 1e-12 * (double)rows * sum);
}

/* ---- bad input ---- */

static void assert_rejected(const char *cmdline, const char *expected, const char *out)
{
    char errpath[600];
    snprintf(errpath, sizeof(errpath), "%s/stderr", tmp);
    int rc = sh("%s >/dev/null 2>'%s'", cmdline, errpath);
    char *err = tu_slurp(errpath, NULL);
    cr_assert_eq(rc, 2, "%s: exit %d, want 2\n%s", cmdline, rc, err);
    cr_assert(strstr(err, expected), "%s:\nwant  %s\ngot   %s", cmdline, expected, err);
    if (out)
        cr_assert_not(exists(out), "%s: %s was created", cmdline, out);
    free(err);
}

Test(run, every_bad_input_file_exits_2_with_its_message_and_writes_nothing, .init = make_tmp,
     .fini = remove_tmp)
{
    size_t n;
    char **names = list_dir(SRC("tests/bad"), &n);
    size_t checked = 0;
    for (size_t i = 0; i < n; i++) {
        char path[512], out[512], cmd[2048], expected[1024];
        snprintf(path, sizeof(path), "%s/tests/bad/%s", ATLAS_SOURCE_DIR, names[i]);
        char *text = tu_slurp(path, NULL);
        const char *line = strstr(text, "\n# expect: FILE");
        cr_assert_not_null(line, "%s has no '# expect: FILE...' line", names[i]);
        line += strlen("\n# expect: FILE");
        snprintf(expected, sizeof(expected), "%s%.*s", path, (int)strcspn(line, "\n"), line);
        snprintf(out, sizeof(out), "%s/out-%zu", tmp, i);
        snprintf(cmd, sizeof(cmd), "'%s' run '%s' -o '%s'", ATLAS_BINARY, path, out);
        assert_rejected(cmd, expected, out);
        snprintf(cmd, sizeof(cmd), "'%s' validate '%s'", ATLAS_BINARY, path);
        assert_rejected(cmd, expected, NULL);
        free(text);
        checked++;
    }
    free_names(names, n);
    cr_assert_geq(checked, 14, "the suite has one file per error class");
}

Test(run, a_missing_scenario_file_is_an_error_naming_its_path, .init = make_tmp, .fini = remove_tmp)
{
    char cmd[1024], out[512];
    snprintf(out, sizeof(out), "%s/o", tmp);
    snprintf(cmd, sizeof(cmd), "'%s' run '%s/none.yaml' -o '%s'", ATLAS_BINARY, tmp, out);
    char expected[512];
    snprintf(expected, sizeof(expected), "%s/none.yaml: error: cannot open scenario file", tmp);
    assert_rejected(cmd, expected, out);
}

Test(run, an_unwritable_output_folder_is_an_error_and_nothing_is_left, .init = make_tmp,
     .fini = remove_tmp)
{
    char file[512], out[600], cmd[2048], expected[1024];
    snprintf(file, sizeof(file), "%s/a-file", tmp);
    fclose(fopen(file, "w"));
    snprintf(out, sizeof(out), "%s/sub/dir", file);
    snprintf(cmd, sizeof(cmd), "'%s' run '%s' -o '%s'", ATLAS_BINARY,
             SRC("scenarios/quickstart.yaml"), out);
    snprintf(expected, sizeof(expected), "%s: error: cannot create output folder", out);
    assert_rejected(cmd, expected, NULL);
    size_t n;
    char **names = list_dir(tmp, &n);
    cr_assert_eq(n, 2, "only a-file and the captured stderr remain");
    free_names(names, n);
}

Test(run, bad_set_and_seed_values_get_the_same_checks_with_their_origin, .init = make_tmp,
     .fini = remove_tmp)
{
    char cmd[2048], out[512];
    snprintf(out, sizeof(out), "%s/o", tmp);
    snprintf(cmd, sizeof(cmd), "'%s' run '%s' -o '%s' --set cluster.nodes=0", ATLAS_BINARY,
             SRC("scenarios/quickstart.yaml"), out);
    assert_rejected(cmd, "--set:1:1: error: cluster.nodes: 0 is out of range [1, 10000000]", out);
    snprintf(cmd, sizeof(cmd), "'%s' run '%s' -o '%s' --set consensus.quorum=2", ATLAS_BINARY,
             SRC("scenarios/quickstart.yaml"), out);
    assert_rejected(cmd, "--set:1:1: error: consensus.quorum: unknown key 'quorum'", out);
    snprintf(cmd, sizeof(cmd), "'%s' run '%s' -o '%s' --seed -1", ATLAS_BINARY,
             SRC("scenarios/quickstart.yaml"), out);
    assert_rejected(cmd, "--seed:1:1: error: seed: expected a whole number", out);
}

Test(run, usage_errors_exit_2_and_help_exits_0, .init = make_tmp, .fini = remove_tmp)
{
    cr_assert_eq(sh("'%s' run >/dev/null 2>&1", ATLAS_BINARY), 2);
    cr_assert_eq(sh("'%s' run x.yaml --frobnicate >/dev/null 2>&1", ATLAS_BINARY), 2);
    cr_assert_eq(sh("'%s' validate >/dev/null 2>&1", ATLAS_BINARY), 2);
    cr_assert_eq(sh("'%s' run --help | grep -q 'usage: atlas-sim run'", ATLAS_BINARY), 0);
    cr_assert_eq(sh("'%s' validate --help | grep -q 'usage: atlas-sim validate'", ATLAS_BINARY), 0);
}

Test(run, validate_reports_every_problem_at_once, .init = make_tmp, .fini = remove_tmp)
{
    char path[512], errpath[600];
    snprintf(path, sizeof(path), "%s/many.yaml", tmp);
    FILE *f = fopen(path, "w");
    fputs("cluster: {nodes: 3, quorum: 5}\nnetwork: {loss: 2, latncy: 1ms}\nduration: 3\n", f);
    fclose(f);
    snprintf(errpath, sizeof(errpath), "%s/err", tmp);
    cr_assert_eq(sh("'%s' validate '%s' 2>'%s'", ATLAS_BINARY, path, errpath), 2);
    char *err = tu_slurp(errpath, NULL);
    cr_assert(strstr(err, ":1:29: error: cluster.quorum:"), "%s", err);
    cr_assert(strstr(err, ":2:17: error: network.loss:"), "%s", err);
    cr_assert(strstr(err, ":2:20: error: network.latncy: unknown key 'latncy'; did you mean "
                          "'latency'?"),
              "%s", err);
    cr_assert(strstr(err, ":3:11: error: duration:"), "%s", err);
    cr_assert(strstr(err, "many.yaml: 4 errors"), "%s", err);
    cr_assert(strstr(err, ":1:29:") < strstr(err, ":2:17:") &&
                  strstr(err, ":2:20:") < strstr(err, ":3:11:"),
              "errors are listed in file order:\n%s", err);
    free(err);
}

Test(run, validate_prints_a_resolved_summary_for_a_good_file, .init = make_tmp, .fini = remove_tmp)
{
    char path[600];
    snprintf(path, sizeof(path), "%s/out", tmp);
    cr_assert_eq(sh("'%s' validate '%s' >'%s'", ATLAS_BINARY,
                    SRC("scenarios/sweep-approval-nodes.yaml"), path),
                 0);
    char *text = tu_slurp(path, NULL);
    cr_assert(strstr(text, "sweep-approval-nodes.yaml: ok"), "%s", text);
    cr_assert(strstr(text, "70 points x 30 replications"), "%s", text);
    free(text);
}

Test(run, output_ledgers_writes_one_verifiable_ledger_per_node, .init = make_tmp,
     .fini = remove_tmp)
{
    char out[512];
    snprintf(out, sizeof(out), "%s/o", tmp);
    run_quiet(SRC("scenarios/quickstart.yaml"), out, "--set output.ledgers=true");
    for (unsigned i = 0; i < 5; i++) {
        char path[600], msg[512];
        snprintf(path, sizeof(path), "%s/ledger-%u.txt", out, i);
        struct ledger *l;
        cr_assert_eq(ledger_read_file(path, &l, msg, sizeof(msg)), LEDGER_OK, "%s", msg);
        size_t bad;
        cr_assert(ledger_verify(l, &bad), "%s: record %zu", path, bad);
        cr_assert_gt(ledger_count(l), 0);
        ledger_free(l);
    }
    char extra[600];
    snprintf(extra, sizeof(extra), "%s/ledger-5.txt", out);
    cr_assert_not(exists(extra));
}

Test(run, an_interrupted_run_leaves_no_file_and_no_folder_behind, .init = make_tmp,
     .fini = remove_tmp)
{
    char out[512];
    snprintf(out, sizeof(out), "%s/new/o", tmp);
    /* 100 simulated hours of all-to-all heartbeats run for many seconds: still running. */
    int rc = sh("'%s' run '%s' --set duration=100h -o '%s' --quiet & pid=$!; sleep 0.5; "
                "kill -TERM $pid; wait $pid",
                ATLAS_BINARY, SRC("scenarios/lossy-heartbeats.yaml"), out);
    cr_assert_eq(rc, 128 + 15, "the run was still going and died of SIGTERM (exit %d)", rc);
    char parent[600];
    snprintf(parent, sizeof(parent), "%s/new", tmp);
    cr_assert_not(exists(parent), "the folders the run created are removed");
}

/* Not a scenario: a device (/dev/zero was read until memory ran out) and a folder are
 * refused before anything is read, as not regular files; exit 2 both. */
Test(run, endless_files_and_folders_are_refused_as_scenarios, .init = make_tmp, .fini = remove_tmp)
{
    char err[512];
    snprintf(err, sizeof(err), "%s/err", tmp);
    cr_assert_eq(sh("timeout 60 '%s' validate /dev/zero 2>'%s'", ATLAS_BINARY, err), 2);
    char *text = tu_slurp(err, NULL);
    cr_assert(strstr(text, "/dev/zero: error: cannot open scenario file: not a regular file (a "
                           "device)"),
              "%s", text);
    free(text);
    cr_assert_eq(sh("'%s' run '%s' 2>'%s'", ATLAS_BINARY, tmp, err), 2);
    text = tu_slurp(err, NULL);
    cr_assert(strstr(text, "cannot open scenario file: not a regular file (a folder)"), "%s", text);
    free(text);
}

/* Regression: node 1 of crash-recovery (seed below) recovers at 6 s and applies commits
 * decided after its crash (p-50, p-51) before its catch-up brings p-23..p-49; appending those
 * applied two set_property on one key in the other order than every other replica, and the
 * checker saw equal commit sets with different states (exit 1). The catch-up now rebuilds
 * such a replica in commit order; with the ledgers kept, its history stays verifiable. */
Test(run, a_catch_up_after_live_commits_applies_in_commit_order, .init = make_tmp,
     .fini = remove_tmp)
{
    char out[512];
    snprintf(out, sizeof(out), "%s/o", tmp);
    run_quiet(SRC("scenarios/crash-recovery.yaml"), out,
              "--set seed=11307387092600937729 --set output.ledgers=true");
    char path[600], msg[512];
    snprintf(path, sizeof(path), "%s/events.csv", out);
    char *events = tu_slurp(path, NULL);
    cr_assert_null(strstr(events, ",violation,"), "%s", events);
    cr_assert(strstr(events, ",1,catchup,from="), "node 1 caught up: %s", events);
    free(events);
    snprintf(path, sizeof(path), "%s/ledger-1.txt", out);
    struct ledger *l;
    cr_assert_eq(ledger_read_file(path, &l, msg, sizeof(msg)), LEDGER_OK, "%s", msg);
    size_t bad;
    cr_assert(ledger_verify(l, &bad), "%s: record %zu", path, bad);
    ledger_free(l);
    snprintf(path, sizeof(path), "%s/summary.csv", out);
    char *summary = tu_slurp(path, NULL);
    cr_assert(strstr(summary, "safety_violations"), "%s", summary);
    free(summary);
}

/* ---- a broken invariant: exit 1, and the evidence is still written ---- */

Test(run, a_broken_invariant_exits_1_and_still_writes_every_file_with_its_violations,
     .init = make_tmp, .fini = remove_tmp)
{
    char out[512], errpath[600];
    snprintf(out, sizeof(out), "%s/o", tmp);
    snprintf(errpath, sizeof(errpath), "%s/stderr", tmp);
    int rc = sh("'%s' run '%s' -o '%s' --quiet 2>'%s'", ATLAS_BINARY,
                SRC("tests/data/violation.yaml"), out, errpath);
    char *err = tu_slurp(errpath, NULL);
    cr_assert_eq(rc, 1, "exit %d, want 1\n%s", rc, err);
    cr_assert(strstr(err, "a checked invariant failed"), "%s", err);
    free(err);

    static const char *const want[] = {"events.csv",   "graph.dot",
                                       "outcomes.csv", "scenario.resolved.yaml",
                                       "summary.csv",  "votes.csv"};
    size_t n;
    char **names = list_dir(out, &n);
    cr_assert_eq(n, sizeof(want) / sizeof(want[0]), "%zu files in %s", n, out);
    for (size_t i = 0; i < n; i++) {
        cr_assert_str_eq(names[i], want[i]);
        char path[1024];
        snprintf(path, sizeof(path), "%s/%s", out, names[i]);
        size_t len;
        char *text = tu_slurp(path, &len);
        cr_assert(text && len > 0, "%s is empty", path);
        free(text);
    }
    free_names(names, n);

    /* one violation row per replica that disagrees with another holding the same commits */
    char path[600];
    snprintf(path, sizeof(path), "%s/events.csv", out);
    char *events = tu_slurp(path, NULL);
    size_t violations = 0;
    for (const char *p = events; (p = strstr(p, ",violation,")); p++)
        violations++;
    free(events);
    cr_assert_gt(violations, 0, "events.csv has no violation row");

    snprintf(path, sizeof(path), "%s/summary.csv", out);
    char *summary = tu_slurp(path, NULL);
    char *nl = strchr(summary, '\n');
    cr_assert_not_null(nl);
    *nl = '\0';
    /* summary.csv's safety_violations column counts the same rows */
    size_t col = 0;
    for (const char *h = summary; h && strncmp(h, "safety_violations", 17) != 0; col++) {
        h = strchr(h, ',');
        h = h ? h + 1 : NULL;
        cr_assert_not_null(h, "summary.csv has no safety_violations column");
    }
    const char *v = nl + 1;
    for (size_t i = 0; i < col; i++)
        v = strchr(v, ',') + 1;
    cr_assert_eq(strtoull(v, NULL, 10), violations);
    free(summary);
}

/* A rerun into a folder removes what the earlier run (and analyze on it) wrote that this run
 * does not write; files the tool never writes stay. */
Test(run, a_rerun_removes_the_earlier_runs_files_it_does_not_write, .init = make_tmp,
     .fini = remove_tmp)
{
    cr_assert_eq(sh("%s run %s -o %s/r --set output.ledgers=true --quiet", ATLAS_BINARY,
                    SRC("scenarios/quickstart.yaml"), tmp),
                 0);
    cr_assert_eq(sh("cd %s/r && mkdir figures && touch analysis.csv figures/timeline.png "
                    "figures/mine.png ledger-9.txt notes.txt",
                    tmp),
                 0);
    cr_assert_eq(sh("%s run %s -o %s/r --set output.votes=false > %s/out", ATLAS_BINARY,
                    SRC("scenarios/quickstart.yaml"), tmp, tmp),
                 0);
    size_t len;
    char path[512];
    snprintf(path, sizeof(path), "%s/out", tmp);
    char *out = tu_slurp(path, &len);
    cr_assert(strstr(out, "removed from an earlier run: votes.csv analysis.csv ledger-0.txt "
                          "ledger-1.txt ledger-2.txt ledger-3.txt ledger-4.txt ledger-9.txt "
                          "figures/timeline.png\n"),
              "%s", out);
    free(out);
    cr_assert_eq(sh("cd %s/r && test ! -e votes.csv && test ! -e analysis.csv && "
                    "test ! -e ledger-0.txt && test ! -e figures/timeline.png && "
                    "test -e figures/mine.png && test -e notes.txt && test -e outcomes.csv",
                    tmp),
                 0);
    /* a rerun with nothing stale says nothing about removals */
    cr_assert_eq(sh("%s run %s -o %s/r --set output.votes=false > %s/out", ATLAS_BINARY,
                    SRC("scenarios/quickstart.yaml"), tmp, tmp),
                 0);
    out = tu_slurp(path, &len);
    cr_assert_null(strstr(out, "removed"), "%s", out);
    free(out);
}

/* A proposal still open when the run ends (its votes are in flight at 400 ms) gets an
 * `undecided` row with no decision time, and summary.csv's outcome columns add up to
 * `proposals` (the row was missing and the totals did not add up). */
Test(run, a_proposal_open_at_the_end_is_undecided_and_the_outcomes_add_up, .init = make_tmp,
     .fini = remove_tmp)
{
    cr_assert_eq(sh("%s run %s -o %s/u --set network.latency=1s --set duration=400ms --quiet",
                    ATLAS_BINARY, SRC("scenarios/quickstart.yaml"), tmp),
                 0);
    size_t len;
    char path[512];
    snprintf(path, sizeof(path), "%s/u/outcomes.csv", tmp);
    char *out = tu_slurp(path, &len);
    cr_assert(strstr(out, "\n0,0,42,p-1,0,add_edge,0.1,NA,0,0,0,3,undecided,A -visits-> B\n"), "%s",
              out);
    free(out);
    snprintf(path, sizeof(path), "%s/u/summary.csv", tmp);
    char *sum = tu_slurp(path, &len);
    static const char *const outcomes[] = {"approved", "rejected", "timeout",  "no_quorum",
                                           "invalid",  "aborted",  "undecided"};
    char *header = sum, *row = strchr(sum, '\n') + 1;
    row[-1] = '\0';
    unsigned long proposals = 0, total = 0, col = 0;
    for (char *h = strtok(header, ","); h; h = strtok(NULL, ","), col++) {
        const char *v = row;
        for (unsigned long k = 0; k < col; k++)
            v = strchr(v, ',') + 1;
        unsigned long value = strtoul(v, NULL, 10);
        if (!strcmp(h, "proposals"))
            proposals = value;
        for (size_t o = 0; o < sizeof(outcomes) / sizeof(outcomes[0]); o++)
            total += strcmp(h, outcomes[o]) == 0 ? value : 0;
    }
    cr_assert_eq(proposals, 1);
    cr_assert_eq(total, proposals, "the outcome columns add up to %lu, proposals is %lu", total,
                 proposals);
    free(sum);
}

/* consensus.anti_entropy repairs what quorum-vote never retransmits: partition.yaml ends with
 * 2 diverged replicas by default (the golden) and none with a 1 s anti-entropy round. */
Test(run, anti_entropy_repairs_the_replicas_a_partition_left_behind, .init = make_tmp,
     .fini = remove_tmp)
{
    cr_assert_eq(sh("%s run %s -o %s/ae --set consensus.anti_entropy=1s --quiet", ATLAS_BINARY,
                    SRC("scenarios/partition.yaml"), tmp),
                 0);
    char path[512];
    snprintf(path, sizeof(path), "%s/ae/summary.csv", tmp);
    char *sum = tu_slurp(path, NULL);
    const char *head = strstr(sum, "diverged_replicas,safety_violations");
    cr_assert(head, "%s", sum);
    size_t col = 0;
    for (const char *p = sum; p < head; p++)
        col += *p == ',';
    const char *row = strchr(sum, '\n') + 1;
    for (size_t k = 0; k < col; k++)
        row = strchr(row, ',') + 1;
    cr_assert(strncmp(row, "0,0,", 4) == 0, "diverged_replicas,safety_violations: %.12s", row);
    free(sum);
    snprintf(path, sizeof(path), "%s/golden/partition/summary.csv", SRC("tests"));
    char *golden = tu_slurp(path, NULL);
    cr_assert(strstr(golden, ",2,0,"), "the default leaves 2 replicas behind: %s", golden);
    free(golden);
}

/* validate -q prints nothing for a good file and still reports a bad one (exit 2). */
Test(run, validate_quiet_prints_only_problems, .init = make_tmp, .fini = remove_tmp)
{
    cr_assert_eq(
        sh("%s validate %s -q > %s/out 2>&1", ATLAS_BINARY, SRC("scenarios/quickstart.yaml"), tmp),
        0);
    char path[512];
    snprintf(path, sizeof(path), "%s/out", tmp);
    size_t len;
    free(tu_slurp(path, &len));
    cr_assert_eq(len, 0);
    cr_assert_eq(sh("%s validate %s -q --set cluster.nodes=0 > %s/out 2>&1", ATLAS_BINARY,
                    SRC("scenarios/quickstart.yaml"), tmp),
                 2);
    char *text = tu_slurp(path, NULL);
    cr_assert(strstr(text, "cluster.nodes"), "%s", text);
    free(text);
}

/* elections.csv: raft-election.yaml's two candidacies, each won with 3 votes, the second
 * 0.152858059 s after the leader (node 4) crashed at 2 s (its downtime_s); a quorum-vote
 * run writes no elections.csv. faults.leader crashes only the current leader: every crash
 * row names the node of the last `leader` row before it. */
Test(run, elections_csv_lists_every_candidacy_and_faults_leader_crashes_the_leader,
     .init = make_tmp, .fini = remove_tmp)
{
    char out[512], path[600];
    snprintf(out, sizeof(out), "%s/raft", tmp);
    run_quiet(SRC("scenarios/raft-election.yaml"), out, "");
    snprintf(path, sizeof(path), "%s/elections.csv", out);
    char *text = tu_slurp(path, NULL);
    cr_assert_str_eq(text, "run,rep,seed,term,candidate,start_s,end_s,votes,result,downtime_s\n"
                           "0,0,7,1,4,0.163525063,0.172469286,3,won,NA\n"
                           "0,0,7,2,1,2.142894713,2.152858059,3,won,0.152858059\n");
    free(text);

    snprintf(out, sizeof(out), "%s/qv", tmp);
    run_quiet(SRC("scenarios/quickstart.yaml"), out, "");
    snprintf(path, sizeof(path), "%s/elections.csv", out);
    cr_assert_not(exists(path), "a quorum-vote run wrote elections.csv");

    snprintf(out, sizeof(out), "%s/lf", tmp);
    run_quiet(SRC("scenarios/raft-election.yaml"), out,
              "--set 'faults.leader={every: 700ms, down: 300ms}'");
    int rc = sh("awk -F, '$6 == \"leader\" {l = $5} $6 == \"crash\" {n++; if ($5 != l) bad++} "
                "END {exit !(n >= 5 && !bad)}' '%s/events.csv'",
                out);
    cr_assert_eq(rc, 0, "a crash that was not the leader's, or fewer than 5 crashes");
    rc = sh("awk -F, 'NR > 1 && $10 != \"NA\" {n++} END {exit !(n >= 5)}' '%s/elections.csv'", out);
    cr_assert_eq(rc, 0, "fewer than 5 elections after a leader crash");
}

/* A report that cannot be written is an error (`> /dev/full` exited 0 before). */
Test(run, a_full_standard_output_is_exit_2_with_the_reason, .init = make_tmp, .fini = remove_tmp)
{
    char errpath[600];
    snprintf(errpath, sizeof(errpath), "%s/stderr", tmp);
    const char *cmds[] = {"run", "validate"};
    for (size_t i = 0; i < 2; i++) {
        char out[700] = "";
        if (i == 0)
            snprintf(out, sizeof(out), "-o '%s/o'", tmp);
        int rc = sh("'%s' %s '%s' %s >/dev/full 2>'%s'", ATLAS_BINARY, cmds[i],
                    SRC("scenarios/quickstart.yaml"), out, errpath);
        char *err = tu_slurp(errpath, NULL);
        cr_assert_eq(rc, 2, "%s > /dev/full: exit %d\n%s", cmds[i], rc, err);
        cr_assert(strstr(err, "cannot write standard output: No space left on device"), "%s", err);
        free(err);
    }
}

/* `atlas-sim CMD FILE` exits 2 with `expected` on stderr within 10 s (timeout(1): a hang
 * fails the test instead of blocking the suite). */
static void assert_rejected_cmd(const char *cmd, const char *file, const char *expected)
{
    char line[2048];
    snprintf(line, sizeof(line), "timeout 10 '%s' %s '%s'", ATLAS_BINARY, cmd, file);
    assert_rejected(line, expected, NULL);
}

/* A FIFO as the scenario or the empirical latency file is refused at once (it hung). */
Test(run, a_fifo_as_an_input_file_is_refused_not_waited_on, .init = make_tmp, .fini = remove_tmp)
{
    char fifo[600], yaml[700];
    snprintf(fifo, sizeof(fifo), "%s/pipe", tmp);
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    assert_rejected_cmd("validate", fifo, "cannot open scenario file: not a regular file (a FIFO)");
    snprintf(yaml, sizeof(yaml), "%s/emp.yaml", tmp);
    FILE *f = fopen(yaml, "w");
    fprintf(f, "duration: 1s\nnetwork:\n  latency: {dist: empirical, file: %s}\n", fifo);
    fclose(f);
    assert_rejected_cmd("validate", yaml, "not a regular file (a FIFO)");
}

/* An empirical latency file named relative to its scenario: found from another working
 * folder, and scenario.resolved.yaml reruns the same run from a third one (it used to name
 * the path as written, relative to wherever the rerun started). */
Test(run, a_relative_empirical_path_is_the_scenarios_and_the_resolved_file_reruns_anywhere,
     .init = make_tmp, .fini = remove_tmp)
{
    cr_assert_eq(sh("mkdir -p '%s/exp' '%s/elsewhere' && cp '%s' '%s/exp/lat.txt'", tmp, tmp,
                    SRC("tests/data/empirical-latency.txt"), tmp),
                 0);
    char yaml[600];
    snprintf(yaml, sizeof(yaml), "%s/exp/wan.yaml", tmp);
    FILE *f = fopen(yaml, "w");
    cr_assert_not_null(f);
    fputs("duration: 5s\ncluster: {nodes: 5}\n"
          "network: {latency: {dist: empirical, file: lat.txt}}\n"
          "workload: {generate: {count: 50, rate: 20}}\n",
          f);
    fclose(f);
    cr_assert_eq(sh("cd '%s' && '%s' run exp/wan.yaml -o out1 -q", tmp, ATLAS_BINARY), 0);
    cr_assert_eq(sh("cd '%s/elsewhere' && '%s' run ../out1/scenario.resolved.yaml -o ../out2 -q",
                    tmp, ATLAS_BINARY),
                 0);
    cr_assert_eq(sh("cmp -s '%s/out1/summary.csv' '%s/out2/summary.csv' && "
                    "cmp -s '%s/out1/votes.csv' '%s/out2/votes.csv'",
                    tmp, tmp, tmp, tmp),
                 0, "the rerun differs");
}

/* scenarios/geo-zones.yaml traces its zone outage, slow period and, with a clog set, the clog
 * in events.csv; its resolved file reproduces every file byte for byte. */
Test(run, geo_zones_traces_the_zone_outage_the_slow_period_and_a_clog, .init = make_tmp,
     .fini = remove_tmp)
{
    char out[512], again[512], path[600];
    snprintf(out, sizeof(out), "%s/geo", tmp);
    run_quiet(SRC("scenarios/geo-zones.yaml"), out,
              "--set 'faults.clogs=[{from_zone: us, to: 4, at: 1s, end: 2s}]'");
    snprintf(path, sizeof(path), "%s/events.csv", out);
    char *ev = tu_slurp(path, NULL);
    const char *want[] = {",4,2,crash,durable zone=eu\n",
                          ",4,3,crash,durable zone=eu\n",
                          ",4,NA,zone_down,zone=eu nodes=2\n",
                          ",8,2,recover,durable zone=eu\n",
                          ",8,NA,zone_up,zone=eu nodes=2\n",
                          ",10,NA,slow,slow 0: 1 nodes\n",
                          ",12,NA,slow_end,slow 0: 1 nodes\n",
                          ",1,NA,clog,clog 0\n",
                          ",2,NA,unclog,clog 0\n"};
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        cr_assert(strstr(ev, want[i]), "events.csv lacks %s", want[i]);
    cr_assert_null(strstr(ev, ",0,crash,"), "node 0 (us) never crashes");
    free(ev);
    snprintf(again, sizeof(again), "%s/again", tmp);
    snprintf(path, sizeof(path), "%s/scenario.resolved.yaml", out);
    run_quiet(path, again, "");
    assert_same_folder(out, again);
}
