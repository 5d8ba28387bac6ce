/*
 * view_html: a view as one self-contained HTML page (see view.h).
 *
 * The C side writes what to draw and the page's script decides where: every item is an SVG
 * <g> with its times (data-t0, data-t1), nodes (data-a, data-b) and CSV row (<title>), and
 * the script places them for the current time window and lane layout. So zooming, panning
 * and expanding a group of lanes are one function (layout), and the browser test checks
 * the geometry the script produced. Every text from the CSV goes through put_html (element
 * text and attribute values alike), so quotes, <, >, & and newlines in a kind, proposal,
 * detail or path cannot end an attribute or open an element.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/view_impl.h"
#include "core/xalloc.h"

#define GROUP_OVER  24 /* more nodes than this: one lane per group of nodes */
#define GROUP_LANES 16 /* ... about this many lanes */

static void put_html(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&#39;", f);
            break;
        case '\r':
            fputs("&#13;", f);
            break;
        default:
            fputc(*s, f);
        }
    }
}

/* An event name as a class token: letters, digits, - and _ kept, anything else '_'. */
static void put_class(FILE *f, const char *s)
{
    for (; *s; s++) {
        char c = *s;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_';
        fputc(ok ? c : '_', f);
    }
}

static const char *const palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e",
                                      "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"};
#define NPALETTE (sizeof(palette) / sizeof(palette[0]))

/* <g class="it CLASS" data-t0 data-t1 data-a data-b data-p="..."><title>ROW</title> */
static void open_item(FILE *f, const struct item *it, const char *cls, const char *p)
{
    fprintf(f, "<g class=\"it %s\" data-t0=\"%.9g\"", cls, it->t0);
    if (it->t1 >= 0)
        fprintf(f, " data-t1=\"%.9g\"", it->t1);
    fprintf(f, " data-a=\"%ld\"", it->a);
    if (it->b >= 0)
        fprintf(f, " data-b=\"%ld\"", it->b);
    if (p) {
        fputs(" data-p=\"", f);
        put_html(f, p);
        fputc('"', f);
    }
}

static void put_title(FILE *f, const char *row)
{
    fputs("><title>", f);
    put_html(f, row);
    fputs("</title>", f);
}

static void write_msg(FILE *f, const struct item *m)
{
    bool lost = m->t1 < 0;
    char cls[64];
    snprintf(cls, sizeof(cls), "arrow k%zu%s%s", m->kind, lost ? " lost" : "",
             m->dup ? " dup" : "");
    open_item(f, m, cls, m->proposal);
    fputs(" data-k=\"", f);
    put_html(f, m->name);
    fputc('"', f);
    put_title(f, m->row);
    fprintf(f, "<line stroke=\"%s\"/>", palette[m->kind % NPALETTE]);
    if (lost)
        fputs("<text class=\"x\">&#215;</text>", f);
    if (m->dup)
        fputs("<circle class=\"dupmark\" r=\"3.5\"/>", f);
    fputs("</g>\n", f);
}

/* Distinct names (event names) in order of appearance: their colour is their index. */
struct names {
    const char **name;
    size_t n;
};

static size_t name_index(struct names *ns, const char *name)
{
    for (size_t i = 0; i < ns->n; i++)
        if (strcmp(ns->name[i], name) == 0)
            return i;
    ns->name = xreallocarray(ns->name, ns->n + 1, sizeof(*ns->name));
    ns->name[ns->n] = name;
    return ns->n++;
}

/* Events are coloured from the palette's end, messages from its start. */
static const char *event_colour(size_t i)
{
    return palette[NPALETTE - 1 - i % NPALETTE];
}

static void write_event(FILE *f, const struct item *e, size_t colour, bool first_violation)
{
    bool violation = strcmp(e->name, "violation") == 0;
    fputs(violation ? "<g class=\"it ev violation" : "<g class=\"it ev ev-", f);
    if (!violation)
        put_class(f, e->name);
    fputc('"', f);
    if (first_violation)
        fputs(" id=\"first-violation\"", f);
    fprintf(f, " data-t0=\"%.9g\" data-a=\"%ld\" data-e=\"", e->t0, e->a);
    put_html(f, e->name);
    fputs("\" data-p=\"", f);
    put_html(f, e->proposal);
    fputc('"', f);
    put_title(f, e->row);
    if (violation)
        fputs("<circle r=\"8\"/><text>", f);
    else
        fprintf(f, "<circle r=\"4\" fill=\"%s\"/><text>", event_colour(colour));
    put_html(f, e->name);
    fputs("</text></g>\n", f);
}

/* The suspected peer's number in "peer=3 (alive)", or 0. */
static long peer_of(const char *label)
{
    const char *p = strstr(label, "peer=");
    return p ? strtol(p + 5, NULL, 10) : 0;
}

static void write_span(FILE *f, const struct item *s)
{
    char cls[64];
    snprintf(cls, sizeof(cls), "span sp-%s", s->name); /* the loader's own names */
    open_item(f, s, cls, NULL);
    if (strcmp(s->name, "suspect") == 0)
        fprintf(f, " data-slot=\"%ld\"", peer_of(s->proposal) % 4);
    put_title(f, s->row);
    fputs("<rect/><text>", f);
    put_html(f, s->proposal);
    fputs("</text></g>\n", f);
}

static void write_outcome(FILE *f, const struct item *o)
{
    bool approved = strcmp(o->name, "approved") == 0;
    fputs("<g class=\"it oc oc-", f);
    put_class(f, o->name);
    fputs(approved ? " ok\"" : " fail\"", f);
    fprintf(f, " data-t0=\"%.9g\"", o->t0);
    if (o->t1 >= 0)
        fprintf(f, " data-t1=\"%.9g\"", o->t1);
    fprintf(f, " data-a=\"%ld\" data-p=\"", o->a);
    put_html(f, o->proposal);
    fputc('"', f);
    put_title(f, o->row);
    fprintf(f, "<rect/><text>%s</text></g>\n", o->t1 < 0 ? "?" : approved ? "&#10003;" : "&#215;");
}

static const char *const script[] = {
#include "analysis/view_page.js.h"
    NULL};

static const char *const style[] = {
#include "analysis/view_page.css.h"
    NULL};

static void put_lines(FILE *f, const char *const *lines)
{
    for (; *lines; lines++)
        fputs(*lines, f);
}

struct range {
    double lo, hi;
};

static void widen(struct range *r, double t)
{
    r->lo = t < r->lo ? t : r->lo;
    r->hi = t > r->hi ? t : r->hi;
}

/* The initial time window: the messages' (send to arrival) if any, else every item's. */
static struct range initial_range(const struct view *v, struct range *all)
{
    struct range msgs = {INFINITY, -INFINITY};
    *all = msgs;
    for (size_t i = 0; i < v->n; i++) {
        const struct item *it = &v->items[i];
        widen(all, it->t0);
        if (it->t1 >= 0)
            widen(all, it->t1);
        if (it->type == ITEM_MSG) {
            widen(&msgs, it->t0);
            if (it->t1 >= 0)
                widen(&msgs, it->t1);
        }
    }
    if (!(all->lo <= all->hi))
        *all = (struct range){0, 1};
    return msgs.lo <= msgs.hi ? msgs : *all;
}

static void put_checkbox(FILE *f, const char *attr, const char *name, const char *colour)
{
    fprintf(f, " <label style=\"color:%s\"><input type=\"checkbox\" checked %s=\"", colour, attr);
    put_html(f, name);
    fputs("\">", f);
    put_html(f, name);
    fputs("</label>", f);
}

static void write_header(const struct view *v, const char *title, const size_t count[4],
                         const struct range *all, const struct names *events, FILE *f)
{
    fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>", f);
    put_html(f, title);
    fputs("</title><style>\n", f);
    put_lines(f, style);
    fputs("</style></head><body>\n<h3>", f);
    put_html(f, title);
    fprintf(f, ": %zu messages, %zu events, %zu intervals, %zu proposals; %.9g s to %.9g s</h3>\n",
            count[ITEM_MSG], count[ITEM_EVENT], count[ITEM_SPAN], count[ITEM_OUTCOME], all->lo,
            all->hi);
    if (v->narrowed)
        fprintf(f,
                "<p id=\"notice\">Too many items to draw: showing only what happens before "
                "%.9g s (the first --max by time); use --from/--to for another window.</p>\n",
                v->cut);
    fputs("<div id=\"filters\">node <input id=\"fnode\" size=\"4\"> proposal <input "
          "id=\"fprop\" size=\"8\"> messages:",
          f);
    for (size_t k = 0; k < v->nkinds; k++)
        put_checkbox(f, "data-k", v->kinds[k], palette[k % NPALETTE]);
    fputs(" events:", f);
    for (size_t k = 0; k < events->n; k++)
        put_checkbox(f, "data-e", events->name[k], event_colour(k));
    fputs(" <button id=\"all\">whole run</button></div>\n<div id=\"legend\">"
          "<b>&#8594;</b> message &#183; <b class=\"lg-lost\">- - &#215;</b> lost, "
          "partitioned or to a down node &#183; <b class=\"lg-dup\">-&#183;-&#9675;</b> "
          "duplicate copy &#183; <b class=\"lg-down\">&#9608;</b> down &#183; "
          "<b class=\"lg-sus\">&#9473;</b> suspects a peer &#183; <b class=\"lg-lead\">"
          "&#9473;</b> leader (until a later leader) &#183; <b class=\"lg-part\">&#9608;</b> "
          "partition &#183; <b class=\"lg-ok\">&#9472;&#10003;</b> / <b class=\"lg-fail\">"
          "&#9472;&#215;</b> proposal submitted..decided &#183; wheel: zoom, drag: pan, "
          "double-click: reset, click: CSV row, group label: expand</div>\n"
          "<pre id=\"row\"></pre>\n",
          f);
}

bool view_write_html(const struct view *v, const char *title, FILE *f)
{
    size_t count[4] = {0}, first_v = v->n;
    for (size_t i = 0; i < v->n; i++) {
        count[v->items[i].type]++;
        if (first_v == v->n && v->items[i].type == ITEM_EVENT &&
            strcmp(v->items[i].name, "violation") == 0)
            first_v = i;
    }
    struct range all, init = initial_range(v, &all);
    struct names events = {0};
    size_t *colour = xcalloc(v->n + 1, sizeof(*colour));
    for (size_t i = 0; i < v->n; i++)
        if (v->items[i].type == ITEM_EVENT && strcmp(v->items[i].name, "violation") != 0)
            colour[i] = name_index(&events, v->items[i].name);
    write_header(v, title, count, &all, &events, f);
    long group = v->nodes > GROUP_OVER ? (v->nodes + GROUP_LANES - 1) / GROUP_LANES : 1;
    fprintf(f,
            "<svg id=\"diagram\" xmlns=\"http://www.w3.org/2000/svg\" width=\"1300\" "
            "height=\"100\" data-nodes=\"%ld\" data-group=\"%ld\" data-arrows=\"%zu\" "
            "data-events=\"%zu\" data-lo=\"%.9g\" data-hi=\"%.9g\" data-v0=\"%.9g\" "
            "data-v1=\"%.9g\">\n<defs><marker id=\"head\" viewBox=\"0 0 10 10\" refX=\"10\" "
            "refY=\"5\" markerWidth=\"4\" markerHeight=\"4\" orient=\"auto\"><path "
            "d=\"M0,0L10,5L0,10z\" fill=\"context-stroke\"/></marker><clipPath id=\"plot\"><rect "
            "id=\"cliprect\"/>"
            "</clipPath></defs>\n<g id=\"axis\"></g><g id=\"lanes\"></g><g id=\"items\" "
            "clip-path=\"url(#plot)\">\n",
            v->nodes, group, count[ITEM_MSG], count[ITEM_EVENT], all.lo, all.hi, init.lo, init.hi);
    for (int pass = ITEM_SPAN; pass <= ITEM_EVENT; pass++) /* spans under, events on top */
        for (size_t i = 0; i < v->n; i++) {
            const struct item *it = &v->items[i];
            if ((int)it->type != pass)
                continue;
            if (pass == ITEM_SPAN)
                write_span(f, it);
            else if (pass == ITEM_OUTCOME)
                write_outcome(f, it);
            else if (pass == ITEM_MSG)
                write_msg(f, it);
            else
                write_event(f, it, colour[i], i == first_v);
        }
    free(colour);
    free(events.name);
    fputs("</g></svg>\n<pre id=\"errors\"></pre>\n<script>\n", f);
    put_lines(f, script);
    fputs("</script>\n</body></html>\n", f);
    return !ferror(f);
}
