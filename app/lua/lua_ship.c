/*
 * lua_ship — bundles and drift from Lua.
 *
 *   local path, sha = wb.package(model, "out/credit.wbz", { name = "credit", version = "3" })
 *   local b = wb.load_bundle("out/credit.wbz")   -- hashes checked, golden rows re-scored
 *   b:manifest()  b:model()  b:predict(frame)
 *   local report = wb.drift(reference_frame_or_bundle, current_frame)
 *
 * wb.package takes the model's training frame and its last evaluation
 * from what wb.train / wb.evaluate remembered (or data = / metrics =), the
 * drift reference statistics from the training frame, and records a
 * "package" step plus the bundle as an artifact with its sha256.
 */
#include "lua/lua_wb.h"
#include "core/hash.h"
#include "ml/model.h"
#include "ml/recipe.h"
#include "ship/bundle.h"
#include "ship/drift.h"
#include "track/runlog.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define LWB_BUNDLE "wb.bundle"

struct lbundle {
	struct bundle *b;
};

/* Table idx's only keys are in keys (misuse raises). */
static void check_opts(lua_State *L, int idx, const char *fn, const char *const *keys)
{
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		lua_pop(L, 1);
		int ok = 0;
		for (int k = 0; keys[k] && !ok; k++)
			ok = lua_type(L, -1) == LUA_TSTRING && !strcmp(lua_tostring(L, -1), keys[k]);
		if (!ok)
			luaL_error(L, "%s: unknown option '%s'", fn, luaL_tolstring(L, -1, NULL));
	}
}

static const char *opt_str(lua_State *L, int idx, const char *key, const char *def)
{
	if (lua_isnoneornil(L, idx))
		return def;
	lua_getfield(L, idx, key);
	const char *s = lua_isnil(L, -1) ? def : luaL_checkstring(L, -1);
	lua_pop(L, 1); /* s stays alive in the table (or is def) */
	return s;
}

int lwb_bind_bundle(struct bundle *b, struct wb_err *err)
{
	struct recipe *r = bundle_recipe(b);
	if (!bundle_has_custom(b) || !r)
		return 0;
	if (lwb_bind_custom(NULL, r, err) < 0)
		return wb_error_prefix(err, "bundle '%s'", bundle_path(b));
	return 0;
}

/* A recipe with custom steps goes into a bundle only with its code, and
 * only if that code, run in a sandbox as wb predict will run it, scores the
 * golden rows exactly as the session did: the bundle is opened again and
 * verified, and removed if it fails. */
static int check_custom_before(struct model *m, struct wb_err *err)
{
	if (!m->recipe || !recipe_has_custom(m->recipe))
		return 0;
	if (lwb_recipe_portable(m->recipe, err) < 0)
		return -1;
	/* A model read from JSON has its code but no functions yet. */
	return lwb_bind_custom(NULL, m->recipe, err);
}

static int check_custom_after(struct model *m, const char *path, struct wb_err *err)
{
	if (!m->recipe || !recipe_has_custom(m->recipe))
		return 0;
	struct bundle_limits lim;
	bundle_limits_init(&lim);
	lim.allow_custom = 1;
	struct bundle_report r;
	struct bundle *b = bundle_open(path, &lim, err);
	int rc = b && lwb_bind_bundle(b, err) == 0 && bundle_verify(b, &r, err) == 0 ? 0 : -1;
	bundle_close(b);
	if (rc < 0) {
		remove(path);
		wb_error_prefix(err, "the custom step does not score the same in the sandbox "
				"wb predict runs it in (no io, os or require; of wb only wb.frame "
				"and wb.NA), so %s was not written", path);
	}
	return rc;
}

/*** wb.package(model, path [, { name, version, data = frame, metrics = t, meta = t, run_id }])
 * -> path, sha256 (run_id: the run that trained the model; default this one).  Writes a bundle (.wbz): manifest, model with its
 * recipe, drift reference, golden rows, model card, Dockerfile. */
static int l_package(lua_State *L)
{
	struct model *m = lwb_to_model(L, 1);
	if (!m)
		return luaL_argerror(L, 1, "expected a model");
	const char *path = luaL_checkstring(L, 2);
	static const char *const keys[] = { "name", "version", "data", "metrics", "meta",
					    "run_id", NULL };
	if (!lua_isnoneornil(L, 3)) {
		luaL_checktype(L, 3, LUA_TTABLE);
		check_opts(L, 3, "wb.package", keys);
	}
	const char *name = opt_str(L, 3, "name", m->type->name);
	const char *version = opt_str(L, 3, "version", "1");
	const char *run_id = opt_str(L, 3, "run_id", NULL);
	struct frame *data = NULL;
	if (!lua_isnoneornil(L, 3)) {
		lua_getfield(L, 3, "data");
		data = lwb_to_frame(L, -1);
		if (!data && !lua_isnil(L, -1))
			return luaL_error(L, "wb.package: option 'data' must be a frame");
	}
	if (!data) {
		lwb_model_remembered(L, 1, 0);
		data = lwb_to_frame(L, -1);
	}
	if (!data)
		return luaL_error(L, "wb.package: which data was this model trained on? pass "
				  "{ data = frame } (a model loaded from JSON does not say)");
	int mt = 0;
	if (!lua_isnoneornil(L, 3) && lua_getfield(L, 3, "metrics") == LUA_TTABLE) {
		mt = lua_gettop(L);
	} else {
		lwb_model_remembered(L, 1, 1);
		mt = lua_istable(L, -1) ? lua_gettop(L) : 0;
	}
	const char *why = NULL;
	json_t *metrics = json_object();
	if (mt) {
		/* Scalars only: the confusion matrix and per-class tables are in the card's data. */
		lua_pushnil(L);
		while (lua_next(L, mt)) {
			if (lua_type(L, -2) == LUA_TSTRING && lua_type(L, -1) == LUA_TNUMBER)
				json_object_set_new(metrics, lua_tostring(L, -2),
						    json_real(lua_tonumber(L, -1)));
			lua_pop(L, 1);
		}
	}
	json_t *meta = NULL;
	if (!lua_isnoneornil(L, 3) && lua_getfield(L, 3, "meta") == LUA_TTABLE)
		meta = lwb_to_json(L, -1, &why);

	double t0 = lwb_now();
	struct wb_err err;
	json_t *ref = drift_reference(data, NULL, &err);
	char created[32];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &tm);
	struct lwb_session *s = lwb_get_session(L);
	struct bundle_spec spec = {
		.model = m, .train = data, .name = name, .version = version, .created = created,
		.run_id = run_id ? run_id : s && s->rl && s->run_id[0] ? s->run_id : NULL,
		.metrics = metrics,
		.reference = ref, .meta = meta,
	};
	int rc = ref && check_custom_before(m, &err) == 0 ? bundle_write(path, &spec, &err) : -1;
	if (rc == 0)
		rc = check_custom_after(m, path, &err);
	json_decref(metrics);
	json_decref(meta);
	json_decref(ref);
	char hex[WB_HASH_HEX] = "";
	int64_t bytes = 0;
	if (rc == 0 && lwb_file_sha(path, hex, &bytes, &err) < 0)
		rc = -1;
	json_t *pj = json_pack("{s:s,s:s,s:s,s:s}", "path", path, "name", name, "version", version,
			       "model", m->json_hash);
	char *params = json_dumps(pj, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(pj);
	const struct frame *in[1] = { data };
	lwb_record(L, "package", params, in, 1, NULL, rc == 0 ? hex : NULL, t0,
		   rc == 0 ? NULL : &err);
	free(params);
	if (rc < 0)
		return lwb_fail(L, &err);
	lwb_add_artifact(L, path, hex, bytes, "bundle");
	lua_pushstring(L, path);
	lua_pushstring(L, hex);
	return 2;
}

static struct bundle *check_bundle(lua_State *L, int idx)
{
	struct lbundle *b = luaL_checkudata(L, idx, LWB_BUNDLE);
	if (!b->b)
		luaL_argerror(L, idx, "bundle is closed");
	return b->b;
}

static int bundle_gc(lua_State *L)
{
	struct lbundle *b = luaL_checkudata(L, 1, LWB_BUNDLE);
	bundle_close(b->b);
	b->b = NULL;
	return 0;
}

/*** wb.load_bundle(path [, { allow_custom = false }]) -> bundle (or nil, msg): hashes
 * checked and the golden rows re-scored bit for bit before it is returned. */
static int l_load_bundle(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	struct bundle_limits lim;
	bundle_limits_init(&lim);
	if (!lua_isnoneornil(L, 2)) {
		luaL_checktype(L, 2, LUA_TTABLE);
		static const char *const keys[] = { "allow_custom", NULL };
		check_opts(L, 2, "wb.load_bundle", keys);
		lua_getfield(L, 2, "allow_custom");
		lim.allow_custom = lua_toboolean(L, -1);
		lua_pop(L, 1);
	}
	struct lbundle *ud = lua_newuserdatauv(L, sizeof(*ud), 0);
	ud->b = NULL;
	luaL_setmetatable(L, LWB_BUNDLE);
	struct wb_err err;
	ud->b = bundle_open(path, &lim, &err);
	if (!ud->b)
		return lwb_fail(L, &err);
	struct bundle_report r;
	if (lwb_bind_bundle(ud->b, &err) < 0 || bundle_verify(ud->b, &r, &err) < 0)
		return lwb_fail(L, &err);
	return 1;
}

/*** bundle:manifest() -> the manifest as a table */
static int b_manifest(lua_State *L)
{
	lwb_push_json(L, bundle_manifest(check_bundle(L, 1)));
	return 1;
}

/*** bundle:predict(frame [, { proba = true }]) -> frame of pred (+ p_<class>) */
static int b_predict(lua_State *L)
{
	struct bundle *b = check_bundle(L, 1);
	struct frame *f = lwb_check_frame(L, 2);
	int proba = 1;
	if (!lua_isnoneornil(L, 3)) {
		luaL_checktype(L, 3, LUA_TTABLE);
		lua_getfield(L, 3, "proba");
		proba = lua_isnil(L, -1) ? 1 : lua_toboolean(L, -1);
		lua_pop(L, 1);
	}
	struct wb_err err;
	struct frame *out = model_predict(bundle_model(b), f, proba, &err);
	if (!out)
		return lwb_fail(L, &err);
	lwb_push_frame(L, out);
	return 1;
}

/*** wb.drift(reference, current) -> report table: reference is a frame, a
 * bundle, or a reference table; per column psi, ks, missing, unseen, status. */
static int l_drift(lua_State *L)
{
	struct frame *cur = lwb_check_frame(L, 2);
	struct wb_err err;
	json_t *ref = NULL;
	struct frame *rf = lwb_to_frame(L, 1);
	struct lbundle *lb = luaL_testudata(L, 1, LWB_BUNDLE);
	if (rf) {
		ref = drift_reference(rf, NULL, &err);
	} else if (lb && lb->b) {
		size_t len;
		const char *text = bundle_file(lb->b, "reference.json", &len);
		json_error_t je;
		ref = text ? json_loadb(text, len, 0, &je) : NULL;
		if (!ref)
			wb_error(&err, "bundle '%s' has no readable reference.json", bundle_path(lb->b));
	} else if (lua_istable(L, 1)) {
		const char *why = NULL;
		ref = lwb_to_json(L, 1, &why);
		if (!ref)
			return luaL_argerror(L, 1, why ? why : "not a reference table");
	} else {
		return luaL_argerror(L, 1, "expected a frame, a bundle or a reference table");
	}
	json_t *report = NULL;
	int rc = ref ? drift_compare(ref, cur, NULL, &report, &err) : -1;
	json_decref(ref);
	if (rc < 0)
		return lwb_fail(L, &err);
	lwb_push_json(L, report);
	json_decref(report);
	return 1;
}

static const luaL_Reg bundle_methods[] = {
	{ "manifest", b_manifest }, { "predict", b_predict }, { NULL, NULL },
};

static const luaL_Reg ship_funcs[] = {
	{ "package", l_package }, { "load_bundle", l_load_bundle }, { "drift", l_drift },
	{ NULL, NULL },
};

void lwb_open_ship(lua_State *L)
{
	luaL_newmetatable(L, LWB_BUNDLE);
	lua_pushcfunction(L, bundle_gc);
	lua_setfield(L, -2, "__gc");
	lua_newtable(L);
	luaL_setfuncs(L, bundle_methods, 0);
	lua_setfield(L, -2, "__index");
	lua_pop(L, 1);
	luaL_setfuncs(L, ship_funcs, 0);
}
