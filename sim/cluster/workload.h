/*
 * workload: the stream of proposals a run submits — the explicit workload.ops (in time
 * order, file order for ties) merged with workload.generate's random stream.
 *
 * Generated proposals arrive as a Poisson process at `rate` from `start`; the proposer
 * (fixed or uniform) and the operation (by the `mix` weights) come from stream
 * (RNG_WORKLOAD, 0), so the schedule never depends on what happens in the run. The
 * arguments are chosen when the proposal is submitted, from stream (RNG_WORKLOAD, 1),
 * against the proposer's replica so that most proposals are valid there: add_vertex gets a
 * fresh id "v<k>" and a label from {Person, Place, Thing}; add_edge joins two existing
 * vertices with a label from {knows, visits, likes}, avoiding an existing edge;
 * remove_vertex, remove_edge and set_property (key from {color, weight, rank}, value
 * "x<k>") pick existing elements. With nothing to pick, add_vertex is proposed instead.
 *
 * Ownership: borrows the scenario and the replicas.
 */
#ifndef ATLAS_SIM_CLUSTER_WORKLOAD_H
#define ATLAS_SIM_CLUSTER_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/proposal.h"
#include "sim/cluster/replicas.h"
#include "sim/scenario/scenario.h"

struct workload;

struct workload *workload_new(const struct scenario *sc);
void workload_free(struct workload *w); /* NULL is a no-op */

/* Proposals the workload can submit at most, and elements they can introduce at most. */
uint64_t workload_max_proposals(const struct scenario *sc);
size_t workload_max_elements(const struct scenario *sc);

/* Time of the next submission; false if the workload is exhausted. */
bool workload_peek(const struct workload *w, sim_time *at);

/* What workload_take returns for an explicit proposal (one that has its strings). */
#define WORKLOAD_EXPLICIT UINT32_MAX

/*
 * Take the next submission: *out (uninitialised) becomes the proposal with the given id and
 * its proposer. An explicit one gets its argument strings and the result is
 * WORKLOAD_EXPLICIT (intern *out with replicas_intern); a generated one gets its operation
 * but no strings: its arguments, chosen against r's replica of the proposer, are made in r
 * from indices and the result is that operation's index (replicas_describe describes it).
 */
uint32_t workload_take(struct workload *w, struct replicas *r, uint64_t id, struct proposal *out);

#endif
