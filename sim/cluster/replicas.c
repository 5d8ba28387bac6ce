/* replicas: element bitsets as graph replicas (see replicas.h). */
#include "sim/cluster/replicas.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "core/graph.h"
#include "core/hash.h"
#include "core/xalloc.h"
#include "sim/engine/engine.h"

#define NONE UINT32_MAX

enum slot_kind { SLOT_VERTEX, SLOT_EDGE, SLOT_PROP };

struct u32vec {
    uint32_t *v;
    size_t n, cap;
};

/* An identity: a vertex id, an edge (from, label, to) or a property (owner, key). */
struct slot {
    enum slot_kind kind;
    uint32_t a, b;       /* EDGE: from and to vertex slots; PROP: owner slot */
    char *name;          /* VERTEX: id; EDGE: label; PROP: key */
    uint64_t chash;      /* hash of the identity's contents */
    struct u32vec elems; /* its elements (one per value) */
    struct u32vec props; /* VERTEX, EDGE: property slots */
    struct u32vec edges; /* VERTEX: incident edge slots */
    uint32_t vpos;       /* VERTEX: its position in vertex_slots */
};

/* An identity with a value: vertex label, edge (no value), property value. */
struct elem {
    uint32_t slot;
    char *value;   /* vertex label ("" if none), property value; NULL for edges */
    uint64_t hash; /* content hash, the term of the state hash */
};

/* An interned operation. */
struct rop {
    enum prop_op op;
    bool bad;          /* invalid everywhere (missing or empty argument) */
    bool unlabeled;    /* set_property on the only edge from -> to */
    uint32_t slot;     /* target vertex or edge slot */
    uint32_t elem;     /* add_*: the element; set_property: the value element or NONE */
    uint32_t pslot;    /* set_property (labelled target): the property slot */
    uint32_t from, to; /* vertex slots of an edge target */
    char *key, *value; /* unlabeled set_property: resolved per replica */
    uint32_t *props;   /* add_*: property elements */
    size_t nprops;
};

struct map_entry {
    uint64_t h;
    uint32_t idx; /* NONE: empty */
    uint32_t off, len;
};

/*
 * A node's present vertices as a bitset over vertex_slots positions (1 if present) and a
 * Fenwick tree of the counts of its blocks of VX_BLOCK positions, so that the workload counts
 * them and picks the k-th in interning order in O(log V) instead of listing them all per
 * proposal. The tree over blocks is small enough to stay in cache and the last step scans
 * one block (one cache line of bits): a Fenwick tree over single positions took a cache
 * miss per level on a million vertices. Built on first use for a node (only proposers'
 * replicas are asked), extended as vertices are interned, updated as elements come and go,
 * rebuilt after a reset or copy of the replica.
 */
#define VX_BLOCK 512 /* positions per block: 8 words of bits */

struct vindex {
    uint64_t *bits;  /* bit i: position i present; whole blocks, zero past n in its block */
    uint32_t *tree;  /* tree[1..blocks]: Fenwick tree of the block counts */
    size_t n;        /* positions covered: vertex_slots[0..n) */
    size_t bits_cap; /* words */
    size_t tree_cap;
};

struct replicas {
    uint32_t nodes;
    size_t max_elements, words;
    struct slot *slots;
    size_t nslots, slots_cap;
    struct elem *elems;
    size_t nelems;
    struct rop *ops;
    size_t nops, ops_cap;
    struct u32vec vertex_slots;
    struct map_entry *map; /* composite key -> slot or element index */
    size_t map_cap, map_used;
    char *keys; /* composite keys, back to back */
    size_t keys_len, keys_cap;
    uint64_t *bits;     /* nodes * words; node i at bits + i * words */
    uint64_t *hashes;   /* per node */
    uint64_t *template; /* words */
    uint64_t template_hash;
    struct vindex *vx; /* per node (NULL until a node's vertices are first asked for) */
    uint64_t *vx_live; /* bitset: node's index is built (small: read by every application) */
};

static void vec_push(struct u32vec *v, uint32_t x)
{
    XGROW(v->v, v->cap, v->n + 1);
    v->v[v->n++] = x;
}

static uint64_t bytes_hash(const void *p, size_t n, uint64_t h)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * UINT64_C(0x100000001b3);
    return hash_mix64(h ^ n);
}

static uint64_t str_hash(uint64_t h, const char *s)
{
    return bytes_hash(s ? s : "", s ? strlen(s) : 0, h);
}

/* --- composite-key map ------------------------------------------------------------- */

struct key {
    char buf[512];
    size_t len;
    bool truncated;
};

static void key_put(struct key *k, const void *p, size_t n)
{
    if (k->len + n > sizeof(k->buf)) {
        k->truncated = true;
        n = sizeof(k->buf) - k->len;
    }
    memcpy(k->buf + k->len, p, n);
    k->len += n;
}

static void key_u32(struct key *k, uint32_t x)
{
    key_put(k, &x, sizeof(x));
}

static void key_str(struct key *k, const char *s)
{
    key_put(k, s ? s : "", s ? strlen(s) + 1 : 1);
}

static void map_grow(struct replicas *r)
{
    size_t cap = r->map_cap ? r->map_cap * 2 : 256;
    struct map_entry *m = xcalloc(cap, sizeof(*m));
    for (size_t i = 0; i < cap; i++)
        m[i].idx = NONE;
    for (size_t i = 0; i < r->map_cap; i++) {
        if (r->map[i].idx == NONE)
            continue;
        size_t j = r->map[i].h & (cap - 1);
        while (m[j].idx != NONE)
            j = (j + 1) & (cap - 1);
        m[j] = r->map[i];
    }
    free(r->map);
    r->map = m;
    r->map_cap = cap;
}

/* Index stored under k, or NONE; *pos is the slot to insert at. */
static uint32_t map_find(const struct replicas *r, const struct key *k, uint64_t h, size_t *pos)
{
    size_t j = h & (r->map_cap - 1);
    while (r->map[j].idx != NONE) {
        const struct map_entry *e = &r->map[j];
        if (e->h == h && e->len == k->len && memcmp(r->keys + e->off, k->buf, k->len) == 0)
            return e->idx;
        j = (j + 1) & (r->map_cap - 1);
    }
    *pos = j;
    return NONE;
}

static void map_insert(struct replicas *r, const struct key *k, uint64_t h, size_t pos,
                       uint32_t idx)
{
    XGROW(r->keys, r->keys_cap, r->keys_len + k->len);
    memcpy(r->keys + r->keys_len, k->buf, k->len);
    r->map[pos] = (struct map_entry){
        .h = h, .idx = idx, .off = (uint32_t)r->keys_len, .len = (uint32_t)k->len};
    r->keys_len += k->len;
    r->map_used++;
}

static uint32_t map_get(struct replicas *r, const struct key *k, uint32_t new_idx, bool *added)
{
    assert(!k->truncated);
    if (2 * (r->map_used + 1) > r->map_cap)
        map_grow(r);
    uint64_t h = bytes_hash(k->buf, k->len, UINT64_C(0xcbf29ce484222325));
    size_t pos = 0;
    uint32_t idx = map_find(r, k, h, &pos);
    *added = idx == NONE;
    if (idx != NONE)
        return idx;
    map_insert(r, k, h, pos, new_idx);
    return new_idx;
}

/* --- interning ---------------------------------------------------------------------- */

/* The map key of slot (kind, a, b, name). */
static void slot_key(struct key *k, enum slot_kind kind, uint32_t a, uint32_t b, const char *name)
{
    k->len = 0;
    key_u32(k, kind);
    key_u32(k, a);
    key_u32(k, b);
    key_str(k, name);
}

static uint32_t slot_get(struct replicas *r, enum slot_kind kind, uint32_t a, uint32_t b,
                         const char *name)
{
    struct key k = {.len = 0};
    slot_key(&k, kind, a, b, name);
    bool added;
    uint32_t idx = map_get(r, &k, (uint32_t)r->nslots, &added);
    if (!added)
        return idx;
    XGROW(r->slots, r->slots_cap, r->nslots + 1);
    struct slot *s = &r->slots[r->nslots++];
    *s = (struct slot){.kind = kind, .a = a, .b = b, .name = xstrdup(name ? name : "")};
    uint64_t h = str_hash((uint64_t)kind + 1, s->name);
    if (kind == SLOT_EDGE)
        h = hash_combine(hash_combine(h, r->slots[a].chash), r->slots[b].chash);
    if (kind == SLOT_PROP)
        h = hash_combine(h, r->slots[a].chash);
    s->chash = h;
    if (kind == SLOT_VERTEX) {
        s->vpos = (uint32_t)r->vertex_slots.n;
        vec_push(&r->vertex_slots, idx);
    }
    if (kind == SLOT_EDGE) {
        vec_push(&r->slots[a].edges, idx);
        if (b != a)
            vec_push(&r->slots[b].edges, idx);
    }
    if (kind == SLOT_PROP)
        vec_push(&r->slots[a].props, idx);
    return idx;
}

static uint32_t vertex_slot(struct replicas *r, const char *id)
{
    return slot_get(r, SLOT_VERTEX, 0, 0, id);
}

static uint32_t elem_get(struct replicas *r, uint32_t slot, const char *value)
{
    struct key k = {.len = 0};
    key_u32(&k, 0xe1e1e1e1u);
    key_u32(&k, slot);
    key_str(&k, value);
    bool added;
    uint32_t idx = map_get(r, &k, (uint32_t)r->nelems, &added);
    if (!added)
        return idx;
    assert(r->nelems < r->max_elements && "replicas: more elements than max_elements");
    struct elem *e = &r->elems[r->nelems++];
    e->slot = slot;
    e->value = value ? xstrdup(value) : NULL;
    e->hash = hash_mix64(str_hash(r->slots[slot].chash, value) + 1);
    vec_push(&r->slots[slot].elems, idx);
    return idx;
}

static bool empty(const char *s)
{
    return !s || !*s;
}

size_t replicas_elements_of(const struct proposal *p)
{
    return 1 + p->nprops;
}

static void intern_props(struct replicas *r, struct rop *o, const struct proposal *p)
{
    o->props = xcalloc(p->nprops ? p->nprops : 1, sizeof(*o->props));
    for (size_t i = 0; i < p->nprops; i++) {
        if (empty(p->props[i].key) || !p->props[i].value) {
            o->bad = true;
            continue;
        }
        uint32_t ps = slot_get(r, SLOT_PROP, o->slot, 0, p->props[i].key);
        uint32_t e = elem_get(r, ps, p->props[i].value);
        size_t j = 0; /* a later duplicate key overrides an earlier one */
        while (j < o->nprops && r->elems[o->props[j]].slot != ps)
            j++;
        o->props[j] = e;
        if (j == o->nprops)
            o->nprops++;
    }
}

static void intern_edge_target(struct replicas *r, struct rop *o, const struct proposal *p,
                               bool need_label)
{
    if (empty(p->from) || empty(p->to) || (need_label && empty(p->label))) {
        o->bad = true;
        return;
    }
    o->from = vertex_slot(r, p->from);
    o->to = vertex_slot(r, p->to);
    if (!need_label && !p->label) {
        o->unlabeled = true;
        return;
    }
    if (empty(p->label)) {
        o->bad = true;
        return;
    }
    o->slot = slot_get(r, SLOT_EDGE, o->from, o->to, p->label);
}

static void intern_set_property(struct replicas *r, struct rop *o, const struct proposal *p)
{
    bool on_vertex = p->vertex != NULL, on_edge = p->from != NULL || p->to != NULL;
    if (on_vertex == on_edge || empty(p->key)) {
        o->bad = true;
        return;
    }
    if (on_vertex) {
        if (empty(p->vertex)) {
            o->bad = true;
            return;
        }
        o->slot = vertex_slot(r, p->vertex);
    } else {
        intern_edge_target(r, o, p, false);
        if (o->bad || o->unlabeled) {
            o->key = xstrdup(p->key);
            o->value = p->value ? xstrdup(p->value) : NULL;
            return;
        }
    }
    o->pslot = slot_get(r, SLOT_PROP, o->slot, 0, p->key);
    o->elem = p->value ? elem_get(r, o->pslot, p->value) : NONE;
}

uint32_t replicas_intern(struct replicas *r, const struct proposal *p)
{
    XGROW(r->ops, r->ops_cap, r->nops + 1);
    struct rop *o = &r->ops[r->nops];
    *o = (struct rop){.op = p->op, .slot = NONE, .elem = NONE, .pslot = NONE};
    switch (p->op) {
    case PROP_ADD_VERTEX:
    case PROP_REMOVE_VERTEX:
        if (empty(p->vertex)) {
            o->bad = true;
            break;
        }
        o->slot = vertex_slot(r, p->vertex);
        if (p->op == PROP_ADD_VERTEX) {
            o->elem = elem_get(r, o->slot, p->label ? p->label : "");
            intern_props(r, o, p);
        }
        break;
    case PROP_ADD_EDGE:
    case PROP_REMOVE_EDGE:
        intern_edge_target(r, o, p, true);
        if (!o->bad && p->op == PROP_ADD_EDGE) {
            o->elem = elem_get(r, o->slot, NULL);
            intern_props(r, o, p);
        }
        break;
    case PROP_SET_PROPERTY:
        intern_set_property(r, o, p);
        break;
    case PROP_READ:
        o->bad = empty(p->vertex);
        o->slot = o->bad ? NONE : vertex_slot(r, p->vertex);
        break;
    }
    return (uint32_t)r->nops++;
}

/* --- lifecycle ------------------------------------------------------------------------ */

struct replicas *replicas_new(uint32_t nodes, size_t max_elements)
{
    struct replicas *r = xcalloc(1, sizeof(*r));
    r->nodes = nodes;
    r->max_elements = max_elements;
    r->words = (max_elements + 63) / 64;
    r->elems = xcalloc(max_elements ? max_elements : 1, sizeof(*r->elems));
    r->template = xcalloc(r->words ? r->words : 1, sizeof(uint64_t));
    map_grow(r);
    return r;
}

void replicas_free(struct replicas *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nslots; i++) {
        free(r->slots[i].name);
        free(r->slots[i].elems.v);
        free(r->slots[i].props.v);
        free(r->slots[i].edges.v);
    }
    for (size_t i = 0; i < r->nelems; i++)
        free(r->elems[i].value);
    for (size_t i = 0; i < r->nops; i++) {
        free(r->ops[i].props);
        free(r->ops[i].key);
        free(r->ops[i].value);
    }
    free(r->slots);
    free(r->elems);
    free(r->ops);
    free(r->vertex_slots.v);
    free(r->map);
    free(r->keys);
    sim_huge_free(r->bits, (size_t)r->nodes * r->words + 1, sizeof(uint64_t));
    free(r->hashes);
    free(r->template);
    for (uint32_t i = 0; r->vx && i < r->nodes; i++) {
        free(r->vx[i].tree);
        free(r->vx[i].bits);
    }
    free(r->vx);
    free(r->vx_live);
    free(r);
}

/* A replica: its bits and its hash (the template is replica "nodes"). */
struct view {
    uint64_t *bits;
    uint64_t *hash;
    struct vindex *vx; /* the node's vertex index, NULL (the template, or not built) */
};

static struct view view_of(const struct replicas *r, uint32_t node)
{
    if (node == r->nodes)
        return (struct view){r->template, (uint64_t *)&r->template_hash, NULL};
    assert(node < r->nodes && r->bits);
    /* only a built index is kept up to date: the others (nodes the workload never picked
     * from) cost nothing per application; it cost ring-100k 20% when every view had one */
    return (struct view){r->bits + (size_t)node * r->words, &r->hashes[node],
                         r->vx && (r->vx_live[node / 64] >> (node % 64) & 1) ? &r->vx[node] : NULL};
}

void replicas_start(struct replicas *r)
{
    sim_huge_free(r->bits, (size_t)r->nodes * r->words + 1, sizeof(uint64_t));
    free(r->hashes);
    r->bits = sim_huge_calloc((size_t)r->nodes * r->words + 1, sizeof(uint64_t));
    r->hashes = xreallocarray(NULL, r->nodes, sizeof(uint64_t));
    for (uint32_t i = 0; i < r->nodes; i++)
        replicas_reset(r, i);
}

void replicas_reset(struct replicas *r, uint32_t node)
{
    struct view v = view_of(r, node);
    memcpy(v.bits, r->template, r->words * sizeof(uint64_t));
    *v.hash = r->template_hash;
    if (r->vx && node < r->nodes) {
        r->vx[node].n = 0; /* rebuilt on next use */
        r->vx_live[node / 64] &= ~((uint64_t)1 << (node % 64));
    }
}

void replicas_copy(struct replicas *r, uint32_t dst, uint32_t src)
{
    struct view d = view_of(r, dst), s = view_of(r, src);
    memcpy(d.bits, s.bits, r->words * sizeof(uint64_t));
    *d.hash = *s.hash;
    if (r->vx && dst < r->nodes) {
        r->vx[dst].n = 0; /* rebuilt on next use */
        r->vx_live[dst / 64] &= ~((uint64_t)1 << (dst % 64));
    }
}

static void prefetch_slot(const uint64_t *bits, const struct slot *s)
{
    if (s->elems.n)
        __builtin_prefetch(bits + s->elems.v[0] / 64);
}

void replicas_prefetch_op(const struct replicas *r, uint32_t node, uint32_t op)
{
    assert(op < r->nops);
    const struct rop *o = &r->ops[op];
    const uint64_t *bits = r->bits + (size_t)node * r->words;
    __builtin_prefetch(&r->hashes[node]);
    if (o->bad)
        return;
    if (o->op == PROP_ADD_EDGE) {
        prefetch_slot(bits, &r->slots[o->from]);
        prefetch_slot(bits, &r->slots[o->to]);
    }
    if (o->elem != NONE)
        __builtin_prefetch(bits + o->elem / 64);
    else
        prefetch_slot(bits, &r->slots[o->slot]);
}

size_t replicas_bytes_per_node(const struct replicas *r)
{
    return r->words * sizeof(uint64_t) + sizeof(uint64_t);
}

/* --- element and slot state on one replica ------------------------------------------ */

static bool has(struct view v, uint32_t e)
{
    return (v.bits[e / 64] >> (e % 64)) & 1u;
}

static bool slot_present(const struct replicas *r, struct view v, uint32_t s)
{
    const struct u32vec *el = &r->slots[s].elems;
    for (size_t i = 0; i < el->n; i++)
        if (has(v, el->v[i]))
            return true;
    return false;
}

/* ---- the vertex index (struct vindex) ---- */

static size_t vx_blocks(const struct vindex *vx)
{
    return (vx->n + VX_BLOCK - 1) / VX_BLOCK;
}

/* Position pos turns present (delta 1) or absent (delta UINT32_MAX: minus one, mod 2^32). */
static void vx_add(struct vindex *vx, size_t pos, uint32_t delta)
{
    vx->bits[pos / 64] ^= (uint64_t)1 << (pos % 64);
    size_t blocks = vx_blocks(vx);
    for (size_t i = pos / VX_BLOCK + 1; i <= blocks; i += i & -i)
        vx->tree[i] += delta;
}

static uint32_t vx_prefix(const struct vindex *vx, size_t b) /* present in the first b blocks */
{
    uint32_t sum = 0;
    for (size_t i = b; i; i -= i & -i)
        sum += vx->tree[i];
    return sum;
}

static uint32_t vx_count(const struct vindex *vx)
{
    return vx_prefix(vx, vx_blocks(vx));
}

/* Cover every interned vertex: append positions n.. (a new block enters the tree empty:
 * tree[b] sums blocks (b - lowbit(b), b]). */
static void vx_extend(const struct replicas *r, struct view v)
{
    struct vindex *vx = v.vx;
    size_t want = r->vertex_slots.n;
    size_t blocks = (want + VX_BLOCK - 1) / VX_BLOCK;
    XGROW(vx->bits, vx->bits_cap, blocks * (VX_BLOCK / 64));
    XGROW(vx->tree, vx->tree_cap, blocks + 1);
    while (vx->n < want) {
        size_t pos = vx->n++;
        if (pos % VX_BLOCK == 0) { /* a new block (or one left from before a rebuild) */
            size_t b = pos / VX_BLOCK + 1;
            memset(vx->bits + pos / 64, 0, (VX_BLOCK / 64) * sizeof(*vx->bits));
            vx->tree[b] = vx_prefix(vx, b - 1) - vx_prefix(vx, b - (b & -b));
        }
        if (slot_present(r, v, r->vertex_slots.v[pos]))
            vx_add(vx, pos, 1);
    }
}

/* Element e of v changed from present to not (or back): count its vertex in or out. */
static void vx_note(const struct replicas *r, struct view v, uint32_t e, bool was_present)
{
    const struct slot *s = &r->slots[r->elems[e].slot];
    if (!v.vx || s->kind != SLOT_VERTEX || s->vpos >= v.vx->n)
        return;
    bool now = slot_present(r, v, r->elems[e].slot);
    if (now != was_present)
        vx_add(v.vx, s->vpos, now ? 1u : UINT32_MAX);
}

static bool tracked(const struct replicas *r, struct view v, uint32_t e)
{
    return v.vx && r->slots[r->elems[e].slot].kind == SLOT_VERTEX;
}

static void set_elem(const struct replicas *r, struct view v, uint32_t e)
{
    if (has(v, e))
        return;
    bool was = tracked(r, v, e) && slot_present(r, v, r->elems[e].slot);
    v.bits[e / 64] |= (uint64_t)1 << (e % 64);
    *v.hash += r->elems[e].hash;
    vx_note(r, v, e, was);
}

static void clear_elem(const struct replicas *r, struct view v, uint32_t e)
{
    if (!has(v, e))
        return;
    v.bits[e / 64] &= ~((uint64_t)1 << (e % 64));
    *v.hash -= r->elems[e].hash;
    vx_note(r, v, e, true);
}

static void clear_slot(const struct replicas *r, struct view v, uint32_t s)
{
    const struct u32vec *el = &r->slots[s].elems;
    for (size_t i = 0; i < el->n; i++)
        clear_elem(r, v, el->v[i]);
}

static void clear_with_props(const struct replicas *r, struct view v, uint32_t s)
{
    clear_slot(r, v, s);
    const struct u32vec *ps = &r->slots[s].props;
    for (size_t i = 0; i < ps->n; i++)
        clear_slot(r, v, ps->v[i]);
}

/* The only present edge from -> to (any label); NONE if none or several. */
static uint32_t unlabeled_edge(const struct replicas *r, struct view v, const struct rop *o)
{
    const struct u32vec *es = &r->slots[o->from].edges;
    uint32_t found = NONE;
    for (size_t i = 0; i < es->n; i++) {
        const struct slot *s = &r->slots[es->v[i]];
        if (s->a != o->from || s->b != o->to || !slot_present(r, v, es->v[i]))
            continue;
        if (found != NONE)
            return NONE;
        found = es->v[i];
    }
    return found;
}

/* Property slot and value element targeted by a set_property on this replica. */
static bool property_target(struct replicas *r, struct view v, const struct rop *o, uint32_t *pslot,
                            uint32_t *elem)
{
    uint32_t owner = o->slot;
    if (o->unlabeled) {
        owner = unlabeled_edge(r, v, o);
        if (owner == NONE)
            return false;
        *pslot = slot_get(r, SLOT_PROP, owner, 0, o->key);
        *elem = o->value ? elem_get(r, *pslot, o->value) : NONE;
    } else {
        *pslot = o->pslot;
        *elem = o->elem;
    }
    if (!slot_present(r, v, owner))
        return false;
    return *elem != NONE || slot_present(r, v, *pslot);
}

static bool valid_on(struct replicas *r, struct view v, const struct rop *o)
{
    if (o->bad)
        return false;
    switch (o->op) {
    case PROP_ADD_VERTEX:
        return !slot_present(r, v, o->slot);
    case PROP_REMOVE_VERTEX:
    case PROP_REMOVE_EDGE:
    case PROP_READ:
        return slot_present(r, v, o->slot);
    case PROP_ADD_EDGE:
        return slot_present(r, v, o->from) && slot_present(r, v, o->to) &&
               !slot_present(r, v, o->slot);
    case PROP_SET_PROPERTY: {
        uint32_t ps, e;
        return property_target(r, v, o, &ps, &e);
    }
    }
    return false;
}

static void apply_on(struct replicas *r, struct view v, const struct rop *o)
{
    switch (o->op) {
    case PROP_ADD_VERTEX:
    case PROP_ADD_EDGE:
        set_elem(r, v, o->elem);
        for (size_t i = 0; i < o->nprops; i++)
            set_elem(r, v, o->props[i]);
        return;
    case PROP_REMOVE_VERTEX: {
        const struct u32vec *es = &r->slots[o->slot].edges;
        for (size_t i = 0; i < es->n; i++)
            clear_with_props(r, v, es->v[i]);
        clear_with_props(r, v, o->slot);
        return;
    }
    case PROP_REMOVE_EDGE:
        clear_with_props(r, v, o->slot);
        return;
    case PROP_SET_PROPERTY: {
        uint32_t ps, e;
        property_target(r, v, o, &ps, &e);
        clear_slot(r, v, ps);
        if (e != NONE)
            set_elem(r, v, e);
        return;
    }
    case PROP_READ: /* changes nothing */
        return;
    }
}

static bool apply_view(struct replicas *r, struct view v, uint32_t op)
{
    assert(op < r->nops);
    const struct rop *o = &r->ops[op];
    if (!valid_on(r, v, o))
        return false;
    apply_on(r, v, o);
    return true;
}

bool replicas_seed(struct replicas *r, uint32_t op)
{
    return apply_view(r, view_of(r, r->nodes), op);
}

bool replicas_valid(struct replicas *r, uint32_t node, uint32_t op)
{
    assert(op < r->nops);
    return valid_on(r, view_of(r, node), &r->ops[op]);
}

bool replicas_apply(struct replicas *r, uint32_t node, uint32_t op)
{
    return apply_view(r, view_of(r, node), op);
}

uint64_t replicas_hash(const struct replicas *r, uint32_t node)
{
    return *view_of(r, node).hash;
}

size_t replicas_vertices(const struct replicas *r, uint32_t node, const char **ids, size_t max)
{
    struct view v = view_of(r, node);
    size_t n = 0;
    for (size_t i = 0; i < r->vertex_slots.n && n < max; i++)
        if (slot_present(r, v, r->vertex_slots.v[i]))
            ids[n++] = r->slots[r->vertex_slots.v[i]].name;
    return n;
}

/* The node's vertex index, built or brought up to date. */
static struct vindex *vertex_index(struct replicas *r, uint32_t node)
{
    assert(node < r->nodes);
    if (!r->vx) {
        r->vx = xcalloc(r->nodes, sizeof(*r->vx));
        r->vx_live = xcalloc((r->nodes + 63) / 64, sizeof(uint64_t));
    }
    struct view v = view_of(r, node);
    v.vx = &r->vx[node];
    vx_extend(r, v);
    r->vx_live[node / 64] |= (uint64_t)1 << (node % 64);
    return v.vx;
}

size_t replicas_vertex_count(struct replicas *r, uint32_t node)
{
    struct vindex *vx = vertex_index(r, node);
    return vx_count(vx);
}

const char *replicas_vertex_at(struct replicas *r, uint32_t node, size_t k)
{
    struct vindex *vx = vertex_index(r, node);
    assert(k < vx_count(vx));
    size_t blocks = vx_blocks(vx), b = 0, step = 1;
    while (step * 2 <= blocks)
        step *= 2;
    for (; step; step /= 2) /* the most blocks b with prefix(b) <= k */
        if (b + step <= blocks && vx->tree[b + step] <= k) {
            b += step;
            k -= vx->tree[b];
        }
    const uint64_t *w = vx->bits + b * (VX_BLOCK / 64);
    for (uint32_t c; k >= (c = (uint32_t)__builtin_popcountll(*w)); w++)
        k -= c;
    uint64_t word = *w;
    for (; k; k--)
        word &= word - 1; /* drop the k lowest present positions */
    size_t pos = (size_t)(w - vx->bits) * 64 + (size_t)__builtin_ctzll(word);
    return r->slots[r->vertex_slots.v[pos]].name;
}

size_t replicas_edges(const struct replicas *r, uint32_t node, const char **from,
                      const char **label, const char **to, size_t max)
{
    struct view v = view_of(r, node);
    size_t n = 0;
    for (uint32_t i = 0; i < r->nelems && n < max; i++) {
        const struct slot *s = &r->slots[r->elems[i].slot];
        if (s->kind != SLOT_EDGE || !has(v, i))
            continue;
        from[n] = r->slots[s->a].name;
        label[n] = s->name;
        to[n++] = r->slots[s->b].name;
    }
    return n;
}

/* The slot interned under (kind, a, b, name), or NONE; interns nothing. */
static uint32_t slot_find(const struct replicas *r, enum slot_kind kind, uint32_t a, uint32_t b,
                          const char *name)
{
    struct key k = {.len = 0};
    slot_key(&k, kind, a, b, name);
    if (k.truncated)
        return NONE;
    size_t pos = 0;
    return map_find(r, &k, bytes_hash(k.buf, k.len, UINT64_C(0xcbf29ce484222325)), &pos);
}

bool replicas_has_edge(const struct replicas *r, uint32_t node, const char *from, const char *label,
                       const char *to)
{
    struct view v = view_of(r, node);
    uint32_t a = slot_find(r, SLOT_VERTEX, 0, 0, from), b = slot_find(r, SLOT_VERTEX, 0, 0, to);
    if (a != NONE && b != NONE) {
        uint32_t e = slot_find(r, SLOT_EDGE, a, b, label);
        if (e != NONE && slot_present(r, v, e))
            return true;
    }
    return false;
}

const char *replicas_property(const struct replicas *r, uint32_t node, const char *vertex,
                              const char *key)
{
    struct view v = view_of(r, node);
    uint32_t owner = slot_find(r, SLOT_VERTEX, 0, 0, vertex);
    uint32_t ps = owner == NONE ? NONE : slot_find(r, SLOT_PROP, owner, 0, key);
    if (ps == NONE)
        return NULL;
    const struct u32vec *el = &r->slots[ps].elems;
    for (size_t i = 0; i < el->n; i++)
        if (has(v, el->v[i]))
            return r->elems[el->v[i]].value;
    return NULL;
}

/* --- export as a struct graph --------------------------------------------------------- */

static void put_property(struct graph *g, const struct replicas *r, const struct elem *e)
{
    const struct slot *ps = &r->slots[e->slot];
    const struct slot *owner = &r->slots[ps->a];
    enum graph_reason why;
    if (owner->kind == SLOT_VERTEX)
        why = graph_set_vertex_property(g, owner->name, ps->name, e->value);
    else
        why = graph_set_edge_property(g, r->slots[owner->a].name, owner->name,
                                      r->slots[owner->b].name, ps->name, e->value);
    assert(why == GRAPH_OK);
    (void)why;
}

struct graph *replicas_graph(const struct replicas *r, uint32_t node)
{
    struct view v = view_of(r, node);
    struct graph *g = graph_new();
    for (enum slot_kind k = SLOT_VERTEX; k <= SLOT_PROP; k++) {
        for (uint32_t i = 0; i < r->nelems; i++) {
            const struct elem *e = &r->elems[i];
            const struct slot *s = &r->slots[e->slot];
            if (s->kind != k || !has(v, i))
                continue;
            enum graph_reason why = GRAPH_OK;
            if (k == SLOT_VERTEX)
                why = graph_add_vertex(g, s->name, e->value, NULL, 0);
            else if (k == SLOT_EDGE)
                why = graph_add_edge(g, r->slots[s->a].name, s->name, r->slots[s->b].name, NULL, 0);
            else
                put_property(g, r, e);
            assert(why == GRAPH_OK);
            (void)why;
        }
    }
    return g;
}
