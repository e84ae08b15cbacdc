/*
 * cli — the command-line face: one file per subcommand family, dispatched
 * from main.c.  Only faces print and exit.  Exit codes (DESIGN.md §8):
 * 0 ok, 1 error, 2 usage, 3 a check/gate failed.
 */
#ifndef WB_CLI_H
#define WB_CLI_H

enum { WB_EXIT_OK = 0, WB_EXIT_ERROR = 1, WB_EXIT_USAGE = 2, WB_EXIT_GATE = 3 };

/* Each takes the arguments after the subcommand name (argv[0] is the
 * subcommand itself) and returns the exit code. */
int cmd_run(int argc, char **argv);
int cmd_runs(int argc, char **argv);
int cmd_show(int argc, char **argv);

/* The run log path: the --log value if given, else $WB_LOG, else the
 * default (.wb/runs.db in the nearest parent holding .wb/, else here).
 * Caller frees. */
char *cli_log_path(const char *flag_value);

/* "wb: <message>" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "wb <cmd>: <message>" plus "usage: ..." on stderr; returns WB_EXIT_USAGE. */
int cli_usage(const char *usage, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
