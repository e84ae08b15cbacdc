/*
 * runlog_int — shared between app/track/runlog.c (open, schema, writes),
 * app/track/runlog_query.c (reads) and app/track/registry.c (the model
 * registry's tables).  Not for use outside app/track/.
 */
#ifndef WB_RUNLOG_INT_H
#define WB_RUNLOG_INT_H

#include <sqlite3.h>
#include "track/runlog.h"

struct runlog {
	sqlite3 *db;
	char *path;
	unsigned flags;
	int readonly;           /* the connection cannot write */
	char host[256];
	/* Runs found interrupted on a read-only connection (cannot be stored). */
	char (*dead)[RUNLOG_ID_LEN];
	size_t ndead, dead_cap;
};

/* "<what>: <sqlite message> (run log '<path>')"; returns -1. */
int runlog_int_db_error(const struct runlog *rl, struct wb_err *err, const char *what);
/* Binds text, or NULL when s is NULL. */
void runlog_int_bind_str(sqlite3_stmt *st, int i, const char *s);
/* Marks 'running' runs of this host whose process is gone 'interrupted'
 * (in memory only on a read-only connection). */
int runlog_int_sweep(struct runlog *rl, struct wb_err *err);
/* BEGIN IMMEDIATE (an error on a read-only connection) and its end:
 * COMMIT when rc == 0, else ROLLBACK; returns rc (or -1 if COMMIT failed). */
int runlog_int_tx_begin(struct runlog *rl, const char *what, struct wb_err *err);
int runlog_int_tx_end(struct runlog *rl, int rc, const char *what, struct wb_err *err);
/* $USER, else the password entry's name, else NULL. */
const char *runlog_int_user(void);
/* 1 if id was found interrupted on a read-only connection. */
int runlog_int_is_dead(const struct runlog *rl, const char *id);

#endif
