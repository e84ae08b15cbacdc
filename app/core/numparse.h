/*
 * numparse — exact, locale-independent parsing of decimal numbers.
 *
 * The grammar is [+-]? (digits [. digits*]? | . digits) ([eE] [+-]? digits)?
 * plus [+-]? inf / infinity (any case), the text fmt_double writes.  No hex,
 * no leading space, no "nan" (NaN is a missing token to the CSV reader).
 *
 * A double is always the one closest to the decimal text (round half to
 * even): short decimals take Clinger's fast path (mantissa <= 2^53 and
 * |exp10| <= 22 need a single IEEE multiply or divide, which is correctly
 * rounded); the rest go to strtod_l in the "C" locale, which glibc rounds
 * correctly.  The fast path is inline because the CSV reader calls it once
 * per cell.
 */
#ifndef WB_NUMPARSE_H
#define WB_NUMPARSE_H

#include <stddef.h>
#include <stdint.h>

enum numparse_kind {
	NP_NONE,    /* not a number */
	NP_INT,     /* integer syntax that fits int64: *iv and *dv set */
	NP_BIGINT,  /* integer syntax outside int64: only *dv set */
	NP_NUM,     /* fraction, exponent or inf: only *dv set */
};

/* The slow path: correctly rounded conversion of the validated text [s, e). */
double numparse_strtod(const char *s, const char *e);

/* Parses the longest number prefix of [s, end); *stop gets the first byte
 * not consumed (== s when NP_NONE).  The caller checks that the number ends
 * where the field ends. */
static inline __attribute__((always_inline)) enum numparse_kind
numparse(const char *s, const char *end, int64_t *iv, double *dv, const char **stop)
{
	static const double p10[23] = {
		1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
		1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
	};
	const char *p = s;
	int neg = 0, nd = 0, dropped = 0, is_int = 1;
	int64_t exp10 = 0;
	uint64_t m = 0;
	size_t ndig;

	*stop = s;
	if (p < end && (*p == '-' || *p == '+'))
		neg = *p++ == '-';
	const char *ip = p;
	while (p < end && (unsigned)(*p - '0') < 10) {
		if (nd < 19) {
			m = m * 10 + (unsigned)(*p - '0');
			nd += m != 0;
		} else {
			exp10++;
			dropped |= *p != '0';
		}
		p++;
	}
	ndig = (size_t)(p - ip);
	if (p < end && *p == '.') {
		const char *fp = ++p;
		is_int = 0;
		while (p < end && (unsigned)(*p - '0') < 10) {
			if (nd < 19) {
				m = m * 10 + (unsigned)(*p - '0');
				nd += m != 0;
				exp10--;
			} else {
				dropped |= *p != '0';
			}
			p++;
		}
		ndig += (size_t)(p - fp);
	}
	if (ndig == 0) {
		/* inf / infinity, any case */
		static const char inf[] = "infinity";
		size_t k = 0;
		while (k < 8 && ip + k < end && (ip[k] | 0x20) == inf[k])
			k++;
		if (k != 3 && k != 8)
			return NP_NONE;
		*dv = neg ? -__builtin_inf() : __builtin_inf();
		*stop = ip + k;
		return NP_NUM;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		const char *q = p + 1;
		int eneg = 0;
		if (q < end && (*q == '+' || *q == '-'))
			eneg = *q++ == '-';
		if (q < end && (unsigned)(*q - '0') < 10) {
			int64_t e = 0;
			while (q < end && (unsigned)(*q - '0') < 10) {
				if (e < 1000000)
					e = e * 10 + (*q - '0');
				q++;
			}
			exp10 += eneg ? -e : e;
			is_int = 0;
			p = q;
		}
	}
	*stop = p;
	if (is_int) {
		if (exp10 == 0 && (m <= (uint64_t)INT64_MAX || (neg && m == (uint64_t)INT64_MAX + 1))) {
			*iv = neg ? (int64_t)(0 - m) : (int64_t)m;
			*dv = neg && m == 0 ? -0.0 : (double)*iv;
			return NP_INT;
		}
		*dv = numparse_strtod(s, p);
		return NP_BIGINT;
	}
	if (m == 0) {
		*dv = neg ? -0.0 : 0.0;
		return NP_NUM;
	}
	if (!dropped && m <= (1ULL << 53) && exp10 >= -22 && exp10 <= 22) {
		double d = (double)m;
		d = exp10 < 0 ? d / p10[-exp10] : d * p10[exp10];
		*dv = neg ? -d : d;
		return NP_NUM;
	}
	*dv = numparse_strtod(s, p);
	return NP_NUM;
}

#endif
