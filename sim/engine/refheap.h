/*
 * refheap: a bare binary heap of events, the yardstick the engine is measured against.
 *
 * Exists so that `atlas-sim bench phold --reference` can run the identical PHOLD model on
 * the plainest correct queue in the same sitting as the engine (BENCHMARKS.md reports the
 * ratio, which survives a change of machine), and so that the engine's tests have an
 * independent order to compare against. It is deliberately what a textbook simulator
 * writes, kept as lean as the model allows: one array of 24-byte {time, seq, payload}
 * entries (PHOLD's event is its LP, so the payload is the whole event: no pool, no
 * handles, no prefetching), push by sift-up, pop by moving the last entry to the root and
 * sifting it down with the usual two-child comparison. Order is (time, seq), seq counting
 * pushes, exactly the engine's order. No cancellation: the engine's is lazy, so a caller
 * that needs it marks its own events.
 *
 * Ownership: the heap owns its array.
 * Errors: none but allocation, which aborts (core/xalloc.h).
 */
#ifndef ATLAS_SIM_ENGINE_REFHEAP_H
#define ATLAS_SIM_ENGINE_REFHEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/engine/time.h"

struct refheap_entry {
    sim_time time;    /* when the event fires */
    uint64_t seq;     /* push order: breaks ties */
    uint64_t payload; /* what the caller queued (PHOLD: the LP) */
};

struct refheap;

struct refheap *refheap_new(void);
void refheap_free(struct refheap *h); /* NULL is a no-op */

/* Room for n entries without reallocation (optional). */
void refheap_reserve(struct refheap *h, size_t n);

/* Queue payload at time t; it gets the next sequence number. */
void refheap_push(struct refheap *h, sim_time t, uint64_t payload);

/* The smallest (time, seq) entry, or NULL when empty; valid until the next push or pop. */
const struct refheap_entry *refheap_peek(const struct refheap *h);

/* Remove the smallest entry into *out; false (and *out untouched) when empty. */
bool refheap_pop(struct refheap *h, struct refheap_entry *out);

size_t refheap_size(const struct refheap *h);

#endif
