/*
 * lua_registry — the model registry (app/track/registry.h) from Lua:
 *
 *   local v, entry = wb.register("credit")              -- this run, as credit version v
 *   wb.register("credit", "out/credit.wbz")             -- or a bundle file, or a run id
 *   wb.alias_set("credit", "production", v, "beats v1 on AUC")
 *   wb.resolve_model("credit@production").bundle
 *   wb.registry("credit")   wb.alias_history("credit")   wb.alias_rm("credit", "staging")
 *
 * The listing is wb.registry, not wb.models: wb.models() already lists the
 * model families (lua_model.c).  Every function takes a last optional
 * { log = path } table; without it, the registry is the current run's log,
 * else $WB_LOG, else the project's default (.wb/runs.db), as `wb register`
 * finds it.  Listings and look-ups never create a log; writes may.
 *
 * Registering is not recorded as a step of the run: steps are the run's data
 * lineage (inputs and outputs by hash) and registering reads or makes no
 * data; the registry rows themselves (run id, sha256, time) are the record,
 * and they may live in another log ({ log = path }) than the run's.
 */
#include "lua/lua_wb.h"
#include "ml/model.h"
#include "track/registry.h"
#include "track/runlog.h"

#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LWB_REGLOG "wb.registry_log"

/* A run log this call opened (not the session's), closed by the call or,
 * if it raises, by __gc. */
struct lreglog {
	struct runlog *rl;
};

static int reglog_gc(lua_State *L)
{
	struct lreglog *h = luaL_checkudata(L, 1, LWB_REGLOG);
	runlog_close(h->rl);
	h->rl = NULL;
	return 0;
}

/* The options table among the arguments from index first on: the first
 * table there, which must be the last argument.  Its only key is log
 * (a string).  Returns its index, or 0 (and *log = NULL) without one. */
static int check_opts(lua_State *L, int first, const char *fn, const char **log)
{
	int top = lua_gettop(L), at = 0;
	*log = NULL;
	for (int i = first; i <= top && !at; i++)
		if (lua_type(L, i) == LUA_TTABLE)
			at = i;
	if (!at)
		return 0;
	for (int i = at + 1; i <= top; i++)
		if (!lua_isnil(L, i))
			return luaL_argerror(L, at, "the options table must be the last argument");
	lua_pushnil(L);
	while (lua_next(L, at)) {
		lua_pop(L, 1);
		if (lua_type(L, -1) != LUA_TSTRING || strcmp(lua_tostring(L, -1), "log"))
			return luaL_error(L, "%s: unknown option '%s' (valid: log)", fn,
					  luaL_tolstring(L, -1, NULL));
	}
	lua_getfield(L, at, "log");
	if (!lua_isnil(L, -1) && lua_type(L, -1) != LUA_TSTRING)
		return luaL_error(L, "%s: option 'log' must be a path", fn);
	*log = lua_tostring(L, -1); /* NULL for nil; the table keeps it alive */
	lua_pop(L, 1);
	return at;
}

/* The optional string argument at idx (nil/none, or at/after the options). */
static const char *opt_arg(lua_State *L, int idx, int opts)
{
	if (opts && idx >= opts)
		return NULL;
	return luaL_optstring(L, idx, NULL);
}

/* The run log to use: the log option, else the session's, else $WB_LOG,
 * else the default under the working directory.  Pushes a handle whose rl
 * is set when this call opened the log (close it with close_log).  Returns
 * the log, or NULL with err.  write = 0: the file must exist already. */
static struct runlog *open_log(lua_State *L, const char *path, int write, struct lreglog **hp,
			       struct wb_err *err)
{
	struct lreglog *h = lua_newuserdatauv(L, sizeof(*h), 0);
	h->rl = NULL;
	luaL_setmetatable(L, LWB_REGLOG);
	*hp = h;
	struct lwb_session *s = lwb_get_session(L);
	if (!path && s && s->rl)
		return s->rl;
	char *def = NULL;
	if (!path) {
		const char *env = getenv("WB_LOG");
		char cwd[PATH_MAX];
		if (env && *env)
			path = env;
		else
			path = def = runlog_default_path(getcwd(cwd, sizeof(cwd)) ? cwd : ".");
	}
	int rc = runlog_open_flags(path, write ? 0 : RUNLOG_NO_CREATE, &h->rl, err);
	free(def);
	return rc < 0 ? NULL : h->rl;
}

static void close_log(struct lreglog *h)
{
	runlog_close(h->rl);
	h->rl = NULL;
}

/* Pushes name's entry for version (as wb.registry lists it, with its
 * aliases).  0, or -1 with err. */
static int push_entry(lua_State *L, struct runlog *rl, const char *name, int64_t version,
		      struct wb_err *err)
{
	json_t *list = NULL;
	if (registry_list(rl, name, &list, err) < 0)
		return -1;
	size_t i;
	json_t *e, *found = NULL;
	json_array_foreach(list, i, e)
		if (json_integer_value(json_object_get(e, "version")) == version)
			found = e;
	if (found)
		lwb_push_json(L, found);
	json_decref(list);
	if (!found)
		return wb_error(err, "model '%s' has no version %lld", name, (long long)version);
	return 0;
}


/*** wb.register(name [, what] [, { log = path }]) -> version, entry (or nil, msg)
 * Registers the next version (1, 2, ...) of model `name`.  what: a run id
 * (or a unique prefix; its model's sha256 is kept), a bundle file (.wbz: its
 * absolute path and sha256), a model (the current run, with the model's
 * sha256), or nil: the current run.  entry is as wb.registry lists it.
 * Like `wb register NAME (RUN | FILE.wbz)`; not a step of the run. */
static int l_register(lua_State *L)
{
	const char *name = luaL_checkstring(L, 1), *log;
	int opts = check_opts(L, 2, "wb.register", &log);
	struct model *m = opts == 2 ? NULL : lwb_to_model(L, 2);
	const char *what = m ? NULL : opt_arg(L, 2, opts);
	struct lwb_session *s = lwb_get_session(L);
	const char *current = s && s->rl && s->run_id[0] ? s->run_id : NULL;
	if (!what && !current)
		return luaL_argerror(L, 2, m ? "a model registers with the current run, and there "
				     "is none (give a run id or a bundle file)" :
				     "which run or bundle? (there is no current run)");
	struct lreglog *h;
	struct wb_err err;
	struct runlog *rl = open_log(L, log, 1, &h, &err);
	if (!rl)
		return lwb_fail(L, &err);
	struct stat st;
	char sha[WB_HASH_HEX] = "";
	int64_t version = 0, bytes = 0;
	int rc;
	if (what && stat(what, &st) == 0 && S_ISREG(st.st_mode)) {
		rc = lwb_file_sha(what, sha, &bytes, &err);
		if (rc == 0) {
			char *abs = realpath(what, NULL);
			rc = registry_register(rl, name, NULL, abs ? abs : what, sha, &version, &err);
			free(abs);
		}
	} else {
		const char *run = what ? what : current;
		if (m)
			snprintf(sha, sizeof(sha), "%s", m->json_hash);
		else
			registry_run_model_sha(rl, run, sha);
		rc = registry_register(rl, name, run, NULL, sha[0] ? sha : NULL, &version, &err);
	}
	if (rc == 0) {
		lua_pushinteger(L, (lua_Integer)version);
		rc = push_entry(L, rl, name, version, &err);
	}
	close_log(h);
	return rc < 0 ? lwb_fail(L, &err) : 2;
}

/* wb.registry and wb.alias_history: an optional name, then the options;
 * pushes what list gives as a Lua array (or nil, msg). */
static int push_listing(lua_State *L, const char *fn,
			int (*list)(struct runlog *, const char *, json_t **, struct wb_err *))
{
	const char *log;
	int opts = check_opts(L, 1, fn, &log);
	const char *name = opt_arg(L, 1, opts);
	struct lreglog *h;
	struct wb_err err;
	struct runlog *rl = open_log(L, log, 0, &h, &err);
	json_t *out = NULL;
	int rc = rl ? list(rl, name, &out, &err) : -1;
	close_log(h);
	if (rc < 0)
		return lwb_fail(L, &err);
	lwb_push_json(L, out);
	json_decref(out);
	return 1;
}

/*** wb.registry([name] [, { log = path }]) -> the registered models (or nil, msg)
 * An array of { name, version, run_id, bundle, sha256, created, aliases = { ... } }
 * by name, then version; run_id or bundle is nil when not given.  Like
 * `wb models --json` (wb.models() lists the model families). */
static int l_registry(lua_State *L)
{
	return push_listing(L, "wb.registry", registry_list);
}

/*** wb.alias_set(name, alias, version [, message] [, { log = path }]) -> true (or nil, msg)
 * Points alias ("production") at an existing version of model name, setting
 * or moving it; the move is kept in the alias history with who, when and the
 * message.  Like `wb alias set NAME ALIAS VERSION [-m MESSAGE]`. */
static int l_alias_set(lua_State *L)
{
	const char *name = luaL_checkstring(L, 1), *alias = luaL_checkstring(L, 2), *log;
	lua_Integer version = luaL_checkinteger(L, 3);
	luaL_argcheck(L, version >= 1, 3, "a version is a number >= 1");
	int opts = check_opts(L, 4, "wb.alias_set", &log);
	const char *message = opt_arg(L, 4, opts);
	struct lreglog *h;
	struct wb_err err;
	struct runlog *rl = open_log(L, log, 1, &h, &err);
	int rc = rl ? registry_set_alias(rl, name, alias, (int64_t)version, message, &err) : -1;
	close_log(h);
	if (rc < 0)
		return lwb_fail(L, &err);
	lua_pushboolean(L, 1);
	return 1;
}

/*** wb.alias_rm(name, alias [, message] [, { log = path }]) -> true (or nil, msg)
 * Removes an alias (an error if it is not set); kept in the alias history.
 * Like `wb alias rm NAME ALIAS [-m MESSAGE]`. */
static int l_alias_rm(lua_State *L)
{
	const char *name = luaL_checkstring(L, 1), *alias = luaL_checkstring(L, 2), *log;
	int opts = check_opts(L, 3, "wb.alias_rm", &log);
	const char *message = opt_arg(L, 3, opts);
	struct lreglog *h;
	struct wb_err err;
	struct runlog *rl = open_log(L, log, 1, &h, &err);
	int rc = rl ? registry_remove_alias(rl, name, alias, message, &err) : -1;
	close_log(h);
	if (rc < 0)
		return lwb_fail(L, &err);
	lua_pushboolean(L, 1);
	return 1;
}

/*** wb.alias_history([name] [, { log = path }]) -> every alias change, oldest first
 * (or nil, msg): an array of { name, alias, version, previous, time, user,
 * host, message }; version is nil for a removal, previous for a first set.
 * Like `wb alias history [NAME] --json`. */
static int l_alias_history(lua_State *L)
{
	return push_listing(L, "wb.alias_history", registry_history);
}

/*** wb.resolve_model(ref [, { log = path }]) -> entry (or nil, msg)
 * ref: "name" (the latest version), "name:3" or "name@3" (version 3), or
 * "name@alias".  entry: { name, version, run_id, bundle, sha256, created,
 * aliases = { ... } }, as wb.registry lists it. */
static int l_resolve_model(lua_State *L)
{
	const char *ref = luaL_checkstring(L, 1), *log;
	check_opts(L, 2, "wb.resolve_model", &log);
	struct lreglog *h;
	struct wb_err err;
	struct runlog *rl = open_log(L, log, 0, &h, &err);
	struct registry_entry e;
	int rc = rl ? registry_resolve(rl, ref, &e, &err) : -1;
	if (rc == 0)
		rc = push_entry(L, rl, e.name, e.version, &err);
	close_log(h);
	return rc < 0 ? lwb_fail(L, &err) : 1;
}

static const luaL_Reg registry_funcs[] = {
	{ "register", l_register },
	{ "registry", l_registry },
	{ "alias_set", l_alias_set },
	{ "alias_rm", l_alias_rm },
	{ "alias_history", l_alias_history },
	{ "resolve_model", l_resolve_model },
	{ NULL, NULL },
};

void lwb_open_registry(lua_State *L)
{
	luaL_newmetatable(L, LWB_REGLOG);
	lua_pushcfunction(L, reglog_gc);
	lua_setfield(L, -2, "__gc");
	lua_pop(L, 1);
	luaL_setfuncs(L, registry_funcs, 0);
}
