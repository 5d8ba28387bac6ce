/*
 * consensus: the protocol-neutral interface every consensus protocol implements, and the
 * port through which a protocol sees the world.
 *
 * core/ never includes sim/: a protocol knows nothing about the engine, the network, the
 * replicas or the CSV files. Everything it needs (clock, messages, timers, replica
 * validation and application, the failure detector's view, random draws and duration
 * distributions, records for ledgers and traces) comes through a struct consensus_port
 * that the host (the simulator's cluster, or a test's fake) fills in. A protocol plugs in
 * through one const struct consensus_ops table, registered in consensus_protocols[].
 *
 * What a protocol declares (the host never names a protocol's messages):
 *   - its message kinds (names, for messages.csv) and payload (its own bytes, at most
 *     CONSENSUS_PAYLOAD_MAX, copied by the host into the message);
 *   - its scenario section consensus.<name>.* as a table of parameters (key, type,
 *     default, range, help): the scenario layer validates it like every other section,
 *     writes it into the resolved YAML and the key reference, and hands the resolved
 *     values to create() in params[] order;
 *   - its metric columns (names; values read once at the end of the run);
 *   - its capabilities (does it apply in one log order on every replica? does it repair
 *     lagging replicas itself?), so the host and the checker know what to expect.
 *
 * One protocol instance serves a whole cluster of n nodes: node indices are 0..n-1 and
 * every callback names the node it acts for; the instance keeps its own per-node state.
 * Proposal ids are 1.. in submission order; 0 means "no proposal" (a no-op log entry).
 *
 * Client operations enter through one call, ops->submit(node, proposal), and leave through
 * one, port->apply(node, index, proposal): the node's replica applies `proposal` as the
 * index-th entry of its log. Indices at a node are 1, 2, 3, ... with no gaps (after an
 * amnesia crash the replica is empty and indices start again at 1). quorum-vote applies
 * in commit-arrival order (index = the node's count of applications); a log protocol
 * applies its committed log in order, so equal indices mean equal commands on every node.
 *
 * Ownership: the instance borrows the port (and its ctx) and the config's arrays for its
 * lifetime. Errors: calling with a node or proposal out of range is a programming error
 * (assert).
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
    CONSENSUS_APPROVED,  /* committed (log protocols: applied at the deciding node) */
    CONSENSUS_REJECTED,  /* decided against (quorum-vote: NO votes; logs: invalid when applied) */
    CONSENSUS_TIMEOUT,   /* the client/proposer gave up at its deadline */
    CONSENSUS_NO_QUORUM, /* too few trusted peers to reach a quorum */
    CONSENSUS_INVALID,   /* invalid at the proposer before any message */
    CONSENSUS_ABORTED,   /* the proposer crashed before a decision */
    CONSENSUS_OUTCOME_COUNT
};

/* What a node the host declares Byzantine does (consensus.byzantine; port->byzantine). A
 * protocol decides what each means for its messages; quorum-vote's are in its header. */
enum consensus_byzantine {
    CONSENSUS_HONEST,             /* follows the protocol */
    CONSENSUS_BYZ_ALWAYS_NO,      /* votes NO on everything */
    CONSENSUS_BYZ_YES_ON_INVALID, /* votes YES on everything, invalid operations included, and
                                    proposes operations invalid on its own replica */
    CONSENSUS_BYZ_EQUIVOCATE,     /* tells different peers different things */
    CONSENSUS_BYZ_SILENT,         /* never votes (or acknowledges) */
    CONSENSUS_BYZ_COUNT
};

/* ---- messages ---------------------------------------------------------------------- */

/* Bytes of protocol payload a message carries inline (a Raft AppendEntries header and a
 * batch of 6 entry references of {term, proposal} fit). */
#define CONSENSUS_PAYLOAD_MAX 128

struct consensus_msg {
    uint32_t kind;       /* index into the protocol's msg_kinds[] */
    uint32_t from, to;   /* sender and receiver node (to: ignored by broadcast) */
    uint64_t proposal;   /* the proposal it concerns, for traces; 0: none */
    consensus_time sent; /* set by the host when sending */
    bool duplicate;      /* set by the host: the network's second copy of this message */
    uint32_t len;        /* payload bytes used, 0..CONSENSUS_PAYLOAD_MAX */
    union {              /* the protocol's own bytes; the host copies len of them */
        uint64_t words[CONSENSUS_PAYLOAD_MAX / 8];
        unsigned char bytes[CONSENSUS_PAYLOAD_MAX];
    } payload;
};

struct consensus_msg_kind {
    const char *name; /* messages.csv's kind column: "append_entries", "vote", ... */
    const char *tag;  /* the engine's name for its deliveries (NULL: name); kinds may share a
                         name and differ by tag ("vote" as "vote_yes" and "vote_no") */
    bool replica;     /* a hint: delivering it validates or applies its proposal at the
                         receiver, so the host loads that replica's data ahead of it */
    /* Finer hints for a replica kind (false: the host assumes the worst): */
    bool silent;    /* its delivery sends nothing: the receiver's network state is not loaded */
    bool validates; /* its delivery validates and never applies: the applied set is not loaded */
};

/* Bounds of what a protocol declares. */
#define CONSENSUS_MSG_KINDS_MAX 16
#define CONSENSUS_TIMERS_MAX    8
#define CONSENSUS_PARAMS_MAX    16
#define CONSENSUS_METRICS_MAX   16

/* ---- parameters: the protocol's consensus.<name>.* section ------------------------- */

enum consensus_param_type {
    CPARAM_BOOL,     /* true/false */
    CPARAM_UINT,     /* unsigned integer in [min, max] */
    CPARAM_REAL,     /* real in [min, max] (probabilities: [0, 1]) */
    CPARAM_DURATION, /* a duration with a unit ("150ms"), in [min, max] seconds */
    CPARAM_DIST,     /* a duration distribution ({dist: uniform, min: 150ms, max: 300ms}) */
    CPARAM_ENUM,     /* one of `choices` ("log|read-index|lease"): value = its position */
};

struct consensus_param {
    const char *key; /* under consensus.<protocol>. ("election_timeout") */
    enum consensus_param_type type;
    const char *def;     /* default as text: "150ms", "true", "3", "log"; a distribution as a
                            flat flow mapping, "{dist: uniform, min: 150ms, max: 300ms}" */
    double min, max;     /* UINT, REAL, DURATION (seconds): the allowed range */
    const char *choices; /* ENUM: alternatives separated by '|' */
    const char *help;    /* one line for the key reference */
};

union consensus_value {
    bool b;           /* CPARAM_BOOL */
    uint64_t u;       /* CPARAM_UINT; CPARAM_ENUM: position in choices */
    double r;         /* CPARAM_REAL */
    consensus_time t; /* CPARAM_DURATION */
    uint32_t dist;    /* CPARAM_DIST: a handle for port->draw */
};

/* ---- records: what the protocol reports (ledgers, traces, checker) ----------------- */

enum consensus_record_kind {
    CONSENSUS_REC_PROPOSED, /* node submitted `proposal` (ledger) */
    CONSENSUS_REC_VOTED,    /* node acknowledged (voted `yes` on) `proposal` (ledger) */
    CONSENSUS_REC_VOTE_IN,  /* node received `voter`'s ack cast at `cast` (votes.csv); time
                               CONSENSUS_NEVER: the ack was lost on its way */
    CONSENSUS_REC_DECIDED,  /* `proposal` decided `outcome` (outcomes.csv): yes/no/missing acks */
    CONSENSUS_REC_ELECTION, /* node's candidacy for `term` (a Raft term, a Paxos ballot) that
                               began at `started` ended now with `election`, having gathered
                               `yes_votes` votes, its own included (elections.csv) */
};

/* How a candidacy ended (elections.csv's result column: consensus_election_name). */
enum consensus_election {
    CONSENSUS_ELECTION_WON,        /* the candidate became leader of its term */
    CONSENSUS_ELECTION_LOST,       /* another node led the same term */
    CONSENSUS_ELECTION_SUPERSEDED, /* the candidate learned of a higher term */
    CONSENSUS_ELECTION_TIMEOUT,    /* its election timer expired (a split vote, lost votes) */
    CONSENSUS_ELECTION_CRASHED,    /* the candidate crashed */
    CONSENSUS_ELECTION_COUNT
};

struct consensus_record {
    enum consensus_record_kind kind;
    uint32_t node; /* whose ledger / who decided */
    uint64_t proposal;
    consensus_time time;                           /* when it happened (the port's now) */
    bool yes;                                      /* VOTED, VOTE_IN */
    uint32_t voter;                                /* VOTE_IN */
    consensus_time cast;                           /* VOTE_IN: when the voter cast it */
    enum consensus_outcome outcome;                /* DECIDED */
    uint32_t yes_votes, no_votes, missing, quorum; /* DECIDED */
    consensus_time submitted;                      /* DECIDED */
    uint64_t index;                                /* DECIDED: log index (0: not in a log) */
    uint64_t term;                                 /* ELECTION: the term (ballot) sought */
    consensus_time started;                        /* ELECTION: when the candidacy began */
    enum consensus_election election;              /* ELECTION: how it ended */
};

/* A protocol event for events.csv: detail is "k0=v0 k1=v1" from the named values. */
struct consensus_event {
    uint32_t node;
    const char *event;  /* static identifier (letters, digits, '_': events.csv writes it
                           unquoted): "leader", "election", "term", "step_down", ... */
    const char *key[3]; /* NULL: unused */
    uint64_t value[3];
};

/*
 * The port: the host's services. Every function pointer is required, except those marked
 * optional (set_timer_since, read_only).
 * `send`/`broadcast` never call back into the protocol synchronously (deliveries are
 * scheduled), nor do timers.
 */
struct consensus_port {
    void *ctx;
    /* True time: what records and traces carry, and what every node's messages travel in. */
    consensus_time (*now)(void *ctx);
    /* `node`'s own clock reading (clocks.*: offset, drift, jumps; true time without them).
     * For protocols that compare times across a node's life, such as lease expiry; timers
     * already run on it (set_timer). */
    consensus_time (*clock)(void *ctx, uint32_t node);
    /* Send m from m->from to m->to (the host sets m->sent). */
    void (*send)(void *ctx, const struct consensus_msg *m);
    /* Send m from m->from to every other node, in node order. */
    void (*broadcast)(void *ctx, const struct consensus_msg *m);
    /* Fire ops->timer(node, key, arg) after delay, measured on `node`'s clock (a drifting
     * clock stretches or shrinks it in true time; a jump does not move it), returns a handle
     * (never 0). `key` is the
     * protocol's own timer kind (< ops->ntimers: a vote deadline, an election timer, a
     * heartbeat, ...). A timer of a node that crashed before it fired never fires. */
    uint64_t (*set_timer)(void *ctx, uint32_t node, consensus_time delay, uint32_t key,
                          uint64_t arg);
    /* Optional (NULL: use set_timer): as set_timer, with the delay counted from `since` (a
     * time not after now) instead of from now: the timer fires where one set at `since`
     * would have (now, if that has passed). For a queue of deadlines that keeps one timer
     * armed for its earliest (core/logproto's client deadlines) instead of one per entry. */
    uint64_t (*set_timer_since)(void *ctx, uint32_t node, consensus_time since,
                                consensus_time delay, uint32_t key, uint64_t arg);
    void (*cancel_timer)(void *ctx, uint64_t handle); /* a fired or cancelled handle: no-op */
    /* Would `proposal`'s operation be valid on `node`'s replica now? */
    bool (*validate)(void *ctx, uint32_t node, uint64_t proposal);
    /*
     * `node`'s replica applies `proposal` (0: a no-op) as its log entry `index` (the next
     * one: its last applied index + 1). Returns whether the operation took effect (false:
     * invalid on this replica; deterministic, so the same on every replica with the same
     * log). The host records applications in the node's ledger itself.
     */
    bool (*apply)(void *ctx, uint32_t node, uint64_t index, uint64_t proposal);
    /* The index of the last entry `node`'s replica applied (0: none, e.g. after amnesia). */
    uint64_t (*applied)(void *ctx, uint32_t node);
    /* How `node` behaves: CONSENSUS_HONEST, or the Byzantine behaviour the scenario gave it.
     * Constant for a run. A protocol that models no Byzantine behaviour may ignore it. */
    enum consensus_byzantine (*byzantine)(void *ctx, uint32_t node);
    /* Nodes `node` currently trusts, itself included (its failure detector's view). */
    uint32_t (*trusted)(void *ctx, uint32_t node);
    /* Does `node`'s failure detector currently suspect `peer`? */
    bool (*suspects)(void *ctx, uint32_t node, uint32_t peer);
    /* A uniform draw in [0, 1) from `node`'s protocol stream (quorum-vote: its votes). */
    double (*uniform)(void *ctx, uint32_t node);
    /* A draw of the distribution parameter `dist` (a CPARAM_DIST value) from `node`'s stream. */
    consensus_time (*draw)(void *ctx, uint32_t node, uint32_t dist);
    /* A ledger/trace record. */
    void (*record)(void *ctx, const struct consensus_record *r);
    /* Bit k set: the host ignores records of kind k (enum consensus_record_kind) in this run,
     * so a protocol may skip building them (quorum-vote's VOTED and VOTE_IN, two per vote,
     * without ledgers or votes.csv). 0: every record is wanted. Sending them anyway is
     * harmless. */
    uint32_t unwanted_records;
    /* A protocol event (events.csv). */
    void (*event)(void *ctx, const struct consensus_event *e);
    /* Leader-based protocols: `node` became leader of `term` (Raft term, Paxos ballot).
     * The host's checker uses it for Election Safety and Leader Completeness. */
    void (*leader)(void *ctx, uint32_t node, uint64_t term);
    /* Optional (NULL: no proposal is known to be one): is `proposal` a client read, which
     * changes nothing (core/op.h PROP_READ)? A protocol may answer it without a log entry. */
    bool (*read_only)(void *ctx, uint64_t proposal);
};

/* Parameters every protocol receives. */
struct consensus_config {
    uint32_t nodes;              /* n */
    uint32_t quorum;             /* cluster.quorum resolved: acks needed, 1..n */
    consensus_time vote_timeout; /* a proposal's deadline after submission (client timeout) */
    double approval;             /* quorum-vote: P[YES] on a valid proposal */
    const double *node_approval; /* quorum-vote: per node P[YES] (n entries), or NULL */
    uint64_t max_proposals;      /* proposal ids are 1..max_proposals */
    bool broadcast_votes; /* quorum-vote: votes go to every node (consensus.broadcast_votes) */
    bool lease_reads;     /* clients.read: lease; only for a protocol with CONSENSUS_LEASE_READS */
    const union consensus_value *params; /* the protocol's section, in ops->params order */
};

struct consensus;

/* Capabilities (ops->flags). */
#define CONSENSUS_LOG_ORDER                                                                        \
    1u /* every replica applies committed proposals in one order:                                  \
          the checker compares proposals index by index */
#define CONSENSUS_SELF_REPAIR                                                                      \
    2u /* the protocol brings lagging/recovered replicas up to date                                \
         itself: the host runs no catch-up of its own */
#define CONSENSUS_ELECTIONS                                                                        \
    4u /* the protocol reports every candidacy as a CONSENSUS_REC_ELECTION record: the host        \
          writes elections.csv */
#define CONSENSUS_BYZANTINE                                                                        \
    16u /* the protocol models the behaviours of port->byzantine (consensus.byzantine); the        \
           scenario layer refuses Byzantine nodes for a protocol without it */
#define CONSENSUS_LEASE_READS                                                                      \
    8u /* with cfg->lease_reads, a leader answers reads (port->read_only) from its replica         \
          while it holds a lease measured on its own clock (port->clock) */

/* A protocol: one const table of callbacks. */
struct consensus_ops {
    const char *name; /* "quorum-vote", "raft", "multi-paxos" */
    unsigned flags;   /* CONSENSUS_LOG_ORDER | CONSENSUS_SELF_REPAIR */
    const struct consensus_msg_kind *msg_kinds;
    uint32_t nmsg_kinds;
    const struct consensus_param *params; /* its consensus.<name>.* keys (may be none) */
    uint32_t nparams;
    const char *const *metric_names; /* its summary.csv columns (may be none) */
    uint32_t nmetrics;
    const char *const *timer_names; /* its timer kinds, by key (the engine's names) */
    uint32_t ntimers;
    /* Its memory, for the host's estimate (sim/cluster/limits; 0: negligible): bytes per
     * proposal id (client table and the like), and per log entry on each node (a log holds
     * at most about one entry per proposal; log protocols). */
    uint32_t proposal_bytes, entry_bytes;

    struct consensus *(*create)(const struct consensus_config *cfg,
                                const struct consensus_port *port);
    void (*destroy)(struct consensus *p);
    /* `node` submits `proposal` (the host knows its operation). */
    void (*submit)(struct consensus *p, uint32_t node, uint64_t proposal);
    /* A message reached m->to (the host drops messages to or from dead nodes). */
    void (*deliver)(struct consensus *p, const struct consensus_msg *m);
    /* A timer set through the port fired. */
    void (*timer)(struct consensus *p, uint32_t node, uint32_t key, uint64_t arg);
    /* `node` crashed: its volatile state is gone, its timers are forgotten by the host. */
    void (*crash)(struct consensus *p, uint32_t node);
    /* `node` restarts; amnesia: its durable state (and replica) are lost too. */
    void (*recover)(struct consensus *p, uint32_t node, bool amnesia);
    /* Metric values at the end of the run, in metric_names order (NAN: no value). */
    void (*metrics)(const struct consensus *p, double *out);
    /* Optional: m, sent by the protocol, will never be delivered (lost, cut by a partition,
     * or its receiver is down). For records only (a lost vote in votes.csv). */
    void (*lost)(struct consensus *p, const struct consensus_msg *m);
    /* Optional: the parameters against the rest of the configuration (a node index below
     * cfg->nodes, ...): -1 if they fit, else the index of the parameter at fault, with the
     * reason in why. Called by the scenario layer before any run. */
    int (*check)(const struct consensus_config *cfg, char *why, size_t len);

    /* Log protocols (CONSENSUS_LOG_ORDER), for the checker; NULL otherwise. */
    uint64_t (*log_length)(const struct consensus *p, uint32_t node);
    /* Entry `index` (1..log_length) of node's log: its term and proposal (0: no-op). */
    void (*log_entry)(const struct consensus *p, uint32_t node, uint64_t index, uint64_t *term,
                      uint64_t *proposal);
    uint64_t (*commit_index)(const struct consensus *p, uint32_t node); /* optional */
};

/* Registered protocols, NULL-terminated, at most CONSENSUS_PROTOCOLS_MAX. */
#define CONSENSUS_PROTOCOLS_MAX 8
extern const struct consensus_ops *consensus_protocols[CONSENSUS_PROTOCOLS_MAX + 1];

/*
 * Add a protocol after the built-in ones (tests, out-of-tree protocols), before any scenario
 * is read (the scenario layer makes its key tables once). false if the registry is full or
 * the name is taken.
 */
bool consensus_register(const struct consensus_ops *ops);

const struct consensus_ops *consensus_find(const char *name);   /* NULL if unknown */
size_t consensus_count(void);                                   /* registered protocols */
const char *consensus_outcome_name(enum consensus_outcome o);   /* "approved", ... */
const char *consensus_election_name(enum consensus_election e); /* "won", "lost", ... */
/* Scenario names of enum consensus_byzantine, by value, NULL-terminated: "honest", ... */
extern const char *const consensus_byzantine_names[CONSENSUS_BYZ_COUNT + 1];

#endif
