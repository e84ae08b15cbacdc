/*
 * tap.h — a tiny TAP producer for the C unit tests (run under prove).
 *
 *   int main(void) {
 *       ok(1 + 1 == 2, "addition");
 *       is_int(f->nrow, 3, "three rows");
 *       is_str(name, "x", "first name");
 *       return tap_done();      // prints the plan, exit status = failures
 *   }
 */
#ifndef WB_TAP_H
#define WB_TAP_H

#include <inttypes.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static inline int tap_ok(int cond, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static inline int tap_ok(int cond, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	printf("%s %d - ", cond ? "ok" : "not ok", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond) {
		tap_failed++;
		printf("#   failed at %s:%d\n", file, line);
	}
	fflush(stdout);
	return cond;
}

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

#define is_int(got, want, ...) do { \
	long long g_ = (long long)(got), w_ = (long long)(want); \
	if (!ok(g_ == w_, __VA_ARGS__)) \
		printf("#   got %lld, want %lld\n", g_, w_); \
} while (0)

#define is_dbl(got, want, tol, ...) do { \
	double g_ = (got), w_ = (want); \
	if (!ok(fabs(g_ - w_) <= (tol) || (isnan(g_) && isnan(w_)), __VA_ARGS__)) \
		printf("#   got %.17g, want %.17g\n", g_, w_); \
} while (0)

#define is_str(got, want, ...) do { \
	const char *g_ = (got), *w_ = (want); \
	if (!ok(g_ && w_ ? !strcmp(g_, w_) : g_ == w_, __VA_ARGS__)) \
		printf("#   got '%s'\n#  want '%s'\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
} while (0)

/* Substring match, for error messages. */
#define like(got, needle, ...) do { \
	const char *g_ = (got), *n_ = (needle); \
	if (!ok(g_ && strstr(g_, n_), __VA_ARGS__)) \
		printf("#   got '%s'\n#  want it to contain '%s'\n", g_ ? g_ : "(null)", n_); \
} while (0)

static inline void diag(const char *msg) { printf("# %s\n", msg); }

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
