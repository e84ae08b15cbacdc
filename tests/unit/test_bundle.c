/*
 * test_bundle — writing, opening and verifying .wbz bundles: round trip,
 * byte-identical rewrites, tampering of every kind the loader must refuse,
 * and the committed format-version fixture tests/data/bundle/v1.wbz.
 *
 * The fixture is regenerated (only when the format changes on purpose) with
 *   WB_BUNDLE_FIXTURE_WRITE=1 build/tests/unit/test_bundle
 * run from the repository root; it is the bundle of make_model() below.
 */
#include "tap.h"
#include "ship/bundle.h"
#include "ml/model.h"
#include "core/hash.h"
#include "core/frame_ops.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/wb-bundle-XXXXXX";
static char top[1024] = ".";

#define N 300
#define CREATED "2024-05-01T12:00:00Z"

/* ---------------------------------------------------------------- data */

static uint64_t lcg_state = 12345;
static double urand(void)
{
	lcg_state = lcg_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(lcg_state >> 11) / 9007199254740992.0;
}

/* income (num, some NaN), region (cat, some missing), age (int, some
 * missing), y (cat target no/yes). */
static struct frame *make_frame(void)
{
	static const char *const regions[] = { "north", "south", "east", "west" };
	lcg_state = 12345;
	struct column *inc = column_new(COL_NUM, N), *age = column_new(COL_INT, N);
	int32_t *rc = malloc(N * sizeof(int32_t)), *yc = malloc(N * sizeof(int32_t));
	for (size_t i = 0; i < N; i++) {
		double x = 1000 + 4000 * urand();
		int r = (int)(urand() * 4);
		int64_t a = 18 + (int64_t)(urand() * 60);
		inc->num[i] = i % 17 == 3 ? NAN : x;
		rc[i] = i % 23 == 5 ? -1 : r;
		age->i64[i] = a;
		age->valid[i] = i % 31 != 7;
		double score = x / 5000 + (r == 1 ? 0.3 : 0) + (double)a / 200 + 0.3 * urand();
		yc[i] = score > 0.9;
	}
	char **rl = malloc(4 * sizeof(char *)), **yl = malloc(2 * sizeof(char *));
	for (int k = 0; k < 4; k++)
		rl[k] = strdup(regions[k]);
	yl[0] = strdup("no");
	yl[1] = strdup("yes");
	struct frame *f = frame_new(N);
	frame_add(f, "income", inc, NULL);
	frame_add(f, "region", column_new_cat(N, rc, rl, 4), NULL);
	frame_add(f, "age", age, NULL);
	frame_add(f, "y", column_new_cat(N, yc, yl, 2), NULL);
	frame_seal_content(f);
	return f;
}

static struct model *make_model(const struct frame *f, struct wb_err *err)
{
	json_t *p = json_loads("{\"rounds\": 5, \"max_depth\": 3}", 0, NULL);
	struct model *m = model_new("gbdt", p, err);
	json_decref(p);
	if (!m)
		return NULL;
	struct model_train_opts o;
	memset(&o, 0, sizeof(o));
	o.target = "y";
	o.seed = 7;
	if (model_train(m, f, &o, err) < 0) {
		model_free(m);
		return NULL;
	}
	return m;
}

static json_t *metrics, *reference, *meta;

static void make_spec(struct bundle_spec *s, const struct model *m, const struct frame *f)
{
	memset(s, 0, sizeof(*s));
	s->model = m;
	s->train = f;
	s->name = "credit";
	s->version = "1";
	s->created = CREATED;
	s->run_id = "r-0001";
	s->metrics = metrics;
	s->reference = reference;
	s->meta = meta;
}

static char *tmp_path(const char *name)
{
	return xasprintf("%s/%s", tmpdir, name);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return NULL;
	fseek(fp, 0, SEEK_END);
	long n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	char *s = malloc((size_t)n + 1);
	*len = fread(s, 1, (size_t)n, fp);
	s[*len] = 0;
	fclose(fp);
	return s;
}

/* ---------------------------------------------------------------- archive surgery */

struct ent {
	char *name;
	char *data;
	size_t len;
	int symlink;
};

#define MAXENT 16

static int load_zip(const char *path, struct ent *e)
{
	struct archive *a = archive_read_new();
	archive_read_support_format_zip(a);
	int n = 0;
	if (archive_read_open_filename(a, path, 65536) != ARCHIVE_OK)
		return -1;
	struct archive_entry *ae;
	while (n < MAXENT && archive_read_next_header(a, &ae) == ARCHIVE_OK) {
		e[n].name = strdup(archive_entry_pathname(ae));
		size_t cap = 1 << 16, len = 0;
		char *buf = malloc(cap);
		la_ssize_t got;
		while ((got = archive_read_data(a, buf + len, cap - len)) > 0) {
			len += (size_t)got;
			if (cap - len < 4096)
				buf = realloc(buf, cap *= 2);
		}
		buf = realloc(buf, len + 1);
		buf[len] = 0; /* the surgery below uses string functions */
		e[n].data = buf;
		e[n].len = len;
		e[n].symlink = 0;
		n++;
	}
	archive_read_free(a);
	return n;
}

static void save_zip(const char *path, struct ent *e, int n)
{
	struct archive *a = archive_write_new();
	archive_write_set_format_zip(a);
	archive_write_open_filename(a, path);
	for (int k = 0; k < n; k++) {
		if (!e[k].name)
			continue;
		struct archive_entry *ae = archive_entry_new();
		archive_entry_set_pathname(ae, e[k].name);
		if (e[k].symlink) {
			archive_entry_set_filetype(ae, AE_IFLNK);
			archive_entry_set_symlink(ae, "/etc/passwd");
			archive_entry_set_size(ae, 0);
		} else {
			archive_entry_set_filetype(ae, AE_IFREG);
			archive_entry_set_size(ae, (la_int64_t)e[k].len);
		}
		archive_entry_set_perm(ae, 0644);
		archive_write_header(a, ae);
		if (!e[k].symlink)
			archive_write_data(a, e[k].data, e[k].len);
		archive_entry_free(ae);
	}
	archive_write_close(a);
	archive_write_free(a);
}

static void free_ents(struct ent *e, int n)
{
	for (int k = 0; k < n; k++) {
		free(e[k].name);
		free(e[k].data);
	}
}

static struct ent *find_ent(struct ent *e, int n, const char *name)
{
	for (int k = 0; k < n; k++)
		if (e[k].name && !strcmp(e[k].name, name))
			return &e[k];
	return NULL;
}

static void set_data(struct ent *x, const char *text)
{
	free(x->data);
	x->data = strdup(text);
	x->len = strlen(text);
}

/* Recomputes the manifest's sha256 and bytes of every entry (a forger who
 * edits the manifest too: what the golden rows still catch). */
static void fix_manifest(struct ent *e, int n)
{
	struct ent *m = find_ent(e, n, "manifest.json");
	json_t *man = json_loadb(m->data, m->len, 0, NULL);
	json_t *files = json_object_get(man, "files");
	for (int k = 0; k < n; k++) {
		if (!e[k].name || !strcmp(e[k].name, "manifest.json"))
			continue;
		unsigned char bin[WB_HASH_LEN];
		char hex[WB_HASH_HEX];
		hash_bytes(e[k].data, e[k].len, bin);
		hash_hex(bin, hex);
		json_object_set_new(files, e[k].name, json_pack("{s:s,s:I}", "sha256", hex, "bytes",
								(json_int_t)e[k].len));
	}
	char *t = json_dumps(man, JSON_INDENT(2));
	set_data(m, t);
	free(t);
	json_decref(man);
}

typedef void (*surgery_fn)(struct ent *e, int *n);

/* Rewrites src with fn applied, opens it with lim and expects failure
 * whose message contains want. */
static void expect_refused(const char *src, surgery_fn fn, const struct bundle_limits *lim,
			   const char *want, const char *label)
{
	struct ent e[MAXENT];
	memset(e, 0, sizeof(e));
	int n = load_zip(src, e);
	fn(e, &n);
	char *path = tmp_path("tampered.wbz");
	save_zip(path, e, n);
	struct wb_err err = { "" };
	struct bundle *b = bundle_open(path, lim, &err);
	ok(b == NULL, "%s: refused", label);
	like(err.msg, want, "%s: message", label);
	like(err.msg, "tampered.wbz", "%s: message names the file", label);
	bundle_close(b);
	free_ents(e, n);
	unlink(path);
	free(path);
}

static void flip_model_byte(struct ent *e, int *n)
{
	struct ent *m = find_ent(e, *n, "model.json");
	/* One digit in the middle of the learned state. */
	for (size_t i = m->len / 2; i < m->len; i++)
		if (m->data[i] >= '1' && m->data[i] <= '8') {
			m->data[i]++;
			break;
		}
}

static void drop_golden(struct ent *e, int *n)
{
	struct ent *g = find_ent(e, *n, "golden.csv");
	free(g->name);
	g->name = NULL;
}

static void add_entry(struct ent *e, int *n, const char *name)
{
	e[*n].name = strdup(name);
	e[*n].data = strdup("x\n");
	e[*n].len = 2;
	(*n)++;
}

static void add_extra(struct ent *e, int *n) { add_entry(e, n, "notes.txt"); }
static void add_dotdot(struct ent *e, int *n) { add_entry(e, n, "../evil"); }
static void add_abs(struct ent *e, int *n) { add_entry(e, n, "/etc/passwd"); }
static void add_reference(struct ent *e, int *n) { add_entry(e, n, "reference.json"); }
static void no_change(struct ent *e, int *n) { (void)e; (void)n; }

static void add_symlink(struct ent *e, int *n)
{
	struct ent *r = find_ent(e, *n, "README.md");
	r->symlink = 1;
}

static void version_2(struct ent *e, int *n)
{
	struct ent *m = find_ent(e, *n, "manifest.json");
	char *p = strstr(m->data, "\"format_version\": 1");
	if (p)
		p[strlen("\"format_version\": ")] = '2';
}

static void mark_custom(struct ent *e, int *n)
{
	struct ent *m = find_ent(e, *n, "model.json");
	const char *key = "\"step\":\"ordinal\"";
	char *p = strstr(m->data, key);
	if (!p)
		return;
	size_t at = (size_t)(p - m->data) + strlen(key);
	char *t = xasprintf("%.*s,\"custom\":true%s", (int)at, m->data, m->data + at);
	set_data(m, t);
	free(t);
	fix_manifest(e, *n);
}

/* Changes the last digit of golden_out.csv's second data row (its last
 * column, a probability), and the manifest with it. */
static void change_golden_out(struct ent *e, int *n)
{
	struct ent *g = find_ent(e, *n, "golden_out.csv");
	char *p = g->data;
	for (int line = 0; line < 3; line++)
		p = strchr(p, '\n') + 1;
	p -= 2; /* the last character of row 2 */
	*p = *p == '9' ? '8' : (char)(*p + 1);
	fix_manifest(e, *n);
}

/* ---------------------------------------------------------------- tests */

static void test_roundtrip(const struct model *m, const struct frame *f)
{
	struct wb_err err = { "" };
	struct bundle_spec s;
	make_spec(&s, m, f);
	char *p1 = tmp_path("a.wbz"), *p2 = tmp_path("b.wbz");
	if (!ok(bundle_write(p1, &s, &err) == 0, "bundle_write"))
		diag(err.msg);
	ok(bundle_write(p2, &s, &err) == 0, "bundle_write again");
	size_t l1 = 0, l2 = 0;
	char *b1 = slurp(p1, &l1), *b2 = slurp(p2, &l2);
	ok(b1 && b2 && l1 == l2 && !memcmp(b1, b2, l1), "identical bytes when written twice (%zu)",
	   l1);
	ok(l1 < 50000, "bundle is small (%zu bytes)", l1);
	free(b1);
	free(b2);
	char *tmpname = xasprintf("%s.tmp", p1);
	struct stat st;
	ok(stat(tmpname, &st) != 0, "no temporary file left");
	free(tmpname);

	struct bundle *b = bundle_open(p1, NULL, &err);
	if (!ok(b != NULL, "bundle_open"))
		diag(err.msg);
	if (!b)
		return;
	struct bundle_report r;
	if (!ok(bundle_verify(b, &r, &err) == 0, "verify passes"))
		diag(err.msg);
	is_int(r.rows, 100, "100 golden rows checked");
	is_int(r.columns, 3, "pred, p_no, p_yes compared");
	is_int(r.mismatch, 0, "no mismatch");

	const json_t *man = bundle_manifest(b);
	is_str(json_string_value(json_object_get(man, "format")), "wb.bundle", "format");
	is_int(json_integer_value(json_object_get(man, "format_version")), 1, "format_version");
	is_str(json_string_value(json_object_get(man, "created")), CREATED, "created as given");
	is_str(json_string_value(json_object_get(man, "run_id")), "r-0001", "run id");
	const json_t *mo = json_object_get(man, "model");
	is_str(json_string_value(json_object_get(mo, "family")), "gbdt", "family");
	is_str(json_string_value(json_object_get(mo, "task")), "classification", "task");
	is_int(json_array_size(json_object_get(mo, "classes")), 2, "two classes");
	const json_t *in = json_object_get(json_object_get(man, "input"), "columns");
	is_int(json_array_size(in), 3, "three input columns (target excluded)");
	const json_t *inc = json_array_get(in, 0), *reg = json_array_get(in, 1),
		     *age = json_array_get(in, 2);
	is_str(json_string_value(json_object_get(inc, "name")), "income", "income first");
	ok(json_real_value(json_object_get(inc, "min")) >= 1000 &&
	   json_real_value(json_object_get(inc, "max")) <= 5000, "income range");
	ok(json_integer_value(json_object_get(inc, "missing")) > 0, "income missing count");
	char *cats = json_dumps(json_object_get(reg, "categories"), JSON_COMPACT);
	is_str(cats, "[\"east\",\"north\",\"south\",\"west\"]", "region categories, sorted");
	free(cats);
	is_str(json_string_value(json_object_get(age, "kind")), "int", "age is int");
	ok(json_integer_value(json_object_get(age, "min")) >= 18 &&
	   json_integer_value(json_object_get(age, "max")) < 78, "age range");
	const json_t *out = json_object_get(json_object_get(man, "output"), "columns");
	is_str(json_string_value(json_object_get(json_array_get(out, 2), "name")), "p_yes",
	       "output p_yes");
	char hex[WB_HASH_HEX];
	frame_hash_hex(f, hex);
	is_str(json_string_value(json_object_get(json_object_get(man, "data"), "hash")), hex,
	       "training data hash");
	const json_t *files = json_object_get(man, "files");
	is_int(json_object_size(files), 7, "seven files listed");
	is_int(bundle_nfiles(b), 8, "eight entries");
	is_str(bundle_file_name(b, 0), "manifest.json", "manifest first");

	size_t len;
	const char *card = bundle_file(b, "README.md", &len);
	like(card, "Only for the credit desk", "card shows intended use");
	like(card, "| auc | 0.91 |", "card has the metrics table");
	like(card, "_Not stated.", "card placeholder for limits");
	const char *docker = bundle_file(b, "Dockerfile", NULL);
	like(docker, "FROM debian:12", "Dockerfile base");
	like(docker, "ENTRYPOINT [\"wb\", \"serve\", \"/model.wbz\", \"--host\", \"0.0.0.0\", "
	     "\"--port\", \"8080\"]", "Dockerfile entrypoint");
	like(bundle_file(b, "reference.json", NULL), "wb.drift_ref", "reference stored");
	like(bundle_file(b, "recipe.json", NULL), "wb.recipe", "recipe.json extracted");
	ok(bundle_file(b, "nope", NULL) == NULL, "unknown file is NULL");
	ok(!bundle_has_custom(b), "no custom code");

	/* The reopened model predicts exactly what the original does. */
	size_t n1, n2;
	double *s1 = model_score(m, f, &n1, &err), *s2 = model_score(bundle_model(b), f, &n2, &err);
	ok(s1 && s2 && n1 == n2 && !memcmp(s1, s2, n1 * 2 * sizeof(double)),
	   "reopened model scores the training frame bit for bit");
	free(s1);
	free(s2);
	bundle_close(b);
	free(p1);
	free(p2);
}

static void test_tamper(const struct model *m, const struct frame *f)
{
	struct wb_err err = { "" };
	struct bundle_spec s;
	make_spec(&s, m, f);
	char *src = tmp_path("src.wbz");
	bundle_write(src, &s, &err);

	/* Our own surgery leaves a good bundle good. */
	struct ent e[MAXENT];
	memset(e, 0, sizeof(e));
	int n = load_zip(src, e);
	char *same = tmp_path("same.wbz");
	save_zip(same, e, n);
	free_ents(e, n);
	struct bundle *b = bundle_open(same, NULL, &err);
	ok(b != NULL, "a rewritten but unchanged bundle opens");
	bundle_close(b);
	free(same);

	expect_refused(src, flip_model_byte, NULL, "model.json: sha256 mismatch (manifest says ",
		       "one byte of model.json");
	expect_refused(src, drop_golden, NULL,
		       "golden.csv: listed in the manifest but missing from the archive",
		       "golden.csv removed");
	expect_refused(src, add_extra, NULL, "unexpected entry 'notes.txt'", "extra entry");
	expect_refused(src, add_dotdot, NULL, "'../evil': unsafe path", "../evil");
	expect_refused(src, add_abs, NULL, "etc/passwd", "/etc/passwd");
	expect_refused(src, add_symlink, NULL, "'README.md' is not a regular file", "symlink");
	expect_refused(src, version_2, NULL,
		       "bundle format version 2 is newer than this wb supports (1)",
		       "format_version 2");
	struct bundle_limits lim;
	bundle_limits_init(&lim);
	lim.max_entry_bytes = 1000;
	expect_refused(src, no_change, &lim, "over the limit of 1000", "entry over the size limit");
	bundle_limits_init(&lim);
	lim.max_total_bytes = 2000;
	expect_refused(src, no_change, &lim, "over the limit of 2000 bytes in all", "total limit");
	bundle_limits_init(&lim);
	lim.max_entries = 3;
	expect_refused(src, no_change, &lim, "more than 3 entries", "entry count limit");
	expect_refused(src, mark_custom, NULL, "with --allow-custom", "custom step refused");

	/* Opted in, the custom bundle opens and says so. */
	memset(e, 0, sizeof(e));
	n = load_zip(src, e);
	mark_custom(e, &n);
	char *cpath = tmp_path("custom.wbz");
	save_zip(cpath, e, n);
	free_ents(e, n);
	bundle_limits_init(&lim);
	lim.allow_custom = 1;
	b = bundle_open(cpath, &lim, &err);
	if (!ok(b != NULL, "custom bundle opens with allow_custom"))
		diag(err.msg);
	ok(b && bundle_has_custom(b), "and reports custom code");
	bundle_close(b);
	free(cpath);

	/* A forger who fixes the manifest's hashes is caught by the golden rows. */
	memset(e, 0, sizeof(e));
	n = load_zip(src, e);
	change_golden_out(e, &n);
	char *gpath = tmp_path("golden.wbz");
	save_zip(gpath, e, n);
	free_ents(e, n);
	b = bundle_open(gpath, NULL, &err);
	ok(b != NULL, "golden-tampered bundle with a fixed manifest opens");
	struct bundle_report r;
	ok(b && bundle_verify(b, &r, &err) < 0, "verify fails");
	ok(r.mismatch && r.row == 2, "first mismatch at row 2 (row %zu)", r.row);
	is_str(r.column, "p_yes", "in column p_yes");
	ok(strcmp(r.expected, r.got) != 0, "expected %s, got %s", r.expected, r.got);
	like(err.msg, "golden row 2, column 'p_yes': expected ", "message names row and column");
	bundle_close(b);
	free(gpath);

	/* Without reference statistics, a reference.json is not welcome. */
	s.reference = NULL;
	char *noref = tmp_path("noref.wbz");
	ok(bundle_write(noref, &s, &err) == 0, "bundle without reference");
	b = bundle_open(noref, NULL, &err);
	ok(b && !bundle_file(b, "reference.json", NULL), "has no reference.json");
	bundle_close(b);
	expect_refused(noref, add_reference, NULL,
		       "unexpected file 'reference.json' (not listed in the manifest)",
		       "unlisted reference.json");
	free(noref);

	/* Not a bundle at all. */
	char *junk = tmp_path("junk.wbz");
	FILE *fp = fopen(junk, "w");
	fputs("hello\n", fp);
	fclose(fp);
	ok(bundle_open(junk, NULL, &err) == NULL, "a text file is refused");
	like(err.msg, "junk.wbz", "naming it");
	free(junk);
	ok(bundle_open("/nonexistent/x.wbz", NULL, &err) == NULL, "missing file");
	like(err.msg, "cannot open bundle '/nonexistent/x.wbz'", "missing file message");
	free(src);
}

static void test_spec_errors(const struct model *m, const struct frame *f)
{
	struct wb_err err = { "" };
	struct bundle_spec s;
	make_spec(&s, m, f);
	char *p = tmp_path("bad.wbz");
	s.created = "yesterday";
	ok(bundle_write(p, &s, &err) < 0, "bad created refused");
	like(err.msg, "not an ISO 8601 time", "message");
	s.created = CREATED;
	s.name = NULL;
	ok(bundle_write(p, &s, &err) < 0, "name required");
	like(err.msg, "'name' is required", "message");
	s.name = "credit";
	const char *cols[] = { "y", "income" };
	struct frame *g = frame_select(f, cols, 2, &err);
	s.train = g;
	ok(bundle_write(p, &s, &err) < 0, "training frame without a model column");
	like(err.msg, "no column 'region'", "message names the column");
	frame_unref(g);
	struct stat st;
	ok(stat(p, &st) != 0, "nothing written");
	free(p);
}

/* A regression model with the linear family's recipe (impute, standardize,
 * one_hot) and a time column: one output column, verified the same way. */
static void test_regression(const struct frame *f)
{
	struct wb_err err = { "" };
	struct frame *g = frame_new(N);
	frame_add(g, "income", column_ref(frame_col(f, "income")), NULL);
	frame_add(g, "region", column_ref(frame_col(f, "region")), NULL);
	struct column *t = column_new(COL_TIME, N), *amt = column_new(COL_NUM, N);
	for (size_t i = 0; i < N; i++) {
		t->i64[i] = (int64_t)(1700000000 + 86400 * (int64_t)i) * 1000000;
		t->valid[i] = 1;
		double inc = frame_col(f, "income")->num[i];
		amt->num[i] = (isnan(inc) ? 2000 : inc) * 0.3 + (double)i;
	}
	frame_add(g, "when", t, NULL);
	frame_add(g, "amount", amt, NULL);
	frame_seal_content(g);
	struct model *m = model_new("linear", NULL, &err);
	struct model_train_opts o;
	memset(&o, 0, sizeof(o));
	o.target = "amount";
	ok(m && model_train(m, g, &o, &err) == 0, "train a linear regression");
	struct bundle_spec s;
	make_spec(&s, m, g);
	s.golden_rows = 7;
	s.metrics = NULL;
	s.meta = NULL;
	char *p = tmp_path("reg.wbz");
	if (!ok(bundle_write(p, &s, &err) == 0, "regression bundle written"))
		diag(err.msg);
	struct bundle *b = bundle_open(p, NULL, &err);
	struct bundle_report r;
	if (!ok(b && bundle_verify(b, &r, &err) == 0, "regression bundle verifies"))
		diag(err.msg);
	is_int(b ? r.rows : 0, 7, "seven golden rows");
	is_int(b ? r.columns : 0, 1, "one output column");
	const json_t *in = b ? json_object_get(json_object_get(bundle_manifest(b), "input"),
					     "columns") : NULL;
	is_str(json_string_value(json_object_get(json_array_get(in, 2), "min")), "2023-11-14T22:13:20Z",
	       "time range as ISO text");
	like(b ? bundle_file(b, "README.md", NULL) : NULL, "_No metrics were recorded._",
	     "card without metrics");
	bundle_close(b);
	model_free(m);
	frame_unref(g);
	free(p);
}

/* The committed bundle of an earlier wb must open and verify. */
static void test_fixture(const struct model *m, const struct frame *f)
{
	char *path = xasprintf("%s/tests/data/bundle/v1.wbz", top);
	struct wb_err err = { "" };
	if (getenv("WB_BUNDLE_FIXTURE_WRITE")) {
		struct bundle_spec s;
		make_spec(&s, m, f);
		s.run_id = NULL;
		ok(bundle_write(path, &s, &err) == 0, "fixture written to %s", path);
	}
	struct bundle *b = bundle_open(path, NULL, &err);
	if (!ok(b != NULL, "format-version 1 fixture opens"))
		diag(err.msg);
	struct bundle_report r;
	if (!ok(b && bundle_verify(b, &r, &err) == 0, "fixture verifies"))
		diag(err.msg);
	is_int(b ? r.rows : 0, 100, "fixture golden rows");
	ok(b && json_is_null(json_object_get(bundle_manifest(b), "run_id")), "fixture run_id null");
	bundle_close(b);
	free(path);
}

int main(void)
{
	const char *t = getenv("WB_TEST_TOP");
	if (t)
		snprintf(top, sizeof(top), "%s", t);
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	metrics = json_pack("{s:f,s:f}", "auc", 0.91, "accuracy", 0.85);
	reference = json_pack("{s:s,s:i}", "format", "wb.drift_ref", "version", 1);
	meta = json_pack("{s:s}", "intended_use", "Only for the credit desk.");
	struct wb_err err = { "" };
	struct frame *f = make_frame();
	struct model *m = make_model(f, &err);
	if (!ok(m != NULL, "train a gbdt"))
		diag(err.msg);
	if (m) {
		test_roundtrip(m, f);
		test_tamper(m, f);
		test_spec_errors(m, f);
		test_regression(f);
		test_fixture(m, f);
	}
	model_free(m);
	frame_unref(f);
	json_decref(metrics);
	json_decref(reference);
	json_decref(meta);
	char *cmd = xasprintf("rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		diag("cleanup failed");
	free(cmd);
	return tap_done();
}
