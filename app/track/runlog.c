/*
 * runlog — the SQLite run log (DESIGN.md §5, contract in runlog.h).
 *
 * Concurrency model: every connection uses WAL and a busy timeout, and every
 * write is one BEGIN IMMEDIATE ... COMMIT.  IMMEDIATE matters: a deferred
 * transaction that reads first and then upgrades to a writer can get
 * SQLITE_BUSY no matter how long the timeout is (FACTS.md), while IMMEDIATE
 * takes the write lock up front and so simply waits its turn.  A step is one
 * transaction, so a process killed mid-way leaves the steps it finished and
 * nothing half-written.
 *
 * Reads (list / show) run a "sweep" first: 'running' runs on this host whose
 * process is gone are stored as 'interrupted'.  On a read-only connection the
 * verdict is kept in memory and applied to the output instead.
 */
#include "track/runlog.h"
#include "track/runlog_int.h"
#include "core/hash.h"

#include <sqlite3.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define BUSY_TIMEOUT_MS 5000

/* ------------------------------------------------------------------------
 * Schema and migrations
 *
 * migrations[v] upgrades a database at user_version v to v + 1.  Never edit
 * a script once released: add a new one and bump RUNLOG_SCHEMA_VERSION.
 * ---------------------------------------------------------------------- */

static const char *const migrations[] = {
	/* 0 -> 1: the initial schema. */
	"CREATE TABLE runs (\n"
	"  id TEXT PRIMARY KEY,\n"
	"  kind TEXT NOT NULL,\n"
	"  name TEXT,\n"
	"  status TEXT NOT NULL,\n"
	"  started REAL NOT NULL,\n"
	"  ended REAL,\n"
	"  seconds REAL,\n"
	"  seed INTEGER,\n"
	"  wb_version TEXT,\n"
	"  argv TEXT,\n"                     /* JSON array */
	"  recipe_text TEXT,\n"
	"  recipe_sha256 TEXT,\n"
	"  host TEXT,\n"
	"  user TEXT,\n"
	"  pid INTEGER,\n"
	/* Start time of the process (clock ticks since boot, /proc/<pid>/stat
	 * field 22): tells a live process from a later one that reused the pid. */
	"  proc_start INTEGER,\n"
	"  cwd TEXT,\n"
	"  git_commit TEXT,\n"
	"  git_dirty INTEGER,\n"
	"  message TEXT\n"
	");\n"
	"CREATE INDEX runs_started ON runs(started);\n"
	"CREATE INDEX runs_status ON runs(status);\n"
	"CREATE TABLE steps (\n"
	"  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
	"  seq INTEGER NOT NULL,\n"
	"  kind TEXT NOT NULL,\n"
	"  params TEXT,\n"                   /* JSON object */
	"  inputs TEXT,\n"                   /* JSON array of hex hashes */
	"  output_hash TEXT,\n"
	"  rows INTEGER,\n"
	"  cols INTEGER,\n"
	"  started REAL,\n"
	"  seconds REAL,\n"
	"  status TEXT NOT NULL,\n"
	"  message TEXT,\n"
	"  PRIMARY KEY (run_id, seq)\n"
	");\n"
	/* replay / lineage look steps up by the hash they produced. */
	"CREATE INDEX steps_output ON steps(output_hash);\n"
	"CREATE TABLE params (\n"
	"  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
	"  key TEXT NOT NULL,\n"
	"  value TEXT,\n"                    /* JSON value */
	"  PRIMARY KEY (run_id, key)\n"
	");\n"
	"CREATE TABLE metrics (\n"
	"  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
	"  key TEXT NOT NULL,\n"
	"  value REAL,\n"
	"  step INTEGER,\n"
	"  time REAL NOT NULL\n"
	");\n"
	"CREATE INDEX metrics_run ON metrics(run_id, key);\n"
	"CREATE TABLE tags (\n"
	"  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
	"  key TEXT NOT NULL,\n"
	"  value TEXT,\n"
	"  PRIMARY KEY (run_id, key)\n"
	");\n"
	"CREATE TABLE datasets (\n"
	"  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
	"  hash TEXT NOT NULL,\n"
	"  path TEXT,\n"
	"  rows INTEGER,\n"
	"  cols INTEGER,\n"
	"  schema TEXT\n"                    /* JSON */
	");\n"
	"CREATE INDEX datasets_run ON datasets(run_id);\n"
	"CREATE INDEX datasets_hash ON datasets(hash);\n"
	"CREATE TABLE artifacts (\n"
	"  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
	"  path TEXT NOT NULL,\n"
	"  sha256 TEXT,\n"
	"  bytes INTEGER,\n"
	"  kind TEXT,\n"
	"  created REAL NOT NULL\n"
	");\n"
	"CREATE INDEX artifacts_run ON artifacts(run_id);\n"
	"CREATE INDEX artifacts_sha ON artifacts(sha256);\n"
	/* The model registry (later issues): versions of named models. */
	"CREATE TABLE models (\n"
	"  name TEXT NOT NULL,\n"
	"  version INTEGER NOT NULL,\n"
	"  run_id TEXT REFERENCES runs(id),\n"
	"  bundle TEXT,\n"
	"  sha256 TEXT,\n"
	"  created REAL NOT NULL,\n"
	"  PRIMARY KEY (name, version)\n"
	");\n"
	"CREATE INDEX models_run ON models(run_id);\n"
	/* aliases is the current state; alias_history records every change and
	 * refuses updates and deletes (append-only audit trail). */
	"CREATE TABLE aliases (\n"
	"  name TEXT NOT NULL,\n"
	"  alias TEXT NOT NULL,\n"
	"  version INTEGER NOT NULL,\n"
	"  set_at REAL NOT NULL,\n"
	"  PRIMARY KEY (name, alias)\n"
	");\n"
	"CREATE TABLE alias_history (\n"
	"  name TEXT NOT NULL,\n"
	"  alias TEXT NOT NULL,\n"
	"  version INTEGER,\n"               /* NULL: the alias was removed */
	"  previous INTEGER,\n"
	"  time REAL NOT NULL,\n"
	"  user TEXT,\n"
	"  host TEXT,\n"
	"  message TEXT\n"
	");\n"
	"CREATE INDEX alias_history_name ON alias_history(name, alias);\n"
	"CREATE TRIGGER alias_history_no_update BEFORE UPDATE ON alias_history\n"
	"BEGIN SELECT RAISE(ABORT, 'alias_history is append-only'); END;\n"
	"CREATE TRIGGER alias_history_no_delete BEFORE DELETE ON alias_history\n"
	"BEGIN SELECT RAISE(ABORT, 'alias_history is append-only'); END;\n",
};

_Static_assert(sizeof(migrations) / sizeof(migrations[0]) == RUNLOG_SCHEMA_VERSION,
	       "one migration script per schema version");

/* ------------------------------------------------------------------------
 * Small helpers
 * ---------------------------------------------------------------------- */

static double now_unix(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* "<what>: <sqlite message> (run log '<path>')" */
int runlog_int_db_error(const struct runlog *rl, struct wb_err *err, const char *what)
{
	return wb_error(err, "%s: %s (run log '%s')", what, sqlite3_errmsg(rl->db), rl->path);
}

void runlog_int_bind_str(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

/*
 * Runs one statement with parameters described by `types`:
 *   s  const char * (NULL binds NULL)     i  int64_t
 *   n  int64_t, negative binds NULL       d  double, NaN binds NULL
 * Returns the final sqlite result code (SQLITE_DONE on success).
 */
static int run_vsql(struct runlog *rl, const char *sql, const char *types, va_list ap)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(rl->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	for (int i = 1; types[i - 1]; i++) {
		switch (types[i - 1]) {
		case 's':
			runlog_int_bind_str(st, i, va_arg(ap, const char *));
			break;
		case 'i':
			sqlite3_bind_int64(st, i, va_arg(ap, int64_t));
			break;
		case 'n': {
			int64_t v = va_arg(ap, int64_t);
			if (v < 0)
				sqlite3_bind_null(st, i);
			else
				sqlite3_bind_int64(st, i, v);
			break;
		}
		case 'd': {
			double v = va_arg(ap, double);
			if (isnan(v))
				sqlite3_bind_null(st, i);
			else
				sqlite3_bind_double(st, i, v);
			break;
		}
		default:
			WB_BUG("run_sql: bad type '%c'", types[i - 1]);
		}
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	/* Keep the step's error code; the message stays on the connection for
	 * db_error. */
	int frc = sqlite3_finalize(st);
	return rc == SQLITE_DONE ? (frc == SQLITE_OK ? SQLITE_DONE : frc) : rc;
}

static int run_sql(struct runlog *rl, const char *sql, const char *types, ...)
{
	va_list ap;
	va_start(ap, types);
	int rc = run_vsql(rl, sql, types, ap);
	va_end(ap);
	return rc;
}

/* BEGIN IMMEDIATE: waits (busy timeout) for the write lock up front. */
static int tx_begin(struct runlog *rl, const char *what, struct wb_err *err)
{
	if (rl->readonly)
		return wb_error(err, "%s: run log '%s' is open read-only", what, rl->path);
	if (sqlite3_exec(rl->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return runlog_int_db_error(rl, err, what);
	return 0;
}

/* Commits when rc == 0 (rolling back if COMMIT itself fails), else rolls
 * back; returns rc or -1.  The error message is already set when rc != 0. */
static int tx_end(struct runlog *rl, int rc, const char *what, struct wb_err *err)
{
	if (rc == 0) {
		if (sqlite3_exec(rl->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
			return 0;
		runlog_int_db_error(rl, err, what);
		rc = -1;
	}
	if (!sqlite3_get_autocommit(rl->db))
		sqlite3_exec(rl->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* mkdir -p of the directory part of path. */
static int make_parent_dir(const char *path, struct wb_err *err)
{
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir) {
		free(dir);
		return 0;
	}
	*slash = '\0';
	for (char *p = dir + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;
			*p = '\0';
			if (mkdir(dir, 0777) < 0 && errno != EEXIST) {
				int e = errno;
				wb_error(err, "cannot open run log '%s': cannot create directory '%s': %s",
					 path, dir, strerror(e));
				free(dir);
				return -1;
			}
			*p = c;
			if (!c)
				break;
		}
	}
	free(dir);
	return 0;
}

static void random_id(char id[RUNLOG_ID_LEN])
{
	unsigned char b[16];
	size_t got = 0;
	while (got < sizeof(b)) {
		ssize_t n = getrandom(b + got, sizeof(b) - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		got += (size_t)n;
	}
	if (got < sizeof(b)) {
		/* Old kernels without getrandom: /dev/urandom. */
		int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
		if (fd < 0 || read(fd, b, sizeof(b)) != (ssize_t)sizeof(b))
			WB_BUG("cannot read random bytes for a run id");
		close(fd);
	}
	static const char hex[] = "0123456789abcdef";
	for (int i = 0; i < 16; i++) {
		id[2 * i] = hex[b[i] >> 4];
		id[2 * i + 1] = hex[b[i] & 15];
	}
	id[32] = '\0';
}

/* ------------------------------------------------------------------------
 * Processes: is the process that owns a 'running' run still there?
 * ---------------------------------------------------------------------- */

/* Reads /proc/<pid>/stat: the state letter and the start time (field 22,
 * clock ticks since boot).  Returns -1 when unavailable. */
static int proc_stat(long pid, char *state, long long *start)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The command name (field 2) may contain spaces and parentheses: fields
	 * are counted from the last ')'. */
	char *p = strrchr(buf, ')');
	if (!p)
		return -1;
	p++;
	int field = 2;
	char *tok, *save;
	for (tok = strtok_r(p, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		field++;
		if (field == 3)
			*state = tok[0];
		if (field == 22) {
			*start = strtoll(tok, NULL, 10);
			return 0;
		}
	}
	return -1;
}

static long long self_proc_start(void)
{
	char state;
	long long start;
	return proc_stat((long)getpid(), &state, &start) == 0 ? start : -1;
}

/* 1: the process that began the run is certainly gone; 0: alive or unknown. */
static int process_gone(long pid, long long recorded_start)
{
	if (pid <= 0)
		return 0;
	if (kill((pid_t)pid, 0) < 0 && errno == ESRCH)
		return 1;
	char state;
	long long start;
	if (proc_stat(pid, &state, &start) < 0)
		return 0; /* EPERM or no /proc: assume alive */
	/* A zombie will never finish its run, even if not reaped yet. */
	if (state == 'Z' || state == 'X')
		return 1;
	if (recorded_start >= 0 && start != recorded_start)
		return 1; /* the pid was reused by a later process */
	return 0;
}

int runlog_int_is_dead(const struct runlog *rl, const char *id)
{
	for (size_t i = 0; i < rl->ndead; i++)
		if (!strcmp(rl->dead[i], id))
			return 1;
	return 0;
}

/*
 * Marks 'running' runs of this host whose process is gone as 'interrupted'.
 * Each is its own transaction re-checking status = 'running', so a run that
 * ended between the check and the update is left alone.
 */
int runlog_int_sweep(struct runlog *rl, struct wb_err *err)
{
	sqlite3_stmt *st;
	char (*ids)[RUNLOG_ID_LEN] = NULL;
	size_t nids = 0, cap = 0;
	int rc;

	if (sqlite3_prepare_v2(rl->db,
			       "SELECT id, pid, proc_start FROM runs "
			       "WHERE status = 'running' AND host = ?1", -1, &st, NULL) != SQLITE_OK)
		return runlog_int_db_error(rl, err, "cannot look for interrupted runs");
	runlog_int_bind_str(st, 1, rl->host);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		long pid = (long)sqlite3_column_int64(st, 1);
		long long start = sqlite3_column_type(st, 2) == SQLITE_NULL
			? -1 : sqlite3_column_int64(st, 2);
		if (!id || strlen(id) != RUNLOG_ID_LEN - 1 || !process_gone(pid, start))
			continue;
		if (nids == cap) {
			cap = cap ? 2 * cap : 8;
			ids = xreallocarray(ids, cap, sizeof(*ids));
		}
		memcpy(ids[nids++], id, RUNLOG_ID_LEN);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(ids);
		return runlog_int_db_error(rl, err, "cannot look for interrupted runs");
	}

	int ret = 0;
	for (size_t i = 0; i < nids && ret == 0; i++) {
		if (rl->readonly) {
			if (!runlog_int_is_dead(rl, ids[i])) {
				if (rl->ndead == rl->dead_cap) {
					rl->dead_cap = rl->dead_cap ? 2 * rl->dead_cap : 8;
					rl->dead = xreallocarray(rl->dead, rl->dead_cap, sizeof(*rl->dead));
				}
				memcpy(rl->dead[rl->ndead++], ids[i], RUNLOG_ID_LEN);
			}
			continue;
		}
		char what[96];
		snprintf(what, sizeof(what), "cannot mark run '%s' interrupted", ids[i]);
		if (tx_begin(rl, what, err) < 0) {
			ret = -1;
			break;
		}
		int r = run_sql(rl,
				"UPDATE runs SET status = 'interrupted', "
				"message = coalesce(message, 'process ' || pid || ' ended without finishing the run') "
				"WHERE id = ?1 AND status = 'running'", "s", ids[i]) == SQLITE_DONE
			? 0 : runlog_int_db_error(rl, err, what);
		ret = tx_end(rl, r, what, err);
	}
	free(ids);
	return ret;
}

/* ------------------------------------------------------------------------
 * Open and close
 * ---------------------------------------------------------------------- */

static int user_version(struct runlog *rl, int *v)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(rl->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

static int open_error(struct runlog *rl, struct wb_err *err)
{
	return wb_error(err, "cannot open run log '%s': %s", rl->path, sqlite3_errmsg(rl->db));
}

static int migrate(struct runlog *rl, struct wb_err *err)
{
	int v;
	if (user_version(rl, &v) < 0)
		return open_error(rl, err);
	if (v > RUNLOG_SCHEMA_VERSION)
		return wb_error(err, "run log '%s' has schema version %d, newer than this wb "
				"(%s) supports (%d); upgrade wb", rl->path, v, WB_VERSION,
				RUNLOG_SCHEMA_VERSION);
	if (v == RUNLOG_SCHEMA_VERSION)
		return 0;
	if (v < 0)
		return wb_error(err, "run log '%s' has a bad schema version %d", rl->path, v);
	if (rl->readonly)
		return wb_error(err, "run log '%s' has schema version %d and needs migrating to %d, "
				"but it is read-only", rl->path, v, RUNLOG_SCHEMA_VERSION);

	if (tx_begin(rl, "cannot migrate run log", err) < 0)
		return -1;
	/* Another process may have migrated while we waited for the lock. */
	if (user_version(rl, &v) < 0)
		return tx_end(rl, open_error(rl, err), "", err);
	int ret = 0;
	for (int from = v; from < RUNLOG_SCHEMA_VERSION && ret == 0; from++) {
		if (sqlite3_exec(rl->db, migrations[from], NULL, NULL, NULL) != SQLITE_OK)
			ret = wb_error(err, "cannot migrate run log '%s' from schema version %d to %d: %s",
				       rl->path, from, from + 1, sqlite3_errmsg(rl->db));
	}
	if (ret == 0) {
		char sql[64];
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", RUNLOG_SCHEMA_VERSION);
		if (sqlite3_exec(rl->db, sql, NULL, NULL, NULL) != SQLITE_OK)
			ret = open_error(rl, err);
	}
	return tx_end(rl, ret, "cannot migrate run log", err);
}

/* Switching to WAL needs a lock of its own; a fresh file opened by two
 * processes at once can see SQLITE_BUSY here even with a busy timeout. */
static int exec_retry(struct runlog *rl, const char *sql)
{
	int rc;
	for (int tries = 0; tries < 100; tries++) {
		rc = sqlite3_exec(rl->db, sql, NULL, NULL, NULL);
		if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
			return rc;
		usleep(50 * 1000);
	}
	return rc;
}

int runlog_open_flags(const char *path, unsigned flags, struct runlog **out,
		      struct wb_err *err)
{
	struct runlog *rl;
	int oflags;

	*out = NULL;
	if (!path || !*path)
		return wb_error(err, "cannot open run log: empty path");
	if (flags & (RUNLOG_NO_CREATE | RUNLOG_READ_ONLY)) {
		struct stat sb;
		if (stat(path, &sb) < 0)
			return wb_error(err, "run log '%s' does not exist", path);
	} else if (make_parent_dir(path, err) < 0) {
		return -1;
	}

	rl = xcalloc(1, sizeof(*rl));
	rl->path = xstrdup(path);
	rl->flags = flags;
	if (gethostname(rl->host, sizeof(rl->host) - 1) < 0)
		strcpy(rl->host, "unknown");

	if (flags & RUNLOG_READ_ONLY)
		oflags = SQLITE_OPEN_READONLY;
	else if (flags & RUNLOG_NO_CREATE)
		oflags = SQLITE_OPEN_READWRITE;
	else
		oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	/* FULLMUTEX is not needed: one connection is used by one thread. */
	if (sqlite3_open_v2(path, &rl->db, oflags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		goto fail;
	rl->readonly = sqlite3_db_readonly(rl->db, "main") == 1;
	sqlite3_busy_timeout(rl->db, BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(rl->db, 1);

	/* Touch the file so "not a database" is reported here, not later. */
	if (sqlite3_exec(rl->db, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	if (!rl->readonly) {
		/* WAL: readers never block the writer.  NORMAL is durable against
		 * process crashes (what we care about); a power cut may lose the
		 * last transactions but never corrupts. */
		if (exec_retry(rl, "PRAGMA journal_mode = WAL") != SQLITE_OK ||
		    exec_retry(rl, "PRAGMA synchronous = NORMAL") != SQLITE_OK)
			goto fail;
	}
	if (sqlite3_exec(rl->db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	if (migrate(rl, err) < 0) {
		runlog_close(rl);
		return -1;
	}
	*out = rl;
	return 0;

fail:
	open_error(rl, err);
	runlog_close(rl);
	return -1;
}

int runlog_open(const char *path, struct runlog **out, struct wb_err *err)
{
	return runlog_open_flags(path, 0, out, err);
}

void runlog_close(struct runlog *rl)
{
	if (!rl)
		return;
	sqlite3_close_v2(rl->db);
	free(rl->path);
	free(rl->dead);
	free(rl);
}

const char *runlog_path(const struct runlog *rl)
{
	return rl->path;
}

struct sqlite3 *runlog_db(struct runlog *rl)
{
	return rl->db;
}

char *runlog_default_path(const char *start)
{
	char *cwd = NULL;
	if (!start) {
		cwd = getcwd(NULL, 0);
		start = cwd ? cwd : ".";
	}
	char *dir = xstrdup(start);
	size_t n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		dir[--n] = '\0';
	/* Walk up: the nearest parent holding .wb/ is the project. */
	for (;;) {
		char *cand = xasprintf("%s/.wb", strcmp(dir, "/") ? dir : "");
		struct stat sb;
		int found = stat(cand, &sb) == 0 && S_ISDIR(sb.st_mode);
		free(cand);
		if (found) {
			char *p = xasprintf("%s/.wb/runs.db", strcmp(dir, "/") ? dir : "");
			free(dir);
			free(cwd);
			return p;
		}
		char *slash = strrchr(dir, '/');
		if (!slash)
			break;
		if (slash == dir) {
			if (dir[1] == '\0')
				break;
			dir[1] = '\0';
		} else {
			*slash = '\0';
		}
	}
	free(dir);
	char *p = xasprintf("%s/.wb/runs.db", strcmp(start, "/") ? start : "");
	free(cwd);
	return p;
}

/* ------------------------------------------------------------------------
 * Writing
 * ---------------------------------------------------------------------- */

/* Inside a write transaction: fails unless the run exists. */
static int check_run(struct runlog *rl, const char *run_id, const char *what, struct wb_err *err)
{
	sqlite3_stmt *st;
	if (!run_id)
		return wb_error(err, "%s: no run id", what);
	if (sqlite3_prepare_v2(rl->db, "SELECT 1 FROM runs WHERE id = ?1", -1, &st, NULL) != SQLITE_OK)
		return runlog_int_db_error(rl, err, what);
	runlog_int_bind_str(st, 1, run_id);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return wb_error(err, "%s: no run '%s' in run log '%s'", what, run_id, rl->path);
	return runlog_int_db_error(rl, err, what);
}

int runlog_int_tx_begin(struct runlog *rl, const char *what, struct wb_err *err)
{
	return tx_begin(rl, what, err);
}

int runlog_int_tx_end(struct runlog *rl, int rc, const char *what, struct wb_err *err)
{
	return tx_end(rl, rc, what, err);
}

static const char *user_name(void)
{
	const char *u = getenv("USER");
	if (u && *u)
		return u;
	struct passwd *pw = getpwuid(geteuid());
	return pw ? pw->pw_name : NULL;
}

const char *runlog_int_user(void)
{
	return user_name();
}

int runlog_begin_run(struct runlog *rl, const struct run_info *info,
		     char id[RUNLOG_ID_LEN], struct wb_err *err)
{
	const char *what = "cannot start a run";
	char sha[WB_HASH_HEX] = "";
	if (!info || !info->kind)
		return wb_error(err, "%s: no run kind", what);
	if (info->recipe_text) {
		unsigned char h[WB_HASH_LEN];
		hash_bytes(info->recipe_text, strlen(info->recipe_text), h);
		hash_hex(h, sha);
	}
	random_id(id);
	if (tx_begin(rl, what, err) < 0)
		return -1;
	int rc = run_sql(rl,
			 "INSERT INTO runs (id, kind, name, status, started, seed, wb_version, argv, "
			 "recipe_text, recipe_sha256, host, user, pid, proc_start, cwd, git_commit, "
			 "git_dirty, message) VALUES "
			 "(?1, ?2, ?3, 'running', ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, NULL)",
			 "sssdissssssinssn",
			 id, info->kind, info->name, now_unix(), (int64_t)info->seed,
			 info->wb_version ? info->wb_version : WB_VERSION, info->argv_json,
			 info->recipe_text, info->recipe_text ? sha : NULL, rl->host, user_name(),
			 (int64_t)getpid(), (int64_t)self_proc_start(), info->cwd, info->git_commit,
			 (int64_t)info->git_dirty);
	return tx_end(rl, rc == SQLITE_DONE ? 0 : runlog_int_db_error(rl, err, what), what, err);
}

int runlog_end_run(struct runlog *rl, const char *run_id, const char *status,
		   const char *message, struct wb_err *err)
{
	char what[96];
	snprintf(what, sizeof(what), "cannot end run '%s'", run_id ? run_id : "");
	if (!status || (strcmp(status, "ok") && strcmp(status, "failed") &&
			strcmp(status, "interrupted")))
		return wb_error(err, "%s: bad status '%s' (ok, failed or interrupted)",
				what, status ? status : "");
	if (tx_begin(rl, what, err) < 0)
		return -1;
	int r = check_run(rl, run_id, what, err);
	if (r == 0) {
		double t = now_unix();
		if (run_sql(rl, "UPDATE runs SET status = ?2, message = ?3, ended = ?4, "
			    "seconds = ?4 - started WHERE id = ?1", "sssd",
			    run_id, status, message, t) != SQLITE_DONE)
			r = runlog_int_db_error(rl, err, what);
	}
	return tx_end(rl, r, what, err);
}

int runlog_set_recipe(struct runlog *rl, const char *run_id, const char *text,
		      struct wb_err *err)
{
	char what[96];
	snprintf(what, sizeof(what), "cannot store the recipe of run '%s'", run_id ? run_id : "");
	char sha[WB_HASH_HEX] = "";
	unsigned char h[WB_HASH_LEN];
	hash_bytes(text ? text : "", text ? strlen(text) : 0, h);
	hash_hex(h, sha);
	if (tx_begin(rl, what, err) < 0)
		return -1;
	int r = check_run(rl, run_id, what, err);
	if (r == 0 && run_sql(rl, "UPDATE runs SET recipe_text = ?2, recipe_sha256 = ?3 "
			      "WHERE id = ?1", "sss", run_id, text ? text : "", sha) != SQLITE_DONE)
		r = runlog_int_db_error(rl, err, what);
	return tx_end(rl, r, what, err);
}

int runlog_add_step(struct runlog *rl, const char *run_id, const struct step_rec *s,
		    int *seq, struct wb_err *err)
{
	char what[96];
	snprintf(what, sizeof(what), "cannot record step '%s' of run '%s'",
		 s && s->kind ? s->kind : "", run_id ? run_id : "");
	if (!s || !s->kind)
		return wb_error(err, "%s: no step kind", what);
	if (tx_begin(rl, what, err) < 0)
		return -1;
	int r = check_run(rl, run_id, what, err);
	int n = 0;
	if (r == 0) {
		/* The number is taken inside the write transaction, so concurrent
		 * writers to one run get distinct, gapless numbers. */
		sqlite3_stmt *st;
		if (sqlite3_prepare_v2(rl->db, "SELECT coalesce(max(seq), 0) + 1 FROM steps "
				       "WHERE run_id = ?1", -1, &st, NULL) != SQLITE_OK) {
			r = runlog_int_db_error(rl, err, what);
		} else {
			runlog_int_bind_str(st, 1, run_id);
			if (sqlite3_step(st) == SQLITE_ROW)
				n = sqlite3_column_int(st, 0);
			else
				r = runlog_int_db_error(rl, err, what);
			sqlite3_finalize(st);
		}
	}
	if (r == 0 &&
	    run_sql(rl, "INSERT INTO steps (run_id, seq, kind, params, inputs, output_hash, "
		    "rows, cols, started, seconds, status, message) VALUES "
		    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)", "sissssnnddss",
		    run_id, (int64_t)n, s->kind, s->params_json, s->inputs_json, s->output_hash,
		    (int64_t)s->rows, (int64_t)s->cols, s->started > 0 ? s->started : now_unix(),
		    s->seconds, s->status ? s->status : "ok", s->message) != SQLITE_DONE)
		r = runlog_int_db_error(rl, err, what);
	r = tx_end(rl, r, what, err);
	if (r == 0 && seq)
		*seq = n;
	return r;
}

/* One statement about an existing run, in its own write transaction:
 * BEGIN IMMEDIATE, check the run exists, run sql (types as run_sql), commit. */
static int run_write(struct runlog *rl, const char *run_id, const char *what,
		     struct wb_err *err, const char *sql, const char *types, ...)
{
	if (tx_begin(rl, what, err) < 0)
		return -1;
	int r = check_run(rl, run_id, what, err);
	if (r == 0) {
		va_list ap;
		va_start(ap, types);
		if (run_vsql(rl, sql, types, ap) != SQLITE_DONE)
			r = runlog_int_db_error(rl, err, what);
		va_end(ap);
	}
	return tx_end(rl, r, what, err);
}

int runlog_log_param(struct runlog *rl, const char *run_id, const char *key,
		     const char *value_json, struct wb_err *err)
{
	char what[160];
	snprintf(what, sizeof(what), "cannot log param '%s' of run '%s'", key ? key : "",
		 run_id ? run_id : "");
	if (!key || !*key)
		return wb_error(err, "%s: empty key", what);
	/* A param logged twice keeps the last value. */
	return run_write(rl, run_id, what, err, "INSERT OR REPLACE INTO params (run_id, key, value) "
			 "VALUES (?1, ?2, ?3)", "sss", run_id, key, value_json ? value_json : "null");
}

int runlog_log_metric(struct runlog *rl, const char *run_id, const char *key,
		      double value, int64_t step, struct wb_err *err)
{
	char what[160];
	snprintf(what, sizeof(what), "cannot log metric '%s' of run '%s'", key ? key : "",
		 run_id ? run_id : "");
	if (!key || !*key)
		return wb_error(err, "%s: empty key", what);
	return run_write(rl, run_id, what, err, "INSERT INTO metrics (run_id, key, value, step, time) "
			 "VALUES (?1, ?2, ?3, ?4, ?5)", "ssdnd", run_id, key, value, step, now_unix());
}

int runlog_log_metrics(struct runlog *rl, const char *run_id, size_t n,
		       const char *const *keys, const double *values, const int64_t *steps,
		       struct wb_err *err)
{
	char what[160];
	snprintf(what, sizeof(what), "cannot log %zu metrics of run '%s'", n,
		 run_id ? run_id : "");
	if (!n)
		return 0;
	if (tx_begin(rl, what, err) < 0)
		return -1;
	int r = check_run(rl, run_id, what, err);
	double t = now_unix();
	for (size_t k = 0; r == 0 && k < n; k++)
		if (run_sql(rl, "INSERT INTO metrics (run_id, key, value, step, time) "
			    "VALUES (?1, ?2, ?3, ?4, ?5)", "ssdnd", run_id, keys[k], values[k],
			    steps[k], t) != SQLITE_DONE)
			r = runlog_int_db_error(rl, err, what);
	return tx_end(rl, r, what, err);
}

int runlog_set_tag(struct runlog *rl, const char *run_id, const char *key,
		   const char *value, struct wb_err *err)
{
	char what[160];
	snprintf(what, sizeof(what), "cannot set tag '%s' of run '%s'", key ? key : "",
		 run_id ? run_id : "");
	if (!key || !*key)
		return wb_error(err, "%s: empty key", what);
	return run_write(rl, run_id, what, err, "INSERT OR REPLACE INTO tags (run_id, key, value) "
			 "VALUES (?1, ?2, ?3)", "sss", run_id, key, value);
}

int runlog_add_dataset(struct runlog *rl, const char *run_id, const char *hash_hex,
		       const char *path, int64_t rows, int64_t cols,
		       const char *schema_json, struct wb_err *err)
{
	char what[160];
	snprintf(what, sizeof(what), "cannot record dataset '%s' of run '%s'",
		 path ? path : (hash_hex ? hash_hex : ""), run_id ? run_id : "");
	if (!hash_hex)
		return wb_error(err, "%s: no hash", what);
	return run_write(rl, run_id, what, err, "INSERT INTO datasets (run_id, hash, path, rows, cols, "
			 "schema) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", "sssnns", run_id, hash_hex, path,
			 rows, cols, schema_json);
}

int runlog_add_artifact(struct runlog *rl, const char *run_id, const char *path,
			const char *sha256_hex, int64_t bytes, const char *kind,
			struct wb_err *err)
{
	char what[160];
	snprintf(what, sizeof(what), "cannot record artifact '%s' of run '%s'",
		 path ? path : "", run_id ? run_id : "");
	if (!path)
		return wb_error(err, "%s: no path", what);
	return run_write(rl, run_id, what, err, "INSERT INTO artifacts (run_id, path, sha256, bytes, "
			 "kind, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", "sssnsd", run_id, path,
			 sha256_hex, bytes, kind, now_unix());
}
