/*
 * cluster_impl: the cluster's internal state, shared by the files that implement
 * sim/cluster/cluster.h (cluster.c: messages, protocol port, heartbeats, results; faults.c:
 * crashes, recoveries, partitions and catch-up). Not for use outside them.
 */
#ifndef ATLAS_SIM_CLUSTER_CLUSTER_IMPL_H
#define ATLAS_SIM_CLUSTER_CLUSTER_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/consensus.h"
#include "core/hash.h"
#include "core/ledger.h"
#include "core/proposal.h"
#include "sim/cluster/checker.h"
#include "sim/cluster/clients.h"
#include "sim/cluster/clock.h"
#include "sim/cluster/cluster.h"
#include "sim/engine/engine.h"
#include "sim/cluster/heartbeat.h"
#include "sim/cluster/mailbox.h"
#include "sim/cluster/net.h"
#include "sim/cluster/replicas.h"
#include "sim/cluster/service.h"
#include "sim/engine/rng.h"
#include "sim/cluster/workload.h"

#define LOAD_NET     1u /* prefetch_delivery: the receiver's network and vote streams */
#define LOAD_APPLIED 2u /* its struct capplied, applied (and refused) word, replica hash */

#define FAULT_AMNESIA 1u
#define FAULT_RANDOM  2u

/* A node's host state, one cache line: what a heartbeat's delivery touches (the pending check,
 * the epoch), liveness, catch-up and refusals. A proposal's delivery touches none of it (the
 * vote stream lives in the line of the node's network streams, net_host_stream), a commit's
 * only the node's struct capplied. The fault stream lives in cluster.fault (random crashes
 * only). */
struct cnode {
    _Alignas(64) sim_time check_at; /* pending heartbeat check (SIM_TIME_MAX: none) */
    sim_time crashed_at;            /* SIM_TIME_MAX while up */
    uint32_t epoch;                 /* bumped at every crash and recovery: stale events drop */
    uint64_t refused_hash;          /* sum of the keys of the commits it refused as invalid */
    uint64_t applied_index;         /* log protocols: the last log index its replica applied */
    sim_event_id catchup_timer;
    bool catching_up;
    bool quiet_catchup; /* an anti-entropy round: report it only when it gained commits */
    bool detected;      /* the current crash was suspected by a live peer */
    bool amnesia;       /* the pending recovery loses the replica */
};

_Static_assert(sizeof(struct cnode) == 64, "struct cnode is one cache line");

/* A node's applied-set bookkeeping, all that a commit's delivery touches besides its applied
 * word and replica: four nodes to a cache line, so that the array stays in cache at scales
 * where struct cnode's does not. */
struct capplied {
    uint64_t set_hash;     /* sum of the keys of the applied proposals */
    uint32_t applications; /* successful applications since the last amnesia (< max_props) */
    uint32_t nrefused;     /* commits refused as invalid: 0 spares the refused bitset's line */
};

_Static_assert(sizeof(struct capplied) == 16, "four nodes' bookkeeping to a cache line");

struct cprop_head {    /* what is read of every proposal */
    uint32_t proposer; /* node index of the proposer */
    enum prop_op op;
};

struct cprop { /* 40 bytes: one per proposal of the run */
    struct cprop_head p;
    struct proposal *args; /* an explicit or client proposal's strings until its outcome row is
                              written (core/proposal); NULL for a generated one (the store
                              describes it) */
    uint32_t op;           /* its index in the replica store */
    uint32_t yes;
    uint32_t applications; /* replicas that applied it (saturates at UINT32_MAX) */
    uint8_t outcome;       /* enum outcome, once decided */
    bool decided;
    bool invalid;       /* invalid on its proposer's replica when submitted */
    sim_time submitted; /* when the workload submitted it */
};

_Static_assert(sizeof(struct cprop) == 40, "struct cprop is 40 bytes");

struct payload_slot { /* a protocol message's payload, shared by its copies in flight */
    uint64_t proposal;
    uint32_t refs; /* copies in flight (+1 while being sent) */
    uint32_t len;
    uint64_t next_free; /* free list: index + 1, 0 ends it */
    unsigned char bytes[CONSENSUS_PAYLOAD_MAX];
};

struct leader_term { /* a node that became leader, and of which term (ballot) */
    uint64_t term;
    uint32_t node;
};

struct snapshot {      /* a catch-up reply in flight */
    uint64_t *applied; /* the responder's applied set when it replied */
    uint32_t epoch;    /* the requester's epoch when it asked */
    bool used;
};

struct cluster {
    const struct scenario *sc;
    struct trace tr;
    bool trace_votes, trace_messages, trace_heartbeats, trace_events;
    uint32_t n, quorum;
    struct sim_engine *eng;
    struct mailbox *mb; /* every model event and message goes through it */
    struct net *net;
    struct service *svc;  /* NULL without cluster.service and faults.slow */
    struct rng *zone_rng; /* per zone, RNG_ZONE (NULL without faults.zone_random) */
    struct heartbeat *hb; /* NULL when heartbeat.enabled is false */
    struct clock *clk;    /* NULL when clocks are not modelled (every node reads true time) */
    /* output.progress_interval's rows (NULL: off) */
    struct progress *progress;
    uint8_t *byzantine; /* per node: enum consensus_byzantine; NULL: every node is honest */
    struct workload *wl;
    struct clients *cl;            /* NULL without clients: */
    struct linz_report *linz;      /* their history's verdict (NULL: not checked) */
    struct linz_history *linz_ops; /* the history it judged */
    struct replicas *rep;
    const struct consensus_ops *proto_ops;
    struct consensus *proto;
    union consensus_value proto_values[CONSENSUS_PARAMS_MAX]; /* its parameters */
    sim_event_fn *replica_fns[CONSENSUS_MSG_KINDS_MAX];       /* handlers of kinds with .replica */
    uint8_t replica_loads[CONSENSUS_MSG_KINDS_MAX];           /* theirs: LOAD_NET | LOAD_APPLIED */
    uint32_t nreplica_fns;
    struct payload_slot *pl; /* payloads in flight */
    uint64_t npl, pl_cap, pl_free;
    uint32_t *first_at; /* log protocols: proposal + 1 first applied at each index (0: none;
                           ids < 2^32 - 1: cluster_new asserts max_props) */
    uint64_t first_cap, first_max;
    struct leader_term *leaders; /* every port->leader call, in order */
    struct rng leader_rng;       /* RNG_LEADER: faults.leader's crash times */
    uint32_t leader_now;         /* the last node reported leader while it is up; UINT32_MAX */
    sim_time leader_lost_at;     /* when it crashed, until the next leader; SIM_TIME_MAX */
    size_t nleaders, leaders_cap;
    uint64_t log_violations; /* found by the log checks (logcheck.c) */
    double *approval;        /* per node, or NULL */
    struct cnode *node;      /* xhuge_calloc: 64-byte aligned */
    struct capplied *app;    /* per node (xhuge_calloc) */
    struct rng *fault;       /* per node: RNG_FAULT (random crashes, catch-up peers) */
    uint64_t *down;          /* bitset: node is crashed (hot: read by every delivery) */
    struct ledger **ledger;  /* per node, or NULL (not kept) */
    size_t pwords;           /* words of a node's set of proposals (max_props + 1 bits) */
    size_t nwords;           /* words of a set of nodes (n bits) */
    uint64_t *applied;       /* (max_props + 1) * nwords, by proposal: bit (id, node) set when
                                node applied id, so that one commit's deliveries touch its own
                                n / 8 bytes, not a line of every node (applied_word) */
    uint64_t *refused;       /* commits a replica refused as invalid, by proposal as applied
                                (refused_word; NULL: none yet, or taken by the end's checker) */
    struct cprop *prop;      /* 1..nprops */
    uint64_t nprops, max_props;
    uint32_t *commits; /* approved proposals in decision order (NULL: no host catch-up) */
    uint64_t ncommits;
    struct snapshot *snap;
    size_t nsnap, snap_cap;
    uint64_t *latency; /* decision times << 1 | approved (the commit latencies), for the
                          percentiles: one array and one sort for both */
    size_t nlatency;
    double detection_sum;
    struct run_metrics m;
    struct checker_result check;
    struct graph **graphs; /* cluster_replica cache */
};

/* --- small helpers ------------------------------------------------------------------ */

static inline uint64_t proposal_key(uint64_t id)
{
    return hash_mix64(id * UINT64_C(0x9e3779b97f4a7c15) + 1);
}

/* The word of the applied set holding bit (id, node). */
static inline uint64_t *applied_word(const struct cluster *c, uint64_t id, uint32_t node)
{
    return c->applied + (size_t)id * c->nwords + node / 64;
}

/* The word of the refused sets holding bit (id, node) (c->refused allocated). */
static inline uint64_t *refused_word(const struct cluster *c, uint64_t id, uint32_t node)
{
    return c->refused + (size_t)id * c->nwords + node / 64;
}

static inline bool applied_get(const struct cluster *c, uint32_t node, uint64_t id)
{
    return (*applied_word(c, id, node) >> (node % 64)) & 1u;
}

static inline bool bit_get(const uint64_t *b, uint64_t i)
{
    return (b[i / 64] >> (i % 64)) & 1u;
}

static inline bool up(const struct cluster *c, uint32_t node)
{
    return !bit_get(c->down, node);
}

static inline void set_up(struct cluster *c, uint32_t node, bool is_up)
{
    uint64_t mask = (uint64_t)1 << (node % 64);
    if (is_up)
        c->down[node / 64] &= ~mask;
    else
        c->down[node / 64] |= mask;
}

/* Trace records and ledger entries (no-ops when not wanted / not kept). */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
void cluster_emit_event(struct cluster *c, uint32_t node, const char *event, const char *fmt, ...);
void cluster_ledger_note(struct cluster *c, uint32_t node, enum ledger_kind kind, uint64_t proposal,
                         uint32_t about, uint64_t value, const char *text);

/* Send a message from -> to now (fn names its kind); the network decides its fate. */
void cluster_transmit(struct cluster *c, sim_event_fn *fn, uint32_t from, uint32_t to, uint64_t a);
/* Common part of every delivery: false (message dropped) if the receiver is down. */
bool cluster_arrive(struct cluster *c, const struct sim_event *ev);
/* Node's applied set as a bitset over proposal ids (pwords words) into row; O(max_props). */
void cluster_applied_row(const struct cluster *c, uint32_t node, uint64_t *row);
/* Node forgets every application (amnesia, rebuild); O(max_props). */
void cluster_applied_clear(struct cluster *c, uint32_t node);
/* Apply committed proposal id on node, once; true if it took effect (then or before). */
bool cluster_node_apply(struct cluster *c, uint32_t node, uint64_t id);
/* Is ev (payload c = node, d = epoch) still about the node's current life? */
bool cluster_current(const struct cluster *c, const struct sim_event *ev);
/* Node (re)starts heartbeats after phase and its failure detector now. */
void cluster_heartbeat_start(struct cluster *c, uint32_t node, sim_time phase);
/* Release catch-up snapshot i. */
void cluster_snapshot_release(struct cluster *c, uint64_t i);
/* The end-of-run linearizability check's memo cache per key, growth peaks included. */
#define CLUSTER_LINZ_CACHE_BYTES ((size_t)256 << 20)
/* Graph elements a run of sc can create at most (the replica store's size; limits.c). */
size_t cluster_element_bound(const struct scenario *sc);

/* The true time a duration measured on node's clock lasts (itself without clocks). */
static inline sim_time cluster_span(const struct cluster *c, uint32_t node, sim_time d)
{
    return c->clk ? clock_true_span(c->clk, node, d) : d;
}

/* now + delay, saturating at SIM_TIME_MAX. */
sim_time cluster_after(const struct cluster *c, sim_time delay);

/* logcheck.c: the log protocols' invariants (Election Safety, State Machine Safety, Leader
 * Completeness as they happen; Log Matching at the end), each break a violation event. */
void logcheck_apply(struct cluster *c, uint32_t node, uint64_t index, uint64_t proposal);
void logcheck_leader(struct cluster *c, uint32_t node, uint64_t term);
void logcheck_finish(struct cluster *c);
void logcheck_free(struct cluster *c);

/* faults.c */
void faults_schedule(struct cluster *c);
void faults_deliver_catchup_req(struct sim_engine *eng, const struct sim_event *ev);
void faults_deliver_catchup(struct sim_engine *eng, const struct sim_event *ev);

#endif
