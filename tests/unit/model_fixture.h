/*
 * model_fixture.h — fitting a family directly on hand-built features, for
 * the family unit tests (no frame, no recipe: the family's own contract).
 *
 *   double *cols[2] = { x0, x1 };
 *   struct mldata d = mk_data(n, 2, cols, NULL);
 *   d.cls = cls; d.nclass = 2;            // or d.y = y
 *   struct model *m = fit_direct("tree", params_json_text, MODEL_CLASSIFY, &d, 42, &err);
 *   double *out = predict_direct(m, &d, &err);
 *   char *json = state_json(m);            // the family's state as text
 *   struct model *m2 = reload_direct(m, &err);   // through to_json/from_json
 */
#ifndef WB_TEST_MODEL_FIXTURE_H
#define WB_TEST_MODEL_FIXTURE_H

#include "tap.h"
#include "ml/model.h"

#include <stdlib.h>
#include <string.h>

static const char *fixture_names[] = { "x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7",
				       "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15" };
static int fixture_ncat[64];

/* Features from p column arrays (names x0..x15; ncat all 0 unless given). */
static inline struct mldata mk_data(size_t n, int p, double **cols, const int *ncat)
{
	struct mldata d;
	memset(&d, 0, sizeof(d));
	d.n = n;
	d.p = p;
	d.x = (const double *const *)cols;
	d.names = fixture_names;
	d.ncat = ncat ? ncat : fixture_ncat;
	return d;
}

static inline void fixture_schema(struct model *m, enum model_task task, const struct mldata *d)
{
	m->task = task;
	m->p = d->p;
	m->features = calloc((size_t)d->p, sizeof(char *));
	m->ncat = calloc((size_t)d->p, sizeof(int));
	for (int j = 0; j < d->p; j++) {
		m->features[j] = strdup(d->names[j]);
		m->ncat[j] = d->ncat[j];
	}
	if (task == MODEL_CLASSIFY) {
		m->nclass = d->nclass;
		m->classes = calloc((size_t)d->nclass, sizeof(char *));
		for (int k = 0; k < d->nclass; k++) {
			char buf[16];
			snprintf(buf, sizeof(buf), "c%d", k);
			m->classes[k] = strdup(buf);
		}
	}
	m->train_rows = d->n;
}

/* model_new(family, params) + the schema + type->fit.  NULL on failure. */
static inline struct model *fit_direct(const char *family, const char *params_json,
				       enum model_task task, const struct mldata *d,
				       uint64_t seed, struct wb_err *err)
{
	json_t *params = params_json ? json_loads(params_json, 0, NULL) : NULL;
	struct model *m = model_new(family, params, err);
	json_decref(params);
	if (!m)
		return NULL;
	fixture_schema(m, task, d);
	m->seed = seed;
	struct model_fit_ctx ctx;
	memset(&ctx, 0, sizeof(ctx));
	ctx.seed = seed;
	if (m->type->fit(m, d, &ctx, err) < 0) {
		model_free(m);
		return NULL;
	}
	m->fitted = 1;
	return m;
}

/* type->predict into a new array (nclass per row when classifying). */
static inline double *predict_direct(const struct model *m, const struct mldata *d,
				     struct wb_err *err)
{
	size_t width = m->task == MODEL_CLASSIFY ? (size_t)m->nclass : 1;
	double *out = calloc(d->n * width + 1, sizeof(double));
	if (m->type->predict(m, d, out, err) < 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* The family's learned state as compact JSON text (17 digits). */
static inline char *state_json(const struct model *m)
{
	json_t *o = json_object();
	m->type->to_json(m, o);
	char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
	json_decref(o);
	return s;
}

/* A fresh model of the same family and params, loaded from state_json(m). */
static inline struct model *reload_direct(const struct model *m, struct wb_err *err)
{
	char *text = state_json(m);
	json_t *o = json_loads(text, 0, NULL);
	free(text);
	struct model *r = model_new(m->type->name, m->params, err);
	if (!r) {
		json_decref(o);
		return NULL;
	}
	struct mldata d;
	memset(&d, 0, sizeof(d));
	d.p = m->p;
	d.names = (const char *const *)m->features;
	d.ncat = m->ncat;
	d.nclass = m->nclass;
	fixture_schema(r, m->task, &d);
	if (m->task != MODEL_CLASSIFY)
		r->nclass = m->nclass;
	r->seed = m->seed;
	if (r->type->from_json(r, o, "$.state", err) < 0) {
		json_decref(o);
		model_free(r);
		return NULL;
	}
	json_decref(o);
	r->fitted = 1;
	return r;
}

/* Each case is { params JSON, text the error must contain }: model_new must
 * refuse the parameters with a message naming the parameter. */
static inline void expect_bad_params(const char *family, const char *const (*cases)[2],
				     size_t n)
{
	for (size_t k = 0; k < n; k++) {
		struct wb_err err;
		err.msg[0] = 0;
		json_t *p = json_loads(cases[k][0], 0, NULL);
		struct model *m = model_new(family, p, &err);
		json_decref(p);
		ok(m == NULL, "%s: rejects %s", family, cases[k][0]);
		like(err.msg, cases[k][1], "error names %s", cases[k][1]);
		model_free(m);
	}
}

#endif
