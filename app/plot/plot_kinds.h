/*
 * plot_kinds — helpers the built-in plot kinds share (plot_explore.c,
 * plot_corr.c); not part of the plot API that plugins see.
 */
#ifndef WB_PLOT_KINDS_H
#define WB_PLOT_KINDS_H

#include "plot/plot.h"

#define PLOT_LABEL_MAX 40       /* bytes of a tick or legend label */

enum { PLOT_ALLOW_TIME = 1, PLOT_ALLOW_BOOL = 2 };

/* 0 if c is num or int (or time / bool when allowed), else an error
 * "<kind>: column '<name>' is not numeric (it is str)<hint>". */
int plot_need_numeric(struct plot *p, const struct column *c, const char *name, int allow,
		      const char *hint, struct wb_err *err);
/* Cell i as a double: NaN when missing; time in seconds; bool 0/1. */
double plot_num_at(const struct column *c, size_t i);
/* s cut to at most PLOT_LABEL_MAX bytes on a UTF-8 boundary, "..." when cut. */
void plot_clip_label(const char *s, size_t len, char *buf, size_t size);
/* x tic labels at 45 degrees with room on the left for the first one. */
void plot_rotate_xtics(struct plot *p, size_t maxlen);

/* The correlation matrix build_corr draws (np * np, row-major), for tests
 * that need more digits than the table's %.10g. */
double *plot_corr_values(const struct plot_input *in, const json_t *opts, int *np,
			 struct wb_err *err);

#endif
