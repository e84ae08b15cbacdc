/*
 * prompt — questions asked on the message line: a line of text (a filter
 * expression, a fraction, a file name) and a menu of choices (the model
 * family).  Both are modal: they read keys until Enter or Esc, redrawing
 * the whole screen on resize.  Ctrl-C, Ctrl-G and Esc cancel.
 */
#ifndef WB_TUI_PROMPT_H
#define WB_TUI_PROMPT_H

#include <stddef.h>

struct tui;

/* 1 with the answer in out, 0 when cancelled.  initial: the text the line
 * starts with (may be NULL). */
int prompt_line(struct tui *t, const char *question, const char *initial, char *out,
		size_t size);
/* The index of the chosen entry, or -1 when cancelled.  Typing filters the
 * choices by prefix; arrows or Tab move; Enter picks. */
int prompt_menu(struct tui *t, const char *question, const char *const *choices, int n,
		int def);

#endif
