/*
 * End-to-end tests of `atlas-sim sweep`, `merge` and `analyze` through the real program:
 * byte-identity for any -j, resume after kill -9 and after Ctrl-C, shard + merge identity,
 * the MPI two-rank identity (when built with MPI), common random numbers, bad input.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sim/scenario/sweep.h"
#include "testutil.h"

static const char scenario_text[] =
    "name: tiny-sweep\n"
    "seed: 77\n"
    "duration: 2s\n"
    "cluster: {nodes: 3, quorum: majority}\n"
    "network:\n"
    "  latency: {dist: lognormal, median: 5ms, sigma: 0.3}\n"
    "heartbeat: {enabled: false}\n"
    "consensus: {approval: 0.9, vote_timeout: 1s}\n"
    "graph:\n"
    "  vertices: [{id: root, label: Root}]\n"
    "workload:\n"
    "  generate: {count: 8, rate: 8, proposer: random, mix: {add_vertex: 1}}\n"
    "sweep:\n"
    "  params:\n"
    "    consensus.approval: {from: 0.6, to: 0.9, step: 0.15}\n"
    "    cluster.nodes: [3, 5]\n"
    "  replications: 4\n"
    "output: {votes: false}\n";

static char tmp[64];
static char yaml[128];

static void setup(void)
{
    strcpy(tmp, "/tmp/atlas-sweep-cli-XXXXXX");
    cr_assert(mkdtemp(tmp));
    snprintf(yaml, sizeof(yaml), "%s/tiny.yaml", tmp);
    FILE *f = fopen(yaml, "w");
    cr_assert(f);
    fputs(scenario_text, f);
    fclose(f);
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(sweep_cli, .init = setup, .fini = teardown, .timeout = 120);

/* Start the program with argv (NULL-terminated); stdout and stderr to tmp/log. */

#define RUN(...) tu_wait(spawn((char *const[]){ATLAS_BINARY, __VA_ARGS__, NULL}))

static char *path(const char *name)
{
    static char buf[4][256];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof(buf[k]), "%s/%s", tmp, name);
    return buf[k];
}

static pid_t spawn(char *const *argv)
{
    char log[160]; /* not path(): its ring would recycle the caller's paths */
    snprintf(log, sizeof(log), "%s/log", tmp);
    return tu_spawn(argv, log, log, NULL);
}

static void same_file(const char *a, const char *b)
{
    size_t la, lb;
    char *x = tu_slurp(a, &la), *y = tu_slurp(b, &lb);
    cr_assert(la == lb && memcmp(x, y, la) == 0, "%s and %s differ", a, b);
    cr_assert_gt(la, 0);
    free(x);
    free(y);
}

static void same_results(const char *dir_a, const char *dir_b)
{
    static const char *const files[] = {"summary.csv", "points.csv", "scenario.resolved.yaml"};
    for (size_t i = 0; i < 3; i++) {
        char a[256], b[256];
        snprintf(a, sizeof(a), "%s/%s", dir_a, files[i]);
        snprintf(b, sizeof(b), "%s/%s", dir_b, files[i]);
        same_file(a, b);
    }
}

static size_t count_lines(const char *p)
{
    size_t len, n = 0;
    if (!tu_exists(p))
        return 0;
    char *s = tu_slurp(p, &len);
    for (size_t i = 0; i < len; i++)
        n += s[i] == '\n';
    free(s);
    return n;
}

Test(sweep_cli, one_worker_and_two_workers_write_identical_files)
{
    cr_assert_eq(RUN("sweep", yaml, "-o", path("j1"), "-j", "1", "--quiet"), 0);
    cr_assert_eq(RUN("sweep", yaml, "-o", path("j2"), "-j", "2", "--quiet"), 0);
    cr_assert_eq(RUN("sweep", yaml, "-o", path("j3"), "-j", "3", "--quiet"), 0);
    same_results(path("j1"), path("j2"));
    same_results(path("j1"), path("j3"));
    /* 3 approvals x 2 sizes x 4 replications, plus the headers. */
    cr_assert_eq(count_lines(path("j1/summary.csv")), 1 + 24);
    cr_assert_eq(count_lines(path("j1/points.csv")), 1 + 6);
}

/* The option spellings `run` accepts (--out, -q) and the usual -jN / --jobs N give the
 * same files as the long forms. */
Test(sweep_cli, short_and_long_option_spellings_are_equivalent)
{
    cr_assert_eq(RUN("sweep", yaml, "-o", path("long"), "-j", "2", "--quiet"), 0);
    cr_assert_eq(RUN("sweep", yaml, "--out", path("short"), "-j2", "-q"), 0);
    same_results(path("long"), path("short"));
    cr_assert_eq(RUN("sweep", yaml, "--out", path("jobs"), "--jobs", "1", "-q"), 0);
    same_results(path("long"), path("jobs"));
    cr_assert_eq(RUN("sweep", yaml, "-o", path("bad"), "-j0", "-q"), 2);
    cr_assert_not(tu_exists(path("bad")));
}

Test(sweep_cli, rows_carry_swept_keys_and_common_seeds_per_replication)
{
    cr_assert_eq(RUN("sweep", yaml, "-o", path("s"), "-j", "2", "--quiet"), 0);
    FILE *f = fopen(path("s/summary.csv"), "r");
    char line[4096];
    cr_assert(fgets(line, sizeof(line), f));
    cr_assert(strncmp(line, "run,rep,seed,consensus.approval,cluster.nodes,", 46) == 0, "%s", line);
    static const char *const approvals[] = {"0.6", "0.75", "0.9"};
    static const char *const nodes[] = {"3", "5"};
    for (unsigned run = 0; run < 24; run++) {
        unsigned r, rep;
        uint64_t seed;
        char a[32], n[32];
        cr_assert(fgets(line, sizeof(line), f));
        cr_assert_eq(sscanf(line, "%u,%u,%" SCNu64 ",%31[^,],%31[^,],", &r, &rep, &seed, a, n), 5);
        cr_assert_eq(r, run);
        cr_assert_eq(rep, run % 4);
        cr_assert_eq(seed, sweep_seed(77, rep), "run %u: the seed of replication %u", run, rep);
        cr_assert_str_eq(a, approvals[run / 8]);
        cr_assert_str_eq(n, nodes[run / 4 % 2]);
    }
    fclose(f);
}

/*
 * Wait until the journal holds at least n runs; false when the process ended first. No
 * deadline of our own: the suite's timeout bounds a sweep that makes no progress.
 */
static bool wait_journal(const char *dir, pid_t pid, size_t n)
{
    char j[256];
    snprintf(j, sizeof(j), "%s/.journal", dir);
    while (count_lines(j) < n) {
        if (waitpid(pid, NULL, WNOHANG) != 0)
            return false;
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    return true;
}

#define KILL_RUNS     1200 /* 6 points x 200 replications: one journal line each */
#define KILL_ATTEMPTS 5

/*
 * Start a 1,200-run sweep, signal it once its journal holds 20 runs, and return its exit
 * code. The sweep takes ~0.3 s: a test process that is not scheduled for that long (a
 * loaded machine) may signal it only after it has finished all its runs, which proves
 * nothing about an interruption, so that attempt is thrown away and the next one starts
 * afresh. Each attempt must then show a real interruption: the expected exit, and not all
 * runs journalled.
 */
static int interrupt_sweep(const char *dir, int sig)
{
    char rm[300];
    snprintf(rm, sizeof(rm), "rm -rf '%s'", dir);
    for (int attempt = 1;; attempt++) {
        cr_assert_eq(system(rm), 0);
        /* More replications so the sweep is still running when the signal arrives. */
        pid_t pid = spawn((char *const[]){ATLAS_BINARY, "sweep", yaml, "-o", (char *)dir, "-j", "2",
                                          "--set", "sweep.replications=200", "--quiet", NULL});
        bool running = wait_journal(dir, pid, 20);
        if (running)
            kill(pid, sig);
        int rc = tu_wait(pid);
        char j[256];
        snprintf(j, sizeof(j), "%s/.journal", dir);
        bool finished = !running || rc == 0 || count_lines(j) >= KILL_RUNS;
        if (!finished)
            return rc;
        cr_assert_lt(attempt, KILL_ATTEMPTS,
                     "the sweep finished its %d runs before signal %d in every attempt (exit %d)",
                     KILL_RUNS, sig, rc);
    }
}

static void kill_and_resume(int sig, int want_exit)
{
    char *dir = path("k");
    cr_assert_eq(interrupt_sweep(dir, sig), want_exit);
    size_t saved = count_lines(path("k/.journal"));
    cr_assert_geq(saved, 20);
    cr_assert_lt(saved, KILL_RUNS, "the sweep had finished: nothing was interrupted");
    cr_assert_not(tu_exists(path("k/summary.csv")), "no results before the sweep is complete");
    cr_assert_eq(RUN("sweep", yaml, "-o", dir, "--set", "sweep.replications=200", "--quiet"), 2,
                 "an existing sweep needs --resume");
    cr_assert_eq(RUN("sweep", yaml, "-o", dir, "-j", "2", "--set", "sweep.replications=200",
                     "--resume", "--quiet"),
                 0);
    cr_assert_eq(RUN("sweep", yaml, "-o", path("u"), "-j", "1", "--set", "sweep.replications=200",
                     "--quiet"),
                 0);
    same_results(dir, path("u"));
}

Test(sweep_cli, resume_after_kill_9_gives_the_uninterrupted_files)
{
    kill_and_resume(SIGKILL, 128 + SIGKILL);
}

Test(sweep_cli, ctrl_c_stops_with_130_and_resume_completes_the_sweep)
{
    kill_and_resume(SIGINT, 130);
}

Test(sweep_cli, resume_of_a_different_sweep_is_refused)
{
    cr_assert_eq(RUN("sweep", yaml, "-o", path("r"), "--quiet"), 0);
    cr_assert_eq(RUN("sweep", yaml, "-o", path("r"), "--resume", "--set", "seed=78", "--quiet"), 2);
}

Test(sweep_cli, shards_merged_equal_a_single_sweep)
{
    cr_assert_eq(RUN("sweep", yaml, "-o", path("all"), "--quiet"), 0);
    cr_assert_eq(RUN("sweep", yaml, "-o", path("sh1"), "--shard", "1/3", "--quiet"), 0);
    cr_assert_eq(RUN("sweep", yaml, "-o", path("sh2"), "--shard", "2/3", "--quiet"), 0);
    cr_assert_eq(RUN("sweep", yaml, "-o", path("sh3"), "--shard", "3/3", "--quiet"), 0);
    cr_assert_eq(count_lines(path("sh2/summary.csv")), 1 + 8);
    cr_assert_eq(RUN("merge", path("sh1"), path("sh2"), "-o", path("m2")), 2,
                 "a missing shard is an error");
    cr_assert_not(tu_exists(path("m2/summary.csv")));
    cr_assert_eq(RUN("merge", path("sh3"), path("sh1"), path("sh2"), "-o", path("m")), 0);
    same_results(path("m"), path("all"));
}

/* Shards swept with --traces: the merge holds every run's traces, byte for byte those of a
 * single sweep (it dropped runs/). */
Test(sweep_cli, shards_merged_keep_every_runs_traces)
{
    cr_assert_eq(RUN("sweep", yaml, "-o", path("all"), "--traces", "--quiet"), 0);
    cr_assert_eq(RUN("sweep", yaml, "-o", path("t1"), "--shard", "1/2", "--traces", "--quiet"), 0);
    cr_assert_eq(RUN("sweep", yaml, "-o", path("t2"), "--shard", "2/2", "--traces", "--quiet"), 0);
    cr_assert_eq(RUN("merge", path("t1"), path("t2"), "-o", path("tm")), 0);
    char cmd[2048];
    snprintf(cmd, sizeof(cmd), "diff -r '%s' '%s' >/dev/null", path("all/runs"), path("tm/runs"));
    cr_assert_eq(system(cmd), 0, "merged runs/ differs from a single sweep's");
    cr_assert_eq(RUN("merge", path("t1"), path("t2"), "-o", path("tm")), 2,
                 "a folder that holds runs/ is not merged into");
}

Test(sweep_cli, merging_shards_of_different_sweeps_names_the_folder)
{
    cr_assert_eq(RUN("sweep", yaml, "-o", path("a1"), "--shard", "1/2", "--quiet"), 0);
    cr_assert_eq(
        RUN("sweep", yaml, "-o", path("b2"), "--shard", "2/2", "--set", "seed=5", "--quiet"), 0);
    cr_assert_eq(RUN("merge", path("a1"), path("b2"), "-o", path("ab")), 2);
    size_t len;
    char *log = tu_slurp(path("log"), &len);
    cr_assert(strstr(log, "b2: comes from a different sweep"), "%s", log);
    free(log);
}

Test(sweep_cli, set_lists_become_axes_replacing_the_file_values)
{
    cr_assert_eq(RUN("sweep", yaml, "-o", path("set"), "--set", "cluster.nodes=7,3,5", "--set",
                     "consensus.approval=0.8", "--quiet"),
                 0);
    cr_assert_eq(count_lines(path("set/points.csv")), 1 + 3);
    size_t len;
    char *pts = tu_slurp(path("set/points.csv"), &len);
    cr_assert(strncmp(pts, "consensus.approval,cluster.nodes,n,", 35) == 0);
    cr_assert(strstr(pts, "\n0.8,7,4,"), "%s", pts);
    free(pts);
}

Test(sweep_cli, analyze_reproduces_points_csv_from_the_summary)
{
    cr_assert_eq(RUN("sweep", yaml, "-o", path("an"), "--quiet"), 0);
    cr_assert_eq(RUN("analyze", path("an"), "-o", path("an-points.csv")), 0);
    same_file(path("an/points.csv"), path("an-points.csv"));
}

Test(sweep_cli, bad_input_exits_2_without_creating_the_folder)
{
    cr_assert_eq(RUN("sweep", path("missing.yaml"), "-o", path("bad1")), 2);
    cr_assert_not(tu_exists(path("bad1")));
    cr_assert_eq(RUN("sweep", yaml, "-o", path("bad2"), "--set", "consensus.approval=0.5,1.5"), 2);
    cr_assert_not(tu_exists(path("bad2")));
    cr_assert_eq(RUN("sweep", yaml, "-o", path("bad3"), "--shard", "4/3"), 2);
    cr_assert_eq(RUN("sweep", yaml, "-o", path("bad4"), "-j", "0"), 2);
    cr_assert_not(tu_exists(path("bad3")) || tu_exists(path("bad4")));
    size_t len;
    char *log = tu_slurp(path("log"), &len);
    cr_assert(strstr(log, "consensus.approval"), "%s", log);
    free(log);
}

static bool built_with_mpi(void)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "'%s' sweep --help | grep -q 'MPI build' && command -v mpirun",
             ATLAS_BINARY);
    snprintf(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd), " >/dev/null");
    return system(cmd) == 0;
}

Test(sweep_cli, two_mpi_ranks_write_the_files_of_one_worker)
{
    if (!built_with_mpi())
        cr_skip_test("atlas-sim was built without MPI (-DATLAS_MPI=ON) or mpirun is missing");
    cr_assert_eq(RUN("sweep", yaml, "-o", path("one"), "-j", "1", "--quiet"), 0);
    char cmd[1024];
    snprintf(cmd, sizeof(cmd),
             "mpirun --allow-run-as-root --oversubscribe -np 2 '%s' sweep '%s' -o '%s' --quiet",
             ATLAS_BINARY, yaml, path("mpi"));
    cr_assert_eq(system(cmd), 0);
    same_results(path("one"), path("mpi"));
}

Test(sweep_cli, traces_go_to_one_folder_per_run_and_change_no_result)
{
    cr_assert_eq(RUN("sweep", yaml, "-o", path("plain"), "--quiet"), 0);
    cr_assert_eq(RUN("sweep", yaml, "-o", path("tr"), "-j", "2", "--traces", "--quiet"), 0);
    same_results(path("plain"), path("tr"));
    for (unsigned run = 0; run < 24; run++) {
        char p[64];
        snprintf(p, sizeof(p), "tr/runs/%u/outcomes.csv", run);
        cr_assert(tu_exists(path(p)), "%s", p);
    }
}

Test(sweep_cli, swept_flow_maps_are_quoted_and_analyze_reads_them_back)
{
    cr_assert_eq(RUN("sweep", yaml, "-o", path("fm"), "--set", "sweep.params={}", "--set",
                     "network.latency={dist: constant, value: 1ms},{dist: constant, value: 3ms}",
                     "--quiet"),
                 0);
    size_t len;
    char *pts = tu_slurp(path("fm/points.csv"), &len);
    cr_assert(strncmp(pts, "network.latency,n,", 18) == 0, "%s", pts);
    cr_assert(strstr(pts, "\n\"{dist: constant, value: 1ms}\",4,"), "%s", pts);
    cr_assert(strstr(pts, "\n\"{dist: constant, value: 3ms}\",4,"), "%s", pts);
    free(pts);
    cr_assert_eq(RUN("analyze", path("fm"), "-o", path("fm-points.csv"), "--quiet"), 0);
    same_file(path("fm/points.csv"), path("fm-points.csv"));
}

/* On a 50-column terminal (a pty from script(1)) every progress line fits: the bar shrinks
 * to what the text leaves, so nothing wraps onto a new line. */
Test(sweep_cli, the_progress_bar_fits_a_narrow_terminal)
{
    if (system("script --version >/dev/null 2>&1") != 0)
        cr_skip_test("no script(1) to make a terminal (apt-get install bsdutils)");
    char cmd[1024];
    snprintf(cmd, sizeof(cmd),
             "script -qec 'stty cols 50 rows 20; %s sweep %s -o %s -j 1' %s >/dev/null",
             ATLAS_BINARY, yaml, path("d"), path("typescript"));
    cr_assert_eq(system(cmd), 0);
    size_t len, longest = 0, bars = 0, start = 0;
    char *t = tu_slurp(path("typescript"), &len);
    for (size_t i = 0; i <= len; i++) {
        if (i < len && t[i] != '\r' && t[i] != '\n')
            continue;
        size_t n = i - start; /* a segment between carriage returns and newlines */
        if (n >= 3 && !memcmp(t + i - 3, "\033[K", 3))
            n -= 3;
        if (n >= 8 && memmem(t + start, n, " runs/s ", 8)) {
            bars++;
            longest = n > longest ? n : longest;
        }
        start = i + 1;
    }
    free(t);
    cr_assert_gt(bars, 0, "no progress line seen on the terminal");
    cr_assert_leq(longest, 49, "a progress line of %zu columns on a 50-column terminal", longest);
}

/* A swept key whose values are durations gets a numeric companion column KEY_s (seconds) in
 * summary.csv, points.csv and analysis.csv, for pandas and gnuplot. */
Test(sweep_cli, a_swept_duration_gets_a_seconds_column)
{
    cr_assert_eq(RUN("sweep", yaml, "-o", path("d"), "-q", "--set",
                     "consensus.vote_timeout=50ms,1s", "--set", "sweep.replications=1"),
                 0);
    size_t len;
    char *sum = tu_slurp(path("d/summary.csv"), &len);
    static const char head[] = "run,rep,seed,consensus.approval,cluster.nodes,"
                               "consensus.vote_timeout,consensus.vote_timeout_s,nodes,";
    cr_assert(strncmp(sum, head, strlen(head)) == 0, "%s", sum);
    cr_assert(strstr(sum, ",0.6,3,50ms,0.05,3,"), "%s", sum);
    cr_assert(strstr(sum, ",0.9,5,1s,1,5,"), "%s", sum);
    free(sum);
    char *pts = tu_slurp(path("d/points.csv"), &len);
    cr_assert(strstr(pts, "consensus.vote_timeout,consensus.vote_timeout_s,n,"), "%s", pts);
    free(pts);
    cr_assert_eq(RUN("analyze", path("d"), "--csv"), 0);
    char *csv = tu_slurp(path("d/analysis.csv"), &len);
    cr_assert(strstr(csv, "consensus.vote_timeout,consensus.vote_timeout_s,runs,"), "%s", csv);
    free(csv);
}

/* validate checks every point of a sweep as sweep would, and both report each bad value
 * once, at its position in the file (it was 'sweep.params:1:1', and validate said ok). */
Test(sweep_cli, validate_and_sweep_report_every_bad_sweep_value_at_its_position)
{
    char file[160], dir[160], out[160], errf[160]; /* path()'s ring holds 4: keep our own */
    snprintf(file, sizeof(file), "%s", path("bad.yaml"));
    snprintf(dir, sizeof(dir), "%s", path("b"));
    snprintf(out, sizeof(out), "%s", path("out"));
    snprintf(errf, sizeof(errf), "%s", path("err"));
    FILE *f = fopen(file, "w");
    cr_assert(f);
    fputs("name: bad\n"
          "cluster: {nodes: 3}\n"
          "sweep:\n"
          "  params:\n"
          "    consensus.approval: [0.5, 1.2]\n"
          "    cluster.nodes: [3, 2.5]\n"
          "    consensus.vote_timeout: [100ms, 300]\n"
          "    network.latency.sigma: [0.3]\n",
          f);
    fclose(f);
    static const char *const want[] = {
        "bad.yaml:5:31: error: consensus.approval: probability 1.2 is not in [0, 1]",
        "bad.yaml:6:24: error: cluster.nodes: expected a whole number, got '2.5'",
        "bad.yaml:7:37: error: consensus.vote_timeout: duration '300' has no unit",
        "bad.yaml:8:29: error: network.latency: missing key 'dist'",
        "e.g. {dist: lognormal, median: 20ms, sigma: 0.5}, then sweep network.latency.sigma"};
    for (int cmd = 0; cmd < 2; cmd++) {
        char *argv_v[] = {ATLAS_BINARY, "validate", file, NULL};
        char *argv_s[] = {ATLAS_BINARY, "sweep", file, "-o", dir, "-q", NULL};
        cr_assert_eq(tu_run(cmd ? argv_s : argv_v, out, errf, NULL), 2);
        char *err = tu_slurp(errf, NULL);
        for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
            cr_assert(strstr(err, want[i]), "%s: '%s' not in\n%s", cmd ? "sweep" : "validate",
                      want[i], err);
        cr_assert_null(strstr(err, "sweep.params:1:1"), "%s", err);
        const char *second = strstr(err, "probability 1.2");
        cr_assert_null(strstr(second + 1, "probability 1.2"), "reported twice:\n%s", err);
        free(err);
    }
    cr_assert_not(tu_exists(dir), "sweep wrote its folder");
    /* --set lists: validate accepts what sweep accepts, and refuses what it refuses */
    char *ok[] = {ATLAS_BINARY, "validate", yaml, "--set", "cluster.nodes=3,5", NULL};
    cr_assert_eq(tu_run(ok, out, errf, NULL), 0, "%s", tu_slurp(errf, NULL));
    char *bad[] = {ATLAS_BINARY, "validate",         yaml, "--set", "cluster.nodes=3,5",
                   "--set",      "cluster.quorum=4", NULL};
    cr_assert_eq(tu_run(bad, out, errf, NULL), 2);
    char *err = tu_slurp(errf, NULL);
    cr_assert(strstr(err, "quorum 4 is larger than the cluster (cluster.nodes is 3)"), "%s", err);
    free(err);
}

/* sweep takes --seed like run: the same files as --set seed=N. */
Test(sweep_cli, seed_is_set_seed)
{
    cr_assert_eq(RUN("sweep", yaml, "-o", path("s1"), "-q", "--seed", "9"), 0);
    cr_assert_eq(RUN("sweep", yaml, "-o", path("s2"), "-q", "--set", "seed=9"), 0);
    same_results(path("s1"), path("s2"));
    char *text = tu_slurp(path("s1/scenario.resolved.yaml"), NULL);
    cr_assert(strstr(text, "\nseed: 9\n"), "%s", text);
    free(text);
}
