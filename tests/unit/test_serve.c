/*
 * test_serve — the scoring server over real sockets: a gbdt classifier with
 * a categorical feature and a linear regression, trained here, served on
 * port 0, and talked to by a small HTTP/1.1 client written below (no curl).
 * Every MLflow input format must give exactly model_predict's output on the
 * same rows; then errors, limits, concurrency, metrics and stopping.  The
 * single-row keep-alive throughput is measured and reported, not asserted.
 */
#include "tap.h"
#include "core/csv.h"
#include "core/strbuf.h"
#include "ml/model.h"
#include "ship/serve.h"
#include "ship/serve_fast.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void (*volatile keep_gbdt)(void) = model_gbdt_register;
static void (*volatile keep_linear)(void) = model_linear_register;

/* ---------------------------------------------------------------- client */

struct resp {
	int status;
	char *head;   /* the header block */
	char *body;   /* NUL-terminated */
	size_t len;
};

static void resp_free(struct resp *r)
{
	free(r->head);
	free(r->body);
	memset(r, 0, sizeof(*r));
}

static int conn_open(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static int send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Reads one response (headers, then Content-Length bytes). */
static int read_resp(int fd, struct resp *r)
{
	memset(r, 0, sizeof(*r));
	size_t cap = 4096, len = 0, hl = 0, need = 0;
	char *buf = malloc(cap);
	for (;;) {
		if (hl && len >= need)
			break;
		if (len + 1 >= cap)
			buf = realloc(buf, cap *= 2);
		ssize_t got = recv(fd, buf + len, cap - len - 1, 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			free(buf);
			return -1;
		}
		len += (size_t)got;
		buf[len] = 0;
		const char *eoh = hl ? NULL : strstr(buf, "\r\n\r\n");
		if (eoh) {
			hl = (size_t)(eoh - buf) + 4;
			const char *cl = strcasestr(buf, "\r\nContent-Length:");
			need = hl + (cl && cl < eoh ? strtoul(cl + 17, NULL, 10) : 0);
		}
	}
	r->head = strndup(buf, hl);
	r->len = need - hl;
	r->body = malloc(r->len + 1);
	memcpy(r->body, buf + hl, r->len);
	r->body[r->len] = 0;
	r->status = atoi(buf + 9);
	free(buf);
	return 0;
}

static int http_on(int fd, const char *method, const char *path, const char *ctype,
		   const char *body, struct resp *r)
{
	struct strbuf sb = STRBUF_INIT;
	size_t blen = body ? strlen(body) : 0;
	strbuf_addf(&sb, "%s %s HTTP/1.1\r\nHost: localhost\r\n", method, path);
	if (ctype)
		strbuf_addf(&sb, "Content-Type: %s\r\n", ctype);
	if (body)
		strbuf_addf(&sb, "Content-Length: %zu\r\n", blen);
	strbuf_adds(&sb, "\r\n");
	if (body)
		strbuf_add(&sb, body, blen);
	int rc = send_all(fd, sb.buf, sb.len);
	strbuf_release(&sb);
	return rc < 0 ? -1 : read_resp(fd, r);
}

/* One request on a fresh connection. */
static int http(int port, const char *method, const char *path, const char *ctype,
		const char *body, struct resp *r)
{
	int fd = conn_open(port);
	if (fd < 0)
		return -1;
	int rc = http_on(fd, method, path, ctype, body, r);
	close(fd);
	return rc;
}

/* ---------------------------------------------------------------- data */

static const char *const regions[] = { "north", "south", "east", "west" };
static uint64_t lcg = 99;

static double urand(void)
{
	lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(lcg >> 11) / 9007199254740992.0;
}

/* x1 num (some missing), x2 int, region cat, then the target: y (no/yes)
 * or score (num). */
static struct frame *make_data(size_t n, int regress)
{
	struct strbuf sb = STRBUF_INIT;
	lcg = 99;
	strbuf_adds(&sb, regress ? "x1,x2,region,score\n" : "x1,x2,region,y\n");
	for (size_t i = 0; i < n; i++) {
		double x1 = urand() * 10 - 3;
		int x2 = (int)(urand() * 50);
		int rg = (int)(urand() * 4);
		int y = x1 + (rg == 1 ? 3 : 0) - x2 * 0.05 + urand() * 2 > 2.5;
		double score = (i % 17 == 3 ? 0 : x1 * 2) + x2 * 0.3 + rg + urand();
		if (i % 17 == 3)
			strbuf_addf(&sb, ",%d,%s,", x2, regions[rg]);
		else
			strbuf_addf(&sb, "%.6f,%d,%s,", x1, x2, regions[rg]);
		if (regress)
			strbuf_addf(&sb, "%.6f\n", score);
		else
			strbuf_adds(&sb, y ? "yes\n" : "no\n");
	}
	struct wb_err err;
	struct frame *f = csv_read_mem("train.csv", sb.buf, sb.len, NULL, NULL, &err);
	if (!f) {
		printf("# %s\n", err.msg);
		abort();
	}
	strbuf_release(&sb);
	return f;
}

static struct model *train(const char *family, const char *params, const struct frame *f,
			   const char *target)
{
	struct wb_err err;
	json_t *p = json_loads(params, 0, NULL);
	struct model *m = model_new(family, p, &err);
	json_decref(p);
	struct model_train_opts o;
	memset(&o, 0, sizeof(o));
	o.target = target;
	o.seed = 3;
	if (!m || model_train(m, f, &o, &err) < 0) {
		printf("# train: %s\n", err.msg);
		abort();
	}
	return m;
}

/* Cell texts of the training frame for building requests. */
static void cell_json(struct strbuf *sb, const struct frame *f, const char *col, size_t i)
{
	const struct column *c = frame_col(f, col);
	if (column_is_missing(c, i)) {
		strbuf_adds(sb, "null");
		return;
	}
	if (c->kind == COL_NUM)
		strbuf_addf(sb, "%.17g", c->num[i]);
	else if (c->kind == COL_INT)
		strbuf_addf(sb, "%lld", (long long)c->i64[i]);
	else {
		size_t len;
		const char *t = column_get_text(c, i, &len);
		serve_json_str(sb, t, len);
	}
}

static const char *const incols[] = { "x1", "x2", "region" };

enum fmt { F_SPLIT, F_RECORDS, F_INST_REC, F_INST_LIST, F_INPUTS_COLS, F_INPUTS_REC,
	   F_SPLIT_POS, F_STRINGS, F_NFMT };
static const char *const fmt_names[] = { "dataframe_split", "dataframe_records",
					 "instances (records)", "instances (lists)",
					 "inputs (columns)", "inputs (records)",
					 "dataframe_split (no columns)", "numbers as text" };

static void records(struct strbuf *sb, const struct frame *f, size_t a, size_t b, int as_text)
{
	strbuf_adds(sb, "[");
	for (size_t i = a; i < b; i++) {
		strbuf_adds(sb, i > a ? ",{" : "{");
		for (int j = 0; j < 3; j++) {
			strbuf_addf(sb, "%s\"%s\":", j ? "," : "", incols[j]);
			if (as_text && j < 2 && !column_is_missing(frame_col(f, incols[j]), i)) {
				strbuf_adds(sb, "\"");
				cell_json(sb, f, incols[j], i);
				strbuf_adds(sb, "\"");
			} else {
				cell_json(sb, f, incols[j], i);
			}
		}
		strbuf_adds(sb, "}");
	}
	strbuf_adds(sb, "]");
}

static void lists(struct strbuf *sb, const struct frame *f, size_t a, size_t b,
		  const char *const *cols, int ncol)
{
	strbuf_adds(sb, "[");
	for (size_t i = a; i < b; i++) {
		strbuf_adds(sb, i > a ? ",[" : "[");
		for (int j = 0; j < ncol; j++) {
			if (j)
				strbuf_adds(sb, ",");
			if (!strcmp(cols[j], "extra"))
				strbuf_adds(sb, "{\"ignored\": true}");
			else
				cell_json(sb, f, cols[j], i);
		}
		strbuf_adds(sb, "]");
	}
	strbuf_adds(sb, "]");
}

static char *request_body(enum fmt k, const struct frame *f, size_t a, size_t b)
{
	struct strbuf sb = STRBUF_INIT;
	static const char *const shuffled[] = { "region", "extra", "x2", "x1" };
	switch (k) {
	case F_SPLIT:
		strbuf_adds(&sb, "{\"dataframe_split\":{\"columns\":[\"region\",\"extra\",\"x2\","
			    "\"x1\"],\"index\":[0],\"data\":");
		lists(&sb, f, a, b, shuffled, 4);
		strbuf_adds(&sb, "}}");
		break;
	case F_SPLIT_POS:
		strbuf_adds(&sb, "{\"dataframe_split\":{\"data\":");
		lists(&sb, f, a, b, incols, 3);
		strbuf_adds(&sb, "}}");
		break;
	case F_RECORDS:
		strbuf_adds(&sb, "{\"dataframe_records\":");
		records(&sb, f, a, b, 0);
		strbuf_adds(&sb, "}");
		break;
	case F_STRINGS:
		strbuf_adds(&sb, "{\"dataframe_records\":");
		records(&sb, f, a, b, 1);
		strbuf_adds(&sb, "}");
		break;
	case F_INST_REC:
		strbuf_adds(&sb, "{\"instances\":");
		records(&sb, f, a, b, 0);
		strbuf_adds(&sb, "}");
		break;
	case F_INPUTS_REC:
		strbuf_adds(&sb, "{\"inputs\":");
		records(&sb, f, a, b, 0);
		strbuf_adds(&sb, "}");
		break;
	case F_INST_LIST:
		strbuf_adds(&sb, "{\"instances\":");
		lists(&sb, f, a, b, incols, 3);
		strbuf_adds(&sb, "}");
		break;
	case F_INPUTS_COLS:
		strbuf_adds(&sb, "{\"inputs\":{");
		for (int j = 0; j < 3; j++) {
			strbuf_addf(&sb, "%s\"%s\":[", j ? "," : "", incols[j]);
			for (size_t i = a; i < b; i++) {
				if (i > a)
					strbuf_adds(&sb, ",");
				cell_json(&sb, f, incols[j], i);
			}
			strbuf_adds(&sb, "]");
		}
		strbuf_adds(&sb, "}}");
		break;
	case F_NFMT:
		break;
	}
	return strbuf_detach(&sb, NULL);
}

static char *csv_body(const struct frame *f, size_t a, size_t b)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_adds(&sb, "region,x1,x2,y\n");
	for (size_t i = a; i < b; i++) {
		char buf[64];
		size_t len;
		const char *t = column_get_text(frame_col(f, "region"), i, &len);
		strbuf_addf(&sb, "%s,", t);
		const struct column *x1 = frame_col(f, "x1");
		if (!column_is_missing(x1, i))
			strbuf_addf(&sb, "%.17g", x1->num[i]);
		column_format(frame_col(f, "x2"), i, buf, sizeof(buf));
		strbuf_addf(&sb, ",%s,\n", buf);
	}
	return strbuf_detach(&sb, NULL);
}

/* Whether body's predictions for rows a..b equal pred's rows exactly. */
static int same_preds(const char *body, const struct frame *pred, size_t a, size_t b, int proba,
		      char *why, size_t wsz)
{
	json_error_t je;
	json_t *root = json_loads(body, 0, &je);
	json_t *arr = json_object_get(root, "predictions");
	int good = json_is_array(arr) && json_array_size(arr) == b - a;
	if (!good)
		snprintf(why, wsz, "not %zu predictions: %.200s", b - a, body);
	const struct column *pc = frame_col(pred, "pred");
	for (size_t i = a; good && i < b; i++) {
		json_t *v = json_array_get(arr, i - a);
		json_t *lab = proba ? json_object_get(v, "pred") : v;
		if (pc->kind == COL_NUM) {
			good = json_is_number(lab) && json_number_value(lab) == pc->num[i];
		} else {
			size_t len;
			const char *t = column_get_text(pc, i, &len);
			good = json_is_string(lab) && !strcmp(json_string_value(lab), t);
		}
		for (int j = 1; good && proba && j < pred->ncol; j++) {
			json_t *p = json_object_get(v, pred->names[j]);
			good = json_is_real(p) && json_real_value(p) == pred->cols[j]->num[i];
		}
		if (!good)
			snprintf(why, wsz, "row %zu differs: %.200s", i + 1, body);
	}
	json_decref(root);
	return good;
}

/* The value of the first metrics line starting with `prefix`, or -1. */
static double metric(const char *text, const char *prefix)
{
	const char *p = text;
	size_t n = strlen(prefix);
	while (p && *p) {
		if (!strncmp(p, prefix, n) && p[n] == ' ')
			return strtod(p + n + 1, NULL);
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -1;
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* ---------------------------------------------------------------- tests */

static struct frame *data;
static struct model *clf;
static struct frame *pred_clf, *pred_proba;

/* The same rows as text/csv (CRLF, quoted text, every missing spelling) and
 * as JSON give byte-identical responses. */
static void test_csv_parity(int port)
{
	static const char *const na[] = { "", "NA", "N/A", "NaN", "null" };
	struct strbuf sb = STRBUF_INIT;
	strbuf_adds(&sb, "x2,\"region\",extra,x1\r\n");
	for (size_t i = 0; i < 60; i++) {
		size_t len;
		const char *t = column_get_text(frame_col(data, "region"), i, &len);
		const struct column *x1 = frame_col(data, "x1");
		strbuf_addf(&sb, "%lld,%s%s%s,\"a,b\",", (long long)frame_col(data, "x2")->i64[i],
			    i % 2 ? "\"" : "", t, i % 2 ? "\"" : "");
		if (column_is_missing(x1, i))
			strbuf_adds(&sb, na[i % 5]);
		else
			strbuf_addf(&sb, "%.17g", x1->num[i]);
		strbuf_adds(&sb, "\r\n");
	}
	char *json = request_body(F_SPLIT, data, 0, 60);
	struct resp rc = { 0 }, rj = { 0 };
	int e1 = http(port, "POST", "/invocations?proba=1", "text/csv", sb.buf, &rc);
	int e2 = http(port, "POST", "/invocations?proba=1", "application/json", json, &rj);
	ok(e1 == 0 && e2 == 0 && rc.status == 200 && rj.status == 200 && !strcmp(rc.body, rj.body),
	   "text/csv and JSON bodies of the same 60 rows: identical probabilities");
	char why[512] = "";
	ok(e1 == 0 && same_preds(rc.body, pred_proba, 0, 60, 1, why, sizeof(why)),
	   "text/csv: equal to model_predict on the frame read from a file");
	if (why[0])
		printf("#   %s\n", why);
	resp_free(&rc);
	resp_free(&rj);
	free(json);
	strbuf_release(&sb);
}


static void test_formats(int port)
{
	char why[512] = "";
	for (int k = 0; k < F_NFMT; k++) {
		char *body = request_body((enum fmt)k, data, 0, 20);
		struct resp r = { 0 };
		int rc = http(port, "POST", "/invocations", "application/json", body, &r);
		ok(rc == 0 && r.status == 200, "%s: 200", fmt_names[k]);
		if (rc == 0 && r.status != 200)
			printf("#   %s\n", r.body);
		ok(rc == 0 && same_preds(r.body, pred_clf, 0, 20, 0, why, sizeof(why)),
		   "%s: predictions equal model_predict", fmt_names[k]);
		if (why[0])
			printf("#   %s\n", why);
		why[0] = 0;
		resp_free(&r);
		free(body);
	}
	char *csv = csv_body(data, 0, 20);
	struct resp r = { 0 };
	int rc = http(port, "POST", "/invocations", "text/csv; charset=utf-8", csv, &r);
	ok(rc == 0 && r.status == 200, "text/csv: 200");
	ok(rc == 0 && same_preds(r.body, pred_clf, 0, 20, 0, why, sizeof(why)),
	   "text/csv: predictions equal model_predict (columns reordered, extra ignored)");
	if (why[0])
		printf("#   %s\n", why);
	resp_free(&r);
	free(csv);

	/* Probabilities three ways. */
	char *body = request_body(F_RECORDS, data, 0, 20);
	rc = http(port, "POST", "/invocations?proba=1", "application/json", body, &r);
	ok(rc == 0 && r.status == 200 && same_preds(r.body, pred_proba, 0, 20, 1, why, sizeof(why)),
	   "?proba=1: pred and p_<class> equal model_predict(proba) bit for bit");
	if (rc == 0)
		like(r.body, "\"p_yes\":", "object form names p_yes");
	resp_free(&r);
	free(body);
	struct strbuf sb = STRBUF_INIT;
	strbuf_adds(&sb, "{\"params\":{\"proba\":true},\"inputs\":");
	records(&sb, data, 5, 9, 0);
	strbuf_adds(&sb, "}");
	rc = http(port, "POST", "/invocations", "application/json", sb.buf, &r);
	ok(rc == 0 && r.status == 200 && same_preds(r.body, pred_proba, 5, 9, 1, why, sizeof(why)),
	   "params.proba: probabilities");
	resp_free(&r);
	strbuf_release(&sb);

	int fd = conn_open(port);
	const char *js = "{\"inputs\":{\"x1\":[null],\"x2\":[7],\"region\":[\"nowhere\"],"
			 "\"y\":[1]}}";
	char req[512];
	snprintf(req, sizeof(req), "POST /invocations HTTP/1.1\r\nHost: x\r\nX-Wb-Proba: 1\r\n"
		 "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s", strlen(js), js);
	ok(send_all(fd, req, strlen(req)) == 0 && read_resp(fd, &r) == 0 && r.status == 200,
	   "X-Wb-Proba header, missing x1, unseen level: 200");
	like(r.body, "{\"predictions\":[{\"pred\":", "object form");
	resp_free(&r);
	close(fd);

	/* Zero rows. */
	rc = http(port, "POST", "/invocations", "application/json", "{\"dataframe_records\":[]}",
		  &r);
	ok(rc == 0 && r.status == 200, "zero rows: 200");
	is_str(r.body, "{\"predictions\":[]}", "zero rows: empty list");
	resp_free(&r);
}

static void expect_error(int port, const char *method, const char *path, const char *ctype,
			 const char *body, int status, const char *needle, const char *name)
{
	struct resp r = { 0 };
	int rc = http(port, method, path, ctype, body, &r);
	ok(rc == 0 && r.status == status, "%s: %d", name, status);
	if (rc == 0 && r.status != status)
		printf("#   got %d: %s\n", r.status, r.body);
	if (needle)
		like(rc == 0 ? r.body : NULL, needle, "%s: message", name);
	if (rc == 0) {
		json_t *j = json_loads(r.body, 0, NULL);
		ok(j && json_is_string(json_object_get(j, "error_code")) &&
		   json_is_string(json_object_get(j, "message")),
		   "%s: JSON error_code and message", name);
		json_decref(j);
	}
	resp_free(&r);
}

static void test_errors(int port)
{
	const char *J = "application/json";
	expect_error(port, "POST", "/invocations", J,
		     "{\"dataframe_records\":[{\"x1\":1,\"x2\":2}]}", 400,
		     "missing column 'region'", "missing column");
	expect_error(port, "POST", "/invocations", J,
		     "{\"dataframe_split\":{\"columns\":[\"x1\",\"region\"],\"data\":[[1,\"a\"]]}}",
		     400, "missing column 'x2'", "split: missing column");
	expect_error(port, "POST", "/invocations", J,
		     "{\"dataframe_records\":[{\"x1\":1,\"x2\":2,\"region\":\"east\"},"
		     "{\"x1\":\"abc\",\"x2\":2,\"region\":\"east\"}]}", 400,
		     "column 'x1', row 2: expected a number, got \\\"abc\\\"", "wrong type");
	expect_error(port, "POST", "/invocations", J,
		     "{\"instances\":[{\"x1\":1,\"x2\":2.5,\"region\":\"east\"}]}", 400,
		     "column 'x2', row 1: expected an integer", "non-integral int");
	expect_error(port, "POST", "/invocations", J,
		     "{\"instances\":[{\"x1\":1,\"x2\":2,\"region\":[1]}]}", 400,
		     "column 'region', row 1: expected text, got a list", "list for text");
	expect_error(port, "POST", "/invocations", J, "{\"inputs\": [1, 2,\n  }", 400,
		     "invalid JSON at line 2", "bad JSON");
	expect_error(port, "POST", "/invocations", J, "{\"instances\":[[1,2]]}", 400,
		     "row 1 has 2 values, expected 3", "short row");
	expect_error(port, "POST", "/invocations", J, "{\"rows\":[]}", 400, "unknown key 'rows'",
		     "unknown key");
	expect_error(port, "POST", "/invocations", J, "{\"inputs\":[],\"instances\":[]}", 400,
		     "only one of", "two formats");
	expect_error(port, "POST", "/invocations", "text/csv", "x1,x2\n1,2\n", 400,
		     "missing column 'region'", "csv: missing column");
	expect_error(port, "POST", "/invocations", "text/csv", "x1,x2,region\nabc,2,east\n", 400,
		     "text/csv:2", "csv: bad number names the line");
	expect_error(port, "POST", "/invocations", "application/xml", "<a/>", 415, "application/xml",
		     "unsupported content type");
	expect_error(port, "GET", "/invocations", NULL, NULL, 405, "use POST", "GET /invocations");
	expect_error(port, "POST", "/health", J, "{}", 405, "use GET", "POST /health");
	expect_error(port, "GET", "/nope", NULL, NULL, 404, "no such endpoint", "unknown path");

	/* Errors answer on the same connection and keep it open. */
	int fd = conn_open(port);
	struct resp r = { 0 };
	int good = 0;
	if (http_on(fd, "GET", "/nope", NULL, NULL, &r) == 0 && r.status == 404 &&
	    !strcasestr(r.head, "Connection: close"))
		good++;
	resp_free(&r);
	if (http_on(fd, "POST", "/health", "application/json", "{\"a\": 1}", &r) == 0 &&
	    r.status == 405)
		good++;
	resp_free(&r);
	if (http_on(fd, "POST", "/invocations", "application/json", "{\"inputs\": [", &r) == 0 &&
	    r.status == 400)
		good++;
	resp_free(&r);
	if (http_on(fd, "GET", "/ping", NULL, NULL, &r) == 0 && r.status == 200)
		good++;
	resp_free(&r);
	close(fd);
	is_int(good, 4, "404, 405 (with a body), 400, then 200 on one keep-alive connection");

	int rc = http(port, "DELETE", "/metrics", NULL, NULL, &r);
	ok(rc == 0 && r.status == 405 && strcasestr(r.head, "\r\nAllow: GET"), "405 has Allow");
	resp_free(&r);
}

/* A server with a 200-byte body limit and 3 rows per request. */
static void test_limits(void)
{
	struct serve_opts o;
	memset(&o, 0, sizeof(o));
	o.model = clf;
	o.max_body = 200;
	o.max_rows = 3;
	struct wb_err err;
	struct serve *s = serve_start(&o, &err);
	if (!ok(s != NULL, "limited server starts"))
		return;
	int port = serve_port(s);
	/* Content-Length over the limit: refused before the body is read. */
	int fd = conn_open(port);
	const char *hdr = "POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
			  "Content-Length: 5000\r\n\r\n";
	struct resp r = { 0 };
	ok(send_all(fd, hdr, strlen(hdr)) == 0 && read_resp(fd, &r) == 0 && r.status == 413,
	   "Content-Length over max_body: 413");
	like(r.body, "over the limit of 200", "413 says the limit");
	resp_free(&r);
	close(fd);

	/* Chunked (no Content-Length): counted while reading. */
	fd = conn_open(port);
	struct strbuf sb = STRBUF_INIT;
	strbuf_adds(&sb, "POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
		    "Transfer-Encoding: chunked\r\n\r\n");
	for (int k = 0; k < 3; k++) {
		strbuf_addf(&sb, "%x\r\n", 100);
		for (int c = 0; c < 100; c++)
			strbuf_adds(&sb, " ");
		strbuf_adds(&sb, "\r\n");
	}
	strbuf_adds(&sb, "0\r\n\r\n");
	ok(send_all(fd, sb.buf, sb.len) == 0 && read_resp(fd, &r) == 0 && r.status == 413,
	   "chunked body over max_body: 413");
	resp_free(&r);
	strbuf_release(&sb);
	close(fd);

	char *body = request_body(F_INST_LIST, data, 0, 4);
	expect_error(port, "POST", "/invocations", "application/json", body, 413,
		     "too many rows: 4 (the limit is 3)", "rows over max_rows");
	free(body);
	body = request_body(F_INST_LIST, data, 0, 3);
	int rc = http(port, "POST", "/invocations", "application/json", body, &r);
	ok(rc == 0 && r.status == 200, "3 rows within both limits: 200");
	resp_free(&r);
	free(body);

	struct serve_counters c;
	serve_stats(s, &c);
	is_int(c.requests, 4, "stats: 4 requests");
	is_int(c.errors, 3, "stats: 3 errors");
	is_int(c.rows, 3, "stats: 3 rows");
	double t0 = now_s();
	serve_stop(s);
	double dt = now_s() - t0;
	ok(dt < 0.5, "serve_stop while idle returns promptly (%.1f ms)", dt * 1e3);
}

struct worker {
	int port, id, good, n;
};

static void *worker_main(void *ud)
{
	struct worker *w = ud;
	char why[512];
	int fd = w->id % 2 ? conn_open(w->port) : -1;   /* half keep-alive */
	for (int k = 0; k < w->n; k++) {
		size_t a = (size_t)((w->id * 37 + k * 13) % 250), b = a + 1 + (size_t)(k % 7);
		char *body = request_body((enum fmt)((k + w->id) % F_NFMT), data, a, b);
		struct resp r = { 0 };
		int rc = fd >= 0 ? http_on(fd, "POST", "/invocations", "application/json", body, &r)
				 : http(w->port, "POST", "/invocations", "application/json", body,
					&r);
		if (rc == 0 && r.status == 200 && same_preds(r.body, pred_clf, a, b, 0, why,
							     sizeof(why)))
			w->good++;
		else
			printf("# worker %d request %d: %d %s\n", w->id, k, rc ? -1 : r.status,
			       rc ? "io error" : r.status != 200 ? r.body : why);
		if (rc == 0)
			resp_free(&r);
		free(body);
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

static void test_concurrent(int port)
{
	struct worker w[4];
	pthread_t t[4];
	for (int k = 0; k < 4; k++) {
		w[k] = (struct worker){ port, k, 0, 50 };
		pthread_create(&t[k], NULL, worker_main, &w[k]);
	}
	int good = 0;
	for (int k = 0; k < 4; k++) {
		pthread_join(t[k], NULL);
		good += w[k].good;
	}
	is_int(good, 200, "4 threads x 50 requests: all correct");
}

static void test_metadata(int port, const json_t *manifest)
{
	struct resp r = { 0 };
	int rc = http(port, "GET", "/health", NULL, NULL, &r);
	ok(rc == 0 && r.status == 200, "/health 200");
	is_str(r.body, "{\"status\":\"ok\"}", "/health body");
	like(r.head, "application/json", "/health is JSON");
	resp_free(&r);
	rc = http(port, "GET", "/ping", NULL, NULL, &r);
	ok(rc == 0 && r.status == 200 && !strcmp(r.body, "{\"status\":\"ok\"}"), "/ping");
	resp_free(&r);
	rc = http(port, "GET", "/metadata", NULL, NULL, &r);
	json_t *j = rc == 0 ? json_loads(r.body, 0, NULL) : NULL;
	ok(rc == 0 && r.status == 200 && j && json_equal(j, manifest), "/metadata is the manifest");
	json_decref(j);
	resp_free(&r);
}

static void test_metrics(int port, struct serve *s)
{
	struct serve_counters c;
	serve_stats(s, &c);
	struct resp r = { 0 };
	int rc = http(port, "GET", "/metrics", NULL, NULL, &r);
	ok(rc == 0 && r.status == 200, "/metrics 200");
	like(r.head, "text/plain; version=0.0.4", "Prometheus content type");
	const char *m = rc == 0 ? r.body : "";
	is_int((long long)metric(m, "wb_requests_total{endpoint=\"/invocations\",code=\"200\"}"),
	       (long long)c.invocations, "invocations 200 counted (%llu)",
	       (unsigned long long)c.invocations);
	is_int((long long)metric(m, "wb_request_errors_total"), (long long)c.errors,
	       "errors counted (%llu)", (unsigned long long)c.errors);
	is_int((long long)metric(m, "wb_rows_scored_total"), (long long)c.rows,
	       "rows counted (%llu)", (unsigned long long)c.rows);
	is_int((long long)metric(m, "wb_requests_total{endpoint=\"other\",code=\"404\"}"), 2,
	       "the 404 counted under other");
	is_int((long long)metric(m, "wb_requests_total{endpoint=\"/invocations\",code=\"400\"}"),
	       12, "400s counted");
	double inf = metric(m, "wb_request_duration_seconds_bucket{endpoint=\"/invocations\","
			    "le=\"+Inf\"}");
	double cnt = metric(m, "wb_request_duration_seconds_count{endpoint=\"/invocations\"}");
	double b1 = metric(m, "wb_request_duration_seconds_bucket{endpoint=\"/invocations\","
			   "le=\"0.0005\"}");
	ok(inf > 0 && inf == cnt && b1 >= 0 && b1 <= inf, "histogram: buckets cumulative, "
	   "+Inf = count (%g)", cnt);
	ok(metric(m, "wb_request_duration_seconds_sum{endpoint=\"/invocations\"}") > 0,
	   "histogram sum");
	ok(metric(m, "process_start_time_seconds") > 1.6e9, "process start time");
	like(m, "# TYPE wb_request_duration_seconds histogram", "histogram TYPE line");
	resp_free(&r);
}

/* Requests/s on one keep-alive connection for about a second. */
static double keepalive_rate(int port, const char *method, const char *path, const char *body,
			     size_t *bad_n)
{
	int fd = conn_open(port);
	size_t n = 0;
	double t0 = now_s(), t;
	while ((t = now_s()) - t0 < 1.0) {
		struct resp r = { 0 };
		if (http_on(fd, method, path, body ? "application/json" : NULL, body, &r) < 0) {
			printf("# %s %s: i/o error after %zu requests\n", method, path, n);
			(*bad_n)++;
			break;
		}
		if (r.status != 200 && !*bad_n)
			printf("# %s %s: %d %s\n", method, path, r.status, r.body);
		*bad_n += r.status != 200;
		resp_free(&r);
		n++;
	}
	close(fd);
	return (double)n / (t - t0);
}

static void bench_single_row(int port)
{
	char *body = request_body(F_SPLIT_POS, data, 1, 2);
	size_t bad_n = 0;
	double inv = keepalive_rate(port, "POST", "/invocations", body, &bad_n);
	double health = keepalive_rate(port, "GET", "/health", NULL, &bad_n);
	ok(bad_n == 0, "keep-alive loops: every response 200");
	printf("# one client thread, keep-alive: single-row /invocations %.0f req/s, "
	       "/health %.0f req/s\n", inv, health);
	free(body);
}

static void test_regression(void)
{
	struct frame *f = make_data(300, 1);
	struct model *reg = train("linear", "{}", f, "score");
	struct wb_err err;
	struct serve_opts o;
	memset(&o, 0, sizeof(o));
	o.model = reg;
	struct serve *s = serve_start(&o, &err);
	if (!ok(s != NULL, "regression server starts"))
		return;
	struct frame *p = model_predict(reg, f, 0, &err);
	char why[512] = "";
	char *body = request_body(F_INPUTS_COLS, f, 30, 60);
	struct resp r = { 0 };
	int rc = http(serve_port(s), "POST", "/invocations?proba=1", "application/json", body, &r);
	ok(rc == 0 && r.status == 200 && same_preds(r.body, p, 30, 60, 0, why, sizeof(why)),
	   "regression: numbers equal model_predict exactly (proba ignored)");
	if (why[0])
		printf("#   %s\n", why);
	resp_free(&r);
	free(body);
	frame_unref(p);
	serve_stop(s);
	model_free(reg);
	frame_unref(f);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	struct wb_err err;
	data = make_data(300, 0);
	clf = train("gbdt", "{\"rounds\": 30, \"max_depth\": 3}", data, "y");
	pred_clf = model_predict(clf, data, 0, &err);
	pred_proba = model_predict(clf, data, 1, &err);
	ok(clf->task == MODEL_CLASSIFY && pred_clf && pred_proba, "classifier trained");

	struct serve_schema sc;
	serve_schema_init(&sc, clf);
	ok(sc.n == 3 && !strcmp(sc.names[0], "x1") && sc.kinds[0] == COL_NUM &&
	   sc.kinds[1] == COL_INT && !strcmp(sc.names[2], "region"),
	   "schema: x1 num, x2 int, region; the target dropped (%d cols)", sc.n);
	serve_schema_release(&sc);

	struct serve_opts o;
	memset(&o, 0, sizeof(o));
	o.host = "256.1.1.1";
	o.model = clf;
	ok(serve_start(&o, &err) == NULL, "bad host refused");
	like(err.msg, "256.1.1.1", "error names the host");

	json_t *manifest = json_pack("{s:s,s:i,s:{s:s}}", "name", "credit", "version", 3, "model",
				     "family", "gbdt");
	memset(&o, 0, sizeof(o));
	o.model = clf;
	o.manifest = manifest;
	struct serve *s = serve_start(&o, &err);
	if (!ok(s != NULL, "server starts on port 0")) {
		diag(err.msg);
		return tap_done();
	}
	int port = serve_port(s);
	ok(port > 0, "bound port %d", port);

	test_metadata(port, manifest);
	test_formats(port);
	test_csv_parity(port);
	test_errors(port);
	test_concurrent(port);
	test_metrics(port, s);
	bench_single_row(port);
	double t0 = now_s();
	serve_stop(s);
	ok(now_s() - t0 < 0.5, "serve_stop after use returns promptly");

	test_limits();
	test_regression();

	json_decref(manifest);
	frame_unref(pred_clf);
	frame_unref(pred_proba);
	model_free(clf);
	frame_unref(data);
	return tap_done();
}
