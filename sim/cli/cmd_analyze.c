/*
 * cmd_analyze: `atlas-sim analyze DIR`, the command line over the analysis library
 * (analysis/: the table, analysis.csv, plots; CSV only). The -o points.csv output stays
 * here because points.csv has one writer, sim/output/points.c, shared with `sweep`.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analysis/folder.h"
#include "analysis/plotrun.h"
#include "analysis/report.h"
#include "analysis/csvread.h"
#include "analysis/csvwrite.h"
#include "core/xalloc.h"
#include "sim/cli/cli.h"
#include "sim/output/points.h"

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: atlas-sim analyze DIR [--csv] [--plot [--run K] [--by KEY] [--x KEY]]\n"
        "                            [--metric NAME]... [-o FILE] [-q]\n"
        "\n"
        "Statistics per sweep point of a folder written by 'atlas-sim run' or 'atlas-sim\n"
        "sweep' (CSV only: DIR/summary.csv, and DIR/outcomes.csv or DIR/runs/RUN/outcomes.csv\n"
        "when present). Runs with equal swept keys form a point; a run folder is one point.\n"
        "For each point it prints:\n"
        "  proposals by outcome (approved, rejected, timeout, no_quorum, invalid, aborted,\n"
        "  undecided),\n"
        "  the approval rate (approved / proposals, pooled over the runs) with its 95%%\n"
        "  Wilson interval and, when the scenario has no faults and one approval\n"
        "  probability p, the closed form P[Bin(nodes, p) >= quorum] beside it;\n"
        "  decision latency mean, p50, p90, p99 (nearest rank), pooled over every decided\n"
        "  proposal when each run has an outcomes.csv (a run folder, or a sweep run with\n"
        "  --traces), else the mean over runs of summary.csv's per-run values (it says which);\n"
        "  false suspicions per node-hour; the mean crash detection latency (weighted by\n"
        "  detections); diverged replicas per run.\n"
        "A run folder with DIR/regions.csv (clients and cluster.zones) also gets its rows:\n"
        "zone, clients, ops_ok, ops_fail, ops_info, read and write p50 and p99.\n"
        "\n"
        "Options:\n"
        "  --csv          also write the same as DIR/analysis.csv (one row per point, columns\n"
        "                 below; analysis/README.md explains them), atomically\n"
        "  --plot         --csv, then run the gnuplot scripts of analysis/plots (approval,\n"
        "                 latency_cdf, heatmap, timeline; those that do not apply to the folder\n"
        "                 are skipped with the reason) into DIR/figures/NAME.png and .svg; the\n"
        "                 scripts are found in $ATLAS_PLOTS_DIR, else in the source tree.\n"
        "                 Without gnuplot on PATH it says how to install it and exits 2\n"
        "  --run K        --plot: draw the timeline of run K (a sweep run with --traces;\n"
        "                 default: the first run)\n"
        "  --by KEY       --plot: latency_cdf draws one curve per value of the swept KEY\n"
        "                 (default: one per point; per value of the first swept key past\n"
        "                 12 points)\n"
        "  --x KEY        --plot: also draw each --metric NAME (mean and 95%% interval per\n"
        "                 point) against the swept KEY, one line per value of --by KEY\n"
        "                 (or a single line), into DIR/figures/metric_NAME.png and .svg\n"
        "  --metric NAME  add the mean and Student-t 95%% interval over the runs of any\n"
        "                 numeric summary.csv column NAME (repeatable); with --csv also the\n"
        "                 columns NAME_mean, NAME_ci95_lo, NAME_ci95_hi. Without it, runs\n"
        "                 with clients get ops_ok, ops_fail, ops_info, ops_throughput,\n"
        "                 read_p50_s, read_p99_s, write_p50_s, write_p99_s,\n"
        "                 linz_violations and linz_unknown\n"
        "  -o FILE        write every metric's statistics in the points.csv format of\n"
        "                 'atlas-sim sweep' (mean, sd, 95%% interval); '-' is standard output\n"
        "                 (and prints no table)\n"
        "  -q, --quiet    print no table\n"
        "\n"
        "analysis.csv columns: the swept keys, runs, nodes, quorum, approval, faults,\n"
        "proposals, approved, rejected, timeout, no_quorum, invalid, aborted, undecided,\n"
        "approval_rate,"
        "approval_ci95_lo, approval_ci95_hi, expected_approval (NA with faults or per-node\n"
        "approvals), decision_mean_s, decision_p50_s, decision_p90_s, decision_p99_s,\n"
        "false_suspicions_per_node_hour, detection_mean_s, diverged_replicas,\n"
        "decision_source (outcomes: pooled; summary: mean of per-run values), then\n"
        "NAME_mean, NAME_ci95_lo, NAME_ci95_hi per --metric. NA marks a missing value.\n"
        "\n"
        "Exit codes: 0 ok; 2 bad input or usage (missing folder or summary.csv, malformed CSV\n"
        "with path:line, missing column), a file that cannot be written, or --plot failing;\n"
        "no file is left half written.\n");
}

struct options {
    const char *dir, *out;
    struct plotrun_options plot_opts; /* --run, --by, --x (and the metrics) */
    bool quiet, csv, plot;
    size_t nmetrics;
    const char **metrics; /* borrowed from argv */
};

static int parse_args(int argc, char **argv, struct options *o)
{
    o->metrics = xcalloc((size_t)argc, sizeof(*o->metrics));
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return -1;
        } else if (strcmp(a, "-o") == 0 && i + 1 < argc) {
            o->out = argv[++i];
        } else if (strcmp(a, "--run") == 0 && i + 1 < argc) {
            o->plot_opts.run = argv[++i];
        } else if (strcmp(a, "--by") == 0 && i + 1 < argc) {
            o->plot_opts.by = argv[++i];
        } else if (strcmp(a, "--x") == 0 && i + 1 < argc) {
            o->plot_opts.x = argv[++i];
        } else if (strcmp(a, "--metric") == 0 && i + 1 < argc) {
            o->metrics[o->nmetrics++] = argv[++i];
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            o->quiet = true;
        } else if (strcmp(a, "--csv") == 0) {
            o->csv = true;
        } else if (strcmp(a, "--plot") == 0) {
            o->plot = o->csv = true;
        } else if (a[0] == '-' || o->dir) {
            fprintf(stderr, "atlas-sim analyze: unexpected argument '%s'\n\n", a);
            usage(stderr);
            return EXIT_USAGE;
        } else {
            o->dir = a;
        }
    }
    if (!o->dir) {
        fprintf(stderr, "atlas-sim analyze: no folder given\n\n");
        usage(stderr);
        return EXIT_USAGE;
    }
    const struct plotrun_options *po = &o->plot_opts;
    if (!o->plot && (po->run || po->by || po->x)) {
        fprintf(stderr, "atlas-sim analyze: --run, --by and --x choose figures: add --plot\n");
        return EXIT_USAGE;
    }
    o->plot_opts.metrics = o->metrics;
    o->plot_opts.nmetrics = o->nmetrics;
    return EXIT_OK;
}

/* ---- -o: points.csv, written by sim/output/points.c from summary.csv's columns (by name) -- */

static bool point_samples(const struct folder *f, size_t p, double *samples, struct errbuf *e)
{
    const struct folder_point *pt = &f->pt[p];
    for (size_t j = 0; j < POINTS_WIDTH; j++) {
        size_t col = folder_column(f, points_field(j)->name);
        for (size_t i = 0; i < pt->nrows; i++) {
            double *s = &samples[i * POINTS_WIDTH + j];
            *s = NAN; /* a hash (fingerprint) is an opaque string, never aggregated */
            if (col != SIZE_MAX && points_field(j)->kind != METRIC_HASH &&
                !folder_real(f, pt->rows[i], col, s, e))
                return false;
        }
    }
    return true;
}

static bool fill_points(FILE *out, const struct folder *f, struct errbuf *e)
{
    const char **paths = xcalloc(f->naxes + 1, sizeof(*paths));
    const char **values = xcalloc(f->naxes + 1, sizeof(*values));
    for (size_t a = 0; a < f->naxes; a++)
        paths[a] = f->cols[f->axis0 + a];
    bool clients = folder_column(f, "ops_ok") != SIZE_MAX; /* summary.csv has their columns */
    points_write_header(out, f->naxes, paths, clients);
    bool ok = true;
    for (size_t p = 0; ok && p < f->npoints; p++) {
        double *samples = xcalloc(f->pt[p].nrows * POINTS_WIDTH, sizeof(*samples));
        for (size_t a = 0; a < f->naxes; a++)
            values[a] = folder_axis_value(f, p, a);
        ok = point_samples(f, p, samples, e);
        if (ok)
            points_write_row(out, f->naxes, values, samples, f->pt[p].nrows, clients);
        free(samples);
    }
    free(paths);
    free(values);
    return ok;
}

/* Whether -o FILE is the folder's own summary.csv (replacing it would destroy the input). */
static bool out_is_input(const struct folder *f, const char *out, struct errbuf *e)
{
    struct stat so, ss;
    bool same = strcmp(out, "-") != 0 && stat(out, &so) == 0 && stat(f->summary, &ss) == 0 &&
                so.st_dev == ss.st_dev && so.st_ino == ss.st_ino;
    if (same)
        errbuf_set(e, "-o %s: that is the summary.csv being analysed; give another file", out);
    return same;
}

/* Atomic (analysis/csvwrite): a hidden temporary .FILE.tmp.PID renamed to FILE once complete;
 * nothing left behind on failure, and a temporary left by kill -9 is the kind the next run or
 * sweep into that folder removes. */
static bool write_points(const struct folder *f, const char *out, struct errbuf *e)
{
    if (strcmp(out, "-") == 0)
        return fill_points(stdout, f, e);
    struct csvwrite w;
    if (!csvwrite_create(&w, out, e))
        return false;
    if (!fill_points(w.f, f, e)) {
        csvwrite_abort(&w);
        return false;
    }
    return csvwrite_commit(&w, e);
}

/* ---- regions.csv: a run's client metrics by client zone, as a table ---------------------- */

static const char *const region_columns[] = {"zone",       "clients",     "ops_ok",
                                             "ops_fail",   "ops_info",    "read_p50_s",
                                             "read_p99_s", "write_p50_s", "write_p99_s"};
#define NREGION_COLUMNS (sizeof(region_columns) / sizeof(region_columns[0]))

/* The header's index of every region_columns[] name; false (e says which) if one is missing. */
static bool region_header(struct csvread *r, size_t *col, struct errbuf *e)
{
    for (size_t k = 0; k < NREGION_COLUMNS; k++) {
        col[k] = 0;
        while (col[k] < csvread_count(r) && strcmp(csvread_field(r, col[k]), region_columns[k]))
            col[k]++;
        if (col[k] == csvread_count(r)) {
            errbuf_set(e, "%s: no column %s", csvread_name(r), region_columns[k]);
            return false;
        }
    }
    return true;
}

/* One row of the table: the region_columns[] fields of the current record. */
static bool print_region_row(struct csvread *r, const size_t *col, FILE *out, struct errbuf *e)
{
    if (csvread_count(r) <= col[NREGION_COLUMNS - 1]) {
        errbuf_set(e, "%s:%lu: too few fields", csvread_name(r), csvread_line(r));
        return false;
    }
    for (size_t k = 0; k < NREGION_COLUMNS; k++)
        fprintf(out, k ? " %12s" : "  %-10s", csvread_field(r, col[k]));
    fputc('\n', out);
    return true;
}

/* The folder's regions.csv (a run with clients and cluster.zones), if any, after the report. */
static bool print_regions(const struct folder *f, FILE *out, struct errbuf *e)
{
    char *path = folder_path(f, "regions.csv");
    struct stat st;
    bool exists = stat(path, &st) == 0;
    struct csvread *r = exists ? csvread_open(path, e) : NULL;
    free(path);
    if (!exists)
        return true;
    size_t col[NREGION_COLUMNS];
    bool ok = r && csvread_next(r, e) == CSVREAD_RECORD && region_header(r, col, e);
    if (ok) {
        fprintf(out, "\nclient regions (regions.csv):\n");
        for (size_t k = 0; k < NREGION_COLUMNS; k++)
            fprintf(out, k ? " %12s" : "  %-10s", region_columns[k]);
        fputc('\n', out);
    }
    enum csvread_status s = CSVREAD_END;
    while (ok && (s = csvread_next(r, e)) == CSVREAD_RECORD)
        ok = print_region_row(r, col, out, e);
    csvread_free(r);
    return ok && s != CSVREAD_ERROR;
}

/* ---- the command ---------------------------------------------------------------------- */

/* Runs with clients (summary.csv has their columns) and no --metric: their statistics. */
static const char *const client_metrics[] = {
    "ops_ok",     "ops_fail",    "ops_info",    "ops_throughput",  "read_p50_s",
    "read_p99_s", "write_p50_s", "write_p99_s", "linz_violations", "linz_unknown"};

/* Runs of a log protocol (Raft, Multi-Paxos: summary.csv has commits_per_s) and no --metric:
 * their statistics too, after the clients'. */
static const char *const log_metrics[] = {"elections", "leader_changes", "leaderless_s",
                                          "commits_per_s", "messages_per_commit"};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

/* The metrics analyze reports: --metric's, else those the folder's columns call for. */
static size_t default_metrics(const struct folder *f, const char **out)
{
    size_t n = 0;
    if (folder_column(f, "ops_ok") != SIZE_MAX)
        for (size_t i = 0; i < COUNT_OF(client_metrics); i++)
            out[n++] = client_metrics[i];
    if (folder_column(f, "commits_per_s") != SIZE_MAX)
        for (size_t i = 0; i < COUNT_OF(log_metrics); i++)
            out[n++] = log_metrics[i];
    return n;
}

static bool analyze(const struct options *o, struct errbuf *e)
{
    struct folder *f = folder_load(o->dir, e);
    const char *defaults[COUNT_OF(client_metrics) + COUNT_OF(log_metrics)];
    const char *const *metrics = o->metrics;
    size_t nmetrics = o->nmetrics;
    if (f && !nmetrics) {
        metrics = defaults;
        nmetrics = default_metrics(f, defaults);
    }
    struct report *r =
        f && !(o->out && out_is_input(f, o->out, e)) ? report_new(f, metrics, nmetrics, e) : NULL;
    bool ok = r != NULL, to_stdout = o->out && strcmp(o->out, "-") == 0;
    char *regions = NULL; /* read first: a bad file leaves no table or file behind */
    size_t nregions = 0;
    FILE *rf = ok && !o->quiet && !to_stdout ? open_memstream(&regions, &nregions) : NULL;
    if (rf) {
        ok = print_regions(f, rf, e);
        fclose(rf);
    }
    /* The files first: a file that cannot be written leaves no table behind either. */
    if (ok && o->out)
        ok = write_points(f, o->out, e);
    char *csv = f ? folder_path(f, "analysis.csv") : NULL;
    if (ok && o->csv)
        ok = report_save(r, csv, e);
    if (ok && !o->quiet && !to_stdout) {
        report_print(r, stdout);
        fwrite(regions, 1, nregions, stdout);
        if (o->csv)
            printf("wrote %s\n", csv);
    }
    if (ok && o->plot)
        ok = plotrun_all(f, r, &o->plot_opts, o->quiet || to_stdout ? stderr : stdout, e);
    free(csv);
    free(regions);
    report_free(r);
    folder_free(f);
    return ok;
}

int cmd_analyze(int argc, char **argv)
{
    struct options o = {0};
    int rc = parse_args(argc, argv, &o);
    struct errbuf e;
    if (rc == EXIT_OK && !analyze(&o, &e)) {
        fprintf(stderr, "atlas-sim analyze: %s\n", e.msg);
        rc = EXIT_USAGE;
    }
    /* The table or `-o -` lost to a full disk or a closed pipe is a failure, not exit 0. */
    if (rc == EXIT_OK && (fflush(stdout) != 0 || ferror(stdout))) {
        fprintf(stderr, "atlas-sim analyze: standard output: write error: %s\n", strerror(errno));
        rc = EXIT_USAGE;
    }
    free(o.metrics);
    return rc < 0 ? EXIT_OK : rc;
}
