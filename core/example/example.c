/*
 * example: the smallest complete protocol on core/consensus.h, written to be read; the
 * worked example of core/PROTOCOLS.md, which explains every part. A fixed leader orders
 * proposals in its log and commits the longest prefix that a quorum of nodes holds; every
 * node applies the committed prefix in log order. No election and no repair: a lost accept
 * or a crashed leader stalls it (proposals then time out).
 */
#include "core/example/example.h"

#include <assert.h>
#include <stdlib.h>

#include "core/xalloc.h"

enum { MSG_FORWARD, MSG_ACCEPT, MSG_ACK, MSG_COMMIT, MSG_KIND_COUNT };
enum { TIMER_DEADLINE };
enum { PARAM_LEADER, PARAM_COUNT };

static const struct consensus_msg_kind kinds[] = {{"forward"}, {"accept"}, {"ack"}, {"commit"}};

static const struct consensus_param params[PARAM_COUNT] = {
    [PARAM_LEADER] = {.key = "leader",
                      .type = CPARAM_UINT,
                      .def = "0",
                      .max = 1e7,
                      .help = "the fixed leader's node index (must be below cluster.nodes)"},
};

static const char *const metric_names[] = {"example_log_length"};

struct enode {          /* one node's view */
    uint64_t *log;      /* log[i]: proposal at index i (1..), 0 while unknown */
    uint64_t committed; /* highest index known committed (everything below is too) */
    uint64_t applied;   /* highest index applied */
};

struct eprop {         /* one proposal: its client at the proposer, its entry at the leader */
    uint32_t proposer; /* the node it was submitted at, which decides its outcome */
    uint32_t acks;     /* the leader's count of nodes that hold the entry (itself included) */
    uint64_t timer;    /* the proposer's client deadline, 0 once decided */
    uint64_t index;    /* log index, 0 while not yet ordered */
    consensus_time submitted;
};

struct consensus {
    struct consensus_config cfg;
    struct consensus_port port;
    uint32_t leader;
    uint64_t length;    /* the leader's log length */
    struct enode *node; /* cfg.nodes */
    struct eprop *prop; /* by proposal id, 1..max_proposals */
};

static void send(struct consensus *p, uint32_t kind, uint32_t from, uint32_t to, uint64_t id,
                 uint64_t index)
{
    struct consensus_msg m = {.kind = kind, .from = from, .to = to, .proposal = id, .len = 8};
    m.payload.words[0] = index;
    if (kind == MSG_ACCEPT || kind == MSG_COMMIT)
        p->port.broadcast(p->port.ctx, &m);
    else
        p->port.send(p->port.ctx, &m);
}

static struct consensus *ex_create(const struct consensus_config *cfg,
                                   const struct consensus_port *port)
{
    struct consensus *p = xcalloc(1, sizeof(*p));
    p->cfg = *cfg;
    p->port = *port;
    p->leader = (uint32_t)cfg->params[PARAM_LEADER].u;
    assert(p->leader < cfg->nodes);
    p->node = xcalloc(cfg->nodes, sizeof(*p->node));
    for (uint32_t i = 0; i < cfg->nodes; i++)
        p->node[i].log = xcalloc(cfg->max_proposals + 1, sizeof(uint64_t));
    p->prop = xcalloc(cfg->max_proposals + 1, sizeof(*p->prop));
    return p;
}

static void ex_destroy(struct consensus *p)
{
    if (!p)
        return;
    for (uint32_t i = 0; i < p->cfg.nodes; i++)
        free(p->node[i].log);
    free(p->node);
    free(p->prop);
    free(p);
}

static void decide(struct consensus *p, uint64_t id, enum consensus_outcome o)
{
    struct eprop *e = &p->prop[id];
    if (e->timer)
        p->port.cancel_timer(p->port.ctx, e->timer);
    e->timer = 0;
    struct consensus_record r = {.kind = CONSENSUS_REC_DECIDED,
                                 .node = e->proposer,
                                 .proposal = id,
                                 .time = p->port.now(p->port.ctx),
                                 .outcome = o,
                                 .yes_votes = e->acks,
                                 .missing = e->index ? p->cfg.nodes - e->acks : 0,
                                 .quorum = p->cfg.quorum,
                                 .submitted = e->submitted,
                                 .index = e->index};
    p->port.record(p->port.ctx, &r);
}

/* Apply node's committed prefix in log order; a proposer decides what it applies. */
static void apply_committed(struct consensus *p, uint32_t node)
{
    struct enode *s = &p->node[node];
    while (s->applied < s->committed && s->log[s->applied + 1]) {
        uint64_t index = ++s->applied, id = s->log[index];
        bool ok = p->port.apply(p->port.ctx, node, index, id);
        if (p->prop[id].proposer == node && p->prop[id].timer)
            decide(p, id, ok ? CONSENSUS_APPROVED : CONSENSUS_REJECTED);
    }
}

/* The leader commits the longest prefix of entries a quorum holds and tells everyone. */
static void advance_commit(struct consensus *p)
{
    uint64_t c = p->node[p->leader].committed;
    while (c < p->length && p->prop[p->node[p->leader].log[c + 1]].acks >= p->cfg.quorum)
        c++;
    if (c == p->node[p->leader].committed)
        return;
    send(p, MSG_COMMIT, p->leader, 0, p->node[p->leader].log[c], c);
    p->node[p->leader].committed = c;
    apply_committed(p, p->leader);
}

/* The leader orders a proposal: next index, store, ask everyone. */
static void order(struct consensus *p, uint64_t id)
{
    uint64_t index = ++p->length;
    p->node[p->leader].log[index] = id;
    p->prop[id].index = index;
    p->prop[id].acks = 1;
    send(p, MSG_ACCEPT, p->leader, 0, id, index);
    advance_commit(p);
}

static void ex_submit(struct consensus *p, uint32_t node, uint64_t id)
{
    struct eprop *e = &p->prop[id];
    e->proposer = node;
    e->submitted = p->port.now(p->port.ctx);
    struct consensus_record r = {
        .kind = CONSENSUS_REC_PROPOSED, .node = node, .proposal = id, .time = e->submitted};
    p->port.record(p->port.ctx, &r);
    e->timer = p->port.set_timer(p->port.ctx, node, p->cfg.vote_timeout, TIMER_DEADLINE, id);
    if (node == p->leader)
        order(p, id);
    else
        send(p, MSG_FORWARD, node, p->leader, id, 0);
}

static void ex_deliver(struct consensus *p, const struct consensus_msg *m)
{
    uint64_t index = m->payload.words[0];
    switch (m->kind) {
    case MSG_FORWARD:
        order(p, m->proposal);
        return;
    case MSG_ACCEPT:
        p->node[m->to].log[index] = m->proposal;
        send(p, MSG_ACK, m->to, m->from, m->proposal, index);
        apply_committed(p, m->to);
        return;
    case MSG_ACK:
        p->prop[m->proposal].acks++;
        advance_commit(p);
        return;
    case MSG_COMMIT: /* commits are a prefix: a lost one is made good by the next */
        if (index > p->node[m->to].committed)
            p->node[m->to].committed = index;
        apply_committed(p, m->to);
        return;
    }
    assert(!"unknown message kind");
}

static void ex_timer(struct consensus *p, uint32_t node, uint32_t key, uint64_t id)
{
    assert(key == TIMER_DEADLINE && node == p->prop[id].proposer);
    (void)key, (void)node;
    p->prop[id].timer = 0;
    decide(p, id, CONSENSUS_TIMEOUT);
}

/* A crashed proposer's undecided proposals are aborted. */
static void ex_crash(struct consensus *p, uint32_t node)
{
    for (uint64_t id = 1; id <= p->cfg.max_proposals; id++)
        if (p->prop[id].proposer == node && p->prop[id].timer)
            decide(p, id, CONSENSUS_ABORTED);
}

/* Its log is durable; with amnesia the replica restarts empty and re-applies it. */
static void ex_recover(struct consensus *p, uint32_t node, bool amnesia)
{
    if (amnesia)
        p->node[node].applied = 0;
    apply_committed(p, node);
}

static void ex_metrics(const struct consensus *p, double *out)
{
    out[0] = (double)p->length;
}

/* The checker reads the applied prefix, the part of the log a node surely holds. */
static uint64_t ex_log_length(const struct consensus *p, uint32_t node)
{
    return p->node[node].applied;
}

static void ex_log_entry(const struct consensus *p, uint32_t node, uint64_t index, uint64_t *term,
                         uint64_t *proposal)
{
    *term = 1; /* one leader, one term */
    *proposal = p->node[node].log[index];
}

const struct consensus_ops example_ops = {
    .name = "example",
    .flags = CONSENSUS_LOG_ORDER | CONSENSUS_SELF_REPAIR,
    .msg_kinds = kinds,
    .nmsg_kinds = MSG_KIND_COUNT,
    .params = params,
    .nparams = PARAM_COUNT,
    .metric_names = metric_names,
    .nmetrics = 1,
    .create = ex_create,
    .destroy = ex_destroy,
    .submit = ex_submit,
    .deliver = ex_deliver,
    .timer = ex_timer,
    .crash = ex_crash,
    .recover = ex_recover,
    .metrics = ex_metrics,
    .log_length = ex_log_length,
    .log_entry = ex_log_entry,
};
