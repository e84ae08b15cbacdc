/*
 * cmd_runs — `wb runs` (list recorded runs) and `wb show RUN` (one run in
 * full).  Both only read: `wb runs` on a project without a run log says so
 * and creates nothing.  JSON output is the engine's objects as they are
 * (runlog_list_runs / runlog_show_run), indented, keys in a stable order.
 */
#include "cli/cli.h"
#include "core/err.h"
#include "core/column.h"
#include "track/runlog.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define RUNS_USAGE "wb runs [--limit N] [--where SQL] [--json] [--log PATH]"
#define SHOW_USAGE "wb show RUN [--json] [--log PATH]"
#define JSON_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER)

/* ------------------------------------------------------------------------
 * Option parsing: "--name VALUE" and "--name=VALUE"
 * ---------------------------------------------------------------------- */

/* 1: argv[*i] is option `name` and *val is its value (*i advanced past a
 * separate value); 0: another argument; -1: the value is missing. */
static int opt_value(int argc, char **argv, int *i, const char *name, const char **val)
{
	size_t n = strlen(name);
	const char *a = argv[*i];
	if (strncmp(a, name, n))
		return 0;
	if (a[n] == '=') {
		*val = a + n + 1;
		return 1;
	}
	if (a[n] != '\0')
		return 0;
	if (*i + 1 >= argc)
		return -1;
	*val = argv[++*i];
	return 1;
}

/* ------------------------------------------------------------------------
 * Aligned text tables
 * ---------------------------------------------------------------------- */

struct table {
	size_t ncols, nrows, cap;
	char **cells;          /* nrows * ncols, owned */
	const char *right;     /* per column: 'r' right-aligned, else left */
	const char *indent;
};

static void table_init(struct table *t, size_t ncols, const char *right, const char *indent)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
	t->right = right;
	t->indent = indent;
}

/* Adds a row of ncols strings (copied; NULL shows as "-"). */
static void table_add(struct table *t, const char *const *row)
{
	if (t->nrows == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 16;
		t->cells = xreallocarray(t->cells, t->cap * t->ncols, sizeof(char *));
	}
	for (size_t c = 0; c < t->ncols; c++)
		t->cells[t->nrows * t->ncols + c] = xstrdup(row[c] ? row[c] : "-");
	t->nrows++;
}

/* Display width: UTF-8 code points (enough for "×" and accented names). */
static size_t text_width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		w += ((unsigned char)*s & 0xC0) != 0x80;
	return w;
}

static void table_print(struct table *t)
{
	size_t *w = xcalloc(t->ncols, sizeof(size_t));
	for (size_t r = 0; r < t->nrows; r++)
		for (size_t c = 0; c < t->ncols; c++) {
			size_t cw = text_width(t->cells[r * t->ncols + c]);
			if (cw > w[c])
				w[c] = cw;
		}
	for (size_t r = 0; r < t->nrows; r++) {
		/* Stop at the last non-empty cell: no trailing blanks. */
		size_t end = t->ncols;
		while (end > 1 && !*t->cells[r * t->ncols + end - 1])
			end--;
		fputs(t->indent ? t->indent : "", stdout);
		for (size_t c = 0; c < end; c++) {
			const char *s = t->cells[r * t->ncols + c];
			size_t pad = w[c] - text_width(s);
			int last = c + 1 == end;
			if (t->right && t->right[c] == 'r')
				printf("%*s%s", (int)pad, "", s);
			else if (last)
				fputs(s, stdout); /* no trailing blanks */
			else
				printf("%s%*s", s, (int)pad, "");
			if (!last)
				fputs("  ", stdout);
		}
		fputc('\n', stdout);
	}
	free(w);
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
}

/* ------------------------------------------------------------------------
 * Formatting values
 * ---------------------------------------------------------------------- */

/* "YYYY-MM-DD HH:MM:SS" in local time (TZ), or "-". */
static void local_time(json_t *unix_time, char buf[32])
{
	if (!json_is_number(unix_time)) {
		strcpy(buf, "-");
		return;
	}
	time_t s = (time_t)json_number_value(unix_time);
	struct tm tm;
	localtime_r(&s, &tm);
	strftime(buf, 32, "%Y-%m-%d %H:%M:%S", &tm);
}

static void fmt_seconds(json_t *v, char buf[32])
{
	if (json_is_number(v))
		snprintf(buf, 32, "%.2f", json_number_value(v));
	else
		strcpy(buf, "-");
}

/* A JSON scalar for people: numbers short ("%.4g" when compact, else the
 * shortest exact form), strings bare, anything else compact JSON.  Heap. */
static char *human_value(json_t *v, int compact)
{
	char buf[64];
	if (json_is_integer(v)) {
		snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
		return xstrdup(buf);
	}
	if (json_is_real(v)) {
		if (compact)
			snprintf(buf, sizeof(buf), "%.4g", json_real_value(v));
		else
			fmt_double(json_real_value(v), buf, sizeof(buf));
		return xstrdup(buf);
	}
	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	if (!v || json_is_null(v))
		return xstrdup("-");
	char *s = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
	char *r = xstrdup(s ? s : "?");
	free(s);
	return r;
}

static const char *base_name(const char *path)
{
	const char *s = path ? strrchr(path, '/') : NULL;
	return s ? s + 1 : path;
}

static const char *jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static void print_json(json_t *v)
{
	json_dumpf(v, stdout, JSON_FLAGS);
	fputc('\n', stdout);
}

/* Opens an existing log without creating anything; falls back to read-only
 * when the file cannot be written (someone else's project, a CI artifact). */
static int open_existing(const char *path, struct runlog **rl, struct wb_err *err)
{
	if (runlog_open_flags(path, RUNLOG_NO_CREATE, rl, err) == 0)
		return 0;
	struct wb_err err2;
	if (runlog_open_flags(path, RUNLOG_READ_ONLY, rl, &err2) == 0)
		return 0;
	return -1;
}

/* ------------------------------------------------------------------------
 * wb runs
 * ---------------------------------------------------------------------- */

static void print_runs_table(json_t *runs)
{
	static const char *const head[] = { "ID", "STARTED", "KIND", "NAME", "STATUS", "SECONDS", "METRICS" };
	struct table t;
	table_init(&t, 7, ".....r.", NULL);
	table_add(&t, head);
	size_t i;
	json_t *run;
	json_array_foreach(runs, i, run) {
		char id[9] = "", started[32], secs[32], metrics[256] = "";
		const char *full = jstr(run, "id");
		snprintf(id, sizeof(id), "%s", full ? full : "");
		local_time(json_object_get(run, "started_unix"), started);
		fmt_seconds(json_object_get(run, "seconds"), secs);
		/* Up to three metrics; the JSON has them all. */
		json_t *m = json_object_get(run, "metrics");
		const char *k;
		json_t *v;
		size_t n = 0, len = 0;
		json_object_foreach(m, k, v) {
			if (n == 3) {
				snprintf(metrics + len, sizeof(metrics) - len, " ...");
				break;
			}
			char *hv = human_value(v, 1);
			int w = snprintf(metrics + len, sizeof(metrics) - len, "%s%s=%s",
					 n ? " " : "", k, hv);
			free(hv);
			if (w < 0 || (size_t)w >= sizeof(metrics) - len)
				break;
			len += (size_t)w;
			n++;
		}
		const char *row[7] = { id, started, jstr(run, "kind"), base_name(jstr(run, "name")),
				       jstr(run, "status"), secs, metrics };
		table_add(&t, row);
	}
	table_print(&t);
}

int cmd_runs(int argc, char **argv)
{
	const char *log_flag = NULL, *where = NULL, *limit_s = NULL;
	int json = 0, limit = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int r;
		if (!strcmp(a, "--json")) {
			json = 1;
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			printf("usage: %s\n", RUNS_USAGE);
			return WB_EXIT_OK;
		} else if ((r = opt_value(argc, argv, &i, "--limit", &limit_s)) ||
			   (r = opt_value(argc, argv, &i, "--where", &where)) ||
			   (r = opt_value(argc, argv, &i, "--log", &log_flag))) {
			if (r < 0)
				return cli_usage(RUNS_USAGE, "runs: %s needs a value", a);
		} else if (a[0] == '-') {
			return cli_usage(RUNS_USAGE, "runs: unknown option '%s'", a);
		} else {
			return cli_usage(RUNS_USAGE, "runs: unexpected argument '%s'", a);
		}
	}
	if (limit_s) {
		char *end;
		errno = 0;
		long v = strtol(limit_s, &end, 10);
		if (!*limit_s || *end || errno || v < 1 || v > INT_MAX)
			return cli_usage(RUNS_USAGE, "runs: --limit wants a positive integer, not '%s'",
					 limit_s);
		limit = (int)v;
	}
	if (where && !*where)
		return cli_usage(RUNS_USAGE, "runs: --where wants an SQL condition");

	char *path = cli_log_path(log_flag);
	struct stat sb;
	if (stat(path, &sb) < 0 && errno == ENOENT) {
		/* Listing must not create an empty database. */
		if (json)
			printf("[]\n");
		else
			printf("no runs yet (run log '%s' does not exist)\n", path);
		free(path);
		return WB_EXIT_OK;
	}

	struct runlog *rl;
	struct wb_err err;
	json_t *runs = NULL;
	int rc = WB_EXIT_OK;
	if (open_existing(path, &rl, &err) < 0) {
		cli_error("%s", err.msg);
		free(path);
		return WB_EXIT_ERROR;
	}
	if (runlog_list_runs(rl, limit, where, &runs, &err) < 0) {
		cli_error("%s", err.msg);
		rc = WB_EXIT_ERROR;
	} else if (json) {
		print_json(runs);
	} else if (json_array_size(runs) == 0) {
		printf(where ? "no runs match '%s'\n" : "no runs yet in '%s'\n", where ? where : path);
	} else {
		print_runs_table(runs);
	}
	json_decref(runs);
	runlog_close(rl);
	free(path);
	return rc;
}

/* ------------------------------------------------------------------------
 * wb show
 * ---------------------------------------------------------------------- */

/* argv as a shell-like line: words with special characters single-quoted. */
static void print_argv(json_t *argv)
{
	size_t i;
	json_t *a;
	if (!json_is_array(argv)) {
		char *s = human_value(argv, 0);
		puts(s);
		free(s);
		return;
	}
	json_array_foreach(argv, i, a) {
		const char *s = json_string_value(a);
		if (!s)
			s = "";
		if (i)
			fputc(' ', stdout);
		if (*s && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				 "0123456789-_./=:,+@%") == strlen(s)) {
			fputs(s, stdout);
		} else {
			fputc('\'', stdout);
			for (; *s; s++)
				if (*s == '\'')
					fputs("'\\''", stdout);
				else
					fputc(*s, stdout);
			fputc('\'', stdout);
		}
	}
	fputc('\n', stdout);
}

static void field(const char *label, const char *value)
{
	printf("%-11s%s\n", label, value && *value ? value : "-");
}

/* "150×5", or "-" when the output was not a frame. */
static void dims(json_t *o, char buf[64])
{
	json_t *r = json_object_get(o, "rows"), *c = json_object_get(o, "cols");
	if (json_is_integer(r) && json_is_integer(c))
		snprintf(buf, 64, "%lld×%lld", (long long)json_integer_value(r),
			 (long long)json_integer_value(c));
	else if (json_is_integer(r))
		snprintf(buf, 64, "%lld", (long long)json_integer_value(r));
	else
		strcpy(buf, "-");
}

/* The first n characters of a hex hash (or "-"). */
static void short_hash(const char *h, size_t n, char buf[72])
{
	if (!h || !*h)
		strcpy(buf, "-");
	else
		snprintf(buf, 72, "%.*s", (int)n, h);
}

static void print_steps(json_t *steps)
{
	printf("\nSteps\n");
	if (json_array_size(steps) == 0) {
		printf("  (none)\n");
		return;
	}
	static const char *const head[] = { "SEQ", "KIND", "ROWS×COLS", "OUTPUT", "SECONDS", "STATUS", "PARAMS" };
	struct table t;
	table_init(&t, 7, "r...r..", "  ");
	table_add(&t, head);
	size_t i;
	json_t *s;
	json_array_foreach(steps, i, s) {
		char seq[32], d[64], out[72], secs[32];
		snprintf(seq, sizeof(seq), "%lld", (long long)json_integer_value(json_object_get(s, "seq")));
		dims(s, d);
		short_hash(jstr(s, "output_hash"), 12, out);
		json_t *sv = json_object_get(s, "seconds");
		if (json_is_number(sv))
			snprintf(secs, sizeof(secs), "%.3f", json_number_value(sv));
		else
			strcpy(secs, "-");
		json_t *p = json_object_get(s, "params");
		char *ps = p && !json_is_null(p) ? human_value(p, 1) : xstrdup("");
		if (text_width(ps) > 72) {
			size_t cut = 69;
			while (cut && ((unsigned char)ps[cut] & 0xC0) == 0x80)
				cut--; /* never split a UTF-8 sequence */
			strcpy(ps + cut, "...");
		}
		/* A failed step shows its message in place of the params. */
		const char *status = jstr(s, "status");
		char *cell = ps;
		if (status && strcmp(status, "ok") && jstr(s, "message")) {
			cell = xasprintf("%s%s%s", jstr(s, "message"), *ps ? "  " : "", ps);
			free(ps);
		}
		const char *row[7] = { seq, jstr(s, "kind"), d, out, secs, status, cell };
		table_add(&t, row);
		free(cell);
	}
	table_print(&t);
}

static void print_kv(const char *title, json_t *obj)
{
	if (json_object_size(obj) == 0)
		return;
	printf("\n%s\n", title);
	struct table t;
	table_init(&t, 2, NULL, "  ");
	const char *k;
	json_t *v;
	json_object_foreach(obj, k, v) {
		char *hv = human_value(v, 0);
		const char *row[2] = { k, hv };
		table_add(&t, row);
		free(hv);
	}
	table_print(&t);
}

static void print_metrics(json_t *metrics)
{
	if (json_array_size(metrics) == 0)
		return;
	printf("\nMetrics\n");
	static const char *const head[] = { "KEY", "VALUE", "STEP" };
	struct table t;
	table_init(&t, 3, ".rr", "  ");
	table_add(&t, head);
	/* A long per-step series (gbdt's loss per round) shows as its last
	 * value and its step range, one row per key: 400 rows would bury the
	 * rest.  Short series are listed point by point; --json has them all. */
	enum { SERIES_ROWS = 10 };
	size_t i, n = json_array_size(metrics);
	json_t *m;
	json_array_foreach(metrics, i, m) {
		const char *key = jstr(m, "key");
		json_t *step = json_object_get(m, "step");
		long first = -1, count = 0, total = 0;
		int later = 0;
		for (size_t j = 0; json_is_integer(step) && j < n; j++) {
			json_t *o = json_array_get(metrics, j);
			if (strcmp(jstr(o, "key"), key) || !json_is_integer(json_object_get(o, "step")))
				continue;
			total++;
			if (j > i)
				later = 1;
			else if (!count++)
				first = (long)json_integer_value(json_object_get(o, "step"));
		}
		if (total <= SERIES_ROWS)
			count = 0; /* listed point by point */
		else if (later)
			continue;
		char *v = human_value(json_object_get(m, "value"), 0);
		char *st = human_value(step, 0);
		char range[64];
		if (count > 1)
			snprintf(range, sizeof(range), "%ld..%s (%ld)", first, st, count);
		const char *row[3] = { key, v, count > 1 ? range : st };
		table_add(&t, row);
		free(v);
		free(st);
	}
	table_print(&t);
}

static void print_datasets(json_t *datasets)
{
	if (json_array_size(datasets) == 0)
		return;
	printf("\nDatasets\n");
	static const char *const head[] = { "HASH", "ROWS×COLS", "PATH" };
	struct table t;
	table_init(&t, 3, ".r.", "  ");
	table_add(&t, head);
	size_t i;
	json_t *d;
	json_array_foreach(datasets, i, d) {
		char h[72], dm[64];
		short_hash(jstr(d, "hash"), 12, h);
		dims(d, dm);
		const char *row[3] = { h, dm, jstr(d, "path") };
		table_add(&t, row);
	}
	table_print(&t);
}

static void print_artifacts(json_t *artifacts)
{
	if (json_array_size(artifacts) == 0)
		return;
	printf("\nArtifacts\n");
	static const char *const head[] = { "SHA256", "BYTES", "KIND", "PATH" };
	struct table t;
	table_init(&t, 4, ".r..", "  ");
	table_add(&t, head);
	size_t i;
	json_t *a;
	json_array_foreach(artifacts, i, a) {
		char h[72];
		short_hash(jstr(a, "sha256"), 12, h);
		char *b = human_value(json_object_get(a, "bytes"), 0);
		const char *row[4] = { h, b, jstr(a, "kind"), jstr(a, "path") };
		table_add(&t, row);
		free(b);
	}
	table_print(&t);
}

static void print_run(json_t *run)
{
	char buf[128], t[32];
	field("run", jstr(run, "id"));
	field("kind", jstr(run, "kind"));
	field("name", jstr(run, "name"));
	field("status", jstr(run, "status"));
	local_time(json_object_get(run, "started_unix"), t);
	snprintf(buf, sizeof(buf), "%s (%s)", t, jstr(run, "started") ? jstr(run, "started") : "-");
	field("started", buf);
	fmt_seconds(json_object_get(run, "seconds"), buf);
	field("seconds", buf);
	char *seed = human_value(json_object_get(run, "seed"), 0);
	field("seed", seed);
	free(seed);
	field("wb version", jstr(run, "wb_version"));
	const char *commit = jstr(run, "git_commit");
	json_t *dirty = json_object_get(run, "git_dirty");
	if (commit) {
		snprintf(buf, sizeof(buf), "%.12s%s", commit,
			 json_is_true(dirty) ? " (dirty)" : json_is_false(dirty) ? "" : " (dirty?)");
		field("git", buf);
	} else {
		field("git", "-");
	}
	field("host", jstr(run, "host"));
	field("user", jstr(run, "user"));
	char *pid = human_value(json_object_get(run, "pid"), 0);
	field("pid", pid);
	free(pid);
	field("cwd", jstr(run, "cwd"));
	printf("%-11s", "argv");
	print_argv(json_object_get(run, "argv"));
	/* The hash, not the text: `wb show --json` has the full recipe. */
	if (jstr(run, "recipe_sha256")) {
		snprintf(buf, sizeof(buf), "sha256:%s", jstr(run, "recipe_sha256"));
		field("recipe", buf);
	} else {
		field("recipe", NULL);
	}
	if (jstr(run, "message"))
		field("message", jstr(run, "message"));

	print_steps(json_object_get(run, "steps"));
	print_kv("Params", json_object_get(run, "params"));
	print_metrics(json_object_get(run, "metrics"));
	print_kv("Tags", json_object_get(run, "tags"));
	print_datasets(json_object_get(run, "datasets"));
	print_artifacts(json_object_get(run, "artifacts"));
}

int cmd_show(int argc, char **argv)
{
	const char *log_flag = NULL, *run_arg = NULL;
	int json = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int r;
		if (!strcmp(a, "--json")) {
			json = 1;
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			printf("usage: %s\n", SHOW_USAGE);
			return WB_EXIT_OK;
		} else if ((r = opt_value(argc, argv, &i, "--log", &log_flag))) {
			if (r < 0)
				return cli_usage(SHOW_USAGE, "show: %s needs a value", a);
		} else if (a[0] == '-' && a[1]) {
			return cli_usage(SHOW_USAGE, "show: unknown option '%s'", a);
		} else if (run_arg) {
			return cli_usage(SHOW_USAGE, "show: unexpected argument '%s'", a);
		} else {
			run_arg = a;
		}
	}
	if (!run_arg)
		return cli_usage(SHOW_USAGE, "show: which run? (an id or a unique prefix)");

	char *path = cli_log_path(log_flag);
	struct runlog *rl;
	struct wb_err err;
	json_t *run = NULL;
	int rc = WB_EXIT_OK;
	if (open_existing(path, &rl, &err) < 0) {
		cli_error("%s", err.msg);
		free(path);
		return WB_EXIT_ERROR;
	}
	if (runlog_show_run(rl, run_arg, &run, &err) < 0) {
		cli_error("%s", err.msg);
		rc = WB_EXIT_ERROR;
	} else if (json) {
		print_json(run);
	} else {
		print_run(run);
	}
	json_decref(run);
	runlog_close(rl);
	free(path);
	return rc;
}
