/*
 * cluster: nodes, network, faults, heartbeats and the consensus protocol wired onto the
 * engine (see cluster.h).
 *
 * Every message is one engine event carrying its payload inline (a = proposal or snapshot,
 * b = send time, c = sender, d = receiver); its handler names its kind. The protocol
 * (core/) reaches the cluster only through the consensus port built here.
 */
#include "sim/cluster/cluster.h"

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/csvfmt.h"
#include "core/graph.h"
#include "core/xalloc.h"
#include "sim/cluster/cluster_impl.h"
#include "sim/cluster/progress.h"

static void emit_event_text(struct cluster *c, uint32_t node, const char *event, const char *detail)
{
    struct trace_event r = {
        .time = sim_now(c->eng), .node = node, .event = event, .detail = detail};
    c->tr.ops->event(c->tr.ctx, &r);
}

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
void cluster_emit_event(struct cluster *c, uint32_t node, const char *event, const char *fmt, ...)
{
    if (!c->trace_events)
        return;
    char detail[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    emit_event_text(c, node, event, detail);
}

void cluster_ledger_note(struct cluster *c, uint32_t node, enum ledger_kind kind, uint64_t proposal,
                         uint32_t about, uint64_t value, const char *text)
{
    if (c->ledger)
        ledger_append(c->ledger[node], kind, sim_now(c->eng), proposal, about, value, text);
}

static void emit_vote(struct cluster *c, uint64_t proposal, uint32_t voter, bool yes, sim_time cast,
                      sim_time arrived)
{
    if (!c->trace_votes)
        return;
    struct trace_vote r = {.time = cast,
                           .proposal = proposal,
                           .voter = voter,
                           .vote = yes ? VOTE_YES : VOTE_NO,
                           .arrived = arrived};
    c->tr.ops->vote(c->tr.ctx, &r);
}

/* --- messages ----------------------------------------------------------------------- */

/*
 * A protocol message is one engine event: a = its proposal (no payload) or a payload slot
 * with PAYLOAD_FLAG set, b = send time, c = sender, d = receiver. Its handler is the
 * trampoline of its kind (msg_handlers[k]), so the engine numbers kinds per protocol kind.
 * The host's own messages (catch-up) have handlers of their own.
 */
#define PAYLOAD_FLAG ((uint64_t)1 << 63)
/* Set in b of a message that waited in its receiver's service queue (service.h) and is now
 * handled: b's send time stays below 2^62 ns (146 years). */
#define SERVED_FLAG ((uint64_t)1 << 62)
#define SENT_MASK   (~(MAILBOX_COPY_FLAG | SERVED_FLAG))

static void deliver_msg(const struct sim_event *ev, uint32_t kind);

#define MSG_HANDLER(k)                                                                             \
    static void deliver_msg_##k(struct sim_engine *eng, const struct sim_event *ev)                \
    {                                                                                              \
        (void)eng;                                                                                 \
        deliver_msg(ev, k);                                                                        \
    }
MSG_HANDLER(0)
MSG_HANDLER(1)
MSG_HANDLER(2)
MSG_HANDLER(3)
MSG_HANDLER(4)
MSG_HANDLER(5)
MSG_HANDLER(6)
MSG_HANDLER(7)
MSG_HANDLER(8)
MSG_HANDLER(9)
MSG_HANDLER(10)
MSG_HANDLER(11)
MSG_HANDLER(12)
MSG_HANDLER(13)
MSG_HANDLER(14)
MSG_HANDLER(15)
static sim_event_fn *const msg_handlers[CONSENSUS_MSG_KINDS_MAX] = {
    deliver_msg_0,  deliver_msg_1,  deliver_msg_2,  deliver_msg_3, deliver_msg_4,  deliver_msg_5,
    deliver_msg_6,  deliver_msg_7,  deliver_msg_8,  deliver_msg_9, deliver_msg_10, deliver_msg_11,
    deliver_msg_12, deliver_msg_13, deliver_msg_14, deliver_msg_15};

/* The protocol kind of a message handler, or -1 for the host's own messages. */
static int msg_kind(const struct cluster *c, sim_event_fn *fn)
{
    for (uint32_t k = 0; k < c->proto_ops->nmsg_kinds; k++)
        if (msg_handlers[k] == fn)
            return (int)k;
    return -1;
}

/* ---- payload slots: a message's payload, shared by its copies ---- */

static uint64_t payload_put(struct cluster *c, const struct consensus_msg *m)
{
    uint64_t i;
    if (c->pl_free) {
        i = c->pl_free - 1;
        c->pl_free = c->pl[i].next_free;
    } else {
        XGROW(c->pl, c->pl_cap, c->npl + 1);
        i = c->npl++;
    }
    struct payload_slot *s = &c->pl[i];
    s->proposal = m->proposal;
    s->refs = 1; /* the sender's, while it sends */
    s->len = m->len;
    memcpy(s->bytes, m->payload.bytes, m->len);
    return i;
}

static inline void payload_release(struct cluster *c, uint64_t a)
{
    if (!(a & PAYLOAD_FLAG))
        return;
    uint64_t i = a & ~PAYLOAD_FLAG;
    if (--c->pl[i].refs == 0) {
        c->pl[i].next_free = c->pl_free;
        c->pl_free = i + 1;
    }
}

/* The message an event carries. */
static void msg_decode(const struct cluster *c, const struct sim_event *ev, uint32_t kind,
                       struct consensus_msg *m)
{
    m->kind = kind;
    m->from = ev->c;
    m->to = ev->d;
    m->sent = ev->b & SENT_MASK;
    m->duplicate = (ev->b & MAILBOX_COPY_FLAG) != 0;
    m->len = 0;
    m->proposal = ev->a;
    if (ev->a & PAYLOAD_FLAG) {
        const struct payload_slot *s = &c->pl[ev->a & ~PAYLOAD_FLAG];
        m->proposal = s->proposal;
        m->len = s->len;
        memcpy(m->payload.bytes, s->bytes, s->len);
    }
}

static const char *kind_name(const struct cluster *c, sim_event_fn *fn)
{
    int k = msg_kind(c, fn);
    if (k >= 0)
        return c->proto_ops->msg_kinds[k].name;
    return fn == faults_deliver_catchup_req ? "catchup_req" : "catchup";
}

static void emit_message(struct cluster *c, const struct sim_event *ev, sim_time delivered,
                         const char *fate)
{
    if (!c->trace_messages)
        return;
    int k = msg_kind(c, ev->fn);
    uint64_t proposal = 0;
    if (k >= 0)
        proposal = ev->a & PAYLOAD_FLAG ? c->pl[ev->a & ~PAYLOAD_FLAG].proposal : ev->a;
    struct trace_message r = {.sent = ev->b & SENT_MASK,
                              .delivered = delivered,
                              .from = ev->c,
                              .to = ev->d,
                              .kind = kind_name(c, ev->fn),
                              .proposal = proposal,
                              .fate = fate};
    c->tr.ops->message(c->tr.ctx, &r);
}

void cluster_snapshot_release(struct cluster *c, uint64_t i)
{
    free(c->snap[i].applied);
    c->snap[i].applied = NULL;
    c->snap[i].used = false;
}

/* A message that will never be delivered: count it and let its kind clean up. */
static void message_dropped(struct cluster *c, const struct sim_event *ev, const char *fate)
{
    c->m.messages_lost++;
    emit_message(c, ev, SIM_TIME_MAX, fate);
    int k = msg_kind(c, ev->fn);
    if (k >= 0 && c->proto_ops->lost) {
        struct consensus_msg m;
        msg_decode(c, ev, (uint32_t)k, &m);
        c->proto_ops->lost(c->proto, &m);
    }
    if (ev->fn == faults_deliver_catchup)
        cluster_snapshot_release(c, ev->a);
}

/* Send a message from -> to now: the network decides its fate and delay. Returns the copies
 * scheduled. */
static inline uint32_t transmit(struct cluster *c, sim_event_fn *fn, uint32_t from, uint32_t to,
                                uint64_t a)
{
    struct sim_event ev = {.fn = fn, .ctx = c, .a = a, .b = sim_now(c->eng), .c = from, .d = to};
    c->m.messages_sent++;
    struct net_route route;
    net_send(c->net, from, to, &route);
    if (route.fate != NET_DELIVERED) {
        message_dropped(c, &ev, route.fate == NET_LOST ? "lost" : "partitioned");
        return 0;
    }
    if (route.ncopies == 2 && fn == faults_deliver_catchup)
        route.ncopies = 1; /* the snapshot is released at its single delivery */
    for (uint32_t k = 0; k < route.ncopies; k++) {
        ev.b |= k ? MAILBOX_COPY_FLAG : 0;
        mailbox_send(c->mb, route.delay[k], &ev);
    }
    return route.ncopies;
}

void cluster_transmit(struct cluster *c, sim_event_fn *fn, uint32_t from, uint32_t to, uint64_t a)
{
    (void)transmit(c, fn, from, to, a);
}

/* Common part of every delivery: false if the receiver is down (message dropped). */
bool cluster_arrive(struct cluster *c, const struct sim_event *ev)
{
    if (!up(c, ev->d)) {
        message_dropped(c, ev, "dead_receiver");
        return false;
    }
    emit_message(c, ev, sim_now(c->eng), "delivered");
    return true;
}

/* cluster.service / faults.slow: a message arriving at a live node waits for its turn and
 * its service time; true if it was queued (it is handled when its service completes). */
static bool enqueue(struct cluster *c, const struct sim_event *ev)
{
    if (!up(c, ev->d))
        return false; /* dropped on arrival, as without a queue */
    sim_time now = sim_now(c->eng);
    sim_time done = service_admit(c->svc, ev->d, now);
    if (done == now)
        return false;
    struct sim_event served = *ev;
    served.b |= SERVED_FLAG;
    mailbox_send(c->mb, done - now, &served);
    return true;
}

static void deliver_msg(const struct sim_event *ev, uint32_t kind)
{
    struct cluster *c = ev->ctx;
    if (c->svc && !(ev->b & SERVED_FLAG) && enqueue(c, ev))
        return;
    bool arrived = cluster_arrive(c, ev);
    struct consensus_msg m;
    if (arrived)
        msg_decode(c, ev, kind, &m);
    payload_release(c, ev->a);
    if (arrived) {
        c->proto_ops->deliver(c->proto, &m);
        progress_step(c, m.to);
    }
}

/* --- replicas ----------------------------------------------------------------------- */

/* Apply committed proposal id on node (once; true if the operation took effect then or
 * before): the port's apply and catch-up's. */
void cluster_applied_row(const struct cluster *c, uint32_t node, uint64_t *row)
{
    memset(row, 0, c->pwords * sizeof(uint64_t));
    for (uint64_t id = 1; id <= c->nprops; id++)
        row[id / 64] |= (uint64_t)applied_get(c, node, id) << (id % 64);
}

void cluster_applied_clear(struct cluster *c, uint32_t node)
{
    uint64_t mask = ~((uint64_t)1 << (node % 64));
    for (uint64_t id = 1; id <= c->nprops; id++)
        *applied_word(c, id, node) &= mask;
}

bool cluster_node_apply(struct cluster *c, uint32_t node, uint64_t id)
{
    uint64_t *word = applied_word(c, id, node);
    if ((*word >> (node % 64)) & 1u)
        return true;
    bool ok = replicas_apply(c->rep, node, c->prop[id].op);
    uint64_t bit = (uint64_t)1 << (node % 64);
    if (ok) {
        *word |= (uint64_t)1 << (node % 64);
        c->app[node].applications++;
        c->app[node].set_hash += proposal_key(id);
        if (c->cl && !c->prop[id].applications)
            clients_applied(c->cl, id, sim_now(c->eng));
        c->prop[id].applications += c->prop[id].applications < UINT32_MAX;
        c->m.commits_applied++;
        uint64_t *refused;
        if (c->app[node].nrefused && c->refused && (*(refused = refused_word(c, id, node)) & bit)) {
            *refused &= ~bit; /* refused before its predecessors came */
            c->node[node].refused_hash -= proposal_key(id);
            c->app[node].nrefused--;
        }
    } else {
        if (!c->refused) /* the first refusal of the run */
            c->refused = xhuge_calloc((c->max_props + 1) * c->nwords, sizeof(uint64_t));
        uint64_t *refused = refused_word(c, id, node);
        if (!(*refused & bit)) {
            *refused |= bit;
            c->node[node].refused_hash += proposal_key(id);
            c->app[node].nrefused++;
        }
    }
    if (c->ledger) /* the replica's hash: kept for ledgers only (replicas_keep_hashes) */
        cluster_ledger_note(c, node, LEDGER_APPLY, id, node, replicas_hash(c->rep, node),
                            ok ? "ok" : "invalid");
    return ok;
}

/* --- the consensus port ------------------------------------------------------------- */

static consensus_time port_now(void *ctx)
{
    return sim_now(((struct cluster *)ctx)->eng);
}

static consensus_time port_clock(void *ctx, uint32_t node)
{
    struct cluster *c = ctx;
    return c->clk ? clock_read(c->clk, node, sim_now(c->eng)) : sim_now(c->eng);
}

static uint64_t msg_encode(struct cluster *c, const struct consensus_msg *m)
{
    assert(m->kind < c->proto_ops->nmsg_kinds && m->len <= CONSENSUS_PAYLOAD_MAX);
    assert(!(m->proposal & PAYLOAD_FLAG));
    return m->len ? PAYLOAD_FLAG | payload_put(c, m) : m->proposal;
}

static void port_send(void *ctx, const struct consensus_msg *m)
{
    struct cluster *c = ctx;
    uint64_t a = msg_encode(c, m);
    uint32_t copies = transmit(c, msg_handlers[m->kind], m->from, m->to, a);
    if (a & PAYLOAD_FLAG)
        c->pl[a & ~PAYLOAD_FLAG].refs += copies;
    payload_release(c, a); /* the sender's reference */
}

/* Like transmit to every other node, in node order, as one mailbox batch. */
static void port_broadcast(void *ctx, const struct consensus_msg *m)
{
    struct cluster *c = ctx;
    uint64_t a = msg_encode(c, m);
    struct sim_event ev = {
        .fn = msg_handlers[m->kind], .ctx = c, .a = a, .b = sim_now(c->eng), .c = m->from};
    uint32_t copies = 0;
    mailbox_batch_begin(c->mb, &ev);
    for (uint32_t to = 0; to < c->n; to++) {
        if (to == m->from)
            continue;
        c->m.messages_sent++;
        struct net_route route;
        net_send(c->net, m->from, to, &route);
        if (route.fate != NET_DELIVERED) {
            ev.d = to;
            message_dropped(c, &ev, route.fate == NET_LOST ? "lost" : "partitioned");
            continue;
        }
        for (uint32_t k = 0; k < route.ncopies; k++)
            mailbox_batch_add(c->mb, route.delay[k], to, k > 0);
        copies += route.ncopies;
    }
    mailbox_batch_end(c->mb);
    if (a & PAYLOAD_FLAG)
        c->pl[a & ~PAYLOAD_FLAG].refs += copies;
    payload_release(c, a);
}

/* Timers: one trampoline per protocol timer key (the engine names kinds by handler); a
 * timer set before its node crashed (d = the node's epoch then) never fires. */
static void fire_timer(const struct sim_event *ev, uint32_t key)
{
    struct cluster *c = ev->ctx;
    mailbox_enter(c->mb, ev);
    if (!up(c, ev->c) || c->node[ev->c].epoch != ev->d)
        return;
    c->proto_ops->timer(c->proto, ev->c, key, ev->a);
    progress_step(c, ev->c);
}

#define TIMER_HANDLER(k)                                                                           \
    static void timer_##k(struct sim_engine *eng, const struct sim_event *ev)                      \
    {                                                                                              \
        (void)eng;                                                                                 \
        fire_timer(ev, k);                                                                         \
    }
TIMER_HANDLER(0)
TIMER_HANDLER(1)
TIMER_HANDLER(2)
TIMER_HANDLER(3)
TIMER_HANDLER(4)
TIMER_HANDLER(5)
TIMER_HANDLER(6)
TIMER_HANDLER(7)
static sim_event_fn *const timer_handlers[CONSENSUS_TIMERS_MAX] = {
    timer_0, timer_1, timer_2, timer_3, timer_4, timer_5, timer_6, timer_7};

static uint64_t port_set_timer(void *ctx, uint32_t node, consensus_time delay, uint32_t key,
                               uint64_t arg)
{
    struct cluster *c = ctx;
    assert(key < c->proto_ops->ntimers);
    struct sim_event ev = {
        .fn = timer_handlers[key], .ctx = c, .a = arg, .c = node, .d = c->node[node].epoch};
    return mailbox_schedule(c->mb, cluster_after(c, cluster_span(c, node, delay)), &ev);
}

static uint64_t port_set_timer_since(void *ctx, uint32_t node, consensus_time since,
                                     consensus_time delay, uint32_t key, uint64_t arg)
{
    struct cluster *c = ctx;
    assert(key < c->proto_ops->ntimers && since <= sim_now(c->eng));
    struct sim_event ev = {
        .fn = timer_handlers[key], .ctx = c, .a = arg, .c = node, .d = c->node[node].epoch};
    sim_time span = cluster_span(c, node, delay);
    sim_time at = span > SIM_TIME_MAX - since ? SIM_TIME_MAX : since + span;
    return mailbox_schedule(c->mb, at > sim_now(c->eng) ? at : sim_now(c->eng), &ev);
}

static void port_cancel_timer(void *ctx, uint64_t handle)
{
    sim_cancel(((struct cluster *)ctx)->eng, handle);
}

static bool port_validate(void *ctx, uint32_t node, uint64_t proposal)
{
    struct cluster *c = ctx;
    return replicas_valid(c->rep, node, c->prop[proposal].op);
}

/*
 * Without CONSENSUS_LOG_ORDER (quorum-vote) a commit is applied once per replica in arrival
 * order and the index is not used. With it, index must be the next of the node's log; the
 * checker compares every index's proposal across replicas (State Machine Safety); a
 * proposal applied again at a later index has no further effect; proposal 0 is a no-op.
 */
static bool port_apply(void *ctx, uint32_t node, uint64_t index, uint64_t proposal)
{
    struct cluster *c = ctx;
    if (!(c->proto_ops->flags & CONSENSUS_LOG_ORDER))
        return cluster_node_apply(c, node, proposal);
    assert(index == c->node[node].applied_index + 1 && proposal <= c->nprops);
    c->node[node].applied_index = index;
    logcheck_apply(c, node, index, proposal);
    return proposal ? cluster_node_apply(c, node, proposal) : true;
}

static uint64_t port_applied(void *ctx, uint32_t node)
{
    struct cluster *c = ctx;
    return c->proto_ops->flags & CONSENSUS_LOG_ORDER ? c->node[node].applied_index
                                                     : c->app[node].applications;
}

static uint32_t port_trusted(void *ctx, uint32_t node)
{
    struct cluster *c = ctx;
    return c->hb ? heartbeat_trusted(c->hb, node) : c->n;
}

static enum consensus_byzantine port_byzantine(void *ctx, uint32_t node)
{
    struct cluster *c = ctx;
    return c->byzantine ? (enum consensus_byzantine)c->byzantine[node] : CONSENSUS_HONEST;
}

static bool port_suspects(void *ctx, uint32_t node, uint32_t peer)
{
    struct cluster *c = ctx;
    return c->hb && heartbeat_suspects(c->hb, node, peer);
}

static double port_uniform(void *ctx, uint32_t node)
{
    struct cluster *c = ctx;
    return rng_state_uniform(net_host_stream(c->net, node));
}

static consensus_time port_draw(void *ctx, uint32_t node, uint32_t dist)
{
    struct cluster *c = ctx;
    const struct dist *d = &c->sc->consensus.params[c->sc->consensus.protocol][dist].d;
    assert(dist < c->proto_ops->nparams && d->ops);
    gsl_rng g = rng_state_gsl(net_host_stream(c->net, node));
    return dist_sample(d, &g);
}

static bool port_read_only(void *ctx, uint64_t proposal)
{
    struct cluster *c = ctx;
    return c->prop[proposal].p.op == PROP_READ;
}

static void port_event(void *ctx, const struct consensus_event *e)
{
    struct cluster *c = ctx;
    char detail[192] = "";
    size_t used = 0;
    for (size_t i = 0; i < 3 && e->key[i] && used < sizeof(detail); i++)
        used += (size_t)snprintf(detail + used, sizeof(detail) - used, "%s%s=%llu", used ? " " : "",
                                 e->key[i], (unsigned long long)e->value[i]);
    cluster_emit_event(c, e->node, e->event, "%s", detail);
}

static void port_leader(void *ctx, uint32_t node, uint64_t term)
{
    struct cluster *c = ctx;
    cluster_emit_event(c, node, "leader", "term=%llu", (unsigned long long)term);
    logcheck_leader(c, node, term);
    c->leader_now = node;
    c->leader_lost_at = SIM_TIME_MAX;
}

static void client_next(struct cluster *c, uint32_t client, bool completed);

/* Drop a proposal's strings, keeping what it is (proposer, op): a million decided proposals
 * would otherwise keep their arguments on the heap until the end of the run. */
static void release_strings(struct cprop *cp)
{
    proposal_fini(cp->args);
    free(cp->args);
    cp->args = NULL;
}

/* cp becomes proposal p, whose operation is op in the store, or WORKLOAD_EXPLICIT: intern p
 * and keep its strings (until its outcome row is written). */
static void take_proposal(struct cluster *c, struct cprop *cp, struct proposal *p, uint32_t op)
{
    cp->p = (struct cprop_head){.proposer = p->proposer, .op = p->op};
    if (op != WORKLOAD_EXPLICIT) { /* made from the store's indices: no strings */
        cp->op = op;
        proposal_fini(p);
        return;
    }
    cp->op = replicas_intern(c->rep, p);
    cp->args = xmalloc(sizeof(*cp->args));
    *cp->args = *p; /* moved */
}

/* Proposal id decided o at `node` (the proposer, or the log protocol's deciding node). */
static void record_outcome(struct cluster *c, uint64_t id, enum outcome o, uint32_t node,
                           uint32_t yes, uint32_t no, uint32_t missing, sim_time submitted)
{
    struct cprop *cp = &c->prop[id];
    sim_time now = sim_now(c->eng);
    if (cp->decided) /* a log protocol may learn a decision twice; the first one counts */
        return;
    cp->decided = o != OUTCOME_UNDECIDED;
    cp->outcome = (uint8_t)o;
    cp->yes = yes;
    uint64_t *count[OUTCOME_COUNT] = {&c->m.approved,  &c->m.rejected, &c->m.timeout,
                                      &c->m.no_quorum, &c->m.invalid,  &c->m.aborted,
                                      &c->m.undecided};
    (*count[o])++;
    if (o == OUTCOME_APPROVED || o == OUTCOME_REJECTED || o == OUTCOME_TIMEOUT)
        c->latency[c->nlatency++] = (now - submitted) << 1 | (o == OUTCOME_APPROVED);
    if (o == OUTCOME_APPROVED && c->commits)
        c->commits[c->ncommits++] = (uint32_t)id;
    if (o != OUTCOME_UNDECIDED)
        cluster_ledger_note(c, cp->p.proposer, LEDGER_OUTCOME, id, cp->p.proposer, (uint64_t)o,
                            outcome_name(o));
    if (c->tr.ops && c->tr.ops->outcome) {
        /* proposal_describe writes "<op> <arguments>"; the record wants the arguments */
        char text[256];
        const char *op = prop_op_name(cp->p.op);
        size_t oplen = strlen(op);
        if (!replicas_describe(c->rep, cp->op, text, sizeof(text))) /* from the store's indices */
            proposal_describe(cp->args, text, sizeof(text));
        assert(!strncmp(text, op, oplen) && text[oplen] == ' ');
        struct trace_outcome r = {.proposal = id,
                                  .proposer = cp->p.proposer,
                                  .op = op,
                                  .args = text + oplen + 1,
                                  .submitted = submitted,
                                  .decided = o == OUTCOME_UNDECIDED ? SIM_TIME_MAX : now,
                                  .yes = yes,
                                  .no = no,
                                  .missing = missing,
                                  .quorum = c->quorum,
                                  .outcome = o};
        c->tr.ops->outcome(c->tr.ctx, &r);
    }
    if (o == OUTCOME_APPROVED && c->trace_events) { /* the detail "p-N", without printf */
        char detail[CSVFMT_NUMBER_LEN + 3] = "p-";
        *csvfmt_u64(detail + 2, id) = '\0';
        emit_event_text(c, cp->p.proposer, "commit", detail);
    }
    if (c->cl && clients_decided(c->cl, id, o, node, c->rep, now))
        client_next(c, clients_of(c->cl, id), true);
    if (cp->decided) /* its row is written: only proposer and op are read from now on */
        release_strings(cp);
}

static void port_record(void *ctx, const struct consensus_record *r)
{
    struct cluster *c = ctx;
    switch (r->kind) {
    case CONSENSUS_REC_PROPOSED:
        cluster_ledger_note(c, r->node, LEDGER_PROPOSAL, r->proposal, r->node, 0, "");
        return;
    case CONSENSUS_REC_VOTED:
        cluster_ledger_note(c, r->node, LEDGER_VOTE, r->proposal, r->node, r->yes, "");
        return;
    case CONSENSUS_REC_VOTE_IN:
        emit_vote(c, r->proposal, r->voter, r->yes, r->cast, r->time);
        return;
    case CONSENSUS_REC_DECIDED:
        record_outcome(c, r->proposal, (enum outcome)r->outcome, r->node, r->yes_votes, r->no_votes,
                       r->missing, r->submitted);
        return;
    case CONSENSUS_REC_ELECTION:
        if (c->tr.ops && c->tr.ops->election) {
            bool after_crash =
                r->election == CONSENSUS_ELECTION_WON && c->leader_lost_at != SIM_TIME_MAX;
            struct trace_election e = {.term = r->term,
                                       .candidate = r->node,
                                       .start = r->started,
                                       .end = r->time,
                                       .votes = r->yes_votes,
                                       .result = consensus_election_name(r->election),
                                       .downtime = after_crash ? r->time - c->leader_lost_at
                                                               : SIM_TIME_MAX};
            c->tr.ops->election(c->tr.ctx, &e);
        }
        return;
    }
}

/* --- workload ----------------------------------------------------------------------- */

static void submit_next(struct sim_engine *eng, const struct sim_event *ev);

static void schedule_submission(struct cluster *c)
{
    sim_time at;
    if (!workload_peek(c->wl, &at) || at > c->sc->duration)
        return;
    struct sim_event ev = {.fn = submit_next, .ctx = c};
    mailbox_schedule(c->mb, at, &ev);
}

static void submit_next(struct sim_engine *eng, const struct sim_event *ev)
{
    (void)eng;
    struct cluster *c = ev->ctx;
    mailbox_enter(c->mb, ev);
    uint64_t id = ++c->nprops;
    assert(id <= c->max_props);
    struct cprop *cp = &c->prop[id];
    struct proposal p;
    uint32_t op = workload_take(c->wl, c->rep, id, &p);
    take_proposal(c, cp, &p, op);
    cp->submitted = sim_now(c->eng);
    c->m.proposals++;
    if (up(c, cp->p.proposer)) {
        cp->invalid = !replicas_valid(c->rep, cp->p.proposer, cp->op);
        c->proto_ops->submit(c->proto, cp->p.proposer, id);
        progress_step(c, cp->p.proposer);
    } else
        record_outcome(c, id, OUTCOME_ABORTED, cp->p.proposer, 0, 0, 0, sim_now(c->eng));
    schedule_submission(c);
}

/* --- clients ------------------------------------------------------------------------ */

static void client_invoke(struct sim_engine *eng, const struct sim_event *ev);
static void client_timeout(struct sim_engine *eng, const struct sim_event *ev);

static void client_schedule(struct cluster *c, uint32_t client, sim_time at)
{
    if (at > c->sc->duration)
        return;
    struct sim_event ev = {.fn = client_invoke, .ctx = c, .c = client};
    mailbox_post(c->mb, at, &ev);
}

/* The client's next invocation after an invocation or a completion, if its loop wants one. */
static void client_next(struct cluster *c, uint32_t client, bool completed)
{
    sim_time at;
    if (clients_next_at(c->cl, client, sim_now(c->eng), completed, &at))
        client_schedule(c, client, at);
}

/* A client invokes its next operation: a proposal at its node, with its timeout. */
static void client_invoke(struct sim_engine *eng, const struct sim_event *ev)
{
    struct cluster *c = ev->ctx;
    mailbox_enter(c->mb, ev);
    uint32_t client = ev->c;
    uint64_t id = c->nprops + 1;
    assert(id <= c->max_props);
    struct cprop *cp = &c->prop[id];
    struct proposal p;
    if (!clients_invoke(c->cl, client, id, sim_now(eng), &p))
        return;
    c->nprops = id;
    take_proposal(c, cp, &p, WORKLOAD_EXPLICIT);
    cp->submitted = sim_now(eng);
    c->m.proposals++;
    client_next(c, client, false);
    struct sim_event to = {.fn = client_timeout, .ctx = c, .a = id, .c = client};
    mailbox_post(c->mb, cluster_after(c, clients_timeout(c->cl)), &to);
    if (up(c, cp->p.proposer)) {
        c->proto_ops->submit(c->proto, cp->p.proposer, id);
        progress_step(c, cp->p.proposer);
        return;
    }
    clients_unsent(c->cl, id); /* nobody to send it to: it fails at the client's timeout */
    record_outcome(c, id, OUTCOME_ABORTED, cp->p.proposer, 0, 0, 0, sim_now(eng));
}

static void client_timeout(struct sim_engine *eng, const struct sim_event *ev)
{
    struct cluster *c = ev->ctx;
    mailbox_enter(c->mb, ev);
    if (clients_timed_out(c->cl, ev->a, sim_now(eng)))
        client_next(c, ev->c, true);
}

/* --- heartbeats --------------------------------------------------------------------- */

static void heartbeat_tick(struct sim_engine *eng, const struct sim_event *ev);
static void heartbeat_check_due(struct sim_engine *eng, const struct sim_event *ev);
static void on_suspect(void *ctx, uint32_t node, uint32_t peer);

static void emit_heartbeat(struct cluster *c, uint32_t from, uint32_t to, sim_time sent,
                           sim_time delivered, const char *fate)
{
    if (!c->trace_heartbeats)
        return;
    struct trace_heartbeat r = {
        .sent = sent, .delivered = delivered, .from = from, .to = to, .fate = fate};
    c->tr.ops->heartbeat(c->tr.ctx, &r);
}

static void schedule_check(struct cluster *c, uint32_t node, sim_time at)
{
    c->node[node].check_at = at;
    if (at == SIM_TIME_MAX)
        return;
    struct sim_event ev = {
        .fn = heartbeat_check_due, .ctx = c, .c = node, .d = c->node[node].epoch};
    mailbox_post(c->mb, at, &ev);
}

static void deliver_heartbeat(struct sim_engine *eng, const struct sim_event *ev)
{
    struct cluster *c = ev->ctx;
    uint32_t from = ev->c, to = ev->d;
    sim_time now = sim_now(eng);
    if (!up(c, to)) {
        c->m.heartbeats_lost++;
        emit_heartbeat(c, from, to, ev->b, SIM_TIME_MAX, "dead_receiver");
        return;
    }
    emit_heartbeat(c, from, to, ev->b, now, "delivered");
    /* A peer silent for `timeout` is suspect (heartbeat.h): a check due now goes first. */
    sim_time timeout = cluster_span(c, to, c->sc->heartbeat.timeout);
    if (c->node[to].check_at == now)
        schedule_check(c, to, heartbeat_check(c->hb, to, now, timeout, on_suspect, c));
    if (heartbeat_heard(c->hb, to, from, now))
        cluster_emit_event(c, to, "trust", "peer=%u", from);
    sim_time deadline = now + timeout;
    if (c->node[to].check_at > deadline)
        schedule_check(c, to, deadline);
}

static void send_heartbeats(struct cluster *c, uint32_t node)
{
    uint32_t nt;
    const uint32_t *targets = heartbeat_targets(c->hb, node, &nt);
    sim_time now = sim_now(c->eng);
    for (uint32_t k = 0; k < nt; k++) {
        c->m.heartbeats_sent++;
        struct net_route route = {.fate = NET_LOST};
        if (!heartbeat_lost(c->hb, node))
            net_send(c->net, node, targets[k], &route);
        if (route.fate != NET_DELIVERED) {
            c->m.heartbeats_lost++;
            emit_heartbeat(c, node, targets[k], now, SIM_TIME_MAX,
                           route.fate == NET_LOST ? "lost" : "partitioned");
            continue;
        }
        struct sim_event ev = {
            .fn = deliver_heartbeat, .ctx = c, .b = now, .c = node, .d = targets[k]};
        for (uint32_t i = 0; i < route.ncopies; i++)
            mailbox_send(c->mb, route.delay[i], &ev);
    }
}

bool cluster_current(const struct cluster *c, const struct sim_event *ev)
{
    return up(c, ev->c) && c->node[ev->c].epoch == ev->d;
}

static void heartbeat_tick(struct sim_engine *eng, const struct sim_event *ev)
{
    (void)eng;
    struct cluster *c = ev->ctx;
    mailbox_enter(c->mb, ev);
    if (!cluster_current(c, ev))
        return;
    send_heartbeats(c, ev->c);
    struct sim_event next = *ev;
    mailbox_post(c->mb, cluster_after(c, cluster_span(c, ev->c, c->sc->heartbeat.interval)), &next);
}

static void on_suspect(void *ctx, uint32_t node, uint32_t peer)
{
    struct cluster *c = ctx;
    struct cnode *p = &c->node[peer];
    c->m.suspicions++;
    if (up(c, peer)) {
        c->m.false_suspicions++;
    } else if (!p->detected) {
        p->detected = true;
        c->m.detections++;
        c->detection_sum += (double)(sim_now(c->eng) - p->crashed_at) / 1e9;
    }
    cluster_emit_event(c, node, "suspect", "peer=%u%s", peer, up(c, peer) ? " (alive)" : "");
}

static void heartbeat_check_due(struct sim_engine *eng, const struct sim_event *ev)
{
    struct cluster *c = ev->ctx;
    mailbox_enter(c->mb, ev);
    if (!cluster_current(c, ev) || c->node[ev->c].check_at != sim_now(eng))
        return;
    sim_time timeout = cluster_span(c, ev->c, c->sc->heartbeat.timeout);
    sim_time next = heartbeat_check(c->hb, ev->c, sim_now(eng), timeout, on_suspect, c);
    schedule_check(c, ev->c, next);
}

/* Node (re)starts its heartbeats at now + phase and its failure detector at now. */
void cluster_heartbeat_start(struct cluster *c, uint32_t node, sim_time phase)
{
    if (!c->hb)
        return;
    sim_time now = sim_now(c->eng);
    heartbeat_reset(c->hb, node, now);
    struct sim_event tick = {.fn = heartbeat_tick, .ctx = c, .c = node, .d = c->node[node].epoch};
    mailbox_post(c->mb, cluster_after(c, phase), &tick);
    schedule_check(c, node, now + cluster_span(c, node, c->sc->heartbeat.timeout));
}

/* --- clocks ------------------------------------------------------------------------- */

/* A timed clock jump (a = the jump's index in clocks.jumps, c = its node): the node's reading
 * moves; its failure detector's silences, measured on that clock, move with it. */
static void clock_jump_due(struct sim_engine *eng, const struct sim_event *ev)
{
    struct cluster *c = ev->ctx;
    mailbox_enter(c->mb, ev);
    const struct clock_jump_spec *j = &c->sc->clocks.jumps[ev->a];
    int64_t by = j->back ? -(int64_t)j->by : (int64_t)j->by;
    clock_jump(c->clk, j->node, by);
    cluster_emit_event(c, j->node, "clock_jump", "by_ns=%lld reading_ns=%llu", (long long)by,
                       (unsigned long long)clock_read(c->clk, j->node, sim_now(eng)));
    if (!c->hb || !up(c, j->node))
        return;
    int64_t shift = (int64_t)clock_true_span(c->clk, j->node, j->by);
    heartbeat_shift(c->hb, j->node, j->back ? -shift : shift);
    if (!j->back && c->node[j->node].check_at > sim_now(eng))
        schedule_check(c, j->node, sim_now(eng));
}

static const struct sim_kind clock_kinds[] = {
    {.fn = clock_jump_due, .name = "clock_jump", .target = SIM_TARGET_C},
};

/* With clocks: every node's drift and offset as an event at 0, and the timed jumps. */
static void clocks_schedule(struct cluster *c)
{
    if (!c->clk)
        return;
    sim_engine_kinds(c->eng, clock_kinds, 1);
    for (uint32_t i = 0; i < c->n; i++)
        cluster_emit_event(c, i, "clock", "drift_ppm=%.6g offset_ns=%lld",
                           clock_drift_ppm(c->clk, i), (long long)clock_offset(c->clk, i));
    for (size_t k = 0; k < c->sc->clocks.njumps; k++) {
        const struct clock_jump_spec *j = &c->sc->clocks.jumps[k];
        struct sim_event ev = {.fn = clock_jump_due, .ctx = c, .a = k, .c = j->node};
        if (j->at <= c->sc->duration)
            mailbox_schedule(c->mb, j->at, &ev);
    }
}

/* --- construction ------------------------------------------------------------------- */

static void seed_graph(struct cluster *c)
{
    const struct scenario *sc = c->sc;
    struct proposal p;
    for (size_t i = 0; i < sc->graph.nvertices; i++) {
        const struct vertex_spec *v = &sc->graph.vertices[i];
        proposal_init(&p, 0, 0, PROP_ADD_VERTEX);
        proposal_set(&p.vertex, v->id);
        proposal_set(&p.label, v->label);
        for (size_t k = 0; k < v->nprops; k++)
            proposal_add_prop(&p, v->props[k].key, v->props[k].value);
        replicas_seed(c->rep, replicas_intern(c->rep, &p));
        proposal_fini(&p);
    }
    for (size_t i = 0; i < sc->graph.nedges; i++) {
        const struct edge_spec *e = &sc->graph.edges[i];
        proposal_init(&p, 0, 0, PROP_ADD_EDGE);
        proposal_set(&p.from, e->from);
        proposal_set(&p.label, e->label);
        proposal_set(&p.to, e->to);
        for (size_t k = 0; k < e->nprops; k++)
            proposal_add_prop(&p, e->props[k].key, e->props[k].value);
        replicas_seed(c->rep, replicas_intern(c->rep, &p));
        proposal_fini(&p);
    }
    if (c->cl)
        clients_seed(c->cl, c->rep);
    replicas_start(c->rep);
}

size_t cluster_element_bound(const struct scenario *sc)
{
    size_t n = workload_max_elements(sc), edges = sc->graph.nedges;
    for (size_t i = 0; i < sc->graph.nvertices; i++)
        n += 1 + sc->graph.vertices[i].nprops;
    for (size_t i = 0; i < sc->graph.nedges; i++)
        n += 1 + sc->graph.edges[i].nprops;
    size_t unlabeled = 0;
    for (size_t i = 0; i < sc->workload.nops; i++) {
        const struct op_spec *o = &sc->workload.ops[i];
        edges += o->op == PROP_ADD_EDGE;
        unlabeled += o->op == PROP_SET_PROPERTY && !o->id && !o->label;
    }
    if (sc->workload.generate.enabled)
        edges += sc->workload.generate.count;
    /* an unlabeled edge property may meet any edge: a property slot value per edge */
    return n + unlabeled * edges + clients_max_elements(sc) + 1;
}

static void init_protocol(struct cluster *c)
{
    const struct scenario *sc = c->sc;
    if (sc->consensus.napproval) {
        c->approval = xreallocarray(NULL, c->n, sizeof(*c->approval));
        for (uint32_t i = 0; i < c->n; i++)
            c->approval[i] = sc->consensus.approval;
        for (size_t i = 0; i < sc->consensus.napproval; i++)
            c->approval[sc->consensus.approvals[i].node] = sc->consensus.approvals[i].approval;
    }
    static const struct consensus_port port_template = {
        .now = port_now,
        .clock = port_clock,
        .byzantine = port_byzantine,
        .send = port_send,
        .broadcast = port_broadcast,
        .set_timer = port_set_timer,
        .set_timer_since = port_set_timer_since,
        .cancel_timer = port_cancel_timer,
        .validate = port_validate,
        .apply = port_apply,
        .applied = port_applied,
        .trusted = port_trusted,
        .suspects = port_suspects,
        .uniform = port_uniform,
        .draw = port_draw,
        .record = port_record,
        .event = port_event,
        .leader = port_leader,
        .read_only = port_read_only,
    };
    struct consensus_port port = port_template;
    port.ctx = c;
    /* port_record's only readers of these: the ledgers, votes.csv */
    port.unwanted_records = (c->ledger ? 0 : 1u << CONSENSUS_REC_VOTED) |
                            (c->trace_votes ? 0 : 1u << CONSENSUS_REC_VOTE_IN);
    struct consensus_config cfg;
    scenario_protocol_values(sc, c->proto_values);
    scenario_consensus_config(sc, c->max_props, c->approval, c->proto_values, &cfg);
    c->proto = c->proto_ops->create(&cfg, &port);
}

static void init_trace(struct cluster *c, const struct trace *tr)
{
    if (tr && tr->ops)
        c->tr = *tr;
    const struct trace_sink_ops *ops = c->tr.ops;
    c->trace_votes = ops && ops->vote && c->sc->output.votes;
    c->trace_events = ops && ops->event;
    c->trace_messages = ops && ops->message && c->tr.want_messages;
    c->trace_heartbeats = ops && ops->heartbeat && c->tr.want_heartbeats;
}

sim_time cluster_after(const struct cluster *c, sim_time delay)
{
    sim_time now = sim_now(c->eng);
    return delay > SIM_TIME_MAX - now ? SIM_TIME_MAX : now + delay;
}

/* The mailbox announces a delivery: load what it will touch, by the message's kind. */
static void prefetch_delivery(void *ctx, const struct sim_event *ev, uint32_t to)
{
    const struct cluster *c = ctx;
    /* a protocol message that will validate or apply its proposal (its kind's .replica): the
     * replica's op; for one that applies, the node's struct capplied and applied word; for one
     * that replies, the line of its network streams and vote stream */
    for (uint32_t k = 0; k < c->nreplica_fns; k++)
        if (ev->fn == c->replica_fns[k]) {
            if (ev->a & PAYLOAD_FLAG)
                return;
            bool applies = c->replica_loads[k] & LOAD_APPLIED;
            if (applies) {
                __builtin_prefetch(&c->app[to]);
                __builtin_prefetch(applied_word(c, ev->a, to));
                if (c->refused) /* a commit reads the refused word of a node that refused any */
                    __builtin_prefetch(refused_word(c, ev->a, to));
            }
            replicas_prefetch_op(c->rep, to, c->prop[ev->a].op);
            if (c->replica_loads[k] & LOAD_NET)
                net_prefetch(c->net, to);
            return;
        }
    if (ev->fn == deliver_heartbeat) { /* check_at and epoch: the node's line */
        __builtin_prefetch(&c->node[to]);
        heartbeat_prefetch(c->hb, to);
    } else if (ev->fn == heartbeat_tick) { /* the sender is ev->c (d is its epoch) */
        __builtin_prefetch(&c->node[ev->c]);
        heartbeat_prefetch_tick(c->hb, ev->c);
        net_prefetch(c->net, ev->c);
    }
}

/* Event kinds for the fingerprint (sim/engine/engine.h), numbered in this order: the
 * protocol's message kinds (by receiver) and timers (by node), then the host's own. */
static const struct sim_kind host_kinds[] = {
    {.fn = submit_next, .name = "submit"},
    {.fn = heartbeat_tick, .name = "heartbeat_tick", .target = SIM_TARGET_C},
    {.fn = heartbeat_check_due, .name = "heartbeat_check", .target = SIM_TARGET_C},
    {.fn = deliver_heartbeat, .name = "heartbeat", .target = SIM_TARGET_D},
    {.fn = faults_deliver_catchup_req, .name = "catchup_req", .target = SIM_TARGET_D},
    {.fn = faults_deliver_catchup, .name = "catchup", .target = SIM_TARGET_D},
};

/* Registered only in runs with clients: a kind numbered in every run would renumber the
 * unregistered handlers after it, and so change the fingerprint of runs without clients. */
static const struct sim_kind client_kinds[] = {
    {.fn = client_invoke, .name = "client_invoke", .target = SIM_TARGET_C},
    {.fn = client_timeout, .name = "client_timeout", .target = SIM_TARGET_C},
};

static void register_kinds(struct cluster *c)
{
    const struct consensus_ops *ops = c->proto_ops;
    struct sim_kind kinds[CONSENSUS_MSG_KINDS_MAX + CONSENSUS_TIMERS_MAX + 8];
    size_t n = 0;
    for (uint32_t k = 0; k < ops->nmsg_kinds; k++) {
        const struct consensus_msg_kind *mk = &ops->msg_kinds[k];
        if (mk->replica) {
            c->replica_loads[c->nreplica_fns] =
                (uint8_t)((mk->silent ? 0 : LOAD_NET) | (mk->validates ? 0 : LOAD_APPLIED));
            c->replica_fns[c->nreplica_fns++] = msg_handlers[k];
        }
        kinds[n++] = (struct sim_kind){
            .fn = msg_handlers[k], .name = mk->tag ? mk->tag : mk->name, .target = SIM_TARGET_D};
    }
    for (uint32_t k = 0; k < ops->ntimers; k++)
        kinds[n++] = (struct sim_kind){
            .fn = timer_handlers[k], .name = ops->timer_names[k], .target = SIM_TARGET_C};
    for (size_t k = 0; k < sizeof(host_kinds) / sizeof(host_kinds[0]); k++)
        kinds[n++] = host_kinds[k];
    for (size_t k = 0; c->sc->clients.enabled && k < sizeof(client_kinds) / sizeof(client_kinds[0]);
         k++)
        kinds[n++] = client_kinds[k];
    sim_engine_kinds(c->eng, kinds, n);
}

static struct cluster *create(const struct scenario *sc, const struct trace *tr, bool direct)
{
    struct cluster *c = xcalloc(1, sizeof(*c));
    c->sc = sc;
    c->n = sc->nodes;
    c->quorum = quorum_size(&sc->consensus.quorum, sc->nodes);
    init_trace(c, tr);
    c->eng = sim_engine_new();
    c->proto_ops = consensus_protocols[sc->consensus.protocol];
    assert(c->proto_ops->nmsg_kinds <= CONSENSUS_MSG_KINDS_MAX &&
           c->proto_ops->ntimers <= CONSENSUS_TIMERS_MAX);
    register_kinds(c);
    c->mb = mailbox_new(c->eng, direct);
    mailbox_set_prefetch(c->mb, prefetch_delivery, c);
    c->net = net_new(sc, c->eng, RNG_VOTE); /* the vote stream beside the network's */
    c->svc = scenario_has_service(sc) ? service_new(sc) : NULL;
    c->hb = sc->heartbeat.enabled ? heartbeat_new(sc) : NULL;
    c->clk = clock_new(sc);
    if (sc->consensus.byzantine.enabled) {
        c->byzantine = xcalloc(sc->nodes, 1);
        for (uint32_t k = 0; k < sc->consensus.byzantine.nodes.n; k++)
            c->byzantine[sc->consensus.byzantine.nodes.ids[k]] =
                (uint8_t)sc->consensus.byzantine.behaviour;
    }
    c->wl = workload_new(sc);
    c->cl = clients_new(sc, c->proto_ops->flags & CONSENSUS_LOG_ORDER, &c->tr);
    c->rep = replicas_new(c->n, cluster_element_bound(sc));
    seed_graph(c);
    c->max_props = workload_max_proposals(sc) + clients_max_ops(sc);
    /* per-proposal arrays on huge pages: a million proposals would fault every 4 KiB */
    c->prop = xhuge_calloc(c->max_props + 1, sizeof(*c->prop));
    /* the approved ids in decision order, for the host's catch-up only (faults.c) */
    if (!(c->proto_ops->flags & CONSENSUS_SELF_REPAIR) ||
        sc->consensus.anti_entropy != SIM_TIME_MAX)
        c->commits = xhuge_calloc(c->max_props + 1, sizeof(*c->commits));
    c->latency = xhuge_calloc(c->max_props + 1, sizeof(*c->latency));
    c->pwords = (c->max_props + 1 + 63) / 64;
    c->nwords = ((size_t)c->n + 63) / 64;
    c->applied = xhuge_calloc((c->max_props + 1) * c->nwords, sizeof(uint64_t));
    c->node = xhuge_calloc(c->n, sizeof(*c->node));
    assert(c->max_props < UINT32_MAX); /* struct capplied's counts */
    c->app = xhuge_calloc(c->n, sizeof(*c->app));
    c->fault = xhuge_calloc(c->n, sizeof(*c->fault));
    c->down = xcalloc(((size_t)c->n + 63) / 64, sizeof(uint64_t));
    c->leader_now = UINT32_MAX;
    c->leader_lost_at = SIM_TIME_MAX;
    for (uint32_t i = 0; i < c->n; i++) {
        c->node[i].crashed_at = SIM_TIME_MAX;
        c->node[i].check_at = SIM_TIME_MAX;
        rng_init(&c->fault[i], sc->seed, RNG_FAULT, i);
    }
    if (sc->output.ledgers) { /* nothing else reads them */
        c->ledger = xcalloc(c->n, sizeof(*c->ledger));
        for (uint32_t i = 0; i < c->n; i++)
            c->ledger[i] = ledger_new();
        replicas_keep_hashes(c->rep); /* an apply note carries the replica's hash */
    }
    c->graphs = xcalloc(c->n, sizeof(*c->graphs));
    init_protocol(c);
    progress_init(c);
    return c;
}

struct cluster *cluster_new(const struct scenario *sc, const struct trace *tr)
{
    return create(sc, tr, false);
}

struct cluster *cluster_new_direct(const struct scenario *sc, const struct trace *tr)
{
    return create(sc, tr, true);
}

void cluster_free(struct cluster *c)
{
    if (!c)
        return;
    if (c->proto_ops)
        c->proto_ops->destroy(c->proto);
    progress_fini(c);
    for (uint64_t i = 1; i <= c->nprops; i++)
        if (c->prop[i].args)
            release_strings(&c->prop[i]);
    for (size_t i = 0; i < c->nsnap; i++)
        free(c->snap[i].applied);
    for (uint32_t i = 0; i < c->n; i++) {
        if (c->ledger)
            ledger_free(c->ledger[i]);
        graph_free(c->graphs[i]);
    }
    free(c->ledger);
    free(c->graphs);
    free(c->snap);
    xhuge_free(c->prop, c->max_props + 1, sizeof(*c->prop));
    xhuge_free(c->commits, c->max_props + 1, sizeof(*c->commits));
    xhuge_free(c->latency, c->max_props + 1, sizeof(*c->latency));
    free(c->pl);
    logcheck_free(c);
    xhuge_free(c->applied, (c->max_props + 1) * c->nwords, sizeof(uint64_t));
    if (c->refused)
        xhuge_free(c->refused, (c->max_props + 1) * c->nwords, sizeof(uint64_t));
    xhuge_free(c->node, c->n, sizeof(*c->node));
    xhuge_free(c->app, c->n, sizeof(*c->app));
    xhuge_free(c->fault, c->n, sizeof(*c->fault));
    free(c->down);
    free(c->approval);
    replicas_free(c->rep);
    workload_free(c->wl);
    clients_free(c->cl);
    linz_report_free(c->linz);
    linz_history_free(c->linz_ops);
    heartbeat_free(c->hb);
    clock_free(c->clk);
    free(c->byzantine);
    net_free(c->net);
    service_free(c->svc);
    free(c->zone_rng);
    mailbox_free(c->mb);
    sim_engine_free(c->eng);
    free(c);
}

/* --- running and results ------------------------------------------------------------ */

static void report_violation(void *ctx, uint32_t node, const char *detail)
{
    struct cluster *c = ctx;
    cluster_emit_event(c, node == UINT32_MAX ? TRACE_NO_NODE : node, "violation", "%s", detail);
}

/* Every node's row of sets stored by proposal (the applied or the refused sets: as
 * cluster_applied_row gives), n * pwords words, for the checker: by blocks of 64 nodes, whose
 * rows stay in cache while each proposal's word is read once. */
static uint64_t *node_rows(const struct cluster *c, const uint64_t *by_proposal)
{
    uint64_t *rows = xhuge_calloc((size_t)c->n * c->pwords, sizeof(uint64_t));
    for (size_t w = 0; w < c->nwords; w++)
        for (uint64_t id = 1; id <= c->nprops; id++)
            for (uint64_t x = by_proposal[id * c->nwords + w]; x; x &= x - 1) {
                size_t node = w * 64 + (size_t)__builtin_ctzll(x);
                rows[node * c->pwords + id / 64] |= (uint64_t)1 << (id % 64);
            }
    return rows;
}

/* checker_input.proposal: the checker's view of c->prop[id]. */
static void checker_proposal_of(const void *ctx, uint64_t id, struct checker_proposal *out)
{
    const struct cluster *c = ctx;
    const struct cprop *cp = &c->prop[id];
    *out = (struct checker_proposal){.approved = cp->decided && cp->outcome == OUTCOME_APPROVED,
                                     .yes = cp->yes,
                                     .quorum = c->quorum,
                                     .invalid = cp->invalid,
                                     .rejected = cp->decided && cp->outcome == OUTCOME_REJECTED,
                                     .applications = cp->applications};
}

static void run_checker(struct cluster *c)
{
    uint64_t *rows = node_rows(c, c->applied);
    uint64_t *refused = NULL;
    if (c->refused) { /* the run is over: its by-node copy replaces it (the peak is here) */
        refused = node_rows(c, c->refused);
        xhuge_free(c->refused, (c->max_props + 1) * c->nwords, sizeof(uint64_t));
        c->refused = NULL;
    }
    struct checker_node *nodes = xcalloc(c->n, sizeof(*nodes));
    uint64_t *hashes = xreallocarray(NULL, c->n, sizeof(*hashes));
    replicas_hashes(c->rep, hashes); /* one pass over the store, not one per node */
    for (uint32_t i = 0; i < c->n; i++)
        nodes[i] =
            (struct checker_node){.state_hash = hashes[i],
                                  .set_hash = c->app[i].set_hash,
                                  .applied = rows + (size_t)i * c->pwords,
                                  .refused_hash = c->node[i].refused_hash,
                                  .refused = refused ? refused + (size_t)i * c->pwords : NULL,
                                  .applications = c->app[i].applications};
    free(hashes);
    struct checker_input in = {.nodes = c->n,
                               .node = nodes,
                               .words = c->pwords,
                               .nproposals = c->nprops,
                               .proposal = checker_proposal_of,
                               .proposal_ctx = c,
                               .log_order = c->proto_ops->flags & CONSENSUS_LOG_ORDER,
                               .self_commit = c->sc->consensus.broadcast_votes};
    checker_run(&in, report_violation, c, &c->check);
    free(nodes); /* before the log checks: the run's peak memory is here, at its end */
    xhuge_free(rows, (size_t)c->n * c->pwords, sizeof(uint64_t));
    if (refused)
        xhuge_free(refused, (size_t)c->n * c->pwords, sizeof(uint64_t));
    logcheck_finish(c);
    c->check.violations += c->log_violations;
}

/*
 * The clients' history against core/linearizability (checker.linearizability): a violating
 * key is a safety violation (exit 1) and a `violation` row of events.csv; a key the search
 * gave up on (checker.max_steps, or its memo cache past 256 MiB) is a `linearizability`
 * row with its reason, counted in linz_unknown, never a pass.
 */
static void check_history(struct cluster *c)
{
    if (!c->cl || !c->sc->checker.linearizability)
        return;
    c->linz_ops = clients_history(c->cl);
    struct linz_limits lim = {.max_steps = c->sc->checker.max_steps,
                              .max_cache_bytes = CLUSTER_LINZ_CACHE_BYTES,
                              .max_shrink_checks = 4096,
                              .initial = 0};
    c->linz = linz_check(c->linz_ops, &lim);
    for (size_t i = 0; i < linz_report_count(c->linz); i++) {
        const struct linz_key_result *k = linz_report_get(c->linz, i);
        if (k->verdict == LINZ_LINEARIZABLE)
            continue;
        bool bad = k->verdict == LINZ_VIOLATION;
        c->m.linz_violations += bad;
        c->m.linz_unknown += !bad;
        c->check.violations += bad;
        cluster_emit_event(c, TRACE_NO_NODE, bad ? "violation" : "linearizability",
                           "linearizability %s: key %lld: %s (%zu ops; violation.txt)",
                           linz_verdict_name(k->verdict), (long long)k->key, k->reason,
                           bad ? k->n_witness : k->n_ops);
    }
}

const struct linz_report *cluster_linearizability(const struct cluster *c,
                                                  const struct linz_history **h)
{
    *h = c->linz_ops;
    return c->linz;
}

void cluster_run(struct cluster *c)
{
    faults_schedule(c);
    clocks_schedule(c);
    for (uint32_t i = 0; c->byzantine && i < c->n; i++)
        if (c->byzantine[i] != CONSENSUS_HONEST)
            cluster_emit_event(c, i, "byzantine", "behaviour=%s",
                               consensus_byzantine_names[c->byzantine[i]]);
    for (uint32_t i = 0; i < c->n; i++)
        if (c->hb)
            cluster_heartbeat_start(c, i, heartbeat_phase(c->hb, i));
    schedule_submission(c);
    for (uint32_t i = 0; c->cl && i < clients_count(c->cl); i++)
        client_schedule(c, i, c->sc->clients.start);
    sim_run(c->eng, c->sc->duration);
    progress_finish(c);
    /* Proposals still open at the end get a row too, so that the outcomes add up. */
    for (uint64_t id = 1; id <= c->nprops; id++)
        if (!c->prop[id].decided)
            record_outcome(c, id, OUTCOME_UNDECIDED, c->prop[id].p.proposer, 0, 0, 0,
                           c->prop[id].submitted);
    run_checker(c);
    check_history(c);
}

/*
 * Sort t ascending: least-significant-byte-first radix sort, O(n) (a run may decide
 * millions of proposals), skipping the bytes in which every time agrees.
 */
static void sort_times(sim_time *t, size_t n)
{
    size_t count[8][256] = {{0}};
    for (size_t i = 0; i < n; i++)
        for (int b = 0; b < 8; b++)
            count[b][(t[i] >> (8 * b)) & 0xff]++;
    sim_time *tmp = xreallocarray(NULL, n, sizeof(*tmp)), *from = t, *to = tmp;
    for (int b = 0; b < 8; b++) {
        if (count[b][(t[0] >> (8 * b)) & 0xff] == n)
            continue; /* one value of this byte: the pass would not move anything */
        size_t at = 0;
        for (int d = 0; d < 256; d++) {
            size_t k = count[b][d];
            count[b][d] = at;
            at += k;
        }
        for (size_t i = 0; i < n; i++)
            to[count[b][(from[i] >> (8 * b)) & 0xff]++] = from[i];
        sim_time *swap = from;
        from = to;
        to = swap;
    }
    if (from != t)
        memcpy(t, from, n * sizeof(*t));
    free(tmp);
}

/* Nearest rank of quantile q among n values (0 for n 0: unused then). */
static size_t nearest_rank(size_t n, double q)
{
    size_t rank = (size_t)ceil(q * (double)n);
    return rank ? rank - 1 : 0;
}

/*
 * Mean and nearest-rank p50/p90/p99, in seconds, of n tagged times (time << 1 | tag): of all
 * of them into all[], of the tagged ones into tagged[] (each all NAN when there are none).
 * One sort serves both: the tagged times keep their order among the sorted ones, and each
 * mean adds its times in that order, as a sort of the tagged ones alone would.
 */
static void latency_stats(const uint64_t *times, size_t n, double all[4], double tagged[4])
{
    all[0] = all[1] = all[2] = all[3] = NAN;
    tagged[0] = tagged[1] = tagged[2] = tagged[3] = NAN;
    if (!n)
        return;
    sim_time *t = xreallocarray(NULL, n, sizeof(*t));
    memcpy(t, times, n * sizeof(*t));
    sort_times(t, n);
    static const double q[3] = {0.5, 0.9, 0.99};
    double sum = 0, tsum = 0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        sum += (double)(t[i] >> 1);
        m += t[i] & 1;
    }
    all[0] = sum / (double)n / 1e9;
    for (int k = 0; k < 3; k++)
        all[k + 1] = (double)(t[nearest_rank(n, q[k])] >> 1) / 1e9;
    if (m) {
        size_t rank[3], seen = 0;
        for (int k = 0; k < 3; k++)
            rank[k] = nearest_rank(m, q[k]);
        for (size_t i = 0; i < n; i++) {
            if (!(t[i] & 1))
                continue;
            tsum += (double)(t[i] >> 1);
            for (int k = 0; k < 3; k++)
                if (rank[k] == seen)
                    tagged[k + 1] = (double)(t[i] >> 1) / 1e9;
            seen++;
        }
        tagged[0] = tsum / (double)m / 1e9;
    }
    free(t);
}

void cluster_metrics(const struct cluster *c, struct run_metrics *m)
{
    *m = c->m;
    m->approval_rate = m->proposals ? (double)m->approved / (double)m->proposals : NAN;
    metrics_set_params(m, c->sc);
    double d[4], k[4];
    latency_stats(c->latency, c->nlatency, d, k);
    m->decision_mean_s = d[0];
    m->decision_p50_s = d[1];
    m->decision_p90_s = d[2];
    m->decision_p99_s = d[3];
    m->commit_mean_s = k[0];
    m->commit_p50_s = k[1];
    m->commit_p90_s = k[2];
    m->commit_p99_s = k[3];
    m->detection_mean_s = m->detections ? c->detection_sum / (double)m->detections : NAN;
    m->diverged_replicas = c->check.diverged;
    m->safety_violations = c->check.violations;
    m->events = (uint64_t)((int64_t)sim_fired(c->eng) + mailbox_saved_events(c->mb));
    m->fingerprint = sim_fingerprint(c->eng);
    m->protocol = c->sc->consensus.protocol;
    m->clients = c->cl != NULL;
    if (c->cl) {
        struct client_metrics cm;
        clients_metrics(c->cl, c->sc->duration, &cm);
        m->ops_ok = cm.ops_ok;
        m->ops_fail = cm.ops_fail;
        m->ops_info = cm.ops_info;
        m->ops_throughput = cm.throughput;
        m->read_p50_s = cm.read_p50_s;
        m->read_p90_s = cm.read_p90_s;
        m->read_p99_s = cm.read_p99_s;
        m->write_p50_s = cm.write_p50_s;
        m->write_p90_s = cm.write_p90_s;
        m->write_p99_s = cm.write_p99_s;
    }
    for (size_t i = 0; i < CONSENSUS_METRICS_MAX; i++)
        m->proto[i] = NAN;
    if (c->proto_ops->nmetrics) {
        assert(c->proto_ops->nmetrics <= CONSENSUS_METRICS_MAX);
        c->proto_ops->metrics(c->proto, m->proto);
    }
}

const struct graph *cluster_replica(const struct cluster *c, uint32_t node)
{
    assert(node < c->n);
    if (!c->graphs[node])
        c->graphs[node] = replicas_graph(c->rep, node);
    return c->graphs[node];
}

const struct clients *cluster_clients(const struct cluster *c)
{
    return c->cl;
}

uint32_t cluster_majority_node(const struct cluster *c)
{
    return c->check.majority_node;
}

bool cluster_check(const struct cluster *c)
{
    return c->check.violations == 0;
}

uint64_t cluster_state_hash(const struct cluster *c, uint32_t node)
{
    assert(node < c->n);
    return replicas_hash(c->rep, node);
}

const struct ledger *cluster_ledger(const struct cluster *c, uint32_t node)
{
    assert(node < c->n);
    return c->ledger ? c->ledger[node] : NULL;
}

bool cluster_alive(const struct cluster *c, uint32_t node)
{
    assert(node < c->n);
    return up(c, node);
}

uint64_t cluster_applied_index(const struct cluster *c, uint32_t node)
{
    assert(node < c->n);
    return c->node[node].applied_index;
}
