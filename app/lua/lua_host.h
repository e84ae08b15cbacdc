/*
 * lua_host — the one way into Lua for every face (STYLE.md: "one way into
 * Lua").  Creates a state with the standard libraries and module `wb`
 * preloaded, finds wb's Lua directory, runs the startup script
 * (workbench.lua), and calls into Lua through a single pcall wrapper whose
 * message handler adds a traceback.  Ctrl-C sets a hook that raises
 * "interrupted" at the next instruction.
 */
#ifndef WB_LUA_HOST_H
#define WB_LUA_HOST_H

#include <lua.h>
#include <stddef.h>

/* A new state: standard libraries, package.path extended with wb's lua/
 * directories, `wb` preloaded (require "wb") and set as a global. */
lua_State *lhost_new(void);
void lhost_free(lua_State *L);

/* Directory holding wb's own files (lua/, workbench.lua, recipes/, data/):
 * the source tree next to the binary, or the installed share/wb. */
const char *lhost_datadir(void);

/* Runs the first startup script found: ./workbench.lua,
 * $XDG_CONFIG_HOME/wb/workbench.lua (~/.config/wb/...), the default
 * <datadir>/workbench.lua.  *used gets its path (static storage) or NULL.
 * Returns 0, or -1 with the message in msg. */
int lhost_startup(lua_State *L, const char **used, char *msg, size_t size);

/* lua_pcall with a traceback handler.  On failure returns the Lua status and
 * leaves the message (with traceback) in msg; the stack is popped. */
int lhost_pcall(lua_State *L, int nargs, int nresults, char *msg, size_t size);
/* Loads a file as a chunk named "@path" (so errors say path:line) and runs it. */
int lhost_dofile(lua_State *L, const char *path, char *msg, size_t size);
/* Loads text with the given chunk name and runs it. */
int lhost_dostring(lua_State *L, const char *text, size_t len, const char *chunkname,
		   char *msg, size_t size);

/* Arms the interrupt: called from a SIGINT handler, it makes the running
 * Lua code raise "interrupted" at its next instruction. */
void lhost_interrupt(lua_State *L);
/* True once lhost_interrupt fired (cleared by lhost_clear_interrupt). */
int lhost_interrupted(void);
void lhost_clear_interrupt(void);

#endif
