/*
 * byzantine: Byzantine voters (consensus.byzantine) in quorum-vote through whole clusters —
 * what each behaviour does to the votes, the replicas and the checker's verdict — and
 * consensus.broadcast_votes, which gives an equivocator peers to lie to. The approval rate
 * against its closed form is in test_validation.c.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "sim/cluster/cluster.h"
#include "sim/scenario/scenario.h"
#include "testutil.h"

static struct scenario sc;

struct seen {
    uint64_t byzantine_rows, violations;
    uint64_t votes_from[16][2]; /* votes.csv rows by voter: NO, YES */
};

static void seen_event(void *ctx, const struct trace_event *r)
{
    struct seen *s = ctx;
    s->byzantine_rows += strcmp(r->event, "byzantine") == 0 && r->time == 0;
    s->violations += strcmp(r->event, "violation") == 0;
}

static void seen_vote(void *ctx, const struct trace_vote *r)
{
    struct seen *s = ctx;
    if (r->voter < 16)
        s->votes_from[r->voter][r->vote ? 1 : 0]++;
}

static const struct trace_sink_ops seen_ops = {.event = seen_event, .vote = seen_vote};

/* n nodes, constant 1 ms latency, no heartbeats, `count` valid proposals from node 0. */
static void cluster_of(uint32_t n, double approval, uint32_t count)
{
    scenario_init(&sc);
    sc.nodes = n;
    sc.heartbeat.enabled = false;
    sc.consensus.approval = approval;
    sc.consensus.vote_timeout = 1 * SIM_S;
    sc.duration = 200 * SIM_S;
    sc.workload.generate = (struct generate_spec){
        .enabled = true, .count = count, .rate = 10, .proposer = 0, .mix[PROP_ADD_VERTEX] = 1};
}

static void byzantine(enum consensus_byzantine b, uint32_t first, uint32_t last)
{
    sc.consensus.byzantine.enabled = true;
    sc.consensus.byzantine.behaviour = b;
    sc.consensus.byzantine.nodes.n = last - first + 1;
    sc.consensus.byzantine.nodes.ids = xcalloc(last - first + 1, sizeof(uint32_t));
    for (uint32_t k = first; k <= last; k++)
        sc.consensus.byzantine.nodes.ids[k - first] = k;
}

static struct run_metrics run(struct seen *s, bool *ok)
{
    struct trace tr = {.ops = &seen_ops, .ctx = s};
    struct cluster *c = cluster_new(&sc, &tr);
    cluster_run(c);
    struct run_metrics m;
    cluster_metrics(c, &m);
    *ok = cluster_check(c);
    cluster_free(c);
    return m;
}

Test(byzantine, always_no_voters_vote_no_on_everything_and_are_named_in_events)
{
    cluster_of(5, 1.0, 50);
    byzantine(CONSENSUS_BYZ_ALWAYS_NO, 3, 4);
    struct seen s = {0};
    bool ok;
    struct run_metrics m = run(&s, &ok);
    cr_assert(ok);
    cr_assert_eq(s.byzantine_rows, 2);
    cr_assert_eq(s.votes_from[3][1] + s.votes_from[4][1], 0, "no YES from nodes 3 and 4");
    cr_assert_gt(s.votes_from[3][0], 0);
    cr_assert_eq(m.approved, 50, "3 honest YES of 5 still make the majority");
    cr_assert_eq(m.faults, 2, "Byzantine nodes are the only fault source");
    scenario_fini(&sc);
}

Test(byzantine, silent_voters_leave_a_quorum_out_of_reach_as_timeouts_not_rejections)
{
    cluster_of(5, 1.0, 20);
    byzantine(CONSENSUS_BYZ_SILENT, 2, 4);
    struct seen s = {0};
    bool ok;
    struct run_metrics m = run(&s, &ok);
    cr_assert(ok);
    cr_assert_eq(s.votes_from[2][0] + s.votes_from[2][1], 0, "node 2 never votes");
    cr_assert_eq(m.timeout, 20);
    cr_assert_eq(m.rejected, 0);
    scenario_fini(&sc);
}

/* Four of seven approve anything: an operation invalid on every replica (an edge to a vertex
 * that does not exist) proposed by one of them is approved, and the checker says so. */
Test(byzantine, yes_on_invalid_voters_at_the_quorum_commit_an_invalid_operation_and_fail_the_run)
{
    for (int bad = 0; bad < 2; bad++) {
        cluster_of(7, 1.0, 0);
        sc.workload.generate.enabled = false;
        if (bad)
            byzantine(CONSENSUS_BYZ_YES_ON_INVALID, 3, 6);
        sc.workload.nops = 1;
        sc.workload.ops = xcalloc(1, sizeof(*sc.workload.ops));
        sc.workload.ops[0] = (struct op_spec){.at = 1 * SIM_S,
                                              .proposer = 6,
                                              .op = PROP_ADD_EDGE,
                                              .from = xstrdup("nowhere"),
                                              .label = xstrdup("to"),
                                              .to = xstrdup("ghost")};
        struct seen s = {0};
        bool ok;
        struct run_metrics m = run(&s, &ok);
        cr_assert_eq(m.approved, bad ? 1 : 0);
        cr_assert_eq(m.invalid, bad ? 0 : 1, "an honest proposer refuses it itself");
        cr_assert_eq(ok, !bad);
        cr_assert_eq(s.violations, bad ? 1 : 0);
        scenario_fini(&sc);
    }
}

/* With votes to the proposer only an equivocator has nobody to lie to: safety holds. With
 * broadcast votes it tells the proposer NO and half the others YES: replicas commit what the
 * proposer rejected (a violation) and diverge. */
Test(byzantine, equivocation_breaks_safety_only_when_votes_are_broadcast)
{
    for (int broadcast = 0; broadcast < 2; broadcast++) {
        cluster_of(7, 0.8, 200);
        sc.consensus.broadcast_votes = broadcast;
        byzantine(CONSENSUS_BYZ_EQUIVOCATE, 5, 6);
        struct seen s = {0};
        bool ok;
        struct run_metrics m = run(&s, &ok);
        cr_assert_eq(ok, !broadcast);
        cr_assert_eq(m.safety_violations, s.violations);
        if (broadcast) {
            cr_assert_gt(m.safety_violations, 0);
            cr_assert_gt(m.diverged_replicas, 0);
        } else {
            cr_assert_eq(m.diverged_replicas, 0);
        }
        scenario_fini(&sc);
    }
}

/* Honest nodes with broadcast votes: every replica counts the same n votes, so each commits
 * exactly what the proposer approved, without a commit message. */
Test(byzantine, honest_broadcast_votes_commit_everywhere_exactly_what_the_proposer_approved)
{
    cluster_of(7, 0.8, 200);
    sc.consensus.broadcast_votes = true;
    struct seen s = {0};
    bool ok;
    struct run_metrics m = run(&s, &ok);
    cr_assert(ok);
    cr_assert_eq(m.diverged_replicas, 0);
    cr_assert_eq(m.commits_applied, 7 * m.approved);
    cr_assert_eq(m.faults, 0);
    scenario_fini(&sc);
}

Test(byzantine, byzantine_nodes_for_a_protocol_that_ignores_them_are_an_error)
{
    char *err = tu_scenario_errors("cluster: {nodes: 5}\n"
                                   "consensus:\n"
                                   "  protocol: raft\n"
                                   "  byzantine: {nodes: [4], behaviour: always-no}\n",
                                   0, NULL);
    cr_assert(err);
    cr_expect(strstr(err, "t.yaml:4:") && strstr(err, "consensus.byzantine") &&
                  strstr(err, "raft does not model Byzantine nodes"),
              "%s", err);
    free(err);
    err = tu_scenario_errors("cluster: {nodes: 5}\n"
                             "consensus:\n"
                             "  protocol: raft\n"
                             "  byzantine: {nodes: [4], behaviour: honest}\n",
                             0, NULL);
    cr_expect_str_eq(err, "", "an honest node is no Byzantine node");
    free(err);
}
