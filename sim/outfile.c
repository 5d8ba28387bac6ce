/* outfile: temporary names, fsync and rename, and undo on failure (see outfile.h). */
#include "sim/outfile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/xalloc.h"

struct outfile {
    char *tmp;   /* DIR/.NAME.tmp.PID */
    char *final; /* DIR/NAME */
    FILE *f;     /* open until commit */
    bool renamed;
};

struct outdir {
    char *dir;
    char **made; /* folders created by outdir_open, outermost first */
    size_t nmade;
    struct outfile *files;
    size_t n, cap;
};

static char *path_join(const char *dir, const char *name)
{
    size_t len = strlen(dir) + strlen(name) + 2;
    char *p = xmalloc(len);
    snprintf(p, len, "%s/%s", dir, name);
    return p;
}

/* mkdir -p, remembering what was created. */
static bool make_dirs(struct outdir *o, struct diag *d)
{
    char *p = xstrdup(o->dir);
    size_t len = strlen(p);
    for (size_t i = 1; i <= len; i++) {
        if (p[i] != '/' && p[i] != '\0')
            continue;
        char saved = p[i];
        p[i] = '\0';
        struct stat st;
        if (stat(p, &st) != 0) {
            if (mkdir(p, 0777) != 0) {
                diag_error(d, o->dir, 0, 0, NULL, "cannot create output folder '%s': %s", p,
                           strerror(errno));
                free(p);
                return false;
            }
            o->made = xreallocarray(o->made, o->nmade + 1, sizeof(*o->made));
            o->made[o->nmade++] = xstrdup(p);
        } else if (!S_ISDIR(st.st_mode)) {
            diag_error(d, o->dir, 0, 0, NULL, "cannot create output folder: '%s' is not a folder",
                       p);
            free(p);
            return false;
        }
        p[i] = saved;
    }
    free(p);
    return true;
}

struct outdir *outdir_open(const char *dir, struct diag *d)
{
    struct outdir *o = xcalloc(1, sizeof(*o));
    o->dir = xstrdup(*dir ? dir : ".");
    if (!make_dirs(o, d)) {
        outdir_abort(o);
        return NULL;
    }
    if (access(o->dir, W_OK | X_OK) != 0) {
        diag_error(d, o->dir, 0, 0, NULL, "output folder is not writable: %s", strerror(errno));
        outdir_abort(o);
        return NULL;
    }
    return o;
}

const char *outdir_path(const struct outdir *o)
{
    return o->dir;
}

static struct outfile *add_file(struct outdir *o, const char *name)
{
    char tmpname[256];
    snprintf(tmpname, sizeof(tmpname), ".%s.tmp.%ld", name, (long)getpid());
    XGROW(o->files, o->cap, o->n + 1);
    struct outfile *of = &o->files[o->n++];
    *of = (struct outfile){.tmp = path_join(o->dir, tmpname), .final = path_join(o->dir, name)};
    return of;
}

FILE *outdir_create(struct outdir *o, const char *name, struct diag *d)
{
    struct outfile *of = add_file(o, name);
    of->f = fopen(of->tmp, "wb");
    if (!of->f) {
        diag_error(d, of->final, 0, 0, NULL, "cannot write output file: %s", strerror(errno));
        free(of->tmp);
        free(of->final);
        o->n--;
        return NULL;
    }
    return of->f;
}

const char *outdir_reserve(struct outdir *o, const char *name)
{
    return add_file(o, name)->tmp;
}

static bool close_file(struct outfile *of)
{
    if (!of->f)
        return true; /* reserved: written and closed by its writer */
    bool ok = fflush(of->f) == 0 && !ferror(of->f) && fsync(fileno(of->f)) == 0;
    int saved = errno;
    ok &= fclose(of->f) == 0;
    if (!ok && saved)
        errno = saved;
    of->f = NULL;
    return ok;
}

static void outdir_free(struct outdir *o)
{
    for (size_t i = 0; i < o->n; i++) {
        free(o->files[i].tmp);
        free(o->files[i].final);
    }
    for (size_t i = 0; i < o->nmade; i++)
        free(o->made[i]);
    free(o->made);
    free(o->files);
    free(o->dir);
    free(o);
}

void outdir_abort(struct outdir *o)
{
    if (!o)
        return;
    for (size_t i = 0; i < o->n; i++) {
        struct outfile *of = &o->files[i];
        if (of->f)
            fclose(of->f);
        unlink(of->renamed ? of->final : of->tmp);
    }
    for (size_t i = o->nmade; i-- > 0;)
        rmdir(o->made[i]);
    outdir_free(o);
}

bool outdir_commit(struct outdir *o, struct diag *d)
{
    for (size_t i = 0; i < o->n; i++)
        if (!close_file(&o->files[i])) {
            diag_error(d, o->files[i].final, 0, 0, NULL, "cannot write output file: %s",
                       strerror(errno));
            outdir_abort(o);
            return false;
        }
    for (size_t i = 0; i < o->n; i++) {
        if (rename(o->files[i].tmp, o->files[i].final) != 0) {
            diag_error(d, o->files[i].final, 0, 0, NULL, "cannot rename output file: %s",
                       strerror(errno));
            outdir_abort(o);
            return false;
        }
        o->files[i].renamed = true;
    }
    outdir_free(o);
    return true;
}
