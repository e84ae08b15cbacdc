/*
 * cmd_tui — `wb [FILE.csv | RUNS.db]`: the TUI (app/tui/tui.h).
 *
 * No argument opens this project's run log on the Runs sheet; a CSV file
 * opens as a data sheet; a SQLite file (by its header, or a .db / .sqlite
 * name) opens as a run log.  Everything that can be checked before the
 * screen starts is, so a bad argument is a plain error with exit code 1
 * and the terminal is never left in curses mode.
 */
#include "cli/cli.h"
#include "tui/tui.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char USAGE[] = "wb [FILE.csv | RUNS.db]";

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

/* A run log: the SQLite header, or (for an empty file) the name. */
static int is_runlog(const char *path)
{
	char head[16];
	FILE *f = fopen(path, "rb");
	size_t n = f ? fread(head, 1, sizeof(head), f) : 0;
	if (f)
		fclose(f);
	if (n == sizeof(head))
		return memcmp(head, "SQLite format 3", 16) == 0;
	return ends_with(path, ".db") || ends_with(path, ".sqlite") || ends_with(path, ".sqlite3");
}

int cmd_tui(int argc, char **argv)
{
	struct tui_opts o = { .argc = argc, .argv = argv };
	if (argc > 2)
		return cli_usage(USAGE, "one file at a time");
	if (argc == 2) {
		const char *path = argv[1];
		if (!strcmp(path, "-h") || !strcmp(path, "--help")) {
			printf("usage: %s\n  the TUI: explore a CSV file, or the runs of a run log "
			       "(no argument: this project's); ? inside lists the keys\n", USAGE);
			return WB_EXIT_OK;
		}
		struct stat st;
		if (stat(path, &st) < 0 || access(path, R_OK) < 0) {
			cli_error("cannot open '%s': %s", path, strerror(errno));
			return WB_EXIT_ERROR;
		}
		if (S_ISDIR(st.st_mode)) {
			cli_error("'%s' is a directory: give a CSV file or a run log", path);
			return WB_EXIT_ERROR;
		}
		o.file = path;
		o.runlog = is_runlog(path);
	}
	if (!isatty(0) || !isatty(1)) {
		cli_error("the TUI needs a terminal; for scripts use `wb run RECIPE.lua`, "
			  "`wb runs` or `wb repl`");
		return WB_EXIT_ERROR;
	}
	return tui_main(&o);
}
