/*
 * cv — resampling: k-fold, stratified, grouped, repeated and time-series
 * splits, training and scoring a model on each, and comparing two models
 * over the same splits with the corrected resampled t-test.
 *
 * Splits depend only on the plan, the frame and the seed (rng stream
 * "cv:<repeat>"), so two models cross-validated with the same plan and seed
 * see exactly the same folds — which is what makes a paired comparison fair.
 *
 *   kfold       rows shuffled, cut into `folds` contiguous parts whose sizes
 *               differ by at most one (the first n % folds get one more);
 *   stratified  each class of `by` shuffled and dealt round-robin, so every
 *               fold keeps the class proportions (within one row per class);
 *   group       every distinct value of `by` lands in exactly one test fold:
 *               groups, shuffled, then largest first, each to the currently
 *               smallest fold (as scikit-learn's GroupKFold, plus shuffling);
 *   time        rows in frame order; the frame is cut into folds + 1 blocks,
 *               fold f tests on block f + 1 and trains on every row before
 *               it (scikit-learn's TimeSeriesSplit); no shuffling, no repeats.
 */
#ifndef WB_CV_H
#define WB_CV_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "core/err.h"
#include "core/frame.h"
#include "ml/metrics.h"
#include "ml/model.h"

enum cv_kind { CV_KFOLD, CV_STRATIFIED, CV_GROUP, CV_TIME };

struct cv_plan {
	enum cv_kind kind;
	int folds;          /* >= 2 */
	int repeats;        /* >= 1; time series: 1 */
	const char *by;     /* stratified: the class column; group: the group column */
	uint64_t seed;
};

struct cv_split {
	int repeat, fold;   /* 0-based */
	size_t *train, *test;
	size_t ntrain, ntest;
};

/* Parses "kfold", "stratified", "group", "time"; -1 if unknown. */
int cv_kind_parse(const char *name, enum cv_kind *out);
const char *cv_kind_name(enum cv_kind kind);

/* The splits of f under plan p: *out gets folds * repeats entries (free
 * with cv_free_splits).  Errors: fewer rows (or groups) than folds, a
 * missing `by` column, missing values in it. */
int cv_make_splits(const struct cv_plan *p, const struct frame *f, struct cv_split **out,
		   int *n, struct wb_err *err);
void cv_free_splits(struct cv_split *s, int n);

/* What to train on each split. */
struct cv_model {
	const char *family;
	const json_t *params;            /* may be NULL */
	struct model_train_opts train;   /* target, task, recipe, weight, seed, ... */
};

struct cv_result {
	int repeat, fold;
	size_t ntrain, ntest;
	double seconds;                  /* training time */
	struct metrics metrics;
};

/* Trains spec on each split's training rows and scores its test rows.
 * *out gets n results (free with cv_free_results).  An error names the
 * failing fold ("fold 3 of repeat 1: ..."). */
int cv_run(const struct cv_model *spec, const struct frame *f, const struct cv_split *splits,
	   int n, struct cv_result **out, struct wb_err *err);
void cv_free_results(struct cv_result *r, int n);

/* The corrected resampled t-test (Nadeau & Bengio 2003; Weka's
 * Experimenter) of paired per-split scores a and b (n >= 2 splits):
 * t = mean(d) / sqrt((1/n + ratio) * var(d)), d = a - b, ratio = test rows /
 * training rows, df = n - 1; *p is two-sided.  When every difference is
 * equal, t is 0 (no difference) or +-inf and p is 1 or 0. */
void cv_corrected_ttest(const double *a, const double *b, int n, double ratio, double *t,
			double *p);
/* Two-sided p-value of Student's t with df degrees of freedom. */
double cv_student_p(double t, double df);

#endif
