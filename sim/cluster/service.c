/* service: per-node FIFO message processing, with slow periods (see service.h). */
#include "sim/cluster/service.h"

#include <stdlib.h>

#include "core/xalloc.h"
#include "sim/engine/dist.h"
#include "sim/engine/rng.h"

#define NOT_SLOW UINT32_MAX

struct service_node {
    sim_time busy_until; /* when the message it serves last completes */
    uint32_t slow;       /* the faults.slow period it is in, or NOT_SLOW */
    struct rng rng;      /* RNG_SERVICE */
};

struct service {
    const struct scenario *sc;
    uint32_t *zone; /* scenario_zone_map (NULL: no zones) */
    struct service_node *node;
};

struct service *service_new(const struct scenario *sc)
{
    struct service *s = xcalloc(1, sizeof(*s));
    s->sc = sc;
    s->zone = scenario_zone_map(sc);
    s->node = xcalloc(sc->nodes, sizeof(*s->node));
    for (uint32_t i = 0; i < sc->nodes; i++) {
        s->node[i].slow = NOT_SLOW;
        rng_init(&s->node[i].rng, sc->seed, RNG_SERVICE, i);
    }
    return s;
}

void service_free(struct service *s)
{
    if (!s)
        return;
    free(s->zone);
    free(s->node);
    free(s);
}

/* The node's service time for one message now. */
static sim_time draw(const struct service *s, struct service_node *nd)
{
    const struct dist *base = &s->sc->service;
    if (nd->slow == NOT_SLOW)
        return base->ops ? dist_sample(base, rng_gsl(&nd->rng)) : 0;
    const struct slow_spec *p = &s->sc->faults.slow[nd->slow];
    if (p->service.ops)
        return dist_sample(&p->service, rng_gsl(&nd->rng));
    double t = p->factor * (double)dist_sample(base, rng_gsl(&nd->rng));
    return t >= (double)SIM_TIME_MAX ? SIM_TIME_MAX : (sim_time)t;
}

sim_time service_admit(struct service *s, uint32_t node, sim_time now)
{
    struct service_node *nd = &s->node[node];
    sim_time start = nd->busy_until > now ? nd->busy_until : now;
    sim_time dt = draw(s, nd);
    nd->busy_until = dt > SIM_TIME_MAX - start ? SIM_TIME_MAX : start + dt;
    return nd->busy_until;
}

void service_reset(struct service *s, uint32_t node, sim_time now)
{
    s->node[node].busy_until = now;
}

uint32_t service_slow_set(struct service *s, size_t i, bool on)
{
    const struct slow_spec *p = &s->sc->faults.slow[i];
    uint32_t count = 0;
    for (uint32_t node = 0; node < s->sc->nodes; node++) {
        if (!scenario_node_selected(s->sc, &p->nodes, p->zone, s->zone, node))
            continue;
        s->node[node].slow = on ? (uint32_t)i : NOT_SLOW;
        count++;
    }
    return count;
}
