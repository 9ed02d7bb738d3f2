/* test_ceremony.c - the DKG ceremony in process: VSS arithmetic, signed messages, complaints, transcripts verified and tampered with. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "ceremony_sim.h"
#include "dkg.h"
#include "dkgmember.h"
#include "dkgwire.h"
#include "hex.h"
#include "transcript.h"
#include "vss.h"
#include "unit.h"
#include "banned.h"

static const char *const hosts[] = { "h1", "h2", "h3", "h4", "h5", "h6", "h7", "h8",
				     "h9", "h10", "h11", "h12", "h13", "h14", "h15" };

static void test_vss(void)
{
	uint8_t *coef = sodium_malloc(5 * 32), commit[5][32], s[32], p[32], q[32];
	uint8_t lam[32], acc[32], term[32], sum[32], one[32];
	unsigned idx[5] = { 2, 4, 5, 6, 7 }, x, i;

	CHECK(lc_vss_poly_random(coef, commit, 5) == 0);
	for (x = 1; x <= 7; x++) {
		lc_vss_poly_eval(s, coef, 5, x);
		CHECK(lc_vss_base_mul(p, s) == 0);
		CHECK(lc_vss_commit_eval(q, (const uint8_t (*)[32])commit, 5, x) == 0);
		CHECK(!memcmp(p, q, 32));
		CHECK(lc_vss_share_ok((const uint8_t (*)[32])commit, 5, x, s) == 0);
		/* the share of another index, or off by one, does not verify */
		CHECK(lc_vss_share_ok((const uint8_t (*)[32])commit, 5, x % 7 + 1, s) != 0);
		lc_vss_scalar_of_uint(one, 1);
		crypto_core_ristretto255_scalar_add(sum, s, one);
		CHECK(lc_vss_share_ok((const uint8_t (*)[32])commit, 5, x, sum) != 0);
	}
	/* a non-canonical scalar is refused, not reduced */
	memset(s, 0xff, 32);
	CHECK(!lc_vss_scalar_ok(s));
	CHECK(lc_vss_share_ok((const uint8_t (*)[32])commit, 5, 1, s) != 0);
	/* Lagrange at 0 over any 5 indices gives f(0) */
	memset(acc, 0, 32);
	for (i = 0; i < 5; i++) {
		lc_vss_poly_eval(s, coef, 5, idx[i]);
		CHECK(lc_vss_lagrange0(lam, idx, 5, i) == 0);
		crypto_core_ristretto255_scalar_mul(term, s, lam);
		crypto_core_ristretto255_scalar_add(sum, acc, term);
		memcpy(acc, sum, 32);
	}
	CHECK(!memcmp(acc, coef, 32));
	idx[1] = idx[0];
	CHECK(lc_vss_lagrange0(lam, idx, 5, 0) != 0); /* a repeated index */
	/* the identity is neutral and not a valid commitment */
	memset(p, 0, 32);
	CHECK(lc_vss_point_add(q, p, commit[0]) == 0 && !memcmp(q, commit[0], 32));
	CHECK(!lc_vss_point_ok(p));
	CHECK(lc_vss_point_ok(commit[0]));
	sodium_free(coef);
}

static void fill_def(struct lc_dkgw_def *d, struct lc_dkgw_member *mv, unsigned n)
{
	unsigned i;

	memset(d, 0, sizeof(*d));
	d->version = LC_DKGW_VERSION;
	randombytes_buf(d->cid, sizeof(d->cid));
	d->lattice = "a.b.c";
	d->organism = "unseal";
	d->role = "unseal-member";
	d->t = 2;
	d->n = n;
	for (i = 0; i < n; i++) {
		mv[i].host = hosts[i];
		randombytes_buf(mv[i].transport_pk, 32);
		randombytes_buf(mv[i].ceremony_pk, 32);
	}
	d->members = mv;
}

static void test_definition_hash(void)
{
	struct lc_dkgw_member mv[3], save;
	struct lc_dkgw_def d;
	uint8_t h0[32], h[32];
	struct lc_err e;

	lc_err_clear(&e);
	fill_def(&d, mv, 3);
	CHECK(lc_dkgw_def_hash(h0, &d, &e) == 0);
	CHECK(lc_dkgw_def_hash(h, &d, &e) == 0 && !memcmp(h, h0, 32));
#define CHANGES(stmt, undo)                                                     \
	do {                                                                        \
		stmt;                                                               \
		CHECK(lc_dkgw_def_hash(h, &d, &e) == 0 && memcmp(h, h0, 32));       \
		undo;                                                               \
	} while (0)
	CHANGES(d.cid[31] ^= 1, d.cid[31] ^= 1);
	CHANGES(d.lattice = "a.b.d", d.lattice = "a.b.c");
	CHANGES(d.organism = "offer", d.organism = "unseal");
	CHANGES(d.role = "offer-member", d.role = "unseal-member");
	CHANGES(d.t = 3, d.t = 2);
	CHANGES(mv[1].host = "h9", mv[1].host = hosts[1]);
	CHANGES(mv[2].transport_pk[0] ^= 1, mv[2].transport_pk[0] ^= 1);
	CHANGES(mv[0].ceremony_pk[5] ^= 1, mv[0].ceremony_pk[5] ^= 1);
	/* the member order is part of it */
	CHANGES((save = mv[0], mv[0] = mv[1], mv[1] = save), (save = mv[0], mv[0] = mv[1], mv[1] = save));
	CHECK(lc_dkgw_def_hash(h, &d, &e) == 0 && !memcmp(h, h0, 32));
	/* shapes refused */
	d.t = 4;
	CHECK(lc_dkgw_def_hash(h, &d, &e) != 0);
	d.t = 2;
	memcpy(mv[2].ceremony_pk, mv[0].ceremony_pk, 32);
	CHECK(lc_dkgw_def_hash(h, &d, &e) != 0 && strstr(e.msg, "same key"));
	randombytes_buf(mv[2].ceremony_pk, 32);
	mv[2].host = "h1";
	CHECK(lc_dkgw_def_hash(h, &d, &e) != 0 && strstr(e.msg, "same host"));
}

static void test_box_and_digests(void)
{
	uint8_t apk[32], ask[32], bpk[32], bsk[32], cpk[32], csk[32];
	uint8_t def[32], def2[32], share[32], got[32], box[LC_DKGW_BOX_LEN];
	uint8_t d1[32], d2[32];
	unsigned none[1] = { 0 };

	crypto_box_keypair(apk, ask);
	crypto_box_keypair(bpk, bsk);
	crypto_box_keypair(cpk, csk);
	randombytes_buf(def, 32);
	memcpy(def2, def, 32);
	def2[0] ^= 1;
	crypto_core_ristretto255_scalar_random(share);
	CHECK(lc_dkgw_box(box, share, def, 1, 2, bpk, ask) == 0);
	CHECK(lc_dkgw_unbox(got, box, def, 1, 2, apk, bsk) == 0 && !memcmp(got, share, 32));
	/* bound to the ceremony, the pair and its direction */
	CHECK(lc_dkgw_unbox(got, box, def2, 1, 2, apk, bsk) != 0);
	CHECK(lc_dkgw_unbox(got, box, def, 2, 1, apk, bsk) != 0);
	CHECK(lc_dkgw_unbox(got, box, def, 1, 3, apk, bsk) != 0);
	CHECK(lc_dkgw_unbox(got, box, def, 1, 2, cpk, bsk) != 0);
	CHECK(lc_dkgw_unbox(got, box, def, 1, 2, apk, csk) != 0);
	box[10] ^= 4;
	CHECK(lc_dkgw_unbox(got, box, def, 1, 2, apk, bsk) != 0);
	/* no two kinds of message share a digest */
	lc_dkgw_msg_verdict(d1, def, 1, none, 0);
	lc_dkgw_msg_definition(d2, def);
	CHECK(memcmp(d1, d2, 32));
	lc_dkgw_msg_reveal(d1, def, 1, 2, share);
	lc_dkgw_msg_reveal(d2, def2, 1, 2, share);
	CHECK(memcmp(d1, d2, 32));
}

/* The secret of k shares at idx has public key group_pk? */
static int combine_ok(const struct lc_transcript *tr, uint8_t (*shares)[32],
		      const unsigned *idx, unsigned k)
{
	uint8_t (*sel)[32] = sodium_malloc((size_t)k * 32), sec[32], pk[32];
	struct lc_err e;
	unsigned i;
	int ok = 0;

	lc_err_clear(&e);
	for (i = 0; i < k; i++)
		memcpy(sel[i], shares[idx[i] - 1], 32);
	if (lc_dkg_combine(sec, idx, (const uint8_t (*)[32])sel, k, &e) == 0 &&
	    lc_dkg_public_of(pk, sec) == 0)
		ok = !memcmp(pk, tr->group_pk, 32);
	sodium_free(sel);
	sodium_memzero(sec, sizeof(sec));
	return ok;
}

static void test_honest(unsigned t, unsigned n)
{
	uint8_t (*shares)[32] = sodium_malloc((size_t)n * 32), pk[32];
	unsigned idx[16], i, trial;
	struct lc_dkg_public pub;
	struct lc_transcript tr, back;
	struct lc_err e;
	char *json, *json2;

	lc_err_clear(&e);
	CHECKF(sim_ceremony(&tr, shares, "a.b.c", "unseal", "unseal-member", hosts, t, n, NULL,
			    &e) == 0, "%s", e.msg);
	CHECK(tr.nqual == n);
	CHECKF(lc_tr_verify(&tr, &e) == 0, "%s", e.msg);
	for (i = 0; i < n; i++) {
		CHECK(lc_dkg_public_of(pk, shares[i]) == 0 && !memcmp(pk, tr.m[i].vk, 32));
		CHECK(!tr.m[i].disqualified);
	}
	/* the dealer's shape: every share verifies on the aggregate commitments */
	lc_tr_public(&tr, &pub);
	for (i = 1; i <= n; i++)
		CHECK(lc_dkg_verify_share(&pub, i, shares[i - 1]) == 0);
	/* any t shares make the group secret; t-1 do not */
	for (trial = 0; trial < 40; trial++) {
		unsigned k = 0, v;

		while (k < t) {
			v = 1 + randombytes_uniform(n);
			for (i = 0; i < k && idx[i] != v; i++)
				;
			if (i == k)
				idx[k++] = v;
		}
		CHECK(combine_ok(&tr, shares, idx, t));
		if (t > 1)
			CHECK(!combine_ok(&tr, shares, idx, t - 1));
	}
	/* JSON round trip: the same transcript, still verifying */
	json = lc_tr_json(&tr);
	CHECK(json && lc_tr_parse(&back, json, strlen(json), &e) == 0);
	CHECKF(lc_tr_verify(&back, &e) == 0, "%s", e.msg);
	json2 = lc_tr_json(&back);
	CHECK(json2 && !strcmp(json, json2));
	free(json);
	free(json2);
	lc_tr_release(&back);
	lc_tr_release(&tr);
	sodium_free(shares);
}

/* Edit the JSON of a good transcript with fn, and expect verify (or
 * parse) to fail with a message containing want. */
typedef void (*edit_fn)(cJSON *o);

static void expect_refused(const char *json, edit_fn fn, const char *want)
{
	cJSON *o = cJSON_Parse(json);
	struct lc_transcript tr;
	struct lc_err e;
	char *text;
	int rc;

	lc_err_clear(&e);
	fn(o);
	text = cJSON_Print(o);
	rc = lc_tr_parse(&tr, text, strlen(text), &e);
	if (rc == 0) {
		rc = lc_tr_verify(&tr, &e);
		lc_tr_release(&tr);
	}
	CHECKF(rc != 0 && strstr(e.msg, want), "want '%s', got '%s'", want, e.msg);
	free(text);
	cJSON_Delete(o);
}

static cJSON *member(cJSON *o, int i)
{
	return cJSON_GetArrayItem(cJSON_GetObjectItem(o, "members"), i - 1);
}

/* Flip the last hex digit of a string member. */
static void flip(cJSON *o, const char *key)
{
	cJSON *v = cJSON_GetObjectItem(o, key);
	size_t n = strlen(v->valuestring);
	char *s = strdup(v->valuestring);

	s[n - 1] = s[n - 1] == '0' ? '1' : '0';
	cJSON_SetValuestring(v, s);
	free(s);
}

static void e_defhash(cJSON *o) { flip(o, "definition_hash"); }
static void e_host(cJSON *o) { cJSON_SetValuestring(cJSON_GetObjectItem(member(o, 2), "host"), "h99"); }
static void e_defsig(cJSON *o) { flip(member(o, 3), "definition_signature"); }
static void e_commit(cJSON *o)
{
	cJSON *a = cJSON_GetObjectItem(member(o, 2), "commitments");

	cJSON_ReplaceItemInArray(a, 1, cJSON_Duplicate(cJSON_GetArrayItem(a, 0), 1));
}
static void e_box(cJSON *o)
{
	flip(cJSON_GetArrayItem(cJSON_GetObjectItem(member(o, 4), "shares"), 0), "box");
}
static void e_verdict(cJSON *o)
{
	cJSON *c = cJSON_CreateObject();

	cJSON_AddNumberToObject(c, "against", 1);
	cJSON_AddStringToObject(c, "why", "made up");
	cJSON_AddItemToArray(cJSON_GetObjectItem(member(o, 5), "complaints"), c);
}
static void e_qual(cJSON *o)
{
	cJSON_DeleteItemFromArray(cJSON_GetObjectItem(o, "qualified"), 0);
}
static void e_group(cJSON *o) { flip(o, "group_public_key"); }
static void e_vk(cJSON *o) { flip(member(o, 1), "public_key"); }
static void e_final(cJSON *o) { flip(member(o, 2), "result_signature"); }
static void e_t(cJSON *o) { cJSON_SetNumberValue(cJSON_GetObjectItem(o, "t"), 2); }
static void e_cid(cJSON *o) { flip(o, "ceremony"); }
static void e_version(cJSON *o) { cJSON_SetNumberValue(cJSON_GetObjectItem(o, "ceremony_transcript"), 9); }
static void e_truncate(cJSON *o) { cJSON_DeleteItemFromArray(cJSON_GetObjectItem(o, "members"), 4); }

static void test_tampered_transcripts(void)
{
	uint8_t (*shares)[32] = sodium_malloc(5 * 32);
	struct lc_transcript tr;
	struct lc_err e;
	char *json;

	lc_err_clear(&e);
	CHECK(sim_ceremony(&tr, shares, "a.b.c", "offer", "offer-member", hosts, 3, 5, NULL,
			   &e) == 0);
	json = lc_tr_json(&tr);
	expect_refused(json, e_defhash, "definition hash does not match");
	expect_refused(json, e_host, "definition hash does not match");
	expect_refused(json, e_cid, "definition hash does not match");
	expect_refused(json, e_t, "'aggregate_commitments' is not an array of the right length");
	expect_refused(json, e_defsig, "member 3 (h3): its signature of the ceremony definition");
	expect_refused(json, e_commit, "member 2 (h2): its round-1 commitments do not carry");
	expect_refused(json, e_box, "member 4 (h4): its round-1 share box for member 1");
	expect_refused(json, e_verdict, "member 5 (h5): its round-2 verdict");
	expect_refused(json, e_qual, "qualified set recorded");
	expect_refused(json, e_group, "group public key recorded");
	expect_refused(json, e_vk, "member 1 (h1): its result does not carry its signature");
	expect_refused(json, e_final, "member 2 (h2): its result");
	expect_refused(json, e_version, "transcript version 9");
	expect_refused(json, e_truncate, "'members' is not an array of the right length");
	free(json);
	lc_tr_release(&tr);
	sodium_free(shares);
}

static void test_complaint_resolved(void)
{
	uint8_t (*shares)[32] = sodium_malloc(7 * 32);
	struct sim_faults fx = { .cheat = 3, .victim = 5 };
	unsigned all[7] = { 1, 2, 3, 4, 5, 6, 7 };
	struct lc_transcript tr;
	struct lc_err e;

	lc_err_clear(&e);
	/* a wrong share, revealed honestly when accused: the complaint is resolved */
	CHECKF(sim_ceremony(&tr, shares, "a.b.c", "unseal", "unseal-member", hosts, 5, 7, &fx,
			    &e) == 0, "%s", e.msg);
	CHECK(tr.m[4].accuses[2] && strstr(tr.m[4].why[2], "does not match its commitments"));
	CHECK(tr.m[2].revealed[4] && tr.nqual == 7 && !tr.m[2].disqualified);
	CHECKF(lc_tr_verify(&tr, &e) == 0, "%s", e.msg);
	CHECK(combine_ok(&tr, shares, all, 7) && combine_ok(&tr, shares, all + 2, 5));
	lc_tr_release(&tr);
	sodium_free(shares);
}

static void test_disqualified(void)
{
	uint8_t (*shares)[32] = sodium_malloc(7 * 32), sum[32];
	struct sim_faults fx = { .cheat = 3, .victim = 5, .lie = 1 };
	unsigned some[5] = { 1, 3, 4, 6, 7 }, i;
	struct lc_transcript tr;
	struct lc_err e;

	lc_err_clear(&e);
	/* the cheat lies again when revealing: disqualified, the rest goes on */
	CHECKF(sim_ceremony(&tr, shares, "a.b.c", "unseal", "unseal-member", hosts, 5, 7, &fx,
			    &e) == 0, "%s", e.msg);
	CHECK(tr.m[2].disqualified && tr.nqual == 6);
	CHECKF(strstr(tr.m[2].dq_why, "member 5 (h5) accused it and the share it revealed for "
		      "member 5 does not match its commitments"), "%s", tr.m[2].dq_why);
	CHECKF(lc_tr_verify(&tr, &e) == 0, "%s", e.msg);
	/* the group key is the sum of the qualified members' constant terms */
	memset(sum, 0, 32);
	for (i = 0; i < 7; i++)
		if (i != 2)
			CHECK(lc_vss_point_add(sum, sum, tr.m[i].commit[0]) == 0);
	CHECK(!memcmp(sum, tr.group_pk, 32));
	/* every member, the disqualified one too, holds a share of it */
	CHECK(combine_ok(&tr, shares, some, 5));
	lc_tr_release(&tr);
	/* with t = n the qualified set is too small: the ceremony fails */
	CHECK(sim_ceremony(&tr, shares, "a.b.c", "unseal", "unseal-member", hosts, 7, 7, &fx,
			   &e) != 0);
	CHECKF(strstr(e.msg, "only 6 of 7 members qualified"), "%s", e.msg);
	lc_tr_release(&tr);
	sodium_free(shares);
}

static void test_forged_and_replayed(void)
{
	uint8_t (*shares)[32] = sodium_malloc(5 * 32);
	struct sim_faults fx = { .forge_from = 2, .forge_to = 4 };
	struct lc_transcript a, b;
	struct lc_err e;

	lc_err_clear(&e);
	/* a box altered in transit: its receiver sees the signature fail */
	CHECK(sim_ceremony(&a, shares, "a.b.c", "unseal", "unseal-member", hosts, 3, 5, &fx,
			   &e) != 0);
	CHECKF(strstr(e.msg, "member 4 rejected the message of member 2: its share box does not "
		      "carry its signature"), "%s", e.msg);
	lc_tr_release(&a);
	/* a message of another ceremony (same lattice, organism, hosts) does not verify here */
	CHECK(sim_ceremony(&a, shares, "a.b.c", "unseal", "unseal-member", hosts, 3, 5, NULL, &e) == 0);
	CHECK(sim_ceremony(&b, shares, "a.b.c", "unseal", "unseal-member", hosts, 3, 5, NULL, &e) == 0);
	memcpy(b.m[1].commit, a.m[1].commit, 3 * 32);
	memcpy(b.m[1].commit_sig, a.m[1].commit_sig, 64);
	CHECK(lc_tr_check_deal(&b, 2, &e) != 0 && strstr(e.msg, "member 2 (h2)") &&
	      strstr(e.msg, "replayed or altered"));
	/* and a signature of one member does not pass for another's */
	memcpy(b.m[2].def_sig, b.m[1].def_sig, 64);
	CHECK(lc_tr_check_definition(&b, 3, &e) != 0);
	lc_tr_release(&a);
	lc_tr_release(&b);
	sodium_free(shares);
}

static void test_member_misuse(void)
{
	uint8_t cid[32], c[3][32], cs[64], boxes[3][LC_DKGW_BOX_LEN], bs[3][64];
	uint8_t share[32], gpk[32], vk[32], sig[64], hash[32];
	struct lc_dkgw_member mv[3];
	struct lc_dkgw_def d;
	struct lc_dkgm *m = NULL;
	unsigned qual[1] = { 1 }, acc[3], k;
	struct lc_err e;

	lc_err_clear(&e);
	randombytes_buf(cid, 32);
	CHECK(lc_dkgm_new(&m, cid, 4, 3, 1, &e) != 0); /* t > n */
	CHECK(lc_dkgm_new(&m, cid, 2, 3, 4, &e) != 0); /* index > n */
	CHECK(lc_dkgm_new(&m, cid, 2, 3, 1, &e) == 0);
	CHECK(lc_dkgm_deal(m, c, cs, boxes, bs, &e) != 0); /* before the definition */
	fill_def(&d, mv, 3);
	memcpy(d.cid, cid, 32);
	CHECK(lc_dkgm_define(m, &d, hash, sig, &e) != 0 && strstr(e.msg, "not this member's"));
	lc_dkgm_keys(m, mv[0].transport_pk, mv[0].ceremony_pk);
	d.cid[0] ^= 1;
	CHECK(lc_dkgm_define(m, &d, hash, sig, &e) != 0 && strstr(e.msg, "another ceremony"));
	d.cid[0] ^= 1;
	CHECK(lc_dkgm_define(m, &d, hash, sig, &e) == 0);
	CHECK(lc_dkgm_define(m, &d, hash, sig, &e) != 0); /* once */
	CHECK(lc_dkgm_deal(m, c, cs, boxes, bs, &e) == 0);
	CHECK(lc_dkgm_finish(m, qual, 1, share, gpk, vk, sig, &e) != 0); /* before the verdict */
	CHECK(lc_dkgm_verdict(m, acc, &k, sig, &e) == 0 && k == 2); /* nothing arrived */
	CHECK(!strcmp(lc_dkgm_why(m, 2), "nothing arrived from it"));
	CHECK(lc_dkgm_finish(m, qual, 1, share, gpk, vk, sig, &e) != 0); /* 1 < t */
	lc_dkgm_free(m);
}

void unit_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (sodium_init() < 0) {
		CHECK(!"sodium_init");
		return;
	}
	test_vss();
	test_definition_hash();
	test_box_and_digests();
	test_honest(1, 1);
	test_honest(2, 3);
	test_honest(5, 7);
	test_honest(8, 15);
	test_tampered_transcripts();
	test_complaint_resolved();
	test_disqualified();
	test_forged_and_replayed();
	test_member_misuse();
}
