/* net: loss, duplication, link overrides and partitions of single messages. */
#include <criterion/criterion.h>
#include <math.h>

#include "core/xalloc.h"
#include "sim/cluster/net.h"
#include "sim/engine/engine.h"
#include "sim/engine/rng.h"
#include "sim/scenario/scenario.h"

static void node_set(struct node_set *s, uint32_t n, const uint32_t *ids)
{
    s->n = n;
    s->ids = xcalloc(n, sizeof(uint32_t));
    for (uint32_t i = 0; i < n; i++)
        s->ids[i] = ids[i];
}

static void expect_proportion(uint64_t hits, uint64_t n, double p, const char *what)
{
    double se = sqrt(p * (1 - p) / (double)n);
    double rate = (double)hits / (double)n;
    cr_expect(fabs(rate - p) <= 5 * se, "%s: %g observed vs %g (5 SE = %g)", what, rate, p, 5 * se);
}

Test(net, loss_and_duplication_match_their_probabilities)
{
    struct scenario sc;
    scenario_init(&sc);
    sc.network.loss = 0.1;
    sc.network.duplicate = 0.05;
    struct net *n = net_new(&sc, NULL, 0);
    const uint64_t sends = 200000;
    uint64_t lost = 0, dup = 0, delivered = 0;
    for (uint64_t k = 0; k < sends; k++) {
        struct net_route r;
        net_send(n, (uint32_t)(k % 5), (uint32_t)((k + 1) % 5), &r);
        lost += r.fate == NET_LOST;
        if (r.fate == NET_DELIVERED) {
            delivered++;
            dup += r.ncopies == 2;
            cr_assert_eq(r.delay[0], 1 * SIM_MS);
        }
    }
    expect_proportion(lost, sends, 0.1, "loss");
    expect_proportion(dup, delivered, 0.05, "duplication");
    net_free(n);
    scenario_fini(&sc);
}

Test(net, one_senders_traffic_does_not_shift_another_senders_draws)
{
    struct scenario sc;
    scenario_init(&sc);
    sc.network.loss = 0.3;
    dist_fini(&sc.network.latency);
    dist_init(&sc.network.latency, dist_find("exponential"));
    char err[64];
    cr_assert(dist_set_param(&sc.network.latency, "mean", "3ms", err, sizeof(err)));
    struct net *a = net_new(&sc, NULL, 0), *b = net_new(&sc, NULL, 0);
    for (int k = 0; k < 1000; k++) {
        struct net_route ra, rb, other;
        net_send(b, 1, 2, &other); /* only b sees node 1's traffic */
        net_send(a, 0, 3, &ra);
        net_send(b, 0, 3, &rb);
        cr_assert_eq(ra.fate, rb.fate);
        if (ra.fate == NET_DELIVERED)
            cr_assert_eq(ra.delay[0], rb.delay[0]);
    }
    net_free(a);
    net_free(b);
    scenario_fini(&sc);
}

Test(net, the_host_stream_of_a_node_is_its_own_and_sending_does_not_shift_it)
{
    struct scenario sc;
    scenario_init(&sc);
    sc.network.loss = 0.3;
    struct net *n = net_new(&sc, NULL, RNG_VOTE);
    struct rng want[3];
    for (uint32_t i = 0; i < 3; i++)
        rng_init(&want[i], sc.seed, RNG_VOTE, i);
    for (int k = 0; k < 1000; k++) {
        struct net_route r;
        net_send(n, (uint32_t)(k % 3), (uint32_t)((k + 1) % 3), &r); /* draws loss, latency */
        uint32_t node = (uint32_t)(k * 7 % 3);
        cr_assert_eq(rng_state_uniform(net_host_stream(n, node)), rng_uniform(&want[node]),
                     "node %u, draw %d", node, k);
    }
    /* negative control: the streams of different nodes differ */
    cr_expect_neq(rng_state_uniform(net_host_stream(n, 0)),
                  rng_state_uniform(net_host_stream(n, 1)));
    net_free(n);
    scenario_fini(&sc);
}

Test(net, a_link_override_sets_latency_and_loss_in_both_directions_when_symmetric)
{
    struct scenario sc;
    scenario_init(&sc);
    sc.nodes = 4;
    sc.network.nlinks = 2;
    sc.network.links = xcalloc(2, sizeof(struct link_override));
    uint32_t zero = 0, one = 1, two = 2, three = 3;
    node_set(&sc.network.links[0].from, 1, &zero);
    node_set(&sc.network.links[0].to, 1, &one);
    dist_init_constant(&sc.network.links[0].latency, 7 * SIM_MS);
    sc.network.links[0].symmetric = true;
    sc.network.links[0].loss = -1;
    node_set(&sc.network.links[1].from, 1, &two);
    node_set(&sc.network.links[1].to, 1, &three);
    sc.network.links[1].symmetric = false;
    sc.network.links[1].loss = 1.0;
    struct net *n = net_new(&sc, NULL, 0);
    struct net_route r;
    net_send(n, 0, 1, &r);
    cr_assert_eq(r.delay[0], 7 * SIM_MS);
    net_send(n, 1, 0, &r);
    cr_assert_eq(r.delay[0], 7 * SIM_MS);
    net_send(n, 0, 2, &r);
    cr_assert_eq(r.delay[0], 1 * SIM_MS);
    net_send(n, 2, 3, &r);
    cr_assert_eq(r.fate, NET_LOST);
    net_send(n, 3, 2, &r);
    cr_assert_eq(r.fate, NET_DELIVERED, "one-directional override");
    net_free(n);
    scenario_fini(&sc);
}

static void one_partition(struct scenario *sc, bool oneway)
{
    scenario_init(sc);
    sc->nodes = 6;
    sc->faults.npartitions = 1;
    sc->faults.partitions = xcalloc(1, sizeof(struct partition_spec));
    struct partition_spec *p = &sc->faults.partitions[0];
    p->at = 0;
    p->heal = SIM_TIME_MAX;
    p->oneway = oneway;
    p->ngroups = 2;
    p->groups = xcalloc(2, sizeof(struct node_set));
    uint32_t g0[] = {0, 1}, g1[] = {2, 3};
    node_set(&p->groups[0], 2, g0);
    node_set(&p->groups[1], 2, g1); /* 4 and 5 form the implicit third group */
}

Test(net, a_symmetric_partition_cuts_traffic_between_groups_until_it_heals)
{
    struct scenario sc;
    one_partition(&sc, false);
    struct net *n = net_new(&sc, NULL, 0);
    cr_assert_not(net_cut(n, 0, 2), "inactive partitions cut nothing");
    net_partition_set(n, 0, true);
    cr_assert_not(net_cut(n, 0, 1));
    cr_assert_not(net_cut(n, 4, 5));
    cr_assert(net_cut(n, 0, 2));
    cr_assert(net_cut(n, 2, 0));
    cr_assert(net_cut(n, 3, 5));
    cr_assert(net_cut(n, 5, 1));
    struct net_route r;
    net_send(n, 1, 3, &r);
    cr_assert_eq(r.fate, NET_PARTITIONED);
    net_partition_set(n, 0, false);
    cr_assert_not(net_cut(n, 0, 2));
    net_free(n);
    scenario_fini(&sc);
}

Test(net, a_one_way_partition_only_cuts_traffic_leaving_the_first_group)
{
    struct scenario sc;
    one_partition(&sc, true);
    struct net *n = net_new(&sc, NULL, 0);
    net_partition_set(n, 0, true);
    cr_assert(net_cut(n, 0, 2));
    cr_assert(net_cut(n, 1, 5));
    cr_assert_not(net_cut(n, 2, 0));
    cr_assert_not(net_cut(n, 5, 1));
    cr_assert_not(net_cut(n, 2, 4), "other groups talk freely");
    net_free(n);
    scenario_fini(&sc);
}

/* Group ids are as wide as node ids: with 70,000 singleton groups, node 65,536 (whose group
 * id wrapped to 0 in a 16-bit table) is cut from node 0, and the last listed node from the
 * implicit group of the unlisted ones. */
Test(net, partition_groups_past_65536_keep_their_own_ids)
{
    const uint32_t groups = 70000;
    struct scenario sc;
    scenario_init(&sc);
    sc.nodes = groups + 2;
    sc.faults.npartitions = 1;
    sc.faults.partitions = xcalloc(1, sizeof(struct partition_spec));
    struct partition_spec *p = &sc.faults.partitions[0];
    p->at = 0;
    p->heal = SIM_TIME_MAX;
    p->ngroups = groups;
    p->groups = xcalloc(groups, sizeof(struct node_set));
    for (uint32_t k = 0; k < groups; k++)
        node_set(&p->groups[k], 1, &k);
    struct net *n = net_new(&sc, NULL, 0);
    net_partition_set(n, 0, true);
    cr_assert(net_cut(n, 65536, 0), "group 65,536 is not group 0");
    cr_assert(net_cut(n, 0, 65536));
    cr_assert(net_cut(n, 65537, 1));
    cr_assert(net_cut(n, groups - 1, groups), "a listed node vs the implicit group");
    cr_assert_not(net_cut(n, groups, groups + 1), "the unlisted nodes form one group");
    net_free(n);
    scenario_fini(&sc);
}

/* --- zones and clogs --- */

/* 6 nodes in zones us {0, 1}, eu {2, 3}, ap {4, 5}; 1 ms inside a zone, us-eu 40 ms, us-ap
 * 80 ms (symmetric), eu -> ap 120 ms one way. */
static void three_zones(struct scenario *sc)
{
    static const char *const names[] = {"us", "eu", "ap"};
    scenario_init(sc);
    sc->nodes = 6;
    sc->nzones = 3;
    sc->zones = xcalloc(3, sizeof(*sc->zones));
    for (size_t z = 0; z < 3; z++)
        sc->zones[z] = (struct zone_spec){.name = xstrdup(names[z]), .count = 2};
    static const struct {
        const char *from, *to;
        sim_time ms;
        bool symmetric;
    } m[] = {{"us", "eu", 40, true}, {"us", "ap", 80, true}, {"eu", "ap", 120, false}};
    sc->network.nzone_latency = 3;
    sc->network.zone_latency = xcalloc(3, sizeof(*sc->network.zone_latency));
    for (size_t i = 0; i < 3; i++) {
        struct zone_latency *zl = &sc->network.zone_latency[i];
        zl->from = xstrdup(m[i].from);
        zl->to = xstrdup(m[i].to);
        zl->symmetric = m[i].symmetric;
        dist_init_constant(&zl->latency, m[i].ms * SIM_MS);
    }
}

static sim_time delay_of(struct net *n, uint32_t from, uint32_t to)
{
    struct net_route r;
    net_send(n, from, to, &r);
    cr_assert_eq(r.fate, NET_DELIVERED);
    return r.delay[0];
}

Test(net, the_zone_latency_matrix_sets_each_zone_pairs_latency)
{
    struct scenario sc;
    three_zones(&sc);
    struct net *n = net_new(&sc, NULL, 0);
    cr_assert_eq(delay_of(n, 0, 1), 1 * SIM_MS, "inside a zone: network.latency");
    cr_assert_eq(delay_of(n, 4, 5), 1 * SIM_MS);
    cr_assert_eq(delay_of(n, 1, 3), 40 * SIM_MS);
    cr_assert_eq(delay_of(n, 2, 0), 40 * SIM_MS, "symmetric");
    cr_assert_eq(delay_of(n, 5, 0), 80 * SIM_MS);
    cr_assert_eq(delay_of(n, 3, 4), 120 * SIM_MS);
    cr_assert_eq(delay_of(n, 4, 3), 1 * SIM_MS, "one way: ap -> eu keeps the default");
    cr_assert_eq(net_zone(n, 3), 1);
    net_free(n);
    scenario_fini(&sc);
}

Test(net, a_link_override_wins_over_the_zone_matrix)
{
    struct scenario sc;
    three_zones(&sc);
    sc.network.nlinks = 1;
    sc.network.links = xcalloc(1, sizeof(struct link_override));
    struct link_override *l = &sc.network.links[0];
    uint32_t zero = 0, two = 2;
    node_set(&l->from, 1, &zero);
    node_set(&l->to, 1, &two);
    l->symmetric = true;
    l->loss = -1;
    dist_init_constant(&l->latency, 7 * SIM_MS);
    struct net *n = net_new(&sc, NULL, 0);
    cr_assert_eq(delay_of(n, 0, 2), 7 * SIM_MS);
    cr_assert_eq(delay_of(n, 1, 2), 40 * SIM_MS, "the rest of the pair of zones keeps 40 ms");
    net_free(n);
    scenario_fini(&sc);
}

Test(net, isolating_a_zone_cuts_it_from_every_other_node_only)
{
    struct scenario sc;
    three_zones(&sc);
    sc.faults.npartitions = 1;
    sc.faults.partitions = xcalloc(1, sizeof(struct partition_spec));
    sc.faults.partitions[0] =
        (struct partition_spec){.heal = SIM_TIME_MAX, .isolate = xstrdup("eu")};
    struct net *n = net_new(&sc, NULL, 0);
    net_partition_set(n, 0, true);
    for (uint32_t a = 0; a < 6; a++)
        for (uint32_t b = 0; b < 6; b++) {
            bool in_a = a == 2 || a == 3, in_b = b == 2 || b == 3;
            cr_assert_eq(net_cut(n, a, b), in_a != in_b, "%u -> %u", a, b);
        }
    net_free(n);
    scenario_fini(&sc);
}

/* A clog of us -> node 4 over [5 ms, 50 ms) at time 0: a 80 ms message passes (it arrives
 * after the clog), a 1 ms one inside us is not on the path; with 10 ms latency on the path
 * the message arrives inside the clog and is held to 50 ms; the reverse direction only when
 * the clog is symmetric. */
Test(net, a_clogged_path_holds_messages_to_the_clogs_end_and_loses_none)
{
    struct scenario sc;
    three_zones(&sc);
    sc.faults.nclogs = 1;
    sc.faults.clogs = xcalloc(1, sizeof(struct clog_spec));
    struct clog_spec *cl = &sc.faults.clogs[0];
    uint32_t four = 4;
    *cl = (struct clog_spec){.from_zone = xstrdup("us"), .at = 5 * SIM_MS, .end = 50 * SIM_MS};
    node_set(&cl->to, 1, &four);
    struct sim_engine *eng = sim_engine_new();
    struct net *n = net_new(&sc, eng, 0);
    cr_assert_eq(delay_of(n, 0, 4), 80 * SIM_MS, "arrives after the clog: not held");
    cr_assert_eq(delay_of(n, 0, 1), 1 * SIM_MS, "not on the clogged path");
    net_free(n);
    dist_fini(&sc.network.zone_latency[1].latency);
    dist_init_constant(&sc.network.zone_latency[1].latency, 10 * SIM_MS);
    n = net_new(&sc, eng, 0);
    cr_assert_eq(delay_of(n, 1, 4), 50 * SIM_MS, "held to the clog's end");
    cr_assert_eq(delay_of(n, 0, 5), 10 * SIM_MS, "node 5 is not clogged");
    cr_assert_eq(delay_of(n, 4, 0), 10 * SIM_MS, "one way");
    net_free(n);
    cl->symmetric = true;
    n = net_new(&sc, eng, 0);
    cr_assert_eq(delay_of(n, 4, 0), 50 * SIM_MS, "symmetric: both ways");
    net_free(n);
    sim_engine_free(eng);
    scenario_fini(&sc);
}
