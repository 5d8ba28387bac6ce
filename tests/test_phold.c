/* Tests for sim/engine/phold and `atlas-sim bench phold`: determinism, prefixes, the delay model.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "sim/engine/phold.h"

static struct phold_params params(uint64_t lps, uint64_t seed)
{
    struct phold_params p;
    phold_params_default(&p);
    p.lps = lps;
    p.seed = seed;
    return p;
}

static struct phold_result run(const struct phold_params *p, uint64_t events, sim_time end)
{
    struct phold *ph = phold_new(p);
    phold_run(ph, events, end);
    struct phold_result res;
    phold_result(ph, &res);
    phold_free(ph);
    return res;
}

Test(phold, repeat_runs_commit_the_same_events_and_checksum)
{
    struct phold_params p = params(4096, 3);
    struct phold_result a = run(&p, 200000, SIM_TIME_MAX), b = run(&p, 200000, SIM_TIME_MAX);
    cr_expect_eq(a.events, 200000);
    cr_expect_eq(a.events, b.events);
    cr_expect_eq(a.checksum, b.checksum);
    cr_expect_eq(a.now, b.now);
    cr_expect_eq(a.pending, 4096, "PHOLD keeps its population");
    p.seed = 4;
    cr_expect_neq(run(&p, 200000, SIM_TIME_MAX).checksum, a.checksum, "the seed matters");
}

Test(phold, a_shorter_run_is_a_prefix_of_a_longer_one)
{
    struct phold_params p = params(1024, 5);
    p.population = 3;
    struct phold_result shorter = run(&p, 50000, SIM_TIME_MAX);
    struct phold_result longer = run(&p, 120000, SIM_TIME_MAX);
    struct phold *ph = phold_new(&p);
    cr_expect_eq(phold_run(ph, 50000, SIM_TIME_MAX), 50000);
    struct phold_result mid, end;
    phold_result(ph, &mid);
    cr_expect_eq(phold_run(ph, 120000, SIM_TIME_MAX), 70000);
    phold_result(ph, &end);
    phold_free(ph);
    cr_expect_eq(mid.checksum, shorter.checksum);
    cr_expect_eq(mid.now, shorter.now);
    cr_expect_eq(end.checksum, longer.checksum);
    cr_expect_neq(mid.checksum, end.checksum);
}

Test(phold, a_time_horizon_agrees_with_the_event_count_it_reaches)
{
    struct phold_params p = params(2048, 6);
    struct phold_result by_time = run(&p, UINT64_MAX, 40 * SIM_S);
    cr_assert_gt(by_time.events, 40000);
    struct phold_result by_count = run(&p, by_time.events, SIM_TIME_MAX);
    cr_expect_eq(by_count.checksum, by_time.checksum);
    cr_expect_leq(by_count.now, 40 * SIM_S);
    cr_expect_eq(by_time.now, 40 * SIM_S);
}

Test(phold, the_reference_heap_fires_the_same_events_in_the_same_order_as_the_engine)
{
    /* the checksum folds (time, LP) of every event in firing order: equal checksums mean
     * the same sequence, ties included (population 4 makes many LPs share times) */
    struct phold_params p = params(3000, 7);
    p.population = 4;
    struct phold_params q = p;
    q.reference = true;
    struct phold_result eng = run(&p, 300000, SIM_TIME_MAX), ref = run(&q, 300000, SIM_TIME_MAX);
    cr_expect_eq(ref.events, 300000);
    cr_expect_eq(ref.checksum, eng.checksum);
    cr_expect_eq(ref.now, eng.now);
    cr_expect_eq(ref.pending, eng.pending);
    cr_expect_eq(ref.peak_pending, eng.peak_pending);
    /* and by a time horizon, resumed: the clock ends at the horizon in both */
    struct phold *a = phold_new(&p), *b = phold_new(&q);
    for (sim_time end = 10 * SIM_S; end <= 30 * SIM_S; end += 10 * SIM_S) {
        cr_expect_eq(phold_run(a, UINT64_MAX, end), phold_run(b, UINT64_MAX, end));
        phold_result(a, &eng);
        phold_result(b, &ref);
        cr_expect_eq(ref.checksum, eng.checksum);
        cr_expect_eq(ref.now, end);
        cr_expect_eq(eng.now, end);
    }
    phold_free(a);
    phold_free(b);
    /* negative control: another seed on the reference gives another checksum */
    q.seed = 8;
    cr_expect_neq(run(&q, 300000, SIM_TIME_MAX).checksum, run(&p, 300000, SIM_TIME_MAX).checksum);
}

Test(phold, delays_have_the_model_mean_and_variance)
{
    /* One LP, one event, no remote: the clock after E events is the sum of E delays, each
     * lookahead + Exp(mean - lookahead): mean E * mean, sd sqrt(E) * (mean - lookahead). */
    struct phold_params p = params(1, 8);
    p.mean = 2 * SIM_S;
    p.lookahead = 500 * SIM_MS;
    p.remote = 0;
    const double e = 200000, m = 2e9, s = 1.5e9;
    struct phold_result r = run(&p, (uint64_t)e, SIM_TIME_MAX);
    cr_expect(fabs((double)r.now - e * m) < 5 * sqrt(e) * s, "clock %g vs %g", (double)r.now,
              e * m);
}

Test(phold, bad_parameters_are_rejected)
{
    struct phold_params p = params(0, 1);
    char err[128];
    cr_expect_not(phold_check(&p, err, sizeof(err)));
    cr_expect_str_eq(err, "lps must be > 0");
    p = params(10, 1);
    p.remote = 1.5;
    cr_expect_not(phold_check(&p, err, sizeof(err)));
    p = params(10, 1);
    p.lookahead = 2 * SIM_S;
    cr_expect_not(phold_check(&p, err, sizeof(err)));
    cr_expect_str_eq(err, "lookahead must be <= mean");
    p = params(1u << 20, 1);
    p.population = 1000;
    cr_expect_not(phold_check(&p, err, sizeof(err)));
    p = params(10, 1);
    cr_expect(phold_check(&p, err, sizeof(err)));
}

/* Run atlas-sim with args; returns the exit code, stdout in out. */
static int sim(const char *args, char *out, size_t len)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "%s %s 2>/dev/null", ATLAS_BINARY, args);
    FILE *f = popen(cmd, "r");
    cr_assert_not_null(f);
    size_t n = fread(out, 1, len - 1, f);
    out[n] = '\0';
    int st = pclose(f);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The key=value line without its wall-clock-dependent keys. */
static void deterministic_keys(const char *out, char *keys, size_t len)
{
    const char *last = strstr(out, "events=");
    cr_assert_not_null(last, "no key=value line in:\n%s", out);
    keys[0] = '\0';
    char line[512];
    snprintf(line, sizeof(line), "%s", last);
    for (char *tok = strtok(line, " \n"); tok; tok = strtok(NULL, " \n"))
        if (strncmp(tok, "wall_s=", 7) && strncmp(tok, "events_per_s=", 13) &&
            strncmp(tok, "peak_rss_kib=", 13) && strncmp(tok, "cpu_s=", 6))
            snprintf(keys + strlen(keys), len - strlen(keys), "%s ", tok);
}

Test(phold, the_command_prints_identical_counts_and_checksums_across_runs)
{
    static char a[4096], b[4096];
    char ka[512], kb[512];
    const char *args = "bench phold --lps 512 --events 30000 --mean 1.0 --lookahead 0.1s";
    cr_assert_eq(sim(args, a, sizeof(a)), 0);
    cr_assert_eq(sim(args, b, sizeof(b)), 0);
    deterministic_keys(a, ka, sizeof(ka));
    deterministic_keys(b, kb, sizeof(kb));
    cr_expect_str_eq(ka, kb);
    cr_expect(strstr(ka, "events=30000 pending=512 ") == ka, "%s", ka);
    cr_expect(strstr(ka, "checksum=") != NULL);
    cr_expect(strstr(a, "events_per_s=") && strstr(a, "peak_rss_kib="));
    cr_expect(strstr(a, "queue=engine") != NULL);
}

Test(phold, the_command_with_reference_prints_the_engines_counts_and_checksum)
{
    static char a[4096], b[4096];
    char ka[512], kb[512];
    cr_assert_eq(sim("bench phold --lps 700 --events 40000 --population 2", a, sizeof(a)), 0);
    cr_assert_eq(
        sim("bench phold --reference --lps 700 --events 40000 --population 2", b, sizeof(b)), 0);
    deterministic_keys(a, ka, sizeof(ka));
    deterministic_keys(b, kb, sizeof(kb));
    cr_expect_str_eq(ka, kb);
    cr_expect(strstr(b, "queue=reference-binary-heap") != NULL, "%s", b);
    cr_expect_eq(sim("bench phold --help", a, sizeof(a)), 0);
    cr_expect(strstr(a, "--reference") != NULL);
}

Test(phold, the_command_rejects_bad_options_with_exit_code_2_and_no_output)
{
    static const char *const bad[] = {
        "bench phold --lps abc",
        "bench phold --lps -1",
        "bench phold --remote 2",
        "bench phold --mean 1x",
        "bench phold --mean",
        "bench phold --bogus 1",
        "bench phold --lookahead 3",
        "bench phold --lps 0",
        "bench nosuch",
        "bench phold --end -1s",
        "bench phold --mean 1e3",
        "bench phold --reference 1",
        "bench phold --rounds 0",
        "bench phold --rounds 1001",
        "bench phold --rounds 2 --reference",
    };
    char out[1024];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cr_expect_eq(sim(bad[i], out, sizeof(out)), 2, "%s", bad[i]);
        cr_expect_str_eq(out, "", "%s printed output", bad[i]);
    }
    cr_expect_eq(sim("bench phold --help", out, sizeof(out)), 0);
    cr_expect(strstr(out, "--lookahead") != NULL);
}

Test(phold, rounds_time_the_engine_and_the_reference_in_turn_and_print_both_ratios)
{
    static char a[4096], one[4096];
    cr_assert_eq(sim("bench phold --lps 300 --events 20000 --rounds 3", a, sizeof(a)), 0);
    cr_assert_eq(sim("bench phold --lps 300 --events 20000", one, sizeof(one)), 0);
    cr_expect(strstr(a, "queue=engine+reference rounds=3\n") != NULL, "%s", a);
    for (int r = 1; r <= 4; r++) {
        char line[32];
        snprintf(line, sizeof(line), "round %d: engine cpu_s=", r);
        cr_expect_eq(strstr(a, line) != NULL, r <= 3, "%s in %s", line, a);
    }
    /* the summary carries the single run's events and checksum, and both ratios */
    const char *sum = strstr(a, "\nevents=20000 pending=300 ");
    const char *ck = strstr(one, "checksum=");
    cr_assert(sum && ck, "%s", a);
    cr_expect(strstr(sum, "rounds=3 engine_cpu_min=") != NULL, "%s", sum);
    cr_expect(strncmp(strstr(sum, "checksum="), ck, strlen("checksum=") + 16) == 0, "%s", sum);
    cr_expect(strstr(sum, " ratio_min=") && strstr(sum, " ratio_median="), "%s", sum);
}
