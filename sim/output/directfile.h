/*
 * directfile: a FILE * whose bytes reach the disk without the page cache (O_DIRECT).
 *
 * Why: a run's traces can be hundreds of megabytes. Written through the page cache, every
 * byte is copied by the kernel into a page-cache page that is new memory (on this project's
 * VM each first touch is also backed by the host) and written back at the fsync: 0.33 s of
 * system time per 128 MB, where O_DIRECT takes 0.03 s (dd on the project's VM; raft-1m
 * writes 128 MB). The writers keep their FILE * (fopencookie): the stream's bytes are staged
 * in an aligned buffer and leave in writes of DIRECTFILE_FIRST bytes, each next one twice as
 * large up to DIRECTFILE_CHUNK (a small file touches little memory: on this VM fresh memory
 * costs a fault and the zeroing of a huge page); directfile_finish writes the last partial
 * chunk as an ordinary write (so a small file is an ordinary file).
 *
 * A file system that refuses O_DIRECT (tmpfs at open, some others at the first write) gets
 * ordinary writes from the same buffer, transparently. Durability is unchanged: O_DIRECT
 * bypasses the page cache, not the device's cache, so the caller still fsyncs
 * (directfile_fd) when it wants the bytes on stable storage.
 *
 * Errors: the first failed write's errno is kept (directfile_error) and the stream reports
 * the failure (ferror); nothing is retried after it.
 *
 * Ownership: fclose(f) closes the descriptor and frees the state; call directfile_finish
 * first (after fflush) when the file is to be kept, not when it is to be removed.
 */
#ifndef ATLAS_SIM_OUTPUT_DIRECTFILE_H
#define ATLAS_SIM_OUTPUT_DIRECTFILE_H

#include <stdbool.h>
#include <stdio.h>

#define DIRECTFILE_ALIGN 4096          /* buffer address, write size and offset multiple */
#define DIRECTFILE_FIRST (64 * 1024)   /* the first write; each next one twice as large */
#define DIRECTFILE_CHUNK (1024 * 1024) /* up to this many bytes per write */

struct directfile;

/* Create (or truncate) path for writing, mode 0666 less the umask; NULL with errno set. */
FILE *directfile_open(const char *path, struct directfile **df);

/* After fflush(f): write what is staged (an ordinary write). False with errno set (also when
 * an earlier write failed). */
bool directfile_finish(struct directfile *df);

int directfile_fd(const struct directfile *df);
int directfile_error(const struct directfile *df);      /* errno of the first failed write, 0 */
bool directfile_is_direct(const struct directfile *df); /* O_DIRECT still in force */

#endif
