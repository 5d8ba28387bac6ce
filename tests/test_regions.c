/*
 * test_regions: issue 16's clients by region in whole runs: `clients.attach: zone` (client i
 * in zone i mod k, the clients of a zone round robin over its nodes), regions.csv (the
 * client metrics per client zone) against the same figures computed here from history.csv,
 * and the bad-input positions of the attachment.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cluster/clients.h"
#include "sim/cluster/cluster.h"
#include "sim/scenario/scenario_yaml.h"
#include "testutil.h"

/* Proposal id -> the node that proposed it, from the outcomes of a run. */
struct proposers {
    uint32_t node[4096];
};

static void on_outcome(void *ctx, const struct trace_outcome *r)
{
    struct proposers *p = ctx;
    cr_assert_lt(r->proposal, 4096);
    p->node[r->proposal] = r->proposer;
}
static const struct trace_sink_ops proposer_ops = {.outcome = on_outcome};

/* Zones us = {0, 1, 2} and eu = {3, 4}: 6 clients are us, eu, us, eu, us, eu, and take their
 * zone's nodes in turn: us 0, 1, 2; eu 3, 4, then 3 again. quorum-vote: the proposer of a
 * client's proposal is the node it submitted to. */
Test(regions, attach_zone_puts_client_i_in_zone_i_mod_k_on_its_nodes_in_turn)
{
    struct scenario sc = tu_resolve("duration: 2s\n"
                                    "cluster:\n  nodes: 5\n"
                                    "  zones: [{name: us, count: 3}, {name: eu, count: 2}]\n"
                                    "consensus: {protocol: quorum-vote, approval: 1}\n"
                                    "clients: {count: 6, attach: zone, ops: 20, keys: 4}\n");
    static struct proposers p;
    memset(&p, 0xff, sizeof(p));
    struct trace tr = {.ops = &proposer_ops, .ctx = &p};
    struct cluster *c = cluster_new(&sc, &tr);
    cluster_run(c);
    const struct clients *cl = cluster_clients(c);
    static const uint32_t node[6] = {0, 3, 1, 4, 2, 3}, zone[6] = {0, 1, 0, 1, 0, 1};
    uint64_t seen[6] = {0};
    for (uint64_t id = 1; id < 4096; id++) {
        uint32_t who = clients_of(cl, id);
        if (who == UINT32_MAX)
            continue;
        cr_assert_lt(who, 6);
        cr_expect_eq(p.node[id], node[who], "client %u's proposal %llu came from node %u", who,
                     (unsigned long long)id, p.node[id]);
        seen[who]++;
    }
    for (uint32_t i = 0; i < 6; i++) {
        cr_expect_eq(seen[i], 20, "client %u issued %llu ops", i, (unsigned long long)seen[i]);
        cr_expect_eq(clients_node(cl, i), node[i]);
        cr_expect_eq(clients_zone(cl, i), zone[i]);
    }
    cluster_free(c);
    scenario_fini(&sc);
}

/* Without attach: zone, a client's region is its node's zone (round-robin: node i mod n). */
Test(regions, a_round_robin_clients_region_is_the_zone_of_its_node)
{
    struct scenario sc = tu_resolve("duration: 1s\n"
                                    "cluster:\n  nodes: 3\n"
                                    "  zones: [{name: a, nodes: [1]}, {name: b, count: 2}]\n"
                                    "clients: {count: 4, ops: 1, keys: 1}\n");
    struct clients *cl = clients_new(&sc, false, NULL);
    static const uint32_t zone[4] = {1, 0, 1, 1}; /* nodes 0, 1, 2, 0; b holds 0 and 2 */
    for (uint32_t i = 0; i < 4; i++)
        cr_expect_eq(clients_zone(cl, i), zone[i], "client %u", i);
    clients_free(cl);
    scenario_fini(&sc);
}

/* ---- regions.csv against history.csv ---- */

struct hop { /* one operation of history.csv */
    uint32_t client;
    bool read, done;
    char type[8];
    double invoke, complete;
};

/* Every operation of a history.csv (op_id indexes them), *n of them. */
static struct hop *read_history(const char *path, size_t *n)
{
    char *text = tu_slurp(path, NULL);
    cr_assert(text, "no history.csv");
    struct hop *op = calloc(100000, sizeof(*op));
    *n = 0;
    char *save = NULL;
    strtok_r(text, "\n", &save); /* the header */
    for (char *line = strtok_r(NULL, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        unsigned long long opid;
        unsigned client;
        char type[8], kind[8], value[32], inv[32], comp[32];
        cr_assert_eq(sscanf(line, "%*u,%*u,%*u,%*u,%llu,%7[^,],%u,%7[^,],%*d,%31[^,],%31[^,],%31s",
                            &opid, type, &client, kind, value, inv, comp),
                     7, "row: %s", line);
        cr_assert_lt(opid, 100000);
        struct hop *o = &op[opid];
        o->client = client;
        o->read = !strcmp(kind, "read");
        o->invoke = strtod(inv, NULL);
        if (strcmp(type, "invoke") != 0) {
            o->done = true;
            snprintf(o->type, sizeof(o->type), "%s", type);
            o->complete = strtod(comp, NULL);
        }
        if (opid + 1 > *n)
            *n = opid + 1;
    }
    free(text);
    return op;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Nearest rank: the ceil(q n)-th smallest. */
static double nearest_rank(double *v, size_t n, double q)
{
    if (!n)
        return NAN;
    qsort(v, n, sizeof(*v), cmp_double);
    size_t rank = (size_t)ceil(q * (double)n);
    return v[rank ? rank - 1 : 0];
}

/* One zone's row computed from the history: clients in it are those with client % 3 == z. */
static void expected_row(const struct hop *op, size_t n, uint32_t z, double duration, double *row)
{
    double *r = calloc(n + 1, sizeof(*r)), *w = calloc(n + 1, sizeof(*w));
    size_t nr = 0, nw = 0;
    uint64_t ok = 0, fail = 0, info = 0;
    for (size_t i = 0; i < n; i++) {
        if (op[i].client % 3 != z)
            continue;
        bool is_ok = op[i].done && !strcmp(op[i].type, "ok");
        ok += is_ok;
        fail += op[i].done && !strcmp(op[i].type, "fail");
        info += !op[i].done || !strcmp(op[i].type, "info");
        if (is_ok && op[i].read)
            r[nr++] = op[i].complete - op[i].invoke;
        else if (is_ok)
            w[nw++] = op[i].complete - op[i].invoke;
    }
    static const double q[3] = {0.5, 0.9, 0.99};
    row[0] = (double)ok, row[1] = (double)fail, row[2] = (double)info;
    row[3] = (double)ok / duration;
    for (int k = 0; k < 3; k++) {
        row[4 + k] = nearest_rank(r, nr, q[k]);
        row[7 + k] = nearest_rank(w, nw, q[k]);
    }
    free(r);
    free(w);
}

#define REGIONS_YAML                                                                               \
    "duration: 4s\n"                                                                               \
    "cluster:\n  nodes: 5\n"                                                                       \
    "  zones: [{name: us, count: 2}, {name: eu, count: 2}, {name: ap, count: 1}]\n"                \
    "network:\n  latency: {dist: uniform, min: 2ms, max: 8ms}\n"                                   \
    "  zone_latency: [{from: ap, to: us, latency: 60ms}, {from: us, to: ap, latency: 60ms},\n"     \
    "                 {from: ap, to: eu, latency: 80ms}, {from: eu, to: ap, latency: 80ms}]\n"     \
    "consensus: {protocol: raft, approval: 1, vote_timeout: 500ms}\n"                              \
    "faults: {partitions: [{at: 2s, heal: 2500ms, isolate: eu}]}\n"                                \
    "clients: {count: 9, attach: zone, mode: open, rate: 20, ops: 40, timeout: 300ms, keys: 8,\n"  \
    "          read_ratio: 0.5, start: 500ms}\n"

/* regions.csv: one row per zone, equal to the figures recomputed from history.csv (times in
 * history.csv are ns-exact decimals, so latencies agree to 1 ns); the zones' ok counts add
 * up to summary.csv's ops_ok. */
Test(regions, regions_csv_agrees_with_the_history_zone_by_zone)
{
    struct tu_workdir w;
    tu_workdir(&w, "regions", REGIONS_YAML);
    char path[400];
    char *run[] = {ATLAS_BINARY, "run", w.yaml, "-o", w.out, "--seed", "3", NULL};
    cr_assert_eq(tu_run(run, w.log, w.log, NULL), 0);
    size_t n;
    snprintf(path, sizeof(path), "%s/history.csv", w.out);
    struct hop *op = read_history(path, &n);
    cr_expect_eq(n, 9 * 40);
    snprintf(path, sizeof(path), "%s/regions.csv", w.out);
    char *text = tu_slurp(path, NULL);
    cr_assert(text, "no regions.csv");
    cr_expect(!strncmp(text,
                       "run,rep,seed,zone,clients,ops_ok,ops_fail,ops_info,ops_throughput,"
                       "read_p50_s,read_p90_s,read_p99_s,write_p50_s,write_p90_s,write_p99_s\n",
                       strlen("run,rep,seed,zone,clients,")),
              "%s", text);
    static const char *const zones[3] = {"us", "eu", "ap"};
    char *line = strchr(text, '\n') + 1;
    uint64_t info_all = 0;
    for (uint32_t z = 0; z < 3; z++) {
        char name[8];
        unsigned nclients;
        double got[10], want[10];
        cr_assert_eq(sscanf(line, "0,0,3,%7[^,],%u,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf", name,
                            &nclients, &got[0], &got[1], &got[2], &got[3], &got[4], &got[5],
                            &got[6], &got[7], &got[8], &got[9]),
                     12, "row %u: %s", z, line);
        cr_expect_str_eq(name, zones[z]);
        cr_expect_eq(nclients, 3);
        expected_row(op, n, z, 4.0, want);
        for (int k = 0; k < 10; k++)
            cr_expect(fabs(got[k] - want[k]) <= 1e-9, "zone %s column %d: %.17g, history %.17g",
                      name, k, got[k], want[k]);
        info_all += (uint64_t)want[2];
        line = strchr(line, '\n') + 1;
    }
    cr_expect_eq(*line, '\0', "one row per zone");
    cr_expect_gt(info_all, 0, "the partition of eu leaves some ops indeterminate");
    free(text);
    free(op);
    tu_rmtree(w.dir);
}

Test(regions, a_run_without_zones_writes_no_regions_csv)
{
    struct tu_workdir w;
    tu_workdir(&w, "regions", NULL);
    char path[400];
    char *run[] = {ATLAS_BINARY,
                   "run",
                   ATLAS_SOURCE_DIR "/scenarios/clients-raft.yaml",
                   "-o",
                   w.out,
                   "--set",
                   "clients.count=2",
                   "--set",
                   "duration=2s",
                   NULL};
    cr_expect_eq(tu_run(run, w.log, w.log, NULL), 0);
    snprintf(path, sizeof(path), "%s/history.csv", w.out);
    cr_expect(tu_exists(path));
    snprintf(path, sizeof(path), "%s/regions.csv", w.out);
    cr_expect(!tu_exists(path));
    tu_rmtree(w.dir);
}

/* ---- bad input ---- */

Test(regions, attach_zone_without_zones_is_reported_at_attach)
{
    char *e = tu_scenario_errors("duration: 1s\ncluster: {nodes: 3}\nclients:\n  count: 2\n"
                                 "  attach: zone\n",
                                 0, NULL);
    cr_expect(strstr(e, "t.yaml:5:11") && strstr(e, "clients.attach") &&
                  strstr(e, "needs cluster.zones"),
              "got: %s", e);
    free(e);
}

Test(regions, a_zone_left_without_nodes_is_reported_at_attach)
{
    char *e = tu_scenario_errors("duration: 1s\n"
                                 "cluster:\n  nodes: 3\n"
                                 "  zones: [{name: us, count: 3}, {name: eu, nodes: []}]\n"
                                 "clients: {count: 2, attach: zone}\n",
                                 0, NULL);
    cr_expect(strstr(e, "t.yaml:5:29") && strstr(e, "clients.attach") &&
                  strstr(e, "zone 'eu' has no node"),
              "got: %s", e);
    free(e);
}

Test(regions, an_unknown_attach_value_names_zone_among_the_choices)
{
    char *e = tu_scenario_errors("duration: 1s\nclients: {count: 2, attach: zones}\n", 0, NULL);
    cr_expect(strstr(e, "t.yaml:2:29") && strstr(e, "zone"), "got: %s", e);
    free(e);
}

/* ---- points.csv with client columns ---- */

/* Column index of name in the CSV header line (fields without quotes), or -1. */
static int column_of(const char *header, const char *name)
{
    int col = 0;
    size_t len = strlen(name);
    for (const char *p = header; *p && *p != '\n'; col++) {
        if (!strncmp(p, name, len) && (p[len] == ',' || p[len] == '\n'))
            return col;
        p += strcspn(p, ",\n");
        p += *p == ',';
    }
    return -1;
}

/* Field col of the line as a double. */
static double field_of(const char *line, int col)
{
    for (int i = 0; i < col; i++)
        line = strchr(line, ',') + 1;
    return strtod(line, NULL);
}

#define SWEEP_YAML                                                                                 \
    "duration: 2s\n"                                                                               \
    "cluster: {nodes: 3}\n"                                                                        \
    "network: {latency: {dist: uniform, min: 2ms, max: 8ms}, loss: 0.02}\n"                        \
    "consensus: {protocol: raft, approval: 1, vote_timeout: 500ms}\n"                              \
    "clients: {count: 2, mode: open, rate: 30, ops: 100, timeout: 300ms, keys: 8}\n"               \
    "sweep: {params: {clients.count: [1, 4]}, replications: 3}\n"

/* A sweep with clients: points.csv has ops_ok_mean ... write_p99_s_ci95_hi, ops_ok_mean is
 * the mean of the point's summary.csv rows, and analyze -o writes the same file again. */
Test(regions, a_sweeps_points_csv_has_the_client_columns_and_analyze_reproduces_it)
{
    struct tu_workdir w;
    tu_workdir(&w, "regions", SWEEP_YAML);
    char path[400], again[400];
    char *sweep[] = {ATLAS_BINARY, "sweep", w.yaml, "-o", w.out, "--quiet", "-j", "1", NULL};
    cr_assert_eq(tu_run(sweep, w.log, w.log, NULL), 0);
    snprintf(path, sizeof(path), "%s/summary.csv", w.out);
    char *sum = tu_slurp(path, NULL);
    snprintf(path, sizeof(path), "%s/points.csv", w.out);
    char *pts = tu_slurp(path, NULL);
    cr_assert(sum && pts);
    int s_count = column_of(sum, "clients.count"), s_ok = column_of(sum, "ops_ok");
    int p_count = column_of(pts, "clients.count"), p_ok = column_of(pts, "ops_ok_mean");
    cr_assert(s_count >= 0 && s_ok >= 0 && p_count >= 0 && p_ok >= 0, "%.300s", pts);
    cr_expect(column_of(pts, "write_p99_s_ci95_hi") > p_ok);
    double total[2] = {0}, n[2] = {0};
    for (const char *l = strchr(sum, '\n') + 1; *l; l = strchr(l, '\n') + 1) {
        int i = field_of(l, s_count) == 4;
        total[i] += field_of(l, s_ok);
        n[i]++;
    }
    cr_assert(n[0] == 3 && n[1] == 3);
    int rows = 0;
    for (const char *l = strchr(pts, '\n') + 1; *l; l = strchr(l, '\n') + 1, rows++) {
        int i = field_of(l, p_count) == 4;
        cr_expect(fabs(field_of(l, p_ok) - total[i] / 3) <= 1e-9 * total[i], "point %d", i);
    }
    cr_expect_eq(rows, 2);
    cr_expect_gt(total[1], total[0], "four clients complete more ops than one");
    snprintf(again, sizeof(again), "%s/again.csv", w.dir);
    char *analyze[] = {ATLAS_BINARY, "analyze", w.out, "-o", again, NULL};
    cr_assert_eq(tu_run(analyze, w.log, w.log, NULL), 0);
    char *a = tu_slurp(again, NULL);
    cr_expect(a && !strcmp(a, pts), "analyze -o differs from the sweep's points.csv");
    free(a);
    free(sum);
    free(pts);
    tu_rmtree(w.dir);
}

/* ---- analyze ---- */

/* analyze RUN shows regions.csv's rows under the report; a regions.csv without its columns
 * exits 2 and prints nothing (negative control: the table is read, not just copied). */
Test(regions, analyze_shows_the_regions_and_refuses_a_malformed_regions_csv)
{
    struct tu_workdir w;
    tu_workdir(&w, "regions", REGIONS_YAML);
    char path[400], shown[400];
    char *run[] = {ATLAS_BINARY, "run", w.yaml, "-o", w.out, "--seed", "3", NULL};
    cr_assert_eq(tu_run(run, w.log, w.log, NULL), 0);
    snprintf(shown, sizeof(shown), "%s/shown.txt", w.dir);
    char *analyze[] = {ATLAS_BINARY, "analyze", w.out, NULL};
    cr_assert_eq(tu_run(analyze, shown, w.log, NULL), 0);
    snprintf(path, sizeof(path), "%s/regions.csv", w.out);
    char *csv = tu_slurp(path, NULL), *text = tu_slurp(shown, NULL);
    cr_assert(strstr(text, "client regions (regions.csv):"), "%s", text);
    const char *row = strchr(csv, '\n') + 1; /* us: zone, clients, ok, fail, info, ... */
    char zone[8], ok[16], fail[16], info[16], want[128];
    cr_assert_eq(
        sscanf(row, "%*u,%*u,%*u,%7[^,],%*u,%15[^,],%15[^,],%15[^,]", zone, ok, fail, info), 4);
    snprintf(want, sizeof(want), "  %-10s %12s %12s %12s %12s", zone, "3", ok, fail, info);
    cr_expect(strstr(text, want), "no row '%s' in\n%s", want, text);
    free(text);
    FILE *f = fopen(path, "w");
    fputs("run,rep,seed,zone\n0,0,3,us\n", f);
    fclose(f);
    cr_expect_eq(tu_run(analyze, shown, w.log, NULL), 2);
    text = tu_slurp(shown, NULL);
    cr_expect_str_eq(text, "");
    free(text);
    text = tu_slurp(w.log, NULL);
    cr_expect(strstr(text, "regions.csv: no column clients"), "%s", text);
    free(text);
    free(csv);
    tu_rmtree(w.dir);
}
