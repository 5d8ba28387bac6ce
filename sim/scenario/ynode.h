/*
 * ynode: a scenario document as a tree of YAML nodes that remember their file:line:column.
 *
 * The interface between the two halves of the scenario front end: scenario_yaml.c builds the
 * tree from YAML text (it alone includes yaml.h) and applies --set overrides to it;
 * scenario_keys.c walks it with the key tables. Neither includes the other's internals.
 *
 * Ownership: a ynode tree is owned by its struct scenario_doc; nodes are freed with it.
 */
#ifndef ATLAS_SIM_SCENARIO_YNODE_H
#define ATLAS_SIM_SCENARIO_YNODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum ynode_kind { YNODE_SCALAR, YNODE_SEQ, YNODE_MAP };

struct ynode {
    enum ynode_kind kind;
    unsigned line, col;  /* 1-based position of the node's first character */
    unsigned file;       /* index into scenario_doc.files */
    bool plain;          /* scalar written without quotes (so `null`/`~` mean null) */
    char *text;          /* scalar text (owned) */
    size_t n;            /* seq: items; map: key/value pairs */
    struct ynode **kids; /* seq: n items; map: 2n nodes, key then value */
};

struct scenario_doc {
    char **files; /* origin names: [0] the file, then "--set" etc. (owned) */
    size_t nfiles;
    struct ynode *root; /* a mapping; NULL for a document made only of --set values */
    char *name;         /* default scenario name, from the file name (owned) */
};

/* True for a plain scalar that YAML reads as null: "", "~", "null", "Null", "NULL". */
bool ynode_is_null(const struct ynode *n);

/* The value of `key` in mapping `map` (NULL if absent); *keynode gets the key's node. */
struct ynode *ynode_get(const struct ynode *map, const char *key, struct ynode **keynode);

/* Write a node as YAML flow text (for sweep values read from a list). */
void ynode_write_flow(const struct ynode *n, FILE *f);

void ynode_free(struct ynode *n);                 /* the node and its children; NULL is a no-op */
struct ynode *ynode_clone(const struct ynode *n); /* a deep copy */

#endif
