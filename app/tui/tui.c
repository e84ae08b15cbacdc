/*
 * tui — the loop, the layout, the Lua glue and the terminal's safety net.
 *
 * Signals: handlers only set flags (SIGINT outside a Lua call, SIGTERM,
 * SIGHUP); while Lua runs, the session's own handler turns Ctrl-C into an
 * "interrupted" error instead.  The terminal is in cbreak mode with ISIG
 * on, so Ctrl-C is a signal, not a key; IXON is off so Ctrl-S reaches us.
 * Fatal signals (SEGV, BUS, FPE, ILL, ABRT) restore the terminal and
 * re-raise with the previous disposition, so a sanitizer or a core dump
 * still sees them.
 *
 * Output: curses writes to its own descriptor of the terminal; fds 1 and 2
 * point at an unlinked temporary file while the screen is up, so notes
 * from the engine, io.write and gnuplot's complaints cannot scribble on the
 * screen.  After each Lua call, new text there goes to the console.
 */
#include "tui/tui.h"
#include "tui/actions.h"
#include "tui/grid.h"
#include "tui/ops.h"
#include "tui/prompt.h"
#include "repl/console.h"
#include "cli/cli.h"
#include "lua/lua_host.h"
#include "lua/lua_wb.h"

#include <errno.h>
#include <fcntl.h>
#include <lauxlib.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

enum { KEY_TIMEOUT_MS = 200 };

/* ------------------------------------------------- the safety net */

static volatile sig_atomic_t got_sigint, got_term;
static volatile sig_atomic_t screen_up;
static int saved_out = -1, saved_err = -1, capture_fd = -1;
static off_t capture_off;
static FILE *tty_out;
static SCREEN *screen;

static const int fatal_signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
#define NFATAL (int)(sizeof(fatal_signals) / sizeof(fatal_signals[0]))
static struct sigaction old_fatal[NFATAL], old_int, old_term, old_hup, old_quit;

/* Puts the terminal and fds 1 and 2 back.  Safe to call twice and from a
 * signal handler in practice (endwin is what htop and vis call there). */
static void restore_terminal(void)
{
	if (screen_up) {
		screen_up = 0;
		endwin();
		if (tty_out)
			fflush(tty_out);
	}
	if (saved_out >= 0)
		dup2(saved_out, 1);
	if (saved_err >= 0)
		dup2(saved_err, 2);
}

static void on_fatal(int sig)
{
	restore_terminal();
	for (int k = 0; k < NFATAL; k++)
		if (fatal_signals[k] == sig)
			sigaction(sig, &old_fatal[k], NULL);
	raise(sig);
}

static void on_bug(const char *msg)
{
	restore_terminal();
	fprintf(stderr, "wb: %s\n", msg);
}

static void on_bug_plain(const char *msg)
{
	fprintf(stderr, "wb: %s\n", msg);
}

static void on_sigint(int sig)
{
	(void)sig;
	got_sigint = 1;
}

static void on_term(int sig)
{
	(void)sig;
	got_term = 1;
}

int tui_take_interrupt(void)
{
	if (!got_sigint)
		return 0;
	got_sigint = 0;
	return 1;
}

static void install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fatal;
	for (int k = 0; k < NFATAL; k++)
		sigaction(fatal_signals[k], &sa, &old_fatal[k]);
	sa.sa_handler = on_sigint;
	sigaction(SIGINT, &sa, &old_int);
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGHUP, &sa, &old_hup);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGQUIT, &sa, &old_quit);
}

static void remove_signals(void)
{
	for (int k = 0; k < NFATAL; k++)
		sigaction(fatal_signals[k], &old_fatal[k], NULL);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGHUP, &old_hup, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
}

/* fds 1 and 2 into a temporary file; curses gets the terminal. */
static int start_capture(void)
{
	fflush(stdout);
	fflush(stderr);
	const char *dir = getenv("TMPDIR");
	char path[512];
	snprintf(path, sizeof(path), "%s/wb-tui.XXXXXX", dir && *dir ? dir : "/tmp");
	int fd = mkstemp(path);
	if (fd < 0) {
		snprintf(path, sizeof(path), "/tmp/wb-tui.XXXXXX");
		fd = mkstemp(path);
	}
	if (fd < 0)
		return -1;
	unlink(path);
	saved_out = dup(1);
	saved_err = dup(2);
	int ttyfd = dup(1);
	tty_out = ttyfd >= 0 ? fdopen(ttyfd, "w") : NULL;
	if (saved_out < 0 || saved_err < 0 || !tty_out) {
		close(fd);
		return -1;
	}
	dup2(fd, 1);
	dup2(fd, 2);
	capture_fd = fd;
	capture_off = 0;
	return 0;
}

static void stop_capture(void)
{
	fflush(stdout);
	fflush(stderr);
	restore_terminal();
	if (saved_out >= 0)
		close(saved_out);
	if (saved_err >= 0)
		close(saved_err);
	saved_out = saved_err = -1;
	if (capture_fd >= 0)
		close(capture_fd);
	capture_fd = -1;
	if (tty_out)
		fclose(tty_out);
	tty_out = NULL;
}

/* ------------------------------------------------------- messages */

struct pending {
	char *text;
	int kind;
};

static void console_out(struct tui *t, const char *text, int kind)
{
	if (t->con) {
		console_print(t->con, text, kind);
		return;
	}
	t->pending = xreallocarray(t->pending, (size_t)t->npending + 1, sizeof(*t->pending));
	t->pending[t->npending++] = (struct pending){ xstrdup(text), kind };
}

void tui_msg(struct tui *t, enum msg_kind kind, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(t->msg, sizeof(t->msg), fmt, ap);
	va_end(ap);
	t->msg_kind = kind;
	if (kind == MSG_ERROR)
		console_out(t, t->msg, 2);
}

/* New text on fds 1 and 2 since the last look goes to the console; its
 * last line to the message line when nothing else is there. */
static void drain_capture(struct tui *t)
{
	if (capture_fd < 0)
		return;
	fflush(stdout);
	fflush(stderr);
	struct strbuf sb = STRBUF_INIT;
	char buf[8192];
	ssize_t n;
	while ((n = pread(capture_fd, buf, sizeof(buf), capture_off)) > 0) {
		capture_off += n;
		strbuf_add(&sb, buf, (size_t)n);
		if (sb.len > (1u << 20)) /* keep the end of a flood */
			strbuf_reset(&sb);
	}
	if (sb.len) {
		while (sb.len && sb.buf[sb.len - 1] == '\n')
			sb.buf[--sb.len] = '\0';
		if (sb.len) {
			console_out(t, sb.buf, 0);
			char *last = strrchr(sb.buf, '\n');
			if (!t->msg[0] || t->msg_kind == MSG_ECHO)
				tui_msg(t, MSG_INFO, "%s", last ? last + 1 : sb.buf);
		}
	}
	strbuf_release(&sb);
}

/* -------------------------------------------------------- the stack */

struct sheet *tui_top(struct tui *t)
{
	return t->nstack ? t->stack[t->nstack - 1] : NULL;
}

void tui_push(struct tui *t, struct sheet *s)
{
	if (t->nstack == t->capstack) {
		t->capstack = t->capstack ? t->capstack * 2 : 8;
		t->stack = xreallocarray(t->stack, (size_t)t->capstack, sizeof(*t->stack));
	}
	t->stack[t->nstack++] = s;
}

void tui_pop(struct tui *t)
{
	if (t->nstack == 0)
		return;
	sheet_free(t->stack[--t->nstack]);
	if (t->nstack == 0)
		t->quit = 1;
}

/* ------------------------------------------------------- Lua glue */

/* print() inside the TUI writes to the console. */
static int l_print(lua_State *L)
{
	struct tui *t = lua_touserdata(L, lua_upvalueindex(1));
	int n = lua_gettop(L); /* before luaL_buffinit, which may push a placeholder */
	luaL_Buffer b;
	luaL_buffinit(L, &b);
	for (int i = 1; i <= n; i++) {
		if (i > 1)
			luaL_addchar(&b, '\t');
		luaL_tolstring(L, i, NULL);
		luaL_addvalue(&b);
	}
	luaL_pushresult(&b);
	console_out(t, lua_tostring(L, -1), 0);
	return 0;
}

/* Runs text outside the session (setup of the TUI's own state: nothing
 * the recipe needs). */
static int setup_lua(struct tui *t, char *msg, size_t size)
{
	static const char setup[] =
		"wb.tui = require('wb.tui')\n"
		"wb.tui.active = true\n";
	if (lhost_dostring(t->L, setup, sizeof(setup) - 1, "=tui setup", msg, size) != LUA_OK)
		return -1;
	lua_pushlightuserdata(t->L, t);
	lua_pushcclosure(t->L, l_print, 1);
	lua_setglobal(t->L, "print");
	return 0;
}

/* Shows what wb.tui.open queued: frames as sheets, plots in the pane. */
static void drain_queue(struct tui *t)
{
	lua_State *L = t->L;
	int top = lua_gettop(L);
	if (lua_getglobal(L, "wb") != LUA_TTABLE || lua_getfield(L, -1, "tui") != LUA_TTABLE ||
	    lua_getfield(L, -1, "_queue") != LUA_TTABLE || lua_rawlen(L, -1) == 0) {
		lua_settop(L, top);
		return;
	}
	int q = lua_gettop(L);
	lua_Integer n = (lua_Integer)lua_rawlen(L, q);
	for (lua_Integer k = 1; k <= n; k++) {
		lua_rawgeti(L, q, k);
		int e = lua_gettop(L);
		lua_getfield(L, e, "name");
		lua_getfield(L, e, "title");
		lua_getfield(L, e, "value");
		const char *name = lua_tostring(L, e + 1);
		const char *title = lua_tostring(L, e + 2);
		struct frame *f = lwb_to_frame(L, e + 3);
		if (f) {
			tui_push(t, sheet_new(SHEET_DATA, frame_ref(f), name,
					      title ? title : "opened from Lua"));
		} else if (luaL_testudata(L, e + 3, "wb.plot")) {
			plotpane_set(&t->plot, L, e + 3, name);
			t->plot_shown = 1;
		}
		lua_settop(L, q);
	}
	lua_newtable(L);
	lua_setfield(L, q - 1, "_queue");
	lua_settop(L, top);
}

static int run_chunk(struct tui *t, const char *text, const char *chunk, int record, int echo,
		     int traceback);

/* A recorded line that calls wb.tui needs the module in a headless replay:
 * the first one is preceded by the line that loads it. */
static void ensure_preamble(struct tui *t, const char *text)
{
	if (t->preamble || !strstr(text, "wb.tui"))
		return;
	t->preamble = 1;
	run_chunk(t, "wb.tui = require(\"wb.tui\")", "=tui", 1, 1, 0);
}

static int run_chunk(struct tui *t, const char *text, const char *chunk, int record, int echo,
		     int traceback)
{
	if (record)
		ensure_preamble(t, text);
	if (echo) {
		char *e = xasprintf("> %s", text);
		console_out(t, e, 1);
		tui_msg(t, MSG_ECHO, "%s", e);
		free(e);
	}
	/* Say what runs while it runs: the screen is not redrawn until it ends. */
	if (screen_up) {
		char saved[sizeof(t->msg)];
		enum msg_kind kind = t->msg_kind;
		memcpy(saved, t->msg, sizeof(saved));
		size_t n = strcspn(text, "\n");
		snprintf(t->msg, sizeof(t->msg), "running %.*s ...  (Ctrl-C interrupts)",
			 (int)(n > 200 ? 200 : n), text);
		t->msg_kind = MSG_INFO;
		tui_draw(t);
		memcpy(t->msg, saved, sizeof(saved));
		t->msg_kind = kind;
	}
	char msg[8192];
	int st = cli_session_eval(&t->cs, text, strlen(text), chunk, record, msg, sizeof(msg));
	drain_capture(t);
	if (st != LUA_OK) {
		if (lhost_interrupted()) {
			lhost_clear_interrupt();
			snprintf(msg, sizeof(msg), "interrupted");
		}
		char *tb = strstr(msg, "\nstack traceback:");
		if (tb && !traceback)
			*tb = '\0';
		/* "tui:1: " points into a line the TUI wrote: no help to anyone. */
		if (!strcmp(chunk, "=tui") && !strncmp(msg, "tui:", 4)) {
			char *p = msg + 4;
			while (*p >= '0' && *p <= '9')
				p++;
			if (p[0] == ':' && p[1] == ' ')
				memmove(msg, p + 2, strlen(p + 2) + 1);
		}
		if (t->cs.s.last_failure[0] && strstr(msg, "nil value")) {
			size_t l = strlen(msg);
			snprintf(msg + l, sizeof(msg) - l, " (the last failed wb call said: %s)",
				 t->cs.s.last_failure);
		}
		tui_msg(t, MSG_ERROR, "%s", msg);
		return -1;
	}
	drain_queue(t);
	return 0;
}

int tui_eval(struct tui *t, const char *text)
{
	return run_chunk(t, text, "=tui", 1, 1, 0);
}

char *tui_code(struct tui *t, const char *fn)
{
	lua_State *L = t->L;
	int ctx = lua_gettop(L);
	char msg[1024];
	char *text = NULL;
	if (lua_getglobal(L, "wb") != LUA_TTABLE || lua_getfield(L, -1, "tui") != LUA_TTABLE ||
	    lua_getfield(L, -1, "code") != LUA_TTABLE ||
	    lua_getfield(L, -1, fn) != LUA_TFUNCTION) {
		tui_msg(t, MSG_ERROR, "wb.tui.code.%s is missing (was wb.tui replaced?)", fn);
		lua_settop(L, ctx - 1);
		return NULL;
	}
	lua_pushvalue(L, ctx);
	if (lhost_pcall(L, 1, 2, msg, sizeof(msg)) != LUA_OK) {
		char *tb = strstr(msg, "\nstack traceback:");
		if (tb)
			*tb = '\0';
		tui_msg(t, MSG_ERROR, "%s", msg);
	} else if (lua_type(L, -2) == LUA_TSTRING) {
		text = xstrdup(lua_tostring(L, -2));
	} else {
		tui_msg(t, MSG_ERROR, "%s", lua_isstring(L, -1) ? lua_tostring(L, -1)
								: "the action made no Lua");
	}
	lua_settop(L, ctx - 1);
	return text;
}

void tui_next_name(struct tui *t, const char *prefix, char *out, size_t size)
{
	lua_State *L = t->L;
	int top = lua_gettop(L);
	char msg[256];
	snprintf(out, size, "%s1", prefix);
	if (lua_getglobal(L, "wb") == LUA_TTABLE && lua_getfield(L, -1, "tui") == LUA_TTABLE &&
	    lua_getfield(L, -1, "name") == LUA_TFUNCTION) {
		lua_pushstring(L, prefix);
		if (lhost_pcall(L, 1, 1, msg, sizeof(msg)) == LUA_OK && lua_isstring(L, -1))
			snprintf(out, size, "%s", lua_tostring(L, -1));
	}
	lua_settop(L, top);
}

struct frame *tui_global_frame(struct tui *t, const char *name)
{
	lua_getglobal(t->L, name);
	struct frame *f = lwb_to_frame(t->L, -1);
	if (f)
		frame_ref(f);
	lua_pop(t->L, 1);
	return f;
}

int tui_show_plot(struct tui *t, const char *name)
{
	lua_State *L = t->L;
	lua_getglobal(L, name);
	int ok = luaL_testudata(L, -1, "wb.plot") != NULL;
	if (ok) {
		plotpane_set(&t->plot, L, -1, name);
		t->plot_shown = 1;
	} else {
		tui_msg(t, MSG_ERROR, "%s is not a plot", name);
	}
	lua_pop(L, 1);
	return ok ? 0 : -1;
}

int tui_save_recipe(struct tui *t, const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		tui_msg(t, MSG_ERROR, "cannot write '%s': %s", path, strerror(errno));
		return -1;
	}
	const char *text = strbuf_str(&t->cs.text);
	int lines = 0;
	for (const char *p = text; *p; p++)
		lines += *p == '\n';
	fprintf(f, "-- recorded by `wb` (the TUI), run %.8s; `wb run %s` replays it\n",
		t->cs.s.run_id, path);
	fputs(text, f);
	if (fclose(f) != 0) {
		tui_msg(t, MSG_ERROR, "cannot write '%s': %s", path, strerror(errno));
		return -1;
	}
	tui_msg(t, MSG_INFO, "saved %d line%s of Lua to %s: `wb run %s` replays them", lines,
		lines == 1 ? "" : "s", path, path);
	return 0;
}

/* ----------------------------------------------------------- console */

void tui_focus_console(struct tui *t, int on)
{
	t->con_focus = on;
	if (on)
		t->con_shown = 1;
	curs_set(on ? 1 : 0);
}

static int compiles(lua_State *L, const char *text)
{
	int ok = luaL_loadbufferx(L, text, strlen(text), "=console", "t") == LUA_OK;
	lua_pop(L, 1);
	return ok;
}

/* A line typed in the console.  An expression (or a call) is run once
 * with its values kept and printed; a line that is a statement is
 * recorded as typed, so the recipe holds exactly what the user wrote. */
static void console_lua(struct tui *t, const char *line)
{
	lua_State *L = t->L;
	char *ret = xasprintf("return %s", line);
	int is_expr = compiles(L, ret), is_stmt = compiles(L, line);
	free(ret);
	if (!is_expr) {
		run_chunk(t, line, "=console", 1, 0, 1);
		return;
	}
	if (is_stmt)
		ensure_preamble(t, line);
	char *text = xasprintf("wb.tui._last = table.pack(%s\n)", line);
	int rc = run_chunk(t, text, "=console", 0, 0, 1);
	free(text);
	if (rc < 0)
		return;
	if (is_stmt) /* a call: it may have done something worth replaying */
		cli_session_record(&t->cs, line, strlen(line));
	int top = lua_gettop(L);
	static const char show[] =
		"local r = wb.tui._last; wb.tui._last = nil\n"
		"if r.n == 0 then return '' end\n"
		"local plot = r.n == 1 and getmetatable(r[1]) and getmetatable(r[1]).__name == 'wb.plot'\n"
		"local ok, pretty = pcall(require, 'wb.pretty')\n"
		"local text\n"
		"if ok and pretty.results then text = pretty.results(r.n, table.unpack(r, 1, r.n))\n"
		"else local t = {} for i = 1, r.n do t[i] = tostring(r[i]) end\n"
		"  text = table.concat(t, '\\t') end\n"
		"return text, plot and r[1] or nil\n";
	char msg[2048];
	if (luaL_loadbufferx(L, show, sizeof(show) - 1, "=console", "t") == LUA_OK &&
	    lhost_pcall(L, 0, 2, msg, sizeof(msg)) == LUA_OK) {
		if (lua_isstring(L, -2) && lua_rawlen(L, -2))
			console_out(t, lua_tostring(L, -2), 0);
		if (!lua_isnil(L, -1)) {
			plotpane_set(&t->plot, L, -1, "");
			t->plot_shown = 1;
		}
	}
	lua_settop(L, top);
}

static void console_command(struct tui *t, const char *cmd)
{
	char word[32] = "", arg[1024] = "";
	sscanf(cmd, " %31s %1023[^\n]", word, arg);
	size_t al = strlen(arg);
	while (al && arg[al - 1] == ' ')
		arg[--al] = '\0';
	if (!strcmp(word, "save") || !strcmp(word, "w")) {
		if (!arg[0])
			tui_msg(t, MSG_ERROR, ":save needs a file name (:save recipe.lua)");
		else
			tui_save_recipe(t, arg);
	} else if (!strcmp(word, "q") || !strcmp(word, "quit")) {
		t->quit = 1;
	} else if (!strcmp(word, "help")) {
		tui_focus_console(t, 0);
		actions_help(t);
	} else if (!strcmp(word, "open") && arg[0]) {
		char msg[1024];
		if (op_open_file(t, arg, msg, sizeof(msg)) == 0)
			tui_focus_console(t, 0);
	} else {
		tui_msg(t, MSG_ERROR, "unknown command ':%s' (:save FILE, :open FILE.csv, :help, :q)",
			word);
	}
}

/* True when text is the start of a chunk that more lines could finish
 * (the parser stopped at the end: "... near <eof>"), as lua.c decides. */
static int incomplete(lua_State *L, const char *text)
{
	char *ret = xasprintf("return %s", text);
	int ok = luaL_loadbufferx(L, ret, strlen(ret), "=console", "t") == LUA_OK;
	lua_pop(L, 1);
	free(ret);
	if (ok)
		return 0;
	int st = luaL_loadbufferx(L, text, strlen(text), "=console", "t");
	size_t len = 0;
	const char *msg = st == LUA_ERRSYNTAX ? lua_tolstring(L, -1, &len) : NULL;
	int more = msg && len >= 5 && !strcmp(msg + len - 5, "<eof>");
	lua_pop(L, 1);
	return more;
}

static void on_line(void *ud, const char *line)
{
	struct tui *t = ud;
	const char *p = line;
	while (*p == ' ' || *p == '\t')
		p++;
	if (t->partial.len) {
		/* Lines of an unfinished chunk: an empty one gives up. */
		if (!*p) {
			strbuf_reset(&t->partial);
			tui_msg(t, MSG_INFO, "the unfinished chunk was dropped");
			return;
		}
		strbuf_adds(&t->partial, "\n");
		strbuf_adds(&t->partial, line);
		if (incomplete(t->L, t->partial.buf)) {
			tui_msg(t, MSG_INFO, "... the chunk goes on (an empty line drops it)");
			return;
		}
		char *chunk = strbuf_detach(&t->partial, NULL);
		t->msg[0] = '\0';
		console_lua(t, chunk);
		free(chunk);
		return;
	}
	if (!*p) {
		tui_focus_console(t, 0);
		return;
	}
	t->msg[0] = '\0';
	if (*p == ':') {
		console_command(t, p + 1);
		return;
	}
	/* "save FILE" is not Lua (two names in a row): take it as :save. */
	char w1[16], w2[1024];
	if (sscanf(p, "%15s %1023s", w1, w2) == 2 && !strcmp(w1, "save") && w2[0] != '(' &&
	    w2[0] != '"' && w2[0] != '\'' && w2[0] != '{' && w2[0] != '[' && w2[0] != '=') {
		console_command(t, p);
		return;
	}
	if (incomplete(t->L, p)) {
		strbuf_adds(&t->partial, p);
		tui_msg(t, MSG_INFO, "... the chunk goes on (an empty line drops it)");
		return;
	}
	console_lua(t, p);
}

/* A key while the console has the focus.  Esc alone goes back to the
 * sheet; Esc followed at once by a key is Alt-key for readline. */
static void console_input(struct tui *t, int ch)
{
	if (ch == 27) {
		wtimeout(t->conwin, 0);
		int next = wgetch(t->conwin);
		wtimeout(t->conwin, KEY_TIMEOUT_MS);
		if (next == ERR) {
			tui_focus_console(t, 0);
			return;
		}
		console_key(t->con, 27);
		console_key(t->con, next);
		return;
	}
	console_key(t->con, ch);
}

/* ------------------------------------------------------------ layout */

struct layout {
	int gy, gh, gw;         /* grid (at x 0) */
	int py, px, ph, pw;     /* plot pane, ph 0 when none */
	int cy, ch;             /* console, ch 0 when hidden */
	int sy, my;             /* status and message lines, -1 when no room */
};

static void layout(const struct tui *t, struct layout *l)
{
	int H = LINES, W = COLS;
	memset(l, 0, sizeof(*l));
	l->my = H >= 2 ? H - 1 : -1;
	l->sy = H >= 3 ? H - 2 : -1;
	int bottom = l->sy >= 0 ? l->sy : l->my >= 0 ? l->my : H;
	if (t->con_shown && bottom >= 6) {
		l->ch = bottom / 3;
		l->ch = l->ch < 3 ? 3 : l->ch > 12 ? 12 : l->ch;
	}
	l->cy = bottom - l->ch;
	l->gh = l->cy;
	l->gw = W;
	if (t->plot_shown && !plotpane_empty(&t->plot) && l->gh > 0) {
		if (W >= 100) {
			l->pw = W / 2;
			l->gw = W - l->pw - 1;
			l->px = l->gw + 1;
			l->py = 0;
			l->ph = l->gh;
		} else if (l->gh >= 8) {
			l->ph = l->gh / 2 + 1;
			l->gh -= l->ph;
			l->py = l->gh;
			l->px = 0;
			l->pw = W;
		}
	}
}

/* The console's window follows the layout. */
static void place_console(struct tui *t, const struct layout *l)
{
	if (!t->con || l->ch <= 0)
		return;
	int h, w, y, x;
	getmaxyx(t->conwin, h, w);
	getbegyx(t->conwin, y, x);
	if (h == l->ch && w == COLS && y == l->cy && x == 0)
		return;
	WINDOW *nw = newwin(l->ch, COLS, l->cy, 0);
	if (!nw)
		return;
	keypad(nw, TRUE);
	meta(nw, TRUE);
	wtimeout(nw, KEY_TIMEOUT_MS);
	console_resize(t->con, nw);
	delwin(t->conwin);
	t->conwin = nw;
}

int tui_grid_height(const struct tui *t)
{
	return t->grid_h;
}

static void draw_status(struct tui *t, int y)
{
	int W = COLS;
	struct sheet *s = tui_top(t);
	char left[512] = "", right[160];
	size_t n = 0;
	const char *sep = grid_utf8 ? " \xe2\x80\xba " : " > ";
	for (int k = 0; k < t->nstack && n < sizeof(left) - 1; k++) {
		const struct sheet *x = t->stack[k];
		/* A view has no global: its first word says what it is. */
		int len = x->name[0] ? (int)strlen(x->name) : (int)strcspn(x->what, " ");
		n += (size_t)snprintf(left + n, sizeof(left) - n, "%s%.*s", k ? sep : " ",
				      len ? len : 4, x->name[0] ? x->name : len ? x->what : "view");
	}
	if (n < sizeof(left) - 1 && s->what[0])
		snprintf(left + n, sizeof(left) - n, "  %s", s->what);
	char marks[48] = "";
	if (s->nmarks)
		snprintf(marks, sizeof(marks), "%zu marked  ", s->nmarks);
	/* Narrow windows get the short form, so the sheet's name still shows. */
	int narrow = W < 60;
	int rn = snprintf(right, sizeof(right), narrow ? " %s%s%s%zu/%zu %d/%d "
					    : " %s%s%srow %zu/%zu  col %d/%d ",
			  t->con_focus ? "LUA  " : "",
			  t->prefix ? (t->prefix == 'g' ? "g- " : "z- ") : "", narrow ? "" : marks,
			  s->nrows ? s->cur + 1 : 0, s->nrows, s->ncols ? s->ccol + 1 : 0, s->ncols);
	attr_t a = grid_attr(PAIR_STATUS);
	int rw = rn < W ? rn : W;
	draw_text(stdscr, y, 0, W - rw, left, strlen(left), 0, a);
	if (rw > 0)
		draw_text(stdscr, y, W - rw, rw, right, (size_t)rn, 1, a);
}

static void draw_message(struct tui *t, int y)
{
	const char *m = t->msg;
	attr_t a = t->msg_kind == MSG_ERROR ? grid_attr(PAIR_ERROR)
		   : t->msg_kind == MSG_ECHO ? grid_attr(PAIR_ECHO) : A_NORMAL;
	if (!m[0] && t->con_focus) {
		m = "Lua console: Enter runs a line; Esc or an empty line goes back; "
		    ":save FILE writes the recipe";
		a = grid_attr(PAIR_HINT);
	}
	const char *nl = strchr(m, '\n');
	size_t len = nl ? (size_t)(nl - m) : strlen(m);
	draw_text(stdscr, y, 0, COLS, m, len, 0, a);
}

void tui_draw(struct tui *t)
{
	struct layout l;
	layout(t, &l);
	t->grid_h = l.gh;
	werase(stdscr);
	struct sheet *s = tui_top(t);
	if (s && l.gh > 0 && l.gw > 0)
		grid_draw(stdscr, s, l.gy, 0, l.gh, l.gw);
	if (l.ph > 0) {
		if (l.px > 0)
			for (int k = 0; k < l.ph; k++)
				mvwaddch(stdscr, l.py + k, l.px - 1, ' ' | grid_attr(PAIR_STATUS));
		plotpane_draw(&t->plot, t->L, stdscr, l.py, l.px, l.ph, l.pw);
	} else if (t->plot_shown && !plotpane_empty(&t->plot) && !t->msg[0]) {
		tui_msg(t, MSG_INFO, "the window is too small for the plot pane");
	}
	if (l.sy >= 0 && s)
		draw_status(t, l.sy);
	if (l.my >= 0)
		draw_message(t, l.my);
	wnoutrefresh(stdscr);
	if (t->con && l.ch > 0) {
		place_console(t, &l);
		touchwin(t->conwin);
		console_draw(t->con, t->con_focus);
		wnoutrefresh(t->conwin);
	} else if (t->con_focus) {
		t->con_focus = 0; /* no room for the console: back to the sheet */
		curs_set(0);
	}
	doupdate();
}

/* ------------------------------------------------------------- loop */

static void loop(struct tui *t)
{
	int dirty = 1;
	while (!t->quit && !got_term) {
		if (dirty)
			tui_draw(t);
		dirty = 0;
		WINDOW *in = t->con_focus && t->con ? t->conwin : stdscr;
		int ch = wgetch(in);
		if (tui_take_interrupt()) {
			if (t->prefix)
				t->prefix = 0;
			else
				tui_msg(t, MSG_INFO, "Ctrl-C: nothing is running (q closes a sheet, gq quits)");
			dirty = 1;
			continue;
		}
		if (ch == ERR)
			continue;
		dirty = 1;
		if (ch == KEY_RESIZE)
			continue;
		if (t->con_focus && t->con)
			console_input(t, ch);
		else
			actions_key(t, ch);
	}
}

/* ------------------------------------------------------ start and end */

static char *history_path(void)
{
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char dir[1024];
	if (state && *state)
		snprintf(dir, sizeof(dir), "%s/wb", state);
	else if (home && *home)
		snprintf(dir, sizeof(dir), "%s/.local/state/wb", home);
	else
		return NULL;
	/* mkdir -p, quietly: no history is not worth an error. */
	for (char *p = dir + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(dir, 0700);
			*p = '/';
		}
	mkdir(dir, 0700);
	return xasprintf("%s/history", dir); /* shared with wb repl */
}

static int start_screen(struct tui *t)
{
	screen = newterm(NULL, tty_out, stdin);
	if (!screen) {
		stop_capture();
		return -1;
	}
	screen_up = 1;
	set_term(screen);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	meta(stdscr, TRUE);
	set_escdelay(25);
	wtimeout(stdscr, KEY_TIMEOUT_MS);
	curs_set(0);
	/* Ctrl-S and Ctrl-Q are keys here, not flow control. */
	struct termios tio;
	if (tcgetattr(0, &tio) == 0) {
		tio.c_iflag &= ~(tcflag_t)IXON;
		tcsetattr(0, TCSANOW, &tio);
		def_prog_mode();
	}
	grid_init();
	struct layout l;
	t->con_shown = 1; /* the console window's geometry, even while hidden */
	layout(t, &l);
	t->con_shown = 0;
	int ch = l.ch > 0 ? l.ch : 1, cy = l.ch > 0 ? l.cy : 0;
	t->conwin = newwin(ch, COLS, cy, 0);
	if (t->conwin) {
		keypad(t->conwin, TRUE);
		meta(t->conwin, TRUE);
		wtimeout(t->conwin, KEY_TIMEOUT_MS);
		t->history_path = history_path();
		t->con = console_new(t->conwin, t->L, t->history_path, on_line, t);
	}
	for (int k = 0; k < t->npending; k++) {
		if (t->con)
			console_print(t->con, t->pending[k].text, t->pending[k].kind);
		free(t->pending[k].text);
	}
	free(t->pending);
	t->pending = NULL;
	t->npending = 0;
	return 0;
}

static void end_screen(struct tui *t)
{
	if (t->con)
		console_free(t->con);
	t->con = NULL;
	if (t->conwin)
		delwin(t->conwin);
	t->conwin = NULL;
	stop_capture();
	if (screen)
		delscreen(screen);
	screen = NULL;
}

static void free_all(struct tui *t)
{
	while (t->nstack)
		sheet_free(t->stack[--t->nstack]);
	free(t->stack);
	for (int k = 0; k < t->npending; k++)
		free(t->pending[k].text);
	free(t->pending);
	free(t->history_path);
	strbuf_release(&t->partial);
}

static void atexit_restore(void)
{
	restore_terminal();
}

int tui_main(const struct tui_opts *o)
{
	static int registered;
	struct tui *t = xcalloc(1, sizeof(*t));
	plotpane_init(&t->plot);
	setlocale(LC_ALL, "");
	setlocale(LC_NUMERIC, "C"); /* numbers in Lua and the engine keep the dot */

	const char *name = o->file ? o->file : "wb tui";
	struct cli_session_opts so = {
		.kind = "tui",
		.name = name,
		.log_flag = o->runlog ? o->file : NULL,
		.argc = o->argc - 1,
		.argv = o->argv + 1,
	};
	if (cli_session_open(&t->cs, &so) < 0) {
		free(t);
		return WB_EXIT_ERROR;
	}
	t->L = t->cs.L;
	char msg[4096], keys_msg[1024];
	int rc = WB_EXIT_ERROR;
	if (setup_lua(t, msg, sizeof(msg)) < 0) {
		cli_error("%s", msg);
		goto out;
	}
	actions_bind(t, keys_msg, sizeof(keys_msg));
	actions_publish(t);

	/* Output goes aside from here on: notes about the file go to the
	 * console (or, if it does not open, to stderr with the error). */
	if (start_capture() < 0) {
		cli_error("cannot set output aside: %s", strerror(errno));
		goto out;
	}
	int opened = o->file && !o->runlog ? op_open_file(t, o->file, msg, sizeof(msg))
					   : op_open_runs(t, msg, sizeof(msg));
	if (opened < 0) {
		stop_capture();
		for (int k = 0; k < t->npending; k++)
			if (t->pending[k].kind == 0)
				fprintf(stderr, "%s\n", t->pending[k].text);
		cli_error("%s", msg);
		cli_session_close(&t->cs, "failed", msg);
		free_all(t);
		free(t);
		return WB_EXIT_ERROR;
	}
	if (!registered) {
		atexit(atexit_restore);
		registered = 1;
	}
	install_signals();
	wb_set_bug_handler(on_bug);
	if (start_screen(t) < 0) {
		stop_capture();
		wb_set_bug_handler(on_bug_plain);
		remove_signals();
		cli_error("cannot start the terminal screen (TERM=%s)",
			  getenv("TERM") ? getenv("TERM") : "unset");
		goto out;
	}
	if (keys_msg[0])
		tui_msg(t, MSG_ERROR, "%s", keys_msg);
	else if (!t->msg[0] || t->msg_kind == MSG_ECHO) {
		char first[1024];
		snprintf(first, sizeof(first), "%.900s", t->msg);
		tui_msg(t, MSG_ECHO, "%.900s   (? lists the keys, : opens the Lua console, q quits)",
			first);
	}
	loop(t);
	end_screen(t);
	wb_set_bug_handler(on_bug_plain);
	remove_signals();
	rc = got_term ? 130 : WB_EXIT_OK;
out:
	stop_capture();
	plotpane_clear(&t->plot, t->L);
	free_all(t);
	char id[16];
	snprintf(id, sizeof(id), "%.8s", t->cs.s.run_id);
	size_t nbytes = t->cs.text.len;
	if (cli_session_close(&t->cs, rc == WB_EXIT_OK ? "ok" : got_term ? "interrupted" : "failed",
			      NULL) < 0 && rc == WB_EXIT_OK)
		rc = WB_EXIT_ERROR;
	if (rc == WB_EXIT_OK && nbytes)
		fprintf(stderr, "wb: session recorded as run %s (`wb show %s`)\n", id, id);
	free(t);
	return rc;
}
