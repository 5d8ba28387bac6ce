/* Tests for sim/scenario/sweep: ranges, lists, the Cartesian product, run numbering, seeds, shards.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "sim/scenario/sweep.h"

static void expect_values(size_t n, char **v, size_t want_n, const char *const *want)
{
    cr_assert_eq(n, want_n, "got %zu values, want %zu", n, want_n);
    for (size_t i = 0; i < n; i++)
        cr_assert_str_eq(v[i], want[i], "value %zu", i);
    sweep_values_free(n, v);
}

static void expect_range(const char *from, const char *to, const char *step, size_t want_n,
                         const char *const *want)
{
    size_t n;
    char **v;
    char err[128] = "";
    cr_assert(sweep_range_expand(from, to, step, &n, &v, err, sizeof(err)), "%s", err);
    expect_values(n, v, want_n, want);
}

static void expect_range_error(const char *from, const char *to, const char *step, const char *want)
{
    size_t n;
    char **v;
    char err[128] = "";
    cr_assert_not(sweep_range_expand(from, to, step, &n, &v, err, sizeof(err)));
    cr_assert(strstr(err, want), "error '%s' lacks '%s'", err, want);
}

Test(sweep, float_range_has_no_accumulated_error_and_includes_the_end)
{
    static const char *const want[] = {"0.5",  "0.55", "0.6",  "0.65", "0.7",
                                       "0.75", "0.8",  "0.85", "0.9",  "0.95"};
    expect_range("0.5", "0.95", "0.05", 10, want);
}

Test(sweep, tenths_from_zero_to_one_are_printed_exactly)
{
    /* 0 + 3 * 0.1 is 0.30000000000000004 in binary: the expansion must say "0.3". */
    static const char *const want[] = {"0",   "0.1", "0.2", "0.3", "0.4", "0.5",
                                       "0.6", "0.7", "0.8", "0.9", "1"};
    expect_range("0", "1", "0.1", 11, want);
}

Test(sweep, integer_range_stops_at_the_last_grid_value)
{
    static const char *const want[] = {"3", "5", "7", "9", "11", "13", "15"};
    expect_range("3", "16", "2", 7, want);
}

Test(sweep, downward_range_with_negative_step)
{
    static const char *const want[] = {"1", "0.75", "0.5"};
    expect_range("1", "0.5", "-0.25", 3, want);
}

Test(sweep, single_value_range)
{
    static const char *const want[] = {"7"};
    expect_range("7", "7", "1", 1, want);
}

Test(sweep, duration_range_in_integer_nanoseconds)
{
    size_t n;
    char **v;
    char err[128] = "";
    cr_assert(sweep_range_expand("1ms", "3ms", "500us", &n, &v, err, sizeof(err)), "%s", err);
    cr_assert_eq(n, 5);
    for (size_t i = 0; i < n; i++) {
        sim_time t;
        cr_assert(sim_time_parse(v[i], &t, NULL, 0), "'%s'", v[i]);
        cr_assert_eq(t, 1 * SIM_MS + i * 500 * SIM_US, "'%s'", v[i]);
    }
    sweep_values_free(n, v);
}

Test(sweep, exponent_notation_falls_back_to_shortest_round_trip_doubles)
{
    static const char *const want[] = {"0.001", "0.002", "0.003"};
    expect_range("1e-3", "3e-3", "1e-3", 3, want);
}

Test(sweep, bad_ranges_are_errors_with_reasons)
{
    expect_range_error("0", "1", "0", "zero");
    expect_range_error("0", "1", "-0.1", "away");
    expect_range_error("1ms", "2", "1ms", "durations");
    expect_range_error("abc", "2", "1", "'abc'");
    expect_range_error("0", "1e9", "1e-3", "more than");
}

Test(sweep, set_with_a_comma_list_makes_an_axis)
{
    static const char *const want[] = {"3", "5", "{dist: constant, value: 1ms}"};
    char *path, **v, err[128];
    size_t n;
    bool axis;
    cr_assert(sweep_parse_set("cluster.nodes=3, 5,{dist: constant, value: 1ms}", &path, &axis, &n,
                              &v, err, sizeof(err)));
    cr_assert(axis);
    cr_assert_str_eq(path, "cluster.nodes");
    free(path);
    expect_values(n, v, 3, want);
}

Test(sweep, set_with_a_range_map_makes_an_axis_but_a_flow_list_is_a_value)
{
    static const char *const list[] = {"[{node: 1, at: 1s}, {node: 2, at: 2s}]"};
    static const char *const range[] = {"0.8", "0.9", "1"};
    char *path, **v, err[128];
    size_t n;
    bool axis;
    cr_assert(sweep_parse_set("faults.crashes=[{node: 1, at: 1s}, {node: 2, at: 2s}]", &path, &axis,
                              &n, &v, err, sizeof(err)));
    cr_assert_not(axis);
    free(path);
    expect_values(n, v, 1, list);
    cr_assert(sweep_parse_set("consensus.approval={step: 0.1, from: 0.8, to: 1}", &path, &axis, &n,
                              &v, err, sizeof(err)),
              "%s", err);
    cr_assert(axis);
    free(path);
    expect_values(n, v, 3, range);
}

Test(sweep, set_with_a_scalar_or_a_flow_map_is_a_plain_override)
{
    static const char *const one[] = {"{dist: constant, value: 5ms}"};
    char *path, **v, err[128];
    size_t n;
    bool axis;
    cr_assert(sweep_parse_set("network.latency={dist: constant, value: 5ms}", &path, &axis, &n, &v,
                              err, sizeof(err)));
    cr_assert_not(axis);
    cr_assert_str_eq(path, "network.latency");
    free(path);
    expect_values(n, v, 1, one);
}

Test(sweep, set_without_key_or_with_an_empty_list_item_is_an_error)
{
    char *path, **v, err[128];
    size_t n;
    bool axis;
    cr_assert_not(sweep_parse_set("=3", &path, &axis, &n, &v, err, sizeof(err)));
    cr_assert_not(sweep_parse_set("novalue", &path, &axis, &n, &v, err, sizeof(err)));
    cr_assert_not(sweep_parse_set("k=1,,2", &path, &axis, &n, &v, err, sizeof(err)));
    cr_assert(strstr(err, "empty value"), "%s", err);
}

static struct sweep_plan two_axis_plan(void)
{
    static const char *const a[] = {"0.5", "0.9"};
    static const char *const b[] = {"3", "5", "7"};
    struct sweep_plan p;
    sweep_plan_init(&p, 42, 4);
    sweep_plan_set_axis(&p, "consensus.approval", 2, a);
    sweep_plan_set_axis(&p, "cluster.nodes", 3, b);
    return p;
}

Test(sweep, cartesian_product_varies_the_last_axis_fastest)
{
    struct sweep_plan p = two_axis_plan();
    cr_assert_eq(p.npoints, 6);
    cr_assert_eq(p.nruns, 24);
    static const char *const want[6][2] = {{"0.5", "3"}, {"0.5", "5"}, {"0.5", "7"},
                                           {"0.9", "3"}, {"0.9", "5"}, {"0.9", "7"}};
    for (uint64_t pt = 0; pt < 6; pt++)
        for (size_t a = 0; a < 2; a++)
            cr_assert_str_eq(sweep_point_value(&p, pt, a), want[pt][a]);
    sweep_plan_fini(&p);
}

Test(sweep, runs_are_numbered_point_major)
{
    struct sweep_plan p = two_axis_plan();
    uint64_t point;
    uint32_t rep;
    sweep_run_locate(&p, 0, &point, &rep);
    cr_assert(point == 0 && rep == 0);
    sweep_run_locate(&p, 13, &point, &rep);
    cr_assert(point == 3 && rep == 1);
    sweep_run_locate(&p, 23, &point, &rep);
    cr_assert(point == 5 && rep == 3);
    sweep_plan_fini(&p);
}

Test(sweep, setting_an_existing_axis_replaces_it_in_place)
{
    static const char *const c[] = {"9"};
    struct sweep_plan p = two_axis_plan();
    sweep_plan_set_axis(&p, "consensus.approval", 1, c);
    cr_assert_eq(p.naxes, 2);
    cr_assert_str_eq(p.axes[0].path, "consensus.approval");
    cr_assert_eq(p.npoints, 3);
    cr_assert_str_eq(sweep_point_value(&p, 2, 0), "9");
    cr_assert_str_eq(sweep_point_value(&p, 2, 1), "7");
    sweep_plan_fini(&p);
}

Test(sweep, a_plan_without_axes_has_one_point)
{
    struct sweep_plan p;
    sweep_plan_init(&p, 1, 30);
    cr_assert_eq(p.npoints, 1);
    cr_assert_eq(p.nruns, 30);
    cr_assert(sweep_plan_check(&p, NULL, 0));
    sweep_plan_fini(&p);
    sweep_plan_fini(NULL);
}

Test(sweep, seeds_are_the_splitmix64_sequence_of_the_base_seed)
{
    /* SplitMix64 seeded with 0 starts e220a8397b1dcdaf 6e789e6aa1b965f4 06c45d188009454f
     * (Vigna's reference splitmix64.c). */
    cr_assert_eq(sweep_seed(0, 0), UINT64_C(0xe220a8397b1dcdaf));
    cr_assert_eq(sweep_seed(0, 1), UINT64_C(0x6e789e6aa1b965f4));
    cr_assert_eq(sweep_seed(0, 2), UINT64_C(0x06c45d188009454f));
    /* Seeding with base is the same sequence shifted: seed(base, r) = seed(0, r) when base
     * is a multiple of the increment, e.g. one increment = starting one step later. */
    cr_assert_eq(sweep_seed(UINT64_C(0x9e3779b97f4a7c15), 0), sweep_seed(0, 1));
}

Test(sweep, plan_hash_changes_with_values_seed_and_scenario_text)
{
    struct sweep_plan p = two_axis_plan(), q = two_axis_plan();
    uint64_t h = sweep_plan_hash(&p, "x", 1);
    cr_assert_eq(h, sweep_plan_hash(&q, "x", 1));
    cr_assert_neq(h, sweep_plan_hash(&q, "y", 1));
    q.base_seed = 43;
    cr_assert_neq(h, sweep_plan_hash(&q, "x", 1));
    static const char *const c[] = {"0.5", "0.91"};
    sweep_plan_set_axis(&p, "consensus.approval", 2, c);
    cr_assert_neq(h, sweep_plan_hash(&p, "x", 1));
    sweep_plan_fini(&p);
    sweep_plan_fini(&q);
}

Test(sweep, shards_parse_and_partition_the_runs_round_robin)
{
    uint32_t k, n;
    cr_assert(sweep_shard_parse("2/3", &k, &n));
    cr_assert(k == 2 && n == 3);
    cr_assert_not(sweep_shard_parse("0/3", &k, &n));
    cr_assert_not(sweep_shard_parse("4/3", &k, &n));
    cr_assert_not(sweep_shard_parse("1/", &k, &n));
    cr_assert_not(sweep_shard_parse("-1/3", &k, &n));
    cr_assert_not(sweep_shard_parse("1/3x", &k, &n));
    for (uint64_t run = 0; run < 30; run++) {
        int owners = 0;
        for (uint32_t s = 1; s <= 3; s++)
            owners += sweep_run_in_shard(run, s, 3);
        cr_assert_eq(owners, 1);
        cr_assert(sweep_run_in_shard(run, (uint32_t)(run % 3) + 1, 3));
    }
}

/* ---- the worker pool (sim/sweep/sweep_exec) with a stand-in for the simulation ---- */

#include <signal.h>

#include "sim/sweep/sweep_exec.h"

struct fake {
    uint32_t fail_run;   /* run that reports an error (UINT32_MAX: none) */
    uint32_t crash_run;  /* run whose worker dies (UINT32_MAX: none) */
    uint32_t stop_after; /* set *stop after this many results */
    volatile sig_atomic_t *stop;
    uint32_t seen[64]; /* results in arrival order */
    size_t nseen;
    uint64_t sum; /* of the results' proposals fields */
};

static void fake_work(void *ctx, uint32_t run, struct sweep_result *out)
{
    const struct fake *f = ctx;
    if (run == f->crash_run)
        abort();
    if (run == f->fail_run) {
        out->status = SWEEP_RUN_ERROR;
        snprintf(out->err, sizeof(out->err), "disk full");
        return;
    }
    out->m.proposals = (uint64_t)run * run + 7; /* a value only the worker computes */
    out->status = run % 5 == 0 ? SWEEP_RUN_INVARIANT : SWEEP_RUN_OK;
}

static bool fake_done(void *ctx, const struct sweep_result *r)
{
    struct fake *f = ctx;
    cr_assert_eq(r->m.proposals, (uint64_t)r->run * r->run + 7);
    cr_assert_eq(r->status, r->run % 5 == 0 ? SWEEP_RUN_INVARIANT : SWEEP_RUN_OK);
    f->seen[f->nseen++] = r->run;
    f->sum += r->m.proposals;
    if (f->stop && f->nseen == f->stop_after)
        *f->stop = 1;
    return true;
}

static enum sweep_exec_status fake_pool(struct fake *f, unsigned jobs, size_t nruns, char *err)
{
    uint32_t runs[64];
    for (size_t i = 0; i < nruns; i++)
        runs[i] = (uint32_t)(nruns - 1 - i); /* any order: the pool must not care */
    struct sweep_exec x = {.jobs = jobs,
                           .runs = runs,
                           .nruns = nruns,
                           .work = fake_work,
                           .done = fake_done,
                           .ctx = f,
                           .stop = f->stop};
    return sweep_exec_run(&x, err, SWEEP_ERR_LEN);
}

static struct fake fake_init(void)
{
    return (struct fake){.fail_run = UINT32_MAX, .crash_run = UINT32_MAX};
}

Test(sweep_exec, every_run_is_reported_once_whatever_the_number_of_workers)
{
    for (unsigned jobs = 1; jobs <= 4; jobs++) {
        struct fake f = fake_init();
        char err[SWEEP_ERR_LEN];
        cr_assert_eq(fake_pool(&f, jobs, 40, err), SWEEP_EXEC_DONE, "jobs %u: %s", jobs, err);
        cr_assert_eq(f.nseen, 40);
        bool seen[40] = {false};
        for (size_t i = 0; i < f.nseen; i++) {
            cr_assert_not(seen[f.seen[i]], "run %u twice", f.seen[i]);
            seen[f.seen[i]] = true;
        }
    }
}

Test(sweep_exec, an_erroring_run_fails_the_pool_with_its_message)
{
    for (unsigned jobs = 1; jobs <= 3; jobs += 2) {
        struct fake f = fake_init();
        f.fail_run = 17;
        char err[SWEEP_ERR_LEN];
        cr_assert_eq(fake_pool(&f, jobs, 30, err), SWEEP_EXEC_FAILED);
        cr_assert(strstr(err, "run 17: disk full"), "%s", err);
    }
}

Test(sweep_exec, a_dying_worker_fails_the_pool_naming_the_run)
{
    struct fake f = fake_init();
    f.crash_run = 11;
    char err[SWEEP_ERR_LEN];
    cr_assert_eq(fake_pool(&f, 2, 30, err), SWEEP_EXEC_FAILED);
    cr_assert(strstr(err, "run 11"), "%s", err);
    cr_assert(strstr(err, "signal"), "%s", err);
}

Test(sweep_exec, setting_stop_interrupts_the_pool_after_the_reported_runs)
{
    for (unsigned jobs = 1; jobs <= 2; jobs++) {
        volatile sig_atomic_t stop = 0;
        struct fake f = fake_init();
        f.stop = &stop;
        f.stop_after = 5;
        char err[SWEEP_ERR_LEN];
        cr_assert_eq(fake_pool(&f, jobs, 40, err), SWEEP_EXEC_INTERRUPTED);
        cr_assert_geq(f.nseen, 5);
        cr_assert_lt(f.nseen, 40);
    }
}

/*
 * With 5 runs and 2 workers, 4 runs are dispatched at once and the 5th only when a result
 * comes back: a stop set by the first result keeps it undispatched, so the pool must say
 * INTERRUPTED, never DONE. Whether the other 3 results arrive in the same poll step as the
 * first (so that nothing is busy when the loop looks at *stop again) depends on the
 * scheduler; the pool used to answer DONE then. Every repetition must interrupt.
 */
Test(sweep_exec, a_stop_set_while_the_last_dispatched_runs_drain_still_interrupts)
{
    for (int rep = 0; rep < 200; rep++) {
        volatile sig_atomic_t stop = 0;
        struct fake f = fake_init();
        f.stop = &stop;
        f.stop_after = 1;
        char err[SWEEP_ERR_LEN];
        enum sweep_exec_status st = fake_pool(&f, 2, 5, err);
        cr_assert_eq(st, SWEEP_EXEC_INTERRUPTED, "repetition %d: status %d after %zu results", rep,
                     (int)st, f.nseen);
        cr_assert_geq(f.nseen, 1);
        cr_assert_leq(f.nseen, 4);
    }
}

/* ---- the journal (sim/sweep/sweep_dir) ---- */

#include <sys/stat.h>
#include <unistd.h>

#include "sim/sweep/sweep_dir.h"

static char jdir[64];

static void journal_with(size_t nruns, const uint32_t *runs, size_t n)
{
    char err[256];
    strcpy(jdir, "/tmp/atlas-journal-XXXXXX");
    cr_assert(mkdtemp(jdir));
    struct sweep_store st;
    sweep_store_init(&st, nruns);
    struct sweep_journal *j = sweep_journal_open(jdir, &st, err, sizeof(err));
    cr_assert(j, "%s", err);
    for (size_t i = 0; i < n; i++) {
        struct sweep_result r = {.run = runs[i], .status = SWEEP_RUN_OK};
        r.m.proposals = runs[i] * 10u;
        r.m.approval_rate = 0.1 * runs[i];
        cr_assert(sweep_journal_append(j, &r, err, sizeof(err)), "%s", err);
    }
    cr_assert(sweep_journal_close(j, err, sizeof(err)));
    sweep_store_fini(&st);
}

static char *journal_path(void)
{
    static char p[96];
    snprintf(p, sizeof(p), "%s/%s", jdir, SWEEP_JOURNAL_FILE);
    return p;
}

static void journal_cleanup(void)
{
    unlink(journal_path());
    rmdir(jdir);
}

Test(sweep_journal, entries_read_back_bit_for_bit)
{
    static const uint32_t runs[] = {3, 0, 7};
    journal_with(8, runs, 3);
    struct sweep_store st;
    char err[256];
    sweep_store_init(&st, 8);
    cr_assert(sweep_journal_load(jdir, &st, err, sizeof(err)), "%s", err);
    cr_assert_eq(st.ndone, 3);
    for (uint32_t r = 0; r < 8; r++) {
        bool want = r == 0 || r == 3 || r == 7;
        cr_assert_eq(st.have[r], want, "run %u", r);
        if (want) {
            cr_assert_eq(st.m[r].proposals, r * 10u);
            cr_assert_eq(st.m[r].approval_rate, 0.1 * r); /* exact: raw bytes */
        }
    }
    sweep_store_fini(&st);
    journal_cleanup();
}

Test(sweep_journal, a_torn_last_line_is_dropped_and_cut_off)
{
    static const uint32_t runs[] = {1, 2};
    journal_with(4, runs, 2);
    struct stat sb;
    cr_assert_eq(stat(journal_path(), &sb), 0);
    off_t whole = sb.st_size;
    cr_assert_eq(truncate(journal_path(), whole - 40), 0); /* kill -9 mid-write */
    struct sweep_store st;
    char err[256];
    sweep_store_init(&st, 4);
    struct sweep_journal *j = sweep_journal_open(jdir, &st, err, sizeof(err));
    cr_assert(j, "%s", err);
    cr_assert_eq(st.ndone, 1);
    cr_assert(st.have[1] && !st.have[2]);
    struct sweep_result r = {.run = 2};
    cr_assert(sweep_journal_append(j, &r, err, sizeof(err)));
    cr_assert(sweep_journal_close(j, err, sizeof(err)));
    cr_assert_eq(stat(journal_path(), &sb), 0);
    cr_assert_eq(sb.st_size, whole, "the torn line was replaced, not appended to");
    sweep_store_fini(&st);
    journal_cleanup();
}

Test(sweep_journal, a_corrupt_line_before_the_end_is_an_error_naming_the_line)
{
    static const uint32_t runs[] = {0, 1, 2};
    journal_with(4, runs, 3);
    FILE *f = fopen(journal_path(), "r+");
    cr_assert(f);
    fseek(f, 20, SEEK_SET);
    fputc('x', f); /* inside line 1's metrics */
    fclose(f);
    struct sweep_store st;
    char err[256] = "";
    sweep_store_init(&st, 4);
    cr_assert_not(sweep_journal_load(jdir, &st, err, sizeof(err)));
    cr_assert(strstr(err, ".journal:1: corrupt"), "%s", err);
    sweep_store_fini(&st);
    journal_cleanup();
}
