/*
 * ledger: see ledger.h.
 *
 * File format, version 1 (text, one record per line, fields separated by one TAB):
 *   atlas-ledger<TAB>1
 *   INDEX KIND TIME PROPOSAL NODE VALUE PREV_HASH HASH TEXT      (one line per record)
 *   end COUNT HEAD_HASH
 * Numbers are unsigned decimal, hashes 16 lowercase hex digits, KIND a name from
 * LEDGER_KIND_LIST, TEXT the rest of the line with backslash, TAB, LF and CR escaped as
 * \\ \t \n \r. Every line ends with LF; the end line is the proof that the file is whole.
 */
#include "core/ledger.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "core/xalloc.h"

#define MAGIC     "atlas-ledger"
#define TEXT_SEED UINT64_C(0x4c45444745525458)

/* Record texts are packed into blocks freed with the ledger: no allocation per record. */
#define TEXT_BLOCK 16384

struct text_block {
    struct text_block *next; /* the block filled before this one */
    size_t used, cap;        /* bytes of s */
    char s[];
};

struct ledger {
    struct ledger_record *r; /* n records */
    size_t n, cap;
    struct text_block *texts; /* the block being filled, NULL before the first text */
};

static const char *const kind_names[] = {
#define X(sym, name) name,
    LEDGER_KIND_LIST(X)
#undef X
};

static const char *const error_msgs[] = {
#define X(sym, msg) msg,
    LEDGER_ERROR_LIST(X)
#undef X
};

const char *ledger_kind_name(enum ledger_kind k)
{
    return (unsigned)k < LEDGER_KIND_COUNT ? kind_names[k] : "?";
}

const char *ledger_strerror(enum ledger_error e)
{
    return (unsigned)e < LEDGER_ERROR_COUNT ? error_msgs[e] : "unknown ledger error";
}

struct ledger *ledger_new(void)
{
    return xcalloc(1, sizeof(struct ledger));
}

/* A copy of s that lives as long as l ("" needs no copy). */
static const char *keep_text(struct ledger *l, const char *s)
{
    size_t len = strlen(s) + 1;
    if (len == 1)
        return "";
    struct text_block *b = l->texts;
    if (!b || b->cap - b->used < len) {
        size_t cap = len > TEXT_BLOCK ? len : TEXT_BLOCK;
        b = xmalloc(sizeof(*b) + cap);
        *b = (struct text_block){.next = l->texts, .cap = cap};
        l->texts = b;
    }
    char *copy = memcpy(b->s + b->used, s, len);
    b->used += len;
    return copy;
}

void ledger_free(struct ledger *l)
{
    if (!l)
        return;
    for (struct text_block *b = l->texts, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    free(l->r);
    free(l);
}

struct ledger *ledger_clone(const struct ledger *l)
{
    struct ledger *c = ledger_new();
    c->cap = l->n;
    c->r = xmalloc((l->n ? l->n : 1) * sizeof(*c->r));
    for (size_t i = 0; i < l->n; i++) {
        c->r[i] = l->r[i];
        c->r[i].text = keep_text(c, l->r[i].text);
    }
    c->n = l->n;
    return c;
}

/* The hash of a record: its fields (text by content) chained onto prev_hash. */
static uint64_t record_hash(const struct ledger_record *r)
{
    uint64_t h = hash_combine(r->prev_hash, (uint64_t)r->kind);
    h = hash_combine(h, r->time);
    h = hash_combine(h, r->proposal);
    h = hash_combine(h, r->node);
    h = hash_combine(h, r->value);
    return hash_combine(h, hash_str(r->text, TEXT_SEED));
}

uint64_t ledger_head_hash(const struct ledger *l)
{
    return l->n ? l->r[l->n - 1].hash : LEDGER_GENESIS;
}

/* Append r (text already owned by the ledger), linking and hashing it. */
static uint64_t push(struct ledger *l, struct ledger_record r)
{
    r.prev_hash = ledger_head_hash(l);
    r.hash = record_hash(&r);
    XGROW(l->r, l->cap, l->n + 1);
    l->r[l->n++] = r;
    return r.hash;
}

uint64_t ledger_append(struct ledger *l, enum ledger_kind kind, uint64_t time, uint64_t proposal,
                       uint32_t node, uint64_t value, const char *text)
{
    return push(l, (struct ledger_record){.kind = kind,
                                          .time = time,
                                          .proposal = proposal,
                                          .node = node,
                                          .value = value,
                                          .text = keep_text(l, text ? text : "")});
}

size_t ledger_count(const struct ledger *l)
{
    return l->n;
}

const struct ledger_record *ledger_get(const struct ledger *l, size_t i)
{
    return i < l->n ? &l->r[i] : NULL;
}

size_t ledger_compare(const struct ledger *a, const struct ledger *b)
{
    size_t n = a->n < b->n ? a->n : b->n;
    for (size_t i = 0; i < n; i++)
        if (a->r[i].hash != b->r[i].hash)
            return i;
    return a->n == b->n ? LEDGER_SAME : n;
}

bool ledger_verify(const struct ledger *l, size_t *bad)
{
    uint64_t prev = LEDGER_GENESIS;
    for (size_t i = 0; i < l->n; i++) {
        if (l->r[i].prev_hash != prev || record_hash(&l->r[i]) != l->r[i].hash) {
            if (bad)
                *bad = i;
            return false;
        }
        prev = l->r[i].hash;
    }
    return true;
}

/* ---- writing ------------------------------------------------------------------------- */

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void
say(char *msg, size_t msglen, const char *fmt, ...)
{
    if (!msg || msglen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, msglen, fmt, ap);
    va_end(ap);
}

static void write_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '\\':
            fputs("\\\\", f);
            break;
        case '\t':
            fputs("\\t", f);
            break;
        case '\n':
            fputs("\\n", f);
            break;
        case '\r':
            fputs("\\r", f);
            break;
        default:
            fputc(*s, f);
        }
    }
}

static void write_records(const struct ledger *l, FILE *f)
{
    fprintf(f, "%s\t%d\n", MAGIC, LEDGER_FORMAT_VERSION);
    for (size_t i = 0; i < l->n; i++) {
        const struct ledger_record *r = &l->r[i];
        fprintf(f,
                "%zu\t%s\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu32 "\t%" PRIu64 "\t%016" PRIx64
                "\t%016" PRIx64 "\t",
                i, kind_names[r->kind], r->time, r->proposal, r->node, r->value, r->prev_hash,
                r->hash);
        write_text(f, r->text);
        fputc('\n', f);
    }
    fprintf(f, "end\t%zu\t%016" PRIx64 "\n", l->n, ledger_head_hash(l));
}

enum ledger_error ledger_write_file(const struct ledger *l, const char *path, char *msg,
                                    size_t msglen)
{
    size_t n = strlen(path) + 5;
    char *tmp = xmalloc(n);
    snprintf(tmp, n, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    int err = 0;
    if (!f) {
        err = errno;
    } else {
        write_records(l, f);
        if (ferror(f))
            err = errno ? errno : EIO;
        if (fclose(f) != 0 && !err)
            err = errno;
        if (!err && rename(tmp, path) != 0)
            err = errno;
        if (err)
            remove(tmp);
    }
    free(tmp);
    if (err) {
        say(msg, msglen, "%s: cannot write ledger: %s", path, strerror(err));
        return LEDGER_EIO;
    }
    return LEDGER_OK;
}

/* ---- reading ------------------------------------------------------------------------- */

struct reader {
    const char *path;
    char *data; /* the whole file, NUL-terminated */
    size_t size;
    char *pos;     /* start of the next line */
    unsigned line; /* number of the current line (1-based) */
    char *msg;
    size_t msglen;
};

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static enum ledger_error
fail(struct reader *rd, enum ledger_error e, long record, const char *fmt, ...)
{
    if (!rd->msg || rd->msglen == 0)
        return e;
    char detail[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    if (record >= 0)
        say(rd->msg, rd->msglen, "%s:%u: record %ld: %s: %s", rd->path, rd->line, record,
            ledger_strerror(e), detail);
    else
        say(rd->msg, rd->msglen, "%s:%u: %s: %s", rd->path, rd->line, ledger_strerror(e), detail);
    return e;
}

static enum ledger_error slurp(struct reader *rd)
{
    FILE *f = fopen(rd->path, "rb");
    if (!f) {
        say(rd->msg, rd->msglen, "%s: cannot read ledger: %s", rd->path, strerror(errno));
        return LEDGER_EIO;
    }
    size_t cap = 4096;
    rd->data = xmalloc(cap);
    size_t k;
    /* Reading stops at the first NUL byte, which check_no_nul then reports: an endless file
     * such as /dev/zero is refused at once instead of being read until memory runs out. */
    while ((k = fread(rd->data + rd->size, 1, cap - rd->size - 1, f)) > 0) {
        bool nul = memchr(rd->data + rd->size, '\0', k) != NULL;
        rd->size += k;
        if (nul)
            break;
        if (cap - rd->size - 1 == 0)
            XGROW(rd->data, cap, cap + 1);
    }
    int bad = ferror(f), err = bad ? errno : 0;
    fclose(f);
    rd->data[rd->size] = '\0';
    rd->pos = rd->data;
    if (bad) {
        say(rd->msg, rd->msglen, "%s: cannot read ledger: %s", rd->path, strerror(err));
        return LEDGER_EIO;
    }
    return LEDGER_OK;
}

/* The next line, NUL-terminated in place; NULL at the end or for an unterminated line. */
static char *next_line(struct reader *rd, bool *cut)
{
    *cut = false;
    if (rd->pos >= rd->data + rd->size)
        return NULL;
    char *line = rd->pos;
    char *nl = memchr(line, '\n', (size_t)(rd->data + rd->size - line));
    rd->line++;
    if (!nl) {
        *cut = true;
        return NULL;
    }
    *nl = '\0';
    rd->pos = nl + 1;
    return line;
}

/* Split at most max TAB-separated fields; the last takes the rest. Returns the count. */
static size_t split(char *line, char **f, size_t max)
{
    size_t n = 0;
    f[n++] = line;
    for (char *p = line; *p && n < max; p++)
        if (*p == '\t') {
            *p = '\0';
            f[n++] = p + 1;
        }
    return n;
}

static bool parse_u64(const char *s, int base, size_t width, uint64_t *out)
{
    size_t len = strlen(s);
    if (len == 0 || (width && len != width) || len > 20)
        return false;
    if (!width && len > 1 && s[0] == '0') /* one spelling per number, as the writer prints it */
        return false;
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        unsigned d;
        if (*p >= '0' && *p <= '9')
            d = (unsigned)(*p - '0');
        else if (base == 16 && *p >= 'a' && *p <= 'f')
            d = (unsigned)(*p - 'a' + 10);
        else
            return false;
        if (v > (UINT64_MAX - d) / (uint64_t)base)
            return false;
        v = v * (uint64_t)base + d;
    }
    *out = v;
    return true;
}

static bool parse_kind(const char *s, enum ledger_kind *k)
{
    for (int i = 0; i < LEDGER_KIND_COUNT; i++)
        if (strcmp(s, kind_names[i]) == 0) {
            *k = (enum ledger_kind)i;
            return true;
        }
    return false;
}

/* Unescape in place; false on an unknown escape or a raw TAB. */
static bool unescape(char *s)
{
    char *w = s;
    for (const char *p = s; *p; p++) {
        if (*p == '\t' || *p == '\r')
            return false;
        if (*p != '\\') {
            *w++ = *p;
            continue;
        }
        p++;
        switch (*p) {
        case '\\':
            *w++ = '\\';
            break;
        case 't':
            *w++ = '\t';
            break;
        case 'n':
            *w++ = '\n';
            break;
        case 'r':
            *w++ = '\r';
            break;
        default:
            return false;
        }
    }
    *w = '\0';
    return true;
}

enum { F_INDEX, F_KIND, F_TIME, F_PROPOSAL, F_NODE, F_VALUE, F_PREV, F_HASH, F_TEXT, NFIELDS };

static enum ledger_error parse_record(struct reader *rd, char *line, size_t index,
                                      struct ledger_record *r)
{
    char *f[NFIELDS];
    long rec = (long)index;
    if (split(line, f, NFIELDS) != NFIELDS)
        return fail(rd, LEDGER_ERECORD, rec, "expected %d tab-separated fields", NFIELDS);
    uint64_t idx, node;
    if (!parse_u64(f[F_INDEX], 10, 0, &idx) || idx != index)
        return fail(rd, LEDGER_ERECORD, rec, "index '%s', expected %zu", f[F_INDEX], index);
    if (!parse_kind(f[F_KIND], &r->kind))
        return fail(rd, LEDGER_ERECORD, rec, "unknown kind '%s'", f[F_KIND]);
    if (!parse_u64(f[F_TIME], 10, 0, &r->time) || !parse_u64(f[F_PROPOSAL], 10, 0, &r->proposal) ||
        !parse_u64(f[F_NODE], 10, 0, &node) || node > UINT32_MAX ||
        !parse_u64(f[F_VALUE], 10, 0, &r->value))
        return fail(rd, LEDGER_ERECORD, rec, "bad number in time, proposal, node or value");
    r->node = (uint32_t)node;
    if (!parse_u64(f[F_PREV], 16, 16, &r->prev_hash) || !parse_u64(f[F_HASH], 16, 16, &r->hash))
        return fail(rd, LEDGER_ERECORD, rec, "hashes must be 16 lowercase hex digits");
    if (!unescape(f[F_TEXT]))
        return fail(rd, LEDGER_ERECORD, rec, "bad escape or raw control character in text");
    r->text = f[F_TEXT];
    return LEDGER_OK;
}

static enum ledger_error check_link(struct reader *rd, const struct ledger *l,
                                    const struct ledger_record *r)
{
    long rec = (long)l->n;
    uint64_t prev = ledger_head_hash(l);
    if (r->prev_hash != prev)
        return fail(rd, LEDGER_ECHAIN, rec,
                    "prev_hash %016" PRIx64 " is not the hash %016" PRIx64 " of record %ld",
                    r->prev_hash, prev, rec - 1);
    uint64_t h = record_hash(r);
    if (h != r->hash)
        return fail(rd, LEDGER_ECHAIN, rec,
                    "stored hash %016" PRIx64 " but the contents hash to %016" PRIx64, r->hash, h);
    return LEDGER_OK;
}

static enum ledger_error check_end(struct reader *rd, const struct ledger *l, char *line)
{
    char *f[3];
    uint64_t count, head;
    if (split(line, f, 3) != 3 || !parse_u64(f[1], 10, 0, &count) ||
        !parse_u64(f[2], 16, 16, &head))
        return fail(rd, LEDGER_ERECORD, -1, "malformed end line");
    if (count != l->n || head != ledger_head_hash(l))
        return fail(rd, LEDGER_ECHAIN, -1,
                    "end line says %" PRIu64 " records ending in %016" PRIx64
                    ", file has %zu ending in %016" PRIx64,
                    count, head, l->n, ledger_head_hash(l));
    bool cut;
    if (next_line(rd, &cut) || cut)
        return fail(rd, LEDGER_ERECORD, -1, "data after the end line");
    return LEDGER_OK;
}

/* A ledger file is text: a NUL byte would end its line early and hide the rest from the checks. */
static enum ledger_error check_no_nul(struct reader *rd)
{
    const char *nul = memchr(rd->data, '\0', rd->size);
    if (!nul)
        return LEDGER_OK;
    const char *bol = rd->data;
    for (const char *p = rd->data; p < nul; p++)
        if (*p == '\n') {
            rd->line++;
            bol = p + 1;
        }
    rd->line++;
    return fail(rd, LEDGER_EFORMAT, -1, "NUL byte at column %zu", (size_t)(nul - bol) + 1);
}

static enum ledger_error read_header(struct reader *rd)
{
    bool cut;
    char *line = next_line(rd, &cut);
    if (!line && (cut || rd->size == 0))
        return fail(rd, LEDGER_ETRUNCATED, -1, "no complete header line");
    char *f[2];
    if (!line || split(line, f, 2) != 2 || strcmp(f[0], MAGIC) != 0)
        return fail(rd, LEDGER_EFORMAT, -1, "expected '%s<TAB>%d'", MAGIC, LEDGER_FORMAT_VERSION);
    uint64_t v;
    if (!parse_u64(f[1], 10, 0, &v) || v != LEDGER_FORMAT_VERSION)
        return fail(rd, LEDGER_EVERSION, -1, "version '%s', this program reads %d", f[1],
                    LEDGER_FORMAT_VERSION);
    return LEDGER_OK;
}

static enum ledger_error read_body(struct reader *rd, struct ledger *l)
{
    enum ledger_error e = check_no_nul(rd);
    if (e != LEDGER_OK)
        return e;
    e = read_header(rd);
    for (;;) {
        if (e != LEDGER_OK)
            return e;
        bool cut;
        char *line = next_line(rd, &cut);
        if (!line)
            return fail(rd, LEDGER_ETRUNCATED, cut ? (long)l->n : -1,
                        cut ? "last line has no end of line" : "no end line after %zu records",
                        l->n);
        if (strncmp(line, "end\t", 4) == 0)
            return check_end(rd, l, line);
        struct ledger_record r;
        e = parse_record(rd, line, l->n, &r);
        if (e == LEDGER_OK)
            e = check_link(rd, l, &r);
        if (e == LEDGER_OK) {
            r.text = keep_text(l, r.text);
            XGROW(l->r, l->cap, l->n + 1);
            l->r[l->n++] = r;
        }
    }
}

enum ledger_error ledger_read_file(const char *path, struct ledger **out, char *msg, size_t msglen)
{
    struct reader rd = {.path = path, .msg = msg, .msglen = msglen};
    *out = NULL;
    enum ledger_error e = slurp(&rd);
    struct ledger *l = ledger_new();
    if (e == LEDGER_OK)
        e = read_body(&rd, l);
    free(rd.data);
    if (e != LEDGER_OK) {
        ledger_free(l);
        return e;
    }
    *out = l;
    return LEDGER_OK;
}
