/*
 * validation: the whole simulator against closed-form results (issue 7; analysis/VALIDATION.md
 * documents every check, its formula, its tolerance and the figures it printed).
 *
 *   1. approval rate without faults vs P[Bin(n, p) >= q];
 *   2. decision latency with exponential one-way latency vs the (q-1)-th smallest of n-1
 *      round trips, each the sum of two exponentials (mean and CDF; GSL integration);
 *   3. availability with exponential MTTF and MTTR vs MTTF / (MTTF + MTTR);
 *   4. false suspicions with independent heartbeat loss l vs the rate of runs of k losses,
 *      (1 - l) l^k per interval and monitored link;
 *   5. Raft's time without a leader after the leader crashes (scenarios/raft-figure16.yaml,
 *      the Raft paper's Figure 16) vs the first of four uniform election timeouts plus three
 *      latencies minus the crash's phase, where no split vote can have happened yet.
 *
 * Each check runs the scenario tests/data/validation/<check>.yaml in process (the YAML front
 * end, the cluster and the trace records users get), with a few keys set per case, over
 * replications seeded sweep_seed(VALIDATION_SEED, r). Every comparison is
 * |estimate - expected| <= Z * SE, where SE is the estimator's standard error from the
 * closed-form variance and the sample size; Z = 4.5 gives a two-sided false-alarm rate of
 * 6.8e-6 per comparison (normal approximation). The seed and Z were fixed before any result
 * was seen: never change them, or a sample size, to make a check pass. Each comparison
 * prints one "validation:" line on stderr (VALIDATION.md quotes them).
 */
#include <criterion/criterion.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_integration.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "sim/cluster/cluster.h"
#include "sim/scenario/scenario_yaml.h"
#include "sim/scenario/sweep.h"

#define Z               4.5                /* standard errors: 2 (1 - Phi(4.5)) = 6.8e-6 */
#define VALIDATION_SEED UINT64_C(20261125) /* fixed before any result was seen */

/* --- a trace sink that keeps what the checks measure ---------------------------------- */

enum ev_kind { EV_CRASH, EV_RECOVER, EV_SUSPECT };

struct tmsg {
    uint32_t from, to;
    sim_time sent, delivered;
};

struct tevent {
    sim_time time;
    uint32_t node;
    enum ev_kind kind;
};

struct recorder {
    uint64_t outcomes[OUTCOME_COUNT]; /* proposals by outcome */
    sim_time *decision;               /* decided - submitted of every approved proposal */
    size_t ndecision, decision_cap;
    struct tevent *ev; /* crash, recover and suspect events in trace order */
    size_t nev, ev_cap;
    struct tmsg *msg; /* delivered protocol messages, in delivery order */
    size_t nmsg, msg_cap;
    sim_time *downtime; /* elections.csv's downtime_s of every won election after a crash */
    size_t ndowntime, downtime_cap;
};

static void rec_outcome(void *ctx, const struct trace_outcome *r)
{
    struct recorder *rec = ctx;
    rec->outcomes[r->outcome]++;
    if (r->outcome != OUTCOME_APPROVED)
        return;
    XGROW(rec->decision, rec->decision_cap, rec->ndecision + 1);
    rec->decision[rec->ndecision++] = r->decided - r->submitted;
}

static void rec_event(void *ctx, const struct trace_event *r)
{
    static const char *const names[] = {
        [EV_CRASH] = "crash", [EV_RECOVER] = "recover", [EV_SUSPECT] = "suspect"};
    struct recorder *rec = ctx;
    for (int k = EV_CRASH; k <= EV_SUSPECT; k++) {
        if (strcmp(r->event, names[k]) != 0)
            continue;
        XGROW(rec->ev, rec->ev_cap, rec->nev + 1);
        rec->ev[rec->nev++] = (struct tevent){.time = r->time, .node = r->node, .kind = k};
    }
}

static void rec_message(void *ctx, const struct trace_message *r)
{
    struct recorder *rec = ctx;
    if (r->delivered == SIM_TIME_MAX)
        return; /* lost or cut */
    XGROW(rec->msg, rec->msg_cap, rec->nmsg + 1);
    rec->msg[rec->nmsg++] =
        (struct tmsg){.from = r->from, .to = r->to, .sent = r->sent, .delivered = r->delivered};
}

static void rec_election(void *ctx, const struct trace_election *r)
{
    struct recorder *rec = ctx;
    if (r->downtime == SIM_TIME_MAX)
        return;
    XGROW(rec->downtime, rec->downtime_cap, rec->ndowntime + 1);
    rec->downtime[rec->ndowntime++] = r->downtime;
}

static const struct trace_sink_ops recorder_ops = {
    .outcome = rec_outcome, .event = rec_event, .message = rec_message, .election = rec_election};

static void recorder_clear(struct recorder *rec)
{
    memset(rec->outcomes, 0, sizeof(rec->outcomes));
    rec->ndecision = rec->nev = rec->nmsg = rec->ndowntime = 0;
}

static void recorder_fini(struct recorder *rec)
{
    free(rec->decision);
    free(rec->ev);
    free(rec->msg);
    free(rec->downtime);
}

/* --- running a case ---------------------------------------------------------------------- */

#define MAX_SETS 6

struct settings { /* KEY=VALUE overrides, as --set takes them */
    int n;
    char text[MAX_SETS][96];
    char *ptr[MAX_SETS];
};

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void
set(struct settings *s, const char *fmt, ...);

static void set(struct settings *s, const char *fmt, ...)
{
    cr_assert_lt(s->n, MAX_SETS);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->text[s->n], sizeof(s->text[0]), fmt, ap);
    va_end(ap);
    s->ptr[s->n] = s->text[s->n];
    s->n++;
}

/* What a check takes from one replication. */
typedef void per_run_fn(void *acc, const struct scenario *sc, const struct recorder *rec,
                        const struct run_metrics *m);

/*
 * Run tests/data/validation/<file> (a file with a '/': that path in the source tree) with the
 * settings, once per replication r < reps with
 * the seed sweep_seed(VALIDATION_SEED, r), and hand each run's records to fn.
 */
static void replicate(const char *file, const struct settings *s, uint32_t reps, per_run_fn *fn,
                      void *acc)
{
    char path[512], seed[32];
    snprintf(path, sizeof(path), strchr(file, '/') ? "%s/%s" : "%s/tests/data/validation/%s",
             ATLAS_SOURCE_DIR, file);
    struct recorder rec = {0};
    for (uint32_t rep = 0; rep < reps; rep++) {
        snprintf(seed, sizeof(seed), "%llu", (unsigned long long)sweep_seed(VALIDATION_SEED, rep));
        struct scenario sc;
        struct diag d;
        diag_init(&d);
        bool ok = scenario_load_seeded(path, seed, s->n, s->ptr, &sc, &d);
        if (!ok)
            diag_print(&d, stderr);
        diag_fini(&d);
        cr_assert(ok, "%s does not load with the test's settings", path);
        recorder_clear(&rec);
        struct trace tr = {.ops = &recorder_ops, .ctx = &rec, .want_messages = true};
        struct cluster *c = cluster_new(&sc, &tr);
        cluster_run(c);
        struct run_metrics m;
        cluster_metrics(c, &m);
        cr_assert(cluster_check(c), "%s: the checker found a broken invariant", path);
        cluster_free(c);
        fn(acc, &sc, &rec, &m);
        scenario_fini(&sc);
    }
    recorder_fini(&rec);
}

/* |measured - expected| <= Z * se, with one line on stderr for VALIDATION.md. */
static void compare(const char *what, double measured, double expected, double se, double n)
{
    double tol = Z * se;
    fprintf(stderr,
            "validation: %-44s measured %-12.7g expected %-12.7g SE %-10.4g tol %-10.4g "
            "(%.3g%% of expected) N %.0f z %+.2f\n",
            what, measured, expected, se, tol, 100 * tol / fabs(expected), n,
            (measured - expected) / se);
    cr_expect(fabs(measured - expected) <= tol,
              "%s: measured %.9g, expected %.9g: off by %.3g > %g SE", what, measured, expected,
              fabs(measured - expected) / se, Z);
}

/* --- 1. approval rate vs the binomial tail -------------------------------------------- */

struct approval_acc {
    uint64_t approved, proposals;
};

static void approval_run(void *acc, const struct scenario *sc, const struct recorder *rec,
                         const struct run_metrics *m)
{
    struct approval_acc *a = acc;
    cr_assert_eq(m->proposals, sc->workload.generate.count);
    cr_assert_eq(rec->outcomes[OUTCOME_APPROVED] + rec->outcomes[OUTCOME_REJECTED], m->proposals,
                 "every proposal is decided by its votes");
    a->approved += rec->outcomes[OUTCOME_APPROVED];
    a->proposals += m->proposals;
}

#define APPROVAL_REPS 50 /* of 1,000 proposals (approval.yaml) */

static void check_approval(uint32_t n, double p, uint32_t q)
{
    struct settings s = {0};
    set(&s, "cluster.nodes=%u", n);
    set(&s, "cluster.quorum=%u", q);
    set(&s, "consensus.approval=%.17g", p);
    struct approval_acc a = {0};
    replicate("approval.yaml", &s, APPROVAL_REPS, approval_run, &a);
    double total = (double)a.proposals;
    double expect = gsl_cdf_binomial_Q(q - 1, p, n); /* P[Bin(n, p) > q - 1] */
    char what[64];
    snprintf(what, sizeof(what), "approval n=%u p=%g q=%u", n, p, q);
    compare(what, (double)a.approved / total, expect, sqrt(expect * (1 - expect) / total), total);
}

Test(validation, approval_rate_matches_the_binomial_tail)
{
    check_approval(5, 0.9, 3);
    check_approval(7, 0.7, 5);
    check_approval(15, 0.55, 8);
    check_approval(4, 0.8, 4);
}

/* --- 2. decision latency vs the order statistic of the round trips --------------------- */

/*
 * T = the r-th smallest of m i.i.d. round trips X + Y, X and Y independent Exp(1) (times in
 * units of the mean one-way latency). A round trip has CDF G(x) = 1 - e^-x (1 + x), so
 * P[T <= x] = P[Bin(m, G(x)) >= r], and E[T] = int_0^inf P[T > x] dx,
 * E[T^2] = int_0^inf 2x P[T > x] dx (integrated with gsl_integration_qagiu).
 */
struct order_stat {
    unsigned m, r; /* r-th smallest of m */
    int power;     /* integrand: P[T > x] (0) or 2x P[T > x] (1) */
};

static double round_trip_cdf(double x)
{
    return -expm1(-x) - x * exp(-x);
}

static double order_cdf(unsigned m, unsigned r, double x)
{
    return gsl_cdf_binomial_Q(r - 1, round_trip_cdf(x), m);
}

static double order_integrand(double x, void *params)
{
    const struct order_stat *os = params;
    double survival = gsl_cdf_binomial_P(os->r - 1, round_trip_cdf(x), os->m);
    return (os->power ? 2 * x : 1) * survival;
}

static double order_integral(unsigned m, unsigned r, int power)
{
    struct order_stat os = {.m = m, .r = r, .power = power};
    gsl_function f = {.function = order_integrand, .params = &os};
    gsl_integration_workspace *w = gsl_integration_workspace_alloc(1000);
    double result = NAN, abserr = NAN;
    int status = gsl_integration_qagiu(&f, 0, 0, 1e-11, 1000, w, &result, &abserr);
    gsl_integration_workspace_free(w);
    cr_assert_eq(status, 0, "qagiu failed for m=%u r=%u", m, r);
    return result;
}

/* Mean and variance of T in units of the mean one-way latency. */
static void order_moments(unsigned m, unsigned r, double *mean, double *var)
{
    *mean = order_integral(m, r, 0);
    *var = order_integral(m, r, 1) - *mean * *mean;
}

Test(validation, the_order_statistic_integrals_match_hand_computed_moments)
{
    double mean, var;
    order_moments(1, 1, &mean, &var); /* one Gamma(2, 1): mean 2, variance 2 */
    cr_expect_float_eq(mean, 2.0, 1e-9);
    cr_expect_float_eq(var, 2.0, 1e-9);
    /* min of two: P[T > x] = e^-2x (1 + x)^2, mean 5/4, E[T^2] = 9/4 */
    order_moments(2, 1, &mean, &var);
    cr_expect_float_eq(mean, 1.25, 1e-9);
    cr_expect_float_eq(var, 2.25 - 1.5625, 1e-9);
    /* max of two: E[max] = 2 E[X] - E[min] = 11/4; P[max <= 1] = G(1)^2 */
    order_moments(2, 2, &mean, &var);
    cr_expect_float_eq(mean, 2.75, 1e-9);
    cr_expect_float_eq(order_cdf(2, 2, 1.0), pow(1 - 2 / M_E, 2), 1e-12);
}

#define LATENCY_REPS 50   /* of 1,000 proposals (latency.yaml) */
#define LATENCY_MEAN 10e6 /* ns: network.latency.mean in latency.yaml */
#define LATENCY_CDF  3    /* CDF points */

static const double latency_cdf_at[LATENCY_CDF] = {0.5, 1.0, 2.0}; /* times the exact mean */

struct latency_acc {
    double mean;                 /* exact E[T] in units of LATENCY_MEAN */
    double sum;                  /* of T, same units */
    uint64_t below[LATENCY_CDF]; /* decisions within latency_cdf_at[k] * mean */
    uint64_t decisions;
};

static void latency_run(void *acc, const struct scenario *sc, const struct recorder *rec,
                        const struct run_metrics *m)
{
    struct latency_acc *a = acc;
    (void)sc;
    cr_assert_eq(rec->ndecision, m->proposals, "every proposal is approved");
    for (size_t i = 0; i < rec->ndecision; i++) {
        double x = (double)rec->decision[i] / LATENCY_MEAN;
        a->sum += x;
        for (int k = 0; k < LATENCY_CDF; k++)
            a->below[k] += x <= latency_cdf_at[k] * a->mean;
    }
    a->decisions += rec->ndecision;
}

static void check_latency(uint32_t n, uint32_t q)
{
    const unsigned m = n - 1, r = q - 1; /* the proposer's own vote counts at once */
    struct latency_acc a = {0};
    double var;
    order_moments(m, r, &a.mean, &var);
    struct settings s = {0};
    set(&s, "cluster.nodes=%u", n);
    set(&s, "cluster.quorum=%u", q);
    replicate("latency.yaml", &s, LATENCY_REPS, latency_run, &a);
    double nt = (double)a.decisions, ms = LATENCY_MEAN / 1e6;
    char what[64];
    snprintf(what, sizeof(what), "latency n=%u q=%u mean (ms)", n, q);
    compare(what, a.sum / nt * ms, a.mean * ms, sqrt(var / nt) * ms, nt);
    for (int k = 0; k < LATENCY_CDF; k++) {
        double f = order_cdf(m, r, latency_cdf_at[k] * a.mean);
        snprintf(what, sizeof(what), "latency n=%u q=%u P[T <= %.3gms]", n, q,
                 latency_cdf_at[k] * a.mean * ms);
        compare(what, (double)a.below[k] / nt, f, sqrt(f * (1 - f) / nt), nt);
    }
}

Test(validation, decision_latency_matches_the_order_statistic_of_round_trips)
{
    check_latency(5, 3);
    check_latency(7, 5);
    check_latency(4, 4);
    check_latency(15, 8);
}

/* --- 3. availability vs MTTF / (MTTF + MTTR) ------------------------------------------- */

#define AVAIL_REPS   5                      /* of 100 nodes for 2,000 s (availability.yaml) */
#define AVAIL_WARMUP ((sim_time)10 * SIM_S) /* measured over [AVAIL_WARMUP, duration] */

struct avail_acc {
    double sum, sumsq; /* of the nodes' (zones') up fractions */
    double window;     /* seconds measured per node */
    uint64_t units;    /* nodes, or zones */
};

/* Up time of each node within [from, to] from the crash/recover events (nodes start up). */
static void up_times(const struct recorder *rec, uint32_t nodes, sim_time from, sim_time to,
                     double *up_ns)
{
    sim_time *since = xcalloc(nodes, sizeof(*since)); /* start of the current up period */
    bool *down = xcalloc(nodes, sizeof(*down));
    for (size_t e = 0; e < rec->nev; e++) {
        const struct tevent *ev = &rec->ev[e];
        cr_assert_lt(ev->node, nodes);
        cr_assert(ev->kind != EV_SUSPECT, "no heartbeats in this scenario");
        cr_assert_eq(down[ev->node], ev->kind == EV_RECOVER, "crash and recover alternate");
        if (ev->kind == EV_CRASH) {
            sim_time a = since[ev->node] > from ? since[ev->node] : from;
            sim_time b = ev->time < to ? ev->time : to;
            up_ns[ev->node] += b > a ? (double)(b - a) : 0;
        }
        since[ev->node] = ev->time;
        down[ev->node] = ev->kind == EV_CRASH;
    }
    for (uint32_t i = 0; i < nodes; i++) {
        sim_time a = since[i] > from ? since[i] : from;
        if (!down[i] && to > a)
            up_ns[i] += (double)(to - a);
    }
    free(since);
    free(down);
}

/* One up fraction per node, or per zone with cluster.zones (its nodes, which crash and
 * recover together, must have the same up time). */
static void avail_run(void *acc, const struct scenario *sc, const struct recorder *rec,
                      const struct run_metrics *m)
{
    struct avail_acc *a = acc;
    cr_assert_gt(m->crashes, 0);
    double *up_ns = xcalloc(sc->nodes, sizeof(*up_ns));
    up_times(rec, sc->nodes, AVAIL_WARMUP, sc->duration, up_ns);
    a->window = (double)(sc->duration - AVAIL_WARMUP) / 1e9;
    uint32_t *zone = scenario_zone_map(sc);
    uint32_t *first = xcalloc(sc->nzones + 1, sizeof(*first)); /* a zone's first node + 1 */
    for (uint32_t i = 0; i < sc->nodes; i++) {
        if (zone && first[zone[i]]) {
            cr_assert_eq(up_ns[i], up_ns[first[zone[i]] - 1], "node %u is up apart from its zone",
                         i);
            continue;
        }
        if (zone)
            first[zone[i]] = i + 1;
        double f = up_ns[i] / 1e9 / a->window;
        a->sum += f;
        a->sumsq += f * f;
        a->units++;
    }
    free(first);
    free(zone);
    free(up_ns);
}

/*
 * Each node (or zone) is a two-state Markov process: up for Exp(rate lambda = 1/MTTF), down for
 * Exp(mu = 1/MTTR). With s = lambda + mu and A = mu / s = MTTF / (MTTF + MTTR),
 * P[up at t | up at 0] = A + (1 - A) e^-st, so the expected up fraction over [w, w + tau] is
 * A + (1 - A) e^-sw (1 - e^-s tau) / (s tau); in the stationary regime the up time U over a
 * window tau has Var U = 2 A (1 - A) (s tau - 1 + e^-s tau) / s^2 (covariance
 * A (1 - A) e^-s|u| integrated over the window). Nodes (zones) are independent (own fault
 * streams). section: faults.random (per node, availability.yaml) or faults.zone_random (per
 * zone, zones.yaml).
 */
static void check_availability(const char *file, const char *section, double mttf_s, double mttr_s)
{
    struct settings s = {0};
    set(&s, "%s.mttf={dist: exponential, mean: %gms}", section, mttf_s * 1e3);
    set(&s, "%s.mttr={dist: exponential, mean: %gms}", section, mttr_s * 1e3);
    struct avail_acc a = {0};
    replicate(file, &s, AVAIL_REPS, avail_run, &a);
    double srate = 1 / mttf_s + 1 / mttr_s, avail = mttf_s / (mttf_s + mttr_s);
    double w = (double)AVAIL_WARMUP / 1e9, st = srate * a.window;
    double transient = (1 - avail) * exp(-srate * w) * -expm1(-st) / st;
    double var_up = 2 * avail * (1 - avail) * (st - 1 + exp(-st)) / (srate * srate);
    double n = (double)a.units, measured = a.sum / n;
    double se = sqrt(var_up / n) / a.window;
    double batch_se = sqrt((a.sumsq - n * measured * measured) / (n - 1) / n);
    char what[64];
    snprintf(what, sizeof(what), "availability%s MTTF=%gs MTTR=%gs",
             strstr(section, "zone") ? " of a zone" : "", mttf_s, mttr_s);
    compare(what, measured, avail + transient, se, n);
    fprintf(stderr,
            "validation: %-44s MTTF/(MTTF+MTTR) %.9g + start-up term %.3g; SE from the spread "
            "across units %.4g, closed form %.4g\n",
            what, avail, transient, batch_se, se);
}

Test(validation, availability_matches_mttf_over_mttf_plus_mttr)
{
    check_availability("availability.yaml", "faults.random", 1.0, 0.25);
    check_availability("availability.yaml", "faults.random", 0.2, 0.3);
}

/* faults.zone_random: each zone's up/down renewal process, its nodes together. */
Test(validation, zone_availability_matches_mttf_over_mttf_plus_mttr)
{
    check_availability("zones.yaml", "faults.zone_random", 1.0, 0.25);
}

/* --- 4. false suspicions vs runs of k lost heartbeats ----------------------------------- */

#define HB_REPS 5 /* of 10 nodes (90 monitored links) for 300 s (heartbeat.yaml) */

struct hb_acc {
    uint64_t suspicions; /* within each run's window */
    uint64_t links;      /* monitored links, summed over runs */
    uint64_t slots;      /* heartbeat slots per link in the window */
    double interval_s;
};

static void hb_run(void *acc, const struct scenario *sc, const struct recorder *rec,
                   const struct run_metrics *m)
{
    struct hb_acc *a = acc;
    cr_assert_eq(m->crashes, 0);
    cr_assert_eq(m->false_suspicions, m->suspicions, "nobody crashes: every suspicion is false");
    sim_time interval = sc->heartbeat.interval;
    sim_time latency = (sim_time)dist_mean(&sc->network.latency);
    sim_time from = sc->heartbeat.timeout + latency + 2 * interval;
    a->slots = (sc->duration - from) / interval - 1;
    sim_time to = from + a->slots * interval;
    for (size_t e = 0; e < rec->nev; e++)
        a->suspicions +=
            rec->ev[e].kind == EV_SUSPECT && rec->ev[e].time >= from && rec->ev[e].time < to;
    a->links += (uint64_t)sc->nodes * (sc->nodes - 1);
    a->interval_s = (double)interval / 1e9;
}

/*
 * On one link, heartbeats arrive exactly one interval I apart (constant latency), each lost
 * independently with probability l. With timeout T, a monitor suspects its peer at t + T
 * when the heartbeat that arrived at t is followed by silence until t + T. Slot j (the j-th
 * heartbeat on the link) starts a suspicion, X_j = 1, when slot j-1 arrived and the next
 * `losses` slots are lost:
 *   - k I < T < (k + 1) I: losses = k, and no arrival can tie with a deadline;
 *   - T = k I: the k-th heartbeat after t arrives exactly at the deadline t + T; heartbeat.h
 *     says a peer silent for `timeout` or longer is suspected, so it comes too late and
 *     losses = k - 1.
 * Either way P[X_j = 1] = (1 - l) l^losses = p. X_i and X_j are exclusive for
 * 0 < |i - j| <= losses (a run cannot start inside another) and independent beyond, so over
 * W consecutive slots Var(sum X_j) = W p (1 - p) - 2 p^2 sum_{h=1..losses} (W - h). Links
 * are independent (one loss draw per heartbeat). The suspicions at times within
 * [from, from + W I) are exactly those started by W consecutive slots of every link, once
 * from is past the first arrival plus T.
 */
static void check_suspicions(double loss, unsigned losses, const char *timeout, const char *latency)
{
    struct settings s = {0};
    set(&s, "heartbeat.loss=%.17g", loss);
    set(&s, "heartbeat.timeout=%s", timeout);
    set(&s, "network.latency={dist: constant, value: %s}", latency);
    struct hb_acc a = {0};
    replicate("heartbeat.yaml", &s, HB_REPS, hb_run, &a);
    double p = (1 - loss) * pow(loss, losses), w = (double)a.slots;
    double overlap = 0;
    for (unsigned h = 1; h <= losses; h++)
        overlap += w - h;
    double var_link = w * p * (1 - p) - 2 * p * p * overlap;
    double exposure = (double)a.links * w * a.interval_s; /* link-seconds observed */
    char what[64];
    snprintf(what, sizeof(what), "suspicions/link/s l=%g T=%s d=%s", loss, timeout, latency);
    compare(what, (double)a.suspicions / exposure, p / a.interval_s,
            sqrt((double)a.links * var_link) / exposure, (double)a.links * w);
}

Test(validation, false_suspicions_match_the_rate_of_k_consecutive_losses)
{
    check_suspicions(0.1, 1, "150ms", "1ms");
    check_suspicions(0.2, 2, "250ms", "1ms");
    check_suspicions(0.3, 3, "350ms", "1ms");
}

/*
 * A timeout of exactly k intervals: the k-th heartbeat after the last arrival ties with the
 * deadline and must count as late whatever the latency (the check and the delivery at the
 * same instant used to fire in whichever order they happened to be scheduled, which
 * depended on the latency and on the other links' deadlines).
 */
Test(validation, a_heartbeat_arriving_exactly_at_the_deadline_comes_too_late)
{
    check_suspicions(0.2, 1, "200ms", "1ms");
    check_suspicions(0.2, 1, "200ms", "60ms");
    check_suspicions(0.2, 1, "200ms", "150ms");
    check_suspicions(0.3, 2, "300ms", "250ms");
}

/* --- network.jitter and network.fifo ---------------------------------------------------- */

struct delay_acc {
    double sum, sumsq, min, max;
    uint64_t n, inversions; /* pairs' messages that arrived before one sent earlier */
};

static int by_pair_then_sent(const void *a, const void *b)
{
    const struct tmsg *x = a, *y = b;
    if (x->from != y->from)
        return x->from < y->from ? -1 : 1;
    if (x->to != y->to)
        return x->to < y->to ? -1 : 1;
    return (x->sent > y->sent) - (x->sent < y->sent);
}

static void delay_run(void *acc, const struct scenario *sc, const struct recorder *rec,
                      const struct run_metrics *m)
{
    (void)sc, (void)m;
    struct delay_acc *a = acc;
    for (size_t i = 0; i < rec->nmsg; i++) {
        double d = (double)(rec->msg[i].delivered - rec->msg[i].sent) / 1e6; /* ms */
        a->sum += d;
        a->sumsq += d * d;
        a->min = a->n && a->min < d ? a->min : d;
        a->max = a->n && a->max > d ? a->max : d;
        a->n++;
    }
    struct tmsg *m2 = xreallocarray(NULL, rec->nmsg ? rec->nmsg : 1, sizeof(*m2));
    memcpy(m2, rec->msg, rec->nmsg * sizeof(*m2));
    qsort(m2, rec->nmsg, sizeof(*m2), by_pair_then_sent);
    sim_time last = 0; /* the latest arrival so far on the pair, of messages sent earlier */
    for (size_t i = 0; i < rec->nmsg; i++) {
        bool same = i && m2[i].from == m2[i - 1].from && m2[i].to == m2[i - 1].to;
        if (!same)
            last = 0;
        else if (m2[i].sent > m2[i - 1].sent && m2[i].delivered < last)
            a->inversions++; /* (messages sent at one instant have no order to keep) */
        last = last > m2[i].delivered ? last : m2[i].delivered;
    }
    free(m2);
}

/* Constant 10 ms latency plus uniform(0, 10 ms) jitter: every delay lies in [10, 20] ms and
 * their mean is 15 ms with the uniform's variance 100/12 ms^2. */
Test(validation, jitter_adds_its_distribution_to_the_latency)
{
    struct settings s = {0};
    set(&s, "network.jitter={dist: uniform, min: 0ms, max: 10ms}");
    struct delay_acc a = {0};
    replicate("network.yaml", &s, 4, delay_run, &a);
    cr_assert_gt(a.n, 10000);
    cr_assert_geq(a.min, 10.0);
    cr_assert_leq(a.max, 20.0);
    compare("mean delay with uniform(0, 10ms) jitter (ms)", a.sum / (double)a.n, 15.0,
            sqrt(100.0 / 12.0 / (double)a.n), (double)a.n);
}

/* Uniform(1, 100 ms) latency reorders a pair's messages; with network.fifo none arrives
 * before one sent earlier on its pair (the negative control: without it, many do). */
Test(validation, fifo_keeps_every_pairs_send_order)
{
    struct settings s = {0};
    set(&s, "network.latency={dist: uniform, min: 1ms, max: 100ms}");
    struct delay_acc loose = {0}, fifo = {0};
    replicate("network.yaml", &s, 2, delay_run, &loose);
    set(&s, "network.fifo=true");
    replicate("network.yaml", &s, 2, delay_run, &fifo);
    cr_assert_gt(loose.inversions, 100, "uniform latency should reorder messages");
    cr_assert_eq(fifo.inversions, 0, "%llu messages overtook one sent earlier on their pair",
                 (unsigned long long)fifo.inversions);
    cr_assert_eq(fifo.n, loose.n, "fifo delays messages, it loses none");
}

/* --- 4b. zones, slow nodes and clogs (issue 17 items 2 and 3) --------------------------- */

#define ZONES_AB "cluster.zones=[{name: a, count: 2}, {name: b, count: 3}]"

struct zone_delay_acc {
    uint64_t inside, inside_off;   /* messages inside a zone; those not exactly 10 ms */
    uint64_t across, below_median; /* between a and b; those under the median */
    uint64_t below_p90;            /* under the 90th percentile */
    double sum, q50, q90;          /* ms; the quantiles tested */
};

static void zone_delay_run(void *acc, const struct scenario *sc, const struct recorder *rec,
                           const struct run_metrics *m)
{
    (void)m;
    struct zone_delay_acc *a = acc;
    uint32_t *zone = scenario_zone_map(sc);
    for (size_t i = 0; i < rec->nmsg; i++) {
        double d = (double)(rec->msg[i].delivered - rec->msg[i].sent) / 1e6;
        if (zone[rec->msg[i].from] == zone[rec->msg[i].to]) {
            a->inside++;
            a->inside_off += rec->msg[i].delivered - rec->msg[i].sent != 10 * SIM_MS;
            continue;
        }
        a->across++;
        a->sum += d;
        a->below_median += d < a->q50;
        a->below_p90 += d < a->q90;
    }
    free(zone);
}

/* Zones a {0, 1} and b {2, 3, 4}: inside a zone network.latency (constant 10 ms), between
 * them exponential with mean 30 ms: mean 30 (SE 30/sqrt(n)), P[D < 30 ln 2] = 1/2 and
 * P[D < 30 ln 10] = 0.9 (SE sqrt(p (1 - p) / n)). */
Test(validation, latency_between_zones_follows_the_matrixs_distribution)
{
    struct settings s = {0};
    set(&s, ZONES_AB);
    set(&s, "network.zone_latency=[{from: a, to: b, latency: {dist: exponential, mean: 30ms}}]");
    struct zone_delay_acc a = {.q50 = 30 * log(2), .q90 = 30 * log(10)};
    replicate("network.yaml", &s, 40, zone_delay_run, &a);
    cr_assert_gt(a.inside, 1000);
    cr_assert_eq(a.inside_off, 0, "inside a zone every message takes network.latency");
    double n = (double)a.across;
    compare("mean latency between zones (ms)", a.sum / n, 30.0, 30.0 / sqrt(n), n);
    compare("P[latency < median] between zones", (double)a.below_median / n, 0.5, sqrt(0.25 / n),
            n);
    compare("P[latency < 90th percentile] between zones", (double)a.below_p90 / n, 0.9,
            sqrt(0.09 / n), n);
}

struct zone_event_acc {
    uint64_t crashes[5], recovers[5];
    uint64_t off_time; /* events at other times than the zone's crash and recovery */
};

static void zone_event_run(void *acc, const struct scenario *sc, const struct recorder *rec,
                           const struct run_metrics *m)
{
    (void)sc, (void)m;
    struct zone_event_acc *a = acc;
    for (size_t e = 0; e < rec->nev; e++) {
        const struct tevent *ev = &rec->ev[e];
        if (ev->kind == EV_CRASH)
            a->crashes[ev->node]++;
        if (ev->kind == EV_RECOVER)
            a->recovers[ev->node]++;
        a->off_time += ev->time != (ev->kind == EV_CRASH ? 2 : 4) * SIM_S;
    }
}

/* A crash of zone b from 2 s to 4 s crashes exactly nodes 2, 3, 4 at 2 s and recovers them at
 * 4 s; a and its nodes 0 and 1 are untouched (and the checker holds, as replicate asserts). */
Test(validation, a_zone_crash_crashes_and_recovers_exactly_its_nodes)
{
    struct settings s = {0};
    set(&s, ZONES_AB);
    set(&s, "faults.zone_crashes=[{zone: b, at: 2s, recover: 4s}]");
    struct zone_event_acc a = {0};
    replicate("network.yaml", &s, 1, zone_event_run, &a);
    for (uint32_t i = 0; i < 5; i++) {
        cr_assert_eq(a.crashes[i], i >= 2, "node %u crashed %llu times", i,
                     (unsigned long long)a.crashes[i]);
        cr_assert_eq(a.recovers[i], i >= 2);
    }
    cr_assert_eq(a.off_time, 0);
}

struct slow_acc {
    sim_time min_to[5];    /* shortest delivered - sent per receiver (messages sent in window) */
    uint64_t queued;       /* messages that took longer than latency + service */
    uint64_t n, held, off; /* clog: messages on the clogged pair, held to its end, held wrongly */
    sim_time from, to;     /* the window of messages looked at (sent in it) */
};

static void slow_run(void *acc, const struct scenario *sc, const struct recorder *rec,
                     const struct run_metrics *m)
{
    (void)sc, (void)m;
    struct slow_acc *a = acc;
    for (size_t i = 0; i < rec->nmsg; i++) {
        const struct tmsg *g = &rec->msg[i];
        if (g->sent < a->from || g->sent >= a->to)
            continue;
        sim_time d = g->delivered - g->sent;
        a->min_to[g->to] = a->min_to[g->to] && a->min_to[g->to] < d ? a->min_to[g->to] : d;
        a->queued += d > 12 * SIM_MS;
        a->n++;
    }
}

/* cluster.service constant 2 ms on 10 ms links: every message takes at least 12 ms, exactly 12
 * when its receiver is idle, longer when it queues behind another (a broadcast's votes arrive
 * together at the proposer). Slow node 0 from 0 to 30 s (factor 10: 20 ms) takes 30 ms at
 * least for messages it handles then, while the others keep 12 ms. */
Test(validation, a_slow_node_adds_its_service_and_queueing_to_every_message_it_handles)
{
    struct settings s = {0};
    set(&s, "cluster.service=2ms");
    struct slow_acc fast = {.from = 0, .to = 60 * SIM_S};
    replicate("network.yaml", &s, 1, slow_run, &fast);
    for (uint32_t i = 0; i < 5; i++)
        cr_assert_eq(fast.min_to[i], 12 * SIM_MS, "node %u: %llu ns", i,
                     (unsigned long long)fast.min_to[i]);
    cr_assert_gt(fast.queued, 100, "votes arriving together wait for each other");
    set(&s, "faults.slow=[{nodes: [0], at: 0s, end: 30s, factor: 10}]");
    struct slow_acc slow = {.from = 0, .to = 29 * SIM_S};
    replicate("network.yaml", &s, 1, slow_run, &slow);
    cr_assert_eq(slow.min_to[0], 30 * SIM_MS);
    for (uint32_t i = 1; i < 5; i++)
        cr_assert_eq(slow.min_to[i], 12 * SIM_MS);
    struct slow_acc after = {.from = 31 * SIM_S, .to = 60 * SIM_S};
    replicate("network.yaml", &s, 1, slow_run, &after);
    cr_assert_eq(after.min_to[0], 12 * SIM_MS, "well again after the slow period");
}

static void clog_run(void *acc, const struct scenario *sc, const struct recorder *rec,
                     const struct run_metrics *m)
{
    (void)sc;
    struct slow_acc *a = acc;
    a->n += m->messages_sent - m->messages_lost;
    for (size_t i = 0; i < rec->nmsg; i++) {
        const struct tmsg *g = &rec->msg[i];
        bool pair = (g->from == 0 && g->to == 1) || (g->from == 1 && g->to == 0);
        sim_time would = g->sent + 10 * SIM_MS;
        bool clogged = pair && would >= 10 * SIM_S && would < 20 * SIM_S;
        a->held += clogged && g->delivered == 20 * SIM_S;
        a->off += clogged != (g->delivered != would);
    }
}

/* A symmetric clog of 0 <-> 1 over [10 s, 20 s): every message on the pair that would arrive
 * then arrives at 20 s, every other message after its 10 ms, and none is lost (as many
 * deliveries as without the clog). */
Test(validation, a_clog_holds_its_pairs_messages_to_its_end_and_loses_none)
{
    struct settings s = {0};
    struct slow_acc open = {0}, clog = {0};
    replicate("network.yaml", &s, 1, clog_run, &open);
    set(&s, "faults.clogs=[{from: 0, to: 1, at: 10s, end: 20s}]");
    replicate("network.yaml", &s, 1, clog_run, &clog);
    cr_assert_eq(open.held, 0);
    cr_assert_gt(clog.held, 20, "messages between 0 and 1 during the clog");
    cr_assert_eq(clog.off, 0, "%llu messages held or not held wrongly",
                 (unsigned long long)clog.off);
    cr_assert_eq(clog.n, open.n, "a clog delays messages, it loses none");
}

/* --- 5. Raft: time without a leader after a leader crash (the Raft paper's Figure 16) --- */

/*
 * scenarios/raft-figure16.yaml with a constant one-way latency d (3.5 ms, the mean of its
 * 2-5 ms): 5 nodes, heartbeats every h,
 * election timeouts uniform on [a, b], no loss; the leader crashes at a phase phi uniform on
 * [0, h) after its last heartbeat (faults.leader's window is a whole number of intervals).
 * The four followers reset their timers when that heartbeat arrives, so the first timeout
 * is T1 = min of 4 uniforms after it. The first candidate wins in one round unless fewer
 * than two of the other three are still followers when its RequestVote arrives d later
 * (a follower whose own timer fired first has voted for itself): with the minimum at x the
 * others are uniform on [x, b], each later than x + d with probability q = (u - d)/u,
 * u = b - x, and P[win] = q^2 (3 - 2q). Then D = T1 + 3d - phi (the heartbeat's latency,
 * the RequestVote's and the vote's). A split vote costs a new timeout of at least a, so no
 * trial with a split ends before 2a + 3d - h: below that, with v = u - d,
 *   P[D <= t] = (1/h) int_0^h G(t - 3d + phi) dphi,
 *   G(s) = P[T1 <= s, no split] = 4/(b-a)^4 int_{x=a}^{min(s, b-d)} v^2 (v + 3d) dx
 *        = 4/(b-a)^4 [H(b - d - a) - H(b - d - min(s, b - d))],  H(v) = v^4/4 + d v^3.
 */
struct f16 {
    double a, b, h, d; /* ms */
    double lag;        /* latencies counted in D: 3 (a broken model for the control: 2) */
};

static double f16_H(const struct f16 *f, double v)
{
    return v * v * v * v / 4 + f->d * v * v * v;
}

static double f16_G(double s, void *params)
{
    const struct f16 *f = params;
    if (s <= f->a)
        return 0;
    double top = f->b - f->d, x = s < top ? s : top;
    return 4 / pow(f->b - f->a, 4) * (f16_H(f, top - f->a) - f16_H(f, top - x));
}

struct f16_at {
    const struct f16 *f;
    double t;
};

static double f16_integrand(double phi, void *params)
{
    const struct f16_at *p = params;
    return f16_G(p->t - p->f->lag * p->f->d + phi, (void *)p->f);
}

static double f16_cdf(const struct f16 *f, double t)
{
    struct f16_at at = {.f = f, .t = t};
    gsl_function fn = {.function = f16_integrand, .params = &at};
    gsl_integration_workspace *w = gsl_integration_workspace_alloc(1000);
    double result = NAN, abserr = NAN;
    int status = gsl_integration_qags(&fn, 0, f->h, 0, 1e-11, 1000, w, &result, &abserr);
    gsl_integration_workspace_free(w);
    cr_assert_eq(status, 0, "qags failed at t=%g", t);
    return result / f->h;
}

Test(validation, the_figure16_closed_form_matches_hand_computed_values)
{
    /* d = 0: T1 is the plain minimum of four uniforms, P[T1 <= s] = 1 - ((b - s)/(b - a))^4 */
    struct f16 f = {.a = 150, .b = 300, .h = 75, .d = 0, .lag = 3};
    cr_expect_float_eq(f16_G(225, &f), 1 - pow(0.5, 4), 1e-12);
    cr_expect_float_eq(f16_G(400, &f), 1.0, 1e-12);
    /* d > 0: the no-split probability of the whole range, by the formula's other route */
    f.d = 7.5;
    double psplit_free = 0;
    for (int i = 0; i < 200000; i++) { /* midpoint rule over x of f_min(x) q^2 (3 - 2q) */
        double x = f.a + (f.b - f.a) * (i + 0.5) / 200000, u = f.b - x;
        double q = u > f.d ? (u - f.d) / u : 0;
        psplit_free +=
            4 * pow(u, 3) / pow(f.b - f.a, 4) * q * q * (3 - 2 * q) * (f.b - f.a) / 200000;
    }
    cr_expect_float_eq(f16_G(1000, &f), psplit_free, 1e-8);
    /* averaging over the phase: a CDF that rises from 0 to G's limit */
    cr_expect_float_eq(f16_cdf(&f, f.a + 3 * f.d - f.h), 0.0, 1e-12);
    cr_expect_float_eq(f16_cdf(&f, f.b + 3 * f.d), psplit_free, 1e-8);
}

#define F16_REPS 10 /* runs of 1,000 s, about 930 trials each */
#define F16_CDF  5

struct f16_acc {
    size_t n, below[F16_CDF];
    const double *at; /* ms */
};

static void f16_run(void *acc, const struct scenario *sc, const struct recorder *rec,
                    const struct run_metrics *m)
{
    (void)sc;
    (void)m;
    struct f16_acc *a = acc;
    a->n += rec->ndowntime;
    for (size_t i = 0; i < rec->ndowntime; i++)
        for (int k = 0; k < F16_CDF; k++)
            a->below[k] += (double)rec->downtime[i] / 1e6 <= a->at[k];
}

/* Run the case; return the largest |z| against `model` (the checks use the right one). */
static double check_figure16(double max_ms, const struct f16 *model, bool compare_each)
{
    static const double at[F16_CDF] = {100, 130, 160, 190, 230}; /* < 2a + 3d - h = 235.5 */
    struct settings s = {0};
    set(&s, "consensus.raft.election_timeout.max=%gms", max_ms);
    set(&s, "network.latency={dist: constant, value: %gms}", model->d);
    struct f16_acc acc = {.at = at};
    replicate("scenarios/raft-figure16.yaml", &s, F16_REPS, f16_run, &acc);
    cr_assert_gt(acc.n, F16_REPS * 800, "only %zu trials", acc.n);
    double worst = 0;
    for (int k = 0; k < F16_CDF; k++) {
        double expected = f16_cdf(model, at[k]), measured = (double)acc.below[k] / (double)acc.n;
        double se = sqrt(expected * (1 - expected) / (double)acc.n);
        char what[96];
        snprintf(what, sizeof(what), "raft 150-%g ms: P[D <= %g ms]", max_ms, at[k]);
        if (compare_each)
            compare(what, measured, expected, se, (double)acc.n);
        double z = fabs(measured - expected) / se;
        worst = z > worst ? z : worst;
    }
    return worst;
}

Test(validation, raft_time_without_a_leader_matches_the_no_split_closed_form)
{
    for (int i = 0; i < 2; i++) {
        double b = i ? 200 : 300;
        struct f16 f = {.a = 150, .b = b, .h = 75, .d = 3.5, .lag = 3};
        check_figure16(b, &f, true);
    }
}

Test(validation, a_model_one_latency_short_is_rejected_by_the_figure16_check)
{
    struct f16 broken = {.a = 150, .b = 300, .h = 75, .d = 3.5, .lag = 2};
    double worst = check_figure16(300, &broken, false);
    fprintf(stderr, "validation: figure 16 negative control (2 latencies, not 3): max |z| %.1f\n",
            worst);
    cr_expect_gt(worst, Z, "a model off by one latency passed (max |z| %.2f)", worst);
}

/* --- clocks: false suspicions under drift (issue 17) ------------------------------------ */

#define DRIFT_REPS 20 /* of 2 nodes (2 monitored links) for 300 s (heartbeat.yaml) */

struct drift_acc {
    uint64_t suspicions[2]; /* within the window, by monitoring node */
    uint64_t slots[2];      /* heartbeat slots per run of the link into that node */
};

/* Node i's clock turns a duration d of its own into round(d / (1 + ppm_i 1e-6)) true ns. */
static sim_time true_span(sim_time d, double ppm)
{
    return (sim_time)llround((double)d / (1 + ppm * 1e-6));
}

static double drift_ppm[2]; /* the case's clocks.nodes drifts, for drift_run's windows */

static void drift_run(void *acc, const struct scenario *sc, const struct recorder *rec,
                      const struct run_metrics *m)
{
    struct drift_acc *a = acc;
    cr_assert_eq(m->crashes, 0);
    cr_assert_eq(m->false_suspicions, m->suspicions, "nobody crashes: every suspicion is false");
    sim_time latency = (sim_time)dist_mean(&sc->network.latency);
    for (uint32_t to = 0; to < 2; to++) {
        sim_time period = true_span(sc->heartbeat.interval, drift_ppm[1 - to]);
        sim_time tau = true_span(sc->heartbeat.timeout, drift_ppm[to]);
        sim_time from = tau + latency + 2 * period;
        a->slots[to] = (sc->duration - from) / period - 1;
        sim_time until = from + a->slots[to] * period;
        for (size_t e = 0; e < rec->nev; e++)
            a->suspicions[to] += rec->ev[e].kind == EV_SUSPECT && rec->ev[e].node == to &&
                                 rec->ev[e].time >= from && rec->ev[e].time < until;
    }
}

/*
 * Two nodes; node s sends every interval h on its clock, true period P = h / (1 + d_s); node
 * r suspects after T on its clock, true timeout tau = T / (1 + d_r) (both rounded to the ns as
 * the simulator does). With a constant latency the arrivals on link s -> r are P apart, so
 * check 4's argument holds with P for the interval: a suspicion needs the next `losses`
 * heartbeats lost, losses = ceil(tau / P) - 1 (an arrival at the deadline is late), so the
 * rate is (1 - l) l^losses per slot of P. Drift moves tau / P, and with it `losses`, whenever
 * the ratio crosses an integer: suspicions begin where h (1 + d_r) / (1 + d_s) >= T / k.
 * `honest` false compares against the model a drift-blind reader would use (timers in true
 * time: P = h, tau = T) and returns the largest |z|, for the negative control.
 */
static double check_drift(double loss, const char *timeout, double ppm0, double ppm1, bool honest)
{
    struct settings s = {0};
    set(&s, "cluster.nodes=2");
    set(&s, "heartbeat.loss=%.17g", loss);
    set(&s, "heartbeat.timeout=%s", timeout);
    set(&s, "clocks.nodes=[{node: 0, drift: %.17g}, {node: 1, drift: %.17g}]", ppm0, ppm1);
    drift_ppm[0] = ppm0;
    drift_ppm[1] = ppm1;
    struct drift_acc a = {0};
    replicate("heartbeat.yaml", &s, DRIFT_REPS, drift_run, &a);
    double worst = 0;
    for (uint32_t to = 0; to < 2; to++) {
        sim_time h = 100 * SIM_MS, t; /* heartbeat.yaml's interval, the case's timeout */
        cr_assert(sim_time_parse(timeout, &t, NULL, 0));
        double period = (double)(honest ? true_span(h, drift_ppm[1 - to]) : h);
        double tau = (double)(honest ? true_span(t, drift_ppm[to]) : t);
        unsigned losses = (unsigned)ceil(tau / period) - 1;
        double p = (1 - loss) * pow(loss, losses), w = (double)a.slots[to];
        double overlap = 0;
        for (unsigned k = 1; k <= losses; k++)
            overlap += w - k;
        double var = DRIFT_REPS * (w * p * (1 - p) - 2 * p * p * overlap);
        double n = DRIFT_REPS * w, measured = (double)a.suspicions[to] / n;
        char what[96];
        snprintf(what, sizeof(what), "suspicions/slot at node %u l=%g T=%s d=%+g/%+g ppm", to, loss,
                 timeout, ppm0, ppm1);
        if (var <= 0) { /* no randomness left (loss 0): the count is exact */
            if (honest)
                cr_expect_eq(a.suspicions[to], (uint64_t)(p * n), "%s: %llu suspicions", what,
                             (unsigned long long)a.suspicions[to]);
            fprintf(stderr, "validation: %-44s measured %-12.7g expected %-12.7g (exact)\n", what,
                    measured, p);
            worst = measured != p ? INFINITY : worst;
            continue;
        }
        double se = sqrt(var) / n;
        if (honest)
            compare(what, measured, p, se, n);
        double z = fabs(measured - p) / se;
        worst = z > worst ? z : worst;
    }
    return worst;
}

Test(validation, false_suspicions_under_drift_match_the_rate_at_the_drifted_ratio)
{
    /* T = 3h: node 1 (fast) monitoring node 0 (slow) needs 2 losses, node 0 needs 3 */
    check_drift(0.2, "300ms", -50, 50, true);
    check_drift(0.3, "250ms", -200, 200, true); /* between integers: drift changes nothing */
}

/* Loss 0 and T = 1.0001 h: suspicions begin once the relative drift passes 100 ppm, then
 * every heartbeat comes too late on the fast monitor's link and never on the other. */
Test(validation, suspicions_begin_when_the_drift_passes_the_timeout_margin)
{
    check_drift(0, "100.01ms", -40, 40, true);
    check_drift(0, "100.01ms", -60, 60, true);
}

Test(validation, a_drift_blind_model_is_rejected_by_the_drift_check)
{
    double worst = check_drift(0.2, "300ms", -50, 50, false);
    fprintf(stderr, "validation: drift negative control (timers in true time): max |z| %.1f\n",
            worst);
    cr_expect_gt(worst, Z, "a drift-blind model passed (max |z| %.2f)", worst);
}

/* --- Byzantine voters: approval with b fixed voters (issue 17) ---------------------------- */

#define BYZ_REPS 20 /* of 1,000 proposals (approval.yaml) */

static void byz_run(void *acc, const struct scenario *sc, const struct recorder *rec,
                    const struct run_metrics *m)
{
    struct approval_acc *a = acc;
    cr_assert_eq(m->proposals, sc->workload.generate.count);
    cr_assert_eq(m->invalid + m->undecided + m->aborted + m->no_quorum, 0);
    a->approved += rec->outcomes[OUTCOME_APPROVED];
    a->proposals += m->proposals;
}

/*
 * b of n nodes (the last b) are Byzantine with `behaviour`; the n - b honest ones vote YES
 * with p. The proposer (any node) decides approved when YES >= q, where the b fixed voters
 * give it y = b YES (yes-on-invalid) or none (always-no votes NO, equivocate tells the
 * proposer NO, silent sends nothing, and a missing vote is not a NO): P[Bin(n - b, p) >= q -
 * y]. Proposals are independent, so the approval rate has SE sqrt(P (1 - P) / N). `honest`
 * false compares against the closed form without Byzantine nodes, P[Bin(n, p) >= q], and
 * returns |z|, for the negative control.
 */
static double check_byzantine(uint32_t n, double p, uint32_t q, uint32_t b, const char *behaviour,
                              bool honest)
{
    struct settings s = {0};
    set(&s, "cluster.nodes=%u", n);
    set(&s, "cluster.quorum=%u", q);
    set(&s, "consensus.approval=%.17g", p);
    char nodes[64] = "";
    for (uint32_t k = n - b; k < n; k++)
        snprintf(nodes + strlen(nodes), sizeof(nodes) - strlen(nodes), "%s%u",
                 k > n - b ? ", " : "", k);
    set(&s, "consensus.byzantine={nodes: [%s], behaviour: %s}", nodes, behaviour);
    struct approval_acc a = {0};
    replicate("approval.yaml", &s, BYZ_REPS, byz_run, &a);
    uint32_t y = strcmp(behaviour, "yes-on-invalid") == 0 ? b : 0;
    double total = (double)a.proposals;
    double expect = honest ? (q > y ? gsl_cdf_binomial_Q(q - y - 1, p, n - b) : 1)
                           : gsl_cdf_binomial_Q(q - 1, p, n);
    double se = sqrt(expect * (1 - expect) / total), measured = (double)a.approved / total;
    char what[96];
    snprintf(what, sizeof(what), "approval n=%u p=%g q=%u b=%u %s", n, p, q, b, behaviour);
    if (honest)
        compare(what, measured, expect, se, total);
    return fabs(measured - expect) / se;
}

Test(validation, approval_with_byzantine_voters_matches_the_binomial_tail_of_the_honest_ones)
{
    check_byzantine(7, 0.8, 4, 2, "always-no", true);
    check_byzantine(7, 0.6, 4, 2, "yes-on-invalid", true);
    check_byzantine(9, 0.7, 5, 3, "equivocate", true);
    check_byzantine(7, 0.9, 5, 1, "silent", true);
}

Test(validation, a_byzantine_blind_closed_form_is_rejected_by_the_approval_check)
{
    double z = check_byzantine(7, 0.8, 4, 2, "always-no", false);
    fprintf(stderr, "validation: Byzantine negative control (b ignored): |z| %.1f\n", z);
    cr_expect_gt(z, Z, "a closed form ignoring the Byzantine voters passed (|z| %.2f)", z);
}
