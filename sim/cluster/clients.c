/* clients: operations, keys and history rows of issue 16's clients (see clients.h). */
#include "sim/cluster/clients.h"

#include <assert.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "sim/engine/rng.h"

enum cop_kind { COP_READ, COP_WRITE, COP_ADD, COP_REMOVE };
enum cop_state { COP_PENDING, COP_OK, COP_FAIL, COP_INFO };

static const char *const kind_names[] = {"read", "write", "add", "remove"};
static const char *const state_names[] = {"invoke", "ok", "fail", "info"};

struct cop {           /* one client operation */
    uint32_t client;   /* who issued it */
    uint8_t kind;      /* enum cop_kind */
    uint8_t state;     /* enum cop_state */
    bool unsent;       /* its node was down: it fails when the client timeout fires */
    uint32_t key;      /* its key */
    int64_t value;     /* write: the value; add/remove: the element; ok read: the value */
    uint64_t members;  /* ok set read: the elements seen */
    sim_time invoke;   /* invocation */
    sim_time complete; /* completion (SIM_TIME_MAX while pending) */
    sim_time late;     /* info, then decided approved at this time (SIM_TIME_MAX: not) */
    sim_time applied;  /* first taking effect on any replica (SIM_TIME_MAX: never) */
};

struct client {
    struct rng rng;  /* (RNG_CLIENT, i) */
    uint32_t node;   /* where it submits */
    uint32_t zone;   /* its node's zone (UINT32_MAX: no cluster.zones) */
    uint32_t issued; /* operations invoked so far */
};

struct clients {
    const struct clients_spec *spec;
    bool log_order;
    struct trace tr;
    struct client *client;
    double *zipf_cdf; /* CLIENTS_ZIPF: cumulative P[key <= k], keys entries */
    struct cop *op;   /* 0..nops-1 */
    size_t nops, cap;
    uint32_t *op_of; /* proposal id -> op index + 1 (0: not a client's) */
    uint64_t max_id;
    uint64_t rows; /* history rows written */
};

uint64_t clients_max_ops(const struct scenario *sc)
{
    return sc->clients.enabled ? (uint64_t)sc->clients.count * sc->clients.ops : 0;
}

size_t clients_max_elements(const struct scenario *sc)
{
    const struct clients_spec *s = &sc->clients;
    if (!s->enabled)
        return 0;
    size_t n = s->keys; /* the key vertices */
    if (s->model == CLIENTS_SET)
        n += s->elements + (size_t)s->keys * s->elements; /* element vertices, every edge */
    else
        n += (size_t)clients_max_ops(sc); /* a property value per write */
    return n;
}

/* attach: zone: client i is in zone z = i mod k, and is the (i / k)-th client of z; the clients
 * of z take z's nodes (in index order) round robin. Validation saw that z has a node. */
static uint32_t zone_node(const struct scenario *sc, const uint32_t *zone, uint32_t i)
{
    uint32_t k = (uint32_t)sc->nzones, z = i % k, nth = i / k, size = 0;
    for (uint32_t n = 0; n < sc->nodes; n++)
        size += zone[n] == z;
    assert(size > 0);
    nth %= size;
    for (uint32_t n = 0;; n++)
        if (zone[n] == z && nth-- == 0)
            return n;
}

struct clients *clients_new(const struct scenario *sc, bool log_order, const struct trace *tr)
{
    const struct clients_spec *s = &sc->clients;
    if (!s->enabled)
        return NULL;
    struct clients *cl = xcalloc(1, sizeof(*cl));
    cl->spec = s;
    cl->log_order = log_order;
    if (tr)
        cl->tr = *tr;
    cl->client = xcalloc(s->count, sizeof(*cl->client));
    uint32_t *zone = scenario_zone_map(sc);
    for (uint32_t i = 0; i < s->count; i++) {
        rng_init(&cl->client[i].rng, sc->seed, RNG_CLIENT, i);
        cl->client[i].node = s->attach == CLIENTS_ZONE   ? zone_node(sc, zone, i)
                             : s->attach == CLIENTS_NODE ? s->node
                                                         : i % sc->nodes;
        cl->client[i].zone = zone ? zone[cl->client[i].node] : UINT32_MAX;
    }
    free(zone);
    if (s->keydist == CLIENTS_ZIPF) {
        cl->zipf_cdf = xreallocarray(NULL, s->keys, sizeof(*cl->zipf_cdf));
        double sum = 0;
        for (uint32_t k = 0; k < s->keys; k++)
            cl->zipf_cdf[k] = sum += pow((double)k + 1.0, -s->zipf_s);
        for (uint32_t k = 0; k < s->keys; k++)
            cl->zipf_cdf[k] /= sum;
    }
    cl->max_id = 0;
    return cl;
}

void clients_free(struct clients *cl)
{
    if (!cl)
        return;
    free(cl->client);
    free(cl->zipf_cdf);
    free(cl->op);
    free(cl->op_of);
    free(cl);
}

static void vertex_name(char *buf, size_t len, char prefix, uint64_t k)
{
    snprintf(buf, len, "%c%llu", prefix, (unsigned long long)k);
}

void clients_seed(const struct clients *cl, struct replicas *r)
{
    const struct clients_spec *s = cl->spec;
    char id[32];
    struct proposal p;
    for (uint32_t i = 0; i < s->keys + (s->model == CLIENTS_SET ? s->elements : 0); i++) {
        bool key = i < s->keys;
        vertex_name(id, sizeof(id), key ? 'k' : 'e', key ? i : i - s->keys);
        proposal_init(&p, 0, 0, PROP_ADD_VERTEX);
        proposal_set(&p.vertex, id);
        replicas_seed(r, replicas_intern(r, &p));
        proposal_fini(&p);
    }
}

uint32_t clients_count(const struct clients *cl)
{
    return cl->spec->count;
}

uint32_t clients_node(const struct clients *cl, uint32_t client)
{
    return cl->client[client].node;
}

uint32_t clients_zone(const struct clients *cl, uint32_t client)
{
    return cl->client[client].zone;
}

sim_time clients_timeout(const struct clients *cl)
{
    return cl->spec->timeout;
}

enum linz_model clients_model(const struct clients *cl)
{
    return cl->spec->model == CLIENTS_SET ? LINZ_SET : LINZ_REGISTER;
}

/* A key by the distribution: uniform, or the first k with cdf[k] > u (binary search). */
static uint32_t draw_key(const struct clients *cl, struct rng *rng)
{
    uint32_t n = cl->spec->keys;
    if (!cl->zipf_cdf)
        return (uint32_t)gsl_rng_uniform_int(rng_gsl(rng), n);
    double u = rng_uniform(rng);
    uint32_t lo = 0, hi = n - 1;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (cl->zipf_cdf[mid] > u)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

static void emit_row(struct clients *cl, uint64_t index, const struct cop *o)
{
    if (!cl->tr.ops || !cl->tr.ops->history)
        return;
    struct trace_history r = {.index = cl->rows++,
                              .op_id = index,
                              .type = state_names[o->state],
                              .client = o->client,
                              .op = kind_names[o->kind],
                              .key = o->key,
                              .value_kind = HISTORY_INT,
                              .value = o->value,
                              .invoke = o->invoke,
                              .complete = o->complete};
    if (o->kind == COP_READ)
        r.value_kind = o->state != COP_OK               ? HISTORY_NA
                       : cl->spec->model == CLIENTS_SET ? HISTORY_SET
                                                        : HISTORY_INT;
    r.members = o->members;
    cl->tr.ops->history(cl->tr.ctx, &r);
}

/* The proposal that carries operation o. */
static void make_proposal(const struct clients *cl, const struct cop *o, uint64_t id, uint32_t node,
                          struct proposal *out)
{
    static const enum prop_op ops[] = {PROP_READ, PROP_SET_PROPERTY, PROP_ADD_EDGE,
                                       PROP_REMOVE_EDGE};
    char key[32], elem[32], value[32];
    vertex_name(key, sizeof(key), 'k', o->key);
    proposal_init(out, id, node, ops[o->kind]);
    if (o->kind == COP_READ || o->kind == COP_WRITE) {
        proposal_set(&out->vertex, key);
        if (cl->spec->model == CLIENTS_REGISTER)
            proposal_set(&out->key, "v");
        if (o->kind == COP_WRITE) {
            snprintf(value, sizeof(value), "%lld", (long long)o->value);
            proposal_set(&out->value, value);
        }
        return;
    }
    vertex_name(elem, sizeof(elem), 'e', (uint64_t)o->value);
    proposal_set(&out->from, key);
    proposal_set(&out->label, "has");
    proposal_set(&out->to, elem);
}

bool clients_invoke(struct clients *cl, uint32_t client, uint64_t id, sim_time now,
                    struct proposal *out)
{
    const struct clients_spec *s = cl->spec;
    struct client *c = &cl->client[client];
    if (c->issued >= s->ops)
        return false;
    c->issued++;
    XGROW(cl->op, cl->cap, cl->nops + 1);
    struct cop *o = &cl->op[cl->nops];
    *o = (struct cop){.client = client,
                      .invoke = now,
                      .complete = SIM_TIME_MAX,
                      .late = SIM_TIME_MAX,
                      .applied = SIM_TIME_MAX};
    bool read = rng_uniform(&c->rng) < s->read_ratio;
    o->key = draw_key(cl, &c->rng);
    if (read)
        o->kind = COP_READ;
    else if (s->model == CLIENTS_REGISTER)
        o->kind = COP_WRITE, o->value = (int64_t)cl->nops + 1; /* unique, never the initial 0 */
    else {
        o->kind = rng_uniform(&c->rng) < 0.5 ? COP_ADD : COP_REMOVE;
        o->value = (int64_t)gsl_rng_uniform_int(rng_gsl(&c->rng), s->elements);
    }
    if (id > cl->max_id) {
        size_t old = cl->max_id + 1;
        size_t want = id + 1 > 2 * old ? id + 1 : 2 * old;
        cl->op_of = xreallocarray(cl->op_of, want, sizeof(*cl->op_of));
        memset(cl->op_of + old, 0, (want - old) * sizeof(*cl->op_of));
        cl->max_id = want - 1;
    }
    cl->op_of[id] = (uint32_t)++cl->nops;
    make_proposal(cl, o, id, c->node, out);
    emit_row(cl, cl->nops - 1, o);
    return true;
}

bool clients_next_at(struct clients *cl, uint32_t client, sim_time now, bool completed,
                     sim_time *at)
{
    const struct clients_spec *s = cl->spec;
    struct client *c = &cl->client[client];
    if (c->issued >= s->ops || completed != (s->mode == CLIENTS_CLOSED))
        return false;
    sim_time delay = 0;
    if (s->mode == CLIENTS_OPEN)
        delay = (sim_time)llround(gsl_ran_exponential(rng_gsl(&c->rng), 1.0 / s->rate) * 1e9);
    else if (s->think.ops)
        delay = dist_sample(&s->think, rng_gsl(&c->rng));
    *at = delay > SIM_TIME_MAX - now ? SIM_TIME_MAX : now + delay;
    return true;
}

static struct cop *op_of(const struct clients *cl, uint64_t id)
{
    if (id > cl->max_id || !cl->op_of || !cl->op_of[id])
        return NULL;
    return &cl->op[cl->op_of[id] - 1];
}

uint32_t clients_of(const struct clients *cl, uint64_t id)
{
    const struct cop *o = op_of(cl, id);
    return o ? o->client : UINT32_MAX;
}

static void complete(struct clients *cl, struct cop *o, enum cop_state st, sim_time now)
{
    o->state = (uint8_t)st;
    o->complete = now;
    emit_row(cl, (uint64_t)(o - cl->op), o);
}

/* What a read sees on node's replica. */
static void read_value(const struct clients *cl, struct cop *o, uint32_t node,
                       const struct replicas *r)
{
    char key[32], elem[32];
    vertex_name(key, sizeof(key), 'k', o->key);
    if (cl->spec->model == CLIENTS_SET) {
        o->members = 0;
        for (uint32_t e = 0; e < cl->spec->elements; e++) {
            vertex_name(elem, sizeof(elem), 'e', e);
            if (replicas_has_edge(r, node, key, "has", elem))
                o->members |= (uint64_t)1 << e;
        }
        return;
    }
    char buf[REPLICAS_NAME_LEN];
    const char *v = replicas_property(r, node, key, "v", buf);
    o->value = v ? strtoll(v, NULL, 10) : 0;
}

bool clients_decided(struct clients *cl, uint64_t id, enum outcome o, uint32_t node,
                     const struct replicas *r, sim_time now)
{
    struct cop *op = op_of(cl, id);
    if (op && op->state == COP_INFO && o == OUTCOME_APPROVED && op->late == SIM_TIME_MAX) {
        op->late = now; /* the client gave up, but it did take effect by now */
        if (op->kind == COP_READ)
            read_value(cl, op, node, r);
        return false;
    }
    if (!op || op->state != COP_PENDING || op->unsent)
        return false;
    enum cop_state st = COP_INFO;
    switch (o) {
    case OUTCOME_APPROVED:
        st = COP_OK;
        break;
    case OUTCOME_REJECTED: /* a log applied it as a no-op; quorum-vote did not commit it */
        st = cl->log_order && (op->kind == COP_ADD || op->kind == COP_REMOVE) ? COP_OK : COP_FAIL;
        break;
    case OUTCOME_NO_QUORUM:
    case OUTCOME_INVALID:
        st = COP_FAIL;
        break;
    case OUTCOME_TIMEOUT:
    case OUTCOME_ABORTED:
    case OUTCOME_UNDECIDED:
    case OUTCOME_COUNT:
        st = COP_INFO;
        break;
    }
    if (o == OUTCOME_UNDECIDED)
        return false; /* no completion row: indeterminate */
    if (st == COP_OK && op->kind == COP_READ)
        read_value(cl, op, node, r);
    complete(cl, op, st, now);
    return true;
}

void clients_applied(struct clients *cl, uint64_t id, sim_time now)
{
    struct cop *op = op_of(cl, id);
    if (op && op->applied == SIM_TIME_MAX)
        op->applied = now;
}

void clients_unsent(struct clients *cl, uint64_t id)
{
    struct cop *op = op_of(cl, id);
    assert(op && op->state == COP_PENDING);
    op->unsent = true;
}

bool clients_timed_out(struct clients *cl, uint64_t id, sim_time now)
{
    struct cop *op = op_of(cl, id);
    if (!op || op->state != COP_PENDING)
        return false;
    complete(cl, op, op->unsent ? COP_FAIL : COP_INFO, now);
    return true;
}

struct linz_history *clients_history(const struct clients *cl)
{
    static const enum linz_kind reg[] = {LINZ_READ, LINZ_WRITE, LINZ_WRITE, LINZ_WRITE};
    static const enum linz_kind set[] = {LINZ_READ_SET, LINZ_WRITE, LINZ_ADD, LINZ_REMOVE};
    static const enum linz_result res[] = {LINZ_RESULT_INFO, LINZ_RESULT_OK, LINZ_RESULT_FAIL,
                                           LINZ_RESULT_INFO};
    bool is_set = cl->spec->model == CLIENTS_SET;
    struct linz_history *h = linz_history_new(clients_model(cl));
    for (size_t i = 0; i < cl->nops; i++) {
        const struct cop *o = &cl->op[i];
        struct linz_op lo = {.client = o->client,
                             .kind = is_set ? set[o->kind] : reg[o->kind],
                             .key = o->key,
                             .value =
                                 is_set && o->kind == COP_READ ? (int64_t)o->members : o->value,
                             .invoke = o->invoke,
                             .complete = o->complete,
                             .result = res[o->state]};
        const char *why = linz_history_add(h, &lo);
        assert(!why && "a client op the checker's model refuses");
        (void)why;
    }
    return h;
}

static int cmp_time(const void *a, const void *b)
{
    sim_time x = *(const sim_time *)a, y = *(const sim_time *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentiles p50/p90/p99 of n latencies (sorted here), seconds; NAN if none. */
static void percentiles(sim_time *t, size_t n, double *p50, double *p90, double *p99)
{
    double *out[3] = {p50, p90, p99};
    static const double q[3] = {0.5, 0.9, 0.99};
    if (n)
        qsort(t, n, sizeof(*t), cmp_time);
    for (int i = 0; i < 3; i++) {
        size_t rank = (size_t)ceil(q[i] * (double)n);
        *out[i] = n ? (double)t[rank ? rank - 1 : 0] / 1e9 : NAN;
    }
}

void clients_metrics(const struct clients *cl, sim_time duration, struct client_metrics *m)
{
    clients_zone_metrics(cl, UINT32_MAX, duration, m);
}

void clients_zone_metrics(const struct clients *cl, uint32_t zone, sim_time duration,
                          struct client_metrics *m)
{
    *m = (struct client_metrics){0};
    sim_time *reads = xreallocarray(NULL, cl->nops + 1, sizeof(*reads));
    sim_time *writes = xreallocarray(NULL, cl->nops + 1, sizeof(*writes));
    size_t nr = 0, nw = 0;
    for (size_t i = 0; i < cl->nops; i++) {
        const struct cop *o = &cl->op[i];
        if (zone != UINT32_MAX && cl->client[o->client].zone != zone)
            continue;
        m->ops_ok += o->state == COP_OK;
        m->ops_fail += o->state == COP_FAIL;
        m->ops_info += o->state == COP_INFO || o->state == COP_PENDING;
        if (o->state != COP_OK)
            continue;
        if (o->kind == COP_READ)
            reads[nr++] = o->complete - o->invoke;
        else
            writes[nw++] = o->complete - o->invoke;
    }
    m->throughput = (double)m->ops_ok / ((double)duration / 1e9);
    percentiles(reads, nr, &m->read_p50_s, &m->read_p90_s, &m->read_p99_s);
    percentiles(writes, nw, &m->write_p50_s, &m->write_p90_s, &m->write_p99_s);
    free(reads);
    free(writes);
}
