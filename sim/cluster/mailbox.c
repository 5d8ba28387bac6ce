/* mailbox: exact deferred message delivery (see mailbox.h). */
#include "sim/cluster/mailbox.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

/* A unicast message in the heap: (time, vseq << SLOT_BITS | slot); the event is in a pool. */
#define SLOT_BITS  28
#define SLOT_MASK  ((UINT64_C(1) << SLOT_BITS) - 1)
#define VSEQ_BITS  (64 - SLOT_BITS)
#define VSEQ_LIMIT (UINT64_C(1) << VSEQ_BITS)
#define D          4 /* heap arity */

struct ukey {
    sim_time time;
    uint64_t key; /* vseq << SLOT_BITS | slot */
};

/*
 * Messages wait in a calendar of time buckets 2^BUCKET_BITS ns wide: a ring of NBUCKETS
 * buckets holds the messages due in buckets cur+1 .. cur+NBUCKETS-1, each bucket a list of
 * chunks filled in send order, i.e. in vseq order. When the bucket being delivered (cur)
 * has run out and the clock reaches the next non-empty bucket, that bucket becomes cur: its
 * messages' keys (time within the bucket, place in the chunks) are sorted by time (a stable
 * sort, so ties stay in vseq order) and the messages decoded in that order into arrays that
 * are then read front to back. A message due in bucket cur or earlier or beyond the ring
 * goes to the heap instead; the earliest message is the smaller of the arrays' next and the
 * heap's top.
 *
 * In a chunk a message is packed (struct cslot): a unicast message takes two 16-byte slots
 * (its time within the bucket, vseq and a kind number standing for the event's fn and ctx,
 * then a, b, c, d), a broadcast copy one (its receiver, its duplicate bit and the number of
 * its broadcast's template event). So a 100,000-node broadcast is 1.6 MB written once and
 * read once, merged with everything else in flight by the buckets' sorts instead of a heap
 * of broadcasts consulted on every delivery; and its delivery reads a line written or copied
 * a moment before instead of a random slot of a pool. Only the heap's messages keep their
 * events in the pool.
 */
#define BUCKET_BITS     17                      /* 131 us */
#define NBUCKETS        32768u                  /* 4.3 s ahead */
#define SORT_BITS       ((BUCKET_BITS + 1) / 2) /* bucket_sort's two passes cover BUCKET_BITS */
#define SORT_RADIX      (1u << SORT_BITS)
#define CHUNK_SLOTS     127
#define CHUNK_BITS      7 /* a slot's place in a chunk, in a sort key */
#define CHUNK_SLOTS_POW (1u << CHUNK_BITS)
#define SLAB_CHUNKS     1024 /* 2 MiB of 2 KiB chunks */
#define SLAB_FIRST      16 /* the first slab's chunks (32 KiB); each next doubles, up to SLAB_CHUNKS */

/* A slot's first word: time within the bucket, vseq, kind (KIND_COPY: a broadcast copy). */
#define OFF_MASK   ((UINT64_C(1) << BUCKET_BITS) - 1)
#define KIND_SHIFT (BUCKET_BITS + VSEQ_BITS)
#define KIND_BITS  (64 - KIND_SHIFT)
#define KIND_COPY  ((UINT64_C(1) << KIND_BITS) - 1)
#define NKINDS     128 /* unicast kinds numbered at most (a model has a few dozen; others: heap) */
#define KIND_HASH  256 /* kind_of's table: a power of two, at most half full */
/* A copy's second word: receiver, duplicate bit, template number. */
#define COPY_DUP       (UINT64_C(1) << 32)
#define COPY_TPL_SHIFT 33

_Static_assert(NKINDS < KIND_COPY && 2 * NKINDS <= KIND_HASH, "kind numbers fit");
_Static_assert(CHUNK_SLOTS < CHUNK_SLOTS_POW, "a slot's place fits CHUNK_BITS");

struct cslot {
    uint64_t w0, w1;
};

struct chunk {
    struct chunk *next;
    size_t n; /* slots used */
    struct cslot s[CHUNK_SLOTS];
};

_Static_assert(sizeof(struct chunk) <= 2048, "a chunk fits its slab's 2 KiB");

struct bucket { /* the tail chunk's fill is kept here: appending reads no chunk line */
    struct chunk *head, *tail;
    uint32_t fill; /* slots used in tail (its n is set when it is left) */
    uint32_t n;    /* messages in all its chunks */
};

/* A unicast kind: an event's fn and ctx, numbered in the order first sent. */
struct ukind {
    sim_event_fn *fn;
    void *ctx;
};

/* A broadcast's event, shared by its copies in the calendar until the last is decoded. */
struct tpl {
    struct sim_event ev;
    uint64_t last_bn; /* the last bucket holding a copy; the next free template's number + 1
                         once free */
};

struct mailbox {
    struct sim_engine *eng;
    bool direct;
    uint64_t vseq;                /* virtual sequence numbers handed out */
    struct bucket *ring;          /* NBUCKETS */
    uint64_t busy[NBUCKETS / 64]; /* bitset: ring bucket is non-empty */
    uint64_t cur;                 /* the bucket in cur_k (time >> BUCKET_BITS) */
    size_t ring_n;                /* messages in the ring */
    uint64_t ring_min;            /* the first non-empty ring bucket (if ring_n) */
    struct chunk *free_chunks;
    struct chunk **slabs; /* chunks come from slabs of slab_chunks(i), on huge pages */
    size_t nslabs, slabs_cap, slab_used;
    /* bucket cur sorted by (time, vseq): keys (time within the bucket << 32 | where the
     * message was in its chunks, which is send order), events and vseqs */
    uint64_t *cur_k, *cur_tmp; /* the sorted keys; sort buffer */
    struct sim_event *cur_ev;
    uint64_t *cur_v;
    sim_time cur_base;         /* the bucket's first instant */
    struct chunk **cur_chunks; /* ring_advance: the bucket's chunks in order */
    size_t cur_chunks_cap;
    size_t cur_n, cur_next, cur_cap;
    struct ukey *uheap; /* other messages, a D-ary heap on (time, vseq) */
    size_t un, ucap;
    struct sim_event *upool; /* their events, by slot */
    size_t upool_n, upool_cap;
    uint32_t *ufree; /* free slots of upool */
    size_t nufree, ufree_cap;
    struct ukind kinds[NKINDS];    /* unicast kinds by number */
    uint32_t nkinds;               /* numbered so far */
    uint16_t kind_hash[KIND_HASH]; /* a kind's number + 1 by fn (0: none), open addressing */
    struct tpl *tpl;               /* broadcast templates by number */
    size_t ntpl, tpl_cap;
    uint64_t tpl_free; /* first free template + 1 (0: none) */
    uint32_t *live;    /* templates in use, freed once cur reaches their last bucket */
    size_t nlive, live_cap;
    bool open;                /* a broadcast is being added */
    uint64_t open_tpl;        /* its template (UINT64_MAX: none yet) */
    struct sim_event open_ev; /* its event */
    sim_event_id carrier;     /* pending carrier event, 0 if none */
    bool firing;              /* inside carrier_fire, which arms when it is done */
    sim_time carrier_at;
    uint64_t carrier_mark;       /* the vseq counter when the pending carrier was scheduled */
    struct sim_event carrier_ev; /* constant: built once, so the engine's copy of it reads
                                    settled memory rather than fresh stack stores */
    uint64_t delivered, carriers;
    mailbox_prefetch_fn *prefetch;
    void *prefetch_ctx;
};

#define PREFETCH_AHEAD 4  /* messages ahead whose state the model prefetches */
#define SMALL_BATCH    64 /* buckets sorted by insertion rather than radix */

/* --- the two heaps ---------------------------------------------------------------- */

static bool ukey_before(struct ukey a, struct ukey b)
{
    return a.time < b.time || (a.time == b.time && a.key < b.key);
}

/* Double the event pool (on huge pages once it is large: it is read in delivery order). */
static void upool_grow(struct mailbox *mb)
{
    size_t cap = mb->upool_cap ? 2 * mb->upool_cap : 1024;
    struct sim_event *p = xhuge_calloc(cap, sizeof(*p));
    if (mb->upool_n)
        memcpy(p, mb->upool, mb->upool_n * sizeof(*p));
    xhuge_free(mb->upool, mb->upool_cap, sizeof(*p));
    mb->upool = p;
    mb->upool_cap = cap;
}

/* A pool slot holding ev. */
static uint32_t slot_put(struct mailbox *mb, const struct sim_event *ev)
{
    uint32_t slot;
    if (mb->nufree) {
        slot = mb->ufree[--mb->nufree];
    } else {
        if (mb->upool_n == mb->upool_cap)
            upool_grow(mb);
        slot = (uint32_t)mb->upool_n++;
        assert(slot <= SLOT_MASK && "mailbox: too many messages in flight");
    }
    mb->upool[slot] = *ev;
    return slot;
}

/* The event in slot, which becomes free. */
static struct sim_event slot_take(struct mailbox *mb, uint32_t slot)
{
    XGROW(mb->ufree, mb->ufree_cap, mb->nufree + 1);
    mb->ufree[mb->nufree++] = slot;
    return mb->upool[slot];
}

static void uheap_push(struct mailbox *mb, struct ukey k)
{
    XGROW(mb->uheap, mb->ucap, mb->un + 1);
    size_t i = mb->un++;
    while (i > 0) {
        size_t p = (i - 1) / D;
        if (!ukey_before(k, mb->uheap[p]))
            break;
        mb->uheap[i] = mb->uheap[p];
        i = p;
    }
    mb->uheap[i] = k;
}

/* Remove the earliest unicast message; returns its event. */
static struct sim_event uheap_pop(struct mailbox *mb)
{
    struct sim_event ev = slot_take(mb, (uint32_t)(mb->uheap[0].key & SLOT_MASK));
    struct ukey last = mb->uheap[--mb->un];
    size_t i = 0, n = mb->un;
    for (;;) {
        size_t c = D * i + 1, m = c;
        if (c >= n)
            break;
        size_t end = c + D < n ? c + D : n;
        for (size_t j = c + 1; j < end; j++)
            if (ukey_before(mb->uheap[j], mb->uheap[m]))
                m = j;
        if (!ukey_before(mb->uheap[m], last))
            break;
        mb->uheap[i] = mb->uheap[m];
        i = m;
    }
    if (n) {
        mb->uheap[i] = last;
        /* the next message's event is a cache miss: start it while this one is handled */
        __builtin_prefetch(&mb->upool[mb->uheap[0].key & SLOT_MASK]);
    }
    return ev;
}

/* --- the calendar ------------------------------------------------------------------ */

/* Chunks in slab i: a small run does not zero a 2 MiB slab for a few chunks. */
static size_t slab_chunks(size_t i)
{
    size_t n = SLAB_FIRST;
    for (; i && n < SLAB_CHUNKS; i--)
        n *= 2;
    return n;
}

static struct chunk *chunk_new(struct mailbox *mb)
{
    struct chunk *ch = mb->free_chunks;
    if (ch) {
        mb->free_chunks = ch->next;
    } else {
        if (!mb->nslabs || mb->slab_used == slab_chunks(mb->nslabs - 1)) {
            XGROW(mb->slabs, mb->slabs_cap, mb->nslabs + 1);
            mb->slabs[mb->nslabs] = xhuge_calloc(slab_chunks(mb->nslabs), sizeof(struct chunk));
            mb->nslabs++;
            mb->slab_used = 0;
        }
        ch = &mb->slabs[mb->nslabs - 1][mb->slab_used++];
    }
    ch->next = NULL;
    ch->n = 0;
    return ch;
}

/* Whether a message due in bucket bn waits in the ring (else in the heap). */
static bool in_ring(const struct mailbox *mb, uint64_t bn)
{
    return bn > mb->cur && bn - mb->cur < NBUCKETS;
}

/* A broadcast's copy for receiver `to`: its event with d = to, flagged when duplicated. */
static struct sim_event copy_event(const struct sim_event *ev, uint32_t to, bool duplicate)
{
    struct sim_event copy = *ev;
    copy.d = to;
    if (duplicate)
        copy.b |= MAILBOX_COPY_FLAG;
    return copy;
}

/* A free slot pair (need 1 or 2) at the tail of bucket bn, which then holds one more message. */
static inline __attribute__((always_inline)) struct cslot *ring_slots(struct mailbox *mb,
                                                                      uint64_t bn, uint32_t need)
{
    size_t i = bn & (NBUCKETS - 1);
    struct bucket *b = &mb->ring[i];
    if (!b->tail) {
        b->head = b->tail = chunk_new(mb);
        b->fill = b->n = 0;
        mb->busy[i / 64] |= (uint64_t)1 << (i % 64);
    } else if (b->fill + need > CHUNK_SLOTS) {
        b->tail->n = b->fill;
        b->tail = b->tail->next = chunk_new(mb);
        b->fill = 0;
    }
    struct cslot *s = &b->tail->s[b->fill];
    b->fill += need;
    b->n++;
    mb->ring_n++;
    mb->ring_min = bn < mb->ring_min ? bn : mb->ring_min;
    return s;
}

static uint64_t slot_head(sim_time time, uint64_t vseq, uint64_t kind)
{
    return (time & OFF_MASK) | vseq << BUCKET_BITS | kind << KIND_SHIFT;
}

/* The number of ev's unicast kind (fn, ctx); NKINDS if there is no room for another. */
static uint64_t kind_of(struct mailbox *mb, const struct sim_event *ev)
{
    size_t h = (size_t)((uintptr_t)ev->fn >> 4) & (KIND_HASH - 1);
    for (;; h = (h + 1) & (KIND_HASH - 1)) {
        uint32_t k = mb->kind_hash[h];
        if (!k)
            break;
        if (mb->kinds[k - 1].fn == ev->fn && mb->kinds[k - 1].ctx == ev->ctx)
            return k - 1;
    }
    if (mb->nkinds == NKINDS)
        return NKINDS;
    mb->kinds[mb->nkinds] = (struct ukind){.fn = ev->fn, .ctx = ev->ctx};
    mb->kind_hash[h] = (uint16_t)++mb->nkinds;
    return mb->nkinds - 1;
}

/* A unicast message ev due at time with sequence number vseq. */
static void unicast_add(struct mailbox *mb, sim_time time, uint64_t vseq,
                        const struct sim_event *ev)
{
    assert(vseq < VSEQ_LIMIT && "mailbox: sequence numbers exhausted");
    uint64_t bn = time >> BUCKET_BITS, kind;
    if (in_ring(mb, bn) && (kind = kind_of(mb, ev)) != NKINDS) {
        struct cslot *s = ring_slots(mb, bn, 2);
        s[0] = (struct cslot){.w0 = slot_head(time, vseq, kind), .w1 = ev->a};
        s[1] = (struct cslot){.w0 = ev->b, .w1 = (uint64_t)ev->d << 32 | ev->c};
    } else {
        uheap_push(mb, (struct ukey){.time = time, .key = vseq << SLOT_BITS | slot_put(mb, ev)});
    }
}

/* Index of the first non-empty ring bucket after cur (the ring is not empty). */
static size_t ring_next(const struct mailbox *mb)
{
    size_t start = (mb->cur + 1) & (NBUCKETS - 1), w = start / 64;
    uint64_t bits = mb->busy[w] & (~(uint64_t)0 << (start % 64));
    while (!bits) {
        w = (w + 1) % (NBUCKETS / 64);
        bits = mb->busy[w];
    }
    return w * 64 + (size_t)__builtin_ctzll(bits);
}

/* Stable LSD radix sort of n keys (time within the bucket << 32 | index) by time: two
 * passes of SORT_BITS. */
static void bucket_sort(uint64_t *k, uint64_t *tmp, size_t n)
{
    if (n <= SMALL_BATCH) {
        for (size_t i = 1; i < n; i++) {
            uint64_t x = k[i];
            size_t j = i;
            while (j > 0 && k[j - 1] > x) /* the indices rise: comparing whole keys is stable */
                k[j] = k[j - 1], j--;
            k[j] = x;
        }
        return;
    }
    uint32_t c0[SORT_RADIX] = {0}, c1[SORT_RADIX] = {0};
    for (size_t i = 0; i < n; i++) {
        c0[(k[i] >> 32) & (SORT_RADIX - 1)]++;
        c1[(k[i] >> (32 + SORT_BITS)) & (SORT_RADIX - 1)]++;
    }
    uint32_t s0 = 0, s1 = 0;
    for (unsigned d = 0; d < SORT_RADIX; d++) {
        uint32_t x0 = c0[d], x1 = c1[d];
        c0[d] = s0;
        c1[d] = s1;
        s0 += x0;
        s1 += x1;
    }
    for (size_t i = 0; i < n; i++)
        tmp[c0[(k[i] >> 32) & (SORT_RADIX - 1)]++] = k[i];
    for (size_t i = 0; i < n; i++)
        k[c1[(tmp[i] >> (32 + SORT_BITS)) & (SORT_RADIX - 1)]++] = tmp[i];
}

/* Bucket cur is used up and the ring is not: the next non-empty bucket becomes cur (once per
 * bucket: kept out of earliest(), which runs once per delivery). */
static __attribute__((noinline)) void ring_advance(struct mailbox *mb)
{
    size_t i = mb->ring_min & (NBUCKETS - 1);
    assert(i == ring_next(mb));
    mb->cur = mb->ring_min;
    struct bucket *b = &mb->ring[i];
    size_t n = b->n;
    b->tail->n = b->fill;
    if (mb->cur_cap < n) {
        free(mb->cur_k);
        free(mb->cur_tmp);
        free(mb->cur_ev);
        free(mb->cur_v);
        mb->cur_cap = n + n / 2;
        assert(mb->cur_cap <= UINT32_MAX && "mailbox: too many messages in one bucket");
        mb->cur_k = xreallocarray(NULL, mb->cur_cap, sizeof(*mb->cur_k));
        mb->cur_tmp = xreallocarray(NULL, mb->cur_cap, sizeof(*mb->cur_tmp));
        mb->cur_ev = xreallocarray(NULL, mb->cur_cap, sizeof(*mb->cur_ev));
        mb->cur_v = xreallocarray(NULL, mb->cur_cap, sizeof(*mb->cur_v));
    }
    mb->cur_base = (sim_time)mb->cur << BUCKET_BITS;
    /* keys in send order, then sorted; then the messages decoded in sorted order, so that
     * delivery reads cur_ev and cur_v front to back (the chunks were just read: in cache) */
    size_t at = 0, nch = 0;
    for (struct chunk *ch = b->head; ch; ch = ch->next, nch++) {
        if (ch->next) /* the chunks are scattered: fetch the next one while this one is read */
            for (size_t l = 0; l < sizeof(*ch); l += 64)
                __builtin_prefetch((const char *)ch->next + l);
        XGROW(mb->cur_chunks, mb->cur_chunks_cap, nch + 1);
        assert(nch < (UINT64_C(1) << (32 - CHUNK_BITS)) && "mailbox: bucket too large");
        mb->cur_chunks[nch] = ch;
        for (size_t j = 0; j < ch->n; at++) {
            uint64_t w0 = ch->s[j].w0;
            mb->cur_k[at] = (w0 & OFF_MASK) << 32 | nch << CHUNK_BITS | j;
            j += w0 >> KIND_SHIFT == KIND_COPY ? 1 : 2;
        }
    }
    assert(at == n);
    bucket_sort(mb->cur_k, mb->cur_tmp, n);
    for (size_t k = 0; k < n; k++) {
        uint32_t x = (uint32_t)mb->cur_k[k];
        const struct cslot *sl = &mb->cur_chunks[x >> CHUNK_BITS]->s[x & (CHUNK_SLOTS_POW - 1)];
        uint64_t w0 = sl[0].w0, w1 = sl[0].w1, kind = w0 >> KIND_SHIFT;
        mb->cur_v[k] = w0 >> BUCKET_BITS & (VSEQ_LIMIT - 1);
        struct sim_event *ev = &mb->cur_ev[k];
        if (kind == KIND_COPY) {
            *ev = copy_event(&mb->tpl[w1 >> COPY_TPL_SHIFT].ev, (uint32_t)w1, w1 & COPY_DUP);
        } else {
            uint64_t w2 = sl[1].w0, w3 = sl[1].w1;
            *ev = (struct sim_event){.fn = mb->kinds[kind].fn,
                                     .ctx = mb->kinds[kind].ctx,
                                     .a = w1,
                                     .b = w2,
                                     .c = (uint32_t)w3,
                                     .d = (uint32_t)(w3 >> 32)};
        }
    }
    for (size_t k = 0; k < nch; k++) {
        mb->cur_chunks[k]->next = mb->free_chunks;
        mb->free_chunks = mb->cur_chunks[k];
    }
    b->head = b->tail = NULL;
    mb->busy[i / 64] &= ~((uint64_t)1 << (i % 64));
    mb->ring_n -= n;
    if (mb->ring_n)
        mb->ring_min = mb->cur + ((ring_next(mb) - mb->cur) & (NBUCKETS - 1));
    else
        mb->ring_min = UINT64_MAX;
    mb->cur_n = n;
    mb->cur_next = 0;
    /* the templates whose last copies were just decoded */
    size_t kept = 0;
    for (size_t k = 0; k < mb->nlive; k++) {
        uint32_t t = mb->live[k];
        if (mb->tpl[t].last_bn <= mb->cur && !(mb->open && t == mb->open_tpl)) {
            mb->tpl[t].last_bn = mb->tpl_free;
            mb->tpl_free = (uint64_t)t + 1;
        } else {
            mb->live[kept++] = t;
        }
    }
    mb->nlive = kept;
}

/* --- broadcast templates ------------------------------------------------------------ */

static uint64_t tpl_new(struct mailbox *mb, const struct sim_event *ev)
{
    uint64_t i;
    if (mb->tpl_free) {
        i = mb->tpl_free - 1;
        mb->tpl_free = mb->tpl[i].last_bn;
    } else {
        XGROW(mb->tpl, mb->tpl_cap, mb->ntpl + 1);
        i = mb->ntpl++;
        assert(i < UINT32_MAX && "mailbox: too many broadcasts in flight");
    }
    mb->tpl[i] = (struct tpl){.ev = *ev, .last_bn = 0};
    XGROW(mb->live, mb->live_cap, mb->nlive + 1);
    mb->live[mb->nlive++] = (uint32_t)i;
    return i;
}

/* --- delivery ----------------------------------------------------------------------- */

/* Where the earliest message waits; LATER: in a ring bucket not begun yet, at or after the
 * time earliest() gives. */
enum source { NONE, CUR, HEAP, LATER };

/*
 * The earliest message's time and vseq, and where it waits (NONE: there is none). The next
 * ring bucket becomes cur only once the clock has reached it: until then messages due
 * before it still go to the ring (into it or an earlier bucket), not to the heap; earliest()
 * gives the bucket's first instant as a bound (LATER), and the carrier advances the clock
 * to it before it looks again.
 */
static inline __attribute__((always_inline)) enum source earliest(struct mailbox *mb, sim_time *t,
                                                                  uint64_t *v)
{
    if (mb->cur_next == mb->cur_n && mb->ring_n && mb->ring_min << BUCKET_BITS <= sim_now(mb->eng))
        ring_advance(mb);
    if (mb->cur_next < mb->cur_n) {
        struct ukey c = {.time = mb->cur_base | mb->cur_k[mb->cur_next] >> 32,
                         .key = mb->cur_v[mb->cur_next] << SLOT_BITS};
        if (!mb->un || !ukey_before(mb->uheap[0], c)) {
            *t = c.time;
            *v = c.key >> SLOT_BITS;
            return CUR;
        }
    } else if (mb->ring_n && (!mb->un || mb->uheap[0].time >= mb->ring_min << BUCKET_BITS)) {
        *t = mb->ring_min << BUCKET_BITS;
        *v = 0;
        return LATER;
    } else if (!mb->un) {
        return NONE;
    }
    *t = mb->uheap[0].time;
    *v = mb->uheap[0].key >> SLOT_BITS;
    return HEAP;
}

/* Remove bucket cur's next message; returns its event, valid until the next ring_advance. */
static const struct sim_event *cur_pop(struct mailbox *mb)
{
    size_t i = mb->cur_next++;
    if (mb->prefetch && i + PREFETCH_AHEAD < mb->cur_n) {
        const struct sim_event *next = &mb->cur_ev[i + PREFETCH_AHEAD];
        mb->prefetch(mb->prefetch_ctx, next, next->d);
    }
    return &mb->cur_ev[i];
}

/* Deliver the earliest message, which waits in src. Inside carrier_fire (firing) the handler
 * gets the event where it waits in bucket cur: nothing the handler can call moves cur then
 * (arm and mailbox_enter do nothing while firing). Elsewhere, and from the heap, whose pool
 * a handler's sends may move, it gets a copy. */
static inline __attribute__((always_inline)) void deliver_from(struct mailbox *mb, enum source src)
{
    mb->delivered++;
    if (src == CUR && mb->firing) {
        const struct sim_event *ev = cur_pop(mb);
        sim_note(mb->eng, ev); /* the fingerprint sees a delivery as the event it stands for */
        ev->fn(mb->eng, ev);
        return;
    }
    struct sim_event ev = src == CUR ? *cur_pop(mb) : uheap_pop(mb);
    sim_note(mb->eng, &ev);
    ev.fn(mb->eng, &ev);
}

/* Deliver every message due now with a vseq below limit, in (time, vseq) order. */
static void deliver_due(struct mailbox *mb, uint64_t limit)
{
    sim_time now = sim_now(mb->eng), t;
    uint64_t v;
    enum source src;
    while ((src = earliest(mb, &t, &v)) != NONE && t == now && v < limit)
        deliver_from(mb, src);
}

static void schedule_carrier(struct mailbox *mb, sim_time t);

static void carrier_fire(struct sim_engine *eng, const struct sim_event *ev)
{
    struct mailbox *mb = ev->ctx;
    mb->carriers++;
    mb->carrier = 0;
    mb->firing = true;
    /* What is due now up to the mark; then, while the earliest message comes before every
     * engine event, the carrier that arm() would schedule for it would fire next with the
     * current vseq as its mark: deliver those messages now instead (not counted as
     * carriers: no engine event stood for them). One search for the earliest message per
     * delivery. */
    sim_time now = sim_now(eng), t;
    uint64_t v, limit = mb->carrier_mark + 1;
    enum source src;
    while ((src = earliest(mb, &t, &v)) != NONE) {
        if (t != now || v >= limit) {
            if (!sim_advance_to(eng, t))
                break;
            now = t;
            limit = mb->vseq + 1; /* > v */
            if (src == LATER)     /* the clock is at the next bucket: look again */
                continue;
        }
        deliver_from(mb, src);
    }
    mb->firing = false;
    if (src != NONE) /* no carrier is pending: none is armed while firing */
        schedule_carrier(mb, t);
}

static void schedule_carrier(struct mailbox *mb, sim_time t)
{
    if (mb->carrier)
        sim_cancel(mb->eng, mb->carrier);
    mb->carrier = sim_schedule_at(mb->eng, t, &mb->carrier_ev);
    mb->carrier_at = t;
    mb->carrier_mark = mb->vseq;
}

/* Make sure a carrier is pending no later than the earliest message. */
static void arm(struct mailbox *mb)
{
    sim_time t;
    uint64_t v;
    if (mb->firing || !earliest(mb, &t, &v) || (mb->carrier && mb->carrier_at <= t))
        return;
    schedule_carrier(mb, t);
}

/* --- the interface ------------------------------------------------------------------ */

struct mailbox *mailbox_new(struct sim_engine *eng, bool direct)
{
    struct mailbox *mb = xcalloc(1, sizeof(*mb));
    mb->eng = eng;
    mb->direct = direct;
    mb->carrier_ev = (struct sim_event){.fn = carrier_fire, .ctx = mb};
    /* The carrier is bookkeeping: the fingerprint counts the deliveries instead, so a run
     * has the same fingerprint in direct mode. */
    static const struct sim_kind carrier_kind = {
        .fn = carrier_fire, .name = "carrier", .hidden = true};
    sim_engine_kinds(eng, &carrier_kind, 1);
    if (!direct)
        mb->ring = xcalloc(NBUCKETS, sizeof(*mb->ring));
    mb->ring_min = UINT64_MAX;
    return mb;
}

void mailbox_free(struct mailbox *mb)
{
    if (!mb)
        return;
    for (size_t i = 0; i < mb->nslabs; i++)
        xhuge_free(mb->slabs[i], slab_chunks(i), sizeof(struct chunk));
    free(mb->slabs);
    free(mb->ring);
    free(mb->cur_k);
    free(mb->cur_tmp);
    free(mb->cur_ev);
    free(mb->cur_v);
    free(mb->cur_chunks);
    free(mb->uheap);
    xhuge_free(mb->upool, mb->upool_cap, sizeof(*mb->upool));
    free(mb->ufree);
    free(mb->tpl);
    free(mb->live);
    free(mb);
}

static sim_time after(const struct mailbox *mb, sim_time delay)
{
    sim_time now = sim_now(mb->eng);
    return delay > SIM_TIME_MAX - now ? SIM_TIME_MAX : now + delay;
}

sim_event_id mailbox_schedule(struct mailbox *mb, sim_time t, struct sim_event *ev)
{
    ev->b = ++mb->vseq;
    return sim_schedule_at(mb->eng, t, ev);
}

void mailbox_post(struct mailbox *mb, sim_time t, struct sim_event *ev)
{
    if (mb->direct) {
        mailbox_schedule(mb, t, ev);
        return;
    }
    ev->b = ++mb->vseq;
    unicast_add(mb, t, ev->b, ev);
    if (!mb->carrier || mb->carrier_at > t)
        arm(mb);
}

void mailbox_enter(struct mailbox *mb, const struct sim_event *ev)
{
    /* Inside carrier_fire the event was itself delivered in (time, vseq) order: nothing due
     * before it waits, and bucket cur, where its event may be, must not move. */
    if (!mb->direct && !mb->firing)
        deliver_due(mb, ev->b);
}

void mailbox_send(struct mailbox *mb, sim_time delay, const struct sim_event *ev)
{
    if (mb->direct) {
        sim_schedule_after(mb->eng, delay, ev);
        return;
    }
    sim_time t = after(mb, delay);
    unicast_add(mb, t, ++mb->vseq, ev);
    if (!mb->carrier || mb->carrier_at > t) /* else the pending carrier comes first anyway */
        arm(mb);
}

void mailbox_batch_begin(struct mailbox *mb, const struct sim_event *ev)
{
    assert(!mb->open);
    mb->open = true;
    mb->open_ev = *ev;
    mb->open_tpl = UINT64_MAX; /* made when the first copy goes to the calendar */
}

void mailbox_batch_add(struct mailbox *mb, sim_time delay, uint32_t to, bool duplicate)
{
    assert(mb->open);
    if (mb->direct) {
        struct sim_event ev = copy_event(&mb->open_ev, to, duplicate);
        sim_schedule_after(mb->eng, delay, &ev);
        return;
    }
    sim_time t = after(mb, delay);
    uint64_t vseq = ++mb->vseq, bn = t >> BUCKET_BITS;
    assert(vseq < VSEQ_LIMIT && "mailbox: sequence numbers exhausted");
    if (in_ring(mb, bn)) {
        if (mb->open_tpl == UINT64_MAX)
            mb->open_tpl = tpl_new(mb, &mb->open_ev);
        struct tpl *tp = &mb->tpl[mb->open_tpl];
        tp->last_bn = bn > tp->last_bn ? bn : tp->last_bn;
        struct cslot *s = ring_slots(mb, bn, 1);
        *s = (struct cslot){.w0 = slot_head(t, vseq, KIND_COPY),
                            .w1 = mb->open_tpl << COPY_TPL_SHIFT | (duplicate ? COPY_DUP : 0) | to};
    } else {
        struct sim_event ev = copy_event(&mb->open_ev, to, duplicate);
        uheap_push(mb, (struct ukey){.time = t, .key = vseq << SLOT_BITS | slot_put(mb, &ev)});
    }
}

void mailbox_batch_end(struct mailbox *mb)
{
    assert(mb->open);
    mb->open = false;
    if (!mb->direct)
        arm(mb);
}

void mailbox_set_prefetch(struct mailbox *mb, mailbox_prefetch_fn *fn, void *ctx)
{
    mb->prefetch = fn;
    mb->prefetch_ctx = ctx;
}

int64_t mailbox_saved_events(const struct mailbox *mb)
{
    return (int64_t)mb->delivered - (int64_t)mb->carriers;
}
