/* byzantine: Byzantine voters from events.csv and their approval closed form (see byzantine.h). */
#include "analysis/byzantine.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/csvread.h"
#include "analysis/estimate.h"
#include "core/xalloc.h"

/* The events file of summary row `row`, or NULL if the folder has none for it. */
static char *events_path(const struct folder *f, size_t row)
{
    size_t len = strlen(f->dir) + strlen(folder_cell(f, row, f->run)) + 32;
    char *p = xmalloc(len);
    snprintf(p, len, "%s/runs/%s/events.csv", f->dir, folder_cell(f, row, f->run));
    if (access(p, F_OK) == 0)
        return p;
    free(p);
    p = folder_path(f, "events.csv");
    if (f->nrows == 1 && access(p, F_OK) == 0)
        return p;
    free(p);
    return NULL;
}

static size_t column(const struct csvread *r, const char *name)
{
    for (size_t i = 0; i < csvread_count(r); i++)
        if (strcmp(csvread_field(r, i), name) == 0)
            return i;
    return SIZE_MAX;
}

/* Count one `byzantine` row's behaviour. */
static bool count_row(struct csvread *r, const char *detail, struct byzantine_count *out,
                      struct errbuf *e)
{
    static const char *const known[] = {"always-no", "equivocate", "silent", "yes-on-invalid"};
    const char *name = strncmp(detail, "behaviour=", 10) == 0 ? detail + 10 : "";
    for (size_t k = 0; k < 4; k++)
        if (strcmp(name, known[k]) == 0) {
            out->b++;
            out->yes += k == 3;
            return true;
        }
    errbuf_set(e, "%s:%lu: unknown Byzantine behaviour '%s'", csvread_name(r), csvread_line(r),
               detail);
    return false;
}

bool byzantine_read(const struct folder *f, size_t row, struct byzantine_count *out,
                    struct errbuf *e)
{
    *out = (struct byzantine_count){0};
    char *path = events_path(f, row);
    if (!path)
        return true;
    struct csvread *r = csvread_open(path, e);
    free(path);
    if (!r)
        return false;
    bool ok = csvread_next(r, e) == CSVREAD_RECORD && csvread_unique(r, e);
    size_t time = ok ? column(r, "time_s") : 0, event = ok ? column(r, "event") : 0,
           detail = ok ? column(r, "detail") : 0;
    if (ok && (time == SIZE_MAX || event == SIZE_MAX || detail == SIZE_MAX)) {
        errbuf_set(e, "%s:1: no column time_s, event or detail", csvread_name(r));
        ok = false;
    }
    enum csvread_status st = CSVREAD_END;
    while (ok && (st = csvread_next(r, e)) == CSVREAD_RECORD &&
           strcmp(csvread_field(r, time), "0") == 0)
        if (strcmp(csvread_field(r, event), "byzantine") == 0)
            ok = count_row(r, csvread_field(r, detail), out, e);
    ok = ok && st != CSVREAD_ERROR;
    out->known = ok;
    csvread_free(r);
    return ok;
}

double byzantine_approval(uint64_t n, double p, uint64_t q, const struct byzantine_count *c)
{
    uint64_t need = q > c->yes ? q - c->yes : 0;
    return estimate_binomial_at_least(n - c->b, p, need);
}
