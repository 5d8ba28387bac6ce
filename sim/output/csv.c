/* csv: rows of CSV fields for the simulator's files (see csv.h); core/csvfmt writes each field. */
#include "sim/output/csv.h"

#include <string.h>

#include "core/csvfmt.h"

char *csv_put_time(char *p, sim_time t)
{
    if (t == SIM_TIME_MAX) {
        memcpy(p, "NA", 2);
        return p + 2;
    }
    return csvfmt_seconds(p, t);
}

char *csv_put_proposal(char *p, uint64_t v)
{
    memcpy(p, "p-", 2);
    return csvfmt_u64(p + 2, v);
}

char *csv_put_str(char *p, const char *s, size_t len)
{
    return csvfmt_field_put(p, s, len);
}

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

/* The text from buf to end as the next field. */
static void put_field(struct csv *c, const char *buf, const char *end)
{
    sep(c);
    fwrite(buf, 1, (size_t)(end - buf), c->f);
}

void csv_u64(struct csv *c, uint64_t v)
{
    char buf[CSV_PUT_MAX];
    put_field(c, buf, csvfmt_u64(buf, v));
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
    char buf[CSV_PUT_MAX];
    put_field(c, buf, csv_put_time(buf, t));
}

void csv_na(struct csv *c)
{
    sep(c);
    fputs("NA", c->f);
}

void csv_proposal(struct csv *c, uint64_t p)
{
    char buf[CSV_PUT_MAX];
    put_field(c, buf, csv_put_proposal(buf, p));
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
