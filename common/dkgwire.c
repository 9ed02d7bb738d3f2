/* dkgwire.c - the DKG ceremony's definition hash, message digests, signatures and share boxes. */
#include <string.h>

#include <sodium.h>

#include "blake3.h"
#include "dkgwire.h"
#include "banned.h"

#define CTX(kind) "latticectl 2026-05 dkg ceremony " kind " v1"

_Static_assert(LC_DKGW_BOX_LEN == crypto_box_MACBYTES + LC_SCALAR_LEN, "box size");
_Static_assert(LC_DKGW_PK_LEN == crypto_box_PUBLICKEYBYTES &&
	       LC_DKGW_PK_LEN == crypto_sign_PUBLICKEYBYTES &&
	       LC_DKGW_SIG_LEN == crypto_sign_BYTES, "key sizes");

static void put_u16(struct lc_blake3 *h, unsigned v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	lc_blake3_update(h, b, 2);
}

static void put_str(struct lc_blake3 *h, const char *s)
{
	size_t n = strlen(s);

	put_u16(h, (unsigned)n);
	lc_blake3_update(h, s, n);
}

static int name_ok(const char *s, size_t max)
{
	return s && *s && strlen(s) < max;
}

int lc_dkgw_def_hash(uint8_t out[LC_DKGW_HASH_LEN], const struct lc_dkgw_def *d,
		     struct lc_err *err)
{
	struct lc_blake3 h;
	unsigned i, j;

	if (d->version != LC_DKGW_VERSION)
		return lc_err_set(err, "ceremony version %u is not %d", d->version,
				  LC_DKGW_VERSION);
	if (d->n < 1 || d->n > LC_DKGW_MAX_N || d->t < 1 || d->t > d->n)
		return lc_err_set(err, "a %u-of-%u ceremony is out of range (1 <= t <= n <= %d)",
				  d->t, d->n, LC_DKGW_MAX_N);
	if (!name_ok(d->lattice, 254) || !name_ok(d->organism, 32) || !name_ok(d->role, 64))
		return lc_err_set(err, "the ceremony's lattice, organism or role is missing");
	for (i = 0; i < d->n; i++) {
		const struct lc_dkgw_member *a = &d->members[i];

		if (!name_ok(a->host, LC_DKGW_HOST_MAX))
			return lc_err_set(err, "member %u has no host name", i + 1);
		for (j = 0; j < i; j++) {
			const struct lc_dkgw_member *b = &d->members[j];

			if (!memcmp(a->transport_pk, b->transport_pk, LC_DKGW_PK_LEN) ||
			    !memcmp(a->ceremony_pk, b->ceremony_pk, LC_DKGW_PK_LEN))
				return lc_err_set(err, "members %u and %u have the same key",
						  j + 1, i + 1);
			if (!strcmp(a->host, b->host))
				return lc_err_set(err, "members %u and %u are the same host '%s'",
						  j + 1, i + 1, a->host);
		}
	}
	lc_blake3_init_derive_key(&h, CTX("definition"));
	put_u16(&h, d->version);
	lc_blake3_update(&h, d->cid, LC_DKGW_CID_LEN);
	put_str(&h, d->lattice);
	put_str(&h, d->organism);
	put_str(&h, d->role);
	put_u16(&h, d->t);
	put_u16(&h, d->n);
	for (i = 0; i < d->n; i++) {
		put_u16(&h, i + 1);
		put_str(&h, d->members[i].host);
		lc_blake3_update(&h, d->members[i].transport_pk, LC_DKGW_PK_LEN);
		lc_blake3_update(&h, d->members[i].ceremony_pk, LC_DKGW_PK_LEN);
	}
	lc_blake3_finalize(&h, out, LC_DKGW_HASH_LEN);
	lc_blake3_wipe(&h);
	return 0;
}

/* A digest of one kind of message: the context, the definition hash, then fields. */
static void msg_begin(struct lc_blake3 *h, const char *ctx, const uint8_t defhash[32])
{
	lc_blake3_init_derive_key(h, ctx);
	lc_blake3_update(h, defhash, LC_DKGW_HASH_LEN);
}

static void msg_end(struct lc_blake3 *h, uint8_t out[32])
{
	lc_blake3_finalize(h, out, 32);
	lc_blake3_wipe(h);
}

void lc_dkgw_msg_definition(uint8_t out[32], const uint8_t defhash[32])
{
	struct lc_blake3 h;

	msg_begin(&h, CTX("definition signature"), defhash);
	msg_end(&h, out);
}

void lc_dkgw_msg_commit(uint8_t out[32], const uint8_t defhash[32], unsigned from,
			const uint8_t (*commit)[LC_POINT_LEN], unsigned t)
{
	struct lc_blake3 h;

	msg_begin(&h, CTX("commitments"), defhash);
	put_u16(&h, from);
	put_u16(&h, t);
	lc_blake3_update(&h, commit, (size_t)t * LC_POINT_LEN);
	msg_end(&h, out);
}

void lc_dkgw_msg_share(uint8_t out[32], const uint8_t defhash[32], unsigned from,
		       unsigned to, const uint8_t box[LC_DKGW_BOX_LEN])
{
	struct lc_blake3 h;

	msg_begin(&h, CTX("share box"), defhash);
	put_u16(&h, from);
	put_u16(&h, to);
	lc_blake3_update(&h, box, LC_DKGW_BOX_LEN);
	msg_end(&h, out);
}

void lc_dkgw_msg_verdict(uint8_t out[32], const uint8_t defhash[32], unsigned member,
			 const unsigned *accused, unsigned k)
{
	struct lc_blake3 h;
	unsigned i;

	msg_begin(&h, CTX("verdict"), defhash);
	put_u16(&h, member);
	put_u16(&h, k);
	for (i = 0; i < k; i++)
		put_u16(&h, accused[i]);
	msg_end(&h, out);
}

void lc_dkgw_msg_reveal(uint8_t out[32], const uint8_t defhash[32], unsigned from,
			unsigned to, const uint8_t share[LC_SCALAR_LEN])
{
	struct lc_blake3 h;

	msg_begin(&h, CTX("revealed share"), defhash);
	put_u16(&h, from);
	put_u16(&h, to);
	lc_blake3_update(&h, share, LC_SCALAR_LEN);
	msg_end(&h, out);
}

void lc_dkgw_msg_final(uint8_t out[32], const uint8_t defhash[32], unsigned member,
		       const unsigned *qual, unsigned k,
		       const uint8_t group_pk[LC_POINT_LEN], const uint8_t vk[LC_POINT_LEN])
{
	struct lc_blake3 h;
	unsigned i;

	msg_begin(&h, CTX("result"), defhash);
	put_u16(&h, member);
	put_u16(&h, k);
	for (i = 0; i < k; i++)
		put_u16(&h, qual[i]);
	lc_blake3_update(&h, group_pk, LC_POINT_LEN);
	lc_blake3_update(&h, vk, LC_POINT_LEN);
	msg_end(&h, out);
}

void lc_dkgw_sign(uint8_t sig[LC_DKGW_SIG_LEN], const uint8_t digest[32],
		  const uint8_t *sk)
{
	crypto_sign_detached(sig, NULL, digest, 32, sk);
}

int lc_dkgw_sig_ok(const uint8_t sig[LC_DKGW_SIG_LEN], const uint8_t digest[32],
		   const uint8_t pk[LC_DKGW_PK_LEN])
{
	return crypto_sign_verify_detached(sig, digest, 32, pk) == 0;
}

/* The nonce of the box from -> to: unique per pair and ceremony. */
static void box_nonce(uint8_t nonce[crypto_box_NONCEBYTES], const uint8_t defhash[32],
		      unsigned from, unsigned to)
{
	struct lc_blake3 h;

	msg_begin(&h, CTX("share box nonce"), defhash);
	put_u16(&h, from);
	put_u16(&h, to);
	lc_blake3_finalize(&h, nonce, crypto_box_NONCEBYTES);
	lc_blake3_wipe(&h);
}

int lc_dkgw_box(uint8_t box[LC_DKGW_BOX_LEN], const uint8_t share[LC_SCALAR_LEN],
		const uint8_t defhash[32], unsigned from, unsigned to,
		const uint8_t to_pk[LC_DKGW_PK_LEN], const uint8_t *from_sk)
{
	uint8_t nonce[crypto_box_NONCEBYTES];

	box_nonce(nonce, defhash, from, to);
	return crypto_box_easy(box, share, LC_SCALAR_LEN, nonce, to_pk, from_sk) == 0 ? 0 : -1;
}

int lc_dkgw_unbox(uint8_t share[LC_SCALAR_LEN], const uint8_t box[LC_DKGW_BOX_LEN],
		  const uint8_t defhash[32], unsigned from, unsigned to,
		  const uint8_t from_pk[LC_DKGW_PK_LEN], const uint8_t *to_sk)
{
	uint8_t nonce[crypto_box_NONCEBYTES];

	box_nonce(nonce, defhash, from, to);
	return crypto_box_open_easy(share, box, LC_DKGW_BOX_LEN, nonce, from_pk, to_sk) == 0
		       ? 0 : -1;
}
