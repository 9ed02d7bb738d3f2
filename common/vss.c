/* vss.c - Feldman VSS arithmetic over ristretto255 (libsodium): polynomials, commitments, share checks, Lagrange. */
#include <string.h>

#include <sodium.h>

#include "vss.h"
#include "banned.h"

int lc_vss_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

void lc_vss_scalar_of_uint(uint8_t s[LC_SCALAR_LEN], unsigned v)
{
	memset(s, 0, LC_SCALAR_LEN);
	s[0] = (uint8_t)v;
	s[1] = (uint8_t)(v >> 8);
	s[2] = (uint8_t)(v >> 16);
	s[3] = (uint8_t)(v >> 24);
}

int lc_vss_scalar_ok(const uint8_t s[LC_SCALAR_LEN])
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

int lc_vss_point_ok(const uint8_t p[LC_POINT_LEN])
{
	return !sodium_is_zero(p, LC_POINT_LEN) &&
	       crypto_core_ristretto255_is_valid_point(p);
}

int lc_vss_base_mul(uint8_t out[LC_POINT_LEN], const uint8_t s[LC_SCALAR_LEN])
{
	if (sodium_is_zero(s, LC_SCALAR_LEN)) {
		memset(out, 0, LC_POINT_LEN);
		return 0;
	}
	return crypto_scalarmult_ristretto255_base(out, s) == 0 ? 0 : -1;
}

int lc_vss_point_add(uint8_t out[LC_POINT_LEN], const uint8_t a[LC_POINT_LEN],
		     const uint8_t b[LC_POINT_LEN])
{
	uint8_t r[LC_POINT_LEN];

	if (sodium_is_zero(a, LC_POINT_LEN)) {
		memmove(out, b, LC_POINT_LEN);
		return 0;
	}
	if (sodium_is_zero(b, LC_POINT_LEN)) {
		memmove(out, a, LC_POINT_LEN);
		return 0;
	}
	if (crypto_core_ristretto255_add(r, a, b) != 0)
		return -1;
	memcpy(out, r, LC_POINT_LEN);
	return 0;
}

int lc_vss_poly_random(uint8_t *coef, uint8_t (*commit)[LC_POINT_LEN], unsigned t)
{
	unsigned k;

	if (lc_vss_init() < 0)
		return -1;
	/* scalar_random never returns zero, so no commitment is the identity. */
	for (k = 0; k < t; k++) {
		crypto_core_ristretto255_scalar_random(coef + (size_t)k * LC_SCALAR_LEN);
		if (crypto_scalarmult_ristretto255_base(commit[k],
							coef + (size_t)k * LC_SCALAR_LEN) != 0)
			return -1;
	}
	return 0;
}

void lc_vss_poly_eval(uint8_t out[LC_SCALAR_LEN], const uint8_t *coef, unsigned t,
		      unsigned x)
{
	uint8_t xs[LC_SCALAR_LEN], prod[LC_SCALAR_LEN];
	unsigned k;

	/* f(x) = (..(f_{t-1} x + f_{t-2}) x + ..) x + f_0 */
	lc_vss_scalar_of_uint(xs, x);
	memcpy(out, coef + (size_t)(t - 1) * LC_SCALAR_LEN, LC_SCALAR_LEN);
	for (k = t - 1; k-- > 0;) {
		crypto_core_ristretto255_scalar_mul(prod, out, xs);
		crypto_core_ristretto255_scalar_add(out, prod, coef + (size_t)k * LC_SCALAR_LEN);
	}
	sodium_memzero(prod, sizeof(prod));
}

int lc_vss_commit_eval(uint8_t out[LC_POINT_LEN], const uint8_t (*commit)[LC_POINT_LEN],
		       unsigned t, unsigned x)
{
	uint8_t xs[LC_SCALAR_LEN], acc[LC_POINT_LEN], tmp[LC_POINT_LEN];
	unsigned k;

	/* Horner on points: acc = C_{t-1}; acc = x * acc + C_k. */
	lc_vss_scalar_of_uint(xs, x);
	memcpy(acc, commit[t - 1], LC_POINT_LEN);
	for (k = t - 1; k-- > 0;) {
		if (sodium_is_zero(acc, LC_POINT_LEN))
			memset(tmp, 0, sizeof(tmp)); /* x * O = O */
		else if (crypto_scalarmult_ristretto255(tmp, xs, acc) != 0)
			return -1;
		if (lc_vss_point_add(acc, tmp, commit[k]) != 0)
			return -1;
	}
	memcpy(out, acc, LC_POINT_LEN);
	return 0;
}

int lc_vss_share_ok(const uint8_t (*commit)[LC_POINT_LEN], unsigned t, unsigned x,
		    const uint8_t share[LC_SCALAR_LEN])
{
	uint8_t lhs[LC_POINT_LEN], rhs[LC_POINT_LEN];
	unsigned k;

	if (lc_vss_init() < 0 || t < 1 || x < 1)
		return -1;
	for (k = 0; k < t; k++)
		if (!crypto_core_ristretto255_is_valid_point(commit[k]))
			return -1;
	if (!lc_vss_scalar_ok(share) || lc_vss_base_mul(lhs, share) != 0 ||
	    lc_vss_commit_eval(rhs, commit, t, x) != 0)
		return -1;
	return sodium_memcmp(lhs, rhs, LC_POINT_LEN) == 0 ? 0 : -1;
}

int lc_vss_lagrange0(uint8_t lambda[LC_SCALAR_LEN], const unsigned *indices,
		     unsigned k, unsigned i)
{
	uint8_t num[LC_SCALAR_LEN], den[LC_SCALAR_LEN], xi[LC_SCALAR_LEN];
	uint8_t xj[LC_SCALAR_LEN], diff[LC_SCALAR_LEN], tmp[LC_SCALAR_LEN];
	unsigned j;

	/* lambda_i = prod_{j != i} x_j / (x_j - x_i) */
	lc_vss_scalar_of_uint(num, 1);
	lc_vss_scalar_of_uint(den, 1);
	lc_vss_scalar_of_uint(xi, indices[i]);
	for (j = 0; j < k; j++) {
		if (j == i)
			continue;
		lc_vss_scalar_of_uint(xj, indices[j]);
		crypto_core_ristretto255_scalar_mul(tmp, num, xj);
		memcpy(num, tmp, sizeof(num));
		crypto_core_ristretto255_scalar_sub(diff, xj, xi);
		crypto_core_ristretto255_scalar_mul(tmp, den, diff);
		memcpy(den, tmp, sizeof(den));
	}
	if (crypto_core_ristretto255_scalar_invert(tmp, den) != 0)
		return -1; /* den = 0 only with a repeated index */
	crypto_core_ristretto255_scalar_mul(lambda, num, tmp);
	return 0;
}
