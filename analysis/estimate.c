/* estimate: Wilson interval, binomial tail, nearest rank, t interval (see estimate.h). */
#include "analysis/estimate.h"

#include <assert.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>

#include "core/xalloc.h"

void estimate_wilson95(uint64_t k, uint64_t n, double *lo, double *hi)
{
    assert(k <= n);
    if (n == 0) {
        *lo = *hi = NAN;
        return;
    }
    double z = gsl_cdf_ugaussian_Pinv(0.975), z2 = z * z;
    double nn = (double)n, p = (double)k / nn;
    double centre = p + z2 / (2 * nn);
    double half = z * sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn));
    *lo = k == 0 ? 0.0 : (centre - half) / (1 + z2 / nn);
    *hi = k == n ? 1.0 : (centre + half) / (1 + z2 / nn);
}

double estimate_binomial_at_least(uint64_t n, double p, uint64_t q)
{
    assert(p >= 0 && p <= 1 && n <= UINT32_MAX);
    if (q == 0)
        return 1.0;
    if (q > n)
        return 0.0;
    return gsl_cdf_binomial_Q((unsigned)(q - 1), p, (unsigned)n);
}

size_t estimate_rank(size_t n, double q)
{
    assert(n > 0 && q > 0 && q <= 1);
    size_t rank = (size_t)ceil(q * (double)n);
    return rank ? rank - 1 : 0;
}

void estimate_mean(const double *x, size_t n, struct estimate_mean *out)
{
    double *v = xcalloc(n ? n : 1, sizeof(*v));
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(x[i]))
            v[m++] = x[i];
    *out = (struct estimate_mean){.n = m, .mean = NAN, .sd = NAN, .ci_lo = NAN, .ci_hi = NAN};
    if (m >= 1)
        out->mean = gsl_stats_mean(v, 1, m);
    if (m >= 2) {
        out->sd = gsl_stats_sd_m(v, 1, m, out->mean);
        double half = gsl_cdf_tdist_Pinv(0.975, (double)(m - 1)) * out->sd / sqrt((double)m);
        out->ci_lo = out->mean - half;
        out->ci_hi = out->mean + half;
    }
    free(v);
}
