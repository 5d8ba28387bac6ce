/*
 * clock: every node's local clock (clocks.*): an offset, a drift rate and timed jumps.
 *
 * Why: real nodes time their heartbeats, failure-detector timeouts, election timers and
 * leases with their own oscillators, which run fast or slow by some parts per million and
 * are stepped by NTP or an operator. The simulator keeps one true time (the engine's, in
 * which messages travel); this module maps it to each node's reading and converts the
 * durations a node measures on its own clock into true time.
 *
 * Model: node i reads L_i(t) = offset_i + t * (1 + drift_i) (drift_i in ppm * 1e-6), plus
 * the sum of the jumps it has had (a jump moves the reading, not the rate; a reading below 0
 * reads 0). A duration d measured on node i's clock lasts d / (1 + drift_i) of true time:
 * timers are relative (as a monotonic clock's), so a jump does not move a timer already set;
 * the failure detector compares readings, so a jump does move its deadlines (cluster.c).
 *
 * Draws: drift and offset come from each node's RNG_CLOCK stream, drawn once at clock_new,
 * so other streams never see them. Ownership: borrows nothing after clock_new; clock_free
 * (NULL is a no-op). clock_new returns NULL when the scenario has no clocks section: every
 * node then reads true time and durations are not scaled.
 */
#ifndef ATLAS_SIM_CLUSTER_CLOCK_H
#define ATLAS_SIM_CLUSTER_CLOCK_H

#include <stdint.h>

#include "sim/scenario/scenario.h"

struct clock;

struct clock *clock_new(const struct scenario *sc); /* NULL: clocks are not modelled */
void clock_free(struct clock *k);

/* Node's drift in ppm (positive: fast) and its offset at true time 0, in ns. */
double clock_drift_ppm(const struct clock *k, uint32_t node);
int64_t clock_offset(const struct clock *k, uint32_t node);

/* Node's reading at true time t (ns, saturating at 0 and SIM_TIME_MAX). */
sim_time clock_read(const struct clock *k, uint32_t node, sim_time t);

/* True time that a duration d measured on node's clock lasts (rounded to the nearest ns). */
sim_time clock_true_span(const struct clock *k, uint32_t node, sim_time d);

/* Node's reading jumps by `by` ns (negative: back). */
void clock_jump(struct clock *k, uint32_t node, int64_t by);

#endif
