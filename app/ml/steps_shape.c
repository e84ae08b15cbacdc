/*
 * steps_shape — steps that add or remove columns: interact, poly,
 * date_parts, drop_nzv, drop_corr, and the custom (user code) step.
 */
#include "ml/recipe.h"
#include "ml/step.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const no_opts[] = { NULL };

/* ---------------------------------------------------------------- interact */

/* `<a>_x_<b>` = a * b for every pair of the selected columns (in selection
 * order), appended after all other columns. */
static int interact_apply(const struct step *s, struct wset *w, struct wb_err *err)
{
	char lb[96];
	step_label(s, lb, sizeof(lb));
	size_t n = w->nrow;
	int np = s->ncols * (s->ncols - 1) / 2;
	struct column **out = xcalloc((size_t)np + 1, sizeof(*out));
	int *pa = xcalloc((size_t)np + 1, sizeof(int)), *pb = xcalloc((size_t)np + 1, sizeof(int));
	for (int a = 0, p = 0; a < s->ncols; a++)
		for (int b = a + 1; b < s->ncols; b++, p++) {
			pa[p] = a;
			pb[p] = b;
		}
#pragma omp parallel for schedule(dynamic, 1)
	for (int p = 0; p < np; p++) {
		double *ta, *tb;
		const double *xa = step_nums(w->cols[wset_find(w, s->cols[pa[p]])], &ta);
		const double *xb = step_nums(w->cols[wset_find(w, s->cols[pb[p]])], &tb);
		double *y = xmallocarray(n ? n : 1, sizeof(double));
		for (size_t i = 0; i < n; i++)
			y[i] = xa[i] * xb[i];
		free(ta);
		free(tb);
		out[p] = step_num_column(y, n);
	}
	int rc = 0;
	for (int p = 0; p < np; p++) {
		char *name = xasprintf("%s_x_%s", s->cols[pa[p]], s->cols[pb[p]]);
		if (rc == 0)
			rc = wset_insert(w, w->n, name, out[p], lb, err);
		else
			column_unref(out[p]);
		free(name);
	}
	free(out);
	free(pa);
	free(pb);
	return rc;
}

static const struct step_type interact_type = {
	.name = "interact", .options = no_opts, .kinds = KINDS_NUMERIC,
	.apply = interact_apply,
};

/* ---------------------------------------------------------------- poly */

/* `<col>_pow2 .. <col>_pow<degree>` right after each column (raw powers). */
static const char *const poly_opts[] = { "degree", NULL };

static int poly_init(struct step *s, struct wb_err *err)
{
	long *d = xcalloc(1, sizeof(long));
	s->state = d;
	return step_opt_int(s, "degree", 2, 2, 10, d, err);
}

static int poly_apply(const struct step *s, struct wset *w, struct wb_err *err)
{
	long deg = *(const long *)s->state;
	char lb[96];
	step_label(s, lb, sizeof(lb));
	size_t n = w->nrow;
	for (int k = 0; k < s->ncols; k++) {
		int at = wset_find(w, s->cols[k]);
		double *tmp;
		const double *x = step_nums(w->cols[at], &tmp);
		for (long d = 2; d <= deg; d++) {
			double *y = xmallocarray(n ? n : 1, sizeof(double));
			for (size_t i = 0; i < n; i++) {
				double v = x[i];
				for (long e = 1; e < d; e++)
					v *= x[i];
				y[i] = v;
			}
			char *name = xasprintf("%s_pow%ld", s->cols[k], d);
			int rc = wset_insert(w, at + (int)d - 1, name, step_num_column(y, n), lb, err);
			free(name);
			if (rc < 0) {
				free(tmp);
				return -1;
			}
		}
		free(tmp);
	}
	return 0;
}

static const struct step_type poly_type = {
	.name = "poly", .options = poly_opts, .kinds = KINDS_NUMERIC,
	.init = poly_init, .apply = poly_apply, .free = free,
};

/* ---------------------------------------------------------------- date_parts */

/* `<col>_<part>` num columns from a time column (UTC): year, month (1-12),
 * day (1-31), dow (ISO: Monday 1 .. Sunday 7), hour (0-23), minute, yday.
 * They replace the time column unless keep = true. */
static const char *const date_parts_opts[] = { "parts", "keep", NULL };
static const char *const part_names[] = { "year", "month", "day", "dow", "hour", "minute",
					  "yday", NULL };
enum { P_YEAR, P_MONTH, P_DAY, P_DOW, P_HOUR, P_MINUTE, P_YDAY, P_N };

struct dparts {
	int parts[P_N], nparts, keep;
};

static int date_parts_init(struct step *s, struct wb_err *err)
{
	struct dparts *d = xcalloc(1, sizeof(*d));
	s->state = d;
	if (step_opt_bool(s, "keep", 0, &d->keep, err) < 0)
		return -1;
	const json_t *p = json_object_get(s->opts, "parts");
	if (!p) {
		int def[] = { P_YEAR, P_MONTH, P_DOW, P_HOUR };
		memcpy(d->parts, def, sizeof(def));
		d->nparts = 4;
		return 0;
	}
	if (!json_is_array(p) || json_array_size(p) == 0 || json_array_size(p) > P_N)
		return step_error(s, err, "option 'parts' must be a list of part names");
	for (size_t j = 0; j < json_array_size(p); j++) {
		const char *name = json_string_value(json_array_get(p, j));
		int found = -1;
		for (int q = 0; name && part_names[q]; q++)
			if (!strcmp(name, part_names[q]))
				found = q;
		if (found < 0)
			return step_error(s, err, "option 'parts': unknown part '%s' (valid: year, "
					  "month, day, dow, hour, minute, yday)", name ? name : "?");
		d->parts[d->nparts++] = found;
	}
	return 0;
}

/* Days since 1970-01-01 to a civil date (H. Hinnant's algorithm). */
static void civil(int64_t z, int64_t *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static double part_of(int64_t us, int part)
{
	const int64_t day_us = 86400LL * 1000000LL;
	int64_t days = us / day_us, rem = us % day_us;
	if (rem < 0) {
		rem += day_us;
		days--;
	}
	int64_t y;
	int m, d;
	switch (part) {
	case P_HOUR: return (double)(rem / 3600000000LL);
	case P_MINUTE: return (double)(rem / 60000000LL % 60);
	case P_DOW: return (double)(((days % 7) + 7 + 3) % 7 + 1); /* 1970-01-01 was a Thursday */
	default: break;
	}
	civil(days, &y, &m, &d);
	if (part == P_YEAR)
		return (double)y;
	if (part == P_MONTH)
		return m;
	if (part == P_DAY)
		return d;
	static const int cum[] = { 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return cum[m - 1] + d + (leap && m > 2);
}

static int date_parts_apply(const struct step *s, struct wset *w, struct wb_err *err)
{
	const struct dparts *dp = s->state;
	char lb[96];
	step_label(s, lb, sizeof(lb));
	size_t n = w->nrow;
	for (int k = 0; k < s->ncols; k++) {
		int at = wset_find(w, s->cols[k]);
		struct column *c = column_ref(w->cols[at]);
		if (!dp->keep)
			wset_remove(w, at);
		int pos = dp->keep ? at + 1 : at;
		for (int j = 0; j < dp->nparts; j++) {
			double *y = xmallocarray(n ? n : 1, sizeof(double));
			for (size_t i = 0; i < n; i++)
				y[i] = column_is_missing(c, i) ? NAN : part_of(c->i64[i], dp->parts[j]);
			char *name = xasprintf("%s_%s", s->cols[k], part_names[dp->parts[j]]);
			int rc = wset_insert(w, pos + j, name, step_num_column(y, n), lb, err);
			free(name);
			if (rc < 0) {
				column_unref(c);
				return -1;
			}
		}
		column_unref(c);
	}
	return 0;
}

static const struct step_type date_parts_type = {
	.name = "date_parts", .options = date_parts_opts, .kinds = KINDS_TIME,
	.init = date_parts_init, .apply = date_parts_apply, .free = free,
};

/* ---------------------------------------------------------------- drop steps */

/* The learned state of both drop steps: the columns to drop.  Apply drops
 * those present and does not require the others (they would go anyway). */
struct dropped {
	char **names;
	int n;
};

static void dropped_free(void *p)
{
	struct dropped *d = p;
	step_free_strs(d->names, d->n);
	free(d);
}

static void dropped_add(struct dropped *d, const char *name)
{
	d->names = xreallocarray(d->names, (size_t)d->n + 1, sizeof(char *));
	d->names[d->n++] = xstrdup(name);
}

static int drop_apply(const struct step *s, struct wset *w, struct wb_err *err)
{
	const struct dropped *d = s->state;
	for (int k = 0; k < d->n; k++) {
		int at = wset_find(w, d->names[k]);
		if (at >= 0)
			wset_remove(w, at);
	}
	return 0;
}

static void drop_to_json(const struct step *s, json_t *o)
{
	const struct dropped *d = s->state;
	json_object_set_new(o, "dropped", step_json_strs(d->names, d->n));
}

static int drop_from_json(struct step *s, const json_t *o, const char *path,
			  struct wb_err *err)
{
	struct dropped *d = s->state;
	const json_t *v = step_json_get(o, path, "dropped", err);
	char sub[256];
	snprintf(sub, sizeof(sub), "%s.dropped", path);
	step_free_strs(d->names, d->n);
	d->names = NULL;
	d->n = 0;
	return v ? step_json_to_strs(v, sub, &d->names, &d->n, err) : -1;
}

static void drop_describe(const struct step *s, FILE *f)
{
	const struct dropped *d = s->state;
	fputs("      dropped:", f);
	for (int k = 0; k < d->n; k++)
		fprintf(f, " %s", d->names[k]);
	fputs(d->n ? "\n" : " (none)\n", f);
}

/* drop_nzv, as caret's nearZeroVar: a column goes when it has one distinct
 * value, or when the most common value is more than freq_cut times as
 * frequent as the second and distinct values are under unique_cut percent
 * of the rows. */
static const char *const drop_nzv_opts[] = { "freq_cut", "unique_cut", NULL };

struct nzv {
	struct dropped d;
	double freq_cut, unique_cut;
};

static int drop_nzv_init(struct step *s, struct wb_err *err)
{
	struct nzv *z = xcalloc(1, sizeof(*z));
	s->state = z;
	return step_opt_num(s, "freq_cut", 95.0 / 5.0, &z->freq_cut, err) < 0 ||
	       step_opt_num(s, "unique_cut", 10, &z->unique_cut, err) < 0 ? -1 : 0;
}

static int drop_nzv_fit(struct step *s, struct wset *w, const struct step_fit_ctx *ctx,
			struct wb_err *err)
{
	struct nzv *z = s->state;
	for (int k = 0; k < s->ncols; k++) {
		const struct column *c = w->cols[wset_find(w, s->cols[k])];
		size_t first = 0, second = 0, distinct = 0;
		if (c->kind == COL_CAT || c->kind == COL_STR) {
			struct strdict d;
			size_t *cnt;
			strdict_init(&d);
			step_count_levels(c, &d, &cnt);
			distinct = (size_t)d.n;
			for (int32_t j = 0; j < d.n; j++) {
				if (cnt[j] > first) {
					second = first;
					first = cnt[j];
				} else if (cnt[j] > second) {
					second = cnt[j];
				}
			}
			free(cnt);
			strdict_release(&d);
		} else {
			size_t n;
			double *v = step_sorted(c, &n);
			for (size_t i = 0; i < n;) {
				size_t j = i;
				while (j < n && v[j] == v[i])
					j++;
				size_t cnt = j - i;
				distinct++;
				if (cnt > first) {
					second = first;
					first = cnt;
				} else if (cnt > second) {
					second = cnt;
				}
				i = j;
			}
			free(v);
		}
		double ratio = second ? (double)first / (double)second : INFINITY;
		double pct = w->nrow ? 100.0 * (double)distinct / (double)w->nrow : 0;
		if (distinct <= 1 || (ratio > z->freq_cut && pct < z->unique_cut))
			dropped_add(&z->d, s->cols[k]);
	}
	return 0;
}

static const struct step_type drop_nzv_type = {
	.name = "drop_nzv", .options = drop_nzv_opts, .kinds = KINDS_ANY,
	.flags = STEP_OWN_CHECKS,
	.init = drop_nzv_init, .fit = drop_nzv_fit, .apply = drop_apply,
	.to_json = drop_to_json, .from_json = drop_from_json,
	.describe = drop_describe, .free = dropped_free,
};

/* drop_corr: walking the columns in order, a column goes when its absolute
 * Pearson correlation (over rows where both are present) with a column
 * already kept exceeds threshold.  Order-dependent by design, so the first
 * of a correlated group survives, deterministically. */
static const char *const drop_corr_opts[] = { "threshold", NULL };

struct dcorr {
	struct dropped d;
	double threshold;
};

static int drop_corr_init(struct step *s, struct wb_err *err)
{
	struct dcorr *z = xcalloc(1, sizeof(*z));
	s->state = z;
	if (step_opt_num(s, "threshold", 0.9, &z->threshold, err) < 0)
		return -1;
	if (!(z->threshold > 0 && z->threshold <= 1))
		return step_error(s, err, "option 'threshold' must be in (0, 1]");
	return 0;
}

static double pearson(const double *x, const double *y, size_t n)
{
	double sx = 0, sy = 0, m = 0;
	for (size_t i = 0; i < n; i++)
		if (!isnan(x[i]) && !isnan(y[i])) {
			sx += x[i];
			sy += y[i];
			m++;
		}
	if (m < 2)
		return 0;
	double mx = sx / m, my = sy / m, sxy = 0, sxx = 0, syy = 0;
	for (size_t i = 0; i < n; i++)
		if (!isnan(x[i]) && !isnan(y[i])) {
			sxy += (x[i] - mx) * (y[i] - my);
			sxx += (x[i] - mx) * (x[i] - mx);
			syy += (y[i] - my) * (y[i] - my);
		}
	return sxx > 0 && syy > 0 ? sxy / sqrt(sxx * syy) : 0;
}

static int drop_corr_fit(struct step *s, struct wset *w, const struct step_fit_ctx *ctx,
			 struct wb_err *err)
{
	struct dcorr *z = s->state;
	int p = s->ncols;
	const double **x = xcalloc((size_t)p + 1, sizeof(double *));
	double **tmp = xcalloc((size_t)p + 1, sizeof(double *));
	int *kept = xcalloc((size_t)p + 1, sizeof(int));
	for (int k = 0; k < p; k++)
		x[k] = step_nums(w->cols[wset_find(w, s->cols[k])], &tmp[k]);
	for (int j = 0; j < p; j++) {
		kept[j] = 1;
		for (int i = 0; i < j && kept[j]; i++)
			if (kept[i] && fabs(pearson(x[i], x[j], w->nrow)) > z->threshold)
				kept[j] = 0;
		if (!kept[j])
			dropped_add(&z->d, s->cols[j]);
	}
	for (int k = 0; k < p; k++)
		free(tmp[k]);
	free(tmp);
	free(x);
	free(kept);
	return 0;
}

static const struct step_type drop_corr_type = {
	.name = "drop_corr", .options = drop_corr_opts, .kinds = KINDS_NUMERIC,
	.flags = STEP_OWN_CHECKS,
	.init = drop_corr_init, .fit = drop_corr_fit, .apply = drop_apply,
	.to_json = drop_to_json, .from_json = drop_from_json,
	.describe = drop_describe, .free = dropped_free,
};

/* ---------------------------------------------------------------- custom */

/* User code through callbacks (the Lua layer supplies them).  The learned
 * state is the JSON the fit callback returned; the JSON form carries
 * "custom": true so a bundle can refuse or sandbox it, and a recipe loaded
 * from JSON has no code until the Lua layer binds it again.  Option "code"
 * holds the source of apply (set by the Lua layer), which a sandbox can
 * compile again. */
static const char *const custom_opts[] = { "name", "code", NULL };

struct custom {
	json_t *state;
};

static void custom_free(void *p)
{
	struct custom *c = p;
	json_decref(c->state);
	free(c);
}

static int custom_init(struct step *s, struct wb_err *err)
{
	s->state = xcalloc(1, sizeof(struct custom));
	const json_t *n = json_object_get(s->opts, "name");
	if (n && !json_is_string(n))
		return step_error(s, err, "option 'name' must be a string");
	const json_t *code = json_object_get(s->opts, "code");
	if (code && !json_is_string(code))
		return step_error(s, err, "option 'code' must be a string (Lua source)");
	return 0;
}

static int custom_fit(struct step *s, struct wset *w, const struct step_fit_ctx *ctx,
		      struct wb_err *err)
{
	struct custom *c = s->state;
	if (!s->custom || !s->custom->fit)
		return step_error(s, err, "has no fit function");
	struct frame *f = wset_to_frame(w);
	frame_seal_content(f); /* user code may ask for its hash */
	json_t *state = NULL;
	int rc = s->custom->fit(s->custom_ud, f, (const char *const *)s->cols, s->ncols,
				ctx->target, &state, err);
	frame_unref(f);
	if (rc < 0) {
		char lb[96];
		return wb_error_prefix(err, "%s", step_label(s, lb, sizeof(lb)));
	}
	json_decref(c->state);
	c->state = state ? state : json_null();
	return 0;
}

static int custom_apply(const struct step *s, struct wset *w, struct wb_err *err)
{
	const struct custom *c = s->state;
	if (!s->custom || !s->custom->apply)
		return step_error(s, err, "custom code is not bound: code read from a file runs "
				  "only when opened with allow_custom (--allow-custom, or "
				  "wb.load_model(path, { allow_custom = true }))");
	struct frame *f = wset_to_frame(w), *out = NULL;
	frame_seal_content(f);
	int rc = s->custom->apply(s->custom_ud, f, (const char *const *)s->cols, s->ncols,
				  c->state, &out, err);
	frame_unref(f);
	if (rc < 0 || !out) {
		char lb[96];
		if (rc == 0)
			wb_error(err, "apply returned no frame");
		return wb_error_prefix(err, "%s", step_label(s, lb, sizeof(lb)));
	}
	if (out->nrow != w->nrow) {
		size_t got = out->nrow;
		frame_unref(out);
		return step_error(s, err, "apply returned %zu rows, expected %zu", got, w->nrow);
	}
	wset_from_frame(w, out);
	frame_unref(out);
	return 0;
}

static void custom_to_json(const struct step *s, json_t *o)
{
	const struct custom *c = s->state;
	json_object_set_new(o, "state", c->state ? json_deep_copy(c->state) : json_null());
}

static int custom_from_json(struct step *s, const json_t *o, const char *path,
			    struct wb_err *err)
{
	struct custom *c = s->state;
	const json_t *v = step_json_get(o, path, "state", err);
	if (!v)
		return -1;
	json_decref(c->state);
	c->state = json_deep_copy(v);
	return 0;
}

static void custom_describe(const struct step *s, FILE *f)
{
	const struct custom *c = s->state;
	char *t = c->state ? json_dumps(c->state, JSON_COMPACT | JSON_ENCODE_ANY |
					JSON_REAL_PRECISION(10)) : NULL;
	fprintf(f, "      state: %.200s%s\n", t ? t : "null", t && strlen(t) > 200 ? "..." : "");
	free(t);
}

static const struct step_type custom_type = {
	.name = "custom", .options = custom_opts, .kinds = KINDS_ANY,
	.flags = STEP_CUSTOM,
	.init = custom_init, .fit = custom_fit, .apply = custom_apply,
	.to_json = custom_to_json, .from_json = custom_from_json,
	.describe = custom_describe, .free = custom_free,
};

void steps_shape_register(void)
{
	recipe_register_step(&interact_type);
	recipe_register_step(&poly_type);
	recipe_register_step(&date_parts_type);
	recipe_register_step(&drop_nzv_type);
	recipe_register_step(&drop_corr_type);
	recipe_register_step(&custom_type);
}
