/*
 * Tests for the CSV writer (sim/output/csv), the CSV trace sink (sim/output/csv_trace) and atomic
 * output (sim/output/outfile): RFC 4180 quoting, exact numbers, the leading run,rep,seed columns,
 * and that a failed or aborted output leaves no file behind.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
    cr_assert_str_eq(read_all(m), "run,rep,seed,sent_s,delivered_s,from,to,kind,proposal,fate\n"
                                  "0,0,1,0.000000001,NA,0,4,vote,p-9,lost\n");
    cr_assert_str_eq(read_all(h), "run,rep,seed,sent_s,delivered_s,from,to,fate\n"
                                  "0,0,1,1,1.000000005,1,2,delivered\n");
    csv_trace_free(t);
    fclose(m);
    fclose(h);
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
