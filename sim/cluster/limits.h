/*
 * limits: a scenario's estimated peak memory, computed before it runs, and the limit it
 * must fit in (`run`, `sweep`: refused with exit code 2 instead of exhausting the machine).
 *
 * The estimate adds up the parts that grow with the scenario: per-node state (the node
 * records, network and heartbeat streams, partition maps), the replicas (a bitset over
 * every graph element per node) and applied-proposal sets, proposals, heartbeat links and
 * the heartbeats in flight with their timers, the messages of the proposals in flight
 * (broadcast copies and votes: about rate x 3 latency tails of proposals at a time), the
 * ledgers (kept for <= 64 nodes or with output.ledgers), the final graph for the exports,
 * and a fixed base. Sizes come from the real structures where they are visible and were
 * calibrated against measured peak RSS (TESTING.md, "Limits"); arrays that grow by doubling
 * are counted at 1.5x. It is meant to err high by tens of percent, never by a factor.
 *
 * Ownership: nothing is kept; the scenario is only read. Errors: none (overflow saturates).
 */
#ifndef ATLAS_SIM_CLUSTER_LIMITS_H
#define ATLAS_SIM_CLUSTER_LIMITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/scenario/diag.h"
#include "sim/scenario/scenario.h"

#define MEM_PARTS 20 /* every part limits_estimate can add (18 today), with room */

struct mem_part {
    const char *what; /* e.g. "replicas" */
    double bytes;
};

struct mem_estimate {
    double total;                    /* bytes */
    struct mem_part part[MEM_PARTS]; /* by size, largest first */
    size_t nparts;
};

/* The estimated peak memory of one run of sc. */
void limits_estimate(const struct scenario *sc, struct mem_estimate *e);

/*
 * The default limit: the machine's (limits_machine), or the room left under the process's
 * cgroup memory limit when that is smaller (a batch job's allocation: Slurm, containers);
 * *source names which. 0 when nothing is known (no limit).
 */
double limits_default(const char **source);

/* MemAvailable from /proc/meminfo, or else the total RAM (sysconf); *source is
 * "MemAvailable" or "total RAM". 0 when neither is known. */
double limits_machine(const char **source);

/*
 * The least (limit - usage) over the memory cgroups of the process and their ancestors,
 * read from proc_cgroup (normally /proc/self/cgroup) under sysfs_root (/sys/fs/cgroup):
 * cgroup v2 memory.max / memory.current, or v1 memory/.../memory.limit_in_bytes /
 * memory.usage_in_bytes. 0 when no cgroup sets a limit.
 */
double limits_cgroup_room(const char *sysfs_root, const char *proc_cgroup);

/* SIZE: a decimal number of bytes above 0 with an optional binary unit K, M, G, T (also
 * KiB, MiB, ..., KB, MB, ... meaning the same), e.g. "512M", "1.5G", "4GiB". False (err) if
 * malformed (signs, spaces, hexadecimal and exponents included) or 0. */
bool limits_parse_size(const char *text, double *bytes, char *err, size_t errlen);

/* "41.2 GiB", "288.0 MiB", "512 B" into buf (at least 32 bytes); returns buf. */
const char *limits_format(double bytes, char *buf, size_t len);

/*
 * Refuse when `copies` runs of estimate e at once (sweep workers, the two runs of the
 * determinism check; else 1) plus `extra` bytes exceed the limit: an error on `file` in d
 * naming the estimate, the limit and its source, and the largest part. limit <= 0 means
 * no limit. Returns whether it fits.
 */
bool limits_check(const struct mem_estimate *e, unsigned copies, double extra, double limit,
                  const char *source, const char *file, struct diag *d);

/*
 * The limit of the command line: --memory-limit's SIZE (source "--memory-limit") when
 * given, else limits_default. False (an error on "--memory-limit" in d) if SIZE is malformed.
 */
bool limits_from_option(const char *size, double *limit, const char **source, struct diag *d);

/* Bytes a sweep's driver keeps per run (results and journal bookkeeping). */
#define LIMITS_SWEEP_BYTES_PER_RUN 512.0

#endif
