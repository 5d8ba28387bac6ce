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
/* The advised span's start (0: heap_reserve_huge advised nothing). */
static uintptr_t advised_start;

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
    if (in_brk_heap && madvise((void *)start, (uintptr_t)end - start, MADV_HUGEPAGE) == 0)
        advised_start = start;
    free(room); /* back to the heap's top; glibc keeps `reserve` of it */
    uintptr_t gap = -(uintptr_t)room & (HUGE_PAGE - 1);
    if (in_brk_heap && gap > 4 * PAGE)
        head = malloc(gap - 2 * PAGE);
}

void heap_extend_huge(size_t bytes)
{
    if (!advised_start)
        return;
    if (bytes > HEAP_EXTEND_MAX)
        bytes = HEAP_EXTEND_MAX;
    char *end = sbrk(0);
    if (end == (char *)-1 || (uintptr_t)end < advised_start ||
        (uintptr_t)end - advised_start >= bytes)
        return;
    size_t more = bytes - ((uintptr_t)end - advised_start);
    (void)mallopt(M_MMAP_MAX, 0);             /* every block from the heap */
    (void)mallopt(M_TRIM_THRESHOLD, INT_MAX); /* and the heap never given back */
    (void)mallopt(M_TOP_PAD, (int)more);
    /* A block larger than the heap's free top makes glibc grow the heap by it plus `more`. */
    struct mallinfo2 mi = mallinfo2();
    char *volatile grow = malloc(mi.keepcost + PAGE);
    char *now = sbrk(0);
    uintptr_t from = (uintptr_t)end & ~(PAGE - 1);
    if (grow && now != (char *)-1 && (uintptr_t)now > from)
        (void)madvise((void *)from, (uintptr_t)now - from, MADV_HUGEPAGE);
    free(grow);
    (void)mallopt(M_TOP_PAD, (int)HEAP_RESERVE); /* later growth: as before */
}
