/*
 * service: the per-node message queue of slow nodes (issue 17 item 2). Unit behaviour (FIFO,
 * idle nodes, slow periods, a crash empties the queue) and the queue against queueing theory:
 * with Poisson arrivals at rate lambda and service rate mu (rho = lambda/mu), the mean time a
 * message spends at the node (waiting plus its own service) is
 *   M/M/1 (exponential service): 1 / (mu - lambda);
 *   M/D/1 (constant service D = 1/mu): D + rho D / (2 (1 - rho))  (Pollaczek-Khinchine).
 * Messages in one run are correlated, so the standard error comes from independent
 * replications (their means are i.i.d.): SE = sd(replication means) / sqrt(R), and a check
 * passes when |mean - closed form| <= Z SE with Z = 4.5, as in test_validation.c. The first
 * WARMUP messages of each run (the queue starts empty) are left out.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>

#include "core/xalloc.h"
#include "sim/cluster/service.h"
#include "sim/engine/rng.h"
#include "sim/scenario/scenario.h"

#define Z         4.5
#define REPS      30
#define MESSAGES  40000
#define WARMUP    2000
#define SEED_BASE UINT64_C(20261205) /* fixed before any result was seen */

static void set_dist(struct dist *d, const char *family, const char *param, const char *value)
{
    char err[128];
    dist_fini(d);
    dist_init(d, dist_find(family));
    cr_assert(dist_set_param(d, param, value, err, sizeof(err)), "%s", err);
    cr_assert(dist_check(d, err, sizeof(err)), "%s", err);
}

Test(service, a_node_without_service_time_handles_a_message_on_arrival)
{
    struct scenario sc;
    scenario_init(&sc);
    struct service *s = service_new(&sc);
    cr_assert_eq(service_admit(s, 0, 5 * SIM_MS), 5 * SIM_MS);
    cr_assert_eq(service_admit(s, 0, 5 * SIM_MS), 5 * SIM_MS, "nothing to wait for");
    service_free(s);
    service_free(NULL);
    scenario_fini(&sc);
}

Test(service, messages_wait_in_arrival_order_for_one_server)
{
    struct scenario sc;
    scenario_init(&sc);
    dist_init_constant(&sc.service, 3 * SIM_MS);
    struct service *s = service_new(&sc);
    cr_assert_eq(service_admit(s, 1, 0), 3 * SIM_MS);
    cr_assert_eq(service_admit(s, 1, 1 * SIM_MS), 6 * SIM_MS, "waits for the first");
    cr_assert_eq(service_admit(s, 1, 2 * SIM_MS), 9 * SIM_MS);
    cr_assert_eq(service_admit(s, 2, 2 * SIM_MS), 5 * SIM_MS, "another node is another server");
    cr_assert_eq(service_admit(s, 1, 20 * SIM_MS), 23 * SIM_MS, "an idle server starts at once");
    service_reset(s, 1, 21 * SIM_MS);
    cr_assert_eq(service_admit(s, 1, 21 * SIM_MS), 24 * SIM_MS, "a crash empties the queue");
    service_free(s);
    scenario_fini(&sc);
}

Test(service, a_slow_period_multiplies_or_replaces_the_service_time_of_its_nodes_only)
{
    struct scenario sc;
    scenario_init(&sc);
    dist_init_constant(&sc.service, 2 * SIM_MS);
    sc.faults.nslow = 2;
    sc.faults.slow = xcalloc(2, sizeof(struct slow_spec));
    uint32_t one = 1, three = 3;
    sc.faults.slow[0] = (struct slow_spec){
        .nodes = {1, xcalloc(1, sizeof(uint32_t))}, .end = SIM_TIME_MAX, .factor = 10};
    sc.faults.slow[0].nodes.ids[0] = one;
    sc.faults.slow[1] =
        (struct slow_spec){.nodes = {1, xcalloc(1, sizeof(uint32_t))}, .end = SIM_TIME_MAX};
    sc.faults.slow[1].nodes.ids[0] = three;
    dist_init_constant(&sc.faults.slow[1].service, 7 * SIM_MS);
    struct service *s = service_new(&sc);
    cr_assert_eq(service_slow_set(s, 0, true), 1);
    cr_assert_eq(service_slow_set(s, 1, true), 1);
    cr_assert_eq(service_admit(s, 1, 0), 20 * SIM_MS, "factor 10");
    cr_assert_eq(service_admit(s, 3, 0), 7 * SIM_MS, "its own distribution");
    cr_assert_eq(service_admit(s, 0, 0), 2 * SIM_MS, "node 0 is not slow");
    service_slow_set(s, 0, false);
    cr_assert_eq(service_admit(s, 1, 30 * SIM_MS), 32 * SIM_MS, "well again");
    service_free(s);
    scenario_fini(&sc);
}

struct queue_run {
    double mean, sd; /* of the replication means of the time at the node (ms) */
    double mean_service;
};

/* R replications of MESSAGES Poisson arrivals (mean gap 1/lambda ms) at node 0 of a scenario
 * with the given service; idle: the broken variant that never waits (service time only). */
static struct queue_run run_queue(const struct dist *service, double lambda, bool idle)
{
    double sum = 0, sumsq = 0, served = 0;
    for (uint32_t r = 0; r < REPS; r++) {
        struct scenario sc;
        scenario_init(&sc);
        sc.seed = SEED_BASE + r;
        dist_copy(&sc.service, service);
        struct service *s = service_new(&sc);
        struct rng arrivals;
        rng_init(&arrivals, sc.seed, RNG_TEST, 0);
        double t = 0, at_node = 0, prev_done = 0;
        for (uint32_t k = 0; k < MESSAGES; k++) {
            t += -log1p(-rng_uniform(&arrivals)) / lambda * 1e6; /* ns */
            sim_time now = (sim_time)t;
            sim_time done = service_admit(s, 0, now);
            double start = fmax((double)now, prev_done);
            double own = (double)done - start;
            prev_done = (double)done;
            if (k < WARMUP)
                continue;
            at_node += idle ? own : (double)(done - now);
            served += own;
        }
        double m = at_node / (MESSAGES - WARMUP) / 1e6;
        sum += m;
        sumsq += m * m;
        service_free(s);
        scenario_fini(&sc);
    }
    double mean = sum / REPS;
    return (struct queue_run){.mean = mean,
                              .sd = sqrt((sumsq - REPS * mean * mean) / (REPS - 1)),
                              .mean_service = served / REPS / (MESSAGES - WARMUP) / 1e6};
}

static bool agrees(const char *what, const struct queue_run *q, double expected)
{
    double se = q->sd / sqrt(REPS), z = (q->mean - expected) / se;
    fprintf(stderr,
            "validation: %-44s measured %-12.7g expected %-12.7g SE %-10.4g tol %-10.4g N %d x "
            "%d z %+.2f\n",
            what, q->mean, expected, se, Z * se, REPS, MESSAGES - WARMUP, z);
    return fabs(z) <= Z;
}

/* rho = 0.5 and 0.8: lambda = rho messages per ms, service mean 1 ms. */
Test(service, the_time_at_an_exponential_server_matches_m_m_1)
{
    struct dist exp1 = {0};
    set_dist(&exp1, "exponential", "mean", "1ms");
    const double rhos[] = {0.5, 0.8};
    for (size_t i = 0; i < 2; i++) {
        struct queue_run q = run_queue(&exp1, rhos[i], false);
        char what[64];
        snprintf(what, sizeof(what), "M/M/1 time at node rho=%g (ms)", rhos[i]);
        cr_expect(agrees(what, &q, 1 / (1 - rhos[i])), "%s", what);
        struct queue_run broken = run_queue(&exp1, rhos[i], true);
        snprintf(what, sizeof(what), "M/M/1 control (no waiting) rho=%g", rhos[i]);
        cr_expect_not(agrees(what, &broken, 1 / (1 - rhos[i])),
                      "a server that never makes messages wait must fail the check");
    }
    dist_fini(&exp1);
}

Test(service, the_time_at_a_constant_server_matches_m_d_1)
{
    struct dist d1 = {0};
    dist_init_constant(&d1, 1 * SIM_MS);
    const double rhos[] = {0.5, 0.8};
    for (size_t i = 0; i < 2; i++) {
        double rho = rhos[i], expected = 1 + rho / (2 * (1 - rho));
        struct queue_run q = run_queue(&d1, rho, false);
        char what[64];
        snprintf(what, sizeof(what), "M/D/1 time at node rho=%g (ms)", rho);
        cr_expect(agrees(what, &q, expected), "%s", what);
        cr_expect_float_eq(q.mean_service, 1.0, 1e-9, "every service takes exactly 1 ms");
        snprintf(what, sizeof(what), "M/D/1 vs the M/M/1 formula rho=%g", rho);
        cr_expect_not(agrees(what, &q, 1 / (1 - rho)),
                      "M/D/1 waits half as long as M/M/1: the check tells them apart");
    }
    dist_fini(&d1);
}
