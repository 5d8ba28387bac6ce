/*
 * points: the rows of points.csv, the statistics of every sweep point over its runs.
 *
 * Columns: the swept key paths (as in summary.csv), `n` (runs at the point), then for every
 * field of metric_fields[], in table order: a scenario parameter (METRIC_PARAM) as one column
 * NAME with its value (equal in every run of the point); a metric as NAME_mean, NAME_sd,
 * NAME_ci95_lo, NAME_ci95_hi; an identifier (METRIC_HASH) not at all.
 *
 * Counts and real metrics: mean, sample sd and the Student-t 95% interval of the mean over
 * the runs that have a value (stats_summarize; runs where a real metric is NA are skipped).
 * Proportions (METRIC_PROPORTION, e.g. approval_rate): the runs' counts are pooled, the
 * mean is sum(num) / sum(den) (approved over proposals of all replications, which is the
 * mean of the per-run rates when every run has the same number of proposals), the interval
 * is the Wilson score interval of those pooled counts, and sd is the sample sd of the
 * per-run proportions. Numbers are printed with the fewest digits that read back exactly;
 * a value that does not exist is NA.
 *
 * With clients (any run of the sweep had them), the client_metric_fields[] follow as
 * metrics in their table order (NA in a run without clients), as in summary.csv.
 *
 * Samples are given as a matrix of doubles, one row per run, one column per field
 * (POINTS_WIDTH: metric_fields[] then client_metric_fields[]; counts converted to double),
 * so that `sweep` (from struct run_metrics) and `analyze` (from summary.csv) share the
 * computation.
 */
#ifndef ATLAS_SIM_OUTPUT_POINTS_H
#define ATLAS_SIM_OUTPUT_POINTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "sim/cluster/metrics.h"

/* Columns of a sample row: metric_fields[], then client_metric_fields[]. */
#define POINTS_WIDTH (points_field_count(true))
/* Fields written: metric_fields[], and client_metric_fields[] if clients. */
size_t points_field_count(bool clients);
/* Field j of a sample row (j < POINTS_WIDTH). */
const struct metric_field *points_field(size_t j);

void points_write_header(FILE *f, size_t naxes, const char *const *paths, bool clients);

/* samples: nruns rows of POINTS_WIDTH values. */
void points_write_row(FILE *f, size_t naxes, const char *const *values, const double *samples,
                      size_t nruns, bool clients);

/* The statistics of field j (points_field(j)) over nruns sample rows. */
struct stats_summary;
void points_metric_stats(const double *samples, size_t nruns, size_t j, struct stats_summary *out);

/* One sample row from a run's metrics (POINTS_WIDTH values). */
void points_sample_row(const struct run_metrics *m, double *row);

/* Index j of the field named `name` (points_field), or POINTS_WIDTH if none. */
size_t points_field_index(const char *name);

#endif
