/* csv: rows of CSV fields for the simulator's files (see csv.h); core/csvfmt writes each field. */
#include "sim/output/csv.h"

#include <inttypes.h>

#include "core/csvfmt.h"

void csv_init(struct csv *c, FILE *f)
{
    c->f = f;
    c->col = 0;
}

static void sep(struct csv *c)
{
    if (c->col++)
        fputc(',', c->f);
}

void csv_str(struct csv *c, const char *s)
{
    sep(c);
    if (s)
        csvfmt_field(c->f, s);
}

void csv_u64(struct csv *c, uint64_t v)
{
    sep(c);
    fprintf(c->f, "%" PRIu64, v);
}

char *csv_format_real(double v, char *buf)
{
    return csvfmt_real(v, buf);
}

void csv_real(struct csv *c, double v)
{
    char buf[CSV_REAL_BUFLEN];
    sep(c);
    fputs(csv_format_real(v, buf), c->f);
}

void csv_time(struct csv *c, sim_time t)
{
    char buf[SIM_TIME_BUFLEN];
    if (t == SIM_TIME_MAX) {
        csv_na(c);
        return;
    }
    sep(c);
    fputs(sim_time_format_seconds(t, buf), c->f);
}

void csv_na(struct csv *c)
{
    sep(c);
    fputs("NA", c->f);
}

void csv_proposal(struct csv *c, uint64_t p)
{
    sep(c);
    fprintf(c->f, "p-%" PRIu64, p);
}

void csv_end(struct csv *c)
{
    fputc('\n', c->f);
    c->col = 0;
}

void csv_header(struct csv *c, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        csv_str(c, names[i]);
    csv_end(c);
}
