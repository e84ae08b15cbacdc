/* err — error messages, bugs and allocation that cannot fail. */
#include "core/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static wb_bug_handler bug_handler;

int wb_verror(struct wb_err *err, const char *fmt, va_list ap)
{
	if (err)
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	return -1;
}

int wb_error(struct wb_err *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	wb_verror(err, fmt, ap);
	va_end(ap);
	return -1;
}

int wb_error_prefix(struct wb_err *err, const char *fmt, ...)
{
	char prefix[512], old[sizeof(err->msg)];
	va_list ap;

	if (!err)
		return -1;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	/* Truncation is fine here: a very long message keeps its start. */
	size_t np = strlen(prefix);
	if (np > sizeof(err->msg) - 3)
		np = sizeof(err->msg) - 3;
	memcpy(err->msg, prefix, np);
	memcpy(err->msg + np, ": ", 2);
	size_t rest = sizeof(err->msg) - np - 3;
	size_t no = strnlen(old, rest);
	memcpy(err->msg + np + 2, old, no);
	err->msg[np + 2 + no] = '\0';
	return -1;
}

void wb_err_clear(struct wb_err *err)
{
	if (err)
		err->msg[0] = '\0';
}

void wb_set_bug_handler(wb_bug_handler fn)
{
	bug_handler = fn;
}

void wb_bug(const char *file, int line, const char *fmt, ...)
{
	char msg[1024];
	int off;
	va_list ap;

	off = snprintf(msg, sizeof(msg), "BUG: %s:%d: ", file, line);
	va_start(ap, fmt);
	vsnprintf(msg + off, sizeof(msg) - (size_t)off, fmt, ap);
	va_end(ap);
	if (bug_handler)
		bug_handler(msg);
	abort();
}

static void *check(void *p, size_t n)
{
	if (!p && n)
		WB_BUG("out of memory allocating %zu bytes", n);
	return p;
}

void *xmalloc(size_t n)
{
	return check(malloc(n ? n : 1), n);
}

void *xcalloc(size_t count, size_t size)
{
	return check(calloc(count ? count : 1, size ? size : 1), count * size);
}

void *xrealloc(void *p, size_t n)
{
	return check(realloc(p, n ? n : 1), n);
}

void *xmallocarray(size_t count, size_t size)
{
	if (size && count > (size_t)-1 / size)
		WB_BUG("allocation size overflow (%zu x %zu)", count, size);
	return xmalloc(count * size);
}

void *xreallocarray(void *p, size_t count, size_t size)
{
	if (size && count > (size_t)-1 / size)
		WB_BUG("allocation size overflow (%zu x %zu)", count, size);
	return xrealloc(p, count * size);
}

char *xstrdup(const char *s)
{
	return check(strdup(s), strlen(s) + 1);
}

char *xstrndup(const char *s, size_t n)
{
	return check(strndup(s, n), n + 1);
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		WB_BUG("out of memory formatting a string");
	return s;
}
