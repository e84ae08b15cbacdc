/*
 * lua_plot — wb.plot: every plot kind from Lua, plot objects, and the one
 * gnuplot process a Lua state shares.
 *
 *   local p = wb.plot.hist(d, "age", { bins = 30 })
 *   p:show()                      -- text (or sixel) in the terminal
 *   p:save("age.png")             -- a run artifact with its sha256
 *   wb.plot.scatter(d, "x", "y", { by = "class" }):show(100, 30)
 *   wb.plot.roc({ gbdt = m1, logistic = m2 }, test):save("roc.svg")
 *   wb.plot.roc(wb.evaluate(m, test))          -- an evaluation remembers its data
 *   wb.plot.learning()            -- this run's per-round losses
 *   wb.plot.cv(wb.cv{ ... })      -- fold scores per model
 *   wb.plot.gnuplot("plot $data using 1:2 with lines", d)
 *
 * Argument shapes, by what a kind takes (plot.h):
 *   frame kinds:  (frame, col, ... [, opts])   columns as strings or one list
 *   scored kinds: (what [, frame] [, opts])    what: a model, an evaluation,
 *                 or a list or name-keyed table of those (names label the
 *                 legend; a map is drawn in name order)
 *   importance:   (model | { feature = value } [, opts])
 *   learning:     ([run id] [, opts])           the current run when absent
 *   cv:           (wb.cv result [, opts])
 * opts go to the kind (plot.h lists them); unknown names are errors.
 *
 * The gnuplot process is started on first use and lives as long as the Lua
 * state (its handle is a userdata in the registry whose __gc stops and
 * reaps it), so a REPL or TUI session pays the start-up once.
 */
#include "lua/lua_wb.h"
#include "core/hash.h"
#include "ml/model.h"
#include "plot/gnuplot.h"
#include "plot/plot.h"
#include "track/runlog.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#define LWB_PLOT "wb.plot"
#define LWB_GNUPLOT "wb.gnuplot"         /* the handle's metatable */
#define LWB_GNUPLOT_KEY "wb.gnuplot.state" /* registry slot of the state's handle */

struct lplot {
	struct plot *p;
};

/* --------------------------------------------------------- the process */

struct lgnuplot {
	struct gnuplot *gp;
};

static int gnuplot_gc(lua_State *L)
{
	struct lgnuplot *g = luaL_checkudata(L, 1, LWB_GNUPLOT);
	gnuplot_free(g->gp);
	g->gp = NULL;
	return 0;
}

/* wb.config.<key> as a string, or NULL. */
static const char *config_string(lua_State *L, const char *key)
{
	int top = lua_gettop(L);
	const char *s = NULL;
	if (lua_getglobal(L, "wb") == LUA_TTABLE && lua_getfield(L, -1, "config") == LUA_TTABLE &&
	    lua_getfield(L, -1, key) == LUA_TSTRING)
		s = lua_tostring(L, -1);
	lua_settop(L, top); /* the string stays referenced by wb.config */
	return s;
}

/* The state's gnuplot: $WB_GNUPLOT, else wb.config.gnuplot, else "gnuplot". */
static struct gnuplot *state_gnuplot(lua_State *L)
{
	if (lua_getfield(L, LUA_REGISTRYINDEX, LWB_GNUPLOT_KEY) == LUA_TUSERDATA) {
		struct lgnuplot *g = lua_touserdata(L, -1);
		lua_pop(L, 1);
		return g->gp;
	}
	lua_pop(L, 1);
	int top = lua_gettop(L);
	const char *prog = getenv("WB_GNUPLOT");
	if (!prog || !*prog)
		prog = config_string(L, "gnuplot");
	struct lgnuplot *g = lua_newuserdatauv(L, sizeof(*g), 0);
	g->gp = NULL;
	luaL_setmetatable(L, LWB_GNUPLOT);
	g->gp = gnuplot_new(prog);
	lua_setfield(L, LUA_REGISTRYINDEX, LWB_GNUPLOT_KEY);
	lua_settop(L, top);
	return g->gp;
}

/* ------------------------------------------------------- plot objects */

static struct plot *check_plot(lua_State *L, int idx)
{
	struct lplot *b = luaL_checkudata(L, idx, LWB_PLOT);
	return b->p;
}

static void push_plot(lua_State *L, struct plot *p)
{
	struct lplot *b = lua_newuserdatauv(L, sizeof(*b), 0);
	b->p = NULL;
	luaL_setmetatable(L, LWB_PLOT);
	b->p = p;
}

static int plot_gc(lua_State *L)
{
	struct lplot *b = luaL_checkudata(L, 1, LWB_PLOT);
	plot_free(b->p);
	b->p = NULL;
	return 0;
}

static int plot_tostring(lua_State *L)
{
	struct plot *p = check_plot(L, 1);
	lua_pushfstring(L, "plot %s%s%s%s", p->kind, p->title ? " \"" : "",
			p->title ? p->title : "", p->title ? "\"" : "");
	return 1;
}

/* The terminal's size in characters and pixels (0 when unknown). */
static void terminal_size(int *cols, int *rows, int *xpix, int *ypix)
{
	struct winsize ws;
	*cols = 80, *rows = 24, *xpix = *ypix = 0;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) {
		*cols = ws.ws_col;
		*rows = ws.ws_row;
		*xpix = ws.ws_xpixel;
		*ypix = ws.ws_ypixel;
	}
}

/*
 * Does the terminal draw sixel?  Asks it (primary device attributes,
 * ESC [ c); a VT340-compatible answer lists attribute 4.  Only when both
 * stdin and stdout are the terminal, and with a short timeout, so a
 * terminal that never answers costs at most 150 ms once per process.
 */
static int sixel_cached = -1;

static int terminal_has_sixel(void)
{
	if (sixel_cached >= 0)
		return sixel_cached;
	sixel_cached = 0;
	const char *term = getenv("TERM");
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO) || !term || !strcmp(term, "dumb"))
		return 0;
	struct termios saved, raw;
	if (tcgetattr(STDIN_FILENO, &saved) < 0)
		return 0;
	raw = saved;
	raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	raw.c_cc[VMIN] = 0;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) < 0)
		return 0;
	char buf[128];
	size_t n = 0;
	if (write(STDOUT_FILENO, "\033[c", 3) == 3) {
		struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
		while (n + 1 < sizeof(buf) && poll(&pfd, 1, 150) > 0) {
			ssize_t r = read(STDIN_FILENO, buf + n, sizeof(buf) - 1 - n);
			if (r <= 0)
				break;
			n += (size_t)r;
			if (memchr(buf, 'c', n))
				break;
		}
	}
	tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	buf[n] = 0;
	/* ESC [ ? 62 ; 4 ; 22 c */
	const char *p = strstr(buf, "\033[?");
	if (p) {
		for (p += 3; *p && *p != 'c';) {
			char *end;
			long v = strtol(p, &end, 10);
			if (end == p)
				break;
			if (v == 4)
				sixel_cached = 1;
			p = *end == ';' ? end + 1 : end;
		}
	}
	return sixel_cached;
}

/* "auto" | "text" | "sixel" from wb.config.plot_terminal. */
static enum plot_format show_format(lua_State *L)
{
	const char *mode = config_string(L, "plot_terminal");
	if (mode && !strcmp(mode, "sixel"))
		return PLOT_SIXEL;
	if (mode && !strcmp(mode, "text"))
		return PLOT_TEXT;
	if (mode && strcmp(mode, "auto"))
		luaL_error(L, "wb.config.plot_terminal must be \"auto\", \"text\" or \"sixel\", "
			   "got \"%s\"", mode);
	return terminal_has_sixel() ? PLOT_SIXEL : PLOT_TEXT;
}

/* Renders to memory; raises on a wb error (a plot that cannot be drawn is
 * a failed call, like a bad argument). Returns the rendered output. */
static int render(lua_State *L, struct plot *p, const struct plot_render_opts *o,
		  struct plot_output *out)
{
	struct wb_err err;
	if (plot_render(state_gnuplot(L), p, o, out, &err) < 0)
		return lwb_fail(L, &err);
	return 0;
}

static int opt_size(lua_State *L, int idx, int def)
{
	if (lua_isnoneornil(L, idx))
		return def;
	lua_Integer v = luaL_checkinteger(L, idx);
	if (v < 1 || v > 10000)
		luaL_argerror(L, idx, "size must be in 1..10000");
	return (int)v;
}

/* plot:text / plot:sixel: the rendering as a string, at the given size or
 * the default. */
static int render_string(lua_State *L, enum plot_format format, int defw, int defh)
{
	struct plot *p = check_plot(L, 1);
	struct plot_render_opts o = { .format = format };
	o.width = opt_size(L, 2, defw);
	o.height = opt_size(L, 3, defh);
	struct plot_output out;
	if (render(L, p, &o, &out))
		return 2;
	lua_pushlstring(L, out.data, out.len);
	plot_output_release(&out);
	return 1;
}

/*** plot:text([width, height]) -> string: the plot as terminal text. */
static int plot_text_l(lua_State *L) { return render_string(L, PLOT_TEXT, 80, 24); }

/*** plot:sixel([width_px, height_px]) -> string: sixel escape sequence. */
static int plot_sixel_l(lua_State *L) { return render_string(L, PLOT_SIXEL, 800, 500); }

/*** plot:show([width, height]) -> plot: draws it on stdout, as sixel when
 * the terminal does it (wb.config.plot_terminal), else as text.  Sizes are
 * in characters; the default is the terminal's size. */
static int plot_show_l(lua_State *L)
{
	struct plot *p = check_plot(L, 1);
	int cols, rows, xpix, ypix;
	terminal_size(&cols, &rows, &xpix, &ypix);
	int w = opt_size(L, 2, cols), h = opt_size(L, 3, rows > 2 ? rows - 1 : rows);
	struct plot_render_opts o = { .format = show_format(L) };
	if (o.format == PLOT_SIXEL) {
		/* Character cells to pixels: the terminal's own cell size when
		 * it reports one, else a typical 10 x 20. */
		int cw = xpix && cols ? xpix / cols : 10, ch = ypix && rows ? ypix / rows : 20;
		o.width = w * cw;
		o.height = (h - 1) * ch;
	} else {
		o.width = w;
		o.height = h;
	}
	struct plot_output out;
	if (render(L, p, &o, &out))
		return 2;
	fwrite(out.data, 1, out.len, stdout);
	if (o.format == PLOT_SIXEL)
		printf("\n%s%s", out.note, out.note[0] ? "\n" : "");
	fflush(stdout);
	plot_output_release(&out);
	lua_settop(L, 1);
	return 1;
}

/*** plot:save(path [, { width = px, height = px }]) -> path, sha256
 * PNG, SVG or PDF by the extension.  Inside a run the file is recorded as
 * an artifact (path, sha256, bytes) and a "plot" step. */
static int plot_save_l(lua_State *L)
{
	struct plot *p = check_plot(L, 1);
	const char *path = luaL_checkstring(L, 2);
	struct plot_render_opts o = { .path = path };
	if (!lua_isnoneornil(L, 3)) {
		luaL_checktype(L, 3, LUA_TTABLE);
		lua_pushnil(L);
		while (lua_next(L, 3)) {
			lua_pop(L, 1);
			const char *k = lua_tostring(L, -1);
			if (lua_type(L, -1) != LUA_TSTRING ||
			    (strcmp(k, "width") && strcmp(k, "height")))
				return luaL_error(L, "plot:save: unknown option '%s' (valid: width, "
						  "height)", lua_tostring(L, -1));
		}
		lua_getfield(L, 3, "width");
		o.width = opt_size(L, -1, 0);
		lua_getfield(L, 3, "height");
		o.height = opt_size(L, -1, 0);
		lua_pop(L, 2);
	}
	double t0 = lwb_now();
	struct wb_err err;
	if (plot_format_for_path(path, &o.format, &err) < 0)
		return lwb_fail(L, &err);
	struct plot_output out;
	int rc = plot_render(state_gnuplot(L), p, &o, &out, &err);
	char hex[WB_HASH_HEX] = "";
	int64_t bytes = 0;
	if (rc == 0 && lwb_file_sha(path, hex, &bytes, &err) < 0)
		rc = -1;
	plot_output_release(&out);

	json_t *pj = json_pack("{s:s,s:s,s:s}", "kind", p->kind, "path", path, "format",
			       plot_format_name(o.format));
	if (o.width)
		json_object_set_new(pj, "width", json_integer(o.width));
	if (o.height)
		json_object_set_new(pj, "height", json_integer(o.height));
	char *params = json_dumps(pj, JSON_COMPACT);
	json_decref(pj);
	lwb_record(L, "plot", params, NULL, 0, NULL, rc == 0 ? hex : NULL, t0,
		   rc == 0 ? NULL : &err);
	free(params);
	if (rc < 0)
		return lwb_fail(L, &err);
	lwb_add_artifact(L, path, hex, bytes, "plot");
	lua_pushstring(L, path);
	lua_pushstring(L, hex);
	return 2;
}

/*** plot:script([format]) -> the gnuplot script it would send ("text" by
 * default; "png", "svg", "pdf" use placeholder file "plot.<ext>"). */
static int plot_script_l(lua_State *L)
{
	struct plot *p = check_plot(L, 1);
	const char *fmt = luaL_optstring(L, 2, "text");
	struct plot_render_opts o = { 0 };
	if (plot_format_parse(fmt, &o.format) < 0)
		return luaL_argerror(L, 2, "format must be text, sixel, png, svg or pdf");
	char path[32];
	snprintf(path, sizeof(path), "plot.%s", fmt);
	o.path = path;
	char *s = plot_script(p, &o, NULL, 0);
	lua_pushstring(L, s);
	free(s);
	return 1;
}

/*** plot:info() -> { kind, title, xlabel, ylabel, note, tables = { rows... } } */
static int plot_info_l(lua_State *L)
{
	struct plot *p = check_plot(L, 1);
	lua_createtable(L, 0, 6);
	lua_pushstring(L, p->kind);
	lua_setfield(L, -2, "kind");
	if (p->title) {
		lua_pushstring(L, p->title);
		lua_setfield(L, -2, "title");
	}
	if (p->xlabel) {
		lua_pushstring(L, p->xlabel);
		lua_setfield(L, -2, "xlabel");
	}
	if (p->ylabel) {
		lua_pushstring(L, p->ylabel);
		lua_setfield(L, -2, "ylabel");
	}
	lua_pushstring(L, p->note);
	lua_setfield(L, -2, "note");
	lua_createtable(L, p->ntables, 0);
	for (int t = 0; t < p->ntables; t++) {
		lua_pushinteger(L, (lua_Integer)p->tables[t].nrow);
		lua_rawseti(L, -2, t + 1);
	}
	lua_setfield(L, -2, "tables");
	return 1;
}

/* ------------------------------------------------------------- inputs */

/* Everything a kind call gathers.  It is a userdata with __gc, so a Lua
 * error raised half-way (a bad argument found late) frees it too. */
#define LWB_GATHER "wb.plot_gather"

struct gather {
	struct plot_input in;
	const char *cols[64];
	struct plot_scored scored[16];
	char *names[16];
	double *bufs[64];
	int nbufs;
	int32_t *truths[16];
	const char **labels[16];
	int nlabels;
	struct plot_series series[64];
	json_t *opts;
	json_t *runjson;
	int nargs;            /* the call's arguments: the gather sits above them */
};

static void gather_release(struct gather *g)
{
	for (int k = 0; k < g->nbufs; k++)
		free(g->bufs[k]);
	for (int k = 0; k < 16; k++) {
		free(g->names[k]);
		free(g->truths[k]);
	}
	for (int k = 0; k < g->nlabels; k++)
		free(g->labels[k]);
	json_decref(g->opts);
	json_decref(g->runjson);
	int nargs = g->nargs;
	memset(g, 0, sizeof(*g));
	g->nargs = nargs;
}

static int gather_gc(lua_State *L)
{
	gather_release(luaL_checkudata(L, 1, LWB_GATHER));
	return 0;
}

/* A new, empty gather pushed on the stack. */
static struct gather *gather_new(lua_State *L)
{
	int nargs = lua_gettop(L);
	struct gather *g = lua_newuserdatauv(L, sizeof(*g), 0);
	memset(g, 0, sizeof(*g));
	g->nargs = nargs;
	luaL_setmetatable(L, LWB_GATHER);
	return g;
}

/* Takes ownership of a malloc'd array. */
static double *gather_keep(lua_State *L, struct gather *g, double *v)
{
	if (g->nbufs == (int)(sizeof(g->bufs) / sizeof(g->bufs[0]))) {
		free(v);
		luaL_error(L, "wb.plot: too many series");
	}
	return g->bufs[g->nbufs++] = v;
}

static double *gather_buf(lua_State *L, struct gather *g, size_t n)
{
	return gather_keep(L, g, xmallocarray(n ? n : 1, sizeof(double)));
}

/* The options table at idx (or none) as JSON for the kind. */
/* Argument idx was not given (or is nil). */
static int no_arg(lua_State *L, const struct gather *g, int idx)
{
	return idx > g->nargs || lua_isnil(L, idx);
}

static void gather_opts(lua_State *L, struct gather *g, int idx, const char *fn)
{
	if (no_arg(L, g, idx))
		return;
	if (!lua_istable(L, idx))
		luaL_argerror(L, idx, lua_pushfstring(L, "%s: options must be a table", fn));
	const char *why = NULL;
	g->opts = lwb_to_json(L, idx, &why);
	if (!g->opts || !json_is_object(g->opts)) {
		json_decref(g->opts);
		g->opts = NULL;
		luaL_argerror(L, idx, lua_pushfstring(L, "%s: options must be a table of name = "
						      "value%s%s", fn, why ? ": " : "", why ? why : ""));
	}
}

/* Builds the plot and pushes it, or returns nil, message. */
static int finish(lua_State *L, const char *kind, struct gather *g)
{
	struct wb_err err;
	struct plot *p = plot_make(kind, &g->in, g->opts, &err);
	gather_release(g);
	if (!p)
		return lwb_fail(L, &err);
	push_plot(L, p);
	return 1;
}

static int is_list(lua_State *L, int idx)
{
	return lua_istable(L, idx) && lua_rawlen(L, idx) > 0;
}

/* frame kinds: (frame, col... | {cols} [, opts]) */
static int frame_kind(lua_State *L, const char *kind)
{
	int top = lua_gettop(L);
	while (top > 1 && lua_isnil(L, top))
		top--;
	struct gather *g = gather_new(L);
	g->in.frame = lwb_check_frame(L, 1);
	int i = 2;
	for (; i <= top && g->in.ncols < 64; i++) {
		if (lua_type(L, i) == LUA_TSTRING) {
			g->cols[g->in.ncols++] = lua_tostring(L, i);
		} else if (is_list(L, i)) {
			lua_Integer n = (lua_Integer)lua_rawlen(L, i);
			for (lua_Integer k = 1; k <= n && g->in.ncols < 64; k++) {
				lua_rawgeti(L, i, k);
				if (lua_type(L, -1) != LUA_TSTRING)
					luaL_argerror(L, i, "column names must be strings");
				g->cols[g->in.ncols++] = lua_tostring(L, -1);
				lua_pop(L, 1); /* the string lives in the list */
			}
		} else {
			break;
		}
	}
	if (i < top)
		luaL_argerror(L, i + 1, "unexpected argument after the options");
	if (i == top)
		gather_opts(L, g, i, kind);
	g->in.cols = g->cols;
	return finish(L, kind, g);
}

static int l_hist(lua_State *L) { return frame_kind(L, "hist"); }
static int l_bar(lua_State *L) { return frame_kind(L, "bar"); }
static int l_scatter(lua_State *L) { return frame_kind(L, "scatter"); }
static int l_box(lua_State *L) { return frame_kind(L, "box"); }
static int l_corr(lua_State *L) { return frame_kind(L, "corr"); }

/* An array of numbers at idx (a Lua list) into a new buffer. */
static double *number_list(lua_State *L, struct gather *g, int idx, size_t *n, const char *what)
{
	if (!lua_istable(L, idx))
		luaL_error(L, "%s must be a list of numbers", what);
	*n = lua_rawlen(L, idx);
	double *v = gather_buf(L, g, *n);
	if (!v)
		luaL_error(L, "too many series");
	for (size_t k = 0; k < *n; k++) {
		lua_rawgeti(L, idx, (lua_Integer)k + 1);
		int isnum;
		v[k] = lua_tonumberx(L, -1, &isnum);
		if (!isnum)
			v[k] = NAN;
		lua_pop(L, 1);
	}
	return v;
}

/* line: (frame, x, y... [, opts]) or ({ {name=, y=, x=}... } | { name = {y...} } [, opts]) */
static int l_line(lua_State *L)
{
	if (lwb_to_frame(L, 1))
		return frame_kind(L, "line");
	luaL_checktype(L, 1, LUA_TTABLE);
	struct gather *g = gather_new(L);
	int n = 0;
	if (lua_rawlen(L, 1) > 0) {
		for (lua_Integer k = 1; k <= (lua_Integer)lua_rawlen(L, 1) && n < 64; k++, n++) {
			lua_rawgeti(L, 1, k);
			int t = lua_gettop(L);
			if (!lua_istable(L, t))
				return luaL_argerror(L, 1, "series must be tables { name =, y =, x = }");
			lua_getfield(L, t, "name");
			g->series[n].name = lua_tostring(L, -1);
			if (!g->series[n].name)
				g->series[n].name = "y";
			lua_getfield(L, t, "y");
			g->series[n].y = number_list(L, g, lua_gettop(L), &g->series[n].n, "series y");
			lua_getfield(L, t, "x");
			if (!lua_isnil(L, -1)) {
				size_t nx;
				g->series[n].x = number_list(L, g, lua_gettop(L), &nx, "series x");
				if (nx != g->series[n].n)
					return luaL_error(L, "wb.plot.line: series '%s' has %d x and "
							  "%d y values", g->series[n].name, (int)nx,
							  (int)g->series[n].n);
			}
			lua_settop(L, t - 1); /* name strings stay alive in the table */
		}
	} else {
		/* { name = {...} } in name order, so the legend is stable. */
		lua_pushnil(L);
		while (lua_next(L, 1)) {
			lua_pop(L, 1);
			if (lua_type(L, -1) != LUA_TSTRING || n == 64)
				return luaL_argerror(L, 1, "series names must be strings (at most 64)");
			g->series[n++].name = lua_tostring(L, -1);
		}
		for (int a = 1; a < n; a++)
			for (int b = a; b > 0 && strcmp(g->series[b - 1].name, g->series[b].name) > 0; b--) {
				struct plot_series t = g->series[b];
				g->series[b] = g->series[b - 1];
				g->series[b - 1] = t;
			}
		for (int k = 0; k < n; k++) {
			lua_getfield(L, 1, g->series[k].name);
			g->series[k].y = number_list(L, g, lua_gettop(L), &g->series[k].n, "series");
			lua_pop(L, 1);
		}
	}
	g->in.series = g->series;
	g->in.nseries = n;
	gather_opts(L, g, 2, "line");
	return finish(L, "line", g);
}

/* One model scored on a frame into g->scored[k]. */
static int add_scored(lua_State *L, struct gather *g, const char *kind, const char *name,
		      const struct model *m, const struct frame *f)
{
	int k = g->in.nscored;
	if (k == 16)
		return luaL_error(L, "wb.plot.%s: at most 16 models", kind);
	struct wb_err err;
	size_t n = 0;
	double *score = model_score(m, f, &n, &err);
	if (!score)
		return lwb_fail(L, &err);
	gather_keep(L, g, score);
	struct plot_scored *s = &g->scored[k];
	memset(s, 0, sizeof(*s));
	g->names[k] = xstrdup(name);
	s->name = g->names[k];
	s->n = n;
	g->in.nscored++;
	if (m->task == MODEL_CLASSIFY) {
		s->classify = 1;
		s->nclass = m->nclass;
		s->classes = (const char *const *)m->classes;
		g->truths[k] = xmallocarray(n ? n : 1, sizeof(int32_t));
		if (model_target(m, f, g->truths[k], NULL, &err) < 0)
			return lwb_fail(L, &err);
		s->truth = g->truths[k];
		s->proba = score;
	} else if (m->task == MODEL_REGRESS) {
		double *y = gather_buf(L, g, n);
		if (!y)
			return luaL_error(L, "wb.plot.%s: too many models", kind);
		if (model_target(m, f, NULL, y, &err) < 0)
			return lwb_fail(L, &err);
		s->y = y;
		s->yhat = score;
	} else {
		return luaL_error(L, "wb.plot.%s: model '%s' is a %s model (it has no target)",
				  kind, name, model_task_name(m->task));
	}
	return 0;
}

/* One entry of `what`: a model (scored on frame) or an evaluation. */
static int add_what(lua_State *L, struct gather *g, const char *kind, int idx, const char *name,
		    const struct frame *frame)
{
	idx = lua_absindex(L, idx);
	struct model *m = lwb_to_model(L, idx);
	const struct frame *f = frame;
	int pushed = 0;
	if (!m && lua_istable(L, idx) && lwb_eval_source(L, idx)) {
		m = lwb_to_model(L, -2);
		f = lwb_to_frame(L, -1);
		pushed = 2;
	}
	if (!m)
		return luaL_error(L, "wb.plot.%s: expected a model or an evaluation "
				  "(wb.evaluate's result), got %s", kind, luaL_typename(L, idx));
	if (!f)
		return luaL_error(L, "wb.plot.%s: a model needs a frame to score: "
				  "wb.plot.%s(model, frame)", kind, kind);
	int rc = add_scored(L, g, kind, name ? name : m->type->name, m, f);
	lua_pop(L, pushed);
	return rc;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int is_eval(lua_State *L, int idx)
{
	if (!lua_istable(L, idx) || !lwb_eval_source(L, idx))
		return 0;
	lua_pop(L, 2);
	return 1;
}

/* scored kinds: (what [, frame] [, opts]) */
static int scored_kind(lua_State *L, const char *kind)
{
	struct gather *g = gather_new(L);
	const struct frame *frame = lwb_to_frame(L, 2);
	int optidx = frame ? 3 : 2;
	if (!no_arg(L, g, optidx + 1))
		return luaL_argerror(L, optidx + 1, "unexpected argument after the options");
	int rc = 0;
	if (lwb_to_model(L, 1) || is_eval(L, 1)) {
		rc = add_what(L, g, kind, 1, NULL, frame);
	} else if (is_list(L, 1)) {
		/* A list: legend names are the families, made unique. */
		lua_Integer n = (lua_Integer)lua_rawlen(L, 1);
		for (lua_Integer k = 1; k <= n && rc == 0; k++) {
			lua_rawgeti(L, 1, k);
			struct model *m = lwb_to_model(L, -1);
			char name[80];
			if (!m && lua_istable(L, -1) && lwb_eval_source(L, -1)) {
				m = lwb_to_model(L, -2);
				lua_pop(L, 2);
			}
			snprintf(name, sizeof(name), "%s", m ? m->type->name : "?");
			int same = 0;
			for (int j = 0; j < g->in.nscored; j++)
				same += !strncmp(g->scored[j].name, name, strlen(name));
			if (same)
				snprintf(name + strlen(name), sizeof(name) - strlen(name), " #%d",
					 same + 1);
			rc = add_what(L, g, kind, -1, name, frame);
			lua_pop(L, 1);
		}
	} else if (lua_istable(L, 1)) {
		const char *names[16];
		int n = 0;
		lua_pushnil(L);
		while (lua_next(L, 1)) {
			lua_pop(L, 1);
			if (lua_type(L, -1) != LUA_TSTRING || n == 16)
				return luaL_argerror(L, 1, "models must be a list, or a table of "
						     "name = model (at most 16)");
			names[n++] = lua_tostring(L, -1);
		}
		qsort(names, (size_t)n, sizeof(names[0]), cmp_name);
		for (int k = 0; k < n && rc == 0; k++) {
			lua_getfield(L, 1, names[k]);
			rc = add_what(L, g, kind, -1, names[k], frame);
			lua_pop(L, 1);
		}
	} else {
		return luaL_argerror(L, 1, "expected a model, an evaluation, or a list of them");
	}
	if (rc) { /* nil, message pushed by lwb_fail */
		gather_release(g);
		return rc;
	}
	if (!g->in.nscored)
		return luaL_argerror(L, 1, "no models to plot");
	g->in.scored = g->scored;
	gather_opts(L, g, optidx, kind);
	return finish(L, kind, g);
}

static int l_roc(lua_State *L) { return scored_kind(L, "roc"); }
static int l_pr(lua_State *L) { return scored_kind(L, "pr"); }
static int l_calibration(lua_State *L) { return scored_kind(L, "calibration"); }
static int l_confusion(lua_State *L) { return scored_kind(L, "confusion"); }
static int l_residuals(lua_State *L) { return scored_kind(L, "residuals"); }
static int l_predicted(lua_State *L) { return scored_kind(L, "predicted"); }

/* importance: (model | { feature = value } [, opts]) */
static int l_importance(lua_State *L)
{
	struct gather *g = gather_new(L);
	struct model *m = lwb_to_model(L, 1);
	struct plot_series *s = &g->series[0];
	if (m) {
		double *v = model_importance(m);
		if (!v) {
			struct wb_err err;
			wb_error(&err, "importance: %s has no feature importance", m->type->name);
			return lwb_fail(L, &err);
		}
		gather_keep(L, g, v);
		s->name = m->type->name;
		s->n = (size_t)m->p;
		s->y = v;
		s->labels = (const char *const *)m->features;
	} else {
		luaL_checktype(L, 1, LUA_TTABLE);
		size_t n = 0;
		lua_pushnil(L);
		while (lua_next(L, 1)) {
			lua_pop(L, 1);
			n++;
		}
		const char **labels = xcalloc(n + 1, sizeof(char *));
		double *v = gather_buf(L, g, n);
		g->labels[g->nlabels++] = labels;
		size_t k = 0;
		lua_pushnil(L);
		while (lua_next(L, 1)) {
			if (lua_type(L, -2) != LUA_TSTRING || !lua_isnumber(L, -1)) {
				gather_release(g);
				return luaL_argerror(L, 1, "expected a model or a table of "
						     "feature = importance");
			}
			labels[k] = lua_tostring(L, -2);
			v[k++] = lua_tonumber(L, -1);
			lua_pop(L, 1);
		}
		s->name = "importance";
		s->n = n;
		s->y = v;
		s->labels = labels;
	}
	g->in.series = g->series;
	g->in.nseries = 1;
	gather_opts(L, g, 2, "importance");
	return finish(L, "importance", g);
}

/* learning: ([run id] [, opts]) from the run log's per-round metrics. */
static int l_learning(lua_State *L)
{
	struct gather *g = gather_new(L);
	struct lwb_session *s = lwb_get_session(L);
	int optidx = lua_type(L, 1) == LUA_TSTRING ? 2 : 1;
	const char *id = optidx == 2 ? lua_tostring(L, 1) : s ? s->run_id : NULL;
	if (!s || !s->rl || !id || !*id)
		return luaL_error(L, "wb.plot.learning: needs a run log (inside wb run, the REPL "
				  "or the TUI), or use wb.plot.line with your own series");
	struct wb_err err;
	if (runlog_show_run(s->rl, id, &g->runjson, &err) < 0)
		return lwb_fail(L, &err);
	/* Series = metrics logged with a step, in first-appearance order;
	 * train_* and valid_* (gbdt's rounds) when there are any. */
	json_t *metrics = json_object_get(g->runjson, "metrics");
	const char *keys[64];
	int nk = 0, want_rounds = 0;
	for (int pass = 0; pass < 2 && !nk; pass++) {
		size_t i;
		json_t *row;
		json_array_foreach(metrics, i, row) {
			const char *key = json_string_value(json_object_get(row, "key"));
			json_t *st = json_object_get(row, "step");
			if (!key || !json_is_integer(st) || json_integer_value(st) < 0)
				continue;
			want_rounds = !strncmp(key, "train_", 6) || !strncmp(key, "valid_", 6);
			if (pass == 0 && !want_rounds)
				continue;
			int seen = 0;
			for (int k = 0; k < nk && !seen; k++)
				seen = !strcmp(keys[k], key);
			if (!seen && nk < 64)
				keys[nk++] = key;
		}
	}
	if (!nk) {
		gather_release(g);
		wb_error(&err, "learning: run %.12s has no per-round metrics (train a gbdt, or "
			 "log with wb.log_metric(key, value, step))", id);
		return lwb_fail(L, &err);
	}
	for (int k = 0; k < nk; k++) {
		size_t n = 0, i;
		json_t *row;
		json_array_foreach(metrics, i, row)
			n += !strcmp(json_string_value(json_object_get(row, "key")), keys[k]) &&
			     json_integer_value(json_object_get(row, "step")) >= 0;
		double *x = gather_buf(L, g, n), *y = gather_buf(L, g, n);
		size_t at = 0;
		json_array_foreach(metrics, i, row) {
			if (strcmp(json_string_value(json_object_get(row, "key")), keys[k]) ||
			    json_integer_value(json_object_get(row, "step")) < 0)
				continue;
			x[at] = (double)json_integer_value(json_object_get(row, "step"));
			y[at++] = json_number_value(json_object_get(row, "value"));
		}
		g->series[k].name = keys[k];
		g->series[k].n = n;
		g->series[k].x = x;
		g->series[k].y = y;
	}
	g->in.series = g->series;
	g->in.nseries = nk;
	gather_opts(L, g, optidx, "learning");
	return finish(L, "learning", g);
}

/* cv: (wb.cv result [, opts]) */
static int cv_series(lua_State *L, struct gather *g, int entry, const char *metric, int k)
{
	lua_getfield(L, entry, "folds");
	int folds = lua_gettop(L);
	if (!lua_istable(L, folds))
		return luaL_argerror(L, 1, "expected the result of wb.cv (no 'folds')");
	size_t n = lua_rawlen(L, folds);
	double *y = gather_buf(L, g, n);
	for (size_t i = 0; i < n; i++) {
		lua_rawgeti(L, folds, (lua_Integer)i + 1);
		lua_getfield(L, -1, metric);
		y[i] = lua_isnumber(L, -1) ? lua_tonumber(L, -1) : NAN;
		lua_pop(L, 2);
	}
	lua_pop(L, 1);
	g->series[k].n = n;
	g->series[k].y = y;
	return 0;
}

static int l_cv(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	struct gather *g = gather_new(L);
	lua_getfield(L, 1, "metric");
	const char *metric = lua_tostring(L, -1);
	if (!no_arg(L, g, 2)) {
		luaL_checktype(L, 2, LUA_TTABLE);
		lua_getfield(L, 2, "metric");
		if (lua_isstring(L, -1))
			metric = lua_tostring(L, -1);
	}
	if (!metric)
		return luaL_argerror(L, 1, "expected the result of wb.cv (no 'metric')");
	lua_getfield(L, 1, "models");
	int n = 0;
	if (lua_istable(L, -1)) {
		int models = lua_gettop(L);
		for (lua_Integer k = 1; k <= (lua_Integer)lua_rawlen(L, models) && n < 64; k++, n++) {
			lua_rawgeti(L, models, k);
			lua_getfield(L, -1, "name");
			g->series[n].name = lua_tostring(L, -1);
			lua_pop(L, 1);
			cv_series(L, g, lua_gettop(L), metric, n);
			lua_pop(L, 1);
		}
	} else {
		lua_getfield(L, 1, "name");
		g->series[0].name = lua_isstring(L, -1) ? lua_tostring(L, -1) : "model";
		cv_series(L, g, 1, metric, 0);
		n = 1;
	}
	g->in.series = g->series;
	g->in.nseries = n;
	gather_opts(L, g, 2, "cv");
	if (!json_object_get(g->opts ? g->opts : json_null(), "metric")) {
		if (!g->opts)
			g->opts = json_object();
		json_object_set_new(g->opts, "metric", json_string(metric));
	}
	return finish(L, "cv", g);
}

/* gnuplot: (script [, frame] [, {cols}] [, opts]) */
static int l_gnuplot(lua_State *L)
{
	struct gather *g = gather_new(L);
	luaL_checkstring(L, 1);
	int i = 2;
	g->in.frame = g->nargs >= 2 ? lwb_to_frame(L, 2) : NULL;
	if (g->in.frame)
		i++;
	if (g->in.frame && i <= g->nargs && is_list(L, i)) {
		lua_Integer n = (lua_Integer)lua_rawlen(L, i);
		for (lua_Integer k = 1; k <= n && g->in.ncols < 64; k++) {
			lua_rawgeti(L, i, k);
			g->cols[g->in.ncols++] = luaL_checkstring(L, -1);
			lua_pop(L, 1);
		}
		i++;
	}
	g->in.cols = g->cols;
	gather_opts(L, g, i, "gnuplot");
	if (!g->opts)
		g->opts = json_object();
	json_object_set_new(g->opts, "script", json_string(lua_tostring(L, 1)));
	return finish(L, "gnuplot", g);
}

/*** wb.plot.kinds() -> { { name, summary, takes }, ... } */
static int l_kinds(lua_State *L)
{
	const char *const *names = plot_kind_names();
	lua_newtable(L);
	for (int k = 0; names[k]; k++) {
		const struct plot_kind *pk = plot_kind_find(names[k]);
		lua_createtable(L, 0, 3);
		lua_pushstring(L, pk->name);
		lua_setfield(L, -2, "name");
		lua_pushstring(L, pk->summary);
		lua_setfield(L, -2, "summary");
		lua_pushstring(L, pk->takes);
		lua_setfield(L, -2, "takes");
		lua_rawseti(L, -2, k + 1);
	}
	return 1;
}

/*** wb.plot.sixel() -> boolean: would :show() draw sixel here? */
static int l_sixel(lua_State *L)
{
	lua_pushboolean(L, show_format(L) == PLOT_SIXEL);
	return 1;
}

/*** wb.plot.close() stops the gnuplot process (it restarts on demand). */
static int l_close(lua_State *L)
{
	if (lua_getfield(L, LUA_REGISTRYINDEX, LWB_GNUPLOT_KEY) == LUA_TUSERDATA) {
		struct lgnuplot *g = lua_touserdata(L, -1);
		gnuplot_free(g->gp);
		g->gp = NULL;
		lua_pushnil(L);
		lua_setfield(L, LUA_REGISTRYINDEX, LWB_GNUPLOT_KEY);
	}
	return 0;
}

/*** wb.plot.pid() -> the gnuplot process id, or nil when none runs. */
static int l_pid(lua_State *L)
{
	if (lua_getfield(L, LUA_REGISTRYINDEX, LWB_GNUPLOT_KEY) == LUA_TUSERDATA) {
		struct lgnuplot *g = lua_touserdata(L, -1);
		pid_t pid = g->gp ? gnuplot_pid(g->gp) : 0;
		if (pid > 0) {
			lua_pushinteger(L, pid);
			return 1;
		}
	}
	lua_pushnil(L);
	return 1;
}

static const luaL_Reg plot_methods[] = {
	{ "show", plot_show_l }, { "save", plot_save_l }, { "text", plot_text_l },
	{ "sixel", plot_sixel_l }, { "script", plot_script_l }, { "info", plot_info_l },
	{ NULL, NULL },
};

static const luaL_Reg plot_funcs[] = {
	{ "hist", l_hist }, { "bar", l_bar }, { "scatter", l_scatter }, { "line", l_line },
	{ "box", l_box }, { "corr", l_corr }, { "roc", l_roc }, { "pr", l_pr },
	{ "calibration", l_calibration }, { "confusion", l_confusion },
	{ "importance", l_importance }, { "residuals", l_residuals },
	{ "predicted", l_predicted }, { "learning", l_learning }, { "cv", l_cv },
	{ "gnuplot", l_gnuplot }, { "kinds", l_kinds }, { "sixel", l_sixel },
	{ "close", l_close }, { "pid", l_pid }, { NULL, NULL },
};

void lwb_open_plot(lua_State *L)
{
	luaL_newmetatable(L, LWB_GATHER);
	lua_pushcfunction(L, gather_gc);
	lua_setfield(L, -2, "__gc");
	lua_pop(L, 1);
	luaL_newmetatable(L, LWB_GNUPLOT);
	lua_pushcfunction(L, gnuplot_gc);
	lua_setfield(L, -2, "__gc");
	lua_pop(L, 1);
	luaL_newmetatable(L, LWB_PLOT);
	lua_pushcfunction(L, plot_gc);
	lua_setfield(L, -2, "__gc");
	lua_pushcfunction(L, plot_tostring);
	lua_setfield(L, -2, "__tostring");
	lua_newtable(L);
	luaL_setfuncs(L, plot_methods, 0);
	lua_setfield(L, -2, "__index");
	lua_pop(L, 1);
	lua_newtable(L);
	luaL_setfuncs(L, plot_funcs, 0);
	lua_setfield(L, -2, "plot");
}
