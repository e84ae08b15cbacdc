/*
 * model_util — what every family implementation shares: parameter readers,
 * class weights, random streams and the JSON encoding of learned numbers.
 */
#include "ml/model.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int model_error(const struct model *m, struct wb_err *err, const char *fmt, ...)
{
	char msg[900];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return wb_error(err, "%s: %s", m->type->name, msg);
}

/* ---------------------------------------------------------------- parameters */

static const json_t *param(const struct model *m, const char *name)
{
	const json_t *v = m->params ? json_object_get(m->params, name) : NULL;
	return v && !json_is_null(v) ? v : NULL;
}

int model_param_num(const struct model *m, const char *name, double def, double lo,
		    double hi, int lo_open, int hi_open, double *out, struct wb_err *err)
{
	const json_t *v = param(m, name);
	if (!v) {
		*out = def;
		return 0;
	}
	if (!json_is_number(v))
		return model_error(m, err, "parameter '%s' must be a number", name);
	double d = json_number_value(v);
	int below = lo_open ? !(d > lo) : !(d >= lo);
	int above = hi_open ? !(d < hi) : !(d <= hi);
	if (below || above || isnan(d)) {
		char lb[32], hb[32], got[32];
		snprintf(lb, sizeof(lb), "%g", lo);
		snprintf(hb, sizeof(hb), "%g", hi);
		snprintf(got, sizeof(got), "%g", d);
		if (isinf(hi))
			return model_error(m, err, "parameter '%s' must be %s %s, got %s", name,
					   lo_open ? ">" : ">=", lb, got);
		return model_error(m, err, "parameter '%s' must be in %c%s, %s%c, got %s", name,
				   lo_open ? '(' : '[', lb, hb, hi_open ? ')' : ']', got);
	}
	*out = d;
	return 0;
}

int model_param_int(const struct model *m, const char *name, long def, long lo, long hi,
		    long *out, struct wb_err *err)
{
	const json_t *v = param(m, name);
	if (!v) {
		*out = def;
		return 0;
	}
	double d = json_is_number(v) ? json_number_value(v) : NAN;
	if (!(d == floor(d)) || d < (double)lo || d > (double)hi) {
		if (!json_is_number(v))
			return model_error(m, err, "parameter '%s' must be an integer", name);
		char got[32];
		snprintf(got, sizeof(got), "%g", d);
		if (hi == LONG_MAX)
			return model_error(m, err, "parameter '%s' must be an integer >= %ld, got %s",
					   name, lo, got);
		return model_error(m, err, "parameter '%s' must be an integer in %ld..%ld, got %s",
				   name, lo, hi, got);
	}
	*out = (long)d;
	return 0;
}

int model_param_bool(const struct model *m, const char *name, int def, int *out,
		     struct wb_err *err)
{
	const json_t *v = param(m, name);
	if (!v) {
		*out = def;
		return 0;
	}
	if (!json_is_boolean(v))
		return model_error(m, err, "parameter '%s' must be true or false", name);
	*out = json_is_true(v);
	return 0;
}

int model_param_enum(const struct model *m, const char *name, const char *const *names,
		     int def, int *out, struct wb_err *err)
{
	const json_t *v = param(m, name);
	if (!v) {
		*out = def;
		return 0;
	}
	if (json_is_string(v))
		for (int k = 0; names[k]; k++)
			if (!strcmp(names[k], json_string_value(v))) {
				*out = k;
				return 0;
			}
	char list[512];
	size_t at = 0;
	list[0] = 0;
	for (int k = 0; names[k] && at < sizeof(list); k++)
		at += (size_t)snprintf(list + at, sizeof(list) - at, "%s'%s'", k ? ", " : "",
				       names[k]);
	if (json_is_string(v))
		return model_error(m, err, "parameter '%s' must be one of %s, got '%s'", name, list,
				   json_string_value(v));
	return model_error(m, err, "parameter '%s' must be one of %s", name, list);
}

double *model_class_weights(const struct model *m, const struct mldata *d, struct wb_err *err,
			    int *failed)
{
	*failed = 0;
	json_t *cw = json_object_get(m->params, "class_weight");
	if (cw && json_is_null(cw))
		cw = NULL;
	if (!cw) {
		if (!d->w)
			return NULL;
		double *w = xmallocarray(d->n ? d->n : 1, sizeof(double));
		memcpy(w, d->w, d->n * sizeof(double));
		return w;
	}
	int k = d->nclass;
	double *per = xcalloc((size_t)k, sizeof(double));
	if (json_is_string(cw) && !strcmp(json_string_value(cw), "balanced")) {
		size_t *cnt = xcalloc((size_t)k, sizeof(size_t));
		for (size_t i = 0; i < d->n; i++)
			cnt[d->cls[i]]++;
		for (int c = 0; c < k; c++)
			per[c] = cnt[c] ? (double)d->n / ((double)k * (double)cnt[c]) : 0;
		free(cnt);
	} else if (json_is_object(cw)) {
		for (int c = 0; c < k; c++)
			per[c] = 1;
		const char *key;
		json_t *v;
		json_object_foreach(cw, key, v) {
			int c = 0;
			while (c < k && strcmp(m->classes[c], key))
				c++;
			if (c == k) {
				free(per);
				*failed = 1;
				model_error(m, err, "parameter 'class_weight': no class '%s'", key);
				return NULL;
			}
			if (!json_is_number(v) || !(json_number_value(v) > 0)) {
				free(per);
				*failed = 1;
				model_error(m, err, "parameter 'class_weight': weight of '%s' must "
					    "be a number > 0", key);
				return NULL;
			}
			per[c] = json_number_value(v);
		}
	} else {
		free(per);
		*failed = 1;
		model_error(m, err, "parameter 'class_weight' must be \"balanced\" or a table "
			    "{class = weight}");
		return NULL;
	}
	double *w = xmallocarray(d->n ? d->n : 1, sizeof(double));
	for (size_t i = 0; i < d->n; i++)
		w[i] = per[d->cls[i]] * (d->w ? d->w[i] : 1.0);
	free(per);
	return w;
}

void model_rng(const struct model *m, uint64_t seed, const char *label, struct rng *r)
{
	char buf[128];
	snprintf(buf, sizeof(buf), "model:%s:%s", m->type->name, label ? label : "");
	rng_derive(r, seed, buf);
}

/* ---------------------------------------------------------------- JSON */

json_t *model_json_num(double v)
{
	if (isnan(v))
		return json_null();
	if (isinf(v))
		return json_string(v > 0 ? "inf" : "-inf");
	return json_real(v);
}

json_t *model_json_nums(const double *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, model_json_num(v[i]));
	return a;
}

json_t *model_json_ints(const int32_t *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_integer(v[i]));
	return a;
}

static int to_num(const json_t *v, const char *path, const char *key, long idx, double *out,
		  struct wb_err *err)
{
	if (json_is_number(v)) {
		*out = json_number_value(v);
		return 0;
	}
	if (json_is_null(v)) {
		*out = NAN;
		return 0;
	}
	if (json_is_string(v) && !strcmp(json_string_value(v), "inf")) {
		*out = INFINITY;
		return 0;
	}
	if (json_is_string(v) && !strcmp(json_string_value(v), "-inf")) {
		*out = -INFINITY;
		return 0;
	}
	if (idx >= 0)
		return wb_error(err, "model JSON: %s.%s[%ld]: expected a number", path, key, idx);
	return wb_error(err, "model JSON: %s.%s: expected a number", path, key);
}

static const json_t *get(const json_t *obj, const char *path, const char *key,
			 struct wb_err *err)
{
	const json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	if (!v)
		wb_error(err, "model JSON: %s.%s: missing", path, key);
	return v;
}

int model_json_get_num(const json_t *obj, const char *path, const char *key, double *out,
		       struct wb_err *err)
{
	const json_t *v = get(obj, path, key, err);
	return v ? to_num(v, path, key, -1, out, err) : -1;
}

int model_json_get_int(const json_t *obj, const char *path, const char *key, long *out,
		       struct wb_err *err)
{
	const json_t *v = get(obj, path, key, err);
	if (!v)
		return -1;
	if (!json_is_integer(v))
		return wb_error(err, "model JSON: %s.%s: expected an integer", path, key);
	*out = (long)json_integer_value(v);
	return 0;
}

long model_json_array_len(const json_t *obj, const char *path, const char *key,
			  struct wb_err *err)
{
	const json_t *v = get(obj, path, key, err);
	if (!v)
		return -1;
	if (!json_is_array(v))
		return wb_error(err, "model JSON: %s.%s: expected an array", path, key);
	return (long)json_array_size(v);
}

static const json_t *get_array(const json_t *obj, const char *path, const char *key, size_t n,
			       struct wb_err *err)
{
	long len = model_json_array_len(obj, path, key, err);
	if (len < 0)
		return NULL;
	if ((size_t)len != n) {
		wb_error(err, "model JSON: %s.%s: expected %zu entries, found %ld", path, key, n,
			 len);
		return NULL;
	}
	return json_object_get(obj, key);
}

int model_json_get_nums(const json_t *obj, const char *path, const char *key, double *out,
			size_t n, struct wb_err *err)
{
	const json_t *a = get_array(obj, path, key, n, err);
	if (!a)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (to_num(json_array_get(a, i), path, key, (long)i, &out[i], err) < 0)
			return -1;
	return 0;
}

int model_json_get_ints(const json_t *obj, const char *path, const char *key, int32_t *out,
			size_t n, struct wb_err *err)
{
	const json_t *a = get_array(obj, path, key, n, err);
	if (!a)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const json_t *v = json_array_get(a, i);
		if (!json_is_integer(v) || json_integer_value(v) < INT32_MIN ||
		    json_integer_value(v) > INT32_MAX)
			return wb_error(err, "model JSON: %s.%s[%zu]: expected an integer", path,
					key, i);
		out[i] = (int32_t)json_integer_value(v);
	}
	return 0;
}
