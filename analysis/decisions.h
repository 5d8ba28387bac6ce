/*
 * decisions: the decision times of a point's proposals, pooled from its runs' outcomes.csv.
 *
 * A decision time is decided_s - submitted_s of a proposal whose outcome is approved,
 * rejected or timeout (the simulator's definition of decision_mean_s and its quantiles),
 * read exactly as integer nanoseconds. A run's outcomes are in DIR/runs/RUN/outcomes.csv
 * (a sweep run with --traces) or, for a folder with a single run, DIR/outcomes.csv. Every
 * row must carry the run and seed of its summary.csv row, and the number of decided rows
 * must equal that row's approved + rejected + timeout; otherwise the folder is inconsistent
 * and that is an error naming both files.
 *
 * Ownership: *ns is allocated (the caller frees it), sorted ascending.
 */
#ifndef ATLAS_ANALYSIS_DECISIONS_H
#define ATLAS_ANALYSIS_DECISIONS_H

#include <stddef.h>
#include <stdint.h>

#include "analysis/errbuf.h"
#include "analysis/folder.h"

enum decisions_status {
    DECISIONS_OK,      /* *ns, *n hold every decision time of the point */
    DECISIONS_MISSING, /* some run of the point has no outcomes.csv (nothing allocated) */
    DECISIONS_ERROR,   /* malformed or inconsistent file (diagnosed) */
};

enum decisions_status decisions_load(const struct folder *f, size_t point, uint64_t **ns, size_t *n,
                                     struct errbuf *e);

/* Parse exact decimal seconds ("12", "0.000000001") into ns; false if malformed. */
bool decisions_parse_seconds(const char *s, uint64_t *ns);

#endif
