/*
 * csv: the CSV writer (RFC 4180 quoting) behind every CSV file a run or sweep writes; the
 * field text itself comes from core/csvfmt, shared with analysis/csvwrite.
 *
 * A field is quoted, with '"' doubled, when it contains a comma, a quote, CR or LF, or
 * starts or ends with a space; rows end with LF (pandas, R's read.csv and gnuplot all read
 * LF files). Numbers are written so that they read back exactly: integers in full, reals in
 * the shortest form that round-trips (NA for NAN), times as exact seconds from integer
 * nanoseconds (sim_time_format_seconds; NA for SIM_TIME_MAX, "never").
 *
 * The csv_put_* functions write the same field texts into memory, by hand rather than through
 * printf (a trace row costs a few hundred instructions: csv_trace formats millions of rows).
 *
 * Ownership: a struct csv borrows its FILE. Errors are the FILE's (check ferror on close).
 */
#ifndef ATLAS_SIM_OUTPUT_CSV_H
#define ATLAS_SIM_OUTPUT_CSV_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/csvfmt.h"
#include "sim/engine/time.h"

struct csv {
    FILE *f;      /* borrowed */
    unsigned col; /* fields written in the current row */
};

void csv_init(struct csv *c, FILE *f);

void csv_str(struct csv *c, const char *s); /* quoted when needed; NULL is an empty field */
void csv_u64(struct csv *c, uint64_t v);
void csv_real(struct csv *c, double v);       /* shortest round-trip text; NA for NAN */
void csv_time(struct csv *c, sim_time t);     /* exact seconds; NA for SIM_TIME_MAX */
void csv_na(struct csv *c);                   /* a missing value: NA */
void csv_proposal(struct csv *c, uint64_t p); /* "p-N" */
void csv_end(struct csv *c);                  /* end the row */

/* A header row from n column names. */
void csv_header(struct csv *c, const char *const *names, size_t n);

/*
 * Field text at p, no separator and no NUL; each returns the end of what it wrote. p must
 * hold CSV_PUT_MAX bytes (CSVFMT_FIELD_MAX(len) for csv_put_str). Integers: csvfmt_u64.
 */
#define CSV_PUT_MAX 24                       /* "18446744073.709551615", "p-" + 20 digits */
char *csv_put_time(char *p, sim_time t);     /* as csv_time: exact seconds; NA for "never" */
char *csv_put_proposal(char *p, uint64_t v); /* "p-N" */
char *csv_put_str(char *p, const char *s, size_t len); /* as csv_str, s of len bytes */

/* Shortest text for v that strtod reads back exactly ("0.9", "1e-05"); NA for NAN. */
#define CSV_REAL_BUFLEN CSVFMT_REAL_LEN
char *csv_format_real(double v, char *buf);

#endif
