/*
 * strdict — an insertion-ordered set of strings with O(1) lookup, mapping each
 * distinct string to a dense index 0..n-1.  Used to build categorical
 * dictionaries (CSV loading, encoders) and group-by keys.
 *
 * The dict owns copies of its strings.  Indices never change once given, so
 * `strdict_take` can hand the strings over as a cat column's levels.
 */
#ifndef WB_STRDICT_H
#define WB_STRDICT_H

#include <stddef.h>
#include <stdint.h>

struct strdict {
	char **strs;      /* strs[i] is the string with index i */
	size_t *lens;
	int32_t n, cap;
	int32_t *slots;   /* open addressing: index or -1 */
	uint64_t *hashes; /* hash of strs[i] */
	size_t nslots;
};

void strdict_init(struct strdict *d);
void strdict_release(struct strdict *d);
/* Index of s, or -1. */
int32_t strdict_find(const struct strdict *d, const char *s, size_t len);
/* Index of s, adding a copy if new. */
int32_t strdict_intern(struct strdict *d, const char *s, size_t len);
/* Hands over the array of strings (caller owns it and each string) and
 * leaves the dict empty. */
char **strdict_take(struct strdict *d, int32_t *n);

uint64_t strdict_hash(const char *s, size_t len);

#endif
