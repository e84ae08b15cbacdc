/*
 * test_plot_explore — the exploration plot kinds (hist, bar, scatter, line,
 * box, corr): the tables and notes they build, their errors, determinism,
 * and (when gnuplot is installed) that their commands render in text and
 * PNG without errors or warnings.
 *
 * Reference values were computed with /usr/bin/python3 (numpy 1.24.2,
 * scipy 1.10.1) as noted at each constant.
 */
#include "tap.h"
#include "fixture.h"
#include "plot/plot.h"
#include "plot/plot_kinds.h"
#include "plot/gnuplot.h"
#include "core/rng.h"

#include <jansson.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>


/* ------------------------------------------------------------- helpers */

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}


static struct plot *mk(const char *kind, const struct frame *f, const char *const *cols,
		       int ncols, const char *json, struct wb_err *err)
{
	json_t *o = NULL;
	if (json) {
		json_error_t je;
		o = json_loads(json, 0, &je);
		if (!o)
			printf("# bad test json: %s\n", json);
	}
	struct plot_input in = { .frame = f, .cols = cols, .ncols = ncols };
	struct plot *p = plot_make(kind, &in, o, err);
	json_decref(o);
	return p;
}

static const char *tab(const struct plot *p, int t)
{
	return t < p->ntables ? strbuf_str(&p->tables[t].text) : "(no table)";
}

static const char *body(const struct plot *p)
{
	return strbuf_str(&p->body);
}

/* The build fails with a message containing want. */
static void fails(const char *kind, const struct frame *f, const char *const *cols, int ncols,
		  const char *json, const char *want, const char *what)
{
	struct wb_err err = { { 0 } };
	struct plot *p = mk(kind, f, cols, ncols, json, &err);
	ok(!p, "%s: %s fails", kind, what);
	like(err.msg, want, "%s: %s message", kind, what);
	plot_free(p);
}

/* Nothing the renderer owns is set by a kind. */
static void body_clean(const struct plot *p)
{
	const char *b = body(p);
	ok(!strstr(b, "set title") && !strstr(b, "set xlabel") && !strstr(b, "set ylabel") &&
	   !strstr(b, "set terminal") && !strstr(b, "set output"),
	   "%s: body leaves title, labels, terminal and output to the renderer", p->kind);
}

static struct frame *frame1(const char *name, struct column *c)
{
	struct frame *f = frame_new(c->n);
	frame_add(f, name, c, NULL);
	frame_seal_content(f);
	return f;
}

static struct column *num_col(const double *v, size_t n)
{
	return mk_num(v, n);
}

static struct column *int_col(const int64_t *v, size_t n)
{
	return mk_int(v, NULL, n);
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static size_t count_char(const char *s, char c)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == c;
	return n;
}

/* ---------------------------------------------------------------- hist */

static void test_hist(void)
{
	struct wb_err err = { { 0 } };
	const char *v[] = { "v" };

	/* 0..9 in 5 bins: np.histogram(np.arange(10.0), bins=5) gives counts
	 * [2 2 2 2 2] over edges 0, 1.8, 3.6, 5.4, 7.2, 9. */
	double d10[10];
	for (int i = 0; i < 10; i++)
		d10[i] = i;
	struct frame *f = frame1("v", num_col(d10, 10));
	struct plot *p = mk("hist", f, v, 1, "{\"bins\": 5}", &err);
	ok(p != NULL, "hist bins=5 builds (%s)", p ? "" : err.msg);
	is_int(p->ntables, 1, "hist: one table");
	is_str(tab(p, 0), "0.9 2 1.8\n2.7 2 1.8\n4.5 2 1.8\n6.3 2 1.8\n8.1 2 1.8\n",
	       "hist: centre, count, width of 5 bins over 0..9");
	is_int(p->tables[0].sample, 0, "hist: bins are never sampled");
	is_str(p->title, "v", "hist: title is the column");
	is_str(p->xlabel, "v", "hist: xlabel is the column");
	is_str(p->ylabel, "count", "hist: ylabel count");
	is_str(p->note, "", "hist: no note without missing values");
	like(body(p), "with boxes", "hist: drawn with boxes");
	like(body(p), "$d0 using 1:2:3", "hist: body uses $d0");
	body_clean(p);
	plot_free(p);

	p = mk("hist", f, v, 1, "{\"bins\": 5, \"density\": true}", &err);
	is_str(tab(p, 0), "0.9 0.1111111111 1.8\n2.7 0.1111111111 1.8\n4.5 0.1111111111 1.8\n"
	       "6.3 0.1111111111 1.8\n8.1 0.1111111111 1.8\n", "hist: density = count / (n width)");
	is_str(p->ylabel, "density", "hist: ylabel density");
	plot_free(p);
	frame_unref(f);

	/* Values on computed edges: i * 0.1 for i = 0..10.  np.histogram gives
	 * [1 1 1 1 1 1 1 1 1 2] (10 bins), [4 3 4] (3), [2 1 2 1 2 1 2] (7). */
	double d11[11];
	for (int i = 0; i < 11; i++)
		d11[i] = i * 0.1;
	f = frame1("v", num_col(d11, 11));
	static const struct { const char *opts; int want[10]; int nb; } edge[] = {
		{ "{\"bins\": 10}", { 1, 1, 1, 1, 1, 1, 1, 1, 1, 2 }, 10 },
		{ "{\"bins\": 3}", { 4, 3, 4 }, 3 },
		{ "{\"bins\": 7}", { 2, 1, 2, 1, 2, 1, 2 }, 7 },
	};
	for (size_t e = 0; e < sizeof(edge) / sizeof(edge[0]); e++) {
		p = mk("hist", f, v, 1, edge[e].opts, &err);
		int good = p && p->tables[0].nrow == (size_t)edge[e].nb;
		const char *s = p ? tab(p, 0) : "";
		for (int k = 0; good && k < edge[e].nb; k++) {
			double c, w, cnt;
			if (sscanf(s, "%lf %lf %lf", &c, &cnt, &w) != 3 || cnt != edge[e].want[k])
				good = 0;
			s = strchr(s, '\n') + 1;
		}
		ok(good, "hist %s: counts on edges as np.histogram", edge[e].opts);
		plot_free(p);
	}
	frame_unref(f);

	/* Freedman–Diaconis: x_i = (((i * 7919) % 1000) / 10)^2 / 100, i < 500:
	 * len(np.histogram_bin_edges(x, bins='fd')) - 1 == 8; range 0..99.8001. */
	double *fd = malloc(500 * sizeof(double));
	for (int i = 0; i < 500; i++) {
		double a = ((i * 7919) % 1000) / 10.0;
		fd[i] = a * a / 100;
	}
	f = frame1("v", num_col(fd, 500));
	p = mk("hist", f, v, 1, NULL, &err);
	is_int(p->tables[0].nrow, 8, "hist: Freedman-Diaconis bin count as numpy");
	double c0, n0, w0;
	sscanf(tab(p, 0), "%lf %lf %lf", &c0, &n0, &w0);
	is_dbl(c0 - w0 / 2, 0, 1e-9, "hist: first edge at the minimum");
	is_dbl(w0 * 8, 99.8001, 1e-7, "hist: 8 bins span the range");
	plot_free(p);
	frame_unref(f);
	free(fd);

	/* Clamped: 10000 values in [0, 1) plus 1e6 and 2e6 give an FD count of
	 * 43091567 (numpy); clamped to 100. */
	double *cl = malloc(10002 * sizeof(double));
	for (int i = 0; i < 10000; i++)
		cl[i] = (i % 1000) / 1000.0;
	cl[10000] = 1e6;
	cl[10001] = 2e6;
	f = frame1("v", num_col(cl, 10002));
	p = mk("hist", f, v, 1, NULL, &err);
	is_int(p->tables[0].nrow, 100, "hist: FD bin count clamped to 100");
	plot_free(p);
	frame_unref(f);
	free(cl);

	/* IQR 0 (97 values 0.5, then 1.5, 2.5, 100.5): Sturges,
	 * ceil(log2 100) + 1 = 8 bins. */
	double st[100];
	for (int i = 0; i < 100; i++)
		st[i] = i < 97 ? 0.5 : i == 97 ? 1.5 : i == 98 ? 2.5 : 100.5;
	f = frame1("v", num_col(st, 100));
	p = mk("hist", f, v, 1, NULL, &err);
	is_int(p->tables[0].nrow, 8, "hist: Sturges when the IQR is 0");
	plot_free(p);
	frame_unref(f);

	/* Integers with a small span: one bin per integer, empty ones included. */
	static const int64_t iv[] = { 1, 1, 2, 5, 5, 5 };
	f = frame1("k", int_col(iv, 6));
	const char *k[] = { "k" };
	p = mk("hist", f, k, 1, NULL, &err);
	is_str(tab(p, 0), "1 2 1\n2 1 1\n3 0 1\n4 0 1\n5 3 1\n", "hist: one bin per integer");
	like(body(p), "set xtics wb_text ? 1 : 1", "hist: integer ticks on integer bins");
	plot_free(p);
	frame_unref(f);
	static const double dv[] = { 1, 1, 2, 5, 5, 5 };
	f = frame1("k", num_col(dv, 6));
	p = mk("hist", f, k, 1, NULL, &err);
	is_str(tab(p, 0), "1 2 1\n2 1 1\n3 0 1\n4 0 1\n5 3 1\n",
	       "hist: integer-valued num column binned per integer too");
	plot_free(p);
	frame_unref(f);

	/* 0..1199 as int: FD gives 11 bins (IQR 599.5, width 112.8); integer
	 * width ceil(1200 / 11) = 110, so 11 bins from -0.5: ten of 110
	 * integers and the last with 100. */
	int64_t *wide = malloc(1200 * sizeof(int64_t));
	for (int i = 0; i < 1200; i++)
		wide[i] = i;
	f = frame1("k", int_col(wide, 1200));
	p = mk("hist", f, k, 1, NULL, &err);
	is_int(p->tables[0].nrow, 11, "hist: wide integer column: FD bins");
	ok(!strncmp(tab(p, 0), "54.5 110 110\n", 13), "hist: integer width 110 from -0.5");
	like(tab(p, 0), "1154.5 100 110\n", "hist: last integer bin holds 100");
	plot_free(p);
	frame_unref(f);
	free(wide);

	/* Missing values are skipped and counted. */
	static const double mv[] = { 1.5, NAN, 2.5, NAN, 3.5 };
	f = frame1("m", num_col(mv, 5));
	const char *m[] = { "m" };
	p = mk("hist", f, m, 1, "{\"bins\": 2}", &err);
	/* np.histogram([1.5, 2.5, 3.5], bins=2): [1 2] (the last bin is closed). */
	is_str(tab(p, 0), "2 1 1\n3 2 1\n", "hist: missing values skipped");
	is_str(p->note, "2 missing values not shown", "hist: missing values noted");
	plot_free(p);
	frame_unref(f);
	static const double mv1[] = { 1, NAN, 2 };
	f = frame1("m", num_col(mv1, 3));
	p = mk("hist", f, m, 1, NULL, &err);
	is_str(p->note, "1 missing value not shown", "hist: one missing value, singular");
	plot_free(p);
	frame_unref(f);

	/* Constant column: one bin of width 1 around the value. */
	static const double cv[] = { 5, 5, 5, 5 };
	f = frame1("c", num_col(cv, 4));
	const char *c[] = { "c" };
	p = mk("hist", f, c, 1, NULL, &err);
	is_str(tab(p, 0), "5 4 1\n", "hist: constant column gives one bin");
	plot_free(p);
	p = mk("hist", f, c, 1, "{\"bins\": 2}", &err);
	is_str(tab(p, 0), "4.75 0 0.5\n5.25 4 0.5\n", "hist: constant column with bins: range +-0.5");
	plot_free(p);
	frame_unref(f);

	static const double inf[] = { 1, INFINITY, 2 };
	f = frame1("x", num_col(inf, 3));
	const char *xi[] = { "x" };
	fails("hist", f, xi, 1, NULL, "hist: column 'x' has infinite values", "infinite value");
	frame_unref(f);

	/* All missing. */
	static const double am[] = { NAN, NAN };
	f = frame1("x", num_col(am, 2));
	const char *x[] = { "x" };
	fails("hist", f, x, 1, NULL, "hist: column 'x' has no values", "all missing");
	frame_unref(f);

	/* Time: binned in seconds under a date axis. */
	static const char *const dates[] = { "2020-01-01", "2020-03-01", "2020-03-02", NULL,
					     "2020-12-31" };
	f = frame1("t", mk_time(dates, 5));
	const char *t[] = { "t" };
	p = mk("hist", f, t, 1, "{\"bins\": 4}", &err);
	ok(p && p->tables[0].nrow == 4, "hist: time column binned");
	like(body(p), "timedate", "hist: time axis with date labels");
	like(tab(p, 0), " 3 ", "hist: three dates in the first bin");
	is_str(p->note, "1 missing value not shown", "hist: missing time noted");
	plot_free(p);
	frame_unref(f);

	/* Errors. */
	f = fixture();
	const char *agee[] = { "Agee" }, *home[] = { "Home" }, *job[] = { "Job" },
		   *flag[] = { "Flag" }, *age[] = { "Age" };
	fails("hist", f, agee, 1, NULL, "hist: unknown column 'Agee' (did you mean 'Age'?)",
	      "unknown column");
	fails("hist", f, home, 1, NULL, "hist: column 'Home' is not numeric (it is cat); use \"bar\"",
	      "cat column");
	fails("hist", f, job, 1, NULL, "hist: column 'Job' is not numeric (it is str)", "str column");
	fails("hist", f, flag, 1, NULL, "hist: column 'Flag' is not numeric (it is bool)",
	      "bool column");
	fails("hist", f, age, 0, NULL, "hist: needs a column name", "no column");
	fails("hist", NULL, age, 1, NULL, "hist: needs a data frame", "no frame");
	fails("hist", f, age, 1, "{\"bins\": 0}", "hist: option 'bins' must be an integer in 1..1000",
	      "bins 0");
	fails("hist", f, age, 1, "{\"bins\": 2.5}", "option 'bins' must be an integer", "bins 2.5");
	fails("hist", f, age, 1, "{\"bins\": \"many\"}", "option 'bins' must be an integer",
	      "bins string");
	fails("hist", f, age, 1, "{\"density\": 1}", "hist: option 'density' must be true or false",
	      "density number");
	fails("hist", f, age, 1, "{\"bogus\": 1}",
	      "hist: unknown option 'bogus' (valid: bins, density, title, xlabel, ylabel)",
	      "unknown option");
	p = mk("hist", f, age, 1, "{\"title\": \"Ages\", \"xlabel\": \"years\"}", &err);
	is_str(p->title, "Ages", "hist: title option");
	is_str(p->xlabel, "years", "hist: xlabel option");
	is_str(p->note, "1 missing value not shown", "hist: fixture Age has one missing");
	plot_free(p);
	frame_unref(f);
}

/* ----------------------------------------------------------------- bar */

static void test_bar(void)
{
	struct wb_err err = { { 0 } };
	const char *s[] = { "s" };
	static const char *const sv[] = { "a", "b", "c", "a", "d", NULL, "a", "b", "e",
					  "c", "a", NULL, "b", "c", "a" };
	struct frame *f = frame1("s", column_from_strings(sv, 15));

	/* a 5, b 3, c 3, d 1, e 1, missing 2: count desc, ties by name. */
	struct plot *p = mk("bar", f, s, 1, NULL, &err);
	ok(p != NULL, "bar builds");
	is_str(tab(p, 0), "0 \"a\" 5\n1 \"b\" 3\n2 \"c\" 3\n3 \"d\" 1\n4 \"e\" 1\n5 \"(missing)\" 2\n",
	       "bar: counts, ties by name, missing last");
	is_int(p->ntables, 1, "bar: one table when few categories");
	is_str(p->title, "s", "bar: title is the column");
	like(body(p), "with boxes", "bar: boxes");
	like(body(p), "xtic(2)", "bar: labels as x tics");
	body_clean(p);
	plot_free(p);

	p = mk("bar", f, s, 1, "{\"top\": 2}", &err);
	is_str(tab(p, 0), "0 \"a\" 5\n1 \"b\" 3\n2 \"(other 3)\" 5\n3 \"(missing)\" 2\n",
	       "bar: top 2, the rest summed into (other 3)");
	plot_free(p);
	p = mk("bar", f, s, 1, "{\"top\": 4}", &err);
	is_str(tab(p, 0), "0 \"a\" 5\n1 \"b\" 3\n2 \"c\" 3\n3 \"d\" 1\n4 \"e\" 1\n5 \"(missing)\" 2\n",
	       "bar: a single leftover is drawn by name, not as (other 1)");
	plot_free(p);
	p = mk("bar", f, s, 1, "{\"top\": 3, \"sort\": \"name\"}", &err);
	is_str(tab(p, 0), "0 \"a\" 5\n1 \"b\" 3\n2 \"c\" 3\n3 \"(other 2)\" 2\n4 \"(missing)\" 2\n",
	       "bar: top 3 by count, then by name");
	plot_free(p);
	frame_unref(f);

	static const char *const zv[] = { "z", "m", "z", "a", "z", "m", "z", "m", "z" };
	f = frame1("s", column_from_strings(zv, 9));
	p = mk("bar", f, s, 1, "{\"sort\": \"name\"}", &err);
	is_str(tab(p, 0), "0 \"a\" 1\n1 \"m\" 3\n2 \"z\" 5\n", "bar: sort by name");
	plot_free(p);
	p = mk("bar", f, s, 1, "{\"sort\": \"count\"}", &err);
	is_str(tab(p, 0), "0 \"z\" 5\n1 \"m\" 3\n2 \"a\" 1\n", "bar: sort by count");
	plot_free(p);
	fails("bar", f, s, 1, "{\"sort\": \"size\"}",
	      "bar: option 'sort' must be \"count\" or \"name\" (got 'size')", "bad sort");
	fails("bar", f, s, 1, "{\"top\": 0}", "bar: option 'top' must be an integer in 1..1000",
	      "top 0");
	fails("bar", f, s, 1, "{\"bins\": 3}", "bar: unknown option 'bins' (valid: top, sort, title",
	      "option of another kind");
	frame_unref(f);

	/* int sorts by name numerically (9 < 25 < 100). */
	static const int64_t iv[] = { 100, 25, 9, 25, 100, 100 };
	f = frame1("s", int_col(iv, 6));
	p = mk("bar", f, s, 1, "{\"sort\": \"name\"}", &err);
	is_str(tab(p, 0), "0 \"9\" 1\n1 \"25\" 2\n2 \"100\" 3\n", "bar: int names in numeric order");
	plot_free(p);
	frame_unref(f);

	f = fixture();
	const char *home[] = { "Home" }, *flag[] = { "Flag" }, *age[] = { "Age" },
		   *inc[] = { "Income" }, *date[] = { "Date" }, *hme[] = { "Hom" };
	p = mk("bar", f, home, 1, NULL, &err);
	is_str(tab(p, 0), "0 \"own\" 2\n1 \"rent\" 2\n2 \"mortgage\" 1\n3 \"(missing)\" 1\n",
	       "bar: cat column");
	plot_free(p);
	p = mk("bar", f, flag, 1, NULL, &err);
	is_str(tab(p, 0), "0 \"true\" 3\n1 \"false\" 2\n2 \"(missing)\" 1\n", "bar: bool column");
	plot_free(p);
	p = mk("bar", f, age, 1, NULL, &err);
	is_str(tab(p, 0), "0 \"35\" 2\n1 \"25\" 1\n2 \"30\" 1\n3 \"45\" 1\n4 \"(missing)\" 1\n",
	       "bar: int column");
	plot_free(p);
	fails("bar", f, inc, 1, NULL, "bar: column 'Income' is num, not categorical; use \"hist\"",
	      "num column");
	fails("bar", f, date, 1, NULL, "bar: column 'Date' is time", "time column");
	fails("bar", f, hme, 1, NULL, "bar: unknown column 'Hom' (did you mean 'Home'?)",
	      "unknown column");
	frame_unref(f);

	/* An int with many values belongs in a histogram. */
	int64_t *many = malloc(300 * sizeof(int64_t));
	for (int i = 0; i < 300; i++)
		many[i] = i % 150;
	f = frame1("s", int_col(many, 300));
	fails("bar", f, s, 1, NULL, "bar: column 's' has 150 distinct integer values (at most 100)",
	      "busy int");
	frame_unref(f);
	free(many);

	static const char *const nov[] = { NULL, NULL };
	f = frame1("s", column_from_strings(nov, 2));
	fails("bar", f, s, 1, NULL, "bar: column 's' has no values", "all missing");
	frame_unref(f);

	/* Many categories: files get `top` (20) bars, text a second table of
	 * the 14 largest (c00 has 60 rows, c01 59, ...). */
	char names[40][16];
	const char *lab[40 * 60];
	size_t n = 0;
	for (int k = 0; k < 40; k++) {
		snprintf(names[k], sizeof(names[k]), "c%02d", k);
		for (int r = 0; r < 60 - k; r++)
			lab[n++] = names[k];
	}
	f = frame1("s", column_from_strings(lab, n));
	p = mk("bar", f, s, 1, NULL, &err);
	is_int(p->ntables, 2, "bar: a second table for text");
	is_int(p->tables[0].nrow, 21, "bar: files: 20 bars and other");
	is_int(p->tables[1].nrow, 15, "bar: text: 14 bars and other");
	like(tab(p, 0), "20 \"(other 20)\" ", "bar: files: (other 20)");
	like(tab(p, 1), "13 \"c13\" 47\n14 \"(other 26)\" ", "bar: text: (other 26)");
	like(body(p), "if (wb_text) {", "bar: layout chosen per output");
	like(body(p), "$d1 using", "bar: text plots $d1");
	like(body(p), "$d0 using 1:3:xtic(2)", "bar: files plot $d0");
	plot_free(p);
	frame_unref(f);

	/* Long labels: horizontal bars in text, rotated tics in files. */
	static const char *const lv[] = { "a rather long category name", "another long category name",
					  "yet another long category", "and the fourth long one" };
	f = frame1("s", column_from_strings(lv, 4));
	p = mk("bar", f, s, 1, NULL, &err);
	like(body(p), "with boxxyerror", "bar: long labels: horizontal bars in text");
	like(body(p), "ytic(2)", "bar: horizontal bars labelled on y");
	like(body(p), "rotate by 45", "bar: long labels rotated in files");
	plot_free(p);
	frame_unref(f);
}

/* ------------------------------------------------------------- scatter */

static struct frame *scatter_frame(void)
{
	static const double x[] = { 1, 2, 3, NAN, 5, 6, 7, 8, 9, 10 };
	static const double y[] = { 10, 20, 30, 40, 50, 60, 70, NAN, 90, 100 };
	static const char *const cls[] = { "b", "a", "b", "a", "c", NULL, "b", "a", "c", "b" };
	struct frame *f = frame_new(10);
	frame_add(f, "x", num_col(x, 10), NULL);
	frame_add(f, "y", num_col(y, 10), NULL);
	frame_add(f, "cls", column_from_strings(cls, 10), NULL);
	frame_add(f, "num", num_col(x, 10), NULL);
	frame_seal_content(f);
	return f;
}

static void test_scatter(void)
{
	struct wb_err err = { { 0 } };
	struct frame *f = scatter_frame();
	const char *xy[] = { "x", "y" };

	struct plot *p = mk("scatter", f, xy, 2, NULL, &err);
	ok(p != NULL, "scatter builds");
	is_int(p->ntables, 1, "scatter: one table without by");
	is_int(p->tables[0].nrow, 8, "scatter: rows with missing x or y skipped");
	is_int(p->tables[0].sample, 1, "scatter: table may be sampled");
	is_str(p->note, "2 rows with missing values not shown", "scatter: skipped rows noted");
	is_str(p->title, "y vs x", "scatter: title");
	is_str(p->xlabel, "x", "scatter: xlabel");
	is_str(p->ylabel, "y", "scatter: ylabel");
	ok(!strncmp(tab(p, 0), "1 10\n2 20\n3 30\n5 50\n", 20), "scatter: x y rows in row order");
	like(body(p), "with points", "scatter: points");
	like(body(p), "notitle", "scatter: no legend without classes");
	body_clean(p);
	plot_free(p);

	/* Classes among the 8 complete rows: a 1, b 4, c 2, missing 1. */
	p = mk("scatter", f, xy, 2, "{\"by\": \"cls\"}", &err);
	is_int(p->ntables, 4, "scatter by: one table per class");
	is_str(tab(p, 0), "2 20\n", "scatter by: class a");
	is_str(tab(p, 1), "1 10\n3 30\n7 70\n10 100\n", "scatter by: class b");
	is_str(tab(p, 2), "5 50\n9 90\n", "scatter by: class c");
	is_str(tab(p, 3), "6 60\n", "scatter by: missing class last");
	int all_sampled = 1;
	for (int t = 0; t < p->ntables; t++)
		all_sampled &= p->tables[t].sample;
	ok(all_sampled, "scatter by: every class table may be sampled");
	like(body(p), "title \"a\"", "scatter by: legend a");
	like(body(p), "title \"(missing)\"", "scatter by: legend (missing)");
	like(body(p), "pt \"o\"", "scatter by: text point characters");
	like(body(p), "pt \"x\"", "scatter by: a second character");
	like(body(p), "set key", "scatter by: legend shown");
	plot_free(p);

	fails("scatter", f, xy, 2, "{\"by\": \"num\"}",
	      "scatter: column 'num' (by) is num; group by a cat, str, bool or int column",
	      "numeric by");
	fails("scatter", f, xy, 2, "{\"by\": \"clss\"}",
	      "scatter: unknown column 'clss' (did you mean 'cls'?)", "unknown by");
	fails("scatter", f, xy, 2, "{\"by\": 3}", "scatter: option 'by' must be a string", "by not text");
	fails("scatter", f, xy, 1, NULL, "scatter: needs two column names (x, y)", "one column");
	const char *xc[] = { "x", "cls" }, *xz[] = { "x", "z" };
	fails("scatter", f, xc, 2, NULL, "scatter: column 'cls' is not numeric (it is str)",
	      "str y");
	fails("scatter", f, xz, 2, NULL, "scatter: unknown column 'z'", "unknown y");
	frame_unref(f);

	static const double nx[] = { NAN, 1 }, ny[] = { 1, NAN };
	f = frame_new(2);
	frame_add(f, "x", num_col(nx, 2), NULL);
	frame_add(f, "y", num_col(ny, 2), NULL);
	frame_seal_content(f);
	fails("scatter", f, xy, 2, NULL, "scatter: columns 'x' and 'y' have no rows with both values",
	      "no complete rows");
	frame_unref(f);

	/* 14 classes of 1..14 rows: the 11 largest and "(other)" (6 rows). */
	size_t n = 0;
	double xs[140], ys[140];
	const char *cs[140];
	char cn[14][16];
	for (int k = 0; k < 14; k++) {
		snprintf(cn[k], sizeof(cn[k]), "c%02d", k);
		for (int r = 0; r <= k; r++, n++) {
			xs[n] = (double)n;
			ys[n] = k;
			cs[n] = cn[k];
		}
	}
	f = frame_new(n);
	frame_add(f, "x", num_col(xs, n), NULL);
	frame_add(f, "y", num_col(ys, n), NULL);
	frame_add(f, "cls", column_from_strings(cs, n), NULL);
	frame_seal_content(f);
	p = mk("scatter", f, xy, 2, "{\"by\": \"cls\"}", &err);
	is_int(p->ntables, 12, "scatter: 14 classes -> 11 and (other)");
	is_int(p->tables[0].nrow, 4, "scatter: smallest kept class is c03");
	like(body(p), "title \"c03\"", "scatter: c03 kept");
	ok(!strstr(body(p), "\"c02\""), "scatter: c02 folded");
	is_int(p->tables[11].nrow, 6, "scatter: (other) holds c00..c02");
	like(body(p), "title \"(other)\"", "scatter: legend (other)");
	plot_free(p);
	frame_unref(f);

	/* A large missing class stays, listed after "(other)": 13 named
	 * classes of 2..14 rows and 20 rows without a class keep the missing
	 * class and the 10 largest named (c04..c13); c01..c03 go to (other). */
	n = 0;
	for (int k = 1; k < 14; k++)
		for (int r = 0; r <= k; r++, n++) {
			xs[n] = (double)n;
			ys[n] = k;
			cs[n] = cn[k];
		}
	for (int r = 0; r < 20; r++, n++) {
		xs[n] = (double)n;
		ys[n] = -1;
		cs[n] = NULL;
	}
	f = frame_new(n);
	frame_add(f, "x", num_col(xs, n), NULL);
	frame_add(f, "y", num_col(ys, n), NULL);
	frame_add(f, "cls", column_from_strings(cs, n), NULL);
	frame_seal_content(f);
	p = mk("scatter", f, xy, 2, "{\"by\": \"cls\"}", &err);
	is_int(p->ntables, 12, "scatter: 10 named, (other), (missing)");
	is_int(p->tables[0].nrow, 5, "scatter: first kept class c04");
	is_int(p->tables[10].nrow, 9, "scatter: (other) holds c01..c03 (2 + 3 + 4 rows)");
	is_int(p->tables[11].nrow, 20, "scatter: (missing) last");
	ok(strstr(body(p), "\"(other)\"") && strstr(body(p), "\"(missing)\"") &&
	   strstr(body(p), "\"(other)\"") < strstr(body(p), "\"(missing)\""),
	   "scatter: legend lists (other) before (missing)");
	plot_free(p);
	frame_unref(f);

	/* Time axes. */
	static const char *const dates[] = { "2020-01-01", "2020-06-01", "2021-01-01" };
	static const double yy[] = { 1, 2, 3 };
	f = frame_new(3);
	frame_add(f, "t", mk_time(dates, 3), NULL);
	frame_add(f, "y", num_col(yy, 3), NULL);
	frame_seal_content(f);
	const char *ty[] = { "t", "y" };
	p = mk("scatter", f, ty, 2, NULL, &err);
	like(tab(p, 0), "1577836800 1\n", "scatter: time as seconds since 1970");
	like(body(p), "set format x \"%Y-%m-%d\" timedate", "scatter: date labels on x");
	plot_free(p);
	frame_unref(f);
}

/* ---------------------------------------------------------------- line */

static void test_line(void)
{
	struct wb_err err = { { 0 } };
	static const double x[] = { 3, 1, 2, 1, NAN, 4 };
	static const double y1[] = { 30, 10, 20, 11, 99, NAN };
	static const double y2[] = { 3, 1, 2, 1.5, 9, 4 };
	struct frame *f = frame_new(6);
	frame_add(f, "x", num_col(x, 6), NULL);
	frame_add(f, "y1", num_col(y1, 6), NULL);
	frame_add(f, "y2", num_col(y2, 6), NULL);
	frame_add(f, "s", column_from_strings((const char *const[]){ "a", "b", "c", "d", "e", "f" }, 6),
		  NULL);
	static const double yn[] = { NAN, NAN, NAN, NAN, 5, NAN };
	frame_add(f, "yn", num_col(yn, 6), NULL);
	frame_seal_content(f);

	const char *c1[] = { "x", "y1" };
	struct plot *p = mk("line", f, c1, 2, NULL, &err);
	ok(p != NULL, "line builds");
	is_str(tab(p, 0), "1 10\n1 11\n2 20\n3 30\n", "line: rows ordered by x, ties kept in order");
	is_int(p->tables[0].sample, 0, "line: never sampled");
	is_str(p->note, "2 points with missing x or y not shown", "line: missing noted");
	is_str(p->title, "y1 vs x", "line: title");
	is_str(p->ylabel, "y1", "line: ylabel");
	like(body(p), "with lines", "line: lines");
	like(body(p), "notitle", "line: one series, no legend");
	body_clean(p);
	plot_free(p);

	const char *c2[] = { "x", "y1", "y2" };
	p = mk("line", f, c2, 3, NULL, &err);
	is_int(p->ntables, 2, "line: one table per y column");
	is_str(tab(p, 1), "1 1\n1 1.5\n2 2\n3 3\n4 4\n", "line: second series");
	like(body(p), "title \"y1\"", "line: legend y1");
	like(body(p), "title \"y2\"", "line: legend y2");
	like(body(p), "lt 2", "line: second series has its own line type");
	plot_free(p);

	const char *cs[] = { "x", "s" }, *cx[] = { "x" }, *cq[] = { "x", "y3" }, *cn[] = { "x", "yn" };
	fails("line", f, cs, 2, NULL, "line: column 's' is not numeric (it is str)", "str y");
	fails("line", f, cx, 1, NULL, "line: needs an x column and at least one y column", "no y");
	fails("line", f, cq, 2, NULL, "line: unknown column 'y3'", "unknown y");
	fails("line", f, cn, 2, NULL, "line: column 'yn' has no values (with x present)",
	      "y missing wherever x is present");
	frame_unref(f);

	/* Series (learning curves): x NULL means 1..n; NaN skipped. */
	static const double tr[] = { 0.9, 0.7, 0.5 }, va[] = { 1.0, NAN, 0.8, 0.75 };
	static const double vx[] = { 10, 20, 30, 40 };
	struct plot_series ser[2] = {
		{ .name = "train", .n = 3, .y = tr },
		{ .name = "valid", .n = 4, .x = vx, .y = va },
	};
	struct plot_input in = { .series = ser, .nseries = 2 };
	p = plot_make("line", &in, NULL, &err);
	ok(p != NULL, "line: series build");
	is_str(tab(p, 0), "1 0.9\n2 0.7\n3 0.5\n", "line: series x defaults to 1..n");
	is_str(tab(p, 1), "10 1\n30 0.8\n40 0.75\n", "line: series NaN skipped");
	like(body(p), "title \"train\"", "line: series legend");
	is_str(p->note, "1 point with missing x or y not shown", "line: series missing noted");
	plot_free(p);
	struct plot_input none = { 0 };
	p = plot_make("line", &none, NULL, &err);
	ok(!p, "line: no frame and no series fails");
	like(err.msg, "line: needs a data frame", "line: no input message");
}

/* ----------------------------------------------------------------- box */

static void test_box(void)
{
	struct wb_err err = { { 0 } };
	const char *v[] = { "v" };

	/* np.percentile([1..10, 50], [25, 50, 75]) = 3.5, 6, 8.5; fences -4, 16:
	 * whiskers 1 and 10, 50 an outlier. */
	double d[11];
	for (int i = 0; i < 10; i++)
		d[i] = i + 1;
	d[10] = 50;
	struct frame *f = frame1("v", num_col(d, 11));
	struct plot *p = mk("box", f, v, 1, NULL, &err);
	ok(p != NULL, "box builds");
	is_str(tab(p, 0), "0 \"v\" 3.5 1 10 8.5 6 11\n", "box: quartiles, whiskers, median, n");
	is_int(p->ntables, 2, "box: an outlier table");
	is_str(tab(p, 1), "0 50\n", "box: outlier");
	is_int(p->tables[1].sample, 1, "box: outliers may be sampled");
	is_int(p->tables[0].sample, 0, "box: boxes are not");
	like(body(p), "using 1:3:4:5:6:xtic(2) with candlesticks whiskerbars",
	     "box: candlesticks x:q1:whisker low:whisker high:q3");
	like(body(p), "using 1:7:7:7:7 with candlesticks", "box: median line");
	is_str(p->title, "v", "box: title");
	body_clean(p);
	plot_free(p);
	frame_unref(f);

	/* Groups (reference: np.percentile per group, whiskers as above):
	 *   a = [2.5, 3.1, 4.7, 1.2, 9.9, 3.3, 3.0, -4.0, 3.6]:
	 *       q1 2.5, median 3.1, q3 3.6, whiskers 1.2 .. 4.7, outliers -4, 9.9
	 *   b = [10, 12.5, 11, 13.25]: q1 10.75, median 11.75, q3 12.6875,
	 *       whiskers 10 .. 13.25 */
	static const double gv[] = { 10, 2.5, 3.1, 4.7, 12.5, 1.2, 9.9, 5, 3.3, 3.0, 11, -4.0,
				     NAN, 3.6, 13.25 };
	static const char *const gg[] = { "b", "a", "a", "a", "b", "a", "a", NULL, "a", "a", "b",
					  "a", "a", "a", "b" };
	f = frame_new(15);
	frame_add(f, "v", num_col(gv, 15), NULL);
	frame_add(f, "g", column_from_strings(gg, 15), NULL);
	frame_add(f, "x", num_col(gv, 15), NULL);
	frame_seal_content(f);
	p = mk("box", f, v, 1, "{\"by\": \"g\"}", &err);
	is_str(tab(p, 0), "0 \"a\" 2.5 1.2 4.7 3.6 3.1 9\n1 \"b\" 10.75 10 13.25 12.6875 11.75 4\n"
	       "2 \"(missing)\" 5 5 5 5 5 1\n", "box by: per-group statistics, by name, missing last");
	is_str(tab(p, 1), "0 -4\n0 9.9\n", "box by: outliers of group a");
	is_str(p->note, "1 missing value not shown", "box by: missing value noted");
	is_str(p->title, "v by g", "box by: title");
	is_str(p->xlabel, "g", "box by: xlabel");
	is_str(p->ylabel, "v", "box by: ylabel");
	plot_free(p);
	fails("box", f, v, 1, "{\"by\": \"x\"}", "box: column 'x' (by) is num", "numeric by");
	const char *g[] = { "g" };
	fails("box", f, g, 1, NULL, "box: column 'g' is not numeric (it is str)", "str value");
	frame_unref(f);

	/* 31 groups. */
	double vv[62];
	int64_t gi[62];
	for (int i = 0; i < 62; i++) {
		vv[i] = i;
		gi[i] = i % 31;
	}
	f = frame_new(62);
	frame_add(f, "v", num_col(vv, 62), NULL);
	frame_add(f, "g", int_col(gi, 62), NULL);
	frame_seal_content(f);
	fails("box", f, v, 1, "{\"by\": \"g\"}", "box: column 'g' (by) has 31 groups (at most 30)",
	      "too many groups");
	frame_unref(f);

	static const double am[] = { NAN, NAN, NAN };
	f = frame1("v", num_col(am, 3));
	fails("box", f, v, 1, NULL, "box: column 'v' has no values", "all missing");
	frame_unref(f);

	/* Large inputs take the sampled-bracket selection; check it against
	 * type-7 quartiles of a sorted copy: random normal values, and values
	 * whose order defeats the strided sample (40960 values, so the sample
	 * takes every 5th, which is 0: the brackets miss and the full
	 * selection runs). */
	for (int kind = 0; kind < 2; kind++) {
		size_t n = kind ? 40960 : 50001;
		double *x = malloc(n * sizeof(double)), *srt = malloc(n * sizeof(double));
		struct rng r;
		rng_seed(&r, 3);
		for (size_t i = 0; i < n; i++)
			x[i] = kind == 0 ? rng_normal(&r) : i % 5 == 0 ? 0 : (double)i;
		memcpy(srt, x, n * sizeof(double));
		qsort(srt, n, sizeof(double), cmp_dbl);
		double want[3];
		for (int q = 0; q < 3; q++) {
			double h = (double)(n - 1) * (q + 1) * 0.25;
			size_t lo = (size_t)h;
			want[q] = srt[lo] + (h - (double)lo) * (srt[lo + 1 < n ? lo + 1 : lo] - srt[lo]);
		}
		f = frame1("v", num_col(x, n));
		p = mk("box", f, v, 1, NULL, &err);
		double q1, wlo, whi, q3, med;
		int got = p && sscanf(tab(p, 0), "0 \"v\" %lf %lf %lf %lf %lf", &q1, &wlo, &whi, &q3,
					&med) == 5;
		ok(got && fabs(q1 - want[0]) < 1e-9 && fabs(med - want[1]) < 1e-9 &&
		   fabs(q3 - want[2]) < 1e-9, "box: exact quartiles of %zu %s values", n,
		   kind ? "adversarially ordered" : "random");
		plot_free(p);
		frame_unref(f);
		free(x);
		free(srt);
	}
}

/* ---------------------------------------------------------------- corr */

static struct frame *corr_frame(void)
{
	static const double a[] = { 1, 2, NAN, 4, 5, 6, 7, 8 };
	static const int64_t b[] = { 2, 1, 4, 3, 6, 0, 8, 9 };
	static const int bmiss[] = { 0, 0, 0, 0, 0, 1, 0, 0 };
	static const double c[] = { 1.5, 1.5, 2.0, 0.5, 3.0, 3.0, 3.0, 10.0 };
	static const int8_t d[] = { 1, 0, 1, 1, 0, 0, 1, 0 };
	static const double e[] = { 7, 7, 7, 7, 7, 7, 7, 7 };
	struct frame *f = frame_new(8);
	frame_add(f, "a", num_col(a, 8), NULL);
	frame_add(f, "b", mk_int(b, bmiss, 8), NULL);
	frame_add(f, "c", num_col(c, 8), NULL);
	frame_add(f, "d", mk_bool(d, 8), NULL);
	frame_add(f, "e", num_col(e, 8), NULL);
	frame_add(f, "s", column_from_strings((const char *const[]){ "p", "q", "p", "q", "p", "q",
								     "p", "q" }, 8), NULL);
	frame_seal_content(f);
	return f;
}

static void test_corr(void)
{
	struct wb_err err = { { 0 } };
	struct frame *f = corr_frame();

	/* Pairwise-complete rows.  Reference: for each pair, rows where both are
	 * present, np.corrcoef(u, v)[0, 1] and scipy.stats.spearmanr(u, v);
	 * NaN when either is constant there. */
	static const double pear[5][5] = {
		{ 1.0, 0.95929305277075, 0.7112394480038903, -0.2606430175713435, NAN },
		{ 0.9592930527707502, 1.0, 0.7695550524653938, -0.19051837407217848, NAN },
		{ 0.7112394480038903, 0.7695550524653938, 1.0, -0.476412221977579, NAN },
		{ -0.26064301757134345, -0.19051837407217848, -0.476412221977579, 1.0, NAN },
		{ NAN, NAN, NAN, NAN, NAN },
	};
	static const double spear[5][5] = {
		{ 1.0, 0.942857142857143, 0.8420413371357598, -0.2886751345948129, NAN },
		{ 0.942857142857143, 1.0, 0.8728715609439697, -0.14433756729740646, NAN },
		{ 0.8420413371357598, 0.8728715609439697, 1.0, -0.5062895554167107, NAN },
		{ -0.28867513459481287, -0.14433756729740643, -0.5062895554167107, 1.0, NAN },
		{ NAN, NAN, NAN, NAN, NAN },
	};
	const char *cols[] = { "a", "b", "c", "d", "e" };
	struct plot_input in = { .frame = f, .cols = cols, .ncols = 5 };
	for (int sp = 0; sp < 2; sp++) {
		json_t *o = json_pack("{s:s}", "method", sp ? "spearman" : "pearson");
		int k = 0;
		double *r = plot_corr_values(&in, o, &k, &err);
		is_int(k, 5, "corr values: 5 columns");
		int good = r != NULL;
		for (int i = 0; good && i < 5; i++)
			for (int j = 0; j < 5; j++) {
				double want = sp ? spear[i][j] : pear[i][j], got = r[i * 5 + j];
				if (isnan(want) ? !isnan(got) : !(fabs(got - want) <= 1e-12)) {
					printf("# [%d][%d] got %.17g want %.17g\n", i, j, got, want);
					good = 0;
				}
			}
		ok(good, "corr %s: pairwise-complete values as numpy/scipy (1e-12)",
		   sp ? "spearman" : "pearson");
		free(r);
		json_decref(o);
	}

	struct plot *p = mk("corr", f, cols, 5, NULL, &err);
	ok(p != NULL, "corr builds");
	is_str(p->title, "pearson correlation", "corr: title");
	is_int(p->ntables, 2, "corr: image and label tables (5 columns)");
	is_int(p->tables[0].nrow, 25, "corr: image has 25 cells");
	ok(!strncmp(tab(p, 0), "0 0 1\n1 0 0.9592930528\n", 22), "corr: image x fastest");
	like(tab(p, 0), "4 0 0\n", "corr: NaN cell drawn as 0 (white)");
	ok(!strstr(tab(p, 0), "NaN") && !strstr(tab(p, 0), "nan"), "corr: no NaN in the image");
	ok(!strncmp(tab(p, 1), "0 0 \"1.00\"\n1 0 \"0.96\"\n2 0 \"0.71\"\n3 0 \"-0.26\"\n4 0 \"nan\"\n",
		    52), "corr: cell labels");
	like(p->note, "constant column 'e': correlation not defined (nan)", "corr: constant noted");
	like(body(p), "with image", "corr: heatmap image");
	like(body(p), "set palette defined (-1 \"blue\", 0 \"white\", 1 \"red\")", "corr: palette");
	like(body(p), "set cbrange [-1:1]", "corr: colour range");
	like(body(p), "set yrange [4.5:-0.5]", "corr: first column at the top");
	like(body(p), "set xtics (\"a\" 0, \"b\" 1, \"c\" 2, \"d\" 3, \"e\" 4)", "corr: names as tics");
	like(body(p), "unset colorbox", "corr: no colour box in text");
	like(body(p), "with labels", "corr: values as labels");
	body_clean(p);
	plot_free(p);

	/* Default columns: the num, int and bool ones (fixture: Age, Income,
	 * Flag, my col). */
	struct frame *fx = fixture();
	p = mk("corr", fx, NULL, 0, "{\"method\": \"spearman\"}", &err);
	ok(p != NULL, "corr: default columns");
	is_int(p->tables[0].nrow, 16, "corr: 4 numeric columns of the fixture");
	like(body(p), "(\"Age\" 0, \"Income\" 1, \"Flag\" 2, \"my col\" 3)", "corr: default names");
	is_str(p->title, "spearman correlation", "corr: spearman title");
	plot_free(p);
	const char *hc[] = { "Age", "Home" }, *dc[] = { "Age", "Date" }, *one[] = { "Age" },
		   *typo[] = { "Age", "Incme" };
	fails("corr", fx, hc, 2, NULL, "corr: column 'Home' is not numeric (it is cat)", "cat column");
	fails("corr", fx, dc, 2, NULL, "corr: column 'Date' is not numeric (it is time)", "time column");
	fails("corr", fx, one, 1, NULL, "corr: needs at least 2 numeric columns (given 1)", "one column");
	fails("corr", fx, typo, 2, NULL, "corr: unknown column 'Incme' (did you mean 'Income'?)",
	      "unknown column");
	fails("corr", fx, NULL, 0, "{\"method\": \"kendall\"}",
	      "corr: option 'method' must be \"pearson\" or \"spearman\" (got 'kendall')", "bad method");
	frame_unref(fx);
	frame_unref(f);

	/* 31 columns. */
	f = frame_new(3);
	for (int j = 0; j < 31; j++) {
		char name[16];
		double v3[3] = { j, j * 2, 1 };
		snprintf(name, sizeof(name), "c%d", j);
		frame_add(f, name, num_col(v3, 3), NULL);
	}
	frame_seal_content(f);
	fails("corr", f, NULL, 0, NULL, "corr: 31 columns are too many for a heatmap (at most 30)",
	      "too many columns");
	frame_unref(f);

	/* Many columns in text: numbered x tics and compact labels. */
	f = frame_new(4);
	for (int j = 0; j < 9; j++) {
		char name[32];
		double v4[4] = { j, (j * 7) % 5, (j * 3) % 4, 1 + j % 2 };
		snprintf(name, sizeof(name), "a_longer_name_%d", j);
		frame_add(f, name, num_col(v4, 4), NULL);
	}
	frame_seal_content(f);
	p = mk("corr", f, NULL, 0, NULL, &err);
	is_int(p->ntables, 3, "corr: compact text labels for 9 columns");
	like(body(p), "(\"1\" 0, \"2\" 1", "corr: numbered x tics in text");
	like(body(p), "\"1 a_longer_name_0\" 0", "corr: numbered y tics in text");
	like(body(p), "rotate by 45", "corr: long names rotated in files");
	ok(!strncmp(tab(p, 2), "0 0 \"1\"\n", 8), "corr: compact label of 1");
	plot_free(p);
	frame_unref(f);
}

/* The same matrix and tables with 1 and 2 threads. */
static void test_corr_threads(void)
{
	struct wb_err err = { { 0 } };
	/* 28 pairs x 100k rows: over the threshold where pairs go parallel. */
	size_t n = 100000;
	int p = 8;
	struct rng r;
	rng_seed(&r, 42);
	struct frame *f = frame_new(n);
	for (int j = 0; j < p; j++) {
		struct column *c = column_new(COL_NUM, n);
		for (size_t i = 0; i < n; i++) {
			double base = rng_normal(&r);
			c->num[i] = j % 3 == 0 && rng_below(&r, 50) == 0 ? NAN
				    : 1e3 * j + base + 0.3 * (double)(i % 7);
		}
		char name[16];
		snprintf(name, sizeof(name), "v%d", j);
		frame_add(f, name, c, NULL);
	}
	frame_seal_content(f);
	struct plot_input in = { .frame = f };
	for (int sp = 0; sp < 2; sp++) {
		json_t *o = json_pack("{s:s}", "method", sp ? "spearman" : "pearson");
		int k1, k2;
		omp_set_num_threads(1);
		double *r1 = plot_corr_values(&in, o, &k1, &err);
		struct plot *p1 = plot_make("corr", &in, o, &err);
		omp_set_num_threads(2);
		double *r2 = plot_corr_values(&in, o, &k2, &err);
		struct plot *p2 = plot_make("corr", &in, o, &err);
		ok(r1 && r2 && k1 == p && k2 == p &&
		   !memcmp(r1, r2, (size_t)p * (size_t)p * sizeof(double)),
		   "corr %s: bit-identical with 1 and 2 threads", sp ? "spearman" : "pearson");
		is_str(tab(p2, 0), tab(p1, 0), "corr %s: identical table text",
		       sp ? "spearman" : "pearson");
		ok(r1 && fabs(r1[1]) < 0.9 && r1[0] == 1, "corr %s: sane values",
		   sp ? "spearman" : "pearson");
		free(r1);
		free(r2);
		plot_free(p1);
		plot_free(p2);
		json_decref(o);
	}
	frame_unref(f);
}

/* --------------------------------------------------------- determinism */

static void test_deterministic(void)
{
	struct wb_err err = { { 0 } };
	struct frame *f = fixture();
	static const struct { const char *kind; const char *cols[2]; int n; const char *opts; } k[] = {
		{ "hist", { "Income" }, 1, NULL },
		{ "bar", { "Job" }, 1, NULL },
		{ "scatter", { "Age", "Income" }, 2, "{\"by\": \"Home\"}" },
		{ "line", { "Date", "Income" }, 2, NULL },
		{ "box", { "Income" }, 1, "{\"by\": \"Flag\"}" },
		{ "corr", { NULL }, 0, NULL },
	};
	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		struct plot *a = mk(k[i].kind, f, k[i].cols, k[i].n, k[i].opts, &err);
		struct plot *b = mk(k[i].kind, f, k[i].cols, k[i].n, k[i].opts, &err);
		int same = a && b && a->ntables == b->ntables && !strcmp(body(a), body(b)) &&
			   !strcmp(a->note, b->note);
		for (int t = 0; same && t < a->ntables; t++)
			same = !strcmp(tab(a, t), tab(b, t));
		ok(same, "%s: same input, same plot", k[i].kind);
		if (a)
			body_clean(a);
		plot_free(a);
		plot_free(b);
	}
	frame_unref(f);

	const char *const *names = plot_kind_names();
	int found = 0;
	for (; *names; names++)
		found += !strcmp(*names, "hist") || !strcmp(*names, "bar") ||
			 !strcmp(*names, "scatter") || !strcmp(*names, "line") ||
			 !strcmp(*names, "box") || !strcmp(*names, "corr");
	is_int(found, 6, "all six kinds registered");
	const struct plot_kind *h = plot_kind_find("hist");
	ok(h && h->summary && h->takes && h->opts && !strcmp(h->opts[0], "bins"),
	   "hist: summary, takes and options filled");
}

/* ------------------------------------------------------------ rendering */

static int render_ok(struct gnuplot *gp, const struct plot *p, enum plot_format fmt,
		     const char *path, struct plot_output *out)
{
	struct wb_err err = { { 0 } };
	struct plot_render_opts o = { .format = fmt, .path = path };
	if (fmt == PLOT_TEXT) {
		o.width = 80;
		o.height = 24;
	}
	int rc = plot_render(gp, p, &o, out, &err);
	if (rc < 0)
		printf("# render %s: %s\n", p->kind, err.msg);
	if (rc == 0 && out->warnings)
		printf("# warnings %s: %s\n", p->kind, out->warnings);
	return rc == 0 && !out->warnings;
}

static void test_render(void)
{
	struct wb_err err = { { 0 } };
	struct gnuplot *gp = gnuplot_new(NULL);
	if (gnuplot_has_terminal(gp, "dumb", &err) <= 0) {
		diag("gnuplot not available: render tests skipped");
		gnuplot_free(gp);
		return;
	}
	int png = gnuplot_has_terminal(gp, "pngcairo", &err) > 0;

	size_t n = 300;
	struct frame *f = frame_new(n);
	struct column *x = column_new(COL_NUM, n), *y = column_new(COL_NUM, n);
	const char *cls[300];
	static const char *const names[] = { "alpha", "beta", "gamma" };
	struct rng r;
	rng_seed(&r, 7);
	for (size_t i = 0; i < n; i++) {
		x->num[i] = 10 + 5 * rng_normal(&r);
		y->num[i] = 2 * x->num[i] + rng_normal(&r) + 20 * (double)(i % 3);
		cls[i] = names[i % 3];
	}
	frame_add(f, "height", x, NULL);
	frame_add(f, "weight", y, NULL);
	frame_add(f, "species", column_from_strings(cls, n), NULL);
	frame_seal_content(f);

	struct {
		const char *kind, *cols[3];
		int ncols;
		const char *opts;
		const char *want[4];
	} cases[] = {
		{ "hist", { "height" }, 1, NULL, { "height", "count", NULL } },
		{ "bar", { "species" }, 1, NULL, { "species", "alpha", "beta", "gamma" } },
		{ "scatter", { "height", "weight" }, 2, "{\"by\": \"species\"}",
		  { "weight vs height", "alpha", "gamma", NULL } },
		{ "line", { "height", "weight", "height" }, 3, NULL, { "weight", "height", NULL } },
		{ "box", { "weight" }, 1, "{\"by\": \"species\"}",
		  { "weight by species", "alpha", "beta", "gamma" } },
		{ "corr", { NULL }, 0, NULL, { "pearson correlation", "height", "weight", "1.00" } },
	};
	char path[64];
	snprintf(path, sizeof(path), "/tmp/wb_test_plot_explore_%d.png", (int)getpid());
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct plot *p = mk(cases[c].kind, f, cases[c].cols, cases[c].ncols, cases[c].opts,
				    &err);
		if (!p) {
			ok(0, "%s: builds for rendering (%s)", cases[c].kind, err.msg);
			continue;
		}
		struct plot_output out;
		int good = render_ok(gp, p, PLOT_TEXT, NULL, &out);
		ok(good, "%s: renders as text without warnings", cases[c].kind);
		for (int w = 0; w < 4 && cases[c].want[w]; w++)
			like(out.data, cases[c].want[w], "%s: text shows '%s'", cases[c].kind,
			     cases[c].want[w]);
		is_int(out.data ? count_char(out.data, '\n') : 0, 24, "%s: 24 lines", cases[c].kind);
		plot_output_release(&out);
		if (png) {
			good = render_ok(gp, p, PLOT_PNG, path, &out);
			ok(good, "%s: renders as PNG without warnings", cases[c].kind);
			plot_output_release(&out);
			remove(path);
		}
		plot_free(p);
	}

	/* Axis tick labels: a histogram of 0..9 has its x ticks. */
	double d[10];
	for (int i = 0; i < 10; i++)
		d[i] = i;
	struct frame *g = frame1("v", num_col(d, 10));
	const char *v[] = { "v" };
	struct plot *p = mk("hist", g, v, 1, "{\"bins\": 5}", &err);
	struct plot_output out;
	render_ok(gp, p, PLOT_TEXT, NULL, &out);
	like(out.data, " 2 ", "hist: y tick 2 in text");
	like(out.data, " 6 ", "hist: x tick 6 in text");
	plot_output_release(&out);
	plot_free(p);
	frame_unref(g);

	/* Every layout variant renders cleanly in text and PNG: long bar
	 * labels (horizontal in text, rotated in files), many bars (the text
	 * table), many classes, dates on x and y, line series, corr with
	 * numbered tics and compact labels and a constant column, a lone box. */
	size_t vn = 120;
	struct frame *vf = frame_new(vn);
	const char *lab[120], *cls14[120];
	static const char *const longs[] = { "a rather long category name", "another long name",
					     "the third category", "and a fourth one" };
	char many[30][16], c14[14][16];
	char *dates[120];
	for (int k = 0; k < 30; k++)
		snprintf(many[k], sizeof(many[k]), "m%02d", k);
	for (int k = 0; k < 14; k++)
		snprintf(c14[k], sizeof(c14[k]), "k%02d", k);
	struct column *vx = column_new(COL_NUM, vn), *vk = column_new(COL_NUM, vn);
	const char *mlab[120];
	for (size_t i = 0; i < vn; i++) {
		lab[i] = longs[i % 4];
		mlab[i] = many[(i * i) % 30];
		cls14[i] = c14[(i * 7) % 14];
		vx->num[i] = (double)((i * 37) % 101) / 7;
		vk->num[i] = 3;
		dates[i] = malloc(16);
		snprintf(dates[i], 16, "2021-%02d-%02d", (int)(i % 12) + 1, (int)(i % 28) + 1);
	}
	frame_add(vf, "long", column_from_strings(lab, vn), NULL);
	frame_add(vf, "many", column_from_strings(mlab, vn), NULL);
	frame_add(vf, "cls", column_from_strings(cls14, vn), NULL);
	frame_add(vf, "x", vx, NULL);
	frame_add(vf, "konst", vk, NULL);
	frame_add(vf, "when", mk_time((const char *const *)dates, vn), NULL);
	for (size_t i = 0; i < vn; i++)
		free(dates[i]);
	for (int j = 0; j < 8; j++) {
		char name[32];
		struct column *c = column_new(COL_NUM, vn);
		for (size_t i = 0; i < vn; i++)
			c->num[i] = rng_normal(&r) + (double)(i % (size_t)(j + 2));
		snprintf(name, sizeof(name), "feature_number_%d", j);
		frame_add(vf, name, c, NULL);
	}
	frame_seal_content(vf);
	static const struct { const char *kind, *cols[3]; int n; const char *opts; } var[] = {
		{ "bar", { "long" }, 1, NULL },
		{ "bar", { "many" }, 1, NULL },
		{ "bar", { "many" }, 1, "{\"sort\": \"name\", \"top\": 5}" },
		{ "scatter", { "x", "feature_number_0" }, 2, "{\"by\": \"cls\"}" },
		{ "scatter", { "when", "x" }, 2, NULL },
		{ "scatter", { "x", "when" }, 2, NULL },
		{ "scatter", { "konst", "konst" }, 2, NULL },
		{ "hist", { "when" }, 1, NULL },
		{ "hist", { "konst" }, 1, NULL },
		{ "hist", { "x" }, 1, "{\"density\": true}" },
		{ "line", { "when", "x", "feature_number_1" }, 3, NULL },
		{ "box", { "x" }, 1, NULL },
		{ "box", { "x" }, 1, "{\"by\": \"long\"}" },
		{ "box", { "x" }, 1, "{\"by\": \"many\"}" },
		{ "corr", { NULL }, 0, NULL },
		{ "corr", { NULL }, 0, "{\"method\": \"spearman\"}" },
	};
	for (size_t c = 0; c < sizeof(var) / sizeof(var[0]); c++) {
		struct plot *q = mk(var[c].kind, vf, var[c].cols, var[c].n, var[c].opts, &err);
		if (!q) {
			ok(0, "variant %zu (%s) builds: %s", c, var[c].kind, err.msg);
			continue;
		}
		struct plot_output o2;
		ok(render_ok(gp, q, PLOT_TEXT, NULL, &o2), "variant %zu (%s %s): text renders cleanly",
		   c, var[c].kind, var[c].cols[0] ? var[c].cols[0] : "");
		plot_output_release(&o2);
		if (png) {
			ok(render_ok(gp, q, PLOT_PNG, path, &o2),
			   "variant %zu (%s %s): PNG renders cleanly", c, var[c].kind,
			   var[c].cols[0] ? var[c].cols[0] : "");
			plot_output_release(&o2);
			remove(path);
		}
		plot_free(q);
	}
	frame_unref(vf);

	/* Line series render (no frame). */
	static const double tr[] = { 0.9, 0.7, 0.5, 0.45 }, va[] = { 1.0, 0.8, 0.75, 0.8 };
	struct plot_series ser[2] = { { .name = "train", .n = 4, .y = tr },
				      { .name = "valid", .n = 4, .y = va } };
	struct plot_input sin = { .series = ser, .nseries = 2 };
	p = plot_make("line", &sin, NULL, &err);
	render_ok(gp, p, PLOT_TEXT, NULL, &out);
	like(out.data, "train", "line series: legend train in text");
	like(out.data, "valid", "line series: legend valid in text");
	plot_output_release(&out);
	plot_free(p);

	/* Scatter by class: each class has its own character in the legend. */
	const char *xy[] = { "height", "weight" };
	p = mk("scatter", f, xy, 2, "{\"by\": \"species\"}", &err);
	render_ok(gp, p, PLOT_TEXT, NULL, &out);
	like(out.data, "alpha    o", "scatter: legend alpha drawn with o");
	like(out.data, "beta    x", "scatter: legend beta drawn with x");
	plot_output_release(&out);
	plot_free(p);
	frame_unref(f);
	gnuplot_free(gp);
}

/* ---------------------------------------------------------------- speed */

static void test_speed(void)
{
	struct wb_err err = { { 0 } };
	size_t n = 1000000;
	struct rng r;
	rng_seed(&r, 1);
	struct frame *f = frame_new(n);
	for (int j = 0; j < 10; j++) {
		struct column *c = column_new(COL_NUM, n);
		for (size_t i = 0; i < n; i++)
			c->num[i] = rng_normal(&r) + (double)j;
		char name[16];
		snprintf(name, sizeof(name), "v%d", j);
		frame_add(f, name, c, NULL);
	}
	frame_seal_content(f);
	const char *v0[] = { "v0" };
	double t0 = now();
	struct plot *p = mk("hist", f, v0, 1, NULL, &err);
	double t1 = now();
	ok(p && p->tables[0].nrow == 100, "hist of 1M normal values: 100 bins (FD, clamped)");
	plot_free(p);
	p = mk("corr", f, NULL, 0, NULL, &err);
	double t2 = now();
	ok(p && p->tables[0].nrow == 100, "corr of 10 columns x 1M rows");
	plot_free(p);
	char msg[128];
	snprintf(msg, sizeof(msg), "speed: hist 1M values %.1f ms; corr 10 x 1M %.1f ms",
		 (t1 - t0) * 1e3, (t2 - t1) * 1e3);
	diag(msg);
	frame_unref(f);
}

int main(void)
{
	static void (*const tests[])(void) = { test_hist, test_bar, test_scatter, test_line,
					       test_box, test_corr, test_corr_threads,
					       test_deterministic, test_render, test_speed };
	for (size_t k = 0; k < sizeof(tests) / sizeof(tests[0]); k++) {
		double t0 = now();
		tests[k]();
		if (getenv("WB_TEST_TIMES"))
			printf("# section %zu: %.0f ms\n", k, (now() - t0) * 1e3);
	}
	return tap_done();
}
