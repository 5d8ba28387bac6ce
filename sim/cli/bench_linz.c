/* bench_linz: `atlas-sim bench linearizability`, the speed of core/linearizability on a
 * generated register history that is linearizable by construction. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "core/linearizability.h"
#include "sim/cli/cli.h"

struct linz_args {
    uint64_t ops;     /* --ops */
    uint64_t keys;    /* --keys */
    uint64_t overlap; /* --overlap: ops of one key whose intervals overlap on average */
    uint64_t seed;    /* --seed */
    uint64_t cache;   /* --cache-mib: the memo cache bound per key, MiB */
};

static void linz_usage(FILE *f)
{
    fprintf(f, "usage: atlas-sim bench linearizability [--ops N] [--keys K] [--overlap W]\n"
               "                                       [--seed S] [--cache-mib M]\n"
               "\n"
               "Generates a register history: N ops on K keys, each key a real register whose\n"
               "ops take effect in sequence, each op's interval widened at random so that about\n"
               "W ops of a key overlap; checks it on one core and reports the verdict (always\n"
               "linearizable, or unknown when a key's memo cache would pass M MiB), search\n"
               "steps, wall and CPU seconds and peak memory.\n"
               "Defaults: --ops 100000 --keys 1000 --overlap 4 --seed 1 --cache-mib 256.\n"
               "Exit codes: 0 linearizable, 3 unknown, 1 a violation (a checker bug).\n");
}

static bool parse_count(const char *text, uint64_t *out)
{
    char *end;
    if (*text < '1' || *text > '9')
        return false;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (*end != '\0' || errno == ERANGE)
        return false;
    *out = v;
    return true;
}

/* 1 = --help printed, 0 = parsed, -1 = bad usage (message printed). */
static int linz_parse(int argc, char **argv, struct linz_args *a)
{
    *a = (struct linz_args){100000, 1000, 4, 1, 256};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            linz_usage(stdout);
            return 1;
        }
        uint64_t *dst = strcmp(argv[i], "--ops") == 0         ? &a->ops
                        : strcmp(argv[i], "--keys") == 0      ? &a->keys
                        : strcmp(argv[i], "--overlap") == 0   ? &a->overlap
                        : strcmp(argv[i], "--seed") == 0      ? &a->seed
                        : strcmp(argv[i], "--cache-mib") == 0 ? &a->cache
                                                              : NULL;
        if (!dst) {
            fprintf(stderr, "atlas-sim bench linearizability: unknown option '%s'\n", argv[i]);
            return -1;
        }
        if (i + 1 >= argc || !parse_count(argv[i + 1], dst)) {
            fprintf(stderr, "atlas-sim bench linearizability: %s needs a positive integer\n",
                    argv[i]);
            return -1;
        }
        i++;
    }
    return 0;
}

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* Op i takes effect at 1000*(i+1) ns on a random key; half are writes of 0..9, half reads of
 * the key's current value; the interval reaches up to overlap*keys*1000/2 ns each side. */
static struct linz_history *generate(const struct linz_args *a)
{
    struct linz_history *h = linz_history_new(LINZ_REGISTER);
    int64_t *reg = calloc(a->keys, sizeof(*reg));
    uint64_t seed = a->seed, reach = a->overlap * a->keys * 1000 / 2 + 1;
    for (uint64_t i = 0; i < a->ops; i++) {
        uint64_t at = 1000 * (i + 1) + reach, k = splitmix(&seed) % a->keys;
        struct linz_op op = {.client = (uint32_t)i,
                             .kind = LINZ_READ,
                             .key = (int64_t)k,
                             .value = reg[k],
                             .invoke = at - splitmix(&seed) % reach,
                             .complete = at + splitmix(&seed) % reach};
        if (splitmix(&seed) % 2) {
            op.kind = LINZ_WRITE;
            op.value = reg[k] = (int64_t)(splitmix(&seed) % 10);
        }
        linz_history_add(h, &op);
    }
    free(reg);
    return h;
}

static double now_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int bench_linz_main(int argc, char **argv)
{
    struct linz_args a;
    int rc = linz_parse(argc, argv, &a);
    if (rc != 0)
        return rc > 0 ? EXIT_OK : EXIT_USAGE;
    struct linz_history *h = generate(&a);
    struct linz_limits lim = {.max_cache_bytes = (size_t)a.cache << 20, .max_shrink_checks = 1000};
    double t0 = now_s(CLOCK_MONOTONIC), c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
    struct linz_report *r = linz_check(h, &lim);
    double secs = now_s(CLOCK_MONOTONIC) - t0, cpu = now_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
    uint64_t steps = 0;
    for (size_t i = 0; i < linz_report_count(r); i++)
        steps += linz_report_get(r, i)->steps;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    enum linz_verdict v = linz_report_verdict(r);
    printf("bench=linearizability ops=%" PRIu64 " keys=%zu overlap=%" PRIu64 " cache_mib=%" PRIu64
           " verdict=%s steps=%" PRIu64 " seconds=%.3f cpu_s=%.3f peak_rss_kib=%ld\n",
           a.ops, linz_report_count(r), a.overlap, a.cache, linz_verdict_name(v), steps, secs, cpu,
           ru.ru_maxrss);
    linz_report_free(r);
    linz_history_free(h);
    return v == LINZ_LINEARIZABLE ? EXIT_OK : v == LINZ_UNKNOWN ? EXIT_UNKNOWN : EXIT_INVARIANT;
}
