/*
 * serve_fast — what serve_parse.c and serve_json_fast.c share: the direct
 * (fast path) parsers of request bodies.  Internal to app/ship; the public
 * surface is serve.h.
 *
 * A fast path answers FAST_OK with a frame, FAST_ERR with err and *status
 * set (only where its message is the general path's own), or FAST_NO: the
 * body is not one it is sure about, and the general path must read it, so
 * every error stays the general path's.
 */
#ifndef WB_SERVE_FAST_H
#define WB_SERVE_FAST_H

#include <stddef.h>
#include "ship/serve.h"

enum { FAST_OK, FAST_NO, FAST_ERR };

/* Whether s[0..n) is UTF-8 as csv.c and jansson check it (no overlongs, no
 * surrogates, nothing past U+10FFFF) with no NUL byte. */
int serve_fast_utf8(const unsigned char *s, size_t n);

/* A frame of n rows whose columns are cols[0..sc->n), named as the schema
 * (ownership of the references passes to it).  The names are unique by
 * construction, so this skips frame_add's duplicate search, quadratic in
 * the column count and a visible share of a one-row request. */
struct frame *serve_frame_of(const struct serve_schema *sc, size_t n, struct column **cols);

/* JSON bodies in the common shapes (serve_json_fast.c): FAST_OK with *out
 * (and *proba set to 1 when asked for), or FAST_NO for the jansson path. */
int serve_json_fast(const struct serve_schema *sc, const char *body, size_t len,
		    size_t max_rows, struct frame **out, int *proba);

#endif
