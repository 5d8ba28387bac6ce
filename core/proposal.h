/*
 * proposal: one proposed graph mutation — an id, the proposing node, an operation
 * (core/op.h) and its string arguments. It can be validated against a replica without
 * changing it (proposal_validate), applied (proposal_apply) and described for humans.
 *
 * Arguments by operation (unused fields are NULL):
 *   add_vertex     vertex, label (NULL: no label), props
 *   remove_vertex  vertex
 *   add_edge       from, label, to, props
 *   remove_edge    from, label, to
 *   set_property   on a vertex: vertex, key, value
 *                  on an edge:  from, label (NULL: the only edge from -> to), to, key, value
 *                  value NULL removes the key (GRAPH_PROPERTY_MISSING if it is not set)
 * A set_property with both a vertex and from/to, or neither, is GRAPH_BAD_ARGUMENT.
 *
 * Ownership: every string and the props array belong to the proposal: fill them with
 * xstrdup (or proposal_set/proposal_add_prop), copy with proposal_copy, release with
 * proposal_fini. A zero-initialised struct (or proposal_init) is an empty proposal.
 */
#ifndef ATLAS_CORE_PROPOSAL_H
#define ATLAS_CORE_PROPOSAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/graph.h"
#include "core/op.h"

struct proposal_prop {
    char *key;   /* owned, non-empty */
    char *value; /* owned, non-NULL */
};

struct proposal {
    uint64_t id;                 /* proposal number, unique in a run */
    uint32_t proposer;           /* node index of the proposer */
    enum prop_op op;             /* what to do */
    char *vertex;                /* vertex id (the scenario's `id`), owned or NULL */
    char *label;                 /* vertex label (add_vertex) or edge label, owned or NULL */
    char *from, *to;             /* edge endpoints (vertex ids), owned or NULL */
    char *key, *value;           /* set_property; value NULL removes the key */
    size_t nprops;               /* initial properties of add_vertex / add_edge */
    struct proposal_prop *props; /* owned array of nprops */
};

/* Zero p and set id, proposer, op (all strings NULL, no props). */
void proposal_init(struct proposal *p, uint64_t id, uint32_t proposer, enum prop_op op);
void proposal_fini(struct proposal *p); /* frees the strings and props; NULL is a no-op */
/* dst (uninitialised or finalised) becomes a deep copy of src. */
void proposal_copy(struct proposal *dst, const struct proposal *src);
/* Replace the string *field (one of p's char * members) with a copy of s (NULL clears). */
void proposal_set(char **field, const char *s);
/* Append one initial property (copies key and value). */
void proposal_add_prop(struct proposal *p, const char *key, const char *value);

/* The reason proposal_apply would return, without changing g. GRAPH_OK if valid. */
enum graph_reason proposal_validate(const struct graph *g, const struct proposal *p);
/* Validate and apply to g; g is unchanged unless GRAPH_OK. */
enum graph_reason proposal_apply(struct graph *g, const struct proposal *p);

/*
 * Human description without the proposal number, e.g. "add_edge A -visits-> B",
 * "add_vertex A:Person", "remove_vertex A", "set_property A.age=42",
 * "set_property (A -visits-> B).since=2020", "set_property A.age removed".
 * snprintf semantics: writes at most len bytes including the NUL (len 0: nothing) and
 * returns the length the full text has.
 */
size_t proposal_describe(const struct proposal *p, char *buf, size_t len);

#endif
