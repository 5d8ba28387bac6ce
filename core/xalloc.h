/*
 * xalloc: the one place where allocation failure is handled.
 *
 * AtlasSim treats running out of memory as fatal: every allocation goes through these
 * wrappers, which print a message and abort() on failure, so callers never check for NULL.
 * Sizes are checked for multiplication overflow.
 */
#ifndef ATLAS_CORE_XALLOC_H
#define ATLAS_CORE_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);                          /* never returns NULL */
void *xcalloc(size_t n, size_t size);                /* zeroed; n*size overflow aborts */
void *xrealloc(void *p, size_t size);                /* never returns NULL */
void *xreallocarray(void *p, size_t n, size_t size); /* realloc with overflow check */
char *xstrdup(const char *s);                        /* copy of a NUL-terminated string */
char *xstrndup(const char *s, size_t n);             /* copy of at most n bytes, NUL-terminated */

/* Grow *cap (doubling, at least min_cap) until it holds need elements; realloc *p. */
void xgrow(void **p, size_t *cap, size_t need, size_t elem_size);
#define XGROW(ptr, cap, need) xgrow((void **)&(ptr), &(cap), (need), sizeof(*(ptr)))

#endif
