/* keystore_open.c - a TEST TOOL, never installed: opens an EIP-2335 keystore with a password file and prints the public key of what it holds. */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "bls.h"
#include "buf.h"
#include "fileio.h"
#include "hex.h"
#include "banned.h"

#define KEYSTORE_MAX (64 * 1024)
#define PASSWORD_MAX 4096

static int fail(const char *what, const struct lc_err *err)
{
	fprintf(stderr, "keystore_open: %s: %s\n", what, err->msg);
	if (err->hint[0])
		fprintf(stderr, "hint: %s\n", err->hint);
	return 1;
}

/*
 * keystore_open KEYSTORE PASSWORD_FILE: decrypt KEYSTORE with the
 * password in PASSWORD_FILE (its text; EIP-2335 normalisation drops the
 * newline) and print "pubkey <96 hex digits>" of the key it holds; the
 * key itself is never printed.  Exit 0 when it opens, 1 when not, 2 on
 * usage errors.
 */
int main(int argc, char **argv)
{
	struct lc_buf ks, pw;
	struct lc_err err;
	uint8_t *sk = NULL, pk[LC_BLS_PK_LEN];
	char hex[2 * LC_BLS_PK_LEN + 1];
	int rc = 1;

	if (argc != 3) {
		fprintf(stderr, "usage: keystore_open KEYSTORE PASSWORD_FILE\n");
		return 2;
	}
	lc_err_clear(&err);
	lc_buf_init(&ks, LC_BUF_NOMAX);
	lc_buf_init(&pw, LC_BUF_NOMAX);
	if (sodium_init() < 0 || !(sk = sodium_malloc(LC_BLS_SK_LEN))) {
		fprintf(stderr, "keystore_open: cannot initialise libsodium\n");
		goto out;
	}
	if (lc_read_file(&ks, argv[1], KEYSTORE_MAX, &err)) {
		rc = fail(argv[1], &err);
		goto out;
	}
	if (lc_read_file(&pw, argv[2], PASSWORD_MAX, &err)) {
		rc = fail(argv[2], &err);
		goto out;
	}
	if (lc_eip2335_decrypt(sk, ks.ptr, pw.ptr, &err)) {
		rc = fail(argv[1], &err);
		goto out;
	}
	if (lc_bls_sk_to_pk(pk, sk, &err)) {
		rc = fail(argv[1], &err);
		goto out;
	}
	lc_hex_encode(hex, pk, sizeof(pk));
	printf("pubkey %s\n", hex);
	rc = 0;
out:
	sodium_free(sk);
	if (pw.ptr)
		sodium_memzero(pw.ptr, pw.len);
	lc_buf_release(&ks);
	lc_buf_release(&pw);
	return rc;
}
