/*
 * view_impl: what view.c (the loader) hands to the writers (view_html.c, view_log.c).
 *
 * Internal to the view module; nothing outside analysis/view*.c includes it. The loader
 * reduces three CSV files to a bounded set of drawable items: messages, point events,
 * intervals (down time, suspicions, leadership, partitions: "spans") and proposal outcomes.
 */
#ifndef ATLAS_ANALYSIS_VIEW_IMPL_H
#define ATLAS_ANALYSIS_VIEW_IMPL_H

#include <stdbool.h>
#include <stddef.h>

#include "analysis/view.h"

enum item_type {
    ITEM_SPAN,    /* an interval on a lane (or on all lanes: a partition) */
    ITEM_OUTCOME, /* a proposal from submission to decision on its proposer's lane */
    ITEM_MSG,     /* a message from send to arrival */
    ITEM_EVENT,   /* any other events.csv row, a point */
};

#define VIEW_CLUSTER (-1L) /* node of a cluster-wide item (NA in the CSV) */

struct item {
    enum item_type type;
    double key;     /* time the window and the limit look at: t0, or `from` if t0 is earlier */
    double t0, t1;  /* start and end; t1 < 0: not delivered / not decided; spans may be open */
    long a, b;      /* messages: from, to; others: node in a (VIEW_CLUSTER), b = -1 */
    size_t seq;     /* creation order over the three files: the output order */
    size_t kind;    /* messages: index into view.kinds */
    bool dup;       /* messages: a second copy of an earlier row (same send, ends, kind) */
    char *name;     /* message kind, event name, span name (down, suspect, leader,
                       partition) or outcome (approved, rejected, ...) */
    char *proposal; /* messages and outcomes: proposal; events: detail; spans: label */
    char *fate;     /* messages: fate; NULL otherwise */
    char *row;      /* the CSV record(s) as text (a span: its opening and closing rows) */
};

struct view {
    struct item *items; /* a max-heap on key while loading, then sorted by seq */
    size_t n, alloc;    /* items held / allocated */
    size_t limit;       /* max_items + 1: the heap is full (the window cut) at this size */
    double from, to;    /* the requested window */
    bool narrowed;      /* the limit cut the window at `cut` */
    double cut;         /* valid when narrowed */
    double first, last; /* earliest and latest finite time in any row of the files */
    long nodes;         /* 1 + highest node id in any row */
    char **kinds;       /* message kinds of the kept messages, in order of appearance */
    size_t nkinds;
    size_t seq; /* next item's seq */
};

#endif
