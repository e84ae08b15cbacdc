/*
 * complete — tab completion of Lua names over a live state, shared by the
 * REPL and the TUI console.
 *
 * A word is a dotted path ending in a partial name: "pri", "wb.re",
 * "wb.plot.", "d:so", "a.b.c:d".  The path is walked with raw lookups and
 * metatable __index tables only (never __index functions), so completing
 * never runs user code.  After "." the candidates are a value's keys plus
 * its metatable's __index keys; after ":" only the functions among them
 * (methods: a frame's sort, a string's upper).  Keys starting with "__" are
 * left out unless the partial name starts with "__".  Inside a string
 * literal readline completes file names instead.
 */
#ifndef WB_COMPLETE_H
#define WB_COMPLETE_H

#include <lua.h>
#include <stddef.h>

/* The full words completing `word` ("wb.read_csv", "wb.read_sql" for
 * "wb.rea"), sorted and without duplicates, as a NULL-terminated heap array
 * (*n entries; free with complete_free), or NULL when there are none.
 * Globals also complete to Lua keywords.  L's stack is left as it was. */
char **complete_candidates(lua_State *L, const char *word, size_t *n);
void complete_free(char **list);

/* What a list of candidates shows: the part after the last "." or ":"
 * (after the last "/" for file names, is_file). */
const char *complete_tail(const char *candidate, int is_file);

/* Points readline's completion at L: the word breaks keep "a.b:c" one
 * word, Lua names complete with nothing appended, file names inside
 * quotes.  display: how a list of matches is shown (readline's
 * rl_completion_display_matches_hook signature; NULL: printed by readline
 * on rl_outstream, showing only each candidate's tail).  L may be replaced
 * by calling again; NULL turns Lua completion off. */
void complete_attach(lua_State *L, void (*display)(char **matches, int n, int max_len));

#endif
