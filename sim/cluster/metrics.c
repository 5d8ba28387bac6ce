/* metrics: the column table of struct run_metrics (see metrics.h). */
#include "sim/cluster/metrics.h"

#include <math.h>

#include "sim/scenario/scenario.h"

#define COUNT_FIELD(f, h)                                                                          \
    {                                                                                              \
        .name = #f, .kind = METRIC_COUNT, .offset = offsetof(struct run_metrics, f), .help = h     \
    }
#define REAL_FIELD(f, h)                                                                           \
    {                                                                                              \
        .name = #f, .kind = METRIC_REAL, .offset = offsetof(struct run_metrics, f), .help = h      \
    }

#define PARAM_FIELD(f, h)                                                                          \
    {                                                                                              \
        .name = #f, .kind = METRIC_PARAM, .offset = offsetof(struct run_metrics, f), .help = h     \
    }

const struct metric_field metric_fields[] = {
    PARAM_FIELD(nodes, "cluster.nodes"),
    PARAM_FIELD(quorum, "YES votes a proposal needs (cluster.quorum resolved for the node count)"),
    PARAM_FIELD(approval, "consensus.approval (NA when consensus.approvals overrides some nodes)"),
    PARAM_FIELD(duration_s, "simulated duration, seconds"),
    PARAM_FIELD(faults, "1 if the scenario has a fault source (network, link or heartbeat loss, "
                        "duplication, crashes, partitions, random faults, zone crashes or outages, "
                        "slow periods, clogs), else 2 if it has Byzantine nodes "
                        "(consensus.byzantine), else 0"),
    COUNT_FIELD(proposals, "proposals submitted"),
    COUNT_FIELD(approved, "proposals decided approved (YES >= quorum)"),
    COUNT_FIELD(rejected, "proposals decided rejected (quorum out of reach)"),
    COUNT_FIELD(timeout, "proposals undecided at consensus.vote_timeout"),
    COUNT_FIELD(no_quorum, "proposals not sent: the proposer trusted fewer nodes than the quorum"),
    COUNT_FIELD(invalid, "proposals invalid on the proposer's replica (not sent)"),
    COUNT_FIELD(aborted, "proposals whose proposer crashed (or was down) before deciding"),
    COUNT_FIELD(undecided, "proposals still open when the run ended (their deadline lies past "
                           "it); the outcomes add up to proposals"),
    {.name = "approval_rate",
     .kind = METRIC_PROPORTION,
     .offset = offsetof(struct run_metrics, approval_rate),
     .num = "approved",
     .den = "proposals",
     .help = "approved / proposals (NA without proposals)"},
    REAL_FIELD(decision_mean_s, "mean submit-to-decision time of approved, rejected and "
                                "timed-out proposals, seconds"),
    REAL_FIELD(decision_p50_s, "median of the same decision times (nearest rank), seconds"),
    REAL_FIELD(decision_p90_s, "90th percentile of the same decision times (nearest rank), "
                               "seconds"),
    REAL_FIELD(decision_p99_s, "99th percentile of the same decision times (nearest rank), "
                               "seconds"),
    REAL_FIELD(commit_mean_s, "mean submit-to-decision time of approved proposals only (a "
                              "timed-out proposal's time is its deadline: it caps the decision "
                              "percentiles, not these), seconds"),
    REAL_FIELD(commit_p50_s, "median of the approved proposals' decision times, seconds"),
    REAL_FIELD(commit_p90_s, "90th percentile of the approved proposals' decision times, seconds"),
    REAL_FIELD(commit_p99_s, "99th percentile of the approved proposals' decision times, seconds"),
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
    {.name = "fingerprint",
     .kind = METRIC_HASH,
     .offset = offsetof(struct run_metrics, fingerprint),
     .help = "hash of every event's (time, kind, target), 16 hex digits: equal runs, equal "
             "values (atlas-sim run --check-determinism)"},
};

const size_t metric_field_count = sizeof(metric_fields) / sizeof(metric_fields[0]);

bool metrics_scenario_has_faults(const struct scenario *sc)
{
    if (sc->network.loss > 0 || sc->network.duplicate > 0 || sc->faults.ncrashes > 0 ||
        sc->faults.npartitions > 0 || sc->faults.random.enabled || sc->faults.leader.enabled)
        return true;
    if (sc->faults.nzone_crashes || sc->faults.zone_random.enabled || sc->faults.nslow ||
        sc->faults.nclogs)
        return true;
    if (sc->heartbeat.enabled && sc->heartbeat.loss > 0)
        return true;
    for (size_t i = 0; i < sc->network.nlinks; i++)
        if (sc->network.links[i].loss > 0)
            return true;
    return false;
}

void metrics_set_params(struct run_metrics *m, const struct scenario *sc)
{
    m->nodes = sc->nodes;
    m->quorum = quorum_size(&sc->consensus.quorum, sc->nodes);
    m->approval = sc->consensus.napproval ? NAN : sc->consensus.approval;
    m->duration_s = (double)sc->duration / 1e9;
    bool byzantine =
        sc->consensus.byzantine.enabled && sc->consensus.byzantine.behaviour != CONSENSUS_HONEST;
    m->faults = metrics_scenario_has_faults(sc) ? 1 : byzantine ? 2 : 0;
}

const struct metric_field client_metric_fields[] = {
    COUNT_FIELD(ops_ok, "client operations completed ok (history.csv)"),
    COUNT_FIELD(ops_fail, "client operations that failed (known not to have taken effect)"),
    COUNT_FIELD(ops_info, "client operations indeterminate: timed out, or open at the end"),
    REAL_FIELD(ops_throughput, "ok client operations per simulated second"),
    REAL_FIELD(read_p50_s, "median latency of ok reads (invocation to completion), seconds"),
    REAL_FIELD(read_p90_s, "90th percentile of the same, seconds"),
    REAL_FIELD(read_p99_s, "99th percentile of the same, seconds"),
    REAL_FIELD(write_p50_s, "median latency of ok writes (set: adds, removes), seconds"),
    REAL_FIELD(write_p90_s, "90th percentile of the same, seconds"),
    REAL_FIELD(write_p99_s, "99th percentile of the same, seconds"),
    COUNT_FIELD(linz_violations, "keys whose client history is not linearizable"),
    COUNT_FIELD(linz_unknown, "keys the linearizability checker gave up on (checker.max_steps)"),
};
const size_t client_metric_field_count =
    sizeof(client_metric_fields) / sizeof(client_metric_fields[0]);
