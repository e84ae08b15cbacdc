/*
 * strbuf — a growable byte buffer for building text (gnuplot scripts, data
 * blocks, JSON-ish output) without fixed-size arrays.
 *
 * The buffer is always NUL-terminated once anything was added; `len` does
 * not count the NUL.  Allocation cannot fail (xrealloc).  A zeroed struct
 * (STRBUF_INIT) is an empty buffer.
 */
#ifndef WB_STRBUF_H
#define WB_STRBUF_H

#include <stddef.h>

struct strbuf {
	char *buf;
	size_t len, cap;
};

#define STRBUF_INIT { NULL, 0, 0 }

void strbuf_add(struct strbuf *sb, const void *data, size_t n);
void strbuf_adds(struct strbuf *sb, const char *s);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Adds s as a gnuplot/C-style double-quoted string: backslash, quote and
 * control characters escaped. */
void strbuf_add_quoted(struct strbuf *sb, const char *s);
/* The text so far ("" for an empty buffer; never NULL). */
const char *strbuf_str(const struct strbuf *sb);
void strbuf_reset(struct strbuf *sb);
/* Hands the text to the caller (free() it) and empties the buffer. */
char *strbuf_detach(struct strbuf *sb, size_t *len);
void strbuf_release(struct strbuf *sb);

#endif
