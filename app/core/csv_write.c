/*
 * csv_write — a frame back to delimited text, in a form csv_read turns back
 * into the same frame (same kinds, same values, same content hash):
 *
 *  - numbers use fmt_double (shortest text that reads back exactly); an
 *    integral double gets ".0" so a num column never reads back as int;
 *  - text is quoted when it holds the delimiter, a quote, CR or LF, starts
 *    or ends with a space or tab, is empty, or equals a default missing
 *    token ("NA"): the reader never treats a quoted field as missing;
 *  - missing values are empty fields.
 *
 * Rows are formatted in parallel blocks and written in order, to a
 * temporary file in the target's directory that is renamed at the end.
 */
#include "core/csv.h"
#include "core/outfile.h"
#include "core/csv_int.h"

#include <errno.h>
#include <inttypes.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BLOCK_ROWS 8192

struct sbuf {
	char *s;
	size_t len, cap;
};

static void sb_grow(struct sbuf *b, size_t more)
{
	if (b->len + more <= b->cap)
		return;
	b->cap = b->cap ? 2 * b->cap : 65536;
	if (b->cap < b->len + more)
		b->cap = b->len + more;
	b->s = xrealloc(b->s, b->cap);
}

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
	sb_grow(b, n);
	memcpy(b->s + b->len, s, n);
	b->len += n;
}

static void sb_addc(struct sbuf *b, char c)
{
	sb_grow(b, 1);
	b->s[b->len++] = c;
}

static int needs_quote(const char *s, size_t len, char delim)
{
	if (len == 0 || csv_is_default_na(s, len))
		return 1;
	if (s[0] == ' ' || s[0] == '\t' || s[len - 1] == ' ' || s[len - 1] == '\t')
		return 1;
	for (size_t i = 0; i < len; i++)
		if (s[i] == delim || s[i] == '"' || s[i] == '\n' || s[i] == '\r')
			return 1;
	return 0;
}

static void put_text(struct sbuf *b, const char *s, size_t len, char delim)
{
	if (!needs_quote(s, len, delim)) {
		sb_add(b, s, len);
		return;
	}
	sb_grow(b, 2 * len + 2);
	b->s[b->len++] = '"';
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"')
			b->s[b->len++] = '"';
		b->s[b->len++] = s[i];
	}
	b->s[b->len++] = '"';
}

static void put_cell(struct sbuf *b, const struct column *c, size_t i, char delim)
{
	char buf[64];
	size_t n;
	const char *s;

	if (column_is_missing(c, i))
		return;
	switch (c->kind) {
	case COL_NUM: {
		int k = fmt_double(c->num[i], buf, sizeof(buf));
		if (k < 0 || (size_t)k >= sizeof(buf) - 3)
			WB_BUG("fmt_double gave %d bytes", k);
		n = (size_t)k;
		if (strspn(buf, "-0123456789") == n) {
			memcpy(buf + n, ".0", 2);
			n += 2;
		}
		sb_add(b, buf, n);
		return;
	}
	case COL_CAT:
	case COL_STR:
		s = column_get_text(c, i, &n);
		put_text(b, s, n, delim);
		return;
	default:
		n = column_format(c, i, buf, sizeof(buf));
		sb_add(b, buf, n);
		return;
	}
}

static void put_rows(struct sbuf *b, const struct frame *f, size_t lo, size_t hi, char delim)
{
	for (size_t i = lo; i < hi; i++) {
		for (int j = 0; j < f->ncol; j++) {
			if (j)
				sb_addc(b, delim);
			put_cell(b, f->cols[j], i, delim);
		}
		sb_addc(b, '\n');
	}
}

int csv_write_fp(const struct frame *f, FILE *fp, char delim, int header)
{
	if (!delim)
		delim = ',';
	int bad = 0;
	if (header) {
		struct sbuf hdr = { 0 };
		for (int j = 0; j < f->ncol; j++) {
			if (j)
				sb_addc(&hdr, delim);
			put_text(&hdr, f->names[j], strlen(f->names[j]), delim);
		}
		sb_addc(&hdr, '\n');
		bad = fwrite(hdr.s, 1, hdr.len, fp) != hdr.len;
		free(hdr.s);
	}
	/* Blocks of rows are formatted in parallel, a group at a time, and
	 * written in order, so memory stays bounded and output is the same on
	 * any number of threads. */
	int nt = omp_get_max_threads();
	int group = 4 * (nt > 0 ? nt : 1);
	size_t nblocks = (f->nrow + BLOCK_ROWS - 1) / BLOCK_ROWS;
	struct sbuf *bufs = xcalloc((size_t)group, sizeof(*bufs));
	for (size_t b0 = 0; b0 < nblocks && !bad; b0 += (size_t)group) {
		int nb = (int)(nblocks - b0 < (size_t)group ? nblocks - b0 : (size_t)group);
#pragma omp parallel for schedule(dynamic, 1)
		for (int k = 0; k < nb; k++) {
			size_t lo = (b0 + (size_t)k) * BLOCK_ROWS;
			size_t hi = lo + BLOCK_ROWS < f->nrow ? lo + BLOCK_ROWS : f->nrow;
			bufs[k].len = 0;
			put_rows(&bufs[k], f, lo, hi, delim);
		}
		for (int k = 0; k < nb && !bad; k++)
			bad = fwrite(bufs[k].s, 1, bufs[k].len, fp) != bufs[k].len;
	}
	for (int k = 0; k < group; k++)
		free(bufs[k].s);
	free(bufs);

	return bad ? -1 : 0;
}

int csv_write(const struct frame *f, const char *path, char delim, struct wb_err *err)
{
	if (!delim)
		delim = ',';
	if (delim == '"' || delim == '\n' || delim == '\r' || delim == '\0')
		return wb_error(err, "cannot write '%s': invalid delimiter", path);

	struct outfile o;
	if (outfile_open(&o, path, err) < 0)
		return -1;
	if (csv_write_fp(f, o.fp, delim, 1) < 0) {
		int e = errno ? errno : EIO;
		outfile_abort(&o);
		return wb_error(err, "cannot write '%s': %s", path, strerror(e));
	}
	return outfile_commit(&o, err);
}
