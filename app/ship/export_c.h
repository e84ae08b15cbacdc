/*
 * export_c — `wb export-c`: a fitted model (its recipe included) as one
 * dependency-free C99 file whose predictions are bit-identical to wb's
 * (DESIGN.md §6, issue 7).
 *
 * The generated file includes only <math.h>, <string.h>, <stdint.h> and
 * <stddef.h>, compiles with `cc -std=c99 -O2 -Wall -Werror -c` (link with
 * -lm) and starts with a comment documenting, for prefix "model":
 *
 *   #define MODEL_N_NUM 2    numeric inputs
 *   #define MODEL_N_CAT 1    categorical inputs
 *   #define MODEL_N_OUT 3    outputs (classes, or 1)
 *   extern const char *const model_num_names[MODEL_N_NUM + 1];  NULL-terminated
 *   extern const char *const model_cat_names[MODEL_N_CAT + 1];
 *   extern const char *const model_out_names[MODEL_N_OUT + 1];  class labels / target
 *   int model_predict(const double *num, const char *const *cat, double *out);
 *
 * num[] holds the raw numeric columns (num, int, bool as 0/1, time as
 * microseconds since 1970-01-01 UTC, exact as a double for years 1685-2255)
 * in the order of model_num_names, NaN = missing; cat[] the raw text
 * columns (cat, str) in the order of model_cat_names, NULL = missing; both
 * as the training frame had them before the recipe (the target is not an
 * input; the weight column only when a step reads it).  out[0..N_OUT) gets
 * the class probabilities in model_out_names order (classification) or
 * out[0] the value (regression).  The return value is the predicted class
 * index (the first largest probability, as model_predict), 0 for
 * regression, or -1 when a strict step (ordinal strict, one_hot
 * strict / unseen = "error") meets a level unseen at fit (out is then
 * undefined).
 *
 * Parity: the generated code performs the same floating-point operations
 * in the same order as the engine (recipe_apply, model_score and the
 * family's predict), with every constant written as a hex float, so it
 * reproduces model_score bit for bit when compiled without FP contraction
 * (ISO mode, e.g. -std=c99, or -ffp-contract=off) against the same libm
 * (exp for gbdt / logistic probabilities).  Scoring assumes the target is
 * absent (steps that touch the target and skip steps do not run), as at
 * `wb predict`.
 *
 * Supported: families gbdt (every loss), tree, forest, linear, logistic
 * (binary, multinomial, ovr); recipe steps ordinal, one_hot (pooling,
 * unseen modes), impute (any method: the learned fill is a constant; with
 * or without indicators; numeric or text), standardize, minmax, clip, log,
 * date_parts, target_encode, poly, interact, drop_nzv, drop_corr; no recipe
 * at all; cat features that reach the model natively.  Anything else is an
 * error "export-c: recipe step 'hash' is not supported yet" /
 * "export-c: model family 'knn' is not supported yet".
 */
#ifndef WB_EXPORT_C_H
#define WB_EXPORT_C_H

#include <stddef.h>
#include <jansson.h>
#include "core/column.h"
#include "core/err.h"
#include "core/strbuf.h"

struct model;

/* The C source for fitted model m (a new heap string), its symbols named
 * <prefix>_... (prefix: a C identifier, e.g. "model"); NULL with an error
 * naming what is not supported. */
char *export_c(const struct model *m, const char *prefix, struct wb_err *err);

/* ---------------------------------------------------------------- internal
 * shared by export_c.c, export_c_recipe.c and export_c_model.c. */

/* Appends v as a C constant that reads back bit-identical ("0x1.8p+1",
 * "INFINITY", "(-INFINITY)", "NAN"). */
void export_c_double(struct strbuf *sb, double v);
/* Appends s as a C string literal (anything but plain ASCII escaped, so it
 * is also safe inside a comment). */
void export_c_string(struct strbuf *sb, const char *s);
/* A JSON number (or null = NaN, "inf", "-inf") into *out; -1 if not one. */
int export_c_json_num(const json_t *v, double *out);

/* A column of the working set. */
struct wcol {
	char *name;
	enum col_kind kind;  /* the kind recipe_apply would see */
	int text;            /* held in s[slot] (else v[slot]) */
	int slot;
};

struct gen {
	const char *prefix;
	struct strbuf tabs;  /* static tables */
	struct strbuf body;  /* statements of <prefix>_predict */
	int ntab, nv, ns;    /* tables, number / text slots */
	int uses_find, uses_dates;
	struct wcol *w;
	int nw;
};

/* The working set: index of column name, or -1; a new column at position
 * at with a fresh slot (returns the slot); release. */
int export_c_wfind(const struct gen *g, const char *name);
int export_c_winsert(struct gen *g, int at, const char *name, int text, enum col_kind kind);
void export_c_gen_release(struct gen *g);
/* A static table of the strings of JSON array arr (*n gets their number);
 * returns the table's number (<prefix>_t<N>). */
int export_c_strtab(struct gen *g, const json_t *arr, size_t *n);
/* Emits recipe step st (the recipe JSON's steps[index - 1]) into g->body;
 * steps that do not run at scoring (skip, touches_target) emit nothing. */
int export_c_step(struct gen *g, const json_t *st, int index, struct wb_err *err);
/* Emits static double <prefix>_part(int64_t us, int part) (date_parts). */
void export_c_dates(struct strbuf *sb, const char *prefix);

/* Emits the family part: static tables and
 *   static int <prefix>_family(const double *x, double *out)
 * that fills out from the p features x and returns the class index / 0.
 * state is the model JSON's "state" object. */
int export_c_family(struct strbuf *sb, const struct model *m, const json_t *state,
		    const char *prefix, struct wb_err *err);

#endif
