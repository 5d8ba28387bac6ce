/* logproto: the client table and leader accounting of the log protocols (see logproto.h). */
#include "core/logproto.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>

#include "core/xalloc.h"

void logproto_clients_init(struct logproto_clients *t, const struct consensus_port *port,
                           uint64_t max_proposals, uint32_t n, uint32_t quorum,
                           consensus_time timeout, uint32_t key)
{
    assert(max_proposals < UINT32_MAX);
    size_t words = (size_t)(max_proposals + 64) / 64;
    *t = (struct logproto_clients){.ring = 64,
                                   .decided = xhuge_calloc(words, sizeof(uint64_t)),
                                   .max_proposals = max_proposals,
                                   .node = xcalloc(n, sizeof(*t->node)),
                                   .port = port,
                                   .timeout = timeout,
                                   .key = key,
                                   .n = n,
                                   .quorum = quorum};
    t->open = xcalloc(t->ring, sizeof(*t->open));
}

void logproto_clients_fini(struct logproto_clients *t)
{
    size_t words = (size_t)(t->max_proposals + 64) / 64;
    xhuge_free(t->decided, words, sizeof(uint64_t));
    free(t->open);
    free(t->node);
    *t = (struct logproto_clients){0};
}

static consensus_time now_of(const struct logproto_clients *t)
{
    return t->port->now(t->port->ctx);
}

static bool bit(const uint64_t *set, uint64_t id)
{
    return set[id / 64] >> (id % 64) & 1;
}

bool logproto_decided(const struct logproto_clients *t, uint64_t id)
{
    assert(id >= 1 && id <= t->max_proposals);
    return bit(t->decided, id);
}

/* Undecided proposal id's entry. */
static struct logproto_client *entry(const struct logproto_clients *t, uint64_t id)
{
    struct logproto_client *e = &t->open[id & (t->ring - 1)];
    assert(e->id == id);
    return e;
}

/* A ring twice the size, as often as it takes for every undecided id to have its own entry. */
static void ring_grow(struct logproto_clients *t)
{
    for (uint64_t ring = t->ring * 2;; ring *= 2) {
        struct logproto_client *to = xcalloc(ring, sizeof(*to));
        bool clash = false;
        for (uint64_t i = 0; i < t->ring && !clash; i++) {
            const struct logproto_client *e = &t->open[i];
            if (!e->id)
                continue;
            struct logproto_client *d = &to[e->id & (ring - 1)];
            clash = d->id != 0;
            *d = *e;
        }
        if (clash) {
            free(to);
            continue;
        }
        free(t->open);
        t->open = to;
        t->ring = ring;
        return;
    }
}

/* Arm `node`'s deadline timer for its oldest undecided proposal, if any. */
static void arm_deadline(struct logproto_clients *t, uint32_t node)
{
    struct logproto_node *q = &t->node[node];
    q->armed = q->open;
    if (q->open)
        t->port->set_timer_since(t->port->ctx, node, entry(t, q->open)->submitted_at, t->timeout,
                                 t->key, q->open);
}

void logproto_submit(struct logproto_clients *t, uint32_t node, uint64_t id)
{
    /* not submitted before: neither decided nor holding its ring entry */
    assert(id >= 1 && id <= t->max_proposals && !bit(t->decided, id) &&
           t->open[id & (t->ring - 1)].id != id);
    while (t->open[id & (t->ring - 1)].id) /* held by an undecided proposal */
        ring_grow(t);
    struct logproto_node *q = &t->node[node];
    t->open[id & (t->ring - 1)] = (struct logproto_client){.id = (uint32_t)id,
                                                           .submitter = node,
                                                           .submitted_at = now_of(t),
                                                           .prev_open = q->open_last};
    if (q->open_last)
        entry(t, q->open_last)->next_open = (uint32_t)id;
    else
        q->open = (uint32_t)id;
    q->open_last = (uint32_t)id;
    struct consensus_record rec = {
        .kind = CONSENSUS_REC_PROPOSED, .node = node, .proposal = id, .time = now_of(t)};
    t->port->record(t->port->ctx, &rec);
    if (!t->port->set_timer_since)
        t->port->set_timer(t->port->ctx, node, t->timeout, t->key, id);
    else if (!q->armed)
        arm_deadline(t, node);
}

/* Take id off its node's list and free its entry; returns when it was submitted. */
static consensus_time open_remove(struct logproto_clients *t, uint64_t id)
{
    struct logproto_client *st = entry(t, id);
    struct logproto_node *q = &t->node[st->submitter];
    if (st->prev_open)
        entry(t, st->prev_open)->next_open = st->next_open;
    else
        q->open = st->next_open;
    if (st->next_open)
        entry(t, st->next_open)->prev_open = st->prev_open;
    else
        q->open_last = st->prev_open;
    consensus_time at = st->submitted_at;
    *st = (struct logproto_client){0};
    return at;
}

void logproto_decide(struct logproto_clients *t, uint32_t node, uint64_t id,
                     enum consensus_outcome o, uint64_t index, uint32_t acks)
{
    assert(!bit(t->decided, id)); /* and submitted: open_remove's entry() asserts it */
    t->decided[id / 64] |= (uint64_t)1 << (id % 64);
    consensus_time submitted_at = open_remove(t, id);
    t->approved += o == CONSENSUS_APPROVED && index; /* index 0: answered outside the log */
    struct consensus_record rec = {
        .kind = CONSENSUS_REC_DECIDED,
        .node = node,
        .proposal = id,
        .time = now_of(t),
        .outcome = o,
        .yes_votes = acks,
        .missing = t->n - acks,
        .quorum = t->quorum,
        .submitted = submitted_at,
        .index = index,
    };
    t->port->record(t->port->ctx, &rec);
}

void logproto_deadline(struct logproto_clients *t, uint32_t node, uint64_t arg)
{
    if (!t->port->set_timer_since) { /* one timer per proposal */
        if (!bit(t->decided, arg))
            logproto_decide(t, node, arg, CONSENSUS_TIMEOUT, 0, 0);
        return;
    }
    struct logproto_node *q = &t->node[node];
    if (arg != q->armed)
        return; /* armed before the node crashed (its proposals were aborted then) */
    q->armed = 0;
    if (!bit(t->decided, arg))
        logproto_decide(t, node, arg, CONSENSUS_TIMEOUT, 0, 0); /* may submit and arm */
    if (!q->armed)
        arm_deadline(t, node);
}

void logproto_abort_node(struct logproto_clients *t, uint32_t node)
{
    struct logproto_node *q = &t->node[node];
    while (q->open)
        logproto_decide(t, node, q->open, CONSENSUS_ABORTED, 0, 0);
    q->armed = 0; /* its timer dies with the node */
}

uint32_t logproto_resend_to(uint32_t leader, uint32_t last, uint32_t node, uint32_t n)
{
    if (leader != LOGPROTO_NONE && leader != last)
        return leader;
    uint32_t from = last == LOGPROTO_NONE ? node : last;
    return from + 1 == n ? 0 : from + 1;
}

void logproto_arm_resend(const struct consensus_port *port, uint32_t node, consensus_time base,
                         uint32_t key, uint64_t id, uint64_t attempt)
{
    assert(attempt >= 1);
    consensus_time delay = base << (attempt - 1 < 16 ? attempt - 1 : 16);
    port->set_timer(port->ctx, node, delay, key, logproto_retry_arg(id, attempt));
}

void logproto_leader_up(struct logproto_leaderless *l, consensus_time now)
{
    if (l->leaders_alive++ == 0)
        l->total += now - l->since;
}

void logproto_leader_down(struct logproto_leaderless *l, consensus_time now)
{
    assert(l->leaders_alive > 0);
    if (--l->leaders_alive == 0)
        l->since = now;
}

double logproto_leaderless_s(const struct logproto_leaderless *l, consensus_time now)
{
    consensus_time t = l->total;
    if (l->leaders_alive == 0)
        t += now - l->since;
    return (double)t / 1e9;
}

double logproto_commits_per_s(const struct logproto_clients *t, consensus_time now)
{
    return now ? (double)t->approved / ((double)now / 1e9) : (double)NAN;
}

double logproto_messages_per_commit(const struct logproto_clients *t, uint64_t messages)
{
    return t->approved ? (double)messages / (double)t->approved : (double)NAN;
}
