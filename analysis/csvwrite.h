/*
 * csvwrite: RFC 4180 output for the analysis library (analysis.csv), written atomically.
 *
 * The analysis library may not use the simulator's CSV writer (it reads and writes CSV
 * without sim/), so this is its own, with the same conventions as the simulator's files:
 * LF line ends; a field is quoted when it contains a comma, quote, CR or LF or starts or
 * ends with a space, with quotes doubled; NA for a missing value; real numbers as the
 * shortest text that reads back to the same double, in positional notation unless the
 * magnitude needs an exponent.
 *
 * csvwrite_create writes to a temporary sibling of PATH (.NAME.tmp.PID in the same folder);
 * csvwrite_commit flushes, fsyncs, closes and renames it to PATH, so PATH is either the old
 * file or the complete new one, never half a file. On any failure the temporary file is
 * removed and e says "PATH: cannot write: reason".
 */
#ifndef ATLAS_ANALYSIS_CSVWRITE_H
#define ATLAS_ANALYSIS_CSVWRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "analysis/errbuf.h"
#include "core/csvfmt.h"

struct csvwrite {
    FILE *f;    /* the output */
    size_t col; /* fields written in the current row */
    char *path; /* csvwrite_create: the final path (owned); NULL for a borrowed FILE */
    char *tmp;  /* csvwrite_create: the temporary path (owned) */
};

/* Write rows to a FILE the caller owns. */
void csvwrite_init(struct csvwrite *w, FILE *f);

/* Start an atomic file; false (diagnosed) if the temporary file cannot be created. */
bool csvwrite_create(struct csvwrite *w, const char *path, struct errbuf *e);

/* Make the file appear under its path; false (diagnosed, nothing left behind) on failure. */
bool csvwrite_commit(struct csvwrite *w, struct errbuf *e);

/* Drop an atomic file being written. */
void csvwrite_abort(struct csvwrite *w);

void csvwrite_str(struct csvwrite *w, const char *s); /* quoted when needed */
void csvwrite_u64(struct csvwrite *w, uint64_t v);
void csvwrite_real(struct csvwrite *w, double v); /* NA for NAN */
void csvwrite_end(struct csvwrite *w);            /* end the row */

/* The text csvwrite_real writes ("NA" for NAN), in buf of at least CSVWRITE_REAL_LEN. */
#define CSVWRITE_REAL_LEN CSVFMT_REAL_LEN
const char *csvwrite_format_real(double v, char *buf);

#endif
