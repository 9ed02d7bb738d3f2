/* dkgmember.h - one member's side of the DKG ceremony: its keys, its polynomial, the shares it receives, its final share. */
#ifndef LC_DKGMEMBER_H
#define LC_DKGMEMBER_H

#include <stddef.h>
#include <stdint.h>

#include "dkgwire.h"
#include "err.h"

/*
 * The state machine a member runs (the agent, over one session; the
 * tests, in process): new -> define -> deal -> receive* -> verdict ->
 * (reveal | resolve)* -> finish.  Calls out of order fail.  Secrets (the
 * transport and ceremony secret keys, the polynomial, the shares received)
 * live in one sodium_malloc block, wiped by lc_dkgm_free.  Nothing here
 * touches a file: the caller stores the final share.
 */
struct lc_dkgm;

/* The outcome of receive: */
enum {
	LC_DKGM_ACCEPT = 0,   /* signed by the sender, opens, matches its commitments */
	LC_DKGM_COMPLAIN = 1, /* signed by the sender but wrong: a complaint against it */
	LC_DKGM_FORGED = 2,   /* not signed by the sender: altered or replayed in transit */
};

/* A member with fresh keys for ceremony cid, as member index of a t-of-n. */
int lc_dkgm_new(struct lc_dkgm **out, const uint8_t cid[LC_DKGW_CID_LEN], unsigned t,
		unsigned n, unsigned index, struct lc_err *err);
void lc_dkgm_free(struct lc_dkgm *m);

unsigned lc_dkgm_index(const struct lc_dkgm *m);
void lc_dkgm_keys(const struct lc_dkgm *m, uint8_t transport_pk[LC_DKGW_PK_LEN],
		  uint8_t ceremony_pk[LC_DKGW_PK_LEN]);

/* Check the definition (same id, t, n; our own keys at our index), keep
 * the members' keys, and sign its hash. */
int lc_dkgm_define(struct lc_dkgm *m, const struct lc_dkgw_def *def,
		   uint8_t defhash[LC_DKGW_HASH_LEN], uint8_t sig[LC_DKGW_SIG_LEN],
		   struct lc_err *err);

/* Sample the polynomial: t commitments and their signature, and for each
 * member j != ours a box with f(j) and its signature (boxes[j-1]). */
int lc_dkgm_deal(struct lc_dkgm *m, uint8_t (*commit)[LC_POINT_LEN],
		 uint8_t commit_sig[LC_DKGW_SIG_LEN], uint8_t (*boxes)[LC_DKGW_BOX_LEN],
		 uint8_t (*box_sigs)[LC_DKGW_SIG_LEN], struct lc_err *err);

/* Take sender from's round-1 message for us: LC_DKGM_* (why says what was
 * wrong), or -1 for a call that makes no sense (err). */
int lc_dkgm_receive(struct lc_dkgm *m, unsigned from, const uint8_t (*commit)[LC_POINT_LEN],
		    const uint8_t commit_sig[LC_DKGW_SIG_LEN],
		    const uint8_t box[LC_DKGW_BOX_LEN], const uint8_t box_sig[LC_DKGW_SIG_LEN],
		    char *why, size_t whylen, struct lc_err *err);

/* Our verdict, once: the senders we complain about (sorted, *k of them;
 * a sender never heard from counts) and its signature.  accused holds n. */
int lc_dkgm_verdict(struct lc_dkgm *m, unsigned *accused, unsigned *k,
		    uint8_t sig[LC_DKGW_SIG_LEN], struct lc_err *err);
/* Why we complained about sender from ("" when we did not). */
const char *lc_dkgm_why(const struct lc_dkgm *m, unsigned from);

/* Answer a complaint of member to: our share for it in the clear, signed. */
int lc_dkgm_reveal(struct lc_dkgm *m, unsigned to, uint8_t share[LC_SCALAR_LEN],
		   uint8_t sig[LC_DKGW_SIG_LEN], struct lc_err *err);

/* A share sender from revealed for us (with its commitments when they
 * did not reach us): checked against its signature and commitments. */
int lc_dkgm_resolve(struct lc_dkgm *m, unsigned from, const uint8_t (*commit)[LC_POINT_LEN],
		    const uint8_t commit_sig[LC_DKGW_SIG_LEN],
		    const uint8_t share[LC_SCALAR_LEN], const uint8_t sig[LC_DKGW_SIG_LEN],
		    struct lc_err *err);

/*
 * Finish over the qualified set qual (sorted, k >= t, ours among them or
 * not): our share x = sum of f_i(ours) over qual into share (the caller's
 * sodium_malloc memory), the group key sum C_i0, our verification key
 * x * B, and the signature of all three.
 */
int lc_dkgm_finish(struct lc_dkgm *m, const unsigned *qual, unsigned k,
		   uint8_t share[LC_SCALAR_LEN], uint8_t group_pk[LC_POINT_LEN],
		   uint8_t vk[LC_POINT_LEN], uint8_t sig[LC_DKGW_SIG_LEN],
		   struct lc_err *err);

#ifdef LC_TEST_CHEAT
/* Test builds only (tests/t2300-dkg.sh): misbehave on purpose. */
enum {
	LC_DKGM_CHEAT_SHARE = 1, /* a wrong share to member arg, revealed honestly */
	LC_DKGM_CHEAT_LIE = 2,   /* a wrong share to member arg, and the same revealed */
	LC_DKGM_CHEAT_VK = 3,    /* a wrong verification key at the end */
};
void lc_dkgm_cheat(struct lc_dkgm *m, int how, unsigned arg);
#endif

#endif
