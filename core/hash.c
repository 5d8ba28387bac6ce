/*
 * hash: a small fast 64-bit byte hash in the style of xxHash64's single lane (multiply,
 * rotate, multiply per 8-byte word) with a strong finaliser. Words are read
 * little-endian (swapped on big-endian hosts) so results do not depend on the host.
 */
#include "core/hash.h"

#include <string.h>

#define K1 UINT64_C(0x9e3779b185ebca87)
#define K2 UINT64_C(0xc2b2ae3d27d4eb4f)
#define K3 UINT64_C(0x165667b19e3779f9)

static uint64_t load64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

static uint64_t rotl(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

uint64_t hash_bytes(const void *p, size_t n, uint64_t seed)
{
    const unsigned char *b = p;
    uint64_t h = seed ^ (K3 + (uint64_t)n * K1);
    while (n >= 8) {
        h ^= rotl(load64(b) * K2, 31) * K1;
        h = rotl(h, 27) * K1 + K3;
        b += 8;
        n -= 8;
    }
    if (n > 0) {
        unsigned char tail[8] = {0};
        memcpy(tail, b, n);
        h ^= rotl(load64(tail) * K2, 31) * K1;
        h = rotl(h, 27) * K1 + K3;
    }
    return hash_mix64(h);
}

uint64_t hash_str(const char *s, uint64_t seed)
{
    return hash_bytes(s, strlen(s), seed);
}
