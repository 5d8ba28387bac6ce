/* csvfmt: CSV field quoting and exact real formatting (see csvfmt.h). */
#include "core/csvfmt.h"

#include <math.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* The bytes that make a field need quotes anywhere in it (a table: one load a byte, for the
 * trace rows' fields of every proposal). */
static const bool special[256] = {[','] = true, ['"'] = true, ['\r'] = true, ['\n'] = true};

/* RFC 4180 plus the readers' whitespace trimming: see csvfmt.h. */
static bool needs_quotes(const char *s, size_t len)
{
    if (len && (s[0] == ' ' || s[len - 1] == ' '))
        return true;
    bool any = false;
    for (size_t i = 0; i < len; i++)
        any |= special[(unsigned char)s[i]];
    return any;
}

void csvfmt_field(FILE *f, const char *s)
{
    size_t len = strlen(s);
    if (!needs_quotes(s, len)) {
        fwrite(s, 1, len, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

char *csvfmt_field_put(char *dst, const char *s, size_t len)
{
    if (!needs_quotes(s, len)) {
        memcpy(dst, s, len);
        return dst + len;
    }
    *dst++ = '"';
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"')
            *dst++ = '"';
        *dst++ = s[i];
    }
    *dst++ = '"';
    return dst;
}

char *csvfmt_real(double v, char *buf)
{
    if (isnan(v))
        return strcpy(buf, "NA");
    if (isinf(v))
        return strcpy(buf, v > 0 ? "Inf" : "-Inf");
    bool exponent_ok = v != 0.0 && (fabs(v) < 1e-4 || fabs(v) >= 1e17);
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, CSVFMT_REAL_LEN, "%.*g", prec, v);
        if (strtod(buf, NULL) == v && (exponent_ok || !strchr(buf, 'e')))
            break;
    }
    return buf;
}

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

/* v's decimal digits ending at end, two per division (32-bit ones when v fits). */
static void put_digits(char *end, uint64_t v)
{
    for (; v > UINT32_MAX; v /= 100) {
        end -= 2;
        memcpy(end, &digit_pairs[2 * (v % 100)], 2);
    }
    uint32_t u = (uint32_t)v;
    for (; u >= 100; u /= 100) {
        end -= 2;
        memcpy(end, &digit_pairs[2 * (u % 100)], 2);
    }
    if (u >= 10)
        memcpy(end - 2, &digit_pairs[2 * u], 2);
    else
        end[-1] = (char)('0' + u);
}

char *csvfmt_u64(char *p, uint64_t v)
{
    unsigned n = decimal_digits(v);
    put_digits(p + n, v);
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

char *csvfmt_seconds(char *p, uint64_t ns)
{
    uint64_t s = ns / 1000000000;
    uint32_t frac = (uint32_t)(ns - s * 1000000000);
    if (s < 10)
        *p++ = (char)('0' + s);
    else
        p = csvfmt_u64(p, s);
    if (frac == 0)
        return p;
    *p++ = '.';
    put_nine_digits(p, frac);
    p += 9;
    while (p[-1] == '0') /* frac > 0: stops at a digit after the point */
        p--;
    return p;
}
