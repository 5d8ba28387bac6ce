/*
 * progress: the opt-in commit_index and applied_index rows of events.csv
 * (output.progress_interval, issue 13), coalesced so that a long run writes at most one row
 * of each per node per interval instead of one per command.
 *
 * The host calls progress_step after every step of a node (a delivery, a timer, a submission,
 * a crash or a recovery: the only moments a log protocol's indices change) and
 * progress_finish once at the end of the run. A changed index is written at once if the
 * node's last row of that kind is at least an interval old, else at the node's first step
 * after that; the last value of each index is written at the end if it is not yet. Values
 * may go down (an amnesia crash empties the log); without one they are monotone.
 * Cost: O(1) per step; 64 bytes per node.
 */
#ifndef ATLAS_SIM_CLUSTER_PROGRESS_H
#define ATLAS_SIM_CLUSTER_PROGRESS_H

#include <stdint.h>

struct cluster;

/* Allocate c->progress when the scenario asks for it and the protocol has a log with a commit
 * index (ops->commit_index); leave it NULL otherwise. */
void progress_init(struct cluster *c);
void progress_fini(struct cluster *c);

/* `node` took a step: write the rows its changed indices are due. No-op without progress. */
void progress_step(struct cluster *c, uint32_t node);

/* The run ended: write every index whose last value has no row yet. */
void progress_finish(struct cluster *c);

#endif
