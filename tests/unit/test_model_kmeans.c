/*
 * test_model_kmeans — the kmeans family on hand-built features.
 *
 * Known answers: three well-separated blobs are found exactly; a 1-D case
 * whose optimum is obvious ({0,1,2} and {10,11,12}: inertia 4); the
 * inertia of a fitted model equals the sum of squared distances to the
 * centres it reports.
 */
#include "tap.h"
#include "model_fixture.h"

#include <omp.h>
#include <stdlib.h>

static struct mldata blobs(size_t n, double **cols, int32_t *truth, double missing_rate,
			   uint64_t seed)
{
	static const double cx[3] = { 0, 10, 0 }, cy[3] = { 0, 0, 10 };
	struct rng r;
	rng_seed(&r, seed);
	for (size_t i = 0; i < n; i++) {
		int c = (int)(i % 3);
		truth[i] = c;
		cols[0][i] = cx[c] + rng_normal(&r) * 0.5;
		cols[1][i] = cy[c] + rng_normal(&r) * 0.5;
		cols[2][i] = 3.0; /* constant */
		cols[3][i] = NAN; /* all missing */
		if (rng_uniform(&r) < missing_rate)
			cols[(int)rng_below(&r, 2)][i] = NAN;
	}
	return mk_data(n, 4, cols, NULL);
}

/* Whether the clusters are the truth up to renaming. */
static int same_partition(const double *pred, const int32_t *truth, size_t n, int k)
{
	int map[16];
	for (int c = 0; c < k; c++)
		map[c] = -1;
	for (size_t i = 0; i < n; i++) {
		int p = (int)pred[i];
		if (p < 0 || p >= k)
			return 0;
		if (map[p] < 0)
			map[p] = truth[i];
		else if (map[p] != truth[i])
			return 0;
	}
	for (int a = 0; a < k; a++)
		for (int b = a + 1; b < k; b++)
			if (map[a] >= 0 && map[a] == map[b])
				return 0;
	return 1;
}

static void test_blobs(void)
{
	size_t n = 3000;
	double *cols[4];
	for (int j = 0; j < 4; j++)
		cols[j] = malloc(n * sizeof(double));
	int32_t *truth = malloc(n * sizeof(int32_t));
	struct mldata d = blobs(n, cols, truth, 0, 5);
	struct wb_err err;
	struct model *m = fit_direct("kmeans", "{\"k\": 3}", MODEL_CLUSTER, &d, 42, &err);
	ok(m != NULL, "blobs: fits");
	is_int(m->nclass, 3, "fit sets nclass = k");
	double *p = predict_direct(m, &d, &err);
	ok(same_partition(p, truth, n, 3), "three well-separated blobs found exactly");
	/* Inertia equals the squared distances to the reported centres. */
	json_t *o = json_object();
	m->type->to_json(m, o);
	double inertia = json_real_value(json_object_get(o, "inertia"));
	json_t *cj = json_object_get(o, "centers");
	double sse = 0;
	for (size_t i = 0; i < n; i++) {
		int c = (int)p[i];
		double e0 = cols[0][i] - json_real_value(json_array_get(cj, (size_t)c * 4));
		double e1 = cols[1][i] - json_real_value(json_array_get(cj, (size_t)c * 4 + 1));
		sse += (e0 * e0 + e1 * e1) * 4.0 / 3.0; /* 3 of 4 features present */
	}
	json_decref(o);
	is_dbl(inertia, sse, 1e-9 * sse, "inertia = scaled sum of squared distances (%.6g)",
	       inertia);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	m->type->describe(m, f);
	fclose(f);
	like(buf, "inertia", "describe reports the inertia");
	free(buf);

	struct model *r = reload_direct(m, &err);
	ok(r != NULL, "reloads");
	is_int(r->nclass, 3, "reload sets nclass");
	double *pr = predict_direct(r, &d, &err);
	ok(!memcmp(p, pr, n * sizeof(double)), "save/load: identical clusters");
	char *j1 = state_json(m), *j2 = state_json(r);
	is_str(j2, j1, "save/load: same state JSON");
	free(j1);
	free(j2);
	free(pr);
	model_free(r);
	free(p);
	model_free(m);

	/* With 10% of x0 / x1 missing the blobs are still found (a row with one
	 * coordinate can be ambiguous, so count agreement with the truth). */
	d = blobs(n, cols, truth, 0.1, 6);
	m = fit_direct("kmeans", "{\"k\": 3, \"n_init\": 2}", MODEL_CLUSTER, &d, 42, &err);
	p = predict_direct(m, &d, &err);
	int nan = 0;
	for (size_t i = 0; i < n; i++)
		nan += isnan(p[i]);
	is_int(nan, 0, "missing values: no NaN cluster");
	/* Rows with both coordinates present must match the truth. */
	size_t keep = 0;
	double *pk = malloc(n * sizeof(double));
	int32_t *tk = malloc(n * sizeof(int32_t));
	for (size_t i = 0; i < n; i++)
		if (!isnan(cols[0][i]) && !isnan(cols[1][i])) {
			pk[keep] = p[i];
			tk[keep++] = truth[i];
		}
	ok(same_partition(pk, tk, keep, 3), "missing values: complete rows clustered exactly");
	free(pk);
	free(tk);
	free(p);
	model_free(m);

	/* 1 vs 2 threads. */
	d = blobs(n, cols, truth, 0.05, 7);
	omp_set_num_threads(1);
	struct model *m1 = fit_direct("kmeans", "{\"k\": 5}", MODEL_CLUSTER, &d, 9, &err);
	double *p1 = predict_direct(m1, &d, &err);
	omp_set_num_threads(2);
	struct model *m2 = fit_direct("kmeans", "{\"k\": 5}", MODEL_CLUSTER, &d, 9, &err);
	double *p2 = predict_direct(m2, &d, &err);
	j1 = state_json(m1);
	j2 = state_json(m2);
	is_str(j1, j2, "1 vs 2 threads: same state JSON");
	ok(!memcmp(p1, p2, n * sizeof(double)), "1 vs 2 threads: same clusters");
	free(j1);
	free(j2);
	free(p1);
	free(p2);
	model_free(m1);
	model_free(m2);
	for (int j = 0; j < 4; j++)
		free(cols[j]);
	free(truth);
}

static void test_small(void)
{
	double x[] = { 0, 1, 2, 10, 11, 12 };
	double *cols[1] = { x };
	struct mldata d = mk_data(6, 1, cols, NULL);
	struct wb_err err;
	struct model *m = fit_direct("kmeans", "{\"k\": 2}", MODEL_CLUSTER, &d, 1, &err);
	double *p = predict_direct(m, &d, &err);
	ok(p[0] == p[1] && p[1] == p[2] && p[3] == p[4] && p[4] == p[5] && p[0] != p[3],
	   "1-D: {0,1,2} and {10,11,12}");
	char *js = state_json(m);
	like(js, "\"inertia\":4", "1-D: inertia 4");
	like(js, "\"n_iter\":", "state has n_iter");
	free(js);
	free(p);
	model_free(m);

	/* k = n: every row its own centre, inertia 0. */
	m = fit_direct("kmeans", "{\"k\": 6}", MODEL_CLUSTER, &d, 1, &err);
	ok(m != NULL, "k = n fits");
	js = state_json(m);
	like(js, "\"inertia\":0", "k = n: inertia 0");
	free(js);
	model_free(m);

	/* k > n is an error naming k and the rows. */
	ok(!fit_direct("kmeans", "{\"k\": 7}", MODEL_CLUSTER, &d, 1, &err), "k > n rejected");
	like(err.msg, "'k'", "k > n: names k");
	like(err.msg, "6 training rows", "k > n: names the row count");

	/* Duplicate rows: fewer distinct points than k. */
	double dup[] = { 1, 1, 1, 1 };
	cols[0] = dup;
	d.n = 4;
	m = fit_direct("kmeans", "{\"k\": 3}", MODEL_CLUSTER, &d, 1, &err);
	ok(m != NULL, "identical rows, k = 3: fits");
	p = predict_direct(m, &d, &err);
	ok(p && !isnan(p[0]) && p[0] >= 0 && p[0] < 3, "identical rows: a valid cluster");
	free(p);
	model_free(m);

	/* A single row; a row with nothing present. */
	double one[] = { 5 }, gap[] = { NAN, 2 };
	cols[0] = one;
	d.n = 1;
	m = fit_direct("kmeans", "{\"k\": 1}", MODEL_CLUSTER, &d, 1, &err);
	ok(m != NULL, "n = 1, k = 1 fits");
	cols[0] = gap;
	d.n = 2;
	p = predict_direct(m, &d, &err);
	ok(p && p[0] == 0 && p[1] == 0, "all-missing row: cluster 0");
	free(p);
	model_free(m);
}

static void test_params(void)
{
	double x[] = { 1, 2, 3 };
	double *cols[1] = { x };
	struct mldata d = mk_data(3, 1, cols, NULL);
	struct wb_err err;
	ok(!fit_direct("kmeans", "{\"k\": 0}", MODEL_CLUSTER, &d, 1, &err), "k = 0 rejected");
	like(err.msg, "'k'", "names k");
	ok(!fit_direct("kmeans", "{\"n_init\": 0}", MODEL_CLUSTER, &d, 1, &err),
	   "n_init = 0 rejected");
	like(err.msg, "'n_init'", "names n_init");
	ok(!fit_direct("kmeans", "{\"max_iter\": -3}", MODEL_CLUSTER, &d, 1, &err),
	   "max_iter < 1 rejected");
	like(err.msg, "'max_iter'", "names max_iter");
	ok(!fit_direct("kmeans", "{\"tol\": -1}", MODEL_CLUSTER, &d, 1, &err), "tol < 0 rejected");
	like(err.msg, "'tol'", "names tol");
	ok(!fit_direct("kmeans", "{\"k\": \"three\"}", MODEL_CLUSTER, &d, 1, &err),
	   "k as text rejected");
}

int main(void)
{
	/* A weak reference does not pull the family out of the archive. */
	model_kmeans_register();
	test_blobs();
	test_small();
	test_params();
	return tap_done();
}
