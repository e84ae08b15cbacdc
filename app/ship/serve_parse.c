/*
 * serve_parse — request bodies to input frames, predictions to JSON (the
 * HTTP-free half of serve.h).
 *
 * Every JSON format is first reduced to one shape, a grid of cells: for
 * each schema column an array of n json_t pointers (NULL = missing), so the
 * type rules and the error messages are written once whatever the format.
 * The cells point into the parsed document; nothing is copied until the
 * columns are built.  That jansson path is serve_parse_json_general, the
 * reference; serve_parse_json first tries serve_json_fast.c, which reads
 * the common shapes without building a tree and falls back to it for
 * anything else.
 */
#include "ship/serve.h"
#include "ship/serve_fast.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "core/csv.h"
#include "core/numparse.h"
#include "core/strbuf.h"
#include "ml/recipe.h"

/* ---------------------------------------------------------------- schema */

void serve_schema_init(struct serve_schema *sc, const struct model *m)
{
	memset(sc, 0, sizeof(*sc));
	const struct recipe *r = m->recipe;
	int cap = r ? r->nin : m->p;
	sc->names = xcalloc((size_t)cap + 1, sizeof(char *));
	sc->kinds = xcalloc((size_t)cap + 1, sizeof(enum col_kind));
	if (r) {
		for (int k = 0; k < r->nin; k++) {
			const char *nm = r->in_names[k];
			if ((m->target && !strcmp(nm, m->target)) ||
			    (r->target && !strcmp(nm, r->target)) ||
			    (m->weight && !strcmp(nm, m->weight)))
				continue;
			sc->names[sc->n] = xstrdup(nm);
			sc->kinds[sc->n++] = r->in_kinds[k];
		}
		return;
	}
	for (int j = 0; j < m->p; j++) {
		sc->names[sc->n] = xstrdup(m->features[j]);
		sc->kinds[sc->n++] = m->ncat && m->ncat[j] > 0 ? COL_CAT : COL_NUM;
	}
}

void serve_schema_release(struct serve_schema *sc)
{
	for (int j = 0; j < sc->n; j++)
		free(sc->names[j]);
	free(sc->names);
	free(sc->kinds);
	memset(sc, 0, sizeof(*sc));
}

/* ---------------------------------------------------------------- JSON out */

void serve_json_str(struct strbuf *sb, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	strbuf_add(sb, "\"", 1);
	size_t run = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		strbuf_add(sb, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"': strbuf_add(sb, "\\\"", 2); break;
		case '\\': strbuf_add(sb, "\\\\", 2); break;
		case '\n': strbuf_add(sb, "\\n", 2); break;
		case '\r': strbuf_add(sb, "\\r", 2); break;
		case '\t': strbuf_add(sb, "\\t", 2); break;
		default: {
			char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
			strbuf_add(sb, u, 6);
		}
		}
	}
	strbuf_add(sb, s + run, len - run);
	strbuf_add(sb, "\"", 1);
}

/* A JSON number that reads back to exactly v; JSON has no NaN or infinity,
 * so those are null. */
static void json_num(struct strbuf *sb, double v)
{
	char buf[40];
	if (!isfinite(v)) {
		strbuf_add(sb, "null", 4);
		return;
	}
	int n = fmt_double(v, buf, sizeof(buf));
	strbuf_add(sb, buf, (size_t)n);
}

static void json_cell(struct strbuf *sb, const struct column *c, size_t i)
{
	if (column_is_missing(c, i)) {
		strbuf_add(sb, "null", 4);
		return;
	}
	switch (c->kind) {
	case COL_NUM:
		json_num(sb, c->num[i]);
		break;
	case COL_INT:
		strbuf_addf(sb, "%lld", (long long)c->i64[i]);
		break;
	case COL_BOOL:
		strbuf_adds(sb, c->b[i] ? "true" : "false");
		break;
	case COL_CAT:
	case COL_STR: {
		size_t len;
		const char *t = column_get_text(c, i, &len);
		serve_json_str(sb, t, len);
		break;
	}
	case COL_TIME: {
		char buf[64];
		int n = fmt_time(c->i64[i], buf, sizeof(buf));
		serve_json_str(sb, buf, (size_t)n);
		break;
	}
	}
}

char *serve_format_predictions(const struct model *m, const struct frame *pred, int proba,
			       size_t *len)
{
	struct strbuf sb = STRBUF_INIT;
	const struct column *pc = frame_col(pred, "pred");
	int obj = proba && m->task == MODEL_CLASSIFY;
	/* Keys of the object form, escaped once rather than per row. */
	struct strbuf *keys = NULL;
	if (obj) {
		keys = xcalloc((size_t)pred->ncol, sizeof(*keys));
		for (int j = 0; j < pred->ncol; j++) {
			serve_json_str(&keys[j], pred->names[j], strlen(pred->names[j]));
			strbuf_add(&keys[j], ":", 1);
		}
	}
	strbuf_adds(&sb, "{\"predictions\":[");
	for (size_t i = 0; i < pred->nrow; i++) {
		if (i)
			strbuf_add(&sb, ",", 1);
		if (!obj) {
			json_cell(&sb, pc, i);
			continue;
		}
		strbuf_add(&sb, "{", 1);
		for (int j = 0; j < pred->ncol; j++) {
			if (j)
				strbuf_add(&sb, ",", 1);
			strbuf_add(&sb, keys[j].buf, keys[j].len);
			json_cell(&sb, pred->cols[j], i);
		}
		strbuf_add(&sb, "}", 1);
	}
	strbuf_adds(&sb, "]}");
	if (keys) {
		for (int j = 0; j < pred->ncol; j++)
			strbuf_release(&keys[j]);
		free(keys);
	}
	return strbuf_detach(&sb, len);
}

/* ---------------------------------------------------------------- cells */

struct grid {
	size_t n;            /* rows */
	const json_t **cell; /* cell[j * n + i]: column j, row i; NULL missing */
};

static int bad(int *status, int code, struct wb_err *err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int bad(int *status, int code, struct wb_err *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	wb_verror(err, fmt, ap);
	va_end(ap);
	*status = code;
	return -1;
}

static int grid_alloc(struct grid *g, const struct serve_schema *sc, size_t n, size_t max_rows,
		      int *status, struct wb_err *err)
{
	if (n > max_rows)
		return bad(status, 413, err, "too many rows: %zu (the limit is %zu)", n, max_rows);
	g->n = n;
	g->cell = xcalloc((size_t)sc->n * n + 1, sizeof(*g->cell));
	return 0;
}

static void grid_set(struct grid *g, int j, size_t i, const json_t *v)
{
	g->cell[(size_t)j * g->n + i] = json_is_null(v) ? NULL : v;
}

/* Rows that are arrays of values in the order of `cols` (index of each
 * schema column in the row), checking every row's length. */
static int rows_positional(struct grid *g, const struct serve_schema *sc, const json_t *rows,
			   const int *cols, size_t width, const char *what, int *status,
			   struct wb_err *err)
{
	for (size_t i = 0; i < g->n; i++) {
		const json_t *row = json_array_get(rows, i);
		if (!json_is_array(row))
			return bad(status, 400, err, "%s: row %zu is not a list of values", what,
				   i + 1);
		if (json_array_size(row) != width)
			return bad(status, 400, err, "%s: row %zu has %zu values, expected %zu", what,
				   i + 1, json_array_size(row), width);
		for (int j = 0; j < sc->n; j++)
			grid_set(g, j, i, json_array_get(row, (size_t)cols[j]));
	}
	return 0;
}

/* Rows that are objects {name: value}.  A key absent from a row is missing
 * there; a column absent from every row is an error (pandas builds the
 * frame from the union of the keys, then the schema wants the column). */
static int rows_records(struct grid *g, const struct serve_schema *sc, const json_t *rows,
			const char *what, int *status, struct wb_err *err)
{
	int *seen = xcalloc((size_t)sc->n + 1, sizeof(int));
	int rc = 0;
	for (size_t i = 0; i < g->n && rc == 0; i++) {
		const json_t *row = json_array_get(rows, i);
		if (!json_is_object(row)) {
			rc = bad(status, 400, err, "%s: row %zu is not an object", what, i + 1);
			break;
		}
		for (int j = 0; j < sc->n; j++) {
			const json_t *v = json_object_get(row, sc->names[j]);
			if (v) {
				seen[j] = 1;
				grid_set(g, j, i, v);
			}
		}
	}
	for (int j = 0; j < sc->n && rc == 0; j++)
		if (!seen[j] && g->n > 0)
			rc = bad(status, 400, err, "%s: missing column '%s'", what, sc->names[j]);
	free(seen);
	return rc;
}

/* A list of rows: all records, or all lists (positional). */
static int rows_any(struct grid *g, const struct serve_schema *sc, const json_t *rows,
		    const char *what, size_t max_rows, int *status, struct wb_err *err)
{
	if (!json_is_array(rows))
		return bad(status, 400, err, "%s: expected a list of rows", what);
	if (grid_alloc(g, sc, json_array_size(rows), max_rows, status, err) < 0)
		return -1;
	const json_t *first = json_array_get(rows, 0);
	if (!first || json_is_object(first))
		return rows_records(g, sc, rows, what, status, err);
	int *cols = xcalloc((size_t)sc->n + 1, sizeof(int));
	for (int j = 0; j < sc->n; j++)
		cols[j] = j;
	int rc = rows_positional(g, sc, rows, cols, (size_t)sc->n, what, status, err);
	free(cols);
	return rc;
}

static int fmt_split(struct grid *g, const struct serve_schema *sc, const json_t *v,
		     size_t max_rows, int *status, struct wb_err *err)
{
	const char *what = "dataframe_split";
	if (!json_is_object(v))
		return bad(status, 400, err, "%s: expected an object with \"columns\" and \"data\"",
			   what);
	const json_t *columns = json_object_get(v, "columns");
	const json_t *data = json_object_get(v, "data");
	if (!json_is_array(data))
		return bad(status, 400, err, "%s: \"data\" must be a list of rows", what);
	if (columns && !json_is_array(columns))
		return bad(status, 400, err, "%s: \"columns\" must be a list of names", what);
	if (grid_alloc(g, sc, json_array_size(data), max_rows, status, err) < 0)
		return -1;
	int *cols = xcalloc((size_t)sc->n + 1, sizeof(int));
	size_t width = (size_t)sc->n;
	int rc = 0;
	if (columns) {
		width = json_array_size(columns);
		for (size_t k = 0; k < width && rc == 0; k++)
			if (!json_is_string(json_array_get(columns, k)))
				rc = bad(status, 400, err, "%s: column name %zu is not a string", what,
					 k + 1);
		for (int j = 0; j < sc->n && rc == 0; j++) {
			size_t k;
			for (k = 0; k < width; k++)
				if (!strcmp(json_string_value(json_array_get(columns, k)), sc->names[j]))
					break;
			if (k == width)
				rc = bad(status, 400, err, "%s: missing column '%s'", what, sc->names[j]);
			cols[j] = (int)k;
		}
	} else {
		for (int j = 0; j < sc->n; j++)
			cols[j] = j;
	}
	if (rc == 0)
		rc = rows_positional(g, sc, data, cols, width, what, status, err);
	free(cols);
	return rc;
}

/* {"inputs": {name: [values], ...}}: columns of equal length. */
static int fmt_columns(struct grid *g, const struct serve_schema *sc, const json_t *v,
		       size_t max_rows, int *status, struct wb_err *err)
{
	const char *what = "inputs";
	size_t n = 0;
	for (int j = 0; j < sc->n; j++) {
		const json_t *c = json_object_get(v, sc->names[j]);
		if (!c)
			return bad(status, 400, err, "%s: missing column '%s'", what, sc->names[j]);
		if (!json_is_array(c))
			return bad(status, 400, err, "%s: column '%s' is not a list of values", what,
				   sc->names[j]);
		if (j == 0)
			n = json_array_size(c);
		else if (json_array_size(c) != n)
			return bad(status, 400, err, "%s: column '%s' has %zu values, column '%s' %zu",
				   what, sc->names[j], json_array_size(c), sc->names[0], n);
	}
	if (grid_alloc(g, sc, n, max_rows, status, err) < 0)
		return -1;
	for (int j = 0; j < sc->n; j++) {
		const json_t *c = json_object_get(v, sc->names[j]);
		for (size_t i = 0; i < n; i++)
			grid_set(g, j, i, json_array_get(c, i));
	}
	return 0;
}

/* ---------------------------------------------------------------- columns */

static const char *json_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "a list";
	case JSON_STRING: return "text";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE: return "true";
	case JSON_FALSE: return "false";
	case JSON_NULL: return "null";
	}
	return "a value";
}

/* The whole text as a number (numparse's grammar: no space, no hex). */
static int text_number(const char *s, size_t len, double *d, int64_t *iv, int *is_int)
{
	const char *stop;
	enum numparse_kind k = numparse(s, s + len, iv, d, &stop);
	if (k == NP_NONE || stop != s + len)
		return -1;
	*is_int = k == NP_INT;
	return 0;
}

static int cell_error(const struct serve_schema *sc, int j, size_t i, const json_t *v,
		      const char *want, int *status, struct wb_err *err)
{
	if (json_is_string(v))
		return bad(status, 400, err, "column '%s', row %zu: expected %s, got \"%.60s\"",
			   sc->names[j], i + 1, want, json_string_value(v));
	return bad(status, 400, err, "column '%s', row %zu: expected %s, got %s", sc->names[j],
		   i + 1, want, json_type_name(v));
}

static struct column *build_text(const struct serve_schema *sc, int j, const struct grid *g,
				 int *status, struct wb_err *err)
{
	size_t n = g->n;
	const char **strs = xcalloc(n + 1, sizeof(char *));
	char **owned = xcalloc(n + 1, sizeof(char *));
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const json_t *v = g->cell[(size_t)j * n + i];
		char buf[40];
		if (!v)
			continue;
		switch (json_typeof(v)) {
		case JSON_STRING:
			strs[i] = json_string_value(v);
			break;
		case JSON_INTEGER:
			owned[i] = xasprintf("%lld", (long long)json_integer_value(v));
			strs[i] = owned[i];
			break;
		case JSON_REAL:
			fmt_double(json_real_value(v), buf, sizeof(buf));
			strs[i] = owned[i] = xstrdup(buf);
			break;
		case JSON_TRUE:
		case JSON_FALSE:
			strs[i] = json_is_true(v) ? "true" : "false";
			break;
		default:
			rc = cell_error(sc, j, i, v, "text", status, err);
		}
	}
	struct column *c = rc == 0 ? column_from_strings(strs, n) : NULL;
	for (size_t i = 0; i < n; i++)
		free(owned[i]);
	free(owned);
	free(strs);
	return c;
}

static struct column *build_column(const struct serve_schema *sc, int j, const struct grid *g,
				   int *status, struct wb_err *err)
{
	enum col_kind kind = sc->kinds[j];
	if (kind == COL_CAT || kind == COL_STR)
		return build_text(sc, j, g, status, err);
	size_t n = g->n;
	struct column *c = column_new(kind, n);
	for (size_t i = 0; i < n; i++) {
		const json_t *v = g->cell[(size_t)j * n + i];
		if (!v)
			continue;   /* column_new made every cell missing */
		double d = NAN;
		int64_t iv = 0;
		int is_int = 0, okv = 0;
		if (json_is_integer(v)) {
			iv = json_integer_value(v);
			d = (double)iv;
			is_int = okv = 1;
		} else if (json_is_real(v)) {
			d = json_real_value(v);
			okv = 1;
		} else if (json_is_string(v) && kind != COL_TIME && kind != COL_BOOL) {
			okv = text_number(json_string_value(v), json_string_length(v), &d, &iv,
					  &is_int) == 0;
		}
		switch (kind) {
		case COL_NUM:
			if (!okv)
				goto fail_num;
			c->num[i] = d;
			break;
		case COL_INT:
			if (okv && !is_int) {
				/* 3.0 is an integer; 3.5 and 1e300 are not. */
				if (!(d == floor(d) && fabs(d) < 9.2e18))
					goto fail_int;
				iv = (int64_t)d;
			} else if (!okv) {
				goto fail_int;
			}
			c->i64[i] = iv;
			c->valid[i] = 1;
			break;
		case COL_BOOL:
			if (json_is_boolean(v))
				c->b[i] = json_is_true(v);
			else if (json_is_string(v) && (!strcmp(json_string_value(v), "true") ||
						       !strcmp(json_string_value(v), "false")))
				c->b[i] = json_string_value(v)[0] == 't';
			else if (okv && (d == 0 || d == 1))
				c->b[i] = d == 1;
			else {
				cell_error(sc, j, i, v, "true or false", status, err);
				goto fail;
			}
			break;
		case COL_TIME:
			if (!json_is_string(v) || parse_time(json_string_value(v), json_string_length(v),
							     &c->i64[i]) < 0) {
				cell_error(sc, j, i, v, "a date or time (ISO 8601)", status, err);
				goto fail;
			}
			c->valid[i] = 1;
			break;
		default:
			WB_BUG("serve: kind %d", (int)kind);
		}
		continue;
	fail_num:
		cell_error(sc, j, i, v, "a number", status, err);
		goto fail;
	fail_int:
		cell_error(sc, j, i, v, "an integer", status, err);
		goto fail;
	}
	column_compact_valid(c);
	return c;
fail:
	column_unref(c);
	return NULL;
}

static struct frame *grid_frame(const struct serve_schema *sc, const struct grid *g, int *status,
				struct wb_err *err)
{
	struct frame *f = frame_new(g->n);
	for (int j = 0; j < sc->n; j++) {
		struct column *c = build_column(sc, j, g, status, err);
		if (!c || frame_add(f, sc->names[j], c, err) < 0) {
			*status = 400;
			frame_unref(f);
			return NULL;
		}
	}
	return f;
}

/* ---------------------------------------------------------------- JSON in */

static const char *const formats[] = { "dataframe_split", "dataframe_records", "instances",
				       "inputs" };

struct frame *serve_parse_json_general(const struct serve_schema *sc, const char *body,
				       size_t len, size_t max_rows, int *proba, int *status,
				       struct wb_err *err)
{
	json_error_t je;
	json_t *root = json_loadb(body, len, 0, &je);
	if (!root) {
		bad(status, 400, err, "invalid JSON at line %d, column %d (byte %d): %s", je.line,
		    je.column, je.position, je.text);
		return NULL;
	}
	struct frame *f = NULL;
	struct grid g = { 0, NULL };
	int fmt = -1, rc = 0;
	const char *key;
	json_t *val, *data = NULL;
	if (!json_is_object(root)) {
		bad(status, 400, err, "expected a JSON object with one of dataframe_split, "
		    "dataframe_records, instances, inputs");
		goto out;
	}
	json_object_foreach(root, key, val) {
		int k;
		for (k = 0; k < 4; k++)
			if (!strcmp(key, formats[k]))
				break;
		if (k < 4) {
			if (fmt >= 0) {
				bad(status, 400, err, "give only one of '%s' and '%s'", formats[fmt], key);
				goto out;
			}
			fmt = k;
			data = val;
		} else if (!strcmp(key, "params")) {
			json_t *p = json_is_object(val) ? json_object_get(val, "proba") : NULL;
			if (!json_is_object(val) || (p && !json_is_boolean(p) && !json_is_integer(p))) {
				bad(status, 400, err, "'params' must be an object such as "
				    "{\"proba\": true}");
				goto out;
			}
			if (p && (json_is_true(p) || (json_is_integer(p) && json_integer_value(p))))
				*proba = 1;
		} else {
			bad(status, 400, err, "unknown key '%s'; expected one of dataframe_split, "
			    "dataframe_records, instances, inputs (and params)", key);
			goto out;
		}
	}
	switch (fmt) {
	case 0:
		rc = fmt_split(&g, sc, data, max_rows, status, err);
		break;
	case 1:
		if (!json_is_array(data) ||
		    (json_array_size(data) && !json_is_object(json_array_get(data, 0))))
			rc = bad(status, 400, err, "dataframe_records: expected a list of objects");
		else
			rc = rows_any(&g, sc, data, formats[1], max_rows, status, err);
		break;
	case 2:
		rc = rows_any(&g, sc, data, formats[2], max_rows, status, err);
		break;
	case 3:
		rc = json_is_object(data) ? fmt_columns(&g, sc, data, max_rows, status, err)
					  : rows_any(&g, sc, data, formats[3], max_rows, status, err);
		break;
	default:
		rc = bad(status, 400, err, "expected one of dataframe_split, dataframe_records, "
			 "instances, inputs");
	}
	if (rc == 0)
		f = grid_frame(sc, &g, status, err);
out:
	free(g.cell);
	json_decref(root);
	return f;
}

struct frame *serve_parse_json(const struct serve_schema *sc, const char *body, size_t len,
			       size_t max_rows, int *proba, int *status, struct wb_err *err)
{
	struct frame *f = NULL;
	if (serve_json_fast(sc, body, len, max_rows, &f, proba) == FAST_OK)
		return f;
	return serve_parse_json_general(sc, body, len, max_rows, proba, status, err);
}

struct frame *serve_frame_of(const struct serve_schema *sc, size_t n, struct column **cols)
{
	struct frame *f = frame_new(n);
	f->names = xmallocarray((size_t)sc->n, sizeof(char *));
	f->cols = xmallocarray((size_t)sc->n, sizeof(struct column *));
	for (int j = 0; j < sc->n; j++) {
		f->names[j] = xstrdup(sc->names[j]);
		f->cols[j] = cols[j];
	}
	f->ncol = sc->n;
	return f;
}

/* ---------------------------------------------------------------- CSV in */

/* The header's field names (RFC 4180 quoting, a UTF-8 BOM skipped): enough
 * to know which schema columns are present before forcing their kinds. */
static int csv_header(const char *s, size_t len, char ***out)
{
	size_t p = 0;
	int n = 0;
	char **names = NULL;
	struct strbuf f = STRBUF_INIT;
	if (len >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3))
		p = 3;
	for (;;) {
		strbuf_reset(&f);
		if (p < len && s[p] == '"') {
			for (p++; p < len; p++) {
				if (s[p] == '"') {
					if (p + 1 < len && s[p + 1] == '"') {
						strbuf_add(&f, "\"", 1);
						p++;
						continue;
					}
					p++;
					break;
				}
				strbuf_add(&f, s + p, 1);
			}
		}
		while (p < len && s[p] != ',' && s[p] != '\n' && s[p] != '\r')
			strbuf_add(&f, s + p++, 1);
		names = xreallocarray(names, (size_t)n + 1, sizeof(char *));
		names[n++] = xstrdup(strbuf_str(&f));
		if (p >= len || s[p] != ',')
			break;
		p++;
	}
	strbuf_release(&f);
	*out = names;
	return n;
}

/* The general path: csv_read_mem with the schema's kinds forced.  It is the
 * reference for what a CSV body means; csv_fast must agree with it. */
struct frame *serve_parse_csv_general(const struct serve_schema *sc, const char *body,
				      size_t len, size_t max_rows, int *status,
				      struct wb_err *err)
{
	char **hdr;
	int nh = csv_header(body, len, &hdr), missing = -1;
	for (int j = 0; j < sc->n && missing < 0; j++) {
		int k;
		for (k = 0; k < nh; k++)
			if (!strcmp(hdr[k], sc->names[j]))
				break;
		if (k == nh)
			missing = j;
	}
	for (int k = 0; k < nh; k++)
		free(hdr[k]);
	free(hdr);
	if (missing >= 0) {
		bad(status, 400, err, "text/csv: missing column '%s'", sc->names[missing]);
		return NULL;
	}
	struct csv_type_override *types = xcalloc((size_t)sc->n + 1, sizeof(*types));
	for (int j = 0; j < sc->n; j++) {
		types[j].name = sc->names[j];
		types[j].kind = sc->kinds[j];
	}
	struct csv_opts o;
	csv_opts_init(&o);
	o.delim = ',';
	o.types = types;
	o.ntypes = sc->n;
	o.threads = 1;   /* a pool thread parses its own request */
	struct frame *in = csv_read_mem("text/csv", body, len, &o, NULL, err);
	free(types);
	if (!in) {
		*status = 400;
		return NULL;
	}
	if (in->nrow > max_rows) {
		bad(status, 413, err, "too many rows: %zu (the limit is %zu)", in->nrow, max_rows);
		frame_unref(in);
		return NULL;
	}
	/* Only the schema's columns, in its order, as the JSON path gives. */
	struct frame *f = frame_new(in->nrow);
	for (int j = 0; j < sc->n; j++)
		frame_add(f, sc->names[j], column_ref(frame_col(in, sc->names[j])), NULL);
	frame_unref(in);
	return f;
}

/* ---------------------------------------------------------------- CSV fast
 *
 * csv_read_mem is built for files (buffers sized for megabytes, inference,
 * chunk merging), which costs more than scoring a one-row request.  csv_fast
 * reads the same grammar straight into columns of the schema's kinds, and
 * only has to be right on bodies the reader accepts: wherever the reader
 * could fail (a syntax doubt, a value not of its kind, a ragged row, bytes
 * that are not UTF-8) it answers FAST_NO and serve_parse_csv_general runs, so errors
 * stay the reader's own.  Rules copied from csv.c (delim ',', kinds forced):
 *   - RFC 4180 fields; after a closing quote only ',', '\n', "\r\n" or a
 *     final '\r'; a quote inside an unquoted field is an error; a '\r' not
 *     before '\n' (or the end) is field text;
 *   - an unquoted "", NA, N/A, NaN or null is missing, a quoted field never;
 *     a doubled quote is an error in a forced non-text kind;
 *   - num: any numparse number spanning the field (big integers and inf
 *     too); int: integer syntax within int64; bool: true/TRUE/True/false/
 *     FALSE/False; time: parse_time on 10+ bytes that are not a number;
 *   - an empty line is skipped unless the header has one field;
 *   - a header name is matched at its first occurrence (the reader renames
 *     only later duplicates and empty names). */

struct cfield {
	const char *s;
	size_t len;
	int quoted, dq;
};

/* A column being filled: the arrays of its kind, cap rows. */
struct fcol {
	enum col_kind kind;
	double *num;
	int64_t *i64;
	int8_t *b;
	uint8_t *valid;
	uint64_t *offs;      /* text: cap + 1 offsets into text */
	struct strbuf text;  /* text cells, a NUL after each (STR layout) */
};

/* UTF-8 as csv.c checks it, and no NUL byte (the reader rejects both). */
int serve_fast_utf8(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned c = s[i], k;
		uint32_t cp, min;
		if (c - 1 < 0x7f)
			continue;   /* ASCII other than NUL */
		if (c >= 0xc2 && c <= 0xdf)
			k = 1, cp = c & 0x1f, min = 0x80;
		else if (c >= 0xe0 && c <= 0xef)
			k = 2, cp = c & 0x0f, min = 0x800;
		else if (c >= 0xf0 && c <= 0xf4)
			k = 3, cp = c & 0x07, min = 0x10000;
		else
			return 0;   /* NUL, a stray continuation byte, a bad lead */
		for (; k > 0; k--, i++) {
			if (i + 1 >= n || (s[i + 1] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + 1] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
	}
	return 1;
}

/* The next field at *pp; *more says a ',' followed (the row goes on).
 * -1 where the reader would report an error. */
static int fast_field(const char **pp, const char *end, struct cfield *f, int *more)
{
	const char *p = *pp;
	f->quoted = f->dq = 0;
	if (p < end && *p == '"') {
		const char *q = p + 1;
		for (;;) {
			q = memchr(q, '"', (size_t)(end - q));
			if (!q)
				return -1;   /* unterminated quote */
			if (q + 1 < end && q[1] == '"') {
				f->dq = 1;
				q += 2;
				continue;
			}
			break;
		}
		f->s = p + 1;
		f->len = (size_t)(q - p - 1);
		f->quoted = 1;
		p = q + 1;
		if (p < end && *p != ',' && *p != '\n' && !(*p == '\r' && (p + 1 == end || p[1] == '\n')))
			return -1;   /* text after the closing quote */
	} else {
		const char *q = p;
		for (; q < end; q++) {
			char c = *q;
			if (c == ',' || c == '\n' || (c == '\r' && (q + 1 == end || q[1] == '\n')))
				break;
			if (c == '"')
				return -1;
		}
		f->s = p;
		f->len = (size_t)(q - p);
		p = q;
	}
	*more = p < end && *p == ',';
	if (*more)
		p++;
	else if (p < end)
		p += *p == '\r' ? 2 : 1;   /* "\r\n", "\n", or a final '\r' */
	*pp = p < end ? p : end;
	return 0;
}

static int fast_na(const char *s, size_t len)
{
	switch (len) {
	case 0: return 1;
	case 2: return !memcmp(s, "NA", 2);
	case 3: return !memcmp(s, "N/A", 3) || !memcmp(s, "NaN", 3);
	case 4: return !memcmp(s, "null", 4);
	}
	return 0;
}

/* Stores field f as row i of c; -1 where the reader would fail. */
static int fast_put(struct fcol *c, size_t i, const struct cfield *f)
{
	int na = !f->quoted && fast_na(f->s, f->len);
	if (c->kind == COL_CAT || c->kind == COL_STR) {
		c->offs[i] = c->text.len;
		if (!na && f->dq) {
			for (size_t k = 0; k < f->len; k++) {
				strbuf_add(&c->text, f->s + k, 1);
				k += f->s[k] == '"';
			}
		} else if (!na) {
			strbuf_add(&c->text, f->s, f->len);
		}
		strbuf_add(&c->text, "", 1);   /* the cell's NUL */
		c->valid[i] = (uint8_t)!na;
		return 0;
	}
	if (na)
		return 0;   /* the arrays start out missing */
	if (f->dq)
		return -1;  /* a doubled quote is never a number, bool or time */
	const char *s = f->s, *e = f->s + f->len, *stop;
	int64_t iv = 0;
	double dv = 0;
	enum numparse_kind nk = numparse(s, e, &iv, &dv, &stop);
	int full = nk != NP_NONE && stop == e;
	switch (c->kind) {
	case COL_NUM:
		if (!full)
			return -1;
		c->num[i] = dv;
		return 0;
	case COL_INT:
		if (!full || nk != NP_INT)
			return -1;
		c->i64[i] = iv;
		c->valid[i] = 1;
		return 0;
	case COL_BOOL:
		if (f->len == 4 && (!memcmp(s, "true", 4) || !memcmp(s, "TRUE", 4) ||
				    !memcmp(s, "True", 4)))
			c->b[i] = 1;
		else if (f->len == 5 && (!memcmp(s, "false", 5) || !memcmp(s, "FALSE", 5) ||
					 !memcmp(s, "False", 5)))
			c->b[i] = 0;
		else
			return -1;
		return 0;
	case COL_TIME:
		if (full || f->len < 10 || parse_time(s, f->len, &c->i64[i]) < 0)
			return -1;
		c->valid[i] = 1;
		return 0;
	default:
		WB_BUG("serve: kind %d", (int)c->kind);
	}
}

static void fcol_init(struct fcol *c, enum col_kind kind, size_t cap)
{
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	switch (kind) {
	case COL_NUM:
		c->num = xmallocarray(cap, sizeof(double));
		for (size_t i = 0; i < cap; i++)
			c->num[i] = NAN;
		break;
	case COL_INT:
	case COL_TIME:
		c->i64 = xcalloc(cap, sizeof(int64_t));
		c->valid = xcalloc(cap, 1);
		break;
	case COL_BOOL:
		c->b = xmalloc(cap);
		memset(c->b, -1, cap);
		break;
	case COL_CAT:
	case COL_STR:
		c->offs = xmallocarray(cap + 1, sizeof(uint64_t));
		c->valid = xmalloc(cap);
		break;
	}
}

static void fcol_release(struct fcol *c)
{
	free(c->num), free(c->i64), free(c->b), free(c->valid), free(c->offs);
	strbuf_release(&c->text);
}

/* n <= cap rows: give back the rest; an array the kind lacks stays NULL. */
static void *shrink(void *p, size_t bytes, int same)
{
	return p && !same ? xrealloc(p, bytes) : p;
}

/* The column of the first n rows; the arrays move into it. */
static struct column *fcol_finish(struct fcol *c, size_t n, size_t cap)
{
	if (c->kind == COL_CAT || c->kind == COL_STR) {
		c->offs[n] = c->text.len;
		size_t blen;
		char *bytes = strbuf_detach(&c->text, &blen);
		struct column *s = column_new_str(n, c->offs, bytes, c->valid);
		c->offs = NULL;
		c->valid = NULL;
		column_compact_valid(s);
		if (c->kind == COL_STR)
			return s;
		/* levels sorted bytewise, as the reader makes a forced cat */
		struct column *cat = column_to_cat(s);
		column_unref(s);
		return cat;
	}
	struct column *col = xcalloc(1, sizeof(*col));
	*col = (struct column){ .refs = 1, .kind = c->kind, .n = n,
				.num = shrink(c->num, n * sizeof(double), n == cap),
				.i64 = shrink(c->i64, n * sizeof(int64_t), n == cap),
				.b = shrink(c->b, n, n == cap),
				.valid = shrink(c->valid, n, n == cap) };
	c->num = NULL, c->i64 = NULL, c->b = NULL, c->valid = NULL;
	column_compact_valid(col);
	return col;
}

/* FAST_OK with *out, FAST_ERR with err and *status (a missing column, too
 * many rows: the messages the general path gives), or FAST_NO: use serve_parse_csv_general. */
static int csv_fast(const struct serve_schema *sc, const char *body, size_t len,
		    size_t max_rows, struct frame **out, int *status, struct wb_err *err)
{
	const char *p = body, *end = body + len;
	if (sc->n == 0 || !serve_fast_utf8((const unsigned char *)body, len))
		return FAST_NO;
	if (len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
		p += 3;

	/* The header: which field feeds which schema column. */
	struct cfield *hdr = NULL;
	int nh = 0, more = 1, rc = FAST_NO;
	while (more) {
		if ((nh & (nh - 1)) == 0)   /* at 0, 1, 2, 4, ...: double */
			hdr = xreallocarray(hdr, nh ? 2 * (size_t)nh : 1, sizeof(*hdr));
		struct cfield *f = &hdr[nh++];
		/* A doubled quote or a lone '\r' in a name: csv_header (the
		 * missing-column check) and the reader could disagree. */
		if (fast_field(&p, end, f, &more) < 0 || f->dq || memchr(f->s, '\r', f->len))
			goto out_hdr;
	}
	if (nh == 1 && hdr[0].len == 0)
		goto out_hdr;   /* an empty body or header line */
	int *colmap = xmallocarray((size_t)nh, sizeof(int));
	for (int k = 0; k < nh; k++)
		colmap[k] = -1;
	for (int j = 0; j < sc->n; j++) {
		size_t nl = strlen(sc->names[j]);
		int k;
		for (k = 0; k < nh; k++)
			if (hdr[k].len == nl && !memcmp(hdr[k].s, sc->names[j], nl))
				break;
		if (k == nh) {
			bad(status, 400, err, "text/csv: missing column '%s'", sc->names[j]);
			free(colmap);
			rc = FAST_ERR;
			goto out_hdr;
		}
		if (colmap[k] < 0)
			colmap[k] = j;   /* a schema name twice cannot happen */
	}

	/* Every row ends at a '\n' of its own, but a last one without. */
	size_t cap = p == end || end[-1] != '\n';
	for (const char *q = p; (q = memchr(q, '\n', (size_t)(end - q))) != NULL; q++)
		cap++;
	struct fcol *cols = xcalloc((size_t)sc->n, sizeof(*cols));
	for (int j = 0; j < sc->n; j++)
		fcol_init(&cols[j], sc->kinds[j], cap);
	size_t n = 0;
	while (p < end) {
		if (nh > 1 && (*p == '\n' || (*p == '\r' && p + 1 < end && p[1] == '\n'))) {
			p += *p == '\r' ? 2 : 1;
			continue;
		}
		int k = 0;
		if (n == cap)
			goto out;   /* cannot happen (see cap); never write past it */
		for (more = 1; more; k++) {
			struct cfield f;
			if (fast_field(&p, end, &f, &more) < 0 || k >= nh ||
			    (colmap[k] >= 0 && fast_put(&cols[colmap[k]], n, &f) < 0))
				goto out;
		}
		if (k != nh)
			goto out;
		n++;
	}
	if (n == 0)
		goto out;   /* rare; the reader knows how it builds empty columns */
	if (n > max_rows) {
		bad(status, 413, err, "too many rows: %zu (the limit is %zu)", n, max_rows);
		rc = FAST_ERR;
		goto out;
	}
	struct column **fc = xmallocarray((size_t)sc->n, sizeof(*fc));
	for (int j = 0; j < sc->n; j++)
		fc[j] = fcol_finish(&cols[j], n, cap);
	*out = serve_frame_of(sc, n, fc);
	free(fc);
	rc = FAST_OK;
out:
	for (int j = 0; j < sc->n; j++)
		fcol_release(&cols[j]);
	free(cols);
	free(colmap);
out_hdr:
	free(hdr);
	return rc;
}

struct frame *serve_parse_csv(const struct serve_schema *sc, const char *body, size_t len,
			      size_t max_rows, int *status, struct wb_err *err)
{
	struct frame *f = NULL;
	int rc = csv_fast(sc, body, len, max_rows, &f, status, err);
	if (rc == FAST_OK)
		return f;
	if (rc == FAST_ERR)
		return NULL;
	return serve_parse_csv_general(sc, body, len, max_rows, status, err);
}
