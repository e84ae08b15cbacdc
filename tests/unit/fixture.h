/*
 * fixture.h — column builders and the 6-row mixed-kind frame shared by the
 * frame_ops, expr and stats unit tests.
 */
#ifndef WB_TEST_FIXTURE_H
#define WB_TEST_FIXTURE_H

#include "core/column.h"
#include "core/frame.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static inline struct column *mk_int(const int64_t *v, const int *miss, size_t n)
{
	struct column *c = column_new(COL_INT, n);
	for (size_t i = 0; i < n; i++) {
		c->i64[i] = miss && miss[i] ? 0 : v[i];
		c->valid[i] = !(miss && miss[i]);
	}
	column_compact_valid(c);
	return c;
}

static inline struct column *mk_num(const double *v, size_t n)
{
	struct column *c = column_new(COL_NUM, n);
	memcpy(c->num, v, n * sizeof(double));
	return c;
}

static inline struct column *mk_cat(const char *const *levels, int32_t nl, const int32_t *codes, size_t n)
{
	char **lv = malloc((size_t)nl * sizeof(char *) + 1);
	for (int32_t l = 0; l < nl; l++)
		lv[l] = strdup(levels[l]);
	int32_t *cd = malloc(n * sizeof(int32_t) + 1);
	memcpy(cd, codes, n * sizeof(int32_t));
	return column_new_cat(n, cd, lv, nl);
}

static inline struct column *mk_bool(const int8_t *v, size_t n)
{
	struct column *c = column_new(COL_BOOL, n);
	memcpy(c->b, v, n);
	return c;
}

static inline struct column *mk_time(const char *const *s, size_t n)
{
	struct column *c = column_new(COL_TIME, n);
	for (size_t i = 0; i < n; i++) {
		c->valid[i] = s[i] != NULL;
		if (s[i] && parse_time(s[i], strlen(s[i]), &c->i64[i]) < 0)
			abort();
	}
	column_compact_valid(c);
	return c;
}

/*   Age  Income  Home      Job        Flag  Date        my col
 *   25   1000    rent      fixed      1     2020-01-01  1
 *   35   2500.5  own       partime    0     2021-06-15  2
 *   NA   1800    rent      NA         1     2019-12-31  3
 *   45   NaN     NA        fixed      NA    2022-03-01  4
 *   30   3000    mortgage  it's       0     NA          5
 *   35   2200    own       freelance  1     2021-06-15  6
 * Home's dictionary is deliberately not in sorted order. */
static inline struct frame *fixture(void)
{
	static const int64_t age[] = { 25, 35, 0, 45, 30, 35 };
	static const int agemiss[] = { 0, 0, 1, 0, 0, 0 };
	static const double inc[] = { 1000, 2500.5, 1800, NAN, 3000, 2200 };
	static const char *const lv[] = { "rent", "own", "mortgage" };
	static const int32_t home[] = { 0, 1, 0, -1, 2, 1 };
	static const char *const job[] = { "fixed", "partime", NULL, "fixed", "it's", "freelance" };
	static const int8_t flag[] = { 1, 0, 1, -1, 0, 1 };
	static const char *const date[] = { "2020-01-01", "2021-06-15", "2019-12-31", "2022-03-01", NULL, "2021-06-15" };
	static const double my[] = { 1, 2, 3, 4, 5, 6 };
	struct frame *f = frame_new(6);
	frame_add(f, "Age", mk_int(age, agemiss, 6), NULL);
	frame_add(f, "Income", mk_num(inc, 6), NULL);
	frame_add(f, "Home", mk_cat(lv, 3, home, 6), NULL);
	frame_add(f, "Job", column_from_strings(job, 6), NULL);
	frame_add(f, "Flag", mk_bool(flag, 6), NULL);
	frame_add(f, "Date", mk_time(date, 6), NULL);
	frame_add(f, "my col", mk_num(my, 6), NULL);
	frame_seal_content(f);
	return f;
}

#endif
