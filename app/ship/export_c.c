/*
 * export_c — `wb export-c` (export_c.h): the driver.  It reads the model
 * JSON (the same bytes model_from_json reads, so what is exported is what
 * `wb predict` loads), declares the raw inputs, replays the recipe
 * (export_c_recipe.c), maps the working set onto the model's features as
 * model_score does, and appends the family (export_c_model.c).
 */
#include "ship/export_c.h"
#include "ml/model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- helpers */

void export_c_double(struct strbuf *sb, double v)
{
	if (isnan(v))
		strbuf_adds(sb, "NAN");
	else if (isinf(v))
		strbuf_adds(sb, v > 0 ? "INFINITY" : "(-INFINITY)");
	else
		strbuf_addf(sb, "%a", v);
}

void export_c_string(struct strbuf *sb, const char *s)
{
	strbuf_adds(sb, "\"");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		/* Octal for all else: no trigraphs, no comment ends, no hex
		 * escapes swallowing the next character. */
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr(" _-.,:;+=<>()[]{}!@#$%^&~|'", *p))
			strbuf_add(sb, p, 1);
		else
			strbuf_addf(sb, "\\%03o", *p);
	}
	strbuf_adds(sb, "\"");
}

int export_c_json_num(const json_t *v, double *out)
{
	if (json_is_null(v)) {
		*out = NAN;
		return 0;
	}
	if (json_is_number(v)) {
		*out = json_number_value(v);
		return 0;
	}
	if (json_is_string(v) && !strcmp(json_string_value(v), "inf")) {
		*out = INFINITY;
		return 0;
	}
	if (json_is_string(v) && !strcmp(json_string_value(v), "-inf")) {
		*out = -INFINITY;
		return 0;
	}
	return -1;
}

/* ---------------------------------------------------------------- inputs */

static int kind_of(const char *s, enum col_kind *out)
{
	static const enum col_kind kinds[] = { COL_NUM, COL_INT, COL_CAT, COL_STR, COL_BOOL,
					       COL_TIME };
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		if (s && !strcmp(s, col_kind_name(kinds[k]))) {
			*out = kinds[k];
			return 0;
		}
	return -1;
}

/* Whether any step that runs at apply reads column name. */
static int steps_read(const json_t *steps, const char *name)
{
	for (size_t i = 0; i < json_array_size(steps); i++) {
		const json_t *st = json_array_get(steps, i);
		const json_t *ca = json_object_get(st, "columns");
		if (json_is_true(json_object_get(st, "skip")) ||
		    json_is_true(json_object_get(st, "touches_target")))
			continue;
		for (size_t k = 0; k < json_array_size(ca); k++)
			if (!strcmp(json_string_value(json_array_get(ca, k)) ?
				    json_string_value(json_array_get(ca, k)) : "", name))
				return 1;
	}
	return 0;
}

/* The raw inputs into the working set: num[i] / cat[i] statements, and
 * the documentation lines. */
static int add_inputs(struct gen *g, const struct model *m, const json_t *recipe,
		      struct strbuf *doc, int *nnum, int *ncat, struct wb_err *err)
{
	const json_t *ins = json_object_get(recipe, "inputs");
	const json_t *steps = json_object_get(recipe, "steps");
	size_t n = recipe ? json_array_size(ins) : (size_t)m->p;
	for (size_t i = 0; i < n; i++) {
		const char *name;
		enum col_kind kind;
		if (recipe) {
			const json_t *e = json_array_get(ins, i);
			name = json_string_value(json_object_get(e, "name"));
			if (!name || kind_of(json_string_value(json_object_get(e, "kind")), &kind) < 0)
				return wb_error(err, "export-c: recipe input %zu has no name or kind", i);
			/* Scoring frames have no target; the weight column only
			 * matters when a step reads it. */
			if (m->target && !strcmp(name, m->target))
				continue;
			if (m->weight && !strcmp(name, m->weight) && !steps_read(steps, name))
				continue;
		} else {
			name = m->features[i];
			kind = m->ncat[i] ? COL_CAT : COL_NUM;
		}
		int text = kind == COL_CAT || kind == COL_STR;
		int slot = export_c_winsert(g, g->nw, name, text, kind);
		int idx = text ? (*ncat)++ : (*nnum)++;
		strbuf_addf(&g->body, "\t%s[%d] = %s[%d];\n", text ? "s" : "v", slot,
			    text ? "cat" : "num", idx);
		strbuf_addf(doc, " *   %s[%d]  ", text ? "cat" : "num", idx);
		export_c_string(doc, name);
		strbuf_addf(doc, " (%s)\n", kind == COL_TIME ? "time: microseconds since "
			    "1970-01-01 UTC" : col_kind_name(kind));
	}
	return 0;
}

/* ---------------------------------------------------------------- driver */

static int valid_prefix(const char *p)
{
	if (!p || !*p || strlen(p) > 64 || !((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
					    *p == '_'))
		return 0;
	for (; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_'))
			return 0;
	return 1;
}

static void emit_names(struct strbuf *sb, const char *prefix, const char *what,
		       const char *upper, const char *kind, char *const *names, int n)
{
	strbuf_addf(sb, "const char *const %s_%s_names[%s_N_%s + 1] = {", prefix, what, upper,
		    kind);
	for (int k = 0; k < n; k++) {
		strbuf_adds(sb, "\n\t");
		export_c_string(sb, names[k]);
		strbuf_adds(sb, ",");
	}
	strbuf_adds(sb, "\n\tNULL\n};\n");
}

char *export_c(const struct model *m, const char *prefix, struct wb_err *err)
{
	if (!m->fitted) {
		wb_error(err, "export-c: the model is not trained");
		return NULL;
	}
	if (!valid_prefix(prefix)) {
		wb_error(err, "export-c: prefix '%s' is not a C identifier", prefix ? prefix : "");
		return NULL;
	}
	if (m->task == MODEL_CLUSTER) {
		wb_error(err, "export-c: model family '%s' is not supported yet", m->type->name);
		return NULL;
	}
	char *text = m->json ? NULL : model_to_json(m);
	json_error_t je;
	json_t *root = json_loads(m->json ? m->json : text, 0, &je);
	free(text);
	if (!root) {
		wb_error(err, "export-c: model JSON: %d:%d: %s", je.line, je.column, je.text);
		return NULL;
	}
	struct gen g;
	memset(&g, 0, sizeof(g));
	g.prefix = prefix;
	struct strbuf doc = STRBUF_INIT, fam = STRBUF_INIT, out = STRBUF_INIT;
	char *upper = xstrdup(prefix);
	for (char *p = upper; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	int nnum = 0, ncat = 0, nout = m->task == MODEL_CLASSIFY ? m->nclass : 1;
	const json_t *recipe = json_object_get(root, "recipe");
	if (!json_is_object(recipe))
		recipe = NULL;
	char **outnames = NULL, **numnames = NULL, **catnames = NULL;
	int rc = export_c_family(&fam, m, json_object_get(root, "state"), prefix, err);
	if (rc == 0)
		rc = add_inputs(&g, m, recipe, &doc, &nnum, &ncat, err);
	numnames = xcalloc((size_t)nnum + 1, sizeof(char *));
	catnames = xcalloc((size_t)ncat + 1, sizeof(char *));
	/* The inputs, before the steps change the working set. */
	for (int k = 0, a = 0, b = 0; rc == 0 && k < g.nw; k++)
		if (g.w[k].text)
			catnames[a++] = xstrdup(g.w[k].name);
		else
			numnames[b++] = xstrdup(g.w[k].name);
	const json_t *steps = recipe ? json_object_get(recipe, "steps") : NULL;
	for (size_t i = 0; rc == 0 && i < json_array_size(steps); i++)
		rc = export_c_step(&g, json_array_get(steps, i), (int)i + 1, err);
	/* model_score's features: numbers as they are, cat features by level
	 * text against the training levels (unseen = missing). */
	for (int j = 0; rc == 0 && j < m->p; j++) {
		int at = export_c_wfind(&g, m->features[j]);
		if (at < 0) {
			rc = wb_error(err, "export-c: feature '%s' is missing from the input%s",
				      m->features[j], recipe ? " (after the recipe)" : "");
			break;
		}
		const struct wcol *c = &g.w[at];
		if (m->ncat[j] && !c->text)
			rc = wb_error(err, "export-c: feature '%s' is %s, expected cat",
				      m->features[j], col_kind_name(c->kind));
		else if (!m->ncat[j] && c->text)
			rc = wb_error(err, "export-c: feature '%s' is %s, expected a number",
				      m->features[j], col_kind_name(c->kind));
		if (rc < 0)
			break;
		if (!m->ncat[j]) {
			strbuf_addf(&g.body, "\tx[%d] = v[%d];\n", j, c->slot);
			continue;
		}
		json_t *lv = json_array();
		for (int l = 0; l < m->ncat[j]; l++)
			json_array_append_new(lv, json_string(m->levels[j][l]));
		size_t nl;
		int tab = export_c_strtab(&g, lv, &nl);
		json_decref(lv);
		strbuf_addf(&g.body, "\tc = s[%d] ? %s_find(%s_t%d, %zu, s[%d]) : -1;\n"
			    "\tx[%d] = c >= 0 ? (double)c : NAN;\n", c->slot, prefix, prefix, tab, nl,
			    c->slot, j);
	}
	if (rc < 0)
		goto done;
	outnames = xcalloc((size_t)nout + 1, sizeof(char *));
	for (int k = 0; k < nout; k++)
		outnames[k] = xstrdup(m->task == MODEL_CLASSIFY ? m->classes[k]
					   : m->target ? m->target : "pred");

	/* ---- assemble */
	strbuf_addf(&out, "/*\n * %s.c - generated by wb export-c from a %s %s model",
		    prefix, m->type->name, model_task_name(m->task));
	if (m->json_hash[0])
		strbuf_addf(&out, "\n * (model sha256 %s)", m->json_hash);
	strbuf_addf(&out, ".  Dependency-free C99:\n"
		    " *   cc -std=c99 -O2 -c %s.c        (link with -lm)\n"
		    " * Its predictions equal wb's bit for bit when compiled without FP\n"
		    " * contraction (ISO C mode, or -ffp-contract=off) against the same libm.\n *\n"
		    " *   int %s_predict(const double *num, const char *const *cat, double *out);\n"
		    " *\n * Inputs: one row, the raw columns as the model's training frame had them\n"
		    " * (before the recipe).  num: %d number%s (num, int, bool as 0/1, time as\n"
		    " * microseconds since 1970-01-01 UTC), NaN = missing; cat: %d text\n"
		    " * value%s (cat, str), NULL = missing:\n",
		    prefix, prefix, nnum, nnum == 1 ? "" : "s", ncat, ncat == 1 ? "" : "s");
	strbuf_adds(&out, doc.buf ? doc.buf : "");
	if (m->task == MODEL_CLASSIFY) {
		strbuf_addf(&out, " * Outputs: out[0..%d) the probability of each class, in this "
			    "order:\n", nout);
		for (int k = 0; k < nout; k++) {
			strbuf_addf(&out, " *   out[%d]  ", k);
			export_c_string(&out, outnames[k]);
			strbuf_adds(&out, "\n");
		}
		strbuf_adds(&out, " * Returns the predicted class index (the first largest "
			    "probability),\n");
	} else {
		strbuf_adds(&out, " * Outputs: out[0] the predicted value.  Returns 0,\n");
	}
	strbuf_addf(&out, " * or -1 when a strict step meets a level unseen at fit.\n"
		    " * %s_num_names, %s_cat_names and %s_out_names list the same names.\n */\n"
		    "#include <math.h>\n#include <stddef.h>\n#include <stdint.h>\n"
		    "#include <string.h>\n\n", prefix, prefix, prefix);
	strbuf_addf(&out, "#define %s_N_NUM %d\n#define %s_N_CAT %d\n#define %s_N_OUT %d\n\n",
		    upper, nnum, upper, ncat, upper, nout);
	strbuf_addf(&out, "extern const char *const %s_num_names[%s_N_NUM + 1];\n"
		    "extern const char *const %s_cat_names[%s_N_CAT + 1];\n"
		    "extern const char *const %s_out_names[%s_N_OUT + 1];\n"
		    "int %s_predict(const double *num, const char *const *cat, double *out);\n\n",
		    prefix, upper, prefix, upper, prefix, upper, prefix);
	emit_names(&out, prefix, "num", upper, "NUM", numnames, nnum);
	emit_names(&out, prefix, "cat", upper, "CAT", catnames, ncat);
	emit_names(&out, prefix, "out", upper, "OUT", outnames, nout);
	strbuf_adds(&out, "\n");
	if (g.uses_find)
		strbuf_addf(&out, "/* Index of s in tab[0..n), or -1 (levels match by text). */\n"
			    "static int %s_find(const char *const *tab, int n, const char *s)\n{\n"
			    "\tint i;\n\tfor (i = 0; i < n; i++)\n\t\tif (!strcmp(tab[i], s))\n"
			    "\t\t\treturn i;\n\treturn -1;\n}\n\n", prefix);
	if (g.uses_dates)
		export_c_dates(&out, prefix);
	strbuf_adds(&out, g.tabs.buf ? g.tabs.buf : "");
	strbuf_adds(&out, "\n");
	strbuf_adds(&out, fam.buf);
	strbuf_addf(&out, "\nint %s_predict(const double *num, const char *const *cat, double *out)\n"
		    "{\n\tdouble v[%d], x[%d], t = 0;\n\tconst char *s[%d];\n\tint c = 0;\n\n",
		    prefix, g.nv + 1, m->p, g.ns + 1);
	strbuf_adds(&out, g.body.buf ? g.body.buf : "");
	strbuf_addf(&out, "\t(void)num;\n\t(void)cat;\n\t(void)c;\n\t(void)t;\n\t(void)v;\n\t(void)s;\n"
		    "\treturn %s_family(x, out);\n}\n", prefix);
done:
	for (int k = 0; k < nnum; k++)
		free(numnames[k]);
	for (int k = 0; k < ncat; k++)
		free(catnames[k]);
	free(numnames);
	free(catnames);
	if (outnames)
		for (int k = 0; k < nout; k++)
			free(outnames[k]);
	free(outnames);
	free(upper);
	strbuf_release(&doc);
	strbuf_release(&fam);
	export_c_gen_release(&g);
	json_decref(root);
	if (rc < 0) {
		strbuf_release(&out);
		return NULL;
	}
	return strbuf_detach(&out, NULL);
}
