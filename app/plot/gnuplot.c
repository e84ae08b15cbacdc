/*
 * gnuplot — one persistent gnuplot process driven through pipes (the
 * contract is in gnuplot.h).
 *
 * How a request travels.  The script is not streamed through gnuplot's
 * stdin: gnuplot reading commands from a pipe counts no lines (its errors
 * say "line 0", or a count of data-block lines summed over the process's
 * life), goes on executing the lines after an error, and a script with an
 * unterminated data block, `{` block or `pause -1` would swallow the framing
 * commands.  Instead the script goes into an anonymous in-memory file
 * (memfd) that the child holds as its fd 3, and stdin carries
 *
 *	reset session
 *	set print '-'
 *	load '/dev/fd/3'
 *	unset multiplot; unset output; set print '-'; print 'S'; set print; print 'S'
 *
 * `load` reopens the file at offset 0 (Linux /dev/fd semantics; elsewhere
 * /dev/fd is a dup, so we rewind), counts lines from 1, stops at the first
 * error, and an `exit` in the script ends only the load (`exit gnuplot`
 * ends the process).  `reset session` starts every request from gnuplot's
 * defaults, so the same script gives the same bytes whatever ran before;
 * `set print '-'` sends the script's own `print` output to stdout, so stderr
 * carries only gnuplot's diagnostics.  Closing multiplot and the output
 * completes a plot or file the script left open, also after an error.  S,
 * the sentinel, is unique per request; the request is complete when "S\n"
 * has been read from stdout and from stderr.  Writing and reading run in
 * one poll loop with a deadline, so nothing can block forever.
 *
 * The process runs with `-d` (no gnuplotrc / ~/.gnuplot), in its own process
 * group (terminal Ctrl-C does not reach it; a timeout kills the group, so
 * helpers it started die too), with GNUTERM=dumb (a bad GNUTERM would
 * print errors at startup) and with no fds but 0-3.  A startup handshake
 * fetches GPVAL_TERMINALS (for gnuplot_has_terminal) and eats any startup
 * noise on stderr.
 */
#include "plot/gnuplot.h"
#include "core/strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define SCRIPT_FD 3
#define SCRIPT_PATH "/dev/fd/3"
#define NOT_INSTALLED "gnuplot is not installed (cannot run '%s'): install it " \
	"with 'apt install gnuplot-nox' or set WB_GNUPLOT"

/* What an exchange returns, besides 0 and -1 (err set), when the process
 * ended (it is reaped by then): the request is worth one retry. */
#define DIED (-2)

struct gnuplot {
	char *program;
	double timeout;		/* seconds per request */
	pid_t pid;		/* 0: none running */
	int in, out, err;	/* our ends of its stdin, stdout, stderr */
	int script;		/* the memfd the child sees as fd 3, or -1 */
	int starts;
	int status;		/* wait status of the last process that ended */
	unsigned long seq;	/* requests sent, for unique sentinels */
	char *terminals;	/* GPVAL_TERMINALS of the running process */
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void nap(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Moves fd above 3 (close-on-exec), so the dup2s onto the child's 0-3 can
 * never overwrite one another even if wb runs with stdio closed. */
static int fd_high(int fd)
{
	if (fd < 0 || fd > SCRIPT_FD)
		return fd;
	int nfd = fcntl(fd, F_DUPFD_CLOEXEC, SCRIPT_FD + 1);
	close(fd);
	return nfd;
}

struct gnuplot *gnuplot_new(const char *program)
{
	struct gnuplot *gp = xcalloc(1, sizeof *gp);
	const char *env = getenv("WB_GNUPLOT");
	if (!program)
		program = env && *env ? env : "gnuplot";
	gp->program = xstrdup(program);
	gp->timeout = 60;
	gp->in = gp->out = gp->err = gp->script = -1;
	return gp;
}

void gnuplot_set_timeout(struct gnuplot *gp, double seconds)
{
	gp->timeout = seconds > 0 ? seconds : 60;
}

pid_t gnuplot_pid(const struct gnuplot *gp) { return gp->pid; }
int gnuplot_starts(const struct gnuplot *gp) { return gp->starts; }

/* 1 when the process has ended (it is left unreaped, as a zombie, so its
 * pid and process group cannot be reused before we kill the group). */
static int has_exited(pid_t pid)
{
	siginfo_t si;
	si.si_pid = 0;
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
		return errno != EINTR;	/* ECHILD: someone reaped it already */
	return si.si_pid == pid;
}

static int wait_exit(pid_t pid, int ms)
{
	for (int waited = 0, step = 1; waited < ms; waited += step) {
		if (has_exited(pid))
			return 1;
		nap(step);
		step = step < 16 ? step * 2 : 16;
	}
	return has_exited(pid);
}

/* Ends the running process: closes our pipe ends (it sees EOF / EPIPE),
 * waits up to grace_ms for it to exit, then SIGTERM (if term) and 200 ms,
 * then SIGKILL to its whole group (also helpers it left behind), and reaps
 * it.  Every started process passes through here: no zombies. */
static void stop(struct gnuplot *gp, int grace_ms, int term)
{
	close_fd(&gp->in);
	close_fd(&gp->out);
	close_fd(&gp->err);
	free(gp->terminals);
	gp->terminals = NULL;
	if (!gp->pid)
		return;
	pid_t pid = gp->pid;
	gp->pid = 0;
	if (!wait_exit(pid, grace_ms) && term) {
		kill(-pid, SIGTERM);
		wait_exit(pid, 200);
	}
	kill(-pid, SIGKILL);
	gp->status = 0;
	while (waitpid(pid, &gp->status, 0) < 0 && errno == EINTR)
		;
}

/* write() with SIGPIPE blocked in this thread: a dead gnuplot gives EPIPE,
 * never a signal that kills wb, and the process-wide disposition stays
 * untouched.  The SIGPIPE our write raised is consumed before unblocking
 * (unless one was already pending, which is not ours to take). */
static ssize_t write_nosigpipe(int fd, const void *buf, size_t n)
{
	sigset_t pipe_set, old, pending;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigpending(&pending);
	int was_pending = sigismember(&pending, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	ssize_t w = write(fd, buf, n);
	int e = errno;
	if (w < 0 && e == EPIPE && !was_pending) {
		struct timespec zero = { 0, 0 };
		while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
			;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = e;
	return w;
}

static int timed_out(struct gnuplot *gp, struct wb_err *err)
{
	stop(gp, 0, 0);
	return wb_error(err, "gnuplot did not answer within %g s", gp->timeout);
}

/* Sends cmd to stdin and reads stdout and stderr until each holds the line
 * "<sent>\n"; out and errs get what came before it.  Returns 0, -1 (timeout;
 * the process is killed) or DIED (EOF or EPIPE first; reaped). */
static int exchange(struct gnuplot *gp, const char *cmd, const char *sent,
		    struct strbuf *out, struct strbuf *errs, struct wb_err *err)
{
	char needle[96], chunk[65536];
	size_t nlen = (size_t)snprintf(needle, sizeof needle, "%s\n", sent);
	size_t cmdlen = strlen(cmd), woff = 0;
	struct strbuf *buf[2] = { out, errs };
	int fd[2] = { gp->out, gp->err }, done[2] = { 0, 0 };
	double deadline = now() + gp->timeout;

	strbuf_reset(out);
	strbuf_reset(errs);
	while (!done[0] || !done[1]) {
		struct pollfd p[3] = {	/* poll skips the negative fds */
			{ woff < cmdlen ? gp->in : -1, POLLOUT, 0 },
			{ done[0] ? -1 : fd[0], POLLIN, 0 },
			{ done[1] ? -1 : fd[1], POLLIN, 0 },
		};
		double left = deadline - now();
		if (left <= 0)
			return timed_out(gp, err);
		int r = poll(p, 3, left > 1e6 ? INT_MAX : (int)ceil(left * 1000));
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			return timed_out(gp, err);
		if (r < 0) {
			wb_error(err, "gnuplot: poll: %s", strerror(errno));
			return stop(gp, 0, 0), -1;
		}
		if (p[0].revents) {
			ssize_t w = write_nosigpipe(gp->in, cmd + woff, cmdlen - woff);
			if (w > 0)
				woff += (size_t)w;
			else if (w < 0 && errno != EAGAIN && errno != EINTR)
				return stop(gp, 200, 0), DIED;
		}
		for (int k = 0; k < 2; k++) {
			if (!p[k + 1].revents)
				continue;
			ssize_t n = read(fd[k], chunk, sizeof chunk);
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (n <= 0)	/* EOF before the sentinel: it died */
				return stop(gp, 200, 0), DIED;
			size_t from = buf[k]->len >= nlen ? buf[k]->len - nlen + 1 : 0;
			strbuf_add(buf[k], chunk, (size_t)n);
			char *hit = memmem(buf[k]->buf + from, buf[k]->len - from, needle, nlen);
			if (hit) {	/* nothing should follow the sentinel */
				buf[k]->len = (size_t)(hit - buf[k]->buf);
				buf[k]->buf[buf[k]->len] = 0;
				done[k] = 1;
			}
		}
	}
	return 0;
}

/* The anonymous file the script is written to (shared with every child
 * as fd 3).  A memfd needs no directory and leaves nothing behind; where
 * there is none, an unlinked temporary file does the same job. */
static int script_fd(struct gnuplot *gp, struct wb_err *err)
{
	if (gp->script >= 0)
		return gp->script;
	int fd = memfd_create("wb-gnuplot-script", MFD_CLOEXEC);
	if (fd < 0) {
		const char *dir = getenv("TMPDIR");
		char *path = xasprintf("%s/wb-gnuplot-XXXXXX", dir && *dir ? dir : "/tmp");
		fd = mkostemp(path, O_CLOEXEC);
		if (fd >= 0)
			unlink(path);
		free(path);
	}
	if (fd < 0)
		return wb_error(err, "gnuplot: cannot create the script file: %s", strerror(errno));
	gp->script = fd_high(fd);
	return gp->script;
}

/* Replaces the file's content by the script, ending it with a newline. */
static int put_script(struct gnuplot *gp, const char *s, size_t len, struct wb_err *err)
{
	int fd = script_fd(gp, err);
	if (fd < 0 || ftruncate(fd, 0) < 0)
		goto fail;
	for (size_t off = 0, end = len + (!len || s[len - 1] != '\n'); off < end; ) {
		ssize_t w = pwrite(fd, off < len ? s + off : "\n", off < len ? len - off : 1,
				   (off_t)off);
		if (w < 0 && errno != EINTR)
			goto fail;
		off += w > 0 ? (size_t)w : 0;
	}
	return 0;
fail:
	return fd < 0 ? -1 : wb_error(err, "gnuplot: cannot write the script file: %s",
				      strerror(errno));
}

/* Sends cmds followed, on the same line (so a `pause -1` swallows it all
 * and the request times out), by the framing under a new sentinel. */
static int ask(struct gnuplot *gp, const char *cmds, struct strbuf *out,
	       struct strbuf *errs, struct wb_err *err)
{
	char sent[64];
	snprintf(sent, sizeof sent, "wb-gnuplot-%ld-%lu", (long)getpid(), ++gp->seq);
	char *cmd = xasprintf("%sset print '-'; print '%s'; set print; print '%s'\n",
			      cmds, sent, sent);
	int rc = exchange(gp, cmd, sent, out, errs, err);
	free(cmd);
	return rc;
}

static int died(struct gnuplot *gp, const char *when, struct wb_err *err)
{
	int st = gp->status;
	if (WIFSIGNALED(st))
		return wb_error(err, "gnuplot ('%s') was killed by signal %d (%s) %s",
				gp->program, WTERMSIG(st), strsignal(WTERMSIG(st)), when);
	return wb_error(err, "gnuplot ('%s') exited with status %d %s", gp->program,
			WEXITSTATUS(st), when);
}

/* Starts the process and runs the handshake: 0 or -1. */
static int start(struct gnuplot *gp, struct wb_err *err)
{
	int pp[3][2], *in = pp[0], *out = pp[1], *er = pp[2];
	if (script_fd(gp, err) < 0)
		return -1;
	for (int i = 0; i < 3; i++) {
		if (pipe2(pp[i], O_CLOEXEC) < 0) {
			int e = errno;
			while (i--)
				close(pp[i][0]), close(pp[i][1]);
			return wb_error(err, "gnuplot: pipe: %s", strerror(e));
		}
		pp[i][0] = fd_high(pp[i][0]);
		pp[i][1] = fd_high(pp[i][1]);
	}

	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, er[1], 2);
	posix_spawn_file_actions_adddup2(&fa, gp->script, SCRIPT_FD);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
	/* fds other libraries opened without O_CLOEXEC stay out of gnuplot */
	posix_spawn_file_actions_addclosefrom_np(&fa, SCRIPT_FD + 1);
#endif
	/* Own process group; signals wb ignores or blocks are not inherited. */
	posix_spawnattr_t at;
	sigset_t none, dfl;
	sigemptyset(&none);
	sigemptyset(&dfl);
	int dflsigs[] = { SIGPIPE, SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGCHLD };
	for (size_t i = 0; i < sizeof dflsigs / sizeof *dflsigs; i++)
		sigaddset(&dfl, dflsigs[i]);
	posix_spawnattr_init(&at);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
				 POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &dfl);

	/* wb's environment, with GNUTERM pinned */
	static char gnuterm[] = "GNUTERM=dumb", dflag[] = "-d";
	size_t n = 0;
	while (environ && environ[n])
		n++;
	char **envp = xmallocarray(n + 2, sizeof *envp), **e = envp;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "GNUTERM=", 8))
			*e++ = environ[i];
	*e++ = gnuterm;
	*e = NULL;
	char *argv[] = { gp->program, dflag, NULL };
	pid_t pid;
	int rc = posix_spawnp(&pid, gp->program, &fa, &at, argv, envp);
	free(envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(in[0]), close(out[1]), close(er[1]);
	if (rc) {
		close(in[1]), close(out[0]), close(er[0]);
		if (rc == ENOENT)
			return wb_error(err, NOT_INSTALLED, gp->program);
		return wb_error(err, "cannot run '%s': %s", gp->program, strerror(rc));
	}
	gp->pid = pid;
	gp->starts++;
	gp->in = in[1], gp->out = out[0], gp->err = er[0];
	fcntl(gp->in, F_SETFL, O_NONBLOCK);
	fcntl(gp->out, F_SETFL, O_NONBLOCK);
	fcntl(gp->err, F_SETFL, O_NONBLOCK);

	struct strbuf o = STRBUF_INIT, noise = STRBUF_INIT;
	rc = ask(gp, "set print '-'; print GPVAL_TERMINALS; ", &o, &noise, err);
	if (rc == 0)
		gp->terminals = strbuf_detach(&o, NULL);
	else if (rc == DIED)	/* not a gnuplot, or a broken one: no retry */
		rc = died(gp, "at startup", err);
	strbuf_release(&o);
	strbuf_release(&noise);
	return rc;
}

/* A running process, started if needed (one found dead is reaped first). */
static int ensure(struct gnuplot *gp, struct wb_err *err)
{
	if (gp->pid && has_exited(gp->pid))
		stop(gp, 0, 0);
	return gp->pid ? 0 : start(gp, err);
}

/* ---- turning gnuplot's stderr into an error and warnings ---- */

/* A line (up to '\n') of blanks and one '^': gnuplot's error caret. */
static int is_caret_line(const char *l)
{
	l += strspn(l, " \t");
	if (*l++ != '^')
		return 0;
	l += strspn(l, " \t\r");
	return *l == 0 || *l == '\n';
}

/* Appends line with runs of blanks collapsed and the location of our script
 * ("\"/dev/fd/3\" line 7: ") shortened to "line 7: ".  Returns 1 if the line
 * had a location. */
static int add_clean(struct strbuf *sb, const char *l)
{
	const char *pre = "\"" SCRIPT_PATH "\" line ";
	int located = !strncmp(l, "line ", 5);
	if (!strncmp(l, pre, strlen(pre))) {
		l += strlen(pre) - 5;
		located = 1;
	} else if (*l == '"' && strstr(l, "\" line ")) {
		located = 1;	/* a file the script loaded: keep its name */
	}
	int space = 0;
	for (; *l; l++) {
		if (*l == ' ' || *l == '\t' || *l == '\r') {
			space = 1;
			continue;
		}
		if (space && sb->len)
			strbuf_add(sb, " ", 1);
		space = 0;
		strbuf_add(sb, l, 1);
	}
	return located;
}

static int is_warning(const char *clean)
{
	const char *m = clean, *c;
	if (strstr(m, " line ") || !strncmp(m, "line ", 5))
		if ((c = strstr(m, ": ")))
			m = c + 2;	/* past "line N: " */
	return !strncasecmp(m, "warning:", 8);
}

/* The command gnuplot echoed before its caret, as " (in '...', at '...')";
 * long commands are cut to a window around the caret. */
static void add_echo(struct strbuf *sb, const char *echo, int caret)
{
	const char *p = strstr(echo, "> ");
	if (p && p - echo <= 10 && (!strncmp(echo, "gnuplot", 7) || !strncmp(echo, "multiplot", 9))) {
		caret -= (int)(p + 2 - echo);
		echo = p + 2;
	}
	int len = (int)strlen(echo), from = caret > 60 ? caret - 60 : 0;
	int to = from + 100 < len ? from + 100 : len;
	strbuf_addf(sb, " (in '%s%.*s%s'", from ? "..." : "", to - from, echo + from,
		    to < len ? "..." : "");
	if (caret >= 0 && caret < len && echo[caret] != ' ')
		strbuf_addf(sb, ", at '%.*s'", (int)strcspn(echo + caret, " \t"), echo + caret);
	strbuf_adds(sb, ")");
}

/* Reads the request's stderr: warning lines go to warn (one per line), and
 * the error (the first line with a location, else the first other line,
 * with the lines directly after it and the command gnuplot echoed) is
 * returned, or NULL when there is none. */
static char *diagnose(char *text, struct strbuf *warn)
{
	struct strbuf e = STRBUF_INIT, line = STRBUF_INIT;
	const char *echo = NULL, *err_echo = NULL;
	int caret = -1, err_caret = -1, have = 0, located = 0;
	int cont = 0;	/* 1: the line before was the error's, 2: a warning's */
	char *l = text, *next;

	for (; l; l = next) {
		if ((next = strchr(l, '\n')))
			*next++ = 0;
		if (next && is_caret_line(next)) {	/* echo, then caret */
			echo = l;
			caret = (int)strcspn(next, "^");
			next = strchr(next, '\n');
			next = next ? next + 1 : NULL;
			cont = 0;
			continue;
		}
		l += strspn(l, " \t\r");
		if (!*l) {
			cont = 0;
			continue;
		}
		strbuf_reset(&line);
		int loc = add_clean(&line, l);
		if (is_warning(line.buf)) {
			if (warn->len)
				strbuf_add(warn, "\n", 1);
			strbuf_add(warn, line.buf, line.len);
			echo = NULL, cont = 2;
		} else if (cont == 2 && !loc) {	/* a warning's next line */
			strbuf_addf(warn, "; %s", line.buf);
		} else if (cont == 1) {	/* "system error: ..." after the message */
			strbuf_addf(&e, "; %s", line.buf);
		} else if (!have || (loc && !located)) {
			strbuf_reset(&e);
			strbuf_add(&e, line.buf, line.len);
			err_echo = echo, err_caret = caret;
			have = cont = 1, located = loc;
			echo = NULL;
		} else {
			cont = 0;
		}
	}
	if (have && err_echo)
		add_echo(&e, err_echo, err_caret);
	strbuf_release(&line);
	return have ? strbuf_detach(&e, NULL) : NULL;
}

/* ---- requests ---- */

static int request(struct gnuplot *gp, struct strbuf *out, struct strbuf *errs,
		   struct wb_err *err)
{
	int rc = ensure(gp, err);
	if (rc)
		return rc;
	/* elsewhere /dev/fd/N is a dup sharing our offset: rewind it */
	lseek(gp->script, 0, SEEK_SET);
	return ask(gp, "reset session\nset print '-'\nload '" SCRIPT_PATH "'\n"
		   "unset multiplot; unset output; ", out, errs, err);
}

int gnuplot_run(struct gnuplot *gp, const char *script, size_t len, char **out,
		size_t *outlen, char **warnings, struct wb_err *err)
{
	struct strbuf o = STRBUF_INIT, e = STRBUF_INIT, w = STRBUF_INIT;
	if (out)
		*out = NULL;
	if (warnings)
		*warnings = NULL;
	if (outlen)
		*outlen = 0;
	if (put_script(gp, script, len, err))
		return -1;
	int rc = request(gp, &o, &e, err);
	if (rc == DIED)		/* once more, on a fresh process */
		rc = request(gp, &o, &e, err);
	/* free the script's memory; a failure only keeps it until next time */
	(void)!ftruncate(gp->script, 0);
	if (rc == DIED)
		rc = died(gp, "while running the script, twice (on a fresh process too)", err);
	else if (rc == 0) {
		char *msg = diagnose(e.buf ? e.buf : (char[]){ 0 }, &w);
		if (msg)
			rc = wb_error(err, "gnuplot: %s", msg);
		free(msg);
	}
	if (rc == 0) {
		if (out)
			*out = strbuf_detach(&o, outlen);
		if (warnings && w.len)
			*warnings = strbuf_detach(&w, NULL);
	}
	strbuf_release(&o);
	strbuf_release(&e);
	strbuf_release(&w);
	return rc;
}

int gnuplot_has_terminal(struct gnuplot *gp, const char *name, struct wb_err *err)
{
	if (ensure(gp, err))
		return -1;
	size_t n = strlen(name);
	for (const char *t = gp->terminals; n && (t = strstr(t, name)); t += n)
		if ((t == gp->terminals || t[-1] == ' ') && (!t[n] || t[n] == ' ' || t[n] == '\n'))
			return 1;
	return 0;
}

void gnuplot_free(struct gnuplot *gp)
{
	if (!gp)
		return;
	if (gp->pid && gp->in >= 0)	/* ask politely; EOF on stdin also ends it */
		write_nosigpipe(gp->in, "exit\n", 5);
	stop(gp, 1000, 1);
	close_fd(&gp->script);
	free(gp->program);
	free(gp);
}
