/*
 * time: simulated time and the one place durations are parsed and printed.
 *
 * Simulated time is an integer count of nanoseconds. Durations in scenario files carry a
 * unit: ns, us, ms, s, m (minutes), h. A decimal mantissa is allowed ("1.5s") as long as the
 * result is a whole number of nanoseconds; it is converted exactly, never through double.
 */
#ifndef ATLAS_SIM_ENGINE_TIME_H
#define ATLAS_SIM_ENGINE_TIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t sim_time; /* ns */

#define SIM_TIME_MAX UINT64_MAX
#define SIM_NS       ((sim_time)1)
#define SIM_US       ((sim_time)1000)
#define SIM_MS       ((sim_time)1000000)
#define SIM_S        ((sim_time)1000000000)

/*
 * Parses a duration such as "250us", "20ms", "1.5s", "2m", "0s". On success stores it in *out
 * and returns true. On failure returns false and writes a one-line reason into err (which
 * may be NULL): missing unit, unknown unit, negative, not a whole number of ns, overflow.
 */
bool sim_time_parse(const char *text, sim_time *out, char *err, size_t errlen);

/*
 * Prints t exactly, so that sim_time_parse(sim_time_format(t)) == t: in whole hours or
 * minutes when t is a multiple of one ("2m"), otherwise in the largest of s, ms, us, ns not
 * above t, with as many decimals as needed ("1.5s", "250us", "1.000000001s", "0s").
 * Returns buf. buf must hold SIM_TIME_BUFLEN.
 */
#define SIM_TIME_BUFLEN 32
char *sim_time_format(sim_time t, char *buf);

/*
 * Prints t as seconds, exactly: "0", "1.5", "0.000000001" (no trailing zeros, no exponent).
 * Used by every CSV column whose name ends in _s. Returns buf (SIM_TIME_BUFLEN bytes).
 */
char *sim_time_format_seconds(sim_time t, char *buf);

#endif
