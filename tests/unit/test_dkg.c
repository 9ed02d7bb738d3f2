/* test_dkg.c - property tests of the dealer DKG: shares verify, t of them recover the secret, t-1 do not. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "dkg.h"
#include "err.h"
#include "unit.h"
#include "banned.h"

#define RANDOM_SUBSETS 300

/* Does the secret combined from shares at idx[0..k) have public key group_pk? */
static int subset_gives_group_pk(const struct lc_dkg_public *pub,
				 uint8_t (*shares)[LC_SCALAR_LEN],
				 const unsigned *idx, unsigned k)
{
	uint8_t (*sel)[LC_SCALAR_LEN] = sodium_malloc((size_t)k * LC_SCALAR_LEN);
	uint8_t secret[LC_SCALAR_LEN], pk[LC_POINT_LEN];
	struct lc_err e;
	unsigned i;
	int same = -1;

	if (!sel)
		return -1;
	for (i = 0; i < k; i++)
		memcpy(sel[i], shares[idx[i] - 1], LC_SCALAR_LEN);
	lc_err_clear(&e);
	if (lc_dkg_combine(secret, idx, (const uint8_t(*)[LC_SCALAR_LEN])sel,
			   k, &e) != 0) {
		fprintf(stderr, "    combine: %s\n", e.msg);
		goto out;
	}
	/* A zero combination has no public key: it is certainly not group_pk. */
	if (lc_dkg_public_of(pk, secret) != 0)
		same = 0;
	else
		same = !memcmp(pk, pub->group_pk, LC_POINT_LEN);
out:
	sodium_memzero(secret, sizeof(secret));
	sodium_free(sel);
	return same;
}

/* Next k-subset of 1..n in lexicographic order; 0 when done. */
static int next_subset(unsigned *idx, unsigned k, unsigned n)
{
	unsigned i = k;

	while (i > 0 && idx[i - 1] == n - k + i)
		i--;
	if (i == 0)
		return 0;
	idx[i - 1]++;
	for (; i < k; i++)
		idx[i] = idx[i - 1] + 1;
	return 1;
}

/* k distinct random indices of 1..n, in random order (partial Fisher-Yates). */
static void random_subset(unsigned *idx, unsigned k, unsigned n)
{
	unsigned pool[LC_DKG_MAX_N], i, j, tmp;

	for (i = 0; i < n; i++)
		pool[i] = i + 1;
	for (i = 0; i < k; i++) {
		j = i + randombytes_uniform(n - i);
		tmp = pool[i];
		pool[i] = pool[j];
		pool[j] = tmp;
		idx[i] = pool[i];
	}
}

/* Every (n <= 7) or RANDOM_SUBSETS random k-subsets: count those giving group_pk. */
static void subsets(const struct lc_dkg_public *pub,
		    uint8_t (*shares)[LC_SCALAR_LEN], unsigned k, int expect,
		    int *tried, int *agreed)
{
	unsigned idx[LC_DKG_MAX_N], i;
	int r;

	*tried = *agreed = 0;
	if (pub->n <= 7) {
		for (i = 0; i < k; i++)
			idx[i] = i + 1;
		do {
			r = subset_gives_group_pk(pub, shares, idx, k);
			(*tried)++;
			*agreed += r == expect;
		} while (next_subset(idx, k, pub->n));
		return;
	}
	for (i = 0; i < RANDOM_SUBSETS; i++) {
		random_subset(idx, k, pub->n);
		r = subset_gives_group_pk(pub, shares, idx, k);
		(*tried)++;
		*agreed += r == expect;
	}
}

static unsigned long binomial(unsigned n, unsigned k)
{
	unsigned long r = 1;
	unsigned i;

	for (i = 1; i <= k; i++)
		r = r * (n - k + i) / i;
	return r;
}

static void one_dealing(unsigned t, unsigned n)
{
	struct lc_dkg_public *pub = calloc(1, sizeof(*pub));
	uint8_t (*shares)[LC_SCALAR_LEN] =
		sodium_malloc((size_t)n * LC_SCALAR_LEN);
	uint8_t bad[LC_SCALAR_LEN], pk[LC_POINT_LEN];
	struct lc_err e;
	unsigned i, other, all[LC_DKG_MAX_N];
	unsigned ok_verify = 0, ok_pk = 0, bad_rejected = 0, wrong_rejected = 0;
	int tried, agreed;

	if (!CHECK(pub && shares))
		goto out;
	lc_err_clear(&e);
	if (lc_dkg_deal(pub, shares, t, n, &e) != 0) {
		CHECKF(0, "deal %u-of-%u: %s", t, n, e.msg);
		goto out;
	}
	CHECK(pub->t == t && pub->n == n);
	CHECK(!memcmp(pub->commitments[0], pub->group_pk, LC_POINT_LEN));
	for (i = 1; i <= n; i++) {
		const uint8_t *s = shares[i - 1];

		ok_verify += lc_dkg_verify_share(pub, i, s) == 0;
		ok_pk += lc_dkg_public_of(pk, s) == 0 &&
			 !memcmp(pk, pub->member_pk[i - 1], LC_POINT_LEN);
		/* One flipped bit, at a position that varies with i. */
		memcpy(bad, s, sizeof(bad));
		bad[(i * 7) % LC_SCALAR_LEN] ^= (uint8_t)(1u << (i % 8));
		bad_rejected += lc_dkg_verify_share(pub, i, bad) != 0;
		/* The right share under the next member's index (past n when n = 1). */
		other = n == 1 ? 2 : i % n + 1;
		wrong_rejected += lc_dkg_verify_share(pub, other, s) != 0;
	}
	/* Bit 255 is ignored by scalar multiplication: verify must still refuse it. */
	memcpy(bad, shares[0], sizeof(bad));
	bad[31] ^= 0x80;
	CHECK(lc_dkg_verify_share(pub, 1, bad) != 0);
	CHECK(lc_dkg_verify_share(pub, 0, shares[0]) != 0);
	CHECKF(ok_verify == n, "%u-of-%u: %u/%u shares verify", t, n, ok_verify, n);
	CHECKF(ok_pk == n, "%u-of-%u: %u/%u member_pk match", t, n, ok_pk, n);
	CHECKF(bad_rejected == n, "%u-of-%u: %u/%u flipped shares rejected", t, n,
	       bad_rejected, n);
	CHECKF(wrong_rejected == n, "%u-of-%u: %u/%u wrong-index shares rejected",
	       t, n, wrong_rejected, n);

	subsets(pub, shares, t, 1, &tried, &agreed);
	CHECKF(agreed == tried, "%u-of-%u: %d/%d t-subsets give group_pk", t, n,
	       agreed, tried);
	if (n <= 7)
		CHECK((unsigned long)tried == binomial(n, t));
	printf("dkg %u-of-%u: %d subsets of size %u recover group_pk", t, n,
	       agreed, t);
	if (t > 1) {
		subsets(pub, shares, t - 1, 0, &tried, &agreed);
		CHECKF(agreed == tried, "%u-of-%u: %d/%d (t-1)-subsets miss group_pk",
		       t, n, agreed, tried);
		printf(", %d of size %u do not", agreed, t - 1);
	}
	printf("\n");
	/* All n shares together interpolate the same polynomial. */
	for (i = 0; i < n; i++)
		all[i] = i + 1;
	CHECK(subset_gives_group_pk(pub, shares, all, n) == 1);
out:
	sodium_memzero(bad, sizeof(bad));
	sodium_free(shares);
	free(pub);
}

static int err_set(const struct lc_err *e)
{
	return e->msg[0] != '\0';
}

static void bad_input(void)
{
	struct lc_dkg_public *pub = calloc(1, sizeof(*pub));
	uint8_t (*shares)[LC_SCALAR_LEN] =
		sodium_malloc((size_t)(LC_DKG_MAX_N + 1) * LC_SCALAR_LEN);
	uint8_t secret[LC_SCALAR_LEN];
	unsigned dup[3] = { 1, 2, 1 }, zero[2] = { 0, 1 }, big[2] = { 1, 256 };
	struct lc_err e;

	if (!CHECK(pub && shares))
		goto out;
	lc_err_clear(&e);
	CHECK(lc_dkg_deal(pub, shares, 0, 3, &e) == -1 && err_set(&e));
	printf("t=0: %s\n", e.msg);
	lc_err_clear(&e);
	CHECK(lc_dkg_deal(pub, shares, 4, 3, &e) == -1 && err_set(&e));
	printf("t>n: %s\n", e.msg);
	lc_err_clear(&e);
	CHECK(lc_dkg_deal(pub, shares, 2, LC_DKG_MAX_N + 1, &e) == -1 &&
	      err_set(&e));
	printf("n>max: %s\n", e.msg);
	lc_err_clear(&e);
	CHECK(lc_dkg_deal(pub, shares, 0, 0, &e) == -1 && err_set(&e));

	CHECK(lc_dkg_deal(pub, shares, 2, 3, &e) == 0);
	lc_err_clear(&e);
	CHECK(lc_dkg_combine(secret, dup, (const uint8_t(*)[LC_SCALAR_LEN])shares,
			     3, &e) == -1 && err_set(&e));
	printf("duplicate: %s\n", e.msg);
	lc_err_clear(&e);
	CHECK(lc_dkg_combine(secret, zero, (const uint8_t(*)[LC_SCALAR_LEN])shares,
			     2, &e) == -1 && err_set(&e));
	printf("index 0: %s\n", e.msg);
	lc_err_clear(&e);
	CHECK(lc_dkg_combine(secret, big, (const uint8_t(*)[LC_SCALAR_LEN])shares,
			     2, &e) == -1 && err_set(&e));
	lc_err_clear(&e);
	CHECK(lc_dkg_combine(secret, dup, (const uint8_t(*)[LC_SCALAR_LEN])shares,
			     0, &e) == -1 && err_set(&e));
	/* A non-canonical share (>= L) is refused rather than reduced. */
	memset(shares[1], 0xff, LC_SCALAR_LEN);
	lc_err_clear(&e);
	CHECK(lc_dkg_combine(secret, dup, (const uint8_t(*)[LC_SCALAR_LEN])shares,
			     2, &e) == -1 && err_set(&e));
	/* verify_share outside 1..n. */
	CHECK(lc_dkg_verify_share(pub, 0, shares[0]) == -1);
	CHECK(lc_dkg_verify_share(pub, 4, shares[0]) == -1);
	/* public_of: zero has no public key. */
	memset(secret, 0, sizeof(secret));
	CHECK(lc_dkg_public_of(pub->group_pk, secret) == -1);
out:
	sodium_memzero(secret, sizeof(secret));
	sodium_free(shares);
	free(pub);
}

/* Interpolation by hand: f(x) = 5 + 3x, shares f(1)=8, f(2)=11 give f(0)=5. */
static void known_polynomial(void)
{
	uint8_t sh[2][LC_SCALAR_LEN] = { { 8 }, { 11 } }, secret[LC_SCALAR_LEN];
	unsigned idx[2] = { 2, 1 };
	uint8_t swapped[2][LC_SCALAR_LEN] = { { 11 }, { 8 } };
	struct lc_err e;

	lc_err_clear(&e);
	CHECK(lc_dkg_combine(secret, idx, (const uint8_t(*)[LC_SCALAR_LEN])swapped,
			     2, &e) == 0);
	CHECK(secret[0] == 5 && sodium_is_zero(secret + 1, LC_SCALAR_LEN - 1));
	idx[0] = 1;
	idx[1] = 2;
	CHECK(lc_dkg_combine(secret, idx, (const uint8_t(*)[LC_SCALAR_LEN])sh, 2,
			     &e) == 0);
	CHECK(secret[0] == 5 && sodium_is_zero(secret + 1, LC_SCALAR_LEN - 1));
}

void unit_main(int argc, char **argv)
{
	static const unsigned tn[][2] = { { 1, 1 }, { 2, 3 }, { 3, 5 },
					  { 5, 7 }, { 7, 7 }, { 17, 33 } };
	size_t i;

	(void)argc;
	(void)argv;
	if (sodium_init() < 0) {
		CHECK(!"sodium_init");
		return;
	}
	known_polynomial();
	bad_input();
	for (i = 0; i < sizeof(tn) / sizeof(tn[0]); i++)
		one_dealing(tn[i][0], tn[i][1]);
}
