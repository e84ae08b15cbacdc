/*
 * test_plot — the plot object, registry and options (plot.c) and rendering
 * (plot_render.c) through a real gnuplot: script shape, deterministic
 * sampling with its note, exact text size, valid files, errors, and no
 * child process left once the gnuplot handle is freed.
 */
#include "tap.h"
#include "fixture.h"
#include "plot/gnuplot.h"
#include "plot/plot.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int count_children(void)
{
	int n = 0;
	DIR *d = opendir("/proc");
	struct dirent *e;
	while (d && (e = readdir(d))) {
		char path[300], buf[512];
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		size_t len = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[len] = 0;
		const char *rp = strrchr(buf, ')');
		char st;
		int ppid;
		if (rp && sscanf(rp + 1, " %c %d", &st, &ppid) == 2 && ppid == getpid())
			n++;
	}
	if (d)
		closedir(d);
	return n;
}

static size_t count_lines(const char *s, const char *from, const char *to)
{
	const char *a = strstr(s, from);
	const char *b = a ? strstr(a, to) : NULL;
	size_t n = 0;
	if (!a || !b)
		return (size_t)-1;
	for (const char *p = strchr(a, '\n') + 1; p < b; p++)
		n += *p == '\n';
	return n;
}

static void test_tables(void)
{
	struct plot *p = plot_new("test");
	int t = plot_table(p, 0);
	is_int(t, 0, "first table is $d0");
	plot_row_begin(p, t);
	plot_row_num(p, 1.5);
	plot_row_label(p, "a \"b\"\\c");
	plot_row_num(p, NAN);
	plot_row_end(p);
	double v[3] = { 1e-12, -3, 123456789012.0 };
	plot_row(p, t, v, 3);
	plot_row_blank(p, t);
	is_str(strbuf_str(&p->tables[0].text),
	       "1.5 \"a \\\"b\\\"\\\\c\" NaN\n1e-12 -3 1.23456789e+11\n\n", "rows, quoting, NaN (10 digits)");
	is_int(p->tables[0].nrow, 3, "three rows (the blank one counts)");
	is_int(p->tables[0].offs[1], 21, "row offsets");
	plot_note(p, "first");
	plot_note(p, "second %d", 2);
	is_str(p->note, "first; second 2", "notes are joined");
	plot_free(p);
}

static void test_registry_and_options(void)
{
	const char *const *names = plot_kind_names();
	int n = 0, has_hist = 0, has_roc = 0, has_gp = 0;
	for (; names[n]; n++) {
		has_hist |= !strcmp(names[n], "hist");
		has_roc |= !strcmp(names[n], "roc");
		has_gp |= !strcmp(names[n], "gnuplot");
	}
	ok(n >= 16 && has_hist && has_roc && has_gp, "built-in kinds registered (%d)", n);
	struct wb_err err;
	ok(!plot_make("pie", NULL, NULL, &err), "unknown kind");
	like(err.msg, "unknown plot kind 'pie' (kinds: ", "unknown kind lists kinds");
	like(err.msg, "hist", "the list has hist");
	ok(plot_kind_register(plot_kind_find("hist"), &err) < 0, "duplicate registration");
	like(err.msg, "'hist' is already registered", "duplicate named");

	json_t *o = json_pack("{s:s,s:s}", "script", "plot x", "color", "red");
	ok(!plot_make("gnuplot", NULL, o, &err), "unknown option");
	is_str(err.msg, "gnuplot: unknown option 'color' (valid: script, title, xlabel, ylabel)",
	       "unknown option lists the valid ones");
	json_decref(o);
	o = json_pack("{s:s,s:s,s:s}", "script", "plot x", "title", "T", "xlabel", "X");
	struct plot *p = plot_make("gnuplot", NULL, o, &err);
	ok(p && p->title && !strcmp(p->title, "T") && !strcmp(p->xlabel, "X"),
	   "common options set title and labels");
	long iv;
	double dv;
	int bv;
	const char *sv;
	json_t *bad = json_pack("{s:f,s:s,s:i,s:i}", "bins", 2.5, "name", "x", "flag", 1, "n", 5);
	ok(plot_opt_int(p, bad, "bins", 10, 1, 100, &iv, &err) < 0, "non-integer");
	is_str(err.msg, "gnuplot: option 'bins' must be an integer in 1..100", "int message");
	ok(plot_opt_int(p, bad, "n", 10, 1, 4, &iv, &err) < 0, "out of range");
	ok(plot_opt_int(p, bad, "absent", 10, 1, 4, &iv, &err) == 0 && iv == 10, "default");
	ok(plot_opt_num(p, bad, "name", 1, 0, 2, &dv, &err) < 0, "string for a number");
	like(err.msg, "option 'name' must be a number in 0..2", "num message");
	ok(plot_opt_bool(p, bad, "flag", 0, &bv, &err) < 0, "integer for a boolean");
	like(err.msg, "'flag' must be true or false", "bool message");
	ok(plot_opt_str(p, bad, "bins", NULL, &sv, &err) < 0, "number for a string");
	ok(plot_opt_str(p, bad, "name", NULL, &sv, &err) == 0 && !strcmp(sv, "x"), "string");
	json_decref(bad);
	plot_free(p);
	json_decref(o);

	enum plot_format f;
	ok(plot_format_for_path("a/b.PNG", &f, &err) == 0 && f == PLOT_PNG, ".PNG");
	ok(plot_format_for_path("x.svg", &f, &err) == 0 && f == PLOT_SVG, ".svg");
	ok(plot_format_for_path("x.pdf", &f, &err) == 0 && f == PLOT_PDF, ".pdf");
	ok(plot_format_for_path("dir.png/x", &f, &err) < 0, "extension of a directory");
	is_str(err.msg, "cannot tell the plot format of 'dir.png/x' (use .png, .svg or .pdf)",
	       "format message");
}

static struct plot *points_plot(size_t n1, size_t n2)
{
	struct plot *p = plot_new("pts");
	int a = plot_table(p, 1), b = plot_table(p, 1), c = plot_table(p, 0);
	for (size_t i = 0; i < n1; i++) {
		double v[2] = { (double)i, (double)(i % 7) };
		plot_row(p, a, v, 2);
	}
	for (size_t i = 0; i < n2; i++) {
		double v[2] = { (double)i, -1 };
		plot_row(p, b, v, 2);
	}
	for (int i = 0; i < 50; i++) {
		double v[1] = { i };
		plot_row(p, c, v, 1);
	}
	plot_set_title(p, "say \"hi\"");
	plot_cmd(p, "plot $d0 using 1:2 with points title 'a', $d1 using 1:2 with points "
		 "title 'b'");
	return p;
}

static void test_script_and_sampling(void)
{
	struct plot *p = points_plot(9000, 1000);
	struct plot_render_opts o = { .format = PLOT_TEXT, .max_points = 100 };
	char note[768];
	char *s = plot_script(p, &o, note, sizeof(note));
	like(s, "reset session\n", "starts from a clean session");
	like(s, "set terminal dumb size 80,23 noenhanced\n", "text: one row kept for the note");
	like(s, "wb_text = 1\n", "wb_text set for text");
	like(s, "set title \"say \\\"hi\\\"\"\n", "title quoted");
	like(s, "unset output\n", "output closed");
	is_int(count_lines(s, "$d0 << EOD", "EOD\n$d1"), 90, "table 0 keeps its 90%% share");
	is_int(count_lines(s, "$d1 << EOD", "EOD\n$d2"), 10, "table 1 keeps its 10%% share");
	is_int(count_lines(s, "$d2 << EOD", "EOD\nset title"), 50, "unsampled table kept whole");
	is_str(note, "showing 100 of 10,000 points (uniform sample)", "sampling note");
	char *again = plot_script(p, &o, NULL, 0);
	ok(!strcmp(s, again), "sampling is deterministic");
	free(again);
	free(s);

	o.max_points = 0;
	o.format = PLOT_PNG;
	o.path = "out.png";
	s = plot_script(p, &o, note, sizeof(note));
	like(s, "set terminal pngcairo size 800,600 noenhanced", "png default size");
	like(s, "set output \"out.png\"", "png output file");
	like(s, "wb_text = 0", "wb_text 0 for files");
	is_int(count_lines(s, "$d0 << EOD", "EOD\n$d1"), 9000, "files keep all points under the cap");
	is_str(note, "", "no note when nothing is sampled");
	free(s);
	o.format = PLOT_PDF;
	o.width = 500;
	o.height = 250;
	s = plot_script(p, &o, NULL, 0);
	like(s, "set terminal pdfcairo size 5.00in,2.50in", "pdf size from pixels at 100/in");
	free(s);
	plot_free(p);
}

static void test_render(void)
{
	int before = count_children();
	struct gnuplot *gp = gnuplot_new(NULL);
	struct plot *p = points_plot(300, 30);
	plot_set_xlabel(p, "the x");
	struct plot_render_opts o = { .format = PLOT_TEXT, .width = 60, .height = 20,
				      .max_points = 100 };
	struct plot_output out;
	struct wb_err err;
	int rc = plot_render(gp, p, &o, &out, &err);
	ok(rc == 0, "text render: %s", rc ? err.msg : "ok");
	if (rc == 0) {
		int lines = 0, wide = 0;
		for (const char *s = out.data; *s;) {
			const char *nl = strchr(s, '\n');
			if (!nl)
				break;
			wide |= nl - s > 60;
			ok(nl == s || nl[-1] != ' ', "line %d has no trailing blank", lines + 1);
			lines++;
			s = nl + 1;
		}
		is_int(lines, 20, "exactly the asked height");
		ok(!wide, "no line wider than asked");
		ok(out.data[0] != '\f', "form feed stripped");
		like(out.data, "say \"hi\"", "title drawn");
		like(out.data, "the x", "x label drawn");
		like(out.data, "showing 100 of 330 points", "the note is the last line");
		ok(out.len == strlen(out.data), "length");
		plot_output_release(&out);
	}
	ok(count_children() == before + 1, "one gnuplot child while the handle lives");

	char path[] = "/tmp/wb-test-plot-XXXXXX";
	ok(mkdtemp(path) != NULL, "temp dir");
	char file[64];
	snprintf(file, sizeof(file), "%s/p.png", path);
	struct plot_render_opts fo = { .format = PLOT_PNG, .width = 320, .height = 200,
				       .path = file };
	rc = plot_render(gp, p, &fo, &out, &err);
	ok(rc == 0, "png render: %s", rc ? err.msg : "ok");
	unsigned char hdr[24] = { 0 };
	FILE *f = fopen(file, "rb");
	if (f) {
		if (fread(hdr, 1, sizeof(hdr), f) != sizeof(hdr))
			memset(hdr, 0, sizeof(hdr));
		fclose(f);
	}
	ok(!memcmp(hdr, "\x89PNG\r\n\x1a\n", 8), "PNG signature");
	is_int((hdr[16] << 24 | hdr[17] << 16 | hdr[18] << 8 | hdr[19]), 320, "PNG width");
	is_int((hdr[20] << 24 | hdr[21] << 16 | hdr[22] << 8 | hdr[23]), 200, "PNG height");
	plot_output_release(&out);
	remove(file);

	fo.path = NULL;
	ok(plot_render(gp, p, &fo, &out, &err) < 0, "a file format needs a path");
	like(err.msg, "needs a file name", "path message");
	snprintf(file, sizeof(file), "%s/none/p.png", path);
	fo.path = file;
	ok(plot_render(gp, p, &fo, &out, &err) < 0, "missing directory");
	like(err.msg, "cannot write plot", "missing directory message");
	rmdir(path);

	struct plot *bad = plot_new("broken");
	plot_cmd(bad, "plot sin(x\n");
	ok(plot_render(gp, bad, &o, &out, &err) < 0, "a gnuplot error fails the render");
	like(err.msg, "broken plot: gnuplot", "the error says which plot and that gnuplot said it");
	plot_free(bad);
	rc = plot_render(gp, p, &o, &out, &err);
	ok(rc == 0, "the process is still usable after an error");
	plot_output_release(&out);

	plot_free(p);
	gnuplot_free(gp);
	is_int(count_children(), before, "no child left after gnuplot_free");

	struct gnuplot *none = gnuplot_new("/nonexistent/gnuplot");
	p = points_plot(3, 3);
	ok(plot_render(none, p, &o, &out, &err) < 0, "missing gnuplot fails");
	like(err.msg, "gnuplot is not installed", "missing gnuplot message");
	like(err.msg, "apt install gnuplot-nox", "says how to install it");
	plot_free(p);
	gnuplot_free(none);
	is_int(count_children(), before, "still no child");
}

int main(void)
{
	test_tables();
	test_registry_and_options();
	test_script_and_sampling();
	test_render();
	return tap_done();
}
