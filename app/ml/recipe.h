/*
 * recipe — fitted preprocessing computed identically at training and at
 * inference (DESIGN.md §3).
 *
 * A recipe is an ordered list of steps plus an optional target column.
 * recipe_fit() learns each step's state on a training frame and returns a
 * fitted recipe; recipe_apply() is pure C and learns nothing.  A fitted
 * recipe serializes to JSON (recipe_to_json) and is loaded back by C alone
 * (recipe_from_json), so `wb predict`, `wb serve` and exported code run the
 * very function training ran.
 *
 * Selectors are resolved at fit time against the training working set (the
 * columns as transformed by the steps before); apply uses the stored names.
 * Kind selectors: numeric = num or int; categorical = cat or str; time.
 * all_predictors = every column but the target.  Kind selectors and
 * all_predictors never select the target; naming it explicitly does.
 *
 * The target and `skip` (tidymodels' semantics):
 *   - a step with skip = true runs at fit (on the training data) and never at
 *     apply;
 *   - a step whose resolved columns include the target runs at apply only
 *     when the target column is present (at scoring time it usually is not);
 *   - target_encode reads the target at fit only, so it runs at apply.
 *
 * Apply:
 *   - the input's columns are taken in the order the training frame had
 *     them; columns the training frame did not have are ignored, or are an
 *     error when the recipe is strict;
 *   - a step's missing column is "step 3 (one_hot): column 'region' is
 *     missing"; a column of another kind "step 2 (standardize): column 'age'
 *     is str, expected num or int" (cat and str are interchangeable, so a
 *     scoring file whose dictionary came out as str still works);
 *   - output column order is stable: a transformed column keeps its place;
 *     columns derived from one column (one_hot, hash, date_parts, bin...)
 *     replace it in place; added columns (impute's <col>_missing, poly's
 *     <col>_pow2) follow it; interact's products are appended at the end.
 *   - the output is hashed as H("recipe_apply", sha256 of the fitted JSON,
 *     input hash);
 *   - consecutive elementwise numeric steps (impute without indicators,
 *     clip, standardize, minmax, log, yeo_johnson) are fused into one pass
 *     per column with bit-identical results (step.h, map).
 *
 * one_hot: `<col>_<level>` num 0/1 columns in bytewise level order replace
 * the column; levels under min_freq pool into `<col>_other` (last; a kept
 * level literally named "other" absorbs them instead); unseen levels go to
 * other when it exists, else all zeros (unseen = "zero" | "error", strict);
 * missing is all zeros.
 *
 * JSON: { "format": "wb.recipe", "version": 1, "target", "strict", "seed",
 * "inputs": [{name, kind}], "outputs": [names], "steps": [ { "step", "columns",
 * "selector", "skip", "options", <learned state>... } ] }.  Paths in errors
 * are JSONPath with 0-based array indices ("$.steps[2].means"); "step N" in
 * messages is 1-based.
 *
 * Ownership: a recipe owns its steps; a fitted recipe is a separate object
 * (recipe_fit never modifies the recipe it is given).
 */
#ifndef WB_RECIPE_H
#define WB_RECIPE_H

#include <stdint.h>
#include <jansson.h>
#include "core/err.h"
#include "core/frame.h"
#include "ml/step.h"

#define RECIPE_FORMAT "wb.recipe"
#define RECIPE_VERSION 1

/* ---------------------------------------------------------------- selectors */

enum sel_op {
	SEL_NAMES,        /* explicit names, in the order given */
	SEL_NUMERIC,      /* num, int */
	SEL_CATEGORICAL,  /* cat, str */
	SEL_TIME,
	SEL_PREDICTORS,   /* all but the target */
	SEL_MATCH,        /* Lua pattern, resolved through the match callback */
	SEL_UNION,        /* a then b (duplicates dropped) */
	SEL_DIFF,         /* a without b */
};

struct selector {
	enum sel_op op;
	char **names;        /* SEL_NAMES */
	int nnames;
	char *pattern;       /* SEL_MATCH */
	struct selector *a, *b;
};

/* Constructors; the combinators take ownership of a and b. */
struct selector *selector_names(const char *const *names, int n);
struct selector *selector_kind(enum sel_op op);
struct selector *selector_match(const char *pattern);
struct selector *selector_combine(enum sel_op op, struct selector *a, struct selector *b);
struct selector *selector_clone(const struct selector *s);
void selector_free(struct selector *s);
/* "numeric() - 'id'": a readable form (new heap string). */
char *selector_text(const struct selector *s);

/* Decides whether name matches a Lua pattern: 1 yes, 0 no, -1 error. */
typedef int (*recipe_match_fn)(void *ud, const char *pattern, const char *name,
			       struct wb_err *err);

/* Resolves s against the names/kinds of w (in w order, except explicit names
 * keep their given order).  Explicit names that are absent are errors.
 * Returns the number of names (*out a new array of new strings) or -1. */
int selector_resolve(const struct selector *s, const struct wset *w, const char *target,
		     recipe_match_fn match, void *match_ud, char ***out,
		     struct wb_err *err);

/* ---------------------------------------------------------------- registry */

/* Makes a step type available by name (built-ins and plugins alike).  The
 * type must outlive the process; re-registering a name replaces it. */
int recipe_register_step(const struct step_type *type);
const struct step_type *recipe_find_step(const char *name);
/* The registered names, NULL-terminated (static storage). */
const char *const *recipe_step_names(void);

/* ---------------------------------------------------------------- steps */

/* A new unattached step: checks the option names (an unknown one is an
 * error listing the valid ones) and values.  Takes ownership of sel (also
 * on failure); opts is copied and may be NULL. */
struct step *step_new(const char *name, struct selector *sel, const json_t *opts,
		      struct wb_err *err);
/* Gives a custom step its callbacks; takes ownership of ud. */
void step_set_custom(struct step *s, const struct step_custom_ops *ops, void *ud);
/* A deep copy (unfitted state only: type, options, selector, callbacks). */
struct step *step_clone(const struct step *s, struct wb_err *err);
void step_free(struct step *s);

/* ---------------------------------------------------------------- recipes */

struct recipe {
	char *target;          /* NULL: none declared */
	int strict;
	uint64_t seed;
	int nsteps;
	struct step **steps;
	int fitted;
	/* fitted only: the training frame's columns and the output columns */
	int nin;
	char **in_names;
	enum col_kind *in_kinds;
	int nout;
	char **out_names;
	char json_hash[WB_HASH_HEX]; /* sha256 of recipe_to_json, once fitted */
};

/* An empty recipe; target may be NULL. */
struct recipe *recipe_new(const char *target, int strict, uint64_t seed);
/* Appends a step; takes ownership of s. */
void recipe_add(struct recipe *r, struct step *s);
void recipe_free(struct recipe *r);

struct recipe_fit_opts {
	recipe_match_fn match;   /* needed only by match() selectors */
	void *match_ud;
};

/* Fits every step in order on train.  Returns a new fitted recipe, and,
 * when train_out is not NULL, the training frame as the steps saw it
 * (identical to recipe_apply(fitted, train) except where a step transforms
 * training rows differently on purpose: target_encode's out-of-fold
 * values). */
struct recipe *recipe_fit(const struct recipe *r, const struct frame *train,
			  const struct recipe_fit_opts *o, struct frame **train_out,
			  struct wb_err *err);
/* Applies a fitted recipe; a new sealed frame or NULL. */
struct frame *recipe_apply(const struct recipe *r, const struct frame *in,
			   struct wb_err *err);

/* The fitted recipe as JSON text (new heap string; deterministic bytes). */
char *recipe_to_json(const struct recipe *r);
/* A fitted recipe from JSON text; errors carry the JSON path. */
struct recipe *recipe_from_json(const char *text, struct wb_err *err);
/* The recipe's definition (selectors as text, options) as compact JSON, for
 * recording parameters (new heap string). */
char *recipe_spec_json(const struct recipe *r);
/* What each step learned, as text (new heap string). */
char *recipe_describe(const struct recipe *r);
/* Whether any step runs user code (custom). */
int recipe_has_custom(const struct recipe *r);

#endif
