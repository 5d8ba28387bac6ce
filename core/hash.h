/*
 * hash: 64-bit non-cryptographic hashing helpers shared by core/ (interning, hash tables,
 * the graph state hash, the ledger chain). Pure functions; results are the same on every
 * platform (bytes are read little-endian), so hashes can be stored in files and compared
 * between runs and machines.
 */
#ifndef ATLAS_CORE_HASH_H
#define ATLAS_CORE_HASH_H

#include <stddef.h>
#include <stdint.h>

/* Bijective 64-bit finaliser (splitmix64 / Stafford variant 13). */
static inline uint64_t hash_mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= UINT64_C(0xbf58476d1ce4e5b9);
    x ^= x >> 27;
    x *= UINT64_C(0x94d049bb133111eb);
    x ^= x >> 31;
    return x;
}

/* Fold v into running hash h (order matters). */
static inline uint64_t hash_combine(uint64_t h, uint64_t v)
{
    return hash_mix64(h ^ (v + UINT64_C(0x9e3779b97f4a7c15) + (h << 6) + (h >> 2)));
}

/* Hash of n bytes at p with a seed; n may be 0. */
uint64_t hash_bytes(const void *p, size_t n, uint64_t seed);

/* Hash of a NUL-terminated string. */
uint64_t hash_str(const char *s, uint64_t seed);

#endif
