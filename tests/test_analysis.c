/*
 * The analysis library (analysis/) and `atlas-sim analyze`: the RFC 4180 reader's edge cases
 * and errors, the writer's quoting, Wilson intervals, binomial tails, nearest ranks and t
 * intervals against hand-computed values, and end to end through the real program: a small
 * sweep whose analysis.csv is checked against statistics computed here, independently, from
 * summary.csv and outcomes.csv; determinism; bad input exits 2 naming the path and leaves no
 * file; --plot without gnuplot.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analysis/csvread.h"
#include "analysis/csvwrite.h"
#include "analysis/decisions.h"
#include "analysis/estimate.h"
#include "testutil.h"

/* ---- the reader ----------------------------------------------------------------------- */

/* A reader over text (a memory stream named "mem.csv"). */
static struct csvread *reader(const char *text, size_t len, FILE **f)
{
    *f = fmemopen((void *)text, len, "rb");
    cr_assert(*f);
    return csvread_new(*f, "mem.csv");
}

/* Every field of the next record joined with '|'. */
static const char *next_joined(struct csvread *r, char *buf, size_t len)
{
    struct errbuf e;
    enum csvread_status s = csvread_next(r, &e);
    cr_assert_eq(s, CSVREAD_RECORD, "%s", s == CSVREAD_ERROR ? e.msg : "end of input");
    buf[0] = '\0';
    for (size_t i = 0; i < csvread_count(r); i++)
        snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", i ? "|" : "", csvread_field(r, i));
    return buf;
}

static void expect_end(struct csvread *r)
{
    struct errbuf e;
    cr_assert_eq(csvread_next(r, &e), CSVREAD_END);
}

/* The error message of reading text to its end. */
static void expect_error(const char *text, size_t len, const char *msg)
{
    FILE *f;
    struct csvread *r = reader(text, len, &f);
    struct errbuf e;
    enum csvread_status s;
    while ((s = csvread_next(r, &e)) == CSVREAD_RECORD)
        ;
    cr_assert_eq(s, CSVREAD_ERROR, "no error for %s", text);
    cr_assert_str_eq(e.msg, msg);
    cr_assert_eq(csvread_next(r, &e), CSVREAD_ERROR, "an error must stay");
    cr_assert_str_eq(e.msg, msg);
    csvread_free(r);
    fclose(f);
}

#define TEXT(s) (s), sizeof(s) - 1

Test(csvread, quoted_fields_keep_commas_newlines_and_doubled_quotes)
{
    static const char text[] = "a,b,c\n"
                               "\"x,y\",\"say \"\"hi\"\"\",\"two\nlines\"\n"
                               "\"\",,\"\"\"\"\n"
                               "plain,\"q\",\"end\"\n";
    FILE *f;
    struct csvread *r = reader(TEXT(text), &f);
    char buf[256];
    cr_assert_str_eq(next_joined(r, buf, sizeof(buf)), "a|b|c");
    cr_assert_eq(csvread_line(r), 1);
    cr_assert_str_eq(next_joined(r, buf, sizeof(buf)), "x,y|say \"hi\"|two\nlines");
    cr_assert_eq(csvread_line(r), 2);
    cr_assert_str_eq(next_joined(r, buf, sizeof(buf)), "||\"");
    cr_assert_eq(csvread_line(r), 4, "a quoted newline counts as a line");
    cr_assert_str_eq(next_joined(r, buf, sizeof(buf)), "plain|q|end");
    expect_end(r);
    csvread_free(r);
    fclose(f);
}

Test(csvread, crlf_and_lf_line_ends_and_a_missing_final_line_end)
{
    static const char text[] = "a,b\r\n1,2\n\"3\r\n\",4\r\n5,6";
    FILE *f;
    struct csvread *r = reader(TEXT(text), &f);
    char buf[256];
    cr_assert_str_eq(next_joined(r, buf, sizeof(buf)), "a|b");
    cr_assert_str_eq(next_joined(r, buf, sizeof(buf)), "1|2");
    cr_assert_str_eq(next_joined(r, buf, sizeof(buf)), "3\r\n|4", "CRLF inside quotes is data");
    cr_assert_str_eq(next_joined(r, buf, sizeof(buf)), "5|6");
    cr_assert_eq(csvread_line(r), 5);
    expect_end(r);
    csvread_free(r);
    fclose(f);
}

Test(csvread, a_byte_order_mark_is_skipped_and_an_empty_input_has_no_record)
{
    static const char text[] = "\xEF\xBB\xBFrun,x\n0,1\n";
    FILE *f;
    struct csvread *r = reader(TEXT(text), &f);
    char buf[64];
    cr_assert_str_eq(next_joined(r, buf, sizeof(buf)), "run|x");
    cr_assert_str_eq(next_joined(r, buf, sizeof(buf)), "0|1");
    expect_end(r);
    csvread_free(r);
    fclose(f);
    r = reader(TEXT(" "), &f); /* one record, one field " " */
    cr_assert_str_eq(next_joined(r, buf, sizeof(buf)), " ");
    expect_end(r);
    csvread_free(r);
    fclose(f);
}

Test(csvread, malformed_input_names_line_and_column)
{
    expect_error(TEXT("a,b\n1,\"open\n2,3\n"), "mem.csv:2:3: quoted field is never closed");
    expect_error(TEXT("a,b\n\"x\"y,2\n"),
                 "mem.csv:2:4: text after the closing quote of a field (a quote inside a quoted "
                 "field is written \"\")");
    expect_error(TEXT("a,b\n1,x\"y\n"), "mem.csv:2:4: quote inside an unquoted field (enclose "
                                        "the field in quotes and write the quote as \"\")");
    expect_error(TEXT("a,b\n1,2,3\n"), "mem.csv:2: 3 fields, but the header has 2");
    expect_error(TEXT("a,b\n1\n"), "mem.csv:2: 1 fields, but the header has 2");
    expect_error(TEXT("a,b\n1,2\n\n3,4\n"),
                 "mem.csv:3: empty line (a record needs 2 fields, like the header)");
    expect_error(TEXT("a,b\r1,2\n"), "mem.csv:1:5: CR not followed by LF outside a quoted field");
    expect_error(TEXT("a,b\n1,\0\n"), "mem.csv:2:3: NUL byte in a text file");
    expect_error(TEXT("\xEF\x41,b\n"), "mem.csv:1:1: starts with byte 0xEF but no UTF-8 byte "
                                       "order mark");
}

/* A reader finding columns by name would take either of two equal ones: a header with a
 * name twice is an error (analyze accepted it). */
Test(csvread, a_header_naming_a_column_twice_is_refused)
{
    FILE *f;
    struct csvread *r = reader(TEXT("run,x,seed,x\n0,1,2,3\n"), &f);
    struct errbuf e;
    cr_assert_eq(csvread_next(r, &e), CSVREAD_RECORD);
    cr_assert_not(csvread_unique(r, &e));
    cr_assert_str_eq(e.msg, "mem.csv:1: column 'x' appears twice (fields 2 and 4)");
    cr_assert_eq(csvread_next(r, &e), CSVREAD_RECORD);
    cr_assert(csvread_unique(r, &e), "0,1,2,3 names no column twice");
    csvread_free(r);
    fclose(f);
}

Test(csvread, a_file_that_cannot_be_opened_is_named)
{
    struct errbuf e;
    cr_assert_null(csvread_open("/nonexistent/summary.csv", &e));
    cr_assert_str_eq(e.msg, "/nonexistent/summary.csv: cannot read: No such file or directory");
}

Test(csvwrite, awkward_strings_are_quoted_and_read_back_unchanged)
{
    static const char *const fields[] = {
        "plain", "a,b",    "say \"hi\"", "two\nlines", "cr\r\n",
        " lead", "trail ", "",           "NA",         "{dist: constant, v: 1}"};
    enum { N = sizeof(fields) / sizeof(fields[0]) };
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    struct csvwrite w;
    csvwrite_init(&w, out);
    for (int row = 0; row < 2; row++) {
        for (size_t i = 0; i < N; i++)
            csvwrite_str(&w, fields[i]);
        csvwrite_end(&w);
    }
    fclose(out);
    FILE *f;
    struct csvread *r = reader(text, len, &f);
    struct errbuf e;
    for (int row = 0; row < 2; row++) {
        cr_assert_eq(csvread_next(r, &e), CSVREAD_RECORD, "%s\n%s", e.msg, text);
        cr_assert_eq(csvread_count(r), N);
        for (size_t i = 0; i < N; i++)
            cr_assert_str_eq(csvread_field(r, i), fields[i]);
    }
    expect_end(r);
    csvread_free(r);
    fclose(f);
    free(text);
}

/* xorshift64: the test's own deterministic draws. */
static uint64_t draw(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

Test(csvwrite, random_tables_of_awkward_characters_read_back_unchanged)
{
    static const char alphabet[] = "ab ,\"\r\n\t;'x0";
    uint64_t x = 0x9E3779B97F4A7C15u;
    for (int table = 0; table < 500; table++) {
        size_t ncols = 1 + draw(&x) % 5, nrows = 1 + draw(&x) % 6;
        char cell[6][5][8];
        char *text = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&text, &len);
        struct csvwrite w;
        csvwrite_init(&w, out);
        for (size_t r = 0; r < nrows; r++) {
            for (size_t c = 0; c < ncols; c++) {
                size_t n = draw(&x) % 8;
                for (size_t i = 0; i < n; i++)
                    cell[r][c][i] = alphabet[draw(&x) % (sizeof(alphabet) - 1)];
                cell[r][c][n] = '\0';
                csvwrite_str(&w, cell[r][c]);
            }
            csvwrite_end(&w);
        }
        fclose(out);
        FILE *f;
        struct csvread *rd = reader(text, len, &f);
        struct errbuf e;
        for (size_t r = 0; r < nrows; r++) {
            cr_assert_eq(csvread_next(rd, &e), CSVREAD_RECORD, "%s\n%s", e.msg, text);
            cr_assert_eq(csvread_count(rd), ncols, "%s", text);
            for (size_t c = 0; c < ncols; c++)
                cr_assert_str_eq(csvread_field(rd, c), cell[r][c], "%s", text);
        }
        expect_end(rd);
        csvread_free(rd);
        fclose(f);
        free(text);
    }
}

Test(csvwrite, reals_are_the_shortest_text_that_reads_back)
{
    char buf[CSVWRITE_REAL_LEN];
    cr_assert_str_eq(csvwrite_format_real(0.1, buf), "0.1");
    cr_assert_str_eq(csvwrite_format_real(0.648, buf), "0.648");
    cr_assert_str_eq(csvwrite_format_real(100000, buf), "100000");
    cr_assert_str_eq(csvwrite_format_real(1e-7, buf), "1e-07");
    cr_assert_str_eq(csvwrite_format_real(NAN, buf), "NA");
    double third = 1.0 / 3;
    cr_assert(strtod(csvwrite_format_real(third, buf), NULL) == third);
}

/* ---- estimates ------------------------------------------------------------------------ */

/* Hand-computed values (Python, the formulas in estimate.h) agree to 1e-12: rounding only. */
#define CLOSE(x, want) cr_assert(fabs((x) - (want)) <= 1e-12, "%.17g != %.17g", (x), (want))

Test(estimate, wilson_interval_matches_hand_computed_values)
{
    double lo, hi;
    estimate_wilson95(8, 10, &lo, &hi);
    CLOSE(lo, 0.4901624715366418);
    CLOSE(hi, 0.9433178485456247);
    estimate_wilson95(1, 3, &lo, &hi);
    CLOSE(lo, 0.061491944720396215);
    CLOSE(hi, 0.7923403991979523);
    estimate_wilson95(146, 150, &lo, &hi);
    CLOSE(lo, 0.9334461094878556);
    CLOSE(hi, 0.9895820591770321);
    estimate_wilson95(0, 10, &lo, &hi);
    cr_assert(lo == 0.0, "k == 0 touches 0 exactly");
    CLOSE(hi, 0.2775327998628892);
    estimate_wilson95(10, 10, &lo, &hi);
    CLOSE(lo, 0.7224672001371106);
    cr_assert(hi == 1.0, "k == n touches 1 exactly");
    estimate_wilson95(0, 0, &lo, &hi);
    cr_assert(isnan(lo) && isnan(hi));
}

Test(estimate, binomial_tail_matches_exact_sums)
{
    /* exact rational sums of C(n,k) p^k (1-p)^(n-k), k = q..n */
    CLOSE(estimate_binomial_at_least(3, 0.6, 2), 0.648);
    CLOSE(estimate_binomial_at_least(5, 0.9, 3), 0.99144);
    CLOSE(estimate_binomial_at_least(15, 0.7, 8), 0.949987459946224);
    CLOSE(estimate_binomial_at_least(1000, 0.5, 501), 0.4873874909108196);
    CLOSE(estimate_binomial_at_least(5, 0.5, 5), 1.0 / 32);
    cr_assert(estimate_binomial_at_least(5, 0.3, 0) == 1.0);
    cr_assert(estimate_binomial_at_least(5, 0.9, 6) == 0.0);
    cr_assert(estimate_binomial_at_least(5, 0.0, 1) == 0.0);
    cr_assert(estimate_binomial_at_least(5, 1.0, 5) == 1.0);
}

Test(estimate, nearest_rank_is_ceil_q_n)
{
    cr_assert_eq(estimate_rank(8, 0.5), 3);
    cr_assert_eq(estimate_rank(8, 0.9), 7);
    cr_assert_eq(estimate_rank(8, 0.99), 7);
    cr_assert_eq(estimate_rank(100, 0.99), 98);
    cr_assert_eq(estimate_rank(100, 0.9), 89);
    cr_assert_eq(estimate_rank(1, 0.5), 0);
    cr_assert_eq(estimate_rank(3, 1.0), 2);
}

Test(estimate, t_interval_of_the_mean_skips_missing_values)
{
    double x[] = {1, NAN, 2, 3, 4, NAN};
    struct estimate_mean m;
    estimate_mean(x, 6, &m);
    cr_assert_eq(m.n, 4);
    CLOSE(m.mean, 2.5);
    CLOSE(m.sd, 1.2909944487358056);
    CLOSE(m.ci_lo, 0.445739743239121); /* 2.5 -+ t(0.975, 3) sd / 2, t = 3.182446305284263 */
    CLOSE(m.ci_hi, 4.5542602567608785);
    estimate_mean(x, 1, &m);
    cr_assert(m.n == 1 && m.mean == 1 && isnan(m.sd) && isnan(m.ci_lo));
    estimate_mean(x + 1, 1, &m);
    cr_assert(m.n == 0 && isnan(m.mean));
}

Test(decisions, seconds_are_read_exactly_as_nanoseconds)
{
    uint64_t ns;
    cr_assert(decisions_parse_seconds("0.087206926", &ns) && ns == 87206926);
    cr_assert(decisions_parse_seconds("12", &ns) && ns == 12000000000u);
    cr_assert(decisions_parse_seconds("1.5", &ns) && ns == 1500000000u);
    cr_assert(decisions_parse_seconds("0.000000001", &ns) && ns == 1);
    static const char *const bad[] = {"", ".5", "1.", "1.0000000001", "-1", "1e3", "NA", " 1"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_assert_not(decisions_parse_seconds(bad[i], &ns), "'%s'", bad[i]);
}

/* ---- end to end through atlas-sim ----------------------------------------------------- */

/* Five nodes; approval 0.6 / 0.9 times heartbeat loss 0 / 0.4 (faults 0 / 1); one invalid
 * proposal per run (removing a vertex that does not exist). */
static const char sweep_yaml[] =
    "name: analysis-e2e\n"
    "seed: 11\n"
    "duration: 2s\n"
    "cluster: {nodes: 5, quorum: majority}\n"
    "network:\n"
    "  latency: {dist: lognormal, median: 5ms, sigma: 0.3}\n"
    "heartbeat: {interval: 50ms, timeout: 150ms, loss: 0}\n"
    "consensus: {approval: 0.9, vote_timeout: 1s}\n"
    "graph:\n"
    "  vertices: [{id: root, label: Root}]\n"
    "workload:\n"
    "  ops: [{at: 1s, proposer: 0, op: remove_vertex, id: ghost}]\n"
    "  generate: {count: 10, rate: 8, proposer: random, mix: {add_vertex: 1, add_edge: 1}}\n"
    "sweep:\n"
    "  params:\n"
    "    consensus.approval: [0.6, 0.9]\n"
    "    heartbeat.loss: [0, 0.4]\n"
    "  replications: 3\n"
    "output: {votes: false}\n";

static char tmp[64];

static char *path(const char *name)
{
    static char buf[4][256];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof(buf[k]), "%s/%s", tmp, name);
    return buf[k];
}

static void setup(void)
{
    strcpy(tmp, "/tmp/atlas-analysis-XXXXXX");
    cr_assert(mkdtemp(tmp));
    FILE *f = fopen(path("e2e.yaml"), "w");
    cr_assert(f);
    fputs(sweep_yaml, f);
    fclose(f);
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(analyze, .init = setup, .fini = teardown, .timeout = 120);

/* Run atlas-sim with argv (NULL-terminated) and env_path as PATH (NULL: inherited); stdout
 * to tmp/out, stderr to tmp/err (both truncated). Returns the exit code. */
static int run_env(const char *env_path, char *const *argv)
{
    char path_var[4096];
    snprintf(path_var, sizeof(path_var), "PATH=%s", env_path ? env_path : "");
    char *const env[] = {env_path ? path_var : NULL, NULL};
    char out[320], err[320]; /* not path(): its ring would recycle the caller's paths */
    snprintf(out, sizeof(out), "%s/out", tmp);
    snprintf(err, sizeof(err), "%s/err", tmp);
    return tu_run(argv, out, err, env);
}

#define RUN(...) run_env(NULL, (char *const[]){ATLAS_BINARY, __VA_ARGS__, NULL})

static bool exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

/* A whole CSV file read with the library's reader (its own tests are above). */
struct table {
    size_t ncols, nrows;
    char **cell; /* (nrows + 1) x ncols, row 0 the header */
};

static void table_load(struct table *t, const char *p)
{
    struct errbuf e;
    struct csvread *r = csvread_open(p, &e);
    cr_assert(r, "%s", e.msg);
    size_t cap = 0;
    enum csvread_status s;
    *t = (struct table){0};
    for (size_t row = 0; (s = csvread_next(r, &e)) == CSVREAD_RECORD; row++) {
        t->ncols = csvread_count(r);
        if ((row + 1) * t->ncols > cap)
            t->cell = realloc(t->cell, (cap = 2 * (row + 1) * t->ncols) * sizeof(*t->cell));
        for (size_t i = 0; i < t->ncols; i++)
            t->cell[row * t->ncols + i] = strdup(csvread_field(r, i));
        t->nrows = row;
    }
    cr_assert_eq(s, CSVREAD_END, "%s", e.msg);
    csvread_free(r);
}

static void table_free(struct table *t)
{
    for (size_t i = 0; i < (t->nrows + 1) * t->ncols; i++)
        free(t->cell[i]);
    free(t->cell);
}

static size_t col(const struct table *t, const char *name)
{
    for (size_t i = 0; i < t->ncols; i++)
        if (strcmp(t->cell[i], name) == 0)
            return i;
    cr_assert_fail("no column %s", name);
    return 0;
}

/* Row r (1-based: 0 is the header), column `name`. */
static const char *get(const struct table *t, size_t r, const char *name)
{
    return t->cell[r * t->ncols + col(t, name)];
}

static double num(const struct table *t, size_t r, const char *name)
{
    const char *s = get(t, r, name);
    return strcmp(s, "NA") == 0 ? NAN : strtod(s, NULL);
}

/* Equal within relative 1e-12 (independent formulas round differently), or both NA. */
static void same_value(double got, double want, const char *what, size_t point)
{
    if (isnan(want)) {
        cr_assert(isnan(got), "point %zu %s: %.17g, expected NA", point, what, got);
        return;
    }
    cr_assert(fabs(got - want) <= 1e-12 * fmax(1, fabs(want)), "point %zu %s: %.17g != %.17g",
              point, what, got, want);
}

/* Statistics of one point computed here from the runs' rows of summary.csv. */
struct expected {
    double runs, proposals, approved, counts[7], fs, det, det_sum, diverged, node_hours;
    double dec[4], nvals[4]; /* sums of the per-run decision values and their counts */
};

static const char *const outcome_cols[7] = {"approved", "rejected", "timeout",  "no_quorum",
                                            "invalid",  "aborted",  "undecided"};
static const char *const decision_cols[4] = {"decision_mean_s", "decision_p50_s", "decision_p90_s",
                                             "decision_p99_s"};

static void expected_add(struct expected *x, const struct table *s, size_t r)
{
    x->runs++;
    x->proposals += num(s, r, "proposals");
    for (size_t k = 0; k < 7; k++)
        x->counts[k] += num(s, r, outcome_cols[k]);
    x->fs += num(s, r, "false_suspicions");
    double d = num(s, r, "detections");
    x->det += d;
    x->det_sum += d > 0 ? d * num(s, r, "detection_mean_s") : 0;
    x->diverged += num(s, r, "diverged_replicas");
    x->node_hours += num(s, r, "nodes") * num(s, r, "duration_s") / 3600;
    for (size_t k = 0; k < 4; k++) {
        double v = num(s, r, decision_cols[k]);
        if (!isnan(v)) {
            x->dec[k] += v;
            x->nvals[k]++;
        }
    }
}

/* P[Bin(n, p) >= q] as a sum of probabilities (the library uses gsl_cdf_binomial_Q). */
static double tail_by_sum(unsigned n, double p, unsigned q)
{
    double sum = 0;
    for (unsigned k = n + 1; k-- > q;)
        sum += gsl_ran_binomial_pdf(k, p, n);
    return sum;
}

static void check_approval(const struct table *a, size_t r, const struct expected *x,
                           const struct table *s, size_t first)
{
    double n = x->proposals, k = x->counts[0], z = 1.959963984540054;
    double p = k / n, c = p + z * z / (2 * n), h = z * sqrt(p * (1 - p) / n + z * z / (4 * n * n));
    same_value(num(a, r, "approval_rate"), p, "approval_rate", r);
    same_value(num(a, r, "approval_ci95_lo"), k == 0 ? 0 : (c - h) / (1 + z * z / n), "lo", r);
    same_value(num(a, r, "approval_ci95_hi"), k == n ? 1 : (c + h) / (1 + z * z / n), "hi", r);
    double expected = NAN;
    if (num(s, first, "faults") == 0)
        expected = tail_by_sum((unsigned)num(s, first, "nodes"), num(s, first, "approval"),
                               (unsigned)num(s, first, "quorum"));
    same_value(num(a, r, "expected_approval"), expected, "expected_approval", r);
}

/* Decision times pooled from the point's runs' outcomes.csv, in ns, sorted. */
static int cmp_u64(const void *pa, const void *pb)
{
    uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
    return (a > b) - (a < b);
}

static size_t pooled_times(const char *dir, const struct table *s, const char *key,
                           char (*keys)[64], uint64_t *ns)
{
    size_t n = 0;
    for (size_t r = 1; r <= s->nrows; r++) {
        if (strcmp(keys[r], key) != 0)
            continue;
        char p[512];
        snprintf(p, sizeof(p), "%s/runs/%s/outcomes.csv", dir, get(s, r, "run"));
        struct table o;
        table_load(&o, p);
        for (size_t i = 1; i <= o.nrows; i++) {
            const char *out = get(&o, i, "outcome");
            if (strcmp(out, "approved") && strcmp(out, "rejected") && strcmp(out, "timeout"))
                continue;
            uint64_t sub, dec;
            cr_assert(decisions_parse_seconds(get(&o, i, "submitted_s"), &sub));
            cr_assert(decisions_parse_seconds(get(&o, i, "decided_s"), &dec));
            ns[n++] = dec - sub;
        }
        table_free(&o);
    }
    qsort(ns, n, sizeof(*ns), cmp_u64);
    return n;
}

static void check_decisions(const struct table *a, size_t r, const struct expected *x,
                            const uint64_t *ns, size_t n)
{
    double want[4];
    if (ns) {
        double sum = 0;
        for (size_t i = 0; i < n; i++)
            sum += (double)ns[i];
        want[0] = sum / (double)n / 1e9;
        const double q[4] = {0, 0.5, 0.9, 0.99};
        for (size_t k = 1; k < 4; k++)
            want[k] = (double)ns[(size_t)ceil(q[k] * (double)n) - 1] / 1e9;
    } else {
        for (size_t k = 0; k < 4; k++)
            want[k] = x->nvals[k] ? x->dec[k] / x->nvals[k] : NAN;
    }
    for (size_t k = 0; k < 4; k++)
        same_value(num(a, r, decision_cols[k]), want[k], decision_cols[k], r);
    cr_assert_str_eq(get(a, r, "decision_source"), ns ? "outcomes" : "summary");
}

/* The contract's columns (the swept keys first), spelled out independently of the writer. */
static const char contract_header[] =
    "consensus.approval,heartbeat.loss,runs,nodes,quorum,approval,faults,proposals,approved,"
    "rejected,timeout,no_quorum,invalid,aborted,undecided,approval_rate,approval_ci95_lo,"
    "approval_ci95_hi,expected_approval,decision_mean_s,decision_p50_s,decision_p90_s,"
    "decision_p99_s,commit_mean_s,commit_p50_s,commit_p90_s,commit_p99_s,"
    "false_suspicions_per_node_hour,detection_mean_s,diverged_replicas,"
    "decision_source\n";

/* analysis.csv of dir against summary.csv (and, if pooled, outcomes.csv) computed here. */
static void check_analysis(const char *dir, bool pooled)
{
    char p[512];
    struct table s, a;
    snprintf(p, sizeof(p), "%s/summary.csv", dir);
    table_load(&s, p);
    snprintf(p, sizeof(p), "%s/analysis.csv", dir);
    table_load(&a, p);
    size_t len;
    char *text = tu_slurp(p, &len);
    cr_assert(strncmp(text, contract_header, strlen(contract_header)) == 0, "%s", text);
    free(text);
    char(*keys)[64] = calloc(s.nrows + 1, sizeof(*keys));
    for (size_t r = 1; r <= s.nrows; r++)
        snprintf(keys[r], sizeof(keys[r]), "%s|%s", get(&s, r, "consensus.approval"),
                 get(&s, r, "heartbeat.loss"));
    cr_assert_eq(a.nrows, 4, "2 x 2 points");
    uint64_t *ns = calloc(s.nrows * 64, sizeof(*ns));
    for (size_t r = 1; r <= a.nrows; r++) {
        char key[64];
        snprintf(key, sizeof(key), "%s|%s", get(&a, r, "consensus.approval"),
                 get(&a, r, "heartbeat.loss"));
        struct expected x = {0};
        size_t first = 0;
        for (size_t i = 1; i <= s.nrows; i++)
            if (strcmp(keys[i], key) == 0) {
                first = first ? first : i;
                expected_add(&x, &s, i);
            }
        cr_assert_eq(x.runs, 3, "point %s", key);
        cr_assert_eq(num(&a, r, "runs"), x.runs);
        cr_assert_eq(num(&a, r, "proposals"), x.proposals);
        for (size_t k = 0; k < 7; k++)
            cr_assert_eq(num(&a, r, outcome_cols[k]), x.counts[k], "%s", outcome_cols[k]);
        cr_assert_eq(num(&a, r, "invalid"), 3, "one invalid proposal per run");
        for (size_t k = 0; k < 4; k++) {
            const char *param[] = {"nodes", "quorum", "approval", "faults"};
            cr_assert_str_eq(get(&a, r, param[k]), get(&s, first, param[k]));
        }
        check_approval(&a, r, &x, &s, first);
        size_t n = pooled ? pooled_times(dir, &s, key, keys, ns) : 0;
        check_decisions(&a, r, &x, pooled ? ns : NULL, n);
        same_value(num(&a, r, "false_suspicions_per_node_hour"), x.fs / x.node_hours, "fs", r);
        same_value(num(&a, r, "detection_mean_s"), x.det ? x.det_sum / x.det : NAN, "det", r);
        same_value(num(&a, r, "diverged_replicas"), x.diverged / x.runs, "diverged", r);
        if (num(&a, r, "faults") == 1)
            cr_assert_gt(num(&a, r, "false_suspicions_per_node_hour"), 0,
                         "heartbeat loss 0.4 with a timeout of 3 intervals suspects falsely");
    }
    free(ns);
    free(keys);
    table_free(&s);
    table_free(&a);
}

Test(analyze, analysis_csv_agrees_with_statistics_computed_from_the_sweep_files)
{
    cr_assert_eq(RUN("sweep", path("e2e.yaml"), "-o", path("tr"), "--traces", "--quiet"), 0);
    cr_assert_eq(RUN("sweep", path("e2e.yaml"), "-o", path("plain"), "--quiet"), 0);
    cr_assert_eq(RUN("analyze", path("tr"), "--csv", "--quiet"), 0);
    cr_assert_eq(RUN("analyze", path("plain"), "--csv"), 0);
    check_analysis(path("tr"), true);
    check_analysis(path("plain"), false);
    size_t len;
    char *out = tu_slurp(path("out"), &len);
    cr_assert(strstr(out, "consensus.approval=0.6  heartbeat.loss=0  (point 1 of 4, 3 runs)\n"),
              "%s", out);
    cr_assert(strstr(out, "closed form P[Bin(5, 0.6) >= 3] = 0.68256\n"), "%s", out);
    cr_assert(strstr(out, "closed form: n/a (the scenario has faults)\n"), "%s", out);
    cr_assert(strstr(out, "(mean over runs of summary.csv's per-run values)\n"), "%s", out);
    cr_assert(strstr(out, "  valid approved     "), "invalid proposals: approved / valid shown");
    free(out);
    cr_assert_eq(RUN("analyze", path("plain"), "-q"), 0); /* -q as --quiet: no table */
    out = tu_slurp(path("out"), &len);
    cr_assert_eq(len, 0, "%s", out);
    free(out);
}

/* The simulator computes a run's decision statistics from the same times: equal, exactly. */
Test(analyze, a_run_folder_reproduces_its_own_summary_exactly)
{
    char scenario[512];
    snprintf(scenario, sizeof(scenario), "%s/scenarios/crash-recovery.yaml", ATLAS_SOURCE_DIR);
    cr_assert_eq(RUN("run", scenario, "-o", path("cr"), "--quiet"), 0);
    cr_assert_eq(RUN("analyze", path("cr"), "--csv"), 0);
    struct table s, a;
    table_load(&s, path("cr/summary.csv"));
    table_load(&a, path("cr/analysis.csv"));
    cr_assert_eq(a.nrows, 1);
    static const char *const same[] = {
        "decision_mean_s",  "decision_p50_s", "decision_p90_s",   "decision_p99_s", "commit_mean_s",
        "commit_p50_s",     "commit_p90_s",   "commit_p99_s",     "proposals",      "approved",
        "detection_mean_s", "timeout",        "diverged_replicas"};
    for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++)
        cr_assert_str_eq(get(&a, 1, same[i]), get(&s, 1, same[i]), "%s", same[i]);
    cr_assert_str_eq(get(&a, 1, "decision_source"), "outcomes");
    cr_assert_str_eq(get(&a, 1, "expected_approval"), "NA", "crash-recovery has faults");
    cr_assert_gt(num(&s, 1, "detections"), 0);
    /* 4 proposals time out at the 200 ms deadline: they are the decision p99, not the commit
     * p99 (approved only), which stays near the round trip */
    cr_assert_str_eq(get(&s, 1, "decision_p99_s"), "0.2");
    cr_assert_lt(num(&s, 1, "commit_p99_s"), 0.05);
    table_free(&s);
    table_free(&a);
    size_t len;
    char *out = tu_slurp(path("out"), &len);
    cr_assert(strstr(out, "run 0 (seed "), "%s", out);
    cr_assert(strstr(out, "detected crashes"), "%s", out);
    free(out);
}

/* tests/data/violation.yaml breaks an invariant on purpose (run exits 1); the table says so,
 * and a run without a violation has no such line. */
Test(analyze, safety_violations_are_shown_only_when_the_checker_found_some)
{
    char scenario[512];
    snprintf(scenario, sizeof(scenario), "%s/tests/data/violation.yaml", ATLAS_SOURCE_DIR);
    cr_assert_eq(RUN("run", scenario, "-o", path("viol"), "--quiet"), 1);
    struct table s;
    table_load(&s, path("viol/summary.csv"));
    char want[96];
    snprintf(want, sizeof(want), "SAFETY VIOLATIONS   %s in 1 of 1 run ",
             get(&s, 1, "safety_violations"));
    cr_assert_gt(num(&s, 1, "safety_violations"), 0);
    table_free(&s);
    cr_assert_eq(RUN("analyze", path("viol")), 0);
    size_t len;
    char *out = tu_slurp(path("out"), &len);
    cr_assert(strstr(out, want), "'%s' not in:\n%s", want, out);
    free(out);
    snprintf(scenario, sizeof(scenario), "%s/scenarios/quickstart.yaml", ATLAS_SOURCE_DIR);
    cr_assert_eq(RUN("run", scenario, "-o", path("qs"), "--quiet"), 0);
    cr_assert_eq(RUN("analyze", path("qs")), 0);
    out = tu_slurp(path("out"), &len);
    cr_assert_null(strstr(out, "SAFETY"), "%s", out);
    free(out);
}

/* scenarios/partition.yaml ends with 2 diverged replicas (quorum-vote has no repair): the run's
 * account and analyze's table both say so loudly; quickstart (no faults) has no such line. */
Test(analyze, diverged_replicas_are_flagged_as_loudly_as_a_violation)
{
    char scenario[512];
    snprintf(scenario, sizeof(scenario), "%s/scenarios/partition.yaml", ATLAS_SOURCE_DIR);
    cr_assert_eq(RUN("run", scenario, "-o", path("part")), 0);
    size_t len;
    char *out = tu_slurp(path("out"), &len);
    cr_assert(strstr(out, "REPLICAS DIVERGED: 2 of 5 replicas ended with a state other than the "
                          "majority's"),
              "%s", out);
    free(out);
    cr_assert_eq(RUN("analyze", path("part")), 0);
    out = tu_slurp(path("out"), &len);
    cr_assert(strstr(out, "REPLICAS DIVERGED   in 1 of 1 run, 2 per run: "), "%s", out);
    free(out);
    snprintf(scenario, sizeof(scenario), "%s/scenarios/quickstart.yaml", ATLAS_SOURCE_DIR);
    cr_assert_eq(RUN("run", scenario, "-o", path("qs")), 0);
    out = tu_slurp(path("out"), &len);
    cr_assert_null(strstr(out, "DIVERGED"), "%s", out);
    free(out);
    cr_assert_eq(RUN("analyze", path("qs")), 0);
    out = tu_slurp(path("out"), &len);
    cr_assert_null(strstr(out, "DIVERGED"), "%s", out);
    free(out);
}

Test(analyze, two_analyses_of_a_folder_write_identical_bytes)
{
    cr_assert_eq(RUN("sweep", path("e2e.yaml"), "-o", path("d"), "--traces", "--quiet"), 0);
    cr_assert_eq(RUN("analyze", path("d"), "--csv", "--metric", "messages_sent"), 0);
    size_t l1, l2, o1, o2;
    char *a1 = tu_slurp(path("d/analysis.csv"), &l1), *out1 = tu_slurp(path("out"), &o1);
    cr_assert(strstr(a1, ",decision_source,messages_sent_mean,messages_sent_ci95_lo,"
                         "messages_sent_ci95_hi\n"));
    cr_assert_eq(RUN("analyze", path("d"), "--csv", "--metric", "messages_sent"), 0);
    char *a2 = tu_slurp(path("d/analysis.csv"), &l2), *out2 = tu_slurp(path("out"), &o2);
    cr_assert(l1 == l2 && memcmp(a1, a2, l1) == 0, "analysis.csv differs");
    cr_assert(o1 == o2 && memcmp(out1, out2, o1) == 0, "the table differs");
    free(a1);
    free(a2);
    free(out1);
    free(out2);
}

/* Exit code 2, the expected text on stderr, and no analysis.csv in dir. */
static void bad(int rc, const char *dir, const char *msg)
{
    size_t len;
    char *err = tu_slurp(path("err"), &len);
    cr_assert_eq(rc, 2, "%s", err);
    cr_assert(strstr(err, msg), "expected '%s' in: %s", msg, err);
    char p[512];
    snprintf(p, sizeof(p), "%s/analysis.csv", dir);
    cr_assert_not(exists(p), "%s was written", p);
    free(err);
}

static void write_file(const char *p, const char *text)
{
    FILE *f = fopen(p, "w");
    cr_assert(f);
    fputs(text, f);
    fclose(f);
}

Test(analyze, bad_input_exits_2_naming_the_path_and_writes_nothing)
{
    bad(RUN("analyze", path("nope"), "--csv"), path("nope"), "nope: No such file or directory");
    mkdir(path("empty"), 0755);
    bad(RUN("analyze", path("empty"), "--csv"), path("empty"),
        "empty/summary.csv: cannot read: No such file or directory");
    mkdir(path("q"), 0755);
    write_file(path("q/summary.csv"), "run,rep,seed,nodes\n0,0,1,3\n1,1,\"2,3\n");
    bad(RUN("analyze", path("q"), "--csv"), path("q"),
        "q/summary.csv:3:5: quoted field is never "
        "closed");
    write_file(path("q/summary.csv"), "run,rep,seed,nodes,quorum\n0,0,1,3,2\n");
    bad(RUN("analyze", path("q"), "--csv"), path("q"), "q/summary.csv:1: no column 'proposals'");
    write_file(path("q/summary.csv"), "run,rep,nodes\n0,0,3\n");
    bad(RUN("analyze", path("q"), "--csv"), path("q"), "q/summary.csv:1: no column 'seed'");
    bad(RUN("analyze"), path("q"), "no folder given");
    bad(RUN("analyze", path("q"), "--bogus"), path("q"), "unexpected argument '--bogus'");

    cr_assert_eq(RUN("sweep", path("e2e.yaml"), "-o", path("s"), "--traces", "--quiet"), 0);
    bad(RUN("analyze", path("s"), "--csv", "--metric", "no_such_column"), path("s"),
        "s/summary.csv:1: no column 'no_such_column'");
    bad(RUN("analyze", path("s"), "--csv", "--metric", "decison_p99_s"), path("s"),
        "s/summary.csv:1: no column 'decison_p99_s'; did you mean 'decision_p99_s'?");
    bad(RUN("analyze", path("s"), "--csv", "--metric", "fingerprint"), path("s"),
        "s/summary.csv:2: fingerprint: '");
    /* runs/0/outcomes.csv loses an approved row: it no longer matches summary.csv */
    size_t len;
    char *o = tu_slurp(path("s/runs/0/outcomes.csv"), &len);
    char *row = strstr(o, ",approved,");
    cr_assert(row);
    while (row[-1] != '\n')
        row--;
    memmove(row, strchr(row, '\n') + 1, strlen(strchr(row, '\n') + 1) + 1);
    write_file(path("s/runs/0/outcomes.csv"), o);
    free(o);
    bad(RUN("analyze", path("s"), "--csv"), path("s"), "s/runs/0/outcomes.csv: ");
    bad(RUN("analyze", path("s"), "--csv"), path("s"),
        "s/summary.csv:2 says approved + "
        "rejected + timeout = ");
}

Test(analyze, a_csv_that_cannot_be_written_exits_2_and_leaves_no_temporary_file)
{
    cr_assert_eq(RUN("sweep", path("e2e.yaml"), "-o", path("w"), "--quiet"), 0);
    mkdir(path("w/analysis.csv"), 0755); /* rename onto a folder fails */
    int rc = RUN("analyze", path("w"), "--csv", "--quiet");
    size_t len;
    char *err = tu_slurp(path("err"), &len);
    cr_assert_eq(rc, 2, "%s", err);
    cr_assert(strstr(err, "w/analysis.csv: cannot write: "), "%s", err);
    free(err);
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "ls -a '%s' | grep -q tmp", path("w"));
    cr_assert_neq(system(cmd), 0, "a temporary file was left behind");
}

Test(analyze, plot_without_gnuplot_says_how_to_install_it_and_exits_2)
{
    cr_assert_eq(RUN("sweep", path("e2e.yaml"), "-o", path("p"), "--quiet"), 0);
    int rc = run_env("/nonexistent",
                     (char *const[]){ATLAS_BINARY, "analyze", path("p"), "--plot", NULL});
    size_t len;
    char *err = tu_slurp(path("err"), &len);
    cr_assert_eq(rc, 2, "%s", err);
    cr_assert(strstr(err, "apt-get install gnuplot-nox"), "%s", err);
    free(err);
    cr_assert(exists(path("p/analysis.csv")), "--plot implies --csv, written before plotting");
    cr_assert_not(exists(path("p/figures")));
}

Test(analyze, plot_runs_the_scripts_that_apply_and_skips_the_others)
{
    if (system("command -v gnuplot >/dev/null 2>&1") != 0)
        cr_skip_test("gnuplot is not installed (apt-get install gnuplot-nox)");
    cr_assert_eq(RUN("sweep", path("e2e.yaml"), "-o", path("g"), "--traces", "--quiet"), 0);
    cr_assert_eq(RUN("analyze", path("g"), "--plot", "--quiet"), 0);
    static const char *const made[] = {"approval", "latency_cdf", "timeline"};
    for (size_t i = 0; i < 3; i++)
        for (int svg = 0; svg < 2; svg++) {
            char p[128];
            snprintf(p, sizeof(p), "g/figures/%s.%s", made[i], svg ? "svg" : "png");
            cr_assert(exists(path(p)), "%s", p);
        }
    cr_assert_not(exists(path("g/figures/heatmap.png")), "one node count: no heatmap");
    size_t len;
    char *err = tu_slurp(path("err"), &len);
    cr_assert(strstr(err, "plot heatmap: skipped: needs points with several node counts"), "%s",
              err);
    free(err);
}

/* No proposal at all: every statistic that needs one is NA (no sort of an empty, NULL array:
 * UBSan), and --plot, where gnuplot is installed, skips the latency CDF (it has nothing to
 * draw) instead of failing with gnuplot's exit status. */
Test(analyze, a_run_without_proposals_gives_na_and_plot_skips_the_latency_cdf)
{
    write_file(path("zero.yaml"), "name: zero\nseed: 1\nduration: 2s\ncluster: {nodes: 3}\n"
                                  "consensus: {approval: 0.9}\n");
    cr_assert_eq(RUN("run", path("zero.yaml"), "-o", path("z"), "--quiet"), 0);
    size_t len;
    int rc = RUN("analyze", path("z"), "--csv", "--quiet");
    char *err = tu_slurp(path("err"), &len);
    cr_assert_eq(rc, 0, "%s", err);
    cr_assert_eq(len, 0, "%s", err);
    free(err);
    struct table a;
    table_load(&a, path("z/analysis.csv"));
    cr_assert_eq(a.nrows, 1);
    static const char *const na[] = {"approval_rate",   "approval_ci95_lo", "approval_ci95_hi",
                                     "decision_mean_s", "decision_p50_s",   "decision_p99_s",
                                     "commit_mean_s",   "commit_p99_s",     "detection_mean_s"};
    for (size_t i = 0; i < sizeof(na) / sizeof(na[0]); i++)
        cr_assert_str_eq(get(&a, 1, na[i]), "NA", "%s", na[i]);
    cr_assert_str_eq(get(&a, 1, "proposals"), "0");
    cr_assert_str_eq(get(&a, 1, "decision_source"), "outcomes");
    table_free(&a);
    if (system("command -v gnuplot >/dev/null 2>&1") != 0)
        return; /* --plot without gnuplot has its own test */
    rc = RUN("analyze", path("z"), "--plot", "--quiet");
    err = tu_slurp(path("err"), &len);
    cr_assert_eq(rc, 0, "%s", err);
    cr_assert(strstr(err, "plot latency_cdf: skipped: no approved proposal in outcomes.csv"), "%s",
              err);
    free(err);
    cr_assert(exists(path("z/figures/timeline.png")));
}

/* A sweep still running or interrupted has DIR/.journal but no summary.csv yet: the message
 * says so (and how to finish it) instead of calling DIR not an output folder. */
Test(analyze, an_unfinished_sweep_folder_is_named_as_such_with_resume)
{
    mkdir(path("unfinished"), 0755);
    write_file(path("unfinished/.journal"), "");
    bad(RUN("analyze", path("unfinished"), "--csv"), path("unfinished"),
        "unfinished/summary.csv: cannot read: No such file or directory (DIR/.journal exists: "
        "the sweep into DIR is still running or was interrupted");
    size_t len;
    char *err = tu_slurp(path("err"), &len);
    cr_assert(strstr(err, "--resume"), "%s", err);
    free(err);
}

/* A run of scenarios/quickstart.yaml (one proposal) into tmp/name. */
static void run_quickstart(const char *name)
{
    char scenario[512];
    snprintf(scenario, sizeof(scenario), "%s/scenarios/quickstart.yaml", ATLAS_SOURCE_DIR);
    cr_assert_eq(RUN("run", scenario, "-o", path(name), "--quiet"), 0);
}

/* Write table s (header and one run) to file, with that run's cell in `column` as text. */
static void write_bent_summary(const char *file, const struct table *s, const char *column,
                               const char *text)
{
    cr_assert_eq(s->nrows, 1);
    FILE *f = fopen(file, "w");
    cr_assert(f);
    for (size_t r = 0; r <= 1; r++)
        for (size_t i = 0; i < s->ncols; i++) {
            bool bent = r == 1 && strcmp(s->cell[i], column) == 0;
            fprintf(f, "%s%s", bent ? text : s->cell[r * s->ncols + i],
                    i + 1 < s->ncols ? "," : "\n");
        }
    fclose(f);
}

/* Outcome counts that add up to more than the run's proposals are bad input (they gave a
 * "valid approved" of 5e-20 from an unsigned wrap-around), not a number to print. */
Test(analyze, outcome_counts_above_the_proposals_exit_2_naming_the_line)
{
    run_quickstart("t");
    struct table s;
    table_load(&s, path("t/summary.csv"));
    cr_assert_str_eq(get(&s, 1, "proposals"), "1", "quickstart has one proposal");
    write_bent_summary(path("t/summary.csv"), &s, "invalid", "7");
    table_free(&s);
    bad(RUN("analyze", path("t"), "--csv"), path("t"),
        "t/summary.csv:2: approved + rejected + timeout + no_quorum + invalid + aborted + "
        "undecided is more than proposals (1)");
}

/* -o naming the folder's own summary.csv (by any path) would replace the input with its
 * points: refused before anything is printed or written. */
Test(analyze, o_naming_the_analysed_summary_csv_is_refused_and_leaves_it_intact)
{
    run_quickstart("k");
    size_t before, after, outlen;
    char *s1 = tu_slurp(path("k/summary.csv"), &before);
    bad(RUN("analyze", path("k"), "--csv", "-o", path("k/../k/summary.csv")), path("k"),
        "k/summary.csv: that is the summary.csv being analysed");
    char *s2 = tu_slurp(path("k/summary.csv"), &after), *out = tu_slurp(path("out"), &outlen);
    cr_assert(before == after && memcmp(s1, s2, before) == 0, "summary.csv was replaced");
    cr_assert_eq(outlen, 0, "a table was printed: %s", out);
    free(s1);
    free(s2);
    free(out);
}

/* The table, or the points of `-o -`, lost on a full standard output: exit 2 with the
 * reason (was exit 0 with nothing written). */
Test(analyze, a_write_error_on_standard_output_exits_2)
{
    if (!exists("/dev/full"))
        cr_skip_test("no /dev/full");
    run_quickstart("full");
    static const char *const extra[] = {"", "-o -"};
    for (size_t i = 0; i < 2; i++) {
        char cmd[1024];
        snprintf(cmd, sizeof(cmd), "'%s' analyze '%s' %s >/dev/full 2>'%s'", ATLAS_BINARY,
                 path("full"), extra[i], path("err"));
        int status = system(cmd);
        cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 2, "%s: status %d", extra[i], status);
        size_t len;
        char *err = tu_slurp(path("err"), &len);
        cr_assert(strstr(err, "standard output: write error: No space left on device"), "%s", err);
        free(err);
    }
}

/* strtod reads "inf", "nan" and "1e999" (as infinity); in summary.csv they are corruption,
 * not numbers: an infinite duration gave 0 false suspicions per node-hour, an infinite
 * detection time an "Inf" mean. */
Test(analyze, non_finite_cells_are_not_numbers)
{
    run_quickstart("nf");
    struct table s;
    table_load(&s, path("nf/summary.csv"));
    static const char *const texts[] = {"inf", "-Infinity", "1e999", "nan"};
    for (size_t t = 0; t < 4; t++) {
        write_bent_summary(path("nf/summary.csv"), &s, "duration_s", texts[t]);
        char msg[128];
        snprintf(msg, sizeof(msg), "nf/summary.csv:2: duration_s: '%s' is not a number", texts[t]);
        bad(RUN("analyze", path("nf"), "--csv"), path("nf"), msg);
    }
    table_free(&s);
}

/* An -o FILE in a folder that does not exist (or an analysis.csv that cannot be written):
 * exit 2 with the path, and no table printed before the error. */
Test(analyze, an_output_file_that_cannot_be_written_prints_no_table)
{
    run_quickstart("nt");
    bad(RUN("analyze", path("nt"), "--csv", "-o", path("nt/no/such/folder/points.csv")), path("nt"),
        "nt/no/such/folder/points.csv: cannot write: No such file or directory");
    size_t len;
    char *out = tu_slurp(path("out"), &len);
    cr_assert_eq(len, 0, "printed before failing: %s", out);
    free(out);
    mkdir(path("nt/analysis.csv"), 0755); /* rename onto a folder fails */
    int rc = RUN("analyze", path("nt"), "--csv");
    cr_assert_eq(rc, 2);
    out = tu_slurp(path("out"), &len);
    cr_assert_eq(len, 0, "printed before failing: %s", out);
    free(out);
}

/* scenarios/byzantine-voters.yaml: 2 of 7 always-no voters, n - b = 5 honest at p = 0.8,
 * quorum 4: the closed form is P[Bin(5, 0.8) >= 4] = 0.73728 (by the exact sum here), not
 * the honest P[Bin(7, 0.8) >= 4]; without events.csv the Byzantine nodes cannot be counted
 * and no closed form is given. */
Test(analyze, byzantine_voters_give_the_closed_form_of_the_honest_ones)
{
    char scenario[512];
    snprintf(scenario, sizeof(scenario), "%s/scenarios/byzantine-voters.yaml", ATLAS_SOURCE_DIR);
    cr_assert_eq(RUN("run", scenario, "-o", path("byz"), "--quiet", "--set",
                     "consensus.byzantine.behaviour=always-no"),
                 0);
    cr_assert_eq(RUN("analyze", path("byz"), "--csv"), 0);
    struct table a;
    table_load(&a, path("byz/analysis.csv"));
    same_value(num(&a, 1, "expected_approval"), tail_by_sum(5, 0.8, 4), "expected_approval", 0);
    cr_assert_str_eq(get(&a, 1, "faults"), "2");
    table_free(&a);
    size_t len;
    char *out = tu_slurp(path("out"), &len);
    cr_assert(
        strstr(out, "closed form with 2 Byzantine (0 YES to the proposer) P[Bin(5, 0.8) >= 4]"),
        "%s", out);
    free(out);
    cr_assert_eq(unlink(path("byz/events.csv")), 0);
    cr_assert_eq(RUN("analyze", path("byz"), "--csv"), 0);
    table_load(&a, path("byz/analysis.csv"));
    cr_assert_str_eq(get(&a, 1, "expected_approval"), "NA");
    table_free(&a);
}
