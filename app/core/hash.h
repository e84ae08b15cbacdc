/*
 * hash — SHA-256, the one content hash wb uses everywhere (frames, recipes,
 * models, artifacts, bundles).  A thin wrapper over OpenSSL's libcrypto so the
 * rest of the engine never sees EVP types.
 *
 * Streams of typed values are hashed unambiguously: strings are length-
 * prefixed and integers are little-endian fixed width, so ("ab","c") and
 * ("a","bc") never collide.
 */
#ifndef WB_HASH_H
#define WB_HASH_H

#include <stddef.h>
#include <stdint.h>
#include "core/err.h"

#define WB_HASH_LEN 32
#define WB_HASH_HEX 65 /* 64 hex digits and a NUL */

struct wb_hash {
	void *ctx; /* EVP_MD_CTX, owned */
};

void hash_init(struct wb_hash *h);
void hash_update(struct wb_hash *h, const void *data, size_t len);
void hash_u64(struct wb_hash *h, uint64_t v);
void hash_f64(struct wb_hash *h, double v); /* all NaNs hash alike; -0 == 0 */
/* The canonical bits hash_f64 hashes (one NaN, -0 as 0), for block hashing. */
uint64_t hash_f64_bits(double v);
/* Length-prefixed; s == NULL hashes as a distinct "missing" marker. */
void hash_str(struct wb_hash *h, const char *s);
void hash_strn(struct wb_hash *h, const char *s, size_t len);
/* Writes the digest and releases the context. */
void hash_final(struct wb_hash *h, unsigned char out[WB_HASH_LEN]);

void hash_bytes(const void *data, size_t len, unsigned char out[WB_HASH_LEN]);
void hash_hex(const unsigned char h[WB_HASH_LEN], char out[WB_HASH_HEX]);
/* Parses 64 hex digits; returns -1 if malformed. */
int hash_from_hex(const char *hex, unsigned char out[WB_HASH_LEN]);
int hash_file(const char *path, unsigned char out[WB_HASH_LEN], struct wb_err *err);

#endif
