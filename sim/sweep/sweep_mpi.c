/* sweep_mpi: dynamic run sharing over MPI ranks, rank 0 writing (see sweep_mpi.h). */
#include "sim/sweep/sweep_mpi.h"

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/xalloc.h"

#define PREFETCH   2 /* runs outstanding per worker rank */
#define TAG_RUN    1 /* rank 0 -> worker: uint32_t run */
#define TAG_STOP   2 /* rank 0 -> worker: no more runs */
#define TAG_RESULT 3 /* worker -> rank 0: struct sweep_result bytes */

bool sweep_mpi_launched(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"};
    for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
        if (getenv(vars[i]))
            return true;
    return false;
}

void sweep_mpi_init(int *argc, char ***argv, int *rank, int *size)
{
    MPI_Init(argc, argv);
    MPI_Comm_rank(MPI_COMM_WORLD, rank);
    MPI_Comm_size(MPI_COMM_WORLD, size);
}

void sweep_mpi_finalize(void)
{
    MPI_Finalize();
}

bool sweep_mpi_agree(bool go)
{
    int flag = go;
    MPI_Bcast(&flag, 1, MPI_INT, 0, MPI_COMM_WORLD);
    return flag != 0;
}

void sweep_mpi_serve(sweep_work_fn work, void *ctx)
{
    struct sweep_result *r = xmalloc(sizeof(*r));
    for (;;) {
        uint32_t run;
        MPI_Status st;
        MPI_Recv(&run, 1, MPI_UINT32_T, 0, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
        if (st.MPI_TAG == TAG_STOP)
            break;
        memset(r, 0, sizeof(*r));
        r->run = run;
        work(ctx, run, r);
        MPI_Send(r, (int)sizeof(*r), MPI_BYTE, 0, TAG_RESULT, MPI_COMM_WORLD);
    }
    free(r);
}

struct master {
    const struct sweep_exec *x;
    size_t next;     /* next entry of x->runs to hand out */
    size_t inflight; /* runs held by worker ranks */
    struct sweep_result *r;
};

static void send_next(struct master *m, int dest)
{
    if (m->next >= m->x->nruns)
        return;
    uint32_t run = m->x->runs[m->next++];
    MPI_Send(&run, 1, MPI_UINT32_T, dest, TAG_RUN, MPI_COMM_WORLD);
    m->inflight++;
}

static enum sweep_exec_status record(struct master *m, char *err, size_t errlen)
{
    if (m->r->status == SWEEP_RUN_ERROR) {
        snprintf(err, errlen, "run %u: %s", (unsigned)m->r->run, m->r->err);
        return SWEEP_EXEC_FAILED;
    }
    if (!m->x->done(m->x->ctx, m->r) || (m->x->flush && !m->x->flush(m->x->ctx))) {
        if (err[0] == '\0') /* done/flush may have explained already (a shared buffer) */
            snprintf(err, errlen, "run %u: could not record the result", (unsigned)m->r->run);
        return SWEEP_EXEC_FAILED;
    }
    return SWEEP_EXEC_DONE;
}

/* Take one result from a worker rank if one is waiting (or wait, if block). */
static bool poll_result(struct master *m, bool block, enum sweep_exec_status *st, char *err,
                        size_t errlen)
{
    int flag = 0;
    MPI_Status s;
    MPI_Iprobe(MPI_ANY_SOURCE, TAG_RESULT, MPI_COMM_WORLD, &flag, &s);
    while (!flag && block && !(m->x->stop && *m->x->stop)) {
        struct timespec ts = {0, 200000}; /* 0.2 ms: do not spin on a shared core */
        nanosleep(&ts, NULL);
        MPI_Iprobe(MPI_ANY_SOURCE, TAG_RESULT, MPI_COMM_WORLD, &flag, &s);
    }
    if (!flag)
        return false;
    MPI_Recv(m->r, (int)sizeof(*m->r), MPI_BYTE, s.MPI_SOURCE, TAG_RESULT, MPI_COMM_WORLD,
             MPI_STATUS_IGNORE);
    m->inflight--;
    *st = record(m, err, errlen);
    if (*st == SWEEP_EXEC_DONE && !(m->x->stop && *m->x->stop))
        send_next(m, s.MPI_SOURCE);
    return true;
}

static void stop_workers(struct master *m, int size)
{
    uint32_t none = 0;
    /* Drain what the workers still send so that none blocks in MPI_Send at MPI_Finalize. */
    while (m->inflight > 0) {
        MPI_Status s;
        MPI_Recv(m->r, (int)sizeof(*m->r), MPI_BYTE, MPI_ANY_SOURCE, TAG_RESULT, MPI_COMM_WORLD,
                 &s);
        m->inflight--;
    }
    for (int dest = 1; dest < size; dest++)
        MPI_Send(&none, 1, MPI_UINT32_T, dest, TAG_STOP, MPI_COMM_WORLD);
}

enum sweep_exec_status sweep_mpi_exec(const struct sweep_exec *x, char *err, size_t errlen)
{
    int size;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    struct master m = {.x = x, .r = xmalloc(sizeof(*m.r))};
    enum sweep_exec_status st = SWEEP_EXEC_DONE;
    err[0] = '\0';
    for (int k = 0; k < PREFETCH; k++)
        for (int dest = 1; dest < size; dest++)
            send_next(&m, dest);
    while (st == SWEEP_EXEC_DONE && (m.next < x->nruns || m.inflight > 0)) {
        if (x->stop && *x->stop) {
            st = SWEEP_EXEC_INTERRUPTED;
            break;
        }
        if (poll_result(&m, m.next >= x->nruns, &st, err, errlen))
            continue;
        if (m.next < x->nruns) { /* nothing waiting: rank 0 runs one itself */
            memset(m.r, 0, sizeof(*m.r));
            m.r->run = x->runs[m.next++];
            x->work(x->ctx, m.r->run, m.r);
            st = record(&m, err, errlen);
        }
    }
    stop_workers(&m, size);
    free(m.r);
    return st;
}
