/*
 * scenario_zones: the parts of struct scenario that issue 17 items 2 and 3 added (failure
 * domains, the zone latency matrix, zone crashes and random zone faults, slow periods and
 * clogs): the cross-field checks, kept apart from scenario.c so the
 * common file stays small. Internal to sim/scenario.
 */
#ifndef ATLAS_SIM_SCENARIO_SCENARIO_ZONES_H
#define ATLAS_SIM_SCENARIO_SCENARIO_ZONES_H

#include "sim/scenario/scenario.h"

/* Checks for scenarios built in C (names exist, every node in exactly one zone, windows). */
void zones_validate(const struct scenario *sc, struct diag *d);

#endif
