/* workload: explicit and generated proposals (see workload.h). */
#include "sim/cluster/workload.h"

#include <assert.h>
#include <gsl/gsl_randist.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/csvfmt.h"
#include "core/xalloc.h"
#include "sim/engine/rng.h"

static const char *const vertex_labels[] = {"Person", "Place", "Thing"};
static const char *const edge_labels[] = {"knows", "visits", "likes"};
static const char *const keys[] = {"color", "weight", "rank"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

struct workload {
    const struct scenario *sc;
    size_t *order;      /* explicit ops sorted by (at, index) */
    size_t next_op;     /* next explicit op in order */
    uint32_t generated; /* generated proposals taken so far */
    sim_time next_gen;  /* arrival time of the next generated proposal */
    uint32_t gen_proposer;
    enum prop_op gen_op;
    struct rng schedule; /* (RNG_WORKLOAD, 0) */
    struct rng args;     /* (RNG_WORKLOAD, 1) */
    uint64_t vertex_counter, value_counter;
    size_t cap; /* room in the buffers */
    const char **a, **b, **c;
};

static int cmp_op(const void *x, const void *y, void *arg)
{
    const struct scenario *sort_sc = arg;
    size_t i = *(const size_t *)x, j = *(const size_t *)y;
    sim_time a = sort_sc->workload.ops[i].at, b = sort_sc->workload.ops[j].at;
    if (a != b)
        return a < b ? -1 : 1;
    return (i > j) - (i < j);
}

uint64_t workload_max_proposals(const struct scenario *sc)
{
    const struct generate_spec *g = &sc->workload.generate;
    return sc->workload.nops + (g->enabled ? g->count : 0);
}

size_t workload_max_elements(const struct scenario *sc)
{
    size_t n = 0;
    for (size_t i = 0; i < sc->workload.nops; i++)
        n += 1 + sc->workload.ops[i].nprops;
    const struct generate_spec *g = &sc->workload.generate;
    return n + (g->enabled ? g->count : 0);
}

/* Draw the arrival, proposer and operation of the next generated proposal. */
static void draw_generated(struct workload *w)
{
    const struct generate_spec *g = &w->sc->workload.generate;
    if (!g->enabled || w->generated >= g->count) {
        w->next_gen = SIM_TIME_MAX;
        return;
    }
    double gap = gsl_ran_exponential(rng_gsl(&w->schedule), 1e9 / g->rate);
    sim_time base = w->generated == 0 ? g->start : w->next_gen;
    /* a tiny rate draws gaps past the end of time: that proposal and the rest never come
     * (casting such a double to an integer is undefined, and wrapped to "now") */
    w->next_gen = base == SIM_TIME_MAX || gap + 0.5 >= (double)(SIM_TIME_MAX - base)
                      ? SIM_TIME_MAX
                      : base + (sim_time)(gap + 0.5);
    w->gen_proposer = g->proposer == WORKLOAD_RANDOM_PROPOSER
                          ? (uint32_t)rng_below(&w->schedule, w->sc->nodes)
                          : g->proposer;
    double total = 0;
    for (int k = 0; k < PROP_OP_COUNT; k++)
        total += g->mix[k];
    double u = rng_uniform(&w->schedule) * total;
    int k = 0, last = 0;
    for (; k < PROP_OP_COUNT; k++) {
        if (g->mix[k] <= 0)
            continue;
        last = k;
        if (u < g->mix[k])
            break;
        u -= g->mix[k];
    }
    if (k == PROP_OP_COUNT) /* rounding past the last positive weight */
        k = last;
    w->gen_op = (enum prop_op)k;
}

struct workload *workload_new(const struct scenario *sc)
{
    struct workload *w = xcalloc(1, sizeof(*w));
    w->sc = sc;
    size_t n = sc->workload.nops;
    w->order = xcalloc(n ? n : 1, sizeof(*w->order));
    for (size_t i = 0; i < n; i++)
        w->order[i] = i;
    qsort_r(w->order, n, sizeof(*w->order), cmp_op, (void *)sc);
    rng_init(&w->schedule, sc->seed, RNG_WORKLOAD, 0);
    rng_init(&w->args, sc->seed, RNG_WORKLOAD, 1);
    draw_generated(w);
    return w;
}

void workload_free(struct workload *w)
{
    if (!w)
        return;
    free(w->order);
    free(w->a);
    free(w->b);
    free(w->c);
    free(w);
}

bool workload_peek(const struct workload *w, sim_time *at)
{
    sim_time t = w->next_gen;
    if (w->next_op < w->sc->workload.nops) {
        sim_time e = w->sc->workload.ops[w->order[w->next_op]].at;
        if (e <= t)
            t = e;
    }
    *at = t;
    return t != SIM_TIME_MAX;
}

static void take_explicit(const struct op_spec *o, uint64_t id, struct proposal *p)
{
    proposal_init(p, id, o->proposer, o->op);
    proposal_set(&p->vertex, o->id);
    proposal_set(&p->label, o->label);
    proposal_set(&p->from, o->from);
    proposal_set(&p->to, o->to);
    proposal_set(&p->key, o->key);
    proposal_set(&p->value, o->value);
    for (size_t i = 0; i < o->nprops; i++)
        proposal_add_prop(p, o->props[i].key, o->props[i].value);
}

static void ensure_room(struct workload *w, size_t n)
{
    if (n <= w->cap)
        return;
    w->cap = n;
    w->a = xreallocarray(w->a, n, sizeof(*w->a));
    w->b = xreallocarray(w->b, n, sizeof(*w->b));
    w->c = xreallocarray(w->c, n, sizeof(*w->c));
}

static const char *pick(struct workload *w, const char *const *from, size_t n)
{
    return from[rng_below(&w->args, n)];
}

static void numbered(char **field, char prefix, uint64_t k)
{
    char buf[CSVFMT_NUMBER_LEN + 2];
    buf[0] = prefix;
    *csvfmt_u64(buf + 1, k) = '\0';
    proposal_set(field, buf);
}

static void gen_add_vertex(struct workload *w, struct proposal *p)
{
    p->op = PROP_ADD_VERTEX;
    numbered(&p->vertex, 'v', ++w->vertex_counter);
    proposal_set(&p->label, pick(w, vertex_labels, COUNT(vertex_labels)));
}

/* node's edges into w->a, w->b, w->c (from, label, to); their number. */
static size_t list_edges(struct workload *w, const struct replicas *r, uint32_t node)
{
    size_t ne;
    ensure_room(w, 64);
    while ((ne = replicas_edges(r, node, w->a, w->b, w->c, w->cap)) == w->cap)
        ensure_room(w, 2 * w->cap);
    return ne;
}

/* Fill a generated proposal's arguments against replica `node`; false: nothing to pick.
 * Vertices are counted and picked by rank through the replica's vertex index (O(log V));
 * remove_edge lists the replica's edges (an O(size) scan). */
static bool gen_args(struct workload *w, struct replicas *r, uint32_t node, struct proposal *p)
{
    size_t nv = 0;
    if (p->op == PROP_ADD_EDGE || p->op == PROP_REMOVE_VERTEX || p->op == PROP_SET_PROPERTY)
        nv = replicas_vertex_count(r, node);
    switch (p->op) {
    case PROP_ADD_VERTEX:
        gen_add_vertex(w, p);
        return true;
    case PROP_ADD_EDGE:
        if (nv < 2)
            return false;
        for (int attempt = 0; attempt < 4; attempt++) {
            size_t i = rng_below(&w->args, nv), j = rng_below(&w->args, nv - 1);
            j += j >= i;
            proposal_set(&p->from, replicas_vertex_at(r, node, i));
            proposal_set(&p->to, replicas_vertex_at(r, node, j));
            proposal_set(&p->label, pick(w, edge_labels, COUNT(edge_labels)));
            if (!replicas_has_edge(r, node, p->from, p->label, p->to))
                break;
        }
        return true;
    case PROP_REMOVE_VERTEX:
        if (nv == 0)
            return false;
        proposal_set(&p->vertex, replicas_vertex_at(r, node, rng_below(&w->args, nv)));
        return true;
    case PROP_REMOVE_EDGE: {
        size_t ne = list_edges(w, r, node);
        if (ne == 0)
            return false;
        size_t i = rng_below(&w->args, ne);
        proposal_set(&p->from, w->a[i]);
        proposal_set(&p->label, w->b[i]);
        proposal_set(&p->to, w->c[i]);
        return true;
    }
    case PROP_SET_PROPERTY:
        if (nv == 0)
            return false;
        proposal_set(&p->vertex, replicas_vertex_at(r, node, rng_below(&w->args, nv)));
        proposal_set(&p->key, pick(w, keys, COUNT(keys)));
        numbered(&p->value, 'x', ++w->value_counter);
        return true;
    case PROP_OP_COUNT:
        break;
    }
    return false;
}

void workload_take(struct workload *w, struct replicas *r, uint64_t id, struct proposal *out)
{
    sim_time t;
    bool any = workload_peek(w, &t);
    assert(any);
    (void)any;
    if (w->next_op < w->sc->workload.nops && w->sc->workload.ops[w->order[w->next_op]].at == t) {
        take_explicit(&w->sc->workload.ops[w->order[w->next_op++]], id, out);
        return;
    }
    proposal_init(out, id, w->gen_proposer, w->gen_op);
    if (!gen_args(w, r, w->gen_proposer, out))
        gen_add_vertex(w, out);
    w->generated++;
    draw_generated(w);
}
