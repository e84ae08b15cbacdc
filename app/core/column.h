/*
 * column — one typed, immutable, reference-counted vector of values.
 *
 * Kinds and how each marks a missing value (DESIGN.md §3):
 *   COL_NUM   double    num[i]; NaN is missing
 *   COL_INT   int64_t   i64[i]; valid[i] == 0 is missing
 *   COL_TIME  int64_t   i64[i] (microseconds since 1970-01-01 UTC); valid[i] == 0 missing
 *   COL_BOOL  int8_t    b[i]: 0 false, 1 true, -1 missing
 *   COL_CAT   int32_t   codes[i] in 0..nlevels-1 indexing levels[]; -1 missing
 *   COL_STR   text      bytes + offs[i], NUL-terminated: every cell (missing ones
 *                       too, as "") occupies offs[i+1] - offs[i] = length + 1
 *                       bytes; valid[i] == 0 missing
 *
 * `valid` may be NULL, meaning no value is missing.  Missing slots hold 0 /
 * empty text so that hashing and comparisons never see garbage.
 *
 * Ownership: a column owns all its arrays.  It is filled once by whoever
 * created it (loader, operation) and is immutable after it is added to a
 * frame; frames share columns through column_ref/column_unref.
 */
#ifndef WB_COLUMN_H
#define WB_COLUMN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"
#include "core/hash.h"

enum col_kind { COL_NUM, COL_INT, COL_CAT, COL_STR, COL_BOOL, COL_TIME };
#define COL_NKINDS 6

struct column {
	int refs;
	enum col_kind kind;
	size_t n;
	double *num;
	int64_t *i64;
	int8_t *b;
	int32_t *codes;
	char **levels;
	int32_t nlevels;
	uint64_t *offs;   /* n + 1 entries */
	char *bytes;
	uint8_t *valid;
};

/* "num", "int", "cat", "str", "bool", "time". */
const char *col_kind_name(enum col_kind kind);
/* Parses a kind name; -1 if unknown. */
int col_kind_parse(const char *name, enum col_kind *out);

/* A new column of n rows, refs = 1, all missing (NUM: NaN, CAT: -1,
 * BOOL: -1, INT/TIME/STR: valid all 0).  STR gets n empty cells; CAT gets
 * no levels. */
struct column *column_new(enum col_kind kind, size_t n);
/* A STR column that takes ownership of offs (n + 1), bytes (laid out as
 * above, NUL after each cell) and valid (may be NULL). */
struct column *column_new_str(size_t n, uint64_t *offs, char *bytes, uint8_t *valid);
/* A CAT column that takes ownership of codes (n) and levels (nlevels). */
struct column *column_new_cat(size_t n, int32_t *codes, char **levels, int32_t nlevels);
/* A STR column copied from n C strings (NULL entries are missing). */
struct column *column_from_strings(const char *const *strs, size_t n);

/* The rule every loader uses to store text: a column is categorical when it
 * has few distinct values (<= 1000 and <= half the non-missing count, or
 * <= 2 distinct values), else free text. */
#define COLUMN_CAT_MAX_LEVELS 1000
bool column_text_is_cat(size_t distinct, size_t nonmissing);
/* A CAT column with the text of a STR column (levels sorted bytewise). */
struct column *column_to_cat(const struct column *str);
/* Applies column_text_is_cat to a STR column: takes ownership of str and
 * returns it unchanged, or a CAT column with its text (str released). */
struct column *column_text_auto(struct column *str);

/* Makes sure `valid` exists (all present) so a builder can clear entries. */
void column_alloc_valid(struct column *c);
/* Drops `valid` if nothing is missing (keeps the common case compact). */
void column_compact_valid(struct column *c);

struct column *column_ref(struct column *c);
void column_unref(struct column *c);

bool column_is_missing(const struct column *c, size_t i);
size_t column_count_missing(const struct column *c);
/* Numeric view: NUM, INT, BOOL and TIME as double (NaN when missing);
 * CAT gives its code (NaN when missing); STR gives NaN. */
double column_get_num(const struct column *c, size_t i);
/* Text of a STR or CAT cell (NULL when missing); *len gets the length. */
const char *column_get_text(const struct column *c, size_t i, size_t *len);
/* Index of a level in a CAT column, or -1. */
int32_t column_level_index(const struct column *c, const char *s, size_t len);

/* Writes the cell as text (the form write_csv uses, which reads back to the
 * same value); missing cells give "".  Returns the length written (truncated
 * to size - 1 like snprintf, but STR/CAT cells may be longer: use
 * column_get_text for those). */
size_t column_format(const struct column *c, size_t i, char *buf, size_t size);
/* Shortest decimal text that reads back to exactly v ("%.15g", 16 or 17 digits). */
int fmt_double(double v, char *buf, size_t size);
/* ISO 8601: "YYYY-MM-DD" at midnight, else "YYYY-MM-DDTHH:MM:SS[.ffffff]Z". */
int fmt_time(int64_t us, char *buf, size_t size);
/* Parses the forms fmt_time writes, plus a space instead of 'T', a missing 'Z'
 * and "+HH:MM" offsets.  Returns 0 or -1. */
int parse_time(const char *s, size_t len, int64_t *us);

/* Rows idx[0..n) of c as a new column; idx[k] == SIZE_MAX gives a missing row. */
struct column *column_take(const struct column *c, const size_t *idx, size_t n);
/* Rows [start, start + n) as a new column. */
struct column *column_slice(const struct column *c, size_t start, size_t n);

/* Feeds the kind and every value to h in a canonical form (independent of
 * how the column is stored: a NULL valid equals an all-ones valid, and a CAT
 * column hashes by its level text, not its codes). */
void column_hash(const struct column *c, struct wb_hash *h);
/* Bytes held by the column's arrays. */
size_t column_bytes(const struct column *c);

/* Compares cells i and j of the same column for sorting: missing sorts after
 * everything; CAT compares level text; returns <0, 0, >0. */
int column_cmp(const struct column *c, size_t i, size_t j);

#endif
