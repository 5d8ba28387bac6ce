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
 * Implementation: open addressing with linear probing over 16-byte slots holding the entry
 * pointer, a 32-bit fingerprint and the id (no well-kept C hash table in Debian fits this
 * layout, so it is written here). Lookup is O(length) expected; iteration is by id.
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

size_t intern_count(const struct intern *in);
const char *intern_str(const struct intern *in, uint32_t id); /* NUL-terminated */
size_t intern_len(const struct intern *in, uint32_t id);
uint64_t intern_hash(const struct intern *in, uint32_t id);
uint32_t intern_tag(const struct intern *in, uint32_t id);
void intern_set_tag(struct intern *in, uint32_t id, uint32_t tag);
size_t intern_bytes(const struct intern *in); /* memory held, for benchmarks */

#endif
