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
 * The commit times are the same over approved proposals only (the simulator's commit_*_s).
 *
 * Ownership: the arrays are allocated (decisions_free releases them), sorted ascending.
 */
#ifndef ATLAS_ANALYSIS_DECISIONS_H
#define ATLAS_ANALYSIS_DECISIONS_H

#include <stddef.h>
#include <stdint.h>

#include "analysis/errbuf.h"
#include "analysis/folder.h"

enum decisions_status {
    DECISIONS_OK,      /* *out holds every decision time of the point */
    DECISIONS_MISSING, /* some run of the point has no outcomes.csv (nothing allocated) */
    DECISIONS_ERROR,   /* malformed or inconsistent file (diagnosed) */
};

struct decisions {
    uint64_t *ns; /* decision times (approved, rejected, timeout), ns, ascending */
    size_t n;
    uint64_t *commit_ns; /* those of approved proposals only */
    size_t ncommit;
};

enum decisions_status decisions_load(const struct folder *f, size_t point, struct decisions *out,
                                     struct errbuf *e);
void decisions_free(struct decisions *d); /* leaves it empty */

/* Parse exact decimal seconds ("12", "0.000000001") into ns; false if malformed. */
bool decisions_parse_seconds(const char *s, uint64_t *ns);

#endif
