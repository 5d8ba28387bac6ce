/*
 * rfile: open an input file only if it is a regular file. A FIFO given as a scenario or an
 * empirical latency file hung `validate` and `run` forever (fopen waits for a writer); a
 * device or folder is refused the same way, before anything is read.
 */
#ifndef ATLAS_SIM_ENGINE_RFILE_H
#define ATLAS_SIM_ENGINE_RFILE_H

#include <stdio.h>

/* fopen(path, "r") for a regular file; NULL otherwise, with *why a static text saying why
 * (strerror's, or "not a regular file (a FIFO)" and the like). Never blocks on a FIFO. */
FILE *rfile_open(const char *path, const char **why);

#endif
