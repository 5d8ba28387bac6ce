/*
 * intern: see intern.h. Entries live in 1 MiB arena blocks (a string too large for a block
 * gets a block of its own), so pointers stay put while the table grows. The slot position
 * comes from the high bits of the content hash. Keys: a string of len <= 7 bytes is its
 * bytes (little-endian) with len + 1 in the top byte, so equal keys mean equal strings; a
 * longer string's key is its hash with the top byte cleared, confirmed with memcmp.
 */
#include "core/intern.h"

#include <assert.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "core/xalloc.h"

#define BLOCK_SIZE ((size_t)1 << 20)
#define SHORT_MAX  7
#define TOP_BYTE   (UINT64_C(0xff) << 56)

struct entry {
    uint64_t hash; /* hash_bytes(s, len, INTERN_SEED) */
    uint32_t len;  /* bytes, without the NUL */
    char s[];      /* len bytes and a NUL */
};

struct slot {
    uint64_t key; /* see the file comment */
    uint32_t id;  /* string id; INTERN_NONE: empty slot */
    uint32_t tag; /* owner's tag */
};

struct intern {
    struct entry **by_id; /* entry of each id */
    size_t n, id_cap;     /* ids used, capacity of by_id */
    struct slot *slots;   /* the table, cap a power of two */
    size_t cap;           /* slots */
    unsigned shift;       /* 64 - log2(cap) */
    char **blocks;        /* arena blocks */
    size_t nblocks, blocks_cap;
    size_t pos, block_cap; /* fill of the last block */
};

static uint64_t key_of(const char *s, size_t len, uint64_t h)
{
    if (len > SHORT_MAX)
        return h & ~TOP_BYTE;
    uint64_t k = (uint64_t)(len + 1) << 56;
    for (size_t i = 0; i < len; i++)
        k |= (uint64_t)(unsigned char)s[i] << (8 * i);
    return k;
}

static void table_alloc(struct intern *in, size_t cap)
{
    unsigned bits = 0;
    while (((size_t)1 << bits) < cap)
        bits++;
    in->cap = (size_t)1 << bits;
    in->shift = 64 - bits;
    in->slots = xmalloc(in->cap * sizeof(*in->slots));
    for (size_t i = 0; i < in->cap; i++)
        in->slots[i] = (struct slot){.key = 0, .id = INTERN_NONE, .tag = INTERN_NONE};
}

struct intern *intern_new(void)
{
    struct intern *in = xcalloc(1, sizeof(*in));
    table_alloc(in, 64);
    return in;
}

void intern_free(struct intern *in)
{
    if (!in)
        return;
    for (size_t i = 0; i < in->nblocks; i++)
        free(in->blocks[i]);
    free(in->blocks);
    free(in->slots);
    free(in->by_id);
    free(in);
}

/* Place a known-absent slot (rehash, clone). */
static void slot_put(struct intern *in, struct slot sl)
{
    const struct entry *e = in->by_id[sl.id];
    size_t mask = in->cap - 1;
    size_t i = (size_t)(e->hash >> in->shift);
    while (in->slots[i].id != INTERN_NONE)
        i = (i + 1) & mask;
    in->slots[i] = sl;
}

static void table_grow(struct intern *in)
{
    struct slot *old = in->slots;
    size_t old_cap = in->cap;
    table_alloc(in, in->cap * 2);
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].id != INTERN_NONE)
            slot_put(in, old[i]);
    free(old);
}

static void *arena_alloc(struct intern *in, size_t size)
{
    size = (size + alignof(struct entry) - 1) & ~(alignof(struct entry) - 1);
    if (in->nblocks == 0 || in->pos + size > in->block_cap) {
        size_t cap = size > BLOCK_SIZE / 4 ? size : BLOCK_SIZE;
        XGROW(in->blocks, in->blocks_cap, in->nblocks + 1);
        char *b = xmalloc(cap);
        if (cap == size && in->nblocks > 0) {
            /* A large string: slot its block in before the current one, keep filling that. */
            in->blocks[in->nblocks] = in->blocks[in->nblocks - 1];
            in->blocks[in->nblocks - 1] = b;
            in->nblocks++;
            return b;
        }
        in->blocks[in->nblocks++] = b;
        in->pos = 0;
        in->block_cap = cap;
    }
    void *p = in->blocks[in->nblocks - 1] + in->pos;
    in->pos += size;
    return p;
}

/* The slot holding s, or the empty slot where it would go. */
static struct slot *lookup(const struct intern *in, const char *s, size_t len, uint64_t h)
{
    uint64_t key = key_of(s, len, h);
    size_t mask = in->cap - 1;
    size_t i = (size_t)(h >> in->shift);
    for (; in->slots[i].id != INTERN_NONE; i = (i + 1) & mask) {
        const struct slot *sl = &in->slots[i];
        if (sl->key != key)
            continue;
        if (len <= SHORT_MAX)
            break;
        const struct entry *e = in->by_id[sl->id];
        if (e->hash == h && e->len == len && memcmp(e->s, s, len) == 0)
            break;
    }
    return &in->slots[i];
}

/* The slot of a present id. */
static struct slot *slot_of(const struct intern *in, uint32_t id)
{
    assert(id < in->n);
    const struct entry *e = in->by_id[id];
    size_t mask = in->cap - 1;
    size_t i = (size_t)(e->hash >> in->shift);
    while (in->slots[i].id != id)
        i = (i + 1) & mask;
    return &in->slots[i];
}

uint64_t intern_hash_bytes(const char *s, size_t len)
{
    return hash_bytes(s, len, INTERN_SEED);
}

void intern_prefetch(const struct intern *in, uint64_t h)
{
#if defined(__GNUC__)
    __builtin_prefetch(&in->slots[h >> in->shift]);
#else
    (void)in, (void)h;
#endif
}

uint32_t intern_find_meta(const struct intern *in, const char *s, size_t len,
                          struct intern_meta *meta)
{
    return intern_find_hashed(in, s, len, hash_bytes(s, len, INTERN_SEED), meta);
}

uint32_t intern_find_hashed(const struct intern *in, const char *s, size_t len, uint64_t h,
                            struct intern_meta *meta)
{
    const struct slot *sl = lookup(in, s, len, h);
    if (sl->id != INTERN_NONE && meta)
        *meta = (struct intern_meta){.hash = h, .tag = sl->tag};
    return sl->id;
}

uint32_t intern_find(const struct intern *in, const char *s, size_t len)
{
    return intern_find_meta(in, s, len, NULL);
}

uint32_t intern_add(struct intern *in, const char *s, size_t len)
{
    return intern_add_meta(in, s, len, NULL);
}

uint32_t intern_add_meta(struct intern *in, const char *s, size_t len, struct intern_meta *meta)
{
    uint64_t h = hash_bytes(s, len, INTERN_SEED);
    struct slot *where = lookup(in, s, len, h);
    if (where->id == INTERN_NONE) {
        assert(len < UINT32_MAX && in->n < INTERN_NONE);
        struct entry *e = arena_alloc(in, sizeof(struct entry) + len + 1);
        e->hash = h;
        e->len = (uint32_t)len;
        memcpy(e->s, s, len);
        e->s[len] = '\0';
        XGROW(in->by_id, in->id_cap, in->n + 1);
        in->by_id[in->n] = e;
        *where = (struct slot){.key = key_of(s, len, h), .id = (uint32_t)in->n, .tag = INTERN_NONE};
        in->n++;
    }
    if (meta)
        *meta = (struct intern_meta){.hash = h, .tag = where->tag};
    uint32_t id = where->id;
    if (in->n * 10 > in->cap * 7)
        table_grow(in);
    return id;
}

struct intern *intern_clone(const struct intern *in)
{
    struct intern *c = xcalloc(1, sizeof(*c));
    c->id_cap = in->n ? in->n : 1;
    c->by_id = xmalloc(c->id_cap * sizeof(*c->by_id));
    for (size_t id = 0; id < in->n; id++) {
        const struct entry *e = in->by_id[id];
        struct entry *d = arena_alloc(c, sizeof(struct entry) + e->len + 1);
        memcpy(d, e, sizeof(struct entry) + e->len + 1);
        c->by_id[c->n++] = d;
    }
    c->cap = in->cap;
    c->shift = in->shift;
    c->slots = xmalloc(in->cap * sizeof(*c->slots));
    memcpy(c->slots, in->slots, in->cap * sizeof(*c->slots));
    return c;
}

static const struct entry *entry_of(const struct intern *in, uint32_t id)
{
    assert(id < in->n);
    return in->by_id[id];
}

const char *intern_str(const struct intern *in, uint32_t id)
{
    return entry_of(in, id)->s;
}

uint64_t intern_hash(const struct intern *in, uint32_t id)
{
    return entry_of(in, id)->hash;
}

uint32_t intern_tag(const struct intern *in, uint32_t id)
{
    return slot_of(in, id)->tag;
}

void intern_set_tag(struct intern *in, uint32_t id, uint32_t tag)
{
    slot_of(in, id)->tag = tag;
}
