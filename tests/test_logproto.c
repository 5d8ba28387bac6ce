/*
 * test_logproto: what the log protocols share, seen through atlas-sim: the summary.csv
 * columns commits_per_s and messages_per_commit (issue 13) against hand counts from
 * outcomes.csv and messages.csv, their NA cases, and their absence from quorum-vote runs.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* A 3-node Raft (or Multi-Paxos) cluster on a 5-15 ms network, `count` generated proposals
 * at 20/s over 2 s, messages traced. */
static const char *const small_log_run = "name: small\n"
                                         "seed: 3\n"
                                         "duration: 2s\n"
                                         "cluster: {nodes: 3}\n"
                                         "network:\n"
                                         "  latency: {dist: uniform, min: 5ms, max: 15ms}\n"
                                         "consensus: {protocol: %s}\n"
                                         "%s"
                                         "output: {traces: [messages]}\n";

/* Run the scenario text into a fresh folder dir (len bytes); asserts exit 0. */
static void run_text(const char *text, char *dir, size_t len)
{
    struct tu_workdir w;
    tu_workdir(&w, "logproto", text);
    cr_assert_lt(strlen(w.dir), len);
    strcpy(dir, w.dir);
    char *argv[] = {ATLAS_BINARY, "run", w.yaml, "-o", w.out, "--quiet", NULL};
    cr_assert_eq(tu_run(argv, w.log, w.log, NULL), 0, "atlas-sim run failed: see %s", w.log);
}

static void run_log(const char *protocol, const char *workload, char *dir, size_t len)
{
    char text[1024];
    snprintf(text, sizeof(text), small_log_run, protocol, workload);
    run_text(text, dir, len);
}

static char *slurp_out(const char *dir, const char *file)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/out/%s", dir, file);
    return tu_slurp(path, NULL);
}

/* Field `name` of summary.csv's single run row, copied into v (n bytes); false if absent. */
static bool summary_field(const char *dir, const char *name, char *v, size_t n)
{
    char *s = slurp_out(dir, "summary.csv");
    char *row = strchr(s, '\n') + 1;
    const char *h = s, *r = row;
    bool found = false;
    while (*h != '\n') {
        size_t hl = strcspn(h, ",\n"), rl = strcspn(r, ",\n");
        if (hl == strlen(name) && strncmp(h, name, hl) == 0) {
            snprintf(v, n, "%.*s", (int)rl, r);
            found = true;
            break;
        }
        h += hl + (h[hl] == ',');
        r += rl + (r[rl] == ',');
    }
    free(s);
    return found;
}

static double summary_real(const char *dir, const char *name)
{
    char v[64];
    cr_assert(summary_field(dir, name, v, sizeof(v)), "summary.csv has no %s", name);
    return strcmp(v, "NA") == 0 ? NAN : strtod(v, NULL);
}

static size_t count_of(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void hand_counts_match(const char *protocol)
{
    char dir[128];
    run_log(protocol, "workload: {generate: {count: 30, rate: 20}}\n", dir, sizeof(dir));
    char *outcomes = slurp_out(dir, "outcomes.csv"), *messages = slurp_out(dir, "messages.csv");
    double approved = (double)count_of(outcomes, ",approved,");
    double rows = (double)count_of(messages, "\n") - 1;
    cr_assert_gt(approved, 0);
    cr_expect_float_eq(summary_real(dir, "commits_per_s"), approved / 2.0, 1e-9);
    /* messages.csv has a row per message delivered or dropped; those still in flight at the
     * end (sent in its last 15 ms, at most one per node pair and direction under Raft's one
     * AppendEntries in flight) have none: sent = rows + in flight. */
    double sent = summary_real(dir, "messages_sent");
    cr_expect_float_eq(summary_real(dir, "messages_per_commit"), sent / approved, 1e-9);
    cr_expect(sent >= rows && sent - rows <= 6, "messages_sent %.0f, messages.csv rows %.0f", sent,
              rows);
    /* leader changes are events.csv's `leader` rows */
    char *events = slurp_out(dir, "events.csv");
    cr_expect_eq((double)count_of(events, ",leader,"), summary_real(dir, "leader_changes"));
    free(events);
    free(outcomes);
    free(messages);
    tu_rmtree(dir);
}

Test(logproto_metrics, raft_commits_per_s_and_messages_per_commit_match_the_traces)
{
    hand_counts_match("raft");
}

Test(logproto_metrics, multi_paxos_commits_per_s_and_messages_per_commit_match_the_traces)
{
    hand_counts_match("multi-paxos");
}

Test(logproto_metrics, without_a_commit_messages_per_commit_is_na_and_commits_per_s_zero)
{
    char dir[128];
    run_log("raft", "", dir, sizeof(dir));
    cr_expect(isnan(summary_real(dir, "messages_per_commit")));
    cr_expect_eq(summary_real(dir, "commits_per_s"), 0);
    cr_expect_gt(summary_real(dir, "messages_sent"), 0, "the election sends messages");
    tu_rmtree(dir);
}

Test(logproto_metrics, quorum_vote_runs_have_neither_column)
{
    char dir[128], v[64];
    run_text("name: qv\nseed: 1\nduration: 1s\ncluster: {nodes: 3}\n"
             "workload: {generate: {count: 5, rate: 10}}\n",
             dir, sizeof(dir));
    cr_expect(!summary_field(dir, "commits_per_s", v, sizeof(v)));
    cr_expect(!summary_field(dir, "messages_per_commit", v, sizeof(v)));
    tu_rmtree(dir);
}

/* ---- output.progress_interval: commit_index / applied_index rows ---------------------- */

struct progress_row {
    double t;
    unsigned node;
    int kind; /* 0 commit_index, 1 applied_index */
    unsigned long long index;
};

/* The progress rows of dir's events.csv, in file order, into rows (at most max); their count. */
static size_t progress_rows(const char *dir, struct progress_row *rows, size_t max)
{
    char *s = slurp_out(dir, "events.csv");
    size_t n = 0;
    for (char *line = strtok(s, "\n"); line; line = strtok(NULL, "\n")) {
        struct progress_row r;
        char event[32];
        if (sscanf(line, "%*u,%*u,%*u,%lf,%u,%31[a-z_],index=%llu", &r.t, &r.node, event,
                   &r.index) != 4)
            continue;
        r.kind = strcmp(event, "applied_index") == 0;
        cr_assert(r.kind || strcmp(event, "commit_index") == 0, "unexpected row %s", line);
        cr_assert_lt(n, max);
        rows[n++] = r;
    }
    free(s);
    return n;
}

#define MAX_ROWS 20000

static const char *const progress_workload = "workload: {generate: {count: 30, rate: 20}}\n";

static size_t run_progress(const char *interval, char *dir, size_t len, struct progress_row *rows)
{
    char work[256];
    snprintf(work, sizeof(work), "%soutput: {progress_interval: %s}\n", progress_workload,
             interval);
    char text[1024];
    snprintf(text, sizeof(text), small_log_run, "raft", work);
    /* the template's own output line comes last and would override ours: drop it */
    *strstr(text, "output: {traces") = '\0';
    run_text(text, dir, len);
    return progress_rows(dir, rows, MAX_ROWS);
}

Test(logproto_progress, every_change_is_a_row_monotone_per_node_ending_at_the_final_commit)
{
    static struct progress_row rows[MAX_ROWS];
    char dir[128];
    size_t n = run_progress("1ns", dir, sizeof(dir), rows);
    unsigned long long last[3][2] = {{0}}, max_commit = 0;
    size_t per[3][2] = {{0}};
    for (size_t i = 0; i < n; i++) {
        cr_assert_lt(rows[i].node, 3);
        unsigned long long *l = &last[rows[i].node][rows[i].kind];
        cr_expect_gt(rows[i].index, *l, "node %u's %s went from %llu to %llu", rows[i].node,
                     rows[i].kind ? "applied" : "commit", *l, rows[i].index);
        *l = rows[i].index;
        per[rows[i].node][rows[i].kind]++;
    }
    for (unsigned node = 0; node < 3; node++) {
        cr_expect_leq(last[node][1], last[node][0], "node %u applied beyond its commit", node);
        max_commit = last[node][0] > max_commit ? last[node][0] : max_commit;
        cr_expect_gt(per[node][1], 1, "node %u applied in several steps", node);
    }
    cr_expect_eq((double)max_commit, summary_real(dir, "committed_entries"));
    tu_rmtree(dir);
}

Test(logproto_progress, an_interval_keeps_one_row_per_node_per_interval_and_the_same_last_values)
{
    static struct progress_row all[MAX_ROWS], few[MAX_ROWS];
    char dir_all[128], dir_few[128];
    size_t nall = run_progress("1ns", dir_all, sizeof(dir_all), all);
    size_t nfew = run_progress("500ms", dir_few, sizeof(dir_few), few);
    double prev[3][2], last_all[3][2] = {{0}}, last_few[3][2] = {{0}};
    size_t per[3][2] = {{0}};
    for (size_t i = 0; i < nall; i++)
        last_all[all[i].node][all[i].kind] = (double)all[i].index;
    for (size_t i = 0; i < nfew; i++) {
        const struct progress_row *r = &few[i];
        if (per[r->node][r->kind]++ && r->t < 2.0) /* the end-of-run row may come sooner */
            cr_expect_geq(r->t - prev[r->node][r->kind], 0.5 - 1e-9, "rows %.9f and %.9f",
                          prev[r->node][r->kind], r->t);
        prev[r->node][r->kind] = r->t;
        last_few[r->node][r->kind] = (double)r->index;
    }
    for (unsigned node = 0; node < 3; node++)
        for (int k = 0; k < 2; k++) {
            cr_expect_leq(per[node][k], 2.0 / 0.5 + 1, "node %u kind %d: %zu rows", node, k,
                          per[node][k]);
            cr_expect_eq(last_few[node][k], last_all[node][k], "node %u kind %d", node, k);
        }
    cr_expect_lt(nfew * 2, nall, "coalescing wrote %zu rows of %zu", nfew, nall);
    tu_rmtree(dir_all);
    tu_rmtree(dir_few);
}

Test(logproto_progress, off_by_default_and_for_quorum_vote)
{
    static struct progress_row rows[MAX_ROWS];
    char dir[128];
    run_log("raft", progress_workload, dir, sizeof(dir));
    cr_expect_eq(progress_rows(dir, rows, MAX_ROWS), 0);
    tu_rmtree(dir);
    run_text("name: qv\nseed: 1\nduration: 1s\ncluster: {nodes: 3}\n"
             "workload: {generate: {count: 5, rate: 10}}\noutput: {progress_interval: 1ns}\n",
             dir, sizeof(dir));
    cr_expect_eq(progress_rows(dir, rows, MAX_ROWS), 0);
    tu_rmtree(dir);
}

Test(logproto_progress, a_bad_interval_is_refused_at_its_file_line_and_column)
{
    char *e =
        tu_scenario_errors("cluster: {nodes: 3}\noutput:\n  progress_interval: soon\n", 0, NULL);
    cr_expect(strstr(e, "t.yaml:3:22") != NULL, "got: %s", e);
    cr_expect(strstr(e, "output.progress_interval") != NULL, "got: %s", e);
    free(e);
    e = tu_scenario_errors("cluster: {nodes: 3}\noutput: {progress_interval: -5ms}\n", 0, NULL);
    cr_expect(strstr(e, "t.yaml:2:29") != NULL, "got: %s", e);
    free(e);
}
