/*
 * runlog — the SQLite run log (DESIGN.md §5).
 *
 * One database file (default .wb/runs.db under the project directory) holds
 * runs and everything hanging off them: steps, params, metrics, tags,
 * datasets, artifacts.  WAL mode, a busy timeout, BEGIN IMMEDIATE for every
 * write, one transaction per step, the schema version in PRAGMA user_version
 * with forward migrations.
 *
 * A run is 'running' until runlog_end_run marks it ok / failed / interrupted.
 * A process killed with SIGKILL cannot do that, so the run row records the pid
 * and host; any reader that finds a 'running' run whose process is gone shows
 * (and stores) it as 'interrupted'.
 *
 * Run ids are 32 lowercase hex digits (random 128 bits); commands accept any
 * unique prefix.
 */
#ifndef WB_RUNLOG_H
#define WB_RUNLOG_H

#include <stdint.h>
#include <jansson.h>
#include "core/err.h"

#define RUNLOG_ID_LEN 33 /* 32 hex digits and a NUL */
#define RUNLOG_SCHEMA_VERSION 1

struct runlog;

/* Opens (creating the file, its directory and the schema, or migrating an
 * older schema) the run log at path.  A database whose schema is newer than
 * RUNLOG_SCHEMA_VERSION is refused ("... newer than this wb ... supports"). */
int runlog_open(const char *path, struct runlog **out, struct wb_err *err);

enum {
	/* The file must exist ("run log '<path>' does not exist"); neither it
	 * nor its directory is created.  For commands that only read, such as
	 * `wb runs`, which must not leave an empty database behind. */
	RUNLOG_NO_CREATE = 1 << 0,
	/* Open read-only (implies RUNLOG_NO_CREATE): writes fail, an older
	 * schema is an error instead of being migrated, and interrupted runs
	 * are shown as such without being stored. */
	RUNLOG_READ_ONLY = 1 << 1,
};
/* runlog_open with flags (0 is runlog_open). */
int runlog_open_flags(const char *path, unsigned flags, struct runlog **out,
		      struct wb_err *err);
void runlog_close(struct runlog *rl);
const char *runlog_path(const struct runlog *rl);
/* The underlying connection, for other app/track modules (model registry,
 * replay) that share the database.  Owned by rl.  Writers must use
 * BEGIN IMMEDIATE like runlog does. */
struct sqlite3 *runlog_db(struct runlog *rl);

/* Finds the default log path: the nearest parent of `start` holding a .wb/
 * directory, else `start` itself, + "/.wb/runs.db".  Caller frees. */
char *runlog_default_path(const char *start);

struct run_info {
	const char *kind;         /* "run", "train", "package", ... */
	const char *name;         /* recipe file path or command */
	const char *recipe_text;  /* full text (may be NULL); its sha256 is stored too */
	const char *argv_json;    /* JSON array of the command line */
	const char *wb_version;
	uint64_t seed;
	const char *git_commit;   /* NULL when not in a git repository */
	int git_dirty;            /* 1, 0, or -1 unknown */
	const char *cwd;
};

/* Starts a run (status 'running', started now, host, user, pid recorded). */
int runlog_begin_run(struct runlog *rl, const struct run_info *info,
		     char id[RUNLOG_ID_LEN], struct wb_err *err);
/* status: "ok", "failed", "interrupted"; message may be NULL. */
int runlog_end_run(struct runlog *rl, const char *run_id, const char *status,
		   const char *message, struct wb_err *err);

/* Stores the recipe text (and its sha256) of a run whose text is known only
 * at its end: an interactive session's successful chunks. */
int runlog_set_recipe(struct runlog *rl, const char *run_id, const char *text,
		      struct wb_err *err);

struct step_rec {
	const char *kind;          /* "read_csv", "filter", "split", "fit", ... */
	const char *params_json;   /* JSON object, canonical (may be NULL) */
	const char *inputs_json;   /* JSON array of input hashes (hex), may be NULL */
	const char *output_hash;   /* hex, may be NULL */
	int64_t rows, cols;        /* of the output, -1 if not a frame */
	double started;            /* unix seconds */
	double seconds;            /* duration */
	const char *status;        /* "ok" or "failed" */
	const char *message;       /* error message when failed, else NULL */
};
/* Appends a step (numbered 1, 2, ... within the run); *seq gets its number. */
int runlog_add_step(struct runlog *rl, const char *run_id, const struct step_rec *s,
		    int *seq, struct wb_err *err);

/* value_json is a JSON value (number, string, bool). */
int runlog_log_param(struct runlog *rl, const char *run_id, const char *key,
		     const char *value_json, struct wb_err *err);
/* step < 0: no step/iteration. */
int runlog_log_metric(struct runlog *rl, const char *run_id, const char *key,
		      double value, int64_t step, struct wb_err *err);
/* n metrics in one transaction (per-round training curves); steps[k] < 0:
 * no step. */
int runlog_log_metrics(struct runlog *rl, const char *run_id, size_t n,
		       const char *const *keys, const double *values, const int64_t *steps,
		       struct wb_err *err);
/* The last value logged for key in the run: 0 found, 1 none, -1 error. */
int runlog_last_metric(struct runlog *rl, const char *run_id, const char *key, double *value,
		       struct wb_err *err);
int runlog_set_tag(struct runlog *rl, const char *run_id, const char *key,
		   const char *value, struct wb_err *err);
int runlog_add_dataset(struct runlog *rl, const char *run_id, const char *hash_hex,
		       const char *path, int64_t rows, int64_t cols,
		       const char *schema_json, struct wb_err *err);
int runlog_add_artifact(struct runlog *rl, const char *run_id, const char *path,
			const char *sha256_hex, int64_t bytes, const char *kind,
			struct wb_err *err);

/* Resolves a unique id prefix to the full id ("no run matches 'ab'",
 * "run prefix 'a' is ambiguous (3 runs)"). */
int runlog_resolve(struct runlog *rl, const char *prefix, char id[RUNLOG_ID_LEN],
		   struct wb_err *err);

/* Newest first.  limit <= 0: all.  where: an SQL condition over the runs
 * table's columns, or NULL.  It is trusted input (the user's own command
 * line, e.g. `wb runs --where "status = 'ok'"`): it is pasted in as
 * `WHERE (<where>)`, compiled under an authorizer that allows reading only,
 * and an SQL error comes back as "bad run filter '<where>': <sqlite msg>".
 * Times are "started" (ISO 8601 UTC text) plus "started_unix" (seconds).
 * Runs whose process is gone are marked 'interrupted' first (this host only).
 * *out: JSON array of run objects (id, kind, name, status, started,
 * seconds, seed, wb_version, metrics{last value of each}).  Caller decrefs. */
int runlog_list_runs(struct runlog *rl, int limit, const char *where, json_t **out,
		     struct wb_err *err);
/* One run as a JSON object: all its columns (recipe text, argv, host, user,
 * git, ...), steps[], params{}, metrics[] (key, value, step, time),
 * tags{}, datasets[], artifacts[]. */
int runlog_show_run(struct runlog *rl, const char *id_or_prefix, json_t **out,
		    struct wb_err *err);

#endif
