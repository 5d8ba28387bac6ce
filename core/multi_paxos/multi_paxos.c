/* multi_paxos: Multi-Paxos behind struct consensus_ops (see multi_paxos.h for the model). */
#include "core/multi_paxos/multi_paxos.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/logproto.h"
#include "core/xalloc.h"

#define NONE          UINT32_MAX /* no node */
#define CHOSEN        UINT64_MAX /* a slot's ballot once its value is known chosen */
#define REPORT_SLOTS  6          /* slots a promise reports: (16 words - 4) / 2 */
#define ACCEPT_SLOTS  12         /* slots an accept carries: 16 words - 4 */
#define CATCHUP_SLOTS 12         /* chosen values a catch_up reply carries: 16 words - 4 */
#define CATCHUP_BURST 8          /* catch_up replies to one request */
#define RESEND_MAX    4          /* accepts a leader resends per check */
#define FORWARD_HOPS  2          /* a forwarded proposal travels at most this many hops */
#define BACKOFF_SHIFT 16         /* the backoff bound doubles at most this many times */
#define TRIM_SLOTS    1024       /* a leader drops chosen plan slots in steps of at least this */

enum role { IDLE, PREPARING, LEADING };

enum msg_kind {
    MSG_PREPARE,
    MSG_PROMISE,
    MSG_REFUSE,
    MSG_ACCEPT,
    MSG_ACCEPTED,
    MSG_COMMIT,
    MSG_CATCHUP_REQ,
    MSG_CATCHUP,
    MSG_FORWARD
};

enum timer_key { T_CHECK, T_CLIENT, T_RETRY };

struct slot {
    uint64_t ballot; /* accepted at (0: nothing; CHOSEN: value known chosen) */
    uint64_t value;  /* proposal (0: a no-op) */
};

struct pslot {         /* a leader's plan for one slot */
    uint64_t value;    /* what it proposes there */
    uint64_t reported; /* phase 1: the highest ballot an acceptor reported (0: none) */
    uint32_t acks;     /* phase 2: acceptors that accepted it at the leader's ballot */
};

struct pnode {
    /* durable (kept by a durable crash, lost by amnesia) */
    uint64_t promised;  /* highest ballot promised */
    struct slot *slots; /* slots[1..cap-1] */
    size_t cap;
    uint64_t top;   /* highest slot holding anything */
    uint64_t known; /* first slot not known chosen (every slot below is) */
    /* volatile */
    bool alive;
    enum role role;
    bool established;        /* LEADING and reported through port->leader */
    uint64_t ballot;         /* its own ballot while PREPARING or LEADING */
    consensus_time started;  /* PREPARING or LEADING: when phase 1 of `ballot` began */
    uint64_t applied;        /* slots applied, in order */
    uint32_t preempted;      /* consecutive preemptions: the backoff exponent */
    consensus_time retry_at; /* no phase 1 before this (on the node's clock) */
    uint64_t want;           /* chosen prefix some peer announced */
    uint32_t want_src;       /* who announced it */
    bool asked;              /* a catch_up request went out since the last check */
    /* phase 1 (arrays allocated the first time the node prepares) */
    uint64_t base;          /* phase 1 covers slots from here (raised by promises) */
    uint64_t *cover, *rtop; /* per acceptor: reported up to (excl.), its highest slot */
    uint64_t *done;         /* acceptors that reported every slot (bitset) */
    uint32_t ndone;
    uint32_t promises; /* promise messages heard (for the election event) */
    uint64_t maxtop;   /* highest slot a done acceptor holds */
    /* the plan: slots [plan_off, plan_off + plan_cap) */
    struct pslot *plan;
    uint64_t *ackbits; /* words bits per plan slot */
    uint64_t plan_off, plan_end;
    size_t plan_cap;
    uint64_t next;      /* LEADING: the next free slot */
    uint64_t recovered; /* LEADING: slots below it were recovered in phase 1 */
};

struct pprop {          /* what Multi-Paxos adds to the client table (p->clients) */
    uint64_t ballot;    /* the last ballot that proposed it */
    uint32_t resent_to; /* client_retry: the node the last resend went to, NONE */
};

struct consensus {
    struct consensus_config cfg;
    struct consensus_port port;
    uint32_t n, majority;
    size_t words; /* uint64_t words of a node bitset */
    consensus_time check, backoff, backoff_max;
    consensus_time client_retry; /* 0: clients never resend */
    bool no_recovery;            /* test hook: skip phase-1 recovery */
    struct pnode *nodes;
    struct logproto_clients clients; /* who submitted what, decided or not */
    struct pprop *props;             /* 1..max_proposals */
    /* metrics */
    uint64_t elections, leader_changes, preemptions, max_round, noops, max_known, messages;
    struct logproto_leaderless leaderless;
};

static const struct consensus_msg_kind paxos_msg_kinds[] = {
    [MSG_PREPARE] = {.name = "prepare"},
    [MSG_PROMISE] = {.name = "promise"},
    [MSG_REFUSE] = {.name = "refuse"},
    [MSG_ACCEPT] = {.name = "accept"},
    [MSG_ACCEPTED] = {.name = "accepted"},
    [MSG_COMMIT] = {.name = "commit"},
    [MSG_CATCHUP_REQ] = {.name = "catch_up_request"},
    [MSG_CATCHUP] = {.name = "catch_up"},
    [MSG_FORWARD] = {.name = "forward"},
};

static const struct consensus_param paxos_params[] = {
    [PAXOS_LEADER_CHECK] = {.key = "leader_check",
                            .type = CPARAM_DURATION,
                            .def = "50ms",
                            .min = 1e-6,
                            .max = 3600,
                            .help = "every node checks its failure detector's leader this often; "
                                    "leaders resend unchosen accepts and their chosen prefix"},
    [PAXOS_BACKOFF] = {.key = "backoff",
                       .type = CPARAM_DURATION,
                       .def = "50ms",
                       .min = 0,
                       .max = 3600,
                       .help = "a preempted proposer waits a uniform draw below this, doubled "
                               "at each further preemption, before its next ballot"},
    [PAXOS_BACKOFF_MAX] = {.key = "backoff_max",
                           .type = CPARAM_DURATION,
                           .def = "1s",
                           .min = 0,
                           .max = 3600,
                           .help = "the ceiling of the doubled backoff bound"},
    [PAXOS_CLIENT_RETRY] = {.key = "client_retry",
                            .type = CPARAM_DURATION,
                            .def = "0s",
                            .min = 0,
                            .max = 3600,
                            .help = "a client whose proposal no leader has taken resends it "
                                    "after this, doubling, to the leader it believes in or the "
                                    "next node, until vote_timeout (0: never)"},
};

static const char *const paxos_timer_names[] = {
    [T_CHECK] = "leader_check",
    [T_CLIENT] = "client_deadline",
    [T_RETRY] = "client_retry",
};

static const char *const paxos_metric_names[] = {
    [PAXOS_M_ELECTIONS] = "elections",
    [PAXOS_M_LEADER_CHANGES] = "leader_changes",
    [PAXOS_M_LEADERLESS_S] = "leaderless_s",
    [PAXOS_M_COMMITTED] = "committed_entries",
    [PAXOS_M_PREEMPTIONS] = "preemptions",
    [PAXOS_M_MAX_ROUND] = "max_round",
    [PAXOS_M_NOOPS] = "noops",
    [PAXOS_M_MESSAGES_PER_COMMIT] = "messages_per_commit",
    [PAXOS_M_COMMITS_PER_S] = "commits_per_s",
};

/* ---- small helpers ---------------------------------------------------------------- */

static uint64_t max_u64(uint64_t a, uint64_t b)
{
    return a > b ? a : b;
}

static consensus_time now_of(const struct consensus *p)
{
    return p->port.now(p->port.ctx);
}

static uint64_t round_of(const struct consensus *p, uint64_t ballot)
{
    return ballot / p->n;
}

/* Slot s of node r's array, grown (zeroed) to hold it. */
static struct slot *slot_at(struct pnode *r, uint64_t s)
{
    if (s >= r->cap) {
        size_t old = r->cap, cap = old ? old : 64;
        while (cap <= s)
            cap *= 2;
        r->slots = xreallocarray(r->slots, cap, sizeof(*r->slots));
        memset(r->slots + old, 0, (cap - old) * sizeof(*r->slots));
        r->cap = cap;
    }
    return &r->slots[s];
}

static bool is_chosen(const struct pnode *r, uint64_t s)
{
    return s < r->cap && r->slots[s].ballot == CHOSEN;
}

static void msg_init(struct consensus_msg *m, enum msg_kind kind, uint32_t from, uint32_t to)
{
    logproto_msg_init(m, kind, from, to);
}

static void send_words(struct consensus *p, struct consensus_msg *m, uint32_t nwords)
{
    m->len = nwords * 8;
    p->messages++;
    p->port.send(p->port.ctx, m);
}

static void broadcast_words(struct consensus *p, struct consensus_msg *m, uint32_t nwords)
{
    m->len = nwords * 8;
    p->messages += p->n - 1;
    p->port.broadcast(p->port.ctx, m);
}

static void event3(struct consensus *p, uint32_t node, const char *name, const char *k0,
                   uint64_t v0, const char *k1, uint64_t v1, const char *k2, uint64_t v2)
{
    struct consensus_event e = {
        .node = node, .event = name, .key = {k0, k1, k2}, .value = {v0, v1, v2}};
    p->port.event(p->port.ctx, &e);
}

/* ---- the plan: a leader's slots ----------------------------------------------------- */

static struct pslot *plan_at(struct consensus *p, struct pnode *r, uint64_t s)
{
    assert(s >= r->plan_off);
    uint64_t i = s - r->plan_off;
    if (i >= r->plan_cap) {
        size_t old = r->plan_cap, cap = old ? old : 64;
        while (cap <= i)
            cap *= 2;
        r->plan = xreallocarray(r->plan, cap, sizeof(*r->plan));
        r->ackbits = xreallocarray(r->ackbits, cap * p->words, sizeof(*r->ackbits));
        memset(r->plan + old, 0, (cap - old) * sizeof(*r->plan));
        memset(r->ackbits + old * p->words, 0, (cap - old) * p->words * sizeof(*r->ackbits));
        r->plan_cap = cap;
    }
    if (s >= r->plan_end)
        r->plan_end = s + 1;
    return &r->plan[i];
}

static void plan_reset(struct consensus *p, struct pnode *r, uint64_t off)
{
    uint64_t used = r->plan_end > r->plan_off ? r->plan_end - r->plan_off : 0;
    if (used) { /* (a plan never used has no arrays yet) */
        memset(r->plan, 0, (size_t)used * sizeof(*r->plan));
        memset(r->ackbits, 0, (size_t)used * p->words * sizeof(*r->ackbits));
    }
    r->plan_off = r->plan_end = off;
}

/* Drop the plan's slots below the chosen prefix once there are many. */
static void plan_trim(struct consensus *p, struct pnode *r)
{
    uint64_t drop = r->known - r->plan_off;
    if (r->known < r->plan_off || drop < TRIM_SLOTS || r->plan_end < r->known)
        return;
    uint64_t keep = r->plan_end - r->known;
    memmove(r->plan, r->plan + drop, (size_t)keep * sizeof(*r->plan));
    memmove(r->ackbits, r->ackbits + drop * p->words, (size_t)keep * p->words * 8);
    memset(r->plan + keep, 0, (size_t)drop * sizeof(*r->plan));
    memset(r->ackbits + keep * p->words, 0, (size_t)drop * p->words * 8);
    r->plan_off = r->known;
}

/* ---- client bookkeeping ----------------------------------------------------------- */

static void decide(struct consensus *p, uint32_t node, uint64_t id, enum consensus_outcome o,
                   uint64_t index, uint32_t acks)
{
    logproto_decide(&p->clients, node, id, o, index, acks);
}

static bool decided(const struct consensus *p, uint64_t id)
{
    return logproto_decided(&p->clients, id);
}

/* Acknowledgements of chosen slot s as the node knows them: a leader's count, at least a
 * majority (a slot learned otherwise was accepted by one). */
static uint32_t acks_of(struct consensus *p, const struct pnode *r, uint64_t s)
{
    if (r->role == LEADING && s >= r->plan_off && s < r->plan_end &&
        r->plan[s - r->plan_off].acks > p->majority)
        return r->plan[s - r->plan_off].acks;
    return p->majority;
}

/* `node`'s acceptor accepted `id` (its ledger's vote). */
static void record_accept(struct consensus *p, uint32_t node, uint64_t id)
{
    if (!id)
        return;
    struct consensus_record rec = {
        .kind = CONSENSUS_REC_VOTED, .node = node, .proposal = id, .time = now_of(p), .yes = true};
    p->port.record(p->port.ctx, &rec);
}

/* ---- learning --------------------------------------------------------------------- */

static void check_established(struct consensus *p, uint32_t node);

static void apply_chosen(struct consensus *p, uint32_t node)
{
    struct pnode *r = &p->nodes[node];
    while (r->applied + 1 < r->known) {
        uint64_t s = ++r->applied, id = r->slots[s].value;
        bool ok = p->port.apply(p->port.ctx, node, s, id);
        if (id && !decided(p, id))
            decide(p, node, id, ok ? CONSENSUS_APPROVED : CONSENSUS_REJECTED, s, acks_of(p, r, s));
    }
}

static void advance_known(struct consensus *p, uint32_t node)
{
    struct pnode *r = &p->nodes[node];
    uint64_t before = r->known;
    while (is_chosen(r, r->known))
        r->known++;
    if (r->known == before)
        return;
    if (r->known - 1 > p->max_known)
        p->max_known = r->known - 1;
    apply_chosen(p, node);
    check_established(p, node);
}

/* `node` learns that slot s holds v for good. */
static void learn(struct consensus *p, uint32_t node, uint64_t s, uint64_t v)
{
    struct pnode *r = &p->nodes[node];
    struct slot *sl = slot_at(r, s);
    if (sl->ballot == CHOSEN)
        return;
    *sl = (struct slot){CHOSEN, v};
    r->top = max_u64(r->top, s);
    if (s == r->known)
        advance_known(p, node);
}

static void request_catchup(struct consensus *p, uint32_t node)
{
    struct pnode *r = &p->nodes[node];
    if (r->asked || r->known >= r->want || r->want_src == NONE || r->want_src == node)
        return;
    r->asked = true;
    struct consensus_msg m;
    msg_init(&m, MSG_CATCHUP_REQ, node, r->want_src);
    m.payload.words[0] = r->known;
    send_words(p, &m, 1);
}

static void announce(struct consensus *p, uint32_t node, uint64_t known, uint32_t src)
{
    struct pnode *r = &p->nodes[node];
    if (known > r->want) {
        r->want = known;
        r->want_src = src;
    }
    request_catchup(p, node);
}

/* A leader of ballot b says every slot below `known` is chosen: what this node accepted at b
 * there is the chosen value; a gap is asked for. */
static void learn_prefix(struct consensus *p, uint32_t node, uint64_t b, uint64_t known,
                         uint32_t src)
{
    struct pnode *r = &p->nodes[node];
    for (uint64_t s = r->known; s < known && s < r->cap && r->slots[s].ballot == b; s = r->known)
        learn(p, node, s, r->slots[s].value);
    announce(p, node, known, src);
}

/* ---- roles ------------------------------------------------------------------------ */

static void leaders_dec(struct consensus *p)
{
    logproto_leader_down(&p->leaderless, now_of(p));
}

/* The candidacy for r->ballot ended `how`: its elections.csv row (the ballot as the term,
 * the acceptors that reported every slot, itself included, as the votes). */
static void ballot_record(struct consensus *p, uint32_t node, enum consensus_election how)
{
    const struct pnode *r = &p->nodes[node];
    struct consensus_record rec = {.kind = CONSENSUS_REC_ELECTION,
                                   .node = node,
                                   .time = now_of(p),
                                   .term = r->ballot,
                                   .started = r->started,
                                   .yes_votes = r->ndone,
                                   .election = how};
    p->port.record(p->port.ctx, &rec);
}

/* The end of a ballot that was not (or no longer) leading, `how` (superseded, lost: the
 * failure detector names another leader, crashed): the election event and record when it
 * never got reported, the leader count when it did. */
static void end_ballot(struct consensus *p, uint32_t node, enum consensus_election how)
{
    struct pnode *r = &p->nodes[node];
    if (r->role == IDLE)
        return;
    if (r->established) {
        leaders_dec(p);
    } else {
        event3(p, node, "election", "term", r->ballot, "votes", r->ndone, "result", 0);
        ballot_record(p, node, how);
    }
    r->role = IDLE;
    r->established = false;
}

static void preempt(struct consensus *p, uint32_t node, uint64_t by)
{
    struct pnode *r = &p->nodes[node];
    event3(p, node, "preempted", "term", r->ballot, "by", by, NULL, 0);
    end_ballot(p, node, CONSENSUS_ELECTION_SUPERSEDED);
    p->preemptions++;
    if (r->preempted < BACKOFF_SHIFT)
        r->preempted++;
    consensus_time bound = p->backoff << (r->preempted - 1);
    if (bound > p->backoff_max || bound < p->backoff)
        bound = p->backoff_max;
    r->retry_at = p->port.clock(p->port.ctx, node) +
                  (consensus_time)(p->port.uniform(p->port.ctx, node) * (double)bound);
}

/* `node` promises b (higher than its promise): a ballot of its own below b is over. */
static void raise_promise(struct consensus *p, uint32_t node, uint64_t b)
{
    struct pnode *r = &p->nodes[node];
    if (b <= r->promised)
        return;
    r->promised = b;
    if (round_of(p, b) > p->max_round)
        p->max_round = round_of(p, b);
    if (r->role != IDLE && r->ballot < b)
        preempt(p, node, b);
}

/* The failure detector's leader: the lowest-numbered node `node` does not suspect. */
static uint32_t fd_leader(const struct consensus *p, uint32_t node)
{
    for (uint32_t i = 0; i < p->n; i++)
        if (i == node || !p->port.suspects(p->port.ctx, node, i))
            return i;
    return node;
}

/* The leader `node` believes in: its own, the owner of the ballot it promised, or the
 * failure detector's. */
static uint32_t believed_leader(const struct consensus *p, uint32_t node)
{
    const struct pnode *r = &p->nodes[node];
    if (r->role == LEADING)
        return node;
    if (r->promised) {
        uint32_t owner = (uint32_t)(r->promised % p->n);
        if (owner == node || !p->port.suspects(p->port.ctx, node, owner))
            return owner;
    }
    return fd_leader(p, node);
}

static void send_prepare(struct consensus *p, uint32_t node, uint32_t to)
{
    struct pnode *r = &p->nodes[node];
    struct consensus_msg m;
    msg_init(&m, MSG_PREPARE, node, to);
    m.payload.words[0] = r->ballot;
    m.payload.words[1] = max_u64(r->cover[to], r->base);
    send_words(p, &m, 2);
}

/* Phase 1 reports of slot s: the highest ballot wins; a chosen value is learned. */
static void merge_report(struct consensus *p, uint32_t node, uint64_t s, uint64_t b, uint64_t v)
{
    struct pnode *r = &p->nodes[node];
    if (!b || s < r->base || p->no_recovery)
        return;
    if (b == CHOSEN) {
        learn(p, node, s, v);
        return;
    }
    struct pslot *ps = plan_at(p, r, s);
    if (b > ps->reported) {
        ps->reported = b;
        ps->value = v;
    }
}

static void acceptor_done(struct consensus *p, uint32_t node, uint32_t a)
{
    struct pnode *r = &p->nodes[node];
    if (logproto_bit_test(r->done, a))
        return;
    logproto_bit_set(r->done, a);
    r->ndone++;
    r->maxtop = max_u64(r->maxtop, r->rtop[a]);
}

static void start_prepare(struct consensus *p, uint32_t node)
{
    struct pnode *r = &p->nodes[node];
    uint64_t round = round_of(p, max_u64(r->promised, r->ballot)) + 1;
    r->ballot = round * p->n + node;
    r->role = PREPARING;
    r->started = now_of(p);
    r->established = false;
    r->promised = r->ballot;
    if (round > p->max_round)
        p->max_round = round;
    if (!r->cover) {
        r->cover = xcalloc(p->n, sizeof(*r->cover));
        r->rtop = xcalloc(p->n, sizeof(*r->rtop));
        r->done = xcalloc(p->words, sizeof(*r->done));
    }
    memset(r->done, 0, p->words * sizeof(*r->done));
    r->ndone = r->promises = 0;
    r->maxtop = 0;
    r->base = r->known;
    for (uint32_t i = 0; i < p->n; i++)
        r->cover[i] = r->base;
    plan_reset(p, r, r->base);
    p->elections++;
    event3(p, node, "candidate", "term", r->ballot, "round", round, NULL, 0);
    for (uint64_t s = r->base; s <= r->top; s++) /* its own report */
        merge_report(p, node, s, r->slots[s].ballot, r->slots[s].value);
    r->rtop[node] = r->top;
    acceptor_done(p, node, node);
    for (uint32_t i = 0; i < p->n; i++)
        if (i != node)
            send_prepare(p, node, i);
}

/* ---- phase 2 ---------------------------------------------------------------------- */

static void send_accepts(struct consensus *p, uint32_t node, uint64_t first, uint64_t count)
{
    struct pnode *r = &p->nodes[node];
    struct consensus_msg m;
    msg_init(&m, MSG_ACCEPT, node, NONE);
    m.payload.words[0] = r->ballot;
    m.payload.words[1] = first;
    m.payload.words[2] = count;
    m.payload.words[3] = r->known;
    for (uint64_t i = 0; i < count; i++)
        m.payload.words[4 + i] = r->plan[first + i - r->plan_off].value;
    m.proposal = m.payload.words[4];
    broadcast_words(p, &m, (uint32_t)(4 + count));
}

static void choose(struct consensus *p, uint32_t node, uint64_t s)
{
    struct pnode *r = &p->nodes[node];
    learn(p, node, s, r->plan[s - r->plan_off].value);
}

/* The leader's acceptor takes slot s = v at its own ballot. */
static void propose(struct consensus *p, uint32_t node, uint64_t s, uint64_t v)
{
    struct pnode *r = &p->nodes[node];
    struct pslot *ps = plan_at(p, r, s);
    ps->value = v;
    ps->acks = 1;
    uint64_t *bits = r->ackbits + (s - r->plan_off) * p->words;
    memset(bits, 0, p->words * sizeof(*bits));
    logproto_bit_set(bits, node);
    if (v)
        p->props[v].ballot = r->ballot;
    struct slot *sl = slot_at(r, s);
    if (sl->ballot != CHOSEN)
        *sl = (struct slot){r->ballot, v};
    record_accept(p, node, v);
    r->top = max_u64(r->top, s);
    if (ps->acks >= p->majority)
        choose(p, node, s);
}

/* Send the plan's unchosen slots below `end` as runs of consecutive ones, at most `max`
 * accepts (a slot the leader knows chosen is never sent: its plan holds no value). */
static void send_unchosen(struct consensus *p, uint32_t node, uint64_t end, uint64_t max)
{
    struct pnode *r = &p->nodes[node];
    uint64_t sent = 0;
    for (uint64_t s = r->known; s < end && sent < max;) {
        if (is_chosen(r, s)) {
            s++;
            continue;
        }
        uint64_t count = 0;
        while (s + count < end && count < ACCEPT_SLOTS && !is_chosen(r, s + count))
            count++;
        send_accepts(p, node, s, count);
        sent++;
        s += count;
    }
}

static void finish_phase1(struct consensus *p, uint32_t node)
{
    struct pnode *r = &p->nodes[node];
    if (r->role != PREPARING || r->ndone < p->majority)
        return;
    if (r->known < r->base) {
        request_catchup(p, node);
        return;
    }
    r->role = LEADING;
    r->preempted = 0;
    uint64_t end = r->known;
    if (!p->no_recovery)
        end = max_u64(max_u64(end, r->maxtop + 1), max_u64(r->plan_end, r->top + 1));
    for (uint64_t s = r->known; s < end; s++) {
        if (is_chosen(r, s))
            continue;
        struct pslot *ps = plan_at(p, r, s);
        uint64_t v = ps->reported ? ps->value : 0;
        p->noops += v == 0;
        propose(p, node, s, v);
    }
    r->next = r->recovered = end;
    send_unchosen(p, node, end, UINT64_MAX);
    check_established(p, node);
}

static void check_established(struct consensus *p, uint32_t node)
{
    struct pnode *r = &p->nodes[node];
    if (r->role != LEADING || r->established || r->known < r->recovered)
        return;
    r->established = true;
    event3(p, node, "election", "term", r->ballot, "votes", r->ndone, "result", 1);
    ballot_record(p, node, CONSENSUS_ELECTION_WON);
    logproto_leader_up(&p->leaderless, now_of(p));
    p->leader_changes++;
    p->port.leader(p->port.ctx, node, r->ballot);
}

/* ---- client proposals ------------------------------------------------------------- */

static void leader_propose(struct consensus *p, uint32_t node, uint64_t id)
{
    struct pnode *r = &p->nodes[node];
    while (is_chosen(r, r->next))
        r->next++;
    uint64_t s = r->next++;
    propose(p, node, s, id);
    if (!is_chosen(r, s))
        send_accepts(p, node, s, 1);
}

static void route(struct consensus *p, uint32_t node, uint64_t id, uint64_t hops)
{
    const struct pnode *r = &p->nodes[node];
    if (r->role == LEADING) {
        if (p->props[id].ballot != r->ballot && !(p->client_retry && p->props[id].ballot))
            leader_propose(p, node, id); /* with resends, once in the run (a client session) */
        return;
    }
    uint32_t target = believed_leader(p, node);
    if (target != node && hops < FORWARD_HOPS) {
        struct consensus_msg m;
        logproto_forward_msg(&m, MSG_FORWARD, node, target, id, hops + 1);
        send_words(p, &m, 2);
    } else if (target == node) {
        p->port.set_timer(p->port.ctx, node, p->check, T_RETRY, id);
    }
}

static void paxos_submit(struct consensus *p, uint32_t node, uint64_t id)
{
    assert(node < p->n && id >= 1 && id <= p->cfg.max_proposals);
    p->props[id].resent_to = NONE;
    logproto_submit(&p->clients, node, id);
    route(p, node, id, 0);
    if (p->client_retry)
        logproto_arm_resend(&p->port, node, p->client_retry, T_RETRY, id, 1);
}

/* client_retry: attempt k (1, 2, ...) to get `id`, which no leader has proposed, to one. */
static void resend(struct consensus *p, uint32_t node, uint64_t id, uint64_t attempt)
{
    struct pprop *st = &p->props[id];
    if (decided(p, id) || st->ballot)
        return;
    uint32_t to = logproto_resend_to(believed_leader(p, node), st->resent_to, node, p->n);
    st->resent_to = to;
    if (to == node) {
        route(p, node, id, FORWARD_HOPS - 1); /* proposes, or one forward */
    } else {                                  /* the receiver may forward it once more */
        struct consensus_msg m;
        logproto_forward_msg(&m, MSG_FORWARD, node, to, id, FORWARD_HOPS - 1);
        send_words(p, &m, 2);
    }
    logproto_arm_resend(&p->port, node, p->client_retry, T_RETRY, id, attempt + 1);
}

/* ---- message handlers ------------------------------------------------------------- */

static void refuse(struct consensus *p, const struct consensus_msg *m)
{
    struct consensus_msg out;
    msg_init(&out, MSG_REFUSE, m->to, m->from);
    out.payload.words[0] = p->nodes[m->to].promised;
    send_words(p, &out, 1);
}

static void on_prepare(struct consensus *p, const struct consensus_msg *m)
{
    struct pnode *r = &p->nodes[m->to];
    uint64_t b = m->payload.words[0], from = m->payload.words[1];
    if (b < r->promised) {
        refuse(p, m);
        return;
    }
    raise_promise(p, m->to, b);
    uint64_t start = max_u64(from, r->known);
    struct consensus_msg out;
    msg_init(&out, MSG_PROMISE, m->to, m->from);
    out.payload.words[0] = b;
    out.payload.words[1] = start;
    out.payload.words[2] = r->top;
    out.payload.words[3] = r->known;
    for (uint64_t i = 0; i < REPORT_SLOTS; i++) {
        const struct slot *sl = start + i < r->cap ? &r->slots[start + i] : NULL;
        out.payload.words[4 + 2 * i] = sl ? sl->ballot : 0;
        out.payload.words[5 + 2 * i] = sl ? sl->value : 0;
    }
    send_words(p, &out, 4 + 2 * REPORT_SLOTS);
}

static void on_promise(struct consensus *p, const struct consensus_msg *m)
{
    uint32_t node = m->to, a = m->from;
    struct pnode *r = &p->nodes[node];
    const uint64_t *w = m->payload.words;
    if (r->role != PREPARING || w[0] != r->ballot)
        return;
    r->promises++;
    if (w[3] > r->base) { /* slots below the acceptor's prefix are chosen: learn them */
        r->base = w[3];
        announce(p, node, w[3], a);
    }
    r->rtop[a] = w[2];
    uint64_t cover = max_u64(r->cover[a], r->base);
    if (w[1] <= cover) {
        for (uint64_t i = 0; i < REPORT_SLOTS; i++)
            merge_report(p, node, w[1] + i, w[4 + 2 * i], w[5 + 2 * i]);
        cover = max_u64(cover, w[1] + REPORT_SLOTS);
    }
    r->cover[a] = cover;
    if (cover > r->rtop[a])
        acceptor_done(p, node, a);
    else
        send_prepare(p, node, a);
    finish_phase1(p, node);
}

static void on_accept(struct consensus *p, const struct consensus_msg *m)
{
    uint32_t node = m->to;
    struct pnode *r = &p->nodes[node];
    const uint64_t *w = m->payload.words;
    uint64_t b = w[0], first = w[1], count = w[2];
    if (b < r->promised) {
        refuse(p, m);
        return;
    }
    raise_promise(p, node, b);
    for (uint64_t i = 0; i < count; i++) {
        struct slot *sl = slot_at(r, first + i);
        if (sl->ballot == CHOSEN || (sl->ballot == b && sl->value == w[4 + i]))
            continue; /* known chosen, or a resent accept */
        *sl = (struct slot){b, w[4 + i]};
        record_accept(p, node, w[4 + i]);
    }
    r->top = max_u64(r->top, first + count - 1);
    struct consensus_msg out;
    msg_init(&out, MSG_ACCEPTED, node, m->from);
    out.proposal = m->proposal;
    out.payload.words[0] = b;
    out.payload.words[1] = first;
    out.payload.words[2] = count;
    send_words(p, &out, 3);
    learn_prefix(p, node, b, w[3], m->from);
}

static void on_accepted(struct consensus *p, const struct consensus_msg *m)
{
    uint32_t node = m->to, a = m->from;
    struct pnode *r = &p->nodes[node];
    const uint64_t *w = m->payload.words;
    if (r->role != LEADING || w[0] != r->ballot)
        return;
    for (uint64_t s = w[1]; s < w[1] + w[2] && r->role == LEADING; s++) {
        if (s < r->plan_off || s >= r->next || is_chosen(r, s))
            continue;
        uint64_t *bits = r->ackbits + (s - r->plan_off) * p->words;
        if (logproto_bit_test(bits, a))
            continue;
        logproto_bit_set(bits, a);
        if (++r->plan[s - r->plan_off].acks >= p->majority)
            choose(p, node, s);
    }
}

static void on_catchup_request(struct consensus *p, const struct consensus_msg *m)
{
    const struct pnode *r = &p->nodes[m->to];
    uint64_t from = m->payload.words[0];
    for (uint32_t k = 0; k < CATCHUP_BURST && from < r->known; k++) {
        uint64_t count = r->known - from < CATCHUP_SLOTS ? r->known - from : CATCHUP_SLOTS;
        struct consensus_msg out;
        msg_init(&out, MSG_CATCHUP, m->to, m->from);
        out.payload.words[0] = from;
        out.payload.words[1] = count;
        out.payload.words[2] = r->known;
        out.payload.words[3] = k + 1 == CATCHUP_BURST || from + count == r->known;
        for (uint64_t i = 0; i < count; i++)
            out.payload.words[4 + i] = r->slots[from + i].value;
        out.proposal = out.payload.words[4];
        send_words(p, &out, (uint32_t)(4 + count));
        from += count;
    }
}

static void on_catchup(struct consensus *p, const struct consensus_msg *m)
{
    uint32_t node = m->to;
    struct pnode *r = &p->nodes[node];
    const uint64_t *w = m->payload.words;
    for (uint64_t i = 0; i < w[1]; i++)
        learn(p, node, w[0] + i, w[4 + i]);
    if (w[3]) /* the last of its burst: ask for more at once */
        r->asked = false;
    announce(p, node, w[2], m->from);
    finish_phase1(p, node);
}

static void paxos_deliver(struct consensus *p, const struct consensus_msg *m)
{
    assert(m->to < p->n && m->from < p->n);
    if (!p->nodes[m->to].alive)
        return;
    const uint64_t *w = m->payload.words;
    switch ((enum msg_kind)m->kind) {
    case MSG_PREPARE:
        on_prepare(p, m);
        break;
    case MSG_PROMISE:
        on_promise(p, m);
        break;
    case MSG_REFUSE:
        raise_promise(p, m->to, w[0]);
        break;
    case MSG_ACCEPT:
        on_accept(p, m);
        break;
    case MSG_ACCEPTED:
        on_accepted(p, m);
        break;
    case MSG_COMMIT: /* a leader of w[0] exists: a lower ballot of this node is over */
        raise_promise(p, m->to, w[0]);
        learn_prefix(p, m->to, w[0], w[1], m->from);
        break;
    case MSG_CATCHUP_REQ:
        on_catchup_request(p, m);
        break;
    case MSG_CATCHUP:
        on_catchup(p, m);
        break;
    case MSG_FORWARD:
        if (!decided(p, w[0]))
            route(p, m->to, w[0], w[1]);
        break;
    }
}

/* ---- the periodic check ----------------------------------------------------------- */

/* Whom `node` asks for the chosen slots it lacks when the peer that announced them is
 * suspected: the leader it believes in, unless that is itself (it may be the failure
 * detector's leader and still lack slots a majority chose while it was cut off: it asked
 * itself and stalled), else the lowest-numbered peer it does not suspect; NONE if none. */
static uint32_t catchup_source(const struct consensus *p, uint32_t node)
{
    uint32_t leader = believed_leader(p, node);
    if (leader != node)
        return leader;
    for (uint32_t i = 0; i < p->n; i++)
        if (i != node && !p->port.suspects(p->port.ctx, node, i))
            return i;
    return NONE;
}

static void arm_check(struct consensus *p, uint32_t node, consensus_time delay)
{
    p->port.set_timer(p->port.ctx, node, delay, T_CHECK, 0);
}

static void on_check(struct consensus *p, uint32_t node)
{
    struct pnode *r = &p->nodes[node];
    bool mine = fd_leader(p, node) == node;
    r->asked = false;
    if (r->role == IDLE && mine && p->port.clock(p->port.ctx, node) >= r->retry_at) {
        start_prepare(p, node);
        finish_phase1(p, node); /* a cluster of one */
    } else if (r->role == PREPARING && !mine) {
        end_ballot(p, node, CONSENSUS_ELECTION_LOST);
    } else if (r->role == PREPARING) {
        for (uint32_t i = 0; i < p->n; i++)
            if (i != node && !logproto_bit_test(r->done, i))
                send_prepare(p, node, i);
        /* The slots below the base may have been learnt from a commit or an accept, which
         * do not end phase 1 themselves: without this a complete phase 1 waited forever. */
        finish_phase1(p, node);
    } else if (r->role == LEADING) {
        send_unchosen(p, node, r->next, RESEND_MAX);
        struct consensus_msg m;
        msg_init(&m, MSG_COMMIT, node, NONE);
        m.payload.words[0] = r->ballot;
        m.payload.words[1] = r->known;
        broadcast_words(p, &m, 2);
        plan_trim(p, r);
    }
    if (r->known < r->want && (r->want_src == NONE || r->want_src == node ||
                               p->port.suspects(p->port.ctx, node, r->want_src)))
        r->want_src = catchup_source(p, node);
    request_catchup(p, node);
    arm_check(p, node, p->check);
}

static void paxos_timer(struct consensus *p, uint32_t node, uint32_t key, uint64_t arg)
{
    assert(node < p->n);
    if (!p->nodes[node].alive)
        return;
    switch ((enum timer_key)key) {
    case T_CHECK:
        on_check(p, node);
        break;
    case T_CLIENT:
        logproto_deadline(&p->clients, node, arg);
        break;
    case T_RETRY: {
        uint64_t id = logproto_retry_id(arg), attempt = logproto_retry_attempt(arg);
        if (attempt)
            resend(p, node, id, attempt);
        else if (!decided(p, id))
            route(p, node, id, 0);
        break;
    }
    }
}

/* ---- lifecycle -------------------------------------------------------------------- */

/* The first check of a node comes at a uniform phase of the period (nodes do not tick in
 * lockstep). */
static void start_checks(struct consensus *p, uint32_t node)
{
    double u = p->port.uniform(p->port.ctx, node);
    arm_check(p, node, 1 + (consensus_time)(u * (double)p->check));
}

static struct consensus *create_variant(const struct consensus_config *cfg,
                                        const struct consensus_port *port, bool no_recovery)
{
    assert(cfg->nodes >= 1 && cfg->params);
    struct consensus *p = xcalloc(1, sizeof(*p));
    p->cfg = *cfg;
    p->port = *port;
    p->n = cfg->nodes;
    p->majority = cfg->nodes / 2 + 1;
    p->words = (cfg->nodes + 63) / 64;
    p->check = cfg->params[PAXOS_LEADER_CHECK].t;
    p->backoff = cfg->params[PAXOS_BACKOFF].t;
    p->backoff_max = cfg->params[PAXOS_BACKOFF_MAX].t;
    p->client_retry = cfg->params[PAXOS_CLIENT_RETRY].t;
    assert(cfg->max_proposals < (uint64_t)1 << LOGPROTO_ATTEMPT_SHIFT);
    assert(p->check > 0);
    p->no_recovery = no_recovery;
    p->props = xhuge_calloc(cfg->max_proposals + 1, sizeof(*p->props));
    logproto_clients_init(&p->clients, &p->port, cfg->max_proposals, p->n, p->majority,
                          cfg->vote_timeout, T_CLIENT);
    p->nodes = xcalloc(p->n, sizeof(*p->nodes));
    for (uint32_t i = 0; i < p->n; i++) {
        struct pnode *r = &p->nodes[i];
        r->alive = true;
        r->known = 1;
        r->want_src = NONE;
    }
    for (uint32_t i = 0; i < p->n; i++)
        start_checks(p, i);
    return p;
}

static void paxos_destroy(struct consensus *p)
{
    if (!p)
        return;
    for (uint32_t i = 0; i < p->n; i++) {
        struct pnode *r = &p->nodes[i];
        free(r->slots);
        free(r->cover);
        free(r->rtop);
        free(r->done);
        free(r->plan);
        free(r->ackbits);
    }
    free(p->nodes);
    xhuge_free(p->props, p->cfg.max_proposals + 1, sizeof(*p->props));
    logproto_clients_fini(&p->clients);
    free(p);
}

static void paxos_crash(struct consensus *p, uint32_t node)
{
    assert(node < p->n);
    struct pnode *r = &p->nodes[node];
    if (!r->alive)
        return;
    end_ballot(p, node, CONSENSUS_ELECTION_CRASHED);
    r->alive = false;
    r->asked = false;
    r->want = 0;
    r->want_src = NONE;
    logproto_abort_node(&p->clients, node);
}

static void paxos_recover(struct consensus *p, uint32_t node, bool amnesia)
{
    assert(node < p->n);
    struct pnode *r = &p->nodes[node];
    if (r->alive)
        return;
    if (amnesia) {
        r->promised = 0;
        if (r->cap)
            memset(r->slots, 0, r->cap * sizeof(*r->slots));
        r->top = 0;
        r->known = 1;
    }
    r->alive = true;
    r->ballot = 0;
    r->preempted = 0;
    r->retry_at = 0;
    r->applied = p->port.applied(p->port.ctx, node); /* at most known - 1: both durable */
    apply_chosen(p, node);
    start_checks(p, node);
}

static void paxos_metrics(const struct consensus *p, double *out)
{
    out[PAXOS_M_ELECTIONS] = (double)p->elections;
    out[PAXOS_M_LEADER_CHANGES] = (double)p->leader_changes;
    out[PAXOS_M_LEADERLESS_S] = logproto_leaderless_s(&p->leaderless, now_of(p));
    out[PAXOS_M_COMMITTED] = (double)p->max_known;
    out[PAXOS_M_PREEMPTIONS] = (double)p->preemptions;
    out[PAXOS_M_MAX_ROUND] = (double)p->max_round;
    out[PAXOS_M_NOOPS] = (double)p->noops;
    out[PAXOS_M_MESSAGES_PER_COMMIT] = logproto_messages_per_commit(&p->clients, p->messages);
    out[PAXOS_M_COMMITS_PER_S] = logproto_commits_per_s(&p->clients, now_of(p));
}

static int paxos_check(const struct consensus_config *cfg, char *why, size_t len)
{
    if (cfg->params[PAXOS_BACKOFF_MAX].t >= cfg->params[PAXOS_BACKOFF].t)
        return -1;
    snprintf(why, len, "backoff_max must be at least backoff");
    return PAXOS_BACKOFF_MAX;
}

static uint64_t paxos_log_length(const struct consensus *p, uint32_t node)
{
    assert(node < p->n);
    return p->nodes[node].known - 1;
}

static void paxos_log_entry(const struct consensus *p, uint32_t node, uint64_t index,
                            uint64_t *term, uint64_t *proposal)
{
    assert(node < p->n && index >= 1 && index < p->nodes[node].known);
    *term = 0;
    *proposal = p->nodes[node].slots[index].value;
}

#define PAXOS_OPS_BODY                                                                             \
    .flags = CONSENSUS_LOG_ORDER | CONSENSUS_SELF_REPAIR | CONSENSUS_ELECTIONS,                    \
    .msg_kinds = paxos_msg_kinds,                                                                  \
    .nmsg_kinds = sizeof(paxos_msg_kinds) / sizeof(paxos_msg_kinds[0]), .params = paxos_params,    \
    .nparams = PAXOS_PARAM_COUNT, .timer_names = paxos_timer_names,                                \
    .ntimers = sizeof(paxos_timer_names) / sizeof(paxos_timer_names[0]),                           \
    .proposal_bytes = sizeof(struct pprop) + 1, /* + logproto's bit, rounded up */                 \
        .entry_bytes = sizeof(struct slot), .metric_names = paxos_metric_names,                    \
    .nmetrics = PAXOS_METRIC_COUNT, .destroy = paxos_destroy, .submit = paxos_submit,              \
    .deliver = paxos_deliver, .timer = paxos_timer, .crash = paxos_crash,                          \
    .recover = paxos_recover, .metrics = paxos_metrics, .check = paxos_check,                      \
    .log_length = paxos_log_length, .log_entry = paxos_log_entry, .commit_index = paxos_log_length

#ifndef ATLAS_PAXOS_TEST_HOOKS
static struct consensus *paxos_create(const struct consensus_config *cfg,
                                      const struct consensus_port *port)
{
    return create_variant(cfg, port, false);
}

const struct consensus_ops multi_paxos_ops = {
    .name = "multi-paxos", .create = paxos_create, PAXOS_OPS_BODY};
#else
static struct consensus *no_recovery_create(const struct consensus_config *cfg,
                                            const struct consensus_port *port)
{
    return create_variant(cfg, port, true);
}

const struct consensus_ops multi_paxos_no_recovery_ops = {
    .name = "multi-paxos-no-recovery", .create = no_recovery_create, PAXOS_OPS_BODY};
#endif
