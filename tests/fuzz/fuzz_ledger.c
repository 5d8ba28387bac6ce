/*
 * libFuzzer target for the ledger reader (core/ledger.h): arbitrary bytes are written to a
 * per-process temporary file (ledger_read_file takes a path) and read as a ledger file.
 *
 * Properties, besides "never crash, never leak, never trip a sanitizer":
 *   - a file that is refused yields no ledger and a message that names the path;
 *   - a file that loads verifies link by link, equals its clone, and written out again
 *     (ledger_write_file) it reads back to an equal ledger and is byte for byte the input:
 *     the format is canonical, so a file the reader accepts is exactly the file the writer
 *     would have written for that ledger (no ignored bytes, no second spelling of a number);
 *   - a file that loads, cut short (its last byte, half of it, its end line), is refused as
 *     truncated.
 *
 * Build and run: see TESTING.md ("Fuzzing").
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/ledger.h"
#include "core/xalloc.h"
#include "fuzz.h"

/* Per-process file names in /dev/shm (or $TMPDIR): several fuzzers or tests may run at once. */
static const char *tmp_path(const char *suffix, char *buf, size_t len)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(buf, len, "%s/atlas-fuzz-ledger-%ld%s", dir, (long)getpid(), suffix);
    return buf;
}

static void put_file(const char *path, const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
        perror(path);
        abort();
    }
}

/* The whole file at path; *size its length. */
static char *get_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        abort();
    }
    char *buf = NULL;
    size_t cap = 0;
    *size = 0;
    for (;;) {
        XGROW(buf, cap, *size + 4096);
        size_t k = fread(buf + *size, 1, cap - *size, f);
        if (k == 0)
            break;
        *size += k;
    }
    fclose(f);
    return buf;
}

static void check_loaded(const struct ledger *l, const uint8_t *data, size_t size, const char *out)
{
    size_t bad = 0;
    struct ledger *c = ledger_clone(l);
    if (!ledger_verify(l, &bad) || ledger_compare(l, c) != LEDGER_SAME) {
        fprintf(stderr, "loaded ledger does not verify (record %zu) or differs from its clone\n",
                bad);
        abort();
    }
    ledger_free(c);
    char msg[512] = "";
    if (ledger_write_file(l, out, msg, sizeof msg) != LEDGER_OK) {
        fprintf(stderr, "cannot write the loaded ledger: %s\n", msg);
        abort();
    }
    struct ledger *back = NULL;
    enum ledger_error e = ledger_read_file(out, &back, msg, sizeof msg);
    if (e != LEDGER_OK || ledger_compare(l, back) != LEDGER_SAME ||
        ledger_count(back) != ledger_count(l)) {
        fprintf(stderr, "written ledger does not read back equal: %s: %s\n", ledger_strerror(e),
                msg);
        abort();
    }
    ledger_free(back);
    size_t wlen = 0;
    char *written = get_file(out, &wlen);
    size_t at = 0;
    while (at < size && at < wlen && written[at] == (char)data[at])
        at++;
    if (at != size || at != wlen) {
        fprintf(stderr,
                "accepted file is not what the writer writes for it: first difference at byte "
                "%zu (input %zu bytes, written %zu)\n--- written:\n%.*s\n",
                at, size, wlen, (int)wlen, written);
        abort();
    }
    free(written);
    remove(out);
}

/* A proper prefix of an accepted file (a write cut short) is refused as truncated. */
static void check_prefix(const uint8_t *data, size_t size, size_t cut, const char *out)
{
    char msg[512] = "";
    struct ledger *l = NULL;
    put_file(out, data, cut);
    enum ledger_error e = ledger_read_file(out, &l, msg, sizeof msg);
    if (e != LEDGER_ETRUNCATED || l) {
        fprintf(stderr, "the first %zu of %zu bytes of a good ledger: %s (%s), not truncated\n",
                cut, size, ledger_strerror(e), msg);
        abort();
    }
    remove(out);
}

int fuzz_ledger_one(const uint8_t *data, size_t size)
{
    char in[512], out[512];
    tmp_path(".txt", in, sizeof in);
    tmp_path("-out.txt", out, sizeof out);
    put_file(in, data, size);
    struct ledger *l = (struct ledger *)1; /* not NULL: a refusing reader must set it to NULL */
    char msg[512] = "";
    enum ledger_error e = ledger_read_file(in, &l, msg, sizeof msg);
    if (e == LEDGER_OK) {
        check_loaded(l, data, size, out);
        const uint8_t *last = data + size - 1; /* the start of the end line */
        while (last > data && last[-1] != '\n')
            last--;
        check_prefix(data, size, size - 1, out);
        check_prefix(data, size, size / 2, out);
        check_prefix(data, size, (size_t)(last - data), out);
    } else if (l || e >= LEDGER_ERROR_COUNT || strncmp(msg, in, strlen(in)) != 0) {
        fprintf(stderr, "refused file: error %d, ledger %p, message '%s' (must name %s)\n", (int)e,
                (void *)l, msg, in);
        abort();
    }
    ledger_free(l);
    remove(in);
    return 0;
}

FUZZ_TARGET(fuzz_ledger_one)
