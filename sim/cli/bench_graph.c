/*
 * bench_graph: `atlas-sim bench graph`, the graph-replica benchmark. Builds a replica of N
 * vertices and M random labelled edges through the public string API of core/graph (the
 * path every proposal takes), reading the incrementally maintained state hash after every
 * operation, and reports wall time, operations per second, peak resident memory and bytes
 * per edge, then one line of key=value pairs. Everything but the time and memory figures is
 * a function of the arguments (same seed, same graph, same hash).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "core/graph.h"
#include "sim/cli/cli.h"

static const char *const vertex_labels[] = {"Person", "Place", "Thing", "Event"};
static const char *const edge_labels[] = {"visits",  "knows", "likes",   "owns",
                                          "follows", "near",  "made_by", "uses"};
#define NVLABELS (sizeof(vertex_labels) / sizeof(vertex_labels[0]))
#define NELABELS (sizeof(edge_labels) / sizeof(edge_labels[0]))

struct bench_args {
    uint64_t vertices, edges, seed;
};

static void usage(FILE *f)
{
    fprintf(f, "usage: atlas-sim bench graph [--vertices N] [--edges M] [--seed S]\n"
               "\n"
               "Builds one graph replica of N vertices (ids v0..v{N-1}, 4 labels) and M distinct\n"
               "random edges (8 labels, endpoints uniform; duplicates drawn are rejected by\n"
               "validation and redrawn) through the public graph API, with the state hash read\n"
               "after every operation. Reports vertices, edges, wall and CPU seconds, operations\n"
               "per (wall) second, peak RSS and bytes of peak RSS per edge, then one key=value\n"
               "line.\n"
               "\n"
               "  --vertices N  vertices (default 1000000)\n"
               "  --edges M     edges (default 5000000)\n"
               "  --seed S      seed of the edge generator (default 1)\n");
}

static int parse_u64(const char *opt, const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s ? s : "", &end, 10);
    if (!s || *s == '\0' || *end != '\0' || errno == ERANGE || s[0] == '-') {
        fprintf(stderr, "atlas-sim bench graph: %s needs an unsigned integer, got '%s'\n", opt,
                s ? s : "");
        return -1;
    }
    *out = v;
    return 0;
}

/* 0 ok, 1 --help printed, -1 usage error (printed). */
static int parse_args(int argc, char **argv, struct bench_args *a)
{
    *a = (struct bench_args){.vertices = 1000000, .edges = 5000000, .seed = 1};
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        uint64_t *dst = strcmp(o, "--vertices") == 0 ? &a->vertices
                        : strcmp(o, "--edges") == 0  ? &a->edges
                        : strcmp(o, "--seed") == 0   ? &a->seed
                                                     : NULL;
        if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
            usage(stdout);
            return 1;
        }
        if (!dst) {
            fprintf(stderr, "atlas-sim bench graph: unknown option '%s'\n", o);
            usage(stderr);
            return -1;
        }
        if (parse_u64(o, i + 1 < argc ? argv[++i] : NULL, dst) != 0)
            return -1;
    }
    /* Handles are 32-bit; and at most half of all possible distinct edges, so redraws end. */
    double possible = (double)a->vertices * (double)a->vertices * (double)NELABELS;
    if (a->vertices >= UINT32_MAX || a->edges >= UINT32_MAX || (double)a->edges > possible / 2) {
        fprintf(stderr,
                "atlas-sim bench graph: need vertices < 2^32 - 1 and edges at most half "
                "of vertices^2 * %zu\n",
                NELABELS);
        return -1;
    }
    return 0;
}

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* "v" followed by the decimal digits of i; buf holds at least 24 bytes. */
static const char *vertex_name(uint64_t i, char *buf)
{
    char digits[21];
    int n = 0;
    do {
        digits[n++] = (char)('0' + i % 10);
        i /= 10;
    } while (i);
    buf[0] = 'v';
    for (int k = 0; k < n; k++)
        buf[1 + k] = digits[n - 1 - k];
    buf[1 + n] = '\0';
    return buf;
}

/* Seconds on clock id: CLOCK_MONOTONIC for wall time, CLOCK_PROCESS_CPUTIME_ID for CPU time
 * (which excludes time the process waited for a core on a shared machine). */
static double now_seconds(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct bench_result {
    uint64_t ops, rejected, fold; /* operations, duplicate edges rejected, hash fold */
};

static struct bench_result build(struct graph *g, const struct bench_args *a)
{
    struct bench_result r = {0, 0, 0};
    char from[24], to[24];
    for (uint64_t i = 0; i < a->vertices; i++) {
        enum graph_reason why =
            graph_add_vertex(g, vertex_name(i, from), vertex_labels[i % NVLABELS], NULL, 0);
        if (why != GRAPH_OK)
            abort(); /* fresh ids cannot be rejected */
        r.fold ^= graph_state_hash64(g);
        r.ops++;
    }
    uint64_t rng = a->seed;
    while (graph_edge_count(g) < a->edges) {
        uint64_t x = splitmix64(&rng), y = splitmix64(&rng);
        const char *label = edge_labels[(x >> 61) % NELABELS];
        enum graph_reason why = graph_add_edge(g, vertex_name((x % a->vertices), from), label,
                                               vertex_name(y % a->vertices, to), NULL, 0);
        r.rejected += why == GRAPH_DUPLICATE_EDGE;
        r.fold ^= graph_state_hash64(g);
        r.ops++;
    }
    return r;
}

int bench_graph_main(int argc, char **argv)
{
    struct bench_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc != 0)
        return rc > 0 ? EXIT_OK : EXIT_USAGE;

    double t0 = now_seconds(CLOCK_MONOTONIC), c0 = now_seconds(CLOCK_PROCESS_CPUTIME_ID);
    struct graph *g = graph_new();
    struct bench_result r = build(g, &a);
    double secs = now_seconds(CLOCK_MONOTONIC) - t0;
    double cpu = now_seconds(CLOCK_PROCESS_CPUTIME_ID) - c0;

    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double rss = (double)ru.ru_maxrss * 1024.0;
    double per_edge = a.edges ? rss / (double)a.edges : 0.0;
    char hex[33];
    graph_hash_hex(graph_state_hash(g), hex);

    printf("vertices        %zu\n", graph_vertex_count(g));
    printf("edges           %zu (%" PRIu64 " duplicate draws rejected)\n", graph_edge_count(g),
           r.rejected);
    printf("wall seconds    %.3f\n", secs);
    printf("cpu seconds     %.3f\n", cpu);
    printf("ops per second  %.0f\n", secs > 0 ? (double)r.ops / secs : 0.0);
    printf("peak RSS        %.1f MiB\n", rss / (1024.0 * 1024.0));
    printf("bytes per edge  %.1f\n", per_edge);
    printf("state hash      %s\n", hex);
    printf("bench=graph vertices=%zu edges=%zu ops=%" PRIu64 " rejected=%" PRIu64
           " seconds=%.3f cpu_s=%.3f ops_per_s=%.0f peak_rss_bytes=%.0f bytes_per_edge=%.1f "
           "hash=%s fold=%016" PRIx64 "\n",
           graph_vertex_count(g), graph_edge_count(g), r.ops, r.rejected, secs, cpu,
           secs > 0 ? (double)r.ops / secs : 0.0, rss, per_edge, hex, r.fold);
    graph_free(g);
    return EXIT_OK;
}
