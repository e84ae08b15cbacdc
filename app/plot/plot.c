/*
 * plot — the plot object, its data tables, the registry of plot kinds and
 * the option readers kinds share.  Rendering is in plot_render.c.
 *
 * Tables keep their rows as text with a row-offset index: kinds format each
 * value once, and the renderer can still pick a sample of rows without
 * re-formatting (a scatter of 1M points is written once, sampled per output).
 */
#include "plot/plot.h"
#include "core/frame_ops.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ the object */

struct plot *plot_new(const char *kind)
{
	struct plot *p = xcalloc(1, sizeof(*p));
	p->kind = xstrdup(kind);
	return p;
}

void plot_free(struct plot *p)
{
	if (!p)
		return;
	for (int t = 0; t < p->ntables; t++) {
		strbuf_release(&p->tables[t].text);
		free(p->tables[t].offs);
	}
	free(p->tables);
	strbuf_release(&p->body);
	free(p->kind);
	free(p->title);
	free(p->xlabel);
	free(p->ylabel);
	free(p);
}

static void set_str(char **field, const char *s)
{
	free(*field);
	*field = s ? xstrdup(s) : NULL;
}

void plot_set_title(struct plot *p, const char *title) { set_str(&p->title, title); }
void plot_set_xlabel(struct plot *p, const char *label) { set_str(&p->xlabel, label); }
void plot_set_ylabel(struct plot *p, const char *label) { set_str(&p->ylabel, label); }

void plot_cmd(struct plot *p, const char *fmt, ...)
{
	char small[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		WB_BUG("plot_cmd: bad format '%s'", fmt);
	if ((size_t)n < sizeof(small)) {
		strbuf_add(&p->body, small, (size_t)n);
		return;
	}
	char *big = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	strbuf_add(&p->body, big, (size_t)n);
	free(big);
}

void plot_note(struct plot *p, const char *fmt, ...)
{
	size_t at = strlen(p->note);
	if (at && at + 2 < sizeof(p->note)) {
		memcpy(p->note + at, "; ", 3);
		at += 2;
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->note + at, sizeof(p->note) - at, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------ the tables */

/* The table rows are being added to (plot_row_begin .. plot_row_end). */
static int open_table = -1;

int plot_table(struct plot *p, int sample)
{
	p->tables = xreallocarray(p->tables, (size_t)p->ntables + 1, sizeof(*p->tables));
	struct plot_table *t = &p->tables[p->ntables];
	memset(t, 0, sizeof(*t));
	t->sample = sample;
	t->cap = 64;
	t->offs = xmallocarray(t->cap, sizeof(size_t));
	t->offs[0] = 0;
	return p->ntables++;
}

static struct plot_table *table(struct plot *p, int t)
{
	if (t < 0 || t >= p->ntables)
		WB_BUG("plot: no table %d (have %d)", t, p->ntables);
	return &p->tables[t];
}

/* Records the end of a row: offs[nrow + 1] is where the next row starts. */
static void end_row(struct plot_table *t)
{
	if (t->nrow + 2 > t->cap) {
		t->cap *= 2;
		t->offs = xreallocarray(t->offs, t->cap, sizeof(size_t));
	}
	t->offs[++t->nrow] = t->text.len;
}

void plot_row_begin(struct plot *p, int t)
{
	(void)table(p, t);
	open_table = t;
}

static struct plot_table *row_table(struct plot *p)
{
	if (open_table < 0)
		WB_BUG("plot: a row field outside plot_row_begin/plot_row_end");
	return table(p, open_table);
}

static void field_sep(struct plot_table *t)
{
	if (t->text.len > t->offs[t->nrow])
		strbuf_add(&t->text, " ", 1);
}

static void add_num(struct strbuf *sb, double v)
{
	char buf[32];
	int n;
	if (isnan(v))
		n = snprintf(buf, sizeof(buf), "NaN");
	else
		n = snprintf(buf, sizeof(buf), "%.10g", v);
	strbuf_add(sb, buf, (size_t)n);
}

void plot_row_num(struct plot *p, double v)
{
	struct plot_table *t = row_table(p);
	field_sep(t);
	add_num(&t->text, v);
}

void plot_row_label(struct plot *p, const char *s)
{
	struct plot_table *t = row_table(p);
	field_sep(t);
	strbuf_add_quoted(&t->text, s ? s : "");
}

void plot_row_end(struct plot *p)
{
	struct plot_table *t = row_table(p);
	strbuf_add(&t->text, "\n", 1);
	end_row(t);
	open_table = -1;
}

void plot_row(struct plot *p, int ti, const double *v, int n)
{
	struct plot_table *t = table(p, ti);
	for (int k = 0; k < n; k++) {
		if (k)
			strbuf_add(&t->text, " ", 1);
		add_num(&t->text, v[k]);
	}
	strbuf_add(&t->text, "\n", 1);
	end_row(t);
}

void plot_row_blank(struct plot *p, int ti)
{
	struct plot_table *t = table(p, ti);
	strbuf_add(&t->text, "\n", 1);
	end_row(t);
}

/* -------------------------------------------------------------- registry */

#define MAX_KINDS 64

static const struct plot_kind *kinds[MAX_KINDS];
static const char *kind_names[MAX_KINDS + 1];
static int nkinds;
static int registered;

static int add_kind(const struct plot_kind *k, struct wb_err *err)
{
	for (int i = 0; i < nkinds; i++)
		if (!strcmp(kinds[i]->name, k->name))
			return wb_error(err, "plot kind '%s' is already registered", k->name);
	if (nkinds == MAX_KINDS)
		return wb_error(err, "too many plot kinds (%d)", MAX_KINDS);
	kinds[nkinds] = k;
	kind_names[nkinds++] = k->name;
	kind_names[nkinds] = NULL;
	return 0;
}

static void register_builtins(void)
{
	if (registered)
		return;
	registered = 1;
	plot_explore_register();
	plot_corr_register();
	plot_eval_register();
	plot_script_register();
}

int plot_kind_register(const struct plot_kind *k, struct wb_err *err)
{
	register_builtins();
	return add_kind(k, err);
}

/* Built-in kinds call this from their *_register functions, which run
 * inside register_builtins (so it must not recurse into it). */
void plot_kind_register_builtin(const struct plot_kind *k)
{
	struct wb_err err;
	if (add_kind(k, &err) < 0)
		WB_BUG("%s", err.msg);
}

const struct plot_kind *plot_kind_find(const char *name)
{
	register_builtins();
	for (int i = 0; i < nkinds; i++)
		if (!strcmp(kinds[i]->name, name))
			return kinds[i];
	return NULL;
}

const char *const *plot_kind_names(void)
{
	register_builtins();
	return kind_names;
}

const char *const plot_common_opts[] = { "title", "xlabel", "ylabel", NULL };

static int in_list(const char *const *list, const char *name)
{
	for (; list && *list; list++)
		if (!strcmp(*list, name))
			return 1;
	return 0;
}

static int check_opts(const struct plot_kind *k, const json_t *opts, struct wb_err *err)
{
	if (!opts || json_is_null(opts))
		return 0;
	if (!json_is_object(opts))
		return wb_error(err, "%s: options must be a table of name = value", k->name);
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)(uintptr_t)opts, key, v) {
		if (in_list(k->opts, key) || in_list(plot_common_opts, key))
			continue;
		struct strbuf sb = STRBUF_INIT;
		for (const char *const *o = k->opts; o && *o; o++)
			strbuf_addf(&sb, "%s, ", *o);
		for (const char *const *o = plot_common_opts; *o; o++)
			strbuf_addf(&sb, "%s%s", *o, o[1] ? ", " : "");
		wb_error(err, "%s: unknown option '%s' (valid: %s)", k->name, key,
			 strbuf_str(&sb));
		strbuf_release(&sb);
		return -1;
	}
	return 0;
}

struct plot *plot_make(const char *kind, const struct plot_input *in, const json_t *opts,
		       struct wb_err *err)
{
	const struct plot_kind *k = plot_kind_find(kind);
	if (!k) {
		struct strbuf sb = STRBUF_INIT;
		for (const char *const *n = plot_kind_names(); *n; n++)
			strbuf_addf(&sb, "%s%s", *n, n[1] ? ", " : "");
		wb_error(err, "unknown plot kind '%s' (kinds: %s)", kind, strbuf_str(&sb));
		strbuf_release(&sb);
		return NULL;
	}
	if (check_opts(k, opts, err) < 0)
		return NULL;
	struct plot *p = plot_new(k->name);
	const char *s;
	if (k->build(in, opts, p, err) < 0) {
		plot_free(p);
		return NULL;
	}
	if (plot_opt_str(p, opts, "title", NULL, &s, err) < 0)
		goto fail;
	if (s)
		plot_set_title(p, s);
	if (plot_opt_str(p, opts, "xlabel", NULL, &s, err) < 0)
		goto fail;
	if (s)
		plot_set_xlabel(p, s);
	if (plot_opt_str(p, opts, "ylabel", NULL, &s, err) < 0)
		goto fail;
	if (s)
		plot_set_ylabel(p, s);
	return p;
fail:
	plot_free(p);
	return NULL;
}

/* ------------------------------------------------------- option readers */

static const json_t *opt(const json_t *opts, const char *name)
{
	if (!opts || !json_is_object(opts))
		return NULL;
	const json_t *v = json_object_get(opts, name);
	return v && !json_is_null(v) ? v : NULL;
}

int plot_opt_int(const struct plot *p, const json_t *opts, const char *name, long def,
		 long lo, long hi, long *out, struct wb_err *err)
{
	const json_t *v = opt(opts, name);
	*out = def;
	if (!v)
		return 0;
	double d = json_is_number(v) ? json_number_value(v) : NAN;
	if (!(d >= (double)lo && d <= (double)hi) || d != floor(d))
		return wb_error(err, "%s: option '%s' must be an integer in %ld..%ld", p->kind,
				name, lo, hi);
	*out = (long)d;
	return 0;
}

int plot_opt_num(const struct plot *p, const json_t *opts, const char *name, double def,
		 double lo, double hi, double *out, struct wb_err *err)
{
	const json_t *v = opt(opts, name);
	*out = def;
	if (!v)
		return 0;
	double d = json_is_number(v) ? json_number_value(v) : NAN;
	if (!(d >= lo && d <= hi))
		return wb_error(err, "%s: option '%s' must be a number in %g..%g", p->kind, name,
				lo, hi);
	*out = d;
	return 0;
}

int plot_opt_bool(const struct plot *p, const json_t *opts, const char *name, int def,
		  int *out, struct wb_err *err)
{
	const json_t *v = opt(opts, name);
	*out = def;
	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return wb_error(err, "%s: option '%s' must be true or false", p->kind, name);
	*out = json_is_true(v);
	return 0;
}

int plot_opt_str(const struct plot *p, const json_t *opts, const char *name, const char *def,
		 const char **out, struct wb_err *err)
{
	const json_t *v = opt(opts, name);
	*out = def;
	if (!v)
		return 0;
	if (!json_is_string(v))
		return wb_error(err, "%s: option '%s' must be a string", p->kind, name);
	*out = json_string_value(v);
	return 0;
}

const struct column *plot_column(const struct plot *p, const struct frame *f,
				 const char *name, struct wb_err *err)
{
	if (!f) {
		wb_error(err, "%s: needs a data frame", p->kind);
		return NULL;
	}
	if (!name) {
		wb_error(err, "%s: needs a column name", p->kind);
		return NULL;
	}
	struct column *c = frame_col(f, name);
	if (!c)
		frame_err_unknown(err, f, p->kind, name, NULL);
	return c;
}
