/*
 * estimate: the statistics of `atlas-sim analyze`, computed with GSL.
 *
 * estimate_wilson95: the Wilson score interval for k successes in n trials at 95%,
 *     (p + z^2/2n -+ z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n),   p = k/n,
 *     z = gsl_cdf_ugaussian_Pinv(0.975);
 * exactly 0 (1) at the end where k == 0 (k == n); NAN, NAN for n == 0.
 *
 * estimate_binomial_at_least: P[Bin(n, p) >= q] = gsl_cdf_binomial_Q(q - 1, p, n); 1 for
 * q == 0, 0 for q > n.
 *
 * estimate_rank: the 0-based index of the nearest-rank q-quantile in n sorted values,
 * ceil(q n) - 1 (0 when that is negative): the definition the simulator uses for
 * decision_p50_s / p90 / p99, so a quantile is always an observed value.
 *
 * estimate_mean: mean, sample sd (n - 1) and the Student-t 95% interval of the mean,
 * mean -+ gsl_cdf_tdist_Pinv(0.975, n - 1) sd / sqrt(n), of the values that are not NAN
 * (gsl_stats_mean, gsl_stats_sd_m). NAN where undefined: everything for n == 0; sd and the
 * interval for n == 1.
 */
#ifndef ATLAS_ANALYSIS_ESTIMATE_H
#define ATLAS_ANALYSIS_ESTIMATE_H

#include <stddef.h>
#include <stdint.h>

struct estimate_mean {
    size_t n;     /* values that were not NAN */
    double mean;  /* NAN if n == 0 */
    double sd;    /* NAN if n < 2 */
    double ci_lo; /* Student-t 95% interval of the mean; NAN if n < 2 */
    double ci_hi;
};

void estimate_wilson95(uint64_t k, uint64_t n, double *lo, double *hi); /* k <= n */
double estimate_binomial_at_least(uint64_t n, double p, uint64_t q);    /* p in [0, 1] */
size_t estimate_rank(size_t n, double q);                               /* n > 0, q in (0, 1] */
void estimate_mean(const double *x, size_t n, struct estimate_mean *out);

#endif
