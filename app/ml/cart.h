/*
 * cart — one CART decision tree, shared by the tree and forest families.
 *
 * Features are first binned (cart_bins_build): each feature's distinct
 * non-missing training values are grouped into at most max_bins ordered bins
 * (one bin per distinct value when there are few enough, else bins of about
 * equal counts that never split a run of equal values).  Trees are grown on
 * the bin codes with histograms, so a node costs O(rows * features) instead
 * of a sort, yet every threshold is exact: a split between bins a < b gets
 * the threshold lo(b)/2 + hi(a)/2, the midpoint between the two nearest
 * training values, as scikit-learn does.  With one bin per distinct value
 * (few values, or max_bins large) the candidate splits are exactly
 * scikit-learn's.
 *
 * Missing values (NaN): every split is tried with the node's missing rows
 * sent left and sent right, and the better direction is stored in the node
 * (missing_left); "all non-missing left, missing right" is a candidate too
 * (threshold +inf).  A node with no missing rows in training sends missing
 * rows to the child with the larger training weight.  Leaves always hold a
 * value, so predictions are never NaN.
 *
 * Categorical features are split as their ordinal codes.
 *
 * Node order is depth first, left child first (preorder), so a child's index
 * is always larger than its parent's; loaded trees are checked for that.
 */
#ifndef WB_CART_H
#define WB_CART_H

#include <stdint.h>
#include <stdio.h>
#include <jansson.h>
#include "ml/model.h"

/* Binned training features. */
struct cart_bins {
	size_t n;
	int p;
	int maxnb;        /* largest nb[j] */
	uint16_t *code;   /* code[i * p + j]: bin of feature j of row i (nb[j]: missing) */
	int *nb;          /* bins per feature (0 when all missing) */
	double **lo, **hi; /* per feature: smallest / largest training value of each bin */
};

/* Bins every feature of d (parallel over features; deterministic).
 * max_bins in 2..65535. */
void cart_bins_build(struct cart_bins *b, const struct mldata *d, int max_bins);
void cart_bins_free(struct cart_bins *b);

enum cart_crit { CART_GINI, CART_ENTROPY, CART_SQUARED };

struct cart_params {
	enum cart_crit crit;
	int nclass;                 /* classes, 0 for regression */
	int max_depth;              /* 0: unlimited */
	double min_samples_split;   /* counts include bootstrap multiplicity */
	double min_samples_leaf;
	double min_impurity_decrease; /* on the decrease / total weight, as sklearn */
	int mtry;                   /* features tried per node (1..p) */
};

/* A node packed for prediction: one 16-byte load per level.  The left child
 * of node k is k + 1 (preorder). */
struct cart_node {
	double threshold;
	int32_t feature;          /* -1: leaf */
	int32_t next;             /* right child * 2 + missing_left */
};

struct cart_tree {
	int32_t nnode, cap;
	int nvalue;               /* values per node: nclass, or 1 */
	int32_t *feature;         /* -1 for a leaf */
	double *threshold;        /* x <= threshold goes left (0 in leaves) */
	int32_t *left, *right;    /* -1 in leaves */
	uint8_t *missing_left;    /* where NaN goes */
	double *value;            /* nnode * nvalue: class probabilities or the mean */
	double *weight;           /* weighted training rows per node (may be NULL) */
	double *impurity;         /* node impurity (may be NULL) */
	struct cart_node *nodes;  /* packed copy of the above for cart_leaf */
};

/* Grows t on the rows of d: cnt[i] copies of row i (cnt NULL: every row
 * once), row weights w (NULL: 1).  y: d->cls (classification) or d->y.
 * r draws the features tried per node (unused when mtry == p).
 * t gets weight and impurity per node. */
void cart_grow(struct cart_tree *t, const struct cart_bins *b, const struct mldata *d,
	       const double *w, const uint32_t *cnt, const struct cart_params *cp,
	       struct rng *r);

/* Minimal cost-complexity pruning (scikit-learn's ccp_alpha): the smallest
 * subtree minimising R(T) + alpha |leaves(T)|, with R the total weighted
 * leaf impurity / total weight.  Needs weight and impurity. */
void cart_prune(struct cart_tree *t, double alpha);

/* Adds each split's weighted impurity decrease to imp[feature] (needs weight
 * and impurity). */
void cart_importance(const struct cart_tree *t, double *imp);

/* The values (nvalue doubles) of the leaf row i of d falls in. */
const double *cart_leaf(const struct cart_tree *t, const struct mldata *d, size_t i);
/* The same for one row given as p contiguous values. */
static inline const double *cart_leaf_row(const struct cart_tree *t, const double *x)
{
	const struct cart_node *nd = t->nodes;
	int32_t k = 0;
	while (nd[k].feature >= 0) {
		double v = x[nd[k].feature];
		int32_t nx = nd[k].next;
		int left = v != v ? nx & 1 : v <= nd[k].threshold;
		k = left ? k + 1 : nx >> 1;
	}
	return t->value + (size_t)k * t->nvalue;
}
/* Rows i0..i1-1 of d, row-major into buf ((i1 - i0) * p doubles): a walk
 * then reads one cache line per row instead of one per feature. */
void cart_rows(const struct mldata *d, size_t i0, size_t i1, double *buf);

int cart_depth(const struct cart_tree *t);
int cart_leaves(const struct cart_tree *t);

/* Drops weight and impurity (kept only while fitting a forest). */
void cart_drop_stats(struct cart_tree *t);

/* The tree as members of obj: feature, threshold, left, right, missing_left
 * (one entry per node) and value.  full: value for every node (nvalue per
 * node) plus weight and impurity; else value for the leaves only, in node
 * order (what prediction needs: forests stay about a third smaller). */
void cart_to_json(const struct cart_tree *t, json_t *obj, int full);
/* Reads it back, checking the structure (p features, nvalue values). */
int cart_from_json(struct cart_tree *t, const json_t *obj, const char *path, int p,
		   int nvalue, int full, struct wb_err *err);

/* The splits of the top `levels` levels, one per line, indented by depth. */
void cart_describe(const struct cart_tree *t, const char *const *names, int levels,
		   FILE *out);

void cart_free(struct cart_tree *t);

/* "gini", "entropy", "squared_error" (NULL-terminated), indexed by enum cart_crit. */
extern const char *const cart_crit_names[];
/* Sets cp->crit and cp->nclass for m's task from the criterion parameter
 * (crit < 0: the task's default); a criterion or class_weight that does not
 * fit the task is an error naming the parameter.  Shared by tree and forest. */
int cart_task_params(const struct model *m, int crit, const struct mldata *d,
		     struct cart_params *cp, struct wb_err *err);

#endif
