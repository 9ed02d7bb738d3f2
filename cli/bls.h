/* bls.h - BLS12-381 keys as Ethereum consensus tooling makes them: EIP-2333 derivation, G1 public keys, EIP-2335 keystores. */
#ifndef LC_BLS_H
#define LC_BLS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define LC_BLS_SK_LEN 32 /* big-endian scalar, 0 < sk < r */
#define LC_BLS_PK_LEN 48 /* compressed G1 point (ZCash/IETF flag bits) */

/* pk = sk * G1, compressed.  Fails on sk = 0 or sk >= r. */
int lc_bls_sk_to_pk(uint8_t pk[LC_BLS_PK_LEN], const uint8_t sk[LC_BLS_SK_LEN],
		    struct lc_err *err);

/* EIP-2333: derive_master_SK(seed) (seed at least 32 bytes) and
 * derive_child_SK(parent, index). */
int lc_eip2333_master(uint8_t sk[LC_BLS_SK_LEN], const uint8_t *seed,
		      size_t seed_len, struct lc_err *err);
int lc_eip2333_child(uint8_t child[LC_BLS_SK_LEN],
		     const uint8_t parent[LC_BLS_SK_LEN], uint32_t index,
		     struct lc_err *err);
/* Walk an EIP-2334 path such as "m/12381/3600/0/0/0" from seed. */
int lc_eip2333_path(uint8_t sk[LC_BLS_SK_LEN], const uint8_t *seed,
		    size_t seed_len, const char *path, struct lc_err *err);

enum lc_kdf { LC_KDF_SCRYPT, LC_KDF_PBKDF2 };

/*
 * EIP-2335 keystore v4.  encrypt returns a malloc'd JSON text (free()) for
 * sk with its pubkey and derivation path, encrypted under password (NFKD-
 * normalised, control codes stripped, UTF-8) with a fresh salt and IV;
 * scrypt uses n=262144, r=8, p=1 and pbkdf2 c=262144 unless the fast flag
 * is set for tests (n=16384 / c=16384).  decrypt checks the checksum
 * before decrypting; a wrong password is LC_ERR_FAIL with a clear message.
 */
int lc_eip2335_encrypt(char **json, const uint8_t sk[LC_BLS_SK_LEN],
		       const char *path, const char *password, enum lc_kdf kdf,
		       int fast, struct lc_err *err);
int lc_eip2335_decrypt(uint8_t sk[LC_BLS_SK_LEN], const char *json,
		       const char *password, struct lc_err *err);

#endif
