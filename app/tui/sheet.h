/*
 * sheet — one entry of the TUI's sheet stack: a frame shown as a grid, with
 * a cursor, plus what the kind of sheet adds (DESIGN.md §3: frames are
 * immutable, so a sheet only ever swaps one frame for another).
 *
 * Every sheet is a frame.  Sheets made by Lua actions name the global that
 * holds their frame ("d2"), so the next action can say `d3 = d2:sort{...}`;
 * sheets the TUI builds itself (help, a row's record view) have no name and
 * are views only.  A sheet holds its own reference to the frame: changing
 * the global later does not change what the sheet shows.
 *
 * Display columns: a sheet shows frame columns and, for some kinds, virtual
 * columns computed in C from the row (missing %, a sparkline histogram, a
 * percent and a bar).  Rows can be folded (a Compare sheet shows only the
 * rows that differ) through a row map.
 */
#ifndef WB_TUI_SHEET_H
#define WB_TUI_SHEET_H

#include <stddef.h>
#include <stdint.h>
#include "core/frame.h"

enum sheet_kind {
	SHEET_DATA,       /* any frame */
	SHEET_COLUMNS,    /* frame:describe() of a data frame (`I`) */
	SHEET_FREQ,       /* frame:value_counts(col) (`F`) */
	SHEET_RUNS,       /* wb.tui.runs() */
	SHEET_RUN,        /* wb.tui.run(id) */
	SHEET_COMPARE,    /* wb.tui.compare{ ids } */
	SHEET_RECORD,     /* one row of a sheet, as column/value pairs (Enter) */
	SHEET_HELP,       /* the action table (`?`) */
};

enum vcol {
	V_NONE,           /* a frame column */
	V_MISSING_PCT,    /* Columns: 100 * missing / (count + missing) */
	V_SPARK,          /* Columns: histogram of the source column */
	V_PERCENT,        /* Frequency: 100 * count / total */
	V_BAR,            /* Frequency: count as a bar */
};

struct dcol {
	int fcol;           /* frame column, or -1 for a virtual one */
	enum vcol virt;
	const char *name;   /* the frame's name, or a static one */
	int width;          /* fitted to the rows seen so far (grows only) */
};

/* An earlier frame of the sheet (in-place actions: sort, hide, cast). */
struct sheet_hist {
	struct frame *f;
	char name[64];
	char what[160];
	char op[16];        /* "sort_asc", "sort_desc", "cast", "hide", "" */
	char col[256];      /* the column it acted on */
	char to[16];        /* cast: the kind */
};

enum { CELL_RIGHT = 1, CELL_MISSING = 2 };

struct sheet {
	enum sheet_kind kind;
	char name[64];      /* the Lua global holding f, "" for TUI-made sheets */
	char what[160];     /* how it was made ("sort by x"), for the status line */
	struct frame *f;    /* a reference */
	struct dcol *cols;
	int ncols;
	size_t *rowmap;     /* the rows shown, in order; NULL: all of f */
	size_t nrows;       /* rows shown */
	size_t cur, top;    /* cursor row and first row on screen (display rows) */
	int ccol, lcol;     /* cursor column and first scrolled column on screen */
	int nkey;           /* leading columns that stay put while the rest scroll */
	uint8_t *marks;     /* f->nrow flags (s/u/t), NULL until the first mark */
	size_t nmarks;
	struct sheet_hist *hist;
	int nhist;
	struct sheet_hist last; /* how f itself was made (op, col, to) */
	/* Columns and Frequency sheets: the frame they describe. */
	struct frame *src;
	enum sheet_kind src_kind;
	char src_name[64];
	char src_col[256];
	char **spark;       /* Columns: sparkline per source column, lazily */
	const struct frame *counts_of; /* Frequency: the frame the sums are of */
	double count_total, count_max;
	char test_name[64]; /* a train frame from a split: its test frame */
	int fold;           /* Compare: only rows whose `same` is false */
	int same_col;       /* Compare: the `same` column, -1 if none */
	const char *hint;   /* shown when the sheet has no rows (static) */
};

/* A sheet showing f (takes ownership of the caller's reference).  name: the
 * global holding it or NULL. */
struct sheet *sheet_new(enum sheet_kind kind, struct frame *f, const char *name,
			const char *what);
void sheet_free(struct sheet *s);
/* Columns and Frequency sheets: the sheet they were made from (src is
 * referenced; col is the Frequency column). */
void sheet_set_source(struct sheet *s, const struct sheet *from, const char *col);
/* Copies from's source onto s (a sheet derived from a Columns or
 * Frequency sheet keeps what it describes). */
void sheet_copy_source(struct sheet *s, const struct sheet *from);

/* Shows another frame in place (takes ownership of the reference); the old
 * one goes to the undo history.  The cursor stays on the column of the same
 * name when there is one.  h describes how f was made (may be NULL). */
void sheet_replace(struct sheet *s, struct frame *f, const char *name, const char *what,
		   const struct sheet_hist *h);
/* Back to the previous frame: 0, or -1 when there is none. */
int sheet_undo(struct sheet *s);

/* Computes what display rows top..top+n-1 will show that is costly to
 * compute one cell at a time (the Columns sheet's histograms, in
 * parallel).  Optional: sheet_cell computes anything missing. */
void sheet_prepare(struct sheet *s, size_t top, size_t n);
/* Frame row of display row i. */
static inline size_t sheet_row(const struct sheet *s, size_t i)
{
	return s->rowmap ? s->rowmap[i] : i;
}

/* Cell text of display column j at frame row r: a pointer to the text (into
 * the frame, into buf, or a static string) and its length; *flags gets
 * CELL_RIGHT / CELL_MISSING.  Never fails. */
const char *sheet_cell(struct sheet *s, size_t r, int j, char *buf, size_t size, size_t *len,
		       int *flags);
/* A frame cell as display text (numbers shortened to 6 significant digits
 * when their exact form is long); NULL when missing. */
const char *sheet_format(const struct column *c, size_t r, char *buf, size_t size, size_t *len);
/* The kind marker shown in headers: % num, # int, = cat, ~ str, ! bool, @ time. */
char sheet_kind_marker(int kind);

/* Compare: fold (show only differing rows) on or off. */
void sheet_set_fold(struct sheet *s, int on);
/* True when display row i is highlighted as differing (Compare). */
int sheet_row_differs(const struct sheet *s, size_t i);

/* Marks: op 1 mark, 0 unmark, -1 toggle display row i. */
void sheet_mark(struct sheet *s, size_t i, int op);
void sheet_mark_all(struct sheet *s, int on);
int sheet_marked(const struct sheet *s, size_t r);

/* Display column named name, or -1. */
int sheet_find_col(const struct sheet *s, const char *name);
/* Moves the cursor into range after the frame or the fold changed. */
void sheet_clamp(struct sheet *s);

/* The record view of frame row r of s: (column, kind, value) rows. */
struct sheet *sheet_record(const struct sheet *s, size_t r);
/* A frame of text columns from rows of strings: cells[r * ncol + j] (NULL
 * is missing).  For sheets the TUI builds itself. */
struct frame *sheet_text_frame(int ncol, const char *const *names, const char *const *cells,
			       size_t nrow);

#endif
