/*
 * test_gnuplot — the persistent gnuplot process (app/plot/gnuplot.c):
 * missing program, framing of text / sixel / PNG output, errors with
 * per-request line numbers, warnings, death and restart, timeouts, SIGPIPE,
 * terminals, large requests, and that no child process or fd is left over.
 *
 * Needs /usr/bin/gnuplot (gnuplot-nox 5.4); skips everything else without it.
 */
#include "tap.h"
#include "plot/gnuplot.h"
#include "core/strbuf.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/wb-test-gnuplot-XXXXXX";

/* Children of this process in any state (zombies too), from /proc/<pid>/stat
 * ("pid (comm) state ppid ...", comm may hold spaces and parentheses). */
static int count_children(void)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;
	while (d && (de = readdir(d))) {
		char path[300], buf[512];
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/stat", de->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		size_t len = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
		buf[len] = 0;
		char *p = strrchr(buf, ')');
		char state;
		long ppid;
		if (p && sscanf(p + 1, " %c %ld", &state, &ppid) == 2 && ppid == (long)getpid())
			n++;
	}
	if (d)
		closedir(d);
	return n;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Runs a script; returns its stdout (free it) or NULL with err set. */
static char *run(struct gnuplot *gp, const char *script, size_t *len, char **warn,
		 struct wb_err *err)
{
	char *out = NULL;
	size_t n = 0;
	if (gnuplot_run(gp, script, strlen(script), &out, &n, warn, err))
		return NULL;
	if (len)
		*len = n;
	return out;
}

static int run_ok(struct gnuplot *gp, const char *script)
{
	struct wb_err err = { "" };
	char *out = run(gp, script, NULL, NULL, &err);
	if (!out)
		printf("#   error: %s\n", err.msg);
	free(out);
	return out != NULL;
}

static void test_not_installed(void)
{
	struct wb_err err = { "" };
	int fds = count_fds();
	struct gnuplot *gp = gnuplot_new("/nonexistent/gnuplot");
	is_int(gnuplot_run(gp, "print 1\n", 8, NULL, NULL, NULL, &err), -1, "missing program fails");
	is_str(err.msg, "gnuplot is not installed (cannot run '/nonexistent/gnuplot'): install "
	       "it with 'apt install gnuplot-nox' or set WB_GNUPLOT", "not-installed message");
	is_int(gnuplot_has_terminal(gp, "dumb", &err), -1, "has_terminal fails too");
	like(err.msg, "gnuplot is not installed", "with the same message");
	is_int(gnuplot_pid(gp), 0, "no process");
	is_int(gnuplot_starts(gp), 0, "none started");
	gnuplot_free(gp);

	gp = gnuplot_new("wb-no-such-gnuplot");
	is_int(gnuplot_run(gp, "print 1\n", 8, NULL, NULL, NULL, &err), -1, "name not on PATH fails");
	like(err.msg, "gnuplot is not installed (cannot run 'wb-no-such-gnuplot')", "PATH search: message");
	gnuplot_free(gp);

	/* "gnuplot" with a PATH that has no gnuplot, and $WB_GNUPLOT */
	char *path = xstrdup(getenv("PATH"));
	setenv("PATH", tmpdir, 1);
	unsetenv("WB_GNUPLOT");
	gp = gnuplot_new(NULL);
	is_int(gnuplot_run(gp, "print 1\n", 8, NULL, NULL, NULL, &err), -1, "empty PATH fails");
	like(err.msg, "gnuplot is not installed (cannot run 'gnuplot'): install it with", "default name");
	gnuplot_free(gp);
	setenv("WB_GNUPLOT", "/nonexistent/wb-gp", 1);
	gp = gnuplot_new(NULL);
	is_int(gnuplot_run(gp, "print 1\n", 8, NULL, NULL, NULL, &err), -1, "bad WB_GNUPLOT fails");
	like(err.msg, "(cannot run '/nonexistent/wb-gp')", "WB_GNUPLOT is used");
	gnuplot_free(gp);
	setenv("WB_GNUPLOT", "/usr/bin/gnuplot", 1);
	gp = gnuplot_new(NULL);
	char *out = run(gp, "print 6*7\n", NULL, NULL, &err);
	is_str(out, "42\n", "WB_GNUPLOT=/usr/bin/gnuplot works without PATH");
	free(out);
	gnuplot_free(gp);
	unsetenv("WB_GNUPLOT");
	setenv("PATH", path, 1);
	free(path);

	is_int(count_children(), 0, "not installed: no children");
	is_int(count_fds(), fds, "not installed: no fds left");
}

static void test_plots(struct gnuplot *gp)
{
	struct wb_err err = { "" };
	size_t len = 0;
	char *warn = (char *)1;

	char *out = run(gp, "set terminal dumb size 40,10\nplot sin(x)\n", &len, &warn, &err);
	ok(out != NULL, "dumb plot runs");
	if (!out)
		printf("#   %s\n", err.msg);
	out = out ? out : xstrdup("");
	ok(out[0] == '\f', "dumb output starts with a form feed (caller strips it)");
	ok(strstr(out, "+-----") && strstr(out, "|") && strstr(out, " -10 "), "border and tics");
	ok(!strstr(out, "wb-gnuplot"), "no sentinel text");
	is_int(len, strlen(out), "outlen");
	ok(warn == NULL, "no warnings");
	is_int(count_children(), 1, "one child while gnuplot runs");
	free(out);

	/* its own process group (no terminal Ctrl-C), and only fds 0-3 */
	pid_t pid = gnuplot_pid(gp);
	ok(getpgid(pid) == pid && getpgid(pid) != getpgrp(), "own process group");
	char dir[64];
	snprintf(dir, sizeof dir, "/proc/%ld/fd", (long)pid);
	DIR *d = opendir(dir);
	struct dirent *de;
	int fds = 0, high = 0;
	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.')
			fds++, high += atoi(de->d_name) > 3;
	if (d)
		closedir(d);
	is_int(fds, 4, "the child has 4 fds");
	is_int(high, 0, "0-3 only (the test's fd without O_CLOEXEC stayed out)");

	/* consecutive requests get their own output; print goes to stdout */
	out = run(gp, "print \"first\"\n", &len, NULL, &err);
	is_str(out, "first\n", "first request");
	free(out);
	out = run(gp, "print 'second'", &len, NULL, &err);
	is_str(out, "second\n", "second request (no final newline)");
	free(out);

	/* settings and variables do not leak into the next request */
	ok(run_ok(gp, "a = 5\nset angles degrees\n"), "set a variable and an option");
	out = run(gp, "print exists(\"a\"), sin(90)\n", NULL, NULL, &err);
	/* radians: math.sin(90) = 0.8939966636005579 (python3), printed %.15g */
	is_str(out, "0 0.893996663600558\n", "reset session between requests");
	free(out);

	/* sixel: DCS, no trailing newline before the sentinel */
	out = run(gp, "set terminal sixelgd size 100,80\nplot x\n", &len, NULL, &err);
	ok(out && len > 100 && !memcmp(out, "\033P", 2), "sixel starts with ESC P");
	ok(out && !memcmp(out + len - 2, "\033\\", 2), "sixel ends with ST");
	ok(out && !strstr(out, "wb-gnuplot"), "sixel: no sentinel");
	free(out);

	/* PNG to stdout and to a file */
	out = run(gp, "set terminal pngcairo size 120,90\nplot x\n", &len, NULL, &err);
	ok(out && len > 100 && !memcmp(out, "\x89PNG\r\n\x1a\n", 8), "PNG on stdout");
	ok(out && !memcmp(out + len - 8, "IEND\xae\x42\x60\x82", 8), "PNG ends with IEND");
	free(out);
	char png[sizeof tmpdir + 8];
	snprintf(png, sizeof png, "%s/p.png", tmpdir);
	char *script = xasprintf("set terminal pngcairo size 120,90\nset output '%s'\n"
				 "plot sin(x)\nunset output\n", png);
	out = run(gp, script, &len, NULL, &err);
	is_int(out ? (long long)len : -1, 0, "PNG file: nothing on stdout");
	free(out);
	free(script);
	FILE *f = fopen(png, "rb");
	unsigned char sig[8] = { 0 };
	ok(f && fread(sig, 1, 8, f) == 8 && !memcmp(sig, "\x89PNG\r\n\x1a\n", 8), "PNG file signature");
	if (f)
		fclose(f);
	unlink(png);

	/* a file left open by a failing script is still closed (complete) */
	script = xasprintf("set terminal pngcairo size 120,90\nset output '%s'\nplot x\nprint foo\n", png);
	ok(!run(gp, script, NULL, NULL, &err), "failing script with open output");
	struct stat st;
	f = fopen(png, "rb");
	unsigned char tail[8] = { 0 };
	ok(f && !stat(png, &st) && st.st_size > 8 && !fseek(f, -8, SEEK_END) &&
	   fread(tail, 1, 8, f) == 8 && !memcmp(tail, "IEND\xae\x42\x60\x82", 8),
	   "its PNG was completed by unset output");
	if (f)
		fclose(f);
	unlink(png);
	free(script);

	/* multiplot left open by an error does not break the next request */
	ok(!run(gp, "set terminal dumb\nset multiplot layout 1,2\nplot x\nprint foo\n", NULL, NULL, &err),
	   "error inside multiplot");
	out = run(gp, "set terminal dumb size 30,8\nprint 'ok'\n", NULL, NULL, &err);
	is_str(out, "ok\n", "next request can set the terminal");
	free(out);

	/* an unterminated data block ends with the script, not with the framing */
	out = run(gp, "$d << EOD\n1 2\n3 4\n", NULL, NULL, &err);
	is_str(out, "", "unterminated data block");
	free(out);
}

static void test_errors(struct gnuplot *gp)
{
	struct wb_err err = { "" };
	char *warn = NULL;
	pid_t pid = gnuplot_pid(gp);

	/* a data block in an earlier request must not shift line numbers */
	ok(run_ok(gp, "$d << EOD\n1\n2\n3\nEOD\nprint 1\n"), "request with a data block");
	ok(!run(gp, "set xrange [0:1]\nprint foo\nprint 'not reached'\n", NULL, NULL, &err), "undefined variable fails");
	is_str(err.msg, "gnuplot: line 2: undefined variable: foo", "line counted in this request");
	ok(!run(gp, "\n\nplot sin(x) with foo\n", NULL, NULL, &err), "bad plot style fails");
	is_str(err.msg, "gnuplot: line 3: unrecognized plot type (in 'plot sin(x) with foo')",
	       "message with the echoed command");
	ok(!run(gp, "set terminal nosuchterm\n", NULL, NULL, &err), "bad terminal fails");
	is_str(err.msg, "gnuplot: line 1: unknown or ambiguous terminal type; type just 'set "
	       "terminal' for a list (in 'set terminal nosuchterm', at 'nosuchterm')", "caret token");
	ok(!run(gp, "set terminal dumb\nset output '/nonexistent/dir/x'\n", NULL, NULL, &err), "bad output fails");
	is_str(err.msg, "gnuplot: line 2: cannot open file; output not changed; system error: "
	       "No such file or directory (in 'set output '/nonexistent/dir/x'')", "two-line message");
	ok(!run(gp, "set print\nprint 'to stderr'\n", NULL, NULL, &err), "text on stderr is an error");
	is_str(err.msg, "gnuplot: to stderr", "stray stderr text");
	is_int(gnuplot_pid(gp), pid, "same process after errors");
	char *out = run(gp, "print 1+1\n", NULL, &warn, &err);
	is_str(out, "2\n", "good request after errors");
	free(out);

	/* warnings are returned, not errors */
	out = run(gp, "set terminal dumb size 40,10\nplot '/nonexistent.dat', x\n", NULL, &warn, &err);
	ok(out != NULL, "missing data file with another curve succeeds");
	is_str(warn, "line 2: warning: Cannot find or open file \"/nonexistent.dat\"", "warning text");
	free(out);
	free(warn);
	out = run(gp, "set terminal dumb size 40,10\n$d << EOD\n1 2\nEOD\nplot $d\n", NULL, &warn, &err);
	is_str(warn, "Warning: empty x range [1:1], adjusting to [0.99:1.01]\n"
	       "Warning: empty y range [2:2], adjusting to [1.98:2.02]", "range warnings");
	free(out);
	free(warn);

	/* `exit` ends the script only; `exit gnuplot` kills it every time */
	out = run(gp, "print 'a'\nexit\nprint 'b'\n", NULL, NULL, &err);
	is_str(out, "a\n", "exit ends the script");
	free(out);
	is_int(gnuplot_pid(gp), pid, "exit keeps the process");
	int starts = gnuplot_starts(gp);
	ok(!run(gp, "exit gnuplot\n", NULL, NULL, &err), "exit gnuplot fails");
	like(err.msg, "exited with status 0 while running the script, twice", "died twice message");
	is_int(gnuplot_starts(gp), starts + 1, "retried once on a fresh process");
	is_int(gnuplot_pid(gp), 0, "no process after");
	is_int(count_children(), 0, "and no zombie");
	ok(run_ok(gp, "print 1\n"), "next request restarts");
	is_int(gnuplot_starts(gp), starts + 2, "started again");
}

static void test_death_and_timeout(struct gnuplot *gp)
{
	struct wb_err err = { "" };
	ok(run_ok(gp, "print 1\n"), "running");
	pid_t pid = gnuplot_pid(gp);
	int starts = gnuplot_starts(gp);
	kill(pid, SIGKILL);
	char *out = run(gp, "print 'after kill'\n", NULL, NULL, &err);
	is_str(out, "after kill\n", "request after SIGKILL succeeds");
	free(out);
	ok(gnuplot_pid(gp) != pid && gnuplot_pid(gp) > 0, "on a new process");
	is_int(gnuplot_starts(gp), starts + 1, "starts incremented");
	is_int(count_children(), 1, "old one reaped");

	/* killed and already a zombie when the request writes: EPIPE or EOF */
	pid = gnuplot_pid(gp);
	kill(pid, SIGKILL);
	for (int i = 0; i < 200; i++) {
		char path[64], buf[256] = "";
		snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
		FILE *f = fopen(path, "r");
		size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
		if (f)
			fclose(f);
		buf[n] = 0;
		char *p = strrchr(buf, ')');
		if (p && p[2] == 'Z')
			break;
		usleep(5000);
	}
	ok(run_ok(gp, "print 1\n"), "request after kill (zombie)");

	gnuplot_set_timeout(gp, 0.5);
	starts = gnuplot_starts(gp);
	double t0 = now();
	ok(!run(gp, "pause 5\n", NULL, NULL, &err), "pause 5 times out");
	double dt = now() - t0;
	is_str(err.msg, "gnuplot did not answer within 0.5 s", "timeout message");
	ok(dt >= 0.45 && dt < 1.5, "after about 0.5 s (%.2f s)", dt);
	is_int(gnuplot_pid(gp), 0, "killed");
	is_int(count_children(), 0, "and reaped");
	ok(!run(gp, "pause -1\n", NULL, NULL, &err), "pause -1 times out");
	is_str(err.msg, "gnuplot did not answer within 0.5 s", "timeout message");
	is_int(count_children(), 0, "reaped");
	gnuplot_set_timeout(gp, 10);
	ok(run_ok(gp, "print 1\n"), "next request works");
	is_int(gnuplot_starts(gp), starts + 2, "on a new process");
}

/* A fake gnuplot that answers the handshake, then closes its stdin and
 * sleeps: the next write gets EPIPE, deterministically. */
static void test_sigpipe(void)
{
	struct wb_err err = { "" };
	char *fake = xasprintf("%s/fakegp", tmpdir);
	FILE *f = fopen(fake, "w");
	fputs("#!/bin/sh\nread -r l\ns=${l##*print \\'}\ns=${s%\\'}\nexec 0<&-\n"
	      "echo \"$s\"\necho \"$s\" >&2\nexec sleep 5\n", f);
	fclose(f);
	chmod(fake, 0755);
	ok(signal(SIGPIPE, SIG_DFL) != SIG_ERR, "SIGPIPE has its default action");
	struct gnuplot *gp = gnuplot_new(fake);
	is_int(gnuplot_has_terminal(gp, "dumb", &err), 0, "fake: started, no terminals");
	ok(gnuplot_pid(gp) > 0, "fake running");
	ok(!run(gp, "print 1\n", NULL, NULL, &err), "write to a closed stdin fails");
	like(err.msg, "was killed by signal 9", "reported as died");
	is_int(gnuplot_starts(gp), 2, "retried once");
	sigset_t pending, mask;
	sigpending(&pending);
	ok(!sigismember(&pending, SIGPIPE), "no SIGPIPE left pending");
	sigprocmask(SIG_SETMASK, NULL, &mask);
	ok(!sigismember(&mask, SIGPIPE), "SIGPIPE not left blocked");
	ok(signal(SIGPIPE, SIG_DFL) == SIG_DFL, "disposition untouched");
	gnuplot_free(gp);
	is_int(count_children(), 0, "fake reaped");
	unlink(fake);
	free(fake);
}

static void test_terminals(struct gnuplot *gp)
{
	struct wb_err err = { "" };
	is_int(gnuplot_has_terminal(gp, "dumb", &err), 1, "dumb");
	is_int(gnuplot_has_terminal(gp, "pngcairo", &err), 1, "pngcairo");
	is_int(gnuplot_has_terminal(gp, "sixelgd", &err), 1, "sixelgd");
	is_int(gnuplot_has_terminal(gp, "svg", &err), 1, "svg");
	is_int(gnuplot_has_terminal(gp, "nosuchterm", &err), 0, "nosuchterm");
	is_int(gnuplot_has_terminal(gp, "pngc", &err), 0, "a prefix is not a terminal");
	is_int(gnuplot_has_terminal(gp, "", &err), 0, "empty name");
}

static void test_large(struct gnuplot *gp)
{
	struct wb_err err = { "" };
	struct strbuf sb = STRBUF_INIT;
	/* 200k data lines plus 100k comment lines of 200 bytes: ~23 MB */
	strbuf_adds(&sb, "$d << EOD\n");
	for (int i = 0; i < 200000; i++)
		strbuf_addf(&sb, "%d %d\n", i, i % 7);
	strbuf_adds(&sb, "EOD\n");
	char pad[201];
	memset(pad, 'x', 200);
	pad[0] = '#', pad[199] = '\n', pad[200] = 0;
	for (int i = 0; i < 100000; i++)
		strbuf_adds(&sb, pad);
	strbuf_adds(&sb, "stats $d u 1:2 nooutput\nprint STATS_records\nprint foo\n");
	char *out = NULL;
	size_t len;
	double t0 = now();
	ok(gnuplot_run(gp, sb.buf, sb.len, &out, &len, NULL, &err) == -1, "large request runs to its error");
	is_str(err.msg, "gnuplot: line 300005: undefined variable: foo", "line number in a 23 MB script");
	strbuf_reset(&sb);
	strbuf_adds(&sb, "$d << EOD\n");
	for (int i = 0; i < 200000; i++)
		strbuf_addf(&sb, "%d %d\n", i, i % 7);
	strbuf_adds(&sb, "EOD\nstats $d u 1:2 nooutput\nprint STATS_records, STATS_sum_x, STATS_sum_y\n"
		    "do for [i=1:20000] { print i }\n"
		    "set terminal dumb size 1000,1000\nplot sin(x)\n");
	ok(gnuplot_run(gp, sb.buf, sb.len, &out, &len, NULL, &err) == 0, "large request round-trips");
	/* sum(range(200000)) = 19999900000, sum(i % 7 ...) = 599994 (python3);
	 * then 1..20000, one per line:
	 * len(''.join(f'{i}\n' for i in range(1, 20001))) = 108894 (python3);
	 * then the plot: a form feed and 1000 lines of 1000 columns + '\n' */
	const char *first = "200000 19999900000.0 599994.0\n";
	size_t plot_at = strlen(first) + 108894;
	ok(out && !strncmp(out, first, strlen(first)), "stats of the data block");
	is_int(len, plot_at + 1 + 1000 * 1001, "20k printed lines and a 1 MB plot");
	ok(out && len > plot_at && !memcmp(out + plot_at - 6, "20000\n\f", 7), "last line, then the plot");
	char *msg = xasprintf("two large requests: %.2f s", now() - t0);
	diag(msg);
	free(msg);
	free(out);
	strbuf_release(&sb);
}

int main(void)
{
	if (access("/usr/bin/gnuplot", X_OK)) {
		printf("1..0 # SKIP /usr/bin/gnuplot not installed\n");
		return 0;
	}
	if (!mkdtemp(tmpdir))
		return 1;
	is_int(count_children(), 0, "no children at start");
	int fds = count_fds();

	test_not_installed();

	/* an fd opened without O_CLOEXEC must not reach gnuplot */
	int stray = open("/dev/null", O_RDONLY);
	struct gnuplot *gp = gnuplot_new("/usr/bin/gnuplot");
	is_int(gnuplot_pid(gp), 0, "lazy: nothing started by gnuplot_new");
	is_int(count_children(), 0, "no child before the first request");
	test_plots(gp);
	close(stray);
	test_errors(gp);
	test_terminals(gp);
	test_large(gp);
	test_death_and_timeout(gp);

	/* performance: report only */
	double t0 = now();
	int good = 0;
	for (int i = 0; i < 100; i++)
		good += run_ok(gp, "set terminal dumb size 80,25\nplot sin(x)\n");
	is_int(good, 100, "100 dumb plots");
	char *msg = xasprintf("100 dumb requests in one process: %.3f s", now() - t0);
	diag(msg);
	free(msg);

	is_int(count_children(), 1, "one child before free");
	t0 = now();
	gnuplot_free(gp);
	msg = xasprintf("gnuplot_free of a running process: %.3f s", now() - t0);
	diag(msg);
	free(msg);
	gnuplot_free(NULL);
	is_int(count_children(), 0, "no children after free");

	test_sigpipe();

	is_int(count_children(), 0, "no children at the end");
	is_int(count_fds(), fds, "no fds left open");
	rmdir(tmpdir);
	return tap_done();
}
