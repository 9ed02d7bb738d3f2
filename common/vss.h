/* vss.h - Feldman VSS arithmetic over ristretto255, shared by the dealer, the agent's ceremony member and the coordinator. */
#ifndef LC_VSS_H
#define LC_VSS_H

#include <stddef.h>
#include <stdint.h>

#define LC_SCALAR_LEN 32 /* crypto_core_ristretto255_SCALARBYTES */
#define LC_POINT_LEN 32  /* crypto_core_ristretto255_BYTES */

/*
 * A polynomial f of degree t-1 over the scalar field is t coefficients
 * f_0..f_{t-1}, 32 bytes each, little-endian (the caller keeps them in
 * sodium_malloc memory).  Its Feldman commitments are C_k = f_k * B.
 * Member indices x are 1-based small integers.  The identity point
 * encodes as 32 zero bytes.  Every function returns 0 or -1 and calls
 * sodium_init() itself when needed (lc_vss_init).
 */

/* sodium_init(); -1 when libsodium cannot be used. */
int lc_vss_init(void);

/* A small integer as a scalar. */
void lc_vss_scalar_of_uint(uint8_t s[LC_SCALAR_LEN], unsigned v);

/* 1 when s is a canonical scalar (s < L), else 0.  libsodium's scalar
 * multiplication neither reduces nor checks, so outside input must be. */
int lc_vss_scalar_ok(const uint8_t s[LC_SCALAR_LEN]);

/* 1 when p decodes as a ristretto255 point other than the identity. */
int lc_vss_point_ok(const uint8_t p[LC_POINT_LEN]);

/* s * B; s = 0 gives the identity (which libsodium refuses to output). */
int lc_vss_base_mul(uint8_t out[LC_POINT_LEN], const uint8_t s[LC_SCALAR_LEN]);

/* a + b, either of which may be the identity. */
int lc_vss_point_add(uint8_t out[LC_POINT_LEN], const uint8_t a[LC_POINT_LEN],
		     const uint8_t b[LC_POINT_LEN]);

/* Fresh coefficients (never zero) and their commitments. */
int lc_vss_poly_random(uint8_t *coef, uint8_t (*commit)[LC_POINT_LEN], unsigned t);

/* f(x) by Horner's rule; out may alias nothing in coef.  Secret-safe:
 * the scratch lives in out itself. */
void lc_vss_poly_eval(uint8_t out[LC_SCALAR_LEN], const uint8_t *coef, unsigned t,
		      unsigned x);

/* sum_k x^k * C_k, the commitment to f(x). */
int lc_vss_commit_eval(uint8_t out[LC_POINT_LEN], const uint8_t (*commit)[LC_POINT_LEN],
		       unsigned t, unsigned x);

/* 0 when share is f(x) for the f committed to: share * B == sum_k x^k C_k
 * (every commitment a valid point, share canonical); -1 otherwise. */
int lc_vss_share_ok(const uint8_t (*commit)[LC_POINT_LEN], unsigned t, unsigned x,
		    const uint8_t share[LC_SCALAR_LEN]);

/* Lagrange coefficient at 0 of indices[i] among indices[0..k). */
int lc_vss_lagrange0(uint8_t lambda[LC_SCALAR_LEN], const unsigned *indices,
		     unsigned k, unsigned i);

#endif
