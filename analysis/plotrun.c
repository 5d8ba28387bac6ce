/* plotrun: gnuplot scripts run on a folder (see plotrun.h). */
#include "analysis/plotrun.h"

#include <errno.h>
#include <libgen.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/xalloc.h"

extern char **environ;

const char *plotrun_scripts_dir(void)
{
    const char *env = getenv("ATLAS_PLOTS_DIR");
    return env && *env ? env : ATLAS_SOURCE_DIR "/analysis/plots";
}

static char *join(const char *a, const char *b)
{
    size_t len = strlen(a) + strlen(b) + 2;
    char *p = xmalloc(len);
    snprintf(p, len, "%s/%s", a, b);
    return p;
}

/* Whether an executable `name` is on PATH. */
static bool on_path(const char *name)
{
    const char *path = getenv("PATH");
    char *copy = xstrdup(path ? path : "/usr/bin:/bin"), *save = NULL;
    bool found = false;
    for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
        char *p = join(*d ? d : ".", name);
        found = access(p, X_OK) == 0;
        free(p);
    }
    free(copy);
    return found;
}

static bool readable(const char *dir, const char *name)
{
    char *p = join(dir, name);
    bool ok = access(p, R_OK) == 0;
    free(p);
    return ok;
}

/*
 * gnuplot -e "dir='DIR'" -e "out='OUT'" [-e DEF]... SCRIPT; false (diagnosed) unless it exits
 * 0. defs: NULL or NULL-terminated gnuplot assignments ("name='...'").
 */
static bool run_script(const char *script, const char *dir, const char *outdir,
                       const char *const *defs, struct errbuf *e)
{
    size_t ld = strlen(dir) + 8, lo = strlen(outdir) + 8, ndefs = 0;
    while (defs && defs[ndefs])
        ndefs++;
    char *dir_arg = xmalloc(ld), *out_arg = xmalloc(lo);
    snprintf(dir_arg, ld, "dir='%s'", dir);
    snprintf(out_arg, lo, "out='%s'", outdir);
    char **argv = xcalloc(2 * ndefs + 8, sizeof(*argv)), **a = argv;
    *a++ = "gnuplot";
    *a++ = "-e";
    *a++ = dir_arg;
    *a++ = "-e";
    *a++ = out_arg;
    for (size_t i = 0; i < ndefs; i++) {
        *a++ = "-e";
        *a++ = (char *)defs[i];
    }
    *a++ = (char *)script;
    fflush(NULL);
    pid_t pid;
    int status = 0, err = posix_spawnp(&pid, "gnuplot", NULL, NULL, argv, environ);
    if (err == 0 && waitpid(pid, &status, 0) < 0)
        err = errno;
    free(argv);
    free(dir_arg);
    free(out_arg);
    if (err)
        errbuf_set(e, "%s: cannot run gnuplot: %s", script, strerror(err));
    else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        errbuf_set(e, "%s: gnuplot failed (%s %d)", script,
                   WIFEXITED(status) ? "exit status" : "signal",
                   WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    return err == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* The folder of run `run` (NULL: the first run) with events.csv and outcomes.csv, allocated;
 * NULL if it has none. */
static char *timeline_dir(const struct folder *f, const char *run)
{
    if (!run && readable(f->dir, "events.csv") && readable(f->dir, "outcomes.csv"))
        return xstrdup(f->dir);
    char *runs = join(f->dir, "runs");
    char *dir = join(runs, run ? run : folder_cell(f, 0, f->run));
    free(runs);
    if (readable(dir, "events.csv") && readable(dir, "outcomes.csv"))
        return dir;
    free(dir);
    return NULL;
}

/* A name for a folder or a gnuplot string: no '/', quote or control character. */
static void sanitize(char *s)
{
    for (; *s; s++)
        if (*s == '/' || *s == '"' || *s == '\'' || (unsigned char)*s < 32)
            *s = '_';
}

/* The swept key named `key` (its axis index), or SIZE_MAX. */
static size_t axis_of(const struct folder *f, const char *key)
{
    for (size_t a = 0; a < f->naxes; a++)
        if (strcmp(f->cols[f->axis0 + a], key) == 0)
            return a;
    return SIZE_MAX;
}

/*
 * The curves of a sweep's latency CDF: curve[p] for every point p, and their labels. By
 * `axis` (SIZE_MAX: one curve per point): one curve per value of that swept key, in order
 * of first appearance. Returns the number of curves.
 */
static size_t cdf_curves(const struct folder *f, size_t axis, size_t *curve, char ***labels)
{
    size_t n = 0;
    *labels = xcalloc(f->npoints, sizeof(**labels));
    for (size_t p = 0; p < f->npoints; p++) {
        char label[512] = "";
        size_t used = 0;
        for (size_t a = 0; a < f->naxes; a++)
            if ((axis == SIZE_MAX && !folder_axis_in_seconds(f, a)) || a == axis)
                used += (size_t)snprintf(
                    label + used, used < sizeof(label) ? sizeof(label) - used : 0, "%s%s=%s",
                    used ? " " : "", f->cols[f->axis0 + a], folder_axis_value(f, p, a));
        if (!f->naxes)
            snprintf(label, sizeof(label), "all runs");
        sanitize(label);
        size_t c = 0;
        while (c < n && strcmp((*labels)[c] + 3, label) != 0)
            c++;
        if (c == n) {
            size_t len = strlen(label) + 4;
            (*labels)[n] = xmalloc(len);
            snprintf((*labels)[n], len, "%02zu %s", (n + 1) % 100, label); /* sweep order */
            n++;
        }
        curve[p] = c;
    }
    return n;
}

/*
 * A folder of links that latency_cdf.gp reads as one curve per folder: TREE/LABEL/runs/RUN ->
 * DIR/runs/RUN. Returns TREE (allocated) or NULL (diagnosed).
 */
static char *cdf_tree(const struct folder *f, const char *figures, size_t axis, struct errbuf *e)
{
    char name[64];
    snprintf(name, sizeof(name), ".cdf.%ld", (long)getpid());
    char *tree = join(figures, name), *runs = join(f->dir, "runs");
    char *abs = realpath(runs, NULL);
    size_t *curve = xcalloc(f->npoints ? f->npoints : 1, sizeof(*curve));
    char **labels;
    size_t n = cdf_curves(f, axis, curve, &labels);
    bool ok = abs && (mkdir(figures, 0777) == 0 || errno == EEXIST) && mkdir(tree, 0777) == 0;
    for (size_t c = 0; ok && c < n; c++) {
        char *d = join(tree, labels[c]), *r = join(d, "runs");
        ok = mkdir(d, 0777) == 0 && mkdir(r, 0777) == 0;
        free(d);
        free(r);
    }
    for (size_t p = 0; ok && p < f->npoints; p++)
        for (size_t i = 0; ok && i < f->pt[p].nrows; i++) {
            const char *run = folder_cell(f, f->pt[p].rows[i], f->run);
            char *d = join(tree, labels[curve[p]]), *r = join(d, "runs"), *link = join(r, run);
            char *target = join(abs, run);
            ok = symlink(target, link) == 0;
            free(d);
            free(r);
            free(link);
            free(target);
        }
    if (!ok)
        errbuf_set(e, "%s: cannot lay out the latency CDF's curves: %s", tree, strerror(errno));
    for (size_t c = 0; c < n; c++)
        free(labels[c]);
    free(labels);
    free(curve);
    free(abs);
    free(runs);
    if (ok)
        return tree;
    free(tree);
    return NULL;
}

static void remove_tree(const char *tree)
{
    pid_t pid;
    char *argv[] = {"rm", "-rf", (char *)tree, NULL};
    if (posix_spawnp(&pid, "rm", NULL, NULL, argv, environ) == 0)
        (void)waitpid(pid, NULL, 0);
}

enum { APPROVAL, LATENCY_CDF, HEATMAP, TIMELINE, ELECTION_CDF, NSCRIPTS };
static const char *const script_names[NSCRIPTS] = {"approval", "latency_cdf", "heatmap", "timeline",
                                                   "election_cdf"};

/* Whether the folder has elections.csv: its own, or its first run's (a sweep with --traces). */
static bool has_elections(const struct folder *f)
{
    if (readable(f->dir, "elections.csv"))
        return true;
    if (!f->nrows)
        return false;
    char *runs = join(f->dir, "runs"), *run = join(runs, folder_cell(f, 0, f->run));
    bool ok = readable(run, "elections.csv");
    free(run);
    free(runs);
    return ok;
}

/* Why script k does not apply, or NULL if it does. */
static const char *skip_reason(size_t k, const struct report_overview *o, const char *tl,
                               bool elections)
{
    switch (k) {
    case ELECTION_CDF:
        return elections ? NULL
                         : "no elections.csv (a leader-based protocol's run folder, or a sweep "
                           "of one run with --traces)";
    case APPROVAL:
        return o->approvals > 1 ? NULL
                                : "needs points with several approval probabilities (approval "
                                  "not NA)";
    case LATENCY_CDF:
        if (!o->pooled_points)
            return "no outcomes.csv (analyze a run folder, or a sweep run with --traces)";
        return o->pooled_committed ? NULL : "no approved proposal in outcomes.csv";
    case HEATMAP:
        return o->approvals > 1 && o->node_counts > 1
                   ? NULL
                   : "needs points with several node counts and several approval "
                     "probabilities";
    default:
        return tl ? NULL
                  : "no run folder with events.csv and outcomes.csv (analyze a run "
                    "folder, or a sweep run with --traces)";
    }
}

static bool check_setup(const struct folder *f, const char *scripts, struct errbuf *e)
{
    if (strchr(f->dir, '\'')) {
        errbuf_set(e,
                   "%s: --plot cannot pass a path with a single quote to gnuplot; rename "
                   "or link the folder",
                   f->dir);
        return false;
    }
    if (!on_path("gnuplot")) {
        errbuf_set(e,
                   "--plot needs gnuplot, which is not on PATH; install it with "
                   "`apt-get install gnuplot-nox` (Debian, Ubuntu) and run analyze again "
                   "(%s/analysis.csv is written)",
                   f->dir);
        return false;
    }
    for (size_t k = 0; k <= NSCRIPTS; k++) { /* and metric.gp */
        char name[64];
        snprintf(name, sizeof(name), "%s.gp", k < NSCRIPTS ? script_names[k] : "metric");
        if (!readable(scripts, name)) {
            errbuf_set(e,
                       "%s/%s: plot script not found (set ATLAS_PLOTS_DIR to the folder "
                       "of the scripts, analysis/plots in the source tree)",
                       scripts, name);
            return false;
        }
    }
    return true;
}

/* "name='value'" (allocated), value sanitized for a gnuplot string. */
static char *def(const char *name, const char *value)
{
    size_t len = strlen(name) + strlen(value) + 4;
    char *d = xmalloc(len);
    snprintf(d, len, "%s='%s'", name, value);
    sanitize(d + strlen(name) + 2);
    d[len - 2] = '\'';
    return d;
}

/* Run scripts/SCRIPT_NAME.gp on dir; say "plot SHOWN: ... (from FROM)" (FROM: dir if NULL). */
static bool plot_one(const char *scripts, const char *script_name, const char *dir,
                     const char *figures, const char *const *defs, const char *shown,
                     const char *from, FILE *out, struct errbuf *e)
{
    char name[64];
    snprintf(name, sizeof(name), "%s.gp", script_name);
    char *script = join(scripts, name);
    struct errbuf one;
    bool ok = run_script(script, dir, figures, defs, &one);
    if (ok)
        fprintf(out, "plot %s: %s/%s.png, %s.svg (from %s)\n", shown, figures, shown, shown,
                from ? from : dir);
    else {
        fprintf(out, "plot %s: failed: %s\n", shown, one.msg);
        *e = one;
    }
    free(script);
    return ok;
}

/* latency_cdf.gp: a run folder as one curve; a sweep's runs/ as one curve per point (or per
 * value of --by; per value of the first swept key past CDF_MAX_CURVES points). */
#define CDF_MAX_CURVES 12

static bool plot_cdf(const struct folder *f, const struct plotrun_options *po, const char *scripts,
                     const char *script, const char *figures, FILE *out, struct errbuf *e)
{
    const char *input = strcmp(script, "latency_cdf") == 0 ? "outcomes.csv" : "elections.csv";
    if (readable(f->dir, input))
        return plot_one(scripts, script, f->dir, figures, NULL, script, NULL, out, e);
    size_t axis = po->by ? axis_of(f, po->by) : SIZE_MAX;
    if (!po->by && f->npoints > CDF_MAX_CURVES && f->naxes) {
        axis = 0;
        fprintf(out,
                "plot %s: %zu points are too many curves; one per value of %s "
                "(choose the key with --by)\n",
                script, f->npoints, f->cols[f->axis0]);
    }
    char *tree = cdf_tree(f, figures, axis, e);
    if (!tree)
        return false;
    char *base = xstrdup(f->dir);
    char *name = def("name", basename(base));
    const char *defs[] = {name, NULL};
    char from[1024];
    snprintf(from, sizeof(from), "%s/runs/*, one curve per %s", f->dir,
             axis == SIZE_MAX ? "point" : f->cols[f->axis0 + axis]);
    bool ok = plot_one(scripts, script, tree, figures, defs, script, from, out, e);
    remove_tree(tree);
    free(tree);
    free(name);
    free(base);
    return ok;
}

/* metric.gp for every --metric against --x: analysis.csv's NAME_mean and interval. */
static bool plot_metrics(const struct folder *f, const struct plotrun_options *po,
                         const char *scripts, const char *figures, FILE *out, struct errbuf *e)
{
    bool ok = true;
    for (size_t i = 0; i < po->nmetrics; i++) {
        char shown[256];
        snprintf(shown, sizeof(shown), "metric_%s", po->metrics[i]);
        sanitize(shown);
        char *m = def("metric", po->metrics[i]), *x = def("xkey", po->x), *o = def("name", shown);
        char *group = def("group", po->by ? po->by : "");
        const char *defs[] = {m, x, o, group, NULL};
        ok = plot_one(scripts, "metric", f->dir, figures, defs, shown, NULL, out, e) && ok;
        free(m);
        free(x);
        free(o);
        free(group);
    }
    return ok;
}

bool plotrun_check_options(const struct folder *f, const struct plotrun_options *po,
                           struct errbuf *e)
{
    const char *keys[] = {po->by, po->x};
    const char *names[] = {"--by", "--x"};
    for (size_t k = 0; k < 2; k++)
        if (keys[k] && axis_of(f, keys[k]) == SIZE_MAX) {
            errbuf_set(e, "%s %s: not a swept key of %s (%s)", names[k], keys[k], f->summary,
                       f->naxes ? "see its columns between seed and nodes" : "it sweeps nothing");
            return false;
        }
    if (po->x && !po->nmetrics) {
        errbuf_set(e, "--x %s: name the metrics to draw against it with --metric NAME", po->x);
        return false;
    }
    if (po->run) {
        bool found = false;
        for (size_t r = 0; r < f->nrows && !found; r++)
            found = strcmp(folder_cell(f, r, f->run), po->run) == 0;
        if (!found) {
            errbuf_set(e, "--run %s: %s has no such run", po->run, f->summary);
            return false;
        }
        char *tl = timeline_dir(f, po->run);
        if (!tl) {
            errbuf_set(e,
                       "--run %s: %s/runs/%s has no events.csv and outcomes.csv (sweep with "
                       "--traces)",
                       po->run, f->dir, po->run);
            return false;
        }
        free(tl);
    }
    return true;
}

bool plotrun_all(const struct folder *f, const struct report *r, const struct plotrun_options *po,
                 FILE *out, struct errbuf *e)
{
    const char *scripts = plotrun_scripts_dir();
    if (!check_setup(f, scripts, e) || !plotrun_check_options(f, po, e))
        return false;
    struct report_overview o;
    report_overview(r, &o);
    char *tl = timeline_dir(f, po->run), *figures = join(f->dir, "figures");
    size_t failed = 0, ran = 0;
    for (size_t k = 0; k < NSCRIPTS; k++) {
        const char *why = skip_reason(k, &o, tl, has_elections(f));
        if (why) {
            fprintf(out, "plot %s: skipped: %s\n", script_names[k], why);
            continue;
        }
        ran++;
        bool ok;
        if (k == LATENCY_CDF || k == ELECTION_CDF) {
            ok = plot_cdf(f, po, scripts, script_names[k], figures, out, e);
        } else if (k == TIMELINE) {
            char *name = NULL;
            if (strcmp(tl, f->dir) != 0) {
                char *base = xstrdup(f->dir);
                size_t len = strlen(base) + strlen(tl) + 16;
                char *text = xmalloc(len);
                snprintf(text, len, "%s, run %s", basename(base),
                         po->run ? po->run : folder_cell(f, 0, f->run));
                name = def("name", text);
                free(text);
                free(base);
            }
            const char *defs[] = {name, NULL};
            ok = plot_one(scripts, "timeline", tl, figures, name ? defs : NULL, "timeline", NULL,
                          out, e);
            free(name);
        } else {
            ok = plot_one(scripts, script_names[k], f->dir, figures, NULL, script_names[k], NULL,
                          out, e);
        }
        failed += !ok;
    }
    if (po->x) {
        ran += po->nmetrics;
        failed += !plot_metrics(f, po, scripts, figures, out, e);
    }
    if (failed > 1)
        errbuf_set(e, "%zu of %zu plot scripts failed (see the lines above)", failed, ran);
    free(tl);
    free(figures);
    return failed == 0;
}
