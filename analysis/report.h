/*
 * report: the per-point answers of `atlas-sim analyze`, as a printed table and as
 * analysis.csv.
 *
 * For every point of a folder (see folder.h), from summary.csv (columns by name):
 *   runs; the scenario columns nodes, quorum, approval, faults (equal in every run of the
 *   point, else an error), duration_s;
 *   proposals and the outcome counts approved, rejected, timeout, no_quorum, invalid,
 *   aborted, undecided, summed over the runs;
 *   approval_rate = sum(approved) / sum(proposals) with its 95% Wilson interval;
 *   expected_approval = P[Bin(nodes, approval) >= quorum] when faults == 0 and approval is
 *   not NA, else NA. It is the probability for a proposal that is voted on; approval_rate
 *   counts every proposal, invalid ones included (they are never voted on), so the two are
 *   comparable when invalid == 0 (the table then also prints approved / valid proposals);
 *   decision_mean_s, decision_p50_s, decision_p90_s, decision_p99_s: pooled over every
 *   decided proposal of the point (nearest rank) when every run has an outcomes.csv (see
 *   decisions.h); otherwise the mean over runs of the per-run summary.csv values (runs with
 *   NA skipped). decision_source says which: "outcomes" or "summary";
 *   false_suspicions_per_node_hour = sum(false_suspicions) / (runs nodes duration_s / 3600);
 *   detection_mean_s = sum(detection_mean_s detections) / sum(detections), NA if none;
 *   diverged_replicas = the mean over runs.
 * Extra summary.csv columns asked for by name (--metric) add mean and Student-t 95% interval
 * over the runs (NA runs skipped): NAME_mean, NAME_ci95_lo, NAME_ci95_hi.
 *
 * analysis.csv columns: the swept keys (as in summary.csv), runs, nodes, quorum, approval,
 * faults, proposals, approved, rejected, timeout, no_quorum, invalid, aborted, undecided,
 * approval_rate, approval_ci95_lo, approval_ci95_hi, expected_approval, decision_mean_s,
 * decision_p50_s, decision_p90_s, decision_p99_s, false_suspicions_per_node_hour, detection_mean_s,
 * diverged_replicas, decision_source, then the extra metrics' columns. One row per point in
 * point order; numbers as the shortest text that reads back exactly; the scenario columns
 * copied from summary.csv verbatim; NA for missing values. Same folder, same bytes.
 *
 * Errors (report_new): a missing column, a cell that is not a number, a point whose runs
 * disagree on a scenario column, a run whose outcome counts add up to more than its proposals,
 * an inconsistent outcomes.csv; all name path[:line].
 */
#ifndef ATLAS_ANALYSIS_REPORT_H
#define ATLAS_ANALYSIS_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "analysis/errbuf.h"
#include "analysis/folder.h"

struct report;

/* The answers for every point of f (borrowed: it must outlive the report). */
struct report *report_new(const struct folder *f, const char *const *metrics, size_t nmetrics,
                          struct errbuf *e);

void report_free(struct report *r); /* NULL is a no-op */

/* What the plots can draw from this folder. */
struct report_overview {
    size_t points;           /* sweep points */
    size_t pooled_points;    /* points whose decision times come from outcomes.csv */
    size_t pooled_decided;   /* decided proposals in those points' outcomes.csv files */
    size_t pooled_committed; /* approved ones among them (the latency CDF's) */
    size_t approvals;        /* distinct approval values (NA not counted) */
    size_t node_counts;      /* distinct node counts */
};

void report_overview(const struct report *r, struct report_overview *o);

/* The human-readable table, one block per point. */
void report_print(const struct report *r, FILE *out);

/* analysis.csv rows (header included) to out. */
void report_write_csv(const struct report *r, FILE *out);

/* analysis.csv written atomically to path; false (diagnosed, nothing written) on failure. */
bool report_save(const struct report *r, const char *path, struct errbuf *e);

#endif
