/*
 * Tests for sim/engine/dist: every family's sample mean and variance against its closed form, and
 * parameter validation.
 *
 * Tolerances: 5 standard errors computed from the sample size N. For the mean the standard
 * error is sqrt(sigma^2 / N). For the sample variance it is sqrt((mu4 - sigma^4) / N), the
 * asymptotic standard error, where mu4 is the family's closed-form 4th central moment
 * (computed here from its closed-form raw moments, or the known closed form) — never a
 * bound chosen to pass. Pareto uses shape 5, so its 4th moment is finite.
 */
#include <criterion/criterion.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_gamma.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sim/engine/dist.h"
#include "sim/engine/rng.h"

#define N 200000

#define DATA(name) ATLAS_SOURCE_DIR "/tests/data/" name

/* Build a checked distribution from "name=value" strings, NULL-terminated. */
static void make(struct dist *d, const char *family, ...)
{
    const struct dist_ops *ops = dist_find(family);
    cr_assert_not_null(ops, "family %s", family);
    dist_init(d, ops);
    va_list ap;
    va_start(ap, family);
    char err[256];
    for (const char *kv; (kv = va_arg(ap, const char *));) {
        char key[32];
        const char *eq = strchr(kv, '=');
        snprintf(key, sizeof(key), "%.*s", (int)(eq - kv), kv);
        cr_assert(dist_set_param(d, key, eq + 1, err, sizeof(err)), "%s: %s", kv, err);
    }
    va_end(ap);
    cr_assert(dist_check(d, err, sizeof(err)), "%s: %s", family, err);
}

/* 4th central moment from raw moments m1..m4. */
static double central4(double m1, double m2, double m3, double m4)
{
    return m4 - 4 * m1 * m3 + 6 * m1 * m1 * m2 - 3 * m1 * m1 * m1 * m1;
}

/* Sample N values; compare mean and variance with the closed forms within 5 SE. */
static void expect_moments(const struct dist *d, double mu4, uint64_t id)
{
    struct rng r;
    rng_init(&r, 2026, RNG_TEST, id);
    double mean = 0, m2 = 0;
    for (int i = 0; i < N; i++) {
        double x = (double)dist_sample(d, rng_gsl(&r)), delta = x - mean;
        mean += delta / (i + 1);
        m2 += delta * (x - mean);
    }
    double var = m2 / (N - 1), mu = dist_mean(d), sigma2 = dist_variance(d);
    double se_mean = sqrt(sigma2 / N), se_var = sqrt((mu4 - sigma2 * sigma2) / N);
    cr_assert(isfinite(mu) && isfinite(sigma2) && isfinite(mu4) && mu4 > sigma2 * sigma2);
    cr_expect(fabs(mean - mu) < 5 * se_mean, "%s: mean %.6g vs %.6g (5 SE = %.3g)", d->ops->name,
              mean, mu, 5 * se_mean);
    cr_expect(fabs(var - sigma2) < 5 * se_var, "%s: variance %.6g vs %.6g (5 SE = %.3g)",
              d->ops->name, var, sigma2, 5 * se_var);
}

Test(dist, constant_always_returns_its_value)
{
    struct dist d;
    make(&d, "constant", "value=5ms", NULL);
    struct rng r;
    rng_init(&r, 1, RNG_TEST, 0);
    for (int i = 0; i < 1000; i++)
        cr_assert_eq(dist_sample(&d, rng_gsl(&r)), 5 * SIM_MS);
    cr_expect_eq(dist_mean(&d), 5e6);
    cr_expect_eq(dist_variance(&d), 0);
    dist_init_constant(&d, 7);
    cr_expect_eq(dist_sample(&d, rng_gsl(&r)), 7);
}

Test(dist, uniform_matches_its_mean_and_variance)
{
    struct dist d;
    make(&d, "uniform", "min=2ms", "max=10ms", NULL);
    double w = 8e6;
    expect_moments(&d, pow(w, 4) / 80, 1);
}

/* Raw moments of a standard normal truncated below at alpha: m_k = (k-1) m_{k-2} +
 * alpha^(k-1) lambda with lambda = phi(alpha) / Q(alpha). */
Test(dist, normal_matches_the_truncated_closed_form)
{
    struct dist d;
    make(&d, "normal", "mean=2ms", "stddev=3ms", NULL);
    double mu = 2e6, s = 3e6, alpha = -mu / s;
    double lambda = gsl_ran_ugaussian_pdf(alpha) / gsl_cdf_ugaussian_Q(alpha);
    double z[5] = {1, lambda};
    for (int k = 2; k <= 4; k++)
        z[k] = (k - 1) * z[k - 2] + pow(alpha, k - 1) * lambda;
    /* Central moments scale by s^4 under X = mu + s Z. */
    double mu4 = pow(s, 4) * central4(z[1], z[2], z[3], z[4]);
    cr_expect(fabs(dist_mean(&d) - (mu + s * lambda)) < 1e-6 * mu);
    expect_moments(&d, mu4, 2);
}

Test(dist, normal_never_returns_a_negative_draw)
{
    struct dist d;
    make(&d, "normal", "mean=0s", "stddev=1ms", NULL);
    struct rng r;
    rng_init(&r, 1, RNG_TEST, 9);
    sim_time lo = SIM_TIME_MAX;
    for (int i = 0; i < 10000; i++) {
        sim_time x = dist_sample(&d, rng_gsl(&r));
        lo = x < lo ? x : lo;
    }
    cr_expect_lt(lo, 10 * SIM_US); /* the mode is 0: the minimum must be near it */
    /* Half-normal: mean s*sqrt(2/pi). */
    cr_expect(fabs(dist_mean(&d) - 1e6 * sqrt(2 / M_PI)) < 1);
}

Test(dist, lognormal_matches_its_mean_and_variance)
{
    struct dist d;
    make(&d, "lognormal", "median=20ms", "sigma=0.5", NULL);
    double mu = log(20e6), s2 = 0.25, m[5];
    for (int k = 1; k <= 4; k++)
        m[k] = exp(k * mu + k * k * s2 / 2);
    expect_moments(&d, central4(m[1], m[2], m[3], m[4]), 3);
}

Test(dist, exponential_matches_its_mean_and_variance_above_its_minimum)
{
    struct dist d;
    make(&d, "exponential", "mean=10ms", "min=2ms", NULL);
    cr_expect_eq(dist_mean(&d), 10e6);
    double m = 8e6;
    expect_moments(&d, 9 * pow(m, 4), 4);
    struct rng r;
    rng_init(&r, 1, RNG_TEST, 10);
    for (int i = 0; i < 10000; i++)
        cr_assert_geq(dist_sample(&d, rng_gsl(&r)), 2 * SIM_MS);
}

Test(dist, gamma_matches_its_mean_and_variance)
{
    struct dist d;
    make(&d, "gamma", "shape=2.5", "scale=4ms", NULL);
    double k = 2.5, th = 4e6;
    expect_moments(&d, 3 * k * (k + 2) * pow(th, 4), 5);
}

Test(dist, weibull_matches_its_mean_and_variance)
{
    struct dist d;
    make(&d, "weibull", "shape=1.5", "scale=10ms", NULL);
    double m[5];
    for (int k = 1; k <= 4; k++)
        m[k] = pow(10e6, k) * gsl_sf_gamma(1 + k / 1.5);
    expect_moments(&d, central4(m[1], m[2], m[3], m[4]), 6);
}

Test(dist, pareto_matches_its_mean_and_variance)
{
    struct dist d;
    make(&d, "pareto", "shape=5", "scale=2ms", NULL);
    double a = 5, m[5];
    for (int k = 1; k <= 4; k++)
        m[k] = a * pow(2e6, k) / (a - k);
    expect_moments(&d, central4(m[1], m[2], m[3], m[4]), 7);
}

Test(dist, pareto_without_finite_moments_reports_infinity)
{
    struct dist d;
    make(&d, "pareto", "shape=1", "scale=2ms", NULL);
    cr_expect(isinf(dist_mean(&d)));
    cr_expect(isinf(dist_variance(&d)));
}

Test(dist, empirical_resamples_the_file)
{
    struct dist d;
    make(&d, "empirical", "file=" DATA("empirical-latency.txt"), NULL);
    /* The file's values, read independently: resampling has their population moments. */
    static const double v[] = {12e6, 13.5e6, 11e6,   12.2e6, 15e6,
                               40e6, 12.8e6, 11.9e6, 13.1e6, 250e3};
    size_t n = sizeof(v) / sizeof(v[0]);
    double m[5] = {0};
    for (size_t i = 0; i < n; i++)
        for (int k = 1; k <= 4; k++)
            m[k] += pow(v[i], k) / (double)n;
    cr_expect(fabs(dist_mean(&d) - m[1]) < 1e-9 * m[1]);
    cr_expect(fabs(dist_variance(&d) - (m[2] - m[1] * m[1])) < 1e-6 * dist_variance(&d));
    expect_moments(&d, central4(m[1], m[2], m[3], m[4]), 8);
    dist_fini(&d);
}

Test(dist, every_family_is_found_by_name)
{
    static const char *const names[] = {"constant", "uniform", "normal", "lognormal", "exponential",
                                        "gamma",    "weibull", "pareto", "empirical"};
    size_t count = 0;
    for (size_t i = 0; dist_families[i]; i++)
        count++;
    cr_expect_eq(count, sizeof(names) / sizeof(names[0]));
    for (size_t i = 0; i < count; i++)
        cr_expect_eq(dist_find(names[i]), dist_families[i], "%s", names[i]);
    cr_expect_null(dist_find("cauchy"));
}

static void expect_param_error(const char *family, const char *key, const char *val,
                               const char *fragment)
{
    struct dist d;
    dist_init(&d, dist_find(family));
    char err[256] = "";
    cr_expect_not(dist_set_param(&d, key, val, err, sizeof(err)), "%s %s=%s", family, key, val);
    cr_expect(strstr(err, fragment) != NULL, "'%s' lacks '%s'", err, fragment);
    dist_fini(&d);
}

Test(dist, malformed_parameters_are_rejected_with_a_reason)
{
    expect_param_error("lognormal", "mean", "20ms", "lognormal has no parameter 'mean'");
    expect_param_error("lognormal", "median", "20", "no unit");
    expect_param_error("lognormal", "sigma", "abc", "not a finite real number");
    expect_param_error("lognormal", "sigma", "0.5x", "not a finite real number");
    expect_param_error("gamma", "shape", "nan", "not a finite real number");
    expect_param_error("gamma", "shape", "inf", "not a finite real number");
    expect_param_error("empirical", "file", "", "empty path");
}

/* Build from key=value pairs (set must succeed), then expect dist_check to fail. */
static void expect_check_error(const char *fragment, const char *family, ...)
{
    struct dist d;
    dist_init(&d, dist_find(family));
    va_list ap;
    va_start(ap, family);
    char err[256] = "";
    for (const char *kv; (kv = va_arg(ap, const char *));) {
        char key[32];
        const char *eq = strchr(kv, '=');
        snprintf(key, sizeof(key), "%.*s", (int)(eq - kv), kv);
        cr_assert(dist_set_param(&d, key, eq + 1, err, sizeof(err)), "%s: %s", kv, err);
    }
    va_end(ap);
    cr_expect_not(dist_check(&d, err, sizeof(err)), "%s accepted", family);
    cr_expect(strstr(err, fragment) != NULL, "'%s' lacks '%s'", err, fragment);
    dist_fini(&d);
}

Test(dist, out_of_range_and_missing_parameters_fail_the_check)
{
    expect_check_error("missing parameter 'value'", "constant", NULL);
    expect_check_error("missing parameter 'max'", "uniform", "min=1ms", NULL);
    expect_check_error("max must be >= min", "uniform", "min=5ms", "max=1ms", NULL);
    expect_check_error("median must be > 0", "lognormal", "median=0s", "sigma=1", NULL);
    expect_check_error("sigma must be >= 0", "lognormal", "median=1ms", "sigma=-1", NULL);
    expect_check_error("mean must be > min", "exponential", "mean=1ms", "min=1ms", NULL);
    expect_check_error("shape must be > 0", "gamma", "shape=0", "scale=1ms", NULL);
    expect_check_error("scale must be > 0", "weibull", "shape=1", "scale=0s", NULL);
    expect_check_error("shape must be > 0", "pareto", "shape=-2", "scale=1ms", NULL);
    expect_check_error("missing parameter 'file'", "empirical", NULL);
}

Test(dist, bad_empirical_files_name_the_file_and_line)
{
    expect_check_error(DATA("empirical-bad.txt") ":4: duration '14' has no unit", "empirical",
                       "file=" DATA("empirical-bad.txt"), NULL);
    expect_check_error("no samples", "empirical", "file=" DATA("empirical-empty.txt"), NULL);
    expect_check_error("cannot open", "empirical", "file=" DATA("empirical-missing.txt"), NULL);
}

/* Long lines are read whole: line numbers stay right and two samples on one long line are
 * an error, not two samples; a line over 1024 bytes is an error of its own. */
Test(dist, long_lines_in_an_empirical_file_keep_their_line_numbers)
{
    char path[] = "/tmp/atlas-test-dist-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    FILE *f = fdopen(fd, "w");
    cr_assert(f);
    fprintf(f, "# %0300d\n1ms\nxx\n", 0);
    fclose(f);
    char arg[64], want[64];
    snprintf(arg, sizeof(arg), "file=%s", path);
    snprintf(want, sizeof(want), "%s:3: ", path);
    expect_check_error(want, "empirical", arg, NULL);
    f = fopen(path, "w");
    cr_assert(f);
    fprintf(f, "1ms%300s2ms\n", "");
    fclose(f);
    snprintf(want, sizeof(want), "%s:1: ", path);
    expect_check_error(want, "empirical", arg, NULL);
    f = fopen(path, "w");
    cr_assert(f);
    fprintf(f, "1ms\n# %02000d\n", 0);
    fclose(f);
    snprintf(want, sizeof(want), "%s:2: line longer than 1024 bytes", path);
    expect_check_error(want, "empirical", arg, NULL);
    unlink(path);
}

Test(dist, format_prints_a_yaml_flow_mapping)
{
    struct dist d;
    char buf[256];
    make(&d, "lognormal", "median=20ms", "sigma=0.5", NULL);
    dist_format(&d, buf, sizeof(buf));
    cr_expect_str_eq(buf, "{dist: lognormal, median: 20ms, sigma: 0.5}");
    make(&d, "exponential", "mean=10ms", NULL);
    dist_format(&d, buf, sizeof(buf));
    cr_expect_str_eq(buf, "{dist: exponential, mean: 10ms, min: 0s}");
    make(&d, "gamma", "shape=0.1", "scale=1.5s", NULL);
    dist_format(&d, buf, sizeof(buf));
    cr_expect_str_eq(buf, "{dist: gamma, shape: 0.1, scale: 1.5s}");
    make(&d, "empirical", "file=" DATA("empirical-latency.txt"), NULL);
    dist_format(&d, buf, sizeof(buf));
    cr_expect_str_eq(buf, "{dist: empirical, file: " DATA("empirical-latency.txt") "}");
    dist_fini(&d);
    dist_init(&d, dist_find("empirical"));
    cr_assert(dist_set_param(&d, "file", "a dir/x:\"y\".txt", NULL, 0));
    dist_format(&d, buf, sizeof(buf));
    cr_expect_str_eq(buf, "{dist: empirical, file: \"a dir/x:\\\"y\\\".txt\"}");
    dist_format(&d, buf, 12);
    cr_expect_str_eq(buf, "{dist: empi");
    dist_fini(&d);
}

Test(dist, copies_sample_identically_and_outlive_the_original)
{
    struct dist a, b;
    make(&a, "empirical", "file=" DATA("empirical-latency.txt"), NULL);
    dist_copy(&b, &a);
    dist_fini(&a);
    dist_fini(&a); /* fini is idempotent */
    struct rng r1, r2;
    rng_init(&r1, 4, RNG_TEST, 0);
    rng_init(&r2, 4, RNG_TEST, 0);
    make(&a, "empirical", "file=" DATA("empirical-latency.txt"), NULL);
    for (int i = 0; i < 1000; i++)
        cr_assert_eq(dist_sample(&a, rng_gsl(&r1)), dist_sample(&b, rng_gsl(&r2)));
    dist_fini(&a);
    dist_fini(&b);
    dist_fini(NULL);
}

/* dist_gaussian must be gsl_ran_gaussian_ziggurat bit for bit: the same value and the same
 * generator state after every draw. Half a million draws per sigma cover every step and
 * sign many times, GSL's own path (step 0, rejections, the tail: about 1.2% of draws) some
 * ten thousand times; a draw GSL takes in one step is told from the others by stepping a
 * third copy once. A generator of another type takes GSL's path throughout. */
Test(dist, the_inline_ziggurat_draws_exactly_what_gsl_draws)
{
    const double sigmas[] = {1.0, 0.5, 3.25e-3, 7.0};
    uint64_t inline_ok = 0, gsl_path = 0, seen_step[256] = {0};
    for (size_t s = 0; s < sizeof(sigmas) / sizeof(sigmas[0]); s++) {
        struct rng a, b;
        rng_init(&a, 99 + s, 3, 17);
        rng_init(&b, 99 + s, 3, 17);
        for (int n = 0; n < 500000; n++) {
            uint64_t one[2] = {b.state[0], b.state[1]};
            uint64_t k = rng_next_state(one) >> 32;
            double x = dist_gaussian(&a.g, sigmas[s]);
            double y = gsl_ran_gaussian_ziggurat(&b.g, sigmas[s]);
            cr_assert(memcmp(&x, &y, sizeof(x)) == 0, "draw %d, sigma %g: %.17g, GSL %.17g", n,
                      sigmas[s], x, y);
            cr_assert(a.state[0] == b.state[0] && a.state[1] == b.state[1],
                      "draw %d: the generators part", n);
            seen_step[k & 0xff]++;
            if (b.state[0] == one[0] && b.state[1] == one[1])
                inline_ok++;
            else
                gsl_path++;
        }
    }
    for (int i = 0; i < 256; i++)
        cr_assert_gt(seen_step[i], 1000, "step %d drawn %llu times", i,
                     (unsigned long long)seen_step[i]);
    cr_assert_gt(gsl_path, 10000);
    cr_assert_gt(inline_ok, 1900000);
    /* another generator: GSL's path, the same values */
    gsl_rng *m1 = gsl_rng_alloc(gsl_rng_mt19937), *m2 = gsl_rng_alloc(gsl_rng_mt19937);
    for (int n = 0; n < 10000; n++) {
        double x = dist_gaussian(m1, 2.0), y = gsl_ran_gaussian_ziggurat(m2, 2.0);
        cr_assert(memcmp(&x, &y, sizeof(x)) == 0);
    }
    gsl_rng_free(m1);
    gsl_rng_free(m2);
}
