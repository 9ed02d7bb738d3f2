/* test_sodium_vectors.c - our use of libsodium's Ed25519 and ristretto255 against RFC 8032, Wycheproof and RFC 9496. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
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

static void rfc8032(const char *dir)
{
	cJSON *root = unit_load_json_max(dir, "ed25519/rfc8032_ed25519.json",
					 JSON_MAX);
	const cJSON *c;
	int n = 0, ok = 0, nctx = 0;

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
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(root, "ed25519ctx"))
		nctx++;
	if (nctx) {
		char why[160];

		snprintf(why, sizeof(why),
			 "ed25519ctx: %d RFC 8032 7.2 vectors not run, libsodium "
			 "has no Ed25519ctx",
			 nctx);
		unit_skip(why);
	}
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

static void rfc9496(const char *dir)
{
	cJSON *root = unit_load_json_max(dir, "ristretto255/rfc9496_ristretto255.json",
					 JSON_MAX);

	if (!CHECK(root != NULL))
		return;
	ristretto_multiples(root);
	ristretto_invalid(root);
	ristretto_derivation(root);
	unit_skip("ristretto255: the 6 sqrt_ratio_m1 cases test a field "
		  "routine libsodium does not export");
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
