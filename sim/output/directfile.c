/* directfile: staged O_DIRECT writes behind a FILE * (see directfile.h). */
#include "sim/output/directfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

struct directfile {
    int fd;
    bool direct; /* O_DIRECT in force: writes are whole DIRECTFILE_ALIGN blocks */
    int error;   /* errno of the first failed write, 0: none */
    char *buf;   /* cap bytes, DIRECTFILE_ALIGN-aligned; allocated on first use */
    size_t cap;  /* DIRECTFILE_FIRST, doubled after each full write up to DIRECTFILE_CHUNK */
    size_t fill; /* staged bytes in buf */
};

/* Ordinary writes from now on (O_DIRECT cleared); false, errno set, if fcntl fails. */
static bool drop_direct(struct directfile *df)
{
    int flags = fcntl(df->fd, F_GETFL);
    if (flags < 0 || fcntl(df->fd, F_SETFL, flags & ~O_DIRECT) != 0)
        return false;
    df->direct = false;
    return true;
}

/* Write n bytes at the file's offset, all of them or fail (df->error). A file system that
 * turns O_DIRECT down at a write (EINVAL) gets the rest as ordinary writes. */
static bool write_all(struct directfile *df, const char *p, size_t n)
{
    while (n) {
        ssize_t k = write(df->fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0 && errno == EINVAL && df->direct) {
            if (drop_direct(df))
                continue;
            errno = EINVAL;
        }
        if (k <= 0) {
            df->error = k < 0 && errno ? errno : EIO;
            return false;
        }
        p += k;
        n -= (size_t)k;
    }
    return true;
}

/* fopencookie's write: stage, and write each full chunk. Returns size, or 0 on error (the
 * stream then reports it: cookie writers must not return a negative value). */
static ssize_t cookie_write(void *cookie, const char *p, size_t size)
{
    struct directfile *df = cookie;
    for (size_t left = size; left && !df->error;) {
        if (!df->buf) { /* a small file never touches a large buffer's memory */
            df->cap = df->cap ? df->cap : DIRECTFILE_FIRST;
            df->buf = aligned_alloc(DIRECTFILE_ALIGN, df->cap);
            if (!df->buf) {
                df->error = ENOMEM;
                break;
            }
        }
        size_t k = df->cap - df->fill < left ? df->cap - df->fill : left;
        memcpy(df->buf + df->fill, p, k);
        df->fill += k;
        p += k;
        left -= k;
        if (df->fill < df->cap)
            continue;
        if (!write_all(df, df->buf, df->cap))
            break;
        df->fill = 0;                     /* written: finish must not write it again */
        if (df->cap < DIRECTFILE_CHUNK) { /* the next write twice as large */
            free(df->buf);
            df->buf = NULL;
            df->cap *= 2;
        }
    }
    if (df->error) {
        errno = df->error;
        return 0;
    }
    return (ssize_t)size;
}

static int cookie_close(void *cookie)
{
    struct directfile *df = cookie;
    int r = close(df->fd);
    free(df->buf);
    free(df);
    return r;
}

FILE *directfile_open(const char *path, struct directfile **out)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_DIRECT, 0666);
    bool direct = fd >= 0;
    if (fd < 0 && errno == EINVAL) /* the file system has no O_DIRECT (tmpfs) */
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0)
        return NULL;
    struct directfile *df = calloc(1, sizeof(*df));
    if (!df) {
        close(fd);
        errno = ENOMEM;
        return NULL;
    }
    *df = (struct directfile){.fd = fd, .direct = direct};
    cookie_io_functions_t io = {.write = cookie_write, .close = cookie_close};
    FILE *f = fopencookie(df, "w", io);
    if (!f) {
        int saved = errno;
        cookie_close(df);
        errno = saved;
        return NULL;
    }
    *out = df;
    return f;
}

bool directfile_finish(struct directfile *df)
{
    if (!df->error && df->fill) {
        /* the last partial chunk as an ordinary write: a padded direct block would need
         * cutting back, and could cross a file-size limit the file itself stays under */
        if (df->direct && !drop_direct(df))
            df->error = errno ? errno : EIO;
        if (!df->error)
            write_all(df, df->buf, df->fill);
        df->fill = 0;
    }
    errno = df->error;
    return df->error == 0;
}

int directfile_fd(const struct directfile *df)
{
    return df->fd;
}

int directfile_error(const struct directfile *df)
{
    return df->error;
}

bool directfile_is_direct(const struct directfile *df)
{
    return df->direct;
}
