/* refheap: the bare binary heap reference (see refheap.h). */
#include "sim/engine/refheap.h"

#include <stdlib.h>

#include "core/xalloc.h"

struct refheap {
    struct refheap_entry *e; /* e[0] is the minimum */
    size_t n, cap;           /* entries, capacity */
    uint64_t next_seq;       /* sequence number of the next push */
};

static inline bool less(const struct refheap_entry *a, const struct refheap_entry *b)
{
    return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

struct refheap *refheap_new(void)
{
    return xcalloc(1, sizeof(struct refheap));
}

void refheap_free(struct refheap *h)
{
    if (!h)
        return;
    free(h->e);
    free(h);
}

void refheap_reserve(struct refheap *h, size_t n)
{
    if (n <= h->cap)
        return;
    h->e = xreallocarray(h->e, n, sizeof(struct refheap_entry));
    h->cap = n;
}

void refheap_push(struct refheap *h, sim_time t, uint64_t payload)
{
    if (h->n == h->cap)
        refheap_reserve(h, h->cap ? 2 * h->cap : 64);
    struct refheap_entry x = {.time = t, .seq = h->next_seq++, .payload = payload};
    size_t i = h->n++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!less(&x, &h->e[p]))
            break;
        h->e[i] = h->e[p];
        i = p;
    }
    h->e[i] = x;
}

const struct refheap_entry *refheap_peek(const struct refheap *h)
{
    return h->n ? &h->e[0] : NULL;
}

bool refheap_pop(struct refheap *h, struct refheap_entry *out)
{
    if (!h->n)
        return false;
    *out = h->e[0];
    struct refheap_entry last = h->e[--h->n];
    size_t i = 0, n = h->n;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && less(&h->e[c + 1], &h->e[c]))
            c++;
        if (!less(&h->e[c], &last))
            break;
        h->e[i] = h->e[c];
        i = c;
    }
    if (n)
        h->e[i] = last;
    return true;
}

size_t refheap_size(const struct refheap *h)
{
    return h->n;
}
