/*
 * export: see export.h. Both writers first sort handles by their strings, so output does
 * not depend on the order in which operations were applied.
 */
#include "core/export.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

/* ---- canonical order ----------------------------------------------------------------- */

struct vrow {
    const char *id;
    graph_vid v;
};

struct erow {
    const char *from, *label, *to;
    graph_eid e;
};

static int cmp_vrow(const void *a, const void *b)
{
    return strcmp(((const struct vrow *)a)->id, ((const struct vrow *)b)->id);
}

static int cmp_erow(const void *a, const void *b)
{
    const struct erow *x = a, *y = b;
    int c = strcmp(x->from, y->from);
    if (c == 0)
        c = strcmp(x->label, y->label);
    return c ? c : strcmp(x->to, y->to);
}

static struct vrow *sorted_vertices(const struct graph *g, size_t *n)
{
    *n = graph_vertex_count(g);
    struct vrow *rows = xcalloc(*n ? *n : 1, sizeof(*rows));
    size_t k = 0;
    for (graph_vid v = graph_vertex_first(g); v != GRAPH_NONE; v = graph_vertex_next(g, v))
        rows[k++] = (struct vrow){graph_vertex_id(g, v), v};
    qsort(rows, k, sizeof(*rows), cmp_vrow);
    return rows;
}

static struct erow *sorted_edges(const struct graph *g, size_t *n)
{
    *n = graph_edge_count(g);
    struct erow *rows = xcalloc(*n ? *n : 1, sizeof(*rows));
    size_t k = 0;
    for (graph_eid e = graph_edge_first(g); e != GRAPH_NONE; e = graph_edge_next(g, e))
        rows[k++] =
            (struct erow){graph_vertex_id(g, graph_edge_source(g, e)), graph_edge_label(g, e),
                          graph_vertex_id(g, graph_edge_target(g, e)), e};
    qsort(rows, k, sizeof(*rows), cmp_erow);
    return rows;
}

/* ---- DOT ----------------------------------------------------------------------------- */

/* The inside of a DOT quoted string: quote and backslash escaped, newline as \n, UTF-8 kept. */
static void dot_escaped(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        if (*s == '\n')
            fputs("\\n", f);
        else
            fputc(*s, f);
    }
}

static void dot_string(FILE *f, const char *s)
{
    fputc('"', f);
    dot_escaped(f, s);
    fputc('"', f);
}

static void dot_props(FILE *f, const struct graph *g, graph_pid p)
{
    for (; p != GRAPH_NONE; p = graph_prop_next(g, p)) {
        fputs(", \"prop.", f);
        dot_escaped(f, graph_prop_key(g, p));
        fputs("\"=", f);
        dot_string(f, graph_prop_value(g, p));
    }
}

int export_dot(const struct graph *g, const char *name, FILE *f)
{
    size_t nv, ne;
    struct vrow *vs = sorted_vertices(g, &nv);
    struct erow *es = sorted_edges(g, &ne);
    fputs("digraph ", f);
    dot_string(f, name ? name : "atlas");
    fputs(" {\n", f);
    for (size_t i = 0; i < nv; i++) {
        const char *label = graph_vertex_label(g, vs[i].v);
        fputs("  ", f);
        dot_string(f, vs[i].id);
        fputs(" [label=", f);
        /* shown as the id, and ":Label" on a second line when there is one */
        size_t n = strlen(vs[i].id) + strlen(label) + 3;
        char *text = xmalloc(n);
        snprintf(text, n, label[0] ? "%s\n:%s" : "%s", vs[i].id, label);
        dot_string(f, text);
        free(text);
        fputs(", vlabel=", f);
        dot_string(f, label);
        dot_props(f, g, graph_vertex_props(g, vs[i].v));
        fputs("];\n", f);
    }
    for (size_t i = 0; i < ne; i++) {
        fputs("  ", f);
        dot_string(f, es[i].from);
        fputs(" -> ", f);
        dot_string(f, es[i].to);
        fputs(" [label=", f);
        dot_string(f, es[i].label);
        dot_props(f, g, graph_edge_props(g, es[i].e));
        fputs("];\n", f);
    }
    fputs("}\n", f);
    free(vs);
    free(es);
    return ferror(f) ? -1 : 0;
}

/* ---- Neo4j CSV ----------------------------------------------------------------------- */

static void csv_field(FILE *f, const char *s)
{
    if (s[0] != '\0' && strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, f);
        return;
    }
    fputc('"', f); /* also for "": an empty string, distinct from a missing value */
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The sorted distinct property keys of the given owners' property lists. */
static const char **columns(const struct graph *g, const graph_pid *heads, size_t n, size_t *ncols)
{
    size_t cap = 0, k = 0;
    const char **keys = NULL;
    for (size_t i = 0; i < n; i++)
        for (graph_pid p = heads[i]; p != GRAPH_NONE; p = graph_prop_next(g, p)) {
            XGROW(keys, cap, k + 1);
            keys[k++] = graph_prop_key(g, p);
        }
    if (k)
        qsort(keys, k, sizeof(*keys), cmp_str);
    size_t w = 0;
    for (size_t i = 0; i < k; i++)
        if (w == 0 || strcmp(keys[w - 1], keys[i]) != 0)
            keys[w++] = keys[i];
    *ncols = w;
    return keys;
}

/* One row's property fields: the list and the columns are both sorted by key. */
static void csv_props(FILE *f, const struct graph *g, graph_pid p, const char **cols, size_t ncols)
{
    for (size_t c = 0; c < ncols; c++) {
        fputc(',', f);
        if (p != GRAPH_NONE && strcmp(graph_prop_key(g, p), cols[c]) == 0) {
            csv_field(f, graph_prop_value(g, p));
            p = graph_prop_next(g, p);
        }
    }
    fputs("\r\n", f);
}

static void csv_header(FILE *f, const char *fixed, const char **cols, size_t ncols)
{
    fputs(fixed, f);
    for (size_t c = 0; c < ncols; c++) {
        fputc(',', f);
        csv_field(f, cols[c]);
    }
    fputs("\r\n", f);
}

int export_neo4j_nodes(const struct graph *g, FILE *f)
{
    size_t nv, ncols;
    struct vrow *vs = sorted_vertices(g, &nv);
    graph_pid *heads = xcalloc(nv ? nv : 1, sizeof(*heads));
    for (size_t i = 0; i < nv; i++)
        heads[i] = graph_vertex_props(g, vs[i].v);
    const char **cols = columns(g, heads, nv, &ncols);
    csv_header(f, ":ID,:LABEL", cols, ncols);
    for (size_t i = 0; i < nv; i++) {
        csv_field(f, vs[i].id);
        fputc(',', f);
        const char *label = graph_vertex_label(g, vs[i].v);
        if (label[0])
            csv_field(f, label);
        csv_props(f, g, heads[i], cols, ncols);
    }
    free(cols);
    free(heads);
    free(vs);
    return ferror(f) ? -1 : 0;
}

int export_neo4j_relationships(const struct graph *g, FILE *f)
{
    size_t ne, ncols;
    struct erow *es = sorted_edges(g, &ne);
    graph_pid *heads = xcalloc(ne ? ne : 1, sizeof(*heads));
    for (size_t i = 0; i < ne; i++)
        heads[i] = graph_edge_props(g, es[i].e);
    const char **cols = columns(g, heads, ne, &ncols);
    csv_header(f, ":START_ID,:TYPE,:END_ID", cols, ncols);
    for (size_t i = 0; i < ne; i++) {
        csv_field(f, es[i].from);
        fputc(',', f);
        csv_field(f, es[i].label);
        fputc(',', f);
        csv_field(f, es[i].to);
        csv_props(f, g, heads[i], cols, ncols);
    }
    free(cols);
    free(heads);
    free(es);
    return ferror(f) ? -1 : 0;
}

/* ---- files --------------------------------------------------------------------------- */

static char *path_join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = xmalloc(n);
    snprintf(p, n, "%s%s", a, b);
    return p;
}

typedef int (*writer_fn)(const struct graph *g, const char *name, FILE *f);

/* Write tmp with fn; 0 or -1 with errno (tmp removed). */
static int write_tmp(const struct graph *g, const char *name, const char *tmp, writer_fn fn)
{
    FILE *f = fopen(tmp, "w");
    if (!f)
        return -1;
    int rc = fn(g, name, f);
    int err = rc ? (errno ? errno : EIO) : 0;
    if (fclose(f) != 0 && !err)
        err = errno;
    if (err) {
        remove(tmp);
        errno = err;
        return -1;
    }
    return 0;
}

static int dot_writer(const struct graph *g, const char *name, FILE *f)
{
    return export_dot(g, name, f);
}

static int nodes_writer(const struct graph *g, const char *name, FILE *f)
{
    (void)name;
    return export_neo4j_nodes(g, f);
}

static int rels_writer(const struct graph *g, const char *name, FILE *f)
{
    (void)name;
    return export_neo4j_relationships(g, f);
}

int export_dot_file(const struct graph *g, const char *name, const char *path)
{
    char *tmp = path_join(path, ".tmp");
    int rc = write_tmp(g, name, tmp, dot_writer);
    if (rc == 0 && rename(tmp, path) != 0) {
        int err = errno;
        remove(tmp);
        errno = err;
        rc = -1;
    }
    free(tmp);
    return rc;
}

int export_neo4j_dir(const struct graph *g, const char *dir)
{
    char *nodes = path_join(dir, "/nodes.csv"), *rels = path_join(dir, "/relationships.csv");
    char *ntmp = path_join(nodes, ".tmp"), *rtmp = path_join(rels, ".tmp");
    int rc = write_tmp(g, NULL, ntmp, nodes_writer);
    if (rc == 0 && write_tmp(g, NULL, rtmp, rels_writer) != 0) {
        int err = errno;
        remove(ntmp);
        errno = err;
        rc = -1;
    }
    if (rc == 0 && (rename(ntmp, nodes) != 0 || rename(rtmp, rels) != 0)) {
        int err = errno;
        remove(ntmp);
        remove(rtmp);
        errno = err;
        rc = -1;
    }
    free(nodes);
    free(rels);
    free(ntmp);
    free(rtmp);
    return rc;
}
