/*
 * cmd_train — `wb train FILE --target COL [--model NAME] [--set k=v]...
 *             [--test FILE | --split F] [--valid FILE] [--task T]
 *             [-o MODEL.json] [--seed N] [--log PATH] [--json]`
 *
 * Trains one model on a CSV file and prints its metrics.  It runs the Lua
 * recipe lua/wb/train.lua through the same executor as `wb run`, so the
 * run log holds exactly what a recipe would: the read, the split, the
 * train step with its per-round curve, the model artifact, the evaluation.
 * --set here sets model parameters (wb train ... --set rounds=200).
 */
#include "cli/cli.h"
#include "core/err.h"
#include "lua/lua_host.h"
#include "lua/lua_wb.h"

#include <errno.h>
#include <jansson.h>
#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char USAGE[] =
	"wb train FILE --target COL [--model NAME] [--set param=value]... "
	"[--test FILE | --split F] [--valid FILE] [--task classification|regression] "
	"[-o MODEL.json] [--seed N] [--log PATH] [--json]";

static int cmp_key(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Prints the result table the recipe left in WB_RESULT. */
static void print_result(lua_State *L, int ok, const char *run_id, const char *status,
			 double seconds, const char *log, void *ud)
{
	int json_out = *(int *)ud;
	json_t *r = cli_result_json(L, ok, run_id, status, log);
	if (json_out) {
		json_object_set_new(r, "seconds", json_real(seconds));
		json_dumpf(r, stdout, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(10));
		fputc('\n', stdout);
		json_decref(r);
		return;
	}
	if (!ok) {
		json_decref(r);
		return;
	}
	const char *model = json_string_value(json_object_get(r, "model"));
	const char *task = json_string_value(json_object_get(r, "task"));
	const char *target = json_string_value(json_object_get(r, "target"));
	printf("%s %s of '%s': %lld training rows, %lld test rows, %lld features, %.3f s\n",
	       model ? model : "?", task ? task : "?", target ? target : "-",
	       (long long)json_integer_value(json_object_get(r, "train_rows")),
	       (long long)json_integer_value(json_object_get(r, "test_rows")),
	       (long long)json_integer_value(json_object_get(r, "features")),
	       json_number_value(json_object_get(r, "train_seconds")));
	json_t *mt = json_object_get(r, "metrics");
	size_t n = json_object_size(mt), k = 0;
	const char **keys = xcalloc(n + 1, sizeof(char *));
	const char *key;
	json_t *v;
	json_object_foreach(mt, key, v)
		keys[k++] = key;
	qsort(keys, n, sizeof(char *), cmp_key);
	for (k = 0; k < n; k++)
		printf("  %-18s %.6g\n", keys[k], json_number_value(json_object_get(mt, keys[k])));
	const char *out = json_string_value(json_object_get(r, "output"));
	if (out)
		printf("model saved to %s\n", out);
	printf("run %.8s\n", run_id);
	free(keys);
	json_decref(r);
}

int cmd_train(int argc, char **argv)
{
	struct cli_exec x;
	memset(&x, 0, sizeof(x));
	const char **sets = xcalloc((size_t)argc + 1, sizeof(char *));
	x.sets = sets;
	const char *keys[16], *vals[16];
	int nraw = 0, rc = WB_EXIT_USAGE;
	const char *file = NULL;
	int have_target = 0, have_test = 0, have_split = 0;
	char **owned = xcalloc((size_t)argc + 1, sizeof(char *));
	int nowned = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int before = x.nsets;
		int used = cli_exec_option(&x, argc, argv, &i, USAGE, "train", &rc);
		if (used < 0)
			goto out;
		if (x.nsets > before) {
			/* --set names a model parameter: model.<name> in wb.params. */
			owned[nowned] = xasprintf("model.%s", x.sets[before]);
			x.sets[before] = owned[nowned++];
		}
		if (used)
			continue;
		static const struct { const char *flag, *key; } opts[] = {
			{ "--target", "target" }, { "--model", "model" }, { "--test", "test" },
			{ "--split", "split" }, { "--valid", "valid" }, { "--task", "task" },
			{ "-o", "output" }, { "--output", "output" },
		};
		int matched = 0;
		for (size_t k = 0; k < sizeof(opts) / sizeof(opts[0]); k++) {
			if (strcmp(a, opts[k].flag))
				continue;
			matched = 1;
			if (++i >= argc) {
				rc = cli_usage(USAGE, "train: %s needs a value", a);
				goto out;
			}
			if (nraw == 16) {
				rc = cli_usage(USAGE, "train: too many options");
				goto out;
			}
			keys[nraw] = opts[k].key;
			vals[nraw++] = argv[i];
			have_target |= !strcmp(opts[k].key, "target");
			have_test |= !strcmp(opts[k].key, "test");
			if (!strcmp(opts[k].key, "split")) {
				char *end;
				double f = strtod(argv[i], &end);
				if (*end || !(f > 0 && f < 1)) {
					rc = cli_usage(USAGE, "train: --split needs a fraction in "
						       "(0, 1), got '%s'", argv[i]);
					goto out;
				}
				have_split = 1;
			}
			if (!strcmp(opts[k].key, "task") && strcmp(argv[i], "classification") &&
			    strcmp(argv[i], "regression")) {
				rc = cli_usage(USAGE, "train: --task must be classification or "
					       "regression");
				goto out;
			}
		}
		if (matched)
			continue;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			printf("usage: %s\n", USAGE);
			rc = WB_EXIT_OK;
			goto out;
		}
		if (a[0] == '-' && a[1]) {
			rc = cli_usage(USAGE, "train: unknown option '%s'", a);
			goto out;
		}
		if (file) {
			rc = cli_usage(USAGE, "train: one data file at a time (got '%s' and '%s')",
				       file, a);
			goto out;
		}
		file = a;
	}
	if (!file) {
		rc = cli_usage(USAGE, "train: which data file?");
		goto out;
	}
	int clustering = 0;
	for (int k = 0; k < nraw; k++)
		clustering |= !strcmp(keys[k], "model") && !strcmp(vals[k], "kmeans");
	if (!have_target && !clustering) {
		rc = cli_usage(USAGE, "train: --target COL is required");
		goto out;
	}
	if (have_test && have_split) {
		rc = cli_usage(USAGE, "train: give --test FILE or --split F, not both");
		goto out;
	}
	keys[nraw] = "file";
	vals[nraw++] = file;

	x.raw_keys = keys;
	x.raw_values = vals;
	x.nraw = nraw;
	x.argc = argc;
	x.argv = argv;
	x.result = print_result;
	x.ud = &x.json_out;
	rc = cli_exec_builtin(&x, "train.lua", "train", "wb train");
out:
	for (int k = 0; k < nowned; k++)
		free(owned[k]);
	free(owned);
	free(sets);
	return rc;
}
