/*
 * view: one run's messages.csv and events.csv drawn as a space-time diagram (issue 18).
 *
 * Users debug a run by looking at it: view_load reads the traces of one run folder (CSV
 * only), and the writers turn them into a self-contained HTML page (inline SVG and a small
 * inline script, nothing fetched), a ShiViz log (vector clocks from send -> arrival) or a
 * Mermaid sequence diagram. Columns are found by name in the headers, so protocols that add
 * message kinds or events need no change here: kinds are coloured in order of appearance.
 *
 * Errors name the path (path:line for a bad cell, path:line:col for malformed CSV) and
 * nothing is written. Ownership: the view owns every string. Memory: both files, whole.
 */
#ifndef ATLAS_ANALYSIS_VIEW_H
#define ATLAS_ANALYSIS_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "analysis/errbuf.h"

struct view;

/* Read DIR/messages.csv and DIR/events.csv (events optional); NULL and a message in e on
 * error (a missing messages.csv says to run with output.traces: [messages]). */
struct view *view_load(const char *dir, struct errbuf *e);

void view_free(struct view *v); /* NULL is a no-op */

/* Keep only messages sent and events in [from, to] seconds; then, if more than max_items
 * messages + events remain, keep the first max_items of them by time and narrow `to`.
 * Returns true when the window was narrowed by the limit (the page says so). */
bool view_window(struct view *v, double from, double to, size_t max_items);

size_t view_messages(const struct view *v); /* messages in the window */
size_t view_nodes(const struct view *v);    /* 1 + the highest node id seen */

/* Writers; each returns false on a write error of f. */
bool view_write_html(const struct view *v, const char *title, bool narrowed, FILE *f);
bool view_write_shiviz(const struct view *v, FILE *f);
bool view_write_mermaid(const struct view *v, FILE *f);

#endif
