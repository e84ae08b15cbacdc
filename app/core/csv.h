/*
 * csv — reading delimited text into a frame, and writing a frame back.
 *
 * Reading follows RFC 4180 (quoted fields with delimiters, doubled quotes and
 * newlines inside), accepts a UTF-8 BOM and CRLF line ends, detects the
 * delimiter (comma, tab, semicolon, pipe) unless given, and infers each
 * column's kind over the whole file (bool, int, num, time, cat, str), unless
 * overridden per column.  Numbers are parsed exactly: the double read is the
 * one closest to the decimal text, so write -> read round-trips bit for bit.
 *
 * Errors name file:line:column (1-based; line counts physical lines, so a
 * quoted newline advances it; column is the field number) and say what was
 * expected: "data.csv:1042:7: expected 12 fields, found 11".
 *
 * Large files are parsed on all OpenMP threads; the result does not depend on
 * the number of threads.
 */
#ifndef WB_CSV_H
#define WB_CSV_H

#include <stddef.h>
#include "core/column.h"
#include "core/err.h"
#include "core/frame.h"

struct csv_type_override {
	const char *name;     /* column name as in the header (after renames) */
	enum col_kind kind;
};

struct csv_opts {
	char delim;                          /* 0: detect */
	const char *const *na_tokens;        /* NULL: "", "NA", "N/A", "NaN", "null" */
	int n_na;
	const struct csv_type_override *types;
	int ntypes;
	int skip_bad_rows;                   /* 0: a ragged row is an error; 1: skip and report */
	int threads;                         /* 0: OpenMP default */
};

#define CSV_MAX_NOTES 8

struct csv_report {
	size_t rows;                         /* data rows in the frame */
	size_t bad_rows;                     /* rows skipped (skip_bad_rows) */
	int nnotes;                          /* first few skipped rows and header renames */
	char notes[CSV_MAX_NOTES][256];      /* "data.csv:17:3: expected 5 fields, found 3" */
	char delim;                          /* the delimiter used */
};

/* Fills opts with the defaults. */
void csv_opts_init(struct csv_opts *opts);

/* Reads a file.  rep may be NULL.  Returns a sealed frame (content hash) or
 * NULL with err set. */
struct frame *csv_read(const char *path, const struct csv_opts *opts,
		       struct csv_report *rep, struct wb_err *err);
/* The same over a memory buffer; `name` is used in messages. */
struct frame *csv_read_mem(const char *name, const char *data, size_t len,
			   const struct csv_opts *opts, struct csv_report *rep,
			   struct wb_err *err);

/* Writes f with a header; fields are quoted only when needed; missing
 * values are written as empty fields.  Written to a temporary file in the
 * same directory and renamed, so a failure never leaves half a file. */
int csv_write(const struct frame *f, const char *path, char delim, struct wb_err *err);

#endif
