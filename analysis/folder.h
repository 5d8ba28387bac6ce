/*
 * folder: the summary.csv of a run or sweep folder, its rows grouped into sweep points.
 *
 * A folder written by `atlas-sim run` or `atlas-sim sweep` has DIR/summary.csv, one row per
 * run. Columns are found by name in its header (extra columns are ignored): `run`, `rep` and
 * `seed`, then the swept keys (named by their path, none for a single run), then `nodes`
 * (the first scenario column), then the rest. The swept keys are exactly the columns between
 * `seed` and `nodes`. Rows with equal swept values form a point; points are numbered in the
 * order of their first row, and a point's rows keep the file order.
 *
 * Errors (exit code 2 for the CLI) name the path: DIR is not a folder, DIR/summary.csv cannot
 * be read or is malformed CSV (path:line:col), lacks run/rep/seed/nodes, has no rows; a cell
 * that is not a number where one is needed (path:line, with the column). A missing summary.csv
 * beside a DIR/.journal is a sweep still running or interrupted: the message says so and
 * names --resume.
 *
 * Ownership: the folder owns every string it returns. Memory: the whole summary.csv.
 */
#ifndef ATLAS_ANALYSIS_FOLDER_H
#define ATLAS_ANALYSIS_FOLDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis/errbuf.h"

struct folder_point {
    size_t nrows; /* runs of the point */
    size_t *rows; /* their row indices, in file order */
};

struct folder {
    char *dir;               /* the folder as given */
    char *summary;           /* DIR/summary.csv */
    size_t ncols;            /* columns of summary.csv */
    char **cols;             /* their names */
    size_t run, rep, seed;   /* indices of those columns */
    size_t naxes;            /* swept keys: columns axis0 .. axis0 + naxes - 1 */
    size_t axis0;            /* the column after `seed` */
    size_t nrows;            /* runs */
    char **cells;            /* nrows x ncols field texts */
    unsigned long *lines;    /* line of each row in summary.csv */
    size_t npoints;          /* sweep points */
    struct folder_point *pt; /* in order of first appearance */
};

/*
 * Whether swept column `axis` is the seconds companion of the one before it (KEY_s after KEY:
 * the sweep writes one after every axis of durations, for plotting).
 */
bool folder_axis_in_seconds(const struct folder *f, size_t axis);

/* Load DIR/summary.csv; NULL (diagnosed) on any problem. */
struct folder *folder_load(const char *dir, struct errbuf *e);

void folder_free(struct folder *f); /* NULL is a no-op */

/* Index of the column named `name`, or SIZE_MAX. */
size_t folder_column(const struct folder *f, const char *name);

/* Like folder_column, but a missing column is an error naming summary.csv. */
bool folder_need(const struct folder *f, const char *name, size_t *col, struct errbuf *e);

const char *folder_cell(const struct folder *f, size_t row, size_t col);

/* The value of swept key `axis` at point p. */
const char *folder_axis_value(const struct folder *f, size_t p, size_t axis);

/* A cell as a non-negative integer / as a finite real ("NA" gives NAN; "inf", "nan" and
 * overflowing texts are not numbers); false (diagnosed) if not. */
bool folder_u64(const struct folder *f, size_t row, size_t col, uint64_t *v, struct errbuf *e);
bool folder_real(const struct folder *f, size_t row, size_t col, double *v, struct errbuf *e);

/* "DIR/name", allocated; the caller frees it. */
char *folder_path(const struct folder *f, const char *name);

#endif
