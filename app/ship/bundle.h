/*
 * bundle — a trained model packaged as one verifiable file, `.wbz`
 * (DESIGN.md §6; the layout is documented in docs/bundle.md).
 *
 * A bundle is a zip archive (deflate) of these entries, in this order:
 *
 *   manifest.json    what the bundle is (below) and the sha256 + size of
 *                    every other entry
 *   model.json       model_to_json(): the model with its fitted recipe; this
 *                    is what loading uses
 *   recipe.json      recipe_to_json() of the same fitted recipe, for readers
 *                    (absent when the model has no recipe; never loaded)
 *   reference.json   drift reference statistics given by the caller (absent
 *                    when none was given; stored as is)
 *   golden.csv       up to 100 training rows, the input columns only
 *   golden_out.csv   the model's exact outputs on them: pred, p_<class>...
 *   README.md        the model card
 *   Dockerfile       serves the bundle with `wb serve`
 *
 * Writing is deterministic: the same spec gives the same bytes (fixed entry
 * order, mtime 0, uid/gid 0, mode 0644, JSON in a fixed key order with
 * doubles to 17 significant digits, zlib's default deflate level).  The
 * archive is written to "<path>.tmp.XXXXXX" and renamed, so a reader never
 * sees half a bundle.
 *
 * Loading (bundle_open) treats the file as untrusted: only the entry names
 * above, regular files only (no links, devices or directories), no absolute
 * paths or "..", bounded entry count and sizes (counted while
 * decompressing, not taken from headers), every entry's size and sha256
 * checked against the manifest, and a recipe with a custom (Lua) step
 * refused unless the caller opts in.  Opening does not re-score: call
 * bundle_verify before serving (it re-scores golden.csv and compares with
 * golden_out.csv bit for bit).
 *
 * Manifest (format "wb.bundle", format_version 1; keys in this order):
 *   format, format_version, name, version, created, wb_version, run_id,
 *   model { family, task, target, target_kind, classes, features },
 *   input { columns: [ { name, kind, missing, categories?,
 *                        categories_truncated?, distinct?, min?, max? } ] },
 *   output { columns: [ { name, kind } ] },
 *   data { rows, columns, hash, golden_rows, golden_selection },
 *   metrics {...}, meta {...},
 *   files { "<name>": { sha256, bytes } }   (every entry but the manifest)
 */
#ifndef WB_BUNDLE_H
#define WB_BUNDLE_H

#include <stddef.h>
#include <jansson.h>
#include "core/err.h"
#include "core/frame.h"
#include "ml/model.h"

#define BUNDLE_FORMAT "wb.bundle"
#define BUNDLE_VERSION 1
#define BUNDLE_GOLDEN_ROWS 100
/* Categories listed per input column in the manifest; more are counted
 * ("distinct") and flagged ("categories_truncated": true). */
#define BUNDLE_MAX_CATEGORIES 1000

/* What to package.  Everything is borrowed for the duration of the call. */
struct bundle_spec {
	const struct model *model;   /* fitted (required) */
	/* The training frame as given to model_train (before the recipe): the
	 * input schema (kinds, categories, ranges) and the golden rows come
	 * from it; it must hold every column the model reads. */
	const struct frame *train;
	const char *name;            /* required, e.g. "credit" */
	const char *version;         /* required, e.g. "3" or "1.2.0" */
	const char *created;         /* required, ISO 8601 (parse_time accepts it);
				      * given, not read from the clock, so that
				      * the bytes are reproducible */
	const char *run_id;          /* NULL: null in the manifest */
	const json_t *metrics;       /* object or NULL ({}) */
	const json_t *reference;     /* drift_reference() object, or NULL: no
				      * reference.json */
	/* For the model card, and kept in the manifest: "description",
	 * "intended_use", "limits", "authors", "license" (strings; others are
	 * kept but not shown).  NULL: placeholders. */
	const json_t *meta;
	size_t golden_rows;          /* 0: BUNDLE_GOLDEN_ROWS */
};

/* Writes the bundle to path (atomically).  Returns 0 or -1 with err set. */
int bundle_write(const char *path, const struct bundle_spec *spec, struct wb_err *err);

/* ---------------------------------------------------------------- reading */

struct bundle_limits {
	int max_entries;             /* default 32 */
	size_t max_entry_bytes;      /* uncompressed, any one entry: 512 MB */
	size_t max_total_bytes;      /* uncompressed, all entries: 1 GB */
	int allow_custom;            /* load a recipe with a custom Lua step
				      * (the CLI flag is --allow-custom) */
};

void bundle_limits_init(struct bundle_limits *lim);

struct bundle;

/* Opens, checks and loads a bundle (lim NULL: defaults).  Every error names
 * the file and what is wrong with which entry:
 *   "bundle 'x.wbz': model.json: sha256 mismatch (manifest says ab12...,
 *    file is cd34...)".
 * Returns NULL on failure. */
struct bundle *bundle_open(const char *path, const struct bundle_limits *lim,
			   struct wb_err *err);
void bundle_close(struct bundle *b);

/* The parsed manifest (owned by b). */
const json_t *bundle_manifest(const struct bundle *b);
/* The loaded model (owned by b).  A custom step is loaded unbound: the Lua
 * layer must bind it before scoring. */
const struct model *bundle_model(const struct bundle *b);
/* The model's recipe, writable: for binding custom steps (or NULL). */
struct recipe *bundle_recipe(struct bundle *b);
/* Entry contents by name (NUL-terminated; *len gets the size when len is not
 * NULL), or NULL if the bundle has no such entry.  Owned by b. */
const char *bundle_file(const struct bundle *b, const char *name, size_t *len);
/* Entries in archive order, manifest.json included. */
int bundle_nfiles(const struct bundle *b);
const char *bundle_file_name(const struct bundle *b, int i);
/* The path given to bundle_open. */
const char *bundle_path(const struct bundle *b);
/* Whether the recipe has a custom step (only possible with allow_custom). */
int bundle_has_custom(const struct bundle *b);

struct bundle_report {
	size_t rows;             /* golden rows re-scored */
	int columns;             /* output columns compared */
	int mismatch;            /* 1: the first mismatch is below */
	size_t row;              /* 1-based data row of golden_out.csv */
	char column[128];
	char expected[128];      /* the cell as text ("" when missing) */
	char got[128];
};

/* Re-scores golden.csv with the bundle's model and compares with
 * golden_out.csv: doubles by exact value (bits), labels by text, missing
 * with missing.  Returns 0 when every cell matches; -1 on a mismatch
 * (r->mismatch set, err names row, column, expected and got) or on any
 * other failure (r->mismatch 0).  r may be NULL. */
int bundle_verify(const struct bundle *b, struct bundle_report *r, struct wb_err *err);

/* ---------------------------------------------------------------- card */

/* The model card (README.md) for a manifest without "files" (new string). */
char *bundle_card(const json_t *manifest);
/* The Dockerfile (new string). */
char *bundle_dockerfile(const json_t *manifest);

#endif
