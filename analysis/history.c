/*
 * history: history.csv into a linearizability history. Rows are read and checked one by one,
 * then sorted by op_id to pair each invocation with its completion. Contract in history.h.
 */
#include "analysis/history.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/csvread.h"
#include "analysis/decisions.h"
#include "core/xalloc.h"

enum row_type { ROW_INVOKE, ROW_OK, ROW_FAIL, ROW_INFO };

struct row {
    unsigned long line;    /* physical line */
    uint64_t op_id;        /* pairs invoke and completion */
    enum row_type type;    /* invoke / ok / fail / info */
    enum linz_kind kind;   /* the op */
    uint32_t client;       /* who */
    int64_t key;           /* the object */
    int64_t value;         /* see history.h; 0 when NA */
    bool has_value;        /* value was not NA */
    uint64_t invoke, done; /* ns; done: completion rows only */
};

enum col { C_RUN, C_REP, C_SEED, C_OPID, C_TYPE, C_CLIENT, C_OP, C_KEY, C_VALUE, C_INV, C_DONE };
#define NCOLS 11
static const char *const col_names[NCOLS] = {"run",   "rep",      "seed",      "op_id",
                                             "type",  "client",   "op",        "key",
                                             "value", "invoke_s", "complete_s"};

struct reader {
    struct csvread *r;
    size_t col[NCOLS];     /* field index of each column */
    char *run[3];          /* the first row's run, rep, seed */
    enum linz_model model; /* what ops are allowed */
    struct errbuf *e;
};

static const char *cell(const struct reader *rd, enum col c)
{
    return csvread_field(rd->r, rd->col[c]);
}

static bool fail_at(const struct reader *rd, enum col c, const char *what)
{
    errbuf_set(rd->e, "%s:%lu: column '%s' ('%s'): %s", csvread_name(rd->r), csvread_line(rd->r),
               col_names[c], cell(rd, c), what);
    return false;
}

static bool find_columns(struct reader *rd)
{
    for (size_t k = 0; k < NCOLS; k++) {
        rd->col[k] = SIZE_MAX;
        for (size_t i = 0; i < csvread_count(rd->r); i++)
            if (strcmp(csvread_field(rd->r, i), col_names[k]) == 0)
                rd->col[k] = i;
        if (rd->col[k] == SIZE_MAX) {
            errbuf_set(rd->e, "%s:1: no column '%s'", csvread_name(rd->r), col_names[k]);
            return false;
        }
    }
    return true;
}

static bool parse_i64(const char *s, int64_t *out)
{
    char *end;
    if (!*s || *s == ' ' || *s == '+')
        return false;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (*end || errno == ERANGE)
        return false;
    *out = v;
    return true;
}

static bool parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (*s < '0' || *s > '9')
        return false;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || errno == ERANGE)
        return false;
    *out = v;
    return true;
}

/* "[e1 e2 ...]" with elements 0..63 ascending, as a bitmask. */
static bool parse_set(const char *s, int64_t *out)
{
    uint64_t mask = 0;
    int last = -1;
    if (*s++ != '[')
        return false;
    while (*s != ']') {
        if (last >= 0 && *s++ != ' ')
            return false;
        int e = 0, digits = 0;
        for (; *s >= '0' && *s <= '9' && digits < 3; s++, digits++)
            e = e * 10 + (*s - '0');
        if (!digits || e > 63 || e <= last)
            return false;
        mask |= UINT64_C(1) << e;
        last = e;
    }
    *out = (int64_t)mask;
    return s[1] == '\0';
}

static bool parse_type(const char *s, enum row_type *t)
{
    static const char *const names[] = {"invoke", "ok", "fail", "info"};
    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0) {
            *t = (enum row_type)i;
            return true;
        }
    return false;
}

/* The op's kind in rd->model; false with a message if it is not one of the model's ops. */
static bool parse_op(const struct reader *rd, enum linz_kind *k)
{
    const char *s = cell(rd, C_OP);
    bool set = rd->model == LINZ_SET;
    if (strcmp(s, "read") == 0)
        *k = set ? LINZ_READ_SET : LINZ_READ;
    else if (strcmp(s, "write") == 0 && !set)
        *k = LINZ_WRITE;
    else if (strcmp(s, "add") == 0 && set)
        *k = LINZ_ADD;
    else if (strcmp(s, "remove") == 0 && set)
        *k = LINZ_REMOVE;
    else if (strcmp(s, "write") == 0 || strcmp(s, "add") == 0 || strcmp(s, "remove") == 0)
        return fail_at(rd, C_OP,
                       set ? "a register op in a set history (--model register?)"
                           : "a set op in a register history (--model set?)");
    else
        return fail_at(rd, C_OP, "not read, write, add or remove");
    return true;
}

/* The value cell: NA, or what this row's op and type call for. */
static bool parse_value(const struct reader *rd, struct row *w)
{
    const char *s = cell(rd, C_VALUE);
    bool reads = w->kind == LINZ_READ || w->kind == LINZ_READ_SET;
    w->has_value = strcmp(s, "NA") != 0;
    if (!w->has_value) {
        if (!reads)
            return fail_at(rd, C_VALUE, "a write, add or remove needs its value");
        return w->type != ROW_OK || fail_at(rd, C_VALUE, "an ok read needs the value it read");
    }
    if (reads && w->type != ROW_OK)
        return fail_at(rd, C_VALUE, "only an ok read carries a value (NA otherwise)");
    if (w->kind == LINZ_READ_SET)
        return parse_set(s, &w->value) ||
               fail_at(rd, C_VALUE, "not a set \"[e1 e2 ...]\" of elements 0..63 ascending");
    if (!parse_i64(s, &w->value))
        return fail_at(rd, C_VALUE, "not an integer");
    if ((w->kind == LINZ_ADD || w->kind == LINZ_REMOVE) && (w->value < 0 || w->value > 63))
        return fail_at(rd, C_VALUE, "a set element must be in 0..63");
    return true;
}

static bool same_run(struct reader *rd)
{
    static const enum col ids[3] = {C_RUN, C_REP, C_SEED};
    for (int i = 0; i < 3; i++) {
        if (!rd->run[i])
            rd->run[i] = xstrdup(cell(rd, ids[i]));
        else if (strcmp(rd->run[i], cell(rd, ids[i])) != 0)
            return fail_at(rd, ids[i],
                           "a second run in one file (check-history takes one run's history)");
    }
    return true;
}

static bool parse_row(struct reader *rd, struct row *w)
{
    uint64_t client;
    w->line = csvread_line(rd->r);
    if (!same_run(rd))
        return false;
    if (!parse_u64(cell(rd, C_OPID), &w->op_id))
        return fail_at(rd, C_OPID, "not an unsigned integer");
    if (!parse_type(cell(rd, C_TYPE), &w->type))
        return fail_at(rd, C_TYPE, "not invoke, ok, fail or info");
    if (!parse_u64(cell(rd, C_CLIENT), &client) || client > UINT32_MAX)
        return fail_at(rd, C_CLIENT, "not a client number (0..4294967295)");
    w->client = (uint32_t)client;
    if (!parse_op(rd, &w->kind) || !parse_value(rd, w))
        return false;
    if (!parse_i64(cell(rd, C_KEY), &w->key))
        return fail_at(rd, C_KEY, "not an integer");
    if (!decisions_parse_seconds(cell(rd, C_INV), &w->invoke))
        return fail_at(rd, C_INV, "not a time in seconds");
    if (w->type == ROW_INVOKE)
        return strcmp(cell(rd, C_DONE), "NA") == 0 ||
               fail_at(rd, C_DONE, "an invoke row has no completion time (NA)");
    if (!decisions_parse_seconds(cell(rd, C_DONE), &w->done))
        return fail_at(rd, C_DONE, "not a time in seconds");
    return w->done >= w->invoke || fail_at(rd, C_DONE, "before invoke_s");
}

static int row_cmp(const void *a, const void *b)
{
    const struct row *x = a, *y = b;
    if (x->op_id != y->op_id)
        return x->op_id < y->op_id ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

struct pair {
    const struct row *inv;  /* the invoke row */
    const struct row *done; /* its completion row, or NULL */
};

static int pair_cmp(const void *a, const void *b)
{
    const struct pair *x = a, *y = b;
    return x->inv->line < y->inv->line ? -1 : x->inv->line > y->inv->line;
}

static bool pair_error(const char *path, const struct row *w, const char *what, struct errbuf *e)
{
    errbuf_set(e, "%s:%lu: op_id %llu: %s", path, w->line, (unsigned long long)w->op_id, what);
    return false;
}

/* Check that completion c belongs to invocation i. */
static bool pair_check(const char *path, const struct row *i, const struct row *c, struct errbuf *e)
{
    if (c->type == ROW_INVOKE)
        return pair_error(path, c, "invoked a second time", e);
    if (c->client != i->client || c->kind != i->kind || c->key != i->key || c->invoke != i->invoke)
        return pair_error(path, c, "client, op, key or invoke_s differ from its invoke row", e);
    bool reads = i->kind == LINZ_READ || i->kind == LINZ_READ_SET;
    if (!reads && c->value != i->value)
        return pair_error(path, c, "value differs from its invoke row", e);
    return true;
}

/* The op of invocation i and its completion c (NULL: none, indeterminate). */
static struct linz_op make_op(const struct row *i, const struct row *c)
{
    struct linz_op op = {.client = i->client,
                         .kind = i->kind,
                         .key = i->key,
                         .value = c && c->has_value ? c->value : i->value,
                         .invoke = i->invoke,
                         .complete = c ? c->done : i->invoke,
                         .result = LINZ_RESULT_INFO};
    if (c && c->type == ROW_OK)
        op.result = LINZ_RESULT_OK;
    else if (c && c->type == ROW_FAIL)
        op.result = LINZ_RESULT_FAIL;
    return op;
}

/* Pair the rows (sorted by op_id, line); *np pairs. */
static struct pair *pair_rows(const char *path, const struct row *rows, size_t n, size_t *np,
                              struct errbuf *e)
{
    struct pair *p = xcalloc(n + 1, sizeof(*p));
    size_t m = 0;
    for (size_t k = 0; k < n; k++, m++) {
        const struct row *i = &rows[k], *c = NULL;
        if (i->type != ROW_INVOKE) {
            pair_error(path, i, "a completion without an invoke row before it", e);
            free(p);
            return NULL;
        }
        if (k + 1 < n && rows[k + 1].op_id == i->op_id)
            c = &rows[++k];
        const char *twice = NULL;
        if (k + 1 < n && rows[k + 1].op_id == i->op_id)
            twice =
                rows[k + 1].type == ROW_INVOKE ? "invoked a second time" : "a second completion";
        if ((c && !pair_check(path, i, c, e)) ||
            (twice && !pair_error(path, &rows[k + 1], twice, e))) {
            free(p);
            return NULL;
        }
        p[m] = (struct pair){i, c};
    }
    qsort(p, m, sizeof(*p), pair_cmp);
    *np = m;
    return p;
}

static bool read_rows(struct reader *rd, struct row **rows, size_t *n)
{
    size_t cap = 0;
    enum csvread_status s = csvread_next(rd->r, rd->e);
    if (s == CSVREAD_END)
        errbuf_set(rd->e, "%s: empty file (expected a header row)", csvread_name(rd->r));
    if (s != CSVREAD_RECORD || !find_columns(rd))
        return false;
    while ((s = csvread_next(rd->r, rd->e)) == CSVREAD_RECORD) {
        XGROW(*rows, cap, *n + 1);
        if (!parse_row(rd, &(*rows)[*n]))
            return false;
        (*n)++;
    }
    return s == CSVREAD_END;
}

bool history_read(const char *path, enum linz_model model, struct history *out, struct errbuf *e)
{
    memset(out, 0, sizeof(*out));
    struct reader rd = {.r = csvread_open(path, e), .model = model, .e = e};
    struct row *rows = NULL;
    size_t n = 0, np = 0;
    bool ok = rd.r && read_rows(&rd, &rows, &n);
    csvread_free(rd.r);
    for (int i = 0; i < 3; i++)
        free(rd.run[i]);
    if (ok)
        qsort(rows, n, sizeof(*rows), row_cmp);
    struct pair *p = ok ? pair_rows(path, rows, n, &np, e) : NULL;
    ok = p != NULL;
    if (ok) {
        out->ops = linz_history_new(model);
        out->op_id = xcalloc(np + 1, sizeof(*out->op_id));
        out->line = xcalloc(np + 1, sizeof(*out->line));
        for (size_t k = 0; k < np; k++) {
            struct linz_op op = make_op(p[k].inv, p[k].done);
            const char *why = linz_history_add(out->ops, &op);
            assert(!why); /* parse_row and pair_check refused whatever linz would */
            (void)why;
            out->op_id[k] = p[k].inv->op_id;
            out->line[k] = p[k].inv->line;
        }
        out->n = np;
    }
    free(p);
    free(rows);
    return ok;
}

void history_fini(struct history *h)
{
    linz_history_free(h->ops);
    free(h->op_id);
    free(h->line);
    memset(h, 0, sizeof(*h));
}
