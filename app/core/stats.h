/*
 * stats — summaries of frames: describe, value counts, group-by.  Results
 * are frames (so they can be shown, sorted and saved like any other) and are
 * sealed with a lineage hash.
 */
#ifndef WB_STATS_H
#define WB_STATS_H

#include <stddef.h>
#include "core/frame.h"

/* One row per column of f, with columns:
 *   column (str), kind (cat), count (int, non-missing), missing (int),
 *   mean, std (sample, n-1), min, q25, median, q75, max (num; NaN where not
 *   meaningful: quartiles by linear interpolation as numpy's default; min/max
 *   also for time as µs), distinct (int, non-missing distinct values),
 *   top (str, most frequent value, ties -> smallest in sort order),
 *   top_count (int).
 * Columns are summarised in parallel; one pass plus a sort for quantiles. */
struct frame *frame_describe(const struct frame *f);

/* Columns: value (same kind as the input column; missing counted as its own
 * row, last), count (int); sorted by count descending, then value ascending. */
struct frame *frame_value_counts(const struct frame *f, const char *col, struct wb_err *err);

enum agg_fn { AGG_COUNT, AGG_SUM, AGG_MEAN, AGG_MIN, AGG_MAX, AGG_MEDIAN };
/* "count", "sum", "mean", "min", "max", "median"; -1 if unknown. */
int agg_fn_parse(const char *name, enum agg_fn *out);
const char *agg_fn_name(enum agg_fn fn);

struct agg_spec {
	const char *col;    /* input column (ignored for AGG_COUNT; may be NULL) */
	enum agg_fn fn;
	const char *as;     /* output name; NULL -> "<col>_<fn>" or "count" */
};
/* One row per distinct key combination (missing is a key value of its own),
 * ordered by the keys ascending (missing last); key columns keep their kind;
 * count is int, sum/mean/median num, min/max keep numeric kinds.  Aggregating
 * a non-numeric column with sum/mean/median is an error naming it. */
struct frame *frame_groupby(const struct frame *f, const char *const *keys, int nkeys,
			    const struct agg_spec *aggs, int naggs, struct wb_err *err);

/* Dense group ids 0..*ngroups-1 (in order of first appearance) of the
 * distinct key tuples of cols[0..ncols), all of n rows; a missing value is a
 * key of its own (equal to other missing values; NaN for num).  Returns n ids
 * (caller frees); when first is not NULL, *first gets each group's first row
 * (caller frees).  Hashes the tuples, so it is linear in n. */
size_t *frame_group_ids(struct column *const *cols, int ncols, size_t n, size_t *ngroups,
			size_t **first);

/* Lays the n rows out group by group (a counting sort by gid, stable within
 * a group): fills rows[0..n) and returns start[0..ngroups], so group g is
 * rows[start[g] .. start[g+1]).  Caller frees the result. */
size_t *frame_group_rows(const size_t *gid, size_t n, size_t ngroups, size_t *rows);

#endif
