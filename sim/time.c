/* time: exact parsing and printing of integer-nanosecond durations (see time.h). */
#include "sim/time.h"

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
        if (whole > (UINT64_MAX - 9) / 10)
            return fail(err, errlen, "duration '%s' is too large", text);
        whole = whole * 10 + (uint64_t)(*p - '0');
    }
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p))
            return fail(err, errlen, "'%s' is not a duration (digits expected after '.')", text);
        for (; isdigit((unsigned char)*p); p++) {
            if (frac_scale > UINT64_MAX / 100)
                return fail(err, errlen, "duration '%s' has too many decimals", text);
            frac = frac * 10 + (uint64_t)(*p - '0');
            frac_scale *= 10;
        }
    }
    if (*p == '\0')
        return fail(err, errlen, "duration '%s' has no unit (use ns, us, ms, s, m or h)", text);
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

char *sim_time_format(sim_time t, char *buf)
{
    static const struct unit *const order[] = {&units[5], &units[4], &units[3],
                                               &units[2], &units[1], &units[0]};
    if (t == 0) {
        strcpy(buf, "0s");
        return buf;
    }
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        sim_time ns = order[i]->ns;
        if (t % ns == 0) {
            snprintf(buf, SIM_TIME_BUFLEN, "%" PRIu64 "%s", t / ns, order[i]->name);
            return buf;
        }
    }
    snprintf(buf, SIM_TIME_BUFLEN, "%" PRIu64 "ns", t);
    return buf;
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
