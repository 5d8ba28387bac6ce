/* cmd_bench: `atlas-sim bench phold|graph`, the shipped benchmarks. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "core/xalloc.h"
#include "sim/cli/cli.h"
#include "sim/engine/phold.h"

static const struct bench {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *help;
} benches[] = {
    {"phold", bench_phold_main, "the PHOLD event-engine benchmark"},
    {"graph", bench_graph_main, "the graph store benchmark"},
    {"linearizability", bench_linz_main, "the linearizability checker on a generated history"},
};

static void bench_usage(FILE *f)
{
    fprintf(f, "usage: atlas-sim bench BENCHMARK [OPTIONS]\n\nBenchmarks:\n");
    for (size_t i = 0; i < sizeof(benches) / sizeof(benches[0]); i++)
        fprintf(f, "  %-8s %s\n", benches[i].name, benches[i].help);
    fprintf(f, "\nRun 'atlas-sim bench BENCHMARK --help' for its options.\n");
}

int cmd_bench(int argc, char **argv)
{
    if (argc < 2) {
        bench_usage(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        bench_usage(stdout);
        return EXIT_OK;
    }
    for (size_t i = 0; i < sizeof(benches) / sizeof(benches[0]); i++)
        if (strcmp(argv[1], benches[i].name) == 0)
            return benches[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "atlas-sim bench: unknown benchmark '%s'\n\n", argv[1]);
    bench_usage(stderr);
    return EXIT_USAGE;
}

/* ---- phold ---- */

static void phold_usage(FILE *f)
{
    fprintf(f,
            "usage: atlas-sim bench phold [--lps N] [--population N] [--remote F] [--mean T]\n"
            "                             [--lookahead T] [--events N] [--end T] [--seed N]\n"
            "                             [--reference | --rounds K]\n"
            "\n"
            "Runs the standard PHOLD model on the engine (one core) and reports committed\n"
            "events, pending events, wall and CPU seconds, events per (wall) second and peak\n"
            "memory, then one line of key=value pairs. Events and checksum are identical\n"
            "across repeat runs.\n"
            "\n"
            "  --lps N         logical processes (default 1024)\n"
            "  --population N  initial events per LP (default 1)\n"
            "  --remote F      probability an event goes to a uniformly random LP (default 0.25)\n"
            "  --mean T        mean delay, lookahead included (default 1.0)\n"
            "  --lookahead T   minimum delay; delay = lookahead + Exp(mean - lookahead)\n"
            "                  (default 0.1)\n"
            "  --events N      stop after N committed events (default 10000000)\n"
            "  --end T         stop at simulated time T (default: no limit)\n"
            "  --seed N        base seed of the LP streams (default 1)\n"
            "  --reference     run the identical model on a bare binary heap instead of the\n"
            "                  engine (the yardstick of BENCHMARKS.md: time both in one\n"
            "                  sitting and compare); same events and checksum\n"
            "  --rounds K      run the engine and the reference K times each, interleaved\n"
            "                  (odd rounds engine first, even rounds reference first), and\n"
            "                  print each round's CPU seconds and the ratio reference / engine\n"
            "                  of the minimum and of the median CPU times (K <= 1000)\n"
            "\n"
            "Times T are durations (250us, 1.5s) or plain numbers in PHOLD's abstract time\n"
            "unit, which is mapped to one second: --mean 1.0 and --mean 1s are the same.\n");
}

static bool parse_u64(const char *text, uint64_t *out)
{
    char *end;
    if (*text < '0' || *text > '9')
        return false;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (*end != '\0' || errno == ERANGE)
        return false;
    *out = v;
    return true;
}

static bool parse_prob(const char *text, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || errno == ERANGE || !(v >= 0 && v <= 1))
        return false;
    *out = v;
    return true;
}

/* A duration, or a plain decimal number of PHOLD time units (1 unit = 1 s). */
static bool parse_phold_time(const char *text, sim_time *out, char *err, size_t errlen)
{
    size_t n = strlen(text);
    if (n && n == strspn(text, "0123456789.") && n < 64) {
        char with_unit[72];
        snprintf(with_unit, sizeof(with_unit), "%ss", text);
        return sim_time_parse(with_unit, out, err, errlen);
    }
    return sim_time_parse(text, out, err, errlen);
}

static int phold_bad(const char *opt, const char *text, const char *what)
{
    fprintf(stderr, "atlas-sim bench phold: %s: '%s' %s\n", opt, text, what);
    return EXIT_USAGE;
}

struct phold_cli {
    struct phold_params p; /* model parameters */
    uint64_t events;       /* --events (UINT64_MAX: none) */
    sim_time end;          /* --end (SIM_TIME_MAX: none) */
    uint64_t rounds;       /* --rounds (0: one run of the queue chosen) */
};

#define MAX_ROUNDS 1000

/* Parse one option with its value; returns EXIT_OK or EXIT_USAGE (message printed). */
static int phold_option(struct phold_cli *c, const char *opt, const char *val)
{
    char why[160];
    bool ok;
    if (strcmp(opt, "--lps") == 0)
        ok = parse_u64(val, &c->p.lps);
    else if (strcmp(opt, "--population") == 0)
        ok = parse_u64(val, &c->p.population);
    else if (strcmp(opt, "--events") == 0)
        ok = parse_u64(val, &c->events);
    else if (strcmp(opt, "--rounds") == 0) {
        if (!parse_u64(val, &c->rounds) || c->rounds == 0 || c->rounds > MAX_ROUNDS)
            return phold_bad(opt, val, "is not a round count from 1 to 1000");
        return EXIT_OK;
    } else if (strcmp(opt, "--seed") == 0)
        ok = parse_u64(val, &c->p.seed);
    else if (strcmp(opt, "--remote") == 0)
        ok = parse_prob(val, &c->p.remote);
    else if (strcmp(opt, "--mean") == 0 || strcmp(opt, "--lookahead") == 0 ||
             strcmp(opt, "--end") == 0) {
        sim_time *dst = opt[2] == 'm' ? &c->p.mean : opt[2] == 'l' ? &c->p.lookahead : &c->end;
        if (!parse_phold_time(val, dst, why, sizeof(why))) {
            fprintf(stderr, "atlas-sim bench phold: %s: %s\n", opt, why);
            return EXIT_USAGE;
        }
        return EXIT_OK;
    } else {
        fprintf(stderr, "atlas-sim bench phold: unknown option '%s' (see --help)\n", opt);
        return EXIT_USAGE;
    }
    if (!ok)
        return phold_bad(opt, val,
                         strcmp(opt, "--remote") == 0 ? "is not a probability in [0, 1]"
                                                      : "is not a non-negative integer");
    return EXIT_OK;
}

static int phold_parse(struct phold_cli *c, int argc, char **argv)
{
    phold_params_default(&c->p);
    c->events = 10000000;
    c->end = SIM_TIME_MAX;
    c->rounds = 0;
    bool events_given = false, end_given = false;
    for (int i = 1; i < argc; i += 2) {
        if (strcmp(argv[i], "--reference") == 0) {
            c->p.reference = true;
            i--; /* a flag: no value */
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "atlas-sim bench phold: %s needs a value (see --help)\n", argv[i]);
            return EXIT_USAGE;
        }
        int rc = phold_option(c, argv[i], argv[i + 1]);
        if (rc != EXIT_OK)
            return rc;
        events_given |= strcmp(argv[i], "--events") == 0;
        end_given |= strcmp(argv[i], "--end") == 0;
    }
    if (end_given && !events_given)
        c->events = UINT64_MAX;
    if (c->rounds && c->p.reference) {
        fprintf(stderr, "atlas-sim bench phold: --rounds runs both queues; drop --reference\n");
        return EXIT_USAGE;
    }
    char why[160];
    if (!phold_check(&c->p, why, sizeof(why))) {
        fprintf(stderr, "atlas-sim bench phold: %s\n", why);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

static double clock_seconds(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct timing {
    double wall; /* wall-clock seconds of the run */
    double cpu;  /* CPU seconds of this process during the run (excludes preemption) */
};

static void phold_report(const struct phold_cli *c, const struct phold_result *res,
                         struct timing tm)
{
    double wall = tm.wall;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double rate = wall > 0 ? (double)res->events / wall : 0;
    char mean[SIM_TIME_BUFLEN], look[SIM_TIME_BUFLEN], now[SIM_TIME_BUFLEN];
    printf("phold: lps=%" PRIu64 " population=%" PRIu64 " remote=%g mean=%s lookahead=%s "
           "seed=%" PRIu64 " queue=%s\n",
           c->p.lps, c->p.population, c->p.remote, sim_time_format(c->p.mean, mean),
           sim_time_format(c->p.lookahead, look), c->p.seed,
           c->p.reference ? "reference-binary-heap" : "engine");
    printf("committed events:  %" PRIu64 "\n", res->events);
    printf("pending events:    %" PRIu64 "\n", res->pending);
    printf("simulated time:    %ss\n", sim_time_format_seconds(res->now, now));
    printf("wall seconds:      %.3f\n", wall);
    printf("cpu seconds:       %.3f (%.3f M events per CPU second)\n", tm.cpu,
           tm.cpu > 0 ? (double)res->events / tm.cpu / 1e6 : 0);
    printf("events per second: %.3f M\n", rate / 1e6);
    printf("peak memory:       %.1f MiB\n", (double)ru.ru_maxrss / 1024);
    printf("events=%" PRIu64 " pending=%" PRIu64 " sim_time_s=%s wall_s=%.6f events_per_s=%.0f "
           "cpu_s=%.6f peak_rss_kib=%ld checksum=%016" PRIx64 "\n",
           res->events, res->pending, now, wall, rate, tm.cpu, ru.ru_maxrss, res->checksum);
}

/* One timed run of the model on the queue p->reference chooses (setup and teardown not
 * timed). */
static void phold_timed(const struct phold_cli *c, const struct phold_params *p,
                        struct phold_result *res, struct timing *tm)
{
    struct phold *ph = phold_new(p);
    double w0 = clock_seconds(CLOCK_MONOTONIC), c0 = clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
    phold_run(ph, c->events, c->end);
    *tm = (struct timing){clock_seconds(CLOCK_MONOTONIC) - w0,
                          clock_seconds(CLOCK_PROCESS_CPUTIME_ID) - c0};
    phold_result(ph, res);
    phold_free(ph);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The median of v[0..n) (n > 0; sorts v). */
static double median(double *v, size_t n)
{
    qsort(v, n, sizeof(double), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* --rounds: the engine and the reference interleaved; exit 1 if they disagree. */
static int phold_rounds(const struct phold_cli *c)
{
    size_t k = (size_t)c->rounds;
    double *cpu[2] = {xcalloc(k, sizeof(double)), xcalloc(k, sizeof(double))};
    struct phold_result res[2] = {{0}}, first = {0};
    char mean[SIM_TIME_BUFLEN], look[SIM_TIME_BUFLEN], now[SIM_TIME_BUFLEN];
    printf("phold: lps=%" PRIu64 " population=%" PRIu64 " remote=%g mean=%s lookahead=%s "
           "seed=%" PRIu64 " queue=engine+reference rounds=%zu\n",
           c->p.lps, c->p.population, c->p.remote, sim_time_format(c->p.mean, mean),
           sim_time_format(c->p.lookahead, look), c->p.seed, k);
    int rc = EXIT_OK;
    for (size_t r = 0; r < k && rc == EXIT_OK; r++) {
        for (int j = 0; j < 2; j++) {
            int q = r % 2 ? 1 - j : j; /* 0 engine, 1 reference */
            struct phold_params p = c->p;
            p.reference = q == 1;
            struct timing tm;
            phold_timed(c, &p, &res[q], &tm);
            cpu[q][r] = tm.cpu;
        }
        if (r == 0)
            first = res[0];
        for (int q = 0; q < 2; q++)
            if (res[q].checksum != first.checksum || res[q].events != first.events)
                rc = EXIT_INVARIANT;
        printf("round %zu: engine cpu_s=%.6f reference cpu_s=%.6f ratio=%.3f\n", r + 1, cpu[0][r],
               cpu[1][r], cpu[0][r] > 0 ? cpu[1][r] / cpu[0][r] : 0);
    }
    if (rc != EXIT_OK) {
        fprintf(stderr, "atlas-sim bench phold: the engine and the reference fired different "
                        "events (checksums differ)\n");
    } else {
        double emin = cpu[0][0], rmin = cpu[1][0];
        for (size_t r = 1; r < k; r++) {
            emin = cpu[0][r] < emin ? cpu[0][r] : emin;
            rmin = cpu[1][r] < rmin ? cpu[1][r] : rmin;
        }
        double emed = median(cpu[0], k), rmed = median(cpu[1], k);
        printf("events=%" PRIu64 " pending=%" PRIu64 " sim_time_s=%s checksum=%016" PRIx64
               " rounds=%zu engine_cpu_min=%.6f engine_cpu_median=%.6f reference_cpu_min=%.6f "
               "reference_cpu_median=%.6f ratio_min=%.3f ratio_median=%.3f\n",
               first.events, first.pending, sim_time_format_seconds(first.now, now), first.checksum,
               k, emin, emed, rmin, rmed, emin > 0 ? rmin / emin : 0, emed > 0 ? rmed / emed : 0);
    }
    free(cpu[0]);
    free(cpu[1]);
    return rc;
}

int bench_phold_main(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        phold_usage(stdout);
        return EXIT_OK;
    }
    struct phold_cli c;
    int rc = phold_parse(&c, argc, argv);
    if (rc != EXIT_OK)
        return rc;
    if (c.rounds)
        return phold_rounds(&c);
    struct phold_result res;
    struct timing tm;
    phold_timed(&c, &c.p, &res, &tm);
    phold_report(&c, &res, tm);
    return EXIT_OK;
}
