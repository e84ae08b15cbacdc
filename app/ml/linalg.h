/*
 * linalg — small dense numeric helpers shared by the linear and logistic
 * families: a fixed row partition for deterministic parallel reductions,
 * per-feature statistics with the missing-value fill, and a Cholesky solver
 * that drops linearly dependent columns instead of failing.
 */
#ifndef WB_LINALG_H
#define WB_LINALG_H

#include <stddef.h>
#include <stdint.h>

#include "ml/model.h"

/* Rows are split into linalg_nchunks(n) contiguous chunks; chunk c covers
 * [linalg_chunk_lo(n, nc, c), linalg_chunk_lo(n, nc, c + 1)).  The split
 * depends on n only, never on the thread count, so a reduction that sums
 * per-chunk partials in chunk order is bit-identical on any number of
 * threads. */
int linalg_nchunks(size_t n);
static inline size_t linalg_chunk_lo(size_t n, int nc, int c)
{
	return (size_t)((unsigned __int128)n * (unsigned)c / (unsigned)nc);
}

/* The features as the two families see them (see model_linear.c for the
 * missing-value rule):
 *   fill[j]  weighted mean of the non-missing values of feature j (0 when
 *            all are missing): a missing value is read as fill[j];
 *   sd[j]    weighted (population) standard deviation, for importance;
 *   dead[j]  1 when the feature cannot carry information: every value
 *            missing, or constant while an intercept is fitted (its centred
 *            column is exactly zero).  Its coefficient is fixed at 0;
 *   x[j]     the column with missing values replaced by fill[j] (the
 *            driver's array when it has none, else an owned copy). */
struct linalg_cols {
	int p;
	size_t n;
	double *fill, *sd;
	uint8_t *dead;
	const double **x;
	double **own;
};

/* w: row weights or NULL (all 1).  center: an intercept is fitted. */
void linalg_cols_init(struct linalg_cols *c, const struct mldata *d, const double *w,
		      int center);
void linalg_cols_release(struct linalg_cols *c);

/* Dot product with four accumulators in a fixed order (reproducible). */
double linalg_dot(const double *a, const double *b, size_t n);

/* In-place Cholesky factorisation of the symmetric n x n matrix a (row-major,
 * lower triangle read and overwritten with L).  A pivot that falls to
 * <= tol * (its original diagonal) marks a column linearly dependent on the
 * earlier ones: it is flagged in dropped[k] (may be NULL), its row and column
 * of L are zeroed and its diagonal set to 1, so solving gives that unknown 0.
 * Returns the number of dropped columns. */
int linalg_cholesky(double *a, int n, double tol, uint8_t *dropped);
/* Solves L L' x = b in place (b becomes x); dropped unknowns come out 0. */
void linalg_cholesky_solve(const double *l, int n, const uint8_t *dropped, double *b);

/* Weighted centred cross products over the columns idx[0..q) of x:
 *   Q[a * q + b] = sum_i w_i (x_a[i] - c_a)(x_b[i] - c_b)      (full matrix)
 *   qv[a]        = sum_i w_i (x_a[i] - c_a)(y[i] - yc)
 *   *yy          = sum_i w_i (y[i] - yc)^2
 * c (q entries, indexed like idx) may be NULL for no centring, w NULL for
 * unit weights, y NULL to skip qv and yy.  Parallel over a fixed row
 * partition (reproducible). */
void linalg_gram(const double *const *x, const int *idx, int q, const double *c, size_t n,
		 const double *w, const double *y, double yc, double *Q, double *qv, double *yy);

#endif
