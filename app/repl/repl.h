/*
 * repl — `wb repl`: a readline Lua REPL over a recorded session (the model
 * is Torch7's trepl, the chunk logic is lua.c's).
 *
 * A typed chunk is first tried as an expression ("return " in front) so
 * its values print (through lua/wb/pretty.lua; a plot is drawn); a chunk
 * that does not compile because it ends too early ("<eof>") waits for more
 * lines under the "..> " prompt.  Chunks that run without error are the
 * session's recipe (cli_session_eval's record), so `wb run` replays it;
 * pure expressions ("d", "1+1") change nothing and are not recorded.
 * "?name" shows help (lua/wb/help.lua, generated from the API comments).
 *
 * The pieces the TUI console can share are public: classifying a chunk,
 * running one with its values left on the stack, and the history file.
 */
#ifndef WB_REPL_H
#define WB_REPL_H

#include <lua.h>
#include <stddef.h>

struct cli_session;

enum repl_chunk {
	REPL_EXPR,                  /* "1+1", "d", "d:head()", "=x": values shown */
	REPL_STATEMENT,             /* "x = 1", "for i = 1, 3 do ... end" */
	REPL_INCOMPLETE,            /* more lines needed: "for i = 1, 3 do" */
	REPL_SYNTAX,                /* a syntax error, the message in msg */
};

/* How text stands, by compiling it (nothing runs).  A leading "=" makes
 * the rest an expression whose values show even when nil (Lua 5.1 style). */
enum repl_chunk repl_classify(lua_State *L, const char *text, size_t len,
			      char *msg, size_t size);

/* Runs a complete chunk in the session (SIGINT interrupts it) and records
 * it in the session's text when it succeeds and changes something (a
 * statement or a call; a chunk ending in `return` is recorded inside
 * do ... end so the recipe still concatenates).  On success pushes the
 * chunk's values (*nresults of them; the caller pops them) and returns
 * LUA_OK; otherwise pushes nothing and msg holds the error, its traceback
 * cut to the user's own frames (none for a one-line chunk). */
int repl_eval(struct cli_session *cs, const char *text, size_t len, int *nresults,
	      char *msg, size_t size);

/* The history file shared by the REPL and the TUI console:
 * $XDG_STATE_HOME/wb/history (default ~/.local/state/wb/history), its
 * directories created.  A heap string (caller frees), or NULL when there is
 * no home to put it in. */
char *repl_history_path(void);

/* The REPL on cs until end of input (Ctrl-D), SIGTERM or SIGHUP.  stdin
 * not a terminal: chunks are read from it without prompts or line editing
 * (`echo 'print(1+1)' | wb repl`).  Sets *status to the run's final status
 * ("ok"; when piped, "failed" after an error; "interrupted" on a signal)
 * and message to the first error (piped), and returns the exit code
 * (0; piped: 1 after an error, 3 after a failed wb.check; 130 on a
 * signal).  Does not close the session. */
int repl_run(struct cli_session *cs, const char **status, char *message, size_t size);

#endif
