/*
 * Tests for the CSV writer (sim/output/csv), the CSV trace sink (sim/output/csv_trace) and atomic
 * output (sim/output/outfile): RFC 4180 quoting, exact numbers, the leading run,rep,seed columns,
 * and that a failed or aborted output leaves no file behind.
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/csvfmt.h"
#include "core/xalloc.h"
#include "sim/cluster/metrics.h"
#include "sim/output/csv.h"
#include "sim/output/csv_trace.h"
#include "sim/output/outfile.h"

/* Run fn(csv) into a string. */
#define CAPTURE(buf, c, body)                                                                      \
    do {                                                                                           \
        size_t len_;                                                                               \
        FILE *f_ = open_memstream(&(buf), &len_);                                                  \
        struct csv c;                                                                              \
        csv_init(&c, f_);                                                                          \
        body;                                                                                      \
        fclose(f_);                                                                                \
    } while (0)

Test(csv, fields_are_quoted_only_when_rfc4180_requires_it)
{
    char *out;
    CAPTURE(out, c, {
        csv_str(&c, "plain");
        csv_str(&c, "a,b");
        csv_str(&c, "say \"hi\"");
        csv_str(&c, "two\nlines");
        csv_str(&c, " padded");
        csv_str(&c, "");
        csv_str(&c, NULL);
        csv_end(&c);
    });
    cr_assert_str_eq(out, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\" padded\",,\n");
    free(out);
}

Test(csv, integers_are_exact_and_reals_read_back_exactly)
{
    char *out;
    CAPTURE(out, c, {
        csv_u64(&c, UINT64_MAX);
        csv_real(&c, 0.9);
        csv_real(&c, 0.1 + 0.2);
        csv_real(&c, 1e-5);
        csv_real(&c, NAN);
        csv_real(&c, 2.0);
        csv_end(&c);
    });
    cr_assert_str_eq(out, "18446744073709551615,0.9,0.30000000000000004,1e-05,NA,2\n");
    free(out);
}

Test(csv, times_are_exact_seconds_from_nanoseconds)
{
    char *out;
    CAPTURE(out, c, {
        csv_time(&c, 0);
        csv_time(&c, 1);
        csv_time(&c, 1500 * SIM_MS);
        csv_time(&c, 123456789012345678ull);
        csv_time(&c, SIM_TIME_MAX);
        csv_proposal(&c, 12);
        csv_end(&c);
    });
    cr_assert_str_eq(out, "0,0.000000001,1.5,123456789.012345678,NA,p-12\n");
    free(out);
}

Test(csv, a_header_row_lists_the_columns)
{
    static const char *const cols[] = {"run", "rep", "seed"};
    char *out;
    CAPTURE(out, c, csv_header(&c, cols, 3));
    cr_assert_str_eq(out, "run,rep,seed\n");
    free(out);
}

static char *read_all(FILE *f)
{
    fflush(f);
    rewind(f);
    static char buf[4096];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    return buf;
}

/* The whole of f (any size), NUL-terminated; owned by the caller's next call. */
static char *read_all_big(FILE *f)
{
    static char *buf;
    fflush(f);
    long n = ftell(f);
    rewind(f);
    free(buf);
    buf = xmalloc((size_t)n + 1);
    cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    return buf;
}

static const char *const vote_cols_for_test[] = {"run",      "rep",   "seed", "time_s",
                                                 "proposal", "voter", "vote", "arrived_s"};

Test(csv_trace, every_row_starts_with_run_rep_seed)
{
    FILE *o = tmpfile(), *v = tmpfile(), *e = tmpfile();
    struct run_ident id = {.run = 3, .rep = 2, .seed = 77};
    struct csv_trace *t =
        csv_trace_new(&id, &(struct csv_trace_files){.outcomes = o, .votes = v, .events = e});
    struct trace tr = csv_trace_sink(t);
    cr_assert_not(tr.want_messages);
    cr_assert_not(tr.want_heartbeats);
    tr.ops->outcome(tr.ctx, &(struct trace_outcome){.proposal = 1,
                                                    .proposer = 0,
                                                    .op = "add_edge",
                                                    .args = "A -visits-> B",
                                                    .submitted = 100 * SIM_MS,
                                                    .decided = 110 * SIM_MS,
                                                    .yes = 4,
                                                    .no = 1,
                                                    .missing = 0,
                                                    .quorum = 3,
                                                    .outcome = OUTCOME_APPROVED});
    tr.ops->vote(tr.ctx, &(struct trace_vote){.time = 105 * SIM_MS,
                                              .proposal = 1,
                                              .voter = 2,
                                              .vote = VOTE_NO,
                                              .arrived = SIM_TIME_MAX});
    tr.ops->event(tr.ctx, &(struct trace_event){.time = 2 * SIM_S,
                                                .node = TRACE_NO_NODE,
                                                .event = "heal",
                                                .detail = "groups 0,1"});
    csv_trace_flush(t);
    cr_assert_str_eq(read_all(o),
                     "run,rep,seed,proposal,proposer,op,submitted_s,decided_s,yes,"
                     "no,missing,quorum,outcome,args\n"
                     "3,2,77,p-1,0,add_edge,0.1,0.11,4,1,0,3,approved,A -visits-> B\n");
    cr_assert_str_eq(read_all(v), "run,rep,seed,time_s,proposal,voter,vote,arrived_s\n"
                                  "3,2,77,0.105,p-1,2,no,NA\n");
    cr_assert_str_eq(read_all(e), "run,rep,seed,time_s,node,event,detail\n"
                                  "3,2,77,2,NA,heal,\"groups 0,1\"\n");
    csv_trace_free(t);
    fclose(o);
    fclose(v);
    fclose(e);
}

Test(csv_trace, optional_traces_are_wanted_only_when_their_file_is_given)
{
    FILE *m = tmpfile(), *h = tmpfile();
    struct run_ident id = {0, 0, 1};
    struct csv_trace *t =
        csv_trace_new(&id, &(struct csv_trace_files){.messages = m, .heartbeats = h});
    struct trace tr = csv_trace_sink(t);
    cr_assert(tr.want_messages && tr.want_heartbeats);
    tr.ops->message(tr.ctx, &(struct trace_message){.sent = 1,
                                                    .delivered = SIM_TIME_MAX,
                                                    .from = 0,
                                                    .to = 4,
                                                    .kind = "vote",
                                                    .proposal = 9,
                                                    .fate = "lost"});
    tr.ops->heartbeat(
        tr.ctx,
        &(struct trace_heartbeat){
            .sent = SIM_S, .delivered = SIM_S + 5, .from = 1, .to = 2, .fate = "delivered"});
    tr.ops->outcome(tr.ctx, &(struct trace_outcome){.op = "x", .args = ""});
    csv_trace_flush(t);
    cr_assert_str_eq(read_all(m), "run,rep,seed,sent_s,delivered_s,from,to,kind,proposal,fate\n"
                                  "0,0,1,0.000000001,NA,0,4,vote,p-9,lost\n");
    cr_assert_str_eq(read_all(h), "run,rep,seed,sent_s,delivered_s,from,to,fate\n"
                                  "0,0,1,1,1.000000005,1,2,delivered\n");
    csv_trace_free(t);
    fclose(m);
    fclose(h);
}

/* splitmix64: a fixed sequence of test values, the same on every machine. */
static uint64_t next_value(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* v, v shifted right by every amount (every digit count), and the powers of ten around it. */
static void check_u64_and_time(uint64_t v)
{
    char got[CSV_PUT_MAX + 1], want[SIM_TIME_BUFLEN];
    *csvfmt_u64(got, v) = '\0';
    snprintf(want, sizeof(want), "%" PRIu64, v);
    cr_assert_str_eq(got, want);
    if (v == SIM_TIME_MAX)
        return;
    *csv_put_time(got, v) = '\0';
    cr_assert_str_eq(got, sim_time_format_seconds(v, want), "time %" PRIu64, v);
}

Test(csv, hand_formatted_numbers_match_printf_for_every_digit_count)
{
    uint64_t state = 1;
    for (uint64_t p = 1; p && p <= UINT64_MAX / 10; p *= 10)
        for (uint64_t d = 0; d < 3; d++) {
            check_u64_and_time(p - 1 + d);
            check_u64_and_time(p * 10 - 1);
        }
    check_u64_and_time(UINT64_MAX - 1);
    for (int i = 0; i < 200000; i++) {
        uint64_t v = next_value(&state);
        check_u64_and_time(v >> (i % 64));
        check_u64_and_time((v >> (i % 64)) / 1000 * 1000); /* trailing zeros in the fraction */
    }
    char got[CSV_PUT_MAX + 1];
    *csv_put_time(got, SIM_TIME_MAX) = '\0';
    cr_assert_str_eq(got, "NA");
    *csv_put_proposal(got, UINT64_MAX) = '\0';
    cr_assert_str_eq(got, "p-18446744073709551615");
}

Test(csv, a_field_quoted_in_memory_is_the_field_written_to_a_file)
{
    static const char *const cases[] = {"",        "plain",      "a,b",  "say \"hi\"",
                                        "\"",      "two\nlines", "cr\r", " padded",
                                        "padded ", " ",          "a b",  "\"\"\""};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *want;
        size_t wlen;
        FILE *f = open_memstream(&want, &wlen);
        csvfmt_field(f, cases[i]);
        fclose(f);
        size_t len = strlen(cases[i]);
        char got[64];
        char *end = csv_put_str(got, cases[i], len);
        cr_assert_leq((size_t)(end - got), CSVFMT_FIELD_MAX(len));
        cr_assert_eq((size_t)(end - got), wlen, "case %zu", i);
        cr_assert_arr_eq(got, want, wlen, "case %zu", i);
        free(want);
    }
}

Test(csv, every_byte_at_every_position_of_long_fields_is_quoted_exactly_when_it_must_be)
{
    /* the quoting test reads eight bytes at a time: every byte value at every position of
     * fields of 1 to 24 bytes, against the rule itself */
    char field[25], got[64];
    unsigned long wrong = 0;
    for (size_t len = 1; len <= 24; len++)
        for (size_t pos = 0; pos < len; pos++)
            for (int b = 1; b < 256; b++) {
                memset(field, 'a', len);
                field[len] = '\0';
                field[pos] = (char)b;
                bool want = b == ',' || b == '"' || b == '\r' || b == '\n' ||
                            (b == ' ' && (pos == 0 || pos == len - 1));
                char *end = csv_put_str(got, field, len);
                wrong += (got[0] == '"') != want || (!want && (size_t)(end - got) != len);
            }
    cr_assert_eq(wrong, 0, "%lu fields quoted wrongly", wrong);
}

/* The votes.csv row of vote i, as the FILE-based writer prints it. */
static void expected_vote_row(struct csv *c, const struct run_ident *id, uint64_t i)
{
    csv_u64(c, id->run);
    csv_u64(c, id->rep);
    csv_u64(c, id->seed);
    csv_time(c, i * 7919 * SIM_US + i % 3);
    csv_proposal(c, i / 5 + 1);
    csv_u64(c, (uint32_t)(i % 1000));
    csv_str(c, i % 4 ? "yes" : "no");
    csv_time(c, i % 9 ? i * 7919 * SIM_US + 10 * SIM_MS : SIM_TIME_MAX);
    csv_end(c);
}

static size_t file_size(FILE *f)
{
    fflush(f);
    struct stat st;
    cr_assert_eq(fstat(fileno(f), &st), 0);
    return (size_t)st.st_size;
}

Test(csv_trace, rows_reach_the_file_whole_and_in_order_in_large_writes)
{
    FILE *v = tmpfile();
    struct run_ident id = {.run = 4294967295u, .rep = 12, .seed = UINT64_MAX};
    struct csv_trace *t = csv_trace_new(&id, &(struct csv_trace_files){.votes = v});
    struct trace tr = csv_trace_sink(t);
    size_t header = file_size(v);
    char *want;
    size_t wlen, n = 30000; /* about 2.3 MB: the buffer fills and is written several times */
    FILE *w = open_memstream(&want, &wlen);
    struct csv c;
    csv_init(&c, w);
    csv_header(&c, vote_cols_for_test, 8);
    size_t before_flush = 0;
    for (uint64_t i = 0; i < n; i++) {
        tr.ops->vote(tr.ctx, &(struct trace_vote){.time = i * 7919 * SIM_US + i % 3,
                                                  .proposal = i / 5 + 1,
                                                  .voter = (uint32_t)(i % 1000),
                                                  .vote = i % 4 ? VOTE_YES : VOTE_NO,
                                                  .arrived = i % 9 ? i * 7919 * SIM_US + 10 * SIM_MS
                                                                   : SIM_TIME_MAX});
        expected_vote_row(&c, &id, i);
        if (i == 100)
            cr_assert_eq(file_size(v), header, "rows wait in the buffer: no write per row");
    }
    before_flush = file_size(v);
    csv_trace_flush(t);
    fclose(w);
    cr_assert_gt(wlen, 4 * CSV_TRACE_BUFFER);
    cr_assert_lt(wlen - before_flush, CSV_TRACE_BUFFER, "full buffers were written as they filled");
    cr_assert_eq(file_size(v), wlen);
    cr_assert_str_eq(read_all_big(v), want);
    csv_trace_free(t);
    free(want);
    fclose(v);
}

Test(csv_trace, a_row_longer_than_the_buffer_is_written_whole)
{
    FILE *e = tmpfile();
    struct run_ident id = {0, 0, 1};
    struct csv_trace *t = csv_trace_new(&id, &(struct csv_trace_files){.events = e});
    struct trace tr = csv_trace_sink(t);
    size_t len = CSV_TRACE_BUFFER + 12345;
    char *detail = xmalloc(len + 1);
    for (size_t i = 0; i < len; i++)
        detail[i] = "ab,\"c"[i % 5];
    detail[len] = '\0';
    tr.ops->event(tr.ctx, &(struct trace_event){.time = 1, .node = 3, .event = "x", .detail = "y"});
    tr.ops->event(tr.ctx, &(struct trace_event){
                              .time = 2, .node = TRACE_NO_NODE, .event = "big", .detail = detail});
    tr.ops->event(tr.ctx, &(struct trace_event){.time = 3, .node = 4, .event = "z", .detail = ""});
    csv_trace_flush(t);
    char *want;
    size_t wlen;
    FILE *w = open_memstream(&want, &wlen);
    fputs(
        "run,rep,seed,time_s,node,event,detail\n0,0,1,0.000000001,3,x,y\n0,0,1,0.000000002,NA,big,",
        w);
    csvfmt_field(w, detail);
    fputs("\n0,0,1,0.000000003,4,z,\n", w);
    fclose(w);
    cr_assert_str_eq(read_all_big(e), want);
    csv_trace_free(t);
    free(want);
    free(detail);
    fclose(e);
}

/* ---- outfile ---- */

static char tmpdir[256];

static void make_tmpdir(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/atlas_test_csv_XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
}

static void remove_tree(void)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    cr_assert_eq(system(cmd), 0);
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static size_t entries(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", dir);
    FILE *p = popen(cmd, "r");
    size_t n = 0;
    cr_assert_eq(fscanf(p, "%zu", &n), 1);
    pclose(p);
    return n;
}

Test(outfile, files_appear_under_their_names_only_on_commit, .init = make_tmpdir,
     .fini = remove_tree)
{
    char dir[512], path[600];
    snprintf(dir, sizeof(dir), "%s/a/b", tmpdir);
    struct diag d;
    diag_init(&d);
    struct outdir *o = outdir_open(dir, &d);
    cr_assert_not_null(o);
    FILE *f = outdir_create(o, "x.csv", &d);
    fputs("hello\n", f);
    snprintf(path, sizeof(path), "%s/x.csv", dir);
    cr_assert_not(exists(path), "the real name appears only on commit");
    cr_assert_eq(entries(dir), 1, "one hidden temporary file");
    cr_assert(outdir_commit(o, &d));
    cr_assert(exists(path));
    cr_assert_eq(entries(dir), 1, "no temporary file is left");
    diag_fini(&d);
}

Test(outfile, abort_removes_temporaries_and_the_folders_it_created, .init = make_tmpdir,
     .fini = remove_tree)
{
    char dir[512];
    snprintf(dir, sizeof(dir), "%s/new/deeper", tmpdir);
    struct diag d;
    diag_init(&d);
    struct outdir *o = outdir_open(dir, &d);
    fputs("partial", outdir_create(o, "outcomes.csv", &d));
    outdir_abort(o);
    cr_assert_eq(entries(tmpdir), 0, "nothing left in %s", tmpdir);
    cr_assert_eq(d.errors, 0);
    diag_fini(&d);
}

Test(outfile, an_unusable_folder_is_an_error_naming_the_path, .init = make_tmpdir,
     .fini = remove_tree)
{
    char file[512], dir[600];
    snprintf(file, sizeof(file), "%s/plain-file", tmpdir);
    FILE *f = fopen(file, "w");
    fclose(f);
    snprintf(dir, sizeof(dir), "%s/sub", file);
    struct diag d;
    diag_init(&d);
    cr_assert_null(outdir_open(dir, &d));
    cr_assert_eq(d.errors, 1);
    cr_assert_str_eq(d.items[0].file, dir);
    cr_assert(strstr(d.items[0].msg, "cannot create output folder"), "%s", d.items[0].msg);
    cr_assert_eq(entries(tmpdir), 1, "only the plain file");
    diag_fini(&d);
}

Test(csv, whole_and_ordinary_reals_print_without_an_exponent)
{
    char *out;
    CAPTURE(out, c, {
        csv_real(&c, 20.0);
        csv_real(&c, 100.0);
        csv_real(&c, 1234.5);
        csv_real(&c, 0.0005);
        csv_real(&c, 1e20);
        csv_real(&c, -300.0);
        csv_end(&c);
    });
    cr_assert_str_eq(out, "20,100,1234.5,0.0005,1e+20,-300\n");
    free(out);
}

/* README.md's column reference defines every summary.csv column with metric_fields' own help
 * text, and every outcome: the docs cannot fall behind the table the writer uses. */
Test(csv, the_readme_defines_every_summary_column_and_every_outcome)
{
    FILE *f = fopen(ATLAS_SOURCE_DIR "/README.md", "r");
    cr_assert(f);
    char *readme = xcalloc(1 << 20, 1); /* the README is far smaller */
    size_t n = fread(readme, 1, (1 << 20) - 1, f);
    cr_assert(n > 0 && n < (1 << 20) - 1 && feof(f));
    fclose(f);
    for (size_t i = 0; i < metric_field_count; i++) {
        char row[512];
        snprintf(row, sizeof(row), "| `%s` | %s |\n", metric_fields[i].name, metric_fields[i].help);
        cr_assert(strstr(readme, row), "README.md lacks the row\n%s", row);
    }
    for (int o = 0; o < OUTCOME_COUNT; o++) {
        char row[64];
        snprintf(row, sizeof(row), "| `%s` | ", outcome_name((enum outcome)o));
        cr_assert(strstr(readme, row), "README.md does not define the outcome %s", row);
    }
    free(readme);
}
