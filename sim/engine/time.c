/* time: exact parsing and printing of integer-nanosecond durations (see time.h). */
#include "sim/engine/time.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const struct unit {
    const char *name;
    sim_time ns;
} units[] = {
    {"ns", 1},
    {"us", 1000},
    {"ms", 1000000},
    {"s", 1000000000},
    {"m", 60ull * 1000000000},
    {"h", 3600ull * 1000000000},
};

static bool fail(char *err, size_t errlen, const char *msg, const char *text)
{
    if (err && errlen)
        snprintf(err, errlen, msg, text);
    return false;
}

static const struct unit *find_unit(const char *s)
{
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
        if (strcmp(s, units[i].name) == 0)
            return &units[i];
    return NULL;
}

/* Fraction digits after '.': value frac / scale, trailing zeros ignored. */
static bool parse_fraction(const char **pp, uint64_t *frac, uint64_t *scale)
{
    const char *p = *pp;
    uint64_t zeros = 0;
    for (; isdigit((unsigned char)*p); p++) {
        if (*p == '0') {
            zeros++;
            continue;
        }
        for (; zeros; zeros--) {
            if (*scale > UINT64_MAX / 100)
                return false;
            *frac *= 10;
            *scale *= 10;
        }
        if (*scale > UINT64_MAX / 100)
            return false;
        *frac = *frac * 10 + (uint64_t)(*p - '0');
        *scale *= 10;
    }
    *pp = p;
    return true;
}

bool sim_time_parse(const char *text, sim_time *out, char *err, size_t errlen)
{
    const char *p = text;
    if (*p == '-')
        return fail(err, errlen, "duration '%s' is negative", text);
    if (!isdigit((unsigned char)*p))
        return fail(err, errlen,
                    "'%s' is not a duration (expected a number with a unit, e.g. 20ms)", text);
    uint64_t whole = 0, frac = 0, frac_scale = 1;
    for (; isdigit((unsigned char)*p); p++) {
        uint64_t digit = (uint64_t)(*p - '0');
        if (whole > (UINT64_MAX - digit) / 10)
            return fail(err, errlen, "duration '%s' is too large", text);
        whole = whole * 10 + digit;
    }
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p))
            return fail(err, errlen, "'%s' is not a duration (digits expected after '.')", text);
        if (!parse_fraction(&p, &frac, &frac_scale))
            return fail(err, errlen, "duration '%s' is not a whole number of nanoseconds", text);
    }
    if (*p == '\0')
        return fail(err, errlen, "duration '%s' has no unit (use ns, us, ms, s, m or h)", text);
    if ((*p == 'e' || *p == 'E') && (isdigit((unsigned char)p[1]) || p[1] == '-' || p[1] == '+'))
        return fail(err, errlen,
                    "duration '%s' uses exponent notation, which durations do not take; write "
                    "the number out with a unit (e.g. 1000ms, 1s)",
                    text);
    const struct unit *u = find_unit(p);
    if (!u)
        return fail(err, errlen, "duration '%s' has an unknown unit (use ns, us, ms, s, m or h)",
                    text);
    if (whole > UINT64_MAX / u->ns)
        return fail(err, errlen, "duration '%s' is too large", text);
    sim_time t = whole * u->ns;
    if (frac) {
        /* frac / frac_scale * ns must be a whole number of nanoseconds; exact in 128 bits. */
        __extension__ typedef unsigned __int128 u128;
        u128 num = (u128)frac * u->ns;
        if (num % frac_scale != 0)
            return fail(err, errlen, "duration '%s' is not a whole number of nanoseconds", text);
        sim_time f = (sim_time)(num / frac_scale);
        if (t > UINT64_MAX - f)
            return fail(err, errlen, "duration '%s' is too large", text);
        t += f;
    }
    *out = t;
    return true;
}

/* Prints t / ns exactly as a decimal with no trailing zeros, followed by name. */
static char *format_in(sim_time t, const struct unit *u, char *buf)
{
    uint64_t whole = t / u->ns, rest = t % u->ns, scale = u->ns;
    if (rest == 0) {
        snprintf(buf, SIM_TIME_BUFLEN, "%" PRIu64 "%s", whole, u->name);
        return buf;
    }
    int digits = 0;
    while (scale > 1) {
        scale /= 10;
        digits++;
    }
    while (rest % 10 == 0) {
        rest /= 10;
        digits--;
    }
    snprintf(buf, SIM_TIME_BUFLEN, "%" PRIu64 ".%0*" PRIu64 "%s", whole, digits, rest, u->name);
    return buf;
}

char *sim_time_format(sim_time t, char *buf)
{
    if (t == 0) {
        strcpy(buf, "0s");
        return buf;
    }
    /* Whole hours or minutes; otherwise the largest of s, ms, us, ns that is <= t. */
    if (t % units[5].ns == 0)
        return format_in(t, &units[5], buf);
    if (t % units[4].ns == 0)
        return format_in(t, &units[4], buf);
    for (size_t i = 3; i > 0; i--)
        if (t >= units[i].ns)
            return format_in(t, &units[i], buf);
    return format_in(t, &units[0], buf);
}

char *sim_time_format_seconds(sim_time t, char *buf)
{
    uint64_t s = t / SIM_S, ns = t % SIM_S;
    if (ns == 0) {
        snprintf(buf, SIM_TIME_BUFLEN, "%" PRIu64, s);
        return buf;
    }
    int digits = 9;
    while (ns % 10 == 0) {
        ns /= 10;
        digits--;
    }
    snprintf(buf, SIM_TIME_BUFLEN, "%" PRIu64 ".%0*" PRIu64, s, digits, ns);
    return buf;
}
