/* stats: mean, sd, Student-t and Wilson 95% intervals with GSL (see stats.h). */
#include "core/stats.h"

#include <assert.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>

#include "core/xalloc.h"

void stats_summarize(const double *x, size_t n, struct stats_summary *out)
{
    double *v = xcalloc(n ? n : 1, sizeof(*v));
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(x[i]))
            v[m++] = x[i];
    out->n = m;
    out->mean = out->sd = out->ci_lo = out->ci_hi = NAN;
    if (m >= 1)
        out->mean = gsl_stats_mean(v, 1, m);
    if (m >= 2) {
        out->sd = gsl_stats_sd_m(v, 1, m, out->mean);
        double t = gsl_cdf_tdist_Pinv(0.5 + STATS_CONFIDENCE / 2, (double)(m - 1));
        double half = t * out->sd / sqrt((double)m);
        out->ci_lo = out->mean - half;
        out->ci_hi = out->mean + half;
    }
    free(v);
}

void stats_wilson(uint64_t k, uint64_t n, double *lo, double *hi)
{
    assert(k <= n);
    if (n == 0) {
        *lo = *hi = NAN;
        return;
    }
    double z = gsl_cdf_ugaussian_Pinv(0.5 + STATS_CONFIDENCE / 2);
    double nn = (double)n, p = (double)k / nn, z2 = z * z;
    double centre = p + z2 / (2 * nn);
    double half = z * sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn));
    double den = 1 + z2 / nn;
    /* The interval touches 0 (1) exactly when k == 0 (k == n); rounding must not move it. */
    *lo = k == 0 ? 0.0 : (centre - half) / den;
    *hi = k == n ? 1.0 : (centre + half) / den;
}
