/*
 * model_naive_bayes — naive Bayes classification: Gaussian likelihoods for
 * numeric features, smoothed frequency tables for categorical ones.
 *
 * Fitting (one pass per feature, features in parallel; each feature's
 * numbers depend only on its own column, so any thread count gives the same
 * bits):
 *   prior_c   = weight of class c / total weight (or the priors parameter);
 *   numeric   theta_cj = weighted mean of feature j in class c, var_cj =
 *             weighted population variance + epsilon, where epsilon =
 *             var_smoothing * the largest variance of any numeric feature
 *             over all rows (scikit-learn's GaussianNB; var_smoothing itself
 *             when every numeric feature is constant, so var > 0);
 *   categorical (ncat[j] = L > 0): log P(level l | c) =
 *             log((N_cjl + alpha) / (N_cj + alpha * L)) (scikit-learn's
 *             CategoricalNB).
 * Prediction: log prior + the sum of log likelihoods over the features,
 * normalised with log-sum-exp into probabilities.  On numeric features only
 * this is scikit-learn's GaussianNB.predict_proba.
 *
 * Parameters:
 *   var_smoothing (1e-9)  share of the largest variance added to every
 *                         variance (>= 0)
 *   alpha         (1)     Laplace / Lidstone smoothing of the categorical
 *                         tables (> 0)
 *   priors        (none)  a table {class = prior} (non-negative, summing to
 *                         1; unlisted classes get 0) instead of the class
 *                         frequencies
 *
 * Missing values: a missing feature is left out of the likelihood (at
 * training for its row, at prediction for the row); a categorical code
 * outside the training levels counts as missing.  A class in which a numeric
 * feature is never present uses that feature's mean and variance over all
 * classes; a feature missing everywhere is ignored.  A class with no
 * training rows (and no prior) gets probability 0.
 *
 * Row weights (d->w) weight the counts, means and variances, as
 * scikit-learn's sample_weight.
 */
#include "ml/model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { F_SKIP = 0, F_GAUSS = 1, F_CAT = 2 };

struct nb {
	double var_smoothing, alpha;
	/* learned: */
	int nclass, p;
	double epsilon;
	double *log_prior; /* nclass */
	int32_t *kind;     /* p: F_SKIP, F_GAUSS or F_CAT */
	double *theta;     /* nclass * p (0 unless gaussian) */
	double *var;       /* nclass * p (0 unless gaussian) */
	size_t *off;       /* p: offset of feature j's table in cat_logp */
	size_t ncat_logp;
	double *cat_logp;  /* per cat feature j: nclass * ncat[j], [c * L + l] */
	int *ncat;         /* p */
};

static const char *const nb_params[] = { "var_smoothing", "alpha", "priors", NULL };

static void nb_clear(struct nb *s)
{
	free(s->log_prior);
	free(s->kind);
	free(s->theta);
	free(s->var);
	free(s->off);
	free(s->cat_logp);
	free(s->ncat);
	s->log_prior = s->theta = s->var = s->cat_logp = NULL;
	s->kind = NULL;
	s->off = NULL;
	s->ncat = NULL;
}

static void nb_free(void *p)
{
	struct nb *s = p;
	if (!s)
		return;
	nb_clear(s);
	free(s);
}

static int nb_init(struct model *m, struct wb_err *err)
{
	struct nb *s = xcalloc(1, sizeof(*s));
	m->state = s;
	if (model_param_num(m, "var_smoothing", 1e-9, 0, INFINITY, 0, 1, &s->var_smoothing,
			    err) < 0 ||
	    model_param_num(m, "alpha", 1, 0, INFINITY, 1, 1, &s->alpha, err) < 0)
		return -1;
	const json_t *pr = json_object_get(m->params, "priors");
	if (pr && !json_is_null(pr)) {
		const char *key;
		const json_t *v;
		if (!json_is_object(pr))
			return model_error(m, err, "parameter 'priors' must be a table "
					   "{class = prior}");
		json_object_foreach((json_t *)(uintptr_t)pr, key, v) {
			if (!json_is_number(v) || !(json_number_value(v) >= 0))
				return model_error(m, err, "parameter 'priors': prior of '%s' "
						   "must be a number >= 0", key);
		}
	}
	return 0;
}

/* Shapes the arrays for nclass classes and the features' kinds. */
static void nb_alloc(struct nb *s, int nclass, int p, const int *ncat)
{
	nb_clear(s);
	s->nclass = nclass;
	s->p = p;
	size_t cp = (size_t)nclass * (size_t)p + 1;
	s->log_prior = xcalloc((size_t)nclass, sizeof(double));
	s->kind = xcalloc((size_t)p + 1, sizeof(int32_t));
	s->theta = xcalloc(cp, sizeof(double));
	s->var = xcalloc(cp, sizeof(double));
	s->off = xcalloc((size_t)p + 1, sizeof(size_t));
	s->ncat = xcalloc((size_t)p + 1, sizeof(int));
	s->ncat_logp = 0;
	for (int j = 0; j < p; j++) {
		s->ncat[j] = ncat ? ncat[j] : 0;
		s->off[j] = s->ncat_logp;
		if (s->ncat[j] > 0)
			s->ncat_logp += (size_t)nclass * (size_t)s->ncat[j];
	}
	s->cat_logp = xcalloc(s->ncat_logp + 1, sizeof(double));
}

/* Priors from the parameter table, or -1 with an error. */
static int nb_priors(const struct model *m, struct nb *s, const json_t *pr, struct wb_err *err)
{
	double *pri = xcalloc((size_t)s->nclass, sizeof(double));
	double sum = 0;
	const char *key;
	const json_t *v;
	json_object_foreach((json_t *)(uintptr_t)pr, key, v) {
		int c = 0;
		while (c < s->nclass && strcmp(m->classes[c], key))
			c++;
		if (c == s->nclass) {
			free(pri);
			return model_error(m, err, "parameter 'priors': no class '%s'", key);
		}
		pri[c] = json_number_value(v);
		sum += pri[c];
	}
	if (fabs(sum - 1) > 1e-8) {
		free(pri);
		return model_error(m, err, "parameter 'priors' must sum to 1, got %.17g", sum);
	}
	for (int c = 0; c < s->nclass; c++)
		s->log_prior[c] = log(pri[c]);
	free(pri);
	return 0;
}

/* Mean and population variance of the present values of x (weights w or
 * 1) among rows of class c (c < 0: all rows).  Returns the weight seen. */
static double moments(const double *x, const int32_t *cls, const double *w, size_t n, int c,
		      double *mean, double *var)
{
	double sw = 0, sx = 0;
	for (size_t i = 0; i < n; i++) {
		if (isnan(x[i]) || (c >= 0 && cls[i] != c))
			continue;
		double wi = w ? w[i] : 1;
		sw += wi;
		sx += wi * x[i];
	}
	if (!(sw > 0)) {
		*mean = *var = 0;
		return 0;
	}
	double mu = sx / sw, ss = 0;
	for (size_t i = 0; i < n; i++) {
		if (isnan(x[i]) || (c >= 0 && cls[i] != c))
			continue;
		double e = x[i] - mu;
		ss += (w ? w[i] : 1) * e * e;
	}
	*mean = mu;
	*var = ss / sw;
	return sw;
}

static int nb_fit(struct model *m, const struct mldata *d, const struct model_fit_ctx *ctx,
		  struct wb_err *err)
{
	struct nb *s = m->state;
	if (!d->n)
		return model_error(m, err, "no training rows");
	int failed;
	double *w = model_class_weights(m, d, err, &failed);
	if (failed)
		return -1;
	int k = d->nclass, p = d->p;
	nb_alloc(s, k, p, d->ncat);

	/* Priors. */
	const json_t *pr = json_object_get(m->params, "priors");
	if (pr && !json_is_null(pr)) {
		if (nb_priors(m, s, pr, err) < 0) {
			free(w);
			return -1;
		}
	} else {
		double *cw = xcalloc((size_t)k, sizeof(double));
		double tot = 0;
		for (size_t i = 0; i < d->n; i++)
			cw[d->cls[i]] += w ? w[i] : 1;
		for (int c = 0; c < k; c++)
			tot += cw[c];
		for (int c = 0; c < k; c++)
			s->log_prior[c] = log(cw[c] / tot);
		free(cw);
	}

	/* epsilon: the largest unweighted variance of a numeric feature. */
	double *fvar = xcalloc((size_t)p + 1, sizeof(double));
	double *fw = xcalloc((size_t)p + 1, sizeof(double));
#pragma omp parallel for schedule(static) if (d->n > 8192)
	for (int j = 0; j < p; j++) {
		double mu;
		fw[j] = s->ncat[j] ? 0 : moments(d->x[j], NULL, NULL, d->n, -1, &mu, &fvar[j]);
	}
	double vmax = 0;
	for (int j = 0; j < p; j++)
		if (fw[j] > 0 && fvar[j] > vmax)
			vmax = fvar[j];
	s->epsilon = vmax > 0 ? s->var_smoothing * vmax : s->var_smoothing;
	if (!(s->epsilon > 0))
		s->epsilon = 1e-300; /* var_smoothing 0 on constant data: keep var > 0 */
	free(fvar);
	free(fw);

#pragma omp parallel for schedule(static) if (d->n > 8192)
	for (int j = 0; j < p; j++) {
		const double *x = d->x[j];
		if (!s->ncat[j]) {
			double amu, avar;
			if (!(moments(x, NULL, w, d->n, -1, &amu, &avar) > 0)) {
				s->kind[j] = F_SKIP;
				continue;
			}
			s->kind[j] = F_GAUSS;
			for (int c = 0; c < k; c++) {
				double mu, v;
				if (!(moments(x, d->cls, w, d->n, c, &mu, &v) > 0)) {
					mu = amu;
					v = avar;
				}
				s->theta[(size_t)c * (size_t)p + (size_t)j] = mu;
				s->var[(size_t)c * (size_t)p + (size_t)j] = v + s->epsilon;
			}
			continue;
		}
		int L = s->ncat[j];
		double *t = s->cat_logp + s->off[j];
		int any = 0;
		for (size_t i = 0; i < d->n; i++) {
			double v = x[i];
			if (isnan(v) || v < 0 || v >= L || v != floor(v))
				continue;
			t[(size_t)d->cls[i] * (size_t)L + (size_t)v] += w ? w[i] : 1;
			any = 1;
		}
		s->kind[j] = any ? F_CAT : F_SKIP;
		for (int c = 0; c < k; c++) {
			double *row = t + (size_t)c * (size_t)L, tot = 0;
			for (int l = 0; l < L; l++)
				tot += row[l];
			double denom = tot + s->alpha * L;
			for (int l = 0; l < L; l++)
				row[l] = any ? log((row[l] + s->alpha) / denom) : 0;
		}
	}
	free(w);
	return 0;
}

static int nb_predict(const struct model *m, const struct mldata *d, double *out,
		      struct wb_err *err)
{
	const struct nb *s = m->state;
	if (d->p != s->p)
		return model_error(m, err, "expected %d features, got %d", s->p, d->p);
	int k = s->nclass, p = s->p;
	long n = (long)d->n;
#pragma omp parallel for schedule(static) if (n > 8192)
	for (long i = 0; i < n; i++) {
		double *o = out + (size_t)i * (size_t)k;
		double best = -INFINITY;
		for (int c = 0; c < k; c++) {
			double jll = s->log_prior[c];
			if (jll == -INFINITY) {
				o[c] = jll;
				continue;
			}
			double lnorm = 0, quad = 0, lcat = 0;
			for (int j = 0; j < p; j++) {
				double v = d->x[j][i];
				if (isnan(v) || s->kind[j] == F_SKIP)
					continue;
				size_t cj = (size_t)c * (size_t)p + (size_t)j;
				if (s->kind[j] == F_GAUSS) {
					double e = v - s->theta[cj];
					lnorm += log(2.0 * M_PI * s->var[cj]);
					quad += e * e / s->var[cj];
				} else {
					int L = s->ncat[j];
					if (v < 0 || v >= L || v != floor(v))
						continue;
					lcat += s->cat_logp[s->off[j] + (size_t)c * (size_t)L +
							    (size_t)v];
				}
			}
			jll += -0.5 * lnorm - 0.5 * quad + lcat;
			o[c] = jll;
			if (jll > best)
				best = jll;
		}
		/* log-sum-exp; best is finite since some prior is > 0. */
		double sum = 0;
		for (int c = 0; c < k; c++) {
			o[c] = exp(o[c] - best);
			sum += o[c];
		}
		for (int c = 0; c < k; c++)
			o[c] /= sum;
	}
	return 0;
}

static void nb_to_json(const struct model *m, json_t *obj)
{
	const struct nb *s = m->state;
	size_t cp = (size_t)s->nclass * (size_t)s->p;
	json_object_set_new(obj, "epsilon", model_json_num(s->epsilon));
	json_object_set_new(obj, "log_prior", model_json_nums(s->log_prior, (size_t)s->nclass));
	json_object_set_new(obj, "kind", model_json_ints(s->kind, (size_t)s->p));
	json_object_set_new(obj, "theta", model_json_nums(s->theta, cp));
	json_object_set_new(obj, "var", model_json_nums(s->var, cp));
	json_object_set_new(obj, "cat_logp", model_json_nums(s->cat_logp, s->ncat_logp));
}

static int nb_from_json(struct model *m, const json_t *obj, const char *path,
			struct wb_err *err)
{
	struct nb *s = m->state;
	if (m->nclass < 2)
		return wb_error(err, "model JSON: %s: naive_bayes needs classes", path);
	nb_alloc(s, m->nclass, m->p, m->ncat);
	size_t cp = (size_t)s->nclass * (size_t)s->p;
	if (model_json_get_num(obj, path, "epsilon", &s->epsilon, err) < 0 ||
	    model_json_get_nums(obj, path, "log_prior", s->log_prior, (size_t)s->nclass, err) < 0 ||
	    model_json_get_ints(obj, path, "kind", s->kind, (size_t)s->p, err) < 0 ||
	    model_json_get_nums(obj, path, "theta", s->theta, cp, err) < 0 ||
	    model_json_get_nums(obj, path, "var", s->var, cp, err) < 0 ||
	    model_json_get_nums(obj, path, "cat_logp", s->cat_logp, s->ncat_logp, err) < 0)
		return -1;
	for (int j = 0; j < s->p; j++) {
		int want = s->ncat[j] ? F_CAT : F_GAUSS;
		if (s->kind[j] != F_SKIP && s->kind[j] != want)
			return wb_error(err, "model JSON: %s.kind[%d]: does not match the feature",
					path, j);
	}
	return 0;
}

static void nb_describe(const struct model *m, FILE *out)
{
	const struct nb *s = m->state;
	int g = 0, c = 0, sk = 0;
	for (int j = 0; j < s->p; j++) {
		g += s->kind[j] == F_GAUSS;
		c += s->kind[j] == F_CAT;
		sk += s->kind[j] == F_SKIP;
	}
	fprintf(out, "  %d gaussian, %d categorical features (%d ignored: never present)\n", g,
		c, sk);
	fprintf(out, "  var_smoothing %g (epsilon %.6g), alpha %g\n", s->var_smoothing,
		s->epsilon, s->alpha);
	fprintf(out, "  priors:");
	for (int k = 0; k < s->nclass && k < 20; k++)
		fprintf(out, " %s %.4g", m->classes ? m->classes[k] : "?", exp(s->log_prior[k]));
	fprintf(out, "%s\n", s->nclass > 20 ? " ..." : "");
}

static const struct model_type nb_type = {
	.name = "naive_bayes",
	.summary = "naive Bayes (gaussian numeric, smoothed categorical features)",
	.params = nb_params,
	.tasks = MODEL_CLASSIFY,
	.prep = MODEL_PREP_NONE,
	.init = nb_init,
	.fit = nb_fit,
	.predict = nb_predict,
	.to_json = nb_to_json,
	.from_json = nb_from_json,
	.describe = nb_describe,
	.importance = NULL,
	.free = nb_free,
};

void model_naive_bayes_register(void)
{
	model_register(&nb_type);
}
