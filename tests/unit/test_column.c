/* Unit tests for column, frame, hash, strdict and rng. */
#include "tap.h"
#include "core/column.h"
#include "core/frame.h"
#include "core/hash.h"
#include "core/rng.h"
#include "core/strdict.h"

#include <stdlib.h>

static void test_format_roundtrip(void)
{
	const double vals[] = { 0.1, 1.0 / 3, 5.1, 1e300, -2.5e-300, 123456789012345678.0, 0.30000000000000004 };
	char buf[64];
	int okc = 1;
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		fmt_double(vals[i], buf, sizeof(buf));
		okc &= strtod(buf, NULL) == vals[i];
	}
	ok(okc, "fmt_double round-trips");
	fmt_double(0.1, buf, sizeof(buf));
	is_str(buf, "0.1", "fmt_double is short");
}

static void test_time(void)
{
	int64_t us;
	char buf[64];
	ok(parse_time("2024-02-29", 10, &us) == 0, "leap day parses");
	fmt_time(us, buf, sizeof(buf));
	is_str(buf, "2024-02-29", "date at midnight formats as a date");
	ok(parse_time("2023-02-29", 10, &us) < 0, "non-leap Feb 29 rejected");
	ok(parse_time("1970-01-01T00:00:01.5Z", 22, &us) == 0 && us == 1500000, "fractional seconds");
	ok(parse_time("1970-01-01 01:00:00+01:00", 25, &us) == 0 && us == 0, "offset applied");
	ok(parse_time("1969-12-31T23:59:59Z", 20, &us) == 0 && us == -1000000, "before epoch");
	fmt_time(-1000000, buf, sizeof(buf));
	is_str(buf, "1969-12-31T23:59:59Z", "formats before epoch");
	ok(parse_time("2024-1-02", 9, &us) < 0, "short month rejected");
}

static void test_frame_hash(void)
{
	struct frame *a = frame_new(3), *b = frame_new(3);
	struct column *ca = column_new(COL_NUM, 3), *cb = column_new(COL_NUM, 3);
	for (int i = 0; i < 3; i++)
		ca->num[i] = cb->num[i] = i * 0.5;
	ok(frame_add(a, "x", ca, NULL) == 0, "add column");
	frame_add(b, "x", cb, NULL);
	struct wb_err err;
	struct column *dup = column_new(COL_NUM, 3);
	ok(frame_add(a, "x", dup, &err) < 0, "duplicate name rejected");
	like(err.msg, "duplicate column name 'x'", "error names the column");
	frame_seal_content(a);
	frame_seal_content(b);
	ok(!memcmp(a->hash, b->hash, WB_HASH_LEN), "equal content, equal hash");

	const char *strs[] = { "b", NULL, "a" };
	struct column *s = column_from_strings(strs, 3);
	ok(column_is_missing(s, 1) && !column_is_missing(s, 0), "str missing");
	ok(column_cmp(s, 0, 2) > 0 && column_cmp(s, 1, 0) > 0, "str compare, missing last");
	size_t idx[] = { 2, SIZE_MAX };
	struct column *t = column_take(s, idx, 2);
	size_t len;
	is_str(column_get_text(t, 0, &len), "a", "take copies text");
	ok(column_is_missing(t, 1), "take SIZE_MAX is missing");
	column_unref(t);
	column_unref(s);
	frame_unref(a);
	frame_unref(b);
}

static void test_strdict_rng(void)
{
	struct strdict d;
	strdict_init(&d);
	int okc = 1;
	char buf[32];
	for (int i = 0; i < 1000; i++) {
		snprintf(buf, sizeof(buf), "k%d", i);
		okc &= strdict_intern(&d, buf, strlen(buf)) == i;
	}
	okc &= strdict_find(&d, "k500", 4) == 500 && strdict_find(&d, "zz", 2) == -1;
	ok(okc, "strdict interns and finds 1000 keys");
	strdict_release(&d);

	struct rng r1, r2;
	rng_derive(&r1, 42, "split");
	rng_derive(&r2, 42, "split");
	ok(rng_next(&r1) == rng_next(&r2), "same seed and label, same stream");
	rng_derive(&r2, 42, "sample");
	ok(rng_next(&r1) != rng_next(&r2), "another label, another stream");
	int inrange = 1;
	for (int i = 0; i < 1000; i++)
		inrange &= rng_below(&r1, 7) < 7;
	ok(inrange, "rng_below stays below n");
}

int main(void)
{
	test_format_roundtrip();
	test_time();
	test_frame_hash();
	test_strdict_rng();
	return tap_done();
}
