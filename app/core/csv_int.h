/* csv_int — what the CSV reader (csv.c, csv_text.c) and writer (csv_write.c)
 * share; not part of the engine's interface. */
#ifndef WB_CSV_INT_H
#define WB_CSV_INT_H

#include <stddef.h>

/* The default missing tokens, in csv_opts_init order. */
extern const char *const csv_default_na[5];
#define CSV_DEFAULT_NNA 5

/* Whether an unquoted s would read back as missing with the default tokens. */
int csv_is_default_na(const char *s, size_t len);

#include <stdint.h>
#include "core/column.h"
#include "core/strdict.h"

#define CSV_CAT_MAX_LEVELS COLUMN_CAT_MAX_LEVELS

/* Chunk-local text cells, laid out like a STR column (NUL after each). */
struct csv_tbuf {
	uint64_t *offs;
	uint8_t *miss;
	size_t ncell, ccap;
	char *bytes;
	size_t blen, bcap;
};

/* A text column being built: a dictionary while it may still become cat,
 * plain text once it has too many levels. */
struct csv_gtext {
	int forced;          /* -1, COL_CAT or COL_STR */
	int is_str;
	struct strdict d;
	int32_t *codes;
	uint64_t *offs;
	char *bytes;
	size_t blen, bcap;
	uint8_t *valid;
	size_t n, cap, nonmiss;
};

void csv_tbuf_clear(struct csv_tbuf *t);
void csv_tbuf_free(struct csv_tbuf *t);
/* Appends a cell; with dq set, doubled quotes are undoubled. */
void csv_tbuf_put(struct csv_tbuf *t, const char *s, size_t len, int miss, int dq);
void csv_gtext_init(struct csv_gtext *g, int forced);
void csv_gtext_release(struct csv_gtext *g);
/* Appends a cell (switches to plain text past CSV_CAT_MAX_LEVELS levels
 * unless forced cat). */
void csv_gtext_put(struct csv_gtext *g, const char *s, size_t len, int miss);
void csv_gtext_get(const struct csv_gtext *g, size_t i, const char **s, size_t *len, int *miss);
/* The final column: cat with levels sorted bytewise when the inference rule
 * (or the override) says so, else str.  Leaves g empty. */
struct column *csv_gtext_finish(struct csv_gtext *g);

#endif
