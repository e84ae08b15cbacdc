/*
 * test_model_linear — the linear family against closed forms and
 * scikit-learn 1.2.1 reference optima.
 */
#include "tap.h"
#include "model_fixture.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

#define N 30
static double x0[N], x1[N], x2[N], x3[N], y[N], wt[N];
static double *cols[4] = { x0, x1, x2, x3 };

/* The data of the reference script (see below). */
static void make_data(void)
{
	for (int i = 0; i < N; i++) {
		x0[i] = sin(i + 1.0);
		x1[i] = 2 * cos(2 * i + 1.0);
		x2[i] = (i % 5) - 2.0;
		x3[i] = 0.5 * x0[i] + sin(0.7 * i);
		y[i] = 1 + 2 * x0[i] - x1[i] + 0.5 * x2[i] + 0.3 * sin(3.0 * i);
		wt[i] = 1 + (i % 3);
	}
}

/*
 * Reference coefficients, computed with /usr/bin/python3 and scikit-learn
 * 1.2.1 on the same data:
 *   i = np.arange(30); x0 = np.sin(i+1.0); x1 = 2*np.cos(2*i+1.0)
 *   x2 = (i%5)-2.0; x3 = 0.5*x0+np.sin(0.7*i); X = np.c_[x0,x1,x2,x3]
 *   y = 1+2*x0-x1+0.5*x2+0.3*np.sin(3.0*i); w = 1+(i%3)
 *   Ridge(alpha=0.7, tol=1e-12).fit(X, y)                       -> ridge
 *   Ridge(alpha=0.7, tol=1e-12).fit(X, y, sample_weight=w)      -> ridge_w
 *   Ridge(alpha=0.7, fit_intercept=False, tol=1e-12)            -> ridge_noint
 *   Lasso(alpha=0.05, tol=1e-12, max_iter=100000)               -> lasso
 *   Lasso(alpha=0.05, ...).fit(X, y, sample_weight=w)           -> lasso_w
 *   ElasticNet(alpha=0.1, l1_ratio=0.3, tol=1e-12, max_iter=1e5) -> enet
 *   ElasticNet(..., fit_intercept=False)                         -> enet_noint
 *   Lasso(alpha=0.5, ...)                                        -> lasso_big
 * (coef_[0..3], intercept_)
 */
struct ref {
	const char *name, *params;
	int weighted;
	double coef[4], b;
};
static const struct ref refs[] = {
	{ "ridge", "{\"penalty\":\"l2\",\"alpha\":0.7}", 0,
	  { 1.9065669273821453, -0.9812279963719146, 0.48265744962060136, 0.028296368223061818 },
	  0.995405205478116 },
	{ "ridge_w", "{\"penalty\":\"l2\",\"alpha\":0.7}", 1,
	  { 1.962994769468725, -0.9862078073697523, 0.47185011634924706, 0.01693723525813024 },
	  0.9994244214294317 },
	{ "ridge_noint", "{\"penalty\":\"l2\",\"alpha\":0.7,\"fit_intercept\":false}", 0,
	  { 1.8832497761916622, -0.9858749536328865, 0.47904568415989845, 0.1414098280158622 },
	  0.0 },
	{ "lasso", "{\"penalty\":\"l1\",\"alpha\":0.05,\"tol\":1e-12,\"max_iter\":100000}", 0,
	  { 1.8994386279909246, -0.9690240869777507, 0.46343349518513854, 0.0 },
	  0.9973562269858179 },
	{ "lasso_w", "{\"penalty\":\"l1\",\"alpha\":0.05,\"tol\":1e-12,\"max_iter\":100000}", 1,
	  { 1.9134317651399546, -0.9668029447537413, 0.44626974286258303, 0.0 },
	  1.0085361878588257 },
	{ "enet", "{\"penalty\":\"elasticnet\",\"alpha\":0.1,\"l1_ratio\":0.3,\"tol\":1e-12,"
		  "\"max_iter\":100000}", 0,
	  { 1.6845531024240523, -0.9479411606526076, 0.43817251500538573, 0.047596894280857165 },
	  0.9966947645331977 },
	{ "enet_noint", "{\"penalty\":\"elasticnet\",\"alpha\":0.1,\"l1_ratio\":0.3,\"tol\":1e-12,"
			"\"max_iter\":100000,\"fit_intercept\":false}", 0,
	  { 1.6664760830365426, -0.9525623890386875, 0.43522757287205344, 0.1508004266108587 },
	  0.0 },
	{ "lasso_big", "{\"penalty\":\"l1\",\"alpha\":0.5,\"tol\":1e-12,\"max_iter\":100000}", 0,
	  { 0.9234216515369553, -0.7655499660245001, 0.15476961698761021, 0.0 },
	  1.008924208379578 },
};

/* The fitted coefficients and intercept, read back from the state JSON. */
static void learned(const struct model *m, double *coef, double *b)
{
	json_t *o = json_object();
	m->type->to_json(m, o);
	json_t *c = json_object_get(o, "coef");
	for (size_t j = 0; j < json_array_size(c); j++)
		coef[j] = json_number_value(json_array_get(c, j));
	*b = json_number_value(json_object_get(o, "intercept"));
	json_decref(o);
}

static struct model *fit(const char *params, struct mldata *d, struct wb_err *err)
{
	return fit_direct("linear", params, MODEL_REGRESS, d, 1, err);
}

/* OLS by the normal equations with naive Gaussian elimination on [1 X]. */
static void ols_closed_form(double *beta)
{
	double A[5][6];
	memset(A, 0, sizeof(A));
	for (int i = 0; i < N; i++) {
		double r[5] = { 1, x0[i], x1[i], x2[i], x3[i] };
		for (int a = 0; a < 5; a++) {
			for (int b = 0; b < 5; b++)
				A[a][b] += r[a] * r[b];
			A[a][5] += r[a] * y[i];
		}
	}
	for (int k = 0; k < 5; k++) {
		int piv = k;
		for (int i = k + 1; i < 5; i++)
			if (fabs(A[i][k]) > fabs(A[piv][k]))
				piv = i;
		for (int j = 0; j < 6; j++) {
			double t = A[k][j];
			A[k][j] = A[piv][j];
			A[piv][j] = t;
		}
		for (int i = 0; i < 5; i++) {
			if (i == k)
				continue;
			double f = A[i][k] / A[k][k];
			for (int j = 0; j < 6; j++)
				A[i][j] -= f * A[k][j];
		}
	}
	for (int k = 0; k < 5; k++)
		beta[k] = A[k][5] / A[k][k];
}

static char *describe(const struct model *m)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	m->type->describe(m, f);
	fclose(f);
	return buf;
}

static void test_ols(void)
{
	struct wb_err err = { { 0 } };
	struct mldata d = mk_data(N, 4, cols, NULL);
	d.y = y;
	struct model *m = fit(NULL, &d, &err);
	ok(m != NULL, "ols fits: %s", err.msg);
	double beta[5], coef[4], b;
	ols_closed_form(beta);
	learned(m, coef, &b);
	is_dbl(b, beta[0], 1e-9, "ols intercept = normal equations");
	for (int j = 0; j < 4; j++)
		is_dbl(coef[j], beta[j + 1], 1e-9, "ols coef %d = normal equations", j);
	/* Predictions are intercept + x'w. */
	double *out = predict_direct(m, &d, &err);
	double want = b;
	for (int j = 0; j < 4; j++)
		want += coef[j] * cols[j][7];
	is_dbl(out[7], want, 1e-12, "prediction = b + x'w");
	char *text = describe(m);
	like(text, "cholesky", "describe names the solver");
	like(text, "x3", "describe lists coefficients per feature");
	free(text);
	/* Importance = |coef| x sd. */
	double imp[4];
	m->type->importance(m, imp);
	double mu = 0, ss = 0;
	for (int i = 0; i < N; i++)
		mu += x1[i] / N;
	for (int i = 0; i < N; i++)
		ss += (x1[i] - mu) * (x1[i] - mu) / N;
	is_dbl(imp[1], fabs(coef[1]) * sqrt(ss), 1e-12, "importance = |coef| x sd");
	free(out);
	model_free(m);
}

static void test_refs(void)
{
	for (size_t k = 0; k < sizeof(refs) / sizeof(refs[0]); k++) {
		const struct ref *r = &refs[k];
		struct wb_err err = { { 0 } };
		struct mldata d = mk_data(N, 4, cols, NULL);
		d.y = y;
		if (r->weighted)
			d.w = wt;
		struct model *m = fit(r->params, &d, &err);
		if (!ok(m != NULL, "%s fits", r->name)) {
			diag(err.msg);
			continue;
		}
		double coef[4], b, worst = 0;
		learned(m, coef, &b);
		for (int j = 0; j < 4; j++)
			if (fabs(coef[j] - r->coef[j]) > worst)
				worst = fabs(coef[j] - r->coef[j]);
		if (!ok(worst < 1e-6, "%s coefficients match scikit-learn (max diff %.2g)", r->name,
			worst))
			for (int j = 0; j < 4; j++)
				printf("#   coef %d: %.17g want %.17g\n", j, coef[j], r->coef[j]);
		is_dbl(b, r->b, 1e-6, "%s intercept matches scikit-learn", r->name);
		model_free(m);
	}
}

static void test_bad_params(void)
{
	static const char *const bad[][2] = {
		{ "{\"alpha\":-1,\"penalty\":\"l2\"}", "'alpha'" },
		{ "{\"l1_ratio\":2}", "'l1_ratio'" },
		{ "{\"penalty\":\"l3\"}", "'penalty'" },
		{ "{\"max_iter\":0}", "'max_iter'" },
		{ "{\"tol\":0}", "'tol'" },
		{ "{\"fit_intercept\":1}", "'fit_intercept'" },
		{ "{\"C\":1}", "'C'" },
	};
	expect_bad_params("linear", bad, sizeof(bad) / sizeof(bad[0]));
}

/* A constant feature, an all-missing feature and scattered NaNs. */
static void test_degenerate(void)
{
	double cst[N], miss[N], holey[N];
	for (int i = 0; i < N; i++) {
		cst[i] = 3.25;
		miss[i] = NAN;
		holey[i] = i % 4 == 0 ? NAN : x0[i];
	}
	double *c5[5] = { holey, cst, miss, x1, x2 };
	static const char *params[] = {
		NULL, "{\"penalty\":\"l2\"}", "{\"penalty\":\"l1\",\"alpha\":0.01}",
		"{\"penalty\":\"elasticnet\",\"alpha\":0.01}", "{\"fit_intercept\":false}",
	};
	for (size_t k = 0; k < sizeof(params) / sizeof(params[0]); k++) {
		struct wb_err err = { { 0 } };
		struct mldata d = mk_data(N, 5, c5, NULL);
		d.y = y;
		struct model *m = fit(params[k], &d, &err);
		if (!ok(m != NULL, "degenerate data fits (%s)", params[k] ? params[k] : "ols")) {
			diag(err.msg);
			continue;
		}
		double coef[5], b;
		learned(m, coef, &b);
		int finite = isfinite(b);
		for (int j = 0; j < 5; j++)
			finite &= isfinite(coef[j]);
		ok(finite, "coefficients finite");
		is_dbl(coef[2], 0, 0, "all-missing feature has coefficient 0");
		if (k < 4)
			is_dbl(coef[1], 0, 0, "constant feature has coefficient 0 (intercept)");
		double *out = predict_direct(m, &d, &err);
		int fin = 1;
		for (int i = 0; i < N; i++)
			fin &= isfinite(out[i]);
		ok(fin, "predictions finite with NaN input");
		/* NaN reads as the training mean of the feature. */
		double mean = 0;
		int cnt = 0;
		for (int i = 0; i < N; i++)
			if (!isnan(holey[i])) {
				mean += holey[i];
				cnt++;
			}
		mean /= cnt;
		double want = b + coef[0] * mean + coef[1] * cst[0] + coef[3] * x1[0] +
			      coef[4] * x2[0];
		is_dbl(out[0], want, 1e-9, "missing value predicts as the feature mean");
		free(out);
		model_free(m);
	}
	/* n = 1 and duplicated columns (collinear). */
	{
		struct wb_err err = { { 0 } };
		double *dup[3] = { x0, x0, x1 };
		struct mldata d = mk_data(N, 3, dup, NULL);
		d.y = y;
		struct model *m = fit(NULL, &d, &err);
		ok(m != NULL, "collinear columns fit");
		double coef[3], b;
		learned(m, coef, &b);
		ok(isfinite(coef[0]) && coef[1] == 0, "duplicate column dropped");
		char *text = describe(m);
		like(text, "linearly dependent", "describe says so");
		free(text);
		model_free(m);
		d = mk_data(1, 3, dup, NULL);
		d.y = y;
		m = fit("{\"penalty\":\"l1\"}", &d, &err);
		ok(m != NULL, "n = 1 fits");
		double *out = m ? predict_direct(m, &d, &err) : NULL;
		ok(out && out[0] == y[0], "n = 1 predicts the target");
		free(out);
		model_free(m);
	}
}

/* Larger data for round trips and thread counts. */
#define BN 6000
static void test_roundtrip_threads(void)
{
	double *bc[6];
	double *by = malloc(BN * sizeof(double));
	for (int j = 0; j < 6; j++) {
		bc[j] = malloc(BN * sizeof(double));
		for (int i = 0; i < BN; i++)
			bc[j][i] = (i * 7 + j * 13) % 6 == 0 ? NAN : sin(i * (j + 1) * 0.37 + j);
	}
	for (int i = 0; i < BN; i++)
		by[i] = 0.5 + (isnan(bc[0][i]) ? 0 : bc[0][i]) - 2 * (isnan(bc[3][i]) ? 0 : bc[3][i]) +
			0.1 * cos(i * 1.3);
	static const char *params[] = { NULL, "{\"penalty\":\"l1\",\"alpha\":0.01}",
					"{\"penalty\":\"elasticnet\",\"alpha\":0.01}" };
	for (size_t k = 0; k < 3; k++) {
		struct wb_err err = { { 0 } };
		struct mldata d = mk_data(BN, 6, bc, NULL);
		d.y = by;
		omp_set_num_threads(1);
		struct model *m1 = fit(params[k], &d, &err);
		double *p1 = predict_direct(m1, &d, &err);
		omp_set_num_threads(2);
		struct model *m2 = fit(params[k], &d, &err);
		double *p2 = predict_direct(m2, &d, &err);
		char *s1 = state_json(m1), *s2 = state_json(m2);
		is_str(s1, s2, "state identical on 1 and 2 threads (%s)", params[k] ? params[k] : "ols");
		ok(!memcmp(p1, p2, BN * sizeof(double)), "predictions identical on 1 and 2 threads");
		struct model *r = reload_direct(m2, &err);
		double *pr = r ? predict_direct(r, &d, &err) : NULL;
		ok(pr && !memcmp(p2, pr, BN * sizeof(double)), "reload gives bit-identical predictions");
		char *sr = r ? state_json(r) : NULL;
		is_str(sr, s2, "reloaded state identical");
		free(s1);
		free(s2);
		free(sr);
		free(p1);
		free(p2);
		free(pr);
		model_free(m1);
		model_free(m2);
		model_free(r);
	}
	for (int j = 0; j < 6; j++)
		free(bc[j]);
	free(by);
}

static void test_not_converged(void)
{
	struct wb_err err = { { 0 } };
	struct mldata d = mk_data(N, 4, cols, NULL);
	d.y = y;
	struct model *m = fit("{\"penalty\":\"l1\",\"alpha\":0.01,\"max_iter\":1,\"tol\":1e-12}",
			      &d, &err);
	ok(m != NULL, "max_iter 1 still fits");
	char *text = describe(m);
	like(text, "NOT converged", "describe says it did not converge");
	free(text);
	model_free(m);
	m = fit("{\"penalty\":\"l1\",\"alpha\":0.01}", &d, &err);
	text = describe(m);
	like(text, "converged", "describe says converged");
	ok(!strstr(text, "NOT"), "... and not 'NOT converged'");
	free(text);
	model_free(m);
}

/* Wide data (> 2000 features): coordinate descent on the residuals; the
 * lasso optimality conditions must hold. */
static void test_wide(void)
{
	enum { WN = 60, WP = 2100 };
	double **wc = malloc(WP * sizeof(double *));
	const char **names = malloc(WP * sizeof(char *));
	int *ncat = calloc(WP, sizeof(int));
	double wy[WN];
	for (int j = 0; j < WP; j++) {
		wc[j] = malloc(WN * sizeof(double));
		for (int i = 0; i < WN; i++)
			wc[j][i] = sin((i + 1) * (j + 1) * 0.731 + j * 0.1);
		names[j] = "f";
	}
	for (int i = 0; i < WN; i++)
		wy[i] = 3 * wc[0][i] - 2 * wc[5][i] + 0.01 * cos(i);
	struct mldata d = mk_data(WN, WP, wc, ncat);
	d.names = names;
	d.y = wy;
	struct wb_err err = { { 0 } };
	double alpha = 0.05;
	struct model *m = fit("{\"penalty\":\"l1\",\"alpha\":0.05,\"tol\":1e-10,\"max_iter\":100000}",
			      &d, &err);
	ok(m != NULL, "wide lasso fits");
	double *coef = calloc(WP, sizeof(double)), b;
	learned(m, coef, &b);
	/* KKT: (1/n) x_j'(y - Xw - b) = alpha sign(w_j), or |.| <= alpha at 0. */
	double *r = malloc(WN * sizeof(double));
	for (int i = 0; i < WN; i++) {
		r[i] = wy[i] - b;
		for (int j = 0; j < WP; j++)
			r[i] -= coef[j] * wc[j][i];
	}
	double worst = 0;
	int nz = 0;
	for (int j = 0; j < WP; j++) {
		double mu = 0, g = 0;
		for (int i = 0; i < WN; i++)
			mu += wc[j][i] / WN;
		for (int i = 0; i < WN; i++)
			g += (wc[j][i] - mu) * r[i] / WN;
		double v = coef[j] != 0 ? fabs(g - alpha * (coef[j] > 0 ? 1 : -1))
					: (fabs(g) > alpha ? fabs(g) - alpha : 0);
		nz += coef[j] != 0;
		if (v > worst)
			worst = v;
	}
	ok(worst < 1e-6, "wide lasso satisfies the optimality conditions (%.2g)", worst);
	ok(nz > 0 && nz < WN, "wide lasso is sparse (%d nonzero)", nz);
	char *text = describe(m);
	like(text, "coordinate descent,", "wide data uses residual coordinate descent");
	free(text);
	free(r);
	free(coef);
	model_free(m);
	for (int j = 0; j < WP; j++)
		free(wc[j]);
	free(wc);
	free(names);
	free(ncat);
}

int main(void)
{
	/* Registers explicitly: a weak reference alone does not pull the
	 * family's object out of libwbengine.a. */
	model_linear_register();
	make_data();
	test_ols();
	test_refs();
	test_bad_params();
	test_degenerate();
	test_roundtrip_threads();
	test_not_converged();
	test_wide();
	return tap_done();
}
