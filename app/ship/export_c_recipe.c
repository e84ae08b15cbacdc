/*
 * export_c_recipe — the recipe half of `wb export-c` (export_c.h).
 *
 * The recipe is replayed symbolically at export time: a working set of
 * named columns, each held in a slot of the generated function (v[] for
 * numbers, s[] for text), goes through the fitted steps as recipe_apply
 * would take it (training column order, derived columns in place), and
 * every step emits the C that computes its output slots from its input
 * slots, repeating the step's own arithmetic (steps_*.c) operation for
 * operation.  Learned state comes from the recipe JSON.
 */
#include "ship/export_c.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- working set */

void export_c_gen_release(struct gen *g)
{
	strbuf_release(&g->tabs);
	strbuf_release(&g->body);
	for (int k = 0; k < g->nw; k++)
		free(g->w[k].name);
	free(g->w);
}

int export_c_wfind(const struct gen *g, const char *name)
{
	for (int k = 0; k < g->nw; k++)
		if (!strcmp(g->w[k].name, name))
			return k;
	return -1;
}

/* Inserts a column at position at with a fresh slot; returns the slot. */
int export_c_winsert(struct gen *g, int at, const char *name, int text, enum col_kind kind)
{
	g->w = xreallocarray(g->w, (size_t)g->nw + 1, sizeof(*g->w));
	memmove(g->w + at + 1, g->w + at, (size_t)(g->nw - at) * sizeof(*g->w));
	g->nw++;
	g->w[at].name = xstrdup(name);
	g->w[at].kind = kind;
	g->w[at].text = text;
	g->w[at].slot = text ? g->ns++ : g->nv++;
	return g->w[at].slot;
}

static void wremove(struct gen *g, int at)
{
	free(g->w[at].name);
	memmove(g->w + at, g->w + at + 1, (size_t)(g->nw - at - 1) * sizeof(*g->w));
	g->nw--;
}

/* A new table of strings; returns its number. */
int export_c_strtab(struct gen *g, const json_t *arr, size_t *n)
{
	int id = g->ntab++;
	*n = json_array_size(arr);
	strbuf_addf(&g->tabs, "static const char *const %s_t%d[%zu] = {", g->prefix, id,
		    *n ? *n : 1);
	for (size_t i = 0; i < *n; i++) {
		strbuf_adds(&g->tabs, i % 4 ? " " : "\n\t");
		export_c_string(&g->tabs, json_string_value(json_array_get(arr, i)));
		strbuf_adds(&g->tabs, ",");
	}
	strbuf_adds(&g->tabs, *n ? "\n};\n" : " \"\"\n};\n");
	g->uses_find = 1;
	return id;
}

/* arr must be an array of strings. */
static int str_array(const json_t *arr)
{
	if (!json_is_array(arr))
		return 0;
	for (size_t i = 0; i < json_array_size(arr); i++)
		if (!json_is_string(json_array_get(arr, i)))
			return 0;
	return 1;
}

/* The working-set column of step input `name`, checked like step_col. */
static int step_input(const struct gen *g, int index, const char *step, const char *name,
		      int want_text, struct wb_err *err)
{
	int at = export_c_wfind(g, name);
	if (at < 0)
		return wb_error(err, "export-c: step %d (%s): column '%s' is missing", index, step,
				name);
	enum col_kind k = g->w[at].kind;
	int ok = want_text ? (k == COL_CAT || k == COL_STR) : (k == COL_NUM || k == COL_INT);
	if (!ok)
		return wb_error(err, "export-c: step %d (%s): column '%s' is %s, expected %s", index,
				step, name, col_kind_name(k), want_text ? "cat or str" : "num or int");
	return at;
}

/* ---------------------------------------------------------------- steps */

static int step_ordinal(struct gen *g, const json_t *st, int index, char **cols, int ncols,
			struct wb_err *err)
{
	const json_t *lv = json_object_get(st, "levels");
	int strict = json_is_true(json_object_get(json_object_get(st, "options"), "strict"));
	for (int k = 0; k < ncols; k++) {
		int at = step_input(g, index, "ordinal", cols[k], 1, err);
		if (at < 0)
			return -1;
		const json_t *a = json_object_get(lv, cols[k]);
		if (!str_array(a))
			return wb_error(err, "export-c: step %d (ordinal): no levels for '%s'", index,
					cols[k]);
		size_t n;
		int tab = export_c_strtab(g, a, &n);
		int in = g->w[at].slot;
		char *name = xstrdup(cols[k]);
		wremove(g, at);
		int out = export_c_winsert(g, at, name, 0, COL_NUM);
		free(name);
		strbuf_addf(&g->body, "\t/* step %d (ordinal): ", index);
		export_c_string(&g->body, cols[k]);
		strbuf_addf(&g->body, " -> its level's index, NaN if missing%s */\n"
			    "\tc = s[%d] ? %s_find(%s_t%d, %zu, s[%d]) : -1;\n",
			    strict ? "; unseen is an error" : " or unseen", in, g->prefix, g->prefix,
			    tab, n, in);
		if (strict)
			strbuf_addf(&g->body, "\tif (s[%d] && c < 0)\n\t\treturn -1;\n", in);
		strbuf_addf(&g->body, "\tv[%d] = c >= 0 ? (double)c : NAN;\n", out);
	}
	return 0;
}

/* steps_encode.c one_hot_apply, for one row. */
static int step_one_hot(struct gen *g, const json_t *st, int index, char **cols, int ncols,
			struct wb_err *err)
{
	const json_t *lv = json_object_get(st, "levels"), *pooled = json_object_get(st, "pooled");
	const json_t *opts = json_object_get(st, "options");
	const char *um = json_string_value(json_object_get(opts, "unseen"));
	/* unseen: 0 other, 1 zero, 2 error (strict forces error) */
	int unseen = !um || !strcmp(um, "other") ? 0 : !strcmp(um, "zero") ? 1 : 2;
	if (json_is_true(json_object_get(opts, "strict")))
		unseen = 2;
	for (int k = 0; k < ncols; k++) {
		int at = step_input(g, index, "one_hot", cols[k], 1, err);
		if (at < 0)
			return -1;
		const json_t *a = json_object_get(lv, cols[k]), *ra = json_object_get(pooled, cols[k]);
		if (!str_array(a) || !str_array(ra))
			return wb_error(err, "export-c: step %d (one_hot): no levels for '%s'", index,
					cols[k]);
		size_t nl, nr = 0;
		int tab = export_c_strtab(g, a, &nl), rtab = -1;
		int other = json_array_size(ra) > 0, own = -1;
		if (other)
			rtab = export_c_strtab(g, ra, &nr);
		for (size_t j = 0; j < nl; j++)
			if (!strcmp(json_string_value(json_array_get(a, j)), "other"))
				own = (int)j;
		int pool = other ? (own >= 0 ? own : (int)nl) : -1;
		int nout = (int)nl + (other && own < 0 ? 1 : 0);
		int unseen_to = unseen == 0 ? pool : -1;
		int in = g->w[at].slot;
		strbuf_addf(&g->body, "\t/* step %d (one_hot): ", index);
		export_c_string(&g->body, cols[k]);
		strbuf_addf(&g->body, " -> %d indicator%s */\n"
			    "\tc = s[%d] ? %s_find(%s_t%d, %zu, s[%d]) : -1;\n"
			    "\tif (s[%d] && c < 0)\n\t\tc = -2;\n",
			    nout, nout == 1 ? "" : "s", in, g->prefix, g->prefix, tab, nl, in, in);
		if (pool >= 0)
			strbuf_addf(&g->body, "\tif (c == -2 && %s_find(%s_t%d, %zu, s[%d]) >= 0)\n"
				    "\t\tc = %d;\n", g->prefix, g->prefix, rtab, nr, in, pool);
		if (unseen == 2)
			strbuf_adds(&g->body, "\tif (c == -2)\n\t\treturn -1;\n");
		strbuf_addf(&g->body, "\tc = c >= 0 ? c : c == -2 ? %d : -1;\n", unseen_to);
		char *base = xstrdup(cols[k]);
		wremove(g, at);
		for (int j = 0; j < nout; j++) {
			char *name = j < (int)nl
				? xasprintf("%s_%s", base, json_string_value(json_array_get(a, (size_t)j)))
				: xasprintf("%s_other", base);
			if (export_c_wfind(g, name) >= 0) {
				wb_error(err, "export-c: step %d (one_hot): column '%s' already exists",
					 index, name);
				free(name);
				free(base);
				return -1;
			}
			int out = export_c_winsert(g, at + j, name, 0, COL_NUM);
			free(name);
			strbuf_addf(&g->body, "\tv[%d] = c == %d ? 1.0 : 0.0;\n", out, j);
		}
		free(base);
	}
	return 0;
}

/* steps_numeric.c impute_apply / impute_map: the fill is a learned constant,
 * whatever the method. */
static int step_impute(struct gen *g, const json_t *st, int index, char **cols, int ncols,
		       struct wb_err *err)
{
	const json_t *vals = json_object_get(st, "values");
	int indicator = json_is_true(json_object_get(json_object_get(st, "options"), "indicator"));
	for (int k = 0; k < ncols; k++) {
		const json_t *e = json_object_get(vals, cols[k]);
		double fill = 0;
		int text = json_is_string(e) && strcmp(json_string_value(e), "inf") &&
			   strcmp(json_string_value(e), "-inf");
		if (!e || (!text && export_c_json_num(e, &fill) < 0))
			return wb_error(err, "export-c: step %d (impute): no value for '%s'", index,
					cols[k]);
		int at = step_input(g, index, "impute", cols[k], text, err);
		if (at < 0)
			return -1;
		int in = g->w[at].slot;
		strbuf_addf(&g->body, "\t/* step %d (impute): ", index);
		export_c_string(&g->body, cols[k]);
		strbuf_adds(&g->body, " */\n");
		if (indicator) {
			char *name = xasprintf("%s_missing", cols[k]);
			if (export_c_wfind(g, name) >= 0) {
				wb_error(err, "export-c: step %d (impute): column '%s' already exists",
					 index, name);
				free(name);
				return -1;
			}
			int ind = export_c_winsert(g, at + 1, name, 0, COL_NUM);
			free(name);
			if (text)
				strbuf_addf(&g->body, "\tv[%d] = s[%d] ? 0.0 : 1.0;\n", ind, in);
			else
				strbuf_addf(&g->body, "\tv[%d] = isnan(v[%d]) ? 1.0 : 0.0;\n", ind, in);
		}
		if (text) {
			strbuf_addf(&g->body, "\tif (!s[%d])\n\t\ts[%d] = ", in, in);
			export_c_string(&g->body, json_string_value(e));
			strbuf_adds(&g->body, ";\n");
			g->w[at].kind = COL_CAT;
		} else {
			strbuf_addf(&g->body, "\tif (isnan(v[%d]))\n\t\tv[%d] = ", in, in);
			export_c_double(&g->body, fill);
			strbuf_adds(&g->body, ";\n");
			g->w[at].kind = COL_NUM;
		}
	}
	return 0;
}

/* standardize_fn: (x - mean) * (1 / sd), the reciprocal taken once. */
static int step_standardize(struct gen *g, const json_t *st, int index, char **cols, int ncols,
			    struct wb_err *err)
{
	const json_t *means = json_object_get(st, "means"), *sds = json_object_get(st, "sds");
	for (int k = 0; k < ncols; k++) {
		double mu, sd;
		if (export_c_json_num(json_object_get(means, cols[k]), &mu) < 0 ||
		    export_c_json_num(json_object_get(sds, cols[k]), &sd) < 0)
			return wb_error(err, "export-c: step %d (standardize): no mean or sd for '%s'",
					index, cols[k]);
		int at = step_input(g, index, "standardize", cols[k], 0, err);
		if (at < 0)
			return -1;
		int in = g->w[at].slot;
		double inv = 1.0 / sd;
		strbuf_addf(&g->body, "\t/* step %d (standardize): ", index);
		export_c_string(&g->body, cols[k]);
		strbuf_addf(&g->body, " */\n\tv[%d] = (v[%d] - ", in, in);
		export_c_double(&g->body, mu);
		strbuf_adds(&g->body, ") * ");
		export_c_double(&g->body, inv);
		strbuf_adds(&g->body, ";\n");
		g->w[at].kind = COL_NUM;
	}
	return 0;
}

/* The elementwise numeric steps of steps_numeric.c (their map functions),
 * one value at a time: clip, minmax, log. */
static int step_map(struct gen *g, const char *name, const json_t *st, int index, char **cols,
		    int ncols, struct wb_err *err)
{
	const json_t *opts = json_object_get(st, "options");
	for (int k = 0; k < ncols; k++) {
		int at = step_input(g, index, name, cols[k], 0, err);
		if (at < 0)
			return -1;
		int in = g->w[at].slot;
		strbuf_addf(&g->body, "\t/* step %d (%s): ", index, name);
		export_c_string(&g->body, cols[k]);
		strbuf_adds(&g->body, " */\n");
		g->w[at].kind = COL_NUM;
		if (!strcmp(name, "clip")) {
			double lo, hi;
			if (export_c_json_num(json_object_get(json_object_get(st, "lowers"), cols[k]),
					      &lo) < 0 ||
			    export_c_json_num(json_object_get(json_object_get(st, "uppers"), cols[k]),
					      &hi) < 0)
				return wb_error(err, "export-c: step %d (clip): no bounds for '%s'",
						index, cols[k]);
			/* clip_fn: x < lo ? lo : x > hi ? hi : x */
			strbuf_addf(&g->body, "\tv[%d] = v[%d] < ", in, in);
			export_c_double(&g->body, lo);
			strbuf_adds(&g->body, " ? ");
			export_c_double(&g->body, lo);
			strbuf_addf(&g->body, " : v[%d] > ", in);
			export_c_double(&g->body, hi);
			strbuf_adds(&g->body, " ? ");
			export_c_double(&g->body, hi);
			strbuf_addf(&g->body, " : v[%d];\n", in);
		} else if (!strcmp(name, "minmax")) {
			double lo, hi;
			if (export_c_json_num(json_object_get(json_object_get(st, "mins"), cols[k]),
					      &lo) < 0 ||
			    export_c_json_num(json_object_get(json_object_get(st, "maxs"), cols[k]),
					      &hi) < 0)
				return wb_error(err, "export-c: step %d (minmax): no range for '%s'",
						index, cols[k]);
			/* minmax_fn: (x - lo) * (1 / range), 0 for a constant column */
			double range = hi - lo, inv = range > 0 ? 1.0 / range : 0.0;
			strbuf_addf(&g->body, "\tv[%d] = (v[%d] - ", in, in);
			export_c_double(&g->body, lo);
			strbuf_adds(&g->body, ") * ");
			export_c_double(&g->body, inv);
			strbuf_adds(&g->body, ";\n");
		} else {
			/* log_fn; the scale is 1 / log(base), taken by the same libm */
			double offset = 0, base = M_E;
			const json_t *o = json_object_get(opts, "offset"), *b = json_object_get(opts, "base");
			if (json_is_number(o))
				offset = json_number_value(o);
			if (json_is_number(b))
				base = json_number_value(b);
			int l1p = json_is_true(json_object_get(opts, "log1p"));
			double scale = base == M_E ? 1.0 : 1.0 / log(base);
			if (l1p) {
				strbuf_addf(&g->body, "\tt = 1.0 + v[%d];\n\tv[%d] = t > 0 ? log1p(v[%d]) * ",
					    in, in, in);
			} else {
				strbuf_addf(&g->body, "\tt = v[%d] + ", in);
				export_c_double(&g->body, offset);
				strbuf_addf(&g->body, ";\n\tv[%d] = t > 0 ? log(t) * ", in);
			}
			export_c_double(&g->body, scale);
			strbuf_adds(&g->body, " : NAN;\n");
		}
	}
	return 0;
}

/* steps_shape.c date_parts: the time (microseconds since 1970, as a
 * double) into <col>_<part> numbers. */
static const char *const part_names[] = { "year", "month", "day", "dow", "hour", "minute",
					  "yday", NULL };

static int step_date_parts(struct gen *g, const json_t *st, int index, char **cols, int ncols,
			   struct wb_err *err)
{
	const json_t *opts = json_object_get(st, "options");
	const json_t *pa = json_object_get(opts, "parts");
	int keep = json_is_true(json_object_get(opts, "keep"));
	int parts[8], np = 0;
	if (!pa) {
		parts[0] = 0, parts[1] = 1, parts[2] = 3, parts[3] = 4;
		np = 4;
	} else {
		for (size_t j = 0; j < json_array_size(pa) && np < 7; j++) {
			const char *name = json_string_value(json_array_get(pa, j));
			int found = -1;
			for (int q = 0; name && part_names[q]; q++)
				if (!strcmp(name, part_names[q]))
					found = q;
			if (found < 0)
				return wb_error(err, "export-c: step %d (date_parts): unknown part",
						index);
			parts[np++] = found;
		}
	}
	for (int k = 0; k < ncols; k++) {
		int at = export_c_wfind(g, cols[k]);
		if (at < 0 || g->w[at].kind != COL_TIME)
			return wb_error(err, "export-c: step %d (date_parts): column '%s' is %s",
					index, cols[k], at < 0 ? "missing" : col_kind_name(g->w[at].kind));
		int in = g->w[at].slot;
		if (!keep)
			wremove(g, at);
		int pos = keep ? at + 1 : at;
		strbuf_addf(&g->body, "\t/* step %d (date_parts): ", index);
		export_c_string(&g->body, cols[k]);
		strbuf_adds(&g->body, " */\n");
		for (int j = 0; j < np; j++) {
			char *name = xasprintf("%s_%s", cols[k], part_names[parts[j]]);
			if (export_c_wfind(g, name) >= 0) {
				wb_error(err, "export-c: step %d (date_parts): column '%s' already exists",
					 index, name);
				free(name);
				return -1;
			}
			int out = export_c_winsert(g, pos + j, name, 0, COL_NUM);
			free(name);
			strbuf_addf(&g->body, "\tv[%d] = isnan(v[%d]) ? NAN : %s_part((int64_t)v[%d], %d);\n",
				    out, in, g->prefix, in, parts[j]);
		}
	}
	g->uses_dates = 1;
	return 0;
}

/* A table of doubles; returns its number. */
static int add_numtab(struct gen *g, const double *v, size_t n)
{
	int id = g->ntab++;
	strbuf_addf(&g->tabs, "static const double %s_t%d[%zu] = {", g->prefix, id, n ? n : 1);
	for (size_t i = 0; i < n; i++) {
		strbuf_adds(&g->tabs, i % 4 ? " " : "\n\t");
		export_c_double(&g->tabs, v[i]);
		strbuf_adds(&g->tabs, ",");
	}
	strbuf_adds(&g->tabs, n ? "\n};\n" : " 0\n};\n");
	return id;
}

/* steps_encode.c tenc_apply: a level's learned encoding, the prior for
 * missing and unseen levels. */
static int step_target_encode(struct gen *g, const json_t *st, int index, char **cols,
			      int ncols, struct wb_err *err)
{
	const json_t *lv = json_object_get(st, "levels"), *ev = json_object_get(st, "encodings");
	const json_t *pr = json_object_get(st, "priors");
	for (int k = 0; k < ncols; k++) {
		int at = step_input(g, index, "target_encode", cols[k], 1, err);
		if (at < 0)
			return -1;
		const json_t *a = json_object_get(lv, cols[k]), *e = json_object_get(ev, cols[k]);
		double prior;
		if (!str_array(a) || !json_is_array(e) || json_array_size(e) != json_array_size(a) ||
		    export_c_json_num(json_object_get(pr, cols[k]), &prior) < 0)
			return wb_error(err, "export-c: step %d (target_encode): no encoding for '%s'",
					index, cols[k]);
		size_t n = json_array_size(e);
		double *enc = xmallocarray(n + 1, sizeof(double));
		for (size_t i = 0; i < n; i++)
			if (export_c_json_num(json_array_get(e, i), &enc[i]) < 0) {
				free(enc);
				return wb_error(err, "export-c: step %d (target_encode): bad encoding "
						"for '%s'", index, cols[k]);
			}
		size_t nl;
		int tab = export_c_strtab(g, a, &nl), etab = add_numtab(g, enc, n);
		free(enc);
		int in = g->w[at].slot;
		char *name = xstrdup(cols[k]);
		wremove(g, at);
		int out = export_c_winsert(g, at, name, 0, COL_NUM);
		free(name);
		strbuf_addf(&g->body, "\t/* step %d (target_encode): ", index);
		export_c_string(&g->body, cols[k]);
		strbuf_addf(&g->body, " */\n\tc = s[%d] ? %s_find(%s_t%d, %zu, s[%d]) : -1;\n"
			    "\tv[%d] = c >= 0 ? %s_t%d[c] : ", in, g->prefix, g->prefix, tab, nl, in,
			    out, g->prefix, etab);
		export_c_double(&g->body, prior);
		strbuf_adds(&g->body, ";\n");
	}
	return 0;
}

/* interact: <a>_x_<b> = a * b per pair, appended at the end. */
static int step_interact(struct gen *g, int index, char **cols, int ncols, struct wb_err *err)
{
	int *slot = xcalloc((size_t)ncols + 1, sizeof(int));
	for (int k = 0; k < ncols; k++) {
		int at = step_input(g, index, "interact", cols[k], 0, err);
		if (at < 0) {
			free(slot);
			return -1;
		}
		slot[k] = g->w[at].slot;
	}
	strbuf_addf(&g->body, "\t/* step %d (interact) */\n", index);
	for (int a = 0; a < ncols; a++)
		for (int b = a + 1; b < ncols; b++) {
			char *name = xasprintf("%s_x_%s", cols[a], cols[b]);
			if (export_c_wfind(g, name) >= 0) {
				wb_error(err, "export-c: step %d (interact): column '%s' already exists",
					 index, name);
				free(name);
				free(slot);
				return -1;
			}
			int out = export_c_winsert(g, g->nw, name, 0, COL_NUM);
			free(name);
			strbuf_addf(&g->body, "\tv[%d] = v[%d] * v[%d];\n", out, slot[a], slot[b]);
		}
	free(slot);
	return 0;
}

/* poly: <col>_pow2 .. <col>_pow<degree> after each column, as repeated
 * products left to right. */
static int step_poly(struct gen *g, const json_t *st, int index, char **cols, int ncols,
		     struct wb_err *err)
{
	const json_t *d = json_object_get(json_object_get(st, "options"), "degree");
	long deg = json_is_integer(d) ? (long)json_integer_value(d) : 2;
	if (deg < 2 || deg > 10)
		return wb_error(err, "export-c: step %d (poly): bad degree", index);
	for (int k = 0; k < ncols; k++) {
		int at = step_input(g, index, "poly", cols[k], 0, err);
		if (at < 0)
			return -1;
		int in = g->w[at].slot;
		strbuf_addf(&g->body, "\t/* step %d (poly): ", index);
		export_c_string(&g->body, cols[k]);
		strbuf_adds(&g->body, " */\n");
		for (long e = 2; e <= deg; e++) {
			char *name = xasprintf("%s_pow%ld", cols[k], e);
			if (export_c_wfind(g, name) >= 0) {
				wb_error(err, "export-c: step %d (poly): column '%s' already exists",
					 index, name);
				free(name);
				return -1;
			}
			int out = export_c_winsert(g, at + (int)e - 1, name, 0, COL_NUM);
			free(name);
			strbuf_addf(&g->body, "\tv[%d] = v[%d]", out, in);
			for (long q = 1; q < e; q++)
				strbuf_addf(&g->body, " * v[%d]", in);
			strbuf_adds(&g->body, ";\n");
		}
	}
	return 0;
}

/* drop_nzv / drop_corr: the learned columns leave the working set. */
static int step_drop(struct gen *g, const json_t *st, int index, struct wb_err *err)
{
	const json_t *d = json_object_get(st, "dropped");
	if (!str_array(d))
		return wb_error(err, "export-c: step %d: no dropped columns", index);
	for (size_t k = 0; k < json_array_size(d); k++) {
		int at = export_c_wfind(g, json_string_value(json_array_get(d, k)));
		if (at >= 0)
			wremove(g, at);
	}
	return 0;
}

int export_c_step(struct gen *g, const json_t *st, int index, struct wb_err *err)
{
	const char *name = json_string_value(json_object_get(st, "step"));
	if (!name)
		return wb_error(err, "export-c: recipe step %d has no name", index);
	/* runs_at_apply with the target absent, as at scoring. */
	if (json_is_true(json_object_get(st, "skip")) ||
	    json_is_true(json_object_get(st, "touches_target")))
		return 0;
	const json_t *ca = json_object_get(st, "columns");
	if (!str_array(ca))
		return wb_error(err, "export-c: recipe step %d (%s) has no columns", index, name);
	int ncols = (int)json_array_size(ca);
	char **cols = xcalloc((size_t)ncols + 1, sizeof(char *));
	for (int k = 0; k < ncols; k++)
		cols[k] = xstrdup(json_string_value(json_array_get(ca, (size_t)k)));
	int rc;
	if (!strcmp(name, "ordinal"))
		rc = step_ordinal(g, st, index, cols, ncols, err);
	else if (!strcmp(name, "one_hot"))
		rc = step_one_hot(g, st, index, cols, ncols, err);
	else if (!strcmp(name, "impute"))
		rc = step_impute(g, st, index, cols, ncols, err);
	else if (!strcmp(name, "standardize"))
		rc = step_standardize(g, st, index, cols, ncols, err);
	else if (!strcmp(name, "clip") || !strcmp(name, "minmax") || !strcmp(name, "log"))
		rc = step_map(g, name, st, index, cols, ncols, err);
	else if (!strcmp(name, "date_parts"))
		rc = step_date_parts(g, st, index, cols, ncols, err);
	else if (!strcmp(name, "target_encode"))
		rc = step_target_encode(g, st, index, cols, ncols, err);
	else if (!strcmp(name, "interact"))
		rc = step_interact(g, index, cols, ncols, err);
	else if (!strcmp(name, "poly"))
		rc = step_poly(g, st, index, cols, ncols, err);
	else if (!strcmp(name, "drop_nzv") || !strcmp(name, "drop_corr"))
		rc = step_drop(g, st, index, err);
	else if (!strcmp(name, "custom"))
		rc = wb_error(err, "export-c: recipe step %d runs custom Lua code, which has no C "
			      "form; score this bundle with wb predict or wb serve --allow-custom",
			      index);
	else
		rc = wb_error(err, "export-c: recipe step '%s' is not supported yet", name);
	for (int k = 0; k < ncols; k++)
		free(cols[k]);
	free(cols);
	return rc;
}

/* civil() and part_of() of steps_shape.c. */
void export_c_dates(struct strbuf *sb, const char *prefix)
{
	strbuf_addf(sb,
		"/* Part of a UTC time (microseconds since 1970): 0 year, 1 month, 2 day,\n"
		" * 3 dow (Monday 1), 4 hour, 5 minute, 6 yday.  Civil dates by\n"
		" * H. Hinnant's algorithm. */\n"
		"static double %s_part(int64_t us, int part)\n{\n"
		"\tconst int64_t day_us = 86400LL * 1000000LL;\n"
		"\tint64_t days = us / day_us, rem = us %% day_us;\n"
		"\tint64_t z, era, doe, yoe, doy, mp, y;\n\tint m, d, leap;\n"
		"\tstatic const int cum[] = { 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334 };\n"
		"\tif (rem < 0) {\n\t\trem += day_us;\n\t\tdays--;\n\t}\n"
		"\tif (part == 4)\n\t\treturn (double)(rem / 3600000000LL);\n"
		"\tif (part == 5)\n\t\treturn (double)(rem / 60000000LL %% 60);\n"
		"\tif (part == 3)\n\t\treturn (double)(((days %% 7) + 7 + 3) %% 7 + 1);\n"
		"\tz = days + 719468;\n"
		"\tera = (z >= 0 ? z : z - 146096) / 146097;\n"
		"\tdoe = z - era * 146097;\n"
		"\tyoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;\n"
		"\tdoy = doe - (365 * yoe + yoe / 4 - yoe / 100);\n"
		"\tmp = (5 * doy + 2) / 153;\n"
		"\td = (int)(doy - (153 * mp + 2) / 5 + 1);\n"
		"\tm = (int)(mp < 10 ? mp + 3 : mp - 9);\n"
		"\ty = yoe + era * 400 + (m <= 2);\n"
		"\tif (part == 0)\n\t\treturn (double)y;\n"
		"\tif (part == 1)\n\t\treturn m;\n"
		"\tif (part == 2)\n\t\treturn d;\n"
		"\tleap = (y %% 4 == 0 && y %% 100 != 0) || y %% 400 == 0;\n"
		"\treturn cum[m - 1] + d + (leap && m > 2);\n}\n\n", prefix);
}
