/*
 * tui — the ncurses face: `wb [FILE | RUNLOG]` (DESIGN.md §1, issue 6).
 *
 * One loop, one screen manager.  The screen, top to bottom:
 *
 *   sheet grid            (the top of the sheet stack; a plot pane beside
 *                          it when the window is wide, else below it)
 *   Lua console           (app/repl/console.h; shown with `:`, z: hides it)
 *   status line           sheet stack, rows, cursor position
 *   message line          results, errors, the last Lua call, prompts
 *
 * The TUI runs inside a cli_session (kind "tui"): every action is Lua text
 * run through cli_session_eval with record = 1 and echoed in the console,
 * so the session's text (cs.text) is a recipe that `wb run` replays
 * headless.  Views (scrolling, help, a row's record view, the plot pane,
 * folding) change nothing and run no Lua.
 *
 * The terminal is always restored: endwin on the normal exit, on errors,
 * from the WB_BUG handler and from fatal signals (which then re-raise).
 * From the first load on, fds 1 and 2 go to a temporary file whose new
 * text is shown in the console after each Lua call (curses writes to its
 * own descriptor of the terminal).
 */
#ifndef WB_TUI_TUI_H
#define WB_TUI_TUI_H

#include <curses.h>
#include <lua.h>
#include <stddef.h>
#include "cli/session.h"
#include "tui/plotpane.h"
#include "tui/sheet.h"

struct console;
struct pending;

enum msg_kind { MSG_INFO, MSG_ECHO, MSG_ERROR };

/* A key bound to an action: prefix is 0, 'g' or 'z'. */
struct binding {
	int prefix, code, action;
};

enum { TUI_MAX_BINDINGS = 256 };

struct tui {
	struct cli_session cs;
	lua_State *L;               /* cs.L */
	struct sheet **stack;
	int nstack, capstack;

	struct console *con;
	WINDOW *conwin;
	int con_shown, con_focus;
	char *history_path;

	struct plotpane plot;
	int plot_shown;

	char msg[2048];
	enum msg_kind msg_kind;
	int quit;
	int prefix;                 /* a pending 'g' or 'z' */

	struct binding bindings[TUI_MAX_BINDINGS];
	int nbindings;
	char search[256];           /* the last / search */
	int preamble;               /* `wb.tui = require "wb.tui"` was recorded */
	char last_model[64], last_eval[64]; /* globals E and g. use */
	int grid_h;                 /* rows of the grid in the last layout */
	struct strbuf partial;      /* console lines of a chunk not finished yet */
	struct pending *pending;    /* console text from before the console existed */
	int npending;
};

/* What `wb [FILE | RUNLOG]` asked for. */
struct tui_opts {
	const char *file;           /* NULL: this project's run log */
	int runlog;                 /* file is a run log (SQLite) */
	int argc;
	char **argv;
};

/* Runs the TUI; returns the exit code.  Errors before the screen is up are
 * printed as "wb: ..." and return 1. */
int tui_main(const struct tui_opts *o);

/* The sheet on top of the stack (never NULL while the TUI runs). */
struct sheet *tui_top(struct tui *t);
void tui_push(struct tui *t, struct sheet *s);
/* Pops the top sheet; popping the last one quits. */
void tui_pop(struct tui *t);

/* Shows a message on the message line (and errors in the console). */
void tui_msg(struct tui *t, enum msg_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Runs Lua text as an action: echoed in the console and the message line,
 * recorded in the session when it succeeds.  Errors show in the message
 * line and the console; returns 0 or -1. */
int tui_eval(struct tui *t, const char *text);
/* The Lua text of an action: wb.tui.code[fn](ctx) with the table at the top
 * of the stack as ctx (popped).  Returns a heap string, or NULL after
 * showing why. */
char *tui_code(struct tui *t, const char *fn);
/* The next free global name for a prefix ("d" -> "d3"). */
void tui_next_name(struct tui *t, const char *prefix, char *out, size_t size);
/* The frame a global holds, referenced for the caller, or NULL. */
struct frame *tui_global_frame(struct tui *t, const char *name);
/* Shows the plot a global holds in the plot pane. */
int tui_show_plot(struct tui *t, const char *name);
/* Focuses the console (showing it). */
void tui_focus_console(struct tui *t, int on);
/* Writes the session's recorded Lua to path. */
int tui_save_recipe(struct tui *t, const char *path);

/* True once after Ctrl-C (SIGINT) arrived outside a Lua call. */
int tui_take_interrupt(void);

/* Redraws the whole screen (sizes read again). */
void tui_draw(struct tui *t);
/* The rectangle of the grid, for paging. */
int tui_grid_height(const struct tui *t);

#endif
