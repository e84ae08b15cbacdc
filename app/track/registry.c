/*
 * registry — the models / aliases / alias_history tables of the run log
 * (schema in runlog.c; see registry.h for the rules).
 *
 * Version numbers are assigned inside the BEGIN IMMEDIATE transaction
 * (max + 1), so two processes registering the same name at once get
 * distinct versions instead of a constraint error.
 */
#include "track/registry.h"
#include "track/runlog_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

static double now(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

int registry_check_name(const char *name, const char *what, struct wb_err *err)
{
	size_t n = name ? strlen(name) : 0;
	int digits = 1;
	if (n == 0 || n > 100 || !isalnum((unsigned char)name[0]))
		return wb_error(err, "bad %s name '%s': 1-100 characters of letters, digits, "
				"'_', '.' and '-', starting with a letter or digit", what,
				name ? name : "");
	for (size_t k = 0; k < n; k++) {
		unsigned char c = (unsigned char)name[k];
		if (!isalnum(c) && c != '_' && c != '.' && c != '-')
			return wb_error(err, "bad %s name '%s': '%c' is not allowed (letters, "
					"digits, '_', '.', '-')", what, name, c);
		digits &= isdigit(c) != 0;
	}
	if (digits && !strcmp(what, "alias"))
		return wb_error(err, "bad alias name '%s': all digits would read as a version",
				name);
	return 0;
}

/* Prepares sql; on failure fills err (with what) and returns NULL. */
static sqlite3_stmt *prepare(struct runlog *rl, const char *sql, const char *what,
			     struct wb_err *err)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(rl->db, sql, -1, &st, NULL) != SQLITE_OK) {
		runlog_int_db_error(rl, err, what);
		return NULL;
	}
	return st;
}

/* One integer from a query with text parameters (NULL binds NULL);
 * 1 found, 0 no row (or NULL), -1 error. */
static int query_int(struct runlog *rl, const char *sql, const char *what, int64_t *out,
		     struct wb_err *err, const char *a, const char *b)
{
	sqlite3_stmt *st = prepare(rl, sql, what, err);
	if (!st)
		return -1;
	runlog_int_bind_str(st, 1, a);
	if (b)
		runlog_int_bind_str(st, 2, b);
	int rc = sqlite3_step(st), found = 0;
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*out = sqlite3_column_int64(st, 0);
		found = 1;
	} else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		found = runlog_int_db_error(rl, err, what);
	}
	sqlite3_finalize(st);
	return found;
}

int registry_register(struct runlog *rl, const char *name, const char *run_id,
		      const char *bundle, const char *sha256, int64_t *version,
		      struct wb_err *err)
{
	char what[200];
	snprintf(what, sizeof(what), "cannot register model '%.100s'", name ? name : "");
	if (registry_check_name(name, "model", err) < 0)
		return -1;
	if (!run_id && !bundle)
		return wb_error(err, "%s: give a run or a bundle", what);
	char full[RUNLOG_ID_LEN];
	if (run_id) {
		if (runlog_resolve(rl, run_id, full, err) < 0)
			return wb_error_prefix(err, "%s", what);
		run_id = full;
	}
	if (runlog_int_tx_begin(rl, what, err) < 0)
		return -1;
	int64_t last = 0;
	int rc = query_int(rl, "SELECT max(version) FROM models WHERE name = ?1", what, &last,
			   err, name, NULL);
	if (rc >= 0) {
		rc = 0;
		sqlite3_stmt *st = prepare(rl, "INSERT INTO models (name, version, run_id, bundle, "
					   "sha256, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", what,
					   err);
		if (!st) {
			rc = -1;
		} else {
			runlog_int_bind_str(st, 1, name);
			sqlite3_bind_int64(st, 2, last + 1);
			runlog_int_bind_str(st, 3, run_id);
			runlog_int_bind_str(st, 4, bundle);
			runlog_int_bind_str(st, 5, sha256);
			sqlite3_bind_double(st, 6, now());
			if (sqlite3_step(st) != SQLITE_DONE)
				rc = runlog_int_db_error(rl, err, what);
			sqlite3_finalize(st);
		}
	}
	rc = runlog_int_tx_end(rl, rc < 0 ? -1 : 0, what, err);
	if (rc == 0)
		*version = last + 1;
	return rc;
}

/* Appends one alias_history row (inside the caller's transaction). */
static int add_history(struct runlog *rl, const char *name, const char *alias,
		       const int64_t *version, const int64_t *previous, const char *message,
		       const char *what, struct wb_err *err)
{
	sqlite3_stmt *st = prepare(rl, "INSERT INTO alias_history (name, alias, version, "
				   "previous, time, user, host, message) VALUES "
				   "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", what, err);
	if (!st)
		return -1;
	runlog_int_bind_str(st, 1, name);
	runlog_int_bind_str(st, 2, alias);
	if (version)
		sqlite3_bind_int64(st, 3, *version);
	if (previous)
		sqlite3_bind_int64(st, 4, *previous);
	sqlite3_bind_double(st, 5, now());
	runlog_int_bind_str(st, 6, runlog_int_user());
	runlog_int_bind_str(st, 7, rl->host);
	runlog_int_bind_str(st, 8, message);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : runlog_int_db_error(rl, err, what);
	sqlite3_finalize(st);
	return rc;
}

int registry_set_alias(struct runlog *rl, const char *name, const char *alias,
		       int64_t version, const char *message, struct wb_err *err)
{
	char what[300];
	snprintf(what, sizeof(what), "cannot set alias '%.100s' of model '%.100s'",
		 alias ? alias : "", name ? name : "");
	if (registry_check_name(name, "model", err) < 0 ||
	    registry_check_name(alias, "alias", err) < 0)
		return -1;
	if (runlog_int_tx_begin(rl, what, err) < 0)
		return -1;
	int64_t have = 0, prev = 0;
	char vtext[32];
	snprintf(vtext, sizeof(vtext), "%lld", (long long)version);
	int rc = query_int(rl, "SELECT version FROM models WHERE name = ?1 AND version = ?2",
			   what, &have, err, name, vtext);
	if (rc == 0)
		rc = wb_error(err, "%s: model '%s' has no version %lld", what, name,
			      (long long)version);
	int had = rc < 0 ? -1 : query_int(rl, "SELECT version FROM aliases WHERE name = ?1 "
					  "AND alias = ?2", what, &prev, err, name, alias);
	if (rc >= 0 && had >= 0) {
		sqlite3_stmt *st = prepare(rl, "INSERT OR REPLACE INTO aliases (name, alias, "
					   "version, set_at) VALUES (?1, ?2, ?3, ?4)", what, err);
		rc = st ? 0 : -1;
		if (st) {
			runlog_int_bind_str(st, 1, name);
			runlog_int_bind_str(st, 2, alias);
			sqlite3_bind_int64(st, 3, version);
			sqlite3_bind_double(st, 4, now());
			if (sqlite3_step(st) != SQLITE_DONE)
				rc = runlog_int_db_error(rl, err, what);
			sqlite3_finalize(st);
		}
		if (rc == 0)
			rc = add_history(rl, name, alias, &version, had ? &prev : NULL, message,
					 what, err);
	} else {
		rc = -1;
	}
	return runlog_int_tx_end(rl, rc, what, err);
}

int registry_remove_alias(struct runlog *rl, const char *name, const char *alias,
			  const char *message, struct wb_err *err)
{
	char what[300];
	snprintf(what, sizeof(what), "cannot remove alias '%.100s' of model '%.100s'",
		 alias ? alias : "", name ? name : "");
	if (runlog_int_tx_begin(rl, what, err) < 0)
		return -1;
	int64_t prev = 0;
	int rc = query_int(rl, "SELECT version FROM aliases WHERE name = ?1 AND alias = ?2",
			   what, &prev, err, name, alias);
	if (rc == 0)
		rc = wb_error(err, "%s: it is not set", what);
	if (rc > 0) {
		sqlite3_stmt *st = prepare(rl, "DELETE FROM aliases WHERE name = ?1 AND alias = ?2",
					   what, err);
		rc = st ? 0 : -1;
		if (st) {
			runlog_int_bind_str(st, 1, name);
			runlog_int_bind_str(st, 2, alias);
			if (sqlite3_step(st) != SQLITE_DONE)
				rc = runlog_int_db_error(rl, err, what);
			sqlite3_finalize(st);
		}
		if (rc == 0)
			rc = add_history(rl, name, alias, NULL, &prev, message, what, err);
	}
	return runlog_int_tx_end(rl, rc < 0 ? -1 : 0, what, err);
}

static void copy_text(char *dst, size_t size, sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	snprintf(dst, size, "%s", t ? (const char *)t : "");
}

int registry_resolve(struct runlog *rl, const char *ref, struct registry_entry *out,
		     struct wb_err *err)
{
	char what[200];
	snprintf(what, sizeof(what), "cannot resolve model '%.100s'", ref ? ref : "");
	memset(out, 0, sizeof(*out));
	char name[128];
	const char *sep = ref ? strpbrk(ref, ":@") : NULL;
	size_t n = sep ? (size_t)(sep - ref) : (ref ? strlen(ref) : 0);
	if (n == 0 || n >= sizeof(name))
		return wb_error(err, "%s: expected name, name:VERSION or name@ALIAS", what);
	memcpy(name, ref, n);
	name[n] = 0;
	int64_t version = 0;
	int rc;
	if (!sep) {
		rc = query_int(rl, "SELECT max(version) FROM models WHERE name = ?1", what, &version,
			       err, name, NULL);
		if (rc == 0)
			return wb_error(err, "%s: no model named '%s'", what, name);
	} else {
		char *end;
		long long v = strtoll(sep + 1, &end, 10);
		if (*end == 0 && end != sep + 1) {
			version = v;
			rc = 1;
		} else if (*sep == '@') {
			rc = query_int(rl, "SELECT version FROM aliases WHERE name = ?1 AND alias = ?2",
				       what, &version, err, name, sep + 1);
			if (rc == 0)
				return wb_error(err, "%s: model '%s' has no alias '%s'", what, name,
						sep + 1);
		} else {
			return wb_error(err, "%s: '%s' is not a version number", what, sep + 1);
		}
	}
	if (rc < 0)
		return -1;
	sqlite3_stmt *st = prepare(rl, "SELECT name, version, run_id, bundle, sha256, created "
				   "FROM models WHERE name = ?1 AND version = ?2", what, err);
	if (!st)
		return -1;
	runlog_int_bind_str(st, 1, name);
	sqlite3_bind_int64(st, 2, version);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		copy_text(out->name, sizeof(out->name), st, 0);
		out->version = sqlite3_column_int64(st, 1);
		copy_text(out->run_id, sizeof(out->run_id), st, 2);
		copy_text(out->bundle, sizeof(out->bundle), st, 3);
		copy_text(out->sha256, sizeof(out->sha256), st, 4);
		out->created = sqlite3_column_double(st, 5);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = wb_error(err, "%s: model '%s' has no version %lld", what, name,
			      (long long)version);
	} else {
		rc = runlog_int_db_error(rl, err, what);
	}
	sqlite3_finalize(st);
	return rc;
}

/* Column i of the current row as JSON (text, integer, real or null). */
static json_t *column_json(sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		return json_integer(sqlite3_column_int64(st, i));
	case SQLITE_FLOAT:
		return json_real(sqlite3_column_double(st, i));
	case SQLITE_TEXT:
		return json_string((const char *)sqlite3_column_text(st, i));
	default:
		return json_null();
	}
}

/* Rows of a query with an optional text parameter as objects. */
static int rows_json(struct runlog *rl, const char *sql, const char *param, const char *what,
		     json_t **out, struct wb_err *err)
{
	sqlite3_stmt *st = prepare(rl, sql, what, err);
	if (!st)
		return -1;
	runlog_int_bind_str(st, 1, param);
	json_t *a = json_array();
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *o = json_object();
		for (int i = 0; i < sqlite3_column_count(st); i++)
			json_object_set_new(o, sqlite3_column_name(st, i), column_json(st, i));
		json_array_append_new(a, o);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		json_decref(a);
		return runlog_int_db_error(rl, err, what);
	}
	*out = a;
	return 0;
}

int registry_list(struct runlog *rl, const char *name, json_t **out, struct wb_err *err)
{
	const char *what = "cannot list models";
	json_t *models, *aliases;
	if (rows_json(rl, "SELECT name, version, run_id, bundle, sha256, created FROM models "
		      "WHERE ?1 IS NULL OR name = ?1 ORDER BY name, version", name, what, &models,
		      err) < 0)
		return -1;
	if (rows_json(rl, "SELECT name, alias, version FROM aliases WHERE ?1 IS NULL OR "
		      "name = ?1 ORDER BY name, alias", name, what, &aliases, err) < 0) {
		json_decref(models);
		return -1;
	}
	size_t i, j;
	json_t *m, *a;
	json_array_foreach(models, i, m) {
		json_t *list = json_array();
		json_array_foreach(aliases, j, a) {
			if (json_equal(json_object_get(a, "name"), json_object_get(m, "name")) &&
			    json_equal(json_object_get(a, "version"), json_object_get(m, "version")))
				json_array_append(list, json_object_get(a, "alias"));
		}
		json_object_set_new(m, "aliases", list);
	}
	json_decref(aliases);
	*out = models;
	return 0;
}

int registry_history(struct runlog *rl, const char *name, json_t **out, struct wb_err *err)
{
	return rows_json(rl, "SELECT name, alias, version, previous, time, user, host, message "
			 "FROM alias_history WHERE ?1 IS NULL OR name = ?1 ORDER BY rowid", name,
			 "cannot read the alias history", out, err);
}

void registry_run_model_sha(struct runlog *rl, const char *run, char sha[65])
{
	json_t *r = NULL;
	struct wb_err err;
	sha[0] = 0;
	if (runlog_show_run(rl, run, &r, &err) < 0)
		return;
	size_t i;
	json_t *a;
	json_array_foreach(json_object_get(r, "artifacts"), i, a) {
		const char *kind = json_string_value(json_object_get(a, "kind"));
		const char *s = json_string_value(json_object_get(a, "sha256"));
		if (kind && s && !strcmp(kind, "model"))
			snprintf(sha, 65, "%s", s);
	}
	json_decref(r);
}
