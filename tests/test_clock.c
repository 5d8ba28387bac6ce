/*
 * clock: per-node clocks (sim/cluster/clock.h) — readings, spans, jumps and the drawn drifts —
 * and, through whole clusters, that timers run on them: the failure detector after a jump, a
 * protocol's vote timeout on a drifting proposer, the port's clock reading.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "sim/cluster/clock.h"
#include "sim/cluster/cluster.h"
#include "sim/scenario/scenario.h"
#include "testutil.h"

static struct scenario sc;

static void with_nodes(uint32_t nodes)
{
    scenario_init(&sc);
    sc.nodes = nodes;
    sc.clocks.enabled = true;
}

static void override(uint32_t node, double ppm, sim_time offset)
{
    size_t i = sc.clocks.nnodes++;
    sc.clocks.nodes = xreallocarray(sc.clocks.nodes, sc.clocks.nnodes, sizeof(*sc.clocks.nodes));
    sc.clocks.nodes[i] = (struct clock_override){.node = node, .drift = ppm, .offset = offset};
}

static void jump(uint32_t node, sim_time at, sim_time by, bool back)
{
    size_t i = sc.clocks.njumps++;
    sc.clocks.jumps = xreallocarray(sc.clocks.jumps, sc.clocks.njumps, sizeof(*sc.clocks.jumps));
    sc.clocks.jumps[i] = (struct clock_jump_spec){.node = node, .at = at, .by = by, .back = back};
}

Test(clock, without_a_clocks_section_no_clock_is_modelled)
{
    scenario_init(&sc);
    cr_assert_null(clock_new(&sc));
    scenario_fini(&sc);
}

Test(clock, a_clock_reads_its_offset_plus_true_time_at_its_rate)
{
    with_nodes(3);
    override(0, 0, 5 * SIM_MS);
    override(1, 100, 0);
    override(2, -250, 1 * SIM_S);
    struct clock *k = clock_new(&sc);
    cr_assert_eq(clock_read(k, 0, 10 * SIM_S), 10 * SIM_S + 5 * SIM_MS);
    cr_assert_eq(clock_read(k, 1, 10 * SIM_S), 10 * SIM_S + 1 * SIM_MS, "100 ppm of 10 s");
    cr_assert_eq(clock_read(k, 2, 10 * SIM_S), 11 * SIM_S - 2500 * SIM_US);
    cr_assert_float_eq(clock_drift_ppm(k, 2), -250, 1e-9);
    cr_assert_eq(clock_offset(k, 2), (int64_t)SIM_S);
    clock_free(k);
    scenario_fini(&sc);
}

Test(clock, a_fast_clock_measures_a_duration_in_less_true_time_and_a_slow_one_in_more)
{
    with_nodes(3);
    override(0, 1e5, 0); /* 10% fast */
    override(1, -1e5, 0);
    struct clock *k = clock_new(&sc);
    cr_assert_eq(clock_true_span(k, 0, 1100 * SIM_MS), 1000 * SIM_MS);
    cr_assert_eq(clock_true_span(k, 1, 900 * SIM_MS), 1000 * SIM_MS);
    cr_assert_eq(clock_true_span(k, 2, 123456789), 123456789, "no drift: true time");
    cr_assert_eq(clock_true_span(k, 0, SIM_TIME_MAX), SIM_TIME_MAX, "never stays never");
    clock_free(k);
    scenario_fini(&sc);
}

Test(clock, a_jump_moves_the_reading_but_not_the_rate_and_a_reading_never_goes_below_zero)
{
    with_nodes(1);
    override(0, 1e5, 0);
    struct clock *k = clock_new(&sc);
    clock_jump(k, 0, 2 * (int64_t)SIM_S);
    cr_assert_eq(clock_read(k, 0, 1 * SIM_S), 3100 * SIM_MS);
    cr_assert_eq(clock_true_span(k, 0, 1100 * SIM_MS), 1000 * SIM_MS);
    clock_jump(k, 0, -5 * (int64_t)SIM_S);
    cr_assert_eq(clock_read(k, 0, 1 * SIM_S), 0);
    cr_assert_eq(clock_read(k, 0, 10 * SIM_S), 8 * SIM_S);
    clock_free(k);
    scenario_fini(&sc);
}

/* drift_sign random: the number of slow clocks among n is Bin(n, 1/2); 4.5 SE. Magnitudes come
 * from clocks.drift (here constant 20us per s = 20 ppm); fast and slow fix the sign. */
Test(clock, drawn_drifts_take_their_magnitude_from_the_distribution_and_their_sign_as_asked)
{
    const uint32_t n = 4000;
    const char *const signs[] = {"random", "fast", "slow"};
    for (unsigned s = CLOCK_SIGN_RANDOM; s <= CLOCK_SIGN_SLOW; s++) {
        with_nodes(n);
        dist_init_constant(&sc.clocks.drift, 20 * SIM_US);
        sc.clocks.drift_sign = (enum clock_sign)s;
        struct clock *k = clock_new(&sc);
        uint32_t slow = 0;
        for (uint32_t i = 0; i < n; i++) {
            cr_assert_float_eq(fabs(clock_drift_ppm(k, i)), 20, 1e-9);
            slow += clock_drift_ppm(k, i) < 0;
        }
        double expect = s == CLOCK_SIGN_RANDOM ? n / 2.0 : s == CLOCK_SIGN_SLOW ? n : 0;
        double tol = s == CLOCK_SIGN_RANDOM ? 4.5 * sqrt(n * 0.25) : 0;
        cr_expect(fabs(slow - expect) <= tol, "%s: %u slow clocks of %u", signs[s], slow, n);
        clock_free(k);
        scenario_fini(&sc);
    }
}

Test(clock, a_node_override_replaces_the_drawn_drift_and_leaves_the_others_draws_alone)
{
    with_nodes(8);
    dist_init_constant(&sc.clocks.offset, 3 * SIM_MS);
    dist_init(&sc.clocks.drift, dist_find("uniform"));
    char err[64];
    cr_assert(dist_set_param(&sc.clocks.drift, "min", "0us", err, sizeof(err)));
    cr_assert(dist_set_param(&sc.clocks.drift, "max", "100us", err, sizeof(err)));
    struct clock *a = clock_new(&sc);
    override(5, -7, 0);
    struct clock *b = clock_new(&sc);
    for (uint32_t i = 0; i < 8; i++) {
        if (i == 5)
            continue;
        cr_assert_eq(clock_drift_ppm(a, i), clock_drift_ppm(b, i), "node %u", i);
        cr_assert_eq(clock_offset(b, i), (int64_t)(3 * SIM_MS));
    }
    cr_assert_float_eq(clock_drift_ppm(b, 5), -7, 1e-9);
    cr_assert_eq(clock_offset(b, 5), 0);
    clock_free(a);
    clock_free(b);
    scenario_fini(&sc);
}

/* --- through a cluster ------------------------------------------------------------------ */

struct seen {
    uint32_t suspects_at_jump, jumps, trusts_after;
    sim_time first_candidacy; /* elections.csv: the first candidacy's start (0: none) */
    sim_time jump_at;
    struct trace_outcome out[8];
    size_t nout;
};

static void seen_event(void *ctx, const struct trace_event *r)
{
    struct seen *s = ctx;
    if (strcmp(r->event, "clock_jump") == 0) {
        s->jumps++;
        s->jump_at = r->time;
    } else if (strcmp(r->event, "suspect") == 0 && s->jumps && r->time == s->jump_at) {
        s->suspects_at_jump++;
    } else if (strcmp(r->event, "trust") == 0 && s->jumps) {
        s->trusts_after++;
    }
}

static void seen_outcome(void *ctx, const struct trace_outcome *r)
{
    struct seen *s = ctx;
    if (s->nout < 8)
        s->out[s->nout++] = *r;
}

static void seen_election(void *ctx, const struct trace_election *r)
{
    struct seen *s = ctx;
    if (!s->first_candidacy || r->start < s->first_candidacy)
        s->first_candidacy = r->start;
}

static const struct trace_sink_ops seen_ops = {
    .event = seen_event, .outcome = seen_outcome, .election = seen_election};

static struct run_metrics run_seen(struct seen *s)
{
    struct trace tr = {.ops = &seen_ops, .ctx = s};
    struct cluster *c = cluster_new(&sc, &tr);
    cluster_run(c);
    struct run_metrics m;
    cluster_metrics(c, &m);
    cr_assert(cluster_check(c));
    cluster_free(c);
    return m;
}

static void heartbeats(uint32_t nodes)
{
    with_nodes(nodes);
    sc.duration = 4 * SIM_S;
    sc.heartbeat.interval = 100 * SIM_MS;
    sc.heartbeat.timeout = 350 * SIM_MS;
}

Test(clock, a_forward_jump_past_the_timeout_suspects_every_monitored_peer_at_once)
{
    heartbeats(5);
    jump(2, 2 * SIM_S, 400 * SIM_MS, false);
    struct seen s = {0};
    struct run_metrics m = run_seen(&s);
    cr_assert_eq(s.jumps, 1);
    cr_assert_eq(s.suspects_at_jump, 4, "node 2 monitors 4 peers");
    cr_assert_eq(m.false_suspicions, 4, "and nothing else is suspected");
    cr_assert_eq(s.trusts_after, 4, "each is trusted again at its next heartbeat");
    scenario_fini(&sc);
}

/* Negative control: the same jump short of the timeout's margin, or backwards, suspects no one. */
Test(clock, a_jump_inside_the_margin_or_backwards_suspects_no_one)
{
    heartbeats(5);
    jump(2, 2 * SIM_S, 200 * SIM_MS, false); /* silence at most 100ms + 200ms < 350ms */
    jump(3, 2 * SIM_S, 5 * SIM_S, true);
    struct seen s = {0};
    struct run_metrics m = run_seen(&s);
    cr_assert_eq(s.jumps, 2);
    cr_assert_eq(m.suspicions, 0);
    scenario_fini(&sc);
}

/* quorum-vote's vote_timeout is a protocol timer: on a proposer 10% fast, 1 s of its clock is
 * 1 s / 1.1 of true time. The voters never answer in time (latency 2 s). */
Test(clock, a_protocol_timer_runs_on_its_nodes_clock)
{
    for (int fast = 0; fast < 2; fast++) {
        with_nodes(3);
        sc.heartbeat.enabled = false;
        sc.consensus.vote_timeout = 1100 * SIM_MS;
        dist_fini(&sc.network.latency);
        dist_init_constant(&sc.network.latency, 2 * SIM_S);
        override(0, fast ? 1e5 : 0, 0);
        sc.workload.nops = 1;
        sc.workload.ops = xcalloc(1, sizeof(*sc.workload.ops));
        sc.workload.ops[0] = (struct op_spec){
            .at = 1 * SIM_S, .proposer = 0, .op = PROP_ADD_VERTEX, .id = xstrdup("v")};
        struct seen s = {0};
        run_seen(&s);
        cr_assert_eq(s.nout, 1);
        cr_assert_eq(s.out[0].outcome, OUTCOME_TIMEOUT);
        cr_assert_eq(s.out[0].decided - s.out[0].submitted, fast ? 1000 * SIM_MS : 1100 * SIM_MS);
        scenario_fini(&sc);
    }
}

/* Raft keeps its election deadline on the node's clock: a lone node 10% fast starts its first
 * candidacy after its drawn timeout / 1.1 of true time (within the 2 ns of two roundings), the
 * same draw as without drift (the node's stream is the same). */
Test(clock, raft_election_timeouts_run_on_the_nodes_clock)
{
    sim_time start[2];
    for (int fast = 0; fast < 2; fast++) {
        with_nodes(1);
        sc.heartbeat.enabled = false;
        sc.duration = 2 * SIM_S;
        for (unsigned k = 0; consensus_protocols[k]; k++)
            if (strcmp(consensus_protocols[k]->name, "raft") == 0)
                sc.consensus.protocol = k;
        override(0, fast ? 1e5 : 0, 0);
        struct seen s = {0};
        run_seen(&s);
        cr_assert_gt(s.first_candidacy, 0);
        start[fast] = s.first_candidacy;
        scenario_fini(&sc);
    }
    double expect = (double)start[0] / 1.1;
    cr_assert(fabs((double)start[1] - expect) <= 2, "first candidacy at %llu ns, expected %.1f",
              (unsigned long long)start[1], expect);
}

Test(clock, a_node_given_two_clock_overrides_is_an_error_at_the_second)
{
    char *err = tu_scenario_errors("cluster: {nodes: 3}\n"
                                   "clocks:\n"
                                   "  nodes:\n"
                                   "    - {node: 1, drift: 50}\n"
                                   "    - {node: 1, drift: -50}\n",
                                   0, NULL);
    cr_assert(err);
    cr_expect(strstr(err, "t.yaml:5:") && strstr(err, "clocks.nodes[1].node") &&
                  strstr(err, "node 1 already has a clock override (at clocks.nodes[0])"),
              "%s", err);
    free(err);
}
