/*
 * fuzz: the entry points of the libFuzzer targets in tests/fuzz/, shared with the normal test
 * suite. Each fuzz_*.c defines one entry point and, unless FUZZ_NO_MAIN is defined, the
 * LLVMFuzzerTestOneInput that libFuzzer calls; tests/test_fuzz_regress.c compiles them with
 * FUZZ_NO_MAIN and replays the seed corpora and regression inputs through the same functions.
 *
 * An entry point returns 0 for every input. A broken property (a crash, a leak or a sanitizer
 * report aside) is a programming error: it prints what differed on stderr and aborts.
 */
#ifndef ATLAS_TESTS_FUZZ_H
#define ATLAS_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* Scenario front end: #set lines, parse, resolve (key tables + cross-field checks), sweep points,
 * round trip through scenario.resolved.yaml. */
int fuzz_scenario_one(const uint8_t *data, size_t size);

/* Ledger reader: read, verify, write + read back byte for byte. */
int fuzz_ledger_one(const uint8_t *data, size_t size);

/* The libFuzzer entry point calling one; nothing when FUZZ_NO_MAIN is defined. */
#ifdef FUZZ_NO_MAIN
#define FUZZ_TARGET(one)
#else
#define FUZZ_TARGET(one)                                                                           \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);                                  \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)                                   \
    {                                                                                              \
        return one(data, size);                                                                    \
    }
#endif

#endif
