/*
 * csvfmt: the text of one CSV field, shared by every writer of the project's CSV files
 * (sim/output/csv for a run's and a sweep's files, analysis/csvwrite for analysis.csv), so both
 * quote and print numbers the same way.
 *
 * A string field is quoted, with '"' doubled, when it contains a comma, a quote, CR or LF,
 * or starts or ends with a space (RFC 4180; pandas, R and gnuplot read it back unchanged).
 * A real is printed in the shortest text that strtod reads back exactly, in positional
 * notation unless the magnitude needs an exponent (|v| < 1e-4 or >= 1e17); NAN is "NA",
 * infinities "Inf" and "-Inf". (core/export keeps its own rule for Neo4j's files, which
 * quote empty strings to tell them from missing values.)
 */
#ifndef ATLAS_CORE_CSVFMT_H
#define ATLAS_CORE_CSVFMT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Write s as one field (no separator) to f. */
void csvfmt_field(FILE *f, const char *s);

/*
 * The same field text in memory: s (len bytes, no NUL needed) written at dst, which must
 * hold CSVFMT_FIELD_MAX(len) bytes; returns the end of what was written (no NUL).
 */
#define CSVFMT_FIELD_MAX(len) (2 * (len) + 2)
char *csvfmt_field_put(char *dst, const char *s, size_t len);

/*
 * Numbers written at p by hand (a few dozen instructions, no printf: trace files have millions
 * of them), no NUL; each returns the end of what it wrote. p must hold CSVFMT_NUMBER_LEN bytes.
 * csvfmt_seconds prints ns nanoseconds exactly as seconds: "0", "1.5", "0.000000001".
 */
#define CSVFMT_NUMBER_LEN 21 /* UINT64_MAX has 20 digits; its seconds "18446744073.709551615" */
char *csvfmt_u64(char *p, uint64_t v);
char *csvfmt_seconds(char *p, uint64_t ns);

/* The text of v in buf (at least CSVFMT_REAL_LEN bytes); returns buf. */
#define CSVFMT_REAL_LEN 32
char *csvfmt_real(double v, char *buf);

#endif
