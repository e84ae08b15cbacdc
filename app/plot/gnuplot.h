/*
 * gnuplot — one persistent gnuplot process driven through pipes.
 *
 * Why persistent: a cold start costs 30-60 ms, a plot in a running process
 * 1-10 ms (FACTS.md), and the TUI redraws its plot pane on every resize.
 *
 * The process is started lazily by the first request with posix_spawnp
 * (so a missing program is reported as ENOENT, not as a later SIGPIPE), in
 * its own process group (a Ctrl-C at the terminal interrupts wb, not the
 * plotter), with stdin, stdout and stderr on pipes and private init files
 * skipped, so plots do not depend on the user's ~/.gnuplot.
 *
 * Framing: the script is written to an anonymous in-memory file that the
 * process holds as fd 3 and run with `load '/dev/fd/3'` (so gnuplot counts
 * its lines from 1 and stops at its first error, and a 20 MB script cannot
 * deadlock against its output); every request is then followed by commands
 * that close any open output and print a sentinel (unique per request) to
 * stdout and to stderr; the request is complete when both have been read.
 * Sending and reading run in one poll loop with a deadline.  Sixel output
 * has no trailing newline: the sentinel is found by a substring search.
 * Each request starts with `reset session`: nothing carries over.
 *
 * Failure handling:
 *   - gnuplot not installed: one message saying how to install it
 *     ("gnuplot is not installed (cannot run 'gnuplot'): install it with
 *     'apt install gnuplot-nox' or set WB_GNUPLOT"); nothing else in wb
 *     depends on it.
 *   - text on stderr other than warnings is an error: the request fails
 *     with "gnuplot: <gnuplot's message>", line numbers counted from the
 *     first line of the request's script; warnings are returned separately.
 *     The process stays alive and is reused.
 *   - the process died (killed, crashed, exited by a user's `exit`): it is
 *     reaped, and the next request starts a new one.  A request that finds
 *     it dead is retried once on a fresh process.
 *   - no sentinel within the timeout (a user's `pause -1`, a huge plot):
 *     the process is killed and reaped, the request fails with
 *     "gnuplot did not answer within N s", the next request restarts it.
 *   - SIGPIPE is blocked around writes (EPIPE is handled), so a dead
 *     gnuplot never kills wb; the process-wide disposition is untouched.
 * No zombies: every started process is waited for, by gnuplot_free at the
 * latest (which asks it to exit, then terminates it if it does not).
 *
 * Not thread-safe: one gnuplot per thread of control.
 */
#ifndef WB_GNUPLOT_H
#define WB_GNUPLOT_H

#include <stddef.h>
#include <sys/types.h>
#include "core/err.h"

struct gnuplot;

/* A handle; no process is started yet.  program: NULL means $WB_GNUPLOT if
 * set, else "gnuplot" (searched in PATH). */
struct gnuplot *gnuplot_new(const char *program);
/* Stops the process (if any), reaps it, frees the handle.  NULL is a no-op. */
void gnuplot_free(struct gnuplot *gp);

/* Seconds a request may take before gnuplot is killed (default 60). */
void gnuplot_set_timeout(struct gnuplot *gp, double seconds);

/* Runs one request: `script` is complete gnuplot input (terminal, output,
 * data blocks, commands).  On success *out gets everything gnuplot wrote to
 * stdout for it (malloc'd, NUL-terminated, *outlen bytes without the NUL;
 * out may be NULL to discard), and *warnings (if warnings != NULL) gets
 * gnuplot's warning lines or NULL when there were none.  Returns 0, or -1
 * with err set (not installed, gnuplot error, timeout, died twice). */
int gnuplot_run(struct gnuplot *gp, const char *script, size_t len, char **out,
		size_t *outlen, char **warnings, struct wb_err *err);

/* 1 if gnuplot has the named terminal ("pngcairo", "sixelgd", ...), 0 if
 * not, -1 with err set if gnuplot cannot be run.  Cached per process. */
int gnuplot_has_terminal(struct gnuplot *gp, const char *name, struct wb_err *err);

/* The running process id, or 0 when none is running. */
pid_t gnuplot_pid(const struct gnuplot *gp);
/* How many processes this handle has started (tests check restarts). */
int gnuplot_starts(const struct gnuplot *gp);

#endif
