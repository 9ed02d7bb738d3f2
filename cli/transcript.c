/* transcript.c - a DKG ceremony's transcript: its memory, the check of every message, the qualified set, the aggregate key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "hex.h"
#include "transcript.h"
#include "banned.h"

int lc_tr_init(struct lc_transcript *tr, unsigned t, unsigned n, struct lc_err *err)
{
	unsigned i;

	memset(tr, 0, sizeof(*tr));
	if (n < 1 || n > LC_DKGW_MAX_N || t < 1 || t > n)
		return lc_err_set(err, "a %u-of-%u ceremony is out of range (1 <= t <= n <= %d)",
				  t, n, LC_DKGW_MAX_N);
	tr->version = LC_DKGW_VERSION;
	tr->t = t;
	tr->n = n;
	if (!(tr->m = calloc(n, sizeof(*tr->m))) || !(tr->qual = calloc(n, sizeof(*tr->qual))) ||
	    !(tr->agg = calloc(t, sizeof(*tr->agg))))
		goto nomem;
	for (i = 0; i < n; i++) {
		struct lc_tr_member *mb = &tr->m[i];

		if (!(mb->commit = calloc(t, sizeof(*mb->commit))) ||
		    !(mb->box = calloc(n, sizeof(*mb->box))) ||
		    !(mb->box_sig = calloc(n, sizeof(*mb->box_sig))) ||
		    !(mb->accuses = calloc(n, 1)) || !(mb->why = calloc(n, sizeof(*mb->why))) ||
		    !(mb->revealed = calloc(n, 1)) ||
		    !(mb->reveal = calloc(n, sizeof(*mb->reveal))) ||
		    !(mb->reveal_sig = calloc(n, sizeof(*mb->reveal_sig))))
			goto nomem;
	}
	return 0;
nomem:
	lc_tr_release(tr);
	return lc_err_set(err, "out of memory");
}

void lc_tr_release(struct lc_transcript *tr)
{
	unsigned i;

	for (i = 0; tr->m && i < tr->n; i++) {
		struct lc_tr_member *mb = &tr->m[i];

		free(mb->commit);
		free(mb->box);
		free(mb->box_sig);
		free(mb->accuses);
		free(mb->why);
		free(mb->revealed);
		free(mb->reveal);
		free(mb->reveal_sig);
	}
	free(tr->m);
	free(tr->qual);
	free(tr->agg);
	memset(tr, 0, sizeof(*tr));
}

const char *lc_tr_who(const struct lc_transcript *tr, unsigned i, char *buf, size_t n)
{
	if (i >= 1 && i <= tr->n && tr->m[i - 1].host[0])
		snprintf(buf, n, "member %u (%s)", i, tr->m[i - 1].host);
	else
		snprintf(buf, n, "member %u", i);
	return buf;
}

/* Set err to "<who>: <fmt>"; returns -1. */
static int blame(const struct lc_transcript *tr, unsigned i, struct lc_err *err,
		 const char *what)
{
	char who[LC_DKGW_HOST_MAX + 32];

	return lc_err_set(err, "%s: %s", lc_tr_who(tr, i, who, sizeof(who)), what);
}

void lc_tr_def(const struct lc_transcript *tr, struct lc_dkgw_def *d,
	       struct lc_dkgw_member *mv)
{
	unsigned i;

	memset(d, 0, sizeof(*d));
	d->version = tr->version;
	memcpy(d->cid, tr->cid, sizeof(d->cid));
	d->lattice = tr->lattice;
	d->organism = tr->organism;
	d->role = tr->role;
	d->t = tr->t;
	d->n = tr->n;
	for (i = 0; i < tr->n; i++) {
		mv[i].host = tr->m[i].host;
		memcpy(mv[i].transport_pk, tr->m[i].transport_pk, LC_DKGW_PK_LEN);
		memcpy(mv[i].ceremony_pk, tr->m[i].ceremony_pk, LC_DKGW_PK_LEN);
	}
	d->members = mv;
}

int lc_tr_check_definition(const struct lc_transcript *tr, unsigned i, struct lc_err *err)
{
	uint8_t d[32];

	lc_dkgw_msg_definition(d, tr->defhash);
	if (!lc_dkgw_sig_ok(tr->m[i - 1].def_sig, d, tr->m[i - 1].ceremony_pk))
		return blame(tr, i, err, "its signature of the ceremony definition does not "
			     "verify");
	return 0;
}

int lc_tr_check_deal(const struct lc_transcript *tr, unsigned i, struct lc_err *err)
{
	const struct lc_tr_member *mb = &tr->m[i - 1];
	char what[128];
	uint8_t d[32];
	unsigned j;

	lc_dkgw_msg_commit(d, tr->defhash, i, (const uint8_t (*)[LC_POINT_LEN])mb->commit,
			   tr->t);
	if (!lc_dkgw_sig_ok(mb->commit_sig, d, mb->ceremony_pk))
		return blame(tr, i, err, "its round-1 commitments do not carry its signature "
			     "for this ceremony (replayed or altered)");
	for (j = 1; j <= tr->n; j++) {
		if (j == i)
			continue;
		lc_dkgw_msg_share(d, tr->defhash, i, j, mb->box[j - 1]);
		if (!lc_dkgw_sig_ok(mb->box_sig[j - 1], d, mb->ceremony_pk)) {
			snprintf(what, sizeof(what), "its round-1 share box for member %u does not "
				 "carry its signature for this ceremony (replayed or altered)", j);
			return blame(tr, i, err, what);
		}
	}
	return 0;
}

/* The members j accuses, sorted, into v (n long); their count. */
static unsigned accused_list(const struct lc_transcript *tr, unsigned j, unsigned *v)
{
	unsigned i, k = 0;

	for (i = 1; i <= tr->n; i++)
		if (tr->m[j - 1].accuses[i - 1])
			v[k++] = i;
	return k;
}

int lc_tr_check_verdict(const struct lc_transcript *tr, unsigned j, struct lc_err *err)
{
	unsigned *v = calloc(tr->n, sizeof(*v)), k;
	uint8_t d[32];
	int rc = 0;

	if (!v)
		return lc_err_set(err, "out of memory");
	k = accused_list(tr, j, v);
	lc_dkgw_msg_verdict(d, tr->defhash, j, v, k);
	if (tr->m[j - 1].accuses[j - 1])
		rc = blame(tr, j, err, "its verdict accuses itself");
	else if (!lc_dkgw_sig_ok(tr->m[j - 1].verdict_sig, d, tr->m[j - 1].ceremony_pk))
		rc = blame(tr, j, err, "its round-2 verdict does not carry its signature for "
			   "this ceremony (replayed or altered)");
	free(v);
	return rc;
}

int lc_tr_check_reveal(const struct lc_transcript *tr, unsigned i, unsigned j,
		       struct lc_err *err)
{
	const struct lc_tr_member *mb = &tr->m[i - 1];
	char what[128];
	uint8_t d[32];

	if (!mb->revealed[j - 1]) {
		snprintf(what, sizeof(what), "it did not reveal its share for member %u", j);
		return blame(tr, i, err, what);
	}
	lc_dkgw_msg_reveal(d, tr->defhash, i, j, mb->reveal[j - 1]);
	if (!lc_dkgw_sig_ok(mb->reveal_sig[j - 1], d, mb->ceremony_pk)) {
		snprintf(what, sizeof(what), "the share it revealed for member %u does not "
			 "carry its signature", j);
		return blame(tr, i, err, what);
	}
	if (lc_vss_share_ok((const uint8_t (*)[LC_POINT_LEN])mb->commit, tr->t, j,
			    mb->reveal[j - 1])) {
		snprintf(what, sizeof(what), "the share it revealed for member %u does not "
			 "match its commitments", j);
		return blame(tr, i, err, what);
	}
	return 0;
}

static int commitments_ok(const struct lc_transcript *tr, unsigned i)
{
	unsigned k;

	for (k = 0; k < tr->t; k++)
		if (!lc_vss_point_ok(tr->m[i - 1].commit[k]))
			return 0;
	return 1;
}

int lc_tr_qualify(struct lc_transcript *tr, struct lc_err *err)
{
	struct lc_err why;
	unsigned i, j, k;
	char who[LC_DKGW_HOST_MAX + 32];

	tr->nqual = 0;
	for (i = 1; i <= tr->n; i++) {
		struct lc_tr_member *mb = &tr->m[i - 1];

		mb->disqualified = 0;
		mb->dq_why[0] = '\0';
		if (!commitments_ok(tr, i)) {
			mb->disqualified = 1;
			snprintf(mb->dq_why, sizeof(mb->dq_why),
				 "its commitments are not valid points");
		}
		for (j = 1; j <= tr->n && !mb->disqualified; j++) {
			if (!tr->m[j - 1].accuses[i - 1])
				continue;
			lc_err_clear(&why);
			if (lc_tr_check_reveal(tr, i, j, &why)) {
				mb->disqualified = 1;
				/* why says "member i (h): ..."; keep the part after it. */
				snprintf(mb->dq_why, sizeof(mb->dq_why), "%.60s accused it and %.80s",
					 lc_tr_who(tr, j, who, sizeof(who)),
					 strstr(why.msg, ": ") ? strstr(why.msg, ": ") + 2 : why.msg);
			}
		}
		if (!mb->disqualified)
			tr->qual[tr->nqual++] = i;
	}
	if (tr->nqual < tr->t)
		return lc_err_set(err, "only %u of %u members qualified; a %u-of-%u key needs "
				  "%u", tr->nqual, tr->n, tr->t, tr->n, tr->t);
	memset(tr->agg, 0, (size_t)tr->t * LC_POINT_LEN);
	for (k = 0; k < tr->t; k++)
		for (i = 0; i < tr->nqual; i++)
			if (lc_vss_point_add(tr->agg[k], tr->agg[k],
					     tr->m[tr->qual[i] - 1].commit[k]))
				return lc_err_set(err, "cannot add the commitments of member %u",
						  tr->qual[i]);
	memcpy(tr->group_pk, tr->agg[0], LC_POINT_LEN);
	if (!lc_vss_point_ok(tr->group_pk))
		return lc_err_set(err, "the group public key is the identity: refusing it");
	return 0;
}

int lc_tr_check_final(const struct lc_transcript *tr, unsigned j, struct lc_err *err)
{
	const struct lc_tr_member *mb = &tr->m[j - 1];
	uint8_t d[32], want[LC_POINT_LEN];

	lc_dkgw_msg_final(d, tr->defhash, j, tr->qual, tr->nqual, tr->group_pk, mb->vk);
	if (!lc_dkgw_sig_ok(mb->final_sig, d, mb->ceremony_pk))
		return blame(tr, j, err, "its result does not carry its signature over this "
			     "ceremony's qualified set and group key");
	if (lc_vss_commit_eval(want, (const uint8_t (*)[LC_POINT_LEN])tr->agg, tr->t, j) ||
	    sodium_memcmp(want, mb->vk, LC_POINT_LEN))
		return blame(tr, j, err, "its verification key does not match the aggregate "
			     "commitments: its share is not a share of the group key");
	return 0;
}

int lc_tr_verify(struct lc_transcript *tr, struct lc_err *err)
{
	struct lc_dkgw_member *mv = calloc(tr->n, sizeof(*mv));
	struct lc_dkgw_def d;
	uint8_t hash[LC_DKGW_HASH_LEN], group_pk[LC_POINT_LEN];
	unsigned *qual = calloc(tr->n, sizeof(*qual)), nqual = tr->nqual, i;
	unsigned char *dq = calloc(tr->n, 1);
	int rc = -1;

	if (!mv || !qual || !dq) {
		lc_err_set(err, "out of memory");
		goto out;
	}
	lc_tr_def(tr, &d, mv);
	if (lc_dkgw_def_hash(hash, &d, err))
		goto out;
	if (sodium_memcmp(hash, tr->defhash, sizeof(hash))) {
		lc_err_set(err, "the definition hash does not match the definition recorded");
		goto out;
	}
	for (i = 1; i <= tr->n; i++)
		if (lc_tr_check_definition(tr, i, err) || lc_tr_check_deal(tr, i, err) ||
		    lc_tr_check_verdict(tr, i, err))
			goto out;
	/* The qualified set and group key follow from the messages alone. */
	memcpy(qual, tr->qual, (size_t)tr->n * sizeof(*qual));
	memcpy(group_pk, tr->group_pk, sizeof(group_pk));
	for (i = 0; i < tr->n; i++)
		dq[i] = (unsigned char)tr->m[i].disqualified;
	if (lc_tr_qualify(tr, err))
		goto out;
	if (nqual != tr->nqual || memcmp(qual, tr->qual, (size_t)nqual * sizeof(*qual))) {
		lc_err_set(err, "the qualified set recorded is not the one the complaints and "
			   "reveals give");
		goto out;
	}
	for (i = 0; i < tr->n; i++)
		if (dq[i] != (unsigned char)tr->m[i].disqualified) {
			lc_err_set(err, "member %u is recorded as %squalified, which the "
				   "complaints and reveals do not give", i + 1, dq[i] ? "dis" : "");
			goto out;
		}
	if (sodium_memcmp(group_pk, tr->group_pk, sizeof(group_pk))) {
		lc_err_set(err, "the group public key recorded is not the sum of the qualified "
			   "members' commitments");
		goto out;
	}
	for (i = 1; i <= tr->n; i++)
		if (lc_tr_check_final(tr, i, err))
			goto out;
	rc = 0;
out:
	free(mv);
	free(qual);
	free(dq);
	return rc;
}

void lc_tr_public(const struct lc_transcript *tr, struct lc_dkg_public *pub)
{
	unsigned i;

	memset(pub, 0, sizeof(*pub));
	pub->t = tr->t;
	pub->n = tr->n;
	memcpy(pub->commitments, tr->agg, (size_t)tr->t * LC_POINT_LEN);
	memcpy(pub->group_pk, tr->group_pk, LC_POINT_LEN);
	for (i = 0; i < tr->n; i++)
		memcpy(pub->member_pk[i], tr->m[i].vk, LC_POINT_LEN);
}
