/* csv: RFC 4180 field quoting and exact number formatting (see csv.h). */
#include "sim/csv.h"

#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

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

static int needs_quotes(const char *s)
{
    size_t len = strlen(s);
    return strpbrk(s, ",\"\r\n") != NULL || (len && (s[0] == ' ' || s[len - 1] == ' '));
}

void csv_str(struct csv *c, const char *s)
{
    sep(c);
    if (!s)
        return;
    if (!needs_quotes(s)) {
        fputs(s, c->f);
        return;
    }
    fputc('"', c->f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', c->f);
        fputc(*s, c->f);
    }
    fputc('"', c->f);
}

void csv_u64(struct csv *c, uint64_t v)
{
    sep(c);
    fprintf(c->f, "%" PRIu64, v);
}

char *csv_format_real(double v, char *buf)
{
    if (isnan(v)) {
        strcpy(buf, "NA");
        return buf;
    }
    if (isinf(v)) {
        strcpy(buf, v > 0 ? "Inf" : "-Inf");
        return buf;
    }
    /* The shortest text that reads back exactly; positional notation (20, not 2e+01) unless
     * the magnitude really needs an exponent. */
    bool exponent_ok = v != 0.0 && (fabs(v) < 1e-4 || fabs(v) >= 1e17);
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, CSV_REAL_BUFLEN, "%.*g", prec, v);
        if (strtod(buf, NULL) == v && (exponent_ok || !strchr(buf, 'e')))
            break;
    }
    return buf;
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
