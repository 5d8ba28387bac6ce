/* quorum_vote: the quorum-vote protocol behind struct consensus_ops (see quorum_vote.h). */
#include "core/quorum_vote/quorum_vote.h"

#include <assert.h>
#include <stdlib.h>

#include "core/xalloc.h"

#define NO_PROPOSAL 0

/* A vote's value travels as its kind (no payload), so a message is four words on the wire. */
enum { MSG_PROPOSAL, MSG_VOTE_YES, MSG_VOTE_NO, MSG_COMMIT, MSG_KIND_COUNT };
enum { TIMER_VOTE_DEADLINE };

static const struct consensus_msg_kind qv_kinds[MSG_KIND_COUNT] = {
    /* validated, voted on */
    [MSG_PROPOSAL] = {.name = "proposal", .replica = true, .validates = true},
    [MSG_VOTE_YES] = {.name = "vote", .tag = "vote_yes"},
    [MSG_VOTE_NO] = {.name = "vote", .tag = "vote_no"},
    [MSG_COMMIT] = {.name = "commit", .replica = true, .silent = true}, /* applied */
};
static const char *const qv_timers[] = {"vote_timeout"};

struct qv_proposal {
    uint32_t proposer;
    bool submitted;
    bool decided;
    uint32_t yes, no; /* votes counted before the decision */
    consensus_time submitted_at;
    uint64_t timer;     /* vote_timeout handle while undecided, 0 otherwise */
    uint64_t *counted;  /* while undecided: voters whose vote was counted */
    uint64_t *voted;    /* nodes that cast a vote (allocated at the first vote) */
    uint32_t *tally;    /* broadcast_votes: YES counted at each node (n), then NO (n) */
    uint64_t *heard;    /* broadcast_votes: n bitsets of the voters each node counted */
    uint64_t next_open; /* list of undecided proposals (NO_PROPOSAL ends it) */
    uint64_t prev_open;
};

struct consensus {
    struct consensus_config cfg;
    struct consensus_port port;
    size_t words;              /* uint64_t words of a node bitset */
    struct qv_proposal *props; /* indexed by proposal id, 1..max_proposals */
    uint8_t *byzantine;        /* per node: port->byzantine, asked once; NULL: all honest */
    uint64_t open;             /* first undecided proposal */
};

/* A message without payload, its 128 payload bytes left unwritten (the host reads len). */
static const struct consensus_msg *message(struct consensus_msg *m, uint32_t kind, uint32_t from,
                                           uint32_t to, uint64_t proposal)
{
    m->kind = kind;
    m->from = from;
    m->to = to;
    m->proposal = proposal;
    m->sent = 0;
    m->duplicate = false;
    m->len = 0;
    return m;
}

static bool bit_test(const uint64_t *bits, uint32_t i)
{
    return (bits[i / 64] >> (i % 64)) & 1u;
}

static void bit_set(uint64_t *bits, uint32_t i)
{
    bits[i / 64] |= (uint64_t)1 << (i % 64);
}

static struct qv_proposal *proposal_get(struct consensus *p, uint64_t id)
{
    assert(id >= 1 && id <= p->cfg.max_proposals);
    return &p->props[id];
}

static double approval_of(const struct consensus *p, uint32_t node)
{
    return p->cfg.node_approval ? p->cfg.node_approval[node] : p->cfg.approval;
}

static struct consensus *qv_create(const struct consensus_config *cfg,
                                   const struct consensus_port *port)
{
    assert(cfg->nodes >= 1 && cfg->quorum >= 1 && cfg->quorum <= cfg->nodes);
    struct consensus *p = xcalloc(1, sizeof(*p));
    p->cfg = *cfg;
    p->port = *port;
    p->words = (cfg->nodes + 63) / 64;
    p->props = xcalloc(cfg->max_proposals + 1, sizeof(*p->props));
    for (uint32_t i = 0; i < cfg->nodes; i++) { /* constant for the run (consensus.h) */
        enum consensus_byzantine b = port->byzantine(port->ctx, i);
        if (b != CONSENSUS_HONEST && !p->byzantine)
            p->byzantine = xcalloc(cfg->nodes, 1);
        if (p->byzantine)
            p->byzantine[i] = (uint8_t)b;
    }
    return p;
}

static void qv_destroy(struct consensus *p)
{
    if (!p)
        return;
    for (uint64_t i = 0; i <= p->cfg.max_proposals; i++) {
        free(p->props[i].counted);
        free(p->props[i].voted);
        free(p->props[i].tally);
        free(p->props[i].heard);
    }
    free(p->props);
    free(p->byzantine);
    free(p);
}

static void open_unlink(struct consensus *p, uint64_t id)
{
    struct qv_proposal *st = &p->props[id];
    if (st->prev_open != NO_PROPOSAL)
        p->props[st->prev_open].next_open = st->next_open;
    else
        p->open = st->next_open;
    if (st->next_open != NO_PROPOSAL)
        p->props[st->next_open].prev_open = st->prev_open;
}

static void decide(struct consensus *p, uint64_t id, enum consensus_outcome o)
{
    struct qv_proposal *st = &p->props[id];
    assert(!st->decided);
    st->decided = true;
    if (st->timer) {
        p->port.cancel_timer(p->port.ctx, st->timer);
        st->timer = 0;
    }
    if (st->counted) {
        open_unlink(p, id);
        free(st->counted);
        st->counted = NULL;
    }
    bool asked = o != CONSENSUS_INVALID && o != CONSENSUS_NO_QUORUM;
    struct consensus_record r = {
        .kind = CONSENSUS_REC_DECIDED,
        .node = st->proposer,
        .proposal = id,
        .time = p->port.now(p->port.ctx),
        .outcome = o,
        .yes_votes = st->yes,
        .no_votes = st->no,
        .missing = asked ? p->cfg.nodes - st->yes - st->no : 0,
        .quorum = p->cfg.quorum,
        .submitted = st->submitted_at,
    };
    p->port.record(p->port.ctx, &r);
    if (o != CONSENSUS_APPROVED)
        return;
    /* commit order, not a log: the host applies a proposal once and ignores the index */
    p->port.apply(p->port.ctx, st->proposer, 0, id);
    if (p->cfg.broadcast_votes) /* every node counts the votes and commits by itself */
        return;
    struct consensus_msg m;
    p->port.broadcast(p->port.ctx, message(&m, MSG_COMMIT, st->proposer, 0, id));
}

/* Decide if the votes counted so far settle the proposal. */
static void tally(struct consensus *p, uint64_t id)
{
    struct qv_proposal *st = &p->props[id];
    if (st->yes >= p->cfg.quorum)
        decide(p, id, CONSENSUS_APPROVED);
    else if (st->no > p->cfg.nodes - p->cfg.quorum)
        decide(p, id, CONSENSUS_REJECTED);
}

/* Does the host read records of this kind (port.unwanted_records)? */
static bool wanted(const struct consensus *p, enum consensus_record_kind kind)
{
    return !(p->port.unwanted_records >> kind & 1u);
}

static enum consensus_byzantine behaviour(const struct consensus *p, uint32_t node)
{
    return p->byzantine ? (enum consensus_byzantine)p->byzantine[node] : CONSENSUS_HONEST;
}

/*
 * `node` casts its vote on `id` (once) and records it in its ledger; false if it stays silent.
 * *yes: the vote as the proposer hears it. An honest node validates `id` against its replica
 * and draws YES with its approval probability; a Byzantine one draws nothing: always-no says
 * NO, yes-on-invalid YES, equivocate NO to the proposer (vote_to for the others).
 */
static bool cast_vote(struct consensus *p, uint32_t node, uint64_t id, bool *yes)
{
    struct qv_proposal *st = &p->props[id];
    if (!st->voted)
        st->voted = xcalloc(p->words, sizeof(uint64_t));
    bit_set(st->voted, node);
    enum consensus_byzantine b = behaviour(p, node);
    if (b == CONSENSUS_BYZ_SILENT)
        return false;
    if (b == CONSENSUS_HONEST)
        *yes = p->port.validate(p->port.ctx, node, id) &&
               p->port.uniform(p->port.ctx, node) < approval_of(p, node);
    else
        *yes = b == CONSENSUS_BYZ_YES_ON_INVALID;
    if (wanted(p, CONSENSUS_REC_VOTED)) {
        struct consensus_record r = {.kind = CONSENSUS_REC_VOTED,
                                     .node = node,
                                     .proposal = id,
                                     .time = p->port.now(p->port.ctx),
                                     .yes = *yes};
        p->port.record(p->port.ctx, &r);
    }
    return true;
}

/* The vote `voter` (which voted `yes` to the proposer) sends to `to`: an equivocator says NO
 * to the proposer and to nodes an even distance after it, YES to those an odd distance after
 * it, so that with broadcast votes some replicas commit what the proposer rejects. */
static bool vote_to(const struct consensus *p, uint64_t id, uint32_t voter, bool yes, uint32_t to)
{
    if (behaviour(p, voter) != CONSENSUS_BYZ_EQUIVOCATE)
        return yes;
    uint32_t n = p->cfg.nodes, distance = (to + n - p->props[id].proposer) % n;
    return distance % 2 == 1;
}

/* broadcast_votes: node `at` (not the proposer) counts `voter`'s vote once; it applies the
 * proposal when its own count of YES reaches the quorum. */
static void count_at(struct consensus *p, uint32_t at, uint64_t id, uint32_t voter, bool yes)
{
    struct qv_proposal *st = &p->props[id];
    uint32_t n = p->cfg.nodes;
    if (!st->tally) {
        st->tally = xcalloc(2 * (size_t)n, sizeof(*st->tally));
        st->heard = xcalloc((size_t)n * p->words, sizeof(*st->heard));
    }
    uint64_t *heard = st->heard + (size_t)at * p->words;
    if (bit_test(heard, voter))
        return;
    bit_set(heard, voter);
    if (!yes) {
        st->tally[n + at]++;
        return;
    }
    if (++st->tally[at] == p->cfg.quorum)
        p->port.apply(p->port.ctx, at, 0, id);
}

/* `voter` sends its vote on `id`: to the proposer, or (broadcast_votes) to every other node,
 * one message each when it equivocates. */
static void send_vote(struct consensus *p, uint64_t id, uint32_t voter, bool yes)
{
    struct consensus_msg v;
    uint32_t proposer = p->props[id].proposer;
    if (!p->cfg.broadcast_votes) {
        if (voter != proposer)
            p->port.send(p->port.ctx,
                         message(&v, yes ? MSG_VOTE_YES : MSG_VOTE_NO, voter, proposer, id));
        return;
    }
    if (voter != proposer)
        count_at(p, voter, id, voter, vote_to(p, id, voter, yes, voter));
    if (behaviour(p, voter) != CONSENSUS_BYZ_EQUIVOCATE) {
        p->port.broadcast(p->port.ctx, message(&v, yes ? MSG_VOTE_YES : MSG_VOTE_NO, voter, 0, id));
        return;
    }
    for (uint32_t to = 0; to < p->cfg.nodes; to++)
        if (to != voter)
            p->port.send(p->port.ctx,
                         message(&v, vote_to(p, id, voter, yes, to) ? MSG_VOTE_YES : MSG_VOTE_NO,
                                 voter, to, id));
}

/* The proposer receives (or casts) a vote: record it, count it if still undecided. */
static void receive_vote(struct consensus *p, uint64_t id, uint32_t voter, bool yes,
                         consensus_time cast, bool duplicate)
{
    struct qv_proposal *st = &p->props[id];
    if (duplicate) /* the network's second copy: not a second vote, and not a votes.csv row */
        return;
    if (wanted(p, CONSENSUS_REC_VOTE_IN)) {
        struct consensus_record r = {.kind = CONSENSUS_REC_VOTE_IN,
                                     .node = st->proposer,
                                     .proposal = id,
                                     .time = p->port.now(p->port.ctx),
                                     .yes = yes,
                                     .voter = voter,
                                     .cast = cast};
        p->port.record(p->port.ctx, &r);
    }
    if (st->decided || bit_test(st->counted, voter))
        return;
    bit_set(st->counted, voter);
    if (yes)
        st->yes++;
    else
        st->no++;
    tally(p, id);
}

static void qv_submit(struct consensus *p, uint32_t node, uint64_t id)
{
    assert(node < p->cfg.nodes);
    struct qv_proposal *st = proposal_get(p, id);
    assert(!st->submitted);
    consensus_time now = p->port.now(p->port.ctx);
    *st = (struct qv_proposal){.proposer = node, .submitted = true, .submitted_at = now};
    struct consensus_record r = {
        .kind = CONSENSUS_REC_PROPOSED, .node = node, .proposal = id, .time = now};
    p->port.record(p->port.ctx, &r);
    /* a yes-on-invalid proposer proposes whatever it is given */
    if (behaviour(p, node) != CONSENSUS_BYZ_YES_ON_INVALID &&
        !p->port.validate(p->port.ctx, node, id)) {
        decide(p, id, CONSENSUS_INVALID);
        return;
    }
    if (p->port.trusted(p->port.ctx, node) < p->cfg.quorum) {
        decide(p, id, CONSENSUS_NO_QUORUM);
        return;
    }
    st->counted = xcalloc(p->words, sizeof(uint64_t));
    st->next_open = p->open;
    if (p->open != NO_PROPOSAL)
        p->props[p->open].prev_open = id;
    p->open = id;
    struct consensus_msg m;
    p->port.broadcast(p->port.ctx, message(&m, MSG_PROPOSAL, node, 0, id));
    st->timer = p->port.set_timer(p->port.ctx, node, p->cfg.vote_timeout, TIMER_VOTE_DEADLINE, id);
    bool yes;
    if (!cast_vote(p, node, id, &yes))
        return;
    send_vote(p, id, node, yes);
    receive_vote(p, id, node, yes, now, false);
}

static void qv_deliver(struct consensus *p, const struct consensus_msg *m)
{
    assert(m->to < p->cfg.nodes && m->from < p->cfg.nodes);
    struct qv_proposal *st = proposal_get(p, m->proposal);
    assert(st->submitted);
    switch (m->kind) {
    case MSG_PROPOSAL: {
        bool yes;
        if ((st->voted && bit_test(st->voted, m->to)) || !cast_vote(p, m->to, m->proposal, &yes))
            return;
        if (p->cfg.broadcast_votes) {
            send_vote(p, m->proposal, m->to, yes);
            return;
        }
        struct consensus_msg v; /* AtlasDB's way: the vote goes back to the proposer only */
        p->port.send(p->port.ctx,
                     message(&v, yes ? MSG_VOTE_YES : MSG_VOTE_NO, m->to, m->from, m->proposal));
        return;
    }
    case MSG_VOTE_YES:
    case MSG_VOTE_NO:
        if (m->to == st->proposer)
            receive_vote(p, m->proposal, m->from, m->kind == MSG_VOTE_YES, m->sent, m->duplicate);
        else if (!m->duplicate)
            count_at(p, m->to, m->proposal, m->from, m->kind == MSG_VOTE_YES);
        return;
    case MSG_COMMIT:
        p->port.apply(p->port.ctx, m->to, 0, m->proposal);
        return;
    }
    assert(!"unknown message kind");
}

static void qv_timer(struct consensus *p, uint32_t node, uint32_t key, uint64_t id)
{
    struct qv_proposal *st = proposal_get(p, id);
    assert(st->proposer == node && key == TIMER_VOTE_DEADLINE);
    (void)node, (void)key;
    if (st->decided)
        return;
    st->timer = 0;
    decide(p, id, CONSENSUS_TIMEOUT);
}

static void qv_crash(struct consensus *p, uint32_t node)
{
    uint64_t id = p->open;
    while (id != NO_PROPOSAL) {
        uint64_t next = p->props[id].next_open;
        if (p->props[id].proposer == node)
            decide(p, id, CONSENSUS_ABORTED);
        id = next;
    }
}

/* The host's catch-up repairs a recovered replica; nothing of quorum-vote's survives. */
static void qv_recover(struct consensus *p, uint32_t node, bool amnesia)
{
    (void)p, (void)node, (void)amnesia;
}

/* A vote that never arrives is still a row of votes.csv, with no arrival time. */
static void qv_lost(struct consensus *p, const struct consensus_msg *m)
{
    if ((m->kind != MSG_VOTE_YES && m->kind != MSG_VOTE_NO) ||
        m->to != p->props[m->proposal].proposer)
        return;
    if (!wanted(p, CONSENSUS_REC_VOTE_IN))
        return;
    struct consensus_record r = {.kind = CONSENSUS_REC_VOTE_IN,
                                 .node = m->to,
                                 .proposal = m->proposal,
                                 .time = CONSENSUS_NEVER,
                                 .yes = m->kind == MSG_VOTE_YES,
                                 .voter = m->from,
                                 .cast = m->sent};
    p->port.record(p->port.ctx, &r);
}

const struct consensus_ops quorum_vote_ops = {
    .name = "quorum-vote",
    .flags = CONSENSUS_BYZANTINE,
    .msg_kinds = qv_kinds,
    .nmsg_kinds = MSG_KIND_COUNT,
    .timer_names = qv_timers,
    .ntimers = 1,
    .proposal_bytes = sizeof(struct qv_proposal),
    .create = qv_create,
    .destroy = qv_destroy,
    .submit = qv_submit,
    .deliver = qv_deliver,
    .timer = qv_timer,
    .crash = qv_crash,
    .recover = qv_recover,
    .lost = qv_lost,
};
