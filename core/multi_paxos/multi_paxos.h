/*
 * multi_paxos: Multi-Paxos behind struct consensus_ops (consensus.protocol: multi-paxos).
 *
 * After "Paxos Made Simple" (Lamport, 2001) and "Paxos Made Moderately Complex" (van Renesse
 * and Altinbuken, 2015). Every node is proposer, acceptor and learner. Slots 1, 2, 3, ... are
 * independent Paxos instances sharing one ballot: a ballot is (round, node), ordered by round
 * then node, and numbered round * n + node (the `term` of port->leader and of the events).
 *
 *   - Phase 1 once per ballot: prepare(b, from) asks an acceptor to promise b and to report,
 *     for the slots from `from` on, what it accepted (ballot, value) or knows chosen. Reports
 *     travel 6 slots per promise (the payload); the leader pulls the next 6 until the
 *     acceptor's highest accepted slot. A promise also carries the acceptor's chosen prefix:
 *     slots below it are chosen, so the leader skips them in phase 1 and learns them by
 *     catch-up instead. Phase 1 ends when a majority reported every slot and the leader
 *     knows every slot below the highest such prefix.
 *   - Recovery: in every slot from its chosen prefix to the highest reported one, the leader
 *     proposes the value of the highest ballot reported, or a no-op (proposal 0) where none
 *     was reported (the gap filling of PMMC); new client values go after them.
 *   - Phase 2 per slot: accept(b, first, count, chosen prefix) carries up to 12 consecutive
 *     slots; accepted(b, first, count) acknowledges them; a majority of acknowledgements at b
 *     makes a slot chosen at the leader. Unchosen slots are resent every leader_check.
 *   - Learning: the leader's chosen prefix rides on every accept and on a commit message it
 *     broadcasts every leader_check; an acceptor that accepted a slot at that very ballot
 *     learns it is chosen. A learner with a gap asks a peer (catch_up); the peer answers with
 *     up to 8 messages of 12 chosen values. Every node applies its chosen prefix in slot
 *     order through port->apply (slot = log index).
 *   - Leader election from the failure detector (Omega): every leader_check a node takes the
 *     lowest-numbered node it does not suspect (port->suspects) as leader; if that is itself
 *     and it has no ballot under way it starts phase 1 with a round above every round it has
 *     seen. A higher ballot (a refusal, or a prepare/accept of it) preempts a leader: it
 *     waits a random backoff in [0, backoff * 2^k), k its consecutive preemptions, at most
 *     backoff_max, before it may try again. A false suspicion therefore makes two nodes duel
 *     until it clears; a leader keeps its ballot until preempted (it does not yield to a
 *     lower node it trusts again: that node preempts it).
 *
 * Where the model differs from the papers (see README.md, "Multi-Paxos"):
 *   - Quorums are majorities (n/2 + 1) whatever cluster.quorum says.
 *   - A leader is reported (port->leader, the `election` event with result 1) only once phase
 *     1 is over and every slot it recovered is chosen again under its ballot: from then on
 *     its chosen prefix holds every value any replica applied (the checker's Leader
 *     Completeness). It takes client values from the end of phase 1 on.
 *   - Clients: submit(node, p) at a leader proposes p in the next free slot; another node
 *     forwards p once to the leader it believes in (the node of the highest ballot it has
 *     promised, if it does not suspect it; else the failure detector's choice), at most 2
 *     hops; a node that believes itself leader but has no ballot yet retries every
 *     leader_check. By default a lost forward or a value lost with its leader is not
 *     retried: the client's timeout (consensus.vote_timeout) records `timeout`. A value is
 *     proposed once per ballot, and a forward of a proposal already decided is dropped (a
 *     stand-in for client sessions). With client_retry > 0 the client (the submitting node)
 *     resends p while no leader has proposed it, as Raft's clients do (core/logproto.h:
 *     after client_retry, doubling, to the leader it believes in, else round the nodes),
 *     and a value is proposed at most once in the whole run. No reconfiguration, no
 *     leases, no snapshots.
 *   - Outcomes: `approved`/`rejected` when the first replica applies the value (rejected:
 *     port->apply returned false, the same everywhere); `timeout` at the client's deadline;
 *     `aborted` when the submitting node crashes first. A value can still be chosen after its
 *     client recorded timeout or aborted.
 *   - Persistence is synchronous: the promise, the accepted values and the chosen values are
 *     on stable storage before any reply. A durable crash keeps them and the replica; an
 *     amnesia crash loses them. With amnesia Multi-Paxos guarantees nothing: an acceptor that
 *     forgets an accepted value lets a later leader recover a no-op or another value for a
 *     chosen slot, and a leader that forgets its round may reuse a ballot with other values.
 *
 * Elections (CONSENSUS_ELECTIONS): every ballot a node seeks is a candidacy and a row of
 * elections.csv when it ends: term = the ballot, votes = the acceptors that reported every
 * slot (itself included), result `won` when the leader is reported, `superseded` when a
 * higher ballot preempts it first, `lost` when the failure detector names another node
 * before it leads, `crashed`. So `analyze` draws the election-time CDF from ballots as from
 * Raft's terms.
 *
 * Log access for the checker: a node's log is its chosen prefix (log_length = the highest
 * slot s such that every slot up to s is chosen at the node), every entry of term 0 (a chosen
 * value is final, whichever ballot chose it); commit_index = log_length.
 *
 * Memory: 16 bytes per slot per node (accepted ballot, value); a leader holds 24 bytes plus
 * one bit per node for each slot of its plan (trimmed in steps of 1024 chosen slots); 56
 * bytes per proposal id for client bookkeeping (48 in core/logproto's client table). Acceptor state
 * only grows.
 */
#ifndef ATLAS_CORE_MULTI_PAXOS_H
#define ATLAS_CORE_MULTI_PAXOS_H

#include "core/consensus.h"

/* consensus.multi-paxos.* in params order (the values reach create() in cfg->params). */
enum multi_paxos_param {
    PAXOS_LEADER_CHECK, /* CPARAM_DURATION: the period of every node's check */
    PAXOS_BACKOFF,      /* CPARAM_DURATION: the first preemption's backoff bound */
    PAXOS_BACKOFF_MAX,  /* CPARAM_DURATION: the backoff bound's ceiling */
    PAXOS_CLIENT_RETRY, /* CPARAM_DURATION: a client's resend period (0: never) */
    PAXOS_PARAM_COUNT
};

/* Metric columns, in metric_names order (names shared with Raft where the meaning is). */
enum multi_paxos_metric {
    PAXOS_M_ELECTIONS,           /* phase-1 attempts (ballots started) */
    PAXOS_M_LEADER_CHANGES,      /* leaders reported through port->leader */
    PAXOS_M_LEADERLESS_S,        /* seconds during which no live node was reported leader */
    PAXOS_M_COMMITTED,           /* highest chosen prefix any node reached */
    PAXOS_M_PREEMPTIONS,         /* ballots ended by a higher one */
    PAXOS_M_MAX_ROUND,           /* highest ballot round any node reached */
    PAXOS_M_NOOPS,               /* no-ops a leader proposed to fill a gap */
    PAXOS_M_MESSAGES_PER_COMMIT, /* protocol messages sent / approved client commands; NA: none */
    PAXOS_M_COMMITS_PER_S,       /* approved client commands per simulated second */
    PAXOS_METRIC_COUNT
};

extern const struct consensus_ops multi_paxos_ops;

#ifdef ATLAS_PAXOS_TEST_HOOKS
/* Tests only (library atlas_multi_paxos_testing, which defines only this): a Multi-Paxos
 * that skips phase-1 recovery, a new leader proposing its own values from its own chosen
 * prefix on, in slots that may already be chosen. */
extern const struct consensus_ops multi_paxos_no_recovery_ops;
#endif

#endif
