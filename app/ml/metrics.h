/*
 * metrics — how good predictions are (DESIGN.md §8 names).
 *
 * Classification metrics take the true class of each row (0..k-1; -1 for a
 * class the model never saw, which always counts as wrong and gets
 * probability 0 in logloss/brier) and the predicted probabilities (n * k,
 * row-major).  The predicted label is the first class with the largest
 * probability.  Names:
 *   accuracy, balanced_accuracy (mean per-class recall over classes present
 *   in y), precision_macro, recall_macro, f1_macro, f1_micro, f1_weighted,
 *   auc (binary: of class 1; multiclass: macro one-vs-rest over classes
 *   present with both outcomes, as scikit-learn's roc_auc_score(ovr)),
 *   pr_auc (average precision, same averaging), logloss (probabilities
 *   clipped to [1e-15, 1 - 1e-15] as scikit-learn does), brier (mean over
 *   rows of sum_k (p_k - [y = k])^2; for binary the class-1 form, i.e. half
 *   that), and per class: precision, recall, f1, support, plus the confusion
 *   matrix (rows true, columns predicted).
 * Regression: rmse, mae, r2, mape (mean |e| / |y| over rows with y != 0),
 *   and n.
 * Rows whose truth is missing (class -2 / NaN) are skipped and counted.
 *
 * Everything is computed in a fixed order: the same inputs give the same
 * bits on any thread count.
 */
#ifndef WB_METRICS_H
#define WB_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include "core/err.h"

#define METRICS_MAX 32

struct metrics {
	int n;                        /* named scalar metrics */
	const char *names[METRICS_MAX];
	double values[METRICS_MAX];
	size_t rows;                  /* rows scored */
	size_t skipped;               /* rows with a missing truth */
	/* classification only (else k = 0, arrays NULL): */
	int k;
	double *precision, *recall, *f1; /* per class (k) */
	size_t *support;              /* per class (k) */
	size_t *confusion;            /* k * k, [true * k + pred] */
	size_t unseen;                /* rows whose class the model never saw */
};

/* Fills *out (release with metrics_release).  An empty input (no scored
 * rows) is an error. */
int metrics_classify(const int32_t *y, const double *p, size_t n, int k, struct metrics *out,
		     struct wb_err *err);
int metrics_regress(const double *y, const double *pred, size_t n, struct metrics *out,
		    struct wb_err *err);
void metrics_release(struct metrics *m);

/* The value of a named metric, or NAN when absent. */
double metrics_get(const struct metrics *m, const char *name);
/* Whether larger is better for a metric name (auc yes, rmse no); -1 if the
 * name is unknown. */
int metrics_higher_is_better(const char *name);

/* Building blocks (also used by plots): ROC AUC of scores s for binary
 * labels t (1 positive), ties averaged; NAN when one class is absent. */
double metrics_roc_auc(const double *s, const uint8_t *t, size_t n);
/* Average precision (scikit-learn's definition); NAN without positives. */
double metrics_average_precision(const double *s, const uint8_t *t, size_t n);

#endif
