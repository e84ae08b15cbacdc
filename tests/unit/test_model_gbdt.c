/*
 * test_model_gbdt — the gbdt family on hand-built data: known answers
 * (stumps, separable classes, robust losses), missing-value directions,
 * early stopping, metrics, serialization, determinism across thread counts,
 * parameter errors and degenerate data.
 */
#include "tap.h"
#include "model_fixture.h"

#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Registration is by weak symbol: reference the family so the linker keeps
 * it when the test links the engine archive. */
static void (*volatile keep_gbdt)(void) = model_gbdt_register;

static uint64_t lcg_state = 12345;

static double urand(void)
{
	lcg_state = lcg_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(lcg_state >> 11) / 9007199254740992.0;
}

static json_t *state_obj(const struct model *m)
{
	char *s = state_json(m);
	json_t *o = json_loads(s, 0, NULL);
	free(s);
	return o;
}

/* ---------------------------------------------------------------- stump */

static void test_stump(void)
{
	enum { N = 200 };
	double x[N], y[N];
	for (int i = 0; i < N; i++) {
		x[i] = i / (double)N;
		y[i] = x[i] < 0.5 ? 1 : 3;
	}
	double *cols[1] = { x };
	struct mldata d = mk_data(N, 1, cols, NULL);
	d.y = y;
	struct wb_err err;
	/* One full Newton step without shrinkage or penalty: the leaves are
	 * the two side means exactly. */
	struct model *m = fit_direct("gbdt", "{\"rounds\": 1, \"learning_rate\": 1, \"max_depth\": 1,"
				     " \"lambda\": 0, \"min_child_weight\": 0}",
				     MODEL_REGRESS, &d, 1, &err);
	if (!ok(m != NULL, "stump fits"))
		diag(err.msg);
	if (!m)
		return;
	double *p = predict_direct(m, &d, &err);
	int good = 1;
	for (int i = 0; i < N; i++)
		good &= fabs(p[i] - y[i]) < 1e-12;
	ok(good, "stump recovers the step (1 below 0.5, 3 above)");
	json_t *o = state_obj(m);
	json_t *t0 = json_array_get(json_object_get(o, "trees"), 0);
	double thr = json_number_value(json_array_get(json_object_get(t0, "threshold"), 0));
	ok(thr >= 0.495 && thr < 0.5, "threshold between the two sides (%g)", thr);
	is_int(json_array_size(json_object_get(t0, "feature")), 3, "one split, two leaves");
	is_dbl(json_number_value(json_array_get(json_object_get(o, "base"), 0)), 2.0, 1e-12,
	       "base score = mean");
	json_decref(o);
	free(p);

	char *desc = model_describe(m);
	like(desc, "rounds: 1", "describe gives the rounds");
	free(desc);
	model_free(m);
}

/* ---------------------------------------------------------------- binary */

static void test_binary_separable(void)
{
	enum { N = 300 };
	double x0[N], x1[N];
	int32_t cls[N];
	for (int i = 0; i < N; i++) {
		x0[i] = urand();
		x1[i] = urand();
		cls[i] = x0[i] + 0.3 * (x1[i] > 0.5) > 0.65;
	}
	double *cols[2] = { x0, x1 };
	struct mldata d = mk_data(N, 2, cols, NULL);
	d.cls = cls;
	d.nclass = 2;
	struct wb_err err;
	struct model *m = fit_direct("gbdt", "{\"rounds\": 50, \"learning_rate\": 0.3}",
				     MODEL_CLASSIFY, &d, 3, &err);
	if (!ok(m != NULL, "binary fits"))
		diag(err.msg);
	if (!m)
		return;
	double *p = predict_direct(m, &d, &err);
	int right = 0, sums = 1;
	for (int i = 0; i < N; i++) {
		right += (p[2 * i + 1] > 0.5) == cls[i];
		sums &= fabs(p[2 * i] + p[2 * i + 1] - 1) < 1e-12 && p[2 * i] >= 0 &&
			p[2 * i + 1] >= 0;
	}
	is_int(right, N, "separable data: training accuracy 1");
	ok(sums, "binary: both class probabilities, summing to 1");

	double imp[2];
	m->type->importance(m, imp);
	ok(imp[0] > imp[1] && imp[1] > 0, "importance: x0 gains most, x1 some (%g, %g)", imp[0],
	   imp[1]);
	free(p);
	model_free(m);
}

/* ---------------------------------------------------------------- multiclass */

static void test_multiclass(void)
{
	enum { N = 600 };
	double x0[N], x1[N];
	int32_t cls[N];
	for (int i = 0; i < N; i++) {
		x0[i] = urand();
		x1[i] = urand();
		cls[i] = x0[i] < 0.33 ? 0 : x1[i] < 0.5 ? 1 : 2;
	}
	double *cols[2] = { x0, x1 };
	struct mldata d = mk_data(N, 2, cols, NULL);
	d.cls = cls;
	d.nclass = 3;
	struct wb_err err;
	struct model *m = fit_direct("gbdt", "{\"rounds\": 30, \"learning_rate\": 0.3}",
				     MODEL_CLASSIFY, &d, 3, &err);
	if (!ok(m != NULL, "multiclass fits"))
		diag(err.msg);
	if (!m)
		return;
	double *p = predict_direct(m, &d, &err);
	int sums = 1, right = 0;
	for (int i = 0; i < N; i++) {
		double s = p[3 * i] + p[3 * i + 1] + p[3 * i + 2];
		sums &= fabs(s - 1) < 1e-12;
		int32_t am;
		model_argmax(p + 3 * i, 1, 3, &am);
		right += am == cls[i];
	}
	ok(sums, "multiclass probabilities sum to 1");
	is_int(right, N, "multiclass: training accuracy 1 on axis-aligned classes");
	json_t *o = state_obj(m);
	is_int(json_array_size(json_object_get(o, "trees")), 90, "one tree per class per round");
	is_str(json_string_value(json_object_get(o, "loss")), "softmax", "auto picks softmax");
	json_decref(o);
	free(p);
	model_free(m);
}

/* ---------------------------------------------------------------- missing */

/* x < 0 gives y = 0, x > 0 gives y = 10; missing rows behave like the side
 * given.  A NaN at prediction must follow them. */
static double missing_case(int like_high)
{
	enum { N = 300 };
	double x[N], y[N];
	for (int i = 0; i < N; i++) {
		if (i % 3 == 0) {
			x[i] = NAN;
			y[i] = like_high ? 10 : 0;
		} else {
			x[i] = urand() - 0.5;
			y[i] = x[i] > 0 ? 10 : 0;
		}
	}
	double *cols[1] = { x };
	struct mldata d = mk_data(N, 1, cols, NULL);
	d.y = y;
	struct wb_err err;
	struct model *m = fit_direct("gbdt", "{\"rounds\": 40, \"learning_rate\": 0.5}",
				     MODEL_REGRESS, &d, 1, &err);
	if (!m)
		return NAN;
	double q[1] = { NAN };
	double *qc[1] = { q };
	struct mldata t = mk_data(1, 1, qc, NULL);
	double *p = predict_direct(m, &t, &err);
	double v = p[0];
	free(p);
	model_free(m);
	return v;
}

static void test_missing(void)
{
	double hi = missing_case(1), lo = missing_case(0);
	ok(fabs(hi - 10) < 0.1, "missing rows like the high side: NaN predicts ~10 (%g)", hi);
	ok(fabs(lo) < 0.1, "missing rows like the low side: NaN predicts ~0 (%g)", lo);
}

/* ---------------------------------------------------------------- robust losses */

static void test_robust(void)
{
	enum { N = 100 };
	double x[N], y[N];
	for (int i = 0; i < N; i++) {
		x[i] = i % 2;
		y[i] = i % 2 ? 3 : 1;
	}
	y[10] = 1000; /* an outlier in group x = 0 */
	double *cols[1] = { x };
	struct mldata d = mk_data(N, 1, cols, NULL);
	d.y = y;
	const char *losses[] = { "squared", "absolute", "huber" };
	double g0[3];
	for (int k = 0; k < 3; k++) {
		char params[128];
		snprintf(params, sizeof(params),
			 "{\"rounds\": 300, \"learning_rate\": 0.3, \"loss\": \"%s\"}", losses[k]);
		struct wb_err err;
		struct model *m = fit_direct("gbdt", params, MODEL_REGRESS, &d, 1, &err);
		if (!ok(m != NULL, "%s fits", losses[k]))
			diag(err.msg);
		if (!m)
			return;
		double *p = predict_direct(m, &d, &err);
		g0[k] = p[0];
		ok(fabs(p[1] - 3) < 0.05, "%s: clean group predicts 3 (%g)", losses[k], p[1]);
		free(p);
		model_free(m);
	}
	/* Squared: the group mean (49 * 1 + 1000) / 50 = 20.98; absolute: the
	 * median 1; huber (delta 1): 1 + 1/49 in the limit. */
	ok(g0[0] > 15, "squared is pulled by the outlier (%g)", g0[0]);
	ok(fabs(g0[1] - 1) < 0.01, "absolute ignores the outlier (%g)", g0[1]);
	ok(fabs(g0[2] - 1) < 0.1, "huber nearly ignores the outlier (%g)", g0[2]);
}

/* ---------------------------------------------------------------- metrics */

struct calls {
	int n, iters[400];
	double v[400];
	char name[400][32];
};

static void on_metric(void *ud, const char *name, double value, int iter)
{
	struct calls *c = ud;
	if (c->n < 400) {
		snprintf(c->name[c->n], sizeof(c->name[0]), "%s", name);
		c->iters[c->n] = iter;
		c->v[c->n] = value;
	}
	c->n++;
}

static struct model *fit_ctx(const char *params, enum model_task task, const struct mldata *d,
			     const struct mldata *valid, struct calls *c, struct wb_err *err)
{
	json_t *pj = json_loads(params, 0, NULL);
	struct model *m = model_new("gbdt", pj, err);
	json_decref(pj);
	if (!m)
		return NULL;
	fixture_schema(m, task, d);
	struct model_fit_ctx ctx = { .seed = 7, .valid = valid, .on_metric = c ? on_metric : NULL,
				     .ud = c };
	if (m->type->fit(m, d, &ctx, err) < 0) {
		model_free(m);
		return NULL;
	}
	m->fitted = 1;
	return m;
}

static void test_metrics(void)
{
	enum { N = 200 };
	double x[N], y[N];
	for (int i = 0; i < N; i++) {
		x[i] = urand();
		y[i] = sin(6 * x[i]) + 0.1 * urand();
	}
	double *cols[1] = { x };
	struct mldata d = mk_data(N, 1, cols, NULL);
	d.y = y;
	struct calls c = { 0 };
	struct wb_err err;
	struct model *m = fit_ctx("{\"rounds\": 10}", MODEL_REGRESS, &d, NULL, &c, &err);
	if (!ok(m != NULL, "fit with a metric callback"))
		diag(err.msg);
	is_int(c.n, 10, "callback called once per round");
	int order = 1, names = 1, down = 1;
	for (int k = 0; k < c.n && k < 10; k++) {
		order &= c.iters[k] == k + 1;
		names &= !strcmp(c.name[k], "train_rmse");
		if (k)
			down &= c.v[k] < c.v[k - 1];
	}
	ok(order, "iterations 1..10 in order");
	ok(names, "named train_rmse");
	ok(down, "train loss decreases every round");
	/* rmse of round 10 from the predictions themselves */
	double *p = predict_direct(m, &d, &err);
	double ss = 0;
	for (int i = 0; i < N; i++)
		ss += (p[i] - y[i]) * (p[i] - y[i]);
	is_dbl(c.v[9], sqrt(ss / N), 1e-9, "last train_rmse matches the predictions");
	free(p);
	model_free(m);

	/* Binary: train_logloss against the closed form on the predictions. */
	int32_t cls[N];
	for (int i = 0; i < N; i++)
		cls[i] = x[i] + 0.3 * urand() > 0.6;
	struct mldata b = mk_data(N, 1, cols, NULL);
	b.cls = cls;
	b.nclass = 2;
	memset(&c, 0, sizeof(c));
	m = fit_ctx("{\"rounds\": 5}", MODEL_CLASSIFY, &b, &b, &c, &err);
	if (!ok(m != NULL, "binary with validation"))
		diag(err.msg);
	if (!m)
		return;
	is_int(c.n, 10, "train and valid metric each round");
	is_str(c.name[8], "train_logloss", "train_logloss");
	is_str(c.name[9], "valid_logloss", "valid_logloss");
	p = predict_direct(m, &b, &err);
	double ll = 0;
	for (int i = 0; i < N; i++)
		ll -= log(p[2 * i + cls[i]]);
	is_dbl(c.v[8], ll / N, 1e-9, "train_logloss matches the predictions");
	is_dbl(c.v[9], ll / N, 1e-9, "valid = train on the same data");
	free(p);
	model_free(m);
}

/* ---------------------------------------------------------------- early stopping */

static void test_early_stopping(void)
{
	enum { N = 200 };
	double x[N], y[N], yv[N];
	for (int i = 0; i < N; i++) {
		x[i] = i / (double)N;
		y[i] = x[i];
		/* Validation wants half the training signal: its loss falls
		 * while the model is below that, then rises. */
		yv[i] = 0.5 * x[i] + 0.25;
	}
	double *cols[1] = { x };
	struct mldata d = mk_data(N, 1, cols, NULL), v = mk_data(N, 1, cols, NULL);
	d.y = y;
	v.y = yv;
	struct calls c = { 0 };
	struct wb_err err;
	struct model *m = fit_ctx("{\"rounds\": 100, \"early_stopping\": 5}", MODEL_REGRESS, &d,
				  &v, &c, &err);
	if (!ok(m != NULL, "early stopping fits"))
		diag(err.msg);
	if (!m)
		return;
	json_t *o = state_obj(m);
	long best = (long)json_integer_value(json_object_get(o, "best_round"));
	long rounds = (long)json_integer_value(json_object_get(o, "rounds"));
	ok(best >= 3 && best <= 12, "best round near where validation turns (%ld)", best);
	is_int(rounds, best, "keeps the best round count");
	is_int(json_array_size(json_object_get(o, "trees")), best, "and that many trees");
	/* The callback saw best + 5 rounds; the best valid loss is at best. */
	int last = c.iters[c.n - 1];
	is_int(last, best + 5, "stopped 5 rounds after the best");
	double minv = INFINITY;
	int argmin = 0;
	for (int k = 0; k < c.n; k++)
		if (!strcmp(c.name[k], "valid_rmse") && c.v[k] < minv) {
			minv = c.v[k];
			argmin = c.iters[k];
		}
	is_int(argmin, best, "best round = lowest valid_rmse");
	json_decref(o);
	char *desc = model_describe(m);
	like(desc, "best round", "describe reports the best round");
	free(desc);
	model_free(m);

	m = fit_ctx("{\"rounds\": 10, \"early_stopping\": 5}", MODEL_REGRESS, &d, NULL, NULL, &err);
	ok(m == NULL, "early stopping without validation data fails");
	like(err.msg, "validation", "and says a validation frame is needed");
	like(err.msg, "early_stopping", "naming the parameter");
}

/* ---------------------------------------------------------------- serialization, threads */

static void make_big(size_t n, double **cols, int32_t *cls, double *y)
{
	for (size_t i = 0; i < n; i++) {
		double a = urand(), b = urand(), c = urand();
		cols[0][i] = a;
		cols[1][i] = i % 7 == 0 ? NAN : b;
		cols[2][i] = floor(c * 5);
		cols[3][i] = urand();
		double f = 3 * a - 2 * (isnan(cols[1][i]) ? 0.8 : b) + (cols[2][i] > 2) - 1.2;
		cls[i] = (f + urand() - 0.5 > 0) + (f > 1);
		y[i] = f + 0.2 * urand();
	}
}

static int same_doubles(const double *a, const double *b, size_t n)
{
	return !memcmp(a, b, n * sizeof(double));
}

static void test_roundtrip_threads(void)
{
	size_t n = 70000;
	double *cols[4];
	for (int j = 0; j < 4; j++)
		cols[j] = malloc(n * sizeof(double));
	int32_t *cls = malloc(n * sizeof(int32_t));
	double *y = malloc(n * sizeof(double));
	make_big(n, cols, cls, y);
	int ncat[4] = { 0, 0, 5, 0 };
	struct mldata d = mk_data(n, 4, cols, ncat);
	d.cls = cls;
	d.nclass = 3;
	const char *runs[][2] = {
		{ "softmax", "{\"rounds\": 4, \"subsample\": 0.8, \"colsample\": 0.75}" },
		{ "leaf-wise", "{\"rounds\": 3, \"max_leaves\": 12, \"max_depth\": 0}" },
		{ "regression", "{\"rounds\": 3, \"max_bins\": 16, \"loss\": \"huber\"}" },
	};
	for (int r = 0; r < 3; r++) {
		enum model_task task = r == 2 ? MODEL_REGRESS : MODEL_CLASSIFY;
		struct mldata dd = d;
		if (r == 2) {
			dd.cls = NULL;
			dd.y = y;
		}
		size_t width = task == MODEL_CLASSIFY ? 3 : 1;
		struct wb_err err;
		omp_set_num_threads(1);
		struct model *m1 = fit_direct("gbdt", runs[r][1], task, &dd, 11, &err);
		omp_set_num_threads(2);
		struct model *m2 = fit_direct("gbdt", runs[r][1], task, &dd, 11, &err);
		ok(m1 && m2, "%s fits on 1 and 2 threads", runs[r][0]);
		if (!m1 || !m2)
			return;
		char *j1 = state_json(m1), *j2 = state_json(m2);
		ok(!strcmp(j1, j2), "%s: identical state on 1 and 2 threads", runs[r][0]);
		omp_set_num_threads(1);
		double *p1 = predict_direct(m1, &dd, &err);
		omp_set_num_threads(2);
		double *p2 = predict_direct(m2, &dd, &err);
		ok(same_doubles(p1, p2, n * width), "%s: identical predictions", runs[r][0]);
		struct model *re = reload_direct(m1, &err);
		if (!ok(re != NULL, "%s reloads", runs[r][0]))
			diag(err.msg);
		if (re) {
			double *p3 = predict_direct(re, &dd, &err);
			ok(same_doubles(p1, p3, n * width), "%s: bit-identical after reload",
			   runs[r][0]);
			char *j3 = state_json(re);
			ok(!strcmp(j1, j3), "%s: state JSON survives the round trip", runs[r][0]);
			free(j3);
			free(p3);
			model_free(re);
		}
		if (r == 1) {
			json_t *o = state_obj(m1);
			json_t *trees = json_object_get(o, "trees");
			int maxleaves = 0;
			for (size_t t = 0; t < json_array_size(trees); t++) {
				json_t *f = json_object_get(json_array_get(trees, t), "feature");
				int leaves = 0;
				for (size_t q = 0; q < json_array_size(f); q++)
					leaves += json_integer_value(json_array_get(f, q)) < 0;
				if (leaves > maxleaves)
					maxleaves = leaves;
			}
			is_int(maxleaves, 12, "leaf-wise trees have max_leaves leaves");
			json_decref(o);
		}
		free(j1);
		free(j2);
		free(p1);
		free(p2);
		model_free(m1);
		model_free(m2);
	}
	for (int j = 0; j < 4; j++)
		free(cols[j]);
	free(cls);
	free(y);
}

/* ---------------------------------------------------------------- errors, degenerate data */

static void test_bad_params(void)
{
	static const char *const cases[][2] = {
		{ "{\"learning_rate\": 0}", "learning_rate" },
		{ "{\"max_depth\": -1}", "max_depth" },
		{ "{\"subsample\": 0}", "subsample" },
		{ "{\"max_bins\": 1}", "max_bins" },
		{ "{\"max_bins\": 257}", "max_bins" },
		{ "{\"loss\": \"bogus\"}", "loss" },
		{ "{\"colsample\": 1.5}", "colsample" },
		{ "{\"rounds\": 0}", "rounds" },
		{ "{\"max_depth\": 0}", "max_depth" },
		{ "{\"lambda\": -1}", "lambda" },
		{ "{\"huber_delta\": 0}", "huber_delta" },
		{ "{\"base_score\": \"x\"}", "base_score" },
		{ "{\"early_stopping\": -2}", "early_stopping" },
	};
	expect_bad_params("gbdt", cases, sizeof(cases) / sizeof(cases[0]));
	/* A loss that does not fit the task is an error at fit time. */
	double x[4] = { 0, 1, 2, 3 };
	int32_t cls[4] = { 0, 1, 0, 1 };
	double *cols[1] = { x };
	struct mldata d = mk_data(4, 1, cols, NULL);
	d.cls = cls;
	d.nclass = 2;
	struct wb_err err;
	struct model *m = fit_direct("gbdt", "{\"loss\": \"squared\"}", MODEL_CLASSIFY, &d, 1, &err);
	ok(m == NULL, "squared loss for classification fails");
	like(err.msg, "loss", "naming 'loss'");
	model_free(m);
}

static void test_degenerate(void)
{
	enum { N = 50 };
	double x0[N], x1[N], x2[N], y[N];
	for (int i = 0; i < N; i++) {
		x0[i] = i;
		x1[i] = 4.5;
		x2[i] = NAN;
		y[i] = i < 25 ? -1 : 1;
	}
	double *cols[3] = { x0, x1, x2 };
	struct mldata d = mk_data(N, 3, cols, NULL);
	d.y = y;
	struct wb_err err;
	struct model *m = fit_direct("gbdt", "{\"rounds\": 20}", MODEL_REGRESS, &d, 1, &err);
	if (!ok(m != NULL, "constant and all-missing features fit"))
		diag(err.msg);
	if (!m)
		return;
	double *p = predict_direct(m, &d, &err);
	int finite = 1;
	for (int i = 0; i < N; i++)
		finite &= isfinite(p[i]) && (p[i] < 0) == (y[i] < 0);
	ok(finite, "predictions finite and on the right side");
	double imp[3];
	m->type->importance(m, imp);
	ok(imp[0] > 0 && imp[1] == 0 && imp[2] == 0, "only the informative feature has gain");
	/* All-NaN input at prediction. */
	double q0[1] = { NAN }, q1[1] = { NAN }, q2[1] = { NAN };
	double *qc[3] = { q0, q1, q2 };
	struct mldata t = mk_data(1, 3, qc, NULL);
	double *pq = predict_direct(m, &t, &err);
	ok(pq && isfinite(pq[0]), "an all-missing row predicts a number");
	free(pq);
	free(p);
	model_free(m);

	/* One row, then two. */
	for (int nrow = 1; nrow <= 2; nrow++) {
		double yy[2] = { 5, 7 };
		struct mldata tiny = mk_data((size_t)nrow, 3, cols, NULL);
		tiny.y = yy;
		m = fit_direct("gbdt", NULL, MODEL_REGRESS, &tiny, 1, &err);
		if (!ok(m != NULL, "%d-row regression fits", nrow))
			diag(err.msg);
		if (!m)
			continue;
		p = predict_direct(m, &tiny, &err);
		ok(p && isfinite(p[0]) && fabs(p[0] - (nrow == 1 ? 5 : 5.5)) < 1.5,
		   "%d-row prediction finite (%g)", nrow, p ? p[0] : NAN);
		free(p);
		model_free(m);
	}

	/* One class only in the data still gives probabilities. */
	int32_t one[N];
	for (int i = 0; i < N; i++)
		one[i] = 1;
	struct mldata c = mk_data(N, 3, cols, NULL);
	c.cls = one;
	c.nclass = 2;
	m = fit_direct("gbdt", "{\"rounds\": 5}", MODEL_CLASSIFY, &c, 1, &err);
	ok(m != NULL, "single-class data fits");
	if (m) {
		p = predict_direct(m, &c, &err);
		ok(p[1] > 0.99 && isfinite(p[0]), "and predicts that class (%g)", p[1]);
		free(p);
		model_free(m);
	}
}

int main(void)
{
	(void)keep_gbdt;
	test_stump();
	test_binary_separable();
	test_multiclass();
	test_missing();
	test_robust();
	test_metrics();
	test_early_stopping();
	test_roundtrip_threads();
	test_bad_params();
	test_degenerate();
	return tap_done();
}
