/*
 * lua_recipe — recipes from Lua: selectors, wb.step.<name>{...}, wb.recipe,
 * fitted recipes and wb.recipe_load.  Fitting and applying are lifecycle
 * steps and are recorded in the run log ("recipe_fit", "recipe_apply") with
 * the sha256 of the fitted JSON as their extra hash.
 *
 *   local r = wb.recipe{ target = "y", strict = false, seed = wb.seed,
 *     wb.step.impute{ wb.numeric(), method = "median" },
 *     wb.step.one_hot{ wb.categorical() - "id", min_freq = 0.01 },
 *   }
 *   local fitted, baked = r:fit(train)     -- baked: train as the steps saw it
 *   local test_x = fitted:apply(test)
 *   local json = fitted:to_json(); local again = wb.recipe_load(json)
 *
 * Selectors: a column name, a list of names, wb.numeric(), wb.categorical(),
 * wb.time(), wb.all_predictors(), wb.match("lua pattern"), and combinations
 * with - (difference) and + (union).  Patterns are Lua patterns, matched by
 * calling string.find at fit time; the resolved names are what the fitted
 * recipe stores.
 *
 * Custom steps: wb.step.custom{ SELECTOR, name = "ratio",
 *     fit = function(frame, cols, target) return state end,
 *     apply = function(frame, state, cols) return frame end }
 * state must be JSON-able (tables of strings, numbers, booleans).  The
 * source of apply is stored in the step's options ("code") so the recipe
 * can travel in a model file or a bundle: read back from the function's
 * source file when that is exact (lwb_function_source), or given as a
 * string (apply = [[function(frame, state, cols) ... end]]), in which case
 * fit and apply run in the session's sandbox (lua_sandbox.c), just as they
 * will from a bundle.  A loaded recipe runs its stored code only when asked
 * (wb.recipe_load(json, { allow_custom = true }), in a sandbox) or gets
 * other functions (wb.recipe_load(json, { custom = { ratio = { apply = fn
 * } } })); otherwise applying fails naming the step.
 */
#include "lua/lua_wb.h"
#include "ml/recipe.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LWB_SELECTOR "wb.selector"
#define LWB_STEP "wb.step"
#define LWB_RECIPE "wb.recipe"
#define LWB_FITTED "wb.fitted_recipe"

/* One userdata layout for all four types: a pointer, NULL once closed. */
struct lbox {
	void *p;
};

static void *check_box(lua_State *L, int idx, const char *tname)
{
	struct lbox *b = luaL_checkudata(L, idx, tname);
	if (!b->p)
		luaL_argerror(L, idx, "object is closed");
	return b->p;
}

/* Pushes a closed box, sets its metatable, then fills it: __gc stays safe
 * whatever happens in between. */
static struct lbox *push_box(lua_State *L, const char *tname)
{
	struct lbox *b = lua_newuserdatauv(L, sizeof(*b), 0);
	b->p = NULL;
	luaL_setmetatable(L, tname);
	return b;
}

/* ---------------------------------------------------------------- Lua <-> JSON */

static json_t *to_json(lua_State *L, int idx, int depth, const char **why)
{
	idx = lua_absindex(L, idx);
	if (depth > 64) {
		*why = "nested too deeply";
		return NULL;
	}
	switch (lua_type(L, idx)) {
	case LUA_TNIL: return json_null();
	case LUA_TBOOLEAN: return json_boolean(lua_toboolean(L, idx));
	case LUA_TNUMBER:
		if (lua_isinteger(L, idx))
			return json_integer((json_int_t)lua_tointeger(L, idx));
		return isfinite(lua_tonumber(L, idx)) ? json_real(lua_tonumber(L, idx)) : json_null();
	case LUA_TSTRING: {
		size_t len;
		const char *s = lua_tolstring(L, idx, &len);
		return json_stringn_nocheck(s, len);
	}
	case LUA_TTABLE: {
		lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
		if (n > 0) {
			json_t *a = json_array();
			for (lua_Integer k = 1; k <= n; k++) {
				lua_rawgeti(L, idx, k);
				json_t *v = to_json(L, -1, depth + 1, why);
				lua_pop(L, 1);
				if (!v) {
					json_decref(a);
					return NULL;
				}
				json_array_append_new(a, v);
			}
			return a;
		}
		json_t *o = json_object();
		lua_pushnil(L);
		while (lua_next(L, idx)) {
			if (lua_type(L, -2) != LUA_TSTRING) {
				lua_pop(L, 2);
				json_decref(o);
				*why = "table keys must be strings (or a list)";
				return NULL;
			}
			json_t *v = to_json(L, -1, depth + 1, why);
			if (!v) {
				lua_pop(L, 2);
				json_decref(o);
				return NULL;
			}
			json_object_set_new_nocheck(o, lua_tostring(L, -2), v);
			lua_pop(L, 1);
		}
		return o;
	}
	default:
		*why = lua_pushfstring(L, "a %s is not JSON-able", luaL_typename(L, idx));
		lua_pop(L, 1); /* the string stays interned long enough for the caller */
		return NULL;
	}
}

/* jansson's iterators take non-const values although they do not write. */
static json_t *unconst(const json_t *v)
{
	union { const json_t *c; json_t *m; } u = { v };
	return u.m;
}

static void push_json(lua_State *L, const json_t *v)
{
	luaL_checkstack(L, 4, "JSON too deep");
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		lua_newtable(L);
		const char *k;
		json_t *e;
		json_object_foreach(unconst(v), k, e) {
			push_json(L, e);
			lua_setfield(L, -2, k);
		}
		break;
	}
	case JSON_ARRAY:
		lua_newtable(L);
		for (size_t k = 0; k < json_array_size(v); k++) {
			push_json(L, json_array_get(v, k));
			lua_rawseti(L, -2, (lua_Integer)k + 1);
		}
		break;
	case JSON_STRING: lua_pushlstring(L, json_string_value(v), json_string_length(v)); break;
	case JSON_INTEGER: lua_pushinteger(L, (lua_Integer)json_integer_value(v)); break;
	case JSON_REAL: lua_pushnumber(L, json_real_value(v)); break;
	case JSON_TRUE: lua_pushboolean(L, 1); break;
	case JSON_FALSE: lua_pushboolean(L, 0); break;
	default: lua_pushnil(L); break;
	}
}

json_t *lwb_to_json(lua_State *L, int idx, const char **why)
{
	return to_json(L, idx, 0, why);
}

void lwb_push_json(lua_State *L, const json_t *v)
{
	push_json(L, v);
}

/* ---------------------------------------------------------------- selectors */

static void push_selector(lua_State *L, struct selector *s)
{
	push_box(L, LWB_SELECTOR)->p = s;
}

/* A selector (new, caller owns) from a name, a list of names or a selector
 * at idx; raises on anything else. */
static struct selector *to_selector(lua_State *L, int idx)
{
	idx = lua_absindex(L, idx);
	if (lua_type(L, idx) == LUA_TSTRING) {
		const char *name = lua_tostring(L, idx);
		return selector_names(&name, 1);
	}
	struct lbox *b = luaL_testudata(L, idx, LWB_SELECTOR);
	if (b && b->p)
		return selector_clone(b->p);
	if (lua_type(L, idx) == LUA_TTABLE) {
		size_t len = lua_rawlen(L, idx);
		int n = len > 100000 ? 100000 : (int)len;
		for (int k = 1; k <= n; k++) {
			if (lua_rawgeti(L, idx, k) != LUA_TSTRING)
				luaL_argerror(L, idx, lua_pushfstring(L, "entry %d is not a column name", k));
			lua_pop(L, 1);
		}
		const char **v = lua_newuserdatauv(L, sizeof(char *) * ((size_t)n + 1), 0);
		for (int k = 1; k <= n; k++) {
			lua_rawgeti(L, idx, k);
			v[k - 1] = lua_tostring(L, -1);
			lua_pop(L, 1); /* the table keeps the string alive */
		}
		struct selector *s = selector_names(v, n);
		lua_pop(L, 1);
		return s;
	}
	luaL_argerror(L, idx, "expected a column name, a list of names or a selector");
	return NULL;
}

static int sel_combine(lua_State *L, enum sel_op op)
{
	/* Check both operands before building either. */
	for (int k = 1; k <= 2; k++)
		if (lua_type(L, k) != LUA_TSTRING && lua_type(L, k) != LUA_TTABLE &&
		    !luaL_testudata(L, k, LWB_SELECTOR))
			luaL_argerror(L, k, "expected a column name, a list of names or a selector");
	struct selector *a = to_selector(L, 1);
	struct selector *b = to_selector(L, 2);
	push_selector(L, selector_combine(op, a, b));
	return 1;
}

static int sel_sub(lua_State *L) { return sel_combine(L, SEL_DIFF); }
static int sel_add(lua_State *L) { return sel_combine(L, SEL_UNION); }

static int sel_tostring(lua_State *L)
{
	char *t = selector_text(check_box(L, 1, LWB_SELECTOR));
	lua_pushfstring(L, "selector: %s", t);
	free(t);
	return 1;
}

static int sel_gc(lua_State *L)
{
	struct lbox *b = luaL_checkudata(L, 1, LWB_SELECTOR);
	selector_free(b->p);
	b->p = NULL;
	return 0;
}

static int l_kind_sel(lua_State *L, enum sel_op op)
{
	push_selector(L, selector_kind(op));
	return 1;
}

/*** wb.numeric() -> selector (num and int columns, never the target) */
static int l_numeric(lua_State *L) { return l_kind_sel(L, SEL_NUMERIC); }
/*** wb.categorical() -> selector (cat and str columns, never the target) */
static int l_categorical(lua_State *L) { return l_kind_sel(L, SEL_CATEGORICAL); }
/*** wb.time() -> selector (time columns) */
static int l_time(lua_State *L) { return l_kind_sel(L, SEL_TIME); }
/*** wb.all_predictors() -> selector (every column but the target) */
static int l_all_predictors(lua_State *L) { return l_kind_sel(L, SEL_PREDICTORS); }

/*** wb.match("lua pattern") -> selector (names where string.find matches) */
static int l_match(lua_State *L)
{
	const char *p = luaL_checkstring(L, 1);
	push_selector(L, selector_match(p));
	return 1;
}

/* The engine's match callback: string.find(name, pattern) in the caller's
 * state, protected so a bad pattern is an error message, not a longjmp
 * through C frames. */
static int find_pcall(lua_State *L)
{
	lua_getglobal(L, "string");
	lua_getfield(L, -1, "find");
	lua_pushvalue(L, 1);
	lua_pushvalue(L, 2);
	lua_call(L, 2, 1);
	return 1;
}

int lwb_match(void *ud, const char *pattern, const char *name, struct wb_err *err)
{
	lua_State *L = ud;
	lua_pushcfunction(L, find_pcall);
	lua_pushstring(L, name);
	lua_pushstring(L, pattern);
	if (lua_pcall(L, 2, 1, 0) != LUA_OK) {
		wb_error(err, "match('%s'): %s", pattern, lua_tostring(L, -1));
		lua_pop(L, 1);
		return -1;
	}
	int yes = !lua_isnil(L, -1);
	lua_pop(L, 1);
	return yes;
}

/* ---------------------------------------------------------------- custom code */

/* The Lua functions of a custom step, held in the registry of the state
 * that runs them: the session's (functions given in Lua) or a sandbox's
 * (code from a string, a bundle or a model file). */
struct lcustom {
	lua_State *L;       /* the state calling fit/apply right now (not sb's) */
	struct lwb_sandbox *sb; /* or the sandbox the functions live in */
	int fit_ref, apply_ref;
	char *nocode;       /* why the apply code could not be kept, or NULL */
};

static int copy_ref(lua_State *L, int ref)
{
	if (ref == LUA_NOREF)
		return LUA_NOREF;
	lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
	return luaL_ref(L, LUA_REGISTRYINDEX);
}

static void *lcustom_clone(void *ud)
{
	struct lcustom *c = ud, *d = xmalloc(sizeof(*d));
	d->L = c->L;
	d->sb = c->sb ? lwb_sandbox_ref(c->sb) : NULL;
	lua_State *L = c->sb ? lwb_sandbox_enter(c->sb) : c->L;
	d->fit_ref = copy_ref(L, c->fit_ref);
	d->apply_ref = copy_ref(L, c->apply_ref);
	if (c->sb)
		lwb_sandbox_leave(c->sb);
	d->nocode = c->nocode ? xstrdup(c->nocode) : NULL;
	return d;
}

static void lcustom_free(void *ud)
{
	struct lcustom *c = ud;
	if (!c)
		return;
	lua_State *L = c->sb ? lwb_sandbox_enter(c->sb) : c->L;
	luaL_unref(L, LUA_REGISTRYINDEX, c->fit_ref);
	luaL_unref(L, LUA_REGISTRYINDEX, c->apply_ref);
	if (c->sb) {
		lwb_sandbox_leave(c->sb);
		lwb_sandbox_unref(c->sb);
	}
	free(c->nocode);
	free(c);
}

static struct lcustom *lcustom_new(lua_State *L, struct lwb_sandbox *sb)
{
	struct lcustom *c = xcalloc(1, sizeof(*c));
	c->L = L;
	c->sb = sb;
	c->fit_ref = c->apply_ref = LUA_NOREF;
	return c;
}

static void push_names(lua_State *L, const char *const *v, int n)
{
	lua_createtable(L, n, 0);
	for (int k = 0; k < n; k++) {
		lua_pushstring(L, v[k]);
		lua_rawseti(L, -2, k + 1);
	}
}

static int lcustom_fit(void *ud, struct frame *train, const char *const *cols, int ncols,
		       const char *target, json_t **state, struct wb_err *err)
{
	struct lcustom *c = ud;
	if (c->fit_ref == LUA_NOREF) {
		*state = json_null();
		return 0;
	}
	lua_State *L = c->sb ? lwb_sandbox_enter(c->sb) : c->L;
	int rc = -1;
	lua_rawgeti(L, LUA_REGISTRYINDEX, c->fit_ref);
	lwb_push_frame(L, frame_ref(train));
	push_names(L, cols, ncols);
	if (target)
		lua_pushstring(L, target);
	else
		lua_pushnil(L);
	if (lua_pcall(L, 3, 1, 0) != LUA_OK) {
		wb_error(err, "fit: %s", lua_tostring(L, -1));
		lua_pop(L, 1);
		goto out;
	}
	const char *why = NULL;
	*state = to_json(L, -1, 0, &why);
	lua_pop(L, 1);
	if (!*state)
		wb_error(err, "fit: the state is not JSON-able: %s", why);
	else
		rc = 0;
out:
	if (c->sb)
		lwb_sandbox_leave(c->sb);
	return rc;
}

static int lcustom_apply(void *ud, struct frame *in, const char *const *cols, int ncols,
			 const json_t *state, struct frame **out, struct wb_err *err)
{
	struct lcustom *c = ud;
	if (c->apply_ref == LUA_NOREF)
		return wb_error(err, "custom code is not bound: code read from a file runs only "
				"when opened with allow_custom (--allow-custom, or "
				"wb.load_model(path, { allow_custom = true }))");
	lua_State *L = c->sb ? lwb_sandbox_enter(c->sb) : c->L;
	int rc = -1;
	lua_rawgeti(L, LUA_REGISTRYINDEX, c->apply_ref);
	lwb_push_frame(L, frame_ref(in));
	push_json(L, state);
	push_names(L, cols, ncols);
	if (lua_pcall(L, 3, 1, 0) != LUA_OK) {
		wb_error(err, "apply: %s", lua_tostring(L, -1));
		lua_pop(L, 1);
		goto out;
	}
	struct frame *f = lwb_to_frame(L, -1);
	if (!f) {
		wb_error(err, "apply: returned a %s, expected a frame", luaL_typename(L, -1));
	} else {
		*out = frame_ref(f);
		rc = 0;
	}
	lua_pop(L, 1);
out:
	if (c->sb)
		lwb_sandbox_leave(c->sb);
	return rc;
}

static const struct step_custom_ops lcustom_ops = {
	.fit = lcustom_fit, .apply = lcustom_apply, .clone = lcustom_clone, .free = lcustom_free,
};

/* Points every custom step of r at the running state L. */
static void bind_state(lua_State *L, struct recipe *r)
{
	for (int k = 0; k < r->nsteps; k++)
		if (r->steps[k]->custom == &lcustom_ops && r->steps[k]->custom_ud &&
		    !((struct lcustom *)r->steps[k]->custom_ud)->sb)
			((struct lcustom *)r->steps[k]->custom_ud)->L = L;
}

/* The name a custom step goes by in chunk names. */
static const char *custom_name(const struct step *s)
{
	const char *n = json_string_value(json_object_get(s->opts, "name"));
	return n ? n : "custom";
}

/* "recipe step 2 (custom 'ratio')", for messages. */
static const char *custom_label(const struct step *s, int k, char *buf, size_t size)
{
	const char *n = json_string_value(json_object_get(s->opts, "name"));
	if (n)
		snprintf(buf, size, "recipe step %d (custom '%.60s')", k + 1, n);
	else
		snprintf(buf, size, "recipe step %d (custom)", k + 1);
	return buf;
}

/* Compiles code (NULL: nothing to do) in c's sandbox and keeps it in *ref. */
static int bind_code(struct lcustom *c, const struct step *s, const char *what,
		     const char *code, int *ref, struct wb_err *err)
{
	if (!code)
		return 0;
	char chunk[160];
	snprintf(chunk, sizeof(chunk), "=%s.%s", custom_name(s), what);
	lua_State *S = lwb_sandbox_enter(c->sb);
	int rc = lwb_sandbox_compile(S, code, chunk, err);
	if (rc == 0)
		*ref = luaL_ref(S, LUA_REGISTRYINDEX);
	lwb_sandbox_leave(c->sb);
	return rc;
}

#define LWB_SANDBOX "wb.sandbox"

static int sandbox_gc(lua_State *L)
{
	struct lwb_sandbox **p = lua_touserdata(L, 1);
	lwb_sandbox_unref(*p);
	*p = NULL;
	return 0;
}

/* A new reference to the sandbox of this session (made on first use, and
 * released when the state closes and the last step using it is freed). */
static struct lwb_sandbox *session_sandbox(lua_State *L)
{
	if (lua_getfield(L, LUA_REGISTRYINDEX, LWB_SANDBOX) == LUA_TUSERDATA) {
		struct lwb_sandbox *sb = *(struct lwb_sandbox **)lua_touserdata(L, -1);
		lua_pop(L, 1);
		return lwb_sandbox_ref(sb);
	}
	lua_pop(L, 1);
	struct lwb_sandbox **p = lua_newuserdatauv(L, sizeof(*p), 0);
	*p = NULL;
	lua_createtable(L, 0, 1);
	lua_pushcfunction(L, sandbox_gc);
	lua_setfield(L, -2, "__gc");
	lua_setmetatable(L, -2);
	struct wb_err err;
	if (!(*p = lwb_sandbox_new(&err)))
		luaL_error(L, "%s", err.msg);
	lua_setfield(L, LUA_REGISTRYINDEX, LWB_SANDBOX);
	return lwb_sandbox_ref(*p);
}

int lwb_bind_custom(struct lwb_sandbox *sb, struct recipe *r, struct wb_err *err)
{
	if (!sb) {
		/* A sandbox of the recipe's own: the steps hold the references. */
		if (!recipe_has_custom(r))
			return 0;
		if (!(sb = lwb_sandbox_new(err)))
			return -1;
		int rc = lwb_bind_custom(sb, r, err);
		lwb_sandbox_unref(sb);
		return rc;
	}
	for (int k = 0; k < r->nsteps; k++) {
		struct step *s = r->steps[k];
		if (!(s->type->flags & STEP_CUSTOM) || (s->custom && s->custom_ud))
			continue;
		const char *code = json_string_value(json_object_get(s->opts, "code"));
		char lb[100];
		if (!code)
			return wb_error(err, "%s has no code stored with it",
					custom_label(s, k, lb, sizeof(lb)));
		struct lcustom *c = lcustom_new(NULL, lwb_sandbox_ref(sb));
		step_set_custom(s, &lcustom_ops, c);
		if (bind_code(c, s, "apply", code, &c->apply_ref, err) < 0)
			return wb_error_prefix(err, "%s", custom_label(s, k, lb, sizeof(lb)));
	}
	return 0;
}

int lwb_recipe_portable(const struct recipe *r, struct wb_err *err)
{
	for (int k = 0; k < r->nsteps; k++) {
		const struct step *s = r->steps[k];
		if (!(s->type->flags & STEP_CUSTOM) || json_object_get(s->opts, "code"))
			continue;
		const struct lcustom *c = s->custom == &lcustom_ops ? s->custom_ud : NULL;
		char lb[100];
		return wb_error(err, "%s: its apply function cannot be stored with the model: %s",
				custom_label(s, k, lb, sizeof(lb)),
				c && c->nocode ? c->nocode : "no source was kept");
	}
	return 0;
}

/* ---------------------------------------------------------------- steps */

/*** wb.step.<name>{ SELECTOR..., option = value, ... } -> step
 * Positional entries are selectors (joined as a union).  Unknown option
 * names and bad values raise, listing what is valid. */
static int l_step(lua_State *L)
{
	const char *name = lua_tostring(L, lua_upvalueindex(1));
	luaL_checktype(L, 1, LUA_TTABLE);
	int custom = !strcmp(name, "custom");
	int npos = (int)lua_rawlen(L, 1);
	if (npos == 0)
		return luaL_error(L, "wb.step.%s: needs a column selector as its first entry "
				  "(a name, a list, wb.numeric(), ...)", name);
	for (int k = 1; k <= npos; k++) {
		lua_rawgeti(L, 1, k);
		int t = lua_type(L, -1), good = t == LUA_TSTRING || luaL_testudata(L, -1, LWB_SELECTOR);
		if (t == LUA_TTABLE) {
			good = 1;
			for (lua_Integer j = 1; j <= (lua_Integer)lua_rawlen(L, -1) && good; j++) {
				good = lua_rawgeti(L, -1, j) == LUA_TSTRING;
				lua_pop(L, 1);
			}
		}
		if (!good)
			return luaL_error(L, "wb.step.%s: entry %d is not a selector (a name, a list "
					  "of names, wb.numeric(), ...)", name, k);
		lua_pop(L, 1);
	}
	/* Options (everything but the positional entries), as JSON. */
	json_t *opts = json_object();
	int fit_ref = LUA_NOREF, apply_ref = LUA_NOREF;
	lua_pushnil(L);
	while (lua_next(L, 1)) {
		if (lua_isinteger(L, -2) && lua_tointeger(L, -2) >= 1 &&
		    lua_tointeger(L, -2) <= npos) {
			lua_pop(L, 1);
			continue;
		}
		if (lua_type(L, -2) != LUA_TSTRING) {
			json_decref(opts);
			return luaL_error(L, "wb.step.%s: option names must be strings", name);
		}
		const char *key = lua_tostring(L, -2);
		if (custom && (!strcmp(key, "fit") || !strcmp(key, "apply"))) {
			if (lua_type(L, -1) != LUA_TFUNCTION && lua_type(L, -1) != LUA_TSTRING) {
				json_decref(opts);
				return luaL_error(L, "wb.step.custom: option '%s' must be a function "
						  "or a string of Lua source", key);
			}
			lua_pop(L, 1);
			continue;
		}
		if (custom && !strcmp(key, "code")) {
			json_decref(opts);
			return luaL_error(L, "wb.step.custom: option 'code' is kept by wb itself "
					  "(the source of apply)");
		}
		const char *why = NULL;
		json_t *v = to_json(L, -1, 0, &why);
		if (!v) {
			json_decref(opts);
			return luaL_error(L, "wb.step.%s: option '%s': %s", name, key, why);
		}
		json_object_set_new(opts, key, v);
		lua_pop(L, 1);
	}
	/* A custom step keeps the source of apply in its options, so a bundle
	 * can carry it: the string given, or the function's text when it can be
	 * read back exactly (nocode says why not). */
	int as_text = 0;
	char *nocode = NULL;
	if (custom) {
		int ta = lua_getfield(L, 1, "apply"), tf = lua_getfield(L, 1, "fit");
		if (ta != LUA_TFUNCTION && ta != LUA_TSTRING) {
			json_decref(opts);
			return luaL_error(L, "wb.step.custom: needs an apply function");
		}
		if (tf != LUA_TNIL && tf != ta) {
			json_decref(opts);
			return luaL_error(L, "wb.step.custom: fit and apply must both be functions "
					  "or both be strings of Lua source");
		}
		as_text = ta == LUA_TSTRING;
		char why[400];
		char *code = as_text ? xstrdup(lua_tostring(L, -2)) :
			     lwb_function_source(L, -2, why, sizeof(why));
		if (code)
			json_object_set_new(opts, "code", json_string(code));
		else
			nocode = xstrdup(why);
		free(code);
		lua_pop(L, 2);
	}
	/* Build: selector union, step; raise on a bad option before the
	 * registry references are taken, so nothing leaks. */
	struct selector *sel = NULL;
	for (int k = 1; k <= npos; k++) {
		lua_rawgeti(L, 1, k);
		struct selector *one = to_selector(L, -1);
		lua_pop(L, 1);
		sel = sel ? selector_combine(SEL_UNION, sel, one) : one;
	}
	struct wb_err err;
	struct step *s = step_new(name, sel, opts, &err);
	json_decref(opts);
	if (!s) {
		free(nocode);
		return luaL_error(L, "%s", err.msg);
	}
	struct lbox *b = push_box(L, LWB_STEP);
	b->p = s;
	if (!custom)
		return 1;
	if (as_text) {
		/* Source strings run in the session's sandbox, exactly as they
		 * will from a bundle. */
		struct lcustom *c = lcustom_new(L, session_sandbox(L));
		step_set_custom(s, &lcustom_ops, c); /* owned by the step from here */
		if (bind_code(c, s, "fit", lua_getfield(L, 1, "fit") == LUA_TSTRING ?
			      lua_tostring(L, -1) : NULL, &c->fit_ref, &err) < 0 ||
		    bind_code(c, s, "apply", json_string_value(json_object_get(s->opts, "code")),
			      &c->apply_ref, &err) < 0)
			return luaL_error(L, "wb.step.custom: %s", err.msg);
		lua_pop(L, 1);
		return 1;
	}
	if (lua_getfield(L, 1, "fit") == LUA_TFUNCTION)
		fit_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	else
		lua_pop(L, 1);
	lua_getfield(L, 1, "apply");
	apply_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	struct lcustom *c = lcustom_new(L, NULL);
	c->fit_ref = fit_ref;
	c->apply_ref = apply_ref;
	c->nocode = nocode;
	step_set_custom(s, &lcustom_ops, c);
	return 1;
}

static int step_tostring(lua_State *L)
{
	const struct step *s = check_box(L, 1, LWB_STEP);
	char *o = json_dumps(s->opts, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(10));
	lua_pushfstring(L, "wb.step.%s{ %s, %s%s }", s->type->name, s->sel_text, o,
			s->skip ? ", skip" : "");
	free(o);
	return 1;
}

static int step_gc(lua_State *L)
{
	struct lbox *b = luaL_checkudata(L, 1, LWB_STEP);
	step_free(b->p);
	b->p = NULL;
	return 0;
}

/* ---------------------------------------------------------------- recipes */

static uint64_t session_seed(lua_State *L)
{
	struct lwb_session *s = lwb_get_session(L);
	return s ? s->seed : 0;
}

static const char *const recipe_opts[] = { "target", "strict", "seed", NULL };

/*** wb.recipe{ target = "y", strict = false, seed = wb.seed, step, step, ... } -> recipe */
static int l_recipe(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	int n = (int)lua_rawlen(L, 1);
	lua_pushnil(L);
	while (lua_next(L, 1)) {
		lua_pop(L, 1);
		if (lua_isinteger(L, -1) && lua_tointeger(L, -1) >= 1 && lua_tointeger(L, -1) <= n)
			continue;
		const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "?";
		int ok = 0;
		for (int i = 0; recipe_opts[i]; i++)
			ok |= !strcmp(k, recipe_opts[i]);
		if (!ok)
			return luaL_error(L, "wb.recipe: unknown option '%s' (valid: target, strict, "
					  "seed, and steps as list entries)", k);
	}
	for (int k = 1; k <= n; k++) {
		lua_rawgeti(L, 1, k);
		if (!luaL_testudata(L, -1, LWB_STEP))
			return luaL_error(L, "wb.recipe: entry %d is a %s, expected a step "
					  "(wb.step.<name>{...})", k, luaL_typename(L, -1));
		lua_pop(L, 1);
	}
	const char *target = NULL;
	if (lua_getfield(L, 1, "target") != LUA_TNIL) {
		if (lua_type(L, -1) != LUA_TSTRING)
			return luaL_error(L, "wb.recipe: option 'target' must be a column name");
		target = lua_tostring(L, -1);
	}
	lua_pop(L, 1); /* the string stays in the table */
	lua_getfield(L, 1, "strict");
	int strict = lua_toboolean(L, -1);
	lua_pop(L, 1);
	uint64_t seed = session_seed(L);
	if (lua_getfield(L, 1, "seed") != LUA_TNIL) {
		if (!lua_isinteger(L, -1))
			return luaL_error(L, "wb.recipe: option 'seed' must be an integer");
		seed = (uint64_t)lua_tointeger(L, -1);
	}
	lua_pop(L, 1);

	struct lbox *b = push_box(L, LWB_RECIPE);
	struct recipe *r = recipe_new(target, strict, seed);
	b->p = r;
	for (int k = 1; k <= n; k++) {
		lua_rawgeti(L, 1, k);
		struct lbox *sb = lua_touserdata(L, -1);
		struct wb_err err;
		struct step *s = sb->p ? step_clone(sb->p, &err) : NULL;
		lua_pop(L, 1);
		if (!s)
			return luaL_error(L, "wb.recipe: entry %d: %s", k, sb->p ? err.msg : "closed step");
		recipe_add(r, s);
	}
	return 1;
}

struct recipe *lwb_check_recipe(lua_State *L, int idx)
{
	struct recipe *r = check_box(L, idx, LWB_RECIPE);
	bind_state(L, r);
	return r;
}

static int recipe_gc(lua_State *L)
{
	struct lbox *b = lua_touserdata(L, 1);
	recipe_free(b->p);
	b->p = NULL;
	return 0;
}

static int push_describe(lua_State *L, const struct recipe *r)
{
	char *d = recipe_describe(r);
	size_t len = strlen(d);
	lua_pushlstring(L, d, len && d[len - 1] == '\n' ? len - 1 : len);
	free(d);
	return 1;
}

static int recipe_tostring(lua_State *L)
{
	return push_describe(L, check_box(L, 1, LWB_RECIPE));
}

/*** recipe:fit(frame) -> fitted, baked  (or nil, msg)
 * baked is the training frame as the steps saw it (equal to
 * fitted:apply(frame) except for target_encode's out-of-fold values). */
static int recipe_fit_l(lua_State *L)
{
	struct recipe *r = check_box(L, 1, LWB_RECIPE);
	struct frame *f = lwb_check_frame(L, 2);
	double t0 = lwb_now();
	bind_state(L, r);
	struct recipe_fit_opts o = { lwb_match, L };
	struct frame *baked = NULL;
	struct wb_err err;
	struct recipe *fitted = recipe_fit(r, f, &o, &baked, &err);
	char *params = recipe_spec_json(r);
	const struct frame *in[1] = { f };
	lwb_record(L, "recipe_fit", params, in, 1, baked, fitted ? fitted->json_hash : NULL, t0,
		   fitted ? NULL : &err);
	free(params);
	if (!fitted)
		return lwb_fail(L, &err);
	push_box(L, LWB_FITTED)->p = fitted;
	lwb_push_frame(L, baked);
	return 2;
}

static int fitted_gc(lua_State *L)
{
	struct lbox *b = lua_touserdata(L, 1);
	recipe_free(b->p);
	b->p = NULL;
	return 0;
}

static int fitted_tostring(lua_State *L)
{
	return push_describe(L, check_box(L, 1, LWB_FITTED));
}

/*** fitted:apply(frame) -> frame  (or nil, msg) */
static int fitted_apply(lua_State *L)
{
	struct recipe *r = check_box(L, 1, LWB_FITTED);
	struct frame *f = lwb_check_frame(L, 2);
	double t0 = lwb_now();
	bind_state(L, r);
	struct wb_err err;
	struct frame *out = recipe_apply(r, f, &err);
	json_t *p = json_pack("{s:s}", "recipe", r->json_hash);
	char *params = json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(p);
	const struct frame *in[1] = { f };
	lwb_record(L, "recipe_apply", params, in, 1, out, r->json_hash, t0, out ? NULL : &err);
	free(params);
	if (!out)
		return lwb_fail(L, &err);
	lwb_push_frame(L, out);
	return 1;
}

/*** fitted:to_json() -> string (deterministic bytes) */
static int fitted_to_json(lua_State *L)
{
	char *j = recipe_to_json(check_box(L, 1, LWB_FITTED));
	lua_pushstring(L, j);
	free(j);
	return 1;
}

/*** fitted:hash() -> sha256 hex of to_json() */
static int fitted_hash(lua_State *L)
{
	lua_pushstring(L, ((struct recipe *)check_box(L, 1, LWB_FITTED))->json_hash);
	return 1;
}

/*** fitted:outputs() -> { names of the columns apply produces } */
static int fitted_outputs(lua_State *L)
{
	const struct recipe *r = check_box(L, 1, LWB_FITTED);
	push_names(L, (const char *const *)r->out_names, r->nout);
	return 1;
}

/*** fitted:has_custom() -> true when a step runs user code */
static int fitted_has_custom(lua_State *L)
{
	lua_pushboolean(L, recipe_has_custom(check_box(L, 1, LWB_FITTED)));
	return 1;
}

/*** wb.recipe_load(json [, { custom = { name = { apply = fn } }, allow_custom = false }])
 * -> fitted (or nil, msg).  allow_custom: custom steps run their stored code
 * in a sandbox (no io, os, require); custom: or get these functions. */
static int l_recipe_load(lua_State *L)
{
	const char *text = luaL_checkstring(L, 1);
	int has_opts = !lua_isnoneornil(L, 2), allow_custom = 0;
	if (has_opts) {
		luaL_checktype(L, 2, LUA_TTABLE);
		lua_getfield(L, 2, "custom");
		if (!lua_isnil(L, -1) && !lua_istable(L, -1))
			return luaL_argerror(L, 2, "'custom' must be a table of { apply = fn }");
		lua_getfield(L, 2, "allow_custom");
		allow_custom = lua_toboolean(L, -1);
		lua_pop(L, 2);
	}
	struct wb_err err;
	struct recipe *r = recipe_from_json(text, &err);
	if (!r)
		return lwb_fail(L, &err);
	struct lbox *b = push_box(L, LWB_FITTED);
	b->p = r;
	if (allow_custom && recipe_has_custom(r)) {
		struct lwb_sandbox *sb = session_sandbox(L);
		int rc = lwb_bind_custom(sb, r, &err);
		lwb_sandbox_unref(sb);
		if (rc < 0)
			return lwb_fail(L, &err);
	}
	if (!has_opts)
		return 1;
	if (lua_getfield(L, 2, "custom") != LUA_TTABLE) {
		lua_pop(L, 1);
		return 1;
	}
	int ct = lua_gettop(L);
	for (int k = 0; k < r->nsteps; k++) {
		struct step *s = r->steps[k];
		const char *name = json_string_value(json_object_get(s->opts, "name"));
		if (!(s->type->flags & STEP_CUSTOM) || !name)
			continue;
		if (lua_getfield(L, ct, name) != LUA_TTABLE) {
			lua_pop(L, 1);
			continue;
		}
		if (lua_getfield(L, -1, "apply") != LUA_TFUNCTION)
			return luaL_error(L, "wb.recipe_load: custom.%s.apply must be a function", name);
		struct lcustom *c = lcustom_new(L, NULL);
		c->apply_ref = luaL_ref(L, LUA_REGISTRYINDEX);
		step_set_custom(s, &lcustom_ops, c);
		lua_pop(L, 1);
	}
	lua_settop(L, ct - 1);
	return 1;
}

/* ---------------------------------------------------------------- registration */

static const luaL_Reg sel_meta[] = {
	{ "__sub", sel_sub }, { "__add", sel_add }, { "__tostring", sel_tostring },
	{ "__gc", sel_gc }, { NULL, NULL },
};
static const luaL_Reg step_meta[] = {
	{ "__tostring", step_tostring }, { "__gc", step_gc }, { NULL, NULL },
};
static const luaL_Reg recipe_methods[] = {
	{ "fit", recipe_fit_l }, { NULL, NULL },
};
static const luaL_Reg recipe_meta[] = {
	{ "__tostring", recipe_tostring }, { "__gc", recipe_gc }, { "__close", recipe_gc },
	{ NULL, NULL },
};
static const luaL_Reg fitted_methods[] = {
	{ "apply", fitted_apply }, { "to_json", fitted_to_json }, { "hash", fitted_hash },
	{ "outputs", fitted_outputs }, { "has_custom", fitted_has_custom }, { NULL, NULL },
};
static const luaL_Reg fitted_meta[] = {
	{ "__tostring", fitted_tostring }, { "__gc", fitted_gc }, { "__close", fitted_gc },
	{ NULL, NULL },
};
static const luaL_Reg recipe_funcs[] = {
	{ "numeric", l_numeric }, { "categorical", l_categorical }, { "time", l_time },
	{ "all_predictors", l_all_predictors }, { "match", l_match },
	{ "recipe", l_recipe }, { "recipe_load", l_recipe_load }, { NULL, NULL },
};

static void new_meta(lua_State *L, const char *tname, const luaL_Reg *meta,
		     const luaL_Reg *methods)
{
	luaL_newmetatable(L, tname);
	luaL_setfuncs(L, meta, 0);
	if (methods) {
		lua_newtable(L);
		luaL_setfuncs(L, methods, 0);
		lua_setfield(L, -2, "__index");
	}
	lua_pop(L, 1);
}

void lwb_open_recipe(lua_State *L)
{
	new_meta(L, LWB_SELECTOR, sel_meta, NULL);
	new_meta(L, LWB_STEP, step_meta, NULL);
	new_meta(L, LWB_RECIPE, recipe_meta, recipe_methods);
	new_meta(L, LWB_FITTED, fitted_meta, fitted_methods);
	luaL_setfuncs(L, recipe_funcs, 0);
	/* wb.step.<name> for every registered step type. */
	lua_newtable(L);
	for (const char *const *n = recipe_step_names(); *n; n++) {
		lua_pushstring(L, *n);
		lua_pushcclosure(L, l_step, 1);
		lua_setfield(L, -2, *n);
	}
	lua_setfield(L, -2, "step");
}
