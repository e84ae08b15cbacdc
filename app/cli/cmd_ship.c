/*
 * cmd_ship — from a trained run to production:
 *
 *   wb package RUN [-o FILE.wbz] [--name N] [--version V] [--log PATH] [--json]
 *   wb bundle inspect FILE.wbz [--json]      wb bundle verify FILE.wbz [--allow-custom]
 *   wb predict FILE.wbz INPUT.csv [-o OUT.csv] [--proba] [--keep COL]...   (streams)
 *   wb serve FILE.wbz [--host 127.0.0.1] [--port 8080] [--threads N] [--allow-custom]
 *   wb drift REFERENCE CURRENT.csv [--json]  (REFERENCE: a bundle or a CSV)
 *   wb export-c FILE.wbz -o model.c [--prefix NAME]
 *
 * Every command that scores opens the bundle safely (app/ship/bundle.h) and
 * re-scores its golden rows first: a bundle that does not reproduce its own
 * outputs is never used.  wb drift exits 3 (a failed gate) when a column
 * drifted, so CI can stop on it.
 */
#include "cli/cli.h"
#include "core/csv.h"
#include "core/err.h"
#include "core/frame_ops.h"
#include "core/outfile.h"
#include "lua/lua_host.h"
#include "lua/lua_wb.h"
#include "ml/model.h"
#include "ml/recipe.h"
#include "ship/bundle.h"
#include "ship/drift.h"
#include "ship/export_c.h"
#include "ship/scorer.h"
#include "ship/serve.h"

#include <errno.h>
#include <jansson.h>
#include <lauxlib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PACKAGE_USAGE "wb package RUN [-o FILE.wbz] [--name N] [--version V] [--log PATH] [--json]"
#define BUNDLE_USAGE "wb bundle inspect FILE.wbz [--json] | verify FILE.wbz [--allow-custom]"
#define PREDICT_USAGE "wb predict FILE.wbz INPUT.csv [-o OUT.csv] [--proba] [--keep COL]... " \
		      "[--allow-custom]"
#define SERVE_USAGE "wb serve FILE.wbz [--host H] [--port P] [--threads N] [--allow-custom]"
#define EXPORT_USAGE "wb export-c FILE.wbz -o model.c [--prefix NAME] [--allow-custom]"
#define DRIFT_USAGE "wb drift REFERENCE(.wbz|.csv) CURRENT.csv [--json]"

/* Opens and verifies a bundle, printing why not. */
static struct bundle *open_verified(const char *path, int allow_custom, struct bundle_report *r)
{
	struct bundle_limits lim;
	bundle_limits_init(&lim);
	lim.allow_custom = allow_custom;
	struct wb_err err;
	struct bundle *b = bundle_open(path, &lim, &err);
	if (!b) {
		cli_error("%s", err.msg);
		return NULL;
	}
	struct bundle_report rep;
	if (lwb_bind_bundle(b, &err) < 0 || bundle_verify(b, r ? r : &rep, &err) < 0) {
		cli_error("%s", err.msg);
		bundle_close(b);
		return NULL;
	}
	return b;
}

/* ------------------------------------------------------------- package */

static void print_package(lua_State *L, int ok, const char *run_id, const char *status,
			  double seconds, const char *log, void *ud)
{
	int json_out = *(int *)ud;
	json_t *r = cli_result_json(L, ok, run_id, status, log);
	if (json_out) {
		json_dumpf(r, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		fputc('\n', stdout);
	} else if (ok) {
		printf("wrote %s (sha256 %.12s) from run %.8s\n",
		       json_string_value(json_object_get(r, "output")),
		       json_string_value(json_object_get(r, "sha256")),
		       json_string_value(json_object_get(r, "run")));
	}
	(void)seconds;
	json_decref(r);
}

int cmd_package(int argc, char **argv)
{
	struct cli_exec x;
	memset(&x, 0, sizeof(x));
	const char **sets = xcalloc((size_t)argc + 1, sizeof(char *));
	const char *keys[8], *vals[8];
	int nraw = 0, rc = WB_EXIT_USAGE;
	const char *run = NULL;
	x.sets = sets;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int used = cli_exec_option(&x, argc, argv, &i, PACKAGE_USAGE, "package", &rc);
		if (used < 0)
			goto out;
		if (used)
			continue;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			printf("usage: %s\n", PACKAGE_USAGE);
			rc = WB_EXIT_OK;
			goto out;
		}
		const char *key = !strcmp(a, "-o") || !strcmp(a, "--output") ? "output"
				  : !strcmp(a, "--name") ? "name" : !strcmp(a, "--version") ? "version"
				  : NULL;
		if (key) {
			if (++i >= argc) {
				rc = cli_usage(PACKAGE_USAGE, "package: %s needs a value", a);
				goto out;
			}
			keys[nraw] = key;
			vals[nraw++] = argv[i];
		} else if (a[0] == '-' && a[1]) {
			rc = cli_usage(PACKAGE_USAGE, "package: unknown option '%s'", a);
			goto out;
		} else if (run) {
			rc = cli_usage(PACKAGE_USAGE, "package: one run at a time");
			goto out;
		} else {
			run = a;
		}
	}
	if (!run) {
		rc = cli_usage(PACKAGE_USAGE, "package: which run?");
		goto out;
	}
	keys[nraw] = "run";
	vals[nraw++] = run;
	x.raw_keys = keys;
	x.raw_values = vals;
	x.nraw = nraw;
	x.argc = argc;
	x.argv = argv;
	x.result = print_package;
	x.ud = &x.json_out;
	rc = cli_exec_builtin(&x, "package.lua", "package", "wb package");
out:
	free(sets);
	return rc;
}

/* -------------------------------------------------------------- bundle */

/* The code of each custom step, for deciding whether to trust it. */
static void print_custom_code(const struct recipe *r)
{
	for (int k = 0; r && k < r->nsteps; k++) {
		const struct step *s = r->steps[k];
		if (!(s->type->flags & STEP_CUSTOM))
			continue;
		const char *name = json_string_value(json_object_get(s->opts, "name"));
		const char *code = json_string_value(json_object_get(s->opts, "code"));
		printf("custom   recipe step %d%s%s%s runs Lua code (only with --allow-custom, "
		       "in a sandbox without io or os):\n", k + 1, name ? " '" : "",
		       name ? name : "", name ? "'" : "");
		if (!code) {
			printf("    (no code stored: the bundle cannot score)\n");
			continue;
		}
		for (const char *p = code; *p;) {
			const char *nl = strchr(p, '\n');
			int n = nl ? (int)(nl - p) : (int)strlen(p);
			printf("    %.*s\n", n, p);
			p += n + (nl != NULL);
		}
	}
}

int cmd_bundle(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "", *file = NULL;
	int json_out = 0, allow_custom = 0;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json_out = 1;
		else if (!strcmp(argv[i], "--allow-custom"))
			allow_custom = 1;
		else if (argv[i][0] == '-')
			return cli_usage(BUNDLE_USAGE, "bundle: unknown option '%s'", argv[i]);
		else if (!file)
			file = argv[i];
		else
			return cli_usage(BUNDLE_USAGE, "bundle: one file at a time");
	}
	int inspect = !strcmp(sub, "inspect"), verify = !strcmp(sub, "verify");
	if ((!inspect && !verify) || !file)
		return cli_usage(BUNDLE_USAGE, "bundle: expected inspect FILE or verify FILE");
	struct bundle_report r;
	struct bundle *b;
	if (inspect) {
		/* Hashes are checked on open; inspect does not re-score. */
		struct bundle_limits lim;
		bundle_limits_init(&lim);
		lim.allow_custom = 1; /* looking is safe: nothing runs */
		struct wb_err err;
		b = bundle_open(file, &lim, &err);
		if (!b) {
			cli_error("%s", err.msg);
			return WB_EXIT_ERROR;
		}
	} else {
		b = open_verified(file, allow_custom, &r);
		if (!b)
			return WB_EXIT_ERROR;
	}
	const json_t *m = bundle_manifest(b);
	if (json_out) {
		json_dumpf(m, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
	} else if (inspect) {
		const json_t *model = json_object_get(m, "model");
		printf("%s %s  (%s, format %lld, wb %s, created %s)\n",
		       json_string_value(json_object_get(m, "name")),
		       json_string_value(json_object_get(m, "version")), file,
		       (long long)json_integer_value(json_object_get(m, "format_version")),
		       json_string_value(json_object_get(m, "wb_version")),
		       json_string_value(json_object_get(m, "created")));
		printf("model    %s %s of '%s'\n", json_string_value(json_object_get(model, "family")),
		       json_string_value(json_object_get(model, "task")),
		       json_string_value(json_object_get(model, "target")));
		size_t i;
		json_t *c;
		printf("inputs  ");
		json_array_foreach(json_object_get(json_object_get(m, "input"), "columns"), i, c)
			printf(" %s:%s", json_string_value(json_object_get(c, "name")),
			       json_string_value(json_object_get(c, "kind")));
		printf("\nmetrics ");
		const char *k;
		json_t *v;
		json_object_foreach((json_t *)(uintptr_t)json_object_get(m, "metrics"), k, v)
			printf(" %s=%.4g", k, json_number_value(v));
		if (!json_object_size(json_object_get(m, "metrics")))
			printf(" (none recorded)");
		printf("\nfiles   ");
		json_object_foreach((json_t *)(uintptr_t)json_object_get(m, "files"), k, v)
			printf(" %s (%lld B)", k,
			       (long long)json_integer_value(json_object_get(v, "bytes")));
		printf("\n");
		print_custom_code(bundle_recipe(b));
	} else {
		printf("ok: %s — every file's sha256 matches; %zu golden rows re-scored identically\n",
		       file, r.rows);
	}
	bundle_close(b);
	return WB_EXIT_OK;
}

/* ------------------------------------------------------------- predict */

int cmd_predict(int argc, char **argv)
{
	const char *bundle = NULL, *input = NULL, *out = NULL;
	const char *keep[64];
	int nkeep = 0, proba = 0, allow_custom = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			printf("usage: %s\n", PREDICT_USAGE);
			return WB_EXIT_OK;
		} else if (!strcmp(a, "--proba")) {
			proba = 1;
		} else if (!strcmp(a, "--allow-custom")) {
			allow_custom = 1;
		} else if (!strcmp(a, "-o") || !strcmp(a, "--keep")) {
			if (++i >= argc)
				return cli_usage(PREDICT_USAGE, "predict: %s needs a value", a);
			if (a[1] == 'o')
				out = argv[i];
			else if (nkeep < 64)
				keep[nkeep++] = argv[i];
		} else if (a[0] == '-' && a[1]) {
			return cli_usage(PREDICT_USAGE, "predict: unknown option '%s'", a);
		} else if (!bundle) {
			bundle = a;
		} else if (!input) {
			input = a;
		} else {
			return cli_usage(PREDICT_USAGE, "predict: expected a bundle and an input file");
		}
	}
	if (!bundle || !input)
		return cli_usage(PREDICT_USAGE, "predict: expected a bundle and an input file");
	struct bundle *b = open_verified(bundle, allow_custom, NULL);
	if (!b)
		return WB_EXIT_ERROR;
	struct wb_err err;
	struct scorer_opts so = { .proba = proba, .keep = keep, .nkeep = nkeep };
	const char *chunk = getenv("WB_PREDICT_CHUNK"); /* tests: small chunks, many seams */
	if (chunk)
		so.chunk_bytes = (size_t)strtoull(chunk, NULL, 10);
	struct scorer_stats st;
	const json_t *schema = json_object_get(json_object_get(bundle_manifest(b), "input"),
					       "columns");
	int rc = WB_EXIT_ERROR;
	/* The output appears whole or not at all (core/outfile.h). */
	struct outfile o = { .fp = stdout };
	if (out && outfile_open(&o, out, &err) < 0) {
		cli_error("%s", err.msg);
	} else if (scorer_run(bundle_model(b), schema, input, o.fp, &so, &st, &err) < 0) {
		cli_error("%s", err.msg);
	} else if (!out && fflush(stdout) != 0) {
		cli_error("cannot write the predictions: %s", strerror(errno));
	} else if (out && outfile_commit(&o, &err) < 0) {
		cli_error("%s", err.msg);
	} else {
		rc = WB_EXIT_OK;
	}
	if (out && o.fp)
		outfile_abort(&o);
	if (rc == WB_EXIT_OK && out)
		fprintf(stderr, "wb: %zu rows scored in %zu chunk%s -> %s\n", st.rows, st.chunks,
			st.chunks == 1 ? "" : "s", out);
	bundle_close(b);
	return rc;
}

/* --------------------------------------------------------------- serve */

int cmd_serve(int argc, char **argv)
{
	const char *file = NULL;
	struct serve_opts o;
	memset(&o, 0, sizeof(o));
	o.host = "127.0.0.1";
	o.port = 8080;
	int allow_custom = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			printf("usage: %s\n", SERVE_USAGE);
			return WB_EXIT_OK;
		} else if (!strcmp(a, "--allow-custom")) {
			allow_custom = 1;
		} else if (!strcmp(a, "--host") || !strcmp(a, "--port") || !strcmp(a, "--threads")) {
			if (++i >= argc)
				return cli_usage(SERVE_USAGE, "serve: %s needs a value", a);
			if (a[2] == 'h') {
				o.host = argv[i];
				continue;
			}
			char *end;
			long v = strtol(argv[i], &end, 10);
			if (*end || v < 0 || v > 65535 || (a[2] == 't' && (v < 1 || v > 256)))
				return cli_usage(SERVE_USAGE, "serve: bad %s '%s'", a, argv[i]);
			if (a[2] == 'p')
				o.port = (int)v;
			else
				o.threads = (int)v;
		} else if (a[0] == '-' && a[1]) {
			return cli_usage(SERVE_USAGE, "serve: unknown option '%s'", a);
		} else if (!file) {
			file = a;
		} else {
			return cli_usage(SERVE_USAGE, "serve: one bundle at a time");
		}
	}
	if (!file)
		return cli_usage(SERVE_USAGE, "serve: which bundle?");
	struct bundle *b = open_verified(file, allow_custom, NULL);
	if (!b)
		return WB_EXIT_ERROR;
	o.model = bundle_model(b);
	o.manifest = bundle_manifest(b);
	/* Block the stop signals before the server's threads start, so they
	 * all inherit the mask and sigwait below receives them. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	struct wb_err err;
	struct serve *s = serve_start(&o, &err);
	if (!s) {
		cli_error("%s", err.msg);
		bundle_close(b);
		return WB_EXIT_ERROR;
	}
	const json_t *m = o.manifest;
	fprintf(stderr, "wb: serving %s %s on http://%s:%d (POST /invocations; Ctrl-C stops)\n",
		json_string_value(json_object_get(m, "name")),
		json_string_value(json_object_get(m, "version")), o.host, serve_port(s));
	int sig = 0;
	sigwait(&set, &sig);
	serve_stop(s);
	struct serve_counters c;
	memset(&c, 0, sizeof(c));
	fprintf(stderr, "wb: stopped (signal %d)\n", sig);
	bundle_close(b);
	return WB_EXIT_OK;
}

/* --------------------------------------------------------------- drift */

int cmd_drift(int argc, char **argv)
{
	const char *refp = NULL, *curp = NULL;
	int json_out = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json_out = 1;
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: %s\n", DRIFT_USAGE);
			return WB_EXIT_OK;
		} else if (argv[i][0] == '-')
			return cli_usage(DRIFT_USAGE, "drift: unknown option '%s'", argv[i]);
		else if (!refp)
			refp = argv[i];
		else if (!curp)
			curp = argv[i];
		else
			return cli_usage(DRIFT_USAGE, "drift: expected REFERENCE and CURRENT");
	}
	if (!refp || !curp)
		return cli_usage(DRIFT_USAGE, "drift: expected REFERENCE and CURRENT");
	struct wb_err err;
	struct csv_opts co;
	csv_opts_init(&co);
	json_t *ref = NULL;
	size_t n = strlen(refp);
	if (n > 4 && !strcmp(refp + n - 4, ".wbz")) {
		struct bundle *b = open_verified(refp, 0, NULL);
		if (!b)
			return WB_EXIT_ERROR;
		size_t len;
		const char *text = bundle_file(b, "reference.json", &len);
		json_error_t je;
		ref = text ? json_loadb(text, len, 0, &je) : NULL;
		bundle_close(b);
		if (!ref) {
			cli_error("bundle '%s' has no reference statistics", refp);
			return WB_EXIT_ERROR;
		}
	} else {
		struct frame *rf = csv_read(refp, &co, NULL, &err);
		ref = rf ? drift_reference(rf, NULL, &err) : NULL;
		frame_unref(rf);
		if (!ref) {
			cli_error("%s", err.msg);
			return WB_EXIT_ERROR;
		}
	}
	struct frame *cur = csv_read(curp, &co, NULL, &err);
	json_t *report = NULL;
	int rc = cur ? drift_compare(ref, cur, NULL, &report, &err) : -1;
	frame_unref(cur);
	json_decref(ref);
	if (rc < 0) {
		cli_error("%s", err.msg);
		return WB_EXIT_ERROR;
	}
	if (json_out) {
		json_dumpf(report, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
	} else {
		printf("%-24s %-5s %8s %8s %9s %9s  %s\n", "COLUMN", "KIND", "PSI", "KS", "MISSING",
		       "UNSEEN", "STATUS");
		size_t i;
		json_t *c;
		json_array_foreach(json_object_get(report, "columns"), i, c) {
			json_t *ks = json_object_get(c, "ks"), *un = json_object_get(c, "unseen");
			char kss[16] = "-", uns[16] = "-";
			if (json_is_number(ks))
				snprintf(kss, sizeof(kss), "%.3f", json_number_value(ks));
			if (json_is_number(un))
				snprintf(uns, sizeof(uns), "%.3f", json_number_value(un));
			printf("%-24.24s %-5s %8.4f %8s %4.2f→%-4.2f %9s  %s\n",
			       json_string_value(json_object_get(c, "name")),
			       json_string_value(json_object_get(c, "kind")),
			       json_number_value(json_object_get(c, "psi")), kss,
			       json_number_value(json_object_get(c, "missing_ref")),
			       json_number_value(json_object_get(c, "missing_cur")), uns,
			       json_string_value(json_object_get(c, "status")));
		}
		printf("%lld column(s) drifted; status %s\n",
		       (long long)json_integer_value(json_object_get(report, "drifted")),
		       json_string_value(json_object_get(report, "status")));
	}
	const char *st = json_string_value(json_object_get(report, "status"));
	rc = st && !strcmp(st, "drift") ? WB_EXIT_GATE : WB_EXIT_OK;
	json_decref(report);
	return rc;
}

/* ------------------------------------------------------------ export-c */

int cmd_export_c(int argc, char **argv)
{
	const char *file = NULL, *out = NULL, *prefix = NULL;
	int allow_custom = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			printf("usage: %s\n", EXPORT_USAGE);
			return WB_EXIT_OK;
		} else if (!strcmp(a, "--allow-custom")) {
			allow_custom = 1;
		} else if (!strcmp(a, "-o") || !strcmp(a, "--prefix")) {
			if (++i >= argc)
				return cli_usage(EXPORT_USAGE, "export-c: %s needs a value", a);
			if (a[1] == 'o')
				out = argv[i];
			else
				prefix = argv[i];
		} else if (a[0] == '-' && a[1]) {
			return cli_usage(EXPORT_USAGE, "export-c: unknown option '%s'", a);
		} else if (!file) {
			file = a;
		} else {
			return cli_usage(EXPORT_USAGE, "export-c: one bundle at a time");
		}
	}
	if (!file || !out)
		return cli_usage(EXPORT_USAGE, "export-c: expected a bundle and -o FILE.c");
	/* Default prefix: the output's stem as a C identifier ("credit-v3.c" -> credit_v3). */
	char stem[128];
	if (!prefix) {
		const char *base = strrchr(out, '/');
		base = base ? base + 1 : out;
		size_t n = 0;
		for (const char *p = base; *p && *p != '.' && n + 1 < sizeof(stem); p++)
			stem[n++] = (char)((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
					   (*p >= '0' && *p <= '9') ? *p : '_');
		stem[n] = 0;
		prefix = n && !(stem[0] >= '0' && stem[0] <= '9') ? stem : "model";
	}
	struct bundle *b = open_verified(file, allow_custom, NULL);
	if (!b)
		return WB_EXIT_ERROR;
	struct wb_err err;
	char *src = export_c(bundle_model(b), prefix, &err);
	bundle_close(b);
	if (!src) {
		cli_error("%s", err.msg);
		return WB_EXIT_ERROR;
	}
	size_t len = strlen(src);
	struct outfile o;
	int bad = outfile_open(&o, out, &err) < 0;
	if (!bad && fwrite(src, 1, len, o.fp) != len) {
		wb_error(&err, "cannot write '%s': %s", out, strerror(errno));
		outfile_abort(&o);
		bad = 1;
	} else if (!bad) {
		bad = outfile_commit(&o, &err) < 0;
	}
	if (bad)
		cli_error("%s", err.msg);
	else
		fprintf(stderr, "wb: wrote %s (%zu bytes): int %s_predict(const double *num, "
			"const char *const *cat, double *out)\n", out, len, prefix);
	free(src);
	return bad ? WB_EXIT_ERROR : WB_EXIT_OK;
}
