/*
 * err — how the engine reports failure.
 *
 * Engine functions never print and never exit.  A function that can fail
 * returns int (0 ok, -1 failed) or a pointer (NULL failed) and fills a
 * caller-provided struct wb_err with one lowercase message that quotes its
 * subject and says where:  "data.csv:1042:7: expected 12 fields, found 11".
 * The face decides how to show it.  `err` may be NULL when the caller does not
 * care why.
 *
 * Invariant violations are bugs, not user errors: WB_BUG() hands the message
 * to the installed bug handler (faces install one that restores the terminal
 * and prints) and aborts.  Allocation failure is treated the same way (xmalloc
 * and friends), as git does: a workbench that cannot allocate a few bytes has
 * no useful way forward.
 */
#ifndef WB_ERR_H
#define WB_ERR_H

#include <stddef.h>
#include <stdarg.h>

struct wb_err {
	char msg[1024];
};

/* Sets err->msg from the format and returns -1, so callers can write
 * `return wb_error(err, "cannot open '%s'", path);`. */
int wb_error(struct wb_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int wb_verror(struct wb_err *err, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* Puts "<prefix>: " in front of the current message (for adding context
 * such as the step or file on the way up).  Returns -1. */
int wb_error_prefix(struct wb_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Clears the message (err may be NULL). */
void wb_err_clear(struct wb_err *err);

typedef void (*wb_bug_handler)(const char *msg);
/* Installs the function called with the message before a bug aborts. */
void wb_set_bug_handler(wb_bug_handler fn);

_Noreturn void wb_bug(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define WB_BUG(...) wb_bug(__FILE__, __LINE__, __VA_ARGS__)

/* Allocation that cannot fail (a failure is reported as a bug). */
void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
/* xmalloc(count * size) with overflow checked. */
void *xmallocarray(size_t count, size_t size);
void *xreallocarray(void *p, size_t count, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* A printf into a new heap string. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
