/* checker: safety invariants and divergence after a run (see checker.h). */
#include "sim/cluster/checker.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

/* Word w of the node's decided set: applied or refused. */
static uint64_t decided_word(const struct checker_node *n, size_t w)
{
    return n->applied[w] | (n->refused ? n->refused[w] : 0);
}

static uint64_t decided_hash(const struct checker_node *n)
{
    return n->set_hash + n->refused_hash; /* the sets are disjoint */
}

/* Order nodes by (decided-set hash, decided set, node). */
static int cmp_set(const void *x, const void *y, void *arg)
{
    const struct checker_input *sort_in = arg;
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    const struct checker_node *na = &sort_in->node[a], *nb = &sort_in->node[b];
    uint64_t ha = decided_hash(na), hb = decided_hash(nb);
    if (ha != hb)
        return ha < hb ? -1 : 1;
    for (size_t w = 0; w < sort_in->words; w++) {
        uint64_t wa = decided_word(na, w), wb = decided_word(nb, w);
        if (wa != wb)
            return wa < wb ? -1 : 1;
    }
    return (a > b) - (a < b);
}

static bool same_decided(const struct checker_input *in, const struct checker_node *a,
                         const struct checker_node *b)
{
    if (decided_hash(a) != decided_hash(b))
        return false;
    for (size_t w = 0; w < in->words; w++)
        if (decided_word(a, w) != decided_word(b, w))
            return false;
    return true;
}

/* The first commit applied on a and refused as invalid on b (0: none). */
static uint64_t applied_here_refused_there(const struct checker_input *in,
                                           const struct checker_node *a,
                                           const struct checker_node *b)
{
    if (!b->refused)
        return 0;
    for (size_t w = 0; w < in->words; w++) {
        uint64_t x = a->applied[w] & b->refused[w];
        if (x)
            return w * 64 + (uint64_t)__builtin_ctzll(x);
    }
    return 0;
}

static int cmp_state(const void *x, const void *y, void *arg)
{
    const struct checker_input *sort_in = arg;
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    uint64_t ha = sort_in->node[a].state_hash, hb = sort_in->node[b].state_hash;
    if (ha != hb)
        return ha < hb ? -1 : 1;
    return (a > b) - (a < b);
}

static uint64_t popcount(const uint64_t *bits, size_t words)
{
    uint64_t n = 0;
    for (size_t i = 0; i < words; i++)
        n += (uint64_t)__builtin_popcountll(bits[i]);
    return n;
}

static void check_quorums(const struct checker_input *in, checker_report_fn *report, void *ctx,
                          struct checker_result *out)
{
    char buf[160];
    for (uint64_t id = 1; id <= in->nproposals; id++) {
        struct checker_proposal q;
        in->proposal(in->proposal_ctx, id, &q);
        const struct checker_proposal *p = &q;
        if (p->applications == 0 || (p->approved && p->yes >= p->quorum))
            continue;
        if (in->log_order && !p->approved)
            continue; /* committed after its client gave up: allowed in a log */
        if (in->self_commit && !p->approved && !p->rejected)
            continue; /* committed by the replicas' own counts after the proposer gave up */
        snprintf(buf, sizeof(buf),
                 "p-%llu applied by %llu replicas without a YES quorum (%s, yes=%u, quorum=%u)",
                 (unsigned long long)id, (unsigned long long)p->applications,
                 p->approved ? "approved" : "not approved", p->yes, p->quorum);
        report(ctx, UINT32_MAX, buf);
        out->violations++;
    }
}

static void check_valid_approved(const struct checker_input *in, checker_report_fn *report,
                                 void *ctx, struct checker_result *out)
{
    char buf[160];
    for (uint64_t id = 1; id <= in->nproposals && !in->log_order; id++) {
        struct checker_proposal q;
        in->proposal(in->proposal_ctx, id, &q);
        const struct checker_proposal *p = &q;
        if (!p->approved || !p->invalid)
            continue;
        snprintf(buf, sizeof(buf),
                 "p-%llu approved (yes=%u, quorum=%u) though its operation was invalid on its "
                 "proposer's replica: an invalid operation committed",
                 (unsigned long long)id, p->yes, p->quorum);
        report(ctx, UINT32_MAX, buf);
        out->violations++;
    }
}

static void check_double_apply(const struct checker_input *in, checker_report_fn *report, void *ctx,
                               struct checker_result *out)
{
    char buf[160];
    for (uint32_t i = 0; i < in->nodes; i++) {
        uint64_t distinct = popcount(in->node[i].applied, in->words);
        if (distinct == in->node[i].applications)
            continue;
        snprintf(buf, sizeof(buf), "%llu applications of %llu distinct commits",
                 (unsigned long long)in->node[i].applications, (unsigned long long)distinct);
        report(ctx, i, buf);
        out->violations++;
    }
}

/* A node's refused commits and its applied ones are disjoint: a commit refused and later
 * applied (its predecessors came) leaves the refused set, and an amnesia empties both. */
static void check_refused_disjoint(const struct checker_input *in, checker_report_fn *report,
                                   void *ctx, struct checker_result *out)
{
    char buf[160];
    for (uint32_t i = 0; i < in->nodes; i++) {
        const struct checker_node *n = &in->node[i];
        for (size_t w = 0; n->refused && w < in->words; w++) {
            uint64_t both = n->applied[w] & n->refused[w];
            if (!both)
                continue;
            snprintf(buf, sizeof(buf), "p-%llu both applied and refused as invalid",
                     (unsigned long long)(w * 64 + (size_t)__builtin_ctzll(both)));
            report(ctx, i, buf);
            out->violations++;
            break;
        }
    }
}

static void check_same_set_same_state(const struct checker_input *in, uint32_t *order,
                                      checker_report_fn *report, void *ctx,
                                      struct checker_result *out)
{
    char buf[200];
    qsort_r(order, in->nodes, sizeof(*order), cmp_set, (void *)in);
    for (uint32_t k = 1; k < in->nodes; k++) {
        const struct checker_node *a = &in->node[order[k - 1]], *b = &in->node[order[k]];
        if (a->state_hash == b->state_hash || !same_decided(in, a, b))
            continue;
        uint32_t na = order[k - 1], nb = order[k];
        uint64_t x = applied_here_refused_there(in, a, b), y = applied_here_refused_there(in, b, a);
        if (x && y)
            snprintf(buf, sizeof(buf),
                     "conflicting commits p-%llu and p-%llu: node %u applied p-%llu and refused "
                     "p-%llu as invalid, node %u the reverse",
                     (unsigned long long)x, (unsigned long long)y, na, (unsigned long long)x,
                     (unsigned long long)y, nb);
        else if (x || y)
            snprintf(buf, sizeof(buf),
                     "conflicting commits: p-%llu applied on node %u, refused as invalid on node "
                     "%u; same decided commits, state hash %016llx != %016llx",
                     (unsigned long long)(x ? x : y), x ? na : nb, x ? nb : na,
                     (unsigned long long)b->state_hash, (unsigned long long)a->state_hash);
        else
            snprintf(buf, sizeof(buf),
                     "same commits as node %u but state hash %016llx != %016llx (commits that "
                     "do not commute applied in different orders)",
                     order[k - 1], (unsigned long long)b->state_hash,
                     (unsigned long long)a->state_hash);
        report(ctx, order[k], buf);
        out->violations++;
    }
}

static void count_diverged(const struct checker_input *in, uint32_t *order,
                           struct checker_result *out)
{
    qsort_r(order, in->nodes, sizeof(*order), cmp_state, (void *)in);
    uint32_t best = 0, best_len = 0;
    for (uint32_t k = 0; k < in->nodes;) {
        uint32_t j = k;
        uint64_t h = in->node[order[k]].state_hash;
        uint32_t low = order[k];
        while (j < in->nodes && in->node[order[j]].state_hash == h) {
            low = order[j] < low ? order[j] : low;
            j++;
        }
        if (j - k > best_len || (j - k == best_len && low < best)) {
            best_len = j - k;
            best = low;
        }
        k = j;
    }
    out->majority_node = best;
    out->diverged = in->nodes - best_len;
}

void checker_run(const struct checker_input *in, checker_report_fn *report, void *ctx,
                 struct checker_result *out)
{
    memset(out, 0, sizeof(*out));
    if (in->nodes == 0)
        return;
    uint32_t *order = xreallocarray(NULL, in->nodes, sizeof(*order));
    for (uint32_t i = 0; i < in->nodes; i++)
        order[i] = i;
    check_quorums(in, report, ctx, out);
    check_valid_approved(in, report, ctx, out);
    check_double_apply(in, report, ctx, out);
    check_refused_disjoint(in, report, ctx, out);
    check_same_set_same_state(in, order, report, ctx, out);
    count_diverged(in, order, out);
    free(order);
}
