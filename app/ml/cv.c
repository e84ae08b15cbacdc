/*
 * cv — resampling splits, cross-validated training and the corrected
 * resampled t-test (cv.h).
 */
#include "ml/cv.h"
#include "core/frame_ops.h"
#include "core/rng.h"
#include "core/strdict.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const kind_names[] = { "kfold", "stratified", "group", "time", NULL };

int cv_kind_parse(const char *name, enum cv_kind *out)
{
	for (int k = 0; kind_names[k]; k++)
		if (!strcmp(name, kind_names[k])) {
			*out = (enum cv_kind)k;
			return 0;
		}
	return -1;
}

const char *cv_kind_name(enum cv_kind kind)
{
	return kind_names[kind];
}

static void shuffle(size_t *v, size_t n, struct rng *r)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)rng_below(r, i);
		size_t t = v[i - 1];
		v[i - 1] = v[j];
		v[j] = t;
	}
}

/* Level index of every row of column c (any kind, by text); -1 missing. */
static int32_t *row_keys(const struct column *c, int32_t *nkeys)
{
	struct strdict d;
	strdict_init(&d);
	int32_t *key = xmallocarray(c->n ? c->n : 1, sizeof(int32_t));
	char buf[64];
	for (size_t i = 0; i < c->n; i++) {
		if (column_is_missing(c, i)) {
			key[i] = -1;
			continue;
		}
		size_t len;
		const char *t;
		if (c->kind == COL_CAT || c->kind == COL_STR) {
			t = column_get_text(c, i, &len);
		} else {
			len = column_format(c, i, buf, sizeof(buf));
			t = buf;
		}
		key[i] = strdict_intern(&d, t, len);
	}
	*nkeys = d.n;
	strdict_release(&d);
	return key;
}

/* Fills the splits of one repeat from fold[i] (the test fold of row i). */
static void splits_from_folds(const int32_t *fold, size_t n, int folds, int repeat,
			      struct cv_split *out)
{
	for (int f = 0; f < folds; f++) {
		struct cv_split *s = &out[f];
		s->repeat = repeat;
		s->fold = f;
		s->train = xmallocarray(n ? n : 1, sizeof(size_t));
		s->test = xmallocarray(n ? n : 1, sizeof(size_t));
		for (size_t i = 0; i < n; i++) {
			if (fold[i] == f)
				s->test[s->ntest++] = i;
			else
				s->train[s->ntrain++] = i;
		}
	}
}

/* A group to place: its row count and its position after shuffling. */
struct group_rank {
	size_t size, pos, id;
};

/* Largest first; among equals, the shuffled order (so the sort is total
 * and qsort's instability cannot show). */
static int cmp_group(const void *a, const void *b)
{
	const struct group_rank *x = a, *y = b;
	if (x->size != y->size)
		return x->size > y->size ? -1 : 1;
	return (x->pos > y->pos) - (x->pos < y->pos);
}

int cv_make_splits(const struct cv_plan *p, const struct frame *f, struct cv_split **out,
		   int *nout, struct wb_err *err)
{
	size_t n = f->nrow;
	int folds = p->folds, repeats = p->kind == CV_TIME ? 1 : p->repeats;
	*out = NULL;
	*nout = 0;
	if (folds < 2)
		return wb_error(err, "cv: folds must be at least 2, got %d", folds);
	if (repeats < 1)
		return wb_error(err, "cv: repeats must be at least 1, got %d", repeats);
	if (p->kind == CV_TIME ? n < (size_t)folds + 1 : n < (size_t)folds)
		return wb_error(err, "cv: %zu rows cannot make %d folds", n, folds);
	const struct column *by = NULL;
	int32_t *key = NULL, nkeys = 0;
	if (p->kind == CV_STRATIFIED || p->kind == CV_GROUP) {
		if (!p->by)
			return wb_error(err, "cv: %s folds need a column (%s)", kind_names[p->kind],
					p->kind == CV_GROUP ? "group = 'col'" : "the target");
		by = frame_col(f, p->by);
		if (!by)
			return frame_err_unknown(err, f, "cv", p->by, NULL);
		key = row_keys(by, &nkeys);
		for (size_t i = 0; i < n; i++)
			if (key[i] < 0) {
				free(key);
				return wb_error(err, "cv: column '%s' is missing in row %zu", p->by,
						i + 1);
			}
		if (p->kind == CV_GROUP && nkeys < folds) {
			free(key);
			return wb_error(err, "cv: %d groups in '%s' cannot make %d folds", nkeys,
					p->by, folds);
		}
	}

	int total = folds * repeats;
	struct cv_split *s = xcalloc((size_t)total, sizeof(*s));
	if (p->kind == CV_TIME) {
		size_t block = n / (size_t)(folds + 1), start0 = n - block * (size_t)folds;
		for (int k = 0; k < folds; k++) {
			size_t start = start0 + block * (size_t)k;
			s[k].fold = k;
			s[k].ntrain = start;
			s[k].ntest = block;
			s[k].train = xmallocarray(start, sizeof(size_t));
			s[k].test = xmallocarray(block ? block : 1, sizeof(size_t));
			for (size_t i = 0; i < start; i++)
				s[k].train[i] = i;
			for (size_t i = 0; i < block; i++)
				s[k].test[i] = start + i;
		}
		*out = s;
		*nout = total;
		return 0;
	}

	int32_t *fold = xmallocarray(n ? n : 1, sizeof(int32_t));
	size_t *perm = xmallocarray(n ? n : 1, sizeof(size_t));
	for (int r = 0; r < repeats; r++) {
		struct rng rng;
		char label[32];
		snprintf(label, sizeof(label), "cv:%d", r);
		rng_derive(&rng, p->seed, label);
		for (size_t i = 0; i < n; i++)
			perm[i] = i;
		shuffle(perm, n, &rng);
		if (p->kind == CV_KFOLD) {
			size_t base = n / (size_t)folds, extra = n % (size_t)folds, at = 0;
			for (int k = 0; k < folds; k++) {
				size_t len = base + ((size_t)k < extra);
				for (size_t i = 0; i < len; i++)
					fold[perm[at++]] = k;
			}
		} else if (p->kind == CV_STRATIFIED) {
			/* Deal each class round-robin, continuing where the last class
			 * stopped, so fold sizes stay within one row of each other. */
			int next = 0;
			for (int32_t c = 0; c < nkeys; c++)
				for (size_t i = 0; i < n; i++)
					if (key[perm[i]] == c) {
						fold[perm[i]] = next;
						next = (next + 1) % folds;
					}
		} else {
			size_t *size = xcalloc((size_t)nkeys, sizeof(size_t));
			for (size_t i = 0; i < n; i++)
				size[key[i]]++;
			size_t *order = xmallocarray((size_t)nkeys, sizeof(size_t));
			for (int32_t g = 0; g < nkeys; g++)
				order[g] = (size_t)g;
			shuffle(order, (size_t)nkeys, &rng);
			struct group_rank *rank = xmallocarray((size_t)nkeys, sizeof(*rank));
			for (int32_t a = 0; a < nkeys; a++)
				rank[a] = (struct group_rank){ size[order[a]], (size_t)a, order[a] };
			qsort(rank, (size_t)nkeys, sizeof(*rank), cmp_group);
			for (int32_t a = 0; a < nkeys; a++)
				order[a] = rank[a].id;
			free(rank);
			size_t *load = xcalloc((size_t)folds, sizeof(size_t));
			int32_t *gfold = xmallocarray((size_t)nkeys, sizeof(int32_t));
			for (int32_t a = 0; a < nkeys; a++) {
				int best = 0;
				for (int k = 1; k < folds; k++)
					if (load[k] < load[best])
						best = k;
				gfold[order[a]] = best;
				load[best] += size[order[a]];
			}
			for (size_t i = 0; i < n; i++)
				fold[i] = gfold[key[i]];
			free(size);
			free(order);
			free(load);
			free(gfold);
		}
		splits_from_folds(fold, n, folds, r, s + r * folds);
	}
	free(fold);
	free(perm);
	free(key);
	*out = s;
	*nout = total;
	return 0;
}

void cv_free_splits(struct cv_split *s, int n)
{
	if (!s)
		return;
	for (int k = 0; k < n; k++) {
		free(s[k].train);
		free(s[k].test);
	}
	free(s);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int cv_run(const struct cv_model *spec, const struct frame *f, const struct cv_split *splits,
	   int n, struct cv_result **out, struct wb_err *err)
{
	struct cv_result *res = xcalloc((size_t)n + 1, sizeof(*res));
	for (int k = 0; k < n; k++) {
		const struct cv_split *s = &splits[k];
		char params[64];
		snprintf(params, sizeof(params), "{\"repeat\":%d,\"fold\":%d}", s->repeat, s->fold);
		struct frame *train = frame_take(f, s->train, s->ntrain, "cv_train", params);
		struct frame *test = frame_take(f, s->test, s->ntest, "cv_test", params);
		struct model *m = model_new(spec->family, spec->params, err);
		double t0 = now();
		int rc = m ? model_train(m, train, &spec->train, err) : -1;
		res[k].seconds = now() - t0;
		if (rc == 0)
			rc = model_evaluate(m, test, &res[k].metrics, err);
		res[k].repeat = s->repeat;
		res[k].fold = s->fold;
		res[k].ntrain = s->ntrain;
		res[k].ntest = s->ntest;
		model_free(m);
		frame_unref(train);
		frame_unref(test);
		if (rc < 0) {
			wb_error_prefix(err, "cv: fold %d of repeat %d", s->fold + 1, s->repeat + 1);
			cv_free_results(res, k);
			return -1;
		}
	}
	*out = res;
	return 0;
}

void cv_free_results(struct cv_result *r, int n)
{
	if (!r)
		return;
	for (int k = 0; k < n; k++)
		metrics_release(&r[k].metrics);
	free(r);
}

/* ---------------------------------------------------------------- t-test */

/* Continued fraction of the regularised incomplete beta function (modified
 * Lentz), valid for x < (a + 1) / (a + b + 2). */
static double beta_cf(double a, double b, double x)
{
	const double tiny = 1e-300;
	double c = 1, d = 1 - (a + b) * x / (a + 1);
	if (fabs(d) < tiny)
		d = tiny;
	d = 1 / d;
	double h = d;
	for (int m = 1; m <= 300; m++) {
		double m2 = 2.0 * m;
		double aa = m * (b - m) * x / ((a - 1 + m2) * (a + m2));
		d = 1 + aa * d;
		c = 1 + aa / c;
		d = fabs(d) < tiny ? 1 / tiny : 1 / d;
		c = fabs(c) < tiny ? tiny : c;
		h *= d * c;
		aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + 1 + m2));
		d = 1 + aa * d;
		c = 1 + aa / c;
		d = fabs(d) < tiny ? 1 / tiny : 1 / d;
		c = fabs(c) < tiny ? tiny : c;
		double del = d * c;
		h *= del;
		if (fabs(del - 1) < 1e-15)
			break;
	}
	return h;
}

/* I_x(a, b). */
static double beta_inc(double a, double b, double x)
{
	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	double lbt = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x);
	if (x < (a + 1) / (a + b + 2))
		return exp(lbt) * beta_cf(a, b, x) / a;
	return 1 - exp(lbt) * beta_cf(b, a, 1 - x) / b;
}

double cv_student_p(double t, double df)
{
	if (isnan(t) || df <= 0)
		return NAN;
	if (isinf(t))
		return 0;
	return beta_inc(df / 2, 0.5, df / (df + t * t));
}

void cv_corrected_ttest(const double *a, const double *b, int n, double ratio, double *t,
			double *p)
{
	double mean = 0, var = 0;
	for (int k = 0; k < n; k++)
		mean += a[k] - b[k];
	mean /= n;
	for (int k = 0; k < n; k++) {
		double e = a[k] - b[k] - mean;
		var += e * e;
	}
	var = n > 1 ? var / (n - 1) : 0;
	double se = sqrt((1.0 / n + ratio) * var);
	if (se == 0 || n < 2) {
		*t = mean == 0 ? 0 : mean > 0 ? INFINITY : -INFINITY;
		*p = mean == 0 ? 1 : 0;
		return;
	}
	*t = mean / se;
	*p = cv_student_p(*t, n - 1);
}
