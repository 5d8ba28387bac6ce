/* heap: malloc's heap on transparent huge pages (see heap.h). */
#include "sim/run/heap.h"

#include <limits.h>
#include <stdbool.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE      ((uintptr_t)4096)
#define HUGE_PAGE ((uintptr_t)2 << 20)

/* The heap's unaligned head before the first 2 MiB boundary of the advised span: held for
 * the life of the process and never touched, so later blocks start on a huge page. */
static void *volatile head;

void heap_reserve_huge(size_t reserve)
{
    if (reserve > INT_MAX / 2)
        reserve = INT_MAX / 2;
    (void)mallopt(M_MMAP_THRESHOLD, (int)HEAP_MMAP_THRESHOLD);
    (void)mallopt(M_TOP_PAD, (int)reserve);
    /* A block of `reserve` bytes makes (or grows) the heap to span it plus the pad;
     * volatile, or the compiler drops the malloc/free pair. */
    char *volatile room = malloc(reserve);
    char *end = sbrk(0);
    uintptr_t start = (uintptr_t)room & ~(PAGE - 1);
    bool in_brk_heap = room && end != (char *)-1 && start < (uintptr_t)end &&
                       (uintptr_t)end - start <= 2 * (uintptr_t)reserve + HUGE_PAGE;
    if (in_brk_heap)
        (void)madvise((void *)start, (uintptr_t)end - start, MADV_HUGEPAGE);
    free(room); /* back to the heap's top; glibc keeps `reserve` of it */
    uintptr_t gap = -(uintptr_t)room & (HUGE_PAGE - 1);
    if (in_brk_heap && gap > 4 * PAGE)
        head = malloc(gap - 2 * PAGE);
}
