/*
 * frame_ops — operations that derive a frame from a frame: choosing columns,
 * rows and order.  All return a new sealed frame (refs = 1) sharing unchanged
 * columns with the input, hashed as H(op, params, input hash); they never
 * modify their input.  NULL means failure with err set.
 */
#ifndef WB_FRAME_OPS_H
#define WB_FRAME_OPS_H

#include <stddef.h>
#include <stdint.h>
#include "core/frame.h"

/* Columns by name, in the order given.  Unknown name -> error naming it. */
struct frame *frame_select(const struct frame *f, const char *const *names, int n,
			   struct wb_err *err);
/* All columns except the named ones (unknown names are errors). */
struct frame *frame_drop(const struct frame *f, const char *const *names, int n,
			 struct wb_err *err);
/* Columns names[k] converted to kinds[k] through their text, as if read
 * from CSV as that kind (time to num gives seconds since the epoch); other
 * columns are shared.  A cell that does not convert is an error naming the
 * column, row and text ("cast: column 'x' row 17: 'abc' is not a number"). */
struct frame *frame_cast(const struct frame *f, const char *const *names,
			 const enum col_kind *kinds, int n, struct wb_err *err);
/* Renames from[k] to to[k]; unknown names and resulting duplicates are errors. */
struct frame *frame_rename(const struct frame *f, const char *const *from,
			   const char *const *to, int n, struct wb_err *err);

/* Rows [start, start + count), clamped to the frame. */
struct frame *frame_slice(const struct frame *f, size_t start, size_t count);
struct frame *frame_head(const struct frame *f, size_t n);
struct frame *frame_tail(const struct frame *f, size_t n);
/* Rows idx[0..n) in that order (repeats allowed).  op/params describe why,
 * for the lineage hash. */
struct frame *frame_take(const struct frame *f, const size_t *idx, size_t n,
			 const char *op, const char *params);
/* Rows where mask[i] != 0 (mask has f->nrow entries); hashed by the mask. */
struct frame *frame_filter_mask(const struct frame *f, const uint8_t *mask);

/* Rows where a vectorised condition holds, e.g.
 *   "Age >= 30 and Home == 'rent'"   "not is_missing(Income)"
 *   "Price / Amount > 1.2 or Job in ('fixed', 'partime')"
 * Grammar (documented in README): or / and / not; comparisons == != < <= > >=;
 * + - * / on numbers; `in (...)`; is_missing(col); column names as bare
 * identifiers or `back quoted`; numbers, 'strings', true, false.  A missing
 * value makes a comparison false.  Errors quote the expression and the
 * offending position: "filter: unknown column 'Agee' at 1:1".  The full
 * grammar, typing and missing-value rules are in core/expr.h.  The result is
 * sealed as frame_filter_mask of the condition's mask, so two conditions
 * that select the same rows give the same hash. */
struct frame *frame_filter_expr(const struct frame *f, const char *expr, struct wb_err *err);
/* Evaluates the condition into mask (f->nrow bytes) without building a frame. */
int frame_eval_mask(const struct frame *f, const char *expr, uint8_t *mask, struct wb_err *err);

struct sort_key {
	const char *name;
	int desc;
};
/* Stable multi-key sort; missing values last in both directions. */
struct frame *frame_sort(const struct frame *f, const struct sort_key *keys, int nkeys,
			 struct wb_err *err);

struct split_opts {
	double test;           /* fraction in (0, 1) for the test part */
	const char *stratify;  /* column name or NULL */
	uint64_t seed;
};
/* Random split; with stratify, each class is split in the same proportion
 * (per class round(n_c * test) rows go to test).  Rows keep their original
 * order within each part. */
int frame_split(const struct frame *f, const struct split_opts *o,
		struct frame **train, struct frame **test, struct wb_err *err);
/* n rows drawn at random (without replacement unless replace), in draw order. */
struct frame *frame_sample(const struct frame *f, size_t n, int replace, uint64_t seed,
			   struct wb_err *err);

/* ---- building blocks shared with stats and the Lua layer (frame_sort.c) ---- */

/* The permutation (f->nrow entries, caller frees) that frame_sort applies:
 * perm[k] is the input row that goes to position k.  NULL on error. */
size_t *frame_sort_index(const struct frame *f, const struct sort_key *keys, int nkeys,
			 struct wb_err *err);
/* The same over bare columns of nrow rows (desc[k] != 0 for descending). */
size_t *frame_sort_columns(struct column *const *cols, const int *desc, int nkeys, size_t nrow);
/* Sorts keys[0..n) ascending and stably (LSD radix), moving idx[] along with
 * the keys when idx is not NULL. */
void frame_radix_u64(uint64_t *keys, size_t *idx, size_t n);
/* The same with caller-provided scratch of n keys (and n indices when idx
 * is not NULL), for callers that sort many arrays: fresh 8 MB buffers cost
 * more in page faults than the sort itself. */
void frame_radix_u64_buf(uint64_t *keys, size_t *idx, size_t n, uint64_t *tmpk, size_t *tmpi);
/* An unsigned key that orders like the double v (-0 and 0 alike); v must not
 * be NaN.  frame_f64_unkey inverts it. */
uint64_t frame_f64_key(double v);
double frame_f64_unkey(uint64_t k);

/* The column name of f nearest to name (edit distance <= 2), or NULL. */
const char *frame_suggest(const struct frame *f, const char *name);
/* "<who>: unknown column '<name>'<where> (did you mean 'X'?)"; returns -1.
 * where may be NULL or text such as " at 1:5". */
int frame_err_unknown(struct wb_err *err, const struct frame *f, const char *who,
		      const char *name, const char *where);
/* s as a JSON string literal (quotes included) in a new heap string; used to
 * build the canonical params of lineage hashes. */
char *frame_json_str(const char *s);

#endif
