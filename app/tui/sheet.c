/*
 * sheet — the sheets of the TUI's stack: display columns per kind, cell
 * text, the virtual columns computed in C (missing %, sparklines, percent,
 * bars), undo history, marks, folding and the views the TUI builds itself.
 */
#include "tui/sheet.h"
#include "tui/grid.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char sheet_kind_marker(int kind)
{
	switch (kind) {
	case COL_NUM: return '%';
	case COL_INT: return '#';
	case COL_CAT: return '=';
	case COL_STR: return '~';
	case COL_BOOL: return '!';
	case COL_TIME: return '@';
	}
	return ' ';
}

static void add_col(struct sheet *s, int fcol, enum vcol virt, const char *name)
{
	s->cols = xreallocarray(s->cols, (size_t)s->ncols + 1, sizeof(*s->cols));
	s->cols[s->ncols++] = (struct dcol){ .fcol = fcol, .virt = virt, .name = name };
}

/* The display columns for the sheet's kind; widths carry over from old
 * columns of the same name so replacing a frame does not make the grid
 * jump. */
static void build_cols(struct sheet *s, const struct dcol *old, int nold)
{
	struct frame *f = s->f;
	s->ncols = 0;
	free(s->cols);
	s->cols = NULL;
	for (int j = 0; j < f->ncol; j++) {
		const char *n = f->names[j];
		if (s->kind == SHEET_COLUMNS) {
			if (!strcmp(n, "count") || !strcmp(n, "top_count"))
				continue;
			if (!strcmp(n, "missing")) {
				add_col(s, j, V_MISSING_PCT, "missing%");
				continue;
			}
		}
		add_col(s, j, V_NONE, n);
		/* The histogram right after the kind: the first thing to look at. */
		if (s->kind == SHEET_COLUMNS && s->src && !strcmp(n, "kind"))
			add_col(s, -1, V_SPARK, "histogram");
	}
	if (s->kind == SHEET_FREQ && frame_find(f, "count") >= 0) {
		add_col(s, -1, V_PERCENT, "percent");
		add_col(s, -1, V_BAR, "bar");
	}
	for (int j = 0; j < s->ncols; j++)
		for (int k = 0; k < nold; k++)
			if (!strcmp(old[k].name, s->cols[j].name))
				s->cols[j].width = old[k].width;
	/* What names a row stays in view: a column's name, a value, a run. */
	s->nkey = s->kind == SHEET_DATA ? 0 : s->kind == SHEET_RUN || s->kind == SHEET_COMPARE ? 2 : 1;
	s->same_col = s->kind == SHEET_COMPARE ? frame_find(f, "same") : -1;
	if (s->same_col >= 0 && f->cols[s->same_col]->kind != COL_BOOL)
		s->same_col = -1;
}

/* A frame column's total and maximum (Frequency: percent and bars). */
static void count_stats(const struct frame *f, double *total, double *max)
{
	*total = *max = 0;
	int j = frame_find(f, "count");
	if (j < 0)
		return;
	for (size_t i = 0; i < f->nrow; i++) {
		double v = column_get_num(f->cols[j], i);
		if (isnan(v))
			continue;
		*total += v;
		if (v > *max)
			*max = v;
	}
}


struct sheet *sheet_new(enum sheet_kind kind, struct frame *f, const char *name,
			const char *what)
{
	struct sheet *s = xcalloc(1, sizeof(*s));
	s->kind = kind;
	s->f = f;
	snprintf(s->name, sizeof(s->name), "%s", name ? name : "");
	snprintf(s->what, sizeof(s->what), "%s", what ? what : "");
	s->nrows = f->nrow;
	s->same_col = -1;
	build_cols(s, NULL, 0);
	return s;
}

static void free_spark(struct sheet *s)
{
	if (s->spark && s->src)
		for (int j = 0; j < s->src->ncol; j++)
			free(s->spark[j]);
	free(s->spark);
	s->spark = NULL;
}

void sheet_set_source(struct sheet *s, const struct sheet *from, const char *col)
{
	free_spark(s);
	frame_unref(s->src);
	s->src = frame_ref(from->f);
	s->src_kind = from->kind;
	snprintf(s->src_name, sizeof(s->src_name), "%s", from->name);
	snprintf(s->src_col, sizeof(s->src_col), "%s", col ? col : "");
	build_cols(s, NULL, 0);
}

void sheet_copy_source(struct sheet *s, const struct sheet *from)
{
	if (!from->src)
		return;
	free_spark(s);
	frame_unref(s->src);
	s->src = frame_ref(from->src);
	s->src_kind = from->src_kind;
	snprintf(s->src_name, sizeof(s->src_name), "%s", from->src_name);
	snprintf(s->src_col, sizeof(s->src_col), "%s", from->src_col);
	build_cols(s, NULL, 0);
}

void sheet_free(struct sheet *s)
{
	if (!s)
		return;
	frame_unref(s->f);
	for (int k = 0; k < s->nhist; k++)
		frame_unref(s->hist[k].f);
	free(s->hist);
	free_spark(s);
	frame_unref(s->src);
	free(s->cols);
	free(s->rowmap);
	free(s->marks);
	free(s);
}

/* The frame changed: rows shown, marks and fold start over. */
static void reset_rows(struct sheet *s)
{
	free(s->rowmap);
	s->rowmap = NULL;
	s->nrows = s->f->nrow;
	free(s->marks);
	s->marks = NULL;
	s->nmarks = 0;
	if (s->fold)
		sheet_set_fold(s, 1);
	sheet_clamp(s);
}

static void swap_frame(struct sheet *s, struct frame *f)
{
	const char *keep = s->ccol >= 0 && s->ccol < s->ncols ? s->cols[s->ccol].name : NULL;
	char name[256];
	snprintf(name, sizeof(name), "%s", keep ? keep : "");
	struct dcol *old = s->cols;
	int nold = s->ncols;
	s->cols = NULL;
	s->counts_of = NULL;
	s->f = f;
	/* Old names point into the old frame: compare before releasing it. */
	build_cols(s, old, nold);
	free(old);
	int j = sheet_find_col(s, name);
	if (j >= 0)
		s->ccol = j;
	reset_rows(s);
}

void sheet_replace(struct sheet *s, struct frame *f, const char *name, const char *what,
		   const struct sheet_hist *h)
{
	s->hist = xreallocarray(s->hist, (size_t)s->nhist + 1, sizeof(*s->hist));
	struct sheet_hist *e = &s->hist[s->nhist++];
	*e = s->last;
	e->f = s->f; /* the history owns the old reference now */
	snprintf(e->name, sizeof(e->name), "%s", s->name);
	snprintf(e->what, sizeof(e->what), "%s", s->what);
	swap_frame(s, f);
	snprintf(s->name, sizeof(s->name), "%s", name ? name : "");
	snprintf(s->what, sizeof(s->what), "%s", what ? what : "");
	if (h)
		s->last = *h;
	else
		memset(&s->last, 0, sizeof(s->last));
	s->last.f = NULL;
}

int sheet_undo(struct sheet *s)
{
	if (s->nhist == 0)
		return -1;
	struct sheet_hist e = s->hist[--s->nhist];
	struct frame *cur = s->f;
	swap_frame(s, e.f);
	frame_unref(cur);
	snprintf(s->name, sizeof(s->name), "%s", e.name);
	snprintf(s->what, sizeof(s->what), "%s", e.what);
	s->last = e;
	s->last.f = NULL;
	return 0;
}

int sheet_find_col(const struct sheet *s, const char *name)
{
	for (int j = 0; j < s->ncols; j++)
		if (!strcmp(s->cols[j].name, name))
			return j;
	return -1;
}

void sheet_clamp(struct sheet *s)
{
	if (s->cur >= s->nrows)
		s->cur = s->nrows ? s->nrows - 1 : 0;
	if (s->top > s->cur)
		s->top = s->cur;
	if (s->ccol >= s->ncols)
		s->ccol = s->ncols ? s->ncols - 1 : 0;
	if (s->ccol < 0)
		s->ccol = 0;
	if (s->lcol > s->ccol)
		s->lcol = s->ccol;
}

/* ----------------------------------------------------------------- cells */

const char *sheet_format(const struct column *c, size_t r, char *buf, size_t size, size_t *len)
{
	if (column_is_missing(c, r))
		return NULL;
	if (c->kind == COL_CAT || c->kind == COL_STR)
		return column_get_text(c, r, len);
	size_t n = column_format(c, r, buf, size);
	if (c->kind == COL_NUM && n > 10)
		n = (size_t)snprintf(buf, size, "%.6g", c->num[r]);
	*len = n < size ? n : size - 1;
	return buf;
}

static const char *const spark_utf8[8] = {
	"\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83", "\xe2\x96\x84",
	"\xe2\x96\x85", "\xe2\x96\x86", "\xe2\x96\x87", "\xe2\x96\x88",
};
static const char spark_ascii[8] = { '_', '.', '-', ':', '=', '+', '*', '#' };

enum { SPARK_BINS = 16 };

/* n counts as a sparkline: one glyph per count, scaled to the largest;
 * an empty bin is a space so gaps show. */
static char *sparkline(const double *counts, int n)
{
	double max = 0;
	for (int k = 0; k < n; k++)
		if (counts[k] > max)
			max = counts[k];
	char *out = xmalloc((size_t)n * 3 + 1), *p = out;
	for (int k = 0; k < n; k++) {
		if (counts[k] <= 0 || max <= 0) {
			*p++ = ' ';
			continue;
		}
		int level = (int)ceil(counts[k] / max * 8) - 1;
		level = level < 0 ? 0 : level > 7 ? 7 : level;
		if (grid_utf8) {
			memcpy(p, spark_utf8[level], 3);
			p += 3;
		} else {
			*p++ = spark_ascii[level];
		}
	}
	*p = '\0';
	return out;
}

static int cmp_desc(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x < y) - (x > y);
}

/* The histogram of a column: numeric kinds in SPARK_BINS equal bins (one
 * per value for small integer ranges), cat levels by frequency; text
 * columns have none.  One pass over the column. */
static char *column_spark(const struct column *c)
{
	double counts[SPARK_BINS];
	memset(counts, 0, sizeof(counts));
	if (c->kind == COL_STR)
		return xstrdup("");
	if (c->kind == COL_CAT) {
		if (c->nlevels <= 0)
			return xstrdup("");
		double *lc = xcalloc((size_t)c->nlevels, sizeof(double));
		for (size_t i = 0; i < c->n; i++)
			if (c->codes[i] >= 0)
				lc[c->codes[i]]++;
		qsort(lc, (size_t)c->nlevels, sizeof(double), cmp_desc);
		int n = c->nlevels < SPARK_BINS ? c->nlevels : SPARK_BINS;
		char *out = sparkline(lc, n);
		free(lc);
		return out;
	}
	/* Numeric kinds: two passes over the raw arrays (min/max, then bins);
	 * this runs over whole columns, so no per-value function calls. */
	double lo = INFINITY, hi = -INFINITY;
	int ints = c->kind != COL_NUM;
	for (size_t i = 0; i < c->n; i++) {
		double v;
		if (c->kind == COL_NUM)
			v = c->num[i];
		else if (c->kind == COL_BOOL)
			v = c->b[i] < 0 ? NAN : c->b[i];
		else
			v = c->valid && !c->valid[i] ? NAN : (double)c->i64[i];
		if (v < lo)
			lo = v;
		if (v > hi)
			hi = v;
	}
	if (!(lo <= hi))
		return xstrdup("");
	int nb = SPARK_BINS, per_value = ints && hi - lo < SPARK_BINS;
	if (per_value)
		nb = (int)(hi - lo) + 1;
	double scale = hi > lo ? nb / (hi - lo) : 0;
	for (size_t i = 0; i < c->n; i++) {
		double v;
		if (c->kind == COL_NUM)
			v = c->num[i];
		else if (c->kind == COL_BOOL)
			v = c->b[i] < 0 ? NAN : c->b[i];
		else
			v = c->valid && !c->valid[i] ? NAN : (double)c->i64[i];
		if (isnan(v))
			continue;
		int b = per_value ? (int)(v - lo) : (int)((v - lo) * scale);
		counts[b < 0 ? 0 : b >= nb ? nb - 1 : b]++;
	}
	return sparkline(counts, nb);
}

/* The source column a Columns row describes, or -1. */
static int spark_source(const struct sheet *s, size_t r)
{
	int jc = frame_find(s->f, "column");
	if (jc < 0 || !s->src)
		return -1;
	size_t nl;
	const char *name = column_get_text(s->f->cols[jc], r, &nl);
	return name ? frame_find(s->src, name) : -1;
}

void sheet_prepare(struct sheet *s, size_t top, size_t n)
{
	if (s->kind != SHEET_COLUMNS || !s->src)
		return;
	if (!s->spark)
		s->spark = xcalloc((size_t)s->src->ncol, sizeof(char *));
	int todo[256], ntodo = 0;
	for (size_t i = top; i < top + n && i < s->nrows && ntodo < 256; i++) {
		int j = spark_source(s, sheet_row(s, i));
		if (j >= 0 && !s->spark[j])
			todo[ntodo++] = j;
	}
	/* Whole-column passes: one column per thread. */
	#pragma omp parallel for schedule(dynamic)
	for (int k = 0; k < ntodo; k++) {
		int j = todo[k];
		int dup = 0;
		for (int m = 0; m < k; m++)
			dup |= todo[m] == j;
		if (!dup)
			s->spark[j] = column_spark(s->src->cols[j]);
	}
}

static const char *spark_cell(struct sheet *s, size_t r, size_t *len)
{
	int j = spark_source(s, r);
	if (j < 0)
		return NULL;
	if (!s->spark)
		s->spark = xcalloc((size_t)s->src->ncol, sizeof(char *));
	if (!s->spark[j])
		s->spark[j] = column_spark(s->src->cols[j]);
	*len = strlen(s->spark[j]);
	return s->spark[j];
}

/* A bar of v / max of 20 cells, in eighths where the locale allows. */
static const char *bar_cell(double v, double max, char *buf, size_t size, size_t *len)
{
	static const char *const eighths[8] = {
		"", "\xe2\x96\x8f", "\xe2\x96\x8e", "\xe2\x96\x8d", "\xe2\x96\x8c",
		"\xe2\x96\x8b", "\xe2\x96\x8a", "\xe2\x96\x89",
	};
	int units = max > 0 && v > 0 ? (int)lround(v / max * 20 * 8) : 0;
	if (v > 0 && units == 0)
		units = 1;
	size_t n = 0;
	for (int k = 0; k < units / 8 && n + 4 < size; k++) {
		if (grid_utf8) {
			memcpy(buf + n, "\xe2\x96\x88", 3);
			n += 3;
		} else {
			buf[n++] = '#';
		}
	}
	if (units % 8 && n + 4 < size) {
		if (grid_utf8) {
			memcpy(buf + n, eighths[units % 8], 3);
			n += 3;
		} else if (units % 8 >= 4) {
			buf[n++] = '+';
		}
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

const char *sheet_cell(struct sheet *s, size_t r, int j, char *buf, size_t size, size_t *len,
		       int *flags)
{
	const struct dcol *d = &s->cols[j];
	*flags = 0;
	*len = 0;
	if (d->virt == V_NONE) {
		const struct column *c = s->f->cols[d->fcol];
		if (c->kind != COL_CAT && c->kind != COL_STR)
			*flags |= CELL_RIGHT;
		const char *t = sheet_format(c, r, buf, size, len);
		if (!t)
			*flags |= CELL_MISSING;
		return t ? t : "";
	}
	if (d->virt == V_SPARK) {
		const char *t = spark_cell(s, r, len);
		return t ? t : "";
	}
	*flags |= CELL_RIGHT;
	if (d->virt == V_MISSING_PCT) {
		int jc = frame_find(s->f, "count"), jm = frame_find(s->f, "missing");
		if (jc < 0 || jm < 0)
			return "";
		double n = column_get_num(s->f->cols[jc], r), m = column_get_num(s->f->cols[jm], r);
		if (isnan(n) || isnan(m) || n + m <= 0)
			return "";
		*len = (size_t)snprintf(buf, size, "%.1f%%", 100 * m / (n + m));
		return buf;
	}
	if (s->counts_of != s->f) { /* s holds a reference: the pointer cannot be reused */
		count_stats(s->f, &s->count_total, &s->count_max);
		s->counts_of = s->f;
	}
	int jc = frame_find(s->f, "count");
	double v = jc >= 0 ? column_get_num(s->f->cols[jc], r) : NAN;
	if (isnan(v))
		return "";
	if (d->virt == V_PERCENT) {
		*len = (size_t)snprintf(buf, size, "%.2f%%", s->count_total > 0 ? 100 * v / s->count_total : 0);
		return buf;
	}
	*flags &= ~CELL_RIGHT;
	return bar_cell(v, s->count_max, buf, size, len);
}

/* ------------------------------------------------------ fold and marks */

void sheet_set_fold(struct sheet *s, int on)
{
	free(s->rowmap);
	s->rowmap = NULL;
	s->nrows = s->f->nrow;
	s->fold = on && s->same_col >= 0;
	if (s->fold) {
		const struct column *c = s->f->cols[s->same_col];
		s->rowmap = xmallocarray(s->f->nrow ? s->f->nrow : 1, sizeof(size_t));
		s->nrows = 0;
		for (size_t i = 0; i < s->f->nrow; i++)
			if (c->b[i] != 1)
				s->rowmap[s->nrows++] = i;
	}
	sheet_clamp(s);
}

int sheet_row_differs(const struct sheet *s, size_t i)
{
	if (s->same_col < 0 || i >= s->nrows)
		return 0;
	return s->f->cols[s->same_col]->b[sheet_row(s, i)] == 0;
}

int sheet_marked(const struct sheet *s, size_t r)
{
	return s->marks && r < s->f->nrow && s->marks[r];
}

void sheet_mark(struct sheet *s, size_t i, int op)
{
	if (i >= s->nrows)
		return;
	size_t r = sheet_row(s, i);
	if (!s->marks)
		s->marks = xcalloc(s->f->nrow ? s->f->nrow : 1, 1);
	int want = op < 0 ? !s->marks[r] : op;
	if (want != s->marks[r]) {
		s->marks[r] = (uint8_t)want;
		s->nmarks += want ? 1 : (size_t)-1;
	}
}

void sheet_mark_all(struct sheet *s, int on)
{
	for (size_t i = 0; i < s->nrows; i++)
		sheet_mark(s, i, on);
}

/* -------------------------------------------------- views built in C */

struct frame *sheet_text_frame(int ncol, const char *const *names, const char *const *cells,
			       size_t nrow)
{
	struct frame *f = frame_new(nrow);
	const char **colv = xcalloc(nrow ? nrow : 1, sizeof(char *));
	for (int j = 0; j < ncol; j++) {
		for (size_t r = 0; r < nrow; r++)
			colv[r] = cells[r * (size_t)ncol + (size_t)j];
		if (frame_add(f, names[j], column_from_strings(colv, nrow), NULL) < 0)
			WB_BUG("sheet_text_frame: duplicate column '%s'", names[j]);
	}
	free(colv);
	frame_seal_content(f);
	return f;
}

struct sheet *sheet_record(const struct sheet *s, size_t r)
{
	const struct frame *f = s->f;
	size_t n = (size_t)f->ncol;
	const char **cells = xcalloc(n * 3 + 1, sizeof(char *));
	char **owned = xcalloc(n + 1, sizeof(char *));
	char buf[128];
	for (size_t j = 0; j < n; j++) {
		const struct column *c = f->cols[j];
		cells[j * 3] = f->names[j];
		cells[j * 3 + 1] = col_kind_name(c->kind);
		if (column_is_missing(c, r))
			continue;
		if (c->kind == COL_CAT || c->kind == COL_STR) {
			size_t len;
			const char *t = column_get_text(c, r, &len);
			owned[j] = xstrndup(t, len);
		} else {
			column_format(c, r, buf, sizeof(buf));
			owned[j] = xstrdup(buf);
		}
		cells[j * 3 + 2] = owned[j];
	}
	static const char *const names[3] = { "column", "kind", "value" };
	struct frame *rf = sheet_text_frame(3, names, cells, n);
	for (size_t j = 0; j < n; j++)
		free(owned[j]);
	free(owned);
	free(cells);
	char what[160];
	snprintf(what, sizeof(what), "row %zu of %s", r + 1, s->name[0] ? s->name : "the sheet");
	return sheet_new(SHEET_RECORD, rf, NULL, what);
}
