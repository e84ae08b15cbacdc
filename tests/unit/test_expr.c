/* Unit tests for the filter-condition language (core/expr, frame_filter_expr). */
#include "tap.h"
#include "fixture.h"
#include "core/column.h"
#include "core/expr.h"
#include "core/frame.h"
#include "core/frame_ops.h"

#include <stdlib.h>
#include <time.h>


/* The mask as "0101..", or "ERR: <message>". */
static const char *mask_of(const struct frame *f, const char *src)
{
	static char buf[2048];
	struct wb_err err = { { 0 } };
	uint8_t *m = malloc(f->nrow + 1);
	if (frame_eval_mask(f, src, m, &err) < 0) {
		snprintf(buf, sizeof(buf), "ERR: %s", err.msg);
	} else {
		for (size_t i = 0; i < f->nrow; i++)
			buf[i] = m[i] ? '1' : (m[i] == 0 ? '0' : '?');
		buf[f->nrow] = '\0';
	}
	free(m);
	return buf;
}

#define MASK(src, want) is_str(mask_of(f, src), want, "%s", src)
#define ERR(src, want) like(mask_of(f, src), want, "error: %s", src)

static void test_operators(struct frame *f)
{
	MASK("Age >= 30", "010111");
	MASK("Age > 30 and Home == 'own'", "010001");
	MASK("Age < 30 or Age > 40 and not Flag", "100100");
	MASK("(Age < 30 or Age > 40) and not Flag", "000100");
	MASK("not Age < 30 or Age > 40", "011111"); /* not binds looser than <; missing Age passes */
	MASK("Income * 2 - 1000 == 1000", "100000");
	MASK("Income / 1000 + 1 * 2 > 4", "010011");
	MASK("(Income - 500) * 2 >= 3000", "010011");
	MASK("-Income < -2000", "010011");
	MASK("Age + Income > 2500", "010010");
	MASK("Age = 35", "010001");
	MASK("Age != 35", "100110");
	MASK("Age < 35", "100010");
	MASK("Age <= 35", "110011");
	MASK("30 < Age", "010101");
	MASK("Age > 30.5", "010101");
	MASK("Age == 35.0", "010001");
	MASK("Age / 2 > 17", "010101");
	MASK("1 + 2 * 3 == 7", "111111");
	MASK("(1 + 2) * 3 == 7", "000000");
	MASK("Income > 1e3", "011011");
	MASK("Income == .5e4 - 2000", "000010");
	MASK("true", "111111");
	MASK("false or Age > 40", "000100");
	MASK("`my col` > 3", "000111");
	MASK("Age > 30 AND Age < 40", "010001");
	MASK("Age>=30 and Age<40", "010011");
	ERR("Age>=30and Age<40", "malformed number at 1:6");
}

static void test_missing(struct frame *f)
{
	MASK("not (Age > 30)", "101010");
	MASK("Age <= 30", "100010");
	MASK("Income != 1000", "011011");
	MASK("is_missing(Age)", "001000");
	MASK("not is_missing(Income)", "111011");
	MASK("is_missing(Home) or is_missing(Job)", "001100");
	MASK("is_missing(Flag)", "000100");
	MASK("is_missing(Date)", "000010");
	MASK("is_missing(`my col`)", "000000");
	MASK("Age + Income > 0", "110011");
	MASK("Home != 'rent'", "010011");
	MASK("Job != 'fixed'", "010011");
	MASK("Flag != true", "010010");
	MASK("Date != '2020-01-01'", "011101");
}

static void test_in(struct frame *f)
{
	MASK("Job in ('fixed', 'it''s')", "100110");
	MASK("Job not in ('fixed')", "010011");
	MASK("Home in ('own', \"mortgage\")", "010011");
	MASK("Home not in ('rent')", "010011");
	MASK("Home in ('nowhere')", "000000");
	MASK("Age in (25, 45)", "100100");
	MASK("Age not in (25, 45)", "010011");
	MASK("Income in (1000, -5)", "100000");
	MASK("Age * 2 in (50, 90)", "100100");
	MASK("Date in ('2021-06-15')", "010001");
	MASK("Job in ()", "000000");
	ERR("Age in ('a')", "cannot test int column 'Age' against a list of strings");
	ERR("Home in (1, 2)", "cannot test cat column 'Home' against a list of numbers");
	ERR("Age in (1, 'a')", "mixes numbers and strings");
	ERR("Age in 1", "expected '(' after 'in'");
}

static void test_text(struct frame *f)
{
	MASK("Job == \"it's\"", "000010");
	MASK("Job == 'it\\'s'", "000010");
	MASK("Job == 'fixed'", "100100");
	MASK("Job < 'g'", "100101");
	MASK("Job >= 'it'", "010010");
	MASK("Home == 'rent'", "101000");
	MASK("'rent' == Home", "101000");
	MASK("Home > 'own'", "101000");
	MASK("Home <= 'own'", "010011");
	MASK("Home == 'nothere'", "000000");
	MASK("Home == Job", "000000");
	MASK("Home != Job", "110011");
	MASK("Flag", "101001");
	MASK("Flag == true", "101001");
	MASK("Flag == false", "010010");
	MASK("true == Flag", "101001");
	MASK("Flag == Flag", "111011");
}

static void test_time(struct frame *f)
{
	MASK("Date >= '2021-01-01'", "010101");
	MASK("Date < '2020-01-01T00:00:01'", "101000");
	MASK("Date == '2021-06-15'", "010001");
	MASK("'2021-01-01' > Date", "101000");
	MASK("Date > '2021-06-15 12:00:00'", "000100");
	MASK("Date == Date", "111101");
	ERR("Date > 'soon'", "cannot read 'soon' as a time");
	ERR("Date > 5", "cannot compare time column 'Date' with a number at 1:6");
}

static void test_errors(struct frame *f)
{
	ERR("Age > (3", "filter: expected ')', found end of expression at 1:9 in \"Age > (3\"");
	ERR("Age >> 3", "expected a value, found '>' at 1:6");
	ERR("Job == 'abc", "unterminated string at 1:8");
	ERR("`Age > 3", "unterminated `name` at 1:1");
	ERR("Age $ 3", "unexpected character '$' at 1:5");
	ERR("Age > 3 4", "expected end of condition, found a number at 1:9");
	like(mask_of(f, "Age > 3\n and ("), "found end of expression at 2:7", "positions count lines");
	ERR("", "empty condition");
	ERR("   ", "empty condition");
	ERR("1 < Age < 3", "comparisons cannot be chained");
	ERR("Age ! 3", "unexpected '!'");
	ERR("3x > 1", "malformed number at 1:1");
	ERR("is_missing(3)", "is_missing takes a column name");
	ERR("Agee > 3", "filter: unknown column 'Agee' at 1:1 (did you mean 'Age'?)");
	ERR("age > 3", "did you mean 'Age'?");
	ERR("Age > 3 and Zzzzzz == 1", "filter: unknown column 'Zzzzzz' at 1:13");
	ERR("is_missing(Incme)", "unknown column 'Incme' at 1:12 (did you mean 'Income'?)");
	ERR("Home > 3", "filter: cannot compare cat column 'Home' with a number at 1:6");
	ERR("Age == 'x'", "cannot compare int column 'Age' with a string at 1:5");
	ERR("Income == true", "cannot compare num column 'Income' with true/false");
	ERR("Job == 3", "cannot compare str column 'Job' with a number");
	ERR("Home + 1 > 2", "cannot use cat column 'Home' in arithmetic at 1:1");
	ERR("Age + 'a' > 2", "cannot use a string in arithmetic at 1:7");
	ERR("Age", "expected a condition, found int column 'Age' at 1:1");
	ERR("Age + 1", "expected a condition, found a number");
	ERR("Age > 1 and 3", "expected a condition, found a number at 1:13");
	ERR("not Job", "expected a condition, found str column 'Job'");
	ERR("Flag < true", "cannot order bool column 'Flag'");
	ERR("Flag == 1", "cannot compare bool column 'Flag' with a number");
	ERR("1 == 'a'", "cannot compare a number with a string");
	ERR("(Age > 1) == true", "cannot compare a condition");
}

/* Many blocks: the block loop must agree with a plain scan. */
static void test_blocks(void)
{
	size_t n = 5000;
	double *x = malloc(n * sizeof(double));
	for (size_t i = 0; i < n; i++)
		x[i] = (i % 7 == 3) ? NAN : (double)i;
	struct frame *g = frame_new(n);
	frame_add(g, "x", mk_num(x, n), NULL);
	frame_seal_content(g);
	uint8_t *m = malloc(n);
	struct wb_err err;
	ok(frame_eval_mask(g, "x >= 1000 and x < 2500 or is_missing(x) and x != 4", m, &err) == 0,
	   "many-block condition compiles");
	int same = 1;
	for (size_t i = 0; i < n; i++) {
		int want = (x[i] >= 1000 && x[i] < 2500);
		same &= m[i] == want;
	}
	ok(same, "block-wise evaluation matches a row scan over %zu rows", n);

	struct frame *a = frame_filter_expr(g, "x >= 1000 and x < 2500", &err);
	struct frame *b = frame_filter_expr(g, "x < 2500 and 1000 <= x", &err);
	ok(a && b, "filter_expr builds frames");
	size_t want = 0;
	for (size_t i = 1000; i < 2500; i++)
		want += i % 7 != 3;
	is_int(a->nrow, want, "filter_expr keeps the matching rows");
	is_dbl(a->cols[0]->num[0], 1000, 0, "first kept row");
	ok(!memcmp(a->hash, b->hash, WB_HASH_LEN), "equivalent conditions select the same rows and hash alike");
	ok(frame_filter_expr(g, "y > 1", &err) == NULL, "filter_expr fails on an unknown column");
	like(err.msg, "filter: unknown column 'y'", "and says which");
	frame_unref(a);
	frame_unref(b);

	/* 1M rows: the vectorised path should be far under 100 ms. */
	size_t big = 1000000;
	double *y = malloc(big * sizeof(double));
	for (size_t i = 0; i < big; i++)
		y[i] = (double)(i * 2654435761u % 1000);
	struct frame *h = frame_new(big);
	frame_add(h, "y", mk_num(y, big), NULL);
	frame_seal_content(h);
	uint8_t *mm = malloc(big);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ok(frame_eval_mask(h, "y * 2 + 1 > 500 and y < 900 or y == 3", mm, &err) == 0, "1M-row condition");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	char msg[80];
	snprintf(msg, sizeof(msg), "eval of a 5-node condition over 1M rows: %.1f ms", ms);
	diag(msg);
	size_t cnt = 0, ref = 0;
	for (size_t i = 0; i < big; i++) {
		cnt += mm[i];
		ref += (y[i] * 2 + 1 > 500 && y[i] < 900) || y[i] == 3;
	}
	is_int(cnt, ref, "1M-row mask matches");
	free(mm);
	free(y);
	frame_unref(h);
	free(m);
	free(x);
	frame_unref(g);
}

static void test_empty(void)
{
	struct frame *e = frame_new(0);
	frame_add(e, "x", column_new(COL_NUM, 0), NULL);
	frame_add(e, "s", column_new(COL_STR, 0), NULL);
	frame_seal_content(e);
	uint8_t m[1];
	struct wb_err err;
	ok(frame_eval_mask(e, "x > 1 and s == 'a'", m, &err) == 0, "condition over 0 rows");
	struct frame *r = frame_filter_expr(e, "x > 1", &err);
	ok(r && r->nrow == 0 && r->ncol == 2, "filter of an empty frame is empty");
	frame_unref(r);
	frame_unref(e);
}

int main(void)
{
	struct frame *f = fixture();
	test_operators(f);
	test_missing(f);
	test_in(f);
	test_text(f);
	test_time(f);
	test_errors(f);
	frame_unref(f);
	test_blocks();
	test_empty();
	return tap_done();
}
