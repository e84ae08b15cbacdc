/* strdict — string interning with FNV-1a hashing and linear probing. */
#include "core/strdict.h"
#include "core/err.h"

#include <stdlib.h>
#include <string.h>

uint64_t strdict_hash(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h ^ (h >> 29);
}

void strdict_init(struct strdict *d)
{
	memset(d, 0, sizeof(*d));
}

void strdict_release(struct strdict *d)
{
	for (int32_t i = 0; i < d->n; i++)
		free(d->strs[i]);
	free(d->strs);
	free(d->lens);
	free(d->slots);
	free(d->hashes);
	strdict_init(d);
}

int32_t strdict_find(const struct strdict *d, const char *s, size_t len)
{
	if (!d->nslots)
		return -1;
	uint64_t h = strdict_hash(s, len);
	size_t mask = d->nslots - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		int32_t k = d->slots[i];
		if (k < 0)
			return -1;
		if (d->hashes[k] == h && d->lens[k] == len && !memcmp(d->strs[k], s, len))
			return k;
	}
}

static void rehash(struct strdict *d, size_t nslots)
{
	free(d->slots);
	d->slots = xmallocarray(nslots, sizeof(*d->slots));
	memset(d->slots, 0xff, nslots * sizeof(*d->slots));
	d->nslots = nslots;
	for (int32_t k = 0; k < d->n; k++) {
		size_t i = d->hashes[k] & (nslots - 1);
		while (d->slots[i] >= 0)
			i = (i + 1) & (nslots - 1);
		d->slots[i] = k;
	}
}

int32_t strdict_intern(struct strdict *d, const char *s, size_t len)
{
	int32_t k = strdict_find(d, s, len);
	if (k >= 0)
		return k;
	if (d->n == INT32_MAX)
		WB_BUG("strdict overflow");
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 16;
		d->strs = xreallocarray(d->strs, (size_t)d->cap, sizeof(*d->strs));
		d->lens = xreallocarray(d->lens, (size_t)d->cap, sizeof(*d->lens));
		d->hashes = xreallocarray(d->hashes, (size_t)d->cap, sizeof(*d->hashes));
	}
	k = d->n++;
	d->strs[k] = xstrndup(s, len);
	d->lens[k] = len;
	d->hashes[k] = strdict_hash(s, len);
	if ((size_t)d->n * 2 > d->nslots) {
		rehash(d, d->nslots ? d->nslots * 2 : 32);
	} else {
		size_t i = d->hashes[k] & (d->nslots - 1);
		while (d->slots[i] >= 0)
			i = (i + 1) & (d->nslots - 1);
		d->slots[i] = k;
	}
	return k;
}

char **strdict_take(struct strdict *d, int32_t *n)
{
	char **strs = d->strs;
	*n = d->n;
	d->strs = NULL;
	d->n = 0;
	free(d->lens);
	free(d->slots);
	free(d->hashes);
	strdict_init(d);
	return strs;
}
