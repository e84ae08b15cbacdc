/*
 * lua_sandbox — where Lua code that travels in a file runs: the custom
 * steps of a recipe read from a bundle or a model file, and custom steps
 * written as source strings.
 *
 * A sandbox is its own lua_State, never the user's: nothing the code does
 * can reach the session's globals, its run log or its open files.  It has
 * the base functions without load, loadfile, dofile, collectgarbage and
 * print; string, table, math (seeded with 0, so scores are reproducible)
 * and utf8; and of wb only wb.frame and wb.NA.  There is no io, os,
 * package, require or debug.  Frames pass in and out, and their methods
 * work, except write_csv.  Memory is capped in the allocator and each call
 * has a deadline checked by an instruction-count hook, so a runaway step
 * ends with an error instead of taking the scorer or the server down.
 *
 * A sandbox is shared by reference count: every custom step bound to it
 * holds one, so it lives exactly as long as the recipes that use it, in
 * whatever order those are freed.  Calls are serialised by a mutex (one
 * lua_State runs one thing at a time; wb serve's threads queue here).
 *
 * lwb_function_source recovers the text of a Lua function from its source
 * file, for custom steps written as Lua functions: the text is accepted
 * only if, compiled again, it gives the very same bytecode, and only if the
 * function uses no local variable from outside itself (that value would
 * not travel).
 */
#include "lua/lua_wb.h"

#include <lualib.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SANDBOX_MEMORY_MB 1024   /* default cap on the sandbox's Lua heap */
#define SANDBOX_SECONDS 60.0     /* default time for one call */
#define SOURCE_MAX (16u << 20)   /* a source file larger than this is not read */

struct lwb_sandbox {
	lua_State *L;
	int refs;
	pthread_mutex_t lock;  /* serialises calls into L */
	pthread_mutex_t rlock; /* guards refs */
	size_t used, limit;    /* bytes of Lua heap, and the cap */
	double deadline;       /* lwb_now() time the running call must end by */
	double seconds;        /* time allowed per call */
};

static void *sb_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	struct lwb_sandbox *sb = ud;
	size_t old = ptr ? osize : 0; /* with ptr NULL, osize is a type tag */
	if (nsize == 0) {
		free(ptr);
		sb->used -= old;
		return NULL;
	}
	if (nsize > old && sb->used + (nsize - old) > sb->limit)
		return NULL; /* Lua raises "not enough memory" */
	void *p = realloc(ptr, nsize);
	if (p)
		sb->used = sb->used - old + nsize;
	return p;
}

static void sb_hook(lua_State *L, lua_Debug *ar)
{
	void *ud;
	lua_getallocf(L, &ud);
	struct lwb_sandbox *sb = ud;
	if (sb->deadline > 0 && lwb_now() > sb->deadline) {
		char msg[LUA_IDSIZE + 120]; /* lua_pushfstring has no %g */
		lua_getinfo(L, "Sl", ar);
		snprintf(msg, sizeof(msg), "%s:%d: took longer than %g s (the sandbox's limit "
			 "per call, WB_SANDBOX_SECONDS)", ar->short_src, ar->currentline,
			 sb->seconds);
		luaL_error(L, "%s", msg);
	}
}

static int na_tostring(lua_State *L)
{
	lua_pushliteral(L, "NA");
	return 1;
}

static double env_number(const char *name, double def)
{
	const char *s = getenv(name);
	char *end;
	double v = s ? strtod(s, &end) : 0;
	return s && end != s && v > 0 ? v : def;
}

/* Fills the new state; runs under lua_pcall so an allocation failure is an
 * error, not an abort. */
static int sb_setup(lua_State *L)
{
	static const luaL_Reg libs[] = {
		{ LUA_GNAME, luaopen_base }, { LUA_STRLIBNAME, luaopen_string },
		{ LUA_TABLIBNAME, luaopen_table }, { LUA_MATHLIBNAME, luaopen_math },
		{ LUA_UTF8LIBNAME, luaopen_utf8 }, { NULL, NULL },
	};
	for (const luaL_Reg *l = libs; l->name; l++) {
		luaL_requiref(L, l->name, l->func, 1);
		lua_pop(L, 1);
	}
	static const char *const unsafe[] = { "load", "loadfile", "dofile", "collectgarbage",
					      "print", NULL };
	for (int k = 0; unsafe[k]; k++) {
		lua_pushnil(L);
		lua_setglobal(L, unsafe[k]);
	}
	/* Reproducible random numbers: Lua 5.4 seeds math.random randomly. */
	lua_getglobal(L, "math");
	lua_getfield(L, -1, "randomseed");
	lua_pushinteger(L, 0);
	lua_call(L, 1, 0);
	lua_pop(L, 1);

	/* wb.frame and wb.NA; lwb_open_frame also adds the file readers to the
	 * scratch table, which is dropped. */
	lua_newtable(L);
	lwb_open_frame(L);
	lua_newtable(L);
	lua_getfield(L, -2, "frame");
	lua_setfield(L, -2, "frame");
	lua_newtable(L);
	lua_newtable(L);
	lua_pushcfunction(L, na_tostring);
	lua_setfield(L, -2, "__tostring");
	lua_setmetatable(L, -2);
	lua_pushvalue(L, -1);
	lua_setfield(L, LUA_REGISTRYINDEX, LWB_NA);
	lua_setfield(L, -2, "NA");
	lua_setglobal(L, "wb");
	lua_pop(L, 1);
	luaL_getmetatable(L, LWB_FRAME);
	lua_getfield(L, -1, "__index");
	lua_pushnil(L);
	lua_setfield(L, -2, "write_csv");
	lua_pop(L, 2);
	return 0;
}

struct lwb_sandbox *lwb_sandbox_new(struct wb_err *err)
{
	struct lwb_sandbox *sb = xcalloc(1, sizeof(*sb));
	sb->refs = 1;
	sb->limit = (size_t)(env_number("WB_SANDBOX_MEMORY_MB", SANDBOX_MEMORY_MB) * 1048576.0);
	sb->seconds = env_number("WB_SANDBOX_SECONDS", SANDBOX_SECONDS);
	sb->L = lua_newstate(sb_alloc, sb);
	if (!sb->L) {
		free(sb);
		wb_error(err, "sandbox: out of memory");
		return NULL;
	}
	lua_pushcfunction(sb->L, sb_setup);
	if (lua_pcall(sb->L, 0, 0, 0) != LUA_OK) {
		wb_error(err, "sandbox: %s", lua_tostring(sb->L, -1));
		lua_close(sb->L);
		free(sb);
		return NULL;
	}
	lua_sethook(sb->L, sb_hook, LUA_MASKCOUNT, 10000);
	pthread_mutex_init(&sb->lock, NULL);
	pthread_mutex_init(&sb->rlock, NULL);
	return sb;
}

struct lwb_sandbox *lwb_sandbox_ref(struct lwb_sandbox *sb)
{
	pthread_mutex_lock(&sb->rlock);
	sb->refs++;
	pthread_mutex_unlock(&sb->rlock);
	return sb;
}

void lwb_sandbox_unref(struct lwb_sandbox *sb)
{
	if (!sb)
		return;
	pthread_mutex_lock(&sb->rlock);
	int last = --sb->refs == 0;
	pthread_mutex_unlock(&sb->rlock);
	if (!last)
		return;
	lua_close(sb->L);
	pthread_mutex_destroy(&sb->lock);
	pthread_mutex_destroy(&sb->rlock);
	free(sb);
}

lua_State *lwb_sandbox_enter(struct lwb_sandbox *sb)
{
	pthread_mutex_lock(&sb->lock);
	sb->deadline = lwb_now() + sb->seconds;
	return sb->L;
}

void lwb_sandbox_leave(struct lwb_sandbox *sb)
{
	sb->deadline = 0;
	lua_settop(sb->L, 0);
	pthread_mutex_unlock(&sb->lock);
}

int lwb_sandbox_compile(lua_State *S, const char *code, const char *name, struct wb_err *err)
{
	luaL_Buffer b;
	luaL_buffinit(S, &b);
	luaL_addstring(&b, "return ");
	luaL_addstring(&b, code);
	luaL_pushresult(&b);
	size_t len;
	const char *text = lua_tolstring(S, -1, &len);
	/* "t": text only; Lua does not check bytecode, so a file's bytecode
	 * could do anything. */
	if (luaL_loadbufferx(S, text, len, name, "t") != LUA_OK ||
	    lua_pcall(S, 0, 1, 0) != LUA_OK) {
		wb_error(err, "%s", lua_tostring(S, -1));
		lua_pop(S, 2);
		return -1;
	}
	lua_remove(S, -2);
	if (!lua_isfunction(S, -1)) {
		wb_error(err, "%s: the code gives a %s, not a function", name + (name[0] == '='),
			 luaL_typename(S, -1));
		lua_pop(S, 1);
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- source */

struct dump_state {
	int init;
	luaL_Buffer b;
};

/* As string.dump does it: the buffer starts inside the writer, because
 * luaL_buffinit may push onto the stack and lua_dump wants the function on
 * top. */
static int dump_writer(lua_State *L, const void *p, size_t sz, void *ud)
{
	struct dump_state *d = ud;
	if (!d->init) {
		d->init = 1;
		luaL_buffinit(L, &d->b);
	}
	luaL_addlstring(&d->b, p, sz);
	return 0;
}

/* Pushes the stripped bytecode of the function at the top (left in place). */
static void push_dump(lua_State *L)
{
	struct dump_state d;
	d.init = 0;
	lua_pushvalue(L, -1);
	lua_dump(L, dump_writer, &d, 1);
	if (d.init)
		luaL_pushresult(&d.b);
	else
		lua_pushliteral(L, "");
	lua_remove(L, -2);
}

static char *read_source(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t n = 0, cap = 0;
	for (;;) {
		if (n + 65536 > cap) {
			cap = cap ? cap * 2 : 65536 * 2;
			buf = xrealloc(buf, cap + 1);
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0 || n > SOURCE_MAX)
			break;
	}
	fclose(f);
	if (n > SOURCE_MAX) {
		free(buf);
		return NULL;
	}
	buf[n] = 0;
	*len = n;
	return buf;
}

static int is_word(char c)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Whether text[a, a+len) is the keyword w standing alone. */
static int word_at(const char *t, size_t n, size_t a, const char *w)
{
	size_t k = strlen(w);
	return a + k <= n && !memcmp(t + a, w, k) && (a == 0 || !is_word(t[a - 1])) &&
	       (a + k == n || !is_word(t[a + k]));
}

/* Whether text compiles to a function with bytecode dump (the original's). */
static int same_code(lua_State *L, const char *text, size_t len, const char *chunk, int dump)
{
	int top = lua_gettop(L), same = 0;
	if (luaL_loadbufferx(L, text, len, chunk, "t") == LUA_OK) {
		lua_newtable(L); /* an empty _ENV: the chunk only makes a closure */
		lua_setupvalue(L, -2, 1);
		if (lua_pcall(L, 0, 1, 0) == LUA_OK && lua_type(L, -1) == LUA_TFUNCTION) {
			push_dump(L);
			same = lua_rawequal(L, -1, dump);
		}
	}
	lua_settop(L, top);
	return same;
}

char *lwb_function_source(lua_State *L, int idx, char *why, size_t whysize)
{
	idx = lua_absindex(L, idx);
	lua_Debug ar;
	lua_pushvalue(L, idx);
	lua_getinfo(L, ">S", &ar);
	if (strcmp(ar.what, "Lua")) {
		snprintf(why, whysize, "it is a C function");
		return NULL;
	}
	for (int i = 1;; i++) {
		const char *up = lua_getupvalue(L, idx, i);
		if (!up)
			break;
		lua_pop(L, 1);
		if (strcmp(up, "_ENV")) {
			snprintf(why, whysize, "it uses '%s', a local variable from outside the "
				 "function, and its value would not travel: pass such values in "
				 "the state fit returns", *up ? up : "?");
			return NULL;
		}
	}
	char *file = NULL;
	const char *text = ar.source;
	size_t n = ar.srclen;
	if (ar.source[0] == '@') {
		text = file = read_source(ar.source + 1, &n);
		if (!file) {
			snprintf(why, whysize, "its source file %.200s cannot be read", ar.source + 1);
			return NULL;
		}
	} else if (ar.source[0] == '=') {
		snprintf(why, whysize, "it was not loaded from a file (%.60s), so its text is not "
			 "kept; write it as a string: apply = [[function(frame, state, cols) ... "
			 "end]]", ar.source + 1);
		return NULL;
	}
	/* The lines the function spans. */
	size_t a = 0, b;
	for (int line = 1; line < ar.linedefined && a < n; a++)
		if (text[a] == '\n')
			line++;
	size_t last = a;
	for (int line = ar.linedefined; line < ar.lastlinedefined && last < n; last++)
		if (text[last] == '\n')
			line++;
	for (b = last; b < n && text[b] != '\n'; b++)
		;
	size_t a_end = a;
	while (a_end < n && text[a_end] != '\n')
		a_end++;

	lua_pushvalue(L, idx);
	push_dump(L);
	int dump = lua_gettop(L);
	char *found = NULL;
	luaL_Buffer cand;
	int tries = 0;
	/* Every "function" on the first line against every "end" on the last,
	 * widest first; line breaks in front keep the line numbers, which the
	 * bytecode records. */
	for (size_t p = a; p < a_end && !found && tries < 256; p++) {
		if (!word_at(text, n, p, "function"))
			continue;
		for (size_t q = b; q >= last + 3 && q > p && !found && tries < 256; q--) {
			if (!word_at(text, n, q - 3, "end"))
				continue;
			tries++;
			luaL_buffinit(L, &cand);
			for (int line = 1; line < ar.linedefined; line++)
				luaL_addchar(&cand, '\n');
			luaL_addstring(&cand, "return ");
			luaL_addlstring(&cand, text + p, q - p);
			luaL_pushresult(&cand);
			size_t clen;
			const char *c = lua_tolstring(L, -1, &clen);
			if (same_code(L, c, clen, ar.source, dump)) {
				found = xmalloc(q - p + 1);
				memcpy(found, text + p, q - p);
				found[q - p] = 0;
			}
			lua_pop(L, 1);
		}
	}
	lua_settop(L, dump - 2);
	free(file);
	if (!found)
		snprintf(why, whysize, "its text in %.200s (lines %d-%d) cannot be cut out "
			 "exactly; write it as a string: apply = [[function(frame, state, cols) "
			 "... end]]", ar.source + (ar.source[0] == '@'), ar.linedefined,
			 ar.lastlinedefined);
	return found;
}
