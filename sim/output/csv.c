/* csv: rows of CSV fields for the simulator's files (see csv.h); core/csvfmt writes each field. */
#include "sim/output/csv.h"

#include <string.h>

#include "core/csvfmt.h"

/* "00" "01" ... "99": two digits per table read. */
static const char digit_pairs[201] = "00010203040506070809"
                                     "10111213141516171819"
                                     "20212223242526272829"
                                     "30313233343536373839"
                                     "40414243444546474849"
                                     "50515253545556575859"
                                     "60616263646566676869"
                                     "70717273747576777879"
                                     "80818283848586878889"
                                     "90919293949596979899";

static unsigned decimal_digits(uint64_t v)
{
    unsigned n = 1;
    for (;;) {
        if (v < 10)
            return n;
        if (v < 100)
            return n + 1;
        if (v < 1000)
            return n + 2;
        if (v < 10000)
            return n + 3;
        v /= 10000;
        n += 4;
    }
}

/* v in exactly n digits, leading zeros included, ending at end. */
static void put_digits(char *end, uint64_t v, unsigned n)
{
    for (; n >= 2; n -= 2) {
        end -= 2;
        memcpy(end, &digit_pairs[2 * (v % 100)], 2);
        v /= 100;
    }
    if (n)
        end[-1] = (char)('0' + v);
}

char *csv_put_u64(char *p, uint64_t v)
{
    unsigned n = decimal_digits(v);
    put_digits(p + n, v, n);
    return p + n;
}

/*
 * The 9 digits of n < 10^9, leading zeros included, by fixed-point arithmetic: y holds
 * n / 10^8 with 57 fraction bits; each step takes the integer part and multiplies the
 * fraction by 100. The rounding error of the constant (n * 0.25 / 2^57 < 2e-9) stays below
 * the spacing of the true fractions (10^-8 first, then 100 times larger per step).
 */
static void put_nine_digits(char *p, uint32_t n)
{
    const uint64_t mask = (UINT64_C(1) << 57) - 1;
    uint64_t y = (uint64_t)n * (UINT64_C(144115188075855872) / 100000000 + 1);
    p[0] = (char)('0' + (y >> 57));
#define NEXT_PAIR(at)                                                                              \
    y = (y & mask) * 100;                                                                          \
    memcpy(p + (at), &digit_pairs[2 * (y >> 57)], 2)
    NEXT_PAIR(1);
    NEXT_PAIR(3);
    NEXT_PAIR(5);
    NEXT_PAIR(7);
#undef NEXT_PAIR
}

char *csv_put_time(char *p, sim_time t)
{
    if (t == SIM_TIME_MAX) {
        memcpy(p, "NA", 2);
        return p + 2;
    }
    uint64_t s = t / SIM_S;
    uint32_t ns = (uint32_t)(t - s * SIM_S);
    if (s < 10)
        *p++ = (char)('0' + s);
    else
        p = csv_put_u64(p, s);
    if (ns == 0)
        return p;
    *p++ = '.';
    put_nine_digits(p, ns);
    p += 9;
    while (p[-1] == '0') /* ns > 0: stops at a digit after the point */
        p--;
    return p;
}

char *csv_put_proposal(char *p, uint64_t v)
{
    memcpy(p, "p-", 2);
    return csv_put_u64(p + 2, v);
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
    put_field(c, buf, csv_put_u64(buf, v));
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
