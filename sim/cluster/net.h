/*
 * net: the simulated network's decisions about one message — is it cut by a partition,
 * lost, duplicated, and how long does each copy take.
 *
 * Latency comes from network.latency, or from the last network.links override whose
 * from/to sets contain the pair (in either direction if symmetric); loss likewise.
 * Partitions are switched on and off by the cluster at their times; a symmetric partition
 * cuts traffic between different groups (nodes in no group form one implicit extra group),
 * a one-way partition only traffic from groups[0] to the other groups.
 * network.jitter adds a draw to every copy's delay; with network.fifo a copy never arrives
 * before one sent earlier from the same sender to the same receiver (it is held back to
 * that arrival, as a TCP stream would hold it).
 * With cluster.zones, network.zone_latency gives the latency between (and inside) zones;
 * network.links still win over it. A partition may `isolate` a zone. faults.clogs hold a
 * copy that would arrive during a clog of its path back to the clog's end.
 * Randomness: the sender's RNG_LOSS stream decides loss and duplication, its RNG_LATENCY
 * stream the delays (and jitter), so one node's traffic never shifts another node's draws.
 *
 * Liveness of senders and receivers is the cluster's business, not the network's.
 * Ownership: borrows the scenario; owns per-node streams (its host's too) and partition
 * membership.
 */
#ifndef ATLAS_SIM_CLUSTER_NET_H
#define ATLAS_SIM_CLUSTER_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/engine/engine.h"
#include "sim/engine/rng.h"
#include "sim/scenario/scenario.h"

enum net_fate {
    NET_DELIVERED,   /* copies[0] (and copies[1] if duplicated) are the delays */
    NET_LOST,        /* lost to network.loss (or a link's loss) */
    NET_PARTITIONED, /* cut by an active partition */
};

struct net_route {
    enum net_fate fate;
    uint32_t ncopies; /* 1, or 2 when duplicated */
    sim_time delay[2];
};

struct net;

/* eng is the clock network.fifo reads (borrowed). host_kind: the kind (enum rng_kind) of a
 * stream per node that the network keeps for its host beside the node's own (0: none). */
struct net *net_new(const struct scenario *sc, const struct sim_engine *eng, uint32_t host_kind);
void net_free(struct net *n); /* NULL is a no-op */

/* Decide the fate of a message from -> to sent now (draws from the sender's streams). */
void net_send(struct net *n, uint32_t from, uint32_t to, struct net_route *out);

/* The zone of node (0 without cluster.zones). */
uint32_t net_zone(const struct net *n, uint32_t node);

/* Start loading node's streams, the host's included, into the cache (a hint). */
void net_prefetch(const struct net *n, uint32_t node);

/* Node's host stream (stream (seed, host_kind, node)); host_kind must not be 0. It shares the
 * cache line of node's loss and latency streams: a delivery that draws from it and replies
 * loads one line for the three. */
struct rng_state *net_host_stream(struct net *n, uint32_t node);

/* Switch partition i (index into faults.partitions) on or off. */
void net_partition_set(struct net *n, size_t i, bool active);
/* Does an active partition cut messages from -> to? */
bool net_cut(const struct net *n, uint32_t from, uint32_t to);

#endif
