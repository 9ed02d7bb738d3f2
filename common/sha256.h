/* sha256.h - streaming SHA-256 for file contents, at the CPU's speed. */
#ifndef LC_SHA256_H
#define LC_SHA256_H

#include <stddef.h>
#include <stdint.h>

/*
 * Every byte of every program latticectl pushes is hashed twice, once on
 * each side, so this is OpenSSL's SHA-256 (SHA-NI/AVX2 code chosen at run
 * time, about five times libsodium's portable one) behind a small
 * interface.  The agent links it from libcrypto.a: the few objects it pulls
 * in need only the C library.  The state is opaque here so that callers do
 * not include OpenSSL's headers.
 */
struct lc_sha256 {
	union {
		uint64_t align;
		unsigned char bytes[128];
	} u;
};

void lc_sha256_init(struct lc_sha256 *h);
void lc_sha256_update(struct lc_sha256 *h, const void *data, size_t len);
/* Write the digest to out and wipe the state. */
void lc_sha256_final(struct lc_sha256 *h, uint8_t out[32]);
/* The digest of data[0..len) in one call. */
void lc_sha256(uint8_t out[32], const void *data, size_t len);
/* The digest and length of what is left to read from fd, streamed in
 * 64 KiB pieces that are wiped after (files may be secrets).  Returns 0,
 * or -1 with errno set when a read fails. */
int lc_sha256_fd(int fd, uint8_t out[32], uint64_t *size);

/* sha256 of a local file, hex; *size (when given) its length. */
struct lc_err;
int lc_sha256_file(char out[65], long long *size, const char *path, struct lc_err *err);

#endif
