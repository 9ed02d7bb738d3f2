/* dkgwire.h - the DKG ceremony's signed messages: the definition hash, what each message signs, the share box. */
#ifndef LC_DKGWIRE_H
#define LC_DKGWIRE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "vss.h"

/*
 * Shared by the agent (the members) and latticectl (the coordinator and
 * `dkg verify`), so both sides sign and check the same bytes.  The
 * protocol (agent/PROTOCOL.md, "The DKG ceremony"; cli/ceremony.h):
 *
 *   round 0  each member makes a fresh X25519 transport key and Ed25519
 *            ceremony key; every member signs the definition hash;
 *   round 1  member i signs its commitments C_i and, for each j, a box
 *            holding f_i(j) for member j (crypto_box with i's and j's
 *            transport keys, the nonce derived from the definition);
 *   round 2  member j opens and checks its boxes and signs its verdict
 *            (the senders it complains about); an accused member reveals
 *            the share, signed, or is disqualified;
 *   finish   member j signs the qualified set, the group key and its
 *            verification key.
 *
 * Every signature is Ed25519 over a 32-byte BLAKE3 digest derived with a
 * context string per message kind over the definition hash first, so no
 * signature means anything in another ceremony (a new id and new keys)
 * or as another kind of message.
 */
#define LC_DKGW_VERSION 1
#define LC_DKGW_CID_LEN 32
#define LC_DKGW_HASH_LEN 32
#define LC_DKGW_PK_LEN 32   /* X25519 and Ed25519 public keys */
#define LC_DKGW_SIG_LEN 64
#define LC_DKGW_BOX_LEN 48  /* crypto_box_MACBYTES + a scalar */
#define LC_DKGW_MAX_N 128   /* members: a round-1 reply fits one protocol line */
#define LC_DKGW_HOST_MAX 256

struct lc_dkgw_member {
	const char *host;                    /* as in the manifest */
	uint8_t transport_pk[LC_DKGW_PK_LEN]; /* X25519 */
	uint8_t ceremony_pk[LC_DKGW_PK_LEN];  /* Ed25519 */
};

/* What every member signs before round 1. */
struct lc_dkgw_def {
	unsigned version;            /* LC_DKGW_VERSION */
	uint8_t cid[LC_DKGW_CID_LEN]; /* the ceremony id, fresh per run */
	const char *lattice, *organism, *role;
	unsigned t, n;
	const struct lc_dkgw_member *members; /* n, member i at [i-1] */
};

/*
 * The definition hash: BLAKE3 (derive_key) over a length-prefixed
 * encoding of every field.  Checks the shape first: 1 <= t <= n <=
 * LC_DKGW_MAX_N, names present and short, no key used twice.
 */
int lc_dkgw_def_hash(uint8_t out[LC_DKGW_HASH_LEN], const struct lc_dkgw_def *d,
		     struct lc_err *err);

/* The digests members sign (indices 1-based). */
void lc_dkgw_msg_definition(uint8_t out[32], const uint8_t defhash[32]);
void lc_dkgw_msg_commit(uint8_t out[32], const uint8_t defhash[32], unsigned from,
			const uint8_t (*commit)[LC_POINT_LEN], unsigned t);
void lc_dkgw_msg_share(uint8_t out[32], const uint8_t defhash[32], unsigned from,
		       unsigned to, const uint8_t box[LC_DKGW_BOX_LEN]);
/* accused: sorted ascending, k of them (0: the member accepts every share). */
void lc_dkgw_msg_verdict(uint8_t out[32], const uint8_t defhash[32], unsigned member,
			 const unsigned *accused, unsigned k);
void lc_dkgw_msg_reveal(uint8_t out[32], const uint8_t defhash[32], unsigned from,
			unsigned to, const uint8_t share[LC_SCALAR_LEN]);
/* qual: sorted ascending, k of them. */
void lc_dkgw_msg_final(uint8_t out[32], const uint8_t defhash[32], unsigned member,
		       const unsigned *qual, unsigned k,
		       const uint8_t group_pk[LC_POINT_LEN], const uint8_t vk[LC_POINT_LEN]);

/* Ed25519 over a digest; sk is libsodium's 64-byte secret key. */
void lc_dkgw_sign(uint8_t sig[LC_DKGW_SIG_LEN], const uint8_t digest[32],
		  const uint8_t *sk);
/* 1 when sig is pk's signature of digest. */
int lc_dkgw_sig_ok(const uint8_t sig[LC_DKGW_SIG_LEN], const uint8_t digest[32],
		   const uint8_t pk[LC_DKGW_PK_LEN]);

/* Box share for member to from member from: 0, or -1 (a bad public key). */
int lc_dkgw_box(uint8_t box[LC_DKGW_BOX_LEN], const uint8_t share[LC_SCALAR_LEN],
		const uint8_t defhash[32], unsigned from, unsigned to,
		const uint8_t to_pk[LC_DKGW_PK_LEN], const uint8_t *from_sk);
/* Open it: 0, or -1 when it was not made for this pair in this ceremony. */
int lc_dkgw_unbox(uint8_t share[LC_SCALAR_LEN], const uint8_t box[LC_DKGW_BOX_LEN],
		  const uint8_t defhash[32], unsigned from, unsigned to,
		  const uint8_t from_pk[LC_DKGW_PK_LEN], const uint8_t *to_sk);

#endif
