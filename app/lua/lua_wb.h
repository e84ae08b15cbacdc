/*
 * lua_wb — the Lua layer's shared pieces: the `wb` module, frame userdata,
 * and the recorder that writes every lifecycle call to the run log.
 *
 * Conventions (STYLE.md "C meets Lua"): misuse (wrong argument types, unknown
 * option names) raises with luaL_argerror / luaL_error; operational failures
 * (a file that does not parse, a column that is missing) return nil, message.
 * Check all arguments before allocating, so an error never leaks.
 */
#ifndef WB_LUA_WB_H
#define WB_LUA_WB_H

#include <lua.h>
#include <lauxlib.h>
#include "core/err.h"
#include "core/frame.h"
#include <jansson.h>
#include <stdint.h>

#define LWB_FRAME "wb.frame"
/* Registry key of wb.NA, the missing value in Lua arrays made from frames. */
#define LWB_NA "wb.NA"

struct runlog;

/* What the Lua layer records into: owned by the face that started the run
 * (wb run, the REPL, the TUI), registered in the state with lwb_set_session. */
struct lwb_session {
	struct runlog *rl;          /* NULL: nothing is recorded */
	char run_id[33];
	unsigned long long seed;    /* the run's seed (wb.seed) */
	int nsteps;
	char last_failure[1024];    /* the last operational failure, for hints */
	int gate_failed;            /* a wb.check failed: the face exits with 3 */
};

/* Registers s (not owned; it must outlive the state's use of it). */
void lwb_set_session(lua_State *L, struct lwb_session *s);
/* The registered session, or NULL. */
struct lwb_session *lwb_get_session(lua_State *L);

/* Pushes a frame userdata; takes ownership of the caller's reference. */
void lwb_push_frame(lua_State *L, struct frame *f);
/* The frame at idx, or raises an argument error. */
struct frame *lwb_check_frame(lua_State *L, int idx);
/* The frame at idx, or NULL if it is not a frame. */
struct frame *lwb_to_frame(lua_State *L, int idx);

/* Returns 2 results (nil, err->msg) for an operational failure. */
int lwb_fail(lua_State *L, const struct wb_err *err);

/* Seconds since the epoch with sub-second precision (for step timing). */
double lwb_now(void);

/* Records one lifecycle step in the current run, if there is one (a no-op
 * in a bare Lua state).  params_json: a JSON object text or NULL; inputs:
 * the frames it read (their hashes are stored); output: the frame it made
 * or NULL; extra_hash: a hex hash for non-frame outputs (fitted recipe,
 * model) or NULL; started: lwb_now() at the start; failure: NULL if ok. */
void lwb_record(lua_State *L, const char *kind, const char *params_json,
		const struct frame *const *inputs, int ninputs,
		const struct frame *output, const char *extra_hash,
		double started, const struct wb_err *failure);

/* A file written by a step: its sha256 (hex) and size.  0, or -1 with err. */
int lwb_file_sha(const char *path, char hex[WB_HASH_HEX], int64_t *bytes, struct wb_err *err);
/* Records path (made absolute) as an artifact of the current run, if there
 * is one; a run-log failure raises. */
void lwb_add_artifact(lua_State *L, const char *path, const char *hex, int64_t bytes,
		      const char *kind);

/* A sandbox (lua_sandbox.c): a separate state for code that came in a file
 * — no io, os, require, load; only wb.frame and wb.NA of wb; memory and time
 * per call bounded.  Reference counted; calls between enter and leave are
 * serialised and get the deadline. */
struct lwb_sandbox;
struct lwb_sandbox *lwb_sandbox_new(struct wb_err *err);
struct lwb_sandbox *lwb_sandbox_ref(struct lwb_sandbox *sb);
void lwb_sandbox_unref(struct lwb_sandbox *sb);
lua_State *lwb_sandbox_enter(struct lwb_sandbox *sb);
void lwb_sandbox_leave(struct lwb_sandbox *sb);
/* Compiles code, a Lua function expression ("function(a) ... end"), as text
 * only, and pushes the function onto S; 0, or -1 with err. */
int lwb_sandbox_compile(lua_State *S, const char *code, const char *chunkname,
			struct wb_err *err);
/* The exact source text of the Lua function at idx, read back from its
 * chunk (malloc'd), or NULL with why: a C function, an upvalue other than
 * _ENV, no source kept, or no cut of the text that recompiles to the same
 * bytecode. */
char *lwb_function_source(lua_State *L, int idx, char *why, size_t whysize);

struct recipe;
/* The unfitted recipe (wb.recipe{...}) at idx, its custom steps bound to L;
 * raises an argument error otherwise. */
struct recipe *lwb_check_recipe(lua_State *L, int idx);
/* Binds every custom step of r that is not bound yet to its stored code
 * (option "code") compiled in sb (NULL: a new sandbox of r's own, made only
 * if r has custom steps).  0, or -1 with err naming the step. */
int lwb_bind_custom(struct lwb_sandbox *sb, struct recipe *r, struct wb_err *err);
/* Whether r can travel in a file: every custom step has its code stored.
 * 0, or -1 with err naming the step and why its code was not kept. */
int lwb_recipe_portable(const struct recipe *r, struct wb_err *err);
struct bundle;
/* Binds the custom steps of a bundle opened with allow_custom to their code
 * in a sandbox of their own; a no-op without custom steps.  0 or -1. */
int lwb_bind_bundle(struct bundle *b, struct wb_err *err);
/* The recipe engine's match() callback: string.find in L (ud = L). */
int lwb_match(void *ud, const char *pattern, const char *name, struct wb_err *err);
/* Lua value <-> JSON (tables with string keys are objects, sequences are
 * arrays).  NULL with *why set for a value JSON cannot hold. */
json_t *lwb_to_json(lua_State *L, int idx, const char **why);
void lwb_push_json(lua_State *L, const json_t *v);

struct model;
/* The model at idx, or NULL if it is not an open model. */
struct model *lwb_to_model(lua_State *L, int idx);
/* For a table made by wb.evaluate: pushes its model and frame and returns
 * 1; otherwise pushes nothing and returns 0. */
int lwb_eval_source(lua_State *L, int idx);

/* Pushes what wb.train / wb.evaluate remembered for the model at idx: its
 * training frame (eval = 0) or its last evaluation table (eval = 1), or nil. */
void lwb_model_remembered(lua_State *L, int idx, int eval);

/* Opens module `wb` (all binding files) and leaves it on the stack. */
int luaopen_wb(lua_State *L);

/* Each binding file adds its functions to the `wb` table at the top of the
 * stack (and registers its metatables). */
void lwb_open_frame(lua_State *L);
void lwb_open_recipe(lua_State *L);
void lwb_open_model(lua_State *L);
void lwb_open_plot(lua_State *L);
void lwb_open_ship(lua_State *L);
void lwb_open_registry(lua_State *L);

#endif
