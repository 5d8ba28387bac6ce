/*
 * Replays the fuzz seed corpora (tests/fuzz/corpus/<harness>/) and every input a fuzzer ever
 * found (tests/fuzz/regress/<harness>/) through the same entry points libFuzzer calls
 * (tests/fuzz/fuzz_*.c, compiled here with FUZZ_NO_MAIN): each input must pass the harness's
 * properties (a broken one aborts this test) and, in the sanitizer build, trip no sanitizer.
 */
#define FUZZ_NO_MAIN
#include "fuzz/fuzz_ledger.c"
#include "fuzz/fuzz_scenario.c"

#include <criterion/criterion.h>
#include <dirent.h>

#define FUZZ_DIR ATLAS_SOURCE_DIR "/tests/fuzz/"

typedef int (*fuzz_entry)(const uint8_t *, size_t);

static int is_input(const struct dirent *e)
{
    return e->d_name[0] != '.';
}

/* Feed every file of FUZZ_DIR/sub (in name order) to one; returns how many. */
static size_t replay_dir(const char *sub, fuzz_entry one)
{
    char dir[1024];
    snprintf(dir, sizeof dir, FUZZ_DIR "%s", sub);
    struct dirent **names;
    int n = scandir(dir, &names, is_input, alphasort);
    cr_assert(n >= 0, "cannot list %s", dir);
    for (int i = 0; i < n; i++) {
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
        size_t size = 0;
        char *data = get_file(path, &size);
        fprintf(stderr, "fuzz_regress: %s\n", path); /* names the input if the harness aborts */
        one((const uint8_t *)data, size);
        free(data);
        free(names[i]);
    }
    free(names);
    return (size_t)n;
}

Test(fuzz_regress, every_scenario_seed_passes_the_scenario_harness)
{
    cr_assert_geq(replay_dir("corpus/scenario", fuzz_scenario_one), 20);
}

Test(fuzz_regress, every_scenario_regression_input_passes_the_scenario_harness)
{
    cr_assert_geq(replay_dir("regress/scenario", fuzz_scenario_one), 2);
}

Test(fuzz_regress, every_ledger_seed_passes_the_ledger_harness)
{
    cr_assert_geq(replay_dir("corpus/ledger", fuzz_ledger_one), 10);
}

Test(fuzz_regress, every_ledger_regression_input_passes_the_ledger_harness)
{
    cr_assert_geq(replay_dir("regress/ledger", fuzz_ledger_one), 3);
}

/* The seeds are valid ledgers (so that the fuzzer starts from files that load). */
Test(fuzz_regress, every_ledger_seed_loads)
{
    struct dirent **names;
    int n = scandir(FUZZ_DIR "corpus/ledger", &names, is_input, alphasort);
    cr_assert_gt(n, 0);
    for (int i = 0; i < n; i++) {
        char path[2048], msg[512] = "";
        snprintf(path, sizeof path, FUZZ_DIR "corpus/ledger/%s", names[i]->d_name);
        struct ledger *l = NULL;
        cr_expect_eq(ledger_read_file(path, &l, msg, sizeof msg), LEDGER_OK, "%s", msg);
        ledger_free(l);
        free(names[i]);
    }
    free(names);
}

/* What the ledger fuzzer found: bytes the reader used to skip or a second spelling of a number. */
static void expect_refused(const char *name, enum ledger_error want, const char *where)
{
    char path[1024], msg[512] = "";
    snprintf(path, sizeof path, FUZZ_DIR "regress/ledger/%s", name);
    struct ledger *l = NULL;
    cr_expect_eq(ledger_read_file(path, &l, msg, sizeof msg), want, "%s: %s", name, msg);
    cr_expect_null(l);
    cr_expect(strstr(msg, where) != NULL, "'%s' does not contain '%s'", msg, where);
    ledger_free(l);
}

Test(fuzz_regress, a_nul_byte_in_a_ledger_line_is_refused_naming_the_line)
{
    expect_refused("nul-in-text.txt", LEDGER_EFORMAT, "nul-in-text.txt:3:");
    expect_refused("nul-in-end-line.txt", LEDGER_EFORMAT, "nul-in-end-line.txt:4:");
}

Test(fuzz_regress, a_number_with_leading_zeros_in_a_ledger_is_refused)
{
    expect_refused("leading-zeros.txt", LEDGER_ERECORD, "leading-zeros.txt:3: record 1:");
}
