/*
 * The plot scripts of analysis/plots/ on real folders written by ATLAS_BINARY: a small
 * sweep run with --traces and analysed with `analyze --csv`, and runs of crash-recovery and
 * partition. Each gnuplot script must write a complete PNG (signature, IHDR of the
 * figure's size, IEND last) and one well-formed SVG document, with pngcairo and with the
 * libgd fallback; the figures must carry the folder's own numbers (legend counts computed
 * here from the CSV files, the heatmap's cell labels from analysis.csv); a missing input
 * must exit 1 naming it and write nothing; the same folder must give the same bytes.
 * plots.py is held to the same checks. The committed README figures must be valid and
 * each PNG under 200 KB, and make-figures.sh must make all four.
 *
 * gnuplot tests are skipped when gnuplot is not installed, plots.py tests when no python3
 * with pandas and matplotlib is found (CI installs all three: .ci/deps.txt).
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "testutil.h"

#define SRC(p) ATLAS_SOURCE_DIR "/" p
#define PLOTS  SRC("analysis/plots")

static char tmp[256];

/* tmp/REL, formatted; a few results stay valid at once (a ring of buffers). */
#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
static const char *
at(const char *fmt, ...)
{
    static char ring[8][768];
    static unsigned next;
    char rel[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rel, sizeof(rel), fmt, ap);
    va_end(ap);
    char *p = ring[next++ % 8];
    snprintf(p, sizeof(ring[0]), "%s/%s", tmp, rel);
    return p;
}

/* Run argv (PATH search) with stdout to tmp/out and stderr to tmp/err; env is a NULL or a
 * NULL-terminated list of NAME=VALUE set in the child. Returns the exit code. */
static int spawn_env(char *const *env, char *const *argv)
{
    char out[600], err[600]; /* not at(): its ring would recycle the caller's paths */
    snprintf(out, sizeof(out), "%s/out", tmp);
    snprintf(err, sizeof(err), "%s/err", tmp);
    return tu_run(argv, out, err, env);
}

#define RUN(...) spawn_env(NULL, (char *const[]){__VA_ARGS__, NULL})

static bool have_gnuplot(void)
{
    return system("gnuplot --version >/dev/null 2>&1") == 0;
}

/* A python3 with pandas and matplotlib (the PATH's, else the system's), or NULL. */
static const char *python_with_matplotlib(void)
{
    static const char *const candidates[] = {"python3", "/usr/bin/python3"};
    for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++) {
        char cmd[256];
        snprintf(cmd, sizeof(cmd), "%s -c 'import pandas, matplotlib' >/dev/null 2>&1",
                 candidates[i]);
        if (system(cmd) == 0)
            return candidates[i];
    }
    return NULL;
}

/* The run folders under tmp/runs: a name with a space is one curve of latency_cdf too. */
static const char *const run_scenarios[] = {"crash-recovery", "partition"};
static const char *const run_names[] = {"crash-recovery", "partition run"};

/* The folders every test draws from (see the file comment). */
static void make_data(void)
{
    snprintf(tmp, sizeof(tmp), "/tmp/atlas_test_plots_XXXXXX");
    cr_assert_not_null(mkdtemp(tmp));
    cr_assert_eq(RUN(ATLAS_BINARY, "sweep", SRC("scenarios/sweep-approval-nodes.yaml"), "-o",
                     (char *)at("sweep"), "--set", "consensus.approval=0.6,0.9", "--set",
                     "cluster.nodes=3,5", "--set", "sweep.replications=3", "--traces", "-j", "1"),
                 0, "%s", tu_slurp(at("err"), NULL));
    cr_assert_eq(RUN(ATLAS_BINARY, "analyze", (char *)at("sweep"), "--csv", "--quiet"), 0, "%s",
                 tu_slurp(at("err"), NULL));
    for (size_t i = 0; i < 2; i++) {
        char scenario[512];
        snprintf(scenario, sizeof(scenario), "%s/scenarios/%s.yaml", ATLAS_SOURCE_DIR,
                 run_scenarios[i]);
        cr_assert_eq(RUN(ATLAS_BINARY, "run", scenario, "-o", (char *)at("runs/%s", run_names[i]),
                         "--quiet"),
                     0);
    }
}

static void remove_data(void)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
    cr_assert_eq(system(cmd), 0);
}

/* gnuplot -e "dir='DIR'" -e "out='OUT'" [-e cairo=0] analysis/plots/NAME.gp */
static int gnuplot(const char *name, const char *dir, const char *out, bool cairo)
{
    char script[512], d[700], o[700];
    snprintf(script, sizeof(script), "%s/%s.gp", PLOTS, name);
    snprintf(d, sizeof(d), "dir='%s'", dir);
    snprintf(o, sizeof(o), "out='%s'", out);
    if (cairo)
        return RUN("gnuplot", "-e", d, "-e", o, script);
    return RUN("gnuplot", "-e", d, "-e", o, "-e", "cairo=0", script);
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A complete PNG of w x h pixels: signature, IHDR first, IEND last. Returns its size. */
static size_t check_png(const char *p, uint32_t w, uint32_t h)
{
    size_t n;
    unsigned char *b = (unsigned char *)tu_slurp(p, &n);
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    static const unsigned char iend[12] = {0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82};
    cr_assert_gt(n, 33 + 12, "%s: %zu bytes", p, n);
    cr_assert_arr_eq(b, sig, 8, "%s: not a PNG signature", p);
    cr_assert_arr_eq(b + 12, "IHDR", 4, "%s: the first chunk is not IHDR", p);
    cr_assert_eq(be32(b + 16), w, "%s: width %u, want %u", p, be32(b + 16), w);
    cr_assert_eq(be32(b + 20), h, "%s: height %u, want %u", p, be32(b + 20), h);
    cr_assert_arr_eq(b + n - 12, iend, 12, "%s: does not end with IEND (truncated)", p);
    free(b);
    return n;
}

/* One SVG document: starts with <?xml or <svg, one <svg element, ends with </svg>. Returns
 * the text (to free). */
static char *check_svg(const char *p)
{
    size_t n;
    char *s = tu_slurp(p, &n);
    cr_assert(strncmp(s, "<?xml", 5) == 0 || strncmp(s, "<svg", 4) == 0, "%s: starts %.20s", p, s);
    char *first = strstr(s, "<svg");
    cr_assert(first, "%s: no <svg element", p);
    cr_assert_null(strstr(first + 4, "<svg"), "%s: more than one <svg element", p);
    while (n && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\r'))
        n--;
    cr_assert(n >= 6 && strncmp(s + n - 6, "</svg>", 6) == 0, "%s: does not end with </svg>", p);
    return s;
}

struct figure {
    const char *name, *dir; /* dir relative to tmp */
    uint32_t w, h;
};

static const struct figure figures[] = {
    {"approval", "sweep", 900, 600},
    {"latency_cdf", "runs", 900, 600},
    {"heatmap", "sweep", 900, 600},
    {"timeline", "runs/crash-recovery", 1000, 560},
};

#define NFIGURES (sizeof(figures) / sizeof(figures[0]))

static void check_both(const char *out, const struct figure *f)
{
    check_png(at("%s/%s.png", out, f->name), f->w, f->h);
    free(check_svg(at("%s/%s.svg", out, f->name)));
}

TestSuite(plots, .init = make_data, .fini = remove_data);

Test(plots, every_gnuplot_script_writes_a_complete_png_and_svg_with_cairo_and_with_libgd)
{
    if (!have_gnuplot())
        cr_skip_test("gnuplot is not installed (apt-get install gnuplot-nox)");
    for (size_t i = 0; i < NFIGURES; i++) {
        for (int cairo = 1; cairo >= 0; cairo--) {
            const char *out = cairo ? "cairo" : "gd";
            int rc = gnuplot(figures[i].name, at("%s", figures[i].dir), at("%s", out), cairo);
            cr_assert_eq(rc, 0, "%s.gp: exit %d\n%s", figures[i].name, rc,
                         tu_slurp(at("err"), NULL));
            check_both(out, &figures[i]);
        }
    }
}

/* Rows of a CSV's named column, split on commas: enough for outcomes.csv and events.csv,
 * whose only field that may be quoted (args, detail) is the last. */
struct rows {
    char *text;
    char **line;
    size_t n;
};

static void rows_load(struct rows *r, const char *p)
{
    r->text = tu_slurp(p, NULL);
    r->line = NULL;
    r->n = 0;
    for (char *s = r->text, *nl; *s; s = nl + 1) {
        nl = strchr(s, '\n');
        cr_assert(nl, "%s: no line end", p);
        *nl = '\0';
        r->line = realloc(r->line, (r->n + 1) * sizeof(*r->line));
        r->line[r->n++] = s;
    }
    cr_assert_gt(r->n, 0, "%s: no header", p);
}

/* Field k of line i (into buf). */
static const char *field(const struct rows *r, size_t i, size_t k, char *buf, size_t size)
{
    const char *s = r->line[i];
    for (size_t j = 0; j < k; j++) {
        s = strchr(s, ',');
        cr_assert(s, "line %zu has no field %zu", i, k);
        s++;
    }
    size_t len = strcspn(s, ",");
    cr_assert_lt(len, size);
    memcpy(buf, s, len);
    buf[len] = '\0';
    return buf;
}

static size_t column(const struct rows *r, const char *name)
{
    size_t k = 0, len = strlen(name);
    for (const char *h = r->line[0]; h; h = strchr(h, ','), h = h ? h + 1 : NULL, k++)
        if (strncmp(h, name, len) == 0 && (h[len] == ',' || h[len] == '\0'))
            return k;
    cr_assert_fail("no column %s in %s", name, r->line[0]);
    return 0;
}

/* Rows where column col equals value and column col2 equals value2 (either NULL: no such
 * condition) and, if committed, decided_s is not NA and the outcome is approved (the latency
 * CDF's proposals). */
static size_t count(const char *p, const char *col, const char *value, const char *col2,
                    const char *value2, bool committed)
{
    struct rows r;
    rows_load(&r, p);
    size_t c = col ? column(&r, col) : 0, c2 = col2 ? column(&r, col2) : 0;
    size_t o = committed ? column(&r, "outcome") : 0, d = committed ? column(&r, "decided_s") : 0;
    size_t n = 0;
    for (size_t i = 1; i < r.n; i++) {
        char a[128], b[128];
        if (col && strcmp(field(&r, i, c, a, sizeof(a)), value) != 0)
            continue;
        if (col2 && strcmp(field(&r, i, c2, a, sizeof(a)), value2) != 0)
            continue;
        if (committed) {
            const char *out = field(&r, i, o, a, sizeof(a));
            if (strcmp(field(&r, i, d, b, sizeof(b)), "NA") == 0 || strcmp(out, "approved"))
                continue; /* the latency CDF's: commit latency, approved proposals only */
        }
        n++;
    }
    free(r.line);
    free(r.text);
    return n;
}

/* Every approved proposal of every run of the sweep (DIR/runs/RUN/outcomes.csv). */
static size_t sweep_committed(void)
{
    DIR *d = opendir(at("sweep/runs"));
    cr_assert(d);
    size_t n = 0, runs = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        n += count(at("sweep/runs/%s/outcomes.csv", e->d_name), NULL, NULL, NULL, NULL, true);
        runs++;
    }
    closedir(d);
    cr_assert_eq(runs, 12);
    return n;
}

static void assert_has(const char *svg, const char *what, const char *file)
{
    cr_assert(strstr(svg, what), "%s does not show \"%s\"", file, what);
}

static const char *const outcomes[] = {"approved",  "rejected", "timeout",
                                       "no_quorum", "invalid",  "aborted"};

/* The legends and labels that carry the folder's numbers, in the SVGs under tmp/OUT. */
static void check_counts(const char *out, bool heatmap_labels)
{
    char want[128];
    /* timeline: one entry per outcome that occurs, with its count; none for the others. */
    const char *tl = at("%s/timeline.svg", out);
    char *svg = check_svg(tl);
    const char *oc = at("runs/crash-recovery/outcomes.csv");
    for (size_t i = 0; i < sizeof(outcomes) / sizeof(outcomes[0]); i++) {
        size_t n = count(oc, "outcome", outcomes[i], NULL, NULL, false);
        snprintf(want, sizeof(want), "%s (%zu)", outcomes[i], n);
        if (n)
            assert_has(svg, want, tl);
        else
            cr_assert_null(strstr(svg, want), "%s shows \"%s\"", tl, want);
    }
    const char *ev = at("runs/crash-recovery/events.csv");
    snprintf(want, sizeof(want), "down, durable (%zu)",
             count(ev, "event", "crash", "detail", "durable", false));
    assert_has(svg, want, tl);
    snprintf(want, sizeof(want), "down, amnesia (%zu)",
             count(ev, "event", "crash", "detail", "amnesia", false));
    assert_has(svg, want, tl);
    free(svg);

    /* latency_cdf of the folder of runs: one curve per run folder (named after it, spaces
     * and all), its approved proposals. */
    const char *lc = at("%s/latency_cdf.svg", out);
    svg = check_svg(lc);
    for (size_t i = 0; i < 2; i++) {
        snprintf(want, sizeof(want), ">%s (%zu)<", run_names[i],
                 count(at("runs/%s/outcomes.csv", run_names[i]), NULL, NULL, NULL, NULL, true));
        assert_has(svg, want, lc);
    }
    free(svg);

    /* heatmap: every point's approval rate as its cell's label. */
    if (heatmap_labels) {
        const char *hm = at("%s/heatmap.svg", out);
        svg = check_svg(hm);
        struct rows r;
        rows_load(&r, at("sweep/analysis.csv"));
        cr_assert_eq(r.n, 5, "4 points");
        size_t k = column(&r, "approval_rate");
        for (size_t i = 1; i < r.n; i++) {
            char v[64];
            snprintf(want, sizeof(want), ">%.3f<", strtod(field(&r, i, k, v, sizeof(v)), NULL));
            assert_has(svg, want, hm);
        }
        free(r.line);
        free(r.text);
        free(svg);
    }

    /* approval: a legend entry "NODES (QUORUM)" per point's group, and the closed form (no
     * faults). */
    const char *ap = at("%s/approval.svg", out);
    svg = check_svg(ap);
    struct rows r;
    rows_load(&r, at("sweep/analysis.csv"));
    size_t kn = column(&r, "nodes"), kq = column(&r, "quorum");
    for (size_t i = 1; i < r.n; i++) {
        char n[32], q[32];
        snprintf(want, sizeof(want), ">%s (%s)<", field(&r, i, kn, n, sizeof(n)),
                 field(&r, i, kq, q, sizeof(q)));
        assert_has(svg, want, ap);
    }
    free(r.line);
    free(r.text);
    assert_has(svg, "P[Bin(n,p) ≥ q]", ap);
    free(svg);
}

Test(plots, the_gnuplot_figures_show_the_counts_of_their_folder)
{
    if (!have_gnuplot())
        cr_skip_test("gnuplot is not installed (apt-get install gnuplot-nox)");
    for (size_t i = 0; i < NFIGURES; i++)
        cr_assert_eq(gnuplot(figures[i].name, at("%s", figures[i].dir), at("f"), true), 0, "%s",
                     tu_slurp(at("err"), NULL));
    check_counts("f", true);

    /* A sweep run with --traces is one curve: every run's approved proposals pooled. */
    cr_assert_eq(gnuplot("latency_cdf", at("sweep"), at("pooled"), true), 0);
    char *svg = check_svg(at("pooled/latency_cdf.svg")), want[64];
    snprintf(want, sizeof(want), "sweep (%zu)", sweep_committed());
    assert_has(svg, want, "the pooled latency_cdf.svg");
    free(svg);

    /* A point with faults (crash-recovery) has no closed form: no curve in the legend. */
    cr_assert_eq(
        RUN(ATLAS_BINARY, "analyze", (char *)at("runs/crash-recovery"), "--csv", "--quiet"), 0);
    cr_assert_eq(gnuplot("approval", at("runs/crash-recovery"), at("faults"), true), 0);
    svg = check_svg(at("faults/approval.svg"));
    cr_assert_null(strstr(svg, "P[Bin"), "a run with faults shows the closed form");
    assert_has(svg, ">5 (3)<", "the crash-recovery approval.svg");
    free(svg);
}

Test(plots, a_gnuplot_script_without_its_input_exits_1_naming_it_and_writes_nothing)
{
    if (!have_gnuplot())
        cr_skip_test("gnuplot is not installed (apt-get install gnuplot-nox)");
    const char *empty = at("empty");
    cr_assert_eq(mkdir(empty, 0755), 0);
    const char *wants[NFIGURES] = {"empty/analysis.csv not found", "no outcomes.csv in",
                                   "empty/analysis.csv not found",
                                   "needs events.csv and outcomes.csv"};
    for (size_t i = 0; i < NFIGURES; i++) {
        cr_assert_eq(gnuplot(figures[i].name, empty, at("none"), true), 1, "%s.gp",
                     figures[i].name);
        char *err = tu_slurp(at("err"), NULL);
        cr_assert(strstr(err, wants[i]), "%s.gp said: %s", figures[i].name, err);
        free(err);
        cr_assert_not(tu_exists(at("none")), "%s.gp created its output folder", figures[i].name);
    }
}

static bool same_file(const char *a, const char *b)
{
    size_t na, nb;
    char *x = tu_slurp(a, &na), *y = tu_slurp(b, &nb);
    bool same = na == nb && memcmp(x, y, na) == 0;
    free(x);
    free(y);
    return same;
}

Test(plots, the_same_folder_gives_the_same_bytes)
{
    if (!have_gnuplot())
        cr_skip_test("gnuplot is not installed (apt-get install gnuplot-nox)");
    for (size_t i = 0; i < NFIGURES; i++)
        for (int k = 0; k < 2; k++)
            cr_assert_eq(gnuplot(figures[i].name, at("%s", figures[i].dir), at("again%d", k), true),
                         0);
    for (size_t i = 0; i < NFIGURES; i++) {
        const char *fmt[] = {"png", "svg"};
        for (size_t j = 0; j < 2; j++)
            cr_assert(same_file(at("again0/%s.%s", figures[i].name, fmt[j]),
                                at("again1/%s.%s", figures[i].name, fmt[j])),
                      "%s.%s differs between two runs", figures[i].name, fmt[j]);
    }
}

Test(plots, plots_py_draws_the_same_figures_with_the_same_counts)
{
    const char *python = python_with_matplotlib();
    if (!python)
        cr_skip_test("no python3 with pandas and matplotlib "
                     "(apt-get install python3-pandas python3-matplotlib)");
    const char *script = PLOTS "/plots.py";
    /* Without --figure: what the folder allows (a sweep without events.csv: no timeline). */
    cr_assert_eq(RUN((char *)python, (char *)script, (char *)at("sweep"), "-o", (char *)at("py")),
                 0, "%s", tu_slurp(at("err"), NULL));
    char *err = tu_slurp(at("err"), NULL);
    cr_assert(strstr(err, "skipped timeline"), "%s", err);
    free(err);
    cr_assert_eq(RUN((char *)python, (char *)script, (char *)at("runs"), "-o", (char *)at("py"),
                     "--figure", "latency_cdf"),
                 0, "%s", tu_slurp(at("err"), NULL));
    cr_assert_eq(RUN((char *)python, (char *)script, (char *)at("runs/crash-recovery"), "-o",
                     (char *)at("py"), "--figure", "timeline"),
                 0, "%s", tu_slurp(at("err"), NULL));
    for (size_t i = 0; i < NFIGURES; i++)
        check_both("py", &figures[i]);
    check_counts("py", true);

    /* An input asked for and missing: exit 1 naming it, nothing written. */
    cr_assert_eq(mkdir(at("empty"), 0755), 0);
    cr_assert_eq(RUN((char *)python, (char *)script, (char *)at("empty"), "-o", (char *)at("none"),
                     "--figure", "heatmap"),
                 1);
    err = tu_slurp(at("err"), NULL);
    cr_assert(strstr(err, "empty/analysis.csv: not found"), "%s", err);
    free(err);
    cr_assert_not(tu_exists(at("none")));

    /* Same folder, same bytes. */
    cr_assert_eq(RUN((char *)python, (char *)script, (char *)at("runs/crash-recovery"), "-o",
                     (char *)at("py2"), "--figure", "timeline"),
                 0);
    cr_assert(same_file(at("py/timeline.png"), at("py2/timeline.png")));
    cr_assert(same_file(at("py/timeline.svg"), at("py2/timeline.svg")));

    /* pandas without matplotlib (a matplotlib package that cannot be imported shadows the
     * real one): it says what to install, exits 1 and writes nothing. */
    cr_assert_eq(mkdir(at("fake"), 0755), 0);
    cr_assert_eq(mkdir(at("fake/matplotlib"), 0755), 0);
    FILE *f = fopen(at("fake/matplotlib/__init__.py"), "w");
    cr_assert(f);
    fputs("raise ImportError('no matplotlib in this test')\n", f);
    fclose(f);
    char pythonpath[600];
    snprintf(pythonpath, sizeof(pythonpath), "PYTHONPATH=%s", at("fake"));
    char *env[] = {pythonpath, NULL};
    cr_assert_eq(spawn_env(env, (char *const[]){(char *)python, (char *)script,
                                                (char *)at("runs/crash-recovery"), "-o",
                                                (char *)at("none"), NULL}),
                 1);
    err = tu_slurp(at("err"), NULL);
    cr_assert(strstr(err, "apt-get install python3-matplotlib"), "%s", err);
    free(err);
    cr_assert_not(tu_exists(at("none")));
}

static const char *const readme_figures[] = {"approval", "heatmap", "latency_cdf", "timeline"};

Test(plots, the_committed_readme_figures_are_complete_and_each_png_is_under_200_kb)
{
    for (size_t i = 0; i < 4; i++) {
        char png[512], svg[512];
        snprintf(png, sizeof(png), "%s/analysis/figures/%s.png", ATLAS_SOURCE_DIR,
                 readme_figures[i]);
        snprintf(svg, sizeof(svg), "%s/analysis/figures/%s.svg", ATLAS_SOURCE_DIR,
                 readme_figures[i]);
        bool timeline = strcmp(readme_figures[i], "timeline") == 0;
        size_t n = check_png(png, timeline ? 1000 : 900, timeline ? 560 : 600);
        cr_assert_lt(n, 200 * 1024, "%s: %zu bytes", png, n);
        free(check_svg(svg));
    }
}

Test(plots, make_figures_sh_makes_the_four_figures_from_the_shipped_scenarios)
{
    if (!have_gnuplot())
        cr_skip_test("gnuplot is not installed (apt-get install gnuplot-nox)");
    char sim[600], work[600], figs[600];
    snprintf(sim, sizeof(sim), "ATLAS_SIM=%s", ATLAS_BINARY);
    snprintf(work, sizeof(work), "WORK=%s", at("work"));
    snprintf(figs, sizeof(figs), "FIGURES=%s", at("figures"));
    char *env[] = {sim, work, figs, NULL};
    int rc = spawn_env(env, (char *const[]){PLOTS "/make-figures.sh", NULL});
    cr_assert_eq(rc, 0, "make-figures.sh: exit %d\n%s", rc, tu_slurp(at("err"), NULL));
    for (size_t i = 0; i < NFIGURES; i++)
        check_both("figures", &figures[i]);
}

/* A point without proposals has an NA approval rate: it gets no cell and no label. It used to
 * be labelled "nan", drawn over the cell of the point that shares its (p, nodes) when
 * another key (here the proposal count) is swept too. */
Test(plots, heatmap_gives_a_point_without_proposals_no_nan_label)
{
    if (!have_gnuplot())
        cr_skip_test("gnuplot is not installed (apt-get install gnuplot-nox)");
    cr_assert_eq(mkdir(at("na"), 0755), 0);
    FILE *f = fopen(at("na/analysis.csv"), "w");
    cr_assert(f);
    fputs("workload.generate.count,runs,nodes,quorum,approval,approval_rate\n"
          "0,2,3,2,0.5,NA\n0,2,5,3,0.9,NA\n5,2,3,2,0.5,0.25\n5,2,5,3,0.9,0.75\n",
          f);
    fclose(f);
    cr_assert_eq(gnuplot("heatmap", at("na"), at("na/fig"), true), 0, "%s",
                 tu_slurp(at("err"), NULL));
    char *svg = check_svg(at("na/fig/heatmap.svg"));
    assert_has(svg, ">0.250<", "heatmap.svg");
    assert_has(svg, ">0.750<", "heatmap.svg");
    cr_assert_null(strstr(svg, ">nan<"), "an NA rate is labelled nan");
    cr_assert_null(strstr(svg, ">NaN<"), "an NA rate is labelled NaN");
    free(svg);
}

/* plot_points.py --closed-form of `points` (CSV rows after a fixed header) into tmp/NAME.png;
 * returns the exit code. */
static int plot_points(const char *python, const char *name, const char *rows, bool quorum)
{
    FILE *f = fopen(at("%s.csv", name), "w");
    cr_assert(f);
    fprintf(f,
            "consensus.approval,cluster.nodes,%sfaults,approval_rate_mean,"
            "approval_rate_ci95_lo,approval_rate_ci95_hi\n%s",
            quorum ? "quorum," : "", rows);
    fclose(f);
    return RUN((char *)python, PLOTS "/plot_points.py", (char *)at("%s.csv", name), "-o",
               (char *)at("%s.png", name), "--closed-form");
}

/* The closed form uses the points' quorum (it used n//2 + 1 whatever the quorum was): with
 * quorum 3 of 5 (a majority) the figure is the one without a quorum column, with quorum 5
 * another; a node count with several quorums gets no curve and a note. */
Test(plots, plot_points_closed_form_uses_the_points_quorum)
{
    const char *python = python_with_matplotlib();
    if (!python)
        cr_skip_test("no python3 with pandas and matplotlib "
                     "(apt-get install python3-pandas python3-matplotlib)");
    cr_assert_eq(plot_points(python, "q3", "0.5,5,3,0,0.5,0.4,0.6\n0.9,5,3,0,0.9,0.8,1\n", true), 0,
                 "%s", tu_slurp(at("err"), NULL));
    cr_assert_eq(plot_points(python, "q5", "0.5,5,5,0,0.5,0.4,0.6\n0.9,5,5,0,0.9,0.8,1\n", true), 0,
                 "%s", tu_slurp(at("err"), NULL));
    cr_assert_eq(plot_points(python, "maj", "0.5,5,0,0.5,0.4,0.6\n0.9,5,0,0.9,0.8,1\n", false), 0,
                 "%s", tu_slurp(at("err"), NULL));
    cr_assert(same_file(at("q3.png"), at("maj.png")), "quorum 3 of 5 is the majority");
    cr_assert_not(same_file(at("q3.png"), at("q5.png")), "quorum 5 drew the majority's curve");
    cr_assert_eq(plot_points(python, "mixed", "0.5,5,3,0,0.5,0.4,0.6\n0.5,5,5,0,0.1,0,0.2\n", true),
                 0, "%s", tu_slurp(at("err"), NULL));
    char *err = tu_slurp(at("err"), NULL);
    cr_assert(strstr(err, "no closed form for cluster.nodes=5"), "%s", err);
    free(err);
}

/* Text values of the x key (durations) keep the sweep's order: 50ms, 100ms, 1s. Sorted as
 * text they came out 100ms, 1s, 50ms, the line zigzagging between them. */
Test(plots, plot_points_keeps_the_sweep_order_of_text_values)
{
    const char *python = python_with_matplotlib();
    if (!python)
        cr_skip_test("no python3 with pandas and matplotlib "
                     "(apt-get install python3-pandas python3-matplotlib)");
    cr_assert_eq(mkdir(at("rc"), 0755), 0);
    FILE *f = fopen(at("rc/matplotlibrc"), "w");
    cr_assert(f);
    fputs("svg.fonttype: none\n", f); /* tick labels as <text>, in axis order */
    fclose(f);
    f = fopen(at("dur.csv"), "w");
    cr_assert(f);
    fputs("heartbeat.timeout,n,detection_mean_s_mean,detection_mean_s_ci95_lo,"
          "detection_mean_s_ci95_hi\n50ms,3,0.07,0.06,0.08\n100ms,3,0.12,0.11,0.13\n"
          "1s,3,1.02,1.01,1.03\n",
          f);
    fclose(f);
    char rc[700];
    snprintf(rc, sizeof(rc), "MATPLOTLIBRC=%s", at("rc"));
    char *env[] = {rc, NULL};
    cr_assert_eq(spawn_env(env, (char *const[]){(char *)python, PLOTS "/plot_points.py",
                                                (char *)at("dur.csv"), "-o", (char *)at("dur.svg"),
                                                "--x", "heartbeat.timeout", "--group", "",
                                                "--metric", "detection_mean_s", NULL}),
                 0, "%s", tu_slurp(at("err"), NULL));
    char *svg = tu_slurp(at("dur.svg"), NULL);
    char *a = strstr(svg, ">50ms<"), *b = strstr(svg, ">100ms<"), *c = strstr(svg, ">1s<");
    cr_assert(a && b && c, "tick labels missing");
    cr_assert(a < b && b < c, "x axis order: 50ms at %td, 100ms at %td, 1s at %td", a - svg,
              b - svg, c - svg);
    free(svg);
}

/* --help shows the whole description and the defaults; bad input exits 2 with one line on
 * stderr naming the file (a missing file was a Python traceback, a missing column exit 1). */
Test(plots, plot_points_help_is_complete_and_bad_input_exits_2)
{
    const char *python = python_with_matplotlib();
    if (!python)
        cr_skip_test("no python3 with pandas and matplotlib "
                     "(apt-get install python3-pandas python3-matplotlib)");
    cr_assert_eq(RUN((char *)python, PLOTS "/plot_points.py", "--help"), 0);
    char *out = tu_slurp(at("out"), NULL);
    assert_has(out, "the exact approval probability without\nfaults", "--help");
    assert_has(out, "(default: consensus.approval)", "--help");
    assert_has(out, "Exit status: 0 written; 2 bad usage", "--help");
    free(out);
    cr_assert_eq(RUN((char *)python, PLOTS "/plot_points.py", (char *)at("nope.csv")), 2);
    char *err = tu_slurp(at("err"), NULL);
    assert_has(err, "nope.csv: No such file or directory", "stderr");
    cr_assert_null(strstr(err, "Traceback"), "%s", err);
    free(err);
    FILE *f = fopen(at("cols.csv"), "w");
    cr_assert(f);
    fputs("a,b\n1,2\n", f);
    fclose(f);
    cr_assert_eq(RUN((char *)python, PLOTS "/plot_points.py", (char *)at("cols.csv")), 2);
    err = tu_slurp(at("err"), NULL);
    assert_has(err, "cols.csv: no column 'consensus.approval'", "stderr");
    free(err);
}

/* A sweep with uneven value lists, analysed with --plot --run --x: the heatmap has a column
 * per value and none between (0.7 and 0.8 were blank columns), the latency CDF a curve per
 * point (it pooled them all), the timeline is the chosen run's and says so (it was titled
 * "Timeline of 0"), and --x draws the metric against the key; wrong keys or runs exit 2. */
Test(plots, analyze_plot_draws_sweeps_per_point_and_per_chosen_key_and_run)
{
    if (!have_gnuplot())
        cr_skip_test("gnuplot is not installed (apt-get install gnuplot-nox)");
    cr_assert_eq(RUN(ATLAS_BINARY, "sweep", SRC("scenarios/sweep-approval-nodes.yaml"), "-o",
                     (char *)at("uneven"), "--set", "consensus.approval=0.5,0.6,0.9", "--set",
                     "cluster.nodes=3,5,11", "--set", "sweep.replications=2", "--traces", "-q"),
                 0, "%s", tu_slurp(at("err"), NULL));
    cr_assert_eq(RUN(ATLAS_BINARY, "analyze", (char *)at("uneven"), "--plot", "--run", "3",
                     "--metric", "decision_p99_s", "--x", "cluster.nodes", "-q"),
                 0, "%s", tu_slurp(at("err"), NULL));
    char *svg = check_svg(at("uneven/figures/heatmap.svg"));
    assert_has(svg, ">0.6<", "heatmap.svg");
    assert_has(svg, ">11<", "heatmap.svg");
    cr_assert_null(strstr(svg, ">0.7<"), "a blank column at 0.7 in heatmap.svg");
    cr_assert_null(strstr(svg, ">7<"), "a blank row at 7 nodes in heatmap.svg");
    free(svg);
    svg = check_svg(at("uneven/figures/latency_cdf.svg"));
    assert_has(svg, "consensus.approval=0.5 cluster.nodes=3 (", "latency_cdf.svg");
    assert_has(svg, "consensus.approval=0.9 cluster.nodes=11 (", "latency_cdf.svg");
    cr_assert_null(strstr(svg, ">01 "), "the curve's order number is shown");
    free(svg);
    svg = check_svg(at("uneven/figures/timeline.svg"));
    assert_has(svg, "Timeline of uneven, run 3: ", "timeline.svg");
    free(svg);
    svg = check_svg(at("uneven/figures/metric_decision_p99_s.svg"));
    assert_has(svg, "decision_p99_s against cluster.nodes", "metric_decision_p99_s.svg");
    free(svg);
    DIR *figs = opendir(at("uneven/figures")); /* the CDF's folder of links is gone */
    cr_assert(figs);
    for (struct dirent *e; (e = readdir(figs));)
        cr_assert_neq(strncmp(e->d_name, ".cdf.", 5), 0, "%s is left behind", e->d_name);
    closedir(figs);
    cr_assert_eq(RUN(ATLAS_BINARY, "analyze", (char *)at("uneven"), "--plot", "--metric",
                     "decision_p99_s", "--x", "cluster.node", "-q"),
                 2);
    char *err = tu_slurp(at("err"), NULL);
    assert_has(err, "--x cluster.node: not a swept key of ", "stderr");
    free(err);
    cr_assert_eq(RUN(ATLAS_BINARY, "analyze", (char *)at("uneven"), "--plot", "--run", "99", "-q"),
                 2);
    err = tu_slurp(at("err"), NULL);
    assert_has(err, "--run 99: ", "stderr");
    free(err);
    cr_assert_eq(RUN(ATLAS_BINARY, "analyze", (char *)at("uneven"), "--by", "cluster.nodes"), 2);
}

/* The downtime_s rows (won elections after a leader crash) of a run's elections.csv. */
static size_t downtime_rows(const char *csv)
{
    char *text = tu_slurp(csv, NULL);
    size_t n = 0;
    for (char *line = strchr(text, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
        char *end = strchr(line + 1, '\n');
        n += end && end - line > 3 && strncmp(end - 3, ",NA", 3) != 0;
    }
    free(text);
    return n;
}

/* election_cdf of the Figure 16 sweep: one curve per consensus.raft section, labelled by its
 * range, with its own trial count even after a point without trials (150-150 ms: an empty
 * block used to shift every later count onto the wrong curve). A quorum-vote run has no
 * elections.csv: analyze skips the figure, and the script alone exits 1 and writes nothing. */
Test(plots, election_cdf_draws_one_curve_per_raft_point_with_its_own_trial_count)
{
    if (!have_gnuplot())
        cr_skip_test("gnuplot is not installed (apt-get install gnuplot-nox)");
    cr_assert_eq(RUN(ATLAS_BINARY, "sweep", SRC("scenarios/raft-figure16.yaml"), "-o",
                     (char *)at("f16"), "--set", "duration=40s", "--traces", "-q", "-j", "1"),
                 0, "%s", tu_slurp(at("err"), NULL));
    cr_assert_eq(RUN(ATLAS_BINARY, "analyze", (char *)at("f16"), "--plot", "-q"), 0, "%s",
                 tu_slurp(at("err"), NULL));
    char *svg = check_svg(at("f16/figures/election_cdf.svg")), want[96];
    assert_has(svg, "150ms-150ms (heartbeat 75ms) (0)", "election_cdf.svg");
    size_t n = downtime_rows(at("f16/runs/5/elections.csv"));
    cr_assert_gt(n, 20);
    snprintf(want, sizeof(want), "150ms-300ms (heartbeat 75ms) (%zu)", n);
    assert_has(svg, want, "election_cdf.svg");
    n = downtime_rows(at("f16/runs/6/elections.csv"));
    snprintf(want, sizeof(want), "12ms-24ms (heartbeat 6ms) (%zu)", n);
    assert_has(svg, want, "election_cdf.svg");
    free(svg);

    cr_assert_neq(gnuplot("election_cdf", at("runs/crash-recovery"), at("noelect"), true), 0);
    cr_assert_not(tu_exists(at("noelect")));
}
