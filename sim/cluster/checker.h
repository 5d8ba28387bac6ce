/*
 * checker: the safety invariants of a finished run, over a plain description of the
 * cluster's final state (so tests can hand it a deliberately broken one).
 *
 * Invariants:
 *   1. no proposal is applied anywhere unless its proposer decided approved with
 *      YES >= quorum (log protocols, `log_order`: an approved proposal had YES >= quorum;
 *      one whose client gave up, timeout or aborted, may still commit, and the log's own
 *      invariants are logcheck's; with self_commit, one whose proposer timed out or aborted
 *      may be applied by replicas that counted a quorum themselves, but never a rejected one);
 *   2. no commit is applied twice on a replica: a node's count of successful applications
 *      equals the number of distinct proposals it holds as applied; and none is held both
 *      as applied and as refused (refused, then applied once its predecessors came, it
 *      leaves the refused set; an amnesia empties both);
 *   3. replicas that decided the same set of commits have the same state hash, a commit
 *      decided being one the replica applied or refused as invalid: two approved proposals
 *      that conflict (add_vertex X with two labels) apply on one replica and are refused on
 *      another, and two that do not commute apply in different orders; either way equal
 *      decided sets end in different states. The report names a commit applied on one and
 *      refused on the other when there is one.
 *   4. (not log protocols) no proposal invalid on its proposer's replica when proposed is
 *      approved: an honest proposer decides it invalid before any vote, so only a proposer
 *      that skips its own validation (a Byzantine yes-on-invalid node) and voters that approve
 *      invalid operations can commit one.
 * Also measured: diverged replicas, whose state hash differs from the majority's (the most
 * common hash; ties go to the hash of the lowest node).
 *
 * Cost: O(n log n + n * words) for n nodes.
 */
#ifndef ATLAS_SIM_CLUSTER_CHECKER_H
#define ATLAS_SIM_CLUSTER_CHECKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct checker_node {
    uint64_t state_hash;     /* replica contents */
    uint64_t set_hash;       /* hash of the set of applied proposals */
    const uint64_t *applied; /* bitset over proposal ids (words words) */
    uint64_t refused_hash;   /* hash of the set of commits it refused as invalid */
    const uint64_t *refused; /* bitset of those commits, disjoint from applied (NULL: none) */
    uint64_t applications;   /* successful applications counted as they happened */
};

struct checker_proposal {  /* one proposal's facts, as checker_input.proposal gives them */
    uint32_t yes, quorum;  /* YES votes counted at the decision, quorum needed */
    uint32_t applications; /* replicas that applied it (saturates at UINT32_MAX) */
    bool approved;         /* the proposer decided approved */
    bool invalid;          /* invalid on its proposer's replica when proposed */
    bool rejected;         /* the proposer decided rejected */
};

struct checker_input {
    uint32_t nodes;
    const struct checker_node *node; /* nodes entries */
    size_t words;                    /* length of each applied bitset */
    uint64_t nproposals;             /* proposal ids 1..nproposals */
    /* Proposal id's facts (1 <= id <= nproposals) into *out: asked for, not copied, so that
     * a host keeps no second record per proposal at the end of a run, its peak of memory. */
    void (*proposal)(const void *ctx, uint64_t id, struct checker_proposal *out);
    const void *proposal_ctx;
    bool log_order;   /* the protocol is CONSENSUS_LOG_ORDER */
    bool self_commit; /* replicas commit on their own count of votes (broadcast_votes): one
                         whose proposer timed out or aborted may still apply it */
};

struct checker_result {
    uint64_t violations;    /* broken invariants found */
    uint64_t diverged;      /* replicas whose hash differs from the majority's */
    uint32_t majority_node; /* lowest node holding the majority hash */
};

/* Called once per violation with a one-line description (node UINT32_MAX: cluster-wide). */
typedef void checker_report_fn(void *ctx, uint32_t node, const char *detail);

void checker_run(const struct checker_input *in, checker_report_fn *report, void *ctx,
                 struct checker_result *out);

#endif
