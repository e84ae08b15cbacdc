/*
 * test_model — the model driver: registry, parameters, task inference,
 * classes, default recipes, features, prediction frames and the JSON
 * round trip.  It registers its own tiny family ("prior": the class
 * frequencies or the mean, plus the sum of the first feature so feature
 * mapping shows in the output), exercising the same registry plugins use.
 */
#include "tap.h"
#include "fixture.h"
#include "core/csv.h"
#include "core/frame_ops.h"
#include "ml/model.h"
#include "ml/recipe.h"

#include <stdlib.h>

struct prior {
	double *v;   /* class frequencies, or the mean */
	int k;
	double bias; /* from init: the "bias" parameter */
};

static const char *const prior_params[] = { "bias", "class_weight", NULL };

static void prior_free(void *p)
{
	struct prior *s = p;
	if (s)
		free(s->v);
	free(s);
}

static int prior_init(struct model *m, struct wb_err *err)
{
	struct prior *s = calloc(1, sizeof(*s));
	m->state = s;
	return model_param_num(m, "bias", 0, -10, 10, 0, 0, &s->bias, err);
}

static int prior_fit(struct model *m, const struct mldata *d, const struct model_fit_ctx *ctx,
		     struct wb_err *err)
{
	struct prior *s = m->state;
	s->k = m->task == MODEL_CLASSIFY ? d->nclass : 1;
	s->v = calloc((size_t)s->k, sizeof(double));
	for (size_t i = 0; i < d->n; i++) {
		if (m->task == MODEL_CLASSIFY)
			s->v[d->cls[i]] += 1.0 / (double)d->n;
		else
			s->v[0] += d->y[i] / (double)d->n;
	}
	if (ctx->on_metric)
		ctx->on_metric(ctx->ud, "train_fake", 1.0, 1);
	return 0;
}

/* Regression: mean + bias + x0 (NaN counts as 0); classification: priors. */
static int prior_predict(const struct model *m, const struct mldata *d, double *out,
			 struct wb_err *err)
{
	const struct prior *s = m->state;
	for (size_t i = 0; i < d->n; i++) {
		if (m->task == MODEL_CLASSIFY) {
			for (int k = 0; k < s->k; k++)
				out[i * (size_t)s->k + (size_t)k] = s->v[k];
		} else {
			double x = d->x[0][i];
			out[i] = s->v[0] + s->bias + (isnan(x) ? 0 : x);
		}
	}
	return 0;
}

static void prior_to_json(const struct model *m, json_t *obj)
{
	const struct prior *s = m->state;
	json_object_set_new(obj, "v", model_json_nums(s->v, (size_t)s->k));
}

static int prior_from_json(struct model *m, const json_t *obj, const char *path,
			   struct wb_err *err)
{
	struct prior *s = m->state;
	long n = model_json_array_len(obj, path, "v", err);
	if (n < 0)
		return -1;
	s->k = (int)n;
	s->v = calloc((size_t)n + 1, sizeof(double));
	return model_json_get_nums(obj, path, "v", s->v, (size_t)n, err);
}

static const struct model_type prior_linear = {
	.name = "prior", .summary = "test family", .params = prior_params,
	.tasks = MODEL_CLASSIFY | MODEL_REGRESS, .prep = MODEL_PREP_LINEAR,
	.init = prior_init, .fit = prior_fit, .predict = prior_predict,
	.to_json = prior_to_json, .from_json = prior_from_json, .free = prior_free,
};

static const struct model_type prior_raw = {
	.name = "prior_raw", .summary = "test family, no recipe", .params = prior_params,
	.tasks = MODEL_CLASSIFY | MODEL_REGRESS, .prep = MODEL_PREP_NONE,
	.init = prior_init, .fit = prior_fit, .predict = prior_predict,
	.to_json = prior_to_json, .from_json = prior_from_json, .free = prior_free,
};

static struct frame *csv(const char *text)
{
	struct wb_err err;
	struct frame *f = csv_read_mem("mem.csv", text, strlen(text), NULL, NULL, &err);
	if (!f) {
		printf("# csv: %s\n", err.msg);
		abort();
	}
	return f;
}

static struct model *train(const char *family, const char *params, const struct frame *f,
			   const char *target, struct wb_err *err)
{
	json_t *p = params ? json_loads(params, 0, NULL) : NULL;
	struct model *m = model_new(family, p, err);
	json_decref(p);
	if (!m)
		return NULL;
	struct model_train_opts o;
	memset(&o, 0, sizeof(o));
	o.target = target;
	o.seed = 7;
	if (model_train(m, f, &o, err) < 0) {
		model_free(m);
		return NULL;
	}
	return m;
}

static void test_registry(void)
{
	struct wb_err err;
	ok(model_register(&prior_linear) == 0 && model_register(&prior_raw) == 0, "register");
	ok(model_find_type("prior") == &prior_linear, "found by name");
	ok(!model_new("nope", NULL, &err), "unknown family");
	like(err.msg, "unknown model 'nope' (models: ", "lists the models");
	like(err.msg, "prior", "... including ours");
	json_t *p = json_loads("{\"bogus\": 1}", 0, NULL);
	ok(!model_new("prior", p, &err), "unknown parameter");
	is_str(err.msg, "prior: unknown parameter 'bogus' (valid: bias, class_weight)",
	       "names it and the valid ones");
	json_decref(p);
	p = json_loads("{\"bias\": 11}", 0, NULL);
	ok(!model_new("prior", p, &err), "out of range");
	is_str(err.msg, "prior: parameter 'bias' must be in [-10, 10], got 11", "range message");
	json_decref(p);
	p = json_loads("{\"bias\": \"x\"}", 0, NULL);
	ok(!model_new("prior", p, &err), "wrong type");
	is_str(err.msg, "prior: parameter 'bias' must be a number", "type message");
	json_decref(p);
}

static void test_bad_training(void)
{
	struct wb_err err;
	struct frame *f = csv("x,y,z\n1,a,1\n2,b,\n3,a,3\n");
	ok(!train("prior", NULL, f, "yy", &err), "target absent");
	like(err.msg, "'yy'", "names the target");
	like(err.msg, "did you mean 'y'", "suggests the column");
	ok(!train("prior", NULL, f, "z", &err), "missing target value");
	is_str(err.msg, "target 'z' is missing in 1 row (first: row 2); filter them out first",
	       "says which row");
	struct frame *one = csv("x,y\n1,a\n2,a\n");
	ok(!train("prior", NULL, one, "y", &err), "single class");
	is_str(err.msg, "target 'y' has a single class ('a'); a classifier needs at least two",
	       "single-class message");
	struct frame *empty = frame_head(f, 0);
	ok(!train("prior", NULL, empty, "y", &err), "empty frame");
	is_str(err.msg, "prior: the training frame has no rows", "empty message");
	struct frame *only = csv("y\n1.5\n2.5\n");
	ok(!train("prior", NULL, only, "y", &err), "no features");
	like(err.msg, "no features", "no-features message");
	frame_unref(f);
	frame_unref(one);
	frame_unref(empty);
	frame_unref(only);
}

static void test_classify(void)
{
	struct wb_err err;
	/* note: free text column `note` is dropped by the default recipe;
	 * `home` is cat and gets one-hot encoded, `age` imputed + standardized. */
	struct frame *f = csv("age,home,note,y\n"
			      "20,rent,aa1,yes\n30,own,bb2,no\n,rent,cc3,yes\n40,own,dd4,yes\n"
			      "50,rent,ee5,no\n60,own,ff6,yes\n70,rent,gg7,yes\n80,own,hh8,no\n");
	struct model *m = train("prior", NULL, f, "y", &err);
	if (!ok(m != NULL, "trains on raw data with missing values and text"))
		printf("# %s\n", err.msg);
	if (!m)
		return;
	is_int(m->task, MODEL_CLASSIFY, "cat target: classification");
	is_int(m->nclass, 2, "two classes");
	is_str(m->classes[0], "no", "classes sorted (no)");
	is_str(m->classes[1], "yes", "classes sorted (yes)");
	is_int(m->p, 3, "features: age, home_own, home_rent");
	is_str(m->features[0], "age", "age first");
	is_str(m->features[1], "home_own", "one-hot levels");
	ok(m->recipe && m->recipe->nsteps == 4, "linear default recipe has 4 steps");
	struct frame *p = model_predict(m, f, 1, &err);
	ok(p && p->ncol == 3, "pred + 2 probabilities");
	is_str(p->names[1], "p_no", "p_no");
	is_dbl(p->cols[2]->num[0], 5.0 / 8, 1e-12, "p_yes is the prior");
	is_int(p->cols[0]->kind, COL_CAT, "pred has the target's kind");
	is_str(p->cols[0]->levels[p->cols[0]->codes[0]], "yes", "pred is the majority");
	struct frame *p2 = model_predict(m, f, 0, &err);
	ok(p2 && p2->ncol == 1, "proba off: pred only");

	/* Scoring input lacking a feature. */
	struct frame *bad = csv("home,y\nrent,yes\n");
	ok(!model_predict(m, bad, 1, &err), "missing feature column");
	like(err.msg, "'age'", "names it");

	/* Truth mapping: unseen classes and missing truth. */
	struct frame *t = csv("age,home,y\n1,rent,yes\n2,own,maybe\n3,own,\n");
	int32_t cls[3];
	ok(model_target(m, t, cls, NULL, &err) == 0, "model_target");
	ok(cls[0] == 1 && cls[1] == -1 && cls[2] == -2, "known, unseen, missing");

	/* JSON round trip: same text, same hash, same predictions. */
	char *j = model_to_json(m);
	struct model *r = model_from_json(j, &err);
	if (!ok(r != NULL, "reloads"))
		printf("# %s\n", err.msg);
	char *j2 = r ? model_to_json(r) : NULL;
	ok(j2 && !strcmp(j, j2), "identical JSON after a round trip");
	ok(r && !strcmp(r->json_hash, m->json_hash), "same hash");
	struct frame *p3 = r ? model_predict(r, f, 1, &err) : NULL;
	ok(p3 && !memcmp(p3->hash, p->hash, WB_HASH_LEN), "same prediction hash");
	free(j2);
	/* Newer versions and wrong formats are refused. */
	char *newer = strdup(j);
	char *v = strstr(newer, "\"version\":1");
	if (v)
		v[10] = '9';
	ok(!model_from_json(newer, &err), "newer version refused");
	like(err.msg, "version 9 is newer", "says so");
	ok(!model_from_json("{\"format\":\"x\"}", &err), "wrong format refused");
	like(err.msg, "$.format", "names the path");
	ok(!model_from_json("{", &err), "broken JSON refused");
	like(err.msg, "model JSON: line 1", "with a position");
	free(newer);
	free(j);

	/* Same data, same seed: the same model bytes. */
	struct model *again = train("prior", NULL, f, "y", &err);
	ok(again && !strcmp(again->json_hash, m->json_hash), "deterministic");

	model_free(again);
	model_free(r);
	frame_unref(p3);
	frame_unref(t);
	frame_unref(bad);
	frame_unref(p2);
	frame_unref(p);
	model_free(m);
	frame_unref(f);
}

static void test_int_and_regress(void)
{
	struct wb_err err;
	struct frame *f = csv("x,y,n\n1,10,1\n2,1,0\n3,2,1\n4,10,1\n");
	struct model *m = train("prior_raw", NULL, f, "n", &err);
	ok(m && m->task == MODEL_CLASSIFY, "int target with two values: classification");
	struct frame *p = m ? model_predict(m, f, 0, &err) : NULL;
	ok(p && p->cols[0]->kind == COL_INT && p->cols[0]->i64[0] == 1, "int pred");
	struct model *r = train("prior_raw", "{\"bias\": 1}", f, "y", &err);
	ok(r && r->task == MODEL_REGRESS, "int target with many values: regression");
	ok(r && r->classes == NULL, "no classes");
	/* y mean = 5.75; + bias 1 + x */
	struct frame *q = r ? model_predict(r, f, 1, &err) : NULL;
	ok(q && q->ncol == 1, "regression: pred only");
	is_dbl(q ? q->cols[0]->num[1] : 0, 5.75 + 1 + 2, 1e-12, "value");
	/* Classes with numeric order: 2 < 10. */
	struct frame *g = csv("x,y\n1,10\n2,2\n3,10\n");
	json_t *task = NULL;
	(void)task;
	struct model *c = model_new("prior_raw", NULL, &err);
	struct model_train_opts o;
	memset(&o, 0, sizeof(o));
	o.target = "y";
	o.task = MODEL_CLASSIFY;
	ok(c && model_train(c, g, &o, &err) == 0, "forced classification");
	ok(c && c->nclass == 2 && !strcmp(c->classes[0], "2") && !strcmp(c->classes[1], "10"),
	   "numeric class order");
	model_free(c);
	frame_unref(g);
	frame_unref(q);
	model_free(r);
	frame_unref(p);
	model_free(m);
	frame_unref(f);
}

static void test_categorical_features(void)
{
	struct wb_err err;
	/* prior_raw keeps cat features; scoring input with another dictionary
	 * order maps by text, unseen levels become missing. */
	struct frame *f = csv("c,y\nb,1.0\na,2.0\nb,3.0\n");
	struct model *m = train("prior_raw", NULL, f, "y", &err);
	if (!ok(m && m->ncat[0] == 2, "cat feature kept with its levels"))
		printf("# %s\n", err.msg);
	if (!m) {
		frame_unref(f);
		return;
	}
	struct frame *s = csv("c\nz\nb\na\n");
	struct frame *p = model_predict(m, s, 0, &err);
	/* mean 2 + code: z -> NaN -> 0, b -> 1, a -> 0 */
	ok(p && p->cols[0]->num[0] == 2 && p->cols[0]->num[1] == 3 && p->cols[0]->num[2] == 2,
	   "levels mapped by text; unseen is missing");
	struct frame *w = csv("c,y,w\nb,1,1\na,2,0\n");
	struct model *mw = model_new("prior_raw", NULL, &err);
	struct model_train_opts o;
	memset(&o, 0, sizeof(o));
	o.target = "y";
	o.weight = "w";
	ok(mw && model_train(mw, w, &o, &err) < 0, "zero weight refused");
	is_str(err.msg, "training data: weight 'w' in row 2 must be a finite number > 0",
	       "weight message");
	model_free(mw);
	frame_unref(w);
	frame_unref(p);
	frame_unref(s);
	model_free(m);
	frame_unref(f);
}

int main(void)
{
	test_registry();
	test_bad_training();
	test_classify();
	test_int_and_regress();
	test_categorical_features();
	return tap_done();
}
