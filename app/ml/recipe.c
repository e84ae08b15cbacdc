/*
 * recipe — selectors, the step registry, the fit/apply driver and the JSON
 * form of fitted recipes.  The steps themselves live in steps_*.c.
 */
#include "ml/recipe.h"
#include "core/hash.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- selectors */

static struct selector *sel_alloc(enum sel_op op)
{
	struct selector *s = xcalloc(1, sizeof(*s));
	s->op = op;
	return s;
}

struct selector *selector_names(const char *const *names, int n)
{
	struct selector *s = sel_alloc(SEL_NAMES);
	s->names = xcalloc(n ? (size_t)n : 1, sizeof(char *));
	for (int k = 0; k < n; k++)
		s->names[k] = xstrdup(names[k]);
	s->nnames = n;
	return s;
}

struct selector *selector_kind(enum sel_op op)
{
	return sel_alloc(op);
}

struct selector *selector_match(const char *pattern)
{
	struct selector *s = sel_alloc(SEL_MATCH);
	s->pattern = xstrdup(pattern);
	return s;
}

struct selector *selector_combine(enum sel_op op, struct selector *a, struct selector *b)
{
	struct selector *s = sel_alloc(op);
	s->a = a;
	s->b = b;
	return s;
}

struct selector *selector_clone(const struct selector *s)
{
	if (!s)
		return NULL;
	struct selector *c = sel_alloc(s->op);
	if (s->names) {
		c->names = xcalloc(s->nnames ? (size_t)s->nnames : 1, sizeof(char *));
		for (int k = 0; k < s->nnames; k++)
			c->names[k] = xstrdup(s->names[k]);
		c->nnames = s->nnames;
	}
	c->pattern = s->pattern ? xstrdup(s->pattern) : NULL;
	c->a = selector_clone(s->a);
	c->b = selector_clone(s->b);
	return c;
}

void selector_free(struct selector *s)
{
	if (!s)
		return;
	step_free_strs(s->names, s->nnames);
	free(s->pattern);
	selector_free(s->a);
	selector_free(s->b);
	free(s);
}

static void sel_write(const struct selector *s, FILE *f)
{
	switch (s->op) {
	case SEL_NAMES:
		if (s->nnames != 1)
			fputc('{', f);
		for (int k = 0; k < s->nnames; k++)
			fprintf(f, "%s'%s'", k ? ", " : "", s->names[k]);
		if (s->nnames != 1)
			fputc('}', f);
		break;
	case SEL_NUMERIC: fputs("numeric()", f); break;
	case SEL_CATEGORICAL: fputs("categorical()", f); break;
	case SEL_TIME: fputs("time()", f); break;
	case SEL_PREDICTORS: fputs("all_predictors()", f); break;
	case SEL_MATCH: fprintf(f, "match('%s')", s->pattern); break;
	case SEL_UNION:
	case SEL_DIFF:
		sel_write(s->a, f);
		fputs(s->op == SEL_UNION ? " + " : " - ", f);
		if (s->b->op == SEL_UNION || s->b->op == SEL_DIFF) {
			fputc('(', f);
			sel_write(s->b, f);
			fputc(')', f);
		} else {
			sel_write(s->b, f);
		}
		break;
	}
}

char *selector_text(const struct selector *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		WB_BUG("open_memstream failed");
	if (s)
		sel_write(s, f);
	fclose(f);
	return buf;
}

/* A set of names in resolution order, as a flag per working-set column plus
 * an explicit order (explicit names keep the order the user gave). */
struct nameset {
	int *order; /* working-set indices */
	int n;
};

static int sel_eval(const struct selector *s, const struct wset *w, const char *target,
		    recipe_match_fn match, void *ud, struct nameset *out, struct wb_err *err);

static int in_set(const struct nameset *ns, int idx)
{
	for (int k = 0; k < ns->n; k++)
		if (ns->order[k] == idx)
			return 1;
	return 0;
}

static void set_add(struct nameset *ns, int idx)
{
	if (!in_set(ns, idx))
		ns->order[ns->n++] = idx;
}

static int sel_eval(const struct selector *s, const struct wset *w, const char *target,
		    recipe_match_fn match, void *ud, struct nameset *out, struct wb_err *err)
{
	switch (s->op) {
	case SEL_NAMES:
		for (int k = 0; k < s->nnames; k++) {
			int idx = wset_find(w, s->names[k]);
			if (idx < 0)
				return wb_error(err, "column '%s' is missing", s->names[k]);
			set_add(out, idx);
		}
		return 0;
	case SEL_UNION:
	case SEL_DIFF: {
		struct nameset b = { xcalloc((size_t)w->n + 1, sizeof(int)), 0 };
		if (sel_eval(s->a, w, target, match, ud, out, err) < 0 ||
		    sel_eval(s->b, w, target, match, ud, &b, err) < 0) {
			free(b.order);
			return -1;
		}
		if (s->op == SEL_UNION) {
			for (int k = 0; k < b.n; k++)
				set_add(out, b.order[k]);
		} else {
			int m = 0;
			for (int k = 0; k < out->n; k++)
				if (!in_set(&b, out->order[k]))
					out->order[m++] = out->order[k];
			out->n = m;
		}
		free(b.order);
		return 0;
	}
	default:
		break;
	}
	for (int k = 0; k < w->n; k++) {
		if (target && !strcmp(w->names[k], target))
			continue;
		enum col_kind kind = w->cols[k]->kind;
		int yes = 0;
		switch (s->op) {
		case SEL_NUMERIC: yes = (KINDS_NUMERIC & KIND_BIT(kind)) != 0; break;
		case SEL_CATEGORICAL: yes = (KINDS_TEXT & KIND_BIT(kind)) != 0; break;
		case SEL_TIME: yes = kind == COL_TIME; break;
		case SEL_PREDICTORS: yes = 1; break;
		case SEL_MATCH:
			if (!match)
				return wb_error(err, "match('%s') needs a Lua state to resolve",
						s->pattern);
			yes = match(ud, s->pattern, w->names[k], err);
			if (yes < 0)
				return -1;
			break;
		default:
			WB_BUG("selector op %d", (int)s->op);
		}
		if (yes)
			set_add(out, k);
	}
	return 0;
}

int selector_resolve(const struct selector *s, const struct wset *w, const char *target,
		     recipe_match_fn match, void *match_ud, char ***out,
		     struct wb_err *err)
{
	struct nameset ns = { xcalloc((size_t)w->n + 1, sizeof(int)), 0 };
	if (sel_eval(s, w, target, match, match_ud, &ns, err) < 0) {
		free(ns.order);
		return -1;
	}
	char **names = xcalloc((size_t)ns.n + 1, sizeof(char *));
	for (int k = 0; k < ns.n; k++)
		names[k] = xstrdup(w->names[ns.order[k]]);
	int n = ns.n;
	free(ns.order);
	*out = names;
	return n;
}

/* ---------------------------------------------------------------- registry */

#define MAX_STEP_TYPES 128
static const struct step_type *registry[MAX_STEP_TYPES];
static const char *registry_names[MAX_STEP_TYPES + 1];
static int nregistry;
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t builtins_once = PTHREAD_ONCE_INIT;

static int register_locked(const struct step_type *type)
{
	for (int k = 0; k < nregistry; k++)
		if (!strcmp(registry[k]->name, type->name)) {
			registry[k] = type;
			return 0;
		}
	if (nregistry == MAX_STEP_TYPES)
		return -1;
	registry[nregistry] = type;
	registry_names[nregistry++] = type->name;
	registry_names[nregistry] = NULL;
	return 0;
}

/* The built-ins call recipe_register_step like any plugin, which would
 * re-enter the once-initialiser: they register through this flag instead. */
static int in_builtins;

static void register_builtins(void)
{
	in_builtins = 1;
	steps_numeric_register();
	steps_encode_register();
	steps_shape_register();
	in_builtins = 0;
}

int recipe_register_step(const struct step_type *type)
{
	if (!in_builtins)
		pthread_once(&builtins_once, register_builtins);
	pthread_mutex_lock(&registry_lock);
	int rc = register_locked(type);
	pthread_mutex_unlock(&registry_lock);
	return rc;
}

const struct step_type *recipe_find_step(const char *name)
{
	pthread_once(&builtins_once, register_builtins);
	const struct step_type *t = NULL;
	pthread_mutex_lock(&registry_lock);
	for (int k = 0; k < nregistry && !t; k++)
		if (!strcmp(registry[k]->name, name))
			t = registry[k];
	pthread_mutex_unlock(&registry_lock);
	return t;
}

const char *const *recipe_step_names(void)
{
	pthread_once(&builtins_once, register_builtins);
	return registry_names;
}

/* ---------------------------------------------------------------- steps */

static int check_option_names(const struct step *s, struct wb_err *err)
{
	const char *key;
	const json_t *v;
	json_object_foreach((json_t *)s->opts, key, v) {
		int known = !strcmp(key, "skip");
		for (int k = 0; s->type->options[k] && !known; k++)
			known = !strcmp(key, s->type->options[k]);
		if (known)
			continue;
		char list[512] = "";
		for (int k = 0; s->type->options[k]; k++) {
			size_t len = strlen(list);
			snprintf(list + len, sizeof(list) - len, "%s, ", s->type->options[k]);
		}
		size_t len = strlen(list);
		snprintf(list + len, sizeof(list) - len, "skip");
		return step_error(s, err, "unknown option '%s' (valid: %s)", key, list);
	}
	return 0;
}

/* Everything step_new and the JSON loader share: type lookup, option names,
 * skip, and the type's own parsing. */
static struct step *step_make(const char *name, struct selector *sel, const json_t *opts,
			      struct wb_err *err)
{
	const struct step_type *t = recipe_find_step(name);
	if (!t) {
		selector_free(sel);
		wb_error(err, "unknown step '%s'", name);
		return NULL;
	}
	struct step *s = xcalloc(1, sizeof(*s));
	s->type = t;
	s->sel = sel;
	s->sel_text = selector_text(sel);
	s->opts = opts ? json_deep_copy(opts) : json_object();
	if (!json_is_object(s->opts) || check_option_names(s, err) < 0 ||
	    step_opt_bool(s, "skip", 0, &s->skip, err) < 0)
		goto fail;
	json_object_del(s->opts, "skip");
	if (t->init && t->init(s, err) < 0)
		goto fail;
	return s;
fail:
	step_free(s);
	return NULL;
}

struct step *step_new(const char *name, struct selector *sel, const json_t *opts,
		      struct wb_err *err)
{
	return step_make(name, sel, opts, err);
}

void step_set_custom(struct step *s, const struct step_custom_ops *ops, void *ud)
{
	if (s->custom && s->custom->free)
		s->custom->free(s->custom_ud);
	s->custom = ops;
	s->custom_ud = ud;
}

struct step *step_clone(const struct step *s, struct wb_err *err)
{
	json_t *o = json_deep_copy(s->opts);
	if (s->skip)
		json_object_set_new(o, "skip", json_true());
	struct step *c = step_make(s->type->name, selector_clone(s->sel), o, err);
	json_decref(o);
	if (!c)
		return NULL;
	if (!s->sel) {
		free(c->sel_text);
		c->sel_text = xstrdup(s->sel_text ? s->sel_text : "");
	}
	if (s->custom)
		step_set_custom(c, s->custom,
				s->custom->clone ? s->custom->clone(s->custom_ud) : NULL);
	return c;
}

void step_free(struct step *s)
{
	if (!s)
		return;
	if (s->type->free && s->state)
		s->type->free(s->state);
	if (s->custom && s->custom->free)
		s->custom->free(s->custom_ud);
	json_decref(s->opts);
	selector_free(s->sel);
	free(s->sel_text);
	step_free_strs(s->cols, s->ncols);
	free(s);
}

/* ---------------------------------------------------------------- recipes */

struct recipe *recipe_new(const char *target, int strict, uint64_t seed)
{
	struct recipe *r = xcalloc(1, sizeof(*r));
	r->target = target ? xstrdup(target) : NULL;
	r->strict = strict;
	r->seed = seed;
	return r;
}

void recipe_add(struct recipe *r, struct step *s)
{
	r->steps = xreallocarray(r->steps, (size_t)r->nsteps + 1, sizeof(*r->steps));
	r->steps[r->nsteps++] = s;
	s->index = r->nsteps;
}

void recipe_free(struct recipe *r)
{
	if (!r)
		return;
	for (int k = 0; k < r->nsteps; k++)
		step_free(r->steps[k]);
	free(r->steps);
	free(r->target);
	step_free_strs(r->in_names, r->nin);
	free(r->in_kinds);
	step_free_strs(r->out_names, r->nout);
	free(r);
}

int recipe_has_custom(const struct recipe *r)
{
	for (int k = 0; k < r->nsteps; k++)
		if (r->steps[k]->type->flags & STEP_CUSTOM)
			return 1;
	return 0;
}

static void set_json_hash(struct recipe *r)
{
	char *j = recipe_to_json(r);
	unsigned char h[WB_HASH_LEN];
	hash_bytes(j, strlen(j), h);
	hash_hex(h, r->json_hash);
	free(j);
}

static int check_cols(const struct step *s, const struct wset *w, struct wb_err *err)
{
	for (int k = 0; k < s->ncols; k++)
		if (!step_col(s, w, s->cols[k], s->type->kinds, err))
			return -1;
	return 0;
}

/* Resolves the selector, checks kinds and learns; then transforms w. */
static int fit_step(struct recipe *out, struct step *s, struct wset *w,
		    const struct recipe_fit_opts *o, struct wb_err *err)
{
	if (!s->sel)
		return step_error(s, err, "has no selector (a loaded recipe cannot be refitted)");
	int n = selector_resolve(s->sel, w, out->target, o ? o->match : NULL,
				 o ? o->match_ud : NULL, &s->cols, err);
	if (n < 0) {
		char lb[96];
		return wb_error_prefix(err, "%s", step_label(s, lb, sizeof(lb)));
	}
	s->ncols = n;
	if (check_cols(s, w, err) < 0)
		return -1;
	for (int k = 0; k < n && out->target; k++)
		if (!strcmp(s->cols[k], out->target))
			s->touches_target = 1;
	struct step_fit_ctx ctx = { out->target, NULL, out->seed };
	if (out->target) {
		int t = wset_find(w, out->target);
		ctx.y = t >= 0 ? w->cols[t] : NULL;
	}
	if ((s->type->flags & STEP_NEEDS_TARGET) && !ctx.y)
		return step_error(s, err, out->target ? "target '%s' is missing"
				  : "the recipe declares no target%s", out->target ? out->target : "");
	if (s->type->fit && s->type->fit(s, w, &ctx, err) < 0)
		return -1;
	if (!(s->type->flags & STEP_FIT_TRANSFORMS))
		return s->type->apply(s, w, err);
	return 0;
}

struct recipe *recipe_fit(const struct recipe *r, const struct frame *train,
			  const struct recipe_fit_opts *o, struct frame **train_out,
			  struct wb_err *err)
{
	if (r->target && frame_find(train, r->target) < 0) {
		wb_error(err, "recipe: target '%s' is missing from the training frame", r->target);
		return NULL;
	}
	struct recipe *out = recipe_new(r->target, r->strict, r->seed);
	out->nin = train->ncol;
	out->in_names = xcalloc((size_t)train->ncol + 1, sizeof(char *));
	out->in_kinds = xcalloc((size_t)train->ncol + 1, sizeof(enum col_kind));
	for (int k = 0; k < train->ncol; k++) {
		out->in_names[k] = xstrdup(train->names[k]);
		out->in_kinds[k] = train->cols[k]->kind;
	}
	struct wset w;
	wset_init(&w, train->nrow);
	wset_from_frame(&w, train);
	for (int k = 0; k < r->nsteps; k++) {
		struct step *s = step_clone(r->steps[k], err);
		if (!s)
			goto fail;
		recipe_add(out, s);
		if (fit_step(out, s, &w, o, err) < 0)
			goto fail;
	}
	out->nout = w.n;
	out->out_names = xcalloc((size_t)w.n + 1, sizeof(char *));
	for (int k = 0; k < w.n; k++)
		out->out_names[k] = xstrdup(w.names[k]);
	out->fitted = 1;
	set_json_hash(out);
	if (train_out) {
		struct frame *f = wset_to_frame(&w);
		const struct frame *in[1] = { train };
		frame_seal_derived(f, "recipe_fit", out->json_hash, in, 1);
		*train_out = f;
	}
	wset_release(&w);
	return out;
fail:
	wset_release(&w);
	recipe_free(out);
	return NULL;
}

static int runs_at_apply(const struct step *s, int have_target)
{
	return !s->skip && !(s->touches_target && !have_target);
}

static int mappable(const struct step *s)
{
	return s->type->map && s->type->can_map && s->type->can_map(s);
}

/* One link of a fused chain: step s maps its column k. */
struct link {
	const struct step *s;
	int k;
};

/* Applies the elementwise steps [from, end) (those that run) in one pass
 * per column, in row blocks that stay in cache.  Every column keeps its
 * place; checks and messages are those of the step-by-step path. */
static int apply_fused(const struct recipe *r, int from, int end, int have_target,
		       struct wset *w, struct wb_err *err)
{
	int ncol = w->n;
	int *nlinks = xcalloc((size_t)ncol + 1, sizeof(int));
	struct link **chain = xcalloc((size_t)ncol + 1, sizeof(*chain));
	int rc = 0;
	for (int j = from; j < end && rc == 0; j++) {
		const struct step *s = r->steps[j];
		if (!runs_at_apply(s, have_target))
			continue;
		for (int k = 0; k < s->ncols; k++) {
			int at = wset_find(w, s->cols[k]);
			/* The first step to touch a column sees its input kind; later
			 * ones see num, as they would step by step. */
			if (at < 0 || (nlinks[at] == 0 &&
				       !step_col(s, w, s->cols[k], KINDS_NUMERIC, err))) {
				if (at < 0)
					step_col(s, w, s->cols[k], KINDS_NUMERIC, err);
				rc = -1;
				break;
			}
			chain[at] = xreallocarray(chain[at], (size_t)nlinks[at] + 1, sizeof(struct link));
			chain[at][nlinks[at]++] = (struct link){ s, k };
		}
	}
	if (rc == 0) {
		size_t n = w->nrow;
		struct column **out = xcalloc((size_t)ncol + 1, sizeof(*out));
#pragma omp parallel for schedule(dynamic, 1)
		for (int c = 0; c < ncol; c++) {
			if (!nlinks[c])
				continue;
			double *tmp;
			const double *x = step_nums(w->cols[c], &tmp);
			double *y = xmallocarray(n ? n : 1, sizeof(double));
			for (size_t off = 0; off < n; off += 4096) {
				size_t len = n - off < 4096 ? n - off : 4096;
				chain[c][0].s->type->map(chain[c][0].s, chain[c][0].k, x + off, y + off, len);
				for (int l = 1; l < nlinks[c]; l++)
					chain[c][l].s->type->map(chain[c][l].s, chain[c][l].k, y + off,
								 y + off, len);
			}
			free(tmp);
			out[c] = step_num_column(y, n);
		}
		for (int c = 0; c < ncol; c++)
			if (out[c])
				wset_set(w, c, out[c]);
		free(out);
	}
	for (int c = 0; c < ncol; c++)
		free(chain[c]);
	free(chain);
	free(nlinks);
	return rc;
}

struct frame *recipe_apply(const struct recipe *r, const struct frame *in,
			   struct wb_err *err)
{
	if (!r->fitted) {
		wb_error(err, "recipe: not fitted");
		return NULL;
	}
	if (r->strict)
		for (int k = 0; k < in->ncol; k++) {
			int known = 0;
			for (int j = 0; j < r->nin && !known; j++)
				known = !strcmp(in->names[k], r->in_names[j]);
			if (!known) {
				wb_error(err, "recipe: column '%s' was not in the training data "
					 "(the recipe is strict)", in->names[k]);
				return NULL;
			}
		}
	/* Training order, whatever order the input has; unknown columns dropped. */
	struct wset w;
	wset_init(&w, in->nrow);
	for (int k = 0; k < r->nin; k++) {
		int j = frame_find(in, r->in_names[k]);
		if (j >= 0)
			wset_insert(&w, w.n, r->in_names[k], column_ref(in->cols[j]), "", NULL);
	}
	int have_target = r->target && frame_find(in, r->target) >= 0;
	for (int k = 0; k < r->nsteps; k++) {
		const struct step *s = r->steps[k];
		if (!runs_at_apply(s, have_target))
			continue;
		if (mappable(s)) {
			int end = k + 1;
			while (end < r->nsteps && (!runs_at_apply(r->steps[end], have_target) ||
						   mappable(r->steps[end])))
				end++;
			if (apply_fused(r, k, end, have_target, &w, err) < 0)
				goto fail;
			k = end - 1;
			continue;
		}
		if (!(s->type->flags & STEP_OWN_CHECKS) && check_cols(s, &w, err) < 0)
			goto fail;
		if (s->type->apply(s, &w, err) < 0)
			goto fail;
	}
	/* A pass-through column the steps never looked at. */
	for (int k = 0; k < r->nout; k++) {
		if (r->target && !strcmp(r->out_names[k], r->target))
			continue;
		if (wset_find(&w, r->out_names[k]) >= 0)
			continue;
		for (int j = 0; j < r->nin; j++)
			if (!strcmp(r->in_names[j], r->out_names[k])) {
				wb_error(err, "recipe: column '%s' is missing", r->out_names[k]);
				goto fail;
			}
	}
	struct frame *f = wset_to_frame(&w);
	const struct frame *inputs[1] = { in };
	frame_seal_derived(f, "recipe_apply", r->json_hash, inputs, 1);
	wset_release(&w);
	return f;
fail:
	wset_release(&w);
	return NULL;
}

/* ---------------------------------------------------------------- JSON out */

static json_t *step_to_json(const struct step *s)
{
	json_t *o = json_object();
	json_object_set_new(o, "step", json_string(s->type->name));
	if (s->type->flags & STEP_CUSTOM)
		json_object_set_new(o, "custom", json_true());
	json_object_set_new(o, "selector", json_string_nocheck(s->sel_text ? s->sel_text : ""));
	json_object_set_new(o, "columns", step_json_strs(s->cols, s->ncols));
	json_object_set_new(o, "skip", json_boolean(s->skip));
	json_object_set_new(o, "touches_target", json_boolean(s->touches_target));
	json_object_set_new(o, "options", json_deep_copy(s->opts));
	if (s->type->to_json)
		s->type->to_json(s, o);
	return o;
}

char *recipe_to_json(const struct recipe *r)
{
	json_t *o = json_object();
	json_object_set_new(o, "format", json_string(RECIPE_FORMAT));
	json_object_set_new(o, "version", json_integer(RECIPE_VERSION));
	json_object_set_new(o, "target", r->target ? json_string_nocheck(r->target) : json_null());
	json_object_set_new(o, "strict", json_boolean(r->strict));
	json_object_set_new(o, "seed", json_integer((json_int_t)r->seed));
	json_t *in = json_array();
	for (int k = 0; k < r->nin; k++)
		json_array_append_new(in, json_pack("{s:s,s:s}", "name", r->in_names[k], "kind",
						    col_kind_name(r->in_kinds[k])));
	json_object_set_new(o, "inputs", in);
	json_object_set_new(o, "outputs", step_json_strs(r->out_names, r->nout));
	json_t *steps = json_array();
	for (int k = 0; k < r->nsteps; k++)
		json_array_append_new(steps, step_to_json(r->steps[k]));
	json_object_set_new(o, "steps", steps);
	char *s = json_dumps(o, JSON_INDENT(1) | JSON_REAL_PRECISION(17));
	json_decref(o);
	return s;
}

char *recipe_spec_json(const struct recipe *r)
{
	json_t *o = json_object();
	json_object_set_new(o, "target", r->target ? json_string_nocheck(r->target) : json_null());
	json_object_set_new(o, "strict", json_boolean(r->strict));
	json_object_set_new(o, "seed", json_integer((json_int_t)r->seed));
	json_t *steps = json_array();
	for (int k = 0; k < r->nsteps; k++) {
		const struct step *s = r->steps[k];
		json_array_append_new(steps, json_pack("{s:s,s:s,s:b,s:O}", "step", s->type->name,
						       "selector", s->sel_text ? s->sel_text : "",
						       "skip", s->skip, "options", s->opts));
	}
	json_object_set_new(o, "steps", steps);
	char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
	json_decref(o);
	return s;
}

/* ---------------------------------------------------------------- JSON in */

static int json_bool_at(const json_t *o, const char *path, const char *key, int *out,
			struct wb_err *err)
{
	const json_t *v = step_json_get(o, path, key, err);
	if (!v)
		return -1;
	if (!json_is_boolean(v))
		return wb_error(err, "recipe JSON: %s.%s: expected true or false", path, key);
	*out = json_is_true(v);
	return 0;
}

static struct step *step_from_json(const json_t *o, const char *path, struct wb_err *err)
{
	if (!json_is_object(o)) {
		wb_error(err, "recipe JSON: %s: expected an object", path);
		return NULL;
	}
	const json_t *name = step_json_get(o, path, "step", err);
	if (!name)
		return NULL;
	if (!json_is_string(name)) {
		wb_error(err, "recipe JSON: %s.step: expected a string", path);
		return NULL;
	}
	if (!recipe_find_step(json_string_value(name))) {
		wb_error(err, "recipe JSON: %s.step: unknown step '%s'", path,
			 json_string_value(name));
		return NULL;
	}
	const json_t *opts = step_json_get(o, path, "options", err);
	if (!opts)
		return NULL;
	if (!json_is_object(opts)) {
		wb_error(err, "recipe JSON: %s.options: expected an object", path);
		return NULL;
	}
	struct step *s = step_make(json_string_value(name), NULL, opts, err);
	if (!s) {
		wb_error_prefix(err, "recipe JSON: %s.options", path);
		return NULL;
	}
	const json_t *v;
	if (json_bool_at(o, path, "skip", &s->skip, err) < 0 ||
	    json_bool_at(o, path, "touches_target", &s->touches_target, err) < 0)
		goto fail;
	if (!(v = step_json_get(o, path, "columns", err)))
		goto fail;
	char sub[256];
	snprintf(sub, sizeof(sub), "%s.columns", path);
	if (step_json_to_strs(v, sub, &s->cols, &s->ncols, err) < 0)
		goto fail;
	v = json_object_get(o, "selector");
	free(s->sel_text);
	s->sel_text = xstrdup(json_is_string(v) ? json_string_value(v) : "");
	if (s->type->from_json && s->type->from_json(s, o, path, err) < 0)
		goto fail;
	return s;
fail:
	step_free(s);
	return NULL;
}

struct recipe *recipe_from_json(const char *text, struct wb_err *err)
{
	json_error_t je;
	json_t *o = json_loads(text, 0, &je);
	if (!o) {
		wb_error(err, "recipe JSON: %d:%d: %s", je.line, je.column, je.text);
		return NULL;
	}
	struct recipe *r = NULL;
	const json_t *v;
	if (!json_is_object(o)) {
		wb_error(err, "recipe JSON: $: expected an object");
		goto fail;
	}
	if (!(v = step_json_get(o, "$", "format", err)))
		goto fail;
	if (!json_is_string(v) || strcmp(json_string_value(v), RECIPE_FORMAT)) {
		wb_error(err, "recipe JSON: $.format: expected \"%s\"", RECIPE_FORMAT);
		goto fail;
	}
	if (!(v = step_json_get(o, "$", "version", err)))
		goto fail;
	if (!json_is_integer(v)) {
		wb_error(err, "recipe JSON: $.version: expected an integer");
		goto fail;
	}
	if (json_integer_value(v) != RECIPE_VERSION) {
		wb_error(err, "recipe JSON: $.version: unsupported version %lld (this wb reads %d)",
			 (long long)json_integer_value(v), RECIPE_VERSION);
		goto fail;
	}
	const json_t *target = json_object_get(o, "target");
	if (target && !json_is_null(target) && !json_is_string(target)) {
		wb_error(err, "recipe JSON: $.target: expected a string or null");
		goto fail;
	}
	const json_t *seed = step_json_get(o, "$", "seed", err);
	if (!seed)
		goto fail;
	if (!json_is_integer(seed)) {
		wb_error(err, "recipe JSON: $.seed: expected an integer");
		goto fail;
	}
	r = recipe_new(json_is_string(target) ? json_string_value(target) : NULL, 0,
		       (uint64_t)json_integer_value(seed));
	if (json_bool_at(o, "$", "strict", &r->strict, err) < 0)
		goto fail;
	const json_t *in = step_json_get(o, "$", "inputs", err);
	if (!in)
		goto fail;
	if (!json_is_array(in)) {
		wb_error(err, "recipe JSON: $.inputs: expected an array");
		goto fail;
	}
	r->nin = (int)json_array_size(in);
	r->in_names = xcalloc((size_t)r->nin + 1, sizeof(char *));
	r->in_kinds = xcalloc((size_t)r->nin + 1, sizeof(enum col_kind));
	for (int k = 0; k < r->nin; k++) {
		const json_t *e = json_array_get(in, (size_t)k);
		const char *name = json_string_value(json_object_get(e, "name"));
		const char *kind = json_string_value(json_object_get(e, "kind"));
		int ki;
		if (!name || !kind || col_kind_parse(kind, (enum col_kind *)&ki) < 0) {
			wb_error(err, "recipe JSON: $.inputs[%d]: expected {\"name\": ..., "
				 "\"kind\": ...}", k);
			goto fail;
		}
		r->in_names[k] = xstrdup(name);
		r->in_kinds[k] = (enum col_kind)ki;
	}
	if (!(v = step_json_get(o, "$", "outputs", err)) ||
	    step_json_to_strs(v, "$.outputs", &r->out_names, &r->nout, err) < 0)
		goto fail;
	const json_t *steps = step_json_get(o, "$", "steps", err);
	if (!steps)
		goto fail;
	if (!json_is_array(steps)) {
		wb_error(err, "recipe JSON: $.steps: expected an array");
		goto fail;
	}
	for (size_t k = 0; k < json_array_size(steps); k++) {
		char path[64];
		snprintf(path, sizeof(path), "$.steps[%zu]", k);
		struct step *s = step_from_json(json_array_get(steps, k), path, err);
		if (!s)
			goto fail;
		recipe_add(r, s);
	}
	r->fitted = 1;
	json_decref(o);
	set_json_hash(r);
	return r;
fail:
	json_decref(o);
	recipe_free(r);
	return NULL;
}

/* ---------------------------------------------------------------- describe */

char *recipe_describe(const struct recipe *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		WB_BUG("open_memstream failed");
	fprintf(f, "recipe (%s, %d step%s", r->fitted ? "fitted" : "not fitted", r->nsteps,
		r->nsteps == 1 ? "" : "s");
	if (r->target)
		fprintf(f, ", target '%s'", r->target);
	if (r->strict)
		fputs(", strict", f);
	fprintf(f, ", seed %llu)\n", (unsigned long long)r->seed);
	for (int k = 0; k < r->nsteps; k++) {
		const struct step *s = r->steps[k];
		fprintf(f, "  %d %s", k + 1, s->type->name);
		if (s->sel_text && *s->sel_text)
			fprintf(f, " [%s]", s->sel_text);
		if (s->skip)
			fputs(" (skip)", f);
		if (r->fitted) {
			fputs(" ->", f);
			for (int j = 0; j < s->ncols; j++)
				fprintf(f, "%s %s", j ? "," : "", s->cols[j]);
			if (s->ncols == 0)
				fputs(" (no columns)", f);
		}
		const char *key;
		json_t *v;
		int first = 1;
		json_object_foreach(s->opts, key, v) {
			if (json_is_object(v) || json_is_array(v))
				continue;
			char *t = json_dumps(v, JSON_ENCODE_ANY | JSON_REAL_PRECISION(10));
			fprintf(f, "%s%s=%s", first ? "  {" : ", ", key, t);
			free(t);
			first = 0;
		}
		if (!first)
			fputc('}', f);
		fputc('\n', f);
		if (r->fitted && s->type->describe && s->ncols > 0)
			s->type->describe(s, f);
	}
	if (r->fitted) {
		fprintf(f, "  outputs (%d):", r->nout);
		for (int k = 0; k < r->nout; k++)
			fprintf(f, " %s", r->out_names[k]);
		fputc('\n', f);
	}
	fclose(f);
	return buf;
}
