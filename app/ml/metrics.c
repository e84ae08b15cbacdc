/*
 * metrics — classification and regression scores, defined as scikit-learn
 * 1.2.1 defines them (see metrics.h for the list of names).
 *
 * Details that the header leaves open, chosen to agree with scikit-learn
 * called on the label strings:
 *   - precision / recall / f1 use zero_division = 0 (a class never predicted
 *     has precision 0, a class absent from y has recall 0).  Macro and
 *     weighted averages run over the classes present in y or in the
 *     predictions (scikit-learn's unique_labels(y_true, y_pred)).
 *   - Rows of a class the model never saw (-1) are one extra pseudo-class
 *     "unseen": never predicted, so its precision, recall and f1 are 0; it
 *     takes part in the macro / weighted averages and in balanced_accuracy
 *     exactly as scikit-learn treats an extra label (exact when every unseen
 *     row carries the same label).  They count against the precision of the
 *     class they were predicted as; they are not in the confusion matrix.
 *   - f1_micro is computed from micro precision = micro recall = accuracy.
 *   - auc and pr_auc treat an unseen row as a negative for every class.
 *     A class is averaged only when y has both positives and negatives of
 *     it; with none such (or one class only) the value is NaN.
 *   - logloss clips every probability to [1e-15, 1 - 1e-15] and renormalises
 *     the row, as scikit-learn 1.2's log_loss(eps=1e-15) does; an unseen row
 *     scores -log(1e-15 / row sum).
 *   - brier for two classes is scikit-learn's brier_score_loss of class 1,
 *     (p_1 - [y = 1])^2 (for an unseen row: half the sum form).
 *   - r2 follows force_finite: a constant y gives 1 when the fit is perfect,
 *     else 0; with a single row it is NaN (scikit-learn: not defined).  mape averages |e| / |y| over rows with y != 0 (NaN when there
 *     are none), unlike scikit-learn's epsilon-guarded form.
 *
 * Speed: everything is one pass over the rows except the AUCs, which sort
 * (score, label) pairs with a radix sort on the bits of the score (8 passes,
 * skipping bytes every key shares) and walk groups of tied scores; counts are
 * kept in integers, so tie handling is exact.  Single-threaded and in a fixed
 * order: bit-identical on any thread count.
 */
#include "ml/metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LOGLOSS_EPS 1e-15

static void put(struct metrics *m, const char *name, double v)
{
	if (m->n >= METRICS_MAX)
		WB_BUG("metrics: more than %d names", METRICS_MAX);
	m->names[m->n] = name;
	m->values[m->n] = v;
	m->n++;
}

double metrics_get(const struct metrics *m, const char *name)
{
	for (int i = 0; i < m->n; i++)
		if (!strcmp(m->names[i], name))
			return m->values[i];
	return NAN;
}

/* Known scores; "n" is known but is not a score, so it answers -1 too. */
int metrics_higher_is_better(const char *name)
{
	static const char *const up[] = { "accuracy", "balanced_accuracy", "precision_macro",
					   "recall_macro", "f1_macro", "precision_weighted",
					   "recall_weighted", "f1_weighted", "f1_micro", "auc",
					   "pr_auc", "r2", NULL };
	static const char *const down[] = { "logloss", "brier", "rmse", "mae", "mape", NULL };
	if (!name)
		return -1;
	for (int i = 0; up[i]; i++)
		if (!strcmp(up[i], name))
			return 1;
	for (int i = 0; down[i]; i++)
		if (!strcmp(down[i], name))
			return 0;
	return -1;
}

void metrics_release(struct metrics *m)
{
	if (!m)
		return;
	free(m->precision);
	free(m->recall);
	free(m->f1);
	free(m->support);
	free(m->confusion);
	memset(m, 0, sizeof(*m));
}

/* ---------------------------------------------------------------- ranking */

struct scored {
	uint64_t key; /* order-preserving bits of the score */
	uint8_t t;
};

/* Maps a double onto an unsigned key with the same order; -0 equals +0 and
 * NaN sorts below everything (a NaN score ranks lowest). */
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

/* Ascending LSD radix sort of a (n entries) using tmp as scratch. */
static void radix_sort(struct scored *a, struct scored *tmp, size_t n)
{
	uint64_t and_all = ~0ull, or_all = 0;
	for (size_t i = 0; i < n; i++) {
		and_all &= a[i].key;
		or_all |= a[i].key;
	}
	struct scored *src = a, *dst = tmp;
	for (int shift = 0; shift < 64; shift += 8) {
		/* A byte every key shares does not reorder anything. */
		if ((((and_all ^ or_all) >> shift) & 0xff) == 0)
			continue;
		size_t count[257] = { 0 };
		for (size_t i = 0; i < n; i++)
			count[((src[i].key >> shift) & 0xff) + 1]++;
		for (int b = 0; b < 256; b++)
			count[b + 1] += count[b];
		for (size_t i = 0; i < n; i++)
			dst[count[(src[i].key >> shift) & 0xff]++] = src[i];
		struct scored *sw = src;
		src = dst;
		dst = sw;
	}
	if (src != a)
		memcpy(a, src, n * sizeof(*a));
}

/* Sorted pairs, or NULL when n is 0. */
static struct scored *sorted_pairs(const double *s, size_t stride, const uint8_t *t, size_t n)
{
	if (!n)
		return NULL;
	struct scored *a = xmallocarray(n, sizeof(*a));
	struct scored *tmp = xmallocarray(n, sizeof(*tmp));
	for (size_t i = 0; i < n; i++) {
		a[i].key = score_key(s[i * stride]);
		a[i].t = t[i] ? 1 : 0;
	}
	radix_sort(a, tmp, n);
	free(tmp);
	return a;
}

/* AUC = P(score of a positive > score of a negative) + 1/2 P(tie): per group
 * of tied scores (ascending), its positives beat every negative below and tie
 * with the negatives in the group.  Twice that count is an exact integer. */
static double auc_sorted(const struct scored *a, size_t n)
{
	uint64_t pos = 0, neg = 0, twice = 0;
	size_t i = 0;
	while (i < n) {
		size_t j = i;
		uint64_t gp = 0, gn = 0;
		while (j < n && a[j].key == a[i].key) {
			if (a[j].t)
				gp++;
			else
				gn++;
			j++;
		}
		twice += 2 * gp * neg + gp * gn;
		pos += gp;
		neg += gn;
		i = j;
	}
	if (!pos || !neg)
		return NAN;
	return (double)twice / (2.0 * (double)pos * (double)neg);
}

/* Average precision: sum over thresholds t (descending distinct scores) of
 * (R(t) - R(previous)) * P(t), as scikit-learn's average_precision_score. */
static double ap_sorted(const struct scored *a, size_t n)
{
	uint64_t npos = 0;
	for (size_t i = 0; i < n; i++)
		npos += a[i].t;
	if (!npos)
		return NAN;
	uint64_t tp = 0, fp = 0;
	double ap = 0, prev_recall = 0;
	size_t i = n;
	while (i > 0) {
		size_t j = i;
		uint64_t key = a[i - 1].key;
		while (j > 0 && a[j - 1].key == key) {
			if (a[j - 1].t)
				tp++;
			else
				fp++;
			j--;
		}
		double recall = (double)tp / (double)npos;
		double precision = (double)tp / (double)(tp + fp);
		ap += (recall - prev_recall) * precision;
		prev_recall = recall;
		i = j;
	}
	return ap;
}

static double roc_auc_strided(const double *s, size_t stride, const uint8_t *t, size_t n)
{
	struct scored *a = sorted_pairs(s, stride, t, n);
	double v = a ? auc_sorted(a, n) : NAN;
	free(a);
	return v;
}

static double ap_strided(const double *s, size_t stride, const uint8_t *t, size_t n)
{
	struct scored *a = sorted_pairs(s, stride, t, n);
	double v = a ? ap_sorted(a, n) : NAN;
	free(a);
	return v;
}

double metrics_roc_auc(const double *s, const uint8_t *t, size_t n)
{
	return roc_auc_strided(s, 1, t, n);
}

double metrics_average_precision(const double *s, const uint8_t *t, size_t n)
{
	return ap_strided(s, 1, t, n);
}

/* ---------------------------------------------------------------- classification */

static int argmax_row(const double *p, int k)
{
	int best = 0;
	for (int c = 1; c < k; c++)
		if (p[c] > p[best] || (isnan(p[best]) && !isnan(p[c])))
			best = c;
	return best;
}

static double f1_of(double p, double r)
{
	return p + r > 0 ? 2 * p * r / (p + r) : 0;
}

/* Macro AUC / AP over classes with both outcomes among the scored rows
 * (ys / ps hold only the scored rows). */
static void ranking_metrics(const int32_t *ys, const double *ps, size_t n, int k,
			    const size_t *support, double *auc, double *ap)
{
	uint8_t *t = xmallocarray(n, sizeof(uint8_t));
	if (k == 2) {
		for (size_t i = 0; i < n; i++)
			t[i] = ys[i] == 1;
		struct scored *a = sorted_pairs(ps + 1, 2, t, n);
		*auc = auc_sorted(a, n);
		*ap = support[1] && support[1] < n ? ap_sorted(a, n) : NAN;
		free(a);
		free(t);
		return;
	}
	double sa = 0, sp = 0;
	int used = 0;
	for (int c = 0; c < k; c++) {
		if (!support[c] || support[c] == n)
			continue;
		for (size_t i = 0; i < n; i++)
			t[i] = ys[i] == c;
		struct scored *a = sorted_pairs(ps + c, (size_t)k, t, n);
		sa += auc_sorted(a, n);
		sp += ap_sorted(a, n);
		used++;
		free(a);
	}
	*auc = used ? sa / used : NAN;
	*ap = used ? sp / used : NAN;
	free(t);
}

int metrics_classify(const int32_t *y, const double *p, size_t n, int k, struct metrics *out,
		     struct wb_err *err)
{
	memset(out, 0, sizeof(*out));
	if (k < 2)
		return wb_error(err, "metrics: need at least 2 classes, got %d", k);
	for (size_t i = 0; i < n; i++)
		if (y[i] < -2 || y[i] >= k)
			return wb_error(err, "metrics: class index %d of row %zu is out of range "
					"0..%d", (int)y[i], i + 1, k - 1);
	size_t rows = 0, skipped = 0, unseen = 0;
	for (size_t i = 0; i < n; i++) {
		if (y[i] == -2)
			skipped++;
		else
			rows++;
		if (y[i] == -1)
			unseen++;
	}
	if (!rows)
		return wb_error(err, "metrics: no rows to score (%zu rows, %zu with a missing "
				"truth)", n, skipped);

	size_t kk = (size_t)k;
	out->k = k;
	out->rows = rows;
	out->skipped = skipped;
	out->unseen = unseen;
	out->precision = xcalloc(kk, sizeof(double));
	out->recall = xcalloc(kk, sizeof(double));
	out->f1 = xcalloc(kk, sizeof(double));
	out->support = xcalloc(kk, sizeof(size_t));
	out->confusion = xcalloc(kk * kk, sizeof(size_t));
	size_t *predicted = xcalloc(kk, sizeof(size_t)); /* rows predicted as c */
	size_t *tp = xcalloc(kk, sizeof(size_t));

	/* The scored rows, compacted, for the ranking metrics. */
	int32_t *ys = xmallocarray(rows, sizeof(int32_t));
	double *ps = xmallocarray(rows, kk * sizeof(double));
	size_t correct = 0, r = 0;
	double ll = 0, brier = 0;
	for (size_t i = 0; i < n; i++) {
		int c = y[i];
		if (c == -2)
			continue;
		const double *pi = p + i * kk;
		int hat = argmax_row(pi, k);
		predicted[hat]++;
		if (c >= 0) {
			out->support[c]++;
			out->confusion[(size_t)c * kk + (size_t)hat]++;
			if (hat == c) {
				correct++;
				tp[c]++;
			}
		}
		/* logloss: clip, renormalise, minus log of the true class. */
		double sum = 0, pc = LOGLOSS_EPS;
		for (int j = 0; j < k; j++) {
			double q = fmin(fmax(pi[j], LOGLOSS_EPS), 1 - LOGLOSS_EPS);
			sum += q;
			if (j == c)
				pc = q;
		}
		ll -= log(pc / sum);
		if (k == 2 && c >= 0) {
			double e = pi[1] - (c == 1);
			brier += e * e;
		} else {
			double b = 0;
			for (int j = 0; j < k; j++) {
				double e = pi[j] - (j == c);
				b += e * e;
			}
			brier += k == 2 ? b / 2 : b;
		}
		ys[r] = c;
		memcpy(ps + r * kk, pi, kk * sizeof(double));
		r++;
	}

	/* Per class, and the averages over classes present in y or predicted
	 * (plus the unseen pseudo-class: all zeros, support = unseen). */
	double sp = 0, sr = 0, sf = 0, wp = 0, wr = 0, wf = 0, bal = 0;
	int labels = unseen ? 1 : 0, in_y = unseen ? 1 : 0;
	for (int c = 0; c < k; c++) {
		double prec = predicted[c] ? (double)tp[c] / (double)predicted[c] : 0;
		double rec = out->support[c] ? (double)tp[c] / (double)out->support[c] : 0;
		out->precision[c] = prec;
		out->recall[c] = rec;
		out->f1[c] = f1_of(prec, rec);
		if (!predicted[c] && !out->support[c])
			continue;
		labels++;
		sp += prec;
		sr += rec;
		sf += out->f1[c];
		double w = (double)out->support[c];
		wp += prec * w;
		wr += rec * w;
		wf += out->f1[c] * w;
		if (out->support[c]) {
			in_y++;
			bal += rec;
		}
	}
	double acc = (double)correct / (double)rows;
	double auc, ap;
	ranking_metrics(ys, ps, rows, k, out->support, &auc, &ap);

	put(out, "accuracy", acc);
	put(out, "balanced_accuracy", bal / in_y);
	put(out, "precision_macro", sp / labels);
	put(out, "recall_macro", sr / labels);
	put(out, "f1_macro", sf / labels);
	put(out, "precision_weighted", wp / (double)rows);
	put(out, "recall_weighted", wr / (double)rows);
	put(out, "f1_weighted", wf / (double)rows);
	put(out, "f1_micro", f1_of(acc, acc));
	put(out, "auc", auc);
	put(out, "pr_auc", ap);
	put(out, "logloss", ll / (double)rows);
	put(out, "brier", brier / (double)rows);

	free(ys);
	free(ps);
	free(predicted);
	free(tp);
	return 0;
}

/* ---------------------------------------------------------------- regression */

int metrics_regress(const double *y, const double *pred, size_t n, struct metrics *out,
		    struct wb_err *err)
{
	memset(out, 0, sizeof(*out));
	size_t rows = 0, skipped = 0, nz = 0;
	double sum_y = 0;
	for (size_t i = 0; i < n; i++) {
		if (isnan(y[i])) {
			skipped++;
			continue;
		}
		rows++;
		sum_y += y[i];
	}
	if (!rows)
		return wb_error(err, "metrics: no rows to score (%zu rows, %zu with a missing "
				"truth)", n, skipped);
	double mean = sum_y / (double)rows;
	double sse = 0, sae = 0, sst = 0, sape = 0;
	for (size_t i = 0; i < n; i++) {
		if (isnan(y[i]))
			continue;
		double e = y[i] - pred[i];
		sse += e * e;
		sae += fabs(e);
		sst += (y[i] - mean) * (y[i] - mean);
		if (y[i] != 0) {
			sape += fabs(e) / fabs(y[i]);
			nz++;
		}
	}
	double r2;
	if (rows < 2)
		r2 = NAN; /* scikit-learn: not defined for one sample */
	else if (sst > 0)
		r2 = 1 - sse / sst;
	else
		r2 = sse == 0 ? 1 : 0;
	out->rows = rows;
	out->skipped = skipped;
	put(out, "rmse", sqrt(sse / (double)rows));
	put(out, "mae", sae / (double)rows);
	put(out, "r2", r2);
	put(out, "mape", nz ? sape / (double)nz : NAN);
	put(out, "n", (double)rows);
	return 0;
}
