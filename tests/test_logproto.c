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
    tu_tmpdir(dir, len, "logproto");
    char yaml[256], out[256], log[256];
    snprintf(yaml, sizeof(yaml), "%s/s.yaml", dir);
    snprintf(out, sizeof(out), "%s/out", dir);
    snprintf(log, sizeof(log), "%s/log", dir);
    FILE *f = fopen(yaml, "w");
    cr_assert(f);
    fputs(text, f);
    fclose(f);
    char *argv[] = {ATLAS_BINARY, "run", yaml, "-o", out, "--quiet", NULL};
    cr_assert_eq(tu_run(argv, log, log, NULL), 0, "atlas-sim run failed: see %s", log);
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
