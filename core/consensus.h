/*
 * consensus: the interface every consensus protocol implements, and the port through
 * which a protocol sees the world.
 *
 * core/ never includes sim/: a protocol knows nothing about the engine, the network or
 * the replicas. Everything it needs (clock, messages, timers, replica validation and
 * application, the failure detector's view, random draws, records for ledgers and traces)
 * comes through a struct consensus_port that the host (the simulator's cluster, or a
 * test's fake) fills in. A protocol plugs in through a const struct consensus_ops table.
 *
 * One protocol instance serves a whole cluster of n nodes: node indices are 0..n-1 and
 * every callback names the node it acts for. Proposal ids are 1.. in submission order.
 *
 * Ownership: the instance borrows the port (and its ctx) for its lifetime.
 * Errors: calling with a node or proposal out of range is a programming error (assert).
 */
#ifndef ATLAS_CORE_CONSENSUS_H
#define ATLAS_CORE_CONSENSUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t consensus_time; /* ns, the host's clock */

#define CONSENSUS_NEVER UINT64_MAX /* "no time" (a vote that never arrived) */

/* Outcomes of a proposal; the order and names match sim/cluster/trace.h's OUTCOME_LIST. */
enum consensus_outcome {
    CONSENSUS_APPROVED,
    CONSENSUS_REJECTED,
    CONSENSUS_TIMEOUT,
    CONSENSUS_NO_QUORUM,
    CONSENSUS_INVALID,
    CONSENSUS_ABORTED,
    CONSENSUS_OUTCOME_COUNT
};

enum consensus_msg_kind {
    CONSENSUS_MSG_PROPOSAL, /* proposer -> every other node */
    CONSENSUS_MSG_VOTE,     /* voter -> proposer; value is the vote */
    CONSENSUS_MSG_COMMIT,   /* proposer -> every other node after approval */
    CONSENSUS_MSG_KIND_COUNT
};

/* A protocol message; small enough to travel inline in a simulator event. */
struct consensus_msg {
    enum consensus_msg_kind kind;
    uint32_t from, to;   /* sender and receiver node */
    uint64_t proposal;   /* proposal id */
    bool yes;            /* CONSENSUS_MSG_VOTE: the vote */
    consensus_time sent; /* when the sender sent it (the vote's cast time) */
};

/* What a node writes into its ledger (and the host into its traces). */
enum consensus_record_kind {
    CONSENSUS_REC_PROPOSED, /* proposer submitted `proposal` */
    CONSENSUS_REC_VOTED,    /* `node` cast `yes` on `proposal` */
    CONSENSUS_REC_VOTE_IN,  /* proposer received `voter`'s vote cast at `cast` */
    CONSENSUS_REC_DECIDED,  /* proposer decided `outcome` with yes/no/missing */
};

struct consensus_record {
    enum consensus_record_kind kind;
    uint32_t node; /* whose ledger */
    uint64_t proposal;
    consensus_time time;                           /* when it happened (the port's now) */
    bool yes;                                      /* VOTED, VOTE_IN */
    uint32_t voter;                                /* VOTE_IN */
    consensus_time cast;                           /* VOTE_IN: when the voter cast it */
    enum consensus_outcome outcome;                /* DECIDED */
    uint32_t yes_votes, no_votes, missing, quorum; /* DECIDED */
    consensus_time submitted;                      /* DECIDED */
};

/*
 * The port: the host's services. Every function pointer is required.
 * `send` must not call back into the protocol synchronously (deliveries are scheduled).
 */
struct consensus_port {
    void *ctx;
    consensus_time (*now)(void *ctx);
    void (*send)(void *ctx, const struct consensus_msg *m);
    /* Send m (to ignored) from m->from to every other node, in node order. */
    void (*broadcast)(void *ctx, const struct consensus_msg *m);
    /* Fire consensus_ops.timer(node, proposal) after delay; returns a handle (never 0). */
    uint64_t (*set_timer)(void *ctx, uint32_t node, consensus_time delay, uint64_t proposal);
    void (*cancel_timer)(void *ctx, uint64_t handle);
    /* Would `proposal` be valid on `node`'s replica now? */
    bool (*validate)(void *ctx, uint32_t node, uint64_t proposal);
    /*
     * Apply committed `proposal` to `node`'s replica. The host ignores a commit the replica
     * already applied and records applications in the node's ledger itself (catch-up applies
     * commits outside the protocol too).
     */
    void (*apply)(void *ctx, uint32_t node, uint64_t proposal);
    /* Nodes `node` currently trusts, itself included (its failure detector's view). */
    uint32_t (*trusted)(void *ctx, uint32_t node);
    /* A uniform draw in [0, 1) from `node`'s vote stream. */
    double (*uniform)(void *ctx, uint32_t node);
    /* A ledger/trace record. */
    void (*record)(void *ctx, const struct consensus_record *r);
};

/* Protocol parameters common to the quorum protocols. */
struct consensus_config {
    uint32_t nodes;              /* n */
    uint32_t quorum;             /* YES votes needed, 1..n */
    consensus_time vote_timeout; /* proposer's deadline after submission */
    double approval;             /* P[YES] on a valid proposal */
    const double *node_approval; /* per node P[YES] (n entries), or NULL: `approval` */
    uint64_t max_proposals;      /* proposal ids are 1..max_proposals */
};

struct consensus;

/* A protocol: one const table of callbacks. */
struct consensus_ops {
    const char *name; /* "quorum-vote" */
    struct consensus *(*create)(const struct consensus_config *cfg,
                                const struct consensus_port *port);
    void (*destroy)(struct consensus *p);
    /* `node` submits `proposal` (the host knows its operation). */
    void (*submit)(struct consensus *p, uint32_t node, uint64_t proposal);
    /* A message reached m->to (the host drops messages to or from dead nodes). */
    void (*deliver)(struct consensus *p, const struct consensus_msg *m);
    /* A timer set through the port fired. */
    void (*timer)(struct consensus *p, uint32_t node, uint64_t proposal);
    /* `node` crashed: its undecided proposals are aborted, its timers forgotten. */
    void (*crash)(struct consensus *p, uint32_t node);
};

/* Registered protocols, NULL-terminated. */
extern const struct consensus_ops *const consensus_protocols[];

const struct consensus_ops *consensus_find(const char *name); /* NULL if unknown */
const char *consensus_outcome_name(enum consensus_outcome o); /* "approved", ... */

#endif
