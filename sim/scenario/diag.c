/* diag: collected input diagnostics with positions (see diag.h). */
#include "sim/scenario/diag.h"

#include <stdarg.h>
#include <stdlib.h>

#include "core/xalloc.h"

void diag_init(struct diag *d)
{
    d->items = NULL;
    d->n = d->cap = d->errors = 0;
}

void diag_fini(struct diag *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->items[i].file);
        free(d->items[i].key);
        free(d->items[i].msg);
    }
    free(d->items);
    diag_init(d);
}

static void add(struct diag *d, bool warning, const char *file, unsigned line, unsigned col,
                const char *key, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int len = vsnprintf(NULL, 0, fmt, ap);
    char *msg = xmalloc((size_t)len + 1);
    vsnprintf(msg, (size_t)len + 1, fmt, ap2);
    va_end(ap2);
    XGROW(d->items, d->cap, d->n + 1);
    d->items[d->n++] = (struct diag_item){
        .warning = warning,
        .file = file ? xstrdup(file) : NULL,
        .line = line,
        .col = col,
        .key = key && *key ? xstrdup(key) : NULL,
        .msg = msg,
    };
    if (!warning)
        d->errors++;
}

void diag_error(struct diag *d, const char *file, unsigned line, unsigned col, const char *key,
                const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add(d, false, file, line, col, key, fmt, ap);
    va_end(ap);
}

void diag_warning(struct diag *d, const char *file, unsigned line, unsigned col, const char *key,
                  const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add(d, true, file, line, col, key, fmt, ap);
    va_end(ap);
}

void diag_print(const struct diag *d, FILE *f)
{
    for (size_t i = 0; i < d->n; i++) {
        const struct diag_item *it = &d->items[i];
        if (it->file && it->line)
            fprintf(f, "%s:%u:%u: ", it->file, it->line, it->col);
        else if (it->file)
            fprintf(f, "%s: ", it->file);
        fprintf(f, "%s: ", it->warning ? "warning" : "error");
        if (it->key)
            fprintf(f, "%s: ", it->key);
        fprintf(f, "%s\n", it->msg);
    }
}
