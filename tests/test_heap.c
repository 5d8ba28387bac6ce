/*
 * Tests for sim/run/heap: after heap_reserve_huge, blocks that malloc carves from the heap lie
 * in a span advised MADV_HUGEPAGE (smaps' VmFlags "hg") and start on a 2 MiB boundary, so the
 * kernel can map them with huge pages. The advice shows in smaps whatever the system's THP
 * setting; whether huge pages were granted is the kernel's business (BENCHMARKS.md measures
 * the page faults). Under AddressSanitizer malloc is not glibc's and the call must only be
 * harmless.
 */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/run/heap.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#else
#define UNDER_ASAN 0
#endif

#define MIB ((uintptr_t)1 << 20)

/* Whether the mapping that holds p is advised for huge pages, from /proc/self/smaps. */
static bool advised_huge(const void *p)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    cr_assert_not_null(f);
    char line[512];
    bool inside = false, found = false, huge = false;
    while (fgets(line, sizeof(line), f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2)
            inside = (uintptr_t)p >= lo && (uintptr_t)p < hi;
        else if (inside && strncmp(line, "VmFlags:", 8) == 0) {
            found = true;
            huge = strstr(line, " hg") != NULL;
        }
    }
    fclose(f);
    cr_assert(found, "no mapping holds %p", p);
    return huge;
}

Test(heap, blocks_carved_after_the_reserve_lie_in_a_span_advised_for_huge_pages)
{
    heap_reserve_huge(HEAP_RESERVE);
    char *p = malloc(MIB); /* larger than any free block the process has yet */
    cr_assert_not_null(p);
    memset(p, 0x5a, MIB);
    cr_assert_eq(p[MIB - 1], 0x5a);
    bool advised = !UNDER_ASAN && advised_huge(p);
    free(p);
    if (UNDER_ASAN)
        cr_skip_test("AddressSanitizer's malloc: nothing to advise");
    cr_assert(advised);
}

Test(heap, the_first_block_carved_after_the_reserve_starts_at_a_2_MiB_boundary)
{
    heap_reserve_huge(HEAP_RESERVE);
    char *p = malloc(MIB);
    cr_assert_not_null(p);
    /* Two pages of the unaligned head stay in front of it (heap.c). */
    uintptr_t at = (uintptr_t)p, offset = (at + 2 * 4096) & (2 * MIB - 1);
    free(p);
    if (UNDER_ASAN)
        cr_skip_test("AddressSanitizer's malloc: nothing to align");
    cr_assert_lt(offset, 4096, "block at %#lx: %#lx past a 2 MiB boundary", (unsigned long)at,
                 (unsigned long)offset);
}

/* Allocate `size` bytes, write its ends, and say whether both ends lie in advised mappings
 * (false under AddressSanitizer, whose malloc is not glibc's). */
static bool block_advised(size_t size)
{
    char *p = malloc(size);
    cr_assert_not_null(p);
    p[0] = p[size - 1] = 0x5a;
    bool advised = !UNDER_ASAN && advised_huge(p) && advised_huge(p + size - 1);
    free(p);
    return advised;
}

/* The negative control: glibc's defaults put a 1 MiB block in its own mapping, without
 * the advice, and the check above must say so. */
Test(heap, without_the_reserve_a_large_block_is_not_advised)
{
    bool advised = block_advised(MIB);
    if (UNDER_ASAN)
        cr_skip_test("AddressSanitizer's malloc");
    cr_assert_not(advised);
}

/* heap_extend_huge: a run's estimate makes the advised span big enough for its blocks, even
 * those above glibc's mmap threshold, which would otherwise get a mapping of their own. */
Test(heap, after_extending_to_a_runs_estimate_a_block_above_the_mmap_threshold_is_advised)
{
    heap_reserve_huge(HEAP_RESERVE);
    heap_extend_huge(128 * MIB);
    bool advised = block_advised(HEAP_MMAP_THRESHOLD + 8 * MIB);
    if (UNDER_ASAN)
        cr_skip_test("AddressSanitizer's malloc: nothing to advise");
    cr_assert(advised);
}

/* The negative control: with the start-up reserve only, the same block is mmap'd apart. */
Test(heap, without_extending_a_block_above_the_mmap_threshold_is_not_advised)
{
    heap_reserve_huge(HEAP_RESERVE);
    bool advised = block_advised(HEAP_MMAP_THRESHOLD + 8 * MIB);
    if (UNDER_ASAN)
        cr_skip_test("AddressSanitizer's malloc");
    cr_assert_not(advised);
}
