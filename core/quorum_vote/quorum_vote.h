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
 * Memory: per proposal a small record, a bitset of the nodes that voted (kept, so that
 * duplicated proposal messages never yield a second vote) and, while undecided, a bitset
 * of the votes counted. Without the bitsets' n/8 bytes per proposal, O(1) per message.
 */
#ifndef ATLAS_CORE_QUORUM_VOTE_QUORUM_VOTE_H
#define ATLAS_CORE_QUORUM_VOTE_QUORUM_VOTE_H

#include "core/consensus.h"

extern const struct consensus_ops quorum_vote_ops;

#endif
