/* faults: timed and random crashes, recoveries, partitions and catch-up (see cluster.h). */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "sim/cluster/cluster_impl.h"
#include "sim/cluster/progress.h"

/* --- catch-up ----------------------------------------------------------------------- */

static void catchup_retry(struct sim_engine *eng, const struct sim_event *ev);

/* Ask peer (UINT32_MAX: a random one) for its commits; retry after a vote timeout. */
static void catchup_ask(struct cluster *c, uint32_t node, uint32_t peer)
{
    struct cnode *nd = &c->node[node];
    if (c->n < 2)
        return;
    nd->catching_up = true;
    nd->quiet_catchup = false;
    if (peer == UINT32_MAX) {
        peer = (uint32_t)rng_below(&c->fault[node], c->n - 1);
        peer += peer >= node;
    }
    cluster_transmit(c, faults_deliver_catchup_req, node, peer, nd->epoch);
    struct sim_event ev = {.fn = catchup_retry, .ctx = c, .c = node, .d = nd->epoch};
    nd->catchup_timer =
        mailbox_schedule(c->mb, cluster_after(c, c->sc->consensus.vote_timeout), &ev);
}

static void catchup_start(struct cluster *c, uint32_t node)
{
    catchup_ask(c, node, UINT32_MAX);
}

/* After a catch-up from a donor: a live peer holding a commit the node still lacks, or
 * UINT32_MAX when there is none. A commit lacks when the donor lagged (it crashed too, or
 * was catching up itself), or when it arrived live before its predecessors and failed to
 * apply; a commit the donor did send that still fails is left alone (the replica's state
 * refuses it; asking again would loop). The lowest-numbered holder of the earliest lacking
 * commit, so rounds converge instead of sampling lagging peers. */
static uint32_t catchup_lacking_from(const struct cluster *c, uint32_t node, const uint64_t *donor)
{
    for (uint64_t k = 0; k < c->ncommits; k++) {
        uint64_t id = c->commits[k];
        if (applied_get(c, node, id) || bit_get(donor, id))
            continue;
        for (uint32_t peer = 0; peer < c->n; peer++)
            if (peer != node && up(c, peer) && applied_get(c, peer, id))
                return peer;
    }
    return UINT32_MAX;
}

static void catchup_retry(struct sim_engine *eng, const struct sim_event *ev)
{
    (void)eng;
    struct cluster *c = ev->ctx;
    mailbox_enter(c->mb, ev);
    if (cluster_current(c, ev) && c->node[ev->c].catching_up)
        catchup_start(c, ev->c);
}

void faults_deliver_catchup_req(struct sim_engine *eng, const struct sim_event *ev)
{
    (void)eng;
    struct cluster *c = ev->ctx;
    if (!cluster_arrive(c, ev))
        return;
    size_t i = 0;
    while (i < c->nsnap && c->snap[i].used)
        i++;
    if (i == c->nsnap) {
        XGROW(c->snap, c->snap_cap, c->nsnap + 1);
        c->nsnap++;
    }
    struct snapshot *s = &c->snap[i];
    s->used = true;
    s->epoch = (uint32_t)ev->a;
    s->applied = xmalloc(c->pwords * sizeof(uint64_t));
    cluster_applied_row(c, ev->d, s->applied);
    cluster_transmit(c, faults_deliver_catchup, ev->d, ev->c, i);
}

/* Would catching up from the donor's set apply a commit after a later one (in commit order,
 * the order the proposers decided them) that the node already applied? That happens when
 * commits decided after the crash arrive live before the catch-up does; appending the missed
 * ones then would apply non-commuting operations (two set_property on one key) in another
 * order than every other replica did, and equal commit sets would give different states. */
static bool catchup_out_of_order(const struct cluster *c, uint32_t node, const uint64_t *donor)
{
    bool missing = false;
    for (uint64_t k = 0; k < c->ncommits; k++) {
        uint64_t id = c->commits[k];
        if (applied_get(c, node, id)) {
            if (missing)
                return true;
        } else if (bit_get(donor, id)) {
            missing = true;
        }
    }
    return false;
}

/* The node's replica back to the template, nothing applied. */
static void reset_state(struct cluster *c, uint32_t node)
{
    replicas_reset(c->rep, node);
    cluster_applied_clear(c, node);
    c->app[node].set_hash = 0;
    c->node[node].refused_hash = 0;
    c->app[node].nrefused = 0;
    for (uint64_t id = 1; c->refused && id <= c->nprops; id++) /* stored by proposal */
        *refused_word(c, id, node) &= ~((uint64_t)1 << (node % 64));
    c->app[node].applications = 0;
    c->node[node].applied_index = 0;
}

/* Replay the node's log in commit order: back to the template, then every commit it had
 * applied or the donor holds, in commit order (the caller's loop then finds them all
 * applied). The ledger keeps its history and records the rebuild; the re-applications
 * count as applications, as after an amnesia. */
static void rebuild(struct cluster *c, uint32_t node, const uint64_t *donor)
{
    uint64_t *both = xmalloc(c->pwords * sizeof(uint64_t));
    cluster_applied_row(c, node, both);
    for (size_t w = 0; w < c->pwords; w++)
        both[w] |= donor[w];
    reset_state(c, node);
    cluster_ledger_note(c, node, LEDGER_NOTE, 0, node, 0, "rebuild in commit order");
    for (uint64_t k = 0; k < c->ncommits; k++)
        if (bit_get(both, c->commits[k]))
            cluster_node_apply(c, node, c->commits[k]);
    free(both);
}

void faults_deliver_catchup(struct sim_engine *eng, const struct sim_event *ev)
{
    (void)eng;
    struct cluster *c = ev->ctx;
    if (!cluster_arrive(c, ev))
        return;
    uint32_t node = ev->d;
    struct cnode *nd = &c->node[node];
    struct snapshot *s = &c->snap[ev->a];
    if (nd->catching_up && nd->epoch == s->epoch) {
        uint64_t before = c->app[node].applications;
        if (catchup_out_of_order(c, node, s->applied))
            rebuild(c, node, s->applied);
        for (uint64_t k = 0; k < c->ncommits; k++)
            if (bit_get(s->applied, c->commits[k]))
                cluster_node_apply(c, node, c->commits[k]);
        nd->catching_up = false;
        sim_cancel(c->eng, nd->catchup_timer);
        uint64_t after = c->app[node].applications, gained = after > before ? after - before : 0;
        bool quiet = nd->quiet_catchup;
        if (gained || !quiet) {
            cluster_ledger_note(c, node, LEDGER_NOTE, 0, ev->c, gained, "catchup");
            cluster_emit_event(c, node, "catchup", "from=%u commits=%llu", ev->c,
                               (unsigned long long)gained);
        }
        uint32_t holder = catchup_lacking_from(c, node, s->applied);
        if (holder != UINT32_MAX) { /* the donor lagged: ask one that has what is missing */
            catchup_ask(c, node, holder);
            nd->quiet_catchup = quiet;
        }
    }
    cluster_snapshot_release(c, ev->a);
}

/* --- faults ------------------------------------------------------------------------- */

static void crash(struct sim_engine *eng, const struct sim_event *ev);
static void recover(struct sim_engine *eng, const struct sim_event *ev);
static void anti_entropy_start(struct cluster *c, uint32_t node);

static void schedule_fault(struct cluster *c, sim_event_fn *fn, sim_time at, uint32_t node,
                           uint32_t flags, sim_time recover_at)
{
    if (at > c->sc->duration)
        return;
    struct sim_event ev = {.fn = fn, .ctx = c, .a = recover_at, .c = node, .d = flags};
    mailbox_schedule(c->mb, at, &ev);
}

static sim_time draw_after(struct cluster *c, uint32_t node, const struct dist *d)
{
    sim_time dt = dist_sample(d, rng_gsl(&c->fault[node]));
    sim_time now = sim_now(c->eng);
    return dt > SIM_TIME_MAX - now ? SIM_TIME_MAX : now + dt;
}

/* Node goes down now (it is up); zone: the zone taking it down, or NULL. */
static void node_down(struct cluster *c, uint32_t node, bool amnesia, const char *zone)
{
    struct cnode *nd = &c->node[node];
    set_up(c, node, false);
    nd->epoch++;
    nd->crashed_at = sim_now(c->eng);
    if (node == c->leader_now) { /* the cluster lost its leader (elections.csv downtime_s) */
        c->leader_now = UINT32_MAX;
        c->leader_lost_at = nd->crashed_at;
    }
    nd->detected = false;
    nd->catching_up = false;
    nd->amnesia = amnesia;
    if (c->svc)
        service_reset(c->svc, node, nd->crashed_at);
    c->m.crashes++;
    cluster_emit_event(c, node, "crash", "%s%s%s", nd->amnesia ? "amnesia" : "durable",
                       zone ? " zone=" : "", zone ? zone : "");
    c->proto_ops->crash(c->proto, node);
    progress_step(c, node);
}

static void crash(struct sim_engine *eng, const struct sim_event *ev)
{
    struct cluster *c = ev->ctx;
    mailbox_enter(c->mb, ev);
    uint32_t node = ev->c;
    const struct random_faults *rf = &c->sc->faults.random;
    if (!up(c, node)) {
        if (ev->d & FAULT_RANDOM) /* already down: skip this random cycle */
            schedule_fault(c, crash, draw_after(c, node, &rf->mttf), node, ev->d, 0);
        return;
    }
    node_down(c, node, (ev->d & FAULT_AMNESIA) != 0, NULL);
    sim_time back = ev->d & FAULT_RANDOM ? draw_after(c, node, &rf->mttr) : ev->a;
    if (back != SIM_TIME_MAX)
        schedule_fault(c, recover, back, node, ev->d, 0);
    (void)eng;
}

/* Amnesia: the state and the ledger are lost. */
static void forget(struct cluster *c, uint32_t node)
{
    reset_state(c, node);
    if (c->ledger) {
        ledger_free(c->ledger[node]);
        c->ledger[node] = ledger_new();
    }
}

/* Node comes back now (it is down); zone: the zone bringing it back, or NULL. */
static void node_up(struct cluster *c, uint32_t node, const char *zone)
{
    struct cnode *nd = &c->node[node];
    set_up(c, node, true);
    nd->epoch++;
    nd->crashed_at = SIM_TIME_MAX;
    c->m.recoveries++;
    if (nd->amnesia)
        forget(c, node);
    cluster_emit_event(c, node, "recover", "%s%s%s", nd->amnesia ? "amnesia" : "durable",
                       zone ? " zone=" : "", zone ? zone : "");
    cluster_ledger_note(c, node, LEDGER_NOTE, 0, node, 0,
                        nd->amnesia ? "recover amnesia" : "recover");
    cluster_heartbeat_start(c, node, 0);
    c->proto_ops->recover(c->proto, node, nd->amnesia);
    progress_step(c, node);
    if (!(c->proto_ops->flags & CONSENSUS_SELF_REPAIR))
        catchup_start(c, node); /* the host's repair; a log protocol repairs itself */
    anti_entropy_start(c, node);
}

static void recover(struct sim_engine *eng, const struct sim_event *ev)
{
    struct cluster *c = ev->ctx;
    mailbox_enter(c->mb, ev);
    uint32_t node = ev->c;
    if (ev->d & FAULT_RANDOM)
        schedule_fault(c, crash, draw_after(c, node, &c->sc->faults.random.mttf), node, ev->d, 0);
    if (!up(c, node))
        node_up(c, node, NULL);
    (void)eng;
}

/* consensus.anti_entropy: a live node that is not already catching up asks a random peer for
 * its commits (the recovery's catch-up), then again an interval later. d = its epoch: a
 * crash ends the cycle, the recovery starts it again. */
static void anti_entropy(struct sim_engine *eng, const struct sim_event *ev)
{
    (void)eng;
    struct cluster *c = ev->ctx;
    mailbox_enter(c->mb, ev);
    if (!cluster_current(c, ev))
        return;
    struct cnode *nd = &c->node[ev->c];
    if (!nd->catching_up) {
        catchup_start(c, ev->c);
        nd->quiet_catchup = true;
    }
    struct sim_event next = *ev;
    mailbox_post(c->mb, cluster_after(c, c->sc->consensus.anti_entropy), &next);
}

static bool anti_entropy_on(const struct cluster *c)
{
    return c->sc->consensus.anti_entropy != SIM_TIME_MAX &&
           !(c->proto_ops->flags & CONSENSUS_SELF_REPAIR) && c->n > 1;
}

/* Start node's anti-entropy cycle, phased by its index so the rounds spread out. */
static void anti_entropy_start(struct cluster *c, uint32_t node)
{
    if (!anti_entropy_on(c))
        return;
    sim_time every = c->sc->consensus.anti_entropy;
    sim_time phase = (sim_time)((double)every * ((double)node + 1) / (double)c->n);
    struct sim_event ev = {.fn = anti_entropy, .ctx = c, .c = node, .d = c->node[node].epoch};
    mailbox_post(c->mb, cluster_after(c, phase), &ev);
}

static void partition_switch(struct sim_engine *eng, const struct sim_event *ev)
{
    (void)eng;
    struct cluster *c = ev->ctx;
    mailbox_enter(c->mb, ev);
    bool on = ev->d != 0;
    net_partition_set(c->net, ev->a, on);
    const struct partition_spec *p = &c->sc->faults.partitions[ev->a];
    if (p->isolate)
        cluster_emit_event(c, TRACE_NO_NODE, on ? "partition" : "heal",
                           "partition %llu: isolate zone=%s%s", (unsigned long long)ev->a,
                           p->isolate, p->oneway ? " (one-way)" : "");
    else
        cluster_emit_event(c, TRACE_NO_NODE, on ? "partition" : "heal",
                           "partition %llu: %u groups%s", (unsigned long long)ev->a, p->ngroups,
                           p->oneway ? " (one-way)" : "");
}

/* faults.leader: crash the node that last became leader if it is up (it recovers `down`
 * later, through the timed crash's path; none while no live node was reported leader since
 * the last one crashed), then wait for the next draw of `every`. */
static void leader_crash(struct sim_engine *eng, const struct sim_event *ev)
{
    struct cluster *c = ev->ctx;
    mailbox_enter(c->mb, ev);
    const struct leader_faults *lf = &c->sc->faults.leader;
    sim_time now = sim_now(eng);
    if (c->leader_now != UINT32_MAX) {
        sim_time back = lf->down > SIM_TIME_MAX - now ? SIM_TIME_MAX : now + lf->down;
        bool amnesia = lf->amnesia || !c->sc->consensus.durable;
        schedule_fault(c, crash, now, c->leader_now, amnesia ? FAULT_AMNESIA : 0, back);
    }
    sim_time dt = dist_sample(&lf->every, rng_gsl(&c->leader_rng));
    if (dt <= SIM_TIME_MAX - now)
        schedule_fault(c, leader_crash, now + (dt ? dt : 1), 0, 0, 0);
}

/* --- zones (faults.zone_crashes, faults.zone_random) -------------------------------- */

/* A zone event: a = the time its zone comes back (zone_down) or 0, c = the zone, d = flags
 * (FAULT_RANDOM: faults.zone_random's cycle, drawn from the zone's RNG_ZONE stream). */
static void zone_up(struct sim_engine *eng, const struct sim_event *ev);

static sim_time zone_draw(struct cluster *c, uint32_t zone, const struct dist *d)
{
    sim_time dt = dist_sample(d, rng_gsl(&c->zone_rng[zone]));
    sim_time now = sim_now(c->eng);
    return dt > SIM_TIME_MAX - now ? SIM_TIME_MAX : now + dt;
}

/* Every node of the zone that is up crashes now (one already down stays down, and comes
 * back with the zone). */
static void zone_down(struct sim_engine *eng, const struct sim_event *ev)
{
    struct cluster *c = ev->ctx;
    mailbox_enter(c->mb, ev);
    uint32_t zone = ev->c;
    const char *name = c->sc->zones[zone].name;
    bool random = ev->d & FAULT_RANDOM;
    uint32_t crashed = 0;
    for (uint32_t i = 0; i < c->n; i++)
        if (net_zone(c->net, i) == zone && up(c, i)) {
            node_down(c, i, (ev->d & FAULT_AMNESIA) != 0, name);
            crashed++;
        }
    cluster_emit_event(c, TRACE_NO_NODE, "zone_down", "zone=%s nodes=%u%s", name, crashed,
                       random ? " random" : "");
    sim_time back = random ? zone_draw(c, zone, &c->sc->faults.zone_random.mttr) : ev->a;
    if (back != SIM_TIME_MAX)
        schedule_fault(c, zone_up, back, zone, ev->d, 0);
    (void)eng;
}

static void zone_up(struct sim_engine *eng, const struct sim_event *ev)
{
    struct cluster *c = ev->ctx;
    mailbox_enter(c->mb, ev);
    uint32_t zone = ev->c;
    const char *name = c->sc->zones[zone].name;
    uint32_t back = 0;
    for (uint32_t i = 0; i < c->n; i++)
        if (net_zone(c->net, i) == zone && !up(c, i)) {
            node_up(c, i, name);
            back++;
        }
    cluster_emit_event(c, TRACE_NO_NODE, "zone_up", "zone=%s nodes=%u%s", name, back,
                       ev->d & FAULT_RANDOM ? " random" : "");
    if (ev->d & FAULT_RANDOM)
        schedule_fault(c, zone_down, zone_draw(c, zone, &c->sc->faults.zone_random.mttf), zone,
                       ev->d, 0);
    (void)eng;
}

static void zones_schedule(struct cluster *c, bool forgetful)
{
    const struct scenario *sc = c->sc;
    for (size_t i = 0; i < sc->faults.nzone_crashes; i++) {
        const struct zone_crash *zc = &sc->faults.zone_crashes[i];
        uint32_t zone = (uint32_t)scenario_zone_index(sc, zc->zone);
        uint32_t flags = zc->amnesia || forgetful ? FAULT_AMNESIA : 0;
        schedule_fault(c, zone_down, zc->at, zone, flags, zc->recover);
    }
    const struct zone_random_faults *zr = &sc->faults.zone_random;
    if (!zr->enabled)
        return;
    c->zone_rng = xcalloc(sc->nzones, sizeof(*c->zone_rng));
    uint32_t flags = FAULT_RANDOM | (zr->amnesia || forgetful ? FAULT_AMNESIA : 0);
    for (uint32_t z = 0; z < sc->nzones; z++) {
        rng_init(&c->zone_rng[z], sc->seed, RNG_ZONE, z);
        schedule_fault(c, zone_down, zone_draw(c, z, &zr->mttf), z, flags, 0);
    }
}

/* --- slow periods and clogs: switched by events, traced -------------------------------- */

/* faults.slow[a] starts (d = 1) or ends (d = 0): the service queue reads the period. */
static void slow_switch(struct sim_engine *eng, const struct sim_event *ev)
{
    struct cluster *c = ev->ctx;
    mailbox_enter(c->mb, ev);
    const struct slow_spec *s = &c->sc->faults.slow[ev->a];
    uint32_t nodes = service_slow_set(c->svc, ev->a, ev->d != 0);
    cluster_emit_event(c, TRACE_NO_NODE, ev->d ? "slow" : "slow_end", "slow %llu: %u nodes%s%s",
                       (unsigned long long)ev->a, nodes, s->zone ? " zone=" : "",
                       s->zone ? s->zone : "");
    (void)eng;
}

/* faults.clogs[a] starts (d = 1) or ends (d = 0): the network holds messages by time alone;
 * this event only reports it. */
static void clog_switch(struct sim_engine *eng, const struct sim_event *ev)
{
    struct cluster *c = ev->ctx;
    mailbox_enter(c->mb, ev);
    cluster_emit_event(c, TRACE_NO_NODE, ev->d ? "clog" : "unclog", "clog %llu",
                       (unsigned long long)ev->a);
    (void)eng;
}

/* Schedule the start and end events of window i (ends after the run are left out). */
static void window_schedule(struct cluster *c, sim_event_fn *fn, size_t i, sim_time at,
                            sim_time end)
{
    struct sim_event ev = {.fn = fn, .ctx = c, .a = i, .d = 1};
    if (at <= c->sc->duration)
        mailbox_schedule(c->mb, at, &ev);
    ev.d = 0;
    if (end != SIM_TIME_MAX && end <= c->sc->duration)
        mailbox_schedule(c->mb, end, &ev);
}

/* Event kinds for the fingerprint (sim/engine/engine.h). */
static const struct sim_kind fault_kinds[] = {
    {.fn = crash, .name = "crash", .target = SIM_TARGET_C},
    {.fn = recover, .name = "recover", .target = SIM_TARGET_C},
    {.fn = partition_switch, .name = "partition", .target = SIM_TARGET_A},
    {.fn = catchup_retry, .name = "catchup_retry", .target = SIM_TARGET_C},
    {.fn = anti_entropy, .name = "anti_entropy", .target = SIM_TARGET_C},
    {.fn = leader_crash, .name = "leader_crash", .target = SIM_TARGET_C},
    {.fn = zone_down, .name = "zone_down", .target = SIM_TARGET_C},
    {.fn = zone_up, .name = "zone_up", .target = SIM_TARGET_C},
    {.fn = slow_switch, .name = "slow", .target = SIM_TARGET_A},
    {.fn = clog_switch, .name = "clog", .target = SIM_TARGET_A},
};

void faults_schedule(struct cluster *c)
{
    const struct scenario *sc = c->sc;
    sim_engine_kinds(c->eng, fault_kinds, sizeof(fault_kinds) / sizeof(fault_kinds[0]));
    for (uint32_t i = 0; i < c->n; i++)
        anti_entropy_start(c, i);
    bool forgetful = !sc->consensus.durable;
    for (size_t i = 0; i < sc->faults.ncrashes; i++) {
        const struct crash_spec *cs = &sc->faults.crashes[i];
        uint32_t flags = cs->amnesia || forgetful ? FAULT_AMNESIA : 0;
        schedule_fault(c, crash, cs->at, cs->node, flags, cs->recover);
    }
    for (size_t i = 0; i < sc->faults.npartitions; i++) {
        const struct partition_spec *p = &sc->faults.partitions[i];
        struct sim_event ev = {.fn = partition_switch, .ctx = c, .a = i, .d = 1};
        if (p->at <= sc->duration)
            mailbox_schedule(c->mb, p->at, &ev);
        ev.d = 0;
        if (p->heal != SIM_TIME_MAX && p->heal <= sc->duration)
            mailbox_schedule(c->mb, p->heal, &ev);
    }
    zones_schedule(c, forgetful);
    for (size_t i = 0; i < sc->faults.nslow; i++)
        window_schedule(c, slow_switch, i, sc->faults.slow[i].at, sc->faults.slow[i].end);
    for (size_t i = 0; i < sc->faults.nclogs; i++)
        window_schedule(c, clog_switch, i, sc->faults.clogs[i].at, sc->faults.clogs[i].end);
    if (sc->faults.leader.enabled) {
        rng_init(&c->leader_rng, sc->seed, RNG_LEADER, 0);
        sim_time first = dist_sample(&sc->faults.leader.every, rng_gsl(&c->leader_rng));
        schedule_fault(c, leader_crash, first ? first : 1, 0, 0, 0);
    }
    if (!sc->faults.random.enabled)
        return;
    uint32_t flags = FAULT_RANDOM | (sc->faults.random.amnesia || forgetful ? FAULT_AMNESIA : 0);
    for (uint32_t i = 0; i < c->n; i++)
        schedule_fault(c, crash, draw_after(c, i, &sc->faults.random.mttf), i, flags, 0);
}
