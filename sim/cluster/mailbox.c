/* mailbox: exact deferred message delivery (see mailbox.h). */
#include "sim/cluster/mailbox.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

#define RADIX_BITS 11
#define RADIX      (1u << RADIX_BITS)

/* A unicast message in the heap: (time, vseq << SLOT_BITS | slot); the event is in a pool. */
#define SLOT_BITS  28
#define SLOT_MASK  ((UINT64_C(1) << SLOT_BITS) - 1)
#define VSEQ_LIMIT (UINT64_C(1) << (64 - SLOT_BITS))
#define D          4 /* heap arity */

struct ukey {
    sim_time time;
    uint64_t key; /* vseq << SLOT_BITS | slot */
};

/* One copy of a broadcast, 16 bytes (four to a cache line: the copies are read in time
 * order, interleaved with every other broadcast in flight, so each new line is a miss). */
struct bentry {
    sim_time time;
    uint32_t to;
    uint32_t off; /* vseq - the broadcast's first vseq, DUP_BIT: deliver with MAILBOX_COPY_FLAG */
};

#define DUP_BIT  (UINT32_C(1) << 31)
#define OFF_MASK (DUP_BIT - 1)

struct batch { /* a broadcast: its copies sorted by (time, vseq) */
    struct sim_event ev;
    uint64_t vfirst; /* vseq of the first copy added */
    struct bentry *e;
    size_t n, next, cap;
};

/*
 * Unicast messages wait in a calendar of time buckets 2^BUCKET_BITS ns wide: a ring of
 * NBUCKETS buckets holds the messages due in buckets cur+1 .. cur+NBUCKETS-1, each bucket
 * a list of chunks filled in send order, i.e. in vseq order. When the bucket being
 * delivered (cur) runs out, the next non-empty bucket becomes cur: its messages are
 * sorted by time (a stable sort, so ties stay in vseq order) into one array that is then
 * read front to back. A message due in bucket cur or earlier (sent after cur moved on) or
 * beyond the ring goes to the heap instead; the earliest message is the smaller of the
 * array's next and the heap's top.
 * A calendar message's event travels with its key (the chunk holds both; cur_ev holds bucket
 * cur's events in send order, cur_k's slot field indexes it): its delivery reads a line
 * written or copied a moment before instead of a random slot of a pool of every message in
 * flight. Only the heap's messages keep their events in the pool.
 */
#define BUCKET_BITS 18                      /* 262 us */
#define NBUCKETS    16384u                  /* 4.3 s ahead */
#define SORT_BITS   ((BUCKET_BITS + 1) / 2) /* bucket_sort's two passes cover BUCKET_BITS */
#define SORT_RADIX  (1u << SORT_BITS)
#define CHUNK       36
#define SLAB_CHUNKS 1024 /* 2 MiB of 2 KiB chunks */
#define SLAB_FIRST  16 /* the first slab's chunks (32 KiB); each next doubles, up to SLAB_CHUNKS */

struct chunk {
    struct chunk *next;
    size_t n;
    struct ukey k[CHUNK];
    struct sim_event ev[CHUNK];
};

_Static_assert(sizeof(struct chunk) <= 2048, "a chunk fits its slab's 2 KiB");

struct bucket { /* the tail chunk's fill is kept here: appending reads no chunk line */
    struct chunk *head, *tail;
    uint32_t fill; /* entries in tail (its n is set when it is full) */
    uint32_t n;    /* entries in all its chunks */
};

struct mailbox {
    struct sim_engine *eng;
    bool direct;
    uint64_t vseq;                /* virtual sequence numbers handed out */
    struct bucket *ring;          /* NBUCKETS */
    uint64_t busy[NBUCKETS / 64]; /* bitset: ring bucket is non-empty */
    uint64_t cur;                 /* the bucket in cur_k (time >> BUCKET_BITS) */
    size_t ring_n;                /* messages in the ring */
    struct chunk *free_chunks;
    struct chunk **slabs; /* chunks come from slabs of slab_chunks(i), on huge pages */
    size_t nslabs, slabs_cap, slab_used;
    struct ukey *cur_k, *cur_tmp; /* bucket cur sorted by (time, vseq); sort buffer */
    struct sim_event *cur_ev;     /* bucket cur's events in send order (cur_k's slots) */
    size_t cur_n, cur_next, cur_cap;
    struct ukey *uheap; /* other unicast messages, a D-ary heap on (time, vseq) */
    size_t un, ucap;
    struct sim_event *upool; /* their events, by slot */
    size_t upool_n, upool_cap;
    uint32_t *ufree; /* free slots of upool */
    size_t nufree, ufree_cap;
    struct bslot *bheap; /* broadcasts with copies left, a heap on their next copy */
    size_t bn, bcap;
    struct batch *open;         /* the broadcast being built */
    struct sim_event direct_ev; /* direct mode: the broadcast's template */
    struct batch **spare;       /* finished broadcasts, for reuse of their arrays */
    size_t nspare, spare_cap;
    struct bentry *tmp; /* radix sort buffer */
    size_t tmp_cap;
    sim_event_id carrier; /* pending carrier event, 0 if none */
    bool firing;          /* inside carrier_fire, which arms when it is done */
    sim_time carrier_at;
    uint64_t carrier_mark;       /* the vseq counter when the pending carrier was scheduled */
    struct sim_event carrier_ev; /* constant: built once, so the engine's copy of it reads
                                    settled memory rather than fresh stack stores */
    uint64_t delivered, carriers;
    size_t count[RADIX]; /* radix sort histogram */
    mailbox_prefetch_fn *prefetch;
    void *prefetch_ctx;
};

#define PREFETCH_AHEAD     4  /* messages ahead whose state the model prefetches */
#define BATCH_STREAM_AHEAD 32 /* broadcast copies ahead prefetched (8 lines) */
#define SMALL_BATCH        64 /* copies sorted by insertion rather than radix */

static bool before(sim_time ta, uint64_t va, sim_time tb, uint64_t vb)
{
    return ta < tb || (ta == tb && va < vb);
}

static const struct bentry *batch_head(const struct batch *b)
{
    return &b->e[b->next];
}

static uint64_t bentry_vseq(const struct batch *b, const struct bentry *e)
{
    return b->vfirst + (e->off & OFF_MASK);
}

/* A broadcast in the heap with the key of its next copy, so that sifting compares entries of
 * the heap's own array instead of following each batch to its next copy (three dependent
 * loads per comparison, on every delivery of a broadcast copy). */
struct bslot {
    sim_time time; /* of the batch's next copy */
    uint64_t vseq; /* of that copy */
    struct batch *b;
};

static struct bslot bslot_of(struct batch *b)
{
    const struct bentry *h = batch_head(b);
    return (struct bslot){.time = h->time, .vseq = bentry_vseq(b, h), .b = b};
}

static bool bslot_before(const struct bslot *x, const struct bslot *y)
{
    return before(x->time, x->vseq, y->time, y->vseq);
}

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

static void ring_add(struct mailbox *mb, uint64_t bn, struct ukey k, const struct sim_event *ev)
{
    size_t i = bn & (NBUCKETS - 1);
    struct bucket *b = &mb->ring[i];
    if (!b->tail) {
        b->head = b->tail = chunk_new(mb);
        b->fill = b->n = 0;
        mb->busy[i / 64] |= (uint64_t)1 << (i % 64);
    } else if (b->fill == CHUNK) {
        b->tail->n = CHUNK;
        b->tail = b->tail->next = chunk_new(mb);
        b->fill = 0;
    }
    b->tail->k[b->fill] = k;
    b->tail->ev[b->fill++] = *ev;
    b->n++;
    mb->ring_n++;
}

/* A unicast message ev due at time with sequence number vseq. */
static void unicast_add(struct mailbox *mb, sim_time time, uint64_t vseq,
                        const struct sim_event *ev)
{
    assert(vseq < VSEQ_LIMIT && "mailbox: sequence numbers exhausted");
    uint64_t bn = time >> BUCKET_BITS;
    if (bn > mb->cur && bn - mb->cur < NBUCKETS)
        ring_add(mb, bn, (struct ukey){.time = time, .key = vseq << SLOT_BITS}, ev);
    else
        uheap_push(mb, (struct ukey){.time = time, .key = vseq << SLOT_BITS | slot_put(mb, ev)});
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

/* Stable LSD radix sort of n keys (all in one bucket) by time: two passes of SORT_BITS. */
static void bucket_sort(struct ukey *k, struct ukey *tmp, size_t n)
{
    if (n <= SMALL_BATCH) {
        for (size_t i = 1; i < n; i++) {
            struct ukey x = k[i];
            size_t j = i;
            while (j > 0 && k[j - 1].time > x.time) {
                k[j] = k[j - 1];
                j--;
            }
            k[j] = x;
        }
        return;
    }
    size_t c0[SORT_RADIX] = {0}, c1[SORT_RADIX] = {0};
    for (size_t i = 0; i < n; i++) {
        c0[k[i].time & (SORT_RADIX - 1)]++;
        c1[(k[i].time >> SORT_BITS) & (SORT_RADIX - 1)]++;
    }
    size_t s0 = 0, s1 = 0;
    for (unsigned d = 0; d < SORT_RADIX; d++) {
        size_t x0 = c0[d], x1 = c1[d];
        c0[d] = s0;
        c1[d] = s1;
        s0 += x0;
        s1 += x1;
    }
    for (size_t i = 0; i < n; i++)
        tmp[c0[k[i].time & (SORT_RADIX - 1)]++] = k[i];
    for (size_t i = 0; i < n; i++)
        k[c1[(tmp[i].time >> SORT_BITS) & (SORT_RADIX - 1)]++] = tmp[i];
}

/* Bucket cur is used up and the ring is not: the next non-empty bucket becomes cur (once per
 * bucket: kept out of earliest(), which runs once per delivery). */
static __attribute__((noinline)) void ring_advance(struct mailbox *mb)
{
    size_t i = ring_next(mb);
    mb->cur += (i - mb->cur) & (NBUCKETS - 1);
    struct bucket *b = &mb->ring[i];
    size_t n = b->n;
    b->tail->n = b->fill;
    if (mb->cur_cap < n) {
        free(mb->cur_k);
        free(mb->cur_tmp);
        free(mb->cur_ev);
        mb->cur_cap = n + n / 2;
        assert(mb->cur_cap <= SLOT_MASK && "mailbox: too many messages in one bucket");
        mb->cur_k = xreallocarray(NULL, mb->cur_cap, sizeof(*mb->cur_k));
        mb->cur_tmp = xreallocarray(NULL, mb->cur_cap, sizeof(*mb->cur_tmp));
        mb->cur_ev = xreallocarray(NULL, mb->cur_cap, sizeof(*mb->cur_ev));
    }
    size_t at = 0;
    struct chunk *ch = b->head;
    while (ch) {
        if (ch->next) /* the chunks are scattered: fetch the next one while this one is copied */
            for (size_t l = 0; l < sizeof(*ch); l += 64)
                __builtin_prefetch((const char *)ch->next + l);
        for (size_t j = 0; j < ch->n; j++)
            mb->cur_k[at + j] =
                (struct ukey){.time = ch->k[j].time, .key = ch->k[j].key | (at + j)};
        memcpy(mb->cur_ev + at, ch->ev, ch->n * sizeof(*ch->ev));
        at += ch->n;
        struct chunk *next = ch->next;
        ch->next = mb->free_chunks;
        mb->free_chunks = ch;
        ch = next;
    }
    b->head = b->tail = NULL;
    mb->busy[i / 64] &= ~((uint64_t)1 << (i % 64));
    mb->ring_n -= n;
    bucket_sort(mb->cur_k, mb->cur_tmp, n);
    mb->cur_n = n;
    mb->cur_next = 0;
}

static void bheap_sift_down(struct mailbox *mb, size_t i)
{
    struct bslot x = mb->bheap[i];
    size_t n = mb->bn;
    for (;;) {
        size_t l = 2 * i + 1, m = l;
        if (l >= n)
            break;
        if (l + 1 < n && bslot_before(&mb->bheap[l + 1], &mb->bheap[l]))
            m = l + 1;
        if (!bslot_before(&mb->bheap[m], &x))
            break;
        mb->bheap[i] = mb->bheap[m];
        i = m;
    }
    mb->bheap[i] = x;
}

static void bheap_push(struct mailbox *mb, struct batch *b)
{
    XGROW(mb->bheap, mb->bcap, mb->bn + 1);
    struct bslot x = bslot_of(b);
    size_t i = mb->bn++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!bslot_before(&x, &mb->bheap[p]))
            break;
        mb->bheap[i] = mb->bheap[p];
        i = p;
    }
    mb->bheap[i] = x;
}

/* --- delivery ----------------------------------------------------------------------- */

enum source { NONE, CUR, HEAP, BATCH }; /* where the earliest message waits */

/* The earliest message's time and vseq, and where it waits (NONE: there is none). */
static inline __attribute__((always_inline)) enum source earliest(struct mailbox *mb, sim_time *t,
                                                                  uint64_t *v)
{
    if (mb->cur_next == mb->cur_n && mb->ring_n)
        ring_advance(mb);
    enum source src = NONE;
    struct ukey k;
    if (mb->cur_next < mb->cur_n) {
        k = mb->cur_k[mb->cur_next];
        src = CUR;
    }
    if (mb->un && (src == NONE || ukey_before(mb->uheap[0], k))) {
        k = mb->uheap[0];
        src = HEAP;
    }
    if (src != NONE) {
        *t = k.time;
        *v = k.key >> SLOT_BITS;
    }
    if (mb->bn) {
        const struct bslot *h = &mb->bheap[0];
        if (src == NONE || before(h->time, h->vseq, *t, *v)) {
            *t = h->time;
            *v = h->vseq;
            src = BATCH;
        }
    }
    return src;
}

static void recycle(struct mailbox *mb, struct batch *b)
{
    XGROW(mb->spare, mb->spare_cap, mb->nspare + 1);
    mb->spare[mb->nspare++] = b;
}

/* Remove bucket cur's next message; returns its event. */
static struct sim_event cur_pop(struct mailbox *mb)
{
    size_t i = mb->cur_next++;
    if (mb->prefetch && i + PREFETCH_AHEAD / 2 < mb->cur_n) {
        const struct sim_event *next =
            &mb->cur_ev[mb->cur_k[i + PREFETCH_AHEAD / 2].key & SLOT_MASK];
        mb->prefetch(mb->prefetch_ctx, next, next->d);
    }
    return mb->cur_ev[mb->cur_k[i].key & SLOT_MASK];
}

/* Remove the earliest broadcast's next copy; returns its event. */
static struct sim_event batch_pop(struct mailbox *mb)
{
    struct batch *b = mb->bheap[0].b;
    const struct bentry *e = &b->e[b->next++];
    struct sim_event ev = b->ev;
    ev.d = e->to;
    if (e->off & DUP_BIT)
        ev.b |= MAILBOX_COPY_FLAG;
    /* the copies are read in order but interleaved with other broadcasts' */
    __builtin_prefetch(e + BATCH_STREAM_AHEAD);
    if (mb->prefetch && b->next + PREFETCH_AHEAD < b->n)
        mb->prefetch(mb->prefetch_ctx, &b->ev, b->e[b->next + PREFETCH_AHEAD].to);
    if (b->next == b->n) {
        mb->bheap[0] = mb->bheap[--mb->bn];
        recycle(mb, b);
    } else {
        mb->bheap[0] = bslot_of(b);
    }
    if (mb->bn)
        bheap_sift_down(mb, 0);
    return ev;
}

/* Deliver the earliest message, which waits in src. */
static void deliver_from(struct mailbox *mb, enum source src)
{
    struct sim_event ev = src == BATCH ? batch_pop(mb) : src == CUR ? cur_pop(mb) : uheap_pop(mb);
    mb->delivered++;
    sim_note(mb->eng, &ev); /* the fingerprint sees a delivery as the event it stands for */
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
    return mb;
}

static void batch_free(struct batch *b)
{
    if (!b)
        return;
    free(b->e);
    free(b);
}

void mailbox_free(struct mailbox *mb)
{
    if (!mb)
        return;
    for (size_t i = 0; i < mb->bn; i++)
        batch_free(mb->bheap[i].b);
    for (size_t i = 0; i < mb->nspare; i++)
        batch_free(mb->spare[i]);
    batch_free(mb->open);
    for (size_t i = 0; i < mb->nslabs; i++)
        xhuge_free(mb->slabs[i], slab_chunks(i), sizeof(struct chunk));
    free(mb->slabs);
    free(mb->ring);
    free(mb->cur_k);
    free(mb->cur_tmp);
    free(mb->cur_ev);
    free(mb->bheap);
    free(mb->spare);
    free(mb->uheap);
    xhuge_free(mb->upool, mb->upool_cap, sizeof(*mb->upool));
    free(mb->ufree);
    free(mb->tmp);
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
    if (!mb->direct)
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
    if (mb->direct) {
        mb->direct_ev = *ev;
        return;
    }
    struct batch *b = mb->nspare ? mb->spare[--mb->nspare] : xcalloc(1, sizeof(*b));
    b->ev = *ev;
    b->vfirst = mb->vseq + 1;
    b->n = b->next = 0;
    mb->open = b;
}

void mailbox_batch_add(struct mailbox *mb, sim_time delay, uint32_t to, bool duplicate)
{
    if (mb->direct) {
        struct sim_event ev = mb->direct_ev;
        ev.d = to;
        if (duplicate)
            ev.b |= MAILBOX_COPY_FLAG;
        sim_schedule_after(mb->eng, delay, &ev);
        return;
    }
    struct batch *b = mb->open;
    assert(b);
    XGROW(b->e, b->cap, b->n + 1);
    uint64_t off = ++mb->vseq - b->vfirst;
    assert(off < DUP_BIT && "mailbox: broadcast too large");
    b->e[b->n++] = (struct bentry){
        .time = after(mb, delay), .to = to, .off = (uint32_t)off | (duplicate ? DUP_BIT : 0)};
}

/* Stable insertion sort by time, for small broadcasts. */
static void batch_sort_small(struct batch *b)
{
    for (size_t i = 1; i < b->n; i++) {
        struct bentry x = b->e[i];
        size_t j = i;
        while (j > 0 && b->e[j - 1].time > x.time) {
            b->e[j] = b->e[j - 1];
            j--;
        }
        b->e[j] = x;
    }
}

/* Stable LSD radix sort of the copies by time (they were added in vseq order). */
static void batch_sort(struct mailbox *mb, struct batch *b)
{
    if (b->n <= SMALL_BATCH) {
        batch_sort_small(b);
        return;
    }
    sim_time lo = SIM_TIME_MAX, hi = 0;
    for (size_t i = 0; i < b->n; i++) {
        lo = b->e[i].time < lo ? b->e[i].time : lo;
        hi = b->e[i].time > hi ? b->e[i].time : hi;
    }
    if (mb->tmp_cap < b->cap) {
        free(mb->tmp);
        mb->tmp = xreallocarray(NULL, b->cap, sizeof(*mb->tmp));
        mb->tmp_cap = b->cap;
    }
    size_t *count = mb->count;
    for (unsigned shift = 0; shift < 64 && ((hi - lo) >> shift) != 0; shift += RADIX_BITS) {
        memset(count, 0, RADIX * sizeof(*count));
        for (size_t i = 0; i < b->n; i++)
            count[((b->e[i].time - lo) >> shift) & (RADIX - 1)]++;
        size_t sum = 0;
        for (unsigned k = 0; k < RADIX; k++) {
            size_t c = count[k];
            count[k] = sum;
            sum += c;
        }
        for (size_t i = 0; i < b->n; i++)
            mb->tmp[count[((b->e[i].time - lo) >> shift) & (RADIX - 1)]++] = b->e[i];
        struct bentry *swap = b->e;
        size_t swap_cap = b->cap;
        b->e = mb->tmp;
        b->cap = mb->tmp_cap;
        mb->tmp = swap;
        mb->tmp_cap = swap_cap;
    }
}

void mailbox_batch_end(struct mailbox *mb)
{
    if (mb->direct)
        return;
    struct batch *b = mb->open;
    mb->open = NULL;
    if (b->n == 0) {
        recycle(mb, b);
        return;
    }
    batch_sort(mb, b);
    bheap_push(mb, b);
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
