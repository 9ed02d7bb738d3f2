/* dkg.c - trusted-dealer Feldman VSS over ristretto255: deal, verify a share, combine shares (arithmetic in common/vss.c). */
#include <string.h>

#include <sodium.h>

#include "dkg.h"
#include "err.h"
#include "vss.h"
#include "banned.h"

static int sodium_ready(struct lc_err *err)
{
	if (lc_vss_init() < 0) {
		if (err)
			lc_err_set(err, "cannot initialise libsodium");
		return -1;
	}
	return 0;
}

int lc_dkg_public_of(uint8_t pk[LC_POINT_LEN], const uint8_t s[LC_SCALAR_LEN])
{
	if (sodium_ready(NULL) < 0 || !lc_vss_scalar_ok(s))
		return -1;
	return crypto_scalarmult_ristretto255_base(pk, s) == 0 ? 0 : -1;
}

int lc_dkg_verify_share(const struct lc_dkg_public *pub, unsigned index,
			const uint8_t share[LC_SCALAR_LEN])
{
	if (pub->t < 1 || pub->t > pub->n || pub->n > LC_DKG_MAX_N ||
	    index < 1 || index > pub->n)
		return -1;
	return lc_vss_share_ok((const uint8_t (*)[LC_POINT_LEN])pub->commitments, pub->t,
			       index, share);
}

int lc_dkg_deal(struct lc_dkg_public *pub, uint8_t (*shares)[LC_SCALAR_LEN],
		unsigned t, unsigned n, struct lc_err *err)
{
	uint8_t *coef = NULL;
	unsigned i;
	int rc = -1;

	if (sodium_ready(err) < 0)
		return -1;
	if (n < 1 || n > LC_DKG_MAX_N)
		return lc_err_set(err, "committee size %u out of range 1..%d", n,
				  LC_DKG_MAX_N);
	if (t < 1 || t > n)
		return lc_err_set(err, "threshold %u out of range 1..%u", t, n);
	if (!(coef = sodium_malloc((size_t)t * LC_SCALAR_LEN))) {
		lc_err_setc(err, LC_ERR_NOMEM,
			    "cannot allocate secure memory for the polynomial");
		goto out;
	}
	memset(pub, 0, sizeof(*pub));
	pub->t = t;
	pub->n = n;
	if (lc_vss_poly_random(coef, pub->commitments, t) != 0) {
		lc_err_set(err, "cannot commit to the polynomial");
		goto out;
	}
	memcpy(pub->group_pk, pub->commitments[0], LC_POINT_LEN);
	for (i = 1; i <= n; i++) {
		lc_vss_poly_eval(shares[i - 1], coef, t, i);
		if (crypto_scalarmult_ristretto255_base(pub->member_pk[i - 1],
							shares[i - 1]) != 0) {
			/* f(i) = 0: probability about n / 2^252. */
			lc_err_set(err, "share %u is zero; deal again", i);
			goto out;
		}
	}
	for (i = 1; i <= n; i++) {
		if (lc_dkg_verify_share(pub, i, shares[i - 1]) != 0) {
			lc_err_set(err, "share %u does not verify against the "
				   "commitments", i);
			goto out;
		}
	}
	rc = 0;
out:
	sodium_free(coef); /* wipes before freeing; NULL-safe */
	if (rc != 0 && shares && n >= 1 && n <= LC_DKG_MAX_N)
		sodium_memzero(shares, (size_t)n * LC_SCALAR_LEN);
	return rc;
}

int lc_dkg_combine(uint8_t secret[LC_SCALAR_LEN], const unsigned *indices,
		   const uint8_t (*shares)[LC_SCALAR_LEN], unsigned k,
		   struct lc_err *err)
{
	uint8_t *ws = NULL, *acc, *term, *sum;
	uint8_t lambda[LC_SCALAR_LEN];
	unsigned i, j;
	int rc = -1;

	if (sodium_ready(err) < 0)
		return -1;
	if (k < 1 || k > LC_DKG_MAX_N)
		return lc_err_set(err, "cannot combine %u shares: need 1..%d", k,
				  LC_DKG_MAX_N);
	for (i = 0; i < k; i++) {
		if (indices[i] < 1 || indices[i] > LC_DKG_MAX_N)
			return lc_err_set(err, "share index %u out of range 1..%d",
					  indices[i], LC_DKG_MAX_N);
		for (j = 0; j < i; j++)
			if (indices[j] == indices[i])
				return lc_err_set(err, "share index %u given twice",
						  indices[i]);
		if (!lc_vss_scalar_ok(shares[i]))
			return lc_err_set(err, "share %u is not a canonical "
					  "scalar", indices[i]);
	}
	ws = sodium_malloc(3 * LC_SCALAR_LEN);
	if (!ws) {
		lc_err_setc(err, LC_ERR_NOMEM,
			    "cannot allocate secure memory for combining");
		goto out;
	}
	acc = ws;
	term = ws + LC_SCALAR_LEN;
	sum = term + LC_SCALAR_LEN;
	memset(acc, 0, LC_SCALAR_LEN);
	for (i = 0; i < k; i++) {
		if (lc_vss_lagrange0(lambda, indices, k, i) != 0) {
			lc_err_set(err, "cannot interpolate share %u", indices[i]);
			goto out;
		}
		crypto_core_ristretto255_scalar_mul(term, shares[i], lambda);
		crypto_core_ristretto255_scalar_add(sum, acc, term);
		memcpy(acc, sum, LC_SCALAR_LEN);
	}
	memcpy(secret, acc, LC_SCALAR_LEN);
	rc = 0;
out:
	sodium_free(ws);
	sodium_memzero(lambda, sizeof(lambda));
	return rc;
}
