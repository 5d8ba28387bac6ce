/* net: loss, duplication, latency and partitions of single messages (see net.h). */
#include "sim/cluster/net.h"

#include <assert.h>
#include <stdlib.h>

#include "core/hash.h"
#include "core/xalloc.h"
#include "sim/engine/engine.h"
#include "sim/engine/rng.h"

/* A node's streams as bare states (sim/engine/rng.h), in one cache line: its two as a sender
 * and its host's (net_host_stream), so that a delivery that draws from the host's stream and
 * replies loads one line for all three. The draws are those of struct rng streams. */
struct net_node {
    _Alignas(64) struct rng_state loss; /* RNG_LOSS: loss and duplication */
    struct rng_state latency;           /* RNG_LATENCY: delays */
    struct rng_state host;              /* host_kind (net_new), if not 0 */
};

_Static_assert(sizeof(struct net_node) == 64, "a node's streams are one cache line");

/*
 * network.fifo: the last arrival time of each sender-receiver pair that has sent, in an
 * open-addressing table (linear probing, at most half full). Only lookups, never iteration,
 * so its layout cannot reach the output.
 */
struct fifo_slot {
    uint64_t pair; /* from << 32 | to, plus one (0: empty) */
    sim_time last; /* latest arrival on the pair so far */
};

struct fifo {
    struct fifo_slot *slot;
    size_t cap, used; /* cap: a power of two */
};

static size_t fifo_index(const struct fifo *t, uint64_t key)
{
    size_t i = (size_t)(hash_mix64(key) & (t->cap - 1));
    while (t->slot[i].pair && t->slot[i].pair != key)
        i = (i + 1) & (t->cap - 1);
    return i;
}

static void fifo_grow(struct fifo *t)
{
    struct fifo old = *t;
    t->cap = old.cap ? 2 * old.cap : 64;
    t->slot = xcalloc(t->cap, sizeof(*t->slot));
    for (size_t i = 0; i < old.cap; i++)
        if (old.slot[i].pair)
            t->slot[fifo_index(t, old.slot[i].pair)] = old.slot[i];
    free(old.slot);
}

/* The pair's slot, created (last 0) on first use. */
static struct fifo_slot *fifo_pair(struct fifo *t, uint32_t from, uint32_t to)
{
    if (2 * (t->used + 1) > t->cap)
        fifo_grow(t);
    uint64_t key = ((uint64_t)from << 32 | to) + 1;
    struct fifo_slot *s = &t->slot[fifo_index(t, key)];
    if (!s->pair) {
        s->pair = key;
        t->used++;
    }
    return s;
}

struct net {
    const struct scenario *sc;
    const struct sim_engine *eng; /* the clock, for network.fifo */
    struct fifo fifo;
    uint32_t nodes;
    uint32_t host_kind;    /* of the host's streams (0: none) */
    struct net_node *node; /* xhuge_calloc: 64-byte aligned */
    uint32_t
        *group;   /* npartitions * nodes: group of each node in partition i (as wide as node ids) */
    bool *active; /* per partition */
    size_t nactive;
    uint32_t *zone;               /* zone of each node (NULL: no cluster.zones) */
    uint32_t nzones;              /* cluster.zones */
    const struct dist **zone_lat; /* nzones * nzones: network.zone_latency (NULL: the default) */
    /* no zone latencies, link overrides, clogs, fifo or jitter: a message's fate is its
     * sender's loss and duplicate draws and the default latency (net_send's fast path) */
    bool plain;
    double loss, duplicate; /* network.loss, network.duplicate */
};

/* network.zone_latency as a matrix: later entries win, as network.links do. */
static void zones_init(struct net *n, const struct scenario *sc)
{
    n->zone = scenario_zone_map(sc);
    n->nzones = (uint32_t)sc->nzones;
    if (!sc->network.nzone_latency)
        return;
    n->zone_lat = xcalloc((size_t)n->nzones * n->nzones, sizeof(*n->zone_lat));
    for (size_t i = 0; i < sc->network.nzone_latency; i++) {
        const struct zone_latency *zl = &sc->network.zone_latency[i];
        uint32_t a = (uint32_t)scenario_zone_index(sc, zl->from);
        uint32_t b = (uint32_t)scenario_zone_index(sc, zl->to);
        n->zone_lat[(size_t)a * n->nzones + b] = &zl->latency;
        if (zl->symmetric)
            n->zone_lat[(size_t)b * n->nzones + a] = &zl->latency;
    }
}

struct net *net_new(const struct scenario *sc, const struct sim_engine *eng, uint32_t host_kind)
{
    struct net *n = xcalloc(1, sizeof(*n));
    n->sc = sc;
    n->eng = eng;
    n->nodes = sc->nodes;
    n->host_kind = host_kind;
    n->node = xhuge_calloc(sc->nodes, sizeof(*n->node));
    for (uint32_t i = 0; i < sc->nodes; i++) {
        rng_state_init(&n->node[i].loss, sc->seed, RNG_LOSS, i);
        rng_state_init(&n->node[i].latency, sc->seed, RNG_LATENCY, i);
        if (host_kind)
            rng_state_init(&n->node[i].host, sc->seed, host_kind, i);
    }
    size_t np = sc->faults.npartitions;
    n->active = xcalloc(np ? np : 1, sizeof(*n->active));
    n->group = xcalloc(np ? np * sc->nodes : 1, sizeof(*n->group));
    zones_init(n, sc);
    n->plain = !n->zone_lat && !sc->network.nlinks && !sc->faults.nclogs && !sc->network.fifo &&
               !sc->network.jitter.ops;
    n->loss = sc->network.loss;
    n->duplicate = sc->network.duplicate;
    for (size_t p = 0; p < np; p++) {
        const struct partition_spec *ps = &sc->faults.partitions[p];
        uint32_t *g = n->group + p * sc->nodes;
        if (ps->isolate) { /* the zone is group 0, everyone else the implicit group 1 */
            uint32_t z = (uint32_t)scenario_zone_index(sc, ps->isolate);
            for (uint32_t i = 0; i < sc->nodes; i++)
                g[i] = n->zone[i] == z ? 0 : 1;
            continue;
        }
        for (uint32_t i = 0; i < sc->nodes; i++)
            g[i] = ps->ngroups; /* the implicit extra group */
        for (uint32_t k = 0; k < ps->ngroups; k++)
            for (uint32_t j = 0; j < ps->groups[k].n; j++)
                g[ps->groups[k].ids[j]] = k;
    }
    return n;
}

void net_free(struct net *n)
{
    if (!n)
        return;
    xhuge_free(n->node, n->nodes, sizeof(*n->node));
    free(n->group);
    free(n->active);
    free(n->fifo.slot);
    free(n->zone);
    free(n->zone_lat);
    free(n);
}

void net_prefetch(const struct net *n, uint32_t node)
{
    __builtin_prefetch(&n->node[node]);
}

struct rng_state *net_host_stream(struct net *n, uint32_t node)
{
    assert(n->host_kind && node < n->nodes);
    return &n->node[node].host;
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
        const uint32_t *g = n->group + p * n->nodes;
        if (g[from] == g[to])
            continue;
        if (!n->sc->faults.partitions[p].oneway || g[from] == 0)
            return true;
    }
    return false;
}

static bool link_matches(const struct link_override *l, uint32_t from, uint32_t to)
{
    if (node_set_has(&l->from, from) && node_set_has(&l->to, to))
        return true;
    return l->symmetric && node_set_has(&l->from, to) && node_set_has(&l->to, from);
}

/* One copy's delay: the latency, plus network.jitter when there is one (both from the
 * sender's latency stream; without jitter the draws are those of a network without it). */
static sim_time delay(struct net *n, const struct dist *lat, struct net_node *s)
{
    gsl_rng g = rng_state_gsl(&s->latency);
    sim_time d = dist_sample(lat, &g);
    const struct dist *jitter = &n->sc->network.jitter;
    if (jitter->ops) {
        sim_time j = dist_sample(jitter, &g);
        d = j > SIM_TIME_MAX - d ? SIM_TIME_MAX : d + j;
    }
    return d;
}

/* network.fifo: no copy arrives before one sent earlier on the pair; it waits for it (an
 * equal arrival time keeps the send order, the mailbox's (time, seq) order). */
static void keep_order(struct net *n, uint32_t from, uint32_t to, struct net_route *out)
{
    struct fifo_slot *s = fifo_pair(&n->fifo, from, to);
    sim_time now = sim_now(n->eng);
    for (uint32_t k = 0; k < out->ncopies; k++) {
        sim_time at = out->delay[k] > SIM_TIME_MAX - now ? SIM_TIME_MAX : now + out->delay[k];
        if (at < s->last) {
            out->delay[k] = s->last - now;
            at = s->last;
        }
        s->last = at;
    }
}

static bool clog_matches(const struct net *n, const struct clog_spec *cl, uint32_t from,
                         uint32_t to)
{
    const struct scenario *sc = n->sc;
    if (scenario_node_selected(sc, &cl->from, cl->from_zone, n->zone, from) &&
        scenario_node_selected(sc, &cl->to, cl->to_zone, n->zone, to))
        return true;
    return cl->symmetric && scenario_node_selected(sc, &cl->from, cl->from_zone, n->zone, to) &&
           scenario_node_selected(sc, &cl->to, cl->to_zone, n->zone, from);
}

/* faults.clogs: a copy that would arrive while its path is clogged arrives when the clog ends
 * (a copy sent during a clog and arriving after it is not held). */
static void unclog(const struct net *n, uint32_t from, uint32_t to, struct net_route *out)
{
    sim_time now = sim_now(n->eng);
    for (size_t i = 0; i < n->sc->faults.nclogs; i++) {
        const struct clog_spec *cl = &n->sc->faults.clogs[i];
        if (now >= cl->end || !clog_matches(n, cl, from, to))
            continue;
        for (uint32_t k = 0; k < out->ncopies; k++) {
            sim_time at = out->delay[k] > SIM_TIME_MAX - now ? SIM_TIME_MAX : now + out->delay[k];
            if (at >= cl->at && at < cl->end)
                out->delay[k] = cl->end - now;
        }
    }
}

uint32_t net_zone(const struct net *n, uint32_t node)
{
    return n->zone ? n->zone[node] : 0;
}

/* The sender's draws for one message over latency lat with loss probability loss: lost, or
 * delivered after a delay, and maybe once more (network.duplicate). */
static inline void draw_fate(struct net *n, struct net_node *s, const struct dist *lat, double loss,
                             struct net_route *out)
{
    if (loss > 0 && rng_state_uniform(&s->loss) < loss) {
        out->fate = NET_LOST;
        return;
    }
    out->fate = NET_DELIVERED;
    out->ncopies = 1;
    out->delay[0] = delay(n, lat, s);
    if (n->duplicate > 0 && rng_state_uniform(&s->loss) < n->duplicate) {
        out->ncopies = 2;
        out->delay[1] = delay(n, lat, s);
    }
}

/* net_send's every case (links, zones, partitions, clogs, fifo). */
static __attribute__((noinline)) void send_general(struct net *n, uint32_t from, uint32_t to,
                                                   struct net_route *out)
{
    assert(from < n->nodes && to < n->nodes);
    const struct dist *lat = &n->sc->network.latency;
    if (n->zone_lat) {
        const struct dist *z = n->zone_lat[(size_t)n->zone[from] * n->nzones + n->zone[to]];
        lat = z ? z : lat;
    }
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
    draw_fate(n, &n->node[from], lat, loss, out);
    if (out->fate != NET_DELIVERED)
        return;
    if (n->sc->faults.nclogs)
        unclog(n, from, to, out);
    if (n->sc->network.fifo)
        keep_order(n, from, to, out);
}

void net_send(struct net *n, uint32_t from, uint32_t to, struct net_route *out)
{
    assert(from < n->nodes && to < n->nodes);
    if (!n->plain || n->nactive) {
        send_general(n, from, to, out);
        return;
    }
    out->ncopies = 0; /* the plain network: send_general's draws without its checks */
    draw_fate(n, &n->node[from], &n->sc->network.latency, n->loss, out);
}
