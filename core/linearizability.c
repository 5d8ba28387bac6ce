/*
 * linearizability: Wing-Gong/Lowe search per key, with a (bitset, state) cache and a
 * shrinker for violations. Contract and models in linearizability.h.
 */
#include "core/linearizability.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

#ifdef LINZ_TEST_HOOKS
/* Test-only broken variant (tests/test_linearizability.c): every call before every return. */
static bool linz_ignore_realtime;
#endif

struct linz_history {
    enum linz_model model; /* register or set */
    struct linz_op *ops;   /* the ops, in the order added */
    size_t n, cap;         /* used and allocated */
};

struct linz_report {
    struct linz_key_result *keys; /* one per key, by key */
    size_t n;                     /* keys */
    const struct linz_history *h; /* for explanations (borrowed: must outlive the report) */
};

struct node {
    struct node *prev, *next; /* the list of entries still to linearize */
    struct node *match;       /* a call's return entry */
    size_t op;                /* index into the key's op array */
    bool is_call;             /* call or return entry */
};

struct cache {
    uint64_t *slot_hash;  /* hash of each slot; 0 = empty (hashes are forced non-zero) */
    uint64_t *slot_state; /* model state of each slot */
    size_t *slot_bits;    /* offset of its bitset in bits */
    size_t cap, used;     /* slots (a power of two) and filled slots */
    uint64_t *bits;       /* bitsets, words each */
    size_t bits_n, bits_cap;
    size_t words;  /* words per bitset */
    size_t budget; /* bytes the slots and bitsets may hold; 0 = no bound */
};

enum cache_status {
    CACHE_ADDED, /* a new (bitset, state) */
    CACHE_SEEN,  /* explored before */
    CACHE_FULL,  /* new, but storing it would exceed the byte budget */
};

/* One key's search: its ops, their call/return list, the budget. */
struct search {
    enum linz_model model;
    const struct linz_op *const *ops; /* the key's ops (pointers into the history) */
    size_t n;                         /* ops */
    const struct linz_limits *lim;
    uint64_t steps;     /* spent */
    const char *reason; /* UNKNOWN: which bound stopped it */
};

struct linz_history *linz_history_new(enum linz_model model)
{
    struct linz_history *h = xcalloc(1, sizeof(*h));
    h->model = model;
    return h;
}

void linz_history_free(struct linz_history *h)
{
    if (!h)
        return;
    free(h->ops);
    free(h);
}

static bool kind_fits(enum linz_model m, enum linz_kind k)
{
    if (m == LINZ_REGISTER)
        return k == LINZ_READ || k == LINZ_WRITE || k == LINZ_CAS;
    return k == LINZ_ADD || k == LINZ_REMOVE || k == LINZ_READ_SET;
}

const char *linz_history_add(struct linz_history *h, const struct linz_op *op)
{
    if (!kind_fits(h->model, op->kind))
        return h->model == LINZ_REGISTER ? "a set operation in a register history"
                                         : "a register operation in a set history";
    if ((op->kind == LINZ_ADD || op->kind == LINZ_REMOVE) && (op->value < 0 || op->value > 63))
        return "a set element must be in 0..63";
    if (op->result != LINZ_RESULT_INFO && op->complete < op->invoke)
        return "completes before it is invoked";
    XGROW(h->ops, h->cap, h->n + 1);
    h->ops[h->n++] = *op;
    return NULL;
}

size_t linz_history_count(const struct linz_history *h)
{
    return h->n;
}

const struct linz_op *linz_history_get(const struct linz_history *h, size_t i)
{
    assert(i < h->n);
    return &h->ops[i];
}

/* Apply op to *state; false if the op cannot take effect there with its recorded result. */
static bool model_step(enum linz_model m, uint64_t *state, const struct linz_op *op)
{
    bool info = op->result == LINZ_RESULT_INFO;
    (void)m;
    switch (op->kind) {
    case LINZ_READ:
    case LINZ_READ_SET:
        return *state == (uint64_t)op->value;
    case LINZ_WRITE:
        *state = (uint64_t)op->value;
        return true;
    case LINZ_CAS:
        if (*state != (uint64_t)op->value)
            return info; /* an info cas that did not match did nothing */
        *state = (uint64_t)op->value2;
        return true;
    case LINZ_ADD:
        *state |= UINT64_C(1) << op->value;
        return true;
    case LINZ_REMOVE:
        *state &= ~(UINT64_C(1) << op->value);
        return true;
    }
    return false;
}

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= UINT64_C(0xff51afd7ed558ccd);
    x ^= x >> 33;
    x *= UINT64_C(0xc4ceb9fe1a85ec53);
    x ^= x >> 33;
    return x;
}

static uint64_t cache_hash(const uint64_t *bits, size_t words, uint64_t state)
{
    uint64_t hsh = mix(state ^ UINT64_C(0x9e3779b97f4a7c15));
    for (size_t i = 0; i < words; i++)
        hsh = mix(hsh ^ bits[i]) + i;
    return hsh ? hsh : 1;
}

static void cache_init(struct cache *c, size_t words, size_t budget)
{
    memset(c, 0, sizeof(*c));
    c->words = words;
    c->budget = budget;
    c->cap = 64;
    c->slot_hash = xcalloc(c->cap, sizeof(uint64_t));
    c->slot_state = xcalloc(c->cap, sizeof(uint64_t));
    c->slot_bits = xcalloc(c->cap, sizeof(size_t));
}

static void cache_fini(struct cache *c)
{
    free(c->slot_hash);
    free(c->slot_state);
    free(c->slot_bits);
    free(c->bits);
}

static void cache_place(struct cache *c, uint64_t hsh, uint64_t state, size_t off)
{
    size_t i = hsh & (c->cap - 1);
    while (c->slot_hash[i])
        i = (i + 1) & (c->cap - 1);
    c->slot_hash[i] = hsh;
    c->slot_state[i] = state;
    c->slot_bits[i] = off;
}

static void cache_grow(struct cache *c)
{
    uint64_t *oh = c->slot_hash, *os = c->slot_state;
    size_t *ob = c->slot_bits, ocap = c->cap;
    c->cap *= 2;
    c->slot_hash = xcalloc(c->cap, sizeof(uint64_t));
    c->slot_state = xcalloc(c->cap, sizeof(uint64_t));
    c->slot_bits = xcalloc(c->cap, sizeof(size_t));
    for (size_t i = 0; i < ocap; i++)
        if (oh[i])
            cache_place(c, oh[i], os[i], ob[i]);
    free(oh);
    free(os);
    free(ob);
}

/* Bytes the cache holds with cap slots and bits_cap bitset words. */
static size_t cache_bytes(size_t cap, size_t bits_cap)
{
    return cap * (2 * sizeof(uint64_t) + sizeof(size_t)) + bits_cap * sizeof(uint64_t);
}

/* Add (bits, state), unless it was already there or the budget does not allow it. */
static enum cache_status cache_add(struct cache *c, const uint64_t *bits, uint64_t state)
{
    uint64_t hsh = cache_hash(bits, c->words, state);
    for (size_t i = hsh & (c->cap - 1); c->slot_hash[i]; i = (i + 1) & (c->cap - 1))
        if (c->slot_hash[i] == hsh && c->slot_state[i] == state &&
            memcmp(c->bits + c->slot_bits[i], bits, c->words * sizeof(uint64_t)) == 0)
            return CACHE_SEEN;
    bool grow = 2 * (c->used + 1) > c->cap;
    size_t need = c->bits_n + c->words, bits_cap = c->bits_cap;
    if (need > bits_cap)
        bits_cap = need > 2 * bits_cap ? need : 2 * bits_cap;
    /* the peak while growing: the old slot table and bitsets live beside the new ones */
    size_t peak = cache_bytes(grow ? 3 * c->cap : c->cap,
                              bits_cap != c->bits_cap ? bits_cap + c->bits_cap : bits_cap);
    if (c->budget && peak > c->budget)
        return CACHE_FULL;
    if (grow)
        cache_grow(c);
    if (bits_cap != c->bits_cap) {
        c->bits = xreallocarray(c->bits, bits_cap, sizeof(uint64_t));
        c->bits_cap = bits_cap;
    }
    memcpy(c->bits + c->bits_n, bits, c->words * sizeof(uint64_t));
    cache_place(c, hsh, state, c->bits_n);
    c->bits_n += c->words;
    c->used++;
    return CACHE_ADDED;
}

struct entry_key {
    uint64_t time; /* when */
    int is_ret;    /* calls (0) before returns (1) at equal times: they overlap */
    size_t op;     /* ties: op order, for determinism */
};

static int entry_cmp(const void *a, const void *b)
{
    const struct entry_key *x = a, *y = b;
    if (x->time != y->time)
        return x->time < y->time ? -1 : 1;
    if (x->is_ret != y->is_ret)
        return x->is_ret - y->is_ret;
    return x->op < y->op ? -1 : x->op > y->op;
}

static uint64_t return_time(const struct linz_op *op)
{
#ifdef LINZ_TEST_HOOKS
    if (linz_ignore_realtime)
        return UINT64_MAX;
#endif
    return op->result == LINZ_RESULT_INFO ? UINT64_MAX : op->complete;
}

/* Build the call/return list of s's ops after the sentinel head. */
static struct node *list_build(const struct search *s, struct node *head)
{
    size_t n = s->n;
    struct entry_key *k = xcalloc(2 * n + 1, sizeof(*k));
    struct node *nodes = xcalloc(2 * n + 1, sizeof(*nodes));
    for (size_t i = 0; i < n; i++) {
        k[2 * i] = (struct entry_key){s->ops[i]->invoke, 0, i};
        k[2 * i + 1] = (struct entry_key){return_time(s->ops[i]), 1, i};
    }
    qsort(k, 2 * n, sizeof(*k), entry_cmp);
    struct node *prev = head, **call_of = xcalloc(n + 1, sizeof(*call_of));
    for (size_t i = 0; i < 2 * n; i++) {
        struct node *e = &nodes[i];
        e->op = k[i].op;
        e->is_call = !k[i].is_ret;
        if (e->is_call)
            call_of[e->op] = e;
        else
            call_of[e->op]->match = e;
        e->prev = prev;
        prev->next = e;
        prev = e;
    }
    prev->next = NULL;
    free(call_of);
    free(k);
    return nodes;
}

static void lift(struct node *call)
{
    struct node *ret = call->match;
    call->prev->next = call->next;
    call->next->prev = call->prev; /* a call is always followed by at least its return */
    ret->prev->next = ret->next;
    if (ret->next)
        ret->next->prev = ret->prev;
}

static void unlift(struct node *call)
{
    struct node *ret = call->match;
    ret->prev->next = ret;
    if (ret->next)
        ret->next->prev = ret;
    call->prev->next = call;
    call->next->prev = call;
}

static bool out_of_budget(struct search *s)
{
    s->steps++;
    if (s->lim->max_steps && s->steps > s->lim->max_steps)
        s->reason = "the search step bound was reached";
    else if (s->lim->stop && (s->steps & 4095) == 0 && s->lim->stop(s->lim->stop_ctx))
        s->reason = "the time limit was reached";
    return s->reason != NULL;
}

struct frame {
    struct node *call; /* the linearized call */
    uint64_t state;    /* the state before it */
};

/* Lowe's algorithm over s's ops. */
static enum linz_verdict search_run(struct search *s)
{
    struct node head = {0};
    struct node *nodes = list_build(s, &head);
    size_t words = s->n / 64 + 1, depth = 0;
    uint64_t *bits = xcalloc(words, sizeof(uint64_t));
    struct frame *stack = xcalloc(s->n + 1, sizeof(*stack));
    struct cache cache;
    cache_init(&cache, words, s->lim->max_cache_bytes);
    uint64_t state = s->model == LINZ_REGISTER ? (uint64_t)s->lim->initial : 0;
    enum linz_verdict v = LINZ_LINEARIZABLE;
    struct node *e = head.next;
    while (head.next) {
        if (out_of_budget(s)) {
            v = LINZ_UNKNOWN;
            break;
        }
        if (e->is_call) {
            uint64_t next = state;
            size_t op = e->op;
            bool legal = model_step(s->model, &next, s->ops[op]);
            bits[op / 64] |= UINT64_C(1) << (op % 64);
            enum cache_status cs = legal ? cache_add(&cache, bits, next) : CACHE_SEEN;
            if (cs == CACHE_FULL) {
                s->reason = "the memo cache bound was reached";
                v = LINZ_UNKNOWN;
                break;
            }
            if (cs == CACHE_ADDED) {
                stack[depth++] = (struct frame){e, state};
                state = next;
                lift(e);
                e = head.next;
                continue;
            }
            bits[op / 64] &= ~(UINT64_C(1) << (op % 64));
            e = e->next;
            continue;
        }
        if (depth == 0) {
            v = LINZ_VIOLATION;
            break;
        }
        struct frame f = stack[--depth];
        state = f.state;
        bits[f.call->op / 64] &= ~(UINT64_C(1) << (f.call->op % 64));
        unlift(f.call);
        e = f.call->next;
    }
    cache_fini(&cache);
    free(stack);
    free(bits);
    free(nodes);
    return v;
}

/* Whether op takes part in the check (fail ops and info reads tell nothing). */
static bool op_counts(const struct linz_op *op)
{
    if (op->result == LINZ_RESULT_FAIL)
        return false;
    return !(op->result == LINZ_RESULT_INFO &&
             (op->kind == LINZ_READ || op->kind == LINZ_READ_SET));
}

static enum linz_verdict check_subset(const struct linz_history *h, const struct linz_limits *lim,
                                      const size_t *idx, size_t n, uint64_t *steps,
                                      const char **reason)
{
    const struct linz_op **ops = xcalloc(n + 1, sizeof(*ops));
    for (size_t i = 0; i < n; i++)
        ops[i] = &h->ops[idx[i]];
    struct search s = {h->model, ops, n, lim, 0, NULL};
    enum linz_verdict v = search_run(&s);
    if (steps)
        *steps = s.steps;
    if (reason)
        *reason = s.reason;
    free(ops);
    return v;
}

/* Whether every value read in idx[0..n) is the initial one or written by an op of the set
 * (so that a shrunk witness never fails merely because the write a read saw was dropped). */
static bool self_contained(const struct linz_history *h, const struct linz_limits *lim,
                           const size_t *idx, size_t n)
{
    uint64_t added = 0;
    for (size_t i = 0; i < n; i++)
        if (h->ops[idx[i]].kind == LINZ_ADD)
            added |= UINT64_C(1) << h->ops[idx[i]].value;
    for (size_t i = 0; i < n; i++) {
        const struct linz_op *r = &h->ops[idx[i]];
        if (r->kind == LINZ_READ_SET && ((uint64_t)r->value & ~added))
            return false;
        if ((r->kind != LINZ_READ && r->kind != LINZ_CAS) || r->value == lim->initial)
            continue;
        bool written = false;
        for (size_t j = 0; j < n && !written; j++) {
            const struct linz_op *w = &h->ops[idx[j]];
            written = (w->kind == LINZ_WRITE && w->value == r->value) ||
                      (w->kind == LINZ_CAS && w->value2 == r->value);
        }
        if (!written)
            return false;
    }
    return true;
}

/* Try dropping idx[from..from+len) of the violating set idx[0..*n): kept if the rest still
 * fails and stays self-contained. */
static bool drop_run(const struct linz_history *h, const struct linz_limits *lim, size_t *idx,
                     size_t *n, size_t *trial, size_t from, size_t len)
{
    size_t m = 0;
    for (size_t i = 0; i < *n; i++)
        if (i < from || i >= from + len)
            trial[m++] = idx[i];
    if (!self_contained(h, lim, trial, m) ||
        check_subset(h, lim, trial, m, NULL, NULL) != LINZ_VIOLATION)
        return false;
    memcpy(idx, trial, m * sizeof(*idx));
    *n = m;
    return true;
}

/*
 * Drop ops from the violating set idx[0..*n) while the rest still fails and stays
 * self-contained, until none can go (1-minimal), as delta debugging does: runs of n/2 ops
 * first, then n/4, ..., then single ops until a pass drops nothing. A run's history of
 * thousands of ops shrinks in O(k log n) checks (k: the witness) instead of O(n).
 */
static void shrink(const struct linz_history *h, const struct linz_limits *lim, size_t *idx,
                   size_t *n)
{
    size_t budget = lim->max_shrink_checks;
    size_t *trial = xcalloc(*n + 1, sizeof(*trial));
    for (size_t len = *n / 2; len > 1 && budget; len /= 2)
        for (size_t from = 0; from < *n && budget; budget--)
            if (!drop_run(h, lim, idx, n, trial, from, len < *n - from ? len : *n - from))
                from += len;
    bool changed = true;
    while (changed && budget) {
        changed = false;
        for (size_t drop = 0; drop < *n && budget; budget--) {
            if (drop_run(h, lim, idx, n, trial, drop, 1))
                changed = true;
            else
                drop++;
        }
    }
    free(trial);
}

struct keyed {
    int64_t key; /* the op's key */
    size_t i;    /* its index in the history */
};

static int keyed_cmp(const void *a, const void *b)
{
    const struct keyed *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

static const char *violation_reason(enum linz_model m)
{
    return m == LINZ_REGISTER ? "no order of these operations that respects real time is a "
                                "legal register history"
                              : "no order of these operations that respects real time is a "
                                "legal set history";
}

static void check_key(const struct linz_history *h, const struct linz_limits *lim, size_t *idx,
                      size_t n, struct linz_key_result *out)
{
    out->n_ops = n;
    out->verdict = check_subset(h, lim, idx, n, &out->steps, &out->reason);
    if (out->verdict != LINZ_VIOLATION)
        return;
    out->reason = violation_reason(h->model);
    out->witness = xcalloc(n + 1, sizeof(size_t));
    memcpy(out->witness, idx, n * sizeof(size_t));
    out->n_witness = n;
    shrink(h, lim, out->witness, &out->n_witness);
}

struct linz_report *linz_check(const struct linz_history *h, const struct linz_limits *lim)
{
    struct linz_report *r = xcalloc(1, sizeof(*r));
    size_t *idx = xcalloc(h->n + 1, sizeof(*idx)), n = 0, cap = 0;
    struct keyed *order = xcalloc(h->n + 1, sizeof(*order));
    for (size_t i = 0; i < h->n; i++)
        order[i] = (struct keyed){h->ops[i].key, i};
    qsort(order, h->n, sizeof(*order), keyed_cmp);
    for (size_t i = 0; i < h->n; i++)
        idx[i] = order[i].i;
    free(order);
    for (size_t lo = 0, hi; lo < h->n; lo = hi) {
        int64_t key = h->ops[idx[lo]].key;
        size_t m = 0;
        for (hi = lo; hi < h->n && h->ops[idx[hi]].key == key; hi++)
            if (op_counts(&h->ops[idx[hi]]))
                idx[lo + m++] = idx[hi];
        XGROW(r->keys, cap, n + 1);
        r->keys[n] = (struct linz_key_result){.key = key};
        check_key(h, lim, idx + lo, m, &r->keys[n]);
        n++;
    }
    free(idx);
    r->n = n;
    r->h = h;
    return r;
}

void linz_report_free(struct linz_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        free(r->keys[i].witness);
    free(r->keys);
    free(r);
}

size_t linz_report_count(const struct linz_report *r)
{
    return r->n;
}

const struct linz_key_result *linz_report_get(const struct linz_report *r, size_t i)
{
    assert(i < r->n);
    return &r->keys[i];
}

enum linz_verdict linz_report_verdict(const struct linz_report *r)
{
    enum linz_verdict v = LINZ_LINEARIZABLE;
    for (size_t i = 0; i < r->n; i++)
        if (r->keys[i].verdict > v)
            v = r->keys[i].verdict;
    return v;
}

const char *linz_kind_name(enum linz_kind k)
{
    static const char *const names[] = {"read", "write", "cas", "add", "remove", "read_set"};
    return names[k];
}

const char *linz_result_name(enum linz_result r)
{
    static const char *const names[] = {"ok", "fail", "info"};
    return names[r];
}

const char *linz_verdict_name(enum linz_verdict v)
{
    static const char *const names[] = {"linearizable", "unknown", "violation"};
    return names[v];
}

static void explain_op(const struct linz_op *op, size_t index,
                       void (*emit)(void *ctx, const char *line), void *ctx)
{
    char line[256], done[32], val[64];
    if (op->result == LINZ_RESULT_INFO)
        snprintf(done, sizeof(done), "?");
    else
        snprintf(done, sizeof(done), "%" PRIu64, op->complete);
    if (op->kind == LINZ_CAS)
        snprintf(val, sizeof(val), "%" PRId64 "->%" PRId64, op->value, op->value2);
    else if (op->kind == LINZ_READ_SET)
        snprintf(val, sizeof(val), "0x%" PRIx64, (uint64_t)op->value);
    else
        snprintf(val, sizeof(val), "%" PRId64, op->value);
    snprintf(line, sizeof(line), "  op %zu: client %" PRIu32 " [%" PRIu64 " ns, %s ns] %s %s %s\n",
             index, op->client, op->invoke, done, linz_kind_name(op->kind), val,
             linz_result_name(op->result));
    emit(ctx, line);
}

void linz_report_explain(const struct linz_report *r, size_t i,
                         void (*emit)(void *ctx, const char *line), void *ctx)
{
    const struct linz_key_result *k = linz_report_get(r, i);
    char line[512];
    snprintf(line, sizeof(line), "key %" PRId64 ": %s (%zu ops, %" PRIu64 " steps)%s%s\n", k->key,
             linz_verdict_name(k->verdict), k->n_ops, k->steps, k->reason ? ": " : "",
             k->reason ? k->reason : "");
    emit(ctx, line);
    if (k->verdict != LINZ_VIOLATION)
        return;
    snprintf(line, sizeof(line), "  smallest failing sub-history found: %zu of %zu ops\n",
             k->n_witness, k->n_ops);
    emit(ctx, line);
    for (size_t w = 0; w < k->n_witness; w++)
        explain_op(&r->h->ops[k->witness[w]], k->witness[w], emit, ctx);
}
