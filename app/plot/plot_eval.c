/*
 * plot_eval — the evaluation plot kinds: roc, pr, calibration, confusion,
 * importance, residuals, predicted, learning, cv.
 *
 * Every number a picture shows is computed here, with the definitions the
 * rest of wb (and scikit-learn 1.2.1) uses, so a legend agrees with
 * wb.evaluate to the last digit:
 *   - roc: one point per distinct score threshold (ties are one diagonal
 *     step), as roc_curve(drop_intermediate=False);
 *   - pr: one point per distinct threshold plus (recall 0, precision 1), as
 *     precision_recall_curve, drawn as the step function whose area is the
 *     average precision;
 *   - AUC and AP come from the same sorted counts with metrics.c's exact
 *     arithmetic (integer pair counts; the AP loop term for term), so they
 *     equal metrics_roc_auc / metrics_average_precision bit for bit (the
 *     test checks) without sorting the scores a second time;
 *   - calibration: calibration_curve's bins (numpy linspace / percentile
 *     edges, searchsorted to the left), Brier score of the positive class;
 *   - confusion: predicted class = the first class with the largest
 *     probability, as metrics and model_argmax;
 *   - quartiles (cv): numpy's default (linear) percentile.
 *
 * Curves stay small whatever n is: a curve with more than CURVE_MAX points
 * first loses the points that draw nothing of their own (on the segment
 * between their neighbours; exact integer tests, so the drawing is
 * unchanged), then, if still too long, keeps points spaced evenly along
 * the curve's length (1/2000 of it, below a pixel).  ROC on 1M rows is one
 * radix sort and two linear passes.
 *
 * Rows whose truth is unknown (class < 0, NaN) are skipped and counted in
 * the note.  NaN scores rank lowest, as in metrics.c.
 */
#include "plot/plot.h"
#include "ml/metrics.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Points per drawn curve at most (a 2000-point curve is exact at 800 px). */
#define CURVE_MAX 2000
/* Feature names longer than this are cut ("..." included). */
#define LABEL_MAX 24

/* ------------------------------------------------------------ shared bits */

static const char *model_name(const struct plot_scored *sc)
{
	return sc->name ? sc->name : "model";
}

static void add_quoted(struct plot *p, const char *s)
{
	strbuf_add_quoted(&p->body, s ? s : "");
}

/* A `plot` command built item by item (comma-separated, one per line),
 * appended to the body after the settings. */
struct items {
	struct strbuf sb;
	int n;
};

static void item(struct items *it, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void item(struct items *it, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		WB_BUG("plot_eval: plot item too long");
	strbuf_adds(&it->sb, it->n++ ? ", \\\n     " : "plot ");
	strbuf_add(&it->sb, buf, (size_t)n);
}

/* Appends a quoted title to the current item. */
static void item_title(struct items *it, const char *title)
{
	strbuf_adds(&it->sb, " title ");
	strbuf_add_quoted(&it->sb, title ? title : "");
}

/* Ends the command, appends it to the body and releases it. */
static void items_emit(struct plot *p, struct items *it)
{
	strbuf_add(&p->body, strbuf_str(&it->sb), it->sb.len);
	strbuf_adds(&p->body, "\n");
	strbuf_release(&it->sb);
	it->n = 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* numpy's default percentile (linear, "method 7") of sorted v[0..n), with
 * numpy's exact arithmetic: index (n - 1) * q, then a + (b - a) * g, or
 * b - (b - a) * (1 - g) when g >= 0.5. */
static double percentile_sorted(const double *v, size_t n, double q)
{
	double vi = (double)(n - 1) * q;
	if (vi >= (double)(n - 1))
		return v[n - 1];
	if (vi < 0)
		return v[0];
	double lo = floor(vi);
	double g = vi - lo;
	size_t i = (size_t)lo;
	double a = v[i], b = v[i + 1], d = b - a;
	return g >= 0.5 ? b - d * (1 - g) : a + d * g;
}

/* Checks the scored models a kind was given: at least one, all of the task
 * it needs, arrays present, classes in range. */
static int check_models(struct plot *p, const struct plot_input *in, int classify,
			struct wb_err *err)
{
	if (!in || in->nscored < 1 || !in->scored)
		return wb_error(err, "%s: needs at least one scored model", p->kind);
	for (int m = 0; m < in->nscored; m++) {
		const struct plot_scored *sc = &in->scored[m];
		if (sc->classify != classify)
			return wb_error(err, "%s: model '%s' is a %s model", p->kind,
					model_name(sc),
					sc->classify ? "classification" : "regression");
		if (!sc->n)
			return wb_error(err, "%s: model '%s' has no rows", p->kind,
					model_name(sc));
		if (!classify) {
			if (!sc->y || !sc->yhat)
				return wb_error(err, "%s: model '%s' has no predictions", p->kind,
						model_name(sc));
			continue;
		}
		if (sc->nclass < 2 || !sc->classes)
			return wb_error(err, "%s: model '%s' has fewer than two classes", p->kind,
					model_name(sc));
		if (!sc->truth || !sc->proba)
			return wb_error(err, "%s: model '%s' has no predictions", p->kind,
					model_name(sc));
		for (size_t i = 0; i < sc->n; i++)
			if (sc->truth[i] >= sc->nclass)
				return wb_error(err, "%s: model '%s': row %zu has class %d, but "
						"the model has %d classes", p->kind,
						model_name(sc), i + 1, (int)sc->truth[i],
						sc->nclass);
	}
	return 0;
}

/* Notes the rows of each model skipped: an unknown class, or (regression)
 * a missing value or prediction. */
static void note_skipped(struct plot *p, const struct plot_input *in)
{
	for (int m = 0; m < in->nscored; m++) {
		const struct plot_scored *sc = &in->scored[m];
		size_t skip = 0;
		for (size_t i = 0; i < sc->n; i++)
			skip += sc->classify ? sc->truth[i] < 0
					     : isnan(sc->y[i]) || isnan(sc->yhat[i]);
		if (skip)
			plot_note(p, "%s: %zu row%s %s skipped", model_name(sc), skip,
				  skip == 1 ? "" : "s", sc->classify ? "without a known class"
				  : "with a missing value or prediction");
	}
}

/* The `positive` option as text: a string, or a number written as a class
 * label would be ("1", "2.5"), so Lua's positive = 1 works. */
static int opt_positive(struct plot *p, const json_t *opts, char *buf, size_t size,
			const char **out, struct wb_err *err)
{
	const json_t *v = opts ? json_object_get(opts, "positive") : NULL;
	*out = NULL;
	if (v && json_is_integer(v)) {
		snprintf(buf, size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		*out = buf;
		return 0;
	}
	if (v && json_is_real(v)) {
		double d = json_real_value(v);
		snprintf(buf, size, d == floor(d) && fabs(d) < 1e15 ? "%.0f" : "%.17g", d);
		*out = buf;
		return 0;
	}
	return plot_opt_str(p, opts, "positive", NULL, out, err);
}

/* The classes of model sc that get a curve: the `positive` class, the
 * second class of a binary model, or every class in turn (one-vs-rest).
 * cls has room for sc->nclass entries. */
static int curve_classes(struct plot *p, const struct plot_scored *sc, const char *positive,
			 int *cls, int *ncls, struct wb_err *err)
{
	*ncls = 0;
	if (positive) {
		for (int c = 0; c < sc->nclass; c++)
			if (sc->classes[c] && !strcmp(sc->classes[c], positive)) {
				cls[(*ncls)++] = c;
				return 0;
			}
		struct strbuf sb = STRBUF_INIT;
		for (int c = 0; c < sc->nclass; c++)
			strbuf_addf(&sb, "%s%s", c ? ", " : "", sc->classes[c]);
		wb_error(err, "%s: positive class '%s' is not a class of model '%s' (classes: %s)",
			 p->kind, positive, model_name(sc), strbuf_str(&sb));
		strbuf_release(&sb);
		return -1;
	}
	if (sc->nclass == 2) {
		cls[(*ncls)++] = 1;
		return 0;
	}
	for (int c = 0; c < sc->nclass; c++)
		cls[(*ncls)++] = c;
	return 0;
}

/* One class against the rest: the score of class c and whether each row
 * with a known truth is of class c. */
struct binary {
	double *s;
	uint8_t *t;
	size_t n, npos;
};

static void binary_of(const struct plot_scored *sc, int c, struct binary *b)
{
	size_t k = (size_t)sc->nclass;
	b->s = xmallocarray(sc->n, sizeof(double));
	b->t = xmallocarray(sc->n, sizeof(uint8_t));
	b->n = b->npos = 0;
	for (size_t i = 0; i < sc->n; i++) {
		if (sc->truth[i] < 0)
			continue;
		b->s[b->n] = sc->proba[i * k + (size_t)c];
		b->t[b->n] = sc->truth[i] == c;
		b->npos += b->t[b->n];
		b->n++;
	}
}

static void binary_release(struct binary *b)
{
	free(b->s);
	free(b->t);
}

/* ------------------------------------------------------------ sorting */

/* The same key as metrics.c: -0 equals +0, NaN ranks below everything. */
static uint64_t score_key(double s)
{
	if (isnan(s))
		return 0;
	if (s == 0)
		s = 0.0;
	uint64_t u;
	memcpy(&u, &s, sizeof(u));
	return (u >> 63) ? ~u : (u | 0x8000000000000000ull);
}

static double key_score(uint64_t key)
{
	uint64_t u = (key >> 63) ? key & 0x7fffffffffffffffull : ~key;
	double s;
	memcpy(&s, &u, sizeof(s));
	return s;
}

/* Scores as keys in ascending order, with their truth (t may be NULL):
 * an LSD radix sort on the key bytes, skipping bytes every key shares
 * (scores in [0, 1] share the top one).  Keys and labels live in separate
 * arrays, so a pass moves 9 bytes per row, not a padded 16. */
struct ranked {
	uint64_t *key;
	uint8_t *t;
	size_t n;
};

static void rank_scores(const double *s, const uint8_t *t, size_t n, struct ranked *r)
{
	size_t cap = n ? n : 1;
	uint64_t *k = xmallocarray(cap, sizeof(uint64_t)), *k2 = xmallocarray(cap, sizeof(uint64_t));
	uint8_t *l = xcalloc(cap, 1), *l2 = xmallocarray(cap, 1);
	uint64_t and_all = ~0ull, or_all = 0;
	for (size_t i = 0; i < n; i++) {
		k[i] = score_key(s[i]);
		and_all &= k[i];
		or_all |= k[i];
	}
	if (t)
		memcpy(l, t, n);
	for (int shift = 0; shift < 64; shift += 8) {
		if ((((and_all ^ or_all) >> shift) & 0xff) == 0)
			continue;
		size_t count[257] = { 0 };
		for (size_t i = 0; i < n; i++)
			count[((k[i] >> shift) & 0xff) + 1]++;
		for (int b = 0; b < 256; b++)
			count[b + 1] += count[b];
		for (size_t i = 0; i < n; i++) {
			size_t at = count[(k[i] >> shift) & 0xff]++;
			k2[at] = k[i];
			l2[at] = l[i];
		}
		uint64_t *sk = k;
		k = k2;
		k2 = sk;
		uint8_t *sl = l;
		l = l2;
		l2 = sl;
	}
	free(k2);
	free(l2);
	r->key = k;
	r->t = l;
	r->n = n;
}

static void ranked_release(struct ranked *r)
{
	free(r->key);
	free(r->t);
}

/* ------------------------------------------------------------ curves */

/* Cumulative counts at each threshold, highest score first: point j has
 * fp[j] negatives and tp[j] positives scored >= threshold j.  Point 0 is
 * (0, 0), before any threshold. */
struct counts {
	int64_t *fp, *tp;
	size_t n;
};

static void threshold_counts(const struct binary *b, struct counts *c)
{
	struct ranked r;
	rank_scores(b->s, b->t, b->n, &r);
	c->fp = xmallocarray(b->n + 1, sizeof(int64_t));
	c->tp = xmallocarray(b->n + 1, sizeof(int64_t));
	c->fp[0] = c->tp[0] = 0;
	c->n = 1;
	int64_t f = 0, t = 0;
	size_t i = r.n;
	while (i > 0) {
		uint64_t key = r.key[i - 1];
		while (i > 0 && r.key[i - 1] == key) {
			t += r.t[i - 1];
			f += !r.t[i - 1];
			i--;
		}
		c->fp[c->n] = f;
		c->tp[c->n] = t;
		c->n++;
	}
	ranked_release(&r);
}

/* ROC AUC from the threshold counts, with metrics.c's arithmetic (so the
 * same bits as metrics_roc_auc, without a second sort): twice the number
 * of (positive, negative) pairs ranked right, ties counting one, is an
 * exact integer. */
static double counts_auc(const struct counts *c)
{
	uint64_t twice = 0;
	for (size_t j = 1; j < c->n; j++) {
		uint64_t gp = (uint64_t)(c->tp[j] - c->tp[j - 1]);
		uint64_t gn = (uint64_t)(c->fp[j] - c->fp[j - 1]);
		twice += gn * (2 * (uint64_t)c->tp[j - 1] + gp);
	}
	double pos = (double)c->tp[c->n - 1], neg = (double)c->fp[c->n - 1];
	return (double)twice / (2.0 * pos * neg);
}

/* Average precision from the threshold counts: metrics.c's loop, term for
 * term (so the same bits as metrics_average_precision). */
static double counts_ap(const struct counts *c)
{
	uint64_t npos = (uint64_t)c->tp[c->n - 1];
	double ap = 0, prev_recall = 0;
	for (size_t j = 1; j < c->n; j++) {
		uint64_t tp = (uint64_t)c->tp[j], fp = (uint64_t)c->fp[j];
		double recall = (double)tp / (double)npos;
		double precision = (double)tp / (double)(tp + fp);
		ap += (recall - prev_recall) * precision;
		prev_recall = recall;
	}
	return ap;
}

static void counts_release(struct counts *c)
{
	free(c->fp);
	free(c->tp);
}

/* ROC: drops each point on the segment between its neighbours (the counts
 * grow monotonically, so collinear means "in between").  Cross products of
 * counts are exact in int64 below 3e9 rows. */
static void roc_drop_collinear(struct counts *c)
{
	size_t m = 1;
	for (size_t j = 1; j < c->n; j++) {
		if (m >= 2) {
			int64_t ax = c->fp[m - 2], ay = c->tp[m - 2];
			int64_t bx = c->fp[m - 1], by = c->tp[m - 1];
			if ((bx - ax) * (c->tp[j] - ay) == (by - ay) * (c->fp[j] - ax))
				m--;
		}
		c->fp[m] = c->fp[j];
		c->tp[m] = c->tp[j];
		m++;
	}
	c->n = m;
}

/* Whether the precision of points a and b is the same (point 0, before any
 * threshold, has precision 1 by definition). */
static int same_precision(const struct counts *c, size_t a, size_t b)
{
	if (a == 0)
		return c->fp[b] == 0 && c->tp[b] > 0;
	return c->tp[a] * c->fp[b] == c->tp[b] * c->fp[a];
}

/* PR (drawn as steps, vertical first): a point in a run of equal recall
 * (only negatives added) or of equal precision draws nothing of its own. */
static void pr_drop_redundant(struct counts *c)
{
	size_t m = 1;
	for (size_t j = 1; j < c->n; j++) {
		if (m >= 2) {
			size_t a = m - 2, b = m - 1;
			int vertical = c->tp[a] == c->tp[b] && c->tp[b] == c->tp[j];
			int flat = same_precision(c, a, b) &&
				   c->tp[b] * c->fp[j] == c->tp[j] * c->fp[b];
			if (vertical || flat)
				m--;
		}
		c->fp[m] = c->fp[j];
		c->tp[m] = c->tp[j];
		m++;
	}
	c->n = m;
}

struct curve {
	double *x, *y;
	size_t n;
};

static void curve_release(struct curve *c)
{
	free(c->x);
	free(c->y);
}

/* Keeps at most CURVE_MAX points, spaced evenly along the curve's L1 length
 * (for ROC that is fpr + tpr, which only grows); the first and last point
 * always stay. */
static void curve_thin(struct curve *c)
{
	if (c->n <= CURVE_MAX)
		return;
	double len = 0;
	for (size_t i = 1; i < c->n; i++)
		len += fabs(c->x[i] - c->x[i - 1]) + fabs(c->y[i] - c->y[i - 1]);
	/* One point of margin against rounding in the running sum. */
	double step = len / (CURVE_MAX - 3);
	double acc = 0;
	size_t m = 1;
	for (size_t i = 1; i + 1 < c->n; i++) {
		acc += fabs(c->x[i] - c->x[i - 1]) + fabs(c->y[i] - c->y[i - 1]);
		if (acc >= step) {
			c->x[m] = c->x[i];
			c->y[m] = c->y[i];
			m++;
			acc = 0;
		}
	}
	c->x[m] = c->x[c->n - 1];
	c->y[m] = c->y[c->n - 1];
	c->n = m + 1;
}

/* The ROC curve of a binary problem (both classes present); returns the
 * AUC. */
static double roc_curve(const struct binary *b, struct curve *out)
{
	struct counts c;
	threshold_counts(b, &c);
	double auc = counts_auc(&c);
	if (c.n > CURVE_MAX)
		roc_drop_collinear(&c);
	double np = (double)b->npos, nn = (double)(b->n - b->npos);
	out->x = xmallocarray(c.n, sizeof(double));
	out->y = xmallocarray(c.n, sizeof(double));
	out->n = c.n;
	for (size_t j = 0; j < c.n; j++) {
		out->x[j] = (double)c.fp[j] / nn;
		out->y[j] = (double)c.tp[j] / np;
	}
	counts_release(&c);
	curve_thin(out);
	return auc;
}

/* The precision-recall curve in increasing recall: (0, 1) first, then one
 * point per threshold (scikit-learn's arrays reversed); returns the AP. */
static double pr_curve(const struct binary *b, struct curve *out)
{
	struct counts c;
	threshold_counts(b, &c);
	double ap = counts_ap(&c);
	if (c.n > CURVE_MAX)
		pr_drop_redundant(&c);
	out->x = xmallocarray(c.n, sizeof(double));
	out->y = xmallocarray(c.n, sizeof(double));
	out->n = c.n;
	out->x[0] = 0;
	out->y[0] = 1;
	for (size_t j = 1; j < c.n; j++) {
		out->x[j] = (double)c.tp[j] / (double)b->npos;
		out->y[j] = (double)c.tp[j] / (double)(c.tp[j] + c.fp[j]);
	}
	counts_release(&c);
	curve_thin(out);
	return ap;
}

static int curve_table(struct plot *p, const struct curve *c)
{
	int t = plot_table(p, 0);
	for (size_t i = 0; i < c->n; i++) {
		double v[2] = { c->x[i], c->y[i] };
		plot_row(p, t, v, 2);
	}
	return t;
}

/* ------------------------------------------------------------ roc, pr */

/* roc and pr share everything but the curve, the statistic and the
 * dressing. */
struct ranking {
	const char *stat;                                       /* "AUC", "AP" */
	double (*curve)(const struct binary *, struct curve *); /* returns the stat */
};

/* One drawn curve of a ranking kind. */
struct drawn {
	int table;
	char *title;
	double rate; /* positive rate (pr's chance line) */
};

static int build_ranking(const struct plot_input *in, const json_t *opts, struct plot *p,
			 const struct ranking *r, struct drawn **outd, int *outn,
			 struct wb_err *err)
{
	char buf[64];
	const char *positive;
	if (check_models(p, in, 1, err) < 0 || opt_positive(p, opts, buf, sizeof(buf),
							     &positive, err) < 0)
		return -1;
	struct drawn *d = NULL;
	int nd = 0, ovr = 0;
	for (int m = 0; m < in->nscored; m++) {
		const struct plot_scored *sc = &in->scored[m];
		int *cls = xmallocarray((size_t)sc->nclass, sizeof(int)), ncls;
		if (curve_classes(p, sc, positive, cls, &ncls, err) < 0) {
			free(cls);
			goto fail;
		}
		int drawn_here = 0;
		for (int ci = 0; ci < ncls; ci++) {
			int c = cls[ci];
			struct binary b;
			binary_of(sc, c, &b);
			if (!b.n) {
				binary_release(&b);
				free(cls);
				wb_error(err, "%s: model '%s' has no rows with a known class",
					 p->kind, model_name(sc));
				goto fail;
			}
			if (!b.npos || b.npos == b.n) {
				int single = ncls == 1;
				if (single) {
					wb_error(err, "%s: model '%s' has %s rows of class '%s'; "
						 "the curve needs both classes", p->kind,
						 model_name(sc), b.npos ? "only" : "no",
						 sc->classes[c]);
					binary_release(&b);
					free(cls);
					goto fail;
				}
				/* One-vs-rest: a class without rows (or the only
				 * one present) has no curve. */
				binary_release(&b);
				continue;
			}
			struct curve cv;
			double v = r->curve(&b, &cv);
			d = xreallocarray(d, (size_t)nd + 1, sizeof(*d));
			d[nd].table = curve_table(p, &cv);
			d[nd].rate = (double)b.npos / (double)b.n;
			if (ncls > 1)
				d[nd].title = xasprintf("%s: %s (%s %.3f)", model_name(sc),
							sc->classes[c], r->stat, v);
			else
				d[nd].title = xasprintf("%s (%s %.3f)", model_name(sc), r->stat, v);
			nd++;
			drawn_here++;
			curve_release(&cv);
			binary_release(&b);
		}
		if (ncls > 1)
			ovr = 1;
		free(cls);
		if (!drawn_here) {
			wb_error(err, "%s: model '%s' has rows of one class only; the curve needs "
				 "both classes", p->kind, model_name(sc));
			goto fail;
		}
	}
	if (positive)
		plot_note(p, "positive class '%s'", positive);
	else if (ovr)
		plot_note(p, "one-vs-rest per class");
	note_skipped(p, in);
	*outd = d;
	*outn = nd;
	return 0;
fail:
	for (int i = 0; i < nd; i++)
		free(d[i].title);
	free(d);
	return -1;
}

static void free_drawn(struct drawn *d, int n)
{
	for (int i = 0; i < n; i++)
		free(d[i].title);
	free(d);
}

static int build_roc(const struct plot_input *in, const json_t *opts, struct plot *p,
		     struct wb_err *err)
{
	static const struct ranking r = { "AUC", roc_curve };
	struct drawn *d;
	struct items it = { STRBUF_INIT, 0 };
	int nd;
	if (build_ranking(in, opts, p, &r, &d, &nd, err) < 0)
		return -1;
	plot_set_title(p, "ROC curve");
	plot_set_xlabel(p, "false positive rate");
	plot_set_ylabel(p, "true positive rate");
	plot_cmd(p, "set xrange [0:1]\nset yrange [0:1]\nset key bottom right\n"
		 "if (!wb_text) { set size square; set grid }\n");
	for (int i = 0; i < nd; i++) {
		item(&it, "$d%d using 1:2 with lines lt %d lw 2", d[i].table, i + 1);
		item_title(&it, d[i].title);
	}
	item(&it, "x with lines dt 2 lc rgb \"gray50\" title \"chance\"");
	items_emit(p, &it);
	free_drawn(d, nd);
	return 0;
}

static int build_pr(const struct plot_input *in, const json_t *opts, struct plot *p,
		    struct wb_err *err)
{
	static const struct ranking r = { "AP", pr_curve };
	struct drawn *d;
	struct items it = { STRBUF_INIT, 0 };
	int nd;
	if (build_ranking(in, opts, p, &r, &d, &nd, err) < 0)
		return -1;
	plot_set_title(p, "precision-recall curve");
	plot_set_xlabel(p, "recall");
	plot_set_ylabel(p, "precision");
	plot_cmd(p, "set xrange [0:1]\nset yrange [0:1.05]\nset key bottom left\n"
		 "if (!wb_text) { set grid }\n");
	/* Steps drawn vertical first: precision P_j holds over recall
	 * (R_j-1, R_j], so the area under the steps is the AP. */
	for (int i = 0; i < nd; i++) {
		item(&it, "$d%d using 1:2 with fsteps lt %d lw 2", d[i].table, i + 1);
		item_title(&it, d[i].title);
	}
	/* The chance level is the positive rate: one line when every curve
	 * shares it, else one per curve in the curve's colour. */
	int same = 1;
	for (int i = 1; i < nd; i++)
		same &= d[i].rate == d[0].rate;
	for (int i = 0; i < nd; i++) {
		if (same && i)
			break;
		if (same)
			item(&it, "%.10g with lines dt 2 lc rgb \"gray50\" title "
			     "\"chance (positive rate %.3f)\"", d[i].rate, d[i].rate);
		else
			item(&it, "%.10g with lines dt 2 lc %d notitle", d[i].rate, i + 1);
	}
	items_emit(p, &it);
	free_drawn(d, nd);
	return 0;
}

/* ------------------------------------------------------------ calibration */

/* calibration_curve: per non-empty bin, the mean score and the fraction of
 * positives (plus the row count), for scores s that are not NaN. */
static int calibration_rows(struct plot *p, const struct binary *b, int nbins, int quantile)
{
	double *edge = xmallocarray((size_t)nbins + 1, sizeof(double));
	double step = 1.0 / nbins; /* numpy.linspace: i * (delta / div) */
	if (quantile) {
		double *v = xmallocarray(b->n, sizeof(double));
		struct ranked r;
		rank_scores(b->s, NULL, b->n, &r);
		for (size_t i = 0; i < b->n; i++)
			v[i] = key_score(r.key[i]);
		ranked_release(&r);
		/* calibration_curve passes linspace * 100 to np.percentile,
		 * which divides by 100 again: keep both roundings. */
		for (int i = 0; i <= nbins; i++) {
			double q = i == nbins ? 1.0 : (double)i * step;
			edge[i] = percentile_sorted(v, b->n, q * 100 / 100);
		}
		free(v);
	} else {
		for (int i = 0; i < nbins; i++)
			edge[i] = (double)i * step;
		edge[nbins] = 1.0;
	}
	double *sum = xcalloc((size_t)nbins, sizeof(double));
	double *pos = xcalloc((size_t)nbins, sizeof(double));
	size_t *cnt = xcalloc((size_t)nbins, sizeof(size_t));
	for (size_t i = 0; i < b->n; i++) {
		/* np.searchsorted(inner edges, s): how many are < s. */
		int lo = 0, hi = nbins - 1;
		while (lo < hi) {
			int mid = (lo + hi) / 2;
			if (edge[mid + 1] < b->s[i])
				lo = mid + 1;
			else
				hi = mid;
		}
		sum[lo] += b->s[i];
		pos[lo] += b->t[i];
		cnt[lo]++;
	}
	int t = plot_table(p, 0);
	for (int k = 0; k < nbins; k++) {
		if (!cnt[k])
			continue;
		double v[3] = { sum[k] / (double)cnt[k], pos[k] / (double)cnt[k],
				(double)cnt[k] };
		plot_row(p, t, v, 3);
	}
	free(edge);
	free(sum);
	free(pos);
	free(cnt);
	return t;
}

static int build_calibration(const struct plot_input *in, const json_t *opts, struct plot *p,
			     struct wb_err *err)
{
	char buf[64];
	const char *positive, *strategy;
	long nbins;
	if (check_models(p, in, 1, err) < 0 ||
	    plot_opt_int(p, opts, "bins", 10, 2, 100, &nbins, err) < 0 ||
	    plot_opt_str(p, opts, "strategy", "uniform", &strategy, err) < 0 ||
	    opt_positive(p, opts, buf, sizeof(buf), &positive, err) < 0)
		return -1;
	int quantile = !strcmp(strategy, "quantile");
	if (!quantile && strcmp(strategy, "uniform"))
		return wb_error(err, "calibration: option 'strategy' must be 'uniform' or "
				"'quantile', not '%s'", strategy);
	struct items it = { STRBUF_INIT, 0 };
	int ovr = 0;
	size_t nan_rows = 0;
	for (int m = 0; m < in->nscored; m++) {
		const struct plot_scored *sc = &in->scored[m];
		int *cls = xmallocarray((size_t)sc->nclass, sizeof(int)), ncls;
		if (curve_classes(p, sc, positive, cls, &ncls, err) < 0) {
			free(cls);
			strbuf_release(&it.sb);
			return -1;
		}
		ovr |= ncls > 1;
		for (int ci = 0; ci < ncls; ci++) {
			int c = cls[ci];
			struct binary b;
			binary_of(sc, c, &b);
			/* A NaN probability has no bin. */
			size_t n = 0;
			for (size_t i = 0; i < b.n; i++)
				if (!isnan(b.s[i])) {
					b.s[n] = b.s[i];
					b.t[n++] = b.t[i];
				}
			if (ci == 0) /* count each row once, not once per class */
				nan_rows += b.n - n;
			b.n = n;
			if (!n) {
				binary_release(&b);
				free(cls);
				strbuf_release(&it.sb);
				return wb_error(err, "calibration: model '%s' has no rows with a "
						"known class and a probability", model_name(sc));
			}
			double brier = 0;
			for (size_t i = 0; i < n; i++) {
				double e = b.s[i] - b.t[i];
				brier += e * e;
			}
			brier /= (double)n;
			int t = calibration_rows(p, &b, (int)nbins, quantile);
			item(&it, "$d%d using 1:2 with linespoints lt %d lw 2 pt 7", t, it.n + 1);
			char *title = ncls > 1
				? xasprintf("%s: %s (Brier %.3f)", model_name(sc), sc->classes[c], brier)
				: xasprintf("%s (Brier %.3f)", model_name(sc), brier);
			item_title(&it, title);
			free(title);
			binary_release(&b);
		}
		free(cls);
	}
	plot_set_title(p, "calibration curve");
	plot_set_xlabel(p, "mean predicted probability");
	plot_set_ylabel(p, "fraction of positives");
	plot_cmd(p, "set xrange [0:1]\nset yrange [0:1]\nset key top left\n"
		 "if (!wb_text) { set size square; set grid }\n");
	item(&it, "x with lines dt 2 lc rgb \"gray50\" title \"perfectly calibrated\"");
	items_emit(p, &it);
	plot_note(p, "%ld %s bins", nbins, strategy);
	if (positive)
		plot_note(p, "positive class '%s'", positive);
	else if (ovr)
		plot_note(p, "one-vs-rest per class");
	note_skipped(p, in);
	if (nan_rows)
		plot_note(p, "%zu rows without a probability skipped", nan_rows);
	return 0;
}

/* ------------------------------------------------------------ confusion */

/* The first class with the largest probability; a NaN never wins (as
 * metrics.c, so the accuracy matches). */
static int argmax_row(const double *p, int k)
{
	int best = 0;
	for (int c = 1; c < k; c++)
		if (p[c] > p[best] || (isnan(p[best]) && !isnan(p[c])))
			best = c;
	return best;
}

static void add_tics(struct plot *p, const char *axis, const struct plot_scored *sc)
{
	plot_cmd(p, "set %s (", axis);
	for (int c = 0; c < sc->nclass; c++) {
		if (c)
			plot_cmd(p, ", ");
		add_quoted(p, sc->classes[c]);
		plot_cmd(p, " %d", c);
	}
	plot_cmd(p, ") scale 0\n");
}

static int build_confusion(const struct plot_input *in, const json_t *opts, struct plot *p,
			   struct wb_err *err)
{
	const char *norm;
	if (check_models(p, in, 1, err) < 0 ||
	    plot_opt_str(p, opts, "normalize", "none", &norm, err) < 0)
		return -1;
	if (in->nscored != 1)
		return wb_error(err, "confusion: takes one model, got %d", in->nscored);
	int mode = !strcmp(norm, "none") ? 0 : !strcmp(norm, "true") ? 1
		 : !strcmp(norm, "pred") ? 2 : !strcmp(norm, "all") ? 3 : -1;
	if (mode < 0)
		return wb_error(err, "confusion: option 'normalize' must be 'none', 'true', "
				"'pred' or 'all', not '%s'", norm);
	const struct plot_scored *sc = &in->scored[0];
	size_t k = (size_t)sc->nclass, rows = 0, correct = 0;
	size_t *cm = xcalloc(k * k, sizeof(size_t));
	for (size_t i = 0; i < sc->n; i++) {
		if (sc->truth[i] < 0)
			continue;
		int hat = argmax_row(sc->proba + i * k, (int)k);
		cm[(size_t)sc->truth[i] * k + (size_t)hat]++;
		correct += hat == sc->truth[i];
		rows++;
	}
	if (!rows) {
		free(cm);
		return wb_error(err, "confusion: model '%s' has no rows with a known class",
				model_name(sc));
	}
	/* Normalised like scikit-learn's confusion_matrix: a row / column /
	 * total of zero gives zeros, not NaN. */
	double *v = xmallocarray(k * k, sizeof(double)), vmax = 0;
	for (size_t r = 0; r < k; r++)
		for (size_t c = 0; c < k; c++) {
			double den = 1;
			if (mode == 1 || mode == 2) {
				size_t s = 0;
				for (size_t j = 0; j < k; j++)
					s += mode == 1 ? cm[r * k + j] : cm[j * k + c];
				den = (double)s;
			} else if (mode == 3) {
				den = (double)rows;
			}
			v[r * k + c] = den > 0 ? (double)cm[r * k + c] / den : 0;
			vmax = fmax(vmax, v[r * k + c]);
		}
	/* x = predicted class, y = true class; label text dark or light by
	 * the cell's shade. */
	int t = plot_table(p, 0);
	for (size_t r = 0; r < k; r++)
		for (size_t c = 0; c < k; c++) {
			char lab[48];
			double x = v[r * k + c];
			if (mode)
				snprintf(lab, sizeof(lab), "%.2f", x);
			else
				snprintf(lab, sizeof(lab), "%zu", cm[r * k + c]);
			plot_row_begin(p, t);
			plot_row_num(p, (double)c);
			plot_row_num(p, (double)r);
			plot_row_num(p, x);
			plot_row_label(p, lab);
			plot_row_num(p, vmax > 0 && x > vmax / 2 ? 0xffffff : 0);
			plot_row_end(p);
		}
	char *title = xasprintf("confusion matrix: %s (accuracy %.3f)", model_name(sc),
				(double)correct / (double)rows);
	plot_set_title(p, title);
	free(title);
	plot_set_xlabel(p, "predicted");
	plot_set_ylabel(p, "true");
	plot_cmd(p, "set xrange [-0.5:%zu.5]\nset yrange [%zu.5:-0.5]\n", k - 1, k - 1);
	add_tics(p, "xtics", sc);
	add_tics(p, "ytics", sc);
	plot_cmd(p, "set palette defined (0 \"#f7fbff\", 1 \"#08306b\")\n"
		 "set cbrange [0:%.10g]\nunset key\n", vmax > 0 ? vmax : 1);
	/* Text has no shades: the numbers alone are the picture. */
	plot_cmd(p, "if (wb_text) {\n"
		 "    unset colorbox\n"
		 "    plot $d%d using 1:2:4 with labels notitle\n"
		 "} else {\n"
		 "    plot $d%d using 1:2:3 with image notitle, \\\n"
		 "         $d%d using 1:2:4:5 with labels tc rgb variable notitle\n"
		 "}\n", t, t, t);
	if (mode)
		plot_note(p, "normalized over %s", mode == 1 ? "true classes (rows)"
			  : mode == 2 ? "predicted classes (columns)" : "all rows");
	note_skipped(p, in);
	free(cm);
	free(v);
	return 0;
}

/* ------------------------------------------------------------ importance */

struct feat {
	const char *name;
	double v;
};

static int feat_by_abs(const void *a, const void *b)
{
	const struct feat *x = a, *y = b;
	double ax = fabs(x->v), ay = fabs(y->v);
	if (ax != ay)
		return ax < ay ? 1 : -1;
	return strcmp(x->name, y->name);
}

static int feat_by_value(const void *a, const void *b)
{
	const struct feat *x = a, *y = b;
	if (x->v != y->v)
		return x->v < y->v ? 1 : -1;
	return strcmp(x->name, y->name);
}

/* A name cut to LABEL_MAX bytes with "..." (not inside a UTF-8 sequence). */
static void short_label(const char *s, char *out, size_t size)
{
	size_t n = strlen(s);
	if (n <= LABEL_MAX) {
		snprintf(out, size, "%s", s);
		return;
	}
	size_t keep = LABEL_MAX - 3;
	while (keep > 0 && ((unsigned char)s[keep] & 0xc0) == 0x80)
		keep--;
	snprintf(out, size, "%.*s...", (int)keep, s);
}

static int build_importance(const struct plot_input *in, const json_t *opts, struct plot *p,
			    struct wb_err *err)
{
	long top;
	if (plot_opt_int(p, opts, "top", 20, 1, 1000, &top, err) < 0)
		return -1;
	if (!in || in->nseries < 1 || !in->series)
		return wb_error(err, "importance: needs a series of importances with feature "
				"names");
	if (in->nseries > 1)
		return wb_error(err, "importance: takes one series, got %d", in->nseries);
	const struct plot_series *s = &in->series[0];
	const char *sname = s->name ? s->name : "importance";
	if (!s->labels)
		return wb_error(err, "importance: series '%s' has no feature names", sname);
	struct feat *f = xmallocarray(s->n ? s->n : 1, sizeof(*f));
	size_t n = 0, nan = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (isnan(s->y[i])) {
			nan++;
			continue;
		}
		f[n].name = s->labels[i] ? s->labels[i] : "";
		f[n++].v = s->y[i];
	}
	if (!n) {
		free(f);
		return wb_error(err, "importance: series '%s' has no values", sname);
	}
	/* The `top` largest in size (a coefficient of -3 matters more than one
	 * of 0.1), then drawn largest value at the top. */
	qsort(f, n, sizeof(*f), feat_by_abs);
	size_t shown = n < (size_t)top ? n : (size_t)top;
	qsort(f, shown, sizeof(*f), feat_by_value);
	int t = plot_table(p, 0), neg = 0;
	for (size_t i = 0; i < shown; i++) {
		char lab[LABEL_MAX + 8];
		short_label(f[i].name, lab, sizeof(lab));
		plot_row_begin(p, t);
		plot_row_num(p, (double)i);
		plot_row_num(p, f[i].v);
		plot_row_label(p, lab);
		plot_row_end(p);
		neg |= f[i].v < 0;
	}
	/* The model's name after the colon; a bare table of importances
	 * (series "importance") has none. */
	int named = strcmp(sname, "importance") != 0;
	char top_of[64] = "";
	if (shown < n)
		snprintf(top_of, sizeof(top_of), " (top %zu of %zu)", shown, n);
	char *title = xasprintf("feature importance%s%s%s", named ? ": " : "",
				named ? sname : "", top_of);
	plot_set_title(p, title);
	free(title);
	plot_set_xlabel(p, "importance");
	/* Text has one row per bar at best: a short pane shows fewer bars (the
	 * height comes from the terminal options) and says so. */
	plot_cmd(p, "wb_n = %zu\n"
		 "if (wb_text) {\n"
		 "    wb_i = strstrt(GPVAL_TERMOPTIONS, \"size \")\n"
		 "    if (wb_i > 0) {\n"
		 "        wb_r = int(word(GPVAL_TERMOPTIONS[wb_i:], 3)) - 8\n"
		 "        if (wb_r < wb_n) {\n"
		 "            wb_n = wb_r < 1 ? 1 : wb_r\n"
		 "            set label 1 sprintf(\"%%d of %zu shown\", wb_n) at graph 1, graph 0 "
		 "right offset char -1, char 1\n"
		 "        }\n"
		 "    }\n"
		 "}\n", shown, shown);
	plot_cmd(p, "wb_in(r) = r < wb_n\n"
		 "set yrange [wb_n - 0.5:-0.5]\n"
		 "set ytics scale 0\n"
		 "set style fill solid 0.7 border -1\n"
		 "unset key\n");
	/* Room beyond the longest bar (and left of a negative one). */
	if (neg)
		plot_cmd(p, "set yzeroaxis lt -1\nset offsets graph 0.05, graph 0.05, 0, 0\n");
	else
		plot_cmd(p, "set offsets 0, graph 0.05, 0, 0\n");
	plot_cmd(p, "plot $d%d using (wb_in($1) ? $2 : NaN):1:(wb_in($1) ? 0 : NaN):"
		 "(wb_in($1) ? $2 : NaN):($1 - 0.4):($1 + 0.4):ytic(3) "
		 "with boxxyerror lt 1 notitle\n", t);
	if (nan)
		plot_note(p, "%zu features without a value skipped", nan);
	free(f);
	return 0;
}

/* ------------------------------------------------------------ regression */

/* The rows of a regression model with both values, as two arrays. */
static size_t regression_rows(const struct plot_scored *sc, double *y, double *yhat)
{
	size_t n = 0;
	for (size_t i = 0; i < sc->n; i++) {
		if (isnan(sc->y[i]) || isnan(sc->yhat[i]))
			continue;
		y[n] = sc->y[i];
		yhat[n++] = sc->yhat[i];
	}
	return n;
}

/* residuals (x = predicted, y = actual - predicted) or predicted (x =
 * actual, y = predicted): one point cloud per model, sampled at render
 * time.  In text each model gets its own letter (point type i + 1), in
 * graphics small dots. */
static int build_regression(const struct plot_input *in, struct plot *p, int residuals,
			    struct wb_err *err)
{
	if (check_models(p, in, 0, err) < 0)
		return -1;
	struct items it = { STRBUF_INIT, 0 };
	double lo = INFINITY, hi = -INFINITY;
	for (int m = 0; m < in->nscored; m++) {
		const struct plot_scored *sc = &in->scored[m];
		double *y = xmallocarray(sc->n, sizeof(double));
		double *yhat = xmallocarray(sc->n, sizeof(double));
		size_t n = regression_rows(sc, y, yhat);
		struct metrics mt;
		if (!n || metrics_regress(y, yhat, n, &mt, NULL) < 0) {
			free(y);
			free(yhat);
			strbuf_release(&it.sb);
			return wb_error(err, "%s: model '%s' has no rows with both a known value "
					"and a prediction", p->kind, model_name(sc));
		}
		int t = plot_table(p, 1);
		for (size_t i = 0; i < n; i++) {
			double v[2] = { residuals ? yhat[i] : y[i],
					residuals ? y[i] - yhat[i] : yhat[i] };
			plot_row(p, t, v, 2);
			lo = fmin(lo, fmin(y[i], yhat[i]));
			hi = fmax(hi, fmax(y[i], yhat[i]));
		}
		char *title = residuals
			? xasprintf("%s (RMSE %.4g)", model_name(sc), metrics_get(&mt, "rmse"))
			: xasprintf("%s (R2 %.3f)", model_name(sc), metrics_get(&mt, "r2"));
		item(&it, "$d%d using 1:2 with points lt %d pt (wb_text ? %d : 7) ps 0.5", t,
		     m + 1, m + 1);
		item_title(&it, title);
		free(title);
		metrics_release(&mt);
		free(y);
		free(yhat);
	}
	if (residuals) {
		plot_set_title(p, "residuals vs predicted");
		plot_set_xlabel(p, "predicted");
		plot_set_ylabel(p, "residual (actual - predicted)");
		plot_cmd(p, "set key top right opaque\nset xzeroaxis lt -1 dt 2\n"
			 "if (!wb_text) { set grid }\n");
	} else {
		/* Equal ranges on both axes, so the diagonal is the diagonal. */
		double pad = hi > lo ? (hi - lo) * 0.03 : 1;
		plot_set_title(p, "predicted vs actual");
		plot_set_xlabel(p, "actual");
		plot_set_ylabel(p, "predicted");
		plot_cmd(p, "set xrange [%.10g:%.10g]\nset yrange [%.10g:%.10g]\n"
			 "set key top left opaque\nif (!wb_text) { set size square; set grid }\n",
			 lo - pad, hi + pad, lo - pad, hi + pad);
		item(&it, "x with lines dt 2 lc rgb \"gray50\" title \"predicted = actual\"");
	}
	items_emit(p, &it);
	note_skipped(p, in);
	return 0;
}

static int build_residuals(const struct plot_input *in, const json_t *opts, struct plot *p,
			   struct wb_err *err)
{
	(void)opts;
	return build_regression(in, p, 1, err);
}

static int build_predicted(const struct plot_input *in, const json_t *opts, struct plot *p,
			   struct wb_err *err)
{
	(void)opts;
	return build_regression(in, p, 0, err);
}

/* ------------------------------------------------------------ learning */

static const char *series_name(const struct plot_series *s)
{
	return s->name ? s->name : "series";
}

/* The metric the series share: "logloss" for train_logloss and
 * valid_logloss; "loss" when they share none. */
static void metric_of(const struct plot_input *in, char *out, size_t size)
{
	const char *common = NULL;
	for (int i = 0; i < in->nseries; i++) {
		const char *n = series_name(&in->series[i]);
		const char *u = strchr(n, '_');
		if (!u || !u[1] || (common && strcmp(common, u + 1))) {
			common = NULL;
			break;
		}
		common = u + 1;
	}
	snprintf(out, size, "%s", common ? common : "loss");
}

static double series_x(const struct plot_series *s, size_t i)
{
	return s->x ? s->x[i] : (double)(i + 1);
}

static int build_learning(const struct plot_input *in, const json_t *opts, struct plot *p,
			  struct wb_err *err)
{
	const char *metric;
	char derived[128];
	int hib;
	if (!in || in->nseries < 1 || !in->series)
		return wb_error(err, "learning: needs at least one series (e.g. train and valid "
				"losses per round)");
	metric_of(in, derived, sizeof(derived));
	if (plot_opt_str(p, opts, "metric", derived, &metric, err) < 0)
		return -1;
	/* Default direction from the metric's name (auc up, logloss down). */
	if (plot_opt_bool(p, opts, "higher_is_better", metrics_higher_is_better(metric) == 1,
			  &hib, err) < 0)
		return -1;
	/* The x range first: a best-round label goes left of its point in the
	 * right half, so it stays inside the plot. */
	double xmin = INFINITY, xmax = -INFINITY;
	for (int k = 0; k < in->nseries; k++) {
		const struct plot_series *s = &in->series[k];
		size_t n = 0;
		for (size_t i = 0; i < s->n; i++) {
			double x = series_x(s, i);
			if (isnan(s->y[i]) || isnan(x))
				continue;
			xmin = fmin(xmin, x);
			xmax = fmax(xmax, x);
			n++;
		}
		if (!n)
			return wb_error(err, "learning: series '%s' is empty", series_name(s));
	}
	struct items it = { STRBUF_INIT, 0 }, marks = { STRBUF_INIT, 1 };
	for (int k = 0; k < in->nseries; k++) {
		const struct plot_series *s = &in->series[k];
		int t = plot_table(p, 0), have = 0;
		size_t best = 0;
		for (size_t i = 0; i < s->n; i++) {
			double x = series_x(s, i);
			if (isnan(s->y[i]) || isnan(x))
				continue;
			double v[2] = { x, s->y[i] };
			plot_row(p, t, v, 2);
			/* The first best round (early stopping keeps that one). */
			if (!have || (hib ? s->y[i] > s->y[best] : s->y[i] < s->y[best]))
				best = i;
			have = 1;
		}
		item(&it, "$d%d using 1:2 with lines lt %d lw 2", t, k + 1);
		item_title(&it, series_name(s));
		if (strncmp(series_name(s), "valid", 5))
			continue;
		double bx = series_x(s, best);
		char lab[64];
		snprintf(lab, sizeof(lab), "best round %.10g", bx);
		int mt = plot_table(p, 0);
		plot_row_begin(p, mt);
		plot_row_num(p, bx);
		plot_row_num(p, s->y[best]);
		plot_row_label(p, lab);
		plot_row_end(p);
		plot_note(p, "%s: best %.6g at round %.10g", series_name(s), s->y[best], bx);
		int right = bx > (xmin + xmax) / 2;
		/* Above the point for a minimum, below for a maximum: away from
		 * the curve's extreme. */
		item(&marks, "$d%d using 1:2 with points lt %d pt 7 ps 1.5 notitle", mt, k + 1);
		item(&marks, "$d%d using 1:2:3 with labels %s offset char %d, char %d notitle", mt,
		     right ? "right" : "left", right ? -1 : 1, hib ? -1 : 1);
	}
	plot_set_title(p, "learning curve");
	plot_set_xlabel(p, "round");
	plot_set_ylabel(p, metric);
	/* Losses fall, scores rise: the key goes where the curves end low
	 * (or high) the least. */
	plot_cmd(p, "set key %s right\nif (!wb_text) { set grid }\n", hib ? "bottom" : "top");
	strbuf_add(&it.sb, strbuf_str(&marks.sb), marks.sb.len);
	strbuf_release(&marks.sb);
	items_emit(p, &it);
	return 0;
}

/* ------------------------------------------------------------ cv */

static int build_cv(const struct plot_input *in, const json_t *opts, struct plot *p,
		    struct wb_err *err)
{
	const char *metric;
	if (plot_opt_str(p, opts, "metric", "score", &metric, err) < 0)
		return -1;
	if (!in || in->nseries < 1 || !in->series)
		return wb_error(err, "cv: needs one series of fold scores per model");
	/* Table b: x, min, q1, median, q3, max, mean per model; table f: the
	 * fold scores, spread evenly across the box so equal ones stay
	 * visible (a fixed spread, not random: the same plot every time). */
	int tb = plot_table(p, 0), tf = plot_table(p, 0);
	for (int k = 0; k < in->nseries; k++) {
		const struct plot_series *s = &in->series[k];
		double *v = xmallocarray(s->n ? s->n : 1, sizeof(double));
		size_t n = 0;
		for (size_t i = 0; i < s->n; i++)
			if (!isnan(s->y[i]))
				v[n++] = s->y[i];
		if (!n) {
			free(v);
			return wb_error(err, "cv: series '%s' has no fold scores", series_name(s));
		}
		double sum = 0;
		for (size_t i = 0; i < n; i++) {
			double x = k + (n > 1 ? ((double)i / (double)(n - 1) - 0.5) * 0.3 : 0);
			double row[2] = { x, v[i] };
			plot_row(p, tf, row, 2);
			sum += v[i];
		}
		qsort(v, n, sizeof(double), cmp_double);
		double row[7] = { k, v[0], percentile_sorted(v, n, 0.25),
				  percentile_sorted(v, n, 0.5), percentile_sorted(v, n, 0.75),
				  v[n - 1], sum / (double)n };
		plot_row(p, tb, row, 7);
		free(v);
	}
	plot_set_title(p, "cross-validation scores");
	plot_set_xlabel(p, "model");
	plot_set_ylabel(p, metric);
	plot_cmd(p, "set xrange [-0.6:%d.6]\n", in->nseries - 1);
	plot_cmd(p, "set xtics (");
	for (int k = 0; k < in->nseries; k++) {
		if (k)
			plot_cmd(p, ", ");
		add_quoted(p, series_name(&in->series[k]));
		plot_cmd(p, " %d", k);
	}
	plot_cmd(p, ") scale 0\n"
		 "set boxwidth 0.5\nset style fill empty\nset key top right opaque\n"
		 "set offsets 0, 0, graph 0.08, graph 0.05\n"
		 "if (!wb_text) { set grid ytics }\n");
	plot_cmd(p, "plot $d%d using 1:3:2:6:5 with candlesticks whiskerbars 0.5 lt 1 lw 1.5 "
		 "title \"quartiles, min-max\", \\\n"
		 "     $d%d using 1:4:4:4:4 with candlesticks lt 1 lw 2 notitle, \\\n"
		 "     $d%d using 1:2 with points lt 2 pt 7 ps 0.7 title \"fold\", \\\n"
		 "     $d%d using 1:7 with points lt 3 pt 2 ps 1.5 title \"mean\"\n",
		 tb, tb, tf, tb);
	return 0;
}

/* ------------------------------------------------------------ registry */

static const char *const positive_opts[] = { "positive", NULL };
static const char *const calibration_opts[] = { "bins", "strategy", "positive", NULL };
static const char *const confusion_opts[] = { "normalize", NULL };
static const char *const importance_opts[] = { "top", NULL };
static const char *const learning_opts[] = { "metric", "higher_is_better", NULL };
static const char *const cv_opts[] = { "metric", NULL };

static const struct plot_kind kind_roc = {
	"roc", "ROC curves of classifiers, AUC in the legend",
	"scored classification models", positive_opts, build_roc,
};
static const struct plot_kind kind_pr = {
	"pr", "precision-recall curves, average precision in the legend",
	"scored classification models", positive_opts, build_pr,
};
static const struct plot_kind kind_calibration = {
	"calibration", "calibration curves: predicted probability vs observed frequency",
	"scored classification models", calibration_opts, build_calibration,
};
static const struct plot_kind kind_confusion = {
	"confusion", "confusion matrix heatmap (true classes down, predicted across)",
	"one scored classification model", confusion_opts, build_confusion,
};
static const struct plot_kind kind_importance = {
	"importance", "feature importance bars, largest at the top",
	"a series of importances with feature names", importance_opts, build_importance,
};
static const struct plot_kind kind_residuals = {
	"residuals", "residuals (actual - predicted) against the prediction",
	"scored regression models", NULL, build_residuals,
};
static const struct plot_kind kind_predicted = {
	"predicted", "predicted against actual values, R2 in the legend",
	"scored regression models", NULL, build_predicted,
};
static const struct plot_kind kind_learning = {
	"learning", "learning curves (loss per round), best validation round marked",
	"series of values per round (train_*, valid_*)", learning_opts, build_learning,
};
static const struct plot_kind kind_cv = {
	"cv", "cross-validation fold scores per model: box, folds and mean",
	"one series of fold scores per model", cv_opts, build_cv,
};

void plot_eval_register(void)
{
	plot_kind_register_builtin(&kind_roc);
	plot_kind_register_builtin(&kind_pr);
	plot_kind_register_builtin(&kind_calibration);
	plot_kind_register_builtin(&kind_confusion);
	plot_kind_register_builtin(&kind_importance);
	plot_kind_register_builtin(&kind_residuals);
	plot_kind_register_builtin(&kind_predicted);
	plot_kind_register_builtin(&kind_learning);
	plot_kind_register_builtin(&kind_cv);
}
