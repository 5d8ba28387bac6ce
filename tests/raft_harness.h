/*
 * raft_harness: a fake consensus port for tests and the Raft benchmark.
 *
 * A small deterministic event loop that drives one protocol instance (n nodes) without the
 * simulator: a queue of message deliveries, timers and client submissions ordered by
 * (time, sequence); uniform latency, independent loss, directed cuts between nodes,
 * crashes with durable or amnesia recovery, and an optional chaos process of random
 * crashes and isolations. It checks, online, what the host's checker checks:
 *   - Election Safety: at most one leader per term (port->leader);
 *   - Leader Completeness: a new leader's log holds every entry seen committed before (the
 *     same term and proposal);
 *   - State Machine Safety: no two nodes apply different proposals at one index, and no
 *     two nodes commit different entries (term or proposal) at one index;
 *   - outcomes: each proposal decided at most once.
 * Each violation increments a counter; tests assert on the counters. The failure detector
 * (port->suspects, which Raft ignores and Multi-Paxos elects its leader with) is perfect and
 * instant: a node suspects a peer that is down, one it is cut off from (unless fd_cuts is
 * off), and one a test told it to suspect (h_suspect, a false suspicion).
 * All randomness comes from one splitmix64 stream seeded by the test.
 */
#ifndef ATLAS_TESTS_RAFT_HARNESS_H
#define ATLAS_TESTS_RAFT_HARNESS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/raft/raft.h"

#define H_MS 1000000ull /* ns per millisecond */

struct h_options {
    uint32_t nodes;
    uint64_t seed;
    uint64_t max_proposals;
    consensus_time lat_min, lat_max; /* uniform one-way latency */
    double loss;                     /* P[a message is lost] */
    double dup;                      /* P[a delivered message arrives twice] */
    bool fifo; /* a message never overtakes an earlier one on its (sender, receiver) link */
    consensus_time eto_min, eto_max; /* election timeout: uniform [min, max] */
    consensus_time heartbeat;
    uint32_t max_batch, max_inflight;
    bool pre_vote, check_quorum;
    consensus_time client_timeout;
    consensus_time client_retry; /* Raft's client_retry (0: clients never resend) */
    bool light;                  /* keep no per-node apply history (benchmark) */
    /* Another protocol's parameters (its consensus.<name>.* values in table order); NULL:
     * Raft's, from the fields above. */
    const union consensus_value *params;
    bool fd_cuts; /* a cut link makes the receiver suspect the sender (default true) */
    /* Client deadlines: false (default): the port offers set_timer_since (one deadline timer
     * per node); true: it does not (one timer per proposal). deadline_skew (a negative
     * control): set_timer_since fires this much late. */
    bool timer_per_deadline;
    consensus_time deadline_skew;
};

/* Defaults: 5 nodes, 1-5 ms latency, no loss, 150-300 ms timeouts, 50 ms heartbeat, batch
 * 6, stop and wait (max_inflight 1), 1 s client timeout, 10000 proposals. */
struct h_options h_defaults(uint64_t seed);

struct h_counts {
    uint64_t election_safety, leader_completeness, state_machine, decided_twice;
    uint64_t outcomes[CONSENSUS_OUTCOME_COUNT];
    uint64_t submitted, applied_total, messages, events, election_events, candidate_events;
    uint64_t msgs_by_kind[8];
};

struct harness;

struct harness *h_new(const struct consensus_ops *ops, const struct h_options *o);
void h_free(struct harness *h);

/* Run every event up to and including time t; the clock ends at t. */
void h_run_until(struct harness *h, consensus_time t);
consensus_time h_now(const struct harness *h);
/* Run the next event if it is due by `limit`; false if none is. */
bool h_step(struct harness *h, consensus_time limit);
/* Run until some node becomes leader of a term above `above_term` (stopping right after
 * that event) or until `limit`; returns the leader, or n at the limit. */
uint32_t h_run_until_leader(struct harness *h, uint64_t above_term, consensus_time limit);

void h_submit(struct harness *h, uint32_t node); /* now; returns nothing, ids are 1.. */
uint64_t h_last_proposal(const struct harness *h);
/* Submit `count` proposals from now, one every `gap`, at nodes round-robin (or all at
 * `node` if node < n). */
void h_workload(struct harness *h, uint64_t count, consensus_time gap, uint32_t node);

void h_crash(struct harness *h, uint32_t node);
void h_recover(struct harness *h, uint32_t node, bool amnesia);
void h_cut(struct harness *h, uint32_t a, uint32_t b, bool cut); /* both directions */
void h_isolate(struct harness *h, uint32_t node, bool cut);      /* from every other node */
void h_heal(struct harness *h);                                  /* no cuts at all */
/* Random faults every `every` on average until `until`: crash or recover a node, isolate
 * or heal one; at most `max_down` nodes down at once; `amnesia`: recoveries lose state. */
void h_chaos(struct harness *h, consensus_time every, consensus_time until, uint32_t max_down,
             bool amnesia);
void h_set_loss(struct harness *h, double loss);
/* Make `node`'s failure detector suspect `peer` whatever it hears (or stop). */
void h_suspect(struct harness *h, uint32_t node, uint32_t peer, bool suspect);

/* Observations. */
const struct h_counts *h_counts(const struct harness *h);
struct consensus *h_protocol(const struct harness *h);
bool h_alive(const struct harness *h, uint32_t node);
uint32_t h_leader(const struct harness *h);      /* the live leader of the highest term, or n */
uint64_t h_newest_term(const struct harness *h); /* highest term that had a leader */
uint64_t h_term_of_leader(const struct harness *h, uint32_t node); /* 0: never led */
uint64_t h_applied(const struct harness *h, uint32_t node);
uint64_t h_applied_at(const struct harness *h, uint32_t node, uint64_t index); /* proposal */
enum consensus_outcome h_outcome(const struct harness *h, uint64_t proposal, bool *decided);
/* Log Matching over every pair of nodes: pairs whose logs agree on (index, term) somewhere
 * but differ at an earlier index. */
uint64_t h_log_matching_violations(const struct harness *h);
/* Proposals that `node` applied at more than one index. */
uint64_t h_applied_twice(const struct harness *h, uint32_t node);
/* Every live node applied the same number of entries as node `ref` (after quiescence). */
bool h_live_applied_equal(const struct harness *h);
uint64_t h_hash(const struct harness *h); /* digest of every callback seen, for determinism */
/* Digest of every decision: proposal, outcome, deciding node and time, in order. */
uint64_t h_decisions_hash(const struct harness *h);

/*
 * Client deadlines armed one timer per node (set_timer_since) against one per proposal:
 * for seeds 1..seeds, a run with 5% loss, crashes and 120 ms client deadlines, each way.
 * differ: seeds whose decisions (h_decisions_hash) differ; with_ends: seeds with a timeout
 * or abort; skew_caught: of those, seeds whose decisions change when set_timer_since fires
 * 1 ns late (the negative control: should be all of them).
 */
struct h_deadline_check {
    uint64_t differ, with_ends, skew_caught;
};
struct h_deadline_check h_check_deadlines(const struct consensus_ops *ops,
                                          struct h_options (*options)(uint64_t seed),
                                          uint64_t seeds);

/* Direct port calls, for the checkers' negative controls. */
void h_port_leader(struct harness *h, uint32_t node, uint64_t term);
bool h_port_apply(struct harness *h, uint32_t node, uint64_t index, uint64_t proposal);

/* The validity rule of the fake replica: proposals with id % 10 == 7 are invalid. */
bool h_valid(uint64_t proposal);

#endif
