/*
 * steps_encode — steps that turn categorical (cat or str) columns into
 * numbers: one_hot, ordinal, target_encode, hash.
 *
 * Vocabularies are sorted bytewise, so they never depend on row order.  A
 * scoring frame may carry the column as str where training had cat (or the
 * other way round): values are matched by text, never by code.
 */
#include "ml/recipe.h"
#include "ml/step.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Per-column vocabularies: the learned state of one_hot and ordinal. */
struct vocab {
	struct strdict *d;   /* per column, levels in output order */
	struct strdict *rare; /* one_hot: per column, levels pooled into other */
	int *other;          /* one_hot: some levels were pooled */
	int n;
	/* options */
	double min_freq;
	int unseen, strict;
};

static void vocab_clear(struct vocab *v)
{
	for (int k = 0; k < v->n; k++) {
		strdict_release(&v->d[k]);
		strdict_release(&v->rare[k]);
	}
	free(v->d);
	free(v->rare);
	v->rare = NULL;
	free(v->other);
	v->d = NULL;
	v->other = NULL;
	v->n = 0;
}

static void vocab_free(void *p)
{
	vocab_clear(p);
	free(p);
}

static void vocab_alloc(struct step *s)
{
	struct vocab *v = s->state;
	vocab_clear(v);
	v->n = s->ncols;
	v->d = xcalloc((size_t)v->n + 1, sizeof(struct strdict));
	v->rare = xcalloc((size_t)v->n + 1, sizeof(struct strdict));
	v->other = xcalloc((size_t)v->n + 1, sizeof(int));
	for (int k = 0; k < v->n; k++) {
		strdict_init(&v->d[k]);
		strdict_init(&v->rare[k]);
	}
}

static void vocab_to_json(const struct step *s, json_t *o)
{
	const struct vocab *v = s->state;
	json_t *lv = json_object();
	for (int k = 0; k < s->ncols; k++)
		json_object_set_new_nocheck(lv, s->cols[k], step_json_strs(v->d[k].strs, v->d[k].n));
	json_object_set_new(o, "levels", lv);
	if (!strcmp(s->type->name, "one_hot")) {
		json_t *ot = json_object();
		for (int k = 0; k < s->ncols; k++)
			json_object_set_new_nocheck(ot, s->cols[k],
						    step_json_strs(v->rare[k].strs, v->rare[k].n));
		json_object_set_new(o, "pooled", ot);
	}
}

static int vocab_from_json(struct step *s, const json_t *o, const char *path,
			   struct wb_err *err)
{
	struct vocab *v = s->state;
	vocab_alloc(s);
	const json_t *lv = step_json_get(o, path, "levels", err);
	if (!lv)
		return -1;
	if (!json_is_object(lv))
		return wb_error(err, "recipe JSON: %s.levels: expected an object", path);
	const json_t *ot = NULL;
	if (!strcmp(s->type->name, "one_hot")) {
		if (!(ot = step_json_get(o, path, "pooled", err)))
			return -1;
		if (!json_is_object(ot))
			return wb_error(err, "recipe JSON: %s.pooled: expected an object", path);
	}
	for (int k = 0; k < s->ncols; k++) {
		char sub[512];
		snprintf(sub, sizeof(sub), "%s.levels.%s", path, s->cols[k]);
		const json_t *a = json_object_get(lv, s->cols[k]);
		if (!a)
			return wb_error(err, "recipe JSON: %s: missing", sub);
		char **strs;
		int n;
		if (step_json_to_strs(a, sub, &strs, &n, err) < 0)
			return -1;
		for (int j = 0; j < n; j++)
			strdict_intern(&v->d[k], strs[j], strlen(strs[j]));
		step_free_strs(strs, n);
		if (ot) {
			snprintf(sub, sizeof(sub), "%s.pooled.%s", path, s->cols[k]);
			if (step_json_to_strs(json_object_get(ot, s->cols[k]), sub, &strs, &n, err) < 0)
				return -1;
			for (int j = 0; j < n; j++)
				strdict_intern(&v->rare[k], strs[j], strlen(strs[j]));
			step_free_strs(strs, n);
			v->other[k] = n > 0;
		}
	}
	return 0;
}

static void vocab_describe(const struct step *s, FILE *f)
{
	const struct vocab *v = s->state;
	for (int k = 0; k < s->ncols; k++) {
		fprintf(f, "      %s: %d level%s", s->cols[k], v->d[k].n, v->d[k].n == 1 ? "" : "s");
		for (int j = 0; j < v->d[k].n && j < 12; j++)
			fprintf(f, "%s%s", j ? ", " : " ", v->d[k].strs[j]);
		if (v->d[k].n > 12)
			fputs(", ...", f);
		if (v->other && v->other[k])
			fputs(" (+ other)", f);
		fputc('\n', f);
	}
}

/* Unseen values: "other" maps them to the pooled column when there is one
 * (else all zeros, as scikit-learn's infrequent_if_exist), "zero" always
 * gives all zeros, "error" fails. */
static const char *const unseen_modes[] = { "other", "zero", "error", NULL };

/* ---------------------------------------------------------------- one_hot */

static const char *const one_hot_opts[] = { "min_freq", "unseen", "strict", NULL };

static int one_hot_init(struct step *s, struct wb_err *err)
{
	struct vocab *v = xcalloc(1, sizeof(*v));
	s->state = v;
	if (step_opt_num(s, "min_freq", 0, &v->min_freq, err) < 0 ||
	    step_opt_enum(s, "unseen", unseen_modes, 0, &v->unseen, err) < 0 ||
	    step_opt_bool(s, "strict", 0, &v->strict, err) < 0)
		return -1;
	if (!(v->min_freq >= 0))
		return step_error(s, err, "option 'min_freq' must be >= 0 (a count, or a "
				  "fraction of rows when below 1)");
	if (v->strict)
		v->unseen = 2;
	return 0;
}

/* Levels seen fewer than min_freq times (a count, or a fraction of the
 * non-missing rows when below 1) are pooled into `<col>_other`. */
static int one_hot_fit(struct step *s, struct wset *w, const struct step_fit_ctx *ctx,
		       struct wb_err *err)
{
	struct vocab *v = s->state;
	vocab_alloc(s);
	for (int k = 0; k < s->ncols; k++) {
		const struct column *c = w->cols[wset_find(w, s->cols[k])];
		struct strdict all;
		size_t *cnt, total = 0;
		strdict_init(&all);
		step_count_levels(c, &all, &cnt);
		for (int32_t j = 0; j < all.n; j++)
			total += cnt[j];
		double cut = v->min_freq < 1 ? v->min_freq * (double)total : v->min_freq;
		for (int32_t j = 0; j < all.n; j++) {
			if ((double)cnt[j] >= cut) {
				strdict_intern(&v->d[k], all.strs[j], all.lens[j]);
			} else {
				strdict_intern(&v->rare[k], all.strs[j], all.lens[j]);
				v->other[k] = 1;
			}
		}
		free(cnt);
		strdict_release(&all);
	}
	return 0;
}

static int one_hot_apply(const struct step *s, struct wset *w, struct wb_err *err)
{
	const struct vocab *v = s->state;
	char lb[96];
	step_label(s, lb, sizeof(lb));
	size_t nrow = w->nrow;
	int32_t *codes = xmallocarray(nrow ? nrow : 1, sizeof(int32_t));
	for (int k = 0; k < s->ncols; k++) {
		int at = wset_find(w, s->cols[k]);
		const struct column *c = w->cols[at];
		step_codes(c, &v->d[k], codes);
		/* A kept level literally named "other" absorbs the pooled ones. */
		int nl = v->d[k].n, own = strdict_find(&v->d[k], "other", 5);
		int pool = v->other[k] ? (own >= 0 ? own : nl) : -1;
		int nout = nl + (v->other[k] && own < 0 ? 1 : 0);
		/* Unseen -> other when it exists (and unseen == "other"), else zeros;
		 * missing -> zeros. */
		int unseen_to = v->unseen == 0 ? pool : -1;
		/* Pooled levels look unseen to the vocabulary: send them to other. */
		for (size_t i = 0; i < nrow && pool >= 0; i++)
			if (codes[i] == -2) {
				size_t len;
				const char *t = column_get_text(c, i, &len);
				if (strdict_find(&v->rare[k], t, len) >= 0)
					codes[i] = pool;
			}
		if (v->unseen == 2)
			for (size_t i = 0; i < nrow; i++)
				if (codes[i] == -2) {
					size_t len;
					const char *t = column_get_text(c, i, &len);
					free(codes);
					return step_error(s, err, "column '%s' has level '%.*s' unseen "
							  "at fit (row %zu)", s->cols[k], (int)len, t, i + 1);
				}
		struct column **out = xcalloc((size_t)nout + 1, sizeof(*out));
#pragma omp parallel for schedule(static, 1)
		for (int j = 0; j < nout; j++) {
			double *y = xmallocarray(nrow ? nrow : 1, sizeof(double));
			for (size_t i = 0; i < nrow; i++) {
				int32_t cd = codes[i];
				int col = cd >= 0 ? cd : cd == -2 ? unseen_to : -1;
				y[i] = col == j ? 1.0 : 0.0;
			}
			out[j] = step_num_column(y, nrow);
		}
		wset_remove(w, at);
		int rc = 0;
		for (int j = 0; j < nout; j++) {
			char *name = j < nl ? xasprintf("%s_%s", s->cols[k], v->d[k].strs[j])
					    : xasprintf("%s_other", s->cols[k]);
			if (rc == 0)
				rc = wset_insert(w, at + j, name, out[j], lb, err);
			else
				column_unref(out[j]);
			free(name);
		}
		free(out);
		if (rc < 0) {
			free(codes);
			return -1;
		}
	}
	free(codes);
	return 0;
}

static const struct step_type one_hot_type = {
	.name = "one_hot", .options = one_hot_opts, .kinds = KINDS_TEXT,
	.init = one_hot_init, .fit = one_hot_fit, .apply = one_hot_apply,
	.to_json = vocab_to_json, .from_json = vocab_from_json,
	.describe = vocab_describe, .free = vocab_free,
};

/* ---------------------------------------------------------------- ordinal */

/* Codes 0..K-1 in bytewise order of the levels; an unseen level is missing
 * (NaN) unless the step is strict. */
static const char *const ordinal_opts[] = { "strict", NULL };

static int ordinal_init(struct step *s, struct wb_err *err)
{
	struct vocab *v = xcalloc(1, sizeof(*v));
	s->state = v;
	return step_opt_bool(s, "strict", 0, &v->strict, err);
}

static int ordinal_fit(struct step *s, struct wset *w, const struct step_fit_ctx *ctx,
		       struct wb_err *err)
{
	struct vocab *v = s->state;
	vocab_alloc(s);
	for (int k = 0; k < s->ncols; k++) {
		size_t *cnt;
		step_count_levels(w->cols[wset_find(w, s->cols[k])], &v->d[k], &cnt);
		free(cnt);
	}
	return 0;
}

static int ordinal_apply(const struct step *s, struct wset *w, struct wb_err *err)
{
	const struct vocab *v = s->state;
	size_t nrow = w->nrow;
	int32_t *codes = xmallocarray(nrow ? nrow : 1, sizeof(int32_t));
	for (int k = 0; k < s->ncols; k++) {
		int at = wset_find(w, s->cols[k]);
		step_codes(w->cols[at], &v->d[k], codes);
		double *y = xmallocarray(nrow ? nrow : 1, sizeof(double));
		for (size_t i = 0; i < nrow; i++) {
			if (codes[i] == -2 && v->strict) {
				size_t len;
				const char *t = column_get_text(w->cols[at], i, &len);
				free(y);
				free(codes);
				return step_error(s, err, "column '%s' has level '%.*s' unseen at fit "
						  "(row %zu)", s->cols[k], (int)len, t, i + 1);
			}
			y[i] = codes[i] >= 0 ? (double)codes[i] : NAN;
		}
		wset_set(w, at, step_num_column(y, nrow));
	}
	free(codes);
	return 0;
}

static const struct step_type ordinal_type = {
	.name = "ordinal", .options = ordinal_opts, .kinds = KINDS_TEXT,
	.init = ordinal_init, .fit = ordinal_fit, .apply = ordinal_apply,
	.to_json = vocab_to_json, .from_json = vocab_from_json,
	.describe = vocab_describe, .free = vocab_free,
};

/* ---------------------------------------------------------------- target_encode */

/* Each level becomes the smoothed mean of the target over its rows:
 *   (sum_y + m * prior) / (count + m)
 * with prior the overall mean.  A categorical target with two levels is
 * encoded as 1 for `positive` (default: the second level in bytewise order).
 * Training rows get out-of-fold values (folds drawn from the recipe seed),
 * so no row's own target leaks into its feature; apply uses the full-data
 * encoding.  Missing and unseen levels get the prior. */
static const char *const target_encode_opts[] = { "smoothing", "folds", "positive", NULL };

struct tenc {
	double smoothing;
	long folds;
	char *positive;
	int n;
	struct strdict *d;  /* per column: levels */
	double **enc;       /* per column: encoding per level */
	double *prior;      /* per column (all equal: the target mean) */
};

static void tenc_clear(struct tenc *t)
{
	for (int k = 0; k < t->n; k++) {
		strdict_release(&t->d[k]);
		free(t->enc[k]);
	}
	free(t->d);
	free(t->enc);
	free(t->prior);
	t->d = NULL;
	t->enc = NULL;
	t->prior = NULL;
	t->n = 0;
}

static void tenc_free(void *p)
{
	struct tenc *t = p;
	tenc_clear(t);
	free(t->positive);
	free(t);
}

static void tenc_alloc(struct step *s)
{
	struct tenc *t = s->state;
	tenc_clear(t);
	t->n = s->ncols;
	t->d = xcalloc((size_t)t->n + 1, sizeof(struct strdict));
	t->enc = xcalloc((size_t)t->n + 1, sizeof(double *));
	t->prior = xcalloc((size_t)t->n + 1, sizeof(double));
	for (int k = 0; k < t->n; k++)
		strdict_init(&t->d[k]);
}

static int tenc_init(struct step *s, struct wb_err *err)
{
	struct tenc *t = xcalloc(1, sizeof(*t));
	s->state = t;
	if (step_opt_num(s, "smoothing", 10, &t->smoothing, err) < 0 ||
	    step_opt_int(s, "folds", 5, 2, 1000, &t->folds, err) < 0)
		return -1;
	if (!(t->smoothing >= 0))
		return step_error(s, err, "option 'smoothing' must be >= 0");
	const json_t *p = json_object_get(s->opts, "positive");
	if (p && !json_is_string(p))
		return step_error(s, err, "option 'positive' must be a string");
	t->positive = p ? xstrdup(json_string_value(p)) : NULL;
	return 0;
}

/* The target as numbers (NaN missing) or an error for unusable kinds. */
static double *target_values(const struct step *s, const struct column *y, const char *name,
			     struct wb_err *err)
{
	const struct tenc *t = s->state;
	double *v = xmallocarray(y->n ? y->n : 1, sizeof(double));
	if (y->kind == COL_NUM || y->kind == COL_INT || y->kind == COL_BOOL) {
		for (size_t i = 0; i < y->n; i++)
			v[i] = column_get_num(y, i);
		return v;
	}
	if (y->kind != COL_CAT && y->kind != COL_STR) {
		free(v);
		step_error(s, err, "target '%s' is %s, expected a number or two classes", name,
			   col_kind_name(y->kind));
		return NULL;
	}
	struct strdict d;
	size_t *cnt;
	strdict_init(&d);
	step_count_levels(y, &d, &cnt);
	free(cnt);
	if (d.n != 2 && !t->positive) {
		strdict_release(&d);
		free(v);
		step_error(s, err, "target '%s' has %d classes; name the one to encode with "
			   "option 'positive'", name, d.n);
		return NULL;
	}
	const char *pos = t->positive ? t->positive : d.strs[1];
	for (size_t i = 0; i < y->n; i++) {
		size_t len;
		const char *txt = column_get_text(y, i, &len);
		v[i] = !txt ? NAN : (len == strlen(pos) && !memcmp(txt, pos, len)) ? 1.0 : 0.0;
	}
	strdict_release(&d);
	return v;
}

/* Smoothed encodings from rows with in[i] (or all when in is NULL). */
static double encode_levels(const int32_t *codes, const double *y, size_t n, int32_t nl,
			    const int *fold, int skip_fold, double m, double *enc)
{
	double *sum = xcalloc((size_t)nl + 1, sizeof(double));
	double *cnt = xcalloc((size_t)nl + 1, sizeof(double));
	double tot = 0, tn = 0;
	for (size_t i = 0; i < n; i++) {
		if (isnan(y[i]) || (fold && fold[i] == skip_fold))
			continue;
		tot += y[i];
		tn++;
		if (codes[i] >= 0) {
			sum[codes[i]] += y[i];
			cnt[codes[i]]++;
		}
	}
	double prior = tn > 0 ? tot / tn : 0;
	for (int32_t l = 0; l < nl; l++)
		enc[l] = cnt[l] + m > 0 ? (sum[l] + m * prior) / (cnt[l] + m) : prior;
	free(sum);
	free(cnt);
	return prior;
}

static int tenc_fit(struct step *s, struct wset *w, const struct step_fit_ctx *ctx,
		    struct wb_err *err)
{
	struct tenc *t = s->state;
	double *y = target_values(s, ctx->y, ctx->target, err);
	if (!y)
		return -1;
	tenc_alloc(s);
	size_t n = w->nrow;
	/* Folds: a seeded shuffle dealt round-robin, so fold sizes differ by at
	 * most one. */
	int *fold = xmallocarray(n ? n : 1, sizeof(int));
	size_t *perm = xmallocarray(n ? n : 1, sizeof(size_t));
	for (size_t i = 0; i < n; i++)
		perm[i] = i;
	struct rng r;
	step_rng(s, ctx->seed, &r);
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)rng_below(&r, i);
		size_t tmp = perm[i - 1];
		perm[i - 1] = perm[j];
		perm[j] = tmp;
	}
	for (size_t i = 0; i < n; i++)
		fold[perm[i]] = (int)(i % (size_t)t->folds);
	free(perm);
	int32_t *codes = xmallocarray(n ? n : 1, sizeof(int32_t));
	for (int k = 0; k < s->ncols; k++) {
		int at = wset_find(w, s->cols[k]);
		const struct column *c = w->cols[at];
		size_t *cnt;
		step_count_levels(c, &t->d[k], &cnt);
		free(cnt);
		int32_t nl = t->d[k].n;
		step_codes(c, &t->d[k], codes);
		t->enc[k] = xcalloc((size_t)nl + 1, sizeof(double));
		t->prior[k] = encode_levels(codes, y, n, nl, NULL, -1, t->smoothing, t->enc[k]);
		double *out = xmallocarray(n ? n : 1, sizeof(double));
		double *enc = xcalloc((size_t)nl + 1, sizeof(double));
		for (int f = 0; f < t->folds; f++) {
			double prior = encode_levels(codes, y, n, nl, fold, f, t->smoothing, enc);
			for (size_t i = 0; i < n; i++)
				if (fold[i] == f)
					out[i] = codes[i] >= 0 ? enc[codes[i]] : prior;
		}
		free(enc);
		wset_set(w, at, step_num_column(out, n));
	}
	free(codes);
	free(fold);
	free(y);
	return 0;
}

static int tenc_apply(const struct step *s, struct wset *w, struct wb_err *err)
{
	const struct tenc *t = s->state;
	size_t n = w->nrow;
	int32_t *codes = xmallocarray(n ? n : 1, sizeof(int32_t));
	for (int k = 0; k < s->ncols; k++) {
		int at = wset_find(w, s->cols[k]);
		step_codes(w->cols[at], &t->d[k], codes);
		double *out = xmallocarray(n ? n : 1, sizeof(double));
		for (size_t i = 0; i < n; i++)
			out[i] = codes[i] >= 0 ? t->enc[k][codes[i]] : t->prior[k];
		wset_set(w, at, step_num_column(out, n));
	}
	free(codes);
	return 0;
}

static void tenc_to_json(const struct step *s, json_t *o)
{
	const struct tenc *t = s->state;
	json_t *lv = json_object(), *ev = json_object();
	for (int k = 0; k < s->ncols; k++) {
		json_object_set_new_nocheck(lv, s->cols[k], step_json_strs(t->d[k].strs, t->d[k].n));
		json_t *a = json_array();
		for (int32_t l = 0; l < t->d[k].n; l++)
			json_array_append_new(a, step_json_num(t->enc[k][l]));
		json_object_set_new_nocheck(ev, s->cols[k], a);
	}
	json_object_set_new(o, "levels", lv);
	json_object_set_new(o, "encodings", ev);
	json_object_set_new(o, "priors", step_json_col_obj(s, t->prior));
}

static int tenc_from_json(struct step *s, const json_t *o, const char *path,
			  struct wb_err *err)
{
	struct tenc *t = s->state;
	tenc_alloc(s);
	const json_t *lv = step_json_get(o, path, "levels", err), *ev;
	if (!lv || !(ev = step_json_get(o, path, "encodings", err)))
		return -1;
	if (!json_is_object(lv) || !json_is_object(ev))
		return wb_error(err, "recipe JSON: %s.%s: expected an object", path,
				json_is_object(lv) ? "encodings" : "levels");
	if (step_json_col_nums(s, o, path, "priors", t->prior, err) < 0)
		return -1;
	for (int k = 0; k < s->ncols; k++) {
		char sub[512];
		snprintf(sub, sizeof(sub), "%s.levels.%s", path, s->cols[k]);
		char **strs;
		int n;
		if (step_json_to_strs(json_object_get(lv, s->cols[k]), sub, &strs, &n, err) < 0)
			return -1;
		for (int j = 0; j < n; j++)
			strdict_intern(&t->d[k], strs[j], strlen(strs[j]));
		step_free_strs(strs, n);
		const json_t *a = json_object_get(ev, s->cols[k]);
		snprintf(sub, sizeof(sub), "%s.encodings.%s", path, s->cols[k]);
		if (!json_is_array(a) || (int)json_array_size(a) != n)
			return wb_error(err, "recipe JSON: %s: expected an array of %d numbers", sub, n);
		t->enc[k] = xcalloc((size_t)n + 1, sizeof(double));
		for (int j = 0; j < n; j++)
			if (step_json_to_num(json_array_get(a, (size_t)j), sub, &t->enc[k][j], err) < 0)
				return -1;
	}
	return 0;
}

static void tenc_describe(const struct step *s, FILE *f)
{
	const struct tenc *t = s->state;
	for (int k = 0; k < s->ncols; k++) {
		fprintf(f, "      %s: prior=%.6g", s->cols[k], t->prior[k]);
		for (int32_t l = 0; l < t->d[k].n && l < 8; l++)
			fprintf(f, " %s=%.4g", t->d[k].strs[l], t->enc[k][l]);
		fputs(t->d[k].n > 8 ? " ...\n" : "\n", f);
	}
}

static const struct step_type target_encode_type = {
	.name = "target_encode", .options = target_encode_opts, .kinds = KINDS_TEXT,
	.flags = STEP_FIT_TRANSFORMS | STEP_NEEDS_TARGET,
	.init = tenc_init, .fit = tenc_fit, .apply = tenc_apply,
	.to_json = tenc_to_json, .from_json = tenc_from_json,
	.describe = tenc_describe, .free = tenc_free,
};

/* ---------------------------------------------------------------- hash */

/* Feature hashing: `<col>_h0 .. <col>_h<n-1>` count indicators (0/1) of
 * strdict_hash(text) mod buckets; missing is all zeros.  Nothing is learned,
 * so any level, seen or not, has a place. */
static const char *const fhash_opts[] = { "buckets", NULL };

static int fhash_init(struct step *s, struct wb_err *err)
{
	long *b = xcalloc(1, sizeof(long));
	s->state = b;
	return step_opt_int(s, "buckets", 32, 1, 1 << 20, b, err);
}

static int fhash_apply(const struct step *s, struct wset *w, struct wb_err *err)
{
	long nb = *(const long *)s->state;
	size_t n = w->nrow;
	char lb[96];
	step_label(s, lb, sizeof(lb));
	int32_t *bucket = xmallocarray(n ? n : 1, sizeof(int32_t));
	for (int k = 0; k < s->ncols; k++) {
		int at = wset_find(w, s->cols[k]);
		const struct column *c = w->cols[at];
		for (size_t i = 0; i < n; i++) {
			size_t len;
			const char *t = column_get_text(c, i, &len);
			bucket[i] = t ? (int32_t)(strdict_hash(t, len) % (uint64_t)nb) : -1;
		}
		struct column **out = xcalloc((size_t)nb, sizeof(*out));
#pragma omp parallel for schedule(static, 1)
		for (long j = 0; j < nb; j++) {
			double *y = xmallocarray(n ? n : 1, sizeof(double));
			for (size_t i = 0; i < n; i++)
				y[i] = bucket[i] == j ? 1.0 : 0.0;
			out[j] = step_num_column(y, n);
		}
		wset_remove(w, at);
		int rc = 0;
		for (long j = 0; j < nb; j++) {
			char *name = xasprintf("%s_h%ld", s->cols[k], j);
			if (rc == 0)
				rc = wset_insert(w, at + (int)j, name, out[j], lb, err);
			else
				column_unref(out[j]);
			free(name);
		}
		free(out);
		if (rc < 0) {
			free(bucket);
			return -1;
		}
	}
	free(bucket);
	return 0;
}

static void fhash_describe(const struct step *s, FILE *f)
{
	fprintf(f, "      %ld buckets per column\n", *(const long *)s->state);
}

static const struct step_type fhash_type = {
	.name = "hash", .options = fhash_opts, .kinds = KINDS_TEXT,
	.init = fhash_init, .apply = fhash_apply, .describe = fhash_describe, .free = free,
};

void steps_encode_register(void)
{
	recipe_register_step(&one_hot_type);
	recipe_register_step(&ordinal_type);
	recipe_register_step(&target_encode_type);
	recipe_register_step(&fhash_type);
}
