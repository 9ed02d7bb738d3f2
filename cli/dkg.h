/* dkg.h - Feldman verifiable secret sharing over ristretto255: the trusted-dealer DKG. */
#ifndef LC_DKG_H
#define LC_DKG_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "vss.h"

#define LC_DKG_MAX_N 255

/*
 * The public side of a t-of-n DKG, dealt (below) or made by the ceremony
 * (ceremony.h), whose transcript is reduced to this shape.
 *
 * A dealing for a t-of-n committee.  Member i (1-based) holds the share
 * s_i = f(i) of a random polynomial f of degree t-1 over the ristretto255
 * scalar field; the group secret is f(0).  Public, recorded in state and
 * in the LatticeConfig:
 *   commitments[k] = f_k * B for k in 0..t-1 (Feldman commitments),
 *   group_pk       = commitments[0] = f(0) * B,
 *   member_pk[i-1] = s_i * B, each member's public verification key.
 */
struct lc_dkg_public {
	unsigned t, n;
	uint8_t commitments[LC_DKG_MAX_N][LC_POINT_LEN];
	uint8_t group_pk[LC_POINT_LEN];
	uint8_t member_pk[LC_DKG_MAX_N][LC_POINT_LEN];
};

/*
 * Deal: fills pub and shares[0..n-1] (the caller passes memory from
 * sodium_malloc of n * 32 bytes).  Every share is verified against the
 * commitments before this returns; the polynomial is wiped.  Requires
 * 1 <= t <= n <= LC_DKG_MAX_N.
 */
int lc_dkg_deal(struct lc_dkg_public *pub, uint8_t (*shares)[LC_SCALAR_LEN],
		unsigned t, unsigned n, struct lc_err *err);

/* 0 when share is member index's (1-based) share under pub's commitments:
 * share * B == sum_k index^k * commitments[k]; -1 otherwise. */
int lc_dkg_verify_share(const struct lc_dkg_public *pub, unsigned index,
			const uint8_t share[LC_SCALAR_LEN]);

/* Lagrange interpolation at 0 from k shares with distinct 1-based indices.
 * The result is the group secret only when k >= t. */
int lc_dkg_combine(uint8_t secret[LC_SCALAR_LEN], const unsigned *indices,
		   const uint8_t (*shares)[LC_SCALAR_LEN], unsigned k,
		   struct lc_err *err);

/* The public key of a scalar: s * B (crypto_scalarmult_ristretto255_base). */
int lc_dkg_public_of(uint8_t pk[LC_POINT_LEN], const uint8_t s[LC_SCALAR_LEN]);

#endif
