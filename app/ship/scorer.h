/*
 * scorer — streams a CSV file through a model into CSV, in chunks, so a
 * 10 GB input is scored in constant memory (`wb predict`).
 *
 * The input is cut at row boundaries (a newline outside quotes) into
 * chunks of about chunk_bytes; each chunk is parsed with the header and
 * with every schema column's kind forced (so a chunk whose values happen to
 * look like integers still reads a num column as num, and the chunks agree
 * with training), scored with model_predict, and written out at once.
 * Errors name the input file with its real line number, not the chunk's.
 *
 * Output: the --keep columns of the input, then pred and (with proba)
 * p_<class>; numbers in the shortest text that reads back to the same
 * double, so a CSV of predictions compares exactly with in-session ones.
 */
#ifndef WB_SCORER_H
#define WB_SCORER_H

#include <jansson.h>
#include <stdio.h>
#include "core/err.h"
#include "ml/model.h"

struct scorer_opts {
	int proba;                  /* p_<class> columns too */
	const char *const *keep;    /* input columns copied to the output */
	int nkeep;
	size_t chunk_bytes;         /* 0: 32 MB */
};

struct scorer_stats {
	size_t rows, chunks;
};

/* schema: the bundle manifest's input.columns (array of {name, kind}) or
 * NULL (kinds detected per chunk).  Writes to out; returns 0 or -1. */
int scorer_run(const struct model *m, const json_t *schema, const char *in_path, FILE *out,
	       const struct scorer_opts *o, struct scorer_stats *st, struct wb_err *err);

#endif
