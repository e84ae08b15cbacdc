/*
 * model_knn — k nearest neighbours, for classification and regression.
 *
 * Fitting stores the training rows (row-major, in the state JSON as well, so
 * a saved model holds its training data: fine for small and medium data, not
 * meant for millions of rows).  A prediction finds the k training rows
 * nearest to the query by brute force: queries are taken in blocks of 32 and
 * training rows in blocks of 256 (about 40 KB at 20 features), so each
 * training block is read from cache by all the queries of a block; a pair of
 * complete numeric rows takes a branch-free loop with four partial sums
 * (50,000 x 16 training rows, 5,000 queries: 1.5 s on one core).  Query
 * blocks run in parallel; a query's answer depends on nothing else, so the
 * result is the same on any thread count.
 *
 * Parameters:
 *   k        (5)           neighbours; larger than the training rows means
 *                          all of them
 *   weights  ("uniform")   "uniform": every neighbour counts 1; "distance":
 *                          1 / distance, and when some neighbours are at
 *                          distance 0 only those count (as scikit-learn)
 *   metric   ("euclidean") or "manhattan"
 * Row weights are not used (as scikit-learn's KNeighbors*).
 *
 * Prediction: classification gives the (weighted) fraction of the
 * neighbours in each class; regression the (weighted) mean of their values.
 *
 * Distances: over the features present in both rows, scaled up by
 * p / present so rows with gaps are comparable (euclidean: sqrt(sum of
 * squares * p / present); manhattan: sum * p / present).  A categorical
 * feature (ncat > 0, no recipe) counts 0 when the levels are equal and 1
 * otherwise.  Two rows with no feature present in common are infinitely far
 * apart and never neighbours; a query with no finite neighbour gets the
 * training class fractions (or the training mean).
 *
 * Ties: among training rows at equal distance the earlier training row wins
 * (rows are scanned in order and only a strictly nearer row displaces one
 * already kept), so the answer does not depend on sort stability.
 *
 * The default recipe is the linear one (impute, standardize, one_hot):
 * distances need features on a common scale.
 */
#include "ml/model.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define QBLOCK 32
#define TBLOCK 256

enum { W_UNIFORM, W_DISTANCE };
enum { M_EUCLIDEAN, M_MANHATTAN };

struct knn {
	long k;
	int weights, metric;
	/* learned: */
	size_t n;
	int p;
	int *ncat;        /* p entries */
	double *x;        /* n * p, row-major; NaN = missing */
	double *y;        /* regression: n values */
	int32_t *cls;     /* classification: n classes */
	int nclass;       /* classification: classes, else 0 */
	double *fallback; /* nclass fractions or the mean: for a query with no
			   * finite neighbour */
	uint8_t *gap;     /* n: the training row has a missing value (not saved) */
	int anycat;       /* some feature is categorical */
};

static const char *const knn_params[] = { "k", "weights", "metric", NULL };
static const char *const weights_names[] = { "uniform", "distance", NULL };
static const char *const metric_names[] = { "euclidean", "manhattan", NULL };

static void knn_free(void *p)
{
	struct knn *s = p;
	if (!s)
		return;
	free(s->ncat);
	free(s->x);
	free(s->y);
	free(s->cls);
	free(s->fallback);
	free(s->gap);
	free(s);
}

static int knn_init(struct model *m, struct wb_err *err)
{
	struct knn *s = xcalloc(1, sizeof(*s));
	m->state = s;
	if (model_param_int(m, "k", 5, 1, INT_MAX, &s->k, err) < 0 ||
	    model_param_enum(m, "weights", weights_names, W_UNIFORM, &s->weights, err) < 0 ||
	    model_param_enum(m, "metric", metric_names, M_EUCLIDEAN, &s->metric, err) < 0)
		return -1;
	return 0;
}

/* Frees any learned state (refit or reload). */
static void knn_clear(struct knn *s)
{
	free(s->ncat);
	free(s->x);
	free(s->y);
	free(s->cls);
	free(s->fallback);
	free(s->gap);
	s->gap = NULL;
	s->ncat = NULL;
	s->x = s->y = s->fallback = NULL;
	s->cls = NULL;
	s->n = 0;
}

/* What fit and from_json both derive from the stored rows: the answer for
 * a query without neighbours, and which rows take the slow distance. */
static void knn_set_fallback(struct knn *s)
{
	s->anycat = 0;
	for (int j = 0; j < s->p; j++)
		s->anycat |= s->ncat[j] > 0;
	s->gap = xcalloc(s->n + 1, 1);
	for (size_t i = 0; i < s->n; i++)
		for (int j = 0; j < s->p; j++)
			if (isnan(s->x[i * (size_t)s->p + (size_t)j]))
				s->gap[i] = 1;
	if (s->nclass) {
		s->fallback = xcalloc((size_t)s->nclass, sizeof(double));
		for (size_t i = 0; i < s->n; i++)
			s->fallback[s->cls[i]] += 1;
		for (int c = 0; c < s->nclass; c++)
			s->fallback[c] /= (double)s->n;
	} else {
		s->fallback = xcalloc(1, sizeof(double));
		double sum = 0;
		for (size_t i = 0; i < s->n; i++)
			sum += s->y[i];
		s->fallback[0] = s->n ? sum / (double)s->n : 0;
	}
}

static int knn_fit(struct model *m, const struct mldata *d, const struct model_fit_ctx *ctx,
		   struct wb_err *err)
{
	struct knn *s = m->state;
	knn_clear(s);
	if (!d->n)
		return model_error(m, err, "no training rows");
	s->n = d->n;
	s->p = d->p;
	s->ncat = xcalloc((size_t)d->p + 1, sizeof(int));
	for (int j = 0; j < d->p; j++)
		s->ncat[j] = d->ncat ? d->ncat[j] : 0;
	s->x = xmallocarray(d->n * (size_t)(d->p ? d->p : 1), sizeof(double));
	for (size_t i = 0; i < d->n; i++)
		for (int j = 0; j < d->p; j++)
			s->x[i * (size_t)d->p + (size_t)j] = d->x[j][i];
	if (m->task == MODEL_CLASSIFY) {
		s->nclass = d->nclass;
		s->cls = xmallocarray(d->n, sizeof(int32_t));
		memcpy(s->cls, d->cls, d->n * sizeof(int32_t));
	} else {
		s->nclass = 0;
		s->y = xmallocarray(d->n, sizeof(double));
		memcpy(s->y, d->y, d->n * sizeof(double));
	}
	knn_set_fallback(s);
	return 0;
}

/* Distance between query q and training row t (p features each). */
static double knn_dist(const struct knn *s, const double *q, const double *t)
{
	double sum = 0;
	int present = 0;
	for (int j = 0; j < s->p; j++) {
		double a = q[j], b = t[j];
		if (isnan(a) || isnan(b))
			continue;
		present++;
		double e;
		if (s->ncat[j])
			e = a != b;
		else
			e = fabs(a - b);
		sum += s->metric == M_EUCLIDEAN ? e * e : e;
	}
	if (!present)
		return s->p ? INFINITY : 0;
	if (present < s->p)
		sum *= (double)s->p / present;
	return sum; /* squared for euclidean: the root is taken at the end */
}

/* The same distance for two complete numeric rows, with four partial sums
 * so the loop keeps several additions in flight. */
static double knn_dist_fast(const struct knn *s, const double *q, const double *t)
{
	double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
	int j = 0, p = s->p;
	if (s->metric == M_EUCLIDEAN) {
		for (; j + 4 <= p; j += 4) {
			double e0 = q[j] - t[j], e1 = q[j + 1] - t[j + 1];
			double e2 = q[j + 2] - t[j + 2], e3 = q[j + 3] - t[j + 3];
			a0 += e0 * e0;
			a1 += e1 * e1;
			a2 += e2 * e2;
			a3 += e3 * e3;
		}
		for (; j < p; j++)
			a0 += (q[j] - t[j]) * (q[j] - t[j]);
	} else {
		for (; j + 4 <= p; j += 4) {
			a0 += fabs(q[j] - t[j]);
			a1 += fabs(q[j + 1] - t[j + 1]);
			a2 += fabs(q[j + 2] - t[j + 2]);
			a3 += fabs(q[j + 3] - t[j + 3]);
		}
		for (; j < p; j++)
			a0 += fabs(q[j] - t[j]);
	}
	return (a0 + a1) + (a2 + a3);
}

/* The kept neighbours of one query: a max-heap on (distance, row). */
struct nbrs {
	int cnt;
	double *d;
	size_t *i;
};

static int worse(double da, size_t ia, double db, size_t ib)
{
	return da > db || (da == db && ia > ib);
}

static void heap_push(struct nbrs *h, int k, double d, size_t i)
{
	if (h->cnt == k) {
		/* Rows come in increasing order, so a tie never displaces. */
		if (!(d < h->d[0]))
			return;
		/* Replace the root and sift down. */
		int at = 0;
		for (;;) {
			int l = 2 * at + 1, r = l + 1, big = at;
			double bd = d;
			size_t bi = i;
			if (l < k && worse(h->d[l], h->i[l], bd, bi)) {
				big = l;
				bd = h->d[l];
				bi = h->i[l];
			}
			if (r < k && worse(h->d[r], h->i[r], bd, bi))
				big = r;
			if (big == at)
				break;
			h->d[at] = h->d[big];
			h->i[at] = h->i[big];
			at = big;
		}
		h->d[at] = d;
		h->i[at] = i;
		return;
	}
	int at = h->cnt++;
	while (at > 0) {
		int up = (at - 1) / 2;
		if (!worse(d, i, h->d[up], h->i[up]))
			break;
		h->d[at] = h->d[up];
		h->i[at] = h->i[up];
		at = up;
	}
	h->d[at] = d;
	h->i[at] = i;
}

/* Sorts the kept neighbours nearest first (insertion sort: k is small). */
static void nbrs_sort(struct nbrs *h)
{
	for (int a = 1; a < h->cnt; a++) {
		double d = h->d[a];
		size_t i = h->i[a];
		int b = a;
		while (b > 0 && worse(h->d[b - 1], h->i[b - 1], d, i)) {
			h->d[b] = h->d[b - 1];
			h->i[b] = h->i[b - 1];
			b--;
		}
		h->d[b] = d;
		h->i[b] = i;
	}
}

/* Writes the prediction of one query from its sorted neighbours. */
static void knn_answer(const struct knn *s, struct nbrs *h, double *out)
{
	int width = s->nclass ? s->nclass : 1;
	int cnt = 0;
	while (cnt < h->cnt && isfinite(h->d[cnt]))
		cnt++;
	if (!cnt) {
		memcpy(out, s->fallback, (size_t)width * sizeof(double));
		return;
	}
	int zeros = 0;
	for (int a = 0; a < cnt; a++) {
		if (s->metric == M_EUCLIDEAN)
			h->d[a] = sqrt(h->d[a]);
		zeros += h->d[a] == 0;
	}
	double total = 0, acc = 0;
	for (int c = 0; c < width; c++)
		out[c] = 0;
	for (int a = 0; a < cnt; a++) {
		double w = 1;
		if (s->weights == W_DISTANCE)
			w = zeros ? (h->d[a] == 0) : 1 / h->d[a];
		if (w == 0)
			continue;
		total += w;
		if (s->nclass)
			out[s->cls[h->i[a]]] += w;
		else
			acc += w * s->y[h->i[a]];
	}
	if (s->nclass)
		for (int c = 0; c < width; c++)
			out[c] /= total;
	else
		out[0] = acc / total;
}

static int knn_predict(const struct model *m, const struct mldata *d, double *out,
		       struct wb_err *err)
{
	const struct knn *s = m->state;
	if (d->p != s->p)
		return model_error(m, err, "expected %d features, got %d", s->p, d->p);
	int k = s->k < (long)s->n ? (int)s->k : (int)s->n;
	int width = s->nclass ? s->nclass : 1;
	size_t p = (size_t)s->p;
	long nblocks = (long)((d->n + QBLOCK - 1) / QBLOCK);
	/* Parallel only when each thread gets real work: a barrier costs more
	 * than scoring a small block, worst of all on a busy machine. */
#pragma omp parallel if (nblocks > 1 && d->n * s->n > 200000)
	{
		double *q = xmallocarray(QBLOCK * (p ? p : 1), sizeof(double));
		double *hd = xmallocarray((size_t)QBLOCK * (size_t)k, sizeof(double));
		size_t *hi = xmallocarray((size_t)QBLOCK * (size_t)k, sizeof(size_t));
		struct nbrs h[QBLOCK];
#pragma omp for schedule(static)
		for (long b = 0; b < nblocks; b++) {
			size_t lo = (size_t)b * QBLOCK;
			size_t nq = d->n - lo < QBLOCK ? d->n - lo : QBLOCK;
			for (size_t a = 0; a < nq; a++) {
				for (size_t j = 0; j < p; j++)
					q[a * p + j] = d->x[j][lo + a];
				h[a].cnt = 0;
				h[a].d = hd + a * (size_t)k;
				h[a].i = hi + a * (size_t)k;
			}
			uint8_t qgap[QBLOCK];
			for (size_t a = 0; a < nq; a++) {
				qgap[a] = (uint8_t)s->anycat;
				for (size_t j = 0; j < p; j++)
					if (isnan(q[a * p + j]))
						qgap[a] = 1;
			}
			for (size_t t0 = 0; t0 < s->n; t0 += TBLOCK) {
				size_t t1 = t0 + TBLOCK < s->n ? t0 + TBLOCK : s->n;
				for (size_t a = 0; a < nq; a++) {
					const double *qa = q + a * p;
					for (size_t t = t0; t < t1; t++) {
						double dd = qgap[a] || s->gap[t]
							? knn_dist(s, qa, s->x + t * p)
							: knn_dist_fast(s, qa, s->x + t * p);
						if (h[a].cnt < k || dd < h[a].d[0])
							heap_push(&h[a], k, dd, t);
					}
				}
			}
			for (size_t a = 0; a < nq; a++) {
				nbrs_sort(&h[a]);
				knn_answer(s, &h[a], out + (lo + a) * (size_t)width);
			}
		}
		free(q);
		free(hd);
		free(hi);
	}
	return 0;
}

static void knn_to_json(const struct model *m, json_t *obj)
{
	const struct knn *s = m->state;
	json_object_set_new(obj, "n", json_integer((json_int_t)s->n));
	json_object_set_new(obj, "x", model_json_nums(s->x, s->n * (size_t)s->p));
	if (s->nclass)
		json_object_set_new(obj, "cls", model_json_ints(s->cls, s->n));
	else
		json_object_set_new(obj, "y", model_json_nums(s->y, s->n));
}

static int knn_from_json(struct model *m, const json_t *obj, const char *path,
			 struct wb_err *err)
{
	struct knn *s = m->state;
	knn_clear(s);
	long n;
	if (model_json_get_int(obj, path, "n", &n, err) < 0)
		return -1;
	if (n < 1)
		return wb_error(err, "model JSON: %s.n: must be >= 1", path);
	s->n = (size_t)n;
	s->p = m->p;
	s->ncat = xcalloc((size_t)m->p + 1, sizeof(int));
	for (int j = 0; j < m->p; j++)
		s->ncat[j] = m->ncat ? m->ncat[j] : 0;
	s->x = xmallocarray(s->n * (size_t)(s->p ? s->p : 1), sizeof(double));
	if (model_json_get_nums(obj, path, "x", s->x, s->n * (size_t)s->p, err) < 0)
		return -1;
	if (m->task == MODEL_CLASSIFY) {
		s->nclass = m->nclass;
		s->cls = xmallocarray(s->n, sizeof(int32_t));
		if (model_json_get_ints(obj, path, "cls", s->cls, s->n, err) < 0)
			return -1;
		for (size_t i = 0; i < s->n; i++)
			if (s->cls[i] < 0 || s->cls[i] >= s->nclass)
				return wb_error(err, "model JSON: %s.cls[%zu]: class out of range",
						path, i);
	} else {
		s->nclass = 0;
		s->y = xmallocarray(s->n, sizeof(double));
		if (model_json_get_nums(obj, path, "y", s->y, s->n, err) < 0)
			return -1;
	}
	knn_set_fallback(s);
	return 0;
}

static void knn_describe(const struct model *m, FILE *out)
{
	const struct knn *s = m->state;
	fprintf(out, "  k = %ld, weights %s, metric %s\n", s->k, weights_names[s->weights],
		metric_names[s->metric]);
	fprintf(out, "  %zu training rows of %d features stored\n", s->n, s->p);
}

static const struct model_type knn_type = {
	.name = "knn",
	.summary = "k nearest neighbours (brute force, euclidean or manhattan)",
	.params = knn_params,
	.tasks = MODEL_CLASSIFY | MODEL_REGRESS,
	.prep = MODEL_PREP_LINEAR,
	.init = knn_init,
	.fit = knn_fit,
	.predict = knn_predict,
	.to_json = knn_to_json,
	.from_json = knn_from_json,
	.describe = knn_describe,
	.importance = NULL,
	.free = knn_free,
};

void model_knn_register(void)
{
	model_register(&knn_type);
}
