/*
 * export: Neo4j CSV parsed back by a small RFC 4180 reader, DOT parsed back by Graphviz's
 * own `dot` (skipped when it is not installed), for ids, labels, keys and values holding
 * commas, quotes, backslashes, newlines and non-ASCII text; and canonical output (the
 * same content built in another order exports byte-identical files).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/export.h"
#include "testutil.h"

static char dir[64];

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/atlas-export-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(export, .init = setup, .fini = teardown);

/* ---- the test graph ------------------------------------------------------------------ */

static const char *const ids[] = {"plain",  "a,b",  "say \"hi\"", "back\\slash", "two\nlines",
                                  "Zürich", "東京", " spaced ",   "trail\\"};
#define NIDS (sizeof(ids) / sizeof(ids[0]))
static const char *const labels[] = {"Person", "We,ird", "", "Qu\"ote", "Città"};

struct edge_spec {
    int from, to;
    const char *label;
};
static const struct edge_spec edges[] = {
    {0, 1, "knows"}, {1, 2, "a,b"},    {2, 3, "say \"x\""}, {3, 4, "new\nline"}, {4, 5, "visits"},
    {5, 6, "飛ぶ"},  {6, 7, "back\\"}, {7, 8, "knows"},     {8, 0, "knows"},
};
#define NEDGES (sizeof(edges) / sizeof(edges[0]))

static void add_vertex(struct graph *g, size_t i)
{
    cr_assert_eq(graph_add_vertex(g, ids[i], labels[i % 5], NULL, 0), GRAPH_OK);
    if (i % 2 == 0)
        cr_assert_eq(graph_set_vertex_property(g, ids[i], "name", ids[(i + 1) % NIDS]), GRAPH_OK);
    if (i % 3 == 0)
        cr_assert_eq(graph_set_vertex_property(g, ids[i], "note,x", "\"quoted\", and\r\nmore"),
                     GRAPH_OK);
    if (i == 4)
        cr_assert_eq(graph_set_vertex_property(g, ids[i], "empty", ""), GRAPH_OK);
}

static void add_edge(struct graph *g, size_t i)
{
    const struct edge_spec *e = &edges[i];
    cr_assert_eq(graph_add_edge(g, ids[e->from], e->label, ids[e->to], NULL, 0), GRAPH_OK);
    if (i % 2)
        cr_assert_eq(graph_set_edge_property(g, ids[e->from], e->label, ids[e->to], "w\"eight",
                                             i % 4 == 1 ? "1,5" : "ünï"),
                     GRAPH_OK);
}

/* forward: vertices then edges in list order; else both lists backwards */
static struct graph *build(bool forward)
{
    struct graph *g = graph_new();
    for (size_t k = 0; k < NIDS; k++)
        add_vertex(g, forward ? k : NIDS - 1 - k);
    for (size_t k = 0; k < NEDGES; k++)
        add_edge(g, forward ? k : NEDGES - 1 - k);
    return g;
}

/* ---- a small RFC 4180 reader ------------------------------------------------------- */

struct csv {
    char ***rows; /* rows of NULL-terminated field arrays */
    size_t *nfields;
    size_t nrows;
};

static void csv_push_field(struct csv *c, char *field)
{
    size_t r = c->nrows - 1;
    c->rows[r] = realloc(c->rows[r], (c->nfields[r] + 2) * sizeof(char *));
    c->rows[r][c->nfields[r]++] = field;
    c->rows[r][c->nfields[r]] = NULL;
}

static void csv_new_row(struct csv *c)
{
    c->rows = realloc(c->rows, (c->nrows + 1) * sizeof(*c->rows));
    c->nfields = realloc(c->nfields, (c->nrows + 1) * sizeof(*c->nfields));
    c->rows[c->nrows] = NULL;
    c->nfields[c->nrows++] = 0;
}

/* Parse text (CRLF or LF records); fails the test on malformed input. */
static struct csv csv_parse(const char *s)
{
    struct csv c = {0};
    while (*s) {
        csv_new_row(&c);
        for (;;) {
            char *f = malloc(strlen(s) + 1);
            size_t n = 0;
            if (*s == '"') {
                for (s++;; s++) {
                    cr_assert_neq(*s, '\0', "unterminated quoted field");
                    if (*s == '"' && s[1] == '"')
                        f[n++] = *s++;
                    else if (*s == '"')
                        break;
                    else
                        f[n++] = *s;
                }
                s++;
                cr_assert(*s == ',' || *s == '\r' || *s == '\n' || *s == '\0',
                          "text after a closing quote");
            } else {
                for (; *s && *s != ',' && *s != '\r' && *s != '\n'; s++) {
                    cr_assert_neq(*s, '"', "quote inside an unquoted field");
                    f[n++] = *s;
                }
            }
            f[n] = '\0';
            csv_push_field(&c, f);
            if (*s != ',')
                break;
            s++;
        }
        if (*s == '\r')
            s++;
        cr_assert(*s == '\n' || *s == '\0');
        if (*s)
            s++;
    }
    return c;
}

static void csv_free(struct csv *c)
{
    for (size_t r = 0; r < c->nrows; r++) {
        for (size_t i = 0; i < c->nfields[r]; i++)
            free(c->rows[r][i]);
        free(c->rows[r]);
    }
    free(c->rows);
    free(c->nfields);
}

static struct csv csv_read(const char *path)
{
    size_t size;
    char *text = tu_slurp(path, &size);
    cr_assert_eq(strlen(text), size, "no NUL bytes");
    struct csv c = csv_parse(text);
    free(text);
    return c;
}

/* ---- Neo4j --------------------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

Test(export, neo4j_nodes_read_back_with_every_id_label_and_property)
{
    struct graph *g = build(true);
    cr_assert_eq(export_neo4j_dir(g, dir), 0);
    char path[128];
    snprintf(path, sizeof path, "%s/nodes.csv", dir);
    struct csv c = csv_read(path);
    cr_assert_eq(c.nrows, 1 + NIDS);
    const char *header[] = {":ID", ":LABEL", "empty", "name", "note,x"};
    cr_assert_eq(c.nfields[0], 5);
    for (size_t i = 0; i < 5; i++)
        cr_assert_str_eq(c.rows[0][i], header[i]);
    const char *sorted[NIDS];
    memcpy(sorted, ids, sizeof sorted);
    qsort(sorted, NIDS, sizeof(*sorted), cmp_str);
    for (size_t r = 1; r < c.nrows; r++) {
        cr_assert_eq(c.nfields[r], 5, "row %zu", r);
        cr_assert_str_eq(c.rows[r][0], sorted[r - 1], "rows sorted by id");
        graph_vid v = graph_find_vertex(g, c.rows[r][0]);
        cr_assert_neq(v, GRAPH_NONE);
        cr_assert_str_eq(c.rows[r][1], graph_vertex_label(g, v));
        for (size_t k = 2; k < 5; k++) {
            const char *want = graph_vertex_property(g, v, header[k]);
            cr_assert_str_eq(c.rows[r][k], want ? want : "", "%s of %s", header[k], c.rows[r][0]);
        }
    }
    csv_free(&c);
    graph_free(g);
}

Test(export, neo4j_relationships_read_back_with_every_endpoint_type_and_property)
{
    struct graph *g = build(true);
    cr_assert_eq(export_neo4j_dir(g, dir), 0);
    char path[128];
    snprintf(path, sizeof path, "%s/relationships.csv", dir);
    struct csv c = csv_read(path);
    cr_assert_eq(c.nrows, 1 + NEDGES);
    const char *header[] = {":START_ID", ":TYPE", ":END_ID", "w\"eight"};
    cr_assert_eq(c.nfields[0], 4);
    for (size_t i = 0; i < 4; i++)
        cr_assert_str_eq(c.rows[0][i], header[i]);
    for (size_t r = 1; r < c.nrows; r++) {
        cr_assert_eq(c.nfields[r], 4);
        graph_eid e = graph_find_edge(g, c.rows[r][0], c.rows[r][1], c.rows[r][2]);
        cr_assert_neq(e, GRAPH_NONE, "row %zu names an edge", r);
        const char *w = graph_edge_property(g, e, "w\"eight");
        cr_assert_str_eq(c.rows[r][3], w ? w : "");
        if (r > 1)
            cr_assert_leq(strcmp(c.rows[r - 1][0], c.rows[r][0]), 0, "sorted by source");
    }
    csv_free(&c);
    graph_free(g);
}

Test(export, fields_are_quoted_only_when_needed)
{
    struct graph *g = graph_new();
    cr_assert_eq(graph_add_vertex(g, "x", "L", NULL, 0), GRAPH_OK);
    cr_assert_eq(graph_add_vertex(g, "y,z", "", NULL, 0), GRAPH_OK);
    cr_assert_eq(graph_set_vertex_property(g, "x", "k", "say \"hi\""), GRAPH_OK);
    cr_assert_eq(graph_set_vertex_property(g, "y,z", "k", ""), GRAPH_OK);
    char path[128];
    snprintf(path, sizeof path, "%s/n.csv", dir);
    FILE *f = fopen(path, "w");
    cr_assert_eq(export_neo4j_nodes(g, f), 0);
    fclose(f);
    size_t size;
    char *text = tu_slurp(path, &size);
    cr_assert_str_eq(text, ":ID,:LABEL,k\r\n"
                           "x,L,\"say \"\"hi\"\"\"\r\n"
                           "\"y,z\",,\"\"\r\n");
    free(text);
    graph_free(g);
}

Test(export, the_same_content_exports_byte_identical_files_whatever_the_history)
{
    struct graph *a = build(true), *b = build(false);
    cr_assert_eq(graph_add_vertex(b, "tmp", "T", NULL, 0), GRAPH_OK);
    cr_assert_eq(graph_remove_vertex(b, "tmp"), GRAPH_OK);
    char pa[256], pb[256];
    const char *files[] = {"nodes.csv", "relationships.csv", "g.dot"};
    char sub[2][96];
    snprintf(sub[0], sizeof sub[0], "%s/a", dir);
    snprintf(sub[1], sizeof sub[1], "%s/b", dir);
    struct graph *gs[2] = {a, b};
    for (int k = 0; k < 2; k++) {
        char cmd[512];
        snprintf(cmd, sizeof cmd, "mkdir -p '%s'", sub[k]);
        cr_assert_eq(system(cmd), 0);
        cr_assert_eq(export_neo4j_dir(gs[k], sub[k]), 0);
        snprintf(pa, sizeof pa, "%s/g.dot", sub[k]);
        cr_assert_eq(export_dot_file(gs[k], "g", pa), 0);
    }
    for (int i = 0; i < 3; i++) {
        size_t na, nb;
        snprintf(pa, sizeof pa, "%s/%s", sub[0], files[i]);
        snprintf(pb, sizeof pb, "%s/%s", sub[1], files[i]);
        char *ta = tu_slurp(pa, &na), *tb = tu_slurp(pb, &nb);
        cr_assert_eq(na, nb, "%s", files[i]);
        cr_assert_eq(memcmp(ta, tb, na), 0, "%s", files[i]);
        free(ta);
        free(tb);
    }
    graph_free(a);
    graph_free(b);
}

Test(export, writing_into_a_missing_directory_fails_and_leaves_nothing)
{
    struct graph *g = build(true);
    char path[128];
    snprintf(path, sizeof path, "%s/missing", dir);
    cr_assert_eq(export_neo4j_dir(g, path), -1);
    snprintf(path, sizeof path, "%s/missing/g.dot", dir);
    cr_assert_eq(export_dot_file(g, "g", path), -1);
    graph_free(g);
}

/* ---- DOT, read back by Graphviz ---------------------------------------------------- */

/* Decode a JSON string starting after its opening quote; returns the end (after quote). */
static const char *json_string(const char *s, char *out)
{
    for (; *s != '"'; s++) {
        cr_assert_neq(*s, '\0');
        if (*s != '\\') {
            *out++ = *s;
            continue;
        }
        s++;
        const char *simple = "\"\"\\\\//b\bf\fn\nr\rt\t";
        const char *m = strchr(simple, *s);
        if (*s == 'u') {
            unsigned cp;
            cr_assert_eq(sscanf(s + 1, "%4x", &cp), 1);
            s += 4;
            cr_assert_lt(cp, 0x800u, "dot writes other text as raw UTF-8");
            if (cp < 0x80) {
                *out++ = (char)cp;
            } else {
                *out++ = (char)(0xc0 | (cp >> 6));
                *out++ = (char)(0x80 | (cp & 0x3f));
            }
        } else {
            cr_assert_not_null(m, "JSON escape \\%c", *s);
            *out++ = m[1];
        }
    }
    *out = '\0';
    return s + 1;
}

/* Graphviz keeps backslash sequences in names; these are the ones the exporter writes. */
static void dot_unescape(char *s)
{
    char *w = s;
    for (const char *p = s; *p; p++) {
        if (*p == '\\' && (p[1] == '\\' || p[1] == 'n' || p[1] == '"')) {
            p++;
            *w++ = *p == 'n' ? '\n' : *p;
        } else {
            *w++ = *p;
        }
    }
    *w = '\0';
}

struct dot_node {
    char name[64], vlabel[64], pname[64], pnote[64];
    bool has_name_prop, has_note_prop;
};

struct dot_edge {
    int tail, head;
    char label[64], weight[64];
    bool has_weight;
};

struct dot_read {
    struct dot_node nodes[32];
    struct dot_edge edges[32];
    int nn, ne;
};

/* One `"key": value` line of `dot -Tjson0` into the current object of its section. */
static void json_line(struct dot_read *d, int section, const char *line)
{
    char key[256], val[4096] = "";
    const char *s = json_string(line + 1, key);
    cr_assert(s[0] == ':' && s[1] == ' ');
    s += 2;
    bool str = *s == '"';
    if (str)
        json_string(s + 1, val);
    if (section == 1 && d->nn > 0) {
        struct dot_node *n = &d->nodes[d->nn - 1];
        dot_unescape(val);
        if (strcmp(key, "name") == 0)
            strcpy(n->name, val);
        else if (strcmp(key, "vlabel") == 0)
            strcpy(n->vlabel, val);
        else if (strcmp(key, "prop.name") == 0)
            strcpy(n->pname, val), n->has_name_prop = true;
        else if (strcmp(key, "prop.note,x") == 0)
            strcpy(n->pnote, val), n->has_note_prop = true;
    } else if (section == 2 && d->ne > 0) {
        struct dot_edge *e = &d->edges[d->ne - 1];
        dot_unescape(val);
        if (strcmp(key, "tail") == 0)
            e->tail = atoi(s);
        else if (strcmp(key, "head") == 0)
            e->head = atoi(s);
        else if (strcmp(key, "label") == 0)
            strcpy(e->label, val);
        else if (strcmp(key, "prop.w\"eight") == 0)
            strcpy(e->weight, val), e->has_weight = true;
    }
}

static void dot_read(const char *json_path, struct dot_read *d)
{
    size_t size;
    char *text = tu_slurp(json_path, &size);
    int section = 0; /* 0 graph, 1 objects, 2 edges */
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        while (*line == ' ')
            line++;
        if (strncmp(line, "\"objects\": [", 12) == 0)
            section = 1;
        else if (strncmp(line, "\"edges\": [", 10) == 0)
            section = 2;
        else if (line[0] == '{' && section == 1)
            d->nodes[d->nn++] = (struct dot_node){0};
        else if (line[0] == '{' && section == 2)
            d->edges[d->ne++] = (struct dot_edge){.tail = -1, .head = -1};
        else if (line[0] == '"')
            json_line(d, section, line);
    }
    free(text);
}

Test(export, dot_output_is_parsed_back_by_graphviz_with_every_name_and_attribute)
{
    if (system("command -v dot >/dev/null 2>&1") != 0)
        cr_skip_test("Graphviz dot is not installed");
    struct graph *g = build(true);
    char dotp[128], json[128], cmd[1024];
    snprintf(dotp, sizeof dotp, "%s/g.dot", dir);
    snprintf(json, sizeof json, "%s/g.json", dir);
    cr_assert_eq(export_dot_file(g, "the \"graph\"", dotp), 0);
    snprintf(cmd, sizeof cmd, "dot -Tjson0 '%s' > '%s' && dot -Tsvg '%s' > /dev/null", dotp, json,
             dotp);
    cr_assert_eq(system(cmd), 0, "dot accepts the file");
    struct dot_read d = {0};
    dot_read(json, &d);
    cr_assert_eq(d.nn, (int)NIDS);
    cr_assert_eq(d.ne, (int)NEDGES);
    for (int i = 0; i < d.nn; i++) {
        const struct dot_node *n = &d.nodes[i];
        graph_vid v = graph_find_vertex(g, n->name);
        cr_assert_neq(v, GRAPH_NONE, "node '%s' is a vertex id", n->name);
        cr_assert_str_eq(n->vlabel, graph_vertex_label(g, v));
        const char *p = graph_vertex_property(g, v, "name");
        cr_assert_eq(n->has_name_prop, p != NULL);
        cr_assert_str_eq(n->pname, p ? p : "");
        p = graph_vertex_property(g, v, "note,x");
        cr_assert_eq(n->has_note_prop, p != NULL);
        cr_assert_str_eq(n->pnote, p ? p : "");
    }
    for (int i = 0; i < d.ne; i++) {
        const struct dot_edge *e = &d.edges[i];
        cr_assert(e->tail >= 0 && e->tail < d.nn && e->head >= 0 && e->head < d.nn);
        graph_eid x = graph_find_edge(g, d.nodes[e->tail].name, e->label, d.nodes[e->head].name);
        cr_assert_neq(x, GRAPH_NONE, "edge %s -%s-> %s", d.nodes[e->tail].name, e->label,
                      d.nodes[e->head].name);
        const char *w = graph_edge_property(g, x, "w\"eight");
        cr_assert_eq(e->has_weight, w != NULL);
        cr_assert_str_eq(e->weight, w ? w : "");
    }
    graph_free(g);
}
