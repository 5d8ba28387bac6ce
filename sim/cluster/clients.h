/*
 * clients: issue 16's clients, who read and write keys through the consensus protocol and
 * record what they saw (history.csv), so that the run can be judged for linearizability.
 *
 * Keys onto the graph (every client vertex is in the initial graph of every replica):
 *   register  key k is property `v` of vertex `k<k>`; a write is set_property k<k>.v=<value>
 *             (values are unique: the op's number, from 1; the initial value is 0, no
 *             property); a read is a PROP_READ of k<k>.v ordered through the protocol.
 *   set       key k is the set of edges `k<k> -has-> e<e>` (elements e < clients.elements);
 *             add is add_edge, remove is remove_edge, a read (PROP_READ of k<k>) returns every
 *             element whose edge the deciding replica holds.
 * A read's value is taken from the replica of the node that decided it, at its decision:
 * Raft and Multi-Paxos decide as that node applies the read at its log position,
 * quorum-vote decides on a quorum of YES votes (the read changes nothing there).
 *
 * Outcomes (core/consensus.h) to history results: approved -> ok; rejected -> fail, except
 * a set add/remove under a log protocol (applied at its position, a no-op there: ok);
 * invalid, no_quorum, and a node that was down at invocation -> fail (at the client's
 * timeout); timeout, aborted,
 * and the client's own `timeout` -> info; no decision by the end -> no completion row
 * (indeterminate). Retries on redirect are the protocol's (Raft forwards a proposal to the
 * leader it knows, and retries while it knows none).
 *
 * Randomness: client i draws from stream (RNG_CLIENT, i): op kind, key (uniform, or Zipf
 * by an exact inverse-CDF table over the keys), element, inter-arrival and think times.
 *
 * Ownership: borrows the scenario; the cluster drives it (cluster.c: invocations, timeouts,
 * decisions). Memory: 56 bytes per operation, 4 bytes per proposal id, 8 per key (Zipf).
 */
#ifndef ATLAS_SIM_CLUSTER_CLIENTS_H
#define ATLAS_SIM_CLUSTER_CLIENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/linearizability.h"
#include "core/proposal.h"
#include "sim/cluster/replicas.h"
#include "sim/cluster/trace.h"
#include "sim/scenario/scenario.h"

struct clients;

/* Operations (proposal ids) the clients can submit at most; 0 without clients. */
uint64_t clients_max_ops(const struct scenario *sc);
/* Elements of the replica store their vertices, edges and values can introduce at most. */
size_t clients_max_elements(const struct scenario *sc);

/* NULL when sc has no clients. log_order: the protocol applies in one log order. */
struct clients *clients_new(const struct scenario *sc, bool log_order, const struct trace *tr);
void clients_free(struct clients *cl); /* NULL is a no-op */

/* Add the clients' vertices (k0.., and e0.. for sets) to the replicas' template. */
void clients_seed(const struct clients *cl, struct replicas *r);

uint32_t clients_count(const struct clients *cl);
uint32_t clients_node(const struct clients *cl, uint32_t client); /* where it submits */
/* The zone (cluster.zones index) of the client's node: its region; UINT32_MAX without zones. */
uint32_t clients_zone(const struct clients *cl, uint32_t client);

/*
 * Client `client` invokes its next operation at now as proposal `id`: *out (uninitialised)
 * becomes the proposal, the invoke row is written. false (nothing done) when the client has
 * issued all its operations.
 */
bool clients_invoke(struct clients *cl, uint32_t client, uint64_t id, sim_time now,
                    struct proposal *out);
/* When the client invokes next, after an invocation (open loop) or a completion (closed
 * loop) at now; false: not then (closed loop after an invocation, or no ops left). */
bool clients_next_at(struct clients *cl, uint32_t client, sim_time now, bool completed,
                     sim_time *at);

/* The client that issued proposal id (UINT32_MAX: not a client's). */
uint32_t clients_of(const struct clients *cl, uint64_t id);

/*
 * Proposal id decided `o` at now, at `node` (whose replica r answers a read). Returns true if
 * that completed a pending operation (then its client may invoke again).
 */
bool clients_decided(struct clients *cl, uint64_t id, enum outcome o, uint32_t node,
                     const struct replicas *r, sim_time now);
/* The client's node was down when proposal id was invoked: nothing was sent, so the op
 * fails (known not to take effect) when the client's timeout fires, not at once (a client
 * does not spin on a dead node). */
void clients_unsent(struct clients *cl, uint64_t id);
/* The client's timeout for proposal id fired at now: true if that completed it (info, or
 * fail if it was never sent). */
bool clients_timed_out(struct clients *cl, uint64_t id, sim_time now);
sim_time clients_timeout(const struct clients *cl);

/* Proposal id took effect on a replica at now (the host calls it at every application). */
void clients_applied(struct clients *cl, uint64_t id, sim_time now);

/*
 * The history as core/linearizability ops, for the checker. The simulator knows more than
 * the clients: an op a client gave up on (info in history.csv, or no completion) is judged
 * by what happened to it. A write (add, remove) that some replica applied took effect by its
 * first application: ok, completed then; one no replica applied took no effect that anyone
 * could read: fail. A read the protocol decided approved after the client gave up is ok,
 * completed at that decision, with the value it read. history.csv keeps the client's view;
 * check-history on it may therefore answer unknown (info ops it cannot place make the
 * search exponential) where the run's own check answered.
 */
struct linz_history *clients_history(const struct clients *cl);
enum linz_model clients_model(const struct clients *cl);

struct client_metrics {
    uint64_t ops_ok, ops_fail, ops_info;       /* completions; info includes ops never completed */
    double throughput;                         /* ok ops per simulated second */
    double read_p50_s, read_p90_s, read_p99_s; /* ok reads: invoke to completion */
    double write_p50_s, write_p90_s, write_p99_s; /* ok writes, adds, removes */
};
void clients_metrics(const struct clients *cl, sim_time duration, struct client_metrics *m);
/* The same over the clients whose zone (clients_zone) is zone; UINT32_MAX: every client. */
void clients_zone_metrics(const struct clients *cl, uint32_t zone, sim_time duration,
                          struct client_metrics *m);

#endif
