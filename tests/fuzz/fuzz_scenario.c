/*
 * libFuzzer target for the scenario front end: arbitrary bytes are parsed as a YAML scenario,
 * overridden, resolved (the per-section key tables and the cross-field checks, as `validate`
 * does) and, when they resolve, expanded into sweep points like `sweep` does.
 *
 * Input: a scenario file. Leading lines "#set KEY=VALUE" (YAML comments, so the file's line
 * numbers stay those of the input) are applied as `--set KEY=VALUE` is, and also given to the
 * sweep --set parser (sweep_parse_set).
 *
 * Properties, besides "never crash, never leak, never trip a sanitizer":
 *   - a scenario that does not resolve has at least one error, and every error names a file,
 *     has a message and, when it points into the input, a line inside the input;
 *   - round trip (what `run` relies on): a resolved scenario written as scenario.resolved.yaml
 *     text resolves again and is written identically;
 *   - the memory estimate of a resolved scenario (`validate` prints it, `run` checks it) is a
 *     positive, finite number of bytes, its parts largest first;
 *   - the sweep plan of a resolved scenario: its first, middle and last points are resolved
 *     the way `sweep` resolves them (a point may be refused, never crash), with their
 *     estimates (`sweep` checks its largest point).
 *
 * Build and run: see TESTING.md ("Fuzzing"): clang, -DATLAS_FUZZ=ON.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "fuzz.h"
#include "sim/cluster/limits.h"
#include "sim/scenario/scenario_yaml.h"
#include "sim/scenario/sweep.h"

#define SET_PREFIX "#set "

static char *resolved_text(const struct scenario *sc, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    if (!f)
        abort();
    scenario_write_yaml(sc, f);
    fclose(f);
    return buf;
}

/* The diagnostics, as the user would see them (exercises the formatting). */
static void print_diags(const struct diag *d)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        abort();
    diag_print(d, f);
    fclose(f);
    free(buf);
}

/* Apply the leading "#set KEY=VALUE" lines; false if one was refused. */
static bool apply_sets(struct scenario_doc *doc, const char *text, size_t size, struct diag *d)
{
    bool ok = true;
    size_t plen = strlen(SET_PREFIX);
    const char *p = text, *end = text + size;
    while ((size_t)(end - p) > plen && memcmp(p, SET_PREFIX, plen) == 0) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl ? nl : end;
        char *arg = xstrndup(p + plen, (size_t)(stop - p - plen));
        char *path = NULL, **values = NULL, err[256];
        size_t nvalues = 0;
        bool is_axis = false;
        if (sweep_parse_set(arg, &path, &is_axis, &nvalues, &values, err, sizeof err)) {
            free(path);
            sweep_values_free(nvalues, values);
        }
        char *eq = strchr(arg, '=');
        if (!eq) {
            diag_error(d, "--set", 0, 0, NULL, "'%s' is not KEY=VALUE", arg);
            ok = false;
        } else {
            *eq = '\0';
            ok &= scenario_doc_set(doc, arg, eq + 1, "--set", d);
        }
        free(arg);
        p = nl ? nl + 1 : end;
    }
    return ok;
}

static void check_refused(const struct diag *d, const char *text, size_t size)
{
    unsigned lines = 1; /* at most: YAML also breaks lines at CR, NEL, LS and PS */
    for (size_t i = 0; i < size; i++)
        lines += text[i] == '\n' || text[i] == '\r' ||
                 (i + 1 < size && text[i] == '\xc2' && text[i + 1] == '\x85') ||
                 (i + 2 < size && text[i] == '\xe2' && text[i + 1] == '\x80' &&
                  (text[i + 2] == '\xa8' || text[i + 2] == '\xa9'));
    if (d->errors == 0) {
        fprintf(stderr, "scenario refused without an error\n");
        abort();
    }
    for (size_t i = 0; i < d->n; i++) {
        const struct diag_item *it = &d->items[i];
        if (!it->file || !it->msg || !*it->msg ||
            (strcmp(it->file, "fuzz.yaml") == 0 && it->line > lines + 1)) {
            fprintf(stderr, "bad diagnostic %zu: file %s, line %u of %u, message '%s'\n", i,
                    it->file ? it->file : "(null)", it->line, lines, it->msg ? it->msg : "(null)");
            abort();
        }
    }
}

static void check_round_trip(const struct scenario *sc)
{
    size_t len1 = 0, len2 = 0;
    char *text1 = resolved_text(sc, &len1);
    struct diag d2;
    diag_init(&d2);
    struct scenario_doc *doc2 = scenario_doc_parse("resolved.yaml", text1, len1, &d2);
    struct scenario sc2;
    if (!doc2 || !scenario_doc_resolve(doc2, &sc2, &d2)) {
        diag_print(&d2, stderr);
        fprintf(stderr, "--- resolved text that failed to load again:\n%s\n", text1);
        abort();
    }
    char *text2 = resolved_text(&sc2, &len2);
    if (len1 != len2 || memcmp(text1, text2, len1) != 0) {
        fprintf(stderr, "--- first:\n%s\n--- second:\n%s\n", text1, text2);
        abort();
    }
    free(text2);
    scenario_fini(&sc2);
    scenario_doc_free(doc2);
    diag_fini(&d2);
    free(text1);
}

/*
 * The memory estimate `validate` prints and `run`/`sweep` check: a positive number of bytes
 * (finite, never NaN), made of at most MEM_PARTS parts, largest first; a 1-byte limit refuses it
 * with an error.
 */
static void check_estimate(const struct scenario *sc)
{
    struct mem_estimate e;
    limits_estimate(sc, &e);
    bool sorted = e.nparts > 0 && e.nparts <= MEM_PARTS;
    for (size_t i = 1; sorted && i < e.nparts; i++)
        sorted = e.part[i - 1].bytes >= e.part[i].bytes;
    struct diag d;
    diag_init(&d);
    char buf[32];
    if (!(e.total > 0) || !isfinite(e.total) || !sorted ||
        limits_check(&e, 2, 0, 1, "fuzz", "fuzz.yaml", &d) || d.errors != 1) {
        fprintf(stderr, "bad memory estimate: %s in %zu parts\n",
                limits_format(e.total, buf, sizeof buf), e.nparts);
        abort();
    }
    print_diags(&d);
    diag_fini(&d);
}

/* Resolve one sweep point as `sweep` does: the base document with every axis's value set. */
static void resolve_point(const struct scenario_doc *doc, const struct sweep_plan *plan,
                          uint64_t point)
{
    struct diag d;
    diag_init(&d);
    struct scenario_doc *pdoc = scenario_doc_clone(doc);
    bool ok = true;
    for (size_t a = 0; a < plan->naxes && ok; a++)
        ok = scenario_doc_set(pdoc, plan->axes[a].path, sweep_point_value(plan, point, a),
                              "sweep.params", &d);
    struct scenario sc;
    if (ok && scenario_doc_resolve(pdoc, &sc, &d)) {
        check_estimate(&sc);
        scenario_fini(&sc);
    } else {
        print_diags(&d);
    }
    scenario_doc_free(pdoc);
    diag_fini(&d);
}

static void check_sweep(const struct scenario_doc *doc, const struct scenario *sc)
{
    struct sweep_plan plan;
    char err[256];
    sweep_plan_from_scenario(&plan, sc);
    if (plan.naxes && sweep_plan_check(&plan, err, sizeof err)) {
        resolve_point(doc, &plan, 0);
        if (plan.npoints > 2)
            resolve_point(doc, &plan, plan.npoints / 2);
        if (plan.npoints > 1)
            resolve_point(doc, &plan, plan.npoints - 1);
    }
    sweep_plan_fini(&plan);
}

int fuzz_scenario_one(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    struct diag d;
    diag_init(&d);
    struct scenario_doc *doc = scenario_doc_parse("fuzz.yaml", text, size, &d);
    struct scenario sc;
    if (!doc) {
        check_refused(&d, text, size);
    } else {
        /* Like `run --set`: a refused override still lets resolving report its problems. */
        bool sets_ok = apply_sets(doc, text, size, &d);
        bool resolved = scenario_doc_resolve(doc, &sc, &d);
        if (sets_ok && resolved) {
            check_round_trip(&sc);
            check_estimate(&sc);
            check_sweep(doc, &sc);
        } else {
            check_refused(&d, text, size);
        }
        if (resolved)
            scenario_fini(&sc);
    }
    print_diags(&d);
    scenario_doc_free(doc);
    diag_fini(&d);
    return 0;
}

FUZZ_TARGET(fuzz_scenario_one)
