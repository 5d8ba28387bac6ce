/* limits: memory estimate and limit (see limits.h). */
#include "sim/cluster/limits.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/xalloc.h"
#include "sim/cluster/cluster_impl.h"
#include "sim/cluster/replicas.h"
#include "sim/engine/dist.h"
#include "sim/cluster/clients.h"
#include "sim/cluster/workload.h"

#define GROWTH     1.5 /* arrays that double when full are on average this much too big */
#define RECORD     64  /* an engine event record and its heap entry (48 + 16 bytes) */
#define UNICAST    32  /* a message in the mailbox's calendar: two 16-byte slots */
#define BCAST_COPY 16  /* a broadcast copy in the calendar: one slot */
#define HB_LINK    20  /* a heartbeat link: out index, 16-byte record (peer, heard, suspected) */
#define HB_NODE    28  /* per node: rng, offsets, suspicion count */
#define LEDGER_REC 112 /* a ledger record and its text */
#define GRAPH_ELEM 160 /* a vertex, edge or property of the final core/graph */
#define CLIENT_OP  168 /* a client op: its record, history.csv's linz_op, latency arrays */
/* program, libraries, stdio, mailbox calendar, and the huge-page heap's rounding to 2 MiB
 * (sim/run/heap) */
#define BASE (9.0 * 1024 * 1024)

static void add(struct mem_estimate *e, const char *what, double bytes)
{
    if (bytes <= 0)
        return;
    assert(e->nparts < MEM_PARTS);
    size_t i = e->nparts++;
    while (i > 0 && e->part[i - 1].bytes < bytes) { /* keep largest first */
        e->part[i] = e->part[i - 1];
        i--;
    }
    e->part[i] = (struct mem_part){.what = what, .bytes = bytes};
    e->total += bytes;
}

/* Heartbeat links (sender -> receiver pairs). */
static double hb_links(const struct scenario *sc)
{
    double n = sc->nodes, peers = n > 1 ? n - 1 : 0, fan = sc->heartbeat.fanout;
    switch (sc->heartbeat.topology) {
    case HB_ALL:
        return n * peers;
    case HB_RING:
        return n * fmin(peers, 2 * fan);
    case HB_RANDOM:
        return n * fmin(peers, fan);
    }
    return 0;
}

/*
 * Proposals whose messages are in flight at once: m = arrivals per second x 1.5 latency
 * tails (mean + 3 sd) on average, plus sqrt(m) for the bursts of Poisson arrivals (whose
 * calendar chunks the mailbox keeps for reuse), plus one; at most every proposal.
 */
static double concurrent_proposals(const struct scenario *sc, double proposals)
{
    if (proposals < 1)
        return 0;
    double mean = dist_mean(&sc->network.latency), var = dist_variance(&sc->network.latency);
    double tail = (mean + 3 * sqrt(var > 0 ? var : 0)) / 1e9; /* seconds */
    double secs = (double)sc->duration / 1e9;
    double rate = sc->workload.generate.enabled ? sc->workload.generate.rate : 0;
    if (sc->workload.nops && secs > 0)
        rate += (double)sc->workload.nops / secs;
    double m = rate * 1.5 * (isfinite(tail) ? tail : secs);
    return fmin(1 + m + sqrt(m), proposals);
}

void limits_estimate(const struct scenario *sc, struct mem_estimate *e)
{
    memset(e, 0, sizeof(*e));
    double n = sc->nodes, ops = (double)clients_max_ops(sc);
    double props = (double)workload_max_proposals(sc) + ops;
    double elems = (double)cluster_element_bound(sc), inflight = concurrent_proposals(sc, props);
    /* struct cnode, the fault stream (cluster.fault), the network's two streams */
    double per_node = sizeof(struct cnode) + 3 * sizeof(struct rng) + 3 * sizeof(void *) +
                      (sc->consensus.napproval ? sizeof(double) : 0) +
                      4.0 * (double)sc->faults.npartitions;
    add(e, "per-node state", n * per_node);
    /* the replica store's rows (n + 1 bits per element, packed), the applied sets by proposal
     * and, at the end, the checker's copy of them by node; the refused sets likewise (two at
     * the end, the by-node copy made before the by-proposal one is freed) once any commit is
     * refused */
    add(e, "replicas and applied sets",
        ceil(elems * (n + 1) / 8) + 2 * n * 8 * ceil((props + 1) / 64) +
            2 * n * 8 * ceil((props + 1) / 64));
    /* the record, its commit (a 32-bit id) and tagged decision-time entries, and its share
     * of the replica store (an explicit proposal's strings are the scenario's size again,
     * freed once decided) */
    add(e, "proposals",
        props * (sizeof(struct cprop) + sizeof(uint32_t) + sizeof(uint64_t) +
                 (double)replicas_bytes_per_op()));
    const struct consensus_ops *proto = consensus_protocols[sc->consensus.protocol];
    add(e, "protocol state", props * proto->proposal_bytes);
    add(e, "replicated logs", n * props * proto->entry_bytes); /* about one entry a proposal */
    if (sc->heartbeat.enabled) {
        double links = hb_links(sc);
        add(e, "heartbeat links", links * HB_LINK + n * HB_NODE);
        add(e, "heartbeats in flight and timers", GROWTH * (links * UNICAST + n * 2 * RECORD));
    }
    if (sc->network.fifo) /* a 16-byte slot per pair that talks, the table at most half full */
        add(e, "fifo pairs",
            32 * n * fmin(n - 1, (sc->heartbeat.enabled ? hb_links(sc) / n : 0) + 2 * props + 2));
    if (sc->nzones) /* net's zone map, and the service queue's when it has one */
        add(e, "zones", n * 2 * sizeof(uint32_t) + (double)sc->nzones * sizeof(struct rng));
    if (scenario_has_service(sc)) /* busy-until, slow period and an RNG_SERVICE stream */
        add(e, "service queues", n * (sizeof(sim_time) + 8 + sizeof(struct rng)));
    add(e, "messages in flight", GROWTH * inflight * n * (2 * BCAST_COPY + UNICAST));
    if (ops > 0)
        add(e, "client operations", GROWTH * ops * CLIENT_OP);
    if (ops > 0 && sc->checker.linearizability) { /* one key's memo cache at a time */
        double per_key = ceil(ops / fmax(1, sc->clients.keys) / 64); /* bitset words */
        double steps = sc->checker.max_steps ? (double)sc->checker.max_steps : INFINITY;
        add(e, "linearizability check",
            fmin((double)CLUSTER_LINZ_CACHE_BYTES, steps * 2 * (24 + 8 * per_key)));
    }
    if (sc->consensus.broadcast_votes) /* per proposal in flight: n tallies, n x n heard bits */
        add(e, "broadcast-vote tallies", inflight * n * (8 + 8 * ceil(n / 64)));
    if (sc->output.progress_interval)        /* per node: the index and its last row, per kind */
        add(e, "progress rows", n * 2 * 32); /* a 32-byte track per kind */
    if (sc->output.ledgers)
        add(e, "ledgers", n * props * 2 * LEDGER_REC);
    add(e, "final graph", elems * GRAPH_ELEM);
    add(e, "base", BASE);
}

/* A number from a one-line cgroup file; false if absent, "max" or not a number. */
static bool cgroup_number(const char *dir, const char *name, double *v)
{
    char text[64];
    char *path = xmalloc(strlen(dir) + strlen(name) + 2);
    sprintf(path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    free(path);
    if (!f)
        return false;
    bool ok = fgets(text, sizeof(text), f) && sscanf(text, "%lf", v) == 1 && *v >= 0;
    fclose(f);
    return ok;
}

/* The least room (limit - usage) of cgroup dir and its ancestors under root. */
static double cgroup_walk(const char *root, const char *rel, const char *max_name,
                          const char *cur_name)
{
    char dir[4096];
    double room = 0;
    snprintf(dir, sizeof(dir), "%s%s", root, rel);
    size_t rootlen = strlen(root);
    for (;;) {
        double max, cur = 0;
        /* cgroup v1 writes "no limit" as a huge number: anything >= 2^60 is none */
        if (cgroup_number(dir, max_name, &max) && max < 0x1p60) {
            cgroup_number(dir, cur_name, &cur);
            double r = max > cur ? max - cur : 1;
            if (room == 0 || r < room)
                room = r;
        }
        char *slash = strrchr(dir, '/');
        if (!slash || (size_t)(slash - dir) < rootlen)
            break;
        *slash = '\0';
    }
    return room;
}

double limits_cgroup_room(const char *sysfs_root, const char *proc_cgroup)
{
    FILE *f = fopen(proc_cgroup, "r");
    if (!f)
        return 0;
    char line[4096], root[4096];
    double room = 0;
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        char *a = strchr(line, ':'), *b = a ? strchr(a + 1, ':') : NULL;
        if (!b)
            continue;
        *a = *b = '\0';
        const char *controllers = a + 1, *rel = b + 1;
        double r = 0;
        if (strcmp(line, "0") == 0 && *controllers == '\0') { /* v2 unified */
            r = cgroup_walk(sysfs_root, rel, "memory.max", "memory.current");
        } else if (strstr(controllers, "memory")) { /* v1 memory controller */
            snprintf(root, sizeof(root), "%s/memory", sysfs_root);
            r = cgroup_walk(root, rel, "memory.limit_in_bytes", "memory.usage_in_bytes");
        }
        if (r > 0 && (room == 0 || r < room))
            room = r;
    }
    fclose(f);
    return room;
}

double limits_default(const char **source)
{
    const char *src;
    double mem = limits_machine(&src);
    double room = limits_cgroup_room("/sys/fs/cgroup", "/proc/self/cgroup");
    if (room > 0 && (mem <= 0 || room < mem)) {
        *source = "the cgroup's memory limit";
        return room;
    }
    *source = src;
    return mem;
}

double limits_machine(const char **source)
{
    FILE *f = fopen("/proc/meminfo", "r");
    char line[256];
    double kib = 0;
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "MemAvailable: %lf kB", &kib) == 1)
            break;
    if (f)
        fclose(f);
    if (kib > 0) {
        *source = "MemAvailable";
        return kib * 1024;
    }
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGE_SIZE);
    *source = "total RAM";
    return pages > 0 && size > 0 ? (double)pages * (double)size : 0;
}

bool limits_parse_size(const char *text, double *bytes, char *err, size_t errlen)
{
    static const char *const units[] = {"", "K", "M", "G", "T"};
    /* a plain decimal number: strtod alone would take " 4G", "-0", "0x10" and "1e3" */
    size_t digits = strspn(text, "0123456789.");
    char *end;
    double v = digits ? strtod(text, &end) : 0;
    if (!digits || end != text + digits || !isfinite(v)) {
        snprintf(err, errlen, "'%s' is not a size (e.g. 512M, 4G)", text);
        return false;
    }
    if (v == 0) { /* limits_check would take 0 for "no limit" */
        snprintf(err, errlen, "'%s' is not a size above 0 (e.g. 512M, 4G)", text);
        return false;
    }
    for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
        size_t k = strlen(units[u]);
        if (strncmp(end, units[u], k) != 0)
            continue;
        const char *rest = end + k;
        if (*rest == '\0' || (u > 0 && (!strcmp(rest, "B") || !strcmp(rest, "iB"))) ||
            (u == 0 && !strcmp(rest, "B"))) {
            *bytes = v * pow(1024, (double)u);
            if (!isfinite(*bytes)) {
                snprintf(err, errlen, "'%s' is too large a size", text);
                return false;
            }
            return true;
        }
    }
    snprintf(err, errlen, "'%s' has an unknown unit (use K, M, G or T: 512M, 4G)", text);
    return false;
}

const char *limits_format(double bytes, char *buf, size_t len)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    size_t u = 0;
    while (bytes >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
        bytes /= 1024;
        u++;
    }
    snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", bytes, units[u]);
    return buf;
}

bool limits_check(const struct mem_estimate *e, unsigned copies, double extra, double limit,
                  const char *source, const char *file, struct diag *d)
{
    double total = e->total * copies + extra;
    if (limit <= 0)
        return true;
    if (total <= limit)
        return true;
    char a[32], b[32], c[32];
    char each[96] = "";
    if (copies > 1)
        snprintf(each, sizeof(each), " (%u runs at once x %s)", copies,
                 limits_format(e->total, c, sizeof(c)));
    diag_error(d, file, 0, 0, NULL,
               "estimated memory %s%s exceeds the limit %s (%s); the largest part is %s "
               "(%s per run); use fewer nodes, proposals or workers, or set --memory-limit",
               limits_format(total, a, sizeof(a)), each, limits_format(limit, b, sizeof(b)), source,
               e->part[0].what, limits_format(e->part[0].bytes, c, sizeof(c)));
    return false;
}

bool limits_from_option(const char *size, double *limit, const char **source, struct diag *d)
{
    if (!size) {
        *limit = limits_default(source);
        return true;
    }
    char err[160];
    *source = "--memory-limit";
    if (limits_parse_size(size, limit, err, sizeof(err)))
        return true;
    diag_error(d, "--memory-limit", 0, 0, NULL, "%s", err);
    return false;
}
