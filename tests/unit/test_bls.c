/* test_bls.c - BLS12-381 sk->pk, EIP-2333 derivation and EIP-2335 keystores against typed-in facts and the published vectors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <openssl/bn.h>

#include "bls.h"
#include "bls_internal.h"
#include "buf.h"
#include "fileio.h"
#include "hex.h"
#include "unit.h"
#include "banned.h"

/* The most a vectors file may hold. */
#define JSON_MAX (8u << 20)

#define PW_FRAKTUR \
	"\xf0\x9d\x94\xb1\xf0\x9d\x94\xa2\xf0\x9d\x94\xb0\xf0\x9d\x94\xb1" \
	"\xf0\x9d\x94\xad\xf0\x9d\x94\x9e\xf0\x9d\x94\xb0\xf0\x9d\x94\xb0" \
	"\xf0\x9d\x94\xb4\xf0\x9d\x94\xac\xf0\x9d\x94\xaf\xf0\x9d\x94\xa1" \
	"\xf0\x9f\x94\x91"

static const char eip2335_secret[] =
	"000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f";
static const char eip2335_pubkey[] =
	"9612d7a727c9d0a22e185a1c768478dfe919cada9266988cb32359c11f2b7b27"
	"f4ae4040902382ae2910c15e2b420d07";

/* Hex (0x optional) of at most n bytes, left-padded with zeros to n. */
static int unhex_pad(unsigned char *out, size_t n, const char *s)
{
	size_t len, pad;

	if (s[0] == '0' && s[1] == 'x')
		s += 2;
	len = strlen(s);
	if (len % 2 || len / 2 > n)
		return -1;
	pad = n - len / 2;
	memset(out, 0, pad);
	return lc_hex_decode_n(out + pad, len / 2, s);
}

/* A decimal string as a 32-byte big-endian scalar. */
static int dec32(unsigned char out[32], const char *dec)
{
	BIGNUM *b = NULL;
	int ok = BN_dec2bn(&b, dec) && BN_bn2binpad(b, out, 32) == 32;

	BN_free(b);
	return ok ? 0 : -1;
}

/* sk (hex) -> pk (hex), compared as bytes. */
static int sk_pk_ok(const char *skhex, const char *pkhex)
{
	unsigned char sk[32], want[48], pk[48];
	struct lc_err err;

	if (unhex_pad(sk, 32, skhex) || unhex_pad(want, 48, pkhex))
		return 0;
	if (lc_bls_sk_to_pk(pk, sk, &err)) {
		fprintf(stderr, "    sk_to_pk: %s\n", err.msg);
		return 0;
	}
	return !memcmp(pk, want, 48);
}

/* master = derive_master_SK(seed) and child = derive_child_SK(master, i). */
static void eip2333_case(const char *seedhex, const char *master_dec,
			 uint32_t index, const char *child_dec)
{
	unsigned char seed[128], m[32], c[32], want_m[32], want_c[32];
	size_t len = (strlen(seedhex) - 2) / 2;
	struct lc_err err;
	char path[32];

	CHECK(len <= sizeof(seed) && !unhex_pad(seed, len, seedhex));
	CHECK(!dec32(want_m, master_dec) && !dec32(want_c, child_dec));
	CHECKF(!lc_eip2333_master(m, seed, len, &err) && !memcmp(m, want_m, 32),
	       "master_SK of seed %.18s...", seedhex);
	CHECKF(!lc_eip2333_child(c, want_m, index, &err) && !memcmp(c, want_c, 32),
	       "child_SK %u of seed %.18s...", index, seedhex);
	snprintf(path, sizeof(path), "m/%u", index);
	CHECK(!lc_eip2333_path(c, seed, len, path, &err) && !memcmp(c, want_c, 32));
}

static void bls_facts(void)
{
	unsigned char sk[32], pk[48];
	struct lc_err err;
	BIGNUM *r = NULL;

	/* The EIP-2335 pair and interop validators 0 and 1. */
	CHECK(sk_pk_ok(eip2335_secret, eip2335_pubkey));
	CHECK(sk_pk_ok("25295f0d1d592a90b333e26e85149708208e9f8e8bc18f6c77bd62f8ad7a6866",
		       "a99a76ed7796f7be22d5b7e85deeb7c5677e88e511e0b337618f8c4e"
		       "b61349b4bf2d153f649f7b53359fe8b94a38e44c"));
	CHECK(sk_pk_ok("51d0b65185db6989ab0b560d6deed19c7ead0e24b9b6372cbecb1f26bdfad000",
		       "b89bebc699769726a318c8e9971bd3171297c61aea4a6578a7a4f94b"
		       "547dcba5bac16a89108b6b6a1fe3695d1a874a0b"));
	/* 1 * G1 is the generator's x with the compressed flag only. */
	CHECK(sk_pk_ok("01", "97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f"
		       "171bac586c55e83ff97a1aeffb3af00adb22c6bb"));
	/* 0 and r are rejected, r - 1 (= -1) gives -G1: the y flag set. */
	memset(sk, 0, 32);
	CHECK(lc_bls_sk_to_pk(pk, sk, &err) == -1);
	CHECK(BN_hex2bn(&r, lc_bls_r_hex) && BN_bn2binpad(r, sk, 32) == 32);
	CHECK(lc_bls_sk_to_pk(pk, sk, &err) == -1);
	CHECK(strstr(err.msg, "invalid bls secret key") != NULL);
	CHECK(BN_sub_word(r, 1) && BN_bn2binpad(r, sk, 32) == 32);
	CHECK(lc_bls_sk_to_pk(pk, sk, &err) == 0 && pk[0] == (0x80 | 0x20 | 0x17));
	BN_free(r);

	/* EIP-2333 Test Case 0. */
	eip2333_case("0xc55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e534955"
		     "31f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04",
		     "6083874454709270928345386274498605044986640685124978867557563392430687146096",
		     0,
		     "20397789859736650942317412262472558107875392172444076792671091975210932703118");
	memset(sk, 7, 32);
	CHECK(lc_eip2333_master(pk, sk, 31, &err) == -1);
}

static int path_ok(const char *path)
{
	unsigned char seed[32], sk[32];
	struct lc_err err;

	memset(seed, 0x5a, sizeof(seed));
	return lc_eip2333_path(sk, seed, sizeof(seed), path, &err) == 0;
}

static void path_facts(void)
{
	static const char *const bad[] = {
		"", "x", "M/0", "m/", "m//0", "/0", "0", "m0", "m/0/", "m/01",
		"m/-1", "m/+1", "m/ 1", "m/1 ", "m/1'", "m/4294967296",
		"m/99999999999999999999", "m/12381/3600/0/0/0x", "m/1/2/a",
	};
	unsigned char seed[32], a[32], b[32], m[32];
	struct lc_err err;
	size_t i;

	CHECK(path_ok("m"));
	CHECK(path_ok("m/0"));
	CHECK(path_ok("m/4294967295"));
	CHECK(path_ok("m/12381/3600/0/0/0"));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECKF(!path_ok(bad[i]), "path '%s' accepted", bad[i]);
	CHECK(lc_eip2333_path(a, seed, 32, "m/", &err) == -1 &&
	      strstr(err.msg, "invalid derivation path") != NULL);
	/* The path walk equals the steps done by hand. */
	memset(seed, 0x11, sizeof(seed));
	CHECK(!lc_eip2333_master(m, seed, 32, &err));
	CHECK(!lc_eip2333_path(a, seed, 32, "m", &err) && !memcmp(a, m, 32));
	CHECK(!lc_eip2333_child(b, m, 12381, &err) && !lc_eip2333_child(b, b, 3600, &err) &&
	      !lc_eip2333_child(b, b, 0, &err) && !lc_eip2333_child(b, b, 0, &err) &&
	      !lc_eip2333_child(b, b, 0, &err));
	CHECK(!lc_eip2333_path(a, seed, 32, "m/12381/3600/0/0/0", &err) &&
	      !memcmp(a, b, 32));
}

static int pw_is(const char *pw, const char *want, size_t want_len)
{
	struct lc_err err;
	uint8_t *out;
	size_t len;
	int ok;

	if (lc_eip2335_password(&out, &len, pw, &err))
		return 0;
	ok = len == want_len && !memcmp(out, want, len);
	free(out);
	return ok;
}

static void password_facts(void)
{
	uint8_t *out;
	size_t len;
	struct lc_err err;

	CHECK(pw_is(PW_FRAKTUR, "testpassword\xf0\x9f\x94\x91", 16));
	CHECK(pw_is("", "", 0));
	CHECK(pw_is("plain", "plain", 5));
	/* C0, DEL and C1 (U+0085) go; U+00A0 is not a control code: NFKD
	 * makes it a space. */
	CHECK(pw_is("a\x01" "b\x7f" "c\xc2\x85" "d\x1f\xc2\x9f", "abcd", 4));
	CHECK(pw_is("x\xc2\xa0y", "x y", 3));
	/* Compatibility and canonical decomposition. */
	CHECK(pw_is("\xef\xac\x81", "fi", 2));            /* U+FB01 */
	CHECK(pw_is("\xc3\xa9", "e\xcc\x81", 3));         /* U+00E9 */
	CHECK(pw_is("\xe2\x91\xa0", "1", 1));             /* U+2460 */
	CHECK(lc_eip2335_password(&out, &len, "\xff", &err) == -1);
	CHECK(lc_eip2335_password(&out, &len, "a\xc3", &err) == -1);
}

/* Replace the first occurrence of what in s (same length) with with. */
static void patch(char *s, const char *what, const char *with)
{
	char *p = strstr(s, what);

	CHECK(p != NULL && strlen(what) == strlen(with));
	if (p)
		memcpy(p, with, strlen(with));
}

static void keystore_round_trip(enum lc_kdf kdf)
{
	unsigned char sk[32], back[32];
	struct lc_err err;
	char *json = NULL, *ct, hexct[65];
	cJSON *j;
	const char *pw = "correct horse \xf0\x9d\x94\xb1";

	CHECK(!unhex_pad(sk, 32, eip2335_secret));
	if (!CHECK(!lc_eip2335_encrypt(&json, sk, "m/12381/3600/0/0/0", pw, kdf, 1,
				       &err)))
		return;
	j = cJSON_Parse(json);
	CHECK(j != NULL);
	CHECK(!strcmp(unit_jstr(j, "pubkey"), eip2335_pubkey));
	CHECK(!strcmp(unit_jstr(j, "path"), "m/12381/3600/0/0/0"));
	CHECK(strlen(unit_jstr(j, "uuid")) == 36 && unit_jstr(j, "uuid")[14] == '4');
	CHECK(cJSON_GetObjectItem(j, "version")->valueint == 4);
	CHECK(!strcmp(unit_jstr(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "crypto"), "kdf"),
				"function"), kdf == LC_KDF_SCRYPT ? "scrypt" : "pbkdf2"));
	/* The secret does not appear in clear. */
	CHECK(strstr(json, eip2335_secret) == NULL);
	snprintf(hexct, sizeof(hexct), "%s",
		 unit_jstr(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "crypto"), "cipher"),
			   "message"));
	cJSON_Delete(j);

	memset(back, 0, 32);
	CHECK(!lc_eip2335_decrypt(back, json, pw, &err) && !memcmp(back, sk, 32));
	CHECK(lc_eip2335_decrypt(back, json, "correct horse", &err) == LC_ERR_FAIL);
	CHECK(strstr(err.msg, "wrong password") != NULL);
	CHECK(strstr(err.msg, eip2335_secret) == NULL);
	/* One flipped ciphertext nibble fails the checksum. */
	ct = strstr(json, hexct);
	if (CHECK(ct != NULL)) {
		ct[10] = ct[10] == '0' ? '1' : '0';
		CHECK(lc_eip2335_decrypt(back, json, pw, &err) == LC_ERR_FAIL &&
		      strstr(err.msg, "checksum") != NULL);
		ct[10] = hexct[10];
	}
	/* Another valid pubkey: decrypts, then fails the pubkey check. */
	patch(json, eip2335_pubkey,
	      "a99a76ed7796f7be22d5b7e85deeb7c5677e88e511e0b337618f8c4e"
	      "b61349b4bf2d153f649f7b53359fe8b94a38e44c");
	CHECK(lc_eip2335_decrypt(back, json, pw, &err) == -1 &&
	      strstr(err.msg, "does not match its pubkey") != NULL);
	free(json);
}

/* Decrypting json with params.<key> set to v fails naming why. */
static void kdf_param_refused(const char *json, const char *key, double v,
			      const char *why)
{
	cJSON *j = cJSON_Parse(json), *params;
	unsigned char sk[32];
	struct lc_err err;
	char *text;

	params = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "crypto"),
							 "kdf"), "params");
	cJSON_ReplaceItemInObject(params, key, cJSON_CreateNumber(v));
	text = cJSON_PrintUnformatted(j);
	CHECKF(text && lc_eip2335_decrypt(sk, text, "pw", &err) == -1 &&
	       strstr(err.msg, why) != NULL, "%s = %g: %s", key, v, err.msg);
	free(text);
	cJSON_Delete(j);
}

static void keystore_limits(void)
{
	unsigned char sk[32];
	struct lc_err err;
	char *json = NULL;

	memset(sk, 0, 32);
	sk[31] = 9;
	if (!CHECK(!lc_eip2335_encrypt(&json, sk, NULL, "pw", LC_KDF_SCRYPT, 1, &err)))
		return;
	CHECK(strstr(json, "\"path\":\t\"\"") != NULL);
	kdf_param_refused(json, "n", 16385, "power of two");
	kdf_param_refused(json, "n", 1u << 30, "more than 2 GiB");
	kdf_param_refused(json, "n", 1.5, "must be an integer");
	kdf_param_refused(json, "r", 0, "must be an integer");
	kdf_param_refused(json, "dklen", 64, "must be 32");
	free(json);
	if (!CHECK(!lc_eip2335_encrypt(&json, sk, "", "pw", LC_KDF_PBKDF2, 1, &err)))
		return;
	kdf_param_refused(json, "c", 0, "must be an integer");
	kdf_param_refused(json, "c", 1e12, "must be an integer");
	patch(json, "hmac-sha256", "hmac-sha512");
	CHECK(lc_eip2335_decrypt(sk, json, "pw", &err) == -1 &&
	      strstr(err.msg, "unsupported pbkdf2 prf") != NULL);
	free(json);
	/* sk = 0 cannot be stored. */
	memset(sk, 0, 32);
	CHECK(lc_eip2335_encrypt(&json, sk, "", "pw", LC_KDF_PBKDF2, 1, &err) == -1 &&
	      json == NULL);
}

static void keystore_facts(void)
{
	unsigned char sk[32];
	struct lc_err err;

	keystore_round_trip(LC_KDF_SCRYPT);
	keystore_round_trip(LC_KDF_PBKDF2);
	keystore_limits();
	memset(sk, 1, 32);
	CHECK(lc_eip2335_decrypt(sk, "{", "x", &err) == -1);
	CHECK(lc_eip2335_decrypt(sk, "{\"version\": 3}", "x", &err) == -1 &&
	      strstr(err.msg, "version 3 is not supported") != NULL);
	CHECK(lc_eip2335_decrypt(sk, "{\"version\": 4} x", "x", &err) == -1 &&
	      strstr(err.msg, "not valid json") != NULL);
	CHECK(lc_eip2335_decrypt(sk, "{\"version\": 4}", "x", &err) == -1 &&
	      strstr(err.msg, "'crypto'") != NULL);
}

static void eip2333_vectors(const char *dir)
{
	cJSON *j = unit_load_json_max(dir, "eip2333/vectors.json",
				      JSON_MAX), *c, *im;
	unsigned char m[32], chunks[LC_LAMPORT_CHUNKS][LC_LAMPORT_CHUNK];
	unsigned char want[32], lpk[32], salt[4] = { 0, 0, 0, 0 }, ikm[32];
	struct lc_err err;
	int n = 0, i, k, bad;

	if (!j)
		return;
	cJSON_ArrayForEach(c, cJSON_GetObjectItem(j, "cases")) {
		eip2333_case(unit_jstr(c, "seed"), unit_jstr(c, "master_SK"),
			     (uint32_t)strtoul(unit_jstr(c, "child_index"), NULL, 10),
			     unit_jstr(c, "child_SK"));
		n++;
	}
	CHECK(n == 4);
	im = cJSON_GetObjectItem(j, "intermediate");
	eip2333_case(unit_jstr(im, "seed"), unit_jstr(im, "master_SK"),
		     (uint32_t)strtoul(unit_jstr(im, "child_index"), NULL, 10),
		     unit_jstr(im, "child_SK"));
	CHECK(!strcmp(unit_jstr(im, "child_index"), "0"));
	/* lamport_0 from I2OSP(master, 32), lamport_1 from its complement. */
	CHECK(!dec32(m, unit_jstr(im, "master_SK")));
	for (k = 0; k < 2; k++) {
		const char *name = k ? "lamport_1" : "lamport_0";
		cJSON *arr = cJSON_GetObjectItem(im, name);

		for (i = 0; i < 32; i++)
			ikm[i] = k ? (unsigned char)~m[i] : m[i];
		CHECK(cJSON_GetArraySize(arr) == LC_LAMPORT_CHUNKS);
		CHECK(!lc_eip2333_lamport_sk(chunks, ikm, 32, salt, 4, &err));
		bad = 0;
		for (i = 0; i < LC_LAMPORT_CHUNKS; i++) {
			cJSON *v = cJSON_GetArrayItem(arr, i);

			if (!v || unhex_pad(want, 32, v->valuestring) ||
			    memcmp(want, chunks[i], 32))
				bad++;
		}
		CHECKF(bad == 0, "%s: %d of 255 chunks differ", name, bad);
	}
	CHECK(!unhex_pad(want, 32, unit_jstr(im, "compressed_lamport_PK")));
	CHECK(!lc_eip2333_lamport_pk(lpk, m, 0, &err) && !memcmp(lpk, want, 32));
	printf("eip2333: %d cases + intermediate values\n", n);
	cJSON_Delete(j);
}

static void sk_to_pk_vectors(const char *dir)
{
	cJSON *j = unit_load_json_max(dir, "bls12-381/sk_to_pk.json",
				      JSON_MAX), *c;
	int n = 0;

	if (!j)
		return;
	cJSON_ArrayForEach(c, cJSON_GetObjectItem(j, "cases")) {
		CHECKF(sk_pk_ok(unit_jstr(c, "secret_key"), unit_jstr(c, "public_key")),
		       "sk_to_pk case %d", n);
		n++;
	}
	CHECK(n == 11);
	cJSON_Delete(j);
}

/*
 * All 10000 interop pairs; LC_BLS_SAMPLE=N checks every Nth one only
 * (the full set is the default in every build).
 */
static void interop_vectors(const char *dir)
{
	cJSON *j = unit_load_json_max(dir, "bls12-381/interop_keygen_10000.json",
				      JSON_MAX), *c;
	const char *env = getenv("LC_BLS_SAMPLE");
	int step = env && atoi(env) > 0 ? atoi(env) : 1;
	int n = 0, ok = 0, tried = 0, shortsk = 0;
	struct timespec t0, t1;

	if (!j)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cJSON_ArrayForEach(c, cJSON_GetObjectItem(j, "pairs")) {
		const char *sk = cJSON_GetArrayItem(c, 0)->valuestring;
		const char *pk = cJSON_GetArrayItem(c, 1)->valuestring;

		if (n++ % step)
			continue;
		tried++;
		shortsk += strlen(sk) < 66;
		if (sk_pk_ok(sk, pk))
			ok++;
		else
			fprintf(stderr, "    interop pair %d differs\n", n - 1);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK(n == 10000);
	CHECKF(ok == tried, "%d of %d interop pairs differ", tried - ok, tried);
	CHECK(step > 1 || shortsk == 131);
	printf("bls: %d/%d interop sk->pk pairs in %.2f s\n", ok, tried,
	       (double)(t1.tv_sec - t0.tv_sec) +
		       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	cJSON_Delete(j);
}

static void eip2335_vectors(const char *dir)
{
	cJSON *j = unit_load_json_max(dir, "eip2335/vectors.json",
				      JSON_MAX), *v;
	unsigned char want[32], sk[32], enc[64];
	struct lc_buf b;
	struct lc_err err;
	char path[4096];
	int n = 0;

	if (!j)
		return;
	lc_buf_init(&b, LC_BUF_NOMAX);
	cJSON_ArrayForEach(v, cJSON_GetObjectItem(j, "vectors")) {
		const char *pw = unit_jstr(v, "password");
		const char *e = unit_jstr(v, "encoded_password");
		size_t elen = (strlen(e) - 2) / 2;

		CHECK(!strcmp(pw, PW_FRAKTUR));
		CHECK(elen <= sizeof(enc) && !unhex_pad(enc, elen, e) &&
		      pw_is(pw, (const char *)enc, elen));
		CHECK(!unhex_pad(want, 32, unit_jstr(v, "secret")));
		snprintf(path, sizeof(path), "%s/eip2335/%s", dir,
			 unit_jstr(v, "keystore_file"));
		if (lc_read_file(&b, path, 1u << 20, &err)) {
			CHECKF(0, "%s", err.msg);
			continue;
		}
		memset(sk, 0, 32);
		CHECKF(!lc_eip2335_decrypt(sk, b.ptr, pw, &err) && !memcmp(sk, want, 32),
		       "%s: %s", unit_jstr(v, "name"), err.msg);
		CHECK(lc_eip2335_decrypt(sk, b.ptr, "testpassword", &err) == LC_ERR_FAIL);
		n++;
	}
	CHECK(n == 2);
	printf("eip2335: %d published keystores decrypted\n", n);
	lc_buf_release(&b);
	cJSON_Delete(j);
}

void unit_main(int argc, char **argv)
{
	const char *dir = unit_vectors_dir();

	(void)argc;
	(void)argv;
	bls_facts();
	path_facts();
	password_facts();
	keystore_facts();
	if (!dir) {
		unit_skip("bls/eip-2333/eip-2335 vectors: ../shared/vectors not "
			  "found (typed-in facts above still ran)");
		return;
	}
	eip2333_vectors(dir);
	sk_to_pk_vectors(dir);
	interop_vectors(dir);
	eip2335_vectors(dir);
}
