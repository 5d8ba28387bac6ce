/* raft: Raft behind struct consensus_ops (see raft.h for the model and its departures). */
#include "core/raft/raft.h"

#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/logproto.h"
#include "core/xalloc.h"

#define NONE          UINT32_MAX /* no node: no vote cast, no leader known */
#define REDIRECT_HOPS 2          /* a redirect travels at most this many hops */
#define IDLE          UINT64_MAX /* sent_prev: no AppendEntries in flight to this peer */

enum role { FOLLOWER, PRE_CANDIDATE, CANDIDATE, LEADER };

enum msg_kind { MSG_REQUEST_VOTE, MSG_VOTE, MSG_APPEND, MSG_APPEND_REPLY, MSG_REDIRECT };

enum timer_key { T_ELECTION, T_HEARTBEAT, T_CLIENT, T_RETRY };

struct entry {         /* 8 bytes: a million-entry log on each of 5 nodes is 40 MB */
    uint32_t term;     /* terms stay far below 2^32 (one per election; log_push checks) */
    uint32_t proposal; /* 0: a leader's no-op; ids < 2^32 (the scenario caps proposals) */
};

struct rnode {
    /* durable (kept by a durable crash, lost by amnesia) */
    uint64_t term;
    uint32_t vote;     /* candidate voted for in `term`, NONE */
    struct entry *log; /* log[1..len]; log[0] unused; core/xalloc's xhuge block of cap */
    uint64_t len, cap;
    /* volatile */
    bool alive;
    enum role role;
    uint32_t leader; /* leader of `term` as far as this node knows, NONE */
    uint64_t commit, applied;
    uint64_t *granted;       /* voters that granted this node's (pre-)candidacy (bitset) */
    uint32_t votes;          /* popcount of granted */
    consensus_time deadline; /* the election timeout expires at (node clock) */
    consensus_time started;  /* candidates: when this candidacy began */
    consensus_time timer_at; /* the armed election timer fires at */
    uint64_t timer;          /* its handle, 0: none armed */
    uint64_t gen;            /* election timers of other generations are stale */
    /* leader state (allocated the first time the node leads) */
    uint64_t *next, *match; /* per peer */
    uint64_t *sent_prev;    /* per peer: prevLogIndex of the AppendEntries in flight, IDLE */
    uint32_t *inflight;     /* per peer, pipelined: AppendEntries with entries in flight */
    bool *pipelined;        /* per peer: its log matched; pipelining (max_inflight > 1) */
    uint64_t *active;       /* peers heard from since the last check_quorum (bitset) */
    consensus_time guard;   /* lease reads: after a recovery, ignore RequestVote until this
                               (node clock): a leader's lease may count on this node */
    consensus_time *acked;  /* lease reads, per peer: 1 + the latest of this node's clock
                               stamps the peer echoed in this term (0: none yet) */
};

struct rprop {              /* what Raft adds to the client table (p->clients) per proposal */
    uint32_t appended_by;   /* the last leader that appended it, in appended_term */
    uint32_t resent_to;     /* client_retry: the node the last resend went to, NONE */
    uint32_t appended_term; /* 32 bits, as a log entry's term (log_push checks) */
};

struct consensus {
    struct consensus_config cfg;
    struct consensus_port port;
    uint32_t n, majority;
    size_t words; /* uint64_t words of a node bitset */
    uint32_t dist;
    consensus_time heartbeat;
    consensus_time client_retry; /* 0: clients never resend */
    uint32_t max_batch, max_inflight;
    bool pre_vote, check_quorum;
    bool lease_reads;      /* clients.read: lease: stamp AppendEntries, answer reads in lease */
    consensus_time lease;  /* the lease after a stamp a majority echoed (leader's clock) */
    uint64_t lease_served; /* reads answered from a lease */
    bool figure8;          /* test hook: commit earlier-term entries by counting replicas */
    bool stale_reads;      /* test hook: a leader answers a read at once, unconfirmed */
    struct rnode *nodes;
    struct logproto_clients clients; /* who submitted what, decided or not */
    struct rprop *props;             /* 1..max_proposals */
    /* metrics */
    uint64_t elections, pre_votes, leader_changes, max_term, max_commit;
    uint64_t messages; /* protocol messages sent (a broadcast: n - 1) */
    struct logproto_leaderless leaderless;
    consensus_time *won; /* durations of the candidacies that won, start to win */
    size_t nwon, won_cap;
};

static const struct consensus_msg_kind raft_msg_kinds[] = {
    [MSG_REQUEST_VOTE] = {.name = "request_vote"}, [MSG_VOTE] = {.name = "vote"},
    [MSG_APPEND] = {.name = "append_entries"},     [MSG_APPEND_REPLY] = {.name = "append_reply"},
    [MSG_REDIRECT] = {.name = "redirect"},
};

static const struct consensus_param raft_params[] = {
    [RAFT_ELECTION_TIMEOUT] = {.key = "election_timeout",
                               .type = CPARAM_DIST,
                               .def = "{dist: uniform, min: 150ms, max: 300ms}",
                               .help = "a follower that hears no leader for a draw of this "
                                       "starts an election (drawn anew at every reset)"},
    [RAFT_HEARTBEAT_INTERVAL] = {.key = "heartbeat_interval",
                                 .type = CPARAM_DURATION,
                                 .def = "50ms",
                                 .min = 1e-6,
                                 .max = 3600,
                                 .help = "a leader sends AppendEntries (entries or none) to "
                                         "every follower this often; also the client retry"},
    [RAFT_MAX_BATCH] = {.key = "max_batch",
                        .type = CPARAM_UINT,
                        .def = "6",
                        .min = 1,
                        .max = RAFT_BATCH_MAX,
                        .help = "log entries per AppendEntries (6 fit in the payload)"},
    [RAFT_PRE_VOTE] = {.key = "pre_vote",
                       .type = CPARAM_BOOL,
                       .def = "false",
                       .help = "a candidate first asks whether it could win (dissertation "
                               "9.6); a partitioned node no longer inflates terms"},
    [RAFT_MAX_INFLIGHT] = {.key = "max_inflight",
                           .type = CPARAM_UINT,
                           .def = "1",
                           .min = 1,
                           .max = RAFT_INFLIGHT_MAX,
                           .help = "AppendEntries a leader pipelines to a follower whose log "
                                   "matches (1: stop and wait)"},
    [RAFT_CLIENT_RETRY] = {.key = "client_retry",
                           .type = CPARAM_DURATION,
                           .def = "0s",
                           .min = 0,
                           .max = 3600,
                           .help = "a client whose proposal no leader has taken resends it "
                                   "after this, doubling, to the leader it knows or the next "
                                   "node, until vote_timeout (0: never)"},
    [RAFT_LEASE] = {.key = "lease",
                    .type = CPARAM_DURATION,
                    .def = "135ms",
                    .min = 0,
                    .max = 3600,
                    .help = "clients.read: lease: a leader answers reads alone until this long "
                            "(its clock) after sending AppendEntries a majority answered; safe "
                            "while lease <= min election timeout x (1-r)/(1+r), drift r"},
    [RAFT_CHECK_QUORUM] = {.key = "check_quorum",
                           .type = CPARAM_BOOL,
                           .def = "false",
                           .help = "a leader that heard from no majority for an election "
                                   "timeout steps down; followers with a live leader "
                                   "ignore RequestVote (dissertation 6.2, 4.2.3)"},
};

static const char *const raft_timer_names[] = {
    [T_ELECTION] = "election_timeout",
    [T_HEARTBEAT] = "heartbeat_tick",
    [T_CLIENT] = "client_deadline",
    [T_RETRY] = "client_retry",
};

static const char *const raft_metric_names[] = {
    [RAFT_M_ELECTIONS] = "elections",
    [RAFT_M_PRE_VOTES] = "pre_votes",
    [RAFT_M_LEADER_CHANGES] = "leader_changes",
    [RAFT_M_LEADERLESS_S] = "leaderless_s",
    [RAFT_M_MAX_TERM] = "max_term",
    [RAFT_M_COMMITTED] = "committed_entries",
    [RAFT_M_ELECTION_P50_S] = "election_p50_s",
    [RAFT_M_ELECTION_P99_S] = "election_p99_s",
    [RAFT_M_LEASE_READS] = "lease_reads",
    [RAFT_M_COMMITS_PER_S] = "commits_per_s",
    [RAFT_M_MESSAGES_PER_COMMIT] = "messages_per_commit",
};

/* ---- small helpers ---------------------------------------------------------------- */

static consensus_time now_of(const struct consensus *p)
{
    return p->port.now(p->port.ctx);
}

/* `node`'s own clock: election deadlines are kept and compared on it (clocks.*). */
static consensus_time clock_of(const struct consensus *p, uint32_t node)
{
    return p->port.clock(p->port.ctx, node);
}

static uint64_t last_term(const struct rnode *r)
{
    return r->len ? r->log[r->len].term : 0;
}

static void log_push(struct rnode *r, uint64_t term, uint64_t proposal)
{
    if (term > UINT32_MAX || proposal > UINT32_MAX) { /* unreachable within scenario limits */
        fprintf(stderr,
                "atlas-sim: raft: term %" PRIu64 " or proposal %" PRIu64
                " past a log entry's 32 bits\n",
                term, proposal);
        abort();
    }
    size_t cap = (size_t)r->cap;
    XHUGE_GROW(r->log, cap, (size_t)r->len + 2);
    r->cap = cap;
    r->len++;
    r->log[r->len] = (struct entry){(uint32_t)term, (uint32_t)proposal};
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

/* ---- client bookkeeping ----------------------------------------------------------- */

/* Record the outcome of `id` at `node` (once per proposal). */
static void decide(struct consensus *p, uint32_t node, uint64_t id, enum consensus_outcome o,
                   uint64_t index, uint32_t acks)
{
    logproto_decide(&p->clients, node, id, o, index, acks);
}

static bool decided(const struct consensus *p, uint64_t id)
{
    return logproto_decided(&p->clients, id);
}

/* ---- timers ----------------------------------------------------------------------- */

static void arm_election(struct consensus *p, uint32_t node)
{
    struct rnode *r = &p->nodes[node];
    consensus_time now = clock_of(p, node);
    r->timer_at = r->deadline;
    r->timer = p->port.set_timer(p->port.ctx, node, r->deadline - now, T_ELECTION, r->gen);
}

/* A fresh election timeout from now (a new draw each time, as the paper says). */
static void reset_election(struct consensus *p, uint32_t node)
{
    struct rnode *r = &p->nodes[node];
    r->deadline = clock_of(p, node) + p->port.draw(p->port.ctx, node, p->dist);
    if (r->timer && r->timer_at <= r->deadline)
        return; /* it fires first and re-arms for the rest */
    if (r->timer)
        p->port.cancel_timer(p->port.ctx, r->timer);
    r->gen++;
    arm_election(p, node);
}

static void arm_heartbeat(struct consensus *p, uint32_t node)
{
    p->port.set_timer(p->port.ctx, node, p->heartbeat, T_HEARTBEAT, p->nodes[node].term);
}

/* ---- roles ------------------------------------------------------------------------ */

/* A candidacy ended: an "election" event (result 1: won) and its elections.csv record. */
static void election_event(struct consensus *p, uint32_t node, enum consensus_election how)
{
    const struct rnode *r = &p->nodes[node];
    bool won = how == CONSENSUS_ELECTION_WON;
    struct consensus_event e = {.node = node,
                                .event = "election",
                                .key = {"term", "votes", "result"},
                                .value = {r->term, r->votes, won ? 1 : 0}};
    p->port.event(p->port.ctx, &e);
    consensus_time now = now_of(p);
    struct consensus_record rec = {.kind = CONSENSUS_REC_ELECTION,
                                   .node = node,
                                   .time = now,
                                   .term = r->term,
                                   .started = r->started,
                                   .yes_votes = r->votes,
                                   .election = how};
    p->port.record(p->port.ctx, &rec);
    if (won) {
        XGROW(p->won, p->won_cap, p->nwon + 1);
        p->won[p->nwon++] = now - r->started;
    }
}

static void leaders_dec(struct consensus *p)
{
    logproto_leader_down(&p->leaderless, now_of(p));
}

/* Leave the current role for follower of `term` (>= the node's term) under `leader`. */
static void become_follower(struct consensus *p, uint32_t node, uint64_t term, uint32_t leader)
{
    struct rnode *r = &p->nodes[node];
    assert(term >= r->term);
    if (r->role == CANDIDATE)
        election_event(p, node,
                       term > r->term ? CONSENSUS_ELECTION_SUPERSEDED : CONSENSUS_ELECTION_LOST);
    if (r->role == LEADER)
        leaders_dec(p);
    if (term > r->term) {
        r->term = term;
        r->vote = NONE;
        if (term > p->max_term)
            p->max_term = term;
    }
    r->role = FOLLOWER;
    r->leader = leader;
}

static void clear_votes(struct consensus *p, struct rnode *r, uint32_t self)
{
    memset(r->granted, 0, p->words * sizeof(*r->granted));
    logproto_bit_set(r->granted, self);
    r->votes = 1;
}

static void send_append(struct consensus *p, uint32_t node, uint32_t peer);
static void advance_commit(struct consensus *p, uint32_t node);

static void become_leader(struct consensus *p, uint32_t node)
{
    struct rnode *r = &p->nodes[node];
    election_event(p, node, CONSENSUS_ELECTION_WON);
    r->role = LEADER;
    r->leader = node;
    logproto_leader_up(&p->leaderless, now_of(p));
    p->leader_changes++;
    p->port.leader(p->port.ctx, node, r->term);
    if (!r->next) {
        r->next = xcalloc(p->n, sizeof(*r->next));
        r->match = xcalloc(p->n, sizeof(*r->match));
        r->sent_prev = xcalloc(p->n, sizeof(*r->sent_prev));
        r->inflight = xcalloc(p->n, sizeof(*r->inflight));
        r->pipelined = xcalloc(p->n, sizeof(*r->pipelined));
        r->active = xcalloc(p->words, sizeof(*r->active));
        r->acked = xcalloc(p->n, sizeof(*r->acked));
    }
    memset(r->acked, 0, p->n * sizeof(*r->acked));
    memset(r->active, 0, p->words * sizeof(*r->active));
    log_push(r, r->term, 0); /* the no-op of the new term (dissertation 6.4) */
    for (uint32_t i = 0; i < p->n; i++) {
        r->next[i] = r->len;
        r->match[i] = 0;
        r->sent_prev[i] = IDLE;
        r->inflight[i] = 0;
        r->pipelined[i] = false;
    }
    r->match[node] = r->len;
    for (uint32_t i = 0; i < p->n; i++)
        if (i != node)
            send_append(p, node, i);
    arm_heartbeat(p, node);
    advance_commit(p, node);
}

static void broadcast_request_vote(struct consensus *p, uint32_t node, uint64_t term, bool pre)
{
    const struct rnode *r = &p->nodes[node];
    struct consensus_msg m;
    msg_init(&m, MSG_REQUEST_VOTE, node, NONE);
    m.payload.words[0] = term;
    m.payload.words[1] = r->len;
    m.payload.words[2] = last_term(r);
    m.payload.words[3] = pre;
    m.len = 32;
    p->messages += p->n - 1;
    p->port.broadcast(p->port.ctx, &m);
}

static void start_election(struct consensus *p, uint32_t node)
{
    struct rnode *r = &p->nodes[node];
    if (r->role == CANDIDATE)
        election_event(p, node, CONSENSUS_ELECTION_TIMEOUT);
    r->term++;
    r->started = now_of(p);
    if (r->term > p->max_term)
        p->max_term = r->term;
    r->vote = node;
    r->role = CANDIDATE;
    r->leader = NONE;
    clear_votes(p, r, node);
    p->elections++;
    struct consensus_event e = {
        .node = node, .event = "candidate", .key = {"term"}, .value = {r->term}};
    p->port.event(p->port.ctx, &e);
    reset_election(p, node);
    if (r->votes >= p->majority) {
        become_leader(p, node);
        return;
    }
    broadcast_request_vote(p, node, r->term, false);
}

static void start_pre_vote(struct consensus *p, uint32_t node)
{
    struct rnode *r = &p->nodes[node];
    if (r->role == CANDIDATE)
        election_event(p, node, CONSENSUS_ELECTION_TIMEOUT);
    r->role = PRE_CANDIDATE;
    r->leader = NONE;
    clear_votes(p, r, node);
    p->pre_votes++;
    reset_election(p, node);
    if (r->votes >= p->majority) {
        start_election(p, node);
        return;
    }
    broadcast_request_vote(p, node, r->term + 1, true);
}

/* ---- log replication -------------------------------------------------------------- */

static void send_append(struct consensus *p, uint32_t node, uint32_t peer)
{
    struct rnode *r = &p->nodes[node];
    uint64_t prev = r->next[peer] - 1;
    uint64_t count = r->len - prev;
    uint64_t batch =
        p->lease_reads && p->max_batch == RAFT_BATCH_MAX ? RAFT_BATCH_MAX - 1 : p->max_batch;
    if (count > batch)
        count = batch; /* with lease reads the last word is the stamp */
    struct consensus_msg m;
    msg_init(&m, MSG_APPEND, node, peer);
    m.payload.words[0] = r->term;
    m.payload.words[1] = prev;
    m.payload.words[2] = prev ? r->log[prev].term : 0;
    m.payload.words[3] = r->commit;
    for (uint64_t i = 0; i < count; i++) {
        m.payload.words[4 + 2 * i] = r->log[prev + 1 + i].term;
        m.payload.words[5 + 2 * i] = r->log[prev + 1 + i].proposal;
    }
    m.proposal = count ? r->log[prev + 1].proposal : 0;
    r->sent_prev[peer] = prev;
    if (r->pipelined[peer] && count) {
        r->next[peer] = prev + count + 1;
        r->inflight[peer]++;
    }
    uint32_t words = (uint32_t)(4 + 2 * count);
    if (p->lease_reads) /* an odd word after the entries: 1 + the sender's clock */
        m.payload.words[words++] = clock_of(p, node) + 1;
    send_words(p, &m, words);
}

static uint32_t acks_of(const struct consensus *p, const struct rnode *r, uint64_t index)
{
    uint32_t acks = 0;
    for (uint32_t i = 0; i < p->n; i++)
        acks += r->match[i] >= index;
    return acks;
}

/* Apply committed entries in order; a leader decides the proposals it applies first. */
static void apply_committed(struct consensus *p, uint32_t node)
{
    struct rnode *r = &p->nodes[node];
    uint64_t upto = r->commit < r->len ? r->commit : r->len;
    while (r->applied < upto) {
        uint64_t index = ++r->applied;
        uint64_t id = r->log[index].proposal;
        bool ok = p->port.apply(p->port.ctx, node, index, id);
        if (id && r->role == LEADER && !decided(p, id))
            decide(p, node, id, ok ? CONSENSUS_APPROVED : CONSENSUS_REJECTED, index,
                   acks_of(p, r, index));
    }
}

static void set_commit(struct consensus *p, uint32_t node, uint64_t commit)
{
    struct rnode *r = &p->nodes[node];
    if (commit <= r->commit)
        return;
    r->commit = commit;
    if (commit > p->max_commit)
        p->max_commit = commit;
    apply_committed(p, node);
}

/* The leader commits the highest index a majority matches, if of its own term (5.4.2). */
static void advance_commit(struct consensus *p, uint32_t node)
{
    struct rnode *r = &p->nodes[node];
    uint64_t n = r->commit;
    while (n < r->len && acks_of(p, r, n + 1) >= p->majority)
        n++;
    if (n > r->commit && (p->figure8 || r->log[n].term == r->term))
        set_commit(p, node, n);
}

/* Pipelined peer: send until max_inflight AppendEntries are in flight or none is due. */
static void fill_window(struct consensus *p, uint32_t node, uint32_t peer)
{
    struct rnode *r = &p->nodes[node];
    while (r->inflight[peer] < p->max_inflight && r->next[peer] <= r->len)
        send_append(p, node, peer);
}

/* A leader appends a client's proposal and ships it to idle followers. */
static void leader_append(struct consensus *p, uint32_t node, uint64_t proposal)
{
    struct rnode *r = &p->nodes[node];
    log_push(r, r->term, proposal);
    r->match[node] = r->len;
    for (uint32_t i = 0; i < p->n; i++) {
        if (i == node)
            continue;
        if (r->pipelined[i])
            fill_window(p, node, i);
        else if (r->sent_prev[i] == IDLE)
            send_append(p, node, i);
    }
    advance_commit(p, node);
}

/* ---- client proposals ------------------------------------------------------------- */

/*
 * Lease reads (Raft dissertation 6.4.1): does leader `node` hold a lease now? It needs an
 * entry of its own term committed (so its replica holds every committed write) and a stamp
 * that a majority (itself included) echoed: each of those followers reset its election
 * timer after the stamp and, with lease reads, ignores RequestVote until that timer expires,
 * so no other leader can be elected before stamp + the minimum election timeout (each on its
 * own clock). The lease ends at stamp + `lease` on this node's clock; safe while the clocks'
 * relative drift keeps that inside the followers' minimum timeout (the key's help).
 * "The majority-th stamp (its own included) is recent enough" is counted rather than sorted:
 * the test is monotone in the stamp, so it holds iff majority - 1 peers' stamps pass it (O(n)).
 */
static bool lease_holds(struct consensus *p, uint32_t node)
{
    const struct rnode *r = &p->nodes[node];
    if (!r->commit || r->log[r->commit].term != r->term)
        return false;
    if (p->majority == 1)
        return true;
    consensus_time now = clock_of(p, node);
    uint32_t recent = 0;
    for (uint32_t i = 0; i < p->n; i++)
        if (i != node && r->acked[i] && now < r->acked[i] - 1 + p->lease)
            recent++;
    return recent >= p->majority - 1;
}

/* Take `proposal` at `node` toward the leader; hops: redirects it travelled. */
static void route(struct consensus *p, uint32_t node, uint64_t proposal, uint64_t hops)
{
    const struct rnode *r = &p->nodes[node];
    struct rprop *st = &p->props[proposal];
    if (r->role == LEADER) {
        if (p->stale_reads && p->port.read_only && p->port.read_only(p->port.ctx, proposal)) {
            if (!decided(p, proposal)) /* from its own replica, perhaps no longer the leader's */
                decide(p, node, proposal, CONSENSUS_APPROVED, 0, 1);
            return;
        }
        if (p->lease_reads && p->port.read_only && p->port.read_only(p->port.ctx, proposal) &&
            lease_holds(p, node)) {
            if (!decided(p, proposal)) { /* its replica applied every committed entry */
                p->lease_served++;
                decide(p, node, proposal, CONSENSUS_APPROVED, 0, 1); /* index 0: no commit */
            }
            return;
        }
        if (st->appended_term == r->term && st->appended_by == node)
            return; /* a duplicated redirect */
        if (p->client_retry && st->appended_term)
            return; /* with resends, a proposal is appended once (a client session) */
        st->appended_term = (uint32_t)r->term; /* leader_append's log_push checks it fits */
        st->appended_by = node;
        leader_append(p, node, proposal);
    } else if (r->leader != NONE && hops < REDIRECT_HOPS) {
        struct consensus_msg m;
        logproto_forward_msg(&m, MSG_REDIRECT, node, r->leader, proposal, hops + 1);
        send_words(p, &m, 2);
    } else if (hops == 0) {
        p->port.set_timer(p->port.ctx, node, p->heartbeat, T_RETRY, proposal);
    }
}

static void raft_submit(struct consensus *p, uint32_t node, uint64_t proposal)
{
    assert(node < p->n && proposal >= 1 && proposal <= p->cfg.max_proposals);
    p->props[proposal].resent_to = NONE;
    logproto_submit(&p->clients, node, proposal);
    route(p, node, proposal, 0);
    if (p->client_retry)
        logproto_arm_resend(&p->port, node, p->client_retry, T_RETRY, proposal, 1);
}

/* client_retry: attempt k (1, 2, ...) to get `proposal`, which no leader has appended yet,
 * to a leader: to the one `node` knows, else to the node after the last one tried. */
static void resend(struct consensus *p, uint32_t node, uint64_t proposal, uint64_t attempt)
{
    const struct rnode *r = &p->nodes[node];
    struct rprop *st = &p->props[proposal];
    if (decided(p, proposal) || st->appended_term)
        return;
    uint32_t to = logproto_resend_to(r->leader, st->resent_to, node, p->n);
    st->resent_to = to;
    if (to == node) {
        route(p, node, proposal, REDIRECT_HOPS - 1); /* appends, or one redirect */
    } else {                                         /* the receiver may redirect it once more */
        struct consensus_msg m;
        logproto_forward_msg(&m, MSG_REDIRECT, node, to, proposal, REDIRECT_HOPS - 1);
        send_words(p, &m, 2);
    }
    logproto_arm_resend(&p->port, node, p->client_retry, T_RETRY, proposal, attempt + 1);
}

/* ---- message handlers ------------------------------------------------------------- */

static bool log_up_to_date(const struct rnode *r, uint64_t index, uint64_t term)
{
    uint64_t mine = last_term(r);
    return term > mine || (term == mine && index >= r->len);
}

/* check_quorum: does `node` believe in a live leader (its own election timeout running)? */
static bool in_lease(const struct consensus *p, uint32_t node)
{
    const struct rnode *r = &p->nodes[node];
    if (!p->check_quorum && !p->lease_reads)
        return false;
    /* With lease reads a recovered follower that knows no leader yet keeps out of elections
     * for one election timeout too: a leader's lease may still count on it. */
    consensus_time now = clock_of(p, node);
    return r->role == LEADER || (r->role == FOLLOWER && r->leader != NONE && now < r->deadline) ||
           (p->lease_reads && now < r->guard);
}

static void reply_vote(struct consensus *p, const struct consensus_msg *m, uint64_t term,
                       bool granted, bool pre)
{
    struct consensus_msg out;
    msg_init(&out, MSG_VOTE, m->to, m->from);
    out.payload.words[0] = term;
    out.payload.words[1] = granted;
    out.payload.words[2] = pre;
    send_words(p, &out, 3);
}

static void on_request_vote(struct consensus *p, const struct consensus_msg *m)
{
    struct rnode *r = &p->nodes[m->to];
    uint64_t term = m->payload.words[0];
    bool up = log_up_to_date(r, m->payload.words[1], m->payload.words[2]);
    if (m->payload.words[3]) { /* pre-vote: no state changes */
        bool lease = r->role == LEADER || (r->leader != NONE && clock_of(p, m->to) < r->deadline);
        bool grant = term > r->term && up && !lease;
        reply_vote(p, m, grant ? term : r->term, grant, true);
        return;
    }
    if (term > r->term && in_lease(p, m->to))
        return;
    if (term > r->term)
        become_follower(p, m->to, term, NONE);
    bool grant = term == r->term && (r->vote == NONE || r->vote == m->from) && up;
    if (grant) {
        r->vote = m->from;
        reset_election(p, m->to);
    }
    reply_vote(p, m, r->term, grant, false);
}

static void count_vote(struct rnode *r, uint32_t voter)
{
    if (!logproto_bit_test(r->granted, voter)) {
        logproto_bit_set(r->granted, voter);
        r->votes++;
    }
}

static void on_vote(struct consensus *p, const struct consensus_msg *m)
{
    uint32_t node = m->to;
    struct rnode *r = &p->nodes[node];
    uint64_t term = m->payload.words[0];
    bool granted = m->payload.words[1], pre = m->payload.words[2];
    if (pre) {
        if (granted && r->role == PRE_CANDIDATE && term == r->term + 1) {
            count_vote(r, m->from);
            if (r->votes >= p->majority)
                start_election(p, node);
        } else if (!granted && term > r->term) {
            become_follower(p, node, term, NONE);
        }
        return;
    }
    if (term > r->term) {
        become_follower(p, node, term, NONE);
        return;
    }
    if (granted && r->role == CANDIDATE && term == r->term) {
        count_vote(r, m->from);
        if (r->votes >= p->majority)
            become_leader(p, node);
    }
}

static void reply_append(struct consensus *p, const struct consensus_msg *m, bool ok,
                         uint64_t index)
{
    struct consensus_msg out;
    msg_init(&out, MSG_APPEND_REPLY, m->to, m->from);
    out.payload.words[0] = p->nodes[m->to].term;
    out.payload.words[1] = ok;
    out.payload.words[2] = m->payload.words[1];
    out.payload.words[3] = index; /* ok: the match; else a hint for nextIndex - 1 */
    uint32_t words = m->len / 8;
    out.payload.words[4] = words > 4 && (words - 4) % 2 ? m->payload.words[words - 1] : 0;
    send_words(p, &out, out.payload.words[4] ? 5 : 4); /* echo the lease stamp, if any */
}

/* Store entries after `prev`, dropping a conflicting suffix (5.3); returns the last index. */
static uint64_t store_entries(struct consensus *p, uint32_t node, const struct consensus_msg *m,
                              uint64_t prev)
{
    struct rnode *r = &p->nodes[node];
    uint64_t count = (m->len / 8 - 4) / 2;
    for (uint64_t i = 0; i < count; i++) {
        uint64_t index = prev + 1 + i;
        uint64_t term = m->payload.words[4 + 2 * i];
        uint64_t id = m->payload.words[5 + 2 * i];
        if (index <= r->len && r->log[index].term == term)
            continue;
        if (index <= r->len) {
            r->len = index - 1; /* conflict: truncate (never a committed entry in Raft) */
            if (r->commit > r->len)
                r->commit = r->len;
        }
        log_push(r, term, id);
        if (id) {
            struct consensus_record rec = {.kind = CONSENSUS_REC_VOTED,
                                           .node = node,
                                           .proposal = id,
                                           .time = now_of(p),
                                           .yes = true};
            p->port.record(p->port.ctx, &rec);
        }
    }
    return prev + count;
}

static void on_append(struct consensus *p, const struct consensus_msg *m)
{
    uint32_t node = m->to;
    struct rnode *r = &p->nodes[node];
    uint64_t term = m->payload.words[0], prev = m->payload.words[1];
    if (term < r->term) {
        reply_append(p, m, false, r->len);
        return;
    }
    if (term > r->term || r->role != FOLLOWER)
        become_follower(p, node, term, m->from);
    r->leader = m->from;
    reset_election(p, node);
    if (prev > r->len || (prev && r->log[prev].term != m->payload.words[2])) {
        reply_append(p, m, false, prev > r->len ? r->len : prev - 1);
        return;
    }
    uint64_t last = store_entries(p, node, m, prev);
    uint64_t commit = m->payload.words[3];
    set_commit(p, node, commit < last ? commit : last);
    reply_append(p, m, true, last);
}

static void on_pipelined_reply(struct consensus *p, uint32_t node, uint32_t peer, bool ok,
                               uint64_t prev, uint64_t index)
{
    struct rnode *r = &p->nodes[node];
    if (ok) {
        if (index > r->match[peer])
            r->match[peer] = index;
        if (index + 1 > r->next[peer])
            r->next[peer] = index + 1;
        if (r->inflight[peer])
            r->inflight[peer]--;
        advance_commit(p, node);
        fill_window(p, node, peer);
    } else if (prev >= r->match[peer]) { /* a gap or a conflict: back to stop and wait */
        r->pipelined[peer] = false;
        r->inflight[peer] = 0;
        if (index < r->match[peer])
            r->match[peer] = index;
        uint64_t next = index + 1 < prev ? index + 1 : prev;
        r->next[peer] = next > r->match[peer] ? next : r->match[peer] + 1;
        send_append(p, node, peer);
    }
}

static void on_append_reply(struct consensus *p, const struct consensus_msg *m)
{
    uint32_t node = m->to, peer = m->from;
    struct rnode *r = &p->nodes[node];
    uint64_t term = m->payload.words[0], prev = m->payload.words[2], index = m->payload.words[3];
    if (term > r->term) {
        become_follower(p, node, term, NONE);
        return;
    }
    if (r->role != LEADER || term != r->term)
        return;
    logproto_bit_set(r->active, peer);
    if (m->len / 8 > 4 && m->payload.words[4] > r->acked[peer])
        r->acked[peer] = m->payload.words[4]; /* it reset its election timer after the stamp */
    bool ok = m->payload.words[1];
    if (r->pipelined[peer]) {
        on_pipelined_reply(p, node, peer, ok, prev, index);
        return;
    }
    bool current = prev == r->sent_prev[peer]; /* a reply to the AppendEntries in flight */
    if (ok) {
        if (index > r->match[peer])
            r->match[peer] = index;
        if (index + 1 > r->next[peer])
            r->next[peer] = index + 1;
        advance_commit(p, node);
    } else if (current && prev + 1 == r->next[peer]) {
        if (index < r->match[peer])
            r->match[peer] = index;                          /* the peer lost its log (amnesia) */
        uint64_t next = index + 1 < prev ? index + 1 : prev; /* back off, past the hint */
        r->next[peer] = next > r->match[peer] ? next : r->match[peer] + 1;
    }
    if (!current || r->role != LEADER)
        return;
    if (ok && p->max_inflight > 1) { /* the logs match: pipeline from here */
        r->pipelined[peer] = true;
        r->inflight[peer] = 0;
        fill_window(p, node, peer);
    } else if (!ok || r->next[peer] <= r->len)
        send_append(p, node, peer);
    else
        r->sent_prev[peer] = IDLE;
}

static void raft_deliver(struct consensus *p, const struct consensus_msg *m)
{
    assert(m->to < p->n && m->from < p->n);
    if (!p->nodes[m->to].alive)
        return;
    switch ((enum msg_kind)m->kind) {
    case MSG_REQUEST_VOTE:
        on_request_vote(p, m);
        break;
    case MSG_VOTE:
        on_vote(p, m);
        break;
    case MSG_APPEND:
        on_append(p, m);
        break;
    case MSG_APPEND_REPLY:
        on_append_reply(p, m);
        break;
    case MSG_REDIRECT:
        if (!decided(p, m->payload.words[0]))
            route(p, m->to, m->payload.words[0], m->payload.words[1]);
        break;
    }
}

/* ---- timers ----------------------------------------------------------------------- */

static void on_election_timer(struct consensus *p, uint32_t node, uint64_t gen)
{
    struct rnode *r = &p->nodes[node];
    if (gen != r->gen)
        return;
    r->timer = 0;
    if (clock_of(p, node) < r->deadline) {
        arm_election(p, node);
        return;
    }
    if (r->role == LEADER) {
        if (p->check_quorum) {
            uint32_t heard = 1;
            for (uint32_t i = 0; i < p->n; i++)
                heard += i != node && logproto_bit_test(r->active, i);
            memset(r->active, 0, p->words * sizeof(*r->active));
            if (heard < p->majority)
                become_follower(p, node, r->term, NONE);
        }
        reset_election(p, node);
    } else if (p->pre_vote) {
        start_pre_vote(p, node);
    } else {
        start_election(p, node);
    }
}

static void raft_timer(struct consensus *p, uint32_t node, uint32_t key, uint64_t arg)
{
    assert(node < p->n);
    struct rnode *r = &p->nodes[node];
    if (!r->alive)
        return;
    switch ((enum timer_key)key) {
    case T_ELECTION:
        on_election_timer(p, node, arg);
        break;
    case T_HEARTBEAT:
        if (r->role != LEADER || r->term != arg)
            return;
        for (uint32_t i = 0; i < p->n; i++) {
            if (i == node)
                continue;
            r->inflight[i] = 0; /* replies still missing are taken as lost */
            send_append(p, node, i);
        }
        arm_heartbeat(p, node);
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

static struct consensus *create_variant(const struct consensus_config *cfg,
                                        const struct consensus_port *port, bool figure8)
{
    assert(cfg->nodes >= 1 && cfg->params);
    struct consensus *p = xcalloc(1, sizeof(*p));
    p->cfg = *cfg;
    p->port = *port;
    p->n = cfg->nodes;
    p->majority = cfg->nodes / 2 + 1;
    p->words = (cfg->nodes + 63) / 64;
    p->dist = cfg->params[RAFT_ELECTION_TIMEOUT].dist;
    p->heartbeat = cfg->params[RAFT_HEARTBEAT_INTERVAL].t;
    p->client_retry = cfg->params[RAFT_CLIENT_RETRY].t;
    assert(cfg->max_proposals < (uint64_t)1 << LOGPROTO_ATTEMPT_SHIFT);
    p->max_batch = (uint32_t)cfg->params[RAFT_MAX_BATCH].u;
    assert(p->max_batch >= 1 && p->max_batch <= RAFT_BATCH_MAX && p->heartbeat > 0);
    p->max_inflight = (uint32_t)cfg->params[RAFT_MAX_INFLIGHT].u;
    assert(p->max_inflight >= 1 && p->max_inflight <= RAFT_INFLIGHT_MAX);
    p->pre_vote = cfg->params[RAFT_PRE_VOTE].b;
    p->check_quorum = cfg->params[RAFT_CHECK_QUORUM].b;
    p->lease_reads = cfg->lease_reads;
    p->lease = cfg->params[RAFT_LEASE].t;
    p->figure8 = figure8;
    p->props = xhuge_calloc(cfg->max_proposals + 1, sizeof(*p->props));
    logproto_clients_init(&p->clients, &p->port, cfg->max_proposals, p->n, p->majority,
                          cfg->vote_timeout, T_CLIENT);
    p->nodes = xcalloc(p->n, sizeof(*p->nodes));
    /* A log about as long as the proposals, when that is a mapped block (its pages touched
     * only as entries come) and the cluster's logs reserve at most 1 GiB of address space (so
     * at most 512 mappings): no doubling copies of a million-entry log. Other logs double
     * from empty. */
    size_t room = (size_t)cfg->max_proposals + 64, bytes = room * sizeof(struct entry);
    bool reserve =
        xhuge_is_mapping(room, sizeof(struct entry)) && (double)bytes * p->n <= (double)(1u << 30);
    for (uint32_t i = 0; i < p->n; i++) {
        struct rnode *r = &p->nodes[i];
        r->vote = r->leader = NONE;
        r->alive = true;
        r->granted = xcalloc(p->words, sizeof(*r->granted));
        if (reserve) {
            r->log = xhuge_calloc(room, sizeof(*r->log));
            r->cap = room;
        }
    }
    for (uint32_t i = 0; i < p->n; i++)
        reset_election(p, i);
    return p;
}

static void raft_destroy(struct consensus *p)
{
    if (!p)
        return;
    for (uint32_t i = 0; i < p->n; i++) {
        struct rnode *r = &p->nodes[i];
        xhuge_free(r->log, r->cap, sizeof(*r->log));
        free(r->granted);
        free(r->next);
        free(r->match);
        free(r->sent_prev);
        free(r->inflight);
        free(r->pipelined);
        free(r->active);
        free(r->acked);
    }
    free(p->nodes);
    xhuge_free(p->props, p->cfg.max_proposals + 1, sizeof(*p->props));
    logproto_clients_fini(&p->clients);
    free(p->won);
    free(p);
}

static void raft_crash(struct consensus *p, uint32_t node)
{
    assert(node < p->n);
    struct rnode *r = &p->nodes[node];
    if (!r->alive)
        return;
    if (r->role == CANDIDATE)
        election_event(p, node, CONSENSUS_ELECTION_CRASHED);
    if (r->role == LEADER)
        leaders_dec(p);
    r->alive = false;
    r->role = FOLLOWER;
    r->leader = NONE;
    r->timer = 0; /* the host forgets the node's timers */
    r->gen++;
    logproto_abort_node(&p->clients, node);
}

static void raft_recover(struct consensus *p, uint32_t node, bool amnesia)
{
    assert(node < p->n);
    struct rnode *r = &p->nodes[node];
    if (r->alive)
        return;
    if (amnesia) {
        r->term = 0;
        r->vote = NONE;
        r->len = 0;
    }
    r->alive = true;
    r->applied = p->port.applied(p->port.ctx, node);
    /* What the replica applied was committed; more than the log holds only when safety
     * already broke (amnesia elsewhere, the Figure 8 variant): it waits for the log. */
    r->commit = r->applied < r->len ? r->applied : r->len;
    reset_election(p, node);
    r->guard = r->deadline;
}

static int time_order(const void *a, const void *b)
{
    consensus_time x = *(const consensus_time *)a, y = *(const consensus_time *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank q-quantile of the won candidacies' durations, seconds (NAN: none won). */
static double won_quantile(const consensus_time *sorted, size_t n, double q)
{
    if (!n)
        return NAN;
    size_t rank = (size_t)ceil(q * (double)n);
    return (double)sorted[rank ? rank - 1 : 0] / 1e9;
}

static void raft_metrics(const struct consensus *p, double *out)
{
    consensus_time *sorted = xreallocarray(NULL, p->nwon ? p->nwon : 1, sizeof(*sorted));
    if (p->nwon)
        memcpy(sorted, p->won, p->nwon * sizeof(*sorted));
    qsort(sorted, p->nwon, sizeof(*sorted), time_order);
    out[RAFT_M_ELECTION_P50_S] = won_quantile(sorted, p->nwon, 0.5);
    out[RAFT_M_ELECTION_P99_S] = won_quantile(sorted, p->nwon, 0.99);
    free(sorted);
    out[RAFT_M_ELECTIONS] = (double)p->elections;
    out[RAFT_M_PRE_VOTES] = (double)p->pre_votes;
    out[RAFT_M_LEADER_CHANGES] = (double)p->leader_changes;
    out[RAFT_M_LEADERLESS_S] = logproto_leaderless_s(&p->leaderless, now_of(p));
    out[RAFT_M_MAX_TERM] = (double)p->max_term;
    out[RAFT_M_COMMITTED] = (double)p->max_commit;
    out[RAFT_M_LEASE_READS] = (double)p->lease_served;
    out[RAFT_M_COMMITS_PER_S] = logproto_commits_per_s(&p->clients, now_of(p));
    out[RAFT_M_MESSAGES_PER_COMMIT] = logproto_messages_per_commit(&p->clients, p->messages);
}

static uint64_t raft_log_length(const struct consensus *p, uint32_t node)
{
    assert(node < p->n);
    return p->nodes[node].len;
}

static void raft_log_entry(const struct consensus *p, uint32_t node, uint64_t index, uint64_t *term,
                           uint64_t *proposal)
{
    assert(node < p->n && index >= 1 && index <= p->nodes[node].len);
    *term = p->nodes[node].log[index].term;
    *proposal = p->nodes[node].log[index].proposal;
}

static uint64_t raft_commit_index(const struct consensus *p, uint32_t node)
{
    assert(node < p->n);
    return p->nodes[node].commit;
}

#define RAFT_OPS_BODY                                                                              \
    .flags =                                                                                       \
        CONSENSUS_LOG_ORDER | CONSENSUS_SELF_REPAIR | CONSENSUS_ELECTIONS | CONSENSUS_LEASE_READS, \
    .msg_kinds = raft_msg_kinds, .nmsg_kinds = sizeof(raft_msg_kinds) / sizeof(raft_msg_kinds[0]), \
    .params = raft_params, .timer_names = raft_timer_names,                                        \
    .ntimers = sizeof(raft_timer_names) / sizeof(raft_timer_names[0]),                             \
    .proposal_bytes = sizeof(struct rprop) + 1, /* + logproto's bit, rounded up */                 \
        .entry_bytes = sizeof(struct entry), .nparams = RAFT_PARAM_COUNT,                          \
    .metric_names = raft_metric_names, .nmetrics = RAFT_METRIC_COUNT, .destroy = raft_destroy,     \
    .submit = raft_submit, .deliver = raft_deliver, .timer = raft_timer, .crash = raft_crash,      \
    .recover = raft_recover, .metrics = raft_metrics, .log_length = raft_log_length,               \
    .log_entry = raft_log_entry, .commit_index = raft_commit_index

#ifndef ATLAS_RAFT_TEST_HOOKS
static struct consensus *raft_create(const struct consensus_config *cfg,
                                     const struct consensus_port *port)
{
    return create_variant(cfg, port, false);
}

const struct consensus_ops raft_ops = {.name = "raft", .create = raft_create, RAFT_OPS_BODY};
#else
static struct consensus *figure8_create(const struct consensus_config *cfg,
                                        const struct consensus_port *port)
{
    return create_variant(cfg, port, true);
}

const struct consensus_ops raft_figure8_ops = {
    .name = "raft-figure8", .create = figure8_create, RAFT_OPS_BODY};

static struct consensus *stale_reads_create(const struct consensus_config *cfg,
                                            const struct consensus_port *port)
{
    struct consensus *p = create_variant(cfg, port, false);
    p->stale_reads = true;
    return p;
}

const struct consensus_ops raft_stale_reads_ops = {
    .name = "raft-stale-reads", .create = stale_reads_create, RAFT_OPS_BODY};
#endif
