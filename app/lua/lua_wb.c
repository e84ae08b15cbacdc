/*
 * lua_wb — module `wb`: the session and recorder shared by every binding,
 * run-level functions (log_param, log_metric, tag), and the module table
 * that each binding file extends.
 */
#include "lua/lua_wb.h"
#include "lua/lua_host.h"
#include "track/runlog.h"
#include "core/hash.h"

#include <jansson.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

static const char SESSION_KEY[] = "wb.session";

void lwb_set_session(lua_State *L, struct lwb_session *s)
{
	lua_pushlightuserdata(L, s);
	lua_setfield(L, LUA_REGISTRYINDEX, SESSION_KEY);
	/* wb.seed mirrors the session's seed for recipes. */
	if (s && lua_getglobal(L, "wb") == LUA_TTABLE) {
		lua_pushinteger(L, (lua_Integer)s->seed);
		lua_setfield(L, -2, "seed");
	}
	lua_pop(L, 1);
}

struct lwb_session *lwb_get_session(lua_State *L)
{
	lua_getfield(L, LUA_REGISTRYINDEX, SESSION_KEY);
	struct lwb_session *s = lua_touserdata(L, -1);
	lua_pop(L, 1);
	return s;
}

double lwb_now(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

int lwb_fail(lua_State *L, const struct wb_err *err)
{
	struct lwb_session *s = lwb_get_session(L);
	if (s)
		snprintf(s->last_failure, sizeof(s->last_failure), "%s", err->msg);
	lua_pushnil(L);
	lua_pushstring(L, err->msg);
	return 2;
}

/* A failure to write the run log must not go unnoticed (the record is the
 * point), but it must not lose the user's work either: it is raised as a
 * Lua error, which fails the run loudly with the reason. */
static void check_log(lua_State *L, int rc, const struct wb_err *err)
{
	if (rc < 0)
		luaL_error(L, "run log: %s", err->msg);
}

void lwb_record(lua_State *L, const char *kind, const char *params_json,
		const struct frame *const *inputs, int ninputs,
		const struct frame *output, const char *extra_hash,
		double started, const struct wb_err *failure)
{
	struct lwb_session *s = lwb_get_session(L);
	if (!s || !s->rl)
		return;

	json_t *in = json_array();
	char hex[WB_HASH_HEX];
	for (int k = 0; k < ninputs; k++) {
		frame_hash_hex(inputs[k], hex);
		json_array_append_new(in, json_string(hex));
	}
	char *inputs_json = json_dumps(in, JSON_COMPACT);
	json_decref(in);

	if (output)
		frame_hash_hex(output, hex);
	struct step_rec rec = {
		.kind = kind,
		.params_json = params_json,
		.inputs_json = inputs_json,
		.output_hash = output ? hex : extra_hash,
		.rows = output ? (int64_t)output->nrow : -1,
		.cols = output ? output->ncol : -1,
		.started = started,
		.seconds = lwb_now() - started,
		.status = failure ? "failed" : "ok",
		.message = failure ? failure->msg : NULL,
	};
	struct wb_err err;
	int seq = 0;
	int rc = runlog_add_step(s->rl, s->run_id, &rec, &seq, &err);
	free(inputs_json);
	if (rc == 0)
		s->nsteps = seq;
	check_log(L, rc, &err);
}

int lwb_file_sha(const char *path, char hex[WB_HASH_HEX], int64_t *bytes, struct wb_err *err)
{
	unsigned char h[WB_HASH_LEN];
	struct stat st;
	if (hash_file(path, h, err) < 0)
		return -1;
	if (stat(path, &st) < 0)
		return wb_error(err, "cannot stat '%s': %s", path, strerror(errno));
	hash_hex(h, hex);
	*bytes = (int64_t)st.st_size;
	return 0;
}

void lwb_add_artifact(lua_State *L, const char *path, const char *hex, int64_t bytes,
		      const char *kind)
{
	struct lwb_session *s = lwb_get_session(L);
	if (!s || !s->rl)
		return;
	char *abs = realpath(path, NULL);
	struct wb_err err;
	int rc = runlog_add_artifact(s->rl, s->run_id, abs ? abs : path, hex, bytes, kind, &err);
	free(abs);
	check_log(L, rc, &err);
}

/* A Lua value as JSON text for params and tags: numbers keep integer-ness,
 * doubles round-trip (17 digits). */
static char *value_json(lua_State *L, int idx)
{
	json_t *v;
	switch (lua_type(L, idx)) {
	case LUA_TNUMBER:
		if (lua_isinteger(L, idx))
			v = json_integer(lua_tointeger(L, idx));
		else
			v = json_real(lua_tonumber(L, idx));
		break;
	case LUA_TBOOLEAN:
		v = json_boolean(lua_toboolean(L, idx));
		break;
	case LUA_TSTRING:
		v = json_string(lua_tostring(L, idx));
		break;
	default:
		luaL_argerror(L, idx, "expected a number, string or boolean");
		return NULL;
	}
	if (!v) /* invalid UTF-8 or NaN */
		v = json_string(luaL_tolstring(L, idx, NULL));
	char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(17));
	json_decref(v);
	return s;
}

/*** wb.log_param(key, value) — records a parameter of the run. */
static int l_log_param(lua_State *L)
{
	const char *key = luaL_checkstring(L, 1);
	luaL_checkany(L, 2);
	char *vj = value_json(L, 2);
	struct lwb_session *s = lwb_get_session(L);
	struct wb_err err;
	int rc = 0;
	if (s && s->rl)
		rc = runlog_log_param(s->rl, s->run_id, key, vj, &err);
	free(vj);
	check_log(L, rc, &err);
	return 0;
}

/*** wb.log_metric(key, value [, step]) — records a metric (optionally per step/iteration). */
static int l_log_metric(lua_State *L)
{
	const char *key = luaL_checkstring(L, 1);
	double v = luaL_checknumber(L, 2);
	lua_Integer step = luaL_optinteger(L, 3, -1);
	if (lua_gettop(L) >= 3 && step < 0)
		luaL_argerror(L, 3, "step must be >= 0");
	struct lwb_session *s = lwb_get_session(L);
	struct wb_err err;
	int rc = 0;
	if (s && s->rl)
		rc = runlog_log_metric(s->rl, s->run_id, key, v, step, &err);
	check_log(L, rc, &err);
	return 0;
}

/*** wb.tag(key, value) — sets a tag on the run. */
static int l_tag(lua_State *L)
{
	const char *key = luaL_checkstring(L, 1);
	const char *val = luaL_tolstring(L, 2, NULL);
	struct lwb_session *s = lwb_get_session(L);
	struct wb_err err;
	int rc = 0;
	if (s && s->rl)
		rc = runlog_set_tag(s->rl, s->run_id, key, val, &err);
	check_log(L, rc, &err);
	return 0;
}

/*** wb.run_id() — the current run's id, or nil outside a recorded run. */
static int l_run_id(lua_State *L)
{
	struct lwb_session *s = lwb_get_session(L);
	if (s && s->rl && s->run_id[0])
		lua_pushstring(L, s->run_id);
	else
		lua_pushnil(L);
	return 1;
}

/*** wb.run_info([id]) -> a run as a table (the fields of `wb show --json`:
 * steps, params, metrics, artifacts, ...), the current run by default; nil,
 * message for an unknown id.  Needs a run log. */
static int l_run_info(lua_State *L)
{
	struct lwb_session *s = lwb_get_session(L);
	const char *id = luaL_optstring(L, 1, s ? s->run_id : NULL);
	if (!s || !s->rl)
		return luaL_error(L, "wb.run_info: there is no run log here");
	if (!id || !*id)
		return luaL_argerror(L, 1, "which run?");
	json_t *run = NULL;
	struct wb_err err;
	if (runlog_show_run(s->rl, id, &run, &err) < 0)
		return lwb_fail(L, &err);
	lwb_push_json(L, run);
	json_decref(run);
	return 1;
}

/*** wb.run_list([{ limit = N, where = "SQL" }]) -> runs, newest first, as tables
 * (the fields of `wb runs --json`: id, kind, name, status, started, seconds,
 * seed, metrics = { last value of each }). */
static int l_run_list(lua_State *L)
{
	struct lwb_session *s = lwb_get_session(L);
	lua_Integer limit = 0;
	const char *where = NULL;
	if (!lua_isnoneornil(L, 1)) {
		luaL_checktype(L, 1, LUA_TTABLE);
		lua_pushnil(L);
		while (lua_next(L, 1)) {
			lua_pop(L, 1);
			const char *k = lua_tostring(L, -1);
			if (lua_type(L, -1) != LUA_TSTRING || (strcmp(k, "limit") && strcmp(k, "where")))
				return luaL_error(L, "wb.run_list: unknown option '%s' (valid: limit, where)",
						  luaL_tolstring(L, -1, NULL));
		}
		lua_getfield(L, 1, "limit");
		limit = luaL_optinteger(L, -1, 0);
		lua_getfield(L, 1, "where");
		where = luaL_optstring(L, -1, NULL);
	}
	if (!s || !s->rl)
		return luaL_error(L, "wb.run_list: there is no run log here");
	json_t *runs = NULL;
	struct wb_err err;
	if (runlog_list_runs(s->rl, (int)limit, where, &runs, &err) < 0)
		return lwb_fail(L, &err);
	lwb_push_json(L, runs);
	json_decref(runs);
	return 1;
}

static int na_tostring(lua_State *L)
{
	lua_pushliteral(L, "NA");
	return 1;
}

static const luaL_Reg wb_funcs[] = {
	{ "log_param", l_log_param },
	{ "log_metric", l_log_metric },
	{ "tag", l_tag },
	{ "run_id", l_run_id },
	{ "run_info", l_run_info },
	{ "run_list", l_run_list },
	{ NULL, NULL },
};

/* Bindings that are not written yet register nothing; each binding file
 * defines its lwb_open_* function, so a missing one fails to link. */
int luaopen_wb(lua_State *L)
{
	luaL_newlib(L, wb_funcs);
	lua_pushliteral(L, WB_VERSION);
	lua_setfield(L, -2, "version");
	lua_pushstring(L, lhost_datadir());
	lua_setfield(L, -2, "datadir");
	lua_newtable(L);
	lua_setfield(L, -2, "params");
	lua_newtable(L);
	lua_setfield(L, -2, "config");
	lua_pushinteger(L, 0);
	lua_setfield(L, -2, "seed");

	/* wb.NA: the missing value in tables made from frames. */
	lua_newtable(L);
	lua_newtable(L);
	lua_pushcfunction(L, na_tostring);
	lua_setfield(L, -2, "__tostring");
	lua_pushliteral(L, "wb.NA");
	lua_setfield(L, -2, "__name");
	lua_setmetatable(L, -2);
	lua_pushvalue(L, -1);
	lua_setfield(L, LUA_REGISTRYINDEX, LWB_NA); /* safe from `wb = nil` */
	lua_setfield(L, -2, "NA");

	lwb_open_frame(L);
	lwb_open_recipe(L);
	lwb_open_model(L);
	lwb_open_plot(L);
	lwb_open_ship(L);
	lwb_open_registry(L);
	return 1;
}
