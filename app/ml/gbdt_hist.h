/*
 * gbdt_hist — the histogram machinery behind the gbdt family (model_gbdt.c):
 * feature binning, and growing one regression tree on gradient / hessian
 * pairs with per-node histograms.
 *
 * Binning.  Each feature gets at most max_bins - 1 ascending thresholds
 * (cut[]) from a quantile sketch of (a sample of) the training rows; value
 * bin b holds cut[b-1] < v <= cut[b], so "code <= b" is exactly "x <= cut[b]"
 * and a split learned on codes is applied to raw values at prediction
 * without re-binning.  Code nbin[j] is the missing bin (NaN).  A feature
 * with missing values has at most 255 value bins so its missing code fits
 * a byte; one without may use all 256.
 *
 * Growing.  Every node owns a contiguous, ascending segment of a row index
 * array (with the rows' gradients alongside, "ordered gradients"); a split
 * writes its children's segments, by a stable partition, to the same
 * positions of a second buffer, so nothing is copied back.  A node to be
 * split needs its gradient histogram: the smaller child's is built from its
 * rows, the larger child's is the parent's minus the smaller's (histogram
 * subtraction).  Split search tries, at every threshold, the missing rows
 * on either side and keeps the better (the learned default direction).
 * Depth-wise growth splits every node whose best gain beats gamma until
 * max_depth, a whole level per step; leaf-wise growth (max_leaves > 0)
 * always splits the leaf with the largest gain, as LightGBM does.
 *
 * A step is one parallel region of tasks (partition blocks, then feature
 * groups of each split's histogram and split search), ordered by counters
 * of finished tasks rather than barriers (see gbdt_hist.c).  Histograms are
 * built column-wise (codes are column-major), a chunk of rows at a time and
 * four features per pass, so the features' histograms stay in L1.
 *
 * Determinism: every feature's histogram is summed in row order by one
 * task, partition blocks depend only on the node's row count, and per-group
 * best splits are combined in feature order, so the tree is bit-identical
 * on any number of threads.
 */
#ifndef WB_GBDT_HIST_H
#define WB_GBDT_HIST_H

#include <stddef.h>
#include <stdint.h>

#include "core/rng.h"
#include "ml/model.h"

/* A gradient / hessian pair (also a histogram slot). */
struct gbdt_gh {
	double g, h;
};

struct gbdt_bins {
	size_t n;
	int p;
	uint8_t *col;    /* n * p codes, column-major: col[j * n + i] */
	int *nbin;       /* value bins of feature j (>= 1); code nbin[j] = missing */
	double **cut;    /* nbin[j] - 1 ascending thresholds */
	uint32_t *off;   /* first histogram slot of feature j (nbin[j] + 1 slots) */
	size_t nslot;
};

/* Bins d's features with at most max_bins - 1 thresholds each; the sketch
 * uses up to 200,000 rows drawn from r. */
void gbdt_bins_build(struct gbdt_bins *b, const struct mldata *d, int max_bins, struct rng *r);
void gbdt_bins_release(struct gbdt_bins *b);

/* One tree, as parallel arrays.  Node 0 is the root; a leaf has feature -1.
 * An internal node sends x <= thr to left, x > thr to right and NaN to left
 * when dleft is set, else right. */
struct gbdt_tree {
	int n, cap;
	int32_t *feature, *left, *right;
	uint8_t *dleft;
	double *thr;
	double *value;   /* leaf value, already scaled by the learning rate */
	uint8_t *sbin;   /* training only: codes <= sbin go left */
};

void gbdt_tree_init(struct gbdt_tree *t);
void gbdt_tree_release(struct gbdt_tree *t);
/* Appends a leaf with value v; returns its index. */
int gbdt_tree_add(struct gbdt_tree *t, double v);

struct gbdt_grow_opts {
	int max_depth;          /* 0 = unlimited */
	int max_leaves;         /* 0 = no limit (depth-wise), else leaf-wise */
	double min_child_weight, lambda, alpha, gamma, learning_rate;
};

/* A leaf of the last grown tree and its rows: rows[begin..end) (rows is
 * the caller's array or the grower's second row buffer). */
struct gbdt_leaf {
	int node;
	size_t begin, end;
	const uint32_t *rows;
};

struct gbdt_grower;

struct gbdt_grower *gbdt_grower_new(const struct gbdt_bins *b, const struct gbdt_grow_opts *o);
void gbdt_grower_free(struct gbdt_grower *g);
/* Grows t (emptied first) on rows[0..m) (overwritten: each leaf's rows end
 * up contiguous, in rows or in a buffer of the grower, see gbdt_leaf) with gradients gh (indexed by row).  fmask[j]
 * says whether feature j may split (NULL: all).  Adds each split's gain to
 * gain[feature].  *leaves gets the grower's leaf list (valid until the next
 * call). */
int gbdt_grow(struct gbdt_grower *g, const struct gbdt_gh *gh, uint32_t *rows, size_t m,
	      const uint8_t *fmask, struct gbdt_tree *t, double *gain,
	      const struct gbdt_leaf **leaves);

/* The leaf of tree t that row i of the binned data falls in. */
static inline int gbdt_tree_leaf_binned(const struct gbdt_tree *t, const struct gbdt_bins *b,
					size_t i)
{
	int k = 0;
	while (t->feature[k] >= 0) {
		int f = t->feature[k];
		int code = b->col[(size_t)f * b->n + i];
		int left = code == b->nbin[f] ? t->dleft[k] : code <= t->sbin[k];
		k = left ? t->left[k] : t->right[k];
	}
	return k;
}

#endif
