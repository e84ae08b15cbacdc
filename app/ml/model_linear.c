/*
 * model_linear — least-squares regression: OLS, ridge, lasso, elastic net.
 *
 * Objectives (scikit-learn's conventions, so coefficients compare with
 * LinearRegression / Ridge / Lasso / ElasticNet; v = row weights, default 1):
 *   none        sum_i v_i (y_i - b - x_i'w)^2
 *   l2 (ridge)  sum_i v_i (y_i - b - x_i'w)^2 + alpha ||w||^2
 *   l1 (lasso)  1/(2 V) sum_i v_i (y_i - b - x_i'w)^2 + alpha ||w||_1
 *   elasticnet  1/(2 V) sum_i v_i (...)^2 + alpha l1_ratio ||w||_1
 *                                         + alpha (1 - l1_ratio) / 2 ||w||^2
 * where V = sum_i v_i.  The intercept b is never penalised: with
 * fit_intercept the features and target are centred on their weighted means,
 * the problem is solved for w, and b = mean(y) - mean(x)'w.
 *
 * Solvers.  All work on the weighted, centred Gram matrix Q = X'VX and
 * q = X'Vy, built in one parallel pass over the rows (O(n p^2)), when there
 * are at most 2000 usable features:
 *   none / l2    Cholesky of Q + alpha I.  Under "none", a feature that is
 *                linearly dependent on earlier ones (a pivot below 1e-10 of
 *                its diagonal) is dropped, coefficient 0, as R's lm does,
 *                instead of failing on a singular matrix;
 *   l1 / enet    cyclic coordinate descent on Q ("covariance updates",
 *                O(p) per coordinate), stopped like scikit-learn: once the
 *                largest coefficient change is below tol x the largest
 *                coefficient, the duality gap is checked against
 *                tol x ||y - mean(y)||^2.
 * With more features, coordinate descent updates the residual vector
 * instead (O(n) per coordinate) and no Gram matrix is formed.
 *
 * Parameters:
 *   penalty        "none" | "l2" | "l1" | "elasticnet"   (default "none")
 *   alpha          penalty strength >= 0 (1.0; ignored under "none")
 *   l1_ratio       elastic-net mix in [0, 1] (0.5; elasticnet only)
 *   fit_intercept  true
 *   max_iter       coordinate-descent sweeps (1000)
 *   tol            coordinate-descent tolerance (1e-4)
 * describe reports the solver, the sweeps used and whether coordinate
 * descent converged within max_iter (fit succeeds either way).
 *
 * Missing values: a missing feature value is read as the training mean of
 * that feature (weighted, over its non-missing values), so it contributes
 * nothing beyond the intercept; for a standardised feature that is 0.  A
 * feature missing in every training row, or constant while an intercept is
 * fitted, gets coefficient 0.  Categorical features (ncat > 0) are used as
 * their numeric level codes; the default recipe one-hot encodes them first.
 *
 * Importance: |coefficient| x the feature's training standard deviation.
 */
#include "ml/linalg.h"
#include "ml/model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { PEN_NONE, PEN_L2, PEN_L1, PEN_ENET };
static const char *const penalty_names[] = { "none", "l2", "l1", "elasticnet", NULL };
enum { SOLVER_CHOLESKY, SOLVER_CD_GRAM, SOLVER_CD };
static const char *const solver_names[] = { "cholesky", "coordinate descent (gram)",
					    "coordinate descent", NULL };

/* Above this many usable features the Gram matrix is not formed. */
#define GRAM_MAX 2000

struct linear {
	int penalty, fit_intercept;
	double alpha, l1_ratio, tol;
	long max_iter;
	/* Learned. */
	int p;
	double *coef, *fill, *sd;
	double intercept;
	long iter;
	int converged, solver, ndropped;
};

static const char *const linear_params[] = {
	"penalty", "alpha", "l1_ratio", "fit_intercept", "max_iter", "tol", NULL,
};

static void linear_free(void *state)
{
	struct linear *s = state;
	if (!s)
		return;
	free(s->coef);
	free(s->fill);
	free(s->sd);
	free(s);
}

static int linear_init(struct model *m, struct wb_err *err)
{
	struct linear *s = xcalloc(1, sizeof(*s));
	m->state = s;
	if (model_param_enum(m, "penalty", penalty_names, PEN_NONE, &s->penalty, err) < 0 ||
	    model_param_num(m, "alpha", 1.0, 0, INFINITY, 0, 1, &s->alpha, err) < 0 ||
	    model_param_num(m, "l1_ratio", 0.5, 0, 1, 0, 0, &s->l1_ratio, err) < 0 ||
	    model_param_bool(m, "fit_intercept", 1, &s->fit_intercept, err) < 0 ||
	    model_param_int(m, "max_iter", 1000, 1, 100000000, &s->max_iter, err) < 0 ||
	    model_param_num(m, "tol", 1e-4, 0, INFINITY, 1, 1, &s->tol, err) < 0)
		return -1;
	return 0;
}

static void alloc_learned(struct linear *s, int p)
{
	free(s->coef);
	free(s->fill);
	free(s->sd);
	s->p = p;
	s->coef = xcalloc((size_t)p + 1, sizeof(double));
	s->fill = xcalloc((size_t)p + 1, sizeof(double));
	s->sd = xcalloc((size_t)p + 1, sizeof(double));
}

static double soft(double z, double t)
{
	return z > t ? z - t : z < -t ? z + t : 0;
}

/* The penalty in the common form 1/2 sum v r^2 + a1 ||w||_1 + b2/2 ||w||^2. */
static void penalty_terms(const struct linear *s, double sw, double *a1, double *b2)
{
	switch (s->penalty) {
	case PEN_L2:
		*a1 = 0;
		*b2 = s->alpha; /* ridge: ||r||^2 + alpha ||w||^2, halved */
		break;
	case PEN_L1:
		*a1 = s->alpha * sw;
		*b2 = 0;
		break;
	case PEN_ENET:
		*a1 = s->alpha * s->l1_ratio * sw;
		*b2 = s->alpha * (1 - s->l1_ratio) * sw;
		break;
	default:
		*a1 = *b2 = 0;
	}
}

/* Duality gap of the elastic net in Gram form (scikit-learn's
 * enet_coordinate_descent_gram).  H = Qw. */
static double gap_gram(int q, const double *Q, const double *qv, double yy, const double *w,
		       const double *H, double a1, double b2)
{
	double dual = 0, wH = 0, qw = 0, l1 = 0, w2 = 0;
	(void)Q;
	for (int a = 0; a < q; a++) {
		double xta = qv[a] - H[a] - b2 * w[a];
		if (fabs(xta) > dual)
			dual = fabs(xta);
		wH += w[a] * H[a];
		qw += qv[a] * w[a];
		l1 += fabs(w[a]);
		w2 += w[a] * w[a];
	}
	double r2 = yy + wH - 2 * qw, cst, gap;
	if (dual > a1) {
		cst = a1 / dual;
		gap = 0.5 * (r2 + r2 * cst * cst);
	} else {
		cst = 1;
		gap = r2;
	}
	return gap + a1 * l1 - cst * yy + cst * qw + 0.5 * b2 * (1 + cst * cst) * w2;
}

/* Coordinate descent on the Gram matrix; returns the sweeps used. */
static long cd_gram(const struct linear *s, int q, const double *Q, const double *qv, double yy,
		    double a1, double b2, double *w, int *converged)
{
	double *H = xcalloc((size_t)q + 1, sizeof(double));
	long it;
	*converged = 0;
	for (it = 0; it < s->max_iter; it++) {
		double wmax = 0, dmax = 0;
		for (int a = 0; a < q; a++) {
			const double *Qa = Q + (size_t)a * q;
			double qaa = Qa[a];
			if (!(qaa > 0))
				continue;
			double old = w[a];
			double rho = qv[a] - H[a] + qaa * old;
			double nw = soft(rho, a1) / (qaa + b2);
			if (nw != old) {
				double delta = nw - old;
				for (int b = 0; b < q; b++)
					H[b] += delta * Qa[b];
				w[a] = nw;
				if (fabs(delta) > dmax)
					dmax = fabs(delta);
			}
			if (fabs(nw) > wmax)
				wmax = fabs(nw);
		}
		if (wmax == 0 || dmax / wmax < s->tol || it == s->max_iter - 1) {
			/* The sweep changed little: the duality gap decides (for
			 * a penalty without an l1 part the change alone does). */
			if (a1 == 0 ? dmax <= s->tol * wmax
				    : gap_gram(q, Q, qv, yy, w, H, a1, b2) < s->tol * yy) {
				*converged = 1;
				it++;
				break;
			}
		}
	}
	free(H);
	return it;
}

/* Sum over rows of f(i) in the fixed chunk order. */
struct cdres {
	const double *const *x;
	const int *idx;
	const double *c, *v, *yc;
	double *r;
	size_t n;
};

static double cd_dot(const struct cdres *cr, int a, const double *other, int nc,
		     double *part)
{
	const double *x = cr->x[cr->idx[a]];
	double ca = cr->c[a];
#pragma omp parallel for schedule(static) if (nc > 1)
	for (int ch = 0; ch < nc; ch++) {
		size_t lo = linalg_chunk_lo(cr->n, nc, ch), hi = linalg_chunk_lo(cr->n, nc, ch + 1);
		double acc = 0;
		for (size_t i = lo; i < hi; i++)
			acc += (cr->v ? cr->v[i] : 1.0) * (x[i] - ca) * other[i];
		part[ch] = acc;
	}
	double t = 0;
	for (int ch = 0; ch < nc; ch++)
		t += part[ch];
	return t;
}

/* Coordinate descent updating the residual r = yc - Xc w (wide data). */
static long cd_resid(const struct linear *s, const struct cdres *cr, int q, double a1,
		     double b2, double *w, int *converged)
{
	int nc = linalg_nchunks(cr->n);
	double *part = xcalloc((size_t)nc + 1, sizeof(double));
	double *diag = xcalloc((size_t)q + 1, sizeof(double));
	size_t n = cr->n;
	for (int a = 0; a < q; a++) {
		const double *x = cr->x[cr->idx[a]];
		double ca = cr->c[a];
		double acc = 0;
		for (size_t i = 0; i < n; i++)
			acc += (cr->v ? cr->v[i] : 1.0) * (x[i] - ca) * (x[i] - ca);
		diag[a] = acc;
	}
	double yy = 0;
	for (size_t i = 0; i < n; i++)
		yy += (cr->v ? cr->v[i] : 1.0) * cr->yc[i] * cr->yc[i];
	long it;
	*converged = 0;
	for (it = 0; it < s->max_iter; it++) {
		double wmax = 0, dmax = 0;
		for (int a = 0; a < q; a++) {
			if (!(diag[a] > 0))
				continue;
			double old = w[a];
			double rho = cd_dot(cr, a, cr->r, nc, part) + diag[a] * old;
			double nw = soft(rho, a1) / (diag[a] + b2);
			if (nw != old) {
				double delta = nw - old;
				const double *x = cr->x[cr->idx[a]];
				double ca = cr->c[a];
				double *r = cr->r;
#pragma omp parallel for schedule(static) if (n > 8192)
				for (size_t i = 0; i < n; i++)
					r[i] -= delta * (x[i] - ca);
				w[a] = nw;
				if (fabs(delta) > dmax)
					dmax = fabs(delta);
			}
			if (fabs(nw) > wmax)
				wmax = fabs(nw);
		}
		if (!(wmax == 0 || dmax / wmax < s->tol || it == s->max_iter - 1))
			continue;
		if (a1 == 0) {
			if (dmax <= s->tol * wmax) {
				*converged = 1;
				it++;
				break;
			}
			continue;
		}
		/* Duality gap (scikit-learn's enet_coordinate_descent). */
		double dual = 0, l1 = 0, w2 = 0, r2 = 0, ry = 0;
		for (int a = 0; a < q; a++) {
			double xta = cd_dot(cr, a, cr->r, nc, part) - b2 * w[a];
			if (fabs(xta) > dual)
				dual = fabs(xta);
			l1 += fabs(w[a]);
			w2 += w[a] * w[a];
		}
		for (size_t i = 0; i < n; i++) {
			double vi = cr->v ? cr->v[i] : 1.0;
			r2 += vi * cr->r[i] * cr->r[i];
			ry += vi * cr->r[i] * cr->yc[i];
		}
		double cst, gap;
		if (dual > a1) {
			cst = a1 / dual;
			gap = 0.5 * (r2 + r2 * cst * cst);
		} else {
			cst = 1;
			gap = r2;
		}
		gap += a1 * l1 - cst * ry + 0.5 * b2 * (1 + cst * cst) * w2;
		if (gap < s->tol * yy) {
			*converged = 1;
			it++;
			break;
		}
	}
	free(part);
	free(diag);
	return it;
}

static int linear_fit(struct model *m, const struct mldata *d, const struct model_fit_ctx *ctx,
		      struct wb_err *err)
{
	struct linear *s = m->state;
	if (m->task != MODEL_REGRESS)
		return model_error(m, err, "linear does regression only; use logistic to classify");
	size_t n = d->n;
	int p = d->p;
	const double *v = d->w;
	alloc_learned(s, p);
	struct linalg_cols cols;
	linalg_cols_init(&cols, d, v, s->fit_intercept);
	memcpy(s->fill, cols.fill, (size_t)p * sizeof(double));
	memcpy(s->sd, cols.sd, (size_t)p * sizeof(double));

	double sw = 0, sy = 0;
	for (size_t i = 0; i < n; i++) {
		double vi = v ? v[i] : 1.0;
		sw += vi;
		sy += vi * d->y[i];
	}
	double ymean = s->fit_intercept && sw > 0 ? sy / sw : 0;

	int *idx = xcalloc((size_t)p + 1, sizeof(int));
	int q = 0;
	for (int j = 0; j < p; j++)
		if (!cols.dead[j])
			idx[q++] = j;
	double *c = xcalloc((size_t)q + 1, sizeof(double));
	double *w = xcalloc((size_t)q + 1, sizeof(double));
	for (int a = 0; a < q; a++)
		c[a] = s->fit_intercept ? cols.fill[idx[a]] : 0;
	double a1, b2;
	penalty_terms(s, sw, &a1, &b2);
	s->ndropped = 0;
	s->iter = 0;
	s->converged = 1;

	if (q > 0 && q <= GRAM_MAX) {
		double *Q = xmallocarray((size_t)q * q, sizeof(double));
		double *qv = xcalloc((size_t)q, sizeof(double));
		double yy = 0;
		linalg_gram(cols.x, idx, q, c, n, v, d->y, ymean, Q, qv, &yy);
		if (a1 == 0) {
			/* Normal equations (Q + b2 I) w = q. */
			s->solver = SOLVER_CHOLESKY;
			for (int a = 0; a < q; a++)
				Q[(size_t)a * q + a] += b2;
			uint8_t *drop = xcalloc((size_t)q, 1);
			s->ndropped = linalg_cholesky(Q, q, 1e-10, drop);
			memcpy(w, qv, (size_t)q * sizeof(double));
			linalg_cholesky_solve(Q, q, drop, w);
			free(drop);
			s->iter = 1;
		} else {
			s->solver = SOLVER_CD_GRAM;
			s->iter = cd_gram(s, q, Q, qv, yy, a1, b2, w, &s->converged);
		}
		free(Q);
		free(qv);
	} else if (q > 0) {
		s->solver = SOLVER_CD;
		double *yc = xmallocarray(n, sizeof(double));
		double *r = xmallocarray(n, sizeof(double));
		for (size_t i = 0; i < n; i++)
			yc[i] = r[i] = d->y[i] - ymean;
		struct cdres cr = { cols.x, idx, c, v, yc, r, n };
		s->iter = cd_resid(s, &cr, q, a1, b2, w, &s->converged);
		free(yc);
		free(r);
	}
	double b = ymean;
	for (int a = 0; a < q; a++) {
		s->coef[idx[a]] = w[a];
		b -= w[a] * c[a];
	}
	s->intercept = b;
	free(idx);
	free(c);
	free(w);
	linalg_cols_release(&cols);
	return 0;
}

static int linear_predict(const struct model *m, const struct mldata *d, double *out,
			  struct wb_err *err)
{
	const struct linear *s = m->state;
	size_t n = d->n;
	int nc = linalg_nchunks(n);
#pragma omp parallel for schedule(static) if (nc > 1)
	for (int ch = 0; ch < nc; ch++) {
		size_t lo = linalg_chunk_lo(n, nc, ch), hi = linalg_chunk_lo(n, nc, ch + 1);
		for (size_t i = lo; i < hi; i++)
			out[i] = s->intercept;
		for (int j = 0; j < s->p; j++) {
			double cj = s->coef[j], fj = s->fill[j];
			if (cj == 0)
				continue;
			const double *x = d->x[j];
			for (size_t i = lo; i < hi; i++)
				out[i] += cj * (isnan(x[i]) ? fj : x[i]);
		}
	}
	return 0;
}

static void linear_to_json(const struct model *m, json_t *o)
{
	const struct linear *s = m->state;
	json_object_set_new(o, "coef", model_json_nums(s->coef, (size_t)s->p));
	json_object_set_new(o, "intercept", model_json_num(s->intercept));
	json_object_set_new(o, "fill", model_json_nums(s->fill, (size_t)s->p));
	json_object_set_new(o, "sd", model_json_nums(s->sd, (size_t)s->p));
	json_object_set_new(o, "solver", json_string(solver_names[s->solver]));
	json_object_set_new(o, "iterations", json_integer(s->iter));
	json_object_set_new(o, "converged", json_boolean(s->converged));
	json_object_set_new(o, "dropped", json_integer(s->ndropped));
}

static int linear_from_json(struct model *m, const json_t *o, const char *path,
			    struct wb_err *err)
{
	struct linear *s = m->state;
	alloc_learned(s, m->p);
	long iter, dropped;
	if (model_json_get_nums(o, path, "coef", s->coef, (size_t)m->p, err) < 0 ||
	    model_json_get_num(o, path, "intercept", &s->intercept, err) < 0 ||
	    model_json_get_nums(o, path, "fill", s->fill, (size_t)m->p, err) < 0 ||
	    model_json_get_nums(o, path, "sd", s->sd, (size_t)m->p, err) < 0 ||
	    model_json_get_int(o, path, "iterations", &iter, err) < 0 ||
	    model_json_get_int(o, path, "dropped", &dropped, err) < 0)
		return -1;
	const json_t *conv = json_object_get(o, "converged");
	if (!json_is_boolean(conv))
		return wb_error(err, "model JSON: %s.converged: expected true or false", path);
	const char *solver = json_string_value(json_object_get(o, "solver"));
	s->solver = -1;
	for (int k = 0; solver && solver_names[k]; k++)
		if (!strcmp(solver, solver_names[k]))
			s->solver = k;
	if (s->solver < 0)
		return wb_error(err, "model JSON: %s.solver: unknown solver", path);
	s->iter = iter;
	s->ndropped = (int)dropped;
	s->converged = json_is_true(conv);
	return 0;
}

static void linear_describe(const struct model *m, FILE *out)
{
	const struct linear *s = m->state;
	if (s->penalty == PEN_NONE)
		fprintf(out, "  penalty: none (least squares)\n");
	else if (s->penalty == PEN_ENET)
		fprintf(out, "  penalty: elasticnet (alpha = %g, l1_ratio = %g)\n", s->alpha,
			s->l1_ratio);
	else
		fprintf(out, "  penalty: %s (alpha = %g)\n", penalty_names[s->penalty], s->alpha);
	if (s->solver == SOLVER_CHOLESKY)
		fprintf(out, "  solver: cholesky (closed form)\n");
	else
		fprintf(out, "  solver: %s, %ld sweep%s, %s\n", solver_names[s->solver], s->iter,
			s->iter == 1 ? "" : "s",
			s->converged ? "converged" : "NOT converged (raise max_iter or tol)");
	if (s->ndropped)
		fprintf(out, "  %d feature%s linearly dependent on others: coefficient 0\n",
			s->ndropped, s->ndropped == 1 ? "" : "s");
	fprintf(out, "  intercept: %.6g\n", s->intercept);
	fprintf(out, "  coefficients:\n");
	for (int j = 0; j < s->p; j++)
		fprintf(out, "    %-24s %.6g\n", m->features ? m->features[j] : "?", s->coef[j]);
}

static int linear_importance(const struct model *m, double *out)
{
	const struct linear *s = m->state;
	for (int j = 0; j < s->p; j++)
		out[j] = fabs(s->coef[j]) * s->sd[j];
	return 0;
}

static const struct model_type linear_type = {
	.name = "linear",
	.summary = "least squares: OLS, ridge, lasso, elastic net",
	.params = linear_params,
	.tasks = MODEL_REGRESS,
	.prep = MODEL_PREP_LINEAR,
	.init = linear_init,
	.fit = linear_fit,
	.predict = linear_predict,
	.to_json = linear_to_json,
	.from_json = linear_from_json,
	.describe = linear_describe,
	.importance = linear_importance,
	.free = linear_free,
};

void model_linear_register(void)
{
	model_register(&linear_type);
}
