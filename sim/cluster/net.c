/* net: loss, duplication, latency and partitions of single messages (see net.h). */
#include "sim/cluster/net.h"

#include <assert.h>
#include <stdlib.h>

#include "core/xalloc.h"
#include "sim/engine/engine.h"
#include "sim/engine/rng.h"

struct net_node {
    struct rng loss;    /* RNG_LOSS: loss and duplication */
    struct rng latency; /* RNG_LATENCY: delays */
};

struct net {
    const struct scenario *sc;
    uint32_t nodes;
    struct net_node *node;
    uint16_t *group; /* npartitions * nodes: group of each node in partition i */
    bool *active;    /* per partition */
    size_t nactive;
};

struct net *net_new(const struct scenario *sc)
{
    struct net *n = xcalloc(1, sizeof(*n));
    n->sc = sc;
    n->nodes = sc->nodes;
    n->node = sim_huge_calloc(sc->nodes, sizeof(*n->node));
    for (uint32_t i = 0; i < sc->nodes; i++) {
        rng_init(&n->node[i].loss, sc->seed, RNG_LOSS, i);
        rng_init(&n->node[i].latency, sc->seed, RNG_LATENCY, i);
    }
    size_t np = sc->faults.npartitions;
    n->active = xcalloc(np ? np : 1, sizeof(*n->active));
    n->group = xcalloc(np ? np * sc->nodes : 1, sizeof(*n->group));
    for (size_t p = 0; p < np; p++) {
        const struct partition_spec *ps = &sc->faults.partitions[p];
        uint16_t *g = n->group + p * sc->nodes;
        for (uint32_t i = 0; i < sc->nodes; i++)
            g[i] = (uint16_t)ps->ngroups; /* the implicit extra group */
        for (uint32_t k = 0; k < ps->ngroups; k++)
            for (uint32_t j = 0; j < ps->groups[k].n; j++)
                g[ps->groups[k].ids[j]] = (uint16_t)k;
    }
    return n;
}

void net_free(struct net *n)
{
    if (!n)
        return;
    sim_huge_free(n->node, n->nodes, sizeof(*n->node));
    free(n->group);
    free(n->active);
    free(n);
}

void net_prefetch(const struct net *n, uint32_t node)
{
    __builtin_prefetch(&n->node[node]);
    __builtin_prefetch((const char *)&n->node[node] + 63);
}

void net_partition_set(struct net *n, size_t i, bool active)
{
    assert(i < n->sc->faults.npartitions);
    if (n->active[i] == active)
        return;
    n->active[i] = active;
    n->nactive += active ? 1 : (size_t)-1;
}

bool net_cut(const struct net *n, uint32_t from, uint32_t to)
{
    if (!n->nactive)
        return false;
    for (size_t p = 0; p < n->sc->faults.npartitions; p++) {
        if (!n->active[p])
            continue;
        const uint16_t *g = n->group + p * n->nodes;
        if (g[from] == g[to])
            continue;
        if (!n->sc->faults.partitions[p].oneway || g[from] == 0)
            return true;
    }
    return false;
}

static bool in_set(const struct node_set *s, uint32_t x)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->ids[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < s->n && s->ids[lo] == x;
}

static bool link_matches(const struct link_override *l, uint32_t from, uint32_t to)
{
    if (in_set(&l->from, from) && in_set(&l->to, to))
        return true;
    return l->symmetric && in_set(&l->from, to) && in_set(&l->to, from);
}

void net_send(struct net *n, uint32_t from, uint32_t to, struct net_route *out)
{
    assert(from < n->nodes && to < n->nodes);
    const struct dist *lat = &n->sc->network.latency;
    double loss = n->sc->network.loss;
    for (size_t i = 0; i < n->sc->network.nlinks; i++) {
        const struct link_override *l = &n->sc->network.links[i];
        if (!link_matches(l, from, to))
            continue;
        if (l->latency.ops)
            lat = &l->latency;
        if (l->loss >= 0)
            loss = l->loss;
    }
    out->ncopies = 0;
    if (net_cut(n, from, to)) {
        out->fate = NET_PARTITIONED;
        return;
    }
    struct net_node *s = &n->node[from];
    if (loss > 0 && rng_uniform(&s->loss) < loss) {
        out->fate = NET_LOST;
        return;
    }
    out->fate = NET_DELIVERED;
    out->ncopies = 1;
    out->delay[0] = dist_sample(lat, rng_gsl(&s->latency));
    if (n->sc->network.duplicate > 0 && rng_uniform(&s->loss) < n->sc->network.duplicate) {
        out->ncopies = 2;
        out->delay[1] = dist_sample(lat, rng_gsl(&s->latency));
    }
}
