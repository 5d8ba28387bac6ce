/*
 * scenario_keys: the key tables of the scenario format and what is made from them.
 *
 * One table per section (key, type, default, range, help, example) drives three things
 * that must agree: resolving a document tree (ynode.h, built by scenario_yaml.c) into a
 * struct scenario, reporting every problem with its position; writing the resolved
 * scenario as YAML; and writing the Markdown key reference. This module never sees YAML
 * text (scenario_yaml.c alone includes yaml.h) and does not include scenario_yaml.h.
 */
#ifndef ATLAS_SIM_SCENARIO_SCENARIO_KEYS_H
#define ATLAS_SIM_SCENARIO_SCENARIO_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "sim/scenario/diag.h"
#include "sim/scenario/scenario.h"
#include "sim/scenario/ynode.h"

/* Apply the key tables to doc. See scenario_doc_resolve. */
bool scenario_keys_resolve(const struct scenario_doc *doc, struct scenario *out, struct diag *d);

/*
 * Write the resolved scenario as YAML with every key present (defaults filled in, seed
 * written out), such that loading it gives back an identical struct scenario.
 */
void scenario_write_yaml(const struct scenario *sc, FILE *f);

/* Write the key reference (every key: type, default, range, help) as Markdown. */
void scenario_write_reference(FILE *f);

#endif
