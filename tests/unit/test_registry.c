/* Unit tests for the model registry (app/track/registry): versions, aliases
 * with an append-only history, references, and concurrent registration. */
#include "tap.h"
#include "track/registry.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const struct run_info info = {
	.kind = "train", .name = "wb train", .wb_version = "0.1.0", .seed = 42, .git_dirty = -1,
};

static long long num(json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

int main(void)
{
	char dir[] = "/tmp/wb-registry-XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	char *path = xasprintf("%s/runs.db", dir);
	struct wb_err err;
	struct runlog *rl;
	ok(runlog_open(path, &rl, &err) == 0, "open");
	char run[RUNLOG_ID_LEN];
	ok(runlog_begin_run(rl, &info, run, &err) == 0, "a run to register");

	int64_t v = 0;
	ok(registry_register(rl, "credit", run, NULL, "aa", &v, &err) == 0 && v == 1,
	   "first registration is version 1");
	char prefix[9];
	snprintf(prefix, sizeof(prefix), "%.8s", run);
	ok(registry_register(rl, "credit", prefix, "credit.wbz", "bb", &v, &err) == 0 && v == 2,
	   "a run id prefix works; version 2");
	ok(registry_register(rl, "credit", NULL, "c.wbz", "cc", &v, &err) == 0 && v == 3,
	   "a bundle alone; version 3");
	ok(registry_register(rl, "other", run, NULL, NULL, &v, &err) == 0 && v == 1,
	   "versions count per name");
	ok(registry_register(rl, "credit", "ffffffff", NULL, NULL, &v, &err) < 0,
	   "unknown run");
	like(err.msg, "cannot register model 'credit'", "names the model");
	like(err.msg, "ffffffff", "and the run");
	ok(registry_register(rl, "bad name", run, NULL, NULL, &v, &err) < 0, "bad name");
	like(err.msg, "' ' is not allowed", "says which character");
	ok(registry_register(rl, "credit", NULL, NULL, NULL, &v, &err) < 0, "nothing to register");

	struct registry_entry e;
	ok(registry_resolve(rl, "credit", &e, &err) == 0 && e.version == 3, "name -> latest");
	ok(registry_resolve(rl, "credit:2", &e, &err) == 0 && e.version == 2 &&
	   !strcmp(e.bundle, "credit.wbz") && !strcmp(e.run_id, run) && !strcmp(e.sha256, "bb"),
	   "name:2 -> version 2 with its run (full id) and bundle");
	ok(registry_resolve(rl, "credit@1", &e, &err) == 0 && e.version == 1, "name@1");
	ok(registry_resolve(rl, "credit:9", &e, &err) < 0, "no version 9");
	like(err.msg, "model 'credit' has no version 9", "message");
	ok(registry_resolve(rl, "nope", &e, &err) < 0, "unknown name");
	like(err.msg, "no model named 'nope'", "message");
	ok(registry_resolve(rl, "credit@production", &e, &err) < 0, "alias not set yet");
	like(err.msg, "has no alias 'production'", "message");

	ok(registry_set_alias(rl, "credit", "production", 2, "first release", &err) == 0,
	   "set alias");
	ok(registry_resolve(rl, "credit@production", &e, &err) == 0 && e.version == 2,
	   "alias resolves");
	ok(registry_set_alias(rl, "credit", "production", 3, NULL, &err) == 0, "move alias");
	ok(registry_resolve(rl, "credit@production", &e, &err) == 0 && e.version == 3,
	   "moved alias resolves to 3");
	ok(registry_set_alias(rl, "credit", "production", 7, NULL, &err) < 0,
	   "alias to a missing version");
	like(err.msg, "has no version 7", "message");
	ok(registry_set_alias(rl, "credit", "42", 1, NULL, &err) < 0, "all-digit alias");
	like(err.msg, "would read as a version", "message");
	ok(registry_set_alias(rl, "credit", "staging", 1, NULL, &err) == 0, "second alias");
	ok(registry_remove_alias(rl, "credit", "staging", "retired", &err) == 0, "remove alias");
	ok(registry_remove_alias(rl, "credit", "staging", NULL, &err) < 0, "remove again");
	like(err.msg, "it is not set", "message");

	json_t *list = NULL;
	ok(registry_list(rl, "credit", &list, &err) == 0 && json_array_size(list) == 3,
	   "list one name: 3 versions");
	json_t *v3 = json_array_get(list, 2);
	ok(num(v3, "version") == 3 && json_array_size(json_object_get(v3, "aliases")) == 1 &&
	   !strcmp(json_string_value(json_array_get(json_object_get(v3, "aliases"), 0)),
		   "production"), "version 3 carries the production alias");
	json_decref(list);
	ok(registry_list(rl, NULL, &list, &err) == 0 && json_array_size(list) == 4, "list all");
	json_decref(list);

	json_t *h = NULL;
	ok(registry_history(rl, "credit", &h, &err) == 0 && json_array_size(h) == 4,
	   "history: set, move, set, remove");
	json_t *h0 = json_array_get(h, 0), *h1 = json_array_get(h, 1), *h3 = json_array_get(h, 3);
	ok(num(h0, "version") == 2 && json_is_null(json_object_get(h0, "previous")) &&
	   !strcmp(json_string_value(json_object_get(h0, "message")), "first release"),
	   "first: set to 2, no previous, with its message");
	ok(num(h1, "version") == 3 && num(h1, "previous") == 2, "then moved 2 -> 3");
	ok(json_is_null(json_object_get(h3, "version")) && num(h3, "previous") == 1 &&
	   !strcmp(json_string_value(json_object_get(h3, "alias")), "staging"),
	   "removal recorded with the version it pointed at");
	ok(json_is_string(json_object_get(h0, "host")) && json_object_get(h0, "time"),
	   "who and when");
	json_decref(h);

	/* The history is append-only, whoever writes to the database. */
	sqlite3 *db;
	sqlite3_open(path, &db);
	ok(sqlite3_exec(db, "UPDATE alias_history SET version = 1", NULL, NULL, NULL) != SQLITE_OK,
	   "the history refuses updates");
	ok(sqlite3_exec(db, "DELETE FROM alias_history", NULL, NULL, NULL) != SQLITE_OK,
	   "and deletes");
	sqlite3_close(db);

	/* Two processes registering at once get distinct versions. */
	for (int k = 0; k < 2; k++) {
		if (fork() == 0) {
			struct runlog *r2;
			int bad = 0;
			if (runlog_open(path, &r2, &err) < 0)
				_exit(1);
			for (int i = 0; i < 20; i++)
				bad |= registry_register(r2, "race", NULL, "x.wbz", NULL, &v, &err) < 0;
			runlog_close(r2);
			_exit(bad);
		}
	}
	int st1, st2;
	wait(&st1);
	wait(&st2);
	ok(WIFEXITED(st1) && WEXITSTATUS(st1) == 0 && WIFEXITED(st2) && WEXITSTATUS(st2) == 0,
	   "concurrent registrations all succeed");
	ok(registry_list(rl, "race", &list, &err) == 0 && json_array_size(list) == 40 &&
	   num(json_array_get(list, 39), "version") == 40, "versions 1..40, none lost");
	json_decref(list);

	runlog_close(rl);
	char *cmd = xasprintf("rm -rf %s", dir);
	if (system(cmd) != 0)
		diag("could not remove the temp dir");
	free(cmd);
	free(path);
	return tap_done();
}
