/*
 * Tests for the determinism check (sim/run/detcheck, `run --check-determinism`) and the memory
 * limit (sim/cluster/limits, `--memory-limit`): a check that can fail, reported at the right event.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/xalloc.h"
#include "sim/cluster/cluster.h"
#include "sim/run/detcheck.h"
#include "sim/cluster/limits.h"
#include "sim/run/run.h"
#include "sim/scenario/scenario_yaml.h"
#include "testutil.h"

#define SRC(rel) ATLAS_SOURCE_DIR "/" rel

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_SANITIZER 1
#else
#define UNDER_SANITIZER 0
#endif

static char tmp[256];

static void make_tmp(void)
{
    tu_tmpdir(tmp, sizeof(tmp), "limits");
}

static void remove_tmp(void)
{
    tu_rmtree(tmp);
}

static void load_with(const char *path, int nsets, char *const *sets, struct scenario *sc)
{
    struct diag d;
    diag_init(&d);
    bool ok = scenario_load(path, nsets, sets, sc, &d);
    diag_print(&d, stderr);
    diag_fini(&d);
    cr_assert(ok, "%s does not load", path);
}

static void load(const char *path, struct scenario *sc)
{
    load_with(path, 0, NULL, sc);
}

/* ---- the determinism check ---- */

/* Every record of one in-process run of sc (cluster only, as run 1 does). */
struct stream {
    size_t n, cap;
    struct sim_record *r;
};

static void stream_tap(void *ctx, const struct sim_engine *eng, const struct sim_record *r)
{
    (void)eng;
    struct stream *s = ctx;
    XGROW(s->r, s->cap, s->n + 1);
    s->r[s->n++] = *r;
}

static void record_stream(const struct scenario *sc, struct stream *s)
{
    sim_tap_new_engines(stream_tap, s);
    struct cluster *c = cluster_new(sc, NULL);
    sim_tap_new_engines(NULL, NULL);
    cluster_run(c);
    cluster_free(c);
}

/* Check sc with hooks: run 2 is run_to_dir into tmp/out. */
static bool check(const struct scenario *sc, const struct detcheck_hooks *hooks,
                  struct detcheck_result *r, struct run_metrics *m)
{
    struct diag d;
    diag_init(&d);
    char out[300];
    snprintf(out, sizeof(out), "%s/out", tmp);
    struct detcheck *dc = detcheck_start(sc, hooks, "test", &d);
    cr_assert_not_null(dc);
    struct run_ident id = {.seed = sc->seed};
    bool inv = true;
    cr_assert(run_to_dir(sc, &id, out, m, &inv, &d));
    bool ok = detcheck_finish(dc, r, &d);
    detcheck_free(dc);
    diag_print(&d, stderr);
    diag_fini(&d);
    return ok;
}

Test(determinism, equal_runs_are_deterministic_with_the_fingerprint_of_summary_csv,
     .init = make_tmp, .fini = remove_tmp)
{
    struct scenario sc;
    load(SRC("scenarios/partition.yaml"), &sc);
    struct detcheck_result r;
    struct run_metrics m;
    cr_assert(check(&sc, NULL, &r, &m));
    cr_assert(r.same);
    cr_assert_eq(r.events, m.events, "every event compared: %lu of %lu", (unsigned long)r.events,
                 (unsigned long)m.events);
    cr_assert_eq(r.fingerprint, m.fingerprint);
    cr_assert_gt(r.events, 1000);
    scenario_fini(&sc);
}

static void extra(struct sim_engine *eng, const struct sim_event *ev)
{
    (void)eng;
    (void)ev;
}

struct perturb {
    uint64_t at;   /* after run 2's record `at` */
    bool stop;     /* stop run 2 there instead of adding an event */
    sim_time when; /* the extra event's time */
};

static void perturb_after(void *ctx, struct sim_engine *eng, uint64_t index)
{
    struct perturb *p = ctx;
    if (index != p->at)
        return;
    if (p->stop) {
        sim_stop(eng);
        return;
    }
    p->when = sim_now(eng) + 1;
    sim_schedule_at(eng, p->when, &(struct sim_event){.fn = extra});
}

Test(determinism, an_extra_event_in_the_second_run_is_reported_at_the_first_event_it_changes,
     .init = make_tmp, .fini = remove_tmp)
{
    struct scenario sc;
    load(SRC("scenarios/partition.yaml"), &sc);
    struct stream s = {0};
    record_stream(&sc, &s);
    cr_assert_gt(s.n, 2000);
    /* the extra event fires 1 ns after record K: the first record after K that is later
     * than t_K is where the streams part, if no record falls on t_K + 1 exactly */
    uint64_t k = s.n / 2;
    sim_time tk = s.r[k].time;
    size_t j = k + 1;
    while (j < s.n && s.r[j].time <= tk)
        j++;
    cr_assert_lt(j, s.n);
    for (size_t i = 0; i < s.n; i++)
        cr_assert_neq(s.r[i].time, tk + 1, "a record at t_K + 1 would make the order ambiguous");

    struct perturb p = {.at = k};
    struct detcheck_hooks hooks = {.after_record = perturb_after, .ctx = &p};
    struct detcheck_result r;
    struct run_metrics m;
    cr_assert(check(&sc, &hooks, &r, &m));
    cr_assert_not(r.same);
    cr_assert_eq(r.index, j, "reported at %lu, want %zu", (unsigned long)r.index, j);
    cr_assert_eq(r.events, j);
    cr_assert(r.present[0] && r.present[1]);
    cr_assert_eq(r.rec[0].time, s.r[j].time);
    cr_assert_eq(r.rec[0].kind, s.r[j].kind);
    cr_assert_eq(r.rec[0].target, s.r[j].target);
    cr_assert_eq(r.rec[1].time, tk + 1);
    cr_assert_eq(r.rec[1].target, 0);
    cr_assert_str_eq(r.kind_name[1], "unnamed");
    cr_assert_str_neq(r.kind_name[0], "unnamed");
    cr_assert_str_neq(r.kind_name[0], "?");

    /* the printed verdict names the event, both times and both kinds */
    char *text;
    size_t len;
    FILE *f = open_memstream(&text, &len);
    detcheck_print(&r, f);
    fclose(f);
    char want[200];
    snprintf(want, sizeof(want), "not deterministic: the runs differ at event %zu ", j);
    cr_assert(strstr(text, want), "%s", text);
    cr_assert(strstr(text, "run 2: time ") && strstr(text, "kind unnamed, target 0"), "%s", text);
    free(text);
    free(s.r);
    scenario_fini(&sc);
}

Test(determinism, a_second_run_that_stops_early_is_reported_where_it_ended, .init = make_tmp,
     .fini = remove_tmp)
{
    struct scenario sc;
    load(SRC("scenarios/quickstart.yaml"), &sc);
    struct stream s = {0};
    record_stream(&sc, &s);
    struct perturb p = {.at = 100, .stop = true};
    struct detcheck_hooks hooks = {.after_record = perturb_after, .ctx = &p};
    struct detcheck_result r;
    struct run_metrics m;
    cr_assert(check(&sc, &hooks, &r, &m));
    cr_assert_not(r.same);
    /* sim_stop ends the run after the current event: records 0..100 are equal, 101 is
     * missing from run 2 (unless the handler of 100 noted more at the same moment) */
    cr_assert_eq(r.index, m.events, "run 2 ended after %lu events", (unsigned long)m.events);
    cr_assert_geq(r.index, 101);
    cr_assert(r.present[0] && !r.present[1]);
    cr_assert_eq(r.rec[0].time, s.r[r.index].time);
    cr_assert_eq(r.rec[0].kind, s.r[r.index].kind);
    cr_assert_str_neq(r.kind_name[0], "?", "named after run 2's engine is gone");
    free(s.r);
    scenario_fini(&sc);
}

Test(determinism, the_command_prints_the_verdict_and_the_summary_fingerprint, .init = make_tmp,
     .fini = remove_tmp)
{
    char out[300], log[300];
    snprintf(out, sizeof(out), "%s/o", tmp);
    snprintf(log, sizeof(log), "%s/log", tmp);
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "'%s' run '%s' --check-determinism -o '%s' --quiet > '%s'",
             ATLAS_BINARY, SRC("scenarios/crash-recovery.yaml"), out, log);
    cr_assert_eq(system(cmd), 0);
    char *said = tu_slurp(log, NULL);
    char path[400];
    snprintf(path, sizeof(path), "%s/summary.csv", out);
    char *summary = tu_slurp(path, NULL);
    /* the data row ends with the events, the fingerprint and the build (atlas_sim) */
    char *row = strchr(summary, '\n') + 1;
    row[strcspn(row, "\n")] = '\0';
    *strrchr(row, ',') = '\0';
    char *fp = strrchr(row, ',');
    *fp++ = '\0';
    const char *events = strrchr(row, ',') + 1;
    char want[200];
    snprintf(want, sizeof(want), "deterministic: %s events, fingerprint %s\n", events, fp);
    cr_assert_str_eq(said, want);
    free(said);
    free(summary);
}

/* ---- the memory estimate and limit ---- */

static int shell(const char *cmd)
{
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Run `atlas-sim ARGS -o tmp/o`: its exit code; stderr in *err (owned). */
static int cli(const char *args, char **err)
{
    char cmd[2048], log[300];
    snprintf(log, sizeof(log), "%s/stderr", tmp);
    snprintf(cmd, sizeof(cmd), "'%s' %s -o '%s/o' >/dev/null 2>'%s'", ATLAS_BINARY, args, tmp, log);
    int rc = shell(cmd);
    *err = tu_slurp(log, NULL);
    return rc;
}

Test(memory, a_run_over_the_limit_is_refused_with_exit_2_naming_estimate_limit_and_largest_part,
     .init = make_tmp, .fini = remove_tmp)
{
    char args[1024], *err, out[300];
    snprintf(out, sizeof(out), "%s/o", tmp);
    snprintf(args, sizeof(args), "run '%s' --memory-limit 512M",
             SRC("scenarios/bench/ring-1m.yaml"));
    cr_assert_eq(cli(args, &err), 2);
    struct scenario sc;
    load(SRC("scenarios/bench/ring-1m.yaml"), &sc);
    struct mem_estimate e;
    limits_estimate(&sc, &e);
    char total[32], part[32], want[512];
    snprintf(want, sizeof(want),
             "scenarios/bench/ring-1m.yaml: error: estimated memory %s exceeds the limit 512.0 MiB "
             "(--memory-limit); the largest part is %s (%s per run)",
             limits_format(e.total, total, sizeof(total)), e.part[0].what,
             limits_format(e.part[0].bytes, part, sizeof(part)));
    cr_assert(strstr(err, want), "want %s\ngot  %s", want, err);
    cr_assert_not(exists(out), "a refused run writes nothing");
    free(err);
    /* a limit above the estimate lets it start (checked with a tiny scenario that runs) */
    snprintf(args, sizeof(args), "run '%s' --memory-limit 64M --quiet",
             SRC("scenarios/quickstart.yaml"));
    cr_assert_eq(cli(args, &err), 0, "%s", err);
    free(err);
    scenario_fini(&sc);
}

Test(memory, the_default_limit_refuses_an_absurd_scenario_by_its_largest_part, .init = make_tmp,
     .fini = remove_tmp)
{
    /* 10^7 nodes heartbeating to all: 10^14 links, petabytes, whatever the machine */
    char args[1024], *err;
    snprintf(args, sizeof(args),
             "run '%s' --set cluster.nodes=10000000 --set heartbeat.topology=all",
             SRC("scenarios/quickstart.yaml"));
    cr_assert_eq(cli(args, &err), 2);
    cr_assert(strstr(err, " PiB exceeds the limit "), "%s", err);
    cr_assert(strstr(err, "(MemAvailable); the largest part is heartbeats in flight"), "%s", err);
    free(err);
}

Test(memory, the_determinism_check_and_sweep_workers_multiply_the_estimate, .init = make_tmp,
     .fini = remove_tmp)
{
    struct scenario sc;
    load(SRC("scenarios/quickstart.yaml"), &sc);
    struct mem_estimate e;
    limits_estimate(&sc, &e);
    char args[1024], *err, size[64];
    snprintf(size, sizeof(size), "%.0f", 1.5 * e.total); /* room for one run, not two */
    snprintf(args, sizeof(args), "run '%s' --memory-limit %s --quiet",
             SRC("scenarios/quickstart.yaml"), size);
    cr_assert_eq(cli(args, &err), 0, "%s", err);
    free(err);
    snprintf(args, sizeof(args), "run '%s' --memory-limit %s --check-determinism",
             SRC("scenarios/quickstart.yaml"), size);
    cr_assert_eq(cli(args, &err), 2);
    cr_assert(strstr(err, "(2 runs at once x "), "%s", err);
    free(err);
    /* a sweep of quickstart's 5 nodes over 3 points: -j 2 needs two runs' worth */
    snprintf(args, sizeof(args),
             "sweep '%s' --set consensus.approval=0.5,0.7,0.9 --memory-limit %s -j 2 --quiet",
             SRC("scenarios/quickstart.yaml"), size);
    cr_assert_eq(cli(args, &err), 2);
    cr_assert(strstr(err, "(2 runs at once x "), "%s", err);
    free(err);
    char rm[300]; /* the first command's run folder, which a sweep refuses to replace */
    snprintf(rm, sizeof(rm), "rm -rf '%s/o'", tmp);
    cr_assert_eq(shell(rm), 0);
    snprintf(args, sizeof(args),
             "sweep '%s' --set consensus.approval=0.5,0.7,0.9 --memory-limit %s -j 1 --quiet",
             SRC("scenarios/quickstart.yaml"), size);
    cr_assert_eq(cli(args, &err), 0, "%s", err);
    free(err);
    scenario_fini(&sc);
}

Test(memory, the_estimate_grows_with_nodes_proposals_links_and_ledgers)
{
    struct scenario sc;
    load(SRC("scenarios/bench/ring-100k.yaml"), &sc);
    struct mem_estimate a, b;
    limits_estimate(&sc, &a);
    sc.nodes *= 2;
    limits_estimate(&sc, &b);
    /* everything but the graph and the base is per node: doubling nodes nearly doubles it */
    cr_assert(b.total > 1.9 * a.total && b.total < 2.0 * a.total, "%g -> %g", a.total, b.total);
    sc.heartbeat.topology = HB_ALL;
    limits_estimate(&sc, &b);
    cr_assert_str_eq(b.part[0].what, "heartbeats in flight and timers");
    cr_assert_gt(b.total, 4e10 * 56, "4e10 links, a heartbeat of 56 bytes in flight on each");
    sc.heartbeat.topology = HB_RING;
    sc.output.ledgers = true;
    limits_estimate(&sc, &b);
    cr_assert_str_eq(b.part[0].what, "ledgers");
    /* parts are sorted and add up */
    double sum = 0;
    for (size_t i = 0; i < b.nparts; i++) {
        sum += b.part[i].bytes;
        if (i)
            cr_assert_geq(b.part[i - 1].bytes, b.part[i].bytes);
    }
    cr_assert_float_eq(sum, b.total, 1e-9 * sum);
    scenario_fini(&sc);
}

/* 50,000 client operations on 5-node Raft: the estimate covers the run's measured peak, with the
 * end-of-run linearizability check and without it, and names the check's memo cache. (Before
 * the clients and the check were counted, the estimate was below the peak with the check.) */
Test(memory, the_estimate_covers_a_run_with_clients_and_its_linearizability_check, .init = make_tmp,
     .fini = remove_tmp)
{
    static const char *const checks[] = {"false", "true"}; /* the smaller peak first */
    for (int i = 0; i < 2; i++) {
        char check[64], *sets[] = {"clients.count=10", "clients.ops=5000", "clients.rate=100",
                                   "duration=60s", check};
        snprintf(check, sizeof(check), "checker.linearizability=%s", checks[i]);
        struct scenario sc;
        load_with(SRC("scenarios/clients-raft.yaml"), 5, sets, &sc);
        struct mem_estimate e;
        limits_estimate(&sc, &e);
        bool named = false;
        for (size_t k = 0; k < e.nparts; k++)
            named |= strcmp(e.part[k].what, "linearizability check") == 0;
        cr_assert_eq(named, i == 1, "the check's part is there exactly when it runs");
        scenario_fini(&sc);
        char args[1024], *err;
        snprintf(args, sizeof(args), "run '%s' --set %s --set %s --set %s --set %s --set %s -q",
                 SRC("scenarios/clients-raft.yaml"), sets[0], sets[1], sets[2], sets[3], sets[4]);
        cr_assert_eq(cli(args, &err), 0, "%s", err);
        free(err);
        struct rusage ru; /* the largest child so far: this one, the runs growing in order */
        cr_assert_eq(getrusage(RUSAGE_CHILDREN, &ru), 0);
        double peak = 1024.0 * (double)ru.ru_maxrss;
        if (!UNDER_SANITIZER) /* whose shadow memory the estimate does not count */
            cr_assert_geq(e.total, peak, "check %s: estimate %.0f below the peak %.0f", checks[i],
                          e.total, peak);
        char rm[300];
        snprintf(rm, sizeof(rm), "rm -rf '%s/o'", tmp);
        cr_assert_eq(shell(rm), 0);
    }
}

/* A log protocol's logs are counted: nodes x proposals x its bytes per entry (Raft's 8-byte
 * entries), and its per-proposal state (Raft's 12 bytes and the client table's bits);
 * quorum-vote keeps no log. */
Test(memory, a_log_protocol_counts_its_logs_at_nodes_times_proposals_times_entry_bytes)
{
    char *sets[] = {"consensus.protocol=raft", "cluster.nodes=7"};
    struct scenario sc;
    load_with(SRC("scenarios/bench/raft-1m.yaml"), 2, sets, &sc);
    struct mem_estimate e;
    limits_estimate(&sc, &e);
    double logs = -1, state = -1;
    for (size_t k = 0; k < e.nparts; k++) {
        if (strcmp(e.part[k].what, "replicated logs") == 0)
            logs = e.part[k].bytes;
        if (strcmp(e.part[k].what, "protocol state") == 0)
            state = e.part[k].bytes;
    }
    cr_assert_float_eq(logs, 7.0 * 1e6 * 8, 1, "replicated logs: %.0f bytes", logs);
    cr_assert_geq(state, 1e6 * 12, "Raft's 12 bytes a proposal at least: %.0f bytes", state);
    scenario_fini(&sc);
    char *qv[] = {"consensus.protocol=quorum-vote"};
    load_with(SRC("scenarios/bench/raft-1m.yaml"), 1, qv, &sc);
    limits_estimate(&sc, &e);
    for (size_t k = 0; k < e.nparts; k++)
        cr_assert_str_neq(e.part[k].what, "replicated logs");
    scenario_fini(&sc);
}

/* A scenario with every feature the estimate counts has every part, within MEM_PARTS (the
 * array once had 10 slots for 16 parts: an out-of-bounds write only a sanitizer saw). */
Test(memory, a_scenario_with_every_counted_feature_has_every_part_within_the_array)
{
    char *sets[] = {"network.fifo=true",
                    "clients.count=2",
                    "consensus.broadcast_votes=true",
                    "output.progress_interval=1s",
                    "output.ledgers=true",
                    "cluster.service={dist: constant, value: 1ms}"};
    struct scenario sc;
    load_with(SRC("scenarios/geo-zones.yaml"), 6, sets, &sc);
    struct mem_estimate e;
    limits_estimate(&sc, &e);
    static const char *const parts[] = {"per-node state",
                                        "replicas and applied sets",
                                        "proposals",
                                        "protocol state",
                                        "replicated logs",
                                        "heartbeat links",
                                        "heartbeats in flight and timers",
                                        "fifo pairs",
                                        "zones",
                                        "service queues",
                                        "messages in flight",
                                        "client operations",
                                        "linearizability check",
                                        "broadcast-vote tallies",
                                        "progress rows",
                                        "ledgers",
                                        "final graph",
                                        "base"};
    size_t want = sizeof(parts) / sizeof(parts[0]);
    cr_assert_leq(want, MEM_PARTS);
    cr_assert_eq(e.nparts, want, "%zu parts", e.nparts);
    double sum = 0;
    for (size_t i = 0; i < want; i++) {
        bool found = false;
        for (size_t k = 0; k < e.nparts; k++)
            found |= strcmp(e.part[k].what, parts[i]) == 0;
        cr_assert(found, "no part '%s'", parts[i]);
        sum += e.part[i].bytes;
    }
    cr_assert_float_eq(sum, e.total, 1e-9 * sum);
    scenario_fini(&sc);
}

Test(memory, sizes_parse_with_binary_units_and_format_readably)
{
    double v;
    char err[512], buf[32];
    cr_assert(limits_parse_size("512M", &v, err, sizeof(err)) && v == 512.0 * 1024 * 1024);
    cr_assert(limits_parse_size("1.5G", &v, err, sizeof(err)) && v == 1.5 * 1024 * 1024 * 1024);
    cr_assert(limits_parse_size("4GiB", &v, err, sizeof(err)) && v == 4.0 * 1024 * 1024 * 1024);
    cr_assert(limits_parse_size("2TB", &v, err, sizeof(err)) && v == 2.0 * 1099511627776.0);
    cr_assert(limits_parse_size("1000", &v, err, sizeof(err)) && v == 1000);
    cr_assert_not(limits_parse_size("5x", &v, err, sizeof(err)));
    cr_assert(strstr(err, "unknown unit"), "%s", err);
    cr_assert_not(limits_parse_size("-1G", &v, err, sizeof(err)));
    cr_assert_not(limits_parse_size("G", &v, err, sizeof(err)));
    static const char *const malformed[] = {" 4G", "+4G", "-0", "0x10", "1e3", "4 G", ".", ""};
    for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
        cr_assert_not(limits_parse_size(malformed[i], &v, err, sizeof(err)), "'%s'", malformed[i]);
        cr_assert(strstr(err, "is not a size") || strstr(err, "unknown unit"), "%s", err);
    }
    cr_assert_not(limits_parse_size("0", &v, err, sizeof(err)), "0 would mean no limit");
    cr_assert_not(limits_parse_size("0.0G", &v, err, sizeof(err)));
    cr_assert(strstr(err, "'0.0G' is not a size above 0"), "%s", err);
    cr_assert(limits_parse_size("0.5K", &v, err, sizeof(err)) && v == 512);
    cr_assert(limits_parse_size(".5K", &v, err, sizeof(err)) && v == 512);
    char huge[320]; /* 10^305 T: finite, infinite after the unit */
    memset(huge, '0', sizeof(huge));
    huge[0] = '1';
    strcpy(huge + 306, "T");
    cr_assert_not(limits_parse_size(huge, &v, err, sizeof(err)), "infinite after the unit");
    cr_assert(strstr(err, "too large"), "%s", err);
    cr_assert_str_eq(limits_format(41.2 * 1073741824.0, buf, sizeof(buf)), "41.2 GiB");
    cr_assert_str_eq(limits_format(512, buf, sizeof(buf)), "512 B");
    cr_assert_str_eq(limits_format(288.0 * 1048576, buf, sizeof(buf)), "288.0 MiB");
    const char *source;
    double machine = limits_machine(&source);
    cr_assert_gt(machine, 0);
    cr_assert_str_eq(source, "MemAvailable", "Linux has /proc/meminfo");
    double dflt = limits_default(&source);
    /* MemAvailable moves between readings (other processes free memory): allow what it
     * moved by, read once more, and 64 MiB */
    double again = limits_machine(&source), most = machine > again ? machine : again;
    cr_assert(dflt > 0 && dflt <= most + 64.0 * 1048576,
              "the default is the machine's or a smaller cgroup's: %.0f > %.0f", dflt, most);
}

/* Write text to root/rel (creating folders). */
static void cg_file(const char *root, const char *rel, const char *text)
{
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s/%s')\" && printf '%%s' '%s' > '%s/%s'",
             root, rel, text, root, rel);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
}

Test(limits, the_cgroup_room_is_the_least_limit_minus_usage_up_the_tree)
{
    char root[] = "/tmp/atlas-cgroup-XXXXXX", self[600], cmd[700];
    cr_assert(mkdtemp(root));
    snprintf(self, sizeof(self), "%s/self-cgroup", root);
    /* v2: the job's 1 GiB limit with 100 MiB used binds; its step has no limit of its own */
    cg_file(root, "self-cgroup", "0::/job/step\n");
    cg_file(root, "job/memory.max", "1073741824\n");
    cg_file(root, "job/memory.current", "104857600\n");
    cg_file(root, "job/step/memory.max", "max\n");
    cg_file(root, "job/step/memory.current", "1048576\n");
    cr_assert_eq(limits_cgroup_room(root, self), 1073741824.0 - 104857600.0);
    /* a tighter limit lower in the tree wins */
    cg_file(root, "job/step/memory.max", "52428800\n");
    cr_assert_eq(limits_cgroup_room(root, self), 52428800.0 - 1048576.0);
    /* v1: memory controller line; v1's 'no limit' is a huge number */
    cg_file(root, "self-cgroup", "4:memory:/a/b\n0::/\n");
    cg_file(root, "memory/a/memory.limit_in_bytes", "2147483648\n");
    cg_file(root, "memory/a/memory.usage_in_bytes", "147483648\n");
    cg_file(root, "memory/a/b/memory.limit_in_bytes", "9223372036854771712\n");
    cr_assert_eq(limits_cgroup_room(root, self), 2e9);
    /* no limit anywhere, or no cgroup file: 0 */
    cg_file(root, "memory/a/memory.limit_in_bytes", "9223372036854771712\n");
    cr_assert_eq(limits_cgroup_room(root, self), 0);
    snprintf(self, sizeof(self), "%s/absent", root);
    cr_assert_eq(limits_cgroup_room(root, self), 0);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    cr_assert_eq(system(cmd), 0);
}

/* ---- absurd sweeps from the command line ---- */

Test(limits, a_sweep_of_a_billion_points_from_set_ranges_is_refused_before_anything_runs,
     .init = make_tmp, .fini = remove_tmp)
{
    char args[1024], *err, out[300];
    snprintf(out, sizeof(out), "%s/o", tmp);
    snprintf(args, sizeof(args),
             "sweep '%s' --set 'cluster.nodes={from: 1, to: 1000, step: 1}' "
             "--set 'consensus.approval={from: 0.001, to: 1, step: 0.001}' "
             "--set 'network.loss={from: 0, to: 0.999, step: 0.001}'",
             SRC("scenarios/quickstart.yaml"));
    cr_assert_eq(cli(args, &err), 2);
    cr_assert(strstr(err, "quickstart.yaml: error: sweep.params: the sweep has 1000000000 points "
                          "(at most 1000000)"),
              "%s", err);
    cr_assert_not(exists(out));
    free(err);
    /* points within the limit but too many runs */
    snprintf(args, sizeof(args),
             "sweep '%s' --set 'cluster.nodes={from: 1, to: 11, step: 1}' "
             "--set sweep.replications=1000000",
             SRC("scenarios/quickstart.yaml"));
    cr_assert_eq(cli(args, &err), 2);
    cr_assert(strstr(err, "the sweep has 11000000 runs (11 points x 1000000 replications; at "
                          "most 10000000)"),
              "%s", err);
    cr_assert_not(exists(out));
    free(err);
}

/* ---- merge never replaces another command's files ---- */

Test(output, merge_into_a_run_folder_is_refused_and_leaves_the_run_untouched, .init = make_tmp,
     .fini = remove_tmp)
{
    char cmd[2048], args[1024], *err, path[300];
    const char *sweep = SRC("scenarios/sweep-approval-nodes.yaml");
    for (int k = 1; k <= 2; k++) {
        snprintf(cmd, sizeof(cmd),
                 "'%s' sweep '%s' --set sweep.replications=1 --set cluster.nodes=3,5 "
                 "--set consensus.approval=0.9 --shard %d/2 --quiet -o '%s/s%d' 2>/dev/null",
                 ATLAS_BINARY, sweep, k, tmp, k);
        cr_assert_eq(shell(cmd), 0);
    }
    snprintf(args, sizeof(args), "run '%s' --quiet", SRC("scenarios/quickstart.yaml"));
    cr_assert_eq(cli(args, &err), 0, "%s", err);
    free(err);
    snprintf(path, sizeof(path), "%s/o/summary.csv", tmp);
    char *before = tu_slurp(path, NULL);
    snprintf(args, sizeof(args), "merge '%s/s1' '%s/s2'", tmp, tmp);
    cr_assert_eq(cli(args, &err), 2);
    cr_assert(strstr(err, "/o: already holds summary.csv; merge into a new folder"), "%s", err);
    free(err);
    char *after = tu_slurp(path, NULL);
    cr_assert_str_eq(after, before, "the run's summary.csv is untouched");
    snprintf(path, sizeof(path), "%s/o/.sweep", tmp);
    cr_assert_not(exists(path), "no sweep identity is written into the run's folder");
    free(before);
    free(after);
}

Test(output, a_run_into_a_sweep_folder_and_a_sweep_into_a_run_folder_are_refused, .init = make_tmp,
     .fini = remove_tmp)
{
    char args[1024], *err, path[300];
    snprintf(args, sizeof(args),
             "sweep '%s' --set sweep.replications=1 --set cluster.nodes=3 "
             "--set consensus.approval=0.9 --quiet",
             SRC("scenarios/sweep-approval-nodes.yaml"));
    cr_assert_eq(cli(args, &err), 0, "%s", err);
    free(err);
    snprintf(path, sizeof(path), "%s/o/summary.csv", tmp);
    char *sweep_summary = tu_slurp(path, NULL);
    char run_args[1024];
    snprintf(run_args, sizeof(run_args), "run '%s' --quiet", SRC("scenarios/quickstart.yaml"));
    cr_assert_eq(cli(run_args, &err), 2);
    cr_assert(strstr(err, "/o: error: holds a sweep (.sweep), whose summary.csv a run would "
                          "replace; use another folder"),
              "%s", err);
    free(err);
    char *now = tu_slurp(path, NULL);
    cr_assert_str_eq(now, sweep_summary, "the sweep's summary.csv is untouched");
    free(now);
    free(sweep_summary);
    /* the other way round: a sweep (fresh or --resume) into a run's folder */
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s/o'", tmp);
    cr_assert_eq(shell(cmd), 0);
    cr_assert_eq(cli(run_args, &err), 0, "%s", err);
    free(err);
    char *run_summary = tu_slurp(path, NULL);
    for (int resume = 0; resume <= 1; resume++) {
        char sweep_args[1100];
        snprintf(sweep_args, sizeof(sweep_args), "%s%s", args, resume ? " --resume" : "");
        cr_assert_eq(cli(sweep_args, &err), 2);
        cr_assert(strstr(err, "/o: holds the results of a run (summary.csv or "
                              "scenario.resolved.yaml), which a sweep would replace"),
                  "%s", err);
        free(err);
        now = tu_slurp(path, NULL);
        cr_assert_str_eq(now, run_summary, "the run's summary.csv is untouched");
        free(now);
        snprintf(cmd, sizeof(cmd), "%s/o/.sweep", tmp);
        cr_assert_not(exists(cmd));
    }
    free(run_summary);
}

Test(output, a_scenario_name_that_leaves_out_is_refused_for_the_default_folder, .init = make_tmp,
     .fini = remove_tmp)
{
    static const char *const names[] = {"../escaped", "..", "\"\"", "a/../../escaped"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char cmd[2048], file[300], path[300];
        snprintf(file, sizeof(file), "%s/s.yaml", tmp);
        FILE *f = fopen(file, "w");
        cr_assert_not_null(f);
        fprintf(f, "name: %s\nseed: 1\nduration: 1s\ncluster:\n  nodes: 3\n", names[i]);
        fclose(f);
        for (int sweep = 0; sweep <= 1; sweep++) {
            snprintf(cmd, sizeof(cmd),
                     "mkdir -p '%s/cwd' && cp '%s' '%s/cwd/s.yaml' && cd '%s/cwd' && '%s' %s "
                     "s.yaml --quiet 2>err",
                     tmp, file, tmp, tmp, ATLAS_BINARY, sweep ? "sweep" : "run");
            cr_assert_eq(shell(cmd), 2, "%s %s", sweep ? "sweep" : "run", names[i]);
            snprintf(path, sizeof(path), "%s/cwd/err", tmp);
            char *err = tu_slurp(path, NULL);
            cr_assert(strstr(err, "s.yaml: error: name: ") &&
                          strstr(err, "cannot name a folder under out/"),
                      "%s", err);
            free(err);
            snprintf(path, sizeof(path), "%s/escaped", tmp);
            cr_assert_not(exists(path), "nothing is written outside out/");
            snprintf(path, sizeof(path), "%s/cwd/summary.csv", tmp);
            cr_assert_not(exists(path), "nothing is written into the current folder");
            snprintf(path, sizeof(path), "%s/cwd/out", tmp);
            cr_assert_not(exists(path));
        }
    }
}

Test(determinism, a_run_that_cannot_write_reports_only_its_own_error, .init = make_tmp,
     .fini = remove_tmp)
{
    char path[300], args[1024], *err;
    snprintf(path, sizeof(path), "%s/o", tmp);
    FILE *f = fopen(path, "w"); /* -o names a regular file */
    cr_assert_not_null(f);
    fclose(f);
    snprintf(args, sizeof(args), "run '%s' --check-determinism --quiet",
             SRC("scenarios/quickstart.yaml"));
    cr_assert_eq(cli(args, &err), 2);
    cr_assert(strstr(err, "/o: error: cannot create output folder: "), "%s", err);
    cr_assert_null(strstr(err, "--check-determinism"), "no second, unrelated error: %s", err);
    free(err);
}

Test(output, an_empty_output_folder_is_refused_instead_of_writing_into_the_current_folder,
     .init = make_tmp, .fini = remove_tmp)
{
    static const char *const commands[] = {"run '%s' -o '' --quiet", "sweep '%s' -o '' --quiet",
                                           "merge '%s' -o ''"};
    const char *files[] = {SRC("scenarios/quickstart.yaml"),
                           SRC("scenarios/sweep-approval-nodes.yaml"), tmp};
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        char args[1024], cmd[2048], path[300];
        snprintf(args, sizeof(args), commands[i], files[i]);
        snprintf(cmd, sizeof(cmd), "mkdir -p '%s/cwd' && cd '%s/cwd' && '%s' %s 2>'%s/err'", tmp,
                 tmp, ATLAS_BINARY, args, tmp);
        cr_assert_eq(shell(cmd), 2, "%s", args);
        snprintf(path, sizeof(path), "%s/err", tmp);
        char *err = tu_slurp(path, NULL);
        cr_assert(strstr(err, "-o needs a folder name, got ''"), "%s", err);
        free(err);
        snprintf(cmd, sizeof(cmd), "rmdir '%s/cwd'", tmp); /* fails unless empty */
        cr_assert_eq(shell(cmd), 0, "%s wrote into the current folder", args);
    }
}

Test(output, a_sweep_resumes_only_with_the_traces_choice_it_was_started_with, .init = make_tmp,
     .fini = remove_tmp)
{
    for (int traces = 0; traces <= 1; traces++) {
        char args[1024], cmd[1200], *err;
        snprintf(args, sizeof(args),
                 "sweep '%s' --set sweep.replications=2 --set cluster.nodes=3,5 "
                 "--set consensus.approval=0.9 --quiet",
                 SRC("scenarios/sweep-approval-nodes.yaml"));
        const char *same = traces ? " --traces" : "", *other = traces ? "" : " --traces";
        snprintf(cmd, sizeof(cmd), "%s%s", args, same);
        cr_assert_eq(cli(cmd, &err), 0, "%s", err);
        free(err);
        /* interrupted after 2 of 4 runs: the journal's first lines, no results yet */
        snprintf(cmd, sizeof(cmd),
                 "cd '%s/o' && rm -rf summary.csv points.csv $(tail -n +3 .journal | sed "
                 "'s|^\\([0-9]*\\) .*|runs/\\1|') && head -n 2 .journal > j && mv j .journal",
                 tmp);
        cr_assert_eq(shell(cmd), 0);
        snprintf(cmd, sizeof(cmd), "%s --resume%s", args, other);
        cr_assert_eq(cli(cmd, &err), 2, "%s", cmd);
        char want[200];
        snprintf(want, sizeof(want),
                 "/o: the sweep was started %s --traces and 2 runs are finished; resume it %s "
                 "--traces too",
                 traces ? "with" : "without", traces ? "with" : "without");
        cr_assert(strstr(err, want), "%s", err);
        free(err);
        snprintf(cmd, sizeof(cmd), "%s/o/summary.csv", tmp);
        cr_assert_not(exists(cmd));
        snprintf(cmd, sizeof(cmd), "%s/o/runs", tmp);
        cr_assert_eq(exists(cmd), traces, "runs/ is made only by a sweep with --traces");
        snprintf(cmd, sizeof(cmd), "%s --resume%s", args, same);
        cr_assert_eq(cli(cmd, &err), 0, "%s", err);
        free(err);
        for (int run = 0; run < 4; run++) {
            snprintf(cmd, sizeof(cmd), "%s/o/runs/%d/summary.csv", tmp, run);
            cr_assert_eq(exists(cmd), traces, "%s", cmd);
        }
        snprintf(cmd, sizeof(cmd), "rm -rf '%s/o'", tmp);
        cr_assert_eq(shell(cmd), 0);
    }
}

Test(limits, a_sweep_value_given_twice_is_refused_before_anything_runs, .init = make_tmp,
     .fini = remove_tmp)
{
    static const char *const sets[][2] = {
        {"--set consensus.approval=0.7,0.5,0.70", "consensus.approval: '0.7' and '0.70' are the "
                                                  "same value; its runs would be counted twice"},
        {"--set duration=1s,2s,1s", "duration: '1s' and '1s' are the same value"},
    };
    char args[1024], *err, out[300];
    snprintf(out, sizeof(out), "%s/o", tmp);
    for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
        snprintf(args, sizeof(args), "sweep '%s' %s --set sweep.replications=2 --quiet",
                 SRC("scenarios/quickstart.yaml"), sets[i][0]);
        cr_assert_eq(cli(args, &err), 2, "%s", args);
        cr_assert(strstr(err, "quickstart.yaml: error: sweep.params: "), "%s", err);
        cr_assert(strstr(err, sets[i][1]), "%s", err);
        cr_assert_not(exists(out));
        free(err);
    }
    /* in the file's own list too */
    char file[300];
    snprintf(file, sizeof(file), "%s/s.yaml", tmp);
    FILE *f = fopen(file, "w");
    cr_assert_not_null(f);
    fputs("name: s\nseed: 1\nduration: 1s\ncluster:\n  nodes: 3\nsweep:\n  params:\n"
          "    cluster.nodes: [3, 5, 3]\n  replications: 2\n",
          f);
    fclose(f);
    snprintf(args, sizeof(args), "sweep '%s' --quiet", file);
    cr_assert_eq(cli(args, &err), 2);
    cr_assert(strstr(err, "cluster.nodes: '3' and '3' are the same value"), "%s", err);
    cr_assert_not(exists(out));
    free(err);
}

Test(output, a_merge_that_fails_leaves_nothing_and_can_be_run_again, .init = make_tmp,
     .fini = remove_tmp)
{
    char cmd[2048], path[300];
    for (int k = 1; k <= 2; k++) { /* 140 runs: a 37 KB journal */
        snprintf(cmd, sizeof(cmd),
                 "'%s' sweep '%s' --set sweep.replications=2 --shard %d/2 --quiet -o '%s/s%d'",
                 ATLAS_BINARY, SRC("scenarios/sweep-approval-nodes.yaml"), k, tmp, k);
        cr_assert_eq(shell(cmd), 0);
    }
    snprintf(cmd, sizeof(cmd), "ulimit -f 20 && '%s' merge '%s/s1' '%s/s2' -o '%s/o' 2>'%s/err'",
             ATLAS_BINARY, tmp, tmp, tmp, tmp);
    cr_assert_eq(shell(cmd), 2);
    snprintf(path, sizeof(path), "%s/err", tmp);
    char *err = tu_slurp(path, NULL);
    cr_assert(strstr(err, "/o/.journal: File too large"), "%s", err);
    free(err);
    snprintf(path, sizeof(path), "%s/o", tmp);
    cr_assert_not(exists(path), "the folder the failed merge made is removed");
    snprintf(cmd, sizeof(cmd), "'%s' merge '%s/s1' '%s/s2' -o '%s/o'", ATLAS_BINARY, tmp, tmp, tmp);
    cr_assert_eq(shell(cmd), 0, "run again once the cause is gone");
    snprintf(path, sizeof(path), "%s/o/points.csv", tmp);
    cr_assert(exists(path));
}
