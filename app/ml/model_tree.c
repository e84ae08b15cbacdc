/*
 * model_tree — one CART decision tree for classification and regression
 * (the growing itself is cart.c, shared with the forest).
 *
 * Algorithm: greedy binary splits "x <= threshold", depth first, each split
 * the one with the largest weighted impurity decrease over all candidate
 * thresholds of the features tried; thresholds are midpoints between
 * adjacent training values, as in scikit-learn.  Leaves hold the weighted
 * class proportions (classification) or the weighted mean (regression).
 * Optional minimal cost-complexity pruning afterwards (ccp_alpha).
 *
 * Parameters:
 *   criterion             "gini" | "entropy" (classification, default gini),
 *                         "squared_error" (regression, the only one)
 *   max_depth             0      deepest level (root = 0); 0 = unlimited
 *   min_samples_split     2      a node with fewer rows is a leaf
 *   min_samples_leaf      1      fewest rows in a child
 *   min_impurity_decrease 0      split only when (weighted decrease / total
 *                                weight) >= this (scikit-learn's definition)
 *   ccp_alpha             0      > 0: prune to the smallest subtree minimising
 *                                R(T) + ccp_alpha * leaves (R = weighted leaf
 *                                impurity / total weight), as scikit-learn
 *   max_features          0      features tried per node: 0 = all; an integer
 *                                >= 1 = that many (at most p); a fraction in
 *                                (0, 1) = max(1, floor(fraction * p)).  Drawn
 *                                at random per node (stream "tree"); with all
 *                                features they are tried in column order, so
 *                                ties go to the first column.
 *   max_bins              65535  distinct values kept per feature; a feature
 *                                with more is cut into this many quantile
 *                                bins (thresholds stay at training values)
 *   class_weight          none   "balanced" or {class = weight}
 *
 * Missing values: at each split NaN goes to the side that gave the better
 * split in training (both sides are tried), or to the heavier child when the
 * node had no missing rows; "missing vs the rest" is a candidate split too.
 * Predictions are never NaN.  Categorical features split on their ordinal
 * codes.  importance: total weighted impurity decrease per feature (the
 * driver normalises, giving scikit-learn's feature_importances_).
 */
#include "ml/cart.h"
#include "ml/model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const tree_params[] = {
	"criterion", "max_depth", "min_samples_split", "min_samples_leaf",
	"min_impurity_decrease", "ccp_alpha", "max_features", "max_bins",
	"class_weight", NULL,
};


struct tree_state {
	int crit; /* -1: by task */
	long max_depth, min_split, min_leaf, max_bins;
	double min_dec, ccp_alpha, max_features;
	struct cart_tree t;
};

static void tree_free(void *p)
{
	struct tree_state *s = p;
	if (!s)
		return;
	cart_free(&s->t);
	free(s);
}

static int tree_init(struct model *m, struct wb_err *err)
{
	struct tree_state *s = xcalloc(1, sizeof(*s));
	m->state = s;
	s->crit = -1;
	if (model_param_enum(m, "criterion", cart_crit_names, -1, &s->crit, err) < 0 ||
	    model_param_int(m, "max_depth", 0, 0, 100000, &s->max_depth, err) < 0 ||
	    model_param_int(m, "min_samples_split", 2, 2, 1L << 40, &s->min_split, err) < 0 ||
	    model_param_int(m, "min_samples_leaf", 1, 1, 1L << 40, &s->min_leaf, err) < 0 ||
	    model_param_num(m, "min_impurity_decrease", 0, 0, INFINITY, 0, 0, &s->min_dec,
			    err) < 0 ||
	    model_param_num(m, "ccp_alpha", 0, 0, INFINITY, 0, 0, &s->ccp_alpha, err) < 0 ||
	    model_param_num(m, "max_features", 0, 0, INFINITY, 0, 0, &s->max_features, err) < 0 ||
	    model_param_int(m, "max_bins", 65535, 2, 65535, &s->max_bins, err) < 0)
		return -1;
	if (s->max_features >= 1 && s->max_features != floor(s->max_features))
		return model_error(m, err, "parameter 'max_features' must be 0, an integer >= 1 "
				   "or a fraction in (0, 1), got %g", s->max_features);
	return 0;
}

static int tree_fit(struct model *m, const struct mldata *d, const struct model_fit_ctx *ctx,
		    struct wb_err *err)
{
	struct tree_state *s = m->state;
	int classify = m->task == MODEL_CLASSIFY;
	struct cart_params cp;
	memset(&cp, 0, sizeof(cp));
	if (cart_task_params(m, s->crit, d, &cp, err) < 0)
		return -1;
	if (s->max_features >= 1 && s->max_features > d->p)
		return model_error(m, err, "parameter 'max_features' must be at most the number "
				   "of features (%d), got %g", d->p, s->max_features);
	cp.mtry = d->p;
	if (s->max_features >= 1)
		cp.mtry = (int)s->max_features;
	else if (s->max_features > 0)
		cp.mtry = (int)floor(s->max_features * d->p) > 1 ? (int)floor(s->max_features * d->p)
								 : 1;
	cp.max_depth = (int)s->max_depth;
	cp.min_samples_split = (double)s->min_split;
	cp.min_samples_leaf = (double)s->min_leaf;
	cp.min_impurity_decrease = s->min_dec;

	double *w = d->w ? xmallocarray(d->n ? d->n : 1, sizeof(double)) : NULL;
	if (classify) {
		free(w);
		int failed;
		w = model_class_weights(m, d, err, &failed);
		if (failed)
			return -1;
	} else if (w) {
		memcpy(w, d->w, d->n * sizeof(double));
	}
	struct cart_bins bins;
	cart_bins_build(&bins, d, (int)s->max_bins);
	struct rng r;
	model_rng(m, ctx->seed, "tree", &r);
	cart_free(&s->t);
	cart_grow(&s->t, &bins, d, w, NULL, &cp, &r);
	cart_prune(&s->t, s->ccp_alpha);
	cart_bins_free(&bins);
	free(w);
	return 0;
}

static int tree_predict(const struct model *m, const struct mldata *d, double *out,
			struct wb_err *err)
{
	const struct tree_state *s = m->state;
	int nv = s->t.nvalue;
	/* Rows are independent: any schedule gives the same numbers. */
#pragma omp parallel for schedule(static)
	for (size_t i = 0; i < d->n; i++)
		memcpy(out + i * (size_t)nv, cart_leaf(&s->t, d, i), (size_t)nv * sizeof(double));
	return 0;
}

static void tree_to_json(const struct model *m, json_t *obj)
{
	const struct tree_state *s = m->state;
	int crit = s->crit >= 0 ? s->crit : m->task == MODEL_CLASSIFY ? CART_GINI : CART_SQUARED;
	json_object_set_new(obj, "criterion", json_string(cart_crit_names[crit]));
	cart_to_json(&s->t, obj, 1);
}

static int tree_from_json(struct model *m, const json_t *obj, const char *path,
			  struct wb_err *err)
{
	struct tree_state *s = m->state;
	int nv = m->task == MODEL_CLASSIFY ? m->nclass : 1;
	cart_free(&s->t);
	return cart_from_json(&s->t, obj, path, m->p, nv, 1, err);
}

static void tree_describe(const struct model *m, FILE *out)
{
	const struct tree_state *s = m->state;
	int crit = s->crit >= 0 ? s->crit : m->task == MODEL_CLASSIFY ? CART_GINI : CART_SQUARED;
	fprintf(out, "  criterion %s, depth %d, %d leaves, %d nodes\n", cart_crit_names[crit],
		cart_depth(&s->t), cart_leaves(&s->t), (int)s->t.nnode);
	if (s->t.nnode > 1) {
		fprintf(out, "  top splits:\n");
		cart_describe(&s->t, (const char *const *)m->features, 3, out);
	}
}

static int tree_importance(const struct model *m, double *out)
{
	const struct tree_state *s = m->state;
	memset(out, 0, (size_t)m->p * sizeof(double));
	cart_importance(&s->t, out);
	return 0;
}

static const struct model_type tree_type = {
	.name = "tree",
	.summary = "CART decision tree (gini / entropy / squared error, cost-complexity pruning)",
	.params = tree_params,
	.tasks = MODEL_CLASSIFY | MODEL_REGRESS,
	.prep = MODEL_PREP_TREE,
	.init = tree_init,
	.fit = tree_fit,
	.predict = tree_predict,
	.to_json = tree_to_json,
	.from_json = tree_from_json,
	.describe = tree_describe,
	.importance = tree_importance,
	.free = tree_free,
};

void model_tree_register(void)
{
	model_register(&tree_type);
}
