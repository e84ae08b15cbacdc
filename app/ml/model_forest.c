/*
 * model_forest — random forest (Breiman) for classification and regression:
 * many CART trees (cart.c), each grown on a bootstrap sample with a random
 * subset of the features tried at every node; the prediction is the mean of
 * the trees' class probabilities or values.
 *
 * Speed: features are binned once for all trees (at most max_bins bins per
 * feature, thresholds kept at midpoints between training values), each tree
 * is grown with histograms over the bins, and trees are grown in parallel.
 * Tree k draws its sample and its features from its own stream
 * model_rng(seed, "tree:<k>") and is stored in slot k, so the forest is
 * bit-identical on any number of threads.
 *
 * Parameters:
 *   trees             100    number of trees (>= 1)
 *   mtry              0      features tried per node: 0 = floor(sqrt(p))
 *                            for classification, max(1, floor(p / 3)) for
 *                            regression; an integer 1..p; or a fraction in
 *                            (0, 1) = max(1, floor(fraction * p)).  mtry > p
 *                            is an error rather than silently clamped.
 *   max_depth         0      0 = unlimited (root = depth 0)
 *   min_samples_leaf  auto   1 for classification, 5 for regression (as
 *                            ranger's min.node.size defaults: full-depth
 *                            regression trees cost much and gain little);
 *                            counts include bootstrap copies
 *   min_samples_split 2
 *   sample_fraction   1.0    rows drawn per tree, as a fraction of n
 *   bootstrap         true   draw with replacement (else without)
 *   criterion         gini | entropy (classification), squared_error
 *   class_weight      none   "balanced" or {class = weight}
 *   oob               true   compute the out-of-bag score (accuracy or r2 over
 *                            the rows left out by at least one tree), report
 *                            it as "oob_accuracy" / "oob_r2" and keep it
 *   max_bins          256    bins per feature (2..65535)
 *
 * Missing values: as the tree family (cart.h): each split learns where NaN
 * goes; predictions are never NaN.  Categorical features split on their
 * ordinal codes.  importance: each tree's impurity decreases normalised to
 * sum 1, averaged over trees (scikit-learn's feature_importances_).
 */
#include "ml/cart.h"
#include "ml/model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const forest_params[] = {
	"trees", "mtry", "max_depth", "min_samples_leaf", "min_samples_split",
	"sample_fraction", "bootstrap", "criterion", "class_weight", "oob", "max_bins", NULL,
};


struct forest_state {
	/* parameters */
	long ntree, max_depth, min_leaf, min_split, max_bins;
	double mtry_param, sample_fraction;
	int bootstrap, oob, crit;
	/* learned */
	int ntrees;
	struct cart_tree *trees;
	double *imp;       /* p: mean normalised importance */
	double oob_score;  /* NaN when not computed */
	int mtry, leaf;    /* resolved values, for describe */
};

static void forest_clear(struct forest_state *s)
{
	for (int t = 0; t < s->ntrees; t++)
		cart_free(&s->trees[t]);
	free(s->trees);
	free(s->imp);
	s->trees = NULL;
	s->imp = NULL;
	s->ntrees = 0;
}

static void forest_free(void *p)
{
	struct forest_state *s = p;
	if (!s)
		return;
	forest_clear(s);
	free(s);
}

static int forest_init(struct model *m, struct wb_err *err)
{
	struct forest_state *s = xcalloc(1, sizeof(*s));
	m->state = s;
	s->crit = -1;
	s->oob_score = NAN;
	if (model_param_int(m, "trees", 100, 1, 100000, &s->ntree, err) < 0 ||
	    model_param_num(m, "mtry", 0, 0, INFINITY, 0, 0, &s->mtry_param, err) < 0 ||
	    model_param_int(m, "max_depth", 0, 0, 100000, &s->max_depth, err) < 0 ||
	    model_param_int(m, "min_samples_leaf", -1, 1, 1L << 40, &s->min_leaf, err) < 0 ||
	    model_param_int(m, "min_samples_split", 2, 2, 1L << 40, &s->min_split, err) < 0 ||
	    model_param_num(m, "sample_fraction", 1.0, 0, 1, 1, 0, &s->sample_fraction, err) < 0 ||
	    model_param_bool(m, "bootstrap", 1, &s->bootstrap, err) < 0 ||
	    model_param_enum(m, "criterion", cart_crit_names, -1, &s->crit, err) < 0 ||
	    model_param_bool(m, "oob", 1, &s->oob, err) < 0 ||
	    model_param_int(m, "max_bins", 256, 2, 65535, &s->max_bins, err) < 0)
		return -1;
	if (s->mtry_param >= 1 && s->mtry_param != floor(s->mtry_param))
		return model_error(m, err, "parameter 'mtry' must be 0, an integer >= 1 or a "
				   "fraction in (0, 1), got %g", s->mtry_param);
	return 0;
}

/* Tree k's rows: cnt[i] copies of row i. */
static void draw_sample(const struct forest_state *s, struct rng *r, size_t n, uint32_t *cnt)
{
	size_t ns = (size_t)llround(s->sample_fraction * (double)n);
	if (ns < 1)
		ns = 1;
	memset(cnt, 0, n * sizeof(uint32_t));
	if (s->bootstrap) {
		for (size_t k = 0; k < ns; k++)
			cnt[rng_below(r, n)]++;
		return;
	}
	if (ns >= n) {
		for (size_t i = 0; i < n; i++)
			cnt[i] = 1;
		return;
	}
	/* Without replacement: a partial Fisher-Yates shuffle. */
	uint32_t *perm = xmallocarray(n, sizeof(uint32_t));
	for (size_t i = 0; i < n; i++)
		perm[i] = (uint32_t)i;
	for (size_t k = 0; k < ns; k++) {
		size_t j = k + (size_t)rng_below(r, n - k);
		uint32_t v = perm[j];
		perm[j] = perm[k];
		perm[k] = v;
		cnt[v] = 1;
	}
	free(perm);
}

static void oob_score(struct model *m, struct forest_state *s, const struct mldata *d,
		      const uint64_t *inbag, size_t nw, const struct model_fit_ctx *ctx)
{
	int nv = s->trees[0].nvalue, T = s->ntrees;
	size_t n = d->n;
	double *pred = xcalloc(n * (size_t)nv + 1, sizeof(double));
	int *cnt = xcalloc(n + 1, sizeof(int));
	/* Blocks of 256 rows (4 inbag words), trees outer within a block; each
	 * row sums its trees in index order: the sums never depend on threads. */
	size_t nblock = (n + 255) / 256;
#pragma omp parallel for schedule(static)
	for (size_t bk = 0; bk < nblock; bk++) {
		size_t i0 = bk * 256, i1 = i0 + 256 < n ? i0 + 256 : n;
		double *rows = xmallocarray(256 * (size_t)(d->p ? d->p : 1), sizeof(double));
		cart_rows(d, i0, i1, rows);
		for (int t = 0; t < T; t++)
			for (size_t i = i0; i < i1; i++) {
				if (inbag[(size_t)t * nw + i / 64] >> (i % 64) & 1)
					continue;
				const double *v = cart_leaf_row(&s->trees[t], rows + (i - i0) * d->p);
				double *acc = pred + i * (size_t)nv;
				for (int k = 0; k < nv; k++)
					acc[k] += v[k];
				cnt[i]++;
			}
		free(rows);
	}
	size_t used = 0;
	double score = NAN;
	if (m->task == MODEL_CLASSIFY) {
		size_t right = 0;
		for (size_t i = 0; i < n; i++) {
			if (!cnt[i])
				continue;
			int32_t c;
			model_argmax(pred + i * (size_t)nv, 1, nv, &c);
			right += c == d->cls[i];
			used++;
		}
		if (used)
			score = (double)right / (double)used;
	} else {
		double sum = 0, sse = 0, sst = 0;
		for (size_t i = 0; i < n; i++)
			if (cnt[i]) {
				sum += d->y[i];
				used++;
			}
		double mean = used ? sum / (double)used : 0;
		for (size_t i = 0; i < n; i++) {
			if (!cnt[i])
				continue;
			double e = d->y[i] - pred[i] / cnt[i], c = d->y[i] - mean;
			sse += e * e;
			sst += c * c;
		}
		if (used)
			score = sst > 0 ? 1 - sse / sst : (sse == 0 ? 1 : 0);
	}
	s->oob_score = score;
	if (!isnan(score) && ctx->on_metric)
		ctx->on_metric(ctx->ud, m->task == MODEL_CLASSIFY ? "oob_accuracy" : "oob_r2",
			       score, 0);
	free(pred);
	free(cnt);
}

static int forest_fit(struct model *m, const struct mldata *d, const struct model_fit_ctx *ctx,
		      struct wb_err *err)
{
	struct forest_state *s = m->state;
	int classify = m->task == MODEL_CLASSIFY;
	struct cart_params cp;
	memset(&cp, 0, sizeof(cp));
	if (cart_task_params(m, s->crit, d, &cp, err) < 0)
		return -1;
	int p = d->p;
	if (s->mtry_param >= 1 && s->mtry_param > p)
		return model_error(m, err, "parameter 'mtry' must be at most the number of "
				   "features (%d), got %g", p, s->mtry_param);
	int mtry;
	if (s->mtry_param >= 1)
		mtry = (int)s->mtry_param;
	else if (s->mtry_param > 0)
		mtry = (int)floor(s->mtry_param * p);
	else
		mtry = classify ? (int)floor(sqrt((double)p)) : (int)floor(p / 3.0);
	if (mtry < 1)
		mtry = 1;
	if (mtry > p)
		mtry = p;
	s->mtry = mtry;
	s->leaf = s->min_leaf > 0 ? (int)s->min_leaf : classify ? 1 : 5;
	cp.mtry = mtry;
	cp.max_depth = (int)s->max_depth;
	cp.min_samples_split = (double)s->min_split;
	cp.min_samples_leaf = (double)s->leaf;
	cp.min_impurity_decrease = 0;

	double *w = NULL;
	if (classify) {
		int failed;
		w = model_class_weights(m, d, err, &failed);
		if (failed)
			return -1;
	} else if (d->w) {
		w = xmallocarray(d->n ? d->n : 1, sizeof(double));
		memcpy(w, d->w, d->n * sizeof(double));
	}
	forest_clear(s);
	s->oob_score = NAN;
	size_t n = d->n, nw = (n + 63) / 64;
	int T = (int)s->ntree;
	struct cart_bins bins;
	cart_bins_build(&bins, d, (int)s->max_bins);
	s->trees = xcalloc((size_t)T, sizeof(struct cart_tree));
	s->ntrees = T;
	double *timp = xcalloc((size_t)T * (size_t)p + 1, sizeof(double));
	uint64_t *inbag = xcalloc((size_t)T * nw + 1, sizeof(uint64_t));

	/* One tree per iteration, each from its own stream into its own slot:
	 * the schedule cannot change the result. */
#pragma omp parallel for schedule(dynamic, 1)
	for (int t = 0; t < T; t++) {
		char label[32];
		snprintf(label, sizeof(label), "tree:%d", t);
		struct rng r;
		model_rng(m, ctx->seed, label, &r);
		uint32_t *cnt = xmallocarray(n ? n : 1, sizeof(uint32_t));
		draw_sample(s, &r, n, cnt);
		cart_grow(&s->trees[t], &bins, d, w, cnt, &cp, &r);
		double *ti = timp + (size_t)t * p, sum = 0;
		cart_importance(&s->trees[t], ti);
		for (int j = 0; j < p; j++)
			sum += ti[j];
		for (int j = 0; j < p; j++)
			ti[j] = sum > 0 ? ti[j] / sum : 0;
		cart_drop_stats(&s->trees[t]);
		uint64_t *bits = inbag + (size_t)t * nw;
		for (size_t i = 0; i < n; i++)
			if (cnt[i])
				bits[i / 64] |= 1ull << (i % 64);
		free(cnt);
	}
	cart_bins_free(&bins);
	s->imp = xcalloc((size_t)p + 1, sizeof(double));
	for (int t = 0; t < T; t++)
		for (int j = 0; j < p; j++)
			s->imp[j] += timp[(size_t)t * p + j] / T;
	if (s->oob)
		oob_score(m, s, d, inbag, nw, ctx);
	free(inbag);
	free(timp);
	free(w);
	return 0;
}

static int forest_predict(const struct model *m, const struct mldata *d, double *out,
			  struct wb_err *err)
{
	const struct forest_state *s = m->state;
	int nv = m->task == MODEL_CLASSIFY ? m->nclass : 1, T = s->ntrees;
	/* Blocks of rows, trees outer within a block so a tree stays in cache;
	 * each row still sums its trees in index order, whatever the threads. */
	size_t nblock = (d->n + 255) / 256;
#pragma omp parallel for schedule(static)
	for (size_t bk = 0; bk < nblock; bk++) {
		size_t i0 = bk * 256, i1 = i0 + 256 < d->n ? i0 + 256 : d->n;
		double *rows = xmallocarray(256 * (size_t)(d->p ? d->p : 1), sizeof(double));
		cart_rows(d, i0, i1, rows);
		memset(out + i0 * (size_t)nv, 0, (i1 - i0) * (size_t)nv * sizeof(double));
		for (int t = 0; t < T; t++)
			for (size_t i = i0; i < i1; i++) {
				const double *v = cart_leaf_row(&s->trees[t], rows + (i - i0) * d->p);
				double *o = out + i * (size_t)nv;
				for (int k = 0; k < nv; k++)
					o[k] += v[k];
			}
		for (size_t i = i0 * (size_t)nv; i < i1 * (size_t)nv; i++)
			out[i] /= T;
		free(rows);
	}
	return 0;
}

static void forest_to_json(const struct model *m, json_t *obj)
{
	const struct forest_state *s = m->state;
	json_t *trees = json_array();
	for (int t = 0; t < s->ntrees; t++) {
		json_t *o = json_object();
		cart_to_json(&s->trees[t], o, 0);
		json_array_append_new(trees, o);
	}
	json_object_set_new(obj, "trees", trees);
	json_object_set_new(obj, "importance", model_json_nums(s->imp, (size_t)m->p));
	json_object_set_new(obj, "mtry", json_integer(s->mtry));
	json_object_set_new(obj, "min_samples_leaf", json_integer(s->leaf));
	json_object_set_new(obj, "oob_metric", json_string(m->task == MODEL_CLASSIFY
							    ? "oob_accuracy" : "oob_r2"));
	json_object_set_new(obj, "oob_score", model_json_num(s->oob_score));
}

static int forest_from_json(struct model *m, const json_t *obj, const char *path,
			    struct wb_err *err)
{
	struct forest_state *s = m->state;
	forest_clear(s);
	long T = model_json_array_len(obj, path, "trees", err);
	if (T < 0)
		return -1;
	if (T == 0)
		return wb_error(err, "model JSON: %s.trees: expected 1 or more trees", path);
	int nv = m->task == MODEL_CLASSIFY ? m->nclass : 1;
	long mtry, leaf;
	s->imp = xcalloc((size_t)m->p + 1, sizeof(double));
	if (model_json_get_nums(obj, path, "importance", s->imp, (size_t)m->p, err) < 0 ||
	    model_json_get_num(obj, path, "oob_score", &s->oob_score, err) < 0 ||
	    model_json_get_int(obj, path, "mtry", &mtry, err) < 0 ||
	    model_json_get_int(obj, path, "min_samples_leaf", &leaf, err) < 0)
		return -1;
	s->mtry = (int)mtry;
	s->leaf = (int)leaf;
	s->trees = xcalloc((size_t)T, sizeof(struct cart_tree));
	const json_t *arr = json_object_get(obj, "trees");
	for (long t = 0; t < T; t++) {
		char sub[256];
		snprintf(sub, sizeof(sub), "%s.trees[%ld]", path, t);
		if (cart_from_json(&s->trees[t], json_array_get(arr, (size_t)t), sub, m->p, nv, 0,
				   err) < 0)
			return -1;
		s->ntrees = (int)t + 1;
	}
	return 0;
}

static void forest_describe(const struct model *m, FILE *out)
{
	const struct forest_state *s = m->state;
	double dep = 0, leaves = 0;
	for (int t = 0; t < s->ntrees; t++) {
		dep += cart_depth(&s->trees[t]);
		leaves += cart_leaves(&s->trees[t]);
	}
	fprintf(out, "  %d trees, mtry %d, min_samples_leaf %d; mean depth %.1f, mean leaves %.1f\n",
		s->ntrees, s->mtry, s->leaf, dep / s->ntrees, leaves / s->ntrees);
	if (!isnan(s->oob_score))
		fprintf(out, "  out-of-bag %s %.6g\n",
			m->task == MODEL_CLASSIFY ? "accuracy" : "r2", s->oob_score);
	/* The five most important features. */
	int shown[5], ns = 0;
	for (; ns < 5 && ns < m->p; ns++) {
		int best = -1;
		for (int j = 0; j < m->p; j++) {
			int taken = 0;
			for (int q = 0; q < ns; q++)
				taken |= shown[q] == j;
			if (!taken && (best < 0 || s->imp[j] > s->imp[best]))
				best = j;
		}
		shown[ns] = best;
	}
	fprintf(out, "  top features:");
	for (int q = 0; q < ns; q++)
		fprintf(out, " %s %.3f", m->features[shown[q]], s->imp[shown[q]]);
	fprintf(out, "\n");
}

static int forest_importance(const struct model *m, double *out)
{
	const struct forest_state *s = m->state;
	memcpy(out, s->imp, (size_t)m->p * sizeof(double));
	return 0;
}

static const struct model_type forest_type = {
	.name = "forest",
	.summary = "random forest of CART trees (bagging + random feature subsets, OOB score)",
	.params = forest_params,
	.tasks = MODEL_CLASSIFY | MODEL_REGRESS,
	.prep = MODEL_PREP_TREE,
	.init = forest_init,
	.fit = forest_fit,
	.predict = forest_predict,
	.to_json = forest_to_json,
	.from_json = forest_from_json,
	.describe = forest_describe,
	.importance = forest_importance,
	.free = forest_free,
};

void model_forest_register(void)
{
	model_register(&forest_type);
}
