/* xalloc: allocation wrappers that abort on failure (see xalloc.h). */
#include "core/xalloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define CACHE_LINE 64
#define HUGE_PAGE  ((size_t)2 << 20)

static void oom(size_t size)
{
    fprintf(stderr, "atlas-sim: out of memory allocating %zu bytes\n", size);
    abort();
}

void *xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        oom(size);
    return p;
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom(n * size);
    return p;
}

void *xrealloc(void *p, size_t size)
{
    void *q = realloc(p, size ? size : 1);
    if (!q)
        oom(size);
    return q;
}

void *xreallocarray(void *p, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        oom(SIZE_MAX);
    return xrealloc(p, n * size);
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *p = xmalloc(len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

/* The capacity that holds `need`: cap doubled (from 8) as often as it takes. */
static size_t grown(size_t cap, size_t need)
{
    size_t c = cap ? cap : 8;
    while (c < need) {
        if (c > SIZE_MAX / 2)
            oom(SIZE_MAX);
        c *= 2;
    }
    return c;
}

void xgrow(void **p, size_t *cap, size_t need, size_t elem_size)
{
    if (need <= *cap)
        return;
    size_t c = grown(*cap, need);
    *p = xreallocarray(*p, c, elem_size);
    *cap = c;
}

/* Bytes of a huge block of n * size bytes (a 2 MiB multiple), or 0 for a malloc block. */
static size_t huge_len(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        oom(SIZE_MAX);
    size_t bytes = n * size;
    if (bytes < HUGE_PAGE || bytes > SIZE_MAX - 2 * HUGE_PAGE)
        return 0;
    return (bytes + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
}

void *xhuge_calloc(size_t n, size_t size)
{
    size_t len = huge_len(n, size);
    if (!len) { /* small: a cache-line-aligned block, so 64-byte-aligned types fit */
        size_t bytes = (n ? n : 1) * (size ? size : 1);
        bytes = (bytes + CACHE_LINE - 1) & ~(size_t)(CACHE_LINE - 1);
        void *p = aligned_alloc(CACHE_LINE, bytes);
        if (!p)
            oom(bytes);
        return memset(p, 0, bytes);
    }
    /* Map one huge page more than needed and trim both ends to the 2 MiB boundaries. */
    char *raw =
        mmap(NULL, len + HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED)
        oom(len + HUGE_PAGE);
    char *p = (char *)(((uintptr_t)raw + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
    size_t head = (size_t)(p - raw);
    if (head)
        (void)munmap(raw, head);
    if (HUGE_PAGE - head)
        (void)munmap(p + len, HUGE_PAGE - head);
    (void)madvise(p, len, MADV_HUGEPAGE);
    return p; /* anonymous mappings are zero-filled */
}

bool xhuge_is_mapping(size_t n, size_t size)
{
    return huge_len(n, size) != 0;
}

void xhuge_free(void *p, size_t n, size_t size)
{
    if (!p)
        return;
    size_t len = huge_len(n, size);
    if (len)
        (void)munmap(p, len);
    else
        free(p);
}

void xhuge_grow(void **p, size_t *cap, size_t need, size_t elem_size)
{
    if (need <= *cap)
        return;
    size_t c = grown(*cap, need);
    void *q = xhuge_calloc(c, elem_size);
    if (*p)
        memcpy(q, *p, *cap * elem_size);
    xhuge_free(*p, *cap, elem_size);
    *p = q;
    *cap = c;
}
