/* outfile: temporary names, fsync and rename, and undo on failure (see outfile.h). */
#include "sim/output/outfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "core/xalloc.h"
#include "sim/output/directfile.h"

struct outfile {
    struct directfile *df; /* f's file (outdir_create); NULL for a reserved one */
    char *tmp;             /* DIR/.NAME.tmp.PID */
    char *inner;           /* reserved files: DIR/.NAME.tmp.PID.tmp, the writer's own temporary */
    char *final;           /* DIR/NAME */
    FILE *f;               /* open until commit */
    bool renamed;
};

struct outdir {
    char *dir;
    char **made; /* folders created by outdir_open, outermost first */
    size_t nmade;
    struct outfile *files;
    size_t n, cap;
    bool nosync; /* outdir_set_sync(o, false): no fsync at commit */
};

/*
 * Folders being written, for removal on a fatal signal. Changes happen with the signals
 * blocked, so the handler never sees a half-updated outdir.
 */
#define MAX_ACTIVE 8
static struct outdir *volatile active[MAX_ACTIVE];
static const int fatal_signals[] = {SIGINT, SIGTERM, SIGHUP};

static void block_signals(sigset_t *old)
{
    sigset_t set;
    sigemptyset(&set);
    for (size_t i = 0; i < sizeof(fatal_signals) / sizeof(fatal_signals[0]); i++)
        sigaddset(&set, fatal_signals[i]);
    sigprocmask(SIG_BLOCK, &set, old);
}

static void restore_signals(const sigset_t *old)
{
    sigprocmask(SIG_SETMASK, old, NULL);
}

static void set_active(struct outdir *from, struct outdir *to)
{
    for (size_t i = 0; i < MAX_ACTIVE; i++)
        if (active[i] == from) {
            active[i] = to;
            return;
        }
}

#define TMP_MARK ".tmp." /* temporaries are ".NAME" TMP_MARK "PID" */

char *outdir_join(const char *dir, const char *name)
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
        /* mkdir first, then look: a stat-then-mkdir lost the race to a concurrent run
         * creating the same parent (job arrays) and reported "File exists" */
        struct stat st;
        int err = mkdir(p, 0777) == 0 ? 0 : errno;
        if (!err) {
            o->made = xreallocarray(o->made, o->nmade + 1, sizeof(*o->made));
            o->made[o->nmade++] = xstrdup(p);
        } else if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode)) {
            if (lstat(p, &st) == 0 && S_ISLNK(st.st_mode) && stat(p, &st) != 0)
                diag_error(d, o->dir, 0, 0, NULL,
                           "cannot create output folder: '%s' is a symbolic link to a missing "
                           "target",
                           p);
            else if (lstat(p, &st) == 0 && !S_ISDIR(st.st_mode) && stat(p, &st) == 0 &&
                     !S_ISDIR(st.st_mode))
                diag_error(d, o->dir, 0, 0, NULL,
                           "cannot create output folder: '%s' is not a folder", p);
            else
                diag_error(d, o->dir, 0, 0, NULL, "cannot create output folder '%s': %s", p,
                           strerror(err));
            free(p);
            return false;
        }
        p[i] = saved;
    }
    free(p);
    return true;
}

/* Only async-signal-safe calls: unlink, rmdir, signal, raise. */
static void on_fatal_signal(int sig)
{
    for (size_t i = 0; i < MAX_ACTIVE; i++) {
        const struct outdir *o = active[i];
        if (!o)
            continue;
        for (size_t j = 0; j < o->n; j++) {
            unlink(o->files[j].renamed ? o->files[j].final : o->files[j].tmp);
            if (o->files[j].inner)
                unlink(o->files[j].inner);
        }
        for (size_t j = o->nmade; j-- > 0;)
            rmdir(o->made[j]);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

void outdir_remove_on_signal(void)
{
    for (size_t i = 0; i < sizeof(fatal_signals) / sizeof(fatal_signals[0]); i++) {
        struct sigaction old, sa = {.sa_handler = on_fatal_signal};
        sigemptyset(&sa.sa_mask);
        if (sigaction(fatal_signals[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
            sigaction(fatal_signals[i], &sa, NULL);
    }
}

/*
 * The process that made a temporary name, or 0 if name is not one: ".NAME.tmp.PID", or
 * ".NAME.tmp.PID.tmp" (core/ledger's own temporary inside a reserved name).
 */
static pid_t temp_owner(const char *name)
{
    size_t len = strlen(name);
    if (name[0] != '.' || len < 2)
        return 0;
    if (len > 4 && strcmp(name + len - 4, ".tmp") == 0)
        len -= 4;
    size_t digits = 0;
    while (digits < len && name[len - 1 - digits] >= '0' && name[len - 1 - digits] <= '9')
        digits++;
    size_t mark = strlen(TMP_MARK);
    if (digits == 0 || digits > 9 || len < 1 + mark + digits + 1 ||
        strncmp(name + len - digits - mark, TMP_MARK, mark) != 0)
        return 0;
    long pid = strtol(name + len - digits, NULL, 10);
    return pid > 0 ? (pid_t)pid : 0;
}

/*
 * Is pid a process that exists (possibly of another user) and can still write? A zombie
 * (exited, not yet reaped: a killed sweep's workers until init reaps them) cannot.
 */
static bool alive(pid_t pid)
{
    if (pid == getpid())
        return true;
    if (kill(pid, 0) != 0 && errno != EPERM)
        return false;
#if defined(__linux__)
    char path[64], buf[512];
    snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
    FILE *f = fopen(path, "r");
    if (f) { /* "PID (COMM) STATE ...", COMM may hold spaces and parentheses */
        size_t n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[n] = '\0';
        const char *end = strrchr(buf, ')');
        if (end && end[1] == ' ' && (end[2] == 'Z' || end[2] == 'X'))
            return false;
    }
#endif
    return true;
}

size_t outdir_clean(const char *dir)
{
    DIR *dp = opendir(*dir ? dir : ".");
    size_t removed = 0;
    if (!dp)
        return 0;
    struct dirent *e;
    while ((e = readdir(dp)) != NULL) {
        pid_t pid = temp_owner(e->d_name);
        if (pid == 0 || alive(pid))
            continue;
        char *p = outdir_join(*dir ? dir : ".", e->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISREG(st.st_mode) && unlink(p) == 0)
            removed++;
        free(p);
    }
    closedir(dp);
    return removed;
}

/*
 * A write past RLIMIT_FSIZE raises SIGXFSZ, which kills the process by default; ignored,
 * the write fails with EFBIG, which is reported like a full disk.
 */
static void ignore_file_size_signal(void)
{
    struct sigaction old;
    if (sigaction(SIGXFSZ, NULL, &old) == 0 && old.sa_handler == SIG_DFL)
        signal(SIGXFSZ, SIG_IGN);
}

struct outdir *outdir_open(const char *dir, struct diag *d)
{
    struct outdir *o = xcalloc(1, sizeof(*o));
    o->dir = xstrdup(*dir ? dir : ".");
    ignore_file_size_signal();
    if (!make_dirs(o, d)) {
        outdir_abort(o);
        return NULL;
    }
    if (access(o->dir, W_OK | X_OK) != 0) {
        diag_error(d, o->dir, 0, 0, NULL, "output folder is not writable: %s", strerror(errno));
        outdir_abort(o);
        return NULL;
    }
    outdir_clean(o->dir);
    sigset_t old;
    block_signals(&old);
    set_active(NULL, o);
    restore_signals(&old);
    return o;
}

const char *outdir_path(const struct outdir *o)
{
    return o->dir;
}

bool outdir_holds(const char *dir, const char *name)
{
    char *p = outdir_join(dir, name);
    struct stat st;
    bool e = stat(p, &st) == 0;
    free(p);
    return e;
}

bool outdir_name_check(const char *name, const char *file, struct diag *d)
{
    if (outdir_name_ok(name))
        return true;
    diag_error(d, file, 0, 0, "name",
               "'%s' cannot name a folder under out/ (empty, absolute, or with a '.' or '..' "
               "part); rename the scenario or pass -o DIR",
               name);
    return false;
}

bool outdir_name_ok(const char *name)
{
    if (name[0] == '\0' || name[0] == '/')
        return false;
    for (const char *c = name; *c;) {
        size_t len = strcspn(c, "/");
        if ((len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.'))
            return false;
        c += len;
        c += *c == '/';
    }
    return true;
}

static struct outfile *add_file(struct outdir *o, const char *name)
{
    char tmpname[256];
    snprintf(tmpname, sizeof(tmpname), ".%s" TMP_MARK "%ld", name, (long)getpid());
    struct outfile of = {.tmp = outdir_join(o->dir, tmpname), .final = outdir_join(o->dir, name)};
    sigset_t old;
    block_signals(&old);
    XGROW(o->files, o->cap, o->n + 1);
    o->files[o->n++] = of;
    restore_signals(&old);
    return &o->files[o->n - 1];
}

FILE *outdir_create(struct outdir *o, const char *name, struct diag *d)
{
    struct outfile *of = add_file(o, name);
    of->f = directfile_open(of->tmp, &of->df); /* traces leave without the page cache */
    if (!of->f) {
        diag_error(d, of->final, 0, 0, NULL, "cannot write output file: %s", strerror(errno));
        char *tmp = of->tmp, *final = of->final;
        o->n--; /* first: a signal handler must never see freed paths */
        free(tmp);
        free(final);
        return NULL;
    }
    return of->f;
}

const char *outdir_reserve(struct outdir *o, const char *name)
{
    struct outfile *of = add_file(o, name);
    size_t len = strlen(of->tmp) + 5;
    char *inner = xmalloc(len);
    snprintf(inner, len, "%s.tmp", of->tmp);
    sigset_t old;
    block_signals(&old);
    of->inner = inner;
    restore_signals(&old);
    return of->tmp;
}

/* fsync a file its writer already closed (outdir_reserve). */
static bool sync_path(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    bool ok = fsync(fd) == 0;
    int saved = errno;
    close(fd);
    errno = saved;
    return ok;
}

static bool close_file(struct outfile *of, bool sync)
{
    if (!of->f) /* reserved: written and closed by its writer */
        return !sync || sync_path(of->tmp);
    int saved = 0;
    errno = 0;
    if (fflush(of->f) != 0 || ferror(of->f) || !directfile_finish(of->df)) {
        /* the first failed write's reason (ENOSPC, EFBIG, EIO, ...), kept by directfile */
        saved = directfile_error(of->df);
        if (!saved)
            saved = errno ? errno : EIO;
    } else if (sync && fsync(directfile_fd(of->df)) != 0) {
        saved = errno;
    }
    if (fclose(of->f) != 0 && !saved)
        saved = errno ? errno : EIO;
    of->f = NULL;
    errno = saved;
    return saved == 0;
}

/* Make the renames durable: fsync the folder (best effort; some file systems refuse). */
static void sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

static void outdir_free(struct outdir *o)
{
    sigset_t old;
    block_signals(&old);
    set_active(o, NULL);
    restore_signals(&old);
    for (size_t i = 0; i < o->n; i++) {
        free(o->files[i].tmp);
        free(o->files[i].inner);
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
        if (of->inner)
            unlink(of->inner);
    }
    for (size_t i = o->nmade; i-- > 0;)
        rmdir(o->made[i]);
    outdir_free(o);
}

bool outdir_commit(struct outdir *o, struct diag *d)
{
    for (size_t i = 0; i < o->n; i++)
        if (!close_file(&o->files[i], !o->nosync)) {
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
    if (!o->nosync)
        sync_dir(o->dir);
    outdir_free(o);
    return true;
}

void outdir_set_sync(struct outdir *o, bool sync)
{
    o->nosync = !sync;
}
