/* scenario: defaults, copying, freeing and cross-field validation (see scenario.h). */
#include "sim/scenario/scenario.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "sim/scenario/scenario_zones.h"

uint32_t quorum_size(const struct quorum_spec *q, uint32_t n)
{
    switch (q->kind) {
    case QUORUM_MAJORITY:
        return n / 2 + 1;
    case QUORUM_ALL:
        return n;
    case QUORUM_COUNT:
        return q->count;
    case QUORUM_FRACTION:
        return (uint32_t)(((uint64_t)n * q->num + q->den - 1) / q->den);
    }
    return n;
}

/*
 * A protocol parameter's default from its text: a duration, true/false, a number, a name of
 * its choices, or a distribution written as a flat flow mapping "{dist: F, k: v, ...}".
 */
static bool proto_param_default(const struct consensus_param *cp, struct proto_param *out)
{
    const char *t = cp->def;
    char *end;
    switch (cp->type) {
    case CPARAM_BOOL:
        out->b = strcmp(t, "true") == 0;
        return out->b || strcmp(t, "false") == 0;
    case CPARAM_UINT:
        out->u = (uint32_t)strtoul(t, &end, 10);
        return *t && !*end;
    case CPARAM_REAL:
        out->r = strtod(t, &end);
        return *t && !*end;
    case CPARAM_DURATION:
        return sim_time_parse(t, &out->t, NULL, 0);
    case CPARAM_ENUM: {
        size_t len = strlen(t);
        unsigned e = 0;
        for (const char *c = cp->choices; c; c = strchr(c, '|'), c = c ? c + 1 : NULL, e++)
            if (strncmp(c, t, len) == 0 && (c[len] == '|' || !c[len])) {
                out->e = e;
                return true;
            }
        return false;
    }
    case CPARAM_DIST:
        return dist_parse_flow(t, &out->d);
    }
    return false;
}

void scenario_init(struct scenario *sc)
{
    memset(sc, 0, sizeof(*sc));
    sc->name = xstrdup("scenario");
    sc->seed = 1;
    sc->duration = 10 * SIM_S;
    sc->nodes = 5;
    dist_init_constant(&sc->network.latency, 1 * SIM_MS);
    sc->heartbeat = (struct heartbeat_spec){
        .enabled = true,
        .interval = 100 * SIM_MS,
        .timeout = 500 * SIM_MS,
        .loss = 0.0,
        .topology = HB_ALL,
        .fanout = 3,
    };
    sc->consensus.protocol = 0; /* consensus_protocols[0], quorum-vote */
    for (size_t p = 0; consensus_protocols[p]; p++)
        for (uint32_t i = 0; i < consensus_protocols[p]->nparams; i++) {
            bool ok = proto_param_default(&consensus_protocols[p]->params[i],
                                          &sc->consensus.params[p][i]);
            assert(ok && "a protocol's parameter default does not parse");
            (void)ok;
        }
    sc->consensus.quorum.kind = QUORUM_MAJORITY;
    sc->consensus.approval = 0.9;
    sc->consensus.vote_timeout = 1 * SIM_S;
    sc->consensus.durable = true;
    sc->consensus.anti_entropy = SIM_TIME_MAX;
    sc->workload.generate.rate = 1.0;
    sc->workload.generate.proposer = WORKLOAD_RANDOM_PROPOSER;
    sc->workload.generate.mix[PROP_ADD_VERTEX] = 1.0;
    sc->workload.generate.mix[PROP_ADD_EDGE] = 1.0;
    sc->clients = (struct clients_spec){.count = 1,
                                        .ops = 100,
                                        .rate = 10.0,
                                        .timeout = 1 * SIM_S,
                                        .keys = 8,
                                        .elements = 8,
                                        .zipf_s = 1.0,
                                        .read_ratio = 0.5};
    sc->checker.linearizability = true;
    sc->checker.max_steps = 10000000;
    sc->sweep.replications = 1;
    sc->output.votes = true;
    sc->output.sync = true;
}

static void zones_fini(struct scenario *sc);

static void node_set_fini(struct node_set *s)
{
    free(s->ids);
    s->ids = NULL;
    s->n = 0;
}

static void kvs_fini(struct kv *kv, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(kv[i].key);
        free(kv[i].value);
    }
    free(kv);
}

void scenario_fini(struct scenario *sc)
{
    if (!sc)
        return;
    free(sc->name);
    dist_fini(&sc->network.latency);
    dist_fini(&sc->network.jitter);
    for (size_t i = 0; i < sc->network.nlinks; i++) {
        struct link_override *l = &sc->network.links[i];
        node_set_fini(&l->from);
        node_set_fini(&l->to);
        dist_fini(&l->latency);
    }
    free(sc->network.links);
    free(sc->consensus.approvals);
    node_set_fini(&sc->consensus.byzantine.nodes);
    free(sc->faults.crashes);
    dist_fini(&sc->clocks.drift);
    dist_fini(&sc->clocks.offset);
    free(sc->clocks.nodes);
    free(sc->clocks.jumps);
    zones_fini(sc);
    for (size_t i = 0; i < sc->faults.npartitions; i++) {
        struct partition_spec *p = &sc->faults.partitions[i];
        for (uint32_t g = 0; g < p->ngroups; g++)
            node_set_fini(&p->groups[g]);
        free(p->groups);
    }
    free(sc->faults.partitions);
    dist_fini(&sc->faults.random.mttf);
    dist_fini(&sc->faults.random.mttr);
    dist_fini(&sc->faults.leader.every);
    dist_fini(&sc->clients.think);
    for (size_t p = 0; p < CONSENSUS_PROTOCOLS_MAX; p++)
        for (size_t i = 0; i < CONSENSUS_PARAMS_MAX; i++)
            dist_fini(&sc->consensus.params[p][i].d);
    for (size_t i = 0; i < sc->graph.nvertices; i++) {
        struct vertex_spec *v = &sc->graph.vertices[i];
        free(v->id);
        free(v->label);
        kvs_fini(v->props, v->nprops);
    }
    free(sc->graph.vertices);
    for (size_t i = 0; i < sc->graph.nedges; i++) {
        struct edge_spec *e = &sc->graph.edges[i];
        free(e->from);
        free(e->label);
        free(e->to);
        kvs_fini(e->props, e->nprops);
    }
    free(sc->graph.edges);
    for (size_t i = 0; i < sc->workload.nops; i++) {
        struct op_spec *o = &sc->workload.ops[i];
        free(o->id);
        free(o->label);
        free(o->from);
        free(o->to);
        free(o->key);
        free(o->value);
        kvs_fini(o->props, o->nprops);
    }
    free(sc->workload.ops);
    for (size_t i = 0; i < sc->sweep.nparams; i++) {
        struct sweep_param *p = &sc->sweep.params[i];
        free(p->path);
        for (size_t j = 0; j < p->nvalues; j++)
            free(p->values[j]);
        free(p->values);
    }
    free(sc->sweep.params);
    memset(sc, 0, sizeof(*sc));
}

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

static void *dup_array(const void *src, size_t n, size_t size)
{
    if (!n)
        return NULL;
    void *p = xreallocarray(NULL, n, size);
    memcpy(p, src, n * size);
    return p;
}

static void node_set_copy(struct node_set *dst, const struct node_set *src)
{
    dst->n = src->n;
    dst->ids = dup_array(src->ids, src->n, sizeof(*src->ids));
}

static struct kv *kvs_copy(const struct kv *src, size_t n)
{
    struct kv *kv = dup_array(src, n, sizeof(*src));
    for (size_t i = 0; i < n; i++) {
        kv[i].key = xstrdup(src[i].key);
        kv[i].value = xstrdup(src[i].value);
    }
    return kv;
}

static void dist_copy_or_clear(struct dist *dst, const struct dist *src)
{
    if (src->ops)
        dist_copy(dst, src);
    else
        memset(dst, 0, sizeof(*dst));
}

/* The zones, slow periods and clogs (issue 17 items 2 and 3). */
static void zones_fini(struct scenario *sc)
{
    for (size_t i = 0; i < sc->nzones; i++) {
        free(sc->zones[i].name);
        node_set_fini(&sc->zones[i].nodes);
    }
    free(sc->zones);
    dist_fini(&sc->service);
    for (size_t i = 0; i < sc->network.nzone_latency; i++) {
        free(sc->network.zone_latency[i].from);
        free(sc->network.zone_latency[i].to);
        dist_fini(&sc->network.zone_latency[i].latency);
    }
    free(sc->network.zone_latency);
    for (size_t i = 0; i < sc->faults.npartitions; i++)
        free(sc->faults.partitions[i].isolate);
    for (size_t i = 0; i < sc->faults.nzone_crashes; i++)
        free(sc->faults.zone_crashes[i].zone);
    free(sc->faults.zone_crashes);
    dist_fini(&sc->faults.zone_random.mttf);
    dist_fini(&sc->faults.zone_random.mttr);
    for (size_t i = 0; i < sc->faults.nslow; i++) {
        node_set_fini(&sc->faults.slow[i].nodes);
        free(sc->faults.slow[i].zone);
        dist_fini(&sc->faults.slow[i].service);
    }
    free(sc->faults.slow);
    for (size_t i = 0; i < sc->faults.nclogs; i++) {
        node_set_fini(&sc->faults.clogs[i].from);
        node_set_fini(&sc->faults.clogs[i].to);
        free(sc->faults.clogs[i].from_zone);
        free(sc->faults.clogs[i].to_zone);
    }
    free(sc->faults.clogs);
}

/* dst is a shallow copy of src: duplicate what src's zones, slow periods and clogs own. */
static void zones_copy(struct scenario *dst, const struct scenario *src)
{
    dst->zones = dup_array(src->zones, src->nzones, sizeof(*src->zones));
    for (size_t i = 0; i < src->nzones; i++) {
        dst->zones[i].name = dup_or_null(src->zones[i].name);
        node_set_copy(&dst->zones[i].nodes, &src->zones[i].nodes);
    }
    dist_copy_or_clear(&dst->service, &src->service);
    const struct zone_latency *zl = src->network.zone_latency;
    dst->network.zone_latency = dup_array(zl, src->network.nzone_latency, sizeof(*zl));
    for (size_t i = 0; i < src->network.nzone_latency; i++) {
        dst->network.zone_latency[i].from = dup_or_null(zl[i].from);
        dst->network.zone_latency[i].to = dup_or_null(zl[i].to);
        dist_copy_or_clear(&dst->network.zone_latency[i].latency, &zl[i].latency);
    }
    for (size_t i = 0; i < src->faults.npartitions; i++)
        dst->faults.partitions[i].isolate = dup_or_null(src->faults.partitions[i].isolate);
    const struct zone_crash *zc = src->faults.zone_crashes;
    dst->faults.zone_crashes = dup_array(zc, src->faults.nzone_crashes, sizeof(*zc));
    for (size_t i = 0; i < src->faults.nzone_crashes; i++)
        dst->faults.zone_crashes[i].zone = dup_or_null(zc[i].zone);
    dist_copy_or_clear(&dst->faults.zone_random.mttf, &src->faults.zone_random.mttf);
    dist_copy_or_clear(&dst->faults.zone_random.mttr, &src->faults.zone_random.mttr);
    const struct slow_spec *sl = src->faults.slow;
    dst->faults.slow = dup_array(sl, src->faults.nslow, sizeof(*sl));
    for (size_t i = 0; i < src->faults.nslow; i++) {
        node_set_copy(&dst->faults.slow[i].nodes, &sl[i].nodes);
        dst->faults.slow[i].zone = dup_or_null(sl[i].zone);
        dist_copy_or_clear(&dst->faults.slow[i].service, &sl[i].service);
    }
    const struct clog_spec *cl = src->faults.clogs;
    dst->faults.clogs = dup_array(cl, src->faults.nclogs, sizeof(*cl));
    for (size_t i = 0; i < src->faults.nclogs; i++) {
        node_set_copy(&dst->faults.clogs[i].from, &cl[i].from);
        node_set_copy(&dst->faults.clogs[i].to, &cl[i].to);
        dst->faults.clogs[i].from_zone = dup_or_null(cl[i].from_zone);
        dst->faults.clogs[i].to_zone = dup_or_null(cl[i].to_zone);
    }
}

void scenario_copy(struct scenario *dst, const struct scenario *src)
{
    *dst = *src;
    dst->name = dup_or_null(src->name);
    dist_copy_or_clear(&dst->network.latency, &src->network.latency);
    dist_copy_or_clear(&dst->network.jitter, &src->network.jitter);
    dst->network.links =
        dup_array(src->network.links, src->network.nlinks, sizeof(*src->network.links));
    for (size_t i = 0; i < src->network.nlinks; i++) {
        node_set_copy(&dst->network.links[i].from, &src->network.links[i].from);
        node_set_copy(&dst->network.links[i].to, &src->network.links[i].to);
        dist_copy_or_clear(&dst->network.links[i].latency, &src->network.links[i].latency);
    }
    dst->consensus.approvals = dup_array(src->consensus.approvals, src->consensus.napproval,
                                         sizeof(*src->consensus.approvals));
    node_set_copy(&dst->consensus.byzantine.nodes, &src->consensus.byzantine.nodes);
    dist_copy_or_clear(&dst->clocks.drift, &src->clocks.drift);
    dist_copy_or_clear(&dst->clocks.offset, &src->clocks.offset);
    dst->clocks.nodes =
        dup_array(src->clocks.nodes, src->clocks.nnodes, sizeof(*src->clocks.nodes));
    dst->clocks.jumps =
        dup_array(src->clocks.jumps, src->clocks.njumps, sizeof(*src->clocks.jumps));
    dst->faults.crashes =
        dup_array(src->faults.crashes, src->faults.ncrashes, sizeof(*src->faults.crashes));
    dst->faults.partitions =
        dup_array(src->faults.partitions, src->faults.npartitions, sizeof(*src->faults.partitions));
    for (size_t i = 0; i < src->faults.npartitions; i++) {
        const struct partition_spec *sp = &src->faults.partitions[i];
        struct partition_spec *dp = &dst->faults.partitions[i];
        dp->groups = dup_array(sp->groups, sp->ngroups, sizeof(*sp->groups));
        for (uint32_t g = 0; g < sp->ngroups; g++)
            node_set_copy(&dp->groups[g], &sp->groups[g]);
    }
    zones_copy(dst, src);
    dist_copy_or_clear(&dst->faults.random.mttf, &src->faults.random.mttf);
    dist_copy_or_clear(&dst->faults.random.mttr, &src->faults.random.mttr);
    dist_copy_or_clear(&dst->faults.leader.every, &src->faults.leader.every);
    dist_copy_or_clear(&dst->clients.think, &src->clients.think);
    for (size_t p = 0; p < CONSENSUS_PROTOCOLS_MAX; p++)
        for (size_t i = 0; i < CONSENSUS_PARAMS_MAX; i++)
            dist_copy_or_clear(&dst->consensus.params[p][i].d, &src->consensus.params[p][i].d);
    dst->graph.vertices =
        dup_array(src->graph.vertices, src->graph.nvertices, sizeof(*src->graph.vertices));
    for (size_t i = 0; i < src->graph.nvertices; i++) {
        struct vertex_spec *v = &dst->graph.vertices[i];
        v->id = dup_or_null(v->id);
        v->label = dup_or_null(v->label);
        v->props = kvs_copy(v->props, v->nprops);
    }
    dst->graph.edges = dup_array(src->graph.edges, src->graph.nedges, sizeof(*src->graph.edges));
    for (size_t i = 0; i < src->graph.nedges; i++) {
        struct edge_spec *e = &dst->graph.edges[i];
        e->from = dup_or_null(e->from);
        e->label = dup_or_null(e->label);
        e->to = dup_or_null(e->to);
        e->props = kvs_copy(e->props, e->nprops);
    }
    dst->workload.ops =
        dup_array(src->workload.ops, src->workload.nops, sizeof(*src->workload.ops));
    for (size_t i = 0; i < src->workload.nops; i++) {
        struct op_spec *o = &dst->workload.ops[i];
        o->id = dup_or_null(o->id);
        o->label = dup_or_null(o->label);
        o->from = dup_or_null(o->from);
        o->to = dup_or_null(o->to);
        o->key = dup_or_null(o->key);
        o->value = dup_or_null(o->value);
        o->props = kvs_copy(o->props, o->nprops);
    }
    dst->sweep.params =
        dup_array(src->sweep.params, src->sweep.nparams, sizeof(*src->sweep.params));
    for (size_t i = 0; i < src->sweep.nparams; i++) {
        struct sweep_param *p = &dst->sweep.params[i];
        p->path = xstrdup(p->path);
        p->values = dup_array(p->values, p->nvalues, sizeof(*p->values));
        for (size_t j = 0; j < p->nvalues; j++)
            p->values[j] = xstrdup(p->values[j]);
    }
}

static bool prob_ok(double p)
{
    return p >= 0.0 && p <= 1.0;
}

static void check_node(const struct scenario *sc, struct diag *d, const char *key, uint32_t node)
{
    if (node >= sc->nodes)
        diag_error(d, NULL, 0, 0, key, "node %u does not exist (cluster.nodes is %u)", node,
                   sc->nodes);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static void check_set(const struct scenario *sc, struct diag *d, const char *key,
                      const struct node_set *s)
{
    for (uint32_t i = 0; i < s->n; i++)
        check_node(sc, d, key, s->ids[i]);
}

bool scenario_validate(const struct scenario *sc, struct diag *d)
{
    size_t before = d->errors;
    if (sc->nodes < 1)
        diag_error(d, NULL, 0, 0, "cluster.nodes", "must be at least 1");
    if (sc->duration == 0)
        diag_error(d, NULL, 0, 0, "duration", "must be greater than 0s");
    uint32_t q = quorum_size(&sc->consensus.quorum, sc->nodes);
    if (q < 1 || q > sc->nodes)
        diag_error(d, NULL, 0, 0, "cluster.quorum", "quorum %u is not in [1, %u] (cluster.nodes)",
                   q, sc->nodes);
    if (!prob_ok(sc->network.loss))
        diag_error(d, NULL, 0, 0, "network.loss", "probability %g is not in [0, 1]",
                   sc->network.loss);
    if (!prob_ok(sc->network.duplicate))
        diag_error(d, NULL, 0, 0, "network.duplicate", "probability %g is not in [0, 1]",
                   sc->network.duplicate);
    for (size_t i = 0; i < sc->network.nlinks; i++) {
        check_set(sc, d, "network.links.from", &sc->network.links[i].from);
        check_set(sc, d, "network.links.to", &sc->network.links[i].to);
    }
    if (!prob_ok(sc->heartbeat.loss))
        diag_error(d, NULL, 0, 0, "heartbeat.loss", "probability %g is not in [0, 1]",
                   sc->heartbeat.loss);
    if (sc->heartbeat.enabled && sc->heartbeat.interval == 0)
        diag_error(d, NULL, 0, 0, "heartbeat.interval", "must be greater than 0s");
    if (sc->heartbeat.enabled && sc->heartbeat.timeout == 0)
        diag_error(d, NULL, 0, 0, "heartbeat.timeout", "must be greater than 0s");
    if (!prob_ok(sc->consensus.approval))
        diag_error(d, NULL, 0, 0, "consensus.approval", "probability %g is not in [0, 1]",
                   sc->consensus.approval);
    for (size_t i = 0; i < sc->consensus.napproval; i++) {
        check_node(sc, d, "consensus.approvals.node", sc->consensus.approvals[i].node);
        if (!prob_ok(sc->consensus.approvals[i].approval))
            diag_error(d, NULL, 0, 0, "consensus.approvals.approval",
                       "probability %g is not in [0, 1]", sc->consensus.approvals[i].approval);
    }
    if (sc->consensus.byzantine.enabled)
        check_set(sc, d, "consensus.byzantine.nodes", &sc->consensus.byzantine.nodes);
    for (size_t i = 0; i < sc->clocks.nnodes; i++)
        check_node(sc, d, "clocks.nodes.node", sc->clocks.nodes[i].node);
    for (size_t i = 0; i < sc->clocks.njumps; i++)
        check_node(sc, d, "clocks.jumps.node", sc->clocks.jumps[i].node);
    for (size_t i = 0; i < sc->faults.ncrashes; i++) {
        const struct crash_spec *c = &sc->faults.crashes[i];
        check_node(sc, d, "faults.crashes.node", c->node);
        if (c->recover != SIM_TIME_MAX && c->recover <= c->at)
            diag_error(d, NULL, 0, 0, "faults.crashes.recover", "must be later than `at`");
    }
    for (size_t i = 0; i < sc->faults.npartitions; i++) {
        const struct partition_spec *p = &sc->faults.partitions[i];
        if (p->heal != SIM_TIME_MAX && p->heal <= p->at)
            diag_error(d, NULL, 0, 0, "faults.partitions.heal", "must be later than `at`");
        size_t total = 0, m = 0;
        for (uint32_t g = 0; g < p->ngroups; g++) {
            check_set(sc, d, "faults.partitions.groups", &p->groups[g]);
            total += p->groups[g].n;
        }
        /* overlaps by sorting (node << 32 | group): O(n log n), not pairwise */
        uint64_t *all = xreallocarray(NULL, total ? total : 1, sizeof(*all));
        for (uint32_t g = 0; g < p->ngroups; g++)
            for (uint32_t a = 0; a < p->groups[g].n; a++)
                all[m++] = (uint64_t)p->groups[g].ids[a] << 32 | g;
        qsort(all, m, sizeof(*all), cmp_u64);
        for (size_t k = 1; k < m; k++)
            if (all[k] >> 32 == all[k - 1] >> 32 && (uint32_t)all[k] != (uint32_t)all[k - 1])
                diag_error(d, NULL, 0, 0, "faults.partitions.groups", "node %u is in two groups",
                           (unsigned)(all[k] >> 32));
        free(all);
    }
    if (sc->faults.random.enabled && (!sc->faults.random.mttf.ops || !sc->faults.random.mttr.ops))
        diag_error(d, NULL, 0, 0, "faults.random", "needs both mttf and mttr");
    for (size_t i = 0; i < sc->workload.nops; i++)
        check_node(sc, d, "workload.ops.proposer", sc->workload.ops[i].proposer);
    const struct generate_spec *g = &sc->workload.generate;
    if (g->enabled) {
        if (g->proposer != WORKLOAD_RANDOM_PROPOSER)
            check_node(sc, d, "workload.generate.proposer", g->proposer);
        if (!(g->rate > 0.0))
            diag_error(d, NULL, 0, 0, "workload.generate.rate", "must be greater than 0");
        double total = 0.0;
        for (int k = 0; k < PROP_OP_COUNT; k++) {
            if (g->mix[k] < 0.0)
                diag_error(d, NULL, 0, 0, "workload.generate.mix", "weights must be >= 0");
            total += g->mix[k];
        }
        if (!(total > 0.0))
            diag_error(d, NULL, 0, 0, "workload.generate.mix", "needs a positive weight");
    }
    const struct clients_spec *cl = &sc->clients;
    if (cl->enabled) {
        if (cl->attach == CLIENTS_NODE)
            check_node(sc, d, "clients.node", cl->node);
        if (cl->mode == CLIENTS_OPEN && !(cl->rate > 0.0))
            diag_error(d, NULL, 0, 0, "clients.rate", "must be greater than 0");
        if (cl->count < 1 || cl->keys < 1)
            diag_error(d, NULL, 0, 0, "clients", "needs at least one client and one key");
    }
    if (sc->sweep.replications < 1)
        diag_error(d, NULL, 0, 0, "sweep.replications", "must be at least 1");
    zones_validate(sc, d);
    return d->errors == before;
}

void scenario_protocol_values(const struct scenario *sc,
                              union consensus_value out[CONSENSUS_PARAMS_MAX])
{
    const struct consensus_ops *ops = consensus_protocols[sc->consensus.protocol];
    for (uint32_t i = 0; i < ops->nparams; i++) {
        const struct proto_param *pp = &sc->consensus.params[sc->consensus.protocol][i];
        switch (ops->params[i].type) {
        case CPARAM_BOOL:
            out[i].b = pp->b;
            break;
        case CPARAM_UINT:
            out[i].u = pp->u;
            break;
        case CPARAM_REAL:
            out[i].r = pp->r;
            break;
        case CPARAM_DURATION:
            out[i].t = pp->t;
            break;
        case CPARAM_ENUM:
            out[i].u = pp->e;
            break;
        case CPARAM_DIST:
            out[i].dist = i;
            break;
        }
    }
}

void scenario_consensus_config(const struct scenario *sc, uint64_t max_proposals,
                               const double *node_approval, const union consensus_value *params,
                               struct consensus_config *cfg)
{
    *cfg = (struct consensus_config){.nodes = sc->nodes,
                                     .quorum = quorum_size(&sc->consensus.quorum, sc->nodes),
                                     .vote_timeout = sc->consensus.vote_timeout,
                                     .approval = sc->consensus.approval,
                                     .node_approval = node_approval,
                                     .max_proposals = max_proposals,
                                     .broadcast_votes = sc->consensus.broadcast_votes,
                                     .lease_reads = sc->clients.enabled &&
                                                    sc->clients.read == CLIENTS_READ_LEASE,
                                     .params = params};
}
