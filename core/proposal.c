/* proposal: see proposal.h. Validation and application delegate to core/graph. */
#include "core/proposal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

void proposal_init(struct proposal *p, uint64_t id, uint32_t proposer, enum prop_op op)
{
    *p = (struct proposal){.id = id, .proposer = proposer, .op = op};
}

void proposal_fini(struct proposal *p)
{
    if (!p)
        return;
    free(p->vertex);
    free(p->label);
    free(p->from);
    free(p->to);
    free(p->key);
    free(p->value);
    for (size_t i = 0; i < p->nprops; i++) {
        free(p->props[i].key);
        free(p->props[i].value);
    }
    free(p->props);
    *p = (struct proposal){0};
}

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

void proposal_set(char **field, const char *s)
{
    char *copy = dup_or_null(s);
    free(*field);
    *field = copy;
}

void proposal_copy(struct proposal *dst, const struct proposal *src)
{
    *dst = (struct proposal){.id = src->id,
                             .proposer = src->proposer,
                             .op = src->op,
                             .vertex = dup_or_null(src->vertex),
                             .label = dup_or_null(src->label),
                             .from = dup_or_null(src->from),
                             .to = dup_or_null(src->to),
                             .key = dup_or_null(src->key),
                             .value = dup_or_null(src->value)};
    for (size_t i = 0; i < src->nprops; i++)
        proposal_add_prop(dst, src->props[i].key, src->props[i].value);
}

void proposal_add_prop(struct proposal *p, const char *key, const char *value)
{
    p->props = xreallocarray(p->props, p->nprops + 1, sizeof(*p->props));
    p->props[p->nprops++] = (struct proposal_prop){.key = xstrdup(key), .value = xstrdup(value)};
}

/* The props as graph_kv (borrowed strings); NULL if there are none. Caller frees. */
static struct graph_kv *kv_view(const struct proposal *p)
{
    if (p->nprops == 0)
        return NULL;
    struct graph_kv *kv = xcalloc(p->nprops, sizeof(*kv));
    for (size_t i = 0; i < p->nprops; i++)
        kv[i] = (struct graph_kv){.key = p->props[i].key, .value = p->props[i].value};
    return kv;
}

/* set_property targets: a vertex xor an edge (from and to). */
static bool on_vertex(const struct proposal *p)
{
    return p->vertex != NULL;
}

static bool target_ok(const struct proposal *p)
{
    bool edge = p->from != NULL || p->to != NULL;
    return on_vertex(p) != edge;
}

static enum graph_reason validate_props(const struct proposal *p)
{
    struct graph_kv *kv = kv_view(p);
    enum graph_reason why = graph_check_props(kv, p->nprops);
    free(kv);
    return why;
}

enum graph_reason proposal_validate(const struct graph *g, const struct proposal *p)
{
    enum graph_reason why;
    switch (p->op) {
    case PROP_ADD_VERTEX:
        why = graph_check_add_vertex(g, p->vertex);
        return why == GRAPH_OK ? validate_props(p) : why;
    case PROP_REMOVE_VERTEX:
        return graph_check_remove_vertex(g, p->vertex);
    case PROP_ADD_EDGE:
        why = graph_check_add_edge(g, p->from, p->label, p->to);
        return why == GRAPH_OK ? validate_props(p) : why;
    case PROP_REMOVE_EDGE:
        return graph_check_remove_edge(g, p->from, p->label, p->to);
    case PROP_SET_PROPERTY:
        if (!target_ok(p))
            return GRAPH_BAD_ARGUMENT;
        if (on_vertex(p))
            return graph_check_vertex_property(g, p->vertex, p->key, p->value == NULL);
        return graph_check_edge_property(g, p->from, p->label, p->to, p->key, p->value == NULL);
    case PROP_READ:
        if (!p->vertex || !p->vertex[0])
            return GRAPH_BAD_ARGUMENT;
        return graph_find_vertex(g, p->vertex) != GRAPH_NONE ? GRAPH_OK : GRAPH_VERTEX_MISSING;
    }
    return GRAPH_BAD_ARGUMENT;
}

static enum graph_reason apply_set_property(struct graph *g, const struct proposal *p)
{
    if (!target_ok(p))
        return GRAPH_BAD_ARGUMENT;
    if (on_vertex(p))
        return p->value ? graph_set_vertex_property(g, p->vertex, p->key, p->value)
                        : graph_remove_vertex_property(g, p->vertex, p->key);
    return p->value ? graph_set_edge_property(g, p->from, p->label, p->to, p->key, p->value)
                    : graph_remove_edge_property(g, p->from, p->label, p->to, p->key);
}

enum graph_reason proposal_apply(struct graph *g, const struct proposal *p)
{
    enum graph_reason why = GRAPH_BAD_ARGUMENT;
    struct graph_kv *kv = kv_view(p);
    switch (p->op) {
    case PROP_ADD_VERTEX:
        why = graph_add_vertex(g, p->vertex, p->label, kv, p->nprops);
        break;
    case PROP_REMOVE_VERTEX:
        why = graph_remove_vertex(g, p->vertex);
        break;
    case PROP_ADD_EDGE:
        why = graph_add_edge(g, p->from, p->label, p->to, kv, p->nprops);
        break;
    case PROP_REMOVE_EDGE:
        why = graph_remove_edge(g, p->from, p->label, p->to);
        break;
    case PROP_SET_PROPERTY:
        why = apply_set_property(g, p);
        break;
    case PROP_READ:
        why = proposal_validate(g, p);
        break;
    }
    free(kv);
    return why;
}

/* Text into buf that keeps counting past the end, as snprintf does. */
struct out {
    char *buf;
    size_t len, n; /* capacity, characters the full text has so far */
};

/* Append the strings up to the NULL (copied, not formatted: this runs per proposal). */
static void put(struct out *o, ...)
{
    va_list ap;
    va_start(ap, o);
    for (const char *s; (s = va_arg(ap, const char *)) != NULL;) {
        size_t k = strlen(s);
        if (o->n + 1 < o->len) {
            size_t c = k < o->len - o->n - 1 ? k : o->len - o->n - 1;
            memcpy(o->buf + o->n, s, c);
            o->buf[o->n + c] = '\0';
        }
        o->n += k;
    }
    va_end(ap);
}

static const char *str(const char *s)
{
    return s ? s : "?";
}

static void put_edge(struct out *o, const struct proposal *p)
{
    if (p->label)
        put(o, str(p->from), " -", p->label, "-> ", str(p->to), NULL);
    else
        put(o, str(p->from), " -> ", str(p->to), NULL);
}

static void put_set_property(struct out *o, const struct proposal *p)
{
    if (on_vertex(p)) {
        put(o, p->vertex, NULL);
    } else {
        put(o, "(", NULL);
        put_edge(o, p);
        put(o, ")", NULL);
    }
    if (p->value)
        put(o, ".", str(p->key), "=", p->value, NULL);
    else
        put(o, ".", str(p->key), " removed", NULL);
}

size_t proposal_describe(const struct proposal *p, char *buf, size_t len)
{
    struct out o = {buf, len, 0};
    if (len)
        buf[0] = '\0';
    put(&o, prop_op_name(p->op), " ", NULL);
    switch (p->op) {
    case PROP_ADD_VERTEX:
        put(&o, str(p->vertex), NULL);
        if (p->label && p->label[0])
            put(&o, ":", p->label, NULL);
        break;
    case PROP_REMOVE_VERTEX:
        put(&o, str(p->vertex), NULL);
        break;
    case PROP_ADD_EDGE:
    case PROP_REMOVE_EDGE:
        put_edge(&o, p);
        break;
    case PROP_SET_PROPERTY:
        put_set_property(&o, p);
        break;
    case PROP_READ:
        put(&o, str(p->vertex), NULL);
        if (p->key)
            put(&o, ".", p->key, NULL);
        break;
    }
    return o.n;
}
