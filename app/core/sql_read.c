/* sql_read — run a query on a SQLite file and collect the rows as a frame. */
#include "core/sql_read.h"

#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

/* Values of one result column, collected before the kind is known. */
struct sqlcol {
	char *name;
	int has_real, has_text, has_int;
	size_t n, cap;
	double *dbl;
	int64_t *i64;
	char **txt;
	uint8_t *isnull;
};

static void sqlcol_push(struct sqlcol *c, sqlite3_stmt *st, int j)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 256;
		c->dbl = xreallocarray(c->dbl, c->cap, sizeof(double));
		c->i64 = xreallocarray(c->i64, c->cap, sizeof(int64_t));
		c->txt = xreallocarray(c->txt, c->cap, sizeof(char *));
		c->isnull = xreallocarray(c->isnull, c->cap, 1);
	}
	size_t i = c->n++;
	int t = sqlite3_column_type(st, j);
	c->isnull[i] = t == SQLITE_NULL;
	c->txt[i] = NULL;
	c->dbl[i] = NAN;
	c->i64[i] = 0;
	if (t == SQLITE_INTEGER) {
		c->has_int = 1;
		c->i64[i] = sqlite3_column_int64(st, j);
		c->dbl[i] = (double)c->i64[i];
	} else if (t == SQLITE_FLOAT) {
		c->has_real = 1;
		c->dbl[i] = sqlite3_column_double(st, j);
	} else if (t == SQLITE_TEXT || t == SQLITE_BLOB) {
		c->has_text = 1;
		const unsigned char *s = sqlite3_column_text(st, j);
		c->txt[i] = xstrdup(s ? (const char *)s : "");
	}
}

static void sqlcol_release(struct sqlcol *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->txt[i]);
	free(c->name);
	free(c->dbl);
	free(c->i64);
	free(c->txt);
	free(c->isnull);
}

/* Numbers in a column that also holds text become text, as a CSV would read
 * them; otherwise ints stay int unless a real appears. */
static struct column *sqlcol_build(struct sqlcol *c)
{
	struct column *col;
	if (c->has_text) {
		char **strs = xcalloc(c->n + 1, sizeof(char *));
		char buf[64];
		for (size_t i = 0; i < c->n; i++) {
			if (c->isnull[i])
				continue;
			if (c->txt[i]) {
				strs[i] = c->txt[i];
			} else {
				fmt_double(c->dbl[i], buf, sizeof(buf));
				strs[i] = c->txt[i] = xstrdup(buf);
			}
		}
		col = column_text_auto(column_from_strings((const char *const *)strs, c->n));
		free(strs);
	} else if (c->has_real || !c->has_int) {
		col = column_new(COL_NUM, c->n);
		memcpy(col->num, c->dbl, c->n * sizeof(double));
	} else {
		col = column_new(COL_INT, c->n);
		for (size_t i = 0; i < c->n; i++) {
			col->i64[i] = c->i64[i];
			col->valid[i] = !c->isnull[i];
		}
		column_compact_valid(col);
	}
	return col;
}

struct frame *sql_read(const char *dbfile, const char *sql, struct wb_err *err)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	struct sqlcol *cols = NULL;
	struct frame *f = NULL;
	int ncol = 0, rc;

	if (sqlite3_open_v2(dbfile, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		wb_error(err, "cannot open database '%s': %s", dbfile, db ? sqlite3_errmsg(db) : "out of memory");
		goto out;
	}
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		wb_error(err, "'%s': query failed: %s", dbfile, sqlite3_errmsg(db));
		goto out;
	}
	if (!st) {
		wb_error(err, "'%s': the query is empty", dbfile);
		goto out;
	}
	ncol = sqlite3_column_count(st);
	if (ncol == 0) {
		wb_error(err, "'%s': the statement returns no columns", dbfile);
		goto out;
	}
	cols = xcalloc((size_t)ncol, sizeof(*cols));
	for (int j = 0; j < ncol; j++) {
		const char *name = sqlite3_column_name(st, j);
		cols[j].name = xstrdup(name && *name ? name : "column");
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (int j = 0; j < ncol; j++) {
			if (sqlite3_column_type(st, j) == SQLITE_BLOB) {
				wb_error(err, "'%s': column '%s' row %zu holds a blob, which a frame cannot hold",
					 dbfile, cols[j].name, cols[j].n + 1);
				goto out;
			}
			sqlcol_push(&cols[j], st, j);
		}
	}
	if (rc != SQLITE_DONE) {
		wb_error(err, "'%s': query failed: %s", dbfile, sqlite3_errmsg(db));
		goto out;
	}
	f = frame_new(ncol ? cols[0].n : 0);
	for (int j = 0; j < ncol; j++) {
		if (frame_add(f, cols[j].name, sqlcol_build(&cols[j]), err) < 0) {
			wb_error_prefix(err, "'%s'", dbfile);
			frame_unref(f);
			f = NULL;
			goto out;
		}
	}
	frame_seal_content(f);
out:
	for (int j = 0; cols && j < ncol; j++)
		sqlcol_release(&cols[j]);
	free(cols);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return f;
}
