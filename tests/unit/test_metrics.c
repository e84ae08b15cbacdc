/*
 * test_metrics — the metrics against scikit-learn 1.2.1.
 *
 * Expected values were computed with /usr/bin/python3 and scikit-learn 1.2.1
 * (accuracy_score, balanced_accuracy_score, precision/recall/f1_score with
 * zero_division=0 on label strings, an unseen class as the label "U",
 * roc_auc_score / average_precision_score per class on label_binarize
 * columns averaged over classes with both outcomes, log_loss(eps=1e-15),
 * brier_score_loss, mean_squared_error(squared=False), mean_absolute_error,
 * r2_score) by the script at the end of this file, and pasted with %.17g.
 */
#include "tap.h"
#include "ml/metrics.h"

#include <stdlib.h>
#include <time.h>

struct want {
	const char *name;
	double v;
};

static void check(const struct metrics *m, const struct want *w, int nw, const char *what)
{
	for (int i = 0; i < nw; i++)
		is_dbl(metrics_get(m, w[i].name), w[i].v, 1e-12, "%s: %s", what, w[i].name);
}

static double *pairs(const double *p1, size_t n)
{
	double *p = malloc(2 * n * sizeof(double));
	for (size_t i = 0; i < n; i++) {
		p[2 * i] = 1 - p1[i];
		p[2 * i + 1] = p1[i];
	}
	return p;
}

#define NW(a) ((int)(sizeof(a) / sizeof(a[0])))

static void test_binary(void)
{
	/* Ties at 0.4 (1,0,1), 0.65 (1,0), 0.5 (1,0); probabilities 0 and 1
	 * clipped in logloss; [0.5, 0.5] predicts class 0. */
	int32_t y[] = { 0, 1, 1, 0, 1, 0, 1, 1, 0, 0, 1, 0 };
	double p1[] = { 0.0, 1.0, 0.4, 0.4, 0.65, 0.3, 0.4, 0.8, 0.65, 0.2, 0.5, 0.5 };
	static const struct want w[] = {
		{ "accuracy", 0.66666666666666663 },
		{ "balanced_accuracy", 0.66666666666666674 },
		{ "precision_macro", 0.6875 },
		{ "recall_macro", 0.66666666666666674 },
		{ "f1_macro", 0.65714285714285714 },
		{ "precision_weighted", 0.6875 },
		{ "recall_weighted", 0.66666666666666663 },
		{ "f1_weighted", 0.65714285714285714 },
		{ "f1_micro", 0.66666666666666663 },
		{ "auc", 0.80555555555555558 },
		{ "pr_auc", 0.79166666666666663 },
		{ "logloss", 0.50110571131603976 },
		{ "brier", 0.17458333333333331 },
	};
	double *p = pairs(p1, 12);
	struct metrics m;
	struct wb_err err;
	ok(metrics_classify(y, p, 12, 2, &m, &err) == 0, "binary: scores");
	check(&m, w, NW(w), "binary");
	is_int(m.rows, 12, "binary: rows");
	is_int(m.skipped, 0, "binary: none skipped");
	is_int(m.k, 2, "binary: k");
	is_dbl(m.precision[0], 0.625, 1e-15, "binary: precision of class 0");
	is_dbl(m.recall[0], 0.83333333333333337, 1e-15, "binary: recall of class 0");
	is_dbl(m.f1[1], 0.59999999999999998, 1e-15, "binary: f1 of class 1");
	is_int(m.support[1], 6, "binary: support of class 1");
	ok(m.confusion[0] == 5 && m.confusion[1] == 1 && m.confusion[2] == 3 &&
	   m.confusion[3] == 3, "binary: confusion [[5,1],[3,3]]");
	/* The building blocks agree with the metric. */
	uint8_t t[12];
	for (int i = 0; i < 12; i++)
		t[i] = (uint8_t)y[i];
	is_dbl(metrics_roc_auc(p1, t, 12), 0.80555555555555558, 1e-15, "metrics_roc_auc");
	is_dbl(metrics_average_precision(p1, t, 12), 0.79166666666666663, 1e-15,
	       "metrics_average_precision");
	metrics_release(&m);
	free(p);
}

static void test_multi3(void)
{
	/* Class 2 is never predicted (precision 0 by zero_division). */
	int32_t y[] = { 0, 1, 2, 0, 1, 2, 0, 1, 2, 1 };
	double p[] = { .6, .3, .1, .2, .5, .3, .3, .4, .3, .5, .25, .25, .1, .8, .1,
		       .45, .2, .35, .7, .2, .1, .4, .35, .25, .3, .4, .3, .34, .33, .33 };
	static const struct want w[] = {
		{ "accuracy", 0.5 },
		{ "balanced_accuracy", 0.5 },
		{ "precision_macro", 0.33333333333333331 },
		{ "recall_macro", 0.5 },
		{ "f1_macro", 0.38888888888888884 },
		{ "precision_weighted", 0.34999999999999998 },
		{ "recall_weighted", 0.5 },
		{ "f1_weighted", 0.40000000000000002 },
		{ "f1_micro", 0.5 },
		{ "auc", 0.89682539682539686 },
		{ "pr_auc", 0.84999999999999998 },
		{ "logloss", 0.80931909623096632 },
		{ "brier", 0.46783999999999998 },
	};
	struct metrics m;
	struct wb_err err;
	ok(metrics_classify(y, p, 10, 3, &m, &err) == 0, "multi3: scores");
	check(&m, w, NW(w), "multi3");
	is_dbl(m.precision[2], 0, 0, "multi3: class never predicted has precision 0");
	is_dbl(m.f1[0], 0.66666666666666663, 1e-15, "multi3: f1 of class 0");
	size_t conf[9] = { 3, 0, 0, 2, 2, 0, 1, 2, 0 };
	ok(!memcmp(m.confusion, conf, sizeof(conf)), "multi3: confusion matrix");
	metrics_release(&m);
}

static void test_multi4_absent(void)
{
	/* Class 3 never occurs in y but is predicted twice: it counts in the
	 * macro averages (scikit-learn's unique_labels) and the AUC skips it. */
	int32_t y[] = { 0, 1, 2, 0, 1, 2, 1, 0 };
	double p[] = { .5, .2, .1, .2, .1, .3, .2, .4, .2, .2, .5, .1, .25, .25, .25, .25,
		       .1, .6, .2, .1, .2, .1, .3, .4, .3, .3, .3, .1, .4, .1, .1, .4 };
	static const struct want w[] = {
		{ "accuracy", 0.625 },
		{ "balanced_accuracy", 0.61111111111111105 },
		{ "precision_macro", 0.6875 },
		{ "recall_macro", 0.45833333333333331 },
		{ "f1_macro", 0.50595238095238093 },
		{ "precision_weighted", 0.90625 },
		{ "recall_weighted", 0.625 },
		{ "f1_weighted", 0.67559523809523803 },
		{ "f1_micro", 0.625 },
		{ "auc", 0.96388888888888891 },
		{ "pr_auc", 0.91666666666666663 },
		{ "logloss", 0.97645293635721686 },
		{ "brier", 0.53374999999999995 },
	};
	struct metrics m;
	struct wb_err err;
	ok(metrics_classify(y, p, 8, 4, &m, &err) == 0, "multi4: scores");
	check(&m, w, NW(w), "multi4");
	is_int(m.support[3], 0, "multi4: class 3 has no support");
	is_dbl(m.recall[3], 0, 0, "multi4: recall of an absent class is 0");
	metrics_release(&m);
}

static void test_unseen_missing(void)
{
	/* -1: a class the model never saw (always wrong, probability 0);
	 * -2: missing truth, skipped and counted. */
	int32_t y[] = { 0, -1, 1, 2, -2, 1, 0, -1, 2, -2, 0, 1 };
	double p[] = { .7, .2, .1, .2, .5, .3, .1, .7, .2, .2, .2, .6, .3, .3, .4, .5, .4, .1,
		       .3, .3, .4, .6, .2, .2, .1, .2, .7, .9, .05, .05, .8, .1, .1, .2, .3, .5 };
	static const struct want w[] = {
		{ "accuracy", 0.5 },
		{ "balanced_accuracy", 0.5 },
		{ "precision_macro", 0.375 },
		{ "recall_macro", 0.5 },
		{ "f1_macro", 0.40952380952380951 },
		{ "precision_weighted", 0.40000000000000002 },
		{ "recall_weighted", 0.5 },
		{ "f1_weighted", 0.42476190476190478 },
		{ "f1_micro", 0.5 },
		{ "auc", 0.92857142857142849 },
		{ "pr_auc", 0.87407407407407411 },
		{ "logloss", 7.4205783137243797 },
		{ "brier", 0.36799999999999999 },
	};
	struct metrics m;
	struct wb_err err;
	ok(metrics_classify(y, p, 12, 3, &m, &err) == 0, "unseen: scores");
	check(&m, w, NW(w), "unseen");
	is_int(m.rows, 10, "unseen: 10 rows scored");
	is_int(m.skipped, 2, "unseen: 2 skipped");
	is_int(m.unseen, 2, "unseen: 2 unseen");
	is_dbl(m.precision[0], 0.5, 1e-15, "unseen: an unseen row hurts the precision of class 0");
	metrics_release(&m);

	int32_t yb[] = { 0, -1, 1, 1, 0, -2 };
	double p1[] = { .2, .7, .6, .4, .1, .5 };
	static const struct want wb[] = {
		{ "accuracy", 0.59999999999999998 },
		{ "balanced_accuracy", 0.5 },
		{ "precision_macro", 0.38888888888888884 },
		{ "recall_macro", 0.5 },
		{ "f1_macro", 0.43333333333333335 },
		{ "precision_weighted", 0.46666666666666662 },
		{ "recall_weighted", 0.59999999999999998 },
		{ "f1_weighted", 0.52000000000000002 },
		{ "f1_micro", 0.59999999999999998 },
		{ "auc", 0.66666666666666674 },
		{ "pr_auc", 0.58333333333333326 },
		{ "logloss", 7.2588793635045734 },
		{ "brier", 0.17199999999999999 },
	};
	double *pb = pairs(p1, 6);
	ok(metrics_classify(yb, pb, 6, 2, &m, &err) == 0, "binary unseen: scores");
	check(&m, wb, NW(wb), "binary unseen");
	metrics_release(&m);
	free(pb);
}

static void test_single_and_errors(void)
{
	int32_t y[] = { 1 };
	double p[] = { .3, .7 };
	struct metrics m;
	struct wb_err err;
	ok(metrics_classify(y, p, 1, 2, &m, &err) == 0, "single row: scores");
	is_dbl(metrics_get(&m, "accuracy"), 1, 0, "single row: accuracy");
	ok(isnan(metrics_get(&m, "auc")), "single row: auc is NaN (one class)");
	ok(isnan(metrics_get(&m, "pr_auc")), "single row: pr_auc is NaN");
	is_dbl(metrics_get(&m, "logloss"), 0.35667494393873245, 1e-15, "single row: logloss");
	is_dbl(metrics_get(&m, "brier"), 0.090000000000000024, 1e-15, "single row: brier");
	ok(isnan(metrics_get(&m, "no_such")), "absent name gives NaN");
	metrics_release(&m);

	int32_t ym[] = { -2, -2 };
	double pm[] = { .5, .5, .5, .5 };
	ok(metrics_classify(ym, pm, 2, 2, &m, &err) < 0, "all truth missing: error");
	like(err.msg, "no rows to score", "all missing: message");
	ok(metrics_classify(NULL, NULL, 0, 2, &m, &err) < 0, "empty classification: error");
	ok(m.precision == NULL, "failed call leaves nothing to release");
	metrics_release(&m);
	int32_t bad[] = { 3 };
	ok(metrics_classify(bad, pm, 1, 2, &m, &err) < 0, "class out of range: error");
	like(err.msg, "out of range", "class out of range: message");
	ok(metrics_regress(NULL, NULL, 0, &m, &err) < 0, "empty regression: error");
	double yn[] = { NAN };
	double pn[] = { 1 };
	ok(metrics_regress(yn, pn, 1, &m, &err) < 0, "regression all missing: error");
	like(err.msg, "1 with a missing truth", "regression all missing: message");

	is_int(metrics_higher_is_better("auc"), 1, "auc: higher is better");
	is_int(metrics_higher_is_better("rmse"), 0, "rmse: lower is better");
	is_int(metrics_higher_is_better("logloss"), 0, "logloss: lower is better");
	is_int(metrics_higher_is_better("r2"), 1, "r2: higher is better");
	is_int(metrics_higher_is_better("bogus"), -1, "unknown name: -1");
}

static void test_regress(void)
{
	double y[] = { 3, -0.5, 2, 7, NAN, 0, 4.2 };
	double p[] = { 2.5, 0.0, 2, 8, 1, 0.3, 4 };
	static const struct want w[] = {
		{ "rmse", 0.52121652570372967 },
		{ "mae", 0.41666666666666669 },
		{ "r2", 0.95799871161692074 },
		{ "mape", 0.27142857142857146 },
		{ "n", 6 },
	};
	struct metrics m;
	struct wb_err err;
	ok(metrics_regress(y, p, 7, &m, &err) == 0, "regress: scores");
	check(&m, w, NW(w), "regress");
	is_int(m.skipped, 1, "regress: NaN truth skipped");
	is_int(m.rows, 6, "regress: rows");
	ok(m.k == 0 && !m.confusion, "regress: no class arrays");
	metrics_release(&m);

	double y1[] = { 2 }, p1[] = { 1.5 };
	ok(metrics_regress(y1, p1, 1, &m, &err) == 0, "regress single row");
	is_dbl(metrics_get(&m, "rmse"), 0.5, 0, "single: rmse");
	is_dbl(metrics_get(&m, "mape"), 0.25, 0, "single: mape");
	ok(isnan(metrics_get(&m, "r2")), "single: r2 NaN as scikit-learn");
	metrics_release(&m);

	double yc[] = { 3, 3, 3 }, pc[] = { 3, 3, 3 }, po[] = { 3, 2, 3 };
	metrics_regress(yc, pc, 3, &m, &err);
	is_dbl(metrics_get(&m, "r2"), 1, 0, "constant y, perfect: r2 1");
	metrics_release(&m);
	metrics_regress(yc, po, 3, &m, &err);
	is_dbl(metrics_get(&m, "r2"), 0, 0, "constant y, off: r2 0");
	is_dbl(metrics_get(&m, "rmse"), 0.57735026918962573, 1e-15, "constant y, off: rmse");
	metrics_release(&m);

	double yz[] = { 0, 0 }, pz[] = { 1, 0 };
	metrics_regress(yz, pz, 2, &m, &err);
	ok(isnan(metrics_get(&m, "mape")), "mape NaN when every y is 0");
	metrics_release(&m);
}

/* A slow reference: average ranks with qsort, Mann-Whitney U. */
struct ix {
	double s;
	uint8_t t;
};

static int cmp_ix(const void *a, const void *b)
{
	double x = ((const struct ix *)a)->s, y = ((const struct ix *)b)->s;
	return (x > y) - (x < y);
}

static double ref_auc(const double *s, const uint8_t *t, size_t n)
{
	struct ix *a = malloc(n * sizeof(*a));
	for (size_t i = 0; i < n; i++) {
		a[i].s = s[i];
		a[i].t = t[i];
	}
	qsort(a, n, sizeof(*a), cmp_ix);
	double ranks = 0, pos = 0;
	size_t i = 0;
	while (i < n) {
		size_t j = i;
		while (j < n && a[j].s == a[i].s)
			j++;
		double r = (double)(i + 1 + j) / 2; /* mean of ranks i+1..j */
		for (size_t q = i; q < j; q++)
			if (a[q].t) {
				ranks += r;
				pos++;
			}
		i = j;
	}
	free(a);
	double neg = (double)n - pos;
	return (ranks - pos * (pos + 1) / 2) / (pos * neg);
}

static void test_auc_large(void)
{
	size_t n = 1000000;
	double *s = malloc(n * sizeof(double));
	uint8_t *t = malloc(n);
	uint64_t x = 12345;
	for (size_t i = 0; i < n; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		double u = (double)(x >> 11) / 9007199254740992.0;
		t[i] = u < 0.3;
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		double v = (double)(x >> 11) / 9007199254740992.0;
		/* Heavy ties: scores on a grid of 1000, shifted for positives;
		 * a few negative scores and -0 / +0 too. */
		s[i] = floor((v + (t[i] ? 0.2 : 0)) * 1000) / 1000 - 0.1;
		if (s[i] == 0 && (i & 1))
			s[i] = -0.0;
	}
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	double auc = metrics_roc_auc(s, t, n);
	clock_gettime(CLOCK_MONOTONIC, &b);
	double ms = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
	is_dbl(auc, ref_auc(s, t, n), 1e-12, "1M rows with ties: auc matches the rank reference");
	ok(ms < 1000, "1M rows: auc in %.1f ms", ms);
	double ap = metrics_average_precision(s, t, n);
	ok(ap > 0.3 && ap < 1, "1M rows: average precision %.6f in range", ap);
	/* Multiclass through metrics_classify on 1M rows, three classes. */
	int32_t *y = malloc(n * sizeof(int32_t));
	double *p = malloc(3 * n * sizeof(double));
	for (size_t i = 0; i < n; i++) {
		y[i] = (int32_t)(i % 3);
		double q = (s[i] + 0.1) * 0.5;
		p[3 * i] = q;
		p[3 * i + 1] = (1 - q) / 2;
		p[3 * i + 2] = (1 - q) / 2;
	}
	struct metrics m;
	struct wb_err err;
	clock_gettime(CLOCK_MONOTONIC, &a);
	ok(metrics_classify(y, p, n, 3, &m, &err) == 0, "1M rows multiclass: scores");
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
	ok(ms < 3000, "1M rows, 3 classes: all metrics in %.1f ms", ms);
	metrics_release(&m);
	free(y);
	free(p);
	free(s);
	free(t);
}

int main(void)
{
	test_binary();
	test_multi3();
	test_multi4_absent();
	test_unseen_missing();
	test_single_and_errors();
	test_regress();
	test_auc_large();
	return tap_done();
}

/* The reference script (/usr/bin/python3, scikit-learn 1.2.1):

import numpy as np, warnings
warnings.filterwarnings("ignore")
from sklearn import metrics as M
from sklearn.preprocessing import label_binarize
EPS=1e-15
def ll(y, P, k):
    tot=0
    for yi,row in zip(y,P):
        q=np.clip(row,EPS,1-EPS); s=q.sum()
        pc = q[yi]/s if yi>=0 else EPS/s
        tot-=np.log(pc)
    return tot/len(y)
def cls(name, y, P):
    y=np.array(y); P=np.array(P,dtype=float); k=P.shape[1]
    keep = y!=-2; y=y[keep]; P=P[keep]
    ylab = np.array(['U' if v==-1 else 'c%d'%v for v in y])
    pred = np.argmax(P,axis=1); plab=np.array(['c%d'%v for v in pred])
    out={}
    out['accuracy']=M.accuracy_score(ylab,plab)
    out['balanced_accuracy']=M.balanced_accuracy_score(ylab,plab)
    for a in ['macro','weighted']:
        out['precision_'+a]=M.precision_score(ylab,plab,average=a,zero_division=0)
        out['recall_'+a]=M.recall_score(ylab,plab,average=a,zero_division=0)
        out['f1_'+a]=M.f1_score(ylab,plab,average=a,zero_division=0)
    out['f1_micro']=M.f1_score(ylab,plab,average='micro',zero_division=0)
    if k==2:
        t=(y==1).astype(int)
        out['auc']=M.roc_auc_score(t,P[:,1]) if 0<t.sum()<len(t) else float('nan')
        out['pr_auc']=M.average_precision_score(t,P[:,1]) if 0<t.sum()<len(t) else float('nan')
        if (y>=0).all():
            out['logloss']=M.log_loss(y,P,eps=EPS,labels=[0,1])
            out['brier']=M.brier_score_loss(t,P[:,1])
        else:
            out['logloss']=ll(y,P,k)
            out['brier']=np.mean([ (P[i,1]-(y[i]==1))**2 if y[i]>=0 else (P[i]**2).sum()/2 for i in range(len(y))])
    else:
        a=[];ap=[]
        for c in range(k):
            t=(y==c).astype(int)
            if 0<t.sum()<len(t):
                a.append(M.roc_auc_score(t,P[:,c])); ap.append(M.average_precision_score(t,P[:,c]))
        out['auc']=np.mean(a) if a else float('nan'); out['pr_auc']=np.mean(ap) if ap else float('nan')
        if (y>=0).all() and len(set(y))==k:
            out['logloss']=M.log_loss(y,P,eps=EPS,labels=list(range(k)))
        else:
            out['logloss']=ll(y,P,k)
        Y=label_binarize(y,classes=list(range(k))) if k>2 else None
        out['brier']=np.mean(((P-Y)**2).sum(axis=1))
    # per class precision/recall/f1 over known classes
    labs=['c%d'%c for c in range(k)]
    pr,rc,f1,sup=M.precision_recall_fscore_support(ylab,plab,labels=labs,zero_division=0)
    print("/" "* %s *" "/" % name)
    for kk,v in out.items(): print('\t{ "%s", %.17g },' % (kk,v))
    print("\t/""* per class precision %s recall %s f1 %s support %s * /" % (
      ', '.join('%.17g'%v for v in pr), ', '.join('%.17g'%v for v in rc), ', '.join('%.17g'%v for v in f1), list(sup)))
    print("\t/""* confusion %s * /" % M.confusion_matrix(ylab,plab,labels=labs).tolist())

yb=[0,1,1,0,1,0,1,1,0,0,1,0]
p1=[0.0,1.0,0.4,0.4,0.65,0.3,0.4,0.8,0.65,0.2,0.5,0.5]
cls("binary", yb, [[1-v,v] for v in p1])
ym=[0,1,2,0,1,2,0,1,2,1]
Pm=[[.6,.3,.1],[.2,.5,.3],[.3,.4,.3],[.5,.25,.25],[.1,.8,.1],[.45,.2,.35],[.7,.2,.1],[.4,.35,.25],[.3,.3,.4-1e-9+1e-9],[.34,.33,.33]]
# class 2 never argmax: row 8 ties .3,.3,.4 -> argmax 2! change
Pm[8]=[.3,.4,.3]
cls("multi3", ym, Pm)
y4=[0,1,2,0,1,2,1,0]
P4=[[.5,.2,.1,.2],[.1,.3,.2,.4],[.2,.2,.5,.1],[.25,.25,.25,.25],[.1,.6,.2,.1],[.2,.1,.3,.4],[.3,.3,.3,.1],[.4,.1,.1,.4]]
cls("multi4", y4, P4)
yu=[0,-1,1,2,-2,1,0,-1,2,-2,0,1]
Pu=[[.7,.2,.1],[.2,.5,.3],[.1,.7,.2],[.2,.2,.6],[.3,.3,.4],[.5,.4,.1],[.3,.3,.4],[.6,.2,.2],[.1,.2,.7],[.9,.05,.05],[.8,.1,.1],[.2,.3,.5]]
cls("unseen", yu, Pu)
yb2=[0,-1,1,1,0,-2]
pb2=[.2,.7,.6,.4,.1,.5]
cls("binary_unseen", yb2, [[1-v,v] for v in pb2])
cls("single", [1], [[.3,.7]])
def reg(name,y,p):
    y=np.array(y);p=np.array(p);k=~np.isnan(y);y=y[k];p=p[k]
    nz=y!=0
    print("/" "* %s *" "/" % name)
    for kk,v in [('rmse',M.mean_squared_error(y,p,squared=False)),('mae',M.mean_absolute_error(y,p)),('r2',M.r2_score(y,p)),('mape',np.mean(np.abs(y[nz]-p[nz])/np.abs(y[nz])) if nz.any() else float('nan'))]:
        print('\t{ "%s", %.17g },'%(kk,v))
reg("regress",[3,-0.5,2,7,float('nan'),0,4.2],[2.5,0.0,2,8,1,0.3,4])
reg("single", [2],[1.5])
reg("constant", [3,3,3],[3,3,3])
reg("constant_off", [3,3,3],[3,2,3])
*/
