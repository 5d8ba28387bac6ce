/*
 * op: the kinds of graph mutation a proposal can carry, and their names.
 * Shared by core/proposal (which validates and applies them) and sim/scenario/scenario (which reads
 * them from YAML). Names are part of the CSV and YAML contract.
 *
 * PROP_READ is not a mutation: a client's read (issue 16) of a vertex ordered through the
 * protocol like any proposal (valid when the vertex exists, changes nothing). It comes after
 * PROP_OP_COUNT so that everything that lists the mutations (workload.generate.mix, the
 * workload.ops names) neither names nor generates it.
 */
#ifndef ATLAS_CORE_OP_H
#define ATLAS_CORE_OP_H

#define PROP_OP_LIST(X)                                                                            \
    X(PROP_ADD_VERTEX, "add_vertex")                                                               \
    X(PROP_ADD_EDGE, "add_edge")                                                                   \
    X(PROP_REMOVE_VERTEX, "remove_vertex")                                                         \
    X(PROP_REMOVE_EDGE, "remove_edge")                                                             \
    X(PROP_SET_PROPERTY, "set_property")

enum prop_op {
#define X(sym, name) sym,
    PROP_OP_LIST(X)
#undef X
        PROP_OP_COUNT,        /* the mutations */
    PROP_READ = PROP_OP_COUNT /* a client read (not in PROP_OP_LIST) */
};

/* "add_edge" for PROP_ADD_EDGE, "read" for PROP_READ; never NULL for a valid op. */
static inline const char *prop_op_name(enum prop_op op)
{
    static const char *const names[] = {
#define X(sym, name) name,
        PROP_OP_LIST(X)
#undef X
    };
    if (op == PROP_READ)
        return "read";
    return (unsigned)op < PROP_OP_COUNT ? names[op] : "?";
}

#endif
