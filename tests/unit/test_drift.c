/*
 * test_drift — reference statistics and drift scores (app/ship/drift.c).
 *
 * Expected PSI values are the formula of drift.h evaluated by hand (and
 * checked with python3) on bins that follow from the data by construction:
 * 0..999 has deciles 99, 199, ..., 899 (inverted CDF), so a shift by 300
 * empties the first three bins and piles 40% into the last.
 */
#include "ship/drift.h"
#include "core/rng.h"

#include "tap.h"
#include "fixture.h"

#include <omp.h>
#include <stdlib.h>
#include <time.h>

#define EPS DRIFT_PSI_EPS

static char *dump(const json_t *j)
{
	return json_dumps(j, DRIFT_JSON_FLAGS);
}

static const json_t *col_of(const json_t *doc, const char *name)
{
	const json_t *cols = json_object_get(doc, "columns"), *c;
	size_t i;
	json_array_foreach(cols, i, c)
		if (!strcmp(json_string_value(json_object_get(c, "name")), name))
			return c;
	return NULL;
}

static double num_of(const json_t *doc, const char *col, const char *key)
{
	const json_t *c = col_of(doc, col);
	const json_t *v = c ? json_object_get(c, key) : NULL;
	return json_is_number(v) ? json_number_value(v) : NAN;
}

static const char *str_of(const json_t *doc, const char *col, const char *key)
{
	const json_t *c = col_of(doc, col);
	return c ? json_string_value(json_object_get(c, key)) : NULL;
}

static int is_null(const json_t *doc, const char *col, const char *key)
{
	const json_t *c = col_of(doc, col);
	return c && json_is_null(json_object_get(c, key));
}

/* The reasons of a column joined by "; ". */
static const char *reasons_of(const json_t *doc, const char *col)
{
	static char buf[512];
	const json_t *a = json_object_get(col_of(doc, col), "reasons"), *r;
	size_t i;
	buf[0] = '\0';
	json_array_foreach(a, i, r) {
		strncat(buf, json_string_value(r), sizeof(buf) - strlen(buf) - 3);
		strcat(buf, "; ");
	}
	return buf;
}

static struct frame *one_col(const char *name, struct column *c)
{
	struct frame *f = frame_new(c->n);
	frame_add(f, name, c, NULL);
	frame_seal_content(f);
	return f;
}

static struct column *seq_num(size_t n, double start, double step)
{
	struct column *c = column_new(COL_NUM, n);
	for (size_t i = 0; i < n; i++)
		c->num[i] = start + step * (double)i;
	return c;
}

/* A STR column of n cells cycling through counts[k] copies of texts[k]. */
static struct column *str_counts(const char *const *texts, const int *counts, int k)
{
	size_t n = 0;
	for (int i = 0; i < k; i++)
		n += (size_t)counts[i];
	const char **s = malloc(n * sizeof(char *) + 1);
	size_t at = 0;
	for (int i = 0; i < k; i++)
		for (int r = 0; r < counts[i]; r++)
			s[at++] = texts[i];
	struct column *c = column_from_strings(s, n);
	free(s);
	return c;
}

/* Compares f with ref built from r; returns the report (or NULL). */
static json_t *compare(const struct frame *r, const struct frame *c, const struct drift_opts *o)
{
	struct wb_err err;
	json_t *ref = drift_reference(r, o, &err), *rep = NULL;
	if (!ref) {
		diag(err.msg);
		return NULL;
	}
	if (drift_compare(ref, c, o, &rep, &err) < 0)
		diag(err.msg);
	json_decref(ref);
	return rep;
}

static void test_self(void)
{
	struct frame *f = fixture();
	json_t *rep = compare(f, f, NULL);
	ok(rep != NULL, "fixture compared with itself");
	const json_t *cols = json_object_get(rep, "columns"), *c;
	size_t i;
	int all = json_array_size(cols) == 7;
	json_array_foreach(cols, i, c) {
		all &= json_is_null(json_object_get(c, "psi")) || json_number_value(json_object_get(c, "psi")) == 0;
		all &= !strcmp(json_string_value(json_object_get(c, "status")), "ok");
	}
	ok(all, "every column: psi 0, status ok");
	is_str(json_string_value(json_object_get(rep, "status")), "ok", "overall ok");
	is_int(json_integer_value(json_object_get(rep, "drifted")), 0, "none drifted");
	is_int(json_integer_value(json_object_get(rep, "rows_reference")), 6, "rows_reference");
	is_str(json_string_value(json_object_get(json_array_get(cols, 6), "name")), "my col",
	       "columns in reference order");
	is_dbl(num_of(rep, "Age", "missing_ref"), 1.0 / 6, 1e-15, "Age missing rate 1/6");
	is_dbl(num_of(rep, "Age", "ks"), 0, 0, "Age ks 0");
	is_dbl(num_of(rep, "Home", "unseen"), 0, 0, "Home unseen 0");
	ok(col_of(rep, "Home") && !json_object_get(col_of(rep, "Home"), "ks"), "no ks on a categorical column");
	json_decref(rep);
	frame_unref(f);
}

static void test_reference_layout(void)
{
	struct wb_err err;
	struct frame *f = fixture();
	json_t *ref = drift_reference(f, NULL, &err);
	is_str(json_string_value(json_object_get(ref, "format")), "wb.drift_ref", "format tag");
	is_int(json_integer_value(json_object_get(ref, "version")), 1, "version 1");
	is_int(json_integer_value(json_object_get(ref, "rows")), 6, "rows");
	/* Age 25 35 NA 45 30 35: sorted 25 30 35 35 45, deciles by inverted CDF
	 * at ranks ceil(j*5/10) -> 25 25 30 30 35 35 35 35 45; 45 is the max. */
	const json_t *e = json_object_get(col_of(ref, "Age"), "edges");
	ok(json_array_size(e) == 3 && json_number_value(json_array_get(e, 0)) == 25 &&
	   json_number_value(json_array_get(e, 1)) == 30 && json_number_value(json_array_get(e, 2)) == 35,
	   "Age edges 25, 30, 35");
	const json_t *fr = json_object_get(col_of(ref, "Age"), "fractions");
	ok(json_array_size(fr) == 4 && json_number_value(json_array_get(fr, 2)) == 0.4 &&
	   json_number_value(json_array_get(fr, 3)) == 0.2, "Age fractions .2 .2 .4 .2");
	is_dbl(num_of(ref, "Age", "mean"), 34, 1e-12, "Age mean");
	is_dbl(num_of(ref, "Age", "std"), sqrt(220.0 / 4), 1e-12, "Age std (n - 1): squares 81+1+121+16+1");
	is_dbl(num_of(ref, "Age", "max"), 45, 0, "Age max");
	/* Home rent own NA mortgage own -> own 2, rent 2, mortgage 1 (ties by text). */
	const json_t *lv = json_object_get(col_of(ref, "Home"), "levels");
	ok(json_array_size(lv) == 3 && !strcmp(json_string_value(json_array_get(lv, 0)), "own") &&
	   !strcmp(json_string_value(json_array_get(lv, 1)), "rent") &&
	   !strcmp(json_string_value(json_array_get(lv, 2)), "mortgage"),
	   "Home levels by count, ties by text");
	is_dbl(num_of(ref, "Home", "other"), 0, 0, "Home other 0");
	is_int(json_integer_value(json_object_get(col_of(ref, "Job"), "distinct")), 4, "Job (str) distinct");
	is_str(str_of(ref, "Date", "kind"), "time", "Date kept as time");
	json_decref(ref);
	frame_unref(f);
}

static void test_shift_exact(void)
{
	struct frame *r = one_col("x", seq_num(1000, 0, 1));
	struct frame *c = one_col("x", seq_num(1000, 300, 1));
	struct wb_err err;
	json_t *ref = drift_reference(r, NULL, &err);
	const json_t *e = json_object_get(col_of(ref, "x"), "edges");
	int good = json_array_size(e) == 9;
	for (size_t j = 0; good && j < 9; j++)
		good = json_number_value(json_array_get(e, j)) == 100.0 * (double)(j + 1) - 1;
	ok(good, "0..999: edges 99, 199, ..., 899");
	json_decref(ref);
	json_t *rep = compare(r, c, NULL);
	double want = 3 * (EPS - 0.1) * log(EPS / 0.1) + 0.3 * log(4);
	is_dbl(num_of(rep, "x", "psi"), want, 1e-12, "shift by 300: psi = 3(e-.1)ln(e/.1) + .3 ln 4");
	is_dbl(want, 2.486142565446914, 1e-12, "hand value agrees with python");
	is_dbl(num_of(rep, "x", "ks"), 0.3, 1e-12, "ks 0.3 (exact on this grid)");
	is_str(str_of(rep, "x", "status"), "drift", "status drift");
	like(reasons_of(rep, "x"), "psi 2.49 >= 0.25", "reason names psi");
	is_int(json_integer_value(json_object_get(rep, "drifted")), 1, "one drifted");
	is_str(json_string_value(json_object_get(rep, "status")), "drift", "overall drift");
	json_decref(rep);
	frame_unref(r);
	frame_unref(c);
}

/* N(0,1) against N(1,1): against the population deciles the PSI is 0.92614
 * and the KS statistic 2 Phi(0.5) - 1 = 0.38292 (python3 statistics). */
static void test_shift_normal(void)
{
	size_t n = 200000;
	struct rng g;
	struct column *a = column_new(COL_NUM, n), *b = column_new(COL_NUM, n);
	rng_seed(&g, 7);
	for (size_t i = 0; i < n; i++) {
		a->num[i] = rng_normal(&g);
		b->num[i] = rng_normal(&g) + 1;
	}
	struct frame *r = one_col("z", a), *c = one_col("z", b);
	json_t *rep = compare(r, c, NULL);
	is_dbl(num_of(rep, "z", "psi"), 0.9261424242616791, 0.02, "+1 sd: psi near 0.926");
	is_dbl(num_of(rep, "z", "ks"), 0.38292492254802624, 0.01, "+1 sd: ks near 0.383");
	is_str(str_of(rep, "z", "status"), "drift", "+1 sd: drift");
	json_decref(rep);
	/* Same population, another sample: small psi, ok. */
	for (size_t i = 0; i < n; i++)
		b->num[i] -= 1;
	rep = compare(r, c, NULL);
	ok(num_of(rep, "z", "psi") < 0.01, "same distribution: psi %.5f < 0.01", num_of(rep, "z", "psi"));
	is_str(str_of(rep, "z", "status"), "ok", "same distribution: ok");
	json_decref(rep);
	frame_unref(r);
	frame_unref(c);
}

static void test_categorical(void)
{
	static const char *const t[] = { "a", "b", "c", "d" };
	static const int rc[] = { 50, 30, 20 }, cc[] = { 30, 30, 40 }, uc[] = { 30, 30, 30, 10 };
	struct column *rs = str_counts(t, rc, 3);
	struct frame *r = one_col("k", column_to_cat(rs));
	column_unref(rs);
	struct frame *c = one_col("k", str_counts(t, cc, 3));
	struct frame *u = one_col("k", str_counts(t, uc, 4));
	json_t *rep = compare(r, c, NULL);
	is_dbl(num_of(rep, "k", "psi"), -0.2 * log(0.6) + 0.2 * log(2), 1e-12,
	       "changed frequencies: psi = -.2 ln .6 + .2 ln 2");
	is_dbl(num_of(rep, "k", "psi"), 0.2407945608651872, 1e-12, "... = 0.24079 (python)");
	is_str(str_of(rep, "k", "status"), "warn", "psi 0.24: warn");
	is_str(str_of(rep, "k", "kind_current"), "str", "cat reference scores a str column");
	is_dbl(num_of(rep, "k", "unseen"), 0, 0, "no unseen");
	json_decref(rep);

	rep = compare(r, u, NULL);
	is_dbl(num_of(rep, "k", "unseen"), 0.1, 1e-15, "unseen share 0.1");
	is_dbl(num_of(rep, "k", "psi"), -0.2 * log(0.6) + 0.1 * log(1.5) + (0.1 - EPS) * log(0.1 / EPS),
	       1e-12, "unseen values fill the other bin (eps in the reference)");
	is_str(str_of(rep, "k", "status"), "drift", "unseen 10%%: drift");
	like(reasons_of(rep, "k"), "unseen share 0.1 >= 0.05", "reason names unseen");
	json_decref(rep);
	frame_unref(r);
	frame_unref(c);
	frame_unref(u);
}

static void test_pooled_levels(void)
{
	char names[60][16];
	const char *p[60];
	int cnt[60];
	for (int i = 0; i < 60; i++) {
		snprintf(names[i], sizeof(names[i]), "v%02d", i);
		p[i] = names[i];
		cnt[i] = 100 - i;
	}
	struct frame *r = one_col("k", str_counts(p, cnt, 60));
	struct drift_opts o;
	drift_opts_init(&o);
	struct wb_err err;
	json_t *ref = drift_reference(r, &o, &err);
	const json_t *cj = col_of(ref, "k");
	is_int(json_array_size(json_object_get(cj, "levels")), 50, "top 50 levels listed");
	is_str(json_string_value(json_array_get(json_object_get(cj, "levels"), 0)), "v00", "most frequent first");
	int pooled = 0;
	for (int i = 50; i < 60; i++)
		pooled += cnt[i];
	is_dbl(num_of(ref, "k", "other"), (double)pooled / 4230, 1e-15, "the rest pooled in other");
	json_t *rep = NULL;
	drift_compare(ref, r, &o, &rep, &err);
	ok(is_null(rep, "k", "unseen"), "unseen unknown when levels were pooled");
	is_dbl(num_of(rep, "k", "psi"), 0, 0, "pooled self psi 0");
	json_decref(rep);
	json_decref(ref);
	frame_unref(r);
}

static void test_missing_rate(void)
{
	struct column *a = seq_num(1000, 0, 1), *b = seq_num(1000, 0, 1);
	for (size_t i = 0; i < 1000; i += 10)
		for (size_t k = 0; k < 3; k++)
			b->num[i + k] = NAN;
	struct frame *r = one_col("x", a), *c = one_col("x", b);
	json_t *rep = compare(r, c, NULL);
	is_dbl(num_of(rep, "x", "missing_ref"), 0, 0, "missing_ref 0");
	is_dbl(num_of(rep, "x", "missing_cur"), 0.3, 1e-15, "missing_cur 0.3");
	ok(num_of(rep, "x", "psi") < 0.1, "remaining values spread evenly: small psi");
	is_str(str_of(rep, "x", "status"), "drift", "missing change 0.3: drift");
	like(reasons_of(rep, "x"), "missing rate change 0.3 >= 0.2", "reason names the missing rate");
	json_decref(rep);
	frame_unref(r);
	frame_unref(c);
}

static void test_kinds(void)
{
	static const char *const lv[] = { "a", "b" };
	static const int32_t codes[] = { 0, 1, 0, 1 };
	static const int64_t iv[] = { 1, 2, 3, 4 };
	static const double nv[] = { 1, 2, 3, 4 };
	struct frame *r = one_col("x", mk_num(nv, 4));
	struct frame *c = one_col("x", mk_cat(lv, 2, codes, 4));
	struct frame *i = one_col("x", mk_int(iv, NULL, 4));
	json_t *rep = compare(r, c, NULL);
	is_str(str_of(rep, "x", "status"), "drift", "num -> cat: drift");
	is_str(str_of(rep, "x", "kind_current"), "cat", "kind_current reported");
	like(reasons_of(rep, "x"), "kind changed from num to cat", "reason names the kinds");
	ok(is_null(rep, "x", "psi"), "no psi across families");
	json_decref(rep);
	rep = compare(r, i, NULL);
	is_str(str_of(rep, "x", "kind_current"), "int", "num -> int compares");
	is_dbl(num_of(rep, "x", "psi"), 0, 0, "same values as int: psi 0");
	is_str(str_of(rep, "x", "status"), "ok", "num -> int: ok");
	json_decref(rep);
	frame_unref(r);
	frame_unref(c);
	frame_unref(i);
}

static void test_missing_columns(void)
{
	struct wb_err err;
	struct frame *f = fixture();
	struct frame *c = one_col("Age", seq_num(6, 0, 1));
	json_t *ref = drift_reference(f, NULL, &err), *rep = (json_t *)1;
	is_int(drift_compare(ref, c, NULL, &rep, &err), -1, "reference columns missing: error");
	ok(rep == NULL, "no report on error");
	like(err.msg, "columns 'Income', 'Home', 'Job', 'Flag', 'Date', 'my col' of the reference are missing",
	     "message names every missing column");
	struct frame *c2 = frame_new(6);
	for (int j = 0; j < f->ncol; j++)
		if (strcmp(f->names[j], "Job"))
			frame_add(c2, f->names[j], column_ref(f->cols[j]), NULL);
	frame_seal_content(c2);
	drift_compare(ref, c2, NULL, &rep, &err);
	is_str(err.msg, "column 'Job' of the reference is missing from the current data", "one missing column");
	json_decref(ref);
	frame_unref(f);
	frame_unref(c);
	frame_unref(c2);
}

static void test_constant(void)
{
	struct column *a = column_new(COL_NUM, 100), *b = column_new(COL_NUM, 100);
	for (size_t i = 0; i < 100; i++) {
		a->num[i] = 5;
		b->num[i] = 6;
	}
	struct frame *r = one_col("k", a), *c = one_col("k", b);
	struct wb_err err;
	json_t *ref = drift_reference(r, NULL, &err);
	const json_t *e = json_object_get(col_of(ref, "k"), "edges");
	ok(json_array_size(e) == 2 && json_number_value(json_array_get(e, 0)) == nextafter(5, -INFINITY) &&
	   json_number_value(json_array_get(e, 1)) == 5, "constant: edges just below and at the value");
	const json_t *fr = json_object_get(col_of(ref, "k"), "fractions");
	ok(json_array_size(fr) == 3 && json_number_value(json_array_get(fr, 1)) == 1, "constant: fractions 0 1 0");
	ok(is_null(ref, "k", "std") == 0 && num_of(ref, "k", "std") == 0, "constant: std 0");
	json_decref(ref);
	json_t *rep = compare(r, r, NULL);
	is_dbl(num_of(rep, "k", "psi"), 0, 0, "constant vs itself: psi 0");
	json_decref(rep);
	rep = compare(r, c, NULL);
	is_dbl(num_of(rep, "k", "psi"), 2 * (1 - EPS) * log(1 / EPS), 1e-9, "constant moved: psi 2(1-e)ln(1/e)");
	is_dbl(num_of(rep, "k", "ks"), 1, 0, "constant moved: ks 1");
	is_str(str_of(rep, "k", "status"), "drift", "constant moved: drift");
	json_decref(rep);
	frame_unref(r);
	frame_unref(c);
}

static void test_all_missing(void)
{
	struct frame *r = frame_new(4), *c = frame_new(4);
	frame_add(r, "n", column_new(COL_NUM, 4), NULL);
	frame_add(r, "s", column_new(COL_STR, 4), NULL);
	frame_add(c, "n", seq_num(4, 1, 1), NULL);
	frame_add(c, "s", column_new(COL_STR, 4), NULL);
	frame_seal_content(r);
	frame_seal_content(c);
	struct wb_err err;
	json_t *ref = drift_reference(r, NULL, &err);
	is_int(json_array_size(json_object_get(col_of(ref, "n"), "edges")), 0, "all missing: no edges");
	ok(is_null(ref, "n", "mean"), "all missing: mean null");
	is_dbl(num_of(ref, "n", "missing"), 1, 0, "all missing: rate 1");
	json_decref(ref);
	json_t *rep = compare(r, r, NULL);
	ok(rep && is_null(rep, "n", "psi") && is_null(rep, "s", "psi"), "all missing vs itself: psi null");
	is_str(json_string_value(json_object_get(rep, "status")), "ok", "all missing vs itself: ok");
	json_decref(rep);
	rep = compare(r, c, NULL);
	ok(is_null(rep, "n", "psi") && is_null(rep, "n", "ks"), "values appear: psi, ks null");
	is_str(str_of(rep, "n", "status"), "drift", "values appear: drift by missing rate");
	is_str(str_of(rep, "s", "status"), "ok", "still all missing: ok");
	json_decref(rep);
	rep = compare(c, r, NULL);
	is_str(str_of(rep, "n", "status"), "drift", "values vanish: drift");
	json_decref(rep);
	frame_unref(r);
	frame_unref(c);
}

static struct frame *random_frame(size_t n)
{
	static const char *const lv[] = { "x", "y", "z", "w" };
	struct rng g;
	rng_seed(&g, 11);
	struct column *a = column_new(COL_NUM, n), *b = column_new(COL_INT, n);
	int32_t *codes = malloc(n * sizeof(int32_t));
	for (size_t i = 0; i < n; i++) {
		a->num[i] = rng_uniform(&g) < 0.05 ? NAN : rng_normal(&g) * 3 + 1;
		b->i64[i] = (int64_t)rng_below(&g, 50);
		b->valid[i] = 1;
		codes[i] = (int32_t)rng_below(&g, 5) - 1;
	}
	struct frame *f = frame_new(n);
	frame_add(f, "a", a, NULL);
	frame_add(f, "b", b, NULL);
	frame_add(f, "c", mk_cat(lv, 4, codes, n), NULL);
	frame_seal_content(f);
	free(codes);
	return f;
}

static void test_determinism_roundtrip(void)
{
	struct wb_err err;
	struct frame *f = random_frame(20000), *g = fixture();
	json_t *r1 = drift_reference(f, NULL, &err), *r2 = drift_reference(f, NULL, &err);
	char *s1 = dump(r1), *s2 = dump(r2);
	ok(s1 && s2 && !strcmp(s1, s2), "reference bytes identical run to run");
	omp_set_num_threads(1);
	json_t *r3 = drift_reference(f, NULL, &err);
	omp_set_num_threads(2);
	json_t *r4 = drift_reference(f, NULL, &err);
	char *t1 = dump(r3), *t2 = dump(r4);
	ok(t1 && t2 && !strcmp(s1, t1) && !strcmp(s1, t2), "same bytes on 1 and 2 threads");
	free(t1);
	free(t2);
	json_decref(r3);
	json_decref(r4);
	json_t *loaded = json_loads(s1, 0, NULL);
	char *s3 = dump(loaded);
	ok(s3 && !strcmp(s1, s3), "dump -> load -> dump identical");
	json_t *rep1 = NULL, *rep2 = NULL;
	struct frame *h = random_frame(5000);
	drift_compare(r1, h, NULL, &rep1, &err);
	drift_compare(loaded, h, NULL, &rep2, &err);
	char *p1 = dump(rep1), *p2 = dump(rep2);
	ok(p1 && p2 && !strcmp(p1, p2), "report from the loaded reference identical");
	json_t *self = NULL;
	drift_compare(loaded, f, NULL, &self, &err);
	if (getenv("WB_DRIFT_SHOW")) {
		json_t *fx = drift_reference(g, NULL, &err);
		char *t = json_dumps(fx, DRIFT_JSON_FLAGS | JSON_INDENT(1));
		char *u = json_dumps(rep1, DRIFT_JSON_FLAGS | JSON_INDENT(1));
		printf("%s\n%s\n", t, u);
		free(t);
		free(u);
		json_decref(fx);
	}
	ok(self && num_of(self, "a", "psi") == 0 && num_of(self, "b", "psi") == 0 &&
	   num_of(self, "c", "psi") == 0 && num_of(self, "a", "ks") == 0, "loaded reference vs its frame: 0");
	free(s1);
	free(s2);
	free(s3);
	free(p1);
	free(p2);
	json_decref(self);
	json_decref(rep1);
	json_decref(rep2);
	json_decref(loaded);
	json_decref(r1);
	json_decref(r2);
	frame_unref(f);
	frame_unref(g);
	frame_unref(h);
}

static void test_bad_input(void)
{
	struct wb_err err;
	struct frame *f = fixture();
	json_t *ref = drift_reference(f, NULL, &err), *rep = NULL;
	json_t *bad = json_deep_copy(ref);
	json_object_set_new(bad, "format", json_string("wb.model"));
	is_int(drift_compare(bad, f, NULL, &rep, &err), -1, "wrong format tag refused");
	like(err.msg, "format is not 'wb.drift_ref'", "message names the format");
	json_decref(bad);
	bad = json_deep_copy(ref);
	json_array_append_new(json_object_get(col_of(bad, "Income"), "fractions"), json_real(0.5));
	is_int(drift_compare(bad, f, NULL, &rep, &err), -1, "fractions of the wrong length refused");
	like(err.msg, "column 'Income'", "message names the column");
	json_decref(bad);
	bad = json_deep_copy(ref);
	json_object_set_new(bad, "version", json_integer(99));
	is_int(drift_compare(bad, f, NULL, &rep, &err), -1, "future version refused");
	json_decref(bad);
	struct drift_opts o;
	drift_opts_init(&o);
	o.bins = 1;
	ok(drift_reference(f, &o, &err) == NULL, "bins 1 refused");
	like(err.msg, "bins must be 2..1000", "bins message");
	drift_opts_init(&o);
	o.psi_warn = 0.3;
	is_int(drift_compare(ref, f, &o, &rep, &err), -1, "psi_warn above psi_drift refused");
	/* Thresholds are the caller's: a stricter psi_drift turns warn into drift. */
	drift_opts_init(&o);
	o.psi_warn = 0.01;
	o.psi_drift = 0.02;
	o.missing_warn = o.missing_drift = 1;
	struct frame *sh = one_col("x", seq_num(1000, 0, 1)), *sh2 = one_col("x", seq_num(1000, 50, 1));
	json_t *rp = compare(sh, sh2, &o);
	is_str(str_of(rp, "x", "status"), "drift", "configured psi_drift 0.02 applies (psi 0.055)");
	is_dbl(json_number_value(json_object_get(json_object_get(rp, "thresholds"), "psi_drift")), 0.02, 0,
	       "thresholds echoed in the report");
	json_decref(rp);
	frame_unref(sh);
	frame_unref(sh2);
	json_decref(ref);
	frame_unref(f);
}

/* WB_DRIFT_BENCH=1: 1M rows x 29 columns, timings as diagnostics. */
static void bench(void)
{
	size_t n = 1000000;
	struct rng g;
	rng_seed(&g, 3);
	struct frame *f = frame_new(n), *c = frame_new(n);
	static const char *const lv[] = { "a", "b", "c", "d", "e", "f", "g", "h" };
	for (int j = 0; j < 29; j++) {
		char name[16];
		snprintf(name, sizeof(name), "c%02d", j);
		struct column *x, *y;
		if (j < 20) {
			x = column_new(COL_NUM, n);
			y = column_new(COL_NUM, n);
			for (size_t i = 0; i < n; i++) {
				x->num[i] = rng_normal(&g);
				y->num[i] = rng_normal(&g) + 0.1;
			}
		} else if (j < 25) {
			x = column_new(COL_INT, n);
			y = column_new(COL_INT, n);
			for (size_t i = 0; i < n; i++) {
				x->i64[i] = (int64_t)rng_below(&g, 100000);
				y->i64[i] = (int64_t)rng_below(&g, 100000);
			}
			column_compact_valid(x);
			column_compact_valid(y);
		} else {
			int32_t *a = malloc(n * sizeof(int32_t)), *b = malloc(n * sizeof(int32_t));
			for (size_t i = 0; i < n; i++) {
				a[i] = (int32_t)rng_below(&g, 8);
				b[i] = (int32_t)rng_below(&g, 8);
			}
			x = mk_cat(lv, 8, a, n);
			y = mk_cat(lv, 8, b, n);
			free(a);
			free(b);
		}
		frame_add(f, name, x, NULL);
		frame_add(c, name, y, NULL);
	}
	struct timespec t0, t1, t2;
	struct wb_err err;
	json_t *rep = NULL;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	json_t *ref = drift_reference(f, NULL, &err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	drift_compare(ref, c, NULL, &rep, &err);
	clock_gettime(CLOCK_MONOTONIC, &t2);
	char msg[160];
	snprintf(msg, sizeof(msg), "1M x 29: reference %.3f s, compare %.3f s",
		 (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
		 (double)(t2.tv_sec - t1.tv_sec) + (double)(t2.tv_nsec - t1.tv_nsec) / 1e9);
	diag(msg);
	ok(rep != NULL, "bench report");
	json_decref(rep);
	json_decref(ref);
	frame_unref(f);
	frame_unref(c);
}

int main(void)
{
	test_self();
	test_reference_layout();
	test_shift_exact();
	test_shift_normal();
	test_categorical();
	test_pooled_levels();
	test_missing_rate();
	test_kinds();
	test_missing_columns();
	test_constant();
	test_all_missing();
	test_determinism_roundtrip();
	test_bad_input();
	if (getenv("WB_DRIFT_BENCH"))
		bench();
	return tap_done();
}
