/*
 * consensus: the quorum-vote protocol against a fake port (no simulator): a tiny scheduler
 * with constant latency, scripted replica validity, a drop list and scripted trust.
 */
#include <criterion/criterion.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/consensus.h"
#include "core/quorum_vote/quorum_vote.h"

#define MAXN 16
#define MAXP 4096
#define MAXQ 65536

struct item {
    consensus_time time;
    uint64_t seq;
    bool timer, cancelled;
    struct consensus_msg msg; /* !timer */
    uint32_t node;            /* timer */
    uint32_t key;             /* timer */
    uint64_t proposal;        /* timer */
};

struct fake {
    struct consensus *proto;
    const struct consensus_ops *ops;
    consensus_time now, latency;
    uint64_t seq;
    struct item *q;
    size_t nq;
    uint32_t n;
    bool invalid_at[MAXN]; /* node sees every proposal as invalid */
    bool drop_from[MAXN];  /* messages from this node are lost */
    uint32_t trusted;      /* what port.trusted returns */
    gsl_rng *rng;
    uint32_t sent[CONSENSUS_MSG_KINDS_MAX]; /* by the protocol's kind */
    uint32_t applied[MAXN][64];             /* applications per node per proposal (< 64) */
    uint32_t votes_cast[MAXN];
    uint64_t records[8]; /* by enum consensus_record_kind */
    struct consensus_record decided[MAXP + 1];
    bool has_decision[MAXP + 1];
};

static struct fake F;
static uint32_t unwanted_records; /* the next fake_setup's port.unwanted_records */

static consensus_time f_now(void *ctx)
{
    return ((struct fake *)ctx)->now;
}

/* Every node is honest. */
static enum consensus_byzantine f_byzantine(void *ctx, uint32_t node)
{
    (void)ctx, (void)node;
    return CONSENSUS_HONEST;
}

/* Every node reads true time (the fake has no clocks). */
static consensus_time f_clock(void *ctx, uint32_t node)
{
    (void)node;
    return f_now(ctx);
}

/* Messages sent of the kind named `name` (quorum-vote's "vote" is two kinds, yes and no). */
static uint32_t sent_named(const char *name)
{
    uint32_t n = 0;
    for (uint32_t k = 0; k < F.ops->nmsg_kinds; k++)
        n += strcmp(F.ops->msg_kinds[k].name, name) == 0 ? F.sent[k] : 0;
    return n;
}

static uint32_t kind_named(const char *name)
{
    for (uint32_t k = 0; k < F.ops->nmsg_kinds; k++)
        if (strcmp(F.ops->msg_kinds[k].name, name) == 0)
            return k;
    cr_assert_fail("no message kind %s", name);
    return 0;
}

static void f_send(void *ctx, const struct consensus_msg *m)
{
    struct fake *f = ctx;
    cr_assert_lt(m->kind, f->ops->nmsg_kinds);
    f->sent[m->kind]++;
    if (f->drop_from[m->from])
        return;
    cr_assert(f->nq < MAXQ);
    struct consensus_msg copy = *m;
    copy.sent = f->now; /* the host's part */
    f->q[f->nq++] = (struct item){.time = f->now + f->latency, .seq = f->seq++, .msg = copy};
}

static void f_broadcast(void *ctx, const struct consensus_msg *m)
{
    struct fake *f = ctx;
    for (uint32_t to = 0; to < f->n; to++) {
        if (to == m->from)
            continue;
        struct consensus_msg c = *m;
        c.to = to;
        f_send(ctx, &c);
    }
}

static uint64_t f_set_timer(void *ctx, uint32_t node, consensus_time delay, uint32_t key,
                            uint64_t proposal)
{
    struct fake *f = ctx;
    cr_assert(f->nq < MAXQ);
    cr_assert_lt(key, f->ops->ntimers);
    f->q[f->nq] = (struct item){.time = f->now + delay,
                                .seq = f->seq++,
                                .timer = true,
                                .node = node,
                                .key = key,
                                .proposal = proposal};
    return ++f->nq; /* handle = index + 1 */
}

static void f_cancel(void *ctx, uint64_t h)
{
    struct fake *f = ctx;
    cr_assert(h >= 1 && h <= f->nq && f->q[h - 1].timer);
    f->q[h - 1].cancelled = true;
}

static bool f_validate(void *ctx, uint32_t node, uint64_t proposal)
{
    (void)proposal;
    return !((struct fake *)ctx)->invalid_at[node];
}

static bool f_apply(void *ctx, uint32_t node, uint64_t index, uint64_t proposal)
{
    struct fake *f = ctx;
    (void)index; /* quorum-vote has no log: the host ignores the index */
    f->applied[node][proposal % 64]++;
    return true;
}

static uint64_t f_applied(void *ctx, uint32_t node)
{
    (void)ctx, (void)node;
    return 0;
}

static bool f_suspects(void *ctx, uint32_t node, uint32_t peer)
{
    (void)ctx, (void)node, (void)peer;
    return false;
}

static consensus_time f_draw(void *ctx, uint32_t node, uint32_t dist)
{
    (void)ctx, (void)node, (void)dist;
    cr_assert_fail("quorum-vote has no distribution parameter to draw");
    return 0;
}

static void f_event(void *ctx, const struct consensus_event *e)
{
    (void)ctx, (void)e;
}

static void f_leader(void *ctx, uint32_t node, uint64_t term)
{
    (void)ctx, (void)node, (void)term;
    cr_assert_fail("quorum-vote has no leader");
}

static uint32_t f_trusted(void *ctx, uint32_t node)
{
    (void)node;
    return ((struct fake *)ctx)->trusted;
}

static double f_uniform(void *ctx, uint32_t node)
{
    (void)node;
    return gsl_rng_uniform(((struct fake *)ctx)->rng);
}

static void f_record(void *ctx, const struct consensus_record *r)
{
    struct fake *f = ctx;
    f->records[r->kind]++;
    if (r->kind == CONSENSUS_REC_VOTED)
        f->votes_cast[r->node]++;
    if (r->kind == CONSENSUS_REC_DECIDED) {
        cr_assert(!f->has_decision[r->proposal], "proposal %lu decided twice",
                  (unsigned long)r->proposal);
        f->has_decision[r->proposal] = true;
        f->decided[r->proposal] = *r;
    }
}

static void fake_setup(uint32_t n, uint32_t quorum, double approval, consensus_time latency,
                       consensus_time timeout)
{
    memset(&F, 0, sizeof(F));
    F.n = n;
    F.trusted = n;
    F.latency = latency;
    F.q = calloc(MAXQ, sizeof(*F.q));
    F.rng = gsl_rng_alloc(gsl_rng_taus2);
    gsl_rng_set(F.rng, 12345 + n * 100 + quorum);
    static const struct consensus_port port = {
        .ctx = &F,
        .now = f_now,
        .clock = f_clock,
        .byzantine = f_byzantine,
        .send = f_send,
        .broadcast = f_broadcast,
        .set_timer = f_set_timer,
        .cancel_timer = f_cancel,
        .validate = f_validate,
        .apply = f_apply,
        .applied = f_applied,
        .trusted = f_trusted,
        .suspects = f_suspects,
        .uniform = f_uniform,
        .draw = f_draw,
        .record = f_record,
        .event = f_event,
        .leader = f_leader,
    };
    struct consensus_config cfg = {.nodes = n,
                                   .quorum = quorum,
                                   .vote_timeout = timeout,
                                   .approval = approval,
                                   .max_proposals = MAXP};
    F.ops = consensus_find("quorum-vote");
    cr_assert_not_null(F.ops);
    struct consensus_port mine = port;
    mine.unwanted_records = unwanted_records;
    F.proto = F.ops->create(&cfg, &mine);
}

static void fake_teardown(void)
{
    F.ops->destroy(F.proto);
    gsl_rng_free(F.rng);
    free(F.q);
}

/* Fire the earliest pending item (time, seq); false if none. */
static bool fake_step(void)
{
    size_t best = SIZE_MAX;
    for (size_t i = 0; i < F.nq; i++) {
        if (F.q[i].cancelled || F.q[i].time == CONSENSUS_NEVER)
            continue;
        if (best == SIZE_MAX || F.q[i].time < F.q[best].time ||
            (F.q[i].time == F.q[best].time && F.q[i].seq < F.q[best].seq))
            best = i;
    }
    if (best == SIZE_MAX)
        return false;
    struct item it = F.q[best];
    F.q[best].time = CONSENSUS_NEVER; /* fired; keep the slot so timer handles stay valid */
    F.now = it.time;
    if (it.timer)
        F.ops->timer(F.proto, it.node, it.key, it.proposal);
    else
        F.ops->deliver(F.proto, &it.msg);
    return true;
}

static void fake_drain(void)
{
    while (fake_step())
        ;
    F.nq = 0;
}

static enum consensus_outcome outcome_of(uint64_t id)
{
    cr_assert(F.has_decision[id], "proposal %lu undecided", (unsigned long)id);
    return F.decided[id].outcome;
}

static void check_binomial(uint32_t n, double p, uint32_t q, uint32_t proposals)
{
    fake_setup(n, q, p, 1000, 1000000);
    uint32_t approved = 0;
    for (uint64_t id = 1; id <= proposals; id++) {
        F.ops->submit(F.proto, id % n, id);
        fake_drain();
        approved += outcome_of(id) == CONSENSUS_APPROVED;
    }
    fake_teardown();
    double expect = gsl_cdf_binomial_Q(q - 1, p, n); /* P[Bin(n,p) >= q] */
    double se = sqrt(expect * (1 - expect) / proposals);
    double rate = (double)approved / proposals;
    cr_expect(fabs(rate - expect) <= 5 * se,
              "n=%u p=%g q=%u: approval rate %g, P[Bin(n,p)>=q] = %g, 5 SE = %g", n, p, q, rate,
              expect, 5 * se);
}

Test(consensus, approval_rate_matches_the_binomial_tail)
{
    check_binomial(5, 0.9, 3, 4000);
    check_binomial(5, 0.5, 3, 4000);
    check_binomial(7, 0.6, 5, 4000);
    check_binomial(4, 0.7, 4, 4000);
    check_binomial(9, 0.3, 2, 4000);
}

Test(consensus, every_decision_takes_two_latencies_when_the_own_vote_is_not_enough)
{
    const consensus_time d = 7000;
    fake_setup(5, 3, 0.5, d, 1000000);
    for (uint64_t id = 1; id <= 200; id++) {
        F.now += 1000000;
        consensus_time t0 = F.now;
        F.ops->submit(F.proto, 1, id);
        fake_drain();
        cr_assert_eq(outcome_of(id) == CONSENSUS_APPROVED || outcome_of(id) == CONSENSUS_REJECTED,
                     true);
        cr_assert_eq(F.decided[id].time - t0, 2 * d, "proposal %lu took %lu ns", (unsigned long)id,
                     (unsigned long)(F.decided[id].time - t0));
    }
    fake_teardown();
}

Test(consensus, quorum_of_one_is_decided_by_the_own_vote_at_once)
{
    fake_setup(3, 1, 1.0, 500, 1000000);
    F.ops->submit(F.proto, 2, 1);
    cr_assert_eq(outcome_of(1), CONSENSUS_APPROVED);
    cr_assert_eq(F.decided[1].time, 0);
    fake_drain();
    for (uint32_t i = 0; i < 3; i++)
        cr_assert_eq(F.applied[i][1], 1, "node %u applied %u times", i, F.applied[i][1]);
    fake_teardown();
}

Test(consensus, an_invalid_proposal_sends_nothing)
{
    fake_setup(5, 3, 1.0, 500, 1000000);
    F.invalid_at[0] = true;
    F.ops->submit(F.proto, 0, 1);
    cr_assert_eq(outcome_of(1), CONSENSUS_INVALID);
    cr_assert_eq(sent_named("proposal") + sent_named("vote"), 0);
    cr_assert_eq(F.nq, 0);
    fake_teardown();
}

Test(consensus, too_few_trusted_peers_give_no_quorum)
{
    fake_setup(5, 3, 1.0, 500, 1000000);
    F.trusted = 2;
    F.ops->submit(F.proto, 0, 1);
    cr_assert_eq(outcome_of(1), CONSENSUS_NO_QUORUM);
    cr_assert_eq(F.nq, 0);
    F.trusted = 3;
    F.ops->submit(F.proto, 0, 2);
    fake_drain();
    cr_assert_eq(outcome_of(2), CONSENSUS_APPROVED);
    fake_teardown();
}

Test(consensus, voters_that_see_an_invalid_proposal_vote_no_and_reject_it)
{
    fake_setup(5, 3, 1.0, 500, 1000000);
    F.invalid_at[1] = F.invalid_at[2] = F.invalid_at[3] = true;
    F.ops->submit(F.proto, 0, 1);
    fake_drain();
    cr_assert_eq(outcome_of(1), CONSENSUS_REJECTED);
    cr_assert_eq(F.decided[1].no_votes, 3); /* NO > n - q = 2 */
    fake_teardown();
}

Test(consensus, missing_votes_are_missing_never_no_and_time_out)
{
    fake_setup(5, 4, 1.0, 500, 1000000);
    F.drop_from[3] = F.drop_from[4] = true;
    F.ops->submit(F.proto, 0, 1);
    fake_drain();
    cr_assert_eq(outcome_of(1), CONSENSUS_TIMEOUT);
    cr_assert_eq(F.decided[1].yes_votes, 3);
    cr_assert_eq(F.decided[1].no_votes, 0);
    cr_assert_eq(F.decided[1].missing, 2);
    cr_assert_eq(F.decided[1].time, 1000000);
    fake_teardown();
}

Test(consensus, missing_votes_do_not_prevent_approval_when_enough_yes_arrive)
{
    fake_setup(5, 3, 1.0, 500, 1000000);
    F.drop_from[3] = F.drop_from[4] = true;
    F.ops->submit(F.proto, 0, 1);
    fake_drain();
    cr_assert_eq(outcome_of(1), CONSENSUS_APPROVED);
    cr_assert_eq(F.decided[1].time, 1000);
    fake_teardown();
}

Test(consensus, a_proposer_crash_before_the_decision_aborts)
{
    fake_setup(5, 3, 1.0, 500, 1000000);
    F.ops->submit(F.proto, 2, 1);
    F.ops->submit(F.proto, 3, 2);
    F.ops->crash(F.proto, 2);
    cr_assert_eq(outcome_of(1), CONSENSUS_ABORTED);
    cr_assert_eq(F.decided[1].missing, 4);
    cr_assert_not(F.has_decision[2]);
    fake_drain();
    cr_assert_eq(outcome_of(2), CONSENSUS_APPROVED);
    fake_teardown();
}

Test(consensus, a_duplicated_proposal_yields_one_vote)
{
    fake_setup(3, 3, 1.0, 500, 1000000);
    F.ops->submit(F.proto, 0, 1);
    struct consensus_msg dup = {
        .kind = kind_named("proposal"), .from = 0, .to = 1, .proposal = 1, .sent = 0};
    F.q[F.nq++] = (struct item){.time = 700, .seq = F.seq++, .msg = dup};
    fake_drain();
    cr_assert_eq(F.votes_cast[1], 1);
    cr_assert_eq(F.decided[1].yes_votes, 3);
    fake_teardown();
}

Test(consensus, approved_proposals_are_committed_to_every_node)
{
    fake_setup(4, 3, 1.0, 500, 1000000);
    F.ops->submit(F.proto, 1, 5);
    fake_drain();
    cr_assert_eq(outcome_of(5), CONSENSUS_APPROVED);
    for (uint32_t i = 0; i < 4; i++)
        cr_assert_eq(F.applied[i][5], 1);
    cr_assert_eq(sent_named("commit"), 3);
    fake_teardown();
}

/* 200 proposals on 7 nodes with losses: the outcomes (and their vote counts) in order. */
static uint64_t decisions_with(uint32_t unwanted, uint64_t records[8])
{
    unwanted_records = unwanted;
    fake_setup(7, 4, 0.7, 1000, 5000);
    F.drop_from[6] = true; /* its votes are lost: VOTE_IN records of lost votes too */
    uint64_t h = 0xcbf29ce484222325ull;
    for (uint64_t id = 1; id <= 200; id++) {
        F.ops->submit(F.proto, id % 7, id);
        fake_drain();
        const uint64_t v[] = {outcome_of(id), F.decided[id].yes_votes, F.decided[id].no_votes};
        for (size_t i = 0; i < 3; i++)
            h = (h ^ v[i]) * 0x100000001b3ull;
    }
    memcpy(records, F.records, sizeof(F.records));
    fake_teardown();
    unwanted_records = 0;
    return h;
}

Test(consensus, records_the_host_does_not_read_are_not_built_and_nothing_else_changes)
{
    uint64_t all[8], some[8];
    uint64_t want_all = decisions_with(0, all);
    uint64_t skip = decisions_with(1u << CONSENSUS_REC_VOTED | 1u << CONSENSUS_REC_VOTE_IN, some);
    cr_assert_eq(want_all, skip, "decisions changed with the records skipped");
    cr_assert_gt(all[CONSENSUS_REC_VOTED], 0);
    cr_assert_gt(all[CONSENSUS_REC_VOTE_IN], 0);
    cr_assert_eq(some[CONSENSUS_REC_VOTED], 0);
    cr_assert_eq(some[CONSENSUS_REC_VOTE_IN], 0);
    cr_assert_eq(some[CONSENSUS_REC_DECIDED], 200);
    cr_assert_eq(some[CONSENSUS_REC_PROPOSED], all[CONSENSUS_REC_PROPOSED]);
}

Test(consensus, outcome_names_follow_the_csv_contract)
{
    cr_assert_str_eq(consensus_outcome_name(CONSENSUS_NO_QUORUM), "no_quorum");
    cr_assert_str_eq(consensus_outcome_name(CONSENSUS_ABORTED), "aborted");
    cr_assert_null(consensus_find("no-such-protocol"));
    cr_assert_eq(consensus_find("quorum-vote"), consensus_protocols[0], "the default is first");
}
