/*
 * drift — reference statistics and drift scores (see drift.h for the JSON
 * layouts, the formulas and the thresholds).
 *
 * Both directions go through one C form of a column's reference, struct
 * dref: drift_reference() computes it from a frame and writes it as JSON;
 * drift_compare() parses (and validates) the JSON back into it.  The
 * reference fractions and the current fractions come from exact integer
 * counts of values <= each edge, divided the same way (fracs_from_cum), and JSON_REAL_PRECISION(17)
 * writes doubles exactly, so a frame compared with its own reference scores
 * exactly 0, whether the reference went through a file or not.
 *
 * The per-column work runs in parallel over columns; it cannot fail (only
 * allocation, which aborts), so every error is found serially before
 * (parsing) or after (building JSON).
 */
#include "ship/drift.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "core/strdict.h"

/* Cap on the array lengths a reference may carry (it may be untrusted). */
#define DRIFT_MAX_ARRAY 1000000

enum { ST_OK, ST_WARN, ST_DRIFT };
static const char *const status_name[] = { "ok", "warn", "drift" };

void drift_opts_init(struct drift_opts *o)
{
	o->bins = 10;
	o->max_levels = 50;
	o->ks_points = 100;
	o->psi_warn = 0.1;
	o->psi_drift = 0.25;
	o->missing_warn = 0.05;
	o->missing_drift = 0.2;
	o->unseen_warn = 0.01;
	o->unseen_drift = 0.05;
}

static int is_numeric_kind(enum col_kind k)
{
	return k != COL_CAT && k != COL_STR;
}

/* Whether a current column of kind b can be scored against a reference of
 * kind a: the same family, and time only against time (µs since the epoch
 * next to plain numbers would give nonsense scores). */
static int kinds_compatible(enum col_kind a, enum col_kind b)
{
	if (is_numeric_kind(a) != is_numeric_kind(b))
		return 0;
	return (a == COL_TIME) == (b == COL_TIME);
}

/* One column's reference statistics. */
struct dref {
	const char *name;       /* borrowed from the frame or the JSON */
	enum col_kind kind;
	double missing;
	size_t count;           /* non-missing rows */
	/* numeric */
	size_t nedges, ncdf;
	double *edges, *cdf_x, *cdf;
	double mean, std, min, max;
	/* numeric: nedges + 1 bin fractions; categorical: one per level */
	double *fracs;
	/* categorical */
	int32_t nlevels;
	char **levels;          /* owned copies */
	size_t *lens;
	double other;
	size_t distinct;
	struct strdict dict;    /* levels -> index, for scoring */
	int has_dict;
};

static void dref_release(struct dref *d)
{
	free(d->edges);
	free(d->cdf_x);
	free(d->cdf);
	free(d->fracs);
	for (int32_t l = 0; l < d->nlevels; l++)
		free(d->levels[l]);
	free(d->levels);
	free(d->lens);
	if (d->has_dict)
		strdict_release(&d->dict);
}

static void drefs_free(struct dref *ds, int n)
{
	for (int j = 0; j < n; j++)
		dref_release(&ds[j]);
	free(ds);
}

static double rate(size_t part, size_t whole)
{
	return whole ? (double)part / (double)whole : 0.0;
}

/* ---- numeric columns ---------------------------------------------------- */

/* Copies the non-missing values of a numeric column into x (c->n + 1
 * entries; infinities count as missing: they have no place in a JSON number
 * or a bin edge), -0 as +0 so that equal values have equal bits.  Returns
 * how many. */
static size_t collect_num(const struct column *c, double *x)
{
	size_t k = 0;
	for (size_t i = 0; i < c->n; i++) {
		double v = column_get_num(c, i);
		if (isfinite(v))
			x[k++] = v + 0.0;
	}
	return k;
}

#define RADIX_BITS 11
#define RADIX_PASSES 6      /* ceil(64 / 11) */
#define RADIX_SIZE (1 << RADIX_BITS)

/* Ascending LSD radix sort of doubles (no NaN) on their bits mapped to an
 * order-preserving unsigned key, 11 bits a pass (6 passes, and the counts
 * stay in cache); digits every key shares are skipped, so an int or bool
 * column costs a pass or two.  Linear, with no bad inputs.  k and t are
 * scratch of n entries each. */
static void sort_doubles(double *x, size_t n, uint64_t *k, uint64_t *t)
{
	if (n < 2)
		return;
	size_t (*cnt)[RADIX_SIZE] = xcalloc(RADIX_PASSES, sizeof(*cnt));
	for (size_t i = 0; i < n; i++) {
		uint64_t u;
		memcpy(&u, &x[i], sizeof(u));
		u = (u >> 63) ? ~u : u | (UINT64_C(1) << 63);
		k[i] = u;
		for (int b = 0; b < RADIX_PASSES; b++)
			cnt[b][(u >> (RADIX_BITS * b)) & (RADIX_SIZE - 1)]++;
	}
	for (int b = 0; b < RADIX_PASSES; b++) {
		size_t *h = cnt[b];
		int sh = RADIX_BITS * b;
		if (h[(k[0] >> sh) & (RADIX_SIZE - 1)] == n)
			continue;
		size_t sum = 0;
		for (int v = 0; v < RADIX_SIZE; v++) {
			size_t c = h[v];
			h[v] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			t[h[(k[i] >> sh) & (RADIX_SIZE - 1)]++] = k[i];
		uint64_t *s = k;
		k = t;
		t = s;
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t u = k[i];
		u = (u >> 63) ? u & ~(UINT64_C(1) << 63) : ~u;
		memcpy(&x[i], &u, sizeof(u));
	}
	free(cnt);
}

/* Per-thread buffers for numeric columns, allocated once per thread rather
 * than per column (fresh pages cost as much as the sort). */
struct scratch {
	double *x;
	uint64_t *k, *t;
};

/* Number of grid points below v (the first index with g[i] >= v): the
 * right-closed bin of v.  Branch-free (the comparison becomes a select), as a
 * data-dependent branch per level would mispredict half the time. */
static size_t rank_below(const double *g, size_t ng, double v)
{
	if (ng == 0)
		return 0;
	const double *b = g;
	size_t len = ng;
	while (len > 1) {
		size_t half = len / 2;
		b = b[half] < v ? b + half : b;
		len -= half;
	}
	return (size_t)(b - g) + (*b < v);
}

/* cum[i] = number of x[0..n) <= g[i], for a grid increasing strictly: one
 * histogram pass, then a prefix sum.  Integers, so the reference (which
 * counts on its sorted values instead, see cum_le_sorted) and the current
 * data get exactly the same counts for the same values. */
static void cum_le(const double *x, size_t n, const double *g, size_t ng, size_t *cum)
{
	size_t *h = xcalloc(ng + 1, sizeof(size_t));
	for (size_t i = 0; i < n; i++)
		h[rank_below(g, ng, x[i])]++;
	size_t s = 0;
	for (size_t i = 0; i < ng; i++) {
		s += h[i];
		cum[i] = s;
	}
	free(h);
}

/* cum_le on sorted x: an upper bound per grid point. */
static void cum_le_sorted(const double *x, size_t n, const double *g, size_t ng, size_t *cum)
{
	for (size_t i = 0; i < ng; i++) {
		size_t lo = 0, hi = n;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (x[mid] <= g[i])
				lo = mid + 1;
			else
				hi = mid;
		}
		cum[i] = lo;
	}
}

/* Bin fractions from the counts <= each edge (ne + 1 bins). */
static void fracs_from_cum(const size_t *cum, size_t ne, size_t n, double *fr)
{
	size_t prev = 0;
	for (size_t b = 0; b < ne; b++) {
		fr[b] = (double)(cum[b] - prev) / (double)n;
		prev = cum[b];
	}
	fr[ne] = (double)(n - prev) / (double)n;
}

/* The inverted-CDF quantile of sorted x at p = j / k: the smallest value
 * whose CDF reaches p (numpy's method="inverted_cdf"), in integers. */
static double quantile_inv(const double *x, size_t n, size_t j, size_t k)
{
	if (j == 0)
		return x[0];
	size_t r = (j * n + k - 1) / k;
	return x[r - 1];
}

static void ref_numeric(const struct column *c, struct dref *d, const struct drift_opts *o,
			struct scratch *sc)
{
	double *x = sc->x;
	size_t n = collect_num(c, x);
	d->count = n;
	d->missing = rate(c->n - n, c->n);
	d->mean = d->std = d->min = d->max = NAN;
	if (n == 0)
		return;
	double sum = 0, ss = 0;
	for (size_t i = 0; i < n; i++)
		sum += x[i];
	d->mean = sum / (double)n;
	for (size_t i = 0; i < n; i++)
		ss += (x[i] - d->mean) * (x[i] - d->mean);
	d->std = n > 1 ? sqrt(ss / (double)(n - 1)) : NAN;

	double *s = x;
	sort_doubles(s, n, sc->k, sc->t);
	d->min = s[0];
	d->max = s[n - 1];

	size_t nb = (size_t)o->bins;
	d->edges = xmallocarray(nb + 1, sizeof(double));
	for (size_t j = 1; j < nb; j++) {
		double e = quantile_inv(s, n, j, nb);
		if (e < d->max && (d->nedges == 0 || e > d->edges[d->nedges - 1]))
			d->edges[d->nedges++] = e;
	}
	/* A constant column, or one whose quantiles all sit at the maximum:
	 * split "below the max", "at the max", "above" so a change still shows. */
	if (d->nedges == 0) {
		d->edges[0] = nextafter(d->max, -INFINITY);
		d->edges[1] = d->max;
		d->nedges = 2;
	}
	size_t *cum = xmallocarray(d->nedges + 1, sizeof(size_t));
	cum_le_sorted(s, n, d->edges, d->nedges, cum);
	d->fracs = xmallocarray(d->nedges + 1, sizeof(double));
	fracs_from_cum(cum, d->nedges, n, d->fracs);
	free(cum);

	size_t nk = (size_t)o->ks_points;
	d->cdf_x = xmallocarray(nk + 1, sizeof(double));
	for (size_t j = 0; j <= nk; j++) {
		double q = quantile_inv(s, n, j, nk);
		if (d->ncdf == 0 || q > d->cdf_x[d->ncdf - 1])
			d->cdf_x[d->ncdf++] = q;
	}
	cum = xmallocarray(d->ncdf + 1, sizeof(size_t));
	cum_le_sorted(s, n, d->cdf_x, d->ncdf, cum);
	d->cdf = xmallocarray(d->ncdf, sizeof(double));
	for (size_t j = 0; j < d->ncdf; j++)
		d->cdf[j] = (double)cum[j] / (double)n;
	free(cum);
}

/* ---- categorical columns ------------------------------------------------ */

struct lvcount {
	const char *s;
	size_t len;
	size_t count;
};

/* Count descending, then text bytewise ascending (a total order: the texts
 * are distinct), so the listed levels never depend on storage order. */
static int lvcount_cmp(const void *pa, const void *pb)
{
	const struct lvcount *a = pa, *b = pb;
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	size_t m = a->len < b->len ? a->len : b->len;
	int r = memcmp(a->s, b->s, m);
	if (r)
		return r;
	return a->len < b->len ? -1 : a->len > b->len;
}

static void ref_categorical(const struct column *c, struct dref *d, const struct drift_opts *o)
{
	struct strdict sd;
	size_t nd = 0, n = 0, *counts = NULL;
	struct lvcount *lv;
	strdict_init(&sd);
	if (c->kind == COL_CAT) {
		counts = xcalloc((size_t)c->nlevels + 1, sizeof(size_t));
		for (size_t i = 0; i < c->n; i++)
			if (c->codes[i] >= 0 && c->codes[i] < c->nlevels) {
				counts[c->codes[i]]++;
				n++;
			}
		lv = xmallocarray((size_t)c->nlevels + 1, sizeof(*lv));
		for (int32_t l = 0; l < c->nlevels; l++)
			if (counts[l]) {
				lv[nd].s = c->levels[l];
				lv[nd].len = strlen(c->levels[l]);
				lv[nd++].count = counts[l];
			}
	} else {
		size_t cap = 64;
		counts = xcalloc(cap, sizeof(size_t));
		for (size_t i = 0; i < c->n; i++) {
			size_t len;
			const char *s = column_get_text(c, i, &len);
			if (!s)
				continue;
			size_t k = (size_t)strdict_intern(&sd, s, len);
			if (k >= cap) {
				counts = xreallocarray(counts, cap * 2, sizeof(size_t));
				memset(counts + cap, 0, cap * sizeof(size_t));
				cap *= 2;
			}
			counts[k]++;
			n++;
		}
		lv = xmallocarray((size_t)sd.n + 1, sizeof(*lv));
		for (int32_t l = 0; l < sd.n; l++) {
			lv[nd].s = sd.strs[l];
			lv[nd].len = sd.lens[l];
			lv[nd++].count = counts[l];
		}
	}
	qsort(lv, nd, sizeof(*lv), lvcount_cmp);
	d->count = n;
	d->missing = rate(c->n - n, c->n);
	d->distinct = nd;
	size_t keep = nd < (size_t)o->max_levels ? nd : (size_t)o->max_levels, rest = n;
	d->nlevels = (int32_t)keep;
	d->levels = xmallocarray(keep + 1, sizeof(char *));
	d->lens = xmallocarray(keep + 1, sizeof(size_t));
	d->fracs = xmallocarray(keep + 1, sizeof(double));
	for (size_t l = 0; l < keep; l++) {
		d->levels[l] = xmalloc(lv[l].len + 1);
		memcpy(d->levels[l], lv[l].s, lv[l].len);
		d->levels[l][lv[l].len] = '\0';
		d->lens[l] = lv[l].len;
		d->fracs[l] = (double)lv[l].count / (double)n;
		rest -= lv[l].count;
	}
	d->other = rate(rest, n);
	free(lv);
	free(counts);
	strdict_release(&sd);
}

/* ---- reference: frame -> JSON ------------------------------------------- */

static json_t *jreal(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *jreals(const double *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, jreal(v[i]));
	return a;
}

static int check_opts(const struct drift_opts *o, struct wb_err *err)
{
	if (o->bins < 2 || o->bins > 1000)
		return wb_error(err, "drift: bins must be 2..1000, not %d", o->bins);
	if (o->max_levels < 1 || o->max_levels > 100000)
		return wb_error(err, "drift: max_levels must be 1..100000, not %d", o->max_levels);
	if (o->ks_points < 2 || o->ks_points > 10000)
		return wb_error(err, "drift: ks_points must be 2..10000, not %d", o->ks_points);
	return 0;
}

static json_t *dref_json(const struct dref *d, struct wb_err *err)
{
	json_t *o = json_object(), *name = json_string(d->name);
	if (!name) {
		json_decref(o);
		wb_error(err, "drift: column name '%s' is not valid UTF-8", d->name);
		return NULL;
	}
	json_object_set_new(o, "name", name);
	json_object_set_new(o, "kind", json_string(col_kind_name(d->kind)));
	json_object_set_new(o, "missing", json_real(d->missing));
	json_object_set_new(o, "count", json_integer((json_int_t)d->count));
	if (is_numeric_kind(d->kind)) {
		size_t nb = d->count ? d->nedges + 1 : 0;
		json_object_set_new(o, "edges", jreals(d->edges, d->nedges));
		json_object_set_new(o, "fractions", jreals(d->fracs, nb));
		json_object_set_new(o, "cdf_x", jreals(d->cdf_x, d->ncdf));
		json_object_set_new(o, "cdf", jreals(d->cdf, d->ncdf));
		json_object_set_new(o, "mean", jreal(d->mean));
		json_object_set_new(o, "std", jreal(d->std));
		json_object_set_new(o, "min", jreal(d->min));
		json_object_set_new(o, "max", jreal(d->max));
		return o;
	}
	json_t *lv = json_array();
	for (int32_t l = 0; l < d->nlevels; l++) {
		json_t *s = json_stringn(d->levels[l], d->lens[l]);
		if (!s) {
			json_decref(lv);
			json_decref(o);
			wb_error(err, "drift: column '%s': a value is not valid UTF-8", d->name);
			return NULL;
		}
		json_array_append_new(lv, s);
	}
	json_object_set_new(o, "levels", lv);
	json_object_set_new(o, "fractions", jreals(d->fracs, (size_t)d->nlevels));
	json_object_set_new(o, "other", json_real(d->other));
	json_object_set_new(o, "distinct", json_integer((json_int_t)d->distinct));
	return o;
}

json_t *drift_reference(const struct frame *f, const struct drift_opts *o, struct wb_err *err)
{
	struct drift_opts def;
	if (!o) {
		drift_opts_init(&def);
		o = &def;
	}
	if (check_opts(o, err) < 0)
		return NULL;
	int nc = f->ncol;
	struct dref *ds = xcalloc((size_t)nc + 1, sizeof(*ds));

	/* One column per task; each result depends on its column alone. */
#pragma omp parallel if (f->nrow * (size_t)nc > 50000)
	{
		struct scratch sc = { NULL, NULL, NULL };
#pragma omp for schedule(dynamic, 1)
		for (int j = 0; j < nc; j++) {
			struct dref *d = &ds[j];
			d->name = f->names[j];
			d->kind = f->cols[j]->kind;
			if (is_numeric_kind(d->kind)) {
				if (!sc.x) {
					sc.x = xmallocarray(f->nrow + 1, sizeof(double));
					sc.k = xmallocarray(f->nrow + 1, sizeof(uint64_t));
					sc.t = xmallocarray(f->nrow + 1, sizeof(uint64_t));
				}
				ref_numeric(f->cols[j], d, o, &sc);
			} else {
				ref_categorical(f->cols[j], d, o);
			}
		}
		free(sc.x);
		free(sc.k);
		free(sc.t);
	}

	json_t *root = json_object(), *cols = json_array();
	json_object_set_new(root, "format", json_string(DRIFT_FORMAT));
	json_object_set_new(root, "version", json_integer(DRIFT_VERSION));
	json_object_set_new(root, "rows", json_integer((json_int_t)f->nrow));
	json_object_set_new(root, "bins", json_integer(o->bins));
	json_object_set_new(root, "max_levels", json_integer(o->max_levels));
	json_object_set_new(root, "ks_points", json_integer(o->ks_points));
	json_object_set_new(root, "columns", cols);
	for (int j = 0; j < nc; j++) {
		json_t *cj = dref_json(&ds[j], err);
		if (!cj) {
			json_decref(root);
			drefs_free(ds, nc);
			return NULL;
		}
		json_array_append_new(cols, cj);
	}
	drefs_free(ds, nc);
	return root;
}

/* ---- reference: JSON -> C, validated ------------------------------------ */

/* An array member of numbers (finite; in [0, 1] when `unit`), of at most
 * DRIFT_MAX_ARRAY entries, as a new C array (n + 1 allocated). */
static int get_reals(const json_t *o, const char *key, int unit, double **out, size_t *n,
		     const char *col, struct wb_err *err)
{
	const json_t *a = json_object_get(o, key);
	if (!json_is_array(a) || json_array_size(a) > DRIFT_MAX_ARRAY)
		return wb_error(err, "drift reference: column '%s': '%s' is not an array", col, key);
	size_t len = json_array_size(a);
	double *v = xmallocarray(len + 1, sizeof(double));
	for (size_t i = 0; i < len; i++) {
		const json_t *x = json_array_get(a, i);
		v[i] = json_is_number(x) ? json_number_value(x) : NAN;
		if (!isfinite(v[i]) || (unit && (v[i] < 0 || v[i] > 1))) {
			free(v);
			return wb_error(err, "drift reference: column '%s': bad value in '%s'", col, key);
		}
	}
	*out = v;
	*n = len;
	return 0;
}

static int increasing(const double *v, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (!(v[i] > v[i - 1]))
			return 0;
	return 1;
}

static int parse_numeric(const json_t *cj, struct dref *d, struct wb_err *err)
{
	size_t nf, ncv;
	if (get_reals(cj, "edges", 0, &d->edges, &d->nedges, d->name, err) < 0 ||
	    get_reals(cj, "fractions", 1, &d->fracs, &nf, d->name, err) < 0 ||
	    get_reals(cj, "cdf_x", 0, &d->cdf_x, &d->ncdf, d->name, err) < 0 ||
	    get_reals(cj, "cdf", 1, &d->cdf, &ncv, d->name, err) < 0)
		return -1;
	if (!increasing(d->edges, d->nedges) || !increasing(d->cdf_x, d->ncdf))
		return wb_error(err, "drift reference: column '%s': edges are not increasing", d->name);
	/* Scoring indexes fractions by bin and cdf by grid point. */
	if (nf != (d->count ? d->nedges + 1 : 0) || ncv != d->ncdf || (d->count && !d->ncdf))
		return wb_error(err, "drift reference: column '%s': bins and fractions disagree", d->name);
	return 0;
}

static int parse_categorical(const json_t *cj, struct dref *d, struct wb_err *err)
{
	const json_t *lv = json_object_get(cj, "levels");
	const json_t *ot = json_object_get(cj, "other");
	const json_t *di = json_object_get(cj, "distinct");
	size_t nf;
	if (!json_is_array(lv) || json_array_size(lv) > DRIFT_MAX_ARRAY)
		return wb_error(err, "drift reference: column '%s': 'levels' is not an array", d->name);
	if (get_reals(cj, "fractions", 1, &d->fracs, &nf, d->name, err) < 0)
		return -1;
	size_t nl = json_array_size(lv);
	if (nf != nl)
		return wb_error(err, "drift reference: column '%s': levels and fractions disagree", d->name);
	d->levels = xcalloc(nl + 1, sizeof(char *));
	d->lens = xcalloc(nl + 1, sizeof(size_t));
	strdict_init(&d->dict);
	d->has_dict = 1;
	for (size_t l = 0; l < nl; l++) {
		const json_t *s = json_array_get(lv, l);
		if (!json_is_string(s))
			return wb_error(err, "drift reference: column '%s': a level is not a string", d->name);
		size_t len = json_string_length(s);
		d->levels[l] = xmalloc(len + 1);
		memcpy(d->levels[l], json_string_value(s), len + 1);
		d->lens[l] = len;
		d->nlevels = (int32_t)l + 1;
		if ((size_t)strdict_intern(&d->dict, d->levels[l], len) != l)
			return wb_error(err, "drift reference: column '%s': level '%s' listed twice",
					d->name, d->levels[l]);
	}
	if (!json_is_number(ot) || !(json_number_value(ot) >= 0 && json_number_value(ot) <= 1))
		return wb_error(err, "drift reference: column '%s': bad 'other'", d->name);
	d->other = json_number_value(ot);
	if (!json_is_integer(di) || json_integer_value(di) < (json_int_t)nl)
		return wb_error(err, "drift reference: column '%s': bad 'distinct'", d->name);
	d->distinct = (size_t)json_integer_value(di);
	return 0;
}

static struct dref *parse_ref(const json_t *ref, int *ncol, struct wb_err *err)
{
	if (!json_is_object(ref))
		return wb_error(err, "drift reference: not a JSON object"), NULL;
	const char *fmt = json_string_value(json_object_get(ref, "format"));
	if (!fmt || strcmp(fmt, DRIFT_FORMAT))
		return wb_error(err, "drift reference: format is not '%s'", DRIFT_FORMAT), NULL;
	const json_t *ver = json_object_get(ref, "version");
	if (!json_is_integer(ver) || json_integer_value(ver) != DRIFT_VERSION)
		return wb_error(err, "drift reference: unsupported version (this wb reads %d)",
				DRIFT_VERSION), NULL;
	const json_t *rows = json_object_get(ref, "rows"), *cols = json_object_get(ref, "columns");
	if (!json_is_integer(rows) || json_integer_value(rows) < 0)
		return wb_error(err, "drift reference: bad 'rows'"), NULL;
	if (!json_is_array(cols) || json_array_size(cols) > DRIFT_MAX_ARRAY)
		return wb_error(err, "drift reference: 'columns' is not an array"), NULL;
	int nc = (int)json_array_size(cols);
	struct dref *ds = xcalloc((size_t)nc + 1, sizeof(*ds));
	struct strdict names;
	strdict_init(&names);
	for (int j = 0; j < nc; j++) {
		struct dref *d = &ds[j];
		const json_t *cj = json_array_get(cols, (size_t)j);
		const char *kind = json_string_value(json_object_get(cj, "kind"));
		const json_t *miss = json_object_get(cj, "missing"), *cnt = json_object_get(cj, "count");
		d->name = json_string_value(json_object_get(cj, "name"));
		if (!d->name) {
			wb_error(err, "drift reference: column %d has no name", j + 1);
			goto fail;
		}
		if ((size_t)strdict_intern(&names, d->name, strlen(d->name)) != (size_t)j) {
			wb_error(err, "drift reference: column '%s' is listed twice", d->name);
			goto fail;
		}
		if (!kind || col_kind_parse(kind, &d->kind) < 0) {
			wb_error(err, "drift reference: column '%s': bad kind", d->name);
			goto fail;
		}
		if (!json_is_number(miss) || !(json_number_value(miss) >= 0 && json_number_value(miss) <= 1) ||
		    !json_is_integer(cnt) || json_integer_value(cnt) < 0) {
			wb_error(err, "drift reference: column '%s': bad 'missing' or 'count'", d->name);
			goto fail;
		}
		d->missing = json_number_value(miss);
		d->count = (size_t)json_integer_value(cnt);
		if ((is_numeric_kind(d->kind) ? parse_numeric(cj, d, err) : parse_categorical(cj, d, err)) < 0)
			goto fail;
	}
	strdict_release(&names);
	*ncol = nc;
	return ds;
fail:
	strdict_release(&names);
	drefs_free(ds, nc);
	return NULL;
}

/* ---- scoring ------------------------------------------------------------ */

struct dres {
	enum col_kind kind;     /* current kind */
	int compatible;
	double missing;
	double psi, ks, unseen; /* NaN: not computed */
};

/* PSI over k bins, each fraction floored at DRIFT_PSI_EPS; equal fractions
 * contribute exactly 0. */
static double psi(const double *r, const double *c, size_t k)
{
	double s = 0;
	for (size_t i = 0; i < k; i++) {
		double a = r[i] > DRIFT_PSI_EPS ? r[i] : DRIFT_PSI_EPS;
		double b = c[i] > DRIFT_PSI_EPS ? c[i] : DRIFT_PSI_EPS;
		if (a != b)
			s += (b - a) * log(b / a);
	}
	return s;
}

/* Merges two strictly increasing grids into u (strictly increasing) and
 * records where each point of a and b landed.  Returns the length of u. */
static size_t merge_grids(const double *a, size_t na, const double *b, size_t nb, double *u,
			  size_t *pa, size_t *pb)
{
	size_t i = 0, j = 0, k = 0;
	while (i < na || j < nb) {
		if (j == nb || (i < na && a[i] < b[j])) {
			pa[i++] = k;
			u[k++] = a[i - 1];
		} else if (i == na || b[j] < a[i]) {
			pb[j++] = k;
			u[k++] = b[j - 1];
		} else {
			pa[i++] = pb[j++] = k;
			u[k++] = b[j - 1];
		}
	}
	return k;
}

/* One search per value over the union of the bin edges and the CDF grid
 * (with the defaults the edges are grid points, so the union is the grid). */
static void score_numeric(const struct dref *d, const struct column *c, struct dres *r, double *x)
{
	size_t n = collect_num(c, x);
	r->missing = rate(c->n - n, c->n);
	if (n && d->count) {
		size_t ne = d->nedges, ng = d->ncdf;
		double *u = xmallocarray(ne + ng + 1, sizeof(double));
		size_t *pe = xmallocarray(ne + 1, sizeof(size_t)), *pg = xmallocarray(ng + 1, sizeof(size_t));
		size_t nu = merge_grids(d->edges, ne, d->cdf_x, ng, u, pe, pg);
		size_t *cum = xmallocarray(nu + 1, sizeof(size_t)), *ce = xmallocarray(ne + 1, sizeof(size_t));
		double *cf = xmallocarray(ne + 1, sizeof(double));
		cum_le(x, n, u, nu, cum);
		for (size_t b = 0; b < ne; b++)
			ce[b] = cum[pe[b]];
		fracs_from_cum(ce, ne, n, cf);
		r->psi = psi(d->fracs, cf, ne + 1);
		double ks = 0;
		for (size_t j = 0; j < ng; j++) {
			double g = fabs(d->cdf[j] - (double)cum[pg[j]] / (double)n);
			if (g > ks)
				ks = g;
		}
		r->ks = ks;
		free(u);
		free(pe);
		free(pg);
		free(cum);
		free(ce);
		free(cf);
	}
}

static void score_categorical(const struct dref *d, const struct column *c, struct dres *r)
{
	size_t k = (size_t)d->nlevels, n = 0;
	size_t *cnt = xcalloc(k + 1, sizeof(size_t));   /* cnt[k]: other */
	if (c->kind == COL_CAT) {
		/* Map the current dictionary once, then count codes. */
		size_t *map = xmallocarray((size_t)c->nlevels + 1, sizeof(size_t));
		for (int32_t l = 0; l < c->nlevels; l++) {
			int32_t x = strdict_find(&d->dict, c->levels[l], strlen(c->levels[l]));
			map[l] = x < 0 ? k : (size_t)x;
		}
		for (size_t i = 0; i < c->n; i++)
			if (c->codes[i] >= 0 && c->codes[i] < c->nlevels) {
				cnt[map[c->codes[i]]]++;
				n++;
			}
		free(map);
	} else {
		for (size_t i = 0; i < c->n; i++) {
			size_t len;
			const char *s = column_get_text(c, i, &len);
			if (!s)
				continue;
			int32_t x = strdict_find(&d->dict, s, len);
			cnt[x < 0 ? k : (size_t)x]++;
			n++;
		}
	}
	r->missing = rate(c->n - n, c->n);
	if (n && d->count) {
		double *rf = xmallocarray(k + 1, sizeof(double)), *cf = xmallocarray(k + 1, sizeof(double));
		memcpy(rf, d->fracs, k * sizeof(double));
		rf[k] = d->other;
		for (size_t b = 0; b <= k; b++)
			cf[b] = (double)cnt[b] / (double)n;
		r->psi = psi(rf, cf, k + 1);
		free(rf);
		free(cf);
	}
	/* Unseen is only knowable when every reference value is listed. */
	if (n && d->distinct == k)
		r->unseen = (double)cnt[k] / (double)n;
	free(cnt);
}

/* Applies one criterion: raises *st and records why. */
static void judge(json_t *reasons, int *st, const char *what, double v, double warn, double drift)
{
	if (isnan(v))
		return;
	int s = v >= drift ? ST_DRIFT : v >= warn ? ST_WARN : ST_OK;
	if (s == ST_OK)
		return;
	char buf[160];
	snprintf(buf, sizeof(buf), "%s %.3g >= %.3g", what, v, s == ST_DRIFT ? drift : warn);
	json_array_append_new(reasons, json_string(buf));
	if (s > *st)
		*st = s;
}

static json_t *nreal(double v)
{
	return isnan(v) ? json_null() : jreal(v);
}

static json_t *report_column(const struct dref *d, const struct dres *r, const struct drift_opts *o,
			     int *status)
{
	json_t *cj = json_object(), *reasons = json_array();
	int st = ST_OK;
	json_object_set_new(cj, "name", json_string(d->name));
	json_object_set_new(cj, "kind", json_string(col_kind_name(d->kind)));
	if (r->kind != d->kind)
		json_object_set_new(cj, "kind_current", json_string(col_kind_name(r->kind)));
	json_object_set_new(cj, "psi", nreal(r->psi));
	if (is_numeric_kind(d->kind))
		json_object_set_new(cj, "ks", nreal(r->ks));
	else
		json_object_set_new(cj, "unseen", nreal(r->unseen));
	json_object_set_new(cj, "missing_ref", json_real(d->missing));
	json_object_set_new(cj, "missing_cur", json_real(r->missing));
	if (!r->compatible) {
		char buf[96];
		snprintf(buf, sizeof(buf), "kind changed from %s to %s", col_kind_name(d->kind),
			 col_kind_name(r->kind));
		json_array_append_new(reasons, json_string(buf));
		st = ST_DRIFT;
	} else {
		judge(reasons, &st, "psi", r->psi, o->psi_warn, o->psi_drift);
		judge(reasons, &st, "missing rate change", fabs(r->missing - d->missing),
		      o->missing_warn, o->missing_drift);
		judge(reasons, &st, "unseen share", r->unseen, o->unseen_warn, o->unseen_drift);
	}
	json_object_set_new(cj, "status", json_string(status_name[st]));
	json_object_set_new(cj, "reasons", reasons);
	*status = st;
	return cj;
}

int drift_compare(const json_t *ref, const struct frame *cur, const struct drift_opts *o,
		  json_t **report, struct wb_err *err)
{
	struct drift_opts def;
	int nc;
	*report = NULL;
	if (!o) {
		drift_opts_init(&def);
		o = &def;
	}
	if (!(o->psi_warn >= 0 && o->psi_warn <= o->psi_drift && isfinite(o->psi_drift) &&
	      o->missing_warn >= 0 && o->missing_warn <= o->missing_drift && isfinite(o->missing_drift) &&
	      o->unseen_warn >= 0 && o->unseen_warn <= o->unseen_drift && isfinite(o->unseen_drift)))
		return wb_error(err, "drift: thresholds must be finite, >= 0, and warn <= drift");
	struct dref *ds = parse_ref(ref, &nc, err);
	if (!ds)
		return -1;

	/* Every missing column in one message, so a fix is one round. */
	struct strbuf miss = STRBUF_INIT;
	int nmiss = 0;
	int *idx = xmallocarray((size_t)nc + 1, sizeof(int));
	for (int j = 0; j < nc; j++) {
		idx[j] = frame_find(cur, ds[j].name);
		if (idx[j] < 0)
			strbuf_addf(&miss, "%s'%s'", nmiss++ ? ", " : "", ds[j].name);
	}
	if (nmiss) {
		wb_error(err, "%s %s of the reference %s missing from the current data",
			 nmiss > 1 ? "columns" : "column", strbuf_str(&miss), nmiss > 1 ? "are" : "is");
		strbuf_release(&miss);
		free(idx);
		drefs_free(ds, nc);
		return -1;
	}
	strbuf_release(&miss);

	struct dres *rs = xcalloc((size_t)nc + 1, sizeof(*rs));
#pragma omp parallel if (cur->nrow * (size_t)nc > 50000)
	{
		double *x = NULL;
#pragma omp for schedule(dynamic, 1)
		for (int j = 0; j < nc; j++) {
			const struct column *c = cur->cols[idx[j]];
			struct dres *r = &rs[j];
			r->kind = c->kind;
			r->psi = r->ks = r->unseen = NAN;
			r->compatible = kinds_compatible(ds[j].kind, c->kind);
			if (!r->compatible) {
				r->missing = rate(column_count_missing(c), c->n);
			} else if (is_numeric_kind(c->kind)) {
				if (!x)
					x = xmallocarray(cur->nrow + 1, sizeof(double));
				score_numeric(&ds[j], c, r, x);
			} else {
				score_categorical(&ds[j], c, r);
			}
		}
		free(x);
	}

	json_t *root = json_object(), *cols = json_array(), *th = json_object();
	int worst = ST_OK, drifted = 0;
	json_object_set_new(root, "format", json_string(DRIFT_REPORT_FORMAT));
	json_object_set_new(root, "version", json_integer(DRIFT_REPORT_VERSION));
	json_object_set_new(root, "rows_reference", json_integer(json_integer_value(json_object_get(ref, "rows"))));
	json_object_set_new(root, "rows_current", json_integer((json_int_t)cur->nrow));
	json_object_set_new(th, "psi_warn", jreal(o->psi_warn));
	json_object_set_new(th, "psi_drift", jreal(o->psi_drift));
	json_object_set_new(th, "missing_warn", jreal(o->missing_warn));
	json_object_set_new(th, "missing_drift", jreal(o->missing_drift));
	json_object_set_new(th, "unseen_warn", jreal(o->unseen_warn));
	json_object_set_new(th, "unseen_drift", jreal(o->unseen_drift));
	json_object_set_new(root, "thresholds", th);
	for (int j = 0; j < nc; j++) {
		int st;
		json_array_append_new(cols, report_column(&ds[j], &rs[j], o, &st));
		drifted += st == ST_DRIFT;
		if (st > worst)
			worst = st;
	}
	json_object_set_new(root, "columns", cols);
	json_object_set_new(root, "drifted", json_integer(drifted));
	json_object_set_new(root, "status", json_string(status_name[worst]));
	free(rs);
	free(idx);
	drefs_free(ds, nc);
	*report = root;
	return 0;
}
