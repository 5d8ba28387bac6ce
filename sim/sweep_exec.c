/* sweep_exec: a pool of forked workers fed over pipes (see sweep_exec.h). */
#include "sim/sweep_exec.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/prctl.h>
#endif

#include "core/xalloc.h"

#define PREFETCH 2 /* runs outstanding per worker */

struct worker {
    pid_t pid;
    int cmd;                 /* parent -> worker: uint32_t run numbers */
    int res;                 /* worker -> parent: struct sweep_result */
    unsigned inflight;       /* runs sent, not yet reported */
    unsigned head;           /* held[head] is the run it is working on */
    uint32_t held[PREFETCH]; /* runs sent, not yet reported, oldest at head */
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

static enum sweep_exec_status report(const struct sweep_exec *x, const struct sweep_result *r,
                                     char *err, size_t errlen)
{
    if (r->status == SWEEP_RUN_ERROR) {
        snprintf(err, errlen, "run %" PRIu32 ": %s", r->run, r->err);
        return SWEEP_EXEC_FAILED;
    }
    if (!x->done(x->ctx, r)) {
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
    }
    free(r);
    return st;
}

static void worker_main(const struct sweep_exec *x, int cmd, int res)
{
    struct sweep_result *r = xmalloc(sizeof(*r));
    uint32_t run;
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_DFL);
#if defined(__linux__)
    prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
    while (io_full(cmd, &run, sizeof(run), false)) {
        memset(r, 0, sizeof(*r));
        r->run = run;
        x->work(x->ctx, run, r);
        if (!io_full(res, r, sizeof(*r), true))
            break;
    }
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
        for (size_t i = 0; i < nstarted; i++) { /* siblings' pipes are not ours */
            close(all[i].cmd);
            close(all[i].res);
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
    return true;
}

static bool dispatch(struct worker *w, const struct sweep_exec *x, size_t *next)
{
    if (*next >= x->nruns)
        return true;
    uint32_t run = x->runs[(*next)++];
    w->held[(w->head + w->inflight++) % PREFETCH] = run;
    return io_full(w->cmd, &run, sizeof(run), true);
}

static void worker_death(const struct worker *w, char *err, size_t errlen)
{
    int status = 0;
    pid_t pid = waitpid(w->pid, &status, WNOHANG);
    if (pid == w->pid && WIFSIGNALED(status))
        snprintf(err, errlen, "worker %ld was killed by signal %d while running run %" PRIu32,
                 (long)w->pid, WTERMSIG(status), w->held[w->head]);
    else
        snprintf(err, errlen, "worker %ld stopped while running run %" PRIu32, (long)w->pid,
                 w->held[w->head]);
}

/* Wait for one result from any busy worker; handle it and feed that worker again. */
static enum sweep_exec_status pool_step(const struct sweep_exec *x, struct worker *ws, size_t nw,
                                        struct pollfd *pfd, size_t *next, struct sweep_result *r,
                                        char *err, size_t errlen)
{
    for (size_t i = 0; i < nw; i++)
        pfd[i] = (struct pollfd){.fd = ws[i].inflight ? ws[i].res : -1, .events = POLLIN};
    if (poll(pfd, nw, -1) < 0)
        return errno == EINTR ? SWEEP_EXEC_DONE : SWEEP_EXEC_FAILED;
    for (size_t i = 0; i < nw; i++) {
        if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        if (!io_full(ws[i].res, r, sizeof(*r), false)) {
            worker_death(&ws[i], err, errlen);
            return SWEEP_EXEC_FAILED;
        }
        ws[i].inflight--;
        ws[i].head = (ws[i].head + 1) % PREFETCH;
        enum sweep_exec_status st = report(x, r, err, errlen);
        if (st != SWEEP_EXEC_DONE)
            return st;
        if (!stopped(x) && !dispatch(&ws[i], x, next)) {
            worker_death(&ws[i], err, errlen);
            return SWEEP_EXEC_FAILED;
        }
    }
    return SWEEP_EXEC_DONE;
}

static size_t busy(const struct worker *ws, size_t nw)
{
    size_t n = 0;
    for (size_t i = 0; i < nw; i++)
        n += ws[i].inflight;
    return n;
}

static enum sweep_exec_status run_pool(const struct sweep_exec *x, size_t nw, char *err,
                                       size_t errlen)
{
    struct worker *ws = xcalloc(nw, sizeof(*ws));
    struct pollfd *pfd = xcalloc(nw, sizeof(*pfd));
    struct sweep_result *r = xmalloc(sizeof(*r));
    enum sweep_exec_status st = SWEEP_EXEC_DONE;
    size_t started = 0, next = 0;
    void (*old_pipe)(int) = signal(SIGPIPE, SIG_IGN);
    for (; started < nw; started++)
        if (!worker_start(x, &ws[started], ws, started)) {
            snprintf(err, errlen, "cannot start worker processes: %s", strerror(errno));
            st = SWEEP_EXEC_FAILED;
            break;
        }
    for (int k = 0; k < PREFETCH && st == SWEEP_EXEC_DONE; k++)
        for (size_t i = 0; i < started && st == SWEEP_EXEC_DONE; i++)
            if (!dispatch(&ws[i], x, &next)) {
                worker_death(&ws[i], err, errlen);
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
    for (size_t i = 0; i < started; i++) {
        close(ws[i].cmd); /* a worker exits when its command pipe closes */
        if (st != SWEEP_EXEC_DONE)
            kill(ws[i].pid, SIGKILL);
    }
    for (size_t i = 0; i < started; i++) {
        while (waitpid(ws[i].pid, NULL, 0) < 0 && errno == EINTR)
            ;
        close(ws[i].res);
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
