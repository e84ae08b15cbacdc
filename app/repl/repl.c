/*
 * repl — the readline REPL (see repl.h).
 *
 * Reading uses readline's callback interface inside a select() loop, not
 * readline(): the loop also watches a self-pipe written by the signal
 * handlers, so Ctrl-C at the prompt cancels the line (and any pending
 * multi-line chunk) without longjmp, and a resize or Ctrl-Z is handled
 * between keys.  While a chunk runs the line handler is removed, so the
 * terminal is back in its normal mode: output prints as usual and Ctrl-C
 * reaches cli_session_eval's handler, which interrupts the Lua code.
 *
 * A chunk's values come back through a trampoline: the compiled chunk sits
 * in the registry and the session runs "__wb_repl_run()", a C function
 * that calls it and keeps every result (the session's eval discards a
 * chunk's own results).  The global exists only while the chunk runs.
 */
#include "repl/repl.h"
#include "repl/complete.h"
#include "cli/cli.h"
#include "cli/session.h"
#include "core/err.h"
#include "core/strbuf.h"
#include "lua/lua_host.h"

#include <errno.h>
#include <fcntl.h>
#include <lauxlib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <unistd.h>
#include <readline/history.h>
#include <readline/readline.h>

enum { HISTORY_MAX = 1000, MSG_MAX = 8192 };

#define PROMPT "wb> "
#define PROMPT_MORE "..> "
#define CHUNKNAME "=stdin"
#define TRAMPOLINE "__wb_repl_run"
#define CHUNK_KEY "wb.repl.chunk"           /* registry: what the trampoline runs */
#define RESULTS_KEY "wb.repl.results"       /* registry: { n = ..., values... } */
#define PRETTY_KEY "wb.repl.pretty"         /* registry: require "wb.pretty" */

/* ---- chunks ------------------------------------------------------------ */

/* lua.c's test: a syntax error at the end of the text means "more to come". */
static int at_eof(lua_State *L, int status)
{
	if (status != LUA_ERRSYNTAX)
		return 0;
	size_t len;
	const char *m = lua_tolstring(L, -1, &len);
	return m && len >= 5 && !strcmp(m + len - 5, "<eof>");
}

/* Compiles prefix + text + suffix as one chunk named stdin; pushes the
 * function or the message. */
static int compile(lua_State *L, const char *prefix, const char *text, size_t len,
		   const char *suffix)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_adds(&sb, prefix);
	strbuf_add(&sb, text, len);
	strbuf_adds(&sb, suffix);
	int status = luaL_loadbufferx(L, strbuf_str(&sb), sb.len, CHUNKNAME, "t");
	strbuf_release(&sb);
	return status;
}

static void pop_message(lua_State *L, char *msg, size_t size)
{
	const char *m = lua_tostring(L, -1);
	snprintf(msg, size, "%s", m ? m : "(no message)");
	lua_pop(L, 1);
}

enum repl_chunk repl_classify(lua_State *L, const char *text, size_t len, char *msg, size_t size)
{
	int forced = len && text[0] == '=';
	if (forced) {
		text++;
		len--;
	}
	int status = compile(L, "return ", text, len, "");
	int expr_eof = at_eof(L, status);
	if (status == LUA_OK || forced) {
		if (status != LUA_OK && !expr_eof)
			pop_message(L, msg, size);
		else
			lua_pop(L, 1);
		return status == LUA_OK ? REPL_EXPR : expr_eof ? REPL_INCOMPLETE : REPL_SYNTAX;
	}
	lua_pop(L, 1);
	status = compile(L, "", text, len, "");
	/* "{" alone is no statement but the start of an expression. */
	if (status != LUA_OK && (expr_eof || at_eof(L, status))) {
		lua_pop(L, 1);
		return REPL_INCOMPLETE;
	}
	if (status != LUA_OK) {
		pop_message(L, msg, size);
		return REPL_SYNTAX;
	}
	lua_pop(L, 1);
	return REPL_STATEMENT;
}

/* Calls the chunk in the registry and keeps all its results there. */
static int trampoline(lua_State *L)
{
	lua_settop(L, 0);
	lua_getfield(L, LUA_REGISTRYINDEX, CHUNK_KEY);
	lua_pushnil(L);
	lua_setfield(L, LUA_REGISTRYINDEX, CHUNK_KEY);
	lua_call(L, 0, LUA_MULTRET);
	int n = lua_gettop(L);
	lua_createtable(L, n, 1);
	lua_insert(L, 1);
	for (int i = n; i >= 1; i--)
		lua_rawseti(L, 1, i);
	lua_pushinteger(L, n);
	lua_setfield(L, 1, "n");
	lua_setfield(L, LUA_REGISTRYINDEX, RESULTS_KEY);
	return 0;
}

/* Pops the value on top into the globals without metamethods (a strict
 * mode's __newindex would raise here, outside any protected call). */
static void set_global_raw(lua_State *L, const char *name)
{
	lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
	lua_pushstring(L, name);
	lua_pushvalue(L, -3);
	lua_rawset(L, -3);
	lua_pop(L, 2);
}

/* Records a chunk that ran through the trampoline, wrapped in prefix and
 * suffix (a top-level return becomes "do ... end" so the recipe compiles). */
static void record(struct cli_session *cs, const char *prefix, const char *text, size_t len,
		   const char *suffix)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_adds(&sb, prefix);
	strbuf_add(&sb, text, len);
	strbuf_adds(&sb, suffix);
	cli_session_record(cs, sb.buf, sb.len);
	strbuf_release(&sb);
}

/* A traceback line of the user's code: not C, not the trampoline, not one
 * of wb's own Lua modules (<datadir>/lua/wb/train.lua, ...). */
static int is_user_frame(const char *line, size_t len)
{
	static const char *const internal[] = { "[C]:", "(repl):", "(...tail calls...)", NULL };
	for (int k = 0; internal[k]; k++)
		if (len >= strlen(internal[k]) && !memcmp(line, internal[k], strlen(internal[k])))
			return 0;
	return !memmem(line, len, "/lua/wb/", 8);
}

/* Cuts a traceback to the user's frames, and drops it when all that is
 * left is the chunk itself (a one-line chunk's error needs no traceback).
 * In place: the result is never longer. */
static void trim_traceback(char *msg)
{
	static const char head[] = "\nstack traceback:";
	char *tb = strstr(msg, head);
	if (!tb)
		return;
	struct strbuf keep = STRBUF_INIT;
	int frames = 0, in_function = 0;
	strbuf_adds(&keep, head);
	for (char *p = tb + strlen(head); *p;) {
		if (*p == '\n')
			p++;
		char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char *line = p;
		size_t llen = len;
		while (llen && (*line == '\t' || *line == ' ')) {
			line++;
			llen--;
		}
		if (llen && is_user_frame(line, llen)) {
			strbuf_adds(&keep, "\n\t");
			strbuf_add(&keep, line, llen);
			frames++;
			if (!memmem(line, llen, "in main chunk", 13))
				in_function = 1;
		}
		p += len;
	}
	if ((frames > 1 || in_function) && keep.len <= strlen(tb))
		memcpy(tb, keep.buf, keep.len + 1);
	else
		*tb = '\0';
	strbuf_release(&keep);
}

static int chunk_failed_call;    /* the last chunk had a wb call fail */

int repl_eval(struct cli_session *cs, const char *text, size_t len, int *nresults, char *msg,
	      size_t size)
{
	lua_State *L = cs->L;
	*nresults = 0;
	if (len && text[0] == '=') {
		text++;
		len--;
	}
	/* Which failure is this chunk's own: the earlier one stays for the
	 * hint when this chunk then trips over its nil. */
	char before[sizeof(cs->s.last_failure)];
	memcpy(before, cs->s.last_failure, sizeof(before));
	cs->s.last_failure[0] = '\0';
	int status = compile(L, "return ", text, len, "");
	int is_expr = status == LUA_OK;
	const char *rec_prefix = "", *rec_suffix = "";
	int rec = 0;
	if (is_expr) {
		/* A call changes things and is recorded; "d" or "1+1" is not. */
		rec = compile(L, "", text, len, "") == LUA_OK;
		lua_pop(L, 1);
	} else {
		lua_pop(L, 1);
		status = compile(L, "", text, len, "");
		if (status != LUA_OK) {
			pop_message(L, msg, size);
			goto done;
		}
		rec = 1;
		/* A chunk ending in `return` would end the concatenated recipe. */
		if (compile(L, "", text, len, "\ndo end") != LUA_OK) {
			rec_prefix = "do ";
			rec_suffix = "\nend";
		} else {
			lua_pop(L, 2);
			status = cli_session_eval(cs, text, len, CHUNKNAME, 1, msg, size);
			goto done;
		}
		lua_pop(L, 1);
	}
	/* The compiled chunk is on the stack: run it through the trampoline. */
	lua_setfield(L, LUA_REGISTRYINDEX, CHUNK_KEY);
	lua_pushcfunction(L, trampoline);
	set_global_raw(L, TRAMPOLINE);
	status = cli_session_eval(cs, TRAMPOLINE "()", strlen(TRAMPOLINE "()"), "=(repl)", 0,
				  msg, size);
	lua_pushnil(L);
	set_global_raw(L, TRAMPOLINE);
	lua_pushnil(L);
	lua_setfield(L, LUA_REGISTRYINDEX, CHUNK_KEY);
	if (status == LUA_OK) {
		if (rec)
			record(cs, rec_prefix, text, len, rec_suffix);
		lua_getfield(L, LUA_REGISTRYINDEX, RESULTS_KEY);
		lua_pushnil(L);
		lua_setfield(L, LUA_REGISTRYINDEX, RESULTS_KEY);
		lua_getfield(L, -1, "n");
		int n = (int)lua_tointeger(L, -1);
		lua_pop(L, 1);
		if (n < 0 || !lua_checkstack(L, n + 1))
			n = 0;              /* more than the stack can take: show none */
		for (int i = 1; i <= n; i++)
			lua_rawgeti(L, -i, i);
		lua_remove(L, -n - 1);
		*nresults = n;
	}
done:
	chunk_failed_call = cs->s.last_failure[0] != '\0';
	if (!chunk_failed_call)
		memcpy(cs->s.last_failure, before, sizeof(before));
	/* A Ctrl-C that came as the chunk ended would fire in the next call. */
	if (lhost_interrupted())
		lua_sethook(L, NULL, 0, 0);
	if (status != LUA_OK) {
		trim_traceback(msg);
		if (cs->s.last_failure[0] && strstr(msg, "nil value")) {
			size_t used = strlen(msg);
			if (used < size)
				snprintf(msg + used, size - used, "\n(the last failed wb call said: %s)",
					 cs->s.last_failure);
		}
	}
	return status;
}

/* ---- signals ----------------------------------------------------------- */

static int wake[2] = { -1, -1 };       /* the self-pipe the handlers write */
static volatile sig_atomic_t got_int, got_winch, got_tstp, got_quit;
static lua_State *busy;                /* Lua runs outside the session's eval */

static void on_signal(int sig)
{
	int saved = errno;
	if (sig == SIGINT) {
		got_int = 1;
		if (busy)
			lhost_interrupt(busy);
	} else if (sig == SIGWINCH) {
		got_winch = 1;
	} else if (sig == SIGTSTP) {
		got_tstp = 1;
	} else {
		got_quit = sig;
	}
	if (wake[1] >= 0 && write(wake[1], "", 1) < 0) {
		/* the pipe is full: a wake-up is pending anyway */
	}
	errno = saved;
}

static void set_handler(int sig, void (*fn)(int))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);   /* no SA_RESTART: select and read return EINTR */
}

static void drain_wake(void)
{
	char buf[64];
	while (read(wake[0], buf, sizeof(buf)) > 0)
		;
}

/* ---- reading ----------------------------------------------------------- */

enum { READ_LINE, READ_EOF, READ_CANCEL, READ_QUIT };

static char *got_line;
static int line_done, term_prepped;

static void on_line(char *line)
{
	got_line = line;
	line_done = 1;
	/* No new prompt until the chunk has run; the terminal goes back to
	 * its normal mode meanwhile. */
	rl_callback_handler_remove();
	term_prepped = 0;
}

/* Ctrl-Z at the prompt: give the terminal back, stop, take it again. */
static void suspend(void)
{
	rl_deprep_terminal();
	set_handler(SIGTSTP, SIG_DFL);
	raise(SIGTSTP);
	set_handler(SIGTSTP, on_signal);
	rl_prep_terminal(1);
	rl_forced_update_display();
}

static int read_tty(const char *prompt, char **line)
{
	line_done = 0;
	got_line = NULL;
	got_int = 0;
	fflush(stdout);
	fflush(stderr);
	rl_callback_handler_install(prompt, on_line);
	term_prepped = 1;
	while (!line_done) {
		fd_set fds;
		FD_ZERO(&fds);
		FD_SET(STDIN_FILENO, &fds);
		FD_SET(wake[0], &fds);
		int n = select((wake[0] > STDIN_FILENO ? wake[0] : STDIN_FILENO) + 1, &fds, NULL,
			       NULL, NULL);
		if (n < 0 && errno != EINTR) {
			rl_callback_handler_remove();
			term_prepped = 0;
			return READ_EOF;
		}
		if (n > 0 && FD_ISSET(wake[0], &fds))
			drain_wake();
		if (got_quit) {
			rl_callback_handler_remove();
			term_prepped = 0;
			fputc('\n', stdout);
			return READ_QUIT;
		}
		if (got_int) {
			got_int = 0;
			/* Leave the cancelled line on the screen, cursor after it. */
			rl_point = rl_end;
			rl_redisplay();
			rl_free_line_state();
			rl_callback_sigcleanup();
			rl_callback_handler_remove();
			term_prepped = 0;
			fputc('\n', stdout);
			return READ_CANCEL;
		}
		if (got_winch) {
			got_winch = 0;
			rl_resize_terminal();
		}
		if (got_tstp) {
			got_tstp = 0;
			suspend();
		}
		if (n > 0 && FD_ISSET(STDIN_FILENO, &fds))
			rl_callback_read_char();
	}
	*line = got_line;
	if (!got_line) {
		fputc('\n', stdout);    /* Ctrl-D leaves the cursor after the prompt */
		return READ_EOF;
	}
	return READ_LINE;
}

static int read_pipe(char **line)
{
	size_t cap = 0;
	*line = NULL;
	errno = 0;
	ssize_t n = getline(line, &cap, stdin);
	if (n < 0) {
		free(*line);
		*line = NULL;
		return got_int || got_quit ? READ_QUIT : READ_EOF;
	}
	if (n && (*line)[n - 1] == '\n')
		(*line)[--n] = '\0';
	if (n && (*line)[n - 1] == '\r')
		(*line)[--n] = '\0';
	return READ_LINE;
}

/* ---- history ----------------------------------------------------------- */

static int mkdirs(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		int rc = mkdir(path, 0700);
		*p = '/';
		if (rc < 0 && errno != EEXIST)
			return -1;
	}
	return 0;
}

char *repl_history_path(void)
{
	const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char *path;
	if (xdg && xdg[0] == '/')
		path = xasprintf("%s/wb/history", xdg);
	else if (home && *home)
		path = xasprintf("%s/.local/state/wb/history", home);
	else
		return NULL;
	if (mkdirs(path) < 0) {
		free(path);
		return NULL;
	}
	return path;
}

static char *history_file;

static void history_open(void)
{
	using_history();
	stifle_history(HISTORY_MAX);
	history_file = repl_history_path();
	if (!history_file)
		return;
	/* append_history does not create the file. */
	int fd = open(history_file, O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (fd >= 0)
		close(fd);
	history_truncate_file(history_file, HISTORY_MAX);
	read_history(history_file);
}

/* Every line goes to the file at once, so a crash loses nothing. */
static void history_add(const char *line)
{
	if (!line[strspn(line, " \t")])
		return;
	HIST_ENTRY *last = history_length ? history_get(history_base + history_length - 1) : NULL;
	if (last && !strcmp(last->line, line))
		return;
	add_history(line);
	if (history_file)
		append_history(1, history_file);
}

static void history_close(void)
{
	if (history_file)
		history_truncate_file(history_file, HISTORY_MAX);
	free(history_file);
	history_file = NULL;
	clear_history();
}

/* ---- showing ----------------------------------------------------------- */

/* Prints the n values on top of the stack (and pops them) through
 * wb.pretty's show, or tab-separated tostrings when it did not load. */
static void show_results(lua_State *L, int n, int force)
{
	char msg[MSG_MAX];
	int base = lua_gettop(L) - n;
	if (lua_getfield(L, LUA_REGISTRYINDEX, PRETTY_KEY) == LUA_TTABLE &&
	    lua_getfield(L, -1, "show") == LUA_TFUNCTION) {
		lua_remove(L, -2);
		lua_insert(L, base + 1);
		lua_pushboolean(L, force);
		lua_insert(L, base + 2);
		lua_pushinteger(L, n);
		lua_insert(L, base + 3);
		lhost_clear_interrupt();
		busy = L;
		int status = lhost_pcall(L, n + 2, 0, msg, sizeof(msg));
		busy = NULL;
		if (lhost_interrupted())
			lua_sethook(L, NULL, 0, 0);
		if (status != LUA_OK)
			fprintf(stderr, "%s\n", lhost_interrupted() ? "interrupted" : msg);
	} else {
		lua_settop(L, base + n);
		int any = force;
		for (int i = 1; i <= n; i++)
			any |= !lua_isnil(L, base + i);
		for (int i = 1; any && i <= n; i++) {
			const char *s = luaL_tolstring(L, base + i, NULL);
			printf("%s%s", i > 1 ? "\t" : "", s);
			lua_pop(L, 1);
		}
		if (any)
			putchar('\n');
	}
	lua_settop(L, base);
	fflush(stdout);
}

/* "?name": the help text of wb.help (generated from the API comments). */
static void show_help(lua_State *L, const char *topic)
{
	char msg[MSG_MAX];
	int top = lua_gettop(L);
	if (luaL_loadstring(L, "return require('wb.help').text(...)") != LUA_OK) {
		fprintf(stderr, "%s\n", lua_tostring(L, -1));
		lua_settop(L, top);
		return;
	}
	lua_pushstring(L, topic);
	lhost_clear_interrupt();
	busy = L;
	int status = lhost_pcall(L, 1, 1, msg, sizeof(msg));
	busy = NULL;
	if (lhost_interrupted())
		lua_sethook(L, NULL, 0, 0);
	if (status != LUA_OK)
		fprintf(stderr, "help: %s\n", msg);
	else
		printf("%s\n", luaL_tolstring(L, -1, NULL));
	lua_settop(L, top);
	fflush(stdout);
}

/* The message of an interrupted chunk is just that (on a line of its own
 * after the terminal's "^C"). */
static void print_error(const char *msg, int interrupted, int tty)
{
	if (interrupted)
		fputs(tty ? "\ninterrupted\n" : "interrupted\n", stderr);
	else
		fprintf(stderr, "%s\n", msg);
	fflush(stderr);
}

static void load_pretty(lua_State *L)
{
	char msg[MSG_MAX];
	if (luaL_loadstring(L, "return require('wb.pretty')") != LUA_OK) {
		lua_pop(L, 1);
		return;
	}
	if (lhost_pcall(L, 0, 1, msg, sizeof(msg)) != LUA_OK) {
		fprintf(stderr, "wb repl: values print plainly: %s\n", msg);
		return;
	}
	lua_setfield(L, LUA_REGISTRYINDEX, PRETTY_KEY);
}

/* ---- the loop ---------------------------------------------------------- */

static void restore_terminal(const char *msg)
{
	(void)msg;
	if (term_prepped)
		rl_deprep_terminal();
}

static void setup_readline(lua_State *L)
{
	rl_readline_name = "wb";
	rl_catch_signals = 0;       /* our handlers, through the self-pipe */
	rl_catch_sigwinch = 0;
	rl_change_environment = 0;  /* no LINES/COLUMNS exported to gnuplot */
	complete_attach(L, NULL);
	history_open();
	wb_set_bug_handler(restore_terminal);
}

static int blank(const char *s)
{
	return !s[strspn(s, " \t\r\n")];
}

int repl_run(struct cli_session *cs, const char **status, char *message, size_t size)
{
	lua_State *L = cs->L;
	int tty = isatty(STDIN_FILENO);
	int failures = 0, rc = WB_EXIT_OK;
	char msg[MSG_MAX];
	struct strbuf chunk = STRBUF_INIT;

	*status = "ok";
	message[0] = '\0';
	if (pipe(wake) == 0) {
		fcntl(wake[0], F_SETFL, O_NONBLOCK);
		fcntl(wake[1], F_SETFL, O_NONBLOCK);
		fcntl(wake[0], F_SETFD, FD_CLOEXEC);
		fcntl(wake[1], F_SETFD, FD_CLOEXEC);
	}
	set_handler(SIGINT, on_signal);
	set_handler(SIGTERM, on_signal);
	set_handler(SIGHUP, on_signal);
	if (tty) {
		set_handler(SIGWINCH, on_signal);
		set_handler(SIGTSTP, on_signal);
	}
	load_pretty(L);
	if (tty) {
		setup_readline(L);
		printf("wb %s repl (%s): ?  for help, Tab completes, Ctrl-D exits; run %.8s in %s\n",
		       WB_VERSION, LUA_VERSION, cs->s.run_id, cs->log_path);
	}
	for (;;) {
		char *line;
		int r = tty ? read_tty(chunk.len ? PROMPT_MORE : PROMPT, &line) : read_pipe(&line);
		if (r == READ_CANCEL) {
			strbuf_reset(&chunk);
			continue;
		}
		if (r == READ_QUIT) {
			*status = "interrupted";
			rc = 130;
			break;
		}
		if (r == READ_EOF) {
			/* The text ended inside a chunk: say where it was cut. */
			if (chunk.len && !tty &&
			    compile(L, "", chunk.buf, chunk.len, "") != LUA_OK) {
				pop_message(L, msg, sizeof(msg));
				print_error(msg, 0, tty);
				failures++;
				if (!message[0])
					snprintf(message, size, "%s", msg);
			} else if (chunk.len && !tty) {
				lua_pop(L, 1);
			}
			break;
		}
		if (tty)
			history_add(line);
		if (!chunk.len && line[strspn(line, " \t")] == '?') {
			const char *t = line + strspn(line, " \t") + 1;
			show_help(L, t);
			free(line);
			continue;
		}
		if (!chunk.len && blank(line)) {
			free(line);
			continue;
		}
		if (chunk.len)
			strbuf_adds(&chunk, "\n");
		strbuf_adds(&chunk, line);
		free(line);

		enum repl_chunk kind = repl_classify(L, chunk.buf, chunk.len, msg, sizeof(msg));
		if (kind == REPL_INCOMPLETE)
			continue;
		int n = 0, st = LUA_ERRSYNTAX, force = chunk.buf[0] == '=';
		int interrupted = got_int;  /* Ctrl-C right after Enter: do not start */
		if (kind != REPL_SYNTAX && !interrupted)
			st = repl_eval(cs, chunk.buf, chunk.len, &n, msg, sizeof(msg));
		interrupted |= st != LUA_OK && lhost_interrupted();
		lhost_clear_interrupt();
		got_int = 0;
		strbuf_reset(&chunk);
		fflush(stdout);
		if (st == LUA_OK) {
			/* x = wb.read_csv("typo.csv") would fail silently: nil is
			 * a value.  An expression shows its nil, msg itself. */
			if (kind == REPL_STATEMENT && chunk_failed_call)
				fprintf(stderr, "note: a wb call failed: %s\n", cs->s.last_failure);
			show_results(L, n, force);
			continue;
		}
		print_error(msg, interrupted, tty);
		failures++;
		if (!tty && !message[0])
			snprintf(message, size, "%s", interrupted ? "interrupted" : msg);
		if (!tty && interrupted) {
			*status = "interrupted";
			rc = 130;
			break;
		}
	}
	if (!tty && rc == WB_EXIT_OK && failures) {
		*status = "failed";
		rc = cs->s.gate_failed ? WB_EXIT_GATE : WB_EXIT_ERROR;
	}
	if (tty) {
		rl_callback_handler_remove();
		history_close();
		wb_set_bug_handler(NULL);
	}
	strbuf_release(&chunk);
	set_handler(SIGINT, SIG_DFL);
	set_handler(SIGTERM, SIG_DFL);
	set_handler(SIGHUP, SIG_DFL);
	set_handler(SIGWINCH, SIG_DFL);
	set_handler(SIGTSTP, SIG_DFL);
	for (int k = 0; k < 2; k++) {
		if (wake[k] >= 0)
			close(wake[k]);
		wake[k] = -1;
	}
	fflush(stdout);
	return rc;
}
