/*
 * plot_explore — the exploration kinds: hist, bar, scatter, line, box (corr
 * is in plot_corr.c), and the helpers they share with it (plot_kinds.h).
 *
 * Each kind reads columns of in->frame (line also takes in->series),
 * computes what is drawn in C — bins, counts, quartiles, correlations — and
 * writes small tables plus the gnuplot commands that draw them (plot.h,
 * "Conventions for kinds").  gnuplot never sees raw columns except as the
 * points of a scatter or line.
 *
 * Choices worth knowing (the unit test pins each of them):
 *
 *   hist    num, int or time (bool, cat, str are refused: use bar).  With
 *           the `bins` option: that many equal bins over [min, max], counted
 *           exactly as np.histogram does (last bin closed; the index from
 *           (v - min) * bins / range is corrected against the edges).
 *           Without it: a constant column gets one bin of width 1; an
 *           integer-valued column spanning at most 60 integers gets one bin
 *           per integer; otherwise Freedman–Diaconis, width 2·IQR·n^(-1/3)
 *           and ceil(range / width) bins as np.histogram_bin_edges(x, 'fd'),
 *           Sturges (ceil(log2 n) + 1) when the IQR is 0, clamped to 1..100.
 *           Integer-valued data then get an integer width, so no bin holds
 *           more integers than another.  The IQR comes from exact type-7
 *           quantiles (numpy's default) found by selection, O(n) without a
 *           sort.  time is binned in seconds under a date axis.
 *   bar     cat, str, bool, or int with at most 100 distinct values (num,
 *           time and busier ints are refused: use hist).  The `top` most
 *           frequent categories (ties by name) are drawn, the rest summed
 *           into "(other N)" (N categories; a single leftover is drawn by
 *           name instead), then "(missing)".  Vertical boxes with the labels
 *           as x tics (rotated 45° in files when they are long or many); in
 *           text, where labels cannot be rotated, horizontal bars when the
 *           labels would not fit side by side in 80 columns, and with
 *           more than 14 named bars a second table ($d1, used only in text)
 *           keeps the 14 largest, since a 24-row pane has no room for more
 *           labels (gnuplot silently drops colliding ones).  No default
 *           axis labels (they would swap between the layouts): the title
 *           is the column name.
 *   scatter One table per class (sample = 1: the renderer samples).  In
 *           text each class has its own character (o x + # @ ...), in files
 *           a colour and a marker.  More than 12 classes: the 11 largest
 *           (ties by name) and "(other)".  Classes are in name order, then
 *           "(other)", then "(missing)".  Axes: data range plus a small
 *           margin (autoscale fix + offsets), not extended to a tick.
 *   line    One table per series (y column, or in->series when there is no
 *           frame; x NULL means 1..n), rows ordered by x (stable), never
 *           sampled; legend only with two or more series.
 *   box     Type-7 quartiles, whiskers at the most extreme values within
 *           1.5 IQR of the box, the rest as outlier points.  Groups in name
 *           order, "(missing)" last; more than 30 groups is an error (a box
 *           plot of hundreds of groups is unreadable; filter first).
 *
 * Missing values are skipped and counted in the note.  Errors name the kind
 * and the column.  Nothing here is random, so output is deterministic.
 */
#include "plot/plot.h"
#include "plot/plot_kinds.h"
#include "core/frame_ops.h"
#include "core/stats.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HIST_MAX_AUTO_BINS 100
#define HIST_INT_SPAN 60        /* integer columns up to this span: bin per integer */
#define BAR_MAX_INT_VALUES 100
#define SCATTER_MAX_CLASSES 12
#define BOX_MAX_GROUPS 30

/* Class colours in files (matplotlib's tab10 and two more) and markers. */
static const char *const colours[] = { "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
				       "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
				       "#bcbd22", "#17becf", "#393b79", "#637939" };
static const int file_pts[] = { 7, 5, 9, 11, 13, 15, 7, 5, 9, 11, 13, 15 };
/* dumb draws a point type as a letter (pt 1 = "A", ...); characters that
 * look like points read better and stay distinct from the frame's + - |. */
static const char *const text_pts[] = { "o", "x", "+", "#", "@", "%", "&", "=", "$", "~",
					"^", "?" };
#define NSTYLE 12

/* --------------------------------------------------------------- inputs */

/* Column k of the input, with errors naming the kind: usage says what the
 * kind needs when the name is absent. */
static const struct column *arg_col(struct plot *p, const struct plot_input *in, int k,
				    const char *usage, struct wb_err *err)
{
	if (!in || !in->frame) {
		wb_error(err, "%s: needs a data frame", p->kind);
		return NULL;
	}
	if (k >= in->ncols || !in->cols || !in->cols[k]) {
		wb_error(err, "%s: needs %s", p->kind, usage);
		return NULL;
	}
	return plot_column(p, in->frame, in->cols[k], err);
}


int plot_need_numeric(struct plot *p, const struct column *c, const char *name, int allow,
			const char *hint, struct wb_err *err)
{
	if (c->kind == COL_NUM || c->kind == COL_INT ||
	    (c->kind == COL_TIME && (allow & PLOT_ALLOW_TIME)) ||
	    (c->kind == COL_BOOL && (allow & PLOT_ALLOW_BOOL)))
		return 0;
	return wb_error(err, "%s: column '%s' is not numeric (it is %s)%s", p->kind, name,
			col_kind_name(c->kind), hint ? hint : "");
}

/* A column that splits rows into classes or groups (the `by` option). */
static const struct column *by_col(struct plot *p, const struct plot_input *in,
				   const char *name, struct wb_err *err)
{
	const struct column *c = plot_column(p, in->frame, name, err);
	if (!c)
		return NULL;
	if (c->kind == COL_NUM || c->kind == COL_TIME) {
		wb_error(err, "%s: column '%s' (by) is %s; group by a cat, str, bool or int column",
			 p->kind, name, col_kind_name(c->kind));
		return NULL;
	}
	return c;
}

/* The value of row i as a double (NaN when missing); time in seconds, the
 * unit of gnuplot's time axes. */
double plot_num_at(const struct column *c, size_t i)
{
	switch (c->kind) {
	case COL_NUM:
		return c->num[i];
	case COL_INT:
		return c->valid && !c->valid[i] ? NAN : (double)c->i64[i];
	case COL_TIME:
		return c->valid && !c->valid[i] ? NAN : (double)c->i64[i] / 1e6;
	case COL_BOOL:
		return c->b[i] < 0 ? NAN : (double)c->b[i];
	default:
		return NAN;
	}
}

/* Cuts s to at most max bytes on a UTF-8 character boundary, ending in
 * "..." when cut. */
void plot_clip_label(const char *s, size_t len, char *buf, size_t size)
{
	size_t max = size - 1 < PLOT_LABEL_MAX ? size - 1 : PLOT_LABEL_MAX;
	if (len <= max) {
		memcpy(buf, s, len);
		buf[len] = 0;
		return;
	}
	size_t k = max - 3;
	while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
		k--;
	memcpy(buf, s, k);
	memcpy(buf + k, "...", 4);
}

/* Cell i of c as a tick or legend label; "(missing)" when missing. */
static void cell_label(const struct column *c, size_t i, char *buf, size_t size)
{
	if (column_is_missing(c, i)) {
		snprintf(buf, size, "(missing)");
		return;
	}
	if (c->kind == COL_CAT || c->kind == COL_STR) {
		size_t len;
		const char *s = column_get_text(c, i, &len);
		plot_clip_label(s, len, buf, size);
		return;
	}
	column_format(c, i, buf, size);
}

/* "12 missing values not shown" (what: "missing value", "point with ..."). */
static void note_skipped(struct plot *p, size_t n, const char *what, const char *rest)
{
	if (n)
		plot_note(p, "%zu %s%s%s not shown", n, what, n == 1 ? "" : "s", rest);
}

/* Title "<a> <sep> <b>", e.g. "weight vs height". */
static void title2(struct plot *p, const char *a, const char *sep, const char *b)
{
	char *t = xasprintf("%s %s %s", a, sep, b);
	plot_set_title(p, t);
	free(t);
}

static void add_quoted(struct plot *p, const char *s)
{
	strbuf_add_quoted(&p->body, s);
}

/* ----------------------------------------------------------- quantiles */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void swap_d(double *a, double *b)
{
	double t = *a;
	*a = *b;
	*b = t;
}

/* The k-th smallest (0-based) of v[0..n), no NaN.  Reorders v so that
 * v[k] holds it, with nothing greater before it and nothing smaller after.
 * Quickselect with a median-of-three pivot and a three-way partition (runs
 * of equal values end a round at once); after 2·log2(n) rounds the rest is
 * sorted, so no input costs more than O(n log n). */
static double select_kth(double *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n;
	int budget = 8;
	for (size_t m = n; m > 1; m >>= 1)
		budget += 2;
	while (hi - lo > 16) {
		if (budget-- == 0) {
			qsort(v + lo, hi - lo, sizeof(double), cmp_double);
			return v[k];
		}
		double a = v[lo], b = v[lo + (hi - lo) / 2], c = v[hi - 1];
		double piv = a < b ? (b < c ? b : a < c ? c : a) : (a < c ? a : b < c ? c : b);
		size_t lt = lo, i = lo, gt = hi;
		while (i < gt) {
			if (v[i] < piv)
				swap_d(&v[lt++], &v[i++]);
			else if (v[i] > piv)
				swap_d(&v[i], &v[--gt]);
			else
				i++;
		}
		if (k < lt)
			hi = lt;
		else if (k >= gt)
			lo = gt;
		else
			return piv;
	}
	for (size_t i = lo + 1; i < hi; i++) {
		double x = v[i];
		size_t j = i;
		for (; j > lo && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	return v[k];
}

/* Below this, order statistics come from quickselect on a copy. */
#define SELECT_SAMPLE_MIN 32768
#define SELECT_SAMPLE 8192
#define MAX_RANKS 3

/* The k[j]-th smallest (0-based) of v[0..n) in kth[j] and the next one in
 * next[j] (the same when k[j] + 1 == n), j < nk <= 3; v has no NaN and is
 * not changed.  Large inputs go the way of Floyd and Rivest: a sorted
 * sample of 8192 evenly strided values brackets each rank by about ±3.4
 * standard deviations of its sample rank; one branch-free pass counts the
 * values below each bracket and keeps those inside (about 4% each), and
 * quickselect finishes on them — all ranks in one pass over the data (1M
 * values: ~3 ms for q1 and q3).  Where a bracket misses (data whose order
 * defeats the strided sample) that rank is selected on a full copy, so the
 * answer is always exact. */
static void order_stats(const double *v, size_t n, const size_t *k, int nk, double *kth,
			double *next)
{
	double *buf[MAX_RANKS] = { NULL }, *all = NULL;
	size_t nb[MAX_RANKS] = { 0 }, kk[MAX_RANKS];
	if (n >= SELECT_SAMPLE_MIN) {
		size_t s = SELECT_SAMPLE, stride = n / s, cap = n / 8;
		double *smp = xmallocarray(s, sizeof(double)), a[MAX_RANKS], b[MAX_RANKS];
		size_t below[MAX_RANKS] = { 0 };
		for (size_t i = 0; i < s; i++)
			smp[i] = v[i * stride];
		qsort(smp, s, sizeof(double), cmp_double);
		for (int j = 0; j < nk; j++) {
			long pos = (long)((double)k[j] * (double)(s - 1) / (double)(n - 1));
			long d = 154;   /* 3.4 * sqrt(s) / 2: the rank's std is <= sqrt(s) / 2 */
			a[j] = pos - d < 0 ? -INFINITY : smp[pos - d];
			b[j] = pos + d + 1 >= (long)s ? INFINITY : smp[pos + d + 1];
			buf[j] = xmallocarray(cap, sizeof(double));
		}
		free(smp);
		size_t i = 0;
		for (; i < n; i++) {
			/* A bracket grows by at most one a step: checking every
			 * 1024 steps keeps the writes inside cap. */
			if (!(i & 1023)) {
				int full = 0;
				for (int j = 0; j < nk; j++)
					full |= nb[j] + 1025 > cap;
				if (full)
					break;
			}
			double x = v[i];
			for (int j = 0; j < nk; j++) {
				below[j] += x < a[j];
				buf[j][nb[j]] = x;
				nb[j] += (x >= a[j]) & (x <= b[j]);
			}
		}
		for (int j = 0; j < nk; j++) {
			kk[j] = k[j] - below[j];
			if (i < n || below[j] > k[j] || kk[j] >= nb[j] ||
			    (k[j] + 1 < n && kk[j] + 1 >= nb[j])) {
				free(buf[j]);
				buf[j] = NULL;
			}
		}
	}
	for (int j = 0; j < nk; j++) {
		double *w = buf[j];
		size_t m = nb[j], r = kk[j];
		if (!w) {
			if (!all) {
				all = xmallocarray(n, sizeof(double));
				memcpy(all, v, n * sizeof(double));
			}
			w = all;
			m = n;
			r = k[j];
		}
		kth[j] = next[j] = select_kth(w, m, r);
		if (k[j] + 1 < n) {
			next[j] = w[r + 1];
			for (size_t i = r + 2; i < m; i++)
				if (w[i] < next[j])
					next[j] = w[i];
		}
		free(buf[j]);
	}
	free(all);
}

/* Quantiles q[0..nq) of v[0..n) (n > 0, no NaN, nq <= 3) by linear
 * interpolation between order statistics (type 7, numpy's default),
 * interpolating as numpy's _lerp does so results agree to the last bit. */
static void quantiles7(const double *v, size_t n, const double *q, int nq, double *out)
{
	size_t k[MAX_RANKS];
	double t[MAX_RANKS], a[MAX_RANKS], b[MAX_RANKS];
	for (int j = 0; j < nq; j++) {
		double h = (double)(n - 1) * q[j];
		k[j] = (size_t)floor(h);
		t[j] = h - (double)k[j];
	}
	order_stats(v, n, k, nq, a, b);
	for (int j = 0; j < nq; j++) {
		double d = b[j] - a[j];
		out[j] = t[j] == 0 ? a[j] : t[j] >= 0.5 ? b[j] - d * (1 - t[j]) : a[j] + d * t[j];
	}
}

/* ------------------------------------------------------------- time axes */

/* Tick steps for time axes, in seconds (months and years approximate:
 * ticks need not fall on calendar boundaries to be read). */
static const double time_steps[] = {
	1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600,
	43200, 86400, 2 * 86400, 7 * 86400, 14 * 86400, 2629800, 2 * 2629800, 3 * 2629800,
	6 * 2629800, 31557600, 2 * 31557600, 5 * 31557600, 10 * 31557600,
	20 * 31557600.0, 50 * 31557600.0, 100 * 31557600.0,
};

static double time_step(double span, int ticks)
{
	size_t n = sizeof(time_steps) / sizeof(time_steps[0]);
	for (size_t k = 0; k < n; k++)
		if (time_steps[k] * ticks >= span)
			return time_steps[k];
	return time_steps[n - 1];
}

/* Date labels on an axis holding seconds since 1970.  gnuplot's own time
 * ticks crowd 10-character dates together, so the step is chosen here:
 * about 4 ticks in text, 6 in files. */
static void time_axis(struct plot *p, char axis, double lo, double hi)
{
	double span = hi - lo;
	if (!(span > 0))
		span = 1;
	double st = time_step(span, 4), sf = time_step(span, 6);
	const char *fmt = sf >= 86400 ? "%Y-%m-%d"
			  : sf >= 60 ? (span <= 86400 ? "%H:%M" : "%m-%d %H:%M")
			  : "%H:%M:%S";
	plot_cmd(p, "set format %c \"%s\" timedate\n", axis, fmt);
	plot_cmd(p, "set %ctics wb_text ? %.10g : %.10g\n", axis, st, sf);
}

/* ------------------------------------------------------------------ hist */

struct bins {
	int nb;
	double *edge;   /* nb + 1 */
};

/* Equal bins over [lo, hi] as np.linspace lays out their edges. */
static void equal_bins(struct bins *b, int nb, double lo, double hi)
{
	b->nb = nb;
	b->edge = xmallocarray((size_t)nb + 1, sizeof(double));
	double step = (hi - lo) / nb;
	for (int k = 0; k < nb; k++)
		b->edge[k] = (double)k * step + lo;
	b->edge[nb] = hi;
}

/* Bins of integer width w from lo (a half-integer below the minimum). */
static void int_bins(struct bins *b, int nb, double lo, double w)
{
	b->nb = nb;
	b->edge = xmallocarray((size_t)nb + 1, sizeof(double));
	for (int k = 0; k <= nb; k++)
		b->edge[k] = lo + (double)k * w;
}

/* The Freedman–Diaconis bin count of v, before clamping; 0 when the IQR
 * is 0. */
static long fd_count(const double *v, size_t n, double lo, double hi)
{
	static const double q[2] = { 0.25, 0.75 };
	double qv[2];
	quantiles7(v, n, q, 2, qv);
	double width = 2.0 * (qv[1] - qv[0]) * pow((double)n, -1.0 / 3.0);
	if (!(width > 0))
		return 0;
	double nb = ceil((hi - lo) / width);
	return nb > 1e6 ? 1000000 : (long)nb;
}

static void choose_bins(struct bins *b, const double *v, size_t n, double lo, double hi,
			int integer, long want)
{
	if (want > 0) {
		if (lo == hi) /* np.histogram's rule for an empty range */
			equal_bins(b, (int)want, lo - 0.5, hi + 0.5);
		else
			equal_bins(b, (int)want, lo, hi);
		return;
	}
	if (lo == hi) {
		equal_bins(b, 1, lo - 0.5, hi + 0.5);
		return;
	}
	if (integer && hi - lo < HIST_INT_SPAN) {
		int_bins(b, (int)(hi - lo) + 1, lo - 0.5, 1);
		return;
	}
	long nb = fd_count(v, n, lo, hi);
	if (nb == 0)
		nb = (long)ceil(log2((double)n)) + 1;
	if (nb < 1)
		nb = 1;
	if (nb > HIST_MAX_AUTO_BINS)
		nb = HIST_MAX_AUTO_BINS;
	if (integer) {
		double span = hi - lo + 1, w = ceil(span / (double)nb);
		int_bins(b, (int)ceil(span / w), lo - 0.5, w);
		return;
	}
	equal_bins(b, (int)nb, lo, hi);
}

/* Counts as np.histogram: the index from the scaled offset, corrected
 * against the edges; the last bin includes its right edge. */
static void count_bins(const struct bins *b, const double *v, size_t n, size_t *count)
{
	int nb = b->nb;
	double lo = b->edge[0], norm = nb / (b->edge[nb] - lo);
	for (size_t i = 0; i < n; i++) {
		double x = v[i];
		if (x < lo || x > b->edge[nb])
			continue;
		long k = (long)((x - lo) * norm);
		if (k >= nb)
			k = nb - 1;
		if (x < b->edge[k])
			k--;
		else if (k != nb - 1 && x >= b->edge[k + 1])
			k++;
		count[k]++;
	}
}

/* The smallest of 1, 2, 5, 10, 20, ... giving at most `ticks` steps. */
static double int_step(double span, int ticks)
{
	for (double d = 1;; d *= 10)
		for (int k = 0; k < 3; k++) {
			double st = d * (k == 0 ? 1 : k == 1 ? 2 : 5);
			if (st * ticks >= span)
				return st;
		}
}

static int build_hist(const struct plot_input *in, const json_t *opts, struct plot *p,
		      struct wb_err *err)
{
	const struct column *c = arg_col(p, in, 0, "a column name", err);
	if (!c)
		return -1;
	const char *name = in->cols[0];
	if (plot_need_numeric(p, c, name, PLOT_ALLOW_TIME, "; use \"bar\" for counts of categories",
			 err) < 0)
		return -1;
	long want;
	int density;
	if (plot_opt_int(p, opts, "bins", 0, 1, 1000, &want, err) < 0 ||
	    plot_opt_bool(p, opts, "density", 0, &density, err) < 0)
		return -1;

	/* The values without the missing ones: a num column without any is
	 * used in place (no 8 MB copy per million rows). */
	size_t n = 0;
	double lo = INFINITY, hi = -INFINITY, *own = NULL;
	const double *v = c->num;
	if (c->kind == COL_NUM) {
		for (size_t i = 0; i < c->n; i++)
			n += !isnan(c->num[i]);
		if (n < c->n) {
			own = xmallocarray(n ? n : 1, sizeof(double));
			for (size_t i = 0, k = 0; i < c->n; i++)
				if (!isnan(c->num[i]))
					own[k++] = c->num[i];
		}
	} else {
		own = xmallocarray(c->n ? c->n : 1, sizeof(double));
		for (size_t i = 0; i < c->n; i++) {
			double x = plot_num_at(c, i);
			if (!isnan(x))
				own[n++] = x;
		}
	}
	if (own)
		v = own;
	int integer = c->kind != COL_TIME;
	for (size_t i = 0; i < n; i++) {
		double x = v[i];
		lo = x < lo ? x : lo;
		hi = x > hi ? x : hi;
		if (integer && c->kind == COL_NUM)
			integer = x == floor(x) && fabs(x) < 9e15;
	}
	if (n == 0 || isinf(lo) || isinf(hi)) {
		free(own);
		return wb_error(err, "hist: column '%s' has %s values", name,
				n ? "infinite" : "no");
	}
	size_t missing = c->n - n;

	struct bins b;
	choose_bins(&b, v, n, lo, hi, integer, want);
	size_t *count = xcalloc((size_t)b.nb, sizeof(size_t));
	count_bins(&b, v, n, count);
	free(own);

	int t = plot_table(p, 0);
	for (int k = 0; k < b.nb; k++) {
		double w = b.edge[k + 1] - b.edge[k];
		double row[3] = { (b.edge[k] + b.edge[k + 1]) / 2,
				  density ? (double)count[k] / ((double)n * w) : (double)count[k],
				  w };
		plot_row(p, t, row, 3);
	}
	free(count);

	plot_set_title(p, name);
	plot_set_xlabel(p, name);
	plot_set_ylabel(p, density ? "density" : "count");
	note_skipped(p, missing, "missing value", "");
	plot_cmd(p, "set style fill solid 0.5 border -1\n");
	plot_cmd(p, "set xrange [%.10g:%.10g]\n", b.edge[0], b.edge[b.nb]);
	plot_cmd(p, "set yrange [0:*]\n");
	if (c->kind == COL_TIME)
		time_axis(p, 'x', b.edge[0], b.edge[b.nb]);
	else if (integer && hi - lo < 40)
		/* gnuplot would put ticks at 2006.5 between integer bins. */
		plot_cmd(p, "set xtics wb_text ? %g : %g\n", int_step(hi - lo, 6),
			 int_step(hi - lo, 10));
	plot_cmd(p, "plot $d%d using 1:2:3 with boxes lc rgb \"%s\" notitle\n", t, colours[0]);
	free(b.edge);
	return 0;
}

/* ---------------------------------------------------------------- groups */

/* The distinct values of a column as groups (missing values are a group of
 * their own).  first[g] is a row of group g, so column_cmp on first rows
 * orders groups by value ("name"): numbers numerically, text bytewise,
 * missing last. */
struct groups {
	size_t n;       /* groups */
	size_t *gid;    /* per row */
	size_t *first;  /* per group */
	size_t *count;  /* per group, filled by the caller */
	const struct column *c;
};

static void groups_init(struct groups *g, const struct column *c)
{
	/* frame_group_ids takes mutable pointers but only reads. */
	struct column *mc = (struct column *)(uintptr_t)c;
	g->c = c;
	g->gid = frame_group_ids(&mc, 1, c->n, &g->n, &g->first);
	g->count = xcalloc(g->n + 1, sizeof(size_t));
}

static void groups_release(struct groups *g)
{
	free(g->gid);
	free(g->first);
	free(g->count);
}

static int group_missing(const struct groups *g, size_t k)
{
	return column_is_missing(g->c, g->first[k]);
}

static int cmp_name(const void *a, const void *b, void *ctx)
{
	const struct groups *g = ctx;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int r = column_cmp(g->c, g->first[x], g->first[y]);
	return r ? r : (x > y) - (x < y);
}

static int cmp_count(const void *a, const void *b, void *ctx)
{
	const struct groups *g = ctx;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	if (g->count[x] != g->count[y])
		return g->count[x] > g->count[y] ? -1 : 1;
	return cmp_name(a, b, ctx);
}

/* ------------------------------------------------------------------- bar */

/* Text shows at most this many named bars (a 24-row pane has about 18
 * rows inside the frame; gnuplot drops tick labels that would collide,
 * which would leave bars unnamed). */
#define BAR_TEXT_TOP 14

struct bar_set {
	struct groups g;
	size_t *bycount;      /* non-missing groups, most frequent first */
	size_t m, nmissing;
	int by_name;
};

/* One bar table: the `top` most frequent categories (all of them when only
 * one would be left over: "(other 1)" would hide a name for nothing),
 * "(other N)" and "(missing)".  Returns the table; *nbar and *maxlen get
 * the bar count and the longest label. */
static int bar_table(struct plot *p, const struct bar_set *bs, size_t top, size_t *nbar,
		     size_t *maxlen)
{
	const struct column *c = bs->g.c;
	size_t keep = bs->m <= top + 1 ? bs->m : top, other = 0;
	size_t *order = xmallocarray(bs->m, sizeof(size_t));
	memcpy(order, bs->bycount, bs->m * sizeof(size_t));
	for (size_t k = keep; k < bs->m; k++)
		other += bs->g.count[order[k]];
	if (bs->by_name)
		qsort_r(order, keep, sizeof(size_t), cmp_name, (void *)(uintptr_t)&bs->g);
	int t = plot_table(p, 0);
	char lab[64];
	*nbar = *maxlen = 0;
	for (size_t k = 0; k <= keep + 1; k++) {
		size_t cnt;
		if (k < keep) {
			cell_label(c, bs->g.first[order[k]], lab, sizeof(lab));
			cnt = bs->g.count[order[k]];
		} else if (k == keep && other) {
			snprintf(lab, sizeof(lab), "(other %zu)", bs->m - keep);
			cnt = other;
		} else if (k == keep + 1 && bs->nmissing) {
			snprintf(lab, sizeof(lab), "(missing)");
			cnt = bs->nmissing;
		} else {
			continue;
		}
		plot_row_begin(p, t);
		plot_row_num(p, (double)(*nbar)++);
		plot_row_label(p, lab);
		plot_row_num(p, (double)cnt);
		plot_row_end(p);
		*maxlen = strlen(lab) > *maxlen ? strlen(lab) : *maxlen;
	}
	free(order);
	return t;
}

/* Rotated x tic labels (files; dumb cannot rotate).  A label rotated
 * about its end reaches left of the first tic: a left margin makes room
 * for it, in characters (cos 45° of its length). */
void plot_rotate_xtics(struct plot *p, size_t maxlen)
{
	plot_cmd(p, "set xtics rotate by 45 right\n");
	plot_cmd(p, "set lmargin %d\n", (int)(0.7 * (double)maxlen) + 2);
}

/* Vertical bars: boxes with the labels as x tics. */
static void bar_vertical(struct plot *p, int t, size_t nbar, int rotate, size_t maxlen)
{
	plot_cmd(p, "set boxwidth 0.8\nset xrange [-0.6:%zu.6]\nset yrange [0:*]\n", nbar - 1);
	if (rotate)
		plot_rotate_xtics(p, maxlen);
	plot_cmd(p, "plot $d%d using 1:3:xtic(2) with boxes lc rgb \"%s\" notitle\n", t,
		 colours[0]);
}

static int build_bar(const struct plot_input *in, const json_t *opts, struct plot *p,
		     struct wb_err *err)
{
	const struct column *c = arg_col(p, in, 0, "a column name", err);
	if (!c)
		return -1;
	const char *name = in->cols[0];
	if (c->kind == COL_NUM || c->kind == COL_TIME)
		return wb_error(err, "bar: column '%s' is %s, not categorical; use \"hist\" for "
				"its distribution", name, col_kind_name(c->kind));
	long top;
	const char *sort;
	if (plot_opt_int(p, opts, "top", 20, 1, 1000, &top, err) < 0 ||
	    plot_opt_str(p, opts, "sort", "count", &sort, err) < 0)
		return -1;
	struct bar_set bs = { .by_name = !strcmp(sort, "name") };
	if (!bs.by_name && strcmp(sort, "count"))
		return wb_error(err, "bar: option 'sort' must be \"count\" or \"name\" (got '%s')",
				sort);

	groups_init(&bs.g, c);
	for (size_t i = 0; i < c->n; i++)
		bs.g.count[bs.g.gid[i]]++;
	bs.bycount = xmallocarray(bs.g.n + 1, sizeof(size_t));
	for (size_t k = 0; k < bs.g.n; k++) {
		if (group_missing(&bs.g, k))
			bs.nmissing = bs.g.count[k];
		else
			bs.bycount[bs.m++] = k;
	}
	int rc = 0;
	if (bs.m == 0)
		rc = wb_error(err, "bar: column '%s' has no values", name);
	else if (c->kind == COL_INT && bs.m > BAR_MAX_INT_VALUES)
		rc = wb_error(err, "bar: column '%s' has %zu distinct integer values (at most %d); "
			      "use \"hist\" for its distribution", name, bs.m, BAR_MAX_INT_VALUES);
	if (rc < 0) {
		free(bs.bycount);
		groups_release(&bs.g);
		return -1;
	}
	qsort_r(bs.bycount, bs.m, sizeof(size_t), cmp_count, &bs.g);

	size_t nbar, maxlen, tnbar, tmaxlen;
	int t = bar_table(p, &bs, (size_t)top, &nbar, &maxlen), tt = t;
	tnbar = nbar;
	tmaxlen = maxlen;
	if (top > BAR_TEXT_TOP && bs.m > BAR_TEXT_TOP + 1)
		tt = bar_table(p, &bs, BAR_TEXT_TOP, &tnbar, &tmaxlen);
	free(bs.bycount);
	groups_release(&bs.g);

	plot_set_title(p, name);
	plot_cmd(p, "set style fill solid 0.5 border -1\n");
	/* Files: vertical bars, labels rotated when they would crowd (about
	 * 80 characters fit under an 800-pixel plot).  Text cannot rotate
	 * labels: there the bars turn horizontal when the labels would not fit
	 * side by side in 80 columns. */
	plot_cmd(p, "if (wb_text) {\n");
	if (tnbar * (tmaxlen + 1) > 60) {
		plot_cmd(p, "set xrange [0:*]\nset yrange [%zu.6:-0.6]\n", tnbar - 1);
		plot_cmd(p, "plot $d%d using (0):1:(0):3:($1-0.4):($1+0.4):ytic(2) "
			 "with boxxyerror lc rgb \"%s\" notitle\n", tt, colours[0]);
	} else {
		bar_vertical(p, tt, tnbar, 0, tmaxlen);
	}
	plot_cmd(p, "} else {\n");
	bar_vertical(p, t, nbar, nbar * (maxlen + 1) > 80, maxlen);
	plot_cmd(p, "}\n");
	return 0;
}

/* --------------------------------------------------------------- scatter */

/* The two plot commands (text, file) for n point tables of one style
 * each; names[k] NULL means no legend entry. */
static void plot_points(struct plot *p, const int *tables, char (*names)[64], int n)
{
	plot_cmd(p, "if (wb_text) {\n");
	for (int pass = 0; pass < 2; pass++) {
		plot_cmd(p, "plot ");
		for (int k = 0; k < n; k++) {
			int s = k % NSTYLE;
			if (pass == 0)
				plot_cmd(p, "$d%d using 1:2 with points pt \"%s\" ", tables[k],
					 text_pts[s]);
			else
				plot_cmd(p, "$d%d using 1:2 with points pt %d ps 0.8 lc rgb \"%s\" ",
					 tables[k], file_pts[s], colours[s]);
			if (names && names[k][0]) {
				plot_cmd(p, "title ");
				add_quoted(p, names[k]);
			} else {
				plot_cmd(p, "notitle");
			}
			plot_cmd(p, "%s", k + 1 < n ? ", \\\n     " : "\n");
		}
		plot_cmd(p, pass == 0 ? "} else {\n" : "}\n");
	}
}

static int build_scatter(const struct plot_input *in, const json_t *opts, struct plot *p,
			 struct wb_err *err)
{
	const char *usage = "two column names (x, y)";
	const struct column *cx = arg_col(p, in, 0, usage, err), *cy;
	if (!cx || !(cy = arg_col(p, in, 1, usage, err)))
		return -1;
	const char *xn = in->cols[0], *yn = in->cols[1];
	if (plot_need_numeric(p, cx, xn, PLOT_ALLOW_TIME, NULL, err) < 0 ||
	    plot_need_numeric(p, cy, yn, PLOT_ALLOW_TIME, NULL, err) < 0)
		return -1;
	const char *byname;
	if (plot_opt_str(p, opts, "by", NULL, &byname, err) < 0)
		return -1;
	const struct column *cb = NULL;
	if (byname && !(cb = by_col(p, in, byname, err)))
		return -1;

	size_t n = cx->n, nvalid = 0;
	double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
	uint8_t *ok = xmalloc(n ? n : 1);
	for (size_t i = 0; i < n; i++) {
		double x = plot_num_at(cx, i), y = plot_num_at(cy, i);
		ok[i] = !isnan(x) && !isnan(y);
		if (!ok[i])
			continue;
		nvalid++;
		xlo = x < xlo ? x : xlo;
		xhi = x > xhi ? x : xhi;
		ylo = y < ylo ? y : ylo;
		yhi = y > yhi ? y : yhi;
	}
	if (!nvalid) {
		free(ok);
		return wb_error(err, "scatter: columns '%s' and '%s' have no rows with both values",
				xn, yn);
	}

	/* Classes: one table each (the largest 11 when there are more than 12,
	 * the rest sharing "(other)"); without `by`, one table. */
	int tables[SCATTER_MAX_CLASSES], ntab = 1;
	char names[SCATTER_MAX_CLASSES][64];
	struct groups g = { 0 };
	size_t *slot = NULL;
	if (cb) {
		groups_init(&g, cb);
		for (size_t i = 0; i < n; i++)
			g.count[g.gid[i]] += ok[i];
		size_t *order = xmallocarray(g.n + 1, sizeof(size_t)), m = 0;
		for (size_t k = 0; k < g.n; k++)
			if (g.count[k])
				order[m++] = k;
		size_t keep = m;
		if (m > SCATTER_MAX_CLASSES) {
			qsort_r(order, m, sizeof(size_t), cmp_count, &g);
			keep = SCATTER_MAX_CLASSES - 1;
		}
		qsort_r(order, keep, sizeof(size_t), cmp_name, &g);
		/* Slots in legend order: classes by name, "(other)", then the
		 * missing class (which sorts last by name), as bar orders them. */
		size_t other = keep;
		if (m > keep && keep && group_missing(&g, order[keep - 1]))
			other = keep - 1;
		slot = xmallocarray(g.n + 1, sizeof(size_t));
		for (size_t k = 0; k < g.n; k++)
			slot[k] = other;
		for (size_t k = 0; k < keep; k++) {
			size_t s = k < other ? k : k + 1;
			slot[order[k]] = s;
			cell_label(cb, g.first[order[k]], names[s], sizeof(names[s]));
		}
		ntab = (int)keep + (m > keep);
		if (m > keep)
			snprintf(names[other], sizeof(names[other]), "(other)");
		free(order);
	}
	for (int k = 0; k < ntab; k++)
		tables[k] = plot_table(p, 1);
	for (size_t i = 0; i < n; i++)
		if (ok[i]) {
			double row[2] = { plot_num_at(cx, i), plot_num_at(cy, i) };
			plot_row(p, tables[slot ? slot[g.gid[i]] : 0], row, 2);
		}
	free(slot);
	if (cb)
		groups_release(&g);
	free(ok);

	title2(p, yn, "vs", xn);
	plot_set_xlabel(p, xn);
	plot_set_ylabel(p, yn);
	note_skipped(p, n - nvalid, "row", " with missing values");
	/* Points on the frame are hidden by it in text: keep a margin, and
	 * no more (autoscale to the next tick would add up to a whole tick
	 * step, e.g. a price axis reaching -5000). */
	plot_cmd(p, "set autoscale fix\n");
	plot_cmd(p, "set offsets graph 0.03, graph 0.03, graph 0.05, graph 0.05\n");
	if (xlo == xhi)
		plot_cmd(p, "set xrange [%.10g:%.10g]\n", xlo - 1, xhi + 1);
	if (ylo == yhi)
		plot_cmd(p, "set yrange [%.10g:%.10g]\n", ylo - 1, yhi + 1);
	if (cx->kind == COL_TIME)
		time_axis(p, 'x', xlo, xhi);
	if (cy->kind == COL_TIME)
		time_axis(p, 'y', ylo, yhi);
	if (cb)
		plot_cmd(p, "set key outside right top\n");
	plot_points(p, tables, cb ? names : NULL, ntab);
	return 0;
}

/* ------------------------------------------------------------------ line */

/* Rows idx[0..m) ordered by x[idx] ascending, ties in input order. */
static void sort_by_x(const double *x, size_t *idx, size_t m)
{
	size_t k = 1;
	while (k < m && x[idx[k]] >= x[idx[k - 1]])
		k++;
	if (k >= m)
		return;   /* already in order: the common case for series */
	uint64_t *keys = xmallocarray(m, sizeof(uint64_t));
	for (k = 0; k < m; k++)
		keys[k] = frame_f64_key(x[idx[k]]);
	frame_radix_u64(keys, idx, m);
	free(keys);
}

static void plot_lines(struct plot *p, const int *tables, char (*names)[64], int n)
{
	/* Lines span the width: no autoscale jump to the next x tick. */
	plot_cmd(p, "set autoscale xfix\n");
	plot_cmd(p, "plot ");
	for (int k = 0; k < n; k++) {
		/* lt picks dumb's drawing character (* # $ % @ ...), lc the colour. */
		plot_cmd(p, "$d%d using 1:2 with lines lt %d lw 1.5 lc rgb \"%s\" ", tables[k],
			 k + 1, colours[k % NSTYLE]);
		if (n > 1) {
			plot_cmd(p, "title ");
			add_quoted(p, names[k]);
		} else {
			plot_cmd(p, "notitle");
		}
		plot_cmd(p, "%s", k + 1 < n ? ", \\\n     " : "\n");
	}
}

#define LINE_MAX_SERIES 64

/* The values of c as doubles (NaN missing): a num column's own array, else
 * a copy in *own. */
static const double *col_values(const struct column *c, double **own)
{
	*own = NULL;
	if (c->kind == COL_NUM)
		return c->num;
	*own = xmallocarray(c->n ? c->n : 1, sizeof(double));
	for (size_t i = 0; i < c->n; i++)
		(*own)[i] = plot_num_at(c, i);
	return *own;
}

/* One line: the points (x[i], y[i]) with both present, ordered by x
 * (stable).  Returns its table, or -1 when no point is left; *skipped
 * grows by the points left out and *lo, *hi take in the x range. */
static int line_table(struct plot *p, const double *x, const double *y, size_t n,
		      size_t *skipped, double *lo, double *hi)
{
	size_t *idx = xmallocarray(n ? n : 1, sizeof(size_t)), m = 0;
	for (size_t i = 0; i < n; i++)
		if (!isnan(x[i]) && !isnan(y[i])) {
			idx[m++] = i;
			*lo = x[i] < *lo ? x[i] : *lo;
			*hi = x[i] > *hi ? x[i] : *hi;
		}
	*skipped += n - m;
	int t = -1;
	if (m) {
		sort_by_x(x, idx, m);
		t = plot_table(p, 0);
		for (size_t k = 0; k < m; k++) {
			double row[2] = { x[idx[k]], y[idx[k]] };
			plot_row(p, t, row, 2);
		}
	}
	free(idx);
	return t;
}

/* Columns of a frame (x, y...), or in->series when there is no frame. */
static int build_line(const struct plot_input *in, const json_t *opts, struct plot *p,
		      struct wb_err *err)
{
	const char *usage = "an x column and at least one y column";
	int series = in && !in->frame && in->nseries > 0;
	const struct column *cx = NULL;
	if (!series) {
		if (!(cx = arg_col(p, in, 0, usage, err)))
			return -1;
		if (in->ncols < 2)
			return wb_error(err, "line: needs %s", usage);
		if (plot_need_numeric(p, cx, in->cols[0], PLOT_ALLOW_TIME, NULL, err) < 0)
			return -1;
		for (int k = 1; k < in->ncols; k++) {
			const struct column *c = arg_col(p, in, k, usage, err);
			if (!c || plot_need_numeric(p, c, in->cols[k], 0, NULL, err) < 0)
				return -1;
		}
	}
	int ns = series ? in->nseries : in->ncols - 1, nt = 0, rc = 0;
	if (ns > LINE_MAX_SERIES)
		return wb_error(err, "line: %d series are too many (at most %d)", ns,
				LINE_MAX_SERIES);
	int tables[LINE_MAX_SERIES];
	char (*names)[64] = xcalloc(LINE_MAX_SERIES, sizeof(*names));
	double *xown = NULL, lo = INFINITY, hi = -INFINITY;
	const double *x = series ? NULL : col_values(cx, &xown);
	size_t skipped = 0;
	for (int s = 0; s < ns && rc == 0; s++) {
		const double *y;
		double *yown = NULL, *sx = NULL;
		size_t n;
		const char *name;
		char buf[32];
		if (series) {
			const struct plot_series *se = &in->series[s];
			n = se->n;
			y = se->y;
			if (!se->x) {   /* 1, 2, ..., n */
				sx = xmallocarray(n ? n : 1, sizeof(double));
				for (size_t i = 0; i < n; i++)
					sx[i] = (double)(i + 1);
			}
			x = se->x ? se->x : sx;
			snprintf(buf, sizeof(buf), "series %d", s + 1);
			name = se->name ? se->name : buf;
		} else {
			const struct column *cy = frame_col(in->frame, in->cols[s + 1]);
			n = cy->n;
			y = col_values(cy, &yown);
			name = in->cols[s + 1];
		}
		int t = line_table(p, x, y, n, &skipped, &lo, &hi);
		if (t >= 0) {
			tables[nt] = t;
			plot_clip_label(name, strlen(name), names[nt++], sizeof(names[0]));
		} else if (!series) {
			rc = wb_error(err, "line: column '%s' has no values (with x present)", name);
		}
		free(yown);
		free(sx);
	}
	free(xown);
	if (rc == 0 && nt == 0)
		rc = wb_error(err, "line: no series has values");
	if (rc < 0) {
		free(names);
		return -1;
	}
	note_skipped(p, skipped, "point", " with missing x or y");
	if (!series) {
		plot_set_xlabel(p, in->cols[0]);
		if (ns == 1) {
			title2(p, in->cols[1], "vs", in->cols[0]);
			plot_set_ylabel(p, in->cols[1]);
		}
		if (cx->kind == COL_TIME)
			time_axis(p, 'x', lo, hi);
	} else if (nt == 1 && in->series[0].name) {
		plot_set_title(p, names[0]);
	}
	if (nt > 1)
		plot_cmd(p, "set key outside right top\n");
	plot_lines(p, tables, names, nt);
	free(names);
	return 0;
}

/* ------------------------------------------------------------------- box */

struct box_stats {
	double q1, median, q3, wlo, whi;
};

/* Quartiles and whiskers of v[0..n), n > 0. */
static void box_stats(double *v, size_t n, struct box_stats *s)
{
	static const double q[3] = { 0.25, 0.5, 0.75 };
	double qv[3];
	quantiles7(v, n, q, 3, qv);
	s->q1 = qv[0];
	s->median = qv[1];
	s->q3 = qv[2];
	double iqr = s->q3 - s->q1, lo = s->q1 - 1.5 * iqr, hi = s->q3 + 1.5 * iqr;
	s->wlo = INFINITY;
	s->whi = -INFINITY;
	for (size_t i = 0; i < n; i++) {
		if (v[i] >= lo && v[i] < s->wlo)
			s->wlo = v[i];
		if (v[i] <= hi && v[i] > s->whi)
			s->whi = v[i];
	}
}

static void plot_box_cmds(struct plot *p, int tb, int tout, int text)
{
	plot_cmd(p, "plot $d%d using 1:3:4:5:6:xtic(2) with candlesticks whiskerbars 0.5 "
		 "lc rgb \"%s\" notitle, \\\n", tb, colours[0]);
	plot_cmd(p, "     $d%d using 1:7:7:7:7 with candlesticks lw 2 lc rgb \"black\" notitle",
		 tb);
	if (tout >= 0) {
		if (text)
			plot_cmd(p, ", \\\n     $d%d using 1:2 with points pt \"o\" notitle", tout);
		else
			plot_cmd(p, ", \\\n     $d%d using 1:2 with points pt 6 ps 0.7 lc rgb \"%s\" "
				 "notitle", tout, colours[0]);
	}
	plot_cmd(p, "\n");
}

static int build_box(const struct plot_input *in, const json_t *opts, struct plot *p,
		     struct wb_err *err)
{
	const struct column *c = arg_col(p, in, 0, "a column name", err);
	if (!c)
		return -1;
	const char *name = in->cols[0];
	if (plot_need_numeric(p, c, name, 0, NULL, err) < 0)
		return -1;
	const char *byname;
	if (plot_opt_str(p, opts, "by", NULL, &byname, err) < 0)
		return -1;
	const struct column *cb = NULL;
	if (byname && !(cb = by_col(p, in, byname, err)))
		return -1;

	size_t n = c->n, ng = 1, nvalid = 0;
	struct groups g = { 0 };
	if (cb) {
		groups_init(&g, cb);
		ng = g.n;
	}
	/* Values laid out group by group (a counting sort on the group id). */
	size_t *start = xcalloc(ng + 1, sizeof(size_t));
	for (size_t i = 0; i < n; i++)
		if (!isnan(plot_num_at(c, i)))
			start[cb ? g.gid[i] + 1 : 1]++, nvalid++;
	if (!nvalid) {
		free(start);
		if (cb)
			groups_release(&g);
		return wb_error(err, "box: column '%s' has no values", name);
	}
	size_t *order = xmallocarray(ng, sizeof(size_t)), m = 0;
	for (size_t k = 0; k < ng; k++)
		if (start[k + 1])
			order[m++] = k;
	if (m > BOX_MAX_GROUPS) {
		free(start);
		free(order);
		groups_release(&g);
		return wb_error(err, "box: column '%s' (by) has %zu groups (at most %d); filter "
				"the rows or group by a column with fewer values", byname, m,
				BOX_MAX_GROUPS);
	}
	for (size_t k = 0; k < ng; k++)
		start[k + 1] += start[k];
	double *v = xmallocarray(nvalid, sizeof(double));
	size_t *fill = xmallocarray(ng, sizeof(size_t));
	memcpy(fill, start, ng * sizeof(size_t));
	for (size_t i = 0; i < n; i++) {
		double x = plot_num_at(c, i);
		if (!isnan(x))
			v[fill[cb ? g.gid[i] : 0]++] = x;
	}
	free(fill);
	if (cb)
		qsort_r(order, m, sizeof(size_t), cmp_name, &g);

	int tb = plot_table(p, 0), tout = -1;
	size_t maxlen = 0;
	for (size_t j = 0; j < m; j++) {
		size_t k = order[j], len = start[k + 1] - start[k];
		char lab[64];
		if (cb)
			cell_label(cb, g.first[k], lab, sizeof(lab));
		else
			plot_clip_label(name, strlen(name), lab, sizeof(lab));
		maxlen = strlen(lab) > maxlen ? strlen(lab) : maxlen;
		double *gv = v + start[k];
		struct box_stats s;
		box_stats(gv, len, &s);
		plot_row_begin(p, tb);
		plot_row_num(p, (double)j);
		plot_row_label(p, lab);
		double row[6] = { s.q1, s.wlo, s.whi, s.q3, s.median, (double)len };
		for (int f = 0; f < 6; f++)
			plot_row_num(p, row[f]);
		plot_row_end(p);
		/* Outliers, in value order within the group. */
		size_t nout = 0;
		for (size_t i = 0; i < len; i++)
			if (gv[i] < s.wlo || gv[i] > s.whi)
				gv[nout++] = gv[i];
		qsort(gv, nout, sizeof(double), cmp_double);
		if (nout && tout < 0)
			tout = plot_table(p, 1);
		for (size_t i = 0; i < nout; i++) {
			double orow[2] = { (double)j, gv[i] };
			plot_row(p, tout, orow, 2);
		}
	}
	free(v);
	free(start);
	free(order);

	if (cb) {
		title2(p, name, "by", byname);
		plot_set_xlabel(p, byname);
		groups_release(&g);
	} else {
		plot_set_title(p, name);
	}
	plot_set_ylabel(p, name);
	note_skipped(p, n - nvalid, "missing value", "");
	plot_cmd(p, "set boxwidth 0.5\nset style fill solid 0.25 border -1\n");
	/* One box alone would fill half the width. */
	double pad = m == 1 ? 1.1 : 0.6;
	plot_cmd(p, "set xrange [%g:%g]\n", -pad, (double)(m - 1) + pad);
	/* A margin above and below the whiskers, without autoscale's jump to
	 * the next tick (a price axis reaching -5000). */
	plot_cmd(p, "set autoscale yfix\n");
	plot_cmd(p, "set offsets 0, 0, graph 0.05, graph 0.05\n");
	plot_cmd(p, "if (wb_text) {\n");
	plot_box_cmds(p, tb, tout, 1);
	plot_cmd(p, "} else {\n");
	if (m * (maxlen + 1) > 80)
		plot_rotate_xtics(p, maxlen);
	plot_box_cmds(p, tb, tout, 0);
	plot_cmd(p, "}\n");
	return 0;
}

/* -------------------------------------------------------------- registry */

static const char *const hist_opts[] = { "bins", "density", NULL };
static const char *const bar_opts[] = { "top", "sort", NULL };
static const char *const by_opts[] = { "by", NULL };
static const char *const no_opts[] = { NULL };

static const struct plot_kind kinds[] = {
	{ "hist", "histogram of a numeric column (bins chosen by Freedman-Diaconis)",
	  "frame, column", hist_opts, build_hist },
	{ "bar", "bar chart of the counts of a categorical column", "frame, column", bar_opts,
	  build_bar },
	{ "scatter", "scatter plot of two columns, coloured by a class column (by)",
	  "frame, x column, y column", by_opts, build_scatter },
	{ "line", "lines of one or more columns against an x column, or of series",
	  "frame, x column, y columns; or series", no_opts, build_line },
	{ "box", "box plot of a numeric column, optionally by group (by)", "frame, column",
	  by_opts, build_box },
};

void plot_explore_register(void)
{
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		plot_kind_register_builtin(&kinds[k]);
}
