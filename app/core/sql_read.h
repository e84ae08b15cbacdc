/*
 * sql_read — a frame from a SQLite query (wb.read_sql).  Column kinds come
 * from the values: all integers -> int, any real -> num, text -> cat or str
 * (the same rule as CSV: cat when distinct values <= 1000 and <= half the
 * non-missing count), NULL is missing, blobs are an error naming the column.
 */
#ifndef WB_SQL_READ_H
#define WB_SQL_READ_H

#include "core/frame.h"

/* Opens dbfile read-only and runs sql; returns a sealed frame (content hash). */
struct frame *sql_read(const char *dbfile, const char *sql, struct wb_err *err);

#endif
