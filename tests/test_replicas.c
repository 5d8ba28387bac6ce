/*
 * replicas: the compact replica store follows core/graph and core/proposal exactly — the
 * same validity for every operation of long random sequences, the same contents (compared
 * through graph_state_hash of the exported graph), and order-independent state hashes.
 */
#include <criterion/criterion.h>
#include <gsl/gsl_rng.h>
#include <stdio.h>
#include <string.h>

#include "core/graph.h"
#include "core/proposal.h"
#include "sim/cluster/replicas.h"

static const char *const ids[] = {"a", "b", "c", "d"};
static const char *const labels[] = {"x", "y"};
static const char *const values[] = {"1", "2"};

static const char *any(gsl_rng *r, const char *const *from, size_t n)
{
    return from[gsl_rng_uniform_int(r, n)];
}

/* A random operation over a tiny name space, so that most kinds of conflict occur. */
static void random_op(gsl_rng *r, struct proposal *p, uint64_t id)
{
    enum prop_op op = (enum prop_op)gsl_rng_uniform_int(r, PROP_OP_COUNT);
    proposal_init(p, id, 0, op);
    switch (op) {
    case PROP_ADD_VERTEX:
        proposal_set(&p->vertex, any(r, ids, 4));
        proposal_set(&p->label, any(r, labels, 2));
        if (gsl_rng_uniform(r) < 0.3)
            proposal_add_prop(p, "k", any(r, values, 2));
        break;
    case PROP_REMOVE_VERTEX:
        proposal_set(&p->vertex, any(r, ids, 4));
        break;
    case PROP_ADD_EDGE:
    case PROP_REMOVE_EDGE:
        proposal_set(&p->from, any(r, ids, 4));
        proposal_set(&p->to, any(r, ids, 4));
        proposal_set(&p->label, any(r, labels, 2));
        if (op == PROP_ADD_EDGE && gsl_rng_uniform(r) < 0.3)
            proposal_add_prop(p, "w", any(r, values, 2));
        break;
    case PROP_SET_PROPERTY:
        if (gsl_rng_uniform(r) < 0.5) {
            proposal_set(&p->vertex, any(r, ids, 4));
        } else {
            proposal_set(&p->from, any(r, ids, 4));
            proposal_set(&p->to, any(r, ids, 4));
            if (gsl_rng_uniform(r) < 0.7)
                proposal_set(&p->label, any(r, labels, 2));
        }
        proposal_set(&p->key, gsl_rng_uniform(r) < 0.5 ? "k" : "w");
        if (gsl_rng_uniform(r) < 0.8)
            proposal_set(&p->value, any(r, values, 2));
        break;
    case PROP_OP_COUNT:
        break;
    }
}

Test(replicas, random_operation_sequences_agree_with_core_graph)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_taus2);
    gsl_rng_set(r, 2024);
    unsigned valid = 0, total = 0;
    for (int run = 0; run < 50; run++) {
        const int steps = 400;
        struct replicas *rep = replicas_new(1, (size_t)steps * 8);
        replicas_start(rep);
        struct graph *g = graph_new();
        for (int s = 0; s < steps; s++) {
            struct proposal p;
            random_op(r, &p, (uint64_t)s + 1);
            uint32_t op = replicas_intern(rep, &p);
            bool want = proposal_validate(g, &p) == GRAPH_OK;
            char what[128];
            proposal_describe(&p, what, sizeof(what));
            cr_assert_eq(replicas_valid(rep, 0, op), want, "run %d step %d: %s", run, s, what);
            cr_assert_eq(replicas_apply(rep, 0, op), want, "run %d step %d: %s", run, s, what);
            valid += want;
            total++;
            proposal_apply(g, &p);
            proposal_fini(&p);
        }
        struct graph *copy = replicas_graph(rep, 0);
        cr_assert(graph_hash_equal(graph_state_hash(copy), graph_state_hash(g)),
                  "run %d: exported replica differs from the core graph", run);
        graph_free(copy);
        graph_free(g);
        replicas_free(rep);
    }
    cr_assert(valid > total / 5 && valid < total * 4 / 5, "%u of %u valid: too one-sided", valid,
              total);
    gsl_rng_free(r);
}

static uint32_t add_vertex(struct replicas *rep, const char *id, const char *label)
{
    struct proposal p;
    proposal_init(&p, 0, 0, PROP_ADD_VERTEX);
    proposal_set(&p.vertex, id);
    proposal_set(&p.label, label);
    uint32_t op = replicas_intern(rep, &p);
    proposal_fini(&p);
    return op;
}

Test(replicas, the_state_hash_does_not_depend_on_the_order_of_operations)
{
    struct replicas *rep = replicas_new(3, 16);
    uint32_t a = add_vertex(rep, "A", "P"), b = add_vertex(rep, "B", "Q");
    replicas_start(rep);
    replicas_apply(rep, 0, a);
    replicas_apply(rep, 0, b);
    replicas_apply(rep, 1, b);
    replicas_apply(rep, 1, a);
    cr_assert_eq(replicas_hash(rep, 0), replicas_hash(rep, 1));
    cr_assert_neq(replicas_hash(rep, 0), replicas_hash(rep, 2));
    replicas_copy(rep, 2, 0);
    cr_assert_eq(replicas_hash(rep, 2), replicas_hash(rep, 0));
    replicas_reset(rep, 2);
    cr_assert(replicas_valid(rep, 2, a));
    replicas_free(rep);
    replicas_free(NULL);
}

Test(replicas, every_replica_starts_from_the_seeded_template)
{
    struct replicas *rep = replicas_new(2, 16);
    uint32_t a = add_vertex(rep, "A", "P");
    cr_assert(replicas_seed(rep, a));
    cr_assert_not(replicas_seed(rep, a), "a duplicate vertex is invalid on the template too");
    replicas_start(rep);
    uint32_t seen[4];
    char buf[REPLICAS_NAME_LEN];
    cr_assert_eq(replicas_vertices(rep, 1, seen, 4), 1);
    cr_assert_str_eq(replicas_vertex_id(rep, seen[0], buf), "A");
    cr_assert_not(replicas_valid(rep, 1, a));
    replicas_free(rep);
}

/* The vertex index and the edge lookup the workload uses agree with the plain scans, on every
 * node, as vertices come and go, new ones are interned after the index is built, and replicas
 * are copied and reset (which rebuild it). */
Test(replicas, ranked_vertices_and_edge_lookups_agree_with_the_plain_scans)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_taus2);
    gsl_rng_set(r, 77);
    struct replicas *rep = replicas_new(3, 8000);
    replicas_start(rep);
    uint32_t listed[64], edges[256];
    for (int s = 0; s < 1500; s++) {
        struct proposal p;
        random_op(r, &p, (uint64_t)s + 1);
        if (p.op == PROP_ADD_VERTEX && gsl_rng_uniform(r) < 0.5) { /* a fresh id: more slots */
            char id[16];
            snprintf(id, sizeof(id), "n%d", s % 40);
            proposal_set(&p.vertex, id);
        }
        uint32_t node = (uint32_t)gsl_rng_uniform_int(r, 3);
        replicas_apply(rep, node, replicas_intern(rep, &p));
        proposal_fini(&p);
        if (s % 97 == 0)
            replicas_copy(rep, (node + 1) % 3, node);
        if (s % 211 == 0)
            replicas_reset(rep, (node + 2) % 3);
        for (uint32_t n = 0; n < 3; n++) {
            size_t nv = replicas_vertices(rep, n, listed, 64);
            cr_assert_eq(replicas_vertex_count(rep, n), nv, "step %d node %u", s, n);
            for (size_t k = 0; k < nv; k++)
                cr_assert_eq(replicas_vertex_at(rep, n, k), listed[k], "step %d", s);
            size_t ne = replicas_edges(rep, n, edges, 256);
            for (size_t k = 0; k < ne; k++) {
                uint32_t a, l, b;
                char fb[REPLICAS_NAME_LEN], tb[REPLICAS_NAME_LEN];
                replicas_edge_ends(rep, edges[k], &a, &l, &b);
                cr_assert(replicas_has_edge_at(rep, n, a, l, b));
                cr_assert(replicas_has_edge(rep, n, replicas_vertex_id(rep, a, fb),
                                            replicas_label_text(rep, l),
                                            replicas_vertex_id(rep, b, tb)));
            }
            cr_assert_not(replicas_has_edge(rep, n, "a", "no-such-label", "b"));
            cr_assert_not(replicas_has_edge(rep, n, "no-such-vertex", "x", "a"));
        }
    }
    size_t edges_seen = 0;
    for (uint32_t n = 0; n < 3; n++)
        edges_seen += replicas_edges(rep, n, edges, 256);
    cr_assert_gt(edges_seen, 0, "the run never held an edge: the lookup was not exercised");
    replicas_free(rep);
    gsl_rng_free(r);
}

/*
 * Operations made from indices (the workload's path) against the string proposals they
 * stand for: one random sequence, made in store `made` (2 nodes: handles are picked on
 * either replica and applied to node 0, so invalid operations occur) and interned from the
 * strings in store `strs` and applied to a core/graph. Some steps intern a string id on both
 * stores ("v<k>" is the vertex of number k, "v07" is not). skew (the negative control) makes
 * the index path give set_property the value one above the string's. Returns the first step
 * where validity, description, state hash or exported contents disagree; -1 if none.
 */
static int made_vs_strings(unsigned long seed, int steps, uint32_t skew)
{
    static const char *const vlabels[] = {"Person", "Place"}, *const elabels[] = {"knows", "likes"},
                             *const keys[] = {"color", "rank"};
    gsl_rng *r = gsl_rng_alloc(gsl_rng_taus2);
    gsl_rng_set(r, seed);
    struct replicas *made = replicas_new(2, 4096), *strs = replicas_new(1, 4096);
    replicas_start(made);
    replicas_start(strs);
    struct graph *g = graph_new();
    int bad = -1;
    for (int s = 0; s < steps && bad < 0; s++) {
        uint32_t pick_on = (uint32_t)gsl_rng_uniform_int(r, 2), op = 0;
        size_t nv = replicas_vertex_count(made, pick_on);
        uint32_t edges[512];
        size_t ne = replicas_edges(made, pick_on, edges, 512);
        char b1[REPLICAS_NAME_LEN], b2[REPLICAS_NAME_LEN], num[16];
        struct proposal p;
        unsigned long kind = gsl_rng_uniform_int(r, 6);
        bool from_string = kind == 5 || (kind >= 1 && nv == 0) || (kind == 3 && ne == 0);
        proposal_init(&p, (uint64_t)s + 1, 0, PROP_ADD_VERTEX);
        if (from_string) {
            unsigned long k = gsl_rng_uniform_int(r, 20);
            snprintf(num, sizeof(num), k == 0 ? "v07" : k == 1 ? "root" : "v%lu", k);
            proposal_set(&p.vertex, num);
            proposal_set(&p.label, any(r, vlabels, 2));
            op = replicas_intern(made, &p);
        } else if (kind == 0) {
            static const char *const made_labels[] = {"Person", "Place", ""}; /* "": none */
            uint32_t k = 1 + (uint32_t)gsl_rng_uniform_int(r, 30);
            uint32_t l = (uint32_t)gsl_rng_uniform_int(r, 3);
            op = replicas_op_add_vertex(made, k, replicas_label(made, made_labels[l]));
            snprintf(num, sizeof(num), "v%u", k);
            proposal_set(&p.vertex, num);
            proposal_set(&p.label, made_labels[l]);
        } else if (kind == 1 || kind == 2 || kind == 4) {
            uint32_t v = replicas_vertex_at(made, pick_on, gsl_rng_uniform_int(r, nv));
            const char *id = replicas_vertex_id(made, v, b1);
            if (kind == 1) {
                uint32_t to = replicas_vertex_at(made, pick_on, gsl_rng_uniform_int(r, nv));
                const char *l = any(r, elabels, 2);
                op = replicas_op_add_edge(made, v, replicas_label(made, l), to);
                p.op = PROP_ADD_EDGE;
                proposal_set(&p.from, id);
                proposal_set(&p.label, l);
                proposal_set(&p.to, replicas_vertex_id(made, to, b2));
            } else if (kind == 2) {
                op = replicas_op_remove_vertex(made, v);
                p.op = PROP_REMOVE_VERTEX;
                proposal_set(&p.vertex, id);
            } else {
                uint32_t k = 1 + (uint32_t)gsl_rng_uniform_int(r, 4);
                const char *key = any(r, keys, 2);
                op = replicas_op_set_property(made, v, replicas_label(made, key), k + skew);
                p.op = PROP_SET_PROPERTY;
                proposal_set(&p.vertex, id);
                proposal_set(&p.key, key);
                snprintf(num, sizeof(num), "x%u", k);
                proposal_set(&p.value, num);
            }
        } else { /* remove_edge */
            uint32_t e = edges[gsl_rng_uniform_int(r, ne)], a, l, b;
            op = replicas_op_remove_edge(made, e);
            replicas_edge_ends(made, e, &a, &l, &b);
            p.op = PROP_REMOVE_EDGE;
            proposal_set(&p.from, replicas_vertex_id(made, a, b1));
            proposal_set(&p.label, replicas_label_text(made, l));
            proposal_set(&p.to, replicas_vertex_id(made, b, b2));
        }
        char want[128], got[128] = "";
        proposal_describe(&p, want, sizeof(want));
        size_t n = replicas_describe(made, op, got, sizeof(got)); /* 0: interned from p */
        if (from_string ? n != 0 : n != strlen(want) || strcmp(got, want))
            bad = s;
        bool ok = proposal_apply(g, &p) == GRAPH_OK;
        if (replicas_apply(made, 0, op) != ok ||
            replicas_apply(strs, 0, replicas_intern(strs, &p)) != ok)
            bad = s;
        if (gsl_rng_uniform(r) < 0.5)
            replicas_apply(made, 1, op);
        if (replicas_hash(made, 0) != replicas_hash(strs, 0))
            bad = s;
        struct graph *copy = replicas_graph(made, 0);
        if (!graph_hash_equal(graph_state_hash(copy), graph_state_hash(g)))
            bad = s;
        graph_free(copy);
        proposal_fini(&p);
    }
    graph_free(g);
    replicas_free(made);
    replicas_free(strs);
    gsl_rng_free(r);
    return bad;
}

Test(replicas, operations_made_from_indices_describe_and_apply_as_their_string_proposals)
{
    for (unsigned long seed = 1; seed <= 20; seed++)
        cr_assert_eq(made_vs_strings(seed, 400, 0), -1, "seed %lu", seed);
}

Test(replicas, a_made_operation_with_the_wrong_value_is_caught_by_the_comparison)
{
    int caught = 0;
    for (unsigned long seed = 1; seed <= 20; seed++)
        caught += made_vs_strings(seed, 400, 1) >= 0;
    cr_assert_eq(caught, 20, "the skewed value went unnoticed in %d of 20 sequences", 20 - caught);
}

/* The arrays are presized from max_elements; operations that add no element (a removal of a
 * vertex that never existed still interns its id) outgrow them and the map, which then grow
 * by copying without losing what they hold. */
Test(replicas, operations_beyond_the_presized_bound_grow_the_store_intact)
{
    struct replicas *rep = replicas_new(1, 4);
    replicas_start(rep);
    uint32_t a = add_vertex(rep, "a", "P");
    cr_assert(replicas_apply(rep, 0, a));
    uint64_t h = replicas_hash(rep, 0);
    for (int i = 0; i < 600; i++) {
        struct proposal p;
        char id[16];
        snprintf(id, sizeof(id), "n%d", i);
        proposal_init(&p, (uint64_t)i + 2, 0, PROP_REMOVE_VERTEX);
        proposal_set(&p.vertex, id);
        cr_assert_not(replicas_apply(rep, 0, replicas_intern(rep, &p)), "%s never existed", id);
        proposal_fini(&p);
    }
    cr_assert_eq(replicas_hash(rep, 0), h);
    cr_assert_not(replicas_valid(rep, 0, a), "a is still there");
    uint32_t v = replicas_vertex_at(rep, 0, 0);
    char buf[REPLICAS_NAME_LEN];
    cr_assert_str_eq(replicas_vertex_id(rep, v, buf), "a");
    cr_assert(replicas_valid(rep, 0, replicas_op_remove_vertex(rep, v)));
    /* "n599" after the map grew is the vertex its early removal named */
    uint32_t n599 = add_vertex(rep, "n599", "Q"), removal = a + 600;
    cr_assert(replicas_apply(rep, 0, n599));
    cr_assert(replicas_valid(rep, 0, removal), "the removal interned before the growth finds it");
    cr_assert_eq(replicas_vertex_count(rep, 0), 2);
    replicas_free(rep);
}

/* The contents node i of the neighbours test should hold: root and the vertices "a<k>" for
 * the bits k of mask, as a core graph's state hash. */
static struct graph_hash expected_hash(uint32_t mask)
{
    struct graph *g = graph_new();
    cr_assert_eq(graph_add_vertex(g, "root", "R", NULL, 0), GRAPH_OK);
    for (int k = 0; k < 16; k++) {
        char id[8];
        snprintf(id, sizeof(id), "a%d", k);
        if (mask >> k & 1)
            cr_assert_eq(graph_add_vertex(g, id, "P", NULL, 0), GRAPH_OK);
    }
    struct graph_hash h = graph_state_hash(g);
    graph_free(g);
    return h;
}

/* Replicas are stored by element (a row of nodes + 1 bits per element, the template the
 * last column, rows packed across words): nodes that share a word, rows that share a word,
 * and the template keep their own contents through applications, copies and resets, for
 * elements interned before and after the start; the state hashes, computed or kept
 * (replicas_keep_hashes), one by one or all at once, agree. */
Test(replicas, replicas_side_by_side_in_a_word_keep_their_own_contents)
{
    static const uint32_t sizes[] = {1, 5, 63, 64, 127, 128, 130};
    uint64_t computed[130];
    for (size_t z = 0; z < 2 * sizeof(sizes) / sizeof(sizes[0]); z++) {
        uint32_t n = sizes[z / 2], mask[130];
        struct replicas *rep = replicas_new(n, 64);
        if (z % 2)
            replicas_keep_hashes(rep);
        uint32_t ops[16];
        cr_assert(replicas_seed(rep, add_vertex(rep, "root", "R")));
        for (int k = 0; k < 16; k++) { /* half interned before the start, half after */
            char id[8];
            snprintf(id, sizeof(id), "a%d", k);
            if (k == 8)
                replicas_start(rep);
            ops[k] = add_vertex(rep, id, "P");
        }
        for (uint32_t i = 0; i < n; i++) {
            mask[i] = (i * UINT32_C(2654435761)) >> 16 & 0xffff;
            for (int k = 0; k < 16; k++)
                if (mask[i] >> k & 1)
                    cr_assert(replicas_apply(rep, i, ops[k]), "size %u node %u op %d", n, i, k);
        }
        uint32_t copies[][2] = {{n - 1, 0}, {63, 64}, {0, 63}}; /* {src, dst} */
        for (size_t c = 0; c < 3; c++)
            if (copies[c][0] < n && copies[c][1] < n) {
                replicas_copy(rep, copies[c][1], copies[c][0]);
                mask[copies[c][1]] = mask[copies[c][0]];
            }
        replicas_reset(rep, n / 2);
        mask[n / 2] = 0;
        uint64_t all[130];
        replicas_hashes(rep, all);
        for (uint32_t i = 0; i < n; i++) {
            cr_assert_eq(all[i], replicas_hash(rep, i), "size %u node %u", n, i);
            if (z % 2) /* kept: equal to the same store's computed sums, the pass before */
                cr_assert_eq(all[i], computed[i], "size %u node %u: kept hash", n, i);
            computed[i] = all[i];
            struct graph *g = replicas_graph(rep, i);
            cr_assert(graph_hash_equal(graph_state_hash(g), expected_hash(mask[i])),
                      "size %u node %u holds other contents", n, i);
            graph_free(g);
            for (int k = 0; k < 16; k++)
                cr_assert_eq(replicas_valid(rep, i, ops[k]), !(mask[i] >> k & 1),
                             "size %u node %u op %d", n, i, k);
            cr_assert_eq(replicas_hash(rep, i) == replicas_hash(rep, 0), mask[i] == mask[0],
                         "size %u node %u", n, i);
        }
        replicas_reset(rep, 0); /* the template kept only root */
        struct graph *g = replicas_graph(rep, 0);
        cr_assert(graph_hash_equal(graph_state_hash(g), expected_hash(0)), "size %u", n);
        graph_free(g);
        replicas_free(rep);
    }
}
