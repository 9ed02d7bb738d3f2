/* dkg.c - trusted-dealer Feldman VSS over ristretto255: deal, verify a share, combine shares. */
#include <string.h>

#include <sodium.h>

#include "dkg.h"
#include "err.h"
#include "banned.h"

/*
 * Every entry point calls sodium_init() itself (it is idempotent and
 * thread-safe after the first call), so callers need not.
 */
static int sodium_ready(struct lc_err *err)
{
	if (sodium_init() < 0) {
		if (err)
			lc_err_set(err, "cannot initialise libsodium");
		return -1;
	}
	return 0;
}

/* A small integer as a little-endian scalar. */
static void scalar_of_uint(uint8_t s[LC_SCALAR_LEN], unsigned v)
{
	memset(s, 0, LC_SCALAR_LEN);
	s[0] = (uint8_t)v;
	s[1] = (uint8_t)(v >> 8);
	s[2] = (uint8_t)(v >> 16);
	s[3] = (uint8_t)(v >> 24);
}

/*
 * 1 when s is the canonical encoding of a scalar (s < L).  libsodium's
 * scalar multiplication ignores the top bit and does not reduce, so a
 * share must be checked before it is trusted.
 */
static int scalar_is_canonical(const uint8_t s[LC_SCALAR_LEN])
{
	uint8_t wide[crypto_core_ristretto255_NONREDUCEDSCALARBYTES];
	uint8_t red[LC_SCALAR_LEN];
	int ok;

	memset(wide, 0, sizeof(wide));
	memcpy(wide, s, LC_SCALAR_LEN);
	crypto_core_ristretto255_scalar_reduce(red, wide);
	ok = sodium_memcmp(red, s, LC_SCALAR_LEN) == 0;
	sodium_memzero(wide, sizeof(wide));
	sodium_memzero(red, sizeof(red));
	return ok;
}

/* The identity element encodes as 32 zero bytes. */
static int point_is_identity(const uint8_t p[LC_POINT_LEN])
{
	return sodium_is_zero(p, LC_POINT_LEN);
}

/* s * B, where s = 0 gives the identity (libsodium refuses that product). */
static int base_mul(uint8_t out[LC_POINT_LEN], const uint8_t s[LC_SCALAR_LEN])
{
	if (sodium_is_zero(s, LC_SCALAR_LEN)) {
		memset(out, 0, LC_POINT_LEN);
		return 0;
	}
	return crypto_scalarmult_ristretto255_base(out, s);
}

int lc_dkg_public_of(uint8_t pk[LC_POINT_LEN], const uint8_t s[LC_SCALAR_LEN])
{
	if (sodium_ready(NULL) < 0 || !scalar_is_canonical(s))
		return -1;
	return crypto_scalarmult_ristretto255_base(pk, s) == 0 ? 0 : -1;
}

/*
 * sum_k index^k * C_k by Horner's rule on points:
 * acc = C_{t-1}; acc = index * acc + C_k for k = t-2 .. 0.
 */
static int commitment_eval(uint8_t out[LC_POINT_LEN],
			   const struct lc_dkg_public *pub, unsigned index)
{
	uint8_t x[LC_SCALAR_LEN], acc[LC_POINT_LEN], tmp[LC_POINT_LEN];
	unsigned k;
	int rc = -1;

	scalar_of_uint(x, index);
	memcpy(acc, pub->commitments[pub->t - 1], LC_POINT_LEN);
	for (k = pub->t - 1; k-- > 0;) {
		if (point_is_identity(acc))
			memset(tmp, 0, sizeof(tmp)); /* index * O = O */
		else if (crypto_scalarmult_ristretto255(tmp, x, acc) != 0)
			goto out;
		if (crypto_core_ristretto255_add(acc, tmp,
						 pub->commitments[k]) != 0)
			goto out;
	}
	memcpy(out, acc, LC_POINT_LEN);
	rc = 0;
out:
	return rc;
}

int lc_dkg_verify_share(const struct lc_dkg_public *pub, unsigned index,
			const uint8_t share[LC_SCALAR_LEN])
{
	uint8_t lhs[LC_POINT_LEN], rhs[LC_POINT_LEN];
	unsigned k;

	if (sodium_ready(NULL) < 0)
		return -1;
	if (pub->t < 1 || pub->t > pub->n || pub->n > LC_DKG_MAX_N ||
	    index < 1 || index > pub->n)
		return -1;
	for (k = 0; k < pub->t; k++)
		if (!crypto_core_ristretto255_is_valid_point(pub->commitments[k]))
			return -1;
	if (!scalar_is_canonical(share) || base_mul(lhs, share) != 0)
		return -1;
	if (commitment_eval(rhs, pub, index) != 0)
		return -1;
	return sodium_memcmp(lhs, rhs, LC_POINT_LEN) == 0 ? 0 : -1;
}

/*
 * Workspace layout in one sodium_malloc block: the t coefficients, then
 * two scratch scalars for Horner's rule.
 */
int lc_dkg_deal(struct lc_dkg_public *pub, uint8_t (*shares)[LC_SCALAR_LEN],
		unsigned t, unsigned n, struct lc_err *err)
{
	uint8_t *ws = NULL, *coef, *acc, *prod;
	uint8_t x[LC_SCALAR_LEN];
	unsigned i, k;
	int rc = -1;

	if (sodium_ready(err) < 0)
		return -1;
	if (n < 1 || n > LC_DKG_MAX_N)
		return lc_err_set(err, "committee size %u out of range 1..%d", n,
				  LC_DKG_MAX_N);
	if (t < 1 || t > n)
		return lc_err_set(err, "threshold %u out of range 1..%u", t, n);
	ws = sodium_malloc(((size_t)t + 2) * LC_SCALAR_LEN);
	if (!ws) {
		lc_err_setc(err, LC_ERR_NOMEM,
			    "cannot allocate secure memory for the polynomial");
		goto out;
	}
	coef = ws;
	acc = ws + (size_t)t * LC_SCALAR_LEN;
	prod = acc + LC_SCALAR_LEN;

	memset(pub, 0, sizeof(*pub));
	pub->t = t;
	pub->n = n;
	/* scalar_random never returns zero, so no commitment is the identity. */
	for (k = 0; k < t; k++) {
		crypto_core_ristretto255_scalar_random(coef + k * LC_SCALAR_LEN);
		if (crypto_scalarmult_ristretto255_base(
			    pub->commitments[k], coef + k * LC_SCALAR_LEN) != 0) {
			lc_err_set(err, "cannot commit to coefficient %u", k);
			goto out;
		}
	}
	memcpy(pub->group_pk, pub->commitments[0], LC_POINT_LEN);

	for (i = 1; i <= n; i++) {
		/* f(i) = (..(f_{t-1} * i + f_{t-2}) * i + ..) + f_0 */
		scalar_of_uint(x, i);
		memcpy(acc, coef + (size_t)(t - 1) * LC_SCALAR_LEN,
		       LC_SCALAR_LEN);
		for (k = t - 1; k-- > 0;) {
			crypto_core_ristretto255_scalar_mul(prod, acc, x);
			crypto_core_ristretto255_scalar_add(
				acc, prod, coef + (size_t)k * LC_SCALAR_LEN);
		}
		memcpy(shares[i - 1], acc, LC_SCALAR_LEN);
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
	sodium_free(ws); /* wipes before freeing; NULL-safe */
	sodium_memzero(x, sizeof(x));
	if (rc != 0 && shares && n >= 1 && n <= LC_DKG_MAX_N)
		sodium_memzero(shares, (size_t)n * LC_SCALAR_LEN);
	return rc;
}

/*
 * Lagrange coefficient at 0 for x_i among xs:
 * lambda_i = prod_{j != i} x_j / (x_j - x_i).
 */
static int lagrange_at_zero(uint8_t lambda[LC_SCALAR_LEN],
			    const unsigned *indices, unsigned k, unsigned i)
{
	uint8_t num[LC_SCALAR_LEN], den[LC_SCALAR_LEN], xi[LC_SCALAR_LEN];
	uint8_t xj[LC_SCALAR_LEN], diff[LC_SCALAR_LEN], tmp[LC_SCALAR_LEN];
	unsigned j;
	int rc = -1;

	scalar_of_uint(num, 1);
	scalar_of_uint(den, 1);
	scalar_of_uint(xi, indices[i]);
	for (j = 0; j < k; j++) {
		if (j == i)
			continue;
		scalar_of_uint(xj, indices[j]);
		crypto_core_ristretto255_scalar_mul(tmp, num, xj);
		memcpy(num, tmp, sizeof(num));
		crypto_core_ristretto255_scalar_sub(diff, xj, xi);
		crypto_core_ristretto255_scalar_mul(tmp, den, diff);
		memcpy(den, tmp, sizeof(den));
	}
	if (crypto_core_ristretto255_scalar_invert(tmp, den) != 0)
		goto out; /* den = 0 only with a repeated index */
	crypto_core_ristretto255_scalar_mul(lambda, num, tmp);
	rc = 0;
out:
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
		if (!scalar_is_canonical(shares[i]))
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
		if (lagrange_at_zero(lambda, indices, k, i) != 0) {
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
