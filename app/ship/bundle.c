/*
 * bundle — writing, safely opening and verifying `.wbz` bundles (see
 * bundle.h for the contract and docs/bundle.md for the layout).
 *
 * The archive is a zip written and read with libarchive.  Zip rather than
 * tar: entries are deflated one by one (a model JSON shrinks ~5x), `unzip
 * -l` lists a bundle anywhere, and libarchive's zip writer has no hidden
 * clock: with mtime 0 the DOS time clamps to 1980-01-01 in every time zone.
 */
#include "ship/bundle.h"
#include "core/outfile.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/csv.h"
#include "core/frame_ops.h"
#include "core/strbuf.h"
#include "ml/recipe.h"

#ifndef WB_VERSION
#define WB_VERSION "unknown"
#endif

/* Entry names, in archive order.  Nothing else may appear in a bundle. */
static const char *const entry_names[] = {
	"manifest.json", "model.json", "recipe.json", "reference.json",
	"golden.csv", "golden_out.csv", "README.md", "Dockerfile",
};
#define NENTRY_NAMES ((int)(sizeof(entry_names) / sizeof(entry_names[0])))
/* Entries a bundle cannot do without. */
static const char *const required_names[] = { "model.json", "golden.csv", "golden_out.csv" };

#define MANIFEST_FLAGS (JSON_INDENT(2) | JSON_REAL_PRECISION(17))
#define DATA_FLAGS (JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17))

static int known_entry(const char *name)
{
	for (int k = 0; k < NENTRY_NAMES; k++)
		if (!strcmp(name, entry_names[k]))
			return k;
	return -1;
}

static void sha256_hex(const void *data, size_t len, char out[WB_HASH_HEX])
{
	unsigned char bin[WB_HASH_LEN];
	hash_bytes(data, len, bin);
	hash_hex(bin, out);
}

/* ---------------------------------------------------------------- schema */

/* The columns the model reads before its recipe: the recipe's inputs (the
 * training frame's columns) without the target and the weight, or the
 * model's features when it has no recipe.  Borrowed names; returns the
 * count. */
static int input_names(const struct model *m, const char ***out)
{
	const char **v;
	int n = 0;
	if (m->recipe) {
		v = xcalloc((size_t)m->recipe->nin + 1, sizeof(char *));
		for (int k = 0; k < m->recipe->nin; k++) {
			const char *name = m->recipe->in_names[k];
			if ((m->target && !strcmp(name, m->target)) ||
			    (m->weight && !strcmp(name, m->weight)))
				continue;
			v[n++] = name;
		}
	} else {
		v = xcalloc((size_t)m->p + 1, sizeof(char *));
		for (int j = 0; j < m->p; j++)
			v[n++] = m->features[j];
	}
	*out = v;
	return n;
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Distinct texts of a cat/str/bool column, sorted bytewise: categories (up
 * to BUNDLE_MAX_CATEGORIES), distinct and categories_truncated. */
static void add_categories(json_t *o, const struct column *c)
{
	const char **v = xcalloc(c->n + 1, sizeof(char *));
	size_t n = 0;
	if (c->kind == COL_CAT) {
		/* Levels that occur: a filtered frame may keep unused ones. */
		char *seen = xcalloc((size_t)c->nlevels + 1, 1);
		for (size_t i = 0; i < c->n; i++)
			if (c->codes[i] >= 0)
				seen[c->codes[i]] = 1;
		for (int32_t l = 0; l < c->nlevels; l++)
			if (seen[l])
				v[n++] = c->levels[l];
		free(seen);
	} else if (c->kind == COL_BOOL) {
		int seen[2] = { 0, 0 };
		for (size_t i = 0; i < c->n; i++)
			if (c->b[i] >= 0)
				seen[c->b[i] ? 1 : 0] = 1;
		if (seen[0])
			v[n++] = "false";
		if (seen[1])
			v[n++] = "true";
	} else {
		for (size_t i = 0; i < c->n; i++) {
			size_t len;
			if (!column_is_missing(c, i))
				v[n++] = column_get_text(c, i, &len);
		}
	}
	qsort(v, n, sizeof(char *), cmp_strp);
	size_t d = 0;
	for (size_t i = 0; i < n; i++)
		if (!d || strcmp(v[d - 1], v[i]))
			v[d++] = v[i];
	json_t *a = json_array();
	for (size_t i = 0; i < d && i < BUNDLE_MAX_CATEGORIES; i++)
		json_array_append_new(a, json_string_nocheck(v[i]));
	json_object_set_new(o, "categories", a);
	if (c->kind != COL_BOOL)
		json_object_set_new(o, "distinct", json_integer((json_int_t)d));
	if (d > BUNDLE_MAX_CATEGORIES)
		json_object_set_new(o, "categories_truncated", json_true());
	free(v);
}

/* min / max of a numeric or time column (nothing when all missing). */
static void add_range(json_t *o, const struct column *c)
{
	int any = 0;
	if (c->kind == COL_NUM) {
		double lo = 0, hi = 0;
		for (size_t i = 0; i < c->n; i++) {
			double x = c->num[i];
			if (isnan(x))
				continue;
			if (!any || x < lo)
				lo = x;
			if (!any || x > hi)
				hi = x;
			any = 1;
		}
		if (any) {
			json_object_set_new(o, "min", model_json_num(lo));
			json_object_set_new(o, "max", model_json_num(hi));
		}
		return;
	}
	int64_t lo = 0, hi = 0;
	for (size_t i = 0; i < c->n; i++) {
		if (column_is_missing(c, i))
			continue;
		int64_t x = c->i64[i];
		if (!any || x < lo)
			lo = x;
		if (!any || x > hi)
			hi = x;
		any = 1;
	}
	if (!any)
		return;
	if (c->kind == COL_INT) {
		json_object_set_new(o, "min", json_integer((json_int_t)lo));
		json_object_set_new(o, "max", json_integer((json_int_t)hi));
	} else {
		char buf[64];
		fmt_time(lo, buf, sizeof(buf));
		json_object_set_new(o, "min", json_string(buf));
		fmt_time(hi, buf, sizeof(buf));
		json_object_set_new(o, "max", json_string(buf));
	}
}

static json_t *column_schema(const char *name, const struct column *c)
{
	json_t *o = json_object();
	json_object_set_new(o, "name", json_string_nocheck(name));
	json_object_set_new(o, "kind", json_string(col_kind_name(c->kind)));
	json_object_set_new(o, "missing", json_integer((json_int_t)column_count_missing(c)));
	if (c->kind == COL_NUM || c->kind == COL_INT || c->kind == COL_TIME)
		add_range(o, c);
	else
		add_categories(o, c);
	return o;
}

/* ---------------------------------------------------------------- golden rows */

/* f as CSV text, through csv_write (whose output csv_read turns back into
 * the same values) and a temporary file next to `near`. */
static char *csv_text(const struct frame *f, const char *near, size_t *len, struct wb_err *err)
{
	char *tmp = xasprintf("%s.csv.XXXXXX", near);
	int fd = mkstemp(tmp);
	if (fd < 0) {
		wb_error(err, "cannot write '%s': %s", tmp, strerror(errno));
		free(tmp);
		return NULL;
	}
	close(fd);
	char *text = NULL;
	if (csv_write(f, tmp, ',', err) == 0) {
		FILE *fp = fopen(tmp, "rb");
		struct stat st;
		if (fp && fstat(fileno(fp), &st) == 0) {
			*len = (size_t)st.st_size;
			text = xmalloc(*len + 1);
			if (fread(text, 1, *len, fp) != *len) {
				free(text);
				text = NULL;
			} else {
				text[*len] = 0;
			}
		}
		if (!text)
			wb_error(err, "cannot read back '%s': %s", tmp, strerror(errno ? errno : EIO));
		if (fp)
			fclose(fp);
	}
	unlink(tmp);
	free(tmp);
	return text;
}

/* The golden input rows: the input columns of rows floor(i * nrow / k). */
static struct frame *golden_frame(const struct frame *train, const char *const *names, int n,
				  size_t k, struct wb_err *err)
{
	struct frame *sel = frame_select(train, names, n, err);
	if (!sel)
		return NULL;
	size_t *idx = xmallocarray(k + 1, sizeof(size_t));
	for (size_t i = 0; i < k; i++)
		idx[i] = (size_t)((unsigned long long)i * train->nrow / k);
	char params[64];
	snprintf(params, sizeof(params), "{\"rows\":%zu}", k);
	struct frame *g = frame_take(sel, idx, k, "bundle_golden", params);
	free(idx);
	frame_unref(sel);
	return g;
}

/* ---------------------------------------------------------------- writing */

struct entry {
	const char *name;
	char *data;
	size_t len;
};

static int write_archive(const char *path, struct entry *e, int n, struct wb_err *err)
{
	struct outfile o;
	if (outfile_open(&o, path, err) < 0)
		return -1;
	int fd = fileno(o.fp); /* libarchive writes the fd; nothing goes through o.fp */
	struct archive *a = archive_write_new();
	int rc = 0;
	/* No padding of the last block: the file ends where the zip ends. */
	if (archive_write_set_format_zip(a) != ARCHIVE_OK ||
	    archive_write_set_options(a, "zip:compression=deflate") != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
	    archive_write_open_fd(a, fd) != ARCHIVE_OK)
		rc = -1;
	for (int k = 0; k < n && rc == 0; k++) {
		struct archive_entry *ae = archive_entry_new();
		archive_entry_set_pathname(ae, e[k].name);
		archive_entry_set_size(ae, (la_int64_t)e[k].len);
		archive_entry_set_filetype(ae, AE_IFREG);
		archive_entry_set_perm(ae, 0644);
		archive_entry_set_mtime(ae, 0, 0);
		archive_entry_set_uid(ae, 0);
		archive_entry_set_gid(ae, 0);
		if (archive_write_header(a, ae) != ARCHIVE_OK)
			rc = -1;
		size_t off = 0;
		while (rc == 0 && off < e[k].len) {
			la_ssize_t w = archive_write_data(a, e[k].data + off, e[k].len - off);
			if (w <= 0)
				rc = -1;
			else
				off += (size_t)w;
		}
		archive_entry_free(ae);
	}
	if (rc == 0 && archive_write_close(a) != ARCHIVE_OK)
		rc = -1;
	if (rc < 0)
		wb_error(err, "cannot write '%s': %s", path,
			 archive_error_string(a) ? archive_error_string(a) : "archive error");
	archive_write_free(a);
	if (rc < 0) {
		outfile_abort(&o);
		return -1;
	}
	return outfile_commit(&o, err);
}

static const char *kind_or(const struct frame *f, const char *name)
{
	const struct column *c = frame_col(f, name);
	return c ? col_kind_name(c->kind) : "num";
}

/* Everything of the manifest but "files". */
static json_t *manifest_core(const struct bundle_spec *s, const char *const *in, int nin,
			     const struct frame *golden, const struct frame *out)
{
	const struct model *m = s->model;
	json_t *o = json_object();
	json_object_set_new(o, "format", json_string(BUNDLE_FORMAT));
	json_object_set_new(o, "format_version", json_integer(BUNDLE_VERSION));
	json_object_set_new(o, "name", json_string_nocheck(s->name));
	json_object_set_new(o, "version", json_string_nocheck(s->version));
	json_object_set_new(o, "created", json_string_nocheck(s->created));
	json_object_set_new(o, "wb_version", json_string(WB_VERSION));
	json_object_set_new(o, "run_id", s->run_id ? json_string_nocheck(s->run_id) : json_null());

	json_t *mo = json_object();
	json_object_set_new(mo, "family", json_string(m->type->name));
	json_object_set_new(mo, "task", json_string(model_task_name(m->task)));
	json_object_set_new(mo, "target", m->target ? json_string_nocheck(m->target) : json_null());
	json_object_set_new(mo, "target_kind",
			    m->target ? json_string(col_kind_name(m->target_kind)) : json_null());
	json_t *cl = json_array();
	for (int k = 0; m->task == MODEL_CLASSIFY && k < m->nclass; k++)
		json_array_append_new(cl, json_string_nocheck(m->classes[k]));
	json_object_set_new(mo, "classes", cl);
	if (m->task == MODEL_CLUSTER)
		json_object_set_new(mo, "clusters", json_integer(m->nclass));
	json_object_set_new(mo, "features", json_integer(m->p));
	json_object_set_new(mo, "custom_code", json_boolean(m->recipe && recipe_has_custom(m->recipe)));
	json_object_set_new(o, "model", mo);

	json_t *cols = json_array();
	for (int k = 0; k < nin; k++)
		json_array_append_new(cols, column_schema(in[k], frame_col(s->train, in[k])));
	json_t *io = json_object();
	json_object_set_new(io, "columns", cols);
	json_object_set_new(o, "input", io);

	cols = json_array();
	for (int k = 0; k < out->ncol; k++)
		json_array_append_new(cols, json_pack("{s:s,s:s}", "name", out->names[k], "kind",
						      kind_or(out, out->names[k])));
	io = json_object();
	json_object_set_new(io, "columns", cols);
	json_object_set_new(o, "output", io);

	char hex[WB_HASH_HEX];
	frame_hash_hex(s->train, hex);
	json_t *d = json_object();
	json_object_set_new(d, "rows", json_integer((json_int_t)s->train->nrow));
	json_object_set_new(d, "columns", json_integer(s->train->ncol));
	json_object_set_new(d, "hash", json_string(hex));
	json_object_set_new(d, "golden_rows", json_integer((json_int_t)golden->nrow));
	json_object_set_new(d, "golden_selection",
			    json_string("evenly spaced: training row floor(i * rows / golden_rows), "
					"i = 0 .. golden_rows - 1 (0-based)"));
	json_object_set_new(o, "data", d);
	json_object_set_new(o, "metrics", s->metrics ? json_deep_copy(s->metrics) : json_object());
	json_object_set_new(o, "meta", s->meta ? json_deep_copy(s->meta) : json_object());
	return o;
}

static int check_spec(const struct bundle_spec *s, struct wb_err *err)
{
	if (!s->model || !s->model->fitted)
		return wb_error(err, "bundle: the model is not trained");
	if (!s->train || !s->train->nrow)
		return wb_error(err, "bundle: a training frame with rows is needed");
	const char *req[3][2] = { { "name", s->name }, { "version", s->version },
				  { "created", s->created } };
	for (int k = 0; k < 3; k++)
		if (!req[k][1] || !*req[k][1])
			return wb_error(err, "bundle: '%s' is required", req[k][0]);
	for (int k = 0; k < 3; k++)
		for (const char *p = req[k][1]; *p; p++)
			if ((unsigned char)*p < 0x20)
				return wb_error(err, "bundle: the %s has a control character",
						req[k][0]);
	int64_t us;
	if (parse_time(s->created, strlen(s->created), &us) < 0)
		return wb_error(err, "bundle: created '%s' is not an ISO 8601 time", s->created);
	if ((s->metrics && !json_is_object(s->metrics)) ||
	    (s->reference && !json_is_object(s->reference)) ||
	    (s->meta && !json_is_object(s->meta)))
		return wb_error(err, "bundle: metrics, reference and meta must be JSON objects");
	return 0;
}

int bundle_write(const char *path, const struct bundle_spec *s, struct wb_err *err)
{
	if (check_spec(s, err) < 0)
		return -1;
	const struct model *m = s->model;
	const char **in;
	int nin = input_names(m, &in);
	for (int k = 0; k < nin; k++)
		if (!frame_col(s->train, in[k])) {
			wb_error(err, "bundle: the training frame has no column '%s', which the "
				 "model reads", in[k]);
			free(in);
			return -1;
		}

	struct entry e[NENTRY_NAMES];
	memset(e, 0, sizeof(e));
	int ne = 0, rc = -1;
	json_t *man = NULL;
	struct frame *out = NULL;
	size_t k = s->golden_rows ? s->golden_rows : BUNDLE_GOLDEN_ROWS;
	if (k > s->train->nrow)
		k = s->train->nrow;
	struct frame *golden = golden_frame(s->train, in, nin, k, err);
	if (!golden)
		goto done;
	out = model_predict(m, golden, 1, err);
	if (!out) {
		wb_error_prefix(err, "bundle: scoring the golden rows");
		goto done;
	}

	man = manifest_core(s, in, nin, golden, out);
	e[ne++] = (struct entry){ "manifest.json", NULL, 0 };
	e[ne].name = "model.json";
	e[ne].data = model_to_json(m);
	e[ne].len = strlen(e[ne].data);
	ne++;
	if (m->recipe) {
		e[ne].name = "recipe.json";
		e[ne].data = recipe_to_json(m->recipe);
		e[ne].len = strlen(e[ne].data);
		ne++;
	}
	if (s->reference) {
		e[ne].name = "reference.json";
		e[ne].data = json_dumps(s->reference, DATA_FLAGS);
		if (!e[ne].data) {
			wb_error(err, "bundle: the reference statistics cannot be encoded as JSON");
			goto done;
		}
		e[ne].len = strlen(e[ne].data);
		ne++;
	}
	e[ne].name = "golden.csv";
	if (!(e[ne].data = csv_text(golden, path, &e[ne].len, err)))
		goto done;
	ne++;
	e[ne].name = "golden_out.csv";
	if (!(e[ne].data = csv_text(out, path, &e[ne].len, err)))
		goto done;
	ne++;
	e[ne].name = "README.md";
	e[ne].data = bundle_card(man);
	e[ne].len = strlen(e[ne].data);
	ne++;
	e[ne].name = "Dockerfile";
	e[ne].data = bundle_dockerfile(man);
	e[ne].len = strlen(e[ne].data);
	ne++;

	json_t *files = json_object();
	for (int j = 1; j < ne; j++) {
		char hex[WB_HASH_HEX];
		sha256_hex(e[j].data, e[j].len, hex);
		json_object_set_new(files, e[j].name, json_pack("{s:s,s:I}", "sha256", hex, "bytes",
								(json_int_t)e[j].len));
	}
	json_object_set_new(man, "files", files);
	char *mt = json_dumps(man, MANIFEST_FLAGS);
	if (!mt) {
		wb_error(err, "bundle: metrics or meta cannot be encoded as JSON (NaN?)");
		goto done;
	}
	e[0].data = xasprintf("%s\n", mt);
	e[0].len = strlen(e[0].data);
	free(mt);
	rc = write_archive(path, e, ne, err);
done:
	for (int j = 0; j < ne; j++)
		free(e[j].data);
	json_decref(man);
	if (out)
		frame_unref(out);
	if (golden)
		frame_unref(golden);
	free(in);
	return rc;
}

/* ---------------------------------------------------------------- reading */

struct bundle {
	char *path;
	json_t *manifest;
	struct model *model;
	int custom;
	int n;
	char *names[NENTRY_NAMES];
	char *data[NENTRY_NAMES];
	size_t lens[NENTRY_NAMES];
};

void bundle_limits_init(struct bundle_limits *lim)
{
	lim->max_entries = 32;
	lim->max_entry_bytes = (size_t)512 << 20;
	lim->max_total_bytes = (size_t)1 << 30;
	lim->allow_custom = 0;
}

static int berr(struct wb_err *err, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int berr(struct wb_err *err, const char *path, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	wb_verror(err, fmt, ap);
	va_end(ap);
	return wb_error_prefix(err, "bundle '%s'", path);
}

static int find_entry(const struct bundle *b, const char *name)
{
	for (int k = 0; k < b->n; k++)
		if (!strcmp(b->names[k], name))
			return k;
	return -1;
}

/* Whether an archive path could escape or is not plain. */
static int unsafe_path(const char *p)
{
	if (p[0] == '/' || strchr(p, '\\'))
		return 1;
	for (const char *s = p; *s;) {
		size_t n = strcspn(s, "/");
		if (n == 2 && s[0] == '.' && s[1] == '.')
			return 1;
		s += n;
		if (*s)
			s++;
	}
	return 0;
}

/* Reads every entry into b, enforcing names, kinds and sizes. */
static int read_entries(struct bundle *b, struct archive *a, const struct bundle_limits *lim,
			struct wb_err *err)
{
	const char *path = b->path;
	size_t total = 0;
	int count = 0;
	for (;;) {
		struct archive_entry *ae;
		int r = archive_read_next_header(a, &ae);
		if (r == ARCHIVE_EOF)
			return 0;
		if (r < ARCHIVE_WARN)
			return berr(err, path, "not a readable bundle: %s",
				    archive_error_string(a) ? archive_error_string(a) : "bad archive");
		if (++count > lim->max_entries)
			return berr(err, path, "more than %d entries", lim->max_entries);
		const char *name = archive_entry_pathname(ae);
		if (!name || !*name)
			return berr(err, path, "an entry has no readable name");
		if (unsafe_path(name))
			return berr(err, path, "entry '%s': unsafe path (absolute or with '..')", name);
		if (known_entry(name) < 0)
			return berr(err, path, "unexpected entry '%s' (not part of a wb bundle)", name);
		if (find_entry(b, name) >= 0)
			return berr(err, path, "entry '%s' appears twice", name);
		if (archive_entry_filetype(ae) != AE_IFREG || archive_entry_hardlink(ae) ||
		    archive_entry_symlink(ae))
			return berr(err, path, "entry '%s' is not a regular file", name);
		if (archive_entry_size_is_set(ae) &&
		    (archive_entry_size(ae) < 0 ||
		     (unsigned long long)archive_entry_size(ae) > lim->max_entry_bytes))
			return berr(err, path, "%s: %lld bytes, over the limit of %zu", name,
				    (long long)archive_entry_size(ae), lim->max_entry_bytes);
		int k = b->n++;
		b->names[k] = xstrdup(name);
		size_t cap = 0, len = 0;
		char *buf = NULL;
		for (;;) {
			if (cap - len < 65536) {
				cap = cap ? 2 * cap : 65536;
				buf = xrealloc(buf, cap + 1);
			}
			la_ssize_t got = archive_read_data(a, buf + len, cap - len);
			if (got < 0) {
				free(buf);
				return berr(err, path, "%s: %s", name,
					    archive_error_string(a) ? archive_error_string(a)
								    : "cannot decompress");
			}
			if (got == 0)
				break;
			len += (size_t)got;
			total += (size_t)got;
			/* Sizes are counted as the data comes: headers can lie. */
			if (len > lim->max_entry_bytes) {
				free(buf);
				return berr(err, path, "%s: over the limit of %zu bytes", name,
					    lim->max_entry_bytes);
			}
			if (total > lim->max_total_bytes) {
				free(buf);
				return berr(err, path, "over the limit of %zu bytes in all",
					    lim->max_total_bytes);
			}
		}
		if (!buf)
			buf = xmalloc(1);
		buf[len] = 0;
		b->data[k] = buf;
		b->lens[k] = len;
	}
}

static const char *short_hex(const char *hex, char out[16])
{
	snprintf(out, 16, "%.12s", hex);
	return out;
}

/* Format, version and every file's size and hash against the manifest. */
static int check_manifest(struct bundle *b, struct wb_err *err)
{
	const char *path = b->path;
	int mk = find_entry(b, "manifest.json");
	if (mk < 0)
		return berr(err, path, "manifest.json is missing");
	json_error_t je;
	b->manifest = json_loadb(b->data[mk], b->lens[mk], JSON_REJECT_DUPLICATES, &je);
	if (!b->manifest || !json_is_object(b->manifest))
		return berr(err, path, "manifest.json:%d:%d: %s", je.line, je.column,
			    b->manifest ? "expected an object" : je.text);
	const char *fmt = json_string_value(json_object_get(b->manifest, "format"));
	if (!fmt || strcmp(fmt, BUNDLE_FORMAT))
		return berr(err, path, "manifest.json: format is not \"%s\"", BUNDLE_FORMAT);
	const json_t *ver = json_object_get(b->manifest, "format_version");
	if (!json_is_integer(ver) || json_integer_value(ver) < 1)
		return berr(err, path, "manifest.json: format_version must be a positive integer");
	if (json_integer_value(ver) > BUNDLE_VERSION)
		return berr(err, path, "bundle format version %lld is newer than this wb supports (%d)",
			    (long long)json_integer_value(ver), BUNDLE_VERSION);
	const json_t *files = json_object_get(b->manifest, "files");
	if (!json_is_object(files))
		return berr(err, path, "manifest.json: files must be an object");

	const char *name;
	const json_t *fo;
	json_object_foreach((json_t *)(uintptr_t)files, name, fo) {
		if (known_entry(name) <= 0)
			return berr(err, path, "manifest.json: unexpected file '%s'", name);
		int k = find_entry(b, name);
		if (k < 0)
			return berr(err, path, "%s: listed in the manifest but missing from the "
				    "archive", name);
		const char *want = json_string_value(json_object_get(fo, "sha256"));
		const json_t *bytes = json_object_get(fo, "bytes");
		unsigned char bin[WB_HASH_LEN];
		if (!want || hash_from_hex(want, bin) < 0 || !json_is_integer(bytes))
			return berr(err, path, "manifest.json: files.%s needs sha256 and bytes", name);
		if ((unsigned long long)json_integer_value(bytes) != b->lens[k])
			return berr(err, path, "%s: size mismatch (manifest says %lld bytes, file "
				    "is %zu)", name, (long long)json_integer_value(bytes),
				    b->lens[k]);
		char got[WB_HASH_HEX], s1[16], s2[16];
		sha256_hex(b->data[k], b->lens[k], got);
		if (strcasecmp(got, want))
			return berr(err, path, "%s: sha256 mismatch (manifest says %s\u2026, file "
				    "is %s\u2026)", name, short_hex(want, s1), short_hex(got, s2));
	}
	for (int k = 0; k < b->n; k++)
		if (k != mk && !json_object_get(files, b->names[k]))
			return berr(err, path, "unexpected file '%s' (not listed in the manifest)",
				    b->names[k]);
	for (size_t k = 0; k < sizeof(required_names) / sizeof(required_names[0]); k++)
		if (find_entry(b, required_names[k]) < 0)
			return berr(err, path, "%s is missing", required_names[k]);
	return 0;
}

/* Refuses custom recipe steps unless allowed; loads the model. */
static int load_model(struct bundle *b, const struct bundle_limits *lim, struct wb_err *err)
{
	int k = find_entry(b, "model.json");
	json_t *mj = json_loadb(b->data[k], b->lens[k], 0, NULL);
	const json_t *steps = json_object_get(json_object_get(mj, "recipe"), "steps");
	size_t i;
	const json_t *st;
	int custom = 0;
	json_array_foreach(steps, i, st) {
		const char *sn = json_string_value(json_object_get(st, "step"));
		if (json_is_true(json_object_get(st, "custom")) || (sn && !strcmp(sn, "custom"))) {
			if (!lim->allow_custom) {
				berr(err, b->path, "model.json: recipe step %zu (%s) runs custom "
				     "Lua code; open the bundle only if you trust its author, "
				     "with --allow-custom", i + 1, sn ? sn : "?");
				json_decref(mj); /* after the message: sn lives in mj */
				return -1;
			}
			custom = 1;
		}
	}
	json_decref(mj);
	b->model = model_from_json(b->data[k], err);
	if (!b->model)
		return wb_error_prefix(err, "bundle '%s': model.json", b->path);
	if (b->model->recipe && recipe_has_custom(b->model->recipe)) {
		if (!lim->allow_custom)
			return berr(err, b->path, "model.json: the recipe runs custom Lua code; open "
				    "the bundle only if you trust its author, with --allow-custom");
		custom = 1;
	}
	b->custom = custom;
	return 0;
}

struct bundle *bundle_open(const char *path, const struct bundle_limits *lim,
			   struct wb_err *err)
{
	struct bundle_limits def;
	if (!lim) {
		bundle_limits_init(&def);
		lim = &def;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		wb_error(err, "cannot open bundle '%s': %s", path, strerror(errno));
		return NULL;
	}
	struct bundle *b = xcalloc(1, sizeof(*b));
	b->path = xstrdup(path);
	struct archive *a = archive_read_new();
	archive_read_support_format_zip(a);
	int rc = -1;
	if (archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK)
		berr(err, path, "not a readable bundle: %s",
		     archive_error_string(a) ? archive_error_string(a) : "bad archive");
	else if (read_entries(b, a, lim, err) == 0 && check_manifest(b, err) == 0 &&
		 load_model(b, lim, err) == 0)
		rc = 0;
	archive_read_free(a);
	close(fd);
	if (rc < 0) {
		bundle_close(b);
		return NULL;
	}
	return b;
}

void bundle_close(struct bundle *b)
{
	if (!b)
		return;
	for (int k = 0; k < b->n; k++) {
		free(b->names[k]);
		free(b->data[k]);
	}
	json_decref(b->manifest);
	model_free(b->model);
	free(b->path);
	free(b);
}

const json_t *bundle_manifest(const struct bundle *b) { return b->manifest; }
const struct model *bundle_model(const struct bundle *b) { return b->model; }
struct recipe *bundle_recipe(struct bundle *b) { return b->model ? b->model->recipe : NULL; }
int bundle_nfiles(const struct bundle *b) { return b->n; }
const char *bundle_path(const struct bundle *b) { return b->path; }
int bundle_has_custom(const struct bundle *b) { return b->custom; }

const char *bundle_file_name(const struct bundle *b, int i)
{
	return i >= 0 && i < b->n ? b->names[i] : NULL;
}

const char *bundle_file(const struct bundle *b, const char *name, size_t *len)
{
	int k = find_entry(b, name);
	if (k < 0)
		return NULL;
	if (len)
		*len = b->lens[k];
	return b->data[k];
}

/* ---------------------------------------------------------------- verify */

/* Reads a golden CSV entry with the kinds the manifest's schema section
 * ("input" or "output") gives. */
static struct frame *read_golden(const struct bundle *b, const char *entry, const char *section,
				 struct wb_err *err)
{
	const json_t *cols = json_object_get(json_object_get(b->manifest, section), "columns");
	if (!json_is_array(cols) || !json_array_size(cols)) {
		berr(err, b->path, "manifest.json: %s.columns must be a non-empty array", section);
		return NULL;
	}
	size_t n = json_array_size(cols);
	struct csv_type_override *ov = xcalloc(n, sizeof(*ov));
	for (size_t k = 0; k < n; k++) {
		const json_t *c = json_array_get(cols, k);
		const char *kind = json_string_value(json_object_get(c, "kind"));
		ov[k].name = json_string_value(json_object_get(c, "name"));
		if (!ov[k].name || !kind || col_kind_parse(kind, &ov[k].kind) < 0) {
			free(ov);
			berr(err, b->path, "manifest.json: %s.columns[%zu] needs a name and a "
			     "column kind", section, k);
			return NULL;
		}
	}
	struct csv_opts o;
	csv_opts_init(&o);
	o.types = ov;
	o.ntypes = (int)n;
	size_t len = 0;
	const char *text = bundle_file(b, entry, &len);
	struct frame *f = csv_read_mem(entry, text, len, &o, NULL, err);
	free(ov);
	if (!f) {
		wb_error_prefix(err, "bundle '%s'", b->path);
		return NULL;
	}
	if (f->ncol != (int)n) {
		frame_unref(f);
		berr(err, b->path, "%s: %d columns, the manifest lists %zu", entry, f->ncol, n);
		return NULL;
	}
	return f;
}

/* A cell as text, the way a reader would see it ("" when missing). */
static void cell_text(const struct column *c, size_t i, char *buf, size_t size)
{
	size_t len;
	if (column_is_missing(c, i))
		buf[0] = 0;
	else if (c->kind == COL_CAT || c->kind == COL_STR)
		snprintf(buf, size, "%s", column_get_text(c, i, &len));
	else if (c->kind == COL_NUM)
		fmt_double(c->num[i], buf, size);
	else
		column_format(c, i, buf, size);
}

static int cell_equal(const struct column *a, const struct column *b, size_t i)
{
	int ma = column_is_missing(a, i), mb = column_is_missing(b, i);
	if (ma || mb)
		return ma && mb;
	if (a->kind == COL_NUM && b->kind == COL_NUM)
		return !memcmp(&a->num[i], &b->num[i], sizeof(double));
	size_t la, lb;
	if ((a->kind == COL_CAT || a->kind == COL_STR) && (b->kind == COL_CAT || b->kind == COL_STR)) {
		const char *ta = column_get_text(a, i, &la), *tb = column_get_text(b, i, &lb);
		return la == lb && !memcmp(ta, tb, la);
	}
	char x[128], y[128];
	cell_text(a, i, x, sizeof(x));
	cell_text(b, i, y, sizeof(y));
	return !strcmp(x, y);
}

int bundle_verify(const struct bundle *b, struct bundle_report *r, struct wb_err *err)
{
	struct bundle_report local;
	if (!r)
		r = &local;
	memset(r, 0, sizeof(*r));
	struct frame *in = read_golden(b, "golden.csv", "input", err);
	if (!in)
		return -1;
	struct frame *want = read_golden(b, "golden_out.csv", "output", err);
	struct frame *got = want ? model_predict(b->model, in, 1, err) : NULL;
	int rc = -1;
	if (want && !got)
		wb_error_prefix(err, "bundle '%s': scoring golden.csv", b->path);
	if (!got)
		goto out;
	if (got->nrow != want->nrow || in->nrow != want->nrow) {
		berr(err, b->path, "golden.csv has %zu rows, golden_out.csv %zu", in->nrow,
		     want->nrow);
		goto out;
	}
	for (int j = 0; j < want->ncol; j++)
		if (j >= got->ncol || strcmp(want->names[j], got->names[j])) {
			berr(err, b->path, "golden_out.csv: column %d is '%s', the model gives '%s'",
			     j + 1, want->names[j], j < got->ncol ? got->names[j] : "(nothing)");
			goto out;
		}
	if (got->ncol != want->ncol) {
		berr(err, b->path, "golden_out.csv has %d columns, the model gives %d", want->ncol,
		     got->ncol);
		goto out;
	}
	r->columns = want->ncol;
	for (size_t i = 0; i < want->nrow; i++) {
		for (int j = 0; j < want->ncol; j++) {
			if (cell_equal(want->cols[j], got->cols[j], i))
				continue;
			r->mismatch = 1;
			r->row = i + 1;
			r->rows = i;
			snprintf(r->column, sizeof(r->column), "%s", want->names[j]);
			cell_text(want->cols[j], i, r->expected, sizeof(r->expected));
			cell_text(got->cols[j], i, r->got, sizeof(r->got));
			berr(err, b->path, "golden row %zu, column '%s': expected %s, got %s",
			     r->row, r->column, r->expected[0] ? r->expected : "(missing)",
			     r->got[0] ? r->got : "(missing)");
			goto out;
		}
	}
	r->rows = want->nrow;
	rc = 0;
out:
	frame_unref(in);
	if (want)
		frame_unref(want);
	if (got)
		frame_unref(got);
	return rc;
}
