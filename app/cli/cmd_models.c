/*
 * cmd_models — the model registry from the command line:
 *
 *   wb register NAME (RUN | FILE.wbz) [--log PATH] [--json]
 *   wb models [NAME] [--json] [--log PATH]
 *   wb alias set NAME ALIAS VERSION [-m MESSAGE] [--log PATH]
 *   wb alias rm NAME ALIAS [-m MESSAGE] [--log PATH]
 *   wb alias history [NAME] [--json] [--log PATH]
 *
 * The registry lives in the run log (app/track/registry.h): versions are
 * never rewritten and every alias move is kept with who and when.
 */
#include "cli/cli.h"
#include "core/err.h"
#include "core/hash.h"
#include "track/registry.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define REGISTER_USAGE "wb register NAME (RUN | FILE.wbz) [--log PATH] [--json]"
#define MODELS_USAGE "wb models [NAME] [--json] [--log PATH]"
#define ALIAS_USAGE "wb alias set NAME ALIAS VERSION [-m MESSAGE] | rm NAME ALIAS [-m MESSAGE] " \
		    "| history [NAME] [--json]   [--log PATH]"

struct opts {
	const char *log, *message;
	int json;
	const char *pos[4];
	int npos;
};

/* Parses --log, --json, -m and up to 4 positional arguments. */
static int parse(int argc, char **argv, struct opts *o, const char *usage, const char *cmd)
{
	memset(o, 0, sizeof(*o));
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			printf("usage: %s\n", usage);
			return 1;
		} else if (!strcmp(a, "--json")) {
			o->json = 1;
		} else if (!strcmp(a, "--log") || !strcmp(a, "-m")) {
			if (i + 1 >= argc)
				return cli_usage(usage, "%s: %s needs a value", cmd, a);
			if (a[1] == 'm')
				o->message = argv[++i];
			else
				o->log = argv[++i];
		} else if (a[0] == '-' && a[1]) {
			return cli_usage(usage, "%s: unknown option '%s'", cmd, a);
		} else if (o->npos == 4) {
			return cli_usage(usage, "%s: too many arguments", cmd);
		} else {
			o->pos[o->npos++] = a;
		}
	}
	return 0;
}

static struct runlog *open_log(const struct opts *o)
{
	char *path = cli_log_path(o->log);
	struct runlog *rl = NULL;
	struct wb_err err;
	if (runlog_open(path, &rl, &err) < 0)
		cli_error("%s", err.msg);
	free(path);
	return rl;
}

static void print_json(json_t *v)
{
	json_dumpf(v, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
}


int cmd_register(int argc, char **argv)
{
	struct opts o;
	int rc = parse(argc, argv, &o, REGISTER_USAGE, "register");
	if (rc)
		return rc > 0 ? WB_EXIT_OK : rc;
	if (o.npos != 2)
		return cli_usage(REGISTER_USAGE, "register: give a NAME and a RUN or FILE.wbz");
	struct runlog *rl = open_log(&o);
	if (!rl)
		return WB_EXIT_ERROR;
	struct wb_err err;
	const char *what = o.pos[1];
	struct stat st;
	int is_file = stat(what, &st) == 0 && S_ISREG(st.st_mode);
	char sha[65] = "", *abs = NULL;
	int64_t version = 0;
	if (is_file) {
		unsigned char h[WB_HASH_LEN];
		if (hash_file(what, h, &err) < 0) {
			cli_error("%s", err.msg);
			runlog_close(rl);
			return WB_EXIT_ERROR;
		}
		hash_hex(h, sha);
		abs = realpath(what, NULL);
		rc = registry_register(rl, o.pos[0], NULL, abs ? abs : what, sha, &version, &err);
	} else {
		registry_run_model_sha(rl, what, sha);
		rc = registry_register(rl, o.pos[0], what, NULL, sha[0] ? sha : NULL, &version, &err);
	}
	free(abs);
	if (rc < 0) {
		cli_error("%s", err.msg);
		runlog_close(rl);
		return WB_EXIT_ERROR;
	}
	if (o.json) {
		json_t *j = json_pack("{s:s,s:I,s:s}", "name", o.pos[0], "version",
				      (json_int_t)version, "sha256", sha);
		print_json(j);
		json_decref(j);
	} else {
		printf("registered %s version %lld\n", o.pos[0], (long long)version);
	}
	runlog_close(rl);
	return WB_EXIT_OK;
}

static void fmt_time(double t, char *buf, size_t size)
{
	time_t s = (time_t)t;
	struct tm tm;
	gmtime_r(&s, &tm);
	strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm);
}

int cmd_models(int argc, char **argv)
{
	struct opts o;
	int rc = parse(argc, argv, &o, MODELS_USAGE, "models");
	if (rc)
		return rc > 0 ? WB_EXIT_OK : rc;
	if (o.npos > 1)
		return cli_usage(MODELS_USAGE, "models: one NAME at most");
	struct runlog *rl = open_log(&o);
	if (!rl)
		return WB_EXIT_ERROR;
	json_t *list = NULL;
	struct wb_err err;
	if (registry_list(rl, o.npos ? o.pos[0] : NULL, &list, &err) < 0) {
		cli_error("%s", err.msg);
		runlog_close(rl);
		return WB_EXIT_ERROR;
	}
	if (o.json) {
		print_json(list);
	} else if (!json_array_size(list)) {
		printf("no registered models (wb register NAME RUN)\n");
	} else {
		printf("%-20s %7s  %-20s  %-8s  %-12s  %s\n", "NAME", "VERSION", "ALIASES", "RUN",
		       "SHA256", "REGISTERED");
		size_t i;
		json_t *m;
		json_array_foreach(list, i, m) {
			char aliases[256] = "", when[32];
			size_t at = 0, j;
			json_t *a;
			json_array_foreach(json_object_get(m, "aliases"), j, a)
				at += (size_t)snprintf(aliases + at, at < sizeof(aliases) ?
						       sizeof(aliases) - at : 0, "%s%s", j ? "," : "",
						       json_string_value(a));
			fmt_time(json_number_value(json_object_get(m, "created")), when, sizeof(when));
			const char *run = json_string_value(json_object_get(m, "run_id"));
			const char *sha = json_string_value(json_object_get(m, "sha256"));
			printf("%-20s %7lld  %-20s  %-8.8s  %-12.12s  %s\n",
			       json_string_value(json_object_get(m, "name")),
			       (long long)json_integer_value(json_object_get(m, "version")),
			       at ? aliases : "-", run ? run : "-", sha ? sha : "-", when);
		}
	}
	json_decref(list);
	runlog_close(rl);
	return WB_EXIT_OK;
}

int cmd_alias(int argc, char **argv)
{
	struct opts o;
	int rc = parse(argc, argv, &o, ALIAS_USAGE, "alias");
	if (rc)
		return rc > 0 ? WB_EXIT_OK : rc;
	const char *sub = o.npos ? o.pos[0] : "";
	int set = !strcmp(sub, "set"), rm = !strcmp(sub, "rm"), hist = !strcmp(sub, "history");
	if ((set && o.npos != 4) || (rm && o.npos != 3) || (hist && o.npos > 2) ||
	    (!set && !rm && !hist))
		return cli_usage(ALIAS_USAGE, "alias: expected set NAME ALIAS VERSION, rm NAME "
				 "ALIAS, or history [NAME]");
	long long version = 0;
	if (set) {
		char *end;
		version = strtoll(o.pos[3], &end, 10);
		if (*end || version < 1)
			return cli_usage(ALIAS_USAGE, "alias: VERSION must be a number >= 1, got '%s'",
					 o.pos[3]);
	}
	struct runlog *rl = open_log(&o);
	if (!rl)
		return WB_EXIT_ERROR;
	struct wb_err err;
	if (set)
		rc = registry_set_alias(rl, o.pos[1], o.pos[2], version, o.message, &err);
	else if (rm)
		rc = registry_remove_alias(rl, o.pos[1], o.pos[2], o.message, &err);
	if (!hist && rc == 0)
		printf(set ? "%s@%s -> version %lld\n" : "%s@%s removed\n", o.pos[1], o.pos[2],
		       version);
	if (hist) {
		json_t *h = NULL;
		rc = registry_history(rl, o.npos > 1 ? o.pos[1] : NULL, &h, &err);
		if (rc == 0 && o.json) {
			print_json(h);
		} else if (rc == 0) {
			size_t i;
			json_t *e;
			json_array_foreach(h, i, e) {
				char when[32];
				fmt_time(json_number_value(json_object_get(e, "time")), when,
					 sizeof(when));
				json_t *v = json_object_get(e, "version"), *p = json_object_get(e, "previous");
				const char *msg = json_string_value(json_object_get(e, "message"));
				char from[32] = "-", to[32] = "(removed)";
				if (json_is_integer(p))
					snprintf(from, sizeof(from), "%lld", (long long)json_integer_value(p));
				if (json_is_integer(v))
					snprintf(to, sizeof(to), "%lld", (long long)json_integer_value(v));
				const char *user = json_string_value(json_object_get(e, "user"));
				const char *host = json_string_value(json_object_get(e, "host"));
				printf("%s  %s@%s  %s -> %s  by %s@%s%s%s\n", when,
				       json_string_value(json_object_get(e, "name")),
				       json_string_value(json_object_get(e, "alias")), from, to,
				       user ? user : "?", host ? host : "?", msg ? "  " : "",
				       msg ? msg : "");
			}
		}
		json_decref(h);
	}
	if (rc < 0)
		cli_error("%s", err.msg);
	runlog_close(rl);
	return rc < 0 ? WB_EXIT_ERROR : WB_EXIT_OK;
}
