/* Tests for sim/stats: means, standard deviations and 95% intervals against hand values. */
#include <criterion/criterion.h>
#include <math.h>

#include "core/stats.h"

/* Reference values were computed by hand from the textbook formulas with the tabulated
 * quantiles t(0.975, 4) = 2.776445105 and z(0.975) = 1.959963985, independently of GSL. */

Test(stats, mean_sd_and_student_t_interval_of_one_to_five)
{
    const double x[] = {1, 2, 3, 4, 5};
    struct stats_summary s;
    stats_summarize(x, 5, &s);
    cr_assert_eq(s.n, 5);
    cr_assert_float_eq(s.mean, 3.0, 1e-15);
    cr_assert_float_eq(s.sd, sqrt(2.5), 1e-15);
    /* 3 -+ 2.776445105 * sqrt(2.5) / sqrt(5) */
    cr_assert_float_eq(s.ci_lo, 1.036756838, 1e-9);
    cr_assert_float_eq(s.ci_hi, 4.963243161, 1e-9);
}

Test(stats, nan_samples_are_skipped_and_not_counted)
{
    const double x[] = {NAN, 2, NAN, 4};
    struct stats_summary s;
    stats_summarize(x, 4, &s);
    cr_assert_eq(s.n, 2);
    cr_assert_float_eq(s.mean, 3.0, 1e-15);
    cr_assert_float_eq(s.sd, sqrt(2.0), 1e-15);
    /* t(0.975, 1) = 12.70620474: 3 -+ 12.70620474 * sqrt(2) / sqrt(2) */
    cr_assert_float_eq(s.ci_lo, 3 - 12.70620474, 1e-7);
    cr_assert_float_eq(s.ci_hi, 3 + 12.70620474, 1e-7);
}

Test(stats, one_sample_has_a_mean_but_no_spread)
{
    const double x[] = {7.5};
    struct stats_summary s;
    stats_summarize(x, 1, &s);
    cr_assert_eq(s.n, 1);
    cr_assert_eq(s.mean, 7.5);
    cr_assert(isnan(s.sd) && isnan(s.ci_lo) && isnan(s.ci_hi));
}

Test(stats, no_sample_gives_nan_everywhere)
{
    struct stats_summary s;
    stats_summarize(NULL, 0, &s);
    cr_assert_eq(s.n, 0);
    cr_assert(isnan(s.mean) && isnan(s.sd) && isnan(s.ci_lo) && isnan(s.ci_hi));
}

Test(stats, constant_samples_give_a_zero_width_interval)
{
    const double x[] = {0.25, 0.25, 0.25};
    struct stats_summary s;
    stats_summarize(x, 3, &s);
    cr_assert_eq(s.sd, 0.0);
    cr_assert_eq(s.ci_lo, 0.25);
    cr_assert_eq(s.ci_hi, 0.25);
}

Test(stats, wilson_interval_of_8_out_of_10_matches_the_published_value)
{
    /* Newcombe (1998), table I: 0.4902 - 0.9433. */
    double lo, hi;
    stats_wilson(8, 10, &lo, &hi);
    cr_assert_float_eq(lo, 0.4901624715, 1e-9);
    cr_assert_float_eq(hi, 0.9433178485, 1e-9);
}

Test(stats, wilson_interval_at_the_edges_stays_inside_zero_one)
{
    double lo, hi;
    stats_wilson(0, 20, &lo, &hi);
    cr_assert_eq(lo, 0.0);
    cr_assert_float_eq(hi, 0.1611251581, 1e-9); /* z^2 / (n + z^2) */
    stats_wilson(30, 30, &lo, &hi);
    cr_assert_float_eq(lo, 0.8864866068, 1e-9); /* n / (n + z^2) */
    cr_assert_eq(hi, 1.0);
}

Test(stats, wilson_interval_of_no_trials_is_undefined)
{
    double lo, hi;
    stats_wilson(0, 0, &lo, &hi);
    cr_assert(isnan(lo) && isnan(hi));
}
