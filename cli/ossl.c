/* ossl.c - OpenSSL glue the key code shares: a failure as an lc_err with OpenSSL's own reason, and a secret scalar times a group's generator. */
#include <stdarg.h>
#include <stdio.h>

#include <openssl/err.h>

#include "ossl.h"
#include "banned.h"

int lc_err_ssl(struct lc_err *err, const char *fmt, ...)
{
	char msg[LC_ERR_MSG_MAX], why[256];
	unsigned long e = ERR_get_error();
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!e)
		return lc_err_set(err, "%s", msg);
	ERR_error_string_n(e, why, sizeof(why));
	ERR_clear_error();
	return lc_err_set(err, "%s: openssl: %s", msg, why);
}

int lc_ec_secret_mul(EC_POINT **out, const EC_GROUP *g, const uint8_t *k, size_t len,
		     BN_CTX *ctx, const char *curve, const char *order, struct lc_err *err)
{
	BIGNUM *s = NULL;
	EC_POINT *pt = NULL;
	int ret = -1;

	*out = NULL;
	if (!(s = BN_bin2bn(k, (int)len, NULL)) || !(pt = EC_POINT_new(g))) {
		lc_err_setc(err, LC_ERR_NOMEM, "out of memory");
		goto out;
	}
	BN_set_flags(s, BN_FLG_CONSTTIME);
	if (BN_is_zero(s) || BN_cmp(s, EC_GROUP_get0_order(g)) >= 0) {
		lc_err_set(err, "invalid %s secret key: not in [1, %s-1]", curve, order);
		goto out;
	}
	if (!EC_POINT_mul(g, pt, s, NULL, NULL, ctx)) {
		lc_err_ssl(err, "cannot compute the %s public key", curve);
		goto out;
	}
	*out = pt;
	pt = NULL;
	ret = 0;
out:
	BN_clear_free(s);
	EC_POINT_clear_free(pt);
	return ret;
}
