/* test_sodium_vectors.c - our use of libsodium's Ed25519 and ristretto255 against RFC 8032, Wycheproof and RFC 9496; Ed25519ctx and SQRT_RATIO_M1 built test-side. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/bn.h>
#include <sodium.h>

#include "hex.h"
#include "unit.h"
#include "banned.h"

/* The most a vectors file may hold. */
#define JSON_MAX (16u << 20)

/* Hex to a fresh malloc'd buffer (at least 1 byte); NULL on bad hex. */
static uint8_t *unhex_alloc(const char *s, size_t *len)
{
	size_t n = strlen(s);
	uint8_t *out;

	if (n % 2)
		return NULL;
	out = malloc(n / 2 + 1);
	if (!out)
		return NULL;
	if (lc_hex_decode(out, n / 2, s)) {
		free(out);
		return NULL;
	}
	*len = n / 2;
	return out;
}

/* Exactly n bytes of hex into out; -1 otherwise. */
static int unhex_n(uint8_t *out, size_t n, const char *s)
{
	return s ? lc_hex_decode(out, n, s) : -1;
}

static const char *jstr(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* seed -> pk, sign -> sig byte for byte, and the signature verifies. */
static int ed25519_case(const char *seed_hex, const char *pk_hex,
			const char *msg_hex, const char *sig_hex)
{
	uint8_t seed[crypto_sign_SEEDBYTES], want_pk[crypto_sign_PUBLICKEYBYTES];
	uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	uint8_t want_sig[crypto_sign_BYTES], sig[crypto_sign_BYTES];
	uint8_t *msg = NULL;
	size_t msg_len = 0;
	int ok = 0;

	if (unhex_n(seed, sizeof(seed), seed_hex) ||
	    unhex_n(want_pk, sizeof(want_pk), pk_hex) ||
	    unhex_n(want_sig, sizeof(want_sig), sig_hex) ||
	    !(msg = unhex_alloc(msg_hex, &msg_len)))
		goto out;
	if (crypto_sign_seed_keypair(pk, sk, seed) != 0 ||
	    memcmp(pk, want_pk, sizeof(pk)))
		goto out;
	if (crypto_sign_detached(sig, NULL, msg, msg_len, sk) != 0 ||
	    memcmp(sig, want_sig, sizeof(sig)))
		goto out;
	ok = crypto_sign_verify_detached(sig, msg, msg_len, pk) == 0;
out:
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(sk, sizeof(sk));
	free(msg);
	return ok;
}

/* Ed25519ph with an empty context: libsodium's crypto_sign_ed25519ph_*. */
static int ed25519ph_case(const cJSON *c)
{
	uint8_t seed[crypto_sign_SEEDBYTES], pk[crypto_sign_PUBLICKEYBYTES];
	uint8_t sk[crypto_sign_SECRETKEYBYTES], want_pk[crypto_sign_PUBLICKEYBYTES];
	uint8_t want_sig[crypto_sign_BYTES], sig[crypto_sign_BYTES];
	crypto_sign_ed25519ph_state st;
	const char *ctx = jstr(c, "context");
	uint8_t *msg = NULL;
	size_t msg_len = 0;
	int ok = 0;

	if (!ctx || *ctx) {
		unit_skip("ed25519ph: a non-empty context cannot be given to "
			  "libsodium");
		return 1;
	}
	if (unhex_n(seed, sizeof(seed), jstr(c, "secret_key")) ||
	    unhex_n(want_pk, sizeof(want_pk), jstr(c, "public_key")) ||
	    unhex_n(want_sig, sizeof(want_sig), jstr(c, "signature")) ||
	    !jstr(c, "message") ||
	    !(msg = unhex_alloc(jstr(c, "message"), &msg_len)))
		goto out;
	if (crypto_sign_seed_keypair(pk, sk, seed) != 0 ||
	    memcmp(pk, want_pk, sizeof(pk)))
		goto out;
	crypto_sign_ed25519ph_init(&st);
	crypto_sign_ed25519ph_update(&st, msg, msg_len);
	if (crypto_sign_ed25519ph_final_create(&st, sig, NULL, sk) != 0 ||
	    memcmp(sig, want_sig, sizeof(sig)))
		goto out;
	crypto_sign_ed25519ph_init(&st);
	crypto_sign_ed25519ph_update(&st, msg, msg_len);
	ok = crypto_sign_ed25519ph_final_verify(&st, sig, pk) == 0;
out:
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(sk, sizeof(sk));
	free(msg);
	return ok;
}

/*
 * Ed25519ctx (RFC 8032 §5.1 with dom2(0, ctx)), test-only, from libsodium
 * primitives: libsodium 1.0.18 signs only plain Ed25519 and Ed25519ph.
 * Not constant time in verification and not meant for production.
 */

/* dom2's fixed prefix: 32 octets, no terminating NUL hashed. */
static const char DOM2_PREFIX[] = "SigEd25519 no Ed25519 collisions";

/* L, the prime order of B, little-endian. */
static const uint8_t ED25519_L[32] = {
	0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
	0xa2, 0xde, 0xf9, 0xde, 0x14, 0,    0,    0,    0,    0,    0,
	0,    0,    0,    0,    0,    0,    0,    0,    0,    0x10,
};

/* SHA-512(dom2(0, ctx) || p1 || p2 || msg) mod L; p2 may be NULL. */
static void ctx_hash_mod_l(uint8_t out[32], const uint8_t *ctx, size_t ctx_len,
			   const uint8_t p1[32], const uint8_t *p2,
			   const uint8_t *msg, size_t msg_len)
{
	crypto_hash_sha512_state st;
	uint8_t h[crypto_hash_sha512_BYTES];
	uint8_t octets[2] = { 0, (uint8_t)ctx_len }; /* octet(x = 0), octet(len(y)) */

	crypto_hash_sha512_init(&st);
	crypto_hash_sha512_update(&st, (const uint8_t *)DOM2_PREFIX,
				  sizeof(DOM2_PREFIX) - 1);
	crypto_hash_sha512_update(&st, octets, sizeof(octets));
	crypto_hash_sha512_update(&st, ctx, ctx_len);
	crypto_hash_sha512_update(&st, p1, 32);
	if (p2)
		crypto_hash_sha512_update(&st, p2, 32);
	crypto_hash_sha512_update(&st, msg, msg_len);
	crypto_hash_sha512_final(&st, h);
	crypto_core_ed25519_scalar_reduce(out, h);
	sodium_memzero(h, sizeof(h));
	sodium_memzero(&st, sizeof(st));
}

/* A 32-byte little-endian s, reduced mod L. */
static void scalar_reduce32(uint8_t out[32], const uint8_t s[32])
{
	uint8_t wide[64] = { 0 };

	memcpy(wide, s, 32);
	crypto_core_ed25519_scalar_reduce(out, wide);
	sodium_memzero(wide, sizeof(wide));
}

/* 1 when the 32-byte little-endian s is < L (a canonical scalar). */
static int scalar_canonical(const uint8_t s[32])
{
	uint8_t red[32];

	scalar_reduce32(red, s);
	return !memcmp(red, s, 32);
}

/* Seed -> a (the clamped scalar, reduced mod L), prefix, A = [a]B. */
static int ctx_expand(uint8_t a[32], uint8_t prefix[32], uint8_t pk[32],
		      const uint8_t seed[32])
{
	uint8_t h[crypto_hash_sha512_BYTES];
	int rc;

	crypto_hash_sha512(h, seed, 32);
	h[0] &= 248;
	h[31] &= 127;
	h[31] |= 64;
	scalar_reduce32(a, h); /* the same point: B has order L */
	memcpy(prefix, h + 32, 32);
	rc = crypto_scalarmult_ed25519_base_noclamp(pk, a);
	sodium_memzero(h, sizeof(h));
	return rc;
}

/* Ed25519ctx takes a non-empty context of at most 255 octets. */
static int ctx_len_ok(size_t ctx_len)
{
	return ctx_len >= 1 && ctx_len <= 255;
}

static int ed25519ctx_sign(uint8_t sig[64], uint8_t pk[32],
			   const uint8_t seed[32], const uint8_t *ctx,
			   size_t ctx_len, const uint8_t *msg, size_t msg_len)
{
	uint8_t a[32], prefix[32], r[32], k[32], ka[32];
	int rc = -1;

	if (!ctx_len_ok(ctx_len) || ctx_expand(a, prefix, pk, seed) != 0)
		goto out;
	ctx_hash_mod_l(r, ctx, ctx_len, prefix, NULL, msg, msg_len);
	if (crypto_scalarmult_ed25519_base_noclamp(sig, r) != 0) /* R = [r]B */
		goto out;
	ctx_hash_mod_l(k, ctx, ctx_len, sig, pk, msg, msg_len);
	crypto_core_ed25519_scalar_mul(ka, k, a);
	crypto_core_ed25519_scalar_add(sig + 32, r, ka); /* S = r + k*a mod L */
	rc = 0;
out:
	sodium_memzero(a, sizeof(a));
	sodium_memzero(prefix, sizeof(prefix));
	sodium_memzero(r, sizeof(r));
	sodium_memzero(ka, sizeof(ka));
	return rc;
}

/*
 * [S]B == R + [k]A, cofactorless; S >= L is refused. R and A must pass
 * libsodium's is_valid_point (canonical, not of small order, in the
 * prime-order subgroup) and S = 0 is refused (base_noclamp rejects a zero
 * scalar): stricter than RFC 8032 §5.1.7, which honest signatures such as
 * the published vectors never notice.
 */
static int ed25519ctx_verify(const uint8_t sig[64], const uint8_t pk[32],
			     const uint8_t *ctx, size_t ctx_len,
			     const uint8_t *msg, size_t msg_len)
{
	uint8_t k[32], sb[32], ka[32], rhs[32];

	if (!ctx_len_ok(ctx_len) || !scalar_canonical(sig + 32) ||
	    crypto_core_ed25519_is_valid_point(sig) != 1 ||
	    crypto_core_ed25519_is_valid_point(pk) != 1)
		return -1;
	ctx_hash_mod_l(k, ctx, ctx_len, sig, pk, msg, msg_len);
	if (crypto_scalarmult_ed25519_base_noclamp(sb, sig + 32) != 0 ||
	    crypto_scalarmult_ed25519_noclamp(ka, k, pk) != 0 ||
	    crypto_core_ed25519_add(rhs, sig, ka) != 0)
		return -1;
	return memcmp(sb, rhs, 32) ? -1 : 0;
}

/* sig with S + L in place of S: the same value mod L, not canonical. */
static void add_l_to_s(uint8_t out[64], const uint8_t sig[64])
{
	unsigned carry = 0;

	memcpy(out, sig, 32);
	for (size_t i = 0; i < 32; i++) {
		carry += (unsigned)sig[32 + i] + ED25519_L[i];
		out[32 + i] = (uint8_t)carry;
		carry >>= 8;
	}
}

/*
 * seed -> pk, sign -> sig byte for byte, the published signature verifies,
 * and it fails under another context and with S + L.
 */
static int ed25519ctx_case(const char *seed_hex, const char *pk_hex,
			   const char *msg_hex, const char *ctx_hex,
			   const char *sig_hex)
{
	uint8_t seed[32], want_pk[32], pk[32], want_sig[64], sig[64], big_s[64];
	uint8_t red[32];
	uint8_t *msg = NULL, *ctx = NULL;
	size_t msg_len = 0, ctx_len = 0;
	int ok = 0;

	if (!msg_hex || !ctx_hex || unhex_n(seed, sizeof(seed), seed_hex) ||
	    unhex_n(want_pk, sizeof(want_pk), pk_hex) ||
	    unhex_n(want_sig, sizeof(want_sig), sig_hex) ||
	    !(msg = unhex_alloc(msg_hex, &msg_len)) ||
	    !(ctx = unhex_alloc(ctx_hex, &ctx_len)))
		goto out;
	if (ed25519ctx_sign(sig, pk, seed, ctx, ctx_len, msg, msg_len) != 0 ||
	    memcmp(pk, want_pk, sizeof(pk)) || memcmp(sig, want_sig, sizeof(sig)))
		goto out;
	if (ed25519ctx_verify(want_sig, want_pk, ctx, ctx_len, msg, msg_len) != 0)
		goto out;
	add_l_to_s(big_s, want_sig);
	scalar_reduce32(red, big_s + 32);
	if (!scalar_canonical(want_sig + 32) || scalar_canonical(big_s + 32) ||
	    memcmp(red, want_sig + 32, 32) ||
	    ed25519ctx_verify(big_s, want_pk, ctx, ctx_len, msg, msg_len) == 0)
		goto out;
	ctx[0] ^= 1; /* another context of the same length */
	if (ed25519ctx_verify(want_sig, want_pk, ctx, ctx_len, msg, msg_len) == 0)
		goto out;
	ok = 1;
out:
	sodium_memzero(seed, sizeof(seed));
	free(msg);
	free(ctx);
	return ok;
}

static void rfc8032(const char *dir)
{
	cJSON *root = unit_load_json_max(dir, "ed25519/rfc8032_ed25519.json",
					 JSON_MAX);
	const cJSON *c;
	int n = 0, ok = 0;

	if (!CHECK(root != NULL))
		return;
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(root, "ed25519"))
	{
		int good = jstr(c, "message") &&
			   ed25519_case(jstr(c, "secret_key"), jstr(c, "public_key"),
					jstr(c, "message"), jstr(c, "signature"));

		n++;
		ok += good;
		CHECKF(good, "rfc8032 %s", jstr(c, "name") ? jstr(c, "name") : "?");
	}
	CHECK(n == 5);
	printf("ed25519: RFC 8032 7.1 %d/%d (pk, signature, verify)\n", ok, n);
	n = ok = 0;
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(root, "ed25519ctx"))
	{
		int good = ed25519ctx_case(jstr(c, "secret_key"), jstr(c, "public_key"),
					   jstr(c, "message"), jstr(c, "context"),
					   jstr(c, "signature"));

		n++;
		ok += good;
		CHECKF(good, "rfc8032 7.2 ed25519ctx case %d", n);
	}
	CHECK(n == 4);
	printf("ed25519ctx: RFC 8032 7.2 %d/%d (pk, signature, verify; other "
	       "context and S+L rejected)\n",
	       ok, n);
	n = ok = 0;
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(root, "ed25519ph"))
	{
		int good = ed25519ph_case(c);

		n++;
		ok += good;
		CHECKF(good, "rfc8032 7.3 ed25519ph case %d", n);
	}
	CHECK(n == 1);
	printf("ed25519ph: RFC 8032 7.3 %d/%d\n", ok, n);
	cJSON_Delete(root);
}

/* Wycheproof: libsodium's verify must agree with "result" on every test. */
static void wycheproof(const char *dir)
{
	cJSON *root = unit_load_json_max(dir, "ed25519/wycheproof_ed25519_test.json",
					 JSON_MAX);
	const cJSON *g, *t;
	int n = 0, agree = 0;

	if (!CHECK(root != NULL))
		return;
	cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(root, "testGroups"))
	{
		const cJSON *key = cJSON_GetObjectItemCaseSensitive(g, "publicKey");
		uint8_t pk[crypto_sign_PUBLICKEYBYTES];

		if (!CHECK(unhex_n(pk, sizeof(pk), jstr(key, "pk")) == 0))
			continue;
		cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(g, "tests"))
		{
			const cJSON *id = cJSON_GetObjectItemCaseSensitive(t, "tcId");
			const char *res = jstr(t, "result");
			uint8_t *msg = NULL, *sig = NULL;
			size_t msg_len = 0, sig_len = 0;
			int want, got;

			n++;
			if (!res || !jstr(t, "msg") || !jstr(t, "sig") ||
			    !(msg = unhex_alloc(jstr(t, "msg"), &msg_len)) ||
			    !(sig = unhex_alloc(jstr(t, "sig"), &sig_len))) {
				CHECKF(0, "wycheproof tcId %d: unreadable",
				       cJSON_IsNumber(id) ? id->valueint : -1);
				free(msg);
				continue;
			}
			want = !strcmp(res, "valid");
			/* The API takes exactly 64 bytes: any other length is a rejection. */
			got = sig_len == crypto_sign_BYTES &&
			      crypto_sign_verify_detached(sig, msg, msg_len, pk) == 0;
			agree += got == want;
			CHECKF(got == want,
			       "wycheproof tcId %d (%s): expected %s, libsodium %s",
			       cJSON_IsNumber(id) ? id->valueint : -1,
			       jstr(t, "comment") ? jstr(t, "comment") : "", res,
			       got ? "accepts" : "rejects");
			free(msg);
			free(sig);
		}
	}
	CHECK(n == 151);
	printf("ed25519: Wycheproof %d/%d verdicts agree\n", agree, n);
	cJSON_Delete(root);
}

/* i as a little-endian scalar. */
static void small_scalar(uint8_t s[crypto_core_ristretto255_SCALARBYTES],
			 unsigned i)
{
	memset(s, 0, crypto_core_ristretto255_SCALARBYTES);
	s[0] = (uint8_t)i;
}

static void ristretto_multiples(const cJSON *root)
{
	uint8_t b[32], acc[32], want[32], got[32], s[32];
	const cJSON *c;
	int n = 0, ok = 0;

	small_scalar(s, 1);
	CHECK(crypto_scalarmult_ristretto255_base(b, s) == 0);
	memset(acc, 0, sizeof(acc)); /* running sum: 0, B, 2B, ... */
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(root,
							       "generator_multiples"))
	{
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(c, "multiple");
		int good;

		n++;
		if (!cJSON_IsNumber(m) || m->valueint != n - 1 ||
		    unhex_n(want, sizeof(want), jstr(c, "encoding"))) {
			CHECKF(0, "ristretto255 multiple %d: unreadable", n - 1);
			continue;
		}
		small_scalar(s, (unsigned)m->valueint);
		if (m->valueint == 0) {
			/* libsodium refuses a product that is the identity. */
			good = crypto_scalarmult_ristretto255_base(got, s) != 0 &&
			       crypto_core_ristretto255_sub(got, b, b) == 0 &&
			       !memcmp(got, want, 32) && !memcmp(acc, want, 32);
		} else {
			good = crypto_scalarmult_ristretto255_base(got, s) == 0 &&
			       !memcmp(got, want, 32);
			good &= crypto_core_ristretto255_add(acc, acc, b) == 0 &&
				!memcmp(acc, want, 32);
		}
		/* Decoding accepts every multiple, the identity included. */
		good &= crypto_core_ristretto255_is_valid_point(want) == 1;
		ok += good;
		CHECKF(good, "ristretto255 B[%d]", m->valueint);
	}
	CHECK(n == 16);
	printf("ristretto255: %d/%d generator multiples (scalar mult and sums)\n",
	       ok, n);
}

static void ristretto_invalid(const cJSON *root)
{
	uint8_t p[32];
	const cJSON *c;
	int n = 0, rejected = 0;

	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(root,
							       "invalid_encodings"))
	{
		int good;

		n++;
		good = unhex_n(p, sizeof(p), jstr(c, "encoding")) == 0 &&
		       crypto_core_ristretto255_is_valid_point(p) == 0;
		rejected += good;
		CHECKF(good, "ristretto255 invalid encoding %d (%s) accepted", n,
		       jstr(c, "category") ? jstr(c, "category") : "?");
	}
	CHECK(n == 29);
	printf("ristretto255: %d/%d invalid encodings rejected\n", rejected, n);
}

static void ristretto_derivation(const cJSON *root)
{
	uint8_t in[64], want[32], got[32];
	const cJSON *c, *same;
	int n = 0, ok = 0, good;

	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(root,
							       "element_derivation"))
	{
		n++;
		good = unhex_n(in, sizeof(in), jstr(c, "input")) == 0 &&
		       unhex_n(want, sizeof(want), jstr(c, "output")) == 0 &&
		       crypto_core_ristretto255_from_hash(got, in) == 0 &&
		       !memcmp(got, want, 32);
		ok += good;
		CHECKF(good, "ristretto255 element derivation %d", n);
	}
	CHECK(n == 7);
	same = cJSON_GetObjectItemCaseSensitive(root,
						"element_derivation_same_output");
	if (CHECK(unhex_n(want, sizeof(want), jstr(same, "output")) == 0)) {
		int m = 0;

		cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(same, "inputs"))
		{
			m++;
			good = cJSON_IsString(c) &&
			       unhex_n(in, sizeof(in), c->valuestring) == 0 &&
			       crypto_core_ristretto255_from_hash(got, in) == 0 &&
			       !memcmp(got, want, 32);
			ok += good;
			CHECKF(good, "ristretto255 same-output input %d", m);
		}
		CHECK(m == 4);
		n += m;
	}
	printf("ristretto255: %d/%d element derivations\n", ok, n);
}

/* RFC 9496 §4.1: SQRT_M1, a square root of -1 in GF(2^255 - 19). */
static const char SQRT_M1_DEC[] =
	"19681161376707505956807079304988542015446066515923890162744021073123829784752";

/*
 * RFC 9496 §4.2 SQRT_RATIO_M1(u, v) in GF(p), p = 2^255 - 19, with OpenSSL
 * BIGNUM; u, v and r are 32-byte little-endian encodings. Returns
 * was_square (1 or 0) and the non-negative r, or -1 when OpenSSL fails.
 * Test-only and not constant time: it checks the field behaviour the RFC
 * specifies, which libsodium keeps internal.
 */
static int sqrt_ratio_m1(uint8_t r_out[32], const uint8_t u_le[32],
			 const uint8_t v_le[32])
{
	BN_CTX *bn = BN_CTX_new();
	BIGNUM *p, *m1, *zero, *u, *v, *v3, *v7, *e, *t, *w, *r, *check, *neg_u,
		*neg_ui, *fixed;
	int correct, flipped, flipped_i, ret = -1;

	if (!bn)
		return -1;
	BN_CTX_start(bn);
	p = BN_CTX_get(bn);
	m1 = BN_CTX_get(bn);
	zero = BN_CTX_get(bn);
	u = BN_CTX_get(bn);
	v = BN_CTX_get(bn);
	v3 = BN_CTX_get(bn);
	v7 = BN_CTX_get(bn);
	e = BN_CTX_get(bn);
	t = BN_CTX_get(bn);
	w = BN_CTX_get(bn);
	r = BN_CTX_get(bn);
	check = BN_CTX_get(bn);
	neg_u = BN_CTX_get(bn);
	neg_ui = BN_CTX_get(bn);
	fixed = BN_CTX_get(bn); /* NULL here if any BN_CTX_get failed */
	if (!fixed)
		goto out;
	BN_zero(zero);
	BN_zero(p);
	/* p = 2^255 - 19; e = (p - 5) / 8; field elements reduced mod p */
	if (!BN_set_bit(p, 255) || !BN_sub_word(p, 19) ||
	    !BN_dec2bn(&m1, SQRT_M1_DEC) || !BN_copy(e, p) ||
	    !BN_sub_word(e, 5) || !BN_rshift(e, e, 3) ||
	    !BN_lebin2bn(u_le, 32, t) || !BN_nnmod(u, t, p, bn) ||
	    !BN_lebin2bn(v_le, 32, t) || !BN_nnmod(v, t, p, bn))
		goto out;
	/* v3 = v^2 * v; v7 = v3^2 * v; r = (u * v3) * (u * v7)^e */
	if (!BN_mod_sqr(t, v, p, bn) || !BN_mod_mul(v3, t, v, p, bn) ||
	    !BN_mod_sqr(t, v3, p, bn) || !BN_mod_mul(v7, t, v, p, bn) ||
	    !BN_mod_mul(t, u, v7, p, bn) || !BN_mod_exp(w, t, e, p, bn) ||
	    !BN_mod_mul(t, u, v3, p, bn) || !BN_mod_mul(r, t, w, p, bn))
		goto out;
	/* check = v * r^2 against u, -u and -u * SQRT_M1 */
	if (!BN_mod_sqr(t, r, p, bn) || !BN_mod_mul(check, v, t, p, bn) ||
	    !BN_mod_sub(neg_u, zero, u, p, bn) ||
	    !BN_mod_mul(neg_ui, neg_u, m1, p, bn))
		goto out;
	correct = BN_cmp(check, u) == 0;
	flipped = BN_cmp(check, neg_u) == 0;
	flipped_i = BN_cmp(check, neg_ui) == 0;
	if (flipped || flipped_i) {
		if (!BN_mod_mul(fixed, r, m1, p, bn) || !BN_copy(r, fixed))
			goto out;
	}
	/* CT_ABS: negative means odd (the low bit of the encoding) */
	if (BN_is_odd(r)) {
		if (!BN_sub(fixed, p, r) || !BN_copy(r, fixed))
			goto out;
	}
	if (BN_bn2lebinpad(r, r_out, 32) != 32)
		goto out;
	ret = correct || flipped;
out:
	BN_CTX_end(bn);
	BN_CTX_free(bn);
	return ret;
}

/* One case: was_square and r both as the vector says. */
static int sqrt_ratio_case(const char *u_hex, const char *v_hex,
			   int want_square, const char *r_hex)
{
	uint8_t u[32], v[32], want_r[32], r[32];

	if (unhex_n(u, sizeof(u), u_hex) || unhex_n(v, sizeof(v), v_hex) ||
	    unhex_n(want_r, sizeof(want_r), r_hex))
		return 0;
	return sqrt_ratio_m1(r, u, v) == want_square && !memcmp(r, want_r, 32);
}

static void ristretto_sqrt_ratio(const cJSON *root)
{
	const cJSON *c;
	int n = 0, ok = 0;

	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(root,
							       "sqrt_ratio_m1"))
	{
		const cJSON *sq = cJSON_GetObjectItemCaseSensitive(c, "was_square");
		int good;

		n++;
		good = cJSON_IsBool(sq) &&
		       sqrt_ratio_case(jstr(c, "u"), jstr(c, "v"),
				       cJSON_IsTrue(sq) ? 1 : 0, jstr(c, "r"));
		ok += good;
		CHECKF(good, "ristretto255 sqrt_ratio_m1 case %d", n);
	}
	CHECK(n == 6);
	printf("ristretto255: %d/%d SQRT_RATIO_M1 cases (was_square and r)\n",
	       ok, n);
}

static void rfc9496(const char *dir)
{
	cJSON *root = unit_load_json_max(dir, "ristretto255/rfc9496_ristretto255.json",
					 JSON_MAX);

	if (!CHECK(root != NULL))
		return;
	ristretto_multiples(root);
	ristretto_invalid(root);
	ristretto_derivation(root);
	ristretto_sqrt_ratio(root);
	cJSON_Delete(root);
}

/* Typed-in facts that run even without ../shared. */
static void typed_facts(void)
{
	uint8_t s[32], b[32], b2[32], sum[32], want[32];

	CHECK(ed25519_case("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
			   "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
			   "",
			   "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"));
	/* RFC 8032 7.2, the first Ed25519ctx vector (context "foo"). */
	CHECK(ed25519ctx_case("0305334e381af78f141cb666f6199f57bc3495335a256a95bd2a55bf546663f6",
			      "dfc9425e4f968f7f0c29f0259cf5f9aed6851c2bb4ad8bfb860cfee0ab248292",
			      "f726936d19c800494e3fdaff20b276a8", "666f6f",
			      "55a4cc2f70a54e04288c5f4cd1e45a7bb520b36292911876cada7323198dd87a8b36950b95130022907a7fb7c4e9b2d5f6cca685a587b4b21f4b888e4e7edb0d"));
	/* RFC 9496 Appendix A, sqrt_ratio_m1: SQRT_RATIO_M1(2, 1) is not square. */
	CHECK(sqrt_ratio_case("0200000000000000000000000000000000000000000000000000000000000000",
			      "0100000000000000000000000000000000000000000000000000000000000000",
			      0,
			      "3c5ff1b5d8e4113b871bd052f9e7bcd0582804c266ffb2d4f4203eb07fdb7c54"));
	/* RFC 9496 A.1: B[1] and B[2]. */
	small_scalar(s, 1);
	CHECK(crypto_scalarmult_ristretto255_base(b, s) == 0);
	CHECK(unhex_n(want, 32, "e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76") == 0);
	CHECK(!memcmp(b, want, 32));
	small_scalar(s, 2);
	CHECK(crypto_scalarmult_ristretto255_base(b2, s) == 0);
	CHECK(crypto_core_ristretto255_add(sum, b, b) == 0);
	CHECK(unhex_n(want, 32, "6a493210f7499cd17fecb510ae0cea23a110e8d5b901f8acadd3095c73a3b919") == 0);
	CHECK(!memcmp(b2, want, 32) && !memcmp(sum, want, 32));
}

void unit_main(int argc, char **argv)
{
	const char *dir;

	(void)argc;
	(void)argv;
	if (sodium_init() < 0) {
		CHECK(!"sodium_init");
		return;
	}
	typed_facts();
	dir = unit_vectors_dir();
	if (!dir) {
		unit_skip("ed25519/ristretto255: ../shared/vectors not found, "
			  "published vectors not run (typed-in facts above still ran)");
		return;
	}
	rfc8032(dir);
	wycheproof(dir);
	rfc9496(dir);
}
