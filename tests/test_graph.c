/*
 * graph: every operation and validation reason, lookups, neighbours, traversal, iteration
 * order, cloning, and the canonical state hash (order independence over many random
 * orders, sensitivity to one property, add-then-remove restores the hash), with
 * graph_check verifying the internal invariants and the hash recomputed from scratch.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "core/graph.h"

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static struct graph *g;

static void setup(void)
{
    g = graph_new();
}

static void teardown(void)
{
    cr_assert(graph_check(g), "graph invariants hold at the end of the test");
    graph_free(g);
}

TestSuite(graph, .init = setup, .fini = teardown);

static void add_v(const char *id, const char *label)
{
    cr_assert_eq(graph_add_vertex(g, id, label, NULL, 0), GRAPH_OK, "add %s", id);
}

static void add_e(const char *from, const char *label, const char *to)
{
    cr_assert_eq(graph_add_edge(g, from, label, to, NULL, 0), GRAPH_OK, "add %s-%s->%s", from,
                 label, to);
}

static bool hash_eq(struct graph_hash a, struct graph_hash b)
{
    return graph_hash_equal(a, b);
}

/* ---- vertices ---------------------------------------------------------------------- */

Test(graph, added_vertex_is_found_by_id_with_its_label_and_properties)
{
    struct graph_kv props[] = {{"age", "42"}, {"name", "Ann"}, {"age", "43"}};
    cr_assert_eq(graph_add_vertex(g, "a", "Person", props, 3), GRAPH_OK);
    graph_vid v = graph_find_vertex(g, "a");
    cr_assert_neq(v, GRAPH_NONE);
    cr_assert_str_eq(graph_vertex_id(g, v), "a");
    cr_assert_str_eq(graph_vertex_label(g, v), "Person");
    cr_assert_str_eq(graph_vertex_property(g, v, "age"), "43", "a later duplicate key wins");
    cr_assert_str_eq(graph_vertex_property(g, v, "name"), "Ann");
    cr_assert_null(graph_vertex_property(g, v, "nope"));
    cr_assert_eq(graph_vertex_count(g), 1);
    cr_assert_eq(graph_property_count(g), 2);
    cr_assert_eq(graph_find_vertex(g, "b"), GRAPH_NONE);
}

Test(graph, vertex_without_label_has_the_empty_label)
{
    add_v("a", NULL);
    cr_assert_str_eq(graph_vertex_label(g, graph_find_vertex(g, "a")), "");
}

Test(graph, duplicate_vertex_is_rejected_and_changes_nothing)
{
    add_v("a", "Person");
    struct graph_hash before = graph_state_hash(g);
    cr_assert_eq(graph_check_add_vertex(g, "a"), GRAPH_DUPLICATE_VERTEX);
    cr_assert_eq(graph_add_vertex(g, "a", "Place", NULL, 0), GRAPH_DUPLICATE_VERTEX);
    cr_assert(hash_eq(before, graph_state_hash(g)));
    cr_assert_str_eq(graph_vertex_label(g, graph_find_vertex(g, "a")), "Person");
    cr_assert_eq(graph_vertex_count(g), 1);
}

Test(graph, missing_or_empty_required_strings_are_bad_arguments)
{
    struct graph_kv no_key[] = {{"", "x"}}, null_value[] = {{"k", NULL}};
    cr_assert_eq(graph_add_vertex(g, NULL, "L", NULL, 0), GRAPH_BAD_ARGUMENT);
    cr_assert_eq(graph_add_vertex(g, "", "L", NULL, 0), GRAPH_BAD_ARGUMENT);
    cr_assert_eq(graph_add_vertex(g, "a", "L", no_key, 1), GRAPH_BAD_ARGUMENT);
    cr_assert_eq(graph_add_vertex(g, "a", "L", null_value, 1), GRAPH_BAD_ARGUMENT);
    cr_assert_eq(graph_vertex_count(g), 0, "a rejected vertex is not added");
    add_v("a", "L");
    add_v("b", "L");
    cr_assert_eq(graph_add_edge(g, "a", NULL, "b", NULL, 0), GRAPH_BAD_ARGUMENT);
    cr_assert_eq(graph_add_edge(g, "a", "", "b", NULL, 0), GRAPH_BAD_ARGUMENT);
    cr_assert_eq(graph_add_edge(g, "", "r", "b", NULL, 0), GRAPH_BAD_ARGUMENT);
    cr_assert_eq(graph_add_edge(g, "a", "r", NULL, NULL, 0), GRAPH_BAD_ARGUMENT);
    cr_assert_eq(graph_add_edge(g, "a", "r", "b", null_value, 1), GRAPH_BAD_ARGUMENT);
    cr_assert_eq(graph_edge_count(g), 0);
    cr_assert_eq(graph_set_vertex_property(g, "a", "", "v"), GRAPH_BAD_ARGUMENT);
    cr_assert_eq(graph_set_vertex_property(g, "a", "k", NULL), GRAPH_BAD_ARGUMENT);
    cr_assert_eq(graph_remove_vertex(g, NULL), GRAPH_BAD_ARGUMENT);
    cr_assert_eq(graph_remove_edge(g, "a", NULL, "b"), GRAPH_BAD_ARGUMENT);
    cr_assert_eq(graph_remove_vertex_property(g, "a", NULL), GRAPH_BAD_ARGUMENT);
}

Test(graph, removing_a_missing_vertex_is_vertex_missing)
{
    cr_assert_eq(graph_check_remove_vertex(g, "ghost"), GRAPH_VERTEX_MISSING);
    cr_assert_eq(graph_remove_vertex(g, "ghost"), GRAPH_VERTEX_MISSING);
    add_v("a", "L");
    cr_assert_eq(graph_remove_vertex(g, "a"), GRAPH_OK);
    cr_assert_eq(graph_remove_vertex(g, "a"), GRAPH_VERTEX_MISSING, "already removed");
    cr_assert_eq(graph_find_vertex(g, "a"), GRAPH_NONE);
}

Test(graph, removing_a_vertex_removes_its_edges_in_both_directions)
{
    add_v("a", "L");
    add_v("b", "L");
    add_v("c", "L");
    add_e("a", "r", "b");
    add_e("b", "r", "c");
    add_e("c", "s", "b");
    add_e("b", "loop", "b");
    add_e("a", "r", "c");
    struct graph_kv p[] = {{"w", "1"}};
    cr_assert_eq(graph_set_edge_property(g, "a", "r", "b", p[0].key, p[0].value), GRAPH_OK);
    cr_assert_eq(graph_remove_vertex(g, "b"), GRAPH_OK);
    cr_assert_eq(graph_vertex_count(g), 2);
    cr_assert_eq(graph_edge_count(g), 1);
    cr_assert_eq(graph_property_count(g), 0, "the edge property went with its edge");
    cr_assert_neq(graph_find_edge(g, "a", "r", "c"), GRAPH_NONE);
    graph_vid a = graph_find_vertex(g, "a"), c = graph_find_vertex(g, "c");
    cr_assert_eq(graph_out_degree(g, a), 1);
    cr_assert_eq(graph_in_degree(g, c), 1);
    cr_assert_eq(graph_out_degree(g, c), 0);
    cr_assert(graph_check(g));
}

Test(graph, a_removed_vertex_id_can_be_added_again)
{
    add_v("a", "L");
    add_v("b", "L");
    add_e("a", "r", "b");
    cr_assert_eq(graph_remove_vertex(g, "a"), GRAPH_OK);
    add_v("a", "M");
    cr_assert_str_eq(graph_vertex_label(g, graph_find_vertex(g, "a")), "M");
    cr_assert_eq(graph_find_edge(g, "a", "r", "b"), GRAPH_NONE, "old edges do not come back");
    add_e("a", "r", "b");
}

/* ---- edges ------------------------------------------------------------------------- */

Test(graph, edge_to_or_from_a_missing_vertex_is_endpoint_missing)
{
    add_v("a", "L");
    cr_assert_eq(graph_check_add_edge(g, "a", "r", "ghost"), GRAPH_ENDPOINT_MISSING);
    cr_assert_eq(graph_add_edge(g, "a", "r", "ghost", NULL, 0), GRAPH_ENDPOINT_MISSING);
    cr_assert_eq(graph_add_edge(g, "ghost", "r", "a", NULL, 0), GRAPH_ENDPOINT_MISSING);
    cr_assert_eq(graph_edge_count(g), 0);
}

Test(graph, duplicate_edge_means_same_source_label_and_target)
{
    add_v("a", "L");
    add_v("b", "L");
    add_e("a", "r", "b");
    cr_assert_eq(graph_check_add_edge(g, "a", "r", "b"), GRAPH_DUPLICATE_EDGE);
    cr_assert_eq(graph_add_edge(g, "a", "r", "b", NULL, 0), GRAPH_DUPLICATE_EDGE);
    add_e("a", "s", "b"); /* another label */
    add_e("b", "r", "a"); /* the other direction */
    add_e("a", "r", "a"); /* a self loop */
    cr_assert_eq(graph_edge_count(g), 4);
    graph_eid e = graph_find_edge(g, "a", "s", "b");
    cr_assert_neq(e, GRAPH_NONE);
    cr_assert_str_eq(graph_edge_label(g, e), "s");
    cr_assert_eq(graph_edge_source(g, e), graph_find_vertex(g, "a"));
    cr_assert_eq(graph_edge_target(g, e), graph_find_vertex(g, "b"));
}

Test(graph, removing_an_edge_that_is_not_there_is_edge_missing)
{
    add_v("a", "L");
    add_v("b", "L");
    cr_assert_eq(graph_check_remove_edge(g, "a", "r", "b"), GRAPH_EDGE_MISSING);
    add_e("a", "r", "b");
    cr_assert_eq(graph_remove_edge(g, "a", "s", "b"), GRAPH_EDGE_MISSING, "other label");
    cr_assert_eq(graph_remove_edge(g, "b", "r", "a"), GRAPH_EDGE_MISSING, "other direction");
    cr_assert_eq(graph_remove_edge(g, "a", "r", "ghost"), GRAPH_EDGE_MISSING, "no endpoint");
    cr_assert_eq(graph_remove_edge(g, "a", "r", "b"), GRAPH_OK);
    cr_assert_eq(graph_remove_edge(g, "a", "r", "b"), GRAPH_EDGE_MISSING, "removed already");
    cr_assert_eq(graph_edge_count(g), 0);
    cr_assert_eq(graph_out_degree(g, graph_find_vertex(g, "a")), 0);
}

Test(graph, edge_properties_are_set_overwritten_and_removed)
{
    add_v("a", "L");
    add_v("b", "L");
    struct graph_kv props[] = {{"since", "2020"}};
    cr_assert_eq(graph_add_edge(g, "a", "r", "b", props, 1), GRAPH_OK);
    graph_eid e = graph_find_edge(g, "a", "r", "b");
    cr_assert_str_eq(graph_edge_property(g, e, "since"), "2020");
    cr_assert_eq(graph_set_edge_property(g, "a", "r", "b", "since", "2021"), GRAPH_OK);
    cr_assert_str_eq(graph_edge_property(g, e, "since"), "2021");
    cr_assert_eq(graph_set_edge_property(g, "a", NULL, "b", "w", "3"), GRAPH_OK,
                 "the only edge a -> b needs no label");
    cr_assert_str_eq(graph_edge_property(g, e, "w"), "3");
    cr_assert_eq(graph_remove_edge_property(g, "a", "r", "b", "since"), GRAPH_OK);
    cr_assert_null(graph_edge_property(g, e, "since"));
    cr_assert_eq(graph_remove_edge_property(g, "a", "r", "b", "since"), GRAPH_PROPERTY_MISSING);
    cr_assert_eq(graph_check_edge_property(g, "a", "r", "b", "never", true),
                 GRAPH_PROPERTY_MISSING);
    cr_assert_eq(graph_set_edge_property(g, "a", "x", "b", "k", "v"), GRAPH_EDGE_MISSING);
    cr_assert_eq(graph_set_edge_property(g, "b", NULL, "a", "k", "v"), GRAPH_EDGE_MISSING);
    cr_assert_eq(graph_set_edge_property(g, "a", "r", "ghost", "k", "v"), GRAPH_EDGE_MISSING);
    add_e("a", "s", "b");
    cr_assert_eq(graph_set_edge_property(g, "a", NULL, "b", "k", "v"), GRAPH_EDGE_AMBIGUOUS);
    cr_assert_eq(graph_check_edge_property(g, "a", NULL, "b", "k", false), GRAPH_EDGE_AMBIGUOUS);
    cr_assert_eq(graph_find_edge(g, "a", NULL, "b"), GRAPH_NONE, "ambiguous without label");
    cr_assert_eq(graph_property_count(g), 1);
}

/* ---- vertex properties --------------------------------------------------------------- */

Test(graph, vertex_properties_are_set_overwritten_removed_and_listed_in_key_order)
{
    add_v("a", "L");
    cr_assert_eq(graph_set_vertex_property(g, "a", "zeta", "1"), GRAPH_OK);
    cr_assert_eq(graph_set_vertex_property(g, "a", "alpha", "2"), GRAPH_OK);
    cr_assert_eq(graph_set_vertex_property(g, "a", "mid", "3"), GRAPH_OK);
    cr_assert_eq(graph_set_vertex_property(g, "a", "alpha", "4"), GRAPH_OK);
    graph_vid v = graph_find_vertex(g, "a");
    const char *keys[] = {"alpha", "mid", "zeta"}, *vals[] = {"4", "3", "1"};
    size_t i = 0;
    for (graph_pid p = graph_vertex_props(g, v); p != GRAPH_NONE; p = graph_prop_next(g, p), i++) {
        cr_assert_lt(i, 3);
        cr_assert_str_eq(graph_prop_key(g, p), keys[i]);
        cr_assert_str_eq(graph_prop_value(g, p), vals[i]);
    }
    cr_assert_eq(i, 3);
    cr_assert_eq(graph_remove_vertex_property(g, "a", "mid"), GRAPH_OK);
    cr_assert_null(graph_vertex_property(g, v, "mid"));
    cr_assert_eq(graph_remove_vertex_property(g, "a", "mid"), GRAPH_PROPERTY_MISSING);
    cr_assert_eq(graph_check_vertex_property(g, "a", "mid", true), GRAPH_PROPERTY_MISSING);
    cr_assert_eq(graph_check_vertex_property(g, "a", "mid", false), GRAPH_OK);
    cr_assert_eq(graph_set_vertex_property(g, "ghost", "k", "v"), GRAPH_VERTEX_MISSING);
    cr_assert_eq(graph_remove_vertex_property(g, "ghost", "k"), GRAPH_VERTEX_MISSING);
    cr_assert_eq(graph_property_count(g), 2);
}

/* ---- neighbours and traversal ---------------------------------------------------------- */

/* Target ids of the out-edges of id labelled label, joined by spaces, into buf. */
static const char *outs(const char *id, const char *label, char *buf, size_t len)
{
    buf[0] = '\0';
    graph_vid v = graph_find_vertex(g, id);
    for (graph_eid e = graph_out_first(g, v, label); e != GRAPH_NONE;
         e = graph_out_next(g, e, label)) {
        strncat(buf, graph_vertex_id(g, graph_edge_target(g, e)), len - strlen(buf) - 1);
        strncat(buf, " ", len - strlen(buf) - 1);
    }
    return buf;
}

static const char *ins(const char *id, const char *label, char *buf, size_t len)
{
    buf[0] = '\0';
    graph_vid v = graph_find_vertex(g, id);
    for (graph_eid e = graph_in_first(g, v, label); e != GRAPH_NONE;
         e = graph_in_next(g, e, label)) {
        strncat(buf, graph_vertex_id(g, graph_edge_source(g, e)), len - strlen(buf) - 1);
        strncat(buf, " ", len - strlen(buf) - 1);
    }
    return buf;
}

Test(graph, neighbours_come_most_recent_first_and_filter_by_label)
{
    char buf[128];
    const char *ids[] = {"a", "b", "c", "d"};
    for (int i = 0; i < 4; i++)
        add_v(ids[i], "L");
    add_e("a", "r", "b");
    add_e("a", "s", "c");
    add_e("a", "r", "d");
    add_e("b", "r", "d");
    add_e("c", "s", "d");
    cr_assert_str_eq(outs("a", NULL, buf, sizeof buf), "d c b ");
    cr_assert_str_eq(outs("a", "r", buf, sizeof buf), "d b ");
    cr_assert_str_eq(outs("a", "s", buf, sizeof buf), "c ");
    cr_assert_str_eq(outs("a", "never-used", buf, sizeof buf), "");
    cr_assert_str_eq(outs("d", NULL, buf, sizeof buf), "");
    cr_assert_str_eq(ins("d", NULL, buf, sizeof buf), "c b a ");
    cr_assert_str_eq(ins("d", "s", buf, sizeof buf), "c ");
    cr_assert_eq(graph_in_degree(g, graph_find_vertex(g, "d")), 3);
    cr_assert_eq(graph_out_degree(g, graph_find_vertex(g, "a")), 3);
}

/* The ids of a vertex list, joined by spaces. */
static const char *names(const struct graph_vlist *l, char *buf, size_t len)
{
    buf[0] = '\0';
    for (size_t i = 0; i < l->n; i++) {
        strncat(buf, graph_vertex_id(g, l->v[i]), len - strlen(buf) - 1);
        strncat(buf, " ", len - strlen(buf) - 1);
    }
    return buf;
}

/* a -> b -> c -> d, a -> e -(x)-> d, f isolated. */
static void chain(void)
{
    const char *ids[] = {"a", "b", "c", "d", "e", "f"};
    for (int i = 0; i < 6; i++)
        add_v(ids[i], "L");
    add_e("a", "r", "b");
    add_e("b", "r", "c");
    add_e("c", "r", "d");
    add_e("a", "r", "e");
    add_e("e", "x", "d");
}

Test(graph, bfs_respects_the_depth_limit_and_the_label)
{
    char buf[128];
    struct graph_vlist l = {0};
    chain();
    graph_vid a = graph_find_vertex(g, "a");
    graph_bfs(g, a, 0, NULL, &l);
    cr_assert_str_eq(names(&l, buf, sizeof buf), "a ");
    graph_bfs(g, a, 1, NULL, &l);
    cr_assert_str_eq(names(&l, buf, sizeof buf), "a e b ");
    graph_bfs(g, a, 2, NULL, &l);
    cr_assert_str_eq(names(&l, buf, sizeof buf), "a e b d c ");
    graph_bfs(g, a, UINT32_MAX, "r", &l);
    cr_assert_str_eq(names(&l, buf, sizeof buf), "a e b c d ");
    graph_bfs(g, a, UINT32_MAX, "unknown", &l);
    cr_assert_str_eq(names(&l, buf, sizeof buf), "a ");
    graph_vlist_fini(&l);
    graph_vid d = graph_find_vertex(g, "d"), f = graph_find_vertex(g, "f");
    cr_assert(graph_reachable(g, a, d, 2, NULL));
    cr_assert_not(graph_reachable(g, a, d, 1, NULL));
    cr_assert_not(graph_reachable(g, a, d, 2, "r"), "by r only it takes 3 steps");
    cr_assert(graph_reachable(g, a, d, 3, "r"));
    cr_assert(graph_reachable(g, a, a, 0, NULL));
    cr_assert_not(graph_reachable(g, a, f, UINT32_MAX, NULL));
    cr_assert_not(graph_reachable(g, d, a, UINT32_MAX, NULL), "edges are directed");
}

Test(graph, shortest_path_is_unweighted_and_directed)
{
    char buf[128];
    struct graph_vlist p = {0};
    chain();
    graph_vid a = graph_find_vertex(g, "a"), d = graph_find_vertex(g, "d");
    cr_assert(graph_shortest_path(g, a, d, NULL, &p));
    cr_assert_str_eq(names(&p, buf, sizeof buf), "a e d ");
    cr_assert(graph_shortest_path(g, a, d, "r", &p));
    cr_assert_str_eq(names(&p, buf, sizeof buf), "a b c d ");
    cr_assert(graph_shortest_path(g, a, a, NULL, &p));
    cr_assert_str_eq(names(&p, buf, sizeof buf), "a ");
    cr_assert_not(graph_shortest_path(g, d, a, NULL, &p));
    cr_assert_eq(p.n, 0);
    cr_assert_not(graph_shortest_path(g, a, graph_find_vertex(g, "f"), NULL, &p));
    graph_vlist_fini(&p);
}

/* ---- iteration --------------------------------------------------------------------- */

Test(graph, vertices_and_edges_iterate_in_insertion_order_skipping_removed_ones)
{
    char buf[128] = "";
    const char *ids[] = {"m", "c", "x", "a"};
    for (int i = 0; i < 4; i++)
        add_v(ids[i], "L");
    add_e("m", "r", "c");
    add_e("x", "r", "a");
    add_e("a", "r", "m");
    cr_assert_eq(graph_remove_vertex(g, "c"), GRAPH_OK);
    add_v("c", "L");
    for (graph_vid v = graph_vertex_first(g); v != GRAPH_NONE; v = graph_vertex_next(g, v)) {
        strcat(buf, graph_vertex_id(g, v));
        strcat(buf, " ");
    }
    cr_assert_str_eq(buf, "m x a c ");
    buf[0] = '\0';
    for (graph_eid e = graph_edge_first(g); e != GRAPH_NONE; e = graph_edge_next(g, e)) {
        strcat(buf, graph_vertex_id(g, graph_edge_source(g, e)));
        strcat(buf, " ");
    }
    cr_assert_str_eq(buf, "x a ");
}

Test(graph, empty_graph_iterates_nothing_and_hashes_to_zero)
{
    cr_assert_eq(graph_vertex_first(g), GRAPH_NONE);
    cr_assert_eq(graph_edge_first(g), GRAPH_NONE);
    struct graph_hash h = graph_state_hash(g);
    cr_assert(h.lo == 0 && h.hi == 0);
    char hex[33];
    cr_assert_str_eq(graph_hash_hex(h, hex), "00000000000000000000000000000000");
}

/* ---- reasons ----------------------------------------------------------------------- */

Test(graph, every_reason_has_a_distinct_name_and_a_message)
{
    for (int i = 0; i < GRAPH_REASON_COUNT; i++) {
        cr_assert_gt(strlen(graph_strerror((enum graph_reason)i)), 0);
        for (int j = 0; j < i; j++)
            cr_assert_str_neq(graph_reason_name((enum graph_reason)i),
                              graph_reason_name((enum graph_reason)j));
    }
    cr_assert_str_eq(graph_reason_name(GRAPH_DUPLICATE_EDGE), "duplicate_edge");
    cr_assert_str_eq(graph_strerror(GRAPH_REASON_COUNT), "unknown reason");
}

/* ---- state hash -------------------------------------------------------------------- */

enum op_kind { OP_VERTEX, OP_EDGE, OP_VPROP, OP_EPROP };

struct op {
    enum op_kind kind;
    char a[16], label[16], b[16], key[16], value[16];
};

#define NV   40
#define NE   120
#define NOPS (NV + NE + NV + NE / 2)

/* A fixed random op set: vertices, edges between them, properties on both. */
static size_t make_ops(struct op *ops, uint64_t seed)
{
    size_t n = 0;
    for (int i = 0; i < NV; i++) {
        ops[n] = (struct op){.kind = OP_VERTEX};
        snprintf(ops[n].a, 16, "v%d", i);
        snprintf(ops[n].label, 16, "L%d", i % 3);
        n++;
    }
    for (int i = 0; i < NE; i++) {
        /* distinct (a, label, b): a = i % NV, b chosen so pairs never repeat */
        ops[n] = (struct op){.kind = OP_EDGE};
        snprintf(ops[n].a, 16, "v%d", i % NV);
        snprintf(ops[n].b, 16, "v%d", (i / NV * 7 + i * 3) % NV);
        snprintf(ops[n].label, 16, "r%d", i / NV);
        n++;
    }
    for (int i = 0; i < NV; i++) {
        ops[n] = (struct op){.kind = OP_VPROP};
        snprintf(ops[n].a, 16, "v%d", i);
        snprintf(ops[n].key, 16, "k%d", (int)(splitmix64(&seed) % 3));
        snprintf(ops[n].value, 16, "x%d", i);
        n++;
    }
    for (int i = 0; i < NE / 2; i++) {
        ops[n] = ops[NV + 2 * i];
        ops[n].kind = OP_EPROP;
        snprintf(ops[n].key, 16, "w");
        snprintf(ops[n].value, 16, "%d", i);
        n++;
    }
    return n;
}

static enum graph_reason apply(struct graph *x, const struct op *o)
{
    switch (o->kind) {
    case OP_VERTEX:
        return graph_add_vertex(x, o->a, o->label, NULL, 0);
    case OP_EDGE:
        return graph_add_edge(x, o->a, o->label, o->b, NULL, 0);
    case OP_VPROP:
        return graph_set_vertex_property(x, o->a, o->key, o->value);
    case OP_EPROP:
        return graph_set_edge_property(x, o->a, o->label, o->b, o->key, o->value);
    }
    return GRAPH_BAD_ARGUMENT;
}

/*
 * Apply every op of the set in a random order: shuffle, then sweep the list applying what
 * is applicable (an edge waits for its endpoints, a property for its owner) until all
 * are in. (Each element gets at most one property op, so the result is order-free.)
 */
static struct graph *build_in_random_order(const struct op *ops, size_t n, uint64_t seed)
{
    size_t order[NOPS];
    bool done[NOPS] = {false};
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = (size_t)(splitmix64(&seed) % (i + 1)), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    struct graph *x = graph_new();
    for (size_t left = n; left > 0;) {
        for (size_t k = 0; k < n; k++) {
            size_t i = order[k];
            if (done[i] || apply(x, &ops[i]) != GRAPH_OK)
                continue;
            done[i] = true;
            left--;
        }
    }
    return x;
}

Test(graph, equal_content_gives_equal_hashes_in_every_order)
{
    struct op ops[NOPS];
    size_t n = make_ops(ops, 7);
    struct graph *ref = build_in_random_order(ops, n, 1);
    cr_assert(graph_check(ref));
    cr_assert_eq(graph_vertex_count(ref), NV);
    cr_assert_eq(graph_edge_count(ref), NE);
    for (uint64_t seed = 2; seed < 202; seed++) {
        struct graph *x = build_in_random_order(ops, n, seed);
        cr_assert(graph_hash_equal(graph_state_hash(ref), graph_state_hash(x)), "order %d",
                  (int)seed);
        cr_assert_eq(graph_state_hash64(ref), graph_state_hash64(x));
        cr_assert(graph_check(x));
        graph_free(x);
    }
    graph_free(ref);
}

Test(graph, changing_one_property_changes_the_hash_and_restoring_it_restores_the_hash)
{
    struct op ops[NOPS];
    size_t n = make_ops(ops, 7);
    graph_free(g);
    g = build_in_random_order(ops, n, 3);
    struct graph_hash h0 = graph_state_hash(g);
    const char *old = graph_edge_property(g, graph_find_edge(g, "v0", "r0", "v0"), "w");
    cr_assert_str_eq(old, "0");
    cr_assert_eq(graph_set_edge_property(g, "v0", "r0", "v0", "w", "1"), GRAPH_OK);
    cr_assert_not(graph_hash_equal(h0, graph_state_hash(g)));
    cr_assert_eq(graph_set_edge_property(g, "v0", "r0", "v0", "w", "0"), GRAPH_OK);
    cr_assert(graph_hash_equal(h0, graph_state_hash(g)));
    cr_assert_eq(graph_set_vertex_property(g, "v5", "new", "x"), GRAPH_OK);
    cr_assert_not(graph_hash_equal(h0, graph_state_hash(g)));
    cr_assert_eq(graph_remove_vertex_property(g, "v5", "new"), GRAPH_OK);
    cr_assert(graph_hash_equal(h0, graph_state_hash(g)));
}

Test(graph, adding_then_removing_anything_returns_to_the_earlier_hash)
{
    add_v("a", "L");
    add_v("b", "L");
    add_e("a", "r", "b");
    cr_assert_eq(graph_set_vertex_property(g, "a", "k", "v"), GRAPH_OK);
    struct graph_hash h0 = graph_state_hash(g);
    struct graph_kv props[] = {{"p", "1"}, {"q", "2"}};
    /* a vertex with properties and edges in both directions, then removed */
    cr_assert_eq(graph_add_vertex(g, "c", "M", props, 2), GRAPH_OK);
    cr_assert_eq(graph_add_edge(g, "c", "r", "a", props, 2), GRAPH_OK);
    add_e("b", "s", "c");
    add_e("c", "t", "c");
    cr_assert_not(graph_hash_equal(h0, graph_state_hash(g)));
    cr_assert_eq(graph_remove_vertex(g, "c"), GRAPH_OK);
    cr_assert(graph_hash_equal(h0, graph_state_hash(g)));
    /* an edge with properties */
    cr_assert_eq(graph_add_edge(g, "b", "r", "a", props, 2), GRAPH_OK);
    cr_assert_not(graph_hash_equal(h0, graph_state_hash(g)));
    cr_assert_eq(graph_remove_edge(g, "b", "r", "a"), GRAPH_OK);
    cr_assert(graph_hash_equal(h0, graph_state_hash(g)));
    /* a property overwrite and back */
    cr_assert_eq(graph_set_vertex_property(g, "a", "k", "w"), GRAPH_OK);
    cr_assert_not(graph_hash_equal(h0, graph_state_hash(g)));
    cr_assert_eq(graph_set_vertex_property(g, "a", "k", "v"), GRAPH_OK);
    cr_assert(graph_hash_equal(h0, graph_state_hash(g)));
}

Test(graph, the_hash_tells_apart_what_differs_only_in_structure)
{
    /* same strings, different roles: label vs id, edge direction, property owner */
    struct graph *x = graph_new(), *y = graph_new();
    cr_assert_eq(graph_add_vertex(x, "a", "b", NULL, 0), GRAPH_OK);
    cr_assert_eq(graph_add_vertex(y, "b", "a", NULL, 0), GRAPH_OK);
    cr_assert_not(graph_hash_equal(graph_state_hash(x), graph_state_hash(y)));
    cr_assert_eq(graph_add_vertex(x, "b", "a", NULL, 0), GRAPH_OK);
    cr_assert_eq(graph_add_vertex(y, "a", "b", NULL, 0), GRAPH_OK);
    cr_assert(graph_hash_equal(graph_state_hash(x), graph_state_hash(y)));
    cr_assert_eq(graph_add_edge(x, "a", "r", "b", NULL, 0), GRAPH_OK);
    cr_assert_eq(graph_add_edge(y, "b", "r", "a", NULL, 0), GRAPH_OK);
    cr_assert_not(graph_hash_equal(graph_state_hash(x), graph_state_hash(y)));
    cr_assert_eq(graph_remove_edge(y, "b", "r", "a"), GRAPH_OK);
    cr_assert_eq(graph_add_edge(y, "a", "r", "b", NULL, 0), GRAPH_OK);
    cr_assert_eq(graph_set_vertex_property(x, "a", "k", "v"), GRAPH_OK);
    cr_assert_eq(graph_set_vertex_property(y, "b", "k", "v"), GRAPH_OK);
    cr_assert_not(graph_hash_equal(graph_state_hash(x), graph_state_hash(y)));
    cr_assert_eq(graph_set_vertex_property(x, "a", "k", "v"), GRAPH_OK);
    cr_assert_eq(graph_remove_vertex_property(y, "b", "k"), GRAPH_OK);
    cr_assert_eq(graph_set_edge_property(y, "a", "r", "b", "k", "v"), GRAPH_OK);
    cr_assert_not(graph_hash_equal(graph_state_hash(x), graph_state_hash(y)),
                  "a vertex property is not an edge property");
    graph_free(x);
    graph_free(y);
}

Test(graph, hash_depends_on_content_not_on_string_table_history)
{
    struct graph *x = graph_new();
    /* x interns other strings first, so its string ids differ from g's */
    cr_assert_eq(graph_add_vertex(x, "zz", "Q", NULL, 0), GRAPH_OK);
    cr_assert_eq(graph_set_vertex_property(x, "zz", "junk", "more"), GRAPH_OK);
    cr_assert_eq(graph_remove_vertex(x, "zz"), GRAPH_OK);
    cr_assert_eq(graph_add_vertex(x, "b", "L", NULL, 0), GRAPH_OK);
    cr_assert_eq(graph_add_vertex(x, "a", "L", NULL, 0), GRAPH_OK);
    cr_assert_eq(graph_add_edge(x, "a", "r", "b", NULL, 0), GRAPH_OK);
    add_v("a", "L");
    add_v("b", "L");
    add_e("a", "r", "b");
    cr_assert(graph_hash_equal(graph_state_hash(x), graph_state_hash(g)));
    graph_free(x);
}

/* ---- clone and random workloads --------------------------------------------------- */

Test(graph, a_clone_is_equal_and_independent)
{
    struct op ops[NOPS];
    size_t n = make_ops(ops, 9);
    graph_free(g);
    g = build_in_random_order(ops, n, 4);
    cr_assert_eq(graph_remove_vertex(g, "v3"), GRAPH_OK);
    struct graph *c = graph_clone(g);
    cr_assert(graph_check(c));
    cr_assert(graph_hash_equal(graph_state_hash(c), graph_state_hash(g)));
    cr_assert_eq(graph_vertex_count(c), graph_vertex_count(g));
    cr_assert_eq(graph_edge_count(c), graph_edge_count(g));
    graph_vid v = graph_vertex_first(g), w = graph_vertex_first(c);
    for (; v != GRAPH_NONE; v = graph_vertex_next(g, v), w = graph_vertex_next(c, w))
        cr_assert_str_eq(graph_vertex_id(g, v), graph_vertex_id(c, w), "same order");
    cr_assert_eq(w, GRAPH_NONE);
    cr_assert_eq(graph_remove_vertex(c, "v0"), GRAPH_OK);
    cr_assert_eq(graph_add_vertex(c, "new", "L", NULL, 0), GRAPH_OK);
    cr_assert_neq(graph_find_vertex(g, "v0"), GRAPH_NONE, "the original is untouched");
    cr_assert_eq(graph_find_vertex(g, "new"), GRAPH_NONE);
    cr_assert(graph_check(c));
    graph_free(c);
}

/*
 * Random mixed workload over a small id space (so duplicates, missing endpoints and
 * removals of absent things are frequent); after every step the incremental hash and all
 * invariants are checked, and at the end the hash equals that of a graph rebuilt from
 * the survivors alone.
 */
Test(graph, random_workloads_keep_every_invariant)
{
    uint64_t seed = 42;
    char a[8], b[8], l[4], k[4], val[8];
    size_t outcome[GRAPH_REASON_COUNT] = {0};
    for (int step = 0; step < 4000; step++) {
        uint64_t r = splitmix64(&seed);
        snprintf(a, sizeof a, "n%d", (int)(r % 30));
        snprintf(b, sizeof b, "n%d", (int)((r >> 8) % 30));
        snprintf(l, sizeof l, "e%d", (int)((r >> 16) % 2));
        snprintf(k, sizeof k, "k%d", (int)((r >> 20) % 3));
        snprintf(val, sizeof val, "%d", (int)((r >> 24) % 5));
        enum graph_reason why;
        switch ((r >> 32) % 8) {
        case 0:
        case 1:
            why = graph_add_vertex(g, a, l, NULL, 0);
            break;
        case 2:
        case 3:
            why = graph_add_edge(g, a, l, b, NULL, 0);
            break;
        case 4:
            why = graph_remove_vertex(g, a);
            break;
        case 5:
            why = graph_remove_edge(g, a, l, b);
            break;
        case 6:
            why = (r >> 40) % 2 ? graph_set_vertex_property(g, a, k, val)
                                : graph_remove_vertex_property(g, a, k);
            break;
        default:
            why = (r >> 40) % 2 ? graph_set_edge_property(g, a, l, b, k, val)
                                : graph_remove_edge_property(g, a, l, b, k);
            break;
        }
        outcome[why]++;
        if (step % 50 == 0)
            cr_assert(graph_check(g), "step %d", step);
    }
    for (int i = 0; i < GRAPH_REASON_COUNT; i++)
        if (i != GRAPH_BAD_ARGUMENT && i != GRAPH_EDGE_AMBIGUOUS)
            cr_assert_gt(outcome[i], 0, "the workload produced %s", graph_reason_name(i));
    /* rebuild the survivors into a fresh graph: vertices, then edges, then properties */
    struct graph *x = graph_new();
    for (graph_vid v = graph_vertex_first(g); v != GRAPH_NONE; v = graph_vertex_next(g, v)) {
        cr_assert_eq(graph_add_vertex(x, graph_vertex_id(g, v), graph_vertex_label(g, v), NULL, 0),
                     GRAPH_OK);
        for (graph_pid p = graph_vertex_props(g, v); p != GRAPH_NONE; p = graph_prop_next(g, p))
            graph_set_vertex_property(x, graph_vertex_id(g, v), graph_prop_key(g, p),
                                      graph_prop_value(g, p));
    }
    for (graph_eid e = graph_edge_first(g); e != GRAPH_NONE; e = graph_edge_next(g, e)) {
        const char *from = graph_vertex_id(g, graph_edge_source(g, e));
        const char *to = graph_vertex_id(g, graph_edge_target(g, e));
        cr_assert_eq(graph_add_edge(x, from, graph_edge_label(g, e), to, NULL, 0), GRAPH_OK);
        for (graph_pid p = graph_edge_props(g, e); p != GRAPH_NONE; p = graph_prop_next(g, p))
            graph_set_edge_property(x, from, graph_edge_label(g, e), to, graph_prop_key(g, p),
                                    graph_prop_value(g, p));
    }
    cr_assert(graph_hash_equal(graph_state_hash(x), graph_state_hash(g)));
    cr_assert_eq(graph_property_count(x), graph_property_count(g));
    graph_free(x);
}

/* Vertex i and edge i of the growth test (ids longer than the 7-byte inline keys). */
#define GROW_V 20000
#define GROW_E 60000

static void grow_vertex(int i, char *a, size_t len)
{
    snprintf(a, len, "vertex-number-%d", i);
}

static const char *grow_edge(int i, char *a, char *b, size_t len)
{
    grow_vertex(i % GROW_V, a, len);
    grow_vertex((i * 7919) % GROW_V, b, len);
    return i < GROW_V ? "r" : i < 2 * GROW_V ? "s" : "t";
}

Test(graph, many_vertices_and_edges_survive_table_growth_and_removal)
{
    char a[32], b[32];
    for (int i = 0; i < GROW_V; i++) {
        grow_vertex(i, a, sizeof a);
        add_v(a, i % 2 ? "Odd" : "Even");
    }
    for (int i = 0; i < GROW_E; i++) {
        const char *l = grow_edge(i, a, b, sizeof a);
        cr_assert_eq(graph_add_edge(g, a, l, b, NULL, 0), GRAPH_OK);
    }
    cr_assert(graph_check(g));
    struct graph_hash full = graph_state_hash(g);
    for (int i = 0; i < GROW_V; i += 2) {
        grow_vertex(i, a, sizeof a);
        cr_assert_eq(graph_remove_vertex(g, a), GRAPH_OK);
    }
    cr_assert(graph_check(g));
    cr_assert_eq(graph_vertex_count(g), GROW_V / 2);
    for (int i = 0; i < GROW_E; i++) {
        const char *l = grow_edge(i, a, b, sizeof a);
        bool gone = (i % GROW_V) % 2 == 0 || ((i * 7919) % GROW_V) % 2 == 0;
        cr_assert_eq(graph_find_edge(g, a, l, b) == GRAPH_NONE, gone, "edge %d", i);
    }
    for (int i = 0; i < GROW_V; i += 2) {
        grow_vertex(i, a, sizeof a);
        add_v(a, "Even");
    }
    for (int i = 0; i < GROW_E; i++) {
        const char *l = grow_edge(i, a, b, sizeof a);
        if (graph_find_edge(g, a, l, b) == GRAPH_NONE)
            cr_assert_eq(graph_add_edge(g, a, l, b, NULL, 0), GRAPH_OK);
    }
    cr_assert(graph_hash_equal(full, graph_state_hash(g)), "rebuilt: the same hash");
}

Test(graph, properties_stay_linked_while_the_property_pool_grows)
{
    char id[16], key[16];
    for (int i = 0; i < 300; i++) {
        snprintf(id, sizeof id, "v%d", i);
        add_v(id, "L");
        /* keys in rising order: each insertion links behind an existing cell */
        for (int k = 0; k < 10; k++) {
            snprintf(key, sizeof key, "k%d", k);
            cr_assert_eq(graph_set_vertex_property(g, id, key, id), GRAPH_OK);
        }
        for (int k = 0; k < 10; k += 3) {
            snprintf(key, sizeof key, "k%d", k);
            cr_assert_eq(graph_set_vertex_property(g, id, key, "again"), GRAPH_OK);
        }
    }
    cr_assert_eq(graph_property_count(g), 3000);
    for (int i = 0; i < 300; i++) {
        snprintf(id, sizeof id, "v%d", i);
        size_t n = 0;
        graph_vid v = graph_find_vertex(g, id);
        for (graph_pid p = graph_vertex_props(g, v); p != GRAPH_NONE; p = graph_prop_next(g, p))
            n++;
        cr_assert_eq(n, 10, "vertex %d keeps its 10 properties", i);
    }
    cr_assert(graph_check(g));
}

Test(graph, neighbour_order_and_degrees_hold_across_batches_of_new_edges)
{
    char id[16];
    add_v("hub", "L");
    for (int i = 0; i < 50; i++) {
        snprintf(id, sizeof id, "n%d", i);
        add_v(id, "L");
        add_e("hub", i % 2 ? "odd" : "even", id);
        add_e(id, "back", "hub");
        graph_vid hub = graph_find_vertex(g, "hub");
        cr_assert_eq(graph_out_degree(g, hub), (size_t)i + 1);
        cr_assert_eq(graph_in_degree(g, hub), (size_t)i + 1);
        /* most recent first, whether the edges are linked yet or not */
        int want = i;
        for (graph_eid e = graph_out_first(g, hub, NULL); e != GRAPH_NONE;
             e = graph_out_next(g, e, NULL), want--) {
            snprintf(id, sizeof id, "n%d", want);
            cr_assert_str_eq(graph_vertex_id(g, graph_edge_target(g, e)), id);
        }
        cr_assert_eq(want, -1);
        want = i - (i % 2 == 0);
        for (graph_eid e = graph_out_first(g, hub, "odd"); e != GRAPH_NONE;
             e = graph_out_next(g, e, "odd"), want -= 2) {
            snprintf(id, sizeof id, "n%d", want);
            cr_assert_str_eq(graph_vertex_id(g, graph_edge_target(g, e)), id);
        }
        cr_assert_lt(want, 0);
        cr_assert(graph_check(g));
    }
    cr_assert_eq(graph_remove_edge(g, "hub", "even", "n48"), GRAPH_OK);
    cr_assert_eq(graph_out_degree(g, graph_find_vertex(g, "hub")), 49);
    cr_assert_eq(graph_remove_vertex(g, "hub"), GRAPH_OK);
    cr_assert_eq(graph_edge_count(g), 0);
}

/* ---- the shipped benchmark (its figures are not tested, only its behaviour) -------- */

/* Run atlas-sim bench graph ARGS; returns the exit status and the hash= field in hash. */
static int run_bench(const char *args, char *hash, size_t len)
{
    char cmd[512], line[1024];
    snprintf(cmd, sizeof cmd, "'%s' bench graph %s 2>/dev/null", ATLAS_BINARY, args);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    hash[0] = '\0';
    while (fgets(line, sizeof line, p)) {
        const char *h = strstr(line, " hash=");
        if (strncmp(line, "bench=graph ", 12) == 0 && h)
            snprintf(hash, len, "%.32s", h + 6);
    }
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

Test(graph, bench_graph_builds_the_same_replica_for_the_same_seed)
{
    char h1[40], h2[40], h3[40];
    cr_assert_eq(run_bench("--vertices 2000 --edges 9000 --seed 5", h1, sizeof h1), 0);
    cr_assert_eq(run_bench("--vertices 2000 --edges 9000 --seed 5", h2, sizeof h2), 0);
    cr_assert_eq(run_bench("--vertices 2000 --edges 9000 --seed 6", h3, sizeof h3), 0);
    cr_assert_eq(strlen(h1), 32);
    cr_assert_str_eq(h1, h2);
    cr_assert_str_neq(h1, h3);
    cr_assert_eq(run_bench("--vertices 2000 --edges x", h1, sizeof h1), 2);
    cr_assert_eq(run_bench("--vertices 3 --edges 100", h1, sizeof h1), 2, "too many edges");
    cr_assert_eq(run_bench("--frobnicate", h1, sizeof h1), 2);
    cr_assert_eq(run_bench("--help", h1, sizeof h1), 0);
}
