/* cmd_merge: `atlas-sim merge DIR... -o OUT`, shard folders into one sweep folder. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/xalloc.h"
#include "sim/cli/cli.h"
#include "sim/output/outfile.h"
#include "sim/sweep/sweep_dir.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: atlas-sim merge DIR... -o OUT\n"
               "\n"
               "Combines the folders of 'atlas-sim sweep --shard K/N' runs of one sweep into OUT,\n"
               "which then holds the same summary.csv, points.csv and scenario.resolved.yaml as a\n"
               "single sweep would have written. Every folder must come from the same scenario,\n"
               "sweep.params and seed (checked with the hash each folder stores), and together\n"
               "they must hold every run. Exit codes: 0 ok, 1 a checked invariant failed in some\n"
               "run, 2 bad input (folders of different sweeps, missing runs) or usage.\n");
}

static char *read_file(const char *dir, const char *name, size_t *len)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *path = xmalloc(n);
    snprintf(path, n, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    free(path);
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t cap = 0;
    FILE *out = open_memstream(&buf, &cap);
    char chunk[8192];
    size_t k;
    while ((k = fread(chunk, 1, sizeof(chunk), f)) > 0)
        fwrite(chunk, 1, k, out);
    bool bad = ferror(f);
    fclose(f);
    fclose(out);
    *len = cap;
    if (bad) {
        free(buf);
        return NULL;
    }
    return buf;
}

struct merge {
    const char *out;
    const char **dirs;
    int ndirs;
    struct sweep_meta meta; /* of the first folder */
    char *resolved;         /* its scenario.resolved.yaml */
    size_t resolved_len;
    struct sweep_store store;
};

/* Check one folder against the first and add its runs. */
static bool merge_dir(struct merge *mg, int i)
{
    const char *dir = mg->dirs[i];
    struct sweep_meta m;
    char err[512];
    size_t len;
    if (!sweep_meta_read(dir, &m, err, sizeof(err))) {
        fprintf(stderr, "atlas-sim merge: %s\n", err);
        return false;
    }
    char *text = read_file(dir, "scenario.resolved.yaml", &len);
    bool ok = text && sweep_dir_hash(&m.plan, text, len) == m.hash;
    if (!ok)
        fprintf(stderr,
                "atlas-sim merge: %s: scenario.resolved.yaml is missing or does not "
                "match the folder's sweep identity\n",
                dir);
    if (ok && i == 0) {
        mg->meta = m;
        mg->resolved = text;
        mg->resolved_len = len;
        sweep_store_init(&mg->store, m.plan.nruns);
        text = NULL;
    } else if (ok && m.hash != mg->meta.hash) {
        fprintf(stderr,
                "atlas-sim merge: %s: comes from a different sweep than %s (scenario, "
                "sweep.params or seed differ)\n",
                dir, mg->dirs[0]);
        ok = false;
    }
    if (ok && !sweep_journal_load(dir, &mg->store, err, sizeof(err))) {
        fprintf(stderr, "atlas-sim merge: %s\n", err);
        ok = false;
    }
    free(text);
    if (i != 0 || !ok)
        sweep_meta_fini(&m);
    return ok;
}

static bool complete(const struct merge *mg)
{
    if (mg->store.ndone == mg->store.nruns)
        return true;
    uint64_t first = 0;
    while (mg->store.have[first])
        first++;
    fprintf(stderr,
            "atlas-sim merge: %" PRIu64 " of %" PRIu64
            " runs are missing (the first is run %" PRIu64 ", shard %" PRIu64 "/%" PRIu32
            " of this folder's sharding); are all shards given "
            "and finished?\n",
            mg->store.nruns - mg->store.ndone, mg->store.nruns, first, first % mg->meta.shard_n + 1,
            mg->meta.shard_n);
    return false;
}

static void fill_resolved(FILE *f, void *ctx)
{
    const struct merge *mg = ctx;
    fwrite(mg->resolved, 1, mg->resolved_len, f);
}

/* What merge writes into OUT; it refuses a folder holding any of them. */
static const char *const out_names[] = {SWEEP_META_FILE, SWEEP_JOURNAL_FILE,       "summary.csv",
                                        "points.csv",    "scenario.resolved.yaml", "runs"};
#define N_OUT_NAMES (sizeof(out_names) / sizeof(out_names[0]))

/* dst becomes a copy of the regular file src: a hard link when the file system allows it
 * (trace files are never written again), else the bytes. */
static bool copy_file(const char *src, const char *dst, char *err, size_t errlen)
{
    if (link(src, dst) == 0)
        return true;
    int in = open(src, O_RDONLY | O_CLOEXEC);
    int out = in < 0 ? -1 : open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    bool ok = in >= 0 && out >= 0;
    char buf[1 << 16];
    ssize_t n = 0;
    while (ok && (n = read(in, buf, sizeof(buf))) > 0)
        ok = write(out, buf, (size_t)n) == n;
    ok = ok && n == 0;
    if (!ok)
        snprintf(err, errlen, "cannot copy %s to %s: %s", src, dst, strerror(errno));
    if (out >= 0 && close(out) != 0 && ok) {
        snprintf(err, errlen, "cannot write %s: %s", dst, strerror(errno));
        ok = false;
    }
    if (in >= 0)
        close(in);
    return ok;
}

/* Every run folder under DIR/runs/ (sweep --traces) into OUT/runs/: the shards hold
 * disjoint runs, so nothing is overwritten (O_EXCL, mkdir refuse it). */
static bool merge_runs(const char *dir, const char *out, char *err, size_t errlen)
{
    char *from = outdir_join(dir, "runs"), *to = outdir_join(out, "runs");
    DIR *dp = opendir(from);
    bool ok = true;
    if (dp && mkdir(to, 0777) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s", to, strerror(errno));
        ok = false;
    }
    for (struct dirent *e; ok && dp && (e = readdir(dp)) != NULL;) {
        if (e->d_name[0] == '.')
            continue;
        char *src = outdir_join(from, e->d_name), *dst = outdir_join(to, e->d_name);
        DIR *run = opendir(src);
        if (run && mkdir(dst, 0777) != 0) {
            snprintf(err, errlen, "cannot create %s: %s", dst, strerror(errno));
            ok = false;
        }
        for (struct dirent *f; ok && run && (f = readdir(run)) != NULL;) {
            if (f->d_name[0] == '.')
                continue; /* a killed run's temporaries */
            char *a = outdir_join(src, f->d_name), *b = outdir_join(dst, f->d_name);
            ok = copy_file(a, b, err, errlen);
            free(a);
            free(b);
        }
        if (run)
            closedir(run);
        free(src);
        free(dst);
    }
    if (dp)
        closedir(dp);
    free(from);
    free(to);
    return ok;
}

/* Undo merge_runs: OUT/runs/RUN/FILE, two levels. */
static void remove_runs(const char *out)
{
    char *runs = outdir_join(out, "runs");
    DIR *dp = opendir(runs);
    for (struct dirent *e; dp && (e = readdir(dp)) != NULL;) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char *sub = outdir_join(runs, e->d_name);
        DIR *run = opendir(sub);
        for (struct dirent *f; run && (f = readdir(run)) != NULL;) {
            if (!strcmp(f->d_name, ".") || !strcmp(f->d_name, ".."))
                continue;
            char *file = outdir_join(sub, f->d_name);
            unlink(file);
            free(file);
        }
        if (run)
            closedir(run);
        rmdir(sub);
        free(sub);
    }
    if (dp)
        closedir(dp);
    rmdir(runs);
    free(runs);
}

static bool write_files(struct merge *mg, char *err, size_t errlen)
{
    struct sweep_meta m = {
        .hash = mg->meta.hash, .shard_k = 1, .shard_n = 1, .plan = mg->meta.plan};
    if (!sweep_meta_write(mg->out, &m, err, errlen))
        return false;
    struct sweep_store fresh;
    sweep_store_init(&fresh, mg->store.nruns);
    struct sweep_journal *j = sweep_journal_open(mg->out, &fresh, err, errlen);
    bool ok = j != NULL;
    struct sweep_result *res = xmalloc(sizeof(*res));
    for (uint64_t r = 0; ok && r < mg->store.nruns; r++) {
        sweep_store_get(&mg->store, (uint32_t)r, res);
        ok = sweep_journal_append(j, res, err, errlen);
    }
    free(res);
    ok = sweep_journal_close(j, err, errlen) && ok;
    sweep_store_fini(&fresh);
    for (int i = 0; ok && i < mg->ndirs; i++)
        ok = merge_runs(mg->dirs[i], mg->out, err, errlen);
    return ok &&
           sweep_dir_write_file(mg->out, "scenario.resolved.yaml", fill_resolved, mg, err,
                                errlen) &&
           sweep_dir_write_results(mg->out, &m.plan, &mg->store, 1, 1, true, err, errlen);
}

/*
 * Never replace a sweep's or a run's files (a run folder holds summary.csv too); a merge
 * that fails (a full disk) removes what it wrote, and OUT if it made it, so that it can
 * simply be run again.
 */
static bool write_out(struct merge *mg, char *err, size_t errlen)
{
    for (size_t i = 0; i < N_OUT_NAMES; i++) {
        if (outdir_holds(mg->out, out_names[i])) {
            snprintf(err, errlen, "%s: already holds %s; merge into a new folder", mg->out,
                     i == 0 ? "a sweep" : out_names[i]);
            return false;
        }
    }
    struct stat st;
    bool existed = stat(mg->out, &st) == 0;
    if (write_files(mg, err, errlen))
        return true;
    remove_runs(mg->out);
    for (size_t i = 0; i < N_OUT_NAMES; i++) {
        size_t n = strlen(mg->out) + strlen(out_names[i]) + 2;
        char *path = xmalloc(n);
        snprintf(path, n, "%s/%s", mg->out, out_names[i]);
        unlink(path);
        free(path);
    }
    if (!existed)
        rmdir(mg->out);
    return false;
}

static int merge_run(struct merge *mg)
{
    for (int i = 0; i < mg->ndirs; i++)
        if (!merge_dir(mg, i))
            return EXIT_USAGE;
    if (!complete(mg))
        return EXIT_USAGE;
    char err[512];
    if (!write_out(mg, err, sizeof(err))) {
        fprintf(stderr, "atlas-sim merge: %s\n", err);
        return EXIT_USAGE;
    }
    uint64_t bad = 0;
    for (uint64_t r = 0; r < mg->store.nruns; r++)
        bad += mg->store.status[r] == SWEEP_RUN_INVARIANT;
    if (bad) {
        fprintf(stderr, "atlas-sim merge: a checked invariant failed in %" PRIu64 " run(s)\n", bad);
        return EXIT_INVARIANT;
    }
    return EXIT_OK;
}

int cmd_merge(int argc, char **argv)
{
    struct merge mg = {.dirs = xcalloc((size_t)argc, sizeof(*mg.dirs))};
    int rc = EXIT_OK;
    for (int i = 1; i < argc && rc == EXIT_OK; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            rc = -1;
        } else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
            mg.out = argv[++i];
            if (!*mg.out) { /* -o "$UNSET" would write into the current folder */
                fprintf(stderr, "atlas-sim merge: -o needs a folder name, got ''\n");
                rc = EXIT_USAGE;
            }
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "atlas-sim merge: unexpected argument '%s'\n\n", argv[i]);
            rc = EXIT_USAGE;
        } else {
            mg.dirs[mg.ndirs++] = argv[i];
        }
    }
    if (rc == EXIT_OK && (mg.ndirs == 0 || !mg.out)) {
        usage(stderr);
        rc = EXIT_USAGE;
    }
    if (rc == EXIT_OK)
        rc = merge_run(&mg);
    if (mg.store.have)
        sweep_store_fini(&mg.store);
    sweep_meta_fini(&mg.meta);
    free(mg.resolved);
    free(mg.dirs);
    return rc < 0 ? EXIT_OK : rc;
}
