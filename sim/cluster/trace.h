/*
 * trace: the sink interface through which a simulation reports what happens.
 *
 * The model never formats text: it hands typed records to a sink (a const table of
 * callbacks plus a context). sim/output/csv_trace writes them as CSV files; tests use an in-memory
 * sink; a NULL callback means "not interested". Strings passed in records are borrowed for
 * the duration of the call only.
 */
#ifndef ATLAS_SIM_CLUSTER_TRACE_H
#define ATLAS_SIM_CLUSTER_TRACE_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/engine/time.h"

struct run_ident { /* the leading run,rep,seed columns of every CSV row */
    uint32_t run;  /* run index within a sweep (0 for a single run) */
    uint32_t rep;  /* replication index (0 for a single run) */
    uint64_t seed; /* the seed this run used */
};

#define TRACE_NO_NODE UINT32_MAX /* events.csv node of cluster-wide events (partition, heal) */

#define OUTCOME_LIST(X)                                                                            \
    X(OUTCOME_APPROVED, "approved")                                                                \
    X(OUTCOME_REJECTED, "rejected")                                                                \
    X(OUTCOME_TIMEOUT, "timeout")                                                                  \
    X(OUTCOME_NO_QUORUM, "no_quorum")                                                              \
    X(OUTCOME_INVALID, "invalid")                                                                  \
    X(OUTCOME_ABORTED, "aborted")                                                                  \
    X(OUTCOME_UNDECIDED, "undecided")

enum outcome {
#define X(sym, name) sym,
    OUTCOME_LIST(X)
#undef X
        OUTCOME_COUNT
};

const char *outcome_name(enum outcome o); /* "approved", ... */

enum vote_value { VOTE_NO = 0, VOTE_YES = 1 };

struct trace_outcome {  /* one row of outcomes.csv */
    uint64_t proposal;  /* proposal number; printed "p-N" */
    uint32_t proposer;  /* node index */
    const char *op;     /* "add_edge", ...: an identifier (letters, digits, '_'), unquoted */
    const char *args;   /* human-readable operation, e.g. "A -visits-> B" */
    sim_time submitted; /* when the proposer submitted it */
    sim_time decided;   /* when the proposer decided */
    uint32_t yes, no;   /* votes counted by the proposer at decision time */
    uint32_t missing;   /* voters whose vote had not arrived (never counted as NO) */
    uint32_t quorum;    /* YES votes needed */
    enum outcome outcome;
};

struct trace_vote { /* one row of votes.csv */
    sim_time time;  /* when the voter cast the vote */
    uint64_t proposal;
    uint32_t voter;
    enum vote_value vote;
    sim_time arrived; /* when it reached the proposer; SIM_TIME_MAX if lost/never */
};

struct trace_event { /* one row of events.csv */
    sim_time time;
    uint32_t node;      /* TRACE_NO_NODE for cluster-wide events */
    const char *event;  /* crash, recover, commit, ...: an identifier, written unquoted */
    const char *detail; /* free text, may be "" */
};

struct trace_message { /* one row of messages.csv (optional trace) */
    sim_time sent;
    sim_time delivered; /* SIM_TIME_MAX if lost or dropped */
    uint32_t from, to;
    const char *kind;  /* proposal, vote, commit, catchup_req, catchup, ... */
    uint64_t proposal; /* 0 if none */
    const char *fate;  /* delivered, lost, partitioned, dead_sender, dead_receiver */
};

struct trace_heartbeat { /* one row of heartbeats.csv (optional trace) */
    sim_time sent;
    sim_time delivered; /* SIM_TIME_MAX if lost */
    uint32_t from, to;
    const char *fate; /* delivered, lost, partitioned, dead_receiver */
};

struct trace_election {  /* one row of elections.csv: a candidacy (CONSENSUS_REC_ELECTION) */
    uint64_t term;       /* the term (ballot) sought */
    uint32_t candidate;  /* node index */
    sim_time start, end; /* when the candidacy began and ended */
    uint32_t votes;      /* votes it gathered, its own included */
    const char *result;  /* won, lost, superseded, timeout, crashed */
    sim_time downtime;   /* won after the last leader crashed: the time since (the Raft paper's
                            "time without leader"); SIM_TIME_MAX otherwise */
};

enum history_value { HISTORY_NA, HISTORY_INT, HISTORY_SET };

struct trace_history { /* one row of history.csv (README "history.csv") */
    uint64_t index;    /* the row's position, from 0 */
    uint64_t op_id;    /* the operation (its invoke and completion rows share it) */
    const char *type;  /* invoke, ok, fail, info */
    uint32_t client;   /* the client that issued it */
    const char *op;    /* read, write (register); add, remove, read (set) */
    int64_t key;       /* the key */
    enum history_value value_kind;
    int64_t value;     /* HISTORY_INT: the value */
    uint64_t members;  /* HISTORY_SET: bit e = element e is in the set read */
    sim_time invoke;   /* invocation time */
    sim_time complete; /* completion time; SIM_TIME_MAX on invoke rows (NA) */
};

struct trace_sink_ops {
    void (*outcome)(void *ctx, const struct trace_outcome *r);
    void (*vote)(void *ctx, const struct trace_vote *r);
    void (*event)(void *ctx, const struct trace_event *r);
    void (*message)(void *ctx, const struct trace_message *r);     /* only if wanted */
    void (*heartbeat)(void *ctx, const struct trace_heartbeat *r); /* only if wanted */
    void (*election)(void *ctx, const struct trace_election *r);
    void (*history)(void *ctx, const struct trace_history *r); /* runs with clients */
};

struct trace {
    const struct trace_sink_ops *ops; /* NULL: discard everything */
    void *ctx;
    bool want_messages;   /* emit message records (costly at scale) */
    bool want_heartbeats; /* emit heartbeat records (costly at scale) */
};

#endif
