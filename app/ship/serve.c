/*
 * serve — the libmicrohttpd side of serve.h: routing, limits, counters,
 * start and graceful stop.  Request bodies become frames in serve_parse.c.
 *
 * One struct req per request, made on the handler's first call and freed in
 * the completion callback, which libmicrohttpd calls for every request it
 * started (also when the client hangs up), so in_flight is exact and
 * serve_stop can wait for it to drain.
 *
 * Counters are C11 atomics with relaxed ordering: each is an independent
 * tally read for display, and nothing else is ordered by them, so the pool
 * threads never contend on a lock to count.
 */
#include "ship/serve.h"

#include <errno.h>
#include <netdb.h>
#include <omp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <microhttpd.h>
#include "core/strbuf.h"
#include "ml/recipe.h"

enum { EP_INVOC, EP_HEALTH, EP_PING, EP_META, EP_METRICS, EP_OTHER, EP_N };
static const char *const ep_names[EP_N] = { "/invocations", "/health", "/ping", "/metadata",
					    "/metrics", "other" };

/* Status codes the server produces; anything else counts as "other". */
static const unsigned codes[] = { 200, 400, 404, 405, 413, 415, 500 };
#define NCODES ((int)(sizeof(codes) / sizeof(codes[0])))

static const double buckets[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
				  0.25, 0.5, 1 };
#define NBUCKETS ((int)(sizeof(buckets) / sizeof(buckets[0])))

struct serve {
	struct MHD_Daemon *d;
	const struct model *model;
	struct serve_schema schema;
	char *manifest;           /* /metadata body */
	size_t max_body, max_rows, par_rows;
	unsigned drain_ms;
	int port;
	int omp_default;          /* OpenMP team size for large requests */
	int lock_scoring;         /* custom (Lua) recipe step: one request at a time */
	pthread_mutex_t lock;
	double start_time;        /* unix seconds */

	_Atomic uint64_t requests[EP_N][NCODES + 1];
	_Atomic uint64_t rows, in_flight;
	_Atomic uint64_t hist[EP_N][NBUCKETS + 1]; /* per bucket, not cumulative */
	_Atomic uint64_t hist_ns[EP_N];            /* sum of durations */
};

struct req {
	int ep;
	unsigned code;            /* status queued, 0 until then */
	int csv;
	int too_large;
	unsigned pending;         /* status decided at the first call, or 0 */
	char *msg;                /* its error message */
	const char *allow;        /* its Allow header (405) */
	struct timespec t0;
	struct strbuf body;
};

#define INC(x, n) atomic_fetch_add_explicit(&(x), (n), memory_order_relaxed)
#define GET(x) atomic_load_explicit(&(x), memory_order_relaxed)

static int route(const char *url)
{
	for (int e = 0; e < EP_OTHER; e++)
		if (!strcmp(url, ep_names[e]))
			return e;
	return EP_OTHER;
}

static int code_index(unsigned code)
{
	for (int k = 0; k < NCODES; k++)
		if (codes[k] == code)
			return k;
	return NCODES;
}

static uint64_t elapsed_ns(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)((t.tv_sec - t0->tv_sec) * 1000000000LL + (t.tv_nsec - t0->tv_nsec));
}

/* ---------------------------------------------------------------- replies */

/* Queues body (heap, ownership passes to libmicrohttpd) with code. */
static enum MHD_Result reply(struct serve *s, struct MHD_Connection *conn, struct req *r,
			     unsigned code, const char *ctype, char *body, size_t len,
			     const char *allow)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, body,
								    MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	if (allow)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
	enum MHD_Result ret = MHD_queue_response(conn, code, resp);
	MHD_destroy_response(resp);
	r->code = code;
	INC(s->requests[r->ep][code_index(code)], 1);
	return ret;
}

static enum MHD_Result reply_json(struct serve *s, struct MHD_Connection *conn, struct req *r,
				  unsigned code, char *body, size_t len)
{
	return reply(s, conn, r, code, "application/json", body, len, NULL);
}

static enum MHD_Result reply_error(struct serve *s, struct MHD_Connection *conn, struct req *r,
				   unsigned code, const char *msg, const char *allow)
{
	const char *ec = code == 400 ? "BAD_REQUEST" : code == 404 ? "ENDPOINT_NOT_FOUND"
		: code == 405 ? "METHOD_NOT_ALLOWED" : code == 413 ? "PAYLOAD_TOO_LARGE"
		: code == 415 ? "UNSUPPORTED_MEDIA_TYPE" : "INTERNAL_ERROR";
	struct strbuf sb = STRBUF_INIT;
	strbuf_adds(&sb, "{\"error_code\":\"");
	strbuf_adds(&sb, ec);
	strbuf_adds(&sb, "\",\"message\":");
	serve_json_str(&sb, msg, strlen(msg));
	strbuf_adds(&sb, "}");
	size_t len;
	char *body = strbuf_detach(&sb, &len);
	return reply(s, conn, r, code, "application/json", body, len, allow);
}

/* ---------------------------------------------------------------- metrics */

static char *metrics_text(struct serve *s, size_t *len)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_adds(&sb, "# HELP wb_requests_total Requests answered, by endpoint and status.\n"
		    "# TYPE wb_requests_total counter\n");
	uint64_t errors = 0;
	for (int e = 0; e < EP_N; e++)
		for (int k = 0; k <= NCODES; k++) {
			uint64_t v = GET(s->requests[e][k]);
			if (k == NCODES || codes[k] >= 400)
				errors += v;
			if (!v)
				continue;
			if (k < NCODES)
				strbuf_addf(&sb, "wb_requests_total{endpoint=\"%s\",code=\"%u\"} %llu\n",
					    ep_names[e], codes[k], (unsigned long long)v);
			else
				strbuf_addf(&sb, "wb_requests_total{endpoint=\"%s\",code=\"other\"} "
					    "%llu\n", ep_names[e], (unsigned long long)v);
		}
	strbuf_addf(&sb, "# HELP wb_request_errors_total Requests answered with a status >= 400.\n"
		    "# TYPE wb_request_errors_total counter\n"
		    "wb_request_errors_total %llu\n", (unsigned long long)errors);
	strbuf_addf(&sb, "# HELP wb_rows_scored_total Rows scored by /invocations.\n"
		    "# TYPE wb_rows_scored_total counter\n"
		    "wb_rows_scored_total %llu\n", (unsigned long long)GET(s->rows));
	strbuf_addf(&sb, "# HELP wb_requests_in_flight Requests being handled.\n"
		    "# TYPE wb_requests_in_flight gauge\n"
		    "wb_requests_in_flight %llu\n", (unsigned long long)GET(s->in_flight));
	strbuf_adds(&sb, "# HELP wb_request_duration_seconds Time from a request's arrival to its "
		    "response being sent.\n# TYPE wb_request_duration_seconds histogram\n");
	for (int e = 0; e < EP_N; e++) {
		uint64_t cum = 0;
		for (int b = 0; b <= NBUCKETS; b++) {
			cum += GET(s->hist[e][b]);
			if (b < NBUCKETS)
				strbuf_addf(&sb, "wb_request_duration_seconds_bucket{endpoint=\"%s\","
					    "le=\"%g\"} %llu\n", ep_names[e], buckets[b],
					    (unsigned long long)cum);
			else
				strbuf_addf(&sb, "wb_request_duration_seconds_bucket{endpoint=\"%s\","
					    "le=\"+Inf\"} %llu\n", ep_names[e],
					    (unsigned long long)cum);
		}
		strbuf_addf(&sb, "wb_request_duration_seconds_sum{endpoint=\"%s\"} %.9f\n",
			    ep_names[e], (double)GET(s->hist_ns[e]) / 1e9);
		strbuf_addf(&sb, "wb_request_duration_seconds_count{endpoint=\"%s\"} %llu\n",
			    ep_names[e], (unsigned long long)cum);
	}
	strbuf_addf(&sb, "# HELP process_start_time_seconds Start time of the server since the "
		    "unix epoch in seconds.\n# TYPE process_start_time_seconds gauge\n"
		    "process_start_time_seconds %.3f\n", s->start_time);
	return strbuf_detach(&sb, len);
}

void serve_stats(const struct serve *s, struct serve_counters *c)
{
	/* The counters are only read; the casts drop const for the atomic
	 * loads, which take non-const pointers in C11. */
	struct serve *w = (struct serve *)(uintptr_t)s;
	memset(c, 0, sizeof(*c));
	for (int e = 0; e < EP_N; e++)
		for (int k = 0; k <= NCODES; k++) {
			uint64_t v = GET(w->requests[e][k]);
			c->requests += v;
			if (k == NCODES || codes[k] >= 400)
				c->errors += v;
		}
	c->invocations = GET(w->requests[EP_INVOC][0]);
	c->rows = GET(w->rows);
	c->in_flight = GET(w->in_flight);
}

/* ---------------------------------------------------------------- scoring */

static int want_proba(struct MHD_Connection *conn)
{
	const char *q = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "proba");
	const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Wb-Proba");
	for (int k = 0; k < 2; k++) {
		const char *v = k ? h : q;
		if (v && (!strcmp(v, "1") || !strcasecmp(v, "true") || !strcasecmp(v, "yes")))
			return 1;
	}
	return 0;
}

static enum MHD_Result invocations(struct serve *s, struct MHD_Connection *conn, struct req *r)
{
	struct wb_err err;
	int status = 400, proba = want_proba(conn);
	const char *body = r->body.buf ? r->body.buf : "";
	struct frame *in = r->csv
		? serve_parse_csv(&s->schema, body, r->body.len, s->max_rows, &status, &err)
		: serve_parse_json(&s->schema, body, r->body.len, s->max_rows, &proba, &status,
				   &err);
	if (!in)
		return reply_error(s, conn, r, (unsigned)status, err.msg, NULL);
	proba = proba && s->model->task == MODEL_CLASSIFY;
	/* A pool thread's OpenMP team size is its own ICV: small requests stay
	 * on this thread, large ones fan out as batch scoring does. */
	omp_set_num_threads(in->nrow >= s->par_rows ? s->omp_default : 1);
	if (s->lock_scoring)
		pthread_mutex_lock(&s->lock);
	struct frame *pred = model_predict(s->model, in, proba, &err);
	if (s->lock_scoring)
		pthread_mutex_unlock(&s->lock);
	size_t n = in->nrow;
	frame_unref(in);
	/* What fails in the model on a well-formed frame is the data (an
	 * unseen level under a strict encoder, a kind a step refuses): 400. */
	if (!pred)
		return reply_error(s, conn, r, 400, err.msg, NULL);
	size_t len;
	char *out = serve_format_predictions(s->model, pred, proba, &len);
	frame_unref(pred);
	INC(s->rows, n);
	return reply_json(s, conn, r, 200, out, len);
}

/* ---------------------------------------------------------------- handler */

static int media_is(const char *ct, const char *type)
{
	size_t n = strlen(type);
	return !strncasecmp(ct, type, n) && (ct[n] == 0 || ct[n] == ';' || ct[n] == ' ');
}

/* Decides what the request gets from its method and headers.  Only a
 * Content-Length over the limit is answered at once: libmicrohttpd closes a
 * connection whose response was queued before the request was read (it
 * cannot tell where the next request starts), which is right for a body we
 * refuse to read and wrong for everything else, so other answers wait for
 * the final call (r->pending) and keep the connection alive. */
static enum MHD_Result first_call(struct serve *s, struct MHD_Connection *conn, struct req *r,
				  const char *method)
{
	int get = !strcmp(method, MHD_HTTP_METHOD_GET) || !strcmp(method, MHD_HTTP_METHOD_HEAD);
	int post = !strcmp(method, MHD_HTTP_METHOD_POST);
	char msg[160];
	if (r->ep == EP_OTHER) {
		r->pending = 404;
		r->msg = xstrdup("no such endpoint; try /invocations, /health, /ping, /metadata or "
				 "/metrics");
	} else if (r->ep == EP_INVOC && !post) {
		r->pending = 405;
		r->msg = xasprintf("%s /invocations: use POST", method);
		r->allow = "POST";
	} else if (r->ep != EP_INVOC) {
		r->pending = get ? 200 : 405;
		if (!get) {
			r->msg = xasprintf("%s %s: use GET", method, ep_names[r->ep]);
			r->allow = "GET, HEAD";
		}
	} else {
		const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							     MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && strtoull(cl, NULL, 10) > s->max_body) {
			snprintf(msg, sizeof(msg), "request body of %s bytes is over the limit of %zu",
				 cl, s->max_body);
			return reply_error(s, conn, r, 413, msg, NULL);
		}
		const char *ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							     MHD_HTTP_HEADER_CONTENT_TYPE);
		if (ct && media_is(ct, "text/csv")) {
			r->csv = 1;
		} else if (ct && !media_is(ct, "application/json")) {
			r->pending = 415;
			r->msg = xasprintf("content type '%.80s' is not supported; use "
					   "application/json or text/csv", ct);
		}
	}
	return MHD_YES;
}

/* The final call of a request decided in first_call. */
static enum MHD_Result answer(struct serve *s, struct MHD_Connection *conn, struct req *r)
{
	if (r->pending != 200)
		return reply_error(s, conn, r, r->pending, r->msg, r->allow);
	if (r->ep == EP_META) {
		size_t len = strlen(s->manifest);
		char *body = xmalloc(len + 1);
		memcpy(body, s->manifest, len + 1);
		return reply_json(s, conn, r, 200, body, len);
	}
	if (r->ep == EP_METRICS) {
		size_t len;
		char *body = metrics_text(s, &len);
		return reply(s, conn, r, 200, "text/plain; version=0.0.4; charset=utf-8", body, len,
			     NULL);
	}
	static const char ok_body[] = "{\"status\":\"ok\"}";
	return reply_json(s, conn, r, 200, xstrdup(ok_body), sizeof(ok_body) - 1);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	struct serve *s = cls;
	struct req *r = *con_cls;
	if (!r) {
		r = xcalloc(1, sizeof(*r));
		clock_gettime(CLOCK_MONOTONIC, &r->t0);
		r->ep = route(url);
		*con_cls = r;
		INC(s->in_flight, 1);
		return first_call(s, conn, r, method);
	}
	if (r->code) {            /* answered already: drop whatever follows */
		*upload_size = 0;
		return MHD_YES;
	}
	if (*upload_size) {
		/* A body we will not use is read and dropped, so the connection
		 * stays usable. */
		if (!r->pending && !r->too_large && r->body.len + *upload_size > s->max_body) {
			r->too_large = 1;
			strbuf_release(&r->body);
		}
		if (!r->pending && !r->too_large)
			strbuf_add(&r->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (r->pending)
		return answer(s, conn, r);
	if (r->too_large) {
		char msg[96];
		snprintf(msg, sizeof(msg), "request body is over the limit of %zu bytes",
			 s->max_body);
		return reply_error(s, conn, r, 413, msg, NULL);
	}
	return invocations(s, conn, r);
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	struct serve *s = cls;
	struct req *r = *con_cls;
	if (!r)
		return;
	if (r->code && toe == MHD_REQUEST_TERMINATED_COMPLETED_OK) {
		uint64_t ns = elapsed_ns(&r->t0);
		double sec = (double)ns / 1e9;
		int b = 0;
		while (b < NBUCKETS && sec > buckets[b])
			b++;
		INC(s->hist[r->ep][b], 1);
		INC(s->hist_ns[r->ep], ns);
	}
	strbuf_release(&r->body);
	free(r->msg);
	free(r);
	*con_cls = NULL;
	atomic_fetch_sub_explicit(&s->in_flight, 1, memory_order_release);
}

/* ---------------------------------------------------------------- lifecycle */

static void serve_free(struct serve *s)
{
	serve_schema_release(&s->schema);
	free(s->manifest);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

struct serve *serve_start(const struct serve_opts *o, struct wb_err *err)
{
	const struct model *m = o->model;
	const char *host = o->host && *o->host ? o->host : SERVE_DEFAULT_HOST;
	int threads = o->threads ? o->threads : SERVE_DEFAULT_THREADS;
	if (!m || !m->fitted) {
		wb_error(err, "serve: the model is not trained");
		return NULL;
	}
	if (threads < 1 || threads > 1024) {
		wb_error(err, "serve: threads must be between 1 and 1024, got %d", threads);
		return NULL;
	}
	if (o->port < 0 || o->port > 65535) {
		wb_error(err, "serve: port must be between 0 and 65535, got %d", o->port);
		return NULL;
	}
	struct addrinfo hints, *ai = NULL;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	int gai = getaddrinfo(host, NULL, &hints, &ai);
	if (gai != 0 || !ai) {
		wb_error(err, "serve: cannot resolve host '%s': %s", host, gai_strerror(gai));
		return NULL;
	}
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
	int v6 = ai->ai_family == AF_INET6;
	freeaddrinfo(ai);
	if (v6)
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)o->port);
	else
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)o->port);

	struct serve *s = xcalloc(1, sizeof(*s));
	s->model = m;
	serve_schema_init(&s->schema, m);
	s->manifest = o->manifest ? json_dumps(o->manifest, JSON_INDENT(2) | JSON_ENCODE_ANY)
				  : NULL;
	if (!s->manifest)
		s->manifest = xstrdup("{}");
	s->max_body = o->max_body ? o->max_body : SERVE_DEFAULT_MAX_BODY;
	s->max_rows = o->max_rows ? o->max_rows : SERVE_DEFAULT_MAX_ROWS;
	s->par_rows = o->par_rows ? o->par_rows : SERVE_DEFAULT_PAR_ROWS;
	s->drain_ms = o->drain_ms ? o->drain_ms : 5000;
	s->omp_default = omp_get_max_threads();
	s->lock_scoring = m->recipe && recipe_has_custom(m->recipe);
	pthread_mutex_init(&s->lock, NULL);
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	s->start_time = (double)now.tv_sec + now.tv_nsec / 1e9;

	/* No MHD_USE_ERROR_LOG: the engine never prints.  MHD_USE_ITC is what
	 * MHD_quiesce_daemon needs with a thread pool. */
	errno = 0;
	unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ITC | (v6 ? MHD_USE_IPv6 : 0);
	s->d = MHD_start_daemon(flags, (uint16_t)o->port, NULL, NULL, handle, s,
				MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads,
				MHD_OPTION_NOTIFY_COMPLETED, completed, s,
				MHD_OPTION_CONNECTION_TIMEOUT, o->timeout ? o->timeout : 30u,
				MHD_OPTION_END);
	if (!s->d) {
		int e = errno;
		wb_error(err, "serve: cannot listen on %s:%d%s%s", host, o->port, e ? ": " : "",
			 e ? strerror(e) : "");
		serve_free(s);
		return NULL;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info ? info->port : o->port;
	return s;
}

int serve_port(const struct serve *s)
{
	return s->port;
}

void serve_stop(struct serve *s)
{
	if (!s)
		return;
	/* Stop accepting, let what is running finish, then stop the threads
	 * (which closes idle keep-alive connections). */
	MHD_socket fd = MHD_quiesce_daemon(s->d);
	struct timespec t0, tick = { 0, 1000000 };
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (atomic_load_explicit(&s->in_flight, memory_order_acquire) > 0 &&
	       elapsed_ns(&t0) < (uint64_t)s->drain_ms * 1000000u)
		nanosleep(&tick, NULL);
	MHD_stop_daemon(s->d);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	serve_free(s);
}
