/* sha256.c - lc_sha256_* on OpenSSL's low-level SHA-256 (see sha256.h for why). */

/*
 * SHA256_Init and friends are deprecated in OpenSSL 3 in favour of EVP,
 * but EVP drags the provider machinery (megabytes) into the statically
 * linked agent; these three calls reach the same assembly.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "err.h"
#include "hex.h"
#include "sha256.h"
#include "banned.h"

_Static_assert(sizeof(SHA256_CTX) <= sizeof(((struct lc_sha256 *)0)->u.bytes),
	       "struct lc_sha256 too small for SHA256_CTX");

static SHA256_CTX *ctx(struct lc_sha256 *h)
{
	return (SHA256_CTX *)(void *)h->u.bytes;
}

void lc_sha256_init(struct lc_sha256 *h)
{
	SHA256_Init(ctx(h));
}

void lc_sha256_update(struct lc_sha256 *h, const void *data, size_t len)
{
	SHA256_Update(ctx(h), data, len);
}

void lc_sha256_final(struct lc_sha256 *h, uint8_t out[32])
{
	SHA256_Final(out, ctx(h));
	OPENSSL_cleanse(h, sizeof(*h));
}

void lc_sha256(uint8_t out[32], const void *data, size_t len)
{
	struct lc_sha256 h;

	lc_sha256_init(&h);
	lc_sha256_update(&h, data, len);
	lc_sha256_final(&h, out);
}

int lc_sha256_fd(int fd, uint8_t out[32], uint64_t *size)
{
	unsigned char buf[65536];
	struct lc_sha256 h;
	uint64_t total = 0;
	ssize_t n;
	int rc = 0, saved;

	lc_sha256_init(&h);
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -1;
			break;
		}
		lc_sha256_update(&h, buf, (size_t)n);
		total += (uint64_t)n;
	}
	saved = errno;
	if (rc == 0) {
		lc_sha256_final(&h, out);
		*size = total;
	}
	OPENSSL_cleanse(&h, sizeof(h));
	OPENSSL_cleanse(buf, sizeof(buf));
	errno = saved;
	return rc;
}

int lc_sha256_file(char out[65], long long *size, const char *path,
		   struct lc_err *err)
{
	unsigned char h[32];
	uint64_t total;
	int fd = open(path, O_RDONLY | O_CLOEXEC), e;

	if (fd < 0)
		return lc_err_set(err, "cannot open '%s': %s", path, strerror(errno));
	if (lc_sha256_fd(fd, h, &total)) {
		e = errno;
		close(fd);
		return lc_err_set(err, "cannot read '%s': %s", path, strerror(e));
	}
	close(fd);
	lc_hex_encode(out, h, 32);
	if (size)
		*size = (long long)total;
	return 0;
}
