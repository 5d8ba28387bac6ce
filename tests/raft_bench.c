/*
 * raft-bench: CPU time of Raft itself (core/raft through the fake port of raft_harness.c,
 * no simulator, no traces): N nodes commit COUNT commands under LOSS message loss. Not a
 * test (nothing is timed in CI); BENCHMARKS.md records its figures.
 *
 *   raft-bench [COUNT [NODES [LOSS [SEED]]]]     defaults: 1000000 5 0.01 1
 *
 * Prints the CPU seconds (getrusage: user + system), the simulated seconds, events,
 * messages, commands approved and the peak resident set size. Exit 1 when a command was
 * not decided or a safety counter is non-zero, 2 on bad arguments.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "raft_harness.h"

static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

static bool arg_u64(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    *out = v;
    return *s && !*end;
}

int main(int argc, char **argv)
{
    uint64_t count = 1000000, nodes = 5, seed = 1;
    double loss = 0.01;
    char *end = NULL;
    if (argc > 5 || (argc > 1 && !arg_u64(argv[1], &count)) ||
        (argc > 2 && !arg_u64(argv[2], &nodes)) ||
        (argc > 3 && ((loss = strtod(argv[3], &end)) < 0 || loss >= 1 || *end)) ||
        (argc > 4 && !arg_u64(argv[4], &seed)) || count == 0 || nodes == 0 || nodes > 100000) {
        fprintf(stderr, "usage: raft-bench [COUNT [NODES [LOSS [SEED]]]]\n");
        return 2;
    }
    struct h_options o = h_defaults(seed);
    o.nodes = (uint32_t)nodes;
    o.loss = loss;
    o.max_proposals = count;
    o.light = true;
    o.client_timeout = 10 * 1000 * H_MS;
    struct harness *h = h_new(&raft_ops, &o);
    double t0 = cpu_seconds();
    uint32_t leader = h_run_until_leader(h, 0, 10 * 1000 * H_MS);
    /* 800 commands/s: below one follower's stop-and-wait rate of 6 entries per round trip
     * (2-10 ms), so the leader keeps up and every command commits. */
    consensus_time gap = 1250000;
    h_workload(h, count, gap, leader < nodes ? leader : (uint32_t)nodes);
    consensus_time end_time = h_now(h) + count * gap + 20 * 1000 * H_MS;
    h_run_until(h, end_time);
    double cpu = cpu_seconds() - t0;
    const struct h_counts *c = h_counts(h);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    uint64_t decided = 0;
    for (int k = 0; k < CONSENSUS_OUTCOME_COUNT; k++)
        decided += c->outcomes[k];
    printf("raft-bench: %llu commands, %llu nodes, loss %g, seed %llu\n", (unsigned long long)count,
           (unsigned long long)nodes, loss, (unsigned long long)seed);
    printf("cpu_s %.3f\nsim_s %.3f\nevents %llu\nmessages %llu\napproved %llu\n"
           "rejected %llu\ntimeout %llu\napplied_total %llu\npeak_rss_mib %.1f\n",
           cpu, h_now(h) / 1e9, (unsigned long long)c->events, (unsigned long long)c->messages,
           (unsigned long long)c->outcomes[CONSENSUS_APPROVED],
           (unsigned long long)c->outcomes[CONSENSUS_REJECTED],
           (unsigned long long)c->outcomes[CONSENSUS_TIMEOUT], (unsigned long long)c->applied_total,
           ru.ru_maxrss / 1024.0);
    bool ok = decided == count && c->election_safety == 0 && c->state_machine == 0;
    h_free(h);
    return ok ? 0 : 1;
}
