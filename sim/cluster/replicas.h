/*
 * replicas: the graph replicas of every node of a cluster, held compactly.
 *
 * A 100,000-node cluster cannot hold 100,000 struct graph. Every vertex (id, label), edge
 * (from, label, to) and property (owner, key, value) that the run can ever create is
 * interned once here as an "element"; a replica is then a bitset over the elements plus a
 * state hash (the sum of the present elements' content hashes, computed when asked), so
 * applying or validating an operation is O(1) bit work (removals O(incident elements)) and
 * a node costs max_elements/8 bytes. The bits are stored by element (a row over the nodes per
 * element): the deliveries of one proposal, to every node, touch its few elements' rows
 * rather than a line of each node; a whole-replica operation (reset, copy, export, listing)
 * reads one word per interned element. The rules are those of core/graph and core/proposal (tested
 * against them): duplicates and missing endpoints are invalid, removing a vertex removes
 * its properties and its edges, set_property with a NULL value removes the key, an edge
 * named without a label is the only edge between its endpoints.
 *
 * Operations are interned from struct proposal (core/proposal.h) before they are used, or
 * made directly from the store's indices (replicas_op_*: the workload's generated
 * proposals, which so never exist as strings: a vertex, an edge and a label or key are
 * handles of the store, and the fresh ids "v<k>" and values "x<k>" numbers, written out
 * only when a proposal is described or the graph exported). The same id or value given as a
 * string denotes the same vertex or value. The initial graph is built by applying
 * operations to a template that every replica starts from (and returns to on an amnesia
 * recovery).
 *
 * Memory: no heap block per vertex, edge or operation; the arrays are presized from
 * max_elements, so a run of generated proposals never grows them (replicas_bytes_per_op).
 *
 * Ownership: the store owns everything; proposals passed in are copied as needed.
 * Errors: exceeding max_elements or an unknown op index is a programming error (assert).
 */
#ifndef ATLAS_SIM_CLUSTER_REPLICAS_H
#define ATLAS_SIM_CLUSTER_REPLICAS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/proposal.h"

struct replicas;
struct graph;

/* Elements an operation can introduce at most (for sizing max_elements). */
size_t replicas_elements_of(const struct proposal *p);

struct replicas *replicas_new(uint32_t nodes, size_t max_elements);
void replicas_free(struct replicas *r); /* NULL is a no-op */

/* Intern an operation; returns its index (0, 1, ...). */
uint32_t replicas_intern(struct replicas *r, const struct proposal *p);

/* Room for a vertex id "v<k>" or value "x<k>" the store writes out (with its NUL). */
#define REPLICAS_NAME_LEN 16

/*
 * Operations made from indices, equal to replicas_intern of the proposal they describe:
 * vertices and edges are handles (replicas_vertex_at, replicas_edges), label and key ids
 * of replicas_label, number k stands for the id "v<k>" (add_vertex) or the value "x<k>"
 * (set_property), 1 <= k < 2^31 - 1. Each returns the operation's index.
 */
uint32_t replicas_label(struct replicas *r, const char *label); /* label or key id (interned) */
uint32_t replicas_op_add_vertex(struct replicas *r, uint32_t number, uint32_t label);
uint32_t replicas_op_add_edge(struct replicas *r, uint32_t from, uint32_t label, uint32_t to);
uint32_t replicas_op_remove_vertex(struct replicas *r, uint32_t vertex);
uint32_t replicas_op_remove_edge(struct replicas *r, uint32_t edge);
uint32_t replicas_op_set_property(struct replicas *r, uint32_t vertex, uint32_t key,
                                  uint32_t number);
/*
 * proposal_describe's text of an operation made by replicas_op_* (snprintf semantics);
 * 0 and nothing written for one interned from a proposal (describe the proposal).
 */
size_t replicas_describe(const struct replicas *r, uint32_t op, char *buf, size_t len);

/* Apply op to the template (the initial graph); returns false if it was invalid there. */
bool replicas_seed(struct replicas *r, uint32_t op);
/* Every replica becomes a copy of the template (call once, after seeding). */
void replicas_start(struct replicas *r);
/* Node's replica returns to the template (amnesia). */
void replicas_reset(struct replicas *r, uint32_t node);
/* Node dst's replica becomes a copy of src's. */
void replicas_copy(struct replicas *r, uint32_t dst, uint32_t src);

/* Would op be valid on node's replica? (Not const: may intern edge properties.) */
bool replicas_valid(struct replicas *r, uint32_t node, uint32_t op);
/* Validate and apply; returns false (replica unchanged) if invalid. */
bool replicas_apply(struct replicas *r, uint32_t node, uint32_t op);

/* Canonical state hash: equal contents give equal hashes whatever the order of operations.
 * O(interned elements), one word of each element's row (O(1) with replicas_keep_hashes). */
uint64_t replicas_hash(const struct replicas *r, uint32_t node);
/* Every node's replicas_hash into hashes[0..nodes), in one pass over the element rows. */
void replicas_hashes(const struct replicas *r, uint64_t *hashes);
/* Keep every replica's state hash stored, updated with each change: replicas_hash is O(1)
 * then, and an application writes one more per-node word (for callers that ask for a hash
 * per application, as ledgers do). */
void replicas_keep_hashes(struct replicas *r);

/* The vertices present on node's replica (handles), in interning order, into vertices[0..max). */
size_t replicas_vertices(const struct replicas *r, uint32_t node, uint32_t *vertices, size_t max);
/* A vertex's id: the store's string, or written into buf. Valid while buf and r are. */
const char *replicas_vertex_id(const struct replicas *r, uint32_t vertex,
                               char buf[REPLICAS_NAME_LEN]);

/*
 * How many vertices node's replica holds, and the k-th (0-based) in the order
 * replicas_vertices lists them, in O(log V) each (a per-node index built on first use).
 */
size_t replicas_vertex_count(struct replicas *r, uint32_t node);
uint32_t replicas_vertex_at(struct replicas *r, uint32_t node, size_t k);
/* The k[i]-th vertices (i < n <= REPLICAS_PICKS_MAX) into out[i], as replicas_vertex_at gives
 * each, with the index lines of all of them loaded at once: on a million vertices each pick
 * is a cache miss, and these overlap. */
#define REPLICAS_PICKS_MAX 4
void replicas_vertices_at(struct replicas *r, uint32_t node, size_t n, const size_t *k,
                          uint32_t *out);
/* A hint before checking for and making the edge from -label-> to: start loading what that
 * reads (its map bucket and both endpoints' records), so that the misses overlap. No effect
 * on any result. */
void replicas_prefetch_edge(const struct replicas *r, uint32_t from, uint32_t label, uint32_t to);
/* The edges present on node's replica (handles), in interning order of their elements. */
size_t replicas_edges(const struct replicas *r, uint32_t node, uint32_t *edges, size_t max);
/* An edge's endpoints (vertex handles) and label id; the text of a label or key id. */
void replicas_edge_ends(const struct replicas *r, uint32_t edge, uint32_t *from, uint32_t *label,
                        uint32_t *to);
const char *replicas_label_text(const struct replicas *r, uint32_t label);
/* Is there an edge from -label-> to on node's replica? (By handles and label id; by strings.) */
bool replicas_has_edge_at(const struct replicas *r, uint32_t node, uint32_t from, uint32_t label,
                          uint32_t to);
bool replicas_has_edge(const struct replicas *r, uint32_t node, const char *from, const char *label,
                       const char *to);

/* The value of vertex's property key on node's replica; NULL if the vertex or the property is
 * absent. O(values the property has taken in the run). The string belongs to the store or is
 * written into buf. */
const char *replicas_property(const struct replicas *r, uint32_t node, const char *vertex,
                              const char *key, char buf[REPLICAS_NAME_LEN]);

/* A new struct graph with node's replica's contents (caller frees it with graph_free). */
struct graph *replicas_graph(const struct replicas *r, uint32_t node);

/* Start loading the part of node's replica that validating op reads (applying it writes the
 * same words). A hint. */
void replicas_prefetch_op(const struct replicas *r, uint32_t node, uint32_t op);

size_t replicas_bytes_per_node(const struct replicas *r);
/* Bytes the store holds per generated operation at most (its op, slot, element, indices). */
size_t replicas_bytes_per_op(void);

#endif
