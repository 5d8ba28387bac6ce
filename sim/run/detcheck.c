/* detcheck: two runs, one forked, their event streams compared as they go (see detcheck.h). */
#include "sim/run/detcheck.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/xalloc.h"
#include "sim/cluster/cluster.h"

#define RECORD   sizeof(struct sim_record)
#define SPACER   (3 * 4096 + 48) /* run 1's heap starts shifted by this much */
#define NO_CHILD ((pid_t)-1)

struct detcheck {
    pid_t child;
    int fd; /* read end of run 1's stream, -1 once closed */
    struct detcheck_hooks hooks;
    char buf[DETCHECK_BUFFER * RECORD];   /* run 1's records as read */
    size_t bytes, pos;                    /* bytes in buf, next record's offset */
    bool eof;                             /* run 1's stream ended */
    bool differ;                          /* the first difference is in r */
    bool tapped;                          /* run 2 created an engine */
    uint64_t seen;                        /* run 2's records */
    uint32_t named;                       /* highest kind number seen in run 2 */
    const char *names[SIM_MAX_KINDS + 1]; /* run 2's kind names, kept past its engine */
    struct detcheck_result r;
};

/* ---- run 1: the child ---- */

struct writer {
    int fd;
    size_t n;
    struct sim_record rec[DETCHECK_BUFFER];
};

static void write_all(struct writer *w)
{
    const char *p = (const char *)w->rec;
    size_t left = w->n * RECORD;
    while (left) {
        ssize_t k = write(w->fd, p, left);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            _exit(0); /* the parent stopped reading: it has found its difference */
        p += k;
        left -= (size_t)k;
    }
    w->n = 0;
}

static void child_tap(void *ctx, const struct sim_engine *eng, const struct sim_record *r)
{
    (void)eng;
    struct writer *w = ctx;
    w->rec[w->n++] = *r;
    if (w->n == DETCHECK_BUFFER)
        write_all(w);
}

static void child_main(const struct scenario *sc, int fd)
{
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGPIPE, SIG_IGN);
    volatile char *spacer = xmalloc(SPACER); /* a different heap layout from run 2's */
    spacer[0] = 1;
    static struct writer w;
    w.fd = fd;
    sim_tap_new_engines(child_tap, &w);
    struct cluster *c = cluster_new(sc, NULL);
    cluster_run(c);
    write_all(&w);
    _exit(0); /* no atexit handlers, no stdio flush: the parent owns those */
}

/* ---- run 2: the caller's run, compared as it goes ---- */

/* Run 1's next record; false when its stream has ended. */
static bool next_ref(struct detcheck *dc, struct sim_record *out)
{
    while (dc->bytes - dc->pos < RECORD) {
        if (dc->eof || dc->fd < 0)
            return false;
        memmove(dc->buf, dc->buf + dc->pos, dc->bytes - dc->pos);
        dc->bytes -= dc->pos;
        dc->pos = 0;
        ssize_t k = read(dc->fd, dc->buf + dc->bytes, sizeof(dc->buf) - dc->bytes);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            dc->eof = true;
        else
            dc->bytes += (size_t)k;
    }
    memcpy(out, dc->buf + dc->pos, RECORD);
    dc->pos += RECORD;
    return true;
}

static bool same_record(const struct sim_record *a, const struct sim_record *b)
{
    return a->time == b->time && a->kind == b->kind && a->target == b->target;
}

static const char *kind_name(const struct detcheck *dc, uint32_t kind)
{
    return kind <= SIM_MAX_KINDS && dc->names[kind] ? dc->names[kind] : "?";
}

/* The first difference: run 1's record ref (NULL: ended), run 2's mine (NULL: ended). */
static void found(struct detcheck *dc, uint64_t index, const struct sim_record *ref,
                  const struct sim_record *mine)
{
    dc->differ = true;
    dc->r.index = index;
    const struct sim_record *rec[2] = {ref, mine};
    for (int i = 0; i < 2; i++) {
        dc->r.present[i] = rec[i] != NULL;
        if (rec[i]) {
            dc->r.rec[i] = *rec[i];
            dc->r.kind_name[i] = kind_name(dc, rec[i]->kind);
        }
    }
    if (dc->fd >= 0) { /* run 1 need not go on: it stops at its next write */
        close(dc->fd);
        dc->fd = -1;
    }
}

static void parent_tap(void *ctx, const struct sim_engine *eng, const struct sim_record *r)
{
    struct detcheck *dc = ctx;
    dc->tapped = true;
    dc->r.fingerprint = sim_fingerprint(eng);
    if (r->kind > dc->named) { /* a new kind: (re)read every name while the engine exists */
        for (uint32_t k = 1; k <= SIM_MAX_KINDS; k++)
            dc->names[k] = sim_kind_name(eng, k);
        dc->named = r->kind;
    }
    uint64_t index = dc->seen++;
    if (!dc->differ) {
        struct sim_record ref;
        if (!next_ref(dc, &ref))
            found(dc, index, NULL, r);
        else if (!same_record(&ref, r))
            found(dc, index, &ref, r);
        else
            dc->r.events++;
    }
    if (dc->hooks.after_record) /* the engine is the caller's own, mutable object */
        dc->hooks.after_record(dc->hooks.ctx, (struct sim_engine *)eng, index);
}

struct detcheck *detcheck_start(const struct scenario *sc, const struct detcheck_hooks *hooks,
                                const char *file, struct diag *d)
{
    int p[2];
    if (pipe(p) != 0) {
        diag_error(d, file, 0, 0, NULL, "--check-determinism: cannot create a pipe: %s",
                   strerror(errno));
        return NULL;
    }
    fflush(NULL); /* nothing buffered is written twice */
    pid_t pid = fork();
    if (pid < 0) {
        diag_error(d, file, 0, 0, NULL, "--check-determinism: cannot fork: %s", strerror(errno));
        close(p[0]);
        close(p[1]);
        return NULL;
    }
    if (pid == 0) {
        close(p[0]);
        child_main(sc, p[1]);
    }
    close(p[1]);
    struct detcheck *dc = xcalloc(1, sizeof(*dc));
    dc->child = pid;
    dc->fd = p[0];
    if (hooks)
        dc->hooks = *hooks;
    sim_tap_new_engines(parent_tap, dc);
    return dc;
}

bool detcheck_finish(struct detcheck *dc, struct detcheck_result *r, struct diag *d)
{
    sim_tap_new_engines(NULL, NULL);
    struct sim_record ref;
    if (!dc->differ && next_ref(dc, &ref))
        found(dc, dc->seen, &ref, NULL);
    if (dc->fd >= 0) {
        close(dc->fd);
        dc->fd = -1;
    }
    int status = 0;
    pid_t got;
    while ((got = waitpid(dc->child, &status, 0)) < 0 && errno == EINTR)
        ;
    dc->child = NO_CHILD;
    bool ok = true;
    if (got < 0 || WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) != 0)) {
        diag_error(d, NULL, 0, 0, NULL,
                   "--check-determinism: the first run (a child process) failed (%s %d)",
                   got >= 0 && WIFSIGNALED(status) ? "signal" : "exit status",
                   got >= 0 && WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
        ok = false;
    }
    if (!dc->tapped) {
        diag_error(d, NULL, 0, 0, NULL, "--check-determinism: the second run created no engine");
        ok = false;
    }
    dc->r.same = !dc->differ;
    *r = dc->r;
    return ok;
}

void detcheck_free(struct detcheck *dc)
{
    if (!dc)
        return;
    sim_tap_new_engines(NULL, NULL);
    if (dc->fd >= 0)
        close(dc->fd);
    if (dc->child != NO_CHILD) {
        kill(dc->child, SIGKILL);
        while (waitpid(dc->child, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    free(dc);
}

static void print_record(FILE *f, int run, const struct detcheck_result *r)
{
    if (!r->present[run]) {
        fprintf(f, "  run %d: no event (its run ended after %" PRIu64 " events)\n", run + 1,
                r->index);
        return;
    }
    char t[SIM_TIME_BUFLEN];
    fprintf(f, "  run %d: time %ss, kind %s, target %" PRIu32 "\n", run + 1,
            sim_time_format_seconds(r->rec[run].time, t), r->kind_name[run], r->rec[run].target);
}

void detcheck_print(const struct detcheck_result *r, FILE *f)
{
    if (r->same) {
        fprintf(f, "deterministic: %" PRIu64 " events, fingerprint %016" PRIx64 "\n", r->events,
                r->fingerprint);
        return;
    }
    fprintf(f,
            "not deterministic: the runs differ at event %" PRIu64 " (counting from 0; the %" PRIu64
            " events before it are equal)\n",
            r->index, r->events);
    print_record(f, 0, r);
    print_record(f, 1, r);
}
