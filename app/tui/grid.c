/*
 * grid — drawing a sheet: header, fitted columns, cursor, UTF-8 cells.
 *
 * Widths: a column is as wide as its header and the widest cell seen on
 * screen so far (it grows as wider values scroll into view and never
 * shrinks, so the grid does not jump while paging), capped so one long text
 * cannot push everything else off the screen.
 */
#include "tui/grid.h"

#include <langinfo.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

int grid_utf8;

enum { MAX_COL_WIDTH = 40, GUTTER = 1 };

static int have_colors;

void grid_init(void)
{
	const char *cs = nl_langinfo(CODESET);
	grid_utf8 = cs && (!strcmp(cs, "UTF-8") || !strcmp(cs, "utf8"));
	have_colors = has_colors() && start_color() == OK;
	if (!have_colors)
		return;
	use_default_colors();
	init_pair(PAIR_HEADER, -1, -1);
	init_pair(PAIR_CURSOR_ROW, COLOR_WHITE, COLOR_BLUE);
	init_pair(PAIR_CURSOR_CELL, COLOR_BLACK, COLOR_YELLOW);
	init_pair(PAIR_MISSING, COLOR_BLUE, -1);
	init_pair(PAIR_ERROR, COLOR_RED, -1);
	init_pair(PAIR_DIFF, COLOR_YELLOW, -1);
	init_pair(PAIR_MARK, COLOR_GREEN, -1);
	init_pair(PAIR_STATUS, COLOR_BLACK, COLOR_WHITE);
	init_pair(PAIR_ECHO, COLOR_CYAN, -1);
	init_pair(PAIR_HINT, -1, -1);
}

attr_t grid_attr(int pair)
{
	if (!have_colors) {
		switch (pair) {
		case PAIR_HEADER: return A_BOLD | A_UNDERLINE;
		case PAIR_CURSOR_ROW: return A_REVERSE;
		case PAIR_CURSOR_CELL: return A_REVERSE | A_BOLD;
		case PAIR_MISSING: return A_DIM;
		case PAIR_ERROR: return A_BOLD;
		case PAIR_DIFF: return A_BOLD;
		case PAIR_MARK: return A_BOLD;
		case PAIR_STATUS: return A_REVERSE;
		case PAIR_HINT: return A_DIM;
		}
		return A_NORMAL;
	}
	attr_t a = COLOR_PAIR(pair);
	switch (pair) {
	case PAIR_HEADER: return a | A_BOLD | A_UNDERLINE;
	case PAIR_CURSOR_CELL: return a | A_BOLD;
	case PAIR_ERROR: return a | A_BOLD;
	case PAIR_DIFF: return a | A_BOLD;
	case PAIR_MISSING: return a | A_DIM;
	case PAIR_HINT: return a | A_DIM;
	}
	return a;
}

const char *glyph_ellipsis(void)
{
	return grid_utf8 ? "\xe2\x80\xa6" : "~";
}

const char *glyph_missing(void)
{
	return grid_utf8 ? "\xc2\xb7" : ".";
}

/* One character of s[0..len): its byte length, display width and whether
 * it can be shown as is (control characters and invalid bytes cannot). */
static size_t next_char(const char *s, size_t len, int *width, int *ok)
{
	unsigned char c = (unsigned char)s[0];
	if (c < 0x80) {
		*ok = c >= 0x20 && c != 0x7f;
		*width = 1;
		return 1;
	}
	if (!grid_utf8) {
		*ok = 0;
		*width = 1;
		return 1;
	}
	mbstate_t st;
	memset(&st, 0, sizeof(st));
	wchar_t wc;
	size_t n = mbrtowc(&wc, s, len, &st);
	if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
		*ok = 0;
		*width = 1;
		return 1;
	}
	int w = wcwidth(wc);
	*ok = w >= 0;
	*width = w >= 0 ? w : 1;
	return n;
}

int text_width(const char *s, size_t len)
{
	int w = 0;
	for (size_t i = 0; i < len;) {
		int cw, ok;
		i += next_char(s + i, len - i, &cw, &ok);
		w += cw;
	}
	return w;
}

void draw_text(WINDOW *win, int y, int x, int w, const char *s, size_t len, int right,
	       attr_t attr)
{
	if (w <= 0)
		return;
	char out[4096];
	size_t n = 0;
	int used = 0;
	int total = 0, fits = 1;
	/* Does it fit?  Stop measuring as soon as it does not. */
	for (size_t i = 0; i < len && fits;) {
		int cw, ok;
		i += next_char(s + i, len - i, &cw, &ok);
		total += cw;
		fits = total <= w;
	}
	int room = fits ? w : w - 1; /* leave a cell for the ellipsis */
	for (size_t i = 0; i < len;) {
		int cw, ok;
		size_t k = next_char(s + i, len - i, &cw, &ok);
		if (used + cw > room || n + k + 4 >= sizeof(out))
			break;
		if (ok) {
			memcpy(out + n, s + i, k);
			n += k;
		} else {
			out[n++] = '?';
		}
		used += cw;
		i += k;
	}
	if (!fits) {
		while (used < w - 1) { /* a wide glyph did not fit whole */
			out[n++] = ' ';
			used++;
		}
		const char *e = glyph_ellipsis();
		memcpy(out + n, e, strlen(e));
		n += strlen(e);
		used++;
	}
	int pad = w - used;
	wattrset(win, (int)attr);
	wmove(win, y, x);
	if (right)
		for (int k = 0; k < pad; k++)
			waddch(win, ' ');
	waddnstr(win, out, (int)n);
	if (!right)
		for (int k = 0; k < pad; k++)
			waddch(win, ' ');
}

/* Fits column j's width to its header and the rows top..top+page-1. */
static int fit_width(struct sheet *s, int j, size_t top, int page, int cap)
{
	struct dcol *d = &s->cols[j];
	if (d->width == 0)
		d->width = text_width(d->name, strlen(d->name)) + (d->virt == V_NONE ? 2 : 0);
	if (d->width < 3)
		d->width = 3;
	char buf[128];
	for (int k = 0; k < page && top + (size_t)k < s->nrows; k++) {
		size_t len;
		int flags;
		const char *t = sheet_cell(s, sheet_row(s, top + (size_t)k), j, buf, sizeof(buf),
					   &len, &flags);
		/* A huge cell is as wide as the cap anyway: measure its start. */
		int cw = (flags & CELL_MISSING) ? 1 : text_width(t, len > 1024 ? 1024 : len);
		if (cw > d->width)
			d->width = cw;
	}
	return d->width < cap ? d->width : cap;
}

static void draw_header_cell(WINDOW *win, int y, int x, int w, const struct sheet *s, int j,
			     attr_t attr, int cut)
{
	const struct dcol *d = &s->cols[j];
	const char *n = d->name;
	if (d->virt != V_NONE || w < 3 || cut) {
		draw_text(win, y, x, w, n, strlen(n), 0, attr);
		return;
	}
	char mark[2] = { sheet_kind_marker((int)s->f->cols[d->fcol]->kind), '\0' };
	draw_text(win, y, x, w - 1, n, strlen(n), 0, attr);
	draw_text(win, y, x + w - 1, 1, mark, 1, 0, attr);
}

void grid_draw(WINDOW *win, struct sheet *s, int y, int x, int h, int w)
{
	if (h <= 0 || w <= 0)
		return;
	sheet_clamp(s);
	int page = h - 1;
	if (s->cur < s->top)
		s->top = s->cur;
	if (page > 0 && s->cur >= s->top + (size_t)page)
		s->top = s->cur - (size_t)page + 1;
	if (page <= 0)
		s->top = s->cur;

	sheet_prepare(s, s->top, page > 0 ? (size_t)page : 1);
	int avail = w - GUTTER;
	int cap = avail > MAX_COL_WIDTH ? MAX_COL_WIDTH : avail;
	if (s->ncols == 1)
		cap = avail;
	if (cap < 1)
		cap = 1;
	/* Key columns (the first nkey) stay on the left while the others
	 * scroll, unless they would leave too little room. */
	int nkey = s->nkey < s->ncols ? s->nkey : 0, keyw = 0;
	for (int j = 0; j < nkey; j++)
		keyw += fit_width(s, j, s->top, page, cap) + 1;
	if (avail - keyw < 12) {
		nkey = 0;
		keyw = 0;
	}
	avail -= keyw;
	if (s->lcol < nkey)
		s->lcol = nkey;
	/* Scroll horizontally so the cursor column shows whole. */
	if (s->ccol >= nkey) {
		if (s->ccol < s->lcol)
			s->lcol = s->ccol;
		for (;;) {
			int span = 0;
			for (int j = s->lcol; j <= s->ccol && j < s->ncols; j++)
				span += fit_width(s, j, s->top, page, cap) + (j > s->lcol);
			if (span <= avail || s->lcol >= s->ccol)
				break;
			s->lcol++;
		}
	}

	attr_t hdr = grid_attr(PAIR_HEADER);
	/* Which columns show, where, and how wide (the last one may be cut). */
	int cx[512], cw[512], cj[512], ncx = 0;
	int at = x + GUTTER;
	for (int k = 0; k < s->ncols && at < x + w && ncx < 512; k++) {
		int j = k < nkey ? k : s->lcol + (k - nkey);
		if (j >= s->ncols)
			break;
		int cwid = fit_width(s, j, s->top, page, cap);
		if (at + cwid > x + w)
			cwid = x + w - at;
		cx[ncx] = at;
		cw[ncx] = cwid;
		cj[ncx++] = j;
		at += cwid + 1;
	}

	/* Header. */
	draw_text(win, y, x, GUTTER, "", 0, 0, hdr);
	for (int k = 0; k < ncx; k++) {
		int j = cj[k];
		attr_t a = hdr | (j == s->ccol ? A_REVERSE : 0);
		draw_header_cell(win, y, cx[k], cw[k], s, j, a, cw[k] < s->cols[j].width);
		if (cx[k] + cw[k] < x + w)
			draw_text(win, y, cx[k] + cw[k], 1, "", 0, 0, hdr);
	}
	if (at < x + w)
		draw_text(win, y, at, x + w - at, "", 0, 0, hdr);

	if (s->nrows == 0) {
		for (int k = 1; k < h; k++) {
			wmove(win, y + k, x);
			for (int c = 0; c < w; c++)
				waddch(win, ' ');
		}
		const char *hint = s->hint ? s->hint : "(no rows)";
		if (h > 1)
			draw_text(win, y + 1, x + 1, w - 1, hint, strlen(hint), 0, grid_attr(PAIR_HINT));
		return;
	}

	char buf[256];
	for (int k = 0; k < page; k++) {
		size_t i = s->top + (size_t)k;
		int ly = y + 1 + k;
		if (i >= s->nrows) {
			draw_text(win, ly, x, w, "", 0, 0, A_NORMAL);
			continue;
		}
		size_t r = sheet_row(s, i);
		int is_cur = i == s->cur;
		attr_t row = A_NORMAL;
		if (sheet_row_differs(s, i))
			row = grid_attr(PAIR_DIFF);
		if (sheet_marked(s, r))
			row = grid_attr(PAIR_MARK);
		if (is_cur)
			row = grid_attr(PAIR_CURSOR_ROW);
		const char *gut = "";
		if (sheet_marked(s, r))
			gut = grid_utf8 ? "\xe2\x80\xa2" : "*";
		else if (sheet_row_differs(s, i))
			gut = grid_utf8 ? "\xe2\x89\xa0" : "!";
		else if (is_cur)
			gut = grid_utf8 ? "\xe2\x96\xb8" : ">";
		draw_text(win, ly, x, GUTTER, gut, strlen(gut), 0, row);
		for (int c = 0; c < ncx; c++) {
			int j = cj[c];
			size_t len;
			int flags;
			const char *t = sheet_cell(s, r, j, buf, sizeof(buf), &len, &flags);
			attr_t a = row;
			if (flags & CELL_MISSING) {
				t = glyph_missing();
				len = strlen(t);
				if (!is_cur)
					a = grid_attr(PAIR_MISSING);
			}
			if (is_cur && j == s->ccol)
				a = grid_attr(PAIR_CURSOR_CELL);
			draw_text(win, ly, cx[c], cw[c], t, len, (flags & CELL_RIGHT) != 0, a);
			if (cx[c] + cw[c] < x + w)
				draw_text(win, ly, cx[c] + cw[c], 1, "", 0, 0, row);
		}
		if (at < x + w)
			draw_text(win, ly, at, x + w - at, "", 0, 0, row);
	}
}
