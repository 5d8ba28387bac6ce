/*
 * Tests of core/linearizability: handmade register and set histories, info and fail
 * completions, a broken checker variant that the histories must catch, the UNKNOWN bound,
 * the shrinker against brute force, and randomized histories from a real sequential register.
 *
 * The .c is included with LINZ_TEST_HOOKS so the test can switch on the broken variant
 * (real-time order ignored); the library copy is then not linked into this executable.
 */
#define LINZ_TEST_HOOKS 1
#include "core/linearizability.c"

#include <criterion/criterion.h>

#define OK   LINZ_RESULT_OK
#define FAIL LINZ_RESULT_FAIL
#define INFO LINZ_RESULT_INFO

static const struct linz_limits unbounded = {.max_shrink_checks = 10000};

/* The verdict of the ops (all on key 0 unless they say otherwise). */
static enum linz_verdict verdict_of(enum linz_model m, const struct linz_op *ops, size_t n,
                                    const struct linz_limits *lim)
{
    struct linz_history *h = linz_history_new(m);
    for (size_t i = 0; i < n; i++)
        cr_assert_null(linz_history_add(h, &ops[i]));
    struct linz_report *r = linz_check(h, lim);
    enum linz_verdict v = linz_report_verdict(r);
    linz_report_free(r);
    linz_history_free(h);
    return v;
}

#define REG(ops) verdict_of(LINZ_REGISTER, ops, sizeof(ops) / sizeof(ops[0]), &unbounded)
#define SET(ops) verdict_of(LINZ_SET, ops, sizeof(ops) / sizeof(ops[0]), &unbounded)

static struct linz_op op(uint32_t c, enum linz_kind k, int64_t v, uint64_t t0, uint64_t t1,
                         enum linz_result res)
{
    return (struct linz_op){
        .client = c, .kind = k, .value = v, .invoke = t0, .complete = t1, .result = res};
}

/* w(1) completes, then a read returns the initial 0: the classic stale read. */
static const struct linz_op stale_read[] = {
    {.client = 0, .kind = LINZ_WRITE, .value = 1, .invoke = 0, .complete = 10},
    {.client = 1, .kind = LINZ_READ, .value = 0, .invoke = 20, .complete = 30},
};

Test(linearizability, a_read_after_a_completed_write_sees_it)
{
    struct linz_op ops[] = {op(0, LINZ_WRITE, 1, 0, 10, OK), op(1, LINZ_READ, 1, 20, 30, OK)};
    cr_assert_eq(REG(ops), LINZ_LINEARIZABLE);
}

Test(linearizability, a_stale_read_after_a_completed_write_is_a_violation)
{
    cr_assert_eq(REG(stale_read), LINZ_VIOLATION);
}

Test(linearizability, a_read_concurrent_with_a_write_may_see_either_value)
{
    struct linz_op old[] = {op(0, LINZ_WRITE, 1, 0, 100, OK), op(1, LINZ_READ, 0, 10, 20, OK)};
    struct linz_op new[] = {op(0, LINZ_WRITE, 1, 0, 100, OK), op(1, LINZ_READ, 1, 10, 20, OK)};
    cr_assert_eq(REG(old), LINZ_LINEARIZABLE);
    cr_assert_eq(REG(new), LINZ_LINEARIZABLE);
}

Test(linearizability, readers_that_see_two_concurrent_writes_in_opposite_orders_are_a_violation)
{
    struct linz_op ops[] = {
        op(0, LINZ_WRITE, 1, 0, 100, OK), op(1, LINZ_WRITE, 2, 0, 100, OK),
        op(2, LINZ_READ, 1, 10, 20, OK),  op(2, LINZ_READ, 2, 30, 40, OK),
        op(3, LINZ_READ, 2, 10, 20, OK),  op(3, LINZ_READ, 1, 30, 40, OK),
    };
    cr_assert_eq(REG(ops), LINZ_VIOLATION);
    ops[5].value = 2; /* both readers see 1 then 2: w1 before w2 */
    cr_assert_eq(REG(ops), LINZ_LINEARIZABLE);
}

Test(linearizability, an_info_write_may_take_effect_long_after_it_was_invoked)
{
    struct linz_op ops[] = {op(0, LINZ_WRITE, 1, 0, 0, INFO), op(1, LINZ_READ, 0, 10, 20, OK),
                            op(1, LINZ_READ, 1, 1000, 1010, OK)};
    cr_assert_eq(REG(ops), LINZ_LINEARIZABLE);
}

Test(linearizability, an_info_write_may_never_take_effect)
{
    struct linz_op ops[] = {op(0, LINZ_WRITE, 1, 0, 0, INFO), op(1, LINZ_READ, 0, 1000, 1010, OK)};
    cr_assert_eq(REG(ops), LINZ_LINEARIZABLE);
}

Test(linearizability, an_info_write_cannot_take_effect_before_it_was_invoked)
{
    struct linz_op ops[] = {op(1, LINZ_READ, 1, 0, 10, OK), op(0, LINZ_WRITE, 1, 20, 0, INFO)};
    cr_assert_eq(REG(ops), LINZ_VIOLATION);
}

Test(linearizability, an_info_write_cannot_be_undone_once_seen)
{
    struct linz_op ops[] = {op(0, LINZ_WRITE, 1, 0, 0, INFO), op(1, LINZ_READ, 1, 10, 20, OK),
                            op(1, LINZ_READ, 0, 30, 40, OK)};
    cr_assert_eq(REG(ops), LINZ_VIOLATION);
}

Test(linearizability, a_failed_write_never_took_effect)
{
    struct linz_op ops[] = {op(0, LINZ_WRITE, 1, 0, 10, FAIL), op(1, LINZ_READ, 1, 20, 30, OK)};
    cr_assert_eq(REG(ops), LINZ_VIOLATION);
}

Test(linearizability, a_cas_succeeds_only_on_the_expected_value)
{
    struct linz_op ops[] = {op(0, LINZ_WRITE, 1, 0, 10, OK), op(0, LINZ_CAS, 1, 20, 30, OK),
                            op(1, LINZ_READ, 2, 40, 50, OK)};
    ops[1].value2 = 2;
    cr_assert_eq(REG(ops), LINZ_LINEARIZABLE);
    ops[1].value = 0; /* expected 0 after 1 was written: cannot have succeeded */
    cr_assert_eq(REG(ops), LINZ_VIOLATION);
}

Test(linearizability, an_info_cas_on_a_mismatched_value_does_nothing)
{
    struct linz_op ops[] = {op(0, LINZ_CAS, 5, 0, 0, INFO), op(1, LINZ_READ, 0, 10, 20, OK)};
    ops[0].value2 = 7;
    cr_assert_eq(REG(ops), LINZ_LINEARIZABLE);
}

Test(linearizability, a_set_read_sees_completed_adds_and_not_completed_removes)
{
    struct linz_op ok[] = {op(0, LINZ_ADD, 3, 0, 10, OK), op(1, LINZ_ADD, 5, 0, 100, OK),
                           op(2, LINZ_READ_SET, 1 << 3, 20, 30, OK),
                           op(2, LINZ_READ_SET, (1 << 3) | (1 << 5), 40, 50, OK)};
    cr_assert_eq(SET(ok), LINZ_LINEARIZABLE);
    struct linz_op lost[] = {op(0, LINZ_ADD, 3, 0, 10, OK), op(2, LINZ_READ_SET, 0, 20, 30, OK)};
    cr_assert_eq(SET(lost), LINZ_VIOLATION);
    struct linz_op back[] = {op(0, LINZ_ADD, 3, 0, 10, OK), op(0, LINZ_REMOVE, 3, 20, 30, OK),
                             op(2, LINZ_READ_SET, 1 << 3, 40, 50, OK)};
    cr_assert_eq(SET(back), LINZ_VIOLATION);
}

Test(linearizability, ops_that_do_not_fit_the_model_are_refused)
{
    struct linz_history *h = linz_history_new(LINZ_SET);
    struct linz_op w = op(0, LINZ_WRITE, 1, 0, 10, OK), big = op(0, LINZ_ADD, 64, 0, 10, OK);
    struct linz_op back = op(0, LINZ_ADD, 1, 10, 5, OK);
    cr_assert_not_null(linz_history_add(h, &w));
    cr_assert_not_null(linz_history_add(h, &big));
    cr_assert_not_null(linz_history_add(h, &back));
    cr_assert_eq(linz_history_count(h), 0);
    linz_history_free(h);
}

Test(linearizability, each_key_is_judged_on_its_own)
{
    struct linz_history *h = linz_history_new(LINZ_REGISTER);
    struct linz_op ops[] = {op(0, LINZ_WRITE, 1, 0, 10, OK), op(1, LINZ_READ, 0, 20, 30, OK),
                            op(0, LINZ_WRITE, 1, 0, 10, OK), op(1, LINZ_READ, 1, 20, 30, OK)};
    ops[0].key = ops[1].key = 7;
    ops[2].key = ops[3].key = -2;
    for (size_t i = 0; i < 4; i++)
        cr_assert_null(linz_history_add(h, &ops[i]));
    struct linz_report *r = linz_check(h, &unbounded);
    cr_assert_eq(linz_report_count(r), 2);
    cr_assert_eq(linz_report_get(r, 0)->key, -2);
    cr_assert_eq(linz_report_get(r, 0)->verdict, LINZ_LINEARIZABLE);
    cr_assert_eq(linz_report_get(r, 1)->key, 7);
    cr_assert_eq(linz_report_get(r, 1)->verdict, LINZ_VIOLATION);
    cr_assert_eq(linz_report_verdict(r), LINZ_VIOLATION);
    linz_report_free(r);
    linz_history_free(h);
}

/* Negative control: a checker that ignores real time passes the stale read. */
Test(linearizability, the_stale_read_catches_a_checker_that_ignores_real_time)
{
    linz_ignore_realtime = true;
    enum linz_verdict broken = REG(stale_read);
    linz_ignore_realtime = false;
    cr_assert_eq(broken, LINZ_LINEARIZABLE, "the broken variant should be fooled");
    cr_assert_eq(REG(stale_read), LINZ_VIOLATION);
}

/* n concurrent writes of distinct values and a read of a value never written. */
static enum linz_verdict hard_history(const struct linz_limits *lim, uint64_t *steps)
{
    struct linz_history *h = linz_history_new(LINZ_REGISTER);
    for (int i = 0; i < 14; i++) {
        struct linz_op w = op((uint32_t)i, LINZ_WRITE, i + 1, 0, 100, OK);
        cr_assert_null(linz_history_add(h, &w));
    }
    struct linz_op r = op(99, LINZ_READ, 99, 0, 100, OK);
    cr_assert_null(linz_history_add(h, &r));
    struct linz_report *rep = linz_check(h, lim);
    enum linz_verdict v = linz_report_verdict(rep);
    *steps = linz_report_get(rep, 0)->steps;
    linz_report_free(rep);
    linz_history_free(h);
    return v;
}

Test(linearizability, a_search_over_its_step_bound_is_unknown_not_linearizable)
{
    uint64_t steps;
    struct linz_limits lim = {.max_steps = 1000};
    cr_assert_eq(hard_history(&lim, &steps), LINZ_UNKNOWN);
    cr_assert_eq(steps, 1001);
    cr_assert_eq(hard_history(&unbounded, &steps), LINZ_VIOLATION);
    cr_assert_gt(steps, 1000, "the bound must have cut the search short");
}

/* The hard history needs 2^14 cache entries of 24 + 8 bytes each: 4 KiB cannot hold them. */
Test(linearizability, a_search_whose_memo_cache_outgrows_its_bound_is_unknown)
{
    uint64_t steps;
    struct linz_limits lim = {.max_cache_bytes = 4096};
    cr_assert_eq(hard_history(&lim, &steps), LINZ_UNKNOWN);
    cr_assert_lt(steps, 1000, "the bound must stop the search early");
    lim.max_cache_bytes = 64 << 20;
    cr_assert_eq(hard_history(&lim, &steps), LINZ_VIOLATION);
}

static bool always_stop(void *ctx)
{
    (*(int *)ctx)++;
    return true;
}

Test(linearizability, a_stop_callback_that_fires_makes_the_key_unknown)
{
    int calls = 0;
    uint64_t steps;
    struct linz_limits lim = {.stop = always_stop, .stop_ctx = &calls};
    cr_assert_eq(hard_history(&lim, &steps), LINZ_UNKNOWN);
    cr_assert_eq(calls, 1);
    cr_assert_eq(steps, 4096);
}

/* Whether every read value in ops is 0 (initial) or written there (test's own version). */
static bool contained(const struct linz_op *ops, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        bool seen = ops[i].kind != LINZ_READ || ops[i].value == 0;
        for (size_t j = 0; j < n && !seen; j++)
            seen = ops[j].kind == LINZ_WRITE && ops[j].value == ops[i].value;
        if (!seen)
            return false;
    }
    return true;
}

/* The least number of ops of any self-contained violating subset, by trying all 2^n subsets. */
static size_t brute_min_violation(const struct linz_op *ops, size_t n)
{
    size_t best = n + 1;
    for (unsigned mask = 1; mask < (1u << n); mask++) {
        struct linz_op sub[16];
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (mask & (1u << i))
                sub[m++] = ops[i];
        if (m < best && contained(sub, m) &&
            verdict_of(LINZ_REGISTER, sub, m, &unbounded) == LINZ_VIOLATION)
            best = m;
    }
    return best;
}

Test(linearizability, the_shrunk_violation_is_as_small_as_brute_force_finds)
{
    struct linz_op ops[] = {
        op(0, LINZ_WRITE, 1, 0, 10, OK), op(1, LINZ_WRITE, 2, 5, 15, OK),
        op(2, LINZ_READ, 2, 20, 30, OK), op(0, LINZ_WRITE, 3, 20, 25, OK),
        op(1, LINZ_READ, 3, 40, 50, OK), op(2, LINZ_READ, 2, 60, 70, OK),
    };
    size_t n = sizeof(ops) / sizeof(ops[0]);
    struct linz_history *h = linz_history_new(LINZ_REGISTER);
    for (size_t i = 0; i < n; i++)
        cr_assert_null(linz_history_add(h, &ops[i]));
    struct linz_report *r = linz_check(h, &unbounded);
    const struct linz_key_result *k = linz_report_get(r, 0);
    cr_assert_eq(k->verdict, LINZ_VIOLATION);
    size_t best = brute_min_violation(ops, n);
    cr_assert_eq(best, 3, "w2, then w3 completed, then r2: nothing smaller fails");
    cr_assert_eq(k->n_witness, best);
    cr_assert_eq(k->witness[0], 1);
    cr_assert_eq(k->witness[1], 3);
    cr_assert_eq(k->witness[2], 5);
    linz_report_free(r);
    linz_history_free(h);
}

static void append(void *ctx, const char *line)
{
    strcat((char *)ctx, line);
}

Test(linearizability, the_explanation_names_the_key_the_reason_and_the_ops)
{
    struct linz_history *h = linz_history_new(LINZ_REGISTER);
    for (size_t i = 0; i < 2; i++)
        cr_assert_null(linz_history_add(h, &stale_read[i]));
    struct linz_report *r = linz_check(h, &unbounded);
    char text[1024] = "";
    linz_report_explain(r, 0, append, text);
    cr_assert_str_eq(text, "key 0: violation (2 ops, 4 steps): no order of these operations "
                           "that respects real time is a legal register history\n"
                           "  smallest failing sub-history found: 2 of 2 ops\n"
                           "  op 0: client 0 [0 ns, 10 ns] write 1 ok\n"
                           "  op 1: client 1 [20 ns, 30 ns] read 0 ok\n");
    linz_report_free(r);
    linz_history_free(h);
}

static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* A register executed sequentially: op i takes effect at time 100*i, and its interval is
 * widened randomly by up to 300 ns each side (so up to 7 ops overlap). Each op's client is
 * its own, so intervals may overlap freely. Returns the index of a read, or n if none. */
static size_t random_history(uint64_t *seed, struct linz_op *ops, size_t n)
{
    int64_t reg = 0;
    size_t a_read = n;
    for (size_t i = 0; i < n; i++) {
        uint64_t at = 1000 + 100 * (uint64_t)i;
        ops[i] = op((uint32_t)i, LINZ_READ, reg, at - rng_next(seed) % 300,
                    at + rng_next(seed) % 300, OK);
        if (rng_next(seed) % 2) {
            ops[i].kind = LINZ_WRITE;
            ops[i].value = reg = (int64_t)(rng_next(seed) % 5);
        } else {
            a_read = i;
        }
    }
    return a_read;
}

Test(linearizability, random_histories_of_a_real_register_pass_and_a_corrupted_read_is_caught)
{
    enum { HISTORIES = 300, OPS = 40 };
    uint64_t seed = 16;
    int corrupted = 0, caught = 0;
    for (int t = 0; t < HISTORIES; t++) {
        struct linz_op ops[OPS];
        size_t r = random_history(&seed, ops, OPS);
        cr_assert_eq(verdict_of(LINZ_REGISTER, ops, OPS, &unbounded), LINZ_LINEARIZABLE);
        if (r == OPS)
            continue;
        ops[r].value = 5 + (int64_t)(rng_next(&seed) % 3); /* never written: 0..4 only */
        corrupted++;
        caught += verdict_of(LINZ_REGISTER, ops, OPS, &unbounded) == LINZ_VIOLATION;
    }
    cr_log_info("corrupted %d, caught %d", corrupted, caught);
    cr_assert_eq(caught, corrupted, "a read of a never-written value is always a violation");
}
