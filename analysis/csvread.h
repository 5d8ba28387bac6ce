/*
 * csvread: a strict RFC 4180 reader, record by record.
 *
 * Records end with LF or CRLF (the last one may have no line end); fields are separated by
 * commas; a field enclosed in double quotes may contain commas, CR, LF and "" (one quote).
 * A UTF-8 byte order mark at the very start is skipped. Every record must have as many
 * fields as the first one (the header). Anything else is an error that names the place as
 * "NAME:LINE:COL: what" (1-based physical line and byte column): an unterminated quoted field
 * (the position of its opening quote), text after a closing quote, a quote inside an unquoted
 * field, a CR not followed by LF outside quotes, a NUL byte, a record with the wrong number
 * of fields ("NAME:LINE: what"), or a read error. After an error the reader stays failed.
 *
 * Ownership: the reader owns the current record's fields; they stay valid until the next
 * csvread_next or csvread_free. csvread_new borrows its FILE (the caller closes it);
 * csvread_open owns the file it opens. Memory: one record; time: linear in the input.
 */
#ifndef ATLAS_ANALYSIS_CSVREAD_H
#define ATLAS_ANALYSIS_CSVREAD_H

#include <stddef.h>
#include <stdio.h>

#include <stdbool.h>

#include "analysis/errbuf.h"

struct csvread;

enum csvread_status {
    CSVREAD_RECORD, /* a record was read */
    CSVREAD_END,    /* no more records */
    CSVREAD_ERROR,  /* malformed input or read error; message in the errbuf */
};

/* Open path for reading; NULL (and "PATH: cannot read: reason" in e) if it cannot be. */
struct csvread *csvread_open(const char *path, struct errbuf *e);

/* Read from f, naming it `name` in messages (the name is copied). */
struct csvread *csvread_new(FILE *f, const char *name);

void csvread_free(struct csvread *r); /* NULL is a no-op */

/* Read the next record. */
enum csvread_status csvread_next(struct csvread *r, struct errbuf *e);

size_t csvread_count(const struct csvread *r);                /* fields in the current record */
const char *csvread_field(const struct csvread *r, size_t i); /* i < csvread_count */
unsigned long csvread_line(const struct csvread *r);          /* line where the record starts */
const char *csvread_name(const struct csvread *r);

/* For a header record: false (with "NAME:LINE: column 'x' appears twice ...") when two
 * fields are equal, since a reader finding columns by name would take either. */
bool csvread_unique(const struct csvread *r, struct errbuf *e);

#endif
