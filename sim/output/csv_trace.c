/* csv_trace: trace records -> CSV rows, formatted by hand into a large buffer per file. */
#include "sim/output/csv_trace.h"

#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "sim/output/csv.h"

#define LEAD_MAX    48  /* "run,rep,seed,": 10 + 10 + 20 digits and 3 commas, copied whole */
#define ROW_NUMBERS 256 /* room for LEAD_MAX and any row's numeric and fixed fields */

struct rowfile {
    FILE *f;    /* borrowed; NULL: not written */
    char *buf;  /* rows not yet handed to f */
    size_t len; /* bytes used in buf */
    size_t cap; /* bytes allocated for buf */
};

struct csv_trace {
    struct rowfile outcomes, votes, events, messages, heartbeats, elections, history;
    char lead[LEAD_MAX]; /* the constant leading columns, formatted once */
    size_t nlead;        /* their length */
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

static const char *const history_cols[] = {"run",   "rep",   "seed",     "index",
                                           "op_id", "type",  "client",   "op",
                                           "key",   "value", "invoke_s", "complete_s"};

#define COLS(a) (a), sizeof(a) / sizeof((a)[0])

static void rowfile_flush(struct rowfile *rf)
{
    if (rf->len)
        fwrite(rf->buf, 1, rf->len, rf->f);
    rf->len = 0;
}

/*
 * Start a row in rf with room for its numbers and `text` bytes of string fields (their
 * CSVFMT_FIELD_MAX); the lead columns are written. Returns where the next field goes.
 */
static char *row_begin(const struct csv_trace *t, struct rowfile *rf, size_t text)
{
    size_t need = ROW_NUMBERS + text;
    if (rf->cap - rf->len < need) {
        rowfile_flush(rf);
        if (rf->cap < need) { /* a row longer than the buffer: grow it for good */
            rf->cap = need;
            rf->buf = xrealloc(rf->buf, need);
        }
    }
    char *p = rf->buf + rf->len;
    memcpy(p, t->lead, LEAD_MAX);
    return p + t->nlead;
}

static void row_end(struct rowfile *rf, char *p)
{
    p[-1] = '\n'; /* every field is followed by a comma: the last one ends the row */
    rf->len = (size_t)(p - rf->buf);
}

static size_t text_room(const char *s)
{
    return CSVFMT_FIELD_MAX(s ? strlen(s) : 0);
}

/* Field writers: each writes its field and the comma after it. */
static char *put_u64(char *p, uint64_t v)
{
    p = csvfmt_u64(p, v);
    *p = ',';
    return p + 1;
}

static char *put_time(char *p, sim_time t)
{
    p = csv_put_time(p, t);
    *p = ',';
    return p + 1;
}

static char *put_proposal(char *p, uint64_t v)
{
    p = csv_put_proposal(p, v);
    *p = ',';
    return p + 1;
}

/* A string field of known length (s not NULL). */
static char *put_strn(char *p, const char *s, size_t len)
{
    p = csv_put_str(p, s, len);
    *p = ',';
    return p + 1;
}

static char *put_str(char *p, const char *s)
{
    return s ? put_strn(p, s, strlen(s)) : put_strn(p, "", 0);
}

/* An identifier field (an op, outcome or event name: letters, digits and '_', which never
 * need quotes; trace.h), of known length. */
static char *put_ident(char *p, const char *s, size_t len)
{
    memcpy(p, s, len);
    p[len] = ',';
    return p + len + 1;
}

static char *put_node(char *p, uint32_t node)
{
    if (node != TRACE_NO_NODE)
        return put_u64(p, node);
    memcpy(p, "NA,", 3);
    return p + 3;
}

static void on_outcome(void *ctx, const struct trace_outcome *r)
{
    struct csv_trace *t = ctx;
    struct rowfile *rf = &t->outcomes;
    if (!rf->f)
        return;
    const char *outcome = outcome_name(r->outcome), *op = r->op ? r->op : "";
    const char *args = r->args ? r->args : "";
    size_t nop = strlen(op), nargs = strlen(args), noutcome = strlen(outcome);
    char *p = row_begin(t, rf, nop + CSVFMT_FIELD_MAX(nargs) + noutcome);
    p = put_proposal(p, r->proposal);
    p = put_u64(p, r->proposer);
    p = put_ident(p, op, nop);
    p = put_time(p, r->submitted);
    p = put_time(p, r->decided);
    p = put_u64(p, r->yes);
    p = put_u64(p, r->no);
    p = put_u64(p, r->missing);
    p = put_u64(p, r->quorum);
    p = put_ident(p, outcome, noutcome);
    p = put_strn(p, args, nargs);
    row_end(rf, p);
}

static void on_vote(void *ctx, const struct trace_vote *r)
{
    struct csv_trace *t = ctx;
    struct rowfile *rf = &t->votes;
    if (!rf->f)
        return;
    char *p = row_begin(t, rf, 0);
    p = put_time(p, r->time);
    p = put_proposal(p, r->proposal);
    p = put_u64(p, r->voter);
    if (r->vote == VOTE_YES) {
        memcpy(p, "yes,", 4);
        p += 4;
    } else {
        memcpy(p, "no,", 3);
        p += 3;
    }
    p = put_time(p, r->arrived);
    row_end(rf, p);
}

static void on_event(void *ctx, const struct trace_event *r)
{
    struct csv_trace *t = ctx;
    struct rowfile *rf = &t->events;
    if (!rf->f)
        return;
    const char *event = r->event ? r->event : "", *detail = r->detail ? r->detail : "";
    size_t nevent = strlen(event), ndetail = strlen(detail);
    char *p = row_begin(t, rf, nevent + CSVFMT_FIELD_MAX(ndetail));
    p = put_time(p, r->time);
    p = put_node(p, r->node);
    p = put_ident(p, event, nevent);
    p = put_strn(p, detail, ndetail);
    row_end(rf, p);
}

/* The leading columns shared by messages.csv and heartbeats.csv. */
static char *transfer(char *p, sim_time sent, sim_time delivered, uint32_t from, uint32_t to)
{
    p = put_time(p, sent);
    p = put_time(p, delivered);
    p = put_u64(p, from);
    return put_u64(p, to);
}

static void on_message(void *ctx, const struct trace_message *r)
{
    struct csv_trace *t = ctx;
    struct rowfile *rf = &t->messages;
    if (!rf->f)
        return;
    char *p = row_begin(t, rf, text_room(r->kind) + text_room(r->fate));
    p = transfer(p, r->sent, r->delivered, r->from, r->to);
    p = put_str(p, r->kind);
    if (r->proposal) {
        p = put_proposal(p, r->proposal);
    } else {
        memcpy(p, "NA,", 3);
        p += 3;
    }
    p = put_str(p, r->fate);
    row_end(rf, p);
}

static void on_heartbeat(void *ctx, const struct trace_heartbeat *r)
{
    struct csv_trace *t = ctx;
    struct rowfile *rf = &t->heartbeats;
    if (!rf->f)
        return;
    char *p = row_begin(t, rf, text_room(r->fate));
    p = transfer(p, r->sent, r->delivered, r->from, r->to);
    p = put_str(p, r->fate);
    row_end(rf, p);
}

static void on_election(void *ctx, const struct trace_election *r)
{
    struct csv_trace *t = ctx;
    struct rowfile *rf = &t->elections;
    if (!rf->f)
        return;
    char *p = row_begin(t, rf, text_room(r->result));
    p = put_u64(p, r->term);
    p = put_u64(p, r->candidate);
    p = put_time(p, r->start);
    p = put_time(p, r->end);
    p = put_u64(p, r->votes);
    p = put_str(p, r->result);
    p = put_time(p, r->downtime);
    row_end(rf, p);
}

static char *put_i64(char *p, int64_t v)
{
    if (v < 0)
        *p++ = '-';
    return put_u64(p, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v);
}

/* A set read's value: "[e1 e2 ...]", ascending. */
static char *put_members(char *p, uint64_t members)
{
    *p++ = '[';
    for (unsigned e = 0; e < 64; e++)
        if (members >> e & 1u) {
            p = csvfmt_u64(p, e);
            *p++ = ' ';
        }
    p -= members ? 1 : 0;
    *p++ = ']';
    *p = ',';
    return p + 1;
}

static void on_history(void *ctx, const struct trace_history *r)
{
    struct csv_trace *t = ctx;
    struct rowfile *rf = &t->history;
    if (!rf->f)
        return;
    char *p = row_begin(t, rf, 64 * 3 + 2);
    p = put_u64(p, r->index);
    p = put_u64(p, r->op_id);
    p = put_str(p, r->type);
    p = put_u64(p, r->client);
    p = put_str(p, r->op);
    p = put_i64(p, r->key);
    if (r->value_kind == HISTORY_INT)
        p = put_i64(p, r->value);
    else if (r->value_kind == HISTORY_SET)
        p = put_members(p, r->members);
    else
        p = put_str(p, "NA");
    p = put_time(p, r->invoke);
    p = put_time(p, r->complete);
    row_end(rf, p);
}

static const struct trace_sink_ops csv_trace_ops = {
    .history = on_history,
    .outcome = on_outcome,
    .vote = on_vote,
    .event = on_event,
    .message = on_message,
    .heartbeat = on_heartbeat,
    .election = on_election,
};

static void rowfile_open(struct rowfile *rf, FILE *f, const char *const *cols, size_t n)
{
    rf->f = f;
    if (!f)
        return;
    struct csv c;
    csv_init(&c, f);
    csv_header(&c, cols, n);
    rf->cap = CSV_TRACE_BUFFER;
    rf->buf = xmalloc(rf->cap);
}

struct csv_trace *csv_trace_new(const struct run_ident *id, const struct csv_trace_files *files)
{
    struct csv_trace *t = xcalloc(1, sizeof(*t));
    char *p = put_u64(t->lead, id->run);
    p = put_u64(p, id->rep);
    p = put_u64(p, id->seed);
    t->nlead = (size_t)(p - t->lead);
    rowfile_open(&t->outcomes, files->outcomes, COLS(outcome_cols));
    rowfile_open(&t->votes, files->votes, COLS(vote_cols));
    rowfile_open(&t->events, files->events, COLS(event_cols));
    rowfile_open(&t->messages, files->messages, COLS(message_cols));
    rowfile_open(&t->heartbeats, files->heartbeats, COLS(heartbeat_cols));
    rowfile_open(&t->elections, files->elections, COLS(election_cols));
    rowfile_open(&t->history, files->history, COLS(history_cols));
    return t;
}

void csv_trace_flush(struct csv_trace *t)
{
    struct rowfile *all[] = {&t->outcomes,   &t->votes,     &t->events, &t->messages,
                             &t->heartbeats, &t->elections, &t->history};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        if (all[i]->f)
            rowfile_flush(all[i]);
}

void csv_trace_free(struct csv_trace *t)
{
    if (!t)
        return;
    free(t->outcomes.buf);
    free(t->votes.buf);
    free(t->events.buf);
    free(t->messages.buf);
    free(t->heartbeats.buf);
    free(t->elections.buf);
    free(t->history.buf);
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
