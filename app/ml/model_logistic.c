/*
 * model_logistic — logistic regression: binary, multinomial (softmax) and
 * one-vs-rest, with an L2, L1 or no penalty.
 *
 * Objective (scikit-learn's LogisticRegression, so coefficients compare with
 * it; c_i = C x row weight x class weight):
 *   l2    sum_i c_i loss_i + 1/2 ||W||^2
 *   l1    sum_i c_i loss_i + ||W||_1
 *   none  sum_i c_i loss_i
 * loss_i is the negative log-likelihood of the row's class.  The intercepts
 * are never penalised.  Binary targets fit one coefficient vector for the
 * second class (classes[1]); multinomial fits one per class (the symmetric
 * parametrisation scikit-learn uses, intercepts centred to sum 0); "ovr"
 * fits one binary problem per class and normalises the K probabilities.
 *
 * Solvers.  With an intercept, the features are centred on their training
 * means internally (b' = b + mean'w; the penalty does not touch b, so the
 * optimum is the same) which makes the problem far better conditioned; the
 * stored intercept is for the raw features.
 *   l2 / none  Newton's method: the step solves H d = -g by conjugate
 *              gradients preconditioned with diag(H), using Hessian-vector
 *              products (one pass over the data each; no p x p matrix), to a
 *              relative accuracy that tightens as the gradient shrinks
 *              (truncated Newton, as liblinear's TRON), then a backtracking
 *              line search.  "none" adds a tiny damping so separable data
 *              cannot break the solve (the coefficients then grow until
 *              max_iter; describe says it did not converge).
 *   l1         newGLMNET (Yuan, Ho & Lin 2012): each outer iteration
 *              minimises the quadratic model + ||w||_1 by coordinate descent
 *              (skipping coordinates at 0 whose gradient is well inside
 *              [-1, 1]), then a line search on the true objective.
 * Stopping rule: the largest entry of the (minimum-norm sub)gradient falls
 * to tol x its value at W = 0.  Every pass over the rows uses a fixed row
 * partition with partial sums added in a fixed order, so results do not
 * depend on the thread count.
 *
 * Parameters:
 *   penalty        "l2" | "l1" | "none"                  (default "l2")
 *   C              inverse penalty strength > 0          (1.0)
 *   fit_intercept  true
 *   multi_class    "auto" | "multinomial" | "ovr"        ("auto": a binary
 *                  target fits one vector, more classes multinomial)
 *   max_iter       Newton / outer iterations             (100)
 *   tol            relative gradient tolerance           (1e-4)
 *   class_weight   "balanced" or {class = weight}        (none)
 * describe reports the iterations and whether the solver converged within
 * max_iter (fit succeeds either way).
 *
 * Missing values: a missing feature value is read as the training mean of
 * that feature (weighted by the row weights), i.e. it contributes nothing
 * beyond the intercept; for a standardised feature that is 0.  A feature
 * missing in every row, or constant while an intercept is fitted, gets
 * coefficient 0.  Categorical features (ncat > 0) are used as their numeric
 * level codes; the default recipe one-hot encodes them first.
 *
 * Importance: |coefficient| x the feature's training standard deviation,
 * summed over the coefficient vectors.
 */
#include "ml/linalg.h"
#include "ml/model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { PEN_L2, PEN_L1, PEN_NONE };
static const char *const penalty_names[] = { "l2", "l1", "none", NULL };
enum { MC_AUTO, MC_MULTI, MC_OVR };
static const char *const multi_names[] = { "auto", "multinomial", "ovr", NULL };

static const char *const logistic_params[] = {
	"penalty", "C", "fit_intercept", "multi_class", "max_iter", "tol", "class_weight", NULL,
};

struct logistic {
	int penalty, fit_intercept, multi;
	double C, tol;
	long max_iter;
	/* Learned. */
	int p, nvec, ovr;       /* nvec coefficient vectors; ovr: normalised sigmoids */
	double *coef;           /* nvec x p, vector-major */
	double *intercept;      /* nvec */
	double *fill, *sd;      /* p */
	long iter;
	int converged;
};

static void logistic_free(void *state)
{
	struct logistic *s = state;
	if (!s)
		return;
	free(s->coef);
	free(s->intercept);
	free(s->fill);
	free(s->sd);
	free(s);
}

static int logistic_init(struct model *m, struct wb_err *err)
{
	struct logistic *s = xcalloc(1, sizeof(*s));
	m->state = s;
	if (model_param_enum(m, "penalty", penalty_names, PEN_L2, &s->penalty, err) < 0 ||
	    model_param_num(m, "C", 1.0, 0, INFINITY, 1, 1, &s->C, err) < 0 ||
	    model_param_bool(m, "fit_intercept", 1, &s->fit_intercept, err) < 0 ||
	    model_param_enum(m, "multi_class", multi_names, MC_AUTO, &s->multi, err) < 0 ||
	    model_param_int(m, "max_iter", 100, 1, 100000000, &s->max_iter, err) < 0 ||
	    model_param_num(m, "tol", 1e-4, 0, INFINITY, 1, 1, &s->tol, err) < 0)
		return -1;
	const json_t *cw = json_object_get(m->params, "class_weight");
	if (cw && !json_is_null(cw) && !json_is_object(cw) &&
	    !(json_is_string(cw) && !strcmp(json_string_value(cw), "balanced")))
		return model_error(m, err, "parameter 'class_weight' must be \"balanced\" or a "
				   "table {class = weight}");
	return 0;
}

static void alloc_learned(struct logistic *s, int p, int nvec)
{
	free(s->coef);
	free(s->intercept);
	free(s->fill);
	free(s->sd);
	s->p = p;
	s->nvec = nvec;
	s->coef = xcalloc((size_t)p * nvec + 1, sizeof(double));
	s->intercept = xcalloc((size_t)nvec + 1, sizeof(double));
	s->fill = xcalloc((size_t)p + 1, sizeof(double));
	s->sd = xcalloc((size_t)p + 1, sizeof(double));
}

/* ---------------------------------------------------------------- the problem */

/* Rows per block in predict. */
#define BLK 512

/* One optimisation problem: K scored classes (binary: K = 1 plus an
 * implicit reference class with score 0), parameters theta[k * S + a] for
 * the q active features a and, with an intercept, theta[k * S + q]. */
struct glm {
	size_t n;
	int q, K, ref, icpt, S, D, nc;
	size_t bs;                /* rows per block: a block of centred columns
				   * (q x bs) stays in cache through a pass */
	int l2;                   /* the objective has + 1/2 ||W||^2 */
	double damp;              /* added to the Hessian diagonal */
	const double *const *x;   /* columns, missing values filled */
	const int *idx;           /* active feature -> column */
	const double *mu;         /* centre per active feature */
	const double *c;          /* row weight (C folded in) */
	const int32_t *yk;        /* scored class of the row, -1 = reference */
	double *P;                /* K x n probabilities at the last evaluation */
	double *hw;               /* binary: c p (1 - p) at the last evaluation */
	double *part;             /* nc partial sums of width 1 + 2 D */
};

static double softplus_e(double e, double t)
{
	/* log(1 + exp(t)) given e = exp(-|t|). */
	return log1p(e) + (t > 0 ? t : 0);
}

/* Centres the q active columns of rows [r0, r0 + m) into xcb (q x bs,
 * column a at a * bs): every later use in the pass reads the block from
 * cache instead of memory. */
static void centre_block(const struct glm *G, size_t r0, size_t m, double *xcb)
{
	for (int a = 0; a < G->q; a++) {
		const double *x = G->x[G->idx[a]] + r0;
		double mu = G->mu[a], *xc = xcb + (size_t)a * G->bs;
#pragma omp simd
		for (size_t i = 0; i < m; i++)
			xc[i] = x[i] - mu;
	}
}

/* Scores theta into z (K x bs) for the centred block xcb of m rows. */
static void margins(const struct glm *G, const double *th, size_t m, const double *xcb,
		    double *z)
{
	size_t bs = G->bs;
	for (int k = 0; k < G->K; k++) {
		double b = G->icpt ? th[k * G->S + G->q] : 0;
		for (size_t i = 0; i < m; i++)
			z[(size_t)k * bs + i] = b;
	}
	for (int a = 0; a < G->q; a++) {
		const double *xc = xcb + (size_t)a * bs;
		for (int k = 0; k < G->K; k++) {
			double w = th[k * G->S + a];
			double *zk = z + (size_t)k * bs;
			if (w != 0) {
#pragma omp simd
				for (size_t i = 0; i < m; i++)
					zk[i] += w * xc[i];
			}
		}
	}
}

/* Objective at theta; fills grad (D) and, when diag is not NULL, the
 * Hessian diagonal (D); leaves P / hw at theta. */
static double glm_eval(struct glm *G, const double *th, double *grad, double *diag)
{
	int K = G->K, q = G->q, S = G->S, D = G->D, nc = G->nc;
	size_t width = 1 + 2 * (size_t)D, n = G->n, bs = G->bs;
#pragma omp parallel for schedule(static) if (nc > 1)
	for (int ch = 0; ch < nc; ch++) {
		double *pp = G->part + (size_t)ch * width;
		memset(pp, 0, width * sizeof(double));
		double *z = xmallocarray((size_t)(3 * K + q + 1) * bs, sizeof(double));
		double *r = z + (size_t)K * bs, *h = r + (size_t)K * bs, *xcb = h + (size_t)K * bs;
		size_t lo = linalg_chunk_lo(n, nc, ch), hi = linalg_chunk_lo(n, nc, ch + 1);
		for (size_t r0 = lo; r0 < hi; r0 += bs) {
			size_t m = hi - r0 < bs ? hi - r0 : bs;
			centre_block(G, r0, m, xcb);
			margins(G, th, m, xcb, z);
			double loss = 0;
			if (G->ref) {
				for (size_t i = 0; i < m; i++) {
					size_t row = r0 + i;
					double t = z[i], ci = G->c[row];
					double e = exp(-fabs(t));
					double p = t >= 0 ? 1 / (1 + e) : e / (1 + e);
					int pos = G->yk[row] == 0;
					loss += ci * softplus_e(e, pos ? -t : t);
					r[i] = ci * (p - pos);
					h[i] = ci * p * (1 - p);
					G->P[row] = p;
					G->hw[row] = h[i];
				}
			} else {
				for (size_t i = 0; i < m; i++) {
					size_t row = r0 + i;
					double zmax = z[i], ci = G->c[row], sum = 0;
					for (int k = 1; k < K; k++)
						if (z[(size_t)k * bs + i] > zmax)
							zmax = z[(size_t)k * bs + i];
					for (int k = 0; k < K; k++) {
						double e = exp(z[(size_t)k * bs + i] - zmax);
						r[(size_t)k * bs + i] = e;
						sum += e;
					}
					int y = G->yk[row];
					loss += ci * (zmax + log(sum) - z[(size_t)y * bs + i]);
					for (int k = 0; k < K; k++) {
						double p = r[(size_t)k * bs + i] / sum;
						G->P[(size_t)k * n + row] = p;
						r[(size_t)k * bs + i] = ci * (p - (k == y));
						h[(size_t)k * bs + i] = ci * p * (1 - p);
					}
				}
			}
			pp[0] += loss;
			for (int a = 0; a < q; a++) {
				const double *xc = xcb + (size_t)a * bs;
				for (int k = 0; k < K; k++) {
					pp[1 + k * S + a] += linalg_dot(r + (size_t)k * bs, xc, m);
					if (diag) {
						const double *hk = h + (size_t)k * bs;
						double acc = 0;
						for (size_t i = 0; i < m; i++)
							acc += hk[i] * xc[i] * xc[i];
						pp[1 + D + k * S + a] += acc;
					}
				}
			}
			if (G->icpt)
				for (int k = 0; k < K; k++) {
					double sr = 0, sh = 0;
					for (size_t i = 0; i < m; i++) {
						sr += r[(size_t)k * bs + i];
						sh += h[(size_t)k * bs + i];
					}
					pp[1 + k * S + q] += sr;
					pp[1 + D + k * S + q] += sh;
				}
		}
		free(z);
	}
	double f = 0;
	memset(grad, 0, (size_t)D * sizeof(double));
	if (diag)
		memset(diag, 0, (size_t)D * sizeof(double));
	for (int ch = 0; ch < nc; ch++) {
		const double *pp = G->part + (size_t)ch * width;
		f += pp[0];
		for (int t = 0; t < D; t++)
			grad[t] += pp[1 + t];
		if (diag)
			for (int t = 0; t < D; t++)
				diag[t] += pp[1 + D + t];
	}
	if (G->l2)
		for (int k = 0; k < K; k++)
			for (int a = 0; a < q; a++) {
				double w = th[k * S + a];
				f += 0.5 * w * w;
				grad[k * S + a] += w;
				if (diag)
					diag[k * S + a] += 1;
			}
	return f;
}

/* out = H v at the last evaluation (+ the L2 and damping terms). */
static void glm_hess_vec(struct glm *G, const double *v, double *out)
{
	int K = G->K, q = G->q, S = G->S, D = G->D, nc = G->nc;
	size_t width = 1 + 2 * (size_t)D, n = G->n, bs = G->bs;
#pragma omp parallel for schedule(static) if (nc > 1)
	for (int ch = 0; ch < nc; ch++) {
		double *pp = G->part + (size_t)ch * width;
		memset(pp, 0, (size_t)D * sizeof(double));
		double *u = xmallocarray((size_t)(K + q + 1) * bs, sizeof(double));
		double *s = u + (size_t)K * bs, *xcb = s + bs;
		size_t lo = linalg_chunk_lo(n, nc, ch), hi = linalg_chunk_lo(n, nc, ch + 1);
		for (size_t r0 = lo; r0 < hi; r0 += bs) {
			size_t m = hi - r0 < bs ? hi - r0 : bs;
			centre_block(G, r0, m, xcb);
			margins(G, v, m, xcb, u);
			if (G->ref) {
				for (size_t i = 0; i < m; i++)
					u[i] *= G->hw[r0 + i];
			} else {
				for (size_t i = 0; i < m; i++)
					s[i] = 0;
				for (int k = 0; k < K; k++) {
					const double *Pk = G->P + (size_t)k * n + r0;
					const double *uk = u + (size_t)k * bs;
					for (size_t i = 0; i < m; i++)
						s[i] += Pk[i] * uk[i];
				}
				for (int k = 0; k < K; k++) {
					const double *Pk = G->P + (size_t)k * n + r0;
					double *uk = u + (size_t)k * bs;
					for (size_t i = 0; i < m; i++)
						uk[i] = G->c[r0 + i] * Pk[i] * (uk[i] - s[i]);
				}
			}
			for (int a = 0; a < q; a++) {
				const double *xc = xcb + (size_t)a * bs;
				for (int k = 0; k < K; k++)
					pp[k * S + a] += linalg_dot(u + (size_t)k * bs, xc, m);
			}
			if (G->icpt)
				for (int k = 0; k < K; k++) {
					double acc = 0;
					for (size_t i = 0; i < m; i++)
						acc += u[(size_t)k * bs + i];
					pp[k * S + q] += acc;
				}
		}
		free(u);
	}
	memset(out, 0, (size_t)D * sizeof(double));
	for (int ch = 0; ch < nc; ch++) {
		const double *pp = G->part + (size_t)ch * width;
		for (int t = 0; t < D; t++)
			out[t] += pp[t];
	}
	for (int k = 0; k < K; k++)
		for (int a = 0; a < S; a++) {
			int coef = a < q;
			out[k * S + a] += ((G->l2 && coef) ? 1 : 0) * v[k * S + a] + G->damp * v[k * S + a];
		}
}

static double norm_inf(const double *v, int n)
{
	double m = 0;
	for (int t = 0; t < n; t++)
		if (fabs(v[t]) > m)
			m = fabs(v[t]);
	return m;
}

static double dotd(const double *a, const double *b, int n)
{
	return linalg_dot(a, b, (size_t)n);
}

/* Multinomial scores are invariant to adding a constant to every class's
 * intercept (and, without a penalty, to every class's coefficient): keep
 * them centred so the answer is unique. */
static void glm_center(const struct glm *G, double *th)
{
	if (G->ref || G->K < 2)
		return;
	for (int a = 0; a < G->S; a++) {
		if (a < G->q && G->l2)
			continue;
		if (a < G->q && !G->damp)
			continue;
		double mean = 0;
		for (int k = 0; k < G->K; k++)
			mean += th[k * G->S + a];
		mean /= G->K;
		for (int k = 0; k < G->K; k++)
			th[k * G->S + a] -= mean;
	}
}

/* Truncated Newton for the smooth objectives (l2, none). */
static long newton(struct glm *G, double tol, long max_iter, double *th, int *converged)
{
	int D = G->D;
	double *g = xcalloc((size_t)D, sizeof(double)), *gn = xcalloc((size_t)D, sizeof(double));
	double *M = xcalloc((size_t)D, sizeof(double)), *Mn = xcalloc((size_t)D, sizeof(double));
	double *d = xcalloc((size_t)D, sizeof(double)), *r = xcalloc((size_t)D, sizeof(double));
	double *z = xcalloc((size_t)D, sizeof(double)), *pd = xcalloc((size_t)D, sizeof(double));
	double *Hp = xcalloc((size_t)D, sizeof(double)), *tn = xcalloc((size_t)D, sizeof(double));
	double f = glm_eval(G, th, g, M);
	double g0 = norm_inf(g, D);
	long it = 0;
	*converged = 0;
	for (;;) {
		double gi = norm_inf(g, D);
		if (gi <= tol * g0 || gi == 0) {
			*converged = 1;
			break;
		}
		if (it >= max_iter)
			break;
		it++;
		/* Preconditioned CG on H d = -g, to ||r|| <= eta ||g||. */
		double gnorm = sqrt(dotd(g, g, D));
		double eta = sqrt(gi / g0);
		if (eta > 0.1)
			eta = 0.1;
		double mmax = norm_inf(M, D);
		for (int t = 0; t < D; t++) {
			double mt = M[t] + G->damp;
			if (!(mt > 1e-12 * mmax))
				mt = 1e-12 * mmax > 0 ? 1e-12 * mmax : 1;
			M[t] = mt;
			d[t] = 0;
			r[t] = -g[t];
			z[t] = r[t] / mt;
			pd[t] = z[t];
		}
		double rz = dotd(r, z, D);
		int maxcg = D < 50 ? 2 * D + 10 : D;
		if (maxcg > 250)
			maxcg = 250;
		for (int j = 0; j < maxcg; j++) {
			glm_hess_vec(G, pd, Hp);
			double pHp = dotd(pd, Hp, D);
			if (!(pHp > 0))
				break;
			double alpha = rz / pHp;
			for (int t = 0; t < D; t++) {
				d[t] += alpha * pd[t];
				r[t] -= alpha * Hp[t];
			}
			if (sqrt(dotd(r, r, D)) <= eta * gnorm)
				break;
			for (int t = 0; t < D; t++)
				z[t] = r[t] / M[t];
			double rzn = dotd(r, z, D);
			double beta = rzn / rz;
			rz = rzn;
			for (int t = 0; t < D; t++)
				pd[t] = z[t] + beta * pd[t];
		}
		/* Backtracking line search (Armijo). */
		double gd = dotd(g, d, D), step = 1, fn = f;
		int accepted = 0;
		if (gd < 0)
			for (int ls = 0; ls < 40; ls++) {
				for (int t = 0; t < D; t++)
					tn[t] = th[t] + step * d[t];
				glm_center(G, tn);
				fn = glm_eval(G, tn, gn, Mn);
				/* Near the optimum f changes by less than its rounding
				 * error: then a smaller gradient is the better test. */
				if (fn <= f + 1e-4 * step * gd ||
				    (fn - f <= 1e-13 * fabs(f) && norm_inf(gn, D) < norm_inf(g, D))) {
					accepted = 1;
					break;
				}
				step *= 0.5;
			}
		if (!accepted) {
			/* No decrease possible at double precision: the point is
			 * as good as it gets; converged when the gradient is
			 * already tiny. */
			if (gd < 0)
				glm_eval(G, th, g, M);
			*converged = norm_inf(g, D) <= sqrt(tol) * g0;
			break;
		}
		memcpy(th, tn, (size_t)D * sizeof(double));
		memcpy(g, gn, (size_t)D * sizeof(double));
		memcpy(M, Mn, (size_t)D * sizeof(double));
		f = fn;
	}
	free(g);
	free(gn);
	free(M);
	free(Mn);
	free(d);
	free(r);
	free(z);
	free(pd);
	free(Hp);
	free(tn);
	return it;
}

/* ---------------------------------------------------------------- L1 */

/* sum_i xc_a[i] * t(i) for coordinate (k, a) of the quadratic model, where
 * t is the Hessian applied to the step so far (T = X d per class, s = sum_k
 * P_k T_k).  a == q is the intercept (xc = 1). */
static double l1_hd(const struct glm *G, int k, int a, const double *T, const double *s)
{
	size_t n = G->n;
	int nc = G->nc;
	double *part = G->part;
#pragma omp parallel for schedule(static) if (nc > 1)
	for (int ch = 0; ch < nc; ch++) {
		size_t lo = linalg_chunk_lo(n, nc, ch), hi = linalg_chunk_lo(n, nc, ch + 1);
		const double *x = a < G->q ? G->x[G->idx[a]] : NULL;
		double mu = a < G->q ? G->mu[a] : 0, acc = 0;
		const double *Tk = T + (size_t)k * n, *Pk = G->P + (size_t)k * n;
		for (size_t i = lo; i < hi; i++) {
			double t = G->ref ? G->hw[i] * Tk[i] : G->c[i] * Pk[i] * (Tk[i] - s[i]);
			acc += (x ? x[i] - mu : 1.0) * t;
		}
		part[ch] = acc;
	}
	double sum = 0;
	for (int ch = 0; ch < nc; ch++)
		sum += part[ch];
	return sum;
}

static void l1_move(const struct glm *G, int k, int a, double delta, double *T, double *s)
{
	size_t n = G->n;
	const double *x = a < G->q ? G->x[G->idx[a]] : NULL;
	double mu = a < G->q ? G->mu[a] : 0;
	double *Tk = T + (size_t)k * n;
	const double *Pk = G->P + (size_t)k * n;
#pragma omp parallel for schedule(static) if (n > 8192)
	for (size_t i = 0; i < n; i++) {
		double v = delta * (x ? x[i] - mu : 1.0);
		Tk[i] += v;
		if (!G->ref)
			s[i] += Pk[i] * v;
	}
}

static double l1_norm(const struct glm *G, const double *th)
{
	double s = 0;
	for (int k = 0; k < G->K; k++)
		for (int a = 0; a < G->q; a++)
			s += fabs(th[k * G->S + a]);
	return s;
}

/* Minimum-norm subgradient, largest entry. */
static double l1_opt(const struct glm *G, const double *th, const double *g)
{
	double m = 0;
	for (int k = 0; k < G->K; k++)
		for (int a = 0; a < G->S; a++) {
			int t = k * G->S + a;
			double v;
			if (a == G->q)
				v = fabs(g[t]);
			else if (th[t] > 0)
				v = fabs(g[t] + 1);
			else if (th[t] < 0)
				v = fabs(g[t] - 1);
			else
				v = fabs(g[t]) > 1 ? fabs(g[t]) - 1 : 0;
			if (v > m)
				m = v;
		}
	return m;
}

static long newglmnet(struct glm *G, double tol, long max_iter, double *th, int *converged)
{
	int D = G->D, K = G->K, S = G->S, q = G->q;
	size_t n = G->n;
	double *g = xcalloc((size_t)D, sizeof(double)), *gn = xcalloc((size_t)D, sizeof(double));
	double *H = xcalloc((size_t)D, sizeof(double)), *Hn = xcalloc((size_t)D, sizeof(double));
	double *d = xcalloc((size_t)D, sizeof(double)), *tn = xcalloc((size_t)D, sizeof(double));
	double *T = xcalloc(n * K + 1, sizeof(double)), *s = xcalloc(n + 1, sizeof(double));
	double f = glm_eval(G, th, g, H);
	double F = f + l1_norm(G, th);
	double v0 = l1_opt(G, th, g);
	long it = 0;
	*converged = 0;
	for (;;) {
		double v = l1_opt(G, th, g);
		if (v <= tol * v0 || v == 0) {
			*converged = 1;
			break;
		}
		if (it >= max_iter)
			break;
		it++;
		memset(d, 0, (size_t)D * sizeof(double));
		memset(T, 0, n * K * sizeof(double));
		memset(s, 0, n * sizeof(double));
		int sweeps = it < 10 ? (int)it + 1 : 10;
		for (int sw = 0; sw < sweeps; sw++) {
			double dmax = 0, wmax = 0;
			for (int k = 0; k < K; k++)
				for (int a = 0; a < S; a++) {
					int t = k * S + a;
					/* Shrinking: a zero coefficient whose gradient is well
					 * inside the subdifferential stays zero. */
					if (a < q && th[t] == 0 && d[t] == 0 && fabs(g[t]) < 0.9)
						continue;
					double hjj = H[t] + 1e-12;
					double grad = g[t] + l1_hd(G, k, a, T, s);
					double cur = th[t] + d[t], nw;
					if (a == q)
						nw = cur - grad / hjj;
					else {
						double u = cur - grad / hjj, lam = 1 / hjj;
						nw = u > lam ? u - lam : u < -lam ? u + lam : 0;
					}
					double delta = nw - cur;
					if (delta == 0)
						continue;
					d[t] += delta;
					l1_move(G, k, a, delta, T, s);
					if (fabs(delta) > dmax)
						dmax = fabs(delta);
					if (fabs(nw) > wmax)
						wmax = fabs(nw);
				}
			if (dmax <= 1e-4 * wmax || dmax == 0)
				break;
		}
		/* Line search on F = f + ||w||_1. */
		double delta = dotd(g, d, D), step = 1, fn = f, Fn = F;
		for (int t = 0; t < D; t++)
			tn[t] = th[t] + d[t];
		delta += l1_norm(G, tn) - l1_norm(G, th);
		int accepted = 0;
		if (delta < 0)
			for (int ls = 0; ls < 40; ls++) {
				for (int t = 0; t < D; t++)
					tn[t] = th[t] + step * d[t];
				fn = glm_eval(G, tn, gn, Hn);
				Fn = fn + l1_norm(G, tn);
				if (Fn <= F + 0.01 * step * delta ||
				    (Fn - F <= 1e-13 * fabs(F) && l1_opt(G, tn, gn) < l1_opt(G, th, g))) {
					accepted = 1;
					break;
				}
				step *= 0.5;
			}
		if (!accepted) {
			if (delta < 0)
				glm_eval(G, th, g, H);
			*converged = l1_opt(G, th, g) <= sqrt(tol) * v0;
			break;
		}
		memcpy(th, tn, (size_t)D * sizeof(double));
		memcpy(g, gn, (size_t)D * sizeof(double));
		memcpy(H, Hn, (size_t)D * sizeof(double));
		f = fn;
		F = Fn;
	}
	free(g);
	free(gn);
	free(H);
	free(Hn);
	free(d);
	free(tn);
	free(T);
	free(s);
	return it;
}

/* ---------------------------------------------------------------- fit */

static int logistic_fit(struct model *m, const struct mldata *d, const struct model_fit_ctx *ctx,
			struct wb_err *err)
{
	struct logistic *s = m->state;
	if (m->task != MODEL_CLASSIFY)
		return model_error(m, err, "logistic classifies only; use linear for regression");
	int failed;
	double *cw = model_class_weights(m, d, err, &failed);
	if (failed)
		return -1;
	size_t n = d->n;
	int p = d->p, K = d->nclass;
	int multi = K > 2 ? s->multi != MC_OVR : s->multi == MC_MULTI;
	int nvec = K == 2 && !multi ? 1 : K;
	alloc_learned(s, p, nvec);
	s->ovr = !multi && K > 2;

	struct linalg_cols cols;
	linalg_cols_init(&cols, d, d->w, s->fit_intercept);
	memcpy(s->fill, cols.fill, (size_t)p * sizeof(double));
	memcpy(s->sd, cols.sd, (size_t)p * sizeof(double));
	int *idx = xcalloc((size_t)p + 1, sizeof(int));
	int q = 0;
	for (int j = 0; j < p; j++)
		if (!cols.dead[j])
			idx[q++] = j;
	double *mu = xcalloc((size_t)q + 1, sizeof(double));
	for (int a = 0; a < q; a++)
		mu[a] = s->fit_intercept ? cols.fill[idx[a]] : 0;
	double *c = xmallocarray(n + 1, sizeof(double));
	for (size_t i = 0; i < n; i++)
		c[i] = s->C * (cw ? cw[i] : 1.0);
	int32_t *yk = xmallocarray(n + 1, sizeof(int32_t));

	struct glm G;
	memset(&G, 0, sizeof(G));
	G.n = n;
	G.q = q;
	G.icpt = s->fit_intercept;
	G.S = q + G.icpt;
	G.nc = linalg_nchunks(n);
	G.bs = (size_t)(32768 / (q + 1));
	G.bs = G.bs < 32 ? 32 : G.bs > 1024 ? 1024 : G.bs;
	G.l2 = s->penalty == PEN_L2;
	G.x = cols.x;
	G.idx = idx;
	G.mu = mu;
	G.c = c;
	G.yk = yk;
	int nprob = s->ovr ? K : 1;
	G.K = s->ovr || nvec == 1 ? 1 : K;
	G.ref = G.K == 1;
	G.D = G.K * G.S;
	if (s->penalty == PEN_NONE) {
		/* A tiny ridge relative to the data's scale keeps the Newton
		 * system solvable on separable data. */
		double sc = 0;
		for (size_t i = 0; i < n; i++)
			sc += c[i];
		G.damp = 1e-10 * (sc > 0 ? sc : 1);
	}
	G.P = xcalloc(n * G.K + 1, sizeof(double));
	G.hw = xcalloc(n + 1, sizeof(double));
	G.part = xcalloc((size_t)G.nc * (1 + 2 * (size_t)G.D) + 1, sizeof(double));
	double *th = xcalloc((size_t)G.D + 1, sizeof(double));
	s->iter = 0;
	s->converged = 1;
	for (int pr = 0; pr < nprob; pr++) {
		int pos = s->ovr ? pr : 1;
		for (size_t i = 0; i < n; i++)
			yk[i] = G.ref ? (d->cls[i] == pos ? 0 : -1) : d->cls[i];
		memset(th, 0, (size_t)G.D * sizeof(double));
		int conv = 1;
		long it = 0;
		if (G.D > 0)
			it = s->penalty == PEN_L1 ? newglmnet(&G, s->tol, s->max_iter, th, &conv)
						  : newton(&G, s->tol, s->max_iter, th, &conv);
		if (it > s->iter)
			s->iter = it;
		s->converged &= conv;
		/* Back to the raw features: b = b' - mu'w. */
		for (int k = 0; k < G.K; k++) {
			int v = s->ovr ? pr : k;
			double b = G.icpt ? th[k * G.S + q] : 0;
			for (int a = 0; a < q; a++) {
				double w = th[k * G.S + a];
				s->coef[(size_t)v * p + idx[a]] = w;
				b -= w * mu[a];
			}
			s->intercept[v] = b;
		}
	}
	free(th);
	free(G.P);
	free(G.hw);
	free(G.part);
	free(yk);
	free(c);
	free(mu);
	free(idx);
	free(cw);
	linalg_cols_release(&cols);
	return 0;
}

/* ---------------------------------------------------------------- predict */

static int logistic_predict(const struct model *m, const struct mldata *d, double *out,
			    struct wb_err *err)
{
	const struct logistic *s = m->state;
	size_t n = d->n;
	int K = m->nclass, V = s->nvec, nc = linalg_nchunks(n);
#pragma omp parallel for schedule(static) if (nc > 1)
	for (int ch = 0; ch < nc; ch++) {
		size_t lo = linalg_chunk_lo(n, nc, ch), hi = linalg_chunk_lo(n, nc, ch + 1);
		double *z = xmallocarray((size_t)V * BLK, sizeof(double));
		for (size_t r0 = lo; r0 < hi; r0 += BLK) {
			size_t mm = hi - r0 < BLK ? hi - r0 : BLK;
			for (int v = 0; v < V; v++)
				for (size_t i = 0; i < mm; i++)
					z[(size_t)v * BLK + i] = s->intercept[v];
			for (int j = 0; j < s->p; j++) {
				const double *x = d->x[j] + r0;
				double f = s->fill[j];
				for (int v = 0; v < V; v++) {
					double w = s->coef[(size_t)v * s->p + j];
					double *zv = z + (size_t)v * BLK;
					if (w != 0)
						for (size_t i = 0; i < mm; i++)
							zv[i] += w * (isnan(x[i]) ? f : x[i]);
				}
			}
			for (size_t i = 0; i < mm; i++) {
				double *o = out + (r0 + i) * (size_t)K;
				if (V == 1) {
					double t = z[i], e = exp(-fabs(t));
					double p1 = t >= 0 ? 1 / (1 + e) : e / (1 + e);
					o[0] = 1 - p1;
					o[1] = p1;
					continue;
				}
				double sum = 0;
				if (s->ovr) {
					for (int k = 0; k < K; k++) {
						double t = z[(size_t)k * BLK + i], e = exp(-fabs(t));
						o[k] = t >= 0 ? 1 / (1 + e) : e / (1 + e);
						sum += o[k];
					}
				} else {
					double zmax = z[i];
					for (int k = 1; k < K; k++)
						if (z[(size_t)k * BLK + i] > zmax)
							zmax = z[(size_t)k * BLK + i];
					for (int k = 0; k < K; k++) {
						o[k] = exp(z[(size_t)k * BLK + i] - zmax);
						sum += o[k];
					}
				}
				if (!(sum > 0) || !isfinite(sum)) {
					for (int k = 0; k < K; k++)
						o[k] = 1.0 / K;
					continue;
				}
				for (int k = 0; k < K; k++)
					o[k] /= sum;
			}
		}
		free(z);
	}
	return 0;
}

/* ---------------------------------------------------------------- state */

static void logistic_to_json(const struct model *m, json_t *o)
{
	const struct logistic *s = m->state;
	json_object_set_new(o, "vectors", json_integer(s->nvec));
	json_object_set_new(o, "ovr", json_boolean(s->ovr));
	json_object_set_new(o, "coef", model_json_nums(s->coef, (size_t)s->nvec * s->p));
	json_object_set_new(o, "intercept", model_json_nums(s->intercept, (size_t)s->nvec));
	json_object_set_new(o, "fill", model_json_nums(s->fill, (size_t)s->p));
	json_object_set_new(o, "sd", model_json_nums(s->sd, (size_t)s->p));
	json_object_set_new(o, "iterations", json_integer(s->iter));
	json_object_set_new(o, "converged", json_boolean(s->converged));
}

static int logistic_from_json(struct model *m, const json_t *o, const char *path,
			      struct wb_err *err)
{
	struct logistic *s = m->state;
	long nvec, iter;
	if (model_json_get_int(o, path, "vectors", &nvec, err) < 0)
		return -1;
	if (!(nvec == 1 && m->nclass == 2) && nvec != m->nclass)
		return wb_error(err, "model JSON: %s.vectors: %ld does not fit %d classes", path,
				nvec, m->nclass);
	alloc_learned(s, m->p, (int)nvec);
	if (model_json_get_nums(o, path, "coef", s->coef, (size_t)nvec * m->p, err) < 0 ||
	    model_json_get_nums(o, path, "intercept", s->intercept, (size_t)nvec, err) < 0 ||
	    model_json_get_nums(o, path, "fill", s->fill, (size_t)m->p, err) < 0 ||
	    model_json_get_nums(o, path, "sd", s->sd, (size_t)m->p, err) < 0 ||
	    model_json_get_int(o, path, "iterations", &iter, err) < 0)
		return -1;
	const json_t *ovr = json_object_get(o, "ovr"), *conv = json_object_get(o, "converged");
	if (!json_is_boolean(ovr))
		return wb_error(err, "model JSON: %s.ovr: expected true or false", path);
	if (!json_is_boolean(conv))
		return wb_error(err, "model JSON: %s.converged: expected true or false", path);
	s->ovr = json_is_true(ovr);
	s->converged = json_is_true(conv);
	s->iter = iter;
	return 0;
}

static void logistic_describe(const struct model *m, FILE *out)
{
	const struct logistic *s = m->state;
	if (s->penalty == PEN_NONE)
		fprintf(out, "  penalty: none\n");
	else
		fprintf(out, "  penalty: %s (C = %g)\n", penalty_names[s->penalty], s->C);
	fprintf(out, "  %s, %s: %ld iteration%s, %s\n",
		s->nvec == 1 ? "binary" : s->ovr ? "one-vs-rest" : "multinomial",
		s->penalty == PEN_L1 ? "newGLMNET" : "newton-cg", s->iter, s->iter == 1 ? "" : "s",
		s->converged ? "converged" : "NOT converged (raise max_iter or tol)");
	if (s->nvec == 1) {
		fprintf(out, "  log-odds of '%s':\n", m->classes ? m->classes[1] : "1");
		fprintf(out, "    %-24s %.6g\n", "(intercept)", s->intercept[0]);
		for (int j = 0; j < s->p; j++)
			fprintf(out, "    %-24s %.6g\n", m->features ? m->features[j] : "?",
				s->coef[j]);
		return;
	}
	fprintf(out, "  coefficients per class:\n    %-24s", "");
	for (int v = 0; v < s->nvec; v++)
		fprintf(out, " %12.12s", m->classes ? m->classes[v] : "?");
	fprintf(out, "\n    %-24s", "(intercept)");
	for (int v = 0; v < s->nvec; v++)
		fprintf(out, " %12.6g", s->intercept[v]);
	fprintf(out, "\n");
	for (int j = 0; j < s->p; j++) {
		fprintf(out, "    %-24s", m->features ? m->features[j] : "?");
		for (int v = 0; v < s->nvec; v++)
			fprintf(out, " %12.6g", s->coef[(size_t)v * s->p + j]);
		fprintf(out, "\n");
	}
}

static int logistic_importance(const struct model *m, double *out)
{
	const struct logistic *s = m->state;
	for (int j = 0; j < s->p; j++) {
		out[j] = 0;
		for (int v = 0; v < s->nvec; v++)
			out[j] += fabs(s->coef[(size_t)v * s->p + j]) * s->sd[j];
	}
	return 0;
}

static const struct model_type logistic_type = {
	.name = "logistic",
	.summary = "logistic regression: binary, multinomial, one-vs-rest; l2 / l1",
	.params = logistic_params,
	.tasks = MODEL_CLASSIFY,
	.prep = MODEL_PREP_LINEAR,
	.init = logistic_init,
	.fit = logistic_fit,
	.predict = logistic_predict,
	.to_json = logistic_to_json,
	.from_json = logistic_from_json,
	.describe = logistic_describe,
	.importance = logistic_importance,
	.free = logistic_free,
};

void model_logistic_register(void)
{
	model_register(&logistic_type);
}
