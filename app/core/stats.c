/*
 * stats — describe, value counts and group-by, all returning sealed frames.
 *
 * Grouping hashes key tuples into an open-addressing table of row indices
 * (linear in the rows); describe sorts each column's non-missing values once
 * with the radix sort from frame_sort.c, and reads quartiles, distinct
 * values and the most frequent value off the sorted run — cheaper than a
 * separate hash set, and the tie rule (smallest value wins) falls out of
 * the order.
 */
#include "core/stats.h"
#include "core/frame_ops.h"
#include "core/strdict.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIGN64 (1ULL << 63)

static const char *const agg_names[] = {
	[AGG_COUNT] = "count", [AGG_SUM] = "sum", [AGG_MEAN] = "mean",
	[AGG_MIN] = "min", [AGG_MAX] = "max", [AGG_MEDIAN] = "median",
};

int agg_fn_parse(const char *name, enum agg_fn *out)
{
	for (int k = 0; k <= AGG_MEDIAN; k++)
		if (!strcmp(name, agg_names[k])) {
			*out = (enum agg_fn)k;
			return 0;
		}
	return -1;
}

const char *agg_fn_name(enum agg_fn fn)
{
	if ((unsigned)fn > AGG_MEDIAN)
		WB_BUG("bad aggregate %d", (int)fn);
	return agg_names[fn];
}

/* ---- group ids ---- */

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int is_missing_fast(const struct column *c, size_t i)
{
	switch (c->kind) {
	case COL_NUM: return isnan(c->num[i]);
	case COL_BOOL: return c->b[i] < 0;
	case COL_CAT: return c->codes[i] < 0;
	default: return c->valid && !c->valid[i];
	}
}

/* Folds column c's value of every row into h[] (one column at a time, so
 * the inner loop is per kind, not per cell). */
static void hash_column(const struct column *c, size_t n, uint64_t *h)
{
	const uint64_t miss = 0x6d697373696e6721ULL;
	for (size_t i = 0; i < n; i++) {
		uint64_t v;
		if (is_missing_fast(c, i)) {
			v = miss;
		} else {
			switch (c->kind) {
			case COL_NUM: {
				double x = c->num[i] == 0 ? 0.0 : c->num[i];
				memcpy(&v, &x, 8);
				break;
			}
			case COL_INT:
			case COL_TIME: v = (uint64_t)c->i64[i]; break;
			case COL_BOOL: v = (uint64_t)c->b[i]; break;
			case COL_CAT: v = (uint64_t)c->codes[i]; break;
			default: {
				size_t len = c->offs[i + 1] - c->offs[i] - 1;
				v = strdict_hash(c->bytes + c->offs[i], len);
			}
			}
		}
		h[i] = mix64(h[i] ^ mix64(v + 0x9e3779b97f4a7c15ULL));
	}
}

static int cells_equal(const struct column *c, size_t i, size_t j)
{
	int mi = is_missing_fast(c, i), mj = is_missing_fast(c, j);
	if (mi || mj)
		return mi && mj;
	switch (c->kind) {
	case COL_NUM: return c->num[i] == c->num[j];
	case COL_INT:
	case COL_TIME: return c->i64[i] == c->i64[j];
	case COL_BOOL: return c->b[i] == c->b[j];
	case COL_CAT: return c->codes[i] == c->codes[j];
	default: {
		size_t li = c->offs[i + 1] - c->offs[i], lj = c->offs[j + 1] - c->offs[j];
		return li == lj && !memcmp(c->bytes + c->offs[i], c->bytes + c->offs[j], li);
	}
	}
}

size_t *frame_group_ids(struct column *const *cols, int ncols, size_t n, size_t *ngroups,
			size_t **first)
{
	size_t *gid = xmallocarray(n, sizeof(size_t)), ng = 0, fcap = 16;
	size_t *firsts = xmallocarray(fcap, sizeof(size_t));

	if (ncols == 1 && (cols[0]->kind == COL_CAT || cols[0]->kind == COL_BOOL)) {
		/* Small dense domains: a direct map from code to group. */
		const struct column *c = cols[0];
		size_t dom = c->kind == COL_CAT ? (size_t)c->nlevels + 1 : 3;
		size_t *map = xmallocarray(dom, sizeof(size_t));
		for (size_t k = 0; k < dom; k++)
			map[k] = SIZE_MAX;
		for (size_t i = 0; i < n; i++) {
			size_t v = c->kind == COL_CAT ? (size_t)(c->codes[i] + 1) : (size_t)(c->b[i] + 1);
			if (map[v] == SIZE_MAX) {
				if (ng == fcap)
					firsts = xreallocarray(firsts, fcap *= 2, sizeof(size_t));
				firsts[ng] = i;
				map[v] = ng++;
			}
			gid[i] = map[v];
		}
		free(map);
	} else {
		uint64_t *h = xcalloc(n ? n : 1, sizeof(uint64_t));
		for (int k = 0; k < ncols; k++)
			hash_column(cols[k], n, h);
		size_t nslots = 16;
		while (nslots < 2 * n)
			nslots *= 2;
		size_t *slots = xmallocarray(nslots, sizeof(size_t)), mask = nslots - 1;
		for (size_t s = 0; s < nslots; s++)
			slots[s] = SIZE_MAX;
		for (size_t i = 0; i < n; i++) {
			size_t s = h[i] & mask;
			for (;; s = (s + 1) & mask) {
				size_t g = slots[s];
				if (g == SIZE_MAX) {
					if (ng == fcap)
						firsts = xreallocarray(firsts, fcap *= 2, sizeof(size_t));
					firsts[ng] = i;
					slots[s] = ng;
					gid[i] = ng++;
					break;
				}
				size_t r = firsts[g];
				if (h[r] == h[i]) {
					int eq = 1;
					for (int k = 0; k < ncols && eq; k++)
						eq = cells_equal(cols[k], r, i);
					if (eq) {
						gid[i] = g;
						break;
					}
				}
			}
		}
		free(slots);
		free(h);
	}
	*ngroups = ng;
	if (first)
		*first = firsts;
	else
		free(firsts);
	return gid;
}

size_t *frame_group_rows(const size_t *gid, size_t n, size_t ngroups, size_t *rows)
{
	size_t *start = xcalloc(ngroups + 2, sizeof(size_t));
	for (size_t i = 0; i < n; i++)
		start[gid[i] + 1]++;
	for (size_t g = 0; g < ngroups; g++)
		start[g + 1] += start[g];
	size_t *fill = xmallocarray(ngroups + 1, sizeof(size_t));
	memcpy(fill, start, (ngroups + 1) * sizeof(size_t));
	for (size_t i = 0; i < n; i++)
		rows[fill[gid[i]]++] = i;
	free(fill);
	return start;
}

/* ---- small column builders ---- */

static struct column *int_column(const int64_t *v, size_t n)
{
	struct column *c = column_new(COL_INT, n);
	memcpy(c->i64, v, n * sizeof(int64_t));
	memset(c->valid, 1, n);
	column_compact_valid(c);
	return c;
}

static struct column *num_column(const double *v, size_t n)
{
	struct column *c = column_new(COL_NUM, n);
	memcpy(c->num, v, n * sizeof(double));
	return c;
}

/* Linear interpolation between order statistics, as numpy's default
 * ("linear") method, including its choice of formula on each half, which
 * keeps results monotone and exact at the ends. */
static double quantile_sorted(const double *v, size_t n, double q)
{
	if (n == 0)
		return NAN;
	double pos = q * (double)(n - 1);
	size_t lo = (size_t)floor(pos);
	double t = pos - (double)lo;
	if (lo + 1 >= n)
		return v[n - 1];
	double a = v[lo], b = v[lo + 1], diff = b - a;
	return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/* ---- describe ---- */

struct desc {
	int64_t count, missing, distinct, top_count;
	double mean, std, min, q25, median, q75, max;
	char *top; /* NULL when no values */
};

static double key_value(const struct column *c, uint64_t k)
{
	switch (c->kind) {
	case COL_NUM: return frame_f64_unkey(k);
	case COL_BOOL: return (double)k;
	default: return (double)(int64_t)(k ^ SIGN64);
	}
}

static double quantile_keys(const struct column *c, const uint64_t *k, size_t n, double q)
{
	double pos = q * (double)(n - 1);
	size_t lo = (size_t)floor(pos);
	double t = pos - (double)lo;
	if (lo + 1 >= n)
		return key_value(c, k[n - 1]);
	double a = key_value(c, k[lo]), b = key_value(c, k[lo + 1]), diff = b - a;
	return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/* Numeric kinds: mean and std in two passes in row order (a fixed order, so
 * the same on any number of threads); then the non-missing values sorted as
 * order-preserving keys give min, quartiles, distinct and top in one scan.
 * keys and tmp are the caller's scratch of c->n entries. */
static void describe_sorted(const struct column *c, struct desc *d, uint64_t *keys, uint64_t *tmp)
{
	size_t n = c->n, m = 0;
	double sum = 0;
	for (size_t i = 0; i < n; i++) {
		if (is_missing_fast(c, i))
			continue;
		switch (c->kind) {
		case COL_NUM:
			keys[m++] = frame_f64_key(c->num[i]);
			sum += c->num[i];
			break;
		case COL_BOOL:
			keys[m++] = (uint64_t)c->b[i];
			sum += c->b[i];
			break;
		default:
			keys[m++] = (uint64_t)c->i64[i] ^ SIGN64;
			sum += (double)c->i64[i];
			break;
		}
	}
	d->count = (int64_t)m;
	d->missing = (int64_t)(n - m);
	if (m == 0)
		return;
	if (c->kind != COL_TIME) {
		double mean = sum / (double)m, ss = 0;
		for (size_t i = 0; i < n; i++) {
			if (is_missing_fast(c, i))
				continue;
			double x = c->kind == COL_NUM ? c->num[i] : c->kind == COL_BOOL ? c->b[i] : (double)c->i64[i];
			ss += (x - mean) * (x - mean);
		}
		d->mean = mean;
		d->std = m > 1 ? sqrt(ss / (double)(m - 1)) : NAN;
	}
	frame_radix_u64_buf(keys, NULL, m, tmp, NULL);

	size_t best = 0, bestlen = 0, distinct = 0;
	for (size_t i = 0; i < m;) {
		size_t j = i + 1;
		while (j < m && keys[j] == keys[i])
			j++;
		distinct++;
		if (j - i > bestlen) {
			bestlen = j - i;
			best = i;
		}
		i = j;
	}
	d->distinct = (int64_t)distinct;
	d->top_count = (int64_t)bestlen;
	char buf[64];
	switch (c->kind) {
	case COL_NUM: fmt_double(frame_f64_unkey(keys[best]), buf, sizeof(buf)); break;
	case COL_BOOL: snprintf(buf, sizeof(buf), "%s", keys[best] ? "true" : "false"); break;
	case COL_TIME: fmt_time((int64_t)(keys[best] ^ SIGN64), buf, sizeof(buf)); break;
	default: snprintf(buf, sizeof(buf), "%" PRId64, (int64_t)(keys[best] ^ SIGN64)); break;
	}
	d->top = xstrdup(buf);
	d->min = key_value(c, keys[0]);
	d->max = key_value(c, keys[m - 1]);
	if (c->kind != COL_TIME) {
		d->q25 = quantile_keys(c, keys, m, 0.25);
		d->median = quantile_keys(c, keys, m, 0.5);
		d->q75 = quantile_keys(c, keys, m, 0.75);
	}
}

static void describe_text(const struct column *c, struct desc *d)
{
	size_t n = c->n, nd;
	int64_t *counts;
	char **texts;
	size_t *lens;
	struct strdict dict;
	strdict_init(&dict);
	if (c->kind == COL_CAT) {
		nd = (size_t)c->nlevels;
		counts = xcalloc(nd + 1, sizeof(int64_t));
		texts = c->levels;
		lens = xmallocarray(nd + 1, sizeof(size_t));
		for (size_t l = 0; l < nd; l++)
			lens[l] = strlen(c->levels[l]);
		for (size_t i = 0; i < n; i++)
			if (c->codes[i] >= 0)
				counts[c->codes[i]]++;
	} else {
		size_t cap = 16;
		counts = xcalloc(cap, sizeof(int64_t));
		for (size_t i = 0; i < n; i++) {
			if (c->valid && !c->valid[i])
				continue;
			int32_t k = strdict_intern(&dict, c->bytes + c->offs[i], c->offs[i + 1] - c->offs[i] - 1);
			if ((size_t)k >= cap) {
				counts = xreallocarray(counts, cap * 2, sizeof(int64_t));
				memset(counts + cap, 0, cap * sizeof(int64_t));
				cap *= 2;
			}
			counts[k]++;
		}
		nd = (size_t)dict.n;
		texts = dict.strs;
		lens = dict.lens;
	}
	int64_t total = 0;
	size_t best = SIZE_MAX;
	for (size_t k = 0; k < nd; k++) {
		if (!counts[k])
			continue;
		d->distinct++;
		total += counts[k];
		if (best == SIZE_MAX || counts[k] > counts[best])
			best = k;
		else if (counts[k] == counts[best]) {
			size_t lb = lens[best], lk = lens[k];
			int r = memcmp(texts[k], texts[best], lk < lb ? lk : lb);
			if (r < 0 || (r == 0 && lk < lb))
				best = k;
		}
	}
	d->count = total;
	d->missing = (int64_t)n - total;
	if (best != SIZE_MAX) {
		d->top = xstrndup(texts[best], lens[best]);
		d->top_count = counts[best];
	}
	if (c->kind == COL_CAT)
		free(lens);
	free(counts);
	strdict_release(&dict);
}

struct frame *frame_describe(const struct frame *f)
{
	size_t nc = (size_t)f->ncol;
	struct desc *ds = xcalloc(nc + 1, sizeof(*ds));

	/* One column per task; each column's result depends on that column
	 * alone, so the output is the same on any number of threads.  Each
	 * thread reuses one pair of sort buffers for all its columns. */
#pragma omp parallel if (f->nrow * nc > 50000)
	{
		uint64_t *keys = NULL, *tmp = NULL;
#pragma omp for schedule(dynamic, 1)
		for (int j = 0; j < f->ncol; j++) {
			struct desc *d = &ds[j];
			d->mean = d->std = d->min = d->q25 = d->median = d->q75 = d->max = NAN;
			if (f->cols[j]->kind == COL_CAT || f->cols[j]->kind == COL_STR) {
				describe_text(f->cols[j], d);
			} else {
				if (!keys) {
					keys = xmallocarray(f->nrow + 1, sizeof(uint64_t));
					tmp = xmallocarray(f->nrow + 1, sizeof(uint64_t));
				}
				describe_sorted(f->cols[j], d, keys, tmp);
			}
		}
		free(keys);
		free(tmp);
	}

	struct frame *out = frame_new(nc);
	const char **names = xmallocarray(nc + 1, sizeof(char *));
	const char **kinds = xmallocarray(nc + 1, sizeof(char *));
	const char **tops = xmallocarray(nc + 1, sizeof(char *));
	int64_t *iv = xmallocarray(nc + 1, sizeof(int64_t));
	double *dv = xmallocarray(nc + 1, sizeof(double));
	for (size_t j = 0; j < nc; j++) {
		names[j] = f->names[j];
		kinds[j] = col_kind_name(f->cols[j]->kind);
		tops[j] = ds[j].top;
	}
	frame_add(out, "column", column_from_strings(names, nc), NULL);
	struct column *ks = column_from_strings(kinds, nc);
	frame_add(out, "kind", column_to_cat(ks), NULL);
	column_unref(ks);
#define INTCOL(field) do { \
	for (size_t j = 0; j < nc; j++) iv[j] = ds[j].field; \
	frame_add(out, #field, int_column(iv, nc), NULL); } while (0)
#define NUMCOL(field) do { \
	for (size_t j = 0; j < nc; j++) dv[j] = ds[j].field; \
	frame_add(out, #field, num_column(dv, nc), NULL); } while (0)
	INTCOL(count);
	INTCOL(missing);
	NUMCOL(mean);
	NUMCOL(std);
	NUMCOL(min);
	NUMCOL(q25);
	NUMCOL(median);
	NUMCOL(q75);
	NUMCOL(max);
	INTCOL(distinct);
	frame_add(out, "top", column_from_strings(tops, nc), NULL);
	INTCOL(top_count);
#undef INTCOL
#undef NUMCOL
	for (size_t j = 0; j < nc; j++)
		free(ds[j].top);
	free(ds);
	free(names);
	free(kinds);
	free(tops);
	free(iv);
	free(dv);
	frame_seal_derived(out, "describe", "{}", &f, 1);
	return out;
}

/* ---- value counts ---- */

struct vc_order {
	const int64_t *count;
	const size_t *rank;   /* position of each group in value order */
	const uint8_t *miss;
};

static int vc_cmp(const void *pa, const void *pb, void *ctx)
{
	const struct vc_order *o = ctx;
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	if (o->miss[a] != o->miss[b])
		return o->miss[a] - o->miss[b];
	if (o->count[a] != o->count[b])
		return o->count[a] > o->count[b] ? -1 : 1;
	return (o->rank[a] > o->rank[b]) - (o->rank[a] < o->rank[b]);
}

struct frame *frame_value_counts(const struct frame *f, const char *col, struct wb_err *err)
{
	struct column *c = frame_col(f, col);
	if (!c) {
		frame_err_unknown(err, f, "value_counts", col, NULL);
		return NULL;
	}
	size_t ng, *first, *gid = frame_group_ids(&c, 1, f->nrow, &ng, &first);
	int64_t *count = xcalloc(ng + 1, sizeof(int64_t));
	for (size_t i = 0; i < f->nrow; i++)
		count[gid[i]]++;
	free(gid);
	/* Values in sort order give each group its rank for the tie rule. */
	struct column *vals = column_take(c, first, ng);
	int desc0 = 0;
	size_t *byval = frame_sort_columns(&vals, &desc0, 1, ng);
	size_t *rank = xmallocarray(ng + 1, sizeof(size_t)), *order = xmallocarray(ng + 1, sizeof(size_t));
	uint8_t *miss = xmallocarray(ng + 1, 1);
	for (size_t k = 0; k < ng; k++) {
		rank[byval[k]] = k;
		order[k] = k;
		miss[k] = column_is_missing(vals, k);
	}
	struct vc_order o = { count, rank, miss };
	qsort_r(order, ng, sizeof(size_t), vc_cmp, &o);

	size_t *rows = xmallocarray(ng + 1, sizeof(size_t));
	int64_t *cnt = xmallocarray(ng + 1, sizeof(int64_t));
	for (size_t k = 0; k < ng; k++) {
		rows[k] = first[order[k]];
		cnt[k] = count[order[k]];
	}
	struct frame *out = frame_new(ng);
	frame_add(out, "value", column_take(c, rows, ng), NULL);
	frame_add(out, "count", int_column(cnt, ng), NULL);
	char *q = frame_json_str(col), *params = xasprintf("{\"col\":%s}", q);
	frame_seal_derived(out, "value_counts", params, &f, 1);
	free(q);
	free(params);
	column_unref(vals);
	free(byval);
	free(rank);
	free(order);
	free(miss);
	free(rows);
	free(cnt);
	free(count);
	free(first);
	return out;
}

/* ---- group-by ---- */

static int is_numeric_kind(enum col_kind k)
{
	return k == COL_NUM || k == COL_INT || k == COL_BOOL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* One aggregate over groups, in group-id order.  rows/start give each
 * group's rows contiguously (in original order). */
static struct column *aggregate(const struct column *c, enum agg_fn fn, const size_t *rows,
				const size_t *start, size_t ng)
{
	if (fn == AGG_COUNT) {
		int64_t *v = xmallocarray(ng + 1, sizeof(int64_t));
		for (size_t g = 0; g < ng; g++)
			v[g] = (int64_t)(start[g + 1] - start[g]);
		struct column *o = int_column(v, ng);
		free(v);
		return o;
	}
	if (fn == AGG_MIN || fn == AGG_MAX) {
		/* The extreme row of each group, taken from the column, keeps
		 * its kind (int stays int, time stays time). */
		size_t *pick = xmallocarray(ng + 1, sizeof(size_t));
		for (size_t g = 0; g < ng; g++) {
			size_t best = SIZE_MAX;
			for (size_t k = start[g]; k < start[g + 1]; k++) {
				size_t i = rows[k];
				if (is_missing_fast(c, i))
					continue;
				if (best == SIZE_MAX) {
					best = i;
					continue;
				}
				int r = column_cmp(c, i, best);
				if (fn == AGG_MIN ? r < 0 : r > 0)
					best = i;
			}
			pick[g] = best;
		}
		struct column *o = column_take(c, pick, ng);
		free(pick);
		return o;
	}
	double *v = xmallocarray(ng + 1, sizeof(double));
	double *tmp = fn == AGG_MEDIAN ? xmallocarray(c->n + 1, sizeof(double)) : NULL;
	for (size_t g = 0; g < ng; g++) {
		double sum = 0;
		size_t m = 0;
		for (size_t k = start[g]; k < start[g + 1]; k++) {
			double x = column_get_num(c, rows[k]);
			if (isnan(x))
				continue;
			if (tmp)
				tmp[m] = x;
			sum += x;
			m++;
		}
		if (fn == AGG_SUM) {
			v[g] = sum;
		} else if (fn == AGG_MEAN) {
			v[g] = m ? sum / (double)m : NAN;
		} else {
			qsort(tmp, m, sizeof(double), cmp_double);
			v[g] = quantile_sorted(tmp, m, 0.5);
		}
	}
	struct column *o = num_column(v, ng);
	free(v);
	free(tmp);
	return o;
}

static char *groupby_params(const char *const *keys, int nkeys, const struct agg_spec *aggs,
			    int naggs, char *const *outnames)
{
	size_t cap = 64, len = 0;
	char *s = xmalloc(cap);
	s[0] = '\0';
#define ADD(t) do { const char *t_ = (t); size_t n_ = strlen(t_); \
	if (len + n_ + 1 > cap) s = xrealloc(s, cap = (len + n_ + 1) * 2); \
	memcpy(s + len, t_, n_ + 1); len += n_; } while (0)
#define ADDJ(t) do { char *q_ = frame_json_str(t); ADD(q_); free(q_); } while (0)
	ADD("{\"keys\":[");
	for (int k = 0; k < nkeys; k++) {
		if (k)
			ADD(",");
		ADDJ(keys[k]);
	}
	ADD("],\"aggs\":[");
	for (int a = 0; a < naggs; a++) {
		ADD(a ? ",{\"col\":" : "{\"col\":");
		if (aggs[a].fn == AGG_COUNT || !aggs[a].col)
			ADD("null");
		else
			ADDJ(aggs[a].col);
		ADD(",\"fn\":");
		ADDJ(agg_fn_name(aggs[a].fn));
		ADD(",\"as\":");
		ADDJ(outnames[a]);
		ADD("}");
	}
	ADD("]}");
#undef ADD
#undef ADDJ
	return s;
}

struct frame *frame_groupby(const struct frame *f, const char *const *keys, int nkeys,
			    const struct agg_spec *aggs, int naggs, struct wb_err *err)
{
	if (nkeys < 1) {
		wb_error(err, "groupby: no key columns given");
		return NULL;
	}
	struct column **kc = xmallocarray((size_t)nkeys, sizeof(*kc));
	struct column **ac = xcalloc((size_t)naggs + 1, sizeof(*ac));
	char **outnames = xcalloc((size_t)naggs + 1, sizeof(char *));
	struct frame *out = NULL;
	size_t *gid = NULL, *first = NULL, *perm = NULL, *rows = NULL, *start = NULL;
	size_t ng = 0;

	for (int k = 0; k < nkeys; k++)
		if (!(kc[k] = frame_col(f, keys[k]))) {
			frame_err_unknown(err, f, "groupby", keys[k], NULL);
			goto done;
		}
	for (int a = 0; a < naggs; a++) {
		enum agg_fn fn = aggs[a].fn;
		if (fn != AGG_COUNT) {
			if (!aggs[a].col) {
				wb_error(err, "groupby: %s needs a column", agg_fn_name(fn));
				goto done;
			}
			if (!(ac[a] = frame_col(f, aggs[a].col))) {
				frame_err_unknown(err, f, "groupby", aggs[a].col, NULL);
				goto done;
			}
			enum col_kind kind = ac[a]->kind;
			int okk = (fn == AGG_MIN || fn == AGG_MAX) ? is_numeric_kind(kind) || kind == COL_TIME
								    : is_numeric_kind(kind);
			if (!okk) {
				wb_error(err, "groupby: cannot take the %s of %s column '%s'",
					 agg_fn_name(fn), col_kind_name(kind), aggs[a].col);
				goto done;
			}
		}
		outnames[a] = aggs[a].as ? xstrdup(aggs[a].as)
			    : fn == AGG_COUNT ? xstrdup("count")
			    : xasprintf("%s_%s", aggs[a].col, agg_fn_name(fn));
	}

	gid = frame_group_ids(kc, nkeys, f->nrow, &ng, &first);
	/* Rows of each group contiguous (counting sort by group id). */
	rows = xmallocarray(f->nrow + 1, sizeof(size_t));
	start = frame_group_rows(gid, f->nrow, ng, rows);
	/* Groups in key order: sort the groups' first rows by the keys. */
	{
		struct column **kv = xmallocarray((size_t)nkeys, sizeof(*kv));
		int *desc = xcalloc((size_t)nkeys, sizeof(int));
		for (int k = 0; k < nkeys; k++)
			kv[k] = column_take(kc[k], first, ng);
		perm = frame_sort_columns(kv, desc, nkeys, ng);
		for (int k = 0; k < nkeys; k++)
			column_unref(kv[k]);
		free(kv);
		free(desc);
	}
	out = frame_new(ng);
	{
		size_t *sorted_first = xmallocarray(ng + 1, sizeof(size_t));
		for (size_t g = 0; g < ng; g++)
			sorted_first[g] = first[perm[g]];
		for (int k = 0; k < nkeys; k++)
			if (frame_add(out, keys[k], column_take(kc[k], sorted_first, ng), err) < 0) {
				wb_error_prefix(err, "groupby");
				frame_unref(out);
				out = NULL;
				free(sorted_first);
				goto done;
			}
		free(sorted_first);
	}
	for (int a = 0; a < naggs; a++) {
		struct column *byg = aggregate(ac[a], aggs[a].fn, rows, start, ng);
		struct column *sorted = column_take(byg, perm, ng);
		column_unref(byg);
		if (frame_add(out, outnames[a], sorted, err) < 0) {
			wb_error_prefix(err, "groupby");
			frame_unref(out);
			out = NULL;
			goto done;
		}
	}
	{
		char *params = groupby_params(keys, nkeys, aggs, naggs, outnames);
		frame_seal_derived(out, "groupby", params, &f, 1);
		free(params);
	}
done:
	for (int a = 0; a < naggs; a++)
		free(outnames[a]);
	free(outnames);
	free(kc);
	free(ac);
	free(gid);
	free(first);
	free(perm);
	free(rows);
	free(start);
	return out;
}
