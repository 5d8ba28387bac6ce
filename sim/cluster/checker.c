/* checker: safety invariants and divergence after a run (see checker.h). */
#include "sim/cluster/checker.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

/* Order nodes by (set hash, applied set, node). */
static int cmp_set(const void *x, const void *y, void *arg)
{
    const struct checker_input *sort_in = arg;
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    const struct checker_node *na = &sort_in->node[a], *nb = &sort_in->node[b];
    if (na->set_hash != nb->set_hash)
        return na->set_hash < nb->set_hash ? -1 : 1;
    int c = memcmp(na->applied, nb->applied, sort_in->words * sizeof(uint64_t));
    if (c)
        return c;
    return (a > b) - (a < b);
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
        const struct checker_proposal *p = &in->proposal[id];
        if (p->applications == 0 || (p->approved && p->yes >= p->quorum))
            continue;
        if (in->log_order && !p->approved)
            continue; /* committed after its client gave up: allowed in a log */
        snprintf(buf, sizeof(buf),
                 "p-%llu applied by %llu replicas without a YES quorum (%s, yes=%u, quorum=%u)",
                 (unsigned long long)id, (unsigned long long)p->applications,
                 p->approved ? "approved" : "not approved", p->yes, p->quorum);
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

static void check_same_set_same_state(const struct checker_input *in, uint32_t *order,
                                      checker_report_fn *report, void *ctx,
                                      struct checker_result *out)
{
    char buf[160];
    qsort_r(order, in->nodes, sizeof(*order), cmp_set, (void *)in);
    for (uint32_t k = 1; k < in->nodes; k++) {
        const struct checker_node *a = &in->node[order[k - 1]], *b = &in->node[order[k]];
        if (a->set_hash != b->set_hash ||
            memcmp(a->applied, b->applied, in->words * sizeof(uint64_t)) != 0 ||
            a->state_hash == b->state_hash)
            continue;
        snprintf(buf, sizeof(buf), "same commits as node %u but state hash %016llx != %016llx",
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
    check_double_apply(in, report, ctx, out);
    check_same_set_same_state(in, order, report, ctx, out);
    count_diverged(in, order, out);
    free(order);
}
