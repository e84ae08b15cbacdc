/*
 * test_model_knn — the knn family on hand-built features.
 *
 * Reference probabilities / values: /usr/bin/python3 with scikit-learn 1.2.1,
 *   rng = np.random.RandomState(3)
 *   X = np.round(rng.normal(size=(20, 2)), 3)
 *   y = (X[:,0] + X[:,1] > 0).astype(int) + (X[:,0] > 1).astype(int)
 *   yr = np.round(X[:,0]*2 - X[:,1] + rng.normal(size=20)*0.1, 3)
 *   Q = np.round(rng.normal(size=(5, 2)), 3)
 *   KNeighborsClassifier(5, weights=w, metric=met).fit(X, y).predict_proba(Q)
 *   KNeighborsRegressor(5, weights=w, metric=met).fit(X, yr).predict(Q)
 * printed with %.17g (no distance ties in this data).
 */
#include "tap.h"
#include "model_fixture.h"

#include <omp.h>
#include <stdlib.h>

static double X0[] = { 1.7889999999999999, 0.096000000000000002, -0.27700000000000002,
	-0.083000000000000004, -0.043999999999999997, -1.3140000000000001, 0.88100000000000001,
	0.050000000000000003, -0.54500000000000004, 0.98199999999999998, -1.1850000000000001,
	1.486, -1.024, 0.625, -0.76900000000000002, 0.745, -1.244, -0.80400000000000005,
	-0.92400000000000004, 1.1240000000000001 };
static double X1[] = { 0.437, -1.863, -0.35499999999999998, -0.627, -0.47699999999999998,
	0.88500000000000001, 1.71, -0.40500000000000003, -1.546, -1.101, -0.20599999999999999,
	0.23699999999999999, -0.71299999999999997, -0.161, -0.23000000000000001, 1.976, -0.626,
	-2.419, -1.024, -0.13200000000000001 };
static int32_t CLS[] = { 2, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 2, 0, 1, 0, 1, 0, 0, 0, 2 };
static double YR[] = { 2.9790000000000001, 2.1200000000000001, -0.23499999999999999,
	0.28699999999999998, 0.32900000000000001, -3.5720000000000001, -0.035000000000000003,
	0.50800000000000001, 0.23100000000000001, 3.0379999999999998, -2.0630000000000002,
	2.8199999999999998, -1.224, 1.5229999999999999, -1.159, -0.59799999999999998,
	-1.7769999999999999, 0.625, -0.88400000000000001, 2.1890000000000001 };
static double Q0[] = { 1.048, -0.19700000000000001, -0.67500000000000004, 0.153, 0.438 };
static double Q1[] = { 1.3340000000000001, 1.7749999999999999, 0.151, -1.0640000000000001,
	1.9390000000000001 };

struct ref {
	const char *params;
	double proba[15];
	double reg[5];
};

static const struct ref refs[] = {
	{ "{\"k\": 5}",
	  { 0, 0.40000000000000002, 0.59999999999999998, 0.40000000000000002, 0.59999999999999998,
	    0, 1, 0, 0, 1, 0, 0, 0.20000000000000001, 0.40000000000000002, 0.40000000000000002 },
	  { 1.4710000000000001, -0.76819999999999999, -0.52400000000000002, 0.60180000000000011,
	    0.31880000000000008 } },
	{ "{\"k\": 5, \"metric\": \"manhattan\"}",
	  { 0, 0.40000000000000002, 0.59999999999999998, 0.59999999999999998, 0.40000000000000002,
	    0, 1, 0, 0, 1, 0, 0, 0.20000000000000001, 0.59999999999999998, 0.20000000000000001 },
	  { 1.4709999999999999, -0.82220000000000015, -0.87040000000000006, 1.2564,
	    0.84360000000000002 } },
	{ "{\"k\": 5, \"weights\": \"distance\"}",
	  { 0, 0.61659378161864575, 0.3834062183813543, 0.32596348608491593, 0.67403651391508412,
	    0, 1, 0, 0, 1, 0, 0, 0.072742648422281037, 0.77922521779706266, 0.14803213378065627 },
	  { 0.88517073203152707, -0.82501172684646207, -0.72003106394049854, 0.55842063861629121,
	    -0.12874630677190857 } },
	{ "{\"k\": 5, \"weights\": \"distance\", \"metric\": \"manhattan\"}",
	  { 0, 0.60283636781655037, 0.39716363218344963, 0.43851156609897851, 0.56148843390102143,
	    0, 1, 0, 0, 1, 0, 0, 0.065809522854547789, 0.86881170753140702, 0.065378769614045304 },
	  { 0.91015987219475547, -0.73904743059222078, -0.97386686431432301, 1.1720871449315406,
	    0.015620545929054853 } },
};

static void test_sklearn(void)
{
	double *cols[2] = { X0, X1 }, *qcols[2] = { Q0, Q1 };
	struct mldata d = mk_data(20, 2, cols, NULL);
	struct mldata q = mk_data(5, 2, qcols, NULL);
	struct wb_err err;
	for (size_t r = 0; r < sizeof(refs) / sizeof(refs[0]); r++) {
		d.cls = CLS;
		d.nclass = 3;
		d.y = NULL;
		struct model *m = fit_direct("knn", refs[r].params, MODEL_CLASSIFY, &d, 1, &err);
		ok(m != NULL, "%s: classifier fits", refs[r].params);
		double *p = predict_direct(m, &q, &err);
		double maxd = 0;
		for (int i = 0; i < 15; i++)
			maxd = fmax(maxd, fabs(p[i] - refs[r].proba[i]));
		ok(maxd < 1e-12, "%s: probabilities match scikit-learn (max diff %g)",
		   refs[r].params, maxd);
		free(p);
		model_free(m);

		d.cls = NULL;
		d.nclass = 0;
		d.y = YR;
		m = fit_direct("knn", refs[r].params, MODEL_REGRESS, &d, 1, &err);
		ok(m != NULL, "%s: regressor fits", refs[r].params);
		p = predict_direct(m, &q, &err);
		maxd = 0;
		for (int i = 0; i < 5; i++)
			maxd = fmax(maxd, fabs(p[i] - refs[r].reg[i]));
		ok(maxd < 1e-12, "%s: regression matches scikit-learn (max diff %g)",
		   refs[r].params, maxd);
		free(p);
		model_free(m);
	}
}

static void test_k1_and_ties(void)
{
	double *cols[2] = { X0, X1 };
	struct mldata d = mk_data(20, 2, cols, NULL);
	d.cls = CLS;
	d.nclass = 3;
	struct wb_err err;
	struct model *m = fit_direct("knn", "{\"k\": 1}", MODEL_CLASSIFY, &d, 1, &err);
	double *p = predict_direct(m, &d, &err);
	int same = 1;
	for (int i = 0; i < 20; i++)
		same &= p[i * 3 + CLS[i]] == 1;
	ok(same, "k = 1 reproduces the training labels");
	free(p);
	model_free(m);

	/* 1-D: query 6 has x=2 and x=10 at 4, then x=1 and x=11 at 5: the
	 * earlier training row (x=1, class 0) wins the tie. */
	double x[] = { 0, 1, 2, 10, 11, 12 };
	int32_t c[] = { 0, 0, 0, 1, 1, 1 };
	double qx[] = { 6, 1.5, 11.5 };
	double *xc[1] = { x }, *qc[1] = { qx };
	struct mldata d1 = mk_data(6, 1, xc, NULL);
	d1.cls = c;
	d1.nclass = 2;
	struct mldata q1 = mk_data(3, 1, qc, NULL);
	m = fit_direct("knn", "{\"k\": 3}", MODEL_CLASSIFY, &d1, 1, &err);
	p = predict_direct(m, &q1, &err);
	is_dbl(p[0], 2.0 / 3, 1e-15, "tie at equal distance: earlier training row wins");
	is_dbl(p[2], 1, 0, "query 1.5: all class 0");
	is_dbl(p[5], 1, 0, "query 11.5: all class 1");
	free(p);
	model_free(m);

	/* Exact match with distance weights: only the zero-distance rows count. */
	m = fit_direct("knn", "{\"k\": 3, \"weights\": \"distance\"}", MODEL_CLASSIFY, &d1, 1,
		       &err);
	double qz[] = { 10 };
	qc[0] = qz;
	q1.n = 1;
	p = predict_direct(m, &q1, &err);
	ok(p[0] == 0 && p[1] == 1, "distance weights: an exact match takes everything");
	free(p);
	model_free(m);

	/* k larger than the training rows: all of them. */
	m = fit_direct("knn", "{\"k\": 50}", MODEL_CLASSIFY, &d1, 1, &err);
	ok(m != NULL, "k > n fits");
	p = predict_direct(m, &q1, &err);
	ok(p[0] == 0.5 && p[1] == 0.5, "k > n: every training row votes");
	free(p);
	model_free(m);
}

static void test_missing(void)
{
	/* Training rows (0,0) -> 1, (5,5) -> 2; query (NaN, 4.9) is nearest
	 * to (5,5) over x1 alone. */
	double a[] = { 0, 5, 2 }, b[] = { 0, 5, NAN };
	double y[] = { 1, 2, 3 };
	double *cols[2] = { a, b };
	struct mldata d = mk_data(3, 2, cols, NULL);
	d.y = y;
	struct wb_err err;
	struct model *m = fit_direct("knn", "{\"k\": 1}", MODEL_REGRESS, &d, 1, &err);
	double qa[] = { NAN, 2.2, NAN, 1.9 }, qb[] = { 4.9, NAN, NAN, 0.2 };
	double *qc[2] = { qa, qb };
	struct mldata q = mk_data(4, 2, qc, NULL);
	double *p = predict_direct(m, &q, &err);
	is_dbl(p[0], 2, 0, "missing query feature: distance over the other");
	is_dbl(p[1], 3, 0, "training row with a gap is still a neighbour");
	is_dbl(p[2], 2, 1e-15, "all-missing query: training mean");
	is_dbl(p[3], 3, 0, "scaled distance: (2,NaN) at 0.1*sqrt2 beats (0,0) at 1.91");
	free(p);
	model_free(m);

	/* A constant feature and an all-missing feature change nothing. */
	double c1[] = { 7, 7, 7, 7 }, c2[] = { NAN, NAN, NAN, NAN }, c3[] = { 0, 1, 2, 3 };
	int32_t cl[] = { 0, 0, 1, 1 };
	double *cc[3] = { c1, c2, c3 };
	struct mldata dc = mk_data(4, 3, cc, NULL);
	dc.cls = cl;
	dc.nclass = 2;
	m = fit_direct("knn", "{\"k\": 1, \"weights\": \"distance\"}", MODEL_CLASSIFY, &dc, 1,
		       &err);
	p = predict_direct(m, &dc, &err);
	int fine = 1;
	for (int i = 0; i < 4; i++)
		fine &= p[i * 2 + cl[i]] == 1 && !isnan(p[i * 2]);
	ok(fine, "constant + all-missing features: training labels reproduced, no NaN");
	free(p);
	model_free(m);

	/* One training row. */
	double one[] = { 3 };
	int32_t c1c[] = { 1 };
	double *oc[1] = { one };
	struct mldata d1 = mk_data(1, 1, oc, NULL);
	d1.cls = c1c;
	d1.nclass = 2;
	m = fit_direct("knn", NULL, MODEL_CLASSIFY, &d1, 1, &err);
	p = predict_direct(m, &d1, &err);
	ok(p && p[0] == 0 && p[1] == 1, "n = 1: predicts its class");
	free(p);
	model_free(m);
}

static void test_categorical(void)
{
	/* A categorical feature counts 0 / 1: code 2 is as far from 0 as 1 is. */
	double cat[] = { 0, 1, 2 }, num[] = { 0, 0.6, 0 };
	double y[] = { 10, 20, 30 };
	int ncat[2] = { 3, 0 };
	double *cols[2] = { cat, num };
	struct mldata d = mk_data(3, 2, cols, ncat);
	d.y = y;
	struct wb_err err;
	struct model *m = fit_direct("knn", "{\"k\": 1}", MODEL_REGRESS, &d, 1, &err);
	double qc[] = { 1 }, qn[] = { 0 };
	double *qq[2] = { qc, qn };
	struct mldata q = mk_data(1, 2, qq, ncat);
	double *p = predict_direct(m, &q, &err);
	is_dbl(p[0], 20, 0, "categorical: same level at 0.6 beats other levels at 1");
	free(p);
	model_free(m);
}

static void test_params(void)
{
	struct wb_err err;
	double x[] = { 1, 2 };
	double y[] = { 1, 2 };
	double *cols[1] = { x };
	struct mldata d = mk_data(2, 1, cols, NULL);
	d.y = y;
	ok(fit_direct("knn", "{\"k\": 0}", MODEL_REGRESS, &d, 1, &err) == NULL, "k = 0 rejected");
	like(err.msg, "'k'", "k = 0: names k");
	ok(fit_direct("knn", "{\"k\": 2.5}", MODEL_REGRESS, &d, 1, &err) == NULL,
	   "k = 2.5 rejected");
	ok(fit_direct("knn", "{\"weights\": \"inverse\"}", MODEL_REGRESS, &d, 1, &err) == NULL,
	   "bad weights rejected");
	like(err.msg, "'weights'", "bad weights: names weights");
	ok(fit_direct("knn", "{\"metric\": \"cosine\"}", MODEL_REGRESS, &d, 1, &err) == NULL,
	   "bad metric rejected");
	like(err.msg, "'metric'", "bad metric: names metric");
	ok(fit_direct("knn", "{\"kk\": 3}", MODEL_REGRESS, &d, 1, &err) == NULL,
	   "unknown parameter rejected");
}

/* Bigger data: save/load and thread counts give identical bits. */
static void test_determinism(void)
{
	size_t n = 3000, nq = 700;
	int p = 6;
	double *cols[6], *qcols[6];
	int32_t *cls = malloc(n * sizeof(int32_t));
	struct rng r;
	rng_seed(&r, 7);
	for (int j = 0; j < p; j++) {
		cols[j] = malloc(n * sizeof(double));
		qcols[j] = malloc(nq * sizeof(double));
		for (size_t i = 0; i < n; i++)
			cols[j][i] = rng_uniform(&r) < 0.05 ? NAN : floor(rng_normal(&r) * 4) / 4;
		for (size_t i = 0; i < nq; i++)
			qcols[j][i] = rng_uniform(&r) < 0.05 ? NAN : rng_normal(&r);
	}
	for (size_t i = 0; i < n; i++)
		cls[i] = (cols[0][i] > 0) + (cols[1][i] > 0.5);
	struct mldata d = mk_data(n, p, cols, NULL);
	d.cls = cls;
	d.nclass = 3;
	struct mldata q = mk_data(nq, p, qcols, NULL);
	struct wb_err err;
	const char *params = "{\"k\": 7, \"weights\": \"distance\"}";
	omp_set_num_threads(1);
	struct model *m1 = fit_direct("knn", params, MODEL_CLASSIFY, &d, 1, &err);
	double *p1 = predict_direct(m1, &q, &err);
	omp_set_num_threads(2);
	struct model *m2 = fit_direct("knn", params, MODEL_CLASSIFY, &d, 1, &err);
	double *p2 = predict_direct(m2, &q, &err);
	char *j1 = state_json(m1), *j2 = state_json(m2);
	is_str(j1, j2, "1 vs 2 threads: same state JSON");
	ok(!memcmp(p1, p2, nq * 3 * sizeof(double)), "1 vs 2 threads: same predictions");
	int bad = 0;
	for (size_t i = 0; i < nq; i++) {
		double s = p2[i * 3] + p2[i * 3 + 1] + p2[i * 3 + 2];
		bad += isnan(s) || fabs(s - 1) > 1e-12;
	}
	is_int(bad, 0, "probabilities sum to 1, no NaN (5%% missing)");
	char *desc = NULL;
	size_t dlen = 0;
	FILE *df = open_memstream(&desc, &dlen);
	m2->type->describe(m2, df);
	fclose(df);
	like(desc, "training rows", "describe says what was learned");
	free(desc);
	struct model *m3 = reload_direct(m2, &err);
	ok(m3 != NULL, "reloads");
	double *p3 = predict_direct(m3, &q, &err);
	ok(!memcmp(p2, p3, nq * 3 * sizeof(double)), "save/load: bit-identical predictions");
	char *j3 = state_json(m3);
	is_str(j3, j2, "save/load: same state JSON");
	free(j1);
	free(j2);
	free(j3);
	free(p1);
	free(p2);
	free(p3);
	model_free(m1);
	model_free(m2);
	model_free(m3);
	for (int j = 0; j < p; j++) {
		free(cols[j]);
		free(qcols[j]);
	}
	free(cls);
}

int main(void)
{
	/* A weak reference does not pull the family out of the archive. */
	model_knn_register();
	test_sklearn();
	test_k1_and_ties();
	test_missing();
	test_categorical();
	test_params();
	test_determinism();
	return tap_done();
}
