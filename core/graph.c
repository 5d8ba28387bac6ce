/*
 * graph: see graph.h.
 *
 * Layout (chosen for a million-vertex replica): one array of vertex structs, one array of
 * edge structs, one pool of property cells. Each vertex heads two singly linked lists
 * threaded through the edges (next_out, next_in), so adjacency costs no per-vertex
 * allocation. Adding an edge does not touch its endpoints at once: the newest edges (at
 * most PENDING_MAX) wait unlinked, readers find them by a short scan, and they are linked
 * in one batch whose endpoint reads overlap instead of costing a memory latency each.
 * Removed vertices and edges leave dead slots (id / src == GRAPH_NONE) so handles stay
 * stable and iteration stays in insertion order; removed property cells go on a free list.
 *
 * The vertex with id string s is found through the string table: the interned entry of s
 * carries the vertex handle in its tag, so a lookup by id is one string-table probe.
 * Duplicate edges are found through an open-addressing set keyed on (source, label,
 * target) with linear probing and backward-shift deletion (no well-kept C hash table in
 * Debian fits, so it is written here); its slots hold the edge handle and the top 32 bits
 * of the edge key. Keys are made from string contents only, so the string-table and
 * duplicate-set slots of an edge are all fetched at once, before any is awaited.
 */
#include "core/graph.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "core/intern.h"
#include "core/xalloc.h"

struct vertex {
    uint32_t id;         /* interned id; INTERN_NONE: removed slot */
    uint32_t label;      /* interned label */
    graph_eid first_out; /* most recent out-edge */
    graph_eid first_in;  /* most recent in-edge */
    graph_pid props;     /* first property (smallest key) */
    uint32_t out_deg, in_deg;
};

struct edge {
    graph_vid src, dst; /* src GRAPH_NONE: removed slot */
    uint32_t label;     /* interned label */
    graph_eid next_out; /* next out-edge of src */
    graph_eid next_in;  /* next in-edge of dst */
    graph_pid props;    /* first property (smallest key) */
};

struct prop {
    uint32_t key, value; /* interned */
    graph_pid next;      /* next property of the owner, or of the free list */
};

struct eslot {
    graph_eid e;  /* GRAPH_NONE: empty */
    uint32_t top; /* high 32 bits of the edge key; its high bits are the home slot */
};

struct lanes {
    uint64_t lo, hi;
};

/* Edges appended but not yet linked into their endpoints' lists, at most. */
#define PENDING_MAX 16

struct graph {
    struct intern *str; /* all strings */
    struct vertex *v;   /* nv slots, live_v of them alive */
    size_t nv, v_cap, live_v;
    struct edge *e; /* ne slots, live_e alive */
    size_t ne, e_cap, live_e;
    size_t linked;  /* edges [linked, ne) are pending: live, not yet in any list */
    struct prop *p; /* np cells, live_p in use */
    size_t np, p_cap, live_p;
    graph_pid p_free;   /* free cell list */
    struct eslot *eset; /* duplicate-edge index, eset_cap a power of two */
    size_t eset_cap;
    unsigned eset_shift;    /* 64 - log2(eset_cap) */
    struct graph_hash hash; /* incremental state hash */
};

/* Domain tags of the state hash terms. */
enum { TAG_VERTEX = 0x7601, TAG_EDGE = 0x6502, TAG_PROP = 0x7003 };
#define SEED_LO UINT64_C(0x243f6a8885a308d3)
#define SEED_HI UINT64_C(0x13198a2e03707344)

static const char *const reason_names[] = {
#define X(sym, name, msg) name,
    GRAPH_REASON_LIST(X)
#undef X
};
static const char *const reason_msgs[] = {
#define X(sym, name, msg) msg,
    GRAPH_REASON_LIST(X)
#undef X
};

const char *graph_strerror(enum graph_reason r)
{
    return (unsigned)r < GRAPH_REASON_COUNT ? reason_msgs[r] : "unknown reason";
}

const char *graph_reason_name(enum graph_reason r)
{
    return (unsigned)r < GRAPH_REASON_COUNT ? reason_names[r] : "unknown";
}

static void prefetch(const void *p)
{
#if defined(__GNUC__)
    __builtin_prefetch(p);
#else
    (void)p;
#endif
}

/* ---- state hash terms ---------------------------------------------------------------- */

static struct lanes term(uint64_t tag, const uint64_t *c, size_t n)
{
    struct lanes t = {hash_mix64(SEED_LO ^ tag), hash_mix64(SEED_HI ^ tag)};
    for (size_t i = 0; i < n; i++) {
        t.lo = hash_combine(t.lo, c[i]);
        t.hi = hash_combine(t.hi, c[i]);
    }
    return t;
}

static void hash_add(struct graph *g, struct lanes t)
{
    g->hash.lo += t.lo;
    g->hash.hi += t.hi;
}

static void hash_sub(struct graph *g, struct lanes t)
{
    g->hash.lo -= t.lo;
    g->hash.hi -= t.hi;
}

/* Content hash of a vertex's id (a state hash input). */
static uint64_t id_hash(const struct graph *g, graph_vid v)
{
    return intern_hash(g->str, g->v[v].id);
}

static struct lanes vertex_term(const struct graph *g, graph_vid v)
{
    uint64_t c[2] = {id_hash(g, v), intern_hash(g->str, g->v[v].label)};
    return term(TAG_VERTEX, c, 2);
}

static struct lanes edge_term_of(uint64_t hsrc, uint64_t hlabel, uint64_t hdst)
{
    uint64_t c[3] = {hsrc, hlabel, hdst};
    return term(TAG_EDGE, c, 3);
}

static struct lanes edge_term(const struct graph *g, graph_eid e)
{
    const struct edge *ed = &g->e[e];
    return edge_term_of(id_hash(g, ed->src), intern_hash(g->str, ed->label), id_hash(g, ed->dst));
}

/* A property's term is chained onto its owner's term, so it names the owner. */
static struct lanes prop_term(const struct graph *g, struct lanes owner, graph_pid p)
{
    uint64_t c[3] = {TAG_PROP, intern_hash(g->str, g->p[p].key),
                     intern_hash(g->str, g->p[p].value)};
    for (size_t i = 0; i < 3; i++) {
        owner.lo = hash_combine(owner.lo, c[i]);
        owner.hi = hash_combine(owner.hi, c[i]);
    }
    return owner;
}

/* ---- lifecycle ----------------------------------------------------------------------- */

static void eset_alloc(struct graph *g, size_t cap)
{
    unsigned bits = 0;
    while (((size_t)1 << bits) < cap)
        bits++;
    assert(bits <= 32);
    g->eset_cap = (size_t)1 << bits;
    g->eset_shift = 64 - bits;
    g->eset = xmalloc(g->eset_cap * sizeof(*g->eset));
    for (size_t i = 0; i < g->eset_cap; i++)
        g->eset[i] = (struct eslot){.e = GRAPH_NONE, .top = 0};
}

struct graph *graph_new(void)
{
    struct graph *g = xcalloc(1, sizeof(*g));
    g->str = intern_new();
    g->p_free = GRAPH_NONE;
    eset_alloc(g, 16);
    return g;
}

void graph_free(struct graph *g)
{
    if (!g)
        return;
    intern_free(g->str);
    free(g->v);
    free(g->e);
    free(g->p);
    free(g->eset);
    free(g);
}

static void *dup_array(const void *src, size_t n, size_t size)
{
    void *d = xmalloc(n ? n * size : 1);
    if (n)
        memcpy(d, src, n * size);
    return d;
}

struct graph *graph_clone(const struct graph *g)
{
    struct graph *c = xmalloc(sizeof(*c));
    *c = *g;
    c->str = intern_clone(g->str);
    c->v = dup_array(g->v, g->nv, sizeof(*g->v));
    c->v_cap = g->nv;
    c->e = dup_array(g->e, g->ne, sizeof(*g->e));
    c->e_cap = g->ne;
    c->p = dup_array(g->p, g->np, sizeof(*g->p));
    c->p_cap = g->np;
    c->eset = dup_array(g->eset, g->eset_cap, sizeof(*g->eset));
    return c;
}

/* ---- duplicate-edge set -------------------------------------------------------------- */

/*
 * The key of an edge is made from the content hashes of its three strings, so it is known
 * before any table is probed and its slot can be fetched together with the endpoints'.
 */
static uint64_t ekey(uint64_t hsrc, uint64_t hlabel, uint64_t hdst)
{
    return hash_combine(hash_combine(hsrc, hlabel), hdst);
}

static uint64_t edge_key(const struct graph *g, graph_eid e)
{
    const struct edge *ed = &g->e[e];
    return ekey(id_hash(g, ed->src), intern_hash(g->str, ed->label), id_hash(g, ed->dst));
}

static size_t eslot_home(const struct graph *g, uint64_t h)
{
    return (size_t)(h >> g->eset_shift);
}

/* A slot's home, from its top bits alone (tables have at most 2^32 slots). */
static size_t eslot_home_top(unsigned shift, uint32_t top)
{
    return (size_t)(((uint64_t)top << 32) >> shift);
}

static graph_eid eset_find(const struct graph *g, uint64_t h, graph_vid s, uint32_t label,
                           graph_vid d)
{
    size_t mask = g->eset_cap - 1;
    for (size_t i = eslot_home(g, h); g->eset[i].e != GRAPH_NONE; i = (i + 1) & mask) {
        const struct eslot *sl = &g->eset[i];
        if (sl->top != (uint32_t)(h >> 32))
            continue;
        const struct edge *ed = &g->e[sl->e];
        if (ed->src == s && ed->dst == d && ed->label == label)
            return sl->e;
    }
    return GRAPH_NONE;
}

static void eset_put(struct eslot *set, size_t cap, unsigned shift, struct eslot sl)
{
    size_t i = eslot_home_top(shift, sl.top);
    while (set[i].e != GRAPH_NONE)
        i = (i + 1) & (cap - 1);
    set[i] = sl;
}

static void eset_insert(struct graph *g, graph_eid e, uint64_t h)
{
    if ((g->live_e + 1) * 10 > g->eset_cap * 7) {
        struct eslot *old = g->eset;
        size_t old_cap = g->eset_cap;
        eset_alloc(g, old_cap * 2);
        for (size_t i = 0; i < old_cap; i++)
            if (old[i].e != GRAPH_NONE)
                eset_put(g->eset, g->eset_cap, g->eset_shift, old[i]);
        free(old);
    }
    eset_put(g->eset, g->eset_cap, g->eset_shift,
             (struct eslot){.e = e, .top = (uint32_t)(h >> 32)});
}

/* Backward-shift deletion keeps every probe sequence unbroken without tombstones. */
static void eset_delete(struct graph *g, graph_eid e, uint64_t h)
{
    size_t mask = g->eset_cap - 1;
    size_t i = eslot_home(g, h);
    while (g->eset[i].e != e)
        i = (i + 1) & mask;
    for (size_t j = (i + 1) & mask; g->eset[j].e != GRAPH_NONE; j = (j + 1) & mask) {
        size_t home = eslot_home_top(g->eset_shift, g->eset[j].top);
        /* Move j back into the hole at i unless its home lies cyclically in (i, j]. */
        if (((j - home) & mask) >= ((j - i) & mask)) {
            g->eset[i] = g->eset[j];
            i = j;
        }
    }
    g->eset[i] = (struct eslot){.e = GRAPH_NONE, .top = 0};
}

/* ---- properties ---------------------------------------------------------------------- */

static graph_pid prop_alloc(struct graph *g, uint32_t key, uint32_t value)
{
    graph_pid p = g->p_free;
    if (p != GRAPH_NONE) {
        g->p_free = g->p[p].next;
    } else {
        assert(g->np < GRAPH_NONE);
        XGROW(g->p, g->p_cap, g->np + 1);
        p = (graph_pid)g->np++;
    }
    g->p[p] = (struct prop){.key = key, .value = value, .next = GRAPH_NONE};
    g->live_p++;
    return p;
}

static void prop_release(struct graph *g, graph_pid p)
{
    g->p[p].next = g->p_free;
    g->p_free = p;
    g->live_p--;
}

/* The link (head or a next field) at which key is or would be inserted in key order. */
static graph_pid *prop_link(struct graph *g, graph_pid *head, uint32_t key)
{
    const char *k = intern_str(g->str, key);
    graph_pid *link = head;
    while (*link != GRAPH_NONE && g->p[*link].key != key &&
           strcmp(intern_str(g->str, g->p[*link].key), k) < 0)
        link = &g->p[*link].next;
    return link;
}

static void prop_set(struct graph *g, graph_pid *head, struct lanes owner, const char *key,
                     const char *value)
{
    uint32_t k = intern_add(g->str, key, strlen(key));
    uint32_t val = intern_add(g->str, value, strlen(value));
    graph_pid *link = prop_link(g, head, k);
    graph_pid p = *link;
    if (p != GRAPH_NONE && g->p[p].key == k) {
        hash_sub(g, prop_term(g, owner, p));
        g->p[p].value = val;
    } else {
        p = prop_alloc(g, k, val);
        link = prop_link(g, head, k); /* the pool may have moved */
        g->p[p].next = *link;
        *link = p;
    }
    hash_add(g, prop_term(g, owner, p));
}

/* The property cell for key (a string not interned cannot be set) or GRAPH_NONE. */
static graph_pid prop_find(const struct graph *g, graph_pid head, const char *key)
{
    uint32_t k = intern_find(g->str, key, strlen(key));
    if (k == INTERN_NONE)
        return GRAPH_NONE;
    for (graph_pid p = head; p != GRAPH_NONE; p = g->p[p].next)
        if (g->p[p].key == k)
            return p;
    return GRAPH_NONE;
}

static void prop_remove(struct graph *g, graph_pid *head, struct lanes owner, const char *key)
{
    uint32_t k = intern_find(g->str, key, strlen(key));
    graph_pid *link = head;
    while (g->p[*link].key != k)
        link = &g->p[*link].next;
    graph_pid p = *link;
    hash_sub(g, prop_term(g, owner, p));
    *link = g->p[p].next;
    prop_release(g, p);
}

static void props_clear(struct graph *g, graph_pid *head, struct lanes owner)
{
    while (*head != GRAPH_NONE) {
        graph_pid p = *head;
        hash_sub(g, prop_term(g, owner, p));
        *head = g->p[p].next;
        prop_release(g, p);
    }
}

static void props_set_all(struct graph *g, graph_pid *head, struct lanes owner,
                          const struct graph_kv *props, size_t nprops)
{
    for (size_t i = 0; i < nprops; i++)
        prop_set(g, head, owner, props[i].key, props[i].value);
}

/* ---- adjacency ---------------------------------------------------------------------- */

/* Newest pending out-/in-edge of v in slots [linked, below), or GRAPH_NONE. */
static graph_eid pending_out(const struct graph *g, size_t below, graph_vid v)
{
    for (size_t i = below; i-- > g->linked;)
        if (g->e[i].src == v)
            return (graph_eid)i;
    return GRAPH_NONE;
}

static graph_eid pending_in(const struct graph *g, size_t below, graph_vid v)
{
    for (size_t i = below; i-- > g->linked;)
        if (g->e[i].dst == v)
            return (graph_eid)i;
    return GRAPH_NONE;
}

/* First and next out-/in-edges, most recent first: pending edges, then the list. */
static graph_eid out_head(const struct graph *g, graph_vid v)
{
    graph_eid e = pending_out(g, g->ne, v);
    return e != GRAPH_NONE ? e : g->v[v].first_out;
}

static graph_eid out_after(const struct graph *g, graph_eid e)
{
    if (e < g->linked)
        return g->e[e].next_out;
    graph_eid n = pending_out(g, e, g->e[e].src);
    return n != GRAPH_NONE ? n : g->v[g->e[e].src].first_out;
}

static graph_eid in_head(const struct graph *g, graph_vid v)
{
    graph_eid e = pending_in(g, g->ne, v);
    return e != GRAPH_NONE ? e : g->v[v].first_in;
}

static graph_eid in_after(const struct graph *g, graph_eid e)
{
    if (e < g->linked)
        return g->e[e].next_in;
    graph_eid n = pending_in(g, e, g->e[e].dst);
    return n != GRAPH_NONE ? n : g->v[g->e[e].dst].first_in;
}

/* Link the pending edges, oldest first; their endpoints are fetched together first. */
static void link_pending(struct graph *g)
{
    for (size_t i = g->linked; i < g->ne; i++) {
        prefetch(&g->v[g->e[i].src]);
        prefetch(&g->v[g->e[i].dst]);
    }
    for (size_t i = g->linked; i < g->ne; i++) {
        struct edge *ed = &g->e[i];
        struct vertex *s = &g->v[ed->src], *d = &g->v[ed->dst];
        ed->next_out = s->first_out;
        s->first_out = (graph_eid)i;
        s->out_deg++;
        ed->next_in = d->first_in;
        d->first_in = (graph_eid)i;
        d->in_deg++;
    }
    g->linked = g->ne;
}

/* ---- resolution shared by checks and mutations --------------------------------------- */

static bool empty(const char *s)
{
    return s == NULL || s[0] == '\0';
}

enum graph_reason graph_check_props(const struct graph_kv *props, size_t nprops)
{
    for (size_t i = 0; i < nprops; i++)
        if (empty(props[i].key) || props[i].value == NULL)
            return GRAPH_BAD_ARGUMENT;
    return GRAPH_OK;
}

graph_vid graph_find_vertex(const struct graph *g, const char *id)
{
    if (id == NULL)
        return GRAPH_NONE;
    struct intern_meta m;
    if (intern_find_meta(g->str, id, strlen(id), &m) == INTERN_NONE)
        return GRAPH_NONE;
    return m.tag;
}

static enum graph_reason resolve_vertex(const struct graph *g, const char *id, graph_vid *v)
{
    if (empty(id))
        return GRAPH_BAD_ARGUMENT;
    *v = graph_find_vertex(g, id);
    return *v == GRAPH_NONE ? GRAPH_VERTEX_MISSING : GRAPH_OK;
}

struct edge_ref {
    graph_vid src, dst;
    uint32_t label; /* INTERN_NONE if the label string is not interned (or not given) */
    uint64_t hsrc, hlabel, hdst; /* content hashes of from, label ("" if none), to */
    uint64_t key;                /* ekey of (from, label, to) when a label is given */
    graph_eid e;                 /* the existing edge, or GRAPH_NONE */
};

/* The only edge from src to dst, GRAPH_NONE if none, *several set if more than one. */
static graph_eid only_edge(const struct graph *g, graph_vid src, graph_vid dst, bool *several)
{
    graph_eid found = GRAPH_NONE;
    *several = false;
    for (graph_eid e = out_head(g, src); e != GRAPH_NONE; e = out_after(g, e)) {
        if (g->e[e].dst != dst)
            continue;
        if (found != GRAPH_NONE)
            *several = true;
        found = e;
    }
    return *several ? GRAPH_NONE : found;
}

/*
 * Resolve (from, label, to). need_label: a NULL label is an error (else it selects the only
 * edge). Returns BAD_ARGUMENT, ENDPOINT_MISSING (an endpoint vertex is absent),
 * EDGE_AMBIGUOUS, or OK with r->e the existing edge or GRAPH_NONE.
 *
 * Every memory access that can miss the cache is started before any is awaited: the two
 * string-table slots and the duplicate-set slot (its key needs only string hashes).
 */
static enum graph_reason resolve_edge(const struct graph *g, const char *from, const char *label,
                                      const char *to, bool need_label, struct edge_ref *r)
{
    if (empty(from) || empty(to) || (label ? label[0] == '\0' : need_label))
        return GRAPH_BAD_ARGUMENT;
    size_t nf = strlen(from), nt = strlen(to), nl = label ? strlen(label) : 0;
    uint64_t hf = intern_hash_bytes(from, nf), ht = intern_hash_bytes(to, nt);
    uint64_t hl = intern_hash_bytes(label ? label : "", nl);
    intern_prefetch(g->str, hf);
    intern_prefetch(g->str, ht);
    *r = (struct edge_ref){.hsrc = hf, .hlabel = hl, .hdst = ht, .key = ekey(hf, hl, ht)};
    if (label)
        prefetch(&g->eset[eslot_home(g, r->key)]);
    struct intern_meta m;
    r->src = intern_find_hashed(g->str, from, nf, hf, &m) == INTERN_NONE ? GRAPH_NONE : m.tag;
    r->dst = intern_find_hashed(g->str, to, nt, ht, &m) == INTERN_NONE ? GRAPH_NONE : m.tag;
    r->e = GRAPH_NONE;
    r->label = INTERN_NONE;
    if (r->src == GRAPH_NONE || r->dst == GRAPH_NONE)
        return GRAPH_ENDPOINT_MISSING;
    if (label == NULL) {
        bool several;
        r->e = only_edge(g, r->src, r->dst, &several);
        return several ? GRAPH_EDGE_AMBIGUOUS : GRAPH_OK;
    }
    r->label = intern_find_hashed(g->str, label, nl, hl, NULL);
    if (r->label != INTERN_NONE)
        r->e = eset_find(g, r->key, r->src, r->label, r->dst);
    return GRAPH_OK;
}

/* An existing edge for removal or property changes: a missing endpoint means no edge. */
static enum graph_reason resolve_existing_edge(const struct graph *g, const char *from,
                                               const char *label, const char *to, bool need_label,
                                               struct edge_ref *r)
{
    enum graph_reason why = resolve_edge(g, from, label, to, need_label, r);
    if (why == GRAPH_ENDPOINT_MISSING || (why == GRAPH_OK && r->e == GRAPH_NONE))
        return GRAPH_EDGE_MISSING;
    return why;
}

/* ---- vertices ------------------------------------------------------------------------ */

enum graph_reason graph_check_add_vertex(const struct graph *g, const char *id)
{
    if (empty(id))
        return GRAPH_BAD_ARGUMENT;
    return graph_find_vertex(g, id) != GRAPH_NONE ? GRAPH_DUPLICATE_VERTEX : GRAPH_OK;
}

enum graph_reason graph_add_vertex(struct graph *g, const char *id, const char *label,
                                   const struct graph_kv *props, size_t nprops)
{
    if (empty(id) || graph_check_props(props, nprops) != GRAPH_OK)
        return GRAPH_BAD_ARGUMENT;
    struct intern_meta m;
    uint32_t sid = intern_add_meta(g->str, id, strlen(id), &m);
    if (m.tag != INTERN_NONE)
        return GRAPH_DUPLICATE_VERTEX;
    label = label ? label : "";
    assert(g->nv < GRAPH_NONE);
    XGROW(g->v, g->v_cap, g->nv + 1);
    graph_vid v = (graph_vid)g->nv++;
    g->v[v] = (struct vertex){.id = sid,
                              .label = intern_add(g->str, label, strlen(label)),
                              .first_out = GRAPH_NONE,
                              .first_in = GRAPH_NONE,
                              .props = GRAPH_NONE};
    intern_set_tag(g->str, sid, v);
    g->live_v++;
    struct lanes t = vertex_term(g, v);
    hash_add(g, t);
    props_set_all(g, &g->v[v].props, t, props, nprops);
    return GRAPH_OK;
}

enum graph_reason graph_check_remove_vertex(const struct graph *g, const char *id)
{
    graph_vid v;
    return resolve_vertex(g, id, &v);
}

/* Unlink e from the out-list of its source and the in-list of its target. */
static void edge_unlink(struct graph *g, graph_eid e)
{
    struct edge *ed = &g->e[e];
    graph_eid *link = &g->v[ed->src].first_out;
    while (*link != e)
        link = &g->e[*link].next_out;
    *link = ed->next_out;
    link = &g->v[ed->dst].first_in;
    while (*link != e)
        link = &g->e[*link].next_in;
    *link = ed->next_in;
    g->v[ed->src].out_deg--;
    g->v[ed->dst].in_deg--;
}

static void edge_delete(struct graph *g, graph_eid e)
{
    link_pending(g);
    struct lanes t = edge_term(g, e);
    props_clear(g, &g->e[e].props, t);
    hash_sub(g, t);
    eset_delete(g, e, edge_key(g, e));
    edge_unlink(g, e);
    g->e[e].src = GRAPH_NONE;
    g->live_e--;
}

enum graph_reason graph_remove_vertex(struct graph *g, const char *id)
{
    graph_vid v;
    enum graph_reason why = resolve_vertex(g, id, &v);
    if (why != GRAPH_OK)
        return why;
    link_pending(g);
    while (g->v[v].first_out != GRAPH_NONE)
        edge_delete(g, g->v[v].first_out);
    while (g->v[v].first_in != GRAPH_NONE)
        edge_delete(g, g->v[v].first_in);
    struct lanes t = vertex_term(g, v);
    props_clear(g, &g->v[v].props, t);
    hash_sub(g, t);
    intern_set_tag(g->str, g->v[v].id, INTERN_NONE);
    g->v[v].id = INTERN_NONE;
    g->live_v--;
    return GRAPH_OK;
}

/* ---- edges --------------------------------------------------------------------------- */

enum graph_reason graph_check_add_edge(const struct graph *g, const char *from, const char *label,
                                       const char *to)
{
    struct edge_ref r;
    enum graph_reason why = resolve_edge(g, from, label, to, true, &r);
    if (why == GRAPH_OK && r.e != GRAPH_NONE)
        return GRAPH_DUPLICATE_EDGE;
    return why;
}

enum graph_reason graph_add_edge(struct graph *g, const char *from, const char *label,
                                 const char *to, const struct graph_kv *props, size_t nprops)
{
    struct edge_ref r;
    enum graph_reason why = resolve_edge(g, from, label, to, true, &r);
    if (why == GRAPH_OK && r.e != GRAPH_NONE)
        why = GRAPH_DUPLICATE_EDGE;
    if (why == GRAPH_OK)
        why = graph_check_props(props, nprops);
    if (why != GRAPH_OK)
        return why;
    if (r.label == INTERN_NONE)
        r.label = intern_add(g->str, label, strlen(label));
    assert(g->ne < GRAPH_NONE);
    XGROW(g->e, g->e_cap, g->ne + 1);
    graph_eid e = (graph_eid)g->ne++;
    g->e[e] = (struct edge){.src = r.src,
                            .dst = r.dst,
                            .label = r.label,
                            .next_out = GRAPH_NONE,
                            .next_in = GRAPH_NONE,
                            .props = GRAPH_NONE};
    eset_insert(g, e, r.key);
    g->live_e++;
    struct lanes t = edge_term_of(r.hsrc, r.hlabel, r.hdst);
    hash_add(g, t);
    if (g->ne - g->linked >= PENDING_MAX)
        link_pending(g);
    props_set_all(g, &g->e[e].props, t, props, nprops);
    return GRAPH_OK;
}

enum graph_reason graph_check_remove_edge(const struct graph *g, const char *from,
                                          const char *label, const char *to)
{
    struct edge_ref r;
    return resolve_existing_edge(g, from, label, to, true, &r);
}

enum graph_reason graph_remove_edge(struct graph *g, const char *from, const char *label,
                                    const char *to)
{
    struct edge_ref r;
    enum graph_reason why = resolve_existing_edge(g, from, label, to, true, &r);
    if (why == GRAPH_OK)
        edge_delete(g, r.e);
    return why;
}

graph_eid graph_find_edge(const struct graph *g, const char *from, const char *label,
                          const char *to)
{
    struct edge_ref r;
    return resolve_edge(g, from, label, to, false, &r) == GRAPH_OK ? r.e : GRAPH_NONE;
}

/* ---- properties ---------------------------------------------------------------------- */

static enum graph_reason check_prop(const struct graph *g, graph_pid head, const char *key,
                                    const char *value, bool remove)
{
    if (empty(key) || (!remove && value == NULL))
        return GRAPH_BAD_ARGUMENT;
    if (remove && prop_find(g, head, key) == GRAPH_NONE)
        return GRAPH_PROPERTY_MISSING;
    return GRAPH_OK;
}

static enum graph_reason vertex_prop_target(const struct graph *g, const char *id, const char *key,
                                            const char *value, bool remove, graph_vid *v)
{
    enum graph_reason why = resolve_vertex(g, id, v);
    if (why == GRAPH_OK)
        why = check_prop(g, g->v[*v].props, key, value, remove);
    return why;
}

static enum graph_reason edge_prop_target(const struct graph *g, const char *from,
                                          const char *label, const char *to, const char *key,
                                          const char *value, bool remove, graph_eid *e)
{
    struct edge_ref r;
    enum graph_reason why = resolve_existing_edge(g, from, label, to, false, &r);
    if (why == GRAPH_OK)
        why = check_prop(g, g->e[r.e].props, key, value, remove);
    *e = r.e;
    return why;
}

enum graph_reason graph_check_vertex_property(const struct graph *g, const char *id,
                                              const char *key, bool remove)
{
    graph_vid v;
    return vertex_prop_target(g, id, key, "", remove, &v);
}

enum graph_reason graph_check_edge_property(const struct graph *g, const char *from,
                                            const char *label, const char *to, const char *key,
                                            bool remove)
{
    graph_eid e;
    return edge_prop_target(g, from, label, to, key, "", remove, &e);
}

enum graph_reason graph_set_vertex_property(struct graph *g, const char *id, const char *key,
                                            const char *value)
{
    graph_vid v;
    enum graph_reason why = vertex_prop_target(g, id, key, value, false, &v);
    if (why == GRAPH_OK)
        prop_set(g, &g->v[v].props, vertex_term(g, v), key, value);
    return why;
}

enum graph_reason graph_remove_vertex_property(struct graph *g, const char *id, const char *key)
{
    graph_vid v;
    enum graph_reason why = vertex_prop_target(g, id, key, NULL, true, &v);
    if (why == GRAPH_OK)
        prop_remove(g, &g->v[v].props, vertex_term(g, v), key);
    return why;
}

enum graph_reason graph_set_edge_property(struct graph *g, const char *from, const char *label,
                                          const char *to, const char *key, const char *value)
{
    graph_eid e;
    enum graph_reason why = edge_prop_target(g, from, label, to, key, value, false, &e);
    if (why == GRAPH_OK)
        prop_set(g, &g->e[e].props, edge_term(g, e), key, value);
    return why;
}

enum graph_reason graph_remove_edge_property(struct graph *g, const char *from, const char *label,
                                             const char *to, const char *key)
{
    graph_eid e;
    enum graph_reason why = edge_prop_target(g, from, label, to, key, NULL, true, &e);
    if (why == GRAPH_OK)
        prop_remove(g, &g->e[e].props, edge_term(g, e), key);
    return why;
}

/* ---- state hash and counts ----------------------------------------------------------- */

struct graph_hash graph_state_hash(const struct graph *g)
{
    return g->hash;
}

uint64_t graph_state_hash64(const struct graph *g)
{
    return hash_combine(g->hash.lo, g->hash.hi);
}

bool graph_hash_equal(struct graph_hash a, struct graph_hash b)
{
    return a.lo == b.lo && a.hi == b.hi;
}

char *graph_hash_hex(struct graph_hash h, char buf[33])
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++) {
        buf[i] = digits[(h.hi >> (60 - 4 * i)) & 15];
        buf[16 + i] = digits[(h.lo >> (60 - 4 * i)) & 15];
    }
    buf[32] = '\0';
    return buf;
}

size_t graph_vertex_count(const struct graph *g)
{
    return g->live_v;
}

size_t graph_edge_count(const struct graph *g)
{
    return g->live_e;
}

size_t graph_property_count(const struct graph *g)
{
    return g->live_p;
}

/* ---- accessors ----------------------------------------------------------------------- */

static const struct vertex *live_vertex(const struct graph *g, graph_vid v)
{
    assert(v < g->nv && g->v[v].id != INTERN_NONE);
    return &g->v[v];
}

static const struct edge *live_edge(const struct graph *g, graph_eid e)
{
    assert(e < g->ne && g->e[e].src != GRAPH_NONE);
    return &g->e[e];
}

const char *graph_vertex_id(const struct graph *g, graph_vid v)
{
    return intern_str(g->str, live_vertex(g, v)->id);
}

const char *graph_vertex_label(const struct graph *g, graph_vid v)
{
    return intern_str(g->str, live_vertex(g, v)->label);
}

size_t graph_out_degree(const struct graph *g, graph_vid v)
{
    size_t n = live_vertex(g, v)->out_deg;
    for (size_t i = g->linked; i < g->ne; i++)
        n += g->e[i].src == v;
    return n;
}

size_t graph_in_degree(const struct graph *g, graph_vid v)
{
    size_t n = live_vertex(g, v)->in_deg;
    for (size_t i = g->linked; i < g->ne; i++)
        n += g->e[i].dst == v;
    return n;
}

graph_vid graph_edge_source(const struct graph *g, graph_eid e)
{
    return live_edge(g, e)->src;
}

graph_vid graph_edge_target(const struct graph *g, graph_eid e)
{
    return live_edge(g, e)->dst;
}

const char *graph_edge_label(const struct graph *g, graph_eid e)
{
    return intern_str(g->str, live_edge(g, e)->label);
}

static const char *prop_value(const struct graph *g, graph_pid head, const char *key)
{
    graph_pid p = key ? prop_find(g, head, key) : GRAPH_NONE;
    return p == GRAPH_NONE ? NULL : intern_str(g->str, g->p[p].value);
}

const char *graph_vertex_property(const struct graph *g, graph_vid v, const char *key)
{
    return prop_value(g, live_vertex(g, v)->props, key);
}

const char *graph_edge_property(const struct graph *g, graph_eid e, const char *key)
{
    return prop_value(g, live_edge(g, e)->props, key);
}

/* ---- iteration ----------------------------------------------------------------------- */

/* First live vertex / edge at slot i or later. */
static graph_vid live_vertex_from(const struct graph *g, size_t i)
{
    for (; i < g->nv; i++)
        if (g->v[i].id != INTERN_NONE)
            return (graph_vid)i;
    return GRAPH_NONE;
}

static graph_eid live_edge_from(const struct graph *g, size_t i)
{
    for (; i < g->ne; i++)
        if (g->e[i].src != GRAPH_NONE)
            return (graph_eid)i;
    return GRAPH_NONE;
}

graph_vid graph_vertex_first(const struct graph *g)
{
    return live_vertex_from(g, 0);
}

graph_vid graph_vertex_next(const struct graph *g, graph_vid v)
{
    assert(v < g->nv);
    return live_vertex_from(g, (size_t)v + 1);
}

graph_eid graph_edge_first(const struct graph *g)
{
    return live_edge_from(g, 0);
}

graph_eid graph_edge_next(const struct graph *g, graph_eid e)
{
    assert(e < g->ne);
    return live_edge_from(g, (size_t)e + 1);
}

/* Label filter: INTERN_NONE for "any"; a label never interned matches nothing. */
static bool label_filter(const struct graph *g, const char *label, uint32_t *sid)
{
    *sid = INTERN_NONE;
    if (label == NULL)
        return true;
    *sid = intern_find(g->str, label, strlen(label));
    return *sid != INTERN_NONE;
}

static graph_eid skip_out(const struct graph *g, graph_eid e, uint32_t label)
{
    while (e != GRAPH_NONE && label != INTERN_NONE && g->e[e].label != label)
        e = out_after(g, e);
    return e;
}

static graph_eid skip_in(const struct graph *g, graph_eid e, uint32_t label)
{
    while (e != GRAPH_NONE && label != INTERN_NONE && g->e[e].label != label)
        e = in_after(g, e);
    return e;
}

graph_eid graph_out_first(const struct graph *g, graph_vid v, const char *label)
{
    uint32_t l;
    live_vertex(g, v);
    graph_eid first = out_head(g, v);
    return label_filter(g, label, &l) ? skip_out(g, first, l) : GRAPH_NONE;
}

graph_eid graph_out_next(const struct graph *g, graph_eid e, const char *label)
{
    uint32_t l;
    live_edge(g, e);
    graph_eid next = out_after(g, e);
    return label_filter(g, label, &l) ? skip_out(g, next, l) : GRAPH_NONE;
}

graph_eid graph_in_first(const struct graph *g, graph_vid v, const char *label)
{
    uint32_t l;
    live_vertex(g, v);
    graph_eid first = in_head(g, v);
    return label_filter(g, label, &l) ? skip_in(g, first, l) : GRAPH_NONE;
}

graph_eid graph_in_next(const struct graph *g, graph_eid e, const char *label)
{
    uint32_t l;
    live_edge(g, e);
    graph_eid next = in_after(g, e);
    return label_filter(g, label, &l) ? skip_in(g, next, l) : GRAPH_NONE;
}

graph_pid graph_vertex_props(const struct graph *g, graph_vid v)
{
    return live_vertex(g, v)->props;
}

graph_pid graph_edge_props(const struct graph *g, graph_eid e)
{
    return live_edge(g, e)->props;
}

graph_pid graph_prop_next(const struct graph *g, graph_pid p)
{
    assert(p < g->np);
    return g->p[p].next;
}

const char *graph_prop_key(const struct graph *g, graph_pid p)
{
    assert(p < g->np);
    return intern_str(g->str, g->p[p].key);
}

const char *graph_prop_value(const struct graph *g, graph_pid p)
{
    assert(p < g->np);
    return intern_str(g->str, g->p[p].value);
}

/* ---- traversal ----------------------------------------------------------------------- */

void graph_vlist_fini(struct graph_vlist *l)
{
    free(l->v);
    *l = (struct graph_vlist){0};
}

static void vlist_push(struct graph_vlist *l, graph_vid v)
{
    XGROW(l->v, l->cap, l->n + 1);
    l->v[l->n++] = v;
}

/*
 * BFS from start into out (BFS order). parent[] (nv entries, all GRAPH_NONE on entry;
 * the start becomes its own parent) and depth[] are scratch. Stops once stop is reached.
 */
static void bfs(const struct graph *g, graph_vid start, uint32_t max_depth, uint32_t label,
                graph_vid stop, graph_vid *parent, uint32_t *depth, struct graph_vlist *out)
{
    out->n = 0;
    vlist_push(out, start);
    parent[start] = start;
    depth[start] = 0;
    for (size_t head = 0; head < out->n; head++) {
        graph_vid u = out->v[head];
        if (stop != GRAPH_NONE && parent[stop] != GRAPH_NONE)
            break;
        if (depth[u] >= max_depth)
            continue;
        for (graph_eid e = skip_out(g, out_head(g, u), label); e != GRAPH_NONE;
             e = skip_out(g, out_after(g, e), label)) {
            graph_vid w = g->e[e].dst;
            if (parent[w] != GRAPH_NONE)
                continue;
            parent[w] = u;
            depth[w] = depth[u] + 1;
            vlist_push(out, w);
        }
    }
}

struct bfs_scratch {
    graph_vid *parent;
    uint32_t *depth;
};

static struct bfs_scratch scratch_new(const struct graph *g)
{
    struct bfs_scratch s = {xmalloc((g->nv ? g->nv : 1) * sizeof(graph_vid)),
                            xmalloc((g->nv ? g->nv : 1) * sizeof(uint32_t))};
    for (size_t i = 0; i < g->nv; i++)
        s.parent[i] = GRAPH_NONE;
    return s;
}

static void scratch_free(struct bfs_scratch *s)
{
    free(s->parent);
    free(s->depth);
}

void graph_bfs(const struct graph *g, graph_vid start, uint32_t max_depth, const char *label,
               struct graph_vlist *out)
{
    live_vertex(g, start);
    uint32_t l;
    if (!label_filter(g, label, &l))
        max_depth = 0;
    struct bfs_scratch s = scratch_new(g);
    bfs(g, start, max_depth, l, GRAPH_NONE, s.parent, s.depth, out);
    scratch_free(&s);
}

/* BFS until to is reached; returns parent[] (caller frees) or NULL if unreachable. */
static graph_vid *search(const struct graph *g, graph_vid from, graph_vid to, uint32_t max_depth,
                         const char *label)
{
    live_vertex(g, from);
    live_vertex(g, to);
    uint32_t l;
    if (!label_filter(g, label, &l))
        max_depth = 0;
    struct bfs_scratch s = scratch_new(g);
    struct graph_vlist seen = {0};
    bfs(g, from, max_depth, l, to, s.parent, s.depth, &seen);
    graph_vlist_fini(&seen);
    free(s.depth);
    if (s.parent[to] != GRAPH_NONE)
        return s.parent;
    free(s.parent);
    return NULL;
}

bool graph_reachable(const struct graph *g, graph_vid from, graph_vid to, uint32_t max_depth,
                     const char *label)
{
    graph_vid *parent = search(g, from, to, max_depth, label);
    free(parent);
    return parent != NULL;
}

bool graph_shortest_path(const struct graph *g, graph_vid from, graph_vid to, const char *label,
                         struct graph_vlist *path)
{
    path->n = 0;
    graph_vid *parent = search(g, from, to, UINT32_MAX, label);
    if (!parent)
        return false;
    for (graph_vid v = to;; v = parent[v]) {
        vlist_push(path, v);
        if (v == from)
            break;
    }
    for (size_t i = 0, j = path->n - 1; i < j; i++, j--) {
        graph_vid t = path->v[i];
        path->v[i] = path->v[j];
        path->v[j] = t;
    }
    free(parent);
    return true;
}

/* ---- invariants ---------------------------------------------------------------------- */

/* graph_check must work in release builds too (tests run them), so no assert() here. */
#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            return false;                                                                          \
    } while (0)

struct tally {
    struct lanes sum; /* recomputed state hash */
    size_t props;     /* property cells reached */
};

static void tally_add(struct tally *t, struct lanes x)
{
    t->sum.lo += x.lo;
    t->sum.hi += x.hi;
}

static bool keys_ordered(const struct graph *g, graph_pid p, graph_pid q)
{
    return q == GRAPH_NONE ||
           strcmp(intern_str(g->str, g->p[p].key), intern_str(g->str, g->p[q].key)) < 0;
}

static bool check_props(const struct graph *g, graph_pid head, struct lanes owner, struct tally *t)
{
    for (graph_pid p = head; p != GRAPH_NONE; p = g->p[p].next) {
        CHECK(p < g->np && keys_ordered(g, p, g->p[p].next));
        tally_add(t, prop_term(g, owner, p));
        t->props++;
    }
    return true;
}

static bool check_vertex(const struct graph *g, graph_vid v, struct tally *t)
{
    const struct vertex *x = &g->v[v];
    CHECK(intern_tag(g->str, x->id) == v);
    size_t n = 0;
    for (graph_eid e = x->first_out; e != GRAPH_NONE; e = g->e[e].next_out, n++)
        CHECK(e < g->linked && g->e[e].src == v && n < g->ne);
    CHECK(n == x->out_deg);
    n = 0;
    for (graph_eid e = x->first_in; e != GRAPH_NONE; e = g->e[e].next_in, n++)
        CHECK(e < g->linked && g->e[e].dst == v && n < g->ne);
    CHECK(n == x->in_deg);
    struct lanes vt = vertex_term(g, v);
    tally_add(t, vt);
    return check_props(g, x->props, vt, t);
}

static bool check_edge(const struct graph *g, graph_eid e, struct tally *t)
{
    const struct edge *ed = &g->e[e];
    CHECK(ed->src < g->nv && ed->dst < g->nv);
    CHECK(g->v[ed->src].id != INTERN_NONE && g->v[ed->dst].id != INTERN_NONE);
    CHECK(eset_find(g, edge_key(g, e), ed->src, ed->label, ed->dst) == e);
    CHECK(e < g->linked || (ed->next_out == GRAPH_NONE && ed->next_in == GRAPH_NONE));
    struct lanes et = edge_term(g, e);
    tally_add(t, et);
    return check_props(g, ed->props, et, t);
}

bool graph_check(const struct graph *g)
{
    struct tally t = {{0, 0}, 0};
    size_t nv = 0, ne = 0, nset = 0;
    for (graph_vid v = 0; v < g->nv; v++)
        if (g->v[v].id != INTERN_NONE) {
            nv++;
            CHECK(check_vertex(g, v, &t));
        }
    for (graph_eid e = 0; e < g->ne; e++)
        if (g->e[e].src != GRAPH_NONE) {
            ne++;
            CHECK(check_edge(g, e, &t));
        }
    for (size_t i = 0; i < g->eset_cap; i++)
        nset += g->eset[i].e != GRAPH_NONE;
    for (size_t i = g->linked; i < g->ne; i++)
        CHECK(g->e[i].src != GRAPH_NONE);
    CHECK(g->linked <= g->ne && g->ne - g->linked <= PENDING_MAX);
    CHECK(nv == g->live_v && ne == g->live_e && t.props == g->live_p && nset == ne);
    CHECK(t.sum.lo == g->hash.lo && t.sum.hi == g->hash.hi);
    return true;
}
