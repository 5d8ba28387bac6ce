/*
 * scenario_yaml: YAML text -> a position-carrying node tree, --set overrides on that tree,
 * and the load/resolve entry points (see scenario_yaml.h). The only file including yaml.h.
 * The key tables and the resolver live in scenario_keys.c.
 */
#include "sim/scenario/scenario_yaml.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "core/hash.h"
#include "core/xalloc.h"
#include "sim/engine/rfile.h"
#include "sim/scenario/scenario_keys.h"

/* ---- nodes ---- */

static struct ynode *node_new(enum ynode_kind kind, const yaml_mark_t *m, unsigned file)
{
    struct ynode *n = xcalloc(1, sizeof(*n));
    n->kind = kind;
    n->line = (unsigned)m->line + 1;
    n->col = (unsigned)m->column + 1;
    n->file = file;
    return n;
}

/* ---- parsing with the libyaml event API ---- */

struct parse {
    yaml_parser_t parser;
    const char *file; /* name in diagnostics */
    unsigned fileidx; /* index stored in nodes */
    struct diag *d;
    bool failed; /* syntax error or unsupported construct */
};

static void syntax_error(struct parse *p)
{
    const yaml_parser_t *y = &p->parser;
    const yaml_mark_t *m = &y->problem_mark;
    const char *problem = y->problem ? y->problem : "malformed YAML";
    if (y->context)
        diag_error(p->d, p->file, (unsigned)m->line + 1, (unsigned)m->column + 1, NULL,
                   "YAML syntax error: %s %s", problem, y->context);
    else
        diag_error(p->d, p->file, (unsigned)m->line + 1, (unsigned)m->column + 1, NULL,
                   "YAML syntax error: %s", problem);
    p->failed = true;
}

static bool next_event(struct parse *p, yaml_event_t *ev)
{
    if (yaml_parser_parse(&p->parser, ev))
        return true;
    syntax_error(p);
    return false;
}

/* Deeper nesting than any scenario needs is refused: the reader recurses per level. */
#define YAML_DEPTH_MAX 64

static struct ynode *parse_node(struct parse *p, yaml_event_t *ev, const char *path,
                                unsigned depth);

static void add_kid(struct ynode *parent, size_t *cap, size_t count, struct ynode *kid)
{
    XGROW(parent->kids, *cap, count + 1);
    parent->kids[count] = kid;
}

/* The keys of a mapping being read, hashed: finding a duplicate costs O(1), not a scan of
 * the keys so far (a 200,000-key mapping took over 30 s). */
struct keyset {
    size_t *slot; /* key's index among the mapping's children + 1; 0: empty */
    size_t cap, n;
};

static const struct ynode *keyset_find(const struct keyset *ks, const struct ynode *map,
                                       const char *key, size_t *at)
{
    size_t i = ks->cap ? (size_t)hash_str(key, 0) & (ks->cap - 1) : 0;
    for (; ks->cap && ks->slot[i]; i = (i + 1) & (ks->cap - 1)) {
        const struct ynode *k = map->kids[ks->slot[i] - 1];
        if (strcmp(k->text, key) == 0) {
            *at = i;
            return k;
        }
    }
    *at = i;
    return NULL;
}

/* Remember key (a scalar, the mapping's child number kid); false if it was there already,
 * with *first the earlier one. */
static bool keyset_add(struct keyset *ks, const struct ynode *map, size_t kid,
                       const struct ynode **first)
{
    if (2 * (ks->n + 1) > ks->cap) {
        struct keyset grown = {xcalloc(ks->cap ? 2 * ks->cap : 16, sizeof(size_t)),
                               ks->cap ? 2 * ks->cap : 16, 0};
        for (size_t i = 0; i < ks->cap; i++)
            if (ks->slot[i]) {
                size_t at;
                keyset_find(&grown, map, map->kids[ks->slot[i] - 1]->text, &at);
                grown.slot[at] = ks->slot[i];
                grown.n++;
            }
        free(ks->slot);
        *ks = grown;
    }
    size_t at;
    *first = keyset_find(ks, map, map->kids[kid]->text, &at);
    if (*first)
        return false;
    ks->slot[at] = kid + 1;
    ks->n++;
    return true;
}

/* Free the first count children of a node being built (n->n is not set yet). */
static void drop_kids(struct ynode *n, size_t count)
{
    for (size_t i = 0; i < count; i++)
        ynode_free(n->kids[i]);
    free(n->kids);
    n->kids = NULL;
}

/* Children of a sequence or mapping until its end event. Duplicate keys are errors. */
static bool parse_children(struct parse *p, struct ynode *n, const char *path, unsigned depth)
{
    size_t cap = 0, count = 0;
    struct keyset keys = {0};
    char sub[256];
    yaml_event_type_t end = n->kind == YNODE_MAP ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT;
    for (;;) {
        yaml_event_t ev;
        if (!next_event(p, &ev)) {
            drop_kids(n, count);
            free(keys.slot);
            return false;
        }
        if (ev.type == end) {
            yaml_event_delete(&ev);
            break;
        }
        if (n->kind == YNODE_SEQ)
            snprintf(sub, sizeof(sub), "%s[%zu]", path, count);
        else if (count % 2 == 1)
            snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "." : "",
                     n->kids[count - 1]->text ? n->kids[count - 1]->text : "?");
        else
            snprintf(sub, sizeof(sub), "%s", path);
        struct ynode *kid = parse_node(p, &ev, sub, depth + 1);
        yaml_event_delete(&ev);
        if (!kid) {
            drop_kids(n, count);
            free(keys.slot);
            return false;
        }
        if (n->kind == YNODE_MAP && count % 2 == 0 && kid->kind != YNODE_SCALAR) {
            diag_error(p->d, p->file, kid->line, kid->col, NULL,
                       "mapping keys must be plain names, not collections");
            p->failed = true;
            /* Keep a placeholder so the rest of the mapping can still be checked. */
            drop_kids(kid, kid->kind == YNODE_MAP ? 2 * kid->n : kid->n);
            kid->kind = YNODE_SCALAR;
            kid->n = 0;
            kid->text = xstrdup("?");
        } else if (n->kind == YNODE_MAP && count % 2 == 0) {
            add_kid(n, &cap, count, kid); /* the key set reads it from the children */
            const struct ynode *first = NULL;
            if (!keyset_add(&keys, n, count, &first)) {
                snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "." : "", kid->text);
                diag_error(p->d, p->file, kid->line, kid->col, sub,
                           "duplicate key '%s' (first given at line %u, column %u)", kid->text,
                           first->line, first->col);
                p->failed = true;
            }
        }
        add_kid(n, &cap, count++, kid); /* (a key is already there: stored again in place) */
    }
    free(keys.slot);
    n->n = n->kind == YNODE_MAP ? count / 2 : count;
    return true;
}

/* A tag other than YAML's own (!!str, !!int, ...: "tag:yaml.org,2002:") would be ignored
 * silently; refuse it. */
static bool tag_ok(struct parse *p, const yaml_event_t *ev)
{
    const yaml_char_t *tag = ev->type == YAML_SCALAR_EVENT           ? ev->data.scalar.tag
                             : ev->type == YAML_SEQUENCE_START_EVENT ? ev->data.sequence_start.tag
                             : ev->type == YAML_MAPPING_START_EVENT  ? ev->data.mapping_start.tag
                                                                     : NULL;
    static const char core[] = "tag:yaml.org,2002:";
    if (!tag || strncmp((const char *)tag, core, sizeof(core) - 1) == 0)
        return true;
    diag_error(p->d, p->file, (unsigned)ev->start_mark.line + 1,
               (unsigned)ev->start_mark.column + 1, NULL,
               "unknown YAML tag '%s' (scenario files use no tags but YAML's own, such as !!str)",
               (const char *)tag);
    p->failed = true;
    return false;
}

static struct ynode *parse_node(struct parse *p, yaml_event_t *ev, const char *path, unsigned depth)
{
    struct ynode *n;
    if (!tag_ok(p, ev))
        return NULL;
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        n = node_new(YNODE_SCALAR, &ev->start_mark, p->fileidx);
        n->text = xstrndup((const char *)ev->data.scalar.value, ev->data.scalar.length);
        n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        return n;
    case YAML_SEQUENCE_START_EVENT:
        n = node_new(YNODE_SEQ, &ev->start_mark, p->fileidx);
        break;
    case YAML_MAPPING_START_EVENT:
        n = node_new(YNODE_MAP, &ev->start_mark, p->fileidx);
        break;
    case YAML_ALIAS_EVENT:
        diag_error(p->d, p->file, (unsigned)ev->start_mark.line + 1,
                   (unsigned)ev->start_mark.column + 1, NULL,
                   "YAML aliases (*name) are not supported in scenario files");
        p->failed = true;
        return NULL;
    default:
        diag_error(p->d, p->file, (unsigned)ev->start_mark.line + 1,
                   (unsigned)ev->start_mark.column + 1, NULL, "unexpected YAML event");
        p->failed = true;
        return NULL;
    }
    if (depth >= YAML_DEPTH_MAX) {
        diag_error(p->d, p->file, n->line, n->col, NULL,
                   "YAML nested more than %d levels deep (a scenario needs a handful)",
                   YAML_DEPTH_MAX);
        p->failed = true;
        ynode_free(n);
        return NULL;
    }
    if (!parse_children(p, n, path, depth)) {
        ynode_free(n);
        return NULL;
    }
    return n;
}

/*
 * Parse one YAML document. *root is NULL for an empty stream. Returns false on a syntax
 * error or a duplicate key (reported); *root may still hold the tree (duplicate keys).
 */
static bool parse_text(const char *file, unsigned fileidx, const char *text, size_t len,
                       struct diag *d, struct ynode **root)
{
    struct parse p = {.file = file, .fileidx = fileidx, .d = d};
    *root = NULL;
    yaml_parser_initialize(&p.parser);
    yaml_parser_set_input_string(&p.parser, (const unsigned char *)text, len);
    for (;;) {
        yaml_event_t ev;
        if (!next_event(&p, &ev))
            break;
        yaml_event_type_t type = ev.type;
        if (type == YAML_SEQUENCE_START_EVENT || type == YAML_MAPPING_START_EVENT ||
            type == YAML_SCALAR_EVENT || type == YAML_ALIAS_EVENT) {
            if (*root) {
                diag_error(d, file, (unsigned)ev.start_mark.line + 1,
                           (unsigned)ev.start_mark.column + 1, NULL,
                           "only one YAML document is allowed");
                p.failed = true;
                yaml_event_delete(&ev);
                break;
            }
            *root = parse_node(&p, &ev, "", 0);
        }
        yaml_event_delete(&ev);
        if (type == YAML_STREAM_END_EVENT || (!*root && p.failed))
            break;
    }
    yaml_parser_delete(&p.parser);
    return !p.failed;
}

/* ---- documents ---- */

static unsigned doc_add_file(struct scenario_doc *doc, const char *name)
{
    for (size_t i = 0; i < doc->nfiles; i++)
        if (strcmp(doc->files[i], name) == 0)
            return (unsigned)i;
    doc->files = xreallocarray(doc->files, doc->nfiles + 1, sizeof(*doc->files));
    doc->files[doc->nfiles] = xstrdup(name);
    return (unsigned)doc->nfiles++;
}

static char *name_from_path(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t len = strlen(base);
    if (len > 5 && strcmp(base + len - 5, ".yaml") == 0)
        len -= 5;
    else if (len > 4 && strcmp(base + len - 4, ".yml") == 0)
        len -= 4;
    return len ? xstrndup(base, len) : xstrdup("scenario");
}

static struct scenario_doc *doc_new(const char *name)
{
    struct scenario_doc *doc = xcalloc(1, sizeof(*doc));
    doc_add_file(doc, name);
    doc->name = name_from_path(name);
    return doc;
}

void scenario_doc_free(struct scenario_doc *doc)
{
    if (!doc)
        return;
    ynode_free(doc->root);
    for (size_t i = 0; i < doc->nfiles; i++)
        free(doc->files[i]);
    free(doc->files);
    free(doc->name);
    free(doc);
}

struct scenario_doc *scenario_doc_clone(const struct scenario_doc *src)
{
    struct scenario_doc *doc = xcalloc(1, sizeof(*doc));
    doc->nfiles = src->nfiles;
    doc->files = xreallocarray(NULL, src->nfiles, sizeof(*doc->files));
    for (size_t i = 0; i < src->nfiles; i++)
        doc->files[i] = xstrdup(src->files[i]);
    doc->root = src->root ? ynode_clone(src->root) : NULL;
    doc->name = xstrdup(src->name);
    return doc;
}

static bool only_blank(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '#')
            while (i < len && text[i] != '\n')
                i++;
        else if (!strchr(" \t\r\n", text[i]))
            return false;
    }
    return true;
}

struct scenario_doc *scenario_doc_parse(const char *name, const char *text, size_t len,
                                        struct diag *d)
{
    if (only_blank(text, len)) {
        diag_error(d, name, 0, 0, NULL, "the file is empty (expected a scenario mapping)");
        return NULL;
    }
    struct scenario_doc *doc = doc_new(name);
    struct ynode *root;
    bool ok = parse_text(name, 0, text, len, d, &root);
    doc->root = root;
    if (ok && (!root || ynode_is_null(root))) {
        diag_error(d, name, 0, 0, NULL, "the file is empty (expected a scenario mapping)");
        ok = false;
    } else if (ok && root->kind != YNODE_MAP) {
        diag_error(d, name, root->line, root->col, NULL,
                   "a scenario must be a mapping of keys (e.g. `cluster: {nodes: 5}`)");
        ok = false;
    } else if (!ok && root && root->kind == YNODE_MAP) {
        /* Duplicate keys: report every other problem too, so one pass shows them all. */
        struct scenario tmp;
        if (scenario_keys_resolve(doc, &tmp, d))
            scenario_fini(&tmp);
    }
    if (!ok) {
        scenario_doc_free(doc);
        return NULL;
    }
    return doc;
}

/* Scenario files are small; anything longer is not one (e.g. /dev/zero), and reading it
 * whole would exhaust memory. */
#define SCENARIO_FILE_MAX ((size_t)16 << 20)

static char *read_file(const char *path, size_t *len, struct diag *d)
{
    const char *why = NULL;
    FILE *f = rfile_open(path, &why);
    if (!f) {
        diag_error(d, path, 0, 0, NULL, "cannot open scenario file: %s", why);
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *buf = xmalloc(cap);
    size_t got;
    while (n <= SCENARIO_FILE_MAX && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap)
            XGROW(buf, cap, cap + 1);
    }
    int err = ferror(f) ? errno : 0;
    bool bad = ferror(f);
    fclose(f);
    if (bad || n > SCENARIO_FILE_MAX) {
        if (bad)
            diag_error(d, path, 0, 0, NULL, "cannot read scenario file: %s", strerror(err));
        else
            diag_error(d, path, 0, 0, NULL, "not a scenario file: longer than %zu MiB",
                       SCENARIO_FILE_MAX >> 20);
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

struct scenario_doc *scenario_doc_load(const char *path, struct diag *d)
{
    size_t len;
    char *text = read_file(path, &len, d);
    if (!text)
        return NULL;
    struct scenario_doc *doc = scenario_doc_parse(path, text, len, d);
    free(text);
    return doc;
}

/* ---- --set overrides ---- */

static struct ynode *scalar_node(const char *text, unsigned file)
{
    static const yaml_mark_t one = {0, 0, 0};
    struct ynode *n = node_new(YNODE_SCALAR, &one, file);
    n->text = xstrdup(text);
    n->plain = true;
    return n;
}

static void map_append(struct ynode *map, struct ynode *key, struct ynode *value)
{
    map->kids = xreallocarray(map->kids, 2 * map->n + 2, sizeof(*map->kids));
    map->kids[2 * map->n] = key;
    map->kids[2 * map->n + 1] = value;
    map->n++;
}

static bool is_index(const char *s, size_t *out)
{
    char *end;
    if (!*s || strspn(s, "0123456789") != strlen(s))
        return false;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    *out = (size_t)v;
    return errno == 0;
}

/* The slot holding the node at `seg` inside *parent, created (as a mapping entry) if absent. */
static struct ynode **child_slot(struct ynode *parent, const char *seg, unsigned file,
                                 bool *bad_index)
{
    size_t idx;
    if (parent->kind == YNODE_SEQ) {
        if (!is_index(seg, &idx) || idx >= parent->n) {
            *bad_index = true;
            return NULL;
        }
        return &parent->kids[idx];
    }
    for (size_t i = 0; i < parent->n; i++)
        if (strcmp(parent->kids[2 * i]->text, seg) == 0)
            return &parent->kids[2 * i + 1];
    map_append(parent, scalar_node(seg, file), NULL);
    return &parent->kids[2 * parent->n - 1];
}

static struct ynode *empty_map(unsigned file)
{
    static const yaml_mark_t one = {0, 0, 0};
    return node_new(YNODE_MAP, &one, file);
}

/* A copy of path with list indices written either way: "links[2].loss" -> "links.2.loss". */
static char *bracket_indices(const char *path)
{
    char *out = xmalloc(strlen(path) + 1), *w = out;
    for (const char *p = path; *p; p++) {
        size_t digits = *p == '[' ? strspn(p + 1, "0123456789") : 0;
        if (digits && p[1 + digits] == ']') {
            *w++ = '.';
            memcpy(w, p + 1, digits);
            w += digits;
            p += digits + 1;
        } else {
            *w++ = *p;
        }
    }
    *w = '\0';
    return out;
}

bool scenario_doc_set(struct scenario_doc *doc, const char *path, const char *value,
                      const char *origin, struct diag *d)
{
    unsigned file = doc_add_file(doc, origin);
    if (!*path || path[0] == '.' || path[strlen(path) - 1] == '.' || strstr(path, "..")) {
        diag_error(d, origin, 0, 0, path, "malformed key path (expected e.g. cluster.nodes)");
        return false;
    }
    struct ynode *value_node;
    if (!parse_text(origin, file, value, strlen(value), d, &value_node)) {
        ynode_free(value_node);
        return false;
    }
    if (!value_node) { /* `--set seed=` ran with the default seed: say so instead */
        diag_error(d, origin, 1, 1, path,
                   "empty value (give one, or leave the key out for its default)");
        return false;
    }
    if (!doc->root)
        doc->root = empty_map(file);
    char *segs = bracket_indices(path);
    struct ynode *cur = doc->root;
    struct ynode **slot = NULL;
    bool ok = true;
    for (char *seg = strtok(segs, "."); seg; seg = strtok(NULL, ".")) {
        if (slot) {
            if (!*slot || ynode_is_null(*slot)) {
                ynode_free(*slot);
                *slot = empty_map(file);
            }
            cur = *slot;
        }
        if (cur->kind == YNODE_SCALAR) {
            diag_error(d, origin, 0, 0, path, "'%s' is a value, not a section", seg);
            ok = false;
            break;
        }
        bool bad_index = false;
        slot = child_slot(cur, seg, file, &bad_index);
        if (bad_index) {
            diag_error(d, origin, 0, 0, path, "'%s' is not an index of the list (0..%zu)", seg,
                       cur->n ? cur->n - 1 : 0);
            ok = false;
            break;
        }
    }
    free(segs);
    if (!ok) {
        ynode_free(value_node);
        return false;
    }
    ynode_free(*slot);
    *slot = value_node;
    return true;
}

/* ---- resolving ---- */

bool scenario_doc_sweep_value_at(const struct scenario_doc *doc, const char *axis,
                                 const char *value, unsigned *line, unsigned *col)
{
    const struct ynode *params = ynode_get(ynode_get(doc->root, "sweep", NULL), "params", NULL);
    const struct ynode *v = ynode_get(params, axis, NULL), *at = NULL;
    if (!v || v->file != 0)
        return false;
    if (v->kind == YNODE_MAP) /* a range: its values have no text of their own */
        at = v;
    for (size_t i = 0; v->kind == YNODE_SEQ && i < v->n && !at; i++)
        if (v->kids[i]->kind == YNODE_SCALAR && strcmp(v->kids[i]->text, value) == 0)
            at = v->kids[i];
    if (!at) /* a --set list replaced the file's values */
        return false;
    *line = at->line;
    *col = at->col;
    return true;
}

bool scenario_doc_resolve(const struct scenario_doc *doc, struct scenario *out, struct diag *d)
{
    return scenario_keys_resolve(doc, out, d);
}

static bool load_seeded(const char *path, const char *seed, int nsets, char *const *sets,
                        struct scenario *out, struct diag *d);

bool scenario_load(const char *path, int nsets, char *const *sets, struct scenario *out,
                   struct diag *d)
{
    return scenario_load_seeded(path, NULL, nsets, sets, out, d);
}

struct ranked {
    struct diag_item item;
    int origin; /* 0: the scenario file, 1: --set/--seed */
    size_t index;
};

static int cmp_ranked(const void *pa, const void *pb)
{
    const struct ranked *a = pa, *b = pb;
    if (a->origin != b->origin)
        return a->origin - b->origin;
    if (a->item.line != b->item.line)
        return a->item.line < b->item.line ? -1 : 1;
    if (a->item.col != b->item.col)
        return a->item.col < b->item.col ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

/* Put the diagnostics from index start on in reading order: the file's by position first. */
static void sort_diags(struct diag *d, size_t start, const char *path)
{
    size_t n = d->n - start;
    if (n < 2)
        return;
    struct ranked *r = xreallocarray(NULL, n, sizeof(*r));
    for (size_t i = 0; i < n; i++) {
        const struct diag_item *it = &d->items[start + i];
        r[i] = (struct ranked){*it, !(it->file && strcmp(it->file, path) == 0), i};
    }
    qsort(r, n, sizeof(*r), cmp_ranked);
    for (size_t i = 0; i < n; i++)
        d->items[start + i] = r[i].item;
    free(r);
}

bool scenario_load_seeded(const char *path, const char *seed, int nsets, char *const *sets,
                          struct scenario *out, struct diag *d)
{
    size_t start = d->n;
    bool ok = load_seeded(path, seed, nsets, sets, out, d);
    sort_diags(d, start, path);
    return ok;
}

static bool load_seeded(const char *path, const char *seed, int nsets, char *const *sets,
                        struct scenario *out, struct diag *d)
{
    struct scenario_doc *doc = scenario_doc_load(path, d);
    if (!doc)
        return false;
    bool ok = true;
    for (int i = 0; i < nsets; i++) {
        const char *eq = strchr(sets[i], '=');
        if (!eq) {
            diag_error(d, "--set", 0, 0, NULL, "'%s' is not KEY=VALUE", sets[i]);
            ok = false;
            continue;
        }
        char *key = xstrndup(sets[i], (size_t)(eq - sets[i]));
        ok &= scenario_doc_set(doc, key, eq + 1, "--set", d);
        free(key);
    }
    if (seed)
        ok &= scenario_doc_set(doc, "seed", seed, "--seed", d);
    if (ok)
        ok = scenario_doc_resolve(doc, out, d);
    else {
        struct scenario tmp;
        if (scenario_doc_resolve(doc, &tmp, d))
            scenario_fini(&tmp);
    }
    scenario_doc_free(doc);
    return ok;
}
