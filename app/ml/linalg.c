/*
 * linalg — dense helpers for the linear and logistic families (linalg.h).
 */
#include "ml/linalg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Chunks of at least 1024 rows, at most 64 of them: enough to balance a few
 * threads, few enough that per-chunk partial sums stay small. */
int linalg_nchunks(size_t n)
{
	size_t nc = (n + 1023) / 1024;
	if (nc > 64)
		nc = 64;
	return nc ? (int)nc : 1;
}

double linalg_dot(const double *a, const double *b, size_t n)
{
	double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
	size_t i = 0;
	for (; i + 4 <= n; i += 4) {
		s0 += a[i] * b[i];
		s1 += a[i + 1] * b[i + 1];
		s2 += a[i + 2] * b[i + 2];
		s3 += a[i + 3] * b[i + 3];
	}
	for (; i < n; i++)
		s0 += a[i] * b[i];
	return (s0 + s1) + (s2 + s3);
}

/* One feature: statistics in row order (a single thread per feature, so the
 * sums never depend on the thread count). */
static void col_stats(struct linalg_cols *c, int j, const double *x, const double *w,
		      int center)
{
	size_t n = c->n, nmiss = 0;
	double sw = 0, s = 0, lo = INFINITY, hi = -INFINITY;
	for (size_t i = 0; i < n; i++) {
		double v = x[i];
		if (isnan(v)) {
			nmiss++;
			continue;
		}
		double wi = w ? w[i] : 1.0;
		sw += wi;
		s += wi * v;
		if (v < lo)
			lo = v;
		if (v > hi)
			hi = v;
	}
	double mean = sw > 0 ? s / sw : 0;
	/* A constant column gets its value exactly, so centring makes it 0. */
	if (sw > 0 && lo == hi)
		mean = lo;
	double ss = 0;
	for (size_t i = 0; i < n; i++)
		if (!isnan(x[i]))
			ss += (w ? w[i] : 1.0) * (x[i] - mean) * (x[i] - mean);
	c->fill[j] = mean;
	c->sd[j] = sw > 0 ? sqrt(ss / sw) : 0;
	c->dead[j] = nmiss == n || (center && lo == hi) || (lo == 0 && hi == 0);
	if (!nmiss) {
		c->x[j] = x;
		return;
	}
	double *y = xmallocarray(n ? n : 1, sizeof(double));
	for (size_t i = 0; i < n; i++)
		y[i] = isnan(x[i]) ? mean : x[i];
	c->own[j] = y;
	c->x[j] = y;
}

void linalg_cols_init(struct linalg_cols *c, const struct mldata *d, const double *w,
		      int center)
{
	int p = d->p;
	c->p = p;
	c->n = d->n;
	c->fill = xcalloc((size_t)p + 1, sizeof(double));
	c->sd = xcalloc((size_t)p + 1, sizeof(double));
	c->dead = xcalloc((size_t)p + 1, 1);
	c->x = xcalloc((size_t)p + 1, sizeof(double *));
	c->own = xcalloc((size_t)p + 1, sizeof(double *));
#pragma omp parallel for schedule(dynamic, 1) if (p > 1 && d->n > 4096)
	for (int j = 0; j < p; j++)
		col_stats(c, j, d->x[j], w, center);
}

void linalg_cols_release(struct linalg_cols *c)
{
	if (c->own)
		for (int j = 0; j < c->p; j++)
			free(c->own[j]);
	free(c->own);
	free(c->x);
	free(c->fill);
	free(c->sd);
	free(c->dead);
	memset(c, 0, sizeof(*c));
}

int linalg_cholesky(double *a, int n, double tol, uint8_t *dropped)
{
	int ndrop = 0;
	double *diag = xmallocarray((size_t)n + 1, sizeof(double));
	for (int k = 0; k < n; k++)
		diag[k] = a[(size_t)k * n + k];
	for (int k = 0; k < n; k++) {
		double *rk = a + (size_t)k * n;
		double s = rk[k] - linalg_dot(rk, rk, (size_t)k);
		int drop = !(s > tol * diag[k]) || !(diag[k] > 0);
		if (dropped)
			dropped[k] = (uint8_t)drop;
		if (drop) {
			ndrop++;
			for (int j = 0; j < k; j++)
				rk[j] = 0;
			rk[k] = 1;
			for (int i = k + 1; i < n; i++)
				a[(size_t)i * n + k] = 0;
			continue;
		}
		double l = sqrt(s);
		rk[k] = l;
		for (int i = k + 1; i < n; i++) {
			double *ri = a + (size_t)i * n;
			ri[k] = (ri[k] - linalg_dot(ri, rk, (size_t)k)) / l;
		}
	}
	free(diag);
	return ndrop;
}

void linalg_cholesky_solve(const double *l, int n, const uint8_t *dropped, double *b)
{
	for (int i = 0; i < n; i++) {
		const double *ri = l + (size_t)i * n;
		b[i] = dropped && dropped[i] ? 0 : (b[i] - linalg_dot(ri, b, (size_t)i)) / ri[i];
	}
	for (int i = n - 1; i >= 0; i--) {
		if (dropped && dropped[i]) {
			b[i] = 0;
			continue;
		}
		double s = b[i];
		for (int k = i + 1; k < n; k++)
			s -= l[(size_t)k * n + i] * b[k];
		b[i] = s / l[(size_t)i * n + i];
	}
}

/* Rows per block: a block of q centred columns stays in cache while every
 * pair of them is multiplied. */
#define GRAM_BLOCK 256

void linalg_gram(const double *const *x, const int *idx, int q, const double *c, size_t n,
		 const double *w, const double *y, double yc, double *Q, double *qv, double *yy)
{
	/* Per-chunk partials cost q * q doubles each: fewer chunks for wide
	 * data (still a function of n and q only). */
	int nc = linalg_nchunks(n);
	size_t qq = (size_t)q * (size_t)q;
	size_t cap = ((size_t)1 << 23) / (qq + 1);
	if (cap < 1)
		cap = 1;
	if ((size_t)nc > cap)
		nc = (int)cap;
	size_t width = qq + (size_t)q + 1;
	double *part = xcalloc((size_t)nc * width, sizeof(double));
#pragma omp parallel for schedule(static) if (nc > 1)
	for (int ch = 0; ch < nc; ch++) {
		double *pQ = part + (size_t)ch * width, *pq = pQ + qq, *py = pq + q;
		double *buf = xmallocarray((size_t)(2 * q + 2) * GRAM_BLOCK, sizeof(double));
		double *bw = buf + (size_t)q * GRAM_BLOCK, *by = bw + (size_t)q * GRAM_BLOCK;
		size_t lo = linalg_chunk_lo(n, nc, ch), hi = linalg_chunk_lo(n, nc, ch + 1);
		for (size_t r0 = lo; r0 < hi; r0 += GRAM_BLOCK) {
			size_t m = hi - r0 < GRAM_BLOCK ? hi - r0 : GRAM_BLOCK;
			for (int a = 0; a < q; a++) {
				const double *xa = x[idx[a]] + r0;
				double ca = c ? c[a] : 0;
				double *ba = buf + (size_t)a * GRAM_BLOCK;
				double *wa = bw + (size_t)a * GRAM_BLOCK;
				for (size_t i = 0; i < m; i++) {
					ba[i] = xa[i] - ca;
					wa[i] = w ? ba[i] * w[r0 + i] : ba[i];
				}
			}
			for (int a = 0; a < q; a++) {
				const double *wa = bw + (size_t)a * GRAM_BLOCK;
				for (int b = 0; b <= a; b++)
					pQ[(size_t)a * q + b] +=
						linalg_dot(wa, buf + (size_t)b * GRAM_BLOCK, m);
			}
			if (y) {
				for (size_t i = 0; i < m; i++)
					by[i] = y[r0 + i] - yc;
				for (int a = 0; a < q; a++)
					pq[a] += linalg_dot(bw + (size_t)a * GRAM_BLOCK, by, m);
				double s = 0;
				for (size_t i = 0; i < m; i++)
					s += (w ? w[r0 + i] : 1.0) * by[i] * by[i];
				*py += s;
			}
		}
		free(buf);
	}
	memset(Q, 0, qq * sizeof(double));
	if (y) {
		memset(qv, 0, (size_t)q * sizeof(double));
		*yy = 0;
	}
	for (int ch = 0; ch < nc; ch++) {
		const double *pQ = part + (size_t)ch * width, *pq = pQ + qq, *py = pq + q;
		for (size_t k = 0; k < qq; k++)
			Q[k] += pQ[k];
		if (y) {
			for (int a = 0; a < q; a++)
				qv[a] += pq[a];
			*yy += *py;
		}
	}
	for (int a = 0; a < q; a++)
		for (int b = a + 1; b < q; b++)
			Q[(size_t)a * q + b] = Q[(size_t)b * q + a];
	free(part);
}
