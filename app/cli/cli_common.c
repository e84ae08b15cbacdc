/* cli_common — messages and the run-log location shared by the subcommands. */
#include "cli/cli.h"
#include "core/err.h"
#include "track/runlog.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
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
