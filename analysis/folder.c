/* folder: summary.csv read by column name and grouped into points (see folder.h). */
#include "analysis/folder.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis/csvread.h"
#include "core/suggest.h"
#include "core/xalloc.h"

char *folder_path(const struct folder *f, const char *name)
{
    size_t len = strlen(f->dir) + strlen(name) + 2;
    char *p = xmalloc(len);
    snprintf(p, len, "%s/%s", f->dir, name);
    return p;
}

void folder_free(struct folder *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->ncols; i++)
        free(f->cols[i]);
    for (size_t i = 0; i < f->nrows * f->ncols; i++)
        free(f->cells[i]);
    for (size_t p = 0; p < f->npoints; p++)
        free(f->pt[p].rows);
    free(f->cols);
    free(f->cells);
    free(f->lines);
    free(f->pt);
    free(f->summary);
    free(f->dir);
    free(f);
}

size_t folder_column(const struct folder *f, const char *name)
{
    for (size_t i = 0; i < f->ncols; i++)
        if (strcmp(f->cols[i], name) == 0)
            return i;
    return SIZE_MAX;
}

bool folder_need(const struct folder *f, const char *name, size_t *col, struct errbuf *e)
{
    *col = folder_column(f, name);
    const char *near =
        *col == SIZE_MAX ? suggest_closest(name, (const char *const *)f->cols, f->ncols) : NULL;
    if (near)
        errbuf_set(e, "%s:1: no column '%s'; did you mean '%s'?", f->summary, name, near);
    else if (*col == SIZE_MAX)
        errbuf_set(e, "%s:1: no column '%s' (a summary.csv of atlas-sim run or sweep has it)",
                   f->summary, name);
    return *col != SIZE_MAX;
}

const char *folder_cell(const struct folder *f, size_t row, size_t col)
{
    return f->cells[row * f->ncols + col];
}

bool folder_axis_in_seconds(const struct folder *f, size_t axis)
{
    if (axis == 0)
        return false;
    const char *name = f->cols[f->axis0 + axis], *prev = f->cols[f->axis0 + axis - 1];
    size_t n = strlen(prev);
    return strncmp(name, prev, n) == 0 && strcmp(name + n, "_s") == 0;
}

const char *folder_axis_value(const struct folder *f, size_t p, size_t axis)
{
    return folder_cell(f, f->pt[p].rows[0], f->axis0 + axis);
}

bool folder_u64(const struct folder *f, size_t row, size_t col, uint64_t *v, struct errbuf *e)
{
    const char *s = folder_cell(f, row, col);
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (*s < '0' || *s > '9' || *end || errno) {
        errbuf_set(e, "%s:%lu: %s: '%s' is not a non-negative integer", f->summary, f->lines[row],
                   f->cols[col], s);
        return false;
    }
    *v = x;
    return true;
}

bool folder_real(const struct folder *f, size_t row, size_t col, double *v, struct errbuf *e)
{
    const char *s = folder_cell(f, row, col);
    char *end;
    if (strcmp(s, "NA") == 0) {
        *v = NAN;
        return true;
    }
    *v = strtod(s, &end);
    if (!*s || *end || isspace((unsigned char)*s) || !isfinite(*v)) { /* inf, nan, 1e999 */
        errbuf_set(e, "%s:%lu: %s: '%s' is not a number (or NA)", f->summary, f->lines[row],
                   f->cols[col], s);
        return false;
    }
    return true;
}

/* The header: run, rep, seed and nodes by name; the swept keys between seed and nodes. */
static bool read_header(struct folder *f, struct csvread *r, struct errbuf *e)
{
    if (!csvread_unique(r, e))
        return false;
    f->ncols = csvread_count(r);
    f->cols = xcalloc(f->ncols, sizeof(*f->cols));
    for (size_t i = 0; i < f->ncols; i++)
        f->cols[i] = xstrdup(csvread_field(r, i));
    size_t nodes;
    if (!folder_need(f, "run", &f->run, e) || !folder_need(f, "rep", &f->rep, e) ||
        !folder_need(f, "seed", &f->seed, e) || !folder_need(f, "nodes", &nodes, e))
        return false;
    if (nodes <= f->seed) {
        errbuf_set(e,
                   "%s:1: column 'nodes' comes before 'seed' (the swept keys are between "
                   "them)",
                   f->summary);
        return false;
    }
    f->axis0 = f->seed + 1;
    f->naxes = nodes - f->axis0;
    return true;
}

static bool read_rows(struct folder *f, struct csvread *r, struct errbuf *e)
{
    size_t cap = 0, linecap = 0;
    enum csvread_status s;
    while ((s = csvread_next(r, e)) == CSVREAD_RECORD) {
        XGROW(f->cells, cap, (f->nrows + 1) * f->ncols);
        XGROW(f->lines, linecap, f->nrows + 1);
        for (size_t i = 0; i < f->ncols; i++)
            f->cells[f->nrows * f->ncols + i] = xstrdup(csvread_field(r, i));
        f->lines[f->nrows++] = csvread_line(r);
    }
    if (s == CSVREAD_ERROR)
        return false;
    if (f->nrows == 0)
        errbuf_set(e, "%s: no runs (only a header)", f->summary);
    return f->nrows > 0;
}

/* Sort key for grouping: the swept values, then the row index (so groups keep file order). */
static int cmp_rows(const void *pa, const void *pb, void *ctx)
{
    const struct folder *sorting = ctx;
    size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    for (size_t k = 0; k < sorting->naxes; k++) {
        int c = strcmp(folder_cell(sorting, a, sorting->axis0 + k),
                       folder_cell(sorting, b, sorting->axis0 + k));
        if (c)
            return c;
    }
    return (a > b) - (a < b);
}

static int cmp_points(const void *pa, const void *pb)
{
    const struct folder_point *a = pa, *b = pb;
    return (a->rows[0] > b->rows[0]) - (a->rows[0] < b->rows[0]);
}

static void group(struct folder *f)
{
    size_t *order = xcalloc(f->nrows, sizeof(*order));
    for (size_t i = 0; i < f->nrows; i++)
        order[i] = i;
    qsort_r(order, f->nrows, sizeof(*order), cmp_rows, f);
    f->pt = xcalloc(f->nrows, sizeof(*f->pt));
    for (size_t i = 0, j; i < f->nrows; i = j) {
        for (j = i + 1; j < f->nrows; j++) {
            size_t k = 0;
            while (k < f->naxes && strcmp(folder_cell(f, order[i], f->axis0 + k),
                                          folder_cell(f, order[j], f->axis0 + k)) == 0)
                k++;
            if (k < f->naxes)
                break;
        }
        struct folder_point *p = &f->pt[f->npoints++];
        p->nrows = j - i;
        p->rows = xcalloc(p->nrows, sizeof(*p->rows));
        memcpy(p->rows, order + i, p->nrows * sizeof(*p->rows));
    }
    qsort(f->pt, f->npoints, sizeof(*f->pt), cmp_points);
    free(order);
}

struct folder *folder_load(const char *dir, struct errbuf *e)
{
    struct stat st;
    int err = stat(dir, &st) != 0 ? errno : S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
    if (err) {
        errbuf_set(e, "%s: %s (give the output folder of atlas-sim run or sweep)", dir,
                   strerror(err));
        return NULL;
    }
    struct folder *f = xcalloc(1, sizeof(*f));
    f->dir = xstrdup(dir);
    f->summary = folder_path(f, "summary.csv");
    struct csvread *r = csvread_open(f->summary, e);
    bool ok = r != NULL;
    if (ok) {
        enum csvread_status s = csvread_next(r, e);
        if (s == CSVREAD_END)
            errbuf_set(e, "%s: empty file (expected a header row)", f->summary);
        ok = s == CSVREAD_RECORD && read_header(f, r, e) && read_rows(f, r, e);
    } else {
        char *journal = folder_path(f, ".journal");
        bool unfinished = access(journal, F_OK) == 0;
        free(journal);
        size_t len = strlen(e->msg);
        snprintf(e->msg + len, sizeof(e->msg) - len, "%s",
                 unfinished ? " (DIR/.journal exists: the sweep into DIR is still running or "
                              "was interrupted; wait for it, or finish it with atlas-sim sweep "
                              "FILE.yaml -o DIR --resume)"
                            : " (DIR must be an output folder of atlas-sim run or sweep)");
    }
    csvread_free(r);
    if (!ok) {
        folder_free(f);
        return NULL;
    }
    group(f);
    return f;
}
