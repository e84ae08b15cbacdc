/*
 * cmd_repl — `wb repl [--log PATH] [--seed N] [--set k=v]...`
 *
 * A readline Lua REPL (app/repl/repl.h) inside one recorded run of kind
 * "repl": the chunks that ran without error become the run's recipe, so
 * `wb show RUN` lists them and `wb run` replays them.  Exit codes: 0 at
 * Ctrl-D; with stdin piped, 1 after an error and 3 after a failed
 * wb.check; 130 when ended by a signal.
 */
#include "cli/cli.h"
#include "cli/session.h"
#include "core/err.h"
#include "lua/lua_wb.h"
#include "repl/repl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char USAGE[] = "wb repl [--set key=value]... [--seed N] [--log PATH]";

int cmd_repl(int argc, char **argv)
{
	struct cli_exec x;
	memset(&x, 0, sizeof(x));
	x.sets = xcalloc((size_t)argc + 1, sizeof(char *));
	int rc = WB_EXIT_OK;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int used = cli_exec_option(&x, argc, argv, &i, USAGE, "repl", &rc);
		if (used < 0)
			goto out;
		if (used && x.json_out) {
			rc = cli_usage(USAGE, "repl: --json is for commands that end on their own");
			goto out;
		}
		if (used)
			continue;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			printf("usage: %s\n", USAGE);
			goto out;
		}
		rc = cli_usage(USAGE, "repl: unknown %s '%s'", a[0] == '-' ? "option" : "argument", a);
		goto out;
	}

	struct cli_session cs;
	struct cli_session_opts o = {
		.kind = "repl", .name = "wb repl", .sets = x.sets, .nsets = x.nsets,
		.seed = x.seed, .have_seed = x.have_seed, .log_flag = x.log_flag,
		.argc = argc, .argv = argv,
	};
	if (cli_session_open(&cs, &o) < 0) {
		rc = WB_EXIT_ERROR;
		goto out;
	}
	const char *status;
	char message[1024];
	rc = repl_run(&cs, &status, message, sizeof(message));
	double secs = lwb_now() - cs.started;
	fprintf(stderr, "wb: run %.8s %s (%d step%s, %.2f s) in %s\n", cs.s.run_id, status,
		cs.s.nsteps, cs.s.nsteps == 1 ? "" : "s", secs, cs.log_path);
	if (cli_session_close(&cs, status, message[0] ? message : NULL) < 0 && rc == WB_EXIT_OK)
		rc = WB_EXIT_ERROR;
out:
	free(x.sets);
	return rc;
}
