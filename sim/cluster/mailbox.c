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

struct bentry { /* one copy of a broadcast */
    sim_time time;
    uint64_t vseq;
    uint32_t to;
    bool duplicate; /* deliver with MAILBOX_COPY_FLAG */
};

struct batch { /* a broadcast: its copies sorted by (time, vseq) */
    struct sim_event ev;
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
 */
#define BUCKET_BITS 16     /* 65.5 us */
#define NBUCKETS    16384u /* 1.07 s ahead */
#define CHUNK       63
#define SLAB_CHUNKS 2048 /* 2 MiB of 1 KiB chunks */
#define SLAB_FIRST  32   /* the first slab's chunks; each next slab doubles, up to SLAB_CHUNKS */

struct chunk {
    struct chunk *next;
    size_t n;
    struct ukey k[CHUNK];
};

struct bucket { /* the tail chunk's fill is kept here: appending reads no chunk line */
    struct chunk *head, *tail;
    size_t fill; /* entries in tail (its n is set when it is full) */
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
    size_t cur_n, cur_next, cur_cap;
    struct ukey *uheap; /* other unicast messages, a D-ary heap on (time, vseq) */
    size_t un, ucap;
    struct sim_event *upool; /* their events, by slot */
    size_t upool_n, upool_cap;
    uint32_t *ufree; /* free slots of upool */
    size_t nufree, ufree_cap;
    struct batch **bheap; /* broadcasts with copies left, a heap on their next copy */
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

#define PREFETCH_AHEAD 8  /* broadcast copies */
#define SMALL_BATCH    64 /* copies sorted by insertion rather than radix */

static bool before(sim_time ta, uint64_t va, sim_time tb, uint64_t vb)
{
    return ta < tb || (ta == tb && va < vb);
}

static const struct bentry *batch_head(const struct batch *b)
{
    return &b->e[b->next];
}

static bool batch_before(const struct batch *x, const struct batch *y)
{
    const struct bentry *a = batch_head(x), *b = batch_head(y);
    return before(a->time, a->vseq, b->time, b->vseq);
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
    struct sim_event *p = sim_huge_calloc(cap, sizeof(*p));
    if (mb->upool_n)
        memcpy(p, mb->upool, mb->upool_n * sizeof(*p));
    sim_huge_free(mb->upool, mb->upool_cap, sizeof(*p));
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
            mb->slabs[mb->nslabs] = sim_huge_calloc(slab_chunks(mb->nslabs), sizeof(struct chunk));
            mb->nslabs++;
            mb->slab_used = 0;
        }
        ch = &mb->slabs[mb->nslabs - 1][mb->slab_used++];
    }
    ch->next = NULL;
    ch->n = 0;
    return ch;
}

static void ring_add(struct mailbox *mb, uint64_t bn, struct ukey k)
{
    size_t i = bn & (NBUCKETS - 1);
    struct bucket *b = &mb->ring[i];
    if (!b->tail) {
        b->head = b->tail = chunk_new(mb);
        b->fill = 0;
        mb->busy[i / 64] |= (uint64_t)1 << (i % 64);
    } else if (b->fill == CHUNK) {
        b->tail->n = CHUNK;
        b->tail = b->tail->next = chunk_new(mb);
        b->fill = 0;
    }
    b->tail->k[b->fill++] = k;
    mb->ring_n++;
}

/* A unicast message due at time with sequence number vseq, its event in slot. */
static void unicast_add(struct mailbox *mb, sim_time time, uint64_t vseq, uint32_t slot)
{
    assert(vseq < VSEQ_LIMIT && "mailbox: sequence numbers exhausted");
    struct ukey k = {.time = time, .key = vseq << SLOT_BITS | slot};
    uint64_t bn = time >> BUCKET_BITS;
    if (bn > mb->cur && bn - mb->cur < NBUCKETS)
        ring_add(mb, bn, k);
    else
        uheap_push(mb, k);
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

/* Stable LSD radix sort of n keys (all in one bucket) by time: two passes of 8 bits. */
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
    size_t c0[256] = {0}, c1[256] = {0};
    for (size_t i = 0; i < n; i++) {
        c0[k[i].time & 255]++;
        c1[(k[i].time >> 8) & 255]++;
    }
    size_t s0 = 0, s1 = 0;
    for (unsigned d = 0; d < 256; d++) {
        size_t x0 = c0[d], x1 = c1[d];
        c0[d] = s0;
        c1[d] = s1;
        s0 += x0;
        s1 += x1;
    }
    for (size_t i = 0; i < n; i++)
        tmp[c0[k[i].time & 255]++] = k[i];
    for (size_t i = 0; i < n; i++)
        k[c1[(tmp[i].time >> 8) & 255]++] = tmp[i];
}

_Static_assert(BUCKET_BITS <= 16, "bucket_sort sorts 16 bits of time");

/* Bucket cur is used up and the ring is not: the next non-empty bucket becomes cur. */
static void ring_advance(struct mailbox *mb)
{
    size_t i = ring_next(mb);
    mb->cur += (i - mb->cur) & (NBUCKETS - 1);
    struct bucket *b = &mb->ring[i];
    size_t n = 0;
    b->tail->n = b->fill;
    for (struct chunk *ch = b->head; ch; ch = ch->next)
        n += ch->n;
    if (mb->cur_cap < n) {
        free(mb->cur_k);
        free(mb->cur_tmp);
        mb->cur_cap = n + n / 2;
        mb->cur_k = xreallocarray(NULL, mb->cur_cap, sizeof(*mb->cur_k));
        mb->cur_tmp = xreallocarray(NULL, mb->cur_cap, sizeof(*mb->cur_tmp));
    }
    size_t at = 0;
    struct chunk *ch = b->head;
    while (ch) {
        memcpy(mb->cur_k + at, ch->k, ch->n * sizeof(*ch->k));
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

/* The earliest unicast message's key into *k: false if there is none. */
static bool unicast_head(struct mailbox *mb, struct ukey *k)
{
    if (mb->cur_next == mb->cur_n && mb->ring_n)
        ring_advance(mb);
    bool any = mb->cur_next < mb->cur_n;
    if (any)
        *k = mb->cur_k[mb->cur_next];
    if (mb->un && (!any || ukey_before(mb->uheap[0], *k))) {
        *k = mb->uheap[0];
        any = true;
    }
    return any;
}

/* Remove the earliest unicast message (unicast_head found it); returns its event. */
static struct sim_event unicast_pop(struct mailbox *mb)
{
    if (mb->cur_next < mb->cur_n &&
        (!mb->un || ukey_before(mb->cur_k[mb->cur_next], mb->uheap[0]))) {
        size_t i = mb->cur_next++;
        if (i + PREFETCH_AHEAD < mb->cur_n)
            __builtin_prefetch(&mb->upool[mb->cur_k[i + PREFETCH_AHEAD].key & SLOT_MASK]);
        if (mb->prefetch && i + PREFETCH_AHEAD / 2 < mb->cur_n) {
            const struct sim_event *next =
                &mb->upool[mb->cur_k[i + PREFETCH_AHEAD / 2].key & SLOT_MASK];
            mb->prefetch(mb->prefetch_ctx, next, next->d);
        }
        return slot_take(mb, (uint32_t)(mb->cur_k[i].key & SLOT_MASK));
    }
    return uheap_pop(mb);
}

static void bheap_sift_down(struct mailbox *mb, size_t i)
{
    struct batch *x = mb->bheap[i];
    size_t n = mb->bn;
    for (;;) {
        size_t l = 2 * i + 1, m = l;
        if (l >= n)
            break;
        if (l + 1 < n && batch_before(mb->bheap[l + 1], mb->bheap[l]))
            m = l + 1;
        if (!batch_before(mb->bheap[m], x))
            break;
        mb->bheap[i] = mb->bheap[m];
        i = m;
    }
    mb->bheap[i] = x;
}

static void bheap_push(struct mailbox *mb, struct batch *b)
{
    XGROW(mb->bheap, mb->bcap, mb->bn + 1);
    size_t i = mb->bn++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!batch_before(b, mb->bheap[p]))
            break;
        mb->bheap[i] = mb->bheap[p];
        i = p;
    }
    mb->bheap[i] = b;
}

/* --- delivery ----------------------------------------------------------------------- */

/* The earliest message: false if none. */
static bool earliest(struct mailbox *mb, sim_time *t, uint64_t *v)
{
    struct ukey k;
    bool any = unicast_head(mb, &k);
    if (any) {
        *t = k.time;
        *v = k.key >> SLOT_BITS;
    }
    if (mb->bn) {
        const struct bentry *h = batch_head(mb->bheap[0]);
        if (!any || before(h->time, h->vseq, *t, *v)) {
            *t = h->time;
            *v = h->vseq;
        }
        any = true;
    }
    return any;
}

static void recycle(struct mailbox *mb, struct batch *b)
{
    XGROW(mb->spare, mb->spare_cap, mb->nspare + 1);
    mb->spare[mb->nspare++] = b;
}

/* Deliver the earliest message (the caller checked there is one). */
static void deliver_earliest(struct mailbox *mb)
{
    struct sim_event ev;
    struct ukey k;
    bool from_batch = mb->bn > 0;
    if (from_batch && unicast_head(mb, &k)) {
        const struct bentry *h = batch_head(mb->bheap[0]);
        from_batch = before(h->time, h->vseq, k.time, k.key >> SLOT_BITS);
    }
    if (from_batch) {
        struct batch *b = mb->bheap[0];
        ev = b->ev;
        ev.d = b->e[b->next].to;
        if (b->e[b->next++].duplicate)
            ev.b |= MAILBOX_COPY_FLAG;
        if (mb->prefetch && b->next + PREFETCH_AHEAD < b->n)
            mb->prefetch(mb->prefetch_ctx, &b->ev, b->e[b->next + PREFETCH_AHEAD].to);
        if (b->next == b->n) {
            mb->bheap[0] = mb->bheap[--mb->bn];
            recycle(mb, b);
        }
        if (mb->bn)
            bheap_sift_down(mb, 0);
    } else {
        ev = unicast_pop(mb);
    }
    mb->delivered++;
    sim_note(mb->eng, &ev); /* the fingerprint sees a delivery as the event it stands for */
    ev.fn(mb->eng, &ev);
}

/* Deliver every message due now with a vseq below limit, in (time, vseq) order. */
static void deliver_due(struct mailbox *mb, uint64_t limit)
{
    sim_time now = sim_now(mb->eng), t;
    uint64_t v;
    while (earliest(mb, &t, &v) && t == now && v < limit)
        deliver_earliest(mb);
}

static void arm(struct mailbox *mb);

static void carrier_fire(struct sim_engine *eng, const struct sim_event *ev)
{
    struct mailbox *mb = ev->ctx;
    mb->carriers++;
    mb->carrier = 0;
    mb->firing = true;
    deliver_due(mb, mb->carrier_mark + 1);
    /* While the earliest message comes before every engine event, the carrier that arm()
     * would schedule for it would fire next with the current vseq as its mark: deliver
     * those messages now instead (not counted as carriers: no engine event stood for them). */
    sim_time t;
    uint64_t v;
    while (earliest(mb, &t, &v) && sim_advance_to(eng, t))
        deliver_due(mb, mb->vseq + 1);
    mb->firing = false;
    arm(mb);
}

/* Make sure a carrier is pending no later than the earliest message. */
static void arm(struct mailbox *mb)
{
    sim_time t;
    uint64_t v;
    if (mb->firing || !earliest(mb, &t, &v) || (mb->carrier && mb->carrier_at <= t))
        return;
    if (mb->carrier)
        sim_cancel(mb->eng, mb->carrier);
    mb->carrier = sim_schedule_at(mb->eng, t, &mb->carrier_ev);
    mb->carrier_at = t;
    mb->carrier_mark = mb->vseq;
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
        batch_free(mb->bheap[i]);
    for (size_t i = 0; i < mb->nspare; i++)
        batch_free(mb->spare[i]);
    batch_free(mb->open);
    for (size_t i = 0; i < mb->nslabs; i++)
        sim_huge_free(mb->slabs[i], slab_chunks(i), sizeof(struct chunk));
    free(mb->slabs);
    free(mb->ring);
    free(mb->cur_k);
    free(mb->cur_tmp);
    free(mb->bheap);
    free(mb->spare);
    free(mb->uheap);
    sim_huge_free(mb->upool, mb->upool_cap, sizeof(*mb->upool));
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
    unicast_add(mb, t, ev->b, slot_put(mb, ev));
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
    unicast_add(mb, t, ++mb->vseq, slot_put(mb, ev));
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
    b->e[b->n++] = (struct bentry){
        .time = after(mb, delay), .vseq = ++mb->vseq, .to = to, .duplicate = duplicate};
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
