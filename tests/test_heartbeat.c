/* heartbeat: topologies, and the failure detector's suspicion and trust rules. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "sim/cluster/heartbeat.h"
#include "sim/scenario/scenario.h"

static struct scenario sc;

static void with(uint32_t nodes, enum hb_topology topology, uint32_t fanout)
{
    scenario_init(&sc);
    sc.nodes = nodes;
    sc.heartbeat.topology = topology;
    sc.heartbeat.fanout = fanout;
    sc.heartbeat.interval = 100 * SIM_MS;
    sc.heartbeat.timeout = 300 * SIM_MS;
}

static void done(struct heartbeat *h)
{
    heartbeat_free(h);
    scenario_fini(&sc);
}

Test(heartbeat, a_ring_names_the_fanout_nearest_neighbours_on_each_side)
{
    with(7, HB_RING, 2);
    struct heartbeat *h = heartbeat_new(&sc);
    uint32_t n;
    const uint32_t *t = heartbeat_targets(h, 0, &n);
    cr_assert_eq(n, 4);
    uint32_t want[] = {1, 2, 5, 6};
    for (uint32_t i = 0; i < 4; i++)
        cr_assert_eq(t[i], want[i]);
    cr_assert_eq(heartbeat_nmonitored(h, 0), 4, "a ring is symmetric");
    for (uint32_t i = 0; i < 4; i++)
        cr_assert_eq(heartbeat_monitored(h, 0, i), want[i]);
    done(h);
}

Test(heartbeat, a_small_ring_does_not_repeat_neighbours)
{
    with(3, HB_RING, 2);
    struct heartbeat *h = heartbeat_new(&sc);
    uint32_t n;
    heartbeat_targets(h, 1, &n);
    cr_assert_eq(n, 2);
    done(h);
}

Test(heartbeat, random_peers_are_distinct_others_and_monitoring_inverts_sending)
{
    with(50, HB_RANDOM, 4);
    struct heartbeat *h = heartbeat_new(&sc);
    uint32_t sends[50][50] = {{0}};
    for (uint32_t i = 0; i < 50; i++) {
        uint32_t n;
        const uint32_t *t = heartbeat_targets(h, i, &n);
        cr_assert_eq(n, 4);
        for (uint32_t k = 0; k < n; k++) {
            cr_assert_neq(t[k], i);
            cr_assert(k == 0 || t[k - 1] < t[k], "sorted and distinct");
            sends[i][t[k]] = 1;
        }
    }
    for (uint32_t j = 0; j < 50; j++) {
        uint32_t n = heartbeat_nmonitored(h, j), seen = 0;
        for (uint32_t k = 0; k < n; k++) {
            uint32_t m = heartbeat_monitored(h, j, k);
            cr_assert(sends[m][j], "node %u monitors %u, which does not send to it", j, m);
            cr_assert(k == 0 || heartbeat_monitored(h, j, k - 1) < m, "sorted");
        }
        for (uint32_t i = 0; i < 50; i++)
            seen += sends[i][j];
        cr_assert_eq(seen, n);
    }
    done(h);
}

/* Random peers are a uniform sample without replacement: each of the n - 1 others is a
 * target with probability f / (n - 1), so the number of senders that picked the peer at
 * offset d is Binomial(n, f / (n - 1)) for every d; fanout n - 1 is everyone, at once. */
Test(heartbeat, random_peers_are_uniform_and_a_full_fanout_is_everyone)
{
    enum { N = 2001, F = 100 };
    with(N, HB_RANDOM, F);
    struct heartbeat *h = heartbeat_new(&sc);
    static uint32_t by_offset[N];
    memset(by_offset, 0, sizeof(by_offset));
    for (uint32_t i = 0; i < N; i++) {
        uint32_t n;
        const uint32_t *t = heartbeat_targets(h, i, &n);
        cr_assert_eq(n, F);
        for (uint32_t k = 0; k < n; k++)
            by_offset[(t[k] + N - i) % N]++;
    }
    cr_assert_eq(by_offset[0], 0);
    double p = (double)F / (N - 1), sd = sqrt(N * p * (1 - p)), worst = 0;
    for (uint32_t d = 1; d < N; d++) {
        double z = fabs(by_offset[d] - N * p) / sd;
        worst = z > worst ? z : worst;
    }
    /* 2,000 offsets: P(max |z| > 4.8) < 2000 * 1.6e-6 = 0.3% */
    cr_assert_lt(worst, 4.8, "an offset %g SDs from its binomial mean", worst);
    done(h);
    with(300, HB_RANDOM, 299);
    h = heartbeat_new(&sc);
    for (uint32_t i = 0; i < 300; i++) {
        uint32_t n;
        heartbeat_targets(h, i, &n);
        cr_assert_eq(n, 299);
    }
    done(h);
}

static uint32_t suspected[8];
static size_t nsuspected;

static void on_suspect(void *ctx, uint32_t node, uint32_t peer)
{
    (void)ctx;
    (void)node;
    suspected[nsuspected++] = peer;
}

Test(heartbeat, silence_for_the_timeout_means_suspicion_and_a_heartbeat_means_trust)
{
    with(4, HB_ALL, 3);
    struct heartbeat *h = heartbeat_new(&sc);
    nsuspected = 0;
    heartbeat_reset(h, 0, 0);
    cr_assert_eq(heartbeat_trusted(h, 0), 4);
    cr_assert_not(heartbeat_heard(h, 0, 1, 100 * SIM_MS));
    cr_assert_not(heartbeat_heard(h, 0, 2, 200 * SIM_MS));
    sim_time next = heartbeat_check(h, 0, 299 * SIM_MS, 300 * SIM_MS, on_suspect, NULL);
    cr_assert_eq(nsuspected, 0);
    cr_assert_eq(next, 300 * SIM_MS, "node 3 has been silent since the start");
    next = heartbeat_check(h, 0, 300 * SIM_MS, 300 * SIM_MS, on_suspect, NULL);
    cr_assert_eq(nsuspected, 1);
    cr_assert_eq(suspected[0], 3);
    cr_assert_eq(next, 400 * SIM_MS);
    cr_assert_eq(heartbeat_trusted(h, 0), 3);
    cr_assert(heartbeat_suspects(h, 0, 3));
    cr_assert(heartbeat_heard(h, 0, 3, 350 * SIM_MS), "trusted again");
    cr_assert_eq(heartbeat_trusted(h, 0), 4);
    heartbeat_check(h, 0, 400 * SIM_MS, 300 * SIM_MS, on_suspect, NULL);
    cr_assert_eq(nsuspected, 2);
    cr_assert_eq(suspected[1], 1);
    heartbeat_reset(h, 0, 500 * SIM_MS);
    cr_assert_eq(heartbeat_trusted(h, 0), 4);
    done(h);
}
