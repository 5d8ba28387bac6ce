/*
 * view_log: the kept messages of a view as text other tools draw: a ShiViz log (vector
 * clocks from send -> arrival) and a Mermaid sequenceDiagram (see view.h).
 *
 * Both formats are line-based, so text from the CSV (kinds, proposals) is escaped: in the
 * ShiViz log control characters and backslashes become C escapes (\n, \x01, \\), so every
 * event is one line for ShiViz's (?<event>.*)\n(?<host>\S*) (?<clock>{.*}); in Mermaid
 * everything but letters, digits, space and -_.= becomes a #code; entity, so no ';', '#',
 * '%%', ':' or '<br>' in a label can end a statement or inject markup.
 */
#include <stdlib.h>
#include <string.h>

#include "analysis/view_impl.h"
#include "core/xalloc.h"

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

/* Sends and arrivals of the kept messages in time order; *n gets their count. */
static struct step *steps_of(const struct view *v, size_t *n)
{
    struct step *s = xcalloc(2 * v->n + 1, sizeof(*s));
    size_t k = 0;
    for (size_t i = 0; i < v->n; i++) {
        const struct item *m = &v->items[i];
        if (m->type != ITEM_MSG)
            continue;
        s[k++] = (struct step){m->t0, 0, i};
        if (m->t1 >= 0)
            s[k++] = (struct step){m->t1, 1, i};
    }
    qsort(s, k, sizeof(*s), cmp_step);
    *n = k;
    return s;
}

static void put_line_text(FILE *f, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\\')
            fputs("\\\\", f);
        else if (*p == '\n')
            fputs("\\n", f);
        else if (*p == '\r')
            fputs("\\r", f);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(f, "\\x%02x", *p);
        else
            fputc(*p, f);
    }
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
    unsigned long *snap = xcalloc(v->n * nn + 1, sizeof(*snap)); /* each send's clock */
    for (size_t i = 0; i < n; i++) {
        const struct item *m = &v->items[s[i].msg];
        long node = s[i].recv ? m->b : m->a;
        unsigned long *mine = vc + (size_t)node * nn, *sent = snap + s[i].msg * nn;
        if (s[i].recv)
            for (size_t j = 0; j < nn; j++)
                mine[j] = mine[j] > sent[j] ? mine[j] : sent[j];
        mine[node]++;
        if (!s[i].recv)
            memcpy(sent, mine, nn * sizeof(*mine));
        fprintf(f, "%s ", s[i].recv ? "recv" : "send");
        put_line_text(f, m->name);
        fputc(' ', f);
        put_line_text(f, m->proposal);
        fprintf(f, " node%ld t=%.9g%s msg=%zu\n", s[i].recv ? m->a : m->b, s[i].t,
                m->dup ? " duplicate" : "", s[i].msg);
        put_clock(f, node, mine, v->nodes);
    }
    free(snap);
    free(vc);
    free(s);
    return !ferror(f);
}

static void put_mermaid_text(FILE *f, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                     (*p >= '0' && *p <= '9') || strchr(" -_.=", *p) || *p >= 0x80;
        if (plain)
            fputc(*p, f);
        else
            fprintf(f, "#%u;", *p);
    }
}

bool view_write_mermaid(const struct view *v, FILE *f)
{
    size_t n;
    struct step *s = steps_of(v, &n);
    fputs("sequenceDiagram\n", f);
    for (long j = 0; j < v->nodes; j++)
        fprintf(f, "    participant n%ld as node %ld\n", j, j);
    for (size_t i = 0; i < n; i++) {
        const struct item *m = &v->items[s[i].msg];
        if (s[i].recv)
            continue;
        bool lost = m->t1 < 0;
        fprintf(f, "    n%ld%sn%ld: ", m->a, lost ? "-x" : "->>", m->b);
        put_mermaid_text(f, m->name);
        fputc(' ', f);
        put_mermaid_text(f, m->proposal);
        fputs(m->dup ? " (duplicate)" : "", f);
        if (lost) {
            fputs(" (", f);
            put_mermaid_text(f, m->fate);
            fputc(')', f);
        }
        fputc('\n', f);
    }
    free(s);
    return !ferror(f);
}
