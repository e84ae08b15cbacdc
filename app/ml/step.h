/*
 * step — the vtable of a recipe step, and the working set steps transform.
 *
 * A step type (impute, one_hot, ...) is registered once with
 * recipe_register_step(); built-in steps use the same call plugins will, so
 * the plugin path is exercised by every recipe.
 *
 * Life of a step:
 *   new      the recipe layer checks the option names against type->options
 *            (plus the common "skip"), then type->init parses s->opts into
 *            s->state (bad values are errors here, before any data is seen);
 *   fit      the driver resolves the selector against the training working
 *            set into s->cols (checking kinds against type->kinds), then
 *            type->fit learns state; unless the type sets STEP_FIT_TRANSFORMS
 *            the driver then runs type->apply on the training set, so what
 *            training sees is by construction what apply computes;
 *   apply    the driver checks that s->cols exist with an accepted kind
 *            (unless STEP_OWN_CHECKS) and runs type->apply, which is pure;
 *   to_json  adds the learned state as members of the step's JSON object
 *            (next to "step", "columns", "options", "skip");
 *   from_json reads them back; `path` is the JSON path of the step object
 *            ("$.steps[2]") for error messages;
 *   describe writes what was learned, for tostring(fitted).
 *
 * Determinism: apply may run columns in parallel (OpenMP), but each output
 * column is computed by one thread in a fixed order, so results never depend
 * on the thread count.  Anything random derives its stream from the recipe
 * seed and the step's position (step_rng).
 *
 * Engine code: no Lua here.  The custom step reaches Lua through the
 * function pointers of struct step_custom_ops, supplied by the Lua layer.
 */
#ifndef WB_STEP_H
#define WB_STEP_H

#include <stdint.h>
#include <stdio.h>
#include <jansson.h>
#include "core/column.h"
#include "core/frame.h"
#include "core/rng.h"
#include "core/strdict.h"

struct selector;

/* ---------------------------------------------------------------- working set */

/* The ordered, named columns a recipe is transforming.  Owns its names and
 * one reference to each column. */
struct wset {
	size_t nrow;
	int n, cap;
	char **names;
	struct column **cols;
};

void wset_init(struct wset *w, size_t nrow);
void wset_release(struct wset *w);
/* Index of name, or -1. */
int wset_find(const struct wset *w, const char *name);
/* Replaces column idx (keeping its name); takes ownership of col. */
void wset_set(struct wset *w, int idx, struct column *col);
/* Inserts col named name at position at (0..n); takes ownership of col, also
 * on failure.  A duplicate name is an error prefixed with `who`. */
int wset_insert(struct wset *w, int at, const char *name, struct column *col,
		const char *who, struct wb_err *err);
void wset_remove(struct wset *w, int idx);
/* A new unsealed frame sharing the columns. */
struct frame *wset_to_frame(const struct wset *w);
/* Replaces the contents with the columns of f (shared). */
void wset_from_frame(struct wset *w, const struct frame *f);

/* ---------------------------------------------------------------- steps */

struct step_type;

/* Callbacks of a custom step (the Lua layer provides them).  fit returns the
 * learned state as a new JSON value (any JSON-able table); apply returns the
 * transformed frame.  ud is owned by the step (free releases it; clone makes
 * a copy for another recipe). */
struct step_custom_ops {
	int (*fit)(void *ud, struct frame *train, const char *const *cols, int ncols,
		   const char *target, json_t **state, struct wb_err *err);
	int (*apply)(void *ud, struct frame *in, const char *const *cols, int ncols,
		     const json_t *state, struct frame **out, struct wb_err *err);
	void *(*clone)(void *ud);
	void (*free)(void *ud);
};

struct step {
	const struct step_type *type;
	int index;              /* 1-based position in its recipe; 0 while unattached */
	json_t *opts;           /* the options as given (owned; always an object) */
	struct selector *sel;   /* owned; NULL in a recipe loaded from JSON */
	char *sel_text;         /* the selector as text, for describe and JSON */
	int skip;               /* never run at apply (only at fit, on training data) */
	int touches_target;     /* the resolved columns include the recipe's target */
	char **cols;            /* resolved input columns (set by fit or load) */
	int ncols;
	void *state;            /* type-specific: parsed options + learned state */
	const struct step_custom_ops *custom; /* custom steps only */
	void *custom_ud;
};

/* What fit may look at besides the working set. */
struct step_fit_ctx {
	const char *target;          /* NULL when the recipe declares none */
	const struct column *y;      /* the target in the training set, or NULL */
	uint64_t seed;               /* the recipe seed */
};

enum {
	STEP_FIT_TRANSFORMS = 1 << 0, /* fit transforms the training set itself */
	STEP_OWN_CHECKS     = 1 << 1, /* apply looks up its columns itself */
	STEP_CUSTOM         = 1 << 2, /* runs user code: marked "custom" in JSON */
	STEP_NEEDS_TARGET   = 1 << 3, /* fit fails without a target */
};

/* Bit masks of accepted column kinds. */
#define KIND_BIT(k) (1u << (k))
#define KINDS_NUMERIC (KIND_BIT(COL_NUM) | KIND_BIT(COL_INT))
#define KINDS_TEXT    (KIND_BIT(COL_CAT) | KIND_BIT(COL_STR))
#define KINDS_TIME    KIND_BIT(COL_TIME)
#define KINDS_ANY     0x3fu

struct step_type {
	const char *name;
	const char *const *options;  /* valid option names, NULL-terminated */
	unsigned kinds;              /* accepted input column kinds */
	unsigned flags;
	/* Parses s->opts into s->state (may be NULL: no options to keep). */
	int (*init)(struct step *s, struct wb_err *err);
	/* Learns state from the training set w (may be NULL: nothing to learn). */
	int (*fit)(struct step *s, struct wset *w, const struct step_fit_ctx *ctx,
		   struct wb_err *err);
	int (*apply)(const struct step *s, struct wset *w, struct wb_err *err);
	/* Adds learned state to the step's object (may be NULL). */
	void (*to_json)(const struct step *s, json_t *obj);
	int (*from_json)(struct step *s, const json_t *obj, const char *path,
			 struct wb_err *err);
	/* Optional, for elementwise numeric steps: y[i] = f(x[i]) for column k
	 * of s->cols (x may equal y).  When can_map(s) holds, recipe_apply fuses
	 * a run of such steps into one pass per column (no intermediate
	 * columns); each value goes through the same functions in the same
	 * order, so fused and step-by-step results are bit-identical. */
	void (*map)(const struct step *s, int k, const double *x, double *y, size_t n);
	int (*can_map)(const struct step *s);
	/* One or more lines (each starting with "    ") of learned state. */
	void (*describe)(const struct step *s, FILE *out);
	void (*free)(void *state);
};

/* ---------------------------------------------------------------- helpers
 * (steps_util.c) shared by the step implementations. */

/* "step 3 (one_hot)", or "wb.step.one_hot" for a step not yet in a recipe. */
const char *step_label(const struct step *s, char *buf, size_t size);
/* wb_error with "<label>: " in front. */
int step_error(const struct step *s, struct wb_err *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Option readers: absent options give the default; a wrong type is an error
 * naming the option.  step_opt_enum accepts one of the NULL-terminated names
 * and gives its index. */
int step_opt_num(const struct step *s, const char *name, double def, double *out,
		 struct wb_err *err);
int step_opt_int(const struct step *s, const char *name, long def, long lo, long hi,
		 long *out, struct wb_err *err);
int step_opt_bool(const struct step *s, const char *name, int def, int *out,
		  struct wb_err *err);
int step_opt_enum(const struct step *s, const char *name, const char *const *names,
		  int def, int *out, struct wb_err *err);

/* Column c of w for input name, checked against `kinds`, or NULL with the
 * recipe's messages ("column 'x' is missing", "column 'x' is str, expected
 * num or int"). */
struct column *step_col(const struct step *s, const struct wset *w, const char *name,
			unsigned kinds, struct wb_err *err);
/* "num or int" for a kind mask. */
void step_kinds_text(unsigned kinds, char *buf, size_t size);

/* A stream for this step: rng_derive(seed, "recipe:<index>:<name>"). */
void step_rng(const struct step *s, uint64_t seed, struct rng *r);

/* Numeric values of a NUM/INT/BOOL column as doubles, NaN for missing.
 * Returns c->num itself for NUM (do not free), else fills *tmp (free it). */
const double *step_nums(const struct column *c, double **tmp);
/* A new NUM column that takes ownership of v (n values). */
struct column *step_num_column(double *v, size_t n);
/* Sorted non-missing values (caller frees); *n gets the count. */
double *step_sorted(const struct column *c, size_t *n);
/* Quantile q of sorted values by linear interpolation (numpy's default). */
double step_quantile(const double *sorted, size_t n, double q);

/* Codes into vocab for every row of a CAT or STR column: the vocab index,
 * -1 for missing, -2 for a value not in vocab.  out has c->n entries. */
void step_codes(const struct column *c, const struct strdict *vocab, int32_t *out);
/* Distinct non-missing values of a CAT/STR column with counts, sorted
 * bytewise: fills vocab (initialised by the caller) and *counts (caller frees). */
void step_count_levels(const struct column *c, struct strdict *vocab, size_t **counts);

/* JSON helpers.  Doubles are written so they read back bit-identical
 * (JSON_REAL_PRECISION(17) when dumped); NaN becomes null and +-inf the
 * strings "inf" / "-inf". */
json_t *step_json_num(double v);
json_t *step_json_strs(char *const *v, int n);
/* Member key of obj, or an error "recipe JSON: <path>.<key>: missing". */
const json_t *step_json_get(const json_t *obj, const char *path, const char *key,
			    struct wb_err *err);
/* Reads a number (or null / "inf" / "-inf") at path. */
int step_json_to_num(const json_t *v, const char *path, double *out, struct wb_err *err);
/* Reads obj[key] as an object with one number per column of s (in s->cols
 * order) into out[ncols]. */
int step_json_col_nums(const struct step *s, const json_t *obj, const char *path,
		       const char *key, double *out, struct wb_err *err);
/* An object { col: num, ... } over s->cols. */
json_t *step_json_col_obj(const struct step *s, const double *v);
/* Reads a JSON array of strings (new heap array, *n entries). */
int step_json_to_strs(const json_t *v, const char *path, char ***out, int *n,
		      struct wb_err *err);
void step_free_strs(char **v, int n);

/* Built-in registration (called once by the recipe registry). */
void steps_numeric_register(void);
void steps_encode_register(void);
void steps_shape_register(void);

#endif
