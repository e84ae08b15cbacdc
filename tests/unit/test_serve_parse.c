/*
 * test_serve_parse — what request bodies mean: serve_parse_csv and
 * serve_parse_json read the common shapes directly (fast paths) and must
 * give exactly what the general readers give (serve_parse_csv_general, the
 * CSV reader; serve_parse_json_general, jansson): the same frame, bit for
 * bit, or the same status and message.  Fixed cases pin the meaning; random
 * bodies built from tricky pieces cover the rest.  Parse times are
 * reported, not asserted.  (test_serve covers the server itself.)
 */
#include "tap.h"
#include "core/rng.h"
#include "core/strbuf.h"
#include "ship/serve.h"
#include "ship/serve_fast.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct rng fuzz_rng;

static double urand(void)
{
	return rng_uniform(&fuzz_rng);
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* Whether two parses agree: both errors with the same status and message,
 * or frames with the same names, kinds, content hash and num bits.  Frees
 * both frames; why says how they differ. */
static int same_outcome(struct frame *f1, int s1, const struct wb_err *e1, struct frame *f2,
			int s2, const struct wb_err *e2, char *why, size_t wsz)
{
	int good = 1;
	if (!f1 || !f2) {
		good = !f1 && !f2 && s1 == s2 && !strcmp(e1->msg, e2->msg);
		snprintf(why, wsz, "got %s %d '%.200s', want %s %d '%.200s'", f1 ? "a frame" : "error",
			 s1, f1 ? "" : e1->msg, f2 ? "a frame" : "error", s2, f2 ? "" : e2->msg);
	} else {
		unsigned char h1[WB_HASH_LEN], h2[WB_HASH_LEN];
		frame_content_hash(f1, h1);
		frame_content_hash(f2, h2);
		good = f1->nrow == f2->nrow && f1->ncol == f2->ncol && !memcmp(h1, h2, sizeof(h1));
		for (int j = 0; good && j < f1->ncol; j++) {
			good = f1->cols[j]->kind == f2->cols[j]->kind &&
			       !strcmp(f1->names[j], f2->names[j]);
			if (good && f1->cols[j]->kind == COL_NUM)
				good = !memcmp(f1->cols[j]->num, f2->cols[j]->num,
					       f1->nrow * sizeof(double));
		}
		snprintf(why, wsz, "frames differ (%zu and %zu rows)", f1->nrow, f2->nrow);
	}
	frame_unref(f1);
	frame_unref(f2);
	return good;
}

/* ---------------------------------------------------------------- CSV bodies
 *
 * serve_parse_csv reads small bodies with its own parser; the reference is
 * serve_parse_csv_general, what `wb predict` does with a file: csv_read_mem
 * with the schema's kinds forced, after a missing-column check on the
 * header.  Every body below must give the same status, the same message, or
 * the same frame (content hash, and num bits exactly).  The cases pin the
 * meaning too (expected frames and messages), so a change to the reference
 * itself shows. */

static char csv_a[] = "a", csv_b[] = "b", csv_c[] = "c", csv_d[] = "d", csv_e[] = "e",
	    csv_t[] = "t";
static char *csv_names[] = { csv_a, csv_b, csv_c, csv_d, csv_e, csv_t };
static enum col_kind csv_kinds[] = { COL_NUM, COL_INT, COL_CAT, COL_STR, COL_BOOL, COL_TIME };
static const struct serve_schema csv_sc = { 6, csv_names, csv_kinds };

/* Same outcome from serve_parse_csv and the reference; why says how not. */
static int csv_same(const struct serve_schema *sc, const char *body, size_t len,
		    size_t max_rows, char *why, size_t wsz)
{
	struct wb_err e1, e2;
	int s1 = 0, s2 = 0;
	memset(&e1, 0, sizeof(e1));
	memset(&e2, 0, sizeof(e2));
	struct frame *f1 = serve_parse_csv(sc, body, len, max_rows, &s1, &e1);
	struct frame *f2 = serve_parse_csv_general(sc, body, len, max_rows, &s2, &e2);
	return same_outcome(f1, s1, &e1, f2, s2, &e2, why, wsz);
}

static void csv_case(const char *body, const char *name)
{
	char why[1200];
	if (!ok(csv_same(&csv_sc, body, strlen(body), 100, why, sizeof(why)), "csv: %s", name))
		printf("#   %s\n#   body: %s\n", why, body);
}

/* The error message for body, or "" when it parses. */
static void csv_error(const char *body, const char *needle, const char *name)
{
	struct wb_err err;
	int status = 0;
	memset(&err, 0, sizeof(err));
	struct frame *f = serve_parse_csv(&csv_sc, body, strlen(body), 100, &status, &err);
	ok(!f && status == 400, "csv: %s: 400", name);
	like(f ? "" : err.msg, needle, "csv: %s: message", name);
	frame_unref(f);
	csv_case(body, name);
}

static void test_csv_cases(void)
{
	const char *H = "a,b,c,d,e,t\n";
	char body[512];
#define CASE(rows, name) (snprintf(body, sizeof(body), "%s%s", H, rows), csv_case(body, name))
	CASE("1.5,2,x,y,true,2024-01-02\n", "one row of every kind");
	CASE("1.5,2,x,y,true,2024-01-02", "no final newline");
	CASE("1.5,2,x,y,true,2024-01-02\r\n-0,-7,x,z,False,2024-01-02T03:04:05.25Z\r\n",
	     "CRLF line ends");
	CASE("1,2,x,y,TRUE,2024-01-02\r", "a final lone CR");
	CASE("\"1.5\",\"2\",\"x,y\",\"say \"\"hi\"\"\",\"True\",\"2024-01-02 03:04\"\n",
	     "quoted fields: numbers, a comma, doubled quotes");
	CASE("1,2,\"two\nlines\",\"cr\r\nlf\",false,2024-01-02\n3,4,x,y,true,2024-01-03\n",
	     "quoted newlines");
	CASE(",,,,,\nNA,NA,NA,NA,NA,NA\nN/A,N/A,N/A,N/A,N/A,N/A\nNaN,NaN,NaN,NaN,NaN,NaN\n"
	     "null,null,null,null,null,null\n", "missing spellings: '', NA, N/A, NaN, null");
	CASE("1,2,\"NA\",\"\",true,2024-01-02\n", "quoted NA and \"\" are text");
	CASE("1,2,NA,x,true,2024-01-02\n2,3,NA,y,false,2024-01-02\n", "cat all missing but one");
	CASE("inf,1,x,y,true,2024-01-02\n-Infinity,9223372036854775807,x,y,true,2024-01-02\n"
	     "99999999999999999999,-9223372036854775808,x,y,true,2024-01-02\n"
	     "0.1e-400,0,x,y,true,2024-01-02\n1.7976931348623157e308,0,x,y,true,2024-01-02\n"
	     "2.2250738585072011e-308,0,x,y,true,2024-01-02\n123456789012345678901234567890e-30,"
	     "0,x,y,true,2024-01-02\n", "numbers at the edges parse bit-identically");
	CASE("1,2,x,y,true,2024-01-02\n\n\r\n3,4,x,y,true,2024-01-02\n\n", "blank lines skipped");
	CASE("\xEF\xBB\xBF", "BOM only");
	CASE("1,2,S\xC3\xA3o Paulo,\xE2\x82\xAC,true,2024-01-02\n", "UTF-8 text");
	CASE("1,2,\xF0\x9F\x98\x80,\xF4\x8F\xBF\xBF,true,2024-01-02\n", "4-byte UTF-8");
	CASE("1,2,\xC0\x80,y,true,2024-01-02\n", "overlong UTF-8 is an error");
	CASE("1,2,\xED\xA0\x80,y,true,2024-01-02\n", "a UTF-16 surrogate is an error");
	CASE("1,2,x,\xE2\x82,true,2024-01-02\n", "truncated UTF-8 is an error");
	CASE("1,2,x,\xF4\x90\x80\x80,true,2024-01-02\n", "past U+10FFFF is an error");
	csv_case("t,e,d,c,b,a,extra\n2024-01-02,true,y,x,2,1.5,whatever\n", "columns reordered");
	csv_case("z,a,b,c,d,e,t,a\n\"q\",1,2,x,y,true,2024-01-02,oops\n",
		 "extra columns and a repeated name are ignored");
	csv_case("\"a\",\"b\",c,d,e,t\r\n1,2,x,y,true,2024-01-02\r\n", "quoted header, CRLF");
	csv_case("a,b,c,d,e,t", "header only");
	csv_case("a,b,c,d,e,t\n", "header and newline only");
	csv_case("a,,b,c,d,e,t,column_2\n1,,2,x,y,true,2024-01-02,\n", "an empty header name");

	/* Errors: the reader's messages, naming line and field. */
	csv_error("", "missing column 'a'", "empty body");
	csv_error("a,b,c,d,e\n1,2,x,y,true\n", "missing column 't'", "missing column");
	snprintf(body, sizeof(body), "%s1,2,x,y,true,2024-01-02\nabc,2,x,y,true,2024-01-02\n", H);
	csv_error(body, "text/csv:3:1: cannot read 'abc' as num (column 'a')", "bad number");
	snprintf(body, sizeof(body), "%s1,2.5,x,y,true,2024-01-02\n", H);
	csv_error(body, "text/csv:2:2: cannot read '2.5' as int (column 'b')", "non-integral int");
	snprintf(body, sizeof(body), "%s1,99999999999999999999,x,y,true,2024-01-02\n", H);
	csv_error(body, "text/csv:2:2: value '99999999999999999999' out of range", "int range");
	snprintf(body, sizeof(body), "%s1,2,x,y,1,2024-01-02\n", H);
	csv_error(body, "text/csv:2:5: cannot read '1' as bool", "bool from 1");
	snprintf(body, sizeof(body), "%s1,2,x,y,true,2024-13-02\n", H);
	csv_error(body, "text/csv:2:6: cannot read '2024-13-02' as time", "bad date");
	snprintf(body, sizeof(body), "%s\"NA\",2,x,y,true,2024-01-02\n", H);
	csv_error(body, "text/csv:2:1: cannot read 'NA' as num", "quoted NA in a number column");
	snprintf(body, sizeof(body), "%s\"1\"\"\",2,x,y,true,2024-01-02\n", H);
	csv_error(body, "text/csv:2:1: cannot read", "doubled quote in a number column");
	snprintf(body, sizeof(body), "%s 1,2,x,y,true,2024-01-02\n", H);
	csv_error(body, "cannot read ' 1' as num", "spaces are not trimmed");
	snprintf(body, sizeof(body), "%s1,2,x,y,true\n", H);
	csv_error(body, "text/csv:2:6: expected 6 fields, found 5", "short row");
	snprintf(body, sizeof(body), "%s1,2,x,y,true,2024-01-02,\n", H);
	csv_error(body, "text/csv:2:7: expected 6 fields, found 7", "extra field");
	snprintf(body, sizeof(body), "%s1,2,x\"x,y,true,2024-01-02\n", H);
	csv_error(body, "text/csv:2:3: unexpected quote in unquoted field", "quote inside");
	snprintf(body, sizeof(body), "%s1,2,\"x\"x,y,true,2024-01-02\n", H);
	csv_error(body, "text/csv:2:3: unexpected text after closing quote", "text after quote");
	snprintf(body, sizeof(body), "%s1,2,x,\"y,true,2024-01-02\n", H);
	csv_error(body, "text/csv:2:4: unterminated quote", "unterminated quote");
	snprintf(body, sizeof(body), "%s1,2,\xff,y,true,2024-01-02\n", H);
	csv_error(body, "text/csv:2:3: invalid utf-8", "invalid UTF-8");
	snprintf(body, sizeof(body), "%s1\r2,2,x,y,true,2024-01-02\n", H);
	csv_error(body, "cannot read '1\r2' as num", "a lone CR is field text");
#undef CASE

	/* 413 after the body parsed, as before; a parse error wins over it. */
	char why[1200];
	const char *three = "a,b,c,d,e,t\n1,2,x,y,true,2024-01-02\n1,2,x,y,true,2024-01-02\n"
			    "1,2,x,y,true,2024-01-02\n";
	ok(csv_same(&csv_sc, three, strlen(three), 2, why, sizeof(why)), "csv: 3 rows over 2: 413");
	const char *bad3 = "a,b,c,d,e,t\n1,2,x,y,true,2024-01-02\n1,2,x,y,true,2024-01-02\n"
			   "1,2,x,y,true,20240102\n";
	ok(csv_same(&csv_sc, bad3, strlen(bad3), 2, why, sizeof(why)),
	   "csv: a bad value beyond max_rows is still reported as such");
}

/* Random bodies from tricky pieces: every one must match the reference. */
static void test_csv_fuzz(void)
{
	static const char *const pieces[] = {
		"", "NA", "N/A", "NaN", "null", "\"NA\"", "\"\"", "1", "-0", "+3", "1.5", ".5",
		"5.", "1e3", "1E-2", "inf", "-Infinity", "nan", "0x10", "1e", "007",
		"99999999999999999999", "9223372036854775808", "\"2\"", "abc", "x", "y",
		"\"x,y\"", "\"a\"\"b\"", "\"two\nlines\"", "\"cr\r\nlf\"", "true", "False", "TRUE",
		"tRue", "2024-01-02", "2024-01-02T03:04:05Z", "2024-02-30", "2024-01-02 03:04",
		" 1", "1 ", "S\xC3\xA3o", "\xff", "\"open", "\"q\"x", "a\"b", "1\r2", "\r",
	};
	const size_t np = sizeof(pieces) / sizeof(pieces[0]);
	static const char *const good_piece[6][3] = {
		{ "1.25", "-3", "" }, { "4", "-2", "NA" }, { "x", "\"y z\"", "null" },
		{ "s", "\"t,u\"", "" }, { "true", "False", "" }, { "2024-05-06", "2020-02-29", "" },
	};
	char why[1200];
	int bad_n = 0, errors = 0;
	rng_seed(&fuzz_rng, 7);
	for (int it = 0; it < 3000; it++) {
		struct strbuf sb = STRBUF_INIT;
		const char *nl = urand() < 0.5 ? "\n" : "\r\n";
		int perm[8], ncol = 6;
		for (int j = 0; j < 6; j++)
			perm[j] = j;
		for (int j = 5; j > 0; j--) {
			int k = (int)(urand() * (j + 1)), t = perm[j];
			perm[j] = perm[k];
			perm[k] = t;
		}
		if (urand() < 0.3)
			perm[ncol++] = -1;   /* an extra column */
		if (urand() < 0.03)
			ncol--;              /* maybe a missing one */
		if (urand() < 0.05)
			strbuf_adds(&sb, "\xEF\xBB\xBF");
		for (int j = 0; j < ncol; j++) {
			const char *nm = perm[j] < 0 ? "extra" : csv_names[perm[j]];
			strbuf_addf(&sb, urand() < 0.1 ? "%s\"%s\"" : "%s%s", j ? "," : "", nm);
		}
		int rows = 1 + (int)(urand() * 4);
		double wild = urand() < 0.5 ? 0 : 0.08;
		for (int i = 0; i < rows; i++) {
			strbuf_adds(&sb, nl);
			if (urand() < 0.05)
				strbuf_adds(&sb, nl);   /* a blank line */
			int nf = ncol + (urand() < 0.02 ? (urand() < 0.5 ? -1 : 1) : 0);
			for (int j = 0; j < nf; j++) {
				const char *v;
				if (j < ncol && perm[j] >= 0 && urand() >= wild)
					v = good_piece[perm[j]][(int)(urand() * 3)];
				else
					v = pieces[(size_t)(urand() * (double)np)];
				strbuf_addf(&sb, "%s%s", j ? "," : "", v);
			}
		}
		if (urand() < 0.5)
			strbuf_adds(&sb, nl);
		struct wb_err e;
		int st;
		struct frame *f = serve_parse_csv_general(&csv_sc, sb.buf, sb.len, 100, &st, &e);
		errors += !f;
		frame_unref(f);
		if (!csv_same(&csv_sc, sb.buf, sb.len, 100, why, sizeof(why)) && bad_n++ < 3)
			printf("#   %s\n#   body: %s\n", why, sb.buf);
		strbuf_release(&sb);
	}
	is_int(bad_n, 0, "csv: 3000 random bodies (%d of them errors) match the general reader",
	       errors);
}

/* Parse time per single-row body, new path against the general reader;
 * reported, not asserted. */
static void bench_csv_parse(void)
{
	const char *body = "a,b,c,d,e,t\n1.25,4,x,s,true,2024-05-06\n";
	size_t len = strlen(body);
	double t[2];
	for (int k = 0; k < 2; k++) {
		int n = 20000, st;
		struct wb_err e;
		double t0 = now_s();
		for (int i = 0; i < n; i++)
			frame_unref(k ? serve_parse_csv_general(&csv_sc, body, len, 100, &st, &e)
				      : serve_parse_csv(&csv_sc, body, len, 100, &st, &e));
		t[k] = (now_s() - t0) / n * 1e6;
	}
	printf("# single-row text/csv parse: %.2f us (general reader %.2f us)\n", t[0], t[1]);
}

/* ---------------------------------------------------------------- JSON bodies
 *
 * serve_parse_json reads the common shapes itself (serve_json_fast.c); the
 * reference is serve_parse_json_general, jansson and the grid.  As for CSV,
 * every body must give the same status and message, or the same frame
 * (content hash, num bits exactly) and the same proba flag.  The schema is
 * csv_sc: a num, b int, c cat, d str, e bool, t time. */

static int json_fast_taken, json_bodies;

static int json_same(const struct serve_schema *sc, const char *body, size_t len,
		     size_t max_rows, char *why, size_t wsz)
{
	struct wb_err e1, e2;
	int s1 = 0, s2 = 0, p1 = 0, p2 = 0, pf = 0;
	memset(&e1, 0, sizeof(e1));
	memset(&e2, 0, sizeof(e2));
	struct frame *ff = NULL;
	json_bodies++;
	if (serve_json_fast(sc, body, len, max_rows, &ff, &pf) == FAST_OK)
		json_fast_taken++;
	frame_unref(ff);
	struct frame *f1 = serve_parse_json(sc, body, len, max_rows, &p1, &s1, &e1);
	struct frame *f2 = serve_parse_json_general(sc, body, len, max_rows, &p2, &s2, &e2);
	if (f1 && f2 && p1 != p2) {
		snprintf(why, wsz, "proba %d and %d", p1, p2);
		frame_unref(f1);
		frame_unref(f2);
		return 0;
	}
	return same_outcome(f1, s1, &e1, f2, s2, &e2, why, wsz);
}

static void json_case(const char *body, const char *name)
{
	char why[1200];
	if (!ok(json_same(&csv_sc, body, strlen(body), 100, why, sizeof(why)), "json: %s", name))
		printf("#   %s\n#   body: %s\n", why, body);
}

/* body parses (the fast path took it) and column col, row 0, is num v. */
static void json_num_bits(const char *body, int col, double v, const char *name)
{
	struct wb_err e;
	int st = 0, pr = 0;
	struct frame *f = NULL;
	int fast = serve_json_fast(&csv_sc, body, strlen(body), 100, &f, &pr) == FAST_OK;
	const struct column *c = f ? f->cols[col] : NULL;
	double got = !c ? NAN : c->kind == COL_NUM ? c->num[0] : (double)c->i64[0];
	ok(fast && !memcmp(&got, &v, sizeof(v)), "json: %s: %.17g (fast path %d)", name, got, fast);
	frame_unref(f);
	f = serve_parse_json_general(&csv_sc, body, strlen(body), 100, &pr, &st, &e);
	json_case(body, name);
	frame_unref(f);
}

#define JROW "\"b\":2,\"c\":\"x\",\"d\":\"y\",\"e\":true,\"t\":\"2024-01-02\""
#define JSPLIT(cols, rows) "{\"dataframe_split\":{\"columns\":" cols ",\"data\":" rows "}}"
#define JCOLS "[\"a\",\"b\",\"c\",\"d\",\"e\",\"t\"]"

static void test_json_cases(void)
{
	char why[1200];
	/* Every format, and whether the fast path takes it. */
	static const char *const common[] = {
		JSPLIT(JCOLS, "[[1.5,2,\"x\",\"y\",true,\"2024-01-02\"]]"),
		"{\"dataframe_split\":{\"data\":[[1.5,2,\"x\",\"y\",true,\"2024-01-02\"]]}}",
		"{\"dataframe_split\":{\"data\":[[1.5,2,\"x\",\"y\",true,\"2024-01-02\"]],"
		"\"index\":[0],\"columns\":" JCOLS "}}",
		"{\"dataframe_records\":[{\"a\":1.5," JROW "},{\"t\":null,\"a\":-1}]}",
		"{\"instances\":[{\"a\":1.5," JROW "}]}",
		"{\"instances\":[[1.5,2,\"x\",\"y\",true,\"2024-01-02\"],[null,null,null,null,null,"
		"null]]}",
		"{\"inputs\":[{\"a\":1.5," JROW "}]}",
		"{\"inputs\":[[1.5,2,\"x\",\"y\",true,\"2024-01-02\"]]}",
		" \r\n\t{ \"params\" : { \"proba\" : true , \"other\" : [ {} , [ ] ] } , "
		"\"dataframe_records\" : [ { \"a\" : 1 , " JROW " , \"z\" : { \"q\" : [1] } } ] } \n",
		"{\"dataframe_split\":{\"columns\":[\"t\",\"e\",\"zz\",\"d\",\"c\",\"b\",\"a\",\"a\"],"
		"\"data\":[[\"2024-01-02\",1,{\"n\":[]},3,4.5,\"6\",\"7\",\"ignored\"]]}}",
		"{\"dataframe_records\":[]}",
		"{\"instances\":[]}",
		JSPLIT(JCOLS, "[]"),
		"{\"params\":{\"proba\":1},\"dataframe_records\":[{\"a\":1," JROW "}]}",
		"{\"params\":{\"proba\":0},\"dataframe_records\":[{\"a\":1," JROW "}]}",
		"{\"params\":{},\"dataframe_records\":[{\"a\":1," JROW "}]}",
		"{\"dataframe\\u005fsplit\":{\"columns\":[\"\\u0061\",\"b\",\"c\",\"d\",\"e\",\"t\"],"
		"\"data\":[[1,2,\"\\u00e9\\ud83d\\ude00\\\"\\\\\\/\\b\\f\\n\\r\\t\",\"S\xC3\xA3o\","
		"\"true\",\"2024-01-02T03:04:05Z\"]]}}",
	};
	for (size_t k = 0; k < sizeof(common) / sizeof(common[0]); k++) {
		char name[64];
		snprintf(name, sizeof(name), "common shape %zu", k + 1);
		json_case(common[k], name);
		struct frame *f = NULL;
		int pr = 0;
		ok(serve_json_fast(&csv_sc, common[k], strlen(common[k]), 100, &f, &pr) == FAST_OK,
		   "json: common shape %zu takes the fast path", k + 1);
		frame_unref(f);
	}

	/* Numbers, bit for bit (column a is num, b int). */
#define NUM1(v) JSPLIT("[\"a\",\"b\",\"c\",\"d\",\"e\",\"t\"]", "[[" v ",1,null,null,null,null]]")
#define INT1(v) JSPLIT("[\"a\",\"b\",\"c\",\"d\",\"e\",\"t\"]", "[[0," v ",null,null,null,null]]")
	json_num_bits(NUM1("-0"), 0, 0.0, "-0 is the integer 0");
	json_num_bits(NUM1("-0.0"), 0, -0.0, "-0.0 is negative zero");
	json_num_bits(NUM1("1e308"), 0, 1e308, "1e308");
	json_num_bits(NUM1("1e-320"), 0, 1e-320, "1e-320 (subnormal)");
	json_num_bits(NUM1("4.9e-324"), 0, 4.9e-324, "the least subnormal");
	json_num_bits(NUM1("1e-400"), 0, 0.0, "underflow to zero is not an error");
	json_num_bits(NUM1("9007199254740993"), 0, 9007199254740992.0,
		      "2^53 + 1 as an integer rounds to even");
	json_num_bits(NUM1("9007199254740993.0"), 0, 9007199254740992.0, "2^53 + 1 as a real");
	json_num_bits(NUM1("0.30000000000000004"), 0, 0.30000000000000004, "17 digits");
	json_num_bits(NUM1("1.7976931348623157e308"), 0, 1.7976931348623157e308, "DBL_MAX");
	json_num_bits(NUM1("123456789012345678901234567890e-30"), 0, 0.12345678901234568,
		      "30 digits");
	json_num_bits(NUM1("\"2.5e3\""), 0, 2500.0, "numeric text");
	json_num_bits(INT1("9007199254740993"), 1, 9007199254740993.0, "an int column keeps 2^53+1");
	json_num_bits(INT1("1.0"), 1, 1.0, "1.0 in an int column");
	json_num_bits(INT1("\"-12\""), 1, -12.0, "integer text in an int column");
	json_num_bits(INT1("-9223372036854775808"), 1, -9223372036854775808.0, "INT64_MIN");
	static const char *const numbad[] = {
		NUM1("1e309"), NUM1("-1e400"), NUM1("01"), NUM1("-"), NUM1("1."), NUM1(".5"),
		NUM1("1e"), NUM1("+1"), NUM1("0x10"), NUM1("1e99999999999999999999"), NUM1("NaN"),
		NUM1("Infinity"), NUM1("true"), NUM1("\"abc\""), NUM1("[1]"), NUM1("{}"),
		INT1("9223372036854775808"), INT1("-9223372036854775809"), INT1("1.5"),
		INT1("1e19"), INT1("99999999999999999999"), INT1("\"1.5\""),
	};
	for (size_t k = 0; k < sizeof(numbad) / sizeof(numbad[0]); k++) {
		char name[64];
		snprintf(name, sizeof(name), "bad number %zu", k + 1);
		json_case(numbad[k], name);
	}

	/* Structure and type errors: the general path's messages. */
	static const char *const errs[] = {
		"", "   ", "[]", "null", "{}", "{\"dataframe_split\":1}", "\xEF\xBB\xBF{}",
		JSPLIT(JCOLS, "[[1,2,\"x\",\"y\",true,\"2024-01-02\"]]") " x",
		JSPLIT(JCOLS, "[[1,2,\"x\",\"y\",true,\"2024-01-02\"]]") "{}",
		JSPLIT(JCOLS, "[[1,2,\"x\",\"y\",true,\"2024-01-02\"],]"),
		JSPLIT(JCOLS, "[[1,2,\"x\",\"y\",true]]"),
		JSPLIT(JCOLS, "[[1,2,\"x\",\"y\",true,\"2024-01-02\",7]]"),
		JSPLIT(JCOLS, "[1]"), JSPLIT(JCOLS, "{}"), JSPLIT("\"a\"", "[]"),
		JSPLIT("[\"a\",\"b\",\"c\",\"d\",\"e\"]", "[[1,2,\"x\",\"y\",true]]"),
		JSPLIT("[\"a\",\"b\",\"c\",\"d\",\"e\",7]", "[[1,2,\"x\",\"y\",true,1]]"),
		JSPLIT(JCOLS, "[[1,2,[\"x\"],\"y\",true,\"2024-01-02\"]]"),
		JSPLIT(JCOLS, "[[1,2,\"x\",{},true,\"2024-01-02\"]]"),
		JSPLIT(JCOLS, "[[1,2,\"x\",\"y\",\"yes\",\"2024-01-02\"]]"),
		JSPLIT(JCOLS, "[[1,2,\"x\",\"y\",2,\"2024-01-02\"]]"),
		JSPLIT(JCOLS, "[[1,2,\"x\",\"y\",0.0,\"2024-01-02\"]]"),
		JSPLIT(JCOLS, "[[1,2,\"x\",\"y\",\"1\",\"2024-01-02\"]]"),
		JSPLIT(JCOLS, "[[1,2,\"x\",\"y\",true,\"2024-13-02\"]]"),
		JSPLIT(JCOLS, "[[1,2,\"x\",\"y\",true,20240102]]"),
		JSPLIT(JCOLS, "[[1,2,\"x\\u0000\",\"y\",true,\"2024-01-02\"]]"),
		JSPLIT(JCOLS, "[[1,2,\"\\ud800\",\"y\",true,\"2024-01-02\"]]"),
		JSPLIT(JCOLS, "[[1,2,\"\\ud800\\u0041\",\"y\",true,\"2024-01-02\"]]"),
		JSPLIT(JCOLS, "[[1,2,\"\\udc00\",\"y\",true,\"2024-01-02\"]]"),
		JSPLIT(JCOLS, "[[1,2,\"\\x\",\"y\",true,\"2024-01-02\"]]"),
		JSPLIT(JCOLS, "[[1,2,\"\\u12g4\",\"y\",true,\"2024-01-02\"]]"),
		JSPLIT(JCOLS, "[[1,2,\"tab\there\",\"y\",true,\"2024-01-02\"]]"),
		JSPLIT(JCOLS, "[[1,2,\"\xff\",\"y\",true,\"2024-01-02\"]]"),
		JSPLIT(JCOLS, "[[1,2,\"\xC0\x80\",\"y\",true,\"2024-01-02\"]]"),
		JSPLIT(JCOLS, "[[1,2,\"x\0y\",\"y\",true,\"2024-01-02\"]]"),
		JSPLIT(JCOLS, "[[1,2,\"unterminated]]}}"),
		JSPLIT(JCOLS, "[[tru,2,\"x\",\"y\",true,\"2024-01-02\"]]"),
		JSPLIT(JCOLS, "[[nul,2,\"x\",\"y\",true,\"2024-01-02\"]]"),
		JSPLIT(JCOLS, "[[1,2,\"x\",\"y\",truex,\"2024-01-02\"]]"),
		"{\"dataframe_split\":{\"columns\":" JCOLS ",\"columns\":" JCOLS ",\"data\":[]}}",
		"{\"dataframe_split\":{\"columns\":" JCOLS "}}",
		"{\"dataframe_split\":{\"columns\":" JCOLS ",\"data\":[],\"data\":[[1,2,\"x\",\"y\","
		"true,\"2024-01-02\"]]}}",
		"{\"dataframe_split\":{\"data\":[[1,2,\"x\",\"y\",true,\"2024-01-02\"]]},"
		"\"dataframe_split\":{\"data\":[[9,9,\"z\",\"z\",false,\"2024-01-03\"]]}}",
		"{\"dataframe_records\":[{\"a\":1," JROW "}],\"instances\":[]}",
		"{\"dataframe_records\":[{\"a\":1," JROW "}],\"extra\":1}",
		"{\"dataframe_records\":[{\"a\":1," JROW "}],\"params\":{\"proba\":\"yes\"}}",
		"{\"dataframe_records\":[{\"a\":1," JROW "}],\"params\":{\"proba\":1.0}}",
		"{\"dataframe_records\":[{\"a\":1," JROW "}],\"params\":{\"proba\":null}}",
		"{\"dataframe_records\":[{\"a\":1," JROW "}],\"params\":[]}",
		"{\"dataframe_records\":[{\"a\":1," JROW "}],\"params\":{\"proba\":false,"
		"\"proba\":true}}",
		"{\"dataframe_records\":[{\"a\":1," JROW ",\"a\":2}]}",
		"{\"dataframe_records\":[{\"a\":1," JROW ",\"z\":1,\"z\":2}]}",
		"{\"dataframe_records\":[{" JROW "}]}",
		"{\"dataframe_records\":[{\"a\":null," JROW "},{\"a\":1}]}",
		"{\"dataframe_records\":[{\"a\":1," JROW "},[1,2,\"x\",\"y\",true,\"2024-01-02\"]]}",
		"{\"dataframe_records\":[[1,2,\"x\",\"y\",true,\"2024-01-02\"]]}",
		"{\"dataframe_records\":{}}",
		"{\"instances\":[1,2]}",
		"{\"instances\":[[1,2,\"x\",\"y\",true,\"2024-01-02\"],{\"a\":1}]}",
		"{\"inputs\":{\"a\":[1],\"b\":[2],\"c\":[\"x\"],\"d\":[\"y\"],\"e\":[true],"
		"\"t\":[\"2024-01-02\"]}}",
		"{\"inputs\":{\"a\":[1,2],\"b\":[2],\"c\":[\"x\"],\"d\":[\"y\"],\"e\":[true],"
		"\"t\":[\"2024-01-02\"]}}",
		"{\"inputs\":7}",
		"{\"params\":{\"proba\":true}}",
		"{\"dataframe_records\":[{\"a\":1," JROW "}]",
		"{\"dataframe_records\":[{\"a\":1," JROW "}]}}",
		"{\"dataframe_records\":[{\"a\":1," JROW ",}]}",
		"{'dataframe_records':[]}",
	};
	for (size_t k = 0; k < sizeof(errs) / sizeof(errs[0]); k++) {
		char name[64];
		snprintf(name, sizeof(name), "odd body %zu", k + 1);
		if (!ok(json_same(&csv_sc, errs[k], strlen(errs[k]), 100, why, sizeof(why)),
			"json: %s", name))
			printf("#   %s\n#   body: %s\n", why, errs[k]);
	}
	/* A NUL inside the body (strlen would stop at it). */
	static const char nul_body[] = JSPLIT(JCOLS, "[[1,2,\"x\0y\",\"y\",true,\"2024-01-02\"]]");
	ok(json_same(&csv_sc, nul_body, sizeof(nul_body) - 1, 100, why, sizeof(why)),
	   "json: a raw NUL in a string");

	/* Too many rows: 413, in every row format. */
	static const char *const many[] = {
		JSPLIT(JCOLS, "[[1,2,\"x\",\"y\",true,\"2024-01-02\"],[1,2,\"x\",\"y\",true,"
		"\"2024-01-02\"],[1,2,\"x\",\"y\",true,\"2024-01-02\"]]"),
		"{\"dataframe_records\":[{\"a\":1},{\"a\":2},{\"a\":3}]}",
		"{\"instances\":[[1,2,\"x\",\"y\",true,\"2024-01-02\"],[1,2,\"x\",\"y\",true,"
		"\"2024-01-02\"],[1,2,\"x\",\"y\",true,\"2024-01-02\"]]}",
	};
	for (size_t k = 0; k < 3; k++) {
		struct wb_err e;
		int st = 0, pr = 0;
		struct frame *f = serve_parse_json(&csv_sc, many[k], strlen(many[k]), 2, &pr, &st, &e);
		ok(!f && st == 413 && strstr(e.msg, "too many rows: 3"), "json: 3 rows over 2: 413 (%zu)",
		   k + 1);
		frame_unref(f);
		ok(json_same(&csv_sc, many[k], strlen(many[k]), 2, why, sizeof(why)),
		   "json: 413 as the reference (%zu)", k + 1);
	}
}

/* Random bodies from tricky pieces: every one must match the reference. */
static void test_json_fuzz(void)
{
	static const char *const pieces[] = {
		"1", "-0", "-0.0", "0.1", "1e308", "1e309", "-1e400", "1e-320", "4.9e-324",
		"2.2250738585072011e-308", "9007199254740993", "9223372036854775807",
		"9223372036854775808", "-9223372036854775808", "-9223372036854775809", "1.0", "3.5",
		"1E2", "1e+2", "1e-2", "01", "-", "1.", ".5", "1e", "true", "false", "null", "nul",
		"tru", "\"1.5\"", "\"7\"", "\"7.0\"", "\"abc\"", "\"true\"", "\"false\"", "\"\"",
		"\"2024-01-02\"", "\"2024-01-02T03:04:05Z\"", "\"2024-02-30\"",
		"\"a\\u00e9\\ud83d\\ude00\"", "\"\\u0000\"", "\"\\ud800\"", "\"\\udc00x\"",
		"\"\\/\\b\\f\\n\\r\\t\\\"\"", "\"raw\ttab\"", "\"S\xC3\xA3o\"", "\"\xff\"", "[1]",
		"{}", "{\"a\":1}", "[]", "0.30000000000000004", "123456789012345678901234567890",
		"1.7976931348623157e308", "2.5e-5", "123.456e-7", "1e22", "1e23", "-1e-22",
		"9007199254740992.5", "18446744073709551616", "0", "1", "2", "\"NA\"", "\"inf\"",
	};
	const size_t np = sizeof(pieces) / sizeof(pieces[0]);
	static const char *const good_piece[6][4] = {
		{ "1.25", "-3", "null", "1e-5" }, { "4", "-2", "null", "7.0" },
		{ "\"x\"", "\"y z\"", "null", "3" }, { "\"s\"", "\"t\\\"u\"", "null", "true" },
		{ "true", "false", "null", "1" },
		{ "\"2024-05-06\"", "\"2020-02-29T01:02:03Z\"", "null", "\"2024-05-06 01:02\"" },
	};
	static const char *const spaces[] = { "", "", "", " ", "\n", " \r\n\t " };
#define SP() strbuf_adds(&sb, spaces[(int)(urand() * 6)])
	char why[1200];
	int bad_n = 0, errors = 0;
	json_fast_taken = json_bodies = 0;
	rng_seed(&fuzz_rng, 11);
	for (int it = 0; it < 4000; it++) {
		struct strbuf sb = STRBUF_INIT;
		int perm[8], ncol = 6;
		for (int j = 0; j < 6; j++)
			perm[j] = j;
		if (urand() < 0.5)
			for (int j = 5; j > 0; j--) {
				int k = (int)(urand() * (j + 1)), t = perm[j];
				perm[j] = perm[k];
				perm[k] = t;
			}
		if (urand() < 0.2)
			perm[ncol++] = -1;   /* an extra column */
		if (urand() < 0.03)
			ncol--;              /* maybe a missing one */
		if (urand() < 0.02)
			perm[ncol++] = perm[0];   /* a name twice */
		int fmt = (int)(urand() * 7), rows = (int)(urand() * 4);
		double wild = urand() < 0.5 ? 0 : 0.06;
		const char *fname = fmt == 0 || fmt == 1 ? "dataframe_split" : fmt == 2
			? "dataframe_records" : fmt == 3 || fmt == 4 ? "instances" : "inputs";
		int positional = fmt == 1 || fmt == 4 || fmt == 6;
		if (positional)
			ncol = 6;   /* lists without names: schema order */
		SP();
		strbuf_adds(&sb, "{");
		SP();
		if (urand() < 0.15) {
			static const char *const pv[] = { "true", "false", "1", "0", "\"x\"", "null",
							  "1.0" };
			strbuf_addf(&sb, "\"params\":{\"proba\":%s%s},", pv[(int)(urand() * 7)],
				    urand() < 0.2 ? ",\"k\":[1,{}]" : "");
		}
		strbuf_addf(&sb, "\"%s\"", fname);
		SP();
		strbuf_adds(&sb, ":");
		SP();
		if (fmt <= 1)
			strbuf_adds(&sb, "{");
		if (fmt == 0 && urand() < 0.1)
			strbuf_adds(&sb, "\"index\":[0,1],");
		int cols_after = fmt == 0 && urand() < 0.15;
		if (fmt == 0 && !cols_after) {
			strbuf_adds(&sb, "\"columns\":[");
			for (int j = 0; j < ncol; j++)
				strbuf_addf(&sb, "%s\"%s\"", j ? "," : "",
					    perm[j] < 0 ? "extra" : csv_names[perm[j]]);
			strbuf_adds(&sb, "],");
		}
		if (fmt <= 1)
			strbuf_adds(&sb, "\"data\":");
		strbuf_adds(&sb, "[");
		for (int i = 0; i < rows; i++) {
			SP();
			strbuf_adds(&sb, i ? "," : "");
			int rec = fmt == 2 || fmt == 3 || fmt == 5;
			strbuf_adds(&sb, rec ? "{" : "[");
			int nf = ncol + (urand() < 0.02 ? (urand() < 0.5 ? -1 : 1) : 0);
			for (int j = 0; j < nf; j++) {
				const char *v;
				int pj = j < ncol ? perm[j] : -1;
				if (rec && urand() < 0.05)
					continue;   /* a key absent from this record */
				if (pj >= 0 && urand() >= wild)
					v = good_piece[pj][(int)(urand() * 4)];
				else
					v = pieces[(size_t)(urand() * (double)np)];
				strbuf_adds(&sb, j ? "," : "");
				SP();
				if (rec)
					strbuf_addf(&sb, "\"%s\":", pj < 0 ? "extra" : csv_names[pj]);
				strbuf_adds(&sb, v);
				SP();
			}
			strbuf_adds(&sb, rec ? "}" : "]");
		}
		strbuf_adds(&sb, "]");
		if (cols_after) {
			strbuf_adds(&sb, ",\"columns\":[");
			for (int j = 0; j < ncol; j++)
				strbuf_addf(&sb, "%s\"%s\"", j ? "," : "",
					    perm[j] < 0 ? "extra" : csv_names[perm[j]]);
			strbuf_adds(&sb, "]");
		}
		if (fmt <= 1)
			strbuf_adds(&sb, "}");
		SP();
		strbuf_adds(&sb, "}");
		SP();
		double r = urand();
		if (r < 0.01)
			strbuf_adds(&sb, "x");
		else if (r < 0.02)
			strbuf_adds(&sb, ",\"unknown\":1");
		else if (r < 0.03)
			sb.len--;   /* truncated */
		struct wb_err e;
		int st, pr = 0;
		struct frame *f = serve_parse_json_general(&csv_sc, sb.buf, sb.len, 3, &pr, &st, &e);
		errors += !f;
		frame_unref(f);
		if (!json_same(&csv_sc, sb.buf, sb.len, 3, why, sizeof(why)) && bad_n++ < 3)
			printf("#   %s\n#   body: %.*s\n", why, (int)sb.len, sb.buf);
		strbuf_release(&sb);
	}
#undef SP
	is_int(bad_n, 0, "json: 4000 random bodies (%d of them errors) match jansson's path",
	       errors);
	ok(json_fast_taken > json_bodies / 3, "json: the fast path took %d of %d", json_fast_taken,
	   json_bodies);
}

/* Parse time of the 28-column single-row bench body shape; reported. */
static void bench_json_parse(void)
{
	struct strbuf sb = STRBUF_INIT;
	char *names[28];
	enum col_kind kinds[28];
	strbuf_adds(&sb, "{\"dataframe_split\": {\"columns\": [");
	for (int j = 0; j < 28; j++) {
		names[j] = xasprintf("f%d", j);
		kinds[j] = COL_NUM;
		strbuf_addf(&sb, "%s\"f%d\"", j ? ", " : "", j);
	}
	strbuf_adds(&sb, "], \"data\": [[");
	for (int j = 0; j < 28; j++)
		strbuf_addf(&sb, "%s%.6g", j ? ", " : "", urand() * 6 - 3);
	strbuf_adds(&sb, "]]}}");
	struct serve_schema sc = { 28, names, kinds };
	double t[2];
	for (int k = 0; k < 2; k++) {
		int n = 20000, st, pr;
		struct wb_err e;
		double t0 = now_s();
		for (int i = 0; i < n; i++)
			frame_unref(k ? serve_parse_json_general(&sc, sb.buf, sb.len, 100, &pr, &st, &e)
				      : serve_parse_json(&sc, sb.buf, sb.len, 100, &pr, &st, &e));
		t[k] = (now_s() - t0) / n * 1e6;
	}
	char why[256];
	ok(json_same(&sc, sb.buf, sb.len, 100, why, sizeof(why)), "json: the bench body");
	printf("# single-row 28-column JSON parse: %.2f us (jansson path %.2f us)\n", t[0], t[1]);
	for (int j = 0; j < 28; j++)
		free(names[j]);
	strbuf_release(&sb);
}

int main(void)
{

	test_csv_cases();
	test_csv_fuzz();
	bench_csv_parse();
	test_json_cases();
	test_json_fuzz();
	bench_json_parse();
	return tap_done();
}
