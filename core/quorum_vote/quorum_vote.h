/*
 * quorum_vote: AtlasDB's quorum-vote protocol, done properly (see DESIGN.md, Models).
 *
 * The proposer validates its proposal against its own replica (invalid: outcome invalid,
 * nothing sent). If it trusts fewer nodes than the quorum, itself included, the outcome
 * is no_quorum. Otherwise it broadcasts the proposal and casts its own vote at once.
 * Every node that receives the proposal validates it against its own replica and votes
 * YES with its approval probability when valid, NO when not; each node votes once per
 * proposal. The proposer decides approved as soon as YES >= quorum, rejected as soon as
 * NO > n - quorum (the quorum is out of reach), timeout at vote_timeout; a missing vote is
 * missing, never NO. A proposer that crashes first aborts its undecided proposals.
 * Approved proposals are applied by the proposer and broadcast as commits.
 *
 * broadcast_votes (consensus.broadcast_votes): every vote goes to every node; each node
 * counts the votes it receives and applies a proposal once it has counted a quorum of YES
 * itself; no commit is broadcast. votes.csv still records the votes the proposer received.
 *
 * Byzantine nodes (port->byzantine, asked once per node at create; they draw nothing from
 * their streams): always-no votes NO; yes-on-invalid votes YES on every proposal, valid or
 * not, and as proposer skips its own validation; equivocate tells the proposer and the nodes
 * an even distance after it (mod n) NO and those an odd distance after it YES; silent never
 * votes. With b of them the proposer approves with P[Bin(n - b, p) >= q - y], y = b for
 * yes-on-invalid and 0 otherwise (analysis/VALIDATION.md, section 8).
 *
 * Memory: per proposal a small record, a bitset of the nodes that voted (kept, so that
 * duplicated proposal messages never yield a second vote) and, while undecided, a bitset
 * of the votes counted. Without the bitsets' n/8 bytes per proposal, O(1) per message.
 * broadcast_votes adds, per proposal, n tallies and n bitsets of n bits (n^2/8 bytes), kept
 * to the end of the run: meant for small clusters.
 */
#ifndef ATLAS_CORE_QUORUM_VOTE_QUORUM_VOTE_H
#define ATLAS_CORE_QUORUM_VOTE_QUORUM_VOTE_H

#include "core/consensus.h"

extern const struct consensus_ops quorum_vote_ops;

#endif
