/* Unit tests for the SQLite run log (app/track/runlog). */
#include "tap.h"
#include "track/runlog.h"

#include <sqlite3.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char tmpdir[256];

static char *path_in(const char *name)
{
	return xasprintf("%s/%s", tmpdir, name);
}

static const struct run_info basic_info = {
	.kind = "run",
	.name = "recipes/demo.lua",
	.recipe_text = "local wb = require 'wb'\nprint(1)\n",
	.argv_json = "[\"wb\",\"run\",\"recipes/demo.lua\"]",
	.wb_version = "0.1.0",
	.seed = 42,
	.git_commit = "0123456789abcdef0123456789abcdef01234567",
	.git_dirty = 1,
	.cwd = "/tmp/project",
};

/* Runs one SQL statement on a raw connection; returns the first column of
 * the first row as a heap string (or NULL). */
static char *sql1(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	char *res = NULL;
	if (sqlite3_open(path, &db) != SQLITE_OK)
		return NULL;
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
			res = xstrdup((const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return res;
}

static void test_open(void)
{
	struct wb_err err;
	struct runlog *rl;
	char *p = path_in("sub/dir/runs.db");

	ok(runlog_open(p, &rl, &err) == 0, "open creates file and parent dirs");
	struct stat sb;
	ok(stat(p, &sb) == 0, "database file exists");
	is_str(runlog_path(rl), p, "runlog_path");
	runlog_close(rl);

	char *v = sql1(p, "PRAGMA user_version");
	is_str(v, "1", "schema version stored in user_version");
	free(v);
	v = sql1(p, "PRAGMA journal_mode");
	is_str(v, "wal", "journal mode is WAL");
	free(v);
	v = sql1(p, "SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_schema "
		 "WHERE type = 'table' ORDER BY name)");
	is_str(v, "alias_history,aliases,artifacts,datasets,metrics,models,params,runs,steps,tags",
	       "all tables created");
	free(v);
	ok(runlog_open(p, &rl, &err) == 0, "reopen an existing log");
	runlog_close(rl);

	char *q = path_in("missing.db");
	ok(runlog_open_flags(q, RUNLOG_NO_CREATE, &rl, &err) < 0, "NO_CREATE on a missing file fails");
	like(err.msg, "does not exist", "says it does not exist");
	ok(stat(q, &sb) < 0, "and creates nothing");
	ok(runlog_open_flags(p, RUNLOG_READ_ONLY, &rl, &err) == 0, "read-only open");
	struct run_info ri = basic_info;
	char id[RUNLOG_ID_LEN];
	ok(runlog_begin_run(rl, &ri, id, &err) < 0, "no writes when read-only");
	like(err.msg, "read-only", "error says read-only");
	runlog_close(rl);
	free(q);

	/* A directory where the file should be. */
	q = path_in("adir");
	mkdir(q, 0777);
	ok(runlog_open(q, &rl, &err) < 0, "a directory is not a run log");
	like(err.msg, "cannot open run log '", "error quotes the path");
	free(q);

	q = path_in("junk.db");
	FILE *f = fopen(q, "w");
	fputs("this is not a database, just some text that is long enough to be a header......", f);
	fclose(f);
	ok(runlog_open(q, &rl, &err) < 0, "a text file is not a run log");
	like(err.msg, "file is not a database", "sqlite's reason is kept");
	free(q);
	free(p);
}

static void test_roundtrip(void)
{
	struct wb_err err;
	struct runlog *rl;
	char *p = path_in("rt.db");
	char id[RUNLOG_ID_LEN];
	int seq = 0;

	if (!ok(runlog_open(p, &rl, &err) == 0, "open for round-trip"))
		diag(err.msg);
	ok(runlog_begin_run(rl, &basic_info, id, &err) == 0, "begin run");
	ok(strlen(id) == 32 && strspn(id, "0123456789abcdef") == 32, "id is 32 lowercase hex digits");

	struct step_rec s1 = { .kind = "read_csv", .params_json = "{\"path\":\"iris.csv\"}",
			       .inputs_json = "[]", .output_hash = "aabbccddeeff00112233",
			       .rows = 150, .cols = 5, .started = 1700000000.25, .seconds = 0.5,
			       .status = "ok" };
	struct step_rec s2 = { .kind = "fit", .params_json = NULL, .inputs_json = NULL,
			       .output_hash = NULL, .rows = -1, .cols = -1, .started = 1700000001,
			       .seconds = 2, .status = "failed", .message = "boom" };
	ok(runlog_add_step(rl, id, &s1, &seq, &err) == 0 && seq == 1, "step 1");
	ok(runlog_add_step(rl, id, &s2, &seq, &err) == 0 && seq == 2, "step 2");
	ok(runlog_log_param(rl, id, "lr", "0.1", &err) == 0, "param lr");
	ok(runlog_log_param(rl, id, "model", "\"gbdt\"", &err) == 0, "param model");
	ok(runlog_log_param(rl, id, "lr", "0.2", &err) == 0, "param logged again");
	ok(runlog_log_metric(rl, id, "loss", 0.9, 1, &err) == 0, "metric 1");
	ok(runlog_log_metric(rl, id, "loss", 0.5, 2, &err) == 0, "metric 2");
	ok(runlog_log_metric(rl, id, "auc", 0.875, -1, &err) == 0, "metric without step");
	ok(runlog_set_tag(rl, id, "team", "ml", &err) == 0, "tag");
	ok(runlog_add_dataset(rl, id, "deadbeef", "iris.csv", 150, 5,
			      "{\"x\":\"num\"}", &err) == 0, "dataset");
	ok(runlog_add_artifact(rl, id, "model.wbz", "cafe", 1234, "bundle", &err) == 0, "artifact");

	json_t *run;
	ok(runlog_show_run(rl, id, &run, &err) == 0, "show while running");
	is_str(json_string_value(json_object_get(run, "status")), "running",
	       "a run of a live process stays running");
	json_decref(run);

	ok(runlog_end_run(rl, id, "ok", NULL, &err) == 0, "end run");
	ok(runlog_end_run(rl, id, "weird", NULL, &err) < 0, "bad status refused");
	like(err.msg, "bad status 'weird'", "bad status message");
	ok(runlog_add_step(rl, "ffffffffffffffffffffffffffffffff", &s1, &seq, &err) < 0,
	   "step for a missing run refused");
	like(err.msg, "no run 'ffffffffffffffffffffffffffffffff'", "missing run quoted");

	char pre[9];
	memcpy(pre, id, 8);
	pre[8] = '\0';
	if (!ok(runlog_show_run(rl, pre, &run, &err) == 0, "show by 8-digit prefix"))
		diag(err.msg);
	is_str(json_string_value(json_object_get(run, "id")), id, "id");
	is_str(json_string_value(json_object_get(run, "kind")), "run", "kind");
	is_str(json_string_value(json_object_get(run, "name")), "recipes/demo.lua", "name");
	is_str(json_string_value(json_object_get(run, "status")), "ok", "status ok");
	ok(json_is_string(json_object_get(run, "started")) &&
	   strlen(json_string_value(json_object_get(run, "started"))) == 20, "started is ISO 8601");
	ok(json_is_real(json_object_get(run, "started_unix")), "started_unix");
	ok(json_real_value(json_object_get(run, "seconds")) >= 0, "seconds");
	is_int(json_integer_value(json_object_get(run, "seed")), 42, "seed");
	is_str(json_string_value(json_object_get(run, "wb_version")), "0.1.0", "wb_version");
	ok(json_is_array(json_object_get(run, "argv")) &&
	   json_array_size(json_object_get(run, "argv")) == 3, "argv parsed");
	is_str(json_string_value(json_object_get(run, "recipe_text")), basic_info.recipe_text,
	       "full recipe text");
	ok(strlen(json_string_value(json_object_get(run, "recipe_sha256"))) == 64, "recipe sha256");
	ok(json_object_get(run, "git_dirty") == json_true(), "git_dirty true");
	is_str(json_string_value(json_object_get(run, "cwd")), "/tmp/project", "cwd");
	is_int(json_integer_value(json_object_get(run, "pid")), getpid(), "pid");
	ok(json_is_string(json_object_get(run, "host")), "host");

	json_t *steps = json_object_get(run, "steps");
	is_int(json_array_size(steps), 2, "two steps");
	json_t *st1 = json_array_get(steps, 0), *st2 = json_array_get(steps, 1);
	is_int(json_integer_value(json_object_get(st1, "seq")), 1, "steps in order");
	is_str(json_string_value(json_object_get(st1, "kind")), "read_csv", "step kind");
	is_str(json_string_value(json_object_get(json_object_get(st1, "params"), "path")),
	       "iris.csv", "step params parsed");
	is_int(json_integer_value(json_object_get(st1, "rows")), 150, "step rows");
	is_str(json_string_value(json_object_get(st1, "output_hash")), "aabbccddeeff00112233",
	       "step output hash");
	is_dbl(json_real_value(json_object_get(st1, "started_unix")), 1700000000.25, 1e-6,
	       "step started");
	is_str(json_string_value(json_object_get(st1, "started")), "2023-11-14T22:13:20Z",
	       "step started ISO");
	ok(json_is_null(json_object_get(st2, "rows")), "rows -1 is null");
	is_str(json_string_value(json_object_get(st2, "status")), "failed", "failed step");
	is_str(json_string_value(json_object_get(st2, "message")), "boom", "step message");

	json_t *params = json_object_get(run, "params");
	is_dbl(json_real_value(json_object_get(params, "lr")), 0.2, 0, "param keeps last value");
	is_str(json_string_value(json_object_get(params, "model")), "gbdt", "string param");
	json_t *metrics = json_object_get(run, "metrics");
	is_int(json_array_size(metrics), 3, "all metric points");
	is_int(json_integer_value(json_object_get(json_array_get(metrics, 1), "step")), 2, "metric step");
	ok(json_is_null(json_object_get(json_array_get(metrics, 2), "step")), "no step is null");
	is_str(json_string_value(json_object_get(json_object_get(run, "tags"), "team")), "ml", "tag");
	json_t *ds = json_array_get(json_object_get(run, "datasets"), 0);
	is_str(json_string_value(json_object_get(ds, "hash")), "deadbeef", "dataset hash");
	is_str(json_string_value(json_object_get(json_object_get(ds, "schema"), "x")), "num",
	       "dataset schema parsed");
	json_t *art = json_array_get(json_object_get(run, "artifacts"), 0);
	is_int(json_integer_value(json_object_get(art, "bytes")), 1234, "artifact bytes");
	is_str(json_string_value(json_object_get(art, "kind")), "bundle", "artifact kind");
	json_decref(run);

	/* The list's metrics are the last values. */
	json_t *list;
	ok(runlog_list_runs(rl, 0, NULL, &list, &err) == 0, "list");
	json_t *r0 = json_array_get(list, 0);
	is_dbl(json_real_value(json_object_get(json_object_get(r0, "metrics"), "loss")), 0.5, 0,
	       "list has the last value of each metric");
	ok(!json_object_get(r0, "recipe_text"), "list rows stay small");
	json_decref(list);
	runlog_close(rl);
	free(p);
}

static void test_resolve_and_list(void)
{
	struct wb_err err;
	struct runlog *rl;
	char *p = path_in("list.db");
	char ids[5][RUNLOG_ID_LEN], id[RUNLOG_ID_LEN];

	runlog_open(p, &rl, &err);
	for (int i = 0; i < 5; i++) {
		struct run_info ri = basic_info;
		ri.kind = i % 2 ? "train" : "run";
		runlog_begin_run(rl, &ri, ids[i], &err);
		runlog_end_run(rl, ids[i], i == 4 ? "failed" : "ok", NULL, &err);
	}
	/* Fixed ids so prefixes are predictable. */
	sqlite3 *db = runlog_db(rl);
	const char *fixed[5] = { "a0000000000000000000000000000001", "a0000000000000000000000000000002",
				 "a1000000000000000000000000000003", "b0000000000000000000000000000004",
				 "c0000000000000000000000000000005" };
	for (int i = 0; i < 5; i++) {
		char *sql = sqlite3_mprintf("UPDATE runs SET id = %Q, started = %d WHERE id = %Q",
					    fixed[i], 1000 + i, ids[i]);
		sqlite3_exec(db, sql, NULL, NULL, NULL);
		sqlite3_free(sql);
	}

	ok(runlog_resolve(rl, "b", id, &err) == 0, "unique one-digit prefix");
	is_str(id, fixed[3], "resolves to the full id");
	ok(runlog_resolve(rl, "A1", id, &err) == 0 && !strcmp(id, fixed[2]), "upper case accepted");
	ok(runlog_resolve(rl, fixed[4], id, &err) == 0, "full id resolves");
	ok(runlog_resolve(rl, "a", id, &err) < 0, "ambiguous prefix fails");
	is_str(err.msg, "run prefix 'a' is ambiguous (3 runs)", "ambiguous message");
	ok(runlog_resolve(rl, "ab", id, &err) < 0, "unknown prefix fails");
	is_str(err.msg, "no run matches 'ab'", "no match message");
	ok(runlog_resolve(rl, "a*", id, &err) < 0, "glob characters never match");
	is_str(err.msg, "no run matches 'a*'", "non-hex message");
	ok(runlog_resolve(rl, "", id, &err) < 0, "empty prefix fails");

	json_t *list;
	ok(runlog_list_runs(rl, 0, NULL, &list, &err) == 0, "list all");
	is_int(json_array_size(list), 5, "five runs");
	is_str(json_string_value(json_object_get(json_array_get(list, 0), "id")), fixed[4],
	       "newest first");
	json_decref(list);
	ok(runlog_list_runs(rl, 2, NULL, &list, &err) == 0, "list with limit");
	is_int(json_array_size(list), 2, "limit 2");
	json_decref(list);
	ok(runlog_list_runs(rl, 0, "kind = 'train'", &list, &err) == 0, "list with where");
	is_int(json_array_size(list), 2, "two train runs");
	json_decref(list);
	ok(runlog_list_runs(rl, 1, "status = 'ok' AND kind = 'run'", &list, &err) == 0,
	   "where and limit");
	is_str(json_string_value(json_object_get(json_array_get(list, 0), "id")), fixed[2],
	       "newest ok run");
	json_decref(list);
	ok(runlog_list_runs(rl, 0, "id IN (SELECT run_id FROM metrics)", &list, &err) == 0,
	   "subquery in where");
	json_decref(list);

	ok(runlog_list_runs(rl, 0, "no_such_column = 1", &list, &err) < 0, "bad where fails");
	like(err.msg, "bad run filter 'no_such_column = 1': no such column", "quotes the condition");
	ok(!list, "no output on error");
	ok(runlog_list_runs(rl, 0, "1); DELETE FROM runs; --", &list, &err) < 0,
	   "a second statement is refused");
	ok(runlog_list_runs(rl, 0, "(SELECT count(*) FROM runs) > 0", &list, &err) == 0,
	   "reading subqueries work");
	json_decref(list);
	char *n = sql1(p, "SELECT count(*) FROM runs");
	is_str(n, "5", "nothing deleted");
	free(n);
	runlog_close(rl);
	free(p);
}

/* Two processes add 200 steps each to one run: no SQLITE_BUSY, gapless seq. */
static void test_concurrent(void)
{
	struct wb_err err;
	struct runlog *rl;
	char *p = path_in("conc.db");
	char id[RUNLOG_ID_LEN];

	runlog_open(p, &rl, &err);
	runlog_begin_run(rl, &basic_info, id, &err);
	runlog_close(rl); /* never carry a connection across fork */

	pid_t kids[2];
	for (int k = 0; k < 2; k++) {
		kids[k] = fork();
		if (kids[k] == 0) {
			struct runlog *c;
			struct wb_err e;
			if (runlog_open(p, &c, &e) < 0)
				_exit(10);
			for (int i = 0; i < 200; i++) {
				struct step_rec s = { .kind = k ? "b" : "a", .rows = i, .cols = k,
						      .seconds = 0, .status = "ok" };
				if (runlog_add_step(c, id, &s, NULL, &e) < 0) {
					fprintf(stderr, "# child %d: %s\n", k, e.msg);
					_exit(11);
				}
				if (runlog_log_metric(c, id, k ? "mb" : "ma", i, i, &e) < 0)
					_exit(12);
			}
			runlog_close(c);
			_exit(0);
		}
	}
	int okc = 1;
	for (int k = 0; k < 2; k++) {
		int status;
		waitpid(kids[k], &status, 0);
		okc &= WIFEXITED(status) && WEXITSTATUS(status) == 0;
	}
	ok(okc, "two writer processes finish without errors");
	char *v = sql1(p, "SELECT count(*) || ' ' || count(DISTINCT seq) || ' ' || min(seq) || ' ' "
		       "|| max(seq) FROM steps");
	is_str(v, "400 400 1 400", "400 steps, numbered 1..400 without gaps");
	free(v);
	v = sql1(p, "SELECT count(*) FROM metrics");
	is_str(v, "400", "400 metric points");
	free(v);
	free(p);
}

/* A child begins a run and is SIGKILLed while writing steps. */
static void test_killed(void)
{
	struct wb_err err;
	struct runlog *rl;
	char *p = path_in("kill.db");
	int fds[2];
	char id[RUNLOG_ID_LEN] = "";

	runlog_open(p, &rl, &err); /* create the schema before forking */
	runlog_close(rl);
	if (pipe(fds) < 0)
		return;
	pid_t kid = fork();
	if (kid == 0) {
		struct runlog *c;
		struct wb_err e;
		char cid[RUNLOG_ID_LEN];
		close(fds[0]);
		if (runlog_open(p, &c, &e) < 0 || runlog_begin_run(c, &basic_info, cid, &e) < 0)
			_exit(10);
		for (int i = 0;; i++) {
			struct step_rec s = { .kind = "loop", .rows = i, .cols = 1, .status = "ok" };
			runlog_add_step(c, cid, &s, NULL, &e);
			if (i == 5 && write(fds[1], cid, RUNLOG_ID_LEN) != RUNLOG_ID_LEN)
				_exit(11);
		}
	}
	close(fds[1]);
	ssize_t n = read(fds[0], id, RUNLOG_ID_LEN);
	close(fds[0]);
	ok(n == RUNLOG_ID_LEN, "child began a run");
	usleep(50 * 1000);
	kill(kid, SIGKILL);
	int status;
	waitpid(kid, &status, 0);
	ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "child killed with SIGKILL");

	char *v = sql1(p, "SELECT status FROM runs");
	is_str(v, "running", "the row still says running before any reader looks");
	free(v);

	ok(runlog_open(p, &rl, &err) == 0, "reopen after the kill");
	json_t *run;
	if (!ok(runlog_show_run(rl, id, &run, &err) == 0, "show the killed run"))
		diag(err.msg);
	is_str(json_string_value(json_object_get(run, "status")), "interrupted", "shown as interrupted");
	like(json_string_value(json_object_get(run, "message")), "ended without finishing",
	     "message says why");
	size_t nsteps = json_array_size(json_object_get(run, "steps"));
	ok(nsteps >= 6, "finished steps are kept (%zu)", nsteps);
	json_t *last = json_array_get(json_object_get(run, "steps"), nsteps - 1);
	is_int(json_integer_value(json_object_get(last, "seq")), (long long)nsteps,
	       "steps are whole: seq 1..n");
	json_decref(run);
	runlog_close(rl);
	v = sql1(p, "SELECT status FROM runs");
	is_str(v, "interrupted", "and stored as interrupted");
	free(v);
	v = sql1(p, "PRAGMA integrity_check");
	is_str(v, "ok", "integrity_check ok");
	free(v);

	/* A live pid that now belongs to a later process (pid reuse). */
	char id2[RUNLOG_ID_LEN];
	runlog_open(p, &rl, &err);
	runlog_begin_run(rl, &basic_info, id2, &err);
	char *sql = sqlite3_mprintf("UPDATE runs SET proc_start = proc_start - 1000 WHERE id = %Q", id2);
	sqlite3_exec(runlog_db(rl), sql, NULL, NULL, NULL);
	sqlite3_free(sql);
	json_t *list;
	runlog_list_runs(rl, 0, NULL, &list, &err);
	is_str(json_string_value(json_object_get(json_array_get(list, 0), "status")), "interrupted",
	       "a reused pid does not keep a run running");
	json_decref(list);
	runlog_close(rl);

	/* Read-only readers show it without storing it. */
	char id3[RUNLOG_ID_LEN];
	runlog_open(p, &rl, &err);
	runlog_begin_run(rl, &basic_info, id3, &err);
	sql = sqlite3_mprintf("UPDATE runs SET pid = 999999999 WHERE id = %Q", id3);
	sqlite3_exec(runlog_db(rl), sql, NULL, NULL, NULL);
	sqlite3_free(sql);
	runlog_close(rl);
	ok(runlog_open_flags(p, RUNLOG_READ_ONLY, &rl, &err) == 0, "read-only reopen");
	runlog_list_runs(rl, 1, NULL, &list, &err);
	is_str(json_string_value(json_object_get(json_array_get(list, 0), "status")), "interrupted",
	       "read-only list shows interrupted");
	json_decref(list);
	runlog_close(rl);
	sql = sqlite3_mprintf("SELECT status FROM runs WHERE id = '%q'", id3);
	v = sql1(p, sql);
	sqlite3_free(sql);
	is_str(v, "running", "but does not store it");
	free(v);
	free(p);
}

static void test_migration(void)
{
	struct wb_err err;
	struct runlog *rl;
	char *p = path_in("old.db");
	sqlite3 *db;

	/* A version-0 database made by hand, with a table of its own. */
	sqlite3_open(p, &db);
	sqlite3_exec(db, "CREATE TABLE notes (x TEXT); INSERT INTO notes VALUES ('keep me');",
		     NULL, NULL, NULL);
	sqlite3_close(db);
	if (!ok(runlog_open(p, &rl, &err) == 0, "a v0 database is migrated"))
		diag(err.msg);
	runlog_close(rl);
	char *v = sql1(p, "PRAGMA user_version");
	is_str(v, "1", "now at the current version");
	free(v);
	v = sql1(p, "SELECT x FROM notes");
	is_str(v, "keep me", "existing data kept");
	free(v);
	v = sql1(p, "SELECT count(*) FROM runs");
	is_str(v, "0", "runs table exists");
	free(v);

	/* A database from a newer wb. */
	sqlite3_open(p, &db);
	sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL);
	sqlite3_close(db);
	ok(runlog_open(p, &rl, &err) < 0, "a newer schema is refused");
	like(err.msg, "has schema version 99, newer than this wb", "says it is newer");
	v = sql1(p, "PRAGMA user_version");
	is_str(v, "99", "and leaves it alone");
	free(v);

	/* A v0 database that already has a clashing table fails cleanly. */
	char *q = path_in("clash.db");
	sqlite3_open(q, &db);
	sqlite3_exec(db, "CREATE TABLE runs (x)", NULL, NULL, NULL);
	sqlite3_close(db);
	ok(runlog_open(q, &rl, &err) < 0, "a clashing v0 database fails");
	like(err.msg, "cannot migrate run log", "migration error");
	v = sql1(q, "PRAGMA user_version");
	is_str(v, "0", "the failed migration rolled back");
	free(v);
	free(q);
	free(p);
}

static void test_default_path(void)
{
	char *base = path_in("proj");
	char *deep = xasprintf("%s/a/b", base);
	char *wbdir = xasprintf("%s/.wb", base);
	char *a = xasprintf("%s/a", base);
	mkdir(base, 0777);
	mkdir(a, 0777);
	mkdir(deep, 0777);
	char *p = runlog_default_path(deep);
	char *want = xasprintf("%s/a/b/.wb/runs.db", base);
	is_str(p, want, "no .wb/ anywhere: here");
	free(p);
	free(want);
	mkdir(wbdir, 0777);
	p = runlog_default_path(deep);
	want = xasprintf("%s/.wb/runs.db", base);
	is_str(p, want, "nearest parent holding .wb/");
	free(p);
	free(want);
	free(a);
	free(base);
	free(deep);
	free(wbdir);
}

int main(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "%s/wb-runlog.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_open();
	test_roundtrip();
	test_resolve_and_list();
	test_concurrent();
	test_killed();
	test_migration();
	test_default_path();
	if (!tap_failed) {
		char *cmd = xasprintf("rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			diag("could not remove the temporary directory");
		free(cmd);
	} else {
		printf("# files kept in %s\n", tmpdir);
	}
	return tap_done();
}
