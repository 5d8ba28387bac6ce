/* csvread: a strict RFC 4180 reader (see csvread.h). */
#include "analysis/csvread.h"

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

struct csvread {
    FILE *f;
    bool owns_f;          /* opened by csvread_open */
    char *name;           /* for messages */
    unsigned long line;   /* physical line of the next character (1-based) */
    unsigned long col;    /* column of the last character read (1-based) */
    unsigned long start;  /* line where the current record starts */
    bool failed;          /* an error was reported; every later call repeats it */
    struct errbuf error;  /* that error */
    size_t width;         /* fields per record, set by the first record (0: none yet) */
    char *buf;            /* the current record's fields, each NUL-terminated */
    size_t len, cap;      /* bytes used / allocated in buf */
    size_t *off;          /* offset of each field in buf */
    size_t count, offcap; /* fields in the current record / allocated */
};

struct csvread *csvread_new(FILE *f, const char *name)
{
    struct csvread *r = xcalloc(1, sizeof(*r));
    r->f = f;
    r->name = xstrdup(name);
    r->line = 1;
    int c = getc(f); /* skip a UTF-8 byte order mark */
    if (c == 0xEF) {
        int c2 = getc(f), c3 = c2 == 0xBB ? getc(f) : EOF;
        if (c2 != 0xBB || c3 != 0xBF) { /* reported by the first csvread_next */
            r->failed = true;
            errbuf_set(&r->error, "%s:1:1: starts with byte 0xEF but no UTF-8 byte order mark",
                       r->name);
        }
    } else if (c != EOF) {
        ungetc(c, f);
    }
    return r;
}

struct csvread *csvread_open(const char *path, struct errbuf *e)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        errbuf_set(e, "%s: cannot read: %s", path, strerror(errno));
        return NULL;
    }
    struct csvread *r = csvread_new(f, path);
    r->owns_f = true;
    return r;
}

void csvread_free(struct csvread *r)
{
    if (!r)
        return;
    if (r->owns_f)
        fclose(r->f);
    free(r->name);
    free(r->buf);
    free(r->off);
    free(r);
}

size_t csvread_count(const struct csvread *r)
{
    return r->count;
}

const char *csvread_field(const struct csvread *r, size_t i)
{
    assert(i < r->count);
    return r->buf + r->off[i];
}

unsigned long csvread_line(const struct csvread *r)
{
    return r->start;
}

const char *csvread_name(const struct csvread *r)
{
    return r->name;
}

static int next_char(struct csvread *r)
{
    int c = getc_unlocked(r->f); /* one reader per FILE: no locking per character */
    if (c == '\n') {
        r->line++;
        r->col = 0;
    } else if (c != EOF) {
        r->col++;
    }
    return c;
}

static void put(struct csvread *r, char c)
{
    if (r->len + 1 > r->cap) /* xgrow is a call: not per character */
        XGROW(r->buf, r->cap, r->len + 1);
    r->buf[r->len++] = c;
}

static void begin_field(struct csvread *r)
{
    if (r->count + 1 > r->offcap)
        XGROW(r->off, r->offcap, r->count + 1);
    r->off[r->count++] = r->len;
}

static enum csvread_status fail(struct csvread *r, struct errbuf *e, unsigned long line,
                                unsigned long col, const char *what)
{
    r->failed = true;
    r->count = 0;
    if (col)
        errbuf_set(&r->error, "%s:%lu:%lu: %s", r->name, line, col, what);
    else
        errbuf_set(&r->error, "%s:%lu: %s", r->name, line, what);
    *e = r->error;
    return CSVREAD_ERROR;
}

/* After a character read as EOF: the end of input, or a read error. */
static bool read_error(struct csvread *r, struct errbuf *e)
{
    if (!ferror(r->f))
        return false;
    char what[128];
    snprintf(what, sizeof(what), "read error: %s", strerror(errno));
    fail(r, e, r->line, 0, what);
    return true;
}

static bool ends_field(int c)
{
    return c == ',' || c == '\n' || c == '\r' || c == EOF;
}

/* A quoted field whose opening quote was just read; *c gets the character after it. */
static enum csvread_status quoted(struct csvread *r, int *c, struct errbuf *e)
{
    unsigned long line = r->line, col = r->col;
    for (;;) {
        int d = next_char(r);
        if (d == EOF)
            return read_error(r, e) ? CSVREAD_ERROR
                                    : fail(r, e, line, col, "quoted field is never closed");
        if (d == '"') {
            d = next_char(r);
            if (d != '"') {
                *c = d;
                break;
            }
        }
        if (d == '\0')
            return fail(r, e, r->line, r->col, "NUL byte in a text file");
        put(r, (char)d);
    }
    if (!ends_field(*c))
        return fail(r, e, r->line, r->col,
                    "text after the closing quote of a field (a quote inside a quoted field "
                    "is written \"\")");
    return CSVREAD_RECORD;
}

/* An unquoted field starting with c; *c gets the character that ends it. */
static enum csvread_status unquoted(struct csvread *r, int *c, struct errbuf *e)
{
    while (!ends_field(*c)) {
        if (*c == '"')
            return fail(r, e, r->line, r->col,
                        "quote inside an unquoted field (enclose the field in quotes and "
                        "write the quote as \"\")");
        if (*c == '\0')
            return fail(r, e, r->line, r->col, "NUL byte in a text file");
        put(r, (char)*c);
        *c = next_char(r);
    }
    return CSVREAD_RECORD;
}

static enum csvread_status check_width(struct csvread *r, struct errbuf *e)
{
    if (!r->width)
        r->width = r->count;
    if (r->count == r->width)
        return CSVREAD_RECORD;
    char what[160];
    if (r->count == 1 && r->buf[0] == '\0')
        snprintf(what, sizeof(what), "empty line (a record needs %zu fields, like the header)",
                 r->width);
    else
        snprintf(what, sizeof(what), "%zu fields, but the header has %zu", r->count, r->width);
    return fail(r, e, r->start, 0, what);
}

enum csvread_status csvread_next(struct csvread *r, struct errbuf *e)
{
    r->len = r->count = 0;
    if (r->failed) {
        *e = r->error;
        return CSVREAD_ERROR;
    }
    int c = next_char(r);
    if (c == EOF)
        return read_error(r, e) ? CSVREAD_ERROR : CSVREAD_END;
    r->start = r->line - (c == '\n');
    for (;;) {
        begin_field(r);
        enum csvread_status s = c == '"' ? quoted(r, &c, e) : unquoted(r, &c, e);
        if (s != CSVREAD_RECORD)
            return s;
        put(r, '\0');
        if (c == ',') {
            c = next_char(r);
            continue;
        }
        if (c == '\r' && (c = next_char(r)) != '\n')
            return fail(r, e, r->line, r->col, "CR not followed by LF outside a quoted field");
        if (c == EOF && read_error(r, e))
            return CSVREAD_ERROR;
        return check_width(r, e);
    }
}

static int cmp_field(const void *a, const void *b, void *arg)
{
    const struct csvread *r = arg;
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    int c = strcmp(csvread_field(r, x), csvread_field(r, y));
    return c ? c : (x > y) - (x < y);
}

bool csvread_unique(const struct csvread *r, struct errbuf *e)
{
    size_t n = csvread_count(r);
    size_t *order = xreallocarray(NULL, n + 1, sizeof(*order));
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    qsort_r(order, n, sizeof(*order), cmp_field, (void *)r);
    bool ok = true;
    for (size_t k = 1; k < n && ok; k++)
        if (strcmp(csvread_field(r, order[k]), csvread_field(r, order[k - 1])) == 0) {
            errbuf_set(e, "%s:%lu: column '%s' appears twice (fields %zu and %zu)", csvread_name(r),
                       csvread_line(r), csvread_field(r, order[k]), order[k - 1] + 1, order[k] + 1);
            ok = false;
        }
    free(order);
    return ok;
}
