/*
 * outfile — an output file that appears whole or not at all.
 *
 *   struct outfile o;
 *   if (outfile_open(&o, "scored.csv", &err) < 0) return -1;
 *   fputs(..., o.fp);                    // or write(fileno(o.fp), ...)
 *   return outfile_commit(&o, &err);     // or outfile_abort(&o) on failure
 *
 * A regular file (or a path that does not exist yet) is written to a
 * temporary file beside it, fsynced, and renamed over the path only by
 * outfile_commit: a failure or a crash never leaves half a file, and the
 * old file stays until the new one is complete.  Anything else — a device
 * such as /dev/null or /dev/stdout, a FIFO, a terminal — is opened and
 * written in place: renaming a regular file over it would replace the
 * device (renaming over /dev/null breaks every program on the machine).
 */
#ifndef WB_OUTFILE_H
#define WB_OUTFILE_H

#include <stdio.h>
#include "core/err.h"

struct outfile {
	FILE *fp;     /* write here */
	char *path;   /* the destination */
	char *tmp;    /* the temporary file, or NULL when writing in place */
};

/* Opens path for writing (new files get mode 0644).  0, or -1 with err
 * ("cannot write 'x': ..."). */
int outfile_open(struct outfile *o, const char *path, struct wb_err *err);
/* Flushes, syncs and closes; renames the temporary file over the path.
 * 0, or -1 with err (the temporary file is removed). */
int outfile_commit(struct outfile *o, struct wb_err *err);
/* Closes and removes the temporary file; the destination is untouched. */
void outfile_abort(struct outfile *o);

#endif
