/*
 * sweep: expansion of a scenario's sweep.params into points and runs.
 *
 * A sweep has axes (a key path and the list of values it takes, as YAML scalar text applied
 * to the scenario document like --set) and a number of replications. Its points are the
 * Cartesian product of the axes in declaration order, the LAST axis varying fastest (like
 * nested loops written in file order); a sweep without axes has one point. Runs are
 * numbered point-major:
 *
 *     run = point * replications + rep        (0-based; run < 2^32)
 *
 * Seeds (common random numbers): replication r of EVERY point uses the same seed,
 * sweep_seed(base, r) = the r-th output (0-based) of SplitMix64 seeded with the base seed:
 *
 *     z = base + (r + 1) * 0x9e3779b97f4a7c15
 *     z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
 *     z = (z ^ (z >> 27)) * 0x94d049bb133111eb
 *     seed = z ^ (z >> 31)                     (all arithmetic mod 2^64)
 *
 * Ranges {from, to, step} are expanded with the count fixed up front, each value computed
 * from `from` and the index (never by accumulating step), so that no rounding error builds
 * up, and printed as the shortest text that reads back as the same number:
 *   - plain decimals ("0.5", "-2", "0.05"): exact decimal arithmetic on scaled integers,
 *     so 0.5..0.95 step 0.05 gives "0.5", "0.55", ..., "0.7", ..., "0.95";
 *   - durations with a unit ("1ms", "500us"): integer nanoseconds, printed by
 *     sim_time_format ("1ms", "1.5ms");
 *   - anything else strtod reads ("1e-3"): doubles from + i*step, printed with the fewest
 *     significant digits that round-trip, the count being floor((to-from)/step + 1e-9) + 1.
 * `to` is included when it lies on the grid. step must be non-zero and point from `from`
 * towards `to` (a range with from == to has one value).
 *
 * On the command line (`atlas-sim sweep --set KEY=VALUE`), a VALUE that is a comma list
 * ("a,b,c"; commas inside {} [] or quotes do not split) or a range
 * ("{from: 0.5, to: 0.95, step: 0.05}") makes KEY an axis (replacing an axis of the same
 * path from the file, in place; a new axis goes last). Any other VALUE, a YAML flow list
 * "[...]" included (list-valued keys such as faults.crashes), is a plain override of the
 * base scenario, as with `atlas-sim run --set`; a plain override of a key the file sweeps
 * replaces that axis by the one value (the caller does this: see cmd_sweep).
 *
 * Shards: --shard K/N (1 <= K <= N) selects the runs with run % N == K - 1 (round robin, so
 * every shard gets a similar mix of small and large points).
 *
 * Errors are reported as text into caller buffers (err, errlen); functions return false.
 */
#ifndef ATLAS_SIM_SCENARIO_SWEEP_H
#define ATLAS_SIM_SCENARIO_SWEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/scenario/scenario.h"

#define SWEEP_MAX_VALUES 1000000u  /* values of one range */
#define SWEEP_MAX_POINTS 1000000u  /* points of a sweep (the product of its value counts) */
#define SWEEP_MAX_RUNS   10000000u /* runs of a sweep (points x replications) */

struct sweep_axis {
    char *path;     /* key path, e.g. "consensus.approval" (owned) */
    size_t nvalues; /* >= 1 */
    char **values;  /* scalar text, applied with scenario_doc_set (owned) */
};

struct sweep_plan {
    size_t naxes;
    struct sweep_axis *axes; /* declaration order; the last varies fastest (owned) */
    uint32_t replications;   /* >= 1 */
    uint64_t base_seed;      /* the scenario's seed */
    uint64_t npoints;        /* product of the axes' value counts (1 without axes) */
    uint64_t nruns;          /* npoints * replications */
};

/* An empty plan: no axes, one point. */
void sweep_plan_init(struct sweep_plan *p, uint64_t base_seed, uint32_t replications);
void sweep_plan_fini(struct sweep_plan *p); /* NULL-safe */

/* The plan of a resolved scenario: its sweep.params, sweep.replications and seed. */
void sweep_plan_from_scenario(struct sweep_plan *p, const struct scenario *sc);

/* Add axis `path` (copies path and values), or replace the values of an existing one. */
void sweep_plan_set_axis(struct sweep_plan *p, const char *path, size_t nvalues,
                         const char *const *values);

/* False (with a reason) if the plan has more than SWEEP_MAX_POINTS points or SWEEP_MAX_RUNS runs.
 */
bool sweep_plan_check(const struct sweep_plan *p, char *err, size_t errlen);

/* The seed of replication rep (see above). */
uint64_t sweep_seed(uint64_t base_seed, uint32_t rep);

/* Point and replication of a run; run < p->nruns. */
void sweep_run_locate(const struct sweep_plan *p, uint64_t run, uint64_t *point, uint32_t *rep);

/* Value of axis `axis` at point `point` (borrowed). */
const char *sweep_point_value(const struct sweep_plan *p, uint64_t point, size_t axis);

/*
 * 64-bit FNV-1a over the plan (axes, values, replications, seed) and `text` (the resolved
 * base scenario as YAML): the identity of a sweep, stored in its folder so that shards of
 * different sweeps are never merged.
 */
uint64_t sweep_plan_hash(const struct sweep_plan *p, const char *text, size_t len);

/*
 * Expand a range into *values (owned by the caller: free each, then the array). The three
 * arguments are scalar text. Returns false with a reason in err on a malformed number, a
 * zero step, a step pointing away from `to`, mixed kinds, or more than SWEEP_MAX_VALUES.
 */
bool sweep_range_expand(const char *from, const char *to, const char *step, size_t *nvalues,
                        char ***values, char *err, size_t errlen);

/* Free an array of strings from sweep_range_expand or sweep_parse_set. */
void sweep_values_free(size_t n, char **values);

/*
 * Parse a --set argument "KEY=VALUE". *path is KEY. If VALUE is a list or a range (see
 * above), *is_axis is true and *values holds the expanded values; otherwise *is_axis is
 * false and *values holds VALUE alone. Caller frees *path and *values.
 */
bool sweep_parse_set(const char *arg, char **path, bool *is_axis, size_t *nvalues, char ***values,
                     char *err, size_t errlen);

/* Whether --set arg makes an axis (a list or a range); false for anything sweep_parse_set
 * refuses too (the caller reports that with the arg). */
bool sweep_set_is_axis(const char *arg);

/* Parse "K/N" with 1 <= K <= N. */
bool sweep_shard_parse(const char *text, uint32_t *k, uint32_t *n);

static inline bool sweep_run_in_shard(uint64_t run, uint32_t k, uint32_t n)
{
    return run % n == (uint64_t)(k - 1);
}

/* Format a reason into err (if err && errlen) and return false: the error style of sweep_*. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
bool sweep_fail(char *err, size_t errlen, const char *fmt, ...);

#endif
