/*
 * export: write a graph for other tools — Graphviz DOT and Neo4j admin import CSV.
 * The only I/O of the graph module; output is canonical: vertices sorted by id, edges by
 * (source id, label, target id), properties by key (bytewise), so replicas with equal state
 * hashes export byte-identical files.
 *
 * DOT: `digraph "name" { ... }`; every id and attribute is a double-quoted string with
 * '"' and '\' backslash-escaped and newline written as \n, other bytes (UTF-8) kept.
 * Vertices: "id" [label="id\n:Label", vlabel="Label", "prop.KEY"="VALUE", ...];
 * edges: "from" -> "to" [label="Label", "prop.KEY"="VALUE", ...].
 *
 * Neo4j (`neo4j-admin database import full --nodes=nodes.csv --relationships=...`):
 *   nodes.csv          :ID,:LABEL,<vertex property keys, sorted>
 *   relationships.csv  :START_ID,:TYPE,:END_ID,<edge property keys, sorted>
 * RFC 4180: CRLF line ends; a field is quoted (with "" for ") when it contains a comma,
 * quote, CR or LF, and an empty string value is written as "" so that it differs from a
 * missing value (an empty field). Fields with newlines need neo4j-admin's
 * --multiline-fields=true. Neo4j itself reads ';' in :LABEL as a label separator and ':'
 * in a header name as a type suffix; such labels and property keys are written as they are.
 * An empty vertex label is an empty :LABEL field.
 *
 * Errors: functions return 0, or -1 with errno set (I/O error); the path functions write
 * into a temporary file and rename, so a failure leaves no partial file under the name.
 */
#ifndef ATLAS_CORE_EXPORT_H
#define ATLAS_CORE_EXPORT_H

#include <stdio.h>

#include "core/graph.h"

/* name: the graph name (NULL: "atlas"). */
int export_dot(const struct graph *g, const char *name, FILE *f);
int export_neo4j_nodes(const struct graph *g, FILE *f);
int export_neo4j_relationships(const struct graph *g, FILE *f);

/* Write path (e.g. "out/graph.dot") atomically. */
int export_dot_file(const struct graph *g, const char *name, const char *path);
/* Write dir/nodes.csv and dir/relationships.csv (dir must exist). */
int export_neo4j_dir(const struct graph *g, const char *dir);

#endif
