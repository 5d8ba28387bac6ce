/* csvwrite: RFC 4180 output, written atomically (see csvwrite.h). */
#include "analysis/csvwrite.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/csvfmt.h"
#include "core/xalloc.h"

void csvwrite_init(struct csvwrite *w, FILE *f)
{
    *w = (struct csvwrite){.f = f};
}

bool csvwrite_create(struct csvwrite *w, const char *path, struct errbuf *e)
{
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0, len = strlen(path) + 32;
    char *tmp = xmalloc(len);
    snprintf(tmp, len, "%.*s.%s.tmp.%ld", (int)dirlen, path, path + dirlen, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        errbuf_set(e, "%s: cannot write: %s", path, strerror(errno));
        free(tmp);
        return false;
    }
    *w = (struct csvwrite){.f = f, .path = xstrdup(path), .tmp = tmp};
    return true;
}

static void release(struct csvwrite *w)
{
    free(w->path);
    free(w->tmp);
    *w = (struct csvwrite){0};
}

bool csvwrite_commit(struct csvwrite *w, struct errbuf *e)
{
    bool ok = fflush(w->f) == 0 && !ferror(w->f) && fsync(fileno(w->f)) == 0;
    int err = errno;
    ok = fclose(w->f) == 0 && ok;
    if (ok && rename(w->tmp, w->path) != 0) {
        err = errno;
        ok = false;
    }
    if (!ok) {
        errbuf_set(e, "%s: cannot write: %s", w->path, strerror(err ? err : EIO));
        remove(w->tmp);
    }
    release(w);
    return ok;
}

void csvwrite_abort(struct csvwrite *w)
{
    fclose(w->f);
    remove(w->tmp);
    release(w);
}

static void sep(struct csvwrite *w)
{
    if (w->col++)
        fputc(',', w->f);
}

void csvwrite_str(struct csvwrite *w, const char *s)
{
    sep(w);
    csvfmt_field(w->f, s);
}

void csvwrite_u64(struct csvwrite *w, uint64_t v)
{
    sep(w);
    fprintf(w->f, "%" PRIu64, v);
}

const char *csvwrite_format_real(double v, char *buf)
{
    return csvfmt_real(v, buf);
}

void csvwrite_real(struct csvwrite *w, double v)
{
    char buf[CSVWRITE_REAL_LEN];
    sep(w);
    fputs(csvwrite_format_real(v, buf), w->f);
}

void csvwrite_end(struct csvwrite *w)
{
    fputc('\n', w->f);
    w->col = 0;
}
