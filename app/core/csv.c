/*
 * csv — the reader (the writer is in csv_write.c).
 *
 * How a file is read, and why:
 *
 *  - Bytes arrive in windows of about 8 chunks (pread into one bounded buffer,
 *    or pointers into the caller's memory), never the whole file at once, so
 *    peak memory is the frame plus a few windows.
 *  - A window is cut into chunks at row boundaries.  Without a '"' in the
 *    window any newline is a boundary; otherwise a quote-parity scan (exact
 *    for RFC 4180, and correct up to the first malformed quote, which the
 *    chunk holding it reports) finds newlines outside quotes.
 *  - Chunks are parsed in parallel into chunk-local arrays (8-byte values +
 *    missing flags, or text cells), each chunk inferring kinds on its own.
 *  - Chunks are then merged in file order, one column per thread: kinds join
 *    in a lattice (UNK < BOOL | INT < NUM | TIME, anything else TEXT), which
 *    is associative and commutative, so the result never depends on how the
 *    file was cut or on the thread count.
 *  - A column that turns to text after some rows were already stored as
 *    numbers lost their spelling ("1.50"); a second pass re-reads only the
 *    file prefix those rows came from, for those columns.  Columns that are
 *    text from their first value (the usual categorical column) need no
 *    second pass.
 *  - The first error in file order wins, so messages do not depend on
 *    threads either.
 */
#include "core/csv.h"
#include "core/csv_int.h"
#include "core/numparse.h"
#include "core/strdict.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <omp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define NCHUNK 8                        /* chunks per window */
#define DEFAULT_CHUNK (2u << 20)        /* bytes per chunk */

const char *const csv_default_na[5] = { "", "NA", "N/A", "NaN", "null" };

int csv_is_default_na(const char *s, size_t len)
{
	for (int k = 0; k < CSV_DEFAULT_NNA; k++)
		if (strlen(csv_default_na[k]) == len && !memcmp(csv_default_na[k], s, len))
			return 1;
	return 0;
}

void csv_opts_init(struct csv_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
}

/* ---------------------------------------------------------------- types */

/* Kinds a column can be in while reading; SKIP is for the second pass. */
enum { K_UNK, K_BOOL, K_INT, K_NUM, K_TIME, K_TEXT, K_SKIP };

static int kind_join(int a, int b)
{
	if (a == b)
		return a;
	if (a == K_UNK)
		return b;
	if (b == K_UNK)
		return a;
	if ((a == K_INT && b == K_NUM) || (a == K_NUM && b == K_INT))
		return K_NUM;
	return K_TEXT;
}

struct ccol {
	int kind;
	int any_miss;
	size_t text_from;    /* kind TEXT: first chunk row held in t */
	uint64_t *v;         /* int64 or double bits; 0 when missing */
	uint8_t *miss;
	struct csv_tbuf t;
};

struct note {
	uint64_t line;       /* chunk-local, 0-based */
	int col;
	char msg[160];
};

struct chunk {
	const char *beg, *end;
	size_t rows, cap;
	uint64_t lines;      /* newlines inside the chunk */
	size_t bad;
	int nnotes;
	struct note notes[CSV_MAX_NOTES];
	int failed;
	struct note err;     /* message may be long: values are quoted */
	char errmsg[600];
	struct ccol *cols;
};

struct gcol {
	int kind;
	int forced;          /* -1 or the override's enum col_kind */
	uint64_t *v;         /* value kinds: cap entries */
	uint8_t *valid;      /* NULL: none missing (never for NUM: NaN says it) */
	struct csv_gtext main;   /* TEXT: rows [main_start, n) */
	size_t main_start;
	struct csv_gtext pre;    /* second pass: rows [0, main_start) */
};

struct natok {
	const char *s;
	size_t len;
};

struct reader {
	const char *name;
	int fd;
	const char *mem;
	uint64_t size;
	char *buf;
	size_t bufcap;

	char delim;
	int ncol;
	char **names;
	int *fkind;          /* per column: override kind or -1 */
	struct natok *na;
	int nna;
	size_t na_maxlen;
	int skip_bad;
	int nt;
	size_t chunk_bytes;
	uint8_t stop[256];
	int pass;
	uint8_t *want;       /* second pass: columns to capture */

	uint64_t data_off, header_lines;
	struct chunk chunks[NCHUNK];
	struct gcol *g;
	size_t n, cap;

	struct csv_report *rep;
	struct wb_err *err;
};

/* ---------------------------------------------------------------- helpers */

static int utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		while (i + 8 <= n) {
			uint64_t w;
			memcpy(&w, s + i, 8);
			if (w & 0x8080808080808080ULL)
				break;
			i += 8;
		}
		if (i >= n)
			break;
		unsigned c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t k;
		unsigned min;
		uint32_t cp;
		if (c >= 0xc2 && c <= 0xdf) {
			k = 1, cp = c & 0x1f, min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			k = 2, cp = c & 0x0f, min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			k = 3, cp = c & 0x07, min = 0x10000;
		} else {
			return 0;
		}
		for (size_t t = 1; t <= k; t++) {
			if (i + t >= n || (s[i + t] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + t] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += k + 1;
	}
	return 1;
}

/* A value for a message: at most 40 bytes, with "..." when cut. */
static void show(char *out, size_t size, const char *s, size_t len)
{
	size_t k = len > 40 ? 40 : len;
	if (k >= size)
		k = size - 1;
	memcpy(out, s, k);
	out[k] = '\0';
	if (k < len && size > k + 4)
		strcpy(out + k, "...");
}

static int is_na(const struct reader *r, const char *s, size_t len)
{
	if (len > r->na_maxlen)
		return 0;
	for (int k = 0; k < r->nna; k++)
		if (r->na[k].len == len && !memcmp(r->na[k].s, s, len))
			return 1;
	return 0;
}

static int parse_bool(const char *s, size_t len, int *b)
{
	if (len == 4 && (!memcmp(s, "true", 4) || !memcmp(s, "TRUE", 4) || !memcmp(s, "True", 4))) {
		*b = 1;
		return 0;
	}
	if (len == 5 && (!memcmp(s, "false", 5) || !memcmp(s, "FALSE", 5) || !memcmp(s, "False", 5))) {
		*b = 0;
		return 0;
	}
	return -1;
}

static uint64_t dbits(double d)
{
	uint64_t u;
	memcpy(&u, &d, 8);
	return u;
}

static double bitsd(uint64_t u)
{
	double d;
	memcpy(&d, &u, 8);
	return d;
}

static struct column *col_shell(enum col_kind kind, size_t n)
{
	struct column *c = xcalloc(1, sizeof(*c));
	c->refs = 1;
	c->kind = kind;
	c->n = n;
	return c;
}

/* ---------------------------------------------------------------- source */

/* Makes [off, off + want) readable; *len may be shorter at the end. */
static const char *window(struct reader *r, uint64_t off, size_t want, size_t *len, int *eof)
{
	uint64_t left = off < r->size ? r->size - off : 0;
	size_t n = left < want ? (size_t)left : want;
	*eof = n == left;
	*len = n;
	if (r->mem)
		return r->mem + off;
	if (r->bufcap < n) {
		free(r->buf);
		r->bufcap = n;
		r->buf = xmalloc(n);
	}
	size_t got = 0;
	while (got < n) {
		ssize_t k = pread(r->fd, r->buf + got, n - got, (off_t)(off + got));
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			wb_error(r->err, "cannot read '%s': %s", r->name, strerror(errno));
			return NULL;
		}
		if (k == 0) {
			wb_error(r->err, "'%s' was truncated while reading", r->name);
			return NULL;
		}
		got += (size_t)k;
	}
	return r->buf;
}

/* ---------------------------------------------------------------- records */

/* Parses one record of a small window (header, delimiter sniffing).
 * Returns the field count, 0 when the window ends inside the record, or -1
 * with a message (ecol is the 1-based field).  fields may be NULL. */
static int rec_parse(const char *w, size_t len, int eof, size_t *pos, char delim,
		     char ***fields, uint64_t *line, char *emsg, size_t esize, int *ecol)
{
	size_t p = *pos;
	int nf = 0;
	for (;;) {
		const char *fs;
		size_t flen;
		int dq = 0;
		uint64_t fline = *line;
		*ecol = nf + 1;
		if (p < len && w[p] == '"') {
			size_t q = p + 1;
			for (;;) {
				while (q < len && w[q] != '"') {
					if (w[q] == '\n')
						(*line)++;
					if (w[q] == '\0') {
						snprintf(emsg, esize, "nul byte");
						return -1;
					}
					q++;
				}
				if (q >= len) {
					if (!eof)
						return 0;
					*line = fline;
					snprintf(emsg, esize, "unterminated quote");
					return -1;
				}
				if (q + 1 < len && w[q + 1] == '"') {
					dq = 1;
					q += 2;
					continue;
				}
				if (q + 1 >= len && !eof)
					return 0;
				break;
			}
			fs = w + p + 1;
			flen = q - p - 1;
			p = q + 1;
			if (p < len && w[p] != delim && w[p] != '\n' && !(w[p] == '\r' && (p + 1 == len || w[p + 1] == '\n'))) {
				snprintf(emsg, esize, "unexpected text after closing quote");
				return -1;
			}
		} else {
			size_t q = p;
			while (q < len && w[q] != delim && w[q] != '\n' &&
			       !(w[q] == '\r' && (q + 1 == len || w[q + 1] == '\n'))) {
				if (w[q] == '"') {
					snprintf(emsg, esize, "unexpected quote in unquoted field");
					return -1;
				}
				if (w[q] == '\0') {
					snprintf(emsg, esize, "nul byte");
					return -1;
				}
				q++;
			}
			fs = w + p;
			flen = q - p;
			p = q;
		}
		if (fields) {
			if (!utf8_valid((const unsigned char *)fs, flen)) {
				snprintf(emsg, esize, "invalid utf-8");
				return -1;
			}
			char *s = xmalloc(flen + 1), *o = s;
			for (size_t i = 0; i < flen; i++) {
				*o++ = fs[i];
				if (dq && fs[i] == '"')
					i++;
			}
			*o = '\0';
			*fields = xreallocarray(*fields, (size_t)nf + 1, sizeof(char *));
			(*fields)[nf] = s;
		}
		nf++;
		if (p < len && w[p] == delim) {
			p++;
			continue;
		}
		if (p >= len || (!eof && p + 1 >= len)) {
			if (!eof)
				return 0;
			p = len;
			break;
		}
		if (w[p] == '\r')
			p++;
		p++;
		(*line)++;
		break;
	}
	*pos = p;
	return nf;
}

/* Picks the candidate giving the same field count (> 1) on every complete
 * record of the first lines; the largest count wins, then list order. */
static char detect_delim(const char *w, size_t len, int eof)
{
	static const char cands[] = { ',', '\t', ';', '|' };
	char best = 0;
	int bestn = 1, firstn = 1;
	char first = ',';
	for (int c = 0; c < 4; c++) {
		size_t pos = 0;
		uint64_t line = 0;
		int n0 = -1, consistent = 1, recs = 0, ecol;
		char emsg[64];
		while (recs < 20 && pos < len) {
			int nf = rec_parse(w, len, eof, &pos, cands[c], NULL, &line, emsg, sizeof(emsg), &ecol);
			if (nf < 0) {
				consistent = 0;
				break;
			}
			if (nf == 0)
				break;
			if (n0 < 0)
				n0 = nf;
			else if (nf != n0 && !(nf == 1 && pos >= len))
				consistent = 0;
			recs++;
		}
		if (n0 > firstn) {
			firstn = n0;
			first = cands[c];
		}
		if (consistent && n0 > bestn) {
			bestn = n0;
			best = cands[c];
		}
	}
	return best ? best : first;
}

/* ---------------------------------------------------------------- chunks */

static int chunk_fail(struct chunk *ck, uint64_t line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int chunk_fail(struct chunk *ck, uint64_t line, int col, const char *fmt, ...)
{
	va_list ap;
	ck->failed = 1;
	ck->err.line = line;
	ck->err.col = col;
	va_start(ap, fmt);
	vsnprintf(ck->errmsg, sizeof(ck->errmsg), fmt, ap);
	va_end(ap);
	return -1;
}

static void chunk_grow(const struct reader *r, struct chunk *ck)
{
	size_t cap = ck->cap ? 2 * ck->cap : r->chunk_bytes / 32 + 64;
	for (int j = 0; j < r->ncol; j++) {
		ck->cols[j].v = xreallocarray(ck->cols[j].v, cap, sizeof(uint64_t));
		ck->cols[j].miss = xrealloc(ck->cols[j].miss, cap);
	}
	ck->cap = cap;
}

static int text_put(const struct reader *r, struct chunk *ck, struct ccol *c, int j,
		    const char *s, size_t len, int miss, int dq, uint64_t fline)
{
	if (!miss && r->pass == 1 && !utf8_valid((const unsigned char *)s, len))
		return chunk_fail(ck, fline, j + 1, "invalid utf-8");
	csv_tbuf_put(&c->t, s, len, miss, dq);
	return 0;
}

/* Stores field j of chunk row `row` (generic path: quoted, text, missing,
 * kind changes, overrides). */
static int put_field(const struct reader *r, struct chunk *ck, int j, size_t row,
		     const char *s, size_t len, int quoted, int dq, uint64_t fline)
{
	struct ccol *c = &ck->cols[j];
	int miss = !quoted && is_na(r, s, len);
	char shown[64];

	if (c->kind == K_SKIP)
		return 0;
	if (c->kind == K_TEXT)
		return text_put(r, ck, c, j, s, len, miss, dq, fline);
	if (miss) {
		c->v[row] = 0;
		c->miss[row] = 1;
		c->any_miss = 1;
		return 0;
	}
	c->miss[row] = 0;
	if (dq) {
		/* a doubled quote can only be text: it is no number, bool or time */
		if (r->fkind[j] >= 0) {
			show(shown, sizeof(shown), s, len);
			return chunk_fail(ck, fline, j + 1, "cannot read '%s' as %s (column '%s')",
					  shown, col_kind_name((enum col_kind)r->fkind[j]), r->names[j]);
		}
		goto to_text;
	}

	int64_t iv = 0, tv;
	double dv = 0;
	const char *stop;
	int bv = 0, vk;
	enum numparse_kind nk = numparse(s, s + len, &iv, &dv, &stop);
	if (nk != NP_NONE && stop == s + len)
		vk = nk == NP_INT ? K_INT : K_NUM;
	else if (parse_bool(s, len, &bv) == 0)
		vk = K_BOOL;
	else if (len >= 10 && parse_time(s, len, &tv) == 0)
		vk = K_TIME;
	else
		vk = K_TEXT;

	if (r->fkind[j] >= 0) {
		int ok = vk == c->kind || (c->kind == K_NUM && vk == K_INT);
		if (!ok) {
			show(shown, sizeof(shown), s, len);
			if (c->kind == K_INT && nk == NP_BIGINT && stop == s + len)
				return chunk_fail(ck, fline, j + 1, "value '%s' out of range for int column '%s'",
						  shown, r->names[j]);
			return chunk_fail(ck, fline, j + 1, "cannot read '%s' as %s (column '%s')",
					  shown, col_kind_name((enum col_kind)r->fkind[j]), r->names[j]);
		}
		vk = c->kind;
	} else {
		int k = kind_join(c->kind, vk);
		if (k == K_TEXT)
			goto to_text;
		if (c->kind == K_INT && k == K_NUM) {
			for (size_t i = 0; i < row; i++)
				if (!c->miss[i])
					c->v[i] = dbits((double)(int64_t)c->v[i]);
		}
		c->kind = k;
		vk = k;
	}
	switch (vk) {
	case K_NUM:
		c->v[row] = dbits(dv);
		break;
	case K_INT:
		c->v[row] = (uint64_t)iv;
		break;
	case K_BOOL:
		c->v[row] = (uint64_t)bv;
		break;
	case K_TIME:
		c->v[row] = (uint64_t)tv;
		break;
	}
	return 0;

to_text:
	/* Rows before this one were all missing (UNK): keep them as missing
	 * text, so the column needs no second pass. */
	if (c->kind == K_UNK) {
		for (size_t i = 0; i < row; i++)
			csv_tbuf_put(&c->t, "", 0, 1, 0);
		c->text_from = 0;
	} else {
		c->text_from = row;
	}
	c->kind = K_TEXT;
	return text_put(r, ck, c, j, s, len, miss, dq, fline);
}

/* Counts the fields of the row at p (skip_bad_rows pre-check); -1 when a
 * quote is left open, which the real parse then reports. */
static int count_fields(const struct reader *r, const char *p, const char *end,
			const char **row_end, uint64_t *nl)
{
	int nf = 1, inq = 0;
	uint64_t lines = 0;
	for (; p < end; p++) {
		char c = *p;
		if (c == '"') {
			inq = !inq;
		} else if (c == '\n') {
			lines++;
			if (!inq) {
				p++;
				break;
			}
		} else if (c == r->delim && !inq) {
			nf++;
		}
	}
	*row_end = p;
	*nl = lines;
	return inq ? -1 : nf;
}

static void chunk_reset(const struct reader *r, struct chunk *ck)
{
	ck->rows = ck->lines = ck->bad = 0;
	ck->nnotes = ck->failed = 0;
	for (int j = 0; j < r->ncol; j++) {
		struct ccol *c = &ck->cols[j];
		if (r->pass == 2)
			c->kind = r->want[j] ? K_TEXT : K_SKIP;
		else if (r->g[j].kind == K_TEXT)
			c->kind = K_TEXT;
		else
			c->kind = r->fkind[j] >= 0 ? r->g[j].kind : K_UNK;
		c->any_miss = 0;
		c->text_from = 0;
		csv_tbuf_clear(&c->t);
	}
}

/* The hot loop: one chunk of complete rows. */
static int chunk_parse(const struct reader *r, struct chunk *ck)
{
	const char *p = ck->beg, *end = ck->end;
	const char delim = r->delim;
	const int ncol = r->ncol;
	uint64_t line = 0;

	chunk_reset(r, ck);
	while (p < end) {
		uint64_t row_line = line;
		if (ncol > 1 && (*p == '\n' || (*p == '\r' && p + 1 < end && p[1] == '\n'))) {
			p += *p == '\r' ? 2 : 1;
			line++;
			continue;
		}
		if (r->skip_bad) {
			const char *re;
			uint64_t nl;
			int nf = count_fields(r, p, end, &re, &nl);
			if (nf >= 0 && nf != ncol) {
				if (ck->nnotes < CSV_MAX_NOTES) {
					struct note *nt = &ck->notes[ck->nnotes++];
					nt->line = row_line;
					nt->col = (nf < ncol ? nf : ncol) + 1;
					snprintf(nt->msg, sizeof(nt->msg), "expected %d fields, found %d", ncol, nf);
				}
				ck->bad++;
				line += nl;
				p = re;
				continue;
			}
		}
		if (ck->rows == ck->cap)
			chunk_grow(r, ck);
		size_t row = ck->rows;
		int j = 0;
		for (;;) {
			uint64_t fline = line;
			if (j < ncol) {
				struct ccol *c = &ck->cols[j];
				int k = c->kind;
				if ((k == K_UNK || k == K_INT || k == K_NUM) && p < end && *p != '"') {
					int64_t iv = 0;
					double dv = 0;
					const char *st;
					enum numparse_kind nk = numparse(p, end, &iv, &dv, &st);
					if (nk != NP_NONE && (st == end || *st == delim || *st == '\n' ||
							      (*st == '\r' && (st + 1 == end || st[1] == '\n')))) {
						if (nk == NP_INT && k != K_NUM) {
							c->v[row] = (uint64_t)iv;
							c->miss[row] = 0;
							c->kind = K_INT;
							p = st;
							goto next;
						}
						if (k == K_NUM && nk != NP_BIGINT) {
							c->v[row] = dbits(dv);
							c->miss[row] = 0;
							p = st;
							goto next;
						}
					}
				}
			}
			const char *fs;
			size_t flen;
			int quoted = 0, dq = 0;
			if (p < end && *p == '"') {
				const char *q = p + 1;
				for (;;) {
					while (q < end && *q != '"') {
						if (*q == '\n')
							line++;
						else if (*q == '\0')
							return chunk_fail(ck, line, j + 1, "nul byte");
						q++;
					}
					if (q >= end)
						return chunk_fail(ck, fline, j + 1,
								  "unterminated quote (the quoted field starts here)");
					if (q + 1 < end && q[1] == '"') {
						dq = 1;
						q += 2;
						continue;
					}
					break;
				}
				fs = p + 1;
				flen = (size_t)(q - fs);
				quoted = 1;
				p = q + 1;
				if (p < end && *p != delim && *p != '\n' && !(*p == '\r' && (p + 1 == end || p[1] == '\n')))
					return chunk_fail(ck, line, j + 1,
							  "unexpected text after closing quote (expected '%s' or end of line)",
							  delim == '\t' ? "\\t" : (char[]){ delim, 0 });
			} else {
				const char *q = p;
				for (;;) {
					while (q < end && !r->stop[(uint8_t)*q])
						q++;
					if (q >= end || *q == delim || *q == '\n')
						break;
					if (*q == '\r') {
						if (q + 1 == end || q[1] == '\n')
							break;
						q++;
						continue;
					}
					if (*q == '"')
						return chunk_fail(ck, line, j + 1,
								  "unexpected quote in unquoted field (quote the whole field and double the quote)");
					return chunk_fail(ck, line, j + 1, "nul byte");
				}
				fs = p;
				flen = (size_t)(q - p);
				p = q;
			}
			if (j < ncol && put_field(r, ck, j, row, fs, flen, quoted, dq, fline) < 0)
				return -1;
next:
			j++;
			if (p < end && *p == delim) {
				p++;
				continue;
			}
			if (p < end) {
				if (*p == '\r')
					p++;
				if (p < end)
					p++;
				line++;
			}
			break;
		}
		if (j != ncol)
			return chunk_fail(ck, row_line, (j < ncol ? j : ncol) + 1,
					  "expected %d fields, found %d", ncol, j);
		ck->rows++;
	}
	ck->lines = line;
	return 0;
}

/* ---------------------------------------------------------------- windows */

/* The first row boundary (index after a '\n' outside quotes) at or after
 * target, or 0; *last gets the last boundary seen in [pos, len) (or 0). */
static size_t scan_boundary(const char *w, size_t pos, size_t len, size_t target,
			    int quotes, size_t *last)
{
	*last = 0;
	if (!quotes) {
		if (target < len) {
			const char *nl = memchr(w + target, '\n', len - target);
			if (nl)
				return (size_t)(nl - w) + 1;
		}
		const char *nl = memrchr(w + pos, '\n', len - pos);
		if (nl)
			*last = (size_t)(nl - w) + 1;
		return 0;
	}
	size_t i = pos;
	while (i < len) {
		const char *q = memchr(w + i, '"', len - i);
		size_t qe = q ? (size_t)(q - w) : len;
		if (qe > i) {
			size_t from = target > i ? target : i;
			if (from < qe) {
				const char *nl = memchr(w + from, '\n', qe - from);
				if (nl)
					return (size_t)(nl - w) + 1;
			}
			const char *nl = memrchr(w + i, '\n', qe - i);
			if (nl)
				*last = (size_t)(nl - w) + 1;
		}
		if (!q)
			break;
		const char *cq = memchr(w + qe + 1, '"', len - qe - 1);
		if (!cq)
			break;
		i = (size_t)(cq - w) + 1;
	}
	return 0;
}

/* Cuts a window into chunks of complete rows; returns the bytes used. */
static size_t plan_window(struct reader *r, const char *w, size_t len, int eof, int *nch)
{
	int quotes = memchr(w, '"', len) != NULL;
	size_t pos = 0;
	int n = 0;
	while (n < NCHUNK && pos < len) {
		size_t last, target = pos + r->chunk_bytes;
		size_t b = scan_boundary(w, pos, len, target, quotes, &last);
		size_t e;
		if (b)
			e = b;
		else if (eof)
			e = len;
		else if (last)
			e = last;
		else
			break;
		r->chunks[n].beg = w + pos;
		r->chunks[n].end = w + e;
		n++;
		pos = e;
		if (!b)
			break;
	}
	*nch = n;
	return pos;
}

/* ---------------------------------------------------------------- merge */

static void gcol_convert(struct gcol *g, int nk, size_t base)
{
	if (nk == K_NUM) {
		for (size_t i = 0; i < base; i++) {
			if (g->kind == K_UNK || (g->valid && !g->valid[i]))
				g->v[i] = dbits(NAN);
			else
				g->v[i] = dbits((double)(int64_t)g->v[i]);
		}
		free(g->valid);
		g->valid = NULL;
	}
	g->kind = nk;
}

static void merge_text(struct reader *r, struct gcol *g, struct ccol *c, size_t base, size_t rows)
{
	if (g->kind != K_TEXT) {
		csv_gtext_release(&g->main);
		if (g->kind == K_UNK) {
			for (size_t i = 0; i < base; i++)
				csv_gtext_put(&g->main, "", 0, 1);
			g->main_start = 0;
		} else {
			g->main_start = base;
		}
		free(g->v);
		free(g->valid);
		g->v = NULL;
		g->valid = NULL;
		g->kind = K_TEXT;
	}
	if (c->kind == K_TEXT) {
		if (c->text_from > 0) {
			csv_gtext_release(&g->main);
			g->main_start = base + c->text_from;
		}
		for (size_t i = 0; i < c->t.ncell; i++)
			csv_gtext_put(&g->main, c->t.bytes + c->t.offs[i],
				  c->t.offs[i + 1] - c->t.offs[i] - 1, c->t.miss[i]);
	} else if (c->kind == K_UNK) {
		for (size_t i = 0; i < rows; i++)
			csv_gtext_put(&g->main, "", 0, 1);
	} else {
		csv_gtext_release(&g->main);
		g->main_start = base + rows;
	}
	(void)r;
}

static void merge_values(struct reader *r, struct gcol *g, struct ccol *c, size_t base, size_t rows)
{
	int nk = kind_join(g->kind, c->kind);
	if (nk != g->kind)
		gcol_convert(g, nk, base);
	if (nk == K_NUM) {
		double *dst = (double *)(void *)(g->v + base);
		if (c->kind == K_NUM && !c->any_miss) {
			memcpy(dst, c->v, rows * 8);
		} else if (c->kind == K_NUM) {
			/* branch-free so it vectorizes: missing slots hold 0 */
			const uint64_t nan = dbits(NAN);
			uint64_t *o = g->v + base;
			for (size_t i = 0; i < rows; i++)
				o[i] = c->miss[i] ? nan : c->v[i];
		} else {
			for (size_t i = 0; i < rows; i++)
				dst[i] = c->miss[i] ? NAN :
					 c->kind == K_INT ? (double)(int64_t)c->v[i] : bitsd(c->v[i]);
		}
		return;
	}
	memcpy(g->v + base, c->v, rows * 8);
	if (c->any_miss) {
		if (!g->valid) {
			g->valid = xmalloc(r->cap ? r->cap : 1);
			memset(g->valid, 1, base);
		}
		for (size_t i = 0; i < rows; i++)
			g->valid[base + i] = !c->miss[i];
	} else if (g->valid) {
		memset(g->valid + base, 1, rows);
	}
}

/* The frame's arrays are written once, page by page; with 4 KB pages the
 * first-touch faults cost as much as the parsing (about 60,000 faults per
 * 232 MB in a VM), so ask for huge pages where the kernel allows it. */
static void advise_huge(void *p, size_t bytes)
{
#ifdef MADV_HUGEPAGE
	const uintptr_t huge = (uintptr_t)2 << 20;
	uintptr_t lo = ((uintptr_t)p + huge - 1) & ~(huge - 1);
	uintptr_t hi = ((uintptr_t)p + bytes) & ~(huge - 1);
	if (bytes >= huge && hi > lo)
		madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#else
	(void)p;
	(void)bytes;
#endif
}

static void reserve_rows(struct reader *r, size_t need, uint64_t used)
{
	if (need <= r->cap)
		return;
	size_t cap = r->cap + r->cap / 2;
	if (r->cap == 0 && used > 0) {
		/* First window: guess the total from its row density.  Untouched
		 * capacity costs address space, not resident memory. */
		double est = (double)need * (double)(r->size - r->data_off) / (double)used;
		cap = (size_t)(est * 1.02) + 64;
	}
	if (cap < need)
		cap = need;
	for (int j = 0; j < r->ncol; j++) {
		struct gcol *g = &r->g[j];
		if (g->kind != K_TEXT) {
			g->v = xreallocarray(g->v, cap, sizeof(uint64_t));
			advise_huge(g->v, cap * sizeof(uint64_t));
		}
		if (g->valid)
			g->valid = xrealloc(g->valid, cap);
	}
	r->cap = cap;
}

/* Reports the first failed chunk, or collects notes; advances lines. */
static int window_errors(struct reader *r, int nch, uint64_t *line_base, size_t *bad)
{
	for (int k = 0; k < nch; k++) {
		struct chunk *ck = &r->chunks[k];
		if (ck->failed)
			return wb_error(r->err, "%s:%" PRIu64 ":%d: %s", r->name,
					*line_base + ck->err.line + 1, ck->err.col, ck->errmsg);
		if (r->pass == 1) {
			*bad += ck->bad;
			for (int t = 0; t < ck->nnotes && r->rep && r->rep->nnotes < CSV_MAX_NOTES; t++)
				snprintf(r->rep->notes[r->rep->nnotes++], sizeof(r->rep->notes[0]),
					 "%s:%" PRIu64 ":%d: %s", r->name,
					 *line_base + ck->notes[t].line + 1, ck->notes[t].col, ck->notes[t].msg);
		}
		*line_base += ck->lines;
	}
	return 0;
}

static void parse_window(struct reader *r, int nch)
{
#pragma omp parallel for schedule(dynamic, 1) num_threads(r->nt)
	for (int k = 0; k < nch; k++)
		chunk_parse(r, &r->chunks[k]);
}

/* Pass 1: every row, every column. */
static int pass_one(struct reader *r, size_t *bad)
{
	uint64_t off = r->data_off, line_base = r->header_lines;
	size_t want = NCHUNK * r->chunk_bytes;
	r->pass = 1;
	while (off < r->size) {
		size_t len, used;
		int eof, nch;
		const char *w = window(r, off, want, &len, &eof);
		if (!w)
			return -1;
		used = plan_window(r, w, len, eof, &nch);
		if (nch == 0) {
			want *= 2;   /* one row longer than the window */
			continue;
		}
		parse_window(r, nch);
		if (window_errors(r, nch, &line_base, bad) < 0)
			return -1;
		size_t add = 0;
		for (int k = 0; k < nch; k++)
			add += r->chunks[k].rows;
		reserve_rows(r, r->n + add, off + used - r->data_off);
		size_t n0 = r->n;
#pragma omp parallel for schedule(dynamic, 1) num_threads(r->nt)
		for (int j = 0; j < r->ncol; j++) {
			size_t base = n0;
			for (int k = 0; k < nch; k++) {
				struct ccol *c = &r->chunks[k].cols[j];
				struct gcol *g = &r->g[j];
				size_t rows = r->chunks[k].rows;
				if (rows == 0)
					continue;
				if (g->kind == K_TEXT || c->kind == K_TEXT || kind_join(g->kind, c->kind) == K_TEXT)
					merge_text(r, g, c, base, rows);
				else
					merge_values(r, g, c, base, rows);
				base += rows;
			}
		}
		r->n += add;
		off += used;
		want = NCHUNK * r->chunk_bytes;
	}
	return 0;
}

/* Pass 2: the text of columns that turned to text after rows had been
 * stored as values, for the rows [0, main_start) they need. */
static int pass_two(struct reader *r)
{
	size_t need = 0;
	int any = 0;
	r->want = xcalloc((size_t)r->ncol, 1);
	for (int j = 0; j < r->ncol; j++) {
		struct gcol *g = &r->g[j];
		if (g->kind == K_TEXT && g->main_start > 0) {
			r->want[j] = 1;
			any = 1;
			if (g->main_start > need)
				need = g->main_start;
			csv_gtext_init(&g->pre, g->forced);
		}
	}
	if (!any)
		return 0;
	r->pass = 2;
	uint64_t off = r->data_off, line_base = r->header_lines;
	size_t want = NCHUNK * r->chunk_bytes, n = 0, bad = 0;
	while (off < r->size && n < need) {
		size_t len, used;
		int eof, nch;
		const char *w = window(r, off, want, &len, &eof);
		if (!w)
			return -1;
		used = plan_window(r, w, len, eof, &nch);
		if (nch == 0) {
			want *= 2;
			continue;
		}
		parse_window(r, nch);
		if (window_errors(r, nch, &line_base, &bad) < 0)
			return -1;
		size_t add = 0;
		for (int k = 0; k < nch; k++)
			add += r->chunks[k].rows;
#pragma omp parallel for schedule(dynamic, 1) num_threads(r->nt)
		for (int j = 0; j < r->ncol; j++) {
			if (!r->want[j])
				continue;
			struct gcol *g = &r->g[j];
			size_t row = n;
			for (int k = 0; k < nch; k++) {
				struct csv_tbuf *t = &r->chunks[k].cols[j].t;
				for (size_t i = 0; i < t->ncell && row < g->main_start; i++, row++)
					csv_gtext_put(&g->pre, t->bytes + t->offs[i],
						  t->offs[i + 1] - t->offs[i] - 1, t->miss[i]);
			}
		}
		n += add;
		off += used;
		want = NCHUNK * r->chunk_bytes;
	}
	for (int j = 0; j < r->ncol; j++) {
		struct gcol *g = &r->g[j];
		if (!r->want[j])
			continue;
		if (g->pre.n != g->main_start)
			return wb_error(r->err, "'%s' changed while it was being read", r->name);
		for (size_t i = 0; i < g->main.n; i++) {
			const char *s;
			size_t len;
			int miss;
			csv_gtext_get(&g->main, i, &s, &len, &miss);
			csv_gtext_put(&g->pre, s, len, miss);
		}
		csv_gtext_release(&g->main);
		g->main = g->pre;
		csv_gtext_init(&g->pre, g->forced);
		g->main_start = 0;
	}
	return 0;
}

/* ---------------------------------------------------------------- header */

/* Empty names become column_<j>; a repeated name x becomes x_2, x_3, ...
 * skipping any name the header already has. */
static void header_names(struct reader *r, char **fields, int nf)
{
	struct strdict orig, used;
	strdict_init(&orig);
	strdict_init(&used);
	for (int j = 0; j < nf; j++)
		strdict_intern(&orig, fields[j], strlen(fields[j]));
	r->names = xcalloc((size_t)nf, sizeof(char *));
	for (int j = 0; j < nf; j++) {
		char *name = fields[j][0] ? xstrdup(fields[j]) : xasprintf("column_%d", j + 1);
		int renamed = !fields[j][0];
		if (strdict_find(&used, name, strlen(name)) >= 0 ||
		    (renamed && strdict_find(&orig, name, strlen(name)) >= 0)) {
			for (int k = 2;; k++) {
				char *cand = xasprintf("%s_%d", name, k);
				if (strdict_find(&used, cand, strlen(cand)) < 0 &&
				    strdict_find(&orig, cand, strlen(cand)) < 0) {
					free(name);
					name = cand;
					break;
				}
				free(cand);
			}
			renamed = 2;
		}
		if (renamed && r->rep && r->rep->nnotes < CSV_MAX_NOTES) {
			char shown[64];
			show(shown, sizeof(shown), fields[j], strlen(fields[j]));
			if (!fields[j][0])
				snprintf(r->rep->notes[r->rep->nnotes++], sizeof(r->rep->notes[0]),
					 "%s:1:%d: empty column name, named '%s'", r->name, j + 1, name);
			else
				snprintf(r->rep->notes[r->rep->nnotes++], sizeof(r->rep->notes[0]),
					 "%s:1:%d: duplicate column name '%s', renamed '%s'", r->name, j + 1, shown, name);
		}
		strdict_intern(&used, name, strlen(name));
		r->names[j] = name;
	}
	strdict_release(&orig);
	strdict_release(&used);
}

static int read_header(struct reader *r, const struct csv_opts *opts)
{
	uint64_t start = 0;
	size_t want = 1 << 20;
	const char *w;
	size_t len;
	int eof;

	if (r->size == 0)
		return wb_error(r->err, "'%s' is empty", r->name);
	w = window(r, 0, 3, &len, &eof);
	if (!w)
		return -1;
	if (len >= 3 && !memcmp(w, "\xef\xbb\xbf", 3))
		start = 3;
	if (r->size <= start)
		return wb_error(r->err, "'%s' is empty", r->name);
	for (;;) {
		w = window(r, start, want, &len, &eof);
		if (!w)
			return -1;
		r->delim = opts->delim ? opts->delim : detect_delim(w, len, eof);
		char **fields = NULL, emsg[128];
		size_t pos = 0;
		uint64_t line = 0;
		int ecol;
		int nf = rec_parse(w, len, eof, &pos, r->delim, &fields, &line, emsg, sizeof(emsg), &ecol);
		if (nf == 0) {
			want *= 2;
			continue;
		}
		if (nf < 0) {
			for (int j = 0; j < ecol - 1; j++)
				free(fields[j]);
			free(fields);
			return wb_error(r->err, "%s:%" PRIu64 ":%d: %s in the header", r->name, line + 1, ecol, emsg);
		}
		if (nf == 1 && !fields[0][0]) {
			free(fields[0]);
			free(fields);
			return wb_error(r->err, "%s:1:1: the header line is empty", r->name);
		}
		header_names(r, fields, nf);
		for (int j = 0; j < nf; j++)
			free(fields[j]);
		free(fields);
		r->ncol = nf;
		r->data_off = start + pos;
		r->header_lines = line;
		return 0;
	}
}

/* ---------------------------------------------------------------- main */

static struct column *finish_col(struct reader *r, int j)
{
	struct gcol *g = &r->g[j];
	size_t n = r->n;
	struct column *c;

	switch (g->kind) {
	case K_TEXT:
		return csv_gtext_finish(&g->main);
	case K_UNK:
		for (size_t i = 0; i < n; i++)
			g->v[i] = dbits(NAN);
		/* fall through */
	case K_NUM:
		c = col_shell(COL_NUM, n);
		c->num = xrealloc(g->v, n * 8);
		g->v = NULL;
		free(g->valid);
		g->valid = NULL;
		return c;
	case K_INT:
	case K_TIME:
		c = col_shell(g->kind == K_INT ? COL_INT : COL_TIME, n);
		c->i64 = xrealloc(g->v, n * 8);
		c->valid = g->valid ? xrealloc(g->valid, n) : NULL;
		g->v = NULL;
		g->valid = NULL;
		column_compact_valid(c);
		return c;
	case K_BOOL:
		c = col_shell(COL_BOOL, n);
		c->b = xmalloc(n ? n : 1);
		for (size_t i = 0; i < n; i++)
			c->b[i] = g->valid && !g->valid[i] ? -1 : (int8_t)g->v[i];
		return c;
	}
	WB_BUG("bad csv kind %d", g->kind);
}

static void reader_release(struct reader *r)
{
	for (int k = 0; k < NCHUNK; k++) {
		struct chunk *ck = &r->chunks[k];
		if (!ck->cols)
			continue;
		for (int j = 0; j < r->ncol; j++) {
			free(ck->cols[j].v);
			free(ck->cols[j].miss);
			csv_tbuf_free(&ck->cols[j].t);
		}
		free(ck->cols);
	}
	if (r->g) {
		for (int j = 0; j < r->ncol; j++) {
			free(r->g[j].v);
			free(r->g[j].valid);
			csv_gtext_release(&r->g[j].main);
			csv_gtext_release(&r->g[j].pre);
		}
		free(r->g);
	}
	if (r->names)
		for (int j = 0; j < r->ncol; j++)
			free(r->names[j]);
	free(r->names);
	free(r->fkind);
	free(r->na);
	free(r->want);
	free(r->buf);
}

static int setup(struct reader *r, const struct csv_opts *opts)
{
	const char *const *na = opts->na_tokens ? opts->na_tokens : csv_default_na;
	r->nna = opts->na_tokens ? opts->n_na : CSV_DEFAULT_NNA;
	r->na = xcalloc((size_t)r->nna + 1, sizeof(*r->na));
	for (int k = 0; k < r->nna; k++) {
		r->na[k].s = na[k];
		r->na[k].len = strlen(na[k]);
		if (r->na[k].len > r->na_maxlen)
			r->na_maxlen = r->na[k].len;
	}
	r->skip_bad = opts->skip_bad_rows;
	r->nt = opts->threads > 0 ? opts->threads : omp_get_max_threads();
	r->chunk_bytes = opts->chunk_bytes ? opts->chunk_bytes : DEFAULT_CHUNK;
	if (read_header(r, opts) < 0)
		return -1;
	r->stop[(uint8_t)r->delim] = r->stop['\n'] = r->stop['\r'] = r->stop['"'] = r->stop[0] = 1;
	r->fkind = xmallocarray((size_t)r->ncol, sizeof(int));
	r->g = xcalloc((size_t)r->ncol, sizeof(*r->g));
	for (int j = 0; j < r->ncol; j++)
		r->fkind[j] = -1;
	for (int t = 0; t < opts->ntypes; t++) {
		int j;
		for (j = 0; j < r->ncol; j++)
			if (!strcmp(r->names[j], opts->types[t].name))
				break;
		if (j == r->ncol)
			return wb_error(r->err, "%s: type override for unknown column '%s'", r->name,
					opts->types[t].name);
		r->fkind[j] = (int)opts->types[t].kind;
	}
	for (int j = 0; j < r->ncol; j++) {
		static const int map[COL_NKINDS] = {
			[COL_NUM] = K_NUM, [COL_INT] = K_INT, [COL_CAT] = K_TEXT,
			[COL_STR] = K_TEXT, [COL_BOOL] = K_BOOL, [COL_TIME] = K_TIME,
		};
		struct gcol *g = &r->g[j];
		g->forced = r->fkind[j];
		g->kind = g->forced >= 0 ? map[g->forced] : K_UNK;
		csv_gtext_init(&g->main, g->forced);
		csv_gtext_init(&g->pre, g->forced);
	}
	for (int k = 0; k < NCHUNK; k++)
		r->chunks[k].cols = xcalloc((size_t)r->ncol, sizeof(struct ccol));
	return 0;
}

static struct frame *read_any(struct reader *r, const struct csv_opts *opts,
			      struct csv_report *rep, struct wb_err *err)
{
	struct csv_opts defaults;
	size_t bad = 0;
	struct frame *f = NULL;

	if (!opts) {
		csv_opts_init(&defaults);
		opts = &defaults;
	}
	r->rep = rep;
	r->err = err;
	if (rep)
		memset(rep, 0, sizeof(*rep));
	if (setup(r, opts) < 0 || pass_one(r, &bad) < 0 || pass_two(r) < 0)
		goto out;
	f = frame_new(r->n);
	for (int j = 0; j < r->ncol; j++)
		if (frame_add(f, r->names[j], finish_col(r, j), err) < 0)
			WB_BUG("csv built a bad frame: %s", err ? err->msg : "");
	frame_seal_content(f);
	if (rep) {
		rep->rows = r->n;
		rep->bad_rows = bad;
		rep->delim = r->delim;
	}
out:
	reader_release(r);
	return f;
}

struct frame *csv_read_mem(const char *name, const char *data, size_t len,
			   const struct csv_opts *opts, struct csv_report *rep,
			   struct wb_err *err)
{
	struct reader r;
	memset(&r, 0, sizeof(r));
	r.name = name;
	r.fd = -1;
	r.mem = data ? data : "";
	r.size = len;
	return read_any(&r, opts, rep, err);
}

struct frame *csv_read(const char *path, const struct csv_opts *opts,
		       struct csv_report *rep, struct wb_err *err)
{
	struct reader r;
	struct stat st;
	struct frame *f;

	memset(&r, 0, sizeof(r));
	r.name = path;
	r.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r.fd < 0) {
		wb_error(err, "cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(r.fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		int e = errno;
		wb_error(err, "cannot read '%s': %s", path,
			 fstat(r.fd, &st) < 0 ? strerror(e) :
			 S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file");
		close(r.fd);
		return NULL;
	}
	r.size = (uint64_t)st.st_size;
	posix_fadvise(r.fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	f = read_any(&r, opts, rep, err);
	close(r.fd);
	return f;
}
