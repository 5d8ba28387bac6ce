/*
 * Tests for what sim/output/outfile does beyond test_csv's basics: removing the temporaries that a
 * killed process left (only those of processes that no longer exist, only names of the
 * .NAME.tmp.PID form, only regular files; a zombie counts as gone), reporting a write past
 * RLIMIT_FSIZE as EFBIG with the path (SIGXFSZ must not kill the program), and reserved files: the
 * writer's own PATH.tmp removed on abort, the file renamed into place on commit; and
 * directfile, the O_DIRECT stream outdir_create returns (every byte of streams around its chunk
 * and block sizes, on a file system with O_DIRECT and on tmpfs without it; a failed write's
 * reason kept). tests/robust/ drives the same code end to end (kill -9, full disks).
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/output/directfile.h"
#include "sim/output/outfile.h"

static char dir[256];

static void setup(void)
{
    snprintf(dir, sizeof(dir), "/tmp/atlas_test_outfile_XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

static bool present(const char *name)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", dir, name);
    struct stat st;
    return lstat(p, &st) == 0;
}

static void touch(const char *name)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    cr_assert_not_null(f, "%s", p);
    fputs("stale", f);
    fclose(f);
}

static size_t count_entries(void)
{
    DIR *dp = opendir(dir);
    size_t n = 0;
    for (struct dirent *e; (e = readdir(dp)) != NULL;)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(dp);
    return n;
}

/* The pid of a process that has exited and been reaped. */
static long dead_pid(void)
{
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0)
        _exit(0);
    cr_assert_eq(waitpid(pid, NULL, 0), pid);
    return (long)pid;
}

Test(outfile, only_stale_temporaries_of_dead_processes_are_removed_on_open, .init = setup,
     .fini = teardown)
{
    long dead = dead_pid();
    char stale[64], inner[64], mine[64], in_use[64], folder[64];
    snprintf(stale, sizeof(stale), ".votes.csv.tmp.%ld", dead);
    snprintf(inner, sizeof(inner), ".ledger-3.txt.tmp.%ld.tmp", dead);
    snprintf(mine, sizeof(mine), ".summary.csv.tmp.%ld", (long)getpid());
    snprintf(in_use, sizeof(in_use), ".events.csv.tmp.1"); /* init is alive */
    snprintf(folder, sizeof(folder), ".dir.tmp.%ld", dead);
    const char *kept[] = {mine,     in_use,        "notes.tmp.123", ".x.tmp.",      ".x.tmp.12a",
                          ".tmp.5", "summary.csv", ".sweep",        ".journal.tmp", "..sweep.tmp."};
    touch(stale);
    touch(inner);
    for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
        touch(kept[i]);
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", dir, folder);
    cr_assert_eq(mkdir(p, 0777), 0);

    struct diag d;
    diag_init(&d);
    struct outdir *o = outdir_open(dir, &d);
    cr_assert_not_null(o);
    outdir_abort(o);
    diag_fini(&d);

    cr_assert_not(present(stale), "%s is a dead process's temporary", stale);
    cr_assert_not(present(inner), "%s is a dead process's ledger temporary", inner);
    for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
        cr_assert(present(kept[i]), "%s must be kept", kept[i]);
    cr_assert(present(folder), "folders are never removed");
    cr_assert_eq(outdir_clean(dir), 0, "nothing left to clean");
}

Test(outfile, a_zombie_process_counts_as_gone, .init = setup, .fini = teardown)
{
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0)
        _exit(0);
    char state = 0, path[64], name[64];
    snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
    for (int i = 0; i < 1000 && state != 'Z'; i++) { /* until it has exited, unreaped */
        usleep(1000);
        FILE *f = fopen(path, "r");
        cr_assert_not_null(f);
        cr_assert_eq(fscanf(f, "%*d (%*[^)]) %c", &state), 1);
        fclose(f);
    }
    cr_assert_eq(state, 'Z');
    snprintf(name, sizeof(name), ".outcomes.csv.tmp.%ld", (long)pid);
    touch(name);
    cr_assert_eq(outdir_clean(dir), 1,
                 "a zombie (a killed sweep's worker before init reaps it) "
                 "cannot write: its temporaries are stale");
    cr_assert_not(present(name));
    cr_assert_eq(waitpid(pid, NULL, 0), pid);
}

/*
 * In a child (setrlimit and SIGXFSZ are per process): a file larger than RLIMIT_FSIZE.
 * Exit codes: 0 ok, 1-4 the check that failed; a death by SIGXFSZ shows as a signal.
 */
static int write_past_the_limit(void)
{
    struct rlimit rl = {.rlim_cur = 4096, .rlim_max = 4096};
    if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
        return 1;
    struct diag d;
    diag_init(&d);
    struct outdir *o = outdir_open(dir, &d);
    FILE *f = o ? outdir_create(o, "big.csv", &d) : NULL;
    if (!f)
        return 2;
    for (int i = 0; i < 10000; i++)
        fputs("0123456789\n", f);
    if (outdir_commit(o, &d) || d.errors != 1)
        return 3;
    char path[512];
    snprintf(path, sizeof(path), "%s/big.csv", dir);
    bool named = strcmp(d.items[0].file, path) == 0;
    bool reason = strstr(d.items[0].msg, "File too large") != NULL;
    fprintf(stderr, "%s: %s\n", d.items[0].file, d.items[0].msg);
    diag_fini(&d);
    return named && reason && count_entries() == 0 ? 0 : 4;
}

Test(outfile, a_write_past_the_file_size_limit_is_reported_as_efbig_with_the_path, .init = setup,
     .fini = teardown)
{
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0)
        _exit(write_past_the_limit());
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert_not(WIFSIGNALED(status), "killed by signal %d (SIGXFSZ not ignored?)",
                  WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    cr_assert_eq(WEXITSTATUS(status), 0, "check %d failed", WEXITSTATUS(status));
}

Test(outfile, abort_removes_a_reserved_writers_own_temporary, .init = setup, .fini = teardown)
{
    struct diag d;
    diag_init(&d);
    struct outdir *o = outdir_open(dir, &d);
    const char *path = outdir_reserve(o, "ledger-0.txt");
    char inner[600];
    snprintf(inner, sizeof(inner), "%s.tmp", path);
    FILE *f = fopen(inner, "w"); /* as core/ledger does before its own rename */
    fputs("half", f);
    fclose(f);
    cr_assert_eq(count_entries(), 1);
    outdir_abort(o);
    cr_assert_eq(count_entries(), 0, "the writer's PATH.tmp is removed too");
    diag_fini(&d);
}

Test(outfile, a_reserved_file_is_renamed_into_place_on_commit, .init = setup, .fini = teardown)
{
    struct diag d;
    diag_init(&d);
    struct outdir *o = outdir_open(dir, &d);
    const char *path = outdir_reserve(o, "ledger-0.txt");
    FILE *f = fopen(path, "w");
    fputs("complete\n", f);
    fclose(f);
    cr_assert(present(strrchr(path, '/') + 1), "written under its temporary name");
    cr_assert(outdir_commit(o, &d));
    cr_assert(present("ledger-0.txt"));
    cr_assert_eq(count_entries(), 1, "only the final file");
    diag_fini(&d);
}

Test(outfile, a_missing_reserved_file_fails_the_commit_with_its_path, .init = setup,
     .fini = teardown)
{
    struct diag d;
    diag_init(&d);
    struct outdir *o = outdir_open(dir, &d);
    outdir_reserve(o, "ledger-0.txt"); /* never written */
    fputs("x\n", outdir_create(o, "a.csv", &d));
    cr_assert_not(outdir_commit(o, &d));
    cr_assert_eq(d.errors, 1);
    cr_assert(strstr(d.items[0].file, "ledger-0.txt"), "%s", d.items[0].file);
    cr_assert_eq(count_entries(), 0, "nothing left");
    diag_fini(&d);
}

/* 32 processes released at once create sibling folders under one new parent chain, ten
 * times over: every one succeeds (a stat-then-mkdir made some fail with "File exists"). */
Test(outfile, concurrent_runs_create_sibling_folders_under_a_new_parent, .init = setup,
     .fini = teardown)
{
    enum { PROCS = 32, ROUNDS = 10 };
    for (int round = 0; round < ROUNDS; round++) {
        int gate[2];
        cr_assert_eq(pipe(gate), 0);
        pid_t pid[PROCS];
        for (int k = 0; k < PROCS; k++) {
            pid[k] = fork();
            cr_assert_geq(pid[k], 0);
            if (pid[k] == 0) {
                close(gate[1]);
                char c;
                (void)!read(gate[0], &c, 1); /* returns when the parent closes the gate */
                char path[512];
                snprintf(path, sizeof(path), "%s/r%d/a/b/c/run-%d", dir, round, k);
                struct diag d;
                diag_init(&d);
                struct outdir *o = outdir_open(path, &d);
                if (!o)
                    diag_print(&d, stderr);
                _exit(o && outdir_commit(o, &d) ? 0 : 1);
            }
        }
        close(gate[0]);
        close(gate[1]);
        int failed = 0;
        for (int k = 0; k < PROCS; k++) {
            int status;
            cr_assert_eq(waitpid(pid[k], &status, 0), pid[k]);
            failed += !WIFEXITED(status) || WEXITSTATUS(status) != 0;
        }
        cr_assert_eq(failed, 0, "round %d: %d of %d runs failed to create their folder", round,
                     failed, PROCS);
    }
}

Test(outfile, a_dangling_symbolic_link_as_the_folder_is_named_as_such, .init = setup,
     .fini = teardown)
{
    char link[400], out[512];
    snprintf(link, sizeof(link), "%s/link", dir);
    cr_assert_eq(symlink("/nonexistent/atlas-target", link), 0);
    snprintf(out, sizeof(out), "%s/sub", link);
    struct diag d;
    diag_init(&d);
    cr_assert_null(outdir_open(out, &d));
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    diag_print(&d, f);
    fclose(f);
    cr_assert(strstr(text, "symbolic link to a missing target") != NULL, "%s", text);
    cr_assert(strstr(text, "File exists") == NULL, "%s", text);
    free(text);
    diag_fini(&d);
}

/* ---- directfile: O_DIRECT writes behind a FILE * ------------------------------------- */

/* Byte i of the test stream: not periodic in the chunk or block size. */
static char stream_byte(size_t i)
{
    return (char)('a' + (i * 7 + i / 4099) % 26);
}

/*
 * Write n stream bytes to path through a directfile in pieces of varied sizes (fwrite and
 * fputc), finish it if `finish`, close it; returns the file's size, and whether every byte
 * read back is the stream's in *same. *direct: O_DIRECT was in force after the writes.
 */
static long write_stream(const char *path, size_t n, bool finish, bool *same, bool *direct)
{
    struct directfile *df;
    FILE *f = directfile_open(path, &df);
    cr_assert_not_null(f, "%s: %s", path, strerror(errno));
    static char piece[300000];
    size_t i = 0, k = 1;
    while (i < n) {
        size_t len = k % 5 == 0 ? 1 : (k * 7919) % sizeof(piece);
        len = len < n - i ? len : n - i;
        for (size_t j = 0; j < len; j++)
            piece[j] = stream_byte(i + j);
        if (len == 1)
            cr_assert_eq(fputc(piece[0], f), (unsigned char)piece[0]);
        else
            cr_assert_eq(fwrite(piece, 1, len, f), len);
        i += len;
        k++;
    }
    cr_assert_eq(fflush(f), 0);
    *direct = directfile_is_direct(df);
    if (finish)
        cr_assert(directfile_finish(df), "%s", strerror(errno));
    cr_assert_eq(fclose(f), 0);
    FILE *r = fopen(path, "rb");
    cr_assert_not_null(r);
    *same = true;
    long size = 0;
    for (int c; (c = fgetc(r)) != EOF; size++)
        *same = *same && (char)c == stream_byte((size_t)size);
    fclose(r);
    return size;
}

Test(directfile, every_byte_arrives_whole_chunks_and_tail_alike, .init = setup, .fini = teardown)
{
    static const size_t sizes[] = {
        0, 1, DIRECTFILE_ALIGN - 1, DIRECTFILE_ALIGN, DIRECTFILE_ALIGN + 1, DIRECTFILE_CHUNK - 1,
        DIRECTFILE_CHUNK, DIRECTFILE_CHUNK + 1,
        /* ends of whole writes (FIRST, 2 FIRST, ... CHUNK, CHUNK) */
        DIRECTFILE_FIRST, 3 * DIRECTFILE_FIRST, 15 * DIRECTFILE_FIRST + DIRECTFILE_CHUNK,
        15 * DIRECTFILE_FIRST + 2 * DIRECTFILE_CHUNK, 3 * DIRECTFILE_CHUNK + 12345};
    /* here (/tmp: O_DIRECT where the file system has it) and on tmpfs, which refuses it */
    const char *dirs[] = {dir, access("/dev/shm", W_OK) == 0 ? "/dev/shm" : dir};
    char probe[512];
    snprintf(probe, sizeof(probe), "%s/probe", dir);
    int fd = open(probe, O_WRONLY | O_CREAT | O_DIRECT, 0600);
    bool has_direct = fd >= 0; /* then the chunks must have gone direct (checked below) */
    if (fd >= 0)
        close(fd);
    unlink(probe);
    for (size_t d = 0; d < 2; d++)
        for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
            char path[512];
            snprintf(path, sizeof(path), "%s/atlas_directfile_%d_%zu", dirs[d], (int)getpid(), s);
            bool same, direct;
            long size = write_stream(path, sizes[s], true, &same, &direct);
            unlink(path);
            cr_assert_eq(size, (long)sizes[s], "%s: %zu bytes written, %ld read (direct %d)",
                         dirs[d], sizes[s], size, direct);
            cr_assert(same, "%s: %zu bytes: contents differ", dirs[d], sizes[s]);
            if (d == 0 && has_direct && sizes[s] >= DIRECTFILE_CHUNK)
                cr_assert(direct, "%s accepts O_DIRECT but the writes fell back", dir);
        }
}

Test(directfile, without_finish_only_whole_writes_reach_the_file, .init = setup, .fini = teardown)
{
    /* the control of the test above: the tail is directfile_finish's to write, so a file
     * closed without it (an aborted output) ends at its last whole write */
    char path[512];
    snprintf(path, sizeof(path), "%s/unfinished", dir);
    bool same, direct;
    size_t n = 3 * DIRECTFILE_CHUNK + 777, whole = 0; /* writes of FIRST, 2 FIRST, ... CHUNK */
    for (size_t chunk = DIRECTFILE_FIRST; whole + chunk <= n;) {
        whole += chunk;
        chunk = chunk < DIRECTFILE_CHUNK ? 2 * chunk : DIRECTFILE_CHUNK;
    }
    long size = write_stream(path, n, false, &same, &direct);
    cr_assert_eq(size, (long)whole, "%ld bytes reached the file, %zu expected", size, whole);
    cr_assert_lt(whole, n);
    cr_assert(same);
}

Test(directfile, a_failed_write_keeps_its_reason, .init = setup, .fini = teardown)
{
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) { /* a file-size limit of 1.5 chunks: the second chunk's write fails */
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl = {.rlim_cur = DIRECTFILE_CHUNK * 3 / 2, .rlim_max = RLIM_INFINITY};
        if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
            _exit(1);
        char path[512];
        snprintf(path, sizeof(path), "%s/limited", dir);
        struct directfile *df;
        FILE *f = directfile_open(path, &df);
        if (!f)
            _exit(2);
        static char block[DIRECTFILE_CHUNK];
        memset(block, 'x', sizeof(block));
        fwrite(block, 1, sizeof(block), f);
        fwrite(block, 1, sizeof(block), f);
        fwrite(block, 1, 10, f);
        bool failed = fflush(f) != 0 || ferror(f);
        bool finished = directfile_finish(df);
        int reason = directfile_error(df);
        fclose(f);
        _exit(!failed ? 3 : finished ? 4 : reason != EFBIG ? 5 : 0);
    }
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "check %d failed",
              WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}
