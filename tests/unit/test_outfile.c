/*
 * test_outfile — outputs appear whole or not at all, and a device is
 * written in place, never replaced (a rename over /dev/null once turned it
 * into a regular file and broke the machine).
 */
#include "core/outfile.h"
#include "tap.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[] = "/tmp/wb-test-outfile-XXXXXX";

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	static char buf[256];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

/* Files in dir other than the ones named; temporary files must not stay. */
static int count_files(void)
{
	DIR *d = opendir(dir);
	int n = 0;
	struct dirent *e;
	while (d && (e = readdir(d)))
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	char path[128], sub[160];
	snprintf(path, sizeof(path), "%s/out.csv", dir);
	struct wb_err err = { "" };
	struct outfile o;

	ok(outfile_open(&o, path, &err) == 0, "a new file opens");
	fputs("a,b\n1,2\n", o.fp);
	ok(access(path, F_OK) != 0, "nothing at the path before commit");
	ok(outfile_commit(&o, &err) == 0, "commit");
	is_str(slurp(path), "a,b\n1,2\n", "the content is there");
	struct stat st;
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644, "mode 0644");

	ok(outfile_open(&o, path, &err) == 0, "an existing file opens");
	fputs("half", o.fp);
	outfile_abort(&o);
	is_str(slurp(path), "a,b\n1,2\n", "abort leaves the old file untouched");
	is_int(count_files(), 1, "and no temporary file behind");

	ok(outfile_open(&o, "/dev/null", &err) == 0, "/dev/null opens");
	ok(o.tmp == NULL, "written in place, not through a temporary file");
	fputs("x", o.fp);
	ok(outfile_commit(&o, &err) == 0, "commit to /dev/null");
	ok(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode), "/dev/null is still a device");

	char fifo[160];
	snprintf(fifo, sizeof(fifo), "%s/pipe", dir);
	ok(mkfifo(fifo, 0600) == 0, "a FIFO");
	FILE *reader = NULL;
	pid_t pid = fork();
	if (pid == 0) { /* drains the FIFO so the writer can open it */
		reader = fopen(fifo, "r");
		char b[64];
		while (reader && fread(b, 1, sizeof(b), reader) > 0)
			;
		_exit(0);
	}
	ok(outfile_open(&o, fifo, &err) == 0 && o.tmp == NULL, "a FIFO is written in place");
	fputs("through the pipe\n", o.fp);
	ok(outfile_commit(&o, &err) == 0, "commit to the FIFO");
	ok(stat(fifo, &st) == 0 && S_ISFIFO(st.st_mode), "the FIFO is still a FIFO");
	int status = 0;
	waitpid(pid, &status, 0);
	unlink(fifo);

	ok(outfile_open(&o, dir, &err) < 0, "a directory is refused");
	like(err.msg, "is a directory", "saying so");
	snprintf(sub, sizeof(sub), "%s/no/such/dir/x.csv", dir);
	ok(outfile_open(&o, sub, &err) < 0, "a missing directory fails");
	like(err.msg, "cannot write '", "naming the file");
	like(err.msg, "No such file or directory", "and why");

	unlink(path);
	rmdir(dir);
	return tap_done();
}
