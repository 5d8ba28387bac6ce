/*
 * heap: malloc's heap on transparent huge pages, for a process that runs simulations.
 *
 * Why: on the project's VM the first touch of a fresh 4 KiB page traps to the hypervisor
 * and costs 6-40 us; a 7-node run of 4,000 proposals touches about 5 MB of new heap (1,280
 * page faults, a third of its CPU time). On a 2 MiB transparent huge page one fault maps
 * 512 pages. The kernel gives them to a range advised MADV_HUGEPAGE (the system setting
 * "madvise", Debian's default) when an aligned 2 MiB of it is untouched at the fault.
 *
 * heap_reserve_huge sets glibc's malloc to grow its heap by `reserve` bytes at a time and to
 * keep blocks below HEAP_MMAP_THRESHOLD in the heap (glibc's own ceiling for its adaptive
 * threshold), then advises the heap's span MADV_HUGEPAGE. Heap growth beyond the first
 * reserve is on ordinary pages, as before. Only the memory's layout changes, never a value:
 * the outputs stay byte-identical. Without THP (setting "never"), under a sanitizer's
 * allocator or when brk is unavailable, it changes nothing but the two malloc settings.
 *
 * Call it first in main, before anything allocates: a heap that already exists is advised
 * only from the first block that fits in it. Errors: none (advice the kernel refuses is
 * ignored).
 */
#ifndef ATLAS_SIM_RUN_HEAP_H
#define ATLAS_SIM_RUN_HEAP_H

#include <stddef.h>

#define HEAP_RESERVE        (16u << 20) /* bytes of heap advised at start-up */
#define HEAP_MMAP_THRESHOLD (32u << 20) /* blocks below this come from the heap */

void heap_reserve_huge(size_t reserve);

/*
 * heap_extend_huge: once a run's memory estimate is known (sim/cluster/limits), make the
 * advised heap span at least `bytes` (at most HEAP_EXTEND_MAX) so that a big run's blocks
 * land on huge pages too: every block stays in the heap (no mmap of its own), the heap grows
 * by the missing bytes now (address space only: a page is backed when first touched) and is
 * never trimmed, and the new span is advised MADV_HUGEPAGE. Layout only, as above. Does
 * nothing unless heap_reserve_huge advised the heap first.
 */
#define HEAP_EXTEND_MAX ((size_t)1 << 30)
void heap_extend_huge(size_t bytes);

#endif
