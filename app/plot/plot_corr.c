/*
 * plot_corr — the correlation heatmap kind, "corr".
 *
 *   num, int and bool columns, at most 30.  Pearson or Spearman
 *           (average ranks for ties) on pairwise-complete rows; a constant
 *           column gives NaN, drawn as a white cell labelled "nan" (the
 *           image table $d0 holds 0 there, since image needs a full grid;
 *           the label table $d1 holds "nan").  Text shows no colours: the
 *           values as labels ($d2 without leading zeros past 6 columns) and,
 *           when names would collide, numbered x tics.  Pairs are spread
 *           over OpenMP threads, each summed sequentially by one thread, so
 *           results are bit-identical for any thread count.
 *
 * Errors name the kind and the column.  Nothing here is random.
 */
#include "plot/plot.h"
#include "plot/plot_kinds.h"
#include "core/frame_ops.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CORR_MAX_COLS 30

/* ------------------------------------------------------------------ corr */

struct corr_col {
	const char *name;
	const double *v;     /* values, NaN missing: a num column's own array or own */
	double *own;
	double shift;        /* mean of its values (or ranks) */
	size_t nvalid;       /* values present */
	int missing;         /* has missing values */
	int constant;        /* fewer than two distinct values */
	/* spearman: */
	double *rank;        /* column without missing values: its average ranks */
	uint32_t *perm;      /* when any column has missing values: its present
				rows in value order (stable) */
};

/* Rows of x[0..n) whose value is present, in value order (stable). */
static size_t *sorted_rows(const double *x, size_t n, size_t *m)
{
	uint64_t *keys = xmallocarray(n ? n : 1, sizeof(uint64_t));
	size_t *idx = xmallocarray(n ? n : 1, sizeof(size_t));
	*m = 0;
	for (size_t i = 0; i < n; i++)
		if (!isnan(x[i])) {
			keys[*m] = frame_f64_key(x[i]);
			idx[(*m)++] = i;
		}
	frame_radix_u64(keys, idx, *m);
	free(keys);
	return idx;
}

/* Average ranks (1-based; ties share their mean rank) of x over the rows
 * idx[0..m) lists in value order, skipping rows where `other` is missing
 * (other may be NULL); written to rank[row].  Returns the rows ranked. */
static size_t ranks_from(const double *x, const size_t *idx, const uint32_t *idx32, size_t m,
			 const double *other, double *rank)
{
	size_t r = 0;
	for (size_t s = 0; s < m;) {
		size_t row = idx ? idx[s] : idx32[s], e = s, cnt = 0;
		double v = x[row];
		for (; e < m; e++) {
			size_t q = idx ? idx[e] : idx32[e];
			if (x[q] != v)
				break;
			cnt += !other || !isnan(other[q]);
		}
		double rk = (double)r + (double)(cnt + 1) / 2;   /* mean of r+1 .. r+cnt */
		for (size_t k = s; k < e; k++) {
			size_t q = idx ? idx[k] : idx32[k];
			if (!other || !isnan(other[q]))
				rank[q] = rk;
		}
		r += cnt;
		s = e;
	}
	return r;
}

/* Pearson r of the rows where both are present, with sums taken about the
 * shifts (each column's mean), which keeps the one-pass formula accurate.
 * A (near-)zero variance over those rows gives NaN: the shifted sums of a
 * constant cancel to rounding noise, which a relative test catches. */
static double pearson(const double *x, const double *y, size_t n, double kx, double ky,
		      int check)
{
	double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
	size_t m = 0;
	if (check) {
		for (size_t i = 0; i < n; i++) {
			double a = x[i], b = y[i];
			if (isnan(a) || isnan(b))
				continue;
			a -= kx;
			b -= ky;
			sx += a;
			sy += b;
			sxx += a * a;
			syy += b * b;
			sxy += a * b;
			m++;
		}
	} else {
		for (size_t i = 0; i < n; i++) {
			double a = x[i] - kx, b = y[i] - ky;
			sx += a;
			sy += b;
			sxx += a * a;
			syy += b * b;
			sxy += a * b;
		}
		m = n;
	}
	if (m < 2)
		return NAN;
	double vx = sxx - sx * sx / (double)m, vy = syy - sy * sy / (double)m;
	if (!(vx > 1e-12 * sxx) || !(vy > 1e-12 * syy))
		return NAN;
	double r = (sxy - sx * sy / (double)m) / sqrt(vx * vy);
	return r > 1 ? 1 : r < -1 ? -1 : r;
}

/* Spearman over the rows where both are present: each column re-ranked
 * there by walking its value order (no sort per pair).  rx, ry: n doubles
 * of scratch. */
static double spearman_missing(const struct corr_col *x, const struct corr_col *y, size_t n,
			       double *rx, double *ry)
{
	for (size_t i = 0; i < n; i++)
		rx[i] = ry[i] = NAN;
	size_t m = ranks_from(x->v, NULL, x->perm, x->nvalid, y->v, rx);
	ranks_from(y->v, NULL, y->perm, y->nvalid, x->v, ry);
	double mid = (double)(m + 1) / 2;
	return pearson(rx, ry, n, mid, mid, 1);
}

/* Work (pairs x rows) below which threads cost more than they save. */
#define CORR_PAR_WORK 2000000.0

/* r[p*p]: the correlation matrix.  Each pair is one task summed in row
 * order by one thread: the same bits for any number of threads. */
static void corr_matrix(struct corr_col *cc, int p, size_t n, int spearman, double *r)
{
	double work = (double)p * (double)n;
	int any_missing = 0;
	#pragma omp parallel for schedule(static, 1) if (work > CORR_PAR_WORK)
	for (int j = 0; j < p; j++) {
		struct corr_col *c = &cc[j];
		double sum = 0, lo = INFINITY, hi = -INFINITY;
		size_t m = 0;
		for (size_t i = 0; i < n; i++) {
			double x = c->v[i];
			if (isnan(x))
				continue;
			sum += x;
			m++;
			lo = x < lo ? x : lo;
			hi = x > hi ? x : hi;
		}
		c->nvalid = m;
		c->missing = m < n;
		c->constant = m < 2 || lo == hi;
		c->shift = m ? sum / (double)m : 0;
	}
	for (int j = 0; j < p; j++)
		any_missing |= cc[j].missing;
	if (spearman) {
		#pragma omp parallel for schedule(static, 1) if (work > CORR_PAR_WORK)
		for (int j = 0; j < p; j++) {
			struct corr_col *c = &cc[j];
			size_t m, *idx = sorted_rows(c->v, n, &m);
			if (!c->missing) {
				c->rank = xmallocarray(n ? n : 1, sizeof(double));
				ranks_from(c->v, idx, NULL, m, NULL, c->rank);
				c->shift = (double)(n + 1) / 2;
			}
			if (any_missing) {
				c->perm = xmallocarray(m ? m : 1, sizeof(uint32_t));
				for (size_t k = 0; k < m; k++)
					c->perm[k] = (uint32_t)idx[k];
			}
			free(idx);
		}
	}

	int npair = p * (p - 1) / 2;
	int *pa = xmallocarray((size_t)npair + 1, sizeof(int));
	int *pb = xmallocarray((size_t)npair + 1, sizeof(int));
	for (int a = 0, k = 0; a < p; a++)
		for (int b = a + 1; b < p; b++, k++) {
			pa[k] = a;
			pb[k] = b;
		}
	work = (double)npair * (double)n;
	#pragma omp parallel if (work > CORR_PAR_WORK)
	{
		double *rx = NULL, *ry = NULL;   /* per-thread scratch */
		#pragma omp for schedule(static, 1)
		for (int k = 0; k < npair; k++) {
			const struct corr_col *x = &cc[pa[k]], *y = &cc[pb[k]];
			double v;
			if (x->constant || y->constant) {
				v = NAN;
			} else if (!spearman) {
				v = pearson(x->v, y->v, n, x->shift, y->shift,
					    x->missing || y->missing);
			} else if (x->rank && y->rank) {
				v = pearson(x->rank, y->rank, n, x->shift, y->shift, 0);
			} else {
				if (!rx) {
					rx = xmallocarray(n, sizeof(double));
					ry = xmallocarray(n, sizeof(double));
				}
				v = spearman_missing(x, y, n, rx, ry);
			}
			r[pa[k] * p + pb[k]] = r[pb[k] * p + pa[k]] = v;
		}
		free(rx);
		free(ry);
	}
	for (int j = 0; j < p; j++)
		r[j * p + j] = cc[j].constant ? NAN : 1;
	free(pa);
	free(pb);
}

static void corr_cols_free(struct corr_col *cc, int p)
{
	for (int j = 0; j < p; j++) {
		free(cc[j].own);
		free(cc[j].rank);
		free(cc[j].perm);
	}
	free(cc);
}

/* The columns corr uses: the named ones (num, int or bool), or all such
 * columns of the frame. */
static struct corr_col *corr_cols(struct plot *p, const struct plot_input *in, int *np,
				  struct wb_err *err)
{
	if (!in || !in->frame) {
		wb_error(err, "corr: needs a data frame");
		return NULL;
	}
	const struct frame *f = in->frame;
	int cap = in->ncols > 0 ? in->ncols : f->ncol, k = 0;
	struct corr_col *cc = xcalloc((size_t)cap + 1, sizeof(*cc));
	const struct column **cols = xcalloc((size_t)cap + 1, sizeof(*cols));
	for (int j = 0; j < cap; j++) {
		const struct column *c;
		const char *name;
		if (in->ncols > 0) {
			name = in->cols ? in->cols[j] : NULL;
			if (!(c = plot_column(p, f, name, err)) ||
			    plot_need_numeric(p, c, name, PLOT_ALLOW_BOOL, NULL, err) < 0)
				goto fail;
		} else {
			name = f->names[j];
			c = f->cols[j];
			if (c->kind != COL_NUM && c->kind != COL_INT && c->kind != COL_BOOL)
				continue;
		}
		cc[k].name = name;
		cols[k++] = c;
	}
	if (k < 2) {
		wb_error(err, "corr: needs at least 2 numeric columns (%s %d)",
			 in->ncols > 0 ? "given" : "the frame has", k);
		goto fail;
	}
	if (f->nrow > UINT32_MAX) {
		wb_error(err, "corr: %zu rows are too many (at most %u)", f->nrow, UINT32_MAX);
		goto fail;
	}
	if (k > CORR_MAX_COLS) {
		wb_error(err, "corr: %d columns are too many for a heatmap (at most %d); pass the "
			 "columns to use", k, CORR_MAX_COLS);
		goto fail;
	}
	for (int j = 0; j < k; j++) {
		const struct column *c = cols[j];
		if (c->kind == COL_NUM) {
			cc[j].v = c->num;
			continue;
		}
		cc[j].own = xmallocarray(f->nrow ? f->nrow : 1, sizeof(double));
		for (size_t i = 0; i < f->nrow; i++)
			cc[j].own[i] = plot_num_at(c, i);
		cc[j].v = cc[j].own;
	}
	free(cols);
	*np = k;
	return cc;
fail:
	free(cols);
	free(cc);
	return NULL;
}

static int corr_method(struct plot *p, const json_t *opts, int *spearman, struct wb_err *err)
{
	const char *method;
	if (plot_opt_str(p, opts, "method", "pearson", &method, err) < 0)
		return -1;
	*spearman = !strcmp(method, "spearman");
	if (!*spearman && strcmp(method, "pearson"))
		return wb_error(err, "corr: option 'method' must be \"pearson\" or \"spearman\" "
				"(got '%s')", method);
	return 0;
}

/* See plot_kinds.h: the matrix, full precision, for tests.  Caller frees. */
double *plot_corr_values(const struct plot_input *in, const json_t *opts, int *np,
			 struct wb_err *err)
{
	struct plot *p = plot_new("corr");
	int spearman, k;
	struct corr_col *cc = NULL;
	double *r = NULL;
	if (corr_method(p, opts, &spearman, err) == 0 && (cc = corr_cols(p, in, &k, err))) {
		r = xmallocarray((size_t)k * (size_t)k, sizeof(double));
		corr_matrix(cc, k, in->frame->nrow, spearman, r);
		corr_cols_free(cc, k);
		*np = k;
	}
	plot_free(p);
	return r;
}

/* set xtics / ytics with one label per column. */
static void corr_tics(struct plot *p, char axis, const struct corr_col *cc, int k, int numbered)
{
	plot_cmd(p, "set %ctics (", axis);
	for (int j = 0; j < k; j++) {
		char lab[64], buf[80];
		plot_clip_label(cc[j].name, strlen(cc[j].name), lab, sizeof(lab));
		if (numbered == 1)
			snprintf(buf, sizeof(buf), "%d", j + 1);
		else if (numbered == 2)
			snprintf(buf, sizeof(buf), "%d %s", j + 1, lab);
		else
			snprintf(buf, sizeof(buf), "%s", lab);
		strbuf_add_quoted(&p->body, buf);
		plot_cmd(p, " %d%s", j, j + 1 < k ? ", " : ")\n");
	}
}

/* "%.2f" ("-0.00" as "0.00"), "nan"; compact: ".17", "-.38", "1", "-1". */
static void corr_label(double v, char *buf, size_t size, int compact)
{
	if (isnan(v)) {
		snprintf(buf, size, "nan");
		return;
	}
	snprintf(buf, size, "%.2f", v);
	if (!strcmp(buf, "-0.00"))
		snprintf(buf, size, "0.00");
	if (!compact)
		return;
	if (!strcmp(buf, "1.00") || !strcmp(buf, "-1.00"))
		snprintf(buf, size, "%s", v < 0 ? "-1" : "1");
	else if (buf[0] == '0')
		memmove(buf, buf + 1, strlen(buf));
	else if (buf[0] == '-' && buf[1] == '0')
		memmove(buf + 1, buf + 2, strlen(buf + 1));
}

static int build_corr(const struct plot_input *in, const json_t *opts, struct plot *p,
		      struct wb_err *err)
{
	int spearman, k;
	if (corr_method(p, opts, &spearman, err) < 0)
		return -1;
	struct corr_col *cc = corr_cols(p, in, &k, err);
	if (!cc)
		return -1;
	double *r = xmallocarray((size_t)k * (size_t)k, sizeof(double));
	corr_matrix(cc, k, in->frame->nrow, spearman, r);

	/* $d0: the image (x fastest, as `with image` reads a grid); $d1: the
	 * cell labels ("0.17"); with more than 6 columns $d2: the labels text
	 * uses, without the leading zero (".17", "-.38"), so that 11 columns
	 * still fit in 80. */
	int compact = k > 6;
	int ti = plot_table(p, 0), tl = plot_table(p, 0), tc = compact ? plot_table(p, 0) : tl;
	for (int y = 0; y < k; y++)
		for (int x = 0; x < k; x++) {
			double v = r[y * k + x], row[3] = { x, y, isnan(v) ? 0 : v };
			plot_row(p, ti, row, 3);
			for (int c = 0; c <= compact; c++) {
				char lab[16];
				corr_label(v, lab, sizeof(lab), c);
				plot_row_begin(p, c ? tc : tl);
				plot_row_num(p, x);
				plot_row_num(p, y);
				plot_row_label(p, lab);
				plot_row_end(p);
			}
		}
	size_t maxlen = 0, nconst = 0;
	char consts[256] = "";
	for (int j = 0; j < k; j++) {
		size_t len = strlen(cc[j].name);
		maxlen = len > maxlen ? len : maxlen;
		if (cc[j].constant) {
			size_t at = strlen(consts);
			snprintf(consts + at, sizeof(consts) - at, "%s'%s'", nconst ? ", " : "",
				 cc[j].name);
			nconst++;
		}
	}
	if (nconst)
		plot_note(p, "constant column%s %s: correlation not defined (nan)",
			  nconst == 1 ? "" : "s", consts);

	plot_set_title(p, spearman ? "spearman correlation" : "pearson correlation");
	plot_cmd(p, "set xrange [-0.5:%d.5]\nset yrange [%d.5:-0.5]\n", k - 1, k - 1);
	plot_cmd(p, "set cbrange [-1:1]\n");
	plot_cmd(p, "set palette defined (-1 \"blue\", 0 \"white\", 1 \"red\")\n");
	plot_cmd(p, "set tics scale 0\n");
	/* Text cannot show colours: each cell's value as a label; when the
	 * names would not fit along the x axis, x gets numbers and y "n name". */
	int numbered = (size_t)k * (maxlen + 1) > 64;
	plot_cmd(p, "if (wb_text) {\n");
	corr_tics(p, 'x', cc, k, numbered ? 1 : 0);
	corr_tics(p, 'y', cc, k, numbered ? 2 : 0);
	plot_cmd(p, "unset colorbox\n");
	plot_cmd(p, "plot $d%d using 1:2:3 with labels notitle\n", tc);
	plot_cmd(p, "} else {\n");
	corr_tics(p, 'x', cc, k, 0);
	corr_tics(p, 'y', cc, k, 0);
	/* About 60 characters fit under the square-ish plot of 800 pixels. */
	if ((size_t)k * (maxlen + 1) > 60)
		plot_rotate_xtics(p, maxlen);
	/* Cell labels while they fit (about 15 columns in 800 pixels). */
	if (k <= 15)
		plot_cmd(p, "plot $d%d using 1:2:3 with image notitle, "
			 "$d%d using 1:2:3 with labels notitle\n", ti, tl);
	else
		plot_cmd(p, "plot $d%d using 1:2:3 with image notitle\n", ti);
	plot_cmd(p, "}\n");
	free(r);
	corr_cols_free(cc, k);
	return 0;
}

static const char *const corr_opts[] = { "method", NULL };

static const struct plot_kind corr_kind = {
	"corr", "correlation heatmap of numeric columns (pearson or spearman)",
	"frame, columns (default: all numeric)", corr_opts, build_corr,
};

void plot_corr_register(void)
{
	plot_kind_register_builtin(&corr_kind);
}
