/*
 * test_recipe — recipe steps against hand-computed values, JSON round trips,
 * out-of-fold target encoding, errors, and thread-count independence.
 */
#include "ml/recipe.h"
#include "core/frame.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

/* ---------------------------------------------------------------- builders */

static struct column *num_col(const double *v, size_t n)
{
	struct column *c = column_new(COL_NUM, n);
	memcpy(c->num, v, n * sizeof(double));
	return c;
}

static struct column *cat_col(const char *const *v, size_t n)
{
	struct column *s = column_from_strings(v, n);
	struct column *c = column_to_cat(s);
	column_unref(s);
	return c;
}

static struct frame *seal(struct frame *f)
{
	frame_seal_content(f);
	return f;
}

static double val(const struct frame *f, const char *name, size_t i)
{
	struct column *c = frame_col(f, name);
	return c ? column_get_num(c, i) : -999;
}

static const char *txt(const struct frame *f, const char *name, size_t i)
{
	size_t len;
	struct column *c = frame_col(f, name);
	return c ? column_get_text(c, i, &len) : "(no column)";
}

/* A recipe of one step "name{ sel, opts }" with the given target. */
static struct recipe *one(const char *target, const char *name, struct selector *sel,
			  const char *opts_json)
{
	struct wb_err err;
	json_t *o = opts_json ? json_loads(opts_json, 0, NULL) : NULL;
	struct step *s = step_new(name, sel, o, &err);
	json_decref(o);
	if (!s) {
		diag(err.msg);
		return NULL;
	}
	struct recipe *r = recipe_new(target, 0, 42);
	recipe_add(r, s);
	return r;
}

static struct selector *names1(const char *a)
{
	return selector_names(&a, 1);
}

static struct recipe *fit1(const struct recipe *r, const struct frame *f, struct frame **out)
{
	struct wb_err err;
	struct recipe *fr = recipe_fit(r, f, NULL, out, &err);
	if (!fr)
		diag(err.msg);
	return fr;
}

static void content_hex(const struct frame *f, char hex[WB_HASH_HEX])
{
	unsigned char h[WB_HASH_LEN];
	frame_content_hash(f, h);
	hash_hex(h, hex);
}

/* ---------------------------------------------------------------- data */

static const double X[] = { 1, 2, 3, 4, NAN };
static const char *const HOME[] = { "rent", "own", "rent", NULL, "parents" };

static struct frame *small(void)
{
	struct frame *f = frame_new(5);
	frame_add(f, "x", num_col(X, 5), NULL);
	frame_add(f, "home", cat_col(HOME, 5), NULL);
	double y[] = { 0, 1, 0, 1, 1 };
	frame_add(f, "y", num_col(y, 5), NULL);
	return seal(f);
}

/* ---------------------------------------------------------------- tests */

static void test_impute(void)
{
	struct frame *f = small(), *out = NULL;
	struct recipe *r = one("y", "impute", selector_kind(SEL_NUMERIC), "{\"method\":\"mean\"}");
	struct recipe *fr = fit1(r, f, &out);
	ok(fr && out, "impute mean fits");
	is_dbl(val(out, "x", 4), 2.5, 0, "mean of 1..4 fills the missing x");
	is_dbl(val(out, "y", 0), 0, 0, "numeric() does not select the target");
	recipe_free(r);
	recipe_free(fr);
	frame_unref(out);

	r = one("y", "impute", selector_kind(SEL_NUMERIC), "{\"method\":\"median\",\"indicator\":true}");
	fr = fit1(r, f, &out);
	is_dbl(val(out, "x", 4), 2.5, 0, "median of 1..4 is 2.5");
	is_dbl(val(out, "x_missing", 4), 1, 0, "indicator marks the missing row");
	is_dbl(val(out, "x_missing", 0), 0, 0, "indicator is 0 elsewhere");
	is_str(out->names[1], "x_missing", "indicator follows its column");
	recipe_free(r);
	recipe_free(fr);
	frame_unref(out);

	r = one("y", "impute", selector_kind(SEL_CATEGORICAL), "{\"method\":\"mode\"}");
	fr = fit1(r, f, &out);
	is_str(txt(out, "home", 3), "rent", "mode fills the missing category");
	recipe_free(r);
	recipe_free(fr);
	frame_unref(out);

	r = one("y", "impute", names1("home"), "{\"method\":\"constant\",\"value\":\"unknown\"}");
	fr = fit1(r, f, &out);
	is_str(txt(out, "home", 3), "unknown", "constant adds a new level");
	is_str(txt(out, "home", 0), "rent", "other values unchanged");
	recipe_free(r);
	recipe_free(fr);
	frame_unref(out);

	struct wb_err err;
	r = one("y", "impute", names1("home"), "{\"method\":\"median\"}");
	ok(recipe_fit(r, f, NULL, NULL, &err) == NULL, "median of a category fails");
	is_str(err.msg, "step 1 (impute): column 'home' is cat, method 'median' needs num or int",
	       "and says why");
	recipe_free(r);
	frame_unref(f);
}

static void test_scalers(void)
{
	struct frame *f = small(), *out = NULL;
	struct recipe *r = one("y", "standardize", names1("x"), NULL);
	struct recipe *fr = fit1(r, f, &out);
	double sd = sqrt((2.25 + 0.25 + 0.25 + 2.25) / 3);
	is_dbl(val(out, "x", 0), (1 - 2.5) / sd, 1e-15, "standardize: (1 - mean) / sd");
	is_dbl(val(out, "x", 3), (4 - 2.5) / sd, 1e-15, "standardize: (4 - mean) / sd");
	ok(isnan(val(out, "x", 4)), "missing stays missing");
	recipe_free(r);
	recipe_free(fr);
	frame_unref(out);

	r = one("y", "minmax", names1("x"), NULL);
	fr = fit1(r, f, &out);
	is_dbl(val(out, "x", 1), 1.0 / 3, 1e-15, "minmax: (2 - 1) / (4 - 1)");
	recipe_free(r);
	recipe_free(fr);
	frame_unref(out);

	r = one("y", "log", names1("x"), "{\"offset\":1}");
	fr = fit1(r, f, &out);
	is_dbl(val(out, "x", 2), log(4), 1e-15, "log(x + 1)");
	recipe_free(r);
	recipe_free(fr);
	frame_unref(out);

	r = one("y", "log", names1("x"), "{\"log1p\":true,\"base\":10}");
	fr = fit1(r, f, &out);
	is_dbl(val(out, "x", 3), log10(5), 1e-15, "log1p in base 10");
	recipe_free(r);
	recipe_free(fr);
	frame_unref(out);

	r = one("y", "clip", names1("x"), "{\"q_lower\":0.25,\"upper\":3.5}");
	fr = fit1(r, f, &out);
	is_dbl(val(out, "x", 0), 1.75, 1e-15, "clip at the learned 25%% quantile (1.75)");
	is_dbl(val(out, "x", 3), 3.5, 0, "clip at the fixed upper bound");
	is_dbl(val(out, "x", 1), 2, 0, "values inside unchanged");
	recipe_free(r);
	recipe_free(fr);
	frame_unref(out);
	frame_unref(f);
}

static void test_bin_yj(void)
{
	double v[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	struct frame *f = frame_new(10), *out = NULL;
	frame_add(f, "v", num_col(v, 10), NULL);
	seal(f);
	struct recipe *r = one(NULL, "bin", names1("v"), "{\"bins\":3,\"output\":\"ordinal\"}");
	struct recipe *fr = fit1(r, f, &out);
	is_dbl(val(out, "v", 0), 0, 0, "equal width: 0 in bin 0");
	is_dbl(val(out, "v", 2), 0, 0, "2 < 3 in bin 0");
	is_dbl(val(out, "v", 3), 1, 0, "3 starts bin 1");
	is_dbl(val(out, "v", 9), 2, 0, "the maximum is in the last bin");
	char *d = recipe_describe(fr);
	like(d, "edges 0 3 6 9", "describe shows the bin edges");
	free(d);
	recipe_free(r);
	recipe_free(fr);
	frame_unref(out);

	r = one(NULL, "bin", names1("v"), "{\"bins\":2,\"method\":\"quantile\"}");
	fr = fit1(r, f, &out);
	is_str(txt(out, "v", 0), "[0, 4.5)", "quantile bins as categories");
	is_str(txt(out, "v", 9), "[4.5, 9]", "last bin closed");
	recipe_free(r);
	recipe_free(fr);
	frame_unref(out);
	frame_unref(f);

	double a[] = { 0.5, 1, 2, 3, 5, 8, 13, 40 }, b[] = { -3, -1, 0, 1, 2, 2.5, 7, 20 };
	f = frame_new(8);
	frame_add(f, "a", num_col(a, 8), NULL);
	frame_add(f, "b", num_col(b, 8), NULL);
	seal(f);
	r = one(NULL, "yeo_johnson", selector_kind(SEL_NUMERIC), NULL);
	fr = fit1(r, f, &out);
	char *j = recipe_to_json(fr);
	json_t *o = json_loads(j, 0, NULL);
	json_t *lam = json_object_get(json_array_get(json_object_get(o, "steps"), 0), "lambdas");
	/* Reference values from scipy.stats.yeojohnson. */
	is_dbl(json_number_value(json_object_get(lam, "a")), -0.2885260920132665, 1e-6,
	       "yeo_johnson lambda matches scipy (positive data)");
	is_dbl(json_number_value(json_object_get(lam, "b")), 0.482749695918333, 1e-6,
	       "yeo_johnson lambda matches scipy (mixed signs)");
	double l = json_number_value(json_object_get(lam, "a"));
	is_dbl(val(out, "a", 1), (pow(2, l) - 1) / l, 1e-12, "transform uses the lambda");
	json_decref(o);
	free(j);
	recipe_free(r);
	recipe_free(fr);
	frame_unref(out);
	frame_unref(f);
}

static void test_encoders(void)
{
	static const char *const tr[] = { "a", "a", "a", "b", "b", "c", NULL, "a" };
	struct frame *f = frame_new(8), *out = NULL;
	frame_add(f, "g", cat_col(tr, 8), NULL);
	seal(f);
	struct recipe *r = one(NULL, "one_hot", names1("g"), "{\"min_freq\":2}");
	struct recipe *fr = fit1(r, f, &out);
	is_int(out->ncol, 3, "one_hot: a, b and other (c pooled)");
	is_str(out->names[0], "g_a", "columns named <col>_<level>");
	is_str(out->names[2], "g_other", "pooled column last");
	is_dbl(val(out, "g_other", 5), 1, 0, "rare level goes to other");
	is_dbl(val(out, "g_a", 6) + val(out, "g_b", 6) + val(out, "g_other", 6), 0, 0,
	       "missing is all zeros");
	ok(frame_col(out, "g_a")->kind == COL_NUM, "indicators are num");

	static const char *const te[] = { "b", "zzz" };
	struct frame *t = frame_new(2);
	frame_add(t, "g", column_from_strings(te, 2), NULL); /* str, not cat */
	seal(t);
	struct wb_err err;
	struct frame *o2 = recipe_apply(fr, t, &err);
	ok(o2 != NULL, "apply accepts a str column where training had cat");
	if (o2) {
		is_dbl(val(o2, "g_b", 0), 1, 0, "known level by text");
		is_dbl(val(o2, "g_other", 1), 1, 0, "unseen level goes to other");
		frame_unref(o2);
	}
	recipe_free(r);
	recipe_free(fr);
	frame_unref(out);

	r = one(NULL, "one_hot", names1("g"), "{\"strict\":true}");
	fr = fit1(r, f, &out);
	is_int(out->ncol, 3, "no pooling: a, b, c");
	ok(recipe_apply(fr, t, &err) == NULL, "strict one_hot refuses unseen levels");
	is_str(err.msg, "step 1 (one_hot): column 'g' has level 'zzz' unseen at fit (row 2)",
	       "naming the level and row");
	recipe_free(r);
	recipe_free(fr);
	frame_unref(out);

	r = one(NULL, "one_hot", names1("g"), NULL);
	fr = fit1(r, f, &out);
	o2 = recipe_apply(fr, t, &err);
	is_dbl(val(o2, "g_a", 1) + val(o2, "g_b", 1) + val(o2, "g_c", 1), 0, 0,
	       "unseen without an other column is all zeros");
	frame_unref(o2);
	recipe_free(r);
	recipe_free(fr);
	frame_unref(out);

	r = one(NULL, "ordinal", names1("g"), NULL);
	fr = fit1(r, f, &out);
	is_dbl(val(out, "g", 3), 1, 0, "ordinal: b is 1");
	ok(isnan(val(out, "g", 6)), "ordinal: missing stays missing");
	o2 = recipe_apply(fr, t, &err);
	ok(isnan(val(o2, "g", 1)), "ordinal: unseen is missing");
	frame_unref(o2);
	recipe_free(r);
	recipe_free(fr);
	frame_unref(out);

	r = one(NULL, "hash", names1("g"), "{\"buckets\":4}");
	fr = fit1(r, f, &out);
	is_int(out->ncol, 4, "hash: 4 buckets");
	double row = 0;
	for (int k = 0; k < 4; k++)
		row += column_get_num(out->cols[k], 0);
	is_dbl(row, 1, 0, "each value in exactly one bucket");
	recipe_free(r);
	recipe_free(fr);
	frame_unref(out);
	frame_unref(t);
	frame_unref(f);
}

static void test_shape(void)
{
	double a[] = { 1, 2, 3, 4 }, b[] = { 2, 4, 6, 8.5 }, c[] = { 5, 5, 5, 5 };
	struct frame *f = frame_new(4), *out = NULL;
	frame_add(f, "a", num_col(a, 4), NULL);
	frame_add(f, "b", num_col(b, 4), NULL);
	frame_add(f, "c", num_col(c, 4), NULL);
	struct column *t = column_new(COL_TIME, 4);
	for (int i = 0; i < 4; i++) {
		t->valid[i] = 1;
		parse_time("2024-02-29T13:45:00Z", 20, &t->i64[i]); /* a Thursday */
	}
	frame_add(f, "ts", t, NULL);
	seal(f);

	struct recipe *r = one(NULL, "interact", selector_kind(SEL_NUMERIC), NULL);
	struct recipe *fr = fit1(r, f, &out);
	is_dbl(val(out, "a_x_b", 3), 34, 0, "interact: a * b");
	is_str(out->names[out->ncol - 1], "b_x_c", "products appended at the end");
	recipe_free(r);
	recipe_free(fr);
	frame_unref(out);

	r = one(NULL, "poly", names1("a"), "{\"degree\":3}");
	fr = fit1(r, f, &out);
	is_dbl(val(out, "a_pow3", 2), 27, 0, "poly: a^3");
	is_str(out->names[1], "a_pow2", "powers follow their column");
	recipe_free(r);
	recipe_free(fr);
	frame_unref(out);

	r = one(NULL, "date_parts", selector_kind(SEL_TIME), NULL);
	fr = fit1(r, f, &out);
	is_dbl(val(out, "ts_year", 0), 2024, 0, "year");
	is_dbl(val(out, "ts_month", 0), 2, 0, "month");
	is_dbl(val(out, "ts_dow", 0), 4, 0, "day of week (ISO, Thursday = 4)");
	is_dbl(val(out, "ts_hour", 0), 13, 0, "hour");
	ok(frame_col(out, "ts") == NULL, "the time column is replaced");
	recipe_free(r);
	recipe_free(fr);
	frame_unref(out);

	r = one(NULL, "drop_nzv", selector_kind(SEL_NUMERIC), NULL);
	fr = fit1(r, f, &out);
	ok(frame_col(out, "c") == NULL && frame_col(out, "a"), "drop_nzv drops the constant column");
	recipe_free(r);
	recipe_free(fr);
	frame_unref(out);

	r = one(NULL, "drop_corr", selector_kind(SEL_NUMERIC), "{\"threshold\":0.95}");
	fr = fit1(r, f, &out);
	ok(frame_col(out, "a") && !frame_col(out, "b"), "drop_corr keeps the first of a pair");
	recipe_free(r);
	recipe_free(fr);
	frame_unref(out);
	frame_unref(f);
}

/* A frame where leakage shows: every row has its own id level, so an
 * in-fold encoding (smoothing 0) would reproduce the target exactly. */
static void test_target_encode(void)
{
	enum { N = 400 };
	char **ids = calloc(N, sizeof(char *));
	double y[N];
	struct rng r;
	rng_seed(&r, 7);
	for (int i = 0; i < N; i++) {
		ids[i] = xasprintf("id%d", i);
		y[i] = (double)rng_below(&r, 2);
	}
	struct frame *f = frame_new(N), *out = NULL;
	frame_add(f, "id", cat_col((const char *const *)ids, N), NULL);
	frame_add(f, "y", num_col(y, N), NULL);
	seal(f);
	struct recipe *rc = one("y", "target_encode", names1("id"), "{\"smoothing\":0}");
	struct recipe *fr = fit1(rc, f, &out);
	int exact = 0, right = 0;
	for (int i = 0; i < N; i++) {
		double e = val(out, "id", i);
		exact += e == y[i];
		right += (e > 0.5) == (y[i] > 0.5);
	}
	is_int(exact, 0, "out-of-fold: no training row sees its own target");
	ok(right < N * 0.6, "out-of-fold encoding does not predict the target (%d/%d)", right, N);
	struct wb_err err;
	struct frame *full = recipe_apply(fr, f, &err);
	int same = 0;
	for (int i = 0; i < N; i++)
		same += val(full, "id", i) == y[i];
	is_int(same, N, "apply uses the full-data encoding (smoothing 0 reproduces y)");
	frame_unref(full);
	recipe_free(rc);
	recipe_free(fr);
	frame_unref(out);

	/* Hand-computed smoothing on a categorical target. */
	static const char *const g[] = { "a", "a", "a", "b" };
	static const char *const cls[] = { "bad", "good", "good", "bad" };
	struct frame *h = frame_new(4);
	frame_add(h, "g", cat_col(g, 4), NULL);
	frame_add(h, "Status", cat_col(cls, 4), NULL);
	seal(h);
	rc = one("Status", "target_encode", names1("g"), "{\"smoothing\":2}");
	fr = fit1(rc, h, &out);
	static const char *const te[] = { "a", "new" };
	struct frame *t = frame_new(2);
	frame_add(t, "g", cat_col(te, 2), NULL);
	seal(t);
	full = recipe_apply(fr, t, &err);
	ok(full && frame_col(full, "Status") == NULL, "apply without the target works");
	is_dbl(val(full, "g", 0), (2 + 2 * 0.5) / (3 + 2), 1e-15, "(sum + m * prior) / (n + m)");
	is_dbl(val(full, "g", 1), 0.5, 0, "unseen level gets the prior");
	frame_unref(full);
	frame_unref(t);
	frame_unref(h);
	recipe_free(rc);
	recipe_free(fr);
	frame_unref(out);
	frame_unref(f);
	for (int i = 0; i < N; i++)
		free(ids[i]);
	free(ids);
}

/* ---------------------------------------------------------------- pipeline */

/* A wider frame with missing values, categoricals and a target. */
static struct frame *wide(size_t n, uint64_t seed)
{
	static const char *const reg[] = { "north", "south", "east", "west", "x1", "x2" };
	struct rng r;
	rng_seed(&r, seed);
	struct frame *f = frame_new(n);
	for (int k = 0; k < 4; k++) {
		struct column *c = column_new(COL_NUM, n);
		for (size_t i = 0; i < n; i++)
			c->num[i] = rng_uniform(&r) < 0.1 ? NAN : rng_normal(&r) * (k + 1) + k;
		char name[16];
		snprintf(name, sizeof(name), "n%d", k);
		frame_add(f, name, c, NULL);
	}
	const char **v = calloc(n, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		uint64_t u = rng_below(&r, 100);
		v[i] = u < 5 ? NULL : u < 35 ? reg[0] : u < 60 ? reg[1] : u < 80 ? reg[2] :
		       u < 97 ? reg[3] : u < 99 ? reg[4] : reg[5];
	}
	frame_add(f, "region", cat_col(v, n), NULL);
	free(v);
	struct column *y = column_new(COL_NUM, n);
	for (size_t i = 0; i < n; i++)
		y->num[i] = (double)rng_below(&r, 2);
	frame_add(f, "y", y, NULL);
	return seal(f);
}

/* step_new that takes the options reference (for json_pack literals). */
static struct step *stp(const char *name, struct selector *sel, json_t *o, struct wb_err *err)
{
	struct step *s = step_new(name, sel, o, err);
	json_decref(o);
	return s;
}

static struct recipe *pipeline(void)
{
	struct wb_err err;
	struct recipe *r = recipe_new("y", 0, 1);
	const char *id = "n3";
	struct step *s[] = {
		stp("impute", selector_kind(SEL_NUMERIC), json_pack("{s:s,s:b}", "method",
			 "median", "indicator", 1), &err),
		stp("impute", selector_kind(SEL_CATEGORICAL),
			 json_pack("{s:s}", "method", "mode"), &err),
		stp("clip", selector_combine(SEL_DIFF, selector_kind(SEL_NUMERIC),
			 selector_names(&id, 1)), json_pack("{s:f,s:f}", "q_lower", 0.01,
			 "q_upper", 0.99), &err),
		stp("standardize", selector_kind(SEL_NUMERIC), NULL, &err),
		stp("one_hot", selector_kind(SEL_CATEGORICAL),
			 json_pack("{s:f}", "min_freq", 0.05), &err),
		stp("bin", selector_names(&id, 1), json_pack("{s:i}", "bins", 4), &err),
	};
	for (size_t k = 0; k < sizeof(s) / sizeof(s[0]); k++) {
		if (!s[k])
			diag(err.msg);
		recipe_add(r, s[k]);
	}
	return r;
}

static void test_roundtrip(void)
{
	struct frame *f = wide(2000, 3), *trained = NULL;
	struct recipe *r = pipeline();
	struct recipe *fr = fit1(r, f, &trained);
	ok(fr != NULL, "six-step pipeline fits");
	struct wb_err err;
	struct frame *a = recipe_apply(fr, f, &err);
	char h1[WB_HASH_HEX], h2[WB_HASH_HEX], h3[WB_HASH_HEX];
	content_hex(a, h1);
	content_hex(trained, h2);
	is_str(h1, h2, "applying to the training frame equals what training saw");

	char *j = recipe_to_json(fr);
	struct recipe *back = recipe_from_json(j, &err);
	ok(back != NULL, "fitted JSON loads");
	if (!back)
		diag(err.msg);
	char *j2 = recipe_to_json(back);
	is_str(j2, j, "load -> to_json gives the same bytes");
	is_str(back->json_hash, fr->json_hash, "same JSON hash");
	struct frame *b = recipe_apply(back, f, &err);
	content_hex(b, h3);
	is_str(h3, h1, "fit -> to_json -> load -> apply is bit-identical");
	char l1[WB_HASH_HEX], l2[WB_HASH_HEX];
	frame_hash_hex(a, l1);
	frame_hash_hex(b, l2);
	is_str(l1, l2, "and has the same lineage hash");

	struct recipe *fr2 = fit1(r, f, NULL);
	char *j3 = recipe_to_json(fr2);
	is_str(j3, j, "refitting gives identical JSON bytes");

	/* Thread-count independence. */
	omp_set_num_threads(1);
	struct recipe *fr1 = fit1(r, f, NULL);
	struct frame *c1 = recipe_apply(fr1, f, &err);
	char *j1 = recipe_to_json(fr1);
	omp_set_num_threads(4);
	struct recipe *fr4 = fit1(r, f, NULL);
	struct frame *c4 = recipe_apply(fr4, f, &err);
	char *j4 = recipe_to_json(fr4);
	is_str(j1, j4, "fitted JSON does not depend on the thread count");
	content_hex(c1, h1);
	content_hex(c4, h2);
	is_str(h1, h2, "applied frame does not depend on the thread count");

	char *d = recipe_describe(fr);
	like(d, "median:", "describe shows the imputed values");
	like(d, "region: 4 levels east, north, south, west (+ other)", "and the vocabulary");
	free(d);

	/* Errors at apply. */
	struct frame *t = frame_new(3);
	double v[] = { 1, 2, 3 };
	for (int k = 0; k < 3; k++) {
		char name[16];
		snprintf(name, sizeof(name), "n%d", k);
		frame_add(t, name, num_col(v, 3), NULL);
	}
	frame_add(t, "n3", column_from_strings((const char *const[]){ "a", "b", "c" }, 3), NULL);
	seal(t);
	ok(recipe_apply(fr, t, &err) == NULL, "wrong kind fails");
	is_str(err.msg, "step 1 (impute): column 'n3' is str, expected num or int", "wrong kind message");
	struct frame *t2 = frame_new(3);
	for (int k = 0; k < 4; k++) {
		char name[16];
		snprintf(name, sizeof(name), "n%d", k);
		frame_add(t2, name, num_col(v, 3), NULL);
	}
	frame_add(t2, "extra", num_col(v, 3), NULL);
	seal(t2);
	ok(recipe_apply(fr, t2, &err) == NULL, "missing column fails");
	is_str(err.msg, "step 2 (impute): column 'region' is missing", "missing column message");
	fr->strict = 1;
	ok(recipe_apply(fr, t2, &err) == NULL, "strict refuses extra columns");
	like(err.msg, "column 'extra' was not in the training data", "naming it");
	fr->strict = 0;

	recipe_free(fr1);
	recipe_free(fr4);
	frame_unref(c1);
	frame_unref(c4);
	free(j1);
	free(j4);
	free(j);
	free(j2);
	free(j3);
	frame_unref(t);
	frame_unref(t2);
	frame_unref(a);
	frame_unref(b);
	frame_unref(trained);
	recipe_free(fr2);
	recipe_free(back);
	recipe_free(fr);
	recipe_free(r);
	frame_unref(f);
}

/* Elementwise steps are fused at apply: same bits as step by step (the
 * baked training frame is computed step by step), same messages. */
static void test_fused(void)
{
	struct frame *f = wide(3000, 9), *baked = NULL;
	struct wb_err err;
	struct recipe *r = recipe_new("y", 0, 1);
	recipe_add(r, stp("impute", selector_kind(SEL_NUMERIC), json_pack("{s:s}", "method", "mean"), &err));
	recipe_add(r, stp("clip", selector_kind(SEL_NUMERIC), json_pack("{s:f}", "q_upper", 0.9), &err));
	recipe_add(r, stp("yeo_johnson", selector_kind(SEL_NUMERIC), NULL, &err));
	recipe_add(r, stp("standardize", selector_kind(SEL_NUMERIC), NULL, &err));
	recipe_add(r, stp("log", selector_names((const char *const[]){ "n1" }, 1),
			  json_pack("{s:f}", "offset", 10.0), &err));
	recipe_add(r, stp("minmax", selector_kind(SEL_NUMERIC), NULL, &err));
	struct recipe *fr = fit1(r, f, &baked);
	struct frame *a = recipe_apply(fr, f, &err);
	char h1[WB_HASH_HEX], h2[WB_HASH_HEX];
	content_hex(a, h1);
	content_hex(baked, h2);
	is_str(h1, h2, "fused apply is bit-identical to step-by-step");
	struct frame *t = frame_new(2);
	for (int k = 0; k < 4; k++) {
		char name[16];
		snprintf(name, sizeof(name), "n%d", k);
		if (k == 2)
			frame_add(t, name, column_from_strings((const char *const[]){ "a", "b" }, 2), NULL);
		else
			frame_add(t, name, num_col(X, 2), NULL);
	}
	seal(t);
	ok(recipe_apply(fr, t, &err) == NULL, "fused apply checks kinds");
	is_str(err.msg, "step 1 (impute): column 'n2' is str, expected num or int", "with the usual message");
	frame_unref(t);
	frame_unref(a);
	frame_unref(baked);
	recipe_free(fr);
	recipe_free(r);
	frame_unref(f);
}

static void test_json_errors(void)
{
	struct frame *f = small();
	struct recipe *r = one("y", "standardize", names1("x"), NULL);
	struct recipe *fr = fit1(r, f, NULL);
	char *j = recipe_to_json(fr);
	struct wb_err err;
	json_t *o = json_loads(j, 0, NULL);
	json_t *s0 = json_array_get(json_object_get(o, "steps"), 0);
	json_object_set_new(s0, "means", json_array());
	char *bad = json_dumps(o, 0);
	ok(recipe_from_json(bad, &err) == NULL, "malformed state is refused");
	is_str(err.msg, "recipe JSON: $.steps[0].means: expected an object", "with the JSON path");
	free(bad);
	json_object_set_new(o, "version", json_integer(99));
	bad = json_dumps(o, 0);
	ok(recipe_from_json(bad, &err) == NULL, "future version refused");
	is_str(err.msg, "recipe JSON: $.version: unsupported version 99 (this wb reads 1)",
	       "version message");
	free(bad);
	ok(recipe_from_json("{\"format\": 1", &err) == NULL, "syntax error refused");
	like(err.msg, "recipe JSON: 1:", "with line and column");
	json_decref(o);
	free(j);

	json_t *opts = json_pack("{s:s}", "methd", "mean");
	ok(step_new("impute", NULL, opts, &err) == NULL, "unknown option refused");
	is_str(err.msg, "wb.step.impute: unknown option 'methd' (valid: method, value, indicator, skip)",
	       "listing valid options");
	json_decref(opts);
	opts = json_pack("{s:s}", "method", "avg");
	ok(step_new("impute", NULL, opts, &err) == NULL, "bad option value refused");
	is_str(err.msg, "wb.step.impute: option 'method' must be one of mean, median, mode, constant",
	       "listing the choices");
	json_decref(opts);
	ok(step_new("frobnicate", NULL, NULL, &err) == NULL, "unknown step refused");

	struct recipe *r2 = one("y", "one_hot", names1("nope"), NULL);
	ok(recipe_fit(r2, f, NULL, NULL, &err) == NULL, "selector naming an absent column fails");
	is_str(err.msg, "step 1 (one_hot): column 'nope' is missing", "at fit time");
	recipe_free(r2);
	r2 = one("y", "standardize", names1("home"), NULL);
	ok(recipe_fit(r2, f, NULL, NULL, &err) == NULL, "wrong kind at fit fails");
	is_str(err.msg, "step 1 (standardize): column 'home' is cat, expected num or int",
	       "with the kinds");
	recipe_free(r2);
	r2 = one(NULL, "target_encode", names1("home"), NULL);
	ok(recipe_fit(r2, f, NULL, NULL, &err) == NULL, "target_encode without a target fails");
	recipe_free(r2);

	/* skip semantics */
	r2 = recipe_new("y", 0, 1);
	recipe_add(r2, stp("log", names1("y"), json_pack("{s:f}", "offset", 1.0), &err));
	recipe_add(r2, stp("minmax", names1("x"), json_pack("{s:b}", "skip", 1), &err));
	struct frame *out = NULL;
	struct recipe *f2 = fit1(r2, f, &out);
	is_dbl(val(out, "y", 1), log(2), 1e-15, "a step on the target runs at fit");
	is_dbl(val(out, "x", 1), 1.0 / 3, 1e-15, "a skip step runs at fit");
	struct frame *noy = frame_new(5);
	frame_add(noy, "x", num_col(X, 5), NULL);
	frame_add(noy, "home", cat_col(HOME, 5), NULL);
	seal(noy);
	struct frame *ap = recipe_apply(f2, noy, &err);
	ok(ap != NULL, "apply without the target skips the target step");
	is_dbl(val(ap, "x", 1), 2, 0, "a skip step does not run at apply");
	frame_unref(ap);
	frame_unref(noy);
	frame_unref(out);
	recipe_free(f2);
	recipe_free(r2);

	recipe_free(r);
	recipe_free(fr);
	frame_unref(f);
}

int main(void)
{
	test_impute();
	test_scalers();
	test_bin_yj();
	test_encoders();
	test_shape();
	test_target_encode();
	test_roundtrip();
	test_json_errors();
	test_fused();
	return tap_done();
}
