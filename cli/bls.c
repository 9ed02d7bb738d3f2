/* bls.c - BLS12-381 G1 public keys: sk * G1 on OpenSSL's generic prime-field curve, compressed ZCash/IETF style. */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>

#include "bls.h"
#include "bls_internal.h"
#include "ossl.h"
#include "banned.h"

/*
 * E: y^2 = x^3 + 4 over F_p.  G1 is the subgroup of prime order r; the
 * whole group E(F_p) has h * r points.  Values as the curve's definition
 * gives them, big-endian hex.
 */
static const char bls_p[] =
	"1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f624"
	"1eabfffeb153ffffb9feffffffffaaab";
const char lc_bls_r_hex[] =
	"73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001";
static const char bls_h[] = "396c8c005555e1568c00aaab0000aaab";
static const char bls_gx[] =
	"17f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac58"
	"6c55e83ff97a1aeffb3af00adb22c6bb";
static const char bls_gy[] =
	"08b3f481e3aaa0f1a09e30ed741d8ae4fcf5e095d5d00af600db18cb2c04b3ed"
	"d03cc744a2888ae40caa232946c5e7e1";

#define FP_LEN 48

/* The G1 group with its generator, order and cofactor; NULL on failure. */
static EC_GROUP *g1_group(BN_CTX *ctx)
{
	BIGNUM *p = NULL, *a = NULL, *b = NULL, *r = NULL, *h = NULL;
	BIGNUM *x = NULL, *y = NULL;
	EC_GROUP *g = NULL;
	EC_POINT *gen = NULL;
	int ok = 0;

	if (!BN_hex2bn(&p, bls_p) || !BN_hex2bn(&r, lc_bls_r_hex) ||
	    !BN_hex2bn(&h, bls_h) || !BN_hex2bn(&x, bls_gx) ||
	    !BN_hex2bn(&y, bls_gy) || !(a = BN_new()) || !(b = BN_new()))
		goto out;
	BN_zero(a);
	if (!BN_set_word(b, 4))
		goto out;
	if (!(g = EC_GROUP_new_curve_GFp(p, a, b, ctx)) ||
	    !(gen = EC_POINT_new(g)) ||
	    !EC_POINT_set_affine_coordinates(g, gen, x, y, ctx) ||
	    EC_POINT_is_on_curve(g, gen, ctx) != 1 ||
	    !EC_GROUP_set_generator(g, gen, r, h))
		goto out;
	ok = 1;
out:
	EC_POINT_free(gen);
	BN_free(p);
	BN_free(a);
	BN_free(b);
	BN_free(r);
	BN_free(h);
	BN_free(x);
	BN_free(y);
	if (!ok) {
		EC_GROUP_free(g);
		g = NULL;
	}
	return g;
}

/* Serialise an affine point: x big-endian with the three flag bits. */
static int g1_compress(uint8_t out[LC_BLS_PK_LEN], const EC_GROUP *g,
		       const EC_POINT *pt, BN_CTX *ctx)
{
	BIGNUM *x, *y, *p, *half;
	int ret = -1;

	BN_CTX_start(ctx);
	x = BN_CTX_get(ctx);
	y = BN_CTX_get(ctx);
	p = BN_CTX_get(ctx);
	half = BN_CTX_get(ctx);
	if (!half)
		goto out;
	if (EC_POINT_is_at_infinity(g, pt)) {
		memset(out, 0, LC_BLS_PK_LEN);
		out[0] = 0xc0;
		ret = 0;
		goto out;
	}
	if (!EC_POINT_get_affine_coordinates(g, pt, x, y, ctx) ||
	    !EC_GROUP_get_curve(g, p, NULL, NULL, ctx) ||
	    !BN_rshift1(half, p) || /* (p - 1) / 2, p being odd */
	    BN_bn2binpad(x, out, LC_BLS_PK_LEN) != LC_BLS_PK_LEN)
		goto out;
	out[0] |= 0x80;
	if (BN_cmp(y, half) > 0)
		out[0] |= 0x20;
	ret = 0;
out:
	BN_CTX_end(ctx);
	return ret;
}

int lc_bls_sk_to_pk(uint8_t pk[LC_BLS_PK_LEN], const uint8_t sk[LC_BLS_SK_LEN],
		    struct lc_err *err)
{
	BN_CTX *ctx = NULL;
	EC_GROUP *g = NULL;
	EC_POINT *pt = NULL;
	int ret = -1;

	if (!(ctx = BN_CTX_new()) || !(g = g1_group(ctx))) {
		lc_err_ssl(err, "cannot set up the bls12-381 g1 group");
		goto out;
	}
	if (lc_ec_secret_mul(&pt, g, sk, LC_BLS_SK_LEN, ctx, "bls", "r", err))
		goto out;
	if (g1_compress(pk, g, pt, ctx)) {
		lc_err_ssl(err, "cannot compute the bls public key");
		goto out;
	}
	ret = 0;
out:
	EC_POINT_clear_free(pt);
	EC_GROUP_free(g);
	BN_CTX_free(ctx);
	return ret;
}
