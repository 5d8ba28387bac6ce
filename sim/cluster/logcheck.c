/*
 * logcheck: the invariants of log protocols (CONSENSUS_LOG_ORDER: Raft, Multi-Paxos), checked
 * by the host from what the protocol reports, never from its own view of itself:
 *   - State Machine Safety: no two replicas apply different proposals at one log index
 *     (checked at every application against the first application of that index);
 *   - Leader Completeness: a node that becomes leader (port->leader) holds, in its log, every
 *     entry some replica has already applied (applied entries are committed ones);
 *   - Election Safety: at most one leader per term (at the end, over every leader report);
 *   - Log Matching: two logs with an entry of the same index and term are identical up to it
 *     (at the end: each node's prefix hash at an index is compared with the first node's that
 *     has the same term there).
 * A break is a `violation` event (detail: which invariant, the nodes, index or term) and
 * counts in summary.csv's safety_violations.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "sim/cluster/cluster_impl.h"

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void
violation(struct cluster *c, uint32_t node, const char *fmt, ...)
{
    char detail[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    c->log_violations++;
    cluster_emit_event(c, node, "violation", "%s", detail);
}

void logcheck_apply(struct cluster *c, uint32_t node, uint64_t index, uint64_t proposal)
{
    if (index >= c->first_cap) { /* an xhuge block: pages past the last index stay untouched */
        size_t cap = (size_t)c->first_cap; /* first about one index a proposal, as the logs */
        size_t need = (size_t)index + 1 > c->max_props + 64 ? (size_t)index + 1 : c->max_props + 64;
        XHUGE_GROW(c->first_at, cap, need);
        c->first_cap = cap;
    }
    if (!c->first_at[index]) {
        c->first_at[index] = (uint32_t)(proposal + 1);
        c->first_max = index > c->first_max ? index : c->first_max;
    } else if (c->first_at[index] != proposal + 1) {
        violation(c, node,
                  "state machine safety: applied p-%" PRIu64 " at index %" PRIu64
                  " where another replica applied p-%" PRIu64,
                  proposal, index, (uint64_t)c->first_at[index] - 1);
    }
}

void logcheck_leader(struct cluster *c, uint32_t node, uint64_t term)
{
    XGROW(c->leaders, c->leaders_cap, c->nleaders + 1);
    c->leaders[c->nleaders++] = (struct leader_term){.term = term, .node = node};
    const struct consensus_ops *ops = c->proto_ops;
    if (!(ops->flags & CONSENSUS_LOG_ORDER) || !ops->log_length)
        return;
    uint64_t len = ops->log_length(c->proto, node);
    for (uint64_t i = 1; i <= c->first_max; i++) {
        if (!c->first_at[i])
            continue;
        uint64_t t, p = UINT64_MAX;
        if (i <= len)
            ops->log_entry(c->proto, node, i, &t, &p);
        if (p != (uint64_t)c->first_at[i] - 1) {
            violation(c, node,
                      "leader completeness: leader of term %" PRIu64 " lacks index %" PRIu64
                      ", applied as p-%" PRIu64,
                      term, i, (uint64_t)c->first_at[i] - 1);
            return; /* one report per election */
        }
    }
}

static int by_term(const void *a, const void *b)
{
    const struct leader_term *x = a, *y = b;
    if (x->term != y->term)
        return x->term < y->term ? -1 : 1;
    return (x->node > y->node) - (x->node < y->node);
}

/*
 * Log Matching, index by index across the nodes (memory O(nodes), not O(log length)): each
 * node's running prefix hash at index i is compared with that of the first node, in node
 * order, that still takes part and has an entry there, if its term there is the same. A node
 * is reported once, at its first mismatch, and takes no further part (as the reference of
 * no later index); the reports are written in node order.
 */
struct lm_node {
    uint64_t len, hash; /* log length; prefix hash up to the current index */
    uint64_t bad_term, bad_index;
    bool bad;
};

static void log_matching(struct cluster *c)
{
    const struct consensus_ops *ops = c->proto_ops;
    struct lm_node *nd = xcalloc(c->n, sizeof(*nd));
    uint64_t longest = 0;
    for (uint32_t n = 0; n < c->n; n++) {
        nd[n].len = ops->log_length(c->proto, n);
        longest = nd[n].len > longest ? nd[n].len : longest;
    }
    for (uint64_t i = 1; i <= longest; i++) {
        bool have_ref = false;
        uint64_t ref_term = 0, ref_hash = 0;
        for (uint32_t n = 0; n < c->n; n++) {
            if (nd[n].bad || i > nd[n].len)
                continue;
            uint64_t t, p;
            ops->log_entry(c->proto, n, i, &t, &p);
            nd[n].hash = hash_mix64(nd[n].hash ^ hash_mix64(t * UINT64_C(0x9e3779b97f4a7c15) + p));
            if (!have_ref) {
                have_ref = true;
                ref_term = t;
                ref_hash = nd[n].hash;
            } else if (ref_term == t && ref_hash != nd[n].hash) {
                nd[n] = (struct lm_node){.bad = true, .bad_term = t, .bad_index = i};
            }
        }
    }
    for (uint32_t n = 0; n < c->n; n++)
        if (nd[n].bad)
            violation(c, n,
                      "log matching: entries of term %" PRIu64 " at index %" PRIu64
                      " end different logs",
                      nd[n].bad_term, nd[n].bad_index);
    free(nd);
}

void logcheck_finish(struct cluster *c)
{
    if (c->nleaders > 1) {
        struct leader_term *l = xreallocarray(NULL, c->nleaders, sizeof(*l));
        memcpy(l, c->leaders, c->nleaders * sizeof(*l));
        qsort(l, c->nleaders, sizeof(*l), by_term);
        for (size_t i = 1; i < c->nleaders; i++)
            if (l[i].term == l[i - 1].term && l[i].node != l[i - 1].node)
                violation(c, l[i].node,
                          "election safety: node %" PRIu32 " and this node both led term %" PRIu64,
                          l[i - 1].node, l[i].term);
        free(l);
    }
    if ((c->proto_ops->flags & CONSENSUS_LOG_ORDER) && c->proto_ops->log_length)
        log_matching(c);
}

void logcheck_free(struct cluster *c)
{
    xhuge_free(c->first_at, c->first_cap, sizeof(*c->first_at));
    free(c->leaders);
}
