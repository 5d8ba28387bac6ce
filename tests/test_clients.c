/*
 * test_clients: issue 16's clients (sim/cluster/clients) in whole runs: the key draws
 * against their closed forms, the scenario section's errors, reads that return what was
 * written, timeouts as info, determinism, and the linearizability checker at the end of a
 * run: negative controls it must flag (quorum-vote with a quorum of n/2 under a partition,
 * a Raft leader that reads locally without confirming leadership) and positive controls it
 * must pass (Raft, Multi-Paxos under loss, partitions and crashes over many seeds).
 */
#include <criterion/criterion.h>
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/consensus.h"
#include "core/raft/raft.h"
#include "sim/cluster/clients.h"
#include "sim/cluster/cluster.h"
#include "sim/scenario/scenario_yaml.h"
#include "testutil.h"

/* What a run's history looked like, from the trace. */
struct seen {
    bool one_client;        /* compare every ok read with the client's last write */
    uint64_t rows, hash;    /* history rows, and an FNV-1a of them */
    int64_t last_write[16]; /* a single client: the value it last wrote ok, per key */
    uint64_t reads_checked; /* ok reads compared with last_write */
    uint64_t set_reads;     /* ok set reads with at least one element */
};

static void on_history(void *ctx, const struct trace_history *r)
{
    struct seen *s = ctx;
    uint64_t fields[] = {r->index,  r->op_id,    (uint64_t)r->key, (uint64_t)r->value,
                         r->invoke, r->complete, r->members,       r->client};
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        s->hash = (s->hash ^ fields[i]) * UINT64_C(0x100000001b3);
    s->rows++;
    s->set_reads += r->value_kind == HISTORY_SET && r->members != 0;
    if (!s->one_client || strcmp(r->type, "ok") != 0 || r->key >= 16)
        return;
    if (!strcmp(r->op, "write"))
        s->last_write[r->key] = r->value;
    if (!strcmp(r->op, "read") && r->value_kind == HISTORY_INT) {
        cr_expect_eq(r->value, s->last_write[r->key], "op %llu read %lld, last write %lld",
                     (unsigned long long)r->op_id, (long long)r->value,
                     (long long)s->last_write[r->key]);
        s->reads_checked++;
    }
}
static const struct trace_sink_ops seen_ops = {.history = on_history};

/* Run scenario text at seed; the metrics (and what the history showed in *s, if s). */
static struct run_metrics run_text(const char *text, uint64_t seed, struct seen *s)
{
    struct scenario sc = tu_resolve(text);
    sc.seed = seed;
    struct seen local = {0};
    struct trace tr = {.ops = &seen_ops, .ctx = s ? s : &local};
    struct cluster *c = cluster_new(&sc, &tr);
    cluster_run(c);
    struct run_metrics m;
    cluster_metrics(c, &m);
    cluster_free(c);
    scenario_fini(&sc);
    return m;
}

/* ---- key draws ---- */

/* Pearson's chi-square of `draws` keys of the clients of text against P[k] = p[k]: the key
 * of each op is read back from its proposal ("k<key>"). */
static double chi_square(const char *text, const double *p, uint32_t keys, uint32_t draws)
{
    struct scenario sc = tu_resolve(text);
    struct clients *cl = clients_new(&sc, true, NULL);
    uint64_t *count = calloc(keys, sizeof(*count));
    for (uint32_t i = 0; i < draws; i++) {
        struct proposal prop;
        cr_assert(clients_invoke(cl, 0, i + 1, 0, &prop));
        const char *v = prop.vertex ? prop.vertex : prop.from;
        count[strtoul(v + 1, NULL, 10)]++;
        proposal_fini(&prop);
    }
    double chi = 0;
    for (uint32_t k = 0; k < keys; k++) {
        double e = p[k] * draws;
        chi += (count[k] - e) * (count[k] - e) / e;
    }
    free(count);
    clients_free(cl);
    scenario_fini(&sc);
    return chi;
}

#define DRAW_SCENARIO(extra)                                                                       \
    "duration: 1s\ncluster: {nodes: 3}\nclients: {count: 1, ops: 100000, keys: 20" extra "}\n"

/* Under the null hypothesis the statistic is chi-square with keys-1 degrees of freedom; the
 * threshold is its 0.999 quantile, so a correct sampler fails one run in 1000 (the seed is
 * fixed: the result is deterministic, the threshold says how surprising a failure is). */
Test(clients, zipf_keys_follow_the_closed_form_by_chi_square)
{
    double p[20], sum = 0;
    for (int k = 0; k < 20; k++)
        sum += p[k] = pow(k + 1.0, -1.2);
    for (int k = 0; k < 20; k++)
        p[k] /= sum;
    double chi = chi_square(DRAW_SCENARIO(", distribution: zipf, zipf_s: 1.2"), p, 20, 100000);
    double limit = gsl_cdf_chisq_Qinv(0.001, 19);
    cr_expect_lt(chi, limit, "chi-square %g over the 0.999 quantile %g", chi, limit);
    /* negative control: the same draws judged against the uniform law must fail */
    double u[20];
    for (int k = 0; k < 20; k++)
        u[k] = 1.0 / 20;
    cr_expect_gt(chi_square(DRAW_SCENARIO(", distribution: zipf, zipf_s: 1.2"), u, 20, 100000),
                 limit);
}

Test(clients, uniform_keys_follow_the_closed_form_by_chi_square)
{
    double p[20];
    for (int k = 0; k < 20; k++)
        p[k] = 1.0 / 20;
    double chi = chi_square(DRAW_SCENARIO(""), p, 20, 100000);
    cr_expect_lt(chi, gsl_cdf_chisq_Qinv(0.001, 19), "chi-square %g", chi);
}

/* ---- the scenario section ---- */

Test(clients, a_bad_clients_key_is_reported_at_its_line_and_column)
{
    char *e = tu_scenario_errors("duration: 1s\nclients:\n  count: 2\n  mode: sideways\n", 0, NULL);
    cr_expect(strstr(e, "t.yaml:4:9") && strstr(e, "clients.mode"), "got: %s", e);
    free(e);
    e = tu_scenario_errors("duration: 1s\nclients:\n  cuont: 2\n", 0, NULL);
    cr_expect(strstr(e, "t.yaml:3:3") && strstr(e, "count"), "got: %s", e);
    free(e);
    e = tu_scenario_errors("duration: 1s\nclients: {count: 2, read_ratio: 1.5}\n", 0, NULL);
    cr_expect(strstr(e, "clients.read_ratio"), "got: %s", e);
    free(e);
    const char *sets[] = {"clients.node=9"};
    e = tu_scenario_errors("duration: 1s\ncluster: {nodes: 3}\nclients: {count: 1, attach: node}\n",
                           1, sets);
    cr_expect(strstr(e, "clients.node"), "got: %s", e);
    free(e);
}

/* ---- reads, timeouts, determinism ---- */

#define RAFT_BASE                                                                                  \
    "duration: 3s\n"                                                                               \
    "cluster: {nodes: 5}\n"                                                                        \
    "network: {latency: {dist: uniform, min: 2ms, max: 8ms}}\n"                                    \
    "consensus: {protocol: raft, approval: 1, vote_timeout: 500ms}\n"

Test(clients, a_single_client_reads_what_it_last_wrote)
{
    struct seen s = {.one_client = true};
    struct run_metrics m =
        run_text(RAFT_BASE "clients: {count: 1, keys: 3, ops: 100, read_ratio: 0.5}\n", 1, &s);
    cr_expect_gt(s.reads_checked, 30, "only %llu reads", (unsigned long long)s.reads_checked);
    cr_expect_eq(m.ops_ok, 100);
    cr_expect_eq(m.linz_violations + m.linz_unknown, 0);
}

Test(clients, a_client_cut_off_from_the_leader_times_out_as_info)
{
    struct run_metrics m = run_text(RAFT_BASE "faults: {partitions: [{at: 0s, groups: [[0], [1, "
                                              "2, 3, 4]]}]}\n"
                                              "clients: {count: 1, attach: node, node: 0, ops: 5, "
                                              "timeout: 200ms}\n",
                                    1, NULL);
    cr_expect_eq(m.ops_ok, 0);
    cr_expect_eq(m.ops_info, 5);
    cr_expect_eq(m.safety_violations, 0);
}

Test(clients, the_same_seed_gives_the_same_history_and_another_seed_another)
{
    const char *text = "duration: 3s\n"
                       "cluster: {nodes: 5}\n"
                       "network: {latency: {dist: uniform, min: 2ms, max: 8ms}, loss: 0.05}\n"
                       "consensus: {protocol: raft, approval: 1, vote_timeout: 500ms}\n"
                       "clients: {count: 3, ops: 100, mode: open, rate: 50}\n";
    struct seen a = {0}, b = {0}, c = {0};
    run_text(text, 7, &a);
    run_text(text, 7, &b);
    run_text(text, 8, &c);
    cr_expect_gt(a.rows, 300);
    cr_expect_eq(a.rows, b.rows);
    cr_expect_eq(a.hash, b.hash);
    cr_expect_neq(a.hash, c.hash);
}

Test(clients, set_reads_see_the_elements_added)
{
    struct seen s = {0};
    struct run_metrics m = run_text(RAFT_BASE "clients: {count: 2, model: set, keys: 2, "
                                              "elements: 6, ops: 100, read_ratio: 0.3}\n",
                                    3, &s);
    cr_expect_gt(s.set_reads, 10);
    cr_expect_eq(m.linz_violations + m.linz_unknown, 0);
    cr_expect_eq(m.ops_ok, 200);
}

Test(clients, a_search_bound_hit_is_unknown_never_a_pass)
{
    struct run_metrics m = run_text(RAFT_BASE "clients: {count: 4, keys: 1, ops: 200}\n"
                                              "checker: {max_steps: 1}\n",
                                    1, NULL);
    cr_expect_gt(m.linz_unknown, 0);
    cr_expect_eq(m.linz_violations, 0);
    cr_expect_eq(m.safety_violations, 0);
}

/* ---- negative controls ---- */

#define SPLIT                                                                                      \
    "duration: 4s\n"                                                                               \
    "network: {latency: {dist: uniform, min: 1ms, max: 5ms}}\n"                                    \
    "faults: {partitions: [{at: 1s, heal: 3s, groups: [[0, 1], [2, 3]]}]}\n"                       \
    "clients: {count: 4, keys: 2, ops: 400, timeout: 500ms}\n"

/* Quorum 2 of 4: each side of the partition commits on its own (two disjoint quorums). */
Test(clients, quorum_vote_with_a_quorum_of_n_over_2_under_a_partition_is_flagged_at_seed_1)
{
    uint64_t first = 0;
    for (uint64_t seed = 1; seed <= 5 && !first; seed++) {
        struct run_metrics m =
            run_text(SPLIT "cluster: {nodes: 4, quorum: 2}\n"
                           "consensus: {protocol: quorum-vote, approval: 1, vote_timeout: 200ms}\n",
                     seed, NULL);
        if (m.linz_violations)
            first = seed;
    }
    cr_expect_eq(first, 1, "first flagged at seed %llu (0: none of 5)", (unsigned long long)first);
}

/* The real binary: a violation exits 1 with violation.txt and a `violation` row of
 * events.csv; history.csv judged again by check-history agrees (exit 1 too). */
Test(clients, atlas_sim_run_exits_1_with_violation_txt_on_a_violation)
{
    struct tu_workdir w;
    tu_workdir(&w, "clients",
               SPLIT "cluster: {nodes: 4, quorum: 2}\n"
                     "consensus: {protocol: quorum-vote, approval: 1, vote_timeout: 200ms}\n");
    char path[400];
    char *run[] = {ATLAS_BINARY, "run", w.yaml, "-o", w.out, "--seed", "1", NULL};
    cr_expect_eq(tu_run(run, w.log, w.log, NULL), 1);
    snprintf(path, sizeof(path), "%s/violation.txt", w.out);
    char *v = tu_slurp(path, NULL);
    cr_assert(v, "no violation.txt");
    cr_expect(strstr(v, "not linearizable") && strstr(v, "smallest failing sub-history"), "%s", v);
    free(v);
    snprintf(path, sizeof(path), "%s/events.csv", w.out);
    char *ev = tu_slurp(path, NULL);
    cr_expect(strstr(ev, ",violation,linearizability violation: key "), "no events.csv row");
    free(ev);
    snprintf(path, sizeof(path), "%s/history.csv", w.out);
    char *check[] = {ATLAS_BINARY, "check-history", path, "-o", w.dir, NULL};
    cr_expect_eq(tu_run(check, w.log, w.log, NULL), 1);
    tu_rmtree(w.dir);
}

Test(clients, a_run_without_violation_exits_0_and_writes_no_violation_txt)
{
    struct tu_workdir w;
    tu_workdir(&w, "clients", NULL);
    char path[400];
    char *run[] = {ATLAS_BINARY,
                   "run",
                   ATLAS_SOURCE_DIR "/scenarios/clients-raft.yaml",
                   "-o",
                   w.out,
                   "--set",
                   "clients.count=4",
                   NULL};
    cr_expect_eq(tu_run(run, w.log, w.log, NULL), 0);
    snprintf(path, sizeof(path), "%s/violation.txt", w.out);
    cr_expect(!tu_exists(path));
    snprintf(path, sizeof(path), "%s/summary.csv", w.out);
    char *sum = tu_slurp(path, NULL);
    cr_expect(strstr(sum, ",ops_ok,ops_fail,ops_info,ops_throughput,read_p50_s,"), "%s", sum);
    free(sum);
    snprintf(path, sizeof(path), "%s/history.csv", w.out);
    char *check[] = {ATLAS_BINARY, "check-history", path, "-o", w.dir, NULL};
    cr_expect_eq(tu_run(check, w.log, w.log, NULL), 0);
    tu_rmtree(w.dir);
}

/* analysis/plots/latency_throughput.gp on a sweep over clients.count; negative control: a
 * summary.csv without client columns is refused (exit 1, nothing written). */
Test(clients, the_latency_throughput_figure_is_drawn_from_a_sweep_and_needs_client_columns)
{
    struct tu_workdir w;
    tu_workdir(&w, "clients",
               RAFT_BASE "clients: {count: 1, mode: open, rate: 20, ops: 40}\n"
                         "sweep: {params: {clients.count: [1, 4]}}\n");
    char sweep[300], plain[300], figs[300], path[400];
    snprintf(sweep, sizeof(sweep), "%s/sweep", w.dir);
    snprintf(plain, sizeof(plain), "%s/plain", w.dir);
    snprintf(figs, sizeof(figs), "%s/figs", w.dir);
    char *run[] = {ATLAS_BINARY, "sweep", w.yaml, "-o", sweep, "--quiet", NULL};
    cr_assert_eq(tu_run(run, w.log, w.log, NULL), 0);
    char d[400], o[400];
    snprintf(d, sizeof(d), "dir='%s'", sweep);
    snprintf(o, sizeof(o), "out='%s'", figs);
    char *gp[] = {"gnuplot", "-e", d,
                  "-e",      o,    ATLAS_SOURCE_DIR "/analysis/plots/latency_throughput.gp",
                  NULL};
    cr_expect_eq(tu_run(gp, w.log, w.log, NULL), 0);
    snprintf(path, sizeof(path), "%s/latency_throughput.png", figs);
    cr_expect(tu_exists(path));
    snprintf(path, sizeof(path), "%s/latency_throughput.svg", figs);
    cr_expect(tu_exists(path));
    char *plain_run[] = {ATLAS_BINARY, "run", ATLAS_SOURCE_DIR "/scenarios/quickstart.yaml",
                         "-o",         plain, "--quiet",
                         NULL};
    cr_assert_eq(tu_run(plain_run, w.log, w.log, NULL), 0);
    snprintf(d, sizeof(d), "dir='%s'", plain);
    snprintf(o, sizeof(o), "out='%s/none'", w.dir);
    cr_expect_eq(tu_run(gp, w.log, w.log, NULL), 1);
    snprintf(path, sizeof(path), "%s/none", w.dir);
    cr_expect(!tu_exists(path));
    tu_rmtree(w.dir);
}

static void register_stale_reads(void)
{
    if (!consensus_find("raft-stale-reads"))
        cr_assert(consensus_register(&raft_stale_reads_ops));
}

/* A leader cut off with a minority keeps answering reads from its replica while the majority
 * elects another leader and commits writes. The partition isolates two nodes from 1 s to 3 s;
 * whether the leader is among them depends on the seed. */
Test(clients, a_raft_leader_that_reads_locally_is_flagged_within_10_seeds,
     .init = register_stale_reads)
{
    const char *text = "duration: 4s\n"
                       "cluster: {nodes: 5}\n"
                       "network: {latency: {dist: uniform, min: 1ms, max: 5ms}}\n"
                       "consensus: {protocol: raft-stale-reads, approval: 1, vote_timeout: 300ms}\n"
                       "faults: {partitions: [{at: 1s, heal: 3s, groups: [[0, 1], [2, 3, 4]]}]}\n"
                       "clients: {count: 5, keys: 2, ops: 400, timeout: 500ms}\n";
    uint64_t first = 0;
    for (uint64_t seed = 1; seed <= 10 && !first; seed++)
        if (run_text(text, seed, NULL).linz_violations)
            first = seed;
    cr_expect_eq(first, 2, "first flagged at seed %llu (0: none of 10)", (unsigned long long)first);
    cr_log_info("stale reads first flagged at seed %llu", (unsigned long long)first);
}

/* ---- positive controls ---- */

#define STRESS_SEEDS 1000

static const char *stress(const char *protocol)
{
    static char text[1024];
    snprintf(text, sizeof(text),
             "duration: 3s\n"
             "cluster: {nodes: 5}\n"
             "network: {latency: {dist: uniform, min: 1ms, max: 9ms}, loss: 0.03}\n"
             "consensus: {protocol: %s, approval: 1, vote_timeout: 400ms}\n"
             "faults:\n"
             "  partitions: [{at: 800ms, heal: 1600ms, groups: [[0, 1], [2, 3, 4]]}]\n"
             "  crashes: [{node: 2, at: 1800ms, recover: 2300ms}, {node: 4, at: 400ms, recover: "
             "900ms}]\n"
             "clients: {count: 5, keys: 3, ops: 150, timeout: 600ms}\n",
             protocol);
    return text;
}

static void no_violation_over_seeds(const char *protocol)
{
    uint64_t ops = 0, ok = 0;
    for (uint64_t seed = 1; seed <= STRESS_SEEDS; seed++) {
        struct run_metrics m = run_text(stress(protocol), seed, NULL);
        cr_expect_eq(m.linz_violations, 0, "%s seed %llu: a violation", protocol,
                     (unsigned long long)seed);
        cr_expect_eq(m.linz_unknown, 0, "%s seed %llu: unknown", protocol,
                     (unsigned long long)seed);
        ops += m.ops_ok + m.ops_fail + m.ops_info;
        ok += m.ops_ok;
    }
    cr_expect_gt(ok, ops / 2, "%s: only %llu of %llu ops ok", protocol, (unsigned long long)ok,
                 (unsigned long long)ops);
}

Test(clients, raft_passes_under_loss_partitions_and_crashes_over_1000_seeds)
{
    no_violation_over_seeds("raft");
}

Test(clients, multi_paxos_passes_under_loss_partitions_and_crashes_over_1000_seeds)
{
    no_violation_over_seeds("multi-paxos");
}

/* ---- lease reads (clients.read: lease, consensus.raft.lease) ---- */

/* A partition cuts two nodes off from 1 s to 3 s; with 5 clients round robin, two keep
 * reading and writing through nodes 0 and 1, so a leader among them answers from its lease while
 * the other three elect a leader and write. `extra` adds keys (raft's lease, clocks). */
static const char *lease_text(const char *raft, const char *extra)
{
    static char text[1024];
    snprintf(text, sizeof(text),
             "duration: 4s\n"
             "cluster: {nodes: 5}\n"
             "network: {latency: {dist: uniform, min: 1ms, max: 5ms}}\n"
             "consensus: {protocol: raft, approval: 1, vote_timeout: 300ms, raft: %s}\n"
             "faults: {partitions: [{at: 1s, heal: 3s, groups: [[0, 1], [2, 3, 4]]}]}\n"
             "clients: {count: 5, keys: 4, ops: 400, timeout: 200ms, read_ratio: 0.8, "
             "read: lease, think: {dist: exponential, mean: 10ms}}\n"
             "%s",
             raft, extra);
    return text;
}

/* Seeds 1..seeds: how many flagged a violation, and reads answered from a lease in all. */
static uint64_t lease_runs(const char *text, uint64_t seeds, uint64_t *first, double *served)
{
    uint64_t flagged = 0;
    *first = 0;
    *served = 0;
    for (uint64_t seed = 1; seed <= seeds; seed++) {
        struct run_metrics m = run_text(text, seed, NULL);
        cr_expect_eq(m.linz_unknown, 0, "seed %llu: unknown", (unsigned long long)seed);
        *served += m.proto[RAFT_M_LEASE_READS];
        if (m.linz_violations && !flagged++)
            *first = seed;
    }
    return flagged;
}

/* The lease's safety condition holds: 135 ms against a minimum election timeout of 150 ms
 * leaves room for a relative drift r with (1-r)/(1+r) >= 0.9, r <= 5.2%; the clocks here
 * drift by up to 2% either way (20,000 ppm), with offsets. Leases must actually serve reads
 * (else this proves nothing) and no history may be flagged. */
Test(clients, raft_lease_reads_stay_linearizable_while_drift_is_inside_the_bound)
{
    const char *text =
        lease_text("{lease: 135ms}", "clocks: {drift: {dist: uniform, min: 0us, max: 20ms}, "
                                     "offset: {dist: uniform, min: 0ms, max: 50ms}}\n");
    uint64_t first;
    double served;
    uint64_t flagged = lease_runs(text, 100, &first, &served);
    cr_expect_eq(flagged, 0, "%llu of 100 seeds flagged, first %llu", (unsigned long long)flagged,
                 (unsigned long long)first);
    cr_expect_gt(served, 1000, "only %.0f lease reads in 100 runs", served);
}

/* Negative control: a lease longer than the followers' minimum election timeout (1 s against
 * 150 ms) lets a cut-off leader answer reads after the majority has elected another
 * leader and written: the checker must flag it within the documented 10 seeds. */
Test(clients, a_raft_lease_longer_than_the_election_timeout_is_flagged_within_10_seeds)
{
    uint64_t first;
    double served;
    lease_runs(lease_text("{lease: 1s}", ""), 10, &first, &served);
    cr_expect(first >= 1, "none of 10 seeds flagged (%.0f lease reads)", served);
    cr_log_info("a 1 s lease first flagged at seed %llu", (unsigned long long)first);
}

/* Negative control: clock error outside the bound. The lease is safe for this drift, but
 * nodes 0 and 1 step their clocks 1 s back just after the partition starts (as an NTP
 * correction would): a cut-off leader among them measures its lease as 1 s longer. */
#define JUMPS_BACK                                                                                 \
    "clocks: {jumps: [{node: 0, at: 1010ms, by: 1s, back: true}, "                                 \
    "{node: 1, at: 1010ms, by: 1s, back: true}]}\n"

Test(clients, a_raft_lease_is_flagged_when_the_leaders_clock_steps_back)
{
    uint64_t first;
    double served;
    lease_runs(lease_text("{lease: 135ms}", JUMPS_BACK), 10, &first, &served);
    cr_expect(first >= 1, "none of 10 seeds flagged (%.0f lease reads)", served);
    cr_log_info("clock steps first flagged at seed %llu", (unsigned long long)first);
}

/* The same partition and clock steps without a lease: reads go through the log, none is
 * answered from a lease, and nothing is flagged (a clock step alone breaks no log read). */
Test(clients, raft_log_reads_are_linearizable_under_the_same_clock_steps)
{
    char text[1200];
    snprintf(text, sizeof(text), "%s", lease_text("{lease: 135ms}", JUMPS_BACK));
    char *read = strstr(text, "read: lease");
    cr_assert(read);
    memcpy(read, "read: log  ", strlen("read: lease"));
    uint64_t first;
    double served;
    uint64_t flagged = lease_runs(text, 10, &first, &served);
    cr_expect_eq(flagged, 0, "log reads flagged at seed %llu", (unsigned long long)first);
    cr_expect_eq(served, 0);
}

Test(clients, lease_reads_with_a_protocol_without_leases_are_an_error_at_their_position)
{
    char *err = tu_scenario_errors("cluster: {nodes: 3}\n"
                                   "consensus: {protocol: multi-paxos}\n"
                                   "clients: {count: 1, read: lease}\n",
                                   0, NULL);
    cr_assert(err);
    cr_expect(strstr(err, ":3:") && strstr(err, "clients.read") &&
                  strstr(err, "lease reads need a protocol that offers leases"),
              "%s", err);
    free(err);
}
