/*
 * dist: the distribution families and their parameter tables (see dist.h).
 *
 * Every family samples a real number of nanoseconds with GSL and rounds it to the nearest
 * integer (negative results clamp to 0, results past SIM_TIME_MAX saturate). mean() and
 * variance() return the closed forms of the continuous distribution; rounding changes the
 * mean by at most 0.5 ns and the variance by about 1/12 ns^2.
 *
 * A required parameter starts as NAN after dist_init, so dist_check can tell it is missing.
 * The empirical table is immutable once loaded and shared by reference count between copies.
 */
#include "sim/engine/dist.h"
#include "sim/engine/rfile.h"
#include "sim/engine/rng.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_gamma.h>

#include "core/xalloc.h"

struct dist_empirical {
    size_t refs;     /* number of struct dist sharing this table */
    size_t n;        /* number of samples, > 0 */
    sim_time *v;     /* samples, sorted ascending */
    double mean;     /* mean of the samples, ns */
    double variance; /* population variance of the samples, ns^2 */
};

/*
 * GSL's ziggurat normal (gsl_ran_gaussian_ziggurat) with its common case inline, for the
 * generator of sim/engine/rng.h. GSL draws one 32-bit integer k from a generator of that
 * range: step i = k & 0x7f, sign from bit 7, j = 24 bits above; when j < ktab[i] (about
 * 98.8% of draws) it returns sign * sigma * (j * wtab[i]). dist_gaussian does the same with
 * GSL's own tables, read out of the installed GSL on its first call (zig_read, about 350,000
 * instructions: each wtab[i] is the result for j = 1, each ktab[i] the first j GSL does not
 * accept at once, found by bisection with a scripted generator), and otherwise puts the
 * generator back and calls GSL. So every
 * draw is GSL's, bit for bit (test_dist compares them over millions of draws and every
 * step), without GSL's indirect generator call and loop set-up.
 */
static struct {
    double w[128];   /* GSL's wtab */
    uint32_t k[128]; /* GSL's ktab; 0 (never inline) where it could not be read */
} zig;

struct zig_script { /* a generator that gives `first`, then zeros, and counts its draws */
    unsigned long first;
    unsigned calls;
};

static unsigned long zig_script_get(void *state)
{
    struct zig_script *z = state;
    return z->calls++ ? 0 : z->first;
}

static double zig_script_get_double(void *state)
{
    ((struct zig_script *)state)->calls++;
    return 0.0;
}

static const gsl_rng_type zig_script_type = {
    .name = "atlas-zig-script",
    .max = 0xffffffffUL,
    .min = 0,
    .size = sizeof(struct zig_script),
    .get = zig_script_get,
    .get_double = zig_script_get_double,
};

/* GSL's result for the first draw k (sign +, step i, j), and whether it took no other draw. */
static bool zig_try(uint32_t i, uint32_t j, double *x)
{
    struct zig_script z = {.first = (unsigned long)j << 8 | 0x80 | i};
    gsl_rng g = {.type = &zig_script_type, .state = &z};
    *x = gsl_ran_gaussian_ziggurat(&g, 1.0);
    return z.calls == 1;
}

static once_flag zig_once = ONCE_FLAG_INIT;
static atomic_bool zig_ready; /* zig holds GSL's tables */

static void zig_read(void)
{
    for (uint32_t i = 0; i < 128; i++) {
        double w;
        if (!zig_try(i, 1, &w) || !(w > 0)) /* step 0 (the base strip) never accepts at once */
            continue;
        uint32_t lo = 1, hi = 1u << 24; /* accepted at lo; not beyond 2^24 - 1 */
        double x;
        while (hi - lo > 1) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (zig_try(i, mid, &x))
                lo = mid;
            else
                hi = mid;
        }
        zig.w[i] = w;
        zig.k[i] = hi;
    }
    atomic_store_explicit(&zig_ready, true, memory_order_release);
}

double dist_gaussian(gsl_rng *r, double sigma)
{
    if (r->type == rng_atlas_type) {
        if (__builtin_expect(!atomic_load_explicit(&zig_ready, memory_order_acquire), 0))
            call_once(&zig_once, zig_read);
        uint64_t *s = r->state, s0 = s[0], s1 = s[1];
        uint64_t k = rng_next_state(s) >> 32, j = (k >> 8) & 0xffffff;
        uint32_t i = k & 0x7f;
        int sign = (k & 0x80) ? +1 : -1;
        if (j < zig.k[i]) {
            double x = j * zig.w[i];
            return sign * sigma * x;
        }
        s[0] = s0; /* GSL draws it again */
        s[1] = s1;
    }
    return gsl_ran_gaussian_ziggurat(r, sigma);
}

static sim_time to_ns(double x)
{
    if (!(x > 0))
        return 0;
    if (x >= 18446744073709551615.0)
        return SIM_TIME_MAX;
    return (sim_time)(x + 0.5);
}

__attribute__((format(printf, 3, 4))) static bool fail(char *err, size_t errlen, const char *fmt,
                                                       ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return false;
}

/* ---- constant ---- */

static const struct dist_param_spec constant_params[] = {
    {"value", DIST_PARAM_DURATION, true, NAN, "the fixed duration"},
};

static bool constant_check(const struct dist *d, char *err, size_t errlen)
{
    (void)d, (void)err, (void)errlen;
    return true;
}

static sim_time constant_sample(const struct dist *d, gsl_rng *r)
{
    (void)r;
    return (sim_time)d->v[0];
}

static double constant_mean(const struct dist *d)
{
    return d->v[0];
}

static double zero_variance(const struct dist *d)
{
    (void)d;
    return 0;
}

static const struct dist_ops constant_ops = {
    .name = "constant",
    .help = "always the same duration",
    .params = constant_params,
    .nparams = 1,
    .check = constant_check,
    .sample = constant_sample,
    .mean = constant_mean,
    .variance = zero_variance,
};

/* ---- uniform ---- */

static const struct dist_param_spec uniform_params[] = {
    {"min", DIST_PARAM_DURATION, true, NAN, "smallest duration"},
    {"max", DIST_PARAM_DURATION, true, NAN, "largest duration (>= min)"},
};

static bool uniform_check(const struct dist *d, char *err, size_t errlen)
{
    if (d->v[1] < d->v[0])
        return fail(err, errlen, "uniform: max must be >= min");
    return true;
}

static sim_time uniform_sample(const struct dist *d, gsl_rng *r)
{
    return to_ns(gsl_ran_flat(r, d->v[0], d->v[1]));
}

static double uniform_mean(const struct dist *d)
{
    return (d->v[0] + d->v[1]) / 2;
}

static double uniform_variance(const struct dist *d)
{
    double w = d->v[1] - d->v[0];
    return w * w / 12;
}

static const struct dist_ops uniform_ops = {
    .name = "uniform",
    .help = "uniform between min and max",
    .params = uniform_params,
    .nparams = 2,
    .check = uniform_check,
    .sample = uniform_sample,
    .mean = uniform_mean,
    .variance = uniform_variance,
};

/* ---- normal, truncated at 0 ---- */

static const struct dist_param_spec normal_params[] = {
    {"mean", DIST_PARAM_DURATION, true, NAN, "mean before truncation at 0"},
    {"stddev", DIST_PARAM_DURATION, true, NAN, "standard deviation before truncation"},
};

static bool normal_check(const struct dist *d, char *err, size_t errlen)
{
    (void)d, (void)err, (void)errlen;
    return true; /* durations are >= 0, so mean >= 0 and at least half the mass is kept */
}

static sim_time normal_sample(const struct dist *d, gsl_rng *r)
{
    double x;
    do
        x = d->v[0] + dist_gaussian(r, d->v[1]);
    while (x < 0);
    return to_ns(x);
}

/* alpha = -mu/sigma, lambda = phi(alpha) / (1 - Phi(alpha)) (inverse Mills ratio). */
static double normal_lambda(const struct dist *d, double *alpha)
{
    *alpha = -d->v[0] / d->v[1];
    return gsl_ran_ugaussian_pdf(*alpha) / gsl_cdf_ugaussian_Q(*alpha);
}

static double normal_mean(const struct dist *d)
{
    if (d->v[1] == 0)
        return d->v[0];
    double alpha, lambda = normal_lambda(d, &alpha);
    return d->v[0] + d->v[1] * lambda;
}

static double normal_variance(const struct dist *d)
{
    if (d->v[1] == 0)
        return 0;
    double alpha, lambda = normal_lambda(d, &alpha);
    return d->v[1] * d->v[1] * (1 + alpha * lambda - lambda * lambda);
}

static const struct dist_ops normal_ops = {
    .name = "normal",
    .help = "normal with mean and stddev, truncated at 0 (negative draws are redrawn)",
    .params = normal_params,
    .nparams = 2,
    .check = normal_check,
    .sample = normal_sample,
    .mean = normal_mean,
    .variance = normal_variance,
};

/* ---- lognormal ---- */

static const struct dist_param_spec lognormal_params[] = {
    {"median", DIST_PARAM_DURATION, true, NAN, "median duration (exp of the log-mean)"},
    {"sigma", DIST_PARAM_REAL, true, NAN, "standard deviation of the log, >= 0"},
};

static bool lognormal_check(const struct dist *d, char *err, size_t errlen)
{
    if (!(d->v[0] > 0))
        return fail(err, errlen, "lognormal: median must be > 0");
    if (!(d->v[1] >= 0))
        return fail(err, errlen, "lognormal: sigma must be >= 0");
    return true;
}

/* median * exp(sigma Z): GSL's ziggurat normal (one integer draw and a table lookup almost
 * always) instead of gsl_ran_lognormal's polar method (two uniforms, a log and a sqrt). */
static sim_time lognormal_sample(const struct dist *d, gsl_rng *r)
{
    return to_ns(d->v[0] * exp(dist_gaussian(r, d->v[1])));
}

static double lognormal_mean(const struct dist *d)
{
    return d->v[0] * exp(d->v[1] * d->v[1] / 2);
}

static double lognormal_variance(const struct dist *d)
{
    double s2 = d->v[1] * d->v[1];
    return expm1(s2) * d->v[0] * d->v[0] * exp(s2);
}

static const struct dist_ops lognormal_ops = {
    .name = "lognormal",
    .help = "lognormal given by its median and the sigma of its log",
    .params = lognormal_params,
    .nparams = 2,
    .check = lognormal_check,
    .sample = lognormal_sample,
    .mean = lognormal_mean,
    .variance = lognormal_variance,
};

/* ---- exponential with optional minimum ---- */

static const struct dist_param_spec exponential_params[] = {
    {"mean", DIST_PARAM_DURATION, true, NAN, "mean duration, the minimum included"},
    {"min", DIST_PARAM_DURATION, false, 0, "minimum: min + Exp(mean - min); mean > min"},
};

static bool exponential_check(const struct dist *d, char *err, size_t errlen)
{
    if (!(d->v[0] > d->v[1]))
        return fail(err, errlen, "exponential: mean must be > min");
    return true;
}

static sim_time exponential_sample(const struct dist *d, gsl_rng *r)
{
    return to_ns(d->v[1] + gsl_ran_exponential(r, d->v[0] - d->v[1]));
}

static double exponential_mean(const struct dist *d)
{
    return d->v[0];
}

static double exponential_variance(const struct dist *d)
{
    double m = d->v[0] - d->v[1];
    return m * m;
}

static const struct dist_ops exponential_ops = {
    .name = "exponential",
    .help = "min plus an exponential, so that the overall mean is mean",
    .params = exponential_params,
    .nparams = 2,
    .check = exponential_check,
    .sample = exponential_sample,
    .mean = exponential_mean,
    .variance = exponential_variance,
};

/* ---- gamma ---- */

static const struct dist_param_spec gamma_params[] = {
    {"shape", DIST_PARAM_REAL, true, NAN, "shape k > 0"},
    {"scale", DIST_PARAM_DURATION, true, NAN, "scale theta > 0 (mean = k * theta)"},
};

static bool shape_scale_check(const struct dist *d, char *err, size_t errlen)
{
    if (!(d->v[0] > 0))
        return fail(err, errlen, "%s: shape must be > 0", d->ops->name);
    if (!(d->v[1] > 0))
        return fail(err, errlen, "%s: scale must be > 0", d->ops->name);
    return true;
}

static sim_time gamma_sample(const struct dist *d, gsl_rng *r)
{
    return to_ns(gsl_ran_gamma(r, d->v[0], d->v[1]));
}

static double gamma_mean(const struct dist *d)
{
    return d->v[0] * d->v[1];
}

static double gamma_variance(const struct dist *d)
{
    return d->v[0] * d->v[1] * d->v[1];
}

static const struct dist_ops gamma_ops = {
    .name = "gamma",
    .help = "gamma with shape k and scale theta",
    .params = gamma_params,
    .nparams = 2,
    .check = shape_scale_check,
    .sample = gamma_sample,
    .mean = gamma_mean,
    .variance = gamma_variance,
};

/* ---- weibull ---- */

static const struct dist_param_spec weibull_params[] = {
    {"shape", DIST_PARAM_REAL, true, NAN, "shape k > 0"},
    {"scale", DIST_PARAM_DURATION, true, NAN, "scale lambda > 0"},
};

static sim_time weibull_sample(const struct dist *d, gsl_rng *r)
{
    return to_ns(gsl_ran_weibull(r, d->v[1], d->v[0]));
}

static double weibull_mean(const struct dist *d)
{
    return d->v[1] * gsl_sf_gamma(1 + 1 / d->v[0]);
}

static double weibull_variance(const struct dist *d)
{
    double g1 = gsl_sf_gamma(1 + 1 / d->v[0]), g2 = gsl_sf_gamma(1 + 2 / d->v[0]);
    return d->v[1] * d->v[1] * (g2 - g1 * g1);
}

static const struct dist_ops weibull_ops = {
    .name = "weibull",
    .help = "weibull with shape k and scale lambda",
    .params = weibull_params,
    .nparams = 2,
    .check = shape_scale_check,
    .sample = weibull_sample,
    .mean = weibull_mean,
    .variance = weibull_variance,
};

/* ---- pareto ---- */

static const struct dist_param_spec pareto_params[] = {
    {"shape", DIST_PARAM_REAL, true, NAN, "tail index alpha > 0 (finite mean needs > 1)"},
    {"scale", DIST_PARAM_DURATION, true, NAN, "minimum x_m > 0"},
};

static sim_time pareto_sample(const struct dist *d, gsl_rng *r)
{
    return to_ns(gsl_ran_pareto(r, d->v[0], d->v[1]));
}

static double pareto_mean(const struct dist *d)
{
    double a = d->v[0];
    return a > 1 ? a * d->v[1] / (a - 1) : INFINITY;
}

static double pareto_variance(const struct dist *d)
{
    double a = d->v[0], xm = d->v[1];
    return a > 2 ? xm * xm * a / ((a - 1) * (a - 1) * (a - 2)) : INFINITY;
}

static const struct dist_ops pareto_ops = {
    .name = "pareto",
    .help = "pareto with tail index (shape) and minimum (scale)",
    .params = pareto_params,
    .nparams = 2,
    .check = shape_scale_check,
    .sample = pareto_sample,
    .mean = pareto_mean,
    .variance = pareto_variance,
};

/* ---- empirical ---- */

static const struct dist_param_spec empirical_params[] = {
    {"file", DIST_PARAM_PATH, true, NAN,
     "text file, one duration per line (e.g. 12.5ms); blank lines and # comments skipped; "
     "a relative path is relative to the scenario file's folder (from --set: the working "
     "folder)"},
};

static bool empirical_check(const struct dist *d, char *err, size_t errlen)
{
    (void)d, (void)err, (void)errlen;
    return true; /* the file is loaded and validated by dist_check */
}

static sim_time empirical_sample(const struct dist *d, gsl_rng *r)
{
    assert(d->emp);
    return d->emp->v[gsl_rng_uniform_int(r, d->emp->n)];
}

static double empirical_mean(const struct dist *d)
{
    return d->emp ? d->emp->mean : NAN;
}

static double empirical_variance(const struct dist *d)
{
    return d->emp ? d->emp->variance : NAN;
}

static const struct dist_ops empirical_ops = {
    .name = "empirical",
    .help = "resamples (uniformly, with replacement) the durations listed in a file",
    .params = empirical_params,
    .nparams = 1,
    .check = empirical_check,
    .sample = empirical_sample,
    .mean = empirical_mean,
    .variance = empirical_variance,
};

static int cmp_time(const void *a, const void *b)
{
    sim_time x = *(const sim_time *)a, y = *(const sim_time *)b;
    return (x > y) - (x < y);
}

/* Strip a trailing comment and surrounding blanks in place; returns the start. */
static char *trim_line(char *s)
{
    char *hash = strchr(s, '#');
    if (hash)
        *hash = '\0';
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

static void empirical_stats(struct dist_empirical *e)
{
    double mean = 0, m2 = 0;
    for (size_t i = 0; i < e->n; i++) {
        double x = (double)e->v[i], delta = x - mean;
        mean += delta / (double)(i + 1);
        m2 += delta * (x - mean);
    }
    e->mean = mean;
    e->variance = m2 / (double)e->n;
}

/* Longest line of an empirical file (comments included). */
#define EMPIRICAL_LINE_MAX 1024

enum line_status { LINE_OK, LINE_EOF, LINE_NUL, LINE_LONG };

/* One line into buf (without its '\n'), read byte by byte so that nothing, not even an
 * endless file without line ends (/dev/zero), is read past the first NUL byte or past size-1
 * bytes. LINE_EOF only when no byte was left. */
static enum line_status read_line(FILE *f, char *buf, size_t size)
{
    size_t n = 0;
    int c;
    while ((c = getc(f)) != EOF && c != '\n') {
        if (c == '\0')
            return LINE_NUL;
        if (n + 1 >= size)
            return LINE_LONG;
        buf[n++] = (char)c;
    }
    buf[n] = '\0';
    return c == EOF && n == 0 ? LINE_EOF : LINE_OK;
}

static struct dist_empirical *empirical_load(const char *path, char *err, size_t errlen)
{
    const char *refused = NULL;
    FILE *f = rfile_open(path, &refused);
    if (!f) {
        fail(err, errlen, "empirical: cannot open '%s': %s", path, refused);
        return NULL;
    }
    struct dist_empirical *e = xcalloc(1, sizeof(*e));
    size_t cap = 0, lineno = 0;
    char line[EMPIRICAL_LINE_MAX + 1], why[160];
    bool ok = true;
    enum line_status st;
    while (ok && (st = read_line(f, line, sizeof(line))) != LINE_EOF) {
        lineno++;
        if (st == LINE_NUL) {
            ok = fail(err, errlen, "%s:%zu: NUL byte: not a text file", path, lineno);
            continue;
        }
        if (st == LINE_LONG) {
            ok = fail(err, errlen, "%s:%zu: line longer than %d bytes", path, lineno,
                      EMPIRICAL_LINE_MAX);
            continue;
        }
        char *s = trim_line(line);
        if (!*s)
            continue;
        XGROW(e->v, cap, e->n + 1);
        ok = sim_time_parse(s, &e->v[e->n++], why, sizeof(why));
        if (!ok && err && errlen)
            snprintf(err, errlen, "%s:%zu: %s", path, lineno, why);
    }
    fclose(f);
    if (ok && e->n == 0)
        ok = fail(err, errlen, "%s: no samples in file", path);
    if (!ok) {
        free(e->v);
        free(e);
        return NULL;
    }
    qsort(e->v, e->n, sizeof(e->v[0]), cmp_time);
    empirical_stats(e);
    e->refs = 1;
    return e;
}

static void empirical_release(struct dist_empirical *e)
{
    if (e && --e->refs == 0) {
        free(e->v);
        free(e);
    }
}

/* ---- the table and the generic operations ---- */

const struct dist_ops *const dist_families[] = {
    &constant_ops, &uniform_ops, &normal_ops, &lognormal_ops, &exponential_ops,
    &gamma_ops,    &weibull_ops, &pareto_ops, &empirical_ops, NULL,
};

const struct dist_ops *dist_find(const char *name)
{
    for (size_t i = 0; dist_families[i]; i++)
        if (strcmp(dist_families[i]->name, name) == 0)
            return dist_families[i];
    return NULL;
}

void dist_init(struct dist *d, const struct dist_ops *ops)
{
    assert(ops && ops->nparams <= DIST_MAX_PARAMS);
    memset(d, 0, sizeof(*d));
    d->ops = ops;
    for (size_t i = 0; i < DIST_MAX_PARAMS; i++)
        d->v[i] = i < ops->nparams ? ops->params[i].def : 0;
}

void dist_init_constant(struct dist *d, sim_time value)
{
    dist_init(d, &constant_ops);
    d->v[0] = (double)value;
}

static bool parse_real(const char *text, double *out)
{
    char *end;
    errno = 0;
    double x = strtod(text, &end);
    if (end == text || *end != '\0' || errno == ERANGE || !isfinite(x))
        return false;
    *out = x;
    return true;
}

bool dist_set_param(struct dist *d, const char *name, const char *text, char *err, size_t errlen)
{
    size_t i = 0;
    while (i < d->ops->nparams && strcmp(d->ops->params[i].name, name) != 0)
        i++;
    if (i == d->ops->nparams)
        return fail(err, errlen, "%s has no parameter '%s'", d->ops->name, name);
    char why[160];
    sim_time t;
    switch (d->ops->params[i].kind) {
    case DIST_PARAM_DURATION:
        if (!sim_time_parse(text, &t, why, sizeof(why)))
            return fail(err, errlen, "%s: %s", name, why);
        d->v[i] = (double)t;
        return true;
    case DIST_PARAM_REAL:
        if (!parse_real(text, &d->v[i]))
            return fail(err, errlen, "%s: '%s' is not a finite real number", name, text);
        return true;
    case DIST_PARAM_PATH:
        if (!*text)
            return fail(err, errlen, "%s: empty path", name);
        free(d->path);
        d->path = xstrdup(text);
        d->v[i] = 0;
        empirical_release(d->emp);
        d->emp = NULL;
        return true;
    }
    return false;
}

bool dist_check(struct dist *d, char *err, size_t errlen)
{
    for (size_t i = 0; i < d->ops->nparams; i++)
        if (isnan(d->v[i]))
            return fail(err, errlen, "%s: missing parameter '%s'", d->ops->name,
                        d->ops->params[i].name);
    if (d->ops == &empirical_ops && !d->emp) {
        assert(d->path);
        d->emp = empirical_load(d->path, err, errlen);
        if (!d->emp)
            return false;
    }
    return d->ops->check(d, err, errlen);
}

sim_time dist_sample(const struct dist *d, gsl_rng *r)
{
    return d->ops->sample(d, r);
}

double dist_mean(const struct dist *d)
{
    return d->ops->mean(d);
}

double dist_variance(const struct dist *d)
{
    return d->ops->variance(d);
}

void dist_copy(struct dist *dst, const struct dist *src)
{
    *dst = *src;
    dst->path = src->path ? xstrdup(src->path) : NULL;
    if (dst->emp)
        dst->emp->refs++;
}

void dist_fini(struct dist *d)
{
    if (!d)
        return;
    free(d->path);
    empirical_release(d->emp);
    d->path = NULL;
    d->emp = NULL;
}

/* Shortest %g form that reads back as the same double. */
static void format_real(double x, char *buf, size_t len)
{
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, x);
        if (strtod(buf, NULL) == x)
            return;
    }
}

/* Append printf output to buf at *n, truncating safely; *n counts what would be written. */
static void append(char *buf, size_t len, size_t *n, const char *fmt, const char *s)
{
    size_t at = *n < len ? *n : len;
    *n += (size_t)snprintf(buf + at, len - at, fmt, s);
}

/* A YAML plain scalar when safe, else a double-quoted one. */
static void format_path(const char *path, char *buf, size_t len, size_t *n)
{
    if (*path && strcspn(path, " \t:#,[]{}&*!|>'\"%@`\\") == strlen(path)) {
        append(buf, len, n, "%s", path);
        return;
    }
    append(buf, len, n, "%s", "\"");
    for (const char *p = path; *p; p++) {
        char one[2] = {*p, '\0'};
        append(buf, len, n, "%s", *p == '"' ? "\\\"" : *p == '\\' ? "\\\\" : one);
    }
    append(buf, len, n, "%s", "\"");
}

void dist_format(const struct dist *d, char *buf, size_t len)
{
    assert(len > 0);
    size_t n = 0;
    append(buf, len, &n, "{dist: %s", d->ops->name);
    for (size_t i = 0; i < d->ops->nparams; i++) {
        const struct dist_param_spec *p = &d->ops->params[i];
        char val[SIM_TIME_BUFLEN];
        append(buf, len, &n, ", %s: ", p->name);
        switch (p->kind) {
        case DIST_PARAM_DURATION:
            append(buf, len, &n, "%s", sim_time_format((sim_time)d->v[i], val));
            break;
        case DIST_PARAM_REAL:
            format_real(d->v[i], val, sizeof(val));
            append(buf, len, &n, "%s", val);
            break;
        case DIST_PARAM_PATH:
            format_path(d->path ? d->path : "", buf, len, &n);
            break;
        }
    }
    append(buf, len, &n, "%s", "}");
}

bool dist_parse_flow(const char *text, struct dist *d)
{
    char buf[256], err[128];
    size_t len = strlen(text);
    if (len < 2 || len >= sizeof(buf) || text[0] != '{' || text[len - 1] != '}')
        return false;
    memcpy(buf, text + 1, len - 2);
    buf[len - 2] = '\0';
    struct dist out = {0};
    bool ok = true, first = true;
    for (char *save = NULL, *item = strtok_r(buf, ",", &save); ok && item;
         item = strtok_r(NULL, ",", &save), first = false) {
        char *colon = strchr(item, ':');
        if (!colon)
            return first ? false : (dist_fini(&out), false);
        *colon = '\0';
        char *key = item, *value = colon + 1;
        while (*key == ' ')
            key++;
        while (*value == ' ')
            value++;
        for (char *e = key + strlen(key); e > key && e[-1] == ' ';)
            *--e = '\0';
        for (char *e = value + strlen(value); e > value && e[-1] == ' ';)
            *--e = '\0';
        if (first) {
            const struct dist_ops *ops = strcmp(key, "dist") == 0 ? dist_find(value) : NULL;
            if (!ops)
                return false;
            dist_init(&out, ops);
        } else {
            ok = dist_set_param(&out, key, value, err, sizeof(err));
        }
    }
    ok = ok && !first && dist_check(&out, err, sizeof(err));
    if (!ok) {
        if (!first)
            dist_fini(&out);
        return false;
    }
    *d = out;
    return true;
}
