/*
 * main — the `wb` command: dispatches to one function per subcommand.
 * The table below is the list `wb help` prints.
 */
#include "cli/cli.h"
#include "core/err.h"

#include <stdio.h>
#include <string.h>

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "run", cmd_run, "run a Lua recipe headless, recorded in the run log" },
	{ "runs", cmd_runs, "list recorded runs" },
	{ "train", cmd_train, "train a model on a CSV file and print its metrics" },
	{ "show", cmd_show, "show one run: steps, params, metrics, datasets, artifacts" },
	{ "plot", cmd_plot, "draw a plot of data, models or runs, in the terminal or to a file" },
	{ "repl", cmd_repl, "a Lua REPL (readline) with wb preloaded, recorded as a run" },
	{ "package", cmd_package, "package a run's model, recipe and checks into one .wbz bundle" },
	{ "bundle", cmd_bundle, "inspect a bundle, or verify its hashes and golden rows" },
	{ "predict", cmd_predict, "score a CSV file with a bundle" },
	{ "serve", cmd_serve, "serve a bundle over HTTP (MLflow's /invocations, /metrics)" },
	{ "export-c", cmd_export_c, "write a bundle's recipe and model as one dependency-free C file" },
	{ "drift", cmd_drift, "compare data with a bundle's (or a CSV's) reference statistics" },
	{ "register", cmd_register, "register a run's model or a bundle as the next version of NAME" },
	{ "models", cmd_models, "list registered models, their versions and aliases" },
	{ "alias", cmd_alias, "set, move or remove an alias (production, ...); its history" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: wb [FILE.csv | RUNS.db]   the TUI (no argument: this project's runs)\n"
		     "       wb <command> [args]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n`wb <command> --help` tells more; see also wb(1) and README.md.\n");
}

static void on_bug(const char *msg)
{
	fprintf(stderr, "wb: %s\n", msg);
}

int main(int argc, char **argv)
{
	wb_set_bug_handler(on_bug);
	if (argc < 2)
		return cmd_tui(argc, argv);
	const char *cmd = argv[1];
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		usage(stdout);
		return WB_EXIT_OK;
	}
	if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
		printf("wb %s\n", WB_VERSION);
		return WB_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(cmd, commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	/* Anything else that names a file opens it in the TUI (wb data.csv). */
	if (cmd[0] != '-' && (strchr(cmd, '.') || strchr(cmd, '/')) && argc == 2)
		return cmd_tui(argc, argv);
	fprintf(stderr, "wb: unknown command '%s'\n", cmd);
	usage(stderr);
	return WB_EXIT_USAGE;
}
