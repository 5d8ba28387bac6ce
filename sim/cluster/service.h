/*
 * service: slow nodes and gray failure (issue 17 item 2). A node handles one protocol
 * message at a time, in arrival order, each for a service time drawn from cluster.service
 * (or, during one of its faults.slow periods, from the period's distribution or
 * cluster.service's draw times the period's factor): a FIFO single-server queue per node, so
 * overload shows as latency. Without cluster.service a message arriving at an idle node
 * that is not slow is handled at once.
 *
 * Randomness: each node's RNG_SERVICE stream, one draw per message it serves.
 * Ownership: borrows the scenario. Built only when scenario_has_service(sc).
 */
#ifndef ATLAS_SIM_CLUSTER_SERVICE_H
#define ATLAS_SIM_CLUSTER_SERVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/engine/time.h"
#include "sim/scenario/scenario.h"

struct service;

struct service *service_new(const struct scenario *sc);
void service_free(struct service *s); /* NULL is a no-op */

/* A message arrives at node now: the time its handling completes (now when it needs none);
 * the node is busy until then. */
sim_time service_admit(struct service *s, uint32_t node, sim_time now);

/* The node crashed now: its queue is gone (it is idle from now). */
void service_reset(struct service *s, uint32_t node, sim_time now);

/* Slow period i (faults.slow) starts or ends; returns how many nodes it covers. */
uint32_t service_slow_set(struct service *s, size_t i, bool on);

#endif
