/*
 * model_gbdt — gradient-boosted decision trees on feature histograms (the
 * xgboost "hist" / LightGBM algorithm).
 *
 * Each round fits one regression tree per output (one for regression and
 * binary classification, one per class for softmax) to the gradients and
 * hessians of the loss at the current scores, with the second-order leaf
 * weight w = -T(G) / (H + lambda), T the L1 soft threshold by alpha, and the
 * split gain score(L) + score(R) - score(parent), score = T(G)^2 / (H + lambda)
 * (no factor 1/2, as in xgboost, so gamma means what it means there).  Leaf
 * values are scaled by learning_rate.  Features are binned once (quantile
 * sketch, gbdt_hist.c); trees are grown on bin codes with gradient
 * histograms and histogram subtraction, and store raw thresholds so
 * prediction reads raw features.  The absolute loss refits every leaf to
 * the (weighted) median of its residuals, like LightGBM.
 *
 * Parameters (name, default, meaning):
 *   rounds            100   boosting rounds
 *   learning_rate     0.1   shrinkage (> 0)
 *   max_depth         6     tree depth limit; 0 = none (needs max_leaves > 0)
 *   max_leaves        0     0: grow depth-wise; > 0: leaf-wise (best first)
 *                           up to this many leaves
 *   min_child_weight  1     least hessian sum in a child
 *   lambda            1     L2 penalty on leaf weights
 *   alpha             0     L1 penalty on leaf weights
 *   gamma             0     least gain for a split
 *   subsample         1     fraction of rows each round samples, (0, 1]
 *   colsample         1     fraction of features each tree may use, (0, 1]
 *   max_bins          256   bins per feature, 2..256 (at most max_bins - 1
 *                           thresholds; missing values get a bin of their own)
 *   loss              auto  logloss (2 classes), softmax (classes), squared,
 *                           absolute, huber (regression); auto picks logloss,
 *                           softmax or squared by task
 *   huber_delta       1     where huber turns from squared to absolute
 *   early_stopping    0     0 = off; else stop after this many rounds without
 *                           a better validation loss and keep the best round
 *                           (needs a validation frame)
 *   base_score        auto  initial score: auto = log-odds of the class prior
 *                           (logloss), log prior per class (softmax), mean
 *                           (squared), median (absolute, huber); a number is
 *                           a probability for logloss, else a raw score
 *   class_weight      none  "balanced" or {class = weight} (classification)
 *
 * Per-round metrics: train_<m> and valid_<m> through ctx->on_metric, m one of
 * logloss, mlogloss, rmse, mae, huber (weighted means).  The train loss of a
 * round comes out of the next round's gradient pass, which already has the
 * scores, so it costs one log per row.
 *
 * Missing values: a NaN feature follows the default direction each split
 * learned (both sides are tried, as in xgboost); when a node saw no missing
 * values, NaN follows the side with the larger hessian sum.  Categorical
 * features are split as their ordinal level codes (0..ncat-1).
 *
 * Determinism: sampling draws from per-round / per-tree streams
 * ("rows:<round>", "cols:<tree>", "bins"), and every parallel loop works on a
 * thread-independent partition with an ordered reduction, so the model is
 * bit-identical on any number of threads.
 */
#include "ml/gbdt_hist.h"
#include "ml/model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum loss { LOSS_AUTO, LOSS_LOGLOSS, LOSS_SOFTMAX, LOSS_SQUARED, LOSS_ABSOLUTE, LOSS_HUBER };

static const char *const loss_names[] = { "auto", "logloss", "softmax", "squared", "absolute",
					  "huber", NULL };
static const char *const metric_names[] = { "", "logloss", "mlogloss", "rmse", "mae", "huber" };

/* A node laid out for prediction: children at l and l + 1.  A leaf points
 * at itself with an infinite threshold, so a walk can take a fixed number
 * of steps (the tree's depth) without testing for leaves; its value is in
 * gbdt.fval. */
struct pnode {
	double thr;
	int32_t f, l;
	int32_t mr;   /* missing goes right */
	int32_t pad;
};

struct gbdt {
	/* parameters */
	long rounds, max_depth, max_leaves, max_bins, early_stopping;
	double lr, mcw, lambda, alpha, gamma, subsample, colsample, huber_delta;
	int loss_param, base_auto;
	double base_param;
	/* learned */
	int loss, k, p;          /* resolved loss, trees per round, features */
	double *base;            /* k initial scores */
	int ntree;
	struct gbdt_tree *trees;
	int rounds_used, best_round;
	double *gain;            /* p: total split gain per feature */
	/* prediction layout, built from trees */
	struct pnode *flat;
	double *fval;            /* node values (leaves) */
	int *root, *depth;
};

static const char *const params[] = { "rounds", "learning_rate", "max_depth", "max_leaves",
				      "min_child_weight", "lambda", "alpha", "gamma", "subsample",
				      "colsample", "max_bins", "loss", "huber_delta",
				      "early_stopping", "base_score", "class_weight", NULL };

static void clear_learned(struct gbdt *s)
{
	for (int t = 0; t < s->ntree; t++)
		gbdt_tree_release(&s->trees[t]);
	free(s->trees);
	free(s->base);
	free(s->gain);
	free(s->flat);
	free(s->fval);
	free(s->root);
	free(s->depth);
	s->fval = NULL;
	s->depth = NULL;
	s->trees = NULL;
	s->base = s->gain = NULL;
	s->flat = NULL;
	s->root = NULL;
	s->ntree = 0;
}

static void gbdt_free(void *state)
{
	struct gbdt *s = state;
	if (!s)
		return;
	clear_learned(s);
	free(s);
}

static int gbdt_init(struct model *m, struct wb_err *err)
{
	struct gbdt *s = xcalloc(1, sizeof(*s));
	m->state = s;
	if (model_param_int(m, "rounds", 100, 1, 1000000, &s->rounds, err) < 0 ||
	    model_param_num(m, "learning_rate", 0.1, 0, INFINITY, 1, 0, &s->lr, err) < 0 ||
	    model_param_int(m, "max_depth", 6, 0, 63, &s->max_depth, err) < 0 ||
	    model_param_int(m, "max_leaves", 0, 0, 1 << 20, &s->max_leaves, err) < 0 ||
	    model_param_num(m, "min_child_weight", 1, 0, INFINITY, 0, 0, &s->mcw, err) < 0 ||
	    model_param_num(m, "lambda", 1, 0, INFINITY, 0, 0, &s->lambda, err) < 0 ||
	    model_param_num(m, "alpha", 0, 0, INFINITY, 0, 0, &s->alpha, err) < 0 ||
	    model_param_num(m, "gamma", 0, 0, INFINITY, 0, 0, &s->gamma, err) < 0 ||
	    model_param_num(m, "subsample", 1, 0, 1, 1, 0, &s->subsample, err) < 0 ||
	    model_param_num(m, "colsample", 1, 0, 1, 1, 0, &s->colsample, err) < 0 ||
	    model_param_int(m, "max_bins", 256, 2, 256, &s->max_bins, err) < 0 ||
	    model_param_enum(m, "loss", loss_names, LOSS_AUTO, &s->loss_param, err) < 0 ||
	    model_param_num(m, "huber_delta", 1, 0, INFINITY, 1, 0, &s->huber_delta, err) < 0 ||
	    model_param_int(m, "early_stopping", 0, 0, 1000000, &s->early_stopping, err) < 0)
		return -1;
	if (isinf(s->lr) || isinf(s->huber_delta))
		return model_error(m, err, "parameter '%s' must be finite",
				   isinf(s->lr) ? "learning_rate" : "huber_delta");
	if (s->max_depth == 0 && s->max_leaves == 0)
		return model_error(m, err, "parameter 'max_depth' may be 0 (unlimited) only "
				   "when 'max_leaves' is > 0");
	const json_t *b = m->params ? json_object_get(m->params, "base_score") : NULL;
	s->base_auto = 1;
	if (b && !json_is_null(b)) {
		if (json_is_string(b) && !strcmp(json_string_value(b), "auto")) {
			s->base_auto = 1;
		} else if (json_is_number(b) && isfinite(json_number_value(b))) {
			s->base_auto = 0;
			s->base_param = json_number_value(b);
		} else {
			return model_error(m, err, "parameter 'base_score' must be \"auto\" or a "
					   "number");
		}
	}
	const json_t *cw = m->params ? json_object_get(m->params, "class_weight") : NULL;
	if (cw && !json_is_null(cw) && !json_is_object(cw) &&
	    !(json_is_string(cw) && !strcmp(json_string_value(cw), "balanced")))
		return model_error(m, err, "parameter 'class_weight' must be \"balanced\" or a "
				   "table {class = weight}");
	return 0;
}

/* ---------------------------------------------------------------- losses */

/* Rows per block of the gradient and loss loops (fixed: sums must not
 * depend on the thread count). */
#define ROW_BLOCK 16384
/* Below this many rows a loop runs on one thread: a parallel region costs
 * more than it saves, and idle OpenMP workers spin. */
#define PAR_ROWS 32768

struct target {
	const double *y;      /* regression */
	const int32_t *cls;   /* classification */
	const double *w;      /* weights or NULL */
	size_t n;
};

/* Adds up per-block (loss, weight) pairs in block order, so the total does
 * not depend on which thread summed which block; frees part. */
static void sum_parts(double *part, size_t nb, double *sum, double *ws)
{
	*sum = *ws = 0;
	for (size_t b = 0; b < nb; b++) {
		*sum += part[2 * b];
		*ws += part[2 * b + 1];
	}
	free(part);
}

static inline double wt(const struct target *t, size_t i)
{
	return t->w ? t->w[i] : 1.0;
}

/* Loss of one row at score f (regression and binary). */
static inline double row_loss(int loss, double delta, double f, double y)
{
	switch (loss) {
	case LOSS_LOGLOSS: {
		double e = exp(-fabs(f));
		return (f > 0 ? f : 0) - y * f + log1p(e);
	}
	case LOSS_SQUARED:
		return (f - y) * (f - y);
	case LOSS_ABSOLUTE:
		return fabs(f - y);
	default: {
		double r = fabs(f - y);
		return r <= delta ? 0.5 * r * r : delta * (r - 0.5 * delta);
	}
	}
}

static double finish_metric(int loss, double sum, double wsum)
{
	double v = wsum > 0 ? sum / wsum : 0;
	return loss == LOSS_SQUARED ? sqrt(v) : v;
}

/* Softmax probabilities of row f (k scores) into pr; returns log of the
 * normaliser relative to the max, for the loss. */
static inline double softmax_row(const double *f, int k, double *pr)
{
	double mx = f[0];
	for (int c = 1; c < k; c++)
		if (f[c] > mx)
			mx = f[c];
	double sum = 0;
	for (int c = 0; c < k; c++) {
		pr[c] = exp(f[c] - mx);
		sum += pr[c];
	}
	for (int c = 0; c < k; c++)
		pr[c] /= sum;
	return mx + log(sum);
}

/* The weighted mean loss of scores F (n * k) against t. */
static double eval_loss(const struct gbdt *s, const double *F, const struct target *t)
{
	size_t n = t->n;
	int k = s->k;
	size_t nb = (n + ROW_BLOCK - 1) / ROW_BLOCK;
	double *part = xcalloc(2 * nb + 2, sizeof(double));
#pragma omp parallel for schedule(static) if (nb > 1)
	for (size_t b = 0; b < nb; b++) {
		size_t lo = b * ROW_BLOCK, hi = lo + ROW_BLOCK < n ? lo + ROW_BLOCK : n;
		double sum = 0, ws = 0;
		for (size_t i = lo; i < hi; i++) {
			double w = wt(t, i), l;
			if (s->loss == LOSS_SOFTMAX) {
				const double *f = F + i * (size_t)k;
				double mx = f[0], z = 0;
				for (int c = 1; c < k; c++)
					if (f[c] > mx)
						mx = f[c];
				for (int c = 0; c < k; c++)
					z += exp(f[c] - mx);
				l = mx + log(z) - f[t->cls[i]];
			} else {
				double y = t->y ? t->y[i] : (double)t->cls[i];
				l = row_loss(s->loss, s->huber_delta, F[i], y);
			}
			sum += w * l;
			ws += w;
		}
		part[2 * b] = sum;
		part[2 * b + 1] = ws;
	}
	double sum, ws;
	sum_parts(part, nb, &sum, &ws);
	return finish_metric(s->loss, sum, ws);
}

/* Gradients at F for a one-output loss into gh; returns the loss at F when
 * want is set (else 0).  Softmax goes through softmax_grad instead. */
static double gradients(const struct gbdt *s, const double *F, const struct target *t,
			struct gbdt_gh *gh, int want)
{
	size_t n = t->n;
	size_t nb = (n + ROW_BLOCK - 1) / ROW_BLOCK;
	double *part = xcalloc(2 * nb + 2, sizeof(double));
	int loss = s->loss;
	double delta = s->huber_delta;
#pragma omp parallel for schedule(static) if (nb > 1)
	for (size_t b = 0; b < nb; b++) {
		size_t lo = b * ROW_BLOCK, hi = lo + ROW_BLOCK < n ? lo + ROW_BLOCK : n;
		double sum = 0, ws = 0;
		/* Unweighted log loss needs sum(log1p(e_i)): a running product of
		 * (1 + e_i), each in (1, 2], logged every 32 rows, costs one log
		 * per 32 rows instead of one per row (the train loss is reported
		 * every round); it changes the metric in its last digits only and
		 * never the model. */
		double prod = 1;
		int nprod = 0;
		for (size_t i = lo; i < hi; i++) {
			double w = wt(t, i), f = F[i], g, h = 1;
			if (loss == LOSS_LOGLOSS) {
				double y = (double)t->cls[i];
				double e = exp(-fabs(f));
				double pr = f >= 0 ? 1 / (1 + e) : e / (1 + e);
				g = pr - y;
				h = pr * (1 - pr);
				if (h < 1e-16)
					h = 1e-16;
				if (want && t->w) {
					sum += w * ((f > 0 ? f : 0) - y * f + log1p(e));
				} else if (want) {
					sum += (f > 0 ? f : 0) - y * f;
					prod *= 1 + e;
					if (++nprod == 32) {
						sum += log(prod);
						prod = 1;
						nprod = 0;
					}
				}
			} else {
				double r = f - t->y[i];
				if (loss == LOSS_SQUARED)
					g = r;
				else if (loss == LOSS_ABSOLUTE)
					g = r > 0 ? 1 : r < 0 ? -1 : 0;
				else
					g = r > delta ? delta : r < -delta ? -delta : r;
				if (want)
					sum += w * row_loss(loss, delta, f, t->y[i]);
			}
			gh[i].g = w * g;
			gh[i].h = w * h;
			ws += w;
		}
		if (nprod)
			sum += log(prod);
		part[2 * b] = sum;
		part[2 * b + 1] = ws;
	}
	double sum, ws;
	sum_parts(part, nb, &sum, &ws);
	return want ? finish_metric(loss, sum, ws) : 0;
}

/* Softmax probabilities P (n * k) at F; returns the loss at F (mlogloss). */
static double softmax_probs(const struct gbdt *s, const double *F, const struct target *t,
			    double *P)
{
	size_t n = t->n;
	int k = s->k;
	size_t nb = (n + ROW_BLOCK - 1) / ROW_BLOCK;
	double *part = xcalloc(2 * nb + 2, sizeof(double));
#pragma omp parallel for schedule(static) if (nb > 1)
	for (size_t b = 0; b < nb; b++) {
		size_t lo = b * ROW_BLOCK, hi = lo + ROW_BLOCK < n ? lo + ROW_BLOCK : n;
		double sum = 0, ws = 0;
		for (size_t i = lo; i < hi; i++) {
			const double *f = F + i * (size_t)k;
			double lz = softmax_row(f, k, P + i * (size_t)k);
			double w = wt(t, i);
			sum += w * (lz - f[t->cls[i]]);
			ws += w;
		}
		part[2 * b] = sum;
		part[2 * b + 1] = ws;
	}
	double sum, ws;
	sum_parts(part, nb, &sum, &ws);
	return finish_metric(LOSS_SOFTMAX, sum, ws);
}

/* Class c's gradients from P; h = 2p(1-p) as in xgboost's softprob. */
static void softmax_grad(const struct gbdt *s, const double *P, const struct target *t, int c,
			 struct gbdt_gh *gh)
{
	size_t n = t->n;
	int k = s->k;
#pragma omp parallel for schedule(static) if (n >= PAR_ROWS)
	for (size_t i = 0; i < n; i++) {
		double pr = P[i * (size_t)k + c], w = wt(t, i);
		double h = 2 * pr * (1 - pr);
		gh[i].g = w * (pr - (t->cls[i] == c));
		gh[i].h = w * (h < 1e-16 ? 1e-16 : h);
	}
}

struct wv {
	double v, w;
};

static int cmp_wv(const void *a, const void *b)
{
	double x = ((const struct wv *)a)->v, y = ((const struct wv *)b)->v;
	return x < y ? -1 : x > y;
}

/* Weighted median of v[0..n) (sorts v). */
static double wmedian(struct wv *v, size_t n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_wv);
	double total = 0, acc = 0;
	for (size_t i = 0; i < n; i++)
		total += v[i].w;
	for (size_t i = 0; i < n; i++) {
		acc += v[i].w;
		if (acc >= 0.5 * total) {
			/* An even split between two values: their midpoint. */
			if (acc == 0.5 * total && i + 1 < n)
				return 0.5 * (v[i].v + v[i + 1].v);
			return v[i].v;
		}
	}
	return v[n - 1].v;
}

/* ---------------------------------------------------------------- prediction */

/* Lays the trees out for prediction, breadth first with siblings adjacent
 * (so a step is l + (go right), without a branch). */
static void build_flat(struct gbdt *s)
{
	free(s->flat);
	free(s->fval);
	free(s->root);
	free(s->depth);
	size_t total = 0;
	int most = 1;
	for (int t = 0; t < s->ntree; t++) {
		total += (size_t)s->trees[t].n;
		if (s->trees[t].n > most)
			most = s->trees[t].n;
	}
	s->flat = xmallocarray(total + 1, sizeof(struct pnode));
	s->fval = xcalloc(total + 1, sizeof(double));
	s->root = xmallocarray((size_t)s->ntree + 1, sizeof(int));
	s->depth = xmallocarray((size_t)s->ntree + 1, sizeof(int));
	int *queue = xmallocarray((size_t)most, sizeof(int));
	int *qdepth = xmallocarray((size_t)most, sizeof(int));
	size_t at = 0;
	for (int t = 0; t < s->ntree; t++) {
		const struct gbdt_tree *tr = &s->trees[t];
		s->root[t] = (int)at;
		s->depth[t] = 0;
		/* queue[q] = the old id of new node at + q */
		int head = 0, tail = 0;
		queue[tail] = 0;
		qdepth[tail++] = 0;
		while (head < tail) {
			int old = queue[head], dep = qdepth[head];
			size_t id = at + (size_t)head;
			struct pnode *nd = &s->flat[id];
			head++;
			memset(nd, 0, sizeof(*nd));
			if (tr->feature[old] < 0) {
				nd->thr = INFINITY;
				nd->l = (int32_t)id;
				s->fval[id] = tr->value[old];
				if (dep > s->depth[t])
					s->depth[t] = dep;
				continue;
			}
			nd->f = tr->feature[old];
			nd->thr = tr->thr[old];
			nd->l = (int32_t)(at + (size_t)tail);
			nd->mr = !tr->dleft[old];
			queue[tail] = tr->left[old];
			qdepth[tail++] = dep + 1;
			queue[tail] = tr->right[old];
			qdepth[tail++] = dep + 1;
		}
		at += (size_t)tail;
	}
	free(queue);
	free(qdepth);
}

#define PRED_BLOCK 64

/* Raw scores (n * k): a block of rows at a time is copied row-major into a
 * small buffer, then each tree walks all rows of the block in lockstep, a
 * fixed number of branch-free steps, so the walks of different rows
 * overlap in the pipeline. */
static void predict_scores(const struct gbdt *s, const struct mldata *d, double *F)
{
	size_t n = d->n;
	int k = s->k, p = d->p;
	size_t nb = (n + PRED_BLOCK - 1) / PRED_BLOCK;
	const double *const *x = d->x;
	const struct pnode *nodes = s->flat;
	const double *fval = s->fval;
#pragma omp parallel if (n >= PAR_ROWS)
	{
		double *buf = xmallocarray((size_t)PRED_BLOCK * (size_t)(p ? p : 1), sizeof(double));
		int32_t idx[PRED_BLOCK];
#pragma omp for schedule(static)
		for (size_t b = 0; b < nb; b++) {
			size_t lo = b * PRED_BLOCK, hi = lo + PRED_BLOCK < n ? lo + PRED_BLOCK : n;
			int rows = (int)(hi - lo);
			if (p == 0)
				buf[0] = 0;
			for (int j = 0; j < p; j++)
				for (int r = 0; r < rows; r++)
					buf[(size_t)r * (size_t)p + (size_t)j] = x[j][lo + (size_t)r];
			for (size_t i = lo; i < hi; i++)
				for (int c = 0; c < k; c++)
					F[i * (size_t)k + (size_t)c] = s->base[c];
			for (int t = 0; t < s->ntree; t++) {
				int32_t root = s->root[t];
				for (int r = 0; r < rows; r++)
					idx[r] = root;
				for (int step = 0; step < s->depth[t]; step++)
					for (int r = 0; r < rows; r++) {
						const struct pnode *nd = nodes + idx[r];
						double v = buf[(size_t)r * (size_t)p + (size_t)nd->f];
						idx[r] = nd->l + ((v > nd->thr) | (isnan(v) & nd->mr));
					}
				double *Fc = F + lo * (size_t)k + (size_t)(t % k);
				for (int r = 0; r < rows; r++)
					Fc[(size_t)r * (size_t)k] += fval[idx[r]];
			}
		}
		free(buf);
	}
}

/* Adds tree tr's values for every row of d to F[i * k + c] (raw features). */
static void add_tree_raw(const struct gbdt_tree *tr, const struct mldata *d, double *F, int k,
			 int c)
{
	size_t n = d->n;
#pragma omp parallel for schedule(static) if (n >= PAR_ROWS)
	for (size_t i = 0; i < n; i++) {
		int q = 0;
		while (tr->feature[q] >= 0) {
			double v = d->x[tr->feature[q]][i];
			int left = isnan(v) ? tr->dleft[q] : v <= tr->thr[q];
			q = left ? tr->left[q] : tr->right[q];
		}
		F[i * (size_t)k + (size_t)c] += tr->value[q];
	}
}

static int gbdt_predict(const struct model *m, const struct mldata *d, double *out,
			struct wb_err *err)
{
	const struct gbdt *s = m->state;
	if (d->p != s->p)
		return model_error(m, err, "expected %d features, got %d", s->p, d->p);
	size_t n = d->n;
	if (m->task != MODEL_CLASSIFY) {
		predict_scores(s, d, out);
		return 0;
	}
	int k = s->k;
	double *F = xmallocarray(n * (size_t)k + 1, sizeof(double));
	predict_scores(s, d, F);
	if (s->loss == LOSS_LOGLOSS) {
#pragma omp parallel for schedule(static) if (n >= PAR_ROWS)
		for (size_t i = 0; i < n; i++) {
			double pr = 1 / (1 + exp(-F[i]));
			out[2 * i] = 1 - pr;
			out[2 * i + 1] = pr;
		}
	} else {
#pragma omp parallel for schedule(static) if (n >= PAR_ROWS)
		for (size_t i = 0; i < n; i++)
			softmax_row(F + i * (size_t)k, k, out + i * (size_t)k);
	}
	free(F);
	return 0;
}

/* ---------------------------------------------------------------- fitting */

static int resolve_loss(struct model *m, struct gbdt *s, struct wb_err *err)
{
	int lp = s->loss_param;
	if (m->task == MODEL_CLASSIFY) {
		if (lp == LOSS_AUTO)
			lp = m->nclass == 2 ? LOSS_LOGLOSS : LOSS_SOFTMAX;
		if (lp != LOSS_LOGLOSS && lp != LOSS_SOFTMAX)
			return model_error(m, err, "parameter 'loss': '%s' is a regression loss; "
					   "classification uses logloss or softmax", loss_names[lp]);
		if (lp == LOSS_LOGLOSS && m->nclass != 2)
			return model_error(m, err, "parameter 'loss': logloss needs 2 classes, the "
					   "target has %d (use softmax)", m->nclass);
	} else {
		if (lp == LOSS_AUTO)
			lp = LOSS_SQUARED;
		if (lp == LOSS_LOGLOSS || lp == LOSS_SOFTMAX)
			return model_error(m, err, "parameter 'loss': '%s' is a classification loss; "
					   "regression uses squared, absolute or huber",
					   loss_names[lp]);
	}
	s->loss = lp;
	s->k = lp == LOSS_SOFTMAX ? m->nclass : 1;
	return 0;
}

static int base_scores(struct model *m, struct gbdt *s, const struct target *t,
		       struct wb_err *err)
{
	size_t n = t->n;
	int k = s->k;
	s->base = xcalloc((size_t)k, sizeof(double));
	if (!s->base_auto) {
		if (s->loss == LOSS_LOGLOSS) {
			double b = s->base_param;
			if (!(b > 0 && b < 1))
				return model_error(m, err, "parameter 'base_score' must be a "
						   "probability in (0, 1) for logloss, got %g", b);
			s->base[0] = log(b / (1 - b));
		} else {
			for (int c = 0; c < k; c++)
				s->base[c] = s->base_param;
		}
		return 0;
	}
	if (n == 0)
		return 0;
	if (s->loss == LOSS_LOGLOSS || s->loss == LOSS_SOFTMAX) {
		int nc = m->nclass;
		double *cnt = xcalloc((size_t)nc, sizeof(double)), tot = 0;
		for (size_t i = 0; i < n; i++) {
			cnt[t->cls[i]] += wt(t, i);
			tot += wt(t, i);
		}
		for (int c = 0; c < nc; c++) {
			double pr = tot > 0 ? cnt[c] / tot : 0.5;
			cnt[c] = pr < 1e-6 ? 1e-6 : pr > 1 - 1e-6 ? 1 - 1e-6 : pr;
		}
		if (s->loss == LOSS_LOGLOSS)
			s->base[0] = log(cnt[1] / (1 - cnt[1]));
		else
			for (int c = 0; c < nc; c++)
				s->base[c] = log(cnt[c]);
		free(cnt);
	} else if (s->loss == LOSS_SQUARED) {
		double sum = 0, ws = 0;
		for (size_t i = 0; i < n; i++) {
			sum += wt(t, i) * t->y[i];
			ws += wt(t, i);
		}
		s->base[0] = ws > 0 ? sum / ws : 0;
	} else {
		struct wv *v = xmallocarray(n, sizeof(*v));
		for (size_t i = 0; i < n; i++)
			v[i] = (struct wv){ t->y[i], wt(t, i) };
		s->base[0] = wmedian(v, n);
		free(v);
	}
	return 0;
}

static void emit(const struct model_fit_ctx *ctx, const char *side, int loss, double v, int iter)
{
	char name[64];
	snprintf(name, sizeof(name), "%s_%s", side, metric_names[loss]);
	ctx->on_metric(ctx->ud, name, v, iter);
}

static int gbdt_fit(struct model *m, const struct mldata *d, const struct model_fit_ctx *ctx,
		    struct wb_err *err)
{
	struct gbdt *s = m->state;
	clear_learned(s);
	if (resolve_loss(m, s, err) < 0)
		return -1;
	if (s->early_stopping > 0 && !ctx->valid)
		return model_error(m, err, "parameter 'early_stopping' needs a validation frame "
				   "(give validation data, or set early_stopping = 0)");
	if (d->n > UINT32_MAX)
		return model_error(m, err, "too many rows (%zu) for 32-bit row indices", d->n);
	const struct mldata *vd = ctx->valid;
	if (vd && vd->p != d->p)
		return model_error(m, err, "validation data has %d features, training %d", vd->p,
				   d->p);

	double *w = NULL;
	if (m->task == MODEL_CLASSIFY) {
		int failed;
		w = model_class_weights(m, d, err, &failed);
		if (failed)
			return -1;
	} else {
		const json_t *cw = m->params ? json_object_get(m->params, "class_weight") : NULL;
		if (cw && !json_is_null(cw))
			return model_error(m, err, "parameter 'class_weight' is for classification");
	}
	size_t n = d->n;
	int k = s->k, p = d->p;
	struct target tt = { d->y, d->cls, w ? w : d->w, n };
	if (base_scores(m, s, &tt, err) < 0) {
		free(w);
		return -1;
	}
	s->p = p;
	s->gain = xcalloc((size_t)p + 1, sizeof(double));

	struct rng r;
	model_rng(m, ctx->seed, "bins", &r);
	struct gbdt_bins bins;
	gbdt_bins_build(&bins, d, (int)s->max_bins, &r);
	struct gbdt_grow_opts go = { (int)s->max_depth, (int)s->max_leaves, s->mcw, s->lambda,
				     s->alpha, s->gamma, s->lr };
	struct gbdt_grower *gr = gbdt_grower_new(&bins, &go);

	double *F = xmallocarray(n * (size_t)k + 1, sizeof(double));
	for (size_t i = 0; i < n; i++)
		for (int c = 0; c < k; c++)
			F[i * (size_t)k + (size_t)c] = s->base[c];
	double *P = k > 1 ? xmallocarray(n * (size_t)k + 1, sizeof(double)) : NULL;
	struct gbdt_gh *gh = xmallocarray(n + 1, sizeof(*gh));
	uint32_t *rows = xmallocarray(n + 1, sizeof(uint32_t));
	uint32_t *sample = s->subsample < 1 ? xmallocarray(n + 1, sizeof(uint32_t)) : NULL;
	uint8_t *fmask = xmallocarray((size_t)p + 1, 1);
	int *fperm = xmallocarray((size_t)p + 1, sizeof(int));
	struct wv *med = s->loss == LOSS_ABSOLUTE ? xmallocarray(n + 1, sizeof(*med)) : NULL;
	double *Fv = NULL, *gain_best = NULL;
	struct target vt = { 0 };
	if (vd) {
		vt = (struct target){ vd->y, vd->cls, vd->w, vd->n };
		Fv = xmallocarray(vd->n * (size_t)k + 1, sizeof(double));
		for (size_t i = 0; i < vd->n; i++)
			for (int c = 0; c < k; c++)
				Fv[i * (size_t)k + (size_t)c] = s->base[c];
		gain_best = xcalloc((size_t)p + 1, sizeof(double));
	}
	int want = ctx->on_metric != NULL;
	int cap = (int)s->rounds * k;
	s->trees = xcalloc((size_t)cap, sizeof(*s->trees));
	double best = INFINITY, vl = 0;
	int best_round = 0, nf = (int)floor(s->colsample * p + 0.5);
	if (nf < 1)
		nf = 1;
	if (nf > p)
		nf = p;

	for (int round = 1;; round++) {
		/* Gradients at the scores after round - 1, and its train loss. */
		double tl = 0;
		if (round <= s->rounds) {
			if (k > 1)
				tl = softmax_probs(s, F, &tt, P);
			else
				tl = gradients(s, F, &tt, gh, want);
		} else if (want) {
			tl = eval_loss(s, F, &tt);
		}
		if (round > 1 && want) {
			emit(ctx, "train", s->loss, tl, round - 1);
			if (vd)
				emit(ctx, "valid", s->loss, vl, round - 1);
		}
		if (round > s->rounds)
			break;
		if (vd && s->early_stopping > 0 && round - 1 - best_round >= s->early_stopping)
			break;

		/* Rows of this round (the same sample for every class). */
		size_t mrows = n;
		if (sample) {
			char label[32];
			snprintf(label, sizeof(label), "rows:%d", round);
			model_rng(m, ctx->seed, label, &r);
			mrows = 0;
			for (size_t i = 0; i < n; i++)
				if (rng_uniform(&r) < s->subsample)
					sample[mrows++] = (uint32_t)i;
		}
		for (int c = 0; c < k; c++) {
			int ti = s->ntree;
			struct gbdt_tree *tree = &s->trees[ti];
			gbdt_tree_init(tree);
			if (k > 1)
				softmax_grad(s, P, &tt, c, gh);
			/* Ascending row order (the previous tree permuted it) keeps the
			 * gradient reads sequential. */
			if (sample)
				memcpy(rows, sample, mrows * sizeof(*rows));
			else
				for (size_t i = 0; i < n; i++)
					rows[i] = (uint32_t)i;
			const uint8_t *mask = NULL;
			if (nf < p) {
				char label[32];
				snprintf(label, sizeof(label), "cols:%d", ti);
				model_rng(m, ctx->seed, label, &r);
				for (int j = 0; j < p; j++)
					fperm[j] = j;
				for (int j = 0; j < nf; j++) {
					int q = j + (int)rng_below(&r, (uint64_t)(p - j));
					int tmp = fperm[j];
					fperm[j] = fperm[q];
					fperm[q] = tmp;
				}
				for (int j = 0; j < p; j++)
					fmask[j] = 0;
				for (int j = 0; j < nf; j++)
					fmask[fperm[j]] = 1;
				mask = fmask;
			}
			const struct gbdt_leaf *leaves;
			int nleaf = gbdt_grow(gr, gh, rows, mrows, mask, tree, s->gain, &leaves);
			s->ntree++;
			if (s->loss == LOSS_ABSOLUTE) {
				/* Leaf value = learning_rate * median residual of its rows. */
				for (int l = 0; l < nleaf; l++) {
					size_t q = 0;
					for (size_t a = leaves[l].begin; a < leaves[l].end; a++) {
						uint32_t i = leaves[l].rows[a];
						med[q++] = (struct wv){ d->y[i] - F[i], wt(&tt, i) };
					}
					tree->value[leaves[l].node] = s->lr * wmedian(med, q);
				}
			}
			if (mrows == n) {
#pragma omp parallel for schedule(dynamic, 1) if (n >= PAR_ROWS)
				for (int l = 0; l < nleaf; l++) {
					double v = tree->value[leaves[l].node];
					const uint32_t *lr = leaves[l].rows;
					for (size_t a = leaves[l].begin; a < leaves[l].end; a++)
						F[lr[a] * (size_t)k + (size_t)c] += v;
				}
			} else {
#pragma omp parallel for schedule(static) if (n >= PAR_ROWS)
				for (size_t i = 0; i < n; i++)
					F[i * (size_t)k + (size_t)c] +=
						tree->value[gbdt_tree_leaf_binned(tree, &bins, i)];
			}
			if (vd)
				add_tree_raw(tree, vd, Fv, k, c);
		}
		if (vd) {
			vl = eval_loss(s, Fv, &vt);
			if (vl < best) {
				best = vl;
				best_round = round;
				memcpy(gain_best, s->gain, (size_t)p * sizeof(double));
			}
		}
	}

	s->rounds_used = s->ntree / k;
	s->best_round = 0;
	if (vd && s->early_stopping > 0) {
		s->best_round = best_round;
		for (int t = best_round * k; t < s->ntree; t++)
			gbdt_tree_release(&s->trees[t]);
		s->ntree = best_round * k;
		s->rounds_used = best_round;
		memcpy(s->gain, gain_best, (size_t)p * sizeof(double));
	}
	build_flat(s);

	gbdt_grower_free(gr);
	gbdt_bins_release(&bins);
	free(F);
	free(P);
	free(gh);
	free(rows);
	free(sample);
	free(fmask);
	free(fperm);
	free(med);
	free(Fv);
	free(gain_best);
	free(w);
	return 0;
}

/* ---------------------------------------------------------------- text */

static json_t *ints8(const uint8_t *v, int n)
{
	json_t *a = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(a, json_integer(v[i]));
	return a;
}

static void gbdt_to_json(const struct model *m, json_t *obj)
{
	const struct gbdt *s = m->state;
	json_object_set_new(obj, "loss", json_string(loss_names[s->loss]));
	json_object_set_new(obj, "trees_per_round", json_integer(s->k));
	json_object_set_new(obj, "base", model_json_nums(s->base, (size_t)s->k));
	json_object_set_new(obj, "rounds", json_integer(s->rounds_used));
	json_object_set_new(obj, "best_round", json_integer(s->best_round));
	json_object_set_new(obj, "gain", model_json_nums(s->gain, (size_t)s->p));
	json_t *trees = json_array();
	for (int t = 0; t < s->ntree; t++) {
		const struct gbdt_tree *tr = &s->trees[t];
		json_t *o = json_object();
		size_t nn = (size_t)tr->n;
		/* Leaves have no threshold and internal nodes no value: 0 keeps
		 * the arrays parallel and short. */
		json_object_set_new(o, "feature", model_json_ints(tr->feature, nn));
		json_object_set_new(o, "threshold", model_json_nums(tr->thr, nn));
		json_object_set_new(o, "left", model_json_ints(tr->left, nn));
		json_object_set_new(o, "right", model_json_ints(tr->right, nn));
		json_object_set_new(o, "missing_left", ints8(tr->dleft, tr->n));
		json_object_set_new(o, "value", model_json_nums(tr->value, nn));
		json_array_append_new(trees, o);
	}
	json_object_set_new(obj, "trees", trees);
}

static int read_tree(const json_t *o, const char *path, int p, struct gbdt_tree *tr,
		     struct wb_err *err)
{
	long nn = model_json_array_len(o, path, "feature", err);
	if (nn < 0)
		return -1;
	if (nn < 1 || nn > INT32_MAX / 2)
		return wb_error(err, "model JSON: %s.feature: expected at least one node", path);
	for (long k = 0; k < nn; k++)
		gbdt_tree_add(tr, 0);
	int32_t *dl = xmallocarray((size_t)nn, sizeof(int32_t));
	int rc = -1;
	if (model_json_get_ints(o, path, "feature", tr->feature, (size_t)nn, err) < 0 ||
	    model_json_get_nums(o, path, "threshold", tr->thr, (size_t)nn, err) < 0 ||
	    model_json_get_ints(o, path, "left", tr->left, (size_t)nn, err) < 0 ||
	    model_json_get_ints(o, path, "right", tr->right, (size_t)nn, err) < 0 ||
	    model_json_get_ints(o, path, "missing_left", dl, (size_t)nn, err) < 0 ||
	    model_json_get_nums(o, path, "value", tr->value, (size_t)nn, err) < 0)
		goto out;
	for (long k = 0; k < nn; k++) {
		tr->dleft[k] = dl[k] != 0;
		int f = tr->feature[k];
		if (f < -1 || f >= p) {
			wb_error(err, "model JSON: %s.feature[%ld]: %d is not a feature index", path,
				 k, f);
			goto out;
		}
		/* Children after their parent: no cycles, every walk ends. */
		if (f >= 0 && (tr->left[k] <= k || tr->left[k] >= nn || tr->right[k] <= k ||
			       tr->right[k] >= nn)) {
			wb_error(err, "model JSON: %s: node %ld has bad children", path, k);
			goto out;
		}
		if (f >= 0 && isnan(tr->thr[k])) {
			wb_error(err, "model JSON: %s.threshold[%ld]: expected a number", path, k);
			goto out;
		}
	}
	rc = 0;
out:
	free(dl);
	return rc;
}

static int gbdt_from_json(struct model *m, const json_t *obj, const char *path,
			  struct wb_err *err)
{
	struct gbdt *s = m->state;
	clear_learned(s);
	const json_t *ls = json_object_get(obj, "loss");
	int loss = -1;
	for (int k = 1; ls && json_is_string(ls) && loss_names[k]; k++)
		if (!strcmp(loss_names[k], json_string_value(ls)))
			loss = k;
	if (loss < 0)
		return wb_error(err, "model JSON: %s.loss: expected one of logloss, softmax, "
				"squared, absolute, huber", path);
	s->loss = loss;
	long k, rounds, best;
	if (model_json_get_int(obj, path, "trees_per_round", &k, err) < 0 ||
	    model_json_get_int(obj, path, "rounds", &rounds, err) < 0 ||
	    model_json_get_int(obj, path, "best_round", &best, err) < 0)
		return -1;
	int want_k = m->task == MODEL_CLASSIFY && loss == LOSS_SOFTMAX ? m->nclass : 1;
	if (k != want_k)
		return wb_error(err, "model JSON: %s.trees_per_round: expected %d, found %ld", path,
				want_k, k);
	s->k = (int)k;
	s->p = m->p;
	s->rounds_used = (int)rounds;
	s->best_round = (int)best;
	s->base = xcalloc((size_t)k, sizeof(double));
	s->gain = xcalloc((size_t)m->p + 1, sizeof(double));
	if (model_json_get_nums(obj, path, "base", s->base, (size_t)k, err) < 0 ||
	    model_json_get_nums(obj, path, "gain", s->gain, (size_t)m->p, err) < 0)
		return -1;
	long nt = model_json_array_len(obj, path, "trees", err);
	if (nt < 0)
		return -1;
	if (nt != rounds * k)
		return wb_error(err, "model JSON: %s.trees: expected %ld trees (%ld rounds), "
				"found %ld", path, rounds * k, rounds, nt);
	const json_t *trees = json_object_get(obj, "trees");
	s->trees = xcalloc((size_t)nt + 1, sizeof(*s->trees));
	for (long t = 0; t < nt; t++) {
		char tp[256];
		snprintf(tp, sizeof(tp), "%s.trees[%ld]", path, t);
		gbdt_tree_init(&s->trees[t]);
		s->ntree++;
		if (read_tree(json_array_get(trees, (size_t)t), tp, m->p, &s->trees[t], err) < 0)
			return -1;
	}
	build_flat(s);
	return 0;
}

static void gbdt_describe(const struct model *m, FILE *out)
{
	const struct gbdt *s = m->state;
	size_t leaves = 0;
	int depth = 0;
	for (int t = 0; t < s->ntree; t++) {
		const struct gbdt_tree *tr = &s->trees[t];
		/* Node depths: children come after their parent. */
		int *dep = xcalloc((size_t)tr->n, sizeof(int));
		for (int q = 0; q < tr->n; q++) {
			if (tr->feature[q] < 0) {
				leaves++;
				if (dep[q] > depth)
					depth = dep[q];
				continue;
			}
			dep[tr->left[q]] = dep[tr->right[q]] = dep[q] + 1;
		}
		free(dep);
	}
	fprintf(out, "  loss: %s, rounds: %d, trees: %d (%d per round)\n", loss_names[s->loss],
		s->rounds_used, s->ntree, s->k);
	if (s->best_round > 0)
		fprintf(out, "  early stopping: best round %d (validation loss)\n", s->best_round);
	fprintf(out, "  leaves: %zu (%.1f per tree), deepest leaf: %d\n", leaves,
		s->ntree ? (double)leaves / s->ntree : 0.0, depth);
	fprintf(out, "  base score:");
	for (int c = 0; c < s->k; c++)
		fprintf(out, " %.6g", s->base[c]);
	fprintf(out, "\n");
}

static int gbdt_importance(const struct model *m, double *out)
{
	const struct gbdt *s = m->state;
	for (int j = 0; j < m->p; j++)
		out[j] = j < s->p && s->gain ? s->gain[j] : 0;
	return 0;
}

static const struct model_type gbdt_type = {
	.name = "gbdt",
	.summary = "gradient-boosted trees on feature histograms (xgboost hist style)",
	.params = params,
	.tasks = MODEL_CLASSIFY | MODEL_REGRESS,
	.prep = MODEL_PREP_TREE,
	.init = gbdt_init,
	.fit = gbdt_fit,
	.predict = gbdt_predict,
	.to_json = gbdt_to_json,
	.from_json = gbdt_from_json,
	.describe = gbdt_describe,
	.importance = gbdt_importance,
	.free = gbdt_free,
};

void model_gbdt_register(void)
{
	model_register(&gbdt_type);
}
