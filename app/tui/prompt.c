/*
 * prompt — modal questions on the message line.
 *
 * Not a line editor to rival readline (the console has readline): enough to
 * type an expression or a file name — insert anywhere, move by character,
 * delete, kill the line — with UTF-8 characters kept whole.
 */
#include "tui/prompt.h"
#include "tui/grid.h"
#include "tui/tui.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>

#define CTRL(c) ((c) & 0x1f)

static int is_cont(unsigned char c)
{
	return (c & 0xC0) == 0x80;
}

/* Draws "question text" on the last line with the cursor at byte pos,
 * scrolled so the cursor shows. */
static void draw_line(const char *question, const char *text, size_t pos)
{
	int y = LINES - 1, w = COLS;
	if (w <= 0 || y < 0)
		return;
	int qw = text_width(question, strlen(question)) + 1;
	if (qw > w / 2)
		qw = w / 2;
	draw_text(stdscr, y, 0, qw, question, strlen(question), 0, A_BOLD);
	int room = w - qw - 1;
	/* Show the text from `start` so that the cursor is inside the room. */
	size_t start = 0;
	while (room > 0 && text_width(text + start, pos - start) >= room) {
		start++;
		while (text[start] && is_cont((unsigned char)text[start]))
			start++;
	}
	if (room > 0)
		draw_text(stdscr, y, qw, room + 1, text + start, strlen(text + start), 0, A_NORMAL);
	int cx = qw + text_width(text + start, pos - start);
	wmove(stdscr, y, cx < w ? cx : w - 1);
	wnoutrefresh(stdscr);
	doupdate();
}

int prompt_line(struct tui *t, const char *question, const char *initial, char *out,
		size_t size)
{
	char buf[1024];
	snprintf(buf, sizeof(buf), "%s", initial ? initial : "");
	size_t len = strlen(buf), pos = len;
	curs_set(1);
	tui_draw(t);
	int result = -1;
	while (result < 0) {
		draw_line(question, buf, pos);
		int ch = wgetch(stdscr);
		if (tui_take_interrupt()) {
			result = 0;
			break;
		}
		switch (ch) {
		case ERR:
			break;
		case KEY_RESIZE:
			tui_draw(t);
			break;
		case 27:
		case CTRL('g'):
		case CTRL('c'):
			result = 0;
			break;
		case '\n':
		case '\r':
		case KEY_ENTER:
			result = 1;
			break;
		case KEY_LEFT:
		case CTRL('b'):
			while (pos > 0 && is_cont((unsigned char)buf[--pos]))
				;
			break;
		case KEY_RIGHT:
		case CTRL('f'):
			if (pos < len)
				for (pos++; pos < len && is_cont((unsigned char)buf[pos]); pos++)
					;
			break;
		case KEY_HOME:
		case CTRL('a'):
			pos = 0;
			break;
		case KEY_END:
		case CTRL('e'):
			pos = len;
			break;
		case CTRL('u'):
			memmove(buf, buf + pos, len - pos + 1);
			len -= pos;
			pos = 0;
			break;
		case CTRL('k'):
			buf[pos] = '\0';
			len = pos;
			break;
		case KEY_BACKSPACE:
		case 127:
		case CTRL('h'): {
			if (pos == 0)
				break;
			size_t p = pos;
			while (p > 0 && is_cont((unsigned char)buf[--p]))
				;
			memmove(buf + p, buf + pos, len - pos + 1);
			len -= pos - p;
			pos = p;
			break;
		}
		case KEY_DC:
		case CTRL('d'): {
			if (pos >= len)
				break;
			size_t p = pos + 1;
			while (p < len && is_cont((unsigned char)buf[p]))
				p++;
			memmove(buf + pos, buf + p, len - p + 1);
			len -= p - pos;
			break;
		}
		default:
			if (ch >= 0x20 && ch < 0x100 && ch != 0x7f && len + 1 < sizeof(buf)) {
				memmove(buf + pos + 1, buf + pos, len - pos + 1);
				buf[pos++] = (char)ch;
				len++;
			}
			break;
		}
	}
	curs_set(0);
	if (result == 1)
		snprintf(out, size, "%s", buf);
	tui_draw(t);
	return result;
}

static int has_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

int prompt_menu(struct tui *t, const char *question, const char *const *choices, int n,
		int def)
{
	char typed[64] = "";
	int sel = def >= 0 && def < n ? def : 0;
	int result = -2;
	curs_set(0);
	tui_draw(t);
	while (result == -2) {
		int y = LINES - 1, w = COLS;
		if (y >= 0 && w > 0) {
			char q[256];
			snprintf(q, sizeof(q), "%s%s%s ", question, typed[0] ? " " : "", typed);
			int qw = text_width(q, strlen(q));
			if (qw > w)
				qw = w;
			draw_text(stdscr, y, 0, qw, q, strlen(q), 0, A_BOLD);
			/* Items from the first one that keeps the selection on screen. */
			int first = 0, x;
			for (;;) {
				x = qw;
				for (int k = first; k <= sel; k++)
					x += (int)strlen(choices[k]) + 1;
				if (x <= w || first >= sel)
					break;
				first++;
			}
			x = qw;
			for (int k = first; k < n && x < w; k++) {
				int cw = (int)strlen(choices[k]);
				if (x + cw > w)
					cw = w - x;
				attr_t a = k == sel ? A_REVERSE | A_BOLD : A_NORMAL;
				if (typed[0] && !has_prefix(choices[k], typed))
					a = grid_attr(PAIR_HINT);
				draw_text(stdscr, y, x, cw, choices[k], strlen(choices[k]), 0, a);
				x += cw;
				if (x < w)
					draw_text(stdscr, y, x++, 1, "", 0, 0, A_NORMAL);
			}
			if (x < w)
				draw_text(stdscr, y, x, w - x, "", 0, 0, A_NORMAL);
			wnoutrefresh(stdscr);
			doupdate();
		}
		int ch = wgetch(stdscr);
		if (tui_take_interrupt()) {
			result = -1;
			break;
		}
		switch (ch) {
		case ERR:
			break;
		case KEY_RESIZE:
			tui_draw(t);
			break;
		case 27:
		case CTRL('g'):
		case CTRL('c'):
			result = -1;
			break;
		case '\n':
		case '\r':
		case KEY_ENTER:
			result = sel;
			break;
		case KEY_LEFT:
		case KEY_UP:
		case KEY_BTAB:
			sel = (sel + n - 1) % n;
			break;
		case KEY_RIGHT:
		case KEY_DOWN:
		case '\t':
			sel = (sel + 1) % n;
			break;
		case KEY_BACKSPACE:
		case 127:
		case CTRL('h'):
			if (typed[0])
				typed[strlen(typed) - 1] = '\0';
			break;
		default:
			if (ch > 0x20 && ch < 0x7f && strlen(typed) + 1 < sizeof(typed)) {
				size_t l = strlen(typed);
				typed[l] = (char)ch;
				typed[l + 1] = '\0';
				for (int k = 0; k < n; k++)
					if (has_prefix(choices[k], typed)) {
						sel = k;
						break;
					}
			}
			break;
		}
	}
	tui_draw(t);
	return result;
}
