/*
 * test_plot_eval — the evaluation plot kinds (plot_eval.c): the numbers in
 * their tables against scikit-learn 1.2.1 / numpy 1.24, legends against
 * metrics.c, curve thinning, options and every error, then rendering each
 * kind through a real gnuplot (text and PNG, no warnings).
 *
 * Expected values were computed with /usr/bin/python3 (scikit-learn 1.2.1,
 * numpy 1.24.2) by the script at the end of this file and pasted with repr.
 * Data sets too large to paste are defined by a formula used on both sides.
 */
#include "tap.h"
#include "core/rng.h"
#include "ml/metrics.h"
#include "plot/gnuplot.h"
#include "plot/plot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NA(a) (sizeof(a) / sizeof(a[0]))

static const char *const cls2[] = { "good", "bad" };
static const char *const cls3[] = { "a", "b", "c" };

/* ------------------------------------------------------------ helpers */

/* Column c of every row of table t (numbers only; rows may hold labels
 * after the numbers).  Returns the row count. */
static size_t column(const struct plot *p, int t, int c, double *out, size_t max)
{
	const struct plot_table *tb = &p->tables[t];
	size_t n = 0;
	for (size_t r = 0; r < tb->nrow && n < max; r++) {
		const char *s = tb->text.buf + tb->offs[r];
		char *end;
		double v = NAN;
		for (int k = 0; k <= c; k++) {
			v = strtod(s, &end);
			s = end;
		}
		out[n++] = v;
	}
	return n;
}

static void is_column(const struct plot *p, int t, int c, const double *want, size_t n,
		      double tol, const char *what)
{
	double got[4096];
	size_t m = column(p, t, c, got, NA(got));
	is_int(m, n, "%s: %zu rows", what, n);
	int bad = -1;
	for (size_t i = 0; i < n && i < m; i++)
		if (!(fabs(got[i] - want[i]) <= tol)) {
			bad = (int)i;
			break;
		}
	if (!ok(bad < 0, "%s: values", what))
		printf("#   row %d: got %.17g, want %.17g\n", bad, got[bad], want[bad]);
}

static const char *body(const struct plot *p)
{
	return strbuf_str(&p->body);
}

static const char *table_text(const struct plot *p, int t)
{
	return strbuf_str(&p->tables[t].text);
}

static struct plot *make(const char *kind, const struct plot_input *in, const char *json,
			 struct wb_err *err)
{
	json_t *o = json ? json_loads(json, 0, NULL) : NULL;
	if (json && !o)
		abort();
	struct plot *p = plot_make(kind, in, o, err);
	json_decref(o);
	return p;
}

/* plot_make must fail with a message containing `want`. */
static void fails(const char *kind, const struct plot_input *in, const char *json,
		  const char *want)
{
	struct wb_err err = { "" };
	struct plot *p = make(kind, in, json, &err);
	ok(!p, "%s %s fails", kind, json ? json : "");
	like(err.msg, want, "%s: '%s'", kind, want);
	plot_free(p);
}

static double *binary_proba(const double *p1, size_t n)
{
	double *p = malloc(2 * n * sizeof(double));
	for (size_t i = 0; i < n; i++) {
		p[2 * i] = 1 - p1[i];
		p[2 * i + 1] = p1[i];
	}
	return p;
}

static struct plot_scored classifier(const char *name, size_t n, int k,
				     const char *const *classes, const int32_t *truth,
				     const double *proba)
{
	struct plot_scored s = { name, 1, n, k, classes, truth, proba, NULL, NULL };
	return s;
}

static struct plot_scored regressor(const char *name, size_t n, const double *y,
				    const double *yhat)
{
	struct plot_scored s = { name, 0, n, 0, NULL, NULL, NULL, y, yhat };
	return s;
}

/* The hand set of test_metrics (ties at 0.4, 0.65 and 0.5) plus one row
 * of a class the model never saw, which every kind skips. */
static const int32_t hand_y[] = { 0, 1, 1, 0, 1, 0, 1, 1, 0, 0, 1, 0, -1 };
static const double hand_p[] = { 0.0, 1.0, 0.4, 0.4, 0.65, 0.3, 0.4, 0.8, 0.65, 0.2, 0.5, 0.5,
				 0.9 };
#define HAND_N 13

/* AUC / AP of class c of a scored model as metrics.c computes them over
 * the rows with a known class. */
static double ref_stat(const struct plot_scored *sc, int c, int ap)
{
	double *s = malloc(sc->n * sizeof(double));
	uint8_t *t = malloc(sc->n);
	size_t n = 0;
	for (size_t i = 0; i < sc->n; i++) {
		if (sc->truth[i] < 0)
			continue;
		s[n] = sc->proba[i * (size_t)sc->nclass + (size_t)c];
		t[n++] = sc->truth[i] == c;
	}
	double v = ap ? metrics_average_precision(s, t, n) : metrics_roc_auc(s, t, n);
	free(s);
	free(t);
	return v;
}

/* The body has the legend "<pre> <v with 3 decimals>)", quoted. */
static void legend_has(const struct plot *p, const char *pre, double v, const char *what)
{
	char want[128];
	snprintf(want, sizeof(want), "\"%s %.3f)\"", pre, v);
	like(body(p), want, "%s: legend '%s'", what, want);
}

/* ------------------------------------------------------------ roc */

static void test_roc_exact(void)
{
	double *proba = binary_proba(hand_p, HAND_N);
	struct plot_scored sc = classifier("gbdt", HAND_N, 2, cls2, hand_y, proba);
	struct plot_input in = { .scored = &sc, .nscored = 1 };
	struct wb_err err;
	struct plot *p = make("roc", &in, NULL, &err);
	if (!ok(p, "roc builds"))
		printf("#   %s\n", err.msg);
	/* sklearn.metrics.roc_curve(y, p, drop_intermediate=False) */
	static const double fpr[] = { 0.0, 0.0, 0.0, 0.16666666666666666, 0.3333333333333333,
				      0.5, 0.6666666666666666, 0.8333333333333334, 1.0 };
	static const double tpr[] = { 0.0, 0.16666666666666666, 0.3333333333333333, 0.5,
				      0.6666666666666666, 1.0, 1.0, 1.0, 1.0 };
	is_int(p->ntables, 1, "roc: one table for one model");
	is_int(p->tables[0].sample, 0, "roc: curves are not sampled");
	is_column(p, 0, 0, fpr, NA(fpr), 1e-9, "roc fpr = roc_curve");
	is_column(p, 0, 1, tpr, NA(tpr), 1e-9, "roc tpr = roc_curve");
	double auc = ref_stat(&sc, 1, 0);
	is_dbl(auc, 0.8055555555555556, 1e-15, "metrics_roc_auc = roc_auc_score (sanity)");
	legend_has(p, "gbdt (AUC", auc, "roc");
	like(body(p), "title \"chance\"", "roc: chance line");
	like(body(p), "set xrange [0:1]", "roc: square ranges");
	is_str(p->title, "ROC curve", "roc: title");
	is_str(p->xlabel, "false positive rate", "roc: xlabel");
	is_str(p->ylabel, "true positive rate", "roc: ylabel");
	like(p->note, "gbdt: 1 row without a known class skipped", "roc: skipped row noted");
	ok(!strstr(body(p), "set title") && !strstr(body(p), "set terminal"),
	   "roc: the body leaves title and terminal to the renderer");
	plot_free(p);

	/* Deterministic: the same input gives the same bytes. */
	struct plot *a = make("roc", &in, NULL, &err), *b = make("roc", &in, NULL, &err);
	ok(!strcmp(body(a), body(b)) && !strcmp(table_text(a, 0), table_text(b, 0)),
	   "roc: same input, same plot");
	plot_free(a);
	plot_free(b);

	/* positive = "good": the curve of class 0 (scores 1 - p). */
	p = make("roc", &in, "{\"positive\": \"good\"}", &err);
	ok(p, "roc positive=good builds");
	legend_has(p, "gbdt (AUC", ref_stat(&sc, 0, 0), "roc positive=good");
	like(p->note, "positive class 'good'", "roc: positive class noted");
	plot_free(p);
	fails("roc", &in, "{\"positive\": \"ugly\"}",
	      "roc: positive class 'ugly' is not a class of model 'gbdt' (classes: good, bad)");
	fails("roc", &in, "{\"positive\": true}", "roc: option 'positive' must be a string");

	/* A number names a class by its label (Lua's positive = 0). */
	static const char *const c01[] = { "0", "1" };
	struct plot_scored s01 = classifier("m", HAND_N, 2, c01, hand_y, proba);
	struct plot_input in01 = { .scored = &s01, .nscored = 1 };
	p = make("roc", &in01, "{\"positive\": 0}", &err);
	ok(p, "roc positive=0 (a number) builds");
	if (p)
		legend_has(p, "m (AUC", ref_stat(&s01, 0, 0), "roc positive=0");
	plot_free(p);
	p = make("roc", &in01, "{\"positive\": 1.0}", &err);
	ok(p && strstr(p->note, "positive class '1'"), "roc positive=1.0 means class '1'");
	plot_free(p);
	free(proba);
}

/* Three classes by formula: truth i % 3, scores leaning to the truth. */
static void three_class(size_t n, int32_t *truth, double *proba, int classes_in_truth)
{
	for (size_t i = 0; i < n; i++) {
		truth[i] = (int32_t)(i % (size_t)classes_in_truth);
		double e[3], s = 0;
		for (int k = 0; k < 3; k++) {
			e[k] = 1 + (double)((i * (size_t)(7 + 5 * k)) % 13) / 4 +
			       (k == truth[i] ? 1.5 : 0);
			s += e[k];
		}
		for (int k = 0; k < 3; k++)
			proba[i * 3 + (size_t)k] = e[k] / s;
	}
}

static void test_roc_multiclass(void)
{
	enum { N = 300 };
	int32_t truth[N];
	double proba[3 * N];
	three_class(N, truth, proba, 3);
	struct plot_scored sc[2] = { classifier("forest", N, 3, cls3, truth, proba),
				     classifier("knn", N, 3, cls3, truth, proba) };
	struct plot_input in = { .scored = sc, .nscored = 2 };
	struct wb_err err;
	struct plot *p = make("roc", &in, NULL, &err);
	ok(p, "roc multiclass builds");
	is_int(p->ntables, 6, "roc: one-vs-rest curve per class per model");
	for (int c = 0; c < 3; c++) {
		char fmt[64];
		snprintf(fmt, sizeof(fmt), "forest: %s (AUC", cls3[c]);
		legend_has(p, fmt, ref_stat(&sc[0], c, 0), "roc ovr");
		snprintf(fmt, sizeof(fmt), "knn: %s (AUC", cls3[c]);
		legend_has(p, fmt, ref_stat(&sc[1], c, 0), "roc ovr");
	}
	like(p->note, "one-vs-rest", "roc: one-vs-rest noted");
	plot_free(p);

	in.nscored = 1;
	p = make("roc", &in, "{\"positive\": \"b\"}", &err);
	is_int(p->ntables, 1, "roc multiclass positive=b: one curve");
	legend_has(p, "forest (AUC", ref_stat(&sc[0], 1, 0), "roc positive=b");
	plot_free(p);

	/* A class absent from the truth has no curve (and no error). */
	three_class(N, truth, proba, 2);
	p = make("roc", &in, NULL, &err);
	ok(p, "roc with a class absent from the truth builds");
	is_int(p ? p->ntables : 0, 2, "roc: classes a and b only");
	ok(p && !strstr(body(p), "forest: c"), "roc: no curve for class c");
	plot_free(p);
	fails("roc", &in, "{\"positive\": \"c\"}",
	      "roc: model 'forest' has no rows of class 'c'; the curve needs both classes");
}

/* Trapezoid area under table t, and the area under its steps drawn
 * vertical first (gnuplot fsteps). */
static double trapezoid(const struct plot *p, int t, int steps)
{
	static double x[4096], y[4096];
	size_t n = column(p, t, 0, x, NA(x));
	column(p, t, 1, y, NA(y));
	double a = 0;
	for (size_t i = 1; i < n; i++)
		a += (x[i] - x[i - 1]) * (steps ? y[i] : (y[i] + y[i - 1]) / 2);
	return a;
}

static void test_thinning(void)
{
	enum { N = 100000 };
	int32_t *truth = malloc(N * sizeof(int32_t));
	double *p1 = malloc(N * sizeof(double)), *p1r = malloc(N * sizeof(double));
	struct rng r;
	rng_seed(&r, 7);
	for (size_t i = 0; i < N; i++) {
		truth[i] = rng_uniform(&r) < 0.3;
		double z = rng_normal(&r) + (truth[i] ? 1.2 : 0);
		p1[i] = 1 / (1 + exp(-z));
		p1r[i] = round(p1[i] * 5000) / 5000; /* many ties: 5000 levels */
	}
	for (int tie = 0; tie < 2; tie++) {
		double *proba = binary_proba(tie ? p1r : p1, N);
		struct plot_scored sc = classifier("m", N, 2, cls2, truth, proba);
		struct plot_input in = { .scored = &sc, .nscored = 1 };
		struct wb_err err;
		const char *what = tie ? "with ties" : "distinct";
		struct plot *p = make("roc", &in, NULL, &err);
		size_t rows = p->tables[0].nrow;
		ok(rows <= 2000 && rows > 500, "roc 100k %s: %zu points (<= 2000)", what, rows);
		ok(!strncmp(table_text(p, 0), "0 0\n", 4), "roc thinned: starts at (0, 0)");
		const char *last = table_text(p, 0) + p->tables[0].offs[rows - 1];
		is_str(last, "1 1\n", "roc thinned: ends at (1, 1)");
		double auc = ref_stat(&sc, 1, 0);
		double area = trapezoid(p, 0, 0);
		ok(fabs(area - auc) < 1e-4, "roc %s: thinned area %.6f within 1e-4 of AUC %.6f",
		   what, area, auc);
		legend_has(p, "m (AUC", auc, what);
		plot_free(p);

		p = make("pr", &in, NULL, &err);
		rows = p->tables[0].nrow;
		ok(rows <= 2000 && rows > 500, "pr 100k %s: %zu points (<= 2000)", what, rows);
		double ap = ref_stat(&sc, 1, 1);
		area = trapezoid(p, 0, 1);
		ok(fabs(area - ap) < 2e-3, "pr %s: area under thinned steps %.5f near AP %.5f",
		   what, area, ap);
		legend_has(p, "m (AP", ap, what);
		plot_free(p);
		free(proba);
	}

	/* Speed: one radix sort dominates (not an assertion). */
	enum { M = 1000000 };
	int32_t *tm = malloc(M * sizeof(int32_t));
	double *pm = malloc(2 * (size_t)M * sizeof(double));
	for (size_t i = 0; i < M; i++) {
		tm[i] = rng_uniform(&r) < 0.3;
		double q = 1 / (1 + exp(-(rng_normal(&r) + tm[i])));
		pm[2 * i] = 1 - q;
		pm[2 * i + 1] = q;
	}
	struct plot_scored sm = classifier("big", M, 2, cls2, tm, pm);
	struct plot_input inm = { .scored = &sm, .nscored = 1 };
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct wb_err err;
	struct plot *p = make("roc", &inm, NULL, &err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	char msg[128];
	snprintf(msg, sizeof(msg), "roc on 1M rows: %.3f s, %zu points",
		 (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
		 p ? p->tables[0].nrow : 0);
	diag(msg);
	if (p)
		legend_has(p, "big (AUC", ref_stat(&sm, 1, 0), "roc 1M");
	plot_free(p);
	free(tm);
	free(pm);
	free(truth);
	free(p1);
	free(p1r);
}

/* ------------------------------------------------------------ pr */

static void test_pr(void)
{
	double *proba = binary_proba(hand_p, HAND_N);
	struct plot_scored sc = classifier("gbdt", HAND_N, 2, cls2, hand_y, proba);
	struct plot_input in = { .scored = &sc, .nscored = 1 };
	struct wb_err err;
	struct plot *p = make("pr", &in, NULL, &err);
	ok(p, "pr builds");
	/* precision_recall_curve(y, p), arrays reversed (increasing recall) */
	static const double rec[] = { 0.0, 0.16666666666666666, 0.3333333333333333, 0.5,
				      0.6666666666666666, 1.0, 1.0, 1.0, 1.0 };
	static const double prec[] = { 1.0, 1.0, 1.0, 0.75, 0.6666666666666666,
				       0.6666666666666666, 0.6, 0.5454545454545454, 0.5 };
	is_column(p, 0, 0, rec, NA(rec), 1e-9, "pr recall = precision_recall_curve");
	is_column(p, 0, 1, prec, NA(prec), 1e-9, "pr precision = precision_recall_curve");
	double ap = ref_stat(&sc, 1, 1);
	is_dbl(ap, 0.7916666666666666, 1e-15, "metrics_average_precision = sklearn (sanity)");
	legend_has(p, "gbdt (AP", ap, "pr");
	is_dbl(trapezoid(p, 0, 1), ap, 1e-9, "pr: the area under the drawn steps is the AP");
	like(body(p), "with fsteps", "pr: step-wise");
	like(body(p), "0.5 with lines dt 2 lc rgb \"gray50\" title \"chance (positive rate 0.500)\"",
	     "pr: chance line at the positive rate");
	is_str(p->xlabel, "recall", "pr: xlabel");
	is_str(p->ylabel, "precision", "pr: ylabel");
	plot_free(p);

	/* Two models with different positive rates (6/12, 5/9): a chance line
	 * each. */
	double *proba2 = binary_proba(hand_p, HAND_N - 4);
	struct plot_scored two[2] = { sc, classifier("tree", HAND_N - 4, 2, cls2, hand_y, proba2) };
	struct plot_input in2 = { .scored = two, .nscored = 2 };
	p = make("pr", &in2, NULL, &err);
	ok(p && strstr(body(p), "lc 1 notitle") && strstr(body(p), "lc 2 notitle"),
	   "pr: one chance line per curve when the rates differ");
	plot_free(p);
	free(proba2);

	/* multiclass: AP per class in the legend */
	enum { N = 300 };
	int32_t truth[N];
	double p3[3 * N];
	three_class(N, truth, p3, 3);
	struct plot_scored s3 = classifier("forest", N, 3, cls3, truth, p3);
	struct plot_input in3 = { .scored = &s3, .nscored = 1 };
	p = make("pr", &in3, NULL, &err);
	for (int c = 0; c < 3; c++) {
		char fmt[64];
		snprintf(fmt, sizeof(fmt), "forest: %s (AP", cls3[c]);
		legend_has(p, fmt, ref_stat(&s3, c, 1), "pr ovr");
	}
	plot_free(p);
	fails("pr", &in, "{\"positive\": \"x\"}", "pr: positive class 'x' is not a class");
	free(proba);
}

/* ------------------------------------------------------------ calibration */

/* The calibration formula data: p_i = ((37 i) mod 101) / 100, y_i = 1 when
 * (37 i mod 101) + (11 i mod 50) > 75. */
static void cal_data(size_t n, int32_t *y, double *proba)
{
	for (size_t i = 0; i < n; i++) {
		double p = (double)((i * 37) % 101) / 100;
		y[i] = (int32_t)((i * 37) % 101 + (i * 11) % 50 > 75);
		proba[2 * i] = 1 - p;
		proba[2 * i + 1] = p;
	}
}

static void check_cal(size_t n, const char *json, const double *pred, const double *truth,
		      size_t rows, double brier)
{
	int32_t y[200];
	double proba[400];
	cal_data(n, y, proba);
	struct plot_scored sc = classifier("m", n, 2, cls2, y, proba);
	struct plot_input in = { .scored = &sc, .nscored = 1 };
	struct wb_err err;
	struct plot *p = make("calibration", &in, json, &err);
	char what[96];
	snprintf(what, sizeof(what), "calibration n=%zu %s", n, json);
	if (!ok(p, "%s builds", what)) {
		printf("#   %s\n", err.msg);
		return;
	}
	is_column(p, 0, 0, pred, rows, 1e-9, what);
	is_column(p, 0, 1, truth, rows, 1e-9, what);
	legend_has(p, "m (Brier", brier, what);
	plot_free(p);
}

static void test_calibration(void)
{
	/* calibration_curve(y, p, n_bins, strategy) -> (prob_true, prob_pred) */
	static const double u10p[] = { 0.05, 0.155, 0.2542105263157895, 0.355, 0.45499999999999996,
				       0.555, 0.6557894736842105, 0.7550000000000001,
				       0.8549999999999999, 0.9550000000000001 };
	static const double u10t[] = { 0.0, 0.0, 0.05263157894736842, 0.15, 0.4, 0.65,
				       0.7894736842105263, 0.95, 1.0, 1.0 };
	check_cal(200, "{}", u10p, u10t, 10, 0.10293749999999999);
	static const double u5p[] = { 0.1, 0.30589743589743595, 0.5050000000000001,
				      0.7066666666666667, 0.905 };
	static const double u5t[] = { 0.0, 0.10256410256410256, 0.525, 0.8717948717948718, 1.0 };
	check_cal(200, "{\"bins\": 5}", u5p, u5t, 5, 0.10293749999999999);
	static const double q10p[] = { 0.045000000000000005, 0.14500000000000002,
				       0.24904761904761907, 0.355, 0.45499999999999996, 0.555,
				       0.6557894736842105, 0.7550000000000001, 0.8549999999999999,
				       0.9550000000000001 };
	static const double q10t[] = { 0.0, 0.0, 0.047619047619047616, 0.15, 0.4, 0.65,
				       0.7894736842105263, 0.95, 1.0, 1.0 };
	check_cal(200, "{\"strategy\": \"quantile\"}", q10p, q10t, 10, 0.10293749999999999);
	/* 13 rows: the quantile edges fall exactly on values (3 bins: numpy's
	 * rounding of 1/3 decides the side; 4 bins: exact quarters). */
	static const double q3p[] = { 0.08250000000000002, 0.385, 0.752 };
	static const double q3t[] = { 0.0, 0.5, 1.0 };
	check_cal(13, "{\"strategy\": \"quantile\", \"bins\": 3}", q3p, q3t, 3,
		  0.11610000000000001);
	static const double q4p[] = { 0.08250000000000002, 0.35666666666666663, 0.57, 0.84 };
	static const double q4t[] = { 0.0, 0.3333333333333333, 1.0, 1.0 };
	check_cal(13, "{\"strategy\": \"quantile\", \"bins\": 4}", q4p, q4t, 4,
		  0.11610000000000001);
	static const double q7p[] = { 0.07, 0.212962962962963, 0.36000000000000004, 0.505,
				      0.6503448275862067, 0.795, 0.9349999999999999 };
	static const double q7t[] = { 0.0, 0.0, 0.16666666666666666, 0.5714285714285714,
				      0.7931034482758621, 0.9642857142857143, 1.0 };
	check_cal(200, "{\"strategy\": \"quantile\", \"bins\": 7}", q7p, q7t, 7,
		  0.10293749999999999);

	int32_t y[200];
	double proba[400];
	cal_data(200, y, proba);
	struct plot_scored sc = classifier("m", 200, 2, cls2, y, proba);
	struct plot_input in = { .scored = &sc, .nscored = 1 };
	struct wb_err err;
	struct plot *p = make("calibration", &in, NULL, &err);
	like(body(p), "title \"perfectly calibrated\"", "calibration: diagonal");
	like(body(p), "with linespoints", "calibration: lines and points");
	is_str(p->xlabel, "mean predicted probability", "calibration: xlabel");
	is_str(p->ylabel, "fraction of positives", "calibration: ylabel");
	like(p->note, "10 uniform bins", "calibration: bins noted");
	plot_free(p);
	fails("calibration", &in, "{\"bins\": 1}",
	      "calibration: option 'bins' must be an integer in 2..100");
	fails("calibration", &in, "{\"bins\": 101}", "option 'bins' must be an integer in 2..100");
	fails("calibration", &in, "{\"bins\": 2.5}", "option 'bins' must be an integer");
	fails("calibration", &in, "{\"strategy\": \"kmeans\"}",
	      "calibration: option 'strategy' must be 'uniform' or 'quantile', not 'kmeans'");
	fails("calibration", &in, "{\"positive\": \"nope\"}",
	      "calibration: positive class 'nope' is not a class of model 'm'");
}

/* ------------------------------------------------------------ confusion */

static void test_confusion(void)
{
	/* truth and argmax as in the script: confusion_matrix(t3, pred) */
	static const int32_t t[] = { 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, -1 };
	static const int pred[] = { 0, 1, 0, 1, 1, 2, 1, 2, 0, 2, 0 };
	enum { N = 11 };
	double proba[3 * N];
	for (int i = 0; i < N; i++)
		for (int k = 0; k < 3; k++)
			proba[3 * i + k] = k == pred[i] ? 0.5 : 0.25;
	struct plot_scored sc = classifier("tree", N, 3, cls3, t, proba);
	struct plot_input in = { .scored = &sc, .nscored = 1 };
	struct wb_err err;
	struct plot *p = make("confusion", &in, NULL, &err);
	ok(p, "confusion builds");
	/* Rows: predicted, true, value, label, label colour. */
	is_str(table_text(p, 0),
	       "0 0 2 \"2\" 16777215\n1 0 1 \"1\" 0\n2 0 0 \"0\" 0\n"
	       "0 1 0 \"0\" 0\n1 1 3 \"3\" 16777215\n2 1 1 \"1\" 0\n"
	       "0 2 1 \"1\" 0\n1 2 0 \"0\" 0\n2 2 2 \"2\" 16777215\n",
	       "confusion counts = confusion_matrix (truth -1 skipped)");
	is_str(p->title, "confusion matrix: tree (accuracy 0.700)", "confusion: accuracy in title");
	is_str(p->xlabel, "predicted", "confusion: xlabel");
	is_str(p->ylabel, "true", "confusion: ylabel");
	like(body(p), "set ytics (\"a\" 0, \"b\" 1, \"c\" 2) scale 0", "confusion: classes on y");
	like(body(p), "set yrange [2.5:-0.5]", "confusion: first class at the top");
	like(body(p), "with image", "confusion: heatmap");
	like(body(p), "if (wb_text) {\n    unset colorbox", "confusion: text has no colour box");
	plot_free(p);

	/* normalize = true / pred / all (confusion_matrix(normalize=...)) */
	p = make("confusion", &in, "{\"normalize\": \"true\"}", &err);
	static const double vt[] = { 0.6666666666666666, 0.3333333333333333, 0.0, 0.0, 0.75, 0.25,
				     0.3333333333333333, 0.0, 0.6666666666666666 };
	is_column(p, 0, 2, vt, 9, 1e-9, "confusion normalize=true");
	ok(strstr(table_text(p, 0), "1 0 0.3333333333 \"0.33\""), "confusion: labels %%.2f");
	plot_free(p);
	p = make("confusion", &in, "{\"normalize\": \"pred\"}", &err);
	static const double vp[] = { 0.6666666666666666, 0.25, 0.0, 0.0, 0.75, 0.3333333333333333,
				     0.3333333333333333, 0.0, 0.6666666666666666 };
	is_column(p, 0, 2, vp, 9, 1e-9, "confusion normalize=pred");
	plot_free(p);
	p = make("confusion", &in, "{\"normalize\": \"all\"}", &err);
	static const double va[] = { 0.2, 0.1, 0.0, 0.0, 0.3, 0.1, 0.1, 0.0, 0.2 };
	is_column(p, 0, 2, va, 9, 1e-9, "confusion normalize=all");
	plot_free(p);
	fails("confusion", &in, "{\"normalize\": \"rows\"}",
	      "confusion: option 'normalize' must be 'none', 'true', 'pred' or 'all', not 'rows'");

	/* A tie goes to the first class (as metrics and model_argmax). */
	static const int32_t t2[] = { 1, 1 };
	static const double ptie[] = { 0.4, 0.4, 0.2, 0.1, 0.45, 0.45 };
	struct plot_scored st = classifier("tie", 2, 3, cls3, t2, ptie);
	struct plot_input int2 = { .scored = &st, .nscored = 1 };
	p = make("confusion", &int2, NULL, &err);
	ok(strstr(table_text(p, 0), "0 1 1 \"1\"") && strstr(table_text(p, 0), "1 1 1 \"1\""),
	   "confusion: ties go to the first class");
	plot_free(p);

	struct plot_scored two[2] = { sc, sc };
	struct plot_input in2 = { .scored = two, .nscored = 2 };
	fails("confusion", &in2, NULL, "confusion: takes one model, got 2");
}

/* ------------------------------------------------------------ importance */

static void test_importance(void)
{
	static const char *const names[] = {
		"age", "income", "debt", "zeta", "alpha", "missing", "coef_neg",
		"a_feature_with_a_very_long_name", "abcdefghijklmnopqrst\xc3\xa9_and_more",
	};
	static const double v[] = { 0.2, 0.5, 0.2, 0.05, 0.05, NAN, -0.4, 0.1, 0.01 };
	struct plot_series s = { "gbdt", NA(v), NULL, v, names };
	struct plot_input in = { .series = &s, .nseries = 1 };
	struct wb_err err;
	struct plot *p = make("importance", &in, NULL, &err);
	if (!ok(p, "importance builds"))
		printf("#   %s\n", err.msg);
	/* value descending, ties by name; NaN skipped; names cut to 24. */
	is_str(table_text(p, 0),
	       "0 0.5 \"income\"\n1 0.2 \"age\"\n2 0.2 \"debt\"\n"
	       "3 0.1 \"a_feature_with_a_very...\"\n4 0.05 \"alpha\"\n5 0.05 \"zeta\"\n"
	       "6 0.01 \"abcdefghijklmnopqrst...\"\n7 -0.4 \"coef_neg\"\n",
	       "importance: order, NaN skipped, long names cut (not inside a UTF-8 character)");
	is_str(p->title, "feature importance: gbdt", "importance: title");
	is_str(p->xlabel, "importance", "importance: xlabel");
	like(body(p), "with boxxyerror", "importance: horizontal bars");
	like(body(p), "ytic(3)", "importance: names as y tics");
	like(body(p), "set yzeroaxis", "importance: zero axis with negative bars");
	like(body(p), "set yrange [wb_n - 0.5:-0.5]", "importance: largest at the top");
	like(p->note, "1 features without a value skipped", "importance: NaN noted");
	plot_free(p);

	/* top = 3: the three largest in size (|-0.4| beats 0.2 and 0.2). */
	p = make("importance", &in, "{\"top\": 3}", &err);
	is_str(table_text(p, 0), "0 0.5 \"income\"\n1 0.2 \"age\"\n2 -0.4 \"coef_neg\"\n",
	       "importance top=3: largest |value|, drawn by value");
	is_str(p->title, "feature importance: gbdt (top 3 of 8)", "importance: top in the title");
	plot_free(p);
	struct plot_series bare = { "importance", 2, NULL, v, names };
	struct plot_input inb = { .series = &bare, .nseries = 1 };
	p = make("importance", &inb, "{\"top\": 1}", &err);
	is_str(p->title, "feature importance (top 1 of 2)", "importance: a bare table has no name");
	plot_free(p);
	fails("importance", &in, "{\"top\": 0}", "importance: option 'top' must be an integer in 1..1000");
	fails("importance", &in, "{\"top\": 1001}", "option 'top' must be an integer in 1..1000");

	struct plot_series nolab = { "gbdt", NA(v), NULL, v, NULL };
	struct plot_input in2 = { .series = &nolab, .nseries = 1 };
	fails("importance", &in2, NULL, "importance: series 'gbdt' has no feature names");
	static const double nan1[] = { NAN };
	struct plot_series empty = { "gbdt", 1, NULL, nan1, names };
	in2.series = &empty;
	fails("importance", &in2, NULL, "importance: series 'gbdt' has no values");
	empty.n = 0;
	fails("importance", &in2, NULL, "importance: series 'gbdt' has no values");
	struct plot_series two[2] = { s, s };
	in2.series = two;
	in2.nseries = 2;
	fails("importance", &in2, NULL, "importance: takes one series, got 2");
	in2.nseries = 0;
	fails("importance", &in2, NULL, "importance: needs a series");
}

/* ------------------------------------------------------------ regression */

static void test_regression(void)
{
	static const double y[] = { 1.0, 2.5, NAN, 3.0, 4.5, 6.0, 7.0 };
	static const double yh[] = { 1.2, 2.0, 9.0, 3.3, 4.4, 5.1, NAN };
	struct plot_scored sc = regressor("ridge", NA(y), y, yh);
	struct plot_input in = { .scored = &sc, .nscored = 1 };
	struct wb_err err;
	struct plot *p = make("residuals", &in, NULL, &err);
	if (!ok(p, "residuals builds"))
		printf("#   %s\n", err.msg);
	is_int(p->tables[0].sample, 1, "residuals: points may be sampled");
	static const double rx[] = { 1.2, 2.0, 3.3, 4.4, 5.1 };
	static const double ry[] = { -0.2, 0.5, -0.3, 0.1, 0.9 };
	is_column(p, 0, 0, rx, 5, 1e-9, "residuals x = predicted (NaN rows skipped)");
	is_column(p, 0, 1, ry, 5, 1e-9, "residuals y = actual - predicted");
	/* mean_squared_error(squared=False) = 0.4898979485566357 */
	like(body(p), "title \"ridge (RMSE 0.4899)\"", "residuals: RMSE in the legend");
	like(body(p), "set xzeroaxis", "residuals: zero line");
	is_str(p->xlabel, "predicted", "residuals: xlabel");
	like(p->ylabel, "residual", "residuals: ylabel");
	like(p->note, "ridge: 2 rows with a missing value or prediction skipped",
	     "residuals: skipped noted");
	plot_free(p);

	p = make("predicted", &in, NULL, &err);
	ok(p, "predicted builds");
	is_int(p->tables[0].sample, 1, "predicted: points may be sampled");
	static const double px[] = { 1.0, 2.5, 3.0, 4.5, 6.0 };
	is_column(p, 0, 0, px, 5, 1e-9, "predicted x = actual");
	is_column(p, 0, 1, rx, 5, 1e-9, "predicted y = predicted");
	/* r2_score = 0.9183673469387754 */
	like(body(p), "title \"ridge (R2 0.918)\"", "predicted: R2 in the legend");
	like(body(p), "title \"predicted = actual\"", "predicted: diagonal");
	/* joint range 1..6, padded 3% */
	like(body(p), "set xrange [0.85:6.15]\nset yrange [0.85:6.15]", "predicted: equal ranges");
	is_str(p->xlabel, "actual", "predicted: xlabel");
	is_str(p->ylabel, "predicted", "predicted: ylabel");
	plot_free(p);

	/* Two models overlaid, each its own table and point type in text. */
	struct plot_scored two[2] = { sc, regressor("gbdt", NA(y), y, y) };
	struct plot_input in2 = { .scored = two, .nscored = 2 };
	p = make("predicted", &in2, NULL, &err);
	is_int(p->ntables, 2, "predicted: a table per model");
	like(body(p), "pt (wb_text ? 2 : 7)", "predicted: a letter per model in text");
	like(body(p), "\"gbdt (R2 1.000)\"", "predicted: perfect model R2 1");
	plot_free(p);

	/* Wrong task both ways. */
	double *proba = binary_proba(hand_p, HAND_N);
	struct plot_scored cl = classifier("gbdt", HAND_N, 2, cls2, hand_y, proba);
	struct plot_input inc = { .scored = &cl, .nscored = 1 };
	fails("residuals", &inc, NULL, "residuals: model 'gbdt' is a classification model");
	fails("predicted", &inc, NULL, "predicted: model 'gbdt' is a classification model");
	fails("roc", &in, NULL, "roc: model 'ridge' is a regression model");
	fails("pr", &in, NULL, "pr: model 'ridge' is a regression model");
	fails("calibration", &in, NULL, "calibration: model 'ridge' is a regression model");
	fails("confusion", &in, NULL, "confusion: model 'ridge' is a regression model");
	static const double nan2[] = { NAN, NAN };
	struct plot_scored allnan = regressor("void", 2, nan2, nan2);
	struct plot_input inn = { .scored = &allnan, .nscored = 1 };
	fails("residuals", &inn, NULL,
	      "residuals: model 'void' has no rows with both a known value and a prediction");
	free(proba);
}

/* ------------------------------------------------------------ learning */

static void test_learning(void)
{
	static const double tr[] = { 0.9, 0.6, 0.4, 0.3, 0.25, 0.2 };
	static const double va[] = { 0.95, 0.7, 0.5, 0.5, 0.55, NAN };
	struct plot_series s[2] = { { "train_logloss", NA(tr), NULL, tr, NULL },
				    { "valid_logloss", NA(va), NULL, va, NULL } };
	struct plot_input in = { .series = s, .nseries = 2 };
	struct wb_err err;
	struct plot *p = make("learning", &in, NULL, &err);
	if (!ok(p, "learning builds"))
		printf("#   %s\n", err.msg);
	is_int(p->ntables, 3, "learning: two curves and the best-round mark");
	is_str(table_text(p, 0), "1 0.9\n2 0.6\n3 0.4\n4 0.3\n5 0.25\n6 0.2\n",
	       "learning: x = 1..n when not given");
	is_str(table_text(p, 1), "1 0.95\n2 0.7\n3 0.5\n4 0.5\n5 0.55\n", "learning: NaN skipped");
	is_str(table_text(p, 2), "3 0.5 \"best round 3\"\n",
	       "learning: best = first minimum of the valid series");
	like(body(p), "title \"train_logloss\"", "learning: legend = series names");
	like(body(p), "$d2 using 1:2:3 with labels", "learning: best round labelled");
	is_str(p->xlabel, "round", "learning: xlabel");
	is_str(p->ylabel, "logloss", "learning: ylabel from the series names");
	like(p->note, "valid_logloss: best 0.5 at round 3", "learning: best in the note");
	plot_free(p);

	/* higher is better: explicit, and from the metric name (auc). */
	p = make("learning", &in, "{\"higher_is_better\": true, \"metric\": \"loss\"}", &err);
	is_str(table_text(p, 2), "1 0.95 \"best round 1\"\n", "learning: maximum when asked");
	is_str(p->ylabel, "loss", "learning: metric option is the y label");
	plot_free(p);
	static const double x[] = { 10, 20, 30, 40, 50 };
	static const double auc[] = { 0.7, 0.8, 0.85, 0.84, 0.85 };
	struct plot_series sa[2] = { { "train_auc", NA(auc), x, auc, NULL },
				     { "valid_auc", NA(auc), x, auc, NULL } };
	struct plot_input ina = { .series = sa, .nseries = 2 };
	p = make("learning", &ina, NULL, &err);
	is_str(table_text(p, 2), "30 0.85 \"best round 30\"\n",
	       "learning: auc is higher-is-better; x given; first best");
	is_str(p->ylabel, "auc", "learning: ylabel auc");
	plot_free(p);

	/* No valid series: no mark. */
	in.nseries = 1;
	p = make("learning", &in, NULL, &err);
	is_int(p->ntables, 1, "learning: no valid series, no mark");
	plot_free(p);

	fails("learning", &in, "{\"higher_is_better\": \"yes\"}",
	      "learning: option 'higher_is_better' must be true or false");
	in.nseries = 0;
	fails("learning", &in, NULL, "learning: needs at least one series");
	static const double nan1[] = { NAN };
	struct plot_series e[2] = { s[0], { "valid_logloss", 0, NULL, va, NULL } };
	struct plot_input ine = { .series = e, .nseries = 2 };
	fails("learning", &ine, NULL, "learning: series 'valid_logloss' is empty");
	e[1].n = 1;
	e[1].y = nan1;
	fails("learning", &ine, NULL, "learning: series 'valid_logloss' is empty");
}

/* ------------------------------------------------------------ cv */

static void test_cv(void)
{
	static const double f1[] = { 0.81, 0.79, 0.85, 0.80, 0.83 };
	static const double f2[] = { 0.7, 0.9, 0.8, NAN, 0.75 };
	static const double f3[] = { 0.5 };
	struct plot_series s[3] = { { "gbdt", NA(f1), NULL, f1, NULL },
				    { "logistic", NA(f2), NULL, f2, NULL },
				    { "one", NA(f3), NULL, f3, NULL } };
	struct plot_input in = { .series = s, .nseries = 3 };
	struct wb_err err;
	struct plot *p = make("cv", &in, "{\"metric\": \"auc\"}", &err);
	if (!ok(p, "cv builds"))
		printf("#   %s\n", err.msg);
	/* x, min, np.percentile 25/50/75, max, mean */
	static const double q1[] = { 0.8, 0.7375, 0.5 }, med[] = { 0.81, 0.775, 0.5 },
			    q3[] = { 0.83, 0.8250000000000001, 0.5 },
			    mean[] = { 0.8160000000000001, 0.7875000000000001, 0.5 },
			    mn[] = { 0.79, 0.7, 0.5 }, mx[] = { 0.85, 0.9, 0.5 };
	is_column(p, 0, 1, mn, 3, 1e-12, "cv min");
	is_column(p, 0, 2, q1, 3, 1e-9, "cv q1 = np.percentile 25");
	is_column(p, 0, 3, med, 3, 1e-9, "cv median");
	is_column(p, 0, 4, q3, 3, 1e-9, "cv q3 = np.percentile 75");
	is_column(p, 0, 5, mx, 3, 1e-12, "cv max");
	is_column(p, 0, 6, mean, 3, 1e-9, "cv mean");
	is_int(p->tables[1].nrow, 5 + 4 + 1, "cv: every fold score as a point (NaN skipped)");
	double fx[16];
	column(p, 1, 0, fx, 16);
	ok(fabs(fx[0] + 0.15) < 1e-12 && fabs(fx[2]) < 1e-12 && fabs(fx[4] - 0.15) < 1e-12 &&
	   fabs(fx[5] - 0.85) < 1e-12 && fabs(fx[8] - 1.15) < 1e-12 && fx[9] == 2,
	   "cv: folds spread evenly (deterministic) around their box");
	like(body(p), "set xtics (\"gbdt\" 0, \"logistic\" 1, \"one\" 2)", "cv: models on x");
	like(body(p), "with candlesticks", "cv: boxes");
	like(body(p), "title \"mean\"", "cv: mean marked");
	is_str(p->ylabel, "auc", "cv: metric as y label");
	plot_free(p);
	p = make("cv", &in, NULL, &err);
	is_str(p->ylabel, "score", "cv: default y label");
	plot_free(p);

	static const double nan1[] = { NAN };
	s[1].n = 1;
	s[1].y = nan1;
	fails("cv", &in, NULL, "cv: series 'logistic' has no fold scores");
	s[1].n = 0;
	fails("cv", &in, NULL, "cv: series 'logistic' has no fold scores");
	in.nseries = 0;
	fails("cv", &in, NULL, "cv: needs one series of fold scores per model");
	fails("cv", &in, "{\"metric\": 3}", "cv: option 'metric' must be a string");
}

/* ------------------------------------------------------------ other errors */

static void test_errors(void)
{
	struct plot_input none = { 0 };
	fails("roc", &none, NULL, "roc: needs at least one scored model");
	fails("pr", &none, NULL, "pr: needs at least one scored model");
	fails("confusion", &none, NULL, "confusion: needs at least one scored model");
	fails("residuals", &none, NULL, "residuals: needs at least one scored model");
	fails("roc", &none, "{\"bins\": 3}",
	      "roc: unknown option 'bins' (valid: positive, title, xlabel, ylabel)");
	fails("residuals", &none, "{\"top\": 3}", "residuals: unknown option 'top'");

	/* Rows of one class only; rows without a known class only. */
	static const int32_t ones[] = { 1, 1, 1 }, unknown[] = { -1, -2, -1 };
	static const double p1[] = { 0.2, 0.5, 0.9 };
	double *proba = binary_proba(p1, 3);
	struct plot_scored sc = classifier("gbdt", 3, 2, cls2, ones, proba);
	struct plot_input in = { .scored = &sc, .nscored = 1 };
	fails("roc", &in, NULL,
	      "roc: model 'gbdt' has only rows of class 'bad'; the curve needs both classes");
	fails("roc", &in, "{\"positive\": \"good\"}",
	      "roc: model 'gbdt' has no rows of class 'good'; the curve needs both classes");
	fails("pr", &in, NULL, "pr: model 'gbdt' has only rows of class 'bad'");
	struct plot *p = make("calibration", &in, NULL, NULL);
	ok(p, "calibration works with one class present");
	plot_free(p);
	sc.truth = unknown;
	fails("roc", &in, NULL, "roc: model 'gbdt' has no rows with a known class");
	fails("confusion", &in, NULL, "confusion: model 'gbdt' has no rows with a known class");
	fails("calibration", &in, NULL, "calibration: model 'gbdt' has no rows with a known class");
	sc.n = 0;
	fails("roc", &in, NULL, "roc: model 'gbdt' has no rows");
	/* Multiclass, every row the same class. */
	static const int32_t zeros[] = { 0, 0 };
	static const double p3[] = { 0.5, 0.3, 0.2, 0.1, 0.1, 0.8 };
	struct plot_scored s3 = classifier("knn", 2, 3, cls3, zeros, p3);
	in.scored = &s3;
	fails("roc", &in, NULL, "roc: model 'knn' has rows of one class only; the curve needs "
	      "both classes");
	/* A class index beyond the model's classes is refused, not read. */
	static const int32_t bad[] = { 0, 3 };
	s3.truth = bad;
	fails("roc", &in, NULL, "roc: model 'knn': row 2 has class 3, but the model has 3 classes");
	free(proba);
}

/* ------------------------------------------------------------ rendering */

struct render_case {
	const char *kind, *json;
	const struct plot_input *in;
	const char *want[6];
};

static void render_case(struct gnuplot *gp, const struct render_case *c, const char *png)
{
	struct wb_err err;
	struct plot *p = make(c->kind, c->in, c->json, &err);
	if (!ok(p, "render %s: builds", c->kind)) {
		printf("#   %s\n", err.msg);
		return;
	}
	struct plot_render_opts o = { PLOT_TEXT, 80, 24, 0, NULL };
	struct plot_output out;
	int rc = plot_render(gp, p, &o, &out, &err);
	if (!ok(rc == 0, "render %s: text", c->kind)) {
		printf("#   %s\n", err.msg);
		plot_free(p);
		return;
	}
	ok(!out.warnings, "render %s: no gnuplot warnings in text (%s)", c->kind,
	   out.warnings ? out.warnings : "none");
	like(out.data, p->title, "render %s: title", c->kind);
	like(out.data, p->xlabel, "render %s: xlabel", c->kind);
	for (int i = 0; c->want[i]; i++)
		like(out.data, c->want[i], "render %s: shows '%s'", c->kind, c->want[i]);
	struct plot_output again;
	if (plot_render(gp, p, &o, &again, &err) == 0) {
		ok(again.len == out.len && !memcmp(again.data, out.data, out.len),
		   "render %s: same bytes twice", c->kind);
		plot_output_release(&again);
	}
	plot_output_release(&out);
	/* A cramped pane and a big one still plot cleanly. */
	static const int sizes[][2] = { { 40, 12 }, { 200, 60 } };
	for (size_t i = 0; i < NA(sizes); i++) {
		struct plot_render_opts so = { PLOT_TEXT, sizes[i][0], sizes[i][1], 0, NULL };
		rc = plot_render(gp, p, &so, &out, &err);
		ok(rc == 0 && !out.warnings, "render %s: %dx%d text without errors or warnings",
		   c->kind, sizes[i][0], sizes[i][1]);
		if (rc == 0)
			plot_output_release(&out);
		else
			printf("#   %s\n", err.msg);
	}
	struct plot_render_opts po = { PLOT_PNG, 640, 480, 0, png };
	rc = plot_render(gp, p, &po, &out, &err);
	if (!ok(rc == 0, "render %s: png", c->kind))
		printf("#   %s\n", err.msg);
	else
		ok(!out.warnings, "render %s: no gnuplot warnings in png (%s)", c->kind,
		   out.warnings ? out.warnings : "none");
	plot_output_release(&out);
	plot_free(p);
}

static void test_render(void)
{
	struct gnuplot *gp = gnuplot_new(NULL);
	struct wb_err err;
	if (gnuplot_has_terminal(gp, "dumb", &err) != 1) {
		ok(1, "# SKIP gnuplot not available: %s", err.msg);
		gnuplot_free(gp);
		return;
	}
	char png[] = "/tmp/wb-test-plot-eval-XXXXXX";
	int fd = mkstemp(png);
	if (fd >= 0)
		close(fd);

	double *proba = binary_proba(hand_p, HAND_N);
	struct plot_scored two[2] = { classifier("gbdt", HAND_N, 2, cls2, hand_y, proba),
				      classifier("logistic", HAND_N - 3, 2, cls2, hand_y, proba) };
	struct plot_input cls = { .scored = two, .nscored = 2 };
	struct plot_input one = { .scored = two, .nscored = 1 };
	enum { N = 300 };
	static int32_t t3[N];
	static double p3[3 * N];
	three_class(N, t3, p3, 3);
	struct plot_scored s3 = classifier("forest", N, 3, cls3, t3, p3);
	struct plot_input multi = { .scored = &s3, .nscored = 1 };
	static const double y[] = { 1.0, 2.5, 3.0, 4.5, 6.0, 7.0 };
	static const double yh[] = { 1.2, 2.0, 3.3, 4.4, 5.1, 6.0 };
	struct plot_scored rg = regressor("ridge", NA(y), y, yh);
	struct plot_input reg = { .scored = &rg, .nscored = 1 };
	static const char *const names[] = { "income", "age", "debt", "records" };
	static const double iv[] = { 0.5, 0.3, 0.15, -0.05 };
	struct plot_series imp = { "gbdt", 4, NULL, iv, names };
	struct plot_input impin = { .series = &imp, .nseries = 1 };
	static const double tr[] = { 0.9, 0.6, 0.4, 0.3, 0.25, 0.2, 0.18, 0.17 };
	static const double va[] = { 0.95, 0.7, 0.5, 0.45, 0.44, 0.46, 0.5, 0.52 };
	struct plot_series lc[2] = { { "train_logloss", 8, NULL, tr, NULL },
				     { "valid_logloss", 8, NULL, va, NULL } };
	struct plot_input lcin = { .series = lc, .nseries = 2 };
	static const double f1[] = { 0.81, 0.79, 0.85, 0.80, 0.83 };
	static const double f2[] = { 0.7, 0.9, 0.8, 0.75, 0.72 };
	struct plot_series cv[2] = { { "gbdt", 5, NULL, f1, NULL },
				     { "logistic", 5, NULL, f2, NULL } };
	struct plot_input cvin = { .series = cv, .nseries = 2 };

	char gbdt_auc[64], log_auc[64];
	snprintf(gbdt_auc, sizeof(gbdt_auc), "gbdt (AUC %.3f)", ref_stat(&two[0], 1, 0));
	snprintf(log_auc, sizeof(log_auc), "logistic (AUC %.3f)", ref_stat(&two[1], 1, 0));
	char gbdt_ap[64];
	snprintf(gbdt_ap, sizeof(gbdt_ap), "gbdt (AP %.3f)", ref_stat(&two[0], 1, 1));
	const struct render_case cases[] = {
		{ "roc", NULL, &cls, { gbdt_auc, log_auc, "chance", NULL } },
		{ "roc", NULL, &multi, { "forest: a (AUC", "forest: c (AUC", NULL } },
		{ "pr", NULL, &cls, { gbdt_ap, "logistic (AP", NULL } },
		{ "calibration", "{\"bins\": 4}", &cls,
		  { "gbdt (Brier", "perfectly calibrated", NULL } },
		{ "confusion", NULL, &one, { "good", "bad", "confusion matrix: gbdt", NULL } },
		{ "confusion", "{\"normalize\": \"true\"}", &multi, { "0.", NULL } },
		{ "importance", NULL, &impin, { "income", "records", NULL } },
		{ "residuals", NULL, &reg, { "ridge (RMSE", NULL } },
		{ "predicted", NULL, &reg, { "ridge (R2 0.9", "predicted = actual", NULL } },
		{ "learning", NULL, &lcin, { "train_logloss", "valid_logloss", "best round 5", NULL } },
		{ "cv", NULL, &cvin, { "gbdt", "logistic", "mean", NULL } },
	};
	for (size_t i = 0; i < NA(cases); i++)
		render_case(gp, &cases[i], png);

	/* A short text pane shows fewer importance bars and says how many. */
	static const char *const many[] = { "f01", "f02", "f03", "f04", "f05", "f06", "f07",
					    "f08", "f09", "f10", "f11", "f12" };
	static const double mv[] = { 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1 };
	struct plot_series ms = { "gbdt", 12, NULL, mv, many };
	struct plot_input min = { .series = &ms, .nseries = 1 };
	struct plot *p = make("importance", &min, NULL, &err);
	struct plot_render_opts o = { PLOT_TEXT, 80, 14, 0, NULL };
	struct plot_output out;
	if (ok(plot_render(gp, p, &o, &out, &err) == 0, "importance in 80x14 renders")) {
		like(out.data, "6 of 12 shown", "importance 80x14: says how many bars fit");
		ok(strstr(out.data, "f06") && !strstr(out.data, "f07"),
		   "importance 80x14: the largest bars are the ones shown");
		plot_output_release(&out);
	}
	o.height = 40;
	if (ok(plot_render(gp, p, &o, &out, &err) == 0, "importance in 80x40 renders")) {
		ok(strstr(out.data, "f12") && !strstr(out.data, "shown"),
		   "importance 80x40: every bar fits");
		plot_output_release(&out);
	}
	plot_free(p);
	unlink(png);
	free(proba);
	gnuplot_free(gp);
}

int main(void)
{
	test_roc_exact();
	test_roc_multiclass();
	test_thinning();
	test_pr();
	test_calibration();
	test_confusion();
	test_importance();
	test_regression();
	test_learning();
	test_cv();
	test_errors();
	test_render();
	return tap_done();
}

/*
 * The reference script (/usr/bin/python3, scikit-learn 1.2.1, numpy 1.24.2):
 *
 *   import numpy as np
 *   from sklearn.metrics import (roc_curve, precision_recall_curve,
 *       roc_auc_score, average_precision_score, confusion_matrix, r2_score,
 *       mean_squared_error, brier_score_loss)
 *   from sklearn.calibration import calibration_curve
 *   y = np.array([0,1,1,0,1,0,1,1,0,0,1,0])
 *   p = np.array([0.0,1.0,0.4,0.4,0.65,0.3,0.4,0.8,0.65,0.2,0.5,0.5])
 *   print(roc_curve(y, p, drop_intermediate=False), roc_auc_score(y, p))
 *   pr, rc, _ = precision_recall_curve(y, p); print(rc[::-1], pr[::-1])
 *   print(average_precision_score(y, p))
 *   def cal(n, nb, strat):
 *       i = np.arange(n); pp = ((i*37) % 101) / 100
 *       yy = (((i*37) % 101) + (i*11) % 50 > 75).astype(int)
 *       print(calibration_curve(yy, pp, n_bins=nb, strategy=strat),
 *             brier_score_loss(yy, pp))
 *   cal(200, 10, 'uniform'); cal(200, 5, 'uniform'); cal(200, 10, 'quantile')
 *   cal(13, 3, 'quantile'); cal(13, 4, 'quantile'); cal(200, 7, 'quantile')
 *   for f in ([0.81, 0.79, 0.85, 0.80, 0.83], [0.7, 0.9, 0.8, 0.75], [0.5]):
 *       print(np.percentile(f, [25, 50, 75]), np.mean(f))
 *   yt = [1.0, 2.5, 3.0, 4.5, 6.0]; yh = [1.2, 2.0, 3.3, 4.4, 5.1]
 *   print(r2_score(yt, yh), mean_squared_error(yt, yh, squared=False))
 *   t3 = [0,0,0,1,1,1,1,2,2,2]; pred = [0,1,0,1,1,2,1,2,0,2]
 *   for nm in (None, 'true', 'pred', 'all'):
 *       print(confusion_matrix(t3, pred, normalize=nm))
 */
