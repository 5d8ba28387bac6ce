/*
 * libFuzzer target for the scenario front end: arbitrary bytes are parsed as a YAML scenario
 * and resolved. Besides "never crash, never leak, never trip a sanitizer", it checks the
 * round-trip property the `run` command relies on: a scenario that resolves is written as
 * scenario.resolved.yaml text, and that text must resolve again to a scenario that is
 * written identically.
 *
 * Build: see TESTING.md ("Fuzzing"): clang, -DATLAS_FUZZ=ON.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/scenario_yaml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct diag d;
    diag_init(&d);
    struct scenario_doc *doc = scenario_doc_parse("fuzz.yaml", (const char *)data, size, &d);
    struct scenario sc;
    if (doc && scenario_doc_resolve(doc, &sc, &d)) {
        size_t len1 = 0, len2 = 0;
        char *text1 = resolved_text(&sc, &len1);
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
        scenario_fini(&sc);
    }
    scenario_doc_free(doc);
    diag_fini(&d);
    return 0;
}
