/*
 * Tests for the protocol-neutral interface (core/consensus.h) through the real host
 * (sim/cluster): the shipped example protocol end to end (log order, payloads, parameters,
 * metric columns, its check), and the host's log checks (sim/cluster/logcheck.c) against a
 * test-only protocol registered with consensus_register whose `fault` parameter breaks one
 * invariant at a time: each broken variant must be caught, the intact one must not.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/consensus.h"
#include "core/xalloc.h"
#include "sim/cluster/cluster.h"
#include "sim/scenario/scenario_yaml.h"
#include "testutil.h"

/* ---- a trace sink that keeps events and message kinds ---- */

struct seen {
    char events[64][160]; /* "event detail" of the first violation-like rows */
    size_t nevents, violations;
    uint64_t accepts_from[8]; /* example: accept messages by sender */
    uint64_t kinds[4];        /* forward, accept, ack, commit */
};

static void on_event(void *ctx, const struct trace_event *r)
{
    struct seen *s = ctx;
    if (strcmp(r->event, "violation") != 0)
        return;
    s->violations++;
    if (s->nevents < 64)
        snprintf(s->events[s->nevents++], sizeof(s->events[0]), "%s", r->detail);
}

static void on_message(void *ctx, const struct trace_message *r)
{
    struct seen *s = ctx;
    static const char *const names[] = {"forward", "accept", "ack", "commit"};
    for (size_t k = 0; k < 4; k++)
        if (strcmp(r->kind, names[k]) == 0)
            s->kinds[k]++;
    if (strcmp(r->kind, "accept") == 0 && r->from < 8)
        s->accepts_from[r->from]++;
}

static const struct trace_sink_ops seen_ops = {.event = on_event, .message = on_message};

/* Resolve YAML text into *sc (asserting success). */
static void load(const char *text, struct scenario *sc)
{
    struct diag d;
    diag_init(&d);
    struct scenario_doc *doc = scenario_doc_parse("t.yaml", text, strlen(text), &d);
    bool ok = doc && scenario_doc_resolve(doc, sc, &d);
    if (!ok)
        diag_print(&d, stderr);
    cr_assert(ok, "does not resolve:\n%s", text);
    scenario_doc_free(doc);
    diag_fini(&d);
}

/* Run text; *m gets the metrics, *s what the sink saw; returns whether the checker passed. */
static bool run(const char *text, struct run_metrics *m, struct seen *s)
{
    struct scenario sc;
    load(text, &sc);
    memset(s, 0, sizeof(*s));
    struct trace tr = {.ops = &seen_ops, .ctx = s, .want_messages = true};
    struct cluster *c = cluster_new(&sc, &tr);
    cluster_run(c);
    cluster_metrics(c, m);
    bool ok = cluster_check(c);
    cluster_free(c);
    scenario_fini(&sc);
    return ok;
}

/* ---- the example protocol ---- */

/* The example protocol on 5 nodes, 200 proposals; extra keys for network and consensus. */
static const char *example(const char *network, const char *consensus)
{
    static char text[1024];
    snprintf(text, sizeof(text),
             "seed: 3\nduration: 20s\ncluster: {nodes: 5}\n"
             "network: {latency: {dist: lognormal, median: 10ms, sigma: 0.5}%s}\n"
             "consensus: {protocol: example, vote_timeout: 5s%s}\n"
             "graph: {vertices: [{id: root, label: R}]}\n"
             "workload: {generate: {count: 200, rate: 20, mix: {add_vertex: 3, add_edge: 1}}}\n",
             network, consensus);
    return text;
}

Test(protocols, the_example_commits_in_one_log_order_on_every_replica)
{
    struct run_metrics m;
    struct seen s;
    cr_assert(run(example("", ""), &m, &s), "%s", s.events[0]);
    cr_assert_eq(m.proposals, 200);
    cr_assert_eq(m.approved + m.rejected, 200, "every proposal decided by its application");
    cr_assert_gt(m.approved, 0);
    cr_assert_eq(m.diverged_replicas, 0);
    cr_assert_eq(m.safety_violations, 0);
    cr_assert_eq(m.protocol, 1, "example is consensus_protocols[1]");
    cr_assert_eq(m.proto[0], 200.0, "example_log_length: every proposal ordered once");
    /* messages.csv's kinds come from the protocol's declaration */
    cr_assert_gt(s.kinds[0], 0, "forward");
    cr_assert_eq(s.kinds[1], 200 * 4, "accept: one broadcast to 4 peers per proposal");
    cr_assert_gt(s.kinds[2], 0, "ack");
    cr_assert_gt(s.kinds[3], 0, "commit");
}

/* Duplicated deliveries share one payload slot per message; cumulative acks make a
 * duplicated ack harmless. Under ASan this also proves the slots are freed exactly once. */
Test(protocols, the_example_survives_duplicated_messages)
{
    struct run_metrics m;
    struct seen s;
    cr_assert(run(example(", duplicate: 0.5", ""), &m, &s), "%s", s.events[0]);
    cr_assert_eq(m.diverged_replicas, 0);
    cr_assert_eq(m.approved + m.rejected, 200);
}

Test(protocols, a_protocol_parameter_reaches_the_protocol)
{
    struct run_metrics m;
    struct seen s;
    cr_assert(run(example("", ", example: {leader: 3}"), &m, &s));
    for (uint32_t n = 0; n < 5; n++)
        cr_assert_eq(s.accepts_from[n], n == 3 ? 800 : 0, "node %u sent %llu accepts", n,
                     (unsigned long long)s.accepts_from[n]);
}

Test(protocols, a_parameter_that_does_not_fit_the_cluster_is_an_error_at_its_position)
{
    char *e = tu_scenario_errors("cluster: {nodes: 3}\nconsensus:\n  protocol: example\n"
                                 "  example: {leader: 4}\n",
                                 0, NULL);
    cr_assert(strstr(e, "t.yaml:4:21: error: consensus.example.leader: the leader must be a "
                        "node, below cluster.nodes (3)"),
              "%s", e);
    free(e);
    e = tu_scenario_errors("consensus: {example: {leadr: 1}}\n", 0, NULL);
    cr_assert(strstr(e, "consensus.example.leadr: unknown key"), "%s", e);
    free(e);
    e = tu_scenario_errors("consensus: {protocol: exampel}\n", 0, NULL);
    cr_assert(strstr(e, "'exampel' is not one of the allowed values (quorum-vote, example"), "%s",
              e);
    free(e);
}

/* ---- the host's log checks, against a protocol broken on purpose ---- */

enum fault { F_NONE, F_STATE_MACHINE, F_ELECTION, F_COMPLETENESS, F_MATCHING };

struct consensus {
    struct consensus_config cfg;
    struct consensus_port port;
    enum fault fault;
    uint64_t log[8][64]; /* proposal per index (1..), per node */
    uint64_t term[8][64];
    uint64_t len[8];
};

static struct consensus *f_create(const struct consensus_config *cfg,
                                  const struct consensus_port *port)
{
    struct consensus *p = xcalloc(1, sizeof(*p));
    p->cfg = *cfg;
    p->port = *port;
    p->fault = (enum fault)cfg->params[0].u;
    cr_assert_leq(cfg->nodes, 8);
    return p;
}

static void f_destroy(struct consensus *p)
{
    free(p);
}

/* Every node appends and applies the proposal at once (a perfect log); then the fault. */
static void f_submit(struct consensus *p, uint32_t node, uint64_t id)
{
    if (id == 1)
        p->port.leader(p->port.ctx, 0, 1);
    for (uint32_t n = 0; n < p->cfg.nodes; n++) {
        uint64_t i = ++p->len[n];
        cr_assert_lt(i, 64);
        p->log[n][i] = id;
        p->term[n][i] = 1;
        uint64_t applied = id;
        if (p->fault == F_STATE_MACHINE && n == 1 && id == 2)
            applied = 1; /* node 1 applies another proposal at index 2 */
        if (p->fault == F_MATCHING && n == 2 && id == 1)
            p->log[n][i] = 3; /* node 2 reports another entry of term 1 at index 1 */
        p->port.apply(p->port.ctx, n, i, applied);
    }
    if (p->fault == F_ELECTION && id == 2)
        p->port.leader(p->port.ctx, 1, 1); /* a second leader of term 1 */
    if (p->fault == F_COMPLETENESS && id == 2) {
        p->len[3] = 1; /* node 3 reports a log without index 2 as it leads term 2 */
        p->port.leader(p->port.ctx, 3, 2);
        p->len[3] = 2;
    }
    struct consensus_record r = {.kind = CONSENSUS_REC_DECIDED,
                                 .node = node,
                                 .proposal = id,
                                 .time = p->port.now(p->port.ctx),
                                 .outcome = CONSENSUS_APPROVED,
                                 .yes_votes = p->cfg.nodes,
                                 .quorum = p->cfg.quorum,
                                 .submitted = p->port.now(p->port.ctx),
                                 .index = p->len[node]};
    p->port.record(p->port.ctx, &r);
}

static void f_deliver(struct consensus *p, const struct consensus_msg *m)
{
    (void)p, (void)m;
}

static void f_timer(struct consensus *p, uint32_t node, uint32_t key, uint64_t arg)
{
    (void)p, (void)node, (void)key, (void)arg;
}

static void f_node(struct consensus *p, uint32_t node)
{
    (void)p, (void)node;
}

static void f_recover(struct consensus *p, uint32_t node, bool amnesia)
{
    (void)p, (void)node, (void)amnesia;
}

static uint64_t f_log_length(const struct consensus *p, uint32_t node)
{
    return p->len[node];
}

static void f_log_entry(const struct consensus *p, uint32_t node, uint64_t index, uint64_t *term,
                        uint64_t *proposal)
{
    *term = p->term[node][index];
    *proposal = p->log[node][index];
}

static const struct consensus_param faulty_params[] = {
    {"fault", CPARAM_ENUM, "none", 0, 0, "none|state_machine|election|completeness|matching",
     "the invariant this test protocol breaks"}};

static const struct consensus_ops faulty_ops = {
    .name = "faulty-for-tests",
    .flags = CONSENSUS_LOG_ORDER | CONSENSUS_SELF_REPAIR,
    .msg_kinds = (const struct consensus_msg_kind[]){{.name = "noop"}},
    .nmsg_kinds = 1,
    .params = faulty_params,
    .nparams = 1,
    .create = f_create,
    .destroy = f_destroy,
    .submit = f_submit,
    .deliver = f_deliver,
    .timer = f_timer,
    .crash = f_node,
    .recover = f_recover,
    .log_length = f_log_length,
    .log_entry = f_log_entry,
};

static void register_faulty(void)
{
    if (!consensus_find(faulty_ops.name))
        cr_assert(consensus_register(&faulty_ops));
}

static void expect(const char *fault, const char *detail)
{
    char text[512];
    snprintf(text, sizeof(text),
             "cluster: {nodes: 4}\nheartbeat: {enabled: false}\n"
             "consensus: {protocol: faulty-for-tests, faulty-for-tests: {fault: %s}}\n"
             "workload: {generate: {count: 3, rate: 10, proposer: 0, mix: {add_vertex: 1, "
             "add_edge: 0}}}\n",
             fault);
    struct run_metrics m;
    struct seen s;
    bool ok = run(text, &m, &s);
    if (!detail) {
        cr_assert(ok, "fault none: %s", s.events[0]);
        cr_assert_eq(s.violations, 0);
        return;
    }
    cr_assert_not(ok, "fault %s was not caught", fault);
    cr_assert_eq(m.safety_violations, s.violations);
    bool found = false;
    for (size_t i = 0; i < s.nevents; i++)
        found |= strstr(s.events[i], detail) != NULL;
    cr_assert(found, "fault %s: no violation '%s' (first: %s)", fault, detail, s.events[0]);
}

Test(protocols, the_log_checks_pass_an_intact_log, .init = register_faulty)
{
    expect("none", NULL);
}

Test(protocols, state_machine_safety_catches_two_proposals_at_one_index, .init = register_faulty)
{
    expect("state_machine", "state machine safety: applied p-1 at index 2 where another "
                            "replica applied p-2");
}

Test(protocols, election_safety_catches_two_leaders_of_one_term, .init = register_faulty)
{
    expect("election", "election safety: node 0 and this node both led term 1");
}

Test(protocols, leader_completeness_catches_a_leader_without_an_applied_entry,
     .init = register_faulty)
{
    expect("completeness", "leader completeness: leader of term 2 lacks index 2, applied as p-2");
}

Test(protocols, log_matching_catches_logs_that_differ_before_a_common_entry,
     .init = register_faulty)
{
    expect("matching", "log matching: entries of term 1 at index 1 end different logs");
}

/* ---- the quiescent tail ---- */

/* 5 nodes, 1-20 ms latency, 5% loss throughout, 400 proposals until about 8 s; node 1 down
 * 2-6 s, the partition {0, 1} | {2, 3, 4} 3-8 s, node 3 down 7-9 s (durable); then no
 * crash or cut for 11 s (loss goes on). */
static const char *tail_scenario(const char *protocol, uint64_t seed)
{
    static char text[1024];
    snprintf(text, sizeof(text),
             "seed: %llu\nduration: 20s\ncluster: {nodes: 5}\n"
             "network: {latency: {dist: uniform, min: 1ms, max: 20ms}, loss: 0.05}\n"
             "heartbeat: {interval: 50ms, timeout: 250ms}\n"
             "consensus: {protocol: %s, vote_timeout: 1s}\n"
             "faults:\n"
             "  crashes: [{node: 1, at: 2s, recover: 6s}, {node: 3, at: 7s, recover: 9s}]\n"
             "  partitions: [{at: 3s, heal: 8s, groups: [[0, 1], [2, 3, 4]]}]\n"
             "graph: {vertices: [{id: root, label: R}]}\n"
             "workload: {generate: {count: 400, rate: 50, proposer: random, "
             "mix: {add_vertex: 3, add_edge: 1}}}\n",
             (unsigned long long)seed, protocol);
    return text;
}

/* Whether, at the end of `text`'s run, every live replica applied as many log entries as
 * node 0 (the host's State Machine Safety check compares each index's proposal, so equal
 * lengths are equal logs) and holds the same state, with at least `least` entries. */
static bool same_log_at_the_end(const char *text, uint64_t least, uint64_t *violations)
{
    struct scenario sc;
    load(text, &sc);
    struct seen s = {0};
    struct trace tr = {.ops = &seen_ops, .ctx = &s};
    struct cluster *c = cluster_new(&sc, &tr);
    cluster_run(c);
    bool same = cluster_alive(c, 0) && cluster_applied_index(c, 0) >= least;
    for (uint32_t i = 1; i < sc.nodes; i++)
        same &=
            !cluster_alive(c, i) || (cluster_applied_index(c, i) == cluster_applied_index(c, 0) &&
                                     cluster_state_hash(c, i) == cluster_state_hash(c, 0));
    struct run_metrics m;
    cluster_metrics(c, &m);
    *violations = m.safety_violations;
    cluster_free(c);
    scenario_fini(&sc);
    return same;
}

/* The guarantee: after a run's quiescent tail every live replica has applied the
 * same log, for Raft and Multi-Paxos over 20 seeds of crashes, loss and a healed partition.
 * It caught a Multi-Paxos stall (seed 5): a node that had been cut off became the failure
 * detector's leader lacking chosen slots, asked itself for them, and never finished phase 1
 * (now it asks the lowest-numbered peer it does not suspect). Checked to 40 seeds. */
Test(protocols, after_a_quiescent_tail_every_live_replica_has_applied_the_same_log)
{
    static const char *const protocols[] = {"raft", "multi-paxos"};
    for (size_t k = 0; k < 2; k++)
        for (uint64_t seed = 1; seed <= 20; seed++) {
            uint64_t violations;
            cr_expect(same_log_at_the_end(tail_scenario(protocols[k], seed), 200, &violations),
                      "%s seed %llu: live replicas differ at the end", protocols[k],
                      (unsigned long long)seed);
            cr_expect_eq(violations, 0, "%s seed %llu", protocols[k], (unsigned long long)seed);
        }
}

/* The negative control: the example protocol never retransmits, so under the same faults a
 * replica that missed an accept stalls at the gap and the predicate above fails. */
Test(protocols, the_quiescent_tail_predicate_catches_a_protocol_that_never_retransmits)
{
    uint64_t violations, caught = 0;
    for (uint64_t seed = 1; seed <= 8; seed++)
        caught += !same_log_at_the_end(tail_scenario("example", seed), 0, &violations);
    cr_expect_eq(caught, 8, "only %llu of 8 seeds caught", (unsigned long long)caught);
}
