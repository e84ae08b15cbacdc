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
 * the number of threads.  Files are read in bounded windows (pread), so peak
 * memory is the frame plus a few tens of MB.
 *
 * Header names: an empty name becomes "column_<j>" (j the 1-based field
 * number); a repeated name "x" becomes "x_2", then "x_3", ..., skipping any
 * name the header already holds.  Each rename is reported in
 * csv_report.notes ("data.csv:1:3: duplicate column name 'x', renamed 'x_2'").
 *
 * Missing values: an unquoted field equal to a missing token is missing; a
 * QUOTED field is never missing, so the text "NA" survives as ""NA"".  An
 * empty line is a row of one missing value in a one-column file and is
 * skipped otherwise.  Fields are not trimmed: " 1" is text.
 *
 * Inference (over the whole file): bool (true/false/TRUE/FALSE/True/False),
 * int (int64), num (double, also inf/-inf), time (ISO dates/datetimes, see
 * parse_time), else text: cat when it has <= 1000 distinct values and at
 * most half as many as non-missing values (or <= 2 distinct), else str.  A
 * column with no values at all is num.  Cat levels are sorted bytewise.
 *
 * Errors name file:line:column; for a ragged row the line is where the row
 * starts and the column the first field that is extra or missing; for an
 * unterminated quote, the line where the quoted field starts.
 */
#ifndef WB_CSV_H
#define WB_CSV_H

#include <stddef.h>
#include <stdio.h>
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
	size_t chunk_bytes;                  /* 0: default (2 MB); tests use small
					      * values to exercise chunk seams */
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

/* Writes f with a header; fields are quoted only when needed (delimiter,
 * quote, CR/LF, leading/trailing space or tab, empty text, text equal to a
 * default missing token); missing values are written as empty fields; a
 * num value that looks integral is written with ".0" so it reads back as
 * num.  delim 0 means ','.  csv_read of the result gives the same frame
 * (same content hash).  Written to a temporary file in the
 * same directory and renamed, so a failure never leaves half a file. */
int csv_write(const struct frame *f, const char *path, char delim, struct wb_err *err);
/* The same text to an open stream (with or without the header line), for
 * output written in pieces (wb predict's chunks) or to memory
 * (open_memstream).  Returns 0, or -1 on a write error (errno set). */
int csv_write_fp(const struct frame *f, FILE *fp, char delim, int header);

#endif
