/*
 * view: one run's messages.csv, events.csv and outcomes.csv drawn as a space-time diagram
 * (issue 18).
 *
 * Users debug a run by looking at it: view_load reads the traces of one run folder (CSV
 * only) in one streaming pass and keeps at most max_items drawable items, so a run of
 * millions of messages costs time linear in its files and memory bounded by the limit. The
 * writers turn the items into a self-contained HTML page (inline SVG and a small inline
 * script, nothing fetched), a ShiViz log (vector clocks from send -> arrival) or a Mermaid
 * sequence diagram. Columns are found by name in the headers, so protocols that add message
 * kinds or events need no change here: kinds are coloured in order of appearance.
 *
 * Items: every message (lost ones end in a mark; a second copy of a row with the same send
 * time, ends, kind and proposal is a duplicate), every events.csv row, and intervals built
 * from event pairs: crash..recover ("down"), suspect..trust of one peer, leader..(the next
 * leader, the node's crash), partition..heal (all lanes); outcomes.csv rows as proposal
 * intervals from submission to decision. An interval still open at the end of the files
 * lasts until the last time in any of them.
 *
 * Errors name the path (path:line for a bad cell, path:line:col for malformed CSV) and
 * nothing is written. Ownership: the view owns every string.
 */
#ifndef ATLAS_ANALYSIS_VIEW_H
#define ATLAS_ANALYSIS_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "analysis/errbuf.h"

struct view;

struct view_window {
    double from, to;  /* keep items whose time (a message's send) is in [from, to] seconds;
                         intervals that overlap it */
    size_t max_items; /* then at most this many, the first by time: the window is cut at
                         the (max_items + 1)-th item's time, which is itself left out */
};

/* Read DIR/messages.csv (required: a missing one says to run with output.traces:
 * [messages]), DIR/events.csv and DIR/outcomes.csv (optional), keeping the window's items.
 * NULL and a message in e on error. Time O(rows log max_items), memory O(max_items). */
struct view *view_load(const char *dir, const struct view_window *w, struct errbuf *e);

void view_free(struct view *v); /* NULL is a no-op */

bool view_narrowed(const struct view *v);   /* the limit cut the window */
size_t view_messages(const struct view *v); /* messages kept */
size_t view_nodes(const struct view *v);    /* 1 + the highest node id in the files */

/* Writers; each returns false on a write error of f. Text from the CSV is escaped for the
 * target (HTML entities; ShiViz: one line per event; Mermaid: #code; entities). */
bool view_write_html(const struct view *v, const char *title, FILE *f);
bool view_write_shiviz(const struct view *v, FILE *f);
bool view_write_mermaid(const struct view *v, FILE *f);

#endif
