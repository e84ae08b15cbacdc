/*
 * plotpane — a plot shown next to (or under) the sheet, drawn as text by
 * plot:text(width, height) at the pane's size and redrawn at the new size
 * when the window changes.  The pane keeps its own reference to the plot
 * object (a registry ref), so reassigning the global does not change it.
 */
#ifndef WB_TUI_PLOTPANE_H
#define WB_TUI_PLOTPANE_H

#include <curses.h>
#include <lauxlib.h>
#include <lua.h>

struct plotpane {
	int ref;            /* registry reference to the plot, LUA_NOREF when empty */
	char name[64];      /* the global it was made as ("p1") */
	char *text;         /* rendered text for (w, h), or NULL */
	int w, h;
	char err[512];      /* why rendering failed, shown in the pane */
};

void plotpane_init(struct plotpane *p);
/* Shows the plot at stack index idx (named name); replaces any other. */
void plotpane_set(struct plotpane *p, lua_State *L, int idx, const char *name);
void plotpane_clear(struct plotpane *p, lua_State *L);
static inline int plotpane_empty(const struct plotpane *p)
{
	return p->ref == LUA_NOREF;
}
/* Draws into the rectangle: a title line, then the plot (rendered again
 * when the size changed). */
void plotpane_draw(struct plotpane *p, lua_State *L, WINDOW *win, int y, int x, int h, int w);

#endif
