/*
 * Tests of analysis/history (the history.csv reader) and `atlas-sim check-history`: the
 * pairing of invocations and completions, every refusal naming its line and column, and the
 * exit codes 0 linearizable / 1 violation (with violation.txt) / 2 bad input / 3 unknown.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/history.h"
#include "testutil.h"

#define HEADER "run,rep,seed,index,op_id,type,client,op,key,value,invoke_s,complete_s\n"

static char dir[256];

static void setup(void)
{
    tu_tmpdir(dir, sizeof(dir), "history");
}

static void teardown(void)
{
    tu_rmtree(dir);
}

/* Write text to DIR/name; returns the path (static buffer). */
static const char *put(const char *name, const char *text)
{
    static char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

/* The reader's error for a history with HEADER and these rows ("" if it reads). */
static const char *error_of(const char *rows, enum linz_model m)
{
    static char msg[ERRBUF_LEN];
    char text[4096];
    snprintf(text, sizeof(text), HEADER "%s", rows);
    struct history h;
    struct errbuf e;
    if (history_read(put("h.csv", text), m, &h, &e)) {
        history_fini(&h);
        return "";
    }
    const char *tail = strstr(e.msg, "h.csv:");
    snprintf(msg, sizeof(msg), "%s", tail ? tail : e.msg);
    return msg;
}

Test(history, pairs_invocations_with_completions_in_invocation_order, .init = setup,
     .fini = teardown)
{
    struct history h;
    struct errbuf e;
    cr_assert(history_read(ATLAS_SOURCE_DIR "/tests/history/register.csv", LINZ_REGISTER, &h, &e),
              "%s", e.msg);
    cr_assert_eq(h.n, 5);
    const struct linz_op *w = linz_history_get(h.ops, 0), *r = linz_history_get(h.ops, 1);
    cr_assert_eq(w->kind, LINZ_WRITE);
    cr_assert_eq(w->value, 1);
    cr_assert_eq(w->invoke, 1000);
    cr_assert_eq(w->complete, 3000);
    cr_assert_eq(r->kind, LINZ_READ);
    cr_assert_eq(r->value, 1, "a read's value comes from its ok row");
    cr_assert_eq(r->complete, 4000);
    cr_assert_eq(linz_history_get(h.ops, 2)->result, LINZ_RESULT_INFO);
    cr_assert_eq(linz_history_get(h.ops, 3)->result, LINZ_RESULT_FAIL);
    cr_assert_eq(h.op_id[2], 3);
    cr_assert_eq(h.line[2], 4);
    history_fini(&h);
}

Test(history, an_invocation_without_a_completion_is_indeterminate, .init = setup, .fini = teardown)
{
    struct history h;
    struct errbuf e;
    cr_assert(history_read(put("h.csv", HEADER "0,0,1,0,1,invoke,0,write,1,5,0.1,NA\n"),
                           LINZ_REGISTER, &h, &e));
    cr_assert_eq(linz_history_get(h.ops, 0)->result, LINZ_RESULT_INFO);
    history_fini(&h);
}

Test(history, a_set_read_value_becomes_a_bitmask, .init = setup, .fini = teardown)
{
    struct history h;
    struct errbuf e;
    cr_assert(history_read(put("h.csv", HEADER "0,0,1,0,1,invoke,0,read,1,NA,0.1,NA\n"
                                               "0,0,1,1,1,ok,0,read,1,[0 5 63],0.1,0.2\n"),
                           LINZ_SET, &h, &e),
              "%s", e.msg);
    cr_assert_eq((uint64_t)linz_history_get(h.ops, 0)->value,
                 (UINT64_C(1) << 0) | (UINT64_C(1) << 5) | (UINT64_C(1) << 63));
    history_fini(&h);
}

Test(history, bad_rows_are_refused_naming_their_line_and_column, .init = setup, .fini = teardown)
{
    const char *inv = "0,0,1,0,1,invoke,0,write,1,5,0.1,NA\n";
    struct {
        const char *rows;
        const char *error;
    } cases[] = {
        {"0,0,1,0,1,start,0,write,1,5,0.1,NA\n", "h.csv:2: column 'type' ('start')"},
        {"0,0,1,0,x,invoke,0,write,1,5,0.1,NA\n", "h.csv:2: column 'op_id' ('x')"},
        {"0,0,1,0,1,invoke,0,cas,1,5,0.1,NA\n", "h.csv:2: column 'op' ('cas')"},
        {"0,0,1,0,1,invoke,0,add,1,5,0.1,NA\n", "h.csv:2: column 'op' ('add'): a set op"},
        {"0,0,1,0,1,invoke,0,write,1,NA,0.1,NA\n", "h.csv:2: column 'value' ('NA')"},
        {"0,0,1,0,1,invoke,0,write,1,5,1e-3,NA\n", "h.csv:2: column 'invoke_s' ('1e-3')"},
        {"0,0,1,0,1,invoke,0,write,1,5,0.1,0.2\n", "h.csv:2: column 'complete_s' ('0.2')"},
        {"0,0,1,0,1,ok,0,write,1,5,0.1,0.05\n", "h.csv:2: column 'complete_s' ('0.05'): before"},
        {"0,0,1,0,1,ok,0,write,1,5,0.1,0.2\n", "h.csv:2: op_id 1: a completion without"},
        {"0,0,1,0,1,invoke,0,write,1,5,0.1,NA\n"
         "1,0,1,1,2,invoke,0,write,1,5,0.1,NA\n",
         "h.csv:3: column 'run' ('1'): a second run"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *got = error_of(cases[i].rows, LINZ_REGISTER);
        cr_expect(strncmp(got, cases[i].error, strlen(cases[i].error)) == 0,
                  "case %zu: got '%s', want '%s...'", i, got, cases[i].error);
    }
    char rows[512];
    snprintf(rows, sizeof(rows), "%s0,0,1,1,1,invoke,0,write,1,5,0.1,NA\n", inv);
    cr_expect_str_eq(error_of(rows, LINZ_REGISTER), "h.csv:3: op_id 1: invoked a second time");
    snprintf(rows, sizeof(rows), "%s0,0,1,1,1,ok,0,write,2,5,0.1,0.2\n", inv);
    cr_expect_str_eq(error_of(rows, LINZ_REGISTER),
                     "h.csv:3: op_id 1: client, op, key or invoke_s differ from its invoke row");
    snprintf(rows, sizeof(rows),
             "%s0,0,1,1,1,ok,0,write,1,5,0.1,0.2\n0,0,1,2,1,info,0,write,1,5,"
             "0.1,0.3\n",
             inv);
    cr_expect_str_eq(error_of(rows, LINZ_REGISTER), "h.csv:4: op_id 1: a second completion");
    snprintf(rows, sizeof(rows),
             "%s0,0,1,1,1,ok,0,write,1,5,0.1,0.2\n0,0,1,2,1,invoke,0,write,1,"
             "5,0.3,NA\n",
             inv);
    cr_expect_str_eq(error_of(rows, LINZ_REGISTER), "h.csv:4: op_id 1: invoked a second time");
    cr_expect(strstr(error_of("0,0,1,0,1,invoke,0,read,1,NA,0.1,NA\n"
                              "0,0,1,1,1,ok,0,read,1,[3 2],0.1,0.2\n",
                              LINZ_SET),
                     "h.csv:3: column 'value' ('[3 2]')") != NULL);
}

/* atlas-sim check-history ARGS..., stdout to DIR/out.txt; the exit code. */
static int check(const char *a1, const char *a2, const char *a3)
{
    char out[512];
    snprintf(out, sizeof(out), "%s/out.txt", dir);
    char *argv[] = {ATLAS_BINARY, "check-history", (char *)a1, (char *)a2, (char *)a3, NULL};
    return tu_run(argv, out, out, NULL);
}

Test(history, check_history_exits_0_for_a_linearizable_history, .init = setup, .fini = teardown)
{
    cr_assert_eq(check(ATLAS_SOURCE_DIR "/tests/history/register.csv", NULL, NULL), 0);
    cr_assert_eq(check(ATLAS_SOURCE_DIR "/tests/history/set.csv", "--model", "set"), 0);
}

Test(history, check_history_exits_1_and_writes_the_stale_read_to_violation_txt, .init = setup,
     .fini = teardown)
{
    const char *h = put("stale.csv", HEADER "0,0,1,0,1,invoke,0,write,7,1,0.001,NA\n"
                                            "0,0,1,1,1,ok,0,write,7,1,0.001,0.002\n"
                                            "0,0,1,2,2,invoke,1,read,8,NA,0.001,NA\n"
                                            "0,0,1,3,2,ok,1,read,8,0,0.001,0.002\n"
                                            "0,0,1,4,3,invoke,1,read,7,NA,0.003,NA\n"
                                            "0,0,1,5,3,ok,1,read,7,0,0.003,0.004\n");
    cr_assert_eq(check(h, NULL, NULL), 1);
    char path[512];
    snprintf(path, sizeof(path), "%s/violation.txt", dir);
    char *v = tu_slurp(path, NULL);
    cr_expect(strstr(v, "key 7: violation (2 ops") != NULL, "%s", v);
    cr_expect(strstr(v, "write 1 ok") != NULL, "%s", v);
    cr_expect(strstr(v, "read 0 ok") != NULL, "%s", v);
    cr_expect(strstr(v, "op 2 is op_id 3, invoked at line 6") != NULL, "%s", v);
    cr_expect(strstr(v, "key 8") == NULL, "a linearizable key is not in violation.txt: %s", v);
    free(v);
}

Test(history, check_history_exits_2_for_bad_input_and_writes_nothing, .init = setup,
     .fini = teardown)
{
    const char *h = put("bad.csv", HEADER "0,0,1,0,1,invoke,0,write,7,x,0.001,NA\n");
    cr_assert_eq(check(h, NULL, NULL), 2);
    cr_assert_eq(check(h, "--model", "graph"), 2);
    cr_assert_eq(check(h, "--cache-mib", "0.5"), 2, "under 1 MiB would mean no bound");
    char path[512];
    snprintf(path, sizeof(path), "%s/violation.txt", dir);
    cr_assert_not(tu_exists(path));
}

/* 16 concurrent writes and a read of a value none wrote: 2^16 states before the answer. */
Test(history, check_history_exits_3_not_0_when_the_time_limit_cuts_the_search, .init = setup,
     .fini = teardown)
{
    char text[8192] = HEADER, row[128];
    for (int i = 1; i <= 16; i++) {
        snprintf(row, sizeof(row), "0,0,1,0,%d,invoke,%d,write,1,%d,0.1,NA\n", i, i, i);
        strcat(text, row);
    }
    strcat(text, "0,0,1,0,17,invoke,0,read,1,NA,0.1,NA\n");
    for (int i = 1; i <= 16; i++) {
        snprintf(row, sizeof(row), "0,0,1,0,%d,ok,%d,write,1,%d,0.1,0.2\n", i, i, i);
        strcat(text, row);
    }
    strcat(text, "0,0,1,0,17,ok,0,read,1,99,0.1,0.2\n");
    const char *h = put("hard.csv", text);
    cr_assert_eq(check(h, "--time-limit", "0.000001"), 3);
    cr_assert_eq(check(h, "--cache-mib", "1"), 3);
    cr_assert_eq(check(h, NULL, NULL), 1, "unbounded, the same history is a violation");
}
