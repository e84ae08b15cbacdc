/*
 * serve_json_fast — JSON request bodies read straight into columns, for the
 * shapes clients send: dataframe_split (columns + data, or data alone),
 * dataframe_records, and instances / inputs as a list of records or of
 * lists, with an optional "params".
 *
 * jansson builds a tree of small objects (a hash table per record, a
 * json_t per number) that serve_parse_json then walks and frees; for a
 * one-row request that was most of the parse time.  This reader lexes the
 * body once into a row-major grid of plain values and converts them by the
 * rules of build_column / build_text in serve_parse.c.  It only has to be
 * right on bodies that parse: anything else - a syntax error, a value of
 * the wrong type, a duplicate key, a nested value where a cell belongs,
 * columnar "inputs", too many rows - is FAST_NO, and the jansson path
 * (serve_parse_json_general) answers with its own status and message.
 *
 * Lexing follows jansson 2.x (load.c) with flags 0:
 *   - whitespace is space, tab, CR, LF; after the root only whitespace;
 *   - the whole input must be UTF-8 without NUL (jansson checks every byte
 *     it reads, and it reads to the end);
 *   - strings: no control byte below 0x20, escapes \" \\ \/ \b \f \n \r \t
 *     \uXXXX, a high surrogate only followed by an escaped low one, never
 *     a lone low surrogate, never \u0000;
 *   - numbers -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?; without '.' or
 *     an exponent an integer by strtoll (out of range: an error), else a
 *     real by strtod (overflow to infinity: an error; underflow is not);
 *   - duplicate keys replace earlier ones: we never rely on which wins.
 */
#include "ship/serve_fast.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "core/numparse.h"
#include "core/strbuf.h"

/* A JSON scalar; strings live in jp.text (offset, length, NUL after). */
enum { FV_MISSING, FV_STR, FV_INT, FV_REAL, FV_TRUE, FV_FALSE };

struct fval {
	int t;
	size_t len;
	union {
		int64_t iv;
		double d;
		size_t off;
	} u;
};

struct jp {
	const char *p, *end;
	struct strbuf text;   /* decoded strings */
	/* the grid: n rows of ns cells, row-major */
	int ns;
	size_t n, cap;
	struct fval *cells;
	size_t max_rows;
	/* schema names and their lengths, for matching keys */
	char *const *names;
	size_t *nlen;
	int hint;             /* where the next key is likely to match */
};

/* A result that is not FAST_OK or 0: fall back. */
#define NO (-1)

static void ws(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' || *j->p == '\r' || *j->p == '\t'))
		j->p++;
}

/* The next non-space byte, or -1 at the end. */
static int peek(struct jp *j)
{
	ws(j);
	return j->p < j->end ? (unsigned char)*j->p : -1;
}

/* After a member or element: 1 at the closing bracket, 0 after a comma
 * (another follows), -1 for anything else.  Consumes the character. */
static int jnext(struct jp *j, char close)
{
	int c = peek(j);
	j->p++;
	return c == close ? 1 : c == ',' ? 0 : -1;
}

static int expect(struct jp *j, char c)
{
	if (peek(j) != (unsigned char)c)
		return NO;
	j->p++;
	return 0;
}

static int hex4(const char *p, const char *end)
{
	if (end - p < 4)
		return -1;
	int v = 0;
	for (int k = 0; k < 4; k++) {
		char c = p[k];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

static void add_utf8(struct strbuf *sb, uint32_t cp)
{
	char u[4];
	size_t n;
	if (cp < 0x80) {
		u[0] = (char)cp, n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6)), u[1] = (char)(0x80 | (cp & 0x3f)), n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12)), u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f)), n = 3;
	} else {
		u[0] = (char)(0xf0 | (cp >> 18)), u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f)), u[3] = (char)(0x80 | (cp & 0x3f)), n = 4;
	}
	strbuf_add(sb, u, n);
}

/* The string at j->p (its opening quote) decoded into j->text. */
static int jstr(struct jp *j, size_t *off, size_t *len)
{
	const char *p = j->p + 1, *e = j->end;
	size_t start = j->text.len;
	for (;;) {
		const char *q = p;
		while (q < e && *q != '"' && *q != '\\' && (unsigned char)*q >= 0x20)
			q++;
		strbuf_add(&j->text, p, (size_t)(q - p));
		if (q >= e || (unsigned char)*q < 0x20)
			return NO;   /* unterminated, or a control byte */
		if (*q == '"') {
			p = q + 1;
			break;
		}
		if (++q >= e)
			return NO;
		char c = *q++;
		switch (c) {
		case '"': case '\\': case '/': strbuf_add(&j->text, &c, 1); break;
		case 'b': strbuf_add(&j->text, "\b", 1); break;
		case 'f': strbuf_add(&j->text, "\f", 1); break;
		case 'n': strbuf_add(&j->text, "\n", 1); break;
		case 'r': strbuf_add(&j->text, "\r", 1); break;
		case 't': strbuf_add(&j->text, "\t", 1); break;
		case 'u': {
			int cp = hex4(q, e);
			if (cp < 0)
				return NO;
			q += 4;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (e - q < 2 || q[0] != '\\' || q[1] != 'u')
					return NO;
				int lo = hex4(q + 2, e);
				if (lo < 0xdc00 || lo > 0xdfff)
					return NO;
				cp = ((cp - 0xd800) << 10) + (lo - 0xdc00) + 0x10000;
				q += 6;
			} else if ((cp >= 0xdc00 && cp <= 0xdfff) || cp == 0) {
				return NO;   /* a lone low surrogate; \u0000 (no JSON_ALLOW_NUL) */
			}
			add_utf8(&j->text, (uint32_t)cp);
			break;
		}
		default:
			return NO;
		}
		p = q;
	}
	*off = start;
	*len = j->text.len - start;
	strbuf_add(&j->text, "", 1);
	j->p = p;
	return 0;
}

static int isdig(const char *p, const char *e)
{
	return p < e && *p >= '0' && *p <= '9';
}

/* A real as jansson's strtod call reads it (the C locale's '.' assumed:
 * if strtod stops early, another LC_NUMERIC is in force; fall back). */
static int real_strtod(const char *s, size_t n, double *d)
{
	char buf[128];
	if (n >= sizeof(buf))
		return NO;
	memcpy(buf, s, n);
	buf[n] = 0;
	char *stop;
	errno = 0;
	double v = strtod(buf, &stop);
	if (stop != buf + n || ((v == HUGE_VAL || v == -HUGE_VAL) && errno == ERANGE))
		return NO;   /* jansson: "real number overflow" */
	*d = v;
	return 0;
}

/* The number at j->p. */
static int jnum(struct jp *j, struct fval *v)
{
	const char *s = j->p, *p = s, *e = j->end;
	int neg = p < e && *p == '-';
	p += neg;
	if (!isdig(p, e))
		return NO;
	uint64_t m = 0;
	int nd = 0;       /* digits in m, leading zeros included */
	if (*p == '0') {
		p++;
		if (isdig(p, e))
			return NO;   /* a leading zero */
		nd = 1;
	} else {
		for (; isdig(p, e); p++, nd++)
			if (nd < 19)
				m = m * 10 + (uint64_t)(*p - '0');
	}
	int intd = nd, real = 0, nfrac = 0;
	if (p < e && *p == '.') {
		if (!isdig(++p, e))
			return NO;
		for (; isdig(p, e); p++, nd++, nfrac++)
			if (nd < 19)
				m = m * 10 + (uint64_t)(*p - '0');
		real = 1;
	}
	long ex = 0;
	if (p < e && (*p == 'e' || *p == 'E')) {
		p++;
		int eneg = p < e && (*p == '-' || *p == '+') ? *p++ == '-' : 0;
		if (!isdig(p, e))
			return NO;
		for (; isdig(p, e); p++)
			if (ex < 100000)
				ex = ex * 10 + (*p - '0');
		ex = eneg ? -ex : ex;
		real = 1;
	}
	j->p = p;
	if (!real) {
		/* strtoll: the digits must fit int64 (jansson: "too big integer") */
		if (intd > 19)
			return NO;
		if (intd == 19) {
			uint64_t u = 0;
			for (const char *q = s + neg; q < p; q++) {
				uint64_t dgt = (uint64_t)(*q - '0');
				if (u > (UINT64_MAX - dgt) / 10)
					return NO;
				u = u * 10 + dgt;
			}
			m = u;
		}
		if (m > (uint64_t)INT64_MAX + (uint64_t)neg)
			return NO;
		v->t = FV_INT;
		v->u.iv = neg ? (m == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)m) : (int64_t)m;
		return 0;
	}
	v->t = FV_REAL;
#if FLT_EVAL_METHOD == 0
	/* Clinger's fast path: m and 10^k (k <= 22) are exact doubles, so one
	 * IEEE multiply or divide is the correctly rounded value, which is
	 * what glibc's strtod returns too. */
	static const double p10[23] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
					 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
					 1e20, 1e21, 1e22 };
	long e10 = ex - nfrac;
	if (nd <= 19 && m <= ((uint64_t)1 << 53) && e10 >= -22 && e10 <= 22) {
		double d = (double)m;
		d = e10 < 0 ? d / p10[-e10] : d * p10[e10];
		v->u.d = neg ? -d : d;
		return 0;
	}
#endif
	return real_strtod(s, (size_t)(p - s), &v->u.d);
}

/* The literal w (true, false, null) as a value of type t. */
static int jword(struct jp *j, const char *w, int t, struct fval *v)
{
	size_t n = strlen(w);
	if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n))
		return NO;
	j->p += n;
	v->t = t;
	return 0;
}

/* A scalar into *v (null: FV_MISSING); NO for anything else, nested
 * values included. */
static int jscalar(struct jp *j, struct fval *v)
{
	int c = peek(j);
	switch (c) {
	case '"':
		v->t = FV_STR;
		return jstr(j, &v->u.off, &v->len);
	case 't':
		return jword(j, "true", FV_TRUE, v);
	case 'f':
		return jword(j, "false", FV_FALSE, v);
	case 'n':
		return jword(j, "null", FV_MISSING, v);
	default:
		if (c == '-' || (c >= '0' && c <= '9'))
			return jnum(j, v);
		return NO;
	}
}

/* Any value, checked and dropped (an ignored column, "index", a param). */
static int jskip(struct jp *j, int depth)
{
	int c = peek(j);
	if (c != '[' && c != '{') {
		struct fval v;
		size_t mark = j->text.len;
		int rc = jscalar(j, &v);
		j->text.len = mark;
		return rc;
	}
	if (depth > 64)
		return NO;   /* jansson's limit is deeper; let it judge */
	char close = c == '[' ? ']' : '}';
	j->p++;
	if (peek(j) == (unsigned char)close) {
		j->p++;
		return 0;
	}
	for (;;) {
		if (close == '}') {
			size_t off, len, mark = j->text.len;
			if (peek(j) != '"' || jstr(j, &off, &len) < 0 || expect(j, ':') < 0)
				return NO;
			j->text.len = mark;
		}
		if (jskip(j, depth + 1) < 0)
			return NO;
		c = peek(j);
		j->p++;
		if (c == (unsigned char)close)
			return 0;
		if (c != ',')
			return NO;
	}
}

/* A key at j->p: decoded, then dropped from the text (*s stays valid until
 * the next string is decoded). */
static int jkey(struct jp *j, const char **s, size_t *len)
{
	size_t off, mark = j->text.len;
	if (peek(j) != '"' || jstr(j, &off, len) < 0 || expect(j, ':') < 0)
		return NO;
	*s = j->text.buf + off;
	j->text.len = mark;
	return 0;
}

static int key_is(const char *s, size_t len, const char *lit)
{
	size_t n = strlen(lit);
	return len == n && !memcmp(s, lit, n);
}

/* The schema column named s, or -1. */
static int schema_find(struct jp *j, const char *s, size_t len)
{
	for (int k = 0; k < j->ns; k++) {
		int c = j->hint + k < j->ns ? j->hint + k : j->hint + k - j->ns;
		if (j->nlen[c] == len && !memcmp(j->names[c], s, len)) {
			j->hint = c + 1 < j->ns ? c + 1 : 0;
			return c;
		}
	}
	return -1;
}

/* A new row, every cell missing. */
static struct fval *new_row(struct jp *j)
{
	if (j->n >= j->max_rows)
		return NULL;   /* the general path says 413 */
	if (j->n == j->cap) {
		/* from one row: a one-row grid stays a small (tcache) block */
		j->cap = j->cap ? 2 * j->cap : 1;
		j->cells = xreallocarray(j->cells, j->cap * (size_t)j->ns, sizeof(*j->cells));
	}
	struct fval *row = j->cells + j->n++ * (size_t)j->ns;
	for (int k = 0; k < j->ns; k++)
		row[k].t = FV_MISSING;
	return row;
}

/* A list of lists: value k of a row feeds schema column colmap[k] (-1:
 * ignored); every row has width values. */
static int rows_lists(struct jp *j, const int *colmap, size_t width)
{
	if (expect(j, '[') < 0)
		return NO;
	if (peek(j) == ']') {
		j->p++;
		return 0;
	}
	for (;;) {
		struct fval *row = new_row(j);
		if (!row || expect(j, '[') < 0)
			return NO;
		size_t k = 0;
		if (peek(j) == ']') {
			j->p++;
		} else {
			for (;; k++) {
				if (k >= width)
					return NO;
				if (colmap[k] >= 0 ? jscalar(j, &row[colmap[k]]) < 0 : jskip(j, 0) < 0)
					return NO;
				int more = jnext(j, ']');
				if (more < 0)
					return NO;
				if (more > 0)
					break;
			}
			k++;
		}
		if (k != width)
			return NO;
		int more = jnext(j, ']');
		if (more < 0)
			return NO;
		if (more > 0)
			return 0;
	}
}

/* A list of records {name: value}: a key seen twice in a record, a record
 * that is not an object or a schema column absent from every record are
 * for the general path. */
static int rows_records(struct jp *j)
{
	if (expect(j, '[') < 0)
		return NO;
	if (peek(j) == ']') {
		j->p++;
		return 0;
	}
	size_t *stamp = xcalloc((size_t)j->ns + 1, sizeof(size_t));  /* row + 1 where set */
	int rc = NO;
	for (;;) {
		struct fval *row = new_row(j);
		if (!row || expect(j, '{') < 0)
			goto out;
		if (peek(j) == '}') {
			j->p++;
		} else {
			for (;;) {
				const char *key;
				size_t klen;
				if (jkey(j, &key, &klen) < 0)
					goto out;
				int c = schema_find(j, key, klen);
				if (c >= 0) {
					if (stamp[c] == j->n)
						goto out;
					stamp[c] = j->n;
					if (jscalar(j, &row[c]) < 0)
						goto out;
				} else if (jskip(j, 0) < 0) {
					goto out;
				}
				int more = jnext(j, '}');
				if (more < 0)
					goto out;
				if (more > 0)
					break;
			}
		}
		int more = jnext(j, ']');
		if (more < 0)
			goto out;
		if (more > 0)
			break;
	}
	rc = 0;
	for (int c = 0; c < j->ns; c++)
		if (!stamp[c])
			rc = NO;   /* "missing column" */
out:
	free(stamp);
	return rc;
}

/* The value of a list-of-rows format: records, or (lists_ok) lists in
 * schema order, chosen by the first row as rows_any does. */
static int rows_any(struct jp *j, int lists_ok)
{
	if (peek(j) != '[')
		return NO;
	const char *save = j->p++;
	int c = peek(j);
	j->p = save;
	if (c == '{' || c == ']')
		return rows_records(j);
	if (c != '[' || !lists_ok)
		return NO;
	int *colmap = xmallocarray((size_t)j->ns, sizeof(int));
	for (int k = 0; k < j->ns; k++)
		colmap[k] = k;
	int rc = rows_lists(j, colmap, (size_t)j->ns);
	free(colmap);
	return rc;
}

/* Which value of a row feeds which schema column (-1: none): for each
 * schema column the first name equal to it, as fmt_split matches them. */
static int *split_colmap(struct jp *j, const size_t *coff, const size_t *clen, size_t width,
			 int have_cols)
{
	int *colmap = xmallocarray(width + 1, sizeof(int));
	int *done = xcalloc((size_t)j->ns, sizeof(int));
	int found = 0;
	for (size_t k = 0; k < width; k++) {
		int c = have_cols ? schema_find(j, j->text.buf + coff[k], clen[k]) : (int)k;
		colmap[k] = c >= 0 && !done[c] ? c : -1;
		if (colmap[k] >= 0)
			done[c] = 1, found++;
	}
	free(done);
	if (found < j->ns) {
		free(colmap);
		return NULL;   /* "missing column" */
	}
	return colmap;
}

/* "dataframe_split": {"columns": [...], "data": [...], ...}.  The rows are
 * read as they come when "columns" preceded "data", else after the object
 * (a second pass over "data" only then). */
static int fmt_split(struct jp *j)
{
	if (expect(j, '{') < 0 || peek(j) == '}')
		return NO;
	int rc = NO, have_cols = 0, have_data = 0;
	const char *data_at = NULL;   /* "data" not read yet */
	size_t width = (size_t)j->ns, ncap = 0;
	size_t *coff = NULL, *clen = NULL;   /* the names in "columns" */
	int *colmap = NULL;
	for (;;) {
		const char *key;
		size_t klen;
		if (jkey(j, &key, &klen) < 0)
			goto out;
		if (key_is(key, klen, "columns")) {
			if (have_cols++ || peek(j) != '[')
				goto out;
			width = 0;
			j->p++;
			if (peek(j) == ']') {
				j->p++;
			} else {
				for (;;) {
					if (width == ncap) {
						ncap = ncap ? 2 * ncap : 32;
						coff = xreallocarray(coff, ncap, sizeof(size_t));
						clen = xreallocarray(clen, ncap, sizeof(size_t));
					}
					if (peek(j) != '"' || jstr(j, &coff[width], &clen[width]) < 0)
						goto out;
					width++;
					int more = jnext(j, ']');
					if (more < 0)
						goto out;
					if (more > 0)
						break;
				}
			}
		} else if (key_is(key, klen, "data")) {
			if (have_data++)
				goto out;
			if (have_cols) {
				if (!(colmap = split_colmap(j, coff, clen, width, 1)) ||
				    rows_lists(j, colmap, width) < 0)
					goto out;
			} else {
				ws(j);
				data_at = j->p;
				if (jskip(j, 0) < 0)
					goto out;
			}
		} else if (jskip(j, 0) < 0) {
			goto out;
		}
		int more = jnext(j, '}');
		if (more < 0)
			goto out;
		if (more > 0)
			break;
	}
	if (!have_data)
		goto out;
	if (data_at) {
		if (!(colmap = split_colmap(j, coff, clen, width, have_cols)))
			goto out;
		const char *after = j->p;
		j->p = data_at;
		if (rows_lists(j, colmap, width) < 0)
			goto out;
		j->p = after;
	}
	rc = 0;
out:
	free(coff);
	free(clen);
	free(colmap);
	return rc;
}

/* ---------------------------------------------------------------- columns
 * build_column / build_text of serve_parse.c on plain values. */

static struct column *text_column(struct jp *j, int c)
{
	size_t n = j->n;
	/* Numbers and booleans become text first; the pointers come after,
	 * when the buffer no longer moves. */
	for (size_t i = 0; i < n; i++) {
		struct fval *v = &j->cells[i * (size_t)j->ns + c];
		char buf[40];
		int len;
		switch (v->t) {
		case FV_INT:
			len = snprintf(buf, sizeof(buf), "%lld", (long long)v->u.iv);
			break;
		case FV_REAL:
			len = fmt_double(v->u.d, buf, sizeof(buf));
			break;
		case FV_TRUE:
		case FV_FALSE:
			len = (int)strlen(strcpy(buf, v->t == FV_TRUE ? "true" : "false"));
			break;
		default:
			continue;
		}
		v->t = FV_STR;
		v->u.off = j->text.len;
		v->len = (size_t)len;
		strbuf_add(&j->text, buf, (size_t)len + 1);
	}
	const char **strs = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		const struct fval *v = &j->cells[i * (size_t)j->ns + c];
		if (v->t == FV_STR)
			strs[i] = j->text.buf + v->u.off;
	}
	struct column *col = column_from_strings(strs, n);
	free(strs);
	return col;
}

static struct column *value_column(struct jp *j, int c, enum col_kind kind)
{
	size_t n = j->n;
	struct column *col = column_new(kind, n);
	for (size_t i = 0; i < n; i++) {
		const struct fval *v = &j->cells[i * (size_t)j->ns + c];
		if (v->t == FV_MISSING)
			continue;
		double d = NAN;
		int64_t iv = 0;
		int is_int = 0, okv = 0;
		const char *s = v->t == FV_STR ? j->text.buf + v->u.off : NULL;
		if (v->t == FV_INT) {
			iv = v->u.iv;
			d = (double)iv;
			is_int = okv = 1;
		} else if (v->t == FV_REAL) {
			d = v->u.d;
			okv = 1;
		} else if (s && kind != COL_TIME && kind != COL_BOOL) {
			const char *stop;
			enum numparse_kind k = numparse(s, s + v->len, &iv, &d, &stop);
			okv = k != NP_NONE && stop == s + v->len;
			is_int = k == NP_INT;
		}
		switch (kind) {
		case COL_NUM:
			if (!okv)
				goto fail;
			col->num[i] = d;
			break;
		case COL_INT:
			if (okv && !is_int) {
				if (!(d == floor(d) && fabs(d) < 9.2e18))
					goto fail;
				iv = (int64_t)d;
			} else if (!okv) {
				goto fail;
			}
			col->i64[i] = iv;
			col->valid[i] = 1;
			break;
		case COL_BOOL:
			if (v->t == FV_TRUE || v->t == FV_FALSE)
				col->b[i] = v->t == FV_TRUE;
			else if (s && (!strcmp(s, "true") || !strcmp(s, "false")))
				col->b[i] = s[0] == 't';
			else if (okv && (d == 0 || d == 1))
				col->b[i] = d == 1;
			else
				goto fail;
			break;
		case COL_TIME:
			if (!s || parse_time(s, v->len, &col->i64[i]) < 0)
				goto fail;
			col->valid[i] = 1;
			break;
		default:
			goto fail;
		}
	}
	column_compact_valid(col);
	return col;
fail:
	column_unref(col);
	return NULL;
}

int serve_json_fast(const struct serve_schema *sc, const char *body, size_t len,
		    size_t max_rows, struct frame **out, int *proba)
{
	static const char *const formats[] = { "dataframe_split", "dataframe_records",
					       "instances", "inputs" };
	if (sc->n == 0 || !serve_fast_utf8((const unsigned char *)body, len))
		return FAST_NO;
	struct jp j = { .p = body, .end = body + len, .ns = sc->n, .max_rows = max_rows,
			.names = sc->names };
	j.nlen = xmallocarray((size_t)sc->n, sizeof(size_t));
	for (int c = 0; c < sc->n; c++)
		j.nlen[c] = strlen(sc->names[c]);
	int rc = FAST_NO, fmt = -1, want = 0, have_params = 0;
	struct column **cols = NULL;
	if (expect(&j, '{') < 0 || peek(&j) == '}')
		goto out;
	for (;;) {
		const char *key;
		size_t klen;
		if (jkey(&j, &key, &klen) < 0)
			goto out;
		int k;
		for (k = 0; k < 4 && !key_is(key, klen, formats[k]); k++)
			;
		if (k < 4) {
			if (fmt >= 0)
				goto out;
			fmt = k;
			int r = k == 0 ? fmt_split(&j) : rows_any(&j, k != 1);
			if (r < 0)
				goto out;
		} else if (key_is(key, klen, "params")) {
			/* {"proba": true|false|integer, anything else} */
			if (have_params++ || expect(&j, '{') < 0)
				goto out;
			int seen = 0, c = peek(&j);
			if (c == '}')
				j.p++;
			while (c != '}') {
				const char *pk;
				size_t plen;
				if (jkey(&j, &pk, &plen) < 0)
					goto out;
				if (key_is(pk, plen, "proba")) {
					struct fval v;
					size_t mark = j.text.len;
					if (seen++ || jscalar(&j, &v) < 0 ||
					    (v.t != FV_TRUE && v.t != FV_FALSE && v.t != FV_INT))
						goto out;
					j.text.len = mark;
					want = v.t == FV_TRUE || (v.t == FV_INT && v.u.iv != 0);
				} else if (jskip(&j, 0) < 0) {
					goto out;
				}
				c = peek(&j);
				j.p++;
				if (c != '}' && c != ',')
					goto out;
			}
		} else {
			goto out;   /* "unknown key" */
		}
		int c = peek(&j);
		j.p++;
		if (c == '}')
			break;
		if (c != ',')
			goto out;
	}
	if (fmt < 0 || peek(&j) != -1)
		goto out;   /* no format; text after the root */
	cols = xcalloc((size_t)sc->n, sizeof(*cols));
	for (int c = 0; c < sc->n; c++) {
		enum col_kind kind = sc->kinds[c];
		cols[c] = kind == COL_CAT || kind == COL_STR ? text_column(&j, c)
			: value_column(&j, c, kind);
		if (!cols[c])
			goto out;
	}
	*out = serve_frame_of(sc, j.n, cols);
	free(cols);
	cols = NULL;
	if (want)
		*proba = 1;
	rc = FAST_OK;
out:
	if (cols) {
		for (int c = 0; c < sc->n; c++)
			column_unref(cols[c]);
		free(cols);
	}
	free(j.nlen);
	free(j.cells);
	strbuf_release(&j.text);
	return rc;
}
