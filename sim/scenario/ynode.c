/* ynode: the scenario document tree shared by the YAML reader and the key tables (see ynode.h). */
#include "sim/scenario/ynode.h"

#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

void ynode_free(struct ynode *n)
{
    if (!n)
        return;
    size_t nk = n->kind == YNODE_MAP ? 2 * n->n : n->n;
    for (size_t i = 0; i < nk; i++)
        ynode_free(n->kids[i]);
    free(n->kids);
    free(n->text);
    free(n);
}

struct ynode *ynode_clone(const struct ynode *src)
{
    struct ynode *n = xmalloc(sizeof(*n));
    *n = *src;
    n->text = src->text ? xstrdup(src->text) : NULL;
    size_t nk = src->kind == YNODE_MAP ? 2 * src->n : src->n;
    n->kids = nk ? xreallocarray(NULL, nk, sizeof(*n->kids)) : NULL;
    for (size_t i = 0; i < nk; i++)
        n->kids[i] = ynode_clone(src->kids[i]);
    return n;
}

bool ynode_is_null(const struct ynode *n)
{
    if (n->kind != YNODE_SCALAR || !n->plain)
        return false;
    const char *t = n->text;
    return !*t || !strcmp(t, "~") || !strcmp(t, "null") || !strcmp(t, "Null") || !strcmp(t, "NULL");
}

struct ynode *ynode_get(const struct ynode *map, const char *key, struct ynode **keynode)
{
    if (!map || map->kind != YNODE_MAP)
        return NULL;
    for (size_t i = 0; i < map->n; i++) {
        struct ynode *k = map->kids[2 * i];
        if (k->kind == YNODE_SCALAR && strcmp(k->text, key) == 0) {
            if (keynode)
                *keynode = k;
            return map->kids[2 * i + 1];
        }
    }
    return NULL;
}

static bool needs_quotes(const char *s)
{
    if (!*s)
        return true;
    if (strchr("-?:,[]{}#&*!|>'\"%@` ", s[0]))
        return true;
    for (const char *p = s; *p; p++)
        if (strchr(",[]{}#\"\n\t\\", *p) || (*p == ':' && (p[1] == ' ' || !p[1])))
            return true;
    return s[strlen(s) - 1] == ' ';
}

void ynode_write_flow(const struct ynode *n, FILE *f)
{
    switch (n->kind) {
    case YNODE_SCALAR:
        if (n->plain || !needs_quotes(n->text)) {
            fputs(n->text, f);
            return;
        }
        fputc('"', f);
        for (const char *p = n->text; *p; p++) {
            if (*p == '"' || *p == '\\')
                fputc('\\', f);
            if (*p == '\n')
                fputs("\\n", f);
            else
                fputc(*p, f);
        }
        fputc('"', f);
        return;
    case YNODE_SEQ:
        fputc('[', f);
        for (size_t i = 0; i < n->n; i++) {
            fputs(i ? ", " : "", f);
            ynode_write_flow(n->kids[i], f);
        }
        fputc(']', f);
        return;
    case YNODE_MAP:
        fputc('{', f);
        for (size_t i = 0; i < n->n; i++) {
            fputs(i ? ", " : "", f);
            ynode_write_flow(n->kids[2 * i], f);
            fputs(": ", f);
            ynode_write_flow(n->kids[2 * i + 1], f);
        }
        fputc('}', f);
        return;
    }
}
