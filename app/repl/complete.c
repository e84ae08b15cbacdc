/* complete — Lua name completion for readline (see complete.h). */
#include "repl/complete.h"
#include "core/err.h"

#include <ctype.h>
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <readline/readline.h>

/* How deep a chain of __index tables is followed (a cycle stops here). */
enum { INDEX_DEPTH = 8 };

static const char *const keywords[] = {
	"and", "break", "do", "else", "elseif", "end", "false", "for", "function",
	"goto", "if", "in", "local", "nil", "not", "or", "repeat", "return", "then",
	"true", "until", "while", NULL,
};

struct job {
	const char *word;
	char **v;
	size_t n, cap;
	size_t plen;                /* word[0..plen) is the path with its separator */
	const char *partial;        /* the name being completed */
	size_t partial_len;
	int methods;                /* after ":": functions only */
};

static int is_identifier(const char *s, size_t len)
{
	if (!len || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return 0;
	for (size_t i = 1; i < len; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
			return 0;
	for (int k = 0; keywords[k]; k++)
		if (strlen(keywords[k]) == len && !memcmp(keywords[k], s, len))
			return 0;
	return 1;
}

static void add(struct job *j, const char *name, size_t len)
{
	if (len < j->partial_len || memcmp(name, j->partial, j->partial_len))
		return;
	if (len >= 2 && name[0] == '_' && name[1] == '_' &&
	    !(j->partial_len >= 2 && j->partial[0] == '_' && j->partial[1] == '_'))
		return;
	if (j->n + 1 >= j->cap) {
		j->cap = j->cap ? 2 * j->cap : 32;
		j->v = xrealloc(j->v, j->cap * sizeof(char *));
	}
	char *s = xmalloc(j->plen + len + 1);
	memcpy(s, j->word, j->plen);
	memcpy(s + j->plen, name, len);
	s[j->plen + len] = '\0';
	j->v[j->n++] = s;
	j->v[j->n] = NULL;
}

/* Adds the identifier keys of the table at idx (functions only for methods). */
static void add_keys(lua_State *L, struct job *j, int idx)
{
	idx = lua_absindex(L, idx);
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		if (lua_type(L, -2) == LUA_TSTRING &&
		    (!j->methods || lua_type(L, -1) == LUA_TFUNCTION)) {
			size_t len;
			const char *k = lua_tolstring(L, -2, &len);
			if (is_identifier(k, len))
				add(j, k, len);
		}
		lua_pop(L, 1);
	}
}

/* Pushes the __index table of the value at idx's metatable, or returns 0
 * and pushes nothing (no metatable, or __index is not a table). */
static int push_index_table(lua_State *L, int idx)
{
	if (!lua_getmetatable(L, idx))
		return 0;
	lua_pushliteral(L, "__index");
	lua_rawget(L, -2);
	lua_remove(L, -2);
	if (lua_type(L, -1) == LUA_TTABLE)
		return 1;
	lua_pop(L, 1);
	return 0;
}

/* Pushes value[key] for the value at idx through raw lookups and __index
 * tables (nil when not found that way). */
static void raw_field(lua_State *L, int idx, const char *key, size_t len)
{
	lua_pushvalue(L, idx);
	for (int depth = 0; depth < INDEX_DEPTH; depth++) {
		if (lua_type(L, -1) == LUA_TTABLE) {
			lua_pushlstring(L, key, len);
			lua_rawget(L, -2);
			if (!lua_isnil(L, -1)) {
				lua_remove(L, -2);
				return;
			}
			lua_pop(L, 1);
		}
		if (!push_index_table(L, -1))
			break;
		lua_remove(L, -2);
	}
	lua_pop(L, 1);
	lua_pushnil(L);
}

/* Adds the candidates below the value at idx: its own keys when it is a
 * table, then those of its __index chain. */
static void add_fields(lua_State *L, struct job *j, int idx)
{
	lua_pushvalue(L, idx);
	for (int depth = 0; depth < INDEX_DEPTH; depth++) {
		if (lua_type(L, -1) == LUA_TTABLE)
			add_keys(L, j, -1);
		if (!push_index_table(L, -1))
			break;
		lua_remove(L, -2);
	}
	lua_pop(L, 1);
}

static int collect(lua_State *L)
{
	struct job *j = lua_touserdata(L, 1);
	const char *w = j->word;
	const char *last = NULL;
	for (const char *p = w; *p; p++)
		if (*p == '.' || *p == ':')
			last = p;
	lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
	if (!last) {
		j->partial = w;
		j->partial_len = strlen(w);
		add_fields(L, j, -1);
		for (int k = 0; keywords[k]; k++)
			add(j, keywords[k], strlen(keywords[k]));
		return 0;
	}
	j->plen = (size_t)(last - w) + 1;
	j->partial = last + 1;
	j->partial_len = strlen(last + 1);
	j->methods = *last == ':';
	/* Walk the path: every segment a name, only the last separator a ":". */
	const char *seg = w;
	while (seg < last + 1) {
		const char *end = seg + strcspn(seg, ".:");
		if (end > last || (*end == ':' && end != last))
			return 0;
		if (!is_identifier(seg, (size_t)(end - seg)))
			return 0;
		raw_field(L, -1, seg, (size_t)(end - seg));
		lua_remove(L, -2);
		if (lua_isnil(L, -1))
			return 0;
		seg = end + 1;
	}
	add_fields(L, j, -1);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void complete_free(char **list)
{
	if (!list)
		return;
	for (char **p = list; *p; p++)
		free(*p);
	free(list);
}

char **complete_candidates(lua_State *L, const char *word, size_t *n)
{
	struct job j;
	memset(&j, 0, sizeof(j));
	j.word = word;
	*n = 0;
	int top = lua_gettop(L);
	/* Protected: an out-of-memory error must not unwind through readline. */
	lua_pushcfunction(L, collect);
	lua_pushlightuserdata(L, &j);
	int status = lua_pcall(L, 1, 0, 0);
	lua_settop(L, top);
	if (status != LUA_OK || !j.n) {
		complete_free(j.v);
		return NULL;
	}
	qsort(j.v, j.n, sizeof(char *), by_name);
	size_t out = 0;
	for (size_t i = 0; i < j.n; i++) {
		if (out && !strcmp(j.v[out - 1], j.v[i]))
			free(j.v[i]);
		else
			j.v[out++] = j.v[i];
	}
	j.v[out] = NULL;
	*n = out;
	return j.v;
}

const char *complete_tail(const char *candidate, int is_file)
{
	const char *t = candidate;
	for (const char *p = candidate; *p; p++)
		if (is_file ? *p == '/' && p[1] : *p == '.' || *p == ':')
			t = p + 1;
	return t;
}

/* ---- readline ---------------------------------------------------------- */

static lua_State *completing;
static void (*display_hook)(char **matches, int n, int max_len);
static char **pending;          /* candidates the generator hands out */
static size_t pending_next;

static char *generate(const char *text, int state)
{
	(void)text;
	(void)state;
	if (!pending || !pending[pending_next])
		return NULL;
	return xstrdup(pending[pending_next++]);
}

static char **attempt(const char *text, int start, int end)
{
	(void)start;
	(void)end;
	/* Inside a string literal: file names (readline's default). */
	if (rl_completion_quote_character || !completing)
		return NULL;
	rl_attempted_completion_over = 1;
	rl_completion_append_character = '\0';
	size_t n;
	complete_free(pending);
	pending = complete_candidates(completing, text, &n);
	pending_next = 0;
	char **matches = pending ? rl_completion_matches(text, generate) : NULL;
	complete_free(pending);
	pending = NULL;
	return matches;
}

/* Readline's listing, but of the tails: "read_csv  read_sql" rather than
 * "wb.read_csv  wb.read_sql". */
static void display_tails(char **matches, int n, int max_len)
{
	(void)max_len;
	char **tails = xcalloc((size_t)n + 2, sizeof(char *));
	int longest = 0;
	for (int i = 0; i <= n; i++) {
		const char *t = complete_tail(matches[i], rl_filename_completion_desired);
		tails[i] = matches[i] + (t - matches[i]);
		int len = (int)strlen(tails[i]);
		if (i && len > longest)
			longest = len;
	}
	rl_display_match_list(tails, n, longest);
	rl_forced_update_display();
	free(tails);
}

static void display(char **matches, int n, int max_len)
{
	if (display_hook)
		display_hook(matches, n, max_len);
	else
		display_tails(matches, n, max_len);
}

void complete_attach(lua_State *L, void (*hook)(char **matches, int n, int max_len))
{
	completing = L;
	display_hook = hook;
	/* Everything that cannot be part of a Lua name path ends a word. */
	rl_completer_word_break_characters = " \t\n\"'`@$><=;|&{}()[],+-*/%^#~";
	rl_completer_quote_characters = "\"'";
	rl_attempted_completion_function = attempt;
	rl_completion_display_matches_hook = display;
}
