/* dkg_combine.c - TEST TOOL: from key shares fetched off the hosts, rebuild the group secret and run a threshold ElGamal decryption. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "dkg.h"
#include "fileio.h"
#include "hex.h"
#include "transcript.h"
#include "vss.h"
#include "banned.h"

/*
 * dkg_combine TRANSCRIPT HOST=SHAREFILE...
 *
 * Only a test does this: a real lattice never brings shares together.
 * With the shares given (each checked against its member's verification
 * key in the transcript), prints
 *   reconstruct: the group key   (or: another key)
 *   elgamal: decrypted           (or: wrong plaintext)
 * where the ElGamal demo encrypts a random point to the group key and
 * decrypts it from the members' partial decryptions s_i * C1 combined
 * with Lagrange coefficients, never from the secret itself.  Exit 0 when
 * both worked, 1 when both failed (fewer than t shares), 2 on error.
 */
static int fail(const char *what)
{
	fprintf(stderr, "dkg_combine: %s\n", what);
	return 2;
}

int main(int argc, char **argv)
{
	struct lc_transcript tr;
	struct lc_buf b;
	struct lc_err err;
	uint8_t (*shares)[32], secret[32], pk[32];
	uint8_t m[32], msg[32], r[32], c1[32], c2[32], s[32], part[32], term[32], lam[32];
	unsigned idx[LC_DKGW_MAX_N], k = 0, i, j;
	int rebuilt, decrypted;

	if (argc < 3)
		return fail("usage: dkg_combine TRANSCRIPT HOST=SHAREFILE...");
	if (sodium_init() < 0)
		return fail("cannot initialise libsodium");
	lc_err_clear(&err);
	lc_buf_init(&b, LC_BUF_NOMAX);
	if (lc_read_file(&b, argv[1], 64 << 20, &err) || lc_tr_parse(&tr, b.ptr, b.len, &err) ||
	    lc_tr_verify(&tr, &err))
		return fail(err.msg);
	if (!(shares = sodium_malloc((size_t)tr.n * 32)))
		return fail("out of memory");
	for (i = 2; i < (unsigned)argc && k < tr.n; i++) {
		char *eq = strchr(argv[i], '=');

		if (!eq)
			return fail("give shares as HOST=FILE");
		*eq = '\0';
		for (j = 0; j < tr.n && strcmp(tr.m[j].host, argv[i]); j++)
			;
		if (j == tr.n)
			return fail("a host that is not a member");
		if (lc_read_file(&b, eq + 1, 256, &err) || b.len < 64 ||
		    lc_hex_decode_n(shares[k], 32, b.ptr))
			return fail("a share file is not 64 hex digits");
		if (lc_dkg_public_of(pk, shares[k]) || memcmp(pk, tr.m[j].vk, 32))
			return fail("a share does not match its member's verification key");
		idx[k++] = j + 1;
	}
	/* The secret itself, rebuilt (the test's proof; nothing real does this). */
	rebuilt = lc_dkg_combine(secret, idx, (const uint8_t (*)[32])shares, k, &err) == 0 &&
		  lc_dkg_public_of(pk, secret) == 0 && !memcmp(pk, tr.group_pk, 32);
	printf("reconstruct: %s\n", rebuilt ? "the group key" : "another key");
	/* ElGamal: M = m*B; (C1, C2) = (r*B, M + r*Y); each member gives s_i*C1. */
	crypto_core_ristretto255_scalar_random(m);
	crypto_core_ristretto255_scalar_random(r);
	if (crypto_scalarmult_ristretto255_base(msg, m) || crypto_scalarmult_ristretto255_base(c1, r) ||
	    crypto_scalarmult_ristretto255(s, r, tr.group_pk) || crypto_core_ristretto255_add(c2, msg, s))
		return fail("cannot encrypt");
	memset(s, 0, sizeof(s));
	for (i = 0; i < k; i++) {
		if (crypto_scalarmult_ristretto255(part, shares[i], c1) ||
		    lc_vss_lagrange0(lam, idx, k, i) ||
		    crypto_scalarmult_ristretto255(term, lam, part) || lc_vss_point_add(s, s, term))
			return fail("cannot combine the partial decryptions");
	}
	decrypted = crypto_core_ristretto255_sub(part, c2, s) == 0 && !memcmp(part, msg, 32);
	printf("elgamal: %s\n", decrypted ? "decrypted" : "wrong plaintext");
	sodium_free(shares);
	sodium_memzero(secret, sizeof(secret));
	lc_tr_release(&tr);
	lc_buf_release(&b);
	if (rebuilt && decrypted)
		return 0;
	return rebuilt || decrypted ? 2 : 1;
}
