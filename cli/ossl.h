/* ossl.h - OpenSSL glue the key code shares: a failure as an lc_err with OpenSSL's own reason, and a secret scalar times a group's generator. */
#ifndef LC_OSSL_H
#define LC_OSSL_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/bn.h>
#include <openssl/ec.h>

#include "err.h"

/*
 * Set err to the message (printf-style) followed by the reason OpenSSL
 * queued for the failure (its earliest error, which names the cause, and
 * the library and function it came from), and empty OpenSSL's error
 * queue; with nothing queued, the message alone.  Returns -1.
 */
int lc_err_ssl(struct lc_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * *out = k·G on group g, for the secret scalar k given as len big-endian
 * bytes, in constant time; k must be in [1, order - 1], else err says
 * "invalid <curve> secret key: not in [1, <order>-1]".  Free *out with
 * EC_POINT_clear_free.  Returns 0, or -1 with err set.
 */
int lc_ec_secret_mul(EC_POINT **out, const EC_GROUP *g, const uint8_t *k, size_t len,
		     BN_CTX *ctx, const char *curve, const char *order, struct lc_err *err);

#endif
