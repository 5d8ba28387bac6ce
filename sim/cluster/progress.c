/* progress: commit_index / applied_index rows of events.csv (see progress.h). */
#include "sim/cluster/progress.h"

#include <stdlib.h>

#include "core/xalloc.h"
#include "sim/cluster/cluster_impl.h"

enum { COMMIT, APPLIED, KINDS };

static const char *const kind_event[KINDS] = {"commit_index", "applied_index"};

struct progress_track {
    uint64_t value;   /* the index now */
    uint64_t written; /* the value of its last row (0: none yet, as at the start) */
    sim_time at;      /* when that row was written */
    bool any;         /* a row was written */
};

struct progress {
    sim_time interval;
    struct progress_track *t; /* t[node * KINDS + kind] */
};

void progress_init(struct cluster *c)
{
    sim_time interval = c->sc->output.progress_interval;
    if (!interval || !c->trace_events || !c->proto_ops->commit_index)
        return;
    c->progress = xmalloc(sizeof(*c->progress));
    c->progress->interval = interval;
    c->progress->t = xcalloc((size_t)c->n * KINDS, sizeof(*c->progress->t));
}

void progress_fini(struct cluster *c)
{
    if (!c->progress)
        return;
    free(c->progress->t);
    free(c->progress);
    c->progress = NULL;
}

static void write_row(struct cluster *c, uint32_t node, int kind, struct progress_track *t)
{
    cluster_emit_event(c, node, kind_event[kind], "index=%llu", (unsigned long long)t->value);
    t->written = t->value;
    t->at = sim_now(c->eng);
    t->any = true;
}

static void track(struct cluster *c, uint32_t node, int kind, uint64_t value)
{
    struct progress_track *t = &c->progress->t[node * KINDS + kind];
    t->value = value;
    if (t->value != t->written && (!t->any || sim_now(c->eng) - t->at >= c->progress->interval))
        write_row(c, node, kind, t);
}

void progress_step(struct cluster *c, uint32_t node)
{
    if (!c->progress)
        return;
    track(c, node, COMMIT, c->proto_ops->commit_index(c->proto, node));
    track(c, node, APPLIED, c->node[node].applied_index);
}

void progress_finish(struct cluster *c)
{
    if (!c->progress)
        return;
    for (uint32_t node = 0; node < c->n; node++)
        for (int kind = 0; kind < KINDS; kind++) {
            struct progress_track *t = &c->progress->t[node * KINDS + kind];
            if (t->value != t->written)
                write_row(c, node, kind, t);
        }
}
