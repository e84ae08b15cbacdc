/* cli_common — messages, file reading and the run-log location shared by the
 * subcommands. */
#include "cli/cli.h"
#include "core/err.h"
#include "track/runlog.h"

#include <limits.h>
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void cli_error(const char *fmt, ...)
{
	va_list ap;
	fputs("wb: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_usage(const char *usage, const char *fmt, ...)
{
	va_list ap;
	fputs("wb: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: %s\n", usage);
	return WB_EXIT_USAGE;
}

char *cli_log_path(const char *flag_value)
{
	const char *env = getenv("WB_LOG");
	char cwd[PATH_MAX];
	if (flag_value && *flag_value)
		return xstrdup(flag_value);
	if (env && *env)
		return xstrdup(env);
	if (!getcwd(cwd, sizeof(cwd)))
		return xstrdup(".wb/runs.db");
	return runlog_default_path(cwd);
}

char *cli_read_file(const char *path, const char *what, size_t *len, struct wb_err *err)
{
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		wb_error(err, "cannot open %s '%s': %s", what, path, strerror(errno));
		return NULL;
	}
	size_t cap = 4096, n = 0, got;
	char *buf = xmalloc(cap);
	while ((got = fread(buf + n, 1, cap - n - 1, fp)) > 0) {
		n += got;
		if (cap - n - 1 == 0)
			buf = xrealloc(buf, cap *= 2);
	}
	int bad = ferror(fp);
	fclose(fp);
	if (bad) {
		free(buf);
		wb_error(err, "cannot read %s '%s'", what, path);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

