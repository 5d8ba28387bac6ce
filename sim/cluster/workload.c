/* workload: explicit and generated proposals (see workload.h). */
#include "sim/cluster/workload.h"

#include <assert.h>
#include <gsl/gsl_randist.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/xalloc.h"
#include "sim/engine/rng.h"

static const char *const vertex_labels[] = {"Person", "Place", "Thing"};
static const char *const edge_labels[] = {"knows", "visits", "likes"};
static const char *const keys[] = {"color", "weight", "rank"};

#define NAMES 3 /* in each of the lists above */

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
    size_t cap; /* room in edges */
    uint32_t *edges;
    const struct replicas *names_of; /* the store the ids below are of (NULL: none yet) */
    uint32_t vertex_label[NAMES], edge_label[NAMES], key[NAMES];
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
    free(w->edges);
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
    w->edges = xreallocarray(w->edges, n, sizeof(*w->edges));
}

static uint32_t pick(struct workload *w, const uint32_t *from, size_t n)
{
    return from[rng_below(&w->args, n)];
}

/* The ids of the label and key strings in r (interned once per store). */
static void learn_names(struct workload *w, struct replicas *r)
{
    if (w->names_of == r)
        return;
    w->names_of = r;
    for (size_t i = 0; i < NAMES; i++) {
        w->vertex_label[i] = replicas_label(r, vertex_labels[i]);
        w->edge_label[i] = replicas_label(r, edge_labels[i]);
        w->key[i] = replicas_label(r, keys[i]);
    }
}

static uint32_t gen_add_vertex(struct workload *w, struct replicas *r, struct proposal *p)
{
    p->op = PROP_ADD_VERTEX;
    assert(w->vertex_counter < UINT32_MAX);
    uint32_t k = (uint32_t)++w->vertex_counter;
    return replicas_op_add_vertex(r, k, pick(w, w->vertex_label, NAMES));
}

/* node's edges into w->edges; their number. */
static size_t list_edges(struct workload *w, const struct replicas *r, uint32_t node)
{
    size_t ne;
    ensure_room(w, 64);
    while ((ne = replicas_edges(r, node, w->edges, w->cap)) == w->cap)
        ensure_room(w, 2 * w->cap);
    return ne;
}

/*
 * Make a generated proposal's operation against replica `node`: its index in r, or
 * WORKLOAD_EXPLICIT for add_vertex or if there is nothing to pick. Vertices are counted and
 * picked by rank through the replica's vertex index (O(log V)); remove_edge lists the
 * replica's edges (an O(size) scan).
 */
static uint32_t gen_op(struct workload *w, struct replicas *r, uint32_t node, enum prop_op op)
{
    size_t nv = 0;
    if (op == PROP_ADD_EDGE || op == PROP_REMOVE_VERTEX || op == PROP_SET_PROPERTY)
        nv = replicas_vertex_count(r, node);
    switch (op) {
    case PROP_ADD_EDGE: {
        if (nv < 2)
            return WORKLOAD_EXPLICIT;
        uint32_t from = 0, to = 0, label = 0;
        for (int attempt = 0; attempt < 4; attempt++) {
            size_t k[2] = {rng_below(&w->args, nv), rng_below(&w->args, nv - 1)};
            k[1] += k[1] >= k[0];
            uint32_t v[2];
            replicas_vertices_at(r, node, 2, k, v); /* both picks' misses at once */
            from = v[0];
            to = v[1];
            label = pick(w, w->edge_label, NAMES);
            replicas_prefetch_edge(r, from, label, to); /* the lookup's and the records' too */
            if (!replicas_has_edge_at(r, node, from, label, to))
                break;
        }
        return replicas_op_add_edge(r, from, label, to);
    }
    case PROP_REMOVE_VERTEX:
        if (nv == 0)
            return WORKLOAD_EXPLICIT;
        return replicas_op_remove_vertex(r, replicas_vertex_at(r, node, rng_below(&w->args, nv)));
    case PROP_REMOVE_EDGE: {
        size_t ne = list_edges(w, r, node);
        if (ne == 0)
            return WORKLOAD_EXPLICIT;
        return replicas_op_remove_edge(r, w->edges[rng_below(&w->args, ne)]);
    }
    case PROP_SET_PROPERTY: {
        if (nv == 0)
            return WORKLOAD_EXPLICIT;
        uint32_t v = replicas_vertex_at(r, node, rng_below(&w->args, nv));
        uint32_t key = pick(w, w->key, NAMES);
        assert(w->value_counter < UINT32_MAX);
        return replicas_op_set_property(r, v, key, (uint32_t)++w->value_counter);
    }
    case PROP_ADD_VERTEX:
    case PROP_READ:
        break;
    }
    return WORKLOAD_EXPLICIT;
}

uint32_t workload_take(struct workload *w, struct replicas *r, uint64_t id, struct proposal *out)
{
    sim_time t;
    bool any = workload_peek(w, &t);
    assert(any);
    (void)any;
    if (w->next_op < w->sc->workload.nops && w->sc->workload.ops[w->order[w->next_op]].at == t) {
        take_explicit(&w->sc->workload.ops[w->order[w->next_op++]], id, out);
        return WORKLOAD_EXPLICIT;
    }
    learn_names(w, r);
    proposal_init(out, id, w->gen_proposer, w->gen_op);
    uint32_t op = gen_op(w, r, w->gen_proposer, w->gen_op);
    if (op == WORKLOAD_EXPLICIT) /* add_vertex, or nothing to pick: a new vertex instead */
        op = gen_add_vertex(w, r, out);
    w->generated++;
    draw_generated(w);
    return op;
}
