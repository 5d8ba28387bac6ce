/* sweep_dir: identity file, journal and result files of a sweep folder (see sweep_dir.h). */
#include "sim/sweep/sweep_dir.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/xalloc.h"
#include "sim/output/outfile.h"
#include "sim/output/points.h"
#include "sim/run/run.h"

#define SYNC_INTERVAL_NS 200000000LL
#define JOURNAL_BUFFER   65536 /* bytes of entries held before a write */

uint64_t sweep_dir_hash(const struct sweep_plan *p, const char *resolved, size_t len)
{
    uint64_t h = sweep_plan_hash(p, resolved, len);
    return (h ^ (uint64_t)sizeof(struct run_metrics)) * UINT64_C(0x100000001b3);
}

static bool diag_fail(struct diag *d, char *err, size_t errlen)
{
    const struct diag_item *it = d->n ? &d->items[0] : NULL;
    sweep_fail(err, errlen, "%s%s%s", it && it->file ? it->file : "", it && it->file ? ": " : "",
               it ? it->msg : "cannot write");
    diag_fini(d);
    return false;
}

bool sweep_dir_write_file(const char *dir, const char *name, void (*fill)(FILE *f, void *ctx),
                          void *ctx, char *err, size_t errlen)
{
    struct diag d;
    diag_init(&d);
    struct outdir *o = outdir_open(dir, &d);
    FILE *f = o ? outdir_create(o, name, &d) : NULL;
    if (!f) {
        outdir_abort(o);
        return diag_fail(&d, err, errlen);
    }
    fill(f, ctx);
    if (!outdir_commit(o, &d))
        return diag_fail(&d, err, errlen);
    diag_fini(&d);
    return true;
}

size_t sweep_dir_clean(const char *dir)
{
    size_t removed = outdir_clean(dir);
    char *runs = outdir_join(dir, "runs");
    DIR *dp = opendir(runs);
    struct dirent *e;
    while (dp && (e = readdir(dp)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char *sub = outdir_join(runs, e->d_name);
        removed += outdir_clean(sub);
        removed += rmdir(sub) == 0; /* only if empty */
        free(sub);
    }
    if (dp)
        closedir(dp);
    free(runs);
    return removed;
}

/* ---- .sweep ------------------------------------------------------------------------- */

static void meta_fill(FILE *f, void *ctx)
{
    const struct sweep_meta *m = ctx;
    const struct sweep_plan *p = &m->plan;
    fprintf(f,
            "atlas-sim-sweep 1\nhash %016" PRIx64 "\nshard %" PRIu32 "/%" PRIu32 "\nseed %" PRIu64
            "\nreplications %" PRIu32 "\n",
            m->hash, m->shard_k, m->shard_n, p->base_seed, p->replications);
    for (size_t i = 0; i < p->naxes; i++) {
        fprintf(f, "axis %zu %s\n", p->axes[i].nvalues, p->axes[i].path);
        for (size_t j = 0; j < p->axes[i].nvalues; j++)
            fprintf(f, "%s\n", p->axes[i].values[j]);
    }
}

bool sweep_meta_write(const char *dir, const struct sweep_meta *m, char *err, size_t errlen)
{
    for (size_t i = 0; i < m->plan.naxes; i++)
        for (size_t j = 0; j < m->plan.axes[i].nvalues; j++)
            if (strpbrk(m->plan.axes[i].values[j], "\r\n") || strchr(m->plan.axes[i].path, '\n'))
                return sweep_fail(err, errlen, "sweep.params.%s: a value contains a line break",
                                  m->plan.axes[i].path);
    return sweep_dir_write_file(dir, SWEEP_META_FILE, meta_fill, (void *)m, err, errlen);
}

void sweep_meta_fini(struct sweep_meta *m)
{
    sweep_plan_fini(&m->plan);
}

static char *next_line(FILE *f, char **buf, size_t *cap)
{
    ssize_t n = getline(buf, cap, f);
    if (n <= 0 || (*buf)[n - 1] != '\n')
        return NULL;
    (*buf)[n - 1] = '\0';
    return *buf;
}

static bool meta_parse(FILE *f, struct sweep_meta *m)
{
    char *line = NULL, *s;
    size_t cap = 0;
    uint64_t seed = 0;
    uint32_t reps = 0;
    bool ok = (s = next_line(f, &line, &cap)) && strcmp(s, "atlas-sim-sweep 1") == 0 &&
              (s = next_line(f, &line, &cap)) && sscanf(s, "hash %" SCNx64, &m->hash) == 1 &&
              (s = next_line(f, &line, &cap)) &&
              sscanf(s, "shard %" SCNu32 "/%" SCNu32, &m->shard_k, &m->shard_n) == 2 &&
              (s = next_line(f, &line, &cap)) && sscanf(s, "seed %" SCNu64, &seed) == 1 &&
              (s = next_line(f, &line, &cap)) && sscanf(s, "replications %" SCNu32, &reps) == 1 &&
              reps >= 1 && m->shard_k >= 1 && m->shard_k <= m->shard_n;
    if (ok)
        sweep_plan_init(&m->plan, seed, reps);
    while (ok && (s = next_line(f, &line, &cap))) {
        size_t n;
        int off = 0;
        ok = sscanf(s, "axis %zu %n", &n, &off) == 1 && off > 0 && n >= 1 && n < SIZE_MAX / 8;
        char *path = ok ? xstrdup(s + off) : NULL;
        char **vals = ok ? xcalloc(n, sizeof(*vals)) : NULL;
        size_t got = 0;
        for (; ok && got < n && (s = next_line(f, &line, &cap)); got++)
            vals[got] = xstrdup(s);
        ok = ok && got == n;
        if (ok)
            sweep_plan_set_axis(&m->plan, path, n, (const char *const *)vals);
        if (vals)
            sweep_values_free(got, vals);
        free(path);
    }
    free(line);
    return ok && !ferror(f);
}

bool sweep_meta_read(const char *dir, struct sweep_meta *m, char *err, size_t errlen)
{
    char *path = outdir_join(dir, SWEEP_META_FILE);
    FILE *f = fopen(path, "r");
    memset(m, 0, sizeof(*m));
    bool ok = f && meta_parse(f, m);
    if (!f)
        sweep_fail(err, errlen, "%s: not a sweep folder (cannot read %s: %s)", dir, SWEEP_META_FILE,
                   strerror(errno));
    else if (!ok)
        sweep_fail(err, errlen, "%s: malformed sweep identity file", path);
    if (f)
        fclose(f);
    if (!ok)
        sweep_meta_fini(m);
    free(path);
    return ok;
}

/* ---- store -------------------------------------------------------------------------- */

void sweep_store_init(struct sweep_store *st, uint64_t nruns)
{
    st->nruns = nruns;
    st->ndone = 0;
    st->have = xcalloc(nruns ? nruns : 1, sizeof(*st->have));
    st->status = xcalloc(nruns ? nruns : 1, sizeof(*st->status));
    st->m = xcalloc(nruns ? nruns : 1, sizeof(*st->m));
}

void sweep_store_get(const struct sweep_store *st, uint32_t run, struct sweep_result *out)
{
    assert(run < st->nruns && st->have[run]);
    memset(out, 0, sizeof(*out));
    out->run = run;
    out->status = st->status[run];
    out->m = st->m[run];
}

void sweep_store_fini(struct sweep_store *st)
{
    free(st->have);
    free(st->status);
    free(st->m);
    st->have = NULL;
    st->status = NULL;
    st->m = NULL;
}

bool sweep_store_put(struct sweep_store *st, const struct sweep_result *r)
{
    if (st->have[r->run])
        return st->status[r->run] == r->status && memcmp(&st->m[r->run], &r->m, sizeof(r->m)) == 0;
    st->have[r->run] = true;
    st->status[r->run] = (uint8_t)r->status;
    st->m[r->run] = r->m;
    st->ndone++;
    return true;
}

/* ---- journal ------------------------------------------------------------------------ */

struct sweep_journal {
    int fd;
    char *path;
    struct timespec last_sync;
    char *pend; /* encoded entries not yet written */
    size_t plen, pcap;
};

#define METRICS_HEX  (2 * sizeof(struct run_metrics))
#define LINE_MAX_LEN (METRICS_HEX + 64)

static uint32_t check32(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static size_t encode(const struct sweep_result *r, char *out)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *b = (const unsigned char *)&r->m;
    int n = snprintf(out, LINE_MAX_LEN, "%" PRIu32 " %" PRIu32 " ", r->run, r->status);
    for (size_t i = 0; i < sizeof(r->m); i++) {
        out[n++] = hex[b[i] >> 4];
        out[n++] = hex[b[i] & 15];
    }
    n += snprintf(out + n, LINE_MAX_LEN - (size_t)n, " %08" PRIx32 "\n", check32(out, (size_t)n));
    return (size_t)n;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decode one line (without its '\n'); false if malformed. */
static bool decode(const char *s, size_t len, uint64_t nruns, struct sweep_result *r)
{
    int off = 0;
    uint32_t check;
    memset(r, 0, sizeof(*r));
    if (sscanf(s, "%" SCNu32 " %" SCNu32 " %n", &r->run, &r->status, &off) != 2 || off == 0 ||
        r->run >= nruns || r->status > SWEEP_RUN_INVARIANT ||
        len != (size_t)off + METRICS_HEX + 9 || s[off + METRICS_HEX] != ' ' ||
        sscanf(s + off + METRICS_HEX + 1, "%8" SCNx32, &check) != 1 ||
        check != check32(s, (size_t)off + METRICS_HEX))
        return false;
    unsigned char *b = (unsigned char *)&r->m;
    for (size_t i = 0; i < sizeof(r->m); i++) {
        int hi = hexval(s[off + 2 * i]), lo = hexval(s[off + 2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        b[i] = (unsigned char)(hi << 4 | lo);
    }
    return true;
}

/* Load every entry; *good is the length of the valid prefix (a torn tail is excluded). */
static bool journal_read(const char *path, struct sweep_store *st, off_t *good, char *err,
                         size_t errlen)
{
    FILE *f = fopen(path, "r");
    *good = 0;
    if (!f)
        return errno == ENOENT || sweep_fail(err, errlen, "%s: %s", path, strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    unsigned lineno = 0;
    bool ok = true;
    struct sweep_result r;
    while (ok && (n = getline(&line, &cap, f)) > 0) {
        lineno++;
        bool whole = line[n - 1] == '\n';
        bool valid = whole && decode(line, (size_t)n - 1, st->nruns, &r);
        if (!valid) {
            /* A torn or garbled line is only acceptable at the very end (kill -9). */
            ok = getline(&line, &cap, f) <= 0 ||
                 sweep_fail(err, errlen, "%s:%u: corrupt journal entry", path, lineno);
            break;
        }
        if (!sweep_store_put(st, &r))
            ok = sweep_fail(err, errlen,
                            "%s:%u: run %" PRIu32 " recorded twice with different results", path,
                            lineno, r.run);
        *good += n;
    }
    free(line);
    fclose(f);
    return ok;
}

bool sweep_journal_load(const char *dir, struct sweep_store *st, char *err, size_t errlen)
{
    char *path = outdir_join(dir, SWEEP_JOURNAL_FILE);
    off_t good;
    bool ok = journal_read(path, st, &good, err, errlen);
    free(path);
    return ok;
}

struct sweep_journal *sweep_journal_open(const char *dir, struct sweep_store *st, char *err,
                                         size_t errlen)
{
    char *path = outdir_join(dir, SWEEP_JOURNAL_FILE);
    off_t good;
    int fd = -1;
    if (journal_read(path, st, &good, err, errlen)) {
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
        if (fd < 0 || ftruncate(fd, good) != 0) {
            sweep_fail(err, errlen, "%s: %s", path, strerror(errno));
            if (fd >= 0)
                close(fd);
            fd = -1;
        }
    }
    if (fd < 0) {
        free(path);
        return NULL;
    }
    struct sweep_journal *j = xcalloc(1, sizeof(*j));
    j->fd = fd;
    j->path = path;
    clock_gettime(CLOCK_MONOTONIC, &j->last_sync);
    return j;
}

bool sweep_journal_append(struct sweep_journal *j, const struct sweep_result *r, char *err,
                          size_t errlen)
{
    XGROW(j->pend, j->pcap, j->plen + LINE_MAX_LEN);
    j->plen += encode(r, j->pend + j->plen);
    return j->plen < JOURNAL_BUFFER || sweep_journal_flush(j, err, errlen);
}

bool sweep_journal_flush(struct sweep_journal *j, char *err, size_t errlen)
{
    size_t done = 0;
    while (done < j->plen) {
        ssize_t k = write(j->fd, j->pend + done, j->plen - done);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return sweep_fail(err, errlen, "%s: %s", j->path, strerror(errno));
        done += (size_t)k;
    }
    j->plen = 0;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long long ns =
        (now.tv_sec - j->last_sync.tv_sec) * 1000000000LL + (now.tv_nsec - j->last_sync.tv_nsec);
    if (ns >= SYNC_INTERVAL_NS) {
        j->last_sync = now;
        if (fdatasync(j->fd) != 0)
            return sweep_fail(err, errlen, "%s: %s", j->path, strerror(errno));
    }
    return true;
}

bool sweep_journal_close(struct sweep_journal *j, char *err, size_t errlen)
{
    if (!j)
        return true;
    bool ok =
        sweep_journal_flush(j, err, errlen) &&
        (fdatasync(j->fd) == 0 || sweep_fail(err, errlen, "%s: %s", j->path, strerror(errno)));
    close(j->fd);
    free(j->pend);
    free(j->path);
    free(j);
    return ok;
}

/* ---- results ------------------------------------------------------------------------ */

/*
 * The swept columns: one per axis, and after an axis whose every value is a duration
 * ("100ms", "1s") a second one, PATH_s, with the value in seconds, so that pandas and
 * gnuplot can plot against it.
 */
struct results_ctx {
    const struct sweep_plan *p;
    const struct sweep_store *st;
    uint32_t k, n;
    size_t ncols;
    const char **paths;            /* column names */
    size_t *axis;                  /* the axis of each column */
    bool *seconds;                 /* the column is an axis's value in seconds */
    char **names;                  /* PATH_s names (owned), or NULL */
    const char **values;           /* scratch: one point's values */
    char (*secs)[SIM_TIME_BUFLEN]; /* scratch: the seconds texts */
};

static bool all_durations(const struct sweep_axis *ax)
{
    sim_time t;
    for (size_t i = 0; i < ax->nvalues; i++)
        if (!sim_time_parse(ax->values[i], &t, NULL, 0))
            return false;
    return true;
}

static void columns_init(struct results_ctx *c)
{
    size_t max = 2 * c->p->naxes + 1;
    c->paths = xcalloc(max, sizeof(*c->paths));
    c->axis = xcalloc(max, sizeof(*c->axis));
    c->seconds = xcalloc(max, sizeof(*c->seconds));
    c->names = xcalloc(max, sizeof(*c->names));
    c->values = xcalloc(max, sizeof(*c->values));
    c->secs = xcalloc(max, sizeof(*c->secs));
    for (size_t a = 0; a < c->p->naxes; a++) {
        const struct sweep_axis *ax = &c->p->axes[a];
        c->axis[c->ncols] = a;
        c->paths[c->ncols++] = ax->path;
        if (!all_durations(ax))
            continue;
        size_t len = strlen(ax->path) + 3;
        c->names[c->ncols] = xmalloc(len);
        snprintf(c->names[c->ncols], len, "%s_s", ax->path);
        c->axis[c->ncols] = a;
        c->seconds[c->ncols] = true;
        c->paths[c->ncols] = c->names[c->ncols];
        c->ncols++;
    }
}

static void columns_fini(struct results_ctx *c)
{
    for (size_t i = 0; i < c->ncols; i++)
        free(c->names[i]);
    free(c->names);
    free(c->paths);
    free(c->axis);
    free(c->seconds);
    free(c->values);
    free(c->secs);
}

static void point_values(struct results_ctx *c, uint64_t point)
{
    for (size_t i = 0; i < c->ncols; i++) {
        const char *v = sweep_point_value(c->p, point, c->axis[i]);
        sim_time t;
        if (c->seconds[i] && sim_time_parse(v, &t, NULL, 0))
            v = sim_time_format_seconds(t, c->secs[i]);
        c->values[i] = v;
    }
}

static void summary_fill(FILE *f, void *ctx)
{
    struct results_ctx *c = ctx;
    uint32_t protocols = 0; /* the protocols of the shard's runs: their metric columns */
    for (uint64_t run = 0; run < c->p->nruns; run++)
        if (sweep_run_in_shard(run, c->k, c->n))
            protocols |=
                1u << c->st->m[run].protocol | (c->st->m[run].clients ? METRICS_CLIENTS : 0);
    summary_write_header(f, c->ncols, c->paths, protocols);
    for (uint64_t run = 0; run < c->p->nruns; run++) {
        if (!sweep_run_in_shard(run, c->k, c->n))
            continue;
        uint64_t point;
        uint32_t rep;
        sweep_run_locate(c->p, run, &point, &rep);
        point_values(c, point);
        struct run_ident id = {
            .run = (uint32_t)run, .rep = rep, .seed = sweep_seed(c->p->base_seed, rep)};
        summary_write_row(f, &id, c->ncols, c->values, &c->st->m[run], protocols);
    }
}

static void points_fill(FILE *f, void *ctx)
{
    struct results_ctx *c = ctx;
    uint32_t reps = c->p->replications;
    double *samples = xcalloc((size_t)reps * POINTS_WIDTH, sizeof(*samples));
    bool clients = false; /* any run with clients: their columns */
    for (uint64_t run = 0; run < c->p->nruns; run++)
        clients |= c->st->m[run].clients;
    points_write_header(f, c->ncols, c->paths, clients);
    for (uint64_t point = 0; point < c->p->npoints; point++) {
        for (uint32_t r = 0; r < reps; r++)
            points_sample_row(&c->st->m[point * reps + r], samples + (size_t)r * POINTS_WIDTH);
        point_values(c, point);
        points_write_row(f, c->ncols, c->values, samples, reps, clients);
    }
    free(samples);
}

bool sweep_dir_write_results(const char *dir, const struct sweep_plan *p,
                             const struct sweep_store *st, uint32_t shard_k, uint32_t shard_n,
                             bool with_points, char *err, size_t errlen)
{
    struct results_ctx c = {.p = p, .st = st, .k = shard_k, .n = shard_n};
    columns_init(&c);
    struct diag d;
    diag_init(&d);
    struct outdir *o = outdir_open(dir, &d);
    FILE *fs = o ? outdir_create(o, "summary.csv", &d) : NULL;
    FILE *fp = fs && with_points ? outdir_create(o, "points.csv", &d) : NULL;
    bool ok = fs && (fp || !with_points);
    if (ok) {
        summary_fill(fs, &c);
        if (fp)
            points_fill(fp, &c);
        ok = outdir_commit(o, &d);
    } else {
        outdir_abort(o);
    }
    ok = ok ? (diag_fini(&d), true) : diag_fail(&d, err, errlen);
    columns_fini(&c);
    return ok;
}
