/* cmd_analyze: `atlas-sim analyze DIR`, per-point statistics from a folder's summary.csv. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "sim/cli/cli.h"
#include "sim/points.h"
#include "sim/stats.h"
#include "sim/sweep.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: atlas-sim analyze DIR [-o FILE] [--metric NAME]... [--quiet]\n"
               "\n"
               "Reads DIR/summary.csv (of 'atlas-sim run' or 'atlas-sim sweep'; CSV only), groups\n"
               "its rows by the swept keys (the columns between seed and the first metric) and\n"
               "prints, per point, n and the mean and 95%% confidence interval of some metrics\n"
               "(default approval_rate and decision_mean_s). -o FILE writes every metric's\n"
               "statistics in the points.csv format (see 'atlas-sim sweep --help'); '-' is\n"
               "standard output. Exit codes: 0 ok, 2 bad input or usage.\n");
}

/* ---- a small RFC 4180 reader ----------------------------------------------------------- */

struct row {
    size_t n, cap;
    char **f; /* fields (owned) */
};

static void row_clear(struct row *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->f[i]);
    r->n = 0;
}

/* Read one record; false at end of file. *bad on an unterminated quote. */
static bool csv_read(FILE *in, struct row *r, bool *bad)
{
    row_clear(r);
    char *buf = NULL;
    size_t len = 0, cap = 0;
    bool quoted = false, any = false;
    int c;
    for (;;) {
        c = getc(in);
        if (c == EOF && !any)
            break;
        any = true;
        if (quoted) {
            if (c == EOF) {
                *bad = true;
                break;
            }
            if (c == '"') {
                int d = getc(in);
                if (d != '"') {
                    quoted = false;
                    ungetc(d, in);
                    continue;
                }
            }
        } else if (c == '"' && len == 0) {
            quoted = true;
            continue;
        } else if (c == ',' || c == '\n' || c == EOF) {
            XGROW(buf, cap, len + 1);
            buf[len] = '\0';
            XGROW(r->f, r->cap, r->n + 1);
            r->f[r->n++] = xstrdup(buf);
            len = 0;
            if (c != ',')
                break;
            continue;
        } else if (c == '\r') {
            continue;
        }
        XGROW(buf, cap, len + 1);
        buf[len++] = (char)c;
    }
    free(buf);
    return any && !*bad;
}

/* ---- grouping ------------------------------------------------------------------------- */

struct point {
    char **values; /* swept values (owned) */
    size_t nruns, cap;
    double *samples; /* nruns x metric_field_count */
};

struct table {
    size_t naxes;
    char **paths; /* swept key columns (owned) */
    size_t *col;  /* metric_fields[j] -> CSV column, or SIZE_MAX if absent */
    size_t npoints, cap;
    struct point *pts;
};

static bool header(struct table *t, const struct row *h, const char *path)
{
    if (h->n < 3 || strcmp(h->f[0], "run") || strcmp(h->f[1], "rep") || strcmp(h->f[2], "seed")) {
        fprintf(stderr, "atlas-sim analyze: %s:1: expected a header starting run,rep,seed\n", path);
        return false;
    }
    size_t first = 3;
    while (first < h->n && points_field_index(h->f[first]) == metric_field_count)
        first++;
    t->naxes = first - 3;
    t->paths = xcalloc(t->naxes + 1, sizeof(*t->paths));
    for (size_t i = 0; i < t->naxes; i++)
        t->paths[i] = xstrdup(h->f[3 + i]);
    t->col = xcalloc(metric_field_count, sizeof(*t->col));
    for (size_t j = 0; j < metric_field_count; j++) {
        t->col[j] = SIZE_MAX;
        for (size_t c = first; c < h->n; c++)
            if (strcmp(h->f[c], metric_fields[j].name) == 0)
                t->col[j] = c;
    }
    return true;
}

static struct point *find_point(struct table *t, const struct row *r)
{
    for (size_t k = t->npoints; k-- > 0;) { /* rows of a point are usually adjacent */
        size_t a = 0;
        while (a < t->naxes && strcmp(t->pts[k].values[a], r->f[3 + a]) == 0)
            a++;
        if (a == t->naxes)
            return &t->pts[k];
    }
    XGROW(t->pts, t->cap, t->npoints + 1);
    struct point *p = &t->pts[t->npoints++];
    memset(p, 0, sizeof(*p));
    p->values = xcalloc(t->naxes + 1, sizeof(*p->values));
    for (size_t a = 0; a < t->naxes; a++)
        p->values[a] = xstrdup(r->f[3 + a]);
    return p;
}

static bool add_row(struct table *t, const struct row *r, const char *path, unsigned line)
{
    if (r->n < 3 + t->naxes) {
        fprintf(stderr, "atlas-sim analyze: %s:%u: too few fields\n", path, line);
        return false;
    }
    struct point *p = find_point(t, r);
    XGROW(p->samples, p->cap, (p->nruns + 1) * metric_field_count);
    double *s = p->samples + p->nruns++ * metric_field_count;
    for (size_t j = 0; j < metric_field_count; j++) {
        /* a hash (fingerprint) is an opaque string, never aggregated */
        bool hash = metric_fields[j].kind == METRIC_HASH;
        const char *v = t->col[j] < r->n && !hash ? r->f[t->col[j]] : "NA";
        char *end;
        s[j] = strcmp(v, "NA") == 0 || v[0] == '\0' ? NAN : strtod(v, &end);
        if (!isnan(s[j]) && *end) {
            fprintf(stderr, "atlas-sim analyze: %s:%u: %s: '%s' is not a number\n", path, line,
                    metric_fields[j].name, v);
            return false;
        }
    }
    return true;
}

static bool load(struct table *t, const char *path)
{
    FILE *in = fopen(path, "r");
    if (!in) {
        fprintf(stderr, "atlas-sim analyze: %s: cannot read\n", path);
        return false;
    }
    struct row r = {0};
    bool bad = false, ok = csv_read(in, &r, &bad) && header(t, &r, path);
    for (unsigned line = 2; ok && csv_read(in, &r, &bad); line++)
        ok = add_row(t, &r, path, line);
    if (ok && bad) {
        fprintf(stderr, "atlas-sim analyze: %s: unterminated quoted field\n", path);
        ok = false;
    }
    row_clear(&r);
    free(r.f);
    fclose(in);
    return ok;
}

static void table_fini(struct table *t)
{
    for (size_t k = 0; k < t->npoints; k++) {
        sweep_values_free(t->naxes, t->pts[k].values);
        free(t->pts[k].samples);
    }
    free(t->pts);
    sweep_values_free(t->naxes, t->paths);
    free(t->col);
}

/* ---- output --------------------------------------------------------------------------- */

/* %.6g, or NA for a value that does not exist. */
static const char *short_real(double x, char *buf, size_t len)
{
    if (isnan(x))
        return "NA";
    snprintf(buf, len, "%.6g", x);
    return buf;
}

static void print_point(const struct table *t, const struct point *p, const size_t *metrics,
                        size_t nmetrics)
{
    char m[32], lo[32], hi[32];
    for (size_t a = 0; a < t->naxes; a++)
        printf("%s%s=%s", a ? "  " : "", t->paths[a], p->values[a]);
    printf("%sn=%zu\n", t->naxes ? "  " : "", p->nruns);
    for (size_t i = 0; i < nmetrics; i++) {
        struct stats_summary s;
        points_metric_stats(p->samples, p->nruns, metrics[i], &s);
        printf("  %-20s %-12s 95%% CI [%s, %s]\n", metric_fields[metrics[i]].name,
               short_real(s.mean, m, sizeof(m)), short_real(s.ci_lo, lo, sizeof(lo)),
               short_real(s.ci_hi, hi, sizeof(hi)));
    }
}

static void fill_points(FILE *f, const struct table *t)
{
    points_write_header(f, t->naxes, (const char *const *)t->paths);
    for (size_t k = 0; k < t->npoints; k++)
        points_write_row(f, t->naxes, (const char *const *)t->pts[k].values, t->pts[k].samples,
                         t->pts[k].nruns);
}

static bool write_points(const struct table *t, const char *out)
{
    if (strcmp(out, "-") == 0) {
        fill_points(stdout, t);
        return true;
    }
    size_t n = strlen(out) + 8;
    char *tmp = xmalloc(n);
    snprintf(tmp, n, "%s.tmp", out);
    FILE *f = fopen(tmp, "w");
    bool ok = f != NULL;
    if (ok) {
        fill_points(f, t);
        ok = fflush(f) == 0 && !ferror(f);
        ok = fclose(f) == 0 && ok && rename(tmp, out) == 0;
        if (!ok)
            remove(tmp);
    }
    if (!ok)
        fprintf(stderr, "atlas-sim analyze: %s: cannot write\n", out);
    free(tmp);
    return ok;
}

struct options {
    const char *dir, *out;
    bool quiet;
    size_t nmetrics;
    size_t *metrics;
};

static int parse_args(int argc, char **argv, struct options *o)
{
    o->metrics = xcalloc((size_t)argc + 2, sizeof(*o->metrics));
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return -1;
        } else if (strcmp(a, "-o") == 0 && i + 1 < argc) {
            o->out = argv[++i];
        } else if (strcmp(a, "--metric") == 0 && i + 1 < argc) {
            size_t j = points_field_index(argv[++i]);
            if (j == metric_field_count) {
                fprintf(stderr, "atlas-sim analyze: unknown metric '%s'\n", argv[i]);
                return EXIT_USAGE;
            }
            o->metrics[o->nmetrics++] = j;
        } else if (strcmp(a, "--quiet") == 0) {
            o->quiet = true;
        } else if (a[0] == '-' || o->dir) {
            fprintf(stderr, "atlas-sim analyze: unexpected argument '%s'\n\n", a);
            usage(stderr);
            return EXIT_USAGE;
        } else {
            o->dir = a;
        }
    }
    if (!o->dir) {
        usage(stderr);
        return EXIT_USAGE;
    }
    static const char *const defaults[] = {"approval_rate", "decision_mean_s"};
    bool given = o->nmetrics > 0;
    for (size_t i = 0; !given && i < 2; i++)
        if (points_field_index(defaults[i]) < metric_field_count)
            o->metrics[o->nmetrics++] = points_field_index(defaults[i]);
    return EXIT_OK;
}

int cmd_analyze(int argc, char **argv)
{
    struct options o = {0};
    struct table t = {0};
    int rc = parse_args(argc, argv, &o);
    if (rc == EXIT_OK) {
        size_t n = strlen(o.dir) + 16;
        char *path = xmalloc(n);
        snprintf(path, n, "%s/summary.csv", o.dir);
        rc = load(&t, path) ? EXIT_OK : EXIT_USAGE;
        free(path);
    }
    bool to_stdout = o.out && strcmp(o.out, "-") == 0;
    for (size_t k = 0; rc == EXIT_OK && !o.quiet && !to_stdout && k < t.npoints; k++)
        print_point(&t, &t.pts[k], o.metrics, o.nmetrics);
    if (rc == EXIT_OK && o.out && !write_points(&t, o.out))
        rc = EXIT_USAGE;
    table_fini(&t);
    free(o.metrics);
    return rc < 0 ? EXIT_OK : rc;
}
