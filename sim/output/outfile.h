/*
 * outfile: atomic output into a folder.
 *
 * outdir_open creates the folder (and missing parents) and checks it is writable;
 * outdir_create opens DIR/.NAME.tmp.PID for writing (a directfile: its bytes reach the disk in
 * O_DIRECT writes of up to 1 MiB, without the page cache, where the file system allows it,
 * so a run's hundreds of megabytes of traces cost no kernel copies); outdir_commit flushes, fsyncs
 * and closes every file, renames each to DIR/NAME and fsyncs the folder (outdir_set_sync(o, false)
 * skips the fsyncs: then a power cut or an OS crash may lose or empty files that were committed,
 * but a crash of the process still never leaves a torn file under a real name). Any failure (or
 * outdir_abort) removes every temporary file, every file this outdir already renamed into place,
 * and the folders it created, so a failed or interrupted run never leaves a half-written file under
 * a real name: a visible file is always complete. With outdir_remove_on_signal, an interrupted run
 * is undone the same way. Errors (a full disk, EFBIG past `ulimit -f`, a read-only folder, a path
 * under a regular file) are reported into a struct diag naming the path.
 *
 * kill -9 (or a power cut) can leave temporaries behind: hidden ".NAME.tmp.PID" files.
 * outdir_open removes those of processes that no longer exist from its folder (outdir_clean),
 * so the next run into the folder tidies up. A file being renamed into place when the
 * process dies may already be the new one while another is still the previous run's: each
 * visible file is a complete file of one run or the other.
 *
 * outdir_open also sets SIGXFSZ to ignored if it is at its default (which kills), so a write
 * past RLIMIT_FSIZE fails with EFBIG and is reported like any write error.
 *
 * Ownership: the outdir owns the FILEs it returns; callers never fclose them.
 */
#ifndef ATLAS_SIM_OUTPUT_OUTFILE_H
#define ATLAS_SIM_OUTPUT_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "sim/scenario/diag.h"

struct outdir;

/*
 * Remove the temporaries (".NAME.tmp.PID", regular files) of processes that no longer exist
 * from dir; returns how many. Temporaries of live processes are left alone (a zombie, not
 * yet reaped, counts as gone: it cannot write). "Live" is judged in this PID namespace: two
 * containers writing one shared folder at once could remove each other's temporaries
 * (their commits then fail with the path), and a stale temporary whose PID was reused stays
 * until that process is gone.
 */
size_t outdir_clean(const char *dir);

/* "dir/name", malloc'ed. */
char *outdir_join(const char *dir, const char *name);

/* NULL (with a diagnostic naming the path) if dir cannot be created or written. */
struct outdir *outdir_open(const char *dir, struct diag *d);

/* A new temporary file that becomes dir/name on commit. NULL (diagnosed) on failure. */
FILE *outdir_create(struct outdir *o, const char *name, struct diag *d);

/*
 * For writers that open files themselves: the temporary path (owned by o) that becomes
 * dir/name on commit, like outdir_create's files. The caller writes it and closes it. A
 * writer that itself writes PATH.tmp and renames it to PATH (core/ledger) is covered: on
 * abort or a signal PATH.tmp is removed too.
 */
const char *outdir_reserve(struct outdir *o, const char *name);

/* Whether outdir_commit fsyncs each file and the folder (true when opened). */
void outdir_set_sync(struct outdir *o, bool sync);

/* Close and rename everything; on failure undo everything. Frees o either way. */
bool outdir_commit(struct outdir *o, struct diag *d);

/* Undo everything and free o. NULL is a no-op. */
void outdir_abort(struct outdir *o);

/*
 * Install handlers for SIGINT, SIGTERM and SIGHUP (unless ignored) that undo every open
 * outdir of this process, as outdir_abort would, then die of the signal. For commands.
 */
void outdir_remove_on_signal(void);

/* The folder path (borrowed). */
const char *outdir_path(const struct outdir *o);

/*
 * Whether a scenario's name can make its default folder out/NAME: not empty, not absolute,
 * and no "." or ".." component (a name of "../x" or ".." would write outside out/, ".."
 * into the current folder). "paper/fig3" is fine.
 */
bool outdir_name_ok(const char *name);

/* outdir_name_ok, or an error on the key `name` of scenario file `file` in d. */
bool outdir_name_check(const char *name, const char *file, struct diag *d);

/* Whether dir/name exists (any kind of file). */
bool outdir_holds(const char *dir, const char *name);

#endif
