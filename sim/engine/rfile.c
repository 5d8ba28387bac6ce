/* rfile: regular input files only (see rfile.h). */
#include "sim/engine/rfile.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *kind_of(mode_t m)
{
    if (S_ISFIFO(m))
        return "not a regular file (a FIFO)";
    if (S_ISDIR(m))
        return "not a regular file (a folder)";
    if (S_ISCHR(m) || S_ISBLK(m))
        return "not a regular file (a device)";
    if (S_ISSOCK(m))
        return "not a regular file (a socket)";
    return "not a regular file";
}

FILE *rfile_open(const char *path, const char **why)
{
    /* O_NONBLOCK: opening a FIFO without a writer returns at once; it is then refused */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        *why = strerror(errno);
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        *why = strerror(errno);
        close(fd);
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        *why = kind_of(st.st_mode);
        close(fd);
        return NULL;
    }
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0)
        fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    FILE *f = fdopen(fd, "r");
    if (!f) {
        *why = strerror(errno);
        close(fd);
    }
    return f;
}
