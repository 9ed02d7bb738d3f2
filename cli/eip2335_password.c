/* eip2335_password.c - EIP-2335 password processing with ICU: NFKD, control codes stripped, UTF-8. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#include "bls_internal.h"
#include "banned.h"

#define PASSWORD_MAX (1u << 16) /* bytes of UTF-8 accepted */

/* C0 (U+0000-U+001F), DEL (U+007F) and C1 (U+0080-U+009F). */
static int is_control(UChar c)
{
	return c <= 0x1f || (c >= 0x7f && c <= 0x9f);
}

/* Free a UTF-16 buffer of cap units after wiping it. */
static void ufree(UChar *u, int32_t cap)
{
	if (u)
		OPENSSL_cleanse(u, (size_t)cap * sizeof(UChar));
	free(u);
}

int lc_eip2335_password(uint8_t **out, size_t *len, const char *password,
			struct lc_err *err)
{
	const UNormalizer2 *nfkd;
	UErrorCode st = U_ZERO_ERROR;
	UChar *u16 = NULL, *norm = NULL;
	int32_t n16 = 0, nn = 0, cap16 = 0, capn = 0, i, k = 0;
	size_t plen = strlen(password);
	char *utf8 = NULL;
	int32_t n8 = 0;
	int ret = -1;

	*out = NULL;
	*len = 0;
	if (plen > PASSWORD_MAX) {
		lc_err_setc(err, LC_ERR_TOOBIG, "password too long: more than "
			    "%u bytes", PASSWORD_MAX);
		goto out;
	}
	/* UTF-8 to UTF-16: never more units than input bytes. */
	cap16 = (int32_t)plen + 1;
	if (!(u16 = malloc((size_t)cap16 * sizeof(UChar)))) {
		lc_err_setc(err, LC_ERR_NOMEM, "out of memory");
		goto out;
	}
	u_strFromUTF8(u16, cap16, &n16, password, (int32_t)plen, &st);
	if (U_FAILURE(st)) {
		lc_err_set(err, "password is not valid utf-8");
		goto out;
	}
	nfkd = unorm2_getNFKDInstance(&st);
	if (U_FAILURE(st)) {
		lc_err_set(err, "cannot load unicode nfkd data: %s",
			   u_errorName(st));
		goto out;
	}
	/* Measure the decomposition first, then write it. */
	nn = unorm2_normalize(nfkd, u16, n16, NULL, 0, &st);
	if (st != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(st)) {
		lc_err_set(err, "cannot normalise password: %s", u_errorName(st));
		goto out;
	}
	st = U_ZERO_ERROR;
	capn = nn + 1;
	if (!(norm = malloc((size_t)capn * sizeof(UChar)))) {
		lc_err_setc(err, LC_ERR_NOMEM, "out of memory");
		goto out;
	}
	nn = unorm2_normalize(nfkd, u16, n16, norm, capn, &st);
	if (U_FAILURE(st)) {
		lc_err_set(err, "cannot normalise password: %s", u_errorName(st));
		goto out;
	}
	for (i = k = 0; i < nn; i++)
		if (!is_control(norm[i]))
			norm[k++] = norm[i];
	/* Back to UTF-8: at most 3 bytes per UTF-16 unit. */
	if (!(utf8 = malloc((size_t)k * 3 + 1))) {
		lc_err_setc(err, LC_ERR_NOMEM, "out of memory");
		goto out;
	}
	u_strToUTF8(utf8, k * 3 + 1, &n8, norm, k, &st);
	if (U_FAILURE(st)) {
		lc_err_set(err, "cannot encode password as utf-8: %s",
			   u_errorName(st));
		goto out;
	}
	*out = (uint8_t *)utf8;
	*len = (size_t)n8;
	utf8 = NULL;
	ret = 0;
out:
	if (utf8) {
		OPENSSL_cleanse(utf8, (size_t)k * 3 + 1);
		free(utf8);
	}
	ufree(u16, cap16);
	ufree(norm, capn);
	return ret;
}
