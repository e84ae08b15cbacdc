/* column — typed vectors: construction, access, formatting, hashing. */
#include "core/column.h"
#include "core/strdict.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[COL_NKINDS] = {
	[COL_NUM] = "num", [COL_INT] = "int", [COL_CAT] = "cat",
	[COL_STR] = "str", [COL_BOOL] = "bool", [COL_TIME] = "time",
};

const char *col_kind_name(enum col_kind kind)
{
	if ((unsigned)kind >= COL_NKINDS)
		WB_BUG("bad column kind %d", (int)kind);
	return kind_names[kind];
}

int col_kind_parse(const char *name, enum col_kind *out)
{
	for (int k = 0; k < COL_NKINDS; k++) {
		if (!strcmp(name, kind_names[k])) {
			*out = (enum col_kind)k;
			return 0;
		}
	}
	return -1;
}

struct column *column_new(enum col_kind kind, size_t n)
{
	struct column *c = xcalloc(1, sizeof(*c));
	c->refs = 1;
	c->kind = kind;
	c->n = n;
	switch (kind) {
	case COL_NUM:
		c->num = xmallocarray(n, sizeof(double));
		for (size_t i = 0; i < n; i++)
			c->num[i] = NAN;
		break;
	case COL_INT:
	case COL_TIME:
		c->i64 = xcalloc(n, sizeof(int64_t));
		c->valid = xcalloc(n, 1);
		break;
	case COL_BOOL:
		c->b = xmallocarray(n, 1);
		memset(c->b, 0xff, n);
		break;
	case COL_CAT:
		c->codes = xmallocarray(n, sizeof(int32_t));
		memset(c->codes, 0xff, n * sizeof(int32_t));
		break;
	case COL_STR:
		c->offs = xmallocarray(n + 1, sizeof(uint64_t));
		for (size_t i = 0; i <= n; i++)
			c->offs[i] = i;
		c->bytes = xcalloc(n + 1, 1);
		c->valid = xcalloc(n, 1);
		break;
	}
	return c;
}

struct column *column_new_str(size_t n, uint64_t *offs, char *bytes, uint8_t *valid)
{
	struct column *c = xcalloc(1, sizeof(*c));
	c->refs = 1;
	c->kind = COL_STR;
	c->n = n;
	c->offs = offs;
	c->bytes = bytes;
	c->valid = valid;
	return c;
}

struct column *column_new_cat(size_t n, int32_t *codes, char **levels, int32_t nlevels)
{
	struct column *c = xcalloc(1, sizeof(*c));
	c->refs = 1;
	c->kind = COL_CAT;
	c->n = n;
	c->codes = codes;
	c->levels = levels;
	c->nlevels = nlevels;
	return c;
}

struct column *column_from_strings(const char *const *strs, size_t n)
{
	uint64_t *offs = xcalloc(n + 1, sizeof(uint64_t));
	uint8_t *valid = xmalloc(n ? n : 1);
	size_t total = 0;
	for (size_t i = 0; i < n; i++) {
		valid[i] = strs[i] != NULL;
		total += (strs[i] ? strlen(strs[i]) : 0) + 1;
		offs[i + 1] = total;
	}
	char *bytes = xmalloc(total + 1);
	for (size_t i = 0; i < n; i++)
		memcpy(bytes + offs[i], strs[i] ? strs[i] : "", offs[i + 1] - offs[i]);
	struct column *c = column_new_str(n, offs, bytes, valid);
	column_compact_valid(c);
	return c;
}

bool column_text_is_cat(size_t distinct, size_t nonmissing)
{
	return distinct <= 2 || (distinct <= COLUMN_CAT_MAX_LEVELS && distinct * 2 <= nonmissing);
}

static int cmp_level(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct column *column_to_cat(const struct column *s)
{
	struct strdict d;
	int32_t *codes = xmallocarray(s->n, sizeof(int32_t));
	strdict_init(&d);
	for (size_t i = 0; i < s->n; i++) {
		size_t len;
		const char *t = column_get_text(s, i, &len);
		codes[i] = t ? strdict_intern(&d, t, len) : -1;
	}
	int32_t n;
	char **levels = strdict_take(&d, &n);
	/* Sort the levels and remap codes so the dictionary is canonical. */
	char **sorted = xmallocarray((size_t)n, sizeof(char *));
	if (n)
		memcpy(sorted, levels, (size_t)n * sizeof(char *));
	qsort(sorted, (size_t)n, sizeof(char *), cmp_level);
	int32_t *remap = xmallocarray((size_t)n, sizeof(int32_t));
	struct strdict pos;
	strdict_init(&pos);
	for (int32_t k = 0; k < n; k++)
		strdict_intern(&pos, sorted[k], strlen(sorted[k]));
	for (int32_t k = 0; k < n; k++)
		remap[k] = strdict_find(&pos, levels[k], strlen(levels[k]));
	strdict_release(&pos);
	for (size_t i = 0; i < s->n; i++)
		if (codes[i] >= 0)
			codes[i] = remap[codes[i]];
	free(remap);
	free(levels);
	return column_new_cat(s->n, codes, sorted, n);
}

struct column *column_text_auto(struct column *str)
{
	struct strdict d;
	size_t nonmissing = 0;
	strdict_init(&d);
	for (size_t i = 0; i < str->n; i++) {
		size_t len;
		const char *t = column_get_text(str, i, &len);
		if (t) {
			strdict_intern(&d, t, len);
			nonmissing++;
		}
	}
	bool cat = column_text_is_cat((size_t)d.n, nonmissing);
	strdict_release(&d);
	if (!cat)
		return str;
	struct column *out = column_to_cat(str);
	column_unref(str);
	return out;
}

void column_alloc_valid(struct column *c)
{
	if (!c->valid) {
		c->valid = xmalloc(c->n ? c->n : 1);
		memset(c->valid, 1, c->n);
	}
}

void column_compact_valid(struct column *c)
{
	if (c->valid && !memchr(c->valid, 0, c->n)) {
		free(c->valid);
		c->valid = NULL;
	}
}

struct column *column_ref(struct column *c)
{
	/* Atomic: a sandbox's garbage collector may drop its reference on
	 * another thread than the one that made the column (wb serve). */
	__atomic_fetch_add(&c->refs, 1, __ATOMIC_RELAXED);
	return c;
}

void column_unref(struct column *c)
{
	if (!c || __atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	free(c->num);
	free(c->i64);
	free(c->b);
	free(c->codes);
	for (int32_t i = 0; i < c->nlevels; i++)
		free(c->levels[i]);
	free(c->levels);
	free(c->offs);
	free(c->bytes);
	free(c->valid);
	free(c);
}

bool column_is_missing(const struct column *c, size_t i)
{
	switch (c->kind) {
	case COL_NUM:
		return isnan(c->num[i]);
	case COL_BOOL:
		return c->b[i] < 0;
	case COL_CAT:
		return c->codes[i] < 0;
	default:
		return c->valid && !c->valid[i];
	}
}

size_t column_count_missing(const struct column *c)
{
	size_t m = 0;
	for (size_t i = 0; i < c->n; i++)
		m += column_is_missing(c, i);
	return m;
}

double column_get_num(const struct column *c, size_t i)
{
	if (column_is_missing(c, i))
		return NAN;
	switch (c->kind) {
	case COL_NUM:
		return c->num[i];
	case COL_INT:
	case COL_TIME:
		return (double)c->i64[i];
	case COL_BOOL:
		return c->b[i];
	case COL_CAT:
		return c->codes[i];
	case COL_STR:
		return NAN;
	}
	return NAN;
}

const char *column_get_text(const struct column *c, size_t i, size_t *len)
{
	if (column_is_missing(c, i)) {
		if (len)
			*len = 0;
		return NULL;
	}
	if (c->kind == COL_CAT) {
		const char *s = c->levels[c->codes[i]];
		if (len)
			*len = strlen(s);
		return s;
	}
	if (c->kind == COL_STR) {
		if (len)
			*len = c->offs[i + 1] - c->offs[i] - 1;
		return c->bytes + c->offs[i];
	}
	if (len)
		*len = 0;
	return NULL;
}

int32_t column_level_index(const struct column *c, const char *s, size_t len)
{
	for (int32_t k = 0; k < c->nlevels; k++)
		if (strlen(c->levels[k]) == len && !memcmp(c->levels[k], s, len))
			return k;
	return -1;
}

int fmt_double(double v, char *buf, size_t size)
{
	if (isnan(v))
		return snprintf(buf, size, "%s", "");
	if (isinf(v))
		return snprintf(buf, size, "%s", v > 0 ? "inf" : "-inf");
	for (int prec = 15; prec <= 17; prec++) {
		int n = snprintf(buf, size, "%.*g", prec, v);
		if (prec == 17 || strtod(buf, NULL) == v)
			return n;
	}
	return 0;
}

/* Days since 1970-01-01 to civil date (Howard Hinnant's algorithm). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t yy = (int64_t)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yy + (*m <= 2);
}

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

int fmt_time(int64_t us, char *buf, size_t size)
{
	const int64_t day = 86400LL * 1000000LL;
	int64_t days = us / day, rem = us % day;
	if (rem < 0) {
		rem += day;
		days--;
	}
	int64_t y;
	unsigned m, d;
	civil_from_days(days, &y, &m, &d);
	if (rem == 0)
		return snprintf(buf, size, "%04" PRId64 "-%02u-%02u", y, m, d);
	int64_t secs = rem / 1000000, frac = rem % 1000000;
	int hh = (int)(secs / 3600), mm = (int)(secs / 60 % 60), ss = (int)(secs % 60);
	if (frac)
		return snprintf(buf, size, "%04" PRId64 "-%02u-%02uT%02d:%02d:%02d.%06" PRId64 "Z",
				y, m, d, hh, mm, ss, frac);
	return snprintf(buf, size, "%04" PRId64 "-%02u-%02uT%02d:%02d:%02dZ", y, m, d, hh, mm, ss);
}

static int digits(const char *s, size_t len, size_t *pos, int count, int *out)
{
	int v = 0;
	for (int k = 0; k < count; k++) {
		if (*pos >= len || s[*pos] < '0' || s[*pos] > '9')
			return -1;
		v = v * 10 + (s[(*pos)++] - '0');
	}
	*out = v;
	return 0;
}

int parse_time(const char *s, size_t len, int64_t *us)
{
	size_t p = 0;
	int y, mo, d, hh = 0, mi = 0, ss = 0;
	int64_t frac = 0, offset = 0;

	if (digits(s, len, &p, 4, &y) || p >= len || s[p++] != '-' ||
	    digits(s, len, &p, 2, &mo) || p >= len || s[p++] != '-' ||
	    digits(s, len, &p, 2, &d))
		return -1;
	if (mo < 1 || mo > 12 || d < 1)
		return -1;
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap))
		return -1;
	if (p < len) {
		if (s[p] != 'T' && s[p] != ' ')
			return -1;
		p++;
		if (digits(s, len, &p, 2, &hh) || p >= len || s[p++] != ':' ||
		    digits(s, len, &p, 2, &mi))
			return -1;
		if (p < len && s[p] == ':') {
			p++;
			if (digits(s, len, &p, 2, &ss))
				return -1;
			if (p < len && s[p] == '.') {
				int nd = 0;
				p++;
				while (p < len && s[p] >= '0' && s[p] <= '9') {
					if (nd < 6) {
						frac = frac * 10 + (s[p] - '0');
						nd++;
					}
					p++;
				}
				if (nd == 0)
					return -1;
				while (nd++ < 6)
					frac *= 10;
			}
		}
		if (hh > 23 || mi > 59 || ss > 60)
			return -1;
		if (p < len && s[p] == 'Z') {
			p++;
		} else if (p < len && (s[p] == '+' || s[p] == '-')) {
			int sign = s[p++] == '-' ? -1 : 1, oh, om = 0;
			if (digits(s, len, &p, 2, &oh))
				return -1;
			if (p < len && s[p] == ':')
				p++;
			if (p < len && digits(s, len, &p, 2, &om))
				return -1;
			offset = sign * ((int64_t)oh * 3600 + om * 60);
		}
	}
	if (p != len)
		return -1;
	int64_t secs = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
		       hh * 3600 + mi * 60 + ss - offset;
	*us = secs * 1000000 + frac;
	return 0;
}

size_t column_format(const struct column *c, size_t i, char *buf, size_t size)
{
	int n = 0;
	if (size == 0)
		return 0;
	if (column_is_missing(c, i)) {
		buf[0] = '\0';
		return 0;
	}
	switch (c->kind) {
	case COL_NUM:
		n = fmt_double(c->num[i], buf, size);
		break;
	case COL_INT:
		n = snprintf(buf, size, "%" PRId64, c->i64[i]);
		break;
	case COL_TIME:
		n = fmt_time(c->i64[i], buf, size);
		break;
	case COL_BOOL:
		n = snprintf(buf, size, "%s", c->b[i] ? "true" : "false");
		break;
	case COL_CAT:
	case COL_STR: {
		size_t len;
		const char *s = column_get_text(c, i, &len);
		size_t k = len < size - 1 ? len : size - 1;
		memcpy(buf, s, k);
		buf[k] = '\0';
		return k;
	}
	}
	if (n < 0)
		n = 0;
	return (size_t)n < size ? (size_t)n : size - 1;
}

struct column *column_take(const struct column *c, const size_t *idx, size_t n)
{
	struct column *o = column_new(c->kind, n);
	bool any_missing = false;

	switch (c->kind) {
	case COL_NUM:
		for (size_t k = 0; k < n; k++)
			o->num[k] = idx[k] == SIZE_MAX ? NAN : c->num[idx[k]];
		return o;
	case COL_BOOL:
		for (size_t k = 0; k < n; k++)
			o->b[k] = idx[k] == SIZE_MAX ? -1 : c->b[idx[k]];
		return o;
	case COL_CAT:
		for (size_t k = 0; k < n; k++)
			o->codes[k] = idx[k] == SIZE_MAX ? -1 : c->codes[idx[k]];
		o->levels = xmallocarray((size_t)c->nlevels, sizeof(char *));
		for (int32_t l = 0; l < c->nlevels; l++)
			o->levels[l] = xstrdup(c->levels[l]);
		o->nlevels = c->nlevels;
		return o;
	case COL_INT:
	case COL_TIME:
		for (size_t k = 0; k < n; k++) {
			bool miss = idx[k] == SIZE_MAX || column_is_missing(c, idx[k]);
			o->i64[k] = miss ? 0 : c->i64[idx[k]];
			o->valid[k] = !miss;
			any_missing |= miss;
		}
		break;
	case COL_STR: {
		uint64_t total = 0;
		for (size_t k = 0; k < n; k++) {
			bool miss = idx[k] == SIZE_MAX || column_is_missing(c, idx[k]);
			o->valid[k] = !miss;
			any_missing |= miss;
			total += miss ? 1 : c->offs[idx[k] + 1] - c->offs[idx[k]];
			o->offs[k + 1] = total;
		}
		free(o->bytes);
		o->bytes = xmalloc(total + 1);
		for (size_t k = 0; k < n; k++) {
			if (o->valid[k])
				memcpy(o->bytes + o->offs[k], c->bytes + c->offs[idx[k]],
				       o->offs[k + 1] - o->offs[k]);
			else
				o->bytes[o->offs[k]] = '\0';
		}
		break;
	}
	}
	if (!any_missing) {
		free(o->valid);
		o->valid = NULL;
	}
	return o;
}

struct column *column_slice(const struct column *c, size_t start, size_t n)
{
	size_t *idx = xmallocarray(n, sizeof(size_t));
	for (size_t k = 0; k < n; k++)
		idx[k] = start + k;
	struct column *o = column_take(c, idx, n);
	free(idx);
	return o;
}

void column_hash(const struct column *c, struct wb_hash *h)
{
	hash_str(h, col_kind_name(c->kind));
	hash_u64(h, c->n);
	switch (c->kind) {
	case COL_NUM:
	case COL_INT:
	case COL_TIME: {
		/* Values are canonicalised into a block and hashed a block at a
		 * time: one digest update per value costs more than the load. */
		enum { BLOCK = 4096 };
		uint64_t buf[BLOCK];
		for (size_t i = 0; i < c->n; i += BLOCK) {
			size_t m = c->n - i < BLOCK ? c->n - i : BLOCK;
			for (size_t k = 0; k < m; k++) {
				if (c->kind == COL_NUM) {
					buf[k] = hash_f64_bits(c->num[i + k]);
				} else {
					bool ok = !c->valid || c->valid[i + k];
					buf[k] = ok ? (uint64_t)c->i64[i + k] : 0;
				}
			}
			hash_update(h, buf, m * 8); /* little-endian hosts */
		}
		if (c->kind != COL_NUM) { /* where the missing values are */
			if (c->valid)
				for (size_t i = 0; i < c->n; i++)
					if (!c->valid[i])
						hash_u64(h, i);
			hash_u64(h, UINT64_MAX);
		}
		break;
	}
	case COL_BOOL:
		hash_update(h, c->b, c->n);
		break;
	case COL_CAT:
	case COL_STR:
		for (size_t i = 0; i < c->n; i++) {
			size_t len;
			const char *s = column_get_text(c, i, &len);
			if (s)
				hash_strn(h, s, len);
			else
				hash_str(h, NULL);
		}
		break;
	}
}

size_t column_bytes(const struct column *c)
{
	size_t b = sizeof(*c);
	switch (c->kind) {
	case COL_NUM:
		b += c->n * 8;
		break;
	case COL_INT:
	case COL_TIME:
		b += c->n * 8;
		break;
	case COL_BOOL:
		b += c->n;
		break;
	case COL_CAT:
		b += c->n * 4;
		for (int32_t l = 0; l < c->nlevels; l++)
			b += strlen(c->levels[l]) + 1 + sizeof(char *);
		break;
	case COL_STR:
		b += (c->n + 1) * 8 + c->offs[c->n];
		break;
	}
	if (c->valid)
		b += c->n;
	return b;
}

static int cmp_text(const char *a, size_t la, const char *b, size_t lb)
{
	int r = memcmp(a, b, la < lb ? la : lb);
	if (r)
		return r;
	return (la > lb) - (la < lb);
}

int column_cmp(const struct column *c, size_t i, size_t j)
{
	bool mi = column_is_missing(c, i), mj = column_is_missing(c, j);
	if (mi || mj)
		return (int)mi - (int)mj;
	switch (c->kind) {
	case COL_NUM:
		return (c->num[i] > c->num[j]) - (c->num[i] < c->num[j]);
	case COL_INT:
	case COL_TIME:
		return (c->i64[i] > c->i64[j]) - (c->i64[i] < c->i64[j]);
	case COL_BOOL:
		return c->b[i] - c->b[j];
	case COL_CAT:
	case COL_STR: {
		size_t li, lj;
		const char *si = column_get_text(c, i, &li), *sj = column_get_text(c, j, &lj);
		return cmp_text(si, li, sj, lj);
	}
	}
	return 0;
}
