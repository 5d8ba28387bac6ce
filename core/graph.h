/*
 * graph: one replica of the graph database — vertices with a string id, a label and string
 * properties; directed labelled edges with string properties.
 *
 * Identity: a vertex is its id; an edge is the triple (source id, label, target id), so two
 * edges with the same source, label and target are duplicates. Ids, labels, property keys
 * and values are interned: one copy of each distinct string per graph.
 *
 * Handles: vertices and edges are addressed by 32-bit handles (graph_vid, graph_eid) that
 * stay valid until that element is removed; GRAPH_NONE means "none". Handles are local to
 * one graph (graph_clone keeps them); two replicas with the same content may number their
 * elements differently, so compare replicas by graph_state_hash, never by handles.
 *
 * Iteration order is deterministic, never hash-table order:
 *   vertices and edges       insertion order (graph_vertex_first/next, graph_edge_first/next)
 *   out-/in-edges of vertex  most recently added first
 *   properties of an element sorted by key (bytewise strcmp)
 * Exports (core/export) sort by id so equal states give byte-identical files.
 *
 * Errors: every mutation validates first and returns a reason (enum graph_reason); on any
 * reason other than GRAPH_OK the graph is unchanged. graph_check_* validate without
 * mutating (proposal_validate uses them). NULL or "" where an id, an edge label or a
 * property key is required is GRAPH_BAD_ARGUMENT; a NULL vertex label means "" (no label).
 * Strings are NUL-terminated UTF-8 (not checked; bytes are kept as given).
 *
 * State hash: a 128-bit canonical digest of the set of vertices (id, label), edges
 * (source id, label, target id) and properties (owner, key, value): the sum mod 2^64, in
 * two independently mixed lanes, of a 64-bit hash of each element computed from string
 * contents. Equal content gives equal hashes whatever the order of operations; every
 * mutation updates it in O(1) (removing an element subtracts its term). Not cryptographic:
 * it detects divergence between honest replicas, not deliberate forgery.
 *
 * Complexity: add vertex/edge, property get/set O(1) expected (+ O(props of the element));
 * remove edge O(out-degree of source + in-degree of target); remove vertex O(sum over its
 * edges of the other endpoint's degree); neighbour iteration and degrees O(degree) (plus a
 * scan of at most the 16 newest edges, which are linked into the lists in batches); BFS
 * and shortest path O(V + E) time and O(V) scratch.
 *
 * Thread safety: none; a graph belongs to one thread at a time. Queries are read-only.
 */
#ifndef ATLAS_CORE_GRAPH_H
#define ATLAS_CORE_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Why an operation is invalid: symbol, short name (stable, for CSV/traces), message. */
#define GRAPH_REASON_LIST(X)                                                                       \
    X(GRAPH_OK, "ok", "ok")                                                                        \
    X(GRAPH_BAD_ARGUMENT, "bad_argument", "a required argument is missing or empty")               \
    X(GRAPH_DUPLICATE_VERTEX, "duplicate_vertex", "a vertex with this id already exists")          \
    X(GRAPH_VERTEX_MISSING, "vertex_missing", "no vertex with this id")                            \
    X(GRAPH_ENDPOINT_MISSING, "endpoint_missing", "an endpoint of the edge does not exist")        \
    X(GRAPH_DUPLICATE_EDGE, "duplicate_edge",                                                      \
      "an edge with this source, label and target already exists")                                 \
    X(GRAPH_EDGE_MISSING, "edge_missing", "no edge with this source, label and target")            \
    X(GRAPH_EDGE_AMBIGUOUS, "edge_ambiguous",                                                      \
      "several edges join these vertices; the edge label is needed")                               \
    X(GRAPH_PROPERTY_MISSING, "property_missing", "the property to remove is not set")

enum graph_reason {
#define X(sym, name, msg) sym,
    GRAPH_REASON_LIST(X)
#undef X
        GRAPH_REASON_COUNT
};

const char *graph_strerror(enum graph_reason r);    /* human message; never NULL */
const char *graph_reason_name(enum graph_reason r); /* "duplicate_edge"; never NULL */

typedef uint32_t graph_vid; /* vertex handle */
typedef uint32_t graph_eid; /* edge handle */
typedef uint32_t graph_pid; /* property handle (for iteration) */
#define GRAPH_NONE UINT32_MAX

/* A property given to graph_add_vertex/graph_add_edge (borrowed strings). */
struct graph_kv {
    const char *key;   /* non-empty */
    const char *value; /* may be "" but not NULL */
};

/* 128-bit canonical state hash; an empty graph hashes to {0, 0}. */
struct graph_hash {
    uint64_t lo; /* first lane */
    uint64_t hi; /* second lane, independently mixed */
};

struct graph;

/* --- lifecycle ------------------------------------------------------------------------ */

struct graph *graph_new(void);
void graph_free(struct graph *g); /* NULL is a no-op */
/* Deep copy with the same content, handles, iteration order and state hash. */
struct graph *graph_clone(const struct graph *g);

/* --- mutations (validate, then apply; unchanged unless GRAPH_OK) --------------------- */

/* props: nprops initial properties (a later duplicate key overrides an earlier one). */
enum graph_reason graph_add_vertex(struct graph *g, const char *id, const char *label,
                                   const struct graph_kv *props, size_t nprops);
/* Removes the vertex, its properties and every edge into or out of it. */
enum graph_reason graph_remove_vertex(struct graph *g, const char *id);
enum graph_reason graph_add_edge(struct graph *g, const char *from, const char *label,
                                 const char *to, const struct graph_kv *props, size_t nprops);
enum graph_reason graph_remove_edge(struct graph *g, const char *from, const char *label,
                                    const char *to);
/* Set (insert or overwrite) or remove one property of a vertex. */
enum graph_reason graph_set_vertex_property(struct graph *g, const char *id, const char *key,
                                            const char *value);
enum graph_reason graph_remove_vertex_property(struct graph *g, const char *id, const char *key);
/*
 * Edge properties. label may be NULL: then the edge is the only edge from -> to, whatever
 * its label (GRAPH_EDGE_AMBIGUOUS if there are several, GRAPH_EDGE_MISSING if none).
 */
enum graph_reason graph_set_edge_property(struct graph *g, const char *from, const char *label,
                                          const char *to, const char *key, const char *value);
enum graph_reason graph_remove_edge_property(struct graph *g, const char *from, const char *label,
                                             const char *to, const char *key);

/* --- validation without mutation: the reason the matching mutation would return ------ */

enum graph_reason graph_check_add_vertex(const struct graph *g, const char *id);
enum graph_reason graph_check_remove_vertex(const struct graph *g, const char *id);
enum graph_reason graph_check_add_edge(const struct graph *g, const char *from, const char *label,
                                       const char *to);
enum graph_reason graph_check_remove_edge(const struct graph *g, const char *from,
                                          const char *label, const char *to);
/* Property targets: a vertex (id) or an edge (from, label-or-NULL, to). remove: the key
 * must be set. props/nprops of add_* are checked too (keys non-empty, values non-NULL). */
enum graph_reason graph_check_vertex_property(const struct graph *g, const char *id,
                                              const char *key, bool remove);
enum graph_reason graph_check_edge_property(const struct graph *g, const char *from,
                                            const char *label, const char *to, const char *key,
                                            bool remove);
enum graph_reason graph_check_props(const struct graph_kv *props, size_t nprops);

/* --- state hash and counts ----------------------------------------------------------- */

struct graph_hash graph_state_hash(const struct graph *g); /* O(1) */
uint64_t graph_state_hash64(const struct graph *g);        /* both lanes folded; O(1) */
bool graph_hash_equal(struct graph_hash a, struct graph_hash b);
/* 32 lowercase hex digits (hi then lo) and a NUL into buf[33]; returns buf. */
char *graph_hash_hex(struct graph_hash h, char buf[33]);

size_t graph_vertex_count(const struct graph *g);
size_t graph_edge_count(const struct graph *g);
size_t graph_property_count(const struct graph *g); /* vertex + edge properties */

/* --- lookups ------------------------------------------------------------------------- */

graph_vid graph_find_vertex(const struct graph *g, const char *id); /* GRAPH_NONE if none */
/* label NULL: the only edge from -> to, GRAPH_NONE if none or several. */
graph_eid graph_find_edge(const struct graph *g, const char *from, const char *label,
                          const char *to);

/* Accessors take live handles (asserted). Returned strings live as long as the graph. */
const char *graph_vertex_id(const struct graph *g, graph_vid v);
const char *graph_vertex_label(const struct graph *g, graph_vid v); /* "" if none */
size_t graph_out_degree(const struct graph *g, graph_vid v);
size_t graph_in_degree(const struct graph *g, graph_vid v);
graph_vid graph_edge_source(const struct graph *g, graph_eid e);
graph_vid graph_edge_target(const struct graph *g, graph_eid e);
const char *graph_edge_label(const struct graph *g, graph_eid e);

/* Property value or NULL if the key is not set. */
const char *graph_vertex_property(const struct graph *g, graph_vid v, const char *key);
const char *graph_edge_property(const struct graph *g, graph_eid e, const char *key);

/* --- iteration (deterministic; see the header comment); GRAPH_NONE ends --------------- */

graph_vid graph_vertex_first(const struct graph *g);
graph_vid graph_vertex_next(const struct graph *g, graph_vid v);
graph_eid graph_edge_first(const struct graph *g);
graph_eid graph_edge_next(const struct graph *g, graph_eid e);

/* Out-/in-edges of v, only those labelled label (NULL: any label). O(degree) in total. */
graph_eid graph_out_first(const struct graph *g, graph_vid v, const char *label);
graph_eid graph_out_next(const struct graph *g, graph_eid e, const char *label);
graph_eid graph_in_first(const struct graph *g, graph_vid v, const char *label);
graph_eid graph_in_next(const struct graph *g, graph_eid e, const char *label);

/* Properties of a vertex / an edge in key order. */
graph_pid graph_vertex_props(const struct graph *g, graph_vid v);
graph_pid graph_edge_props(const struct graph *g, graph_eid e);
graph_pid graph_prop_next(const struct graph *g, graph_pid p);
const char *graph_prop_key(const struct graph *g, graph_pid p);
const char *graph_prop_value(const struct graph *g, graph_pid p);

/* --- traversal ----------------------------------------------------------------------- */

/* A caller-owned list of vertex handles; zero-initialise, release with graph_vlist_fini. */
struct graph_vlist {
    graph_vid *v; /* n handles */
    size_t n, cap;
};
void graph_vlist_fini(struct graph_vlist *l);

/*
 * Breadth-first search along out-edges (only those labelled label, or any if NULL) from
 * start, at most max_depth edges deep (UINT32_MAX: unlimited). Replaces out's contents with
 * the reached vertices in BFS order, start first (depth 0). Neighbours are visited in
 * out-edge iteration order, so the result is deterministic.
 */
void graph_bfs(const struct graph *g, graph_vid start, uint32_t max_depth, const char *label,
               struct graph_vlist *out);
/* Is to reachable from from in at most max_depth out-edges (0: only from itself)? */
bool graph_reachable(const struct graph *g, graph_vid from, graph_vid to, uint32_t max_depth,
                     const char *label);
/*
 * Unweighted shortest path along out-edges (labelled label, or any if NULL). On success
 * replaces path's contents with from, ..., to (just from if from == to) and returns true;
 * returns false and leaves path empty if to is unreachable. Ties are broken by BFS order.
 */
bool graph_shortest_path(const struct graph *g, graph_vid from, graph_vid to, const char *label,
                         struct graph_vlist *path);

/* --- debugging ----------------------------------------------------------------------- */

/*
 * Verify every invariant: adjacency lists, degrees, counts, duplicate index, property
 * order, and that the incremental state hash equals one recomputed from scratch. Returns
 * true if all hold (works in release builds; for tests and debugging). O(V+E+props).
 */
bool graph_check(const struct graph *g);

#endif
