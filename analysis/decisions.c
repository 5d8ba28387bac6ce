/* decisions: decision times pooled from outcomes.csv (see decisions.h). */
#include "analysis/decisions.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/csvread.h"
#include "core/xalloc.h"

bool decisions_parse_seconds(const char *s, uint64_t *ns)
{
    uint64_t whole = 0, frac = 0;
    int digits = 0, fdigits = 0;
    for (; *s >= '0' && *s <= '9'; s++, digits++) {
        if (whole > (UINT64_MAX / 1000000000u - 9) / 10)
            return false;
        whole = whole * 10 + (uint64_t)(*s - '0');
    }
    if (*s == '.')
        for (s++; *s >= '0' && *s <= '9' && fdigits < 9; s++, fdigits++)
            frac = frac * 10 + (uint64_t)(*s - '0');
    if (*s || !digits || (fdigits == 0 && s[-1] == '.'))
        return false;
    for (; fdigits < 9; fdigits++)
        frac *= 10;
    *ns = whole * 1000000000u + frac;
    return true;
}

/* The outcomes file of summary row `row`, or NULL if the folder has none for it. */
static char *outcomes_path(const struct folder *f, size_t row)
{
    size_t len = strlen(f->dir) + strlen(folder_cell(f, row, f->run)) + 32;
    char *p = xmalloc(len);
    snprintf(p, len, "%s/runs/%s/outcomes.csv", f->dir, folder_cell(f, row, f->run));
    if (access(p, F_OK) == 0)
        return p;
    free(p);
    p = folder_path(f, "outcomes.csv");
    if (f->nrows == 1 && access(p, F_OK) == 0)
        return p;
    free(p);
    return NULL;
}

struct columns {
    size_t run, seed, submitted, decided, outcome;
};

static bool find_columns(struct csvread *r, struct columns *c, struct errbuf *e)
{
    static const char *const names[] = {"run", "seed", "submitted_s", "decided_s", "outcome"};
    size_t *idx[] = {&c->run, &c->seed, &c->submitted, &c->decided, &c->outcome};
    if (!csvread_unique(r, e))
        return false;
    for (size_t k = 0; k < 5; k++) {
        *idx[k] = SIZE_MAX;
        for (size_t i = 0; i < csvread_count(r); i++)
            if (strcmp(csvread_field(r, i), names[k]) == 0)
                *idx[k] = i;
        if (*idx[k] == SIZE_MAX) {
            errbuf_set(e, "%s:1: no column '%s'", csvread_name(r), names[k]);
            return false;
        }
    }
    return true;
}

static bool is_decided(const char *outcome, struct csvread *r, struct errbuf *e)
{
    static const char *const decided[] = {"approved", "rejected", "timeout"};
    static const char *const undecided[] = {"no_quorum", "invalid", "aborted", "undecided"};
    for (size_t i = 0; i < 3; i++)
        if (strcmp(outcome, decided[i]) == 0)
            return true;
    for (size_t i = 0; i < 4; i++)
        if (strcmp(outcome, undecided[i]) == 0)
            return false;
    errbuf_set(e, "%s:%lu: unknown outcome '%s'", csvread_name(r), csvread_line(r), outcome);
    return false;
}

/* Append the decision times of one record (if decided); false on an error. */
static bool add_record(struct csvread *r, const struct columns *c, const char *run,
                       const char *seed, struct decisions *out, size_t *cap, size_t *ccap,
                       struct errbuf *e)
{
    const char *outcome = csvread_field(r, c->outcome);
    e->msg[0] = '\0';
    if (strcmp(csvread_field(r, c->run), run) || strcmp(csvread_field(r, c->seed), seed)) {
        errbuf_set(e, "%s:%lu: run %s seed %s, but its summary.csv row is run %s seed %s",
                   csvread_name(r), csvread_line(r), csvread_field(r, c->run),
                   csvread_field(r, c->seed), run, seed);
        return false;
    }
    if (!is_decided(outcome, r, e))
        return e->msg[0] == '\0';
    uint64_t sub, dec;
    if (!decisions_parse_seconds(csvread_field(r, c->submitted), &sub) ||
        !decisions_parse_seconds(csvread_field(r, c->decided), &dec) || dec < sub) {
        errbuf_set(e,
                   "%s:%lu: submitted_s '%s' and decided_s '%s' are not times in seconds "
                   "with decided_s >= submitted_s",
                   csvread_name(r), csvread_line(r), csvread_field(r, c->submitted),
                   csvread_field(r, c->decided));
        return false;
    }
    XGROW(out->ns, *cap, out->n + 1);
    out->ns[out->n++] = dec - sub;
    if (strcmp(outcome, "approved") == 0) {
        XGROW(out->commit_ns, *ccap, out->ncommit + 1);
        out->commit_ns[out->ncommit++] = dec - sub;
    }
    return true;
}

/* Read the decision times of summary row `row` from path. */
static bool load_run(const struct folder *f, size_t row, const char *path, struct decisions *out,
                     size_t *cap, size_t *ccap, struct errbuf *e)
{
    struct csvread *r = csvread_open(path, e);
    struct columns c;
    size_t before = out->n;
    enum csvread_status s = r ? csvread_next(r, e) : CSVREAD_ERROR;
    if (s == CSVREAD_END)
        errbuf_set(e, "%s: empty file (expected a header row)", path);
    bool ok = s == CSVREAD_RECORD && find_columns(r, &c, e);
    const char *run = folder_cell(f, row, f->run), *seed = folder_cell(f, row, f->seed);
    while (ok && (s = csvread_next(r, e)) == CSVREAD_RECORD)
        ok = add_record(r, &c, run, seed, out, cap, ccap, e);
    ok = ok && s == CSVREAD_END;
    csvread_free(r);
    uint64_t count[3], want = 0;
    static const char *const names[] = {"approved", "rejected", "timeout"};
    for (size_t k = 0; ok && k < 3; k++) {
        size_t col;
        ok = folder_need(f, names[k], &col, e) && folder_u64(f, row, col, &count[k], e);
        want += ok ? count[k] : 0;
    }
    if (ok && want != out->n - before) {
        errbuf_set(e,
                   "%s: %zu decided proposals, but %s:%lu says approved + rejected + "
                   "timeout = %llu",
                   path, out->n - before, f->summary, f->lines[row], (unsigned long long)want);
        ok = false;
    }
    return ok;
}

static int cmp_u64(const void *pa, const void *pb)
{
    uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
    return (a > b) - (a < b);
}

void decisions_free(struct decisions *d)
{
    free(d->ns);
    free(d->commit_ns);
    *d = (struct decisions){0};
}

enum decisions_status decisions_load(const struct folder *f, size_t point, struct decisions *out,
                                     struct errbuf *e)
{
    const struct folder_point *p = &f->pt[point];
    char **paths = xcalloc(p->nrows, sizeof(*paths));
    bool all = true;
    for (size_t i = 0; i < p->nrows; i++)
        all = (paths[i] = outcomes_path(f, p->rows[i])) != NULL && all;
    size_t cap = 0, ccap = 0;
    *out = (struct decisions){0};
    bool ok = true;
    for (size_t i = 0; all && ok && i < p->nrows; i++)
        ok = load_run(f, p->rows[i], paths[i], out, &cap, &ccap, e);
    for (size_t i = 0; i < p->nrows; i++)
        free(paths[i]);
    free(paths);
    if (!all || !ok) {
        decisions_free(out);
        return all ? DECISIONS_ERROR : DECISIONS_MISSING;
    }
    if (out->n) /* NULL without a decided proposal */
        qsort(out->ns, out->n, sizeof(*out->ns), cmp_u64);
    if (out->ncommit)
        qsort(out->commit_ns, out->ncommit, sizeof(*out->commit_ns), cmp_u64);
    return DECISIONS_OK;
}
