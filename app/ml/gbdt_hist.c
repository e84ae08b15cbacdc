/*
 * gbdt_hist — binning and histogram tree growth for the gbdt family (see
 * gbdt_hist.h for the algorithm and the determinism rule).
 */
#include "ml/gbdt_hist.h"
#include "core/frame_ops.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define SKETCH_ROWS 200000
/* Row blocks of the parallel partition: their bounds depend on the row
 * count only (never on the thread count). */
#define BLOCK_MIN 8192
#define BLOCK_MAX 16

static int nblocks(size_t m)
{
	size_t nb = m / BLOCK_MIN;
	return nb < 1 ? 1 : nb > BLOCK_MAX ? BLOCK_MAX : (int)nb;
}

static size_t block_lo(size_t m, int nb, int b)
{
	return m * (size_t)b / (size_t)nb; /* m < 2^32, b <= 16: no overflow */
}

/* ---------------------------------------------------------------- binning */

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* A threshold between distinct values a < b that sends a left and b
 * right: the midpoint when it lies in [a, b), else a (adjacent doubles,
 * infinities). */
static double between(double a, double b)
{
	double mid = a + (b - a) * 0.5;
	return mid >= a && mid < b ? mid : a;
}

/* Thresholds for sorted values v[0..n): all midpoints when there are at
 * most maxbin distinct values, else greedy equal-count bins over the
 * distinct values (a heavy value gets a bin of its own).  Returns the
 * number of thresholds written to cut (at most maxbin - 1). */
static int sketch(const double *v, size_t n, int maxbin, double *cut)
{
	size_t nd = 0;
	for (size_t i = 0; i < n; i++)
		if (i == 0 || v[i] != v[i - 1])
			nd++;
	int nc = 0;
	if (nd <= (size_t)maxbin) {
		for (size_t i = 1; i < n; i++)
			if (v[i] != v[i - 1])
				cut[nc++] = between(v[i - 1], v[i]);
		return nc;
	}
	size_t left = n, acc = 0;
	int bins_left = maxbin;
	for (size_t i = 0; i < n && nc < maxbin - 1;) {
		size_t k = i;
		while (k < n && v[k] == v[i])
			k++;
		acc += k - i;
		double target = (double)left / bins_left;
		if (k < n && (double)acc >= target) {
			cut[nc++] = between(v[k - 1], v[k]);
			left -= acc;
			acc = 0;
			bins_left--;
		}
		i = k;
	}
	return nc;
}

/* out[i] = count of thresholds below x[i] (a branch-free lower bound, four
 * searches interleaved so their loads overlap), or miss for NaN. */
static void bin_column(const double *cut, int nc, const double *x, size_t n, uint8_t miss,
		       uint8_t *out)
{
	size_t i = 0;
	if (nc > 0) {
		/* Masks rather than ?: so the compiler cannot turn the steps
		 * into (mispredicted) branches. */
		for (; i + 4 <= n; i += 4) {
			double v0 = x[i], v1 = x[i + 1], v2 = x[i + 2], v3 = x[i + 3];
			size_t b0 = 0, b1 = 0, b2 = 0, b3 = 0;
			for (size_t len = (size_t)nc; len > 1;) {
				size_t half = len / 2;
				b0 += half & ((size_t)0 - (size_t)(cut[b0 + half - 1] < v0));
				b1 += half & ((size_t)0 - (size_t)(cut[b1 + half - 1] < v1));
				b2 += half & ((size_t)0 - (size_t)(cut[b2 + half - 1] < v2));
				b3 += half & ((size_t)0 - (size_t)(cut[b3 + half - 1] < v3));
				len -= half;
			}
			out[i] = (uint8_t)(b0 + (cut[b0] < v0));
			out[i + 1] = (uint8_t)(b1 + (cut[b1] < v1));
			out[i + 2] = (uint8_t)(b2 + (cut[b2] < v2));
			out[i + 3] = (uint8_t)(b3 + (cut[b3] < v3));
		}
	}
	for (; i < n; i++) {
		const double *b = cut;
		double v = x[i];
		int c = 0;
		if (nc > 0) {
			for (int len = nc; len > 1;) {
				int half = len / 2;
				b += b[half - 1] < v ? half : 0;
				len -= half;
			}
			c = (int)(b - cut) + (*b < v);
		}
		out[i] = (uint8_t)c;
	}
	for (i = 0; i < n; i++)
		if (isnan(x[i]))
			out[i] = miss;
}

void gbdt_bins_build(struct gbdt_bins *b, const struct mldata *d, int max_bins, struct rng *r)
{
	size_t n = d->n;
	int p = d->p;
	memset(b, 0, sizeof(*b));
	b->n = n;
	b->p = p;
	b->nbin = xcalloc((size_t)p + 1, sizeof(int));
	b->cut = xcalloc((size_t)p + 1, sizeof(double *));
	b->off = xcalloc((size_t)p + 1, sizeof(uint32_t));

	/* The sketch sample: a uniform subset of rows, ascending. */
	size_t ns = n;
	uint32_t *sample = NULL;
	if (n > SKETCH_ROWS) {
		uint32_t *perm = xmallocarray(n, sizeof(uint32_t));
		for (size_t i = 0; i < n; i++)
			perm[i] = (uint32_t)i;
		ns = SKETCH_ROWS;
		for (size_t i = 0; i < ns; i++) {
			size_t k = i + (size_t)rng_below(r, n - i);
			uint32_t t = perm[i];
			perm[i] = perm[k];
			perm[k] = t;
		}
		sample = xrealloc(perm, ns * sizeof(uint32_t));
		qsort(sample, ns, sizeof(uint32_t), cmp_u32);
	}

#pragma omp parallel for schedule(dynamic, 1) if (n >= 32768)
	for (int j = 0; j < p; j++) {
		const double *x = d->x[j];
		int missing = 0;
		for (size_t i = 0; i < n && !missing; i++)
			missing = isnan(x[i]);
		uint64_t *key = xmallocarray(2 * ns + 2, sizeof(uint64_t));
		size_t nv = 0;
		for (size_t s = 0; s < ns; s++) {
			double xv = x[sample ? sample[s] : s];
			if (!isnan(xv))
				key[nv++] = frame_f64_key(xv);
		}
		frame_radix_u64_buf(key, NULL, nv, key + ns + 1, NULL);
		double *v = (double *)key;
		for (size_t s = 0; s < nv; s++)
			v[s] = frame_f64_unkey(key[s]);
		/* The missing code must fit a byte too. */
		int maxbin = missing && max_bins > 255 ? 255 : max_bins;
		double *cut = xmallocarray((size_t)maxbin, sizeof(double));
		int nc = sketch(v, nv, maxbin, cut);
		free(key);
		b->cut[j] = xreallocarray(cut, (size_t)nc + 1, sizeof(double));
		b->nbin[j] = nc + 1;
	}
	free(sample);

	size_t slots = 0;
	for (int j = 0; j < p; j++) {
		b->off[j] = (uint32_t)slots;
		slots += (size_t)b->nbin[j] + 1;
	}
	b->nslot = slots;

	b->col = xmallocarray(n * (size_t)p + 1, 1);
#pragma omp parallel for schedule(dynamic, 1) if (n >= 32768)
	for (int j = 0; j < p; j++)
		bin_column(b->cut[j], b->nbin[j] - 1, d->x[j], n, (uint8_t)b->nbin[j],
			   b->col + (size_t)j * n);
}

void gbdt_bins_release(struct gbdt_bins *b)
{
	for (int j = 0; b->cut && j < b->p; j++)
		free(b->cut[j]);
	free(b->cut);
	free(b->nbin);
	free(b->off);
	free(b->col);
	memset(b, 0, sizeof(*b));
}

/* ---------------------------------------------------------------- trees */

void gbdt_tree_init(struct gbdt_tree *t)
{
	memset(t, 0, sizeof(*t));
}

void gbdt_tree_release(struct gbdt_tree *t)
{
	free(t->feature);
	free(t->left);
	free(t->right);
	free(t->dleft);
	free(t->thr);
	free(t->value);
	free(t->sbin);
	memset(t, 0, sizeof(*t));
}

int gbdt_tree_add(struct gbdt_tree *t, double v)
{
	if (t->n == t->cap) {
		int cap = t->cap ? 2 * t->cap : 64;
		t->feature = xreallocarray(t->feature, (size_t)cap, sizeof(int32_t));
		t->left = xreallocarray(t->left, (size_t)cap, sizeof(int32_t));
		t->right = xreallocarray(t->right, (size_t)cap, sizeof(int32_t));
		t->dleft = xreallocarray(t->dleft, (size_t)cap, 1);
		t->thr = xreallocarray(t->thr, (size_t)cap, sizeof(double));
		t->value = xreallocarray(t->value, (size_t)cap, sizeof(double));
		t->sbin = xreallocarray(t->sbin, (size_t)cap, 1);
		t->cap = cap;
	}
	int k = t->n++;
	t->feature[k] = -1;
	t->left[k] = t->right[k] = -1;
	t->dleft[k] = 0;
	t->thr[k] = 0;
	t->value[k] = v;
	t->sbin[k] = 0;
	return k;
}

/* ---------------------------------------------------------------- growing */

struct split {
	double gain;
	int f, bin, dleft;
	double gl, hl;   /* left child's sums */
};

struct node {
	size_t begin, end;
	int depth;
	int hist;        /* pool slot, or -1 */
	double g, h;
	struct split best;
};

struct gbdt_grower {
	const struct gbdt_bins *b;
	struct gbdt_grow_opts o;
	uint32_t *tmp;               /* partition buffer, n entries */
	struct gbdt_gh **pool;       /* histograms */
	int npool, *freelist, nfree;
	struct gbdt_gh *og;          /* a node's gradients in row order */
	struct node *nodes;
	int nnode, capnode;
	int *queue;
	struct gbdt_leaf *leaves;
	int nleaf;
	int *feats;                  /* active features */
	int nfeat;
};

struct gbdt_grower *gbdt_grower_new(const struct gbdt_bins *b, const struct gbdt_grow_opts *o)
{
	struct gbdt_grower *g = xcalloc(1, sizeof(*g));
	g->b = b;
	g->o = *o;
	g->tmp = xmallocarray(b->n + 1, sizeof(uint32_t));
	g->feats = xmallocarray((size_t)b->p + 1, sizeof(int));
	g->og = xmallocarray(b->n + 1, sizeof(struct gbdt_gh));
	return g;
}

void gbdt_grower_free(struct gbdt_grower *g)
{
	if (!g)
		return;
	for (int k = 0; k < g->npool; k++)
		free(g->pool[k]);
	free(g->pool);
	free(g->freelist);
	free(g->tmp);
	free(g->nodes);
	free(g->queue);
	free(g->leaves);
	free(g->feats);
	free(g->og);
	free(g);
}

static int hist_get(struct gbdt_grower *g)
{
	if (g->nfree)
		return g->freelist[--g->nfree];
	g->pool = xreallocarray(g->pool, (size_t)g->npool + 1, sizeof(*g->pool));
	g->freelist = xreallocarray(g->freelist, (size_t)g->npool + 1, sizeof(int));
	g->pool[g->npool] = xmallocarray(g->b->nslot + 1, sizeof(struct gbdt_gh));
	return g->npool++;
}

static void hist_put(struct gbdt_grower *g, int *slot)
{
	if (*slot >= 0)
		g->freelist[g->nfree++] = *slot;
	*slot = -1;
}

#ifdef __SSE2__
typedef __m128d ghv;
static inline ghv gh_load(const struct gbdt_gh *v)
{
	return _mm_loadu_pd(&v->g);
}
static inline void gh_add(struct gbdt_gh *s, ghv v)
{
	_mm_storeu_pd(&s->g, _mm_add_pd(_mm_loadu_pd(&s->g), v));
}
#else
typedef struct gbdt_gh ghv;
static inline ghv gh_load(const struct gbdt_gh *v)
{
	return *v;
}
static inline void gh_add(struct gbdt_gh *s, ghv v)
{
	s->g += v.g;
	s->h += v.h;
}
#endif

static inline void add_gh(struct gbdt_gh *s, const struct gbdt_gh *v)
{
	gh_add(s, gh_load(v));
}

#define COL_CHUNK 4096

/* Column-wise histogram of rows[0..m) with ordered gradients og[k] (the
 * gradients of rows[k]): each thread owns a fixed share of the features and
 * walks the rows chunk by chunk, four features at a time, so a feature's
 * 4 KB histogram stays in L1 and a chunk's gradients in L2.  Every
 * feature's sum runs in row order whoever computes it, so the result does
 * not depend on the thread count. */
static void hist_cols(const struct gbdt_grower *g, const struct gbdt_gh *og,
		      const uint32_t *rows, size_t m, struct gbdt_gh *H)
{
	const struct gbdt_bins *b = g->b;
	const int *feats = g->feats;
	const int nf = g->nfeat;
	const size_t n = b->n;
#pragma omp parallel if (m * (size_t)nf >= 200000)
	{
		int nt = omp_get_num_threads(), tid = omp_get_thread_num();
		int mine[256], nm = 0;
		for (int t = tid; t < nf; t += nt) {
			int j = feats[t];
			if (nm < 256)
				mine[nm++] = j;
			memset(H + b->off[j], 0, ((size_t)b->nbin[j] + 1) * sizeof(*H));
		}
		/* More than 256 features for one thread: the rest in a second
		 * sweep (rare; keeps the stack list small). */
		for (int start = 0, base = tid; base < nf; base += 256 * nt) {
			if (start > 0) {
				nm = 0;
				for (int t = base; t < nf && nm < 256; t += nt)
					mine[nm++] = feats[t];
			}
			start = 1;
			for (size_t c0 = 0; c0 < m; c0 += COL_CHUNK) {
				size_t c1 = c0 + COL_CHUNK < m ? c0 + COL_CHUNK : m;
				int q = 0;
				for (; q + 4 <= nm; q += 4) {
					const uint8_t *k0 = b->col + (size_t)mine[q] * n;
					const uint8_t *k1 = b->col + (size_t)mine[q + 1] * n;
					const uint8_t *k2 = b->col + (size_t)mine[q + 2] * n;
					const uint8_t *k3 = b->col + (size_t)mine[q + 3] * n;
					struct gbdt_gh *h0 = H + b->off[mine[q]];
					struct gbdt_gh *h1 = H + b->off[mine[q + 1]];
					struct gbdt_gh *h2 = H + b->off[mine[q + 2]];
					struct gbdt_gh *h3 = H + b->off[mine[q + 3]];
					for (size_t k = c0; k < c1; k++) {
						uint32_t i = rows[k];
						ghv v = gh_load(og + k);
						gh_add(h0 + k0[i], v);
						gh_add(h1 + k1[i], v);
						gh_add(h2 + k2[i], v);
						gh_add(h3 + k3[i], v);
					}
				}
				for (; q < nm; q++) {
					const uint8_t *k0 = b->col + (size_t)mine[q] * n;
					struct gbdt_gh *h0 = H + b->off[mine[q]];
					for (size_t k = c0; k < c1; k++)
						add_gh(h0 + k0[rows[k]], og + k);
				}
			}
		}
	}
}

/* The histogram of rows[0..m) into H.  rows_are_all: rows is 0..n-1 (the
 * gradients are already in row order). */
static void build_hist(struct gbdt_grower *g, const struct gbdt_gh *gh, const uint32_t *rows,
		       size_t m, struct gbdt_gh *H, int rows_are_all)
{
	const struct gbdt_gh *og = gh;
	if (!rows_are_all) {
		struct gbdt_gh *o = g->og;
#pragma omp parallel for schedule(static) if (m >= 65536)
		for (size_t k = 0; k < m; k++)
			o[k] = gh[rows[k]];
		og = o;
	}
	hist_cols(g, og, rows, m, H);
}

static inline double thresh_l1(double gsum, double alpha)
{
	return gsum > alpha ? gsum - alpha : gsum < -alpha ? gsum + alpha : 0;
}

static inline double score(const struct gbdt_grow_opts *o, double gsum, double hsum)
{
	double t = thresh_l1(gsum, o->alpha), d = hsum + o->lambda;
	return d > 0 ? t * t / d : 0;
}

static double leaf_weight(const struct gbdt_grow_opts *o, double gsum, double hsum)
{
	double d = hsum + o->lambda;
	return d > 0 ? -thresh_l1(gsum, o->alpha) / d : 0;
}

/* The best split of node x from its histogram; best.f = -1 when no split
 * gains more than gamma.  Ties keep the first (lowest feature, lowest bin,
 * missing right before missing left), so the choice is deterministic. */
static void find_split(const struct gbdt_grower *g, struct node *x)
{
	const struct gbdt_bins *b = g->b;
	const struct gbdt_grow_opts *o = &g->o;
	const struct gbdt_gh *H = g->pool[x->hist];
	struct split best = { .gain = o->gamma, .f = -1 };
	double G = x->g, Ht = x->h, mcw = o->min_child_weight;
	double parent = score(o, G, Ht);
	for (int t = 0; t < g->nfeat; t++) {
		int j = g->feats[t];
		int nb = b->nbin[j];
		if (nb < 2)
			continue;
		const struct gbdt_gh *h = H + b->off[j];
		struct gbdt_gh miss = h[nb];
		double gl = 0, hl = 0;
		for (int k = 0; k < nb - 1; k++) {
			gl += h[k].g;
			hl += h[k].h;
			double gr = G - gl, hr = Ht - hl;
			if (hl >= mcw && hr >= mcw) {
				double gain = score(o, gl, hl) + score(o, gr, hr) - parent;
				if (gain > best.gain) {
					best = (struct split){ gain, j, k, 0, gl, hl };
					/* No missing rows here: NaN follows the heavier side. */
					if (miss.h <= 0)
						best.dleft = hl >= hr;
				}
			}
			if (miss.h > 0) {
				double gl2 = gl + miss.g, hl2 = hl + miss.h;
				gr = G - gl2;
				hr = Ht - hl2;
				if (hl2 >= mcw && hr >= mcw) {
					double gain = score(o, gl2, hl2) + score(o, gr, hr) - parent;
					if (gain > best.gain)
						best = (struct split){ gain, j, k, 1, gl2, hl2 };
				}
			}
		}
	}
	x->best = best;
}

/* Stable partition of rows[0..m) by the split; returns the left count. */
static size_t partition(struct gbdt_grower *g, uint32_t *rows, size_t m, const struct split *s)
{
	const struct gbdt_bins *b = g->b;
	const uint8_t *code = b->col + (size_t)s->f * b->n;
	const int miss = b->nbin[s->f], sbin = s->bin, dleft = s->dleft;
	int nb = nblocks(m);
	size_t cnt[BLOCK_MAX], lstart[BLOCK_MAX], rstart[BLOCK_MAX];
#pragma omp parallel for schedule(static) if (nb > 1)
	for (int blk = 0; blk < nb; blk++) {
		size_t c = 0;
		for (size_t k = block_lo(m, nb, blk); k < block_lo(m, nb, blk + 1); k++) {
			int v = code[rows[k]];
			c += v == miss ? dleft : v <= sbin;
		}
		cnt[blk] = c;
	}
	size_t nleft = 0;
	for (int blk = 0; blk < nb; blk++) {
		lstart[blk] = nleft;
		nleft += cnt[blk];
	}
	size_t r = nleft;
	for (int blk = 0; blk < nb; blk++) {
		rstart[blk] = r;
		r += block_lo(m, nb, blk + 1) - block_lo(m, nb, blk) - cnt[blk];
	}
	uint32_t *tmp = g->tmp;
#pragma omp parallel for schedule(static) if (nb > 1)
	for (int blk = 0; blk < nb; blk++) {
		size_t l = lstart[blk], rr = rstart[blk];
		for (size_t k = block_lo(m, nb, blk); k < block_lo(m, nb, blk + 1); k++) {
			uint32_t i = rows[k];
			int v = code[i];
			if (v == miss ? dleft : v <= sbin)
				tmp[l++] = i;
			else
				tmp[rr++] = i;
		}
	}
	memcpy(rows, tmp, m * sizeof(*rows));
	return nleft;
}

static int new_node(struct gbdt_grower *g, size_t begin, size_t end, int depth, double gsum,
		    double hsum)
{
	if (g->nnode == g->capnode) {
		g->capnode = g->capnode ? 2 * g->capnode : 64;
		g->nodes = xreallocarray(g->nodes, (size_t)g->capnode, sizeof(*g->nodes));
		g->queue = xreallocarray(g->queue, (size_t)g->capnode, sizeof(int));
	}
	struct node *x = &g->nodes[g->nnode];
	x->begin = begin;
	x->end = end;
	x->depth = depth;
	x->hist = -1;
	x->g = gsum;
	x->h = hsum;
	x->best.f = -1;
	x->best.gain = 0;
	return g->nnode++;
}

static int can_split(const struct gbdt_grower *g, const struct node *x)
{
	return (g->o.max_depth == 0 || x->depth < g->o.max_depth) && x->end - x->begin >= 2;
}

int gbdt_grow(struct gbdt_grower *g, const struct gbdt_gh *gh, uint32_t *rows, size_t m,
	      const uint8_t *fmask, struct gbdt_tree *t, double *gain,
	      const struct gbdt_leaf **leaves)
{
	const struct gbdt_bins *b = g->b;
	const struct gbdt_grow_opts *o = &g->o;
	t->n = 0;
	g->nnode = 0;
	g->nleaf = 0;
	g->nfeat = 0;
	for (int j = 0; j < b->p; j++)
		if (!fmask || fmask[j])
			g->feats[g->nfeat++] = j;

	double G = 0, H = 0;
	int root = new_node(g, 0, m, 0, 0, 0);
	gbdt_tree_add(t, 0);
	if (can_split(g, &g->nodes[root]) && g->nfeat > 0) {
		int hs = hist_get(g);
		build_hist(g, gh, rows, m, g->pool[hs], m == b->n);
		/* Node sums from one feature's slots (every row is in one). */
		const struct gbdt_gh *h = g->pool[hs] + b->off[g->feats[0]];
		for (int k = 0; k <= b->nbin[g->feats[0]]; k++) {
			G += h[k].g;
			H += h[k].h;
		}
		g->nodes[root].hist = hs;
		g->nodes[root].g = G;
		g->nodes[root].h = H;
		find_split(g, &g->nodes[root]);
	} else {
		for (size_t k = 0; k < m; k++) {
			G += gh[rows[k]].g;
			H += gh[rows[k]].h;
		}
		g->nodes[root].g = G;
		g->nodes[root].h = H;
	}

	int qhead = 0, qtail = 0, nleaves = 1;
	g->queue[qtail++] = root;
	while (qhead < qtail) {
		/* Depth-wise: first in, first out.  Leaf-wise: the largest gain. */
		int pick = qhead;
		if (o->max_leaves > 0) {
			for (int q = qhead + 1; q < qtail; q++) {
				const struct node *a = &g->nodes[g->queue[q]];
				const struct node *c = &g->nodes[g->queue[pick]];
				if (a->best.f >= 0 && (c->best.f < 0 || a->best.gain > c->best.gain))
					pick = q;
			}
			int tq = g->queue[pick];
			g->queue[pick] = g->queue[qhead];
			g->queue[qhead] = tq;
		}
		int xi = g->queue[qhead++];
		struct node *x = &g->nodes[xi];
		if (x->best.f < 0) {
			hist_put(g, &x->hist);
			continue;
		}
		if (o->max_leaves > 0 && nleaves >= o->max_leaves)
			break;
		struct split s = x->best;
		size_t begin = x->begin, end = x->end;
		size_t nl = partition(g, rows + begin, end - begin, &s);
		if (nl == 0 || nl == end - begin) {
			/* Float noise made an empty side look acceptable. */
			x->best.f = -1;
			hist_put(g, &x->hist);
			continue;
		}
		int depth = x->depth + 1, parent_hist = x->hist;
		double xg = x->g, xh = x->h;
		x->hist = -1;
		int li = new_node(g, begin, begin + nl, depth, s.gl, s.hl);
		int ri = new_node(g, begin + nl, end, depth, xg - s.gl, xh - s.hl);
		int tl = gbdt_tree_add(t, 0), tr = gbdt_tree_add(t, 0);
		t->feature[xi] = s.f;
		t->left[xi] = tl;
		t->right[xi] = tr;
		t->dleft[xi] = (uint8_t)s.dleft;
		t->thr[xi] = b->cut[s.f][s.bin];
		t->sbin[xi] = (uint8_t)s.bin;
		if (gain)
			gain[s.f] += s.gain;
		nleaves++;
		struct node *L = &g->nodes[li], *R = &g->nodes[ri];
		int needl = can_split(g, L), needr = can_split(g, R);
		if (needl || needr) {
			struct node *small = nl <= end - begin - nl ? L : R;
			struct node *large = small == L ? R : L;
			int hs = hist_get(g);
			build_hist(g, gh, rows + small->begin, small->end - small->begin, g->pool[hs], 0);
			struct gbdt_gh *P = g->pool[parent_hist];
			const struct gbdt_gh *S = g->pool[hs];
			for (size_t k = 0; k < b->nslot; k++) {
				P[k].g -= S[k].g;
				P[k].h -= S[k].h;
			}
			small->hist = hs;
			large->hist = parent_hist;
			if (needl)
				find_split(g, L);
			else
				hist_put(g, &L->hist);
			if (needr)
				find_split(g, R);
			else
				hist_put(g, &R->hist);
		} else {
			hist_put(g, &parent_hist);
		}
		g->queue[qtail++] = li;
		g->queue[qtail++] = ri;
	}
	/* Whatever is left in the queue stays a leaf. */
	for (int q = qhead; q < qtail; q++)
		hist_put(g, &g->nodes[g->queue[q]].hist);

	g->leaves = xreallocarray(g->leaves, (size_t)g->nnode, sizeof(*g->leaves));
	for (int k = 0; k < g->nnode; k++) {
		if (t->feature[k] >= 0)
			continue;
		const struct node *x = &g->nodes[k];
		t->value[k] = o->learning_rate * leaf_weight(o, x->g, x->h);
		g->leaves[g->nleaf++] = (struct gbdt_leaf){ k, x->begin, x->end };
	}
	*leaves = g->leaves;
	return g->nleaf;
}
