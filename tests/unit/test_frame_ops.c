/* Unit tests for core/frame_ops: columns, rows, sort, split, sample. */
#include "tap.h"
#include "fixture.h"
#include "core/column.h"
#include "core/frame.h"
#include "core/frame_ops.h"
#include "core/rng.h"
#include "core/stats.h"

#include <stdlib.h>
#include <time.h>


static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int same_hash(const struct frame *a, const struct frame *b)
{
	return !memcmp(a->hash, b->hash, WB_HASH_LEN);
}

/* Rows of a frame by the "my col" value (1..6 in the fixture), as digits. */
static const char *rows_of(const struct frame *g)
{
	static char buf[256];
	const struct column *c = frame_col(g, "my col");
	size_t i;
	for (i = 0; i < g->nrow && i < sizeof(buf) - 1; i++)
		buf[i] = (char)('0' + (int)c->num[i] - 1);
	buf[i] = '\0';
	return buf;
}

static void test_columns(struct frame *f)
{
	struct wb_err err;
	const char *sel[] = { "Job", "Age" };
	struct frame *s = frame_select(f, sel, 2, &err);
	ok(s && s->ncol == 2 && s->nrow == 6, "select keeps two columns");
	is_str(s->names[0], "Job", "in the order asked");
	ok(s->cols[1] == frame_col(f, "Age"), "select shares the column");
	ok(frame_col(f, "Age")->refs >= 2, "by reference count");
	struct frame *s2 = frame_select(f, sel, 2, &err);
	ok(same_hash(s, s2), "same op, params and input: same hash");
	const char *sel2[] = { "Age", "Job" };
	struct frame *s3 = frame_select(f, sel2, 2, &err);
	ok(!same_hash(s, s3), "other params: other hash");
	ok(!same_hash(s, f), "derived hash differs from the input's");
	frame_unref(s);
	frame_unref(s2);
	frame_unref(s3);

	const char *bad[] = { "Agee" };
	ok(frame_select(f, bad, 1, &err) == NULL, "select of an unknown column fails");
	is_str(err.msg, "select: unknown column 'Agee' (did you mean 'Age'?)", "error names it and suggests");
	const char *bad2[] = { "zzzzzz" };
	frame_select(f, bad2, 1, &err);
	is_str(err.msg, "select: unknown column 'zzzzzz'", "no suggestion when nothing is close");
	const char *bad3[] = { "Icnome" };
	frame_select(f, bad3, 1, &err);
	like(err.msg, "did you mean 'Income'?", "a swap of two letters is close");
	const char *dup[] = { "Age", "Age" };
	ok(frame_select(f, dup, 2, &err) == NULL, "select of a repeated name fails");
	like(err.msg, "select: duplicate column name 'Age'", "and says so");

	const char *dr[] = { "Income", "Flag" };
	struct frame *d = frame_drop(f, dr, 2, &err);
	ok(d && d->ncol == 5 && frame_find(d, "Income") < 0 && frame_find(d, "Home") == 1, "drop");
	frame_unref(d);
	ok(frame_drop(f, bad, 1, &err) == NULL, "drop of an unknown column fails");
	like(err.msg, "drop: unknown column 'Agee'", "drop names it");

	const char *from[] = { "Age", "Home" }, *to[] = { "age", "home" };
	struct frame *r = frame_rename(f, from, to, 2, &err);
	ok(r && !strcmp(r->names[0], "age") && !strcmp(r->names[2], "home") && r->cols[0] == f->cols[0],
	   "rename keeps the columns");
	frame_unref(r);
	const char *to2[] = { "Job" };
	ok(frame_rename(f, from, to2, 1, &err) == NULL, "rename onto an existing name fails");
	like(err.msg, "rename: duplicate column name 'Job'", "and says so");
	ok(frame_rename(f, bad, to, 1, &err) == NULL, "rename of an unknown column fails");
	like(err.msg, "rename: unknown column 'Agee' (did you mean 'Age'?)", "rename names it");
}

static void test_rows(struct frame *f)
{
	struct frame *s = frame_slice(f, 1, 3);
	is_str(rows_of(s), "123", "slice 1..3");
	ok(column_is_missing(frame_col(s, "Age"), 1), "slice keeps missing values");
	struct frame *h = frame_head(f, 2), *h2 = frame_slice(f, 0, 2);
	is_str(rows_of(h), "01", "head");
	ok(same_hash(h, h2), "head(2) is slice(0, 2)");
	struct frame *t = frame_tail(f, 2);
	is_str(rows_of(t), "45", "tail");
	struct frame *t2 = frame_tail(f, 100);
	is_str(rows_of(t2), "012345", "tail clamps");
	ok(t2->cols[0] == f->cols[0], "a slice of all rows shares columns");
	struct frame *s9 = frame_slice(f, 9, 3);
	ok(s9->nrow == 0, "slice past the end is empty");
	frame_unref(s);
	frame_unref(h);
	frame_unref(h2);
	frame_unref(t);
	frame_unref(t2);
	frame_unref(s9);

	size_t idx[] = { 5, 0, 5, 2 };
	struct frame *k = frame_take(f, idx, 4, "pick", "{\"rows\":[5,0,5,2]}");
	is_str(rows_of(k), "5052", "take with repeats");
	size_t len;
	is_str(column_get_text(frame_col(k, "Home"), 0, &len), "own", "take keeps cat text");
	is_str(column_get_text(frame_col(k, "Job"), 0, &len), "freelance", "take keeps str text");
	struct frame *k2 = frame_take(f, idx, 4, "pick", "{\"rows\":[5,0,5,3]}");
	ok(!same_hash(k, k2), "take hashes by its params");
	frame_unref(k);
	frame_unref(k2);

	uint8_t m1[] = { 1, 0, 0, 1, 1, 0 }, m2[] = { 7, 0, 0, 1, 255, 0 }, m3[] = { 1, 0, 0, 1, 0, 0 };
	struct frame *a = frame_filter_mask(f, m1), *b = frame_filter_mask(f, m2), *c = frame_filter_mask(f, m3);
	is_str(rows_of(a), "034", "filter_mask");
	ok(same_hash(a, b), "masks that select the same rows hash alike");
	ok(!same_hash(a, c), "other masks, other hash");
	frame_unref(a);
	frame_unref(b);
	frame_unref(c);
}

/* Sorted order as the fixture's row digits. */
static const char *sorted(struct frame *f, const char *k1, int d1, const char *k2, int d2)
{
	struct sort_key keys[] = { { k1, d1 }, { k2, d2 } };
	struct wb_err err;
	struct frame *s = frame_sort(f, keys, k2 ? 2 : 1, &err);
	static char buf[1100];
	if (!s) {
		snprintf(buf, sizeof(buf), "ERR: %s", err.msg);
		return buf;
	}
	snprintf(buf, sizeof(buf), "%s", rows_of(s));
	frame_unref(s);
	return buf;
}

static void test_sort_small(struct frame *f)
{
	is_str(sorted(f, "Age", 0, NULL, 0), "041532", "int ascending, stable, missing last");
	is_str(sorted(f, "Age", 1, NULL, 0), "315402", "int descending, stable, missing last");
	is_str(sorted(f, "Income", 0, NULL, 0), "025143", "num ascending, NaN last");
	is_str(sorted(f, "Income", 1, NULL, 0), "415203", "num descending, NaN last");
	is_str(sorted(f, "Home", 0, "Income", 1), "415203", "cat by text then num descending");
	is_str(sorted(f, "Home", 1, "Age", 0), "021543", "cat descending, then int");
	is_str(sorted(f, "Job", 0, NULL, 0), "035412", "str ascending");
	is_str(sorted(f, "Job", 1, NULL, 0), "145032", "str descending, stable, missing last");
	is_str(sorted(f, "Flag", 0, NULL, 0), "140253", "bool ascending");
	is_str(sorted(f, "Flag", 1, "Age", 1), "502143", "bool descending then int descending");
	is_str(sorted(f, "Date", 1, NULL, 0), "315024", "time descending");
	is_str(sorted(f, "Agee", 0, NULL, 0), "ERR: sort: unknown column 'Agee' (did you mean 'Age'?)",
	       "unknown sort key");

	struct sort_key k1[] = { { "Age", 0 } }, k2[] = { { "Age", 1 } };
	struct frame *a = frame_sort(f, k1, 1, NULL), *b = frame_sort(f, k1, 1, NULL), *c = frame_sort(f, k2, 1, NULL);
	ok(same_hash(a, b) && !same_hash(a, c), "sort hashes by its keys");
	frame_unref(a);
	frame_unref(b);
	frame_unref(c);

	double v[] = { 3, -1, -0.0, 0.0, NAN, -5, 2.5, INFINITY, -INFINITY };
	struct frame *g = frame_new(9);
	frame_add(g, "v", mk_num(v, 9), NULL);
	int64_t iv[] = { -3, 5, INT64_MIN, 0, INT64_MAX, -3, 7, 8, 9 };
	frame_add(g, "i", mk_int(iv, NULL, 9), NULL);
	frame_seal_content(g);
	size_t *p = frame_sort_index(g, k1, 0, NULL);
	ok(p == NULL, "no keys is an error");
	struct sort_key kv[] = { { "v", 0 } }, ki[] = { { "i", 0 } };
	p = frame_sort_index(g, kv, 1, NULL);
	char buf[16];
	for (int i = 0; i < 9; i++)
		buf[i] = (char)('0' + (int)p[i]);
	buf[9] = 0;
	is_str(buf, "851236074", "negatives, -0 == 0 (stable), infinities, NaN last");
	free(p);
	p = frame_sort_index(g, ki, 1, NULL);
	for (int i = 0; i < 9; i++)
		buf[i] = (char)('0' + (int)p[i]);
	is_str(buf, "205316784", "int64 extremes, stable ties");
	free(p);
	frame_unref(g);
}

struct ref_row {
	int64_t a;
	double b;
	size_t i;
};

static int ref_cmp(const void *x, const void *y)
{
	const struct ref_row *p = x, *q = y;
	if (p->a != q->a)
		return p->a < q->a ? -1 : 1;
	int pm = isnan(p->b), qm = isnan(q->b);
	if (pm != qm)
		return pm - qm;
	if (!pm && p->b != q->b)
		return p->b > q->b ? -1 : 1; /* descending */
	return (p->i > q->i) - (p->i < q->i);
}

static void test_sort_big(void)
{
	size_t n = 1000000;
	struct rng r;
	rng_seed(&r, 7);
	double *v = malloc(n * sizeof(double));
	int64_t *a = malloc(n * sizeof(int64_t));
	for (size_t i = 0; i < n; i++) {
		v[i] = rng_uniform(&r) < 0.01 ? NAN : (double)(int)(rng_normal(&r) * 1000) / 10;
		a[i] = (int64_t)rng_below(&r, 50) - 25;
	}
	struct frame *f = frame_new(n);
	frame_add(f, "v", mk_num(v, n), NULL);
	frame_add(f, "a", mk_int(a, NULL, n), NULL);
	frame_seal_content(f);

	struct sort_key kv[] = { { "v", 0 } };
	double t0 = now_ms();
	struct frame *s = frame_sort(f, kv, 1, NULL);
	double t1 = now_ms();
	char msg[128];
	snprintf(msg, sizeof(msg), "sort of 1M rows x 2 columns by one num key: %.0f ms", t1 - t0);
	diag(msg);
	ok(t1 - t0 < 1000, "1M-row sort well under a second");
	int okc = 1;
	const double *sv = frame_col(s, "v")->num;
	for (size_t i = 1; i < n; i++)
		okc &= isnan(sv[i]) || (!isnan(sv[i - 1]) && sv[i - 1] <= sv[i]);
	ok(okc, "1M rows sorted, NaN last");
	frame_unref(s);

	struct sort_key k2[] = { { "a", 0 }, { "v", 1 } };
	t0 = now_ms();
	size_t *p = frame_sort_index(f, k2, 2, NULL);
	t1 = now_ms();
	snprintf(msg, sizeof(msg), "two-key index sort of 1M rows: %.0f ms", t1 - t0);
	diag(msg);
	struct ref_row *ref = malloc(n * sizeof(*ref));
	for (size_t i = 0; i < n; i++)
		ref[i] = (struct ref_row){ a[i], v[i], i };
	qsort(ref, n, sizeof(*ref), ref_cmp);
	okc = 1;
	for (size_t i = 0; i < n; i++)
		okc &= p[i] == ref[i].i;
	ok(okc, "two-key sort (asc, desc) equals a stable reference sort");
	free(ref);
	free(p);
	free(v);
	free(a);
	frame_unref(f);
}

static void test_split(void)
{
	size_t n = 1010;
	const char *lv[] = { "a", "b", "c" };
	int32_t *codes = malloc(n * sizeof(int32_t));
	int64_t *id = malloc(n * sizeof(int64_t));
	for (size_t i = 0; i < n; i++) {
		id[i] = (int64_t)i;
		codes[i] = i >= 1000 ? -1 : i % 10 < 5 ? 0 : i % 10 < 8 ? 1 : 2; /* 500/300/200 + 10 missing */
	}
	struct frame *f = frame_new(n);
	frame_add(f, "id", mk_int(id, NULL, n), NULL);
	frame_add(f, "y", mk_cat(lv, 3, codes, n), NULL);
	frame_seal_content(f);

	struct split_opts o = { .test = 0.2, .stratify = "y", .seed = 42 };
	struct frame *tr, *te, *tr2, *te2;
	struct wb_err err;
	ok(frame_split(f, &o, &tr, &te, &err) == 0, "stratified split");
	is_int(te->nrow, 100 + 60 + 40 + 2, "test has round(n_c * 0.2) of each class");
	is_int(tr->nrow + te->nrow, n, "parts cover the frame");
	int per[4] = { 0 };
	const struct column *ty = frame_col(te, "y");
	for (size_t i = 0; i < te->nrow; i++)
		per[ty->codes[i] + 1]++;
	ok(per[1] == 100 && per[2] == 60 && per[3] == 40 && per[0] == 2, "per class: 100/60/40 and 2 missing");
	uint8_t *seen = calloc(n, 1);
	int ordered = 1;
	const struct column *a = frame_col(tr, "id"), *b = frame_col(te, "id");
	for (size_t i = 0; i < tr->nrow; i++) {
		seen[a->i64[i]]++;
		ordered &= i == 0 || a->i64[i] > a->i64[i - 1];
	}
	for (size_t i = 0; i < te->nrow; i++) {
		seen[b->i64[i]]++;
		ordered &= i == 0 || b->i64[i] > b->i64[i - 1];
	}
	int once = 1;
	for (size_t i = 0; i < n; i++)
		once &= seen[i] == 1;
	ok(once, "every row in exactly one part");
	ok(ordered, "rows keep their original order in each part");
	ok(frame_split(f, &o, &tr2, &te2, &err) == 0 && same_hash(te, te2) && same_hash(tr, tr2) &&
	   !memcmp(frame_col(te2, "id")->i64, b->i64, te->nrow * 8), "same seed, same split and hashes");
	ok(!same_hash(tr, te), "train and test hash differently");
	frame_unref(tr2);
	frame_unref(te2);
	o.seed = 43;
	frame_split(f, &o, &tr2, &te2, &err);
	ok(te2->nrow == te->nrow && memcmp(frame_col(te2, "id")->i64, b->i64, te->nrow * 8) &&
	   !same_hash(te, te2), "another seed, another split");
	frame_unref(tr2);
	frame_unref(te2);
	frame_unref(tr);
	frame_unref(te);

	struct split_opts r = { .test = 0.25, .seed = 1 };
	ok(frame_split(f, &r, &tr, &te, &err) == 0 && te->nrow == 253 && tr->nrow == 757,
	   "random split puts round(n * test) rows in test");
	frame_unref(tr);
	frame_unref(te);
	r.test = 0;
	ok(frame_split(f, &r, &tr, &te, &err) < 0 && tr == NULL, "test = 0 is an error");
	like(err.msg, "split: test fraction must be in (0, 1)", "and says why");
	r.test = 1;
	ok(frame_split(f, &r, &tr, &te, &err) < 0, "test = 1 is an error");
	r.test = 0.5;
	r.stratify = "why";
	ok(frame_split(f, &r, &tr, &te, &err) < 0, "unknown stratify column");
	is_str(err.msg, "split: unknown column 'why' (did you mean 'y'?)", "names the missing stratify column");
	r.stratify = "id";
	ok(frame_split(f, &r, &tr, &te, &err) == 0, "stratify by an int column");
	is_int(te->nrow, n, "singleton classes: round(0.5) is 1, half away from zero");
	frame_unref(tr);
	frame_unref(te);
	free(seen);
	free(codes);
	free(id);
	frame_unref(f);
}

static void test_sample(struct frame *f)
{
	struct wb_err err;
	struct frame *s = frame_sample(f, 6, 0, 3, &err), *s2 = frame_sample(f, 6, 0, 3, &err);
	ok(s && s->nrow == 6, "sample without replacement");
	char buf[16];
	snprintf(buf, sizeof(buf), "%s", rows_of(s));
	int seen[6] = { 0 }, perm = 1;
	for (int i = 0; i < 6; i++)
		seen[buf[i] - '0']++;
	for (int i = 0; i < 6; i++)
		perm &= seen[i] == 1;
	ok(perm, "all rows once (%s)", buf);
	ok(same_hash(s, s2) && !strcmp(buf, rows_of(s2)), "deterministic for a seed");
	frame_unref(s);
	frame_unref(s2);
	ok(frame_sample(f, 7, 0, 3, &err) == NULL, "n > nrow without replacement fails");
	like(err.msg, "sample: cannot draw 7 rows from 6 without replacement", "and says so");
	s = frame_sample(f, 50, 1, 3, &err);
	ok(s && s->nrow == 50, "sample with replacement can exceed nrow");
	frame_unref(s);
}

static void test_empty(void)
{
	struct frame *e = frame_new(0);
	for (int k = 0; k < COL_NKINDS; k++)
		frame_add(e, col_kind_name((enum col_kind)k), column_new((enum col_kind)k, 0), NULL);
	frame_seal_content(e);
	struct wb_err err;
	const char *names[] = { "num", "str" };
	struct frame *r;
	r = frame_select(e, names, 2, &err);
	ok(r && r->nrow == 0 && r->ncol == 2, "empty: select");
	frame_unref(r);
	r = frame_drop(e, names, 2, &err);
	ok(r && r->ncol == 4, "empty: drop");
	frame_unref(r);
	const char *to[] = { "x", "y" };
	r = frame_rename(e, names, to, 2, &err);
	ok(r != NULL, "empty: rename");
	frame_unref(r);
	r = frame_head(e, 5);
	ok(r && r->nrow == 0, "empty: head");
	frame_unref(r);
	r = frame_tail(e, 5);
	ok(r && r->nrow == 0, "empty: tail");
	frame_unref(r);
	r = frame_take(e, NULL, 0, "take", "{}");
	ok(r && r->nrow == 0, "empty: take");
	frame_unref(r);
	r = frame_filter_mask(e, (const uint8_t *)"");
	ok(r && r->nrow == 0, "empty: filter_mask");
	frame_unref(r);
	struct sort_key keys[6];
	for (int k = 0; k < 6; k++)
		keys[k] = (struct sort_key){ col_kind_name((enum col_kind)k), k & 1 };
	r = frame_sort(e, keys, 6, &err);
	ok(r && r->nrow == 0, "empty: sort on every kind");
	frame_unref(r);
	struct frame *tr, *te;
	struct split_opts o = { .test = 0.3, .seed = 1 };
	ok(frame_split(e, &o, &tr, &te, &err) == 0 && tr->nrow == 0 && te->nrow == 0, "empty: split");
	frame_unref(tr);
	frame_unref(te);
	o.stratify = "cat";
	ok(frame_split(e, &o, &tr, &te, &err) == 0 && tr->nrow == 0 && te->nrow == 0, "empty: stratified split");
	frame_unref(tr);
	frame_unref(te);
	r = frame_sample(e, 0, 0, 1, &err);
	ok(r && r->nrow == 0, "empty: sample 0");
	frame_unref(r);
	ok(frame_sample(e, 1, 1, 1, &err) == NULL, "empty: sample with replacement of 1 row fails");
	frame_unref(e);
}

int main(void)
{
	struct frame *f = fixture();
	test_columns(f);
	test_rows(f);
	test_sort_small(f);
	test_sample(f);
	frame_unref(f);
	test_sort_big();
	test_split();
	test_empty();
	return tap_done();
}
