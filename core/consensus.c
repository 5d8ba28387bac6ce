/* consensus: the protocol registry (see consensus.h). */
#include "core/consensus.h"

#include <string.h>

#include "core/example/example.h"
#include "core/multi_paxos/multi_paxos.h"
#include "core/quorum_vote/quorum_vote.h"
#include "core/raft/raft.h"

const struct consensus_ops *consensus_protocols[CONSENSUS_PROTOCOLS_MAX + 1] = {
    &quorum_vote_ops, /* the default: AtlasDB's */
    &example_ops,     &raft_ops, &multi_paxos_ops, NULL,
};

bool consensus_register(const struct consensus_ops *ops)
{
    size_t n = consensus_count();
    if (n == CONSENSUS_PROTOCOLS_MAX || consensus_find(ops->name))
        return false;
    consensus_protocols[n] = ops;
    return true;
}

size_t consensus_count(void)
{
    size_t n = 0;
    while (consensus_protocols[n])
        n++;
    return n;
}

const struct consensus_ops *consensus_find(const char *name)
{
    for (size_t i = 0; consensus_protocols[i]; i++)
        if (strcmp(consensus_protocols[i]->name, name) == 0)
            return consensus_protocols[i];
    return NULL;
}

const char *consensus_outcome_name(enum consensus_outcome o)
{
    static const char *const names[] = {"approved",  "rejected", "timeout",
                                        "no_quorum", "invalid",  "aborted"};
    return (unsigned)o < CONSENSUS_OUTCOME_COUNT ? names[o] : "?";
}

const char *consensus_election_name(enum consensus_election e)
{
    static const char *const names[] = {"won", "lost", "superseded", "timeout", "crashed"};
    return (unsigned)e < CONSENSUS_ELECTION_COUNT ? names[e] : "?";
}

const char *const consensus_byzantine_names[CONSENSUS_BYZ_COUNT + 1] = {
    "honest", "always-no", "yes-on-invalid", "equivocate", "silent", NULL};
