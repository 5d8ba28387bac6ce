/* estimate: Wilson interval, binomial tail, nearest rank, t interval (see estimate.h); the
 * interval arithmetic is core/stats', the same as points.csv's. */
#include "analysis/estimate.h"

#include <assert.h>
#include <gsl/gsl_cdf.h>
#include <math.h>

#include "core/stats.h"

void estimate_wilson95(uint64_t k, uint64_t n, double *lo, double *hi)
{
    stats_wilson(k, n, lo, hi);
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
    struct stats_summary st;
    stats_summarize(x, n, &st);
    *out = (struct estimate_mean){
        .n = st.n, .mean = st.mean, .sd = st.sd, .ci_lo = st.ci_lo, .ci_hi = st.ci_hi};
}
