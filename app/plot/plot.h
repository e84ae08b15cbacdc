/*
 * plot — a plot as data plus gnuplot commands, independent of where it is
 * shown; the registry of plot kinds; rendering through a gnuplot process to
 * terminal text, sixel, PNG, SVG or PDF.
 *
 * A kind (hist, roc, ...) computes everything in C — bins, quartiles, ROC
 * points — and fills a struct plot: data tables (sent as gnuplot data
 * blocks $d0, $d1, ...) and body commands that refer to them.  gnuplot
 * only draws; it never sees a million raw values (a 1M-value histogram is
 * binned here; a 1M-point scatter is sampled at render time, and says so).
 *
 * Rendering wraps the body per output (plot_render):
 *
 *   reset session                       (nothing leaks between plots)
 *   set terminal <dumb|sixelgd|pngcairo|svg|pdfcairo> size W,H noenhanced
 *   set output ['path']
 *   wb_text = 1 | 0                     (kinds may write `if (wb_text) {...}`,
 *                                        e.g. to label heatmap cells in text)
 *   $d0 << EOD ... EOD                  (each table, sampled if allowed)
 *   set title / xlabel / ylabel         (from p->title, p->xlabel, p->ylabel)
 *   <body>
 *   unset output                        (closes the file)
 *
 * So a kind's body must NOT set terminal, output, title, xlabel or ylabel
 * (those are the renderer's and the user's), and must refer to data only as
 * $d<N> from plot_table().  Labels are noenhanced: "p_good" prints as is.
 *
 * Conventions for kinds:
 *   - numbers in tables are written with "%.10g" (plot_row_num), missing
 *     values are skipped by the kind, never written as "nan";
 *   - strings in tables are double-quoted (plot_row_label), usable with
 *     xtic(1)/ytic(1)/labels;
 *   - every error names the kind and its subject:
 *     "hist: column 'age' is not numeric (it is str)";
 *     "roc: model 'gbdt' is a regression model".
 *
 * Ownership: a plot owns its strings and tables; plot_free releases all.
 */
#ifndef WB_PLOT_H
#define WB_PLOT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"
#include "core/frame.h"
#include "core/strbuf.h"

struct gnuplot;

/* ------------------------------------------------------------ the object */

struct plot_table {
	struct strbuf text;   /* rows, '\n'-terminated, fields space-separated */
	size_t *offs;         /* offs[i]: where row i starts in text (nrow + 1 used) */
	size_t nrow, cap;
	int sample;           /* rows may be sampled for output (scatter points) */
};

struct plot {
	char *kind;           /* registry name, e.g. "hist" */
	char *title, *xlabel, *ylabel;  /* may be NULL */
	struct plot_table *tables;
	int ntables;
	struct strbuf body;   /* the kind's commands (see above) */
	char note[512];       /* what the reader should know, e.g. "12 missing values not shown" */
	long user_line;       /* > 0: body line (1-based) where the user's own
				 script starts, so gnuplot's "line N" can be
				 told relative to it (the escape hatch) */
};

/* A new empty plot of the given kind (title, labels NULL). */
struct plot *plot_new(const char *kind);
void plot_free(struct plot *p);
/* Replace a string field (NULL clears it). */
void plot_set_title(struct plot *p, const char *title);
void plot_set_xlabel(struct plot *p, const char *label);
void plot_set_ylabel(struct plot *p, const char *label);
/* Appends formatted text to the body (a newline is NOT added). */
void plot_cmd(struct plot *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends to the note ("; " between parts). */
void plot_note(struct plot *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A new data table; returns N, referred to in the body as $dN.  sample: the
 * renderer may keep a uniform sample of rows (scatter-like data only;
 * never for bins, curves or matrices). */
int plot_table(struct plot *p, int sample);
/* Row building: start a row, add fields, end it. */
void plot_row_begin(struct plot *p, int t);
void plot_row_num(struct plot *p, double v);          /* "%.10g"; NaN as "NaN" */
void plot_row_label(struct plot *p, const char *s);   /* quoted string field */
void plot_row_end(struct plot *p);
/* A whole numeric row in one call. */
void plot_row(struct plot *p, int t, const double *v, int n);
/* A blank line in table t (gnuplot: separates curves / matrix rows). */
void plot_row_blank(struct plot *p, int t);

/* ------------------------------------------------------------- rendering */

enum plot_format { PLOT_TEXT, PLOT_SIXEL, PLOT_PNG, PLOT_SVG, PLOT_PDF };

/* "text", "sixel", "png", "svg", "pdf". */
const char *plot_format_name(enum plot_format f);
int plot_format_parse(const char *name, enum plot_format *out);
/* The format a file name asks for by extension (.png .svg .pdf), or -1 with
 * err: "cannot tell the plot format of 'x.jpg' (use .png, .svg or .pdf)". */
int plot_format_for_path(const char *path, enum plot_format *out, struct wb_err *err);

struct plot_render_opts {
	enum plot_format format;
	int width, height;    /* text: characters (80 x 24); sixel, png, svg:
				 pixels (800 x 600); pdf: pixels at 100 per inch.
				 0 = default. */
	size_t max_points;    /* cap on sampled rows over all sample tables;
				 0 = default: text 4,000, sixel 50,000, files 500,000 */
	const char *path;     /* file formats: the output file (required) */
};

struct plot_output {
	char *data;           /* text or sixel bytes (NULL for files) */
	size_t len;
	char *warnings;       /* gnuplot's warnings, or NULL */
	char note[768];       /* p->note plus sampling ("showing 4,000 of 1,000,000
				 points (uniform sample)"), or "" */
};

/* Renders p.  Text output has form feeds stripped, trailing blanks trimmed
 * and exactly `height` lines: the last one is the note when there is one
 * (so a pane of h rows is filled, not overflowed).  A file is written
 * completely (gnuplot closed it) before this returns.  Sampling is
 * deterministic (a fixed-seed stream): the same plot gives the same bytes. */
int plot_render(struct gnuplot *gp, const struct plot *p, const struct plot_render_opts *o,
		struct plot_output *out, struct wb_err *err);
void plot_output_release(struct plot_output *out);
/* The gnuplot script plot_render would send (for `--script` and tests). */
char *plot_script(const struct plot *p, const struct plot_render_opts *o, char *note,
		  size_t notesize);

/* -------------------------------------------------------------- inputs */

/* One model's predictions on labelled rows (evaluation kinds).  Rows whose
 * truth is missing or unseen (truth < 0, y NaN) are skipped by the kinds. */
struct plot_scored {
	const char *name;             /* legend label, e.g. "gbdt" */
	int classify;                 /* 1: classification, 0: regression */
	size_t n;
	int nclass;                   /* classification: */
	const char *const *classes;   /*   class labels, model order */
	const int32_t *truth;         /*   class index per row, < 0 skipped */
	const double *proba;          /*   n * nclass, row-major p[i*nclass + k] */
	const double *y, *yhat;       /* regression: truth and prediction */
};

/* A named series of numbers (learning curves, CV fold scores, importance). */
struct plot_series {
	const char *name;
	size_t n;
	const double *x;              /* NULL: 1, 2, ..., n */
	const double *y;
	const char *const *labels;    /* per-point labels (importance), or NULL */
};

struct plot_input {
	const struct frame *frame;    /* exploration kinds */
	const char *const *cols;      /* positional column names (x, y, ...) */
	int ncols;
	const struct plot_scored *scored;
	int nscored;
	const struct plot_series *series;
	int nseries;
};

/* -------------------------------------------------------------- registry */

struct plot_kind {
	const char *name;
	const char *summary;          /* one line for `wb plot --help` */
	const char *takes;            /* what input it needs, e.g. "frame, column" */
	const char *const *opts;      /* kind-specific option names, NULL-terminated */
	int (*build)(const struct plot_input *in, const json_t *opts, struct plot *p,
		     struct wb_err *err);
};

/* Built-in kinds register the same way plugins do.  A duplicate name is an
 * error. */
int plot_kind_register(const struct plot_kind *k, struct wb_err *err);
const struct plot_kind *plot_kind_find(const char *name);
/* All kind names, registration order, NULL-terminated (static storage). */
const char *const *plot_kind_names(void);

/* Options every kind accepts (applied after build): title, xlabel, ylabel. */
extern const char *const plot_common_opts[];

/* Builds a plot: checks opts (a JSON object or NULL; an unknown name is an
 * error listing the valid ones), calls the kind, applies common options. */
struct plot *plot_make(const char *kind, const struct plot_input *in, const json_t *opts,
		       struct wb_err *err);

/* Option readers for kinds: absent (or JSON null) -> def.  Errors name the
 * kind and option: "hist: option 'bins' must be an integer in 1..1000". */
int plot_opt_int(const struct plot *p, const json_t *opts, const char *name, long def,
		 long lo, long hi, long *out, struct wb_err *err);
int plot_opt_num(const struct plot *p, const json_t *opts, const char *name, double def,
		 double lo, double hi, double *out, struct wb_err *err);
int plot_opt_bool(const struct plot *p, const json_t *opts, const char *name, int def,
		  int *out, struct wb_err *err);
/* A string option (borrowed from opts), or def. */
int plot_opt_str(const struct plot *p, const json_t *opts, const char *name, const char *def,
		 const char **out, struct wb_err *err);
/* The column `name` of in->frame, or an error naming the kind:
 * "scatter: no column 'agee' (did you mean 'age'?)". */
const struct column *plot_column(const struct plot *p, const struct frame *f,
				 const char *name, struct wb_err *err);

/* Built-in kinds: each file's *_register function calls
 * plot_kind_register_builtin for each of its kinds (a duplicate is a bug). */
void plot_kind_register_builtin(const struct plot_kind *k);
void plot_explore_register(void);   /* hist bar scatter line box */
void plot_corr_register(void);      /* corr */
void plot_eval_register(void);      /* roc pr calibration confusion importance
				       residuals predicted learning cv */
void plot_script_register(void);    /* gnuplot: the user's own script */

#endif
