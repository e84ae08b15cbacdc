/* hash — SHA-256 over OpenSSL's EVP interface. */
#include "core/hash.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>

void hash_init(struct wb_hash *h)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		WB_BUG("cannot initialise sha256");
	h->ctx = ctx;
}

void hash_update(struct wb_hash *h, const void *data, size_t len)
{
	if (len && EVP_DigestUpdate(h->ctx, data, len) != 1)
		WB_BUG("sha256 update failed");
}

void hash_u64(struct wb_hash *h, uint64_t v)
{
	unsigned char b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	hash_update(h, b, 8);
}

uint64_t hash_f64_bits(double v)
{
	uint64_t bits;
	if (isnan(v))
		v = NAN;
	else if (v == 0)
		v = 0.0;
	memcpy(&bits, &v, 8);
	return bits;
}

void hash_f64(struct wb_hash *h, double v)
{
	hash_u64(h, hash_f64_bits(v));
}

void hash_strn(struct wb_hash *h, const char *s, size_t len)
{
	hash_u64(h, (uint64_t)len);
	hash_update(h, s, len);
}

void hash_str(struct wb_hash *h, const char *s)
{
	if (!s) {
		hash_u64(h, UINT64_MAX);
		return;
	}
	hash_strn(h, s, strlen(s));
}

void hash_final(struct wb_hash *h, unsigned char out[WB_HASH_LEN])
{
	unsigned int n = 0;
	if (EVP_DigestFinal_ex(h->ctx, out, &n) != 1 || n != WB_HASH_LEN)
		WB_BUG("sha256 final failed");
	EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
}

void hash_bytes(const void *data, size_t len, unsigned char out[WB_HASH_LEN])
{
	struct wb_hash h;
	hash_init(&h);
	hash_update(&h, data, len);
	hash_final(&h, out);
}

void hash_hex(const unsigned char h[WB_HASH_LEN], char out[WB_HASH_HEX])
{
	static const char digits[] = "0123456789abcdef";
	for (int i = 0; i < WB_HASH_LEN; i++) {
		out[2 * i] = digits[h[i] >> 4];
		out[2 * i + 1] = digits[h[i] & 15];
	}
	out[2 * WB_HASH_LEN] = '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int hash_from_hex(const char *hex, unsigned char out[WB_HASH_LEN])
{
	for (int i = 0; i < WB_HASH_LEN; i++) {
		int hi = hexval(hex[2 * i]), lo = hi < 0 ? -1 : hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return hex[2 * WB_HASH_LEN] == '\0' ? 0 : -1;
}

int hash_file(const char *path, unsigned char out[WB_HASH_LEN], struct wb_err *err)
{
	enum { BUFSZ = 1 << 16 };
	unsigned char *buf;
	struct wb_hash h;
	size_t n;
	FILE *fp = fopen(path, "rb");

	if (!fp)
		return wb_error(err, "cannot open '%s': %s", path, strerror(errno));
	buf = xmalloc(BUFSZ);
	hash_init(&h);
	while ((n = fread(buf, 1, BUFSZ, fp)) > 0)
		hash_update(&h, buf, n);
	free(buf);
	if (ferror(fp)) {
		int e = errno;
		fclose(fp);
		hash_final(&h, out);
		return wb_error(err, "cannot read '%s': %s", path, strerror(e));
	}
	fclose(fp);
	hash_final(&h, out);
	return 0;
}
