/*
 * frame — a table: named columns of equal length (DESIGN.md §3).
 *
 * A frame is built (frame_new + frame_add), sealed with a hash, and is then
 * immutable: every operation returns a new frame, which may share columns
 * with its input by reference count.  Frames themselves are reference-
 * counted so that Lua userdata, sheets and recipes can hold the same one.
 *
 * The hash: a frame read from data hashes its content (names, kinds, every
 * value; frame_seal_content), so the same data loaded twice, or written and
 * read back, hashes alike.  A derived frame hashes as H(op, params, input
 * hashes) (frame_seal_derived), so lineage forms a Merkle chain as in DVC.
 */
#ifndef WB_FRAME_H
#define WB_FRAME_H

#include <stddef.h>
#include "core/column.h"
#include "core/err.h"
#include "core/hash.h"

struct frame {
	int refs;
	size_t nrow;
	int ncol;
	char **names;            /* ncol owned names, unique */
	struct column **cols;    /* ncol references */
	unsigned char hash[WB_HASH_LEN];
	int sealed;              /* hash computed; no more frame_add */
};

/* An empty frame with nrow rows and no columns (refs = 1). */
struct frame *frame_new(size_t nrow);
/* Appends a column; takes ownership of the caller's reference to col (also
 * on failure).  Fails on a duplicate name or a length mismatch. */
int frame_add(struct frame *f, const char *name, struct column *col, struct wb_err *err);

struct frame *frame_ref(struct frame *f);
void frame_unref(struct frame *f);

/* Column index by name, or -1. */
int frame_find(const struct frame *f, const char *name);
/* Column by name, or NULL. */
struct column *frame_col(const struct frame *f, const char *name);

/* Seals the frame with the hash of its content. */
void frame_seal_content(struct frame *f);
/* Seals the frame with H(op, params, input hashes); params is a canonical
 * text (usually JSON) of everything that determines the output. */
void frame_seal_derived(struct frame *f, const char *op, const char *params,
			const struct frame *const *inputs, int ninputs);
/* The content hash, whatever the frame's own (lineage) hash is. */
void frame_content_hash(const struct frame *f, unsigned char out[WB_HASH_LEN]);
void frame_hash_hex(const struct frame *f, char out[WB_HASH_HEX]);

/* Bytes held by the frame's columns. */
size_t frame_bytes(const struct frame *f);

#endif
