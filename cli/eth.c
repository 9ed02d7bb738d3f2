/* eth.c - secp256k1 secret keys, their public keys and EIP-55 Ethereum addresses, with OpenSSL. */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <openssl/rand.h>

#include "check.h"
#include "eth.h"
#include "keccak.h"
#include "ossl.h"
#include "banned.h"

/* A draw is rejected with probability ~2^-128; this many is a broken RNG. */
#define KEYGEN_TRIES 64

int lc_secp256k1_keygen(uint8_t sk[LC_SECP_SK_LEN], struct lc_err *err)
{
	EC_GROUP *g = NULL;
	BIGNUM *k = NULL;
	uint8_t buf[LC_SECP_SK_LEN];
	int ret = -1, i;

	if (!(g = EC_GROUP_new_by_curve_name(NID_secp256k1)) ||
	    !(k = BN_new())) {
		lc_err_ssl(err, "cannot set up secp256k1");
		goto out;
	}
	for (i = 0; i < KEYGEN_TRIES; i++) {
		if (RAND_priv_bytes(buf, sizeof(buf)) != 1) {
			lc_err_ssl(err, "cannot get random bytes for a key");
			goto out;
		}
		if (!BN_bin2bn(buf, sizeof(buf), k)) {
			lc_err_setc(err, LC_ERR_NOMEM, "out of memory");
			goto out;
		}
		if (!BN_is_zero(k) && BN_cmp(k, EC_GROUP_get0_order(g)) < 0)
			break;
	}
	if (i == KEYGEN_TRIES) {
		lc_err_set(err, "random generator gave no valid secp256k1 key "
			   "in %d tries", KEYGEN_TRIES);
		goto out;
	}
	memcpy(sk, buf, sizeof(buf));
	ret = 0;
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	BN_clear_free(k);
	EC_GROUP_free(g);
	return ret;
}

int lc_secp256k1_pub(uint8_t pub[LC_SECP_PUB_LEN],
		     const uint8_t sk[LC_SECP_SK_LEN], struct lc_err *err)
{
	EC_GROUP *g = NULL;
	EC_POINT *pt = NULL;
	BN_CTX *ctx = NULL;
	uint8_t oct[1 + LC_SECP_PUB_LEN];
	int ret = -1;

	if (!(ctx = BN_CTX_new()) || !(g = EC_GROUP_new_by_curve_name(NID_secp256k1))) {
		lc_err_ssl(err, "cannot set up secp256k1");
		goto out;
	}
	if (lc_ec_secret_mul(&pt, g, sk, LC_SECP_SK_LEN, ctx, "secp256k1", "n", err))
		goto out;
	if (EC_POINT_point2oct(g, pt, POINT_CONVERSION_UNCOMPRESSED, oct,
			       sizeof(oct), ctx) != sizeof(oct) || oct[0] != 0x04) {
		lc_err_ssl(err, "cannot compute the secp256k1 public key");
		goto out;
	}
	memcpy(pub, oct + 1, LC_SECP_PUB_LEN);
	ret = 0;
out:
	EC_POINT_clear_free(pt);
	EC_GROUP_free(g);
	BN_CTX_free(ctx);
	return ret;
}

int lc_eth_address(char out[43], const uint8_t sk[LC_SECP_SK_LEN],
		   struct lc_err *err)
{
	uint8_t pub[LC_SECP_PUB_LEN], h[32];

	if (lc_secp256k1_pub(pub, sk, err))
		return -1;
	lc_keccak256(h, pub, sizeof(pub));
	lc_eip55(h + 12, out);
	return 0;
}
