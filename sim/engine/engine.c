/*
 * engine: a two-tier event queue (a small near heap in front of a rung of time buckets and
 * an unsorted top) over a table of event records (see engine.h).
 *
 * Why two tiers: with one heap over every pending event, each event paid a sift through
 * log4(n) levels, the lower ones cache misses once the heap outgrew the caches (10 levels
 * and about 6 L1 misses an event at a million pending). Here an event is appended to an
 * unsorted list when scheduled, moved a bounded number of times in sequential passes, and
 * only sorted inside a near heap of at most a few thousand entries, which stays in cache.
 * It is the rung and bottom structure of a ladder queue (Tang, Goh and Thng 2005), with a
 * 4-ary heap as the bottom and a single rung. Measured choices are in BENCHMARKS.md.
 *
 * Order: every queued entry carries key = seq << SLOT_BITS | index, seq unique, so
 * comparing (time, key) is comparing (time, seq): ties fire in scheduling order, whatever
 * tier an entry went through. The three tiers split time into disjoint ranges:
 *   near heap  times < near_end: 16-byte {time, key} entries, key's low bits indexing the
 *              event's copy in a small near store, kept in one of two forms. A bucket of
 *              at most SORT_MAX entries moved into an empty near tier is sorted (counting
 *              sort by sub-range, then insertion sort: run_sort) into a descending run,
 *              the minimum last: firing is n--, and an event scheduled into it is inserted
 *              while the run has at most RUN_INSERT_MAX entries. Otherwise (a longer run
 *              taking an insertion, a second bucket, a bigger bucket, or one whose times
 *              are too bunched to sort cheaply) it is a D-ary heap (D = 4, ATLAS_HEAP_ARITY
 *              to measure others; a reversed run is a heap already) placed so a node's D
 *              children share one cache line; branch-free smallest-child selection with
 *              the grandchildren prefetched.
 *   rung       [near_end, top_start): nb buckets of width 2^shift, each an unsorted list of
 *              1 KiB chunks of 56-byte entries {time, seq << SLOT_BITS | slot, event};
 *              bucket cur..nb-1 are pending, near_end is the start of bucket cur.
 *   top        times >= top_start: one unsorted array of the same entries, with its
 *              minimum and maximum.
 * Scheduling appends (near heap: sift-up, or the fired event's hole: replace-top); when the
 * near heap runs empty the next non-empty bucket is moved in (sorted, or heaped by Floyd),
 * and when the rung is used up a new one is built from the top: bucket width from a
 * histogram of log2(time - min) so that front buckets hold about max(32, min(1024,
 * ntop / 64)) entries, at most 65,536 buckets, covering at least half of the top (the rest
 * waits for the next rung), so each entry moves O(1) times on average.
 *
 * Records: per slot only a generation and a state (8 bytes), for handles and cancellation;
 * the event itself travels with its entry, so firing reads it from the near store, which is
 * in cache, not from a random place in a large pool. Freed slots go on a LIFO stack. A
 * handle is (generation << 32 | slot + 1).
 *
 * Cancellation is lazy: the record is marked and the entry is dropped when it reaches the
 * near heap's top (records are read there only while some entry is cancelled). When
 * tombstones outnumber live entries, sim_compact gathers every entry into the top, drops
 * them, sorts and renumbers the rest.
 *
 * Firing: the top entry's event is copied out and its slot freed before the handler runs;
 * in heap form the entry stays in place as a "hole" that the handler's first schedule into
 * the near heap fills by a single sift-down (a replace-top). Otherwise the hole is removed
 * afterwards. A sorted run simply drops its last entry.
 *
 * Sequence numbers have 64 - SLOT_BITS = 36 bits; before they run out (after 6.9e10
 * schedules) sim_compact renumbers the pending entries in (time, seq) order.
 *
 * Fingerprint: a fired event's handler is looked up in a small open-addressing table keyed
 * by the handler's address (the address only finds the slot; what is hashed is the kind
 * number stored there), then (time, kind, target) is folded into the state with two
 * xor-multiply steps and a rotation, each a bijection of the 64-bit state. An event is
 * folded after its handler returns, so that what the handler notes first (sim_note: the
 * mailbox's deliveries due before the event) precedes it, as in one-event-per-message mode.
 */
#include "sim/engine/engine.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core/xalloc.h"

#ifndef ATLAS_HEAP_ARITY
#define ATLAS_HEAP_ARITY 4
#endif
#define D ATLAS_HEAP_ARITY

#define SLOT_BITS  28
#define SLOT_MASK  ((UINT64_C(1) << SLOT_BITS) - 1)
#define SEQ_LIMIT  (UINT64_C(1) << (64 - SLOT_BITS))
#define CACHE_LINE 64
#define HUGE_PAGE  ((size_t)2 << 20)
#define KIND_SLOTS 128u /* for at most SIM_MAX_KINDS handlers: probes stay short */
#define FP_SEED    UINT64_C(0x243f6a8885a308d3)
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define A_LOW 4 /* where the low 32 bits of the uint64_t payload a are */
#else
#define A_LOW 0
#endif
#define FP_MUL1 UINT64_C(0x9e3779b97f4a7c15)
#define FP_MUL2 UINT64_C(0xd6e8feb86659fd93)

_Static_assert(SIM_MAX_KINDS < KIND_SLOTS, "the kind table must keep free slots");

struct qentry {    /* an entry of the near heap */
    sim_time time; /* when the event fires */
    uint64_t key;  /* seq << SLOT_BITS | index of the event in the near store */
};

struct fentry {          /* an entry outside the near heap: the event travels with it */
    sim_time time;       /* when the event fires */
    uint64_t key;        /* seq << SLOT_BITS | slot */
    struct sim_event ev; /* the scheduled event */
};

struct nevent { /* the event of a near-heap entry */
    struct sim_event ev;
    uint32_t slot; /* its record (handle, cancellation) */
    uint32_t pad;
};

enum rec_state { REC_FREE, REC_PENDING, REC_CANCELLED };

struct kslot { /* a handler's kind; fn == NULL: free */
    sim_event_fn *fn;
    uint64_t kind_hi; /* kind << 32, ready to be or-ed with the target */
    uint32_t kind;    /* 1.., 0 for a hidden kind */
    uint32_t mask;    /* the target is the 32 bits at offset off in struct sim_event, masked */
    uint8_t off;      /* (mask 0 for SIM_TARGET_NONE) */
    uint8_t hidden;   /* not a record */
};

struct record {     /* what a handle refers to */
    uint32_t gen;   /* bumped when the event fires or is cancelled */
    uint32_t state; /* enum rec_state */
};

#define NONE    UINT32_MAX
#define CHUNK_N 18 /* entries per chunk: 8-byte header + 18 x 56 bytes, about 1 KiB */
#ifndef MIN_FRONT  /* entries in a front bucket of a new rung: ntop / FRONT_DIV, clamped */
#define MIN_FRONT 32
#endif
#ifndef MAX_FRONT
#define MAX_FRONT 1024
#endif
#ifndef FRONT_DIV
#define FRONT_DIV 64
#endif
#ifndef SORT_MAX /* a bucket of at most this many entries is sorted, not heaped */
#define SORT_MAX 2048
#endif
#define RUN_INSERT_MAX   64 /* a run longer than this becomes a heap to take an insertion */
#define MAX_BUCKETS_LOG2 16
#define MAX_BUCKETS      ((size_t)1 << MAX_BUCKETS_LOG2)

/* A piece of a bucket's list of entries; chunks are reused LIFO. */
struct chunk {
    uint32_t next;            /* the next chunk of the bucket, NONE at the tail */
    uint32_t pad;             /* keeps e[] 8-byte aligned */
    struct fentry e[CHUNK_N]; /* full, except in a bucket's tail chunk */
};

/* An unsorted list of entries: head and tail chunks (NONE when empty) and the tail's fill,
 * kept here so that appending touches only this array and the line written. */
struct bucket {
    uint32_t head, tail, fill, pad;
};

struct sim_engine {
    sim_time now;        /* clock */
    struct qentry *heap; /* heap[0] is the minimum; points into heap_block */
    void *heap_block;    /* allocation holding heap (aligned inside) */
    size_t n, cap;       /* near-heap entries (tombstones and hole included), capacity */
    struct nevent *nev;  /* the near heap's events, indexed from its keys */
    uint32_t *nev_free;  /* LIFO stack of free indexes of nev */
    size_t nnev, nev_cap, nnev_free; /* indexes ever used, capacity, free ones */
    sim_time near_end; /* the near heap holds exactly the queued entries before this */
    /* The rung: nb buckets of width 2^shift from rung_start; buckets before cur are empty
     * (moved to the near heap), so near_end == rung_start + cur << shift while cur < nb. */
    struct bucket *bucket; /* [bucket_cap] */
    size_t nb, cur, bucket_cap;
    sim_time rung_start, top_start; /* top_start: end of the rung, start of the top */
    unsigned shift;
    struct chunk *chunk;        /* chunk store of the buckets, indexed */
    uint32_t nchunk, chunk_cap; /* chunks ever used, capacity */
    uint32_t chunk_free;        /* LIFO list of free chunks (NONE: empty) */
    size_t nrung;               /* entries in the rung's buckets */
    struct fentry *top;         /* unsorted entries at or after top_start */
    size_t ntop, top_cap;
    sim_time top_min, top_max; /* of the entries in top (valid when ntop > 0) */
    struct record *rec;        /* the pool, indexed by slot */
    size_t nrec, rec_cap;      /* slots in use or free, capacity */
    uint32_t *free_slots;      /* LIFO stack of free slots (capacity rec_cap) */
    size_t nfree;              /* entries on the stack */
    uint64_t next_seq;         /* sequence number of the next schedule */
    size_t pending;            /* scheduled, not yet fired or cancelled */
    size_t peak;               /* high-water mark of pending */
    size_t tombstones;         /* cancelled entries still queued (near heap, rung or top) */
    uint64_t fired;            /* events fired */
    bool hole;                 /* heap[0] fired, awaiting replacement or removal */
    bool sorted;               /* near tier is a descending run: heap[n-1] is the minimum */
    bool stop;                 /* sim_stop was called */
    bool running;              /* inside sim_run/sim_step (no reentry) */
    sim_time horizon;          /* of the running sim_run/sim_step */
    /* sim_advance_to may move the clock to any time below this without looking: the
     * earliest pending entry's time (or a lower bound) when it last looked, lowered by
     * every schedule; 0 while not running (cleared when a run or step ends) and after
     * sim_stop */
    sim_time adv_below;
    uint64_t fp, fp_n; /* fingerprint state, records folded in */
    sim_tap_fn *tap;   /* optional record observer */
    void *tap_ctx;
    uint32_t nkinds;                          /* kinds numbered so far */
    const char *kind_name[SIM_MAX_KINDS + 1]; /* by number; NULL: unregistered */
    struct kslot kslot[KIND_SLOTS];           /* by handler address */
    struct qentry *sort_tmp;                  /* [SORT_MAX] scratch of run_sort */
    uint32_t *sort_start;                     /* [SORT_MAX + 1] its group starts */
};

static sim_tap_fn *default_tap; /* sim_tap_new_engines */
static void *default_tap_ctx;

__extension__ typedef unsigned __int128 u128;

/* (time, key) as one 128-bit number: comparisons compile to flag arithmetic, not branches. */
static inline u128 entry_k(struct qentry e)
{
    return (u128)e.time << 64 | e.key;
}

static inline bool entry_less(struct qentry a, struct qentry b)
{
    return entry_k(a) < entry_k(b);
}

static inline void sift_up(struct qentry *h, size_t i, struct qentry e)
{
    while (i > 0) {
        size_t p = (i - 1) / D;
        if (!entry_less(e, h[p]))
            break;
        h[i] = h[p];
        i = p;
    }
    h[i] = e;
}

/* Below this many entries (64 KiB) the heap stays in L1/L2 and prefetching the
 * grandchildren costs more instructions than the misses it hides. */
#define SIFT_PREFETCH_MIN 4096

/* The smallest of the children c..c+D-1 that exist (c < n), selected without branches
 * (their outcome is random): with D = 4 and all four present, as a two-round tournament
 * (pairs, then the pair winners). Its key is left in *mk when mk is not NULL. */
static inline size_t min_child_k(const struct qentry *h, size_t n, size_t c, u128 *mk)
{
#if D == 4
    if (c + 4 <= n) {
        u128 k0 = entry_k(h[c]), k1 = entry_k(h[c + 1]);
        u128 k2 = entry_k(h[c + 2]), k3 = entry_k(h[c + 3]);
        bool l1 = k1 < k0, l3 = k3 < k2;
        size_t m01 = c + l1, m23 = c + 2 + l3;
        u128 a = l1 ? k1 : k0, b = l3 ? k3 : k2;
        bool lb = b < a;
        *mk = lb ? b : a;
        return lb ? m23 : m01;
    }
#endif
    size_t end = c + D < n ? c + D : n, m = c;
    u128 k = entry_k(h[c]);
    for (size_t j = c + 1; j < end; j++) {
        u128 jk = entry_k(h[j]);
        bool lt = jk < k;
        m = lt ? j : m;
        k = lt ? jk : k;
    }
    *mk = k;
    return m;
}

static inline size_t min_child(const struct qentry *h, size_t n, size_t c)
{
    u128 k;
    return c < n ? min_child_k(h, n, c, &k) : c;
}

static inline void sift_down(struct qentry *h, size_t n, size_t i, struct qentry e)
{
    u128 ek = entry_k(e);
    bool far = n >= SIFT_PREFETCH_MIN;
    for (;;) {
        size_t c = D * i + 1;
        if (c >= n)
            break;
        if (far) /* fetch the grandchildren's lines now, in parallel, whichever child wins */
            for (size_t j = c; j < c + D && D * j + 1 < n; j++)
                __builtin_prefetch(&h[D * j + 1]);
        u128 mk;
        size_t m = min_child_k(h, n, c, &mk);
        if (mk >= ek)
            break;
        h[i] = h[m];
        i = m;
    }
    h[i] = e;
}

/* Ask for transparent huge pages on the 2 MiB-aligned interior of a large block. */
static void advise_huge(void *p, size_t len)
{
    if (len < 2 * HUGE_PAGE)
        return;
    uintptr_t start = ((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
    uintptr_t end = ((uintptr_t)p + len) & ~(uintptr_t)(HUGE_PAGE - 1);
    if (end > start)
        (void)madvise((void *)start, end - start, MADV_HUGEPAGE);
}

static void heap_grow(struct sim_engine *eng, size_t need)
{
    if (need <= eng->cap)
        return;
    size_t cap = eng->cap ? eng->cap : 64;
    while (cap < need)
        cap *= 2;
    size_t bytes = (cap + 4) * sizeof(struct qentry) + CACHE_LINE;
    void *block = xmalloc(bytes);
    advise_huge(block, bytes);
    /* heap[1] starts a cache line, so the D children of node i share one line. */
    uintptr_t line =
        ((uintptr_t)block + sizeof(struct qentry) + CACHE_LINE - 1) & ~(uintptr_t)(CACHE_LINE - 1);
    struct qentry *heap = (struct qentry *)line - 1;
    if (eng->n)
        memcpy(heap, eng->heap, eng->n * sizeof(struct qentry));
    free(eng->heap_block);
    eng->heap_block = block;
    eng->heap = heap;
    eng->cap = cap;
}

static void pool_grow(struct sim_engine *eng, size_t need)
{
    if (need <= eng->rec_cap)
        return;
    assert(need <= SLOT_MASK + 1);
    size_t cap = eng->rec_cap ? eng->rec_cap : 64;
    while (cap < need)
        cap *= 2;
    eng->rec = xreallocarray(eng->rec, cap, sizeof(struct record));
    advise_huge(eng->rec, cap * sizeof(struct record));
    eng->free_slots = xreallocarray(eng->free_slots, cap, sizeof(uint32_t));
    eng->rec_cap = cap;
}

struct sim_engine *sim_engine_new(void)
{
    struct sim_engine *eng = xcalloc(1, sizeof(*eng));
    eng->fp = FP_SEED;
    eng->tap = default_tap;
    eng->tap_ctx = default_tap_ctx;
    eng->chunk_free = NONE;
    heap_grow(eng, 64);
    pool_grow(eng, 64);
    eng->sort_tmp = xmalloc(SORT_MAX * sizeof(struct qentry));
    eng->sort_start = xmalloc((SORT_MAX + 1) * sizeof(uint32_t));
    return eng;
}

void sim_engine_free(struct sim_engine *eng)
{
    if (!eng)
        return;
    free(eng->heap_block);
    free(eng->nev);
    free(eng->nev_free);
    free(eng->bucket);
    free(eng->chunk);
    free(eng->top);
    free(eng->rec);
    free(eng->free_slots);
    free(eng->sort_tmp);
    free(eng->sort_start);
    free(eng);
}

void sim_engine_reserve(struct sim_engine *eng, size_t n)
{
    if (n > eng->top_cap) {
        eng->top = xreallocarray(eng->top, n, sizeof(struct fentry));
        advise_huge(eng->top, n * sizeof(struct fentry));
        eng->top_cap = n;
    }
    pool_grow(eng, n);
}

sim_time sim_now(const struct sim_engine *eng)
{
    return eng->now;
}

static inline uint32_t slot_alloc(struct sim_engine *eng)
{
    if (eng->nfree)
        return eng->free_slots[--eng->nfree];
    pool_grow(eng, eng->nrec + 1);
    struct record *r = &eng->rec[eng->nrec];
    r->gen = 0;
    r->state = REC_FREE;
    return (uint32_t)eng->nrec++;
}

static inline void slot_free(struct sim_engine *eng, uint32_t slot)
{
    eng->rec[slot].state = REC_FREE;
    eng->free_slots[eng->nfree++] = slot;
}

/* Remove heap[0] (fired hole or tombstone). */
static inline void heap_pop(struct sim_engine *eng)
{
    struct qentry last = eng->heap[--eng->n];
    if (eng->n)
        sift_down(eng->heap, eng->n, 0, last);
}

/* Where the near tier's minimum is (n > 0): the end of a sorted run, else the heap's root. */
static inline size_t near_min(const struct sim_engine *eng)
{
    return eng->sorted ? eng->n - 1 : 0;
}

/* Remove the near tier's minimum (a tombstone; no hole). */
static inline void near_pop(struct sim_engine *eng)
{
    if (eng->sorted)
        eng->n--;
    else
        heap_pop(eng);
}

/* Turn the sorted run into a heap: reversed, it is ascending, which is a heap already. */
static void near_unsort(struct sim_engine *eng)
{
    for (size_t i = 0, j = eng->n; i + 1 < j; i++, j--) {
        struct qentry x = eng->heap[i];
        eng->heap[i] = eng->heap[j - 1];
        eng->heap[j - 1] = x;
    }
    eng->sorted = false;
}

/* Insert e into the descending run h[0..n) (room for one more); returns the entries it
 * moved past. */
static inline size_t run_insert(struct qentry *h, size_t n, struct qentry e)
{
    u128 ek = entry_k(e);
    size_t i = n;
    while (i > 0 && entry_k(h[i - 1]) < ek) {
        h[i] = h[i - 1];
        i--;
    }
    h[i] = e;
    return n - i;
}

/* ---- the two tiers: near heap, rung of buckets, top ---- */

static uint32_t nev_alloc(struct sim_engine *eng)
{
    if (eng->nnev_free)
        return eng->nev_free[--eng->nnev_free];
    if (eng->nnev == eng->nev_cap) {
        size_t cap = eng->nev_cap ? 2 * eng->nev_cap : 256;
        assert(cap <= SLOT_MASK + 1);
        eng->nev = xreallocarray(eng->nev, cap, sizeof(struct nevent));
        eng->nev_free = xreallocarray(eng->nev_free, cap, sizeof(uint32_t));
        eng->nev_cap = cap;
    }
    return (uint32_t)eng->nnev++;
}

static inline void nev_release(struct sim_engine *eng, uint32_t i)
{
    eng->nev_free[eng->nnev_free++] = i;
}

/* Put the entry (t, key, *ev) in the near heap (t < near_end), into the fired event's hole
 * if there is one. */
static inline void near_put(struct sim_engine *eng, sim_time t, uint64_t key,
                            const struct sim_event *ev)
{
    uint32_t i = nev_alloc(eng);
    struct nevent *ne = &eng->nev[i];
    ne->ev = *ev;
    ne->slot = (uint32_t)(key & SLOT_MASK);
    struct qentry e = {t, (key & ~SLOT_MASK) | i};
    if (eng->hole) {
        eng->hole = false;
        sift_down(eng->heap, eng->n, 0, e);
        return;
    }
    heap_grow(eng, eng->n + 1);
    if (eng->sorted && eng->n >= RUN_INSERT_MAX)
        near_unsort(eng);
    if (eng->sorted)
        run_insert(eng->heap, eng->n++, e);
    else
        sift_up(eng->heap, eng->n++, e);
}

/* The slot of the near heap's entry e. */
static inline uint32_t near_slot(const struct sim_engine *eng, struct qentry e)
{
    return eng->nev[e.key & SLOT_MASK].slot;
}

static uint32_t chunk_alloc(struct sim_engine *eng)
{
    uint32_t c = eng->chunk_free;
    if (c != NONE) {
        eng->chunk_free = eng->chunk[c].next;
    } else {
        if (eng->nchunk == eng->chunk_cap) {
            size_t cap = eng->chunk_cap ? 2 * (size_t)eng->chunk_cap : 64;
            assert(cap < NONE);
            eng->chunk = xreallocarray(eng->chunk, cap, sizeof(struct chunk));
            advise_huge(eng->chunk, cap * sizeof(struct chunk));
            eng->chunk_cap = (uint32_t)cap;
        }
        c = eng->nchunk++;
    }
    eng->chunk[c].next = NONE;
    return c;
}

/* Append the entry (t, key, *ev) to bucket b (unsorted), written in place. */
static inline void bucket_put(struct sim_engine *eng, size_t b, sim_time t, uint64_t key,
                              const struct sim_event *ev)
{
    struct bucket *bk = &eng->bucket[b];
    if (bk->fill == CHUNK_N || bk->tail == NONE) {
        uint32_t c = chunk_alloc(eng);
        if (bk->tail == NONE)
            bk->head = c;
        else
            eng->chunk[bk->tail].next = c;
        bk->tail = c;
        bk->fill = 0;
    }
    struct fentry *f = &eng->chunk[bk->tail].e[bk->fill++];
    f->time = t;
    f->key = key;
    f->ev = *ev;
    eng->nrung++;
}

static inline void bucket_add(struct sim_engine *eng, size_t b, const struct fentry *f)
{
    bucket_put(eng, b, f->time, f->key, &f->ev);
}

static inline void top_put(struct sim_engine *eng, sim_time t, uint64_t key,
                           const struct sim_event *ev)
{
    if (eng->ntop == eng->top_cap) {
        eng->top_cap = eng->top_cap ? 2 * eng->top_cap : 64;
        eng->top = xreallocarray(eng->top, eng->top_cap, sizeof(struct fentry));
        advise_huge(eng->top, eng->top_cap * sizeof(struct fentry));
    }
    if (!eng->ntop || t < eng->top_min)
        eng->top_min = t;
    if (!eng->ntop || t > eng->top_max)
        eng->top_max = t;
    struct fentry *f = &eng->top[eng->ntop++];
    f->time = t;
    f->key = key;
    f->ev = *ev;
}

static inline void top_add(struct sim_engine *eng, const struct fentry *f)
{
    top_put(eng, f->time, f->key, &f->ev);
}

/*
 * Sort the near tier's n <= SORT_MAX entries (times in [lo, lo + 2^shift)) into a
 * descending run: a counting sort into about n equal sub-ranges of the bucket, each
 * sub-range's entries in reverse bucket order (a bucket lists its entries in scheduling
 * order, so equal times come out in descending sequence order), then an insertion sort,
 * which has little left to move when the times are spread out. Returns false, leaving the
 * entries in some order, when the insertion sort had to move more than 4 entries per
 * entry (times bunched within sub-ranges); the caller makes a heap of them instead.
 */
/* run_sort's sub-range of an entry `off` past the bucket's start: (off >> down) << up, which
 * the bucket's bounds keep below subs; clamped all the same, so that an entry outside them
 * could only cost the insertion sort moves (or the fallback to the heap), never a write out
 * of the count array. */
static inline size_t sub_range(sim_time off, unsigned down, unsigned up, size_t subs)
{
    uint64_t g = (uint64_t)off >> down << up; /* unsigned: an entry before lo wraps high */
    return g < subs ? (size_t)g : subs - 1;
}

static bool run_sort(struct sim_engine *eng, sim_time lo, unsigned shift)
{
    struct qentry *h = eng->heap, *tmp = eng->sort_tmp;
    uint32_t *start = eng->sort_start;
    size_t n = eng->n;
    unsigned subs_log2 = 5; /* sub-ranges: a power of two >= n, at least 32 */
    while (((size_t)1 << subs_log2) < n)
        subs_log2++;
    size_t subs = (size_t)1 << subs_log2;
    memset(start, 0, (subs + 1) * sizeof(*start));
    unsigned down = shift > subs_log2 ? shift - subs_log2 : 0;
    unsigned up = subs_log2 - (shift - down); /* shift < subs_log2: spread out */
    /* group g = subs - 1 - sub-range (descending: the last sub-range first) is counted
     * in start[g + 1], then start[g] is where its next entry goes */
    for (size_t i = 0; i < n; i++) {
        assert(h[i].time >= lo && (h[i].time - lo) >> shift == 0);
        tmp[i] = h[i];
        start[subs - sub_range(h[i].time - lo, down, up, subs)]++;
    }
    for (size_t g = 1; g <= subs; g++)
        start[g] += start[g - 1];
    for (size_t i = n; i-- > 0;)
        h[start[subs - 1 - sub_range(tmp[i].time - lo, down, up, subs)]++] = tmp[i];
    size_t moved = 0;
    for (size_t i = 1; i < n; i++)
        if ((moved += run_insert(h, i, h[i])) > 4 * n)
            return false;
    return true;
}

/* Move bucket b's entries into the near heap (no hole) and free its chunks. */
static void bucket_to_near(struct sim_engine *eng, size_t b)
{
    struct bucket *bk = &eng->bucket[b];
    bool was_empty = eng->n == 0;
    if (eng->sorted && !was_empty)
        near_unsort(eng);
    for (uint32_t c = bk->head; c != NONE;) {
        struct chunk *ch = &eng->chunk[c];
        uint32_t n = ch->next == NONE ? bk->fill : CHUNK_N;
        heap_grow(eng, eng->n + n);
        for (uint32_t k = 0; k < n; k++) {
            const struct fentry *f = &ch->e[k];
            uint32_t slot = (uint32_t)(f->key & SLOT_MASK);
            /* firing writes the record: fetch its line now, while the bucket drains */
            __builtin_prefetch(&eng->rec[slot], 1, 2);
            uint32_t i = nev_alloc(eng);
            eng->nev[i].ev = f->ev;
            eng->nev[i].slot = slot;
            struct qentry e = {f->time, (f->key & ~SLOT_MASK) | i};
            if (was_empty)
                eng->heap[eng->n++] = e;
            else
                sift_up(eng->heap, eng->n++, e);
        }
        eng->nrung -= n;
        uint32_t next = ch->next;
        ch->next = eng->chunk_free;
        eng->chunk_free = c;
        c = next;
    }
    bk->head = bk->tail = NONE;
    bk->fill = 0;
    if (!was_empty)
        return;
    eng->sorted = eng->n <= SORT_MAX &&
                  run_sort(eng, eng->rung_start + ((sim_time)b << eng->shift), eng->shift);
    if (!eng->sorted) /* Floyd's heap construction */
        for (size_t i = eng->n > 1 ? (eng->n - 2) / D + 1 : 0; i-- > 0;)
            sift_down(eng->heap, eng->n, i, eng->heap[i]);
}

/*
 * Spread the top's entries over a new rung. The bucket width is a power of two chosen from
 * the density at the front (a histogram of log2(time - min)): the first buckets hold about
 * min(MAX_FRONT, max(MIN_FRONT, ntop / FRONT_DIV)) entries each, so the near heap stays
 * small (a sorted run when it can) while the buckets that new events land in stay few
 * enough to keep their tails in cache. The rung has at most MAX_BUCKETS buckets but always
 * covers at least half of the entries; the rest stay in the top for a later rung, so every
 * entry is moved a bounded number of times on average whatever the distribution of times.
 */
static void rung_build(struct sim_engine *eng)
{
    assert(eng->cur == eng->nb && eng->ntop > 0);
    sim_time lo = eng->top_min, span = eng->top_max - lo;
    size_t ntop = eng->ntop, hist[65] = {0};
    for (size_t i = 0; i < ntop; i++) {
        sim_time d = eng->top[i].time - lo;
        hist[d ? 64 - __builtin_clzll(d) : 0]++; /* d < 2^j <=> bin <= j */
    }
    size_t front = ntop / FRONT_DIV;
    front = front < MIN_FRONT ? MIN_FRONT : front > MAX_FRONT ? MAX_FRONT : front;
    if (front > ntop)
        front = ntop;
    unsigned j = 0, jhalf = 0;
    size_t cum = hist[0];
    while (cum < front)
        cum += hist[++j];
    for (size_t c = 0; (c += hist[jhalf]) < (ntop + 1) / 2;)
        jhalf++;
    /* [lo, lo + 2^j) holds cum >= front entries: width 2^shift holds front to 2 front */
    unsigned r = 0;
    while ((cum >> (r + 1)) >= front)
        r++;
    unsigned shift = j > r ? j - r : 0;
    if (jhalf > shift + MAX_BUCKETS_LOG2)
        shift = jhalf - MAX_BUCKETS_LOG2;
    if (shift > 63)
        shift = 63;
    size_t nb = (span >> shift) >= MAX_BUCKETS ? MAX_BUCKETS : (size_t)(span >> shift) + 1;
    if (nb > eng->bucket_cap) {
        eng->bucket = xreallocarray(eng->bucket, nb, sizeof(struct bucket));
        eng->bucket_cap = nb;
    }
    for (size_t b = 0; b < nb; b++)
        eng->bucket[b] = (struct bucket){.head = NONE, .tail = NONE};
    eng->nb = nb;
    eng->cur = 0;
    eng->shift = shift;
    eng->rung_start = lo;
    u128 end = (u128)lo + ((u128)nb << shift);
    eng->top_start = end > SIM_TIME_MAX ? SIM_TIME_MAX : (sim_time)end;
    eng->near_end = lo;
    eng->ntop = 0;
    /* By index, not by top_start: a rung that reaches SIM_TIME_MAX takes the entries at
     * SIM_TIME_MAX (top_start saturates there; later ones go to the top, after them). */
    for (size_t i = 0; i < ntop; i++) {
        sim_time b = (eng->top[i].time - lo) >> shift;
        if (b < nb)
            bucket_add(eng, (size_t)b, &eng->top[i]);
        else
            top_add(eng, &eng->top[i]); /* i >= ntop: never overwrites an unread entry */
    }
}

/*
 * The near heap is empty or must reach further: move the next non-empty bucket into it,
 * building a new rung from the top when the rung is used up. Returns false when nothing
 * is left outside the near heap.
 */
static __attribute__((noinline)) bool near_refill(struct sim_engine *eng)
{
    assert(!eng->hole);
    for (;;) {
        while (eng->cur < eng->nb && eng->bucket[eng->cur].head == NONE)
            eng->cur++;
        if (eng->cur < eng->nb) {
            bucket_to_near(eng, eng->cur++);
            eng->near_end = eng->cur == eng->nb
                                ? eng->top_start
                                : eng->rung_start + ((sim_time)eng->cur << eng->shift);
            return true;
        }
        eng->near_end = eng->top_start;
        if (!eng->ntop)
            return false;
        rung_build(eng);
    }
}

static int cmp_fentry(const void *a, const void *b)
{
    const struct fentry *x = a, *y = b;
    struct qentry p = {x->time, x->key}, q = {y->time, y->key};
    return entry_less(p, q) ? -1 : entry_less(q, p) ? 1 : 0;
}

void sim_compact(struct sim_engine *eng)
{
    if (eng->hole) {
        heap_pop(eng);
        eng->hole = false;
    }
    /* Gather every queued entry in the top, drop the cancelled ones, sort what is left
     * and renumber it in that order (which keeps every tie order); the next refill builds
     * a rung from it. */
    for (size_t i = 0; i < eng->n; i++) {
        const struct nevent *ne = &eng->nev[eng->heap[i].key & SLOT_MASK];
        struct fentry f = {eng->heap[i].time, (eng->heap[i].key & ~SLOT_MASK) | ne->slot, ne->ev};
        top_add(eng, &f);
    }
    eng->n = 0;
    eng->sorted = false;
    eng->nnev = eng->nnev_free = 0;
    for (size_t b = eng->cur; b < eng->nb; b++)
        for (uint32_t c = eng->bucket[b].head; c != NONE; c = eng->chunk[c].next)
            for (uint32_t i = 0; i < (eng->chunk[c].next == NONE ? eng->bucket[b].fill : CHUNK_N);
                 i++)
                top_add(eng, &eng->chunk[c].e[i]);
    eng->nb = eng->cur = eng->nrung = 0;
    eng->nchunk = 0;
    eng->chunk_free = NONE;
    eng->rung_start = eng->top_start = eng->near_end = 0;
    size_t kept = 0;
    for (size_t i = 0; i < eng->ntop; i++) {
        uint32_t slot = (uint32_t)(eng->top[i].key & SLOT_MASK);
        if (eng->rec[slot].state == REC_CANCELLED)
            slot_free(eng, slot);
        else
            eng->top[kept++] = eng->top[i];
    }
    eng->ntop = kept;
    eng->tombstones = 0;
    qsort(eng->top, kept, sizeof(struct fentry), cmp_fentry);
    for (size_t i = 0; i < kept; i++)
        eng->top[i].key = (uint64_t)i << SLOT_BITS | (eng->top[i].key & SLOT_MASK);
    if (kept) {
        eng->top_min = eng->top[0].time;
        eng->top_max = eng->top[kept - 1].time;
    }
    eng->next_seq = kept;
}

sim_event_id sim_schedule_at(struct sim_engine *eng, sim_time t, const struct sim_event *ev)
{
    assert(t >= eng->now && "scheduling in the past");
    assert(ev->fn);
    if (eng->next_seq == SEQ_LIMIT)
        sim_compact(eng);
    uint32_t slot = slot_alloc(eng);
    struct record *r = &eng->rec[slot];
    r->state = REC_PENDING;
    if (t < eng->adv_below)
        eng->adv_below = t;
    uint64_t key = eng->next_seq++ << SLOT_BITS | slot;
    if (t < eng->near_end)
        near_put(eng, t, key, ev);
    else if (t < eng->top_start)
        bucket_put(eng, (size_t)((t - eng->rung_start) >> eng->shift), t, key, ev);
    else
        top_put(eng, t, key, ev);
    if (++eng->pending > eng->peak)
        eng->peak = eng->pending;
    return (uint64_t)r->gen << 32 | (slot + 1u);
}

sim_event_id sim_schedule_after(struct sim_engine *eng, sim_time delay, const struct sim_event *ev)
{
    sim_time t = delay > SIM_TIME_MAX - eng->now ? SIM_TIME_MAX : eng->now + delay;
    return sim_schedule_at(eng, t, ev);
}

bool sim_cancel(struct sim_engine *eng, sim_event_id id)
{
    uint32_t low = (uint32_t)id;
    if (low == 0 || low > eng->nrec)
        return false;
    struct record *r = &eng->rec[low - 1];
    if (r->state != REC_PENDING || r->gen != (uint32_t)(id >> 32))
        return false;
    r->state = REC_CANCELLED;
    r->gen++;
    eng->pending--;
    eng->tombstones++;
    return true;
}

/* Drop cancelled entries from the near heap's top, refilling it from the rung when it runs
 * empty; returns the live next entry or NULL if nothing is queued. Records are only read
 * while some entry is cancelled. */
static inline const struct qentry *peek_live(struct sim_engine *eng)
{
    while (eng->n || near_refill(eng)) {
        const struct qentry *top = &eng->heap[near_min(eng)];
        if (__builtin_expect(!eng->tombstones, 1))
            return top;
        uint32_t slot = near_slot(eng, *top);
        if (eng->rec[slot].state != REC_CANCELLED)
            return top;
        slot_free(eng, slot);
        nev_release(eng, (uint32_t)(top->key & SLOT_MASK));
        eng->tombstones--;
        near_pop(eng);
    }
    return NULL;
}

/* ---- kinds and the fingerprint ---- */

/* The home slot of fn: functions start on 16-byte boundaries, so the bits above the fourth
 * tell a few dozen handlers apart without a multiplication. */
static inline size_t kind_home(sim_event_fn *fn)
{
    return (size_t)((uintptr_t)fn >> 4) & (KIND_SLOTS - 1);
}

static struct kslot *kind_slot(struct sim_engine *eng, sim_event_fn *fn)
{
    size_t i = kind_home(fn);
    while (eng->kslot[i].fn && eng->kslot[i].fn != fn)
        i = (i + 1) & (KIND_SLOTS - 1);
    return &eng->kslot[i];
}

/* Fill the free slot k for fn; name NULL: an unregistered handler. */
static struct kslot *kind_add(struct sim_engine *eng, struct kslot *k, sim_event_fn *fn,
                              const char *name, enum sim_target target, bool hidden)
{
    assert(eng->nkinds < SIM_MAX_KINDS && "too many event kinds");
    k->fn = fn;
    k->hidden = hidden;
    k->mask = target == SIM_TARGET_NONE ? 0 : UINT32_MAX;
    k->off = target == SIM_TARGET_A   ? (uint8_t)(offsetof(struct sim_event, a) + A_LOW)
             : target == SIM_TARGET_D ? (uint8_t)offsetof(struct sim_event, d)
                                      : (uint8_t)offsetof(struct sim_event, c);
    k->kind = 0;
    if (!hidden) {
        k->kind = ++eng->nkinds;
        eng->kind_name[k->kind] = name;
    }
    k->kind_hi = (uint64_t)k->kind << 32;
    return k;
}

void sim_engine_kinds(struct sim_engine *eng, const struct sim_kind *kinds, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        assert(kinds[i].fn && kinds[i].name);
        struct kslot *k = kind_slot(eng, kinds[i].fn);
        if (!k->fn)
            kind_add(eng, k, kinds[i].fn, kinds[i].name, kinds[i].target, kinds[i].hidden);
    }
}

const char *sim_kind_name(const struct sim_engine *eng, uint32_t kind)
{
    if (kind == 0 || kind > eng->nkinds)
        return "?";
    return eng->kind_name[kind] ? eng->kind_name[kind] : "unnamed";
}

static inline uint64_t rotl64(uint64_t x, int r)
{
    return x << r | x >> (64 - r);
}

/* fn's slot when it is not in its home slot, numbering it if it is new. */
static __attribute__((noinline)) const struct kslot *kind_away(struct sim_engine *eng,
                                                               sim_event_fn *fn)
{
    struct kslot *s = kind_slot(eng, fn);
    return s->fn ? s : kind_add(eng, s, fn, NULL, SIM_TARGET_NONE, false);
}

/* ev's kind and target as kind << 32 | target; false for a hidden kind. */
static inline bool kind_target(struct sim_engine *eng, const struct sim_event *ev, uint64_t *kt)
{
    const struct kslot *k = &eng->kslot[kind_home(ev->fn)];
    if (__builtin_expect(k->fn != ev->fn, 0))
        k = kind_away(eng, ev->fn);
    uint32_t target;
    memcpy(&target, (const char *)ev + k->off, sizeof(target));
    *kt = k->kind_hi | (target & k->mask);
    return !k->hidden;
}

static __attribute__((noinline)) void show_tap(struct sim_engine *eng, sim_time t, uint64_t kt)
{
    struct sim_record r = {.time = t, .kind = (uint32_t)(kt >> 32), .target = (uint32_t)kt};
    eng->tap(eng->tap_ctx, eng, &r);
}

/* Fold the record (t, kt) into the fingerprint and show it to the tap. */
static inline void fold(struct sim_engine *eng, sim_time t, uint64_t kt)
{
    uint64_t h = rotl64((eng->fp ^ (uint64_t)t) * FP_MUL1, 29);
    eng->fp = (h ^ kt) * FP_MUL2;
    eng->fp_n++;
    if (__builtin_expect(eng->tap != NULL, 0))
        show_tap(eng, t, kt);
}

void sim_note(struct sim_engine *eng, const struct sim_event *ev)
{
    uint64_t kt;
    if (kind_target(eng, ev, &kt))
        fold(eng, eng->now, kt);
}

uint64_t sim_fingerprint(const struct sim_engine *eng)
{
    uint64_t z = eng->fp; /* the splitmix64 finaliser, also a bijection */
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

uint64_t sim_fingerprint_events(const struct sim_engine *eng)
{
    return eng->fp_n;
}

void sim_engine_tap(struct sim_engine *eng, sim_tap_fn *fn, void *ctx)
{
    eng->tap = fn;
    eng->tap_ctx = ctx;
}

void sim_tap_new_engines(sim_tap_fn *fn, void *ctx)
{
    default_tap = fn;
    default_tap_ctx = ctx;
}

/* ---- firing ---- */

/* Fire the top entry (live, time <= horizon). */
static inline void fire_top(struct sim_engine *eng)
{
    struct qentry top = eng->heap[near_min(eng)];
    uint32_t i = (uint32_t)(top.key & SLOT_MASK);
    const struct nevent *ne = &eng->nev[i];
    struct sim_event ev = ne->ev;
    uint32_t slot = ne->slot;
    nev_release(eng, i);
    eng->rec[slot].gen++;
    slot_free(eng, slot);
    eng->pending--;
    eng->fired++;
    eng->now = top.time;
    if (eng->sorted)
        eng->n--;
    else
        eng->hole = true;
    ev.fn(eng, &ev);
    /* The event's record follows what its handler noted (the mailbox delivers, on entry to
     * a handler, the messages due before the event: their records come first). */
    uint64_t kt;
    if (kind_target(eng, &ev, &kt))
        fold(eng, top.time, kt);
    if (eng->hole) {
        eng->hole = false;
        heap_pop(eng);
    }
}

static inline void maybe_compact(struct sim_engine *eng)
{
    if (eng->tombstones > 1024 && eng->tombstones > (eng->n + eng->nrung + eng->ntop) / 2)
        sim_compact(eng);
}

uint64_t sim_run(struct sim_engine *eng, sim_time horizon)
{
    assert(!eng->running && "sim_run called from a handler");
    eng->running = true;
    eng->stop = false;
    eng->horizon = horizon;
    uint64_t start = eng->fired;
    const struct qentry *top;
    while (!eng->stop) {
        maybe_compact(eng);
        top = peek_live(eng);
        if (!top || top->time > horizon)
            break;
        fire_top(eng);
    }
    if (!eng->stop && horizon != SIM_TIME_MAX && eng->n + eng->nrung + eng->ntop &&
        horizon > eng->now)
        eng->now = horizon;
    eng->running = false;
    eng->adv_below = 0;
    return eng->fired - start;
}

bool sim_step(struct sim_engine *eng, sim_time horizon)
{
    assert(!eng->running && "sim_step called from a handler");
    maybe_compact(eng);
    const struct qentry *top = peek_live(eng);
    if (!top || top->time > horizon)
        return false;
    eng->running = true;
    eng->horizon = horizon;
    fire_top(eng);
    eng->running = false;
    eng->adv_below = 0;
    return true;
}

bool sim_advance_to(struct sim_engine *eng, sim_time t)
{
    assert(t >= eng->now && "sim_advance_to: time runs backwards");
    if (t < eng->adv_below) { /* nothing pending at or before t, inside the horizon */
        eng->now = t;
        return true;
    }
    if (!eng->running || eng->stop || t > eng->horizon)
        return false;
    /* Everything outside the near heap is at or after near_end: while t is not before
     * it, move the next bucket in (dropping the fired event's hole first), unless the near
     * heap already holds an entry at or before t. */
    while (t >= eng->near_end && eng->nrung + eng->ntop) {
        if (eng->hole) {
            eng->hole = false;
            heap_pop(eng);
        }
        if (eng->n && eng->heap[near_min(eng)].time <= t)
            return false;
        near_refill(eng);
    }
    /* The earliest pending entry, or a lower bound of it (a cancelled entry may be first).
     * Inside a handler that has not scheduled yet, heap[0] is the fired event's hole and
     * the earliest of the others is one of its children. */
    size_t first = eng->hole ? 1 : eng->n ? near_min(eng) : 0, last = eng->hole ? D : first;
    sim_time below = eng->horizon == SIM_TIME_MAX ? SIM_TIME_MAX : eng->horizon + 1;
    if (eng->nrung + eng->ntop && eng->near_end < below)
        below = eng->near_end;
    for (size_t j = first; j <= last && j < eng->n; j++) {
        if (eng->heap[j].time <= t)
            return false;
        below = eng->heap[j].time < below ? eng->heap[j].time : below;
    }
    eng->now = t;
    eng->adv_below = below;
    return true;
}

void sim_stop(struct sim_engine *eng)
{
    eng->stop = true;
    eng->adv_below = 0;
}

size_t sim_pending(const struct sim_engine *eng)
{
    return eng->pending;
}

uint64_t sim_fired(const struct sim_engine *eng)
{
    return eng->fired;
}

size_t sim_peak_pending(const struct sim_engine *eng)
{
    return eng->peak;
}

size_t sim_pool_size(const struct sim_engine *eng)
{
    return eng->nrec;
}

const struct sim_event *sim_peek(const struct sim_engine *eng)
{
    /* Only the queue's internal layout changes here: every engine is a malloc'd object,
     * never a const one, so writing through the pointer is defined. */
    struct sim_engine *e = (struct sim_engine *)eng;
    if (eng->n <= (size_t)eng->hole && eng->nrung + eng->ntop) {
        if (e->hole) {
            e->hole = false;
            heap_pop(e);
        }
        near_refill(e);
    }
    /* With the fired event's hole at heap[0], the next is its smallest child. */
    size_t m = eng->n ? near_min(eng) : 0;
    if (eng->hole)
        m = min_child(eng->heap, eng->n, 1);
    if (m >= eng->n)
        return NULL;
    const struct nevent *ne = &eng->nev[eng->heap[m].key & SLOT_MASK];
    return !eng->tombstones || eng->rec[ne->slot].state == REC_PENDING ? &ne->ev : NULL;
}
