/*
 * rng: small, independent random-number streams that feed GSL.
 *
 * Every stream is derived from (base seed, stream kind, entity id) through a fixed 64-bit
 * mixing function (documented in rng.c), so adding a node, a fault or a stream kind never
 * changes the draws of any other stream. A stream embeds its generator state (no malloc)
 * and exposes a gsl_rng, so every gsl_ran_* sampler works on it.
 *
 * The generator is xoroshiro128++ (16 bytes of state, period 2^128 - 1); a whole struct rng
 * is 32 bytes, a bare struct rng_state 16. rng_u64 and rng_uniform are inline because models
 * call them per event.
 *
 * A struct rng must not be copied or moved after rng_init (the gsl_rng points into it);
 * re-run rng_init after moving it.
 */
#ifndef ATLAS_SIM_ENGINE_RNG_H
#define ATLAS_SIM_ENGINE_RNG_H

#include <gsl/gsl_rng.h>
#include <stdint.h>

/* Stream kinds. Values are part of the determinism contract: never renumber. */
enum rng_kind {
    RNG_VOTE = 1,      /* per node: approval draws */
    RNG_LATENCY = 2,   /* per node (sender): message delays */
    RNG_LOSS = 3,      /* per node (sender): message loss */
    RNG_FAULT = 4,     /* per node: random crash/recover times */
    RNG_HEARTBEAT = 5, /* per node: heartbeat loss, random topology peers */
    RNG_WORKLOAD = 6,  /* per cluster (id 0): generated proposals */
    RNG_PHOLD = 7,     /* per LP: the PHOLD benchmark */
    RNG_LEADER = 8,    /* per cluster (id 0): faults.leader's crash times */
    RNG_CLIENT = 9,    /* per client: its operations, keys and times (clients:) */
    RNG_CLOCK = 10,    /* per node: clock drift and offset (clocks.*) */
    RNG_ZONE = 20,     /* per zone: faults.zone_random's up and down times */
    RNG_SERVICE = 21,  /* per node: cluster.service and faults.slow service times */
    RNG_TEST = 99,     /* tests only */
};

struct rng {
    gsl_rng g;         /* what gsl_ran_* samplers take; g.state points at state */
    uint64_t state[2]; /* generator state: xoroshiro128++ (see rng.c) */
};

/* The fixed mixing function: a 64-bit seed for stream (base, kind, id). */
uint64_t rng_mix(uint64_t base_seed, uint32_t kind, uint64_t id);

/* Initialise r as stream (base_seed, kind, id). */
void rng_init(struct rng *r, uint64_t base_seed, uint32_t kind, uint64_t id);

static inline gsl_rng *rng_gsl(struct rng *r)
{
    return &r->g;
}

/* One step of xoroshiro128++ on a 16-byte state; shared with the gsl_rng_type in rng.c. */
static inline uint64_t rng_next_state(uint64_t *s)
{
    uint64_t s0 = s[0], s1 = s[1];
    uint64_t sum = s0 + s1;
    uint64_t out = ((sum << 17) | (sum >> 47)) + s0;
    s1 ^= s0;
    s[0] = ((s0 << 49) | (s0 >> 15)) ^ s1 ^ (s1 << 21);
    s[1] = (s1 << 28) | (s1 >> 36);
    return out;
}

/*
 * A bare stream: the generator state alone (16 bytes, no gsl_rng header), for models that
 * lay out millions of streams themselves, e.g. several streams of one node in one cache
 * line. rng_state_init gives the state of rng_init's stream (base_seed, kind, id), so a
 * bare stream draws exactly what the struct rng stream would. It may be copied and moved.
 */
struct rng_state {
    uint64_t s[2]; /* xoroshiro128++ */
};

void rng_state_init(struct rng_state *st, uint64_t base_seed, uint32_t kind, uint64_t id);
uint64_t rng_state_below(struct rng_state *st, uint64_t n); /* rng_below's draw */

/* Uniform in [0, 1) with 53 random bits (rng_uniform's draw). */
static inline double rng_state_uniform(struct rng_state *st)
{
    return (double)(rng_next_state(st->s) >> 11) * 0x1.0p-53;
}

/* 64 uniform bits. */
static inline uint64_t rng_u64(struct rng *r)
{
    return rng_next_state(r->state);
}

/* Uniform in [0, 1) with 53 random bits. */
static inline double rng_uniform(struct rng *r)
{
    return (double)(rng_u64(r) >> 11) * 0x1.0p-53;
}

uint64_t rng_below(struct rng *r, uint64_t n); /* uniform in [0, n), unbiased; n > 0 */
int rng_bernoulli(struct rng *r, double p);    /* 1 with probability p */

/* The gsl_rng_type of the generator, for gsl_rng_alloc() users. */
extern const gsl_rng_type *rng_atlas_type;

/* A gsl_rng over st for the gsl_ran_* samplers; valid while st is, not to be freed. */
static inline gsl_rng rng_state_gsl(struct rng_state *st)
{
    return (gsl_rng){.type = rng_atlas_type, .state = st->s};
}

#endif
