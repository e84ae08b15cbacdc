/*
 * test_model_tree — the CART tree family: splits and thresholds, criteria,
 * stopping rules, cost-complexity pruning against scikit-learn, missing
 * values, save/load, determinism, bad parameters, degenerate data.
 */
#include "tap.h"
#include "model_fixture.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

/* Shape of a fitted tree, read from its state JSON. */
struct shape {
	int nodes, leaves, depth;
	double min_leaf_weight;
};

static struct shape tree_shape(const struct model *m)
{
	struct shape s = { 0, 0, 0, INFINITY };
	char *text = state_json(m);
	json_t *o = json_loads(text, 0, NULL);
	free(text);
	json_t *f = json_object_get(o, "feature"), *l = json_object_get(o, "left"),
	       *r = json_object_get(o, "right"), *w = json_object_get(o, "weight");
	s.nodes = (int)json_array_size(f);
	int *dep = calloc((size_t)s.nodes + 1, sizeof(int));
	for (int k = 0; k < s.nodes; k++) {
		if (json_integer_value(json_array_get(f, (size_t)k)) < 0) {
			s.leaves++;
			double lw = json_number_value(json_array_get(w, (size_t)k));
			if (lw < s.min_leaf_weight)
				s.min_leaf_weight = lw;
			continue;
		}
		int a = (int)json_integer_value(json_array_get(l, (size_t)k));
		int b = (int)json_integer_value(json_array_get(r, (size_t)k));
		dep[a] = dep[b] = dep[k] + 1;
		if (dep[k] + 1 > s.depth)
			s.depth = dep[k] + 1;
	}
	free(dep);
	json_decref(o);
	return s;
}

static json_t *state_obj(const struct model *m)
{
	char *text = state_json(m);
	json_t *o = json_loads(text, 0, NULL);
	free(text);
	return o;
}

static double state_num(const json_t *o, const char *key, size_t k)
{
	return json_number_value(json_array_get(json_object_get(o, key), k));
}

/* The 200-row data set of the scikit-learn references (values exactly
 * representable in float32, since sklearn trees work in float32):
 *   i = arange(200); x0 = (i*37 % 101)/8; x1 = (i*53 % 97)/4;
 *   x2 = (i*11 % 17); noise = ((i*29 % 13) - 6)/3
 *   cls = (x0 + 0.25*x1 + noise > 12); y = 0.5*x0 + (i*7 % 5)*(x1 > 12) + 0.25*noise */
#define N200 200
static double g0[N200], g1[N200], g2[N200], gy[N200];
static int32_t gc[N200];

static void make200(void)
{
	for (int i = 0; i < N200; i++) {
		g0[i] = ((i * 37) % 101) / 8.0;
		g1[i] = ((i * 53) % 97) / 4.0;
		g2[i] = (double)((i * 11) % 17);
		double noise = (((i * 29) % 13) - 6) / 3.0;
		gc[i] = g0[i] + 0.25 * g1[i] + noise > 12;
		gy[i] = g0[i] * 0.5 + ((i * 7) % 5) * (g1[i] > 12) + noise * 0.25;
	}
}

static void test_obvious_split(void)
{
	double x0[6] = { 1, 2, 3, 4, 5, 6 }, x1[6] = { 5, 1, 4, 2, 6, 3 };
	int32_t cls[6] = { 0, 0, 0, 1, 1, 1 };
	double *cols[2] = { x0, x1 };
	struct mldata d = mk_data(6, 2, cols, NULL);
	d.cls = cls;
	d.nclass = 2;
	struct wb_err err;
	struct model *m = fit_direct("tree", NULL, MODEL_CLASSIFY, &d, 1, &err);
	ok(m != NULL, "fit on an obvious split");
	json_t *o = state_obj(m);
	is_int(json_array_size(json_object_get(o, "feature")), 3, "one split, two leaves");
	is_int(state_num(o, "feature", 0) == 0 ? 0 : 1, 0, "split on x0");
	is_dbl(state_num(o, "threshold", 0), 3.5, 0, "threshold is the midpoint 3.5");
	json_decref(o);
	double *p = predict_direct(m, &d, &err);
	int right = 1;
	for (int i = 0; i < 6; i++)
		right &= p[2 * i + cls[i]] == 1.0;
	ok(right, "training rows predicted with probability 1");
	free(p);
	/* Unseen values either side of the threshold. */
	double t0[2] = { 3.49, 3.51 }, t1[2] = { 0, 0 };
	double *tc[2] = { t0, t1 };
	struct mldata td = mk_data(2, 2, tc, NULL);
	p = predict_direct(m, &td, &err);
	ok(p[1] == 0 && p[3] == 1, "3.49 goes left, 3.51 right");
	free(p);
	model_free(m);
}

static void test_sklearn_depth2(void)
{
	double *cols[3] = { g0, g1, g2 };
	struct mldata d = mk_data(N200, 3, cols, NULL);
	d.cls = gc;
	d.nclass = 2;
	struct wb_err err;
	struct model *m = fit_direct("tree", "{\"max_depth\": 2}", MODEL_CLASSIFY, &d, 1, &err);
	json_t *o = state_obj(m);
	/* DecisionTreeClassifier(max_depth=2).fit(X, cls): tree_.feature
	 * [0, 0, -2, -2, 1, -2, -2], threshold [8.9375, 6.3125, ., ., 3.125],
	 * value / value.sum(): */
	static const double want_thr[7] = { 8.9375, 6.3125, 0, 0, 3.125, 0, 0 };
	static const int want_f[7] = { 0, 0, -1, -1, 1, -1, -1 };
	static const double want_p1[7] = { 0.275, 0.08450704225352113, 0.0099009900990099,
					   0.2682926829268293, 0.7413793103448276, 0.0, 0.86 };
	int same = json_array_size(json_object_get(o, "feature")) == 7;
	for (int k = 0; same && k < 7; k++)
		same = state_num(o, "feature", (size_t)k) == want_f[k] &&
		       state_num(o, "threshold", (size_t)k) == want_thr[k] &&
		       fabs(state_num(o, "value", 2 * (size_t)k + 1) - want_p1[k]) < 1e-15;
	ok(same, "gini depth-2 tree equals scikit-learn's (features, thresholds, leaves)");
	json_decref(o);
	/* Importance at depth 3 (the full tree has equal-gain ties that sklearn
	 * breaks by its random feature order; depth 3 has none: the same for
	 * random_state 0..9).  DecisionTreeClassifier(max_depth=3[, criterion=
	 * "entropy"]).fit(X, cls): feature_importances_ and get_n_leaves(): */
	model_free(m);
	m = fit_direct("tree", "{\"max_depth\": 3}", MODEL_CLASSIFY, &d, 1, &err);
	double imp[3], sum = 0;
	m->type->importance(m, imp);
	for (int j = 0; j < 3; j++)
		sum += imp[j];
	is_dbl(imp[0] / sum, 0.6705295328260577, 1e-12, "gini importance x0 as sklearn");
	is_dbl(imp[1] / sum, 0.3294704671739424, 1e-12, "gini importance x1 as sklearn");
	is_dbl(imp[2] / sum, 0, 0, "gini importance x2 as sklearn");
	is_int(tree_shape(m).leaves, 7, "gini depth 3: 7 leaves as sklearn");
	model_free(m);
	m = fit_direct("tree", "{\"criterion\": \"entropy\", \"max_depth\": 3}", MODEL_CLASSIFY,
		       &d, 1, &err);
	is_int(tree_shape(m).leaves, 6, "entropy depth 3: 6 leaves as sklearn");
	m->type->importance(m, imp);
	sum = imp[0] + imp[1] + imp[2];
	is_dbl(imp[0] / sum, 0.7435907196502743, 1e-12, "entropy importance x0 as sklearn");
	is_dbl(imp[1] / sum, 0.2564092803497256, 1e-12, "entropy importance x1 as sklearn");
	model_free(m);

	/* Regression, DecisionTreeRegressor(max_depth=2): feature [0, 1, ., ., 0],
	 * threshold [4.1875, 12.125, ., ., 9.6875], value below. */
	d.cls = NULL;
	d.nclass = 0;
	d.y = gy;
	m = fit_direct("tree", "{\"max_depth\": 2}", MODEL_REGRESS, &d, 1, &err);
	o = state_obj(m);
	static const double want_v[7] = { 4.1228125, 1.9381218905472635, 0.9966216216216216,
					  3.099305555555555, 5.223370927318294,
					  4.4655172413793105, 6.6567028985507255 };
	static const double want_rthr[7] = { 4.1875, 12.125, 0, 0, 9.6875, 0, 0 };
	same = json_array_size(json_object_get(o, "feature")) == 7;
	for (int k = 0; same && k < 7; k++)
		same = state_num(o, "threshold", (size_t)k) == want_rthr[k] &&
		       fabs(state_num(o, "value", (size_t)k) - want_v[k]) < 1e-12;
	ok(same, "squared_error depth-2 tree equals scikit-learn's (thresholds, means)");
	json_decref(o);
	is_str(m->type->name, "tree", "family name");
	model_free(m);
}

static void test_criteria_by_hand(void)
{
	/* x: 0 0 0 1 1 1 1, classes 0 0 1 | 1 1 0 1; depth 1:
	 * left {0:2, 1:1} -> (2/3, 1/3), right {0:1, 1:3} -> (1/4, 3/4). */
	double x[7] = { 0, 0, 0, 1, 1, 1, 1 };
	int32_t c[7] = { 0, 0, 1, 1, 1, 0, 1 };
	double *cols[1] = { x };
	struct mldata d = mk_data(7, 1, cols, NULL);
	d.cls = c;
	d.nclass = 2;
	struct wb_err err;
	struct model *m = fit_direct("tree", "{\"max_depth\": 1}", MODEL_CLASSIFY, &d, 1, &err);
	double *p = predict_direct(m, &d, &err);
	is_dbl(p[0], 2.0 / 3, 1e-15, "gini left leaf p(0) = 2/3");
	is_dbl(p[2 * 6 + 1], 0.75, 1e-15, "gini right leaf p(1) = 3/4");
	free(p);
	model_free(m);

	/* Four rows 0 0 | 1 1, perfectly separable: the impurity decrease is
	 * 0.5 with gini and 1 bit with entropy, so min_impurity_decrease 0.6
	 * stops gini but not entropy. */
	double x4[4] = { 1, 2, 3, 4 };
	int32_t c4[4] = { 0, 0, 1, 1 };
	double *c4s[1] = { x4 };
	struct mldata d4 = mk_data(4, 1, c4s, NULL);
	d4.cls = c4;
	d4.nclass = 2;
	m = fit_direct("tree", "{\"min_impurity_decrease\": 0.6}", MODEL_CLASSIFY, &d4, 1, &err);
	is_int(tree_shape(m).nodes, 1, "gini decrease 0.5 < 0.6: no split");
	model_free(m);
	m = fit_direct("tree", "{\"min_impurity_decrease\": 0.6, \"criterion\": \"entropy\"}",
		       MODEL_CLASSIFY, &d4, 1, &err);
	is_int(tree_shape(m).nodes, 3, "entropy decrease 1 bit >= 0.6: split");
	model_free(m);
	m = fit_direct("tree", "{\"min_impurity_decrease\": 1.01, \"criterion\": \"entropy\"}",
		       MODEL_CLASSIFY, &d4, 1, &err);
	is_int(tree_shape(m).nodes, 1, "entropy decrease 1 bit < 1.01: no split");
	model_free(m);

	/* Regression by hand: y 1 1 1 5 5 6 over x 1..6; depth 1 splits at
	 * 3.5 into means 1 and 16/3. */
	double xr[6] = { 1, 2, 3, 4, 5, 6 }, yr[6] = { 1, 1, 1, 5, 5, 6 };
	double *rc[1] = { xr };
	struct mldata dr = mk_data(6, 1, rc, NULL);
	dr.y = yr;
	m = fit_direct("tree", "{\"max_depth\": 1}", MODEL_REGRESS, &dr, 1, &err);
	p = predict_direct(m, &dr, &err);
	is_dbl(p[0], 1, 0, "regression left leaf mean 1");
	is_dbl(p[5], 16.0 / 3, 1e-15, "regression right leaf mean 16/3");
	free(p);
	model_free(m);

	/* Row weights: weight 3 on the class-1 row of the left leaf. */
	double w[7] = { 1, 1, 3, 1, 1, 1, 1 };
	d.w = w;
	m = fit_direct("tree", "{\"max_depth\": 1}", MODEL_CLASSIFY, &d, 1, &err);
	p = predict_direct(m, &d, &err);
	is_dbl(p[1], 0.6, 1e-15, "weighted left leaf p(1) = 3/5");
	free(p);
	model_free(m);
	d.w = NULL;
	/* class_weight {c1: 3} does the same to every class-1 row. */
	m = fit_direct("tree", "{\"max_depth\": 1, \"class_weight\": {\"c1\": 3}}",
		       MODEL_CLASSIFY, &d, 1, &err);
	p = predict_direct(m, &d, &err);
	is_dbl(p[1], 0.6, 1e-15, "class_weight: left leaf p(1) = 3/5");
	is_dbl(p[2 * 6 + 1], 0.9, 1e-15, "class_weight: right leaf p(1) = 9/10");
	free(p);
	model_free(m);
}

static void test_limits_and_pruning(void)
{
	double *cols[3] = { g0, g1, g2 };
	struct mldata d = mk_data(N200, 3, cols, NULL);
	d.cls = gc;
	d.nclass = 2;
	struct wb_err err;
	struct model *m = fit_direct("tree", "{\"max_depth\": 3}", MODEL_CLASSIFY, &d, 1, &err);
	ok(tree_shape(m).depth <= 3, "max_depth 3 honoured (depth %d)", tree_shape(m).depth);
	model_free(m);
	m = fit_direct("tree", "{\"min_samples_leaf\": 7}", MODEL_CLASSIFY, &d, 1, &err);
	struct shape s = tree_shape(m);
	ok(s.min_leaf_weight >= 7, "min_samples_leaf 7 honoured (smallest leaf %g)",
	   s.min_leaf_weight);
	model_free(m);
	m = fit_direct("tree", "{\"min_samples_split\": 50}", MODEL_CLASSIFY, &d, 1, &err);
	json_t *o = state_obj(m);
	int okk = 1;
	for (size_t k = 0; k < json_array_size(json_object_get(o, "feature")); k++)
		if (state_num(o, "feature", k) >= 0 && state_num(o, "weight", k) < 50)
			okk = 0;
	ok(okk, "min_samples_split 50: no split of a node under 50 rows");
	json_decref(o);
	model_free(m);

	/* Leaves after pruning, from scikit-learn 1.2.1 (the same for
	 * random_state 0..9, i.e. free of tie-breaking):
	 *   DecisionTreeClassifier(random_state=rs, ccp_alpha=a).fit(X, cls).get_n_leaves()
	 *   a = 0.008 -> 6, 0.015 -> 5, 0.03 -> 3
	 *   DecisionTreeRegressor(random_state=rs, ccp_alpha=a).fit(X, y).get_n_leaves()
	 *   a = 0 -> 200, 0.01 -> 57, 0.03 -> 14, 0.05 -> 11, 0.1 -> 6, 0.2 -> 5 */
	static const struct { const char *p; int leaves; } cc[] = {
		{ "{\"ccp_alpha\": 0.008}", 6 },
		{ "{\"ccp_alpha\": 0.015}", 5 },
		{ "{\"ccp_alpha\": 0.03}", 3 },
	};
	for (size_t k = 0; k < sizeof(cc) / sizeof(cc[0]); k++) {
		m = fit_direct("tree", cc[k].p, MODEL_CLASSIFY, &d, 1, &err);
		is_int(tree_shape(m).leaves, cc[k].leaves, "classification %s: leaves as sklearn",
		       cc[k].p);
		model_free(m);
	}
	static const struct { const char *p; int leaves; } rc[] = {
		{ "{}", 200 },
		{ "{\"ccp_alpha\": 0.01}", 57 },
		{ "{\"ccp_alpha\": 0.03}", 14 },
		{ "{\"ccp_alpha\": 0.05}", 11 },
		{ "{\"ccp_alpha\": 0.1}", 6 },
		{ "{\"ccp_alpha\": 0.2}", 5 },
	};
	d.cls = NULL;
	d.nclass = 0;
	d.y = gy;
	for (size_t k = 0; k < sizeof(rc) / sizeof(rc[0]); k++) {
		m = fit_direct("tree", rc[k].p, MODEL_REGRESS, &d, 1, &err);
		is_int(tree_shape(m).leaves, rc[k].leaves, "regression %s: leaves as sklearn",
		       rc[k].p);
		model_free(m);
	}
}

static void test_missing(void)
{
	/* Class 1 for large x and for missing x: NaN must learn to go right. */
	double x[8] = { 1, 2, 3, 4, 5, 6, NAN, NAN };
	int32_t c[8] = { 0, 0, 0, 1, 1, 1, 1, 1 };
	double *cols[1] = { x };
	struct mldata d = mk_data(8, 1, cols, NULL);
	d.cls = c;
	d.nclass = 2;
	struct wb_err err;
	struct model *m = fit_direct("tree", NULL, MODEL_CLASSIFY, &d, 1, &err);
	double *p = predict_direct(m, &d, &err);
	ok(p[2 * 6 + 1] == 1 && p[2 * 7 + 1] == 1 && p[1] == 0, "missing learned to go right");
	is_int(tree_shape(m).leaves, 2, "one split suffices");
	free(p);
	model_free(m);
	/* Missing only is what separates: x = 1 1 1 NaN NaN. */
	double xm[5] = { 1, 1, 1, NAN, NAN };
	int32_t cm[5] = { 0, 0, 0, 1, 1 };
	double *cms[1] = { xm };
	struct mldata dm = mk_data(5, 1, cms, NULL);
	dm.cls = cm;
	dm.nclass = 2;
	m = fit_direct("tree", NULL, MODEL_CLASSIFY, &dm, 1, &err);
	p = predict_direct(m, &dm, &err);
	ok(p[1] == 0 && p[2 * 4 + 1] == 1, "split 'missing vs present'");
	free(p);
	model_free(m);
	/* No missing in training: NaN at prediction goes to the heavier child. */
	double xt[5] = { 1, 2, 3, 4, 5 };
	int32_t ct[5] = { 0, 0, 0, 1, 1 };
	double *cts[1] = { xt };
	struct mldata dt = mk_data(5, 1, cts, NULL);
	dt.cls = ct;
	dt.nclass = 2;
	m = fit_direct("tree", NULL, MODEL_CLASSIFY, &dt, 1, &err);
	double xn[1] = { NAN };
	double *xns[1] = { xn };
	struct mldata dn = mk_data(1, 1, xns, NULL);
	p = predict_direct(m, &dn, &err);
	ok(p[0] == 1 && !isnan(p[1]), "unseen missing goes to the heavier child");
	free(p);
	model_free(m);
}

static void test_roundtrip_and_threads(void)
{
	double *cols[3] = { g0, g1, g2 };
	double x0m[N200];
	memcpy(x0m, g0, sizeof(x0m));
	for (int i = 0; i < N200; i += 7)
		x0m[i] = NAN;
	cols[0] = x0m;
	struct mldata d = mk_data(N200, 3, cols, NULL);
	d.cls = gc;
	d.nclass = 2;
	struct wb_err err;
	omp_set_num_threads(1);
	struct model *m1 = fit_direct("tree", "{\"max_features\": 2}", MODEL_CLASSIFY, &d, 9, &err);
	omp_set_num_threads(2);
	struct model *m2 = fit_direct("tree", "{\"max_features\": 2}", MODEL_CLASSIFY, &d, 9, &err);
	char *s1 = state_json(m1), *s2 = state_json(m2);
	is_str(s1, s2, "1 vs 2 threads: identical state");
	double *p1 = predict_direct(m1, &d, &err);
	struct model *r = reload_direct(m1, &err);
	ok(r != NULL, "reload");
	double *pr = predict_direct(r, &d, &err);
	ok(!memcmp(p1, pr, 2 * N200 * sizeof(double)), "reloaded predictions bit-identical");
	char *sr = state_json(r);
	is_str(sr, s1, "reloaded state identical");
	double imp1[3], imp2[3];
	m1->type->importance(m1, imp1);
	r->type->importance(r, imp2);
	ok(!memcmp(imp1, imp2, sizeof(imp1)), "importance survives reload");
	struct model *m3 = fit_direct("tree", "{\"max_features\": 2}", MODEL_CLASSIFY, &d, 10, &err);
	char *s3 = state_json(m3);
	ok(strcmp(s3, s1) != 0, "another seed draws other features");
	char *desc = NULL;
	size_t dl = 0;
	FILE *f = open_memstream(&desc, &dl);
	m1->type->describe(m1, f);
	fclose(f);
	like(desc, "depth", "describe gives the depth");
	like(desc, "x", "describe names a split feature");
	free(desc);
	free(s1);
	free(s2);
	free(s3);
	free(sr);
	free(p1);
	free(pr);
	model_free(m1);
	model_free(m2);
	model_free(m3);
	model_free(r);
}

static void test_bad_params(void)
{
	static const char *const bad[][2] = {
		{ "{\"max_depth\": -1}", "'max_depth'" },
		{ "{\"min_samples_leaf\": 0}", "'min_samples_leaf'" },
		{ "{\"min_samples_split\": 1}", "'min_samples_split'" },
		{ "{\"ccp_alpha\": -0.1}", "'ccp_alpha'" },
		{ "{\"min_impurity_decrease\": -1}", "'min_impurity_decrease'" },
		{ "{\"max_features\": 2.5}", "'max_features'" },
		{ "{\"max_features\": -1}", "'max_features'" },
		{ "{\"criterion\": \"mae\"}", "'criterion'" },
		{ "{\"max_bins\": 1}", "'max_bins'" },
	};
	expect_bad_params("tree", bad, sizeof(bad) / sizeof(bad[0]));
	struct wb_err err;
	double x[4] = { 1, 2, 3, 4 }, y[4] = { 1, 2, 3, 4 };
	int32_t c[4] = { 0, 0, 1, 1 };
	double *cols[1] = { x };
	struct mldata d = mk_data(4, 1, cols, NULL);
	d.cls = c;
	d.nclass = 2;
	struct model *m = fit_direct("tree", "{\"criterion\": \"squared_error\"}", MODEL_CLASSIFY,
				     &d, 1, &err);
	ok(m == NULL, "squared_error refused for classification");
	like(err.msg, "'criterion'", "names criterion");
	m = fit_direct("tree", "{\"max_features\": 2}", MODEL_CLASSIFY, &d, 1, &err);
	ok(m == NULL, "max_features > p refused");
	like(err.msg, "'max_features'", "names max_features");
	d.cls = NULL;
	d.y = y;
	m = fit_direct("tree", "{\"criterion\": \"gini\"}", MODEL_REGRESS, &d, 1, &err);
	ok(m == NULL, "gini refused for regression");
	like(err.msg, "'criterion'", "names criterion");
}

static void test_degenerate(void)
{
	double cst[6] = { 2, 2, 2, 2, 2, 2 }, mis[6] = { NAN, NAN, NAN, NAN, NAN, NAN };
	double y[6] = { 1, 2, 3, 4, 5, 6 };
	int32_t c[6] = { 0, 1, 0, 1, 0, 1 };
	double *cols[2] = { cst, mis };
	struct mldata d = mk_data(6, 2, cols, NULL);
	d.cls = c;
	d.nclass = 2;
	struct wb_err err;
	struct model *m = fit_direct("tree", NULL, MODEL_CLASSIFY, &d, 1, &err);
	ok(m != NULL, "constant + all-missing features: fits");
	double *p = predict_direct(m, &d, &err);
	ok(p && p[0] == 0.5 && p[1] == 0.5, "a single leaf with the class shares");
	is_int(tree_shape(m).nodes, 1, "no split possible");
	free(p);
	model_free(m);
	d.cls = NULL;
	d.y = y;
	m = fit_direct("tree", NULL, MODEL_REGRESS, &d, 1, &err);
	p = predict_direct(m, &d, &err);
	is_dbl(p[3], 3.5, 1e-15, "regression on no usable feature predicts the mean");
	free(p);
	model_free(m);
	/* One row. */
	double x1[1] = { 4 }, y1[1] = { 7 };
	double *c1[1] = { x1 };
	struct mldata d1 = mk_data(1, 1, c1, NULL);
	d1.y = y1;
	m = fit_direct("tree", NULL, MODEL_REGRESS, &d1, 1, &err);
	ok(m != NULL, "single row fits");
	double xn[2] = { NAN, 100 };
	double *cn[1] = { xn };
	struct mldata dn = mk_data(2, 1, cn, NULL);
	p = predict_direct(m, &dn, &err);
	ok(p[0] == 7 && p[1] == 7, "single row: predicts its value, also for missing");
	free(p);
	model_free(m);
	/* Three classes, one of them absent from a branch. */
	double x3[6] = { 1, 2, 3, 4, 5, 6 };
	int32_t c3[6] = { 0, 0, 1, 1, 2, 2 };
	double *cs3[1] = { x3 };
	struct mldata d3 = mk_data(6, 1, cs3, NULL);
	d3.cls = c3;
	d3.nclass = 3;
	m = fit_direct("tree", "{\"class_weight\": \"balanced\"}", MODEL_CLASSIFY, &d3, 1, &err);
	p = predict_direct(m, &d3, &err);
	int pure = 1;
	for (int i = 0; i < 6; i++)
		pure &= p[3 * i + c3[i]] == 1;
	ok(pure, "three classes separated");
	free(p);
	model_free(m);
}

int main(void)
{
	/* A strong reference: the registry's weak ones do not pull the family
	 * out of the static engine library. */
	model_tree_register();
	make200();
	test_obvious_split();
	test_sklearn_depth2();
	test_criteria_by_hand();
	test_limits_and_pruning();
	test_missing();
	test_roundtrip_and_threads();
	test_bad_params();
	test_degenerate();
	return tap_done();
}
