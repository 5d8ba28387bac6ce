/*
 * scenario_yaml: YAML scenario files -> struct scenario, with precise diagnostics.
 *
 * The only module that includes yaml.h. A file is loaded into a document (a tree of YAML
 * nodes that remembers every node's file:line:column); --set KEY=VALUE overrides are applied
 * to the document by key path; resolving the document runs the per-section key tables (key,
 * type, default, range, help) and the cross-field checks and yields a struct scenario.
 * A sweep loads once and resolves many times, so resolving is cheap (microseconds).
 *
 * Every problem is reported into a caller-owned struct diag (all problems in one pass where
 * possible); functions return false when any error was reported.
 */
#ifndef ATLAS_SIM_SCENARIO_SCENARIO_YAML_H
#define ATLAS_SIM_SCENARIO_SCENARIO_YAML_H

#include <stdbool.h>
#include <stdio.h>

#include "sim/scenario/diag.h"
#include "sim/scenario/scenario.h"
#include "sim/scenario/scenario_keys.h"

/* Load and parse path. NULL on failure (missing/unreadable file, YAML syntax, empty file). */
struct scenario_doc *scenario_doc_load(const char *path, struct diag *d);

/* Parse YAML text (tests); `name` is used as the file name in diagnostics. */
struct scenario_doc *scenario_doc_parse(const char *name, const char *text, size_t len,
                                        struct diag *d);

struct scenario_doc *scenario_doc_clone(const struct scenario_doc *doc);
void scenario_doc_free(struct scenario_doc *doc); /* NULL is a no-op */

/*
 * Override the value at a dotted key path ("cluster.nodes", "network.latency.median"), as
 * --set and sweep points do. The value is YAML scalar text (or a flow collection such as
 * "{dist: constant, value: 5ms}"). `origin` names the source in diagnostics ("--set").
 */
bool scenario_doc_set(struct scenario_doc *doc, const char *path, const char *value,
                      const char *origin, struct diag *d);

/*
 * Where the file gives the sweep value `value` of key path `axis` (an item of
 * sweep.params.AXIS, or the range there): true with its line and column, false when the
 * file does not sweep that key (a --set axis).
 */
bool scenario_doc_sweep_value_at(const struct scenario_doc *doc, const char *axis,
                                 const char *value, unsigned *line, unsigned *col);

/* Resolve into *out (scenario_init'ed by this call; scenario_fini it on success). */
bool scenario_doc_resolve(const struct scenario_doc *doc, struct scenario *out, struct diag *d);

/* Convenience: load + overrides ("KEY=VALUE" strings) + resolve. */
bool scenario_load(const char *path, int nsets, char *const *sets, struct scenario *out,
                   struct diag *d);

/* As scenario_load, and seed (if not NULL) overrides `seed` with "--seed" as its origin. */
bool scenario_load_seeded(const char *path, const char *seed, int nsets, char *const *sets,
                          struct scenario *out, struct diag *d);

#endif
