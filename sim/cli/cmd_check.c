/* cmd_check: `atlas-sim check-history FILE.csv`, the linearizability checker on a history.csv
 * (a run's, or one a user wrote in the same format): exit 0 linearizable, 1 violation (with
 * violation.txt), 2 bad input, 3 unknown (a bound was hit before an answer). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analysis/history.h"
#include "core/xalloc.h"
#include "sim/cli/cli.h"
#include "sim/output/outfile.h"

struct check_args {
    const char *file;      /* the history */
    const char *out;       /* folder of violation.txt (NULL: the history's folder) */
    enum linz_model model; /* --model */
    double time_limit;     /* --time-limit, seconds (0: none) */
    uint64_t cache_mib;    /* --cache-mib, per key */
};

static void check_usage(FILE *f)
{
    fputs("usage: atlas-sim check-history FILE.csv [--model register|set] [--time-limit S]\n"
          "                               [--cache-mib M] [-o DIR]\n"
          "\n"
          "Checks a client history (history.csv: one row per invocation and per completion,\n"
          "README \"history.csv\") for linearizability, key by key, as a register (read,\n"
          "write) or a set (add, remove, read) per key. Prints the verdict and each unknown key.\n"
          "\n"
          "  --model M        register (default) or set\n"
          "  --time-limit S   give up after S seconds (default 60): the verdict is unknown\n"
          "  --cache-mib M    memo cache bound per key (default 256): past it, unknown\n"
          "  -o DIR           where violation.txt goes (default: FILE's folder)\n"
          "  -h, --help       this help\n"
          "\n"
          "Exit codes: 0 linearizable; 1 a violation (DIR/violation.txt: the key, the\n"
          "smallest failing sub-history found, why); 2 bad input or usage; 3 unknown (a key\n"
          "hit the time or memory bound and no key failed): never 0 without an answer.\n",
          f);
}

static bool parse_positive(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno == ERANGE || !(v > 0))
        return false;
    *out = v;
    return true;
}

/* 1 = help printed, 0 = parsed, -1 = bad usage (message printed). */
static int check_parse(int argc, char **argv, struct check_args *a)
{
    *a = (struct check_args){.model = LINZ_REGISTER, .time_limit = 60, .cache_mib = 256};
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        double mib;
        if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
            check_usage(stdout);
            return 1;
        } else if (!strcmp(s, "--model") && v && (!strcmp(v, "register") || !strcmp(v, "set"))) {
            a->model = strcmp(v, "set") == 0 ? LINZ_SET : LINZ_REGISTER;
        } else if (!strcmp(s, "--time-limit") && v && parse_positive(v, &a->time_limit)) {
        } else if (!strcmp(s, "--cache-mib") && v && parse_positive(v, &mib) && mib >= 1 &&
                   mib < 1 << 20) {
            a->cache_mib = (uint64_t)mib;
        } else if (!strcmp(s, "-o") && v) {
            a->out = v;
        } else if (s[0] == '-' || a->file) {
            fprintf(stderr, "atlas-sim check-history: bad argument '%s'%s\n\n", s,
                    v && s[0] == '-' ? " (or its value)" : "");
            check_usage(stderr);
            return -1;
        } else {
            a->file = s;
            continue;
        }
        i++;
    }
    if (!a->file) {
        check_usage(stderr);
        return -1;
    }
    return 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static bool past_deadline(void *ctx)
{
    return now_s() > *(const double *)ctx;
}

static void emit_line(void *ctx, const char *line)
{
    fputs(line, (FILE *)ctx);
}

/* violation.txt: every violating key, its shrunk witness and the rows it came from. */
static void write_violations(FILE *f, const struct check_args *a, const struct history *h,
                             const struct linz_report *r)
{
    fprintf(f, "%s: not linearizable (%s model)\n", a->file,
            a->model == LINZ_SET ? "set" : "register");
    for (size_t i = 0; i < linz_report_count(r); i++) {
        const struct linz_key_result *k = linz_report_get(r, i);
        if (k->verdict != LINZ_VIOLATION)
            continue;
        linz_report_explain(r, i, emit_line, f);
        for (size_t w = 0; w < k->n_witness; w++)
            fprintf(f, "  op %zu is op_id %" PRIu64 ", invoked at line %lu of %s\n", k->witness[w],
                    h->op_id[k->witness[w]], h->line[k->witness[w]], a->file);
    }
}

/* The folder of path ("." when it has none); caller frees. */
static char *folder_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? xstrndup(path, slash == path ? 1 : (size_t)(slash - path)) : xstrdup(".");
}

/* Write DIR/violation.txt atomically; false (printed) on failure. */
static bool save_violation(const struct check_args *a, const struct history *h,
                           const struct linz_report *r)
{
    char *dir = a->out ? xstrdup(a->out) : folder_of(a->file);
    struct diag d;
    diag_init(&d);
    struct outdir *o = outdir_open(dir, &d);
    FILE *f = o ? outdir_create(o, "violation.txt", &d) : NULL;
    if (f)
        write_violations(f, a, h, r);
    bool ok = f ? outdir_commit(o, &d) : false;
    if (!f)
        outdir_abort(o);
    diag_print(&d, stderr);
    if (ok)
        printf("%s/violation.txt: the smallest failing sub-history of each violating key\n", dir);
    diag_fini(&d);
    free(dir);
    return ok;
}

int cmd_check(int argc, char **argv)
{
    struct check_args a;
    int rc = check_parse(argc, argv, &a);
    if (rc != 0)
        return rc > 0 ? EXIT_OK : EXIT_USAGE;
    struct errbuf e;
    struct history h;
    if (!history_read(a.file, a.model, &h, &e)) {
        fprintf(stderr, "%s\n", e.msg);
        return EXIT_USAGE;
    }
    double t0 = now_s(), deadline = t0 + a.time_limit;
    struct linz_limits lim = {.stop = past_deadline,
                              .stop_ctx = &deadline,
                              .max_cache_bytes = (size_t)a.cache_mib << 20,
                              .max_shrink_checks = 1000};
    struct linz_report *r = linz_check(h.ops, &lim);
    enum linz_verdict v = linz_report_verdict(r);
    size_t counts[3] = {0};
    for (size_t i = 0; i < linz_report_count(r); i++)
        counts[linz_report_get(r, i)->verdict]++;
    printf("%s: %s (%zu ops, %zu keys: %zu linearizable, %zu unknown, %zu violation; %.3f s)\n",
           a.file, linz_verdict_name(v), h.n, linz_report_count(r), counts[LINZ_LINEARIZABLE],
           counts[LINZ_UNKNOWN], counts[LINZ_VIOLATION], now_s() - t0);
    for (size_t i = 0; i < linz_report_count(r); i++)
        if (linz_report_get(r, i)->verdict == LINZ_UNKNOWN)
            linz_report_explain(r, i, emit_line, stdout);
    rc = v == LINZ_LINEARIZABLE ? EXIT_OK : v == LINZ_UNKNOWN ? EXIT_UNKNOWN : EXIT_INVARIANT;
    if (v == LINZ_VIOLATION && !save_violation(&a, &h, r))
        rc = EXIT_USAGE;
    linz_report_free(r);
    history_fini(&h);
    return rc;
}
