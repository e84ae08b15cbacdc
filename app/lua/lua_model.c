/*
 * lua_model — models from Lua: wb.train, model methods, wb.evaluate, wb.cv,
 * wb.check, wb.load_model and wb.models.
 *
 *   local m = wb.train{ data = train, target = "Status", model = "gbdt",
 *                       params = { rounds = 200, max_depth = 4 },
 *                       recipe = r,          -- unfitted; default: the family's
 *                       valid = test,        -- for early stopping
 *                       weight = "w", task = "classification", seed = 7 }
 *   local pred = m:predict(test)             -- pred, p_<class>...
 *   local ev = wb.evaluate(m, test)          -- { auc = ..., accuracy = ..., confusion = ... }
 *   wb.check{ metric = "auc", min = 0.85 }   -- exit code 3 when it fails
 *   local cv = wb.cv{ data = d, target = "y", models = { "logistic", "gbdt" }, folds = 5 }
 *   m:save("model.json"); local again = wb.load_model("model.json")
 *
 * Recording: wb.train is a "train" step (params: family, params, target,
 * task, recipe, seed; inputs: the data and validation frames; output: the
 * sha256 of the model JSON).  Per-round curves (gbdt's train/valid loss)
 * and train_seconds go to the run's metrics, the parameters to its params
 * (as model.<name>), and the model JSON is stored content-addressed next
 * to the run log (<log dir>/models/<sha256>.json) as an artifact.
 * wb.evaluate is an "evaluate" step and logs every scalar metric (with an
 * optional prefix); wb.cv is a "cv" step and logs cv_<metric> means;
 * wb.check is a "check" step, failed or ok.
 */
#include "lua/lua_wb.h"
#include "ml/cv.h"
#include "ml/metrics.h"
#include "ml/model.h"
#include "ml/recipe.h"
#include "track/runlog.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define LWB_MODEL "wb.model"

struct lmodel {
	struct model *m;
};

static struct model *check_model(lua_State *L, int idx)
{
	struct lmodel *b = luaL_checkudata(L, idx, LWB_MODEL);
	if (!b->m)
		luaL_argerror(L, idx, "model is closed");
	return b->m;
}

static void push_model(lua_State *L, struct model *m)
{
	struct lmodel *b = lua_newuserdatauv(L, sizeof(*b), 0);
	b->m = NULL;
	luaL_setmetatable(L, LWB_MODEL);
	b->m = m;
}

static int model_gc(lua_State *L)
{
	struct lmodel *b = luaL_checkudata(L, 1, LWB_MODEL);
	model_free(b->m);
	b->m = NULL;
	return 0;
}

/* Checks that table idx has only the given string keys. */
static void check_keys(lua_State *L, int idx, const char *fn, const char *const *keys)
{
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		lua_pop(L, 1);
		const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
		int ok = 0;
		for (int i = 0; k && keys[i] && !ok; i++)
			ok = !strcmp(k, keys[i]);
		if (!ok) {
			char list[512];
			size_t at = 0;
			list[0] = 0;
			for (int i = 0; keys[i] && at < sizeof(list); i++)
				at += (size_t)snprintf(list + at, sizeof(list) - at, "%s%s",
						       i ? ", " : "", keys[i]);
			luaL_error(L, "%s: unknown option '%s' (valid: %s)", fn,
				   k ? k : luaL_typename(L, -1), list);
		}
	}
}

static const char *opt_string(lua_State *L, int t, const char *key, const char *fn)
{
	int ty = lua_getfield(L, t, key);
	const char *s = NULL;
	if (ty == LUA_TSTRING)
		s = lua_tostring(L, -1);
	else if (ty != LUA_TNIL)
		luaL_error(L, "%s: option '%s' must be a string", fn, key);
	lua_pop(L, 1); /* the string stays alive in the table */
	return s;
}

static struct frame *opt_frame(lua_State *L, int t, const char *key, const char *fn, int need)
{
	lua_getfield(L, t, key);
	struct frame *f = lwb_to_frame(L, -1);
	if (!f && (need || !lua_isnil(L, -1)))
		luaL_error(L, "%s: option '%s' must be a frame", fn, key);
	lua_pop(L, 1);
	return f;
}

static uint64_t session_seed(lua_State *L)
{
	struct lwb_session *s = lwb_get_session(L);
	return s ? s->seed : 0;
}

/* ---------------------------------------------------------------- recording */

/* Per-round metrics, buffered during training and written in one
 * transaction after it (a transaction per round would cost more than a
 * round of boosting). */
struct curve {
	size_t n, cap;
	const char **keys;
	double *values;
	int64_t *steps;
	char *names[8];   /* interned key strings */
	int nnames;
};

static void curve_add(void *ud, const char *name, double value, int iter)
{
	struct curve *c = ud;
	const char *key = NULL;
	for (int k = 0; k < c->nnames && !key; k++)
		if (!strcmp(c->names[k], name))
			key = c->names[k];
	if (!key) {
		if (c->nnames == 8)
			return;
		key = c->names[c->nnames++] = xstrdup(name);
	}
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 256;
		c->keys = xreallocarray(c->keys, c->cap, sizeof(char *));
		c->values = xreallocarray(c->values, c->cap, sizeof(double));
		c->steps = xreallocarray(c->steps, c->cap, sizeof(int64_t));
	}
	c->keys[c->n] = key;
	c->values[c->n] = value;
	c->steps[c->n++] = iter;
}

static void curve_release(struct curve *c)
{
	free(c->keys);
	free(c->values);
	free(c->steps);
	for (int k = 0; k < c->nnames; k++)
		free(c->names[k]);
}

/* mkdir -p for the directory part of path. */
static int make_dirs(char *path)
{
	for (char *p = path + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			int rc = mkdir(path, 0777);
			*p = '/';
			if (rc < 0 && errno != EEXIST)
				return -1;
		}
	return 0;
}

/* Stores the model JSON next to the run log and records it as an artifact. */
static int store_model(struct lwb_session *s, const struct model *m, struct wb_err *err)
{
	const char *log = runlog_path(s->rl);
	const char *slash = strrchr(log, '/');
	char *path = xasprintf("%.*smodels/%s.json", slash ? (int)(slash - log + 1) : 0, log,
			       m->json_hash);
	char *json = model_to_json(m);
	size_t len = strlen(json);
	int rc = 0;
	FILE *fp = make_dirs(path) == 0 ? fopen(path, "wb") : NULL;
	if (!fp || fwrite(json, 1, len, fp) != len)
		rc = wb_error(err, "cannot write model artifact '%s': %s", path, strerror(errno));
	if (fp && fclose(fp) != 0 && rc == 0)
		rc = wb_error(err, "cannot write model artifact '%s': %s", path, strerror(errno));
	if (rc == 0)
		rc = runlog_add_artifact(s->rl, s->run_id, path, m->json_hash, (int64_t)len,
					 "model", err);
	free(json);
	free(path);
	return rc;
}

/* Params, the training curve, train_seconds and the model artifact. */
static int log_train(lua_State *L, const struct model *m, const struct curve *c, double secs,
		     struct wb_err *err)
{
	struct lwb_session *s = lwb_get_session(L);
	if (!s || !s->rl)
		return 0;
	if (runlog_log_metrics(s->rl, s->run_id, c->n, c->keys, c->values, c->steps, err) < 0)
		return -1;
	const char *key;
	json_t *v;
	json_object_foreach(m->params, key, v) {
		char *k = xasprintf("model.%s", key);
		char *vj = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(17));
		int rc = runlog_log_param(s->rl, s->run_id, k, vj, err);
		free(k);
		free(vj);
		if (rc < 0)
			return -1;
	}
	char fam[64], threads[16];
	snprintf(fam, sizeof(fam), "\"%s\"", m->type->name);
	snprintf(threads, sizeof(threads), "%d", omp_get_max_threads());
	if (runlog_log_param(s->rl, s->run_id, "model", fam, err) < 0 ||
	    runlog_log_param(s->rl, s->run_id, "threads", threads, err) < 0 ||
	    runlog_log_metric(s->rl, s->run_id, "train_seconds", secs, -1, err) < 0)
		return -1;
	return store_model(s, m, err);
}

/* ---------------------------------------------------------------- wb.train */

static const char *const train_keys[] = { "data", "target", "model", "params", "recipe",
					  "valid", "weight", "task", "seed", NULL };

/* Reads the options at table t shared by wb.train and wb.cv into o. */
static void read_train_opts(lua_State *L, int t, const char *fn, struct model_train_opts *o,
			    const char **family, json_t **params)
{
	memset(o, 0, sizeof(*o));
	o->target = opt_string(L, t, "target", fn);
	const char *task = opt_string(L, t, "task", fn);
	if (task) {
		if (!strcmp(task, "classification"))
			o->task = MODEL_CLASSIFY;
		else if (!strcmp(task, "regression"))
			o->task = MODEL_REGRESS;
		else
			luaL_error(L, "%s: option 'task' must be \"classification\" or "
				   "\"regression\"", fn);
	}
	o->weight = opt_string(L, t, "weight", fn);
	int ty = lua_getfield(L, t, "recipe");
	if (ty == LUA_TBOOLEAN && !lua_toboolean(L, -1))
		o->no_recipe = 1;
	else if (ty != LUA_TNIL)
		o->recipe = lwb_check_recipe(L, lua_gettop(L));
	lua_pop(L, 1); /* the recipe stays referenced by the table */
	o->match = lwb_match;
	o->match_ud = L;
	o->seed = session_seed(L);
	if (lua_getfield(L, t, "seed") != LUA_TNIL) {
		if (!lua_isinteger(L, -1))
			luaL_error(L, "%s: option 'seed' must be an integer", fn);
		o->seed = (uint64_t)lua_tointeger(L, -1);
	}
	lua_pop(L, 1);
	if (family) {
		*family = opt_string(L, t, "model", fn);
		if (!*family)
			*family = "gbdt";
	}
	if (params) {
		*params = NULL;
		if (lua_getfield(L, t, "params") != LUA_TNIL) {
			if (!lua_istable(L, -1))
				luaL_error(L, "%s: option 'params' must be a table", fn);
			const char *why = NULL;
			*params = lwb_to_json(L, -1, &why);
			if (!*params)
				luaL_error(L, "%s: params: %s", fn, why);
			if (!json_is_object(*params) && json_array_size(*params) == 0) {
				json_decref(*params);
				*params = json_object();
			}
		}
		lua_pop(L, 1);
	}
}

static char *train_params_json(const struct model *m, const struct model_train_opts *o,
			       const char *family, const json_t *params)
{
	json_t *p = json_object();
	json_object_set_new(p, "family", json_string(family));
	json_object_set_new(p, "params", params ? json_deep_copy(params) : json_object());
	json_object_set_new(p, "target", o->target ? json_string(o->target) : json_null());
	if (m && m->fitted)
		json_object_set_new(p, "task", json_string(model_task_name(m->task)));
	char *spec = o->recipe ? recipe_spec_json(o->recipe) : NULL;
	json_t *sj = spec ? json_loads(spec, 0, NULL) : NULL;
	free(spec);
	json_object_set_new(p, "recipe", sj ? sj : json_string(o->no_recipe ? "none" : "default"));
	if (o->weight)
		json_object_set_new(p, "weight", json_string(o->weight));
	char seed[32];
	snprintf(seed, sizeof(seed), "%llu", (unsigned long long)o->seed);
	json_object_set_new(p, "seed", json_string(seed));
	char *out = json_dumps(p, JSON_COMPACT | JSON_REAL_PRECISION(17));
	json_decref(p);
	return out;
}

/* Per model (weak keys): the frame it was trained on and its last
 * evaluation, which wb.package uses as the bundle's data and metrics. */
static const char MODEL_DATA[] = "wb.model_data";
static const char MODEL_EVAL[] = "wb.model_eval";

static void remember(lua_State *L, const char *table, int key, int value)
{
	key = lua_absindex(L, key);
	value = lua_absindex(L, value);
	if (lua_getfield(L, LUA_REGISTRYINDEX, table) != LUA_TTABLE) {
		lua_pop(L, 1);
		lua_newtable(L);
		lua_createtable(L, 0, 1);
		lua_pushliteral(L, "k");
		lua_setfield(L, -2, "__mode");
		lua_setmetatable(L, -2);
		lua_pushvalue(L, -1);
		lua_setfield(L, LUA_REGISTRYINDEX, table);
	}
	lua_pushvalue(L, key);
	lua_pushvalue(L, value);
	lua_settable(L, -3);
	lua_pop(L, 1);
}

/*** wb.train{ data = f, target = "y", model = "gbdt", params = {...}, recipe = r,
 *             valid = f, weight = "w", task = "classification", seed = n } -> model
 * model defaults to "gbdt"; recipe = false trains on the columns as they are. */
static int l_train(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	check_keys(L, 1, "wb.train", train_keys);
	struct frame *data = opt_frame(L, 1, "data", "wb.train", 1);
	struct frame *valid = opt_frame(L, 1, "valid", "wb.train", 0);
	struct model_train_opts o;
	const char *family;
	json_t *params;
	read_train_opts(L, 1, "wb.train", &o, &family, &params);
	o.valid = valid;
	struct curve curve;
	memset(&curve, 0, sizeof(curve));
	o.on_metric = curve_add;
	o.ud = &curve;

	double t0 = lwb_now();
	struct wb_err err;
	struct model *m = model_new(family, params, &err);
	int rc = m ? model_train(m, data, &o, &err) : -1;
	double secs = lwb_now() - t0;
	char *pj = train_params_json(m, &o, family, params);
	json_decref(params);
	if (rc == 0) {
		push_model(L, m); /* owned by Lua from here on */
		int mi = lua_gettop(L);
		lua_getfield(L, 1, "data");
		remember(L, MODEL_DATA, mi, lua_gettop(L));
		lua_pop(L, 1);
	} else {
		model_free(m);
	}
	struct wb_err lerr;
	int lrc = rc == 0 ? log_train(L, m, &curve, secs, &lerr) : 0;
	curve_release(&curve);
	const struct frame *in[2] = { data, valid };
	lwb_record(L, "train", pj, in, valid ? 2 : 1, NULL, rc == 0 ? m->json_hash : NULL, t0,
		   rc == 0 ? NULL : &err);
	free(pj);
	if (lrc < 0)
		return luaL_error(L, "run log: %s", lerr.msg);
	if (rc < 0)
		return lwb_fail(L, &err);
	return 1;
}

/* ---------------------------------------------------------------- model methods */

/*** model:predict(frame [, { proba = true }]) -> frame of pred (+ p_<class>) */
static int model_predict_l(lua_State *L)
{
	struct model *m = check_model(L, 1);
	struct frame *f = lwb_check_frame(L, 2);
	int proba = 1;
	if (!lua_isnoneornil(L, 3)) {
		luaL_checktype(L, 3, LUA_TTABLE);
		static const char *const keys[] = { "proba", NULL };
		check_keys(L, 3, "model:predict", keys);
		if (lua_getfield(L, 3, "proba") != LUA_TNIL)
			proba = lua_toboolean(L, -1);
		lua_pop(L, 1);
	}
	double t0 = lwb_now();
	struct wb_err err;
	struct frame *out = model_predict(m, f, proba, &err);
	char params[WB_HASH_HEX + 40];
	snprintf(params, sizeof(params), "{\"model\":\"%s\",\"proba\":%s}", m->json_hash,
		 proba ? "true" : "false");
	const struct frame *in[1] = { f };
	lwb_record(L, "predict", params, in, 1, out, NULL, t0, out ? NULL : &err);
	if (!out)
		return lwb_fail(L, &err);
	lwb_push_frame(L, out);
	return 1;
}

static int model_tostring(lua_State *L)
{
	char *d = model_describe(check_model(L, 1));
	size_t len = strlen(d);
	lua_pushlstring(L, d, len && d[len - 1] == '\n' ? len - 1 : len);
	free(d);
	return 1;
}

/*** model:to_json() -> text (deterministic bytes) */
static int model_to_json_l(lua_State *L)
{
	char *j = model_to_json(check_model(L, 1));
	lua_pushstring(L, j);
	free(j);
	return 1;
}

/*** model:hash() -> sha256 of the model JSON */
static int model_hash_l(lua_State *L)
{
	lua_pushstring(L, check_model(L, 1)->json_hash);
	return 1;
}

/*** model:save(path) -> true (or nil, msg) */
static int model_save_l(lua_State *L)
{
	struct model *m = check_model(L, 1);
	const char *path = luaL_checkstring(L, 2);
	char *j = model_to_json(m);
	size_t len = strlen(j);
	struct wb_err err;
	FILE *fp = fopen(path, "wb");
	int bad = !fp || fwrite(j, 1, len, fp) != len;
	if (fp && fclose(fp) != 0)
		bad = 1;
	free(j);
	if (bad) {
		wb_error(&err, "cannot write model '%s': %s", path, strerror(errno));
		return lwb_fail(L, &err);
	}
	lua_pushboolean(L, 1);
	return 1;
}

/*** model:info() -> { family, task, target, classes, features, params, seed, train_rows, hash } */
static int model_info_l(lua_State *L)
{
	struct model *m = check_model(L, 1);
	lua_newtable(L);
	lua_pushstring(L, m->type->name);
	lua_setfield(L, -2, "family");
	lua_pushstring(L, model_task_name(m->task));
	lua_setfield(L, -2, "task");
	if (m->target) {
		lua_pushstring(L, m->target);
		lua_setfield(L, -2, "target");
	}
	if (m->task == MODEL_CLASSIFY) {
		lua_createtable(L, m->nclass, 0);
		for (int k = 0; k < m->nclass; k++) {
			lua_pushstring(L, m->classes[k]);
			lua_rawseti(L, -2, k + 1);
		}
		lua_setfield(L, -2, "classes");
	}
	lua_createtable(L, m->p, 0);
	for (int j = 0; j < m->p; j++) {
		lua_pushstring(L, m->features[j]);
		lua_rawseti(L, -2, j + 1);
	}
	lua_setfield(L, -2, "features");
	lwb_push_json(L, m->params);
	lua_setfield(L, -2, "params");
	lua_pushinteger(L, (lua_Integer)m->seed);
	lua_setfield(L, -2, "seed");
	lua_pushinteger(L, (lua_Integer)m->train_rows);
	lua_setfield(L, -2, "train_rows");
	lua_pushstring(L, m->json_hash);
	lua_setfield(L, -2, "hash");
	lua_pushnumber(L, m->train_seconds);
	lua_setfield(L, -2, "train_seconds");
	return 1;
}

/*** model:importance() -> { { feature = "x", importance = 0.4 }, ... } largest first
 * (nil, msg for a family without importance). */
static int model_importance_l(lua_State *L)
{
	struct model *m = check_model(L, 1);
	double *v = model_importance(m);
	if (!v) {
		struct wb_err err;
		wb_error(&err, "%s has no feature importance", m->type->name);
		return lwb_fail(L, &err);
	}
	int *order = xmallocarray((size_t)m->p, sizeof(int));
	for (int j = 0; j < m->p; j++)
		order[j] = j;
	for (int a = 1; a < m->p; a++) { /* stable insertion sort, largest first */
		int x = order[a], b = a;
		while (b > 0 && v[order[b - 1]] < v[x]) {
			order[b] = order[b - 1];
			b--;
		}
		order[b] = x;
	}
	lua_createtable(L, m->p, 0);
	for (int k = 0; k < m->p; k++) {
		lua_createtable(L, 0, 2);
		lua_pushstring(L, m->features[order[k]]);
		lua_setfield(L, -2, "feature");
		lua_pushnumber(L, v[order[k]]);
		lua_setfield(L, -2, "importance");
		lua_rawseti(L, -2, k + 1);
	}
	free(order);
	free(v);
	return 1;
}

/*** wb.load_model(path [, { allow_custom = false }]) -> model (or nil, msg)
 * A recipe with custom Lua steps runs their stored code only with
 * allow_custom, and then in a sandbox (no io, os, require). */
static int l_load_model(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	int allow_custom = 0;
	if (!lua_isnoneornil(L, 2)) {
		luaL_checktype(L, 2, LUA_TTABLE);
		static const char *const keys[] = { "allow_custom", NULL };
		check_keys(L, 2, "wb.load_model", keys);
		lua_getfield(L, 2, "allow_custom");
		allow_custom = lua_toboolean(L, -1);
		lua_pop(L, 1);
	}
	struct wb_err err;
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		wb_error(&err, "cannot open model '%s': %s", path, strerror(errno));
		return lwb_fail(L, &err);
	}
	luaL_Buffer b;
	luaL_buffinit(L, &b);
	char chunk[65536];
	size_t got;
	while ((got = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		luaL_addlstring(&b, chunk, got);
	fclose(fp);
	luaL_pushresult(&b);
	struct model *m = model_from_json(lua_tostring(L, -1), &err);
	if (!m) {
		wb_error_prefix(&err, "%s", path);
		return lwb_fail(L, &err);
	}
	push_model(L, m);
	if (allow_custom && m->recipe && lwb_bind_custom(NULL, m->recipe, &err) < 0) {
		wb_error_prefix(&err, "%s", path);
		return lwb_fail(L, &err);
	}
	return 1;
}

/*** wb.models() -> the registered family names */
static int l_models(lua_State *L)
{
	lua_newtable(L);
	int k = 0;
	for (const char *const *n = model_type_names(); *n; n++) {
		lua_pushstring(L, *n);
		lua_rawseti(L, -2, ++k);
	}
	return 1;
}

/* ---------------------------------------------------------------- evaluation */

static void push_metrics(lua_State *L, const struct metrics *mt, const struct model *m)
{
	lua_newtable(L);
	for (int k = 0; k < mt->n; k++) {
		lua_pushnumber(L, mt->values[k]);
		lua_setfield(L, -2, mt->names[k]);
	}
	lua_pushinteger(L, (lua_Integer)mt->rows);
	lua_setfield(L, -2, "n");
	if (mt->skipped) {
		lua_pushinteger(L, (lua_Integer)mt->skipped);
		lua_setfield(L, -2, "skipped");
	}
	if (!mt->k || !m)
		return;
	lua_pushinteger(L, (lua_Integer)mt->unseen);
	lua_setfield(L, -2, "unseen");
	lua_createtable(L, mt->k, 0);
	for (int c = 0; c < mt->k; c++) {
		lua_pushstring(L, m->classes[c]);
		lua_rawseti(L, -2, c + 1);
	}
	lua_setfield(L, -2, "classes");
	lua_createtable(L, mt->k, 0);
	for (int a = 0; a < mt->k; a++) {
		lua_createtable(L, mt->k, 0);
		for (int b = 0; b < mt->k; b++) {
			lua_pushinteger(L, (lua_Integer)mt->confusion[a * mt->k + b]);
			lua_rawseti(L, -2, b + 1);
		}
		lua_rawseti(L, -2, a + 1);
	}
	lua_setfield(L, -2, "confusion");
	lua_newtable(L);
	for (int c = 0; c < mt->k; c++) {
		lua_createtable(L, 0, 4);
		lua_pushnumber(L, mt->precision[c]);
		lua_setfield(L, -2, "precision");
		lua_pushnumber(L, mt->recall[c]);
		lua_setfield(L, -2, "recall");
		lua_pushnumber(L, mt->f1[c]);
		lua_setfield(L, -2, "f1");
		lua_pushinteger(L, (lua_Integer)mt->support[c]);
		lua_setfield(L, -2, "support");
		lua_setfield(L, -2, m->classes[c]);
	}
	lua_setfield(L, -2, "per_class");
}

/* Evaluations remember what they scored (model and frame) in a table with
 * weak keys, so wb.plot.roc(ev) can draw the curve without the user
 * passing both again, and without putting userdata into the metrics table
 * that people print and compare. */
static const char EVAL_SOURCES[] = "wb.eval_sources";

static void remember_source(lua_State *L, int ev, int model, int frame)
{
	ev = lua_absindex(L, ev);
	lua_createtable(L, 2, 0);
	lua_pushvalue(L, model);
	lua_rawseti(L, -2, 1);
	lua_pushvalue(L, frame);
	lua_rawseti(L, -2, 2);
	remember(L, EVAL_SOURCES, ev, -1);
	lua_pop(L, 1);
}

void lwb_model_remembered(lua_State *L, int idx, int eval)
{
	idx = lua_absindex(L, idx);
	if (lua_getfield(L, LUA_REGISTRYINDEX, eval ? MODEL_EVAL : MODEL_DATA) != LUA_TTABLE) {
		lua_pop(L, 1);
		lua_pushnil(L);
		return;
	}
	lua_pushvalue(L, idx);
	lua_gettable(L, -2);
	lua_remove(L, -2);
}

int lwb_eval_source(lua_State *L, int idx)
{
	idx = lua_absindex(L, idx);
	if (lua_getfield(L, LUA_REGISTRYINDEX, EVAL_SOURCES) != LUA_TTABLE) {
		lua_pop(L, 1);
		return 0;
	}
	lua_pushvalue(L, idx);
	if (lua_gettable(L, -2) != LUA_TTABLE) {
		lua_pop(L, 2);
		return 0;
	}
	lua_rawgeti(L, -1, 1);
	lua_rawgeti(L, -2, 2);
	lua_remove(L, -3);
	lua_remove(L, -3);
	return 1;
}

struct model *lwb_to_model(lua_State *L, int idx)
{
	struct lmodel *b = luaL_testudata(L, idx, LWB_MODEL);
	return b ? b->m : NULL;
}

/*** wb.evaluate(model, frame [, { prefix = "test_", log = true }]) -> metrics table
 * Classification: accuracy, balanced_accuracy, precision_macro, recall_macro,
 * f1_macro, f1_micro, f1_weighted, auc, pr_auc, logloss, brier, plus n,
 * classes, confusion (rows true, columns predicted), per_class, unseen.
 * Regression: rmse, mae, r2, mape, n.  Each scalar is logged to the run as
 * prefix..name unless log = false. */
static int l_evaluate(lua_State *L)
{
	struct model *m = check_model(L, 1);
	struct frame *f = lwb_check_frame(L, 2);
	const char *prefix = "";
	int log = 1;
	if (!lua_isnoneornil(L, 3)) {
		luaL_checktype(L, 3, LUA_TTABLE);
		static const char *const keys[] = { "prefix", "log", NULL };
		check_keys(L, 3, "wb.evaluate", keys);
		prefix = opt_string(L, 3, "prefix", "wb.evaluate");
		prefix = prefix ? prefix : "";
		if (lua_getfield(L, 3, "log") != LUA_TNIL)
			log = lua_toboolean(L, -1);
		lua_pop(L, 1);
	}
	double t0 = lwb_now();
	struct metrics mt;
	memset(&mt, 0, sizeof(mt));
	struct wb_err err;
	int rc = model_evaluate(m, f, &mt, &err);
	if (rc == 0) {
		push_metrics(L, &mt, m);
		remember_source(L, lua_gettop(L), 1, 2);
		remember(L, MODEL_EVAL, 1, lua_gettop(L));
	}
	json_t *pj = json_pack("{s:s,s:s}", "model", m->json_hash, "prefix", prefix);
	char *params = json_dumps(pj, JSON_COMPACT);
	json_decref(pj);
	struct wb_err lerr;
	int lrc = 0;
	struct lwb_session *s = lwb_get_session(L);
	if (rc == 0 && log && s && s->rl) {
		const char **keys = xcalloc((size_t)mt.n + 1, sizeof(char *));
		int64_t *steps = xcalloc((size_t)mt.n + 1, sizeof(int64_t));
		for (int k = 0; k < mt.n; k++) {
			keys[k] = xasprintf("%s%s", prefix, mt.names[k]);
			steps[k] = -1;
		}
		lrc = runlog_log_metrics(s->rl, s->run_id, (size_t)mt.n, keys, mt.values, steps,
					 &lerr);
		for (int k = 0; k < mt.n; k++)
			free((void *)(uintptr_t)keys[k]);
		free(keys);
		free(steps);
	}
	metrics_release(&mt);
	const struct frame *in[1] = { f };
	lwb_record(L, "evaluate", params, in, 1, NULL, m->json_hash, t0, rc == 0 ? NULL : &err);
	free(params);
	if (lrc < 0)
		return luaL_error(L, "run log: %s", lerr.msg);
	if (rc < 0)
		return lwb_fail(L, &err);
	return 1;
}

/* ---------------------------------------------------------------- wb.cv */

static const char *const cv_keys[] = { "data", "target", "model", "models", "params",
				       "recipe", "weight", "task", "seed", "folds", "repeats",
				       "kind", "by", "group", "metric", NULL };

struct cv_entry {
	char name[64];
	const char *family;
	json_t *params;
	struct model_train_opts o;
	struct cv_result *res;
	int nres;
};

static int metrics_has(const struct metrics *m, const char *name)
{
	for (int k = 0; k < m->n; k++)
		if (!strcmp(m->names[k], name))
			return 1;
	return 0;
}

static void metrics_names(const struct metrics *m, char *buf, size_t size)
{
	size_t at = 0;
	buf[0] = 0;
	for (int k = 0; k < m->n && at < size; k++)
		at += (size_t)snprintf(buf + at, size - at, "%s%s", k ? ", " : "", m->names[k]);
}

#define LWB_CV_ENTRIES "wb.cv_entries"

struct cv_entries {
	int n;
	struct cv_entry e[];
};

static int cv_entries_gc(lua_State *L)
{
	struct cv_entries *all = lua_touserdata(L, 1);
	for (int k = 0; k < all->n; k++) {
		cv_free_results(all->e[k].res, all->e[k].nres);
		all->e[k].res = NULL;
		json_decref(all->e[k].params);
		all->e[k].params = NULL;
	}
	all->n = 0;
	return 0;
}

static void push_fold_table(lua_State *L, const struct cv_result *r)
{
	lua_newtable(L);
	lua_pushinteger(L, r->repeat + 1);
	lua_setfield(L, -2, "repeat");
	lua_pushinteger(L, r->fold + 1);
	lua_setfield(L, -2, "fold");
	lua_pushinteger(L, (lua_Integer)r->ntrain);
	lua_setfield(L, -2, "n_train");
	lua_pushinteger(L, (lua_Integer)r->ntest);
	lua_setfield(L, -2, "n_test");
	lua_pushnumber(L, r->seconds);
	lua_setfield(L, -2, "seconds");
	for (int k = 0; k < r->metrics.n; k++) {
		lua_pushnumber(L, r->metrics.values[k]);
		lua_setfield(L, -2, r->metrics.names[k]);
	}
}

/* mean and sd of metric `name` over the folds (NaN folds skipped). */
static void fold_stats(const struct cv_result *r, int n, const char *name, double *mean,
		       double *sd)
{
	double s = 0, ss = 0;
	int c = 0;
	for (int k = 0; k < n; k++) {
		double v = metrics_get(&r[k].metrics, name);
		if (isnan(v))
			continue;
		s += v;
		c++;
	}
	*mean = c ? s / c : NAN;
	for (int k = 0; k < n; k++) {
		double v = metrics_get(&r[k].metrics, name);
		if (!isnan(v))
			ss += (v - *mean) * (v - *mean);
	}
	*sd = c > 1 ? sqrt(ss / (c - 1)) : NAN;
}

static void push_entry(lua_State *L, const struct cv_entry *e)
{
	lua_newtable(L);
	lua_pushstring(L, e->name);
	lua_setfield(L, -2, "name");
	lua_createtable(L, e->nres, 0);
	for (int k = 0; k < e->nres; k++) {
		push_fold_table(L, &e->res[k]);
		lua_rawseti(L, -2, k + 1);
	}
	lua_setfield(L, -2, "folds");
	lua_newtable(L);
	lua_newtable(L);
	const struct metrics *m0 = &e->res[0].metrics;
	for (int k = 0; k < m0->n; k++) {
		double mean, sd;
		fold_stats(e->res, e->nres, m0->names[k], &mean, &sd);
		lua_pushnumber(L, mean);
		lua_setfield(L, -3, m0->names[k]);
		lua_pushnumber(L, sd);
		lua_setfield(L, -2, m0->names[k]);
	}
	lua_setfield(L, -3, "sd");
	lua_setfield(L, -2, "mean");
}

/* Reads one entry of `models` (a family name or a table) at the top. */
static void read_cv_entry(lua_State *L, int t, int idx, struct cv_entry *e)
{
	read_train_opts(L, t, "wb.cv", &e->o, &e->family, &e->params);
	if (lua_type(L, idx) == LUA_TSTRING) {
		e->family = lua_tostring(L, idx);
	} else if (lua_istable(L, idx)) {
		static const char *const keys[] = { "model", "params", "recipe", "name", NULL };
		check_keys(L, idx, "wb.cv: models entry", keys);
		const char *fam = opt_string(L, idx, "model", "wb.cv");
		if (fam)
			e->family = fam;
		if (lua_getfield(L, idx, "params") != LUA_TNIL) {
			const char *why = NULL;
			json_decref(e->params);
			e->params = lwb_to_json(L, -1, &why);
			if (!e->params)
				luaL_error(L, "wb.cv: params: %s", why);
			if (!json_is_object(e->params)) {
				json_decref(e->params);
				e->params = json_object();
			}
		}
		lua_pop(L, 1);
		int ty = lua_getfield(L, idx, "recipe");
		if (ty == LUA_TBOOLEAN && !lua_toboolean(L, -1)) {
			e->o.no_recipe = 1;
			e->o.recipe = NULL;
		} else if (ty != LUA_TNIL) {
			e->o.recipe = lwb_check_recipe(L, lua_gettop(L));
		}
		lua_pop(L, 1);
		const char *name = opt_string(L, idx, "name", "wb.cv");
		if (name)
			snprintf(e->name, sizeof(e->name), "%s", name);
	} else {
		luaL_error(L, "wb.cv: each models entry must be a family name or a table");
	}
	if (!e->name[0])
		snprintf(e->name, sizeof(e->name), "%s", e->family);
}

static int cv_int(lua_State *L, int t, const char *key, int def, int lo)
{
	int v = def;
	if (lua_getfield(L, t, key) != LUA_TNIL) {
		if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < lo || lua_tointeger(L, -1) > 1000)
			luaL_error(L, "wb.cv: option '%s' must be an integer in %d..1000", key, lo);
		v = (int)lua_tointeger(L, -1);
	}
	lua_pop(L, 1);
	return v;
}

/*** wb.cv{ data = f, target = "y", model = "gbdt" | models = { "logistic", { model = "gbdt",
 *          params = {...}, name = "gb" } }, params = {...}, recipe = r, folds = 5,
 *          repeats = 1, kind = "kfold" | "stratified" | "group" | "time",
 *          group = "col", seed = n, metric = "auc" } -> result
 * kind defaults to stratified (by the target) when the target is text, bool
 * or a two-valued int, else kfold; group = "col" implies kind = "group".
 * One model: { folds = {...}, mean = {...}, sd = {...}, metric }.  Several:
 * { models = { {name, folds, mean, sd}, ... }, compare = { {a, b, metric,
 * diff, t, p}, ... } } where compare pairs every model with the first by
 * the corrected resampled t-test. */
static int l_cv(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	check_keys(L, 1, "wb.cv", cv_keys);
	struct frame *data = opt_frame(L, 1, "data", "wb.cv", 1);
	struct cv_plan plan;
	memset(&plan, 0, sizeof(plan));
	plan.folds = cv_int(L, 1, "folds", 5, 2);
	plan.repeats = cv_int(L, 1, "repeats", 1, 1);
	const char *target = opt_string(L, 1, "target", "wb.cv");
	const char *kind = opt_string(L, 1, "kind", "wb.cv");
	const char *group = opt_string(L, 1, "group", "wb.cv");
	const char *by = opt_string(L, 1, "by", "wb.cv");
	const char *metric = opt_string(L, 1, "metric", "wb.cv");
	if (kind && cv_kind_parse(kind, &plan.kind) < 0)
		return luaL_error(L, "wb.cv: option 'kind' must be kfold, stratified, group or time");
	if (!kind) {
		const struct column *y = target ? frame_col(data, target) : NULL;
		int text = y && (y->kind == COL_CAT || y->kind == COL_STR || y->kind == COL_BOOL);
		plan.kind = group ? CV_GROUP : text ? CV_STRATIFIED : CV_KFOLD;
	}
	plan.by = plan.kind == CV_GROUP ? (group ? group : by) : (by ? by : target);
	plan.seed = session_seed(L);
	if (lua_getfield(L, 1, "seed") != LUA_TNIL) {
		if (!lua_isinteger(L, -1))
			return luaL_error(L, "wb.cv: option 'seed' must be an integer");
		plan.seed = (uint64_t)lua_tointeger(L, -1);
	}
	lua_pop(L, 1);

	int nentries = 1;
	int ty = lua_getfield(L, 1, "models");
	if (ty != LUA_TNIL) {
		if (!lua_istable(L, -1) || lua_rawlen(L, -1) == 0)
			return luaL_error(L, "wb.cv: option 'models' must be a non-empty list");
		nentries = (int)lua_rawlen(L, -1);
	}
	int models_idx = lua_gettop(L);
	/* Entries live in a userdata whose __gc frees them, so that a Lua error
	 * anywhere below cannot leak them. */
	struct cv_entries *all = lua_newuserdatauv(L, sizeof(*all) + sizeof(struct cv_entry) *
						   (size_t)nentries, 0);
	memset(all, 0, sizeof(*all) + sizeof(struct cv_entry) * (size_t)nentries);
	luaL_setmetatable(L, LWB_CV_ENTRIES);
	all->n = nentries;
	struct cv_entry *e = all->e;
	for (int k = 0; k < nentries; k++) {
		if (ty != LUA_TNIL) {
			lua_rawgeti(L, models_idx, k + 1);
			read_cv_entry(L, 1, lua_gettop(L), &e[k]);
			lua_pop(L, 1);
		} else {
			read_train_opts(L, 1, "wb.cv", &e[k].o, &e[k].family, &e[k].params);
			snprintf(e[k].name, sizeof(e[k].name), "%s", e[k].family);
		}
	}

	double t0 = lwb_now();
	struct wb_err err;
	struct cv_split *splits = NULL;
	int nsplits = 0, rc = cv_make_splits(&plan, data, &splits, &nsplits, &err);
	for (int k = 0; rc == 0 && k < nentries; k++) {
		struct cv_model spec = { .family = e[k].family, .params = e[k].params,
					 .train = e[k].o };
		rc = cv_run(&spec, data, splits, nsplits, &e[k].res, &err);
		if (rc == 0)
			e[k].nres = nsplits;
		else if (nentries > 1)
			wb_error_prefix(&err, "%s", e[k].name);
	}
	double ratio = 0;
	if (rc == 0) {
		double tr = 0, te = 0;
		for (int k = 0; k < nsplits; k++) {
			tr += (double)splits[k].ntrain;
			te += (double)splits[k].ntest;
		}
		ratio = tr > 0 ? te / tr : 0;
		if (!metric)
			metric = metrics_has(&e[0].res[0].metrics, "auc") ? "auc" : "rmse";
	}
	json_t *pj = json_pack("{s:s,s:i,s:i,s:s?}", "kind", cv_kind_name(plan.kind),
			       "folds", plan.folds, "repeats", plan.repeats, "by", plan.by);
	json_t *ms = json_array();
	for (int k = 0; k < nentries; k++)
		json_array_append_new(ms, json_pack("{s:s,s:O?}", "model", e[k].family, "params",
						     e[k].params));
	json_object_set_new(pj, "models", ms);
	char *params = json_dumps(pj, JSON_COMPACT | JSON_REAL_PRECISION(17));
	json_decref(pj);
	const struct frame *in[1] = { data };
	lwb_record(L, "cv", params, in, 1, NULL, NULL, t0, rc == 0 ? NULL : &err);
	free(params);
	cv_free_splits(splits, nsplits);
	if (rc < 0)
		return lwb_fail(L, &err);

	if (!metrics_has(&e[0].res[0].metrics, metric)) {
		char list[512];
		metrics_names(&e[0].res[0].metrics, list, sizeof(list));
		return luaL_error(L, "wb.cv: unknown metric '%s' (this task has: %s)", metric, list);
	}
	lua_newtable(L);
	int result = lua_gettop(L);
	lua_pushstring(L, metric);
	lua_setfield(L, result, "metric");
	if (nentries == 1) {
		push_entry(L, &e[0]);
		lua_pushnil(L);
		while (lua_next(L, -2)) { /* copy folds, mean, sd, name up */
			lua_pushvalue(L, -2);
			lua_insert(L, -2);
			lua_settable(L, result);
		}
		lua_pop(L, 1);
	} else {
		lua_createtable(L, nentries, 0);
		for (int k = 0; k < nentries; k++) {
			push_entry(L, &e[k]);
			lua_rawseti(L, -2, k + 1);
		}
		lua_setfield(L, result, "models");
		lua_createtable(L, nentries - 1, 0);
		double *a = xmallocarray((size_t)nsplits, sizeof(double));
		double *b = xmallocarray((size_t)nsplits, sizeof(double));
		for (int k = 1; k < nentries; k++) {
			for (int s = 0; s < nsplits; s++) {
				a[s] = metrics_get(&e[k].res[s].metrics, metric);
				b[s] = metrics_get(&e[0].res[s].metrics, metric);
			}
			double t, p, diff = 0;
			cv_corrected_ttest(a, b, nsplits, ratio, &t, &p);
			for (int s = 0; s < nsplits; s++)
				diff += a[s] - b[s];
			lua_createtable(L, 0, 6);
			lua_pushstring(L, e[k].name);
			lua_setfield(L, -2, "a");
			lua_pushstring(L, e[0].name);
			lua_setfield(L, -2, "b");
			lua_pushstring(L, metric);
			lua_setfield(L, -2, "metric");
			lua_pushnumber(L, diff / nsplits);
			lua_setfield(L, -2, "diff");
			lua_pushnumber(L, t);
			lua_setfield(L, -2, "t");
			lua_pushnumber(L, p);
			lua_setfield(L, -2, "p");
			lua_rawseti(L, -2, k);
		}
		free(a);
		free(b);
		lua_setfield(L, result, "compare");
	}
	/* Log the first model's means as cv_<metric>. */
	struct lwb_session *s = lwb_get_session(L);
	if (s && s->rl) {
		const struct metrics *m0 = &e[0].res[0].metrics;
		for (int k = 0; k < m0->n; k++) {
			double mean, sd;
			fold_stats(e[0].res, e[0].nres, m0->names[k], &mean, &sd);
			char key[80];
			snprintf(key, sizeof(key), "cv_%s", m0->names[k]);
			if (runlog_log_metric(s->rl, s->run_id, key, mean, -1, &err) < 0)
				return luaL_error(L, "run log: %s", err.msg);
		}
		/* Every model's fold scores of the chosen metric, as a series
		 * cv_<metric>@<name> over the folds: what `wb plot cv RUN`
		 * draws, without re-running anything. */
		size_t nk = (size_t)nentries * (size_t)nsplits;
		const char **keys = xcalloc(nk, sizeof(char *));
		double *vals = xmallocarray(nk, sizeof(double));
		int64_t *steps = xmallocarray(nk, sizeof(int64_t));
		size_t at = 0;
		for (int k = 0; k < nentries; k++)
			for (int f = 0; f < nsplits; f++, at++) {
				keys[at] = xasprintf("cv_%s@%s", metric, e[k].name);
				vals[at] = metrics_get(&e[k].res[f].metrics, metric);
				steps[at] = f + 1;
			}
		int lrc = runlog_log_metrics(s->rl, s->run_id, nk, keys, vals, steps, &err);
		for (size_t k = 0; k < nk; k++)
			free((void *)(uintptr_t)keys[k]);
		free(keys);
		free(vals);
		free(steps);
		if (lrc < 0)
			return luaL_error(L, "run log: %s", err.msg);
	}
	lua_pushvalue(L, result);
	return 1;
}

/* ---------------------------------------------------------------- wb.check */

/*** wb.check{ metric = "auc", min = 0.85, max = nil, value = nil, metrics = t, label = nil }
 * Passes (returns the value) when min <= value <= max.  The value is
 * `value`, else metrics[metric] (a table from wb.evaluate or wb.cv's mean),
 * else the last value of `metric` logged in this run.  A failure is
 * recorded as a failed "check" step, stops the recipe, and makes `wb run`
 * exit with code 3: "check failed: auc = 0.8123, expected >= 0.85". */
static int l_check(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	static const char *const keys[] = { "metric", "min", "max", "value", "metrics", "label",
					    NULL };
	check_keys(L, 1, "wb.check", keys);
	const char *metric = opt_string(L, 1, "metric", "wb.check");
	const char *label = opt_string(L, 1, "label", "wb.check");
	if (!metric)
		return luaL_error(L, "wb.check: option 'metric' is required");
	double lo = -INFINITY, hi = INFINITY, v = NAN;
	int have_min = 0, have_max = 0, found = 0;
	if (lua_getfield(L, 1, "min") != LUA_TNIL) {
		if (!lua_isnumber(L, -1))
			return luaL_error(L, "wb.check: option 'min' must be a number");
		lo = lua_tonumber(L, -1);
		have_min = 1;
	}
	if (lua_getfield(L, 1, "max") != LUA_TNIL) {
		if (!lua_isnumber(L, -1))
			return luaL_error(L, "wb.check: option 'max' must be a number");
		hi = lua_tonumber(L, -1);
		have_max = 1;
	}
	lua_pop(L, 2);
	if (!have_min && !have_max)
		return luaL_error(L, "wb.check: give min, max or both");
	if (lua_getfield(L, 1, "value") != LUA_TNIL) {
		if (!lua_isnumber(L, -1))
			return luaL_error(L, "wb.check: option 'value' must be a number");
		v = lua_tonumber(L, -1);
		found = 1;
	}
	lua_pop(L, 1);
	if (!found && lua_getfield(L, 1, "metrics") != LUA_TNIL) {
		if (!lua_istable(L, -1))
			return luaL_error(L, "wb.check: option 'metrics' must be a table");
		if (lua_getfield(L, -1, metric) == LUA_TNUMBER) {
			v = lua_tonumber(L, -1);
			found = 1;
		} else {
			return luaL_error(L, "wb.check: the metrics table has no '%s'", metric);
		}
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	struct lwb_session *s = lwb_get_session(L);
	struct wb_err err;
	if (!found) {
		int rc = s && s->rl ? runlog_last_metric(s->rl, s->run_id, metric, &v, &err) : 1;
		if (rc < 0)
			return luaL_error(L, "run log: %s", err.msg);
		if (rc > 0)
			return luaL_error(L, "wb.check: no metric '%s' was logged in this run "
					  "(wb.evaluate logs them; or pass value = or metrics =)",
					  metric);
	}
	int pass = !isnan(v) && v >= lo && v <= hi;
	char want[96];
	if (have_min && have_max)
		snprintf(want, sizeof(want), "expected %.6g..%.6g", lo, hi);
	else if (have_min)
		snprintf(want, sizeof(want), "expected >= %.6g", lo);
	else
		snprintf(want, sizeof(want), "expected <= %.6g", hi);
	wb_error(&err, "check %s%s%s: %s = %.6g, %s", pass ? "passed" : "failed",
		 label ? " " : "", label ? label : "", metric, v, want);
	json_t *pj = json_pack("{s:s,s:f,s:o,s:o,s:b}", "metric", metric, "value", isnan(v) ? 0 : v,
			       "min", have_min ? json_real(lo) : json_null(),
			       "max", have_max ? json_real(hi) : json_null(), "pass", pass);
	char *params = json_dumps(pj, JSON_COMPACT | JSON_REAL_PRECISION(17));
	json_decref(pj);
	lwb_record(L, "check", params, NULL, 0, NULL, NULL, lwb_now(), pass ? NULL : &err);
	free(params);
	if (!pass) {
		if (s)
			s->gate_failed = 1;
		lua_pushstring(L, err.msg);
		return lua_error(L);
	}
	lua_pushnumber(L, v);
	return 1;
}

/* ---------------------------------------------------------------- registration */

static const luaL_Reg model_methods[] = {
	{ "predict", model_predict_l }, { "to_json", model_to_json_l }, { "hash", model_hash_l },
	{ "save", model_save_l }, { "info", model_info_l }, { "importance", model_importance_l },
	{ "describe", model_tostring }, { NULL, NULL },
};
static const luaL_Reg model_meta[] = {
	{ "__tostring", model_tostring }, { "__gc", model_gc }, { "__close", model_gc },
	{ NULL, NULL },
};
static const luaL_Reg model_funcs[] = {
	{ "train", l_train }, { "evaluate", l_evaluate }, { "cv", l_cv }, { "check", l_check },
	{ "load_model", l_load_model }, { "models", l_models }, { NULL, NULL },
};

void lwb_open_model(lua_State *L)
{
	luaL_newmetatable(L, LWB_CV_ENTRIES);
	lua_pushcfunction(L, cv_entries_gc);
	lua_setfield(L, -2, "__gc");
	lua_pop(L, 1);
	luaL_newmetatable(L, LWB_MODEL);
	luaL_setfuncs(L, model_meta, 0);
	lua_newtable(L);
	luaL_setfuncs(L, model_methods, 0);
	lua_setfield(L, -2, "__index");
	lua_pop(L, 1);
	luaL_setfuncs(L, model_funcs, 0);
}
