/* Tests for sim/engine/time: exact duration parsing, printing and their round trip. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "sim/engine/time.h"

static sim_time parse_ok(const char *text)
{
    sim_time t = 0;
    char err[128] = "";
    cr_assert(sim_time_parse(text, &t, err, sizeof(err)), "'%s' rejected: %s", text, err);
    return t;
}

static void expect_error(const char *text, const char *fragment)
{
    sim_time t = 12345;
    char err[160] = "";
    cr_assert_not(sim_time_parse(text, &t, err, sizeof(err)), "'%s' accepted", text);
    cr_expect_eq(t, 12345, "'%s' wrote the output on failure", text);
    cr_expect(strstr(err, fragment) != NULL, "'%s': message '%s' lacks '%s'", text, err, fragment);
    cr_expect(strstr(err, text) != NULL, "message '%s' does not quote the input", err);
}

Test(time, every_unit_parses_to_its_nanoseconds)
{
    cr_expect_eq(parse_ok("7ns"), 7);
    cr_expect_eq(parse_ok("250us"), 250 * SIM_US);
    cr_expect_eq(parse_ok("20ms"), 20 * SIM_MS);
    cr_expect_eq(parse_ok("3s"), 3 * SIM_S);
    cr_expect_eq(parse_ok("2m"), 120 * SIM_S);
    cr_expect_eq(parse_ok("1h"), 3600 * SIM_S);
    cr_expect_eq(parse_ok("0s"), 0);
}

Test(time, decimals_convert_exactly_without_floating_point)
{
    cr_expect_eq(parse_ok("1.5s"), 1500 * SIM_MS);
    cr_expect_eq(parse_ok("0.1s"), 100 * SIM_MS);
    cr_expect_eq(parse_ok("1.000000001s"), SIM_S + 1);
    cr_expect_eq(parse_ok("2.5m"), 150 * SIM_S);
    cr_expect_eq(parse_ok("0.001us"), 1);
    cr_expect_eq(parse_ok("1.50000000000000000000000s"), 1500 * SIM_MS);
}

Test(time, largest_value_parses_and_one_more_is_too_large)
{
    cr_expect_eq(parse_ok("18446744073709551615ns"), UINT64_MAX);
    expect_error("18446744073709551616ns", "too large");
    expect_error("18446744073709552s", "too large");
    expect_error("18446744073.709551616s", "too large");
}

Test(time, malformed_durations_are_rejected_with_a_reason)
{
    expect_error("-5ms", "negative");
    expect_error("20", "no unit");
    expect_error("1.5", "no unit");
    expect_error("20xs", "unknown unit");
    expect_error("20 ms", "unknown unit");
    expect_error("20MS", "unknown unit");
    expect_error("ms", "not a duration");
    expect_error("", "not a duration");
    expect_error(".5s", "not a duration");
    expect_error("+5s", "not a duration");
    expect_error("1.s", "digits expected");
    expect_error("1.5ns", "whole number of nanoseconds");
    expect_error("0.0000000001s", "whole number of nanoseconds");
    expect_error("0.00000000000000000000000000001s", "whole number of nanoseconds");
}

Test(time, a_null_error_buffer_is_allowed)
{
    sim_time t;
    cr_expect_not(sim_time_parse("bogus", &t, NULL, 0));
}

Test(time, format_uses_the_largest_exact_unit)
{
    static const struct {
        sim_time t;
        const char *text;
    } cases[] = {
        {0, "0s"},
        {1, "1ns"},
        {999, "999ns"},
        {1500, "1.5us"},
        {250 * SIM_US, "250us"},
        {20 * SIM_MS, "20ms"},
        {1500 * SIM_MS, "1.5s"},
        {SIM_S + 1, "1.000000001s"},
        {90 * SIM_S, "90s"},
        {120 * SIM_S, "2m"},
        {7200 * SIM_S, "2h"},
        {5400 * SIM_S, "90m"},
        {UINT64_MAX, "18446744073.709551615s"},
    };
    char buf[SIM_TIME_BUFLEN];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        cr_expect_str_eq(sim_time_format(cases[i].t, buf), cases[i].text);
}

Test(time, format_then_parse_round_trips)
{
    char buf[SIM_TIME_BUFLEN];
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < 100000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        /* Every magnitude: shift the random value right by 0..63 bits. */
        sim_time t = x >> (i % 64);
        sim_time back = 0;
        cr_assert(sim_time_parse(sim_time_format(t, buf), &back, NULL, 0), "%s", buf);
        cr_assert_eq(back, t, "%s parsed back as %llu", buf, (unsigned long long)back);
    }
}

Test(time, seconds_are_printed_exactly_without_trailing_zeros)
{
    char buf[SIM_TIME_BUFLEN];
    cr_expect_str_eq(sim_time_format_seconds(0, buf), "0");
    cr_expect_str_eq(sim_time_format_seconds(1500 * SIM_MS, buf), "1.5");
    cr_expect_str_eq(sim_time_format_seconds(1, buf), "0.000000001");
    cr_expect_str_eq(sim_time_format_seconds(30 * SIM_S, buf), "30");
    cr_expect_str_eq(sim_time_format_seconds(UINT64_MAX, buf), "18446744073.709551615");
}
