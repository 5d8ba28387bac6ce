/*
 * workload: generated proposals arrive as a Poisson process at `rate`, draw their operation
 * by the `mix` weights, and are valid on the proposer's replica when applied one by one;
 * explicit operations come in time order, file order for ties.
 */
#include <criterion/criterion.h>
#include <math.h>

#include "core/xalloc.h"
#include "sim/cluster/replicas.h"
#include "sim/scenario/scenario.h"
#include "sim/cluster/workload.h"

static void generated(struct scenario *sc, uint32_t count, double rate)
{
    scenario_init(sc);
    sc->nodes = 3;
    sc->workload.generate.enabled = true;
    sc->workload.generate.count = count;
    sc->workload.generate.rate = rate;
    sc->workload.generate.mix[PROP_ADD_VERTEX] = 1;
    sc->workload.generate.mix[PROP_ADD_EDGE] = 2;
    sc->workload.generate.mix[PROP_REMOVE_VERTEX] = 0.1;
    sc->workload.generate.mix[PROP_REMOVE_EDGE] = 0.3;
    sc->workload.generate.mix[PROP_SET_PROPERTY] = 0.6;
}

Test(workload, sequentially_applied_generated_proposals_are_all_valid)
{
    struct scenario sc;
    generated(&sc, 3000, 100.0);
    struct workload *w = workload_new(&sc);
    struct replicas *r = replicas_new(sc.nodes, workload_max_elements(&sc) + 1);
    replicas_start(r);
    uint32_t ops[PROP_OP_COUNT] = {0};
    sim_time at, last = 0;
    uint64_t id = 0;
    while (workload_peek(w, &at)) {
        cr_assert_geq(at, last, "submissions in time order");
        last = at;
        struct proposal p;
        uint32_t op = workload_take(w, r, ++id, &p);
        cr_assert_eq(p.id, id);
        cr_assert_neq(op, WORKLOAD_EXPLICIT, "a generated proposal is made in the store");
        ops[p.op]++;
        char what[128];
        cr_assert_gt(replicas_describe(r, op, what, sizeof(what)), 0);
        cr_assert(replicas_apply(r, p.proposer, op), "p-%lu invalid on its proposer: %s",
                  (unsigned long)id, what);
        proposal_fini(&p);
    }
    cr_assert_eq(id, 3000);
    for (int k = 0; k < PROP_OP_COUNT; k++)
        cr_assert_gt(ops[k], 0, "%s never generated", prop_op_name((enum prop_op)k));
    replicas_free(r);
    workload_free(w);
    scenario_fini(&sc);
}

Test(workload, arrivals_are_poisson_at_the_rate_and_operations_follow_the_mix)
{
    struct scenario sc;
    const uint32_t n = 20000;
    const double rate = 40.0;
    generated(&sc, n, rate);
    struct workload *w = workload_new(&sc);
    struct replicas *r = replicas_new(sc.nodes, workload_max_elements(&sc) + 1);
    replicas_start(r);
    uint32_t ops[PROP_OP_COUNT] = {0};
    sim_time at = 0, last = 0;
    uint64_t id = 0;
    while (workload_peek(w, &at)) {
        last = at;
        struct proposal p;
        uint32_t op = workload_take(w, r, ++id, &p);
        /* the scheduled op, before a fallback to add_vertex when nothing can be picked */
        replicas_apply(r, p.proposer, op);
        ops[p.op]++;
        proposal_fini(&p);
    }
    double mean_gap = (double)last / 1e9 / n, expect = 1.0 / rate;
    cr_expect(fabs(mean_gap - expect) <= 5 * expect / sqrt(n), "mean gap %g s vs %g s", mean_gap,
              expect);
    double total = 0;
    for (int k = 0; k < PROP_OP_COUNT; k++)
        total += sc.workload.generate.mix[k];
    for (int k = PROP_ADD_EDGE; k < PROP_OP_COUNT; k++) {
        double p = sc.workload.generate.mix[k] / total, f = (double)ops[k] / n;
        cr_expect(fabs(f - p) <= 5 * sqrt(p * (1 - p) / n), "%s: %g vs %g",
                  prop_op_name((enum prop_op)k), f, p);
    }
    replicas_free(r);
    workload_free(w);
    scenario_fini(&sc);
}

Test(workload, explicit_operations_come_in_time_order_and_file_order_for_ties)
{
    struct scenario sc;
    scenario_init(&sc);
    sc.workload.nops = 3;
    sc.workload.ops = xcalloc(3, sizeof(struct op_spec));
    const char *ids[] = {"late", "first", "second"};
    sim_time times[] = {2 * SIM_S, 1 * SIM_S, 1 * SIM_S};
    for (int i = 0; i < 3; i++)
        sc.workload.ops[i] = (struct op_spec){
            .at = times[i], .proposer = 1, .op = PROP_ADD_VERTEX, .id = xstrdup(ids[i])};
    struct workload *w = workload_new(&sc);
    struct replicas *r = replicas_new(sc.nodes, 8);
    replicas_start(r);
    const char *want[] = {"first", "second", "late"};
    sim_time at;
    for (int i = 0; i < 3; i++) {
        cr_assert(workload_peek(w, &at));
        struct proposal p;
        cr_assert_eq(workload_take(w, r, (uint64_t)i + 1, &p), WORKLOAD_EXPLICIT);
        cr_assert_str_eq(p.vertex, want[i]);
        cr_assert_eq(p.proposer, 1);
        proposal_fini(&p);
    }
    cr_assert_not(workload_peek(w, &at));
    replicas_free(r);
    workload_free(w);
    scenario_fini(&sc);
}

/* workload.generate {count: 20, rate: 1e-12, start: 2s}: the first gap is ~1e21 ns, past the
 * end of time; nothing arrives (the double-to-integer cast used to overflow and submit all
 * 20 at 2 s). A rate that fits still submits its first arrival after the start. */
Test(workload, a_rate_so_small_its_arrivals_fall_past_the_end_of_time_submits_nothing)
{
    struct scenario sc;
    generated(&sc, 20, 1e-12);
    sc.workload.generate.start = 2 * SIM_S;
    struct workload *w = workload_new(&sc);
    sim_time at = 0;
    cr_assert_not(workload_peek(w, &at), "an arrival at %llu ns", (unsigned long long)at);
    workload_free(w);
    scenario_fini(&sc);
    generated(&sc, 20, 1e-6); /* mean gap 1e15 ns: fits */
    sc.workload.generate.start = 2 * SIM_S;
    w = workload_new(&sc);
    cr_assert(workload_peek(w, &at));
    cr_assert_gt(at, 2 * SIM_S);
    workload_free(w);
    scenario_fini(&sc);
}
