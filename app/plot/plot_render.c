/*
 * plot_render — turns a struct plot into a complete gnuplot request for one
 * output (terminal text, sixel, PNG, SVG, PDF), runs it, and tidies the
 * result (see plot.h for the script's shape).
 *
 * Sampling: tables marked `sample` (point clouds) share one cap on rows,
 * split in proportion to their sizes so every class keeps its share.  Rows
 * are picked by selection sampling (Knuth's algorithm S) from a fixed-seed
 * stream, which keeps them in their original order and makes the same plot
 * give the same bytes every time.  Curves, bins and matrices are never
 * sampled: dropping rows from them would draw a different picture.
 */
#include "plot/plot.h"
#include "plot/gnuplot.h"
#include "core/rng.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const format_names[] = { "text", "sixel", "png", "svg", "pdf" };

const char *plot_format_name(enum plot_format f)
{
	return (unsigned)f < 5 ? format_names[f] : "?";
}

int plot_format_parse(const char *name, enum plot_format *out)
{
	for (int k = 0; k < 5; k++)
		if (!strcmp(name, format_names[k])) {
			*out = (enum plot_format)k;
			return 0;
		}
	return -1;
}

int plot_format_for_path(const char *path, enum plot_format *out, struct wb_err *err)
{
	const char *dot = strrchr(path, '.');
	const char *slash = strrchr(path, '/');
	if (dot && (!slash || dot > slash)) {
		if (!strcasecmp(dot, ".png"))
			return *out = PLOT_PNG, 0;
		if (!strcasecmp(dot, ".svg"))
			return *out = PLOT_SVG, 0;
		if (!strcasecmp(dot, ".pdf"))
			return *out = PLOT_PDF, 0;
	}
	return wb_error(err, "cannot tell the plot format of '%s' (use .png, .svg or .pdf)",
			path);
}

/* Defaults per format; sizes are clamped to what gnuplot can lay out (a
 * text plot under 20 x 8 has no room for axes) and to sane maxima. */
static void sizes(const struct plot_render_opts *o, int *w, int *h, size_t *cap)
{
	int text = o->format == PLOT_TEXT;
	*w = o->width > 0 ? o->width : text ? 80 : 800;
	*h = o->height > 0 ? o->height : text ? 24 : 600;
	int minw = text ? 20 : 100, minh = text ? 8 : 80, maxd = text ? 1000 : 10000;
	*w = *w < minw ? minw : *w > maxd ? maxd : *w;
	*h = *h < minh ? minh : *h > maxd ? maxd : *h;
	*cap = o->max_points ? o->max_points
	       : text ? 4000 : o->format == PLOT_SIXEL ? 50000 : 500000;
}

/* Thousands separators make "4,000 of 1,000,000" readable at a glance. */
static void group_digits(size_t v, char *buf, size_t size)
{
	char raw[32];
	int n = snprintf(raw, sizeof(raw), "%zu", v);
	size_t at = 0;
	for (int k = 0; k < n && at + 2 < size; k++) {
		if (k && (n - k) % 3 == 0)
			buf[at++] = ',';
		buf[at++] = raw[k];
	}
	buf[at] = 0;
}

static void add_table(struct strbuf *sb, const struct plot_table *t, int idx, size_t keep,
		      struct rng *r)
{
	strbuf_addf(sb, "$d%d << EOD\n", idx);
	if (keep >= t->nrow) {
		strbuf_add(sb, t->text.buf ? t->text.buf : "", t->text.len);
	} else {
		/* Algorithm S: row i is kept with probability need / left. */
		size_t need = keep;
		for (size_t i = 0; i < t->nrow && need; i++) {
			if (rng_below(r, t->nrow - i) < need) {
				strbuf_add(sb, t->text.buf + t->offs[i], t->offs[i + 1] - t->offs[i]);
				need--;
			}
		}
	}
	strbuf_adds(sb, "EOD\n");
}

static size_t sampled_total(const struct plot *p)
{
	size_t total = 0;
	for (int t = 0; t < p->ntables; t++)
		if (p->tables[t].sample)
			total += p->tables[t].nrow;
	return total;
}

/* How many rows of each table go out: all of them, unless the sampled
 * tables together exceed the cap; then each gets its proportional share,
 * rounded by largest remainder so the shares add up to the cap exactly,
 * and a non-empty table keeps at least one row (a class never vanishes
 * from the legend).  New array of p->ntables counts. */
static size_t *plan_rows(const struct plot *p, size_t cap)
{
	size_t total = sampled_total(p), used = 0;
	size_t *keep = xcalloc((size_t)p->ntables + 1, sizeof(size_t));
	double *rem = xcalloc((size_t)p->ntables + 1, sizeof(double));
	for (int t = 0; t < p->ntables; t++) {
		const struct plot_table *tb = &p->tables[t];
		keep[t] = tb->nrow;
		if (!tb->sample || total <= cap)
			continue;
		double share = (double)tb->nrow * (double)cap / (double)total;
		keep[t] = (size_t)share;
		rem[t] = share - (double)keep[t];
		if (keep[t] == 0 && tb->nrow) {
			keep[t] = 1;
			rem[t] = -1;
		}
		used += keep[t];
	}
	while (total > cap && used < cap) {
		int best = -1;
		for (int t = 0; t < p->ntables; t++)
			if (p->tables[t].sample && keep[t] < p->tables[t].nrow &&
			    (best < 0 || rem[t] > rem[best]))
				best = t;
		if (best < 0)
			break;
		keep[best]++;
		rem[best] = -1;
		used++;
	}
	free(rem);
	return keep;
}

/* The kind's note plus what sampling left out. */
static void make_note(const struct plot *p, size_t cap, char *note, size_t size)
{
	size_t total = sampled_total(p), shown = 0;
	char sample_note[160] = "";
	if (total > cap) {
		size_t *keep = plan_rows(p, cap);
		for (int t = 0; t < p->ntables; t++)
			if (p->tables[t].sample)
				shown += keep[t];
		free(keep);
		char a[32], b[32];
		group_digits(shown, a, sizeof(a));
		group_digits(total, b, sizeof(b));
		snprintf(sample_note, sizeof(sample_note),
			 "showing %s of %s points (uniform sample)", a, b);
	}
	snprintf(note, size, "%s%s%s", p->note, p->note[0] && sample_note[0] ? "; " : "",
		 sample_note);
}

static void add_label(struct strbuf *sb, const char *cmd, const char *text)
{
	if (!text)
		return;
	strbuf_addf(sb, "set %s ", cmd);
	strbuf_add_quoted(sb, text);
	strbuf_adds(sb, "\n");
}

/* *body_line gets the script line where the body starts (1-based). */
static char *build_script(const struct plot *p, const struct plot_render_opts *o, int w,
			  int h, size_t cap, long *body_line)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_adds(&sb, "reset session\n");
	switch (o->format) {
	case PLOT_TEXT:
		strbuf_addf(&sb, "set terminal dumb size %d,%d noenhanced\n", w, h);
		break;
	case PLOT_SIXEL:
		strbuf_addf(&sb, "set terminal sixelgd size %d,%d truecolor noenhanced\n", w, h);
		break;
	case PLOT_PNG:
		strbuf_addf(&sb, "set terminal pngcairo size %d,%d noenhanced font \"sans,10\"\n",
			    w, h);
		break;
	case PLOT_SVG:
		strbuf_addf(&sb, "set terminal svg size %d,%d noenhanced font \"sans,10\" "
			    "background \"white\"\n", w, h);
		break;
	case PLOT_PDF:
		strbuf_addf(&sb, "set terminal pdfcairo size %.2fin,%.2fin noenhanced "
			    "font \"sans,10\"\n", w / 100.0, h / 100.0);
		break;
	}
	if (o->path && o->format != PLOT_TEXT && o->format != PLOT_SIXEL) {
		strbuf_adds(&sb, "set output ");
		strbuf_add_quoted(&sb, o->path);
		strbuf_adds(&sb, "\n");
	} else {
		strbuf_adds(&sb, "set output\n");
	}
	strbuf_addf(&sb, "wb_text = %d\n", o->format == PLOT_TEXT);

	size_t *keep = plan_rows(p, cap);
	struct rng r;
	rng_derive(&r, 0x77626c6f74ULL, "plot:sample");
	for (int t = 0; t < p->ntables; t++)
		add_table(&sb, &p->tables[t], t, keep[t], &r);
	free(keep);
	add_label(&sb, "title", p->title);
	add_label(&sb, "xlabel", p->xlabel);
	if (o->format == PLOT_TEXT && p->ylabel) {
		/* dumb cannot rotate text and drops a y label altogether:
		 * put it in the top-left corner, above the axis it names. */
		strbuf_adds(&sb, "set label 9999 ");
		strbuf_add_quoted(&sb, p->ylabel);
		strbuf_adds(&sb, " at screen 0, screen 1 left offset 0,-0.5 front\n");
	} else {
		add_label(&sb, "ylabel", p->ylabel);
	}
	if (body_line) {
		*body_line = 1;
		for (size_t k = 0; k < sb.len; k++)
			*body_line += sb.buf[k] == '\n';
	}
	strbuf_add(&sb, strbuf_str(&p->body), p->body.len);
	if (p->body.len && p->body.buf[p->body.len - 1] != '\n')
		strbuf_adds(&sb, "\n");
	strbuf_adds(&sb, "unset output\n");
	return strbuf_detach(&sb, NULL);
}

static char *script_for(const struct plot *p, const struct plot_render_opts *o, char *note,
			size_t notesize, long *body_line)
{
	int w, h;
	size_t cap;
	sizes(o, &w, &h, &cap);
	char tmp[768];
	make_note(p, cap, tmp, sizeof(tmp));
	if (note && notesize)
		snprintf(note, notesize, "%s", tmp);
	/* In text the note takes the last row, so the plot gets one less. */
	if (o->format == PLOT_TEXT && tmp[0])
		h--;
	return build_script(p, o, w, h, cap, body_line);
}

char *plot_script(const struct plot *p, const struct plot_render_opts *o, char *note,
		  size_t notesize)
{
	return script_for(p, o, note, notesize, NULL);
}

/* gnuplot counts lines from the top of the whole request; for the user's
 * own script, "line 2" must mean line 2 of what they wrote. */
static void relative_line(const struct plot *p, long body_line, struct wb_err *err)
{
	long n;
	int at;
	if (p->user_line <= 0 || sscanf(err->msg, "gnuplot: line %ld:%n", &n, &at) != 1)
		return;
	long first = body_line + p->user_line - 1;
	if (n < first)
		return;
	char rest[sizeof(err->msg)];
	snprintf(rest, sizeof(rest), "%s", err->msg + at);
	wb_error(err, "gnuplot: line %ld:%s", n - first + 1, rest);
}

/* Dumb output: a form feed first, lines padded with blanks.  The result
 * has exactly `h` lines (the note replaces the last one), each without
 * trailing blanks, each ending in '\n'. */
static char *tidy_text(const char *raw, size_t len, int w, int h, const char *note,
		       size_t *outlen)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p = raw, *end = raw + len;
	while (p < end && (*p == '\f' || *p == '\r'))
		p++;
	/* gnuplot starts the page with an empty line after the form feed only
	 * on some versions; take lines as they come. */
	int rows = note && *note ? h - 1 : h, got = 0;
	while (p < end && got < rows) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		const char *t = e;
		while (t > p && (t[-1] == ' ' || t[-1] == '\r'))
			t--;
		strbuf_add(&sb, p, (size_t)(t - p));
		strbuf_adds(&sb, "\n");
		got++;
		p = nl ? nl + 1 : end;
	}
	for (; got < rows; got++)
		strbuf_adds(&sb, "\n");
	if (note && *note) {
		size_t n = strlen(note);
		strbuf_add(&sb, note, n > (size_t)w ? (size_t)w : n);
		strbuf_adds(&sb, "\n");
	}
	return strbuf_detach(&sb, outlen);
}

static const char *terminal_of(enum plot_format f)
{
	switch (f) {
	case PLOT_TEXT: return "dumb";
	case PLOT_SIXEL: return "sixelgd";
	case PLOT_PNG: return "pngcairo";
	case PLOT_SVG: return "svg";
	case PLOT_PDF: return "pdfcairo";
	}
	return "dumb";
}

int plot_render(struct gnuplot *gp, const struct plot *p, const struct plot_render_opts *o,
		struct plot_output *out, struct wb_err *err)
{
	memset(out, 0, sizeof(*out));
	int file = o->format != PLOT_TEXT && o->format != PLOT_SIXEL;
	if (file && (!o->path || !*o->path))
		return wb_error(err, "%s: a %s plot needs a file name", p->kind,
				plot_format_name(o->format));
	const char *term = terminal_of(o->format);
	int has = gnuplot_has_terminal(gp, term, err);
	if (has < 0)
		return -1;
	if (!has)
		return wb_error(err, "this gnuplot has no '%s' terminal, needed for %s output "
				"(install gnuplot-nox 5.4 or newer)", term,
				plot_format_name(o->format));
	if (file) {
		/* Said plainly and before gnuplot starts drawing: "cannot
		 * write plot 'x/y.png': No such file or directory". */
		FILE *fp = fopen(o->path, "wb");
		if (!fp)
			return wb_error(err, "cannot write plot '%s': %s", o->path, strerror(errno));
		fclose(fp);
	}
	int w, h;
	size_t cap;
	sizes(o, &w, &h, &cap);
	long body_line = 1;
	char *script = script_for(p, o, out->note, sizeof(out->note), &body_line);
	char *raw = NULL;
	size_t rawlen = 0;
	int rc = gnuplot_run(gp, script, strlen(script), &raw, &rawlen, &out->warnings, err);
	free(script);
	if (rc < 0) {
		free(raw);
		if (file)
			remove(o->path);
		relative_line(p, body_line, err);
		/* The escape hatch's errors are the user's own script's:
		 * "gnuplot: line 2: ..." says it all. */
		return strcmp(p->kind, "gnuplot") ? wb_error_prefix(err, "%s plot", p->kind) : -1;
	}
	if (o->format == PLOT_TEXT) {
		out->data = tidy_text(raw, rawlen, w, h, out->note, &out->len);
		free(raw);
	} else if (o->format == PLOT_SIXEL) {
		out->data = raw;
		out->len = rawlen;
	} else {
		free(raw);
		struct stat st;
		if (stat(o->path, &st) < 0 || st.st_size == 0) {
			remove(o->path);
			return wb_error(err, "%s plot: gnuplot wrote nothing to '%s'%s%s", p->kind,
					o->path, out->warnings ? ": " : "",
					out->warnings ? out->warnings : "");
		}
	}
	return 0;
}

void plot_output_release(struct plot_output *out)
{
	free(out->data);
	free(out->warnings);
	out->data = out->warnings = NULL;
	out->len = 0;
}
