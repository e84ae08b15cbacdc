/*
 * cmd_plot — `wb plot KIND ARGS... [options]`: any plot kind, headless, to
 * the terminal or to a file.
 *
 *   wb plot hist data.csv age --bins 30
 *   wb plot scatter data.csv income debt --by status -o scatter.png
 *   wb plot roc test.csv --model RUN --model other.json -o roc.svg
 *   wb plot learning RUN          wb plot cv RUN
 *   wb plot gnuplot my.gp data.csv
 *
 * Like `wb train`, it runs a Lua recipe (lua/wb/plot.lua) through the
 * shared executor, so a saved plot is an artifact (path, sha256, bytes) of
 * a recorded run, and the data it read is in the run's lineage.
 */
#include "cli/cli.h"
#include "core/err.h"
#include "lua/lua_host.h"
#include "lua/lua_wb.h"
#include "plot/plot.h"

#include <jansson.h>
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char USAGE[] =
	"wb plot KIND ARGS... [-o FILE.png|.svg|.pdf] [--size WxH] [--text] [--script]\n"
	"               [--model M]... [--by COL] [--bins N] [--positive CLASS] [--metric M]\n"
	"               [--title T] [--set option=value]... [--log PATH] [--json]";

static void print_help(void)
{
	printf("usage: %s\n\n", USAGE);
	printf("Data:   wb plot hist|bar FILE COL        wb plot scatter FILE X Y [--by COL]\n"
	       "        wb plot line FILE X Y...          wb plot box FILE COL [--by GROUP]\n"
	       "        wb plot corr FILE [COL...]\n"
	       "Models: wb plot roc|pr|calibration|confusion|residuals|predicted TEST.csv "
	       "--model M [--model M2]...\n"
	       "        wb plot importance --model M      (M: a model JSON file or a run id)\n"
	       "Runs:   wb plot learning RUN             wb plot cv RUN [--metric auc]\n"
	       "Yours:  wb plot gnuplot SCRIPT.gp [FILE [COL...]]   (the data is $data)\n\n"
	       "Without -o the plot is drawn in the terminal (sixel when it can, else text;\n"
	       "--size is then COLSxROWS); with -o it is written as PNG, SVG or PDF (--size\n"
	       "in pixels) and recorded as an artifact of the run.\n\nKinds:\n");
	for (const char *const *n = plot_kind_names(); *n; n++) {
		const struct plot_kind *k = plot_kind_find(*n);
		printf("  %-12s %s\n", k->name, k->summary);
	}
}

/* Prints what the recipe left in WB_RESULT (a saved file, or nothing: a
 * terminal plot was already drawn). */
static void print_result(lua_State *L, int ok, const char *run_id, const char *status,
			 double seconds, const char *log, void *ud)
{
	int json_out = *(int *)ud;
	json_t *r = cli_result_json(L, ok, run_id, status, log);
	if (json_out) {
		json_object_set_new(r, "seconds", json_real(seconds));
		json_dumpf(r, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		fputc('\n', stdout);
	} else if (ok) {
		const char *out = json_string_value(json_object_get(r, "output"));
		const char *sha = json_string_value(json_object_get(r, "sha256"));
		const char *note = json_string_value(json_object_get(r, "note"));
		if (out)
			printf("wrote %s (sha256 %.12s, run %.8s)%s%s\n", out, sha ? sha : "?", run_id,
			       note && *note ? ": " : "", note && *note ? note : "");
	}
	json_decref(r);
}

/* Flags that are a kind option under another name. */
static const struct {
	const char *flag, *opt;
} shortcuts[] = {
	{ "--by", "by" }, { "--bins", "bins" }, { "--positive", "positive" },
	{ "--metric", "metric" }, { "--title", "title" }, { "--top", "top" },
	{ "--method", "method" }, { "--normalize", "normalize" },
};

int cmd_plot(int argc, char **argv)
{
	struct cli_exec x;
	memset(&x, 0, sizeof(x));
	int cap = argc + 8;
	const char **sets = xcalloc((size_t)cap, sizeof(char *));
	const char **keys = xcalloc((size_t)cap, sizeof(char *));
	const char **vals = xcalloc((size_t)cap, sizeof(char *));
	char **owned = xcalloc((size_t)cap * 2, sizeof(char *));
	int nowned = 0, nraw = 0, nargs = 0, nmodels = 0, rc = WB_EXIT_USAGE;
	const char *kind = NULL;
	x.sets = sets;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int before = x.nsets;
		int used = cli_exec_option(&x, argc, argv, &i, USAGE, "plot", &rc);
		if (used < 0)
			goto out;
		if (x.nsets > before) {
			/* --set names a kind option: opt.<name> in wb.params. */
			owned[nowned] = xasprintf("opt.%s", x.sets[before]);
			x.sets[before] = owned[nowned++];
		}
		if (used)
			continue;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			print_help();
			rc = WB_EXIT_OK;
			goto out;
		}
		if (!strcmp(a, "--text") || !strcmp(a, "--script")) {
			keys[nraw] = a + 2;
			vals[nraw++] = "1";
			continue;
		}
		int matched = 0;
		for (size_t k = 0; k < sizeof(shortcuts) / sizeof(shortcuts[0]) && !matched; k++) {
			if (strcmp(a, shortcuts[k].flag))
				continue;
			matched = 1;
			if (++i >= argc) {
				rc = cli_usage(USAGE, "plot: %s needs a value", a);
				goto out;
			}
			owned[nowned] = xasprintf("opt.%s=%s", shortcuts[k].opt, argv[i]);
			x.sets[x.nsets++] = owned[nowned++];
		}
		if (matched)
			continue;
		if (!strcmp(a, "-o") || !strcmp(a, "--output") || !strcmp(a, "--size") ||
		    !strcmp(a, "--model")) {
			if (++i >= argc) {
				rc = cli_usage(USAGE, "plot: %s needs a value", a);
				goto out;
			}
			if (!strcmp(a, "--model")) {
				owned[nowned] = xasprintf("model.%d", ++nmodels);
				keys[nraw] = owned[nowned++];
			} else {
				keys[nraw] = !strcmp(a, "--size") ? "size" : "output";
			}
			if (!strcmp(a, "--size")) {
				int w, h;
				char end;
				if (sscanf(argv[i], "%dx%d%c", &w, &h, &end) != 2 || w < 1 || h < 1) {
					rc = cli_usage(USAGE, "plot: --size needs WIDTHxHEIGHT, e.g. "
						       "100x30 or 1200x800, got '%s'", argv[i]);
					goto out;
				}
			}
			vals[nraw++] = argv[i];
			continue;
		}
		if (a[0] == '-' && a[1]) {
			rc = cli_usage(USAGE, "plot: unknown option '%s'", a);
			goto out;
		}
		if (!kind) {
			kind = a;
			continue;
		}
		owned[nowned] = xasprintf("arg.%d", ++nargs);
		keys[nraw] = owned[nowned++];
		vals[nraw++] = a;
	}
	if (!kind) {
		rc = cli_usage(USAGE, "plot: which kind? (wb plot --help lists them)");
		goto out;
	}
	if (!plot_kind_find(kind)) {
		struct wb_err err;
		plot_make(kind, NULL, NULL, &err); /* the message lists the kinds */
		rc = cli_usage(USAGE, "plot: %s", err.msg);
		goto out;
	}
	keys[nraw] = "kind";
	vals[nraw++] = kind;

	x.raw_keys = keys;
	x.raw_values = vals;
	x.nraw = nraw;
	x.argc = argc;
	x.argv = argv;
	x.result = print_result;
	x.ud = &x.json_out;
	rc = cli_exec_builtin(&x, "plot.lua", "plot", "wb plot");
out:
	for (int k = 0; k < nowned; k++)
		free(owned[k]);
	free(owned);
	free(sets);
	free(keys);
	free(vals);
	return rc;
}
