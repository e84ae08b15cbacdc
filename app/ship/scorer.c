/*
 * scorer — CSV in, predictions out, one chunk at a time (see scorer.h).
 *
 * Cutting: a chunk ends at the last newline that is outside double quotes
 * within chunk_bytes (a quoted field may hold newlines); a single row
 * longer than the chunk grows the buffer instead.  Each chunk is parsed as
 * "<header>\n<rows>" by csv_read_mem, so the CSV rules are exactly the
 * loader's.  Line numbers in the loader's messages are rewritten from
 * chunk-relative to file-relative.
 */
#include "ship/scorer.h"
#include "core/csv.h"
#include "core/frame_ops.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_CHUNK (32u << 20)
#define NAME_TAG "\001chunk"

/* Rewrites "\001chunk:L:..." (a line of the header+chunk text) into
 * "<path>:<L - 1 + first_line>:...". */
static void fix_lines(struct wb_err *err, const char *path, size_t first_line)
{
	const char *p = strstr(err->msg, NAME_TAG);
	char rest[sizeof(err->msg)];
	if (!p) {
		return;
	}
	size_t pre = (size_t)(p - err->msg);
	unsigned long line;
	int used = 0;
	if (sscanf(p + strlen(NAME_TAG), ":%lu%n", &line, &used) == 1) {
		snprintf(rest, sizeof(rest), "%s", p + strlen(NAME_TAG) + used);
		char head[sizeof(err->msg)];
		snprintf(head, sizeof(head), "%.*s", (int)pre, err->msg);
		/* line 1 is the repeated header; line 2 is the chunk's first row. */
		size_t real = line <= 1 ? 1 : line - 2 + first_line;
		wb_error(err, "%s%s:%zu%s", head, path, real, rest);
	} else {
		snprintf(rest, sizeof(rest), "%s", p + strlen(NAME_TAG));
		char head[sizeof(err->msg)];
		snprintf(head, sizeof(head), "%.*s", (int)pre, err->msg);
		wb_error(err, "%s%s%s", head, path, rest);
	}
}

/* End of the last complete row in buf[0..len): one past a newline outside
 * quotes, or 0 when there is none.  *lines gets the newlines before it. */
static size_t row_boundary(const char *buf, size_t len, size_t *lines)
{
	int quoted = 0;
	size_t end = 0, nl = 0, nl_at_end = 0;
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '"')
			quoted = !quoted;
		else if (buf[i] == '\n') {
			nl++;
			if (!quoted) {
				end = i + 1;
				nl_at_end = nl;
			}
		}
	}
	*lines = nl_at_end;
	return end;
}

/* The predictions of one parsed chunk, with the kept columns in front. */
static struct frame *score(const struct model *m, const struct frame *in,
			   const struct scorer_opts *o, struct wb_err *err)
{
	struct frame *pred = model_predict(m, in, o->proba, err);
	if (!pred)
		return NULL;
	struct frame *out = frame_new(in->nrow);
	for (int k = 0; k < o->nkeep; k++) {
		struct column *c = frame_col(in, o->keep[k]);
		if (!c) {
			frame_err_unknown(err, in, "predict: --keep", o->keep[k], NULL);
			goto fail;
		}
		if (frame_add(out, o->keep[k], column_ref(c), err) < 0)
			goto fail;
	}
	for (int j = 0; j < pred->ncol; j++)
		if (frame_add(out, pred->names[j], column_ref(pred->cols[j]), err) < 0)
			goto fail;
	frame_unref(pred);
	return out;
fail:
	frame_unref(pred);
	frame_unref(out);
	return NULL;
}

int scorer_run(const struct model *m, const json_t *schema, const char *in_path, FILE *out,
	       const struct scorer_opts *o, struct scorer_stats *st, struct wb_err *err)
{
	size_t chunk = o->chunk_bytes ? o->chunk_bytes : DEFAULT_CHUNK;
	memset(st, 0, sizeof(*st));
	FILE *fp = fopen(in_path, "rb");
	if (!fp)
		return wb_error(err, "cannot open '%s': %s", in_path, strerror(errno));

	/* The kinds the model was trained with, for every chunk alike. */
	size_t nt = json_array_size(schema);
	struct csv_type_override *types = xcalloc(nt + 1, sizeof(*types));
	int ntypes = 0;
	for (size_t k = 0; k < nt; k++) {
		const json_t *c = json_array_get(schema, k);
		const char *name = json_string_value(json_object_get(c, "name"));
		const char *kind = json_string_value(json_object_get(c, "kind"));
		if (name && kind && col_kind_parse(kind, &types[ntypes].kind) == 0)
			types[ntypes++].name = name;
	}
	struct csv_opts co;
	csv_opts_init(&co);
	co.types = types;
	co.ntypes = ntypes;
	co.delim = ',';

	char *header = NULL;
	size_t hcap = 0;
	ssize_t hlen = getline(&header, &hcap, fp);
	int rc = 0;
	if (hlen <= 0) {
		rc = wb_error(err, "'%s' is empty (no header line)", in_path);
		goto out;
	}
	if (header[hlen - 1] != '\n') {
		header = xrealloc(header, (size_t)hlen + 2);
		header[hlen++] = '\n';
		header[hlen] = 0;
	}

	/* Force kinds only for columns the file has: a missing one is the
	 * model's error to report (it names what the model needs). */
	struct csv_opts plain;
	csv_opts_init(&plain);
	plain.delim = ',';
	struct frame *cols = csv_read_mem(NAME_TAG, header, (size_t)hlen, &plain, NULL, err);
	if (!cols) {
		fix_lines(err, in_path, 1);
		rc = -1;
		goto out;
	}
	int kept = 0;
	for (int k = 0; k < ntypes; k++)
		if (frame_find(cols, types[k].name) >= 0)
			types[kept++] = types[k];
	co.ntypes = ntypes = kept;
	frame_unref(cols);

	size_t cap = chunk + (size_t)hlen + 1, have = (size_t)hlen, line = 2;
	char *buf = xmalloc(cap);
	memcpy(buf, header, (size_t)hlen);
	int eof = 0;
	while (!eof || have > (size_t)hlen) {
		if (!eof) {
			if (cap - have < chunk / 2 + 1) {
				cap = cap * 2;
				buf = xrealloc(buf, cap);
			}
			size_t n = fread(buf + have, 1, cap - have - 1, fp);
			have += n;
			if (n == 0) {
				if (ferror(fp)) {
					rc = wb_error(err, "cannot read '%s': %s", in_path,
						      strerror(errno));
					break;
				}
				eof = 1;
			}
		}
		size_t lines = 0;
		size_t end = (size_t)hlen + row_boundary(buf + hlen, have - (size_t)hlen, &lines);
		if (eof && end < have) { /* the last row without a newline */
			end = have;
			lines++;
		}
		if (end == (size_t)hlen) {
			if (eof)
				break;
			continue; /* one row longer than the buffer: read more */
		}
		struct frame *in = csv_read_mem(NAME_TAG, buf, end, &co, NULL, err);
		if (!in) {
			fix_lines(err, in_path, line);
			rc = -1;
			break;
		}
		struct frame *res = score(m, in, o, err);
		if (!res) {
			/* model errors name a column; say where the chunk starts */
			wb_error_prefix(err, "%s (rows from line %zu)", in_path, line);
			frame_unref(in);
			rc = -1;
			break;
		}
		if (csv_write_fp(res, out, ',', st->chunks == 0) < 0) {
			rc = wb_error(err, "cannot write the predictions: %s", strerror(errno));
			frame_unref(res);
			frame_unref(in);
			break;
		}
		st->rows += in->nrow;
		st->chunks++;
		line += lines;
		frame_unref(res);
		frame_unref(in);
		/* Keep the header, move the unparsed tail down. */
		memmove(buf + hlen, buf + end, have - end);
		have = (size_t)hlen + (have - end);
	}
	free(buf);
	if (rc == 0 && st->chunks == 0) {
		/* No rows: still a header line of the output. */
		struct frame *in = csv_read_mem(NAME_TAG, header, (size_t)hlen, &co, NULL, err);
		struct frame *res = in ? score(m, in, o, err) : NULL;
		if (!res)
			rc = -1;
		else if (csv_write_fp(res, out, ',', 1) < 0)
			rc = wb_error(err, "cannot write the predictions: %s", strerror(errno));
		frame_unref(res);
		frame_unref(in);
	}
out:
	free(header);
	free(types);
	fclose(fp);
	return rc;
}
