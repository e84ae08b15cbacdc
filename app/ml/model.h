/*
 * model — the model registry, the training driver and the serialized model
 * (DESIGN.md §3, §8).
 *
 * A model family (linear, logistic, tree, forest, gbdt, knn, naive_bayes,
 * kmeans) is a struct model_type registered with model_register(); built-in
 * families use the same call plugins will.  A family sees only dense numeric
 * features (struct mldata): the driver turns frames into features through the
 * model's fitted recipe, so training, `wb predict` and `wb serve` compute
 * features with the same code.
 *
 * Life of a model:
 *   model_new     checks parameter names against type->params (an unknown
 *                 name is an error listing the valid ones), then type->init
 *                 parses m->params into m->state and checks every value
 *                 ("gbdt: parameter 'learning_rate' must be > 0, got 0");
 *   model_train   fits the recipe (the one given, or the family's default)
 *                 on the training frame, builds features and the target,
 *                 then calls type->fit;
 *   model_predict applies the recipe and calls type->predict;
 *   model_to_json / model_from_json give a versioned JSON document that
 *                 holds the fitted recipe too; bytes are deterministic.
 *
 * Tasks.  The task is inferred from the target unless given: a cat, str or
 * bool target, or an int target with exactly two distinct values, is
 * classification; any other numeric target is regression.  A family that
 * only classifies (logistic, naive_bayes) classifies any target.  kmeans
 * clusters and takes no target.
 *
 * Classes are the distinct non-missing target values, ordered bytewise for
 * text and numerically for numbers; class k is named classes[k] and gets the
 * prediction column p_<classes[k]>.
 *
 * Features.  After the recipe, every column but the target (and the weight
 * column) is a feature: num, int, bool and time become doubles (NaN =
 * missing); a cat column becomes its level index as a double, with ncat[j] =
 * number of levels so families may split it natively; a str column is an
 * error that suggests an encoding step.  At prediction, cat levels are
 * matched by text against the training levels; an unseen level is missing.
 *
 * Determinism: families draw random numbers only from streams derived from
 * ctx->seed (model_rng), and parallel loops use a fixed partition of the work
 * with a fixed reduction order, so the fitted state and the predictions are
 * bit-identical on 1 or N threads.
 */
#ifndef WB_MODEL_H
#define WB_MODEL_H

#include <stdint.h>
#include <stdio.h>
#include <jansson.h>
#include "core/err.h"
#include "core/frame.h"
#include "core/hash.h"
#include "core/rng.h"

struct recipe;

#define MODEL_FORMAT "wb.model"
#define MODEL_VERSION 1

enum model_task {
	MODEL_CLASSIFY = 1,
	MODEL_REGRESS = 2,
	MODEL_CLUSTER = 4,
};

/* The default recipe a family gets when none is given. */
enum model_prep {
	MODEL_PREP_LINEAR,  /* impute (median / mode) + standardize + one_hot */
	MODEL_PREP_TREE,    /* ordinal codes for text columns; missing values kept */
	MODEL_PREP_NONE,    /* features as loaded (cat columns stay categorical) */
};

/* ---------------------------------------------------------------- features */

/* Dense, column-major features and the target, as a family sees them.  All
 * arrays belong to the driver and outlive the call that receives them. */
struct mldata {
	size_t n;                 /* rows */
	int p;                    /* features */
	const double *const *x;   /* x[j][i]: feature j of row i; NaN = missing */
	const char *const *names; /* p feature names */
	const int *ncat;          /* p entries: 0 numeric, else the number of levels
				   * of a categorical feature (codes 0..ncat-1) */
	/* Target (absent when predicting): */
	const double *y;          /* regression: n values, never NaN */
	const int32_t *cls;       /* classification: n classes in 0..nclass-1 */
	int nclass;               /* classes known to the model (>= 2) */
	const double *w;          /* row weights (> 0), or NULL for all 1 */
};

/* ---------------------------------------------------------------- families */

struct model;

/* What fit may use besides the data. */
struct model_fit_ctx {
	uint64_t seed;
	const struct mldata *valid; /* validation data (with target), or NULL */
	/* Reports an iteration metric (gbdt: "train_logloss" / "valid_logloss"
	 * per round, iter 1-based); may be NULL. */
	void (*on_metric)(void *ud, const char *name, double value, int iter);
	void *ud;
};

struct model_type {
	const char *name;
	const char *summary;           /* one line, for listings */
	const char *const *params;     /* valid parameter names, NULL-terminated */
	unsigned tasks;                /* MODEL_CLASSIFY | MODEL_REGRESS | MODEL_CLUSTER */
	enum model_prep prep;
	/* Parses m->params (an object, possibly empty) into m->state and checks
	 * every value.  m->task is not known yet. */
	int (*init)(struct model *m, struct wb_err *err);
	/* Learns from d; m->task, m->nclass, m->p are set.  For classification
	 * d->cls and d->nclass are set; for regression d->y. */
	int (*fit)(struct model *m, const struct mldata *d, const struct model_fit_ctx *ctx,
		   struct wb_err *err);
	/* Scores d (no target).  out has d->n * m->nclass entries for
	 * classification (row i's probability of class k at i * nclass + k,
	 * each row summing to 1), d->n for regression (the value) and for
	 * clustering (the cluster index, as a double). */
	int (*predict)(const struct model *m, const struct mldata *d, double *out,
		       struct wb_err *err);
	/* Adds the learned state as members of obj. */
	void (*to_json)(const struct model *m, json_t *obj);
	/* Reads it back; path is the JSON path of obj ("$.state"); m->params
	 * has been through init already. */
	int (*from_json)(struct model *m, const json_t *obj, const char *path,
			 struct wb_err *err);
	/* Lines (each starting with "  ") describing what was learned. */
	void (*describe)(const struct model *m, FILE *out);
	/* Importance of each of the m->p features (any non-negative scale; the
	 * driver normalises to sum 1).  NULL when it means nothing. */
	int (*importance)(const struct model *m, double *out);
	void (*free)(void *state);
};

struct model {
	const struct model_type *type;
	json_t *params;          /* the parameters as given (owned object) */
	void *state;             /* the family's own */
	int fitted;
	enum model_task task;    /* set by training (or loading) */
	char *target;            /* NULL for clustering */
	enum col_kind target_kind;
	int nclass;              /* classification: classes; clustering: clusters */
	char **classes;          /* classification: nclass labels */
	int p;                   /* features the family was fitted on */
	char **features;
	int *ncat;
	char ***levels;          /* per feature: the training levels of a cat
				  * feature (ncat[j] strings), else NULL */
	char *weight;            /* name of the weight column, or NULL */
	struct recipe *recipe;   /* the fitted recipe (owned), or NULL */
	uint64_t seed;
	size_t train_rows;
	double train_seconds;    /* wall time of model_train's recipe and fit
				  * (not the JSON encoding; not serialized) */
	char json_hash[WB_HASH_HEX]; /* sha256 of model_to_json once fitted */
	char *json;              /* the JSON text, kept once fitted: a large
				  * forest takes seconds to serialise, and
				  * hashing, the artifact and save all need it */
};

/* Makes a family available by name; the type must outlive the process. */
int model_register(const struct model_type *type);
const struct model_type *model_find_type(const char *name);
/* The registered names, NULL-terminated (static storage). */
const char *const *model_type_names(void);

/* ---------------------------------------------------------------- lifecycle */

/* A new unfitted model of family `name`; params (may be NULL) is copied. */
struct model *model_new(const char *name, const json_t *params, struct wb_err *err);
void model_free(struct model *m);

struct model_train_opts {
	const char *target;          /* required unless the family clusters */
	enum model_task task;        /* 0: infer */
	/* An unfitted recipe to fit on train, or NULL for the family's default;
	 * use_recipe = 0 with recipe NULL means no recipe at all. */
	const struct recipe *recipe;
	int no_recipe;
	const struct frame *valid;   /* optional validation frame */
	const char *weight;          /* optional weight column */
	uint64_t seed;
	void (*on_metric)(void *ud, const char *name, double value, int iter);
	void *ud;
	/* For match() selectors in the recipe (see recipe_fit_opts). */
	int (*match)(void *ud, const char *pattern, const char *name, struct wb_err *err);
	void *match_ud;
};

/* Fits the recipe and the family on train.  m must be unfitted. */
int model_train(struct model *m, const struct frame *train, const struct model_train_opts *o,
		struct wb_err *err);

/* Raw scores for every row of in (see model_type.predict for the layout):
 * a new array of rows * width doubles, width = nclass for classification,
 * else 1.  *nrow gets the rows. */
double *model_score(const struct model *m, const struct frame *in, size_t *nrow,
		    struct wb_err *err);
/* Predictions as a frame: `pred` (the class label with the target's kind,
 * the value, or the cluster), then p_<class> per class when proba is set
 * and the model classifies.  Sealed as H("predict", model hash, input hash). */
struct frame *model_predict(const struct model *m, const struct frame *in, int proba,
			    struct wb_err *err);
/* The predicted class index per row for probabilities p (n * k): the first
 * class with the largest probability. */
void model_argmax(const double *p, size_t n, int k, int32_t *out);

/* Maps the target column of f onto the model's classes: out[i] is the class
 * index, -1 for a value the model never saw, -2 for missing.  For
 * regression, fills y instead (NaN for missing).  Exactly one of cls / y is
 * used, per m->task. */
int model_target(const struct model *m, const struct frame *f, int32_t *cls, double *y,
		 struct wb_err *err);

struct metrics;
/* Scores m on f and compares with f's target column (metrics.h); release
 * *out with metrics_release.  Clustering models have no target: an error. */
int model_evaluate(const struct model *m, const struct frame *f, struct metrics *out,
		   struct wb_err *err);

/* ---------------------------------------------------------------- text */

/* The model as JSON: { "format": "wb.model", "version": 1, "family", "task",
 * "target", "target_kind", "classes", "features": [{name, levels?}],
 * "weight", "params", "seed", "train_rows", "recipe": {...} | null,
 * "state": {...} } (new heap string, deterministic bytes). */
char *model_to_json(const struct model *m);
struct model *model_from_json(const char *text, struct wb_err *err);
/* "classification", "regression", "clustering". */
const char *model_task_name(enum model_task t);
/* Family, task, classes, features and what the family learned (new string). */
char *model_describe(const struct model *m);
/* Normalised importance per feature (new array of m->p values summing to 1),
 * or NULL when the family has none. */
double *model_importance(const struct model *m);

/* ---------------------------------------------------------------- helpers
 * for family implementations. */

/* Parameter readers: an absent (or null) parameter gives def; a value of
 * the wrong type or out of range is an error naming the family and the
 * parameter.  Ranges are inclusive unless the _open flags are set. */
int model_param_num(const struct model *m, const char *name, double def, double lo,
		    double hi, int lo_open, int hi_open, double *out, struct wb_err *err);
int model_param_int(const struct model *m, const char *name, long def, long lo, long hi,
		    long *out, struct wb_err *err);
int model_param_bool(const struct model *m, const char *name, int def, int *out,
		     struct wb_err *err);
int model_param_enum(const struct model *m, const char *name, const char *const *names,
		     int def, int *out, struct wb_err *err);
/* "gbdt: " + message; returns -1. */
int model_error(const struct model *m, struct wb_err *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Row weights combining d->w with the "class_weight" parameter (absent,
 * "balanced" = n / (nclass * count_k), or an object {class = weight}):
 * a new array of d->n weights, or NULL when every weight is 1. */
double *model_class_weights(const struct model *m, const struct mldata *d, struct wb_err *err,
			    int *failed);

/* A stream for this model: rng_derive(seed, "model:<family>:<label>"). */
void model_rng(const struct model *m, uint64_t seed, const char *label, struct rng *r);

/* JSON for learned numbers: doubles round-trip bit-identically (the driver
 * dumps with 17 significant digits); NaN is null, +-inf "inf" / "-inf". */
json_t *model_json_num(double v);
json_t *model_json_nums(const double *v, size_t n);
json_t *model_json_ints(const int32_t *v, size_t n);
/* Readers: obj[key] must exist (error "model JSON: <path>.<key>: ...");
 * arrays must have exactly n entries. */
int model_json_get_num(const json_t *obj, const char *path, const char *key, double *out,
		       struct wb_err *err);
int model_json_get_int(const json_t *obj, const char *path, const char *key, long *out,
		       struct wb_err *err);
int model_json_get_nums(const json_t *obj, const char *path, const char *key, double *out,
			size_t n, struct wb_err *err);
int model_json_get_ints(const json_t *obj, const char *path, const char *key, int32_t *out,
			size_t n, struct wb_err *err);
/* The length of the array obj[key], or -1 with an error. */
long model_json_array_len(const json_t *obj, const char *path, const char *key,
			  struct wb_err *err);

/* Built-in registration (called once by the registry). */
void model_linear_register(void);
void model_logistic_register(void);
void model_tree_register(void);
void model_forest_register(void);
void model_gbdt_register(void);
void model_knn_register(void);
void model_naive_bayes_register(void);
void model_kmeans_register(void);

#endif
