/* Unit tests for core/stats: describe, value_counts, groupby. */
#include "tap.h"
#include "fixture.h"
#include "core/column.h"
#include "core/frame.h"
#include "core/frame_ops.h"
#include "core/rng.h"
#include "core/stats.h"

#include <omp.h>
#include <stdlib.h>
#include <time.h>

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static double cell(const struct frame *d, const char *col, size_t row)
{
	return column_get_num(frame_col(d, col), row);
}

static const char *text(const struct frame *d, const char *col, size_t row)
{
	size_t len;
	return column_get_text(frame_col(d, col), row, &len);
}

static void test_describe(void)
{
	double x[] = { 1, 2, 3, 4, NAN };
	int64_t y[] = { 5, 5, 7, 0, 1 };
	int ymiss[] = { 0, 0, 0, 1, 0 };
	const char *lv[] = { "b", "a" };
	int32_t c[] = { 0, 1, 1, 0, -1 };
	const char *s[] = { "x", "y", "x", NULL, "z" };
	const char *t[] = { "2020-01-02", NULL, "2020-01-01", "2020-01-02", "2021-01-01" };
	int8_t b[] = { 1, 0, 1, 1, -1 };
	struct frame *f = frame_new(5);
	frame_add(f, "x", mk_num(x, 5), NULL);
	frame_add(f, "y", mk_int(y, ymiss, 5), NULL);
	frame_add(f, "c", mk_cat(lv, 2, c, 5), NULL);
	frame_add(f, "s", column_from_strings(s, 5), NULL);
	frame_add(f, "t", mk_time(t, 5), NULL);
	frame_add(f, "b", mk_bool(b, 5), NULL);
	frame_seal_content(f);

	struct frame *d = frame_describe(f);
	ok(d && d->nrow == 6 && d->ncol == 14, "describe: one row per column, 14 columns");
	is_str(d->names[13], "top_count", "last column is top_count");
	ok(frame_col(d, "kind")->kind == COL_CAT && frame_col(d, "count")->kind == COL_INT &&
	   frame_col(d, "top")->kind == COL_STR && frame_col(d, "mean")->kind == COL_NUM, "describe column kinds");
	is_str(text(d, "column", 0), "x", "row names the column");
	is_str(text(d, "kind", 4), "time", "row gives the kind");
	/* x = 1 2 3 4 (NaN): numpy: mean 2.5, std(ddof=1) sqrt(5/3), percentiles 1.75 2.5 3.25 */
	is_dbl(cell(d, "count", 0), 4, 0, "x count");
	is_dbl(cell(d, "missing", 0), 1, 0, "x missing");
	is_dbl(cell(d, "mean", 0), 2.5, 1e-15, "x mean");
	is_dbl(cell(d, "std", 0), 1.2909944487358056, 1e-15, "x std");
	is_dbl(cell(d, "min", 0), 1, 0, "x min");
	is_dbl(cell(d, "q25", 0), 1.75, 1e-15, "x q25");
	is_dbl(cell(d, "median", 0), 2.5, 1e-15, "x median");
	is_dbl(cell(d, "q75", 0), 3.25, 1e-15, "x q75");
	is_dbl(cell(d, "max", 0), 4, 0, "x max");
	is_dbl(cell(d, "distinct", 0), 4, 0, "x distinct");
	is_str(text(d, "top", 0), "1", "x top: ties go to the smallest");
	is_dbl(cell(d, "top_count", 0), 1, 0, "x top_count");
	/* y = 5 5 7 1: mean 4.5, std sqrt(19/3), percentiles 4 5 5.5 */
	is_dbl(cell(d, "mean", 1), 4.5, 1e-15, "y mean");
	is_dbl(cell(d, "std", 1), 2.5166114784235831, 1e-14, "y std");
	is_dbl(cell(d, "q25", 1), 4, 1e-15, "y q25");
	is_dbl(cell(d, "median", 1), 5, 1e-15, "y median");
	is_dbl(cell(d, "q75", 1), 5.5, 1e-15, "y q75");
	is_dbl(cell(d, "distinct", 1), 3, 0, "y distinct");
	is_str(text(d, "top", 1), "5", "y top");
	is_dbl(cell(d, "top_count", 1), 2, 0, "y top_count");
	/* c: b a a b (missing): a tie, a is smaller */
	is_dbl(cell(d, "count", 2), 4, 0, "cat count");
	is_dbl(cell(d, "distinct", 2), 2, 0, "cat distinct");
	is_str(text(d, "top", 2), "a", "cat top: tie goes to the smaller text");
	is_dbl(cell(d, "top_count", 2), 2, 0, "cat top_count");
	ok(isnan(cell(d, "mean", 2)) && isnan(cell(d, "q25", 2)), "cat has no mean or quartiles");
	is_str(text(d, "top", 3), "x", "str top");
	is_dbl(cell(d, "distinct", 3), 3, 0, "str distinct");
	is_dbl(cell(d, "missing", 3), 1, 0, "str missing");
	int64_t t0, t1;
	parse_time("2020-01-01", 10, &t0);
	parse_time("2021-01-01", 10, &t1);
	is_dbl(cell(d, "min", 4), (double)t0, 0, "time min in microseconds");
	is_dbl(cell(d, "max", 4), (double)t1, 0, "time max in microseconds");
	ok(isnan(cell(d, "mean", 4)), "time has no mean");
	is_str(text(d, "top", 4), "2020-01-02", "time top is formatted");
	is_dbl(cell(d, "mean", 5), 0.75, 1e-15, "bool mean is the share of true");
	is_str(text(d, "top", 5), "true", "bool top");

	struct frame *d2 = frame_describe(f);
	ok(!memcmp(d->hash, d2->hash, WB_HASH_LEN), "describe hash is stable");
	ok(memcmp(d->hash, f->hash, WB_HASH_LEN), "describe hash is derived");
	frame_unref(d);
	frame_unref(d2);
	frame_unref(f);

	/* numpy: np.percentile([1, 2, 3, 4, 10], [25, 50, 75]) = 2, 3, 4; and 7 values */
	double z[] = { 10, 1, 4, 3, 2 };
	double w[] = { 0.5, -1, 7, 3, 3, 100, 2.25 };
	f = frame_new(5);
	frame_add(f, "z", mk_num(z, 5), NULL);
	frame_seal_content(f);
	d = frame_describe(f);
	ok(cell(d, "q25", 0) == 2 && cell(d, "median", 0) == 3 && cell(d, "q75", 0) == 4, "quartiles of 5 values");
	frame_unref(d);
	frame_unref(f);
	f = frame_new(7);
	frame_add(f, "w", mk_num(w, 7), NULL);
	frame_seal_content(f);
	d = frame_describe(f);
	/* sorted: -1 .5 2.25 3 3 7 100; q25 at 1.5 -> 1.375; q75 at 4.5 -> 5 */
	is_dbl(cell(d, "q25", 0), 1.375, 1e-15, "q25 interpolates");
	is_dbl(cell(d, "q75", 0), 5, 1e-15, "q75 interpolates");
	is_str(text(d, "top", 0), "3", "top of a num column");
	frame_unref(d);
	frame_unref(f);
}

static void test_describe_threads(void)
{
	size_t n = 200000;
	int nc = 8;
	struct rng r;
	rng_seed(&r, 3);
	struct frame *f = frame_new(n);
	for (int j = 0; j < nc; j++) {
		struct column *c = column_new(j % 4 == 3 ? COL_INT : COL_NUM, n);
		for (size_t i = 0; i < n; i++) {
			if (c->kind == COL_INT) {
				c->i64[i] = (int64_t)rng_below(&r, 1000);
				c->valid[i] = rng_uniform(&r) > 0.05;
			} else {
				c->num[i] = rng_uniform(&r) < 0.05 ? NAN : rng_normal(&r) * (j + 1);
			}
		}
		char name[16];
		snprintf(name, sizeof(name), "c%d", j);
		frame_add(f, name, c, NULL);
	}
	frame_seal_content(f);
	omp_set_num_threads(1);
	struct frame *d1 = frame_describe(f);
	omp_set_num_threads(2);
	struct frame *d2 = frame_describe(f);
	unsigned char h1[WB_HASH_LEN], h2[WB_HASH_LEN];
	frame_content_hash(d1, h1);
	frame_content_hash(d2, h2);
	ok(!memcmp(h1, h2, WB_HASH_LEN), "describe on 1 and 2 threads: identical content");
	ok(!memcmp(d1->hash, d2->hash, WB_HASH_LEN), "and identical lineage hash");
	frame_unref(d1);
	frame_unref(d2);
	frame_unref(f);
}

static void test_describe_big(void)
{
	size_t n = 1000000;
	int nc = 29;
	struct rng r;
	rng_seed(&r, 5);
	struct frame *f = frame_new(n);
	for (int j = 0; j < nc; j++) {
		struct column *c = column_new(COL_NUM, n);
		for (size_t i = 0; i < n; i++)
			c->num[i] = rng_normal(&r);
		char name[16];
		snprintf(name, sizeof(name), "v%d", j);
		frame_add(f, name, c, NULL);
	}
	frame_seal_content(f);
	double t0 = now_ms();
	struct frame *d = frame_describe(f);
	double t1 = now_ms();
	char msg[128];
	snprintf(msg, sizeof(msg), "describe of 1M x 29 num on %d threads: %.0f ms", omp_get_max_threads(), t1 - t0);
	diag(msg);
	ok(d && d->nrow == 29 && fabs(cell(d, "mean", 0)) < 0.01 && fabs(cell(d, "std", 0) - 1) < 0.01,
	   "describe of 1M x 29: sane values");
	frame_unref(d);
	frame_unref(f);
}

static void test_value_counts(void)
{
	const char *lv[] = { "c", "b", "a" };
	int32_t c[] = { 1, 2, 2, 0, -1, -1, -1, 1, 0 };
	int64_t iv[] = { 3, 1, 3, 2, 1, 3, 0, 0, 0 };
	int im[] = { 0, 0, 0, 0, 0, 0, 1, 1, 1 };
	struct frame *f = frame_new(9);
	frame_add(f, "c", mk_cat(lv, 3, c, 9), NULL);
	frame_add(f, "i", mk_int(iv, im, 9), NULL);
	frame_seal_content(f);
	struct wb_err err;
	struct frame *v = frame_value_counts(f, "c", &err);
	ok(v && v->nrow == 4 && v->ncol == 2, "value_counts: 3 levels and missing");
	ok(frame_col(v, "value")->kind == COL_CAT && frame_col(v, "count")->kind == COL_INT, "value keeps its kind");
	ok(!strcmp(text(v, "value", 0), "a") && !strcmp(text(v, "value", 1), "b") &&
	   !strcmp(text(v, "value", 2), "c") && column_is_missing(frame_col(v, "value"), 3),
	   "ties by value ascending, missing last");
	ok(cell(v, "count", 0) == 2 && cell(v, "count", 3) == 3, "counts (missing has the most, still last)");
	frame_unref(v);
	v = frame_value_counts(f, "i", &err);
	ok(v && v->nrow == 4 && cell(v, "value", 0) == 3 && cell(v, "count", 0) == 3 && cell(v, "value", 1) == 1 &&
	   cell(v, "value", 2) == 2 && cell(v, "count", 3) == 3, "int value counts: count descending");
	struct frame *v2 = frame_value_counts(f, "i", &err), *v3 = frame_value_counts(f, "c", &err);
	ok(!memcmp(v->hash, v2->hash, WB_HASH_LEN) && memcmp(v->hash, v3->hash, WB_HASH_LEN),
	   "value_counts hash by column");
	frame_unref(v);
	frame_unref(v2);
	frame_unref(v3);
	ok(frame_value_counts(f, "cc", &err) == NULL, "unknown column");
	is_str(err.msg, "value_counts: unknown column 'cc' (did you mean 'c'?)", "value_counts names it");
	frame_unref(f);
}

static void test_groupby(void)
{
	const char *lv[] = { "y", "x" };
	int32_t g[] = { 1, 0, 1, -1, 0, 1 };
	int64_t k[] = { 1, 1, 1, 2, 0, 1 };
	int km[] = { 0, 0, 0, 0, 1, 0 };
	double v[] = { 1, 2, 3, 4, 5, NAN };
	int64_t vi[] = { 10, 20, 30, 40, 50, 60 };
	const char *s[] = { "p", "q", "p", NULL, "q", NULL };
	struct frame *f = frame_new(6);
	frame_add(f, "g", mk_cat(lv, 2, g, 6), NULL);
	frame_add(f, "k", mk_int(k, km, 6), NULL);
	frame_add(f, "v", mk_num(v, 6), NULL);
	frame_add(f, "vi", mk_int(vi, NULL, 6), NULL);
	frame_add(f, "s", column_from_strings(s, 6), NULL);
	frame_seal_content(f);

	const char *keys[] = { "g", "k" };
	struct agg_spec aggs[] = {
		{ NULL, AGG_COUNT, NULL }, { "v", AGG_SUM, NULL }, { "v", AGG_MEAN, NULL },
		{ "v", AGG_MEDIAN, NULL }, { "vi", AGG_MIN, NULL }, { "vi", AGG_MAX, "top" },
		{ "v", AGG_MAX, NULL },
	};
	struct wb_err err;
	struct frame *r = frame_groupby(f, keys, 2, aggs, 7, &err);
	ok(r != NULL, "groupby on cat + int keys");
	if (!r) {
		diag(err.msg);
		return;
	}
	/* groups sorted by keys, missing last: (x,1) (y,1) (y,NA) (NA,2) */
	is_int(r->nrow, 4, "four groups, missing keys are groups");
	ok(!strcmp(text(r, "g", 0), "x") && !strcmp(text(r, "g", 1), "y") && !strcmp(text(r, "g", 2), "y") &&
	   column_is_missing(frame_col(r, "g"), 3), "first key ascending, missing last");
	ok(cell(r, "k", 0) == 1 && cell(r, "k", 1) == 1 && column_is_missing(frame_col(r, "k"), 2) &&
	   cell(r, "k", 3) == 2, "second key ascending within the first, missing last");
	is_str(r->names[2], "count", "count is named count");
	is_str(r->names[3], "v_sum", "default names are <col>_<fn>");
	is_str(r->names[7], "top", "as renames");
	ok(cell(r, "count", 0) == 3 && cell(r, "count", 1) == 1 && cell(r, "count", 3) == 1, "count");
	ok(cell(r, "v_sum", 0) == 4 && cell(r, "v_sum", 1) == 2 && cell(r, "v_sum", 2) == 5 && cell(r, "v_sum", 3) == 4,
	   "sum skips missing values");
	ok(cell(r, "v_mean", 0) == 2 && cell(r, "v_mean", 2) == 5, "mean");
	ok(cell(r, "v_median", 0) == 2, "median");
	ok(frame_col(r, "vi_min")->kind == COL_INT && cell(r, "vi_min", 0) == 10 && cell(r, "vi_min", 2) == 50 &&
	   cell(r, "vi_min", 3) == 40, "min keeps int");
	ok(cell(r, "top", 0) == 60 && cell(r, "top", 1) == 20, "max");
	ok(cell(r, "v_max", 0) == 3, "max of num skips NaN");
	ok(frame_col(r, "count")->kind == COL_INT && frame_col(r, "v_sum")->kind == COL_NUM, "result kinds");

	struct frame *r2 = frame_groupby(f, keys, 2, aggs, 7, &err);
	struct frame *r3 = frame_groupby(f, keys, 2, aggs, 6, &err);
	ok(!memcmp(r->hash, r2->hash, WB_HASH_LEN) && memcmp(r->hash, r3->hash, WB_HASH_LEN),
	   "groupby hash follows its params");
	frame_unref(r);
	frame_unref(r2);
	frame_unref(r3);

	const char *skeys[] = { "s" };
	struct agg_spec sa[] = { { "vi", AGG_SUM, NULL } };
	r = frame_groupby(f, skeys, 1, sa, 1, &err);
	ok(r && r->nrow == 3 && !strcmp(text(r, "s", 0), "p") && cell(r, "vi_sum", 0) == 40 &&
	   cell(r, "vi_sum", 1) == 70 && column_is_missing(frame_col(r, "s"), 2) && cell(r, "vi_sum", 2) == 100,
	   "str key with missing");
	frame_unref(r);

	struct agg_spec bad[] = { { "g", AGG_SUM, NULL } };
	ok(frame_groupby(f, keys, 2, bad, 1, &err) == NULL, "sum of a cat column fails");
	is_str(err.msg, "groupby: cannot take the sum of cat column 'g'", "and names it");
	const char *bk[] = { "kk" };
	ok(frame_groupby(f, bk, 1, aggs, 1, &err) == NULL, "unknown key fails");
	like(err.msg, "groupby: unknown column 'kk'", "and names it");
	struct agg_spec dupn[] = { { "v", AGG_SUM, "g" } };
	ok(frame_groupby(f, keys, 2, dupn, 1, &err) == NULL, "output name clash fails");
	like(err.msg, "duplicate column name 'g'", "and says so");
	frame_unref(f);

	enum agg_fn fn;
	ok(agg_fn_parse("median", &fn) == 0 && fn == AGG_MEDIAN && agg_fn_parse("avg", &fn) < 0,
	   "agg_fn_parse");
	is_str(agg_fn_name(AGG_MEAN), "mean", "agg_fn_name");
}

static void test_groupby_big(void)
{
	size_t n = 1000000;
	struct rng r;
	rng_seed(&r, 9);
	struct frame *f = frame_new(n);
	struct column *k = column_new(COL_INT, n), *v = column_new(COL_NUM, n);
	for (size_t i = 0; i < n; i++) {
		k->i64[i] = (int64_t)rng_below(&r, 1000);
		k->valid[i] = 1;
		v->num[i] = (double)(i % 10);
	}
	frame_add(f, "k", k, NULL);
	frame_add(f, "v", v, NULL);
	frame_seal_content(f);
	const char *keys[] = { "k" };
	struct agg_spec aggs[] = { { NULL, AGG_COUNT, NULL }, { "v", AGG_MEAN, NULL }, { "v", AGG_MEDIAN, NULL } };
	double t0 = now_ms();
	struct frame *g = frame_groupby(f, keys, 1, aggs, 3, NULL);
	double t1 = now_ms();
	char msg[128];
	snprintf(msg, sizeof(msg), "groupby of 1M rows into 1000 groups (count, mean, median): %.0f ms", t1 - t0);
	diag(msg);
	int64_t total = 0;
	int sorted = 1;
	for (size_t i = 0; g && i < g->nrow; i++) {
		total += (int64_t)cell(g, "count", i);
		sorted &= cell(g, "k", i) == (double)i;
	}
	ok(g && g->nrow == 1000 && total == (int64_t)n && sorted, "1M-row groupby: 1000 sorted groups, all rows");
	frame_unref(g);
	frame_unref(f);
}

static void test_empty(void)
{
	struct frame *e = frame_new(0);
	for (int k = 0; k < COL_NKINDS; k++)
		frame_add(e, col_kind_name((enum col_kind)k), column_new((enum col_kind)k, 0), NULL);
	frame_seal_content(e);
	struct frame *d = frame_describe(e);
	ok(d && d->nrow == 6 && cell(d, "count", 0) == 0 && isnan(cell(d, "mean", 0)) &&
	   column_is_missing(frame_col(d, "top"), 0), "describe of 0 rows");
	frame_unref(d);
	struct wb_err err;
	int okc = 1;
	for (int k = 0; k < COL_NKINDS; k++) {
		struct frame *v = frame_value_counts(e, col_kind_name((enum col_kind)k), &err);
		okc &= v && v->nrow == 0;
		frame_unref(v);
	}
	ok(okc, "value_counts of 0 rows, every kind");
	const char *keys[] = { "cat", "str", "num", "int", "bool", "time" };
	struct agg_spec aggs[] = { { NULL, AGG_COUNT, NULL }, { "num", AGG_MEDIAN, NULL }, { "int", AGG_MIN, NULL } };
	struct frame *g = frame_groupby(e, keys, 6, aggs, 3, &err);
	ok(g && g->nrow == 0 && g->ncol == 9, "groupby of 0 rows");
	frame_unref(g);
	struct frame *z = frame_new(0);
	frame_seal_content(z);
	d = frame_describe(z);
	ok(d && d->nrow == 0, "describe of a frame without columns");
	frame_unref(d);
	frame_unref(z);
	frame_unref(e);
}

int main(void)
{
	test_describe();
	test_describe_threads();
	test_describe_big();
	test_value_counts();
	test_groupby();
	test_groupby_big();
	test_empty();
	return tap_done();
}
