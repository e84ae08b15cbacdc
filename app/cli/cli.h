/*
 * cli — the command-line face: one file per subcommand family, dispatched
 * from main.c.  Only faces print and exit.  Exit codes (DESIGN.md §8):
 * 0 ok, 1 error, 2 usage, 3 a check/gate failed.
 */
#ifndef WB_CLI_H
#define WB_CLI_H

#include <jansson.h>

#include <stddef.h>

enum { WB_EXIT_OK = 0, WB_EXIT_ERROR = 1, WB_EXIT_USAGE = 2, WB_EXIT_GATE = 3 };

/* Each takes the arguments after the subcommand name (argv[0] is the
 * subcommand itself) and returns the exit code. */
int cmd_run(int argc, char **argv);
int cmd_runs(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_repl(int argc, char **argv);
int cmd_register(int argc, char **argv);
int cmd_models(int argc, char **argv);
int cmd_alias(int argc, char **argv);
int cmd_package(int argc, char **argv);
int cmd_bundle(int argc, char **argv);
int cmd_predict(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_drift(int argc, char **argv);
int cmd_export_c(int argc, char **argv);
/* The TUI: `wb [FILE | RUNLOG]` (argv[0] is "wb"; argv[1], if any, the file). */
int cmd_tui(int argc, char **argv);

struct lua_State;

/* A Lua text run as one recorded run (wb run, wb train). */
struct cli_exec {
	const char *kind;           /* runs.kind: "run", "train" */
	const char *name;           /* recipe path or command name */
	const char *text;           /* the Lua text (stored with the run) */
	size_t text_len;
	const char **sets;          /* "key=value" put typed into wb.params */
	int nsets;
	const char **raw_keys, **raw_values; /* put into wb.params as strings */
	int nraw;
	unsigned long long seed;
	int have_seed;
	const char *log_flag;
	int json_out;               /* print goes to stderr; a JSON summary to stdout */
	int no_traceback;           /* the text is wb's own (wb train): a traceback
				     * into it would only be noise */
	int argc;
	char **argv;
	/* Prints the outcome instead of the default JSON summary (ok: the
	 * text ran without error). */
	void (*result)(struct lua_State *L, int ok, const char *run_id, const char *status,
		       double seconds, const char *log, void *ud);
	void *ud;
};

/* Runs x; returns the exit code (0, 1, 3 gate failed, 130 interrupted). */
int cli_exec(struct cli_exec *x);
/* Runs one of wb's own recipes, <datadir>/lua/wb/<script> (wb train, wb plot,
 * wb package): x->text is filled from the file, kind/name from the
 * arguments, x->no_traceback is set (a traceback into wb's own recipe would
 * only be noise).  Returns the exit code. */
int cli_exec_builtin(struct cli_exec *x, const char *script, const char *kind,
		     const char *name);
/* The table such a recipe left in the global WB_RESULT as JSON ({} when it
 * failed or left none), with run_id, status and log added; empties the
 * stack.  Caller decrefs. */
struct lua_State;
json_t *cli_result_json(struct lua_State *L, int ok, const char *run_id, const char *status,
			const char *log);

/* Handles the options every cli_exec command shares (--set k=v, --seed N,
 * --log PATH, --json) at argv[*i]: 1 used (advancing *i past a value),
 * 0 not one of them, -1 a usage error (*rc set). */
int cli_exec_option(struct cli_exec *x, int argc, char **argv, int *i, const char *usage,
		    const char *cmd, int *rc);

/* The run log path: the --log value if given, else $WB_LOG, else the
 * default (.wb/runs.db in the nearest parent holding .wb/, else here).
 * Caller frees. */
char *cli_log_path(const char *flag_value);

/* A whole file as a NUL-terminated heap string (*len bytes), or NULL with
 * "cannot open <what> '<path>': <reason>". */
struct wb_err;
char *cli_read_file(const char *path, const char *what, size_t *len, struct wb_err *err);

/* "wb: <message>" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "wb <cmd>: <message>" plus "usage: ..." on stderr; returns WB_EXIT_USAGE. */
int cli_usage(const char *usage, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
