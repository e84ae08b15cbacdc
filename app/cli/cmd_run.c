/*
 * cmd_run — `wb run RECIPE.lua [--set k=v]... [--seed N] [--log PATH] [--json]`
 *
 * Runs a recipe headless inside one recorded run: the run row holds the
 * recipe's full text, argv, seed, git state, and ends as ok, failed or
 * interrupted.  Exit codes: 0 ok, 1 the recipe failed, 2 usage, 3 a gate
 * (wb.check) failed, 130 interrupted.
 */
#include "cli/cli.h"
#include "core/err.h"
#include "lua/lua_host.h"
#include "lua/lua_wb.h"
#include "track/runlog.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char USAGE[] =
	"wb run RECIPE.lua [--set key=value]... [--seed N] [--log PATH] [--json]";

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

/* An error from misusing a nil returned by a failed wb call is confusing on
 * its own ("attempt to index a nil value"); add what that call said. */
static void report_failure(const char *msg, const struct lwb_session *s)
{
	fprintf(stderr, "wb: %s\n", msg);
	if (s->last_failure[0] && strstr(msg, "nil value"))
		fprintf(stderr, "wb: (the last failed wb call said: %s)\n", s->last_failure);
}

int cmd_run(int argc, char **argv)
{
	const char *recipe = NULL;
	struct cli_exec x;
	memset(&x, 0, sizeof(x));
	x.sets = xcalloc((size_t)argc + 1, sizeof(char *));
	int rc;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int used = cli_exec_option(&x, argc, argv, &i, USAGE, "run", &rc);
		if (used < 0) {
			free(x.sets);
			return rc;
		}
		if (used)
			continue;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			printf("usage: %s\n", USAGE);
			free(x.sets);
			return WB_EXIT_OK;
		} else if (a[0] == '-' && a[1]) {
			free(x.sets);
			return cli_usage(USAGE, "run: unknown option '%s'", a);
		} else if (!recipe) {
			recipe = a;
		} else {
			free(x.sets);
			return cli_usage(USAGE, "run: one recipe at a time (got '%s' and '%s')", recipe, a);
		}
	}
	if (!recipe) {
		free(x.sets);
		return cli_usage(USAGE, "run: which recipe?");
	}
	struct wb_err err;
	size_t text_len = 0;
	char *text = cli_read_file(recipe, "recipe", &text_len, &err);
	if (!text) {
		cli_error("%s", err.msg);
		free(x.sets);
		return WB_EXIT_ERROR;
	}
	x.kind = "run";
	x.name = recipe;
	x.text = text;
	x.text_len = text_len;
	x.argc = argc;
	x.argv = argv;
	rc = cli_exec(&x);
	free(text);
	free(x.sets);
	return rc;
}

int cli_exec_option(struct cli_exec *x, int argc, char **argv, int *i, const char *usage,
		    const char *cmd, int *rc)
{
	const char *a = argv[*i];
	if (!strcmp(a, "--set") || !strcmp(a, "-s") || !strncmp(a, "--set=", 6)) {
		const char *v = a[5] == '=' ? a + 6 : (++*i < argc ? argv[*i] : NULL);
		if (!v || !strchr(v, '=') || v[0] == '=') {
			*rc = cli_usage(usage, "%s: --set needs key=value", cmd);
			return -1;
		}
		x->sets[x->nsets++] = v;
		return 1;
	}
	if (!strcmp(a, "--seed")) {
		char *end;
		errno = 0;
		if (++*i >= argc || !*argv[*i] || (x->seed = strtoull(argv[*i], &end, 10), *end) ||
		    errno || argv[*i][0] == '-') {
			*rc = cli_usage(usage, "%s: --seed needs a non-negative integer", cmd);
			return -1;
		}
		x->have_seed = 1;
		return 1;
	}
	if (!strcmp(a, "--log")) {
		if (++*i >= argc) {
			*rc = cli_usage(usage, "%s: --log needs a path", cmd);
			return -1;
		}
		x->log_flag = argv[*i];
		return 1;
	}
	if (!strcmp(a, "--json")) {
		x->json_out = 1;
		return 1;
	}
	return 0;
}

int cli_exec(struct cli_exec *x)
{
	int rc = WB_EXIT_ERROR;
	unsigned long long seed = x->seed;
	char msg[8192];
	lua_State *L = NULL;
	struct runlog *rl = NULL;
	char *log_path = NULL, *commit = NULL, *argvj = NULL;
	struct lwb_session session;
	memset(&session, 0, sizeof(session));
	struct wb_err err;

	L = lhost_new();
	if (!L) {
		cli_error("cannot create a Lua state");
		goto out;
	}
	const char *startup;
	if (lhost_startup(L, &startup, msg, sizeof(msg)) < 0) {
		cli_error("startup script: %s", msg);
		goto out;
	}
	if (x->json_out) {
		lua_pushcfunction(L, print_to_stderr);
		lua_setglobal(L, "print");
	}

	/* Settings: flags beat the environment beat workbench.lua. */
	lua_getglobal(L, "wb");
	lua_getfield(L, -1, "config");
	if (!x->have_seed) {
		lua_getfield(L, -1, "seed");
		seed = lua_isinteger(L, -1) ? (unsigned long long)lua_tointeger(L, -1) : 42;
		lua_pop(L, 1);
	}
	const char *cfg_log = NULL;
	if (!x->log_flag && !getenv("WB_LOG") && lua_getfield(L, -1, "log") == LUA_TSTRING)
		cfg_log = lua_tostring(L, -1);
	log_path = cli_log_path(x->log_flag ? x->log_flag : cfg_log);
	lua_settop(L, 0);

	lua_getglobal(L, "wb");
	lua_getfield(L, -1, "params");
	for (int k = 0; k < x->nsets; k++) {
		const char *eq = strchr(x->sets[k], '=');
		lua_pushlstring(L, x->sets[k], (size_t)(eq - x->sets[k]));
		push_typed(L, eq + 1);
		lua_settable(L, -3);
	}
	for (int k = 0; k < x->nraw; k++) {
		lua_pushstring(L, x->raw_keys[k]);
		lua_pushstring(L, x->raw_values[k]);
		lua_settable(L, -3);
	}
	lua_settop(L, 0);

	if (runlog_open(log_path, &rl, &err) < 0) {
		cli_error("%s", err.msg);
		goto out;
	}
	char cwd[PATH_MAX];
	int dirty;
	commit = git_state(x->name, &dirty);
	argvj = argv_json(x->argc, x->argv);
	struct run_info info = {
		.kind = x->kind,
		.name = x->name,
		.recipe_text = x->text,
		.argv_json = argvj,
		.wb_version = WB_VERSION,
		.seed = seed,
		.git_commit = commit,
		.git_dirty = dirty,
		.cwd = getcwd(cwd, sizeof(cwd)) ? cwd : NULL,
	};
	if (runlog_begin_run(rl, &info, session.run_id, &err) < 0) {
		cli_error("%s", err.msg);
		goto out;
	}
	session.rl = rl;
	session.seed = seed;
	lwb_set_session(L, &session);

	running = L;
	struct sigaction sa, old_int, old_term;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);

	double t0 = lwb_now();
	char chunk[PATH_MAX + 2];
	snprintf(chunk, sizeof(chunk), "@%s", x->name);
	int status = lhost_dostring(L, x->text, x->text_len, chunk, msg, sizeof(msg));
	double secs = lwb_now() - t0;

	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	running = NULL;

	const char *final;
	if (status == LUA_OK) {
		final = "ok";
		rc = WB_EXIT_OK;
	} else if (lhost_interrupted()) {
		final = "interrupted";
		rc = 130;
	} else if (session.gate_failed) {
		final = "failed";
		rc = WB_EXIT_GATE;
	} else {
		final = "failed";
		rc = WB_EXIT_ERROR;
	}
	/* A gate's message says everything, and so does an error from wb's own
	 * recipe text: the traceback would be noise. */
	char *tb = status != LUA_OK && (session.gate_failed || x->no_traceback)
		   ? strstr(msg, "\nstack traceback:") : NULL;
	if (tb)
		*tb = '\0';
	if (runlog_end_run(rl, session.run_id, final, status == LUA_OK ? NULL : msg, &err) < 0) {
		cli_error("%s", err.msg);
		rc = WB_EXIT_ERROR;
	}
	if (status != LUA_OK)
		report_failure(msg, &session);
	if (x->result) {
		x->result(L, status == LUA_OK, session.run_id, final, secs, log_path, x->ud);
	} else if (x->json_out) {
		json_t *o = json_pack("{s:s,s:s,s:f,s:i,s:s}", "run_id", session.run_id, "status", final,
				      "seconds", secs, "steps", session.nsteps, "log", log_path);
		json_t *e = status != LUA_OK ? json_string(msg) : NULL;
		if (e)
			json_object_set_new(o, "error", e);
		json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		json_decref(o);
	}
	if (!x->json_out)
		fprintf(stderr, "wb: run %.8s %s (%d step%s, %.2f s) in %s\n", session.run_id, final,
			session.nsteps, session.nsteps == 1 ? "" : "s", secs, log_path);
out:
	lhost_free(L);
	runlog_close(rl);
	free(log_path);
	free(commit);
	free(argvj);
	return rc;
}
