/* replicas: element bitsets as graph replicas (see replicas.h). */
#include "sim/cluster/replicas.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "core/csvfmt.h"
#include "core/graph.h"
#include "core/hash.h"
#include "core/xalloc.h"
#include "sim/engine/engine.h"

#define NONE UINT32_MAX

/*
 * A name: an id, label, key or value of the run. A string from the scenario is kept once in
 * the names table and named by its index there; "<prefix><k>" (a canonical decimal k from 1
 * to NUM_MAX: "v<k>" for vertex ids, "x<k>" for values) is named by NUMBERED | k and never
 * stored as text, so that the workload's "v<k>" and "x<k>" cost no string at all. A string
 * of that form from the scenario gets the same numbered name, so both denote one vertex.
 */
typedef uint32_t name_t;
#define NUMBERED UINT32_C(0x80000000)
#define NUM_MAX  (UINT32_C(0x7ffffffe))

enum slot_kind { SLOT_VERTEX, SLOT_EDGE, SLOT_PROP };

/*
 * An identity: a vertex id, an edge (from, label, to) or a property (owner, key). The lists
 * of a slot's elements, properties and incident edges are threaded through flat arrays
 * (first here, next in the member), so a slot costs no heap block of its own.
 */
struct slot {
    uint64_t chash; /* hash of the identity's contents */
    union {
        struct {
            uint32_t a, b; /* EDGE: from and to vertex slots; PROP: owner slot (a) */
        };
        struct {
            uint32_t unused;
            uint32_t edges; /* VERTEX: first incident edge (then next / next_to of the edge) */
        };
    };
    name_t name;      /* VERTEX: id; EDGE: label; PROP: key */
    uint32_t elems;   /* first element (then elem.next) */
    uint32_t props;   /* VERTEX, EDGE: first property slot (then that slot's next) */
    uint32_t next;    /* PROP: the owner's next property; EDGE: from's next incident edge */
    uint32_t next_to; /* EDGE: to's next incident edge (unused for a loop) */
    uint8_t kind;
};

/* An identity with a value: vertex label, edge (no value), property value. */
struct elem {
    uint64_t hash; /* content hash, the term of the state hash */
    uint32_t slot;
    name_t value;  /* vertex label ("" if none), property value; NONE for edges */
    uint32_t next; /* the slot's next element */
};

/* An interned operation (24 bytes: one per proposal of the run). */
struct rop {
    uint8_t op;     /* enum prop_op */
    bool bad;       /* invalid everywhere (missing or empty argument) */
    bool unlabeled; /* set_property on the only edge from -> to */
    bool made;      /* made from indices (replicas_op_*): replicas_describe describes it */
    uint32_t slot;  /* target vertex or edge slot */
    union {
        uint32_t elem; /* add_*: the element; set_property: the value element or NONE */
        name_t value;  /* unlabeled set_property: the value (NONE: remove), resolved per replica */
    };
    union {
        uint32_t pslot; /* set_property (labelled target): the property slot */
        uint32_t props; /* add_*: prop_pool[props] = n, then n property elements; NONE: none */
        name_t key;     /* unlabeled set_property: the key */
    };
    uint32_t from, to; /* vertex slots of an edge target */
};

/* Open addressing over integer keys: (kind, a, b, name) -> slot. 16 bytes, so that a probe
 * reads one cache line (20-byte entries straddled lines). */
#define MAP_IDX_BITS 30 /* slots < 2^30: the scenario caps elements far below */
struct map_entry {
    uint32_t a, b, name;
    uint32_t kidx; /* kind << MAP_IDX_BITS | (slot index + 1); 0: empty (calloc'ed: empty) */
};

static uint32_t map_kidx(uint32_t kind, uint32_t idx)
{
    return kind << MAP_IDX_BITS | (idx + 1);
}

/* The names table: strings by index, and a hash index over them. */
struct names {
    char **s;
    size_t n, cap;
    uint32_t *index; /* name + 1, 0 empty; index_cap a power of two */
    size_t index_cap;
};

/*
 * A node's present vertices as a bitset over slot indices (1 if the slot is a vertex present
 * there: interning order is slot order, and the k-th present vertex is its slot index with no
 * lookup in vertex_slots, a cache miss per pick on a million vertices) and a
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
    size_t n;        /* slots covered: slots[0..n) */
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
    uint32_t *prop_pool; /* the ops' property elements */
    size_t nprop_pool, prop_pool_cap;
    uint32_t *vertex_slots; /* vertex slots in interning order */
    size_t nvertex_slots, vertex_slots_cap;
    uint32_t *numbered; /* numbered[k]: slot of vertex "v<k>" + 1 (0: none), k < numbered_cap */
    size_t numbered_cap;
    struct map_entry *map; /* the other slots */
    size_t map_cap, map_used;
    struct names names;
    /* By element: element e's row, bits e * stride .. e * stride + nodes, is a bitset over
     * the nodes, the last column the template. A delivery applies or validates a few elements
     * of one proposal, and all the deliveries of that proposal share those rows (12.5 KB each
     * at 100,000 nodes), where a row per node cost each delivery a random line of its own.
     * Rows are not word-aligned, so a small cluster's rows pack (5 nodes: 6 bits an element). */
    uint64_t *bits;
    size_t stride;     /* bits of an element's row: nodes + 1 */
    uint64_t *hashes;  /* replicas_keep_hashes: per node, then the template's (else NULL) */
    struct vindex *vx; /* per node (NULL until a node's vertices are first asked for) */
    uint64_t *vx_live; /* bitset: node's index is built (small: read by every application) */
};

/* Words of the element rows (at least one: xhuge_calloc of nothing). */
static size_t store_words(const struct replicas *r)
{
    return (r->max_elements * r->stride + 63) / 64 + 1;
}

static uint64_t bytes_hash(const void *p, size_t n, uint64_t h)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * UINT64_C(0x100000001b3);
    return hash_mix64(h ^ n);
}

/*
 * The store's big arrays are on transparent huge pages (xhuge_calloc): a million-command
 * run touches them at random, and 4 KiB pages cost a fault each and a TLB miss per access.
 * They are presized from the bound; a run that exceeds it grows them by copying
 * (XHUGE_GROW).
 */

/* --- names ------------------------------------------------------------------------------ */

/* k if s is "<prefix><k>" with k a canonical decimal in 1..NUM_MAX; 0 otherwise. */
static uint32_t number_of(const char *s, char prefix)
{
    if (!prefix || s[0] != prefix || s[1] < '1' || s[1] > '9')
        return 0;
    uint64_t k = 0;
    for (const char *c = s + 1; *c; c++) {
        if (*c < '0' || *c > '9' || c - s > 10)
            return 0;
        k = k * 10 + (uint64_t)(*c - '0');
    }
    return k <= NUM_MAX ? (uint32_t)k : 0;
}

/* The prefix of a numbered name by what it names. */
#define VERTEX_PREFIX 'v'
#define VALUE_PREFIX  'x'

/* The text of name n (NONE: NULL); a numbered one is written into buf. */
static const char *name_text(const struct replicas *r, name_t n, char prefix,
                             char buf[REPLICAS_NAME_LEN])
{
    if (n == NONE)
        return NULL;
    if (!(n & NUMBERED))
        return r->names.s[n];
    buf[0] = prefix;
    *csvfmt_u64(buf + 1, n & ~NUMBERED) = '\0';
    return buf;
}

/* FNV-1a of name n's text, as bytes_hash of it would give (NONE hashes as ""). */
static uint64_t name_hash(const struct replicas *r, uint64_t h, name_t n, char prefix)
{
    char buf[REPLICAS_NAME_LEN];
    const char *s = name_text(r, n, prefix, buf);
    return bytes_hash(s ? s : "", s ? strlen(s) : 0, h);
}

static uint64_t str_hash(const char *s)
{
    return bytes_hash(s, strlen(s), UINT64_C(0xcbf29ce484222325));
}

/* The index of string s in the names table, or NONE; *pos: where to insert it. */
static uint32_t names_find(const struct names *t, const char *s, uint64_t h, size_t *pos)
{
    if (!t->index_cap)
        return NONE;
    size_t j = h & (t->index_cap - 1);
    for (; t->index[j]; j = (j + 1) & (t->index_cap - 1))
        if (!strcmp(t->s[t->index[j] - 1], s))
            return t->index[j] - 1;
    *pos = j;
    return NONE;
}

static void names_rehash(struct names *t)
{
    size_t cap = t->index_cap ? 2 * t->index_cap : 64;
    free(t->index);
    t->index = xcalloc(cap, sizeof(*t->index));
    t->index_cap = cap;
    for (size_t i = 0; i < t->n; i++) {
        size_t j = str_hash(t->s[i]) & (cap - 1);
        while (t->index[j])
            j = (j + 1) & (cap - 1);
        t->index[j] = (uint32_t)i + 1;
    }
}

/* The name of string s (NULL: NONE), interning it; numbered with prefix if it has the form. */
static name_t name_of(struct replicas *r, const char *s, char prefix)
{
    if (!s)
        return NONE;
    uint32_t k = number_of(s, prefix);
    if (k)
        return NUMBERED | k;
    struct names *t = &r->names;
    if (2 * (t->n + 1) > t->index_cap)
        names_rehash(t);
    uint64_t h = str_hash(s);
    size_t pos = 0;
    uint32_t i = names_find(t, s, h, &pos);
    if (i != NONE)
        return i;
    assert(t->n < NUMBERED - 1 && "replicas: too many names");
    XGROW(t->s, t->cap, t->n + 1);
    t->s[t->n] = xstrdup(s);
    t->index[pos] = (uint32_t)t->n + 1;
    return (name_t)t->n++;
}

/* The name of s if the run has it (else NONE: nothing by that name exists); interns nothing. */
static name_t name_find(const struct replicas *r, const char *s, char prefix)
{
    uint32_t k = number_of(s, prefix);
    if (k)
        return NUMBERED | k;
    size_t pos = 0;
    return names_find(&r->names, s, str_hash(s), &pos);
}

uint32_t replicas_label(struct replicas *r, const char *s)
{
    assert(s);
    return name_of(r, s, 0);
}

/* --- slot map -------------------------------------------------------------------------- */

static uint64_t map_hash(uint32_t kind, uint32_t a, uint32_t b, name_t name)
{
    uint64_t h = ((uint64_t)a << 32 | b) * UINT64_C(0x9e3779b97f4a7c15);
    return hash_mix64(h ^ ((uint64_t)name << 2 | kind));
}

static void map_grow(struct replicas *r)
{
    size_t cap = r->map_cap ? r->map_cap * 2 : 256;
    struct map_entry *m = xhuge_calloc(cap, sizeof(*m));
    for (size_t i = 0; i < r->map_cap; i++) {
        const struct map_entry *e = &r->map[i];
        if (!e->kidx)
            continue;
        size_t j = map_hash(e->kidx >> MAP_IDX_BITS, e->a, e->b, e->name) & (cap - 1);
        while (m[j].kidx)
            j = (j + 1) & (cap - 1);
        m[j] = *e;
    }
    xhuge_free(r->map, r->map_cap, sizeof(*r->map));
    r->map = m;
    r->map_cap = cap;
}

/* The slot stored under the key, or NONE; *pos: where to insert it. */
static uint32_t map_find(const struct replicas *r, uint32_t kind, uint32_t a, uint32_t b,
                         name_t name, size_t *pos)
{
    size_t j = map_hash(kind, a, b, name) & (r->map_cap - 1);
    for (; r->map[j].kidx; j = (j + 1) & (r->map_cap - 1)) {
        const struct map_entry *e = &r->map[j];
        if (e->kidx >> MAP_IDX_BITS == kind && e->a == a && e->b == b && e->name == name)
            return (e->kidx & ((UINT32_C(1) << MAP_IDX_BITS) - 1)) - 1;
    }
    *pos = j;
    return NONE;
}

/* --- interning ---------------------------------------------------------------------- */

/* Where a vertex with this name is kept: in r->numbered, else in the map. */
static bool in_numbered(const struct replicas *r, name_t name)
{
    return (name & NUMBERED) && (name & ~NUMBERED) < r->numbered_cap;
}

/* The slot (kind, a, b, name) if interned, else NONE; interns nothing. */
static uint32_t slot_find(const struct replicas *r, enum slot_kind kind, uint32_t a, uint32_t b,
                          name_t name)
{
    if (name == NONE)
        return NONE;
    if (kind == SLOT_VERTEX && in_numbered(r, name))
        return r->numbered[name & ~NUMBERED] - 1;
    size_t pos = 0;
    return map_find(r, kind, a, b, name, &pos);
}

static uint32_t slot_get(struct replicas *r, enum slot_kind kind, uint32_t a, uint32_t b,
                         name_t name)
{
    assert(r->nslots < (UINT32_C(1) << MAP_IDX_BITS) - 1);
    uint32_t idx = (uint32_t)r->nslots;
    if (kind == SLOT_VERTEX && in_numbered(r, name)) {
        uint32_t *at = &r->numbered[name & ~NUMBERED];
        if (*at)
            return *at - 1;
        *at = idx + 1;
    } else {
        if (2 * (r->map_used + 1) > r->map_cap)
            map_grow(r);
        size_t pos = 0;
        uint32_t found = map_find(r, kind, a, b, name, &pos);
        if (found != NONE)
            return found;
        r->map[pos] = (struct map_entry){.a = a, .b = b, .name = name, .kidx = map_kidx(kind, idx)};
        r->map_used++;
    }
    XHUGE_GROW(r->slots, r->slots_cap, r->nslots + 1);
    struct slot *s = &r->slots[r->nslots++];
    *s = (struct slot){.kind = (uint8_t)kind,
                       .a = a,
                       .b = b,
                       .name = name,
                       .elems = NONE,
                       .props = NONE,
                       .next = NONE,
                       .next_to = NONE};
    uint64_t h = name_hash(r, (uint64_t)kind + 1, name, kind == SLOT_VERTEX ? VERTEX_PREFIX : 0);
    if (kind == SLOT_EDGE)
        h = hash_combine(hash_combine(h, r->slots[a].chash), r->slots[b].chash);
    if (kind == SLOT_PROP)
        h = hash_combine(h, r->slots[a].chash);
    s->chash = h;
    if (kind == SLOT_VERTEX) {
        s->edges = NONE;
        XHUGE_GROW(r->vertex_slots, r->vertex_slots_cap, r->nvertex_slots + 1);
        r->vertex_slots[r->nvertex_slots++] = idx;
    }
    if (kind == SLOT_EDGE) { /* pushed at the head of the endpoints' lists */
        s->next = r->slots[a].edges;
        r->slots[a].edges = idx;
        if (b != a) {
            s->next_to = r->slots[b].edges;
            r->slots[b].edges = idx;
        }
    }
    if (kind == SLOT_PROP) {
        s->next = r->slots[a].props;
        r->slots[a].props = idx;
    }
    return idx;
}

/* The incident edge after e in vertex v's list. */
static uint32_t next_edge(const struct replicas *r, uint32_t v, uint32_t e)
{
    const struct slot *s = &r->slots[e];
    return s->a == v ? s->next : s->next_to;
}

static uint32_t vertex_slot(struct replicas *r, const char *id)
{
    return slot_get(r, SLOT_VERTEX, 0, 0, name_of(r, id, VERTEX_PREFIX));
}

/* The element (slot, value), interned if new. The slot's elements are few (its values in
 * the run) and the validity of an operation on the slot reads them all anyway. */
static uint32_t elem_get(struct replicas *r, uint32_t slot, name_t value)
{
    for (uint32_t e = r->slots[slot].elems; e != NONE; e = r->elems[e].next)
        if (r->elems[e].value == value)
            return e;
    assert(r->nelems < r->max_elements && "replicas: more elements than max_elements");
    uint32_t idx = (uint32_t)r->nelems++;
    struct elem *e = &r->elems[idx];
    e->slot = slot;
    e->value = value;
    e->hash = hash_mix64(name_hash(r, r->slots[slot].chash, value, VALUE_PREFIX) + 1);
    e->next = r->slots[slot].elems;
    r->slots[slot].elems = idx;
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
    if (!p->nprops)
        return; /* props stays NONE */
    o->props = (uint32_t)r->nprop_pool;
    XGROW(r->prop_pool, r->prop_pool_cap, r->nprop_pool + 1 + p->nprops);
    uint32_t *props = r->prop_pool + o->props + 1, nprops = 0;
    for (size_t i = 0; i < p->nprops; i++) {
        if (empty(p->props[i].key) || !p->props[i].value) {
            o->bad = true;
            continue;
        }
        uint32_t ps = slot_get(r, SLOT_PROP, o->slot, 0, name_of(r, p->props[i].key, 0));
        uint32_t e = elem_get(r, ps, name_of(r, p->props[i].value, VALUE_PREFIX));
        size_t j = 0; /* a later duplicate key overrides an earlier one */
        while (j < nprops && r->elems[props[j]].slot != ps)
            j++;
        props[j] = e;
        if (j == nprops)
            nprops++;
    }
    props[-1] = nprops;
    r->nprop_pool += 1 + nprops;
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
    o->slot = slot_get(r, SLOT_EDGE, o->from, o->to, name_of(r, p->label, 0));
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
            o->key = name_of(r, p->key, 0);
            o->value = name_of(r, p->value, VALUE_PREFIX);
            return;
        }
    }
    o->pslot = slot_get(r, SLOT_PROP, o->slot, 0, name_of(r, p->key, 0));
    o->elem = p->value ? elem_get(r, o->pslot, name_of(r, p->value, VALUE_PREFIX)) : NONE;
}

/* A new operation (all indices NONE); its index is r->nops - 1. */
static struct rop *new_op(struct replicas *r, enum prop_op op)
{
    XHUGE_GROW(r->ops, r->ops_cap, r->nops + 1);
    struct rop *o = &r->ops[r->nops++];
    *o = (struct rop){
        .op = (uint8_t)op, .slot = NONE, .elem = NONE, .pslot = NONE, .from = NONE, .to = NONE};
    return o;
}

uint32_t replicas_intern(struct replicas *r, const struct proposal *p)
{
    struct rop *o = new_op(r, p->op);
    switch (p->op) {
    case PROP_ADD_VERTEX:
    case PROP_REMOVE_VERTEX:
        if (empty(p->vertex)) {
            o->bad = true;
            break;
        }
        o->slot = vertex_slot(r, p->vertex);
        if (p->op == PROP_ADD_VERTEX) {
            o->elem = elem_get(r, o->slot, name_of(r, p->label ? p->label : "", 0));
            intern_props(r, o, p);
        }
        break;
    case PROP_ADD_EDGE:
    case PROP_REMOVE_EDGE:
        intern_edge_target(r, o, p, true);
        if (!o->bad && p->op == PROP_ADD_EDGE) {
            o->elem = elem_get(r, o->slot, NONE);
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
    return (uint32_t)r->nops - 1;
}

/* --- operations from indices -------------------------------------------------------- */

uint32_t replicas_op_add_vertex(struct replicas *r, uint32_t number, uint32_t label)
{
    assert(number >= 1 && number <= NUM_MAX);
    uint32_t slot = slot_get(r, SLOT_VERTEX, 0, 0, NUMBERED | number);
    uint32_t elem = elem_get(r, slot, label);
    struct rop *o = new_op(r, PROP_ADD_VERTEX);
    o->made = true;
    o->slot = slot;
    o->elem = elem;
    return (uint32_t)r->nops - 1;
}

uint32_t replicas_op_add_edge(struct replicas *r, uint32_t from, uint32_t label, uint32_t to)
{
    assert(from < r->nslots && to < r->nslots && label != NONE && !(label & NUMBERED));
    uint32_t slot = slot_get(r, SLOT_EDGE, from, to, label);
    uint32_t elem = elem_get(r, slot, NONE);
    struct rop *o = new_op(r, PROP_ADD_EDGE);
    o->made = true;
    o->slot = slot;
    o->elem = elem;
    o->from = from;
    o->to = to;
    return (uint32_t)r->nops - 1;
}

uint32_t replicas_op_remove_vertex(struct replicas *r, uint32_t vertex)
{
    assert(vertex < r->nslots && r->slots[vertex].kind == SLOT_VERTEX);
    struct rop *o = new_op(r, PROP_REMOVE_VERTEX);
    o->made = true;
    o->slot = vertex;
    return (uint32_t)r->nops - 1;
}

uint32_t replicas_op_remove_edge(struct replicas *r, uint32_t edge)
{
    assert(edge < r->nslots && r->slots[edge].kind == SLOT_EDGE);
    struct rop *o = new_op(r, PROP_REMOVE_EDGE);
    o->made = true;
    o->slot = edge;
    o->from = r->slots[edge].a;
    o->to = r->slots[edge].b;
    return (uint32_t)r->nops - 1;
}

uint32_t replicas_op_set_property(struct replicas *r, uint32_t vertex, uint32_t key,
                                  uint32_t number)
{
    assert(vertex < r->nslots && r->slots[vertex].kind == SLOT_VERTEX);
    assert(key != NONE && !(key & NUMBERED) && number >= 1 && number <= NUM_MAX);
    uint32_t pslot = slot_get(r, SLOT_PROP, vertex, 0, key);
    uint32_t elem = elem_get(r, pslot, NUMBERED | number);
    struct rop *o = new_op(r, PROP_SET_PROPERTY);
    o->made = true;
    o->slot = vertex;
    o->pslot = pslot;
    o->elem = elem;
    return (uint32_t)r->nops - 1;
}

const char *replicas_vertex_id(const struct replicas *r, uint32_t vertex,
                               char buf[REPLICAS_NAME_LEN])
{
    assert(vertex < r->nslots && r->slots[vertex].kind == SLOT_VERTEX);
    return name_text(r, r->slots[vertex].name, VERTEX_PREFIX, buf);
}

/* A bounded writer for describe_fast: ok turns false, for good, when a piece does not fit. */
struct text_out {
    char *p, *end; /* end: one before the buffer's end, room for the '\0' */
    bool ok;
};

static void out_put(struct text_out *w, const char *s, size_t k)
{
    if (!w->ok || (size_t)(w->end - w->p) < k) {
        w->ok = false;
        return;
    }
    memcpy(w->p, s, k);
    w->p += k;
}

static void out_name(struct text_out *w, const struct replicas *r, name_t n, char prefix)
{
    if (!(n & NUMBERED)) {
        const char *s = r->names.s[n];
        out_put(w, s, strlen(s));
        return;
    }
    assert(prefix);
    if (!w->ok || w->end - w->p < CSVFMT_NUMBER_LEN + 1) {
        w->ok = false;
        return;
    }
    *w->p++ = prefix;
    w->p = csvfmt_u64(w->p, n & ~NUMBERED);
}

#define OUT_LIT(w, s) out_put((w), (s), sizeof(s) - 1)

/*
 * The text proposal_describe gives the adds and removes of vertices and edges (what the
 * workload generates: one outcome row each), written straight from the names, without the
 * borrowed proposal and its variadic pieces; 0 if the op is another kind or the text does
 * not fit in len (replicas_describe then asks core/proposal). The test of made operations
 * compares both texts.
 */
static size_t describe_fast(const struct replicas *r, const struct rop *o, char *buf, size_t len)
{
    if (!len)
        return 0;
    struct text_out w = {buf, buf + len - 1, true};
    const struct slot *s = &r->slots[o->slot];
    switch ((enum prop_op)o->op) {
    case PROP_ADD_VERTEX:
    case PROP_REMOVE_VERTEX: {
        if (o->op == PROP_ADD_VERTEX)
            OUT_LIT(&w, "add_vertex ");
        else
            OUT_LIT(&w, "remove_vertex ");
        out_name(&w, r, s->name, VERTEX_PREFIX);
        name_t label = o->op == PROP_ADD_VERTEX ? r->elems[o->elem].value : NONE;
        if (label != NONE && ((label & NUMBERED) || r->names.s[label][0])) {
            OUT_LIT(&w, ":");
            out_name(&w, r, label, VALUE_PREFIX);
        }
        break;
    }
    case PROP_ADD_EDGE:
    case PROP_REMOVE_EDGE:
        if (o->op == PROP_ADD_EDGE)
            OUT_LIT(&w, "add_edge ");
        else
            OUT_LIT(&w, "remove_edge ");
        out_name(&w, r, r->slots[s->a].name, VERTEX_PREFIX);
        if (s->name != NONE) {
            OUT_LIT(&w, " -");
            out_name(&w, r, s->name, 0);
            OUT_LIT(&w, "-> ");
        } else {
            OUT_LIT(&w, " -> ");
        }
        out_name(&w, r, r->slots[s->b].name, VERTEX_PREFIX);
        break;
    default:
        return 0;
    }
    if (!w.ok)
        return 0;
    *w.p = '\0';
    return (size_t)(w.p - buf);
}

size_t replicas_describe(const struct replicas *r, uint32_t op, char *buf, size_t len)
{
    assert(op < r->nops);
    const struct rop *o = &r->ops[op];
    if (!o->made)
        return 0;
    size_t n = describe_fast(r, o, buf, len);
    if (n)
        return n;
    /* the proposal these indices stand for, borrowing the store's strings: described by
     * core/proposal itself, so the text is the one a proposal with these strings gets */
    char b1[REPLICAS_NAME_LEN], b2[REPLICAS_NAME_LEN], b3[REPLICAS_NAME_LEN];
    struct proposal p;
    proposal_init(&p, 0, 0, (enum prop_op)o->op);
    const struct slot *s = &r->slots[o->slot];
    switch ((enum prop_op)o->op) {
    case PROP_ADD_VERTEX:
        p.label = (char *)name_text(r, r->elems[o->elem].value, VALUE_PREFIX, b2);
        /* fall through */
    case PROP_REMOVE_VERTEX:
    case PROP_READ:
        p.vertex = (char *)name_text(r, s->name, VERTEX_PREFIX, b1);
        break;
    case PROP_ADD_EDGE:
    case PROP_REMOVE_EDGE:
        p.from = (char *)name_text(r, r->slots[s->a].name, VERTEX_PREFIX, b1);
        p.label = (char *)name_text(r, s->name, 0, b2);
        p.to = (char *)name_text(r, r->slots[s->b].name, VERTEX_PREFIX, b3);
        break;
    case PROP_SET_PROPERTY:
        p.vertex = (char *)name_text(r, s->name, VERTEX_PREFIX, b1);
        p.key = (char *)name_text(r, r->slots[o->pslot].name, 0, b2);
        p.value = (char *)name_text(r, r->elems[o->elem].value, VALUE_PREFIX, b3);
        break;
    }
    return proposal_describe(&p, buf, len); /* borrowed: no proposal_fini */
}

/* --- lifecycle ------------------------------------------------------------------------ */

struct replicas *replicas_new(uint32_t nodes, size_t max_elements)
{
    struct replicas *r = xcalloc(1, sizeof(*r));
    r->nodes = nodes;
    r->max_elements = max_elements;
    r->stride = (size_t)nodes + 1;
    r->elems = xhuge_calloc(max_elements ? max_elements : 1, sizeof(*r->elems));
    r->bits = xhuge_calloc(store_words(r), sizeof(uint64_t));
    /* presized from the bound: every element is at most one new slot, operation and vertex
     * (the generated ones are), so a run of generated proposals never grows them; the
     * memory is only touched as it is used */
    size_t n = max_elements + 16;
    r->slots_cap = r->ops_cap = r->vertex_slots_cap = n;
    r->slots = xhuge_calloc(n, sizeof(*r->slots));
    r->ops = xhuge_calloc(n, sizeof(*r->ops));
    r->vertex_slots = xhuge_calloc(n, sizeof(*r->vertex_slots));
    r->numbered_cap = n;
    r->numbered = xhuge_calloc(n, sizeof(*r->numbered));
    size_t cap = 256; /* the map holds edges, properties and named vertices: at most n */
    while (cap < n)
        cap *= 2;
    r->map_cap = cap;
    r->map = xhuge_calloc(cap, sizeof(*r->map));
    return r;
}

void replicas_free(struct replicas *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->names.n; i++)
        free(r->names.s[i]);
    free(r->names.s);
    free(r->names.index);
    xhuge_free(r->slots, r->slots_cap, sizeof(*r->slots));
    xhuge_free(r->elems, r->max_elements ? r->max_elements : 1, sizeof(*r->elems));
    xhuge_free(r->ops, r->ops_cap, sizeof(*r->ops));
    free(r->prop_pool);
    xhuge_free(r->vertex_slots, r->vertex_slots_cap, sizeof(*r->vertex_slots));
    xhuge_free(r->numbered, r->numbered_cap, sizeof(*r->numbered));
    xhuge_free(r->map, r->map_cap, sizeof(*r->map));
    xhuge_free(r->bits, store_words(r), sizeof(uint64_t));
    free(r->hashes);
    for (uint32_t i = 0; r->vx && i < r->nodes; i++) {
        free(r->vx[i].tree);
        free(r->vx[i].bits);
    }
    free(r->vx);
    free(r->vx_live);
    free(r);
}

/*
 * A replica: its column of the element rows (element e's bit is e * stride + col); the
 * template is replica "nodes". Its state hash is the sum of the present elements' hashes:
 * stored only when kept (replicas_keep_hashes), else computed when asked, so that an
 * application writes no per-node word besides its elements' (a random line per delivery).
 */
struct view {
    uint64_t *bits;
    size_t col, stride;
    uint64_t *hash;    /* the kept hash, or NULL */
    struct vindex *vx; /* the node's vertex index, NULL (the template, or not built) */
};

static struct view view_of(const struct replicas *r, uint32_t node)
{
    assert(node <= r->nodes);
    /* only a built index is kept up to date: the others (nodes the workload never picked
     * from) cost nothing per application; it cost ring-100k 20% when every view had one */
    bool indexed = node < r->nodes && r->vx && (r->vx_live[node / 64] >> (node % 64) & 1);
    return (struct view){r->bits, node, r->stride, r->hashes ? &r->hashes[node] : NULL,
                         indexed ? &r->vx[node] : NULL};
}

/* The position of element e's bit in v's column. */
static size_t pos_of(struct view v, uint32_t e)
{
    return (size_t)e * v.stride + v.col;
}

static bool has(struct view v, uint32_t e)
{
    size_t p = pos_of(v, e);
    return (v.bits[p / 64] >> (p % 64)) & 1u;
}

/* Bits [from, to) of b become all ones (one) or zeros. */
static void bits_fill(uint64_t *b, size_t from, size_t to, bool one)
{
    for (size_t w = from / 64; from < to; w++) {
        size_t end = to < (w + 1) * 64 ? to : (w + 1) * 64;
        uint64_t m = (end - from == 64 ? ~(uint64_t)0 : (((uint64_t)1 << (end - from)) - 1))
                     << (from % 64);
        b[w] = one ? b[w] | m : b[w] & ~m;
        from = end;
    }
}

/* Node's vertex index is stale (its replica was replaced): rebuilt on next use. */
static void vx_drop(struct replicas *r, uint32_t node)
{
    if (r->vx && node < r->nodes) {
        r->vx[node].n = 0;
        r->vx_live[node / 64] &= ~((uint64_t)1 << (node % 64));
    }
}

/* The sum of the present elements' hashes on node's replica. */
static uint64_t hash_sum(const struct replicas *r, uint32_t node)
{
    struct view v = view_of(r, node);
    uint64_t h = 0;
    for (uint32_t e = 0; e < r->nelems; e++)
        h += has(v, e) ? r->elems[e].hash : 0;
    return h;
}

void replicas_keep_hashes(struct replicas *r)
{
    if (r->hashes)
        return;
    uint64_t *h = xcalloc((size_t)r->nodes + 1, sizeof(uint64_t));
    for (uint32_t i = 0; i <= r->nodes; i++)
        h[i] = hash_sum(r, i);
    r->hashes = h;
}

void replicas_start(struct replicas *r)
{
    /* each interned element's row: all ones where the template has it, else zeros */
    for (size_t e = 0; e < r->nelems; e++)
        bits_fill(r->bits, e * r->stride, e * r->stride + r->nodes,
                  has(view_of(r, r->nodes), (uint32_t)e));
    for (uint32_t i = 0; i < r->nodes; i++) {
        if (r->hashes)
            r->hashes[i] = r->hashes[r->nodes];
        vx_drop(r, i);
    }
}

void replicas_copy(struct replicas *r, uint32_t dst, uint32_t src)
{
    struct view d = view_of(r, dst), s = view_of(r, src);
    for (uint32_t e = 0; e < r->nelems; e++) { /* elements past nelems are in no replica */
        size_t p = pos_of(d, e);
        uint64_t m = (uint64_t)1 << (p % 64);
        r->bits[p / 64] = has(s, e) ? r->bits[p / 64] | m : r->bits[p / 64] & ~m;
    }
    if (r->hashes)
        r->hashes[dst] = r->hashes[src];
    vx_drop(r, dst);
}

void replicas_reset(struct replicas *r, uint32_t node)
{
    replicas_copy(r, node, r->nodes);
}

static void prefetch_slot(const struct replicas *r, struct view v, uint32_t s)
{
    if (s != NONE && r->slots[s].elems != NONE)
        __builtin_prefetch(&v.bits[pos_of(v, r->slots[s].elems) / 64]);
}

void replicas_prefetch_op(const struct replicas *r, uint32_t node, uint32_t op)
{
    assert(op < r->nops);
    const struct rop *o = &r->ops[op];
    struct view v = view_of(r, node);
    if (v.hash)
        __builtin_prefetch(v.hash);
    if (o->bad || o->unlabeled)
        return;
    if (o->op == PROP_ADD_EDGE) {
        prefetch_slot(r, v, o->from);
        prefetch_slot(r, v, o->to);
    }
    if (o->elem != NONE)
        __builtin_prefetch(&v.bits[pos_of(v, o->elem) / 64]);
    else
        prefetch_slot(r, v, o->slot);
}

size_t replicas_bytes_per_node(const struct replicas *r)
{
    return (r->max_elements + 7) / 8;
}

size_t replicas_bytes_per_op(void)
{
    /* an operation, and at most one slot, element, vertex position and map entry for it */
    return sizeof(struct rop) + sizeof(struct slot) + sizeof(struct elem) + 2 * sizeof(uint32_t) +
           sizeof(struct map_entry);
}

/* --- element and slot state on one replica ------------------------------------------ */

static bool slot_present(const struct replicas *r, struct view v, uint32_t s)
{
    for (uint32_t e = r->slots[s].elems; e != NONE; e = r->elems[e].next)
        if (has(v, e))
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
    size_t want = r->nslots;
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
        if (r->slots[pos].kind == SLOT_VERTEX && slot_present(r, v, (uint32_t)pos))
            vx_add(vx, pos, 1);
    }
}

/* Element e of v changed from present to not (or back): count its vertex in or out. */
static void vx_note(const struct replicas *r, struct view v, uint32_t e, bool was_present)
{
    uint32_t slot = r->elems[e].slot;
    if (!v.vx || r->slots[slot].kind != SLOT_VERTEX || slot >= v.vx->n)
        return;
    bool now = slot_present(r, v, slot);
    if (now != was_present)
        vx_add(v.vx, slot, now ? 1u : UINT32_MAX);
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
    size_t p = pos_of(v, e);
    v.bits[p / 64] |= (uint64_t)1 << (p % 64);
    if (v.hash)
        *v.hash += r->elems[e].hash;
    vx_note(r, v, e, was);
}

static void clear_elem(const struct replicas *r, struct view v, uint32_t e)
{
    if (!has(v, e))
        return;
    size_t p = pos_of(v, e);
    v.bits[p / 64] &= ~((uint64_t)1 << (p % 64));
    if (v.hash)
        *v.hash -= r->elems[e].hash;
    vx_note(r, v, e, true);
}

static void clear_slot(const struct replicas *r, struct view v, uint32_t s)
{
    for (uint32_t e = r->slots[s].elems; e != NONE; e = r->elems[e].next)
        clear_elem(r, v, e);
}

static void clear_with_props(const struct replicas *r, struct view v, uint32_t s)
{
    clear_slot(r, v, s);
    for (uint32_t p = r->slots[s].props; p != NONE; p = r->slots[p].next)
        clear_slot(r, v, p);
}

/* The only present edge from -> to (any label); NONE if none or several. */
static uint32_t unlabeled_edge(const struct replicas *r, struct view v, const struct rop *o)
{
    uint32_t found = NONE;
    for (uint32_t e = r->slots[o->from].edges; e != NONE; e = next_edge(r, o->from, e)) {
        const struct slot *s = &r->slots[e];
        if (s->a != o->from || s->b != o->to || !slot_present(r, v, e))
            continue;
        if (found != NONE)
            return NONE;
        found = e;
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
        *elem = o->value != NONE ? elem_get(r, *pslot, o->value) : NONE;
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
    switch ((enum prop_op)o->op) {
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
    switch ((enum prop_op)o->op) {
    case PROP_ADD_VERTEX:
    case PROP_ADD_EDGE:
        set_elem(r, v, o->elem);
        for (uint32_t i = 0; o->props != NONE && i < r->prop_pool[o->props]; i++)
            set_elem(r, v, r->prop_pool[o->props + 1 + i]);
        return;
    case PROP_REMOVE_VERTEX:
        for (uint32_t e = r->slots[o->slot].edges; e != NONE; e = next_edge(r, o->slot, e))
            clear_with_props(r, v, e);
        clear_with_props(r, v, o->slot);
        return;
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
    return r->hashes ? r->hashes[node] : hash_sum(r, node);
}

void replicas_hashes(const struct replicas *r, uint64_t *hashes)
{
    if (r->hashes) {
        memcpy(hashes, r->hashes, r->nodes * sizeof(*hashes));
        return;
    }
    memset(hashes, 0, r->nodes * sizeof(*hashes));
    for (size_t e = 0; e < r->nelems; e++) { /* row by row: each row's words read once */
        size_t from = e * r->stride, to = from + r->nodes; /* not the template's column */
        uint64_t h = r->elems[e].hash;
        for (size_t w = from / 64; w * 64 < to; w++) {
            uint64_t x = r->bits[w];
            if (w == from / 64)
                x &= ~(uint64_t)0 << (from % 64);
            if ((w + 1) * 64 > to)
                x &= ((uint64_t)1 << (to % 64)) - 1;
            for (; x; x &= x - 1)
                hashes[w * 64 + (size_t)__builtin_ctzll(x) - from] += h;
        }
    }
}

size_t replicas_vertices(const struct replicas *r, uint32_t node, uint32_t *vertices, size_t max)
{
    struct view v = view_of(r, node);
    size_t n = 0;
    for (size_t i = 0; i < r->nvertex_slots && n < max; i++)
        if (slot_present(r, v, r->vertex_slots[i]))
            vertices[n++] = r->vertex_slots[i];
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

/* The block holding the k-th present position (the tree only: in cache); *k becomes the
 * rank within that block. */
static size_t vx_block_of(const struct vindex *vx, size_t *k)
{
    assert(*k < vx_count(vx));
    size_t blocks = vx_blocks(vx), b = 0, step = 1;
    while (step * 2 <= blocks)
        step *= 2;
    for (; step; step /= 2) /* the most blocks b with prefix(b) <= k */
        if (b + step <= blocks && vx->tree[b + step] <= *k) {
            b += step;
            *k -= vx->tree[b];
        }
    return b;
}

/* The position of the k-th present one in block b (its one line of bits). */
static uint32_t vx_in_block(const struct vindex *vx, size_t b, size_t k)
{
    const uint64_t *w = vx->bits + b * (VX_BLOCK / 64);
    for (uint32_t c; k >= (c = (uint32_t)__builtin_popcountll(*w)); w++)
        k -= c;
    uint64_t word = *w;
    for (; k; k--)
        word &= word - 1; /* drop the k lowest present positions */
    return (uint32_t)((size_t)(w - vx->bits) * 64 + (size_t)__builtin_ctzll(word));
}

uint32_t replicas_vertex_at(struct replicas *r, uint32_t node, size_t k)
{
    const struct vindex *vx = vertex_index(r, node);
    size_t b = vx_block_of(vx, &k);
    return vx_in_block(vx, b, k);
}

void replicas_vertices_at(struct replicas *r, uint32_t node, size_t n, const size_t *k,
                          uint32_t *out)
{
    const struct vindex *vx = vertex_index(r, node);
    size_t b[REPLICAS_PICKS_MAX], rank[REPLICAS_PICKS_MAX];
    assert(n <= REPLICAS_PICKS_MAX);
    for (size_t i = 0; i < n; i++) { /* every block's line asked for before any is read */
        rank[i] = k[i];
        b[i] = vx_block_of(vx, &rank[i]);
        __builtin_prefetch(vx->bits + b[i] * (VX_BLOCK / 64));
    }
    for (size_t i = 0; i < n; i++)
        out[i] = vx_in_block(vx, b[i], rank[i]);
}

void replicas_prefetch_edge(const struct replicas *r, uint32_t from, uint32_t label, uint32_t to)
{
    assert(from < r->nslots && to < r->nslots);
    __builtin_prefetch(&r->slots[from]);
    __builtin_prefetch(&r->slots[to]);
    __builtin_prefetch(&r->map[map_hash(SLOT_EDGE, from, to, label) & (r->map_cap - 1)]);
}

size_t replicas_edges(const struct replicas *r, uint32_t node, uint32_t *edges, size_t max)
{
    struct view v = view_of(r, node);
    size_t n = 0;
    for (uint32_t i = 0; i < r->nelems && n < max; i++)
        if (r->slots[r->elems[i].slot].kind == SLOT_EDGE && has(v, i))
            edges[n++] = r->elems[i].slot;
    return n;
}

void replicas_edge_ends(const struct replicas *r, uint32_t edge, uint32_t *from, uint32_t *label,
                        uint32_t *to)
{
    assert(edge < r->nslots && r->slots[edge].kind == SLOT_EDGE);
    *from = r->slots[edge].a;
    *label = r->slots[edge].name;
    *to = r->slots[edge].b;
}

const char *replicas_label_text(const struct replicas *r, uint32_t label)
{
    assert(label < r->names.n);
    return r->names.s[label];
}

bool replicas_has_edge_at(const struct replicas *r, uint32_t node, uint32_t from, uint32_t label,
                          uint32_t to)
{
    uint32_t e = slot_find(r, SLOT_EDGE, from, to, label);
    return e != NONE && slot_present(r, view_of(r, node), e);
}

bool replicas_has_edge(const struct replicas *r, uint32_t node, const char *from, const char *label,
                       const char *to)
{
    uint32_t a = slot_find(r, SLOT_VERTEX, 0, 0, name_find(r, from, VERTEX_PREFIX));
    uint32_t b = slot_find(r, SLOT_VERTEX, 0, 0, name_find(r, to, VERTEX_PREFIX));
    name_t l = name_find(r, label, 0);
    return a != NONE && b != NONE && l != NONE && replicas_has_edge_at(r, node, a, l, b);
}

const char *replicas_property(const struct replicas *r, uint32_t node, const char *vertex,
                              const char *key, char buf[REPLICAS_NAME_LEN])
{
    struct view v = view_of(r, node);
    uint32_t owner = slot_find(r, SLOT_VERTEX, 0, 0, name_find(r, vertex, VERTEX_PREFIX));
    name_t k = name_find(r, key, 0);
    uint32_t ps = owner == NONE || k == NONE ? NONE : slot_find(r, SLOT_PROP, owner, 0, k);
    if (ps == NONE)
        return NULL;
    for (uint32_t e = r->slots[ps].elems; e != NONE; e = r->elems[e].next)
        if (has(v, e))
            return name_text(r, r->elems[e].value, VALUE_PREFIX, buf);
    return NULL;
}

/* --- export as a struct graph --------------------------------------------------------- */

static const char *vertex_text(const struct replicas *r, uint32_t s, char buf[REPLICAS_NAME_LEN])
{
    return name_text(r, r->slots[s].name, VERTEX_PREFIX, buf);
}

static void put_property(struct graph *g, const struct replicas *r, const struct elem *e)
{
    const struct slot *ps = &r->slots[e->slot];
    const struct slot *owner = &r->slots[ps->a];
    char kb[REPLICAS_NAME_LEN], vb[REPLICAS_NAME_LEN], fb[REPLICAS_NAME_LEN], lb[REPLICAS_NAME_LEN],
        tb[REPLICAS_NAME_LEN];
    const char *key = name_text(r, ps->name, 0, kb);
    const char *value = name_text(r, e->value, VALUE_PREFIX, vb);
    enum graph_reason why;
    if (owner->kind == SLOT_VERTEX)
        why = graph_set_vertex_property(g, vertex_text(r, ps->a, fb), key, value);
    else
        why = graph_set_edge_property(g, vertex_text(r, owner->a, fb),
                                      name_text(r, owner->name, 0, lb),
                                      vertex_text(r, owner->b, tb), key, value);
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
            char b1[REPLICAS_NAME_LEN], b2[REPLICAS_NAME_LEN], b3[REPLICAS_NAME_LEN];
            enum graph_reason why = GRAPH_OK;
            if (k == SLOT_VERTEX)
                why = graph_add_vertex(g, vertex_text(r, e->slot, b1),
                                       name_text(r, e->value, VALUE_PREFIX, b2), NULL, 0);
            else if (k == SLOT_EDGE)
                why = graph_add_edge(g, vertex_text(r, s->a, b1), name_text(r, s->name, 0, b2),
                                     vertex_text(r, s->b, b3), NULL, 0);
            else
                put_property(g, r, e);
            assert(why == GRAPH_OK);
            (void)why;
        }
    }
    return g;
}
