/* test_eth.c - secp256k1 keys and Ethereum addresses against typed-in facts and the published vectors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/ec.h>
#include <openssl/err.h>

#include "check.h"
#include "eth.h"
#include "hex.h"
#include "keccak.h"
#include "ossl.h"
#include "unit.h"
#include "banned.h"

/* The most a vectors file may hold. */
#define JSON_MAX (1u << 20)

/* Exactly 2n hex digits (0x optional) into n bytes. */
static int unhex(unsigned char *out, size_t n, const char *s)
{
	if (s[0] == '0' && s[1] == 'x')
		s += 2;
	return lc_hex_decode(out, n, s);
}

/* key (hex) -> address (hex, any case, 0x optional), compared ignoring
 * case; the result must also be a valid EIP-55 address. */
static int addr_ok(const char *keyhex, const char *addrhex)
{
	unsigned char sk[32], want[20], got[20];
	char out[43], canon[43], why[200], hint[200];
	struct lc_err err;

	if (unhex(sk, 32, keyhex) || unhex(want, 20, addrhex))
		return 0;
	if (lc_eth_address(out, sk, &err)) {
		fprintf(stderr, "    eth_address: %s\n", err.msg);
		return 0;
	}
	if (lc_check_eth_address(out, canon, why, sizeof(why), hint,
				 sizeof(hint)) || strcmp(out, canon)) {
		fprintf(stderr, "    %s is not canonical: %s\n", out, why);
		return 0;
	}
	return !unhex(got, 20, out) && !memcmp(got, want, 20);
}

static void eth_facts(void)
{
	static const unsigned char n_minus_1[32] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
		0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b,
		0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x40,
	};
	unsigned char sk[32], pub[64], h[32];
	struct lc_err err;
	char out[43];

	/* ethereum/tests keyaddrtest "cow" and go-ethereum's test key. */
	CHECK(addr_ok("c85ef7d79691fe79573b1a7064c19c1a9819ebdbd1faaab1a8ec92344438aaf4",
		      "cd2a3d9f938e13cd947ec05abc7fe734df8dd826"));
	CHECK(addr_ok("289c2857d4598e37fb9647507e47a309d6133539bf21a8b9cb6df88fd5232032",
		      "970e8128ab834e8eac17ab8e3812f010678cf791"));
	lc_keccak256(h, "cow", 3);
	CHECK(!unhex(sk, 32, "c85ef7d79691fe79573b1a7064c19c1a9819ebdbd1faaab1a8ec92344438aaf4") &&
	      !memcmp(h, sk, 32));
	/* 1 * G: the generator's coordinates. */
	memset(sk, 0, 32);
	sk[31] = 1;
	CHECK(!lc_secp256k1_pub(pub, sk, &err));
	CHECK(!unhex(h, 32, "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798") &&
	      !memcmp(pub, h, 32));
	CHECK(!unhex(h, 32, "483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8") &&
	      !memcmp(pub + 32, h, 32));
	/* 0 and n are rejected, n - 1 is accepted. */
	memset(sk, 0, 32);
	CHECK(lc_eth_address(out, sk, &err) == -1);
	memcpy(sk, n_minus_1, 32);
	CHECK(lc_secp256k1_pub(pub, sk, &err) == 0);
	sk[31]++;
	CHECK(lc_secp256k1_pub(pub, sk, &err) == -1);
	CHECK(strstr(err.msg, "invalid secp256k1 secret key") != NULL);
	memset(sk, 0xff, 32);
	CHECK(lc_secp256k1_pub(pub, sk, &err) == -1);
}

static void keygen_facts(void)
{
	unsigned char a[32], b[32], zero[32] = { 0 };
	char addr[43], canon[43], why[200], hint[200];
	struct lc_err err;
	int i, ok = 0;

	for (i = 0; i < 32; i++) {
		if (lc_secp256k1_keygen(a, &err) || lc_eth_address(addr, a, &err) ||
		    lc_check_eth_address(addr, canon, why, sizeof(why), hint,
					 sizeof(hint)) ||
		    strcmp(addr, canon) || !memcmp(a, zero, 32))
			continue;
		ok++;
	}
	CHECKF(ok == 32, "%d of 32 generated keys round-trip", ok);
	CHECK(!lc_secp256k1_keygen(a, &err) && !lc_secp256k1_keygen(b, &err) &&
	      memcmp(a, b, 32));
}

static void address_vectors(const char *dir)
{
	cJSON *j = unit_load_json_max(dir, "ethereum/secp256k1_privkey_to_address.json",
				      JSON_MAX), *c;
	int n = 0;

	if (!j)
		return;
	cJSON_ArrayForEach(c, cJSON_GetObjectItem(j, "pairs")) {
		CHECKF(addr_ok(unit_jstr(c, "private_key"), unit_jstr(c, "address")),
		       "%s", unit_jstr(c, "source"));
		n++;
	}
	CHECK(n == 5);
	cJSON_Delete(j);
}

/* keyaddrtest.json: key = keccak256(seed), key -> addr (the signatures
 * are not used: see the vectors README). */
static void keyaddr_vectors(const char *dir)
{
	cJSON *j = unit_load_json_max(dir, "ethereum/keyaddrtest.json",
				      JSON_MAX), *c;
	unsigned char key[32], h[32];
	int n = 0;

	if (!j)
		return;
	cJSON_ArrayForEach(c, j) {
		const char *seed = unit_jstr(c, "seed");

		lc_keccak256(h, seed, strlen(seed));
		CHECKF(!unhex(key, 32, unit_jstr(c, "key")) && !memcmp(h, key, 32),
		       "keccak256('%s')", seed);
		CHECKF(addr_ok(unit_jstr(c, "key"), unit_jstr(c, "addr")), "seed '%s'", seed);
		n++;
	}
	CHECK(n == 2);
	printf("eth: %d keyaddrtest entries\n", n);
	cJSON_Delete(j);
}

/* An OpenSSL failure carries OpenSSL's reason, and leaves its queue empty. */
static void ssl_reasons(void)
{
	struct lc_err err;

	lc_err_clear(&err);
	ERR_clear_error();
	CHECK(EC_GROUP_new_by_curve_name(-1) == NULL);
	CHECK(lc_err_ssl(&err, "cannot set up curve %d", -1) == -1);
	CHECKF(!strncmp(err.msg, "cannot set up curve -1: openssl: error:", 39) && strstr(err.msg, "unknown group"), "%s", err.msg);
	CHECK(ERR_peek_error() == 0);
	/* Nothing queued: the message alone. */
	CHECK(lc_err_ssl(&err, "plain") == -1 && !strcmp(err.msg, "plain"));
}

void unit_main(int argc, char **argv)
{
	const char *dir = unit_vectors_dir();

	(void)argc;
	(void)argv;
	eth_facts();
	keygen_facts();
	ssl_reasons();
	if (!dir) {
		unit_skip("secp256k1 vectors: ../shared/vectors not found "
			  "(typed-in facts above still ran)");
		return;
	}
	address_vectors(dir);
	keyaddr_vectors(dir);
}
