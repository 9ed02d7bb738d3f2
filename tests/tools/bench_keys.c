/* bench_keys.c - timing of BLS (EIP-2333 path + sk->pk), secp256k1 keygen + address, and EIP-2335 keystore encryption. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "bls.h"
#include "eth.h"
#include "banned.h"

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int fail(const char *what, const struct lc_err *err)
{
	fprintf(stderr, "bench_keys: %s: %s\n", what, err->msg);
	return 1;
}

int main(int argc, char **argv)
{
	int nbls = argc > 1 ? atoi(argv[1]) : 200;
	int neth = argc > 2 ? atoi(argv[2]) : 2000;
	uint8_t seed[32], sk[LC_BLS_SK_LEN], pk[LC_BLS_PK_LEN];
	uint8_t esk[LC_SECP_SK_LEN];
	double t0, t_path = 0, t_pk = 0, t;
	struct lc_err err;
	char path[64], addr[43], *json = NULL;
	int i;

	if (nbls < 1 || neth < 1) {
		fprintf(stderr, "usage: bench_keys [bls-keys [eth-keys]]\n");
		return 2;
	}
	memset(seed, 0x42, sizeof(seed));
	for (i = 0; i < nbls; i++) {
		snprintf(path, sizeof(path), "m/12381/3600/%d/0/0", i);
		t0 = now();
		if (lc_eip2333_path(sk, seed, sizeof(seed), path, &err))
			return fail("eip2333", &err);
		t = now();
		t_path += t - t0;
		if (lc_bls_sk_to_pk(pk, sk, &err))
			return fail("sk_to_pk", &err);
		t_pk += now() - t;
	}
	printf("bls keygen (m/12381/3600/i/0/0 + sk->pk): %d keys, %.3f ms/key "
	       "(path %.3f ms, sk->pk %.3f ms)\n", nbls,
	       (t_path + t_pk) * 1e3 / nbls, t_path * 1e3 / nbls,
	       t_pk * 1e3 / nbls);

	t0 = now();
	for (i = 0; i < neth; i++)
		if (lc_secp256k1_keygen(esk, &err) ||
		    lc_eth_address(addr, esk, &err))
			return fail("secp256k1", &err);
	printf("secp256k1 keygen + address: %d keys, %.3f ms/key\n", neth,
	       (now() - t0) * 1e3 / neth);

	t0 = now();
	if (lc_eip2335_encrypt(&json, sk, "m/12381/3600/0/0/0", "bench password",
			       LC_KDF_SCRYPT, 0, &err))
		return fail("eip2335 scrypt", &err);
	printf("eip2335 keystore, scrypt n=262144 r=8 p=1: %.3f s\n", now() - t0);
	free(json);
	t0 = now();
	if (lc_eip2335_encrypt(&json, sk, "m/12381/3600/0/0/0", "bench password",
			       LC_KDF_PBKDF2, 0, &err))
		return fail("eip2335 pbkdf2", &err);
	printf("eip2335 keystore, pbkdf2 c=262144: %.3f s\n", now() - t0);
	free(json);
	OPENSSL_cleanse(sk, sizeof(sk));
	OPENSSL_cleanse(esk, sizeof(esk));
	return 0;
}
