/*
 * session — one recorded run around a Lua state (see session.h).  The
 * settings order is the same for every face: flags beat the environment
 * beat workbench.lua's wb.config.
 */
#include "cli/session.h"
#include "cli/cli.h"
#include "core/err.h"
#include "lua/lua_host.h"
#include "track/runlog.h"

#include <jansson.h>
#include <lauxlib.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static lua_State *running;

static void on_signal(int sig)
{
	(void)sig;
	if (running)
		lhost_interrupt(running);
}

/* Pushes a --set value typed: true/false, integer, number, else string. */
static void push_typed(lua_State *L, const char *v)
{
	if (!strcmp(v, "true") || !strcmp(v, "false")) {
		lua_pushboolean(L, v[0] == 't');
		return;
	}
	if (*v && lua_stringtonumber(L, v) != 0)
		return;
	lua_pushstring(L, v);
}

/* First line of a command's output, or NULL. */
static char *capture(const char *cmd)
{
	char line[256];
	FILE *p = popen(cmd, "r");
	if (!p)
		return NULL;
	char *out = NULL;
	if (fgets(line, sizeof(line), p)) {
		line[strcspn(line, "\n")] = '\0';
		out = xstrdup(line);
	}
	if (pclose(p) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* The commit of the git repository holding the recipe, and whether its
 * tree has uncommitted changes to tracked files. */
static char *git_state(const char *recipe, int *dirty)
{
	char dir[PATH_MAX], cmd[PATH_MAX + 128];
	snprintf(dir, sizeof(dir), "%s", recipe);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	*dirty = -1;
	if (strchr(dir, '\''))
		return NULL;
	snprintf(cmd, sizeof(cmd), "git -C '%s' rev-parse HEAD 2>/dev/null", dir);
	char *commit = capture(cmd);
	if (!commit)
		return NULL;
	snprintf(cmd, sizeof(cmd),
		 "git -C '%s' status --porcelain --untracked-files=no 2>/dev/null | head -n 1", dir);
	char *changes = capture(cmd);
	*dirty = changes != NULL;
	free(changes);
	return commit;
}

static char *argv_json(int argc, char **argv)
{
	json_t *a = json_array();
	json_array_append_new(a, json_string("wb"));
	for (int i = 0; i < argc; i++) {
		json_t *s = json_string(argv[i]); /* NULL for invalid UTF-8 */
		json_array_append_new(a, s ? s : json_string("?"));
	}
	char *s = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return s;
}

static int print_to_stderr(lua_State *L)
{
	int n = lua_gettop(L);
	for (int i = 1; i <= n; i++) {
		size_t len;
		const char *s = luaL_tolstring(L, i, &len);
		if (i > 1)
			fputc('\t', stderr);
		fwrite(s, 1, len, stderr);
		lua_pop(L, 1);
	}
	fputc('\n', stderr);
	return 0;
}

/* Settings and wb.params, before the run starts. */
static void apply_settings(struct cli_session *cs, const struct cli_session_opts *o,
			   unsigned long long *seed)
{
	lua_State *L = cs->L;
	lua_getglobal(L, "wb");
	lua_getfield(L, -1, "config");
	*seed = o->seed;
	if (!o->have_seed) {
		lua_getfield(L, -1, "seed");
		*seed = lua_isinteger(L, -1) ? (unsigned long long)lua_tointeger(L, -1) : 42;
		lua_pop(L, 1);
	}
	const char *cfg_log = NULL;
	if (!o->log_flag && !getenv("WB_LOG") && lua_getfield(L, -1, "log") == LUA_TSTRING)
		cfg_log = lua_tostring(L, -1);
	cs->log_path = cli_log_path(o->log_flag ? o->log_flag : cfg_log);
	lua_settop(L, 0);

	lua_getglobal(L, "wb");
	lua_getfield(L, -1, "params");
	for (int k = 0; k < o->nsets; k++) {
		const char *eq = strchr(o->sets[k], '=');
		lua_pushlstring(L, o->sets[k], (size_t)(eq - o->sets[k]));
		push_typed(L, eq + 1);
		lua_settable(L, -3);
	}
	for (int k = 0; k < o->nraw; k++) {
		lua_pushstring(L, o->raw_keys[k]);
		lua_pushstring(L, o->raw_values[k]);
		lua_settable(L, -3);
	}
	lua_settop(L, 0);
}

int cli_session_open(struct cli_session *cs, const struct cli_session_opts *o)
{
	char msg[8192];
	struct wb_err err;
	memset(cs, 0, sizeof(*cs));
	cs->interactive = o->text == NULL;
	cs->L = lhost_new();
	if (!cs->L) {
		cli_error("cannot create a Lua state");
		return -1;
	}
	const char *startup;
	if (lhost_startup(cs->L, &startup, msg, sizeof(msg)) < 0) {
		cli_error("startup script: %s", msg);
		goto fail;
	}
	if (o->quiet_print) {
		lua_pushcfunction(cs->L, print_to_stderr);
		lua_setglobal(cs->L, "print");
	}
	unsigned long long seed;
	apply_settings(cs, o, &seed);
	if (runlog_open(cs->log_path, &cs->rl, &err) < 0) {
		cli_error("%s", err.msg);
		goto fail;
	}
	char cwd[PATH_MAX];
	int dirty;
	char *commit = git_state(o->name, &dirty);
	char *argvj = argv_json(o->argc, o->argv);
	struct run_info info = {
		.kind = o->kind,
		.name = o->name,
		.recipe_text = o->text,
		.argv_json = argvj,
		.wb_version = WB_VERSION,
		.seed = seed,
		.git_commit = commit,
		.git_dirty = dirty,
		.cwd = getcwd(cwd, sizeof(cwd)) ? cwd : NULL,
	};
	int rc = runlog_begin_run(cs->rl, &info, cs->s.run_id, &err);
	free(commit);
	free(argvj);
	if (rc < 0) {
		cli_error("%s", err.msg);
		goto fail;
	}
	cs->s.rl = cs->rl;
	cs->s.seed = seed;
	lwb_set_session(cs->L, &cs->s);
	cs->started = lwb_now();
	return 0;
fail:
	lhost_free(cs->L);
	runlog_close(cs->rl);
	free(cs->log_path);
	memset(cs, 0, sizeof(*cs));
	return -1;
}

int cli_session_eval(struct cli_session *cs, const char *text, size_t len,
		     const char *chunkname, int record, char *msg, size_t size)
{
	running = cs->L;
	lhost_clear_interrupt();
	struct sigaction sa, old_int, old_term;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	int status = lhost_dostring(cs->L, text, len, chunkname, msg, size);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	running = NULL;
	if (status == LUA_OK && record)
		cli_session_record(cs, text, len);
	return status;
}

void cli_session_record(struct cli_session *cs, const char *text, size_t len)
{
	if (!len)
		return;
	strbuf_add(&cs->text, text, len);
	if (text[len - 1] != '\n')
		strbuf_adds(&cs->text, "\n");
}

int cli_session_close(struct cli_session *cs, const char *status, const char *message)
{
	struct wb_err err;
	int rc = 0;
	if (cs->rl && cs->interactive &&
	    runlog_set_recipe(cs->rl, cs->s.run_id, strbuf_str(&cs->text), &err) < 0) {
		cli_error("%s", err.msg);
		rc = -1;
	}
	if (cs->rl && runlog_end_run(cs->rl, cs->s.run_id, status, message, &err) < 0) {
		cli_error("%s", err.msg);
		rc = -1;
	}
	/* The state goes first: its finalizers (the gnuplot process) may still
	 * use the session. */
	lhost_free(cs->L);
	runlog_close(cs->rl);
	free(cs->log_path);
	strbuf_release(&cs->text);
	memset(cs, 0, sizeof(*cs));
	return rc;
}
