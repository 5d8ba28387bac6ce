/*
 * view: reading one run's traces and writing them as HTML/SVG, ShiViz or Mermaid.
 * See view.h for the contract.
 */
#include "analysis/view.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/csvread.h"
#include "core/xalloc.h"

struct item {
    double t0, t1;  /* send and arrival (events: t1 == t0); arrival < 0 when not delivered */
    long from, to;  /* messages: sender and receiver; events: node in from, to = -1 */
    size_t kind;    /* index into kinds (messages) */
    char *row;      /* the CSV record as text, for hover */
    char *label;    /* messages: kind; events: event name */
    char *proposal; /* messages: proposal; events: detail */
    char *fate;     /* messages: fate; events: NULL */
};

struct view {
    struct item *msgs, *evs;
    size_t nmsgs, nevs, capm, cape;
    char **kinds;
    size_t nkinds, capk;
    long nodes;
};

static char *join_row(const struct csvread *r)
{
    size_t len = 1;
    for (size_t i = 0; i < csvread_count(r); i++)
        len += strlen(csvread_field(r, i)) + 1;
    char *s = xmalloc(len), *p = s;
    for (size_t i = 0; i < csvread_count(r); i++) {
        size_t n = strlen(csvread_field(r, i));
        memcpy(p, csvread_field(r, i), n);
        p += n;
        *p++ = ',';
    }
    p[csvread_count(r) ? -1 : 0] = '\0';
    return s;
}

static long column(const struct csvread *r, const char *name)
{
    for (size_t i = 0; i < csvread_count(r); i++)
        if (strcmp(csvread_field(r, i), name) == 0)
            return (long)i;
    return -1;
}

static bool number(const char *s, double *out)
{
    char *end;
    errno = 0;
    *out = strtod(s, &end);
    return *s && !*end && errno == 0;
}

static bool integer(const char *s, long *out)
{
    char *end;
    errno = 0;
    *out = strtol(s, &end, 10);
    return *s && !*end && errno == 0 && *out >= 0 && *out < 1000000000;
}

static size_t kind_index(struct view *v, const char *k)
{
    for (size_t i = 0; i < v->nkinds; i++)
        if (strcmp(v->kinds[i], k) == 0)
            return i;
    xgrow((void **)&v->kinds, &v->capk, v->nkinds + 1, sizeof(*v->kinds));
    v->kinds[v->nkinds] = xstrdup(k);
    return v->nkinds++;
}

enum { C_A, C_B, C_FROM, C_TO, C_KIND, C_PROP, C_FATE, NCOLS };

static bool read_file(struct view *v, const char *path, bool msgs, struct errbuf *e)
{
    static const char *const mcols[NCOLS] = {"sent_s", "delivered_s", "from", "to",
                                             "kind",   "proposal",    "fate"};
    static const char *const ecols[NCOLS] = {"time_s", "time_s", "node", "node",
                                             "event",  "detail", "event"};
    const char *const *names = msgs ? mcols : ecols;
    struct csvread *r = csvread_open(path, e);
    if (!r)
        return false;
    long col[NCOLS];
    enum csvread_status st = csvread_next(r, e);
    bool ok = st != CSVREAD_ERROR;
    for (int i = 0; ok && i < NCOLS; i++)
        if ((col[i] = st == CSVREAD_RECORD ? column(r, names[i]) : -1) < 0) {
            errbuf_set(e, "%s: no column '%s'", path, names[i]);
            ok = false;
        }
    while (ok && (st = csvread_next(r, e)) == CSVREAD_RECORD) {
        struct item it = {.to = -1};
        long node;
        const char *b = csvread_field(r, (size_t)col[C_B]);
        if (!number(csvread_field(r, (size_t)col[C_A]), &it.t0) ||
            !integer(csvread_field(r, (size_t)col[C_FROM]), &it.from) ||
            (msgs && !integer(csvread_field(r, (size_t)col[C_TO]), &it.to))) {
            errbuf_set(e, "%s:%lu: a time or node that is not a number", path, csvread_line(r));
            ok = false;
            break;
        }
        it.t1 = msgs ? (number(b, &it.t1) ? it.t1 : -1) : it.t0;
        it.row = join_row(r);
        it.label = xstrdup(csvread_field(r, (size_t)col[C_KIND]));
        it.proposal = xstrdup(csvread_field(r, (size_t)col[C_PROP]));
        it.fate = msgs ? xstrdup(csvread_field(r, (size_t)col[C_FATE])) : NULL;
        it.kind = msgs ? kind_index(v, it.label) : 0;
        node = it.from > it.to ? it.from : it.to;
        v->nodes = node + 1 > v->nodes ? node + 1 : v->nodes;
        struct item **arr = msgs ? &v->msgs : &v->evs;
        size_t *n = msgs ? &v->nmsgs : &v->nevs, *cap = msgs ? &v->capm : &v->cape;
        xgrow((void **)arr, cap, *n + 1, sizeof(**arr));
        (*arr)[(*n)++] = it;
    }
    ok = ok && st == CSVREAD_END;
    csvread_free(r);
    return ok;
}

struct view *view_load(const char *dir, struct errbuf *e)
{
    struct view *v = xcalloc(1, sizeof(*v));
    size_t len = strlen(dir) + 32;
    char *p = xmalloc(len);
    snprintf(p, len, "%s/messages.csv", dir);
    FILE *probe = fopen(p, "r");
    bool ok = probe != NULL;
    if (!ok)
        errbuf_set(e,
                   "%s: no messages.csv (run with output.traces: [messages], or a sweep "
                   "with --traces)",
                   dir);
    else
        fclose(probe);
    ok = ok && read_file(v, p, true, e);
    snprintf(p, len, "%s/events.csv", dir);
    probe = ok ? fopen(p, "r") : NULL;
    if (probe) {
        fclose(probe);
        ok = read_file(v, p, false, e);
    }
    free(p);
    if (!ok) {
        view_free(v);
        return NULL;
    }
    return v;
}

static void item_fini(struct item *it)
{
    free(it->row);
    free(it->label);
    free(it->proposal);
    free(it->fate);
}

static void items_free(struct item *it, size_t n)
{
    for (size_t i = 0; i < n; i++)
        item_fini(&it[i]);
    free(it);
}

void view_free(struct view *v)
{
    if (!v)
        return;
    items_free(v->msgs, v->nmsgs);
    items_free(v->evs, v->nevs);
    for (size_t i = 0; i < v->nkinds; i++)
        free(v->kinds[i]);
    free(v->kinds);
    free(v);
}

/* Keep the items sent in [from, to) (to itself too when closed), in their order. */
static size_t keep(struct item *it, size_t n, double from, double to, bool closed)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (it[i].t0 >= from && (it[i].t0 < to || (closed && it[i].t0 == to)))
            it[k++] = it[i];
        else
            item_fini(&it[i]);
    }
    return k;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

bool view_window(struct view *v, double from, double to, size_t max_items)
{
    v->nmsgs = keep(v->msgs, v->nmsgs, from, to, true);
    v->nevs = keep(v->evs, v->nevs, from, to, true);
    size_t n = v->nmsgs + v->nevs;
    if (n <= max_items)
        return false;
    double *t = xcalloc(n, sizeof(*t));
    for (size_t i = 0; i < v->nmsgs; i++)
        t[i] = v->msgs[i].t0;
    for (size_t i = 0; i < v->nevs; i++)
        t[v->nmsgs + i] = v->evs[i].t0;
    qsort(t, n, sizeof(*t), cmp_double);
    double cut = t[max_items];
    free(t);
    v->nmsgs = keep(v->msgs, v->nmsgs, from, cut, false);
    v->nevs = keep(v->evs, v->nevs, from, cut, false);
    return true;
}

size_t view_messages(const struct view *v)
{
    return v->nmsgs;
}
size_t view_nodes(const struct view *v)
{
    return (size_t)v->nodes;
}

/* Text from CSV into HTML (element text and attribute values alike). */
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
        default:
            fputc(*s, f);
        }
    }
}

static const char *const palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e",
                                      "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"};
#define NPALETTE (sizeof(palette) / sizeof(palette[0]))
#define LANE_H   48
#define TOP      30
#define LEFT     70
#define WIDTH    1300

struct scale {
    double t0, t1;
};

static double xpos(const struct scale *s, double t)
{
    double span = s->t1 > s->t0 ? s->t1 - s->t0 : 1;
    double x = LEFT + (t - s->t0) / span * (WIDTH - LEFT - 20);
    return x < LEFT ? LEFT : x > WIDTH - 20 ? WIDTH - 20 : x;
}

static double ypos(long node)
{
    return TOP + LANE_H / 2.0 + (double)node * LANE_H;
}

static void write_msg(const struct view *v, const struct scale *s, size_t i, FILE *f)
{
    const struct item *m = &v->msgs[i];
    bool lost = m->t1 < 0;
    double x0 = xpos(s, m->t0), y0 = ypos(m->from), y1 = ypos(m->to);
    double x1 = lost ? x0 + 12 : xpos(s, m->t1);
    if (lost)
        y1 = y0 + (y1 - y0) / 3;
    fprintf(f, "<g class=\"arrow k%zu\" data-kind=\"", m->kind);
    put_html(f, m->label);
    fprintf(f, "\" data-node=\"%ld %ld\" data-proposal=\"", m->from, m->to);
    put_html(f, m->proposal);
    fprintf(f, "\"><title>");
    put_html(f, m->row);
    fprintf(f, "</title><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"%s/>",
            x0, y0, x1, y1, palette[m->kind % NPALETTE],
            lost ? " stroke-dasharray=\"3 2\"" : " marker-end=\"url(#head)\"");
    if (lost)
        fprintf(f, "<text class=\"lost\" x=\"%.1f\" y=\"%.1f\">&#215;</text>", x1 - 4, y1 + 4);
    fprintf(f, "</g>\n");
}

static const char *event_class(const char *ev)
{
    return strcmp(ev, "violation") == 0 ? "violation" : "event";
}

static void write_event(const struct scale *s, const struct item *e, bool first_violation, FILE *f)
{
    const char *cls = event_class(e->label);
    fprintf(f, "<g class=\"%s ev-", cls);
    put_html(f, e->label);
    fprintf(f, "\"%s data-node=\"%ld\"><title>", first_violation ? " id=\"first-violation\"" : "",
            e->from);
    put_html(f, e->row);
    double x = xpos(s, e->t0), y = ypos(e->from);
    fprintf(f, "</title><circle cx=\"%.1f\" cy=\"%.1f\" r=\"%d\"/>", x, y,
            strcmp(cls, "violation") == 0 ? 9 : 5);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", x - 8, y - 8);
    put_html(f, e->label);
    fprintf(f, "</text></g>\n");
}

static struct scale scale_of(const struct view *v)
{
    struct scale s = {0, 0};
    bool any = false;
    size_t n = v->nmsgs ? v->nmsgs : v->nevs; /* events after the last message are clamped */
    for (size_t i = 0; i < n; i++) {
        const struct item *it = i < v->nmsgs ? &v->msgs[i] : &v->evs[i - v->nmsgs];
        double hi = it->t1 > it->t0 ? it->t1 : it->t0;
        s.t0 = any && s.t0 < it->t0 ? s.t0 : it->t0;
        s.t1 = any && s.t1 > hi ? s.t1 : hi;
        any = true;
    }
    return s;
}

static const char script[] =
    "window.onerror=function(m){document.getElementById('errors').textContent+=m+'\\n';};\n"
    "(function(){var svg=document.getElementById('diagram');var w=svg.viewBox.baseVal;\n"
    "var W0=w.width;svg.addEventListener('wheel',function(e){e.preventDefault();\n"
    "var r=svg.getBoundingClientRect();var fx=(e.clientX-r.left)/r.width;\n"
    "var nw=Math.max(10,Math.min(W0,w.width*(e.deltaY<0?0.8:1.25)));\n"
    "w.x=Math.max(0,w.x+(w.width-nw)*fx);w.width=nw;},{passive:false});\n"
    "var drag=null;svg.addEventListener('mousedown',function(e){drag=e.clientX;});\n"
    "window.addEventListener('mouseup',function(){drag=null;});\n"
    "svg.addEventListener('mousemove',function(e){if(drag===null)return;\n"
    "w.x-= (e.clientX-drag)*w.width/svg.getBoundingClientRect().width;drag=e.clientX;});\n"
    "svg.addEventListener('click',function(e){var g=e.target.closest('g');\n"
    "if(g&&g.querySelector('title'))document.getElementById('row').textContent=\n"
    "g.querySelector('title').textContent;});\n"
    "function apply(){var ks=document.querySelectorAll('input[data-k]');var hide={};\n"
    "ks.forEach(function(c){if(!c.checked)hide[c.dataset.k]=1;});\n"
    "var node=document.getElementById('fnode').value.trim();\n"
    "var prop=document.getElementById('fprop').value.trim();\n"
    "document.querySelectorAll('g.arrow').forEach(function(g){var ok=!hide[g.dataset.kind];\n"
    "if(node!=='')ok=ok&&g.dataset.node.split(' ').indexOf(node)>=0;\n"
    "if(prop!=='')ok=ok&&g.dataset.proposal===prop;g.style.display=ok?'':'none';});}\n"
    "document.querySelectorAll('#filters input').forEach(function(c){\n"
    "c.addEventListener('input',apply);});\n"
    "var v=document.getElementById('first-violation');if(v){v.scrollIntoView();\n"
    "document.getElementById('row').textContent=v.querySelector('title').textContent;}\n"
    "})();\n";

static const char style[] =
    "body{font:13px sans-serif;margin:8px}svg{border:1px solid #ccc;cursor:grab}\n"
    ".lane{stroke:#999}.event circle{fill:#555}.violation circle{fill:#e00;stroke:#000;"
    "stroke-width:2}.violation text{fill:#e00;font-weight:bold}.lost{fill:#d00;"
    "font-size:14px}.arrow line{stroke-width:1.5}.arrow:hover line{stroke-width:4}"
    "#row{background:#f4f4f4;padding:4px;min-height:1em}#notice{color:#a00}"
    ".ev-crash circle{fill:#000}.ev-recover circle{fill:#2a2}.ev-suspect circle{fill:#f90}"
    ".ev-leader circle{fill:#06c}text{font-size:11px}\n";

bool view_write_html(const struct view *v, const char *title, bool narrowed, FILE *f)
{
    struct scale s = scale_of(v);
    size_t first_v = v->nevs;
    for (size_t i = 0; i < v->nevs && first_v == v->nevs; i++)
        if (strcmp(v->evs[i].label, "violation") == 0)
            first_v = i;
    fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>", f);
    put_html(f, title);
    fprintf(f, "</title><style>%s</style></head><body>\n<h3>", style);
    put_html(f, title);
    fprintf(f, ": %zu messages, %zu events, %.9g s to %.9g s</h3>\n", v->nmsgs, v->nevs, s.t0,
            s.t1);
    if (narrowed)
        fprintf(f,
                "<p id=\"notice\">Too many items to draw: showing %.9g s to %.9g s only; "
                "use --from/--to for another window.</p>\n",
                s.t0, s.t1);
    fputs("<div id=\"filters\">node <input id=\"fnode\" size=\"4\"> proposal <input "
          "id=\"fprop\" size=\"8\"> kinds:",
          f);
    for (size_t k = 0; k < v->nkinds; k++) {
        fprintf(f, " <label style=\"color:%s\"><input type=\"checkbox\" checked data-k=\"",
                palette[k % NPALETTE]);
        put_html(f, v->kinds[k]);
        fputs("\">", f);
        put_html(f, v->kinds[k]);
        fputs("</label>", f);
    }
    fputs(" (wheel: zoom, drag: pan, click: CSV row)</div>\n<pre id=\"row\"></pre>\n", f);
    int height = TOP + (int)v->nodes * LANE_H + 10;
    fprintf(f,
            "<svg id=\"diagram\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            "viewBox=\"0 0 %d %d\" data-lanes=\"%ld\" data-arrows=\"%zu\" data-events=\"%zu\">\n"
            "<defs><marker id=\"head\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" "
            "markerWidth=\"6\" markerHeight=\"6\" orient=\"auto\"><path d=\"M0,0L10,5L0,10z\" "
            "fill=\"#333\"/></marker></defs>\n",
            WIDTH, height, WIDTH, height, v->nodes, v->nmsgs, v->nevs);
    for (long n = 0; n < v->nodes; n++)
        fprintf(f,
                "<g class=\"lane-g\"><line class=\"lane\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" "
                "y2=\"%.1f\"/><text x=\"4\" y=\"%.1f\">node %ld</text></g>\n",
                LEFT, ypos(n), WIDTH - 10, ypos(n), ypos(n) + 4, n);
    fprintf(f,
            "<text x=\"%d\" y=\"14\">%.9g s</text><text x=\"%d\" y=\"14\" "
            "text-anchor=\"end\">%.9g s</text>\n",
            LEFT, s.t0, WIDTH - 20, s.t1);
    for (size_t i = 0; i < v->nmsgs; i++)
        write_msg(v, &s, i, f);
    for (size_t i = 0; i < v->nevs; i++)
        write_event(&s, &v->evs[i], i == first_v, f);
    fprintf(f, "</svg>\n<pre id=\"errors\"></pre>\n<script>%s</script>\n</body></html>\n", script);
    return !ferror(f);
}

struct step {
    double t;
    int recv; /* 0 send, 1 arrival: a send sorts before an arrival at the same time */
    size_t msg;
};

static int cmp_step(const void *a, const void *b)
{
    const struct step *x = a, *y = b;
    if (x->t != y->t)
        return (x->t > y->t) - (x->t < y->t);
    if (x->recv != y->recv)
        return x->recv - y->recv;
    return (x->msg > y->msg) - (x->msg < y->msg);
}

/* Sends and arrivals of the window in time order; *n gets their count. */
static struct step *steps_of(const struct view *v, size_t *n)
{
    struct step *s = xcalloc(2 * v->nmsgs + 1, sizeof(*s));
    size_t k = 0;
    for (size_t i = 0; i < v->nmsgs; i++) {
        s[k++] = (struct step){v->msgs[i].t0, 0, i};
        if (v->msgs[i].t1 >= 0)
            s[k++] = (struct step){v->msgs[i].t1, 1, i};
    }
    qsort(s, k, sizeof(*s), cmp_step);
    *n = k;
    return s;
}

static void put_clock(FILE *f, long node, const unsigned long *vc, long n)
{
    fprintf(f, "node%ld {", node);
    const char *sep = "";
    for (long j = 0; j < n; j++)
        if (vc[j]) {
            fprintf(f, "%s\"node%ld\":%lu", sep, j, vc[j]);
            sep = ",";
        }
    fputs("}\n", f);
}

bool view_write_shiviz(const struct view *v, FILE *f)
{
    size_t n, nn = (size_t)v->nodes;
    struct step *s = steps_of(v, &n);
    unsigned long *vc = xcalloc(nn * nn + 1, sizeof(*vc));
    unsigned long *snap = xcalloc(v->nmsgs * nn + 1, sizeof(*snap));
    for (size_t i = 0; i < n; i++) {
        const struct item *m = &v->msgs[s[i].msg];
        long node = s[i].recv ? m->to : m->from;
        unsigned long *mine = vc + (size_t)node * nn, *sent = snap + s[i].msg * nn;
        if (s[i].recv)
            for (size_t j = 0; j < nn; j++)
                mine[j] = mine[j] > sent[j] ? mine[j] : sent[j];
        mine[node]++;
        if (!s[i].recv)
            memcpy(sent, mine, nn * sizeof(*mine));
        fprintf(f, "%s %s %s node%ld t=%.9g msg=%zu\n", s[i].recv ? "recv" : "send", m->label,
                m->proposal, s[i].recv ? m->from : m->to, s[i].t, s[i].msg);
        put_clock(f, node, mine, v->nodes);
    }
    free(snap);
    free(vc);
    free(s);
    return !ferror(f);
}

bool view_write_mermaid(const struct view *v, FILE *f)
{
    size_t n;
    struct step *s = steps_of(v, &n);
    fputs("sequenceDiagram\n", f);
    for (long j = 0; j < v->nodes; j++)
        fprintf(f, "    participant n%ld as node %ld\n", j, j);
    for (size_t i = 0; i < n; i++) {
        const struct item *m = &v->msgs[s[i].msg];
        if (s[i].recv)
            continue;
        fprintf(f, "    n%ld%sn%ld: %s %s%s\n", m->from, m->t1 < 0 ? "-x" : "->>", m->to, m->label,
                m->proposal, m->t1 < 0 ? " (lost)" : "");
    }
    free(s);
    return !ferror(f);
}
