/*
 * export_c_model — the family half of `wb export-c` (export_c.h): the
 * learned state, read from the model JSON, as static tables plus a scoring
 * function that repeats the family's predict operation for operation.
 *
 * Trees of every family (tree, forest, gbdt) share one node layout: parallel
 * tables feature / threshold / left / right / missing-left over all the
 * trees, where a leaf's `left` entry is the offset of its values in the
 * value table.  The walk is cart_leaf's: NaN follows missing-left, else
 * x <= threshold goes left; gbdt's branch-free walk (right when x > thr, or
 * NaN and missing-right) takes the same path.
 */
#include "ship/export_c.h"
#include "ml/model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- tables */

static void emit_doubles(struct strbuf *sb, const char *prefix, const char *name,
			 const double *v, size_t n)
{
	strbuf_addf(sb, "static const double %s_%s[%zu] = {", prefix, name, n ? n : 1);
	for (size_t i = 0; i < n; i++) {
		strbuf_adds(sb, i % 4 ? " " : "\n\t");
		export_c_double(sb, v[i]);
		strbuf_adds(sb, ",");
	}
	if (!n)
		strbuf_adds(sb, " 0");
	strbuf_adds(sb, "\n};\n");
}

static void emit_ints(struct strbuf *sb, const char *type, const char *prefix,
		      const char *name, const int32_t *v, size_t n)
{
	strbuf_addf(sb, "static const %s %s_%s[%zu] = {", type, prefix, name, n ? n : 1);
	for (size_t i = 0; i < n; i++)
		strbuf_addf(sb, "%s%ld,", i % 12 ? " " : "\n\t", (long)v[i]);
	if (!n)
		strbuf_adds(sb, " 0");
	strbuf_adds(sb, "\n};\n");
}

/* obj[key] as exactly n numbers (n < 0: any length, *n_out gets it). */
static double *json_nums(const json_t *obj, const char *key, long n, size_t *n_out,
			 struct wb_err *err)
{
	const json_t *a = json_object_get(obj, key);
	if (!json_is_array(a) || (n >= 0 && json_array_size(a) != (size_t)n)) {
		wb_error(err, "export-c: model state '%s' is not an array of %ld numbers", key, n);
		return NULL;
	}
	size_t len = json_array_size(a);
	double *v = xmallocarray(len + 1, sizeof(double));
	for (size_t i = 0; i < len; i++)
		if (export_c_json_num(json_array_get(a, i), &v[i]) < 0) {
			wb_error(err, "export-c: model state '%s[%zu]' is not a number", key, i);
			free(v);
			return NULL;
		}
	if (n_out)
		*n_out = len;
	return v;
}

static int32_t *json_ints(const json_t *obj, const char *key, size_t n, struct wb_err *err)
{
	const json_t *a = json_object_get(obj, key);
	if (!json_is_array(a) || json_array_size(a) != n) {
		wb_error(err, "export-c: model state '%s' is not an array of %zu integers", key, n);
		return NULL;
	}
	int32_t *v = xmallocarray(n + 1, sizeof(int32_t));
	for (size_t i = 0; i < n; i++) {
		const json_t *e = json_array_get(a, i);
		if (!json_is_integer(e)) {
			wb_error(err, "export-c: model state '%s[%zu]' is not an integer", key, i);
			free(v);
			return NULL;
		}
		v[i] = (int32_t)json_integer_value(e);
	}
	return v;
}

/* ---------------------------------------------------------------- trees */

/* All the trees of a model in the shared layout. */
struct forest_tab {
	size_t n, nv, cap, vcap;   /* nodes, values */
	int32_t *f, *l, *r, *ml;
	double *thr, *val;
	int ntree;
	int32_t *root;
};

static void tab_release(struct forest_tab *t)
{
	free(t->f);
	free(t->l);
	free(t->r);
	free(t->ml);
	free(t->thr);
	free(t->val);
	free(t->root);
}

/* Appends one tree (JSON object o).  nvalue values per leaf; leaf_only:
 * "value" lists the leaves' values only (forest), else every node's. */
static int tab_add(struct forest_tab *t, const json_t *o, int nvalue, int leaf_only, int p,
		   struct wb_err *err)
{
	const json_t *fa = json_object_get(o, "feature");
	if (!json_is_array(fa) || !json_array_size(fa))
		return wb_error(err, "export-c: model state: a tree has no 'feature' array");
	size_t nn = json_array_size(fa), nval;
	int rc = -1;
	int32_t *f = json_ints(o, "feature", nn, err), *l = NULL, *r = NULL, *ml = NULL;
	double *thr = NULL, *val = NULL;
	if (!f || !(l = json_ints(o, "left", nn, err)) || !(r = json_ints(o, "right", nn, err)) ||
	    !(ml = json_ints(o, "missing_left", nn, err)) ||
	    !(thr = json_nums(o, "threshold", (long)nn, NULL, err)) ||
	    !(val = json_nums(o, "value", -1, &nval, err)))
		goto out;
	size_t base = t->n, q = 0;
	t->root = xreallocarray(t->root, (size_t)t->ntree + 1, sizeof(int32_t));
	t->root[t->ntree++] = (int32_t)base;
	t->f = xreallocarray(t->f, base + nn, sizeof(int32_t));
	t->l = xreallocarray(t->l, base + nn, sizeof(int32_t));
	t->r = xreallocarray(t->r, base + nn, sizeof(int32_t));
	t->ml = xreallocarray(t->ml, base + nn, sizeof(int32_t));
	t->thr = xreallocarray(t->thr, base + nn, sizeof(double));
	for (size_t k = 0; k < nn; k++) {
		size_t id = base + k;
		if (f[k] < -1 || f[k] >= p) {
			wb_error(err, "export-c: model state: node %zu has no feature %d", k, (int)f[k]);
			goto out;
		}
		t->f[id] = f[k];
		t->ml[id] = ml[k] != 0;
		if (f[k] >= 0) {
			/* Children after their parent, as the loaders check: every
			 * walk ends. */
			if (l[k] <= (int32_t)k || (size_t)l[k] >= nn || r[k] <= (int32_t)k ||
			    (size_t)r[k] >= nn) {
				wb_error(err, "export-c: model state: node %zu has bad children", k);
				goto out;
			}
			t->l[id] = (int32_t)base + l[k];
			t->r[id] = (int32_t)base + r[k];
			t->thr[id] = thr[k];
			continue;
		}
		size_t from = leaf_only ? q : k * (size_t)nvalue;
		if (from + (size_t)nvalue > nval) {
			wb_error(err, "export-c: model state: too few leaf values");
			goto out;
		}
		t->val = xreallocarray(t->val, t->nv + (size_t)nvalue, sizeof(double));
		memcpy(t->val + t->nv, val + from, (size_t)nvalue * sizeof(double));
		t->l[id] = (int32_t)t->nv;
		t->r[id] = 0;
		t->thr[id] = 0;
		t->nv += (size_t)nvalue;
		q += (size_t)nvalue;
	}
	t->n = base + nn;
	rc = 0;
out:
	free(f);
	free(l);
	free(r);
	free(ml);
	free(thr);
	free(val);
	return rc;
}

static void tab_emit(struct strbuf *sb, const struct forest_tab *t, const char *prefix)
{
	strbuf_adds(sb, "/* Tree nodes: feature (-1 = leaf), threshold (x <= threshold goes "
		    "left),\n * left child (a leaf: offset of its values), right child, "
		    "where NaN goes (1 = left). */\n");
	emit_ints(sb, "int32_t", prefix, "feat", t->f, t->n);
	emit_doubles(sb, prefix, "thr", t->thr, t->n);
	emit_ints(sb, "int32_t", prefix, "left", t->l, t->n);
	emit_ints(sb, "int32_t", prefix, "right", t->r, t->n);
	emit_ints(sb, "unsigned char", prefix, "nanleft", t->ml, t->n);
	emit_doubles(sb, prefix, "value", t->val, t->nv);
	emit_ints(sb, "int32_t", prefix, "root", t->root, (size_t)t->ntree);
	strbuf_addf(sb, "\n/* The values of the leaf that x falls in, from node k. */\n"
		    "static const double *%s_leaf(int32_t k, const double *x)\n{\n"
		    "\twhile (%s_feat[k] >= 0) {\n"
		    "\t\tdouble v = x[%s_feat[k]];\n"
		    "\t\tint left = v != v ? %s_nanleft[k] : v <= %s_thr[k];\n"
		    "\t\tk = left ? %s_left[k] : %s_right[k];\n"
		    "\t}\n\treturn %s_value + %s_left[k];\n}\n\n",
		    prefix, prefix, prefix, prefix, prefix, prefix, prefix, prefix, prefix);
}

/* ---------------------------------------------------------------- families */

static void emit_argmax(struct strbuf *sb, int k)
{
	/* model_argmax: the first class with the largest probability. */
	strbuf_addf(sb, "\t{\n\t\tint c, best = 0;\n\t\tfor (c = 1; c < %d; c++)\n"
		    "\t\t\tif (out[c] > out[best])\n\t\t\t\tbest = c;\n\t\treturn best;\n\t}\n}\n",
		    k);
}

static int emit_gbdt(struct strbuf *sb, const struct model *m, const json_t *st,
		     const char *prefix, struct wb_err *err)
{
	const char *loss = json_string_value(json_object_get(st, "loss"));
	const json_t *trees = json_object_get(st, "trees");
	const json_t *kv = json_object_get(st, "trees_per_round");
	if (!loss || !json_is_array(trees) || !json_is_integer(kv))
		return wb_error(err, "export-c: gbdt state lacks loss, trees or trees_per_round");
	int k = (int)json_integer_value(kv);
	int classify = m->task == MODEL_CLASSIFY;
	int softmax = !strcmp(loss, "softmax");
	if (classify && !softmax && strcmp(loss, "logloss"))
		return wb_error(err, "export-c: gbdt loss '%s' cannot classify", loss);
	if (k != (classify && softmax ? m->nclass : 1) || k < 1)
		return wb_error(err, "export-c: gbdt trees_per_round %d does not fit the task", k);
	if (json_array_size(trees) % (size_t)k)
		return wb_error(err, "export-c: gbdt has %zu trees, not a multiple of %d",
				json_array_size(trees), k);
	double *base = json_nums(st, "base", k, NULL, err);
	if (!base)
		return -1;
	struct forest_tab t;
	memset(&t, 0, sizeof(t));
	for (size_t i = 0; i < json_array_size(trees); i++)
		if (tab_add(&t, json_array_get(trees, i), 1, 0, m->p, err) < 0) {
			free(base);
			tab_release(&t);
			return -1;
		}
	tab_emit(sb, &t, prefix);
	emit_doubles(sb, prefix, "base", base, (size_t)k);
	free(base);
	/* predict_scores: F starts at base, then every tree adds its leaf in
	 * tree order to score t % k. */
	strbuf_addf(sb, "\nstatic int %s_family(const double *x, double *out)\n{\n"
		    "\tdouble F[%d];\n\tint c, t;\n"
		    "\tfor (c = 0; c < %d; c++)\n\t\tF[c] = %s_base[c];\n"
		    "\tfor (t = 0; t < %d; t++)\n\t\tF[t %% %d] += *%s_leaf(%s_root[t], x);\n",
		    prefix, k, k, prefix, t.ntree, k, prefix, prefix);
	tab_release(&t);
	if (!classify) {
		strbuf_adds(sb, "\tout[0] = F[0];\n\t(void)c;\n\treturn 0;\n}\n");
		return 0;
	}
	if (!softmax) {
		strbuf_adds(sb, "\t{\n\t\tdouble pr = 1 / (1 + exp(-F[0]));\n"
			    "\t\tout[0] = 1 - pr;\n\t\tout[1] = pr;\n\t}\n");
	} else {
		/* softmax_row */
		strbuf_addf(sb, "\t{\n\t\tdouble mx = F[0], sum = 0;\n"
			    "\t\tfor (c = 1; c < %d; c++)\n\t\t\tif (F[c] > mx)\n\t\t\t\tmx = F[c];\n"
			    "\t\tfor (c = 0; c < %d; c++) {\n\t\t\tout[c] = exp(F[c] - mx);\n"
			    "\t\t\tsum += out[c];\n\t\t}\n"
			    "\t\tfor (c = 0; c < %d; c++)\n\t\t\tout[c] /= sum;\n\t}\n", k, k, k);
	}
	emit_argmax(sb, m->nclass);
	return 0;
}

/* tree (every node's values) and forest (leaf values; mean over trees). */
static int emit_cart(struct strbuf *sb, const struct model *m, const json_t *st,
		     const char *prefix, int forest, struct wb_err *err)
{
	int nv = m->task == MODEL_CLASSIFY ? m->nclass : 1;
	struct forest_tab t;
	memset(&t, 0, sizeof(t));
	if (forest) {
		const json_t *trees = json_object_get(st, "trees");
		if (!json_is_array(trees) || !json_array_size(trees))
			return wb_error(err, "export-c: forest state has no trees");
		for (size_t i = 0; i < json_array_size(trees); i++)
			if (tab_add(&t, json_array_get(trees, i), nv, 1, m->p, err) < 0) {
				tab_release(&t);
				return -1;
			}
	} else if (tab_add(&t, st, nv, 0, m->p, err) < 0) {
		tab_release(&t);
		return -1;
	}
	tab_emit(sb, &t, prefix);
	strbuf_addf(sb, "static int %s_family(const double *x, double *out)\n{\n\tint c;\n", prefix);
	if (!forest) {
		strbuf_addf(sb, "\tconst double *v = %s_leaf(%s_root[0], x);\n"
			    "\tfor (c = 0; c < %d; c++)\n\t\tout[c] = v[c];\n", prefix, prefix, nv);
	} else {
		/* forest_predict: zero, add the trees in index order, divide by T. */
		strbuf_addf(sb, "\tint t;\n\tfor (c = 0; c < %d; c++)\n\t\tout[c] = 0;\n"
			    "\tfor (t = 0; t < %d; t++) {\n"
			    "\t\tconst double *v = %s_leaf(%s_root[t], x);\n"
			    "\t\tfor (c = 0; c < %d; c++)\n\t\t\tout[c] += v[c];\n\t}\n"
			    "\tfor (c = 0; c < %d; c++)\n\t\tout[c] /= %d;\n",
			    nv, t.ntree, prefix, prefix, nv, nv, t.ntree);
	}
	tab_release(&t);
	if (m->task != MODEL_CLASSIFY) {
		strbuf_adds(sb, "\treturn 0;\n}\n");
		return 0;
	}
	emit_argmax(sb, m->nclass);
	return 0;
}

static int emit_linear(struct strbuf *sb, const struct model *m, const json_t *st,
		       const char *prefix, struct wb_err *err)
{
	double icpt;
	if (export_c_json_num(json_object_get(st, "intercept"), &icpt) < 0)
		return wb_error(err, "export-c: linear state lacks the intercept");
	double *coef = json_nums(st, "coef", m->p, NULL, err), *fill = NULL;
	if (!coef || !(fill = json_nums(st, "fill", m->p, NULL, err))) {
		free(coef);
		return -1;
	}
	emit_doubles(sb, prefix, "coef", coef, (size_t)m->p);
	emit_doubles(sb, prefix, "fill", fill, (size_t)m->p);
	free(coef);
	free(fill);
	/* linear_predict: intercept, then coef * (x or the fill when NaN) for
	 * each nonzero coefficient in feature order. */
	strbuf_addf(sb, "\nstatic int %s_family(const double *x, double *out)\n{\n\tint j;\n"
		    "\tout[0] = ", prefix);
	export_c_double(sb, icpt);
	strbuf_addf(sb, ";\n\tfor (j = 0; j < %d; j++)\n\t\tif (%s_coef[j] != 0)\n"
		    "\t\t\tout[0] += %s_coef[j] * (isnan(x[j]) ? %s_fill[j] : x[j]);\n"
		    "\treturn 0;\n}\n", m->p, prefix, prefix, prefix);
	return 0;
}

static int emit_logistic(struct strbuf *sb, const struct model *m, const json_t *st,
			 const char *prefix, struct wb_err *err)
{
	const json_t *vv = json_object_get(st, "vectors"), *ovr = json_object_get(st, "ovr");
	if (!json_is_integer(vv) || !json_is_boolean(ovr))
		return wb_error(err, "export-c: logistic state lacks vectors or ovr");
	int V = (int)json_integer_value(vv), K = m->nclass;
	if (!(V == 1 && K == 2) && V != K)
		return wb_error(err, "export-c: logistic has %d vectors for %d classes", V, K);
	double *coef = json_nums(st, "coef", (long)V * m->p, NULL, err), *fill = NULL, *icpt = NULL;
	if (!coef || !(fill = json_nums(st, "fill", m->p, NULL, err)) ||
	    !(icpt = json_nums(st, "intercept", V, NULL, err))) {
		free(coef);
		free(fill);
		return -1;
	}
	emit_doubles(sb, prefix, "coef", coef, (size_t)V * (size_t)m->p);
	emit_doubles(sb, prefix, "fill", fill, (size_t)m->p);
	emit_doubles(sb, prefix, "icpt", icpt, (size_t)V);
	free(coef);
	free(fill);
	free(icpt);
	/* logistic_predict, one row: z[v] = intercept + sum over features in
	 * order of w * (x or fill), skipping zero weights. */
	strbuf_addf(sb, "\nstatic int %s_family(const double *x, double *out)\n{\n"
		    "\tdouble z[%d], sum = 0;\n\tint j, v, k;\n"
		    "\tfor (v = 0; v < %d; v++)\n\t\tz[v] = %s_icpt[v];\n"
		    "\tfor (j = 0; j < %d; j++)\n\t\tfor (v = 0; v < %d; v++) {\n"
		    "\t\t\tdouble w = %s_coef[v * %d + j];\n"
		    "\t\t\tif (w != 0)\n\t\t\t\tz[v] += w * (isnan(x[j]) ? %s_fill[j] : x[j]);\n"
		    "\t\t}\n",
		    prefix, V, V, prefix, m->p, V, prefix, m->p, prefix);
	if (V == 1) {
		strbuf_adds(sb, "\t{\n\t\tdouble t = z[0], e = exp(-fabs(t));\n"
			    "\t\tdouble p1 = t >= 0 ? 1 / (1 + e) : e / (1 + e);\n"
			    "\t\tout[0] = 1 - p1;\n\t\tout[1] = p1;\n\t}\n"
			    "\t(void)sum;\n\t(void)k;\n");
	} else {
		if (json_is_true(ovr))
			strbuf_addf(sb, "\tfor (k = 0; k < %d; k++) {\n"
				    "\t\tdouble t = z[k], e = exp(-fabs(t));\n"
				    "\t\tout[k] = t >= 0 ? 1 / (1 + e) : e / (1 + e);\n"
				    "\t\tsum += out[k];\n\t}\n", K);
		else
			strbuf_addf(sb, "\t{\n\t\tdouble zmax = z[0];\n"
				    "\t\tfor (k = 1; k < %d; k++)\n\t\t\tif (z[k] > zmax)\n"
				    "\t\t\t\tzmax = z[k];\n"
				    "\t\tfor (k = 0; k < %d; k++) {\n\t\t\tout[k] = exp(z[k] - zmax);\n"
				    "\t\t\tsum += out[k];\n\t\t}\n\t}\n", K, K);
		strbuf_addf(sb, "\tif (!(sum > 0) || !isfinite(sum))\n"
			    "\t\tfor (k = 0; k < %d; k++)\n\t\t\tout[k] = 1.0 / %d;\n"
			    "\telse\n\t\tfor (k = 0; k < %d; k++)\n\t\t\tout[k] /= sum;\n", K, K, K);
	}
	emit_argmax(sb, K);
	return 0;
}

/* nb_predict: log prior plus the Gaussian / categorical log likelihoods of
 * the present features, then log-sum-exp. */
static int emit_naive_bayes(struct strbuf *sb, const struct model *m, const json_t *st,
			    const char *prefix, struct wb_err *err)
{
	int K = m->nclass, p = m->p;
	size_t cp = (size_t)K * (size_t)p, nlp = 0;
	int32_t *off = xcalloc((size_t)p + 1, sizeof(int32_t));
	int32_t *ncat = xcalloc((size_t)p + 1, sizeof(int32_t));
	for (int j = 0; j < p; j++) {
		off[j] = (int32_t)nlp;
		ncat[j] = m->ncat[j];
		nlp += (size_t)K * (size_t)m->ncat[j];
	}
	double *lp = NULL, *theta = NULL, *var = NULL, *clp = NULL;
	int32_t *kind = NULL;
	int rc = -1;
	if (!(lp = json_nums(st, "log_prior", K, NULL, err)) ||
	    !(kind = json_ints(st, "kind", (size_t)p, err)) ||
	    !(theta = json_nums(st, "theta", (long)cp, NULL, err)) ||
	    !(var = json_nums(st, "var", (long)cp, NULL, err)) ||
	    !(clp = json_nums(st, "cat_logp", (long)nlp, NULL, err)))
		goto out;
	emit_doubles(sb, prefix, "lprior", lp, (size_t)K);
	emit_ints(sb, "int", prefix, "kind", kind, (size_t)p);
	emit_doubles(sb, prefix, "theta", theta, cp);
	emit_doubles(sb, prefix, "var", var, cp);
	emit_doubles(sb, prefix, "catlp", clp, nlp);
	emit_ints(sb, "int32_t", prefix, "off", off, (size_t)p);
	emit_ints(sb, "int32_t", prefix, "ncat", ncat, (size_t)p);
	strbuf_addf(sb, "\nstatic int %s_family(const double *x, double *out)\n{\n"
		    "\tdouble best = -INFINITY, sum = 0;\n\tint c, j;\n"
		    "\tfor (c = 0; c < %d; c++) {\n"
		    "\t\tdouble jll = %s_lprior[c], lnorm = 0, quad = 0, lcat = 0;\n"
		    "\t\tif (jll == -INFINITY) {\n\t\t\tout[c] = jll;\n\t\t\tcontinue;\n\t\t}\n"
		    "\t\tfor (j = 0; j < %d; j++) {\n"
		    "\t\t\tdouble v = x[j];\n\t\t\tint cj = c * %d + j;\n"
		    "\t\t\tif (isnan(v) || %s_kind[j] == 0)\n\t\t\t\tcontinue;\n"
		    "\t\t\tif (%s_kind[j] == 1) {\n"
		    "\t\t\t\tdouble e = v - %s_theta[cj];\n"
		    "\t\t\t\tlnorm += log(2.0 * ", prefix, K, prefix, p, p, prefix, prefix, prefix);
	export_c_double(sb, M_PI);
	strbuf_addf(sb, " * %s_var[cj]);\n"
		    "\t\t\t\tquad += e * e / %s_var[cj];\n"
		    "\t\t\t} else {\n\t\t\t\tint L = %s_ncat[j];\n"
		    "\t\t\t\tif (v < 0 || v >= L || v != floor(v))\n\t\t\t\t\tcontinue;\n"
		    "\t\t\t\tlcat += %s_catlp[%s_off[j] + c * L + (int)v];\n\t\t\t}\n\t\t}\n"
		    "\t\tjll += -0.5 * lnorm - 0.5 * quad + lcat;\n\t\tout[c] = jll;\n"
		    "\t\tif (jll > best)\n\t\t\tbest = jll;\n\t}\n"
		    "\tfor (c = 0; c < %d; c++) {\n\t\tout[c] = exp(out[c] - best);\n"
		    "\t\tsum += out[c];\n\t}\n"
		    "\tfor (c = 0; c < %d; c++)\n\t\tout[c] /= sum;\n",
		    prefix, prefix, prefix, prefix, prefix, K, K);
	emit_argmax(sb, K);
	rc = 0;
out:
	free(off);
	free(ncat);
	free(lp);
	free(kind);
	free(theta);
	free(var);
	free(clp);
	return rc;
}

int export_c_family(struct strbuf *sb, const struct model *m, const json_t *state,
		    const char *prefix, struct wb_err *err)
{
	const char *fam = m->type->name;
	if (!json_is_object(state))
		return wb_error(err, "export-c: the model JSON has no state");
	if (!strcmp(fam, "gbdt"))
		return emit_gbdt(sb, m, state, prefix, err);
	if (!strcmp(fam, "tree"))
		return emit_cart(sb, m, state, prefix, 0, err);
	if (!strcmp(fam, "forest"))
		return emit_cart(sb, m, state, prefix, 1, err);
	if (!strcmp(fam, "linear") && m->task == MODEL_REGRESS)
		return emit_linear(sb, m, state, prefix, err);
	if (!strcmp(fam, "logistic") && m->task == MODEL_CLASSIFY)
		return emit_logistic(sb, m, state, prefix, err);
	if (!strcmp(fam, "naive_bayes") && m->task == MODEL_CLASSIFY)
		return emit_naive_bayes(sb, m, state, prefix, err);
	return wb_error(err, "export-c: model family '%s' is not supported yet", fam);
}
