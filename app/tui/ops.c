/*
 * ops — actions that run Lua.  The pattern of each: check the sheet and
 * the cursor, fill a ctx table (ctx_*), let wb.tui.code write the line
 * (run_code: generated, echoed, run, recorded), then pick the result up
 * from the global it assigned and show it.
 */
#include "tui/ops.h"
#include "tui/actions.h"
#include "tui/grid.h"
#include "tui/prompt.h"
#include "tui/tui.h"
#include "lua/lua_host.h"
#include "lua/lua_wb.h"

#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------- helpers */

static const char *name_prefix(enum sheet_kind k)
{
	switch (k) {
	case SHEET_COLUMNS: return "c";
	case SHEET_FREQ: return "f";
	case SHEET_RUNS: return "runs";
	case SHEET_RUN: return "run";
	case SHEET_COMPARE: return "cmp";
	default: return "d";
	}
}

/* The top sheet when it shows a Lua frame, else NULL after saying so. */
static struct sheet *frame_sheet(struct tui *t)
{
	struct sheet *s = tui_top(t);
	if (!s->name[0]) {
		tui_msg(t, MSG_ERROR, "this sheet (%s) is a view, not a frame: q goes back",
			s->what[0] ? s->what : "help");
		return NULL;
	}
	return s;
}

/* The frame column under the cursor, or -1 after saying why. */
static int cursor_fcol(struct tui *t, const struct sheet *s)
{
	if (s->ncols == 0) {
		tui_msg(t, MSG_ERROR, "this sheet has no columns");
		return -1;
	}
	const struct dcol *d = &s->cols[s->ccol];
	if (d->virt != V_NONE) {
		tui_msg(t, MSG_ERROR, "'%s' is computed for display; it is not a column of %s",
			d->name, s->name);
		return -1;
	}
	return d->fcol;
}

static void ctx_str(lua_State *L, const char *k, const char *v)
{
	lua_pushstring(L, v);
	lua_setfield(L, -2, k);
}

/* ctx.value, ctx.missing and ctx.text from cell r of column c. */
static void ctx_value(lua_State *L, const struct column *c, size_t r)
{
	if (r >= c->n || column_is_missing(c, r)) {
		lua_pushboolean(L, 1);
		lua_setfield(L, -2, "missing");
		return;
	}
	char buf[128];
	size_t len = 0;
	const char *text = NULL;
	switch (c->kind) {
	case COL_NUM:
		lua_pushnumber(L, c->num[r]);
		break;
	case COL_INT:
		lua_pushinteger(L, c->i64[r]);
		break;
	case COL_BOOL:
		lua_pushboolean(L, c->b[r]);
		break;
	case COL_CAT:
	case COL_STR:
		text = column_get_text(c, r, &len);
		lua_pushlstring(L, text, len);
		break;
	case COL_TIME:
		len = column_format(c, r, buf, sizeof(buf));
		lua_pushlstring(L, buf, len);
		break;
	}
	lua_setfield(L, -2, "value");
	if (!text) {
		len = column_format(c, r, buf, sizeof(buf));
		text = buf;
	}
	lua_pushlstring(L, text, len);
	lua_setfield(L, -2, "text");
}

/* Pushes a new ctx for sheet s with the cursor on frame column j. */
static void ctx_cursor(struct tui *t, const struct sheet *s, int j)
{
	lua_State *L = t->L;
	lua_newtable(L);
	ctx_str(L, "frame", s->name);
	if (j < 0)
		return;
	const struct column *c = s->f->cols[j];
	ctx_str(L, "col", s->f->names[j]);
	ctx_str(L, "kind", col_kind_name(c->kind));
	ctx_value(L, c, s->nrows ? sheet_row(s, s->cur) : (size_t)-1);
}

/* Generates (from the ctx on the stack, popped), echoes and runs. */
static int run_code(struct tui *t, const char *fn)
{
	char *text = tui_code(t, fn);
	if (!text)
		return -1;
	int rc = tui_eval(t, text);
	free(text);
	return rc;
}

static struct frame *result_frame(struct tui *t, const char *name)
{
	struct frame *f = tui_global_frame(t, name);
	if (!f)
		tui_msg(t, MSG_ERROR, "%s did not become a frame", name);
	return f;
}

/* A new sheet of the same kind as s for a frame derived from it. */
static struct sheet *derive(const struct sheet *s, struct frame *f, const char *name,
			    const char *what)
{
	struct sheet *n = sheet_new(s->kind, f, name, what);
	sheet_copy_source(n, s);
	return n;
}

/* -------------------------------------------------------- sort, filter */

/* An in-place action on column j of sheet s: runs wb.tui.code[op] (which
 * assigns a new frame to a fresh name), and replaces the sheet's frame,
 * keeping a history entry (op, column, to) for undo and for redoing it
 * after gv.  to: the cast's kind, or NULL. */
static void in_place(struct tui *t, struct sheet *s, int j, const char *op, const char *to,
		     const char *what)
{
	char nm[64];
	tui_next_name(t, name_prefix(s->kind), nm, sizeof(nm));
	ctx_cursor(t, s, j);
	ctx_str(t->L, "new", nm);
	if (to)
		ctx_str(t->L, "to", to);
	if (run_code(t, op) < 0)
		return;
	struct frame *f = result_frame(t, nm);
	if (!f)
		return;
	struct sheet_hist h;
	memset(&h, 0, sizeof(h));
	snprintf(h.op, sizeof(h.op), "%s", op);
	snprintf(h.col, sizeof(h.col), "%s", s->f->names[j]);
	if (to)
		snprintf(h.to, sizeof(h.to), "%s", to);
	sheet_replace(s, f, nm, what, &h);
}

static void sort(struct tui *t, int desc)
{
	struct sheet *s = frame_sheet(t);
	int j = s ? cursor_fcol(t, s) : -1;
	if (j < 0)
		return;
	char what[160];
	snprintf(what, sizeof(what), "sorted by %s%s", s->f->names[j], desc ? " (descending)" : "");
	in_place(t, s, j, desc ? "sort_desc" : "sort_asc", NULL, what);
}

void op_sort_asc(struct tui *t) { sort(t, 0); }
void op_sort_desc(struct tui *t) { sort(t, 1); }

void op_filter_value(struct tui *t)
{
	struct sheet *s = frame_sheet(t);
	int j = s ? cursor_fcol(t, s) : -1;
	if (j < 0)
		return;
	if (s->nrows == 0) {
		tui_msg(t, MSG_ERROR, "no rows: no value under the cursor");
		return;
	}
	char nm[64], what[160];
	tui_next_name(t, name_prefix(s->kind), nm, sizeof(nm));
	ctx_cursor(t, s, j);
	ctx_str(t->L, "new", nm);
	char cell[96];
	size_t len;
	int flags;
	const char *txt = sheet_cell(s, sheet_row(s, s->cur), s->ccol, cell, sizeof(cell), &len,
				     &flags);
	snprintf(what, sizeof(what), "rows where %s is %.*s", s->f->names[j],
		 flags & CELL_MISSING ? 7 : (int)(len > 60 ? 60 : len),
		 flags & CELL_MISSING ? "missing" : txt);
	if (run_code(t, "filter_value") < 0)
		return;
	struct frame *f = result_frame(t, nm);
	if (f)
		tui_push(t, derive(s, f, nm, what));
}

/* wb.tui.equals_expr(ctx) for the cursor: the prompt's starting text. */
static void equals_expr(struct tui *t, const struct sheet *s, int j, char *out, size_t size)
{
	lua_State *L = t->L;
	int top = lua_gettop(L);
	out[0] = '\0';
	if (lua_getglobal(L, "wb") == LUA_TTABLE && lua_getfield(L, -1, "tui") == LUA_TTABLE &&
	    lua_getfield(L, -1, "equals_expr") == LUA_TFUNCTION) {
		ctx_cursor(t, s, j);
		char msg[256];
		if (lhost_pcall(L, 1, 1, msg, sizeof(msg)) == LUA_OK && lua_isstring(L, -1))
			snprintf(out, size, "%s", lua_tostring(L, -1));
	}
	lua_settop(L, top);
}

void op_filter_expr(struct tui *t)
{
	struct sheet *s = frame_sheet(t);
	if (!s)
		return;
	char expr[1024], q[160];
	int j = s->ncols && s->cols[s->ccol].virt == V_NONE ? s->cols[s->ccol].fcol : -1;
	if (j >= 0 && s->nrows)
		equals_expr(t, s, j, expr, sizeof(expr));
	else
		expr[0] = '\0';
	snprintf(q, sizeof(q), "filter %s:", s->name);
	if (!prompt_line(t, q, expr, expr, sizeof(expr)) || !expr[0])
		return;
	char nm[64], what[160];
	tui_next_name(t, name_prefix(s->kind), nm, sizeof(nm));
	ctx_cursor(t, s, -1);
	ctx_str(t->L, "new", nm);
	ctx_str(t->L, "expr", expr);
	snprintf(what, sizeof(what), "rows where %.140s", expr);
	if (run_code(t, "filter_expr") < 0)
		return;
	struct frame *f = result_frame(t, nm);
	if (f)
		tui_push(t, derive(s, f, nm, what));
}

/* ----------------------------------------------------- hide and casts */

void op_hide(struct tui *t)
{
	struct sheet *s = frame_sheet(t);
	int j = s ? cursor_fcol(t, s) : -1;
	if (j < 0)
		return;
	if (s->f->ncol <= 1) {
		tui_msg(t, MSG_ERROR, "cannot hide the last column");
		return;
	}
	char what[160];
	snprintf(what, sizeof(what), "%s hidden", s->f->names[j]);
	in_place(t, s, j, "hide", NULL, what);
}

/* Runs one recorded in-place op (sort or cast) of the history again on the
 * frame named from; the result's name goes to out. */
static int redo(struct tui *t, const struct sheet_hist *h, const char *from, char *out,
		size_t size)
{
	tui_next_name(t, "d", out, size);
	lua_State *L = t->L;
	lua_newtable(L);
	ctx_str(L, "frame", from);
	ctx_str(L, "col", h->col);
	ctx_str(L, "new", out);
	ctx_str(L, "to", h->to);
	return run_code(t, h->op);
}

/* Unhide: back to the frame before the first hide, with the sorts and
 * casts made since done again on it (hiding never changes rows, so they
 * give the same rows with all the columns). */
void op_unhide(struct tui *t)
{
	struct sheet *s = frame_sheet(t);
	if (!s)
		return;
	int n = s->nhist, first = -1;
	for (int i = 1; i <= n && first < 0; i++) {
		const struct sheet_hist *h = i < n ? &s->hist[i] : &s->last;
		if (!strcmp(h->op, "hide"))
			first = i;
	}
	if (first < 0) {
		tui_msg(t, MSG_INFO, "no hidden columns on this sheet");
		return;
	}
	const struct sheet_hist *base = &s->hist[first - 1];
	char cur[64], what[160];
	snprintf(cur, sizeof(cur), "%s", base->name);
	snprintf(what, sizeof(what), "%s", base->what);
	struct sheet_hist last = *base;
	struct sheet_hist *redos = xcalloc((size_t)n + 1, sizeof(*redos));
	int nredo = 0;
	for (int i = first + 1; i <= n; i++) {
		const struct sheet_hist *h = i < n ? &s->hist[i] : &s->last;
		if (!strcmp(h->op, "sort_asc") || !strcmp(h->op, "sort_desc") ||
		    !strcmp(h->op, "cast"))
			redos[nredo++] = *h;
	}
	for (int k = 0; k < nredo; k++) {
		char out[64];
		if (redo(t, &redos[k], cur, out, sizeof(out)) < 0) {
			free(redos);
			return;
		}
		snprintf(cur, sizeof(cur), "%s", out);
		last = redos[k];
		snprintf(what, sizeof(what), "all columns, %s %.100s", strncmp(last.op, "sort", 4) ?
			 "cast" : "sorted by", last.col);
	}
	free(redos);
	struct frame *f = result_frame(t, cur);
	if (!f)
		return;
	last.f = NULL;
	sheet_replace(s, f, cur, what, &last);
	if (nredo == 0)
		tui_msg(t, MSG_INFO, "all columns again: %s", cur);
}

static void cast(struct tui *t, const char *to)
{
	struct sheet *s = frame_sheet(t);
	int j = s ? cursor_fcol(t, s) : -1;
	if (j < 0)
		return;
	if (!strcmp(col_kind_name(s->f->cols[j]->kind), to)) {
		tui_msg(t, MSG_INFO, "'%s' is %s already", s->f->names[j], to);
		return;
	}
	char what[160];
	snprintf(what, sizeof(what), "%s as %s", s->f->names[j], to);
	in_place(t, s, j, "cast", to, what);
}

void op_cast_num(struct tui *t) { cast(t, "num"); }
void op_cast_int(struct tui *t) { cast(t, "int"); }
void op_cast_cat(struct tui *t) { cast(t, "cat"); }
void op_cast_str(struct tui *t) { cast(t, "str"); }
void op_cast_bool(struct tui *t) { cast(t, "bool"); }
void op_cast_time(struct tui *t) { cast(t, "time"); }

/* ------------------------------------------------- Columns, Frequency */

void op_columns(struct tui *t)
{
	struct sheet *s = frame_sheet(t);
	if (!s)
		return;
	char nm[64], what[160];
	tui_next_name(t, "c", nm, sizeof(nm));
	ctx_cursor(t, s, -1);
	ctx_str(t->L, "new", nm);
	double t0 = lwb_now();
	if (run_code(t, "describe") < 0)
		return;
	struct frame *f = result_frame(t, nm);
	if (!f)
		return;
	snprintf(what, sizeof(what), "columns of %s", s->name);
	struct sheet *c = sheet_new(SHEET_COLUMNS, f, nm, what);
	sheet_set_source(c, s, NULL);
	if (s->ncols && s->cols[s->ccol].virt == V_NONE)
		c->cur = (size_t)s->cols[s->ccol].fcol; /* describe has a row per column */
	tui_push(t, c);
	tui_msg(t, MSG_ECHO, "> %s = %s:describe()   (%.2f s; Enter goes to a column)", nm,
		s->name, lwb_now() - t0);
}

void op_freq(struct tui *t)
{
	struct sheet *s = frame_sheet(t);
	int j = s ? cursor_fcol(t, s) : -1;
	if (j < 0)
		return;
	char nm[64], what[160];
	tui_next_name(t, "f", nm, sizeof(nm));
	ctx_cursor(t, s, j);
	ctx_str(t->L, "new", nm);
	if (run_code(t, "value_counts") < 0)
		return;
	struct frame *f = result_frame(t, nm);
	if (!f)
		return;
	snprintf(what, sizeof(what), "frequency of %s in %s", s->f->names[j], s->name);
	struct sheet *fs = sheet_new(SHEET_FREQ, f, nm, what);
	sheet_set_source(fs, s, s->f->names[j]);
	tui_push(t, fs);
}

/* --------------------------------------------------------------- dive */

/* Text of column `name` at the cursor row of s, or NULL. */
static const char *cursor_text(const struct sheet *s, const char *name, char *buf, size_t size)
{
	int j = frame_find(s->f, name);
	if (j < 0 || s->nrows == 0)
		return NULL;
	size_t len;
	const char *t = sheet_format(s->f->cols[j], sheet_row(s, s->cur), buf, size, &len);
	if (!t)
		return NULL;
	if (t != buf)
		snprintf(buf, size, "%.*s", (int)(len < size ? len : size - 1), t);
	return buf;
}

static void dive_columns(struct tui *t, struct sheet *s)
{
	char name[256];
	if (!cursor_text(s, "column", name, sizeof(name)))
		return;
	struct sheet *below = t->nstack >= 2 ? t->stack[t->nstack - 2] : NULL;
	if (!below || below->f != s->src) {
		tui_msg(t, MSG_ERROR, "the sheet these columns describe is not below any more");
		return;
	}
	int j = sheet_find_col(below, name);
	if (j < 0) {
		tui_msg(t, MSG_ERROR, "column '%s' is not shown on %s", name, below->name);
		return;
	}
	tui_pop(t);
	below->ccol = j;
}

static void dive_freq(struct tui *t, struct sheet *s)
{
	int jv = frame_find(s->f, "value");
	if (jv < 0 || !s->src || !s->src_name[0] || !s->src_col[0] || s->nrows == 0) {
		tui_msg(t, MSG_ERROR, "this frequency sheet does not know its rows");
		return;
	}
	char nm[64], what[160];
	tui_next_name(t, name_prefix(s->src_kind), nm, sizeof(nm));
	lua_State *L = t->L;
	const struct column *c = s->f->cols[jv];
	lua_newtable(L);
	ctx_str(L, "frame", s->src_name);
	ctx_str(L, "col", s->src_col);
	ctx_str(L, "kind", col_kind_name(c->kind));
	ctx_value(L, c, sheet_row(s, s->cur));
	ctx_str(L, "new", nm);
	char buf[96];
	const char *v = cursor_text(s, "value", buf, sizeof(buf));
	snprintf(what, sizeof(what), "rows where %.60s is %.60s", s->src_col, v ? v : "missing");
	if (run_code(t, "filter_value") < 0)
		return;
	struct frame *f = result_frame(t, nm);
	if (f)
		tui_push(t, sheet_new(s->src_kind, f, nm, what));
}

static void dive_run(struct tui *t, struct sheet *s)
{
	char id[80];
	if (!cursor_text(s, "run", id, sizeof(id)) && !cursor_text(s, "id", id, sizeof(id))) {
		tui_msg(t, MSG_ERROR, "no run under the cursor");
		return;
	}
	char nm[64], what[160];
	tui_next_name(t, "run", nm, sizeof(nm));
	lua_newtable(t->L);
	ctx_str(t->L, "id", id);
	ctx_str(t->L, "new", nm);
	if (run_code(t, "run") < 0)
		return;
	struct frame *f = result_frame(t, nm);
	if (!f)
		return;
	snprintf(what, sizeof(what), "run %.8s", id);
	tui_push(t, sheet_new(SHEET_RUN, f, nm, what));
}

void op_dive(struct tui *t)
{
	struct sheet *s = tui_top(t);
	if (s->nrows == 0) {
		tui_msg(t, MSG_INFO, "no rows to dive into");
		return;
	}
	switch (s->kind) {
	case SHEET_COLUMNS:
		dive_columns(t, s);
		return;
	case SHEET_FREQ:
		dive_freq(t, s);
		return;
	case SHEET_RUNS:
		dive_run(t, s);
		return;
	case SHEET_HELP: {
		/* Enter on an action runs it on the sheet below. */
		char id[64];
		if (!cursor_text(s, "action", id, sizeof(id)) || t->nstack < 2)
			return;
		tui_pop(t);
		for (int a = 0; a < tui_nactions; a++)
			if (!strcmp(tui_actions[a].id, id)) {
				tui_actions[a].run(t);
				break;
			}
		return;
	}
	case SHEET_RECORD:
		tui_msg(t, MSG_INFO, "nothing to dive into: q goes back");
		return;
	default:
		tui_push(t, sheet_record(s, sheet_row(s, s->cur)));
		return;
	}
}

/* ------------------------------------------------------------- models */

void op_split(struct tui *t)
{
	struct sheet *s = frame_sheet(t);
	if (!s)
		return;
	char ans[64], q[160];
	snprintf(q, sizeof(q), "split %s, test fraction:", s->name);
	if (!prompt_line(t, q, "0.2", ans, sizeof(ans)) || !ans[0])
		return;
	char *end;
	double frac = strtod(ans, &end);
	if (*end || !(frac > 0 && frac < 1)) {
		tui_msg(t, MSG_ERROR, "the test fraction is a number between 0 and 1, not '%s'", ans);
		return;
	}
	char tr[64], te[64];
	tui_next_name(t, "train", tr, sizeof(tr));
	tui_next_name(t, "test", te, sizeof(te));
	ctx_cursor(t, s, -1);
	ctx_str(t->L, "new", tr);
	ctx_str(t->L, "new2", te);
	lua_pushnumber(t->L, frac);
	lua_setfield(t->L, -2, "fraction");
	if (run_code(t, "split") < 0)
		return;
	struct frame *f = result_frame(t, tr), *g = tui_global_frame(t, te);
	if (!f) {
		frame_unref(g);
		return;
	}
	char what[160];
	snprintf(what, sizeof(what), "training rows of %s (test: %s)", s->name, te);
	struct sheet *n = derive(s, f, tr, what);
	snprintf(n->test_name, sizeof(n->test_name), "%s", te);
	tui_push(t, n);
	tui_msg(t, MSG_INFO, "%s: %zu rows, %s: %zu rows -- M trains on %s and evaluates on %s", tr,
		f->nrow, te, g ? g->nrow : 0, tr, te);
	frame_unref(g);
}

/* Shows the scalar metrics of the evaluation in global e: a line in the
 * message line and a view sheet with all of them. */
static void show_metrics(struct tui *t, const char *e, const char *model, const char *on)
{
	static const char *const best[] = {
		"accuracy", "auc", "f1_macro", "logloss", "rmse", "mae", "r2", NULL,
	};
	lua_State *L = t->L;
	int top = lua_gettop(L);
	if (lua_getglobal(L, e) != LUA_TTABLE) {
		lua_settop(L, top);
		return;
	}
	int tbl = lua_gettop(L);
	char line[512];
	int n = snprintf(line, sizeof(line), "%s on %s:", model, on);
	for (int k = 0; best[k] && n < (int)sizeof(line) - 32; k++) {
		lua_getfield(L, tbl, best[k]);
		if (lua_type(L, -1) == LUA_TNUMBER)
			n += snprintf(line + n, sizeof(line) - (size_t)n, " %s %.4g", best[k],
				      lua_tonumber(L, -1));
		lua_pop(L, 1);
	}
	/* All scalar metrics, sorted, as a view. */
	size_t cap = 16, nrow = 0;
	char **cells = xcalloc(cap * 2, sizeof(char *));
	lua_pushnil(L);
	while (lua_next(L, tbl)) {
		if (lua_type(L, -2) == LUA_TSTRING && lua_type(L, -1) == LUA_TNUMBER) {
			if (nrow == cap) {
				cap *= 2;
				cells = xreallocarray(cells, cap * 2, sizeof(char *));
			}
			cells[nrow * 2] = xstrdup(lua_tostring(L, -2));
			cells[nrow * 2 + 1] = xasprintf("%.10g", lua_tonumber(L, -1));
			nrow++;
		}
		lua_pop(L, 1);
	}
	lua_settop(L, top);
	/* Sorted by name so the view is stable. */
	for (size_t i = 1; i < nrow; i++)
		for (size_t k = i; k > 0 && strcmp(cells[(k - 1) * 2], cells[k * 2]) > 0; k--) {
			char *a = cells[k * 2], *b = cells[k * 2 + 1];
			cells[k * 2] = cells[(k - 1) * 2];
			cells[k * 2 + 1] = cells[(k - 1) * 2 + 1];
			cells[(k - 1) * 2] = a;
			cells[(k - 1) * 2 + 1] = b;
		}
	static const char *const names[2] = { "metric", "value" };
	struct frame *f = sheet_text_frame(2, names, (const char *const *)cells, nrow);
	for (size_t i = 0; i < nrow * 2; i++)
		free(cells[i]);
	free(cells);
	char what[160];
	snprintf(what, sizeof(what), "metrics of %s (%s) on %s", e, model, on);
	tui_push(t, sheet_new(SHEET_RECORD, f, NULL, what));
	tui_msg(t, MSG_INFO, "%s", line);
}

static int evaluate(struct tui *t, const char *model, const char *frame, const char *prefix)
{
	char e[64];
	tui_next_name(t, "e", e, sizeof(e));
	lua_newtable(t->L);
	ctx_str(t->L, "frame", frame);
	ctx_str(t->L, "model", model);
	ctx_str(t->L, "new", e);
	if (prefix)
		ctx_str(t->L, "prefix", prefix);
	if (run_code(t, "evaluate") < 0)
		return -1;
	snprintf(t->last_eval, sizeof(t->last_eval), "%s", e);
	show_metrics(t, e, model, frame);
	return 0;
}

void op_train(struct tui *t)
{
	struct sheet *s = frame_sheet(t);
	int j = s ? cursor_fcol(t, s) : -1;
	if (j < 0)
		return;
	/* The families registered (wb.models()), gbdt first by default. */
	lua_State *L = t->L;
	int top = lua_gettop(L);
	const char *fam[32];
	int n = 0, def = 0;
	if (lua_getglobal(L, "wb") == LUA_TTABLE && lua_getfield(L, -1, "models") == LUA_TFUNCTION) {
		char msg[256];
		if (lhost_pcall(L, 0, 1, msg, sizeof(msg)) == LUA_OK && lua_istable(L, -1)) {
			lua_Integer len = (lua_Integer)lua_rawlen(L, -1);
			for (lua_Integer k = 1; k <= len && n < 32; k++) {
				if (lua_rawgeti(L, -1, k) == LUA_TSTRING) {
					if (!strcmp(lua_tostring(L, -1), "gbdt"))
						def = n;
					fam[n++] = lua_tostring(L, -1); /* anchored below */
				}
				lua_pop(L, 1);
			}
		}
	}
	if (n == 0) {
		lua_settop(L, top);
		tui_msg(t, MSG_ERROR, "no model families registered");
		return;
	}
	char q[320];
	snprintf(q, sizeof(q), "predict %s from %s with:", s->f->names[j], s->name);
	int pick = prompt_menu(t, q, fam, n, def);
	char family[64];
	snprintf(family, sizeof(family), "%s", pick >= 0 ? fam[pick] : "");
	lua_settop(L, top);
	if (pick < 0)
		return;
	char m[64];
	tui_next_name(t, "m", m, sizeof(m));
	ctx_cursor(t, s, -1);
	ctx_str(L, "new", m);
	ctx_str(L, "target", s->f->names[j]);
	ctx_str(L, "family", family);
	if (run_code(t, "train") < 0)
		return;
	snprintf(t->last_model, sizeof(t->last_model), "%s", m);
	char frame[64];
	snprintf(frame, sizeof(frame), "%s", s->test_name[0] ? s->test_name : s->name);
	evaluate(t, m, frame, s->test_name[0] ? NULL : "train_");
}

void op_evaluate(struct tui *t)
{
	struct sheet *s = frame_sheet(t);
	if (!s)
		return;
	if (!t->last_model[0]) {
		tui_msg(t, MSG_ERROR, "no model yet: M trains one");
		return;
	}
	char model[64], frame[64];
	snprintf(model, sizeof(model), "%s", t->last_model);
	snprintf(frame, sizeof(frame), "%s", s->name);
	evaluate(t, model, frame, NULL);
}

/* Packages the last model into a bundle (asks the file): wb.package, so
 * the bundle carries the model's recipe, training schema, golden rows and
 * last evaluation, and is an artifact of this session's run. */
void op_package(struct tui *t)
{
	if (!t->last_model[0]) {
		tui_msg(t, MSG_ERROR, "no model yet: M trains one");
		return;
	}
	char path[512];
	if (!prompt_line(t, "package the last model as:", "model.wbz", path, sizeof(path)) ||
	    !path[0])
		return;
	lua_newtable(t->L);
	ctx_str(t->L, "model", t->last_model);
	ctx_str(t->L, "path", path);
	if (run_code(t, "package") == 0)
		tui_msg(t, MSG_INFO, "wrote %s: wb bundle verify / wb predict / wb serve it", path);
}

/* -------------------------------------------------------------- plots */

static void plot_result(struct tui *t, const char *p)
{
	if (tui_show_plot(t, p) == 0)
		t->plot_shown = 1;
}

/* The run a Runs or Run sheet is about: the cursor row's id, or the Run
 * sheet's "id" row.  0 when there is none. */
static int sheet_run_id(const struct sheet *s, char *id, size_t size)
{
	if (s->kind == SHEET_RUNS)
		return cursor_text(s, "id", id, size) != NULL;
	int kc = frame_find(s->f, "key"), vc = frame_find(s->f, "value");
	if (s->kind != SHEET_RUN || kc < 0 || vc < 0)
		return 0;
	for (size_t r = 0; r < s->f->nrow; r++) {
		size_t len;
		const char *k = column_get_text(s->f->cols[kc], r, &len);
		if (k && len == 2 && !memcmp(k, "id", 2)) {
			char buf[96];
			const char *v = sheet_format(s->f->cols[vc], r, buf, sizeof(buf), &len);
			if (!v)
				return 0;
			snprintf(id, size, "%.*s", (int)len, v);
			return 1;
		}
	}
	return 0;
}

/* `.` on a Runs or Run sheet: the run's per-round curves (gbdt's train and
 * validation loss), from the run log. */
static void plot_run(struct tui *t, const struct sheet *s)
{
	char id[96], p[64];
	if (!sheet_run_id(s, id, sizeof(id))) {
		tui_msg(t, MSG_ERROR, "no run under the cursor");
		return;
	}
	tui_next_name(t, "p", p, sizeof(p));
	lua_newtable(t->L);
	ctx_str(t->L, "id", id);
	ctx_str(t->L, "new", p);
	if (run_code(t, "plot_run") == 0)
		plot_result(t, p);
}

void op_plot(struct tui *t)
{
	struct sheet *top = tui_top(t);
	if (top && (top->kind == SHEET_RUNS || top->kind == SHEET_RUN)) {
		plot_run(t, top);
		return;
	}
	struct sheet *s = frame_sheet(t);
	int j = s ? cursor_fcol(t, s) : -1;
	if (j < 0)
		return;
	char p[64];
	tui_next_name(t, "p", p, sizeof(p));
	ctx_cursor(t, s, j);
	ctx_str(t->L, "new", p);
	if (run_code(t, "plot") == 0)
		plot_result(t, p);
}

void op_scatter(struct tui *t)
{
	struct sheet *s = frame_sheet(t);
	int j = s ? cursor_fcol(t, s) : -1;
	if (j < 0)
		return;
	/* Default x: the nearest numeric column to the left, else the right. */
	const char *def = NULL;
	for (int k = j - 1; k >= 0 && !def; k--)
		if (s->f->cols[k]->kind == COL_NUM || s->f->cols[k]->kind == COL_INT)
			def = s->f->names[k];
	for (int k = j + 1; k < s->f->ncol && !def; k++)
		if (s->f->cols[k]->kind == COL_NUM || s->f->cols[k]->kind == COL_INT)
			def = s->f->names[k];
	char x[256], q[320];
	snprintf(q, sizeof(q), "scatter %s against column:", s->f->names[j]);
	if (!prompt_line(t, q, def, x, sizeof(x)) || !x[0])
		return;
	if (frame_find(s->f, x) < 0) {
		tui_msg(t, MSG_ERROR, "%s has no column '%s'", s->name, x);
		return;
	}
	char p[64];
	tui_next_name(t, "p", p, sizeof(p));
	ctx_cursor(t, s, j);
	ctx_str(t->L, "new", p);
	ctx_str(t->L, "x", x);
	if (run_code(t, "scatter") == 0)
		plot_result(t, p);
}

void op_roc(struct tui *t)
{
	if (!t->last_eval[0]) {
		tui_msg(t, MSG_ERROR, "no evaluation yet: M trains and evaluates a model");
		return;
	}
	char p[64];
	tui_next_name(t, "p", p, sizeof(p));
	lua_newtable(t->L);
	ctx_str(t->L, "eval", t->last_eval);
	ctx_str(t->L, "new", p);
	if (run_code(t, "roc") == 0)
		plot_result(t, p);
}

/* --------------------------------------------------------------- runs */

static const char RUNS_HINT[] =
	"no runs recorded here yet: `wb run recipes/quickstart.lua` or `wb train FILE "
	"--target COL` records one; `wb FILE.csv` explores data";

static struct sheet *runs_sheet(struct tui *t)
{
	char nm[64];
	tui_next_name(t, "runs", nm, sizeof(nm));
	lua_newtable(t->L);
	ctx_str(t->L, "new", nm);
	if (run_code(t, "runs") < 0)
		return NULL;
	struct frame *f = result_frame(t, nm);
	if (!f)
		return NULL;
	struct sheet *s = sheet_new(SHEET_RUNS, f, nm, "runs (s marks, C compares, Enter opens)");
	s->hint = RUNS_HINT;
	return s;
}

void op_runs(struct tui *t)
{
	struct sheet *s = runs_sheet(t);
	if (s)
		tui_push(t, s);
}

void op_compare(struct tui *t)
{
	struct sheet *s = tui_top(t);
	int jr = frame_find(s->f, "run");
	if (jr < 0)
		jr = frame_find(s->f, "id");
	if (s->kind != SHEET_RUNS || jr < 0) {
		tui_msg(t, MSG_ERROR, "compare works on the Runs sheet (R opens it): mark runs "
			"with s, then C");
		return;
	}
	if (s->nmarks < 2) {
		tui_msg(t, MSG_ERROR, "mark two or more runs with s first (%zu marked)", s->nmarks);
		return;
	}
	char nm[64];
	tui_next_name(t, "cmp", nm, sizeof(nm));
	lua_State *L = t->L;
	lua_newtable(L);
	lua_newtable(L);
	int n = 0;
	for (size_t i = 0; i < s->nrows; i++) {
		size_t r = sheet_row(s, i), len;
		if (!sheet_marked(s, r))
			continue;
		const char *id = column_get_text(s->f->cols[jr], r, &len);
		if (!id)
			continue;
		lua_pushlstring(L, id, len);
		lua_rawseti(L, -2, ++n);
	}
	lua_setfield(L, -2, "ids");
	ctx_str(L, "new", nm);
	if (run_code(t, "compare") < 0)
		return;
	struct frame *f = result_frame(t, nm);
	if (!f)
		return;
	char what[160];
	snprintf(what, sizeof(what), "%d runs side by side (zd: only differences)", n);
	tui_push(t, sheet_new(SHEET_COMPARE, f, nm, what));
}

/* ------------------------------------------------------- first sheets */

int op_open_file(struct tui *t, const char *path, char *msg, size_t size)
{
	char nm[64];
	tui_next_name(t, "d", nm, sizeof(nm));
	lua_newtable(t->L);
	ctx_str(t->L, "path", path);
	ctx_str(t->L, "new", nm);
	struct frame *f = NULL;
	if (run_code(t, "read_csv") == 0)
		f = result_frame(t, nm);
	if (!f) {
		snprintf(msg, size, "%s", t->msg);
		return -1;
	}
	tui_push(t, sheet_new(SHEET_DATA, f, nm, path));
	return 0;
}

int op_open_runs(struct tui *t, char *msg, size_t size)
{
	struct sheet *s = runs_sheet(t);
	if (!s) {
		snprintf(msg, size, "%s", t->msg);
		return -1;
	}
	tui_push(t, s);
	return 0;
}
