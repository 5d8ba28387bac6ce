/*
 * rng: stream derivation and the GSL binding of the generator (see rng.h).
 *
 * Generator: xoroshiro128++ (Blackman and Vigna, 2019). 16 bytes of state per stream
 * (32 bytes with the embedded gsl_rng header), period 2^128 - 1, passes BigCrush and
 * PractRand; one step is a handful of adds, shifts and rotations. It was chosen over
 * mt19937 (5,000 bytes per stream) and gsl_rng_taus2 (24 bytes, 32-bit outputs, slower
 * per double) because a million-node run holds millions of streams.
 *
 * Mixing function: rng_mix(base, kind, id) folds the three inputs one after the other
 * through the splitmix64 finaliser (Stafford's "Mix13"), each step with its own odd
 * constant, so every output bit depends on every input bit and nearby (kind, id) pairs give
 * unrelated seeds. The stream's 128-bit state is then the next two outputs of a splitmix64
 * sequence started at that seed (the seeding Vigna recommends); it is never all zero.
 * The function and its constants are part of the determinism contract: never change them.
 *
 * As a gsl_rng_type ("atlas-xoroshiro128pp") the generator returns the upper 32 bits of each
 * output from get (min 0, max 2^32 - 1, like taus2 and mt19937, which every gsl_ran_*
 * sampler accepts) and 53 bits from get_double.
 */
#include "sim/engine/rng.h"

#include <assert.h>

static uint64_t splitmix64_mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t splitmix64_next(uint64_t *x)
{
    *x += 0x9e3779b97f4a7c15ull;
    return splitmix64_mix(*x);
}

uint64_t rng_mix(uint64_t base_seed, uint32_t kind, uint64_t id)
{
    uint64_t h = splitmix64_mix(base_seed ^ 0x6a09e667f3bcc909ull);
    h = splitmix64_mix(h ^ ((uint64_t)kind * 0xbb67ae8584caa73bull));
    return splitmix64_mix(h ^ (id * 0x3c6ef372fe94f82bull + 0xa54ff53a5f1d36f1ull));
}

static void seed_state(uint64_t *s, uint64_t seed)
{
    uint64_t x = seed;
    s[0] = splitmix64_next(&x);
    s[1] = splitmix64_next(&x);
    if (s[0] == 0 && s[1] == 0)
        s[1] = 1;
}

static void type_set(void *state, unsigned long seed)
{
    seed_state(state, (uint64_t)seed);
}

static unsigned long type_get(void *state)
{
    return (unsigned long)(rng_next_state(state) >> 32);
}

static double type_get_double(void *state)
{
    return (double)(rng_next_state(state) >> 11) * 0x1.0p-53;
}

static const gsl_rng_type atlas_type = {
    .name = "atlas-xoroshiro128pp",
    .max = 0xffffffffUL,
    .min = 0,
    .size = sizeof(uint64_t[2]),
    .set = type_set,
    .get = type_get,
    .get_double = type_get_double,
};

const gsl_rng_type *rng_atlas_type = &atlas_type;

void rng_init(struct rng *r, uint64_t base_seed, uint32_t kind, uint64_t id)
{
    r->g.type = &atlas_type;
    r->g.state = r->state;
    seed_state(r->state, rng_mix(base_seed, kind, id));
}

void rng_state_init(struct rng_state *st, uint64_t base_seed, uint32_t kind, uint64_t id)
{
    seed_state(st->s, rng_mix(base_seed, kind, id));
}

/* Uniform in [0, n) from the generator state s (n > 0). */
static uint64_t below(uint64_t *s, uint64_t n)
{
    assert(n > 0);
    /* Lemire's nearly divisionless method: unbiased, one multiply in the common case. */
    __extension__ typedef unsigned __int128 u128;
    u128 m = (u128)rng_next_state(s) * n;
    uint64_t low = (uint64_t)m;
    if (low < n) {
        uint64_t threshold = -n % n;
        while (low < threshold) {
            m = (u128)rng_next_state(s) * n;
            low = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

uint64_t rng_below(struct rng *r, uint64_t n)
{
    return below(r->state, n);
}

uint64_t rng_state_below(struct rng_state *st, uint64_t n)
{
    return below(st->s, n);
}

int rng_bernoulli(struct rng *r, double p)
{
    return rng_uniform(r) < p;
}
