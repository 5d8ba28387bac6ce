/*
 * heartbeat: heartbeat topology and the per-node failure detector.
 *
 * Topology (heartbeat.topology): `all` (every node sends to every other), `ring` (to the
 * `fanout` nearest neighbours on each side), `random` (to `fanout` distinct peers drawn
 * once per node from its RNG_HEARTBEAT stream). A node monitors the peers that send to it:
 * it suspects a monitored peer once `timeout` has passed since its last heartbeat (or since
 * the start / its own recovery), and trusts it again when one arrives. Peers a node does
 * not monitor are trusted. The detector is pure state: the cluster sends the heartbeats,
 * schedules the checks and reports suspicions.
 *
 * Memory: O(sum of in-degrees): 20 bytes per link (its 16-byte record at the receiver, all
 * that a heartbeat's delivery reads of it, and the sender's 4-byte target), 28 bytes per node
 * (a 16-byte stream, offsets, suspicion count).
 * Ownership: borrows the scenario.
 */
#ifndef ATLAS_SIM_CLUSTER_HEARTBEAT_H
#define ATLAS_SIM_CLUSTER_HEARTBEAT_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/scenario/scenario.h"

struct heartbeat;

struct heartbeat *heartbeat_new(const struct scenario *sc);
void heartbeat_free(struct heartbeat *h); /* NULL is a no-op */

/* Peers node sends its heartbeats to (*n of them, sorted). */
const uint32_t *heartbeat_targets(const struct heartbeat *h, uint32_t node, uint32_t *n);
/* How many peers node monitors, and the k-th of them (sorted). */
uint32_t heartbeat_nmonitored(const struct heartbeat *h, uint32_t node);
uint32_t heartbeat_monitored(const struct heartbeat *h, uint32_t node, uint32_t k);

/* Offset of node's first heartbeat in [0, interval), from its stream. */
sim_time heartbeat_phase(struct heartbeat *h, uint32_t node);
/* Is a heartbeat sent by `from` lost to heartbeat.loss? (draws from from's stream) */
bool heartbeat_lost(struct heartbeat *h, uint32_t from);

/* A heartbeat from peer reached node at now. Returns true if node suspected peer until now. */
bool heartbeat_heard(struct heartbeat *h, uint32_t node, uint32_t peer, sim_time now);

typedef void heartbeat_suspect_fn(void *ctx, uint32_t node, uint32_t peer);

/*
 * Suspect each monitored peer of node silent since now - timeout or earlier (calls fn for
 * each new suspicion, in peer order). timeout: heartbeat.timeout in true time (on a drifting
 * clock, as node measures it: sim/cluster/clock.h). Returns when the next peer may become
 * suspect (SIM_TIME_MAX if every monitored peer is suspected already).
 */
sim_time heartbeat_check(struct heartbeat *h, uint32_t node, sim_time now, sim_time timeout,
                         heartbeat_suspect_fn *fn, void *ctx);

/* Node's clock jumped: every silence it measures grows by `by` true ns (negative: shrinks;
 * a last-heard time is kept at or above 0). The next heartbeat_check applies it. */
void heartbeat_shift(struct heartbeat *h, uint32_t node, int64_t by);

/* Node (re)starts at now: it trusts everyone and counts silences from now. */
void heartbeat_reset(struct heartbeat *h, uint32_t node, sim_time now);

/* Nodes node trusts, itself included. */
uint32_t heartbeat_trusted(const struct heartbeat *h, uint32_t node);

/* Start loading what heartbeat_heard(h, node, ...) reads (a hint). */
void heartbeat_prefetch(const struct heartbeat *h, uint32_t node);
/* Start loading what node's tick reads (heartbeat_targets, heartbeat_lost) (a hint). */
void heartbeat_prefetch_tick(const struct heartbeat *h, uint32_t node);
/* Does node currently suspect peer? */
bool heartbeat_suspects(const struct heartbeat *h, uint32_t node, uint32_t peer);

#endif
