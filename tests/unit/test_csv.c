/* Unit tests for csv: inference, quoting, delimiters, overrides, missing
 * tokens, renames, exact numbers, write/read round trips, the malformed
 * corpus (tests/data/malformed/EXPECTED), skip_bad_rows and thread-count
 * independence. */
#include "tap.h"
#include "core/csv.h"
#include "core/numparse.h"
#include "core/rng.h"

#include <omp.h>
#include <stdlib.h>
#include <unistd.h>

static char top[1024] = ".";
static char tmpdir[1024];

static struct frame *rd(const char *text, const struct csv_opts *o, struct csv_report *rep,
			struct wb_err *err)
{
	return csv_read_mem("t.csv", text, strlen(text), o, rep, err);
}

static const char *kind_of(const struct frame *f, const char *name)
{
	struct column *c = frame_col(f, name);
	return c ? col_kind_name(c->kind) : "(none)";
}

static const char *text_at(const struct frame *f, const char *name, size_t i)
{
	struct column *c = frame_col(f, name);
	return c ? column_get_text(c, i, NULL) : NULL;
}

static int same_hash(const struct frame *a, const struct frame *b)
{
	return a && b && !memcmp(a->hash, b->hash, WB_HASH_LEN);
}

static void test_inference(void)
{
	struct wb_err err = { "" };
	const char *text =
		"b,i,x,t,c,s,m,big,mixed\n"
		"true,1,1.5,2024-01-02,red,alpha,,9223372036854775807,1\n"
		"False,-2,2,2024-01-03T04:05:06Z,blue,beta,NA,-9223372036854775808,x\n"
		"TRUE,,NA,,red,gamma,null,1,2\n"
		",3,-0.25e2,2024-01-04 10:00,red,delta,N/A,2,3\n"
		"false,4,inf,2024-01-05,blue,eps,NaN,3,4\n";
	struct frame *f = rd(text, NULL, NULL, &err);
	ok(f != NULL, "mixed file reads: %s", f ? "" : err.msg);
	if (!f)
		return;
	is_int(f->nrow, 5, "five rows");
	is_str(kind_of(f, "b"), "bool", "bool column");
	is_str(kind_of(f, "i"), "int", "int column");
	is_str(kind_of(f, "x"), "num", "num column (int + float)");
	is_str(kind_of(f, "t"), "time", "time column");
	is_str(kind_of(f, "c"), "cat", "few distinct texts: cat");
	is_str(kind_of(f, "s"), "str", "all distinct texts: str");
	is_str(kind_of(f, "m"), "num", "all missing: num");
	is_str(kind_of(f, "big"), "int", "int64 extremes stay int");
	is_str(kind_of(f, "mixed"), "str", "numbers then text: str");
	struct column *b = frame_col(f, "b"), *i = frame_col(f, "i"), *x = frame_col(f, "x");
	ok(b->b[0] == 1 && b->b[1] == 0 && b->b[2] == 1 && b->b[3] == -1 && b->b[4] == 0, "bool values");
	ok(i->i64[1] == -2 && column_is_missing(i, 2) && i->i64[4] == 4, "int values and missing");
	ok(x->num[0] == 1.5 && x->num[1] == 2.0 && isnan(x->num[2]) && x->num[3] == -25.0 &&
	   isinf(x->num[4]), "num values, NA, exponent, inf");
	ok(frame_col(f, "big")->i64[1] == INT64_MIN, "INT64_MIN parses");
	struct column *c = frame_col(f, "c");
	ok(c->nlevels == 2 && !strcmp(c->levels[0], "blue") && !strcmp(c->levels[1], "red"),
	   "cat levels sorted");
	is_str(text_at(f, "mixed", 1), "x", "text kept after a late switch");
	is_str(text_at(f, "mixed", 0), "1", "earlier numbers kept as their text");
	frame_unref(f);

	f = rd("a,b\n99999999999999999999,1\n", NULL, NULL, &err);
	ok(f && frame_col(f, "a")->kind == COL_NUM && frame_col(f, "a")->num[0] == 1e20,
	   "integer beyond int64 is num");
	frame_unref(f);

	/* cat rule: <= half the non-missing count, or <= 2 distinct */
	f = rd("a,b,c\nx,p,u\ny,q,u\nx,r,v\nz,s,w\n", NULL, NULL, &err);
	ok(f && frame_col(f, "a")->kind == COL_STR, "3 distinct of 4: str");
	ok(f && frame_col(f, "c")->kind == COL_STR, "3 distinct of 4 again: str");
	frame_unref(f);
	f = rd("a\nx\ny\nx\ny\nx\n", NULL, NULL, &err);
	ok(f && frame_col(f, "a")->kind == COL_CAT, "2 distinct of 5: cat");
	frame_unref(f);
	f = rd("a\nx\ny\n", NULL, NULL, &err);
	ok(f && frame_col(f, "a")->kind == COL_CAT, "2 distinct of 2: cat (<= 2)");
	frame_unref(f);
}

static void test_quoting(void)
{
	struct wb_err err = { "" };
	const char *text =
		"id,t,n\n"
		"1,\"a,b\",\"2\"\n"
		"2,\"say \"\"hi\"\"\",\"NA\"\n"
		"3,\"two\nlines\",\n"
		"4,\"\",x\n"
		"5,,y\n";
	struct frame *f = rd(text, NULL, NULL, &err);
	ok(f != NULL, "quoted file reads: %s", f ? "" : err.msg);
	if (!f)
		return;
	is_str(text_at(f, "t", 0), "a,b", "quoted delimiter");
	is_str(text_at(f, "t", 1), "say \"hi\"", "doubled quotes");
	is_str(text_at(f, "t", 2), "two\nlines", "newline inside quotes");
	is_str(text_at(f, "t", 3), "", "quoted empty is empty text");
	ok(column_is_missing(frame_col(f, "t"), 4), "unquoted empty is missing");
	is_str(text_at(f, "n", 1), "NA", "quoted NA is text, not missing");
	ok(column_is_missing(frame_col(f, "n"), 2), "empty n missing");
	frame_unref(f);

	f = rd("a,b\n\"1\",\"2.5\"\n", NULL, NULL, &err);
	ok(f && frame_col(f, "a")->kind == COL_INT && frame_col(f, "b")->kind == COL_NUM,
	   "quoted numbers are still numbers");
	frame_unref(f);
	f = rd("a,b\n1,2", NULL, NULL, &err);
	ok(f && f->nrow == 1 && frame_col(f, "b")->i64[0] == 2, "last line without newline");
	frame_unref(f);
	f = rd("a,b\n1,2\n\n3,4\n\n", NULL, NULL, &err);
	ok(f && f->nrow == 2, "blank lines skipped with several columns");
	frame_unref(f);
	f = rd("a,b,c\n1,,\n", NULL, NULL, &err);
	ok(f && f->nrow == 1 && isnan(frame_col(f, "c")->num[0]), "trailing empty fields");
	frame_unref(f);
}

static void test_files(void)
{
	struct wb_err err = { "" };
	struct csv_report rep;
	char path[2048];

	snprintf(path, sizeof(path), "%s/tests/data/csv/bom_crlf_quoted.csv", top);
	struct frame *f = csv_read(path, NULL, &rep, &err);
	ok(f != NULL, "bom + crlf file: %s", f ? "" : err.msg);
	if (f) {
		is_str(f->names[0], "id", "BOM stripped from the first name");
		is_int(f->nrow, 3, "three rows");
		is_str(text_at(f, "name", 0), "Smith, J", "crlf quoted field");
		is_str(text_at(f, "name", 2), "two\r\nlines", "CRLF inside quotes kept");
		ok(frame_col(f, "score")->num[2] == -1000 && isnan(frame_col(f, "score")->num[1]),
		   "last field before CRLF parses as a number");
		is_int(rep.delim, ',', "comma detected");
		frame_unref(f);
	}
	snprintf(path, sizeof(path), "%s/tests/data/csv/tab.tsv", top);
	f = csv_read(path, NULL, &rep, &err);
	ok(f && rep.delim == '\t' && f->ncol == 3 && frame_col(f, "c")->kind == COL_TIME, "tab detected, times");
	frame_unref(f);
	snprintf(path, sizeof(path), "%s/tests/data/csv/semicolon.csv", top);
	f = csv_read(path, NULL, &rep, &err);
	ok(f && rep.delim == ';' && f->ncol == 2, "semicolon detected (comma decimals stay text)");
	frame_unref(f);
	snprintf(path, sizeof(path), "%s/tests/data/csv/pipe.csv", top);
	f = csv_read(path, NULL, &rep, &err);
	ok(f && rep.delim == '|' && frame_col(f, "b")->kind == COL_BOOL, "pipe detected");
	if (f)
		is_str(text_at(f, "c", 0), "p|q", "quoted pipe");
	frame_unref(f);
	snprintf(path, sizeof(path), "%s/tests/data/csv/header_only.csv", top);
	f = csv_read(path, NULL, &rep, &err);
	ok(f && f->nrow == 0 && f->ncol == 3, "header only: 0 rows");
	frame_unref(f);
	snprintf(path, sizeof(path), "%s/tests/data/csv/one_column_blank.csv", top);
	f = csv_read(path, NULL, &rep, &err);
	ok(f && f->nrow == 3 && isnan(column_get_num(frame_col(f, "x"), 1)),
	   "one column: a blank line is a missing value");
	frame_unref(f);

	struct csv_opts o;
	csv_opts_init(&o);
	o.delim = ';';
	f = rd("a,b;c\n1,2;3\n", &o, &rep, &err);
	ok(f && f->ncol == 2 && !strcmp(f->names[0], "a,b"), "explicit delimiter");
	frame_unref(f);

	f = csv_read("/nonexistent/x.csv", NULL, NULL, &err);
	ok(!f, "missing file fails");
	like(err.msg, "cannot open '/nonexistent/x.csv'", "error names the path");
}

static void test_overrides(void)
{
	struct wb_err err = { "" };
	struct csv_type_override ov[] = {
		{ "zip", COL_STR }, { "n", COL_NUM }, { "c", COL_CAT }, { "k", COL_INT },
	};
	struct csv_opts o;
	csv_opts_init(&o);
	o.types = ov;
	o.ntypes = 4;
	struct frame *f = rd("zip,n,c,k\n01234,1,a,5\n98765,2,b,\n11111,3,c,7\n", &o, NULL, &err);
	ok(f != NULL, "overrides: %s", f ? "" : err.msg);
	if (f) {
		is_str(kind_of(f, "zip"), "str", "zip forced str");
		is_str(text_at(f, "zip", 0), "01234", "leading zero kept");
		is_str(kind_of(f, "n"), "num", "ints forced num");
		is_str(kind_of(f, "c"), "cat", "forced cat despite all distinct");
		is_str(kind_of(f, "k"), "int", "forced int");
		frame_unref(f);
	}
	f = rd("zip,n,c,k\n1,1,a,5\n2,x,b,6\n", &o, NULL, &err);
	ok(!f, "override that cannot hold a value fails");
	like(err.msg, "t.csv:3:2: cannot read 'x' as num", "names line, column and value");
	f = rd("zip,n,c,k\n1,1,a,5\n2,2,b,1.5\n", &o, NULL, &err);
	like(err.msg, "t.csv:3:4: cannot read '1.5' as int", "float in an int column");
	f = rd("zip,n,c,k\n1,1,a,99999999999999999999\n", &o, NULL, &err);
	like(err.msg, "t.csv:2:4: value '99999999999999999999' out of range for int column 'k'",
	     "int out of range");
	struct csv_type_override bad[] = { { "nope", COL_INT } };
	o.types = bad;
	o.ntypes = 1;
	f = rd("a\n1\n", &o, NULL, &err);
	ok(!f, "unknown override column fails");
	like(err.msg, "unknown column 'nope'", "names the column");
}

static void test_missing_tokens(void)
{
	struct wb_err err = { "" };
	const char *na[] = { "-", "missing" };
	struct csv_opts o;
	csv_opts_init(&o);
	o.na_tokens = na;
	o.n_na = 2;
	struct frame *f = rd("a,b\n1,-\nmissing,2\n3,4\n", &o, NULL, &err);
	ok(f && frame_col(f, "a")->kind == COL_INT && column_is_missing(frame_col(f, "a"), 1) &&
	   column_is_missing(frame_col(f, "b"), 0), "custom missing tokens");
	frame_unref(f);
	f = rd("a\n1\nNA\n", &o, NULL, &err);
	ok(f && frame_col(f, "a")->kind == COL_CAT, "NA is text when not a token");
	frame_unref(f);
	f = rd("a,b\n1,\n2,3\n", &o, NULL, &err);
	ok(f && frame_col(f, "b")->kind != COL_INT, "empty is not missing without the \"\" token");
	frame_unref(f);
}

static void test_renames(void)
{
	struct wb_err err = { "" };
	struct csv_report rep;
	struct frame *f = rd(",x,x,x_2,,x\n1,2,3,4,5,6\n", NULL, &rep, &err);
	ok(f != NULL, "renames read");
	if (!f)
		return;
	is_str(f->names[0], "column_1", "empty name -> column_1");
	is_str(f->names[1], "x", "first x kept");
	is_str(f->names[2], "x_3", "duplicate skips a name the header has");
	is_str(f->names[3], "x_2", "original x_2 kept");
	is_str(f->names[4], "column_5", "second empty name");
	is_str(f->names[5], "x_4", "third x");
	is_int(rep.nnotes, 4, "four renames noted");
	like(rep.notes[1], "t.csv:1:3: duplicate column name 'x', renamed 'x_3'", "rename note");
	like(rep.notes[0], "t.csv:1:1: empty column name, named 'column_1'", "empty note");
	frame_unref(f);
}

static void test_numbers(void)
{
	struct rng r;
	char buf[64], path[1200], *text;
	size_t n = 20000, cap = n * 40 + 16, len = 0;
	int okc = 1;

	rng_seed(&r, 42);
	/* parser vs strtod on random decimal texts of many shapes */
	for (int k = 0; k < 200000; k++) {
		int nd = 1 + (int)rng_below(&r, 25), pt = (int)rng_below(&r, (uint64_t)nd + 1);
		int e = (int)rng_below(&r, 700) - 350, p = 0;
		if (rng_below(&r, 2))
			buf[p++] = '-';
		for (int d = 0; d < nd; d++) {
			if (d == pt)
				buf[p++] = '.';
			buf[p++] = (char)('0' + rng_below(&r, 10));
		}
		if (rng_below(&r, 3) == 0)
			p += snprintf(buf + p, sizeof(buf) - (size_t)p, "e%d", e);
		buf[p] = '\0';
		int64_t iv = 0;
		double dv = 0;
		const char *stop;
		if (numparse(buf, buf + p, &iv, &dv, &stop) == NP_NONE || stop != buf + p ||
		    memcmp(&dv, &(double){ strtod(buf, NULL) }, 8)) {
			if (okc)
				printf("# mismatch on %s\n", buf);
			okc = 0;
		}
	}
	ok(okc, "numparse equals strtod on 200000 random decimals");
	int64_t iv = 0;
	double dv = 0;
	const char *stop;
	const char *hard[] = { "2.2250738585072011e-308", "4.9406564584124654e-324", "9007199254740993.0",
			       "1e23", "8.98846567431158e307", "0.1", "123456789012345678901234567890" };
	okc = 1;
	for (size_t k = 0; k < sizeof(hard) / sizeof(hard[0]); k++) {
		numparse(hard[k], hard[k] + strlen(hard[k]), &iv, &dv, &stop);
		okc &= dv == strtod(hard[k], NULL);
	}
	ok(okc, "hard cases correctly rounded");

	/* random bit patterns: write -> read bit for bit */
	struct column *c = column_new(COL_NUM, n);
	for (size_t i = 0; i < n; i++) {
		uint64_t u = rng_next(&r);
		double d;
		memcpy(&d, &u, 8);
		if (i % 3 == 0)
			d = rng_normal(&r) * 1e3;
		c->num[i] = isnan(d) ? 0.5 : d;
	}
	c->num[0] = -0.0;
	c->num[1] = 1.0;
	c->num[2] = 4.9406564584124654e-324;
	c->num[3] = 1.7976931348623157e308;
	c->num[4] = INFINITY;
	c->num[5] = NAN;
	struct frame *f = frame_new(n);
	frame_add(f, "v", c, NULL);
	frame_seal_content(f);
	snprintf(path, sizeof(path), "%s/num.csv", tmpdir);
	struct wb_err err = { "" };
	ok(csv_write(f, path, ',', &err) == 0, "write random doubles: %s", err.msg);
	struct frame *g = csv_read(path, NULL, NULL, &err);
	ok(g && g->nrow == n && frame_col(g, "v")->kind == COL_NUM, "read back as num");
	okc = g != NULL;
	for (size_t i = 0; g && i < n; i++)
		okc &= !memcmp(&frame_col(g, "v")->num[i], &c->num[i], 8) ||
		       (isnan(c->num[i]) && isnan(frame_col(g, "v")->num[i]));
	ok(okc, "every double round-trips bit for bit");
	ok(same_hash(f, g), "same content hash");
	frame_unref(f);
	frame_unref(g);
	(void)text;
	(void)len;
	(void)cap;
}

static struct frame *mixed_frame(size_t n)
{
	struct frame *f = frame_new(n);
	struct column *num = column_new(COL_NUM, n), *in = column_new(COL_INT, n),
		*b = column_new(COL_BOOL, n), *t = column_new(COL_TIME, n);
	const char **strs = xcalloc(n, sizeof(char *));
	const char *pool[] = { "NA", "", " lead", "trail ", "a,b", "q\"uote", "line\nbreak", "cr\rx",
			       "plain", "N/A", "null", "NaN", "héllo", "1.5", "true" };
	const char *cats[] = { "lo", "hi", "mid" };
	const char **cs = xcalloc(n, sizeof(char *));
	char (*uniq)[24] = xcalloc(n, 24);
	for (size_t i = 0; i < n; i++) {
		num->num[i] = i % 7 == 3 ? NAN : (double)i * 0.5 - 3;
		in->i64[i] = (int64_t)i * 1000003 - 5;
		in->valid[i] = i % 5 != 1;
		b->b[i] = i % 4 == 2 ? -1 : (int8_t)(i & 1);
		t->i64[i] = (int64_t)i * 86400000000LL + (i % 2 ? 1500000 : 0);
		t->valid[i] = i % 6 != 0;
		snprintf(uniq[i], 24, "u%zu", i);
		strs[i] = i % 9 == 8 ? NULL : i < 15 ? pool[i] : uniq[i];
		cs[i] = i % 10 == 0 ? NULL : cats[i % 3];
	}
	frame_add(f, "num", num, NULL);
	frame_add(f, "int", in, NULL);
	frame_add(f, "bool", b, NULL);
	frame_add(f, "time", t, NULL);
	frame_add(f, "str", column_from_strings(strs, n), NULL);
	struct column *cc = column_from_strings(cs, n);
	frame_add(f, "a \"quoted\", name", cc, NULL);
	free(strs);
	free(cs);
	free(uniq);
	frame_seal_content(f);
	return f;
}

static void test_roundtrip(void)
{
	struct wb_err err = { "" };
	char p1[1200], p2[1200];
	struct frame *f = mixed_frame(500);
	snprintf(p1, sizeof(p1), "%s/mixed.csv", tmpdir);
	snprintf(p2, sizeof(p2), "%s/mixed2.csv", tmpdir);
	ok(csv_write(f, p1, ',', &err) == 0, "write mixed frame: %s", err.msg);
	struct frame *g = csv_read(p1, NULL, NULL, &err);
	ok(g != NULL, "read it back: %s", g ? "" : err.msg);
	if (!g) {
		frame_unref(f);
		return;
	}
	ok(g->ncol == 6 && !strcmp(g->names[5], "a \"quoted\", name"), "quoted header name");
	int kinds = 1;
	for (int j = 0; j < 5; j++)
		kinds &= g->cols[j]->kind == f->cols[j]->kind;
	ok(kinds, "kinds survive");
	is_str(kind_of(g, "a \"quoted\", name"), "cat", "str of 3 values reads as cat");
	is_str(text_at(g, "str", 0), "NA", "text NA survives");
	is_str(text_at(g, "str", 1), "", "empty text survives");
	is_str(text_at(g, "str", 2), " lead", "leading space survives");
	is_str(text_at(g, "str", 7), "cr\rx", "lone CR survives");
	ok(column_is_missing(frame_col(g, "str"), 8), "missing text stays missing");
	/* load -> write -> load: identical */
	ok(csv_write(g, p2, '\t', &err) == 0, "write again with tabs");
	struct frame *h = csv_read(p2, NULL, NULL, &err);
	ok(same_hash(g, h), "load -> write -> load: identical hash");
	frame_unref(h);
	frame_unref(g);
	frame_unref(f);

	ok(csv_write(f = mixed_frame(3), "/nonexistent/dir/x.csv", ',', &err) < 0, "unwritable path fails");
	like(err.msg, "cannot write '/nonexistent/dir/x.csv'", "names the path");
	frame_unref(f);
}

static void test_malformed(void)
{
	char path[4096], line[1024];
	snprintf(path, sizeof(path), "%s/tests/data/malformed/EXPECTED", top);
	FILE *fp = fopen(path, "r");
	ok(fp != NULL, "malformed corpus index opens");
	if (!fp)
		return;
	int nfiles = 0;
	while (fgets(line, sizeof(line), fp)) {
		line[strcspn(line, "\r\n")] = '\0';
		char *tab = strchr(line, '\t');
		if (line[0] == '#' || !tab)
			continue;
		*tab = '\0';
		snprintf(path, sizeof(path), "%s/tests/data/malformed/%s", top, line);
		struct wb_err err = { "" };
		struct frame *f = csv_read(path, NULL, NULL, &err);
		ok(!f, "%s is rejected", line);
		like(err.msg, tab + 1, "%s: error says where and what", line);
		frame_unref(f);
		nfiles++;
	}
	fclose(fp);
	ok(nfiles >= 15, "corpus has %d files", nfiles);
}

static void test_skip_bad(void)
{
	struct wb_err err = { "" };
	struct csv_report rep;
	struct csv_opts o;
	csv_opts_init(&o);
	o.skip_bad_rows = 1;
	struct frame *f = rd("a,b,c\n1,2,3\n4,5\n6,7,8\n9,10,11,12\n\"x,y\",1,2\n", &o, &rep, &err);
	ok(f != NULL, "skip_bad_rows reads: %s", f ? "" : err.msg);
	if (!f)
		return;
	is_int(f->nrow, 3, "three good rows");
	is_int(rep.bad_rows, 2, "two skipped");
	is_int(rep.nnotes, 2, "two notes");
	like(rep.notes[0], "t.csv:3:3: expected 3 fields, found 2", "first note");
	like(rep.notes[1], "t.csv:5:4: expected 3 fields, found 4", "second note");
	ok(frame_col(f, "a")->kind == COL_STR, "skipped rows do not affect kinds");
	frame_unref(f);
}

/* A multi-MB text with quotes, newlines in quotes, missing values, and a
 * column that turns to text late (second pass). */
static char *big_text(size_t rows, size_t *len)
{
	size_t cap = rows * 80 + 64, n = 0;
	char *s = xmalloc(cap);
	struct rng r;
	rng_seed(&r, 7);
	n += (size_t)snprintf(s, cap, "id,x,name,flag,late,k\n");
	for (size_t i = 0; i < rows; i++) {
		double x = rng_normal(&r) * 100;
		char xs[40];
		snprintf(xs, sizeof(xs), "%.*f", (int)rng_below(&r, 8) + 1, x);
		const char *name = (i % 3 == 0) ? "\"multi\nline, \"\"q\"\"\"" : (i % 3 == 1) ? "plain" : "";
		const char *late = i == rows - 10 ? "oops" : "17";
		n += (size_t)snprintf(s + n, cap - n, "%zu,%s,%s,%s,%s,%s\n", i, i % 97 == 5 ? "NA" : xs,
				      name, i % 2 ? "true" : "false", late, i % 11 ? "k1" : "k2");
	}
	*len = n;
	return s;
}

static void test_threads(void)
{
	struct wb_err err = { "" };
	size_t len;
	char *s = big_text(120000, &len);
	struct csv_opts o;
	csv_opts_init(&o);
	o.threads = 1;
	o.chunk_bytes = (size_t)1 << 30;   /* one chunk: the reference */
	struct frame *a = csv_read_mem("big.csv", s, len, &o, NULL, &err);
	o.threads = 2;
	o.chunk_bytes = 0;
	struct frame *b = csv_read_mem("big.csv", s, len, &o, NULL, &err);
	o.chunk_bytes = 4096;
	struct frame *c = csv_read_mem("big.csv", s, len, &o, NULL, &err);
	o.threads = 1;
	struct frame *d = csv_read_mem("big.csv", s, len, &o, NULL, &err);
	ok(a && a->nrow == 120000, "%zu-byte buffer reads", len);
	ok(same_hash(a, b), "2 threads, default chunks: same hash");
	ok(same_hash(a, c), "2 threads, 4 KB chunks: same hash");
	ok(same_hash(a, d), "1 thread, 4 KB chunks: same hash");
	if (a) {
		is_str(kind_of(a, "late"), "cat", "late text column");
		is_str(text_at(a, "late", 0), "17", "early values of a late text column kept");
		is_str(kind_of(a, "name"), "cat", "quoted multi-line column");
		is_str(text_at(a, "name", 0), "multi\nline, \"q\"", "multi-line value");
	}
	omp_set_num_threads(1);
	struct frame *e = csv_read_mem("big.csv", s, len, NULL, NULL, &err);
	omp_set_num_threads(2);
	struct frame *g = csv_read_mem("big.csv", s, len, NULL, NULL, &err);
	ok(same_hash(e, g) && same_hash(a, e), "omp_set_num_threads 1 vs 2: same hash");

	/* an error deep in the buffer: the same message whatever the cut */
	s[len - 2] = '"';
	o.chunk_bytes = 4096;
	o.threads = 2;
	struct frame *x = csv_read_mem("big.csv", s, len, &o, NULL, &err);
	char m1[1024];
	snprintf(m1, sizeof(m1), "%s", err.msg);
	o.chunk_bytes = 0;
	o.threads = 1;
	struct frame *y = csv_read_mem("big.csv", s, len, &o, NULL, &err);
	ok(!x && !y && !strcmp(m1, err.msg), "deep error is the same on any cut");
	like(err.msg, "big.csv:160001:6: unexpected quote", "deep error line counts quoted newlines");
	frame_unref(a);
	frame_unref(b);
	frame_unref(c);
	frame_unref(d);
	frame_unref(e);
	frame_unref(g);
	free(s);
}

static void test_empty(void)
{
	struct wb_err err = { "" };
	ok(!csv_read_mem("e.csv", "", 0, NULL, NULL, &err), "empty buffer fails");
	like(err.msg, "'e.csv' is empty", "says empty");
	struct frame *f = rd("a,b\n", NULL, NULL, &err);
	ok(f && f->nrow == 0 && f->ncol == 2, "header only");
	frame_unref(f);
}

int main(void)
{
	const char *t = getenv("WB_TEST_TOP");
	if (t)
		snprintf(top, sizeof(top), "%s", t);
	snprintf(tmpdir, sizeof(tmpdir), "%s/wb-csv-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmpdir)) {
		printf("Bail out! cannot create a temporary directory\n");
		return 1;
	}
	test_inference();
	test_quoting();
	test_files();
	test_overrides();
	test_missing_tokens();
	test_renames();
	test_numbers();
	test_roundtrip();
	test_malformed();
	test_skip_bad();
	test_threads();
	test_empty();
	char cmd[1200];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		diag("could not remove the temporary directory");
	return tap_done();
}
