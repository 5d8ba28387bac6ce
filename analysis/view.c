/*
 * view: reading one run's traces into a bounded set of drawable items (see view.h).
 *
 * One pass per file. An item whose time is in the window enters a max-heap on time of
 * max_items + 1 places; once the heap is full an item later than its top is refused before
 * any string is copied, so the rows after the first max_items (by time) cost a parse only.
 * At the end the heap's top is the cut: items at or after it are dropped (equal times all
 * go, so the cut never splits an instant) and the rest is put back in file order.
 */
#include "analysis/view.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/csvread.h"
#include "analysis/view_impl.h"
#include "core/xalloc.h"

/* --- cells ------------------------------------------------------------------------- */

static bool number(const char *s, double *out)
{
    char *end;
    errno = 0;
    *out = strtod(s, &end);
    return *s && !*end && errno == 0 && isfinite(*out);
}

static bool integer(const char *s, long *out)
{
    char *end;
    errno = 0;
    *out = strtol(s, &end, 10);
    return *s && !*end && errno == 0 && *out >= 0 && *out < 1000000000;
}

static bool needs_quotes(const char *s)
{
    return strpbrk(s, ",\"\r\n") != NULL;
}

/* The record as CSV text again (quoted where the field needs it), for hover. */
static char *row_text(const struct csvread *r)
{
    size_t len = 1, n = csvread_count(r);
    for (size_t i = 0; i < n; i++)
        len += 2 * strlen(csvread_field(r, i)) + 3;
    char *s = xmalloc(len), *p = s;
    for (size_t i = 0; i < n; i++) {
        const char *f = csvread_field(r, i);
        bool q = needs_quotes(f);
        if (i)
            *p++ = ',';
        if (q)
            *p++ = '"';
        for (; *f; f++) {
            if (*f == '"')
                *p++ = '"';
            *p++ = *f;
        }
        if (q)
            *p++ = '"';
    }
    *p = '\0';
    return s;
}

/* --- the bounded heap ---------------------------------------------------------------- */

static void item_fini(struct item *it)
{
    free(it->name);
    free(it->proposal);
    free(it->fate);
    free(it->row);
}

static bool in_window(const struct view *v, double key)
{
    return key >= v->from && key <= v->to && !(v->n == v->limit && key >= v->items[0].key);
}

static void swap(struct item *a, struct item *b)
{
    struct item t = *a;
    *a = *b;
    *b = t;
}

static void sift_down(struct item *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && h[l].key > h[m].key)
            m = l;
        if (r < n && h[r].key > h[m].key)
            m = r;
        if (m == i)
            return;
        swap(&h[i], &h[m]);
        i = m;
    }
}

/* Take it (in_window(v, it->key) was true): push, or replace the latest when full. */
static void heap_add(struct view *v, struct item *it)
{
    it->seq = v->seq++;
    if (v->n == v->limit) {
        item_fini(&v->items[0]);
        v->items[0] = *it;
        sift_down(v->items, v->n, 0);
        return;
    }
    XGROW(v->items, v->alloc, v->n + 1);
    size_t i = v->n++;
    v->items[i] = *it;
    while (i > 0 && v->items[(i - 1) / 2].key < v->items[i].key) {
        swap(&v->items[(i - 1) / 2], &v->items[i]);
        i = (i - 1) / 2;
    }
}

static void note_time(struct view *v, double t)
{
    v->first = t < v->first ? t : v->first;
    v->last = t > v->last ? t : v->last;
}

static void note_node(struct view *v, long node)
{
    v->nodes = node + 1 > v->nodes ? node + 1 : v->nodes;
}

/* --- files --------------------------------------------------------------------------- */

enum { MAXCOLS = 8 };

struct reader {
    const char *path;
    struct csvread *r;
    long col[MAXCOLS]; /* column index of each wanted name */
};

static const char *cell(const struct reader *rd, int i)
{
    return csvread_field(rd->r, (size_t)rd->col[i]);
}

static bool bad_cell(const struct reader *rd, const char *what, struct errbuf *e)
{
    errbuf_set(e, "%s:%lu: %s", rd->path, csvread_line(rd->r), what);
    return false;
}

/* Open path and find the wanted columns in its header. *absent (if given) becomes true and
 * nothing is an error when the file does not exist. */
static bool reader_open(struct reader *rd, const char *path, const char *const *names, int n,
                        bool *absent, struct errbuf *e)
{
    rd->path = path;
    FILE *probe = absent ? fopen(path, "rb") : NULL;
    if (absent && !probe && errno == ENOENT)
        return *absent = true;
    if (probe)
        fclose(probe);
    if (!(rd->r = csvread_open(path, e)))
        return false;
    enum csvread_status st = csvread_next(rd->r, e);
    if (st == CSVREAD_ERROR)
        return false;
    for (int i = 0; i < n; i++) {
        rd->col[i] = -1;
        for (size_t j = 0; st == CSVREAD_RECORD && j < csvread_count(rd->r); j++)
            if (strcmp(csvread_field(rd->r, j), names[i]) == 0)
                rd->col[i] = (long)j;
        if (rd->col[i] < 0) {
            errbuf_set(e, "%s: no column '%s'", path, names[i]);
            return false;
        }
    }
    return true;
}

/* Call row(v, rd, ctx, e) for every record; false on a CSV error or when row fails. */
static bool reader_each(struct view *v, struct reader *rd, void *ctx,
                        bool (*row)(struct view *, const struct reader *, void *, struct errbuf *),
                        struct errbuf *e)
{
    enum csvread_status st;
    while ((st = csvread_next(rd->r, e)) == CSVREAD_RECORD)
        if (!row(v, rd, ctx, e))
            return false;
    return st == CSVREAD_END;
}

/* Keep the item of this row (in the window): its name and proposal (or detail) from those
 * columns, its row for hover. Returns true. */
static bool take(struct view *v, const struct reader *rd, struct item *it, int name, int proposal)
{
    it->name = xstrdup(cell(rd, name));
    it->proposal = xstrdup(cell(rd, proposal));
    it->row = row_text(rd->r);
    heap_add(v, it);
    return true;
}

/* An arrival or decision time in column col: a number (noted), or NA (*t = -1); false if
 * it is neither. */
static bool end_time(struct view *v, const struct reader *rd, int col, double *t)
{
    if (number(cell(rd, col), t)) {
        note_time(v, *t);
        return true;
    }
    *t = -1;
    return strcmp(cell(rd, col), "NA") == 0;
}

/* --- messages.csv -------------------------------------------------------------------- */

enum { M_SENT, M_DELIV, M_FROM, M_TO, M_KIND, M_PROP, M_FATE, M_NCOLS };
static const char *const mcols[M_NCOLS] = {"sent_s", "delivered_s", "from", "to",
                                           "kind",   "proposal",    "fate"};

static bool message_row(struct view *v, const struct reader *rd, void *ctx, struct errbuf *e)
{
    (void)ctx;
    struct item it = {.type = ITEM_MSG};
    if (!number(cell(rd, M_SENT), &it.t0))
        return bad_cell(rd, "sent_s is not a number", e);
    if (!integer(cell(rd, M_FROM), &it.a) || !integer(cell(rd, M_TO), &it.b))
        return bad_cell(rd, "from or to is not a node number", e);
    if (!end_time(v, rd, M_DELIV, &it.t1))
        return bad_cell(rd, "delivered_s is neither a number nor NA", e);
    note_time(v, it.t0);
    note_node(v, it.a > it.b ? it.a : it.b);
    it.key = it.t0;
    if (!in_window(v, it.key))
        return true;
    it.fate = xstrdup(cell(rd, M_FATE));
    return take(v, rd, &it, M_KIND, M_PROP);
}

/* --- events.csv: points, and intervals from pairs ------------------------------------ */

struct open_span {
    const char *name; /* down, suspect, leader, partition */
    long node;
    char *key; /* which one of the node's (the suspected peer, the partition) */
    char *label;
    double start;
    char *row;
};

struct spans {
    struct open_span *open;
    size_t n, cap;
};

/* Close span i at t (INFINITY: still open at the end), keeping it if it meets the window. */
static void span_close(struct view *v, struct spans *s, size_t i, double t, const char *row)
{
    struct open_span o = s->open[i];
    s->open[i] = s->open[--s->n];
    struct item it = {.type = ITEM_SPAN, .t0 = o.start, .t1 = t, .a = o.node, .b = -1};
    it.key = o.start > v->from ? o.start : v->from;
    if (t >= v->from && in_window(v, it.key)) {
        it.name = xstrdup(o.name);
        it.proposal = o.label;
        size_t len = strlen(o.row) + (row ? strlen(row) : 0) + 2;
        it.row = xmalloc(len);
        snprintf(it.row, len, "%s%s%s", o.row, row ? "\n" : "", row ? row : "");
        o.label = NULL;
        heap_add(v, &it);
    }
    free(o.label);
    free(o.key);
    free(o.row);
}

static long span_find(const struct spans *s, const char *name, long node, const char *key)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->open[i].name == name && s->open[i].node == node &&
            (!key || strcmp(s->open[i].key, key) == 0))
            return (long)i;
    return -1;
}

/* The first word of detail ("peer=3" of "peer=3 (alive)"), or up to ':' for partitions. */
static char *span_key(const char *detail, char stop)
{
    size_t n = strcspn(detail, stop == ' ' ? " " : ":");
    return xstrndup(detail, n);
}

static const char SPAN_DOWN[] = "down", SPAN_SUSPECT[] = "suspect", SPAN_LEADER[] = "leader",
                  SPAN_PARTITION[] = "partition";

/* events.csv's event names that open (and close) intervals */
static const struct span_rule {
    const char *open, *close, *span;
    char stop; /* what ends the key in detail; 0: one per node */
} span_rules[] = {
    {"crash", "recover", SPAN_DOWN, 0},
    {"suspect", "trust", SPAN_SUSPECT, ' '},
    {"leader", NULL, SPAN_LEADER, 0},
    {"partition", "heal", SPAN_PARTITION, ':'},
};

/* What the interval's bar says: "down (durable)", "suspects peer=3 (alive)", "leader
 * term=2", "partition 0: 2 groups". */
static char *span_label(const char *span, const char *detail)
{
    const char *what = span == SPAN_SUSPECT ? "suspects" : span;
    size_t len = strlen(what) + strlen(detail) + 4;
    char *s = xmalloc(len);
    if (span == SPAN_PARTITION || !*detail)
        snprintf(s, len, "%s", *detail ? detail : what);
    else
        snprintf(s, len, span == SPAN_DOWN ? "%s (%s)" : "%s %s", what, detail);
    return s;
}

#define ANY_NODE (-2L)

/* Close every open span of that name (and node, unless ANY_NODE) at t. */
static void span_close_all(struct view *v, struct spans *s, const char *name, long node, double t,
                           const char *row)
{
    for (size_t i = s->n; i-- > 0;) /* span_close moves the last one (already seen) to i */
        if (s->open[i].name == name && (node == ANY_NODE || s->open[i].node == node))
            span_close(v, s, i, t, row);
}

/* Handle event name at node/time as an interval's start or end; false if it is neither or
 * does not pair up (opened twice, closed unopened): then it is drawn as a point. */
static bool span_event(struct view *v, struct spans *s, const char *name, long node, double t,
                       const char *detail, const struct csvread *r)
{
    for (size_t k = 0; k < sizeof(span_rules) / sizeof(span_rules[0]); k++) {
        const struct span_rule *sr = &span_rules[k];
        bool opens = strcmp(name, sr->open) == 0;
        if (!opens && !(sr->close && strcmp(name, sr->close) == 0))
            continue;
        char *key = span_key(detail, sr->stop), *row = row_text(r);
        long i = span_find(s, sr->span, node, sr->stop ? key : NULL);
        if (sr->span == SPAN_LEADER) {
            span_close_all(v, s, SPAN_LEADER, ANY_NODE, t, row); /* a new leader ends them */
        } else if (opens == (i >= 0)) {
            free(key);
            free(row);
            return false;
        }
        if (!opens) {
            span_close(v, s, (size_t)i, t, row);
            free(key);
            free(row);
            return true;
        }
        if (sr->span == SPAN_DOWN) { /* a crash ends the node's suspicions and lead */
            span_close_all(v, s, SPAN_SUSPECT, node, t, NULL);
            span_close_all(v, s, SPAN_LEADER, node, t, NULL);
        }
        XGROW(s->open, s->cap, s->n + 1);
        s->open[s->n++] = (struct open_span){.name = sr->span,
                                             .node = node,
                                             .key = key,
                                             .label = span_label(sr->span, detail),
                                             .start = t,
                                             .row = row};
        return true;
    }
    return false;
}

enum { E_TIME, E_NODE, E_EVENT, E_DETAIL, E_NCOLS };
static const char *const ecols[E_NCOLS] = {"time_s", "node", "event", "detail"};

static bool event_row(struct view *v, const struct reader *rd, void *ctx, struct errbuf *e)
{
    struct item it = {.type = ITEM_EVENT, .b = -1};
    if (!number(cell(rd, E_TIME), &it.t0))
        return bad_cell(rd, "time_s is not a number", e);
    if (!integer(cell(rd, E_NODE), &it.a)) {
        if (strcmp(cell(rd, E_NODE), "NA") != 0)
            return bad_cell(rd, "node is neither a node number nor NA", e);
        it.a = VIEW_CLUSTER;
    }
    note_time(v, it.t0);
    note_node(v, it.a);
    if (span_event(v, ctx, cell(rd, E_EVENT), it.a, it.t0, cell(rd, E_DETAIL), rd->r))
        return true;
    it.t1 = it.key = it.t0;
    if (!in_window(v, it.key))
        return true;
    return take(v, rd, &it, E_EVENT, E_DETAIL);
}

/* --- outcomes.csv --------------------------------------------------------------------- */

enum { O_PROP, O_PROPOSER, O_SUB, O_DEC, O_OUTCOME, O_NCOLS };
static const char *const ocols[O_NCOLS] = {"proposal", "proposer", "submitted_s", "decided_s",
                                           "outcome"};

static bool outcome_row(struct view *v, const struct reader *rd, void *ctx, struct errbuf *e)
{
    (void)ctx;
    struct item it = {.type = ITEM_OUTCOME, .b = -1};
    if (!number(cell(rd, O_SUB), &it.t0) || !integer(cell(rd, O_PROPOSER), &it.a))
        return bad_cell(rd, "submitted_s or proposer is not a number", e);
    if (!end_time(v, rd, O_DEC, &it.t1))
        return bad_cell(rd, "decided_s is neither a number nor NA", e);
    note_time(v, it.t0);
    note_node(v, it.a);
    it.key = it.t0 > v->from ? it.t0 : v->from;
    if ((it.t1 >= 0 && it.t1 < v->from) || !in_window(v, it.key))
        return true;
    return take(v, rd, &it, O_OUTCOME, O_PROP);
}

/* --- the whole folder ----------------------------------------------------------------- */

/* Read one file of dir through row. A file that does not exist is no error: *absent (if
 * given) says so. */
static bool read_one(struct view *v, const char *dir, const char *file, bool *absent,
                     const char *const *cols, int ncols, void *ctx,
                     bool (*row)(struct view *, const struct reader *, void *, struct errbuf *),
                     struct errbuf *e)
{
    size_t len = strlen(dir) + strlen(file) + 2;
    char *path = xmalloc(len);
    snprintf(path, len, "%s/%s", dir, file);
    struct reader rd = {0};
    bool missing = false;
    bool ok = reader_open(&rd, path, cols, ncols, &missing, e);
    ok = ok && (missing || reader_each(v, &rd, ctx, row, e));
    if (absent)
        *absent = missing;
    csvread_free(rd.r);
    free(path);
    return ok;
}

static int by_seq(const void *a, const void *b)
{
    const struct item *x = a, *y = b;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

/* Order of messages that marks copies: same send time, ends, kind, proposal; then seq. */
static int by_copy(const void *a, const void *b)
{
    const struct item *x = *(struct item *const *)a, *y = *(struct item *const *)b;
    if (x->t0 != y->t0)
        return (x->t0 > y->t0) - (x->t0 < y->t0);
    if (x->a != y->a || x->b != y->b)
        return x->a != y->a ? (x->a > y->a) - (x->a < y->a) : (x->b > y->b) - (x->b < y->b);
    int c = strcmp(x->name, y->name);
    c = c ? c : strcmp(x->proposal, y->proposal);
    return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

static bool same_copy(const struct item *x, const struct item *y)
{
    return x->t0 == y->t0 && x->a == y->a && x->b == y->b && !strcmp(x->name, y->name) &&
           !strcmp(x->proposal, y->proposal);
}

static void mark_duplicates(struct view *v)
{
    struct item **m = xcalloc(v->n + 1, sizeof(*m));
    size_t k = 0;
    for (size_t i = 0; i < v->n; i++)
        if (v->items[i].type == ITEM_MSG)
            m[k++] = &v->items[i];
    qsort(m, k, sizeof(*m), by_copy);
    for (size_t i = 1; i < k; i++)
        m[i]->dup = same_copy(m[i - 1], m[i]);
    free(m);
}

static size_t kind_index(struct view *v, const char *k)
{
    for (size_t i = 0; i < v->nkinds; i++)
        if (strcmp(v->kinds[i], k) == 0)
            return i;
    v->kinds = xreallocarray(v->kinds, v->nkinds + 1, sizeof(*v->kinds));
    v->kinds[v->nkinds] = xstrdup(k);
    return v->nkinds++;
}

/* Cut at the heap's top if full, restore file order, resolve open intervals, kinds, copies. */
static void finish(struct view *v)
{
    size_t k = 0;
    v->narrowed = v->n == v->limit;
    v->cut = v->narrowed ? v->items[0].key : 0;
    for (size_t i = 0; i < v->n; i++) {
        if (v->narrowed && v->items[i].key >= v->cut)
            item_fini(&v->items[i]);
        else
            v->items[k++] = v->items[i];
    }
    v->n = k;
    qsort(v->items, v->n, sizeof(*v->items), by_seq);
    for (size_t i = 0; i < v->n; i++) {
        struct item *it = &v->items[i];
        if (it->type == ITEM_SPAN && isinf(it->t1))
            it->t1 = v->last;
        if (it->type == ITEM_MSG)
            it->kind = kind_index(v, it->name);
    }
    mark_duplicates(v);
}

struct view *view_load(const char *dir, const struct view_window *w, struct errbuf *e)
{
    struct view *v = xcalloc(1, sizeof(*v));
    v->from = w->from;
    v->to = w->to;
    v->limit = w->max_items < SIZE_MAX ? w->max_items + 1 : SIZE_MAX;
    v->first = INFINITY;
    v->last = -INFINITY;
    struct spans s = {0};
    bool absent = false;
    bool ok = read_one(v, dir, "messages.csv", &absent, mcols, M_NCOLS, NULL, message_row, e);
    if (absent)
        errbuf_set(e,
                   "%s: no messages.csv (run with output.traces: [messages], or a sweep "
                   "with --traces)",
                   dir);
    ok = ok && !absent;
    ok = ok && read_one(v, dir, "events.csv", NULL, ecols, E_NCOLS, &s, event_row, e);
    while (s.n)
        span_close(v, &s, s.n - 1, INFINITY, NULL);
    free(s.open);
    ok = ok && read_one(v, dir, "outcomes.csv", NULL, ocols, O_NCOLS, NULL, outcome_row, e);
    if (!ok) {
        view_free(v);
        return NULL;
    }
    finish(v);
    return v;
}

void view_free(struct view *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->n; i++)
        item_fini(&v->items[i]);
    free(v->items);
    for (size_t i = 0; i < v->nkinds; i++)
        free(v->kinds[i]);
    free(v->kinds);
    free(v);
}

bool view_narrowed(const struct view *v)
{
    return v->narrowed;
}

size_t view_messages(const struct view *v)
{
    size_t n = 0;
    for (size_t i = 0; i < v->n; i++)
        n += v->items[i].type == ITEM_MSG;
    return n;
}

size_t view_nodes(const struct view *v)
{
    return (size_t)v->nodes;
}
