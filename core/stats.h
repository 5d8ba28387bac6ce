/*
 * stats: the statistics of a sweep point over its replications, computed with GSL; shared by
 * sim/output/points (points.csv) and analysis/estimate (analysis.csv), which must agree.
 *
 * stats_summarize: mean, sample standard deviation (n - 1 in the denominator) and the 95%
 * confidence interval of the mean from Student's t distribution,
 *     mean -+ t(0.975, n - 1) * sd / sqrt(n),        t from gsl_cdf_tdist_Pinv.
 * NAN samples (a metric without a value in that run) are skipped and not counted. With no
 * sample every result is NAN; with one sample the mean is that sample, sd and CI are NAN.
 * With sd == 0 the interval is [mean, mean].
 *
 * stats_wilson: the Wilson score interval for k successes in n trials at 95%,
 *     (p + z^2/2n -+ z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n),  p = k/n,
 * z = gsl_cdf_ugaussian_Pinv(0.975). n == 0 gives NAN, NAN.
 */
#ifndef ATLAS_CORE_STATS_H
#define ATLAS_CORE_STATS_H

#include <stddef.h>
#include <stdint.h>

#define STATS_CONFIDENCE 0.95

struct stats_summary {
    uint64_t n;   /* samples that had a value (not NAN) */
    double mean;  /* NAN if n == 0 */
    double sd;    /* sample standard deviation; NAN if n < 2 */
    double ci_lo; /* 95% confidence interval of the mean; NAN if n < 2 */
    double ci_hi;
};

/* Summary of x[0..n-1]; x is not modified. */
void stats_summarize(const double *x, size_t n, struct stats_summary *out);

/* 95% Wilson score interval for k successes out of n trials (k <= n). */
void stats_wilson(uint64_t k, uint64_t n, double *lo, double *hi);

#endif
