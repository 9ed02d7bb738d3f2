/* eip2333.c - the EIP-2333 BLS12-381 key tree (HKDF_mod_r, Lamport step) and EIP-2334 path walking. */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/sha.h>

#include "bls.h"
#include "bls_internal.h"
#include "ossl.h"
#include "banned.h"

#define MOD_R_L 48          /* HKDF output for HKDF_mod_r: ceil(3 * 381 / 16) */
#define MOD_R_MAX_ROUNDS 64 /* a zero result is ~2^-255 likely per round */
#define PATH_MAX_DEPTH 64

/* HKDF-SHA256 extract-then-expand; 0 or -1. */
static int hkdf_sha256(uint8_t *out, size_t out_len, const uint8_t *salt,
		       size_t salt_len, const uint8_t *ikm, size_t ikm_len,
		       const uint8_t *info, size_t info_len)
{
	EVP_KDF *kdf = NULL;
	EVP_KDF_CTX *kctx = NULL;
	OSSL_PARAM params[5], *p = params;
	int ret = -1;

	if (!(kdf = EVP_KDF_fetch(NULL, "HKDF", NULL)) ||
	    !(kctx = EVP_KDF_CTX_new(kdf)))
		goto out;
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
						(char *)"SHA256", 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
						 (void *)ikm, ikm_len);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
						 (void *)salt, salt_len);
	if (info_len)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
							 (void *)info, info_len);
	*p = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(kctx, out, out_len, params) == 1)
		ret = 0;
out:
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
	return ret;
}

/* HKDF_mod_r(IKM) with an empty key_info: a scalar in [1, r-1]. */
static int hkdf_mod_r(uint8_t sk[LC_BLS_SK_LEN], const uint8_t *ikm,
		      size_t ikm_len, struct lc_err *err)
{
	static const char salt0[] = "BLS-SIG-KEYGEN-SALT-";
	static const uint8_t info[2] = { 0, MOD_R_L }; /* I2OSP(L, 2) */
	uint8_t salt[SHA256_DIGEST_LENGTH], okm[MOD_R_L], *ikm0 = NULL;
	BN_CTX *ctx = NULL;
	BIGNUM *r = NULL, *v = NULL;
	int ret = -1, round;

	if (!(ikm0 = malloc(ikm_len + 1)) || !(ctx = BN_CTX_new()) ||
	    !BN_hex2bn(&r, lc_bls_r_hex) || !(v = BN_new())) {
		lc_err_setc(err, LC_ERR_NOMEM, "out of memory");
		goto out;
	}
	memcpy(ikm0, ikm, ikm_len);
	ikm0[ikm_len] = 0; /* IKM || I2OSP(0, 1) */
	SHA256((const uint8_t *)salt0, sizeof(salt0) - 1, salt);
	for (round = 0; round < MOD_R_MAX_ROUNDS; round++) {
		if (round > 0)
			SHA256(salt, sizeof(salt), salt);
		if (hkdf_sha256(okm, sizeof(okm), salt, sizeof(salt), ikm0,
				ikm_len + 1, info, sizeof(info)) ||
		    !BN_bin2bn(okm, sizeof(okm), v) ||
		    !BN_mod(v, v, r, ctx)) {
			lc_err_ssl(err, "hkdf_mod_r failed");
			goto out;
		}
		if (!BN_is_zero(v))
			break;
	}
	if (round == MOD_R_MAX_ROUNDS ||
	    BN_bn2binpad(v, sk, LC_BLS_SK_LEN) != LC_BLS_SK_LEN) {
		lc_err_ssl(err, "hkdf_mod_r failed");
		goto out;
	}
	ret = 0;
out:
	OPENSSL_cleanse(okm, sizeof(okm));
	if (ikm0)
		OPENSSL_cleanse(ikm0, ikm_len + 1);
	free(ikm0);
	BN_clear_free(v);
	BN_free(r);
	BN_CTX_free(ctx);
	return ret;
}

int lc_eip2333_lamport_sk(uint8_t chunks[LC_LAMPORT_CHUNKS][LC_LAMPORT_CHUNK],
			  const uint8_t *ikm, size_t ikm_len,
			  const uint8_t *salt, size_t salt_len,
			  struct lc_err *err)
{
	if (hkdf_sha256(&chunks[0][0], LC_LAMPORT_CHUNKS * LC_LAMPORT_CHUNK,
			salt, salt_len, ikm, ikm_len, NULL, 0))
		return lc_err_ssl(err, "lamport key expansion failed");
	return 0;
}

int lc_eip2333_lamport_pk(uint8_t out[32], const uint8_t parent[32],
			  uint32_t index, struct lc_err *err)
{
	uint8_t chunks[2][LC_LAMPORT_CHUNKS][LC_LAMPORT_CHUNK];
	uint8_t not_ikm[32], h[SHA256_DIGEST_LENGTH], salt[4];
	EVP_MD_CTX *md = NULL;
	int ret = -1, i, j;

	salt[0] = (uint8_t)(index >> 24);
	salt[1] = (uint8_t)(index >> 16);
	salt[2] = (uint8_t)(index >> 8);
	salt[3] = (uint8_t)index;
	for (i = 0; i < 32; i++)
		not_ikm[i] = (uint8_t)~parent[i];
	if (lc_eip2333_lamport_sk(chunks[0], parent, 32, salt, 4, err) ||
	    lc_eip2333_lamport_sk(chunks[1], not_ikm, 32, salt, 4, err))
		goto out;
	/* lamport_PK is the 510 chunk hashes in order; only its hash is kept. */
	if (!(md = EVP_MD_CTX_new()) ||
	    !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
		lc_err_ssl(err, "cannot start sha-256");
		goto out;
	}
	for (j = 0; j < 2; j++)
		for (i = 0; i < LC_LAMPORT_CHUNKS; i++) {
			SHA256(chunks[j][i], LC_LAMPORT_CHUNK, h);
			if (!EVP_DigestUpdate(md, h, sizeof(h))) {
				lc_err_ssl(err, "sha-256 failed");
				goto out;
			}
		}
	if (!EVP_DigestFinal_ex(md, out, NULL)) {
		lc_err_ssl(err, "sha-256 failed");
		goto out;
	}
	ret = 0;
out:
	EVP_MD_CTX_free(md);
	OPENSSL_cleanse(chunks, sizeof(chunks));
	OPENSSL_cleanse(not_ikm, sizeof(not_ikm));
	OPENSSL_cleanse(h, sizeof(h));
	return ret;
}

int lc_eip2333_master(uint8_t sk[LC_BLS_SK_LEN], const uint8_t *seed,
		      size_t seed_len, struct lc_err *err)
{
	if (seed_len < 32)
		return lc_err_set(err, "seed too short: %zu bytes, at least 32 "
				  "needed", seed_len);
	return hkdf_mod_r(sk, seed, seed_len, err);
}

int lc_eip2333_child(uint8_t child[LC_BLS_SK_LEN],
		     const uint8_t parent[LC_BLS_SK_LEN], uint32_t index,
		     struct lc_err *err)
{
	uint8_t lpk[32];
	int ret;

	ret = lc_eip2333_lamport_pk(lpk, parent, index, err);
	if (!ret)
		ret = hkdf_mod_r(child, lpk, sizeof(lpk), err);
	OPENSSL_cleanse(lpk, sizeof(lpk));
	return ret;
}

/* "m" then "/<index>" per level: decimal, no sign or leading zero, < 2^32. */
static int parse_path(uint32_t *idx, int *depth, const char *path,
		      struct lc_err *err)
{
	const char *s = path;
	int n = 0;

	if (*s++ != 'm')
		goto bad;
	while (*s) {
		uint64_t v = 0;
		const char *start;

		if (*s++ != '/' || n == PATH_MAX_DEPTH)
			goto bad;
		start = s;
		while (*s >= '0' && *s <= '9') {
			v = v * 10 + (uint64_t)(*s - '0');
			if (v > UINT32_MAX)
				goto bad;
			s++;
		}
		if (s == start || (*start == '0' && s - start > 1))
			goto bad;
		idx[n++] = (uint32_t)v;
	}
	*depth = n;
	return 0;
bad:
	lc_err_set(err, "invalid derivation path '%.80s'", path);
	lc_err_hint(err, "write it as m/<index>/..., each index a decimal "
		    "number below 2^32 (e.g. m/12381/3600/0/0/0)");
	return -1;
}

int lc_eip2333_path(uint8_t sk[LC_BLS_SK_LEN], const uint8_t *seed,
		    size_t seed_len, const char *path, struct lc_err *err)
{
	uint32_t idx[PATH_MAX_DEPTH];
	uint8_t cur[LC_BLS_SK_LEN];
	int depth, i, ret = -1;

	if (parse_path(idx, &depth, path, err) ||
	    lc_eip2333_master(cur, seed, seed_len, err))
		goto out;
	for (i = 0; i < depth; i++)
		if (lc_eip2333_child(cur, cur, idx[i], err))
			goto out;
	memcpy(sk, cur, LC_BLS_SK_LEN);
	ret = 0;
out:
	OPENSSL_cleanse(cur, sizeof(cur));
	return ret;
}
