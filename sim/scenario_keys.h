/*
 * scenario_keys: the key tables of the scenario format and the resolver that applies them.
 *
 * Internal to sim/scenario_yaml (the only users are scenario_yaml.c and scenario_keys.c).
 * scenario_yaml.c turns YAML text into a tree of struct ynode (it alone includes yaml.h);
 * scenario_keys.c walks that tree with one table per section (key, type, default, range,
 * help, example) to fill a struct scenario, reporting every problem with its position, and
 * writes the resolved YAML and the Markdown key reference from the same tables.
 *
 * Ownership: a ynode tree is owned by its struct scenario_doc; nodes are freed with it.
 */
#ifndef ATLAS_SIM_SCENARIO_KEYS_H
#define ATLAS_SIM_SCENARIO_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "sim/diag.h"
#include "sim/scenario.h"

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

/* Apply the key tables to doc. See scenario_doc_resolve. */
bool scenario_keys_resolve(const struct scenario_doc *doc, struct scenario *out, struct diag *d);

/* Levenshtein distance (for "did you mean"). */
size_t edit_distance(const char *a, const char *b);

#endif
