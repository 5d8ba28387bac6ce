/*
 * testutil: what the suites share: whole files, temporary folders, child processes. Every
 * function asserts (Criterion) instead of returning an error, so a test reads as its story.
 */
#ifndef ATLAS_TESTS_TESTUTIL_H
#define ATLAS_TESTS_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The whole file, NUL-terminated (malloc'ed; the caller frees it); *len its size if len. */
char *tu_slurp(const char *path, size_t *len);

/* Whether path exists (any kind of file). */
bool tu_exists(const char *path);

/* A new folder /tmp/atlas-NAME-XXXXXX into dir (len bytes), and its removal (rm -rf). */
void tu_tmpdir(char *dir, size_t len, const char *name);
void tu_rmtree(const char *dir);

/* A folder for a run of the binary: dir (tu_tmpdir NAME), out = dir/out, log = dir/log.txt and,
 * if text is not NULL, yaml = dir/t.yaml holding text. The test removes it: tu_rmtree(w.dir). */
struct tu_workdir {
    char dir[256], yaml[300], out[300], log[300];
};
void tu_workdir(struct tu_workdir *w, const char *name, const char *text);

/*
 * Start argv (PATH searched) with stdout to `out` and stderr to `err` (NULL: inherited; the
 * same path for both: one file, appended to) and env (NULL, or NAME=VALUE strings,
 * NULL-terminated) added to its environment. tu_wait returns its exit code, or 128 + the
 * signal that ended it; tu_run is both.
 */
pid_t tu_spawn(char *const *argv, const char *out, const char *err, char *const *env);
int tu_wait(pid_t pid);
int tu_run(char *const *argv, const char *out, const char *err, char *const *env);

/*
 * Every diagnostic of a scenario given as YAML text (file name "t.yaml") with nsets --set
 * overrides ("KEY=VALUE"), as diag_print writes them; "" if it resolves (malloc'ed).
 */
char *tu_scenario_errors(const char *text, int nsets, const char *const *sets);

/* A scenario given as YAML text ("t.yaml"), resolved; a test failure (diagnostics on stderr)
 * if it does not resolve. The caller calls scenario_fini. */
struct scenario;
struct scenario tu_resolve(const char *text);

#endif
