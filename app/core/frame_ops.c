/*
 * frame_ops — choosing columns and rows: select, drop, rename, slice, take,
 * filter, split, sample.  (Sorting lives in frame_sort.c, the condition
 * compiler in expr.c.)
 *
 * Columns whose rows do not change are shared by reference; row operations
 * build new columns with column_take.  Every result is sealed with
 * H(op, params, input hash) where params is canonical JSON of everything
 * that determines the output.
 */
#include "core/frame_ops.h"
#include "core/expr.h"
#include "core/rng.h"
#include "core/stats.h"
#include "core/numparse.h"

#include <jansson.h>
#include <strings.h>

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- small helpers: JSON text, edit distance ---- */

struct sbuf {
	char *s;
	size_t len, cap;
};

static void sb_add(struct sbuf *b, const char *t)
{
	size_t n = strlen(t);
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, t, n + 1);
	b->len += n;
}

static void sb_add_json(struct sbuf *b, const char *t)
{
	char *q = frame_json_str(t);
	sb_add(b, q);
	free(q);
}

char *frame_json_str(const char *s)
{
	size_t n = strlen(s);
	char *out = xmallocarray(n * 6 + 3, 1), *p = out;
	*p++ = '"';
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\') {
			*p++ = '\\';
			*p++ = (char)ch;
		} else if (ch < 0x20) {
			p += sprintf(p, "\\u%04x", ch);
		} else {
			*p++ = (char)ch;
		}
	}
	*p++ = '"';
	*p = '\0';
	return out;
}

/* {"names":["a","b"]}-style params for a list of names. */
static char *names_params(const char *key, const char *const *names, int n)
{
	struct sbuf b = { 0 };
	sb_add(&b, "{\"");
	sb_add(&b, key);
	sb_add(&b, "\":[");
	for (int k = 0; k < n; k++) {
		if (k)
			sb_add(&b, ",");
		sb_add_json(&b, names[k]);
	}
	sb_add(&b, "]}");
	return b.s;
}

/* Optimal string alignment distance (adjacent swaps count once: "Aeg"). */
static int edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 64 || lb > 64)
		return 99;
	int d[65][65];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (int)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			int cost = a[i - 1] != b[j - 1];
			int v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < v)
				v = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

const char *frame_suggest(const struct frame *f, const char *name)
{
	const char *best = NULL;
	int bestd = 3;
	for (int j = 0; j < f->ncol; j++) {
		int d = edit_distance(name, f->names[j]);
		if (d < bestd) {
			bestd = d;
			best = f->names[j];
		}
	}
	if (!best) {
		/* A case slip is a likely typo whatever the length. */
		for (int j = 0; j < f->ncol; j++)
			if (!strcasecmp(name, f->names[j]))
				return f->names[j];
	}
	return best;
}

int frame_err_unknown(struct wb_err *err, const struct frame *f, const char *who,
		      const char *name, const char *where)
{
	const char *s = frame_suggest(f, name);
	if (s)
		return wb_error(err, "%s: unknown column '%s'%s (did you mean '%s'?)", who, name,
				where ? where : "", s);
	return wb_error(err, "%s: unknown column '%s'%s", who, name, where ? where : "");
}

/* ---- columns ---- */

struct frame *frame_select(const struct frame *f, const char *const *names, int n,
			   struct wb_err *err)
{
	for (int k = 0; k < n; k++)
		if (frame_find(f, names[k]) < 0) {
			frame_err_unknown(err, f, "select", names[k], NULL);
			return NULL;
		}
	struct frame *out = frame_new(f->nrow);
	for (int k = 0; k < n; k++) {
		if (frame_add(out, names[k], column_ref(frame_col(f, names[k])), err) < 0) {
			wb_error_prefix(err, "select");
			frame_unref(out);
			return NULL;
		}
	}
	char *params = names_params("names", names, n);
	frame_seal_derived(out, "select", params, &f, 1);
	free(params);
	return out;
}

struct frame *frame_drop(const struct frame *f, const char *const *names, int n,
			 struct wb_err *err)
{
	for (int k = 0; k < n; k++)
		if (frame_find(f, names[k]) < 0) {
			frame_err_unknown(err, f, "drop", names[k], NULL);
			return NULL;
		}
	struct frame *out = frame_new(f->nrow);
	for (int j = 0; j < f->ncol; j++) {
		int dropped = 0;
		for (int k = 0; k < n && !dropped; k++)
			dropped = !strcmp(f->names[j], names[k]);
		if (!dropped)
			frame_add(out, f->names[j], column_ref(f->cols[j]), NULL);
	}
	char *params = names_params("names", names, n);
	frame_seal_derived(out, "drop", params, &f, 1);
	free(params);
	return out;
}

struct frame *frame_rename(const struct frame *f, const char *const *from,
			   const char *const *to, int n, struct wb_err *err)
{
	for (int k = 0; k < n; k++)
		if (frame_find(f, from[k]) < 0) {
			frame_err_unknown(err, f, "rename", from[k], NULL);
			return NULL;
		}
	struct frame *out = frame_new(f->nrow);
	for (int j = 0; j < f->ncol; j++) {
		const char *name = f->names[j];
		for (int k = 0; k < n; k++)
			if (!strcmp(f->names[j], from[k]))
				name = to[k];
		if (frame_add(out, name, column_ref(f->cols[j]), err) < 0) {
			wb_error_prefix(err, "rename");
			frame_unref(out);
			return NULL;
		}
	}
	struct sbuf b = { 0 };
	sb_add(&b, "{\"from\":[");
	for (int k = 0; k < n; k++) {
		if (k)
			sb_add(&b, ",");
		sb_add_json(&b, from[k]);
	}
	sb_add(&b, "],\"to\":[");
	for (int k = 0; k < n; k++) {
		if (k)
			sb_add(&b, ",");
		sb_add_json(&b, to[k]);
	}
	sb_add(&b, "]}");
	frame_seal_derived(out, "rename", b.s, &f, 1);
	free(b.s);
	return out;
}

/* ---- rows ---- */

/* New columns for rows idx[0..n): the columns are independent, so they are
 * gathered in parallel (the result does not depend on the thread count). */
static struct frame *take_rows(const struct frame *f, const size_t *idx, size_t n)
{
	struct frame *out = frame_new(n);
	struct column **cols = xcalloc((size_t)f->ncol + 1, sizeof(*cols));
#pragma omp parallel for schedule(dynamic, 1) if (n * (size_t)f->ncol > 200000)
	for (int j = 0; j < f->ncol; j++)
		cols[j] = column_take(f->cols[j], idx, n);
	for (int j = 0; j < f->ncol; j++)
		frame_add(out, f->names[j], cols[j], NULL);
	free(cols);
	return out;
}

struct frame *frame_slice(const struct frame *f, size_t start, size_t count)
{
	if (start > f->nrow)
		start = f->nrow;
	if (count > f->nrow - start)
		count = f->nrow - start;
	struct frame *out = frame_new(count);
	for (int j = 0; j < f->ncol; j++) {
		struct column *c = count == f->nrow ? column_ref(f->cols[j])
						    : column_slice(f->cols[j], start, count);
		frame_add(out, f->names[j], c, NULL);
	}
	/* head and tail are slices too, so equal rows hash alike. */
	char params[96];
	snprintf(params, sizeof(params), "{\"start\":%zu,\"count\":%zu}", start, count);
	frame_seal_derived(out, "slice", params, &f, 1);
	return out;
}

struct frame *frame_head(const struct frame *f, size_t n)
{
	return frame_slice(f, 0, n);
}

struct frame *frame_tail(const struct frame *f, size_t n)
{
	return frame_slice(f, n >= f->nrow ? 0 : f->nrow - n, n);
}

struct frame *frame_take(const struct frame *f, const size_t *idx, size_t n,
			 const char *op, const char *params)
{
	struct frame *out = take_rows(f, idx, n);
	frame_seal_derived(out, op ? op : "take", params ? params : "{}", &f, 1);
	return out;
}

struct frame *frame_filter_mask(const struct frame *f, const uint8_t *mask)
{
	size_t n = 0;
	uint8_t *norm = xmalloc(f->nrow ? f->nrow : 1);
	for (size_t i = 0; i < f->nrow; i++) {
		norm[i] = mask[i] != 0;
		n += norm[i];
	}
	size_t *idx = xmallocarray(n, sizeof(size_t)), k = 0;
	for (size_t i = 0; i < f->nrow; i++)
		if (norm[i])
			idx[k++] = i;
	struct frame *out = take_rows(f, idx, n);
	/* Hashed by the (0/1-normalised) mask: two conditions that select the
	 * same rows give the same frame hash. */
	unsigned char h[WB_HASH_LEN];
	char hex[WB_HASH_HEX], params[WB_HASH_HEX + 16];
	hash_bytes(norm, f->nrow, h);
	hash_hex(h, hex);
	snprintf(params, sizeof(params), "{\"mask\":\"%s\"}", hex);
	frame_seal_derived(out, "filter", params, &f, 1);
	free(idx);
	free(norm);
	return out;
}

int frame_eval_mask(const struct frame *f, const char *src, uint8_t *mask, struct wb_err *err)
{
	struct expr *e = expr_compile(f, src, "filter", err);
	if (!e)
		return -1;
	expr_eval(e, mask);
	expr_free(e);
	return 0;
}

struct frame *frame_filter_expr(const struct frame *f, const char *src, struct wb_err *err)
{
	uint8_t *mask = xmalloc(f->nrow ? f->nrow : 1);
	struct frame *out = NULL;
	if (frame_eval_mask(f, src, mask, err) == 0)
		out = frame_filter_mask(f, mask);
	free(mask);
	return out;
}

/* ---- split and sample ---- */

/* Rows of part `want` (0 train, 1 test) in original order, as a frame. */
static struct frame *split_part(const struct frame *f, const uint8_t *is_test, int want,
				const char *params_head)
{
	size_t n = 0;
	for (size_t i = 0; i < f->nrow; i++)
		n += is_test[i] == want;
	size_t *idx = xmallocarray(n, sizeof(size_t)), k = 0;
	for (size_t i = 0; i < f->nrow; i++)
		if (is_test[i] == want)
			idx[k++] = i;
	char *params = xasprintf("%s,\"part\":\"%s\"}", params_head, want ? "test" : "train");
	struct frame *out = frame_take(f, idx, n, "split", params);
	free(params);
	free(idx);
	return out;
}

/* Marks round(m * test) of rows[0..m) as test, chosen by a partial
 * Fisher–Yates shuffle (so the draw is uniform and stream-deterministic). */
static void pick_test(struct rng *r, size_t *rows, size_t m, double test, uint8_t *is_test)
{
	size_t nt = (size_t)llround((double)m * test);
	for (size_t k = 0; k < nt; k++) {
		size_t j = k + (size_t)rng_below(r, m - k);
		size_t t = rows[k];
		rows[k] = rows[j];
		rows[j] = t;
		is_test[rows[k]] = 1;
	}
}

int frame_split(const struct frame *f, const struct split_opts *o,
		struct frame **train, struct frame **test, struct wb_err *err)
{
	*train = *test = NULL;
	if (!(o->test > 0 && o->test < 1))
		return wb_error(err, "split: test fraction must be in (0, 1), got %g", o->test);
	struct column *sc = NULL;
	if (o->stratify) {
		sc = frame_col(f, o->stratify);
		if (!sc)
			return frame_err_unknown(err, f, "split", o->stratify, NULL);
		if (sc->kind == COL_NUM || sc->kind == COL_TIME)
			return wb_error(err, "split: cannot stratify by %s column '%s' (use cat, str, int or bool)",
					col_kind_name(sc->kind), o->stratify);
	}
	struct rng r;
	rng_derive(&r, o->seed, "split");
	uint8_t *is_test = xcalloc(f->nrow ? f->nrow : 1, 1);
	size_t *rows = xmallocarray(f->nrow, sizeof(size_t));
	if (!sc) {
		for (size_t i = 0; i < f->nrow; i++)
			rows[i] = i;
		pick_test(&r, rows, f->nrow, o->test, is_test);
	} else {
		/* Classes in order of first appearance, each a contiguous run of
		 * its rows (counting sort by class id), then one shuffle per class
		 * from the same stream. */
		size_t ng, *gid = frame_group_ids(&sc, 1, f->nrow, &ng, NULL);
		size_t *start = frame_group_rows(gid, f->nrow, ng, rows);
		for (size_t g = 0; g < ng; g++)
			pick_test(&r, rows + start[g], start[g + 1] - start[g], o->test, is_test);
		free(start);
		free(gid);
	}
	free(rows);
	char tbuf[40];
	fmt_double(o->test, tbuf, sizeof(tbuf));
	char *strat = o->stratify ? frame_json_str(o->stratify) : xstrdup("null");
	char *head = xasprintf("{\"test\":%s,\"stratify\":%s,\"seed\":%" PRIu64, tbuf, strat, o->seed);
	*train = split_part(f, is_test, 0, head);
	*test = split_part(f, is_test, 1, head);
	free(head);
	free(strat);
	free(is_test);
	return 0;
}

struct frame *frame_sample(const struct frame *f, size_t n, int replace, uint64_t seed,
			   struct wb_err *err)
{
	if (!replace && n > f->nrow) {
		wb_error(err, "sample: cannot draw %zu rows from %zu without replacement", n, f->nrow);
		return NULL;
	}
	if (replace && n > 0 && f->nrow == 0) {
		wb_error(err, "sample: cannot draw %zu rows from an empty frame", n);
		return NULL;
	}
	struct rng r;
	rng_derive(&r, seed, "sample");
	size_t *idx = xmallocarray(n, sizeof(size_t));
	if (replace) {
		for (size_t k = 0; k < n; k++)
			idx[k] = (size_t)rng_below(&r, f->nrow);
	} else {
		size_t *pool = xmallocarray(f->nrow, sizeof(size_t));
		for (size_t i = 0; i < f->nrow; i++)
			pool[i] = i;
		for (size_t k = 0; k < n; k++) {
			size_t j = k + (size_t)rng_below(&r, f->nrow - k), t = pool[k];
			pool[k] = pool[j];
			pool[j] = t;
			idx[k] = pool[k];
		}
		free(pool);
	}
	char params[128];
	snprintf(params, sizeof(params), "{\"n\":%zu,\"replace\":%s,\"seed\":%" PRIu64 "}", n,
		 replace ? "true" : "false", seed);
	struct frame *out = frame_take(f, idx, n, "sample", params);
	free(idx);
	return out;
}

/* ---------------------------------------------------------------- cast */

/* Cell i of c as text into buf (STR/CAT cells may be longer than buf:
 * *text points at them directly).  Returns 0 when the cell is missing. */
static int cell_text(const struct column *c, size_t i, char *buf, size_t size,
		     const char **text, size_t *len)
{
	if (column_is_missing(c, i))
		return 0;
	if (c->kind == COL_STR || c->kind == COL_CAT) {
		*text = column_get_text(c, i, len);
		return *text != NULL;
	}
	*len = column_format(c, i, buf, size);
	*text = buf;
	return 1;
}

static int parse_bool(const char *s, size_t len, int8_t *out)
{
	static const char *const yes[] = { "true", "yes", "1", "t", "y" };
	static const char *const no[] = { "false", "no", "0", "f", "n" };
	for (size_t k = 0; k < sizeof(yes) / sizeof(yes[0]); k++) {
		if (strlen(yes[k]) == len && !strncasecmp(s, yes[k], len))
			return *out = 1, 0;
		if (strlen(no[k]) == len && !strncasecmp(s, no[k], len))
			return *out = 0, 0;
	}
	return -1;
}

/* Converts c to kind through each cell's text, as if the column had been
 * read from CSV as that kind.  A cell that does not convert is an error
 * naming its row and text: a cast never loses a value silently. */
static struct column *cast_column(const struct column *c, enum col_kind kind,
				  const char *name, struct wb_err *err)
{
	size_t n = c->n;
	if (kind == COL_STR || kind == COL_CAT) {
		const char **strs = xcalloc(n + 1, sizeof(char *));
		char **own = xcalloc(n + 1, sizeof(char *));
		char buf[64];
		for (size_t i = 0; i < n; i++) {
			const char *t;
			size_t len;
			if (cell_text(c, i, buf, sizeof(buf), &t, &len))
				strs[i] = own[i] = xstrndup(t, len);
		}
		struct column *s = column_from_strings(strs, n);
		for (size_t i = 0; i < n; i++)
			free(own[i]);
		free(own);
		free(strs);
		if (kind == COL_STR)
			return s;
		struct column *cat = column_to_cat(s);
		column_unref(s);
		return cat;
	}
	struct column *out = column_new(kind, n); /* all missing */
	char buf[64];
	for (size_t i = 0; i < n; i++) {
		const char *t;
		size_t len;
		if (!cell_text(c, i, buf, sizeof(buf), &t, &len))
			continue;
		int64_t iv = 0;
		double dv = 0;
		const char *stop;
		int ok = 0;
		switch (kind) {
		case COL_NUM: {
			enum numparse_kind k = numparse(t, t + len, &iv, &dv, &stop);
			if ((ok = k != NP_NONE && stop == t + len))
				out->num[i] = dv;
			if (!ok && c->kind == COL_TIME)
				ok = 1, out->num[i] = (double)c->i64[i] / 1e6;
			break;
		}
		case COL_INT: {
			enum numparse_kind k = numparse(t, t + len, &iv, &dv, &stop);
			if (k == NP_NUM && stop == t + len && dv == (double)(int64_t)dv &&
			    dv >= -9.2e18 && dv <= 9.2e18)
				k = NP_INT, iv = (int64_t)dv;
			if ((ok = k == NP_INT && stop == t + len))
				out->i64[i] = iv;
			break;
		}
		case COL_BOOL:
			ok = parse_bool(t, len, &out->b[i]) == 0;
			break;
		case COL_TIME:
			ok = parse_time(t, len, &out->i64[i]) == 0;
			break;
		default:
			break;
		}
		if (!ok) {
			column_unref(out);
			wb_error(err, "cast: column '%s' row %zu: '%.*s' is not %s %s", name, i + 1,
				 (int)(len > 60 ? 60 : len), t, kind == COL_INT ? "an" : "a",
				 kind == COL_NUM ? "number" : kind == COL_INT ? "integer"
				 : kind == COL_BOOL ? "boolean (true/false, yes/no, 1/0)"
				 : "time (ISO 8601)");
			return NULL;
		}
		if (kind == COL_INT || kind == COL_TIME)
			out->valid[i] = 1;
	}
	return out;
}

struct frame *frame_cast(const struct frame *f, const char *const *names,
			 const enum col_kind *kinds, int n, struct wb_err *err)
{
	for (int k = 0; k < n; k++)
		if (frame_find(f, names[k]) < 0) {
			frame_err_unknown(err, f, "cast", names[k], NULL);
			return NULL;
		}
	struct frame *out = frame_new(f->nrow);
	json_t *pj = json_object();
	for (int j = 0; j < f->ncol; j++) {
		struct column *c = NULL;
		for (int k = 0; k < n && !c; k++) {
			if (strcmp(names[k], f->names[j]))
				continue;
			c = cast_column(f->cols[j], kinds[k], names[k], err);
			if (!c) {
				json_decref(pj);
				frame_unref(out);
				return NULL;
			}
			json_object_set_new(pj, names[k], json_string(col_kind_name(kinds[k])));
		}
		if (!c)
			c = column_ref(f->cols[j]);
		if (frame_add(out, f->names[j], c, err) < 0) {
			json_decref(pj);
			frame_unref(out);
			return NULL;
		}
	}
	char *params = json_dumps(pj, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(pj);
	frame_seal_derived(out, "cast", params, &f, 1);
	free(params);
	return out;
}
