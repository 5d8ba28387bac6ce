/*
 * engine: the deterministic discrete-event scheduler.
 *
 * An engine owns a clock (integer ns) and a priority queue of pending events. Events are
 * ordered by (time, sequence number assigned when scheduled): events at equal times fire in
 * the order they were scheduled, whatever the queue's internals. Event records come from a
 * pool owned by the engine (no malloc per event); handles stay valid for cancellation until
 * the event fires or is cancelled, and a stale handle is recognised by its generation.
 *
 * A model plugs in through handler functions: an event carries a handler, a context pointer
 * and a small inline payload; the engine copies the event at schedule time.
 *
 * Ownership: the engine owns its queue and pool; ctx pointers are borrowed.
 * Errors: scheduling in the past is a programming error (assert). Nothing here fails
 * except allocation, which aborts (xalloc.h).
 */
#ifndef ATLAS_SIM_ENGINE_ENGINE_H
#define ATLAS_SIM_ENGINE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/engine/time.h"

struct sim_engine;
struct sim_event;

/* A handler runs when its event fires; sim_now(eng) is the event's time. */
typedef void sim_event_fn(struct sim_engine *eng, const struct sim_event *ev);

struct sim_event {
    sim_event_fn *fn; /* handler, never NULL */
    void *ctx;        /* model context (borrowed) */
    uint64_t a, b;    /* model-defined payload */
    uint32_t c, d;    /* model-defined payload */
};

/* Handle of a scheduled event (slot + generation); 0 is never a valid handle. */
typedef uint64_t sim_event_id;

struct sim_engine *sim_engine_new(void);
void sim_engine_free(struct sim_engine *eng); /* NULL is a no-op */

/* Preallocate room for n pending events (optional; the pool grows as needed). */
void sim_engine_reserve(struct sim_engine *eng, size_t n);

sim_time sim_now(const struct sim_engine *eng);

/* Schedule ev at absolute time t >= sim_now(eng). Returns a handle for sim_cancel. */
sim_event_id sim_schedule_at(struct sim_engine *eng, sim_time t, const struct sim_event *ev);

/* Schedule ev at sim_now(eng) + delay (saturating at SIM_TIME_MAX). */
sim_event_id sim_schedule_after(struct sim_engine *eng, sim_time delay, const struct sim_event *ev);

/*
 * Cancel a pending event. Returns true if it was pending and is now cancelled; false if it
 * already fired, was already cancelled, or the handle is stale. O(1) (lazy deletion).
 */
bool sim_cancel(struct sim_engine *eng, sim_event_id id);

/*
 * Run events in (time, seq) order while the next event's time is <= horizon and
 * sim_stop() has not been called. Pass SIM_TIME_MAX to run until nothing is left.
 * Afterwards the clock is at the last fired event's time (or horizon, if the queue
 * still holds later events and the horizon is finite). Returns the number of events fired.
 */
uint64_t sim_run(struct sim_engine *eng, sim_time horizon);

/* Fire the single next event if its time is <= horizon. Returns false if none did. */
bool sim_step(struct sim_engine *eng, sim_time horizon);

/*
 * Called from a handler: move the clock forward to t when no pending event could fire
 * first, i.e. when t is strictly before every pending event's time and not beyond the
 * running sim_run/sim_step's horizon, and sim_stop has not been called; returns whether
 * it did (false leaves the clock alone, and is also the answer outside a handler). For a
 * model that delivers its own queued work at several times in one event, exactly as if it
 * had scheduled one event per time. t < sim_now is a programming error.
 */
bool sim_advance_to(struct sim_engine *eng, sim_time t);

/* Called from a handler: sim_run returns after the current event. */
void sim_stop(struct sim_engine *eng);

size_t sim_pending(const struct sim_engine *eng);      /* scheduled, not yet fired/cancelled */
uint64_t sim_fired(const struct sim_engine *eng);      /* events fired since creation */
size_t sim_peak_pending(const struct sim_engine *eng); /* high-water mark of sim_pending */
size_t sim_pool_size(const struct sim_engine *eng);    /* event records ever allocated */

/*
 * Drop cancelled events from the queue and renumber the pending events' sequence numbers
 * in (time, seq) order, which keeps every tie order. The engine calls it by itself when
 * cancelled entries outnumber live ones or sequence numbers run out; O(n log n).
 */
void sim_compact(struct sim_engine *eng);

/*
 * The event that fires next, for a model to prefetch the state it will touch; NULL when
 * nothing is pending or when the next entry was cancelled. Inside a handler: the next of
 * the events queued so far. It may move entries between the queue's internal tiers, which
 * changes nothing observable. The pointer is valid until the next schedule or fire. Never
 * needed for correctness.
 */
const struct sim_event *sim_peek(const struct sim_engine *eng);

/*
 * ---- Event kinds and the event fingerprint ----
 *
 * Every event the model sees is summarised as a record (time, kind, target) and folded into
 * a 64-bit fingerprint as it fires, so that two runs can be compared event by event
 * (`atlas-sim run --check-determinism`, summary.csv's fingerprint column).
 *
 * kind: a small number for the handler, stable across processes (a function's address is
 * not, under PIE and ASLR, so it is never hashed). A model names its handlers with
 * sim_engine_kinds: they are numbered 1, 2, ... in the order registered. A handler fired
 * without being registered gets the next number when it first fires (stable as long as the
 * runs agree up to there) and the name "unnamed". At most SIM_MAX_KINDS kinds per engine.
 * target: the payload field that names what the event acts on (a node, an LP), as a
 * uint32_t; SIM_TARGET_NONE gives 0.
 * hidden: bookkeeping that stands for model events delivered by other means (the mailbox's
 * carrier); not part of the stream. The deliveries it makes are reported with sim_note.
 *
 * The fingerprint is a chain of bijections of the 64-bit state, one per event: two streams
 * that differ in exactly one record always give different fingerprints.
 */
enum sim_target { SIM_TARGET_NONE, SIM_TARGET_A, SIM_TARGET_C, SIM_TARGET_D };

struct sim_kind {
    sim_event_fn *fn;       /* the handler */
    const char *name;       /* e.g. "vote_yes"; static storage */
    enum sim_target target; /* which payload field is the target */
    bool hidden;            /* not a model event (see above) */
};

#define SIM_MAX_KINDS 64

/* Register n kinds (a handler registered twice keeps its first registration). */
void sim_engine_kinds(struct sim_engine *eng, const struct sim_kind *kinds, size_t n);

/* The name of kind number k ("unnamed" for an unregistered handler, "?" when unknown). */
const char *sim_kind_name(const struct sim_engine *eng, uint32_t kind);

struct sim_record {
    sim_time time;
    uint32_t kind;   /* 1.. (see above) */
    uint32_t target; /* the target field, 0 for SIM_TARGET_NONE */
};

/*
 * A model event delivered without an engine event of its own, at sim_now (sim/cluster/mailbox.c).
 * Noted from inside a handler, it comes before the handler's own event in the stream: the
 * mailbox delivers, when a handler starts, the messages that were due before that event.
 */
void sim_note(struct sim_engine *eng, const struct sim_event *ev);

uint64_t sim_fingerprint(const struct sim_engine *eng);        /* of the records so far */
uint64_t sim_fingerprint_events(const struct sim_engine *eng); /* records so far */

/*
 * Optional: fn(ctx, eng, record) is called for every record, in order (the determinism
 * check streams them). sim_engine_tap sets it for one engine; sim_tap_new_engines for every
 * engine created afterwards in this process (NULL to stop), for code that cannot reach the
 * engine (a run built inside run.c). Neither is thread-safe.
 */
typedef void sim_tap_fn(void *ctx, const struct sim_engine *eng, const struct sim_record *r);
void sim_engine_tap(struct sim_engine *eng, sim_tap_fn *fn, void *ctx);
void sim_tap_new_engines(sim_tap_fn *fn, void *ctx);

#endif
