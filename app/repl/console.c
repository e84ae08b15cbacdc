/*
 * console — readline's callback interface drawn into an ncurses window
 * (see console.h; FACTS.md "ncurses + readline in one program").
 *
 * Keys from the TUI go into a queue; readline takes them one at a time
 * through rl_getc_function, and rl_input_available_hook tells it whether
 * more are queued, so an arrow key fed as "\033[A" is read as one
 * sequence instead of a lone Escape.  Readline never touches the terminal:
 * no terminal prep, no signal handlers, no environment changes, and its
 * output stream (bells, completion listings) is /dev/null; completion
 * lists go to the scrollback instead.  rl_redisplay_function draws the
 * prompt line; the cursor sits at the display width of the bytes before
 * rl_point, and the line scrolls sideways to keep it visible.
 *
 * The scrollback holds logical lines (tabs expanded, control bytes and
 * invalid UTF-8 made visible) and wraps them to the window width when
 * drawing, from the newest line up, so a resize needs no rework.
 *
 * on_line runs after readline has finished with the line (never inside
 * its callback); it may print to the console but must not free it.
 */
#include "repl/console.h"
#include "repl/complete.h"
#include "core/err.h"
#include "core/strbuf.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>
#include <readline/history.h>
#include <readline/readline.h>

enum {
	QUEUE_MAX = 256,            /* keys fed but not yet read by readline */
	SCROLLBACK_MAX = 5000,      /* logical lines kept */
	HISTORY_MAX = 1000,
	TABSTOP = 8,
};

#define PROMPT "> "

struct sb_line {
	char *text;
	int kind;
};

struct console {
	WINDOW *win;
	lua_State *L;
	char *history_path;
	void (*on_line)(void *ud, const char *line);
	void *ud;
	unsigned char queue[QUEUE_MAX];
	int qhead, qlen;
	struct sb_line *lines;
	size_t nlines, cap;
	int scroll;                 /* wrapped rows scrolled back from the newest */
	char *entered;              /* the line readline finished, not yet handled */
	int have_line;
	const char *echoed;         /* the line on_line is handling (its echo is ours) */
	FILE *devnull;
	attr_t err_attr;
};

static struct console *active;  /* readline's callback interface is global */

/* ---- text -------------------------------------------------------------- */

/* The display width of the character at s (n bytes left) and its length
 * in *adv; an invalid byte is one column, one byte. */
static int char_width(const char *s, size_t n, size_t *adv)
{
	mbstate_t st;
	wchar_t wc;
	memset(&st, 0, sizeof(st));
	size_t k = mbrtowc(&wc, s, n, &st);
	if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
		*adv = 1;
		return 1;
	}
	*adv = k;
	int w = wcwidth(wc);
	return w < 0 ? 1 : w;
}

static int text_width(const char *s, size_t n)
{
	int w = 0;
	size_t adv;
	for (size_t i = 0; i < n; i += adv)
		w += char_width(s + i, n - i, &adv);
	return w;
}

/* A line as the scrollback keeps it: tabs expanded to the next stop,
 * control bytes as "?", invalid UTF-8 bytes as "?". */
static char *sanitize(const char *s, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	int col = 0;
	for (size_t i = 0; i < n;) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '\t') {
			do
				strbuf_adds(&sb, " ");
			while (++col % TABSTOP);
			i++;
			continue;
		}
		if (ch < 0x20 || ch == 0x7f) {
			if (ch != '\r') {
				strbuf_adds(&sb, "?");
				col++;
			}
			i++;
			continue;
		}
		mbstate_t st;
		wchar_t wc;
		memset(&st, 0, sizeof(st));
		size_t k = mbrtowc(&wc, s + i, n - i, &st);
		if (k == (size_t)-1 || k == (size_t)-2 || k == 0 || wcwidth(wc) < 0) {
			strbuf_adds(&sb, "?");
			col++;
			i += k == (size_t)-1 || k == (size_t)-2 || k == 0 ? 1 : k;
			continue;
		}
		strbuf_add(&sb, s + i, k);
		col += wcwidth(wc);
		i += k;
	}
	if (!sb.buf)
		return xstrdup("");
	return strbuf_detach(&sb, NULL);
}

/* Where the wrapped rows of s start (byte offsets) for a window w columns
 * wide; returns the number of rows (at least 1).  starts may be NULL. */
static size_t wrap(const char *s, int w, size_t *starts, size_t max)
{
	size_t rows = 1, n = strlen(s), adv;
	int col = 0;
	if (starts && max)
		starts[0] = 0;
	if (w < 1)
		w = 1;
	for (size_t i = 0; i < n; i += adv) {
		int cw = char_width(s + i, n - i, &adv);
		if (col + cw > w && col > 0) {
			if (starts && rows < max)
				starts[rows] = i;
			rows++;
			col = 0;
		}
		col += cw;
	}
	return rows;
}

/* ---- scrollback -------------------------------------------------------- */

static void add_line(struct console *c, const char *s, size_t n, int kind)
{
	if (c->nlines == SCROLLBACK_MAX) {
		/* Drop the oldest tenth at once, so this stays cheap. */
		size_t drop = SCROLLBACK_MAX / 10;
		for (size_t i = 0; i < drop; i++)
			free(c->lines[i].text);
		memmove(c->lines, c->lines + drop, (c->nlines - drop) * sizeof(*c->lines));
		c->nlines -= drop;
	}
	if (c->nlines == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 64;
		c->lines = xreallocarray(c->lines, c->cap, sizeof(*c->lines));
	}
	c->lines[c->nlines].text = sanitize(s, n);
	c->lines[c->nlines].kind = kind;
	c->nlines++;
}

void console_print(struct console *c, const char *text, int kind)
{
	if (!c || !text)
		return;
	if (kind == 1 && !strncmp(text, "> ", 2))
		text += 2;
	/* The TUI may echo the line it was handed: that echo was printed. */
	if (kind == 1 && c->echoed && !strcmp(text, c->echoed)) {
		c->echoed = NULL;
		return;
	}
	size_t len = strlen(text);
	if (len && text[len - 1] == '\n')
		len--;
	for (const char *p = text, *end = text + len;;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (kind == 1) {
			/* "> " marks the call; its further lines are indented. */
			struct strbuf sb = STRBUF_INIT;
			strbuf_adds(&sb, p == text ? "> " : "  ");
			strbuf_add(&sb, p, n);
			add_line(c, strbuf_str(&sb), sb.len, kind);
			strbuf_release(&sb);
		} else {
			add_line(c, p, n, kind);
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	c->scroll = 0;
}

void console_clear(struct console *c)
{
	for (size_t i = 0; i < c->nlines; i++)
		free(c->lines[i].text);
	c->nlines = 0;
	c->scroll = 0;
}

/* ---- drawing ----------------------------------------------------------- */

/* Draws n bytes of s at the cursor, clipped to the window's width. */
static void put_text(WINDOW *win, const char *s, size_t n, int width)
{
	int col = 0;
	size_t adv;
	for (size_t i = 0; i < n; i += adv) {
		int cw = char_width(s + i, n - i, &adv);
		if (col + cw > width)
			break;
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			waddch(win, '?');
		else
			waddnstr(win, s + i, (int)adv);
		col += cw;
	}
}

static attr_t kind_attr(const struct console *c, int kind)
{
	return kind == 1 ? A_DIM : kind == 2 ? c->err_attr : A_NORMAL;
}

/* The prompt line, bottom row: rl_display_prompt (the search prompt
 * during Ctrl-R) and the line, scrolled sideways to show the cursor. */
static void draw_prompt(struct console *c)
{
	int h, w;
	getmaxyx(c->win, h, w);
	if (h < 1 || w < 1)
		return;
	const char *prompt = rl_display_prompt ? rl_display_prompt : PROMPT;
	struct strbuf sb = STRBUF_INIT;
	strbuf_adds(&sb, prompt);
	size_t cursor = sb.len + (size_t)(rl_point > 0 ? rl_point : 0);
	strbuf_add(&sb, rl_line_buffer ? rl_line_buffer : "", rl_line_buffer ? (size_t)rl_end : 0);
	const char *s = strbuf_str(&sb);
	if (cursor > sb.len)
		cursor = sb.len;
	int ccol = text_width(s, cursor);
	/* Skip whole characters until the cursor fits with a column to spare. */
	size_t start = 0, adv;
	int skipped = 0;
	while (ccol - skipped > w - 1 && start < cursor) {
		skipped += char_width(s + start, sb.len - start, &adv);
		start += adv;
	}
	wmove(c->win, h - 1, 0);
	wattrset(c->win, A_NORMAL);
	wclrtoeol(c->win);
	put_text(c->win, s + start, sb.len - start, w);
	wmove(c->win, h - 1, ccol - skipped < w ? ccol - skipped : w - 1);
	strbuf_release(&sb);
}

/* Fills rows 0..rows-1 bottom-up from the newest line, c->scroll wrapped
 * rows back; returns the rows left empty at the top (0 when full). */
static int draw_scrollback(struct console *c, int rows, int w)
{
	size_t *starts = NULL, cap = 0;
	int skip = c->scroll, row = rows - 1;
	for (size_t li = c->nlines; row >= 0 && li > 0;) {
		const struct sb_line *ln = &c->lines[--li];
		size_t n = wrap(ln->text, w, NULL, 0);
		if (n > cap) {
			cap = n;
			starts = xreallocarray(starts, cap, sizeof(size_t));
		}
		wrap(ln->text, w, starts, n);
		size_t len = strlen(ln->text);
		for (size_t r = n; r-- > 0 && row >= 0;) {
			if (skip > 0) {
				skip--;
				continue;
			}
			size_t end = r + 1 < n ? starts[r + 1] : len;
			wmove(c->win, row, 0);
			wattrset(c->win, kind_attr(c, ln->kind));
			put_text(c->win, ln->text + starts[r], end - starts[r], w);
			row--;
		}
	}
	free(starts);
	return row + 1 + skip;
}

void console_draw(struct console *c, int focused)
{
	int h, w;
	getmaxyx(c->win, h, w);
	if (h < 1 || w < 1)
		return;
	int rows = h - 1;
	werase(c->win);
	int empty = draw_scrollback(c, rows, w);
	if (empty > 0 && c->scroll > 0) {
		/* Scrolled past the oldest line: show it at the top instead. */
		c->scroll = c->scroll > empty ? c->scroll - empty : 0;
		werase(c->win);
		draw_scrollback(c, rows, w);
	}
	if (c->scroll > 0 && rows > 0) {
		static const char more[] = " more below: PgDn ";
		int len = (int)sizeof(more) - 1;
		wattrset(c->win, A_REVERSE);
		mvwaddnstr(c->win, rows - 1, w > len ? w - len : 0, more, w);
	}
	wattrset(c->win, A_NORMAL);
	draw_prompt(c);
	if (focused) {
		leaveok(c->win, FALSE);
		curs_set(1);
	} else {
		leaveok(c->win, TRUE);
	}
	wnoutrefresh(c->win);
}

void console_resize(struct console *c, WINDOW *win)
{
	c->win = win;
}

/* ---- readline ---------------------------------------------------------- */

static int queue_pop(struct console *c)
{
	int ch = c->queue[c->qhead];
	c->qhead = (c->qhead + 1) % QUEUE_MAX;
	c->qlen--;
	return ch;
}

static void queue_push(struct console *c, const char *bytes, size_t n)
{
	for (size_t i = 0; i < n && c->qlen < QUEUE_MAX; i++) {
		c->queue[(c->qhead + c->qlen) % QUEUE_MAX] = (unsigned char)bytes[i];
		c->qlen++;
	}
}

/* Readline's next byte.  Normally queued; should readline want more than
 * was fed (it does not in callback mode), wait for the window's next key. */
static int console_getc(FILE *in)
{
	(void)in;
	struct console *c = active;
	if (!c)
		return EOF;
	if (!c->qlen) {
		int ch = wgetch(c->win);
		return ch == ERR || ch >= KEY_MIN ? 0 : ch & 0xff;
	}
	return queue_pop(c);
}

static int console_input_available(void)
{
	return active && active->qlen > 0;
}

static void console_redisplay(void)
{
	if (!active)
		return;
	draw_prompt(active);
	wnoutrefresh(active->win);
}

static void history_add(struct console *c, const char *line)
{
	if (!line[strspn(line, " \t")])
		return;
	HIST_ENTRY *last = history_length ? history_get(history_base + history_length - 1) : NULL;
	if (last && !strcmp(last->line, line))
		return;
	add_history(line);
	if (c->history_path)
		append_history(1, c->history_path);
}

static void on_rl_line(char *line)
{
	struct console *c = active;
	if (!c || !line) {
		/* Ctrl-D on an empty line: nothing to run. */
		free(line);
		return;
	}
	history_add(c, line);
	free(c->entered);
	c->entered = line;
	c->have_line = 1;
}

/* Candidates listed in columns into the scrollback (readline's own listing
 * would go to /dev/null). */
static void show_matches(char **matches, int n, int max_len)
{
	struct console *c = active;
	(void)max_len;
	if (!c || n < 1)
		return;
	int w = getmaxx(c->win), longest = 1;
	for (int i = 1; i <= n; i++) {
		const char *t = complete_tail(matches[i], rl_filename_completion_desired);
		int len = text_width(t, strlen(t));
		if (len > longest)
			longest = len;
	}
	int per_row = (w + 2) / (longest + 2);
	if (per_row < 1)
		per_row = 1;
	struct strbuf sb = STRBUF_INIT;
	for (int i = 1; i <= n; i++) {
		const char *t = complete_tail(matches[i], rl_filename_completion_desired);
		strbuf_adds(&sb, t);
		if (i == n || i % per_row == 0) {
			console_print(c, strbuf_str(&sb), 0);
			strbuf_reset(&sb);
		} else {
			for (int pad = text_width(t, strlen(t)); pad < longest + 2; pad++)
				strbuf_adds(&sb, " ");
		}
	}
	strbuf_release(&sb);
}

static void history_load(struct console *c)
{
	using_history();
	stifle_history(HISTORY_MAX);
	if (!c->history_path)
		return;
	int fd = open(c->history_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (fd >= 0)
		close(fd);
	read_history(c->history_path);
}

struct console *console_new(WINDOW *win, lua_State *L, const char *history_path,
			    void (*on_line)(void *ud, const char *line), void *ud)
{
	struct console *c = xcalloc(1, sizeof(*c));
	c->win = win;
	c->L = L;
	c->on_line = on_line;
	c->ud = ud;
	c->history_path = history_path ? xstrdup(history_path) : NULL;
	c->err_attr = A_BOLD;
	if (has_colors()) {
		/* A pair of our own, high enough not to meet the TUI's. */
		short pair = COLOR_PAIRS > 256 ? 255 : (short)(COLOR_PAIRS - 1);
		if (pair > 0 && init_pair(pair, COLOR_RED, -1) != ERR)
			c->err_attr |= COLOR_PAIR(pair);
		else if (pair > 0 && init_pair(pair, COLOR_RED, COLOR_BLACK) != ERR)
			c->err_attr |= COLOR_PAIR(pair);
	}
	c->devnull = fopen("/dev/null", "w");
	active = c;

	rl_readline_name = "wb";
	rl_change_environment = 0;  /* else LINES/COLUMNS are exported and stick */
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
	rl_prep_term_function = NULL;
	rl_deprep_term_function = NULL;
	rl_outstream = c->devnull;
	rl_getc_function = console_getc;
	rl_input_available_hook = console_input_available;
	rl_redisplay_function = console_redisplay;
	rl_event_hook = NULL;
	complete_attach(L, show_matches);
	history_load(c);
	rl_callback_handler_install(PROMPT, on_rl_line);
	/* Readline binds Delete from terminfo only when stdin is a terminal
	 * it reads itself; the console feeds this sequence for KEY_DC. */
	rl_bind_keyseq_if_unbound("\033[3~", rl_delete);
	return c;
}

void console_free(struct console *c)
{
	if (!c)
		return;
	if (active == c) {
		rl_callback_handler_remove();
		rl_getc_function = rl_getc;
		rl_input_available_hook = NULL;
		rl_redisplay_function = rl_redisplay;
		rl_prep_term_function = rl_prep_terminal;
		rl_deprep_term_function = rl_deprep_terminal;
		rl_outstream = NULL;
		complete_attach(NULL, NULL);
		if (c->history_path)
			history_truncate_file(c->history_path, HISTORY_MAX);
		clear_history();
		active = NULL;
	}
	console_clear(c);
	free(c->lines);
	free(c->entered);
	free(c->history_path);
	if (c->devnull)
		fclose(c->devnull);
	free(c);
}

/* Readline's key sequences (its default bindings) for curses' key codes. */
static const char *key_sequence(int ch)
{
	switch (ch) {
	case KEY_UP: return "\033[A";
	case KEY_DOWN: return "\033[B";
	case KEY_RIGHT: return "\033[C";
	case KEY_LEFT: return "\033[D";
	case KEY_HOME: return "\033[H";
	case KEY_END: return "\033[F";
	case KEY_DC: return "\033[3~";
	case KEY_BACKSPACE: return "\177";
	case KEY_ENTER: return "\r";
	default: return NULL;
	}
}

void console_key(struct console *c, int ch)
{
	int h = getmaxy(c->win), page = h > 2 ? h - 2 : 1;
	if (ch == KEY_PPAGE) {
		c->scroll += page;
		return;
	}
	if (ch == KEY_NPAGE) {
		c->scroll = c->scroll > page ? c->scroll - page : 0;
		return;
	}
	if (ch == 3) {
		/* Ctrl-C (when the TUI passes it on): drop the line, as the
		 * REPL does at its prompt. */
		c->qlen = 0;
		if (active == c) {
			rl_callback_sigcleanup();
			rl_replace_line("", 1);
			rl_point = 0;
			using_history();    /* Up starts again from the newest */
			console_redisplay();
		}
		return;
	}
	if (ch >= KEY_MIN) {
		const char *seq = key_sequence(ch);
		if (!seq)
			return;             /* KEY_RESIZE, function keys: not ours */
		queue_push(c, seq, strlen(seq));
	} else {
		char b = (char)(ch & 0xff);
		queue_push(c, &b, 1);
	}
	if (active != c)
		return;
	while (c->qlen > 0) {
		rl_callback_read_char();
		if (!c->have_line)
			continue;
		/* Readline is done with the line: echo it and hand it over. */
		char *line = c->entered;
		c->entered = NULL;
		c->have_line = 0;
		if (*line)
			console_print(c, line, 1);
		c->scroll = 0;
		c->echoed = line;
		c->on_line(c->ud, line);
		c->echoed = NULL;
		free(line);
	}
}
