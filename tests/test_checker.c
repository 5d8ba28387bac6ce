/*
 * checker: deliberately broken final states are reported; a clean one is not. The last test
 * breaks an invariant for real: two concurrent set_property commits reach replicas in
 * different orders, so replicas with the same commits end with different values.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "core/xalloc.h"
#include "sim/cluster/checker.h"
#include "sim/cluster/cluster.h"
#include "sim/scenario/scenario.h"

#define N 5

struct fixture {
    uint64_t bits[N][1];
    uint64_t refused[N][1];
    struct checker_node node[N];
    struct checker_proposal prop[4];
    struct checker_input in;
    char reports[8][160];
    uint32_t report_node[8];
    size_t nreports;
};

static struct fixture F;

static void proposal_of(const void *ctx, uint64_t id, struct checker_proposal *out)
{
    *out = ((const struct checker_proposal *)ctx)[id];
}

/* Every node applied proposals 1 and 2 (approved with a quorum) and holds state 0xAA. */
static void clean(void)
{
    memset(&F, 0, sizeof(F));
    for (uint32_t i = 0; i < N; i++) {
        F.bits[i][0] = 0x6; /* ids 1 and 2 */
        F.node[i] = (struct checker_node){
            .state_hash = 0xAA, .set_hash = 0x77, .applied = F.bits[i], .applications = 2};
    }
    F.prop[1] =
        (struct checker_proposal){.approved = true, .yes = 3, .quorum = 3, .applications = N};
    F.prop[2] = F.prop[1];
    F.prop[3] = (struct checker_proposal){.approved = false, .yes = 1, .quorum = 3};
    F.in = (struct checker_input){.nodes = N,
                                  .node = F.node,
                                  .words = 1,
                                  .nproposals = 3,
                                  .proposal = proposal_of,
                                  .proposal_ctx = F.prop};
}

static void collect(void *ctx, uint32_t node, const char *detail)
{
    (void)ctx;
    cr_assert_lt(F.nreports, 8);
    snprintf(F.reports[F.nreports], 160, "%s", detail);
    F.report_node[F.nreports++] = node;
}

static struct checker_result check(void)
{
    struct checker_result r;
    checker_run(&F.in, collect, NULL, &r);
    cr_assert_eq(r.violations, F.nreports, "one report per violation");
    return r;
}

Test(checker, a_consistent_cluster_has_no_violation_and_no_divergence)
{
    clean();
    struct checker_result r = check();
    cr_assert_eq(r.violations, 0);
    cr_assert_eq(r.diverged, 0);
    cr_assert_eq(r.majority_node, 0);
}

Test(checker, a_proposal_applied_without_a_yes_quorum_is_reported)
{
    clean();
    F.prop[3].applications = 1; /* rejected, yet applied somewhere */
    struct checker_result r = check();
    cr_assert_eq(r.violations, 1);
    cr_assert(strstr(F.reports[0], "p-3") != NULL, "%s", F.reports[0]);
    clean();
    F.prop[1].yes = 2; /* approved with fewer YES than the quorum */
    cr_assert_eq(check().violations, 1);
}

Test(checker, a_log_protocol_may_apply_what_its_client_gave_up_on_but_not_a_quorumless_approval)
{
    clean();
    F.in.log_order = true;
    F.prop[3].applications = N; /* timeout or aborted at the client, committed by the log */
    cr_assert_eq(check().violations, 0);
    clean();
    F.in.log_order = true;
    F.prop[1].yes = 2; /* approved with fewer acknowledgements than the quorum */
    cr_assert_eq(check().violations, 1);
}

Test(checker, an_approved_proposal_invalid_on_its_proposer_is_reported_but_not_a_rejected_one)
{
    clean();
    F.prop[1].invalid = true; /* approved with a quorum, yet invalid when proposed */
    struct checker_result r = check();
    cr_assert_eq(r.violations, 1);
    cr_assert(strstr(F.reports[0], "p-1 approved") != NULL, "%s", F.reports[0]);
    clean();
    F.prop[3].invalid = true; /* not approved: no invalid commit */
    cr_assert_eq(check().violations, 0);
    clean();
    F.prop[1].invalid = true;
    F.in.log_order = true; /* a log decides validity when it applies, not when proposed */
    cr_assert_eq(check().violations, 0);
}

Test(checker, replicas_counting_votes_themselves_may_apply_what_timed_out_but_not_what_was_rejected)
{
    clean();
    F.in.self_commit = true;
    F.prop[3].applications = 1; /* timed out at its proposer, applied on a replica's own count */
    cr_assert_eq(check().violations, 0);
    F.prop[3].rejected = true; /* the proposer rejected it, a replica applied it */
    cr_assert_eq(check().violations, 1);
}

Test(checker, a_commit_applied_twice_is_reported)
{
    clean();
    F.node[3].applications = 3;
    struct checker_result r = check();
    cr_assert_eq(r.violations, 1);
    cr_assert_eq(F.report_node[0], 3);
}

Test(checker, a_commit_held_both_applied_and_refused_is_reported)
{
    clean();
    F.refused[2][0] = 0x4; /* p-2: applied on node 2 and still in its refused set */
    F.node[2].refused = F.refused[2];
    struct checker_result r = check();
    cr_assert_eq(r.violations, 1);
    cr_assert_eq(F.report_node[0], 2);
    cr_assert_str_eq(F.reports[0], "p-2 both applied and refused as invalid");
    F.refused[2][0] = 0x8; /* p-3 refused, not applied: disjoint */
    F.nreports = 0;
    r = check();
    cr_assert_eq(r.violations, 0);
}

Test(checker, equal_commit_sets_with_different_states_are_reported)
{
    clean();
    F.node[4].state_hash = 0xBB;
    struct checker_result r = check();
    cr_assert_eq(r.violations, 1);
    cr_assert_eq(F.report_node[0], 4);
    cr_assert_eq(r.diverged, 1);
}

Test(checker, different_commit_sets_may_differ_and_count_as_diverged)
{
    clean();
    for (uint32_t i = 3; i < N; i++) {
        F.bits[i][0] = 0x2;
        F.node[i].set_hash = 0x11;
        F.node[i].applications = 1;
        F.node[i].state_hash = 0xCC;
    }
    F.prop[2].applications = 3;
    struct checker_result r = check();
    cr_assert_eq(r.violations, 0);
    cr_assert_eq(r.diverged, 2);
    cr_assert_eq(r.majority_node, 0);
}

/* Nodes 0-2 applied p-1 and refused p-2 as invalid (add_vertex X twice, two labels); nodes
 * 3-4 the reverse. Every replica decided {1, 2}: their states must not differ. */
static void conflicting(void)
{
    clean();
    for (uint32_t i = 0; i < N; i++) {
        bool first = i < 3;
        F.bits[i][0] = first ? 0x2 : 0x4;
        F.refused[i][0] = first ? 0x4 : 0x2;
        F.node[i].set_hash = first ? 0x11 : 0x22;
        F.node[i].refused_hash = first ? 0x22 : 0x11;
        F.node[i].refused = F.refused[i];
        F.node[i].applications = 1;
        F.node[i].state_hash = first ? 0xAA : 0xBB;
    }
    F.prop[1].applications = 3;
    F.prop[2].applications = 2;
}

Test(checker, two_approved_commits_that_conflict_are_reported_by_name)
{
    conflicting();
    struct checker_result r = check();
    cr_assert_eq(r.violations, 1);
    cr_assert_eq(F.report_node[0], 3);
    cr_assert(strstr(F.reports[0], "conflicting commits p-1 and p-2: node 2 applied p-1") != NULL,
              "%s", F.reports[0]);
    cr_assert_eq(r.diverged, 2);
}

Test(checker, a_commit_refused_identically_everywhere_is_no_conflict)
{
    conflicting();
    for (uint32_t i = 0; i < N; i++) { /* p-2 refused on every replica, p-1 applied */
        F.bits[i][0] = 0x2;
        F.refused[i][0] = 0x4;
        F.node[i].set_hash = 0x11;
        F.node[i].refused_hash = 0x22;
        F.node[i].state_hash = 0xAA;
    }
    F.prop[1].applications = N;
    F.prop[2].applications = 0;
    struct checker_result r = check();
    cr_assert_eq(r.violations, 0);
    cr_assert_eq(r.diverged, 0);
}

Test(checker, a_replica_that_missed_a_commit_and_refused_its_successor_only_diverges)
{
    clean();
    /* node 4 missed p-1 (add_vertex Y) and refused p-2 (an edge from Y): it decided {2},
     * the others {1, 2}; different decided sets may differ */
    F.bits[4][0] = 0;
    F.refused[4][0] = 0x4;
    F.node[4].refused = F.refused[4];
    F.node[4].set_hash = 0;
    F.node[4].refused_hash = 0x22;
    F.node[4].applications = 0;
    F.node[4].state_hash = 0xCC;
    F.prop[1].applications = F.prop[2].applications = N - 1;
    struct checker_result r = check();
    cr_assert_eq(r.violations, 0);
    cr_assert_eq(r.diverged, 1);
}

Test(checker, a_tie_for_the_majority_goes_to_the_lowest_node)
{
    clean();
    F.in.nodes = 4;
    F.node[0].state_hash = F.node[3].state_hash = 0xDD; /* {0,3} vs {1,2} */
    for (uint32_t i = 0; i < 4; i++) {
        F.node[i].set_hash = i;
        F.bits[i][0] = (uint64_t)1 << (i + 1);
    }
    F.in.nproposals = 0;
    struct checker_result r = check();
    cr_assert_eq(r.majority_node, 0);
    cr_assert_eq(r.diverged, 2);
}

/* --- end to end ------------------------------------------------------------------------ */

struct events {
    size_t violations;
};

static void on_event(void *ctx, const struct trace_event *e)
{
    struct events *ev = ctx;
    ev->violations += strcmp(e->event, "violation") == 0;
}

/* Validate and run sc (two proposals, both approved); the run must fail the check with
 * one violation row per violation. The caller frees the cluster. */
static struct cluster *run_both_approved(const struct scenario *sc)
{
    struct diag d;
    diag_init(&d);
    cr_assert(scenario_validate(sc, &d));
    diag_fini(&d);
    static const struct trace_sink_ops ops = {.event = on_event};
    static struct events ev;
    ev.violations = 0;
    struct trace tr = {.ops = &ops, .ctx = &ev};
    struct cluster *c = cluster_new(sc, &tr);
    cluster_run(c);
    struct run_metrics m;
    cluster_metrics(c, &m);
    cr_assert_eq(m.approved, 2);
    cr_assert_not(cluster_check(c), "conflicting approved commits must fail the check");
    cr_assert_gt(m.safety_violations, 0);
    cr_assert_eq(ev.violations, m.safety_violations);
    return c;
}

static void set_color(struct scenario *sc, size_t i, sim_time at, uint32_t proposer,
                      const char *value)
{
    sc->workload.ops[i] = (struct op_spec){.at = at,
                                           .proposer = proposer,
                                           .op = PROP_SET_PROPERTY,
                                           .id = xstrdup("A"),
                                           .key = xstrdup("color"),
                                           .value = xstrdup(value)};
}

Test(checker, concurrent_conflicting_commits_break_equal_states_and_are_reported)
{
    struct scenario sc;
    scenario_init(&sc);
    sc.consensus.approval = 1.0;
    sc.graph.nvertices = 1;
    sc.graph.vertices = xcalloc(1, sizeof(struct vertex_spec));
    sc.graph.vertices[0].id = xstrdup("A");
    /* node 0 reaches 3 and 4 slowly, so they see node 1's commit first */
    sc.network.nlinks = 1;
    sc.network.links = xcalloc(1, sizeof(struct link_override));
    struct link_override *l = &sc.network.links[0];
    l->from.n = 1;
    l->from.ids = xcalloc(1, sizeof(uint32_t));
    l->to.n = 2;
    l->to.ids = xcalloc(2, sizeof(uint32_t));
    l->to.ids[0] = 3;
    l->to.ids[1] = 4;
    dist_init_constant(&l->latency, 5 * SIM_MS);
    l->symmetric = true;
    l->loss = -1;
    sc.workload.nops = 2;
    sc.workload.ops = xcalloc(2, sizeof(struct op_spec));
    set_color(&sc, 0, 1 * SIM_S, 0, "red");
    set_color(&sc, 1, 1 * SIM_S + 500 * SIM_US, 1, "blue");
    struct cluster *c = run_both_approved(&sc);
    cr_assert_neq(cluster_state_hash(c, 0), cluster_state_hash(c, 1));
    cluster_free(c);
    scenario_fini(&sc);
}

/* Two proposers add vertex X with different labels at once; majorities that meet at one
 * node approve both. Each proposer applies its own at the decision, the others apply the
 * first commit to arrive; each refuses the other as invalid: equal decided sets, different
 * states (before the checker counted refusals, this run passed with 0 violations). */
Test(checker, two_proposers_adding_one_vertex_with_two_labels_break_safety)
{
    struct scenario sc;
    scenario_init(&sc);
    sc.consensus.approval = 1.0;
    dist_fini(&sc.network.latency);
    dist_init_constant(&sc.network.latency, 1 * SIM_MS);
    sc.workload.nops = 2;
    sc.workload.ops = xcalloc(2, sizeof(struct op_spec));
    for (uint32_t k = 0; k < 2; k++)
        sc.workload.ops[k] = (struct op_spec){.at = 100 * SIM_MS,
                                              .proposer = k ? 4 : 0,
                                              .op = PROP_ADD_VERTEX,
                                              .id = xstrdup("X"),
                                              .label = xstrdup(k ? "L2" : "L1")};
    struct cluster *c = run_both_approved(&sc);
    struct run_metrics m;
    cluster_metrics(c, &m);
    cr_assert_eq(m.safety_violations, 1);
    cluster_free(c);
    scenario_fini(&sc);
}
