/*
 * outfile — an output file that appears whole or not at all (see outfile.h).
 */
#include "core/outfile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int outfile_open(struct outfile *o, const char *path, struct wb_err *err)
{
	memset(o, 0, sizeof(*o));
	struct stat st;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode))
			return wb_error(err, "cannot write '%s': it is a directory", path);
		o->fp = fopen(path, "w");
		if (!o->fp)
			return wb_error(err, "cannot write '%s': %s", path, strerror(errno));
		o->path = xstrdup(path);
		return 0;
	}
	o->tmp = xasprintf("%s.tmp.XXXXXX", path);
	int fd = mkstemp(o->tmp);
	if (fd < 0) {
		int e = errno;
		free(o->tmp);
		o->tmp = NULL;
		return wb_error(err, "cannot write '%s': %s", path, strerror(e));
	}
	fchmod(fd, 0644);
	o->fp = fdopen(fd, "w");
	if (!o->fp) {
		int e = errno;
		close(fd);
		unlink(o->tmp);
		free(o->tmp);
		o->tmp = NULL;
		return wb_error(err, "cannot write '%s': %s", path, strerror(e));
	}
	o->path = xstrdup(path);
	return 0;
}

static void outfile_clear(struct outfile *o)
{
	free(o->path);
	free(o->tmp);
	memset(o, 0, sizeof(*o));
}

int outfile_commit(struct outfile *o, struct wb_err *err)
{
	int e = 0;
	if (fflush(o->fp) != 0)
		e = errno ? errno : EIO;
	/* A device or pipe need not support fsync; a regular file must. */
	if (!e && o->tmp && fsync(fileno(o->fp)) != 0)
		e = errno ? errno : EIO;
	if (fclose(o->fp) != 0 && !e)
		e = errno ? errno : EIO;
	o->fp = NULL;
	if (!e && o->tmp && rename(o->tmp, o->path) != 0)
		e = errno;
	if (e) {
		if (o->tmp)
			unlink(o->tmp);
		wb_error(err, "cannot write '%s': %s", o->path, strerror(e));
	}
	outfile_clear(o);
	return e ? -1 : 0;
}

void outfile_abort(struct outfile *o)
{
	if (o->fp)
		fclose(o->fp);
	if (o->tmp)
		unlink(o->tmp);
	outfile_clear(o);
}
