/*
 * scenario_keys: one table per scenario section (key, type, default, range, help, example)
 * and the three things driven by those tables: resolving a YAML node tree into a struct
 * scenario with positioned diagnostics, writing the resolved scenario back as YAML, and
 * writing the Markdown key reference (scenarios/README.md). See scenario_keys.h.
 *
 * Defaults are never written twice: top-level defaults come from scenario_init, list
 * element defaults from each record's init function; the reference prints them by
 * formatting those initialised values with the same code that writes resolved YAML.
 */
#include "sim/scenario/scenario_keys.h"
#include "sim/scenario/sweep.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/suggest.h"
#include "core/xalloc.h"
#include "sim/scenario/scenario_keys.h"
#include "sim/engine/version.h"

enum key_type {
    K_BOOL,
    K_UINT,     /* uint32_t in [min, max] */
    K_U64,      /* uint64_t */
    K_PROB,     /* double in [0, 1] */
    K_REAL,     /* double in [min, max] */
    K_DURATION, /* sim_time with a unit */
    K_DIST,     /* struct dist */
    K_QUORUM,   /* struct quorum_spec */
    K_NODE,     /* uint32_t node index */
    K_NODES,    /* struct node_set */
    K_PROPOSER, /* uint32_t node index or WORKLOAD_RANDOM_PROPOSER */
    K_ENUM,     /* an enum stored as unsigned */
    K_STRING,   /* char * */
    K_FLAGS,    /* a list of names, each setting a bool */
    K_LIST,     /* a list of records */
    K_SECTION,  /* a nested mapping */
    K_PROPS,    /* struct kv array: a property map */
    K_GROUPS,   /* partition groups: a list of node lists */
    K_MIX,      /* double[PROP_OP_COUNT]: operation weights */
    K_SWEEP,    /* struct sweep_param array */
};

enum {
    KF_REQUIRED = 1 << 0,    /* must be given (list elements, optional sections) */
    KF_POSITIVE = 1 << 1,    /* durations/reals must be > 0 */
    KF_NEVER = 1 << 2,       /* duration may be `never` (SIM_TIME_MAX) */
    KF_INHERIT = 1 << 3,     /* `inherit` (the default) keeps the network-wide value */
    KF_NODECOUNT = 1 << 4,   /* this uint is cluster.nodes: later node checks use it */
    KF_MEAN = 1 << 5,        /* a bare duration is the mean of an exponential, not a constant */
    KF_NONE = 1 << 6,        /* a distribution may be `none` (the default: no such delay) */
    KF_WRITE_FALSE = 1 << 7, /* a bool written to resolved YAML only when false, its
                                non-default: how files are written, not what they hold, so
                                resolved files (and goldens) stay as they were without it */
    KF_QUIET = 1 << 8,       /* an optional section the resolved scenario names only when given */
    KF_WRITE_TRUE = 1 << 9,  /* a bool written to resolved YAML only when true, its non-default
                                (an option added later: resolved files and goldens stay as
                                they were without it) */
    KF_OMIT_EMPTY = 1 << 10, /* written to resolved YAML only when given (not 0, empty, none):
                               keys added later leave resolved files as they were */
};

#define NO_ENABLED ((size_t)-1)

/* Every duration key (except `never`) is at most 10 years: times and time sums stay far from
 * the int64 ns limit (292 years) and a run stays finite. */
#define SCENARIO_MAX_DURATION      ((sim_time)87600 * 3600 * SIM_S)
#define SCENARIO_MAX_DURATION_TEXT "87600h"

struct rctx;

struct flag_name {
    const char *name;
    size_t off; /* bool offset from the record base */
};

struct record {
    const struct key_spec *keys;
    size_t nkeys;
    size_t size;              /* K_LIST element size */
    void (*init)(void *elem); /* K_LIST element defaults */
    void (*check)(struct rctx *c, void *base, const struct ynode *map, const char *path);
    /* K_LIST: checks across the elements (seq is the list's node), or NULL */
    void (*check_list)(struct rctx *c, const void *items, const struct ynode *seq,
                       const char *path);
};

struct key_spec {
    const char *key;
    enum key_type type;
    size_t off;                 /* field offset from the record base */
    unsigned flags;             /* KF_* */
    double min, max;            /* K_UINT, K_REAL ranges (inclusive) */
    const char *const *names;   /* K_ENUM names, NULL-terminated (index = value) */
    const struct flag_name *fl; /* K_FLAGS, NULL-terminated by name */
    const struct record *rec;   /* K_LIST element, K_SECTION keys */
    size_t count_off;           /* K_LIST, K_PROPS, K_SWEEP: size_t count offset */
    size_t enabled_off;         /* K_SECTION: bool set when given, or NO_ENABLED */
    const char *help;
    const char *example;
    const char *def_doc; /* the default as documented, when not a plain value */
    unsigned proto;      /* K_SECTION of protocol proto - 1's own keys (0: not one) */
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define REC(k, sz, in)                                                                             \
    {                                                                                              \
        .keys = (k), .nkeys = COUNT(k), .size = (sz), .init = (in)                                 \
    }

_Static_assert(sizeof(enum hb_topology) == sizeof(unsigned), "enums are stored as unsigned");
_Static_assert(sizeof(enum prop_op) == sizeof(unsigned), "enums are stored as unsigned");

/* ---- the resolver context and diagnostics ---- */

struct rctx {
    const struct scenario_doc *doc;
    struct diag *d;
    struct scenario *sc;
    uint32_t nodes; /* node indices must be below this; UINT32_MAX when cluster.nodes is bad */
};

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static void
err(struct rctx *c, const struct ynode *at, const char *path, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    const char *file = c->doc->files[at ? at->file : 0];
    diag_error(c->d, file, at ? at->line : 0, at ? at->col : 0, path, "%s", msg);
}

static void did_you_mean(char *buf, size_t len, const char *word, const char *const *cands,
                         size_t n)
{
    const char *s = suggest_closest(word, cands, n);
    if (s)
        snprintf(buf, len, "; did you mean '%s'?", s);
    else
        buf[0] = '\0';
}

static const char *kind_name(const struct ynode *n)
{
    return n->kind == YNODE_SEQ ? "a list" : n->kind == YNODE_MAP ? "a mapping" : "a scalar";
}

/* snprintf for key paths: a path too long for its buffer is cut, never overflowed. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void
path_printf(char *out, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, len, fmt, ap);
    va_end(ap);
}

static void join(char *out, size_t len, const char *path, const char *key)
{
    path_printf(out, len, "%s%s%s", path, *path ? "." : "", key);
}

/* ---- scalar parsing ---- */

static bool scalar(struct rctx *c, const struct ynode *n, const char *path, const char *what)
{
    if (n->kind == YNODE_SCALAR)
        return true;
    err(c, n, path, "expected %s, got %s", what, kind_name(n));
    return false;
}

static bool parse_u64(const char *s, uint64_t *out)
{
    if (!*s || strspn(s, "0123456789") != strlen(s))
        return false;
    errno = 0;
    unsigned long long v = strtoull(s, NULL, 10);
    *out = v;
    return errno == 0;
}

static bool parse_double(const char *s, double *out)
{
    char *end;
    if (!*s || strchr(" \t", s[0]))
        return false;
    errno = 0;
    double v = strtod(s, &end);
    if (*end || errno || !isfinite(v))
        return false;
    *out = v;
    return true;
}

/* Shortest text that reads back as exactly v. */
static void format_real(double v, char *buf, size_t len)
{
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

static bool get_node_index(struct rctx *c, const struct ynode *n, const char *path, uint32_t *out)
{
    uint64_t v;
    if (!scalar(c, n, path, "a node index"))
        return false;
    if (!parse_u64(n->text, &v) || v > UINT32_MAX) {
        err(c, n, path, "expected a node index (0, 1, ...), got '%s'", n->text);
        return false;
    }
    if (c->nodes != UINT32_MAX && v >= c->nodes) {
        err(c, n, path, "node %" PRIu64 " does not exist (cluster.nodes is %u: nodes 0..%u)", v,
            c->nodes, c->nodes - 1);
        return false;
    }
    *out = (uint32_t)v;
    return true;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* A node id where a list gives it: duplicates are found by sorting, O(n log n). */
struct placed_id {
    uint64_t id;
    size_t group; /* partition group (0 elsewhere) */
    size_t pos;   /* reading order */
    const struct ynode *at;
};

static int cmp_placed(const void *a, const void *b)
{
    const struct placed_id *x = a, *y = b;
    if (x->id != y->id)
        return (x->id > y->id) - (x->id < y->id);
    return (x->pos > y->pos) - (x->pos < y->pos);
}

static void get_node_set(struct rctx *c, const struct ynode *n, const char *path,
                         struct node_set *s)
{
    free(s->ids);
    s->ids = NULL;
    s->n = 0;
    if (n->kind == YNODE_MAP) {
        err(c, n, path, "expected a node or a list of nodes, got a mapping");
        return;
    }
    size_t count = n->kind == YNODE_SEQ ? n->n : 1;
    s->ids = xreallocarray(NULL, count ? count : 1, sizeof(*s->ids));
    struct placed_id *seen = xreallocarray(NULL, count ? count : 1, sizeof(*seen));
    for (size_t i = 0; i < count; i++) {
        const struct ynode *item = n->kind == YNODE_SEQ ? n->kids[i] : n;
        uint32_t id;
        if (!get_node_index(c, item, path, &id))
            continue;
        seen[s->n] = (struct placed_id){.id = id, .pos = i, .at = item};
        s->ids[s->n++] = id;
    }
    qsort(seen, s->n, sizeof(*seen), cmp_placed);
    for (uint32_t j = 1; j < s->n; j++)
        if (seen[j].id == seen[j - 1].id)
            err(c, seen[j].at, path, "node %" PRIu64 " is listed twice", seen[j].id);
    free(seen);
    qsort(s->ids, s->n, sizeof(*s->ids), cmp_u32);
    uint32_t w = 0;
    for (uint32_t i = 0; i < s->n; i++)
        if (!w || s->ids[w - 1] != s->ids[i])
            s->ids[w++] = s->ids[i];
    s->n = w;
}

/* ---- values by type ---- */

static void get_dist(struct rctx *c, const struct key_spec *k, const struct ynode *n,
                     const char *path, struct dist *out);
static void resolve_record(struct rctx *c, const struct record *rec, void *base,
                           const struct ynode *map, const char *path);
static void get_list(struct rctx *c, const struct key_spec *k, void *field, const struct ynode *n,
                     const char *path, void *base);
static void get_props(struct rctx *c, const struct ynode *n, const char *path, struct kv **out,
                      size_t *count);
static void get_groups(struct rctx *c, const struct ynode *n, const char *path,
                       struct partition_spec *p);
static void get_mix(struct rctx *c, const struct ynode *n, const char *path, double *mix);
static void get_sweep(struct rctx *c, const struct ynode *n, const char *path,
                      struct sweep_param **out, size_t *count);
static void get_quorum(struct rctx *c, const struct ynode *n, const char *path,
                       struct quorum_spec *q);

static void get_bool(struct rctx *c, const struct ynode *n, const char *path, bool *out)
{
    if (!scalar(c, n, path, "true or false"))
        return;
    if (!strcmp(n->text, "true"))
        *out = true;
    else if (!strcmp(n->text, "false"))
        *out = false;
    else
        err(c, n, path, "expected true or false, got '%s'", n->text);
}

static void get_uint(struct rctx *c, const struct key_spec *k, const struct ynode *n,
                     const char *path, uint32_t *out)
{
    uint64_t v;
    if (!scalar(c, n, path, "a whole number"))
        goto bad;
    if (!parse_u64(n->text, &v)) {
        err(c, n, path, "expected a whole number, got '%s'", n->text);
        goto bad;
    }
    if ((double)v < k->min || (double)v > k->max) {
        err(c, n, path, "%s is out of range [%.0f, %.0f]", n->text, k->min, k->max);
        goto bad;
    }
    *out = (uint32_t)v;
    if (k->flags & KF_NODECOUNT)
        c->nodes = *out;
    return;
bad:
    if (k->flags & KF_NODECOUNT)
        c->nodes = UINT32_MAX;
}

static void get_real(struct rctx *c, const struct key_spec *k, const struct ynode *n,
                     const char *path, double *out)
{
    double v;
    bool prob = k->type == K_PROB;
    if (!scalar(c, n, path, prob ? "a probability" : "a number"))
        return;
    if (!parse_double(n->text, &v)) {
        err(c, n, path, "expected %s, got '%s'", prob ? "a probability in [0, 1]" : "a number",
            n->text);
        return;
    }
    double lo = prob ? 0.0 : k->min, hi = prob ? 1.0 : k->max;
    if (prob && (v < lo || v > hi))
        err(c, n, path, "probability %s is not in [0, 1]", n->text);
    else if ((k->flags & KF_POSITIVE) && !(v > 0.0))
        err(c, n, path, "must be greater than 0, got %s", n->text);
    else if (v < lo || v > hi)
        err(c, n, path, "%s is out of range [%g, %g]", n->text, lo, hi);
    else
        *out = v == 0.0 ? 0.0 : v; /* -0 is 0 (it printed as -0 in resolved files) */
}

static void get_duration(struct rctx *c, const struct key_spec *k, const struct ynode *n,
                         const char *path, sim_time *out)
{
    char why[160];
    sim_time t;
    if (!scalar(c, n, path, "a duration (e.g. 20ms)"))
        return;
    if ((k->flags & KF_NEVER) && !strcmp(n->text, "never")) {
        *out = SIM_TIME_MAX;
        return;
    }
    if (!sim_time_parse(n->text, &t, why, sizeof(why)))
        err(c, n, path, "%s", why);
    else if (t > SCENARIO_MAX_DURATION)
        err(c, n, path, "duration '%s' is longer than the maximum %s (10 years)", n->text,
            SCENARIO_MAX_DURATION_TEXT);
    else if ((k->flags & KF_POSITIVE) && t == 0)
        err(c, n, path, "must be greater than 0s");
    else
        *out = t;
}

/* "a, b, c" from n names (truncated to len). */
static void join_names(char *buf, size_t len, const char *const *names, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "", names[i]);
}

static void get_enum(struct rctx *c, const struct key_spec *k, const struct ynode *n,
                     const char *path, unsigned *out)
{
    size_t count = 0;
    while (k->names[count])
        count++;
    if (!scalar(c, n, path, "a name"))
        return;
    for (size_t i = 0; i < count; i++)
        if (!strcmp(n->text, k->names[i])) {
            *out = (unsigned)i;
            return;
        }
    char hint[96], allowed[256];
    did_you_mean(hint, sizeof(hint), n->text, k->names, count);
    join_names(allowed, sizeof(allowed), k->names, count);
    err(c, n, path, "'%s' is not one of the allowed values (%s)%s", n->text, allowed, hint);
}

static void get_flags(struct rctx *c, const struct key_spec *k, const struct ynode *n,
                      const char *path, char *base)
{
    const char *cands[8];
    size_t count = 0;
    for (; k->fl[count].name; count++)
        cands[count] = k->fl[count].name;
    if (n->kind != YNODE_SEQ) {
        err(c, n, path, "expected a list such as [%s], got %s", cands[0], kind_name(n));
        return;
    }
    for (size_t i = 0; i < count; i++)
        *(bool *)(base + k->fl[i].off) = false;
    for (size_t i = 0; i < n->n; i++) {
        const struct ynode *item = n->kids[i];
        if (!scalar(c, item, path, "a name"))
            continue;
        size_t j = 0;
        while (j < count && strcmp(item->text, cands[j]))
            j++;
        if (j < count) {
            *(bool *)(base + k->fl[j].off) = true;
            continue;
        }
        char hint[96], allowed[256];
        did_you_mean(hint, sizeof(hint), item->text, cands, count);
        join_names(allowed, sizeof(allowed), cands, count);
        err(c, item, path, "'%s' is not one of the allowed values (%s)%s", item->text, allowed,
            hint);
    }
}

static void get_string(struct rctx *c, const struct ynode *n, const char *path, char **out)
{
    if (!scalar(c, n, path, "a string"))
        return;
    free(*out);
    *out = xstrdup(n->text);
}

static void get_value(struct rctx *c, const struct key_spec *k, char *base, const struct ynode *n,
                      const char *path)
{
    void *field = base + k->off;
    switch (k->type) {
    case K_BOOL:
        get_bool(c, n, path, field);
        return;
    case K_UINT:
        get_uint(c, k, n, path, field);
        return;
    case K_U64:
        if (scalar(c, n, path, "a whole number") && !parse_u64(n->text, field))
            err(c, n, path, "expected a whole number in [0, 2^64-1], got '%s'", n->text);
        return;
    case K_PROB:
    case K_REAL:
        if ((k->flags & KF_INHERIT) && n->kind == YNODE_SCALAR && !strcmp(n->text, "inherit"))
            *(double *)field = -1.0;
        else
            get_real(c, k, n, path, field);
        return;
    case K_DURATION:
        get_duration(c, k, n, path, field);
        return;
    case K_DIST:
        get_dist(c, k, n, path, field);
        return;
    case K_QUORUM:
        get_quorum(c, n, path, field);
        return;
    case K_NODE:
        get_node_index(c, n, path, field);
        return;
    case K_NODES:
        get_node_set(c, n, path, field);
        return;
    case K_PROPOSER:
        if (n->kind == YNODE_SCALAR && !strcmp(n->text, "random"))
            *(uint32_t *)field = WORKLOAD_RANDOM_PROPOSER;
        else
            get_node_index(c, n, path, field);
        return;
    case K_ENUM:
        get_enum(c, k, n, path, field);
        return;
    case K_STRING:
        get_string(c, n, path, field);
        return;
    case K_FLAGS:
        get_flags(c, k, n, path, base);
        return;
    case K_LIST:
        get_list(c, k, field, n, path, base);
        return;
    case K_SECTION:
        if (k->enabled_off != NO_ENABLED)
            *(bool *)(base + k->enabled_off) = true;
        resolve_record(c, k->rec, field, n, path);
        return;
    case K_PROPS:
        get_props(c, n, path, field, (size_t *)(base + k->count_off));
        return;
    case K_GROUPS:
        get_groups(c, n, path, (struct partition_spec *)base);
        return;
    case K_MIX:
        get_mix(c, n, path, field);
        return;
    case K_SWEEP:
        get_sweep(c, n, path, field, (size_t *)(base + k->count_off));
        return;
    }
}

/* ---- composite values ---- */

static void get_quorum(struct rctx *c, const struct ynode *n, const char *path,
                       struct quorum_spec *q)
{
    if (!scalar(c, n, path, "a quorum (majority, all, k or a fraction like 2/3)"))
        return;
    const char *t = n->text;
    const char *slash = strchr(t, '/');
    uint64_t a, b;
    struct quorum_spec v = {0};
    if (!strcmp(t, "majority")) {
        v.kind = QUORUM_MAJORITY;
    } else if (!strcmp(t, "all")) {
        v.kind = QUORUM_ALL;
    } else if (parse_u64(t, &a) && a >= 1 && a <= UINT32_MAX) {
        v = (struct quorum_spec){.kind = QUORUM_COUNT, .count = (uint32_t)a};
    } else if (slash) {
        char *num = xstrndup(t, (size_t)(slash - t));
        bool ok = parse_u64(num, &a) && parse_u64(slash + 1, &b);
        free(num);
        if (!ok || a == 0 || b == 0 || a > b || b > UINT32_MAX) {
            err(c, n, path, "fraction '%s' must be a/b with 0 < a <= b", t);
            return;
        }
        v = (struct quorum_spec){.kind = QUORUM_FRACTION, .num = (uint32_t)a, .den = (uint32_t)b};
    } else {
        err(c, n, path, "expected majority, all, a count k >= 1 or a fraction like 2/3, got '%s'",
            t);
        return;
    }
    if (c->nodes != UINT32_MAX && quorum_size(&v, c->nodes) > c->nodes) {
        err(c, n, path, "quorum %u is larger than the cluster (cluster.nodes is %u)",
            quorum_size(&v, c->nodes), c->nodes);
        return;
    }
    *q = v;
}

/* A path given in the scenario file (origin 0), relative: relative to that file's folder,
 * made absolute, so scenario.resolved.yaml reproduces the run from any working folder (it
 * named the path as written, which then resolved against wherever the rerun started). A
 * path from --set or a sweep stays relative to the working folder, as a shell's would. */
static char *path_from_file(const struct scenario_doc *doc, unsigned file, const char *text)
{
    if (file != 0 || text[0] == '/' || !*text || doc->nfiles == 0)
        return xstrdup(text);
    const char *base = doc->files[0];
    const char *slash = strrchr(base, '/');
    size_t dirlen = slash ? (size_t)(slash - base) : 0;
    char cwd[4096] = "";
    if ((!slash || base[0] != '/') && !getcwd(cwd, sizeof(cwd)))
        return xstrdup(text); /* no working folder to anchor to: leave it as written */
    size_t len = strlen(cwd) + dirlen + strlen(text) + 3;
    char *out = xmalloc(len);
    if (!slash)
        snprintf(out, len, "%s/%s", cwd, text);
    else if (base[0] == '/')
        snprintf(out, len, "%.*s/%s", (int)dirlen, base, text);
    else
        snprintf(out, len, "%s/%.*s/%s", cwd, (int)dirlen, base, text);
    return out;
}

static void get_dist(struct rctx *c, const struct key_spec *k, const struct ynode *n,
                     const char *path, struct dist *out)
{
    char why[256], sub[256];
    sim_time t;
    if ((k->flags & (KF_INHERIT | KF_NONE)) && n->kind == YNODE_SCALAR &&
        !strcmp(n->text, (k->flags & KF_NONE) ? "none" : "inherit")) {
        dist_fini(out);
        memset(out, 0, sizeof(*out));
        return;
    }
    if (n->kind == YNODE_SCALAR && sim_time_parse(n->text, &t, NULL, 0)) {
        dist_fini(out);
        if (!(k->flags & KF_MEAN)) {
            dist_init_constant(out, t);
            return;
        }
        dist_init(out, dist_find("exponential"));
        if (!dist_set_param(out, "mean", n->text, why, sizeof(why)) ||
            !dist_check(out, why, sizeof(why)))
            err(c, n, path, "%s", why);
        return;
    }
    if (n->kind == YNODE_SCALAR) { /* not a duration: say why, and what a distribution is */
        sim_time_parse(n->text, &t, why, sizeof(why));
        err(c, n, path,
            "%s; a bare duration such as 5ms is %s, any other distribution a mapping such as "
            "{dist: lognormal, median: 20ms, sigma: 0.5}",
            why, (k->flags & KF_MEAN) ? "the mean of an exponential" : "a constant");
        return;
    }
    if (n->kind != YNODE_MAP) {
        err(c, n, path, "expected a distribution such as {dist: constant, value: 5ms}, got %s",
            kind_name(n));
        return;
    }
    struct ynode *keynode;
    const struct ynode *fam = ynode_get(n, "dist", &keynode);
    if (!fam) {
        err(c, n, path, "missing key 'dist' (the family: constant, lognormal, ...)");
        return;
    }
    join(sub, sizeof(sub), path, "dist");
    if (!scalar(c, fam, sub, "a distribution family"))
        return;
    const struct dist_ops *ops = dist_find(fam->text);
    if (!ops) {
        const char *names[16];
        size_t count = 0;
        for (; dist_families[count] && count < COUNT(names); count++)
            names[count] = dist_families[count]->name;
        did_you_mean(why, sizeof(why), fam->text, names, count);
        err(c, fam, sub, "unknown distribution '%s'%s", fam->text, why);
        return;
    }
    struct dist d;
    dist_init(&d, ops);
    bool ok = true, given[DIST_MAX_PARAMS] = {false};
    for (size_t i = 0; i < n->n; i++) {
        const struct ynode *key = n->kids[2 * i], *val = n->kids[2 * i + 1];
        if (!strcmp(key->text, "dist"))
            continue;
        join(sub, sizeof(sub), path, key->text);
        size_t p = 0;
        while (p < ops->nparams && strcmp(ops->params[p].name, key->text))
            p++;
        if (p == ops->nparams) {
            const char *names[DIST_MAX_PARAMS];
            for (size_t j = 0; j < ops->nparams; j++)
                names[j] = ops->params[j].name;
            did_you_mean(why, sizeof(why), key->text, names, ops->nparams);
            err(c, key, sub, "%s has no parameter '%s'%s", ops->name, key->text, why);
            ok = false;
            continue;
        }
        given[p] = true;
        if (!scalar(c, val, sub, "a parameter value")) {
            ok = false;
        } else {
            char *text = ops->params[p].kind == DIST_PARAM_PATH
                             ? path_from_file(c->doc, val->file, val->text)
                             : xstrdup(val->text);
            if (!dist_set_param(&d, key->text, text, why, sizeof(why))) {
                err(c, val, sub, "%s", why);
                ok = false;
            }
            free(text);
        }
    }
    for (size_t p = 0; p < ops->nparams; p++)
        if (ops->params[p].required && !given[p]) {
            err(c, n, path, "%s needs parameter '%s' (%s)", ops->name, ops->params[p].name,
                ops->params[p].help);
            ok = false;
        }
    if (ok && !dist_check(&d, why, sizeof(why))) {
        err(c, n, path, "%s", why);
        ok = false;
    }
    if (!ok) {
        dist_fini(&d);
        return;
    }
    dist_fini(out);
    *out = d;
}

static void get_list(struct rctx *c, const struct key_spec *k, void *field, const struct ynode *n,
                     const char *path, void *base)
{
    char sub[256];
    size_t *count = (size_t *)((char *)base + k->count_off);
    if (n->kind != YNODE_SEQ) {
        err(c, n, path, "expected a list (- {...} items or []), got %s", kind_name(n));
        return;
    }
    const struct record *rec = k->rec;
    char *items = n->n ? xcalloc(n->n, rec->size) : NULL;
    for (size_t i = 0; i < n->n; i++)
        rec->init(items + i * rec->size);
    /* Store first so that scenario_fini releases whatever the elements own. */
    *(void **)field = items;
    *count = n->n;
    for (size_t i = 0; i < n->n; i++) {
        path_printf(sub, sizeof(sub), "%s[%zu]", path, i);
        if (n->kids[i]->kind != YNODE_MAP) {
            err(c, n->kids[i], sub, "expected a mapping ({key: value, ...}), got %s",
                kind_name(n->kids[i]));
            continue;
        }
        resolve_record(c, rec, items + i * rec->size, n->kids[i], sub);
    }
    if (rec->check_list)
        rec->check_list(c, items, n, path);
}

static void get_props(struct rctx *c, const struct ynode *n, const char *path, struct kv **out,
                      size_t *count)
{
    char sub[256];
    if (n->kind != YNODE_MAP) {
        err(c, n, path, "expected a property map such as {name: Ada}, got %s", kind_name(n));
        return;
    }
    struct kv *kv = n->n ? xcalloc(n->n, sizeof(*kv)) : NULL;
    size_t w = 0;
    for (size_t i = 0; i < n->n; i++) {
        const struct ynode *key = n->kids[2 * i], *val = n->kids[2 * i + 1];
        join(sub, sizeof(sub), path, key->text);
        if (!scalar(c, val, sub, "a scalar property value"))
            continue;
        kv[w].key = xstrdup(key->text);
        kv[w++].value = xstrdup(val->text);
    }
    *out = kv;
    *count = w;
}

static void get_groups(struct rctx *c, const struct ynode *n, const char *path,
                       struct partition_spec *p)
{
    char sub[256];
    if (n->kind != YNODE_SEQ || n->n == 0) {
        err(c, n, path, "expected a non-empty list of node lists such as [[0, 1], [2, 3, 4]]");
        return;
    }
    p->groups = xcalloc(n->n, sizeof(*p->groups));
    p->ngroups = (uint32_t)n->n;
    for (size_t g = 0; g < n->n; g++) {
        path_printf(sub, sizeof(sub), "%s[%zu]", path, g);
        get_node_set(c, n->kids[g], sub, &p->groups[g]);
    }
    /* Overlap: report at the later occurrence of a node already in an earlier group (sorted
     * by node, then reading order: O(n log n) for n listed nodes). */
    size_t total = 0, m = 0;
    for (size_t g = 0; g < n->n; g++)
        total += n->kids[g]->kind == YNODE_SEQ ? n->kids[g]->n : 1;
    struct placed_id *all = xreallocarray(NULL, total ? total : 1, sizeof(*all));
    for (size_t g = 0; g < n->n; g++) {
        const struct ynode *gn = n->kids[g];
        size_t count = gn->kind == YNODE_SEQ ? gn->n : 1;
        for (size_t i = 0; i < count; i++) {
            const struct ynode *item = gn->kind == YNODE_SEQ ? gn->kids[i] : gn;
            uint64_t id;
            if (item->kind == YNODE_SCALAR && parse_u64(item->text, &id))
                all[m] = (struct placed_id){.id = id, .group = g, .pos = m, .at = item}, m++;
        }
    }
    qsort(all, m, sizeof(*all), cmp_placed);
    for (size_t k = 1, first = 0; k < m; k++) {
        if (all[k].id != all[first].id) {
            first = k;
            continue;
        }
        if (all[k].group == all[first].group)
            continue; /* listed twice in one group: get_node_set said so */
        path_printf(sub, sizeof(sub), "%s[%zu]", path, all[k].group);
        err(c, all[k].at, sub,
            "node %" PRIu64 " is in groups %zu and %zu: partition groups must not overlap",
            all[k].id, all[first].group, all[k].group);
    }
    free(all);
}

static void get_mix(struct rctx *c, const struct ynode *n, const char *path, double *mix)
{
    static const char *const names[] = {
#define X(sym, name) name,
        PROP_OP_LIST(X)
#undef X
    };
    static const struct key_spec weight = {.type = K_REAL, .min = 0, .max = 1e300};
    char sub[256], hint[96];
    if (n->kind != YNODE_MAP) {
        err(c, n, path, "expected a map of weights such as {add_vertex: 1, add_edge: 2}");
        return;
    }
    for (size_t i = 0; i < PROP_OP_COUNT; i++)
        mix[i] = 0.0;
    double total = 0.0;
    for (size_t i = 0; i < n->n; i++) {
        const struct ynode *key = n->kids[2 * i];
        join(sub, sizeof(sub), path, key->text);
        size_t op = 0;
        while (op < PROP_OP_COUNT && strcmp(names[op], key->text))
            op++;
        if (op == PROP_OP_COUNT) {
            did_you_mean(hint, sizeof(hint), key->text, names, PROP_OP_COUNT);
            err(c, key, sub, "unknown operation '%s'%s", key->text, hint);
            continue;
        }
        get_real(c, &weight, n->kids[2 * i + 1], sub, &mix[op]);
        total += mix[op];
    }
    if (!(total > 0.0))
        err(c, n, path, "needs at least one positive weight");
}

/* ---- sweeps ---- */

static bool path_known(const char *path, char *hint, size_t hintlen);

/* {from, to, step}: expanded by sweep_range_expand, the one range expander (--set uses it too). */
static void expand_range(struct rctx *c, const struct ynode *n, const char *path,
                         struct sweep_param *p)
{
    static const char *const keys[] = {"from", "to", "step"};
    const struct ynode *v[3];
    for (size_t i = 0; i < 3; i++) {
        v[i] = ynode_get(n, keys[i], NULL);
        if (!v[i] || v[i]->kind != YNODE_SCALAR) {
            err(c, n, path, "a range needs scalar keys from, to and step");
            return;
        }
    }
    for (size_t i = 0; i < n->n; i++)
        if (strcmp(n->kids[2 * i]->text, "from") && strcmp(n->kids[2 * i]->text, "to") &&
            strcmp(n->kids[2 * i]->text, "step"))
            err(c, n->kids[2 * i], path, "unknown key '%s' in a range (from, to, step)",
                n->kids[2 * i]->text);
    char reason[256];
    size_t nvalues = 0;
    char **values = NULL;
    if (!sweep_range_expand(v[0]->text, v[1]->text, v[2]->text, &nvalues, &values, reason,
                            sizeof(reason))) {
        err(c, n, path, "%s", reason);
        return;
    }
    /* taken over whole (a range may have SWEEP_MAX_VALUES values: no copy, no regrowth) */
    assert(p->nvalues == 0);
    p->values = values;
    p->nvalues = nvalues;
}

static void get_sweep(struct rctx *c, const struct ynode *n, const char *path,
                      struct sweep_param **out, size_t *count)
{
    char sub[256], hint[128];
    if (n->kind != YNODE_MAP) {
        err(c, n, path,
            "expected a map from key path to values, e.g. "
            "{consensus.approval: [0.5, 0.9]}");
        return;
    }
    struct sweep_param *ps = n->n ? xcalloc(n->n, sizeof(*ps)) : NULL;
    *out = ps;
    *count = n->n;
    /*
     * Points so far: once past SWEEP_MAX_POINTS later ranges are not expanded, so a few lines
     * of ranges cannot ask for billions of value strings.
     */
    double points = 1.0;
    for (size_t i = 0; i < n->n; i++) {
        const struct ynode *key = n->kids[2 * i], *val = n->kids[2 * i + 1];
        ps[i].path = xstrdup(key->text);
        join(sub, sizeof(sub), path, key->text);
        if (!path_known(key->text, hint, sizeof(hint)))
            err(c, key, sub, "'%s' is not a scenario key%s", key->text, hint);
        else if (!strncmp(key->text, "sweep", 5))
            err(c, key, sub, "the sweep section itself cannot be swept");
        if (val->kind == YNODE_MAP) {
            if (points <= (double)SWEEP_MAX_POINTS)
                expand_range(c, val, sub, &ps[i]);
        } else if (val->kind == YNODE_SEQ && val->n > 0) {
            ps[i].values = xcalloc(val->n, sizeof(*ps[i].values));
            for (size_t j = 0; j < val->n; j++) {
                size_t len;
                FILE *f = open_memstream(&ps[i].values[j], &len);
                ynode_write_flow(val->kids[j], f);
                fclose(f);
            }
            ps[i].nvalues = val->n;
        } else {
            err(c, val, sub, "expected a non-empty list of values or {from, to, step}");
        }
        bool was_ok = points <= (double)SWEEP_MAX_POINTS;
        points *= ps[i].nvalues ? (double)ps[i].nvalues : 1.0;
        if (was_ok && points > (double)SWEEP_MAX_POINTS)
            err(c, val, sub, "the sweep has more than %u points (the product of the value counts)",
                SWEEP_MAX_POINTS);
    }
}

/* ---- records ---- */

static void check_unknown_keys(struct rctx *c, const struct record *rec, const struct ynode *map,
                               const char *path)
{
    const char *names[32];
    assert(rec->nkeys <= COUNT(names));
    for (size_t j = 0; j < rec->nkeys; j++)
        names[j] = rec->keys[j].key;
    for (size_t i = 0; i < map->n; i++) {
        const struct ynode *key = map->kids[2 * i];
        size_t j = 0;
        while (j < rec->nkeys && strcmp(key->text, names[j]))
            j++;
        if (j < rec->nkeys)
            continue;
        char sub[256], hint[96];
        join(sub, sizeof(sub), path, key->text);
        did_you_mean(hint, sizeof(hint), key->text, names, rec->nkeys);
        err(c, key, sub, "unknown key '%s'%s", key->text, hint);
    }
}

static void resolve_record(struct rctx *c, const struct record *rec, void *base,
                           const struct ynode *map, const char *path)
{
    if (map->kind != YNODE_MAP) {
        err(c, map, path, "expected a mapping of keys, got %s", kind_name(map));
        return;
    }
    check_unknown_keys(c, rec, map, path);
    for (size_t i = 0; i < rec->nkeys; i++) {
        const struct key_spec *k = &rec->keys[i];
        char sub[256];
        join(sub, sizeof(sub), path, k->key);
        const struct ynode *v = ynode_get(map, k->key, NULL);
        if (!v || ynode_is_null(v)) {
            if (k->flags & KF_REQUIRED)
                err(c, map, sub, "missing required key '%s' (%s)", k->key, k->help);
            continue;
        }
        get_value(c, k, base, v, sub);
    }
    if (rec->check)
        rec->check(c, base, map, path);
}

/* ---- cross-field checks with positions ---- */

static const struct ynode *at_key(const struct ynode *map, const char *key)
{
    const struct ynode *v = ynode_get(map, key, NULL);
    return v ? v : map;
}

static void check_crash(struct rctx *c, void *base, const struct ynode *map, const char *path)
{
    const struct crash_spec *cr = base;
    char sub[256];
    join(sub, sizeof(sub), path, "recover");
    if (cr->recover != SIM_TIME_MAX && cr->recover <= cr->at)
        err(c, at_key(map, "recover"), sub, "recovery must be later than the crash (at)");
}

/* Crash windows [at, recover) of one node must not overlap: the second crash of a node that
 * is already down would be dropped. Sorted by (node, at, position): O(n log n). */
struct crash_ref {
    uint32_t node;
    sim_time at;
    size_t i; /* position in the list */
};

static int crash_order(const void *a, const void *b)
{
    const struct crash_ref *x = a, *y = b;
    if (x->node != y->node)
        return x->node < y->node ? -1 : 1;
    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    return x->i < y->i ? -1 : 1;
}

static void check_crash_windows(struct rctx *c, const void *items, const struct ynode *seq,
                                const char *path)
{
    const struct crash_spec *cr = items;
    struct crash_ref *ref = seq->n ? xcalloc(seq->n, sizeof(*ref)) : NULL;
    for (size_t i = 0; i < seq->n; i++)
        ref[i] = (struct crash_ref){cr[i].node, cr[i].at, i};
    if (seq->n)
        qsort(ref, seq->n, sizeof(*ref), crash_order);
    for (size_t k = 1; k < seq->n; k++) {
        const struct crash_spec *prev = &cr[ref[k - 1].i], *next = &cr[ref[k].i];
        if (prev->node != next->node || next->at >= prev->recover)
            continue;
        char sub[256], from[SIM_TIME_BUFLEN], to[SIM_TIME_BUFLEN];
        path_printf(sub, sizeof(sub), "%s[%zu].at", path, ref[k].i);
        sim_time_format(prev->at, from);
        if (prev->recover == SIM_TIME_MAX)
            snprintf(to, sizeof(to), "the end");
        else
            sim_time_format(prev->recover, to);
        err(c, at_key(seq->kids[ref[k].i], "at"), sub,
            "node %u is already down from %s to %s (%s[%zu]); a node's crash windows must not "
            "overlap",
            next->node, from, to, path, ref[k - 1].i);
    }
    free(ref);
}

/* key has a value in map: a null value (`to:`, `to: ~`, `to: &a`) counts as not given. */
static bool given(const struct ynode *map, const char *key)
{
    const struct ynode *v = ynode_get(map, key, NULL);
    return v && !ynode_is_null(v);
}

/* A zone name given at key of map must be one of cluster.zones (resolved before any section
 * that names zones). */
static void check_zone_name(struct rctx *c, const char *name, const struct ynode *map,
                            const char *path, const char *key)
{
    char sub[256];
    if (!name || scenario_zone_index(c->sc, name) >= 0)
        return;
    join(sub, sizeof(sub), path, key);
    if (!c->sc->nzones) {
        err(c, at_key(map, key), sub, "no zones: cluster.zones is not given");
        return;
    }
    char hint[128] = "";
    const char **names = xreallocarray(NULL, c->sc->nzones, sizeof(*names));
    for (size_t z = 0; z < c->sc->nzones; z++)
        names[z] = c->sc->zones[z].name ? c->sc->zones[z].name : "";
    did_you_mean(hint, sizeof(hint), name, names, c->sc->nzones);
    free(names);
    err(c, at_key(map, key), sub, "no zone named '%s' in cluster.zones%s", name, hint);
}

static void check_partition(struct rctx *c, void *base, const struct ynode *map, const char *path)
{
    const struct partition_spec *p = base;
    char sub[256];
    join(sub, sizeof(sub), path, "heal");
    if (p->heal != SIM_TIME_MAX && p->heal <= p->at)
        err(c, at_key(map, "heal"), sub, "heal must be later than the cut (at)");
    if (given(map, "groups") == given(map, "isolate"))
        err(c, map, path, "a partition needs either 'groups' or 'isolate' (a zone), not %s",
            given(map, "groups") ? "both" : "neither");
    check_zone_name(c, p->isolate, map, path, "isolate");
}

/* A zone has a node list or a count, not both. */
static void check_zone(struct rctx *c, void *base, const struct ynode *map, const char *path)
{
    (void)base;
    if (given(map, "count") == given(map, "nodes"))
        err(c, map, path, "a zone needs either 'count' or 'nodes', not %s",
            given(map, "count") ? "both" : "neither");
}

/* Names are unique and every node is in exactly one zone. */
static void check_zones(struct rctx *c, const void *items, const struct ynode *seq,
                        const char *path)
{
    const struct zone_spec *z = items;
    char sub[256];
    uint32_t n = c->nodes == UINT32_MAX ? 0 : c->nodes;
    uint32_t *owner = xcalloc(n ? n : 1, sizeof(*owner)); /* zone + 1 of each node, 0: none */
    uint64_t counted = 0;
    for (size_t i = 0; i < seq->n; i++) {
        path_printf(sub, sizeof(sub), "%s[%zu]", path, i);
        for (size_t j = 0; j < i; j++)
            if (z[i].name && z[j].name && !strcmp(z[i].name, z[j].name))
                err(c, at_key(seq->kids[i], "name"), sub, "zone '%s' is already %s[%zu]", z[i].name,
                    path, j);
        for (uint32_t k = 0; k < z[i].nodes.n; k++) {
            uint32_t id = z[i].nodes.ids[k];
            if (id >= n)
                continue;
            if (owner[id])
                err(c, at_key(seq->kids[i], "nodes"), sub,
                    "node %u is already in zone '%s': a node is in exactly one zone", id,
                    z[owner[id] - 1].name ? z[owner[id] - 1].name : "?");
            else
                owner[id] = (uint32_t)i + 1;
        }
        counted += z[i].count;
    }
    uint64_t listed = 0;
    for (uint32_t id = 0; id < n; id++)
        listed += owner[id] != 0;
    if (n && listed + counted != n)
        err(c, seq, path,
            "the zones hold %llu nodes (%llu listed, %llu by count) but cluster.nodes is %u: "
            "every node is in exactly one zone",
            (unsigned long long)(listed + counted), (unsigned long long)listed,
            (unsigned long long)counted, n);
    free(owner);
}

/* A window's end (key; SIM_TIME_MAX: never) must come after its start `at`. */
static void check_later(struct rctx *c, const struct ynode *map, const char *path, const char *key,
                        sim_time at, sim_time end)
{
    char sub[256];
    join(sub, sizeof(sub), path, key);
    if (end != SIM_TIME_MAX && end <= at)
        err(c, at_key(map, key), sub, "%s must be later than the start (at)", key);
}

static void check_zone_latency(struct rctx *c, void *base, const struct ynode *map,
                               const char *path)
{
    const struct zone_latency *zl = base;
    check_zone_name(c, zl->from, map, path, "from");
    check_zone_name(c, zl->to, map, path, "to");
}

static void check_zone_crash(struct rctx *c, void *base, const struct ynode *map, const char *path)
{
    const struct zone_crash *zc = base;
    check_later(c, map, path, "recover", zc->at, zc->recover);
    check_zone_name(c, zc->zone, map, path, "zone");
}

static void check_zone_random(struct rctx *c, void *base, const struct ynode *map, const char *path)
{
    (void)base;
    if (!c->sc->nzones)
        err(c, map, path, "random zone outages need zones: cluster.zones is not given");
}

static void check_slow(struct rctx *c, void *base, const struct ynode *map, const char *path)
{
    const struct slow_spec *s = base;
    check_later(c, map, path, "end", s->at, s->end);
    if (!given(map, "nodes") && !given(map, "zone"))
        err(c, map, path, "a slow period needs 'nodes' or 'zone' (or both)");
    if (given(map, "service") == given(map, "factor"))
        err(c, map, path, "a slow period needs either 'service' or 'factor', not %s",
            given(map, "service") ? "both" : "neither");
    if (given(map, "factor") && !c->sc->service.ops)
        err(c, at_key(map, "factor"), path,
            "'factor' multiplies cluster.service, which is not given (use 'service')");
    check_zone_name(c, s->zone, map, path, "zone");
}

/* A node slow in two periods at once would need a rule for which one wins: refused. */
static void check_slow_windows(struct rctx *c, const void *items, const struct ynode *seq,
                               const char *path)
{
    const struct slow_spec *s = items;
    uint32_t *zone = scenario_zone_map(c->sc);
    char sub[256];
    for (size_t i = 0; i < seq->n; i++)
        for (size_t j = 0; j < i; j++) {
            if (s[i].at >= s[j].end || s[j].at >= s[i].end)
                continue;
            for (uint32_t node = 0; c->nodes != UINT32_MAX && node < c->nodes; node++) {
                bool in_i = scenario_node_selected(c->sc, &s[i].nodes, s[i].zone, zone, node);
                if (!in_i || !scenario_node_selected(c->sc, &s[j].nodes, s[j].zone, zone, node))
                    continue;
                path_printf(sub, sizeof(sub), "%s[%zu]", path, i);
                err(c, seq->kids[i], sub,
                    "node %u is already slow then (%s[%zu]): a node's slow periods must not "
                    "overlap",
                    node, path, j);
                break;
            }
        }
    free(zone);
}

static void check_clog(struct rctx *c, void *base, const struct ynode *map, const char *path)
{
    const struct clog_spec *cl = base;
    if (given(map, "end"))
        check_later(c, map, path, "end", cl->at, cl->end);
    if (!given(map, "from") && !given(map, "from_zone"))
        err(c, map, path, "a clog needs 'from' or 'from_zone' (or both)");
    if (!given(map, "to") && !given(map, "to_zone"))
        err(c, map, path, "a clog needs 'to' or 'to_zone' (or both)");
    check_zone_name(c, cl->from_zone, map, path, "from_zone");
    check_zone_name(c, cl->to_zone, map, path, "to_zone");
}

static void check_op(struct rctx *c, void *base, const struct ynode *map, const char *path)
{
    const struct op_spec *o = base;
    static const char *const need[PROP_OP_COUNT][4] = {
        [PROP_ADD_VERTEX] = {"id", "label"},    [PROP_ADD_EDGE] = {"from", "label", "to"},
        [PROP_REMOVE_VERTEX] = {"id"},          [PROP_REMOVE_EDGE] = {"from", "label", "to"},
        [PROP_SET_PROPERTY] = {"key", "value"},
    };
    if (!given(map, "op"))
        return;
    for (size_t i = 0; i < 4 && need[o->op][i]; i++)
        if (!given(map, need[o->op][i]))
            err(c, map, path, "%s needs key '%s'", prop_op_name(o->op), need[o->op][i]);
    if (o->op == PROP_SET_PROPERTY && !o->id && !(o->from && o->label && o->to))
        err(c, map, path, "set_property needs a vertex (id) or an edge (from, label, to)");
    if (o->at >= c->sc->duration)
        err(c, at_key(map, "at"), path,
            "submission time is not before the end of the run "
            "(duration)");
}

static const struct ynode *list_item(const struct ynode *section, const char *key, size_t i)
{
    const struct ynode *list = ynode_get(section, key, NULL);
    return list && list->kind == YNODE_SEQ && i < list->n ? list->kids[i] : section;
}

/* Vertex indices by (id, index); entries without an id (already reported) are left out. */
static int cmp_vertex_at(const void *a, const void *b, void *arg)
{
    const struct vertex_spec *v = arg;
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    int c = strcmp(v[x].id, v[y].id);
    return c ? c : (x > y) - (x < y);
}

static bool has_vertex(const struct scenario *sc, const size_t *by_id, size_t n, const char *id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(sc->graph.vertices[by_id[mid]].id, id);
        if (c == 0)
            return true;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

static int cmp_edge_at(const void *a, const void *b, void *arg)
{
    const struct edge_spec *e = arg;
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    int c = strcmp(e[x].from, e[y].from);
    if (!c)
        c = strcmp(e[x].label, e[y].label);
    if (!c)
        c = strcmp(e[x].to, e[y].to);
    return c ? c : (x > y) - (x < y);
}

/* Vertex ids are unique, edges (from, label, to) too, and edges join listed vertices; by
 * sorting, O(n log n) (the pairwise checks took 8-10 s for 80,000 vertices). */
static void check_graph(struct rctx *c, void *base, const struct ynode *map, const char *path)
{
    const struct scenario *sc = base;
    char sub[256];
    size_t nv = 0, ne = 0;
    size_t *by_id = xreallocarray(NULL, sc->graph.nvertices + 1, sizeof(*by_id));
    for (size_t i = 0; i < sc->graph.nvertices; i++)
        if (sc->graph.vertices[i].id)
            by_id[nv++] = i;
    qsort_r(by_id, nv, sizeof(*by_id), cmp_vertex_at, sc->graph.vertices);
    for (size_t k = 1, first = 0; k < nv; k++) {
        const struct vertex_spec *v = sc->graph.vertices;
        if (strcmp(v[by_id[k]].id, v[by_id[first]].id) != 0) {
            first = k;
            continue;
        }
        size_t i = by_id[k];
        path_printf(sub, sizeof(sub), "%s.vertices[%zu].id", path, i);
        err(c, at_key(list_item(map, "vertices", i), "id"), sub,
            "vertex '%s' is defined twice (first at vertices[%zu])", v[i].id, by_id[first]);
    }
    size_t *edges = xreallocarray(NULL, sc->graph.nedges + 1, sizeof(*edges));
    for (size_t i = 0; i < sc->graph.nedges; i++) {
        const struct edge_spec *e = &sc->graph.edges[i];
        if (e->from && e->label && e->to)
            edges[ne++] = i;
    }
    qsort_r(edges, ne, sizeof(*edges), cmp_edge_at, sc->graph.edges);
    for (size_t k = 1, first = 0; k < ne; k++) {
        const struct edge_spec *a = &sc->graph.edges[edges[k]], *f = &sc->graph.edges[edges[first]];
        if (strcmp(a->from, f->from) || strcmp(a->label, f->label) || strcmp(a->to, f->to)) {
            first = k;
            continue;
        }
        path_printf(sub, sizeof(sub), "%s.edges[%zu]", path, edges[k]);
        err(c, list_item(map, "edges", edges[k]), sub,
            "edge %s -[%s]-> %s is defined twice (first at edges[%zu])", a->from, a->label, a->to,
            edges[first]);
    }
    free(edges);
    for (size_t i = 0; i < sc->graph.nedges; i++) {
        const struct edge_spec *e = &sc->graph.edges[i];
        const char *ends[2] = {e->from, e->to}, *names[2] = {"from", "to"};
        for (int k = 0; k < 2; k++) {
            if (!ends[k] || has_vertex(sc, by_id, nv, ends[k]))
                continue;
            path_printf(sub, sizeof(sub), "%s.edges[%zu].%s", path, i, names[k]);
            err(c, at_key(list_item(map, "edges", i), names[k]), sub,
                "vertex '%s' does not exist in graph.vertices", ends[k]);
        }
    }
    free(by_id);
}

/* ---- element defaults ---- */

static void link_init(void *p)
{
    struct link_override *l = p;
    l->symmetric = true;
    l->loss = -1.0;
}

static void crash_init(void *p)
{
    struct crash_spec *cr = p;
    cr->recover = SIM_TIME_MAX;
}

static void partition_init(void *p)
{
    struct partition_spec *pa = p;
    pa->heal = SIM_TIME_MAX;
}

static void link_init_zone(void *p)
{
    ((struct zone_latency *)p)->symmetric = true;
}

static void zone_crash_init(void *p)
{
    ((struct zone_crash *)p)->recover = SIM_TIME_MAX;
}

static void slow_init(void *p)
{
    ((struct slow_spec *)p)->end = SIM_TIME_MAX;
}

static void clog_init(void *p)
{
    ((struct clog_spec *)p)->symmetric = true;
}

static void zero_init(void *p)
{
    (void)p; /* xcalloc'ed: every field is already 0/NULL/false */
}

/* ---- the tables ---- */

#define S(field) offsetof(struct scenario, field)

static const char *const topology_names[] = {"all", "ring", "random", NULL};
/* ---- the protocols' own sections, consensus.<name>, made from their parameter tables ---- */

static const char *protocol_names[CONSENSUS_PROTOCOLS_MAX + 1];
static struct key_spec proto_keys[CONSENSUS_PROTOCOLS_MAX][CONSENSUS_PARAMS_MAX];
static struct record proto_records[CONSENSUS_PROTOCOLS_MAX];
#define ENUM_CHOICES_MAX 8
static const char *enum_names[CONSENSUS_PROTOCOLS_MAX][CONSENSUS_PARAMS_MAX][ENUM_CHOICES_MAX + 1];
static char enum_text[CONSENSUS_PROTOCOLS_MAX][CONSENSUS_PARAMS_MAX][128];

static void proto_key_init(size_t p, size_t i, const struct consensus_param *cp)
{
    struct key_spec *k = &proto_keys[p][i];
    size_t base = i * sizeof(struct proto_param);
    *k = (struct key_spec){.key = cp->key, .help = cp->help, .example = cp->def};
    switch (cp->type) {
    case CPARAM_BOOL:
        k->type = K_BOOL;
        k->off = base + offsetof(struct proto_param, b);
        break;
    case CPARAM_UINT:
        k->type = K_UINT;
        k->off = base + offsetof(struct proto_param, u);
        k->min = cp->min;
        k->max = cp->max;
        break;
    case CPARAM_REAL:
        k->type = cp->min >= 0 && cp->max <= 1 ? K_PROB : K_REAL;
        k->off = base + offsetof(struct proto_param, r);
        k->min = cp->min;
        k->max = cp->max;
        break;
    case CPARAM_DURATION:
        k->type = K_DURATION;
        k->off = base + offsetof(struct proto_param, t);
        k->flags = cp->min > 0 ? KF_POSITIVE : 0;
        break;
    case CPARAM_ENUM: {
        k->type = K_ENUM;
        k->off = base + offsetof(struct proto_param, e);
        snprintf(enum_text[p][i], sizeof(enum_text[p][i]), "%s", cp->choices);
        size_t n = 0;
        for (char *save = NULL, *t = strtok_r(enum_text[p][i], "|", &save);
             t && n < ENUM_CHOICES_MAX; t = strtok_r(NULL, "|", &save))
            enum_names[p][i][n++] = t;
        k->names = enum_names[p][i];
        break;
    }
    case CPARAM_DIST:
        k->type = K_DIST;
        k->off = base + offsetof(struct proto_param, d);
        break;
    }
}

static struct key_spec consensus_keys[8 + CONSENSUS_PROTOCOLS_MAX]; /* defined below */
static struct record consensus_record;

/* consensus.protocol's names and every protocol's section keys, made once. */
static void protocols_init(void)
{
    static bool done;
    if (done)
        return;
    done = true;
    for (size_t p = 0; consensus_protocols[p]; p++) {
        const struct consensus_ops *ops = consensus_protocols[p];
        assert(p < CONSENSUS_PROTOCOLS_MAX && ops->nparams <= CONSENSUS_PARAMS_MAX);
        protocol_names[p] = ops->name;
        for (uint32_t i = 0; i < ops->nparams; i++)
            proto_key_init(p, i, &ops->params[i]);
        proto_records[p] = (struct record){.keys = proto_keys[p], .nkeys = ops->nparams};
        if (!ops->nparams) /* no section for a protocol without parameters (quorum-vote) */
            continue;
        consensus_keys[consensus_record.nkeys++] = (struct key_spec){
            .key = ops->name,
            .type = K_SECTION,
            .off = offsetof(struct scenario, consensus.params[p]),
            .rec = &proto_records[p],
            .enabled_off = NO_ENABLED,
            .help = "the protocol's own keys (used when consensus.protocol selects it)",
            .proto = (unsigned)p + 1};
    }
}
static const char *const op_names[] = {
#define X(sym, name) name,
    PROP_OP_LIST(X)
#undef X
        NULL};

#define ZN(field) offsetof(struct zone_spec, field)
static const struct key_spec zone_keys[] = {
    {"name", K_STRING, ZN(name), KF_REQUIRED, .help = "the zone's name (unique)", .example = "eu"},
    {"count", K_UINT, ZN(count), KF_OMIT_EMPTY, .min = 1, .max = 10000000,
     .help = "how many nodes (instead of `nodes`)", .example = "3", .def_doc = "—"},
    {"nodes", K_NODES, ZN(nodes), KF_OMIT_EMPTY, .help = "its nodes (instead of `count`)",
     .example = "[3, 4]"},
};
static const struct record zone_record = {zone_keys, COUNT(zone_keys), sizeof(struct zone_spec),
                                          zero_init, check_zone,       check_zones};

static const struct key_spec cluster_keys[] = {
    {"nodes", K_UINT, S(nodes), KF_NODECOUNT, .min = 1, .max = 10000000,
     .help = "number of nodes (indices 0..nodes-1)", .example = "5"},
    {"quorum", K_QUORUM, S(consensus.quorum),
     .help = "YES votes a proposal needs: majority "
             "(n/2+1), all, a count k or a fraction a/b of n rounded up",
     .example = "2/3"},
    {"zones", K_LIST, S(zones), KF_OMIT_EMPTY, .rec = &zone_record, .count_off = S(nzones),
     .help = "failure domains: every node in exactly one zone, given by a node list or by a "
             "count (a count takes the lowest nodes no listed zone holds, in list order)",
     .example = "[{name: us, count: 3}, {name: eu, count: 2}]"},
    {"service", K_DIST, S(service), KF_NONE | KF_OMIT_EMPTY,
     .help = "processing time of each protocol message at its receiver: a node serves one "
             "message at a time in arrival order (a FIFO single-server queue), so overload "
             "shows as latency; `none` (default): messages are handled on arrival",
     .example = "{dist: exponential, mean: 2ms}"},
};

#define LINK(field) offsetof(struct link_override, field)
static const struct key_spec link_keys[] = {
    {"from", K_NODES, LINK(from), KF_REQUIRED, .help = "sending node(s)", .example = "[0, 1]"},
    {"to", K_NODES, LINK(to), KF_REQUIRED, .help = "receiving node(s)", .example = "4"},
    {"latency", K_DIST, LINK(latency), KF_INHERIT,
     .help = "latency on these links (`inherit`: network.latency)",
     .example = "{dist: constant, value: 80ms}"},
    {"loss", K_PROB, LINK(loss), KF_INHERIT,
     .help = "loss probability on these links (`inherit`: network.loss)", .example = "0.1"},
    {"symmetric", K_BOOL, LINK(symmetric), .help = "also applies from `to` to `from`",
     .example = "false"},
};
static const struct record link_record = REC(link_keys, sizeof(struct link_override), link_init);

#define ZL(field) offsetof(struct zone_latency, field)
static const struct key_spec zone_latency_keys[] = {
    {"from", K_STRING, ZL(from), KF_REQUIRED, .help = "sending zone", .example = "us"},
    {"to", K_STRING, ZL(to), KF_REQUIRED, .help = "receiving zone (the same: inside the zone)",
     .example = "eu"},
    {"latency", K_DIST, ZL(latency), KF_REQUIRED, .help = "latency between these zones",
     .example = "{dist: lognormal, median: 40ms, sigma: 0.2}"},
    {"symmetric", K_BOOL, ZL(symmetric), .help = "also applies from `to` to `from`",
     .example = "false"},
};
static const struct record zone_latency_record = {
    zone_latency_keys, COUNT(zone_latency_keys), sizeof(struct zone_latency),
    link_init_zone,    check_zone_latency,       NULL};

static const struct key_spec network_keys[] = {
    {"latency", K_DIST, S(network.latency),
     .help = "one-way message delay distribution (a "
             "bare duration means constant)",
     .example = "{dist: lognormal, median: 20ms, sigma: 0.5}"},
    {"loss", K_PROB, S(network.loss), .help = "probability that any message is lost",
     .example = "0.01"},
    {"duplicate", K_PROB, S(network.duplicate),
     .help = "probability that a message is delivered twice", .example = "0.001"},
    {"jitter", K_DIST, S(network.jitter), KF_NONE,
     .help = "extra delay drawn per message and added to its latency (on any link), `none` "
             "for no jitter",
     .example = "{dist: uniform, min: 0ms, max: 5ms}"},
    {"fifo", K_BOOL, S(network.fifo),
     .help = "keep each sender-receiver pair's messages in send order, as TCP would: a message "
             "never arrives before one sent earlier on its pair (it waits for it)",
     .example = "true"},
    {"links", K_LIST, S(network.links), .rec = &link_record, .count_off = S(network.nlinks),
     .help = "per-link latency/loss overrides",
     .example = "[{from: 0, to: [3, 4], latency: 80ms}]"},
    {"zone_latency", K_LIST, S(network.zone_latency), KF_OMIT_EMPTY, .rec = &zone_latency_record,
     .count_off = S(network.nzone_latency),
     .help = "the latency matrix between cluster.zones: one entry per zone pair; pairs not "
             "listed (inside a zone too) keep network.latency, and network.links win over it",
     .example = "[{from: us, to: eu, latency: 40ms}]"},
};

static const struct key_spec heartbeat_keys[] = {
    {"enabled", K_BOOL, S(heartbeat.enabled), .help = "run heartbeats and failure detection",
     .example = "false"},
    {"interval", K_DURATION, S(heartbeat.interval), KF_POSITIVE,
     .help = "time between two heartbeats of one sender", .example = "50ms"},
    {"timeout", K_DURATION, S(heartbeat.timeout), KF_POSITIVE,
     .help = "suspect a peer after this long without a heartbeat", .example = "300ms"},
    {"loss", K_PROB, S(heartbeat.loss), .help = "extra, independent heartbeat loss probability",
     .example = "0.05"},
    {"topology", K_ENUM, S(heartbeat.topology), .names = topology_names,
     .help = "who monitors whom: all, ring, random (fanout peers)", .example = "random"},
    {"fanout", K_UINT, S(heartbeat.fanout), .min = 1, .max = 1000000,
     .help = "random: peers per node; ring: neighbours on each side", .example = "3"},
};

static const char *const clock_sign_names[] = {"random", "fast", "slow", NULL};

#define CLO(field) offsetof(struct clock_override, field)
static const struct key_spec clock_node_keys[] = {
    {"node", K_NODE, CLO(node), KF_REQUIRED, .help = "the node", .example = "1"},
    {"drift", K_REAL, CLO(drift), .min = -1e5, .max = 1e5,
     .help = "its drift in ppm (positive: fast, negative: slow)", .example = "-50"},
    {"offset", K_DURATION, CLO(offset), .help = "its reading at true time 0", .example = "2ms"},
};
static void check_unique_nodes(struct rctx *c, const void *items, size_t size, size_t off,
                               const struct ynode *seq, const char *path, const char *what);

static void check_clock_nodes(struct rctx *c, const void *items, const struct ynode *seq,
                              const char *path)
{
    check_unique_nodes(c, items, sizeof(struct clock_override),
                       offsetof(struct clock_override, node), seq, path, "a clock override");
}

static const struct record clock_node_record = {
    clock_node_keys,  COUNT(clock_node_keys), sizeof(struct clock_override), zero_init, NULL,
    check_clock_nodes};

#define CJ(field) offsetof(struct clock_jump_spec, field)
static const struct key_spec clock_jump_keys[] = {
    {"node", K_NODE, CJ(node), KF_REQUIRED, .help = "the node whose clock is stepped",
     .example = "2"},
    {"at", K_DURATION, CJ(at), KF_REQUIRED, .help = "when (true time)", .example = "3s"},
    {"by", K_DURATION, CJ(by), KF_REQUIRED, .help = "how far its reading moves", .example = "1s"},
    {"back", K_BOOL, CJ(back), .help = "the reading moves back (default: forward)",
     .example = "true"},
};
static const struct record clock_jump_record =
    REC(clock_jump_keys, sizeof(struct clock_jump_spec), zero_init);

#define CK(field) offsetof(struct clock_spec, field)
static const struct key_spec clock_keys[] = {
    {"drift", K_DIST, CK(drift), KF_NONE,
     .help = "each node's drift magnitude, drawn once from its own stream, as time gained per "
             "second (`50us` = 50 ppm); `none`: no drift",
     .example = "{dist: uniform, min: 0us, max: 100us}"},
    {"drift_sign", K_ENUM, CK(drift_sign), .names = clock_sign_names,
     .help = "random (each node fast or slow with probability 1/2), fast or slow",
     .example = "slow"},
    {"offset", K_DIST, CK(offset), KF_NONE,
     .help = "each node's reading at true time 0 (only differences between nodes matter); "
             "`none`: 0",
     .example = "{dist: uniform, min: 0ms, max: 10ms}"},
    {"nodes", K_LIST, CK(nodes), .rec = &clock_node_record, .count_off = CK(nnodes),
     .help = "per-node drift and offset, instead of the drawn ones",
     .example = "[{node: 0, drift: -50}, {node: 1, drift: 50}]"},
    {"jumps", K_LIST, CK(jumps), .rec = &clock_jump_record, .count_off = CK(njumps),
     .help = "timed clock steps (as NTP or an operator makes): the reading moves, the rate "
             "does not",
     .example = "[{node: 2, at: 3s, by: 1s}]"},
};
static const struct record clock_record = REC(clock_keys, 0, NULL);

#define APPR(field) offsetof(struct approval_override, field)
static const struct key_spec approval_keys[] = {
    {"node", K_NODE, APPR(node), KF_REQUIRED, .help = "the voter", .example = "2"},
    {"approval", K_PROB, APPR(approval), KF_REQUIRED, .help = "its P[YES]", .example = "0.5"},
};
/* One override per node: a second one for the same node would silently win. */
/* Report every element of a list whose `node` field (a uint32_t at `off` in elements of
 * `size` bytes) repeats an earlier element's: "node N already has WHAT (at PATH[i])". */
static void check_unique_nodes(struct rctx *c, const void *items, size_t size, size_t off,
                               const struct ynode *seq, const char *path, const char *what)
{
    struct placed_id *seen = xreallocarray(NULL, seq->n + 1, sizeof(*seen));
    for (size_t i = 0; i < seq->n; i++) {
        uint32_t node;
        memcpy(&node, (const char *)items + i * size + off, sizeof(node));
        seen[i] = (struct placed_id){.id = node, .pos = i, .at = seq->kids[i]};
    }
    qsort(seen, seq->n, sizeof(*seen), cmp_placed);
    char sub[256];
    for (size_t k = 1, first = 0; k < seq->n; k++) {
        if (seen[k].id != seen[first].id) {
            first = k;
            continue;
        }
        path_printf(sub, sizeof(sub), "%s[%zu].node", path, seen[k].pos);
        err(c, at_key(seen[k].at, "node"), sub, "node %" PRIu64 " already has %s (at %s[%zu])",
            seen[k].id, what, path, seen[first].pos);
    }
    free(seen);
}

static void check_approvals(struct rctx *c, const void *items, const struct ynode *seq,
                            const char *path)
{
    check_unique_nodes(c, items, sizeof(struct approval_override),
                       offsetof(struct approval_override, node), seq, path, "an approval override");
}

static const struct record approval_record = {
    approval_keys, COUNT(approval_keys), sizeof(struct approval_override), zero_init,
    NULL,          check_approvals};

_Static_assert(sizeof(enum consensus_byzantine) == sizeof(unsigned),
               "enums are stored as unsigned");

#define BZ(field) offsetof(struct byzantine_spec, field)
static const struct key_spec byzantine_keys[] = {
    {"nodes", K_NODES, BZ(nodes), KF_REQUIRED, .help = "the Byzantine nodes", .example = "[3, 4]"},
    {"behaviour", K_ENUM, BZ(behaviour), KF_REQUIRED, .names = consensus_byzantine_names,
     .help = "always-no (votes NO), yes-on-invalid (votes YES on everything and proposes "
             "operations invalid on its replica), equivocate (quorum-vote: NO to the proposer "
             "and to nodes an even distance after it, YES to those an odd distance after it), "
             "silent (never votes), "
             "honest",
     .example = "equivocate"},
};
static const struct record byzantine_record = REC(byzantine_keys, 0, NULL);

static struct key_spec consensus_keys[8 + CONSENSUS_PROTOCOLS_MAX] = {
    {"protocol", K_ENUM, S(consensus.protocol), .names = protocol_names,
     .help = "consensus protocol (core/PROTOCOLS.md); each has its own section below",
     .example = "example"},
    {"approval", K_PROB, S(consensus.approval),
     .help = "probability that a node votes YES on a valid proposal", .example = "0.9"},
    {"approvals", K_LIST, S(consensus.approvals), .rec = &approval_record,
     .count_off = S(consensus.napproval), .help = "per-node approval overrides",
     .example = "[{node: 4, approval: 0.2}]"},
    {"vote_timeout", K_DURATION, S(consensus.vote_timeout), KF_POSITIVE,
     .help = "how long a proposer waits for votes", .example = "500ms"},
    {"durable", K_BOOL, S(consensus.durable),
     .help = "recovering nodes keep their replica and ledger", .example = "false"},
    {"anti_entropy", K_DURATION, S(consensus.anti_entropy), KF_NEVER | KF_POSITIVE,
     .help = "quorum-vote's optional repair: every this long each live node catches up from a "
             "random peer, as a recovering node does (`never`, the default, keeps AtlasDB's "
             "behaviour: a missed commit is never repaired)",
     .example = "1s"},
    {"broadcast_votes", K_BOOL, S(consensus.broadcast_votes), KF_WRITE_TRUE,
     .help = "quorum-vote: every node sends its vote to every node (not only to the proposer) "
             "and applies a proposal once it has counted a quorum of YES itself, without a "
             "commit message (what makes an equivocating voter able to split the replicas)",
     .example = "true"},
    {"byzantine", K_SECTION, S(consensus.byzantine), KF_QUIET, .rec = &byzantine_record,
     .enabled_off = S(consensus.byzantine.enabled),
     .help = "Byzantine nodes and what they do; protocols read it through the port (off unless "
             "given)",
     .example = "{nodes: [3, 4], behaviour: equivocate}"},
};

#define CONSENSUS_BASE_KEYS 8 /* the entries above; the protocols' sections follow */
static struct record consensus_record = {.keys = consensus_keys, .nkeys = CONSENSUS_BASE_KEYS};

#define CR(field) offsetof(struct crash_spec, field)
static const struct key_spec crash_keys[] = {
    {"node", K_NODE, CR(node), KF_REQUIRED, .help = "the node that crashes", .example = "2"},
    {"at", K_DURATION, CR(at), KF_REQUIRED, .help = "crash time", .example = "1s"},
    {"recover", K_DURATION, CR(recover), KF_NEVER, .help = "recovery time (`never`: stays down)",
     .example = "3s"},
    {"amnesia", K_BOOL, CR(amnesia), .help = "recovers with an empty replica and ledger",
     .example = "true"},
};
static const struct record crash_record = {crash_keys, COUNT(crash_keys), sizeof(struct crash_spec),
                                           crash_init, check_crash,       check_crash_windows};

#define PA(field) offsetof(struct partition_spec, field)
static const struct key_spec partition_keys[] = {
    {"at", K_DURATION, PA(at), KF_REQUIRED, .help = "when the network splits", .example = "2s"},
    {"heal", K_DURATION, PA(heal), KF_NEVER, .help = "when it heals (`never`)", .example = "5s"},
    {"groups", K_GROUPS, PA(groups), KF_OMIT_EMPTY,
     .help = "disjoint node groups; unlisted nodes form one more group (this or `isolate`)",
     .example = "[[0, 1], [2, 3, 4]]"},
    {"isolate", K_STRING, PA(isolate), KF_OMIT_EMPTY,
     .help = "a zone of cluster.zones cut off from every other node (instead of `groups`)",
     .example = "eu"},
    {"oneway", K_BOOL, PA(oneway), .help = "only traffic from the first group is cut",
     .example = "true"},
};
static const struct record partition_record = {
    partition_keys, COUNT(partition_keys), sizeof(struct partition_spec),
    partition_init, check_partition,       NULL};

#define RF(field) offsetof(struct random_faults, field)
static const struct key_spec random_keys[] = {
    {"mttf", K_DIST, RF(mttf), KF_REQUIRED | KF_MEAN,
     .help = "time to failure, drawn per node per cycle; a bare duration is the mean of an "
             "exponential (a memoryless failure process), any other distribution is written out",
     .example = "{dist: weibull, scale: 20s, shape: 1.5}"},
    {"mttr", K_DIST, RF(mttr), KF_REQUIRED | KF_MEAN,
     .help = "time to repair; a bare duration is the mean of an exponential, "
             "`{dist: constant, value: 2s}` a fixed repair time",
     .example = "2s"},
    {"amnesia", K_BOOL, RF(amnesia), .help = "recoveries lose the replica", .example = "true"},
};
static const struct record random_record = REC(random_keys, 0, NULL);

#define LF(field) offsetof(struct leader_faults, field)
static const struct key_spec leader_fault_keys[] = {
    {"every", K_DIST, LF(every), KF_REQUIRED,
     .help = "time from one crash of the leader to the next, drawn anew each time (the first "
             "from the start); a bare duration is a constant",
     .example = "{dist: uniform, min: 1s, max: 1.075s}"},
    {"down", K_DURATION, LF(down), KF_REQUIRED | KF_NEVER,
     .help = "how long the crashed leader stays down (`never`: for good)", .example = "500ms"},
    {"amnesia", K_BOOL, LF(amnesia), .help = "it recovers with an empty replica",
     .example = "true"},
};
static const struct record leader_fault_record = REC(leader_fault_keys, 0, NULL);

#define ZC(field) offsetof(struct zone_crash, field)
static const struct key_spec zone_crash_keys[] = {
    {"zone", K_STRING, ZC(zone), KF_REQUIRED, .help = "the zone whose nodes all crash",
     .example = "eu"},
    {"at", K_DURATION, ZC(at), KF_REQUIRED, .help = "crash time", .example = "2s"},
    {"recover", K_DURATION, ZC(recover), KF_NEVER,
     .help = "when every node of the zone recovers (`never`: stays down)", .example = "5s"},
    {"amnesia", K_BOOL, ZC(amnesia), .help = "its nodes recover with an empty replica",
     .example = "true"},
};
static const struct record zone_crash_record = {zone_crash_keys,           COUNT(zone_crash_keys),
                                                sizeof(struct zone_crash), zone_crash_init,
                                                check_zone_crash,          NULL};

#define ZR(field) offsetof(struct zone_random_faults, field)
static const struct key_spec zone_random_keys[] = {
    {"mttf", K_DIST, ZR(mttf), KF_REQUIRED | KF_MEAN,
     .help = "time a zone stays up, drawn per zone per cycle (a bare duration: the mean of an "
             "exponential)",
     .example = "60s"},
    {"mttr", K_DIST, ZR(mttr), KF_REQUIRED | KF_MEAN,
     .help = "time a zone stays down (a bare duration: the mean of an exponential)",
     .example = "5s"},
    {"amnesia", K_BOOL, ZR(amnesia), .help = "recoveries lose the replicas", .example = "true"},
};
static const struct record zone_random_record = {
    zone_random_keys, COUNT(zone_random_keys), 0, NULL, check_zone_random, NULL};

#define SL(field) offsetof(struct slow_spec, field)
static const struct key_spec slow_keys[] = {
    {"nodes", K_NODES, SL(nodes), KF_OMIT_EMPTY, .help = "the slow nodes", .example = "[1, 2]"},
    {"zone", K_STRING, SL(zone), KF_OMIT_EMPTY, .help = "every node of this zone is slow",
     .example = "eu"},
    {"at", K_DURATION, SL(at), KF_REQUIRED, .help = "when they turn slow", .example = "1s"},
    {"end", K_DURATION, SL(end), KF_NEVER, .help = "when they are well again (`never`)",
     .example = "3s"},
    {"service", K_DIST, SL(service), KF_NONE | KF_OMIT_EMPTY,
     .help = "the service time of each message while slow (instead of `factor`)",
     .example = "{dist: exponential, mean: 20ms}"},
    {"factor", K_REAL, SL(factor), KF_OMIT_EMPTY | KF_POSITIVE, .min = 0, .max = 1e6,
     .help = "cluster.service's draws multiplied by this while slow (instead of `service`)",
     .example = "10", .def_doc = "—"},
};
static const struct record slow_record = {slow_keys, COUNT(slow_keys), sizeof(struct slow_spec),
                                          slow_init, check_slow,       check_slow_windows};

#define CLG(field) offsetof(struct clog_spec, field)
static const struct key_spec clog_keys[] = {
    {"from", K_NODES, CLG(from), KF_OMIT_EMPTY, .help = "sending node(s)", .example = "[0, 1]"},
    {"to", K_NODES, CLG(to), KF_OMIT_EMPTY, .help = "receiving node(s)", .example = "2"},
    {"from_zone", K_STRING, CLG(from_zone), KF_OMIT_EMPTY, .help = "every node of a zone sends",
     .example = "us"},
    {"to_zone", K_STRING, CLG(to_zone), KF_OMIT_EMPTY, .help = "every node of a zone receives",
     .example = "eu"},
    {"at", K_DURATION, CLG(at), KF_REQUIRED, .help = "when the clog starts", .example = "1s"},
    {"end", K_DURATION, CLG(end), KF_REQUIRED, .help = "when it ends: held messages arrive then",
     .example = "2s"},
    {"symmetric", K_BOOL, CLG(symmetric), .help = "also clogs `to` -> `from`", .example = "false"},
};
static const struct record clog_record = {clog_keys, COUNT(clog_keys), sizeof(struct clog_spec),
                                          clog_init, check_clog,       NULL};

static const struct key_spec faults_keys[] = {
    {"crashes", K_LIST, S(faults.crashes), .rec = &crash_record, .count_off = S(faults.ncrashes),
     .help = "timed crashes", .example = "[{node: 2, at: 1s, recover: 3s}]"},
    {"random", K_SECTION, S(faults.random), .rec = &random_record,
     .enabled_off = S(faults.random.enabled),
     .help = "random crash/recover cycles on every node (off unless given)",
     .example = "{mttf: {dist: exponential, mean: 20s}, mttr: 1s}"},
    {"leader", K_SECTION, S(faults.leader), KF_QUIET, .rec = &leader_fault_record,
     .enabled_off = S(faults.leader.enabled),
     .help = "crash the current leader (the last node a leader-based protocol reported) "
             "every so often; nothing happens while no live node leads (off unless given)",
     .example = "{every: 2s, down: 500ms}"},
    {"partitions", K_LIST, S(faults.partitions), .rec = &partition_record,
     .count_off = S(faults.npartitions), .help = "timed network partitions",
     .example = "[{at: 2s, heal: 5s, groups: [[0, 1], [2, 3, 4]]}]"},
    {"zone_crashes", K_LIST, S(faults.zone_crashes), KF_OMIT_EMPTY, .rec = &zone_crash_record,
     .count_off = S(faults.nzone_crashes),
     .help = "correlated crashes: every node of a zone crashes and recovers together",
     .example = "[{zone: eu, at: 2s, recover: 5s}]"},
    {"zone_random", K_SECTION, S(faults.zone_random), KF_QUIET, .rec = &zone_random_record,
     .enabled_off = S(faults.zone_random.enabled),
     .help = "random outages per zone: each zone alternates up (mttf) and down (mttr), its "
             "nodes crashing and recovering together (off unless given)",
     .example = "{mttf: 60s, mttr: 5s}"},
    {"slow", K_LIST, S(faults.slow), KF_OMIT_EMPTY, .rec = &slow_record,
     .count_off = S(faults.nslow),
     .help = "slow periods (gray failure): the nodes serve each message with another service "
             "time (see cluster.service) while they stay up and answer heartbeats",
     .example = "[{nodes: [1], at: 1s, end: 3s, service: 20ms}]"},
    {"clogs", K_LIST, S(faults.clogs), KF_OMIT_EMPTY, .rec = &clog_record,
     .count_off = S(faults.nclogs),
     .help = "clogged paths: a message from `from` to `to` that would arrive in [at, end) "
             "arrives at `end` instead (delayed, not lost)",
     .example = "[{from_zone: us, to_zone: eu, at: 1s, end: 2s}]"},
};

#define VX(field) offsetof(struct vertex_spec, field)
static const struct key_spec vertex_keys[] = {
    {"id", K_STRING, VX(id), KF_REQUIRED, .help = "unique vertex id", .example = "A"},
    {"label", K_STRING, VX(label), KF_REQUIRED, .help = "vertex label", .example = "Person"},
    {"props", K_PROPS, VX(props), .count_off = VX(nprops), .help = "properties",
     .example = "{name: Ada}"},
};
static const struct record vertex_record = REC(vertex_keys, sizeof(struct vertex_spec), zero_init);

#define ED(field) offsetof(struct edge_spec, field)
static const struct key_spec edge_keys[] = {
    {"from", K_STRING, ED(from), KF_REQUIRED, .help = "source vertex id", .example = "A"},
    {"label", K_STRING, ED(label), KF_REQUIRED, .help = "edge label", .example = "visits"},
    {"to", K_STRING, ED(to), KF_REQUIRED, .help = "target vertex id", .example = "B"},
    {"props", K_PROPS, ED(props), .count_off = ED(nprops), .help = "properties",
     .example = "{since: 2020}"},
};
static const struct record edge_record = REC(edge_keys, sizeof(struct edge_spec), zero_init);

static const struct key_spec graph_keys[] = {
    {"vertices", K_LIST, S(graph.vertices), .rec = &vertex_record, .count_off = S(graph.nvertices),
     .help = "initial vertices of every replica", .example = "[{id: A, label: Person}]"},
    {"edges", K_LIST, S(graph.edges), .rec = &edge_record, .count_off = S(graph.nedges),
     .help = "initial edges of every replica", .example = "[{from: A, label: visits, to: B}]"},
};
static const struct record graph_record = {graph_keys, COUNT(graph_keys), 0,
                                           NULL,       check_graph,       NULL};

#define OP(field) offsetof(struct op_spec, field)
static const struct key_spec op_keys[] = {
    {"at", K_DURATION, OP(at), KF_REQUIRED, .help = "submission time", .example = "100ms"},
    {"proposer", K_NODE, OP(proposer), KF_REQUIRED, .help = "proposing node", .example = "0"},
    {"op", K_ENUM, OP(op), KF_REQUIRED, .names = op_names, .help = "operation",
     .example = "add_edge"},
    {"id", K_STRING, OP(id), .help = "vertex id (add_vertex, remove_vertex, set_property)",
     .example = "C"},
    {"label", K_STRING, OP(label), .help = "vertex label (add_vertex) or edge label",
     .example = "visits"},
    {"from", K_STRING, OP(from), .help = "edge source vertex", .example = "A"},
    {"to", K_STRING, OP(to), .help = "edge target vertex", .example = "B"},
    {"key", K_STRING, OP(key), .help = "property name (set_property)", .example = "name"},
    {"value", K_STRING, OP(value), .help = "property value (set_property)", .example = "Ada"},
    {"props", K_PROPS, OP(props), .count_off = OP(nprops),
     .help = "initial properties (add_vertex, add_edge)", .example = "{since: 2020}"},
};
static const struct record op_record = {op_keys,   COUNT(op_keys), sizeof(struct op_spec),
                                        zero_init, check_op,       NULL};

#define GE(field) offsetof(struct generate_spec, field)
static const struct key_spec generate_keys[] = {
    {"count", K_UINT, GE(count), KF_REQUIRED, .min = 0, .max = 100000000,
     .help = "number of proposals", .example = "1000"},
    {"rate", K_REAL, GE(rate), KF_POSITIVE, .min = 0, .max = 1e9,
     .help = "proposals per second (Poisson arrivals)", .example = "50"},
    {"start", K_DURATION, GE(start), .help = "first possible submission time", .example = "100ms"},
    {"proposer", K_PROPOSER, GE(proposer), .help = "a node, or `random` for each proposal",
     .example = "0"},
    {"mix", K_MIX, GE(mix), .help = "relative weights by operation",
     .example = "{add_vertex: 1, add_edge: 3}"},
};
static const struct record generate_record = REC(generate_keys, 0, NULL);

static const struct key_spec workload_keys[] = {
    {"ops", K_LIST, S(workload.ops), .rec = &op_record, .count_off = S(workload.nops),
     .help = "explicit proposals",
     .example = "[{at: 0s, proposer: 0, op: add_edge, from: A, label: visits, to: B}]"},
    {"generate", K_SECTION, S(workload.generate), .rec = &generate_record,
     .enabled_off = S(workload.generate.enabled),
     .help = "a random stream of proposals (off unless given)",
     .example = "{count: 100, rate: 10}"},
};

static const char *const attach_names[] = {"round-robin", "node", "zone", NULL};
static const char *const client_mode_names[] = {"closed", "open", NULL};
static const char *const client_model_names[] = {"register", "set", NULL};
static const char *const keydist_names[] = {"uniform", "zipf", NULL};
static const char *const client_read_names[] = {"log", "lease", NULL};

/* attach: zone needs cluster.zones, and every zone that gets a client needs a node. */
static void check_client_zones(struct rctx *c, const struct clients_spec *cl,
                               const struct ynode *map, const char *path)
{
    char sub[256];
    join(sub, sizeof(sub), path, "attach");
    if (!c->sc->nzones) {
        err(c, at_key(map, "attach"), sub, "attach: zone needs cluster.zones");
        return;
    }
    uint32_t *zone = scenario_zone_map(c->sc);
    for (size_t z = 0; z < c->sc->nzones && z < cl->count; z++) {
        uint32_t i = 0;
        while (i < c->sc->nodes && zone[i] != z)
            i++;
        if (i == c->sc->nodes) {
            err(c, at_key(map, "attach"), sub, "zone '%s' has no node for its clients",
                c->sc->zones[z].name ? c->sc->zones[z].name : "");
            break;
        }
    }
    free(zone);
}

/* The clients' operations bound the run's proposals (ids are preallocated). */
static void check_clients(struct rctx *c, void *base, const struct ynode *map, const char *path)
{
    const struct clients_spec *cl = base;
    char sub[256];
    if (cl->attach == CLIENTS_ZONE)
        check_client_zones(c, cl, map, path);
    if ((double)cl->count * cl->ops > 100000000.0) {
        join(sub, sizeof(sub), path, "ops");
        err(c, at_key(map, "ops"), sub,
            "%" PRIu32 " clients x %" PRIu32 " ops is more than 100000000 operations", cl->count,
            cl->ops);
    }
}

#define CL(field) offsetof(struct clients_spec, field)
static const struct key_spec clients_keys[] = {
    {"count", K_UINT, CL(count), KF_REQUIRED, .min = 1, .max = 100000,
     .help = "number of clients (client i is process i of history.csv)", .example = "4"},
    {"attach", K_ENUM, CL(attach), .names = attach_names,
     .help = "round-robin: client i submits to node i mod n; node: every client to `node`; "
             "zone: client i is in zone i mod k of cluster.zones' k zones, the clients of a "
             "zone spread round robin over its nodes",
     .example = "node"},
    {"node", K_NODE, CL(node), .help = "the node of `attach: node`", .example = "0"},
    {"mode", K_ENUM, CL(mode), .names = client_mode_names,
     .help = "closed: one outstanding operation per client, then `think`; open: Poisson "
             "arrivals at `rate`, whatever is outstanding",
     .example = "open"},
    {"rate", K_REAL, CL(rate), KF_POSITIVE, .min = 0, .max = 1e9,
     .help = "open loop: operations per second per client", .example = "50"},
    {"think", K_DIST, CL(think), KF_NONE,
     .help = "closed loop: pause between a completion and the next invocation (`none`: 0)",
     .example = "{dist: exponential, mean: 10ms}"},
    {"ops", K_UINT, CL(ops), .min = 1, .max = 100000000, .help = "operations per client at most",
     .example = "1000"},
    {"start", K_DURATION, CL(start), .help = "first possible invocation", .example = "500ms"},
    {"timeout", K_DURATION, CL(timeout), KF_POSITIVE,
     .help = "a client gives up on an operation after this; the operation is `info` "
             "(indeterminate) in history.csv",
     .example = "2s"},
    {"model", K_ENUM, CL(model), .names = client_model_names,
     .help = "register: read/write property `v` of vertex `k<key>`; set: add/remove edge "
             "`k<key> -has-> e<element>`, read the whole set",
     .example = "set"},
    {"keys", K_UINT, CL(keys), .min = 1, .max = 1000000,
     .help = "keys 0..keys-1 (vertices k0, k1, ... added to the initial graph)", .example = "100"},
    {"elements", K_UINT, CL(elements), .min = 1, .max = CLIENTS_SET_ELEMENTS_MAX,
     .help = "set model: elements 0..elements-1 (vertices e0, e1, ...)", .example = "16"},
    {"distribution", K_ENUM, CL(keydist), .names = keydist_names,
     .help = "how an operation's key is drawn: uniform, or zipf (P[key k] ~ 1/(k+1)^s)",
     .example = "zipf"},
    {"zipf_s", K_REAL, CL(zipf_s), KF_POSITIVE, .min = 0, .max = 100, .help = "the Zipf exponent s",
     .example = "1.2"},
    {"read_ratio", K_PROB, CL(read_ratio), .help = "probability that an operation is a read",
     .example = "0.9"},
    {"read", K_ENUM, CL(read), .names = client_read_names,
     .help = "how a read reaches the protocol: log (a read is a log entry, ordered with the "
             "writes); lease (raft: a leader holding a lease answers alone, see "
             "consensus.raft.lease; otherwise through the log)",
     .example = "lease"},
};
static const struct record clients_record = {clients_keys, COUNT(clients_keys), 0,
                                             NULL,         check_clients,       NULL};

#define CHK(field) offsetof(struct checker_spec, field)
static const struct key_spec checker_keys[] = {
    {"linearizability", K_BOOL, CHK(linearizability),
     .help = "judge the clients' history.csv at the end of a run with clients (a violation "
             "exits 1 and writes violation.txt)",
     .example = "false"},
    {"max_steps", K_U64, CHK(max_steps),
     .help = "search steps per key before its verdict is `unknown` (reported, never a pass)",
     .example = "1000000"},
};

/* points x replications: at most SWEEP_MAX_RUNS (more points were reported by get_sweep). */
static void check_sweep(struct rctx *c, void *base, const struct ynode *map, const char *path)
{
    const struct scenario *sc = base;
    double points = 1.0;
    for (size_t i = 0; i < sc->sweep.nparams; i++)
        points *= sc->sweep.params[i].nvalues ? (double)sc->sweep.params[i].nvalues : 1.0;
    double runs = points * sc->sweep.replications;
    char sub[256];
    join(sub, sizeof(sub), path, "replications");
    if (points <= SWEEP_MAX_POINTS && runs > SWEEP_MAX_RUNS)
        err(c, at_key(map, "replications"), sub,
            "the sweep has %.0f runs (%.0f points x %" PRIu32 " replications; at most %u)", runs,
            points, sc->sweep.replications, SWEEP_MAX_RUNS);
}

static const struct key_spec sweep_keys[] = {
    {"params", K_SWEEP, S(sweep.params), .count_off = S(sweep.nparams),
     .help = "key path -> list of values or {from, to, step}; the runs are the Cartesian "
             "product",
     .example = "{consensus.approval: {from: 0.5, to: 0.95, step: 0.05}}"},
    {"replications", K_UINT, S(sweep.replications), .min = 1, .max = 1000000,
     .help = "replications per sweep point", .example = "30"},
};

#define OUT(field) offsetof(struct scenario, output.field)
static const struct flag_name graph_flags[] = {
    {"dot", OUT(graph_dot)}, {"neo4j", OUT(graph_neo4j)}, {NULL, 0}};
static const struct flag_name trace_flags[] = {
    {"messages", OUT(trace_messages)}, {"heartbeats", OUT(trace_heartbeats)}, {NULL, 0}};

static const struct key_spec output_keys[] = {
    {"graph", K_FLAGS, 0, .fl = graph_flags,
     .help =
         "final-graph exports: dot (graph.dot), neo4j (neo4j_nodes.csv, neo4j_relationships.csv)",
     .example = "[dot, neo4j]"},
    {"traces", K_FLAGS, 0, .fl = trace_flags,
     .help = "optional traces: messages (messages.csv), heartbeats (heartbeats.csv)",
     .example = "[messages]"},
    {"votes", K_BOOL, OUT(votes), .help = "write votes.csv (turn off for very large runs)",
     .example = "false"},
    {"ledgers", K_BOOL, OUT(ledgers), .help = "persist every node's ledger", .example = "true"},
    {"sync", K_BOOL, OUT(sync), KF_WRITE_FALSE,
     .help = "fsync each file of the run's folder and the folder itself before the run "
             "counts as written; false skips that, for scratch work: a power cut or OS crash "
             "may then lose the run, but a crash of the process still cannot leave a torn "
             "file (files appear whole under their names, or not at all)",
     .example = "false"},
    {"progress_interval", K_DURATION, OUT(progress_interval), KF_OMIT_EMPTY,
     .help = "log protocols: write commit_index and applied_index rows (index=N) to events.csv "
             "when a node's index changes, at most one row of each per node per interval (a "
             "change within it is written at the node's next step after it, the last value at "
             "the end of the run); 0s (the default): none",
     .example = "100ms"},
};

#define SECTION(nm, ks, h)                                                                         \
    {                                                                                              \
        nm, K_SECTION, 0, .rec = &(const struct record)REC(ks, 0, NULL),                           \
                          .enabled_off = NO_ENABLED, .help = (h)                                   \
    }

static const struct key_spec root_keys[] = {
    {"name", K_STRING, S(name), .help = "scenario name: the default output folder is out/NAME",
     .example = "quickstart", .def_doc = "the file name without .yaml"},
    {"seed", K_U64, S(seed), .help = "base seed of every random stream", .example = "42"},
    {"duration", K_DURATION, S(duration), KF_POSITIVE, .help = "simulated horizon",
     .example = "30s"},
    SECTION("cluster", cluster_keys, "the nodes"),
    SECTION("network", network_keys, "the simulated network"),
    SECTION("heartbeat", heartbeat_keys, "heartbeats and failure detection"),
    {"clocks", K_SECTION, S(clocks), KF_QUIET, .rec = &clock_record,
     .enabled_off = S(clocks.enabled),
     .help = "per-node clocks: timers (heartbeat interval, failure-detector timeout, protocol "
             "timers) run on them, messages travel in true time (off unless given: every node "
             "reads true time)",
     .example = "{drift: {dist: uniform, min: 0us, max: 100us}}"},
    {"consensus", K_SECTION, 0, .rec = &consensus_record, .enabled_off = NO_ENABLED,
     .help = "the consensus protocol"},
    SECTION("faults", faults_keys, "crashes and partitions"),
    {"graph", K_SECTION, 0, .rec = &graph_record, .enabled_off = NO_ENABLED,
     .help = "the initial graph"},
    SECTION("workload", workload_keys, "the proposals"),
    {"clients", K_SECTION, S(clients), KF_QUIET, .rec = &clients_record,
     .enabled_off = S(clients.enabled),
     .help = "clients that read and write keys through the protocol and record history.csv "
             "(off unless given)",
     .example = "{count: 4, read_ratio: 0.5}"},
    {"checker", K_SECTION, S(checker), KF_QUIET,
     .rec = &(const struct record)REC(checker_keys, 0, NULL), .enabled_off = S(checker.enabled),
     .help = "end-of-run checks beyond the protocol invariants (written back only when given)",
     .example = "{linearizability: true}"},
    {"sweep", K_SECTION, 0,
     .rec = &(const struct record){sweep_keys, COUNT(sweep_keys), 0, NULL, check_sweep, NULL},
     .enabled_off = NO_ENABLED, .help = "parameter sweeps (atlas-sim sweep)"},
    SECTION("output", output_keys, "what `run` writes besides the CSV traces"),
};

static const struct record root_record = REC(root_keys, 0, NULL);

/* ---- key paths (for sweep.params) ---- */

static bool path_in(const struct record *rec, const char *path, char *hint, size_t hintlen)
{
    const char *dot = strchr(path, '.');
    size_t len = dot ? (size_t)(dot - path) : strlen(path);
    char seg[64];
    const char *names[32];
    const struct key_spec *k = NULL;
    if (len >= sizeof(seg))
        return false;
    memcpy(seg, path, len);
    seg[len] = '\0';
    for (size_t i = 0; i < rec->nkeys; i++) {
        names[i] = rec->keys[i].key;
        if (!strcmp(rec->keys[i].key, seg))
            k = &rec->keys[i];
    }
    if (!k) {
        did_you_mean(hint, hintlen, seg, names, rec->nkeys);
        return false;
    }
    if (!dot)
        return true;
    if (k->type == K_SECTION)
        return path_in(k->rec, dot + 1, hint, hintlen);
    /* A distribution parameter such as network.latency.median. */
    return k->type == K_DIST && !strchr(dot + 1, '.');
}

static bool path_known(const char *path, char *hint, size_t hintlen)
{
    protocols_init();
    hint[0] = '\0';
    return path_in(&root_record, path, hint, hintlen);
}

/* ---- resolving a document ---- */

/* The selected protocol's own check of its parameters against the cluster (a node index
 * below cluster.nodes, ...), reported at the parameter (or consensus.protocol). */
static void check_protocol(struct rctx *c, const struct scenario *sc)
{
    const struct consensus_ops *ops = consensus_protocols[sc->consensus.protocol];
    if (sc->consensus.byzantine.enabled && sc->consensus.byzantine.behaviour != CONSENSUS_HONEST &&
        !(ops->flags & CONSENSUS_BYZANTINE)) {
        const struct ynode *at =
            ynode_get(ynode_get(c->doc->root, "consensus", NULL), "byzantine", NULL);
        err(c, at ? at : c->doc->root, "consensus.byzantine",
            "%s does not model Byzantine nodes (quorum-vote does); its nodes would behave "
            "honestly",
            ops->name);
        return;
    }
    if (sc->clients.enabled && sc->clients.read == CLIENTS_READ_LEASE &&
        !(ops->flags & CONSENSUS_LEASE_READS)) {
        const struct ynode *at = ynode_get(ynode_get(c->doc->root, "clients", NULL), "read", NULL);
        err(c, at ? at : c->doc->root, "clients.read",
            "lease reads need a protocol that offers leases (raft); %s does not", ops->name);
        return;
    }
    if (!ops->check)
        return;
    union consensus_value values[CONSENSUS_PARAMS_MAX];
    struct consensus_config cfg;
    scenario_protocol_values(sc, values);
    scenario_consensus_config(sc, 0, NULL, values, &cfg);
    char why[256];
    int bad = ops->check(&cfg, why, sizeof(why));
    if (bad < 0)
        return;
    char path[256];
    snprintf(path, sizeof(path), "consensus.%s.%s", ops->name, ops->params[bad].key);
    const struct ynode *cons = ynode_get(c->doc->root, "consensus", NULL);
    const struct ynode *at =
        ynode_get(ynode_get(cons, ops->name, NULL), ops->params[bad].key, NULL);
    if (!at)
        at = ynode_get(cons, "protocol", NULL);
    err(c, at ? at : c->doc->root, path, "%s", why);
}

bool scenario_keys_resolve(const struct scenario_doc *doc, struct scenario *out, struct diag *d)
{
    protocols_init();
    size_t before = d->errors;
    scenario_init(out);
    free(out->name);
    out->name = xstrdup(doc->name);
    struct rctx c = {.doc = doc, .d = d, .sc = out, .nodes = out->nodes};
    if (doc->root)
        resolve_record(&c, &root_record, out, doc->root, "");
    if (d->errors == before)
        check_protocol(&c, out);
    if (d->errors == before) {
        /* The C-level rules, as a safety net: anything they catch lacks a precise position. */
        struct diag extra;
        diag_init(&extra);
        scenario_validate(out, &extra);
        for (size_t i = 0; i < extra.n; i++)
            diag_error(d, doc->files[0], 0, 0, extra.items[i].key, "%s", extra.items[i].msg);
        diag_fini(&extra);
    }
    if (d->errors != before) {
        scenario_fini(out);
        return false;
    }
    return true;
}

/* ---- writing values (resolved YAML and the reference's defaults) ---- */

static void write_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fprintf(f, "\\%c", *s);
        else if (*s == '\n')
            fputs("\\n", f);
        else if ((unsigned char)*s < 0x20)
            fprintf(f, "\\x%02x", (unsigned char)*s);
        else
            fputc(*s, f);
    }
    fputc('"', f);
}

static void write_nodes(FILE *f, const struct node_set *s)
{
    fputc('[', f);
    for (uint32_t i = 0; i < s->n; i++)
        fprintf(f, "%s%u", i ? ", " : "", s->ids[i]);
    fputc(']', f);
}

static void write_flow_record(FILE *f, const struct record *rec, const char *base);

static void write_value(FILE *f, const struct key_spec *k, const char *base)
{
    const void *field = base + k->off;
    char buf[1024];
    switch (k->type) {
    case K_BOOL:
        fputs(*(const bool *)field ? "true" : "false", f);
        return;
    case K_UINT:
    case K_NODE:
        fprintf(f, "%" PRIu32, *(const uint32_t *)field);
        return;
    case K_U64:
        fprintf(f, "%" PRIu64, *(const uint64_t *)field);
        return;
    case K_PROB:
    case K_REAL:
        if ((k->flags & KF_INHERIT) && *(const double *)field < 0) {
            fputs("inherit", f);
            return;
        }
        format_real(*(const double *)field, buf, sizeof(buf));
        fputs(buf, f);
        return;
    case K_DURATION:
        if ((k->flags & KF_NEVER) && *(const sim_time *)field == SIM_TIME_MAX)
            fputs("never", f);
        else
            fputs(sim_time_format(*(const sim_time *)field, buf), f);
        return;
    case K_DIST:
        if (!((const struct dist *)field)->ops) {
            fputs(k->flags & KF_NONE ? "none" : "inherit", f);
            return;
        }
        dist_format(field, buf, sizeof(buf));
        fputs(buf, f);
        return;
    case K_QUORUM: {
        const struct quorum_spec *q = field;
        if (q->kind == QUORUM_MAJORITY)
            fputs("majority", f);
        else if (q->kind == QUORUM_ALL)
            fputs("all", f);
        else if (q->kind == QUORUM_COUNT)
            fprintf(f, "%" PRIu32, q->count);
        else
            fprintf(f, "%" PRIu32 "/%" PRIu32, q->num, q->den);
        return;
    }
    case K_NODES:
        write_nodes(f, field);
        return;
    case K_PROPOSER:
        if (*(const uint32_t *)field == WORKLOAD_RANDOM_PROPOSER)
            fputs("random", f);
        else
            fprintf(f, "%" PRIu32, *(const uint32_t *)field);
        return;
    case K_ENUM:
        fputs(k->names[*(const unsigned *)field], f);
        return;
    case K_STRING:
        write_string(f, *(char *const *)field ? *(char *const *)field : "");
        return;
    case K_FLAGS: {
        bool first = true;
        fputc('[', f);
        for (const struct flag_name *fl = k->fl; fl->name; fl++)
            if (*(const bool *)(base + fl->off)) {
                fprintf(f, "%s%s", first ? "" : ", ", fl->name);
                first = false;
            }
        fputc(']', f);
        return;
    }
    case K_LIST: {
        size_t n = *(const size_t *)(base + k->count_off);
        const char *items = *(char *const *)field;
        fputc('[', f);
        for (size_t i = 0; i < n; i++) {
            fputs(i ? ", " : "", f);
            write_flow_record(f, k->rec, items + i * k->rec->size);
        }
        fputc(']', f);
        return;
    }
    case K_SECTION:
        write_flow_record(f, k->rec, field);
        return;
    case K_PROPS: {
        size_t n = *(const size_t *)(base + k->count_off);
        const struct kv *kv = *(struct kv *const *)field;
        fputc('{', f);
        for (size_t i = 0; i < n; i++) {
            fputs(i ? ", " : "", f);
            write_string(f, kv[i].key);
            fputs(": ", f);
            write_string(f, kv[i].value);
        }
        fputc('}', f);
        return;
    }
    case K_GROUPS: {
        const struct partition_spec *p = (const struct partition_spec *)base;
        fputc('[', f);
        for (uint32_t g = 0; g < p->ngroups; g++) {
            fputs(g ? ", " : "", f);
            write_nodes(f, &p->groups[g]);
        }
        fputc(']', f);
        return;
    }
    case K_MIX: {
        const double *mix = field;
        fputc('{', f);
        for (int op = 0; op < PROP_OP_COUNT; op++) {
            format_real(mix[op], buf, sizeof(buf));
            fprintf(f, "%s%s: %s", op ? ", " : "", prop_op_name((enum prop_op)op), buf);
        }
        fputc('}', f);
        return;
    }
    case K_SWEEP: {
        size_t n = *(const size_t *)(base + k->count_off);
        const struct sweep_param *ps = *(struct sweep_param *const *)field;
        fputc('{', f);
        for (size_t i = 0; i < n; i++) {
            fprintf(f, "%s%s: [", i ? ", " : "", ps[i].path);
            for (size_t j = 0; j < ps[i].nvalues; j++)
                fprintf(f, "%s%s", j ? ", " : "", ps[i].values[j]);
            fputc(']', f);
        }
        fputc('}', f);
        return;
    }
    }
}

/* A KF_OMIT_EMPTY key's value is its default: nothing given. */
static bool is_empty(const struct key_spec *k, const char *base)
{
    const void *field = base + k->off;
    switch (k->type) {
    case K_UINT:
        return *(const uint32_t *)field == 0;
    case K_REAL:
        return *(const double *)field == 0;
    case K_DURATION:
        return *(const sim_time *)field == 0;
    case K_DIST:
        return !((const struct dist *)field)->ops;
    case K_NODES:
        return ((const struct node_set *)field)->n == 0;
    case K_STRING:
        return !*(char *const *)field;
    case K_LIST:
        return *(const size_t *)(base + k->count_off) == 0;
    case K_GROUPS:
        return ((const struct partition_spec *)base)->ngroups == 0;
    default:
        return false;
    }
}

/* Keys left out of a written record: unset optional strings. */
static bool omitted(const struct key_spec *k, const char *base)
{
    if (k->proto) /* only the selected protocol's section: base is the scenario */
        return ((const struct scenario *)base)->consensus.protocol != k->proto - 1;
    if (k->flags & KF_WRITE_FALSE)
        return *(const bool *)(base + k->off);
    if (k->flags & KF_WRITE_TRUE)
        return !*(const bool *)(base + k->off);
    if (k->flags & KF_OMIT_EMPTY)
        return is_empty(k, base);
    return k->type == K_STRING && !*(char *const *)(base + k->off);
}

static void write_flow_record(FILE *f, const struct record *rec, const char *base)
{
    bool first = true;
    fputc('{', f);
    for (size_t i = 0; i < rec->nkeys; i++) {
        const struct key_spec *k = &rec->keys[i];
        if (omitted(k, base))
            continue;
        fprintf(f, "%s%s: ", first ? "" : ", ", k->key);
        write_value(f, k, base);
        first = false;
    }
    fputc('}', f);
}

static void write_block(FILE *f, const struct record *rec, const char *base, int indent)
{
    for (size_t i = 0; i < rec->nkeys; i++) {
        const struct key_spec *k = &rec->keys[i];
        if (omitted(k, base))
            continue;
        if (k->type == K_SECTION) {
            if (k->enabled_off != NO_ENABLED && !*(const bool *)(base + k->enabled_off)) {
                if (!(k->flags & KF_QUIET))
                    fprintf(f, "%*s# %s: not given (off)\n", indent, "", k->key);
                continue;
            }
            fprintf(f, "%*s%s:\n", indent, "", k->key);
            write_block(f, k->rec, base + k->off, indent + 2);
            continue;
        }
        size_t n = k->type == K_LIST ? *(const size_t *)(base + k->count_off) : 0;
        if (n) {
            const char *items = *(char *const *)(base + k->off);
            fprintf(f, "%*s%s:\n", indent, "", k->key);
            for (size_t j = 0; j < n; j++) {
                fprintf(f, "%*s  - ", indent, "");
                write_flow_record(f, k->rec, items + j * k->rec->size);
                fputc('\n', f);
            }
            continue;
        }
        fprintf(f, "%*s%s: ", indent, "", k->key);
        write_value(f, k, base);
        fputc('\n', f);
    }
}

void scenario_write_yaml(const struct scenario *sc, FILE *f)
{
    protocols_init();
    fprintf(f,
            "# atlas-sim %s\n"
            "# Resolved scenario written by atlas-sim: every default filled in, seed included.\n"
            "# `atlas-sim run` on this file reproduces the run byte for byte.\n",
            atlas_build);
    write_block(f, &root_record, (const char *)sc, 0);
}

/* ---- the Markdown reference ---- */

static const char *type_name(const struct key_spec *k)
{
    switch (k->type) {
    case K_BOOL:
        return "bool";
    case K_UINT:
        return "uint";
    case K_U64:
        return "u64";
    case K_PROB:
        return "probability";
    case K_REAL:
        return "real";
    case K_DURATION:
        return "duration";
    case K_DIST:
        return "distribution";
    case K_QUORUM:
        return "quorum";
    case K_NODE:
        return "node";
    case K_NODES:
        return "node list";
    case K_PROPOSER:
        return "node or `random`";
    case K_ENUM:
        return "enum";
    case K_STRING:
        return "string";
    case K_FLAGS:
        return "list of names";
    case K_LIST:
        return "list of records";
    case K_SECTION:
        return "section";
    case K_PROPS:
        return "property map";
    case K_GROUPS:
        return "list of node lists";
    case K_MIX:
        return "operation weights";
    case K_SWEEP:
        return "sweep map";
    }
    return "?";
}

static void write_range(FILE *f, const struct key_spec *k)
{
    switch (k->type) {
    case K_UINT:
        fprintf(f, "%.0f .. %.0f", k->min, k->max);
        return;
    case K_U64:
        fputs("0 .. 2^64-1", f);
        return;
    case K_PROB:
        fputs(k->flags & KF_INHERIT ? "0 .. 1, or `inherit`" : "0 .. 1", f);
        return;
    case K_REAL:
        fprintf(f, k->flags & KF_POSITIVE ? "> 0" : ">= %g", k->min);
        if (k->max < 1e300)
            fprintf(f, ", <= %g", k->max);
        return;
    case K_DURATION:
        fputs(k->flags & KF_POSITIVE ? "> 0s" : ">= 0s", f);
        fputs(", <= " SCENARIO_MAX_DURATION_TEXT, f);
        fputs(k->flags & KF_NEVER ? ", or `never`" : "", f);
        return;
    case K_DIST:
        fputs(k->flags & KF_INHERIT ? "a family below, or `inherit`"
              : k->flags & KF_NONE  ? "a family below, or `none`"
                                    : "a family below",
              f);
        return;
    case K_QUORUM:
        fputs("1 .. cluster.nodes", f);
        return;
    case K_NODE:
    case K_NODES:
    case K_GROUPS:
        fputs("nodes 0 .. cluster.nodes-1", f);
        return;
    case K_PROPOSER:
        fputs("0 .. cluster.nodes-1, or `random`", f);
        return;
    case K_ENUM:
        for (size_t i = 0; k->names[i]; i++)
            fprintf(f, "%s`%s`", i ? ", " : "", k->names[i]);
        return;
    case K_FLAGS:
        for (size_t i = 0; k->fl[i].name; i++)
            fprintf(f, "%s`%s`", i ? ", " : "", k->fl[i].name);
        return;
    case K_MIX:
        fputs("weights >= 0 for add_vertex, add_edge, remove_vertex, remove_edge, set_property", f);
        return;
    default:
        return;
    }
}

static void write_cell_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '|')
            fputc('\\', f);
        fputc(*s, f);
    }
}

static void write_default(FILE *f, const struct key_spec *k, const char *base)
{
    if (k->flags & KF_REQUIRED) {
        fputs("required", f);
        return;
    }
    if (k->def_doc) {
        fputs(k->def_doc, f);
        return;
    }
    if (!base || (k->type == K_STRING && !*(char *const *)(base + k->off))) {
        fputs("—", f);
        return;
    }
    char *text;
    size_t len;
    FILE *m = open_memstream(&text, &len);
    write_value(m, k, base);
    fclose(m);
    fputc('`', f);
    write_cell_text(f, text);
    fputc('`', f);
    free(text);
}

static void write_ref_rows(FILE *f, const struct record *rec, const char *base, const char *prefix)
{
    for (size_t i = 0; i < rec->nkeys; i++) {
        const struct key_spec *k = &rec->keys[i];
        char path[256];
        path_printf(path, sizeof(path), "%s%s", prefix, k->key);
        if (k->type == K_SECTION && k->enabled_off == NO_ENABLED) {
            char sub[256];
            path_printf(sub, sizeof(sub), "%s.", path);
            fprintf(f, "\n## `%s` — %s\n\n", path, k->help);
            fputs("| key | type | default | range | example | meaning |\n"
                  "|---|---|---|---|---|---|\n",
                  f);
            write_ref_rows(f, k->rec, base + k->off, sub);
            continue;
        }
        fprintf(f, "| `%s` | %s | ", path, type_name(k));
        if (k->type == K_SECTION)
            fputs("off", f);
        else if (k->type == K_LIST)
            fputs("`[]`", f);
        else
            write_default(f, k, base);
        fputs(" | ", f);
        write_range(f, k);
        fputs(" | `", f);
        write_cell_text(f, k->example ? k->example : "");
        fputs("` | ", f);
        write_cell_text(f, k->help);
        fputs(" |\n", f);
        if (k->type == K_SECTION || k->type == K_LIST) {
            char sub[256];
            char *elem = NULL;
            if (k->type == K_LIST) {
                elem = xcalloc(1, k->rec->size);
                k->rec->init(elem);
            }
            path_printf(sub, sizeof(sub), "%s%s.", path, k->type == K_LIST ? "[]" : "");
            write_ref_rows(f, k->rec, k->type == K_LIST ? elem : base ? base + k->off : NULL, sub);
            free(elem);
        }
    }
}

static void write_families(FILE *f)
{
    fputs("\n## Distributions\n\n"
          "A distribution is a mapping `{dist: FAMILY, PARAM: VALUE, ...}`; a bare duration "
          "such as `5ms` means `{dist: constant, value: 5ms}`. Durations carry a unit "
          "(`ns`, `us`, `ms`, `s`, `m`, `h`).\n\n"
          "| family | parameter | kind | default | meaning |\n|---|---|---|---|---|\n",
          f);
    for (size_t i = 0; dist_families[i]; i++) {
        const struct dist_ops *ops = dist_families[i];
        fprintf(f, "| `%s` | | | | %s |\n", ops->name, ops->help);
        for (size_t p = 0; p < ops->nparams; p++) {
            const struct dist_param_spec *ps = &ops->params[p];
            static const char *const kinds[] = {"duration", "real", "path"};
            char def[SIM_TIME_BUFLEN];
            if (ps->required)
                strcpy(def, "required");
            else if (ps->kind == DIST_PARAM_DURATION)
                sim_time_format((sim_time)ps->def, def);
            else
                format_real(ps->def, def, sizeof(def));
            fprintf(f, "| | `%s` | %s | %s | %s |\n", ps->name, kinds[ps->kind], def, ps->help);
        }
    }
}

void scenario_write_reference(FILE *f)
{
    protocols_init();
    struct scenario sc;
    scenario_init(&sc);
    fputs("# Scenario file reference\n\n"
          "<!-- Generated by `atlas-sim validate --reference`; do not edit by hand. A test "
          "(tests/test_scenario_yaml.c) fails when this file and the key tables disagree. -->\n\n"
          "A scenario is a YAML mapping. Every key is optional unless marked *required*; "
          "unknown keys, wrong types and out-of-range values are errors that name "
          "file:line:column and the key path. Any key can be overridden from the command line "
          "with `--set KEY.PATH=VALUE` (same checks); a list item is addressed by its index, "
          "`faults.crashes.0.at` or `faults.crashes[0].at`, and `--set SECTION=null` turns an "
          "optional section off (`--set faults.random=null`). "
          "List items are written as flow "
          "mappings (`- {node: 2, at: 1s}`); `[]` in a path below stands for any item of a "
          "list. Nodes are numbered 0 .. cluster.nodes-1.\n\n"
          "## Top level\n\n"
          "| key | type | default | range | example | meaning |\n|---|---|---|---|---|---|\n",
          f);
    write_ref_rows(f, &root_record, (const char *)&sc, "");
    write_families(f);
    fputs("\n## Quorum\n\n`majority` (n/2+1), `all` (n), an integer k, or a fraction `a/b` "
          "(ceil(n*a/b)); it must not exceed cluster.nodes.\n",
          f);
    fprintf(f,
            "\n## Limits\n\n"
            "Absurd values are refused when the scenario is validated (`validate`, `run`, "
            "`sweep`), with file:line:column: every duration is at most %s (10 years; the "
            "clock is int64 nanoseconds, 292 years); the ranges in the tables above (e.g. "
            "cluster.nodes, workload.generate.count and rate, sweep.replications); a range "
            "in sweep.params has at most %u values, a sweep at most %u points (the product "
            "of the value counts, `--set` lists and ranges included) and %u runs (points x "
            "replications). Before a run starts its memory is estimated (nodes, replicas, "
            "proposals, pending events and messages, traces, client operations and the "
            "linearizability check); `run` and `sweep` refuse a "
            "scenario whose estimate exceeds the limit (default: MemAvailable from "
            "/proc/meminfo; `--memory-limit SIZE` overrides it) with exit code 2.\n",
            SCENARIO_MAX_DURATION_TEXT, SWEEP_MAX_VALUES, SWEEP_MAX_POINTS, SWEEP_MAX_RUNS);
    scenario_fini(&sc);
}
