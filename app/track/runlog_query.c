/*
 * runlog_query — the read side of the run log: id prefixes, run listings
 * and one run in full, as JSON (contract in runlog.h).  Readers run the
 * interrupted-run sweep first, so a run whose process died shows as such.
 */
#include "track/runlog.h"
#include "track/runlog_int.h"

#include <sqlite3.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


int runlog_resolve(struct runlog *rl, const char *prefix, char id[RUNLOG_ID_LEN],
		   struct wb_err *err)
{
	char lower[RUNLOG_ID_LEN];
	size_t n = prefix ? strlen(prefix) : 0;
	if (n == 0)
		return wb_error(err, "empty run id");
	/* Only hex digits can match; checking also keeps GLOB metacharacters
	 * out of the pattern below. */
	if (n > RUNLOG_ID_LEN - 1 || strspn(prefix, "0123456789abcdefABCDEF") != n)
		return wb_error(err, "no run matches '%s'", prefix);
	for (size_t i = 0; i <= n; i++)
		lower[i] = (char)(prefix[i] >= 'A' && prefix[i] <= 'F' ? prefix[i] - 'A' + 'a' : prefix[i]);

	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(rl->db, "SELECT count(*), min(id) FROM runs WHERE id GLOB ?1 || '*'",
			       -1, &st, NULL) != SQLITE_OK)
		return runlog_int_db_error(rl, err, "cannot look up run");
	runlog_int_bind_str(st, 1, lower);
	int ret;
	if (sqlite3_step(st) != SQLITE_ROW) {
		ret = runlog_int_db_error(rl, err, "cannot look up run");
	} else {
		int64_t count = sqlite3_column_int64(st, 0);
		const char *first = (const char *)sqlite3_column_text(st, 1);
		if (count == 0)
			ret = wb_error(err, "no run matches '%s'", prefix);
		else if (count > 1)
			ret = wb_error(err, "run prefix '%s' is ambiguous (%lld runs)", prefix,
				       (long long)count);
		else if (!first || strlen(first) != RUNLOG_ID_LEN - 1)
			ret = wb_error(err, "run '%s' has a malformed id", prefix);
		else {
			memcpy(id, first, RUNLOG_ID_LEN);
			ret = 0;
		}
	}
	sqlite3_finalize(st);
	return ret;
}

/* "2024-05-01T12:00:00Z" */
static void iso_utc(double t, char buf[32])
{
	time_t s = (time_t)floor(t);
	struct tm tm;
	gmtime_r(&s, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Sets key (ISO 8601 UTC text) and key_unix (seconds), or nulls. */
static void put_time(json_t *obj, const char *key, sqlite3_stmt *st, int col)
{
	char k2[64];
	snprintf(k2, sizeof(k2), "%s_unix", key);
	if (sqlite3_column_type(st, col) == SQLITE_NULL) {
		json_object_set_new(obj, key, json_null());
		json_object_set_new(obj, k2, json_null());
		return;
	}
	double t = sqlite3_column_double(st, col);
	char buf[32];
	iso_utc(t, buf);
	json_object_set_new(obj, key, json_string(buf));
	json_object_set_new(obj, k2, json_real(t));
}

/* A column holding JSON text: parsed, or kept as a string if it does not
 * parse (written by an older or foreign tool). */
static json_t *json_col(sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return json_null();
	const char *s = (const char *)sqlite3_column_text(st, col);
	json_t *v = json_loads(s, JSON_DECODE_ANY, NULL);
	return v ? v : json_string(s);
}

static json_t *plain_col(sqlite3_stmt *st, int col)
{
	switch (sqlite3_column_type(st, col)) {
	case SQLITE_INTEGER:
		return json_integer(sqlite3_column_int64(st, col));
	case SQLITE_FLOAT:
		return json_real(sqlite3_column_double(st, col));
	case SQLITE_TEXT:
		return json_stringn((const char *)sqlite3_column_text(st, col),
				    (size_t)sqlite3_column_bytes(st, col));
	case SQLITE_BLOB:
		return json_string("(blob)");
	default:
		return json_null();
	}
}

/* Seeds are uint64; JSON integers are int64 here, so huge seeds become text. */
static json_t *seed_col(sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return json_null();
	int64_t v = sqlite3_column_int64(st, col);
	if (v >= 0)
		return json_integer(v);
	char buf[32];
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)(uint64_t)v);
	return json_string(buf);
}

static json_t *rowcount_col(sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL || sqlite3_column_int64(st, col) < 0)
		return json_null();
	return json_integer(sqlite3_column_int64(st, col));
}

/*
 * One row as an object, every column in table order.  Columns with a
 * meaning beyond their SQL type are converted: times to ISO text plus
 * *_unix, JSON text parsed, seed unsigned, git_dirty a boolean, rows/cols
 * null when unknown.  Unknown columns (a newer schema) pass through.
 */
static json_t *row_object(sqlite3_stmt *st)
{
	json_t *o = json_object();
	int n = sqlite3_column_count(st);
	for (int i = 0; i < n; i++) {
		const char *name = sqlite3_column_name(st, i);
		if (!strcmp(name, "run_id"))
			continue; /* implied by the parent */
		if (!strcmp(name, "started") || !strcmp(name, "ended") ||
		    !strcmp(name, "created") || !strcmp(name, "time"))
			put_time(o, name, st, i);
		else if (!strcmp(name, "argv") || !strcmp(name, "params") ||
			 !strcmp(name, "inputs") || !strcmp(name, "schema"))
			json_object_set_new(o, name, json_col(st, i));
		else if (!strcmp(name, "seed"))
			json_object_set_new(o, name, seed_col(st, i));
		else if (!strcmp(name, "rows") || !strcmp(name, "cols"))
			json_object_set_new(o, name, rowcount_col(st, i));
		else if (!strcmp(name, "git_dirty"))
			json_object_set_new(o, name, sqlite3_column_type(st, i) == SQLITE_NULL ||
					    sqlite3_column_int(st, i) < 0 ? json_null()
					    : json_boolean(sqlite3_column_int(st, i)));
		else
			json_object_set_new(o, name, plain_col(st, i));
	}
	return o;
}

/* A run found interrupted on a read-only connection shows as such. */
static void apply_dead(const struct runlog *rl, json_t *run)
{
	const char *id = json_string_value(json_object_get(run, "id"));
	const char *status = json_string_value(json_object_get(run, "status"));
	if (id && status && !strcmp(status, "running") && runlog_int_is_dead(rl, id))
		json_object_set_new(run, "status", json_string("interrupted"));
}

/* Runs a query bound to one run id; each row (via row_object) is appended
 * to the array `arr`, or, with key_col >= 0, set in the object `arr` under
 * that column's text with the value column `val_col` (JSON when is_json). */
static int collect(struct runlog *rl, const char *sql, const char *run_id, json_t *arr,
		   int key_col, int val_col, int is_json, struct wb_err *err)
{
	sqlite3_stmt *st;
	int rc;
	if (sqlite3_prepare_v2(rl->db, sql, -1, &st, NULL) != SQLITE_OK)
		return runlog_int_db_error(rl, err, "cannot read run");
	runlog_int_bind_str(st, 1, run_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (key_col < 0) {
			json_array_append_new(arr, row_object(st));
		} else {
			const char *k = (const char *)sqlite3_column_text(st, key_col);
			json_object_set_new(arr, k ? k : "", is_json ? json_col(st, val_col)
					    : plain_col(st, val_col));
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : runlog_int_db_error(rl, err, "cannot read run");
}

/* The last value logged for each metric key, keys in name order. */
static const char last_metrics_sql[] =
	"SELECT key, value FROM metrics WHERE rowid IN "
	"(SELECT max(rowid) FROM metrics WHERE run_id = ?1 GROUP BY key) ORDER BY key";

/* Authorizer for the user's --where condition: reading only.  It is trusted
 * input from the user's own command line, but a filter has no business
 * writing, and this stops a stray `; DROP ...`-style mistake cold. */
static int read_only_auth(void *ud, int action, const char *a, const char *b,
			  const char *c, const char *d)
{
	switch (action) {
	case SQLITE_SELECT:
	case SQLITE_READ:
	case SQLITE_FUNCTION:
	case SQLITE_RECURSIVE:
		return SQLITE_OK;
	default:
		return SQLITE_DENY;
	}
}

int runlog_list_runs(struct runlog *rl, int limit, const char *where, json_t **out,
		     struct wb_err *err)
{
	*out = NULL;
	if (runlog_int_sweep(rl, err) < 0)
		return -1;

	char *sql = xasprintf("SELECT id, kind, name, status, started, seconds, seed, wb_version "
			      "FROM runs%s%s%s ORDER BY started DESC, rowid DESC LIMIT %d",
			      where ? " WHERE (" : "", where ? where : "", where ? ")" : "",
			      limit > 0 ? limit : -1);
	sqlite3_stmt *st;
	const char *tail = NULL;
	sqlite3_set_authorizer(rl->db, read_only_auth, NULL);
	int rc = sqlite3_prepare_v2(rl->db, sql, -1, &st, &tail);
	sqlite3_set_authorizer(rl->db, NULL, NULL);
	/* The tail points into sql: look at it before freeing. */
	int trailing = rc == SQLITE_OK && tail && tail[strspn(tail, " \t\r\n")];
	free(sql);
	if (rc != SQLITE_OK) {
		if (where)
			return wb_error(err, "bad run filter '%s': %s", where, sqlite3_errmsg(rl->db));
		return runlog_int_db_error(rl, err, "cannot list runs");
	}
	if (trailing) {
		sqlite3_finalize(st);
		return wb_error(err, "bad run filter '%s': text after the condition", where);
	}

	sqlite3_stmt *mst;
	if (sqlite3_prepare_v2(rl->db, last_metrics_sql, -1, &mst, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return runlog_int_db_error(rl, err, "cannot list runs");
	}
	json_t *arr = json_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *run = row_object(st);
		apply_dead(rl, run);
		json_t *m = json_object();
		sqlite3_reset(mst);
		sqlite3_bind_text(mst, 1, (const char *)sqlite3_column_text(st, 0), -1, SQLITE_TRANSIENT);
		int mrc;
		while ((mrc = sqlite3_step(mst)) == SQLITE_ROW)
			json_object_set_new(m, (const char *)sqlite3_column_text(mst, 0), plain_col(mst, 1));
		json_object_set_new(run, "metrics", m);
		json_array_append_new(arr, run);
		if (mrc != SQLITE_DONE) {
			rc = mrc;
			break;
		}
	}
	if (rc != SQLITE_DONE) {
		/* Runtime errors in the filter (e.g. a bad function argument) land here. */
		if (where)
			wb_error(err, "bad run filter '%s': %s", where, sqlite3_errmsg(rl->db));
		else
			runlog_int_db_error(rl, err, "cannot list runs");
		sqlite3_finalize(st);
		sqlite3_finalize(mst);
		json_decref(arr);
		return -1;
	}
	sqlite3_finalize(st);
	sqlite3_finalize(mst);
	*out = arr;
	return 0;
}

int runlog_show_run(struct runlog *rl, const char *id_or_prefix, json_t **out,
		    struct wb_err *err)
{
	char id[RUNLOG_ID_LEN];
	*out = NULL;
	if (runlog_int_sweep(rl, err) < 0)
		return -1;
	if (runlog_resolve(rl, id_or_prefix, id, err) < 0)
		return -1;

	/* One read transaction, so the run and its children are one snapshot
	 * even while another process is writing steps. */
	if (sqlite3_exec(rl->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return runlog_int_db_error(rl, err, "cannot read run");
	sqlite3_stmt *st;
	json_t *run = NULL;
	int ret = 0;
	if (sqlite3_prepare_v2(rl->db, "SELECT * FROM runs WHERE id = ?1", -1, &st, NULL) != SQLITE_OK) {
		ret = runlog_int_db_error(rl, err, "cannot read run");
	} else {
		runlog_int_bind_str(st, 1, id);
		int rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			run = row_object(st);
		else if (rc == SQLITE_DONE)
			ret = wb_error(err, "no run matches '%s'", id_or_prefix);
		else
			ret = runlog_int_db_error(rl, err, "cannot read run");
		sqlite3_finalize(st);
	}
	if (ret == 0) {
		apply_dead(rl, run);
		json_t *steps = json_array(), *params = json_object(), *metrics = json_array(),
			*tags = json_object(), *datasets = json_array(), *artifacts = json_array();
		json_object_set_new(run, "steps", steps);
		json_object_set_new(run, "params", params);
		json_object_set_new(run, "metrics", metrics);
		json_object_set_new(run, "tags", tags);
		json_object_set_new(run, "datasets", datasets);
		json_object_set_new(run, "artifacts", artifacts);
		if (collect(rl, "SELECT seq, kind, params, inputs, output_hash, rows, cols, started, "
			    "seconds, status, message FROM steps WHERE run_id = ?1 ORDER BY seq",
			    id, steps, -1, 0, 0, err) < 0 ||
		    collect(rl, "SELECT key, value FROM params WHERE run_id = ?1 ORDER BY key",
			    id, params, 0, 1, 1, err) < 0 ||
		    collect(rl, "SELECT key, value, step, time FROM metrics WHERE run_id = ?1 "
			    "ORDER BY rowid", id, metrics, -1, 0, 0, err) < 0 ||
		    collect(rl, "SELECT key, value FROM tags WHERE run_id = ?1 ORDER BY key",
			    id, tags, 0, 1, 0, err) < 0 ||
		    collect(rl, "SELECT hash, path, rows, cols, schema FROM datasets "
			    "WHERE run_id = ?1 ORDER BY rowid", id, datasets, -1, 0, 0, err) < 0 ||
		    collect(rl, "SELECT path, sha256, bytes, kind, created FROM artifacts "
			    "WHERE run_id = ?1 ORDER BY rowid", id, artifacts, -1, 0, 0, err) < 0)
			ret = -1;
	}
	sqlite3_exec(rl->db, "COMMIT", NULL, NULL, NULL);
	if (ret < 0) {
		json_decref(run);
		return -1;
	}
	*out = run;
	return 0;
}

int runlog_last_metric(struct runlog *rl, const char *run_id, const char *key, double *value,
		       struct wb_err *err)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(rl->db, "SELECT value FROM metrics WHERE run_id = ?1 AND key = ?2 "
			       "ORDER BY rowid DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return runlog_int_db_error(rl, err, "cannot read metrics");
	runlog_int_bind_str(st, 1, run_id);
	runlog_int_bind_str(st, 2, key);
	int rc = sqlite3_step(st), r;
	if (rc == SQLITE_ROW) {
		*value = sqlite3_column_type(st, 0) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 0);
		r = 0;
	} else if (rc == SQLITE_DONE) {
		r = 1;
	} else {
		r = runlog_int_db_error(rl, err, "cannot read metrics");
	}
	sqlite3_finalize(st);
	return r;
}
