/* bls_internal.h - steps of EIP-2333/2335 exposed only so the unit tests can check published intermediates. */
#ifndef LC_BLS_INTERNAL_H
#define LC_BLS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* r, the order of G1, in hex (bls.c). */
extern const char lc_bls_r_hex[];

#define LC_LAMPORT_CHUNKS 255
#define LC_LAMPORT_CHUNK 32

/* EIP-2333 IKM_to_lamport_SK: 255 chunks of 32 bytes from HKDF-SHA256
 * with the given salt.  The caller wipes chunks. */
int lc_eip2333_lamport_sk(uint8_t chunks[LC_LAMPORT_CHUNKS][LC_LAMPORT_CHUNK],
			  const uint8_t *ikm, size_t ikm_len,
			  const uint8_t *salt, size_t salt_len,
			  struct lc_err *err);

/* EIP-2333 parent_SK_to_lamport_PK: the 32-byte compressed Lamport key. */
int lc_eip2333_lamport_pk(uint8_t out[32], const uint8_t parent[32],
			  uint32_t index, struct lc_err *err);

/* EIP-2335 password processing: NFKD, C0/C1/DEL stripped, UTF-8.  *out is
 * malloc'd (wipe with OPENSSL_cleanse, then free); *len may be 0. */
int lc_eip2335_password(uint8_t **out, size_t *len, const char *password,
			struct lc_err *err);

#endif
