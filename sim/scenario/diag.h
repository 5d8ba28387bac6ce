/*
 * diag: caller-owned list of input diagnostics (errors and warnings), each naming where:
 * a file with line and column (1-based) and a key path ("network.latency.median"), or just
 * a path for file-system problems. Collected so `validate` can report every problem at once.
 *
 * Printed as "FILE:LINE:COL: error: KEYPATH: message" (line 0 means no position).
 */
#ifndef ATLAS_SIM_SCENARIO_DIAG_H
#define ATLAS_SIM_SCENARIO_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct diag_item {
    bool warning;  /* false: error */
    char *file;    /* file name or path (owned) */
    unsigned line; /* 1-based; 0 if not applicable */
    unsigned col;  /* 1-based; 0 if not applicable */
    char *key;     /* key path, e.g. "cluster.nodes" (owned; may be NULL) */
    char *msg;     /* the message (owned) */
};

struct diag {
    struct diag_item *items; /* in the order reported */
    size_t n, cap;
    size_t errors; /* items with warning == false */
};

void diag_init(struct diag *d);
void diag_fini(struct diag *d);

/* Append an error; fmt is printf-style. file/key may be NULL. */
#if defined(__GNUC__)
__attribute__((format(printf, 6, 7)))
#endif
void diag_error(struct diag *d, const char *file, unsigned line, unsigned col, const char *key,
                const char *fmt, ...);

#if defined(__GNUC__)
__attribute__((format(printf, 6, 7)))
#endif
void diag_warning(struct diag *d, const char *file, unsigned line, unsigned col, const char *key,
                  const char *fmt, ...);

static inline bool diag_ok(const struct diag *d)
{
    return d->errors == 0;
}

/* Print every item, one per line, to f. */
void diag_print(const struct diag *d, FILE *f);

#endif
