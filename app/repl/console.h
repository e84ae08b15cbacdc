/*
 * console — a Lua console inside an ncurses window, for the TUI: readline's
 * callback interface (history, editing, tab completion) drawn into the
 * window, with a scrollback of echoed calls, output and errors above the
 * prompt line.  FACTS.md "ncurses + readline in one program" lists the
 * readline settings this needs (no signals, no terminal prep, no
 * environment changes, output to /dev/null).
 *
 * The TUI owns the window and the Lua state; it feeds keys while the
 * console has the focus and decides what a finished line does (on_line:
 * usually run it as Lua through the session and print the result).
 * readline's callback interface is process-global: one console at a time.
 */
#ifndef WB_CONSOLE_H
#define WB_CONSOLE_H

#include <curses.h>
#include <lua.h>

struct console;

/* A console drawing into win (not owned).  on_line gets every entered line
 * (borrowed; the empty line too).  history_path: where history is loaded
 * from and appended to (NULL: none).  L is used for tab completion. */
struct console *console_new(WINDOW *win, lua_State *L, const char *history_path,
			    void (*on_line)(void *ud, const char *line), void *ud);
void console_free(struct console *c);

/* A key from wgetch (a byte of UTF-8 text or a KEY_* code). */
void console_key(struct console *c, int ch);
/* Appends text to the scrollback (several lines allowed); kind: 0 output,
 * 1 an echoed Lua call ("> d2 = d1:sort{...}"), 2 an error (highlighted). */
void console_print(struct console *c, const char *text, int kind);
/* Redraws the scrollback and the prompt line (does not refresh the screen:
 * the caller does doupdate()).  focused: show the cursor on the prompt. */
void console_draw(struct console *c, int focused);
/* The window changed size or was replaced. */
void console_resize(struct console *c, WINDOW *win);
/* Empties the scrollback.  (Paging it is PgUp/PgDn through console_key.) */
void console_clear(struct console *c);

#endif
