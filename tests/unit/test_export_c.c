/*
 * test_export_c — `wb export-c` (app/ship/export_c.h): for every supported
 * family a model is trained in-test, exported, compiled with the system cc
 * next to a generated harness holding the scoring rows, run, and every
 * output compared bit for bit with model_score on the same rows (unseen
 * levels and missing values included).  Unsupported parts give the error.
 */
#include "tap.h"
#include "fixture.h"
#include "ml/model.h"
#include "ml/recipe.h"
#include "ship/export_c.h"
#include "core/strbuf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmpdir[64];
static int have_cc;

/* ---------------------------------------------------------------- data */

static uint64_t lcg_state;
static double rnd(void)
{
	lcg_state = lcg_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(lcg_state >> 11) / 9007199254740992.0;
}

static const char *const train_levels[] = { "red", "green", "blue", "odd \"?\x2a/ \xc3\xa9" };
static const char *const score_levels[] = { "blue", "purple", "red", "odd \"?\x2a/ \xc3\xa9",
					     "green", "" };

/* x1 num (NaN every 7th), n2 int (missing every 11th), color cat (missing
 * every 5th), flag bool, when time (missing every 9th), then the target: kind 0 = 3 classes (cat), 1 = 2
 * classes (cat), 2 = regression (num).  score: no target, other levels
 * (unseen "purple" and ""), more missing. */
static struct frame *mk_frame(size_t n, int score, int kind, uint64_t seed)
{
	lcg_state = seed;
	double *x1 = malloc(n * sizeof(double)), *y = malloc(n * sizeof(double));
	int64_t *n2 = malloc(n * sizeof(int64_t));
	int *n2m = malloc(n * sizeof(int));
	int32_t *col = malloc(n * sizeof(int32_t)), *cls = malloc(n * sizeof(int32_t));
	int8_t *flag = malloc(n);
	struct column *when = column_new(COL_TIME, n);
	for (size_t i = 0; i < n; i++) {
		/* 1938..2033, missing every 9th (and more when scoring) */
		when->i64[i] = (int64_t)((rnd() * 3 - 1) * 1e15);
		when->valid[i] = !(i % 9 == 4 || (score && i % 8 == 3));
		x1[i] = (i % 7 == 3 || (score && i % 4 == 1)) ? NAN : rnd() * 10 - 3;
		n2[i] = (int64_t)(rnd() * 20);
		n2m[i] = i % 11 == 5 || (score && i % 6 == 2);
		int nl = score ? 6 : 4;
		col[i] = (i % 5 == 2) ? -1 : (int32_t)(rnd() * nl);
		flag[i] = rnd() < 0.5;
		double xv = isnan(x1[i]) ? 1 : x1[i];
		double t = xv + (n2m[i] ? 0 : 0.2 * (double)n2[i]) + (col[i] == 1 ? 3 : 0) +
			   flag[i] + rnd() * 2;
		y[i] = t;
		cls[i] = kind == 0 ? (t < 3 ? 0 : t < 6 ? 1 : 2) : (t < 4.5 ? 0 : 1);
	}
	struct frame *f = frame_new(n);
	frame_add(f, "x1", mk_num(x1, n), NULL);
	frame_add(f, "n2", mk_int(n2, n2m, n), NULL);
	frame_add(f, "color", score ? mk_cat(score_levels, 6, col, n)
				    : mk_cat(train_levels, 4, col, n), NULL);
	frame_add(f, "flag", mk_bool(flag, n), NULL);
	column_compact_valid(when);
	frame_add(f, "when", when, NULL);
	if (!score) {
		static const char *const ylev[] = { "lo", "mid", "hi" };
		static const char *const blev[] = { "no", "yes" };
		if (kind == 2)
			frame_add(f, "y", mk_num(y, n), NULL);
		else
			frame_add(f, "y", mk_cat(kind == 0 ? ylev : blev, kind == 0 ? 3 : 2, cls, n),
				  NULL);
	}
	free(x1);
	free(y);
	free(n2);
	free(n2m);
	free(col);
	free(cls);
	free(flag);
	return f;
}

/* ---------------------------------------------------------------- harness */

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* main(): every column of f as a compiled-in array, matched to the
 * model's inputs by name through <prefix>_num_names / _cat_names. */
static char *harness(const struct frame *f)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_adds(&sb, "#include <math.h>\n#include <stdio.h>\n#include <string.h>\n"
		    "#define N_OUT 16\n"
		    "extern const char *const model_num_names[];\n"
		    "extern const char *const model_cat_names[];\n"
		    "int model_predict(const double *num, const char *const *cat, double *out);\n");
	for (int k = 0; k < f->ncol; k++) {
		const struct column *c = f->cols[k];
		if (c->kind == COL_CAT) {
			strbuf_addf(&sb, "static const char *const c%d[%zu] = {", k, f->nrow);
			for (size_t i = 0; i < f->nrow; i++) {
				size_t len;
				const char *t = column_get_text(c, i, &len);
				if (t)
					export_c_string(&sb, t);
				else
					strbuf_adds(&sb, "NULL");
				strbuf_adds(&sb, ",\n");
			}
		} else {
			strbuf_addf(&sb, "static const double c%d[%zu] = {", k, f->nrow);
			for (size_t i = 0; i < f->nrow; i++) {
				export_c_double(&sb, column_get_num(c, i));
				strbuf_adds(&sb, ",\n");
			}
		}
		strbuf_adds(&sb, "};\n");
	}
	strbuf_adds(&sb, "int main(void)\n{\n\tsize_t i;\n\tint k;\n"
		    "\tfor (i = 0; i < ");
	strbuf_addf(&sb, "%zu; i++) {\n\t\tdouble num[32], out[N_OUT];\n"
		    "\t\tconst char *cat[32];\n\t\tint rc;\n", f->nrow);
	strbuf_adds(&sb, "\t\tfor (k = 0; model_num_names[k]; k++) {\n\t\t\tnum[k] = NAN;\n");
	for (int k = 0; k < f->ncol; k++)
		if (f->cols[k]->kind != COL_CAT)
			strbuf_addf(&sb, "\t\t\tif (!strcmp(model_num_names[k], \"%s\"))\n"
				    "\t\t\t\tnum[k] = c%d[i];\n", f->names[k], k);
	strbuf_adds(&sb, "\t\t}\n\t\tfor (k = 0; model_cat_names[k]; k++) {\n\t\t\tcat[k] = NULL;\n");
	for (int k = 0; k < f->ncol; k++)
		if (f->cols[k]->kind == COL_CAT)
			strbuf_addf(&sb, "\t\t\tif (!strcmp(model_cat_names[k], \"%s\"))\n"
				    "\t\t\t\tcat[k] = c%d[i];\n", f->names[k], k);
	strbuf_adds(&sb, "\t\t}\n\t\tfor (k = 0; k < N_OUT; k++)\n\t\t\tout[k] = -7;\n"
		    "\t\trc = model_predict(num, cat, out);\n\t\tprintf(\"%d\", rc);\n"
		    "\t\tfor (k = 0; k < N_OUT && out[k] != -7; k++)\n"
		    "\t\t\tprintf(\" %a\", out[k]);\n\t\tprintf(\"\\n\");\n\t}\n\treturn 0;\n}\n");
	return strbuf_detach(&sb, NULL);
}

/* Exports m, compiles and runs it on f and compares with model_score:
 * returns the number of rows that differ (0 = bit-identical), -1 on a
 * failure to get that far. */
static int parity(const struct model *m, const struct frame *f, const char *what)
{
	struct wb_err err;
	char *src = export_c(m, "model", &err);
	if (!ok(src != NULL, "%s: export_c", what)) {
		diag(err.msg);
		return -1;
	}
	ok(strstr(src, "int model_predict(const double *num, const char *const *cat, "
		  "double *out)") != NULL, "%s: documented signature", what);
	if (!have_cc) {
		free(src);
		printf("ok %d # skip %s: no cc\n", ++tap_n, what);
		return 0;
	}
	char path[128], cmd[768];
	snprintf(path, sizeof(path), "%s/model.c", tmpdir);
	write_file(path, src);
	free(src);
	char *h = harness(f);
	snprintf(path, sizeof(path), "%s/main.c", tmpdir);
	write_file(path, h);
	free(h);
	snprintf(cmd, sizeof(cmd), "cd %s && cc -std=c99 -O2 -Wall -Wextra -Werror -pedantic "
		 "-c model.c 2>cc.log && cc -std=c99 -O2 -o prog model.o main.c -lm 2>>cc.log && "
		 "./prog > out.txt && cp model.c model_%d.c", tmpdir, tap_n);
	if (!ok(system(cmd) == 0, "%s: compiles with -Wall -Wextra -Werror -pedantic and runs",
		what)) {
		snprintf(cmd, sizeof(cmd), "sed 's/^/# /' %s/cc.log | head -20", tmpdir);
		if (system(cmd) != 0)
			diag("no log");
		return -1;
	}
	size_t n;
	double *want = model_score(m, f, &n, &err);
	if (!ok(want != NULL, "%s: model_score", what)) {
		diag(err.msg);
		return -1;
	}
	int width = m->task == MODEL_CLASSIFY ? m->nclass : 1;
	int32_t *cls = malloc((n + 1) * sizeof(int32_t));
	if (m->task == MODEL_CLASSIFY)
		model_argmax(want, n, width, cls);
	snprintf(path, sizeof(path), "%s/out.txt", tmpdir);
	FILE *in = fopen(path, "r");
	int bad = 0;
	size_t rows = 0;
	char line[4096];
	while (in && fgets(line, sizeof(line), in)) {
		char *p = line, *e;
		long rc = strtol(p, &e, 10);
		p = e;
		int diff = rows >= n || rc != (m->task == MODEL_CLASSIFY ? cls[rows] : 0);
		for (int k = 0; k < width && !diff; k++) {
			double got = strtod(p, &e);
			diff = e == p || memcmp(&got, &want[rows * (size_t)width + (size_t)k],
						sizeof(double)) != 0;
			p = e;
		}
		if (diff && bad++ < 3) {
			char msg[512];
			snprintf(msg, sizeof(msg), "row %zu differs: C '%.200s' wb %a", rows, line,
				 want[rows * (size_t)width]);
			diag(msg);
		}
		rows++;
	}
	if (in)
		fclose(in);
	ok(rows == n, "%s: %zu rows out (want %zu)", what, rows, n);
	free(want);
	free(cls);
	return bad;
}

static struct model *train_opts(const char *family, const char *params, const struct frame *f,
				struct recipe *r, int no_recipe)
{
	struct wb_err err;
	json_t *p = params ? json_loads(params, 0, NULL) : NULL;
	struct model *m = model_new(family, p, &err);
	json_decref(p);
	if (!m) {
		diag(err.msg);
		return NULL;
	}
	struct model_train_opts o;
	memset(&o, 0, sizeof(o));
	o.target = "y";
	o.seed = 11;
	o.recipe = r;
	o.no_recipe = no_recipe;
	if (model_train(m, f, &o, &err) < 0) {
		diag(err.msg);
		model_free(m);
		return NULL;
	}
	return m;
}

/* Trains family on a frame of target kind `kind` and checks parity on the
 * scoring frame (and on the training rows). */
static void check(const char *family, const char *params, int kind, struct recipe *r,
		  int no_recipe, const char *what)
{
	struct frame *tr = mk_frame(120, 0, kind, 5), *sc = mk_frame(60, 1, kind, 9);
	struct model *m = train_opts(family, params, tr, r, no_recipe);
	if (ok(m != NULL, "%s: trained", what)) {
		int bad = parity(m, sc, what);
		ok(bad == 0, "%s: scoring rows bit-identical (%d differ)", what, bad);
		char w2[128];
		snprintf(w2, sizeof(w2), "%s (training rows)", what);
		bad = parity(m, tr, w2);
		ok(bad == 0, "%s: bit-identical (%d differ)", w2, bad);
	}
	model_free(m);
	frame_unref(tr);
	frame_unref(sc);
}

static struct recipe *linear_recipe(const char *onehot_opts)
{
	struct wb_err err;
	struct recipe *r = recipe_new("y", 0, 3);
	json_t *o1 = json_loads("{\"method\":\"median\",\"indicator\":true}", 0, NULL);
	json_t *o2 = json_loads("{\"method\":\"mode\"}", 0, NULL);
	json_t *o3 = onehot_opts ? json_loads(onehot_opts, 0, NULL) : NULL;
	recipe_add(r, step_new("impute", selector_kind(SEL_NUMERIC), o1, &err));
	recipe_add(r, step_new("impute", selector_kind(SEL_CATEGORICAL), o2, &err));
	recipe_add(r, step_new("standardize", selector_kind(SEL_NUMERIC), NULL, &err));
	recipe_add(r, step_new("one_hot", selector_kind(SEL_CATEGORICAL), o3, &err));
	json_decref(o1);
	json_decref(o2);
	json_decref(o3);
	return r;
}

/* clip, minmax, log (two forms), date_parts (all parts, kept), ordinal. */
static struct recipe *map_recipe(void)
{
	struct wb_err err;
	struct recipe *r = recipe_new("y", 0, 3);
	const char *const x1[] = { "x1" }, *const n2[] = { "n2" };
	json_t *o1 = json_loads("{\"q_lower\":0.1,\"upper\":5}", 0, NULL);
	json_t *o2 = json_loads("{\"log1p\":true}", 0, NULL);
	json_t *o3 = json_loads("{\"base\":10,\"offset\":1}", 0, NULL);
	json_t *o4 = json_loads("{\"parts\":[\"year\",\"month\",\"day\",\"dow\",\"hour\","
				"\"minute\",\"yday\"],\"keep\":true}", 0, NULL);
	recipe_add(r, step_new("clip", selector_names(x1, 1), o1, &err));
	recipe_add(r, step_new("log", selector_names(n2, 1), o2, &err));
	recipe_add(r, step_new("minmax", selector_kind(SEL_NUMERIC), NULL, &err));
	recipe_add(r, step_new("log", selector_names(x1, 1), o3, &err));
	recipe_add(r, step_new("date_parts", selector_kind(SEL_TIME), o4, &err));
	recipe_add(r, step_new("ordinal", selector_kind(SEL_CATEGORICAL), NULL, &err));
	json_decref(o1);
	json_decref(o2);
	json_decref(o3);
	json_decref(o4);
	return r;
}

/* target_encode, poly, interact, drop_corr. */
static struct recipe *shape_recipe(void)
{
	struct wb_err err;
	struct recipe *r = recipe_new("y", 0, 3);
	const char *const x1[] = { "x1" };
	json_t *o1 = json_loads("{\"degree\":3}", 0, NULL);
	json_t *o2 = json_loads("{\"threshold\":0.5}", 0, NULL);
	recipe_add(r, step_new("target_encode", selector_kind(SEL_CATEGORICAL), NULL, &err));
	recipe_add(r, step_new("poly", selector_names(x1, 1), o1, &err));
	recipe_add(r, step_new("interact", selector_kind(SEL_NUMERIC), NULL, &err));
	recipe_add(r, step_new("drop_corr", selector_kind(SEL_NUMERIC), o2, &err));
	json_decref(o1);
	json_decref(o2);
	return r;
}

/* ---------------------------------------------------------------- tests */

static void test_families(void)
{
	check("gbdt", "{\"rounds\":25,\"max_depth\":3}", 0, NULL, 0, "gbdt softmax");
	check("gbdt", "{\"rounds\":25}", 1, NULL, 0, "gbdt logloss");
	check("gbdt", "{\"rounds\":25}", 2, NULL, 0, "gbdt regression");
	check("gbdt", "{\"rounds\":10,\"loss\":\"huber\"}", 2, NULL, 0, "gbdt huber");
	check("gbdt", "{\"rounds\":10}", 0, NULL, 1, "gbdt native cat (no recipe)");
	check("tree", "{\"max_depth\":5}", 0, NULL, 0, "tree classification");
	check("tree", NULL, 2, NULL, 0, "tree regression");
	check("forest", "{\"trees\":12}", 0, NULL, 0, "forest classification");
	check("forest", "{\"trees\":8}", 2, NULL, 0, "forest regression");
	check("linear", NULL, 2, NULL, 0, "linear default recipe");
	check("logistic", NULL, 1, NULL, 0, "logistic binary");
	check("logistic", NULL, 0, NULL, 0, "logistic multinomial");
	check("logistic", "{\"multi_class\":\"ovr\"}", 0, NULL, 0, "logistic ovr");
	check("naive_bayes", NULL, 0, NULL, 0, "naive_bayes (native cat)");
	check("naive_bayes", NULL, 1, NULL, 1, "naive_bayes binary, no recipe");
	struct recipe *r = linear_recipe("{\"min_freq\":30}");
	check("linear", NULL, 2, r, 0, "linear impute indicators + one_hot pooled");
	recipe_free(r);
	r = map_recipe();
	check("gbdt", "{\"rounds\":10}", 2, r, 0, "gbdt clip/log/minmax/date_parts kept");
	check("linear", NULL, 2, r, 0, "linear clip/log/minmax/date_parts kept");
	recipe_free(r);
	r = shape_recipe();
	check("forest", "{\"trees\":5}", 2, r, 0, "forest target_encode/poly/interact/drop_corr");
	recipe_free(r);
	r = linear_recipe("{\"unseen\":\"zero\",\"min_freq\":30}");
	check("logistic", NULL, 0, r, 0, "logistic one_hot unseen=zero");
	recipe_free(r);
}

static void test_strict(void)
{
	/* A strict ordinal: the C function returns -1 on an unseen level. */
	struct wb_err err;
	struct recipe *r = recipe_new("y", 0, 3);
	json_t *o = json_loads("{\"strict\":true}", 0, NULL);
	recipe_add(r, step_new("ordinal", selector_kind(SEL_CATEGORICAL), o, &err));
	json_decref(o);
	struct frame *tr = mk_frame(120, 0, 2, 5);
	struct model *m = train_opts("gbdt", "{\"rounds\":5}", tr, r, 0);
	char *src = m ? export_c(m, "model", &err) : NULL;
	ok(src && strstr(src, "return -1;"), "strict ordinal: unseen returns -1");
	if (have_cc && src) {
		/* the training rows have no unseen level: parity holds */
		ok(parity(m, tr, "strict ordinal (training rows)") == 0, "strict: bit-identical");
		char path[128], cmd[512];
		snprintf(path, sizeof(path), "%s/one.c", tmpdir);
		write_file(path, "#include <math.h>\n"
			   "int model_predict(const double *, const char *const *, double *);\n"
			   "int main(void) { double num[4] = { 1, 2, 0, 0 }, out[4];\n"
			   "const char *cat[1] = { \"purple\" };\n"
			   "return model_predict(num, cat, out) == -1 ? 0 : 1; }\n");
		snprintf(cmd, sizeof(cmd), "cd %s && cc -std=c99 -o one one.c model.c -lm && ./one",
			 tmpdir);
		ok(system(cmd) == 0, "strict ordinal: -1 for 'purple'");
	}
	free(src);
	model_free(m);
	frame_unref(tr);
	recipe_free(r);
}

static void test_errors(void)
{
	struct wb_err err;
	struct frame *tr = mk_frame(60, 0, 0, 5);
	struct model *m = train_opts("knn", NULL, tr, NULL, 0);
	char *src = m ? export_c(m, "model", &err) : NULL;
	ok(m && !src, "knn: not exported");
	if (m && !src)
		is_str(err.msg, "export-c: model family 'knn' is not supported yet", "knn: message");
	model_free(m);

	struct recipe *r = recipe_new("y", 0, 3);
	recipe_add(r, step_new("hash", selector_kind(SEL_CATEGORICAL), NULL, &err));
	m = train_opts("gbdt", "{\"rounds\":3}", tr, r, 0);
	src = m ? export_c(m, "model", &err) : NULL;
	ok(m && !src, "hash: not exported");
	if (m && !src)
		is_str(err.msg, "export-c: recipe step 'hash' is not supported yet", "hash: message");
	recipe_free(r);

	src = m ? export_c(m, "9bad-name", &err) : NULL;
	ok(!src, "bad prefix refused");
	like(err.msg, "not a C identifier", "bad prefix: message");
	model_free(m);

	/* a custom prefix names every symbol */
	m = train_opts("tree", "{\"max_depth\":2}", tr, NULL, 0);
	src = m ? export_c(m, "iris_v2", &err) : NULL;
	ok(src && strstr(src, "int iris_v2_predict(") && strstr(src, "IRIS_V2_N_OUT 3") &&
	   !strstr(src, "model_"), "prefix iris_v2 used throughout");
	char *again = m ? export_c(m, "iris_v2", &err) : NULL;
	ok(src && again && !strcmp(src, again), "deterministic bytes");
	free(again);
	/* a model loaded from its JSON exports the same file */
	struct model *m2 = m ? model_from_json(m->json, &err) : NULL;
	again = m2 ? export_c(m2, "iris_v2", &err) : NULL;
	ok(src && again && !strcmp(src, again), "same bytes after model_from_json");
	free(again);
	model_free(m2);
	free(src);
	model_free(m);
	frame_unref(tr);
}

int main(void)
{
	have_cc = system("cc --version >/dev/null 2>&1") == 0;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/wb_exportc_XXXXXX");
	if (!mkdtemp(tmpdir)) {
		ok(0, "mkdtemp");
		return tap_done();
	}
	test_families();
	test_strict();
	test_errors();
	char cmd[128];
	/* WB_EXPORTC_KEEP=1 keeps the generated files for a look. */
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (getenv("WB_EXPORTC_KEEP"))
		printf("# kept %s\n", tmpdir);
	else if (system(cmd) != 0)
		diag("could not remove the temporary directory");
	return tap_done();
}
