/*
 * grid — draws a sheet as a grid: a frozen header row (names and kind
 * markers), columns fitted to the rows on screen, numbers right-aligned,
 * missing values dim, the cursor row and cell highlighted, horizontal and
 * vertical scrolling.  Only the cells on screen are ever formatted, so a
 * million-row frame draws as fast as a ten-row one.
 *
 * Text is UTF-8 measured with wcwidth (wide CJK glyphs take two cells,
 * combining marks none); cells too wide end in "…"; control characters
 * show as "?".  In a non-UTF-8 locale the glyphs fall back to ASCII.
 */
#ifndef WB_TUI_GRID_H
#define WB_TUI_GRID_H

#include <curses.h>
#include <stddef.h>
#include "tui/sheet.h"

/* Colour pairs (init by grid_init_colors; attributes work without colours). */
enum {
	PAIR_HEADER = 1, PAIR_CURSOR_ROW, PAIR_CURSOR_CELL, PAIR_MISSING, PAIR_ERROR,
	PAIR_DIFF, PAIR_MARK, PAIR_STATUS, PAIR_ECHO, PAIR_HINT,
};

/* True when the locale is UTF-8 (set by grid_init). */
extern int grid_utf8;

/* Reads the locale's encoding and sets up colours (after initscr). */
void grid_init(void);
/* The attribute for a colour pair, with a fallback when there are no colours. */
attr_t grid_attr(int pair);

/* Display width of the UTF-8 text s[0..len) (invalid bytes count one cell). */
int text_width(const char *s, size_t len);
/* Draws text at (y, x) in exactly w cells: cut with "…" when too wide,
 * padded with spaces, right-aligned when right. */
void draw_text(WINDOW *win, int y, int x, int w, const char *s, size_t len, int right,
	       attr_t attr);
/* Glyphs that depend on the locale. */
const char *glyph_ellipsis(void);
const char *glyph_missing(void);

/* Draws sheet s into the rectangle (y, x, h, w) of win: header on the first
 * line, rows below.  Adjusts the sheet's scroll position so the cursor is
 * visible, and fits the widths of the columns it shows. */
void grid_draw(WINDOW *win, struct sheet *s, int y, int x, int h, int w);
/* Rows of data the grid shows in a rectangle of height h. */
static inline int grid_page(int h)
{
	return h > 1 ? h - 1 : 1;
}

#endif
