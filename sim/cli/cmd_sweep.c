/* cmd_sweep: `atlas-sim sweep`, a parameter study over points x replications. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/xalloc.h"
#include "sim/cli/cli.h"
#include "sim/cluster/cluster.h"
#include "sim/cluster/limits.h"
#include "sim/output/outfile.h"
#include "sim/run/run.h"
#include "sim/scenario/scenario_yaml.h"
#include "sim/scenario/sweep.h"
#include "sim/sweep/sweep_dir.h"
#include "sim/sweep/sweep_exec.h"
#if defined(ATLAS_MPI)
#include "sim/sweep/sweep_mpi.h"
#endif

#define EXIT_INTERRUPTED 130

static void usage(FILE *f)
{
    fprintf(f,
            "usage: atlas-sim sweep FILE.yaml [-o DIR] [-j N] [--shard K/N] [--resume]\n"
            "                       [--seed N] [--set KEY=VALUE]... [--traces] [--quiet]\n"
            "\n"
            "Runs every point of the scenario's sweep.params (the Cartesian product, the last\n"
            "key varying fastest) sweep.replications times and writes DIR/summary.csv (one row\n"
            "per run: run,rep,seed, the swept keys, the metrics) and DIR/points.csv (per point:\n"
            "n and the mean, sd and 95%% confidence interval of every metric: Student t for\n"
            "counts and times; for proportions such as approval_rate the pooled rate, e.g.\n"
            "sum(approved) / sum(proposals), with its Wilson score interval).\n"
            "Replication r of every point uses the same seed: the r-th SplitMix64 output of\n"
            "the scenario's seed (common random numbers). The output does not depend on -j.\n"
            "\n"
            "  -o DIR           output folder (default out/NAME-sweep); also --out DIR\n"
            "  -j N             worker processes (default: the number of cores); also -jN,\n"
            "                   --jobs N\n"
            "  --shard K/N      run only runs with run %% N == K-1 (job arrays); no points.csv;\n"
            "                   combine the folders with 'atlas-sim merge'\n"
            "  --resume         finish an interrupted sweep in DIR, running only missing runs\n"
            "  --set KEY=VALUE  override a key; a comma list (a,b,c) or a range\n"
            "                   ({from: 0.5, to: 0.9, step: 0.1}) makes KEY a swept key; one\n"
            "                   value for a key the file sweeps sweeps it over that value\n"
            "  --seed N         the base seed (as --set seed=N)\n"
            "  --traces         also write every run's traces into DIR/runs/RUN/\n"
            "  --quiet, -q      no progress bar (it is shown only on a terminal anyway)\n"
            "  --memory-limit SIZE  refuse the sweep (exit 2) when -j runs of its largest\n"
            "                   point, by estimated memory, and the driver's bookkeeping\n"
            "                   exceed SIZE (512M, 4G; default: MemAvailable, or the cgroup\n"
            "                   memory limit's room when smaller)\n"
            "\n"
            "Ctrl-C (or SIGTERM) stops after recording the runs already finished (exit 130),\n"
            "abandoning the runs in progress; every finished run is journaled at once\n"
            "(DIR/.journal), so --resume loses nothing even after kill -9.\n"
            "Exit codes: 0 ok, 1 a checked invariant failed in some run, 2 bad input or usage,\n"
            "130 interrupted.\n"
#if defined(ATLAS_MPI)
            "\nMPI build: under 'mpirun -np R' the ranks share the runs dynamically and rank 0\n"
            "writes DIR; -j is ignored.\n"
#endif
    );
}

struct options {
    const char *file, *dir, *memory_limit;
    unsigned jobs;
    uint32_t shard_k, shard_n;
    bool resume, traces, quiet;
    int nsets;
    char **sets;
    char *seed_set; /* --seed N as "seed=N" (owned) */
};

static bool parse_jobs(const char *s, unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (end == s || *end || errno || v < 1 || v > 4096 || s[0] == '-')
        return false;
    *out = (unsigned)v;
    return true;
}

static int parse_args(int argc, char **argv, struct options *o)
{
    *o = (struct options){.jobs = sweep_exec_cores(), .shard_k = 1, .shard_n = 1};
    o->sets = xcalloc((size_t)argc, sizeof(*o->sets));
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has_arg = i + 1 < argc;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return -1;
        } else if ((strcmp(a, "-o") == 0 || strcmp(a, "--out") == 0) && has_arg) {
            o->dir = argv[++i];
            if (!*o->dir) { /* -o "$UNSET" would write into the current folder */
                fprintf(stderr, "atlas-sim sweep: -o needs a folder name, got ''\n");
                return EXIT_USAGE;
            }
        } else if (((strcmp(a, "-j") == 0 || strcmp(a, "--jobs") == 0) && has_arg) ||
                   (strncmp(a, "-j", 2) == 0 && a[2])) {
            const char *n = a[2] && a[1] == 'j' ? a + 2 : argv[++i]; /* -j4 or -j 4 */
            if (!parse_jobs(n, &o->jobs)) {
                fprintf(stderr, "atlas-sim sweep: -j needs a number from 1 to 4096, got '%s'\n", n);
                return EXIT_USAGE;
            }
        } else if (strcmp(a, "--shard") == 0 && has_arg) {
            if (!sweep_shard_parse(argv[++i], &o->shard_k, &o->shard_n)) {
                fprintf(stderr, "atlas-sim sweep: --shard needs K/N with 1 <= K <= N, got '%s'\n",
                        argv[i]);
                return EXIT_USAGE;
            }
        } else if (strcmp(a, "--set") == 0 && has_arg) {
            o->sets[o->nsets++] = argv[++i];
        } else if (strcmp(a, "--seed") == 0 && has_arg) { /* as run's: --set seed=N */
            size_t n = strlen(argv[++i]) + 6;
            o->seed_set = xmalloc(n);
            snprintf(o->seed_set, n, "seed=%s", argv[i]);
            o->sets[o->nsets++] = o->seed_set;
        } else if (strcmp(a, "--memory-limit") == 0 && has_arg) {
            o->memory_limit = argv[++i];
        } else if (strcmp(a, "--resume") == 0) {
            o->resume = true;
        } else if (strcmp(a, "--traces") == 0) {
            o->traces = true;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            o->quiet = true;
        } else if (a[0] == '-' || o->file) {
            fprintf(stderr, "atlas-sim sweep: unexpected argument '%s'%s\n\n", a,
                    a[0] == '-' && !has_arg ? " (missing its value?)" : "");
            usage(stderr);
            return EXIT_USAGE;
        } else {
            o->file = a;
        }
    }
    if (!o->file) {
        usage(stderr);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

/* ---- the sweep's scenario and plan ----------------------------------------------------- */

struct sweep {
    struct options o;
    struct scenario_doc *doc; /* the file with plain --set overrides applied */
    struct sweep_plan plan;
    struct sweep_plan set_axes;  /* --set KEY=a,b,c and ranges, in command-line order */
    struct sweep_plan set_plain; /* --set KEY=VALUE (one value each) */
    char *dir;
    char *resolved; /* the base scenario as YAML */
    size_t resolved_len;
    uint64_t hash;
    struct sweep_store store;
    struct sweep_journal *journal;
    uint64_t invariant_runs; /* runs (this session and before) whose checker failed */
    double *point_cost;      /* per point: nodes x simulated seconds, what a run of it costs */
    struct progress {
        bool on;
        uint64_t total, done, start_done;
        double cost_total, cost_done, cost_start; /* the same, weighted by point_cost */
        struct timespec start, last;
    } progress;
    char err[512];
};

static bool apply_sets(struct sweep *s, struct diag *d)
{
    for (int i = 0; i < s->o.nsets; i++) {
        char *path, **values;
        size_t n;
        bool axis;
        if (!sweep_parse_set(s->o.sets[i], &path, &axis, &n, &values, s->err, sizeof(s->err))) {
            diag_error(d, "--set", 0, 0, NULL, "%s", s->err);
            continue;
        }
        if (axis) {
            sweep_plan_set_axis(&s->set_axes, path, n, (const char *const *)values);
        } else {
            sweep_plan_set_axis(&s->set_plain, path, n, (const char *const *)values);
            scenario_doc_set(s->doc, path, values[0], "--set", d);
        }
        free(path);
        sweep_values_free(n, values);
    }
    return diag_ok(d);
}

/* Whether path a is b or inside it (b a prefix of a at a key boundary). */
static bool within(const char *a, const char *b)
{
    size_t n = strlen(b);
    return strncmp(a, b, n) == 0 && (!a[n] || a[n] == '.' || a[n] == '[');
}

/* The swept key that key path `key` is, is inside, or contains; SIZE_MAX if none. */
static size_t axis_of_key(const struct sweep_plan *p, const char *key)
{
    for (size_t a = 0; key && a < p->naxes; a++)
        if (within(key, p->axes[a].path) || within(p->axes[a].path, key))
            return a;
    return SIZE_MAX;
}

/*
 * The problems of a point's value, moved from the value's own text ("sweep.params:1:1") to
 * where the file gives it (or to the --set that gave it), with what to write when a swept
 * distribution parameter has no distribution to belong to.
 */
static void add_point_diags(const struct sweep *s, uint64_t point, const struct diag *in,
                            struct diag *d)
{
    for (size_t i = 0; i < in->n; i++) {
        const struct diag_item *it = &in->items[i];
        size_t a = axis_of_key(&s->plan, it->key);
        const char *file = it->file;
        unsigned line = it->line, col = it->col;
        char hint[320] = "";
        if (file && strcmp(file, "sweep.params") == 0 && a != SIZE_MAX) {
            const char *v = sweep_point_value(&s->plan, point, a);
            file = scenario_doc_sweep_value_at(s->doc, s->plan.axes[a].path, v, &line, &col)
                       ? s->o.file
                       : "--set";
            const char *dot = strrchr(s->plan.axes[a].path, '.');
            if (strstr(it->msg, "missing key 'dist'") && dot)
                snprintf(hint, sizeof(hint),
                         "; %.*s is not a distribution with a parameter '%s' in the base "
                         "scenario (a bare duration or the default is a constant): give the "
                         "whole distribution in the file, e.g. {dist: lognormal, median: 20ms, "
                         "%s: 0.5}, then sweep %s",
                         (int)(dot - s->plan.axes[a].path), s->plan.axes[a].path, dot + 1, dot + 1,
                         s->plan.axes[a].path);
        }
        char msg[768];
        snprintf(msg, sizeof(msg), "%s%s", it->msg, hint);
        bool seen = false; /* one report of a problem, however many points share it */
        for (size_t k = 0; k < d->n && !seen; k++)
            seen = d->items[k].line == line && d->items[k].col == col &&
                   strcmp(d->items[k].msg, msg) == 0;
        if (!seen)
            diag_error(d, file, line, col, it->key, "%s", msg);
    }
}

/* Resolve the scenario of one point (seed of replication rep) into *sc. */
static bool resolve_point(const struct sweep *s, uint64_t point, struct scenario *sc,
                          struct diag *d)
{
    struct scenario_doc *doc = scenario_doc_clone(s->doc);
    struct diag mine;
    diag_init(&mine);
    bool ok = true;
    for (size_t a = 0; a < s->plan.naxes && ok; a++)
        ok = scenario_doc_set(doc, s->plan.axes[a].path, sweep_point_value(&s->plan, point, a),
                              "sweep.params", &mine);
    ok = ok && scenario_doc_resolve(doc, sc, &mine);
    add_point_diags(s, point, &mine, d);
    diag_fini(&mine);
    scenario_doc_free(doc);
    return ok;
}

/* Order of sweep values: numbers (the whole text) by value, before other texts by bytes. */
static int value_cmp(const void *pa, const void *pb)
{
    const char *a = *(const char *const *)pa, *b = *(const char *const *)pb;
    char *ea, *eb;
    double x = strtod(a, &ea), y = strtod(b, &eb);
    bool na = ea != a && *ea == '\0', nb = eb != b && *eb == '\0';
    if (na != nb)
        return na ? -1 : 1;
    if (na)
        return (x > y) - (x < y);
    return strcmp(a, b);
}

/*
 * No swept key takes one value twice ("0.7,0.7", or 0.7 and 0.70): the two points' runs
 * would be identical (common random numbers), and `analyze`, pooling a point's runs by
 * their values, would count each of them twice and report too narrow an interval.
 */
static bool check_distinct(const struct sweep_plan *p, const char *file, struct diag *d)
{
    for (size_t a = 0; a < p->naxes; a++) {
        const struct sweep_axis *x = &p->axes[a];
        char **v = xcalloc(x->nvalues, sizeof(*v));
        memcpy(v, x->values, x->nvalues * sizeof(*v));
        qsort(v, x->nvalues, sizeof(*v), value_cmp);
        for (size_t i = 1; i < x->nvalues; i++)
            if (value_cmp(&v[i - 1], &v[i]) == 0) {
                diag_error(d, file, 0, 0, "sweep.params",
                           "%s: '%s' and '%s' are the same value; its runs would be counted "
                           "twice",
                           x->path, v[i - 1], v[i]);
                break;
            }
        free(v);
    }
    return diag_ok(d);
}

/*
 * Every point resolves, and -j runs of the largest one (by estimated memory) fit. Each
 * point's cost (nodes x simulated seconds) weighs the progress bar's ETA, so that a sweep
 * whose large points come last is not promised the small points' pace.
 */
static bool check_points(struct sweep *s, struct diag *d)
{
    struct mem_estimate most = {0}, e;
    s->point_cost = xcalloc(s->plan.npoints ? s->plan.npoints : 1, sizeof(*s->point_cost));
    for (uint64_t pt = 0; pt < s->plan.npoints && d->errors < 50; pt++) { /* every point */
        struct scenario sc;
        if (resolve_point(s, pt, &sc, d)) {
            limits_estimate(&sc, &e);
            if (e.total > most.total)
                most = e;
            s->point_cost[pt] = (double)sc.nodes * ((double)sc.duration / 1e9) + 1e-9;
            scenario_fini(&sc);
        }
    }
    double limit = 0;
    const char *source = NULL;
    uint64_t runs = s->plan.nruns, workers = runs < s->o.jobs ? runs : s->o.jobs;
    return diag_ok(d) && limits_from_option(s->o.memory_limit, &limit, &source, d) &&
           limits_check(&most, (unsigned)workers, LIMITS_SWEEP_BYTES_PER_RUN * (double)runs, limit,
                        source, s->o.file, d);
}

static bool setup_plan(struct sweep *s, struct diag *d)
{
    struct scenario base;
    s->doc = scenario_doc_load(s->o.file, d);
    if (!s->doc)
        return false;
    sweep_plan_init(&s->set_axes, 1, 1);
    sweep_plan_init(&s->set_plain, 1, 1);
    if (!apply_sets(s, d) || !scenario_doc_resolve(s->doc, &base, d))
        return false;
    sweep_plan_from_scenario(&s->plan, &base);
    for (size_t a = 0; a < s->set_plain.naxes; a++) { /* --set of a swept key: that value */
        const struct sweep_axis *x = &s->set_plain.axes[a];
        for (size_t b = 0; b < s->plan.naxes; b++)
            if (strcmp(s->plan.axes[b].path, x->path) == 0)
                sweep_plan_set_axis(&s->plan, x->path, 1, (const char *const *)x->values);
    }
    for (size_t a = 0; a < s->set_axes.naxes; a++)
        sweep_plan_set_axis(&s->plan, s->set_axes.axes[a].path, s->set_axes.axes[a].nvalues,
                            (const char *const *)s->set_axes.axes[a].values);
    FILE *f = open_memstream(&s->resolved, &s->resolved_len);
    scenario_write_yaml(&base, f);
    fclose(f);
    if (!s->o.dir)
        outdir_name_check(base.name, s->o.file, d);
    if (!s->o.dir) {
        size_t n = strlen(base.name) + 16;
        s->dir = xmalloc(n);
        snprintf(s->dir, n, "out/%s-sweep", base.name);
    } else {
        s->dir = xstrdup(s->o.dir);
    }
    scenario_fini(&base);
    for (size_t a = 0; a < s->plan.naxes; a++)
        if (strcmp(s->plan.axes[a].path, "seed") == 0)
            diag_error(d, s->o.file, 0, 0, "sweep.params.seed",
                       "the seed cannot be swept: replications vary it");
    if (diag_ok(d) && !sweep_plan_check(&s->plan, s->err, sizeof(s->err)))
        diag_error(d, s->o.file, 0, 0, "sweep.params", "%s", s->err);
    s->hash = sweep_dir_hash(&s->plan, s->resolved, s->resolved_len);
    return diag_ok(d) && check_distinct(&s->plan, s->o.file, d) && check_points(s, d);
}

/* ---- one run (in a worker) ------------------------------------------------------------- */

static void run_error(struct sweep_result *out, const struct diag *d)
{
    out->status = SWEEP_RUN_ERROR;
    const struct diag_item *it = d->n ? &d->items[0] : NULL;
    snprintf(out->err, sizeof(out->err), "%s%s%s", it ? (it->file ? it->file : "") : "",
             it && it->file ? ": " : "", it ? it->msg : "unknown error");
}

static void work(void *ctx, uint32_t run, struct sweep_result *out)
{
    const struct sweep *s = ctx;
    struct diag d;
    struct scenario sc;
    uint64_t point;
    uint32_t rep;
    diag_init(&d);
    sweep_run_locate(&s->plan, run, &point, &rep);
    if (!resolve_point(s, point, &sc, &d)) {
        run_error(out, &d);
        diag_fini(&d);
        return;
    }
    sc.seed = sweep_seed(s->plan.base_seed, rep);
    bool ok = true;
    if (s->o.traces) {
        char sub[64];
        snprintf(sub, sizeof(sub), "/runs/%" PRIu32, run);
        char *dir = xmalloc(strlen(s->dir) + sizeof(sub));
        strcpy(dir, s->dir);
        strcat(dir, sub);
        struct run_ident id = {.run = run, .rep = rep, .seed = sc.seed};
        if (!run_to_dir(&sc, &id, dir, &out->m, &ok, &d))
            run_error(out, &d);
        free(dir);
    } else {
        struct cluster *c = cluster_new(&sc, NULL);
        cluster_run(c);
        ok = cluster_check(c);
        cluster_metrics(c, &out->m);
        cluster_free(c);
    }
    if (out->status != SWEEP_RUN_ERROR)
        out->status = ok ? SWEEP_RUN_OK : SWEEP_RUN_INVARIANT;
    scenario_fini(&sc);
    diag_fini(&d);
}

/* ---- progress (stderr, terminals only) ------------------------------------------------- */

static double seconds_between(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) * 1e-9;
}

/* Columns of the terminal on stderr (80 when it does not say). */
static int terminal_columns(void)
{
    struct winsize ws;
    return ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 ? ws.ws_col : 80;
}

/* One line that fits the terminal: the bar takes what the text leaves (none below 5). */
static void progress_draw(struct progress *p, bool final)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (!p->on || (!final && seconds_between(&p->last, &now) < 0.1))
        return;
    p->last = now;
    double el = seconds_between(&p->start, &now);
    double rate = el > 0 ? (double)(p->done - p->start_done) / el : 0;
    double cost_rate = el > 0 ? (p->cost_done - p->cost_start) / el : 0;
    double left = cost_rate > 0 ? (p->cost_total - p->cost_done) / cost_rate : 0;
    char text[128];
    int len = snprintf(text, sizeof(text), "%" PRIu64 "/%" PRIu64 " runs  %.1f runs/s  ETA %d:%02d",
                       p->done, p->total, rate, (int)(left / 60), (int)left % 60);
    int cols = terminal_columns() - 1; /* never the last column: some terminals wrap there */
    int width = cols - len - 3, fill = 0;
    if (width > 30)
        width = 30;
    if (width >= 5) {
        fill = p->total ? (int)((double)width * (double)p->done / (double)p->total) : 0;
        fprintf(stderr, "\r[%.*s%*s] %s\033[K", fill, "##############################",
                width - fill, "", text);
    } else {
        fprintf(stderr, "\r%.*s\033[K", cols > 0 ? cols : 0, text);
    }
    if (final)
        fputc('\n', stderr);
}

static bool flush(void *ctx)
{
    struct sweep *s = ctx;
    return sweep_journal_flush(s->journal, s->err, sizeof(s->err));
}

static double run_cost(const struct sweep *s, uint64_t run)
{
    uint64_t point;
    uint32_t rep;
    sweep_run_locate(&s->plan, run, &point, &rep);
    return s->point_cost[point];
}

static bool done(void *ctx, const struct sweep_result *r)
{
    struct sweep *s = ctx;
    if (!sweep_journal_append(s->journal, r, s->err, sizeof(s->err)))
        return false;
    sweep_store_put(&s->store, r);
    s->progress.done++;
    s->progress.cost_done += run_cost(s, r->run);
    progress_draw(&s->progress, false);
    return true;
}

/* ---- the folder ------------------------------------------------------------------------ */

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

static void fill_resolved(FILE *f, void *ctx)
{
    const struct sweep *s = ctx;
    fwrite(s->resolved, 1, s->resolved_len, f);
}

/*
 * A resumed sweep keeps its --traces choice (runs/ exists iff it was started with it) while
 * it has finished runs and runs left to do: else runs/ would silently hold only some runs.
 */
static bool traces_match(struct sweep *s)
{
    bool had_traces = outdir_holds(s->dir, "runs");
    uint64_t left = 0;
    for (uint64_t r = 0; r < s->plan.nruns; r++)
        left += sweep_run_in_shard(r, s->o.shard_k, s->o.shard_n) && !s->store.have[r];
    if (s->store.ndone == 0 || left == 0 || had_traces == s->o.traces)
        return true;
    snprintf(s->err, sizeof(s->err),
             "%s: the sweep was started %s --traces and %" PRIu64
             " runs are finished; resume it %s --traces too, or use another folder (runs/ "
             "would hold only some runs)",
             s->dir, had_traces ? "with" : "without", s->store.ndone,
             had_traces ? "with" : "without");
    return false;
}

/* Check or create the folder's identity, then open the journal. */
static bool setup_dir(struct sweep *s)
{
    bool has_meta = outdir_holds(s->dir, SWEEP_META_FILE);
    bool has_journal = outdir_holds(s->dir, SWEEP_JOURNAL_FILE);
    if ((has_meta || has_journal) && !s->o.resume) {
        snprintf(s->err, sizeof(s->err),
                 "%s: already holds a sweep; pass --resume to finish it, or use another folder",
                 s->dir);
        return false;
    }
    if (!has_meta && !has_journal &&
        (outdir_holds(s->dir, "summary.csv") || outdir_holds(s->dir, "scenario.resolved.yaml"))) {
        snprintf(s->err, sizeof(s->err),
                 "%s: holds the results of a run (summary.csv or scenario.resolved.yaml), "
                 "which a sweep would replace; use another folder",
                 s->dir);
        return false;
    }
    if (has_journal && !has_meta) {
        snprintf(s->err, sizeof(s->err),
                 "%s: has a journal but no %s, so its runs cannot be checked against this "
                 "sweep; use another folder",
                 s->dir, SWEEP_META_FILE);
        return false;
    }
    struct sweep_meta m = {.hash = s->hash, .shard_k = s->o.shard_k, .shard_n = s->o.shard_n};
    if (has_meta) {
        struct sweep_meta old;
        if (!sweep_meta_read(s->dir, &old, s->err, sizeof(s->err)))
            return false;
        bool same = old.hash == m.hash && old.shard_k == m.shard_k && old.shard_n == m.shard_n;
        sweep_meta_fini(&old);
        if (!same) {
            snprintf(s->err, sizeof(s->err),
                     "%s: holds a different sweep or shard (scenario, sweep.params, seed or "
                     "--shard changed); use another folder",
                     s->dir);
            return false;
        }
    }
    m.plan = s->plan;
    if (!sweep_meta_write(s->dir, &m, s->err, sizeof(s->err)) ||
        !sweep_dir_write_file(s->dir, "scenario.resolved.yaml", fill_resolved, s, s->err,
                              sizeof(s->err)))
        return false;
    sweep_store_init(&s->store, s->plan.nruns);
    s->journal = sweep_journal_open(s->dir, &s->store, s->err, sizeof(s->err));
    if (!s->journal || !traces_match(s))
        return false;
    if (s->o.traces) { /* made here, not by racing workers */
        size_t n = strlen(s->dir) + 8;
        char *runs = xmalloc(n);
        snprintf(runs, n, "%s/runs", s->dir);
        bool made = mkdir(runs, 0777) == 0 || errno == EEXIST;
        if (!made)
            snprintf(s->err, sizeof(s->err), "%s: %s", runs, strerror(errno));
        free(runs);
        if (!made)
            return false;
    }
    sweep_dir_clean(s->dir); /* temporaries of a killed sweep; no worker runs yet */
    return true;
}

/* The runs of our shard that the journal does not hold yet. */
static uint32_t *missing_runs(const struct sweep *s, size_t *n)
{
    uint32_t *runs = xcalloc(s->plan.nruns ? s->plan.nruns : 1, sizeof(*runs));
    *n = 0;
    for (uint64_t r = 0; r < s->plan.nruns; r++)
        if (sweep_run_in_shard(r, s->o.shard_k, s->o.shard_n) && !s->store.have[r])
            runs[(*n)++] = (uint32_t)r;
    return runs;
}

static enum sweep_exec_status execute(struct sweep *s, const uint32_t *runs, size_t n, bool mpi)
{
    struct sweep_exec x = {.jobs = s->o.jobs,
                           .runs = runs,
                           .nruns = n,
                           .work = work,
                           .done = done,
                           .flush = flush,
                           .ctx = s,
                           .stop = &interrupted};
    uint64_t shard_runs = 0;
    double shard_cost = 0, left_cost = 0;
    for (uint64_t r = 0; r < s->plan.nruns; r++)
        if (sweep_run_in_shard(r, s->o.shard_k, s->o.shard_n)) {
            shard_runs++;
            shard_cost += run_cost(s, r);
        }
    for (size_t i = 0; i < n; i++)
        left_cost += run_cost(s, runs[i]);
    s->progress = (struct progress){.on = !s->o.quiet && isatty(STDERR_FILENO),
                                    .total = shard_runs,
                                    .done = shard_runs - n,
                                    .start_done = shard_runs - n,
                                    .cost_total = shard_cost,
                                    .cost_done = shard_cost - left_cost,
                                    .cost_start = shard_cost - left_cost};
    clock_gettime(CLOCK_MONOTONIC, &s->progress.start);
    enum sweep_exec_status st;
#if defined(ATLAS_MPI)
    st = mpi ? sweep_mpi_exec(&x, s->err, sizeof(s->err))
             : sweep_exec_run(&x, s->err, sizeof(s->err));
#else
    (void)mpi;
    st = sweep_exec_run(&x, s->err, sizeof(s->err));
#endif
    if (st == SWEEP_EXEC_DONE)
        progress_draw(&s->progress, true);
    else if (s->progress.on)
        fputc('\n', stderr);
    return st;
}

static int finish(struct sweep *s, enum sweep_exec_status st)
{
    char jerr[256] = "";
    bool synced = sweep_journal_close(s->journal, jerr, sizeof(jerr));
    s->journal = NULL;
    if (st != SWEEP_EXEC_DONE)
        sweep_dir_clean(s->dir); /* what the killed workers were writing (--traces) */
    if (st == SWEEP_EXEC_INTERRUPTED) {
        fprintf(stderr,
                "atlas-sim sweep: interrupted; %" PRIu64 " of %" PRIu64
                " runs are saved in %s; finish with --resume\n",
                s->progress.done, s->progress.total, s->dir);
        return EXIT_INTERRUPTED;
    }
    if (st == SWEEP_EXEC_FAILED || !synced) {
        fprintf(stderr, "atlas-sim sweep: %s\n", st == SWEEP_EXEC_FAILED ? s->err : jerr);
        if (s->progress.done > 0) /* e.g. a full disk: what reached the journal is kept */
            fprintf(stderr,
                    "atlas-sim sweep: the runs journaled before the error are saved in %s; fix "
                    "the cause and finish with --resume\n",
                    s->dir);
        return EXIT_USAGE;
    }
    bool whole = s->o.shard_n == 1;
    if (!sweep_dir_write_results(s->dir, &s->plan, &s->store, s->o.shard_k, s->o.shard_n, whole,
                                 s->err, sizeof(s->err))) {
        fprintf(stderr, "atlas-sim sweep: %s\n", s->err);
        return EXIT_USAGE;
    }
    for (uint64_t r = 0; r < s->plan.nruns; r++)
        s->invariant_runs += s->store.have[r] && s->store.status[r] == SWEEP_RUN_INVARIANT;
    if (!s->o.quiet)
        printf("%" PRIu64 " runs (%" PRIu64 " points x %" PRIu32 " replications%s) in %s\n",
               s->progress.total, s->plan.npoints, s->plan.replications, whole ? "" : ", one shard",
               s->dir);
    if (s->invariant_runs) {
        fprintf(stderr, "atlas-sim sweep: a checked invariant failed in %" PRIu64 " run(s)\n",
                s->invariant_runs);
        return EXIT_INVARIANT;
    }
    return EXIT_OK;
}

static void sweep_fini(struct sweep *s)
{
    char err[8];
    sweep_journal_close(s->journal, err, sizeof(err));
    sweep_store_fini(&s->store);
    sweep_plan_fini(&s->plan);
    sweep_plan_fini(&s->set_axes);
    sweep_plan_fini(&s->set_plain);
    scenario_doc_free(s->doc);
    free(s->resolved);
    free(s->point_cost);
    free(s->dir);
    free(s->o.sets);
    free(s->o.seed_set);
}

bool sweep_check_points(const char *file, const char *seed, int nsets, char *const *sets,
                        struct diag *d)
{
    struct sweep s = {.o = {.file = file, .jobs = 1, .dir = "."}};
    s.o.sets = xcalloc((size_t)nsets + 1, sizeof(*s.o.sets));
    for (int i = 0; i < nsets; i++)
        s.o.sets[s.o.nsets++] = sets[i];
    char seed_set[64];
    if (seed) { /* validate's --seed, as a plain --set of the key */
        snprintf(seed_set, sizeof(seed_set), "seed=%s", seed);
        s.o.sets[s.o.nsets++] = seed_set;
    }
    bool ok = setup_plan(&s, d);
    sweep_fini(&s);
    return ok;
}

int cmd_sweep(int argc, char **argv)
{
    struct sweep s = {0};
    int rc = parse_args(argc, argv, &s.o);
    bool mpi = false;
    int rank = 0, size = 1;
#if defined(ATLAS_MPI)
    if (rc == EXIT_OK && sweep_mpi_launched()) {
        sweep_mpi_init(&argc, &argv, &rank, &size);
        mpi = true;
    }
#endif
    outdir_remove_on_signal(); /* a signal before the pool starts leaves no temporary */
    struct diag d;
    diag_init(&d);
    if (rc == EXIT_OK && !setup_plan(&s, &d)) {
        if (rank == 0)
            diag_print(&d, stderr);
        rc = EXIT_USAGE;
    }
    diag_fini(&d);
    if (rc == EXIT_OK && rank == 0 && !setup_dir(&s)) {
        fprintf(stderr, "atlas-sim sweep: %s\n", s.err);
        rc = EXIT_USAGE;
    }
#if defined(ATLAS_MPI)
    if (mpi && sweep_mpi_agree(rc == EXIT_OK) && rank != 0)
        sweep_mpi_serve(work, &s);
#endif
    if (rc == EXIT_OK && rank == 0) {
        size_t n;
        uint32_t *runs = missing_runs(&s, &n);
        /* From here a signal only sets `interrupted`: the pool stops, or, if it came during
         * the final writes, they complete (no temporary file is left behind). */
        struct sigaction sa = {.sa_handler = on_signal}, old_int, old_term;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, &old_int);
        sigaction(SIGTERM, &sa, &old_term);
        rc = finish(&s, execute(&s, runs, n, mpi && size > 1));
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
        free(runs);
    }
#if defined(ATLAS_MPI)
    if (mpi)
        sweep_mpi_finalize();
#endif
    sweep_fini(&s);
    return rc < 0 ? EXIT_OK : rc;
}
