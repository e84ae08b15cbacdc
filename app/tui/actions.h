/*
 * actions — the TUI's one action table (STYLE.md "The TUI"): id, default
 * keys, the wb.tui.code generator it runs (NULL for views and moves), help
 * text and the C handler.  The table generates the key bindings, the `?`
 * help sheet and wb.tui.actions() in Lua; workbench.lua rebinds keys with
 *
 *     wb.config.keys = { sort_desc = "}", top = { "gg", "Home" } }
 *
 * Key names: a printable character ("[", "G"), "^X" for Ctrl-X, or one of
 * Enter Esc Tab BS Del Space Up Down Left Right PgUp PgDn Home End F1..F12;
 * "g" or "z" in front makes a two-key binding ("gg", "z|").  g and z alone
 * are prefixes and cannot be bound.
 */
#ifndef WB_TUI_ACTIONS_H
#define WB_TUI_ACTIONS_H

#include <stddef.h>

struct tui;

struct action {
	const char *id;
	const char *keys;   /* default keys, space-separated */
	const char *lua;    /* the wb.tui.code function(s) it runs, or NULL */
	const char *help;
	void (*run)(struct tui *t);
};

extern const struct action tui_actions[];
extern const int tui_nactions;

/* Binds the default keys, then applies wb.config.keys; problems go to
 * msg (empty when none). */
void actions_bind(struct tui *t, char *msg, size_t size);
/* Sets wb.tui._actions from the table and the current keys. */
void actions_publish(struct tui *t);
/* Handles a key read while the sheet has the focus. */
void actions_key(struct tui *t, int ch);
/* The keys bound to action a, as text ("j Down"). */
void actions_keys_text(const struct tui *t, int a, char *out, size_t size);
/* The `?` sheet: one row per action (keys, id, Lua, help). */
void actions_help(struct tui *t);

#endif
