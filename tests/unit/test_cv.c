/*
 * test_cv — resampling splits (every row tested once, class proportions,
 * groups never straddle, time order), determinism by seed, errors, and the
 * corrected resampled t-test against scipy.
 */
#include "tap.h"
#include "core/csv.h"
#include "ml/cv.h"

#include <stdlib.h>

static struct frame *make(size_t n)
{
	/* y: 30% "a", 70% "b"; g: i*i mod 7, the 4 quadratic residues: groups of uneven size */
	struct column *y = column_new(COL_STR, n);
	char *buf = malloc(n * 16 + 16);
	size_t at = 0;
	struct column *g = column_new(COL_INT, n);
	free(y->offs);
	free(y->bytes);
	free(y->valid);
	y->offs = malloc((n + 1) * sizeof(uint64_t));
	for (size_t i = 0; i < n; i++) {
		y->offs[i] = at;
		buf[at++] = (i % 10) < 3 ? 'a' : 'b';
		buf[at++] = 0;
		g->i64[i] = (int64_t)((i * i) % 7);
		g->valid[i] = 1;
	}
	y->offs[n] = at;
	y->bytes = buf;
	y->valid = NULL;
	struct frame *f = frame_new(n);
	frame_add(f, "y", y, NULL);
	frame_add(f, "g", g, NULL);
	frame_seal_content(f);
	return f;
}

static int tested_once(const struct cv_split *s, int n, int folds, size_t rows)
{
	for (int r = 0; r < n / folds; r++) {
		int *seen = calloc(rows, sizeof(int));
		for (int k = r * folds; k < (r + 1) * folds; k++) {
			if (s[k].ntrain + s[k].ntest != rows) {
				free(seen);
				return 0;
			}
			for (size_t i = 0; i < s[k].ntest; i++)
				seen[s[k].test[i]]++;
		}
		for (size_t i = 0; i < rows; i++)
			if (seen[i] != 1) {
				free(seen);
				return 0;
			}
		free(seen);
	}
	return 1;
}

int main(void)
{
	struct wb_err err;
	struct frame *f = make(103);
	struct cv_split *s, *s2;
	int n, n2;

	struct cv_plan kf = { CV_KFOLD, 5, 2, NULL, 9 };
	ok(cv_make_splits(&kf, f, &s, &n, &err) == 0 && n == 10, "kfold: 5 folds x 2 repeats");
	ok(tested_once(s, n, 5, 103), "kfold: each row tested once per repeat");
	ok(s[0].ntest == 21 && s[4].ntest == 20, "kfold: sizes differ by at most one");
	ok(cv_make_splits(&kf, f, &s2, &n2, &err) == 0 &&
	   !memcmp(s[3].test, s2[3].test, s[3].ntest * sizeof(size_t)), "same seed, same folds");
	ok(memcmp(s[0].test, s[5].test, s[0].ntest * sizeof(size_t)) != 0,
	   "repeats shuffle differently");
	cv_free_splits(s2, n2);
	cv_free_splits(s, n);

	struct cv_plan st = { CV_STRATIFIED, 5, 1, "y", 9 };
	ok(cv_make_splits(&st, f, &s, &n, &err) == 0, "stratified");
	ok(tested_once(s, n, 5, 103), "stratified: each row tested once");
	int balanced = 1;
	for (int k = 0; k < n; k++) {
		size_t a = 0;
		for (size_t i = 0; i < s[k].ntest; i++)
			a += (s[k].test[i] % 10) < 3;
		/* 31 a-rows over 5 folds: 6 or 7 each */
		balanced &= a == 6 || a == 7;
	}
	ok(balanced, "stratified: class proportions kept in every fold");
	cv_free_splits(s, n);

	struct cv_plan gp = { CV_GROUP, 3, 1, "g", 9 };
	ok(cv_make_splits(&gp, f, &s, &n, &err) == 0, "group");
	int clean = tested_once(s, n, 3, 103);
	for (int k = 0; k < n; k++)
		for (size_t i = 0; i < s[k].ntest; i++)
			for (size_t j = 0; j < s[k].ntrain; j++)
				clean &= (s[k].test[i] * s[k].test[i]) % 7 !=
					 (s[k].train[j] * s[k].train[j]) % 7;
	ok(clean, "group: no group in both train and test");
	cv_free_splits(s, n);

	struct cv_plan ts = { CV_TIME, 4, 3, NULL, 9 };
	ok(cv_make_splits(&ts, f, &s, &n, &err) == 0 && n == 4, "time: repeats ignored");
	ok(s[0].ntest == 20 && s[0].ntrain == 23 && s[3].ntrain == 83 && s[3].test[19] == 102,
	   "time: expanding window, tests at the end");
	int before = 1;
	for (int k = 0; k < n; k++)
		before &= s[k].train[s[k].ntrain - 1] < s[k].test[0];
	ok(before, "time: training rows come before test rows");
	cv_free_splits(s, n);

	struct cv_plan bad = { CV_KFOLD, 200, 1, NULL, 1 };
	ok(cv_make_splits(&bad, f, &s, &n, &err) < 0, "too many folds");
	is_str(err.msg, "cv: 103 rows cannot make 200 folds", "message");
	struct cv_plan nob = { CV_GROUP, 3, 1, "zz", 1 };
	ok(cv_make_splits(&nob, f, &s, &n, &err) < 0, "unknown group column");
	like(err.msg, "'zz'", "names it");
	struct cv_plan few = { CV_GROUP, 9, 1, "g", 1 };
	ok(cv_make_splits(&few, f, &s, &n, &err) < 0, "fewer groups than folds");
	is_str(err.msg, "cv: 4 groups in 'g' cannot make 9 folds", "message");
	struct cv_plan one = { CV_KFOLD, 1, 1, NULL, 1 };
	ok(cv_make_splits(&one, f, &s, &n, &err) < 0, "one fold");

	/* scipy: 2 * stats.t.sf(2.5, 9) etc. */
	is_dbl(cv_student_p(2.5, 9), 0.03386182768298571, 1e-12, "student p, df 9");
	is_dbl(cv_student_p(-0.3, 4), 0.7791214282774597, 1e-12, "student p, df 4, negative t");
	is_dbl(cv_student_p(10, 1), 0.06345103486110712, 1e-12, "student p, df 1");
	double a[] = { 0.80, 0.82, 0.79, 0.85, 0.81 }, b[] = { 0.78, 0.80, 0.80, 0.82, 0.79 };
	double t, p;
	cv_corrected_ttest(a, b, 5, 0.25, &t, &p);
	is_dbl(t, 1.572714198985568, 1e-12, "corrected t (numpy)");
	is_dbl(p, 0.19089036663397474, 1e-10, "corrected p (scipy)");
	cv_corrected_ttest(a, a, 5, 0.25, &t, &p);
	ok(t == 0 && p == 1, "identical scores: no difference");

	frame_unref(f);
	return tap_done();
}
