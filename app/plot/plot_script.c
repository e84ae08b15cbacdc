/*
 * plot_script — the escape hatch: the user's own gnuplot commands, with a
 * frame sent along as the data block $data.
 *
 *   wb.plot.gnuplot([[plot $data using "age":"income" with points]], frame)
 *
 * $data has a header line of column names (so `using "age"` works, as
 * gnuplot reads the first line as headers with `set key autotitle
 * columnhead` or column names in `using`); numbers as %.10g, categories and
 * text double-quoted, booleans 0/1, times as seconds since the epoch,
 * missing values as NaN (gnuplot skips them).  The renderer still chooses
 * terminal and output, so the same script goes to text, sixel or a file;
 * the script must not `set terminal` or `set output` itself.
 *
 * Option: script (the gnuplot text, required); cols picks columns.
 */
#include "plot/plot.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static void add_cell(struct strbuf *sb, const struct column *c, size_t i)
{
	char buf[64];
	if (column_is_missing(c, i)) {
		strbuf_adds(sb, c->kind == COL_STR || c->kind == COL_CAT ? "\"\"" : "NaN");
		return;
	}
	switch (c->kind) {
	case COL_STR:
	case COL_CAT: {
		size_t len;
		const char *s = column_get_text(c, i, &len);
		strbuf_add_quoted(sb, s ? s : "");
		return;
	}
	case COL_TIME:
		snprintf(buf, sizeof(buf), "%.6f", (double)c->i64[i] / 1e6);
		break;
	default:
		snprintf(buf, sizeof(buf), "%.10g", column_get_num(c, i));
		break;
	}
	strbuf_adds(sb, buf);
}

static int build_script(const struct plot_input *in, const json_t *opts, struct plot *p,
			struct wb_err *err)
{
	const char *script;
	if (plot_opt_str(p, opts, "script", NULL, &script, err) < 0)
		return -1;
	if (!script)
		return wb_error(err, "gnuplot: option 'script' is required (the gnuplot commands)");
	const struct frame *f = in ? in->frame : NULL;
	if (f) {
		int n = in->ncols ? in->ncols : f->ncol;
		const struct column **cols = xcalloc((size_t)n + 1, sizeof(*cols));
		const char **names = xcalloc((size_t)n + 1, sizeof(*names));
		for (int k = 0; k < n; k++) {
			names[k] = in->ncols ? in->cols[k] : f->names[k];
			cols[k] = plot_column(p, f, names[k], err);
			if (!cols[k]) {
				free(cols);
				free(names);
				return -1;
			}
		}
		/* Built in the body, not as a table: the name is the user's
		 * $data, and the rows must never be sampled. */
		struct strbuf *sb = &p->body;
		strbuf_adds(sb, "$data << EOD\n");
		for (int k = 0; k < n; k++) {
			strbuf_adds(sb, k ? " " : "");
			strbuf_add_quoted(sb, names[k]);
		}
		strbuf_adds(sb, "\n");
		for (size_t i = 0; i < f->nrow; i++) {
			for (int k = 0; k < n; k++) {
				if (k)
					strbuf_add(sb, " ", 1);
				add_cell(sb, cols[k], i);
			}
			strbuf_add(sb, "\n", 1);
		}
		strbuf_adds(sb, "EOD\nset datafile columnheaders\n");
		free(cols);
		free(names);
	}
	p->user_line = 1;
	for (size_t k = 0; k < p->body.len; k++)
		p->user_line += p->body.buf[k] == '\n';
	plot_cmd(p, "%s\n", script);
	return 0;
}

static const char *const script_opts[] = { "script", NULL };

static const struct plot_kind script_kind = {
	.name = "gnuplot",
	.summary = "your own gnuplot commands; the frame is sent as $data",
	.takes = "script [, frame [, columns]]",
	.opts = script_opts,
	.build = build_script,
};

void plot_script_register(void)
{
	plot_kind_register_builtin(&script_kind);
}
