/*
 * serve — the HTTP scoring server behind `wb serve` (DESIGN.md §6), on
 * libmicrohttpd with an internal thread pool.
 *
 * The server is handed a loaded model (its JSON embeds the fitted recipe, so
 * model_predict on a raw frame is the whole scoring path) and a manifest to
 * show at /metadata.  It does not know about bundles: the face loads and
 * verifies a bundle, then calls serve_start.
 *
 * Endpoints:
 *   GET  /health, /ping   200 {"status":"ok"}
 *   GET  /metadata        the manifest JSON ({} when none was given)
 *   GET  /metrics         Prometheus text exposition (version 0.0.4):
 *          wb_requests_total{endpoint,code}     counter
 *          wb_request_errors_total              counter (responses >= 400)
 *          wb_rows_scored_total                 counter
 *          wb_requests_in_flight                gauge
 *          wb_request_duration_seconds{endpoint} histogram, buckets
 *              0.0005 0.001 0.0025 0.005 0.01 0.025 0.05 0.1 0.25 0.5 1 +Inf,
 *              measured from the first byte of the request being handled to
 *              the response being sent
 *          process_start_time_seconds           gauge (when serve_start ran)
 *        endpoint is one of /invocations /health /ping /metadata /metrics
 *        other; a request counts in wb_requests_total when its response is
 *        queued, in the histogram when it has been sent.
 *   POST /invocations     MLflow's scoring protocol (below).
 * Anything else: 404; a known path with another method: 405 with Allow.
 * Every error body is JSON {"error_code": "...", "message": "..."}:
 * BAD_REQUEST (400), ENDPOINT_NOT_FOUND (404), METHOD_NOT_ALLOWED (405),
 * PAYLOAD_TOO_LARGE (413), UNSUPPORTED_MEDIA_TYPE (415).
 *
 * /invocations input.  Content-Type application/json (also when absent) with
 * exactly one of these keys, as MLflow's pyfunc server reads them:
 *   "dataframe_split":   {"columns": [names], "data": [[row], ...]}  (pandas
 *                        orient=split; without "columns" the values are
 *                        positional in input-schema order; "index" ignored)
 *   "dataframe_records": [{name: value, ...}, ...]  (orient=records; a key
 *                        absent from some records is missing there, as pandas
 *                        does; absent from all is a missing column)
 *   "instances":         TF-serving row format: a list of records, or a list
 *                        of lists (positional, input-schema order)
 *   "inputs":            TF-serving columnar format: {name: [values], ...}
 *                        (equal lengths), or a list as for "instances"
 * plus an optional "params": {"proba": true}.  Content-Type text/csv: a
 * comma-separated CSV with a header row, meaning what csv_read_mem makes of
 * it with each input column forced to its schema kind.  Columns the model
 * does not use are ignored; the input schema (serve_schema_init) must be
 * complete.  Small bodies of the common shapes are read directly (serve_
 * json_fast.c, csv_fast) and give exactly what the general readers give;
 * anything else goes to the general readers.
 *
 * Values by the kind of the input column: num/int from JSON numbers or
 * numeric text (int must be integral); bool from true/false, 0/1 or
 * "true"/"false"; time from ISO text (parse_time); cat/str from text (a
 * number or boolean is taken as its text); null is missing everywhere.  A
 * value of another type is 400 naming the column and the 1-based row:
 * "column 'age', row 3: expected a number, got \"abc\"".  Invalid JSON is
 * 400 naming line, column and byte position as jansson reports them.
 *
 * Output: {"predictions": [...]}, one entry per row, as MLflow's pyfunc
 * returns a list: the class label for a classifier (a JSON string, or a
 * number / boolean when the target was int / num / bool), the value for a
 * regression (null when NaN), the cluster index for clustering.  With
 * probabilities asked for (query ?proba=1 or ?proba=true, header
 * "X-Wb-Proba: 1", or "params": {"proba": true}) a classifier's entry is an
 * object {"pred": label, "p_<class>": probability, ...}.  Doubles are
 * written with the shortest text that reads back to the same double, so
 * served predictions equal model_predict's bit for bit.
 *
 * Limits: a body over max_body is 413 (from Content-Length before reading,
 * or while reading a chunked body); more than max_rows rows is 413.
 *
 * Threads: requests are scored concurrently on the pool's threads; the model
 * is only read.  A recipe with a custom (Lua) step is not thread-safe, so
 * such a model is scored under a lock.  Requests under par_rows rows are
 * scored on the calling thread only (OpenMP team size 1 for that pool
 * thread), so single-row requests never pay for an OpenMP fork; larger ones
 * use OpenMP as the engine does elsewhere.
 *
 * The engine never prints: libmicrohttpd's error log is off; failures to
 * start come back in wb_err, per-request failures as HTTP responses and in
 * the counters.
 */
#ifndef WB_SERVE_H
#define WB_SERVE_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "core/column.h"
#include "core/err.h"
#include "core/frame.h"
#include "ml/model.h"

#define SERVE_DEFAULT_HOST "127.0.0.1"
#define SERVE_DEFAULT_THREADS 2
#define SERVE_DEFAULT_MAX_BODY ((size_t)16 << 20)
#define SERVE_DEFAULT_MAX_ROWS ((size_t)100000)
#define SERVE_DEFAULT_PAR_ROWS ((size_t)10000)

struct serve_opts {
	const struct model *model;  /* fitted; must outlive the server */
	const json_t *manifest;     /* served at /metadata (dumped once at start);
				     * may be NULL */
	const char *host;           /* NULL: SERVE_DEFAULT_HOST (loopback); an
				     * IPv4/IPv6 literal or a resolvable name */
	int port;                   /* 0: any free port (see serve_port) */
	int threads;                /* 0: SERVE_DEFAULT_THREADS */
	size_t max_body;            /* bytes; 0: SERVE_DEFAULT_MAX_BODY */
	size_t max_rows;            /* per request; 0: SERVE_DEFAULT_MAX_ROWS */
	size_t par_rows;            /* 0: SERVE_DEFAULT_PAR_ROWS */
	unsigned timeout;           /* idle connection timeout, s; 0: 30 */
	unsigned drain_ms;          /* serve_stop waits this long for in-flight
				     * requests; 0: 5000 */
};

struct serve_counters {
	uint64_t requests;     /* responses queued, all endpoints */
	uint64_t errors;       /* of which with status >= 400 */
	uint64_t invocations;  /* POST /invocations answered 200 */
	uint64_t rows;         /* rows scored */
	uint64_t in_flight;    /* requests begun and not yet completed */
};

struct serve;

/* Starts listening and serving on the pool threads; returns at once.  NULL
 * with err set when the options are invalid or the address cannot be bound
 * ("cannot listen on 127.0.0.1:8080"). */
struct serve *serve_start(const struct serve_opts *o, struct wb_err *err);
/* The port actually bound (useful with port 0). */
int serve_port(const struct serve *s);
/* A snapshot of the counters (each read atomically). */
void serve_stats(const struct serve *s, struct serve_counters *c);
/* Stops accepting connections, lets in-flight requests finish (up to
 * drain_ms), stops the threads and frees everything.  NULL is a no-op. */
void serve_stop(struct serve *s);

/* ---------------------------------------------------------------- request
 * decoding and response encoding, without HTTP (serve_parse.c): the server
 * uses these, and so can a face or a test. */

/* The raw input columns a request must provide, with their kinds: the fitted
 * recipe's inputs minus the target and the weight column, or, for a model
 * without a recipe, its features (cat when categorical, else num). */
struct serve_schema {
	int n;
	char **names;
	enum col_kind *kinds;
};

void serve_schema_init(struct serve_schema *sc, const struct model *m);
void serve_schema_release(struct serve_schema *sc);

/* What a request body decodes to: a frame of exactly the schema's columns,
 * in schema order (unsealed), or NULL with err set and *status the HTTP
 * status (400, or 413 for more than max_rows rows).  *proba is set to 1 when
 * the JSON body asks for probabilities ("params": {"proba": true}) and left
 * alone otherwise. */
struct frame *serve_parse_json(const struct serve_schema *sc, const char *body, size_t len,
			       size_t max_rows, int *proba, int *status, struct wb_err *err);
/* The same through jansson alone: the reference for what a JSON body means.
 * serve_parse_json reads the common shapes (dataframe_split, lists of
 * records or of lists) directly and falls back to this for anything else
 * and for every error; the unit test holds the two to the same frames,
 * statuses and messages. */
struct frame *serve_parse_json_general(const struct serve_schema *sc, const char *body,
				       size_t len, size_t max_rows, int *proba, int *status,
				       struct wb_err *err);
struct frame *serve_parse_csv(const struct serve_schema *sc, const char *body, size_t len,
			      size_t max_rows, int *status, struct wb_err *err);
/* The same through the general CSV reader (csv_read_mem with the schema's
 * kinds forced): the reference for what a CSV body means.  serve_parse_csv
 * parses small bodies directly and falls back to this whenever the reader
 * might say something else (an error, an odd header); the unit test holds
 * the two to the same frames and messages. */
struct frame *serve_parse_csv_general(const struct serve_schema *sc, const char *body,
				      size_t len, size_t max_rows, int *status,
				      struct wb_err *err);

/* {"predictions": [...]} for a model_predict frame (see above for the
 * form); proba says whether pred has the p_<class> columns to include.  A
 * new heap string; *len gets its length. */
char *serve_format_predictions(const struct model *m, const struct frame *pred, int proba,
			       size_t *len);

/* Appends s as a JSON string literal (quotes, escapes) to sb. */
struct strbuf;
void serve_json_str(struct strbuf *sb, const char *s, size_t len);

#endif
