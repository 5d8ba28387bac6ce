/*
 * mailbox: message deliveries kept out of the engine's queue, delivered in exactly the
 * order the engine would have delivered them as events of their own.
 *
 * Why: a 100,000-node broadcast puts 100,000 deliveries in flight at once; as engine
 * events they make a heap of millions, where every operation misses the cache. Here every
 * message (a broadcast's copies, votes, heartbeats, catch-up) waits in a calendar of 131 us
 * time buckets, packed (16 bytes a broadcast copy, 32 a unicast message), and each bucket
 * is sorted when its turn comes; a small heap takes the few due too soon or too late for the
 * calendar, and a single "carrier" event in the engine stands for the earliest of them.
 *
 * Exactness: the engine orders events by (time, sequence number of scheduling). The
 * mailbox numbers every schedule the model makes (virtual sequence numbers, vseq), the
 * same numbers the engine would have used had every message been an event, and keeps:
 *   1. every model event that is not a message carries its vseq (mailbox_schedule puts
 *      it in ev->b) and calls mailbox_enter first: deliveries due now with a smaller
 *      vseq are made before it runs;
 *   2. the carrier carries the vseq counter's value when it was scheduled (its mark) and
 *      delivers only what is due now with a vseq up to that mark: anything pending in the
 *      engine at the same time was scheduled after the carrier, so it comes later anyway;
 *      later messages wait for the next carrier.
 * So the model sees the same deliveries in the same order as with one event per message
 * (the "direct" mode, kept for the equivalence tests). Messages lost at send time never
 * enter the mailbox and take no vseq, as they would take no engine event.
 *
 * Ownership: borrows the engine. Deliveries call ev.fn(engine, &ev) with ev as it was sent.
 */
#ifndef ATLAS_SIM_CLUSTER_MAILBOX_H
#define ATLAS_SIM_CLUSTER_MAILBOX_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/engine/engine.h"

struct mailbox;

/* direct: every message is an engine event of its own (the reference behaviour). */
struct mailbox *mailbox_new(struct sim_engine *eng, bool direct);
void mailbox_free(struct mailbox *mb); /* NULL is a no-op; undelivered messages are dropped */

/* Schedule a model event that is not a message at t; its vseq goes into ev->b. */
sim_event_id mailbox_schedule(struct mailbox *mb, sim_time t, struct sim_event *ev);
/*
 * Like mailbox_schedule for an event that is never cancelled (so needs no handle): it
 * waits among the messages instead of in the engine's queue, which keeps that queue small.
 */
void mailbox_post(struct mailbox *mb, sim_time t, struct sim_event *ev);
/* First call of every handler of such an event: delivers what must come before it. */
void mailbox_enter(struct mailbox *mb, const struct sim_event *ev);

/* A unicast message delivered after delay. */
void mailbox_send(struct mailbox *mb, sim_time delay, const struct sim_event *ev);

/* Set in ev.b of a message's second copy (the network duplicated it): a message's b must
 * leave bit 63 free (a send time does). */
#define MAILBOX_COPY_FLAG (UINT64_C(1) << 63)

/*
 * A broadcast: every copy of ev, with ev.d set to the receiver, in the order added.
 * begin, add the copies (in the order the model sends them), end. One at a time. A copy
 * added with `duplicate` is delivered with MAILBOX_COPY_FLAG set in ev.b.
 */
void mailbox_batch_begin(struct mailbox *mb, const struct sim_event *ev);
void mailbox_batch_add(struct mailbox *mb, sim_time delay, uint32_t to, bool duplicate);
void mailbox_batch_end(struct mailbox *mb);

/*
 * Optional: fn(ctx, ev, to) is called for a message due a few deliveries later (ev as sent;
 * for a broadcast copy, the broadcast's event and the copy's receiver to), so that the
 * model can prefetch the state its delivery will touch (a hint; no effect on results).
 */
typedef void mailbox_prefetch_fn(void *ctx, const struct sim_event *ev, uint32_t to);
void mailbox_set_prefetch(struct mailbox *mb, mailbox_prefetch_fn *fn, void *ctx);

/* Engine events the mailbox spared: deliveries made minus carrier events fired. */
int64_t mailbox_saved_events(const struct mailbox *mb);

#endif
