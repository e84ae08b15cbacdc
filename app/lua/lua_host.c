/* lua_host — creating Lua states, finding wb's files, calling into Lua. */
#include "lua/lua_host.h"
#include "lua/lua_wb.h"

#include <lauxlib.h>
#include <lualib.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static volatile sig_atomic_t interrupted;

static int is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The source tree (binary next to lua/wb/) first, so a checkout always runs
 * its own Lua files; then an installed layout relative to the binary; then
 * the compiled-in data directory.  WB_DATADIR in the environment wins. */
const char *lhost_datadir(void)
{
	static char dir[PATH_MAX + 64];
	char exe[PATH_MAX], probe[PATH_MAX + 32];
	const char *env = getenv("WB_DATADIR");

	if (dir[0])
		return dir;
	if (env && *env) {
		snprintf(dir, sizeof(dir), "%s", env);
		return dir;
	}
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash)
			*slash = '\0';
		snprintf(probe, sizeof(probe), "%s/lua/wb", exe);
		if (is_dir(probe)) {
			snprintf(dir, sizeof(dir), "%s", exe);
			return dir;
		}
		snprintf(probe, sizeof(probe), "%s/../share/wb/lua/wb", exe);
		if (is_dir(probe)) {
			snprintf(dir, sizeof(dir), "%s/../share/wb", exe);
			return dir;
		}
	}
	snprintf(dir, sizeof(dir), "%s", WB_DATADIR);
	return dir;
}

static void add_package_path(lua_State *L)
{
	const char *dd = lhost_datadir();
	lua_getglobal(L, "package");
	lua_getfield(L, -1, "path");
	lua_pushfstring(L, "%s/lua/?.lua;%s/lua/?/init.lua;%s", dd, dd, lua_tostring(L, -1));
	lua_setfield(L, -3, "path");
	lua_pop(L, 2);
}

lua_State *lhost_new(void)
{
	lua_State *L = luaL_newstate();
	if (!L)
		return NULL;
	luaL_openlibs(L);
	add_package_path(L);
	luaL_requiref(L, "wb", luaopen_wb, 1);
	lua_pop(L, 1);
	return L;
}

void lhost_free(lua_State *L)
{
	if (L)
		lua_close(L);
}

static int msghandler(lua_State *L)
{
	const char *msg = lua_tostring(L, 1);
	if (!msg) {
		if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
			return 1;
		msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
	}
	luaL_traceback(L, L, msg, 1);
	return 1;
}

int lhost_pcall(lua_State *L, int nargs, int nresults, char *msg, size_t size)
{
	int base = lua_gettop(L) - nargs;
	lua_pushcfunction(L, msghandler);
	lua_insert(L, base);
	int status = lua_pcall(L, nargs, nresults, base);
	lua_remove(L, base);
	if (status != LUA_OK) {
		const char *m = lua_tostring(L, -1);
		snprintf(msg, size, "%s", m ? m : "(no message)");
		lua_pop(L, 1);
	}
	return status;
}

int lhost_dofile(lua_State *L, const char *path, char *msg, size_t size)
{
	int status = luaL_loadfilex(L, path, "t");
	if (status != LUA_OK) {
		snprintf(msg, size, "%s", lua_tostring(L, -1));
		lua_pop(L, 1);
		return status;
	}
	return lhost_pcall(L, 0, 0, msg, size);
}

int lhost_dostring(lua_State *L, const char *text, size_t len, const char *chunkname,
		   char *msg, size_t size)
{
	int status = luaL_loadbufferx(L, text, len, chunkname, "t");
	if (status != LUA_OK) {
		snprintf(msg, size, "%s", lua_tostring(L, -1));
		lua_pop(L, 1);
		return status;
	}
	return lhost_pcall(L, 0, 0, msg, size);
}

int lhost_startup(lua_State *L, const char **used, char *msg, size_t size)
{
	static char path[PATH_MAX];
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");

	*used = NULL;
	snprintf(path, sizeof(path), "workbench.lua");
	if (!is_file(path)) {
		if (xdg && *xdg)
			snprintf(path, sizeof(path), "%s/wb/workbench.lua", xdg);
		else if (home && *home)
			snprintf(path, sizeof(path), "%s/.config/wb/workbench.lua", home);
		else
			path[0] = '\0';
		if (!path[0] || !is_file(path))
			snprintf(path, sizeof(path), "%s/workbench.lua", lhost_datadir());
	}
	if (!is_file(path))
		return 0;
	*used = path;
	return lhost_dofile(L, path, msg, size) == LUA_OK ? 0 : -1;
}

static void interrupt_hook(lua_State *L, lua_Debug *ar)
{
	(void)ar;
	lua_sethook(L, NULL, 0, 0);
	luaL_error(L, "interrupted");
}

/* Called from a signal handler: lua_sethook is the one Lua call documented
 * as safe there (lua.c does the same). */
void lhost_interrupt(lua_State *L)
{
	interrupted = 1;
	lua_sethook(L, interrupt_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
}

int lhost_interrupted(void)
{
	return interrupted;
}

void lhost_clear_interrupt(void)
{
	interrupted = 0;
}
