/* metrics: the column table of struct run_metrics (see metrics.h). */
#include "sim/metrics.h"

#define COUNT_FIELD(f, h)                                                                          \
    {                                                                                              \
        .name = #f, .kind = METRIC_COUNT, .offset = offsetof(struct run_metrics, f), .help = h     \
    }
#define REAL_FIELD(f, h)                                                                           \
    {                                                                                              \
        .name = #f, .kind = METRIC_REAL, .offset = offsetof(struct run_metrics, f), .help = h      \
    }

const struct metric_field metric_fields[] = {
    COUNT_FIELD(proposals, "proposals submitted"),
    COUNT_FIELD(approved, "proposals decided approved (YES >= quorum)"),
    COUNT_FIELD(rejected, "proposals decided rejected (quorum out of reach)"),
    COUNT_FIELD(timeout, "proposals undecided at consensus.vote_timeout"),
    COUNT_FIELD(no_quorum, "proposals not sent: the proposer trusted fewer nodes than the quorum"),
    COUNT_FIELD(invalid, "proposals invalid on the proposer's replica (not sent)"),
    COUNT_FIELD(aborted, "proposals whose proposer crashed (or was down) before deciding"),
    {.name = "approval_rate",
     .kind = METRIC_PROPORTION,
     .offset = offsetof(struct run_metrics, approval_rate),
     .num = "approved",
     .den = "proposals",
     .help = "approved / proposals (NA without proposals)"},
    REAL_FIELD(decision_mean_s, "mean submit-to-decision time of approved, rejected and "
                                "timed-out proposals, seconds"),
    REAL_FIELD(decision_p50_s, "median of the same decision times (nearest rank), seconds"),
    REAL_FIELD(decision_p99_s, "99th percentile of the same decision times (nearest rank), "
                               "seconds"),
    COUNT_FIELD(messages_sent, "protocol and catch-up messages sent (heartbeats excluded)"),
    COUNT_FIELD(messages_lost, "of those, lost to network loss, partitions or a dead receiver"),
    COUNT_FIELD(heartbeats_sent, "heartbeats sent"),
    COUNT_FIELD(heartbeats_lost,
                "heartbeats lost (heartbeat.loss, network loss, partitions, dead receiver)"),
    COUNT_FIELD(suspicions, "suspect events (a node starts suspecting a peer)"),
    COUNT_FIELD(false_suspicions, "suspicions of a peer that was alive at the time"),
    COUNT_FIELD(detections, "crashes suspected by at least one live peer before recovery"),
    REAL_FIELD(detection_mean_s, "mean crash-to-first-suspicion time of detected crashes, "
                                 "seconds"),
    COUNT_FIELD(crashes, "node crashes (timed and random)"),
    COUNT_FIELD(recoveries, "node recoveries"),
    COUNT_FIELD(commits_applied, "successful commit applications over all replicas"),
    COUNT_FIELD(diverged_replicas, "replicas whose state hash differs from the majority's"),
    COUNT_FIELD(safety_violations, "broken safety invariants found by the checker"),
    COUNT_FIELD(events, "engine events fired"),
};

const size_t metric_field_count = sizeof(metric_fields) / sizeof(metric_fields[0]);
