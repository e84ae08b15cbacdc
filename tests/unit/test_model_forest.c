/*
 * test_model_forest — the random forest family: out-of-bag score, class
 * probabilities, regression quality, save/load, determinism across thread
 * counts, bad parameters, degenerate data.
 */
#include "tap.h"
#include "model_fixture.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"

#define N 600

static double x0[N], x1[N], x2[N], x3[N], yr[N];
static int32_t c2[N], c3[N];

/* x0, x1 uniform; class = x0 > 0.5 (separable); three classes by x1 bands;
 * y = 3 sin(4 x0) + x1 + noise; x2 noise with 10% missing; x3 constant. */
static void make(void)
{
	struct rng r;
	rng_seed(&r, 7);
	for (int i = 0; i < N; i++) {
		x0[i] = rng_uniform(&r);
		x1[i] = rng_uniform(&r);
		x2[i] = rng_uniform(&r) < 0.1 ? NAN : rng_normal(&r);
		x3[i] = 1;
		c2[i] = x0[i] > 0.5;
		c3[i] = x1[i] < 0.3 ? 0 : x1[i] < 0.6 ? 1 : 2;
		yr[i] = 3 * sin(4 * x0[i]) + x1[i] + 0.1 * rng_normal(&r);
	}
}

struct metric {
	char name[32];
	double v;
	int calls;
};

static void on_metric(void *ud, const char *name, double value, int iter)
{
	struct metric *mt = ud;
	snprintf(mt->name, sizeof(mt->name), "%s", name);
	mt->v = value;
	mt->calls++;
}

/* fit_direct with an on_metric callback. */
static struct model *fit_ctx(const char *params, enum model_task task, const struct mldata *d,
			     uint64_t seed, struct metric *mt, struct wb_err *err)
{
	json_t *p = params ? json_loads(params, 0, NULL) : NULL;
	struct model *m = model_new("forest", p, err);
	json_decref(p);
	if (!m)
		return NULL;
	fixture_schema(m, task, d);
	m->seed = seed;
	struct model_fit_ctx ctx;
	memset(&ctx, 0, sizeof(ctx));
	ctx.seed = seed;
	ctx.on_metric = on_metric;
	ctx.ud = mt;
	if (m->type->fit(m, d, &ctx, err) < 0) {
		model_free(m);
		return NULL;
	}
	m->fitted = 1;
	return m;
}

static double json_oob(const struct model *m)
{
	char *text = state_json(m);
	json_t *o = json_loads(text, 0, NULL);
	free(text);
	const json_t *v = json_object_get(o, "oob_score");
	double r = json_is_number(v) ? json_number_value(v) : NAN;
	json_decref(o);
	return r;
}

static void test_classify(void)
{
	double *cols[4] = { x0, x1, x2, x3 };
	struct mldata d = mk_data(N, 4, cols, NULL);
	d.cls = c2;
	d.nclass = 2;
	struct wb_err err;
	struct metric mt = { "", 0, 0 };
	struct model *m = fit_ctx("{\"trees\": 50}", MODEL_CLASSIFY, &d, 3, &mt, &err);
	ok(m != NULL, "forest fits");
	is_str(mt.name, "oob_accuracy", "reports oob_accuracy");
	is_int(mt.calls, 1, "once");
	ok(mt.v > 0.97 && mt.v <= 1, "oob accuracy on separable data %.4f > 0.97", mt.v);
	is_dbl(json_oob(m), mt.v, 0, "oob score kept in the state");
	double *p = predict_direct(m, &d, &err);
	int sums = 1, right = 0, nonan = 1;
	for (int i = 0; i < N; i++) {
		sums &= fabs(p[2 * i] + p[2 * i + 1] - 1) < 1e-12;
		nonan &= !isnan(p[2 * i]) && !isnan(p[2 * i + 1]);
		right += (p[2 * i + 1] > 0.5) == c2[i];
	}
	ok(sums, "probabilities sum to 1");
	ok(nonan, "no NaN despite missing x2");
	ok(right >= N - 3, "training accuracy %d/%d", right, N);
	double imp[4];
	m->type->importance(m, imp);
	ok(imp[0] > 0.5 && imp[0] > imp[1] && imp[0] > imp[2], "x0 is the most important (%.3f)",
	   imp[0]);
	is_dbl(imp[3], 0, 0, "the constant feature has no importance");
	is_dbl(imp[0] + imp[1] + imp[2] + imp[3], 1, 1e-12, "importances sum to 1");
	char *desc = NULL;
	size_t dl = 0;
	FILE *f = open_memstream(&desc, &dl);
	m->type->describe(m, f);
	fclose(f);
	like(desc, "50 trees", "describe: trees");
	like(desc, "out-of-bag accuracy", "describe: oob");
	like(desc, "top features: x0", "describe: top feature");
	free(desc);
	free(p);
	model_free(m);

	/* Three classes. */
	d.cls = c3;
	d.nclass = 3;
	mt.calls = 0;
	m = fit_ctx("{\"trees\": 30, \"criterion\": \"entropy\", \"class_weight\": \"balanced\"}",
		    MODEL_CLASSIFY, &d, 3, &mt, &err);
	ok(m && mt.v > 0.95, "three classes: oob accuracy %.4f", mt.v);
	p = predict_direct(m, &d, &err);
	sums = 1;
	for (int i = 0; i < N; i++)
		sums &= fabs(p[3 * i] + p[3 * i + 1] + p[3 * i + 2] - 1) < 1e-12;
	ok(sums, "three-class probabilities sum to 1");
	free(p);
	model_free(m);

	/* No out-of-bag rows: no score. */
	mt.calls = 0;
	m = fit_ctx("{\"trees\": 3, \"bootstrap\": false}", MODEL_CLASSIFY, &d, 3, &mt, &err);
	is_int(mt.calls, 0, "no bootstrap, full sample: no oob metric");
	ok(isnan(json_oob(m)), "oob_score null");
	model_free(m);
	m = fit_ctx("{\"trees\": 20, \"bootstrap\": false, \"sample_fraction\": 0.5}",
		    MODEL_CLASSIFY, &d, 3, &mt, &err);
	ok(mt.calls == 1 && mt.v > 0.9, "subsampling without replacement: oob %.4f", mt.v);
	model_free(m);
	m = fit_ctx("{\"trees\": 20, \"oob\": false}", MODEL_CLASSIFY, &d, 3, &mt, &err);
	ok(isnan(json_oob(m)), "oob false: not computed");
	model_free(m);
}

static void test_regress(void)
{
	/* Train on the first 400 rows, test on the last 200. */
	double *cols[4] = { x0, x1, x2, x3 };
	struct mldata d = mk_data(400, 4, cols, NULL);
	d.y = yr;
	struct wb_err err;
	struct metric mt = { "", 0, 0 };
	struct model *m = fit_ctx("{\"trees\": 60}", MODEL_REGRESS, &d, 5, &mt, &err);
	ok(m != NULL, "regression forest fits");
	is_str(mt.name, "oob_r2", "reports oob_r2");
	ok(mt.v > 0.8, "oob r2 %.4f > 0.8", mt.v);
	double *t0 = x0 + 400, *t1 = x1 + 400, *t2 = x2 + 400, *t3 = x3 + 400;
	double *tc[4] = { t0, t1, t2, t3 };
	struct mldata td = mk_data(200, 4, tc, NULL);
	double *p = predict_direct(m, &td, &err);
	double mean = 0, sse = 0, sst = 0;
	for (int i = 0; i < 400; i++)
		mean += yr[i] / 400;
	for (int i = 0; i < 200; i++) {
		sse += (yr[400 + i] - p[i]) * (yr[400 + i] - p[i]);
		sst += (yr[400 + i] - mean) * (yr[400 + i] - mean);
	}
	ok(sse < 0.2 * sst, "test MSE %.4f well below the mean's %.4f", sse / 200, sst / 200);
	free(p);
	model_free(m);
}

static void test_roundtrip_threads(void)
{
	double *cols[4] = { x0, x1, x2, x3 };
	struct mldata d = mk_data(N, 4, cols, NULL);
	d.cls = c3;
	d.nclass = 3;
	struct wb_err err;
	struct metric mt1 = { "", 0, 0 }, mt2 = { "", 0, 0 };
	omp_set_num_threads(1);
	struct model *m1 = fit_ctx("{\"trees\": 25}", MODEL_CLASSIFY, &d, 11, &mt1, &err);
	double *p1 = predict_direct(m1, &d, &err);
	omp_set_num_threads(2);
	struct model *m2 = fit_ctx("{\"trees\": 25}", MODEL_CLASSIFY, &d, 11, &mt2, &err);
	double *p2 = predict_direct(m2, &d, &err);
	char *s1 = state_json(m1), *s2 = state_json(m2);
	ok(!strcmp(s1, s2), "1 vs 2 threads: identical state JSON");
	ok(!memcmp(p1, p2, 3 * N * sizeof(double)), "1 vs 2 threads: identical predictions");
	ok(mt1.v == mt2.v, "1 vs 2 threads: identical oob");
	struct model *r = reload_direct(m1, &err);
	ok(r != NULL, "reload");
	double *pr = predict_direct(r, &d, &err);
	ok(!memcmp(p1, pr, 3 * N * sizeof(double)), "reloaded predictions bit-identical");
	char *sr = state_json(r);
	ok(!strcmp(sr, s1), "reloaded state identical");
	struct model *m3 = fit_ctx("{\"trees\": 25}", MODEL_CLASSIFY, &d, 12, &mt1, &err);
	char *s3 = state_json(m3);
	ok(strcmp(s3, s1) != 0, "another seed, another forest");
	free(s1);
	free(s2);
	free(s3);
	free(sr);
	free(p1);
	free(p2);
	free(pr);
	model_free(m1);
	model_free(m2);
	model_free(m3);
	model_free(r);

	/* Regression, 1 vs 2 threads. */
	d.cls = NULL;
	d.nclass = 0;
	d.y = yr;
	omp_set_num_threads(1);
	m1 = fit_direct("forest", "{\"trees\": 10, \"mtry\": 0.5}", MODEL_REGRESS, &d, 2, &err);
	omp_set_num_threads(2);
	m2 = fit_direct("forest", "{\"trees\": 10, \"mtry\": 0.5}", MODEL_REGRESS, &d, 2, &err);
	s1 = state_json(m1);
	s2 = state_json(m2);
	ok(!strcmp(s1, s2), "regression: 1 vs 2 threads identical");
	r = reload_direct(m1, &err);
	p1 = predict_direct(m1, &d, &err);
	pr = predict_direct(r, &d, &err);
	ok(!memcmp(p1, pr, N * sizeof(double)), "regression: reload bit-identical");
	free(s1);
	free(s2);
	free(p1);
	free(pr);
	model_free(m1);
	model_free(m2);
	model_free(r);
}

static void test_bad(void)
{
	static const char *const bad[][2] = {
		{ "{\"max_depth\": -1}", "'max_depth'" },
		{ "{\"trees\": 0}", "'trees'" },
		{ "{\"min_samples_leaf\": 0}", "'min_samples_leaf'" },
		{ "{\"sample_fraction\": 0}", "'sample_fraction'" },
		{ "{\"sample_fraction\": 1.5}", "'sample_fraction'" },
		{ "{\"mtry\": -2}", "'mtry'" },
		{ "{\"mtry\": 1.5}", "'mtry'" },
		{ "{\"bootstrap\": 1}", "'bootstrap'" },
		{ "{\"oob\": \"yes\"}", "'oob'" },
		{ "{\"criterion\": \"x\"}", "'criterion'" },
		{ "{\"max_bins\": 70000}", "'max_bins'" },
	};
	expect_bad_params("forest", bad, sizeof(bad) / sizeof(bad[0]));
	struct wb_err err;
	double *cols[2] = { x0, x1 };
	struct mldata d = mk_data(N, 2, cols, NULL);
	d.cls = c2;
	d.nclass = 2;
	struct model *m = fit_direct("forest", "{\"mtry\": 3}", MODEL_CLASSIFY, &d, 1, &err);
	ok(m == NULL, "mtry > p is an error");
	like(err.msg, "'mtry'", "names mtry");
	m = fit_direct("forest", "{\"mtry\": 2, \"trees\": 2}", MODEL_CLASSIFY, &d, 1, &err);
	ok(m != NULL, "mtry = p is fine");
	model_free(m);
	d.cls = NULL;
	d.y = yr;
	m = fit_direct("forest", "{\"class_weight\": \"balanced\"}", MODEL_REGRESS, &d, 1, &err);
	ok(m == NULL, "class_weight refused for regression");
	like(err.msg, "'class_weight'", "names class_weight");
}

static void test_degenerate(void)
{
	double cst[5] = { 3, 3, 3, 3, 3 }, mis[5] = { NAN, NAN, NAN, NAN, NAN };
	int32_t c[5] = { 0, 1, 1, 0, 1 };
	double *cols[2] = { cst, mis };
	struct mldata d = mk_data(5, 2, cols, NULL);
	d.cls = c;
	d.nclass = 2;
	struct wb_err err;
	struct model *m = fit_direct("forest", "{\"trees\": 5}", MODEL_CLASSIFY, &d, 1, &err);
	ok(m != NULL, "constant + all-missing features fit");
	double *p = predict_direct(m, &d, &err);
	ok(p && !isnan(p[0]) && fabs(p[0] + p[1] - 1) < 1e-12, "predictions are probabilities");
	free(p);
	double imp[2];
	m->type->importance(m, imp);
	ok(imp[0] == 0 && imp[1] == 0, "no importance without splits");
	model_free(m);
	/* One row. */
	double x1r[1] = { 2 }, y1r[1] = { -4 };
	double *c1[1] = { x1r };
	struct mldata d1 = mk_data(1, 1, c1, NULL);
	d1.y = y1r;
	struct metric mt = { "", 0, 0 };
	m = fit_ctx("{\"trees\": 4}", MODEL_REGRESS, &d1, 1, &mt, &err);
	ok(m != NULL, "single row fits");
	double xn[2] = { NAN, 9 };
	double *cn[1] = { xn };
	struct mldata dn = mk_data(2, 1, cn, NULL);
	p = predict_direct(m, &dn, &err);
	ok(p && p[0] == -4 && p[1] == -4, "single row: predicts its value");
	free(p);
	model_free(m);
}

int main(void)
{
	/* A strong reference: the registry's weak ones do not pull the family
	 * out of the static engine library. */
	model_forest_register();
	make();
	test_classify();
	test_regress();
	test_roundtrip_threads();
	test_bad();
	test_degenerate();
	return tap_done();
}
