/*
 * lua_frame — frames as Lua userdata, and the loaders that make them
 * (wb.read_csv, wb.read_sql, wb.frame).  Every method that derives a frame
 * is a lifecycle step and is recorded in the run log.
 */
#include "lua/lua_wb.h"
#include "core/csv.h"
#include "core/frame_ops.h"
#include "core/sql_read.h"
#include "core/stats.h"
#include "track/runlog.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---------------------------------------------------------------- userdata */

struct lframe {
	struct frame *f; /* NULL once closed */
};

void lwb_push_frame(lua_State *L, struct frame *f)
{
	struct lframe *u = lua_newuserdatauv(L, sizeof(*u), 0);
	u->f = NULL; /* closed until the metatable is set, so __gc is safe */
	luaL_setmetatable(L, LWB_FRAME);
	u->f = f;
}

struct frame *lwb_to_frame(lua_State *L, int idx)
{
	struct lframe *u = luaL_testudata(L, idx, LWB_FRAME);
	return u ? u->f : NULL;
}

struct frame *lwb_check_frame(lua_State *L, int idx)
{
	struct lframe *u = luaL_checkudata(L, idx, LWB_FRAME);
	if (!u->f)
		luaL_argerror(L, idx, "frame is closed");
	return u->f;
}

static int f_gc(lua_State *L)
{
	struct lframe *u = luaL_checkudata(L, 1, LWB_FRAME);
	if (u->f) {
		frame_unref(u->f);
		u->f = NULL;
	}
	return 0;
}

/* ------------------------------------------------------------ JSON helpers */

/* Canonical compact JSON text of a params object; takes the reference. */
static char *params_text(json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
	json_decref(o);
	return s;
}

static json_t *json_strings(const char *const *v, int n)
{
	json_t *a = json_array();
	for (int k = 0; k < n; k++)
		json_array_append_new(a, json_string(v[k]));
	return a;
}

/* Records a one-input, one-output step and pushes the output (or nil, msg). */
static int finish(lua_State *L, const char *kind, json_t *params, const struct frame *in,
		  struct frame *out, double t0, const struct wb_err *err)
{
	char *p = params_text(params);
	const struct frame *inputs[1] = { in };
	lwb_record(L, kind, p, inputs, in ? 1 : 0, out, NULL, t0, out ? NULL : err);
	free(p);
	if (!out)
		return lwb_fail(L, err);
	lwb_push_frame(L, out);
	return 1;
}

/* A list of column names from a string or an array of strings at idx; the
 * strings stay owned by Lua (they are on the stack or in the table). */
static const char **check_names(lua_State *L, int idx, int *n)
{
	if (lua_type(L, idx) == LUA_TSTRING) {
		const char **v = lua_newuserdatauv(L, sizeof(char *), 0);
		v[0] = lua_tostring(L, idx);
		*n = 1;
		return v;
	}
	luaL_checktype(L, idx, LUA_TTABLE);
	int len = (int)luaL_len(L, idx);
	const char **v = lua_newuserdatauv(L, sizeof(char *) * (size_t)(len ? len : 1), 0);
	for (int k = 1; k <= len; k++) {
		lua_geti(L, idx, k);
		if (lua_type(L, -1) != LUA_TSTRING)
			luaL_argerror(L, idx, lua_pushfstring(L, "entry %d is not a column name", k));
		v[k - 1] = lua_tostring(L, -1);
		lua_pop(L, 1); /* the table keeps the string alive */
	}
	*n = len;
	return v;
}

/* Rejects option names a function does not know, listing the valid ones. */
static void check_options(lua_State *L, int idx, const char *fn, const char *const *valid)
{
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		lua_pop(L, 1);
		if (lua_type(L, -1) != LUA_TSTRING)
			continue;
		const char *k = lua_tostring(L, -1);
		int found = 0;
		for (int i = 0; valid[i]; i++)
			found |= !strcmp(k, valid[i]);
		if (!found) {
			luaL_Buffer b;
			luaL_buffinit(L, &b);
			for (int i = 0; valid[i]; i++) {
				luaL_addstring(&b, i ? ", " : "");
				luaL_addstring(&b, valid[i]);
			}
			luaL_pushresult(&b);
			luaL_error(L, "%s: unknown option '%s' (valid: %s)", fn, k, lua_tostring(L, -1));
		}
	}
}

/* ----------------------------------------------------------------- loaders */

static const char *const read_csv_opts[] = {
	"delim", "sep", "na", "types", "on_bad_row", "threads", NULL
};

/*** wb.read_csv(path [, opts]) -> frame | nil, msg
 * opts: delim (or sep) = "," | "\t" | ";" | "|"; na = { "NA", ... };
 * types = { col = "cat", ... }; on_bad_row = "error" | "skip"; threads = n. */
static int l_read_csv(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	struct csv_opts o;
	csv_opts_init(&o);
	int ntypes = 0, nna = 0;
	struct csv_type_override *types = NULL;
	const char **na = NULL;
	json_t *params = json_object();

	if (!lua_isnoneornil(L, 2)) {
		luaL_checktype(L, 2, LUA_TTABLE);
		check_options(L, 2, "read_csv", read_csv_opts);
		const char *d = NULL;
		if (lua_getfield(L, 2, "delim") == LUA_TSTRING || lua_getfield(L, 2, "sep") == LUA_TSTRING)
			d = lua_tostring(L, -1);
		if (d) {
			if (strlen(d) != 1)
				luaL_error(L, "read_csv: delim must be one character, got '%s'", d);
			o.delim = d[0];
			json_object_set_new(params, "delim", json_string(d));
		}
		lua_settop(L, 2);
		if (lua_getfield(L, 2, "na") == LUA_TTABLE) {
			nna = (int)luaL_len(L, -1);
			na = lua_newuserdatauv(L, sizeof(char *) * (size_t)(nna + 1), 0);
			json_t *a = json_array();
			for (int k = 1; k <= nna; k++) {
				lua_geti(L, 3, k);
				na[k - 1] = luaL_checkstring(L, -1);
				json_array_append_new(a, json_string(na[k - 1]));
				lua_pop(L, 1);
			}
			o.na_tokens = na;
			o.n_na = nna;
			json_object_set_new(params, "na", a);
		}
		lua_settop(L, 2);
		if (lua_getfield(L, 2, "types") == LUA_TTABLE) {
			int cap = 0;
			lua_pushnil(L);
			while (lua_next(L, 3)) {
				cap++;
				lua_pop(L, 1);
			}
			types = lua_newuserdatauv(L, sizeof(*types) * (size_t)(cap ? cap : 1), 0);
			json_t *t = json_object();
			lua_pushnil(L);
			while (lua_next(L, 3)) {
				const char *col = luaL_checkstring(L, -2), *kind = luaL_checkstring(L, -1);
				if (col_kind_parse(kind, &types[ntypes].kind) < 0)
					luaL_error(L, "read_csv: types.%s: unknown kind '%s' (valid: num, int, cat, str, bool, time)", col, kind);
				types[ntypes++].name = col;
				json_object_set_new(t, col, json_string(kind));
				lua_pop(L, 1);
			}
			o.types = types;
			o.ntypes = ntypes;
			json_object_set_new(params, "types", t);
		}
		lua_settop(L, 2);
		if (lua_getfield(L, 2, "on_bad_row") == LUA_TSTRING) {
			const char *m = lua_tostring(L, -1);
			if (!strcmp(m, "skip"))
				o.skip_bad_rows = 1;
			else if (strcmp(m, "error"))
				luaL_error(L, "read_csv: on_bad_row must be 'error' or 'skip', got '%s'", m);
			json_object_set_new(params, "on_bad_row", json_string(m));
		}
		lua_settop(L, 2);
		if (lua_getfield(L, 2, "threads") != LUA_TNIL)
			o.threads = (int)luaL_checkinteger(L, -1);
		lua_settop(L, 2);
	}
	/* Keep the option tables and scratch arrays anchored while reading. */
	json_object_set_new(params, "path", json_string(path));

	double t0 = lwb_now();
	struct csv_report rep;
	struct wb_err err;
	memset(&rep, 0, sizeof(rep));
	struct frame *f = csv_read(path, &o, &rep, &err);
	for (int k = 0; f && k < rep.nnotes; k++)
		fprintf(stderr, "wb: note: %s\n", rep.notes[k]);
	if (f && rep.bad_rows) {
		fprintf(stderr, "wb: note: '%s': skipped %zu bad row%s\n", path, rep.bad_rows,
			rep.bad_rows == 1 ? "" : "s");
		json_object_set_new(params, "skipped_rows", json_integer((json_int_t)rep.bad_rows));
	}
	if (f) {
		struct lwb_session *s = lwb_get_session(L);
		if (s && s->rl) {
			json_t *schema = json_array();
			for (int j = 0; j < f->ncol; j++)
				json_array_append_new(schema, json_pack("{s:s,s:s}", "name", f->names[j],
									"kind", col_kind_name(f->cols[j]->kind)));
			char *sj = json_dumps(schema, JSON_COMPACT);
			json_decref(schema);
			char hex[WB_HASH_HEX];
			frame_hash_hex(f, hex);
			struct wb_err lerr;
			int rc = runlog_add_dataset(s->rl, s->run_id, hex, path, (int64_t)f->nrow,
						    f->ncol, sj, &lerr);
			free(sj);
			if (rc < 0) {
				frame_unref(f);
				json_decref(params);
				return luaL_error(L, "run log: %s", lerr.msg);
			}
		}
	}
	return finish(L, "read_csv", params, NULL, f, t0, &err);
}

/*** wb.read_sql(dbfile, sql) -> frame | nil, msg */
static int l_read_sql(lua_State *L)
{
	const char *db = luaL_checkstring(L, 1), *sql = luaL_checkstring(L, 2);
	double t0 = lwb_now();
	struct wb_err err;
	struct frame *f = sql_read(db, sql, &err);
	return finish(L, "read_sql", json_pack("{s:s,s:s}", "db", db, "sql", sql), NULL, f, t0, &err);
}

static int is_na(lua_State *L, int idx)
{
	if (lua_isnil(L, idx))
		return 1;
	lua_getfield(L, LUA_REGISTRYINDEX, LWB_NA);
	int r = lua_rawequal(L, idx < 0 ? idx - 1 : idx, -1);
	lua_pop(L, 1);
	return r;
}

/* A column from the Lua array at idx with n rows: the kind follows the
 * values (integers -> int, any float -> num, booleans -> bool, strings ->
 * cat or str by the loaders' rule).  Mixed kinds are an error. */
static struct column *column_from_lua(lua_State *L, int idx, size_t n, const char *name)
{
	int has_int = 0, has_float = 0, has_bool = 0, has_str = 0;
	for (size_t i = 1; i <= n; i++) {
		lua_geti(L, idx, (lua_Integer)i);
		if (!is_na(L, -1)) {
			switch (lua_type(L, -1)) {
			case LUA_TNUMBER:
				if (lua_isinteger(L, -1))
					has_int = 1;
				else
					has_float = 1;
				break;
			case LUA_TBOOLEAN:
				has_bool = 1;
				break;
			case LUA_TSTRING:
				has_str = 1;
				break;
			default:
				luaL_error(L, "wb.frame: column '%s' row %d: cannot hold a %s", name,
					   (int)i, luaL_typename(L, -1));
			}
		}
		lua_pop(L, 1);
	}
	if ((has_int || has_float) + has_bool + has_str > 1)
		luaL_error(L, "wb.frame: column '%s' mixes numbers, booleans and strings", name);

	struct column *c;
	if (has_str) {
		const char **strs = xcalloc(n + 1, sizeof(char *));
		for (size_t i = 1; i <= n; i++) {
			lua_geti(L, idx, (lua_Integer)i);
			if (!is_na(L, -1))
				strs[i - 1] = lua_tostring(L, -1); /* anchored by the table */
			lua_pop(L, 1);
		}
		c = column_text_auto(column_from_strings(strs, n));
		free(strs);
		return c;
	}
	enum col_kind kind = has_bool ? COL_BOOL : has_float || !has_int ? COL_NUM : COL_INT;
	c = column_new(kind, n);
	for (size_t i = 1; i <= n; i++) {
		lua_geti(L, idx, (lua_Integer)i);
		if (!is_na(L, -1)) {
			if (kind == COL_BOOL)
				c->b[i - 1] = (int8_t)lua_toboolean(L, -1);
			else if (kind == COL_INT) {
				c->i64[i - 1] = lua_tointeger(L, -1);
				c->valid[i - 1] = 1;
			} else
				c->num[i - 1] = lua_tonumber(L, -1);
		}
		lua_pop(L, 1);
	}
	if (kind == COL_INT)
		column_compact_valid(c);
	return c;
}

static int cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*** wb.frame(columns [, order]) -> frame
 * columns: { name = { values... }, ... }, missing values as wb.NA;
 * order: the column names in order (default: sorted by name). */
static int l_frame(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	int n = 0;
	const char **names;
	if (!lua_isnoneornil(L, 2)) {
		names = check_names(L, 2, &n);
	} else {
		lua_pushnil(L);
		while (lua_next(L, 1)) {
			n++;
			lua_pop(L, 1);
		}
		names = lua_newuserdatauv(L, sizeof(char *) * (size_t)(n ? n : 1), 0);
		int k = 0;
		lua_pushnil(L);
		while (lua_next(L, 1)) {
			if (lua_type(L, -2) != LUA_TSTRING)
				luaL_error(L, "wb.frame: column names must be strings");
			names[k++] = lua_tostring(L, -2);
			lua_pop(L, 1);
		}
		qsort(names, (size_t)n, sizeof(char *), cmp_cstr);
	}
	size_t nrow = 0;
	for (int k = 0; k < n; k++) {
		if (lua_getfield(L, 1, names[k]) != LUA_TTABLE)
			luaL_error(L, "wb.frame: column '%s' is not an array", names[k]);
		size_t len = (size_t)luaL_len(L, -1);
		if (k > 0 && len != nrow)
			luaL_error(L, "wb.frame: column '%s' has %d rows, '%s' has %d", names[k],
				   (int)len, names[0], (int)nrow);
		nrow = len;
		lua_pop(L, 1);
	}
	struct frame *f = frame_new(nrow);
	for (int k = 0; k < n; k++) {
		lua_getfield(L, 1, names[k]);
		struct column *c = column_from_lua(L, lua_gettop(L), nrow, names[k]);
		lua_pop(L, 1);
		frame_add(f, names[k], c, NULL);
	}
	frame_seal_content(f);
	lwb_push_frame(L, f);
	return 1;
}

/* ------------------------------------------------------------- accessors */

static int f_nrow(lua_State *L)
{
	lua_pushinteger(L, (lua_Integer)lwb_check_frame(L, 1)->nrow);
	return 1;
}

static int f_ncol(lua_State *L)
{
	lua_pushinteger(L, lwb_check_frame(L, 1)->ncol);
	return 1;
}

/*** frame:names() -> { "a", "b", ... } */
static int f_names(lua_State *L)
{
	struct frame *f = lwb_check_frame(L, 1);
	lua_createtable(L, f->ncol, 0);
	for (int j = 0; j < f->ncol; j++) {
		lua_pushstring(L, f->names[j]);
		lua_rawseti(L, -2, j + 1);
	}
	return 1;
}

/*** frame:kinds() -> { "num", "cat", ... } in column order */
static int f_kinds(lua_State *L)
{
	struct frame *f = lwb_check_frame(L, 1);
	lua_createtable(L, f->ncol, 0);
	for (int j = 0; j < f->ncol; j++) {
		lua_pushstring(L, col_kind_name(f->cols[j]->kind));
		lua_rawseti(L, -2, j + 1);
	}
	return 1;
}

/*** frame:hash() -> 64 hex digits (content hash for loaded data, lineage hash for derived frames) */
static int f_hash(lua_State *L)
{
	char hex[WB_HASH_HEX];
	frame_hash_hex(lwb_check_frame(L, 1), hex);
	lua_pushstring(L, hex);
	return 1;
}

/*** frame:content_hash() -> 64 hex digits of the data alone */
static int f_content_hash(lua_State *L)
{
	unsigned char h[WB_HASH_LEN];
	char hex[WB_HASH_HEX];
	frame_content_hash(lwb_check_frame(L, 1), h);
	hash_hex(h, hex);
	lua_pushstring(L, hex);
	return 1;
}

/* Pushes cell (c, i) as a Lua value; missing pushes nil. */
static void push_cell(lua_State *L, const struct column *c, size_t i)
{
	char buf[64];
	size_t len;
	const char *s;
	if (column_is_missing(c, i)) {
		lua_pushnil(L);
		return;
	}
	switch (c->kind) {
	case COL_NUM:
		lua_pushnumber(L, c->num[i]);
		break;
	case COL_INT:
		lua_pushinteger(L, c->i64[i]);
		break;
	case COL_BOOL:
		lua_pushboolean(L, c->b[i]);
		break;
	case COL_TIME:
		fmt_time(c->i64[i], buf, sizeof(buf));
		lua_pushstring(L, buf);
		break;
	case COL_CAT:
	case COL_STR:
		s = column_get_text(c, i, &len);
		lua_pushlstring(L, s, len);
		break;
	}
}

static struct column *check_col(lua_State *L, struct frame *f, int idx, int *j)
{
	const char *name = luaL_checkstring(L, idx);
	*j = frame_find(f, name);
	if (*j < 0)
		luaL_argerror(L, idx, lua_pushfstring(L, "no column '%s'", name));
	return f->cols[*j];
}

/*** frame:col(name) -> { v1, v2, ... } with wb.NA for missing values */
static int f_col(lua_State *L)
{
	struct frame *f = lwb_check_frame(L, 1);
	int j;
	struct column *c = check_col(L, f, 2, &j);
	lua_getfield(L, LUA_REGISTRYINDEX, LWB_NA);
	int na = lua_gettop(L);
	lua_createtable(L, (int)(f->nrow < INT32_MAX ? f->nrow : INT32_MAX), 0);
	for (size_t i = 0; i < f->nrow; i++) {
		if (column_is_missing(c, i))
			lua_pushvalue(L, na);
		else
			push_cell(L, c, i);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	return 1;
}

/* Pushes row i as a table { name = value } (missing values absent). */
static void push_row(lua_State *L, const struct frame *f, size_t i)
{
	lua_createtable(L, 0, f->ncol);
	for (int j = 0; j < f->ncol; j++) {
		push_cell(L, f->cols[j], i);
		lua_setfield(L, -2, f->names[j]);
	}
}

/*** frame:row(i) -> { name = value, ... } (1-based; missing values are nil) */
static int f_row(lua_State *L)
{
	struct frame *f = lwb_check_frame(L, 1);
	lua_Integer i = luaL_checkinteger(L, 2);
	luaL_argcheck(L, i >= 1 && (size_t)i <= f->nrow, 2, "row out of range");
	push_row(L, f, (size_t)i - 1);
	return 1;
}

/*** frame:levels(col) -> { level, ... } of a cat column */
static int f_levels(lua_State *L)
{
	struct frame *f = lwb_check_frame(L, 1);
	int j;
	struct column *c = check_col(L, f, 2, &j);
	luaL_argcheck(L, c->kind == COL_CAT, 2, "not a cat column");
	lua_createtable(L, c->nlevels, 0);
	for (int32_t k = 0; k < c->nlevels; k++) {
		lua_pushstring(L, c->levels[k]);
		lua_rawseti(L, -2, k + 1);
	}
	return 1;
}

/* ---------------------------------------------------------- derivations */

/*** frame:select{ names } or frame:select("a", "b") -> frame */
static int f_select_drop(lua_State *L, int drop)
{
	struct frame *f = lwb_check_frame(L, 1);
	int n;
	const char **names;
	if (lua_type(L, 2) == LUA_TSTRING && lua_gettop(L) > 2) {
		n = lua_gettop(L) - 1;
		names = lua_newuserdatauv(L, sizeof(char *) * (size_t)n, 0);
		for (int k = 0; k < n; k++)
			names[k] = luaL_checkstring(L, k + 2);
	} else {
		names = check_names(L, 2, &n);
	}
	double t0 = lwb_now();
	struct wb_err err;
	struct frame *out = drop ? frame_drop(f, names, n, &err) : frame_select(f, names, n, &err);
	return finish(L, drop ? "drop" : "select", json_pack("{s:o}", "names", json_strings(names, n)),
		      f, out, t0, &err);
}

static int f_select(lua_State *L) { return f_select_drop(L, 0); }
static int f_drop(lua_State *L) { return f_select_drop(L, 1); }

/*** frame:cast{ col = "kind", ... } -> frame: columns converted (num, int, cat, str, bool, time)
 * through their text, as if read from CSV as that kind; a value that does
 * not convert is an error naming the column, row and text. */
static int f_cast(lua_State *L)
{
	struct frame *f = lwb_check_frame(L, 1);
	luaL_checktype(L, 2, LUA_TTABLE);
	int n = 0;
	lua_pushnil(L);
	while (lua_next(L, 2)) {
		if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
			luaL_argerror(L, 2, "expected { column = \"kind\", ... }");
		enum col_kind kind;
		if (col_kind_parse(lua_tostring(L, -1), &kind) < 0)
			luaL_argerror(L, 2, lua_pushfstring(L, "unknown kind '%s' for column '%s' "
							"(num, int, cat, str, bool, time)",
							lua_tostring(L, -1), lua_tostring(L, -2)));
		n++;
		lua_pop(L, 1);
	}
	const char **names = lua_newuserdatauv(L, sizeof(char *) * (size_t)(n ? n : 1), 0);
	enum col_kind *kinds = lua_newuserdatauv(L, sizeof(enum col_kind) * (size_t)(n ? n : 1), 0);
	int k = 0;
	lua_pushnil(L);
	while (lua_next(L, 2)) {
		names[k] = lua_tostring(L, -2);
		col_kind_parse(lua_tostring(L, -1), &kinds[k++]);
		lua_pop(L, 1);
	}
	json_t *pj = json_object();
	for (k = 0; k < n; k++)
		json_object_set_new(pj, names[k], json_string(col_kind_name(kinds[k])));
	double t0 = lwb_now();
	struct wb_err err;
	struct frame *out = frame_cast(f, names, kinds, n, &err);
	return finish(L, "cast", pj, f, out, t0, &err);
}

/*** frame:rename{ old = "new", ... } -> frame */
static int f_rename(lua_State *L)
{
	struct frame *f = lwb_check_frame(L, 1);
	luaL_checktype(L, 2, LUA_TTABLE);
	int n = 0;
	lua_pushnil(L);
	while (lua_next(L, 2)) {
		if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
			luaL_argerror(L, 2, "expected { old = \"new\", ... }");
		n++;
		lua_pop(L, 1);
	}
	const char **from = lua_newuserdatauv(L, sizeof(char *) * (size_t)(n ? n : 1), 0);
	const char **to = lua_newuserdatauv(L, sizeof(char *) * (size_t)(n ? n : 1), 0);
	int k = 0;
	lua_pushnil(L);
	while (lua_next(L, 2)) {
		from[k] = lua_tostring(L, -2);
		to[k++] = lua_tostring(L, -1);
		lua_pop(L, 1);
	}
	json_t *map = json_object();
	for (k = 0; k < n; k++)
		json_object_set_new(map, from[k], json_string(to[k]));
	double t0 = lwb_now();
	struct wb_err err;
	struct frame *out = frame_rename(f, from, to, n, &err);
	return finish(L, "rename", json_pack("{s:o}", "names", map), f, out, t0, &err);
}

/*** frame:head([n = 10]) / frame:tail([n = 10]) -> frame */
static int f_head_tail(lua_State *L, int tail)
{
	struct frame *f = lwb_check_frame(L, 1);
	lua_Integer n = luaL_optinteger(L, 2, 10);
	luaL_argcheck(L, n >= 0, 2, "must be >= 0");
	double t0 = lwb_now();
	struct frame *out = tail ? frame_tail(f, (size_t)n) : frame_head(f, (size_t)n);
	return finish(L, tail ? "tail" : "head", json_pack("{s:I}", "n", (json_int_t)n), f, out, t0, NULL);
}

static int f_head(lua_State *L) { return f_head_tail(L, 0); }
static int f_tail(lua_State *L) { return f_head_tail(L, 1); }

/*** frame:slice(start, count) -> frame (start is 1-based) */
static int f_slice(lua_State *L)
{
	struct frame *f = lwb_check_frame(L, 1);
	lua_Integer start = luaL_checkinteger(L, 2), count = luaL_checkinteger(L, 3);
	luaL_argcheck(L, start >= 1, 2, "must be >= 1");
	luaL_argcheck(L, count >= 0, 3, "must be >= 0");
	double t0 = lwb_now();
	struct frame *out = frame_slice(f, (size_t)start - 1, (size_t)count);
	return finish(L, "slice", json_pack("{s:I,s:I}", "start", (json_int_t)start, "count",
					    (json_int_t)count), f, out, t0, NULL);
}

/*** frame:filter(condition) -> frame
 * condition: a string evaluated in C over whole columns (see README:
 * "Age >= 30 and Home == 'rent'"), or a Lua function called with each row
 * as a table (missing values are nil) that returns true to keep it. */
static int f_filter(lua_State *L)
{
	struct frame *f = lwb_check_frame(L, 1);
	double t0 = lwb_now();
	struct wb_err err;
	if (lua_type(L, 2) == LUA_TSTRING) {
		const char *expr = lua_tostring(L, 2);
		struct frame *out = frame_filter_expr(f, expr, &err);
		return finish(L, "filter", json_pack("{s:s}", "expr", expr), f, out, t0, &err);
	}
	luaL_checktype(L, 2, LUA_TFUNCTION);
	uint8_t *mask = lua_newuserdatauv(L, f->nrow ? f->nrow : 1, 0);
	for (size_t i = 0; i < f->nrow; i++) {
		lua_pushvalue(L, 2);
		push_row(L, f, i);
		lua_call(L, 1, 1);
		mask[i] = (uint8_t)lua_toboolean(L, -1);
		lua_pop(L, 1);
	}
	struct frame *out = frame_filter_mask(f, mask);
	return finish(L, "filter", json_pack("{s:s}", "predicate", "lua function"), f, out, t0, NULL);
}

/*** frame:sort(keys) -> frame
 * keys: "col", or { "a", { "b", desc = true }, desc = false } (a top-level
 * desc applies to plain names).  Stable; missing values last. */
static int f_sort(lua_State *L)
{
	struct frame *f = lwb_check_frame(L, 1);
	int n;
	struct sort_key *keys;
	json_t *jk = json_array();
	if (lua_type(L, 2) == LUA_TSTRING) {
		n = 1;
		keys = lua_newuserdatauv(L, sizeof(*keys), 0);
		keys[0].name = lua_tostring(L, 2);
		keys[0].desc = lua_toboolean(L, 3);
	} else {
		luaL_checktype(L, 2, LUA_TTABLE);
		lua_getfield(L, 2, "desc");
		int all_desc = lua_toboolean(L, -1);
		lua_pop(L, 1);
		n = (int)luaL_len(L, 2);
		keys = lua_newuserdatauv(L, sizeof(*keys) * (size_t)(n ? n : 1), 0);
		for (int k = 0; k < n; k++) {
			lua_geti(L, 2, k + 1);
			if (lua_type(L, -1) == LUA_TSTRING) {
				keys[k].name = lua_tostring(L, -1);
				keys[k].desc = all_desc;
			} else if (lua_type(L, -1) == LUA_TTABLE) {
				lua_geti(L, -1, 1);
				keys[k].name = lua_tostring(L, -1);
				lua_pop(L, 1);
				lua_getfield(L, -1, "desc");
				keys[k].desc = lua_toboolean(L, -1);
				lua_pop(L, 1);
				if (!keys[k].name)
					luaL_argerror(L, 2, "a sort key table needs a column name first");
			} else {
				luaL_argerror(L, 2, "sort keys are column names or { name, desc = true }");
			}
			lua_pop(L, 1); /* the key table/string stays referenced by arg 2 */
		}
	}
	for (int k = 0; k < n; k++)
		json_array_append_new(jk, json_pack("{s:s,s:b}", "name", keys[k].name, "desc", keys[k].desc));
	double t0 = lwb_now();
	struct wb_err err;
	struct frame *out = frame_sort(f, keys, n, &err);
	return finish(L, "sort", json_pack("{s:o}", "keys", jk), f, out, t0, &err);
}

static uint64_t opt_seed(lua_State *L, int tbl)
{
	uint64_t seed;
	if (lua_getfield(L, tbl, "seed") != LUA_TNIL) {
		seed = (uint64_t)luaL_checkinteger(L, -1);
	} else {
		struct lwb_session *s = lwb_get_session(L);
		seed = s ? s->seed : 0;
	}
	lua_pop(L, 1);
	return seed;
}

static const char *const split_opts[] = { "test", "stratify", "seed", NULL };

/*** frame:split{ test = 0.2, stratify = "y", seed = wb.seed } -> train, test */
static int f_split(lua_State *L)
{
	struct frame *f = lwb_check_frame(L, 1);
	luaL_checktype(L, 2, LUA_TTABLE);
	check_options(L, 2, "split", split_opts);
	struct split_opts o = { 0.2, NULL, 0 };
	if (lua_getfield(L, 2, "test") != LUA_TNIL)
		o.test = luaL_checknumber(L, -1);
	lua_pop(L, 1);
	if (lua_getfield(L, 2, "stratify") != LUA_TNIL)
		o.stratify = luaL_checkstring(L, -1);
	lua_pop(L, 1); /* the string stays in the table */
	o.seed = opt_seed(L, 2);

	double t0 = lwb_now();
	struct frame *train = NULL, *test = NULL;
	struct wb_err err;
	int rc = frame_split(f, &o, &train, &test, &err);
	json_t *p = json_pack("{s:f,s:I}", "test", o.test, "seed", (json_int_t)o.seed);
	if (o.stratify)
		json_object_set_new(p, "stratify", json_string(o.stratify));
	if (rc == 0) {
		char hex[WB_HASH_HEX];
		frame_hash_hex(test, hex);
		json_object_set_new(p, "test_hash", json_string(hex));
		json_object_set_new(p, "test_rows", json_integer((json_int_t)test->nrow));
	}
	int nret = finish(L, "split", p, f, rc == 0 ? train : NULL, t0, &err);
	if (rc < 0)
		return nret;
	lwb_push_frame(L, test);
	return 2;
}

static const char *const sample_opts[] = { "n", "frac", "replace", "seed", NULL };

/*** frame:sample{ n = 100 | frac = 0.1, replace = false, seed = wb.seed } -> frame */
static int f_sample(lua_State *L)
{
	struct frame *f = lwb_check_frame(L, 1);
	size_t n;
	luaL_checktype(L, 2, LUA_TTABLE);
	check_options(L, 2, "sample", sample_opts);
	if (lua_getfield(L, 2, "n") != LUA_TNIL) {
		lua_Integer v = luaL_checkinteger(L, -1);
		if (v < 0)
			luaL_error(L, "sample: n must be >= 0");
		n = (size_t)v;
	} else if (lua_getfield(L, 2, "frac") != LUA_TNIL) {
		double fr = luaL_checknumber(L, -1);
		if (!(fr >= 0))
			luaL_error(L, "sample: frac must be >= 0");
		n = (size_t)llround(fr * (double)f->nrow);
	} else {
		return luaL_error(L, "sample: give n or frac");
	}
	lua_settop(L, 2);
	lua_getfield(L, 2, "replace");
	int replace = lua_toboolean(L, -1);
	lua_pop(L, 1);
	uint64_t seed = opt_seed(L, 2);
	double t0 = lwb_now();
	struct wb_err err;
	struct frame *out = frame_sample(f, n, replace, seed, &err);
	return finish(L, "sample", json_pack("{s:I,s:b,s:I}", "n", (json_int_t)n, "replace", replace,
					     "seed", (json_int_t)seed), f, out, t0, &err);
}

/*** frame:describe() -> frame (one row per column: count, missing, mean, std, quartiles, ...) */
static int f_describe(lua_State *L)
{
	struct frame *f = lwb_check_frame(L, 1);
	double t0 = lwb_now();
	struct frame *out = frame_describe(f);
	return finish(L, "describe", json_object(), f, out, t0, NULL);
}

/*** frame:value_counts(col) -> frame (value, count), most frequent first */
static int f_value_counts(lua_State *L)
{
	struct frame *f = lwb_check_frame(L, 1);
	const char *col = luaL_checkstring(L, 2);
	double t0 = lwb_now();
	struct wb_err err;
	struct frame *out = frame_value_counts(f, col, &err);
	return finish(L, "value_counts", json_pack("{s:s}", "col", col), f, out, t0, &err);
}

/* Parses "fn(col)" or "fn(col) as name" or "count" into spec; strings are
 * copied into Lua-owned scratch (pushed on the stack). */
static void parse_agg(lua_State *L, const char *text, struct agg_spec *spec)
{
	char fn[32], col[256], as[256];
	int n = 0;
	as[0] = col[0] = '\0';
	if (sscanf(text, " %31[a-z_] ( %255[^)] ) %n", fn, col, &n) >= 2 ||
	    sscanf(text, " %31[a-z_] %n", fn, &n) >= 1) {
		const char *rest = text + n;
		if (*rest && sscanf(rest, "as %255s", as) != 1)
			luaL_error(L, "group_by: cannot read aggregate '%s' (expected fn(col) [as name])", text);
	} else {
		luaL_error(L, "group_by: cannot read aggregate '%s' (expected fn(col) [as name])", text);
	}
	if (agg_fn_parse(fn, &spec->fn) < 0)
		luaL_error(L, "group_by: unknown aggregate '%s' in '%s' (valid: count, sum, mean, min, max, median)", fn, text);
	size_t cl = strlen(col);
	while (cl && col[cl - 1] == ' ')
		col[--cl] = '\0';
	if (spec->fn != AGG_COUNT && !col[0])
		luaL_error(L, "group_by: '%s' needs a column: %s(col)", text, fn);
	spec->col = col[0] ? lua_pushstring(L, col) : NULL;
	spec->as = as[0] ? lua_pushstring(L, as) : NULL;
}

/*** frame:group_by(keys, aggs) -> frame
 * keys: "col" or { "a", "b" }; aggs: { "count", "mean(Income)", "max(Age) as oldest" }. */
static int f_group_by(lua_State *L)
{
	struct frame *f = lwb_check_frame(L, 1);
	int nk;
	const char **keys = check_names(L, 2, &nk);
	luaL_checktype(L, 3, LUA_TTABLE);
	int na = (int)luaL_len(L, 3);
	struct agg_spec *aggs = lua_newuserdatauv(L, sizeof(*aggs) * (size_t)(na ? na : 1), 0);
	json_t *ja = json_array();
	for (int k = 0; k < na; k++) {
		lua_geti(L, 3, k + 1);
		const char *text = luaL_checkstring(L, -1);
		json_array_append_new(ja, json_string(text));
		parse_agg(L, text, &aggs[k]); /* pushes its strings: keep them */
	}
	double t0 = lwb_now();
	struct wb_err err;
	struct frame *out = frame_groupby(f, keys, nk, aggs, na, &err);
	return finish(L, "group_by", json_pack("{s:o,s:o}", "keys", json_strings(keys, nk), "aggs", ja),
		      f, out, t0, &err);
}

static const char *const write_opts[] = { "delim", "sep", NULL };

/*** frame:write_csv(path [, { delim = "," }]) -> true | nil, msg (recorded as an artifact) */
static int f_write_csv(lua_State *L)
{
	struct frame *f = lwb_check_frame(L, 1);
	const char *path = luaL_checkstring(L, 2);
	char delim = ',';
	if (!lua_isnoneornil(L, 3)) {
		luaL_checktype(L, 3, LUA_TTABLE);
		check_options(L, 3, "write_csv", write_opts);
		if (lua_getfield(L, 3, "delim") == LUA_TSTRING || lua_getfield(L, 3, "sep") == LUA_TSTRING) {
			const char *d = lua_tostring(L, -1);
			if (strlen(d) != 1)
				luaL_error(L, "write_csv: delim must be one character, got '%s'", d);
			delim = d[0];
		}
	}
	double t0 = lwb_now();
	struct wb_err err;
	int rc = csv_write(f, path, delim, &err);
	char *p = params_text(json_pack("{s:s}", "path", path));
	const struct frame *in[1] = { f };
	char hex[WB_HASH_HEX];
	int64_t bytes = 0;
	if (rc == 0 && lwb_file_sha(path, hex, &bytes, &err) < 0)
		rc = -1;
	lwb_record(L, "write_csv", p, in, 1, NULL, rc == 0 ? hex : NULL, t0, rc < 0 ? &err : NULL);
	free(p);
	if (rc < 0)
		return lwb_fail(L, &err);
	lwb_add_artifact(L, path, hex, bytes, "csv");
	lua_pushboolean(L, 1);
	return 1;
}

/* -------------------------------------------------------------- printing */

/* Display width of UTF-8 text: code points, not bytes (wide CJK glyphs are
 * rare in tabular data; the TUI does full wcwidth). */
static size_t utf8_width(const char *s, size_t len)
{
	size_t w = 0;
	for (size_t i = 0; i < len; i++)
		w += ((unsigned char)s[i] & 0xC0) != 0x80;
	return w;
}

/* Cuts s to at most max display columns, ending in "…" when cut. */
static void fit_cell(char *s, size_t max)
{
	size_t w = 0, i = 0, len = strlen(s);
	if (utf8_width(s, len) <= max)
		return;
	while (i < len) {
		size_t j = i + 1;
		while (j < len && ((unsigned char)s[j] & 0xC0) == 0x80)
			j++;
		if (w + 1 >= max)
			break;
		w++;
		i = j;
	}
	memcpy(s + i, "\xe2\x80\xa6", 4);
}

enum { PRINT_ROWS = 10, CELL_MAX = 24 };

/*** tostring(frame): a header line, the column names and kinds, and the first rows aligned */
static int f_tostring(lua_State *L)
{
	struct frame *f = lwb_check_frame(L, 1);
	size_t rows = f->nrow < PRINT_ROWS ? f->nrow : PRINT_ROWS;
	int ncol = f->ncol;
	char hex[WB_HASH_HEX];
	luaL_Buffer b;

	frame_hash_hex(f, hex);
	/* cells[(r + 2) * ncol + j]: row 0 names, row 1 kinds, then data */
	char **cells = xcalloc((rows + 2) * (size_t)(ncol ? ncol : 1), sizeof(char *));
	size_t *width = xcalloc((size_t)(ncol ? ncol : 1), sizeof(size_t));
	char buf[256];
	for (int j = 0; j < ncol; j++) {
		struct column *c = f->cols[j];
		cells[j] = xstrdup(f->names[j]);
		fit_cell(cells[j], CELL_MAX);
		snprintf(buf, sizeof(buf), "<%s>", col_kind_name(c->kind));
		cells[ncol + j] = xstrdup(buf);
		for (size_t r = 0; r < rows; r++) {
			if (column_is_missing(c, r))
				snprintf(buf, sizeof(buf), "NA");
			else if (c->kind == COL_NUM && column_format(c, r, buf, sizeof(buf)) > 10)
				snprintf(buf, sizeof(buf), "%.6g", c->num[r]); /* display only */
			else
				column_format(c, r, buf, sizeof(buf));
			char *cell = xstrdup(buf);
			fit_cell(cell, CELL_MAX);
			cells[(r + 2) * (size_t)ncol + (size_t)j] = cell;
		}
		for (size_t r = 0; r < rows + 2; r++) {
			const char *s = cells[r * (size_t)ncol + (size_t)j];
			size_t w = utf8_width(s, strlen(s));
			if (w > width[j])
				width[j] = w;
		}
	}
	int rowdigits = snprintf(buf, sizeof(buf), "%zu", rows);
	luaL_buffinit(L, &b);
	snprintf(buf, sizeof(buf), "frame: %zu rows x %d columns, hash %.12s\n", f->nrow, ncol, hex);
	luaL_addstring(&b, buf);
	for (size_t r = 0; r < rows + 2; r++) {
		if (r < 2)
			snprintf(buf, sizeof(buf), "%*s", rowdigits, "");
		else
			snprintf(buf, sizeof(buf), "%*zu", rowdigits, r - 1);
		luaL_addstring(&b, buf);
		for (int j = 0; j < ncol; j++) {
			const char *s = cells[r * (size_t)ncol + (size_t)j];
			size_t pad = width[j] - utf8_width(s, strlen(s));
			int left = r >= 2 && (f->cols[j]->kind == COL_STR || f->cols[j]->kind == COL_CAT);
			luaL_addstring(&b, "  ");
			if (!left)
				for (size_t p = 0; p < pad; p++)
					luaL_addchar(&b, ' ');
			luaL_addstring(&b, s);
			if (left && j + 1 < ncol)
				for (size_t p = 0; p < pad; p++)
					luaL_addchar(&b, ' ');
		}
		luaL_addchar(&b, '\n');
	}
	if (f->nrow > rows) {
		snprintf(buf, sizeof(buf), "... %zu more rows\n", f->nrow - rows);
		luaL_addstring(&b, buf);
	}
	for (size_t k = 0; k < (rows + 2) * (size_t)ncol; k++)
		free(cells[k]);
	free(cells);
	free(width);
	luaL_pushresult(&b);
	return 1;
}

static int f_len(lua_State *L)
{
	return f_nrow(L);
}

/* ------------------------------------------------------------ registration */

static const luaL_Reg frame_methods[] = {
	{ "nrow", f_nrow },
	{ "ncol", f_ncol },
	{ "names", f_names },
	{ "kinds", f_kinds },
	{ "hash", f_hash },
	{ "content_hash", f_content_hash },
	{ "col", f_col },
	{ "row", f_row },
	{ "levels", f_levels },
	{ "select", f_select },
	{ "drop", f_drop },
	{ "cast", f_cast },
	{ "rename", f_rename },
	{ "head", f_head },
	{ "tail", f_tail },
	{ "slice", f_slice },
	{ "filter", f_filter },
	{ "sort", f_sort },
	{ "split", f_split },
	{ "sample", f_sample },
	{ "describe", f_describe },
	{ "value_counts", f_value_counts },
	{ "group_by", f_group_by },
	{ "write_csv", f_write_csv },
	{ NULL, NULL },
};

static const luaL_Reg frame_meta[] = {
	{ "__gc", f_gc },
	{ "__close", f_gc },
	{ "__tostring", f_tostring },
	{ "__len", f_len },
	{ NULL, NULL },
};

static const luaL_Reg loaders[] = {
	{ "read_csv", l_read_csv },
	{ "read_sql", l_read_sql },
	{ "frame", l_frame },
	{ NULL, NULL },
};

void lwb_open_frame(lua_State *L)
{
	luaL_newmetatable(L, LWB_FRAME);
	luaL_setfuncs(L, frame_meta, 0);
	luaL_newlib(L, frame_methods);
	lua_setfield(L, -2, "__index");
	lua_pop(L, 1);
	luaL_setfuncs(L, loaders, 0);
}
