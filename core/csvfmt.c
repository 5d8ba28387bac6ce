/* csvfmt: CSV field quoting and exact real formatting (see csvfmt.h). */
#include "core/csvfmt.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

void csvfmt_field(FILE *f, const char *s)
{
    size_t len = strlen(s);
    if (!strpbrk(s, ",\"\r\n") && !(len && (s[0] == ' ' || s[len - 1] == ' '))) {
        fputs(s, f);
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
