/* report: per-point statistics, the table and analysis.csv (see report.h). */
#include "analysis/report.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/byzantine.h"
#include "analysis/csvwrite.h"
#include "analysis/decisions.h"
#include "analysis/estimate.h"
#include "core/xalloc.h"

enum { P_NODES, P_QUORUM, P_APPROVAL, P_FAULTS, P_DURATION, P_COUNT };
static const char *const param_names[P_COUNT] = {"nodes", "quorum", "approval", "faults",
                                                 "duration_s"};

enum {
    O_APPROVED,
    O_REJECTED,
    O_TIMEOUT,
    O_NO_QUORUM,
    O_INVALID,
    O_ABORTED,
    O_UNDECIDED, /* optional: folders written before it existed have no such column */
    O_COUNT
};
static const char *const outcome_names[O_COUNT] = {"approved", "rejected", "timeout",  "no_quorum",
                                                   "invalid",  "aborted",  "undecided"};

enum { D_MEAN, D_P50, D_P90, D_P99, D_COUNT };
static const char *const decision_names[D_COUNT] = {"decision_mean_s", "decision_p50_s",
                                                    "decision_p90_s", "decision_p99_s"};
static const double decision_q[D_COUNT] = {0, 0.5, 0.9, 0.99};
/* The same over approved proposals only; optional (folders written before them lack them). */
static const char *const commit_names[D_COUNT] = {"commit_mean_s", "commit_p50_s", "commit_p90_s",
                                                  "commit_p99_s"};

/* summary.csv column indices. */
struct columns {
    size_t param[P_COUNT];
    size_t proposals;
    size_t outcome[O_COUNT];
    size_t decision[D_COUNT];
    size_t commit[D_COUNT]; /* SIZE_MAX where the folder has no such column */
    size_t false_suspicions, detections, detection_mean, diverged;
    size_t violations; /* safety_violations, or SIZE_MAX when the folder has no such column */
};

struct result {
    size_t runs;
    const char *param[P_COUNT]; /* the point's scenario columns as in summary.csv */
    uint64_t nodes, quorum;
    double approval; /* NAN for NA */
    bool faults;
    bool byzantine;             /* faults column 2: Byzantine nodes are the only fault source */
    struct byzantine_count byz; /* read from the point's first run's events.csv */
    double duration_s;
    uint64_t proposals, outcome[O_COUNT]; /* sums over the runs */
    double rate, lo, hi, expected;        /* approval rate, Wilson interval, closed form */
    bool pooled;                          /* decisions from outcomes.csv */
    size_t ndecided;                      /* pooled: decided proposals */
    double decision[D_COUNT];
    double commit[D_COUNT]; /* approved proposals only */
    size_t ncommitted;      /* pooled: approved proposals */
    uint64_t false_suspicions, detections;
    double fs_rate;        /* false suspicions per node-hour */
    double detection_mean; /* seconds, weighted by detections */
    double diverged;       /* mean per run */
    size_t diverged_runs;  /* runs with at least one diverged replica */
    uint64_t violations;   /* safety violations summed over the runs */
    size_t violating_runs; /* runs with at least one */
    struct estimate_mean *extra;
};

struct report {
    const struct folder *f;
    struct columns c;
    size_t nextra;
    size_t *extra_col; /* summary.csv column of each extra metric */
    struct result *res;
};

void report_free(struct report *r)
{
    if (!r)
        return;
    for (size_t p = 0; r->res && p < r->f->npoints; p++)
        free(r->res[p].extra);
    free(r->res);
    free(r->extra_col);
    free(r);
}

static bool find_columns(struct report *r, const char *const *metrics, struct errbuf *e)
{
    const struct folder *f = r->f;
    struct columns *c = &r->c;
    bool ok = folder_need(f, "proposals", &c->proposals, e) &&
              folder_need(f, "false_suspicions", &c->false_suspicions, e) &&
              folder_need(f, "detections", &c->detections, e) &&
              folder_need(f, "detection_mean_s", &c->detection_mean, e) &&
              folder_need(f, "diverged_replicas", &c->diverged, e);
    c->violations = folder_column(f, "safety_violations"); /* optional */
    for (size_t k = 0; ok && k < P_COUNT; k++)
        ok = folder_need(f, param_names[k], &c->param[k], e);
    for (size_t k = 0; ok && k < O_UNDECIDED; k++)
        ok = folder_need(f, outcome_names[k], &c->outcome[k], e);
    c->outcome[O_UNDECIDED] = folder_column(f, outcome_names[O_UNDECIDED]);
    for (size_t k = 0; ok && k < D_COUNT; k++) {
        ok = folder_need(f, decision_names[k], &c->decision[k], e);
        c->commit[k] = folder_column(f, commit_names[k]);
    }
    for (size_t k = 0; ok && k < r->nextra; k++)
        ok = folder_need(f, metrics[k], &r->extra_col[k], e);
    return ok;
}

/* The scenario columns: equal in every run of the point, parsed from the first. */
static bool point_params(const struct folder *f, const struct columns *c,
                         const struct folder_point *p, struct result *res, struct errbuf *e)
{
    size_t first = p->rows[0];
    for (size_t k = 0; k < P_COUNT; k++) {
        res->param[k] = folder_cell(f, first, c->param[k]);
        for (size_t i = 1; i < p->nrows; i++) {
            const char *v = folder_cell(f, p->rows[i], c->param[k]);
            if (strcmp(v, res->param[k]) != 0) {
                errbuf_set(e, "%s:%lu: %s is '%s', but line %lu of the same point has '%s'",
                           f->summary, f->lines[p->rows[i]], param_names[k], v, f->lines[first],
                           res->param[k]);
                return false;
            }
        }
    }
    uint64_t faults;
    if (!folder_u64(f, first, c->param[P_NODES], &res->nodes, e) ||
        !folder_u64(f, first, c->param[P_QUORUM], &res->quorum, e) ||
        !folder_real(f, first, c->param[P_APPROVAL], &res->approval, e) ||
        !folder_real(f, first, c->param[P_DURATION], &res->duration_s, e) ||
        !folder_u64(f, first, c->param[P_FAULTS], &faults, e))
        return false;
    if (faults > 2 || res->nodes > UINT32_MAX ||
        (!isnan(res->approval) && (res->approval < 0 || res->approval > 1))) {
        errbuf_set(e, "%s:%lu: faults must be 0, 1 or 2, nodes at most %u and approval in [0, 1]",
                   f->summary, f->lines[first], UINT32_MAX);
        return false;
    }
    res->faults = faults == 1;
    res->byzantine = faults == 2;
    return !res->byzantine || byzantine_read(f, first, &res->byz, e);
}

/* Sums of the counts over the runs; detection latency weighted by detections. */
static bool point_sums(const struct folder *f, const struct columns *c,
                       const struct folder_point *p, struct result *res, struct errbuf *e)
{
    double detection_sum = 0, diverged_sum = 0;
    for (size_t i = 0; i < p->nrows; i++) {
        size_t row = p->rows[i];
        uint64_t v, det, div, fs;
        double dm;
        if (!folder_u64(f, row, c->proposals, &v, e))
            return false;
        res->proposals += v;
        uint64_t decided = 0, proposals = v;
        for (size_t k = 0; k < O_COUNT; k++) {
            if (c->outcome[k] == SIZE_MAX) /* an optional column the folder lacks */
                continue;
            if (!folder_u64(f, row, c->outcome[k], &v, e))
                return false;
            res->outcome[k] += v;
            if (decided <= proposals) /* UINT64_MAX once past proposals: no wrap-around */
                decided = v > proposals - decided ? UINT64_MAX : decided + v;
        }
        if (decided > proposals) {
            errbuf_set(e,
                       "%s:%lu: approved + rejected + timeout + no_quorum + invalid + aborted "
                       "+ undecided is more than proposals (%llu)",
                       f->summary, f->lines[row], (unsigned long long)proposals);
            return false;
        }
        if (!folder_u64(f, row, c->false_suspicions, &fs, e) ||
            !folder_u64(f, row, c->detections, &det, e) ||
            !folder_real(f, row, c->detection_mean, &dm, e) ||
            !folder_u64(f, row, c->diverged, &div, e))
            return false;
        if (det > 0 && isnan(dm)) {
            errbuf_set(e, "%s:%lu: detection_mean_s is NA with %llu detections", f->summary,
                       f->lines[row], (unsigned long long)det);
            return false;
        }
        if (c->violations != SIZE_MAX) {
            uint64_t sv;
            if (!folder_u64(f, row, c->violations, &sv, e))
                return false;
            res->violations += sv;
            res->violating_runs += sv > 0;
        }
        res->false_suspicions += fs;
        res->detections += det;
        detection_sum += det ? dm * (double)det : 0;
        diverged_sum += (double)div;
        res->diverged_runs += div > 0;
    }
    res->detection_mean = res->detections ? detection_sum / (double)res->detections : NAN;
    res->diverged = diverged_sum / (double)p->nrows;
    double node_hours = (double)p->nrows * (double)res->nodes * res->duration_s / 3600;
    res->fs_rate = node_hours > 0 ? (double)res->false_suspicions / node_hours : NAN;
    return true;
}

static void point_approval(struct result *res)
{
    res->rate = res->proposals ? (double)res->outcome[O_APPROVED] / (double)res->proposals : NAN;
    estimate_wilson95(res->outcome[O_APPROVED], res->proposals, &res->lo, &res->hi);
    res->expected = NAN;
    if (res->faults || isnan(res->approval) || (res->byzantine && !res->byz.known))
        return;
    res->expected = res->byzantine
                        ? byzantine_approval(res->nodes, res->approval, res->quorum, &res->byz)
                        : estimate_binomial_at_least(res->nodes, res->approval, res->quorum);
}

/* Mean and t interval of summary.csv column col over the point's runs (NA skipped). */
static bool column_mean(const struct folder *f, const struct folder_point *pt, size_t col,
                        struct estimate_mean *m, struct errbuf *e)
{
    double *x = xcalloc(pt->nrows, sizeof(*x));
    bool ok = true;
    for (size_t i = 0; ok && i < pt->nrows; i++)
        ok = folder_real(f, pt->rows[i], col, &x[i], e);
    if (ok)
        estimate_mean(x, pt->nrows, m);
    free(x);
    return ok;
}

/* Mean and nearest-rank quantiles of n sorted times in ns, in seconds (NAN when n is 0). */
static void time_stats(const uint64_t *ns, size_t n, double out[D_COUNT])
{
    for (size_t k = 0; k < D_COUNT; k++)
        out[k] = NAN;
    if (!n)
        return;
    double sum = 0; /* in ascending order, as the simulator sums its own */
    for (size_t i = 0; i < n; i++)
        sum += (double)ns[i];
    out[D_MEAN] = sum / (double)n / 1e9;
    for (size_t k = D_P50; k < D_COUNT; k++)
        out[k] = (double)ns[estimate_rank(n, decision_q[k])] / 1e9;
}

/* Pooled from outcomes.csv when every run has one; else the mean of the per-run values. */
static bool point_decisions(const struct folder *f, const struct columns *c, size_t p,
                            struct result *res, struct errbuf *e)
{
    struct decisions d;
    enum decisions_status s = decisions_load(f, p, &d, e);
    if (s == DECISIONS_ERROR)
        return false;
    res->pooled = s == DECISIONS_OK;
    res->ndecided = d.n;
    res->ncommitted = d.ncommit;
    time_stats(d.ns, d.n, res->decision);
    time_stats(d.commit_ns, d.ncommit, res->commit);
    decisions_free(&d);
    if (res->pooled)
        return true;
    for (size_t k = 0; k < D_COUNT; k++) {
        struct estimate_mean m;
        if (!column_mean(f, &f->pt[p], c->decision[k], &m, e))
            return false;
        res->decision[k] = m.mean;
        if (c->commit[k] == SIZE_MAX)
            continue;
        if (!column_mean(f, &f->pt[p], c->commit[k], &m, e))
            return false;
        res->commit[k] = m.mean;
    }
    return true;
}

static bool point_extra(const struct report *r, size_t p, struct result *res, struct errbuf *e)
{
    bool ok = true;
    res->extra = xcalloc(r->nextra ? r->nextra : 1, sizeof(*res->extra));
    for (size_t k = 0; ok && k < r->nextra; k++)
        ok = column_mean(r->f, &r->f->pt[p], r->extra_col[k], &res->extra[k], e);
    return ok;
}

struct report *report_new(const struct folder *f, const char *const *metrics, size_t nmetrics,
                          struct errbuf *e)
{
    struct report *r = xcalloc(1, sizeof(*r));
    r->f = f;
    r->nextra = nmetrics;
    r->extra_col = xcalloc(nmetrics ? nmetrics : 1, sizeof(*r->extra_col));
    bool ok = find_columns(r, metrics, e);
    r->res = xcalloc(f->npoints, sizeof(*r->res));
    for (size_t p = 0; ok && p < f->npoints; p++) {
        struct result *res = &r->res[p];
        res->runs = f->pt[p].nrows;
        ok = point_params(f, &r->c, &f->pt[p], res, e) && point_sums(f, &r->c, &f->pt[p], res, e) &&
             point_decisions(f, &r->c, p, res, e) && point_extra(r, p, res, e);
        if (ok)
            point_approval(res);
    }
    if (!ok) {
        report_free(r);
        return NULL;
    }
    return r;
}

/* ---- the table ------------------------------------------------------------------------ */

/* %.6g, or NA. */
static const char *num(double x, char *buf)
{
    if (isnan(x))
        return "NA";
    snprintf(buf, 32, "%.6g", x);
    return buf;
}

static void print_title(const struct report *r, size_t p, FILE *out)
{
    const struct folder *f = r->f;
    const struct folder_point *pt = &f->pt[p];
    for (size_t a = 0; a < f->naxes; a++)
        if (!folder_axis_in_seconds(f, a)) /* KEY_s repeats KEY in seconds */
            fprintf(out, "%s%s=%s", a ? "  " : "", f->cols[f->axis0 + a],
                    folder_axis_value(f, p, a));
    if (f->naxes)
        fprintf(out, "  (point %zu of %zu, %zu run%s)\n", p + 1, f->npoints, pt->nrows,
                pt->nrows == 1 ? "" : "s");
    else if (pt->nrows == 1)
        fprintf(out, "run %s (seed %s)\n", folder_cell(f, pt->rows[0], f->run),
                folder_cell(f, pt->rows[0], f->seed));
    else
        fprintf(out, "all %zu runs (no swept key)\n", pt->nrows);
}

static void print_approval(const struct result *res, FILE *out)
{
    char a[32], b[32], c[32];
    fprintf(out, "  %-19s %s  95%% Wilson [%s, %s]", "approval rate", num(res->rate, a),
            num(res->lo, b), num(res->hi, c));
    if (res->faults)
        fprintf(out, "  closed form: n/a (the scenario has faults)\n");
    else if (isnan(res->approval))
        fprintf(out, "  closed form: n/a (per-node approvals)\n");
    else if (res->byzantine && !res->byz.known)
        fprintf(out, "  closed form: n/a (Byzantine nodes: no events.csv to count them)\n");
    else if (res->byzantine)
        fprintf(out,
                "  closed form with %llu Byzantine (%llu YES to the proposer) P[Bin(%llu, %s) "
                ">= %llu] = %s\n",
                (unsigned long long)res->byz.b, (unsigned long long)res->byz.yes,
                (unsigned long long)(res->nodes - res->byz.b), res->param[P_APPROVAL],
                (unsigned long long)(res->quorum > res->byz.yes ? res->quorum - res->byz.yes : 0),
                num(res->expected, a));
    else
        fprintf(out, "  closed form P[Bin(%llu, %s) >= %llu] = %s\n",
                (unsigned long long)res->nodes, res->param[P_APPROVAL],
                (unsigned long long)res->quorum, num(res->expected, a));
    uint64_t valid = res->proposals - res->outcome[O_INVALID];
    if (res->outcome[O_INVALID] && valid)
        fprintf(out, "  %-19s %s  (approved / valid proposals, to compare with the closed form)\n",
                "valid approved", num((double)res->outcome[O_APPROVED] / (double)valid, a));
}

static void print_decisions(const struct result *res, FILE *out)
{
    char m[32], q[3][32];
    fprintf(out, "  %-19s mean %s  p50 %s  p90 %s  p99 %s  ", "decision (s)",
            num(res->decision[D_MEAN], m), num(res->decision[D_P50], q[0]),
            num(res->decision[D_P90], q[1]), num(res->decision[D_P99], q[2]));
    if (res->pooled)
        fprintf(out, "(pooled: %zu decided proposals in outcomes.csv)\n", res->ndecided);
    else
        fprintf(out, "(mean over runs of summary.csv's per-run values)\n");
    fprintf(out, "  %-19s mean %s  p50 %s  p90 %s  p99 %s  ", "commit (s)",
            num(res->commit[D_MEAN], m), num(res->commit[D_P50], q[0]),
            num(res->commit[D_P90], q[1]), num(res->commit[D_P99], q[2]));
    if (res->pooled)
        fprintf(out, "(approved only: %zu)\n", res->ncommitted);
    else
        fprintf(out, "(approved only)\n");
}

static void print_point(const struct report *r, size_t p, FILE *out)
{
    const struct result *res = &r->res[p];
    char a[32], b[32], c[32];
    print_title(r, p, out);
    fprintf(out, "  %-19s nodes %s, quorum %s, approval %s, %s s, %s\n", "scenario",
            res->param[P_NODES], res->param[P_QUORUM], res->param[P_APPROVAL],
            res->param[P_DURATION],
            res->faults      ? "faults"
            : res->byzantine ? "Byzantine nodes only"
                             : "no faults");
    fprintf(out, "  %-19s %llu:", "proposals", (unsigned long long)res->proposals);
    for (size_t k = 0; k < O_COUNT; k++)
        fprintf(out, "%s %s %llu", k ? "," : "", outcome_names[k],
                (unsigned long long)res->outcome[k]);
    fputc('\n', out);
    print_approval(res, out);
    print_decisions(res, out);
    fprintf(out, "  %-19s %s per node-hour (%llu in %zu run%s)\n", "false suspicions",
            num(res->fs_rate, a), (unsigned long long)res->false_suspicions, res->runs,
            res->runs == 1 ? "" : "s");
    if (res->detections)
        fprintf(out, "  %-19s mean %s s over %llu detected crashes\n", "crash detection",
                num(res->detection_mean, a), (unsigned long long)res->detections);
    else
        fprintf(out, "  %-19s NA (no crash detected)\n", "crash detection");
    fprintf(out, "  %-19s %s per run\n", "diverged replicas", num(res->diverged, a));
    if (res->diverged > 0) /* as loud as a violation: the replicas do not agree */
        fprintf(out,
                "  %-19s in %zu of %zu run%s, %s per run: replicas ended in different states "
                "(missed commits not repaired; README: 'What each protocol guarantees')\n",
                "REPLICAS DIVERGED", res->diverged_runs, res->runs, res->runs == 1 ? "" : "s",
                num(res->diverged, a));
    if (res->violations) /* shown only when the checker found a broken invariant */
        fprintf(out, "  %-19s %llu in %zu of %zu run%s (the 'violation' rows of events.csv)\n",
                "SAFETY VIOLATIONS", (unsigned long long)res->violations, res->violating_runs,
                res->runs, res->runs == 1 ? "" : "s");
    for (size_t k = 0; k < r->nextra; k++) {
        const struct estimate_mean *m = &res->extra[k];
        fprintf(out, "  %-19s mean %s  95%% CI [%s, %s]  (%zu run%s with a value)\n",
                r->f->cols[r->extra_col[k]], num(m->mean, a), num(m->ci_lo, b), num(m->ci_hi, c),
                m->n, m->n == 1 ? "" : "s");
    }
}

void report_print(const struct report *r, FILE *out)
{
    for (size_t p = 0; p < r->f->npoints; p++)
        print_point(r, p, out);
}

/* ---- analysis.csv --------------------------------------------------------------------- */

static void write_header(const struct report *r, struct csvwrite *w)
{
    static const char *const cols[] = {"runs",
                                       "nodes",
                                       "quorum",
                                       "approval",
                                       "faults",
                                       "proposals",
                                       "approved",
                                       "rejected",
                                       "timeout",
                                       "no_quorum",
                                       "invalid",
                                       "aborted",
                                       "undecided",
                                       "approval_rate",
                                       "approval_ci95_lo",
                                       "approval_ci95_hi",
                                       "expected_approval",
                                       "decision_mean_s",
                                       "decision_p50_s",
                                       "decision_p90_s",
                                       "decision_p99_s",
                                       "commit_mean_s",
                                       "commit_p50_s",
                                       "commit_p90_s",
                                       "commit_p99_s",
                                       "false_suspicions_per_node_hour",
                                       "detection_mean_s",
                                       "diverged_replicas",
                                       "decision_source"};
    static const char *const extra[] = {"mean", "ci95_lo", "ci95_hi"};
    const struct folder *f = r->f;
    for (size_t a = 0; a < f->naxes; a++)
        csvwrite_str(w, f->cols[f->axis0 + a]);
    for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
        csvwrite_str(w, cols[i]);
    for (size_t k = 0; k < r->nextra; k++)
        for (size_t i = 0; i < 3; i++) {
            char name[256];
            snprintf(name, sizeof(name), "%s_%s", f->cols[r->extra_col[k]], extra[i]);
            csvwrite_str(w, name);
        }
    csvwrite_end(w);
}

static void write_row(const struct report *r, size_t p, struct csvwrite *w)
{
    const struct result *res = &r->res[p];
    for (size_t a = 0; a < r->f->naxes; a++)
        csvwrite_str(w, folder_axis_value(r->f, p, a));
    csvwrite_u64(w, res->runs);
    for (size_t k = 0; k < P_DURATION; k++)
        csvwrite_str(w, res->param[k]);
    csvwrite_u64(w, res->proposals);
    for (size_t k = 0; k < O_COUNT; k++)
        csvwrite_u64(w, res->outcome[k]);
    const double reals[] = {res->rate, res->lo, res->hi, res->expected};
    for (size_t i = 0; i < 4; i++)
        csvwrite_real(w, reals[i]);
    for (size_t k = 0; k < D_COUNT; k++)
        csvwrite_real(w, res->decision[k]);
    for (size_t k = 0; k < D_COUNT; k++)
        csvwrite_real(w, res->commit[k]);
    csvwrite_real(w, res->fs_rate);
    csvwrite_real(w, res->detection_mean);
    csvwrite_real(w, res->diverged);
    csvwrite_str(w, res->pooled ? "outcomes" : "summary");
    for (size_t k = 0; k < r->nextra; k++) {
        csvwrite_real(w, res->extra[k].mean);
        csvwrite_real(w, res->extra[k].ci_lo);
        csvwrite_real(w, res->extra[k].ci_hi);
    }
    csvwrite_end(w);
}

static void write_all(const struct report *r, struct csvwrite *w)
{
    write_header(r, w);
    for (size_t p = 0; p < r->f->npoints; p++)
        write_row(r, p, w);
}

void report_write_csv(const struct report *r, FILE *out)
{
    struct csvwrite w;
    csvwrite_init(&w, out);
    write_all(r, &w);
}

bool report_save(const struct report *r, const char *path, struct errbuf *e)
{
    struct csvwrite w;
    if (!csvwrite_create(&w, path, e))
        return false;
    write_all(r, &w);
    return csvwrite_commit(&w, e);
}

/* ---- overview ------------------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Distinct texts of scenario column k over the points, NA not counted. */
static size_t distinct(const struct report *r, size_t k)
{
    size_t n = r->f->npoints, m = 0, d = 0;
    const char **v = xcalloc(n, sizeof(*v));
    for (size_t p = 0; p < n; p++)
        if (strcmp(r->res[p].param[k], "NA") != 0)
            v[m++] = r->res[p].param[k];
    qsort(v, m, sizeof(*v), cmp_str);
    for (size_t i = 0; i < m; i++)
        d += i == 0 || strcmp(v[i], v[i - 1]) != 0;
    free(v);
    return d;
}

void report_overview(const struct report *r, struct report_overview *o)
{
    *o = (struct report_overview){.points = r->f->npoints};
    for (size_t p = 0; p < r->f->npoints; p++)
        if (r->res[p].pooled) {
            o->pooled_points++;
            o->pooled_decided += r->res[p].ndecided;
            o->pooled_committed += r->res[p].ncommitted;
        }
    o->approvals = distinct(r, P_APPROVAL);
    o->node_counts = distinct(r, P_NODES);
}
