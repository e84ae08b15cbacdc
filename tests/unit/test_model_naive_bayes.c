/*
 * test_model_naive_bayes — the naive_bayes family on hand-built features.
 *
 * Reference probabilities: /usr/bin/python3 with scikit-learn 1.2.1,
 *   X, y = load_iris(return_X_y=True); X, y = X[::5], y[::5]   (30 rows)
 *   GaussianNB().fit(X, y).predict_proba(Q)                 (proba, eps)
 *   GaussianNB(var_smoothing=1e-3).fit(X, y).predict_proba(Q[3:5])
 *   CategoricalNB(alpha=1 / 0.5).fit(Xc, yc).predict_proba(Qc)
 * and for a missing feature, the GaussianNB joint log likelihood computed
 * from theta_, var_ and class_prior_ over the other three features, then
 * normalised.  Printed with %.17g.
 */
#include "tap.h"
#include "model_fixture.h"

#include <omp.h>
#include <stdlib.h>

static double IX0[] = { 5.0999999999999996, 5.4000000000000004, 5.4000000000000004,
	5.7000000000000002, 5.4000000000000004, 5, 4.7999999999999998, 5, 5, 4.7999999999999998,
	7, 5.7000000000000002, 5, 6.7000000000000002, 5.9000000000000004, 6.5999999999999996, 5.5,
	6, 5.5, 5.7000000000000002, 6.2999999999999998, 7.5999999999999996, 6.5,
	6.4000000000000004, 6.9000000000000004, 7.2000000000000002, 7.4000000000000004,
	7.7000000000000002, 6.7000000000000002, 6.7000000000000002 };
static double IX1[] = { 3.5, 3.8999999999999999, 3.7000000000000002, 4.4000000000000004,
	3.3999999999999999, 3, 3.1000000000000001, 3.2000000000000002, 3.5, 3,
	3.2000000000000002, 2.7999999999999998, 2, 3.1000000000000001, 3.2000000000000002, 3,
	2.3999999999999999, 3.3999999999999999, 2.6000000000000001, 3, 3.2999999999999998, 3,
	3.2000000000000002, 3.2000000000000002, 3.2000000000000002, 3.2000000000000002,
	2.7999999999999998, 3, 3.1000000000000001, 3 };
static double IX2[] = { 1.3999999999999999, 1.7, 1.5, 1.5, 1.7, 1.6000000000000001,
	1.6000000000000001, 1.2, 1.3, 1.3999999999999999, 4.7000000000000002, 4.5, 3.5,
	4.4000000000000004, 4.7999999999999998, 4.4000000000000004, 3.7999999999999998, 4.5,
	4.4000000000000004, 4.2000000000000002, 6, 6.5999999999999996, 5.0999999999999996,
	5.2999999999999998, 5.7000000000000002, 6, 6.0999999999999996, 6.0999999999999996,
	5.5999999999999996, 5.2000000000000002 };
static double IX3[] = { 0.20000000000000001, 0.40000000000000002, 0.20000000000000001,
	0.40000000000000002, 0.20000000000000001, 0.20000000000000001, 0.20000000000000001,
	0.20000000000000001, 0.29999999999999999, 0.29999999999999999, 1.3999999999999999, 1.3,
	1, 1.3999999999999999, 1.8, 1.3999999999999999, 1.1000000000000001, 1.6000000000000001,
	1.2, 1.2, 2.5, 2.1000000000000001, 2, 2.2999999999999998, 2.2999999999999998, 1.8,
	1.8999999999999999, 2.2999999999999998, 2.3999999999999999, 2.2999999999999998 };

static double Q0[] = { 5.0, 6.0, 6.5, 5.9, 9.0 };
static double Q1[] = { 3.4, 2.9, 3.0, 3.0, 1.0 };
static double Q2[] = { 1.5, 4.5, 5.2, 4.8, 9.0 };
static double Q3[] = { 0.2, 1.5, 2.0, 1.8, 4.0 };

static const double PROBA[] = { 1, 2.1526998097033358e-20, 1.9707131271853559e-43,
	6.4012912449366586e-133, 0.99997114093357387, 2.8859066426150404e-05,
	3.7083480032731654e-227, 0.0011257078660258529, 0.99887429213397416,
	4.1752634134635569e-176, 0.91955800894977757, 0.080441991050222442, 0,
	0.99946103237861594, 0.00053896762138542663 };
static const double PROBA_VS[] = { 8.3560080211501344e-138, 0.91988251297526868,
	0.080117487024731232, 0, 0.012189785252784819, 0.98781021474720543 };
static const double MISS[] = { 2.0214329939073759e-81, 0.68181310756440161,
	0.31818689243559839 };

static int32_t *iris_y(void)
{
	static int32_t y[30];
	for (int i = 0; i < 30; i++)
		y[i] = i / 10;
	return y;
}

static double maxdiff(const double *a, const double *b, int n)
{
	double m = 0;
	for (int i = 0; i < n; i++)
		m = fmax(m, fabs(a[i] - b[i]));
	return m;
}

static void test_gaussian(void)
{
	double *cols[4] = { IX0, IX1, IX2, IX3 }, *qcols[4] = { Q0, Q1, Q2, Q3 };
	struct mldata d = mk_data(30, 4, cols, NULL);
	d.cls = iris_y();
	d.nclass = 3;
	struct mldata q = mk_data(5, 4, qcols, NULL);
	struct wb_err err;
	struct model *m = fit_direct("naive_bayes", NULL, MODEL_CLASSIFY, &d, 1, &err);
	ok(m != NULL, "gaussian: fits");
	double *p = predict_direct(m, &q, &err);
	double md = maxdiff(p, PROBA, 15);
	ok(md < 1e-9, "gaussian: predict_proba matches GaussianNB (max diff %g)", md);
	char *js = state_json(m);
	like(js, "\"epsilon\":3.28240000000000", "epsilon = 1e-9 * max variance (3.2824e-09)");
	free(js);
	/* Missing petal length in query 3: that term is left out. */
	double m2v = Q2[3];
	Q2[3] = NAN;
	double *pm = predict_direct(m, &q, &err);
	Q2[3] = m2v;
	md = maxdiff(pm + 9, MISS, 3);
	ok(md < 1e-9, "missing feature skipped in the likelihood (max diff %g)", md);
	char *desc = NULL;
	size_t dlen = 0;
	FILE *df = open_memstream(&desc, &dlen);
	m->type->describe(m, df);
	fclose(df);
	like(desc, "gaussian", "describe says what was learned");
	free(desc);
	struct model *r = reload_direct(m, &err);
	ok(r != NULL, "reloads");
	double *pr = predict_direct(r, &q, &err);
	ok(!memcmp(p, pr, 15 * sizeof(double)), "save/load: bit-identical probabilities");
	char *j1 = state_json(m), *j2 = state_json(r);
	is_str(j2, j1, "save/load: same state JSON");
	free(j1);
	free(j2);
	free(p);
	free(pm);
	free(pr);
	model_free(r);
	model_free(m);

	m = fit_direct("naive_bayes", "{\"var_smoothing\": 1e-3}", MODEL_CLASSIFY, &d, 1, &err);
	q.n = 2;
	double *qc2[4] = { Q0 + 3, Q1 + 3, Q2 + 3, Q3 + 3 };
	q.x = (const double *const *)qc2;
	p = predict_direct(m, &q, &err);
	md = maxdiff(p, PROBA_VS, 6);
	ok(md < 1e-9, "var_smoothing 1e-3 matches (max diff %g)", md);
	free(p);
	model_free(m);

	/* Priors: a table overrides the frequencies. */
	m = fit_direct("naive_bayes", "{\"priors\": {\"c0\": 0.2, \"c1\": 0.2, \"c2\": 0.6}}",
		       MODEL_CLASSIFY, &d, 1, &err);
	ok(m != NULL, "priors table accepted");
	js = state_json(m);
	like(js, "-0.51082562376599", "log prior of c2 is log 0.6");
	free(js);
	model_free(m);
	ok(!fit_direct("naive_bayes", "{\"priors\": {\"c0\": 0.5, \"c1\": 0.2}}",
		       MODEL_CLASSIFY, &d, 1, &err), "priors not summing to 1 rejected");
	like(err.msg, "'priors'", "priors: names the parameter");
	ok(!fit_direct("naive_bayes", "{\"priors\": {\"zz\": 1}}", MODEL_CLASSIFY, &d, 1, &err),
	   "priors of an unknown class rejected");
	like(err.msg, "no class 'zz'", "priors: names the class");
}

static void test_categorical(void)
{
	double c0[] = { 0, 0, 1, 1, 2, 0, 1, 2, 2, 0 }, c1[] = { 1, 2, 0, 1, 2, 0, 2, 1, 0, 1 };
	int32_t y[] = { 0, 0, 1, 1, 1, 0, 0, 1, 1, 0 };
	int ncat[2] = { 3, 3 };
	double *cols[2] = { c0, c1 };
	struct mldata d = mk_data(10, 2, cols, ncat);
	d.cls = y;
	d.nclass = 2;
	double q0[] = { 0, 1, 2, 0 }, q1[] = { 0, 2, 1, 2 };
	double *qc[2] = { q0, q1 };
	struct mldata q = mk_data(4, 2, qc, ncat);
	static const double want1[] = { 0.76923076923076916, 0.23076923076923073, 0.5, 0.5,
		0.20000000000000007, 0.80000000000000004, 0.88235294117647045, 0.11764705882352941 };
	static const double want05[] = { 0.84375, 0.15625000000000003, 0.5, 0.5,
		0.12499999999999997, 0.87499999999999989, 0.93750000000000011, 0.062500000000000028 };
	struct wb_err err;
	struct model *m = fit_direct("naive_bayes", NULL, MODEL_CLASSIFY, &d, 1, &err);
	double *p = predict_direct(m, &q, &err);
	double md = maxdiff(p, want1, 8);
	ok(md < 1e-12, "categorical alpha 1 matches CategoricalNB (max diff %g)", md);
	free(p);
	model_free(m);
	m = fit_direct("naive_bayes", "{\"alpha\": 0.5}", MODEL_CLASSIFY, &d, 1, &err);
	p = predict_direct(m, &q, &err);
	md = maxdiff(p, want05, 8);
	ok(md < 1e-12, "categorical alpha 0.5 matches CategoricalNB (max diff %g)", md);
	/* An unseen code (7) or a missing one is left out. */
	double u0[] = { 7, NAN }, u1[] = { 0, 0 };
	double *uc[2] = { u0, u1 };
	struct mldata u = mk_data(2, 2, uc, ncat);
	double *pu = predict_direct(m, &u, &err);
	ok(pu[0] == pu[2] && pu[1] == pu[3] && !isnan(pu[0]),
	   "unseen level treated as missing");
	free(pu);
	free(p);
	model_free(m);
}

static void test_degenerate(void)
{
	/* A constant feature, an all-missing feature, a class with its numeric
	 * feature never present, and a class with no rows at all. */
	double a[] = { 1, 1, 1, 1, 1, 1 }, b[] = { NAN, NAN, NAN, NAN, NAN, NAN };
	double c[] = { 0.1, 0.2, 0.15, NAN, NAN, 5 };
	int32_t y[] = { 0, 0, 0, 1, 1, 0 };
	double *cols[3] = { a, b, c };
	struct mldata d = mk_data(6, 3, cols, NULL);
	d.cls = y;
	d.nclass = 3;
	struct wb_err err;
	struct model *m = fit_direct("naive_bayes", NULL, MODEL_CLASSIFY, &d, 1, &err);
	ok(m != NULL, "degenerate data fits");
	double *p = predict_direct(m, &d, &err);
	int fine = 1;
	for (int i = 0; i < 6; i++) {
		double s = p[3 * i] + p[3 * i + 1] + p[3 * i + 2];
		fine &= !isnan(s) && fabs(s - 1) < 1e-12 && p[3 * i + 2] == 0;
	}
	ok(fine, "no NaN, rows sum to 1, an absent class gets 0");
	is_dbl(p[3 * 3], 4.0 / 6, 1e-12, "row with only uninformative features present: the prior");
	struct model *r = reload_direct(m, &err);
	ok(r != NULL, "degenerate: reloads (with -inf prior)");
	double *pr = predict_direct(r, &d, &err);
	ok(pr && !memcmp(p, pr, 18 * sizeof(double)), "degenerate: bit-identical after reload");
	free(pr);
	model_free(r);
	free(p);
	model_free(m);

	/* Every numeric feature constant: still finite. */
	double k1[] = { 2, 2, 2 };
	int32_t y3[] = { 0, 1, 1 };
	double *kc[1] = { k1 };
	struct mldata dk = mk_data(3, 1, kc, NULL);
	dk.cls = y3;
	dk.nclass = 2;
	m = fit_direct("naive_bayes", NULL, MODEL_CLASSIFY, &dk, 1, &err);
	p = predict_direct(m, &dk, &err);
	is_dbl(p[0], 1.0 / 3, 1e-12, "constant data: the prior");
	free(p);
	model_free(m);

	/* One row. */
	int32_t y1[] = { 1 };
	dk.n = 1;
	dk.cls = y1;
	m = fit_direct("naive_bayes", NULL, MODEL_CLASSIFY, &dk, 1, &err);
	p = predict_direct(m, &dk, &err);
	ok(p && p[1] == 1, "n = 1: its class");
	free(p);
	model_free(m);
}

static void test_params(void)
{
	double x[] = { 1, 2 };
	int32_t y[] = { 0, 1 };
	double *cols[1] = { x };
	struct mldata d = mk_data(2, 1, cols, NULL);
	d.cls = y;
	d.nclass = 2;
	struct wb_err err;
	ok(!fit_direct("naive_bayes", "{\"var_smoothing\": -1}", MODEL_CLASSIFY, &d, 1, &err),
	   "negative var_smoothing rejected");
	like(err.msg, "'var_smoothing'", "names var_smoothing");
	ok(!fit_direct("naive_bayes", "{\"alpha\": 0}", MODEL_CLASSIFY, &d, 1, &err),
	   "alpha 0 rejected");
	like(err.msg, "'alpha'", "names alpha");
	ok(!fit_direct("naive_bayes", "{\"priors\": [0.5, 0.5]}", MODEL_CLASSIFY, &d, 1, &err),
	   "priors as a list rejected");
	like(err.msg, "'priors'", "names priors");
	ok(!fit_direct("naive_bayes", "{\"priors\": {\"c0\": -1}}", MODEL_CLASSIFY, &d, 1, &err),
	   "negative prior rejected");
}

static void test_threads(void)
{
	size_t n = 20000;
	int p = 5;
	double *cols[5];
	int ncat[5] = { 0, 0, 0, 4, 0 };
	int32_t *y = malloc(n * sizeof(int32_t));
	double *w = malloc(n * sizeof(double));
	struct rng r;
	rng_seed(&r, 11);
	for (int j = 0; j < p; j++)
		cols[j] = malloc(n * sizeof(double));
	for (size_t i = 0; i < n; i++) {
		y[i] = (int32_t)rng_below(&r, 3);
		w[i] = 0.5 + rng_uniform(&r);
		for (int j = 0; j < p; j++) {
			double v = ncat[j] ? (double)rng_below(&r, 4) : rng_normal(&r) + y[i] * (j + 1) * 0.3;
			cols[j][i] = rng_uniform(&r) < 0.1 ? NAN : v;
		}
	}
	struct mldata d = mk_data(n, p, cols, ncat);
	d.cls = y;
	d.nclass = 3;
	d.w = w;
	struct wb_err err;
	omp_set_num_threads(1);
	struct model *m1 = fit_direct("naive_bayes", NULL, MODEL_CLASSIFY, &d, 1, &err);
	double *p1 = predict_direct(m1, &d, &err);
	omp_set_num_threads(2);
	struct model *m2 = fit_direct("naive_bayes", NULL, MODEL_CLASSIFY, &d, 1, &err);
	double *p2 = predict_direct(m2, &d, &err);
	char *j1 = state_json(m1), *j2 = state_json(m2);
	is_str(j1, j2, "1 vs 2 threads: same state JSON (weights, 10%% missing)");
	ok(!memcmp(p1, p2, n * 3 * sizeof(double)), "1 vs 2 threads: same probabilities");
	int nan = 0;
	for (size_t i = 0; i < 3 * n; i++)
		nan += isnan(p1[i]);
	is_int(nan, 0, "no NaN");
	free(j1);
	free(j2);
	free(p1);
	free(p2);
	model_free(m1);
	model_free(m2);
	for (int j = 0; j < p; j++)
		free(cols[j]);
	free(y);
	free(w);
}

int main(void)
{
	/* A weak reference does not pull the family out of the archive. */
	model_naive_bayes_register();
	test_gaussian();
	test_categorical();
	test_degenerate();
	test_params();
	test_threads();
	return tap_done();
}
