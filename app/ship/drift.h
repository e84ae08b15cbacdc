/*
 * drift — reference statistics of a frame and how far another frame has
 * moved from them: the engine behind `wb drift REFERENCE CURRENT` and the
 * drift statistics a bundle carries (DESIGN.md §6).
 *
 * Two steps.  drift_reference() summarises a frame (the training data) as a
 * JSON object that can be stored in a bundle; drift_compare() reads such an
 * object back and scores a current frame against it.  Only the JSON crosses
 * the boundary, so comparing against a freshly computed reference and
 * against one dumped and loaded again give the same report.
 *
 * Column families.  num, int, bool and time are numeric (time as µs since
 * the epoch, bool as 0/1; int64 values beyond 2^53 lose precision as
 * doubles); cat and str are categorical (compared by level text, so a column
 * that loads as cat in one file and str in another still compares).  A
 * column's missing values never enter its distribution: the distributions
 * below are over non-missing rows, and the missing rate is reported beside.
 * For a num column, +-inf counts as missing too (it has no place in a bin
 * edge or a JSON number).
 *
 * Reference JSON ("wb.drift_ref", version 1; every float written exactly by
 * json_dumps with DRIFT_JSON_FLAGS, NaN/inf as null):
 *   { "format": "wb.drift_ref", "version": 1, "rows": N,
 *     "bins": 10, "max_levels": 50, "ks_points": 100,
 *     "columns": [ in frame order:
 *       numeric:     { "name", "kind", "missing": rate, "count": non-missing,
 *                      "edges": [e1 < e2 < ...], "fractions": [nedges + 1],
 *                      "cdf_x": [q0 < q1 < ...], "cdf": [F_ref(q_j)],
 *                      "mean", "std" (n - 1), "min", "max" },
 *       categorical: { "name", "kind", "missing", "count",
 *                      "levels": [text...], "fractions": [...],
 *                      "other": fraction outside the listed levels,
 *                      "distinct": distinct non-missing values } ] }
 *
 *   Numeric bins are right-closed, open at both ends: (-inf, e1], (e1, e2],
 *   ..., (e_k, +inf).  The edges are the reference's quantiles at j / bins,
 *   j = 1..bins-1, by the inverted CDF (numpy.quantile(x, p,
 *   method="inverted_cdf"): always an observed value, so an integer column
 *   gets integer edges), with duplicates and edges >= the maximum removed;
 *   no reference bin is then empty.  A constant column c gets edges
 *   [nextafter(c, -inf), c], i.e. bins "< c", "= c", "> c", so that any
 *   change of a constant shows.  With no non-missing value there are no bins.
 *   cdf_x are the quantiles at j / ks_points, j = 0..ks_points (min and max
 *   included), deduplicated; cdf holds the reference's exact fraction <= each.
 *   Categorical levels are the max_levels most frequent (count descending,
 *   then text bytewise ascending); the rest is pooled in "other".
 *
 * Report JSON ("wb.drift_report", version 1):
 *   { "format", "version", "rows_reference", "rows_current",
 *     "thresholds": { "psi_warn", "psi_drift", "missing_warn", ... },
 *     "columns": [ in reference order:
 *       { "name", "kind" (reference), "kind_current" (only when different),
 *         "psi", "ks" (numeric only), "missing_ref", "missing_cur",
 *         "unseen" (categorical only), "status", "reasons": [text...] } ],
 *     "drifted": columns with status "drift", "status": the worst }
 *   A value that cannot be computed (no non-missing rows on either side) is
 *   null.
 *
 * Formulas:
 *   PSI = sum_i (c_i - r_i) * ln(c_i / r_i) over the reference bins (and for
 *   categorical columns the listed levels plus one "other" bin that also
 *   takes unseen values), r_i / c_i the reference / current fraction of
 *   non-missing rows, each replaced by max(x, DRIFT_PSI_EPS) (1e-4) so that an
 *   empty bin costs a finite amount ((0.1 - 1e-4) * ln(1000) ~ 0.69 for a
 *   decile that emptied).  Identical fractions give exactly 0.
 *   KS = max_j |F_ref(q_j) - F_cur(q_j)| over the stored cdf_x grid: the
 *   two-sample Kolmogorov-Smirnov statistic restricted to the reference's
 *   percentiles, exact on them (both CDFs are exact there), so it is a lower
 *   bound of the exact statistic, short of it by at most about the reference
 *   mass between two grid points (1 / ks_points).  It is informational: it
 *   does not set the status (on large samples it flags trivia).
 *   unseen = share of current non-missing rows whose text is not among the
 *   reference's levels; null when the reference pooled levels into "other"
 *   (then unseen and pooled values cannot be told apart).
 *
 * Status of a column: "drift" when psi >= psi_drift, |missing_cur -
 * missing_ref| >= missing_drift, unseen >= unseen_drift, or the kind changed
 * family (numeric <-> categorical, or time <-> anything else); else "warn"
 * when psi >= psi_warn, the missing change >= missing_warn or unseen >=
 * unseen_warn; else "ok".  Each criterion met adds a line to "reasons".
 * Defaults: PSI 0.1 / 0.25 (the usual convention), missing-rate change
 * 0.05 / 0.2, unseen share 0.01 / 0.05.
 *
 * A reference column absent from the current frame is an error naming every
 * such column; current columns absent from the reference are ignored.
 *
 * Columns are summarised in parallel (OpenMP over columns; each column is
 * one serial pass in a fixed order), so results are bit-identical on any
 * thread count.  Cost: a radix sort of each numeric column's values for the
 * reference; one pass with one branch-free binary search per value (over the
 * union of the edges and the CDF grid) for a comparison.
 */
#ifndef WB_DRIFT_H
#define WB_DRIFT_H

#include <jansson.h>
#include "core/err.h"
#include "core/frame.h"

#define DRIFT_FORMAT "wb.drift_ref"
#define DRIFT_VERSION 1
#define DRIFT_REPORT_FORMAT "wb.drift_report"
#define DRIFT_REPORT_VERSION 1
#define DRIFT_PSI_EPS 1e-4
/* json_dumps flags that give the same bytes for the same data. */
#define DRIFT_JSON_FLAGS (JSON_SORT_KEYS | JSON_REAL_PRECISION(17))

struct drift_opts {
	int bins;             /* numeric quantile bins, 2..1000 (default 10) */
	int max_levels;       /* categorical levels listed, 1..100000 (default 50) */
	int ks_points;        /* CDF grid for KS, 2..10000 (default 100) */
	double psi_warn, psi_drift;           /* 0.1, 0.25 */
	double missing_warn, missing_drift;   /* absolute change: 0.05, 0.2 */
	double unseen_warn, unseen_drift;     /* share of rows: 0.01, 0.05 */
};

/* Fills o with the defaults above. */
void drift_opts_init(struct drift_opts *o);

/* The reference statistics of f (o NULL: defaults; bins, max_levels and
 * ks_points are used).  Returns a new reference (caller owns it) or NULL with
 * err set (bad options, text that is not UTF-8). */
json_t *drift_reference(const struct frame *f, const struct drift_opts *o, struct wb_err *err);

/* Scores cur against ref (a drift_reference result, possibly dumped and
 * loaded: it is validated, so it may come from an untrusted file).  Only the
 * thresholds of o are used (NULL: defaults).  On success *report gets a new
 * report (caller owns it) and 0 is returned; on failure -1 with err set and
 * *report NULL: a malformed reference, or reference columns missing from
 * cur ("columns 'a', 'b' of the reference are missing from the current
 * data"). */
int drift_compare(const json_t *ref, const struct frame *cur, const struct drift_opts *o,
		  json_t **report, struct wb_err *err);

#endif
