/*
 * ops — the TUI actions that run Lua: each gathers the context of the
 * cursor (sheet frame, column, value), asks wb.tui.code for the line of
 * Lua, runs it through the session (echoed, recorded) and shows the result
 * (a new sheet, the same sheet with a new frame, a plot, metrics).
 */
#ifndef WB_TUI_OPS_H
#define WB_TUI_OPS_H

#include <stddef.h>

struct tui;

void op_sort_asc(struct tui *t);
void op_sort_desc(struct tui *t);
void op_filter_value(struct tui *t);
void op_filter_expr(struct tui *t);
void op_hide(struct tui *t);
void op_unhide(struct tui *t);
void op_cast_num(struct tui *t);
void op_cast_int(struct tui *t);
void op_cast_cat(struct tui *t);
void op_cast_str(struct tui *t);
void op_cast_bool(struct tui *t);
void op_cast_time(struct tui *t);
void op_columns(struct tui *t);
void op_freq(struct tui *t);
void op_dive(struct tui *t);
void op_split(struct tui *t);
void op_train(struct tui *t);
void op_evaluate(struct tui *t);
void op_package(struct tui *t);
void op_plot(struct tui *t);
void op_scatter(struct tui *t);
void op_roc(struct tui *t);
void op_runs(struct tui *t);
void op_compare(struct tui *t);

/* Opens the first sheet: a CSV file (read_csv) or the run log's runs.
 * Returns 0, or -1 with the error in msg (the screen is not up yet). */
int op_open_file(struct tui *t, const char *path, char *msg, size_t size);
int op_open_runs(struct tui *t, char *msg, size_t size);

#endif
