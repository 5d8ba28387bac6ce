/*
 * metrics: the per-run measurements that make a row of summary.csv.
 *
 * metric_fields[] describes every field (column name, kind, offset) so that the summary
 * writer, the sweep aggregator (points.csv) and the docs iterate one table.
 * A "real" metric that has no value (e.g. decision latency with no decided proposal) is NAN
 * and printed as NA. The first fields are the scenario's parameters (kind METRIC_PARAM), so
 * every summary.csv row says what was simulated.
 */
#ifndef ATLAS_SIM_CLUSTER_METRICS_H
#define ATLAS_SIM_CLUSTER_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/consensus.h"

struct run_metrics {
    /* The scenario's parameters (METRIC_PARAM): constant within a sweep point, written to
     * summary.csv so a CSV reader needs nothing else to interpret the row. */
    double nodes;       /* cluster.nodes */
    double quorum;      /* YES votes needed */
    double approval;    /* consensus.approval; NAN when per-node overrides exist */
    double duration_s;  /* simulated duration, seconds */
    double faults;      /* 1 if any fault source is configured, else 0 */
    uint64_t proposals; /* proposals submitted */
    uint64_t approved;  /* outcomes by kind */
    uint64_t rejected;
    uint64_t timeout;
    uint64_t no_quorum;
    uint64_t invalid;
    uint64_t aborted;
    uint64_t undecided;     /* still open when the run ended */
    double approval_rate;   /* approved / proposals (NAN if none) */
    double decision_mean_s; /* submit-to-decision latency over decided proposals */
    double decision_p50_s;
    double decision_p90_s;
    double decision_p99_s;
    double commit_mean_s; /* the same over approved proposals only */
    double commit_p50_s;
    double commit_p90_s;
    double commit_p99_s;
    uint64_t messages_sent; /* protocol + catch-up messages (heartbeats excluded) */
    uint64_t messages_lost; /* lost to network.loss, partitions or dead receivers */
    uint64_t heartbeats_sent;
    uint64_t heartbeats_lost;
    uint64_t suspicions;       /* suspect events */
    uint64_t false_suspicions; /* suspicions of a node that was alive */
    uint64_t detections;       /* crashes detected by at least one live peer */
    double detection_mean_s;   /* mean crash-to-first-suspicion latency */
    uint64_t crashes;
    uint64_t recoveries;
    uint64_t commits_applied;   /* commit applications over all replicas */
    uint64_t diverged_replicas; /* replicas whose state hash differs from the majority */
    uint64_t safety_violations; /* broken invariants found by the checker (exit 1 if > 0) */
    uint64_t events;            /* engine events fired */
    uint64_t fingerprint;
    uint32_t protocol; /* index into consensus_protocols[] */
    bool clients;      /* the run had clients: the client_metric_fields columns apply */
    /* client_metric_fields (issue 16): what the clients saw */
    uint64_t ops_ok, ops_fail, ops_info; /* history completions (info: also never completed) */
    double ops_throughput;               /* ok operations per simulated second */
    double read_p50_s, read_p90_s, read_p99_s;    /* ok reads: invocation to completion */
    double write_p50_s, write_p90_s, write_p99_s; /* ok writes (set: adds and removes) */
    uint64_t linz_violations;                     /* keys whose history is not linearizable */
    uint64_t linz_unknown; /* keys the checker gave up on (a bound), never counted as passed */
    double proto[CONSENSUS_METRICS_MAX];
    /* its metric_names' values */ /* hash of every event's (time, kind, target):
                                      sim/engine/engine.h */
};

enum metric_kind {
    METRIC_COUNT,      /* uint64_t */
    METRIC_REAL,       /* double, may be NAN */
    METRIC_PROPORTION, /* double in [0,1]; numerator/denominator fields give Wilson CIs */
    METRIC_PARAM,      /* double, a scenario parameter: one column in points.csv, no statistics */
    METRIC_HASH,       /* uint64_t printed as 16 hex digits; not aggregated in points.csv */
};

struct metric_field {
    const char *name; /* CSV column */
    enum metric_kind kind;
    size_t offset;         /* offsetof(struct run_metrics, field) */
    const char *num, *den; /* proportions: names of the count fields it is made of */
    const char *help;      /* one line for docs */
};

extern const struct metric_field metric_fields[];
extern const size_t metric_field_count;

/* summary.csv columns of runs with clients (after the protocols' columns), and the bit of
 * summary_write_header's protocol mask that asks for them. */
extern const struct metric_field client_metric_fields[];
extern const size_t client_metric_field_count;
#define METRICS_CLIENTS (1u << 31)

struct scenario;
/* Fill the METRIC_PARAM fields of m from the scenario. */
void metrics_set_params(struct run_metrics *m, const struct scenario *sc);

/* True for a scenario with a fault source: network, link or heartbeat loss, duplication,
 * crashes, partitions or random faults. */
bool metrics_scenario_has_faults(const struct scenario *sc);

#endif
