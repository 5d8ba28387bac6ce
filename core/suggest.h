/*
 * suggest: the nearest of a list of names to a misspelt one, for "did you mean" in error
 * messages (scenario keys and values, analyze's --metric columns).
 */
#ifndef ATLAS_CORE_SUGGEST_H
#define ATLAS_CORE_SUGGEST_H

#include <stddef.h>

/* Levenshtein distance (insertions, deletions, substitutions); SIZE_MAX past 63 bytes. */
size_t suggest_distance(const char *a, const char *b);

/* The candidate closest to word if close enough to be a plausible typo, else NULL. */
const char *suggest_closest(const char *word, const char *const *cands, size_t n);

#endif
