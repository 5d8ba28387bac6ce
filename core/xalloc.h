/*
 * xalloc: the one place where allocation failure is handled.
 *
 * AtlasSim treats running out of memory as fatal: every allocation goes through these
 * wrappers, which print a message and abort() on failure, so callers never check for NULL.
 * Sizes are checked for multiplication overflow.
 */
#ifndef ATLAS_CORE_XALLOC_H
#define ATLAS_CORE_XALLOC_H

#include <stdbool.h>
#include <stddef.h>

void *xmalloc(size_t size);                          /* never returns NULL */
void *xcalloc(size_t n, size_t size);                /* zeroed; n*size overflow aborts */
void *xrealloc(void *p, size_t size);                /* never returns NULL */
void *xreallocarray(void *p, size_t n, size_t size); /* realloc with overflow check */
char *xstrdup(const char *s);                        /* copy of a NUL-terminated string */
char *xstrndup(const char *s, size_t n);             /* copy of at most n bytes, NUL-terminated */

/*
 * Big zeroed arrays (per proposal, per log entry, per node): blocks of 2 MiB or more are an
 * anonymous mapping that starts on a 2 MiB boundary and spans a 2 MiB multiple, advised
 * MADV_HUGEPAGE, so that (1) a page is backed and zeroed by the kernel only when first
 * touched: capacity never used costs address space, not memory; (2) no memset: a calloc
 * from a heap that has held memory before must clear every byte it returns, touching it
 * all; (3) freeing gives the block back at once, leaving no hole in the heap. Smaller blocks
 * are zeroed malloc blocks aligned to 64 bytes. Either way the array starts a cache line.
 * Aborts with a message on overflow or failure. Free with xhuge_free and the same n and
 * size (NULL: a no-op). xhuge_grow doubles *cap (from 8) until it holds `need` elements,
 * moving the array to a new block whose tail is zero.
 */
void *xhuge_calloc(size_t n, size_t size);
void xhuge_free(void *p, size_t n, size_t size);
void xhuge_grow(void **p, size_t *cap, size_t need, size_t elem_size);
/* Would xhuge_calloc(n, size) be a mapping (touched only as used), not a malloc block? */
bool xhuge_is_mapping(size_t n, size_t size);
#define XHUGE_GROW(ptr, cap, need)                                                                 \
    do {                                                                                           \
        if ((need) > (cap))                                                                        \
            xhuge_grow((void **)&(ptr), &(cap), (need), sizeof(*(ptr)));                           \
    } while (0)

/* Grow *cap (doubling, at least min_cap) until it holds need elements; realloc *p. */
void xgrow(void **p, size_t *cap, size_t need, size_t elem_size);
#define XGROW(ptr, cap, need) xgrow((void **)&(ptr), &(cap), (need), sizeof(*(ptr)))

#endif
