/*
 * plotpane — rendering a plot object to text at the pane's size.
 */
#include "tui/plotpane.h"
#include "tui/grid.h"
#include "core/err.h"
#include "lua/lua_host.h"

#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void plotpane_init(struct plotpane *p)
{
	memset(p, 0, sizeof(*p));
	p->ref = LUA_NOREF;
}

void plotpane_clear(struct plotpane *p, lua_State *L)
{
	if (p->ref != LUA_NOREF)
		luaL_unref(L, LUA_REGISTRYINDEX, p->ref);
	free(p->text);
	plotpane_init(p);
}

void plotpane_set(struct plotpane *p, lua_State *L, int idx, const char *name)
{
	lua_pushvalue(L, idx);
	int ref = luaL_ref(L, LUA_REGISTRYINDEX);
	plotpane_clear(p, L);
	p->ref = ref;
	snprintf(p->name, sizeof(p->name), "%s", name ? name : "");
}

/* Drops form feeds and escape sequences: the pane shows plain text. */
static void clean(char *s)
{
	char *o = s;
	for (char *i = s; *i; i++) {
		if (*i == '\f' || *i == '\r')
			continue;
		if (*i == '\033') {
			if (i[1] == '[') {
				i += 2;
				while (*i && !(*i >= '@' && *i <= '~'))
					i++;
				if (!*i)
					break;
			}
			continue;
		}
		*o++ = *i;
	}
	*o = '\0';
}

static void render(struct plotpane *p, lua_State *L, int w, int h)
{
	free(p->text);
	p->text = NULL;
	p->err[0] = '\0';
	p->w = w;
	p->h = h;
	int top = lua_gettop(L);
	lua_rawgeti(L, LUA_REGISTRYINDEX, p->ref);
	if (lua_getfield(L, -1, "text") != LUA_TFUNCTION) {
		snprintf(p->err, sizeof(p->err), "not a plot");
		lua_settop(L, top);
		return;
	}
	lua_insert(L, -2);
	lua_pushinteger(L, w);
	lua_pushinteger(L, h);
	char msg[1024];
	if (lhost_pcall(L, 3, 2, msg, sizeof(msg)) != LUA_OK) {
		char *tb = strstr(msg, "\nstack traceback:");
		if (tb)
			*tb = '\0';
		snprintf(p->err, sizeof(p->err), "%.500s", msg);
	} else if (lua_type(L, -2) == LUA_TSTRING) {
		p->text = xstrdup(lua_tostring(L, -2));
		clean(p->text);
	} else {
		snprintf(p->err, sizeof(p->err), "%s",
			 lua_isstring(L, -1) ? lua_tostring(L, -1) : "the plot did not render");
	}
	lua_settop(L, top);
}

void plotpane_draw(struct plotpane *p, lua_State *L, WINDOW *win, int y, int x, int h, int w)
{
	if (h <= 0 || w <= 0)
		return;
	char title[160];
	snprintf(title, sizeof(title), " plot %s  (P closes)", p->name);
	draw_text(win, y, x, w, title, strlen(title), 0, grid_attr(PAIR_STATUS));
	for (int k = 1; k < h; k++)
		draw_text(win, y + k, x, w, "", 0, 0, A_NORMAL);
	if (p->ref == LUA_NOREF || h < 2)
		return;
	/* gnuplot's dumb terminal needs some room; below that, say so. */
	if (w < 20 || h - 1 < 6) {
		const char *m = "(too small for the plot)";
		draw_text(win, y + 1, x, w, m, strlen(m), 0, grid_attr(PAIR_HINT));
		return;
	}
	if (!p->text && !p->err[0]) {
		render(p, L, w, h - 1);
	} else if (p->w != w || p->h != h - 1) {
		render(p, L, w, h - 1);
	}
	if (p->err[0]) {
		draw_text(win, y + 1, x, w, p->err, strlen(p->err), 0, grid_attr(PAIR_ERROR));
		return;
	}
	const char *line = p->text;
	for (int k = 1; k < h && line && *line; k++) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		draw_text(win, y + k, x, w, line, len, 0, A_NORMAL);
		line = nl ? nl + 1 : NULL;
	}
}
