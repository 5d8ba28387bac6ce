/*
 * intern: a string table giving each distinct string one small integer id and one stored
 * copy (in an arena of large blocks, so returned pointers never move). Used by the graph
 * for ids, labels, property keys and values.
 *
 * Ids are dense, 0, 1, 2, ... in order of first insertion, and never reused (strings are
 * never removed). Each string carries its 64-bit content hash (hash_bytes with
 * INTERN_SEED), the same in every table, and one 32-bit "tag" the owner may use freely
 * (the graph stores there the vertex whose id this string is); tags start as INTERN_NONE.
 *
 * Implementation: open addressing with linear probing over 16-byte slots (no well-kept
 * C hash table in Debian fits this layout, so it is written here). A slot holds the id,
 * the tag and a 64-bit key: a string of at most 7 bytes is stored in the key itself, a
 * longer one is represented by its hash there and compared in the arena only when the
 * hashes agree. So a lookup of a short string, or of an absent one, touches one slot, and
 * the tag comes with it. Lookup is O(length) expected; iteration is by id.
 */
#ifndef ATLAS_CORE_INTERN_H
#define ATLAS_CORE_INTERN_H

#include <stddef.h>
#include <stdint.h>

#define INTERN_NONE UINT32_MAX
#define INTERN_SEED UINT64_C(0x6a09e667f3bcc908)

struct intern;

struct intern *intern_new(void);
void intern_free(struct intern *in);                  /* NULL is a no-op */
struct intern *intern_clone(const struct intern *in); /* same ids, tags, strings */

/* Id of s (len bytes, may contain NUL), adding it if new. */
uint32_t intern_add(struct intern *in, const char *s, size_t len);
/* Id of s or INTERN_NONE if absent. */
uint32_t intern_find(const struct intern *in, const char *s, size_t len);

/* What a lookup learns about a string without further memory accesses. */
struct intern_meta {
    uint64_t hash; /* content hash */
    uint32_t tag;  /* owner's tag */
};
/* intern_find / intern_add that also fill *meta (when the string is found or added). */
uint32_t intern_find_meta(const struct intern *in, const char *s, size_t len,
                          struct intern_meta *meta);
uint32_t intern_add_meta(struct intern *in, const char *s, size_t len, struct intern_meta *meta);

/*
 * Split lookup, so that a caller resolving several strings can overlap their memory
 * accesses: h = intern_hash_bytes(s, len), intern_prefetch(in, h) for each string, then
 * intern_find_hashed(in, s, len, h, meta) for each (same result as intern_find_meta).
 */
uint64_t intern_hash_bytes(const char *s, size_t len);
void intern_prefetch(const struct intern *in, uint64_t h);
uint32_t intern_find_hashed(const struct intern *in, const char *s, size_t len, uint64_t h,
                            struct intern_meta *meta);

const char *intern_str(const struct intern *in, uint32_t id); /* NUL-terminated */
uint64_t intern_hash(const struct intern *in, uint32_t id);
uint32_t intern_tag(const struct intern *in, uint32_t id);
void intern_set_tag(struct intern *in, uint32_t id, uint32_t tag);

#endif
