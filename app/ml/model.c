/*
 * model — the registry, the lifecycle and the training driver (model.h).
 */
#include "ml/model.h"
#include "ml/metrics.h"
#include "ml/recipe.h"
#include "core/frame_ops.h"
#include "core/strdict.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---------------------------------------------------------------- registry */

#define MODEL_MAX_TYPES 64

static const struct model_type *types[MODEL_MAX_TYPES];
static const char *type_names[MODEL_MAX_TYPES + 1];
static int ntypes;
static int registered;

static void register_builtins(void)
{
	if (registered)
		return;
	registered = 1;
	model_linear_register();
	model_logistic_register();
	model_tree_register();
	model_forest_register();
	model_gbdt_register();
	model_knn_register();
	model_naive_bayes_register();
	model_kmeans_register();
}

int model_register(const struct model_type *type)
{
	register_builtins();
	for (int k = 0; k < ntypes; k++)
		if (!strcmp(types[k]->name, type->name)) {
			types[k] = type;
			type_names[k] = type->name;
			return 0;
		}
	if (ntypes == MODEL_MAX_TYPES)
		return -1;
	types[ntypes] = type;
	type_names[ntypes++] = type->name;
	type_names[ntypes] = NULL;
	return 0;
}

const struct model_type *model_find_type(const char *name)
{
	register_builtins();
	for (int k = 0; k < ntypes; k++)
		if (!strcmp(types[k]->name, name))
			return types[k];
	return NULL;
}

const char *const *model_type_names(void)
{
	register_builtins();
	return type_names;
}

/* ---------------------------------------------------------------- lifecycle */

static void names_list(char *buf, size_t size, const char *const *names)
{
	size_t at = 0;
	buf[0] = 0;
	for (int k = 0; names[k] && at < size; k++)
		at += (size_t)snprintf(buf + at, size - at, "%s%s", k ? ", " : "", names[k]);
}

struct model *model_new(const char *name, const json_t *params, struct wb_err *err)
{
	const struct model_type *t = model_find_type(name);
	if (!t) {
		char list[512];
		names_list(list, sizeof(list), model_type_names());
		wb_error(err, "unknown model '%s' (models: %s)", name, list);
		return NULL;
	}
	if (params && !json_is_object(params)) {
		wb_error(err, "%s: parameters must be a table of name = value", name);
		return NULL;
	}
	json_t *copy = params ? json_deep_copy(params) : json_object();
	{
		const char *key;
		json_t *v;
		json_object_foreach(copy, key, v) {
			int ok = 0;
			for (int k = 0; t->params[k] && !ok; k++)
				ok = !strcmp(t->params[k], key);
			if (!ok) {
				char list[512];
				names_list(list, sizeof(list), t->params);
				wb_error(err, "%s: unknown parameter '%s' (valid: %s)", name, key,
					 list[0] ? list : "none");
				json_decref(copy);
				return NULL;
			}
		}
	}
	struct model *m = xcalloc(1, sizeof(*m));
	m->type = t;
	m->params = copy;
	if (t->init && t->init(m, err) < 0) {
		model_free(m);
		return NULL;
	}
	return m;
}

static void free_strs(char **v, int n)
{
	if (!v)
		return;
	for (int k = 0; k < n; k++)
		free(v[k]);
	free(v);
}

void model_free(struct model *m)
{
	if (!m)
		return;
	if (m->state && m->type->free)
		m->type->free(m->state);
	json_decref(m->params);
	free(m->target);
	free_strs(m->classes, m->task == MODEL_CLASSIFY ? m->nclass : 0);
	if (m->levels)
		for (int j = 0; j < m->p; j++)
			free_strs(m->levels[j], m->ncat[j]);
	free(m->levels);
	free_strs(m->features, m->p);
	free(m->ncat);
	free(m->weight);
	free(m->json);
	if (m->recipe)
		recipe_free(m->recipe);
	free(m);
}

/* ---------------------------------------------------------------- features */

/* The arrays behind an mldata: owned copies where a column is not NUM. */
struct mlbuf {
	struct mldata d;
	double **x;        /* p pointers; own[j] says whether x[j] is ours */
	uint8_t *own;
	int32_t *cls;
	double *y;
	double *w;
	struct frame *f;   /* the featurised frame (a reference) */
};

static void mlbuf_release(struct mlbuf *b)
{
	if (b->x)
		for (int j = 0; j < b->d.p; j++)
			if (b->own[j])
				free(b->x[j]);
	free(b->x);
	free(b->own);
	free(b->cls);
	free(b->y);
	free(b->w);
	if (b->f)
		frame_unref(b->f);
	memset(b, 0, sizeof(*b));
}

/* Level text of a cat/str/bool/int/num cell as a class label (buf may be
 * used); NULL when missing. */
static const char *cell_label(const struct column *c, size_t i, char *buf, size_t size,
			      size_t *len)
{
	if (column_is_missing(c, i))
		return NULL;
	switch (c->kind) {
	case COL_CAT:
	case COL_STR:
		return column_get_text(c, i, len);
	case COL_BOOL:
		*len = (size_t)snprintf(buf, size, "%s", c->b[i] ? "true" : "false");
		return buf;
	case COL_INT:
		*len = (size_t)snprintf(buf, size, "%lld", (long long)c->i64[i]);
		return buf;
	default:
		*len = column_format(c, i, buf, size);
		return buf;
	}
}

/* Fills column j of b from frame column c, per the model's schema. */
static int feature_column(const struct model *m, int j, const struct column *c,
			  struct mlbuf *b, struct wb_err *err)
{
	size_t n = c->n;
	if (c->kind == COL_NUM && !m->ncat[j]) {
		b->x[j] = c->num;
		return 0;
	}
	if (c->kind == COL_STR && !m->ncat[j])
		return wb_error(err, "feature '%s' is free text (str); encode it with a recipe "
				"step (one_hot, ordinal, hash) or drop it", m->features[j]);
	if (m->ncat[j] && c->kind != COL_CAT && c->kind != COL_STR)
		return wb_error(err, "feature '%s' is %s, expected cat (as in training)",
				m->features[j], col_kind_name(c->kind));
	if (!m->ncat[j] && c->kind == COL_CAT)
		return wb_error(err, "feature '%s' is cat, expected a number (as in training)",
				m->features[j]);
	double *v = xmallocarray(n ? n : 1, sizeof(double));
	b->x[j] = v;
	b->own[j] = 1;
	if (!m->ncat[j]) {
		for (size_t i = 0; i < n; i++)
			v[i] = column_get_num(c, i);
		return 0;
	}
	/* Categorical: map input text to training level indices. */
	struct strdict dict;
	strdict_init(&dict);
	for (int l = 0; l < m->ncat[j]; l++)
		strdict_intern(&dict, m->levels[j][l], strlen(m->levels[j][l]));
	if (c->kind == COL_CAT) {
		int32_t *map = xmallocarray((size_t)c->nlevels + 1, sizeof(int32_t));
		for (int32_t l = 0; l < c->nlevels; l++)
			map[l] = strdict_find(&dict, c->levels[l], strlen(c->levels[l]));
		for (size_t i = 0; i < n; i++) {
			int32_t code = c->codes[i] >= 0 ? map[c->codes[i]] : -1;
			v[i] = code >= 0 ? (double)code : NAN;
		}
		free(map);
	} else {
		for (size_t i = 0; i < n; i++) {
			size_t len;
			const char *t = column_is_missing(c, i) ? NULL : column_get_text(c, i, &len);
			int32_t code = t ? strdict_find(&dict, t, len) : -1;
			v[i] = code >= 0 ? (double)code : NAN;
		}
	}
	strdict_release(&dict);
	return 0;
}

/* Features of the featurised frame f (which b takes a reference to). */
static int build_features(const struct model *m, struct frame *f, struct mlbuf *b,
			  struct wb_err *err)
{
	memset(b, 0, sizeof(*b));
	b->f = frame_ref(f);
	b->d.n = f->nrow;
	b->d.p = m->p;
	b->x = xcalloc((size_t)m->p + 1, sizeof(double *));
	b->own = xcalloc((size_t)m->p + 1, 1);
	for (int j = 0; j < m->p; j++) {
		const struct column *c = frame_col(f, m->features[j]);
		if (!c)
			return wb_error(err, "feature '%s' is missing from the input%s",
					m->features[j], m->recipe ? " (after the recipe)" : "");
		if (feature_column(m, j, c, b, err) < 0)
			return -1;
	}
	b->d.x = (const double *const *)b->x;
	b->d.names = (const char *const *)m->features;
	b->d.ncat = m->ncat;
	b->d.nclass = m->task == MODEL_CLASSIFY ? m->nclass : 0;
	return 0;
}

int model_target(const struct model *m, const struct frame *f, int32_t *cls, double *y,
		 struct wb_err *err)
{
	const struct column *c = m->target ? frame_col(f, m->target) : NULL;
	if (!c)
		return frame_err_unknown(err, f, "target", m->target ? m->target : "(none)", NULL);
	if (m->task == MODEL_REGRESS) {
		if (c->kind == COL_CAT || c->kind == COL_STR)
			return wb_error(err, "target '%s' is %s; regression needs numbers",
					m->target, col_kind_name(c->kind));
		for (size_t i = 0; i < c->n; i++)
			y[i] = column_get_num(c, i);
		return 0;
	}
	struct strdict dict;
	strdict_init(&dict);
	for (int k = 0; k < m->nclass; k++)
		strdict_intern(&dict, m->classes[k], strlen(m->classes[k]));
	char buf[64];
	for (size_t i = 0; i < c->n; i++) {
		size_t len = 0;
		const char *t = cell_label(c, i, buf, sizeof(buf), &len);
		cls[i] = t ? strdict_find(&dict, t, len) : -2;
	}
	strdict_release(&dict);
	return 0;
}

/* ---------------------------------------------------------------- training */

static int is_classifier_only(const struct model_type *t)
{
	return (t->tasks & (MODEL_CLASSIFY | MODEL_REGRESS)) == MODEL_CLASSIFY;
}

static int cmp_num_label(const void *a, const void *b)
{
	double x = strtod(*(char *const *)a, NULL), y = strtod(*(char *const *)b, NULL);
	return (x > y) - (x < y);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Whether an int column without missing values holds exactly two values. */
static int int_two_valued(const struct column *c)
{
	int64_t a = c->n ? c->i64[0] : 0, b = a;
	int nb = 0;
	for (size_t i = 1; i < c->n; i++) {
		int64_t v = c->i64[i];
		if (v == a || (nb && v == b))
			continue;
		if (nb)
			return 0;
		b = v;
		nb = 1;
	}
	return nb;
}

/* Infers the task and, for classification, the classes of target column c. */
static int learn_target(struct model *m, const struct column *c, enum model_task task,
			struct wb_err *err)
{
	const char *name = m->target;
	size_t nmiss = column_count_missing(c);
	if (nmiss) {
		size_t first = 0;
		while (!column_is_missing(c, first))
			first++;
		return wb_error(err, "target '%s' is missing in %zu row%s (first: row %zu); "
				"filter them out first", name, nmiss, nmiss == 1 ? "" : "s",
				first + 1);
	}
	if (!task) {
		int text = c->kind == COL_CAT || c->kind == COL_STR || c->kind == COL_BOOL;
		if (text || (c->kind == COL_INT && int_two_valued(c)) || is_classifier_only(m->type))
			task = MODEL_CLASSIFY;
		else
			task = MODEL_REGRESS;
	}
	if (!(m->type->tasks & task)) {
		if (task == MODEL_CLASSIFY)
			return wb_error(err, "%s does regression, but target '%s' (%s) is "
					"categorical; try logistic, tree, forest, gbdt, knn or "
					"naive_bayes", m->type->name, name, col_kind_name(c->kind));
		return wb_error(err, "%s only classifies; target '%s' is numeric (use "
				"task = \"classification\" to treat its values as classes)",
				m->type->name, name);
	}
	m->task = task;
	if (task == MODEL_REGRESS) {
		if (c->kind == COL_CAT || c->kind == COL_STR)
			return wb_error(err, "target '%s' is %s; regression needs numbers", name,
					col_kind_name(c->kind));
		return 0;
	}
	/* Classes: the distinct labels (only now, so a regression target of a
	 * million distinct values is never turned into text). */
	struct strdict dict;
	strdict_init(&dict);
	char buf[64];
	for (size_t i = 0; i < c->n && dict.n <= 10000; i++) {
		size_t len;
		const char *t = cell_label(c, i, buf, sizeof(buf), &len);
		strdict_intern(&dict, t, len);
	}
	if (dict.n < 2) {
		int32_t n = dict.n;
		char *only = n ? xstrdup(dict.strs[0]) : NULL;
		strdict_release(&dict);
		wb_error(err, "target '%s' has a single class ('%s'); a classifier needs at "
			 "least two", name, only ? only : "");
		free(only);
		return -1;
	}
	if (dict.n > 10000) {
		strdict_release(&dict);
		return wb_error(err, "target '%s' has more than 10000 classes; is it numeric "
				"(regression)?", name);
	}
	int32_t k;
	m->classes = strdict_take(&dict, &k);
	m->nclass = k;
	strdict_release(&dict);
	int numeric = c->kind == COL_INT || c->kind == COL_NUM;
	qsort(m->classes, (size_t)k, sizeof(char *), numeric ? cmp_num_label : cmp_str);
	return 0;
}

/* The family's default recipe for the columns of train. */
static struct recipe *default_recipe(const struct model *m, const struct frame *train,
				     uint64_t seed, struct wb_err *err)
{
	struct recipe *r = recipe_new(m->target, 0, seed);
	int has_time = 0;
	for (int k = 0; k < train->ncol; k++)
		has_time |= train->cols[k]->kind == COL_TIME;
	struct plan { const char *step; enum sel_op sel; const char *opts; } plan[6];
	int n = 0;
	if (has_time)
		plan[n++] = (struct plan){ "date_parts", SEL_TIME, NULL };
	if (m->type->prep == MODEL_PREP_LINEAR) {
		plan[n++] = (struct plan){ "impute", SEL_NUMERIC, "{\"method\":\"median\"}" };
		plan[n++] = (struct plan){ "impute", SEL_CATEGORICAL, "{\"method\":\"mode\"}" };
		plan[n++] = (struct plan){ "standardize", SEL_NUMERIC, NULL };
		plan[n++] = (struct plan){ "one_hot", SEL_CATEGORICAL, NULL };
	} else if (m->type->prep == MODEL_PREP_TREE) {
		plan[n++] = (struct plan){ "ordinal", SEL_CATEGORICAL, NULL };
	}
	for (int k = 0; k < n; k++) {
		json_t *opts = plan[k].opts ? json_loads(plan[k].opts, 0, NULL) : NULL;
		struct step *s = step_new(plan[k].step, selector_kind(plan[k].sel), opts, err);
		json_decref(opts);
		if (!s) {
			recipe_free(r);
			return NULL;
		}
		recipe_add(r, s);
	}
	return r;
}

/* A copy of recipe r whose target is `target` (the recipe a user builds
 * often declares none; all_predictors must still leave the target alone). */
static struct recipe *recipe_for_target(const struct recipe *r, const char *target,
					struct wb_err *err)
{
	if (r->fitted) {
		wb_error(err, "recipe is already fitted; give the unfitted recipe");
		return NULL;
	}
	if (r->target && target && strcmp(r->target, target)) {
		wb_error(err, "the recipe's target '%s' differs from the training target '%s'",
			 r->target, target);
		return NULL;
	}
	struct recipe *c = recipe_new(target ? target : r->target, r->strict, r->seed);
	for (int k = 0; k < r->nsteps; k++) {
		struct step *s = step_clone(r->steps[k], err);
		if (!s) {
			recipe_free(c);
			return NULL;
		}
		recipe_add(c, s);
	}
	return c;
}

/* Sets m's feature schema from the featurised training frame f. */
static int learn_features(struct model *m, const struct frame *f, struct wb_err *err)
{
	m->features = xcalloc((size_t)f->ncol + 1, sizeof(char *));
	m->ncat = xcalloc((size_t)f->ncol + 1, sizeof(int));
	m->levels = xcalloc((size_t)f->ncol + 1, sizeof(char **));
	for (int k = 0; k < f->ncol; k++) {
		const char *name = f->names[k];
		if ((m->target && !strcmp(name, m->target)) || (m->weight && !strcmp(name, m->weight)))
			continue;
		const struct column *c = f->cols[k];
		int j = m->p++;
		m->features[j] = xstrdup(name);
		if (c->kind == COL_STR)
			return wb_error(err, "feature '%s' is free text (str); encode it with a "
					"recipe step (one_hot, ordinal, hash) or drop it", name);
		if (c->kind == COL_CAT) {
			m->ncat[j] = c->nlevels;
			m->levels[j] = xcalloc((size_t)c->nlevels + 1, sizeof(char *));
			for (int32_t l = 0; l < c->nlevels; l++)
				m->levels[j][l] = xstrdup(c->levels[l]);
		}
	}
	if (!m->p)
		return wb_error(err, "no features: every column is the target or was dropped");
	return 0;
}

/* Target and weights of the featurised frame f into b. */
static int build_target(const struct model *m, const struct frame *f, struct mlbuf *b,
			const char *what, struct wb_err *err)
{
	size_t n = f->nrow;
	if (m->task == MODEL_CLASSIFY) {
		b->cls = xmallocarray(n ? n : 1, sizeof(int32_t));
		if (model_target(m, f, b->cls, NULL, err) < 0)
			return -1;
		for (size_t i = 0; i < n; i++) {
			if (b->cls[i] == -2)
				return wb_error(err, "%s: target '%s' is missing in row %zu", what,
						m->target, i + 1);
			if (b->cls[i] == -1) {
				char buf[64];
				size_t len;
				const char *t = cell_label(frame_col(f, m->target), i, buf,
							   sizeof(buf), &len);
				return wb_error(err, "%s: row %zu has class '%.*s', which the "
						"training data does not have", what, i + 1,
						(int)len, t);
			}
		}
		b->d.cls = b->cls;
	} else if (m->task == MODEL_REGRESS) {
		b->y = xmallocarray(n ? n : 1, sizeof(double));
		if (model_target(m, f, NULL, b->y, err) < 0)
			return -1;
		for (size_t i = 0; i < n; i++)
			if (isnan(b->y[i]))
				return wb_error(err, "%s: target '%s' is missing in row %zu", what,
						m->target, i + 1);
		b->d.y = b->y;
	}
	if (m->weight) {
		const struct column *c = frame_col(f, m->weight);
		if (!c)
			return frame_err_unknown(err, f, "weight", m->weight, NULL);
		if (c->kind == COL_CAT || c->kind == COL_STR)
			return wb_error(err, "weight column '%s' is %s, expected numbers", m->weight,
					col_kind_name(c->kind));
		b->w = xmallocarray(n ? n : 1, sizeof(double));
		for (size_t i = 0; i < n; i++) {
			b->w[i] = column_get_num(c, i);
			if (!(b->w[i] > 0) || isinf(b->w[i]))
				return wb_error(err, "%s: weight '%s' in row %zu must be a finite "
						"number > 0", what, m->weight, i + 1);
		}
		b->d.w = b->w;
	}
	return 0;
}

static char *encode(const struct model *m);

static void model_seal(struct model *m)
{
	free(m->json);
	m->json = encode(m);
	unsigned char bin[WB_HASH_LEN];
	hash_bytes(m->json, strlen(m->json), bin);
	hash_hex(bin, m->json_hash);
}

int model_train(struct model *m, const struct frame *train, const struct model_train_opts *o,
		struct wb_err *err)
{
	if (m->fitted)
		return model_error(m, err, "model is already trained");
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int cluster = m->type->tasks == MODEL_CLUSTER;
	if (!o->target && !cluster)
		return model_error(m, err, "a target column is needed");
	if (o->target && frame_find(train, o->target) < 0)
		return frame_err_unknown(err, train, "target", o->target, NULL);
	if (!train->nrow)
		return model_error(m, err, "the training frame has no rows");
	if (o->valid && !cluster && o->target && frame_find(o->valid, o->target) < 0)
		return wb_error(err, "validation frame: target '%s' is missing", o->target);
	m->seed = o->seed;
	m->train_rows = train->nrow;
	if (o->target) {
		m->target = xstrdup(o->target);
		m->target_kind = frame_col(train, o->target)->kind;
	}
	if (o->weight) {
		if (frame_find(train, o->weight) < 0)
			return frame_err_unknown(err, train, "weight", o->weight, NULL);
		m->weight = xstrdup(o->weight);
	}
	if (cluster) {
		m->task = MODEL_CLUSTER;
	} else if (learn_target(m, frame_col(train, o->target), o->task, err) < 0) {
		return -1;
	}

	/* Free text never reaches a default recipe: an id or comment column
	 * one-hot encoded would swamp everything else.  Nor does a column with
	 * no values at all: there is nothing to learn from it (scikit-learn's
	 * SimpleImputer drops those too).  At scoring time the recipe ignores
	 * the columns it was not fitted on. */
	struct frame *in = frame_ref((struct frame *)(uintptr_t)train);
	if (!o->recipe && !o->no_recipe) {
		const char **drop = xcalloc((size_t)train->ncol + 1, sizeof(char *));
		int nd = 0;
		for (int k = 0; k < train->ncol; k++) {
			const struct column *c = train->cols[k];
			const char *name = train->names[k];
			if ((m->target && !strcmp(name, m->target)) ||
			    (m->weight && !strcmp(name, m->weight)))
				continue;
			if (c->kind == COL_STR || column_count_missing(c) == c->n)
				drop[nd++] = name;
		}
		struct frame *t = nd ? frame_drop(train, drop, nd, err) : NULL;
		free(drop);
		if (nd) {
			frame_unref(in);
			if (!t)
				return -1;
			in = t;
		}
	}

	struct recipe *r = NULL;
	if (o->recipe)
		r = recipe_for_target(o->recipe, m->target, err);
	else if (!o->no_recipe)
		r = default_recipe(m, in, o->seed, err);
	if ((o->recipe || !o->no_recipe) && !r) {
		frame_unref(in);
		return -1;
	}
	struct frame *feat = NULL;
	if (r) {
		struct recipe_fit_opts fo = { .match = o->match, .match_ud = o->match_ud };
		m->recipe = recipe_fit(r, in, &fo, &feat, err);
		recipe_free(r);
		if (!m->recipe) {
			frame_unref(in);
			return wb_error_prefix(err, "recipe");
		}
	} else {
		feat = frame_ref(in);
	}
	frame_unref(in);

	struct mlbuf tb, vb;
	memset(&tb, 0, sizeof(tb));
	memset(&vb, 0, sizeof(vb));
	int rc = -1;
	if (learn_features(m, feat, err) < 0 || build_features(m, feat, &tb, err) < 0)
		goto out;
	if (build_target(m, feat, &tb, "training data", err) < 0)
		goto out;
	if (o->valid) {
		struct frame *vf = m->recipe ? recipe_apply(m->recipe, o->valid, err)
					     : frame_ref((struct frame *)(uintptr_t)o->valid);
		if (!vf) {
			wb_error_prefix(err, "validation frame");
			goto out;
		}
		int bad = build_features(m, vf, &vb, err) < 0 ||
			  build_target(m, vf, &vb, "validation data", err) < 0;
		frame_unref(vf);
		if (bad) {
			if (strncmp(err->msg, "validation", 10))
				wb_error_prefix(err, "validation frame");
			goto out;
		}
	}
	struct model_fit_ctx ctx = {
		.seed = o->seed, .valid = o->valid ? &vb.d : NULL,
		.on_metric = o->on_metric, .ud = o->ud,
	};
	if (m->type->fit(m, &tb.d, &ctx, err) < 0)
		goto out;
	m->fitted = 1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	m->train_seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	model_seal(m);
	rc = 0;
out:
	mlbuf_release(&tb);
	mlbuf_release(&vb);
	frame_unref(feat);
	return rc;
}

/* ---------------------------------------------------------------- scoring */

static size_t score_width(const struct model *m)
{
	return m->task == MODEL_CLASSIFY ? (size_t)m->nclass : 1;
}

double *model_score(const struct model *m, const struct frame *in, size_t *nrow,
		    struct wb_err *err)
{
	if (!m->fitted) {
		model_error(m, err, "model is not trained");
		return NULL;
	}
	struct frame *feat = m->recipe ? recipe_apply(m->recipe, in, err)
				       : frame_ref((struct frame *)(uintptr_t)in);
	if (!feat) {
		wb_error_prefix(err, "recipe");
		return NULL;
	}
	struct mlbuf b;
	double *out = NULL;
	if (build_features(m, feat, &b, err) == 0) {
		out = xmallocarray(feat->nrow * score_width(m) + 1, sizeof(double));
		if (m->type->predict(m, &b.d, out, err) < 0) {
			free(out);
			out = NULL;
		}
	}
	*nrow = feat->nrow;
	mlbuf_release(&b);
	frame_unref(feat);
	return out;
}

void model_argmax(const double *p, size_t n, int k, int32_t *out)
{
	for (size_t i = 0; i < n; i++) {
		const double *row = p + i * (size_t)k;
		int best = 0;
		for (int c = 1; c < k; c++)
			if (row[c] > row[best])
				best = c;
		out[i] = best;
	}
}

/* The class column: the target's own kind where it has one. */
static struct column *class_column(const struct model *m, const int32_t *idx, size_t n)
{
	if (m->target_kind == COL_INT || m->target_kind == COL_BOOL) {
		struct column *c = column_new(m->target_kind, n);
		for (size_t i = 0; i < n; i++) {
			const char *lab = m->classes[idx[i]];
			if (m->target_kind == COL_INT) {
				c->i64[i] = strtoll(lab, NULL, 10);
				c->valid[i] = 1;
			} else {
				c->b[i] = !strcmp(lab, "true");
			}
		}
		column_compact_valid(c);
		return c;
	}
	if (m->target_kind == COL_NUM) {
		struct column *c = column_new(COL_NUM, n);
		for (size_t i = 0; i < n; i++)
			c->num[i] = strtod(m->classes[idx[i]], NULL);
		return c;
	}
	char **levels = xcalloc((size_t)m->nclass, sizeof(char *));
	for (int k = 0; k < m->nclass; k++)
		levels[k] = xstrdup(m->classes[k]);
	int32_t *codes = xmallocarray(n ? n : 1, sizeof(int32_t));
	memcpy(codes, idx, n * sizeof(int32_t));
	return column_new_cat(n, codes, levels, m->nclass);
}

struct frame *model_predict(const struct model *m, const struct frame *in, int proba,
			    struct wb_err *err)
{
	size_t n;
	double *s = model_score(m, in, &n, err);
	if (!s)
		return NULL;
	struct frame *f = frame_new(n);
	if (m->task == MODEL_CLASSIFY) {
		int32_t *idx = xmallocarray(n ? n : 1, sizeof(int32_t));
		model_argmax(s, n, m->nclass, idx);
		frame_add(f, "pred", class_column(m, idx, n), NULL);
		free(idx);
		for (int k = 0; proba && k < m->nclass; k++) {
			struct column *c = column_new(COL_NUM, n);
			for (size_t i = 0; i < n; i++)
				c->num[i] = s[i * (size_t)m->nclass + (size_t)k];
			char *name = xasprintf("p_%s", m->classes[k]);
			int rc = frame_add(f, name, c, err);
			free(name);
			if (rc < 0) {
				free(s);
				frame_unref(f);
				return NULL;
			}
		}
	} else if (m->task == MODEL_CLUSTER) {
		struct column *c = column_new(COL_INT, n);
		for (size_t i = 0; i < n; i++) {
			c->i64[i] = (int64_t)s[i];
			c->valid[i] = 1;
		}
		column_compact_valid(c);
		frame_add(f, "pred", c, NULL);
	} else {
		struct column *c = column_new(COL_NUM, n);
		memcpy(c->num, s, n * sizeof(double));
		frame_add(f, "pred", c, NULL);
	}
	free(s);
	char params[WB_HASH_HEX + 32];
	snprintf(params, sizeof(params), "{\"model\":\"%s\",\"proba\":%s}", m->json_hash,
		 proba ? "true" : "false");
	const struct frame *inputs[1] = { in };
	frame_seal_derived(f, "predict", params, inputs, 1);
	return f;
}

int model_evaluate(const struct model *m, const struct frame *f, struct metrics *out,
		   struct wb_err *err)
{
	if (m->task == MODEL_CLUSTER)
		return wb_error(err, "%s clusters; there is no target to compare with",
				m->type->name);
	size_t n;
	double *s = model_score(m, f, &n, err);
	if (!s)
		return -1;
	int rc;
	if (m->task == MODEL_CLASSIFY) {
		int32_t *cls = xmallocarray(n ? n : 1, sizeof(int32_t));
		rc = model_target(m, f, cls, NULL, err);
		if (rc == 0)
			rc = metrics_classify(cls, s, n, m->nclass, out, err);
		free(cls);
	} else {
		double *y = xmallocarray(n ? n : 1, sizeof(double));
		rc = model_target(m, f, NULL, y, err);
		if (rc == 0)
			rc = metrics_regress(y, s, n, out, err);
		free(y);
	}
	free(s);
	return rc;
}

/* ---------------------------------------------------------------- JSON */

const char *model_task_name(enum model_task t)
{
	return t == MODEL_CLASSIFY ? "classification" : t == MODEL_REGRESS ? "regression"
					: "clustering";
}

char *model_to_json(const struct model *m)
{
	return m->json ? xstrdup(m->json) : encode(m);
}

static char *encode(const struct model *m)
{
	json_t *o = json_object();
	json_object_set_new(o, "format", json_string(MODEL_FORMAT));
	json_object_set_new(o, "version", json_integer(MODEL_VERSION));
	json_object_set_new(o, "family", json_string(m->type->name));
	json_object_set_new(o, "task", json_string(model_task_name(m->task)));
	json_object_set_new(o, "target", m->target ? json_string(m->target) : json_null());
	json_object_set_new(o, "target_kind", m->target ? json_string(col_kind_name(m->target_kind))
							: json_null());
	json_t *cl = json_array();
	for (int k = 0; m->task == MODEL_CLASSIFY && k < m->nclass; k++)
		json_array_append_new(cl, json_string(m->classes[k]));
	json_object_set_new(o, "classes", cl);
	if (m->task == MODEL_CLUSTER)
		json_object_set_new(o, "clusters", json_integer(m->nclass));
	json_t *fs = json_array();
	for (int j = 0; j < m->p; j++) {
		json_t *fo = json_object();
		json_object_set_new(fo, "name", json_string(m->features[j]));
		if (m->ncat[j]) {
			json_t *lv = json_array();
			for (int l = 0; l < m->ncat[j]; l++)
				json_array_append_new(lv, json_string(m->levels[j][l]));
			json_object_set_new(fo, "levels", lv);
		}
		json_array_append_new(fs, fo);
	}
	json_object_set_new(o, "features", fs);
	json_object_set_new(o, "weight", m->weight ? json_string(m->weight) : json_null());
	json_object_set_new(o, "params", json_deep_copy(m->params));
	char seed[32];
	snprintf(seed, sizeof(seed), "%llu", (unsigned long long)m->seed);
	json_object_set_new(o, "seed", json_string(seed));
	json_object_set_new(o, "train_rows", json_integer((json_int_t)m->train_rows));
	json_t *rj = NULL;
	if (m->recipe) {
		char *text = recipe_to_json(m->recipe);
		rj = json_loads(text, 0, NULL);
		free(text);
	}
	json_object_set_new(o, "recipe", rj ? rj : json_null());
	json_t *st = json_object();
	if (m->type->to_json)
		m->type->to_json(m, st);
	json_object_set_new(o, "state", st);
	char *out = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(17));
	json_decref(o);
	return out;
}

static int json_strs(const json_t *a, const char *path, char ***out, int *n,
		     struct wb_err *err)
{
	if (!json_is_array(a))
		return wb_error(err, "model JSON: %s: expected an array", path);
	*n = (int)json_array_size(a);
	*out = xcalloc((size_t)*n + 1, sizeof(char *));
	for (int k = 0; k < *n; k++) {
		const json_t *v = json_array_get(a, (size_t)k);
		if (!json_is_string(v))
			return wb_error(err, "model JSON: %s[%d]: expected a string", path, k);
		(*out)[k] = xstrdup(json_string_value(v));
	}
	return 0;
}

struct model *model_from_json(const char *text, struct wb_err *err)
{
	json_error_t je;
	json_t *o = json_loads(text, 0, &je);
	if (!o) {
		wb_error(err, "model JSON: line %d column %d: %s", je.line, je.column, je.text);
		return NULL;
	}
	struct model *m = NULL;
	const char *fmt = json_string_value(json_object_get(o, "format"));
	json_t *ver = json_object_get(o, "version");
	const char *family = json_string_value(json_object_get(o, "family"));
	const char *task = json_string_value(json_object_get(o, "task"));
	if (!fmt || strcmp(fmt, MODEL_FORMAT)) {
		wb_error(err, "model JSON: $.format: expected \"%s\"", MODEL_FORMAT);
		goto fail;
	}
	if (!json_is_integer(ver) || json_integer_value(ver) < 1) {
		wb_error(err, "model JSON: $.version: expected a positive integer");
		goto fail;
	}
	if (json_integer_value(ver) > MODEL_VERSION) {
		wb_error(err, "model JSON: $.version: version %lld is newer than this wb reads (%d)",
			 (long long)json_integer_value(ver), MODEL_VERSION);
		goto fail;
	}
	if (!family || !task) {
		wb_error(err, "model JSON: $.%s: missing", family ? "task" : "family");
		goto fail;
	}
	m = model_new(family, json_object_get(o, "params"), err);
	if (!m) {
		wb_error_prefix(err, "model JSON: $.params");
		goto fail;
	}
	m->task = !strcmp(task, "classification") ? MODEL_CLASSIFY
		  : !strcmp(task, "regression") ? MODEL_REGRESS : MODEL_CLUSTER;
	const char *target = json_string_value(json_object_get(o, "target"));
	if (target) {
		m->target = xstrdup(target);
		const char *tk = json_string_value(json_object_get(o, "target_kind"));
		int kind;
		if (!tk || col_kind_parse(tk, (enum col_kind *)&kind) < 0) {
			wb_error(err, "model JSON: $.target_kind: expected a column kind");
			goto fail;
		}
		m->target_kind = (enum col_kind)kind;
	}
	if (m->task == MODEL_CLASSIFY) {
		if (json_strs(json_object_get(o, "classes"), "$.classes", &m->classes, &m->nclass,
			      err) < 0)
			goto fail;
		if (m->nclass < 2) {
			wb_error(err, "model JSON: $.classes: a classifier needs two classes");
			goto fail;
		}
	} else if (m->task == MODEL_CLUSTER) {
		m->nclass = (int)json_integer_value(json_object_get(o, "clusters"));
	}
	const json_t *fs = json_object_get(o, "features");
	if (!json_is_array(fs) || !json_array_size(fs)) {
		wb_error(err, "model JSON: $.features: expected a non-empty array");
		goto fail;
	}
	int p = (int)json_array_size(fs);
	m->features = xcalloc((size_t)p, sizeof(char *));
	m->ncat = xcalloc((size_t)p, sizeof(int));
	m->levels = xcalloc((size_t)p, sizeof(char **));
	for (int j = 0; j < p; j++) {
		const json_t *fo = json_array_get(fs, (size_t)j);
		const char *name = json_string_value(json_object_get(fo, "name"));
		if (!name) {
			wb_error(err, "model JSON: $.features[%d].name: expected a string", j);
			goto fail;
		}
		m->features[j] = xstrdup(name);
		m->p = j + 1;
		const json_t *lv = json_object_get(fo, "levels");
		if (lv) {
			char path[64];
			snprintf(path, sizeof(path), "$.features[%d].levels", j);
			if (json_strs(lv, path, &m->levels[j], &m->ncat[j], err) < 0)
				goto fail;
		}
	}
	const char *weight = json_string_value(json_object_get(o, "weight"));
	if (weight)
		m->weight = xstrdup(weight);
	const char *seed = json_string_value(json_object_get(o, "seed"));
	m->seed = seed ? strtoull(seed, NULL, 10) : 0;
	m->train_rows = (size_t)json_integer_value(json_object_get(o, "train_rows"));
	const json_t *rj = json_object_get(o, "recipe");
	if (rj && !json_is_null(rj)) {
		char *rtext = json_dumps(rj, JSON_COMPACT | JSON_REAL_PRECISION(17));
		m->recipe = recipe_from_json(rtext, err);
		free(rtext);
		if (!m->recipe) {
			wb_error_prefix(err, "model JSON: $.recipe");
			goto fail;
		}
	}
	const json_t *st = json_object_get(o, "state");
	if (!json_is_object(st)) {
		wb_error(err, "model JSON: $.state: expected an object");
		goto fail;
	}
	if (m->type->from_json && m->type->from_json(m, st, "$.state", err) < 0)
		goto fail;
	m->fitted = 1;
	json_decref(o);
	model_seal(m);
	return m;
fail:
	json_decref(o);
	model_free(m);
	return NULL;
}

/* ---------------------------------------------------------------- text */

char *model_describe(const struct model *m)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&buf, &size);
	if (!out)
		WB_BUG("open_memstream failed");
	fprintf(out, "%s model (%s", m->type->name, model_task_name(m->task));
	if (m->task == MODEL_CLASSIFY) {
		fprintf(out, ", %d classes:", m->nclass);
		for (int k = 0; k < m->nclass && k < 20; k++)
			fprintf(out, " %s", m->classes[k]);
		if (m->nclass > 20)
			fprintf(out, " ...");
	}
	fprintf(out, ")%s\n", m->fitted ? "" : ", not trained");
	if (m->fitted) {
		if (m->target)
			fprintf(out, "  target: %s\n", m->target);
		fprintf(out, "  trained on %zu rows, seed %llu\n", m->train_rows,
			(unsigned long long)m->seed);
		fprintf(out, "  features (%d):", m->p);
		for (int j = 0; j < m->p && j < 30; j++)
			fprintf(out, " %s", m->features[j]);
		fprintf(out, "%s\n", m->p > 30 ? " ..." : "");
		{
			int ns = m->recipe ? m->recipe->nsteps : 0;
			fprintf(out, "  recipe: %d step%s\n", ns, ns == 1 ? "" : "s");
		}
		if (m->type->describe)
			m->type->describe(m, out);
		fprintf(out, "  sha256: %s\n", m->json_hash);
	}
	fclose(out);
	return buf;
}

double *model_importance(const struct model *m)
{
	if (!m->fitted || !m->type->importance)
		return NULL;
	double *v = xcalloc((size_t)m->p + 1, sizeof(double));
	if (m->type->importance(m, v) < 0) {
		free(v);
		return NULL;
	}
	double sum = 0;
	for (int j = 0; j < m->p; j++)
		sum += v[j] > 0 ? v[j] : 0;
	for (int j = 0; j < m->p; j++)
		v[j] = sum > 0 && v[j] > 0 ? v[j] / sum : 0;
	return v;
}
