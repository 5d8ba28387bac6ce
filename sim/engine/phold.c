/* phold: the PHOLD benchmark model (see phold.h). */
#include "sim/engine/phold.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/xalloc.h"
#include "sim/engine/engine.h"
#include "sim/engine/refheap.h"
#include "sim/engine/rng.h"

#define CHECKSUM_MUL 0x100000001b3ull /* FNV-1a 64-bit prime */

struct phold {
    struct phold_params p;  /* parameters (copied) */
    struct sim_engine *eng; /* the engine the model runs on (NULL with p.reference) */
    struct refheap *ref;    /* or the bare heap (p.reference) */
    sim_time ref_now;       /* the reference run's clock */
    size_t ref_peak;        /* the reference run's peak pending */
    struct rng *rng;        /* one stream per LP */
    double exp_mean;        /* mean - lookahead, in ns */
    uint64_t committed;     /* events fired */
    uint64_t limit;         /* stop when committed reaches this */
    uint64_t checksum;      /* see phold.h */
};

void phold_params_default(struct phold_params *p)
{
    *p = (struct phold_params){
        .lps = 1024,
        .population = 1,
        .remote = 0.25,
        .mean = SIM_S,
        .lookahead = 100 * SIM_MS,
        .seed = 1,
    };
}

bool phold_check(const struct phold_params *p, char *err, size_t errlen)
{
    const char *why = NULL;
    if (p->lps == 0)
        why = "lps must be > 0";
    else if (p->population == 0)
        why = "population must be > 0";
    else if (p->lps > (UINT64_C(1) << 27) / p->population)
        why = "lps * population must be at most 134217728 pending events";
    else if (!(p->remote >= 0 && p->remote <= 1))
        why = "remote must be a probability in [0, 1]";
    else if (p->mean == 0)
        why = "mean must be > 0";
    else if (p->lookahead > p->mean)
        why = "lookahead must be <= mean";
    if (why && err && errlen)
        snprintf(err, errlen, "%s", why);
    return why == NULL;
}

/* lookahead + Exp(mean - lookahead), rounded to ns, drawn from stream r. */
static inline sim_time draw_delay(const struct phold *ph, struct rng *r)
{
    double x = -ph->exp_mean * log(1.0 - rng_uniform(r));
    return ph->p.lookahead + (sim_time)(x + 0.5);
}

static void phold_event(struct sim_engine *eng, const struct sim_event *ev);

/* Commit LP lp's event at now: fold it into the checksum; the new event for the returned
 * LP is due after *delay. The one model step both queues run. */
static inline uint64_t phold_step(struct phold *ph, uint64_t lp, sim_time now, sim_time *delay)
{
    struct rng *r = &ph->rng[lp];
    ph->checksum = ((ph->checksum ^ now) * CHECKSUM_MUL ^ lp) * CHECKSUM_MUL;
    uint64_t dest = rng_uniform(r) < ph->p.remote ? rng_below(r, ph->p.lps) : lp;
    *delay = draw_delay(ph, r);
    ph->committed++;
    return dest;
}

static void phold_event(struct sim_engine *eng, const struct sim_event *ev)
{
    struct phold *ph = ev->ctx;
    sim_time delay;
    struct sim_event next = {.fn = phold_event, .ctx = ph};
    next.a = phold_step(ph, ev->a, sim_now(eng), &delay);
    sim_schedule_after(eng, delay, &next);
    const struct sim_event *coming = sim_peek(eng);
    if (coming)
        __builtin_prefetch(&ph->rng[coming->a]);
    if (ph->committed == ph->limit)
        sim_stop(eng);
}

/* phold_run on the bare heap, with sim_run's rules for the limit and the horizon (the
 * same model-side prefetch of the next event's LP, so only the queue differs). */
static uint64_t reference_run(struct phold *ph, sim_time end)
{
    uint64_t start = ph->committed;
    struct refheap_entry top;
    const struct refheap_entry *next = refheap_peek(ph->ref);
    while (ph->committed < ph->limit && next && next->time <= end) {
        refheap_pop(ph->ref, &top);
        ph->ref_now = top.time;
        sim_time delay;
        uint64_t dest = phold_step(ph, top.payload, top.time, &delay);
        sim_time t = delay > SIM_TIME_MAX - top.time ? SIM_TIME_MAX : top.time + delay;
        refheap_push(ph->ref, t, dest);
        next = refheap_peek(ph->ref);
        __builtin_prefetch(&ph->rng[next->payload]);
    }
    if (ph->committed < ph->limit && end != SIM_TIME_MAX && next && end > ph->ref_now)
        ph->ref_now = end;
    return ph->committed - start;
}

struct phold *phold_new(const struct phold_params *p)
{
    assert(phold_check(p, NULL, 0));
    struct phold *ph = xcalloc(1, sizeof(*ph));
    ph->p = *p;
    ph->exp_mean = (double)(p->mean - p->lookahead);
    ph->checksum = 0xcbf29ce484222325ull; /* FNV-1a offset basis */
    size_t pending = (size_t)(p->lps * p->population);
    if (p->reference) {
        ph->ref = refheap_new();
        refheap_reserve(ph->ref, pending);
        ph->ref_peak = pending;
    } else {
        ph->eng = sim_engine_new();
        static const struct sim_kind kind = {
            .fn = phold_event, .name = "phold", .target = SIM_TARGET_A};
        sim_engine_kinds(ph->eng, &kind, 1);
        sim_engine_reserve(ph->eng, pending);
    }
    ph->rng = xcalloc((size_t)p->lps, sizeof(struct rng));
    for (uint64_t lp = 0; lp < p->lps; lp++) {
        struct rng *r = &ph->rng[lp];
        rng_init(r, p->seed, RNG_PHOLD, lp);
        struct sim_event ev = {.fn = phold_event, .ctx = ph, .a = lp};
        for (uint64_t k = 0; k < p->population; k++) {
            sim_time t = draw_delay(ph, r);
            if (ph->ref)
                refheap_push(ph->ref, t, lp);
            else
                sim_schedule_at(ph->eng, t, &ev);
        }
    }
    return ph;
}

void phold_free(struct phold *ph)
{
    if (!ph)
        return;
    sim_engine_free(ph->eng);
    refheap_free(ph->ref);
    free(ph->rng);
    free(ph);
}

uint64_t phold_run(struct phold *ph, uint64_t events, sim_time end)
{
    if (ph->committed >= events)
        return 0;
    ph->limit = events;
    if (ph->ref)
        return reference_run(ph, end);
    return sim_run(ph->eng, end);
}

void phold_result(const struct phold *ph, struct phold_result *out)
{
    *out = (struct phold_result){
        .events = ph->committed,
        .pending = ph->ref ? refheap_size(ph->ref) : sim_pending(ph->eng),
        .checksum = ph->checksum,
        .now = ph->ref ? ph->ref_now : sim_now(ph->eng),
        .peak_pending = ph->ref ? ph->ref_peak : sim_peak_pending(ph->eng),
    };
}
