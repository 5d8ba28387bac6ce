/* points: per-point statistics rows of points.csv (see points.h). */
#include "sim/output/points.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "core/stats.h"
#include "sim/output/csv.h"

static const char *const suffixes[4] = {"mean", "sd", "ci95_lo", "ci95_hi"};

size_t points_field_count(bool clients)
{
    return metric_field_count + (clients ? client_metric_field_count : 0);
}

const struct metric_field *points_field(size_t j)
{
    return j < metric_field_count ? &metric_fields[j]
                                  : &client_metric_fields[j - metric_field_count];
}

void points_write_header(FILE *f, size_t naxes, const char *const *paths, bool clients)
{
    struct csv c;
    char name[128];
    csv_init(&c, f);
    for (size_t i = 0; i < naxes; i++)
        csv_str(&c, paths[i]);
    csv_str(&c, "n");
    for (size_t j = 0; j < points_field_count(clients); j++) {
        const struct metric_field *mf = points_field(j);
        if (mf->kind == METRIC_HASH)
            continue;
        if (mf->kind == METRIC_PARAM) {
            csv_str(&c, mf->name);
            continue;
        }
        for (int k = 0; k < 4; k++) {
            snprintf(name, sizeof(name), "%s_%s", mf->name, suffixes[k]);
            csv_str(&c, name);
        }
    }
    csv_end(&c);
}

size_t points_field_index(const char *name)
{
    size_t j = 0;
    while (j < POINTS_WIDTH && strcmp(points_field(j)->name, name) != 0)
        j++;
    return j;
}

void points_sample_row(const struct run_metrics *m, double *row)
{
    const char *base = (const char *)m;
    for (size_t j = 0; j < POINTS_WIDTH; j++) {
        const struct metric_field *mf = points_field(j);
        if (mf->kind == METRIC_HASH || (j >= metric_field_count && !m->clients)) {
            row[j] = NAN; /* an identifier, not a quantity; or no clients in this run */
        } else if (mf->kind == METRIC_COUNT) {
            uint64_t v;
            memcpy(&v, base + mf->offset, sizeof(v));
            row[j] = (double)v;
        } else {
            memcpy(&row[j], base + mf->offset, sizeof(row[j]));
        }
    }
}

/* Pooled counts of a proportion; false if the field is not one or its counts are missing. */
static bool pooled(const struct metric_field *mf, const double *samples, size_t nruns, uint64_t *k,
                   uint64_t *n)
{
    size_t inum = mf->num ? points_field_index(mf->num) : POINTS_WIDTH;
    size_t iden = mf->den ? points_field_index(mf->den) : POINTS_WIDTH;
    if (mf->kind != METRIC_PROPORTION || inum == POINTS_WIDTH || iden == POINTS_WIDTH)
        return false;
    double sk = 0, sn = 0;
    for (size_t r = 0; r < nruns; r++) {
        const double *row = samples + r * POINTS_WIDTH;
        if (!isnan(row[inum]) && !isnan(row[iden])) {
            sk += row[inum];
            sn += row[iden];
        }
    }
    *k = (uint64_t)sk;
    *n = (uint64_t)sn;
    return *k <= *n;
}

void points_metric_stats(const double *samples, size_t nruns, size_t j, struct stats_summary *out)
{
    double *col = xcalloc(nruns ? nruns : 1, sizeof(*col));
    uint64_t k, n;
    for (size_t r = 0; r < nruns; r++)
        col[r] = samples[r * POINTS_WIDTH + j];
    stats_summarize(col, nruns, out);
    if (pooled(points_field(j), samples, nruns, &k, &n)) {
        out->mean = n ? (double)k / (double)n : NAN;
        stats_wilson(k, n, &out->ci_lo, &out->ci_hi);
    }
    free(col);
}

void points_write_row(FILE *f, size_t naxes, const char *const *values, const double *samples,
                      size_t nruns, bool clients)
{
    struct csv c;
    csv_init(&c, f);
    for (size_t i = 0; i < naxes; i++)
        csv_str(&c, values[i]);
    csv_u64(&c, nruns);
    for (size_t j = 0; j < points_field_count(clients); j++) {
        if (points_field(j)->kind == METRIC_HASH)
            continue;
        if (points_field(j)->kind == METRIC_PARAM) { /* equal in every run of a point */
            csv_real(&c, nruns ? samples[j] : NAN);
            continue;
        }
        struct stats_summary s;
        points_metric_stats(samples, nruns, j, &s);
        csv_real(&c, s.mean);
        csv_real(&c, s.sd);
        csv_real(&c, s.ci_lo);
        csv_real(&c, s.ci_hi);
    }
    csv_end(&c);
}
