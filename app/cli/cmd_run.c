/*
 * cmd_run — `wb run RECIPE.lua [--set k=v]... [--seed N] [--log PATH] [--json]`
 *
 * Runs a recipe headless inside one recorded run: the run row holds the
 * recipe's full text, argv, seed, git state, and ends as ok, failed or
 * interrupted.  Exit codes: 0 ok, 1 the recipe failed, 2 usage, 3 a gate
 * (wb.check) failed, 130 interrupted.
 */
#include "cli/cli.h"
#include "cli/session.h"
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

int cli_exec_builtin(struct cli_exec *x, const char *script, const char *kind,
		     const char *name)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/lua/wb/%s", lhost_datadir(), script);
	size_t len;
	struct wb_err err;
	char *text = cli_read_file(path, "file", &len, &err);
	if (!text) {
		cli_error("%s (is WB_DATADIR right?)", err.msg);
		return WB_EXIT_ERROR;
	}
	x->kind = kind;
	x->name = name;
	x->text = text;
	x->text_len = len;
	x->no_traceback = 1;
	int rc = cli_exec(x);
	free(text);
	return rc;
}

json_t *cli_result_json(lua_State *L, int ok, const char *run_id, const char *status,
			const char *log)
{
	json_t *r = NULL;
	if (ok && lua_getglobal(L, "WB_RESULT") == LUA_TTABLE) {
		const char *why = NULL;
		r = lwb_to_json(L, -1, &why);
	}
	lua_settop(L, 0);
	if (!json_is_object(r)) {
		json_decref(r);
		r = json_object();
	}
	json_object_set_new(r, "run_id", json_string(run_id));
	json_object_set_new(r, "status", json_string(status));
	json_object_set_new(r, "log", json_string(log));
	return r;
}

int cli_exec(struct cli_exec *x)
{
	struct cli_session cs;
	struct cli_session_opts o = {
		.kind = x->kind, .name = x->name, .text = x->text, .text_len = x->text_len,
		.sets = x->sets, .nsets = x->nsets, .raw_keys = x->raw_keys,
		.raw_values = x->raw_values, .nraw = x->nraw, .seed = x->seed,
		.have_seed = x->have_seed, .log_flag = x->log_flag, .quiet_print = x->json_out,
		.argc = x->argc, .argv = x->argv,
	};
	if (cli_session_open(&cs, &o) < 0)
		return WB_EXIT_ERROR;

	char msg[8192];
	char chunk[PATH_MAX + 2];
	snprintf(chunk, sizeof(chunk), "@%s", x->name);
	int status = cli_session_eval(&cs, x->text, x->text_len, chunk, 0, msg, sizeof(msg));
	double secs = lwb_now() - cs.started;

	int rc;
	const char *final;
	if (status == LUA_OK) {
		final = "ok";
		rc = WB_EXIT_OK;
	} else if (lhost_interrupted()) {
		final = "interrupted";
		rc = 130;
	} else if (cs.s.gate_failed) {
		final = "failed";
		rc = WB_EXIT_GATE;
	} else {
		final = "failed";
		rc = WB_EXIT_ERROR;
	}
	/* A gate's message says everything, and so does an error from wb's own
	 * recipe text: the traceback would be noise. */
	char *tb = status != LUA_OK && (cs.s.gate_failed || x->no_traceback)
		   ? strstr(msg, "\nstack traceback:") : NULL;
	if (tb)
		*tb = '\0';
	if (status != LUA_OK)
		report_failure(msg, &cs.s);
	if (x->result) {
		x->result(cs.L, status == LUA_OK, cs.s.run_id, final, secs, cs.log_path, x->ud);
	} else if (x->json_out) {
		json_t *o2 = json_pack("{s:s,s:s,s:f,s:i,s:s}", "run_id", cs.s.run_id, "status",
				       final, "seconds", secs, "steps", cs.s.nsteps, "log",
				       cs.log_path);
		json_t *e = status != LUA_OK ? json_string(msg) : NULL;
		if (e)
			json_object_set_new(o2, "error", e);
		json_dumpf(o2, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		json_decref(o2);
	}
	if (!x->json_out)
		fprintf(stderr, "wb: run %.8s %s (%d step%s, %.2f s) in %s\n", cs.s.run_id, final,
			cs.s.nsteps, cs.s.nsteps == 1 ? "" : "s", secs, cs.log_path);
	if (cli_session_close(&cs, final, status == LUA_OK ? NULL : msg) < 0 && rc == WB_EXIT_OK)
		rc = WB_EXIT_ERROR;
	return rc;
}
