/* testutil: the suites' shared helpers (see testutil.h). */
#include "testutil.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/scenario/scenario_yaml.h"

char *tu_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f, "cannot read %s: %s", path, strerror(errno));
    char *buf = NULL;
    size_t cap = 0, n = 0, got;
    do {
        if (n + 65536 + 1 > cap)
            cap = 2 * cap + 65536 + 1, buf = realloc(buf, cap);
        cr_assert(buf);
        got = fread(buf + n, 1, 65536, f);
        n += got;
    } while (got);
    cr_assert_not(ferror(f), "cannot read %s", path);
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

bool tu_exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

void tu_tmpdir(char *dir, size_t len, const char *name)
{
    cr_assert_lt((size_t)snprintf(dir, len, "/tmp/atlas-%s-XXXXXX", name), len);
    cr_assert_not_null(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
}

void tu_rmtree(const char *dir)
{
    char *argv[] = {"rm", "-rf", (char *)dir, NULL};
    cr_assert_eq(tu_run(argv, NULL, NULL, NULL), 0, "rm -rf %s", dir);
}

void tu_workdir(struct tu_workdir *w, const char *name, const char *text)
{
    tu_tmpdir(w->dir, sizeof(w->dir), name);
    snprintf(w->yaml, sizeof(w->yaml), "%s/t.yaml", w->dir);
    snprintf(w->out, sizeof(w->out), "%s/out", w->dir);
    snprintf(w->log, sizeof(w->log), "%s/log.txt", w->dir);
    if (!text)
        return;
    FILE *f = fopen(w->yaml, "w");
    cr_assert_not_null(f, "%s: %s", w->yaml, strerror(errno));
    fputs(text, f);
    fclose(f);
}

static void redirect(const char *path, int fd, int flags)
{
    int f = open(path, O_WRONLY | O_CREAT | flags, 0644);
    if (f < 0 || dup2(f, fd) < 0)
        _exit(126);
    close(f);
}

pid_t tu_spawn(char *const *argv, const char *out, const char *err, char *const *env)
{
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0, "fork: %s", strerror(errno));
    if (pid == 0) {
        bool one = out && err && strcmp(out, err) == 0;
        if (out)
            redirect(out, 1, one ? O_APPEND : O_TRUNC);
        if (one)
            dup2(1, 2);
        else if (err)
            redirect(err, 2, O_TRUNC);
        for (; env && *env; env++)
            putenv(*env);
        execvp(argv[0], argv);
        _exit(127);
    }
    return pid;
}

int tu_wait(pid_t pid)
{
    int st;
    while (waitpid(pid, &st, 0) < 0)
        cr_assert_eq(errno, EINTR, "waitpid: %s", strerror(errno));
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int tu_run(char *const *argv, const char *out, const char *err, char *const *env)
{
    return tu_wait(tu_spawn(argv, out, err, env));
}

char *tu_scenario_errors(const char *text, int nsets, const char *const *sets)
{
    struct diag d;
    diag_init(&d);
    struct scenario_doc *doc = scenario_doc_parse("t.yaml", text, strlen(text), &d);
    for (int i = 0; doc && i < nsets; i++) {
        char key[128];
        const char *eq = strchr(sets[i], '=');
        cr_assert(eq, "--set %s has no '='", sets[i]);
        snprintf(key, sizeof(key), "%.*s", (int)(eq - sets[i]), sets[i]);
        scenario_doc_set(doc, key, eq + 1, "--set", &d);
    }
    struct scenario sc;
    if (doc && scenario_doc_resolve(doc, &sc, &d))
        scenario_fini(&sc);
    char *buf;
    size_t len;
    FILE *f = open_memstream(&buf, &len);
    diag_print(&d, f);
    fclose(f);
    scenario_doc_free(doc);
    diag_fini(&d);
    return buf;
}

struct scenario tu_resolve(const char *text)
{
    struct diag d;
    diag_init(&d);
    struct scenario_doc *doc = scenario_doc_parse("t.yaml", text, strlen(text), &d);
    struct scenario sc;
    bool ok = doc && scenario_doc_resolve(doc, &sc, &d);
    if (!ok)
        diag_print(&d, stderr);
    cr_assert(ok, "the test scenario resolves");
    scenario_doc_free(doc);
    diag_fini(&d);
    return sc;
}
