/* clock: per-node clock offsets, drift rates and jumps (see clock.h). */
#include "sim/cluster/clock.h"

#include <math.h>
#include <stdlib.h>

#include "core/xalloc.h"
#include "sim/engine/rng.h"

struct clock {
    uint32_t nodes;
    double *drift;   /* per node: rate error, drift_ppm * 1e-6 */
    int64_t *offset; /* per node: reading at true time 0 plus every jump so far, ns */
};

/* A node's signed drift: the magnitude from clocks.drift (1 us per s = 1 ppm) with the sign
 * of clocks.drift_sign, or its clocks.nodes override. */
static double draw_drift(const struct clock_spec *cs, struct rng *r)
{
    if (!cs->drift.ops)
        return 0;
    double ppm = (double)dist_sample(&cs->drift, rng_gsl(r)) / 1e3;
    bool slow = cs->drift_sign == CLOCK_SIGN_SLOW ||
                (cs->drift_sign == CLOCK_SIGN_RANDOM && rng_uniform(r) < 0.5);
    return slow ? -ppm : ppm;
}

struct clock *clock_new(const struct scenario *sc)
{
    const struct clock_spec *cs = &sc->clocks;
    if (!cs->enabled)
        return NULL;
    struct clock *k = xcalloc(1, sizeof(*k));
    k->nodes = sc->nodes;
    k->drift = xcalloc(sc->nodes, sizeof(*k->drift));
    k->offset = xcalloc(sc->nodes, sizeof(*k->offset));
    for (uint32_t i = 0; i < sc->nodes; i++) {
        struct rng r;
        rng_init(&r, sc->seed, RNG_CLOCK, i);
        k->drift[i] = draw_drift(cs, &r) * 1e-6;
        k->offset[i] = cs->offset.ops ? (int64_t)dist_sample(&cs->offset, rng_gsl(&r)) : 0;
    }
    for (size_t j = 0; j < cs->nnodes; j++) {
        const struct clock_override *o = &cs->nodes[j];
        k->drift[o->node] = o->drift * 1e-6;
        k->offset[o->node] = (int64_t)o->offset;
    }
    return k;
}

void clock_free(struct clock *k)
{
    if (!k)
        return;
    free(k->drift);
    free(k->offset);
    free(k);
}

double clock_drift_ppm(const struct clock *k, uint32_t node)
{
    return k->drift[node] * 1e6;
}

int64_t clock_offset(const struct clock *k, uint32_t node)
{
    return k->offset[node];
}

sim_time clock_read(const struct clock *k, uint32_t node, sim_time t)
{
    /* t and the offsets stay within 10 years (scenario limits): no int64 overflow */
    int64_t v = (int64_t)t + k->offset[node] + (int64_t)llround((double)t * k->drift[node]);
    return v <= 0 ? 0 : (sim_time)v;
}

sim_time clock_true_span(const struct clock *k, uint32_t node, sim_time d)
{
    if (d == SIM_TIME_MAX)
        return d;
    double t = round((double)d / (1 + k->drift[node]));
    return t >= (double)SIM_TIME_MAX ? SIM_TIME_MAX : (sim_time)t;
}

void clock_jump(struct clock *k, uint32_t node, int64_t by)
{
    k->offset[node] += by;
}
