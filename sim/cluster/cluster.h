/*
 * cluster: n simulated nodes, each holding a graph replica and a ledger, on a simulated
 * network (latency, loss, partitions, crashes, heartbeats), deciding graph mutations with
 * a consensus protocol from core/ (quorum-vote).
 *
 * Lifecycle: cluster_new builds everything from a validated scenario (initial graph on
 * every replica, fault schedule, workload), cluster_run simulates until scenario.duration,
 * then metrics, replicas and the checker's findings can be read until cluster_free.
 *
 * Model details beyond DESIGN.md:
 *   - every message (proposal, vote, commit, catchup_req, catchup, heartbeat) is one engine
 *     event; partitions and loss are decided when it is sent, a dead receiver when it
 *     arrives; catch-up replies are never duplicated;
 *   - a node that recovers (durable or amnesia) asks a random peer for the commits it
 *     lacks and applies them in decision order, retrying another peer every vote_timeout
 *     until a reply arrives; an amnesia node restarts from the initial graph;
 *   - a proposal whose proposer is down when it is due is recorded as aborted at once;
 *   - proposals undecided at the horizon have no outcome row; votes still in flight then
 *     have no votes.csv row (a vote's row is written when it arrives or is dropped);
 *   - a "commit" event is written once per approved proposal, by its proposer.
 *
 * Ownership: the cluster borrows the scenario and the trace sink for its lifetime.
 * Determinism: the same scenario (seed included) gives the same trace records in the
 * same order and the same metrics, byte for byte.
 */
#ifndef ATLAS_SIM_CLUSTER_CLUSTER_H
#define ATLAS_SIM_CLUSTER_CLUSTER_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/cluster/metrics.h"
#include "sim/scenario/scenario.h"
#include "sim/cluster/trace.h"

struct cluster;
struct graph;
struct ledger;

/* NULL trace or trace->ops == NULL: no records. */
struct cluster *cluster_new(const struct scenario *sc, const struct trace *tr);
void cluster_free(struct cluster *c); /* NULL is a no-op */

/*
 * The reference model for the equivalence tests: every message an engine event of its
 * own instead of a mailbox entry (sim/cluster/mailbox.h). Same records, same metrics; slower.
 */
struct cluster *cluster_new_direct(const struct scenario *sc, const struct trace *tr);

/* Simulate until sc->duration (and then let in-flight decisions time out: no). */
void cluster_run(struct cluster *c);

/* Metrics of the run (valid after cluster_run). */
void cluster_metrics(const struct cluster *c, struct run_metrics *m);

/* Replica of node i (valid after cluster_run; for exports and the terminal account). */
const struct graph *cluster_replica(const struct cluster *c, uint32_t node);

/* A node whose replica state hash is the majority's (for "the final graph"). */
uint32_t cluster_majority_node(const struct cluster *c);

/*
 * The checker's findings after cluster_run: number of broken safety invariants (also in
 * metrics.safety_violations); for each, a one-line description is written to the trace as
 * an events.csv row with event "violation". Returns true if every invariant holds.
 */
bool cluster_check(const struct cluster *c);

/* Canonical state hash of node i's replica (equal contents, equal hashes). */
uint64_t cluster_state_hash(const struct cluster *c, uint32_t node);

/*
 * Node i's ledger: proposals made, votes cast, outcomes decided, commits applied (value:
 * state hash after), recoveries and catch-ups. Kept for clusters of at most 64 nodes or
 * when output.ledgers is set; NULL otherwise. An amnesia recovery starts a fresh ledger.
 */
const struct ledger *cluster_ledger(const struct cluster *c, uint32_t node);

/* Is node i up at the end of the run? */
bool cluster_alive(const struct cluster *c, uint32_t node);

/* The clients' history and the linearizability checker's report on it, after cluster_run;
 * NULL (both) without clients or with checker.linearizability false. Owned by c. */
struct linz_report;
struct linz_history;
const struct linz_report *cluster_linearizability(const struct cluster *c,
                                                  const struct linz_history **h);

/* The run's clients (clients.h), NULL without a clients section. */
struct clients;
const struct clients *cluster_clients(const struct cluster *c);

/* A log protocol's (CONSENSUS_LOG_ORDER) node i: the log index it has applied up to. */
uint64_t cluster_applied_index(const struct cluster *c, uint32_t node);

#endif
