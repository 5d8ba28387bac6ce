/*
 * phold: the PHOLD benchmark model on the sim engine.
 *
 * PHOLD is the benchmark ROSS and other discrete-event engines publish. Every LP (logical
 * process) starts with `population` events at lookahead + Exp(mean - lookahead). Handling
 * an event at LP i schedules one new event at now + lookahead + Exp(mean - lookahead), for a
 * uniformly random LP with probability `remote`, else for i itself; LP i's own RNG stream
 * (RNG_PHOLD, i) draws both. The exponential is drawn by inversion, -m * log(1 - U).
 *
 * After scheduling, the handler prefetches the stream of the LP whose event comes next
 * (sim_peek), which hides one cache miss per event when there are millions of LPs.
 *
 * With `reference` set the identical model (same draws, same handler code) runs on the
 * bare binary heap of refheap.h instead of the engine, so the two can be timed in one
 * sitting; the checksum is the same when both fire events in the same (time, seq) order.
 *
 * The checksum folds the time and the LP of every committed event, in firing order, so two
 * runs with the same parameters agree on it only if they fired the same events in the same
 * order.
 *
 * Ownership: phold_new copies the parameters and owns its engine and streams.
 */
#ifndef ATLAS_SIM_ENGINE_PHOLD_H
#define ATLAS_SIM_ENGINE_PHOLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/engine/time.h"

struct phold_params {
    uint64_t lps;        /* logical processes, > 0 */
    uint64_t population; /* initial events per LP, > 0 */
    double remote;       /* probability that an event goes to a random LP, in [0, 1] */
    sim_time mean;       /* mean delay, lookahead included, > 0 */
    sim_time lookahead;  /* minimum delay, <= mean */
    uint64_t seed;       /* base seed of the LP streams */
    bool reference;      /* run on the bare binary heap (refheap.h), not the engine */
};

struct phold_result {
    uint64_t events;     /* committed (fired) events */
    uint64_t pending;    /* events still scheduled */
    uint64_t checksum;   /* fold of (time, LP) of every committed event, in order */
    sim_time now;        /* engine clock: last event's time, or end if later events remain */
    size_t peak_pending; /* high-water mark of pending events */
};

struct phold;

/* Defaults of the published model: 1 event per LP, remote 0.25, mean 1s, lookahead 0.1s. */
void phold_params_default(struct phold_params *p);

/* Validate p. Returns false with a one-line reason in err. */
bool phold_check(const struct phold_params *p, char *err, size_t errlen);

/* Build the model (p must pass phold_check) with its initial events scheduled. */
struct phold *phold_new(const struct phold_params *p);
void phold_free(struct phold *ph); /* NULL is a no-op */

/*
 * Fire events in order until `events` have been committed since phold_new (UINT64_MAX: no
 * limit) or the next event lies after `end` (SIM_TIME_MAX: no limit). May be called again to
 * continue. Returns the number of events committed by this call.
 */
uint64_t phold_run(struct phold *ph, uint64_t events, sim_time end);

void phold_result(const struct phold *ph, struct phold_result *out);

#endif
