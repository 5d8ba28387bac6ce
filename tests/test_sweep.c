/* Tests for sim/sweep: ranges, lists, the Cartesian product, run numbering, seeds, shards. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sweep.h"

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
    static const char *const want[] = {"1ms", "1500us", "2ms", "2500us", "3ms"};
    expect_range("1ms", "3ms", "500us", 5, want);
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

Test(sweep, format_real_is_the_shortest_round_trip_text)
{
    char buf[SWEEP_REAL_BUFLEN];
    cr_assert_str_eq(sweep_format_real(0.1 + 0.6, buf), "0.7");
    cr_assert_str_eq(sweep_format_real(0.1 + 0.2, buf), "0.30000000000000004");
    cr_assert_str_eq(sweep_format_real(1.0 / 3.0, buf), "0.3333333333333333");
    cr_assert_str_eq(sweep_format_real(12.0, buf), "12");
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

Test(sweep, set_with_a_bracketed_list_or_a_range_map_makes_an_axis)
{
    static const char *const list[] = {"a", "b"};
    static const char *const range[] = {"0.8", "0.9", "1"};
    char *path, **v, err[128];
    size_t n;
    bool axis;
    cr_assert(sweep_parse_set("k=[a, b]", &path, &axis, &n, &v, err, sizeof(err)));
    cr_assert(axis);
    free(path);
    expect_values(n, v, 2, list);
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
