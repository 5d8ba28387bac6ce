/* csvfmt: CSV field quoting and exact real formatting (see csvfmt.h). */
#include "core/csvfmt.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* RFC 4180 plus the readers' whitespace trimming: see csvfmt.h. */
static bool needs_quotes(const char *s, size_t len)
{
    if (len && (s[0] == ' ' || s[len - 1] == ' '))
        return true;
    for (size_t i = 0; i < len; i++)
        if (s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n')
            return true;
    return false;
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
