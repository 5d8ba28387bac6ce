/* raft_harness: the fake port and event loop of the Raft tests (see raft_harness.h). */
#include "raft_harness.h"

#include <assert.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

enum ev_type { EV_MSG, EV_TIMER, EV_SUBMIT, EV_CHAOS };

struct ev {
    consensus_time time;
    uint64_t seq;
    enum ev_type type;
    bool cancelled;
    uint32_t node, key;
    uint64_t arg, epoch;
    struct consensus_msg msg;
};

struct nodestate {
    bool alive;
    uint64_t epoch;    /* timers of other epochs were forgotten by a crash */
    uint64_t applied;  /* the replica's last applied index */
    uint64_t *history; /* proposal applied at 1..applied (not in light mode) */
    size_t cap;
    uint64_t seen_commit; /* commit index already scanned into committed_term */
    uint64_t led_term;    /* highest term this node led */
};

struct harness {
    struct h_options o;
    const struct consensus_ops *ops;
    struct consensus *p;
    union consensus_value params[CONSENSUS_PARAMS_MAX];
    consensus_time now;
    uint64_t rng, seq, hash, decisions_hash;
    struct ev *pool;
    uint32_t *free_slots, nfree, npool;
    uint32_t *heap, nheap;
    struct nodestate *nodes;
    bool *cut;                /* cut[a * n + b]: a -> b dropped */
    bool *forced;             /* forced[a * n + b]: a suspects b regardless */
    consensus_time *last_at;  /* fifo: last delivery time on link a -> b, [a * n + b] */
    uint64_t *leader_of_term; /* node + 1, indexed by term */
    size_t terms_cap;
    uint64_t *committed_term; /* by index: the term seen committed */
    uint64_t *committed_prop; /* by index: the proposal seen committed, + 1 (0: none) */
    uint64_t *applied_first;  /* by index: first proposal applied there, + 1 */
    size_t idx_cap;
    uint8_t *decided;     /* by proposal: 0 or outcome + 1 */
    uint64_t newest_term; /* highest term with a leader */
    uint64_t last_proposal;
    uint64_t wl_left, wl_gap;
    uint32_t wl_node, wl_next;
    consensus_time chaos_every, chaos_until;
    uint32_t max_down;
    bool chaos_amnesia;
    struct h_counts c;
};

/* ---- rng, hash -------------------------------------------------------------------- */

static uint64_t next_u64(struct harness *h)
{
    uint64_t z = (h->rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double unit(struct harness *h)
{
    return (double)(next_u64(h) >> 11) * 0x1.0p-53;
}

static consensus_time between(struct harness *h, consensus_time lo, consensus_time hi)
{
    return lo + (hi > lo ? next_u64(h) % (hi - lo + 1) : 0);
}

static void mix(struct harness *h, uint64_t v)
{
    h->hash = (h->hash ^ v) * 0x100000001b3ull;
}

/* ---- queue ------------------------------------------------------------------------ */

static bool before(const struct harness *h, uint32_t a, uint32_t b)
{
    const struct ev *x = &h->pool[a], *y = &h->pool[b];
    return x->time < y->time || (x->time == y->time && x->seq < y->seq);
}

static void heap_push(struct harness *h, uint32_t slot)
{
    uint32_t i = h->nheap++;
    h->heap[i] = slot;
    while (i && before(h, h->heap[i], h->heap[(i - 1) / 2])) {
        uint32_t up = (i - 1) / 2, t = h->heap[i];
        h->heap[i] = h->heap[up];
        h->heap[up] = t;
        i = up;
    }
}

static uint32_t heap_pop(struct harness *h)
{
    uint32_t top = h->heap[0];
    h->heap[0] = h->heap[--h->nheap];
    for (uint32_t i = 0;;) {
        uint32_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->nheap && before(h, h->heap[l], h->heap[m]))
            m = l;
        if (r < h->nheap && before(h, h->heap[r], h->heap[m]))
            m = r;
        if (m == i)
            break;
        uint32_t t = h->heap[i];
        h->heap[i] = h->heap[m];
        h->heap[m] = t;
        i = m;
    }
    return top;
}

static struct ev *schedule(struct harness *h, consensus_time at, enum ev_type type,
                           uint32_t *slot_out)
{
    if (!h->nfree) {
        uint32_t grow = h->npool ? h->npool : 64;
        h->pool = xreallocarray(h->pool, h->npool + grow, sizeof(*h->pool));
        h->free_slots = xreallocarray(h->free_slots, h->npool + grow, sizeof(uint32_t));
        h->heap = xreallocarray(h->heap, h->npool + grow, sizeof(uint32_t));
        for (uint32_t i = 0; i < grow; i++)
            h->free_slots[h->nfree++] = h->npool + grow - 1 - i;
        h->npool += grow;
    }
    uint32_t slot = h->free_slots[--h->nfree];
    struct ev *e = &h->pool[slot];
    e->time = at;
    e->seq = ++h->seq;
    e->type = type;
    e->cancelled = false;
    heap_push(h, slot);
    if (slot_out)
        *slot_out = slot;
    return e;
}

/* ---- the port --------------------------------------------------------------------- */

static consensus_time p_now(void *ctx)
{
    return ((struct harness *)ctx)->now;
}

/* Every node is honest. */
static enum consensus_byzantine p_byzantine(void *ctx, uint32_t node)
{
    (void)ctx, (void)node;
    return CONSENSUS_HONEST;
}

/* Every node reads true time (the fake has no clocks). */
static consensus_time p_clock(void *ctx, uint32_t node)
{
    (void)node;
    return p_now(ctx);
}

static void p_send(void *ctx, const struct consensus_msg *m)
{
    struct harness *h = ctx;
    assert(m->from < h->o.nodes && m->to < h->o.nodes && m->from != m->to);
    assert(m->len <= CONSENSUS_PAYLOAD_MAX);
    h->c.messages++;
    h->c.msgs_by_kind[m->kind < 8 ? m->kind : 7]++;
    mix(h, ((uint64_t)m->kind << 40) ^ ((uint64_t)m->from << 20) ^ m->to);
    if (h->cut[m->from * h->o.nodes + m->to] || (h->o.loss > 0 && unit(h) < h->o.loss))
        return;
    bool twice = h->o.dup > 0 && unit(h) < h->o.dup;
    for (int copy = 0; copy <= twice; copy++) {
        consensus_time at = h->now + between(h, h->o.lat_min, h->o.lat_max);
        consensus_time *last = &h->last_at[m->from * h->o.nodes + m->to];
        if (h->o.fifo && at < *last)
            at = *last; /* equal times deliver in sending order */
        *last = at;
        struct ev *e = schedule(h, at, EV_MSG, NULL);
        memcpy(&e->msg, m, offsetof(struct consensus_msg, payload) + m->len);
        e->msg.sent = h->now;
    }
}

static void p_broadcast(void *ctx, const struct consensus_msg *m)
{
    struct harness *h = ctx;
    struct consensus_msg copy = *m;
    for (uint32_t i = 0; i < h->o.nodes; i++) {
        if (i == m->from)
            continue;
        copy.to = i;
        p_send(h, &copy);
    }
}

static uint64_t p_set_timer(void *ctx, uint32_t node, consensus_time delay, uint32_t key,
                            uint64_t arg)
{
    struct harness *h = ctx;
    uint32_t slot;
    struct ev *e = schedule(h, h->now + delay, EV_TIMER, &slot);
    e->node = node;
    e->key = key;
    e->arg = arg;
    e->epoch = h->nodes[node].epoch;
    return (e->seq << 32) | slot;
}

static uint64_t p_set_timer_since(void *ctx, uint32_t node, consensus_time since,
                                  consensus_time delay, uint32_t key, uint64_t arg)
{
    struct harness *h = ctx;
    assert(since <= h->now);
    consensus_time at = since + delay + h->o.deadline_skew;
    return p_set_timer(ctx, node, at > h->now ? at - h->now : 0, key, arg);
}

static void p_cancel_timer(void *ctx, uint64_t handle)
{
    struct harness *h = ctx;
    uint32_t slot = (uint32_t)handle;
    if (slot < h->npool && h->pool[slot].seq == handle >> 32)
        h->pool[slot].cancelled = true;
}

bool h_valid(uint64_t proposal)
{
    return proposal % 10 != 7;
}

static bool p_validate(void *ctx, uint32_t node, uint64_t proposal)
{
    (void)ctx;
    (void)node;
    return h_valid(proposal);
}

static void grow_index(struct harness *h, uint64_t index)
{
    if (index < h->idx_cap)
        return;
    size_t old = h->idx_cap, cap = h->idx_cap ? h->idx_cap : 1024;
    while (cap <= index)
        cap *= 2;
    if (!h->o.light) {
        h->applied_first = xreallocarray(h->applied_first, cap, sizeof(uint64_t));
        memset(h->applied_first + old, 0, (cap - old) * sizeof(uint64_t));
    }
    h->committed_term = xreallocarray(h->committed_term, cap, sizeof(uint64_t));
    memset(h->committed_term + old, 0, (cap - old) * sizeof(uint64_t));
    h->committed_prop = xreallocarray(h->committed_prop, cap, sizeof(uint64_t));
    memset(h->committed_prop + old, 0, (cap - old) * sizeof(uint64_t));
    h->idx_cap = cap;
}

static bool p_apply(void *ctx, uint32_t node, uint64_t index, uint64_t proposal)
{
    struct harness *h = ctx;
    struct nodestate *s = &h->nodes[node];
    assert(index == s->applied + 1);
    s->applied = index;
    h->c.applied_total++;
    mix(h, (index << 24) ^ (proposal << 4) ^ node);
    if (h->o.light)
        return h_valid(proposal);
    XGROW(s->history, s->cap, (size_t)index + 1);
    s->history[index] = proposal;
    grow_index(h, index);
    if (!h->applied_first[index])
        h->applied_first[index] = proposal + 1;
    else if (h->applied_first[index] != proposal + 1)
        h->c.state_machine++;
    return h_valid(proposal);
}

static uint64_t p_applied(void *ctx, uint32_t node)
{
    return ((struct harness *)ctx)->nodes[node].applied;
}

static bool p_suspects(void *ctx, uint32_t node, uint32_t peer)
{
    const struct harness *h = ctx;
    uint32_t n = h->o.nodes;
    return peer != node && (!h->nodes[peer].alive || h->forced[node * n + peer] ||
                            (h->o.fd_cuts && h->cut[peer * n + node]));
}

static uint32_t p_trusted(void *ctx, uint32_t node)
{
    const struct harness *h = ctx;
    uint32_t trusted = 0;
    for (uint32_t i = 0; i < h->o.nodes; i++)
        trusted += !p_suspects(ctx, node, i);
    return trusted;
}

static double p_uniform(void *ctx, uint32_t node)
{
    (void)node;
    return unit(ctx);
}

static consensus_time p_draw(void *ctx, uint32_t node, uint32_t dist)
{
    struct harness *h = ctx;
    (void)node;
    (void)dist; /* one distribution: the election timeout */
    return between(h, h->o.eto_min, h->o.eto_max);
}

static void p_record(void *ctx, const struct consensus_record *r)
{
    struct harness *h = ctx;
    mix(h, ((uint64_t)r->kind << 56) ^ (r->proposal << 8) ^ r->node);
    if (r->kind != CONSENSUS_REC_DECIDED)
        return;
    assert(r->proposal >= 1 && r->proposal <= h->o.max_proposals);
    if (h->decided[r->proposal]) {
        h->c.decided_twice++;
        return;
    }
    h->decided[r->proposal] = (uint8_t)(r->outcome + 1);
    const uint64_t fields[] = {r->proposal, r->outcome, r->node, r->time};
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        h->decisions_hash = (h->decisions_hash ^ fields[i]) * 0x100000001b3ull;
    h->c.outcomes[r->outcome]++;
}

static void p_event(void *ctx, const struct consensus_event *e)
{
    struct harness *h = ctx;
    mix(h, e->value[0] ^ (e->value[2] << 62) ^ ((uint64_t)e->node << 32));
    if (strcmp(e->event, "election") == 0)
        h->c.election_events++;
    else if (strcmp(e->event, "candidate") == 0)
        h->c.candidate_events++;
}

/* Leader Completeness: `node`'s log holds every entry seen committed so far. */
static void check_completeness(struct harness *h, uint32_t node)
{
    uint64_t len = h->ops->log_length(h->p, node);
    for (uint64_t i = 1; i < h->idx_cap && h->committed_prop[i]; i++) {
        uint64_t term = 0, prop = UINT64_MAX;
        if (i <= len)
            h->ops->log_entry(h->p, node, i, &term, &prop);
        if (term != h->committed_term[i] || prop + 1 != h->committed_prop[i]) {
            h->c.leader_completeness++;
            return;
        }
    }
}

void h_port_leader(struct harness *h, uint32_t node, uint64_t term)
{
    mix(h, (term << 20) ^ node);
    if (term >= h->terms_cap) {
        size_t old = h->terms_cap, cap = old ? old : 64;
        while (cap <= term)
            cap *= 2;
        h->leader_of_term = xreallocarray(h->leader_of_term, cap, sizeof(uint64_t));
        memset(h->leader_of_term + old, 0, (cap - old) * sizeof(uint64_t));
        h->terms_cap = cap;
    }
    if (h->leader_of_term[term] && h->leader_of_term[term] != node + 1u)
        h->c.election_safety++;
    h->leader_of_term[term] = node + 1u;
    if (term > h->newest_term)
        h->newest_term = term;
    if (term > h->nodes[node].led_term)
        h->nodes[node].led_term = term;
    if (h->p)
        check_completeness(h, node);
}

static void p_leader(void *ctx, uint32_t node, uint64_t term)
{
    h_port_leader(ctx, node, term);
}

bool h_port_apply(struct harness *h, uint32_t node, uint64_t index, uint64_t proposal)
{
    return p_apply(h, node, index, proposal);
}

/* Commits seen since the last scan: two different entries committed at one index break
 * State Machine Safety even before anyone applies them. */
static void scan_commits(struct harness *h)
{
    for (uint32_t k = 0; k < h->o.nodes; k++) {
        struct nodestate *s = &h->nodes[k];
        uint64_t commit = h->ops->commit_index(h->p, k);
        if (commit < s->seen_commit)
            s->seen_commit = commit; /* amnesia */
        grow_index(h, commit);
        for (uint64_t i = s->seen_commit + 1; i <= commit; i++) {
            uint64_t term, prop;
            h->ops->log_entry(h->p, k, i, &term, &prop);
            if (!h->committed_prop[i]) {
                h->committed_term[i] = term;
                h->committed_prop[i] = prop + 1;
            } else if (h->committed_term[i] != term || h->committed_prop[i] != prop + 1) {
                h->c.state_machine++;
            }
        }
        s->seen_commit = commit;
    }
}

/* ---- lifecycle -------------------------------------------------------------------- */

struct h_options h_defaults(uint64_t seed)
{
    return (struct h_options){.nodes = 5,
                              .seed = seed,
                              .max_proposals = 10000,
                              .lat_min = 1 * H_MS,
                              .lat_max = 5 * H_MS,
                              .eto_min = 150 * H_MS,
                              .eto_max = 300 * H_MS,
                              .heartbeat = 50 * H_MS,
                              .max_batch = RAFT_BATCH_MAX,
                              .max_inflight = 1,
                              .client_timeout = 1000 * H_MS,
                              .fd_cuts = true};
}

struct harness *h_new(const struct consensus_ops *ops, const struct h_options *o)
{
    struct harness *h = xcalloc(1, sizeof(*h));
    h->o = *o;
    h->ops = ops;
    h->rng = o->seed;
    h->hash = h->decisions_hash = 0xcbf29ce484222325ull;
    h->nodes = xcalloc(o->nodes, sizeof(*h->nodes));
    for (uint32_t i = 0; i < o->nodes; i++)
        h->nodes[i].alive = true;
    h->cut = xcalloc((size_t)o->nodes * o->nodes, sizeof(*h->cut));
    h->last_at = xcalloc((size_t)o->nodes * o->nodes, sizeof(*h->last_at));
    h->decided = xcalloc(o->max_proposals + 1, 1);
    grow_index(h, 1);
    h->forced = xcalloc((size_t)o->nodes * o->nodes, sizeof(*h->forced));
    if (o->params) {
        memcpy(h->params, o->params, ops->nparams * sizeof(*h->params));
    } else {
        h->params[RAFT_ELECTION_TIMEOUT].dist = 0;
        h->params[RAFT_HEARTBEAT_INTERVAL].t = o->heartbeat;
        h->params[RAFT_MAX_BATCH].u = o->max_batch;
        h->params[RAFT_PRE_VOTE].b = o->pre_vote;
        h->params[RAFT_CHECK_QUORUM].b = o->check_quorum;
        h->params[RAFT_MAX_INFLIGHT].u = o->max_inflight;
        h->params[RAFT_CLIENT_RETRY].t = o->client_retry;
    }
    struct consensus_config cfg = {.nodes = o->nodes,
                                   .quorum = o->nodes / 2 + 1,
                                   .vote_timeout = o->client_timeout,
                                   .max_proposals = o->max_proposals,
                                   .params = h->params};
    static const struct consensus_port port = {
        .now = p_now,
        .clock = p_clock,
        .byzantine = p_byzantine,
        .send = p_send,
        .broadcast = p_broadcast,
        .set_timer = p_set_timer,
        .set_timer_since = p_set_timer_since,
        .cancel_timer = p_cancel_timer,
        .validate = p_validate,
        .apply = p_apply,
        .applied = p_applied,
        .trusted = p_trusted,
        .suspects = p_suspects,
        .uniform = p_uniform,
        .draw = p_draw,
        .record = p_record,
        .event = p_event,
        .leader = p_leader,
    };
    struct consensus_port mine = port;
    mine.ctx = h;
    if (o->timer_per_deadline)
        mine.set_timer_since = NULL;
    h->p = ops->create(&cfg, &mine);
    return h;
}

void h_free(struct harness *h)
{
    if (!h)
        return;
    h->ops->destroy(h->p);
    for (uint32_t i = 0; i < h->o.nodes; i++)
        free(h->nodes[i].history);
    free(h->nodes);
    free(h->pool);
    free(h->free_slots);
    free(h->heap);
    free(h->cut);
    free(h->forced);
    free(h->last_at);
    free(h->leader_of_term);
    free(h->committed_term);
    free(h->committed_prop);
    free(h->applied_first);
    free(h->decided);
    free(h);
}

/* ---- faults and workload ---------------------------------------------------------- */

void h_submit(struct harness *h, uint32_t node)
{
    assert(h->last_proposal < h->o.max_proposals);
    uint64_t id = ++h->last_proposal;
    h->c.submitted++;
    if (!h->nodes[node].alive) {
        h->decided[id] = CONSENSUS_ABORTED + 1; /* a dead node takes no submissions */
        h->c.outcomes[CONSENSUS_ABORTED]++;
        return;
    }
    h->ops->submit(h->p, node, id);
}

uint64_t h_last_proposal(const struct harness *h)
{
    return h->last_proposal;
}

void h_workload(struct harness *h, uint64_t count, consensus_time gap, uint32_t node)
{
    h->wl_left = count;
    h->wl_gap = gap;
    h->wl_node = node;
    if (count)
        schedule(h, h->now, EV_SUBMIT, NULL);
}

void h_crash(struct harness *h, uint32_t node)
{
    struct nodestate *s = &h->nodes[node];
    if (!s->alive)
        return;
    s->alive = false;
    s->epoch++;
    mix(h, 0xc0ull ^ node);
    h->ops->crash(h->p, node);
}

void h_recover(struct harness *h, uint32_t node, bool amnesia)
{
    struct nodestate *s = &h->nodes[node];
    if (s->alive)
        return;
    s->alive = true;
    if (amnesia) {
        s->applied = 0;
        s->seen_commit = 0;
    }
    mix(h, 0xd0ull ^ node ^ ((uint64_t)amnesia << 8));
    h->ops->recover(h->p, node, amnesia);
}

void h_cut(struct harness *h, uint32_t a, uint32_t b, bool cut)
{
    h->cut[a * h->o.nodes + b] = cut;
    h->cut[b * h->o.nodes + a] = cut;
}

void h_isolate(struct harness *h, uint32_t node, bool cut)
{
    for (uint32_t i = 0; i < h->o.nodes; i++)
        if (i != node)
            h_cut(h, node, i, cut);
}

void h_heal(struct harness *h)
{
    memset(h->cut, 0, (size_t)h->o.nodes * h->o.nodes * sizeof(*h->cut));
}

void h_suspect(struct harness *h, uint32_t node, uint32_t peer, bool suspect)
{
    h->forced[node * h->o.nodes + peer] = suspect;
}

void h_set_loss(struct harness *h, double loss)
{
    h->o.loss = loss;
}

void h_chaos(struct harness *h, consensus_time every, consensus_time until, uint32_t max_down,
             bool amnesia)
{
    h->chaos_every = every;
    h->chaos_until = until;
    h->max_down = max_down;
    h->chaos_amnesia = amnesia;
    schedule(h, h->now + between(h, 1, 2 * every), EV_CHAOS, NULL);
}

static void chaos_step(struct harness *h)
{
    uint32_t n = h->o.nodes, node = (uint32_t)(next_u64(h) % n), down = 0;
    for (uint32_t i = 0; i < n; i++)
        down += !h->nodes[i].alive;
    switch (next_u64(h) % 4) {
    case 0:
        if (down < h->max_down)
            h_crash(h, node);
        break;
    case 1:
        h_recover(h, node, h->chaos_amnesia);
        break;
    case 2:
        h_isolate(h, node, true);
        break;
    default:
        h_heal(h);
        break;
    }
    if (h->now < h->chaos_until)
        schedule(h, h->now + between(h, 1, 2 * h->chaos_every), EV_CHAOS, NULL);
}

/* ---- the loop --------------------------------------------------------------------- */

static void dispatch(struct harness *h, struct ev *e)
{
    switch (e->type) {
    case EV_MSG: /* a cut made while it travelled drops it too */
        if (h->nodes[e->msg.to].alive && h->nodes[e->msg.from].alive &&
            !h->cut[e->msg.from * h->o.nodes + e->msg.to]) {
            /* A copy: sends during delivery may grow (move) the pool that holds e. */
            struct consensus_msg m = e->msg;
            h->ops->deliver(h->p, &m);
        }
        break;
    case EV_TIMER:
        if (!e->cancelled && h->nodes[e->node].alive && e->epoch == h->nodes[e->node].epoch)
            h->ops->timer(h->p, e->node, e->key, e->arg);
        break;
    case EV_SUBMIT:
        h_submit(h, h->wl_node < h->o.nodes ? h->wl_node : h->wl_next++ % h->o.nodes);
        if (--h->wl_left)
            schedule(h, h->now + h->wl_gap, EV_SUBMIT, NULL);
        break;
    case EV_CHAOS:
        chaos_step(h);
        break;
    }
}

bool h_step(struct harness *h, consensus_time limit)
{
    if (!h->nheap || h->pool[h->heap[0]].time > limit)
        return false;
    uint32_t slot = heap_pop(h);
    h->now = h->pool[slot].time;
    h->c.events++;
    dispatch(h, &h->pool[slot]);
    h->free_slots[h->nfree++] = slot;
    if (!h->o.light)
        scan_commits(h);
    return true;
}

void h_run_until(struct harness *h, consensus_time t)
{
    while (h_step(h, t))
        ;
    h->now = t;
}

uint32_t h_run_until_leader(struct harness *h, uint64_t above_term, consensus_time limit)
{
    while (h_step(h, limit)) {
        if (h->newest_term > above_term)
            return (uint32_t)(h->leader_of_term[h->newest_term] - 1);
    }
    h->now = limit;
    return h->o.nodes;
}

/* ---- observations ----------------------------------------------------------------- */

consensus_time h_now(const struct harness *h)
{
    return h->now;
}

const struct h_counts *h_counts(const struct harness *h)
{
    return &h->c;
}

struct consensus *h_protocol(const struct harness *h)
{
    return h->p;
}

bool h_alive(const struct harness *h, uint32_t node)
{
    return h->nodes[node].alive;
}

uint32_t h_leader(const struct harness *h)
{
    uint32_t best = h->o.nodes;
    uint64_t best_term = 0;
    for (uint64_t t = 1; t < h->terms_cap; t++)
        if (h->leader_of_term[t]) {
            best = (uint32_t)(h->leader_of_term[t] - 1);
            best_term = t;
        }
    if (best < h->o.nodes && (!h->nodes[best].alive || h->nodes[best].led_term != best_term))
        return h->o.nodes;
    return best;
}

uint64_t h_newest_term(const struct harness *h)
{
    return h->newest_term;
}

uint64_t h_term_of_leader(const struct harness *h, uint32_t node)
{
    return h->nodes[node].led_term;
}

uint64_t h_applied(const struct harness *h, uint32_t node)
{
    return h->nodes[node].applied;
}

uint64_t h_applied_at(const struct harness *h, uint32_t node, uint64_t index)
{
    assert(!h->o.light && index >= 1 && index <= h->nodes[node].applied);
    return h->nodes[node].history[index];
}

enum consensus_outcome h_outcome(const struct harness *h, uint64_t proposal, bool *decided)
{
    *decided = h->decided[proposal] != 0;
    return *decided ? (enum consensus_outcome)(h->decided[proposal] - 1) : CONSENSUS_APPROVED;
}

static bool same_entry(const struct harness *h, uint32_t a, uint32_t b, uint64_t i)
{
    uint64_t ta, pa, tb, pb;
    h->ops->log_entry(h->p, a, i, &ta, &pa);
    h->ops->log_entry(h->p, b, i, &tb, &pb);
    return ta == tb && pa == pb;
}

uint64_t h_log_matching_violations(const struct harness *h)
{
    uint64_t bad = 0;
    for (uint32_t a = 0; a < h->o.nodes; a++)
        for (uint32_t b = a + 1; b < h->o.nodes; b++) {
            uint64_t la = h->ops->log_length(h->p, a), lb = h->ops->log_length(h->p, b);
            uint64_t i = la < lb ? la : lb;
            while (i) {
                uint64_t ta, tb, pr;
                h->ops->log_entry(h->p, a, i, &ta, &pr);
                h->ops->log_entry(h->p, b, i, &tb, &pr);
                if (ta == tb)
                    break;
                i--;
            }
            for (; i; i--)
                if (!same_entry(h, a, b, i)) {
                    bad++;
                    break;
                }
        }
    return bad;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

uint64_t h_applied_twice(const struct harness *h, uint32_t node)
{
    const struct nodestate *s = &h->nodes[node];
    uint64_t *ids = xcalloc(s->applied + 1, sizeof(*ids)), n = 0, twice = 0;
    for (uint64_t i = 1; i <= s->applied; i++)
        if (s->history[i])
            ids[n++] = s->history[i];
    qsort(ids, n, sizeof(*ids), cmp_u64);
    for (uint64_t i = 1; i < n; i++)
        twice += ids[i] == ids[i - 1];
    free(ids);
    return twice;
}

bool h_live_applied_equal(const struct harness *h)
{
    uint64_t ref = UINT64_MAX;
    for (uint32_t i = 0; i < h->o.nodes; i++) {
        if (!h->nodes[i].alive)
            continue;
        if (ref == UINT64_MAX)
            ref = h->nodes[i].applied;
        else if (h->nodes[i].applied != ref)
            return false;
    }
    return true;
}

uint64_t h_hash(const struct harness *h)
{
    return h->hash;
}

uint64_t h_decisions_hash(const struct harness *h)
{
    return h->decisions_hash;
}

/* One run of h_check_deadlines: its decisions digest; adds its timeouts and aborts to ends. */
static uint64_t deadline_run(const struct consensus_ops *ops, struct h_options o, uint64_t *ends)
{
    o.loss = 0.05;
    o.client_timeout = 120 * H_MS;
    struct harness *h = h_new(ops, &o);
    h_workload(h, 400, 7 * H_MS, o.nodes);
    h_chaos(h, 250 * H_MS, 3000 * H_MS, (o.nodes - 1) / 2, false);
    h_run_until(h, 5000 * H_MS);
    *ends += h->c.outcomes[CONSENSUS_TIMEOUT] + h->c.outcomes[CONSENSUS_ABORTED];
    uint64_t d = h->decisions_hash;
    h_free(h);
    return d;
}

struct h_deadline_check h_check_deadlines(const struct consensus_ops *ops,
                                          struct h_options (*options)(uint64_t seed),
                                          uint64_t seeds)
{
    struct h_deadline_check k = {0};
    for (uint64_t seed = 1; seed <= seeds; seed++) {
        uint64_t ends = 0, scratch = 0;
        struct h_options o = options(seed);
        uint64_t queued = deadline_run(ops, o, &ends);
        o.timer_per_deadline = true;
        k.differ += deadline_run(ops, o, &scratch) != queued;
        o.timer_per_deadline = false;
        o.deadline_skew = 1;
        bool caught = deadline_run(ops, o, &scratch) != queued;
        k.with_ends += ends > 0;
        k.skew_caught += ends > 0 && caught;
    }
    return k;
}
