/* dkgmember.c - one member's side of the DKG ceremony (joint Feldman VSS with complaints), secrets in sodium_malloc memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "dkgmember.h"
#include "banned.h"

enum { ST_NEW, ST_DEFINED, ST_DEALT, ST_VERDICT, ST_FINISHED };
/* What we hold from each sender. */
enum { FROM_NONE, FROM_ACCEPTED, FROM_COMPLAINED, FROM_RESOLVED };

#define WHY_LEN 96

struct lc_dkgm {
	uint8_t cid[LC_DKGW_CID_LEN];
	unsigned t, n, index;
	int stage;
	uint8_t tpk[LC_DKGW_PK_LEN], cpk[LC_DKGW_PK_LEN];
	uint8_t defhash[LC_DKGW_HASH_LEN];
	/* Secret, one sodium_malloc block: */
	uint8_t *sec;
	uint8_t *xsk;  /* X25519 secret key, 32 */
	uint8_t *esk;  /* Ed25519 secret key, 64 */
	uint8_t *coef; /* our polynomial, t scalars */
	uint8_t *recv; /* f_i(index) from each sender i, n scalars */
	/* Public: */
	uint8_t (*peer_tpk)[LC_DKGW_PK_LEN], (*peer_cpk)[LC_DKGW_PK_LEN]; /* n */
	uint8_t (*commit)[LC_POINT_LEN]; /* n * t: sender i's at [(i-1)*t] */
	unsigned char *have_commit, *from; /* n */
	char (*why)[WHY_LEN];              /* n */
#ifdef LC_TEST_CHEAT
	int cheat;
	unsigned cheat_arg;
#endif
};

static size_t sec_len(unsigned t, unsigned n)
{
	return 32 + 64 + ((size_t)t + n) * LC_SCALAR_LEN;
}

int lc_dkgm_new(struct lc_dkgm **out, const uint8_t cid[LC_DKGW_CID_LEN], unsigned t,
		unsigned n, unsigned index, struct lc_err *err)
{
	struct lc_dkgm *m;

	*out = NULL;
	if (lc_vss_init() < 0)
		return lc_err_set(err, "cannot initialise libsodium");
	if (n < 1 || n > LC_DKGW_MAX_N || t < 1 || t > n)
		return lc_err_set(err, "a %u-of-%u ceremony is out of range (1 <= t <= n <= %d)",
				  t, n, LC_DKGW_MAX_N);
	if (index < 1 || index > n)
		return lc_err_set(err, "member index %u is not in 1..%u", index, n);
	if (!(m = calloc(1, sizeof(*m))))
		return lc_err_set(err, "out of memory");
	memcpy(m->cid, cid, LC_DKGW_CID_LEN);
	m->t = t;
	m->n = n;
	m->index = index;
	m->peer_tpk = calloc(n, sizeof(*m->peer_tpk));
	m->peer_cpk = calloc(n, sizeof(*m->peer_cpk));
	m->commit = calloc((size_t)n * t, sizeof(*m->commit));
	m->have_commit = calloc(n, 1);
	m->from = calloc(n, 1);
	m->why = calloc(n, sizeof(*m->why));
	m->sec = sodium_malloc(sec_len(t, n));
	if (!m->peer_tpk || !m->peer_cpk || !m->commit || !m->have_commit || !m->from ||
	    !m->why || !m->sec) {
		lc_dkgm_free(m);
		return lc_err_set(err, "out of memory");
	}
	memset(m->sec, 0, sec_len(t, n));
	m->xsk = m->sec;
	m->esk = m->xsk + 32;
	m->coef = m->esk + 64;
	m->recv = m->coef + (size_t)t * LC_SCALAR_LEN;
	crypto_box_keypair(m->tpk, m->xsk);
	crypto_sign_keypair(m->cpk, m->esk);
	*out = m;
	return 0;
}

void lc_dkgm_free(struct lc_dkgm *m)
{
	if (!m)
		return;
	sodium_free(m->sec);
	free(m->peer_tpk);
	free(m->peer_cpk);
	free(m->commit);
	free(m->have_commit);
	free(m->from);
	free(m->why);
	sodium_memzero(m, sizeof(*m));
	free(m);
}

unsigned lc_dkgm_index(const struct lc_dkgm *m)
{
	return m->index;
}

void lc_dkgm_keys(const struct lc_dkgm *m, uint8_t transport_pk[LC_DKGW_PK_LEN],
		  uint8_t ceremony_pk[LC_DKGW_PK_LEN])
{
	memcpy(transport_pk, m->tpk, LC_DKGW_PK_LEN);
	memcpy(ceremony_pk, m->cpk, LC_DKGW_PK_LEN);
}

static uint8_t (*commit_of(struct lc_dkgm *m, unsigned i))[LC_POINT_LEN]
{
	return &m->commit[(size_t)(i - 1) * m->t];
}

static int stage_is(const struct lc_dkgm *m, int want, const char *what, struct lc_err *err)
{
	if (m->stage == want)
		return 0;
	return lc_err_set(err, "cannot %s now: the ceremony is at another step", what);
}

int lc_dkgm_define(struct lc_dkgm *m, const struct lc_dkgw_def *def,
		   uint8_t defhash[LC_DKGW_HASH_LEN], uint8_t sig[LC_DKGW_SIG_LEN],
		   struct lc_err *err)
{
	const struct lc_dkgw_member *me;
	uint8_t d[32];
	unsigned i;

	if (stage_is(m, ST_NEW, "take a definition", err))
		return -1;
	if (memcmp(def->cid, m->cid, LC_DKGW_CID_LEN))
		return lc_err_set(err, "the definition is for another ceremony");
	if (def->t != m->t || def->n != m->n)
		return lc_err_set(err, "the definition is %u-of-%u, this ceremony %u-of-%u",
				  def->t, def->n, m->t, m->n);
	if (lc_dkgw_def_hash(m->defhash, def, err))
		return -1;
	me = &def->members[m->index - 1];
	if (memcmp(me->transport_pk, m->tpk, LC_DKGW_PK_LEN) ||
	    memcmp(me->ceremony_pk, m->cpk, LC_DKGW_PK_LEN))
		return lc_err_set(err, "the definition gives member %u keys that are not this "
				  "member's", m->index);
	for (i = 0; i < m->n; i++) {
		memcpy(m->peer_tpk[i], def->members[i].transport_pk, LC_DKGW_PK_LEN);
		memcpy(m->peer_cpk[i], def->members[i].ceremony_pk, LC_DKGW_PK_LEN);
	}
	lc_dkgw_msg_definition(d, m->defhash);
	lc_dkgw_sign(sig, d, m->esk);
	memcpy(defhash, m->defhash, LC_DKGW_HASH_LEN);
	m->stage = ST_DEFINED;
	return 0;
}

#ifdef LC_TEST_CHEAT
void lc_dkgm_cheat(struct lc_dkgm *m, int how, unsigned arg)
{
	m->cheat = how;
	m->cheat_arg = arg;
}

/* The share for member to, made wrong when cheating against it. */
static void cheat_share(struct lc_dkgm *m, unsigned to, uint8_t share[LC_SCALAR_LEN],
			int revealing)
{
	uint8_t one[LC_SCALAR_LEN], tmp[LC_SCALAR_LEN];

	if (to != m->cheat_arg || !(m->cheat == LC_DKGM_CHEAT_LIE ||
				    (m->cheat == LC_DKGM_CHEAT_SHARE && !revealing)))
		return;
	lc_vss_scalar_of_uint(one, 1);
	crypto_core_ristretto255_scalar_add(tmp, share, one);
	memcpy(share, tmp, LC_SCALAR_LEN);
	fprintf(stderr, "TEST BUILD: a wrong share for member %u\n", to);
}
#else
#define cheat_share(m, to, share, revealing) ((void)0)
#endif

int lc_dkgm_deal(struct lc_dkgm *m, uint8_t (*commit)[LC_POINT_LEN],
		 uint8_t commit_sig[LC_DKGW_SIG_LEN], uint8_t (*boxes)[LC_DKGW_BOX_LEN],
		 uint8_t (*box_sigs)[LC_DKGW_SIG_LEN], struct lc_err *err)
{
	uint8_t *share = m->recv + (size_t)(m->index - 1) * LC_SCALAR_LEN;
	uint8_t d[32];
	unsigned j;

	if (stage_is(m, ST_DEFINED, "deal", err))
		return -1;
	if (lc_vss_poly_random(m->coef, commit_of(m, m->index), m->t))
		return lc_err_set(err, "cannot sample the polynomial");
	m->have_commit[m->index - 1] = 1;
	memcpy(commit, commit_of(m, m->index), (size_t)m->t * LC_POINT_LEN);
	lc_dkgw_msg_commit(d, m->defhash, m->index, (const uint8_t (*)[LC_POINT_LEN])commit,
			   m->t);
	lc_dkgw_sign(commit_sig, d, m->esk);
	for (j = 1; j <= m->n; j++) {
		if (j == m->index) {
			memset(boxes[j - 1], 0, LC_DKGW_BOX_LEN);
			memset(box_sigs[j - 1], 0, LC_DKGW_SIG_LEN);
			continue;
		}
		/* The slot for our own share is scratch until finish. */
		lc_vss_poly_eval(share, m->coef, m->t, j);
		cheat_share(m, j, share, 0);
		if (lc_dkgw_box(boxes[j - 1], share, m->defhash, m->index, j,
				m->peer_tpk[j - 1], m->xsk)) {
			sodium_memzero(share, LC_SCALAR_LEN);
			return lc_err_set(err, "cannot box the share for member %u", j);
		}
		lc_dkgw_msg_share(d, m->defhash, m->index, j, boxes[j - 1]);
		lc_dkgw_sign(box_sigs[j - 1], d, m->esk);
	}
	sodium_memzero(share, LC_SCALAR_LEN);
	m->stage = ST_DEALT;
	return 0;
}

static int complain(struct lc_dkgm *m, unsigned from, const char *why, char *out,
		    size_t outlen)
{
	m->from[from - 1] = FROM_COMPLAINED;
	snprintf(m->why[from - 1], WHY_LEN, "%s", why);
	snprintf(out, outlen, "%s", why);
	sodium_memzero(m->recv + (size_t)(from - 1) * LC_SCALAR_LEN, LC_SCALAR_LEN);
	return LC_DKGM_COMPLAIN;
}

int lc_dkgm_receive(struct lc_dkgm *m, unsigned from, const uint8_t (*commit)[LC_POINT_LEN],
		    const uint8_t commit_sig[LC_DKGW_SIG_LEN],
		    const uint8_t box[LC_DKGW_BOX_LEN], const uint8_t box_sig[LC_DKGW_SIG_LEN],
		    char *why, size_t whylen, struct lc_err *err)
{
	uint8_t *share, d[32];
	unsigned k;

	why[0] = '\0';
	if (stage_is(m, ST_DEALT, "take shares", err))
		return -1;
	if (from < 1 || from > m->n || from == m->index)
		return lc_err_set(err, "no member %u sends this member shares", from);
	if (m->from[from - 1] != FROM_NONE)
		return lc_err_set(err, "a second message from member %u", from);
	lc_dkgw_msg_commit(d, m->defhash, from, commit, m->t);
	if (!lc_dkgw_sig_ok(commit_sig, d, m->peer_cpk[from - 1])) {
		snprintf(why, whylen, "its commitments do not carry its signature for "
			 "this ceremony");
		return LC_DKGM_FORGED;
	}
	lc_dkgw_msg_share(d, m->defhash, from, m->index, box);
	if (!lc_dkgw_sig_ok(box_sig, d, m->peer_cpk[from - 1])) {
		snprintf(why, whylen, "its share box does not carry its signature for "
			 "this ceremony");
		return LC_DKGM_FORGED;
	}
	memcpy(commit_of(m, from), commit, (size_t)m->t * LC_POINT_LEN);
	m->have_commit[from - 1] = 1;
	for (k = 0; k < m->t; k++)
		if (!lc_vss_point_ok(commit[k]))
			return complain(m, from, "its commitments are not valid points", why,
					whylen);
	share = m->recv + (size_t)(from - 1) * LC_SCALAR_LEN;
	if (lc_dkgw_unbox(share, box, m->defhash, from, m->index, m->peer_tpk[from - 1],
			  m->xsk))
		return complain(m, from, "its share box does not open", why, whylen);
	if (lc_vss_share_ok(commit, m->t, m->index, share))
		return complain(m, from, "its share does not match its commitments", why,
				whylen);
	m->from[from - 1] = FROM_ACCEPTED;
	return LC_DKGM_ACCEPT;
}

int lc_dkgm_verdict(struct lc_dkgm *m, unsigned *accused, unsigned *k,
		    uint8_t sig[LC_DKGW_SIG_LEN], struct lc_err *err)
{
	uint8_t d[32];
	unsigned i;

	if (stage_is(m, ST_DEALT, "give a verdict", err))
		return -1;
	*k = 0;
	for (i = 1; i <= m->n; i++) {
		if (i == m->index || m->from[i - 1] == FROM_ACCEPTED)
			continue;
		if (m->from[i - 1] == FROM_NONE) {
			m->from[i - 1] = FROM_COMPLAINED;
			snprintf(m->why[i - 1], WHY_LEN, "nothing arrived from it");
		}
		accused[(*k)++] = i;
	}
	lc_dkgw_msg_verdict(d, m->defhash, m->index, accused, *k);
	lc_dkgw_sign(sig, d, m->esk);
	m->stage = ST_VERDICT;
	return 0;
}

const char *lc_dkgm_why(const struct lc_dkgm *m, unsigned from)
{
	if (from < 1 || from > m->n)
		return "";
	return m->why[from - 1];
}

int lc_dkgm_reveal(struct lc_dkgm *m, unsigned to, uint8_t share[LC_SCALAR_LEN],
		   uint8_t sig[LC_DKGW_SIG_LEN], struct lc_err *err)
{
	uint8_t d[32];

	if (m->stage != ST_DEALT && m->stage != ST_VERDICT)
		return lc_err_set(err, "cannot reveal a share now: the ceremony is at "
				  "another step");
	if (to < 1 || to > m->n || to == m->index)
		return lc_err_set(err, "no member %u to reveal a share for", to);
	lc_vss_poly_eval(share, m->coef, m->t, to);
	cheat_share(m, to, share, 1);
	lc_dkgw_msg_reveal(d, m->defhash, m->index, to, share);
	lc_dkgw_sign(sig, d, m->esk);
	return 0;
}

int lc_dkgm_resolve(struct lc_dkgm *m, unsigned from, const uint8_t (*commit)[LC_POINT_LEN],
		    const uint8_t commit_sig[LC_DKGW_SIG_LEN],
		    const uint8_t share[LC_SCALAR_LEN], const uint8_t sig[LC_DKGW_SIG_LEN],
		    struct lc_err *err)
{
	uint8_t d[32];

	if (stage_is(m, ST_VERDICT, "take a revealed share", err))
		return -1;
	if (from < 1 || from > m->n || from == m->index ||
	    m->from[from - 1] != FROM_COMPLAINED)
		return lc_err_set(err, "this member did not complain about member %u", from);
	if (!m->have_commit[from - 1]) {
		if (!commit)
			return lc_err_set(err, "member %u's commitments never arrived", from);
		lc_dkgw_msg_commit(d, m->defhash, from, commit, m->t);
		if (!lc_dkgw_sig_ok(commit_sig, d, m->peer_cpk[from - 1]))
			return lc_err_set(err, "member %u's commitments do not carry its "
					  "signature for this ceremony", from);
		memcpy(commit_of(m, from), commit, (size_t)m->t * LC_POINT_LEN);
		m->have_commit[from - 1] = 1;
	}
	lc_dkgw_msg_reveal(d, m->defhash, from, m->index, share);
	if (!lc_dkgw_sig_ok(sig, d, m->peer_cpk[from - 1]))
		return lc_err_set(err, "the share revealed for member %u does not carry its "
				  "signature for this ceremony", from);
	if (lc_vss_share_ok((const uint8_t (*)[LC_POINT_LEN])commit_of(m, from), m->t,
			    m->index, share))
		return lc_err_set(err, "the share member %u revealed does not match its "
				  "commitments", from);
	memcpy(m->recv + (size_t)(from - 1) * LC_SCALAR_LEN, share, LC_SCALAR_LEN);
	m->from[from - 1] = FROM_RESOLVED;
	return 0;
}

int lc_dkgm_finish(struct lc_dkgm *m, const unsigned *qual, unsigned k,
		   uint8_t share[LC_SCALAR_LEN], uint8_t group_pk[LC_POINT_LEN],
		   uint8_t vk[LC_POINT_LEN], uint8_t sig[LC_DKGW_SIG_LEN],
		   struct lc_err *err)
{
	uint8_t *own = m->recv + (size_t)(m->index - 1) * LC_SCALAR_LEN;
	uint8_t sum[LC_SCALAR_LEN], d[32];
	unsigned q, i;
	int rc = -1;

	if (stage_is(m, ST_VERDICT, "finish", err))
		return -1;
	if (k < m->t || k > m->n)
		return lc_err_set(err, "a qualified set of %u members cannot make a "
				  "%u-of-%u key", k, m->t, m->n);
	memset(share, 0, LC_SCALAR_LEN);
	memset(group_pk, 0, LC_POINT_LEN);
	lc_vss_poly_eval(own, m->coef, m->t, m->index);
	for (q = 0; q < k; q++) {
		i = qual[q];
		if (i < 1 || i > m->n || (q && qual[q - 1] >= i)) {
			lc_err_set(err, "the qualified set is not sorted member indices");
			goto out;
		}
		if (i != m->index && m->from[i - 1] != FROM_ACCEPTED &&
		    m->from[i - 1] != FROM_RESOLVED) {
			lc_err_set(err, "no valid share from member %u, which the qualified "
				   "set holds", i);
			goto out;
		}
		crypto_core_ristretto255_scalar_add(sum, share,
						    m->recv + (size_t)(i - 1) * LC_SCALAR_LEN);
		memcpy(share, sum, LC_SCALAR_LEN);
		if (lc_vss_point_add(group_pk, group_pk, commit_of(m, i)[0])) {
			lc_err_set(err, "cannot add member %u's commitment", i);
			goto out;
		}
	}
	if (lc_vss_base_mul(vk, share)) {
		lc_err_set(err, "cannot compute the verification key");
		goto out;
	}
#ifdef LC_TEST_CHEAT
	if (m->cheat == LC_DKGM_CHEAT_VK) {
		uint8_t one[LC_SCALAR_LEN], b[LC_POINT_LEN];

		lc_vss_scalar_of_uint(one, 1);
		lc_vss_base_mul(b, one);
		lc_vss_point_add(vk, vk, b);
		fprintf(stderr, "TEST BUILD: a wrong verification key\n");
	}
#endif
	lc_dkgw_msg_final(d, m->defhash, m->index, qual, k, group_pk, vk);
	lc_dkgw_sign(sig, d, m->esk);
	m->stage = ST_FINISHED;
	rc = 0;
out:
	sodium_memzero(own, LC_SCALAR_LEN);
	sodium_memzero(sum, sizeof(sum));
	if (rc)
		sodium_memzero(share, LC_SCALAR_LEN);
	return rc;
}
