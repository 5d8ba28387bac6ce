/* errbuf: the caller-owned error message (see errbuf.h). */
#include "analysis/errbuf.h"

#include <stdarg.h>
#include <stdio.h>

void errbuf_set(struct errbuf *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
}
