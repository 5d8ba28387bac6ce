/*
 * sweep_mpi: the MPI driver of `atlas-sim sweep` (compiled only with -DATLAS_MPI=ON).
 *
 * Under `mpirun -np R atlas-sim sweep ...` every rank parses the same scenario and plan.
 * Rank 0 owns the folder (identity, journal, results) and hands runs out dynamically
 * (simple self-scheduling): every other rank holds two runs at a time and gets the next as
 * soon as it returns a result, so ranks that draw large points simply take fewer of them.
 * Between messages rank 0 runs runs itself. Results travel to rank 0 as struct sweep_result
 * bytes (ranks of one architecture) and are written in run order, so the output is
 * byte-identical to `-j 1`. `-j` is ignored under MPI (one run at a time per rank).
 */
#ifndef ATLAS_SIM_SWEEP_SWEEP_MPI_H
#define ATLAS_SIM_SWEEP_SWEEP_MPI_H

#include <stdbool.h>

#include "sim/sweep/sweep_exec.h"

/* True if this process was started by mpirun (OpenMPI, PMIx or PMI environment). */
bool sweep_mpi_launched(void);

/* MPI_Init; *rank and *size of MPI_COMM_WORLD. */
void sweep_mpi_init(int *argc, char ***argv, int *rank, int *size);
void sweep_mpi_finalize(void);

/* Rank 0 tells the others whether to serve (true) or stop (false) after its setup. */
bool sweep_mpi_agree(bool go);

/* Rank 0: dispatch x->runs over all ranks (itself included); like sweep_exec_run. */
enum sweep_exec_status sweep_mpi_exec(const struct sweep_exec *x, char *err, size_t errlen);

/* Other ranks: run what rank 0 sends until it says stop. */
void sweep_mpi_serve(sweep_work_fn work, void *ctx);

#endif
