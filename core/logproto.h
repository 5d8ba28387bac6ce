/*
 * logproto: what the log protocols (Raft, Multi-Paxos) share, so that each keeps only its
 * own rules: the client table (which node submitted each proposal and when, whether it is
 * decided, and each node's undecided ones in submission order), the client deadlines, the
 * outcome record, the accounting of time without a live leader, and node bitsets.
 *
 * Client deadlines: every proposal gets the same timeout on its node's clock, so a node's
 * deadlines come in the order of its open list, and one timer per node, armed for the
 * oldest open proposal's deadline (port set_timer_since), serves them all: a run of a
 * million commands that decide in milliseconds fires about one deadline timer per node and
 * timeout instead of a million timers that find their proposal decided. A port without
 * set_timer_since gets one timer per proposal; the outcomes are the same.
 *
 * Ownership: a struct logproto_clients is caller storage (logproto_clients_init/_fini); the
 * port it is given must outlive it. Proposal ids are 1..max_proposals, submitted once each.
 * Cost: every operation is O(1) except logproto_abort_node, O(the node's undecided proposals).
 * Memory: 1 bit per proposal id, 24 bytes per proposal undecided at once (a ring), 12 per
 * node.
 */
#ifndef ATLAS_CORE_LOGPROTO_H
#define ATLAS_CORE_LOGPROTO_H

#include <stdbool.h>
#include <stdint.h>

#include "core/consensus.h"

struct logproto_client {           /* an undecided proposal (ids fit 32 bits: the scenario
                                      caps proposals far below) */
    uint32_t id;                   /* 0: a free entry of the ring */
    uint32_t submitter;            /* the node the client submitted it at */
    consensus_time submitted_at;   /* when */
    uint32_t next_open, prev_open; /* the submitter's undecided proposals, in submission
                                      order; 0 ends */
};

struct logproto_node {
    uint32_t open, open_last; /* its first and last undecided proposal, 0: none */
    uint32_t armed;           /* the proposal its deadline timer is armed for, 0: none */
};

/*
 * The undecided proposals live in a ring indexed by id modulo its size (a power of two,
 * doubled when a new id's entry is still held by an undecided one): its size follows the
 * span of ids undecided at once, not the run's proposal count, so a million commands that
 * decide in milliseconds keep a few hundred entries. A decided proposal keeps one bit.
 */
struct logproto_clients {
    struct logproto_client *open; /* the ring: open[id & (ring - 1)] */
    uint64_t ring;
    uint64_t *decided; /* bitset over ids 1..max_proposals (submitted: decided or in the ring) */
    uint64_t max_proposals;
    struct logproto_node *node; /* per node */
    const struct consensus_port *port;
    consensus_time timeout; /* every client's deadline, on its node's clock */
    uint32_t key;           /* the protocol's timer key for deadlines */
    uint32_t n, quorum;     /* nodes; acknowledgements a decision needs (the records' quorum) */
    uint64_t approved;      /* proposals decided approved at a log index: the committed commands */
};

/* Clients of n nodes; a proposal's deadline is `timeout` after its submission on its node's
 * clock, and fires as the protocol's timer `key` (handled by logproto_deadline). */
void logproto_clients_init(struct logproto_clients *t, const struct consensus_port *port,
                           uint64_t max_proposals, uint32_t n, uint32_t quorum,
                           consensus_time timeout, uint32_t key);
void logproto_clients_fini(struct logproto_clients *t);

/* Was proposal `id` decided (its outcome recorded)? */
bool logproto_decided(const struct logproto_clients *t, uint64_t id);

/* Proposal `id` is submitted at `node` now: the PROPOSED record, and the client's deadline. */
void logproto_submit(struct logproto_clients *t, uint32_t node, uint64_t id);

/* Record `id`'s outcome `o` at `node` (asserts it was submitted and is undecided): `index`
 * its log index (0: none), `acks` the replicas known to hold it. */
void logproto_decide(struct logproto_clients *t, uint32_t node, uint64_t id,
                     enum consensus_outcome o, uint64_t index, uint32_t acks);

/* Committed client commands (approved outcomes) per second of `now` (NAN at time 0), and
 * `messages` sent per committed command (NAN when none committed): the summary.csv columns
 * commits_per_s and messages_per_commit of the log protocols. */
double logproto_commits_per_s(const struct logproto_clients *t, consensus_time now);
double logproto_messages_per_commit(const struct logproto_clients *t, uint64_t messages);

/* `node`'s deadline timer (key, arg `arg`) fired: the proposal it was armed for is
 * `timeout` unless it was decided first, and the timer is armed for the node's oldest
 * undecided proposal (whose deadline may be now too: it fires next). */
void logproto_deadline(struct logproto_clients *t, uint32_t node, uint64_t arg);

/* `node` crashed: every undecided proposal submitted there is `aborted`, in id order. */
void logproto_abort_node(struct logproto_clients *t, uint32_t node);

/*
 * Client resends (client_retry): the k-th resend (k = 1, 2, ...) of a proposal that no
 * leader has taken goes to the leader the client's node knows (`leader`, NONE: none),
 * unless that is where the last resend went (`last`, NONE: none yet), else to the node
 * after `last` (after `node` itself at first), round the cluster of n; the next one follows
 * after base * 2^k (the doubling stops at 2^16). A retry timer's arg carries the proposal
 * and the attempt (attempt 0: the protocol's own retry).
 */
#define LOGPROTO_NONE          UINT32_MAX
#define LOGPROTO_ATTEMPT_SHIFT 40 /* proposal ids stay below 2^40 */

uint32_t logproto_resend_to(uint32_t leader, uint32_t last, uint32_t node, uint32_t n);
/* Arm timer `key` of `node` for resend `attempt` (>= 1) of `id`: base * 2^(attempt - 1). */
void logproto_arm_resend(const struct consensus_port *port, uint32_t node, consensus_time base,
                         uint32_t key, uint64_t id, uint64_t attempt);

static inline uint64_t logproto_retry_arg(uint64_t id, uint64_t attempt)
{
    return id | attempt << LOGPROTO_ATTEMPT_SHIFT;
}

static inline uint64_t logproto_retry_id(uint64_t arg)
{
    return arg & (((uint64_t)1 << LOGPROTO_ATTEMPT_SHIFT) - 1);
}

static inline uint64_t logproto_retry_attempt(uint64_t arg)
{
    return arg >> LOGPROTO_ATTEMPT_SHIFT;
}

/* Time during which no live node was leader (a leader is up from logproto_leader_up to
 * logproto_leader_down); the clock starts leaderless at 0. Zero-initialise. */
struct logproto_leaderless {
    uint32_t leaders_alive;
    consensus_time since, total;
};

void logproto_leader_up(struct logproto_leaderless *l, consensus_time now);
void logproto_leader_down(struct logproto_leaderless *l, consensus_time now);
/* Seconds without a leader up to now. */
double logproto_leaderless_s(const struct logproto_leaderless *l, consensus_time now);

/* A message of `kind` from -> to, no proposal, no payload yet (a fresh send, not a copy). */
static inline void logproto_msg_init(struct consensus_msg *m, uint32_t kind, uint32_t from,
                                     uint32_t to)
{
    m->kind = kind;
    m->from = from;
    m->to = to;
    m->proposal = 0;
    m->sent = 0;
    m->duplicate = false;
    m->len = 0;
}

/* A client proposal `id` passed on from -> to (message `kind`: a redirect, a forward), having
 * travelled `hops` hops: payload words {id, hops}, 16 bytes. */
static inline void logproto_forward_msg(struct consensus_msg *m, uint32_t kind, uint32_t from,
                                        uint32_t to, uint64_t id, uint64_t hops)
{
    logproto_msg_init(m, kind, from, to);
    m->proposal = id;
    m->payload.words[0] = id;
    m->payload.words[1] = hops;
}

/* Node bitsets: uint64_t words, node i at bit i % 64 of word i / 64. */
static inline bool logproto_bit_test(const uint64_t *bits, uint32_t i)
{
    return (bits[i / 64] >> (i % 64)) & 1u;
}

static inline void logproto_bit_set(uint64_t *bits, uint32_t i)
{
    bits[i / 64] |= (uint64_t)1 << (i % 64);
}

#endif
