/* csv_trace: trace records -> CSV rows (see csv_trace.h). */
#include "sim/output/csv_trace.h"

#include <stdlib.h>

#include "core/xalloc.h"
#include "sim/output/csv.h"

struct csv_trace {
    struct run_ident id;
    struct csv outcomes, votes, events, messages, heartbeats, elections; /* .f NULL: none */
};

static const char *const outcome_cols[] = {
    "run",       "rep", "seed", "proposal", "proposer", "op",      "submitted_s",
    "decided_s", "yes", "no",   "missing",  "quorum",   "outcome", "args"};
static const char *const vote_cols[] = {"run",      "rep",   "seed", "time_s",
                                        "proposal", "voter", "vote", "arrived_s"};
static const char *const event_cols[] = {"run", "rep", "seed", "time_s", "node", "event", "detail"};
static const char *const message_cols[] = {"run",  "rep", "seed", "sent_s",   "delivered_s",
                                           "from", "to",  "kind", "proposal", "fate"};
static const char *const heartbeat_cols[] = {"run",         "rep",  "seed", "sent_s",
                                             "delivered_s", "from", "to",   "fate"};

static const char *const election_cols[] = {"run",     "rep",   "seed",  "term",   "candidate",
                                            "start_s", "end_s", "votes", "result", "downtime_s"};

#define COLS(a) (a), sizeof(a) / sizeof((a)[0])

static void lead(struct csv_trace *t, struct csv *c)
{
    csv_u64(c, t->id.run);
    csv_u64(c, t->id.rep);
    csv_u64(c, t->id.seed);
}

static void node_field(struct csv *c, uint32_t node)
{
    if (node == TRACE_NO_NODE)
        csv_na(c);
    else
        csv_u64(c, node);
}

static void on_outcome(void *ctx, const struct trace_outcome *r)
{
    struct csv_trace *t = ctx;
    struct csv *c = &t->outcomes;
    if (!c->f)
        return;
    lead(t, c);
    csv_proposal(c, r->proposal);
    csv_u64(c, r->proposer);
    csv_str(c, r->op);
    csv_time(c, r->submitted);
    csv_time(c, r->decided);
    csv_u64(c, r->yes);
    csv_u64(c, r->no);
    csv_u64(c, r->missing);
    csv_u64(c, r->quorum);
    csv_str(c, outcome_name(r->outcome));
    csv_str(c, r->args);
    csv_end(c);
}

static void on_vote(void *ctx, const struct trace_vote *r)
{
    struct csv_trace *t = ctx;
    struct csv *c = &t->votes;
    if (!c->f)
        return;
    lead(t, c);
    csv_time(c, r->time);
    csv_proposal(c, r->proposal);
    csv_u64(c, r->voter);
    csv_str(c, r->vote == VOTE_YES ? "yes" : "no");
    csv_time(c, r->arrived);
    csv_end(c);
}

static void on_event(void *ctx, const struct trace_event *r)
{
    struct csv_trace *t = ctx;
    struct csv *c = &t->events;
    if (!c->f)
        return;
    lead(t, c);
    csv_time(c, r->time);
    node_field(c, r->node);
    csv_str(c, r->event);
    csv_str(c, r->detail);
    csv_end(c);
}

/* The leading columns shared by messages.csv and heartbeats.csv. */
static void transfer(struct csv_trace *t, struct csv *c, sim_time sent, sim_time delivered,
                     uint32_t from, uint32_t to)
{
    lead(t, c);
    csv_time(c, sent);
    csv_time(c, delivered);
    csv_u64(c, from);
    csv_u64(c, to);
}

static void on_message(void *ctx, const struct trace_message *r)
{
    struct csv_trace *t = ctx;
    struct csv *c = &t->messages;
    if (!c->f)
        return;
    transfer(t, c, r->sent, r->delivered, r->from, r->to);
    csv_str(c, r->kind);
    if (r->proposal)
        csv_proposal(c, r->proposal);
    else
        csv_na(c);
    csv_str(c, r->fate);
    csv_end(c);
}

static void on_heartbeat(void *ctx, const struct trace_heartbeat *r)
{
    struct csv_trace *t = ctx;
    struct csv *c = &t->heartbeats;
    if (!c->f)
        return;
    transfer(t, c, r->sent, r->delivered, r->from, r->to);
    csv_str(c, r->fate);
    csv_end(c);
}

static void on_election(void *ctx, const struct trace_election *r)
{
    struct csv_trace *t = ctx;
    struct csv *c = &t->elections;
    if (!c->f)
        return;
    lead(t, c);
    csv_u64(c, r->term);
    csv_u64(c, r->candidate);
    csv_time(c, r->start);
    csv_time(c, r->end);
    csv_u64(c, r->votes);
    csv_str(c, r->result);
    csv_time(c, r->downtime);
    csv_end(c);
}

static const struct trace_sink_ops csv_trace_ops = {
    .outcome = on_outcome,
    .vote = on_vote,
    .event = on_event,
    .message = on_message,
    .heartbeat = on_heartbeat,
    .election = on_election,
};

static void open_csv(struct csv *c, FILE *f, const char *const *cols, size_t n)
{
    csv_init(c, f);
    if (f)
        csv_header(c, cols, n);
}

struct csv_trace *csv_trace_new(const struct run_ident *id, const struct csv_trace_files *files)
{
    struct csv_trace *t = xcalloc(1, sizeof(*t));
    t->id = *id;
    open_csv(&t->outcomes, files->outcomes, COLS(outcome_cols));
    open_csv(&t->votes, files->votes, COLS(vote_cols));
    open_csv(&t->events, files->events, COLS(event_cols));
    open_csv(&t->messages, files->messages, COLS(message_cols));
    open_csv(&t->heartbeats, files->heartbeats, COLS(heartbeat_cols));
    open_csv(&t->elections, files->elections, COLS(election_cols));
    return t;
}

void csv_trace_free(struct csv_trace *t)
{
    free(t);
}

struct trace csv_trace_sink(struct csv_trace *t)
{
    return (struct trace){
        .ops = &csv_trace_ops,
        .ctx = t,
        .want_messages = t->messages.f != NULL,
        .want_heartbeats = t->heartbeats.f != NULL,
    };
}
