/*
 * example: the smallest complete protocol on core/consensus.h, the worked example of
 * core/PROTOCOLS.md. A fixed leader orders proposals and commits the longest prefix a quorum
 * holds; every node applies the committed prefix in order. No election, no repair.
 */
#include "core/example/example.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/xalloc.h"

enum { MSG_FORWARD, MSG_ACCEPT, MSG_ACK, MSG_COMMIT, MSG_KIND_COUNT };
enum { TIMER_DEADLINE };
enum { PARAM_LEADER, PARAM_COUNT };

static const struct consensus_param params[PARAM_COUNT] = {
    {"leader", CPARAM_UINT, "0", 0, 1e7, NULL, "the fixed leader (a node index)"}};

struct enode {          /* one node's view */
    uint64_t *log;      /* log[i]: proposal at index i (1..), 0 while unknown */
    uint64_t committed; /* highest index known committed (everything below is too) */
    uint64_t applied;   /* highest index applied */
    uint64_t held;      /* its log holds every entry up to here */
    uint64_t match;     /* the leader's knowledge of `held` (from acks) */
};

struct eprop {         /* one proposal: its client at the proposer, its entry at the leader */
    uint32_t proposer; /* the node it was submitted at, which decides its outcome */
    uint64_t timer;    /* the proposer's client deadline, 0 once decided */
    uint64_t index;    /* log index, 0 while not yet ordered */
    consensus_time submitted;
};

struct consensus {
    struct consensus_config cfg;
    struct consensus_port port;
    uint32_t leader;
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
    p->leader = (uint32_t)cfg->params[PARAM_LEADER].u; /* below nodes: see ex_check */
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

static uint32_t holders(const struct consensus *p, uint64_t index) /* known to the leader */
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < p->cfg.nodes; i++)
        n += p->node[i].match >= index;
    return n;
}

static void decide(struct consensus *p, uint64_t id, enum consensus_outcome o)
{
    struct eprop *e = &p->prop[id];
    p->port.cancel_timer(p->port.ctx, e->timer); /* a fired or no timer (0): nothing */
    e->timer = 0;
    struct consensus_record r = {.kind = CONSENSUS_REC_DECIDED,
                                 .node = e->proposer,
                                 .proposal = id,
                                 .time = p->port.now(p->port.ctx),
                                 .outcome = o,
                                 .yes_votes = e->index ? holders(p, e->index) : 0,
                                 .missing = e->index ? p->cfg.nodes - holders(p, e->index) : 0,
                                 .quorum = p->cfg.quorum,
                                 .submitted = e->submitted,
                                 .index = e->index};
    p->port.record(p->port.ctx, &r);
}

static void apply_committed(struct consensus *p, uint32_t node) /* and decide its own */
{
    struct enode *s = &p->node[node];
    while (s->applied < s->committed && s->log[s->applied + 1]) {
        uint64_t index = ++s->applied, id = s->log[index];
        bool ok = p->port.apply(p->port.ctx, node, index, id);
        if (p->prop[id].proposer == node && p->prop[id].timer)
            decide(p, id, ok ? CONSENSUS_APPROVED : CONSENSUS_REJECTED);
    }
}

static void advance_commit(struct consensus *p) /* the longest prefix a quorum holds */
{
    uint64_t c = p->node[p->leader].committed;
    while (c < p->node[p->leader].held && holders(p, c + 1) >= p->cfg.quorum)
        c++;
    if (c == p->node[p->leader].committed)
        return;
    send(p, MSG_COMMIT, p->leader, 0, p->node[p->leader].log[c], c);
    p->node[p->leader].committed = c;
    apply_committed(p, p->leader);
}

static void order(struct consensus *p, uint64_t id) /* at the leader: next index, ask all */
{
    if (p->prop[id].index) /* a duplicated forward */
        return;
    uint64_t index = p->node[p->leader].held + 1; /* the leader holds its whole log */
    p->node[p->leader].log[index] = id;
    p->node[p->leader].held = p->node[p->leader].match = index;
    p->prop[id].index = index;
    send(p, MSG_ACCEPT, p->leader, 0, id, index);
    advance_commit(p);
}

static void ex_submit(struct consensus *p, uint32_t node, uint64_t id)
{
    struct eprop *e = &p->prop[id];
    e->proposer = node;
    e->submitted = p->port.now(p->port.ctx);
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
    case MSG_ACCEPT: { /* acks are cumulative: a lost or duplicated one does no harm */
        struct enode *s = &p->node[m->to];
        s->log[index] = m->proposal;
        while (s->held < p->cfg.max_proposals && s->log[s->held + 1])
            s->held++;
        send(p, MSG_ACK, m->to, m->from, m->proposal, s->held);
        apply_committed(p, m->to);
        return;
    }
    case MSG_ACK:
        if (index > p->node[m->from].match)
            p->node[m->from].match = index;
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
    (void)key, (void)node; /* TIMER_DEADLINE, at the proposer */
    decide(p, id, CONSENSUS_TIMEOUT);
}

static void ex_crash(struct consensus *p, uint32_t node) /* its open proposals are aborted */
{
    for (uint64_t id = 1; id <= p->cfg.max_proposals; id++)
        if (p->prop[id].proposer == node && p->prop[id].timer)
            decide(p, id, CONSENSUS_ABORTED);
}

static void ex_recover(struct consensus *p, uint32_t node, bool amnesia) /* the log is durable */
{
    p->node[node].applied = amnesia ? 0 : p->node[node].applied; /* replay from the start */
    apply_committed(p, node);
}

static int ex_check(const struct consensus_config *cfg, char *why, size_t len)
{
    snprintf(why, len, "the leader must be a node, below cluster.nodes (%u)", cfg->nodes);
    return cfg->params[PARAM_LEADER].u < cfg->nodes ? -1 : PARAM_LEADER;
}

static void ex_metrics(const struct consensus *p, double *out)
{
    out[0] = (double)p->node[p->leader].held;
}

static uint64_t ex_log_length(const struct consensus *p, uint32_t node)
{
    return p->node[node].held;
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
    .msg_kinds = (const struct consensus_msg_kind[]){{.name = "forward"},
                                                     {.name = "accept", .replica = true},
                                                     {.name = "ack"},
                                                     {.name = "commit"}},
    .nmsg_kinds = MSG_KIND_COUNT,
    .params = params,
    .nparams = PARAM_COUNT,
    .metric_names = (const char *const[]){"example_log_length"},
    .nmetrics = 1,
    .timer_names = (const char *const[]){"client_deadline"},
    .ntimers = 1,
    .create = ex_create,
    .destroy = ex_destroy,
    .submit = ex_submit,
    .deliver = ex_deliver,
    .timer = ex_timer,
    .crash = ex_crash,
    .recover = ex_recover,
    .check = ex_check,
    .metrics = ex_metrics,
    .log_length = ex_log_length,
    .log_entry = ex_log_entry,
};
