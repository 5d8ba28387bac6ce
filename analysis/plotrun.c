/* plotrun: gnuplot scripts run on a folder (see plotrun.h). */
#include "analysis/plotrun.h"

#include <errno.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
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

/* gnuplot -e "dir='DIR'" -e "out='OUT'" SCRIPT; false (diagnosed) unless it exits 0. */
static bool run_script(const char *script, const char *dir, const char *outdir, struct errbuf *e)
{
    size_t ld = strlen(dir) + 8, lo = strlen(outdir) + 8;
    char *dir_arg = xmalloc(ld), *out_arg = xmalloc(lo);
    snprintf(dir_arg, ld, "dir='%s'", dir);
    snprintf(out_arg, lo, "out='%s'", outdir);
    char *argv[] = {"gnuplot", "-e", dir_arg, "-e", out_arg, (char *)script, NULL};
    fflush(NULL);
    pid_t pid;
    int status = 0, err = posix_spawnp(&pid, "gnuplot", NULL, NULL, argv, environ);
    if (err == 0 && waitpid(pid, &status, 0) < 0)
        err = errno;
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

/* The folder of one run with events.csv and outcomes.csv (allocated), or NULL. */
static char *timeline_dir(const struct folder *f)
{
    if (readable(f->dir, "events.csv") && readable(f->dir, "outcomes.csv"))
        return xstrdup(f->dir);
    char *runs = join(f->dir, "runs");
    char *run = join(runs, folder_cell(f, 0, f->run));
    free(runs);
    if (readable(run, "events.csv") && readable(run, "outcomes.csv"))
        return run;
    free(run);
    return NULL;
}

enum { APPROVAL, LATENCY_CDF, HEATMAP, TIMELINE, NSCRIPTS };
static const char *const script_names[NSCRIPTS] = {"approval", "latency_cdf", "heatmap",
                                                   "timeline"};

/* Why script k does not apply, or NULL if it does. */
static const char *skip_reason(size_t k, const struct report_overview *o, const char *tl)
{
    switch (k) {
    case APPROVAL:
        return o->approvals > 1 ? NULL
                                : "needs points with several approval probabilities (approval "
                                  "not NA)";
    case LATENCY_CDF:
        if (!o->pooled_points)
            return "no outcomes.csv (analyze a run folder, or a sweep run with --traces)";
        return o->pooled_decided ? NULL
                                 : "no approved, rejected or timed-out proposal in "
                                   "outcomes.csv";
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
    for (size_t k = 0; k < NSCRIPTS; k++) {
        char name[64];
        snprintf(name, sizeof(name), "%s.gp", script_names[k]);
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

bool plotrun_all(const struct folder *f, const struct report *r, FILE *out, struct errbuf *e)
{
    const char *scripts = plotrun_scripts_dir();
    if (!check_setup(f, scripts, e))
        return false;
    struct report_overview o;
    report_overview(r, &o);
    char *tl = timeline_dir(f), *figures = join(f->dir, "figures");
    size_t failed = 0, ran = 0;
    for (size_t k = 0; k < NSCRIPTS; k++) {
        const char *why = skip_reason(k, &o, tl);
        if (why) {
            fprintf(out, "plot %s: skipped: %s\n", script_names[k], why);
            continue;
        }
        char name[64];
        snprintf(name, sizeof(name), "%s.gp", script_names[k]);
        char *script = join(scripts, name);
        const char *dir = k == TIMELINE ? tl : f->dir;
        struct errbuf one;
        ran++;
        if (run_script(script, dir, figures, &one)) {
            fprintf(out, "plot %s: %s/%s.png, %s.svg (from %s)\n", script_names[k], figures,
                    script_names[k], script_names[k], dir);
        } else {
            fprintf(out, "plot %s: failed: %s\n", script_names[k], one.msg);
            *e = one;
            failed++;
        }
        free(script);
    }
    if (failed > 1)
        errbuf_set(e, "%zu of %zu plot scripts failed (see the lines above)", failed, ran);
    free(tl);
    free(figures);
    return failed == 0;
}
