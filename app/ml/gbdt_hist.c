/*
 * gbdt_hist — binning and histogram tree growth for the gbdt family (see
 * gbdt_hist.h for the algorithm and the determinism rule).
 */
#include "ml/gbdt_hist.h"
#include "core/frame_ops.h"

#include <math.h>
#include <omp.h>
#include <sched.h>
#include <stdatomic.h>
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

/*
 * Growth runs level by level (depth-wise) or split by split (leaf-wise),
 * and each step is ONE parallel region whose work is a list of tasks:
 *
 *   count    (node, row block): left rows per block of every node to split;
 *   plan     (one thread): prefix sums, child nodes, tree nodes, hist slots;
 *   scatter  (node, row block): stable partition of the block into the other
 *            row buffer, moving the ordered gradients along;
 *   hist     (split, feature group): the smaller child's histogram of the
 *            group's features, the larger child's by subtraction, and both
 *            children's best split within the group.
 *
 * So a tree costs a few barriers per level instead of several parallel
 * regions per node: on a busy 2-core machine a barrier costs as much as a
 * time slice whenever the other thread is descheduled.  Tasks are handed
 * out dynamically (a descheduled thread's share is picked up by the other);
 * that cannot change the result, because no task's output depends on which
 * thread runs it: every feature's histogram is summed over its node's rows
 * in row order by one task, partition blocks depend on the node's row count
 * only, and the per-group best splits are combined in group order (the
 * first maximum overall, as one scan over all features would find).
 *
 * Row buffers: a node's rows (and their gradients, "ordered gradients") are
 * in buffer 0 (the caller's rows) or 1; splitting a node writes its
 * children's rows to the same positions of the other buffer.  Segments of
 * different nodes are disjoint, so a leaf's rows stay valid where they are
 * and nothing is copied back.
 */

struct split {
	double gain;
	int f, bin, dleft;
	double gl, hl;   /* left child's sums */
};

struct node {
	size_t begin, end;
	int depth;
	int hist;        /* pool slot, or -1 */
	int buf;         /* row buffer holding the rows */
	double g, h;
	struct split best;
};

/* A node being split in the current step. */
struct job {
	int node;
	int task0, ntask;     /* its partition blocks: tasks task0.. */
	size_t nleft;
	int l, r;             /* children (-1: the split failed) */
	int small, large;     /* children by row count */
	int need[2];          /* children that may split again */
	int hist;             /* histogram work to do */
	int og;               /* move ordered gradients along */
};

struct gbdt_grower {
	const struct gbdt_bins *b;
	struct gbdt_grow_opts o;
	uint32_t *rb[2];             /* row buffers: rb[0] = the caller's rows */
	struct gbdt_gh *ob[2];       /* gradients in the order of rb[k] */
	const struct gbdt_gh *root_og; /* root's ordered gradients (gh itself when
					* the root has every row in order) */
	struct gbdt_gh **pool;       /* histograms */
	int npool, *freelist, nfree;
	struct node *nodes;
	int nnode, capnode;
	int *queue;
	struct gbdt_leaf *leaves;
	int nleaf;
	int *feats;                  /* active features */
	int nfeat;
	/* the current step */
	struct job *jobs;
	int njob, capjob;
	size_t *cnt, *lpos, *rpos;   /* per partition task */
	int *tjob;                   /* a partition task's job */
	int ntask, captask;
	int ngroup;                  /* feature groups per job */
	struct split *cand;          /* per job, side, group */
	size_t capcand;
	struct gbdt_tree *t;
	double *gain;
	int nleaves;
	atomic_int done[3];          /* tasks finished, per phase of a step */
};

struct gbdt_grower *gbdt_grower_new(const struct gbdt_bins *b, const struct gbdt_grow_opts *o)
{
	struct gbdt_grower *g = xcalloc(1, sizeof(*g));
	g->b = b;
	g->o = *o;
	g->rb[1] = xmallocarray(b->n + 1, sizeof(uint32_t));
	g->feats = xmallocarray((size_t)b->p + 1, sizeof(int));
	g->ob[0] = xmallocarray(b->n + 1, sizeof(struct gbdt_gh));
	g->ob[1] = xmallocarray(b->n + 1, sizeof(struct gbdt_gh));
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
	free(g->rb[1]);
	free(g->ob[0]);
	free(g->ob[1]);
	free(g->nodes);
	free(g->queue);
	free(g->leaves);
	free(g->feats);
	free(g->jobs);
	free(g->cnt);
	free(g->lpos);
	free(g->rpos);
	free(g->tjob);
	free(g->cand);
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
static inline void gh_sub(struct gbdt_gh *d, const struct gbdt_gh *s)
{
	_mm_storeu_pd(&d->g, _mm_sub_pd(_mm_loadu_pd(&d->g), _mm_loadu_pd(&s->g)));
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
static inline void gh_sub(struct gbdt_gh *d, const struct gbdt_gh *s)
{
	d->g -= s->g;
	d->h -= s->h;
}
#endif

/* Histogram chunk: a chunk's gradients (64 KB) stay in L2 while every
 * feature of the group walks it. */
#define COL_CHUNK 4096

/* Histogram of features fs[0..nf) over rows[0..m) with ordered gradients
 * og (og[k] belongs to rows[k]) into H: the features' slots are zeroed,
 * then summed chunk by chunk, four features per pass over the chunk, each
 * in row order (so the result is independent of how features are grouped). */
static void hist_feats(const struct gbdt_bins *b, const int *fs, int nf, const uint32_t *rows,
		       const struct gbdt_gh *og, size_t m, struct gbdt_gh *H)
{
	const size_t n = b->n;
	for (int q = 0; q < nf; q++)
		memset(H + b->off[fs[q]], 0, ((size_t)b->nbin[fs[q]] + 1) * sizeof(*H));
	for (size_t c0 = 0; c0 < m; c0 += COL_CHUNK) {
		size_t c1 = c0 + COL_CHUNK < m ? c0 + COL_CHUNK : m;
		int q = 0;
		for (; q + 4 <= nf; q += 4) {
			const uint8_t *k0 = b->col + (size_t)fs[q] * n;
			const uint8_t *k1 = b->col + (size_t)fs[q + 1] * n;
			const uint8_t *k2 = b->col + (size_t)fs[q + 2] * n;
			const uint8_t *k3 = b->col + (size_t)fs[q + 3] * n;
			struct gbdt_gh *h0 = H + b->off[fs[q]];
			struct gbdt_gh *h1 = H + b->off[fs[q + 1]];
			struct gbdt_gh *h2 = H + b->off[fs[q + 2]];
			struct gbdt_gh *h3 = H + b->off[fs[q + 3]];
			for (size_t k = c0; k < c1; k++) {
				uint32_t i = rows[k];
				ghv v = gh_load(og + k);
				gh_add(h0 + k0[i], v);
				gh_add(h1 + k1[i], v);
				gh_add(h2 + k2[i], v);
				gh_add(h3 + k3[i], v);
			}
		}
		if (q + 2 <= nf) {
			const uint8_t *k0 = b->col + (size_t)fs[q] * n;
			const uint8_t *k1 = b->col + (size_t)fs[q + 1] * n;
			struct gbdt_gh *h0 = H + b->off[fs[q]];
			struct gbdt_gh *h1 = H + b->off[fs[q + 1]];
			for (size_t k = c0; k < c1; k++) {
				uint32_t i = rows[k];
				ghv v = gh_load(og + k);
				gh_add(h0 + k0[i], v);
				gh_add(h1 + k1[i], v);
			}
			q += 2;
		}
		if (q < nf) {
			const uint8_t *k0 = b->col + (size_t)fs[q] * n;
			struct gbdt_gh *h0 = H + b->off[fs[q]];
			for (size_t k = c0; k < c1; k++)
				gh_add(h0 + k0[rows[k]], gh_load(og + k));
		}
	}
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

/* The best split over features fs[0..nf) of a node with sums G, Ht and
 * histogram H; f = -1 when none gains more than gamma.  Ties keep the first
 * (lowest feature, lowest bin, missing right before missing left). */
static struct split find_feats(const struct gbdt_grower *g, const int *fs, int nf, double G,
			       double Ht, const struct gbdt_gh *H)
{
	const struct gbdt_bins *b = g->b;
	const struct gbdt_grow_opts *o = &g->o;
	struct split best = { .gain = o->gamma, .f = -1 };
	double mcw = o->min_child_weight;
	double parent = score(o, G, Ht);
	for (int t = 0; t < nf; t++) {
		int j = fs[t];
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
	return best;
}

/* Combines per-group bests c[0..ng) in group order: the first maximum. */
static struct split best_of(const struct gbdt_grower *g, const struct split *c, int ng)
{
	struct split best = { .gain = g->o.gamma, .f = -1 };
	for (int q = 0; q < ng; q++)
		if (c[q].f >= 0 && c[q].gain > best.gain)
			best = c[q];
	return best;
}

/* Phases of a step are ordered by counters of finished tasks instead of
 * barriers: a thread that runs out of tasks of one phase waits only for
 * the tasks still running, not for the other thread to arrive, which on a
 * busy machine may be descheduled for a whole time slice while idle.  The
 * thread that finishes a phase's last task runs whatever serial work comes
 * next. */
static int phase_done(atomic_int *c)
{
	return atomic_fetch_add_explicit(c, 1, memory_order_acq_rel) + 1;
}

static void phase_wait(atomic_int *c, int target)
{
	for (int spin = 0; atomic_load_explicit(c, memory_order_acquire) < target; spin++)
		if (spin >= 256)
			sched_yield();
}

/* A step runs in parallel when it touches at least this many row-features
 * (below, a barrier costs more than the work it shares). */
#define PAR_WORK ((size_t)1 << 20)

static int new_node(struct gbdt_grower *g, size_t begin, size_t end, int depth, int buf,
		    double gsum, double hsum)
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
	x->buf = buf;
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

static const struct gbdt_gh *node_og(const struct gbdt_grower *g, const struct node *x)
{
	return x == g->nodes && g->root_og ? g->root_og : g->ob[x->buf];
}

/* Feature group q of ng: a contiguous share of the active features. */
static void group(const struct gbdt_grower *g, int q, int ng, const int **fs, int *nf)
{
	int lo = (int)((long)g->nfeat * q / ng), hi = (int)((long)g->nfeat * (q + 1) / ng);
	*fs = g->feats + lo;
	*nf = hi - lo;
}

/* Feature groups per histogram job: enough tasks to keep every thread busy
 * (and to rebalance when one is descheduled), without splitting features
 * finer than a quad of the histogram loop when there are many jobs. */
static int ngroups(const struct gbdt_grower *g, int njob, int nthread)
{
	if (nthread <= 1 || njob <= 0)
		return 1;
	int want = (2 * nthread + njob - 1) / njob;
	int most = (g->nfeat + 3) / 4;
	if (want > most)
		want = most;
	return want < 1 ? 1 : want;
}

/* Count task: left rows of one block of a job's node. */
static void count_task(struct gbdt_grower *g, int t, const struct job *jb)
{
	const struct node *x = &g->nodes[jb->node];
	const struct split *s = &x->best;
	const uint8_t *code = g->b->col + (size_t)s->f * g->b->n;
	const int miss = g->b->nbin[s->f], sbin = s->bin, dleft = s->dleft;
	const uint32_t *rows = g->rb[x->buf] + x->begin;
	size_t m = x->end - x->begin, c = 0;
	int blk = t - jb->task0;
	size_t hi = block_lo(m, jb->ntask, blk + 1);
	for (size_t k = block_lo(m, jb->ntask, blk); k < hi; k++) {
		int v = code[rows[k]];
		c += v == miss ? dleft : v <= sbin;
	}
	g->cnt[t] = c;
}

/* Scatter task: one block of a job's node into the other buffer. */
static void scatter_task(struct gbdt_grower *g, int t, const struct job *jb)
{
	const struct node *x = &g->nodes[jb->node];
	const struct split *s = &x->best;
	const uint8_t *code = g->b->col + (size_t)s->f * g->b->n;
	const int miss = g->b->nbin[s->f], sbin = s->bin, dleft = s->dleft;
	const uint32_t *rows = g->rb[x->buf] + x->begin;
	uint32_t *out = g->rb[x->buf ^ 1] + x->begin;
	size_t m = x->end - x->begin;
	int blk = t - jb->task0;
	size_t l = g->lpos[t], r = g->rpos[t];
	size_t lo = block_lo(m, jb->ntask, blk), hi = block_lo(m, jb->ntask, blk + 1);
	if (jb->og) {
		const struct gbdt_gh *og = node_og(g, x) + x->begin;
		struct gbdt_gh *oo = g->ob[x->buf ^ 1] + x->begin;
		for (size_t k = lo; k < hi; k++) {
			uint32_t i = rows[k];
			int v = code[i];
			size_t at = (v == miss ? dleft : v <= sbin) ? l++ : r++;
			out[at] = i;
			oo[at] = og[k];
		}
	} else {
		for (size_t k = lo; k < hi; k++) {
			uint32_t i = rows[k];
			int v = code[i];
			if (v == miss ? dleft : v <= sbin)
				out[l++] = i;
			else
				out[r++] = i;
		}
	}
}

/* Histogram task: feature group q of job jb. */
static void hist_task(struct gbdt_grower *g, int jbi, int q)
{
	const struct job *jb = &g->jobs[jbi];
	const struct gbdt_bins *b = g->b;
	const int *fs;
	int nf;
	group(g, q, g->ngroup, &fs, &nf);
	struct node *S = &g->nodes[jb->small], *L = &g->nodes[jb->large];
	struct gbdt_gh *HS = g->pool[S->hist], *HL = g->pool[L->hist];
	hist_feats(b, fs, nf, g->rb[S->buf] + S->begin, g->ob[S->buf] + S->begin,
		   S->end - S->begin, HS);
	/* The larger child's histogram is the parent's (in its slot) minus the
	 * smaller's. */
	for (int t = 0; t < nf; t++) {
		size_t o = b->off[fs[t]], e = o + (size_t)b->nbin[fs[t]] + 1;
		for (size_t k = o; k < e; k++)
			gh_sub(HL + k, HS + k);
	}
	for (int side = 0; side < 2; side++) {
		if (!jb->need[side])
			continue;
		const struct node *c = &g->nodes[side ? jb->r : jb->l];
		g->cand[((size_t)jbi * 2 + (size_t)side) * (size_t)g->ngroup + (size_t)q] =
			find_feats(g, fs, nf, c->g, c->h, g->pool[c->hist]);
	}
}

/* The serial middle of a step: children, tree nodes, scatter offsets and
 * histogram slots, in job order (so node numbering matches a one-by-one
 * FIFO growth). */
static void plan(struct gbdt_grower *g, int nthread)
{
	const struct gbdt_bins *b = g->b;
	struct gbdt_tree *t = g->t;
	int nhist = 0;
	for (int q = 0; q < g->njob; q++) {
		struct job *jb = &g->jobs[q];
		struct node *x = &g->nodes[jb->node];
		size_t m = x->end - x->begin, nl = 0;
		for (int k = 0; k < jb->ntask; k++)
			nl += g->cnt[jb->task0 + k];
		jb->nleft = nl;
		jb->l = jb->r = -1;
		jb->hist = jb->og = 0;
		if (nl == 0 || nl == m) {
			/* Float noise made an empty side look acceptable. */
			x->best.f = -1;
			hist_put(g, &x->hist);
			continue;
		}
		size_t l = 0, r = nl;
		for (int k = 0; k < jb->ntask; k++) {
			size_t blk = block_lo(m, jb->ntask, k + 1) - block_lo(m, jb->ntask, k);
			g->lpos[jb->task0 + k] = l;
			g->rpos[jb->task0 + k] = r;
			l += g->cnt[jb->task0 + k];
			r += blk - g->cnt[jb->task0 + k];
		}
		struct split s = x->best;
		int depth = x->depth + 1, parent_hist = x->hist, buf = x->buf ^ 1;
		size_t begin = x->begin, end = x->end;
		double xg = x->g, xh = x->h;
		x->hist = -1;
		jb->l = new_node(g, begin, begin + nl, depth, buf, s.gl, s.hl);
		jb->r = new_node(g, begin + nl, end, depth, buf, xg - s.gl, xh - s.hl);
		x = &g->nodes[jb->node];
		int xi = jb->node;
		int tl = gbdt_tree_add(t, 0), tr = gbdt_tree_add(t, 0);
		t->feature[xi] = s.f;
		t->left[xi] = tl;
		t->right[xi] = tr;
		t->dleft[xi] = (uint8_t)s.dleft;
		t->thr[xi] = b->cut[s.f][s.bin];
		t->sbin[xi] = (uint8_t)s.bin;
		if (g->gain)
			g->gain[s.f] += s.gain;
		g->nleaves++;
		struct node *L = &g->nodes[jb->l], *R = &g->nodes[jb->r];
		jb->need[0] = can_split(g, L);
		jb->need[1] = can_split(g, R);
		if (jb->need[0] || jb->need[1]) {
			jb->small = nl <= end - begin - nl ? jb->l : jb->r;
			jb->large = jb->small == jb->l ? jb->r : jb->l;
			g->nodes[jb->small].hist = hist_get(g);
			g->nodes[jb->large].hist = parent_hist;
			jb->hist = jb->og = 1;
			nhist++;
		} else {
			hist_put(g, &parent_hist);
		}
	}
	g->ngroup = ngroups(g, nhist, nthread);
	size_t need = (size_t)g->njob * 2 * (size_t)g->ngroup + 1;
	if (need > g->capcand) {
		g->cand = xreallocarray(g->cand, need, sizeof(*g->cand));
		g->capcand = need;
	}
}

/* Splits the nodes of jobs[0..njob) (each with a best split): partitions,
 * children, their histograms and best splits. */
static void run_step(struct gbdt_grower *g)
{
	size_t rows_total = 0;
	int ntask = 0;
	for (int q = 0; q < g->njob; q++) {
		const struct node *x = &g->nodes[g->jobs[q].node];
		size_t m = x->end - x->begin;
		rows_total += m;
		g->jobs[q].task0 = ntask;
		g->jobs[q].ntask = nblocks(m);
		ntask += g->jobs[q].ntask;
	}
	if (ntask > g->captask) {
		g->captask = ntask;
		g->cnt = xreallocarray(g->cnt, (size_t)ntask, sizeof(size_t));
		g->lpos = xreallocarray(g->lpos, (size_t)ntask, sizeof(size_t));
		g->rpos = xreallocarray(g->rpos, (size_t)ntask, sizeof(size_t));
		g->tjob = xreallocarray(g->tjob, (size_t)ntask, sizeof(int));
	}
	g->ntask = ntask;
	for (int q = 0; q < g->njob; q++)
		for (int k = 0; k < g->jobs[q].ntask; k++)
			g->tjob[g->jobs[q].task0 + k] = q;
	int par = rows_total * (size_t)g->nfeat >= PAR_WORK;
	for (int k = 0; k < 3; k++)
		atomic_store(&g->done[k], 0);
#pragma omp parallel if (par)
	{
#pragma omp for schedule(dynamic, 1) nowait
		for (int t = 0; t < ntask; t++) {
			count_task(g, t, &g->jobs[g->tjob[t]]);
			if (phase_done(&g->done[0]) == ntask) {
				plan(g, omp_get_num_threads());
				phase_done(&g->done[1]);
			}
		}
		phase_wait(&g->done[1], 1);
#pragma omp for schedule(dynamic, 1) nowait
		for (int t = 0; t < ntask; t++) {
			if (g->jobs[g->tjob[t]].l >= 0)
				scatter_task(g, t, &g->jobs[g->tjob[t]]);
			phase_done(&g->done[2]);
		}
		phase_wait(&g->done[2], ntask);
		int nh = g->njob * g->ngroup;
#pragma omp for schedule(dynamic, 1) nowait
		for (int t = 0; t < nh; t++)
			if (g->jobs[t / g->ngroup].hist)
				hist_task(g, t / g->ngroup, t % g->ngroup);
	}
	for (int q = 0; q < g->njob; q++) {
		const struct job *jb = &g->jobs[q];
		if (!jb->hist)
			continue;
		for (int side = 0; side < 2; side++) {
			struct node *c = &g->nodes[side ? jb->r : jb->l];
			if (jb->need[side])
				c->best = best_of(g, g->cand + ((size_t)q * 2 + (size_t)side) *
						  (size_t)g->ngroup, g->ngroup);
			else
				hist_put(g, &c->hist);
		}
	}
}

/* The root: its histogram (gathering the ordered gradients first unless
 * the rows are all rows in order), sums and best split. */
static void root_step(struct gbdt_grower *g, const struct gbdt_gh *gh, int all)
{
	const struct gbdt_bins *b = g->b;
	struct node *x = &g->nodes[0];
	size_t m = x->end;
	const uint32_t *rows = g->rb[0];
	int par = m * (size_t)g->nfeat >= PAR_WORK;
	int ng = ngroups(g, 1, par ? omp_get_max_threads() : 1);
	if (g->capcand < (size_t)ng) {
		g->cand = xreallocarray(g->cand, (size_t)ng, sizeof(*g->cand));
		g->capcand = (size_t)ng;
	}
	x->hist = hist_get(g);
	struct gbdt_gh *H = g->pool[x->hist];
	g->root_og = all ? gh : NULL;
	const struct gbdt_gh *og = all ? gh : g->ob[0];
	/* Gather blocks (fixed, they only copy), then histogram groups; the
	 * last group to finish takes the node sums. */
	int nblk = all ? 0 : nblocks(m);
	for (int k = 0; k < 3; k++)
		atomic_store(&g->done[k], 0);
#pragma omp parallel if (par)
	{
		struct gbdt_gh *o = g->ob[0];
#pragma omp for schedule(dynamic, 1) nowait
		for (int q = 0; q < nblk; q++) {
			size_t hi = block_lo(m, nblk, q + 1);
			for (size_t k = block_lo(m, nblk, q); k < hi; k++)
				o[k] = gh[rows[k]];
			phase_done(&g->done[0]);
		}
		phase_wait(&g->done[0], nblk);
#pragma omp for schedule(dynamic, 1) nowait
		for (int q = 0; q < ng; q++) {
			const int *fs;
			int nf;
			group(g, q, ng, &fs, &nf);
			hist_feats(b, fs, nf, rows, og, m, H);
			if (phase_done(&g->done[1]) == ng) {
				/* Node sums from one feature's slots (every row is in one). */
				double G = 0, Hs = 0;
				const struct gbdt_gh *h = H + b->off[g->feats[0]];
				for (int k = 0; k <= b->nbin[g->feats[0]]; k++) {
					G += h[k].g;
					Hs += h[k].h;
				}
				x->g = G;
				x->h = Hs;
				phase_done(&g->done[2]);
			}
		}
		phase_wait(&g->done[2], 1);
#pragma omp for schedule(dynamic, 1) nowait
		for (int q = 0; q < ng; q++) {
			const int *fs;
			int nf;
			group(g, q, ng, &fs, &nf);
			g->cand[q] = find_feats(g, fs, nf, x->g, x->h, H);
		}
	}
	x->best = best_of(g, g->cand, ng);
}

static void add_job(struct gbdt_grower *g, int node)
{
	if (g->njob == g->capjob) {
		g->capjob = g->capjob ? 2 * g->capjob : 16;
		g->jobs = xreallocarray(g->jobs, (size_t)g->capjob, sizeof(*g->jobs));
	}
	g->jobs[g->njob++] = (struct job){ .node = node };
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
	g->rb[0] = rows;
	g->root_og = NULL;
	g->t = t;
	g->gain = gain;
	for (int j = 0; j < b->p; j++)
		if (!fmask || fmask[j])
			g->feats[g->nfeat++] = j;

	int root = new_node(g, 0, m, 0, 0, 0, 0);
	gbdt_tree_add(t, 0);
	if (can_split(g, &g->nodes[root]) && g->nfeat > 0) {
		root_step(g, gh, m == b->n);
	} else {
		double G = 0, H = 0;
		for (size_t k = 0; k < m; k++) {
			G += gh[rows[k]].g;
			H += gh[rows[k]].h;
		}
		g->nodes[root].g = G;
		g->nodes[root].h = H;
	}

	g->nleaves = 1;
	if (o->max_leaves == 0) {
		/* Depth-wise: every splittable node of a level in one step.
		 * queue[lo..hi) is the level, in creation order. */
		int lo = 0, hi = 1;
		g->queue[0] = root;
		while (lo < hi) {
			g->njob = 0;
			for (int q = lo; q < hi; q++) {
				struct node *x = &g->nodes[g->queue[q]];
				if (x->best.f < 0)
					hist_put(g, &x->hist);
				else
					add_job(g, g->queue[q]);
			}
			lo = hi;
			if (g->njob == 0)
				break;
			run_step(g);
			for (int q = 0; q < g->njob; q++)
				if (g->jobs[q].l >= 0) {
					g->queue[hi++] = g->jobs[q].l;
					g->queue[hi++] = g->jobs[q].r;
				}
		}
	} else {
		/* Leaf-wise: the leaf with the largest gain, one split per step. */
		int qhead = 0, qtail = 0;
		g->queue[qtail++] = root;
		while (qhead < qtail) {
			int pick = qhead;
			for (int q = qhead + 1; q < qtail; q++) {
				const struct node *a = &g->nodes[g->queue[q]];
				const struct node *c = &g->nodes[g->queue[pick]];
				if (a->best.f >= 0 && (c->best.f < 0 || a->best.gain > c->best.gain))
					pick = q;
			}
			int tq = g->queue[pick];
			g->queue[pick] = g->queue[qhead];
			g->queue[qhead] = tq;
			int xi = g->queue[qhead++];
			struct node *x = &g->nodes[xi];
			if (x->best.f < 0) {
				hist_put(g, &x->hist);
				continue;
			}
			if (g->nleaves >= o->max_leaves)
				break;
			g->njob = 0;
			add_job(g, xi);
			run_step(g);
			if (g->jobs[0].l >= 0) {
				g->queue[qtail++] = g->jobs[0].l;
				g->queue[qtail++] = g->jobs[0].r;
			}
		}
		/* Whatever is left in the queue stays a leaf. */
		for (int q = qhead; q < qtail; q++)
			hist_put(g, &g->nodes[g->queue[q]].hist);
	}

	g->leaves = xreallocarray(g->leaves, (size_t)g->nnode, sizeof(*g->leaves));
	for (int k = 0; k < g->nnode; k++) {
		if (t->feature[k] >= 0)
			continue;
		const struct node *x = &g->nodes[k];
		t->value[k] = o->learning_rate * leaf_weight(o, x->g, x->h);
		g->leaves[g->nleaf++] = (struct gbdt_leaf){ k, x->begin, x->end, g->rb[x->buf] };
	}
	*leaves = g->leaves;
	return g->nleaf;
}
