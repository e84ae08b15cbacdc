/*
 * cart — growing, pruning, evaluating and serializing one CART tree
 * (see cart.h for the binning, threshold and missing-value rules).
 *
 * Growing is depth first with an explicit stack.  Each node keeps its rows
 * as a contiguous slice of parallel arrays (the row's bin codes for every
 * feature, target, weight, count) that is partitioned in place when the
 * node splits, so everything a node reads is sequential: no gathers through
 * row indices, which cost a cache miss per row and feature in deep trees.
 * Binary gini and squared error scan with a loop-free fast path.  A
 * candidate feature is scanned either through a histogram over
 * its bins (large nodes) or by sorting the node's codes (nodes much smaller
 * than the bin count, where clearing and scanning the histogram would cost
 * more than the rows themselves).  Both give the same groups, so the choice
 * never changes the tree.
 */
#include "ml/cart.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- binning */

struct keyrow {
	uint64_t key;
	uint32_t row;
};

static int cmp_keyrow(const void *a, const void *b)
{
	uint64_t x = ((const struct keyrow *)a)->key, y = ((const struct keyrow *)b)->key;
	return x < y ? -1 : x > y;
}

/* The order-preserving integer image of a double (no NaN here); -0 and +0
 * get different keys but compare equal as doubles, so stay one value. */
static inline uint64_t dkey(double v)
{
	uint64_t u;
	memcpy(&u, &v, sizeof(u));
	return (u >> 63) ? ~u : u | 0x8000000000000000ull;
}

static inline double dval(uint64_t k)
{
	uint64_t u = (k >> 63) ? k & 0x7fffffffffffffffull : ~k;
	double v;
	memcpy(&v, &u, sizeof(v));
	return v;
}

/* Sorts m (key, row) pairs: LSD radix with 11-bit digits (small enough
 * count tables to stay in cache), skipping digits all keys share; qsort for
 * small m. */
static void sort_keyrows(struct keyrow *a, size_t m)
{
	if (m < 2048) {
		qsort(a, m, sizeof(*a), cmp_keyrow);
		return;
	}
	struct keyrow *tmp = xmallocarray(m, sizeof(*tmp)), *src = a, *dst = tmp;
	size_t cnt[2048];
	for (int shift = 0; shift < 64; shift += 11) {
		memset(cnt, 0, sizeof(cnt));
		for (size_t i = 0; i < m; i++)
			cnt[(src[i].key >> shift) & 2047]++;
		if (cnt[(src[0].key >> shift) & 2047] == m)
			continue;
		size_t sum = 0;
		for (size_t k = 0; k < 2048; k++) {
			size_t c = cnt[k];
			cnt[k] = sum;
			sum += c;
		}
		for (size_t i = 0; i < m; i++)
			dst[cnt[(src[i].key >> shift) & 2047]++] = src[i];
		struct keyrow *t = src;
		src = dst;
		dst = t;
	}
	if (src != a)
		memcpy(a, src, m * sizeof(*a));
	free(tmp);
}

/* Bins feature j into col (n codes). */
static void bin_feature(struct cart_bins *b, const double *x, int j, int max_bins,
			uint16_t *col)
{
	size_t n = b->n, m = 0;
	struct keyrow *v = xmallocarray(n ? n : 1, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		if (!isnan(x[i]))
			v[m++] = (struct keyrow){ dkey(x[i]), (uint32_t)i };
	sort_keyrows(v, m);
	size_t u = 0;
	for (size_t i = 0; i < m; i++)
		if (i == 0 || dval(v[i].key) != dval(v[i - 1].key))
			u++;
	double *lo = xmallocarray(u ? u : 1, sizeof(double));
	double *hi = xmallocarray(u ? u : 1, sizeof(double));
	int nb = 0, open = 0;
	size_t cum = 0;
	for (size_t i = 0; i < m;) {
		size_t s = i;
		double val = dval(v[i].key);
		while (i < m && dval(v[i].key) == val)
			col[v[i++].row] = (uint16_t)nb;
		if (!open) {
			lo[nb] = val;
			open = 1;
		}
		hi[nb] = val;
		cum += i - s;
		/* Close the bin at each 1/max_bins quantile (every distinct value
		 * when there are few); runs of equal values are never split. */
		if (i < m && (u <= (size_t)max_bins ||
			      (double)cum * max_bins >= (double)(nb + 1) * (double)m)) {
			nb++;
			open = 0;
		}
	}
	if (open)
		nb++;
	for (size_t i = 0; i < n; i++)
		if (isnan(x[i]))
			col[i] = (uint16_t)nb;
	free(v);
	b->nb[j] = nb;
	b->lo[j] = lo;
	b->hi[j] = hi;
}

void cart_bins_build(struct cart_bins *b, const struct mldata *d, int max_bins)
{
	if (max_bins < 2)
		max_bins = 2;
	if (max_bins > 65535)
		max_bins = 65535;
	b->n = d->n;
	b->p = d->p;
	size_t n = d->n ? d->n : 1, p = (size_t)d->p;
	uint16_t *cols = xmallocarray(p * n, sizeof(uint16_t));
	b->code = xmallocarray(p * n, sizeof(uint16_t));
	b->nb = xcalloc((size_t)d->p + 1, sizeof(int));
	b->lo = xcalloc((size_t)d->p + 1, sizeof(double *));
	b->hi = xcalloc((size_t)d->p + 1, sizeof(double *));
	/* Each feature writes only its own column: any schedule gives the same
	 * bins. */
#pragma omp parallel for schedule(dynamic, 1)
	for (int j = 0; j < d->p; j++)
		bin_feature(b, d->x[j], j, max_bins, cols + (size_t)j * n);
	/* Row-major for growing: a row's codes share a cache line. */
#pragma omp parallel for schedule(static)
	for (size_t i = 0; i < d->n; i++)
		for (size_t j = 0; j < p; j++)
			b->code[i * p + j] = cols[j * n + i];
	free(cols);
	b->maxnb = 0;
	for (int j = 0; j < d->p; j++)
		if (b->nb[j] > b->maxnb)
			b->maxnb = b->nb[j];
}

void cart_bins_free(struct cart_bins *b)
{
	if (!b->nb)
		return;
	for (int j = 0; j < b->p; j++) {
		free(b->lo[j]);
		free(b->hi[j]);
	}
	free(b->lo);
	free(b->hi);
	free(b->nb);
	free(b->code);
	memset(b, 0, sizeof(*b));
}

/* ---------------------------------------------------------------- tree arrays */

static int32_t add_node(struct cart_tree *t)
{
	if (t->nnode == t->cap) {
		int32_t cap = t->cap ? t->cap * 2 : 64;
		size_t c = (size_t)cap;
		t->feature = xreallocarray(t->feature, c, sizeof(int32_t));
		t->threshold = xreallocarray(t->threshold, c, sizeof(double));
		t->left = xreallocarray(t->left, c, sizeof(int32_t));
		t->right = xreallocarray(t->right, c, sizeof(int32_t));
		t->missing_left = xreallocarray(t->missing_left, c, 1);
		t->value = xreallocarray(t->value, c * (size_t)t->nvalue, sizeof(double));
		t->weight = xreallocarray(t->weight, c, sizeof(double));
		t->impurity = xreallocarray(t->impurity, c, sizeof(double));
		t->cap = cap;
	}
	int32_t k = t->nnode++;
	t->feature[k] = -1;
	t->threshold[k] = 0;
	t->left[k] = t->right[k] = -1;
	t->missing_left[k] = 1;
	return k;
}

/* The packed copy cart_leaf walks; needs left[k] == k + 1. */
static void pack(struct cart_tree *t)
{
	free(t->nodes);
	t->nodes = xmallocarray((size_t)t->nnode + 1, sizeof(struct cart_node));
	for (int32_t k = 0; k < t->nnode; k++) {
		t->nodes[k].threshold = t->threshold[k];
		t->nodes[k].feature = t->feature[k];
		t->nodes[k].next = t->feature[k] >= 0 ? t->right[k] * 2 + t->missing_left[k] : 0;
	}
}

void cart_free(struct cart_tree *t)
{
	free(t->nodes);
	free(t->feature);
	free(t->threshold);
	free(t->left);
	free(t->right);
	free(t->missing_left);
	free(t->value);
	free(t->weight);
	free(t->impurity);
	memset(t, 0, sizeof(*t));
}

void cart_drop_stats(struct cart_tree *t)
{
	free(t->weight);
	free(t->impurity);
	t->weight = t->impurity = NULL;
}

/* ---------------------------------------------------------------- growing */

/* Per-bin statistics: classification has the weight of each class then the
 * row count (S = K + 1); regression has weight, weighted sum of y, count
 * (S = 3).  The count is always last. */
struct grower {
	const struct cart_bins *b;
	const struct cart_params *cp;
	struct cart_tree *t;
	struct rng *r;
	int K, S;
	uint16_t *xc;    /* bin codes of each slot's row, p per slot: moved with
			  * the rows, so a node's codes are contiguous */
	int p;           /* the stride of xc: features rounded up to 4 */
	int32_t *ycls;   /* classification target per slot */
	double *yval;    /* regression target per slot */
	double *wv;      /* weight * count per slot */
	double *cv;      /* count per slot */
	double *hist;    /* (maxnb + 1) * S, kept zeroed between uses */
	double *gstat;   /* non-empty groups of one feature: maxnb * S */
	uint16_t *gcode; /* their bin codes */
	double *mstat;   /* the missing group */
	double *tl, *tr, *tot; /* scratch: S each */
	const double *node; /* the current node's statistics (S) */
	int fast3;       /* S == 3 and not entropy: the loop-free scan */
	int cmin, cmax;  /* gather's touched bin range when it returns -1 */
	uint32_t *keys;  /* sort path */
	int *feat;       /* feature permutation for sampling */
	double wtot;     /* total weight (for min_impurity_decrease) */
};

struct split {
	int found;
	int f;
	int a, bcode;      /* last bin going left; first bin going right (-1: none) */
	int miss_left;
	double proxy, wl, wr;
};

/* The criterion's proxy P(side): maximising P(left) + P(right) minimises the
 * weighted child impurity, and P(l) + P(r) - P(node) is the weighted impurity
 * decrease (the terms that do not depend on the split cancel). */
static double proxy(const struct grower *g, const double *st)
{
	if (g->K == 0)
		return st[1] * st[1] / st[0];
	double w = 0, s = 0;
	for (int k = 0; k < g->K; k++)
		w += st[k];
	if (g->cp->crit == CART_ENTROPY) {
		for (int k = 0; k < g->K; k++)
			if (st[k] > 0)
				s += st[k] * log2(st[k]);
		return s - w * log2(w);
	}
	for (int k = 0; k < g->K; k++)
		s += st[k] * st[k];
	return s / w;
}

static double side_weight(const struct grower *g, const double *st)
{
	if (g->K == 0)
		return st[0];
	double w = 0;
	for (int k = 0; k < g->K; k++)
		w += st[k];
	return w;
}

static void try_split(const struct grower *g, const double *l, const double *r, int f, int a,
		      int bcode, int miss_left, struct split *best)
{
	int S = g->S;
	double msl = g->cp->min_samples_leaf;
	if (l[S - 1] < msl || r[S - 1] < msl)
		return;
	double wl = side_weight(g, l), wr = side_weight(g, r);
	if (!(wl > 0) || !(wr > 0))
		return;
	double pr = proxy(g, l) + proxy(g, r);
	if (!best->found || pr > best->proxy) {
		best->found = 1;
		best->proxy = pr;
		best->f = f;
		best->a = a;
		best->bcode = bcode;
		best->miss_left = miss_left;
		best->wl = wl;
		best->wr = wr;
	}
}

static void insertion_sort_u32(uint32_t *a, int m)
{
	for (int i = 1; i < m; i++) {
		uint32_t v = a[i];
		int j = i - 1;
		while (j >= 0 && a[j] > v) {
			a[j + 1] = a[j];
			j--;
		}
		a[j + 1] = v;
	}
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static inline void add_row(const struct grower *g, double *e, int32_t s)
{
	if (g->K) {
		e[g->ycls[s]] += g->wv[s];
		e[g->K] += g->cv[s];
	} else {
		e[0] += g->wv[s];
		e[1] += g->wv[s] * g->yval[s];
		e[2] += g->cv[s];
	}
}

/* Groups the node's rows by bin of feature f: ng non-empty bins in order
 * (gcode, gstat) and the missing rows (mstat).  Returns ng. */
static int gather(struct grower *g, int f, int32_t start, int32_t end)
{
	const struct cart_bins *b = g->b;
	const uint16_t *code = g->xc + f;
	size_t p = (size_t)g->p;
	int nb = b->nb[f], S = g->S, ng = 0;
	int32_t m = end - start;
	memset(g->mstat, 0, (size_t)S * sizeof(double));
	if (m < 65536 && (int64_t)m * 4 < nb) {
		uint32_t *keys = g->keys;
		for (int32_t k = 0; k < m; k++)
			keys[k] = (uint32_t)code[(size_t)(start + k) * p] << 16 | (uint32_t)k;
		if (m <= 64)
			insertion_sort_u32(keys, m);
		else
			qsort(keys, (size_t)m, sizeof(uint32_t), cmp_u32);
		int last = -1;
		for (int32_t k = 0; k < m; k++) {
			int c = (int)(keys[k] >> 16);
			int32_t s = start + (int32_t)(keys[k] & 0xffff);
			if (c == nb) {
				add_row(g, g->mstat, s);
				continue;
			}
			if (c != last) {
				memset(g->gstat + (size_t)ng * S, 0, (size_t)S * sizeof(double));
				g->gcode[ng++] = (uint16_t)c;
				last = c;
			}
			add_row(g, g->gstat + (size_t)(ng - 1) * S, s);
		}
		return ng;
	}
	double *h = g->hist;
	int cmin = nb, cmax = 0;
	if (g->K == 2) {
		/* The common binary case, without the per-row branch on K. */
		for (int32_t s = start; s < end; s++) {
			int c = code[(size_t)s * p];
			double *e = h + (size_t)c * 3;
			e[g->ycls[s]] += g->wv[s];
			e[2] += g->cv[s];
			cmin = c < cmin ? c : cmin;
			cmax = c > cmax ? c : cmax;
		}
	} else {
		for (int32_t s = start; s < end; s++) {
			int c = code[(size_t)s * p];
			add_row(g, h + (size_t)c * S, s);
			cmin = c < cmin ? c : cmin;
			cmax = c > cmax ? c : cmax;
		}
	}
	if (cmax >= nb)
		cmax = nb - 1;
	if (g->fast3) {
		memcpy(g->mstat, h + (size_t)nb * 3, 3 * sizeof(double));
		memset(h + (size_t)nb * 3, 0, 3 * sizeof(double));
		g->cmin = cmin;
		g->cmax = cmax;
		return -1;
	}
	/* Only the touched bins are non-zero (the missing bin is handled below). */
	for (int c = cmin; c <= cmax; c++) {
		double *e = h + (size_t)c * S;
		if (e[S - 1] == 0)
			continue;
		memcpy(g->gstat + (size_t)ng * S, e, (size_t)S * sizeof(double));
		memset(e, 0, (size_t)S * sizeof(double));
		g->gcode[ng++] = (uint16_t)c;
	}
	double *e = h + (size_t)nb * S;
	memcpy(g->mstat, e, (size_t)S * sizeof(double));
	memset(e, 0, (size_t)S * sizeof(double));
	return ng;
}

/* One candidate of the S == 3 fast path (binary gini: class weights w0,
 * w1; regression: weight, sum of y) — try_split without loops. */
static inline void cand3(const struct grower *g, int gini, double l0, double l1, double l2,
			 double r0, double r1, double r2, int f, int a, int bcode, int miss_left,
			 struct split *best)
{
	double msl = g->cp->min_samples_leaf;
	if (l2 < msl || r2 < msl)
		return;
	double wl = gini ? l0 + l1 : l0, wr = gini ? r0 + r1 : r0;
	if (!(wl > 0) || !(wr > 0))
		return;
	double pr = gini ? (l0 * l0 + l1 * l1) / wl + (r0 * r0 + r1 * r1) / wr
			 : l1 * l1 / wl + r1 * r1 / wr;
	if (!best->found || pr > best->proxy) {
		best->found = 1;
		best->proxy = pr;
		best->f = f;
		best->a = a;
		best->bcode = bcode;
		best->miss_left = miss_left;
		best->wl = wl;
		best->wr = wr;
	}
}

/* The fast path straight over the histogram bins cmin..cmax, clearing them;
 * returns the number of non-empty bins. */
static inline int scan3_hist(struct grower *g, int gini, int f, struct split *best)
{
	double *h = g->hist;
	const double *ms = g->mstat, *tot = g->node;
	int miss = ms[2] > 0, ng = 0, prev = -1;
	double n0 = tot[0] - ms[0], n1 = tot[1] - ms[1], n2 = tot[2] - ms[2];
	double l0 = 0, l1 = 0, l2 = 0;
	for (int c = g->cmin; c <= g->cmax; c++) {
		double *e = h + 3 * (size_t)c;
		if (e[2] == 0)
			continue;
		if (prev >= 0) {
			double r0 = n0 - l0, r1 = n1 - l1, r2 = n2 - l2;
			if (miss) {
				cand3(g, gini, l0, l1, l2, r0 + ms[0], r1 + ms[1], r2 + ms[2], f, prev,
				      c, 0, best);
				cand3(g, gini, l0 + ms[0], l1 + ms[1], l2 + ms[2], r0, r1, r2, f, prev,
				      c, 1, best);
			} else {
				cand3(g, gini, l0, l1, l2, r0, r1, r2, f, prev, c, 0, best);
			}
		}
		l0 += e[0];
		l1 += e[1];
		l2 += e[2];
		e[0] = e[1] = e[2] = 0;
		prev = c;
		ng++;
	}
	if (miss && prev >= 0)
		cand3(g, gini, l0, l1, l2, ms[0], ms[1], ms[2], f, prev, -1, 0, best);
	return ng;
}

static inline void scan3(const struct grower *g, int gini, int f, int ng, struct split *best)
{
	const double *gs = g->gstat, *ms = g->mstat, *tot = g->node;
	int miss = ms[2] > 0;
	double n0 = tot[0] - ms[0], n1 = tot[1] - ms[1], n2 = tot[2] - ms[2];
	double l0 = 0, l1 = 0, l2 = 0;
	for (int q = 0; q < ng; q++) {
		l0 += gs[3 * q];
		l1 += gs[3 * q + 1];
		l2 += gs[3 * q + 2];
		int a = g->gcode[q];
		if (q < ng - 1) {
			int b = g->gcode[q + 1];
			double r0 = n0 - l0, r1 = n1 - l1, r2 = n2 - l2;
			if (miss) {
				cand3(g, gini, l0, l1, l2, r0 + ms[0], r1 + ms[1], r2 + ms[2], f, a, b,
				      0, best);
				cand3(g, gini, l0 + ms[0], l1 + ms[1], l2 + ms[2], r0, r1, r2, f, a, b,
				      1, best);
			} else {
				cand3(g, gini, l0, l1, l2, r0, r1, r2, f, a, b, 0, best);
			}
		} else if (miss) {
			cand3(g, gini, l0, l1, l2, ms[0], ms[1], ms[2], f, a, -1, 0, best);
		}
	}
}

/* Scans feature f; returns 0 when the feature is constant in the node (no
 * partition at all is possible), 1 otherwise. */
static int scan_feature(struct grower *g, int f, int32_t start, int32_t end, struct split *best)
{
	int S = g->S;
	int ng = gather(g, f, start, end);
	int miss = g->mstat[S - 1] > 0;
	if (ng < 0) {
		ng = g->K ? scan3_hist(g, 1, f, best) : scan3_hist(g, 0, f, best);
		return ng + miss > 1;
	}
	if (ng + miss <= 1)
		return 0;
	if (g->fast3) {
		if (g->K)
			scan3(g, 1, f, ng, best);
		else
			scan3(g, 0, f, ng, best);
		return 1;
	}
	/* nm: the node's non-missing rows. */
	double *nm = g->tot, *l = g->gstat, *tl = g->tl, *tr = g->tr;
	for (int s = 0; s < S; s++)
		nm[s] = g->node[s] - g->mstat[s];
	/* Cumulate in place: group q becomes the sum of groups 0..q. */
	for (int q = 1; q < ng; q++)
		for (int s = 0; s < S; s++)
			l[(size_t)q * S + s] += l[(size_t)(q - 1) * S + s];
	for (int q = 0; q < ng; q++) {
		const double *lq = l + (size_t)q * S;
		if (q < ng - 1) {
			/* tr: the non-missing rows right of the split. */
			for (int s = 0; s < S; s++)
				tr[s] = nm[s] - lq[s];
			if (miss) {
				for (int s = 0; s < S; s++)
					tl[s] = tr[s] + g->mstat[s];
				try_split(g, lq, tl, f, g->gcode[q], g->gcode[q + 1], 0, best);
				for (int s = 0; s < S; s++)
					tl[s] = lq[s] + g->mstat[s];
				try_split(g, tl, tr, f, g->gcode[q], g->gcode[q + 1], 1, best);
			} else {
				try_split(g, lq, tr, f, g->gcode[q], g->gcode[q + 1], 0, best);
			}
		} else if (miss) {
			try_split(g, lq, g->mstat, f, g->gcode[q], -1, 0, best);
		}
	}
	return 1;
}

static void node_stats(const struct grower *g, int32_t start, int32_t end, double *st,
		       double *sy2)
{
	memset(st, 0, (size_t)g->S * sizeof(double));
	*sy2 = 0;
	for (int32_t s = start; s < end; s++) {
		add_row(g, st, s);
		if (!g->K)
			*sy2 += g->wv[s] * g->yval[s] * g->yval[s];
	}
}

static double impurity(const struct grower *g, const double *st, double sy2)
{
	double w = side_weight(g, st);
	if (!(w > 0))
		return 0;
	if (g->K == 0) {
		double mean = st[1] / w, v = sy2 / w - mean * mean;
		return v > 0 ? v : 0;
	}
	double s = 0;
	for (int k = 0; k < g->K; k++) {
		double q = st[k] / w;
		if (g->cp->crit == CART_ENTROPY)
			s -= q > 0 ? q * log2(q) : 0;
		else
			s += q * q;
	}
	return g->cp->crit == CART_ENTROPY ? s : 1 - s;
}

static int find_split(struct grower *g, int32_t start, int32_t end, struct split *best)
{
	int p = g->b->p, mtry = g->cp->mtry;
	memset(best, 0, sizeof(*best));
	if (mtry >= p) {
		for (int f = 0; f < p; f++)
			scan_feature(g, f, start, end, best);
		return best->found;
	}
	/* Like scikit-learn: draw features without replacement until mtry of
	 * them were non-constant in this node (or all were drawn). */
	int visited = 0;
	for (int i = 0; i < p && visited < mtry; i++) {
		int k = i + (int)rng_below(g->r, (uint64_t)(p - i));
		int f = g->feat[k];
		g->feat[k] = g->feat[i];
		g->feat[i] = f;
		visited += scan_feature(g, f, start, end, best);
	}
	return best->found;
}

static void swap_slots(struct grower *g, int32_t a, int32_t b)
{
	/* The stride is a multiple of 4 codes: swap 8 bytes at a time. */
	uint16_t *xa = g->xc + (size_t)a * g->p, *xb = g->xc + (size_t)b * g->p;
	for (int j = 0; j < g->p; j += 4) {
		uint64_t u, v;
		memcpy(&u, xa + j, 8);
		memcpy(&v, xb + j, 8);
		memcpy(xa + j, &v, 8);
		memcpy(xb + j, &u, 8);
	}
	if (g->K) {
		int32_t ty = g->ycls[a];
		g->ycls[a] = g->ycls[b];
		g->ycls[b] = ty;
	} else {
		double ty = g->yval[a];
		g->yval[a] = g->yval[b];
		g->yval[b] = ty;
	}
	double tw = g->wv[a];
	g->wv[a] = g->wv[b];
	g->wv[b] = tw;
	double tc = g->cv[a];
	g->cv[a] = g->cv[b];
	g->cv[b] = tc;
}

/* Moves the rows going left to the front of the slice; returns the first
 * right slot. */
static int32_t partition(struct grower *g, const struct split *sp, int32_t start, int32_t end)
{
	const uint16_t *code = g->xc + sp->f;
	size_t p = (size_t)g->p;
	int nb = g->b->nb[sp->f];
	int32_t i = start, j = end - 1;
	while (i <= j) {
		int c = code[(size_t)i * p];
		int left = c == nb ? sp->miss_left : c <= sp->a;
		if (left) {
			i++;
		} else {
			swap_slots(g, i, j);
			j--;
		}
	}
	return i;
}

struct pending {
	int32_t start, end, parent;
	int depth, is_left;
};

void cart_grow(struct cart_tree *t, const struct cart_bins *b, const struct mldata *d,
	       const double *w, const uint32_t *cnt, const struct cart_params *cp,
	       struct rng *r)
{
	struct grower g;
	memset(&g, 0, sizeof(g));
	memset(t, 0, sizeof(*t));
	g.b = b;
	g.cp = cp;
	g.t = t;
	g.r = r;
	g.K = cp->nclass;
	g.S = g.K ? g.K + 1 : 3;
	g.fast3 = g.S == 3 && cp->crit != CART_ENTROPY;
	t->nvalue = g.K ? g.K : 1;
	size_t n = d->n, m = 0;
	for (size_t i = 0; i < n; i++)
		m += !cnt || cnt[i];
	size_t ma = m ? m : 1;
	g.p = (b->p + 3) & ~3;
	g.xc = xcalloc(ma * (size_t)(g.p ? g.p : 4), sizeof(uint16_t));
	if (g.K)
		g.ycls = xmallocarray(ma, sizeof(int32_t));
	else
		g.yval = xmallocarray(ma, sizeof(double));
	g.wv = xmallocarray(ma, sizeof(double));
	g.cv = xmallocarray(ma, sizeof(double));
	size_t s = 0;
	for (size_t i = 0; i < n; i++) {
		double c = cnt ? cnt[i] : 1;
		if (!(c > 0))
			continue;
		memcpy(g.xc + s * (size_t)g.p, b->code + i * (size_t)b->p,
		       (size_t)b->p * sizeof(uint16_t));
		if (g.K)
			g.ycls[s] = d->cls[i];
		else
			g.yval[s] = d->y[i];
		g.cv[s] = c;
		g.wv[s] = c * (w ? w[i] : 1);
		g.wtot += g.wv[s];
		s++;
	}
	size_t S = (size_t)g.S;
	g.hist = xcalloc(((size_t)b->maxnb + 1) * S, sizeof(double));
	g.gstat = xmallocarray(((size_t)b->maxnb + 1) * S, sizeof(double));
	g.gcode = xmallocarray((size_t)b->maxnb + 1, sizeof(uint16_t));
	g.mstat = xmallocarray(S, sizeof(double));
	g.tl = xmallocarray(S, sizeof(double));
	g.tr = xmallocarray(S, sizeof(double));
	g.tot = xmallocarray(S, sizeof(double));
	double *st = xmallocarray(S, sizeof(double));
	g.keys = xmallocarray(ma < 65536 ? ma : 65536, sizeof(uint32_t));
	g.feat = xmallocarray((size_t)b->p + 1, sizeof(int));
	for (int j = 0; j < b->p; j++)
		g.feat[j] = j;

	size_t scap = 64, sn = 0;
	struct pending *stack = xmallocarray(scap, sizeof(*stack));
	stack[sn++] = (struct pending){ 0, (int32_t)m, -1, 0, 0 };
	while (sn) {
		struct pending pd = stack[--sn];
		int32_t id = add_node(t);
		if (pd.parent >= 0) {
			if (pd.is_left)
				t->left[pd.parent] = id;
			else
				t->right[pd.parent] = id;
		}
		double sy2;
		node_stats(&g, pd.start, pd.end, st, &sy2);
		double wn = side_weight(&g, st), count = st[S - 1];
		double imp = impurity(&g, st, sy2);
		t->weight[id] = wn;
		t->impurity[id] = imp;
		double *val = t->value + (size_t)id * t->nvalue;
		if (g.K)
			for (int k = 0; k < g.K; k++)
				val[k] = wn > 0 ? st[k] / wn : 1.0 / g.K;
		else
			val[0] = wn > 0 ? st[1] / wn : 0;
		int leaf = (cp->max_depth > 0 && pd.depth >= cp->max_depth) ||
			   count < cp->min_samples_split || count < 2 * cp->min_samples_leaf ||
			   imp <= DBL_EPSILON;
		struct split sp;
		g.node = st;
		if (!leaf && find_split(&g, pd.start, pd.end, &sp)) {
			double dec = (sp.proxy - proxy(&g, st)) / g.wtot;
			if (dec + DBL_EPSILON < cp->min_impurity_decrease)
				leaf = 1;
		} else {
			leaf = 1;
		}
		if (leaf)
			continue;
		int32_t mid = partition(&g, &sp, pd.start, pd.end);
		const double *lo = b->lo[sp.f], *hi = b->hi[sp.f];
		double thr = INFINITY;
		if (sp.bcode >= 0) {
			thr = hi[sp.a] / 2.0 + lo[sp.bcode] / 2.0;
			if (thr == lo[sp.bcode] || isinf(thr))
				thr = hi[sp.a];
		}
		t->feature[id] = sp.f;
		t->threshold[id] = thr;
		/* With no missing rows here, missing goes to the heavier child. */
		int had_missing = 0;
		{
			const uint16_t *code = g.xc + sp.f;
			for (int32_t q = pd.start; q < pd.end && !had_missing; q++)
				had_missing = code[(size_t)q * g.p] == b->nb[sp.f];
		}
		t->missing_left[id] = (uint8_t)(had_missing ? sp.miss_left : sp.wl >= sp.wr);
		if (sn + 2 > scap) {
			scap *= 2;
			stack = xreallocarray(stack, scap, sizeof(*stack));
		}
		stack[sn++] = (struct pending){ mid, pd.end, id, pd.depth + 1, 0 };
		stack[sn++] = (struct pending){ pd.start, mid, id, pd.depth + 1, 1 };
	}
	free(stack);
	free(st);
	free(g.xc);
	free(g.ycls);
	free(g.yval);
	free(g.wv);
	free(g.cv);
	free(g.hist);
	free(g.gstat);
	free(g.gcode);
	free(g.mstat);
	free(g.tl);
	free(g.tr);
	free(g.tot);
	free(g.keys);
	free(g.feat);
	pack(t);
}

/* ---------------------------------------------------------------- pruning */

/* Keeps the nodes reachable from the root.  Removing whole subtrees from a
 * preorder sequence leaves the preorder of what remains, so surviving nodes
 * keep their relative order. */
static void compact(struct cart_tree *t)
{
	int32_t n = t->nnode, *map = xmallocarray((size_t)n + 1, sizeof(int32_t));
	uint8_t *keep = xcalloc((size_t)n + 1, 1);
	keep[0] = n > 0;
	for (int32_t k = 0; k < n; k++)
		if (keep[k] && t->feature[k] >= 0)
			keep[t->left[k]] = keep[t->right[k]] = 1;
	int32_t q = 0;
	for (int32_t k = 0; k < n; k++)
		map[k] = keep[k] ? q++ : -1;
	int nv = t->nvalue;
	for (int32_t k = 0; k < n; k++) {
		if (!keep[k])
			continue;
		int32_t to = map[k];
		t->feature[to] = t->feature[k];
		t->threshold[to] = t->threshold[k];
		t->left[to] = t->feature[k] >= 0 ? map[t->left[k]] : -1;
		t->right[to] = t->feature[k] >= 0 ? map[t->right[k]] : -1;
		t->missing_left[to] = t->missing_left[k];
		memmove(t->value + (size_t)to * nv, t->value + (size_t)k * nv,
			(size_t)nv * sizeof(double));
		if (t->weight)
			t->weight[to] = t->weight[k];
		if (t->impurity)
			t->impurity[to] = t->impurity[k];
	}
	t->nnode = q;
	free(keep);
	free(map);
}

void cart_prune(struct cart_tree *t, double alpha)
{
	int32_t n = t->nnode;
	if (n <= 1 || !(alpha > 0) || !t->weight || !t->impurity)
		return;
	double wtot = t->weight[0];
	double *rb = xmallocarray((size_t)n, sizeof(double));
	double *nl = xmallocarray((size_t)n, sizeof(double));
	/* Children have larger indices, so a reverse sweep is bottom up.  A
	 * node is pruned when its weakest-link value (R(t) - R(T_t)) /
	 * (|leaves(T_t)| - 1) over its (already pruned) branch is <= alpha:
	 * the smallest subtree minimising R + alpha * leaves, which is what
	 * scikit-learn's weakest-link loop converges to. */
	for (int32_t k = n - 1; k >= 0; k--) {
		double rt = t->weight[k] * t->impurity[k] / wtot;
		if (t->feature[k] < 0) {
			rb[k] = rt;
			nl[k] = 1;
			continue;
		}
		rb[k] = rb[t->left[k]] + rb[t->right[k]];
		nl[k] = nl[t->left[k]] + nl[t->right[k]];
		if ((rt - rb[k]) / (nl[k] - 1) <= alpha) {
			t->feature[k] = -1;
			t->threshold[k] = 0;
			rb[k] = rt;
			nl[k] = 1;
		}
	}
	free(rb);
	free(nl);
	compact(t);
	for (int32_t k = 0; k < t->nnode; k++)
		if (t->feature[k] < 0)
			t->left[k] = t->right[k] = -1;
	pack(t);
}

/* ---------------------------------------------------------------- using trees */

void cart_importance(const struct cart_tree *t, double *imp)
{
	if (!t->weight || !t->impurity)
		return;
	for (int32_t k = 0; k < t->nnode; k++) {
		if (t->feature[k] < 0)
			continue;
		int32_t l = t->left[k], r = t->right[k];
		double dec = t->weight[k] * t->impurity[k] - t->weight[l] * t->impurity[l] -
			     t->weight[r] * t->impurity[r];
		imp[t->feature[k]] += dec > 0 ? dec : 0;
	}
}

void cart_rows(const struct mldata *d, size_t i0, size_t i1, double *buf)
{
	size_t p = (size_t)d->p;
	for (size_t j = 0; j < p; j++) {
		const double *x = d->x[j];
		for (size_t i = i0; i < i1; i++)
			buf[(i - i0) * p + j] = x[i];
	}
}

const double *cart_leaf(const struct cart_tree *t, const struct mldata *d, size_t i)
{
	const struct cart_node *nd = t->nodes;
	int32_t k = 0;
	while (nd[k].feature >= 0) {
		double x = d->x[nd[k].feature][i];
		int32_t nx = nd[k].next;
		int left = isnan(x) ? nx & 1 : x <= nd[k].threshold;
		k = left ? k + 1 : nx >> 1;
	}
	return t->value + (size_t)k * t->nvalue;
}

static int *node_depths(const struct cart_tree *t)
{
	int *dep = xcalloc((size_t)t->nnode + 1, sizeof(int));
	for (int32_t k = 0; k < t->nnode; k++)
		if (t->feature[k] >= 0)
			dep[t->left[k]] = dep[t->right[k]] = dep[k] + 1;
	return dep;
}

int cart_depth(const struct cart_tree *t)
{
	int *dep = node_depths(t), mx = 0;
	for (int32_t k = 0; k < t->nnode; k++)
		if (dep[k] > mx)
			mx = dep[k];
	free(dep);
	return mx;
}

int cart_leaves(const struct cart_tree *t)
{
	int n = 0;
	for (int32_t k = 0; k < t->nnode; k++)
		n += t->feature[k] < 0;
	return n;
}

void cart_describe(const struct cart_tree *t, const char *const *names, int levels,
		   FILE *out)
{
	int *dep = node_depths(t);
	for (int32_t k = 0; k < t->nnode; k++) {
		if (t->feature[k] < 0 || dep[k] >= levels)
			continue;
		fprintf(out, "  %*s%s <= %.6g  (missing %s", 2 * dep[k], "",
			names[t->feature[k]], t->threshold[k],
			t->missing_left[k] ? "left" : "right");
		if (t->weight)
			fprintf(out, ", weight %.6g", t->weight[k]);
		fprintf(out, ")\n");
	}
	free(dep);
}

/* ---------------------------------------------------------------- JSON */

void cart_to_json(const struct cart_tree *t, json_t *obj, int full)
{
	size_t n = (size_t)t->nnode;
	int32_t *ml = xmallocarray(n + 1, sizeof(int32_t));
	for (size_t k = 0; k < n; k++)
		ml[k] = t->missing_left[k];
	json_object_set_new(obj, "feature", model_json_ints(t->feature, n));
	json_object_set_new(obj, "threshold", model_json_nums(t->threshold, n));
	json_object_set_new(obj, "left", model_json_ints(t->left, n));
	json_object_set_new(obj, "right", model_json_ints(t->right, n));
	json_object_set_new(obj, "missing_left", model_json_ints(ml, n));
	if (full) {
		json_object_set_new(obj, "value",
				    model_json_nums(t->value, n * (size_t)t->nvalue));
	} else {
		size_t nv = (size_t)t->nvalue, q = 0;
		double *lv = xmallocarray(n * nv + 1, sizeof(double));
		for (size_t k = 0; k < n; k++)
			if (t->feature[k] < 0) {
				memcpy(lv + q, t->value + k * nv, nv * sizeof(double));
				q += nv;
			}
		json_object_set_new(obj, "value", model_json_nums(lv, q));
		free(lv);
	}
	if (full && t->weight && t->impurity) {
		json_object_set_new(obj, "weight", model_json_nums(t->weight, n));
		json_object_set_new(obj, "impurity", model_json_nums(t->impurity, n));
	}
	free(ml);
}

int cart_from_json(struct cart_tree *t, const json_t *obj, const char *path, int p,
		   int nvalue, int full, struct wb_err *err)
{
	memset(t, 0, sizeof(*t));
	long n = model_json_array_len(obj, path, "feature", err);
	if (n < 0)
		return -1;
	if (n == 0 || n > INT32_MAX / 2)
		return wb_error(err, "model JSON: %s.feature: expected 1 or more nodes", path);
	size_t c = (size_t)n;
	t->nnode = t->cap = (int32_t)n;
	t->nvalue = nvalue;
	t->feature = xmallocarray(c, sizeof(int32_t));
	t->threshold = xmallocarray(c, sizeof(double));
	t->left = xmallocarray(c, sizeof(int32_t));
	t->right = xmallocarray(c, sizeof(int32_t));
	t->missing_left = xmallocarray(c, 1);
	t->value = xmallocarray(c * (size_t)nvalue, sizeof(double));
	int32_t *ml = xmallocarray(c, sizeof(int32_t));
	int rc = -1;
	if (model_json_get_ints(obj, path, "feature", t->feature, c, err) < 0 ||
	    model_json_get_nums(obj, path, "threshold", t->threshold, c, err) < 0 ||
	    model_json_get_ints(obj, path, "left", t->left, c, err) < 0 ||
	    model_json_get_ints(obj, path, "right", t->right, c, err) < 0 ||
	    model_json_get_ints(obj, path, "missing_left", ml, c, err) < 0)
		goto out;
	if (full) {
		if (model_json_get_nums(obj, path, "value", t->value, c * (size_t)nvalue, err) < 0)
			goto out;
	} else {
		size_t nleaf = 0, nv = (size_t)nvalue, q = 0;
		for (size_t k = 0; k < c; k++)
			nleaf += t->feature[k] < 0;
		double *lv = xmallocarray(nleaf * nv + 1, sizeof(double));
		if (model_json_get_nums(obj, path, "value", lv, nleaf * nv, err) < 0) {
			free(lv);
			goto out;
		}
		/* Internal nodes carry no values in this form. */
		for (size_t k = 0; k < c; k++) {
			if (t->feature[k] < 0) {
				memcpy(t->value + k * nv, lv + q, nv * sizeof(double));
				q += nv;
			} else {
				memset(t->value + k * nv, 0, nv * sizeof(double));
			}
		}
		free(lv);
	}
	if (full) {
		t->weight = xmallocarray(c, sizeof(double));
		t->impurity = xmallocarray(c, sizeof(double));
		if (model_json_get_nums(obj, path, "weight", t->weight, c, err) < 0 ||
		    model_json_get_nums(obj, path, "impurity", t->impurity, c, err) < 0)
			goto out;
	}
	/* Preorder (left child next, right child later): every walk ends in a
	 * leaf, and cart_leaf relies on it. */
	for (int32_t k = 0; k < t->nnode; k++) {
		int32_t f = t->feature[k];
		if (f < -1 || f >= p) {
			wb_error(err, "model JSON: %s.feature[%d]: no feature %d", path, (int)k,
				 (int)f);
			goto out;
		}
		if (f >= 0 && (t->left[k] != k + 1 || t->right[k] <= k + 1 ||
			       t->right[k] >= t->nnode)) {
			wb_error(err, "model JSON: %s.left[%d]: bad child index", path, (int)k);
			goto out;
		}
		t->missing_left[k] = ml[k] != 0;
	}
	pack(t);
	rc = 0;
out:
	free(ml);
	if (rc < 0)
		cart_free(t);
	return rc;
}

const char *const cart_crit_names[] = { "gini", "entropy", "squared_error", NULL };

int cart_task_params(const struct model *m, int crit, const struct mldata *d,
		     struct cart_params *cp, struct wb_err *err)
{
	if (m->task == MODEL_CLASSIFY) {
		if (crit == CART_SQUARED)
			return model_error(m, err, "parameter 'criterion' must be 'gini' or "
					   "'entropy' for classification, got 'squared_error'");
		cp->crit = crit < 0 ? CART_GINI : (enum cart_crit)crit;
		cp->nclass = d->nclass;
		return 0;
	}
	if (crit >= 0 && crit != CART_SQUARED)
		return model_error(m, err, "parameter 'criterion' must be 'squared_error' "
				   "for regression, got '%s'", cart_crit_names[crit]);
	const json_t *cw = json_object_get(m->params, "class_weight");
	if (cw && !json_is_null(cw))
		return model_error(m, err, "parameter 'class_weight' applies only to "
				   "classification");
	cp->crit = CART_SQUARED;
	return 0;
}
