/* sweep_exec: a pool of forked workers fed over pipes (see sweep_exec.h). */
#include "sim/sweep/sweep_exec.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/prctl.h>
#endif

#include "core/xalloc.h"

#define PREFETCH  2         /* chunks outstanding per worker */
#define CHUNK_MAX 256       /* runs in one chunk */
#define READ_MAX  64        /* results sent or taken from a pipe in one go */
#define BATCH_NS  1000000LL /* a worker holds a finished result at most this long */

struct chunk {
    size_t start;   /* first entry of x->runs */
    uint32_t count; /* runs in it */
};

struct worker {
    pid_t pid;
    int cmd;           /* parent -> worker: struct chunk */
    int res;           /* worker -> parent: struct sweep_result, one per run */
    unsigned nheld;    /* chunks sent, not fully reported */
    unsigned head;     /* held[head] is the chunk it is working on */
    uint32_t reported; /* runs of held[head] already reported */
    struct chunk held[PREFETCH];
    bool reaped;        /* waited for already */
    size_t fill;        /* bytes of a partial result in buf */
    unsigned char *buf; /* READ_MAX results */
};

unsigned sweep_exec_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n >= 1 ? (unsigned)n : 1;
}

/* Read or write exactly len bytes; false on EOF or error (EINTR is retried). */
static bool io_full(int fd, void *buf, size_t len, bool writing)
{
    char *p = buf;
    while (len > 0) {
        ssize_t k = writing ? write(fd, p, len) : read(fd, p, len);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return false;
        p += k;
        len -= (size_t)k;
    }
    return true;
}

static bool stopped(const struct sweep_exec *x)
{
    return x->stop && *x->stop;
}

static enum sweep_exec_status flush(const struct sweep_exec *x, char *err, size_t errlen)
{
    if (x->flush && !x->flush(x->ctx)) {
        if (err[0] == '\0') /* the callback may have explained already (a shared buffer) */
            snprintf(err, errlen, "could not record the results");
        return SWEEP_EXEC_FAILED;
    }
    return SWEEP_EXEC_DONE;
}

static enum sweep_exec_status report(const struct sweep_exec *x, const struct sweep_result *r,
                                     char *err, size_t errlen)
{
    if (r->status == SWEEP_RUN_ERROR) {
        snprintf(err, errlen, "run %" PRIu32 ": %s", r->run, r->err);
        return SWEEP_EXEC_FAILED;
    }
    if (!x->done(x->ctx, r)) {
        if (err[0] == '\0')
            snprintf(err, errlen, "run %" PRIu32 ": could not record the result", r->run);
        return SWEEP_EXEC_FAILED;
    }
    return SWEEP_EXEC_DONE;
}

static enum sweep_exec_status run_inline(const struct sweep_exec *x, char *err, size_t errlen)
{
    struct sweep_result *r = xmalloc(sizeof(*r));
    enum sweep_exec_status st = SWEEP_EXEC_DONE;
    for (size_t i = 0; i < x->nruns && st == SWEEP_EXEC_DONE; i++) {
        if (stopped(x)) {
            st = SWEEP_EXEC_INTERRUPTED;
            break;
        }
        memset(r, 0, sizeof(*r));
        r->run = x->runs[i];
        x->work(x->ctx, r->run, r);
        st = report(x, r, err, errlen);
        if (st == SWEEP_EXEC_DONE)
            st = flush(x, err, errlen);
    }
    free(r);
    return st;
}

static long long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/*
 * Results go back in batches: when READ_MAX are waiting, when the chunk ends, or when the
 * oldest waiting result is 1 ms old (so tiny runs cost one write per batch, not per run).
 */
static void worker_main(const struct sweep_exec *x, int cmd, int res)
{
    struct sweep_result *rs = xcalloc(READ_MAX, sizeof(*rs));
    struct chunk c;
    bool ok = true;
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_DFL);
#if defined(__linux__)
    prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
    while (ok && io_full(cmd, &c, sizeof(c), false)) {
        size_t n = 0;
        long long first = 0;
        for (uint32_t i = 0; ok && i < c.count; i++) {
            struct sweep_result *r = &rs[n++];
            memset(r, 0, sizeof(*r));
            r->run = x->runs[c.start + i];
            x->work(x->ctx, r->run, r);
            long long t = now_ns();
            first = n == 1 ? t : first;
            if (n == READ_MAX || i + 1 == c.count || t - first >= BATCH_NS) {
                ok = io_full(res, rs, n * sizeof(*rs), true);
                n = 0;
            }
        }
    }
    free(rs);
    _exit(0);
}

static bool worker_start(const struct sweep_exec *x, struct worker *w, struct worker *all,
                         size_t nstarted)
{
    int c[2], r[2];
    if (pipe(c) != 0)
        return false;
    if (pipe(r) != 0) {
        close(c[0]);
        close(c[1]);
        return false;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        for (size_t i = 0; i < nstarted; i++) { /* siblings' pipes and buffers are not ours */
            close(all[i].cmd);
            close(all[i].res);
            free(all[i].buf);
        }
        close(c[1]);
        close(r[0]);
        worker_main(x, c[0], r[1]);
    }
    close(c[0]);
    close(r[1]);
    if (pid < 0) {
        close(c[1]);
        close(r[0]);
        return false;
    }
    *w = (struct worker){.pid = pid, .cmd = c[1], .res = r[0]};
    w->buf = xmalloc(READ_MAX * sizeof(struct sweep_result));
    return true;
}

/* Guided self-scheduling: big chunks while much is left, single runs at the end. */
static uint32_t chunk_size(const struct sweep_exec *x, size_t next, size_t nworkers)
{
    size_t left = x->nruns - next, k = left / (nworkers * 8);
    return (uint32_t)(k < 1 ? 1 : k > CHUNK_MAX ? CHUNK_MAX : k);
}

static bool dispatch(struct worker *w, const struct sweep_exec *x, size_t *next, size_t nw)
{
    if (*next >= x->nruns)
        return true;
    struct chunk c;
    memset(&c, 0, sizeof(c)); /* its padding goes down the pipe too */
    c.start = *next;
    c.count = chunk_size(x, *next, nw);
    if (c.count > x->nruns - *next)
        c.count = (uint32_t)(x->nruns - *next);
    *next += c.count;
    w->held[(w->head + w->nheld++) % PREFETCH] = c;
    return io_full(w->cmd, &c, sizeof(c), true);
}

static uint32_t current_run(const struct sweep_exec *x, const struct worker *w)
{
    return x->runs[w->held[w->head].start + w->reported];
}

static void worker_death(const struct sweep_exec *x, struct worker *w, char *err, size_t errlen)
{
    int status = 0;
    pid_t pid;
    kill(w->pid, SIGKILL); /* its pipe broke: make sure it is gone, then ask why */
    while ((pid = waitpid(w->pid, &status, 0)) < 0 && errno == EINTR)
        ;
    w->reaped = true; /* its pid may be reused from now on: never signal it again */
    if (pid == w->pid && WIFSIGNALED(status))
        snprintf(err, errlen,
                 "worker %ld was killed by signal %d in run %" PRIu32
                 " or a later run of its chunk",
                 (long)w->pid, WTERMSIG(status), current_run(x, w));
    else
        snprintf(err, errlen, "worker %ld stopped in run %" PRIu32 " or a later run of its chunk",
                 (long)w->pid, current_run(x, w));
}

/* Handle the complete results in w's buffer; feed w when a chunk is done. */
static enum sweep_exec_status take_results(const struct sweep_exec *x, struct worker *w, size_t nw,
                                           size_t *next, struct sweep_result *r, char *err,
                                           size_t errlen)
{
    size_t off = 0;
    enum sweep_exec_status st = SWEEP_EXEC_DONE;
    while (st == SWEEP_EXEC_DONE && w->fill - off >= sizeof(*r)) {
        memcpy(r, w->buf + off, sizeof(*r));
        off += sizeof(*r);
        st = report(x, r, err, errlen);
        if (++w->reported < w->held[w->head].count)
            continue;
        w->reported = 0;
        w->head = (w->head + 1) % PREFETCH;
        w->nheld--;
        if (st == SWEEP_EXEC_DONE && !stopped(x) && !dispatch(w, x, next, nw)) {
            worker_death(x, w, err, errlen);
            st = SWEEP_EXEC_FAILED;
        }
    }
    memmove(w->buf, w->buf + off, w->fill - off);
    w->fill -= off;
    return st;
}

/* Wait for results from any busy worker and handle them. */
static enum sweep_exec_status pool_step(const struct sweep_exec *x, struct worker *ws, size_t nw,
                                        struct pollfd *pfd, size_t *next, struct sweep_result *r,
                                        char *err, size_t errlen)
{
    for (size_t i = 0; i < nw; i++)
        pfd[i] = (struct pollfd){.fd = ws[i].nheld ? ws[i].res : -1, .events = POLLIN};
    if (poll(pfd, nw, -1) < 0)
        return errno == EINTR ? SWEEP_EXEC_DONE : SWEEP_EXEC_FAILED;
    for (size_t i = 0; i < nw; i++) {
        if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        struct worker *w = &ws[i];
        ssize_t k = read(w->res, w->buf + w->fill, READ_MAX * sizeof(*r) - w->fill);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            worker_death(x, w, err, errlen);
            return SWEEP_EXEC_FAILED;
        }
        w->fill += (size_t)k;
        enum sweep_exec_status st = take_results(x, w, nw, next, r, err, errlen);
        if (st == SWEEP_EXEC_DONE)
            st = flush(x, err, errlen);
        if (st != SWEEP_EXEC_DONE)
            return st;
    }
    return SWEEP_EXEC_DONE;
}

static size_t busy(const struct worker *ws, size_t nw)
{
    size_t n = 0;
    for (size_t i = 0; i < nw; i++)
        n += ws[i].nheld;
    return n;
}

static enum sweep_exec_status run_pool(const struct sweep_exec *x, size_t nw, char *err,
                                       size_t errlen)
{
    struct worker *ws = xcalloc(nw, sizeof(*ws));
    enum sweep_exec_status st = SWEEP_EXEC_DONE;
    size_t started = 0, next = 0;
    void (*old_pipe)(int) = signal(SIGPIPE, SIG_IGN);
    for (; started < nw; started++)
        if (!worker_start(x, &ws[started], ws, started)) {
            snprintf(err, errlen, "cannot start worker processes: %s", strerror(errno));
            st = SWEEP_EXEC_FAILED;
            break;
        }
    /* Allocated after the forks: a worker inherits nothing it cannot free. */
    struct pollfd *pfd = xcalloc(nw, sizeof(*pfd));
    struct sweep_result *r = xmalloc(sizeof(*r));
    for (int k = 0; k < PREFETCH && st == SWEEP_EXEC_DONE; k++)
        for (size_t i = 0; i < started && st == SWEEP_EXEC_DONE; i++)
            if (!dispatch(&ws[i], x, &next, started)) {
                worker_death(x, &ws[i], err, errlen);
                st = SWEEP_EXEC_FAILED;
            }
    while (st == SWEEP_EXEC_DONE && busy(ws, started) > 0) {
        if (stopped(x)) {
            st = SWEEP_EXEC_INTERRUPTED;
            break;
        }
        st = pool_step(x, ws, started, pfd, &next, r, err, errlen);
        if (st == SWEEP_EXEC_FAILED && err[0] == '\0')
            snprintf(err, errlen, "waiting for workers: %s", strerror(errno));
    }
    /*
     * *stop may be set in the very step that reports the last dispatched runs: nothing is
     * busy any more, so the loop ends without seeing it, but the runs never dispatched were
     * not reported either. DONE promises every run; this is an interruption.
     */
    if (st == SWEEP_EXEC_DONE && next < x->nruns) {
        assert(stopped(x));
        st = SWEEP_EXEC_INTERRUPTED;
    }
    for (size_t i = 0; i < started; i++) {
        close(ws[i].cmd); /* a worker exits when its command pipe closes */
        if (st != SWEEP_EXEC_DONE && !ws[i].reaped)
            kill(ws[i].pid, SIGKILL);
    }
    for (size_t i = 0; i < started; i++) {
        while (!ws[i].reaped && waitpid(ws[i].pid, NULL, 0) < 0 && errno == EINTR)
            ;
        close(ws[i].res);
        free(ws[i].buf);
    }
    signal(SIGPIPE, old_pipe);
    free(r);
    free(pfd);
    free(ws);
    return st;
}

enum sweep_exec_status sweep_exec_run(const struct sweep_exec *x, char *err, size_t errlen)
{
    err[0] = '\0';
    size_t nw = x->jobs < x->nruns ? x->jobs : x->nruns;
    if (nw <= 1)
        return run_inline(x, err, errlen);
    return run_pool(x, nw, err, errlen);
}
