/*
 * proposal: validation of every operation and reason without changing the replica,
 * application, property removal through a NULL value, deep copies and descriptions.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "core/proposal.h"

static struct graph *g;

static void setup(void)
{
    g = graph_new();
    cr_assert_eq(graph_add_vertex(g, "A", "Person", NULL, 0), GRAPH_OK);
    cr_assert_eq(graph_add_vertex(g, "B", "Place", NULL, 0), GRAPH_OK);
    cr_assert_eq(graph_add_edge(g, "A", "visits", "B", NULL, 0), GRAPH_OK);
    cr_assert_eq(graph_set_vertex_property(g, "A", "age", "42"), GRAPH_OK);
}

static void teardown(void)
{
    cr_assert(graph_check(g));
    graph_free(g);
}

TestSuite(proposal, .init = setup, .fini = teardown);

/* A proposal with the given strings (NULL: unset). */
static struct proposal make(enum prop_op op, const char *vertex, const char *label,
                            const char *from, const char *to, const char *key, const char *value)
{
    struct proposal p;
    proposal_init(&p, 7, 2, op);
    proposal_set(&p.vertex, vertex);
    proposal_set(&p.label, label);
    proposal_set(&p.from, from);
    proposal_set(&p.to, to);
    proposal_set(&p.key, key);
    proposal_set(&p.value, value);
    return p;
}

/* validate must give want and leave g as it was; apply must agree and change g iff OK. */
static void expect(struct proposal p, enum graph_reason want)
{
    struct graph_hash before = graph_state_hash(g);
    size_t nv = graph_vertex_count(g), ne = graph_edge_count(g);
    enum graph_reason got = proposal_validate(g, &p);
    cr_assert_eq(got, want, "validate: %s, expected %s", graph_reason_name(got),
                 graph_reason_name(want));
    cr_assert(graph_hash_equal(before, graph_state_hash(g)), "validate changes nothing");
    cr_assert_eq(graph_vertex_count(g), nv);
    cr_assert_eq(graph_edge_count(g), ne);
    cr_assert_eq(proposal_apply(g, &p), want, "apply agrees with validate");
    cr_assert_eq(graph_hash_equal(before, graph_state_hash(g)), want != GRAPH_OK,
                 "apply changes the replica exactly when valid");
    proposal_fini(&p);
}

Test(proposal, add_vertex_is_valid_once_then_a_duplicate)
{
    struct proposal p = make(PROP_ADD_VERTEX, "C", "Person", NULL, NULL, NULL, NULL);
    proposal_add_prop(&p, "name", "Cy");
    struct proposal q;
    proposal_copy(&q, &p);
    expect(p, GRAPH_OK);
    cr_assert_str_eq(graph_vertex_property(g, graph_find_vertex(g, "C"), "name"), "Cy");
    expect(q, GRAPH_DUPLICATE_VERTEX);
    expect(make(PROP_ADD_VERTEX, NULL, "X", NULL, NULL, NULL, NULL), GRAPH_BAD_ARGUMENT);
    struct proposal bad = make(PROP_ADD_VERTEX, "D", NULL, NULL, NULL, NULL, NULL);
    proposal_add_prop(&bad, "", "x");
    expect(bad, GRAPH_BAD_ARGUMENT);
}

Test(proposal, add_edge_reports_missing_endpoints_and_duplicates)
{
    expect(make(PROP_ADD_EDGE, NULL, "visits", "A", "Z", NULL, NULL), GRAPH_ENDPOINT_MISSING);
    expect(make(PROP_ADD_EDGE, NULL, "visits", "A", "B", NULL, NULL), GRAPH_DUPLICATE_EDGE);
    expect(make(PROP_ADD_EDGE, NULL, NULL, "A", "B", NULL, NULL), GRAPH_BAD_ARGUMENT);
    struct proposal p = make(PROP_ADD_EDGE, NULL, "likes", "B", "A", NULL, NULL);
    proposal_add_prop(&p, "since", "2020");
    expect(p, GRAPH_OK);
    graph_eid e = graph_find_edge(g, "B", "likes", "A");
    cr_assert_str_eq(graph_edge_property(g, e, "since"), "2020");
}

Test(proposal, removals_of_what_is_not_there_are_rejected)
{
    expect(make(PROP_REMOVE_EDGE, NULL, "likes", "A", "B", NULL, NULL), GRAPH_EDGE_MISSING);
    expect(make(PROP_REMOVE_VERTEX, "Z", NULL, NULL, NULL, NULL, NULL), GRAPH_VERTEX_MISSING);
    expect(make(PROP_REMOVE_EDGE, NULL, "visits", "A", "B", NULL, NULL), GRAPH_OK);
    expect(make(PROP_REMOVE_VERTEX, "B", NULL, NULL, NULL, NULL, NULL), GRAPH_OK);
    expect(make(PROP_SET_PROPERTY, "A", NULL, NULL, NULL, "height", NULL), GRAPH_PROPERTY_MISSING);
}

Test(proposal, set_property_targets_a_vertex_or_an_edge_and_null_value_removes)
{
    expect(make(PROP_SET_PROPERTY, "A", NULL, NULL, NULL, "age", "43"), GRAPH_OK);
    cr_assert_str_eq(graph_vertex_property(g, graph_find_vertex(g, "A"), "age"), "43");
    expect(make(PROP_SET_PROPERTY, NULL, "visits", "A", "B", "when", "today"), GRAPH_OK);
    expect(make(PROP_SET_PROPERTY, NULL, NULL, "A", "B", "count", "3"), GRAPH_OK);
    graph_eid e = graph_find_edge(g, "A", "visits", "B");
    cr_assert_str_eq(graph_edge_property(g, e, "count"), "3");
    expect(make(PROP_SET_PROPERTY, NULL, NULL, "A", "B", "when", NULL), GRAPH_OK);
    cr_assert_null(graph_edge_property(g, e, "when"));
    expect(make(PROP_SET_PROPERTY, "A", NULL, NULL, NULL, "age", NULL), GRAPH_OK);
    cr_assert_null(graph_vertex_property(g, graph_find_vertex(g, "A"), "age"));
    expect(make(PROP_SET_PROPERTY, "Z", NULL, NULL, NULL, "k", "v"), GRAPH_VERTEX_MISSING);
    expect(make(PROP_SET_PROPERTY, NULL, "x", "A", "B", "k", "v"), GRAPH_EDGE_MISSING);
    expect(make(PROP_SET_PROPERTY, "A", NULL, "A", "B", "k", "v"), GRAPH_BAD_ARGUMENT);
    expect(make(PROP_SET_PROPERTY, NULL, NULL, NULL, NULL, "k", "v"), GRAPH_BAD_ARGUMENT);
    expect(make(PROP_SET_PROPERTY, "A", NULL, NULL, NULL, NULL, "v"), GRAPH_BAD_ARGUMENT);
    cr_assert_eq(graph_add_edge(g, "A", "likes", "B", NULL, 0), GRAPH_OK);
    expect(make(PROP_SET_PROPERTY, NULL, NULL, "A", "B", "k", "v"), GRAPH_EDGE_AMBIGUOUS);
}

Test(proposal, a_read_of_an_existing_vertex_is_valid_and_changes_nothing)
{
    struct graph_hash before = graph_state_hash(g);
    struct proposal ok = make(PROP_READ, "A", NULL, NULL, NULL, "v", NULL);
    struct proposal missing = make(PROP_READ, "Z", NULL, NULL, NULL, "v", NULL);
    struct proposal bad = make(PROP_READ, NULL, NULL, NULL, NULL, NULL, NULL);
    cr_assert_eq(proposal_validate(g, &ok), GRAPH_OK);
    cr_assert_eq(proposal_apply(g, &ok), GRAPH_OK);
    cr_assert_eq(proposal_apply(g, &missing), GRAPH_VERTEX_MISSING);
    cr_assert_eq(proposal_apply(g, &bad), GRAPH_BAD_ARGUMENT);
    cr_assert(graph_hash_equal(before, graph_state_hash(g)), "a read changes nothing");
    char text[64];
    proposal_describe(&ok, text, sizeof(text));
    cr_assert_str_eq(text, "read A.v");
    proposal_fini(&ok);
    proposal_fini(&missing);
    proposal_fini(&bad);
}

Test(proposal, an_unknown_operation_is_a_bad_argument)
{
    expect(make((enum prop_op)(PROP_READ + 1), "A", NULL, NULL, NULL, NULL, NULL),
           GRAPH_BAD_ARGUMENT);
}

Test(proposal, a_copy_is_deep_and_survives_the_original)
{
    struct proposal p = make(PROP_ADD_EDGE, NULL, "visits", "A", "C", NULL, NULL);
    proposal_add_prop(&p, "k", "v");
    struct proposal q;
    proposal_copy(&q, &p);
    cr_assert_neq(q.from, p.from);
    proposal_fini(&p);
    cr_assert_null(p.from, "fini leaves an empty proposal");
    proposal_fini(&p);
    proposal_fini(NULL);
    cr_assert_eq(q.id, 7);
    cr_assert_eq(q.proposer, 2);
    cr_assert_eq(q.op, PROP_ADD_EDGE);
    cr_assert_str_eq(q.from, "A");
    cr_assert_str_eq(q.to, "C");
    cr_assert_eq(q.nprops, 1);
    cr_assert_str_eq(q.props[0].value, "v");
    cr_assert_null(q.vertex);
    proposal_fini(&q);
}

static void described(struct proposal p, const char *want)
{
    char buf[128];
    size_t n = proposal_describe(&p, buf, sizeof buf);
    cr_assert_str_eq(buf, want);
    cr_assert_eq(n, strlen(want));
    proposal_fini(&p);
}

Test(proposal, descriptions_read_like_the_operation)
{
    described(make(PROP_ADD_EDGE, NULL, "visits", "A", "B", NULL, NULL), "add_edge A -visits-> B");
    described(make(PROP_REMOVE_EDGE, NULL, "visits", "A", "B", NULL, NULL),
              "remove_edge A -visits-> B");
    described(make(PROP_ADD_VERTEX, "A", "Person", NULL, NULL, NULL, NULL), "add_vertex A:Person");
    described(make(PROP_ADD_VERTEX, "A", NULL, NULL, NULL, NULL, NULL), "add_vertex A");
    described(make(PROP_REMOVE_VERTEX, "A", NULL, NULL, NULL, NULL, NULL), "remove_vertex A");
    described(make(PROP_SET_PROPERTY, "A", NULL, NULL, NULL, "age", "42"), "set_property A.age=42");
    described(make(PROP_SET_PROPERTY, NULL, "visits", "A", "B", "since", "2020"),
              "set_property (A -visits-> B).since=2020");
    described(make(PROP_SET_PROPERTY, NULL, NULL, "A", "B", "since", "2020"),
              "set_property (A -> B).since=2020");
    described(make(PROP_SET_PROPERTY, "A", NULL, NULL, NULL, "age", NULL),
              "set_property A.age removed");
}

Test(proposal, description_truncates_like_snprintf)
{
    struct proposal p = make(PROP_ADD_EDGE, NULL, "visits", "A", "B", NULL, NULL);
    char buf[8];
    cr_assert_eq(proposal_describe(&p, buf, sizeof buf), strlen("add_edge A -visits-> B"));
    cr_assert_str_eq(buf, "add_edg");
    cr_assert_eq(proposal_describe(&p, NULL, 0), strlen("add_edge A -visits-> B"));
    proposal_fini(&p);
}
