/* csv_text — text cells while reading: chunk-local cell buffers (tbuf) and
 * the per-column builder (gtext) that keeps a dictionary while the column may
 * still become cat and plain text once it has too many levels. */
#include "core/csv_int.h"
#include "core/err.h"

#include <stdlib.h>
#include <string.h>

void csv_tbuf_clear(struct csv_tbuf *t)
{
	t->ncell = 0;
	t->blen = 0;
}

void csv_tbuf_free(struct csv_tbuf *t)
{
	free(t->offs);
	free(t->miss);
	free(t->bytes);
	memset(t, 0, sizeof(*t));
}

/* Appends a cell; with dq set, doubled quotes are undoubled. */
void csv_tbuf_put(struct csv_tbuf *t, const char *s, size_t len, int miss, int dq)
{
	if (t->ncell + 2 > t->ccap) {
		t->ccap = t->ccap ? 2 * t->ccap : 1024;
		t->offs = xreallocarray(t->offs, t->ccap, sizeof(*t->offs));
		t->miss = xrealloc(t->miss, t->ccap);
	}
	if (t->blen + len + 1 > t->bcap) {
		t->bcap = t->bcap ? 2 * t->bcap : 16384;
		if (t->bcap < t->blen + len + 1)
			t->bcap = t->blen + len + 1;
		t->bytes = xrealloc(t->bytes, t->bcap);
	}
	t->offs[t->ncell] = t->blen;
	char *o = t->bytes + t->blen;
	if (dq) {
		for (size_t i = 0; i < len; i++) {
			*o++ = s[i];
			if (s[i] == '"')
				i++;
		}
	} else {
		memcpy(o, s, len);
		o += len;
	}
	*o++ = '\0';
	t->blen = (size_t)(o - t->bytes);
	t->miss[t->ncell++] = (uint8_t)miss;
	t->offs[t->ncell] = t->blen;
}

void csv_gtext_init(struct csv_gtext *g, int forced)
{
	memset(g, 0, sizeof(*g));
	g->forced = forced;
	g->is_str = forced == COL_STR;
	strdict_init(&g->d);
}

void csv_gtext_release(struct csv_gtext *g)
{
	strdict_release(&g->d);
	free(g->codes);
	free(g->offs);
	free(g->bytes);
	free(g->valid);
	csv_gtext_init(g, g->forced);
}

static void csv_gtext_reserve(struct csv_gtext *g, size_t need)
{
	if (need <= g->cap)
		return;
	g->cap = need > 2 * g->cap ? need : 2 * g->cap;
	if (g->is_str) {
		g->offs = xreallocarray(g->offs, g->cap + 1, sizeof(*g->offs));
		g->valid = xrealloc(g->valid, g->cap);
	} else {
		g->codes = xreallocarray(g->codes, g->cap, sizeof(*g->codes));
	}
}

static void csv_gtext_put_str(struct csv_gtext *g, const char *s, size_t len, int miss)
{
	if (g->blen + len + 1 > g->bcap) {
		g->bcap = g->bcap ? 2 * g->bcap : 65536;
		if (g->bcap < g->blen + len + 1)
			g->bcap = g->blen + len + 1;
		g->bytes = xrealloc(g->bytes, g->bcap);
	}
	if (!g->offs) {
		g->offs = xreallocarray(NULL, g->cap + 1, sizeof(*g->offs));
		g->valid = xrealloc(NULL, g->cap ? g->cap : 1);
	}
	g->offs[g->n] = g->blen;
	memcpy(g->bytes + g->blen, s, len);
	g->blen += len;
	g->bytes[g->blen++] = '\0';
	g->valid[g->n] = (uint8_t)!miss;
	g->n++;
	g->offs[g->n] = g->blen;
}

/* Too many levels for a category: turn the dictionary into plain text. */
static void csv_gtext_to_str(struct csv_gtext *g)
{
	int32_t *codes = g->codes;
	size_t n = g->n;
	struct strdict d = g->d;

	g->codes = NULL;
	strdict_init(&g->d);
	g->is_str = 1;
	g->n = 0;
	g->offs = xreallocarray(NULL, g->cap + 1, sizeof(*g->offs));
	g->valid = xrealloc(NULL, g->cap ? g->cap : 1);
	g->offs[0] = 0;
	for (size_t i = 0; i < n; i++) {
		if (codes[i] < 0)
			csv_gtext_put_str(g, "", 0, 1);
		else
			csv_gtext_put_str(g, d.strs[codes[i]], d.lens[codes[i]], 0);
	}
	free(codes);
	strdict_release(&d);
}

void csv_gtext_put(struct csv_gtext *g, const char *s, size_t len, int miss)
{
	csv_gtext_reserve(g, g->n + 1);
	g->nonmiss += !miss;
	if (g->is_str) {
		csv_gtext_put_str(g, s, len, miss);
		return;
	}
	g->codes[g->n++] = miss ? -1 : strdict_intern(&g->d, s, len);
	if (g->d.n > CSV_CAT_MAX_LEVELS && g->forced != COL_CAT)
		csv_gtext_to_str(g);
}

void csv_gtext_get(const struct csv_gtext *g, size_t i, const char **s, size_t *len, int *miss)
{
	if (g->is_str) {
		*s = g->bytes + g->offs[i];
		*len = g->offs[i + 1] - g->offs[i] - 1;
		*miss = !g->valid[i];
	} else if (g->codes[i] < 0) {
		*s = "";
		*len = 0;
		*miss = 1;
	} else {
		*s = g->d.strs[g->codes[i]];
		*len = g->d.lens[g->codes[i]];
		*miss = 0;
	}
}

static int cmp_level(const void *a, const void *b)
{
	return strcmp(**(char *const *const *)a, **(char *const *const *)b);
}

/* The final column: cat (levels sorted bytewise, so the result is
 * canonical) or str. */
struct column *csv_gtext_finish(struct csv_gtext *g)
{
	size_t n = g->n;
	int32_t nd = g->d.n;
	int cat = !g->is_str && (g->forced == COL_CAT ||
				 (g->forced < 0 && column_text_is_cat((size_t)nd, g->nonmiss)));
	if (!cat) {
		if (!g->is_str)
			csv_gtext_to_str(g);
		if (!g->offs) {
			g->offs = xcalloc(1, sizeof(*g->offs));
			g->valid = xmalloc(1);
		}
		if (!g->bytes)
			g->bytes = xcalloc(1, 1);
		struct column *c = column_new_str(n, g->offs, g->bytes, g->valid);
		column_compact_valid(c);
		g->offs = NULL, g->bytes = NULL, g->valid = NULL;
		return c;
	}
	char **levels = strdict_take(&g->d, &nd);
	char ***ptrs = xmallocarray((size_t)nd + 1, sizeof(*ptrs));
	for (int32_t k = 0; k < nd; k++)
		ptrs[k] = &levels[k];
	qsort(ptrs, (size_t)nd, sizeof(*ptrs), cmp_level);
	int32_t *remap = xmallocarray((size_t)nd + 1, sizeof(*remap));
	char **sorted = xmallocarray((size_t)nd + 1, sizeof(*sorted));
	for (int32_t k = 0; k < nd; k++) {
		remap[ptrs[k] - levels] = k;
		sorted[k] = *ptrs[k];
	}
	int32_t *codes = g->codes ? g->codes : xmalloc(1);
	for (size_t i = 0; i < n; i++)
		if (codes[i] >= 0)
			codes[i] = remap[codes[i]];
	g->codes = NULL;
	free(remap);
	free(ptrs);
	free(levels);
	return column_new_cat(n, codes, sorted, nd);
}

