/* sweep: points, runs, seeds, ranges and --set lists of a parameter sweep (see sweep.h). */
#include "sim/scenario/sweep.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "core/csvfmt.h"
#include "sim/engine/time.h"

bool sweep_fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return false;
}

/* ---- plan ---------------------------------------------------------------------------- */

static void recount(struct sweep_plan *p)
{
    uint64_t n = 1;
    for (size_t i = 0; i < p->naxes; i++) {
        uint64_t v = p->axes[i].nvalues;
        n = (n > UINT64_MAX / v) ? UINT64_MAX : n * v;
    }
    p->npoints = n;
    p->nruns = (n > UINT64_MAX / p->replications) ? UINT64_MAX : n * p->replications;
}

void sweep_plan_init(struct sweep_plan *p, uint64_t base_seed, uint32_t replications)
{
    assert(replications >= 1);
    memset(p, 0, sizeof(*p));
    p->replications = replications;
    p->base_seed = base_seed;
    recount(p);
}

void sweep_values_free(size_t n, char **values)
{
    for (size_t i = 0; i < n; i++)
        free(values[i]);
    free(values);
}

void sweep_plan_fini(struct sweep_plan *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->naxes; i++) {
        free(p->axes[i].path);
        sweep_values_free(p->axes[i].nvalues, p->axes[i].values);
    }
    free(p->axes);
    memset(p, 0, sizeof(*p));
}

void sweep_plan_set_axis(struct sweep_plan *p, const char *path, size_t nvalues,
                         const char *const *values)
{
    assert(nvalues >= 1);
    struct sweep_axis *a = NULL;
    for (size_t i = 0; i < p->naxes && !a; i++)
        if (strcmp(p->axes[i].path, path) == 0)
            a = &p->axes[i];
    if (a) {
        sweep_values_free(a->nvalues, a->values);
    } else {
        p->axes = xreallocarray(p->axes, p->naxes + 1, sizeof(*p->axes));
        a = &p->axes[p->naxes++];
        a->path = xstrdup(path);
    }
    a->nvalues = nvalues;
    a->values = xcalloc(nvalues, sizeof(*a->values));
    for (size_t i = 0; i < nvalues; i++)
        a->values[i] = xstrdup(values[i]);
    recount(p);
}

void sweep_plan_from_scenario(struct sweep_plan *p, const struct scenario *sc)
{
    sweep_plan_init(p, sc->seed, sc->sweep.replications);
    for (size_t i = 0; i < sc->sweep.nparams; i++) {
        const struct sweep_param *sp = &sc->sweep.params[i];
        sweep_plan_set_axis(p, sp->path, sp->nvalues, (const char *const *)sp->values);
    }
}

bool sweep_plan_check(const struct sweep_plan *p, char *err, size_t errlen)
{
    if (p->npoints > SWEEP_MAX_POINTS)
        return sweep_fail(err, errlen, "the sweep has %" PRIu64 " points (at most %u)", p->npoints,
                          SWEEP_MAX_POINTS);
    if (p->nruns > SWEEP_MAX_RUNS)
        return sweep_fail(err, errlen,
                          "the sweep has %" PRIu64 " runs (%" PRIu64 " points x %" PRIu32
                          " replications; at most %u)",
                          p->nruns, p->npoints, p->replications, SWEEP_MAX_RUNS);
    return true;
}

uint64_t sweep_seed(uint64_t base_seed, uint32_t rep)
{
    uint64_t z = base_seed + ((uint64_t)rep + 1) * UINT64_C(0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

void sweep_run_locate(const struct sweep_plan *p, uint64_t run, uint64_t *point, uint32_t *rep)
{
    assert(run < p->nruns);
    *point = run / p->replications;
    *rep = (uint32_t)(run % p->replications);
}

const char *sweep_point_value(const struct sweep_plan *p, uint64_t point, size_t axis)
{
    assert(axis < p->naxes && point < p->npoints);
    for (size_t i = p->naxes; i-- > axis + 1;)
        point /= p->axes[i].nvalues;
    return p->axes[axis].values[point % p->axes[axis].nvalues];
}

static uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
    const unsigned char *s = data;
    for (size_t i = 0; i < len; i++) {
        h ^= s[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

static uint64_t fnv1a_str(uint64_t h, const char *s)
{
    return fnv1a(h, s, strlen(s) + 1); /* the NUL separates fields */
}

uint64_t sweep_plan_hash(const struct sweep_plan *p, const char *text, size_t len)
{
    char buf[64];
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    snprintf(buf, sizeof(buf), "%" PRIu64 " %" PRIu32 " %zu", p->base_seed, p->replications,
             p->naxes);
    h = fnv1a_str(h, buf);
    for (size_t i = 0; i < p->naxes; i++) {
        h = fnv1a_str(h, p->axes[i].path);
        for (size_t j = 0; j < p->axes[i].nvalues; j++)
            h = fnv1a_str(h, p->axes[i].values[j]);
    }
    return fnv1a(h, text, len);
}

bool sweep_shard_parse(const char *text, uint32_t *k, uint32_t *n)
{
    unsigned long kk, nn;
    char *end;
    errno = 0;
    kk = strtoul(text, &end, 10);
    if (end == text || *end != '/' || text[0] == '-' || text[0] == '+')
        return false;
    const char *s = end + 1;
    nn = strtoul(s, &end, 10);
    if (end == s || *end != '\0' || s[0] == '-' || s[0] == '+' || errno)
        return false;
    if (kk < 1 || nn < 1 || kk > nn || nn > UINT32_MAX)
        return false;
    *k = (uint32_t)kk;
    *n = (uint32_t)nn;
    return true;
}

/* ---- ranges -------------------------------------------------------------------------- */

#define DEC_MAX_DIGITS 18

struct decimal { /* value = mant / 10^scale */
    int64_t mant;
    int scale;
};

static const int64_t pow10_table[DEC_MAX_DIGITS + 1] = {
    1,
    10,
    100,
    1000,
    10000,
    100000,
    1000000,
    10000000,
    100000000,
    1000000000,
    10000000000,
    100000000000,
    1000000000000,
    10000000000000,
    100000000000000,
    1000000000000000,
    10000000000000000,
    100000000000000000,
    1000000000000000000,
};

/* A plain decimal: [+-]digits[.digits] with at most 18 digits in all. */
static bool decimal_parse(const char *s, struct decimal *d)
{
    bool neg = false, point = false;
    int digits = 0;
    int64_t m = 0;
    d->scale = 0;
    if (*s == '+' || *s == '-')
        neg = *s++ == '-';
    for (; *s; s++) {
        if (*s == '.' && !point) {
            point = true;
        } else if (*s >= '0' && *s <= '9') {
            if (++digits > DEC_MAX_DIGITS)
                return false;
            m = m * 10 + (*s - '0');
            d->scale += point;
        } else {
            return false;
        }
    }
    if (digits == 0)
        return false;
    d->mant = neg ? -m : m;
    return true;
}

static bool decimal_rescale(struct decimal *d, int scale)
{
    int64_t r;
    if (__builtin_mul_overflow(d->mant, pow10_table[scale - d->scale], &r))
        return false;
    d->mant = r;
    d->scale = scale;
    return true;
}

static char *decimal_format(int64_t mant, int scale)
{
    char digits[32], out[48];
    uint64_t a = mant < 0 ? (uint64_t)0 - (uint64_t)mant : (uint64_t)mant;
    int len = snprintf(digits, sizeof(digits), "%0*" PRIu64, scale + 1, a);
    int ip = len - scale; /* integer digits */
    while (scale > 0 && digits[ip + scale - 1] == '0')
        scale--;
    snprintf(out, sizeof(out), "%s%.*s%s%.*s", mant < 0 ? "-" : "", ip, digits, scale ? "." : "",
             scale, digits + ip);
    return xstrdup(out);
}

/* Number of grid values from `from` towards `to` by `step` (span and step as given). */
static bool range_count(double span, double step, double q, size_t *n, char *err, size_t errlen)
{
    if (step == 0)
        return sweep_fail(err, errlen, "step must not be zero");
    if (span != 0 && (span < 0) != (step < 0))
        return sweep_fail(err, errlen, "step points away from 'to'");
    if (!(q < (double)SWEEP_MAX_VALUES))
        return sweep_fail(err, errlen, "the range has more than %u values", SWEEP_MAX_VALUES);
    *n = (size_t)q + 1;
    return true;
}

static bool expand_decimal(struct decimal f, struct decimal t, struct decimal s, size_t *n,
                           char ***values, char *err, size_t errlen)
{
    int scale = f.scale > t.scale ? f.scale : t.scale;
    scale = scale > s.scale ? scale : s.scale;
    if (!decimal_rescale(&f, scale) || !decimal_rescale(&t, scale) || !decimal_rescale(&s, scale))
        return sweep_fail(err, errlen, "too many digits in the range");
    int64_t span;
    if (__builtin_sub_overflow(t.mant, f.mant, &span))
        return sweep_fail(err, errlen, "the range is too wide");
    if (!range_count((double)span, (double)s.mant, s.mant ? (double)(span / s.mant) : 0, n, err,
                     errlen))
        return false;
    *values = xcalloc(*n, sizeof(**values));
    for (size_t i = 0; i < *n; i++)
        (*values)[i] = decimal_format(f.mant + (int64_t)i * s.mant, scale);
    return true;
}

static bool expand_duration(sim_time f, sim_time t, sim_time s, size_t *n, char ***values,
                            char *err, size_t errlen)
{
    if (t < f)
        return sweep_fail(err, errlen, "a duration range must go upwards ('to' < 'from')");
    if (!range_count((double)(t - f), (double)s, s ? (double)((t - f) / s) : 0, n, err, errlen))
        return false;
    char buf[SIM_TIME_BUFLEN];
    *values = xcalloc(*n, sizeof(**values));
    for (size_t i = 0; i < *n; i++)
        (*values)[i] = xstrdup(sim_time_format(f + (sim_time)i * s, buf));
    return true;
}

static bool parse_real(const char *s, double *x)
{
    char *end;
    errno = 0;
    *x = strtod(s, &end);
    return end != s && *end == '\0' && errno == 0 && isfinite(*x);
}

static bool expand_real(double f, double t, double s, size_t *n, char ***values, char *err,
                        size_t errlen)
{
    double q = s != 0 ? (t - f) / s : 0;
    if (!range_count(t - f, s, floor(q + 1e-9 * fmax(1.0, fabs(q))), n, err, errlen))
        return false;
    char buf[CSVFMT_REAL_LEN];
    *values = xcalloc(*n, sizeof(**values));
    for (size_t i = 0; i < *n; i++)
        (*values)[i] = xstrdup(csvfmt_real(f + (double)i * s, buf));
    return true;
}

bool sweep_range_expand(const char *from, const char *to, const char *step, size_t *nvalues,
                        char ***values, char *err, size_t errlen)
{
    struct decimal df, dt, ds;
    if (decimal_parse(from, &df) && decimal_parse(to, &dt) && decimal_parse(step, &ds))
        return expand_decimal(df, dt, ds, nvalues, values, err, errlen);
    sim_time tf, tt, ts;
    bool is_f = sim_time_parse(from, &tf, NULL, 0), is_t = sim_time_parse(to, &tt, NULL, 0),
         is_s = sim_time_parse(step, &ts, NULL, 0);
    if (is_f && is_t && is_s)
        return expand_duration(tf, tt, ts, nvalues, values, err, errlen);
    if (is_f || is_t || is_s)
        return sweep_fail(err, errlen, "from, to and step must all be durations with a unit");
    double rf, rt, rs;
    const char *bad = !parse_real(from, &rf)   ? from
                      : !parse_real(to, &rt)   ? to
                      : !parse_real(step, &rs) ? step
                                               : NULL;
    if (bad)
        return sweep_fail(err, errlen, "'%s' is not a number or a duration", bad);
    return expand_real(rf, rt, rs, nvalues, values, err, errlen);
}

/* ---- --set KEY=VALUE ----------------------------------------------------------------- */

/* Split s at commas outside brackets, braces and quotes; items are trimmed copies. */
static size_t split_top(const char *s, size_t len, char ***items)
{
    size_t n = 0, cap = 0;
    int depth = 0;
    char quote = 0;
    const char *start = s;
    *items = NULL;
    for (size_t i = 0; i <= len; i++) {
        char c = i < len ? s[i] : ',';
        if (quote) {
            quote = c == quote ? 0 : quote;
            continue;
        }
        if (c == '"' || c == '\'')
            quote = c;
        else if (c == '[' || c == '{')
            depth++;
        else if ((c == ']' || c == '}') && depth > 0)
            depth--;
        else if (c == ',' && depth == 0) {
            const char *b = start, *e = s + i;
            while (b < e && (*b == ' ' || *b == '\t'))
                b++;
            while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
                e--;
            XGROW(*items, cap, n + 1);
            (*items)[n++] = xstrndup(b, (size_t)(e - b));
            start = s + i + 1;
        }
    }
    return n;
}

static int range_key(const char *s, size_t len)
{
    static const char *const keys[3] = {"from", "to", "step"};
    for (int k = 0; k < 3; k++)
        if (strlen(keys[k]) == len && strncmp(s, keys[k], len) == 0)
            return k;
    return -1;
}

/* "{from: A, to: B, step: C}" (any order) -> the three texts; false if not that shape. */
static bool parse_range_map(const char *v, size_t len, char *parts[3])
{
    char **items = NULL;
    bool ok = len >= 2 && v[0] == '{' && v[len - 1] == '}';
    size_t n = ok ? split_top(v + 1, len - 2, &items) : 0;
    parts[0] = parts[1] = parts[2] = NULL;
    ok = ok && n == 3;
    for (size_t i = 0; ok && i < n; i++) {
        char *colon = strchr(items[i], ':');
        int k = colon ? range_key(items[i], (size_t)(colon - items[i])) : -1;
        ok = k >= 0 && !parts[k];
        if (ok)
            parts[k] = xstrdup(colon + 1 + strspn(colon + 1, " \t"));
    }
    sweep_values_free(n, items);
    if (!ok)
        for (int k = 0; k < 3; k++)
            free(parts[k]);
    return ok;
}

bool sweep_parse_set(const char *arg, char **path, bool *is_axis, size_t *nvalues, char ***values,
                     char *err, size_t errlen)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg)
        return sweep_fail(err, errlen, "--set expects KEY=VALUE, got '%s'", arg);
    const char *v = eq + 1;
    size_t len = strlen(v);
    char *parts[3];
    bool ok = true;
    *is_axis = true;
    if (parse_range_map(v, len, parts)) {
        ok = sweep_range_expand(parts[0], parts[1], parts[2], nvalues, values, err, errlen);
        for (int k = 0; k < 3; k++)
            free(parts[k]);
    } else if (v[0] == '[') { /* a YAML flow list is a value, never an axis */
        *is_axis = false;
        *nvalues = 1;
        *values = xcalloc(1, sizeof(**values));
        (*values)[0] = xstrdup(v);
    } else {
        *nvalues = split_top(v, len, values);
        *is_axis = *nvalues > 1;
        if (!*is_axis) {
            sweep_values_free(*nvalues, *values);
            *nvalues = 1;
            *values = xcalloc(1, sizeof(**values));
            (*values)[0] = xstrdup(v);
        }
    }
    for (size_t i = 0; ok && *is_axis && i < *nvalues; i++)
        if ((*values)[i][0] == '\0') {
            sweep_values_free(*nvalues, *values);
            ok = sweep_fail(err, errlen, "--set %.*s: empty value in the list", (int)(eq - arg),
                            arg);
        }
    if (!ok)
        return false;
    *path = xstrndup(arg, (size_t)(eq - arg));
    return true;
}

bool sweep_set_is_axis(const char *arg)
{
    char *path, **values, err[16];
    size_t n;
    bool axis;
    if (!sweep_parse_set(arg, &path, &axis, &n, &values, err, sizeof(err)))
        return false;
    free(path);
    sweep_values_free(n, values);
    return axis;
}
