/*
 * expr — the vectorised row-condition language behind frame_filter_expr and
 * frame_eval_mask.
 *
 *   cond   := or
 *   or     := and ('or' and)*
 *   and    := not ('and' not)*
 *   not    := 'not' not | cmp
 *   cmp    := sum (('=='|'='|'!='|'<'|'<='|'>'|'>=') sum | ['not'] 'in' '(' lit {',' lit} ')')?
 *   sum    := prod (('+'|'-') prod)*
 *   prod   := unary (('*'|'/') unary)*
 *   unary  := '-' unary | atom
 *   atom   := number | 'text' | "text" | true | false | name | `any name`
 *           | is_missing '(' name ')' | '(' cond ')'
 *
 * Keywords are case-insensitive; names may contain letters, digits, '_' and
 * '.'; strings take \-escapes or a doubled quote.
 *
 * Types are checked once, when compiling against a frame's schema: num and
 * int columns take numbers and arithmetic; time columns compare with
 * 'YYYY-MM-DD[THH:MM:SS]' literals (or time columns); cat and str columns
 * compare with strings (bytewise order) or each other; bool columns compare
 * with true/false with == and != and may stand alone as a condition.
 *
 * Missing values: a comparison (including != and `not in`) is false when
 * either side is missing, so `not (x > 1)` is true for a missing x while
 * `x <= 1` is false.  Only is_missing(x) is true for a missing value.
 *
 * Evaluation runs node by node over blocks of rows, so the cost per row is a
 * tight loop per operator, never a walk of the tree.
 */
#ifndef WB_EXPR_H
#define WB_EXPR_H

#include <stdint.h>
#include "core/frame.h"

struct expr;

/* Compiles src against f (which must outlive the expr).  who prefixes error
 * messages ("filter").  NULL on a syntax or type error, with err set:
 *   "filter: expected ')' at 1:9 in \"Age > (3\""
 *   "filter: cannot compare cat column 'Home' with a number at 1:6" */
struct expr *expr_compile(const struct frame *f, const char *src, const char *who,
			  struct wb_err *err);
/* Writes 1 or 0 for each of the frame's rows to mask. */
void expr_eval(struct expr *e, uint8_t *mask);
void expr_free(struct expr *e);

#endif
