/*
 * raft: the Raft consensus protocol behind struct consensus_ops (consensus.protocol: raft).
 *
 * As in "In Search of an Understandable Consensus Algorithm" (Ongaro and Ousterhout, 2014)
 * and Ongaro's dissertation (2014): terms; randomized election timeouts drawn from the
 * distribution consensus.raft.election_timeout; RequestVote with the up-to-date-log rule
 * (5.4.1); AppendEntries as heartbeat every heartbeat_interval and for replication, with
 * nextIndex back-off (the follower's reply carries a hint: its last index) and
 * retransmission at every heartbeat; a leader commits an index only when a majority
 * matches it and the entry is of the leader's current term (5.4.2); every node applies its
 * committed log in order through port->apply. Options: pre_vote (dissertation 9.6),
 * check_quorum (6.2: a leader that heard from no majority within an election timeout steps
 * down, and a follower that heard from its leader within its election timeout ignores
 * RequestVote), max_batch entries per AppendEntries (at most 6: the payload holds 6
 * {term, proposal} pairs after the 4-word header).
 *
 * Where the model differs from the papers (see README.md, "Raft"):
 *   - Quorums are majorities (n/2 + 1) whatever cluster.quorum says.
 *   - A new leader appends a no-op entry of its term at once (dissertation 6.4); it is
 *     applied like any entry, as proposal 0.
 *   - By default one AppendEntries per follower in flight (stop and wait, up to max_batch
 *     entries); the heartbeat resends from nextIndex, which is the retransmission. With
 *     max_inflight > 1, once a follower's log matches, the leader pipelines up to that
 *     many AppendEntries, advancing nextIndex as it sends; a rejection (a lost or
 *     overtaken message) returns it to stop and wait, and each heartbeat forgets the
 *     count in flight (lost replies).
 *   - Clients: submit(node, p) at a leader appends p; a follower forwards p once to the
 *     leader it knows (message "redirect", at most 2 hops); a node without a known leader
 *     retries every heartbeat_interval. By default a redirect that is lost, or that reaches
 *     a node that crashed or no longer leads, is not retried: the client's timeout
 *     (consensus.vote_timeout) records `timeout`. With client_retry > 0 the client (the
 *     submitting node) resends p while no leader has appended it: after client_retry, then
 *     twice that, and so on, to the leader it knows, or, if that is where the last attempt
 *     went or it knows none, to the next node in index order (which redirects it on), until
 *     the deadline. A leader's append stands for its acknowledgement to the client (not a
 *     message), and with client_retry a proposal is appended at most once in the whole run
 *     (a stand-in for client sessions, dissertation 6.3): an entry lost with its leader
 *     after the append is not resent. Without client_retry a leader appends p at most
 *     once per term. No duplicate entries either way.
 *   - Outcomes: `approved`/`rejected` when the leader that commits the entry applies it
 *     (rejected: port->apply returned false, the same on every replica); `timeout` at the
 *     client's deadline; `aborted` when the submitting node crashes first. An entry can
 *     still commit after its client recorded timeout or aborted (as in a real system).
 *   - Persistence is synchronous: term, vote and log are on stable storage before any
 *     reply. A durable crash keeps them and the replica (port->applied tells how far it
 *     applied, like a snapshot); an amnesia crash loses them. With amnesia Raft guarantees
 *     nothing: a node may vote twice in one term (two leaders of one term) and a majority
 *     that forgets a committed entry lets a leader without it overwrite it.
 *
 * Events: "candidate" (term) when a node starts an election, "election" (term, votes,
 * result: 1 won, 0 lost to a leader, a higher term, the timeout or a crash) when it ends;
 * the pair gives an election's start, end and outcome. Every candidacy that ends is also a
 * CONSENSUS_REC_ELECTION record (elections.csv): won, lost (another node led the term),
 * superseded (a higher term), timeout (a new candidacy) or crashed.
 *
 * Memory: 16 bytes per log entry per node ({term, proposal}); 64 bytes per proposal id for
 * client bookkeeping (48 in core/logproto's client table, 16 of Raft's own); a leader holds
 * next/match per peer. No snapshots: logs only grow.
 */
#ifndef ATLAS_CORE_RAFT_H
#define ATLAS_CORE_RAFT_H

#include "core/consensus.h"

/* consensus.raft.* in params order (the values reach create() in cfg->params). */
enum raft_param {
    RAFT_ELECTION_TIMEOUT,   /* CPARAM_DIST */
    RAFT_HEARTBEAT_INTERVAL, /* CPARAM_DURATION */
    RAFT_MAX_BATCH,          /* CPARAM_UINT, 1..RAFT_BATCH_MAX */
    RAFT_PRE_VOTE,           /* CPARAM_BOOL */
    RAFT_CHECK_QUORUM,       /* CPARAM_BOOL */
    RAFT_MAX_INFLIGHT,       /* CPARAM_UINT, 1..RAFT_INFLIGHT_MAX */
    RAFT_CLIENT_RETRY,       /* CPARAM_DURATION, 0: clients never resend */
    RAFT_LEASE,              /* CPARAM_DURATION: a leader's read lease (clients.read: lease) */
    RAFT_PARAM_COUNT
};

/* AppendEntries with entries a leader keeps in flight to one follower, at most. */
#define RAFT_INFLIGHT_MAX 1024

/* Entries one AppendEntries carries at most: (CONSENSUS_PAYLOAD_MAX - 32) / 16. */
#define RAFT_BATCH_MAX 6

/* Metric columns, in metric_names order. */
enum raft_metric {
    RAFT_M_ELECTIONS,           /* elections started (candidacies; pre-votes not counted) */
    RAFT_M_PRE_VOTES,           /* pre-vote rounds started */
    RAFT_M_LEADER_CHANGES,      /* times a node became leader */
    RAFT_M_LEADERLESS_S,        /* seconds during which no live node was leader */
    RAFT_M_MAX_TERM,            /* highest term any node reached */
    RAFT_M_COMMITTED,           /* highest commit index any node reached */
    RAFT_M_ELECTION_P50_S,      /* median duration of the candidacies that won, start to win */
    RAFT_M_ELECTION_P99_S,      /* their 99th percentile (nearest rank); NA when none won */
    RAFT_M_LEASE_READS,         /* reads a leader answered from its lease (clients.read: lease) */
    RAFT_M_COMMITS_PER_S,       /* approved client commands per simulated second */
    RAFT_M_MESSAGES_PER_COMMIT, /* protocol messages sent / approved client commands; NA: none */
    RAFT_METRIC_COUNT
};

extern const struct consensus_ops raft_ops;

#ifdef ATLAS_RAFT_TEST_HOOKS
/* Tests only (library atlas_raft_testing, which defines only this; raft_ops comes from
 * atlas_core): Raft with the Figure 8 bug, a leader that commits an entry of an earlier
 * term once a majority stores it. */
extern const struct consensus_ops raft_figure8_ops;
/* Tests only: Raft whose leader answers a client read (port->read_only) from its own
 * replica at once, without confirming that it still leads (issue 16's negative control). */
extern const struct consensus_ops raft_stale_reads_ops;
#endif

#endif
