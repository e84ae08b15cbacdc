/*
 * actions — the action table, key bindings and the actions that only move
 * or change the view (the ones that run Lua live in ops.c).
 */
#include "tui/actions.h"
#include "tui/grid.h"
#include "tui/ops.h"
#include "tui/prompt.h"
#include "tui/tui.h"

#include <ctype.h>
#include <lauxlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --------------------------------------------------------------- moves */

static struct sheet *top(struct tui *t)
{
	return tui_top(t);
}

static int page(struct tui *t)
{
	return grid_page(tui_grid_height(t));
}

static void act_up(struct tui *t)
{
	struct sheet *s = top(t);
	if (s->cur > 0)
		s->cur--;
}

static void act_down(struct tui *t)
{
	struct sheet *s = top(t);
	if (s->cur + 1 < s->nrows)
		s->cur++;
}

static void act_left(struct tui *t)
{
	struct sheet *s = top(t);
	if (s->ccol > 0)
		s->ccol--;
}

static void act_right(struct tui *t)
{
	struct sheet *s = top(t);
	if (s->ccol + 1 < s->ncols)
		s->ccol++;
}

/* Paging moves the cursor and the view together, as less does. */
static void act_page_down(struct tui *t)
{
	struct sheet *s = top(t);
	size_t p = (size_t)page(t);
	if (s->nrows == 0)
		return;
	s->cur = s->cur + p < s->nrows ? s->cur + p : s->nrows - 1;
	s->top += p;
	if (s->top > s->cur)
		s->top = s->cur;
}

static void act_page_up(struct tui *t)
{
	struct sheet *s = top(t);
	size_t p = (size_t)page(t);
	s->cur = s->cur > p ? s->cur - p : 0;
	s->top = s->top > p ? s->top - p : 0;
}

static void act_top(struct tui *t)
{
	struct sheet *s = top(t);
	s->cur = s->top = 0;
}

static void act_bottom(struct tui *t)
{
	struct sheet *s = top(t);
	s->cur = s->nrows ? s->nrows - 1 : 0;
}

static void act_first_col(struct tui *t)
{
	top(t)->ccol = 0;
}

static void act_last_col(struct tui *t)
{
	struct sheet *s = top(t);
	s->ccol = s->ncols ? s->ncols - 1 : 0;
}

/* -------------------------------------------------------------- views */

static void act_pop(struct tui *t)
{
	tui_pop(t);
}

static void act_quit(struct tui *t)
{
	t->quit = 1;
}

static void act_help(struct tui *t)
{
	actions_help(t);
}

static void search(struct tui *t, int dir)
{
	struct sheet *s = top(t);
	if (!t->search[0]) {
		tui_msg(t, MSG_INFO, "nothing to search for yet: / asks");
		return;
	}
	if (s->nrows == 0 || s->ncols == 0)
		return;
	char buf[256];
	for (size_t k = 1; k <= s->nrows; k++) {
		size_t i = dir > 0 ? (s->cur + k) % s->nrows : (s->cur + s->nrows - k % s->nrows) % s->nrows;
		size_t len;
		int flags;
		const char *txt = sheet_cell(s, sheet_row(s, i), s->ccol, buf, sizeof(buf), &len, &flags);
		char cell[1024];
		snprintf(cell, sizeof(cell), "%.*s", (int)(len < sizeof(cell) ? len : sizeof(cell) - 1), txt);
		if (!(flags & CELL_MISSING) && strcasestr(cell, t->search)) {
			s->cur = i;
			tui_msg(t, MSG_INFO, "'%s' in row %zu", t->search, i + 1);
			return;
		}
	}
	tui_msg(t, MSG_ERROR, "'%s' is not in column '%s'", t->search, s->cols[s->ccol].name);
}

static void act_search(struct tui *t)
{
	char q[256];
	struct sheet *s = top(t);
	if (s->ncols == 0)
		return;
	char question[320];
	snprintf(question, sizeof(question), "search %s:", s->cols[s->ccol].name);
	if (!prompt_line(t, question, NULL, q, sizeof(q)) || !q[0])
		return;
	snprintf(t->search, sizeof(t->search), "%s", q);
	search(t, 1);
}

static void act_search_next(struct tui *t)
{
	search(t, 1);
}

static void act_search_prev(struct tui *t)
{
	search(t, -1);
}

static void mark(struct tui *t, int op)
{
	struct sheet *s = top(t);
	sheet_mark(s, s->cur, op);
	if (s->cur + 1 < s->nrows)
		s->cur++;
	tui_msg(t, MSG_INFO, "%zu marked", s->nmarks);
}

static void act_mark(struct tui *t) { mark(t, 1); }
static void act_unmark(struct tui *t) { mark(t, 0); }
static void act_toggle_mark(struct tui *t) { mark(t, -1); }

static void act_mark_all(struct tui *t)
{
	sheet_mark_all(top(t), 1);
	tui_msg(t, MSG_INFO, "%zu marked", top(t)->nmarks);
}

static void act_unmark_all(struct tui *t)
{
	sheet_mark_all(top(t), 0);
	tui_msg(t, MSG_INFO, "no rows marked");
}

static void act_console(struct tui *t)
{
	tui_focus_console(t, 1);
}

static void act_console_toggle(struct tui *t)
{
	t->con_shown = !t->con_shown;
	if (!t->con_shown)
		t->con_focus = 0;
}

static void act_plot_toggle(struct tui *t)
{
	if (plotpane_empty(&t->plot)) {
		tui_msg(t, MSG_INFO, "no plot yet: . plots the cursor column");
		return;
	}
	t->plot_shown = !t->plot_shown;
}

static void act_fold(struct tui *t)
{
	struct sheet *s = top(t);
	if (s->same_col < 0) {
		tui_msg(t, MSG_ERROR, "only a Compare sheet folds its identical rows");
		return;
	}
	sheet_set_fold(s, !s->fold);
	tui_msg(t, MSG_INFO, s->fold ? "showing the %zu rows that differ (zd shows all)"
				     : "showing all %zu rows", s->nrows);
}

static void act_undo(struct tui *t)
{
	struct sheet *s = top(t);
	if (sheet_undo(s) < 0) {
		tui_msg(t, MSG_INFO, "nothing to undo on this sheet");
		return;
	}
	tui_msg(t, MSG_INFO, "back to %s%s%s", s->name[0] ? s->name : "the previous frame",
		s->what[0] ? ": " : "", s->what);
}

static void act_redraw(struct tui *t)
{
	(void)t;
	clearok(curscr, TRUE);
}

static void act_save(struct tui *t)
{
	char path[512];
	if (!prompt_line(t, "save the session as a recipe:", "session.lua", path, sizeof(path)) ||
	    !path[0])
		return;
	tui_save_recipe(t, path);
}

/* -------------------------------------------------------------- table */

#define MOVE(id, keys, help, fn) { id, keys, NULL, help, fn }
const struct action tui_actions[] = {
	MOVE("up", "k Up", "cursor up", act_up),
	MOVE("down", "j Down", "cursor down", act_down),
	MOVE("left", "h Left", "cursor left", act_left),
	MOVE("right", "l Right", "cursor right", act_right),
	MOVE("page_down", "PgDn ^F", "page down", act_page_down),
	MOVE("page_up", "PgUp ^B", "page up", act_page_up),
	MOVE("top", "gg Home", "first row", act_top),
	MOVE("bottom", "G End", "last row", act_bottom),
	MOVE("first_col", "gh", "first column", act_first_col),
	MOVE("last_col", "gl", "last column", act_last_col),
	{ "dive", "Enter", "run value_counts filter_value",
	  "dive: a row's record (data), the column (Columns), its rows (Frequency), "
	  "the run (Runs)", op_dive },
	{ "pop", "q", NULL, "close this sheet (the last one quits)", act_pop },
	{ "quit", "gq", NULL, "quit wb", act_quit },
	{ "help", "?", NULL, "this list of actions", act_help },
	{ "sort_asc", "[", "sort_asc", "sort ascending by the cursor column", op_sort_asc },
	{ "sort_desc", "]", "sort_desc", "sort descending by the cursor column", op_sort_desc },
	{ "filter_value", ",", "filter_value",
	  "keep the rows whose cursor column equals the cursor value", op_filter_value },
	{ "filter_expr", "|", "filter_expr",
	  "keep the rows matching an expression (asked; e.g. Age >= 30 and Home == 'rent')",
	  op_filter_expr },
	{ "hide", "-", "hide", "hide the cursor column (frame:drop)", op_hide },
	{ "unhide", "gv", "sort_asc sort_desc cast",
	  "show the hidden columns again (sorts and casts since are redone)", op_unhide },
	{ "cast_num", "%", "cast", "make the cursor column num", op_cast_num },
	{ "cast_int", "#", "cast", "make the cursor column int", op_cast_int },
	{ "cast_cat", "=", "cast", "make the cursor column cat", op_cast_cat },
	{ "cast_str", "~", "cast", "make the cursor column str", op_cast_str },
	{ "cast_bool", "!", "cast", "make the cursor column bool", op_cast_bool },
	{ "cast_time", "@", "cast", "make the cursor column time", op_cast_time },
	{ "columns", "I", "describe", "Columns sheet: one row per column with stats and a "
	  "histogram", op_columns },
	{ "freq", "F", "value_counts", "Frequency sheet of the cursor column", op_freq },
	{ "search", "/", NULL, "search the cursor column for text", act_search },
	{ "search_next", "n", NULL, "next match", act_search_next },
	{ "search_prev", "N", NULL, "previous match", act_search_prev },
	{ "split", "S", "split", "split into train and test frames (asks the test fraction)",
	  op_split },
	{ "train", "M", "train evaluate", "train a model to predict the cursor column "
	  "(asks the family), then evaluate it", op_train },
	{ "evaluate", "E", "evaluate", "evaluate the last model on this sheet", op_evaluate },
	{ "package", "B", "package", "package the last model as a bundle (asks the file)",
	  op_package },
	{ "plot", ".", "plot", "plot the cursor column (histogram or bars)", op_plot },
	{ "scatter", "z.", "scatter", "scatter plot of the cursor column against another (asked)",
	  op_scatter },
	{ "roc", "g.", "roc", "ROC curve of the last evaluation", op_roc },
	{ "plot_toggle", "P", NULL, "show or hide the plot pane", act_plot_toggle },
	{ "runs", "R", "runs", "Runs sheet of the run log", op_runs },
	{ "mark", "s", NULL, "mark the row (runs to compare)", act_mark },
	{ "unmark", "u", NULL, "unmark the row", act_unmark },
	{ "toggle_mark", "t", NULL, "toggle the row's mark", act_toggle_mark },
	{ "mark_all", "gs", NULL, "mark all rows", act_mark_all },
	{ "unmark_all", "gu", NULL, "unmark all rows", act_unmark_all },
	{ "compare", "C", "compare", "Compare sheet of the marked runs", op_compare },
	{ "fold", "zd", NULL, "Compare: show only the rows that differ, or all again", act_fold },
	{ "undo", "U", NULL, "show this sheet's previous frame", act_undo },
	{ "console", ":", NULL, "focus the Lua console (Esc or an empty line returns; "
	  ":save FILE, :q)", act_console },
	{ "console_toggle", "z:", NULL, "show or hide the console pane", act_console_toggle },
	{ "save", "^S", NULL, "save the session as a recipe (asks the file)", act_save },
	{ "redraw", "^L", NULL, "redraw the screen", act_redraw },
};
const int tui_nactions = (int)(sizeof(tui_actions) / sizeof(tui_actions[0]));

static int is_move(int a)
{
	return a <= 9; /* the MOVE entries come first */
}

/* --------------------------------------------------------------- keys */

static const struct {
	const char *name;
	int code;
} key_names[] = {
	{ "Enter", '\n' }, { "Esc", 27 }, { "Tab", '\t' }, { "BS", KEY_BACKSPACE },
	{ "Del", KEY_DC }, { "Space", ' ' }, { "Up", KEY_UP }, { "Down", KEY_DOWN },
	{ "Left", KEY_LEFT }, { "Right", KEY_RIGHT }, { "PgUp", KEY_PPAGE },
	{ "PgDn", KEY_NPAGE }, { "Home", KEY_HOME }, { "End", KEY_END }, { "BTab", KEY_BTAB },
};

static int parse_one(const char *s, int *code)
{
	for (size_t k = 0; k < sizeof(key_names) / sizeof(key_names[0]); k++)
		if (!strcmp(s, key_names[k].name)) {
			*code = key_names[k].code;
			return 0;
		}
	if (s[0] == 'F' && isdigit((unsigned char)s[1])) {
		int n = atoi(s + 1);
		if (n >= 1 && n <= 12 && strlen(s) <= 3) {
			*code = KEY_F(n);
			return 0;
		}
	}
	if (s[0] == '^' && s[1] && !s[2]) {
		*code = s[1] == '?' ? 127 : (toupper((unsigned char)s[1]) ^ 0x40);
		return *code < 32 || *code == 127 ? 0 : -1;
	}
	if (s[0] > 0x20 && s[0] < 0x7f && !s[1]) {
		*code = (unsigned char)s[0];
		return 0;
	}
	return -1;
}

static int parse_key(const char *spec, int *prefix, int *code)
{
	if (parse_one(spec, code) == 0) {
		*prefix = 0;
		return *code == 'g' || *code == 'z' ? -1 : 0;
	}
	if ((spec[0] == 'g' || spec[0] == 'z') && parse_one(spec + 1, code) == 0) {
		*prefix = spec[0];
		return 0;
	}
	return -1;
}

static void key_text(int prefix, int code, char *out, size_t size)
{
	char k[16] = "";
	for (size_t i = 0; i < sizeof(key_names) / sizeof(key_names[0]); i++)
		if (key_names[i].code == code)
			snprintf(k, sizeof(k), "%s", key_names[i].name);
	if (!k[0]) {
		if (code >= KEY_F(1) && code <= KEY_F(12))
			snprintf(k, sizeof(k), "F%d", code - KEY_F(0));
		else if (code < 32)
			snprintf(k, sizeof(k), "^%c", code + 0x40);
		else if (code == 127)
			snprintf(k, sizeof(k), "^?");
		else if (code < 0x7f)
			snprintf(k, sizeof(k), "%c", code);
		else
			snprintf(k, sizeof(k), "<%d>", code);
	}
	snprintf(out, size, "%s%s", prefix ? (prefix == 'g' ? "g" : "z") : "", k);
}

/* Binds one key to action a; the key leaves whatever had it. */
static void bind(struct tui *t, int prefix, int code, int a)
{
	for (int k = 0; k < t->nbindings; k++)
		if (t->bindings[k].prefix == prefix && t->bindings[k].code == code) {
			memmove(&t->bindings[k], &t->bindings[k + 1],
				(size_t)(t->nbindings - k - 1) * sizeof(t->bindings[0]));
			t->nbindings--;
			break;
		}
	if (t->nbindings < TUI_MAX_BINDINGS)
		t->bindings[t->nbindings++] = (struct binding){ prefix, code, a };
}

static void unbind_action(struct tui *t, int a)
{
	int n = 0;
	for (int k = 0; k < t->nbindings; k++)
		if (t->bindings[k].action != a)
			t->bindings[n++] = t->bindings[k];
	t->nbindings = n;
}

static void add_problem(char *msg, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void add_problem(char *msg, size_t size, const char *fmt, ...)
{
	size_t n = strlen(msg);
	if (n + 2 >= size)
		return;
	snprintf(msg + n, size - n, "%s", n ? "; " : "wb.config.keys: ");
	n = strlen(msg);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg + n, size - n, fmt, ap);
	va_end(ap);
}

static void bind_spec(struct tui *t, int a, const char *spec, char *msg, size_t size)
{
	int prefix, code;
	if (parse_key(spec, &prefix, &code) < 0) {
		add_problem(msg, size, "%s: cannot read key '%s'", tui_actions[a].id, spec);
		return;
	}
	bind(t, prefix, code, a);
}

void actions_bind(struct tui *t, char *msg, size_t size)
{
	msg[0] = '\0';
	t->nbindings = 0;
	for (int a = 0; a < tui_nactions; a++) {
		char keys[64];
		snprintf(keys, sizeof(keys), "%s", tui_actions[a].keys);
		for (char *tok = strtok(keys, " "); tok; tok = strtok(NULL, " "))
			bind_spec(t, a, tok, msg, size);
	}
	lua_State *L = t->L;
	int top = lua_gettop(L);
	if (lua_getglobal(L, "wb") != LUA_TTABLE || lua_getfield(L, -1, "config") != LUA_TTABLE ||
	    lua_getfield(L, -1, "keys") != LUA_TTABLE) {
		lua_settop(L, top);
		return;
	}
	lua_pushnil(L);
	while (lua_next(L, -2)) {
		const char *id = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
		int a = 0;
		while (a < tui_nactions && strcmp(tui_actions[a].id, id))
			a++;
		if (a == tui_nactions) {
			add_problem(msg, size, "no action '%s'", id);
		} else if (lua_type(L, -1) == LUA_TSTRING) {
			unbind_action(t, a);
			bind_spec(t, a, lua_tostring(L, -1), msg, size);
		} else if (lua_istable(L, -1)) {
			unbind_action(t, a);
			lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
			for (lua_Integer k = 1; k <= n; k++) {
				if (lua_rawgeti(L, -1, k) == LUA_TSTRING)
					bind_spec(t, a, lua_tostring(L, -1), msg, size);
				lua_pop(L, 1);
			}
		} else {
			add_problem(msg, size, "%s: expected a key or a list of keys", id);
		}
		lua_pop(L, 1);
	}
	lua_settop(L, top);
}

void actions_keys_text(const struct tui *t, int a, char *out, size_t size)
{
	out[0] = '\0';
	/* In the order they were bound: the defaults' order, then rebinds. */
	for (int k = 0; k < t->nbindings; k++) {
		if (t->bindings[k].action != a)
			continue;
		char kt[24];
		key_text(t->bindings[k].prefix, t->bindings[k].code, kt, sizeof(kt));
		size_t n = strlen(out);
		snprintf(out + n, size - n, "%s%s", n ? " " : "", kt);
	}
}

void actions_publish(struct tui *t)
{
	lua_State *L = t->L;
	int top = lua_gettop(L);
	if (lua_getglobal(L, "wb") != LUA_TTABLE || lua_getfield(L, -1, "tui") != LUA_TTABLE) {
		lua_settop(L, top);
		return;
	}
	lua_createtable(L, tui_nactions, 0);
	for (int a = 0; a < tui_nactions; a++) {
		const struct action *x = &tui_actions[a];
		lua_createtable(L, 0, 4);
		lua_pushstring(L, x->id);
		lua_setfield(L, -2, "id");
		char keys[128];
		actions_keys_text(t, a, keys, sizeof(keys));
		lua_newtable(L);
		int n = 0;
		for (char *tok = strtok(keys, " "); tok; tok = strtok(NULL, " ")) {
			lua_pushstring(L, tok);
			lua_rawseti(L, -2, ++n);
		}
		lua_setfield(L, -2, "keys");
		if (x->lua) {
			lua_pushstring(L, x->lua);
			lua_setfield(L, -2, "lua");
		}
		lua_pushstring(L, x->help);
		lua_setfield(L, -2, "help");
		lua_rawseti(L, -2, a + 1);
	}
	lua_setfield(L, -2, "_actions");
	lua_settop(L, top);
}

void actions_help(struct tui *t)
{
	static const char *const names[4] = { "key", "action", "lua", "help" };
	const char **cells = xcalloc((size_t)tui_nactions * 4, sizeof(char *));
	char (*keys)[128] = xcalloc((size_t)tui_nactions, sizeof(*keys));
	for (int a = 0; a < tui_nactions; a++) {
		actions_keys_text(t, a, keys[a], sizeof(keys[a]));
		cells[a * 4] = keys[a][0] ? keys[a] : NULL;
		cells[a * 4 + 1] = tui_actions[a].id;
		cells[a * 4 + 2] = tui_actions[a].lua;
		cells[a * 4 + 3] = tui_actions[a].help;
	}
	struct frame *f = sheet_text_frame(4, names, cells, (size_t)tui_nactions);
	free(cells);
	free(keys);
	struct sheet *s = sheet_new(SHEET_HELP, f, NULL,
				    "help: the keys (wb.config.keys rebinds them; Enter runs one)");
	tui_push(t, s);
}

/* ------------------------------------------------------------ dispatch */

static int normalize(int ch)
{
	if (ch == '\r' || ch == KEY_ENTER)
		return '\n';
	if (ch == 127 || ch == 8)
		return KEY_BACKSPACE;
	return ch;
}

void actions_key(struct tui *t, int ch)
{
	ch = normalize(ch);
	int prefix = t->prefix;
	t->prefix = 0;
	if (!prefix && (ch == 'g' || ch == 'z')) {
		t->prefix = ch;
		return;
	}
	for (int k = 0; k < t->nbindings; k++) {
		const struct binding *b = &t->bindings[k];
		if (b->prefix != prefix || b->code != ch)
			continue;
		if (!is_move(b->action))
			t->msg[0] = '\0';
		tui_actions[b->action].run(t);
		return;
	}
	if (ch == 27 && !prefix)
		return; /* Esc on a sheet does nothing, quietly */
	char kt[24];
	key_text(prefix, ch, kt, sizeof(kt));
	tui_msg(t, MSG_ERROR, "no action on %s (? lists the keys)", kt);
}
