/*
 * run: one run into a folder (outcomes, votes, events, optional traces, summary, resolved
 * scenario, graph exports) with atomic output, the terminal account, and the summary.csv
 * row format shared with sweep (see run.h).
 */
#include "sim/run/run.h"

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/export.h"
#include "core/graph.h"
#include "core/ledger.h"
#include "core/linearizability.h"
#include "core/xalloc.h"
#include "sim/cluster/clients.h"
#include "sim/cluster/cluster.h"
#include "sim/output/csv.h"
#include "sim/output/csv_trace.h"
#include "sim/output/outfile.h"
#include "sim/scenario/scenario_yaml.h"
#include "sim/engine/version.h"

/* ---- summary.csv ---- */

void summary_write_header(FILE *f, size_t nswept, const char *const *swept_paths,
                          uint32_t protocols)
{
    struct csv c;
    csv_init(&c, f);
    csv_str(&c, "run");
    csv_str(&c, "rep");
    csv_str(&c, "seed");
    for (size_t i = 0; i < nswept; i++)
        csv_str(&c, swept_paths[i]);
    for (size_t i = 0; i < metric_field_count; i++)
        csv_str(&c, metric_fields[i].name);
    for (size_t p = 0; consensus_protocols[p]; p++)
        for (uint32_t k = 0; (protocols >> p & 1u) && k < consensus_protocols[p]->nmetrics; k++)
            csv_str(&c, consensus_protocols[p]->metric_names[k]);
    for (size_t i = 0; (protocols & METRICS_CLIENTS) && i < client_metric_field_count; i++)
        csv_str(&c, client_metric_fields[i].name);
    csv_str(&c, "atlas_sim"); /* the program that wrote the row */
    csv_end(&c);
}

void summary_write_row(FILE *f, const struct run_ident *id, size_t nswept,
                       const char *const *swept_values, const struct run_metrics *m,
                       uint32_t protocols)
{
    struct csv c;
    csv_init(&c, f);
    csv_u64(&c, id->run);
    csv_u64(&c, id->rep);
    csv_u64(&c, id->seed);
    for (size_t i = 0; i < nswept; i++)
        csv_str(&c, swept_values[i]);
    for (size_t i = 0; i < metric_field_count; i++) {
        const struct metric_field *mf = &metric_fields[i];
        const char *p = (const char *)m + mf->offset;
        if (mf->kind == METRIC_COUNT) {
            csv_u64(&c, *(const uint64_t *)p);
        } else if (mf->kind == METRIC_HASH) {
            char hex[17];
            snprintf(hex, sizeof(hex), "%016" PRIx64, *(const uint64_t *)p);
            csv_str(&c, hex);
        } else {
            csv_real(&c, *(const double *)p);
        }
    }
    for (size_t p = 0; consensus_protocols[p]; p++)
        for (uint32_t k = 0; (protocols >> p & 1u) && k < consensus_protocols[p]->nmetrics; k++)
            csv_real(&c, m->protocol == p ? m->proto[k] : NAN); /* NA: another protocol's */
    for (size_t i = 0; (protocols & METRICS_CLIENTS) && i < client_metric_field_count; i++) {
        const struct metric_field *mf = &client_metric_fields[i];
        const char *p = (const char *)m + mf->offset;
        if (!m->clients) /* NA: a run of the sweep without clients */
            csv_real(&c, NAN);
        else if (mf->kind == METRIC_COUNT)
            csv_u64(&c, *(const uint64_t *)p);
        else
            csv_real(&c, *(const double *)p);
    }
    csv_str(&c, atlas_build);
    csv_end(&c);
}

/* ---- regions.csv: the clients' metrics per client region (zone) ---- */

static void write_regions(FILE *f, const struct run_ident *id, const struct scenario *sc,
                          const struct clients *cl)
{
    static const char *const head[] = {
        "run",        "rep",        "seed",        "zone",           "clients",
        "ops_ok",     "ops_fail",   "ops_info",    "ops_throughput", "read_p50_s",
        "read_p90_s", "read_p99_s", "write_p50_s", "write_p90_s",    "write_p99_s"};
    struct csv c;
    csv_init(&c, f);
    for (size_t i = 0; i < sizeof(head) / sizeof(head[0]); i++)
        csv_str(&c, head[i]);
    csv_end(&c);
    for (uint32_t z = 0; z < sc->nzones; z++) {
        uint32_t n = 0;
        for (uint32_t i = 0; i < clients_count(cl); i++)
            n += clients_zone(cl, i) == z;
        struct client_metrics m;
        clients_zone_metrics(cl, z, sc->duration, &m);
        csv_u64(&c, id->run);
        csv_u64(&c, id->rep);
        csv_u64(&c, id->seed);
        csv_str(&c, sc->zones[z].name);
        csv_u64(&c, n);
        csv_u64(&c, m.ops_ok);
        csv_u64(&c, m.ops_fail);
        csv_u64(&c, m.ops_info);
        const double real[] = {m.throughput,  m.read_p50_s,  m.read_p90_s, m.read_p99_s,
                               m.write_p50_s, m.write_p90_s, m.write_p99_s};
        for (size_t i = 0; i < sizeof(real) / sizeof(real[0]); i++)
            csv_real(&c, real[i]);
        csv_end(&c);
    }
}

/* ---- the account's view of the trace: keep the first outcomes, forward everything ---- */

struct kept_outcome {
    struct trace_outcome r;
    char *op, *args; /* owned copies */
};

struct tee {
    struct trace inner;
    struct kept_outcome kept[RUN_ACCOUNT_PROPOSALS];
    size_t nkept;
    uint64_t total;
};

static void tee_outcome(void *ctx, const struct trace_outcome *r)
{
    struct tee *t = ctx;
    if (t->nkept < RUN_ACCOUNT_PROPOSALS) {
        struct kept_outcome *k = &t->kept[t->nkept++];
        k->r = *r;
        k->op = xstrdup(r->op ? r->op : "");
        k->args = xstrdup(r->args ? r->args : "");
    }
    t->total++;
    if (t->inner.ops && t->inner.ops->outcome)
        t->inner.ops->outcome(t->inner.ctx, r);
}

static void tee_vote(void *ctx, const struct trace_vote *r)
{
    struct tee *t = ctx;
    if (t->inner.ops && t->inner.ops->vote)
        t->inner.ops->vote(t->inner.ctx, r);
}

static void tee_event(void *ctx, const struct trace_event *r)
{
    struct tee *t = ctx;
    if (t->inner.ops && t->inner.ops->event)
        t->inner.ops->event(t->inner.ctx, r);
}

static void tee_message(void *ctx, const struct trace_message *r)
{
    struct tee *t = ctx;
    if (t->inner.ops && t->inner.ops->message)
        t->inner.ops->message(t->inner.ctx, r);
}

static void tee_heartbeat(void *ctx, const struct trace_heartbeat *r)
{
    struct tee *t = ctx;
    if (t->inner.ops && t->inner.ops->heartbeat)
        t->inner.ops->heartbeat(t->inner.ctx, r);
}

static void tee_election(void *ctx, const struct trace_election *r)
{
    struct tee *t = ctx;
    if (t->inner.ops && t->inner.ops->election)
        t->inner.ops->election(t->inner.ctx, r);
}

static void tee_history(void *ctx, const struct trace_history *r)
{
    struct tee *t = ctx;
    if (t->inner.ops && t->inner.ops->history)
        t->inner.ops->history(t->inner.ctx, r);
}

static const struct trace_sink_ops tee_ops = {
    .history = tee_history,
    .outcome = tee_outcome,
    .vote = tee_vote,
    .event = tee_event,
    .message = tee_message,
    .heartbeat = tee_heartbeat,
    .election = tee_election,
};

static void tee_fini(struct tee *t)
{
    for (size_t i = 0; i < t->nkept; i++) {
        free(t->kept[i].op);
        free(t->kept[i].args);
    }
}

/* ---- the terminal account ---- */

#define ACCOUNT_MAX_VERTICES 20
#define ACCOUNT_MAX_EDGES    30

static void print_quorum(FILE *f, const struct scenario *sc)
{
    const struct quorum_spec *q = &sc->consensus.quorum;
    uint32_t size = quorum_size(q, sc->nodes);
    switch (q->kind) {
    case QUORUM_MAJORITY:
        fprintf(f, "quorum %" PRIu32 " (majority)", size);
        return;
    case QUORUM_ALL:
        fprintf(f, "quorum %" PRIu32 " (all)", size);
        return;
    case QUORUM_COUNT:
        fprintf(f, "quorum %" PRIu32, size);
        return;
    case QUORUM_FRACTION:
        fprintf(f, "quorum %" PRIu32 " (%" PRIu32 "/%" PRIu32 ")", size, q->num, q->den);
        return;
    }
}

/* "add_edge A -visits-> B", whether or not args already starts with the operation. */
/* "add_edge A -visits-> B": the op, then its arguments (trace_outcome.args never repeats the op).
 */
static const char *describe(const struct kept_outcome *k, char *buf, size_t len)
{
    snprintf(buf, len, k->args[0] ? "%s %s" : "%s", k->op, k->args);
    return buf;
}

static void print_proposals(FILE *f, const struct tee *t, const struct scenario *sc)
{
    char a[SIM_TIME_BUFLEN], b[SIM_TIME_BUFLEN], what[320];
    for (size_t i = 0; i < t->nkept; i++) {
        const struct trace_outcome *r = &t->kept[i].r;
        fprintf(f,
                "proposal p-%" PRIu64 ": %" PRIu32 "/%" PRIu32 " YES (quorum %" PRIu32
                ") \xe2\x80\x94 %s\n",
                r->proposal, r->yes, sc->nodes, r->quorum, outcome_name(r->outcome));
        fprintf(f,
                "  node %" PRIu32 " proposed %s at %ss; decided at %ss (%" PRIu32 " NO, %" PRIu32
                " missing)\n",
                r->proposer, describe(&t->kept[i], what, sizeof(what)),
                sim_time_format_seconds(r->submitted, a), sim_time_format_seconds(r->decided, b),
                r->no, r->missing);
    }
    if (t->total > t->nkept)
        fprintf(f, "... and %" PRIu64 " more proposals (see outcomes.csv)\n", t->total - t->nkept);
    if (!t->total)
        fputs("no proposals were decided\n", f);
}

static void print_props_vertex(FILE *f, const struct graph *g, graph_vid v)
{
    bool first = true;
    for (graph_pid p = graph_vertex_props(g, v); p != GRAPH_NONE; p = graph_prop_next(g, p)) {
        fprintf(f, "%s%s=%s", first ? " {" : ", ", graph_prop_key(g, p), graph_prop_value(g, p));
        first = false;
    }
    if (!first)
        fputc('}', f);
}

static void print_graph(FILE *f, const struct cluster *c, const struct scenario *sc)
{
    uint32_t node = cluster_majority_node(c);
    const struct graph *g = cluster_replica(c, node);
    size_t nv = graph_vertex_count(g), ne = graph_edge_count(g);
    fprintf(f, "final graph (replica of node %" PRIu32 " of %" PRIu32 "): %zu vert%s, %zu edge%s\n",
            node, sc->nodes, nv, nv == 1 ? "ex" : "ices", ne, ne == 1 ? "" : "s");
    if (nv > ACCOUNT_MAX_VERTICES || ne > ACCOUNT_MAX_EDGES)
        return;
    for (graph_vid v = graph_vertex_first(g); v != GRAPH_NONE; v = graph_vertex_next(g, v)) {
        fprintf(f, "  %s (%s)", graph_vertex_id(g, v), graph_vertex_label(g, v));
        print_props_vertex(f, g, v);
        fputc('\n', f);
    }
    for (graph_eid e = graph_edge_first(g); e != GRAPH_NONE; e = graph_edge_next(g, e))
        fprintf(f, "  %s -%s-> %s\n", graph_vertex_id(g, graph_edge_source(g, e)),
                graph_edge_label(g, e), graph_vertex_id(g, graph_edge_target(g, e)));
}

static void print_metrics(FILE *f, const struct run_metrics *m)
{
    char buf[CSV_REAL_BUFLEN];
    fputs("metrics:\n", f);
    size_t nclient = m->clients ? client_metric_field_count : 0;
    for (size_t i = 0; i < metric_field_count + nclient; i++) {
        const struct metric_field *mf = i < metric_field_count
                                            ? &metric_fields[i]
                                            : &client_metric_fields[i - metric_field_count];
        const char *p = (const char *)m + mf->offset;
        if (mf->kind == METRIC_PARAM) /* the header line shows the scenario */
            continue;
        if (mf->kind == METRIC_COUNT)
            fprintf(f, "  %-20s %" PRIu64 "\n", mf->name, *(const uint64_t *)p);
        else if (mf->kind == METRIC_HASH)
            fprintf(f, "  %-20s %016" PRIx64 "\n", mf->name, *(const uint64_t *)p);
        else
            fprintf(f, "  %-20s %s\n", mf->name, csv_format_real(*(const double *)p, buf));
    }
}

static void print_header(FILE *f, const struct scenario *sc)
{
    char dur[SIM_TIME_BUFLEN], lat[256];
    dist_format(&sc->network.latency, lat, sizeof(lat));
    fprintf(f, "%s: %" PRIu32 " nodes, ", sc->name, sc->nodes);
    print_quorum(f, sc);
    fprintf(f, ", approval %g, latency %s, seed %" PRIu64 ", %s simulated\n",
            sc->consensus.approval, lat, sc->seed, sim_time_format(sc->duration, dur));
}

/* ---- running ---- */

enum {
    F_OUTCOMES,
    F_VOTES,
    F_EVENTS,
    F_MESSAGES,
    F_HEARTBEATS,
    F_ELECTIONS,
    F_HISTORY,
    F_REGIONS,
    F_VIOLATION,
    F_SUMMARY,
    F_RESOLVED,
    F_DOT,
    F_NEO4J_NODES,
    F_NEO4J_RELS,
    F_COUNT
};

static const char *const file_names[F_COUNT] = {
    "outcomes.csv",
    "votes.csv",
    "events.csv",
    "messages.csv",
    "heartbeats.csv",
    "elections.csv",
    "history.csv",
    "regions.csv",
    "violation.txt",
    "summary.csv",
    "scenario.resolved.yaml",
    "graph.dot",
    "neo4j_nodes.csv",
    "neo4j_relationships.csv",
};

static bool wanted(const struct scenario *sc, int i)
{
    switch (i) {
    case F_VOTES:
        return sc->output.votes;
    case F_MESSAGES:
        return sc->output.trace_messages;
    case F_HEARTBEATS:
        return sc->output.trace_heartbeats;
    case F_ELECTIONS: /* a protocol that reports candidacies */
        return consensus_protocols[sc->consensus.protocol]->flags & CONSENSUS_ELECTIONS;
    case F_HISTORY:
        return sc->clients.enabled;
    case F_REGIONS: /* the clients' metrics by zone */
        return sc->clients.enabled && sc->nzones;
    case F_VIOLATION: /* created after the run, when the clients' history is not linearizable */
        return false;
    case F_DOT:
        return sc->output.graph_dot;
    case F_NEO4J_NODES:
    case F_NEO4J_RELS:
        return sc->output.graph_neo4j;
    default:
        return true;
    }
}

/*
 * The exports fail only when their stream does, and a stream error sticks: outdir_commit
 * reports it with the file's path and the reason (a full disk, ...), so it is not judged here.
 */
static void write_exports(const struct cluster *c, const struct scenario *sc, FILE **files)
{
    if (!files[F_DOT] && !files[F_NEO4J_NODES] && !files[F_NEO4J_RELS])
        return; /* building the graph of a million-command replica costs ~0.5 s */
    const struct graph *g = cluster_replica(c, cluster_majority_node(c));
    if (files[F_DOT])
        (void)export_dot(g, sc->name, files[F_DOT]);
    if (files[F_NEO4J_NODES])
        (void)export_neo4j_nodes(g, files[F_NEO4J_NODES]);
    if (files[F_NEO4J_RELS])
        (void)export_neo4j_relationships(g, files[F_NEO4J_RELS]);
}

static void emit_line(void *ctx, const char *line)
{
    fputs(line, (FILE *)ctx);
}

/* violation.txt: each non-linearizable key, why, and its shrunk sub-history (1-minimal). */
static void write_violation(FILE *f, const struct linz_report *r, const struct linz_history *h)
{
    fputs("history.csv: not linearizable\n", f);
    for (size_t i = 0; i < linz_report_count(r); i++) {
        const struct linz_key_result *k = linz_report_get(r, i);
        if (k->verdict != LINZ_VIOLATION)
            continue;
        linz_report_explain(r, i, emit_line, f);
        for (size_t w = 0; w < k->n_witness; w++) {
            const struct linz_op *o = linz_history_get(h, k->witness[w]);
            fprintf(f, "  op %zu is op_id %zu of history.csv (client %" PRIu32 ")\n", k->witness[w],
                    k->witness[w], o->client);
        }
    }
}

/* output.ledgers: every kept ledger as ledger-N.txt. Returns how many were written, or -1. */
static long write_ledgers(const struct cluster *c, const struct scenario *sc, struct outdir *o,
                          struct diag *d)
{
    long written = 0;
    if (!sc->output.ledgers)
        return 0;
    for (uint32_t i = 0; i < sc->nodes; i++) {
        const struct ledger *l = cluster_ledger(c, i);
        if (!l)
            continue;
        char name[64], msg[512];
        snprintf(name, sizeof(name), "ledger-%" PRIu32 ".txt", i);
        const char *tmp = outdir_reserve(o, name);
        if (ledger_write_file(l, tmp, msg, sizeof(msg)) != LEDGER_OK) {
            /* The message names the temporary file; name the file the user asked for. */
            size_t n = strlen(tmp);
            const char *why = strncmp(msg, tmp, n) == 0 && msg[n] == ':' ? msg + n + 2 : msg;
            char *path = xmalloc(strlen(outdir_path(o)) + strlen(name) + 2);
            sprintf(path, "%s/%s", outdir_path(o), name);
            diag_error(d, path, 0, 0, NULL, "%s", why);
            free(path);
            return -1;
        }
        written++;
    }
    return written;
}

static void print_files(FILE *f, const char *dir, FILE **files, long ledgers)
{
    fprintf(f, "files in %s/:", dir);
    for (int i = 0; i < F_COUNT; i++)
        if (files[i])
            fprintf(f, " %s", file_names[i]);
    if (ledgers > 0)
        fprintf(f, " ledger-N.txt (%ld)", ledgers);
    fputc('\n', f);
}

/*
 * Files of an earlier run in dir that this run did not write, so that a rerun never leaves
 * another run's data beside its own: this run's optional files it did not write, ledgers it
 * did not write, and what `analyze` made from the earlier data (analysis.csv, the figures of
 * analysis/plots, see analysis/plotrun.h). Other files are the user's and are left alone.
 * Their names go to account (when not NULL). An empty figures/ folder is removed too.
 */
static const char *const derived_files[] = {"analysis.csv"};
static const char *const figure_names[] = {"approval", "latency_cdf", "heatmap", "timeline",
                                           "election_cdf"};

struct stale {
    int fd;          /* the run's folder */
    const char *dir; /* its path, for the account */
    FILE *account;   /* NULL: say nothing */
    size_t removed;
};

static void remove_at(struct stale *s, const char *name)
{
    if (unlinkat(s->fd, name, 0) != 0)
        return;
    if (s->account)
        fprintf(s->account, "%s %s", s->removed ? "" : "removed from an earlier run:", name);
    s->removed++;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool ledger_written(const struct cluster *c, const struct scenario *sc, const char *name)
{
    unsigned long n;
    char tail[8];
    if (sscanf(name, "ledger-%lu.%7s", &n, tail) != 2 || strcmp(tail, "txt") != 0)
        return true; /* not a ledger name: not ours to judge */
    return sc->output.ledgers && n < sc->nodes && cluster_ledger(c, (uint32_t)n);
}

static void remove_stale(const char *dir, FILE **files, const struct cluster *c,
                         const struct scenario *sc, FILE *account)
{
    struct stale s = {.fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), .account = account};
    if (s.fd < 0)
        return;
    for (int i = 0; i < F_COUNT; i++)
        if (!files[i])
            remove_at(&s, file_names[i]);
    for (size_t i = 0; i < sizeof(derived_files) / sizeof(derived_files[0]); i++)
        remove_at(&s, derived_files[i]);
    int fd2 = dup(s.fd);
    DIR *ds = fd2 >= 0 ? fdopendir(fd2) : NULL;
    char **names = NULL; /* ledgers to remove, sorted so the account reads the same each time */
    size_t n = 0;
    for (struct dirent *e; ds && (e = readdir(ds));)
        if (!ledger_written(c, sc, e->d_name)) {
            names = xreallocarray(names, n + 1, sizeof(*names));
            names[n++] = xstrdup(e->d_name);
        }
    if (ds)
        closedir(ds);
    else if (fd2 >= 0)
        close(fd2);
    if (n)
        qsort(names, n, sizeof(*names), compare_names);
    for (size_t i = 0; i < n; i++) {
        remove_at(&s, names[i]);
        free(names[i]);
    }
    free(names);
    for (size_t i = 0; i < sizeof(figure_names) / sizeof(figure_names[0]); i++)
        for (int k = 0; k < 2; k++) {
            char name[64];
            snprintf(name, sizeof(name), "figures/%s.%s", figure_names[i], k ? "svg" : "png");
            remove_at(&s, name);
        }
    (void)unlinkat(s.fd, "figures", AT_REMOVEDIR); /* only when empty */
    if (s.removed && account)
        fputc('\n', account);
    close(s.fd);
}

bool run_to_dir_account(const struct scenario *sc, const struct run_ident *id, const char *dir,
                        struct run_metrics *m, bool *invariants_ok, FILE *account, struct diag *d)
{
    struct outdir *o = outdir_open(dir, d);
    if (!o)
        return false;
    outdir_set_sync(o, sc->output.sync);
    FILE *files[F_COUNT] = {NULL};
    for (int i = 0; i < F_COUNT; i++)
        if (wanted(sc, i) && !(files[i] = outdir_create(o, file_names[i], d))) {
            outdir_abort(o);
            return false;
        }
    scenario_write_yaml(sc, files[F_RESOLVED]);
    struct csv_trace *ct = csv_trace_new(id, &(struct csv_trace_files){
                                                 .outcomes = files[F_OUTCOMES],
                                                 .votes = files[F_VOTES],
                                                 .events = files[F_EVENTS],
                                                 .messages = files[F_MESSAGES],
                                                 .heartbeats = files[F_HEARTBEATS],
                                                 .elections = files[F_ELECTIONS],
                                                 .history = files[F_HISTORY],
                                             });
    struct tee tee = {.inner = csv_trace_sink(ct)};
    struct trace tr = {.ops = &tee_ops,
                       .ctx = &tee,
                       .want_messages = tee.inner.want_messages,
                       .want_heartbeats = tee.inner.want_heartbeats};
    struct cluster *c = cluster_new(sc, &tr);
    cluster_run(c);
    *invariants_ok = cluster_check(c);
    cluster_metrics(c, m);
    uint32_t columns = 1u << m->protocol | (m->clients ? METRICS_CLIENTS : 0);
    summary_write_header(files[F_SUMMARY], 0, NULL, columns);
    summary_write_row(files[F_SUMMARY], id, 0, NULL, m, columns);
    if (files[F_REGIONS])
        write_regions(files[F_REGIONS], id, sc, cluster_clients(c));
    write_exports(c, sc, files);
    long ledgers = write_ledgers(c, sc, o, d);
    bool ok = ledgers >= 0;
    const struct linz_history *lh;
    const struct linz_report *lr = cluster_linearizability(c, &lh);
    if (ok && lr && linz_report_verdict(lr) == LINZ_VIOLATION) {
        ok = (files[F_VIOLATION] = outdir_create(o, file_names[F_VIOLATION], d)) != NULL;
        if (ok)
            write_violation(files[F_VIOLATION], lr, lh);
    }
    csv_trace_flush(ct); /* every row reaches its file before the files are closed */
    if (ok)
        ok = outdir_commit(o, d);
    else
        outdir_abort(o);
    if (ok && account) {
        print_header(account, sc);
        print_proposals(account, &tee, sc);
        print_graph(account, c, sc);
        print_metrics(account, m);
        if (!*invariants_ok)
            fprintf(account,
                    "INVARIANT BROKEN: %" PRIu64 " safety violation(s); see the "
                    "'violation' rows of events.csv\n",
                    m->safety_violations);
        if (m->linz_violations || m->linz_unknown)
            fprintf(account,
                    "LINEARIZABILITY: %" PRIu64 " key(s) violated (violation.txt), %" PRIu64
                    " unknown (checker.max_steps hit: not a pass)\n",
                    m->linz_violations, m->linz_unknown);
        if (m->diverged_replicas)
            fprintf(account,
                    "REPLICAS DIVERGED: %" PRIu64 " of %" PRIu32 " replicas ended with a "
                    "state other than the majority's: %s\n",
                    m->diverged_replicas, sc->nodes,
                    "commits they missed (lost messages, partitions, crashes) were not "
                    "repaired by the end of the run (README: 'What each protocol guarantees')");
        print_files(account, dir, files, ledgers);
    }
    if (ok)
        remove_stale(dir, files, c, sc, account);
    cluster_free(c);
    csv_trace_free(ct);
    tee_fini(&tee);
    return ok;
}

bool run_to_dir(const struct scenario *sc, const struct run_ident *id, const char *dir,
                struct run_metrics *m, bool *invariants_ok, struct diag *d)
{
    return run_to_dir_account(sc, id, dir, m, invariants_ok, NULL, d);
}
