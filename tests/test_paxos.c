/*
 * Tests for core/multi_paxos: through the fake port of tests/raft_harness.c (deterministic,
 * in-process; its failure detector is perfect unless a test makes it suspect falsely) and
 * through the simulator (the cluster in-process, and atlas-sim on scenarios/paxos-wan.yaml).
 * The negative control is multi_paxos_no_recovery_ops (built only into
 * atlas_multi_paxos_testing): a new leader that skips phase-1 recovery.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/multi_paxos/multi_paxos.h"
#include "raft_harness.h"
#include "sim/cluster/cluster.h"
#include "sim/scenario/scenario_yaml.h"
#include "testutil.h"

#define SEC (1000 * H_MS)

static union consensus_value params[PAXOS_PARAM_COUNT];

/* Harness options for Multi-Paxos: leader_check `check`, backoff 50 ms up to 1 s. */
static struct h_options paxos_options(uint64_t seed, consensus_time check)
{
    params[PAXOS_LEADER_CHECK].t = check;
    params[PAXOS_BACKOFF].t = 50 * H_MS;
    params[PAXOS_BACKOFF_MAX].t = 1 * SEC;
    struct h_options o = h_defaults(seed);
    o.params = params;
    return o;
}

static struct h_options paxos_defaults(uint64_t seed)
{
    return paxos_options(seed, 50 * H_MS);
}

Test(paxos, client_deadlines_decide_alike_with_one_timer_per_node_or_per_proposal)
{
    struct h_deadline_check k = h_check_deadlines(&multi_paxos_ops, paxos_defaults, 20);
    cr_expect_eq(k.differ, 0, "%llu of 20 seeds decided differently", (unsigned long long)k.differ);
    cr_expect_gt(k.with_ends, 10, "too few runs with timeouts or aborts to compare");
    cr_expect_eq(k.skew_caught, k.with_ends, "a deadline 1 ns late went unnoticed");
}

static void metrics_of(const struct harness *h, double *m)
{
    multi_paxos_ops.metrics(h_protocol(h), m);
}

static void expect_safe(const struct harness *h)
{
    const struct h_counts *c = h_counts(h);
    cr_expect_eq(c->election_safety, 0);
    cr_expect_eq(c->leader_completeness, 0);
    cr_expect_eq(c->state_machine, 0);
    cr_expect_eq(c->decided_twice, 0);
    cr_expect_eq(h_log_matching_violations(h), 0);
}

/* Recover every node, heal every cut, stop loss, and let the cluster settle. */
static void quiesce(struct harness *h, uint32_t n, consensus_time for_how_long)
{
    for (uint32_t i = 0; i < n; i++)
        h_recover(h, i, false);
    h_heal(h);
    h_set_loss(h, 0);
    h_run_until(h, h_now(h) + for_how_long);
}

/* Every node applied the same proposals, index by index. */
static bool same_sequences(const struct harness *h, uint32_t n)
{
    if (!h_live_applied_equal(h))
        return false;
    for (uint32_t i = 1; i < n; i++)
        for (uint64_t k = 1; k <= h_applied(h, 0); k++)
            if (h_applied_at(h, i, k) != h_applied_at(h, 0, k))
                return false;
    return true;
}

/* ---- the scenario section ----------------------------------------------------------- */

Test(paxos, a_backoff_ceiling_below_the_backoff_is_an_error_at_its_position)
{
    char *e = tu_scenario_errors("consensus:\n  protocol: multi-paxos\n"
                                 "  multi-paxos: {backoff: 2s, backoff_max: 1s}\n",
                                 0, NULL);
    cr_expect(strstr(e, "t.yaml:3:43: error: consensus.multi-paxos.backoff_max: backoff_max "
                        "must be at least backoff"),
              "%s", e);
    free(e);
    e = tu_scenario_errors("consensus:\n  protocol: multi-paxos\n"
                           "  multi-paxos: {backoff: 1s, backoff_max: 1s}\n",
                           0, NULL);
    cr_expect_str_eq(e, "");
    free(e);
}

/* ---- election from the failure detector ------------------------------------------- */

Test(paxos, the_lowest_unsuspected_node_becomes_leader_and_commits)
{
    struct h_options o = paxos_options(1, 50 * H_MS);
    struct harness *h = h_new(&multi_paxos_ops, &o);
    cr_assert_eq(h_run_until_leader(h, 0, 1 * SEC), 0);
    h_workload(h, 20, 10 * H_MS, 5);
    h_run_until(h, 2 * SEC);
    const struct h_counts *c = h_counts(h);
    cr_expect_eq(c->outcomes[CONSENSUS_APPROVED] + c->outcomes[CONSENSUS_REJECTED], 20);
    cr_expect_eq(c->outcomes[CONSENSUS_REJECTED], 2, "ids 7 and 17 are invalid");
    cr_expect(same_sequences(h, 5));
    cr_expect_eq(h_applied(h, 3), 20);
    expect_safe(h);
    h_free(h);
}

Test(paxos, a_crashed_leader_is_replaced_by_the_next_node_and_preempts_it_on_return)
{
    struct h_options o = paxos_options(2, 50 * H_MS);
    struct harness *h = h_new(&multi_paxos_ops, &o);
    cr_assert_eq(h_run_until_leader(h, 0, 1 * SEC), 0);
    h_crash(h, 0);
    cr_assert_eq(h_run_until_leader(h, h_newest_term(h), h_now(h) + 1 * SEC), 1);
    h_submit(h, 3);
    h_run_until(h, h_now(h) + 200 * H_MS);
    h_recover(h, 0, false);
    cr_assert_eq(h_run_until_leader(h, h_newest_term(h), h_now(h) + 1 * SEC), 0);
    h_run_until(h, h_now(h) + 500 * H_MS);
    bool decided;
    cr_expect_eq(h_outcome(h, 1, &decided), CONSENSUS_APPROVED);
    cr_expect(decided);
    cr_expect(same_sequences(h, 5));
    double m[PAXOS_METRIC_COUNT];
    metrics_of(h, m);
    cr_expect_eq(m[PAXOS_M_LEADER_CHANGES], 3);
    cr_expect_geq(m[PAXOS_M_PREEMPTIONS], 1, "node 1 was preempted by node 0's return");
    expect_safe(h);
    h_free(h);
}

Test(paxos, a_follower_forwards_a_proposal_to_the_leader)
{
    struct h_options o = paxos_options(3, 50 * H_MS);
    struct harness *h = h_new(&multi_paxos_ops, &o);
    cr_assert_eq(h_run_until_leader(h, 0, 1 * SEC), 0);
    h_run_until(h, h_now(h) + 200 * H_MS); /* every node has promised node 0's ballot */
    h_submit(h, 4);
    h_run_until(h, h_now(h) + 100 * H_MS);
    bool decided;
    cr_expect_eq(h_outcome(h, 1, &decided), CONSENSUS_APPROVED);
    cr_expect(decided);
    cr_expect_eq(h_applied_at(h, 0, 1), 1, "node 0 chose it in slot 1");
    h_free(h);
}

/* Node 4 forwards a proposal to the leader, node 0, which crashes before it arrives; node 1
 * takes over. Returns the outcome 800 ms later, before the 1 s client timeout
 * (CONSENSUS_OUTCOME_COUNT: undecided). */
static enum consensus_outcome forward_to_crashed_leader(consensus_time client_retry)
{
    struct h_options o = paxos_options(3, 50 * H_MS);
    params[PAXOS_CLIENT_RETRY].t = client_retry;
    struct harness *h = h_new(&multi_paxos_ops, &o);
    cr_assert_eq(h_run_until_leader(h, 0, 1 * SEC), 0);
    h_run_until(h, h_now(h) + 200 * H_MS); /* every node has promised node 0's ballot */
    h_submit(h, 4);
    h_crash(h, 0); /* the forward is in flight: dropped at the crashed node */
    h_run_until(h, h_now(h) + 800 * H_MS);
    bool decided;
    enum consensus_outcome out = h_outcome(h, 1, &decided);
    expect_safe(h);
    h_free(h);
    params[PAXOS_CLIENT_RETRY].t = 0;
    return decided ? out : CONSENSUS_OUTCOME_COUNT;
}

Test(paxos, a_forward_lost_with_a_crashed_leader_is_resent_with_client_retry_and_commits)
{
    cr_expect_eq(forward_to_crashed_leader(100 * H_MS), CONSENSUS_APPROVED);
    enum consensus_outcome out = forward_to_crashed_leader(0); /* the negative control */
    cr_expect_eq(out, CONSENSUS_OUTCOME_COUNT, "outcome %d", (int)out);
}

Test(paxos, a_proposal_made_before_any_leader_waits_for_one)
{
    struct h_options o = paxos_options(4, 50 * H_MS);
    struct harness *h = h_new(&multi_paxos_ops, &o);
    h_submit(h, 0); /* node 0 believes in itself but has no ballot yet: it retries */
    h_run_until(h, 1 * SEC);
    bool decided;
    cr_expect_eq(h_outcome(h, 1, &decided), CONSENSUS_APPROVED);
    cr_expect(decided);
    h_free(h);
}

Test(paxos, a_node_that_crashes_before_its_proposal_is_decided_aborts_it)
{
    struct h_options o = paxos_options(5, 50 * H_MS);
    struct harness *h = h_new(&multi_paxos_ops, &o);
    cr_assert_eq(h_run_until_leader(h, 0, 1 * SEC), 0);
    h_isolate(h, 2, true);
    h_submit(h, 2);
    h_crash(h, 2);
    h_run_until(h, h_now(h) + 100 * H_MS);
    bool decided;
    cr_expect_eq(h_outcome(h, 1, &decided), CONSENSUS_ABORTED);
    cr_expect(decided);
    h_free(h);
}

/* ---- safety under faults ---------------------------------------------------------- */

/* Random schedules: 10% loss, 5% duplication, 1-50 ms latency, a fault every 20 ms on
 * average (crash, recover, isolate, heal; at most 2 of 5 nodes down) for 8 s, 500
 * proposals. Returns the seeds 1..seeds with a safety violation, and the first one. */
static uint64_t random_schedules(const struct consensus_ops *ops, uint64_t seeds, bool amnesia,
                                 uint64_t *first)
{
    uint64_t caught = 0;
    *first = 0;
    for (uint64_t seed = 1; seed <= seeds; seed++) {
        struct h_options o = paxos_options(seed, 50 * H_MS);
        o.loss = 0.1;
        o.dup = 0.05;
        o.lat_max = 50 * H_MS;
        struct harness *h = h_new(ops, &o);
        h_workload(h, 500, 20 * H_MS, 5);
        h_chaos(h, 20 * H_MS, 8 * SEC, 2, amnesia);
        h_run_until(h, 10 * SEC);
        const struct h_counts *c = h_counts(h);
        if (c->state_machine || c->leader_completeness || c->election_safety || c->decided_twice ||
            h_log_matching_violations(h)) {
            caught++;
            if (!*first)
                *first = seed;
        }
        h_free(h);
    }
    return caught;
}

Test(paxos, one_value_is_chosen_per_slot_over_300_seeds_with_crashes_cuts_loss_and_duplicates)
{
    uint64_t first;
    cr_expect_eq(random_schedules(&multi_paxos_ops, 300, false, &first), 0, "seed %llu",
                 (unsigned long long)first);
}

Test(paxos, after_faults_heal_every_replica_applies_the_same_sequence)
{
    for (uint64_t seed = 1; seed <= 30; seed++) {
        struct h_options o = paxos_options(seed, 50 * H_MS);
        o.nodes = seed % 2 ? 5 : 7;
        o.loss = 0.05;
        o.lat_max = 30 * H_MS;
        struct harness *h = h_new(&multi_paxos_ops, &o);
        h_workload(h, 300, 15 * H_MS, o.nodes);
        h_chaos(h, 50 * H_MS, 5 * SEC, (o.nodes - 1) / 2, false);
        h_run_until(h, 6 * SEC);
        quiesce(h, o.nodes, 3 * SEC);
        cr_expect(same_sequences(h, o.nodes), "seed %llu: replicas differ",
                  (unsigned long long)seed);
        cr_expect_gt(h_applied(h, 0), 50, "seed %llu: too little progress",
                     (unsigned long long)seed);
        const struct h_counts *c = h_counts(h);
        uint64_t open = c->submitted;
        for (int k = 0; k < CONSENSUS_OUTCOME_COUNT; k++)
            open -= c->outcomes[k];
        cr_expect_eq(open, 0, "seed %llu: %llu proposals undecided", (unsigned long long)seed,
                     (unsigned long long)open);
        expect_safe(h);
        h_free(h);
    }
}

/* 2 x 30 seeds of 5% loss, 5% duplication and crashes, with and without client_retry:
 * every check holds, no proposal is applied twice (with resends a value is proposed once),
 * and resending loses fewer proposals in total. */
Test(paxos, client_resends_under_loss_duplication_and_crashes_never_apply_a_proposal_twice)
{
    uint64_t approved[2] = {0, 0};
    for (int retry = 0; retry < 2; retry++)
        for (uint64_t seed = 1; seed <= 30; seed++) {
            struct h_options o = paxos_options(seed, 50 * H_MS);
            params[PAXOS_CLIENT_RETRY].t = retry ? 50 * H_MS : 0;
            o.loss = 0.05;
            o.dup = 0.05;
            struct harness *h = h_new(&multi_paxos_ops, &o);
            h_workload(h, 300, 10 * H_MS, 5);
            h_chaos(h, 400 * H_MS, 3 * SEC, 2, false);
            h_run_until(h, 4 * SEC);
            quiesce(h, 5, 2 * SEC);
            expect_safe(h);
            for (uint32_t k = 0; k < 5; k++)
                cr_expect_eq(h_applied_twice(h, k), 0, "seed %llu node %u",
                             (unsigned long long)seed, k);
            approved[retry] += h_counts(h)->outcomes[CONSENSUS_APPROVED];
            h_free(h);
        }
    params[PAXOS_CLIENT_RETRY].t = 0;
    cr_expect_gt(approved[1], approved[0], "resending approved %llu, not resending %llu",
                 (unsigned long long)approved[1], (unsigned long long)approved[0]);
}

Test(paxos, clusters_of_1_2_3_and_9_nodes_keep_every_check_under_faults)
{
    static const uint32_t sizes[] = {1, 2, 3, 9};
    for (size_t k = 0; k < 4; k++)
        for (uint64_t seed = 1; seed <= 10; seed++) {
            struct h_options o = paxos_options(seed, 50 * H_MS);
            o.nodes = sizes[k];
            o.loss = 0.05;
            struct harness *h = h_new(&multi_paxos_ops, &o);
            h_workload(h, 200, 20 * H_MS, o.nodes);
            if (o.nodes > 1)
                h_chaos(h, 100 * H_MS, 4 * SEC, (o.nodes - 1) / 2, false);
            h_run_until(h, 5 * SEC);
            quiesce(h, o.nodes, 2 * SEC);
            cr_expect(same_sequences(h, o.nodes), "n %u seed %llu", o.nodes,
                      (unsigned long long)seed);
            expect_safe(h);
            h_free(h);
        }
}

/* ---- recovery and gaps ------------------------------------------------------------- */

Test(paxos, a_new_leader_recovers_accepted_values_and_fills_a_gap_with_a_no_op)
{
    /* leader_check 1 s: no resend comes between the steps below. */
    struct h_options o = paxos_options(6, 1 * SEC);
    o.fd_cuts = false; /* node 0's cut below is a loss, not a suspicion */
    struct harness *h = h_new(&multi_paxos_ops, &o);
    cr_assert_eq(h_run_until_leader(h, 0, 3 * SEC), 0);
    h_submit(h, 0); /* p-1 in slot 1: chosen */
    h_run_until(h, h_now(h) + 20 * H_MS);
    h_isolate(h, 0, true);
    h_submit(h, 0); /* p-2 in slot 2: only node 0 accepts it */
    h_isolate(h, 0, false);
    h_submit(h, 0); /* p-3 in slot 3: a majority accepts it */
    h_run_until(h, h_now(h) + 10 * H_MS);
    cr_assert_eq(h_applied(h, 0), 1, "slot 2 is not chosen: nothing past slot 1 applies");
    h_crash(h, 0);
    cr_assert_eq(h_run_until_leader(h, h_newest_term(h), h_now(h) + 3 * SEC), 1);
    h_run_until(h, h_now(h) + 100 * H_MS);
    cr_assert_eq(h_applied(h, 1), 3);
    cr_expect_eq(h_applied_at(h, 1, 1), 1);
    cr_expect_eq(h_applied_at(h, 1, 2), 0, "the gap is a no-op");
    cr_expect_eq(h_applied_at(h, 1, 3), 3, "the accepted value is recovered");
    bool decided;
    cr_expect_eq(h_outcome(h, 2, &decided), CONSENSUS_ABORTED);
    double m[PAXOS_METRIC_COUNT];
    metrics_of(h, m);
    cr_expect_eq(m[PAXOS_M_NOOPS], 1);
    h_recover(h, 0, false); /* node 0 knows p-2 accepted in slot 2: it learns the no-op */
    h_run_until(h, h_now(h) + 3 * SEC);
    cr_expect(same_sequences(h, 5));
    expect_safe(h);
    h_free(h);
}

Test(paxos, a_lagging_leader_catches_up_before_it_leads)
{
    struct h_options o = paxos_options(7, 50 * H_MS);
    struct harness *h = h_new(&multi_paxos_ops, &o);
    cr_assert_eq(h_run_until_leader(h, 0, 1 * SEC), 0);
    h_crash(h, 0);
    h_workload(h, 300, 2 * H_MS, 2); /* 300 slots while node 0 is down */
    h_run_until(h, h_now(h) + 2 * SEC);
    h_recover(h, 0, false);
    cr_assert_eq(h_run_until_leader(h, h_newest_term(h), h_now(h) + 2 * SEC), 0);
    cr_expect_geq(h_applied(h, 0), 300, "node 0 leads only once it holds every chosen slot");
    expect_safe(h);
    h_free(h);
}

Test(paxos, a_durable_crash_keeps_acceptor_state_and_amnesia_loses_it_then_both_catch_up)
{
    struct h_options o = paxos_options(8, 50 * H_MS);
    struct harness *h = h_new(&multi_paxos_ops, &o);
    cr_assert_eq(h_run_until_leader(h, 0, 1 * SEC), 0);
    h_workload(h, 50, 5 * H_MS, 0);
    h_run_until(h, h_now(h) + 1 * SEC);
    h_crash(h, 3);
    h_crash(h, 4);
    h_recover(h, 3, false);
    h_recover(h, 4, true);
    cr_expect_eq(multi_paxos_ops.log_length(h_protocol(h), 3), 50);
    cr_expect_eq(multi_paxos_ops.log_length(h_protocol(h), 4), 0);
    h_run_until(h, h_now(h) + 1 * SEC);
    cr_expect_eq(h_applied(h, 4), 50, "the leader's commits bring it back by catch-up");
    cr_expect(same_sequences(h, 5));
    expect_safe(h);
    h_free(h);
}

Test(paxos, amnesia_crashes_void_the_safety_guarantees_as_documented)
{
    uint64_t first;
    /* Acceptors that forget what they accepted: Multi-Paxos promises nothing (README). */
    cr_expect_geq(random_schedules(&multi_paxos_ops, 40, true, &first), 1);
}

/* ---- duelling proposers ---------------------------------------------------------------- */

Test(paxos, duelling_proposers_under_a_false_suspicion_converge_once_it_clears)
{
    struct h_options o = paxos_options(9, 50 * H_MS);
    struct harness *h = h_new(&multi_paxos_ops, &o);
    cr_assert_eq(h_run_until_leader(h, 0, 1 * SEC), 0);
    h_workload(h, 400, 10 * H_MS, 5);
    h_suspect(h, 1, 0, true); /* node 1 thinks node 0 is down: both believe they lead */
    h_run_until(h, h_now(h) + 2 * SEC);
    double m[PAXOS_METRIC_COUNT];
    metrics_of(h, m);
    cr_expect_geq(m[PAXOS_M_PREEMPTIONS], 4, "the two preempt each other");
    h_suspect(h, 1, 0, false);
    h_run_until(h, h_now(h) + 500 * H_MS);
    double settled[PAXOS_METRIC_COUNT];
    metrics_of(h, settled);
    h_run_until(h, h_now(h) + 2 * SEC);
    metrics_of(h, m);
    cr_expect_eq(m[PAXOS_M_PREEMPTIONS], settled[PAXOS_M_PREEMPTIONS], "no more duels");
    cr_expect_eq(h_leader(h), 0);
    const struct h_counts *c = h_counts(h);
    cr_expect_eq(c->outcomes[CONSENSUS_APPROVED] + c->outcomes[CONSENSUS_REJECTED] +
                     c->outcomes[CONSENSUS_TIMEOUT],
                 400);
    cr_expect_gt(c->outcomes[CONSENSUS_APPROVED], 200);
    cr_expect(same_sequences(h, 5));
    expect_safe(h);
    h_free(h);
}

Test(paxos, the_same_seed_gives_the_same_run_and_another_seed_another)
{
    uint64_t hash[3];
    for (int k = 0; k < 3; k++) {
        struct h_options o = paxos_options(k < 2 ? 21 : 22, 50 * H_MS);
        o.loss = 0.05;
        struct harness *h = h_new(&multi_paxos_ops, &o);
        h_workload(h, 200, 10 * H_MS, 5);
        h_chaos(h, 100 * H_MS, 3 * SEC, 2, false);
        h_run_until(h, 4 * SEC);
        hash[k] = h_hash(h);
        h_free(h);
    }
    cr_expect_eq(hash[0], hash[1]);
    cr_expect_neq(hash[0], hash[2]);
}

/* ---- the negative control: no phase-1 recovery ------------------------------------- */

Test(paxos_no_recovery, random_faults_catch_a_leader_that_skips_recovery_within_20_seeds)
{
    uint64_t first;
    uint64_t caught = random_schedules(&multi_paxos_no_recovery_ops, 20, false, &first);
    /* Measured: 14 of seeds 1..20, the first at seed 1 (TESTING.md, "Multi-Paxos"). */
    cr_expect_geq(caught, 10);
    cr_expect_eq(first, 1, "first caught at seed %llu", (unsigned long long)first);
}

/* Through the simulator: the cluster in-process, its checker (sim/cluster/logcheck.c). */

static void register_no_recovery(void)
{
    if (!consensus_find(multi_paxos_no_recovery_ops.name))
        cr_assert(consensus_register(&multi_paxos_no_recovery_ops));
}

static const char *stress(const char *protocol, uint64_t seed)
{
    static char text[1024];
    snprintf(text, sizeof(text),
             "seed: %llu\nduration: 12s\ncluster: {nodes: 5}\n"
             "network: {latency: {dist: uniform, min: 1ms, max: 40ms}, loss: 0.1}\n"
             "heartbeat: {interval: 50ms, timeout: 200ms, loss: 0.05}\n"
             "consensus: {protocol: %s, vote_timeout: 1s}\n"
             "faults: {random: {mttf: {dist: exponential, mean: 2s}, "
             "mttr: {dist: exponential, mean: 500ms}}}\n"
             "graph: {vertices: [{id: root, label: R}]}\n"
             "workload: {generate: {count: 400, rate: 40, proposer: random, "
             "mix: {add_vertex: 3, add_edge: 1}}}\n",
             (unsigned long long)seed, protocol);
    return text;
}

/* What the checker reported: the first violation, and whether State Machine Safety broke. */
struct verdict {
    char first[160];
    bool state_machine;
};

static void on_event(void *ctx, const struct trace_event *r)
{
    struct verdict *v = ctx;
    if (strcmp(r->event, "violation") != 0)
        return;
    if (!v->first[0])
        snprintf(v->first, sizeof(v->first), "%s", r->detail);
    v->state_machine |= strstr(r->detail, "state machine safety") != NULL;
}
static const struct trace_sink_ops first_violation_ops = {.event = on_event};

/* Run YAML text through the cluster; returns the checker's violations (and *v). */
static uint64_t host_violations(const char *text, struct verdict *v)
{
    struct diag d;
    diag_init(&d);
    struct scenario_doc *doc = scenario_doc_parse("t.yaml", text, strlen(text), &d);
    struct scenario sc;
    bool ok = doc && scenario_doc_resolve(doc, &sc, &d);
    if (!ok)
        diag_print(&d, stderr);
    cr_assert(ok);
    scenario_doc_free(doc);
    diag_fini(&d);
    *v = (struct verdict){0};
    struct trace tr = {.ops = &first_violation_ops, .ctx = v};
    struct cluster *c = cluster_new(&sc, &tr);
    cluster_run(c);
    struct run_metrics m;
    cluster_metrics(c, &m);
    bool passed = cluster_check(c);
    cluster_free(c);
    scenario_fini(&sc);
    cr_assert_eq(passed, m.safety_violations == 0);
    return m.safety_violations;
}

Test(paxos_no_recovery, the_hosts_checker_catches_it_at_seed_3, .init = register_no_recovery)
{
    struct verdict v;
    uint64_t first = 0;
    for (uint64_t seed = 1; seed <= 10 && !first; seed++)
        if (host_violations(stress("multi-paxos-no-recovery", seed), &v))
            first = seed;
    /* Measured: seeds 1 and 2 pass, seed 3 breaks: first Leader Completeness (the new leader
     * lacks an applied slot), then State Machine Safety (its own value applied there). */
    cr_expect_eq(first, 3, "first caught at seed %llu", (unsigned long long)first);
    cr_expect(v.state_machine, "no state machine safety violation; first: %s", v.first);
}

Test(paxos, the_hosts_checker_passes_the_same_faults_over_20_seeds)
{
    struct verdict v;
    for (uint64_t seed = 1; seed <= 20; seed++)
        cr_expect_eq(host_violations(stress("multi-paxos", seed), &v), 0, "seed %llu: %s",
                     (unsigned long long)seed, v.first);
}

/* ---- through atlas-sim -------------------------------------------------------------- */

Test(paxos_wan, the_shipped_scenario_passes_the_checker_and_two_runs_are_byte_identical)
{
    static const char *const files[] = {"outcomes.csv", "events.csv",    "summary.csv",
                                        "votes.csv",    "elections.csv", "scenario.resolved.yaml"};
    char dir[2][128], log[512];
    for (int k = 0; k < 2; k++) {
        tu_tmpdir(dir[k], sizeof(dir[k]), "paxos-wan");
        snprintf(log, sizeof(log), "%s.log", dir[k]);
        char *argv[] = {ATLAS_BINARY, "run",  ATLAS_SOURCE_DIR "/scenarios/paxos-wan.yaml",
                        "-o",         dir[k], "--quiet",
                        NULL};
        cr_assert_eq(tu_run(argv, log, log, NULL), 0, "atlas-sim run failed: see %s", log);
        remove(log);
    }
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char a[512], b[512];
        snprintf(a, sizeof(a), "%s/%s", dir[0], files[i]);
        snprintf(b, sizeof(b), "%s/%s", dir[1], files[i]);
        size_t la, lb;
        char *x = tu_slurp(a, &la), *y = tu_slurp(b, &lb);
        cr_expect(la == lb && memcmp(x, y, la) == 0, "%s differs between runs", files[i]);
        free(x);
        free(y);
    }
    char summary[256];
    snprintf(summary, sizeof(summary), "%s/summary.csv", dir[0]);
    char *s = tu_slurp(summary, NULL);
    cr_expect(strstr(s, "messages_per_commit") != NULL);
    free(s);
    tu_rmtree(dir[0]);
    tu_rmtree(dir[1]);
}

/* elections.csv for Multi-Paxos: every ballot a node sought is a row, the ballot as the term
 * and the acceptors that reported every slot as the votes. paxos-wan.yaml: node 0 leads
 * ballot 5; node 1 takes over with ballot 11 0.638989876 s after node 0 crashed at 4 s (its
 * downtime_s, the scenario's "0.64 s without a leader"); node 0 returns, its old round
 * (ballot 10) is refused (superseded) and it preempts node 1 with ballot 15. `analyze --plot`
 * draws the election-time CDF from it as it does from Raft's terms: one trial. */
Test(paxos_wan, elections_csv_lists_every_ballot_and_analyze_draws_its_election_cdf)
{
    char dir[128], log[512], path[256];
    tu_tmpdir(dir, sizeof(dir), "paxos-elections");
    snprintf(log, sizeof(log), "%s.log", dir);
    char *run[] = {ATLAS_BINARY, "run", ATLAS_SOURCE_DIR "/scenarios/paxos-wan.yaml", "-o", dir,
                   "--quiet",    NULL};
    cr_assert_eq(tu_run(run, log, log, NULL), 0, "atlas-sim run failed: see %s", log);
    snprintf(path, sizeof(path), "%s/elections.csv", dir);
    char *text = tu_slurp(path, NULL);
    cr_expect_str_eq(text, "run,rep,seed,term,candidate,start_s,end_s,votes,result,downtime_s\n"
                           "0,0,11,5,0,0.046120336,0.114793733,3,won,NA\n"
                           "0,0,11,11,1,4.519843816,4.638989876,3,won,0.638989876\n"
                           "0,0,11,10,0,9.000108134,9.004401325,1,superseded,NA\n"
                           "0,0,11,15,0,9.050108134,9.132359284,3,won,NA\n");
    free(text);
    if (system("command -v gnuplot > /dev/null 2>&1") == 0) {
        char *analyze[] = {ATLAS_BINARY, "analyze", dir, "--plot", "-q", NULL};
        cr_assert_eq(tu_run(analyze, log, log, NULL), 0, "atlas-sim analyze failed: see %s", log);
        snprintf(path, sizeof(path), "%s/figures/election_cdf.svg", dir);
        char *svg = tu_slurp(path, NULL);
        cr_expect(strstr(svg, "paxos-elections") && strstr(svg, " (1)</title>"),
                  "election_cdf.svg has no curve of one trial");
        free(svg);
    }
    remove(log);
    tu_rmtree(dir);
}
