/* heartbeat: topologies and failure detection (see heartbeat.h). */
#include "sim/cluster/heartbeat.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "core/xalloc.h"
#include "sim/engine/engine.h"
#include "sim/engine/rng.h"

/* A monitored link: all that a heartbeat's delivery reads and writes of it, in one record
 * (three arrays cost three lines per delivery). */
struct hb_link {
    sim_time heard; /* last heartbeat (or reset) */
    uint32_t peer;  /* the monitored sender; a node's links sorted by it */
    bool suspected;
};

_Static_assert(sizeof(struct hb_link) == 16, "four links to a cache line");

struct heartbeat {
    const struct scenario *sc;
    uint32_t nodes;
    struct rng_state *stream; /* per node: RNG_HEARTBEAT */
    uint32_t *out_off;        /* nodes + 1 offsets into out */
    uint32_t *out;            /* targets */
    uint32_t *in_off;         /* nodes + 1 offsets into link */
    struct hb_link *link;     /* monitored links, by receiver */
    uint32_t *nsuspected;     /* per node */
    uint32_t *set;            /* while building random topologies: the peers drawn */
    uint32_t set_cap;
};

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Is v in the open-addressing set (cap a power of two, UINT32_MAX empty)? Add it if not. */
static bool set_insert(uint32_t *set, uint32_t cap, uint32_t v)
{
    uint32_t at = (uint32_t)(hash_mix64(v) & (cap - 1));
    for (; set[at] != UINT32_MAX; at = (at + 1) & (cap - 1))
        if (set[at] == v)
            return false;
    set[at] = v;
    return true;
}

/* f distinct peers of node i, uniformly (Floyd's sampling without replacement over the n - 1
 * others): O(f) expected, where rejection with a scan of those drawn cost O(f^2) and more as
 * f neared n (2,000 nodes, fanout 1,999: 12 s). */
static uint32_t sample_others(struct heartbeat *h, uint32_t i, uint32_t f, uint32_t *buf)
{
    uint32_t others = h->nodes - 1, cap = 16;
    while (cap < 2 * f)
        cap *= 2;
    if (cap > h->set_cap) {
        free(h->set);
        h->set = xreallocarray(NULL, cap, sizeof(*h->set));
        h->set_cap = cap;
    }
    memset(h->set, 0xff, cap * sizeof(*h->set));
    uint32_t k = 0;
    for (uint32_t j = others - f; j < others; j++) {
        uint32_t t = (uint32_t)rng_state_below(&h->stream[i], (uint64_t)j + 1);
        uint32_t pick = set_insert(h->set, cap, t) ? t : j;
        if (pick == j)
            set_insert(h->set, cap, j);
        buf[k++] = pick + (pick >= i); /* skip i itself */
    }
    return k;
}

/* Targets of node i into buf (distinct, != i, sorted); returns how many. */
static uint32_t targets_of(struct heartbeat *h, uint32_t i, uint32_t *buf, uint32_t max)
{
    uint32_t n = h->nodes, k = 0;
    const struct heartbeat_spec *hb = &h->sc->heartbeat;
    if (hb->topology == HB_ALL) {
        for (uint32_t j = 0; j < n; j++)
            if (j != i)
                buf[k++] = j;
        return k;
    }
    uint32_t f = hb->fanout < n - 1 ? hb->fanout : n - 1;
    if (hb->topology == HB_RING) {
        for (uint32_t d = 1; d <= f; d++) {
            buf[k++] = (i + d) % n;
            buf[k++] = (i + n - d % n) % n;
        }
    } else {
        k = sample_others(h, i, f, buf);
    }
    qsort(buf, k, sizeof(*buf), cmp_u32);
    uint32_t u = 0; /* small rings repeat neighbours */
    for (uint32_t m = 0; m < k; m++)
        if (buf[m] != i && (u == 0 || buf[u - 1] != buf[m]))
            buf[u++] = buf[m];
    assert(u <= max);
    (void)max;
    return u;
}

struct heartbeat *heartbeat_new(const struct scenario *sc)
{
    struct heartbeat *h = xcalloc(1, sizeof(*h));
    uint32_t n = sc->nodes;
    h->sc = sc;
    h->nodes = n;
    h->stream = xhuge_calloc(n, sizeof(*h->stream));
    for (uint32_t i = 0; i < n; i++)
        rng_state_init(&h->stream[i], sc->seed, RNG_HEARTBEAT, i);
    uint32_t max = sc->heartbeat.topology == HB_ALL ? n : 2 * sc->heartbeat.fanout + 1;
    uint32_t *buf = xreallocarray(NULL, max + 1, sizeof(*buf));
    h->out_off = xcalloc((size_t)n + 1, sizeof(*h->out_off));
    size_t cap = 0, total = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t k = n > 1 ? targets_of(h, i, buf, max) : 0;
        XGROW(h->out, cap, total + k + 1);
        memcpy(h->out + total, buf, k * sizeof(*buf));
        total += k;
        h->out_off[i + 1] = (uint32_t)total;
    }
    free(buf);
    free(h->set);
    h->set = NULL;
    /* Invert: who sends to whom. Filling by sender order keeps each node's links sorted. */
    h->in_off = xcalloc((size_t)n + 2, sizeof(*h->in_off));
    for (size_t e = 0; e < total; e++)
        h->in_off[h->out[e] + 2]++;
    for (uint32_t i = 0; i < n; i++)
        h->in_off[i + 2] += h->in_off[i + 1];
    h->link = xhuge_calloc(total + 1, sizeof(*h->link));
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t e = h->out_off[i]; e < h->out_off[i + 1]; e++)
            h->link[h->in_off[h->out[e] + 1]++].peer = i;
    h->nsuspected = xcalloc(n, sizeof(*h->nsuspected));
    return h;
}

void heartbeat_free(struct heartbeat *h)
{
    if (!h)
        return;
    xhuge_free(h->stream, h->nodes, sizeof(*h->stream));
    xhuge_free(h->link, (size_t)h->out_off[h->nodes] + 1, sizeof(*h->link));
    free(h->out_off);
    free(h->out);
    free(h->in_off);
    free(h->nsuspected);
    free(h);
}

const uint32_t *heartbeat_targets(const struct heartbeat *h, uint32_t node, uint32_t *n)
{
    *n = h->out_off[node + 1] - h->out_off[node];
    return h->out + h->out_off[node];
}

uint32_t heartbeat_nmonitored(const struct heartbeat *h, uint32_t node)
{
    return h->in_off[node + 1] - h->in_off[node];
}

uint32_t heartbeat_monitored(const struct heartbeat *h, uint32_t node, uint32_t k)
{
    assert(k < heartbeat_nmonitored(h, node));
    return h->link[h->in_off[node] + k].peer;
}

sim_time heartbeat_phase(struct heartbeat *h, uint32_t node)
{
    return rng_state_below(&h->stream[node], h->sc->heartbeat.interval);
}

bool heartbeat_lost(struct heartbeat *h, uint32_t from)
{
    double p = h->sc->heartbeat.loss;
    return p > 0 && rng_state_uniform(&h->stream[from]) < p;
}

/* Node's link from peer, or NULL. */
static struct hb_link *link_of(const struct heartbeat *h, uint32_t node, uint32_t peer)
{
    uint32_t lo = h->in_off[node], end = h->in_off[node + 1], hi = end;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (h->link[mid].peer < peer)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < end && h->link[lo].peer == peer ? &h->link[lo] : NULL;
}

bool heartbeat_heard(struct heartbeat *h, uint32_t node, uint32_t peer, sim_time now)
{
    struct hb_link *l = link_of(h, node, peer);
    if (!l)
        return false;
    l->heard = now;
    if (!l->suspected)
        return false;
    l->suspected = false;
    h->nsuspected[node]--;
    return true;
}

sim_time heartbeat_check(struct heartbeat *h, uint32_t node, sim_time now, sim_time timeout,
                         heartbeat_suspect_fn *fn, void *ctx)
{
    sim_time next = SIM_TIME_MAX;
    for (uint32_t i = h->in_off[node]; i < h->in_off[node + 1]; i++) {
        struct hb_link *l = &h->link[i];
        if (l->suspected)
            continue;
        sim_time deadline = l->heard + timeout;
        if (deadline <= now) {
            l->suspected = true;
            h->nsuspected[node]++;
            fn(ctx, node, l->peer);
        } else if (deadline < next) {
            next = deadline;
        }
    }
    return next;
}

void heartbeat_shift(struct heartbeat *h, uint32_t node, int64_t by)
{
    for (uint32_t i = h->in_off[node]; i < h->in_off[node + 1]; i++) {
        struct hb_link *l = &h->link[i];
        if (by >= 0)
            l->heard = l->heard > (sim_time)by ? l->heard - (sim_time)by : 0;
        else
            l->heard += (sim_time)-by;
    }
}

void heartbeat_reset(struct heartbeat *h, uint32_t node, sim_time now)
{
    for (uint32_t i = h->in_off[node]; i < h->in_off[node + 1]; i++) {
        h->link[i].heard = now;
        h->link[i].suspected = false;
    }
    h->nsuspected[node] = 0;
}

void heartbeat_prefetch(const struct heartbeat *h, uint32_t node)
{
    __builtin_prefetch(&h->in_off[node]);
    /* where node's links begin if every node hears from as many peers (exact for rings) */
    size_t guess = (size_t)((uint64_t)node * h->out_off[h->nodes] / h->nodes);
    __builtin_prefetch(&h->link[guess]);
}

void heartbeat_prefetch_tick(const struct heartbeat *h, uint32_t node)
{
    __builtin_prefetch(&h->out_off[node]);
    size_t guess = (size_t)((uint64_t)node * h->out_off[h->nodes] / h->nodes);
    __builtin_prefetch(&h->out[guess]);
    if (h->sc->heartbeat.loss > 0)
        __builtin_prefetch(&h->stream[node]);
}

uint32_t heartbeat_trusted(const struct heartbeat *h, uint32_t node)
{
    return h->nodes - h->nsuspected[node];
}

bool heartbeat_suspects(const struct heartbeat *h, uint32_t node, uint32_t peer)
{
    const struct hb_link *l = link_of(h, node, peer);
    return l && l->suspected;
}
