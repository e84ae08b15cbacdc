/*
 * steps_numeric — steps over numeric columns: impute (also categorical),
 * standardize, minmax, log, yeo_johnson, clip, bin.
 *
 * Numeric outputs are always num columns (an int column standardized is
 * num).  Missing values stay missing through every step except impute.
 * Columns are transformed in parallel, one column per thread at a time, so
 * the result never depends on the thread count.
 */
#include "ml/recipe.h"
#include "ml/step.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- shared */

/* Per-column numbers: the learned state of most numeric steps. */
struct colnums {
	double *a, *b; /* e.g. means and sds; ncols entries each */
};

typedef void (*num_fn)(const struct step *s, int k, const double *x, double *y, size_t n);

/* Replaces each of s->cols with fn(column) as a num column. */
static int apply_numeric(const struct step *s, struct wset *w, num_fn fn)
{
	int *idx = xcalloc((size_t)s->ncols + 1, sizeof(int));
	struct column **out = xcalloc((size_t)s->ncols + 1, sizeof(*out));
	for (int k = 0; k < s->ncols; k++)
		idx[k] = wset_find(w, s->cols[k]);
	size_t n = w->nrow;
#pragma omp parallel for schedule(dynamic, 1)
	for (int k = 0; k < s->ncols; k++) {
		double *tmp;
		const double *x = step_nums(w->cols[idx[k]], &tmp);
		double *y = xmallocarray(n ? n : 1, sizeof(double));
		fn(s, k, x, y, n);
		free(tmp);
		out[k] = step_num_column(y, n);
	}
	for (int k = 0; k < s->ncols; k++)
		wset_set(w, idx[k], out[k]);
	free(out);
	free(idx);
	return 0;
}

static void colnums_free(void *p)
{
	struct colnums *c = p;
	free(c->a);
	free(c->b);
	free(c);
}

static struct colnums *colnums_of(const struct step *s)
{
	return s->state;
}

static int colnums_init(struct step *s, struct wb_err *err)
{
	s->state = xcalloc(1, sizeof(struct colnums));
	return 0;
}

static void colnums_alloc(struct step *s)
{
	struct colnums *c = s->state;
	free(c->a);
	free(c->b);
	c->a = xcalloc((size_t)s->ncols + 1, sizeof(double));
	c->b = xcalloc((size_t)s->ncols + 1, sizeof(double));
}

static int colnums_from_json(struct step *s, const json_t *o, const char *path,
			     const char *ka, const char *kb, struct wb_err *err)
{
	colnums_alloc(s);
	struct colnums *c = s->state;
	return step_json_col_nums(s, o, path, ka, c->a, err) < 0 ||
	       step_json_col_nums(s, o, path, kb, c->b, err) < 0 ? -1 : 0;
}

static void colnums_describe(const struct step *s, FILE *f, const char *na, const char *nb)
{
	const struct colnums *c = s->state;
	for (int k = 0; k < s->ncols; k++)
		fprintf(f, "      %s: %s=%.6g %s=%.6g\n", s->cols[k], na, c->a[k], nb, c->b[k]);
}

/* Mean and sample standard deviation (n - 1) of the non-missing values,
 * two passes in row order so the result is reproducible to the bit. */
static void mean_sd(const struct column *col, double *mean, double *sd)
{
	double *tmp;
	const double *x = step_nums(col, &tmp);
	double s = 0;
	size_t m = 0;
	for (size_t i = 0; i < col->n; i++)
		if (!isnan(x[i])) {
			s += x[i];
			m++;
		}
	double mu = m ? s / (double)m : NAN, ss = 0;
	for (size_t i = 0; i < col->n; i++)
		if (!isnan(x[i]))
			ss += (x[i] - mu) * (x[i] - mu);
	free(tmp);
	*mean = mu;
	*sd = m > 1 ? sqrt(ss / (double)(m - 1)) : NAN;
}

/* ---------------------------------------------------------------- impute */

enum { IMP_MEAN, IMP_MEDIAN, IMP_MODE, IMP_CONSTANT };
static const char *const impute_methods[] = { "mean", "median", "mode", "constant", NULL };
static const char *const impute_opts[] = { "method", "value", "indicator", NULL };

struct impute {
	int method, indicator;
	double *nums;  /* fill per numeric column */
	char **strs;   /* fill per text column (NULL for numeric columns) */
	int n;
};

static void impute_free(void *p)
{
	struct impute *m = p;
	free(m->nums);
	step_free_strs(m->strs, m->n);
	free(m);
}

static int impute_init(struct step *s, struct wb_err *err)
{
	struct impute *m = xcalloc(1, sizeof(*m));
	s->state = m;
	if (step_opt_enum(s, "method", impute_methods, IMP_MEAN, &m->method, err) < 0 ||
	    step_opt_bool(s, "indicator", 0, &m->indicator, err) < 0)
		return -1;
	const json_t *v = json_object_get(s->opts, "value");
	if (m->method == IMP_CONSTANT && !json_is_number(v) && !json_is_string(v))
		return step_error(s, err, "method 'constant' needs option 'value' (a number or a string)");
	return 0;
}

static void impute_alloc(struct step *s)
{
	struct impute *m = s->state;
	free(m->nums);
	step_free_strs(m->strs, m->n);
	m->n = s->ncols;
	m->nums = xcalloc((size_t)m->n + 1, sizeof(double));
	m->strs = xcalloc((size_t)m->n + 1, sizeof(char *));
}

/* The most frequent value; ties go to the smallest, so row order is moot. */
static double num_mode(const struct column *c)
{
	size_t n;
	double *v = step_sorted(c, &n), best = NAN;
	size_t bestc = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && v[j] == v[i])
			j++;
		if (j - i > bestc) {
			bestc = j - i;
			best = v[i];
		}
		i = j;
	}
	free(v);
	return best;
}

static int impute_fit(struct step *s, struct wset *w, const struct step_fit_ctx *ctx,
		      struct wb_err *err)
{
	struct impute *m = s->state;
	impute_alloc(s);
	const json_t *val = json_object_get(s->opts, "value");
	for (int k = 0; k < s->ncols; k++) {
		const struct column *c = w->cols[wset_find(w, s->cols[k])];
		int text = c->kind == COL_CAT || c->kind == COL_STR;
		if (m->method == IMP_CONSTANT) {
			if (text != json_is_string(val))
				return step_error(s, err, "column '%s' is %s, option 'value' must be %s",
						  s->cols[k], col_kind_name(c->kind),
						  text ? "a string" : "a number");
			if (text)
				m->strs[k] = xstrdup(json_string_value(val));
			else
				m->nums[k] = json_number_value(val);
			continue;
		}
		if (text) {
			if (m->method != IMP_MODE)
				return step_error(s, err, "column '%s' is %s, method '%s' needs num or int",
						  s->cols[k], col_kind_name(c->kind),
						  impute_methods[m->method]);
			struct strdict d;
			size_t *cnt;
			strdict_init(&d);
			step_count_levels(c, &d, &cnt);
			int32_t best = -1;
			for (int32_t j = 0; j < d.n; j++)
				if (best < 0 || cnt[j] > cnt[best])
					best = j;
			if (best < 0) {
				free(cnt);
				strdict_release(&d);
				return step_error(s, err, "column '%s' has no values to learn from",
						  s->cols[k]);
			}
			m->strs[k] = xstrdup(d.strs[best]);
			free(cnt);
			strdict_release(&d);
			continue;
		}
		double v, sd;
		if (m->method == IMP_MEAN) {
			mean_sd(c, &v, &sd);
		} else if (m->method == IMP_MEDIAN) {
			size_t n;
			double *sorted = step_sorted(c, &n);
			v = step_quantile(sorted, n, 0.5);
			free(sorted);
		} else {
			v = num_mode(c);
		}
		if (isnan(v))
			return step_error(s, err, "column '%s' has no values to learn from", s->cols[k]);
		m->nums[k] = v;
	}
	return 0;
}

/* A CAT column like c (CAT or STR) with missing cells set to fill. */
static struct column *cat_fill(const struct column *c, const char *fill)
{
	struct column *owned = c->kind == COL_CAT ? NULL : column_to_cat(c);
	const struct column *cat = owned ? owned : c;
	int32_t nl = cat->nlevels, code = -1;
	char **levels = xcalloc((size_t)nl + 2, sizeof(char *));
	for (int32_t l = 0; l < nl; l++) {
		levels[l] = xstrdup(cat->levels[l]);
		if (!strcmp(levels[l], fill))
			code = l;
	}
	if (code < 0) {
		code = nl;
		levels[nl++] = xstrdup(fill);
	}
	int32_t *codes = xmallocarray(c->n ? c->n : 1, sizeof(int32_t));
	for (size_t i = 0; i < c->n; i++)
		codes[i] = cat->codes[i] < 0 ? code : cat->codes[i];
	column_unref(owned);
	return column_new_cat(c->n, codes, levels, nl);
}

static int impute_apply(const struct step *s, struct wset *w, struct wb_err *err)
{
	const struct impute *m = s->state;
	int n = s->ncols;
	int *idx = xcalloc((size_t)n + 1, sizeof(int));
	struct column **out = xcalloc((size_t)n + 1, sizeof(*out));
	struct column **ind = xcalloc((size_t)n + 1, sizeof(*ind));
	for (int k = 0; k < n; k++) {
		if (!step_col(s, w, s->cols[k], m->strs[k] ? KINDS_TEXT : KINDS_NUMERIC, err)) {
			free(idx);
			free(out);
			free(ind);
			return -1;
		}
		idx[k] = wset_find(w, s->cols[k]);
	}
	size_t nrow = w->nrow;
#pragma omp parallel for schedule(dynamic, 1)
	for (int k = 0; k < n; k++) {
		const struct column *c = w->cols[idx[k]];
		if (m->indicator) {
			double *y = xmallocarray(nrow ? nrow : 1, sizeof(double));
			for (size_t i = 0; i < nrow; i++)
				y[i] = column_is_missing(c, i) ? 1.0 : 0.0;
			ind[k] = step_num_column(y, nrow);
		}
		if (m->strs[k]) {
			out[k] = cat_fill(c, m->strs[k]);
			continue;
		}
		double *tmp, fill = m->nums[k];
		const double *x = step_nums(c, &tmp);
		double *y = xmallocarray(nrow ? nrow : 1, sizeof(double));
		for (size_t i = 0; i < nrow; i++)
			y[i] = isnan(x[i]) ? fill : x[i];
		free(tmp);
		out[k] = step_num_column(y, nrow);
	}
	int rc = 0;
	char lb[96];
	step_label(s, lb, sizeof(lb));
	for (int k = 0; k < n; k++) {
		int at = wset_find(w, s->cols[k]);
		wset_set(w, at, out[k]);
		if (m->indicator && rc == 0) {
			char *name = xasprintf("%s_missing", s->cols[k]);
			rc = wset_insert(w, at + 1, name, ind[k], lb, err);
			free(name);
		} else if (m->indicator) {
			column_unref(ind[k]);
		}
	}
	free(idx);
	free(out);
	free(ind);
	return rc;
}

static int impute_can_map(const struct step *s)
{
	const struct impute *m = s->state;
	for (int k = 0; k < s->ncols; k++)
		if (m->strs[k])
			return 0;
	return !m->indicator;
}

static void impute_map(const struct step *s, int k, const double *x, double *y, size_t n)
{
	double fill = ((const struct impute *)s->state)->nums[k];
	for (size_t i = 0; i < n; i++)
		y[i] = isnan(x[i]) ? fill : x[i];
}

static int always_map(const struct step *s)
{
	return 1;
}

static void impute_to_json(const struct step *s, json_t *o)
{
	const struct impute *m = s->state;
	json_t *v = json_object();
	for (int k = 0; k < s->ncols; k++)
		json_object_set_new_nocheck(v, s->cols[k], m->strs[k] ? json_string_nocheck(m->strs[k])
								      : step_json_num(m->nums[k]));
	json_object_set_new(o, "values", v);
}

static int impute_from_json(struct step *s, const json_t *o, const char *path,
			    struct wb_err *err)
{
	struct impute *m = s->state;
	impute_alloc(s);
	const json_t *v = step_json_get(o, path, "values", err);
	if (!v)
		return -1;
	if (!json_is_object(v))
		return wb_error(err, "recipe JSON: %s.values: expected an object", path);
	for (int k = 0; k < s->ncols; k++) {
		const json_t *e = json_object_get(v, s->cols[k]);
		char sub[512];
		snprintf(sub, sizeof(sub), "%s.values.%s", path, s->cols[k]);
		if (!e)
			return wb_error(err, "recipe JSON: %s: missing", sub);
		if (json_is_string(e) && strcmp(json_string_value(e), "inf") &&
		    strcmp(json_string_value(e), "-inf"))
			m->strs[k] = xstrdup(json_string_value(e));
		else if (step_json_to_num(e, sub, &m->nums[k], err) < 0)
			return -1;
	}
	return 0;
}

static void impute_describe(const struct step *s, FILE *f)
{
	const struct impute *m = s->state;
	fprintf(f, "      %s:", impute_methods[m->method]);
	for (int k = 0; k < s->ncols; k++) {
		if (m->strs[k])
			fprintf(f, " %s='%s'", s->cols[k], m->strs[k]);
		else
			fprintf(f, " %s=%.6g", s->cols[k], m->nums[k]);
	}
	fprintf(f, "%s\n", m->indicator ? " (+ <col>_missing indicators)" : "");
}

static const struct step_type impute_type = {
	.name = "impute", .options = impute_opts,
	.kinds = KINDS_NUMERIC | KINDS_TEXT, .flags = STEP_OWN_CHECKS,
	.init = impute_init, .fit = impute_fit, .apply = impute_apply,
	.to_json = impute_to_json, .from_json = impute_from_json,
	.describe = impute_describe, .free = impute_free,
	.map = impute_map, .can_map = impute_can_map,
};

/* ---------------------------------------------------------------- standardize */

static const char *const standardize_opts[] = { "center", "scale", NULL };

static int standardize_fit(struct step *s, struct wset *w, const struct step_fit_ctx *ctx,
			   struct wb_err *err)
{
	int center, scale;
	if (step_opt_bool(s, "center", 1, &center, err) < 0 ||
	    step_opt_bool(s, "scale", 1, &scale, err) < 0)
		return -1;
	colnums_alloc(s);
	struct colnums *c = s->state;
	for (int k = 0; k < s->ncols; k++) {
		mean_sd(w->cols[wset_find(w, s->cols[k])], &c->a[k], &c->b[k]);
		/* A constant column has sd 0: it is centred, not divided by 0. */
		if (!scale || !(c->b[k] > 0))
			c->b[k] = 1;
		if (!center || isnan(c->a[k]))
			c->a[k] = 0;
	}
	return 0;
}

static int standardize_init(struct step *s, struct wb_err *err)
{
	int b;
	if (step_opt_bool(s, "center", 1, &b, err) < 0 || step_opt_bool(s, "scale", 1, &b, err) < 0)
		return -1;
	return colnums_init(s, err);
}

static void standardize_fn(const struct step *s, int k, const double *x, double *y, size_t n)
{
	const struct colnums *c = s->state;
	double mu = c->a[k], inv = 1.0 / c->b[k];
	for (size_t i = 0; i < n; i++)
		y[i] = (x[i] - mu) * inv;
}

static int standardize_apply(const struct step *s, struct wset *w, struct wb_err *err)
{
	return apply_numeric(s, w, standardize_fn);
}

static void standardize_to_json(const struct step *s, json_t *o)
{
	json_object_set_new(o, "means", step_json_col_obj(s, colnums_of(s)->a));
	json_object_set_new(o, "sds", step_json_col_obj(s, colnums_of(s)->b));
}

static int standardize_from_json(struct step *s, const json_t *o, const char *path,
				 struct wb_err *err)
{
	return colnums_from_json(s, o, path, "means", "sds", err);
}

static void standardize_describe(const struct step *s, FILE *f)
{
	colnums_describe(s, f, "mean", "sd");
}

static const struct step_type standardize_type = {
	.map = standardize_fn, .can_map = always_map,
	.name = "standardize", .options = standardize_opts, .kinds = KINDS_NUMERIC,
	.init = standardize_init, .fit = standardize_fit, .apply = standardize_apply,
	.to_json = standardize_to_json, .from_json = standardize_from_json,
	.describe = standardize_describe, .free = colnums_free,
};

/* ---------------------------------------------------------------- minmax */

static const char *const no_opts[] = { NULL };

static int minmax_fit(struct step *s, struct wset *w, const struct step_fit_ctx *ctx,
		      struct wb_err *err)
{
	colnums_alloc(s);
	struct colnums *c = s->state;
	for (int k = 0; k < s->ncols; k++) {
		double *tmp, lo = INFINITY, hi = -INFINITY;
		const struct column *col = w->cols[wset_find(w, s->cols[k])];
		const double *x = step_nums(col, &tmp);
		for (size_t i = 0; i < col->n; i++)
			if (!isnan(x[i])) {
				lo = x[i] < lo ? x[i] : lo;
				hi = x[i] > hi ? x[i] : hi;
			}
		free(tmp);
		if (lo > hi)
			return step_error(s, err, "column '%s' has no values to learn from", s->cols[k]);
		c->a[k] = lo;
		c->b[k] = hi;
	}
	return 0;
}

/* (x - min) / (max - min); values outside the training range fall outside
 * [0, 1] (not clipped); a constant column maps to 0. */
static void minmax_fn(const struct step *s, int k, const double *x, double *y, size_t n)
{
	const struct colnums *c = s->state;
	double lo = c->a[k], range = c->b[k] - c->a[k];
	double inv = range > 0 ? 1.0 / range : 0.0;
	for (size_t i = 0; i < n; i++)
		y[i] = (x[i] - lo) * inv;
}

static int minmax_apply(const struct step *s, struct wset *w, struct wb_err *err)
{
	return apply_numeric(s, w, minmax_fn);
}

static void minmax_to_json(const struct step *s, json_t *o)
{
	json_object_set_new(o, "mins", step_json_col_obj(s, colnums_of(s)->a));
	json_object_set_new(o, "maxs", step_json_col_obj(s, colnums_of(s)->b));
}

static int minmax_from_json(struct step *s, const json_t *o, const char *path,
			    struct wb_err *err)
{
	return colnums_from_json(s, o, path, "mins", "maxs", err);
}

static void minmax_describe(const struct step *s, FILE *f)
{
	colnums_describe(s, f, "min", "max");
}

static const struct step_type minmax_type = {
	.map = minmax_fn, .can_map = always_map,
	.name = "minmax", .options = no_opts, .kinds = KINDS_NUMERIC,
	.init = colnums_init, .fit = minmax_fit, .apply = minmax_apply,
	.to_json = minmax_to_json, .from_json = minmax_from_json,
	.describe = minmax_describe, .free = colnums_free,
};

/* ---------------------------------------------------------------- log */

static const char *const log_opts[] = { "offset", "base", "log1p", NULL };

struct logo {
	double offset, base;
	int log1p;
};

static int log_init(struct step *s, struct wb_err *err)
{
	struct logo *o = xcalloc(1, sizeof(*o));
	s->state = o;
	if (step_opt_num(s, "offset", 0, &o->offset, err) < 0 ||
	    step_opt_num(s, "base", M_E, &o->base, err) < 0 ||
	    step_opt_bool(s, "log1p", 0, &o->log1p, err) < 0)
		return -1;
	if (!(o->base > 0) || o->base == 1)
		return step_error(s, err, "option 'base' must be positive and not 1");
	return 0;
}

/* log(x + offset) (log1p: log(1 + x)) in the given base; a value at or below
 * the domain's edge becomes missing rather than -inf or an error, so one odd
 * row at scoring time cannot stop a batch. */
static void log_fn(const struct step *s, int k, const double *x, double *y, size_t n)
{
	const struct logo *o = s->state;
	double scale = o->base == M_E ? 1.0 : 1.0 / log(o->base);
	for (size_t i = 0; i < n; i++) {
		double v = o->log1p ? 1.0 + x[i] : x[i] + o->offset;
		y[i] = v > 0 ? (o->log1p ? log1p(x[i]) : log(v)) * scale : NAN;
	}
}

static int log_apply(const struct step *s, struct wset *w, struct wb_err *err)
{
	return apply_numeric(s, w, log_fn);
}

static const struct step_type log_type = {
	.map = log_fn, .can_map = always_map,
	.name = "log", .options = log_opts, .kinds = KINDS_NUMERIC,
	.init = log_init, .apply = log_apply, .free = free,
};

/* ---------------------------------------------------------------- yeo_johnson */

static double yj(double x, double lam)
{
	if (x >= 0)
		return fabs(lam) < 1e-12 ? log1p(x) : (pow(x + 1, lam) - 1) / lam;
	return fabs(lam - 2) < 1e-12 ? -log1p(-x) : -(pow(1 - x, 2 - lam) - 1) / (2 - lam);
}

/* The Yeo-Johnson profile log-likelihood (as scipy.stats.yeojohnson_llf). */
static double yj_llf(const double *x, size_t n, double lam, double logsum)
{
	double s = 0;
	for (size_t i = 0; i < n; i++)
		s += yj(x[i], lam);
	double mu = s / (double)n, ss = 0;
	for (size_t i = 0; i < n; i++) {
		double d = yj(x[i], lam) - mu;
		ss += d * d;
	}
	double var = ss / (double)n;
	return -0.5 * (double)n * log(var) + (lam - 1) * logsum;
}

/* Maximum likelihood lambda by golden-section search on [-5, 5]: the
 * profile likelihood is unimodal in practice and the fixed iteration count
 * makes the result reproducible. */
static double yj_lambda(const double *x, size_t n)
{
	double logsum = 0, lo = INFINITY, hi = -INFINITY;
	for (size_t i = 0; i < n; i++) {
		logsum += copysign(log1p(fabs(x[i])), x[i]);
		lo = x[i] < lo ? x[i] : lo;
		hi = x[i] > hi ? x[i] : hi;
	}
	if (n < 2 || lo == hi)
		return 1;
	const double g = (sqrt(5.0) - 1) / 2;
	double a = -5, b = 5, c = b - g * (b - a), d = a + g * (b - a);
	double fc = yj_llf(x, n, c, logsum), fd = yj_llf(x, n, d, logsum);
	for (int it = 0; it < 80 && b - a > 1e-10; it++) {
		if (fc > fd) {
			b = d;
			d = c;
			fd = fc;
			c = b - g * (b - a);
			fc = yj_llf(x, n, c, logsum);
		} else {
			a = c;
			c = d;
			fc = fd;
			d = a + g * (b - a);
			fd = yj_llf(x, n, d, logsum);
		}
	}
	return (a + b) / 2;
}

static int yeo_johnson_fit(struct step *s, struct wset *w, const struct step_fit_ctx *ctx,
			   struct wb_err *err)
{
	colnums_alloc(s);
	struct colnums *c = s->state;
#pragma omp parallel for schedule(dynamic, 1)
	for (int k = 0; k < s->ncols; k++) {
		size_t n;
		double *v = step_sorted(w->cols[wset_find(w, s->cols[k])], &n);
		c->a[k] = yj_lambda(v, n);
		free(v);
	}
	return 0;
}

static void yeo_johnson_fn(const struct step *s, int k, const double *x, double *y, size_t n)
{
	double lam = colnums_of(s)->a[k];
	for (size_t i = 0; i < n; i++)
		y[i] = isnan(x[i]) ? NAN : yj(x[i], lam);
}

static int yeo_johnson_apply(const struct step *s, struct wset *w, struct wb_err *err)
{
	return apply_numeric(s, w, yeo_johnson_fn);
}

static void yeo_johnson_to_json(const struct step *s, json_t *o)
{
	json_object_set_new(o, "lambdas", step_json_col_obj(s, colnums_of(s)->a));
}

static int yeo_johnson_from_json(struct step *s, const json_t *o, const char *path,
				 struct wb_err *err)
{
	colnums_alloc(s);
	return step_json_col_nums(s, o, path, "lambdas", colnums_of(s)->a, err);
}

static void yeo_johnson_describe(const struct step *s, FILE *f)
{
	fputs("      lambda:", f);
	for (int k = 0; k < s->ncols; k++)
		fprintf(f, " %s=%.6g", s->cols[k], colnums_of(s)->a[k]);
	fputc('\n', f);
}

static const struct step_type yeo_johnson_type = {
	.map = yeo_johnson_fn, .can_map = always_map,
	.name = "yeo_johnson", .options = no_opts, .kinds = KINDS_NUMERIC,
	.init = colnums_init, .fit = yeo_johnson_fit, .apply = yeo_johnson_apply,
	.to_json = yeo_johnson_to_json, .from_json = yeo_johnson_from_json,
	.describe = yeo_johnson_describe, .free = colnums_free,
};

/* ---------------------------------------------------------------- clip */

/* lower/upper: fixed bounds; q_lower/q_upper: bounds learned as quantiles of
 * the training data (winsorizing).  A fixed bound wins over a quantile. */
static const char *const clip_opts[] = { "lower", "upper", "q_lower", "q_upper", NULL };

static int clip_init(struct step *s, struct wb_err *err)
{
	double v[4];
	const char *names[4] = { "lower", "upper", "q_lower", "q_upper" };
	for (int k = 0; k < 4; k++)
		if (step_opt_num(s, names[k], NAN, &v[k], err) < 0)
			return -1;
	for (int k = 2; k < 4; k++)
		if (!isnan(v[k]) && !(v[k] >= 0 && v[k] <= 1))
			return step_error(s, err, "option '%s' must be in [0, 1]", names[k]);
	if (isnan(v[0]) && isnan(v[1]) && isnan(v[2]) && isnan(v[3]))
		return step_error(s, err, "needs 'lower', 'upper', 'q_lower' or 'q_upper'");
	return colnums_init(s, err);
}

static int clip_fit(struct step *s, struct wset *w, const struct step_fit_ctx *ctx,
		    struct wb_err *err)
{
	double lo, hi, qlo, qhi;
	step_opt_num(s, "lower", NAN, &lo, err);
	step_opt_num(s, "upper", NAN, &hi, err);
	step_opt_num(s, "q_lower", NAN, &qlo, err);
	step_opt_num(s, "q_upper", NAN, &qhi, err);
	colnums_alloc(s);
	struct colnums *c = s->state;
	for (int k = 0; k < s->ncols; k++) {
		size_t n = 0;
		double *v = NULL;
		if ((isnan(lo) && !isnan(qlo)) || (isnan(hi) && !isnan(qhi)))
			v = step_sorted(w->cols[wset_find(w, s->cols[k])], &n);
		c->a[k] = !isnan(lo) ? lo : !isnan(qlo) ? step_quantile(v, n, qlo) : -INFINITY;
		c->b[k] = !isnan(hi) ? hi : !isnan(qhi) ? step_quantile(v, n, qhi) : INFINITY;
		free(v);
	}
	return 0;
}

static void clip_fn(const struct step *s, int k, const double *x, double *y, size_t n)
{
	const struct colnums *c = s->state;
	double lo = c->a[k], hi = c->b[k];
	for (size_t i = 0; i < n; i++)
		y[i] = x[i] < lo ? lo : x[i] > hi ? hi : x[i];
}

static int clip_apply(const struct step *s, struct wset *w, struct wb_err *err)
{
	return apply_numeric(s, w, clip_fn);
}

static void clip_to_json(const struct step *s, json_t *o)
{
	json_object_set_new(o, "lowers", step_json_col_obj(s, colnums_of(s)->a));
	json_object_set_new(o, "uppers", step_json_col_obj(s, colnums_of(s)->b));
}

static int clip_from_json(struct step *s, const json_t *o, const char *path,
			  struct wb_err *err)
{
	return colnums_from_json(s, o, path, "lowers", "uppers", err);
}

static void clip_describe(const struct step *s, FILE *f)
{
	colnums_describe(s, f, "lower", "upper");
}

static const struct step_type clip_type = {
	.map = clip_fn, .can_map = always_map,
	.name = "clip", .options = clip_opts, .kinds = KINDS_NUMERIC,
	.init = clip_init, .fit = clip_fit, .apply = clip_apply,
	.to_json = clip_to_json, .from_json = clip_from_json,
	.describe = clip_describe, .free = colnums_free,
};

/* ---------------------------------------------------------------- bin */

static const char *const bin_opts[] = { "bins", "method", "output", NULL };
static const char *const bin_methods[] = { "width", "quantile", NULL };
static const char *const bin_outputs[] = { "cat", "ordinal", NULL };

struct bin {
	long bins;
	int method, output;
	double **edges; /* per column: nedges[k] sorted distinct edges */
	int *nedges;
	int n;
};

static void bin_clear(struct bin *b)
{
	for (int k = 0; k < b->n; k++)
		free(b->edges[k]);
	free(b->edges);
	free(b->nedges);
	b->edges = NULL;
	b->nedges = NULL;
	b->n = 0;
}

static void bin_free(void *p)
{
	bin_clear(p);
	free(p);
}

static void bin_alloc(struct step *s)
{
	struct bin *b = s->state;
	bin_clear(b);
	b->n = s->ncols;
	b->edges = xcalloc((size_t)b->n + 1, sizeof(double *));
	b->nedges = xcalloc((size_t)b->n + 1, sizeof(int));
}

static int bin_init(struct step *s, struct wb_err *err)
{
	struct bin *b = xcalloc(1, sizeof(*b));
	s->state = b;
	return step_opt_int(s, "bins", 5, 1, 1000, &b->bins, err) < 0 ||
	       step_opt_enum(s, "method", bin_methods, 0, &b->method, err) < 0 ||
	       step_opt_enum(s, "output", bin_outputs, 0, &b->output, err) < 0 ? -1 : 0;
}

/* Edges e[0] < ... < e[m-1]: the bins are [e0, e1), [e1, e2), ... with the
 * first bin extended down to -inf and the last up to +inf, so scoring
 * values outside the training range land in the end bins.  Quantile edges
 * that coincide (discrete data) are merged, which gives fewer bins. */
static int bin_fit(struct step *s, struct wset *w, const struct step_fit_ctx *ctx,
		   struct wb_err *err)
{
	struct bin *b = s->state;
	bin_alloc(s);
	for (int k = 0; k < s->ncols; k++) {
		size_t n;
		double *v = step_sorted(w->cols[wset_find(w, s->cols[k])], &n);
		if (n == 0) {
			free(v);
			return step_error(s, err, "column '%s' has no values to learn from", s->cols[k]);
		}
		double *e = xcalloc((size_t)b->bins + 1, sizeof(double));
		int m = 0;
		for (long j = 0; j <= b->bins; j++) {
			double q = (double)j / (double)b->bins;
			double x = b->method == 0 ? v[0] + q * (v[n - 1] - v[0]) : step_quantile(v, n, q);
			if (j == b->bins)
				x = v[n - 1];
			if (m == 0 || x > e[m - 1])
				e[m++] = x;
		}
		if (m == 1)
			e[m++] = e[0]; /* a constant column: one bin */
		b->edges[k] = e;
		b->nedges[k] = m;
		free(v);
	}
	return 0;
}

static int bin_of(const double *e, int m, double x)
{
	/* Number of interior edges e[1..m-2] that are <= x. */
	int lo = 1, hi = m - 1;
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		if (e[mid] <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo - 1;
}

/* Level labels "[lo, hi)"; "binN" when rounding would make two alike. */
static char **bin_labels(const double *e, int m)
{
	int nb = m - 1;
	char **lab = xcalloc((size_t)nb + 1, sizeof(char *));
	for (int j = 0; j < nb; j++)
		lab[j] = xasprintf("[%.6g, %.6g%c", e[j], e[j + 1], j == nb - 1 ? ']' : ')');
	for (int j = 1; j < nb; j++)
		if (!strcmp(lab[j], lab[j - 1])) {
			for (int i = 0; i < nb; i++) {
				free(lab[i]);
				lab[i] = xasprintf("bin%d", i + 1);
			}
			break;
		}
	return lab;
}

static int bin_apply(const struct step *s, struct wset *w, struct wb_err *err)
{
	const struct bin *b = s->state;
	int n = s->ncols;
	int *idx = xcalloc((size_t)n + 1, sizeof(int));
	struct column **out = xcalloc((size_t)n + 1, sizeof(*out));
	for (int k = 0; k < n; k++)
		idx[k] = wset_find(w, s->cols[k]);
	size_t nrow = w->nrow;
#pragma omp parallel for schedule(dynamic, 1)
	for (int k = 0; k < n; k++) {
		double *tmp;
		const double *x = step_nums(w->cols[idx[k]], &tmp);
		const double *e = b->edges[k];
		int m = b->nedges[k];
		if (b->output == 1) {
			double *y = xmallocarray(nrow ? nrow : 1, sizeof(double));
			for (size_t i = 0; i < nrow; i++)
				y[i] = isnan(x[i]) ? NAN : (double)bin_of(e, m, x[i]);
			out[k] = step_num_column(y, nrow);
		} else {
			int32_t *codes = xmallocarray(nrow ? nrow : 1, sizeof(int32_t));
			for (size_t i = 0; i < nrow; i++)
				codes[i] = isnan(x[i]) ? -1 : bin_of(e, m, x[i]);
			out[k] = column_new_cat(nrow, codes, bin_labels(e, m), m - 1);
		}
		free(tmp);
	}
	for (int k = 0; k < n; k++)
		wset_set(w, idx[k], out[k]);
	free(out);
	free(idx);
	return 0;
}

static void bin_to_json(const struct step *s, json_t *o)
{
	const struct bin *b = s->state;
	json_t *e = json_object();
	for (int k = 0; k < s->ncols; k++) {
		json_t *a = json_array();
		for (int j = 0; j < b->nedges[k]; j++)
			json_array_append_new(a, step_json_num(b->edges[k][j]));
		json_object_set_new_nocheck(e, s->cols[k], a);
	}
	json_object_set_new(o, "edges", e);
}

static int bin_from_json(struct step *s, const json_t *o, const char *path,
			 struct wb_err *err)
{
	struct bin *b = s->state;
	bin_alloc(s);
	const json_t *e = step_json_get(o, path, "edges", err);
	if (!e)
		return -1;
	if (!json_is_object(e))
		return wb_error(err, "recipe JSON: %s.edges: expected an object", path);
	for (int k = 0; k < s->ncols; k++) {
		const json_t *a = json_object_get(e, s->cols[k]);
		if (!json_is_array(a) || json_array_size(a) < 2)
			return wb_error(err, "recipe JSON: %s.edges.%s: expected an array of at "
					"least 2 numbers", path, s->cols[k]);
		int m = (int)json_array_size(a);
		b->edges[k] = xcalloc((size_t)m, sizeof(double));
		b->nedges[k] = m;
		for (int j = 0; j < m; j++) {
			char sub[512];
			snprintf(sub, sizeof(sub), "%s.edges.%s[%d]", path, s->cols[k], j);
			if (step_json_to_num(json_array_get(a, (size_t)j), sub, &b->edges[k][j], err) < 0)
				return -1;
		}
	}
	return 0;
}

static void bin_describe(const struct step *s, FILE *f)
{
	const struct bin *b = s->state;
	for (int k = 0; k < s->ncols; k++) {
		fprintf(f, "      %s: edges", s->cols[k]);
		for (int j = 0; j < b->nedges[k]; j++)
			fprintf(f, " %.6g", b->edges[k][j]);
		fputc('\n', f);
	}
}

static const struct step_type bin_type = {
	.name = "bin", .options = bin_opts, .kinds = KINDS_NUMERIC,
	.init = bin_init, .fit = bin_fit, .apply = bin_apply,
	.to_json = bin_to_json, .from_json = bin_from_json,
	.describe = bin_describe, .free = bin_free,
};

void steps_numeric_register(void)
{
	recipe_register_step(&impute_type);
	recipe_register_step(&standardize_type);
	recipe_register_step(&minmax_type);
	recipe_register_step(&log_type);
	recipe_register_step(&yeo_johnson_type);
	recipe_register_step(&clip_type);
	recipe_register_step(&bin_type);
}
