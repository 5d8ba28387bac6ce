/*
 * ledger: the hash chain (links, head, comparison at the first difference), and the file
 * format: round trips of awkward texts, corruption of any field found at its record,
 * every truncation of a file detected, wrong magic/version, I/O errors naming the path.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/ledger.h"
#include "testutil.h"

static char dir[64];

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/atlas-ledger-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(ledger, .init = setup, .fini = teardown);

static const char *path_in(const char *name, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s", dir, name);
    return buf;
}

/* A small ledger of one proposal's life at one node, with awkward texts. */
static struct ledger *sample(void)
{
    struct ledger *l = ledger_new();
    ledger_append(l, LEDGER_PROPOSAL, 1000, 1, 0, 0, "add_edge A -visits-> B");
    ledger_append(l, LEDGER_VOTE, 2500, 1, 3, 1, NULL);
    ledger_append(l, LEDGER_OUTCOME, 9000000000ULL, 1, 0, 0, "approved");
    ledger_append(l, LEDGER_APPLY, 9000000001ULL, 1, 3, UINT64_MAX, "tab\there\nnew\\line");
    ledger_append(l, LEDGER_NOTE, 9000000002ULL, 0, UINT32_MAX, 5, "Zürich, 東京 \"quoted\"");
    return l;
}

static void spit(const char *path, const char *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(data, 1, size, f), size);
    cr_assert_eq(fclose(f), 0);
}

Test(ledger, records_link_to_their_predecessor)
{
    struct ledger *l = ledger_new();
    cr_assert_eq(ledger_count(l), 0);
    cr_assert_eq(ledger_head_hash(l), LEDGER_GENESIS);
    uint64_t h1 = ledger_append(l, LEDGER_PROPOSAL, 10, 1, 0, 0, "p");
    uint64_t h2 = ledger_append(l, LEDGER_VOTE, 20, 1, 1, 1, "");
    cr_assert_eq(ledger_count(l), 2);
    cr_assert_eq(ledger_head_hash(l), h2);
    const struct ledger_record *r0 = ledger_get(l, 0), *r1 = ledger_get(l, 1);
    cr_assert_eq(r0->prev_hash, LEDGER_GENESIS);
    cr_assert_eq(r0->hash, h1);
    cr_assert_eq(r1->prev_hash, h1);
    cr_assert_eq(r1->kind, LEDGER_VOTE);
    cr_assert_eq(r1->time, 20);
    cr_assert_eq(r1->node, 1);
    cr_assert_str_eq(r1->text, "");
    cr_assert_null(ledger_get(l, 2));
    size_t bad = 99;
    cr_assert(ledger_verify(l, &bad));
    cr_assert_eq(bad, 99);
    ledger_free(l);
    ledger_free(NULL);
}

Test(ledger, every_field_changes_the_record_hash)
{
    struct ledger *base = ledger_new();
    uint64_t h = ledger_append(base, LEDGER_VOTE, 5, 6, 7, 8, "t");
    struct ledger *v[6];
    for (int i = 0; i < 6; i++)
        v[i] = ledger_new();
    uint64_t hs[6] = {
        ledger_append(v[0], LEDGER_OUTCOME, 5, 6, 7, 8, "t"),
        ledger_append(v[1], LEDGER_VOTE, 6, 6, 7, 8, "t"),
        ledger_append(v[2], LEDGER_VOTE, 5, 7, 7, 8, "t"),
        ledger_append(v[3], LEDGER_VOTE, 5, 6, 8, 8, "t"),
        ledger_append(v[4], LEDGER_VOTE, 5, 6, 7, 9, "t"),
        ledger_append(v[5], LEDGER_VOTE, 5, 6, 7, 8, "u"),
    };
    for (int i = 0; i < 6; i++) {
        cr_assert_neq(hs[i], h, "field %d", i);
        ledger_free(v[i]);
    }
    ledger_free(base);
}

Test(ledger, compare_finds_the_first_differing_record)
{
    struct ledger *a = sample(), *b = sample();
    cr_assert_eq(ledger_compare(a, b), LEDGER_SAME);
    struct ledger *c = ledger_clone(a);
    cr_assert_eq(ledger_compare(a, c), LEDGER_SAME);
    ledger_append(a, LEDGER_VOTE, 1, 2, 3, 1, NULL);
    cr_assert_eq(ledger_compare(a, b), 5, "b is a prefix of a");
    cr_assert_eq(ledger_compare(b, a), 5);
    ledger_append(b, LEDGER_VOTE, 1, 2, 3, 0, NULL);
    cr_assert_eq(ledger_compare(a, b), 5, "they diverge at record 5");
    ledger_append(a, LEDGER_NOTE, 1, 2, 3, 0, NULL);
    ledger_append(b, LEDGER_NOTE, 1, 2, 3, 0, NULL);
    cr_assert_eq(ledger_compare(a, b), 5, "equal records after a divergence still differ");
    struct ledger *d = ledger_new(), *e = ledger_new();
    ledger_append(d, LEDGER_NOTE, 1, 0, 0, 0, "x");
    ledger_append(e, LEDGER_NOTE, 1, 0, 0, 0, "y");
    cr_assert_eq(ledger_compare(d, e), 0);
    ledger_free(a);
    ledger_free(b);
    ledger_free(c);
    ledger_free(d);
    ledger_free(e);
}

Test(ledger, a_written_ledger_reads_back_identical)
{
    char path[128], msg[256];
    struct ledger *l = sample(), *r = NULL;
    path_in("node-0.ledger", path, sizeof path);
    cr_assert_eq(ledger_write_file(l, path, msg, sizeof msg), LEDGER_OK);
    cr_assert_neq(access(path_in("node-0.ledger.tmp", msg, sizeof msg), F_OK), 0,
                  "no temporary file is left");
    path_in("node-0.ledger", path, sizeof path);
    cr_assert_eq(ledger_read_file(path, &r, msg, sizeof msg), LEDGER_OK, "%s", msg);
    cr_assert_eq(ledger_compare(l, r), LEDGER_SAME);
    for (size_t i = 0; i < ledger_count(l); i++)
        cr_assert_str_eq(ledger_get(r, i)->text, ledger_get(l, i)->text);
    cr_assert_eq(ledger_get(r, 3)->value, UINT64_MAX);
    cr_assert_eq(ledger_get(r, 4)->node, UINT32_MAX);
    ledger_free(r);
    /* and an empty ledger */
    struct ledger *empty = ledger_new();
    cr_assert_eq(ledger_write_file(empty, path, msg, sizeof msg), LEDGER_OK);
    cr_assert_eq(ledger_read_file(path, &r, msg, sizeof msg), LEDGER_OK, "%s", msg);
    cr_assert_eq(ledger_count(r), 0);
    ledger_free(r);
    ledger_free(empty);
    ledger_free(l);
}

/* Text i: its number, then i % 200 letters (a 50,000-byte one at i = 778). */
static char *text_of(size_t i)
{
    size_t len = i == 778 ? 50000 : i % 200;
    char *t = malloc(len + 32);
    int n = snprintf(t, 32, "%zu:", i);
    for (size_t k = 0; k < len; k++)
        t[n + k] = (char)('a' + (i + k) % 26);
    t[n + len] = '\0';
    return t;
}

Test(ledger, texts_stay_intact_and_owned_across_many_appends_and_a_clone)
{
    struct ledger *l = ledger_new();
    size_t n = 5000; /* about 500 KB of text: many storage blocks, one text larger than any */
    for (size_t i = 0; i < n; i++) {
        char *t = text_of(i);
        ledger_append(l, LEDGER_NOTE, i, i, 0, i, i % 3 ? t : "");
        memset(t, 'X', strlen(t)); /* the ledger holds its own copy */
        free(t);
    }
    struct ledger *c = ledger_clone(l);
    for (size_t i = 0; i < n; i++) {
        char *t = text_of(i);
        cr_assert_str_eq(ledger_get(l, i)->text, i % 3 ? t : "", "record %zu", i);
        cr_assert_str_eq(ledger_get(c, i)->text, ledger_get(l, i)->text);
        cr_assert_neq(ledger_get(c, i)->text[0] ? ledger_get(c, i)->text : NULL,
                      ledger_get(l, i)->text, "the clone owns its texts");
        free(t);
    }
    cr_assert(ledger_verify(l, NULL) && ledger_compare(l, c) == LEDGER_SAME);
    ledger_free(l);
    cr_assert_eq(ledger_count(c), n); /* usable after the original is gone */
    cr_assert_eq(strlen(ledger_get(c, 778)->text), 50004);
    ledger_free(c);
}

Test(ledger, every_truncation_of_a_file_is_detected)
{
    char path[128], cut[128], msg[256];
    struct ledger *l = sample(), *r;
    path_in("full.ledger", path, sizeof path);
    path_in("cut.ledger", cut, sizeof cut);
    cr_assert_eq(ledger_write_file(l, path, NULL, 0), LEDGER_OK);
    size_t size;
    char *data = tu_slurp(path, &size);
    for (size_t n = 0; n < size; n++) {
        spit(cut, data, n);
        r = (struct ledger *)1;
        cr_assert_eq(ledger_read_file(cut, &r, msg, sizeof msg), LEDGER_ETRUNCATED,
                     "cut at byte %zu of %zu: %s", n, size, msg);
        cr_assert_null(r);
        cr_assert_not_null(strstr(msg, cut), "the message names the file: %s", msg);
    }
    free(data);
    ledger_free(l);
}

/* Replace the first occurrence of from by to in the file; the file must contain from. */
static void patch(const char *path, const char *from, const char *to)
{
    size_t size;
    char *data = tu_slurp(path, &size);
    char *at = strstr(data, from);
    cr_assert_not_null(at, "'%s' in the file", from);
    char *out = malloc(size + strlen(to) + 1);
    size_t pre = (size_t)(at - data);
    memcpy(out, data, pre);
    strcpy(out + pre, to);
    strcat(out, at + strlen(from));
    spit(path, out, strlen(out));
    free(out);
    free(data);
}

/* Write the sample, patch it, read it: expect err, and msg containing want. */
static void corrupted(const char *from, const char *to, enum ledger_error err, const char *want)
{
    char path[128], msg[256] = "";
    struct ledger *l = sample(), *r = NULL;
    path_in("bad.ledger", path, sizeof path);
    cr_assert_eq(ledger_write_file(l, path, NULL, 0), LEDGER_OK);
    patch(path, from, to);
    cr_assert_eq(ledger_read_file(path, &r, msg, sizeof msg), err, "%s -> %s: %s", from, to, msg);
    cr_assert_null(r);
    cr_assert_not_null(strstr(msg, want), "'%s' in: %s", want, msg);
    cr_assert_not_null(strstr(msg, path), "path in: %s", msg);
    ledger_free(l);
}

Test(ledger, altered_fields_break_the_chain_at_their_record)
{
    corrupted("\t2500\t", "\t2501\t", LEDGER_ECHAIN, ":3: record 1: hash chain broken");
    corrupted("approved", "rejected", LEDGER_ECHAIN, "record 2: hash chain broken");
    corrupted("\tvote\t", "\tnote\t", LEDGER_ECHAIN, "record 1:");
    corrupted("東京", "京都", LEDGER_ECHAIN, "record 4:");
}

Test(ledger, malformed_lines_are_reported_with_line_and_record)
{
    corrupted("\tvote\t", "\tballot\t", LEDGER_ERECORD, ":3: record 1: malformed record");
    corrupted("\t2500\t", "\t-2500\t", LEDGER_ERECORD, "record 1:");
    corrupted("\t2500\t", "\t2500\t\t", LEDGER_ERECORD, "record 1:");
    corrupted("\n1\t", "\n7\t", LEDGER_ERECORD, "index '7', expected 1");
    corrupted("tab\\there", "tab\\qhere", LEDGER_ERECORD, "record 3:");
}

Test(ledger, removed_or_reordered_records_are_found)
{
    char path[128], msg[256];
    struct ledger *l = sample(), *r = NULL;
    path_in("bad.ledger", path, sizeof path);
    cr_assert_eq(ledger_write_file(l, path, NULL, 0), LEDGER_OK);
    size_t size;
    char *data = tu_slurp(path, &size);
    /* drop record 2's line and renumber the later ones so only the chain can tell */
    char *l2 = strstr(data, "\n2\t") + 1, *l3 = strstr(data, "\n3\t") + 1;
    memmove(l2, l3, strlen(l3) + 1);
    l2[0] = '2';
    strstr(l2, "\n4\t")[1] = '3';
    spit(path, data, strlen(data));
    cr_assert_eq(ledger_read_file(path, &r, msg, sizeof msg), LEDGER_ECHAIN);
    cr_assert_not_null(strstr(msg, "record 2: hash chain broken: prev_hash"), "%s", msg);
    free(data);
    ledger_free(l);
}

Test(ledger, wrong_magic_version_or_trailing_data_are_rejected)
{
    corrupted("atlas-ledger\t1", "atlas-ledger\t2", LEDGER_EVERSION, "version '2'");
    corrupted("atlas-ledger", "some-csv-file", LEDGER_EFORMAT, "not a ledger file");
    corrupted("\nend\t5\t", "\nend\t4\t", LEDGER_ECHAIN, "end line says 4 records");
    char path[128], msg[256];
    struct ledger *l = sample(), *r = NULL;
    path_in("bad.ledger", path, sizeof path);
    cr_assert_eq(ledger_write_file(l, path, NULL, 0), LEDGER_OK);
    FILE *f = fopen(path, "a");
    fputs("more\n", f);
    fclose(f);
    cr_assert_eq(ledger_read_file(path, &r, msg, sizeof msg), LEDGER_ERECORD);
    cr_assert_not_null(strstr(msg, "after the end line"), "%s", msg);
    ledger_free(l);
}

Test(ledger, io_errors_name_the_path)
{
    char path[128], msg[256];
    struct ledger *l = sample(), *r = NULL;
    path_in("no/such/dir/x.ledger", path, sizeof path);
    cr_assert_eq(ledger_write_file(l, path, msg, sizeof msg), LEDGER_EIO);
    cr_assert_not_null(strstr(msg, path), "%s", msg);
    cr_assert_eq(ledger_read_file(path, &r, msg, sizeof msg), LEDGER_EIO);
    cr_assert_not_null(strstr(msg, path), "%s", msg);
    cr_assert_null(r);
    ledger_free(l);
}

Test(ledger, kinds_and_errors_have_names)
{
    cr_assert_str_eq(ledger_kind_name(LEDGER_VOTE), "vote");
    cr_assert_str_eq(ledger_kind_name(LEDGER_KIND_COUNT), "?");
    for (int i = 0; i < LEDGER_ERROR_COUNT; i++)
        cr_assert_gt(strlen(ledger_strerror((enum ledger_error)i)), 0);
    cr_assert_str_eq(ledger_strerror(LEDGER_ETRUNCATED), "file truncated");
}

/* An endless device is refused at its first NUL byte (it used to be read until memory ran
 * out) and a folder with the system's reason. */
Test(ledger, endless_files_and_folders_are_refused_with_a_reason)
{
    struct ledger *l = NULL;
    char msg[512];
    cr_assert_eq(ledger_read_file("/dev/zero", &l, msg, sizeof(msg)), LEDGER_EFORMAT);
    cr_assert_null(l);
    cr_assert(strstr(msg, "/dev/zero:1: ") && strstr(msg, "NUL byte at column 1"), "%s", msg);
    cr_assert_eq(ledger_read_file("/tmp", &l, msg, sizeof(msg)), LEDGER_EIO);
    cr_assert_null(l);
    cr_assert(strstr(msg, "/tmp: cannot read ledger: Is a directory"), "%s", msg);
}
