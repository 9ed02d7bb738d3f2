/* transcript.h - the public record of one DKG ceremony: built round by round, checked, written to state, verified offline. */
#ifndef LC_TRANSCRIPT_H
#define LC_TRANSCRIPT_H

#include <stddef.h>
#include <stdint.h>

#include "dkg.h"
#include "dkgwire.h"
#include "err.h"

#define LC_TR_WHY_LEN 96

/* Everything member i said in public.  Arrays indexed by member are n
 * long, member j at [j-1]. */
struct lc_tr_member {
	char host[LC_DKGW_HOST_MAX];             /* the ssh target, as in the manifest */
	uint8_t transport_pk[LC_DKGW_PK_LEN];    /* round 0 */
	uint8_t ceremony_pk[LC_DKGW_PK_LEN];
	uint8_t def_sig[LC_DKGW_SIG_LEN];
	uint8_t (*commit)[LC_POINT_LEN];         /* round 1: t commitments */
	uint8_t commit_sig[LC_DKGW_SIG_LEN];
	uint8_t (*box)[LC_DKGW_BOX_LEN];         /* to member j (own slot unused) */
	uint8_t (*box_sig)[LC_DKGW_SIG_LEN];
	unsigned char *accuses;                  /* round 2: its verdict, by sender */
	char (*why)[LC_TR_WHY_LEN];              /* the reason it gave (not signed) */
	uint8_t verdict_sig[LC_DKGW_SIG_LEN];
	unsigned char *revealed;                 /* shares it revealed, by recipient */
	uint8_t (*reveal)[LC_SCALAR_LEN];
	uint8_t (*reveal_sig)[LC_DKGW_SIG_LEN];
	int disqualified;                        /* left out of the qualified set */
	char dq_why[160];
	uint8_t vk[LC_POINT_LEN];                /* finish: its verification key */
	uint8_t final_sig[LC_DKGW_SIG_LEN];
};

struct lc_transcript {
	unsigned version;                        /* LC_DKGW_VERSION */
	uint8_t cid[LC_DKGW_CID_LEN];
	char lattice[256], organism[32], role[64];
	unsigned t, n;
	uint8_t defhash[LC_DKGW_HASH_LEN];
	struct lc_tr_member *m;                  /* n */
	unsigned *qual, nqual;                   /* the qualified set, sorted */
	uint8_t (*agg)[LC_POINT_LEN];            /* t: sum of the qualified commitments */
	uint8_t group_pk[LC_POINT_LEN];          /* agg[0] */
	long long recorded_at;
};

/* Allocate for a t-of-n ceremony (everything zero); free with release. */
int lc_tr_init(struct lc_transcript *tr, unsigned t, unsigned n, struct lc_err *err);
void lc_tr_release(struct lc_transcript *tr);

/* The definition members sign, as a view into tr (mv holds n). */
void lc_tr_def(const struct lc_transcript *tr, struct lc_dkgw_def *d,
	       struct lc_dkgw_member *mv);

/*
 * The checks, each naming the member at fault ("member 3 (h3): ...").
 * The coordinator runs them as the rounds come in; lc_tr_verify runs
 * them all again on a recorded transcript.
 */
int lc_tr_check_definition(const struct lc_transcript *tr, unsigned i, struct lc_err *err);
int lc_tr_check_deal(const struct lc_transcript *tr, unsigned i, struct lc_err *err);
int lc_tr_check_verdict(const struct lc_transcript *tr, unsigned j, struct lc_err *err);
/* Member i's revealed share for member j: signed by i and on i's commitments. */
int lc_tr_check_reveal(const struct lc_transcript *tr, unsigned i, unsigned j,
		       struct lc_err *err);
/* Disqualify every member accused and not cleared by a valid reveal (or
 * whose commitments are not points); the rest is the qualified set, which
 * must hold at least t.  Then the aggregate commitments and group key. */
int lc_tr_qualify(struct lc_transcript *tr, struct lc_err *err);
/* Member j's result: its signature, the group key, its verification key
 * on the aggregate commitments. */
int lc_tr_check_final(const struct lc_transcript *tr, unsigned j, struct lc_err *err);
/* Every check above, the qualified set recomputed and compared. */
int lc_tr_verify(struct lc_transcript *tr, struct lc_err *err);

/* The public side in the dealer's shape (LatticeConfig, identity). */
void lc_tr_public(const struct lc_transcript *tr, struct lc_dkg_public *pub);

/* JSON (format in latticectl(1), FILES): a string to free, or NULL. */
char *lc_tr_json(const struct lc_transcript *tr);
/* Parse a recorded transcript (its shape only: lc_tr_verify checks it). */
int lc_tr_parse(struct lc_transcript *tr, const char *text, size_t len, struct lc_err *err);

/* "member 3 (h3)" for messages. */
const char *lc_tr_who(const struct lc_transcript *tr, unsigned i, char *buf, size_t n);

#endif
