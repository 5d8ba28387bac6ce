/* Tests for sim/engine/engine: ordering, ties, cancellation, horizon, stop, pool reuse. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "core/xalloc.h"
#include "sim/engine/engine.h"
#include "sim/engine/refheap.h"
#include "sim/engine/rng.h"

/* A log of fired events: (time, a) pairs. */
struct log {
    size_t n;
    sim_time t[1 << 16];
    uint64_t a[1 << 16];
};

static void record(struct sim_engine *eng, const struct sim_event *ev)
{
    struct log *lg = ev->ctx;
    cr_assert_lt(lg->n, sizeof(lg->t) / sizeof(lg->t[0]));
    lg->t[lg->n] = sim_now(eng);
    lg->a[lg->n++] = ev->a;
}

static struct log *log_new(void)
{
    return calloc(1, sizeof(struct log));
}

static sim_event_id at(struct sim_engine *eng, sim_time t, struct log *lg, uint64_t a)
{
    struct sim_event ev = {.fn = record, .ctx = lg, .a = a};
    return sim_schedule_at(eng, t, &ev);
}

Test(engine, events_fire_in_time_order)
{
    struct sim_engine *eng = sim_engine_new();
    struct log *lg = log_new();
    static const sim_time times[] = {50, 10, 40, 20, 30, 0, 60};
    for (uint64_t i = 0; i < 7; i++)
        at(eng, times[i], lg, i);
    cr_expect_eq(sim_run(eng, SIM_TIME_MAX), 7);
    static const uint64_t order[] = {5, 1, 3, 4, 2, 0, 6};
    for (size_t i = 0; i < 7; i++)
        cr_expect_eq(lg->a[i], order[i], "position %zu", i);
    cr_expect_eq(sim_now(eng), 60);
    free(lg);
    sim_engine_free(eng);
}

Test(engine, equal_times_fire_in_schedule_order)
{
    struct sim_engine *eng = sim_engine_new();
    struct log *lg = log_new();
    /* 3000 events over 3 distinct times, interleaved, so the heap reorders them heavily. */
    struct rng r;
    rng_init(&r, 1, RNG_TEST, 0);
    for (uint64_t i = 0; i < 3000; i++)
        at(eng, 100 * rng_below(&r, 3), lg, i);
    sim_run(eng, SIM_TIME_MAX);
    cr_assert_eq(lg->n, 3000);
    for (size_t i = 1; i < lg->n; i++) {
        cr_assert_leq(lg->t[i - 1], lg->t[i]);
        if (lg->t[i - 1] == lg->t[i])
            cr_assert_lt(lg->a[i - 1], lg->a[i], "tie at %llu out of schedule order",
                         (unsigned long long)lg->t[i]);
    }
    free(lg);
    sim_engine_free(eng);
}

/* A handler that schedules event a+1 at the same time (until 5), after the others. */
/* One bucket gets 600 events within 200 ns of each other, in random order with ties, at
 * 2^30 ns (with one event at 0, the rung's buckets are 2^27 ns wide): sorting them by
 * sub-range leaves nearly everything to the insertion sort, which gives up for a heap. */
Test(engine, a_bucket_of_bunched_times_fires_in_time_then_schedule_order)
{
    struct sim_engine *eng = sim_engine_new();
    struct log *lg = log_new();
    struct rng r;
    rng_init(&r, 7, RNG_TEST, 0);
    at(eng, 0, lg, 0);
    for (uint64_t i = 1; i <= 600; i++)
        at(eng, (UINT64_C(1) << 30) + rng_below(&r, 200), lg, i);
    cr_assert_eq(sim_run(eng, SIM_TIME_MAX), 601);
    for (size_t i = 1; i < lg->n; i++) {
        cr_assert_leq(lg->t[i - 1], lg->t[i], "position %zu", i);
        if (lg->t[i - 1] == lg->t[i])
            cr_assert_lt(lg->a[i - 1], lg->a[i], "tie at position %zu out of schedule order", i);
    }
    free(lg);
    sim_engine_free(eng);
}

static void chain_now(struct sim_engine *eng, const struct sim_event *ev)
{
    record(eng, ev);
    if (ev->a < 5) {
        struct sim_event next = *ev;
        next.a = ev->a + 10;
        sim_schedule_after(eng, 0, &next);
    }
}

Test(engine, an_event_scheduled_at_now_fires_after_those_already_due)
{
    struct sim_engine *eng = sim_engine_new();
    struct log *lg = log_new();
    struct sim_event ev = {.fn = chain_now, .ctx = lg, .a = 0};
    sim_schedule_at(eng, 7, &ev);
    at(eng, 7, lg, 1);
    at(eng, 7, lg, 2);
    sim_run(eng, SIM_TIME_MAX);
    cr_assert_eq(lg->n, 4);
    cr_expect_eq(lg->a[0], 0);
    cr_expect_eq(lg->a[1], 1);
    cr_expect_eq(lg->a[2], 2);
    cr_expect_eq(lg->a[3], 10);
    free(lg);
    sim_engine_free(eng);
}

Test(engine, a_cancelled_event_never_fires)
{
    struct sim_engine *eng = sim_engine_new();
    struct log *lg = log_new();
    at(eng, 10, lg, 0);
    sim_event_id id = at(eng, 20, lg, 1);
    at(eng, 30, lg, 2);
    cr_expect_eq(sim_pending(eng), 3);
    cr_expect(sim_cancel(eng, id));
    cr_expect_eq(sim_pending(eng), 2);
    cr_expect_not(sim_cancel(eng, id), "a second cancel must fail");
    sim_run(eng, SIM_TIME_MAX);
    cr_assert_eq(lg->n, 2);
    cr_expect_eq(lg->a[0], 0);
    cr_expect_eq(lg->a[1], 2);
    cr_expect_eq(sim_fired(eng), 2);
    free(lg);
    sim_engine_free(eng);
}

Test(engine, cancelling_a_fired_stale_or_bogus_handle_fails)
{
    struct sim_engine *eng = sim_engine_new();
    struct log *lg = log_new();
    sim_event_id fired = at(eng, 1, lg, 0);
    sim_run(eng, SIM_TIME_MAX);
    cr_expect_not(sim_cancel(eng, fired), "already fired");
    /* The slot is reused by the next schedule: the old handle must stay stale. */
    sim_event_id reused = at(eng, 2, lg, 1);
    cr_expect_eq((uint32_t)reused, (uint32_t)fired, "the freed slot is reused");
    cr_expect_neq(reused, fired);
    cr_expect_not(sim_cancel(eng, fired), "stale handle cancelled the new event");
    cr_expect_eq(sim_pending(eng), 1);
    cr_expect_not(sim_cancel(eng, 0));
    cr_expect_not(sim_cancel(eng, 0xffffffffull));
    cr_expect_not(sim_cancel(eng, ~0ull));
    cr_expect(sim_cancel(eng, reused));
    free(lg);
    sim_engine_free(eng);
}

/* Cancels the event whose handle is in b, then records. */
static void cancel_other(struct sim_engine *eng, const struct sim_event *ev)
{
    cr_expect(sim_cancel(eng, ev->b));
    record(eng, ev);
}

Test(engine, a_handler_can_cancel_a_later_event)
{
    struct sim_engine *eng = sim_engine_new();
    struct log *lg = log_new();
    sim_event_id later = at(eng, 20, lg, 1);
    struct sim_event ev = {.fn = cancel_other, .ctx = lg, .a = 0, .b = later};
    sim_schedule_at(eng, 10, &ev);
    sim_run(eng, SIM_TIME_MAX);
    cr_expect_eq(lg->n, 1);
    cr_expect_eq(sim_pending(eng), 0);
    free(lg);
    sim_engine_free(eng);
}

Test(engine, run_stops_at_the_horizon_and_resumes)
{
    struct sim_engine *eng = sim_engine_new();
    struct log *lg = log_new();
    for (uint64_t i = 1; i <= 10; i++)
        at(eng, i * 10, lg, i);
    cr_expect_eq(sim_run(eng, 50), 5, "the event at the horizon fires");
    cr_expect_eq(sim_now(eng), 50);
    cr_expect_eq(sim_run(eng, 55), 0);
    cr_expect_eq(sim_now(eng), 55, "the clock moves to a finite horizon");
    cr_expect_eq(sim_pending(eng), 5);
    cr_expect_eq(sim_run(eng, SIM_TIME_MAX), 5);
    cr_expect_eq(sim_now(eng), 100, "the clock stays at the last event");
    cr_expect_eq(sim_run(eng, 1000), 0);
    cr_expect_eq(sim_now(eng), 100, "an empty queue leaves the clock alone");
    free(lg);
    sim_engine_free(eng);
}

static void stopper(struct sim_engine *eng, const struct sim_event *ev)
{
    record(eng, ev);
    sim_stop(eng);
}

Test(engine, stop_returns_after_the_current_event)
{
    struct sim_engine *eng = sim_engine_new();
    struct log *lg = log_new();
    at(eng, 1, lg, 0);
    struct sim_event ev = {.fn = stopper, .ctx = lg, .a = 1};
    sim_schedule_at(eng, 2, &ev);
    at(eng, 3, lg, 2);
    cr_expect_eq(sim_run(eng, 100), 2);
    cr_expect_eq(sim_now(eng), 2);
    cr_expect_eq(sim_run(eng, 100), 1);
    free(lg);
    sim_engine_free(eng);
}

Test(engine, step_fires_one_event_up_to_the_horizon)
{
    struct sim_engine *eng = sim_engine_new();
    struct log *lg = log_new();
    at(eng, 5, lg, 0);
    at(eng, 9, lg, 1);
    cr_expect(sim_step(eng, 7));
    cr_expect_eq(sim_now(eng), 5);
    cr_expect_not(sim_step(eng, 7));
    cr_expect(sim_step(eng, SIM_TIME_MAX));
    cr_expect_not(sim_step(eng, SIM_TIME_MAX));
    cr_expect_eq(lg->n, 2);
    free(lg);
    sim_engine_free(eng);
}

Test(engine, schedule_after_is_relative_and_saturates)
{
    struct sim_engine *eng = sim_engine_new();
    struct log *lg = log_new();
    at(eng, 100, lg, 0);
    sim_run(eng, SIM_TIME_MAX);
    struct sim_event ev = {.fn = record, .ctx = lg, .a = 1};
    sim_schedule_after(eng, 25, &ev);
    sim_schedule_after(eng, SIM_TIME_MAX - 10, &ev);
    sim_run(eng, SIM_TIME_MAX);
    cr_assert_eq(lg->n, 3);
    cr_expect_eq(lg->t[1], 125);
    cr_expect_eq(lg->t[2], SIM_TIME_MAX);
    free(lg);
    sim_engine_free(eng);
}

/* Reschedules itself after 1 ns until a reaches 0. */
static void countdown(struct sim_engine *eng, const struct sim_event *ev)
{
    if (ev->a == 0)
        return;
    struct sim_event next = *ev;
    next.a--;
    sim_schedule_after(eng, 1, &next);
}

Test(engine, fired_slots_are_reused_from_the_pool)
{
    struct sim_engine *eng = sim_engine_new();
    for (int k = 0; k < 8; k++) {
        struct sim_event ev = {.fn = countdown, .a = 100000};
        sim_schedule_at(eng, 0, &ev);
    }
    cr_expect_eq(sim_run(eng, SIM_TIME_MAX), 8 * 100001);
    cr_expect_eq(sim_peak_pending(eng), 8);
    cr_expect_leq(sim_pool_size(eng), 9, "pool grew to %zu records for 8 pending events",
                  sim_pool_size(eng));
    sim_engine_free(eng);
    sim_engine_free(NULL);
}

Test(engine, mass_cancellation_compacts_and_keeps_order)
{
    struct sim_engine *eng = sim_engine_new();
    struct log *lg = log_new();
    enum { M = 20000 };
    static sim_event_id ids[M];
    for (uint64_t i = 0; i < M; i++)
        ids[i] = at(eng, i % 7, lg, i);
    for (uint64_t i = 0; i < M; i++)
        if (i % 10 != 0)
            cr_assert(sim_cancel(eng, ids[i]));
    cr_expect_eq(sim_pending(eng), M / 10);
    sim_run(eng, SIM_TIME_MAX);
    cr_assert_eq(lg->n, M / 10);
    for (size_t i = 1; i < lg->n; i++)
        cr_assert(lg->t[i - 1] < lg->t[i] || (lg->t[i - 1] == lg->t[i] && lg->a[i - 1] < lg->a[i]));
    cr_expect_leq(sim_pool_size(eng), M);
    free(lg);
    sim_engine_free(eng);
}

Test(engine, explicit_compaction_keeps_tie_order_and_handles)
{
    struct sim_engine *eng = sim_engine_new();
    struct log *lg = log_new();
    sim_event_id ids[100];
    for (uint64_t i = 0; i < 100; i++)
        ids[i] = at(eng, 5 - i % 3, lg, i);
    cr_expect(sim_cancel(eng, ids[3]));
    sim_compact(eng);
    cr_expect(sim_cancel(eng, ids[4]), "live handles survive compaction");
    at(eng, 3, lg, 100);
    sim_run(eng, SIM_TIME_MAX);
    cr_assert_eq(lg->n, 99);
    for (size_t i = 1; i < lg->n; i++)
        cr_assert(lg->t[i - 1] < lg->t[i] || (lg->t[i - 1] == lg->t[i] && lg->a[i - 1] < lg->a[i]));
    cr_expect_eq(lg->a[lg->n - 1], 99, "last of the time-5 events");
    free(lg);
    sim_engine_free(eng);
}

/*
 * Random operations checked against a reference: an array scanned for the minimum
 * (time, schedule index). Times come from a small range so ties are frequent.
 */
struct ref {
    sim_time t;
    uint64_t seq;
    sim_event_id id;
    bool live;
};

static size_t ref_next(struct ref *ref, size_t n)
{
    size_t best = SIZE_MAX;
    for (size_t i = 0; i < n; i++)
        if (ref[i].live && (best == SIZE_MAX || ref[i].t < ref[best].t ||
                            (ref[i].t == ref[best].t && ref[i].seq < ref[best].seq)))
            best = i;
    return best;
}

Test(engine, random_schedule_cancel_step_matches_a_reference)
{
    enum { OPS = 20000 };
    static struct ref ref[OPS];
    size_t nref = 0;
    struct sim_engine *eng = sim_engine_new();
    struct log *lg = log_new();
    struct rng r;
    rng_init(&r, 7, RNG_TEST, 0);
    for (int op = 0; op < OPS; op++) {
        uint64_t what = rng_below(&r, 10);
        if (what < 5) {
            sim_time t = sim_now(eng) + rng_below(&r, 20);
            ref[nref] = (struct ref){t, nref, at(eng, t, lg, nref), true};
            nref++;
        } else if (what < 7 && nref) {
            size_t k = (size_t)rng_below(&r, nref);
            cr_assert_eq(sim_cancel(eng, ref[k].id), ref[k].live, "cancel %zu", k);
            ref[k].live = false;
        } else {
            size_t k = ref_next(ref, nref);
            size_t before = lg->n;
            cr_assert_eq(sim_step(eng, SIM_TIME_MAX), k != SIZE_MAX);
            if (k == SIZE_MAX)
                continue;
            cr_assert_eq(lg->n, before + 1);
            cr_assert_eq(lg->a[before], k, "fired %llu, reference %zu",
                         (unsigned long long)lg->a[before], k);
            ref[k].live = false;
            lg->n = 0;
        }
        size_t live = 0;
        for (size_t i = 0; i < nref; i++)
            live += ref[i].live;
        cr_assert_eq(sim_pending(eng), live);
    }
    free(lg);
    sim_engine_free(eng);
}

/* A little model: each event draws a delay and a fan-out from stream a, logs to the buffer. */
struct model {
    struct rng rng[8];
    char buf[1 << 16];
    size_t len;
};

static void model_event(struct sim_engine *eng, const struct sim_event *ev)
{
    struct model *m = ev->ctx;
    struct rng *r = &m->rng[ev->a];
    if (m->len + 64 < sizeof(m->buf))
        m->len += (size_t)snprintf(m->buf + m->len, sizeof(m->buf) - m->len, "%llu %llu\n",
                                   (unsigned long long)sim_now(eng), (unsigned long long)ev->a);
    uint64_t fan = 1 + rng_below(r, 2);
    for (uint64_t i = 0; i < fan && sim_pending(eng) < 50; i++) {
        struct sim_event next = {.fn = model_event, .ctx = m, .a = rng_below(r, 8)};
        sim_schedule_after(eng, rng_below(r, 4), &next);
    }
}

static void model_run(struct model *m)
{
    memset(m, 0, sizeof(*m));
    struct sim_engine *eng = sim_engine_new();
    for (uint64_t i = 0; i < 8; i++) {
        rng_init(&m->rng[i], 11, RNG_TEST, i);
        struct sim_event ev = {.fn = model_event, .ctx = m, .a = i};
        sim_schedule_at(eng, 0, &ev);
    }
    sim_run(eng, 3000);
    sim_engine_free(eng);
}

Test(engine, repeat_runs_are_byte_identical)
{
    static struct model a, b;
    model_run(&a);
    model_run(&b);
    cr_assert_gt(a.len, 1000);
    cr_expect_eq(a.len, b.len);
    cr_expect(memcmp(a.buf, b.buf, a.len) == 0);
}

Test(engine, peek_shows_the_next_live_event)
{
    struct sim_engine *eng = sim_engine_new();
    struct log *lg = log_new();
    cr_expect_null(sim_peek(eng));
    sim_event_id first = at(eng, 5, lg, 1);
    at(eng, 5, lg, 2);
    at(eng, 3, lg, 3);
    cr_assert_not_null(sim_peek(eng));
    cr_expect_eq(sim_peek(eng)->a, 3);
    sim_step(eng, SIM_TIME_MAX);
    cr_expect_eq(sim_peek(eng)->a, 1, "ties: the first scheduled comes next");
    cr_expect(sim_cancel(eng, first));
    cr_expect_null(sim_peek(eng), "a cancelled top is not shown");
    sim_step(eng, SIM_TIME_MAX);
    cr_expect_eq(lg->a[1], 2);
    cr_expect_null(sim_peek(eng));
    free(lg);
    sim_engine_free(eng);
}

Test(engine, huge_blocks_are_zeroed_writable_and_start_on_a_2_mib_boundary_small_ones_on_a_line)
{
    const size_t huge = (size_t)2 << 20;
    /* below, at and just above the 2 MiB threshold, and an odd element size */
    const size_t counts[] = {1, 3, 17, huge / 8 - 1, huge / 8, huge / 8 + 1, 3 * huge / 8 + 5};
    for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
        size_t n = counts[i];
        uint64_t *p = xhuge_calloc(n, sizeof(uint64_t));
        cr_assert_not_null(p);
        cr_assert_eq(xhuge_is_mapping(n, sizeof(uint64_t)), n * sizeof(uint64_t) >= huge,
                     "xhuge_is_mapping wrong for %zu words", n);
        if (n * sizeof(uint64_t) >= huge)
            cr_assert_eq((uintptr_t)p % huge, 0, "block of %zu words not 2 MiB-aligned", n);
        else /* small blocks start a cache line (struct cnode relies on it) */
            cr_assert_eq((uintptr_t)p % 64, 0, "block of %zu words not 64-byte aligned", n);
        for (size_t j = 0; j < n; j++)
            cr_assert_eq(p[j], 0, "word %zu of %zu not zero", j, n);
        for (size_t j = 0; j < n; j++)
            p[j] = j;
        cr_assert_eq(p[n - 1], n - 1);
        xhuge_free(p, n, sizeof(uint64_t));
    }
    char *odd = xhuge_calloc(huge / 24 + 7, 24);
    odd[(huge / 24 + 7) * 24 - 1] = 1;
    xhuge_free(odd, huge / 24 + 7, 24);
    xhuge_free(NULL, huge, 1); /* a no-op */
}

Test(engine, xhuge_grow_keeps_the_contents_across_the_2_mib_threshold_and_zeroes_the_tail)
{
    uint32_t *p = NULL;
    size_t cap = 0, len = 0;
    /* from a malloc block through several mappings: 3 Mi elements of 4 bytes = 12 MiB */
    for (uint32_t i = 0; i < (3u << 20); i++) {
        XHUGE_GROW(p, cap, len + 1);
        cr_assert_geq(cap, len + 1);
        if (cap > 8 && len == cap / 2) { /* just grown: the new half reads zero */
            for (size_t j = len; j < cap; j++)
                cr_assert_eq(p[j], 0, "element %zu of a grown block of %zu not zero", j, cap);
        }
        p[len++] = i * 2654435761u;
    }
    for (uint32_t i = 0; i < len; i++)
        cr_assert_eq(p[i], i * 2654435761u, "element %u lost in a move", i);
    cr_expect_eq(cap, (size_t)4 << 20, "capacity doubles from 8: 4 Mi for 3 Mi elements");
    xhuge_free(p, cap, sizeof(*p));
}

static void noop_fn(struct sim_engine *eng, const struct sim_event *ev)
{
    (void)eng;
    (void)ev;
}

struct advance_probe {
    sim_time to[4];
    bool ok[4];
    sim_time now_after[4];
    size_t n;
};

static void advance_handler(struct sim_engine *eng, const struct sim_event *ev)
{
    struct advance_probe *p = ev->ctx;
    for (size_t i = 0; i < p->n; i++) {
        p->ok[i] = sim_advance_to(eng, p->to[i]);
        p->now_after[i] = sim_now(eng);
    }
}

Test(engine, advance_to_moves_the_clock_only_before_every_pending_event_and_the_horizon)
{
    struct sim_engine *eng = sim_engine_new();
    struct advance_probe p = {.to = {15, 19, 20, 25}, .n = 4};
    struct sim_event a = {.fn = advance_handler, .ctx = &p};
    struct sim_event later = {.fn = advance_handler, .ctx = &(struct advance_probe){.n = 0}};
    sim_schedule_at(eng, 10, &a);
    sim_schedule_at(eng, 20, &later);
    cr_assert_not(sim_advance_to(eng, 11), "outside a handler");
    cr_assert_eq(sim_now(eng), 0);
    sim_run(eng, SIM_TIME_MAX);
    cr_assert(p.ok[0] && p.now_after[0] == 15);
    cr_assert(p.ok[1] && p.now_after[1] == 19);
    cr_assert(!p.ok[2] && p.now_after[2] == 19, "an event is pending at 20");
    cr_assert(!p.ok[3] && p.now_after[3] == 19, "an event is pending before 25");
    cr_assert_eq(sim_fired(eng), 2);
    cr_assert_eq(sim_now(eng), 20);

    /* the horizon of the run bounds it */
    struct advance_probe q = {.to = {29, 31}, .n = 2};
    struct sim_event b = {.fn = advance_handler, .ctx = &q};
    sim_schedule_at(eng, 25, &b);
    sim_event_id gone = sim_schedule_at(eng, 40, &later);
    sim_run(eng, 30);
    cr_assert(q.ok[0] && q.now_after[0] == 29);
    cr_assert(!q.ok[1] && q.now_after[1] == 29, "31 is beyond the horizon 30");
    cr_assert(sim_cancel(eng, gone));
    sim_engine_free(eng);
}

/* sim_advance_to remembers how far it may go without looking (the earliest pending time it
 * last found): an event scheduled after that, or sim_stop, must still stop it. */
struct advance_then {
    bool ok[5];
};

static void advance_then_handler(struct sim_engine *eng, const struct sim_event *ev)
{
    struct advance_then *p = ev->ctx;
    struct sim_event none = {.fn = noop_fn};
    p->ok[0] = sim_advance_to(eng, 15); /* pending at 20: may go below 20 unseen */
    sim_schedule_at(eng, 17, &none);
    p->ok[1] = sim_advance_to(eng, 16);
    p->ok[2] = sim_advance_to(eng, 18); /* 17 is pending now */
    sim_stop(eng);
    p->ok[3] = sim_advance_to(eng, 16); /* stopped */
}

Test(engine, advance_to_sees_events_scheduled_after_it_looked_and_a_stop)
{
    struct sim_engine *eng = sim_engine_new();
    struct advance_then p = {0};
    struct sim_event a = {.fn = advance_then_handler, .ctx = &p}, none = {.fn = noop_fn};
    sim_schedule_at(eng, 10, &a);
    sim_schedule_at(eng, 20, &none);
    sim_run(eng, SIM_TIME_MAX);
    cr_assert(p.ok[0] && p.ok[1]);
    cr_assert_not(p.ok[2], "an event scheduled at 17 after the clock went to 15");
    cr_assert_not(p.ok[3], "the run was stopped");
    cr_assert_eq(sim_now(eng), 16);
    cr_assert_not(sim_advance_to(eng, 16), "outside a run");
    /* sim_step: inside its one event, and not after it (a run clears the stop first) */
    sim_run(eng, 16);
    struct advance_probe q = {.to = {19}, .n = 1};
    struct sim_event b = {.fn = advance_handler, .ctx = &q};
    sim_schedule_at(eng, 18, &b);
    cr_assert(sim_step(eng, SIM_TIME_MAX)); /* fires the event at 17 */
    cr_assert(sim_step(eng, SIM_TIME_MAX));
    cr_assert(q.ok[0] && q.now_after[0] == 19);
    cr_assert_not(sim_advance_to(eng, 19), "after sim_step returned");
    sim_engine_free(eng);
}

/* --- event kinds and the fingerprint ------------------------------------------------ */

static void noop(struct sim_engine *eng, const struct sim_event *ev)
{
    (void)eng;
    (void)ev;
}

static void noop2(struct sim_engine *eng, const struct sim_event *ev)
{
    (void)eng;
    (void)ev;
}

/* Every record the tap sees. */
struct tape {
    size_t n;
    struct sim_record r[64];
};

static void tape_rec(void *ctx, const struct sim_engine *eng, const struct sim_record *r)
{
    (void)eng;
    struct tape *t = ctx;
    cr_assert_lt(t->n, 64);
    t->r[t->n++] = *r;
}

/* Fire events (time, handler, a, c, d) on a fresh engine where `first` is kind 1, `second`
 * kind 2; returns the fingerprint and fills tape when given. */
struct spec {
    sim_time t;
    int which; /* 1 or 2 */
    uint64_t a;
    uint32_t c, d;
};

static uint64_t fingerprint_of(const struct spec *s, size_t n, sim_event_fn *first,
                               sim_event_fn *second, struct tape *tape)
{
    struct sim_engine *eng = sim_engine_new();
    const struct sim_kind kinds[] = {
        {.fn = first, .name = "first", .target = SIM_TARGET_A},
        {.fn = second, .name = "second", .target = SIM_TARGET_D},
    };
    sim_engine_kinds(eng, kinds, 2);
    if (tape)
        sim_engine_tap(eng, tape_rec, tape);
    for (size_t i = 0; i < n; i++) {
        struct sim_event ev = {
            .fn = s[i].which == 1 ? first : second, .a = s[i].a, .c = s[i].c, .d = s[i].d};
        sim_schedule_at(eng, s[i].t, &ev);
    }
    sim_run(eng, SIM_TIME_MAX);
    cr_assert_eq(sim_fingerprint_events(eng), n);
    uint64_t fp = sim_fingerprint(eng);
    sim_engine_free(eng);
    return fp;
}

static const struct spec base_stream[] = {
    {10, 1, 3, 0, 0}, {10, 2, 0, 7, 4}, {25, 1, 5, 0, 0}, {40, 2, 9, 1, 2}, {40, 1, 0, 0, 0},
};
#define NBASE (sizeof(base_stream) / sizeof(base_stream[0]))

Test(engine, the_tap_sees_time_kind_and_the_registered_target_of_every_event_in_order)
{
    struct tape t = {0};
    fingerprint_of(base_stream, NBASE, noop, noop2, &t);
    cr_assert_eq(t.n, NBASE);
    /* kind 1 targets field a, kind 2 field d */
    static const struct sim_record want[] = {
        {10, 1, 3}, {10, 2, 4}, {25, 1, 5}, {40, 2, 2}, {40, 1, 0}};
    for (size_t i = 0; i < NBASE; i++) {
        cr_expect_eq(t.r[i].time, want[i].time, "record %zu", i);
        cr_expect_eq(t.r[i].kind, want[i].kind, "record %zu", i);
        cr_expect_eq(t.r[i].target, want[i].target, "record %zu", i);
    }
}

Test(engine, the_fingerprint_changes_with_any_one_time_kind_or_target)
{
    uint64_t fp = fingerprint_of(base_stream, NBASE, noop, noop2, NULL);
    cr_assert_eq(fingerprint_of(base_stream, NBASE, noop, noop2, NULL), fp, "repeatable");
    struct spec s[NBASE];
    for (size_t i = 0; i < NBASE; i++) {
        memcpy(s, base_stream, sizeof(s));
        s[i].t += 1;
        cr_expect_neq(fingerprint_of(s, NBASE, noop, noop2, NULL), fp, "time of %zu", i);
        memcpy(s, base_stream, sizeof(s));
        s[i].which = 3 - s[i].which;
        cr_expect_neq(fingerprint_of(s, NBASE, noop, noop2, NULL), fp, "kind of %zu", i);
        memcpy(s, base_stream, sizeof(s));
        s[i].a ^= 1;
        s[i].d ^= 1;
        cr_expect_neq(fingerprint_of(s, NBASE, noop, noop2, NULL), fp, "target of %zu", i);
        memcpy(s, base_stream, sizeof(s));
        s[i].c += 100; /* not a target of either kind */
        if (s[i].which == 2)
            s[i].a += 100;
        cr_expect_eq(fingerprint_of(s, NBASE, noop, noop2, NULL), fp, "payload of %zu", i);
    }
    /* an extra event at the end, or one fewer, changes it too */
    cr_expect_neq(fingerprint_of(base_stream, NBASE - 1, noop, noop2, NULL), fp);
}

Test(engine, the_fingerprint_depends_on_kind_numbers_not_handler_addresses)
{
    /* The same stream with the two handlers swapped (so every address differs) but
     * registered in the same order has the same fingerprint. */
    struct spec s[NBASE];
    memcpy(s, base_stream, sizeof(s));
    cr_assert_eq(fingerprint_of(s, NBASE, noop, noop2, NULL),
                 fingerprint_of(s, NBASE, noop2, noop, NULL));
}

Test(engine, kinds_are_numbered_in_registration_order_and_unregistered_ones_when_first_fired)
{
    struct sim_engine *eng = sim_engine_new();
    const struct sim_kind kinds[] = {
        {.fn = noop, .name = "hidden", .hidden = true},
        {.fn = noop2, .name = "visible", .target = SIM_TARGET_C},
        {.fn = noop2, .name = "again"}, /* a second registration is ignored */
    };
    sim_engine_kinds(eng, kinds, 3);
    cr_assert_str_eq(sim_kind_name(eng, 1), "visible");
    cr_assert_str_eq(sim_kind_name(eng, 2), "?", "not numbered yet");
    struct tape t = {0};
    sim_engine_tap(eng, tape_rec, &t);
    struct log *lg = log_new();
    sim_schedule_at(eng, 5, &(struct sim_event){.fn = noop, .c = 1});      /* hidden */
    sim_schedule_at(eng, 6, &(struct sim_event){.fn = record, .ctx = lg}); /* unregistered */
    sim_schedule_at(eng, 7, &(struct sim_event){.fn = noop2, .c = 8});
    sim_run(eng, SIM_TIME_MAX);
    cr_assert_eq(sim_fired(eng), 3);
    cr_assert_eq(sim_fingerprint_events(eng), 2, "the hidden event is not a record");
    cr_assert_eq(t.n, 2);
    cr_assert(t.r[0].time == 6 && t.r[0].kind == 2 && t.r[0].target == 0);
    cr_assert(t.r[1].time == 7 && t.r[1].kind == 1 && t.r[1].target == 8);
    cr_assert_str_eq(sim_kind_name(eng, 2), "unnamed");
    /* sim_note records an event delivered without an engine event, at the current time */
    sim_note(eng, &(struct sim_event){.fn = noop2, .c = 3});
    cr_assert_eq(t.n, 3);
    cr_assert(t.r[2].time == 7 && t.r[2].kind == 1 && t.r[2].target == 3);
    free(lg);
    sim_engine_free(eng);
}

Test(engine, engines_created_after_sim_tap_new_engines_carry_the_tap)
{
    struct tape t = {0};
    struct sim_engine *before = sim_engine_new();
    sim_tap_new_engines(tape_rec, &t);
    struct sim_engine *after = sim_engine_new();
    sim_tap_new_engines(NULL, NULL);
    struct sim_engine *later = sim_engine_new();
    struct sim_engine *all[] = {before, after, later};
    for (size_t i = 0; i < 3; i++) {
        sim_schedule_at(all[i], 1, &(struct sim_event){.fn = noop});
        sim_run(all[i], SIM_TIME_MAX);
        sim_engine_free(all[i]);
    }
    cr_assert_eq(t.n, 1, "only the engine created while the tap was set");
}

static void notes_first(struct sim_engine *eng, const struct sim_event *ev)
{
    (void)ev;
    sim_note(eng, &(struct sim_event){.fn = noop2, .c = 42});
}

Test(engine, what_a_handler_notes_comes_before_its_own_event_in_the_stream)
{
    /* as the mailbox delivers, when a timer fires, the messages that were due before it */
    struct sim_engine *eng = sim_engine_new();
    const struct sim_kind kinds[] = {
        {.fn = notes_first, .name = "timer"},
        {.fn = noop2, .name = "message", .target = SIM_TARGET_C},
    };
    sim_engine_kinds(eng, kinds, 2);
    struct tape t = {0};
    sim_engine_tap(eng, tape_rec, &t);
    sim_schedule_at(eng, 9, &(struct sim_event){.fn = notes_first});
    sim_run(eng, SIM_TIME_MAX);
    cr_assert_eq(t.n, 2);
    cr_assert(t.r[0].time == 9 && t.r[0].kind == 2 && t.r[0].target == 42, "the note first");
    cr_assert(t.r[1].time == 9 && t.r[1].kind == 1, "then the event");
    sim_engine_free(eng);
}

/* ---- pop order against the bare binary heap (refheap.h) over random workloads ----
 *
 * Every event is scheduled on the engine and pushed on the reference heap at the same
 * moment with the same id, so both number ties the same way; the reference skips the ids
 * the workload cancelled. After each engine step the reference pops its next live entry,
 * which must be the event the engine just fired, time and id. */

enum shape { SHAPE_MIXED, SHAPE_TIES, SHAPE_FAR, SHAPE_BURSTS, SHAPE_CANCEL };

struct diff {
    struct sim_engine *eng;
    struct refheap *ref;
    struct rng r;
    enum shape shape;
    bool broken;          /* negative control: the reference gets one wrong time */
    uint64_t next_id;     /* ids handed out */
    uint64_t budget;      /* ids still allowed */
    sim_event_id *handle; /* by id */
    bool *cancelled;      /* by id */
    uint64_t fired_id;    /* what the engine fired last */
    sim_time fired_t;
};

/* A delay for the workload's shape: ties, near, far future and the very end of time. */
static sim_time diff_delay(struct diff *d)
{
    uint64_t u = rng_below(&d->r, 100);
    switch (d->shape) {
    case SHAPE_TIES:
        return 1000 * rng_below(&d->r, 4); /* four distinct times ahead, many ties */
    case SHAPE_FAR:
        return u < 50   ? rng_below(&d->r, 1000)
               : u < 99 ? rng_below(&d->r, UINT64_C(1) << 50)
                        : SIM_TIME_MAX;
    case SHAPE_BURSTS:
    case SHAPE_CANCEL:
    case SHAPE_MIXED:
    default:
        return u < 10   ? 0
               : u < 60 ? 100000 + rng_below(&d->r, 900000)
               : u < 95 ? rng_below(&d->r, 50000000)
               : u < 99 ? rng_below(&d->r, UINT64_C(1) << 40)
                        : SIM_TIME_MAX;
    }
}

static void diff_fire(struct sim_engine *eng, const struct sim_event *ev);

static void diff_schedule(struct diff *d, sim_time delay)
{
    if (!d->budget)
        return;
    d->budget--;
    uint64_t id = d->next_id++;
    sim_time now = sim_now(d->eng);
    sim_time t = delay > SIM_TIME_MAX - now ? SIM_TIME_MAX : now + delay;
    struct sim_event ev = {.fn = diff_fire, .ctx = d, .a = id};
    d->handle[id] = sim_schedule_at(d->eng, t, &ev);
    bool wrong = d->broken && id == 5000 && t < SIM_TIME_MAX;
    refheap_push(d->ref, t + wrong, id);
}

/* The fired event spawns 0 to 2 more (1 on average): the queue keeps its size. */
static void diff_fire(struct sim_engine *eng, const struct sim_event *ev)
{
    struct diff *d = ev->ctx;
    d->fired_id = ev->a;
    d->fired_t = sim_now(eng);
    uint64_t k = rng_below(&d->r, 3);
    for (uint64_t i = 0; i < k; i++)
        diff_schedule(d, diff_delay(d));
}

/* Between steps: bursts of events at one time, and cancellations. */
static void diff_outside(struct diff *d)
{
    uint64_t u = rng_below(&d->r, 1000);
    if (d->shape == SHAPE_BURSTS && u < 5) {
        sim_time delay = rng_below(&d->r, 2) ? 0 : rng_below(&d->r, 10000000);
        uint64_t n = 1 + rng_below(&d->r, 2000);
        for (uint64_t i = 0; i < n; i++)
            diff_schedule(d, delay);
    }
    uint64_t cancel_per_mille = d->shape == SHAPE_CANCEL ? 400 : 20;
    /* the cancel-heavy shape sometimes cancels thousands at once: compactions follow */
    uint64_t cancels = d->shape == SHAPE_CANCEL && u < 3 ? 5000 : 1;
    for (uint64_t c = 0; c < cancels && u < cancel_per_mille && d->next_id; c++) {
        /* the cancel-heavy shape aims at recent ids, most of them still pending */
        uint64_t span = d->shape == SHAPE_CANCEL && d->next_id > 20000 ? 20000 : d->next_id;
        uint64_t id = d->next_id - 1 - rng_below(&d->r, span);
        /* true exactly when the id is still pending: the reference cannot tell, the
         * comparison afterwards does (a wrong true or false shifts the order) */
        if (sim_cancel(d->eng, d->handle[id]))
            d->cancelled[id] = true;
    }
}

/*
 * Run a workload of about `events` ids from `start` initial events; returns the index of
 * the first fired event on which engine and reference disagree, or -1 when they agree on
 * every event (and both end empty).
 */
static int64_t diff_run(enum shape shape, uint64_t seed, uint64_t start, uint64_t events,
                        bool broken)
{
    struct diff *d = calloc(1, sizeof(*d));
    d->eng = sim_engine_new();
    d->ref = refheap_new();
    d->shape = shape;
    d->broken = broken;
    d->budget = events;
    d->handle = calloc(events, sizeof(*d->handle));
    d->cancelled = calloc(events, sizeof(*d->cancelled));
    rng_init(&d->r, seed, RNG_TEST, (uint64_t)shape);
    for (uint64_t i = 0; i < start; i++)
        diff_schedule(d, diff_delay(d));
    int64_t bad = -1, fired = 0;
    struct refheap_entry e;
    while (bad < 0) {
        diff_outside(d);
        bool stepped = sim_step(d->eng, SIM_TIME_MAX);
        bool popped;
        while ((popped = refheap_pop(d->ref, &e)) && d->cancelled[e.payload])
            ;
        if (!stepped || !popped) {
            if (stepped != popped)
                bad = fired;
            break;
        }
        if (e.payload != d->fired_id || e.time != d->fired_t)
            bad = fired;
        fired++;
    }
    if (bad < 0) {
        cr_expect_eq(sim_pending(d->eng), 0);
        cr_expect_gt(fired, (int64_t)(events / 10), "only %lld of %llu ids fired", (long long)fired,
                     (unsigned long long)events);
    }
    sim_engine_free(d->eng);
    refheap_free(d->ref);
    free(d->handle);
    free(d->cancelled);
    free(d);
    return bad;
}

Test(engine, pop_order_matches_a_binary_heap_over_mixed_random_workloads)
{
    for (uint64_t seed = 1; seed <= 4; seed++)
        cr_expect_eq(diff_run(SHAPE_MIXED, seed, 1000 * seed * seed, 60000, false), -1, "seed %llu",
                     (unsigned long long)seed);
}

Test(engine, pop_order_matches_a_binary_heap_with_many_equal_times)
{
    for (uint64_t seed = 1; seed <= 3; seed++)
        cr_expect_eq(diff_run(SHAPE_TIES, seed, 5000, 60000, false), -1);
}

Test(engine, pop_order_matches_a_binary_heap_with_far_future_events_and_the_end_of_time)
{
    for (uint64_t seed = 1; seed <= 3; seed++)
        cr_expect_eq(diff_run(SHAPE_FAR, seed, 3000, 60000, false), -1);
}

Test(engine, pop_order_matches_a_binary_heap_through_bursts_at_one_time)
{
    for (uint64_t seed = 1; seed <= 3; seed++)
        cr_expect_eq(diff_run(SHAPE_BURSTS, seed, 2000, 150000, false), -1);
}

Test(engine, pop_order_matches_a_binary_heap_when_many_events_are_cancelled)
{
    /* 40 % of steps cancel: tombstones outnumber live entries and force compactions */
    for (uint64_t seed = 1; seed <= 3; seed++)
        cr_expect_eq(diff_run(SHAPE_CANCEL, seed, 20000, 100000, false), -1);
}

Test(engine, the_pop_order_check_catches_one_event_one_nanosecond_late)
{
    /* negative control: the reference is told a time 1 ns later for id 5000 */
    int64_t bad = diff_run(SHAPE_MIXED, 1, 1000, 60000, true);
    cr_expect_geq(bad, 0, "a wrong reference went unnoticed");
}
