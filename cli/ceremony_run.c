/* ceremony_run.c - the DKG ceremony's rounds as the coordinator relays them, the transcript recorded, then the shares activated. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sodium.h>

#include "ceremony_priv.h"
#include "fileio.h"
#include "hex.h"
#include "clock.h"
#include "banned.h"

/* A deliver request stays well under the protocol's 64 KiB line. */
#define DELIVER_BATCH 48000

static int add_hex(cJSON *o, const char *key, const uint8_t *p, size_t n)
{
	char hex[2 * 64 + 1];

	lc_hex_encode(hex, p, n);
	return cJSON_AddStringToObject(o, key, hex) ? 0 : -1;
}

static cJSON *points_json(const uint8_t (*p)[LC_POINT_LEN], unsigned k)
{
	cJSON *a = cJSON_CreateArray();
	char hex[2 * LC_POINT_LEN + 1];
	unsigned i;

	for (i = 0; a && i < k; i++) {
		lc_hex_encode(hex, p[i], LC_POINT_LEN);
		cJSON_AddItemToArray(a, cJSON_CreateString(hex));
	}
	return a;
}

static cJSON *op_req(const char *op)
{
	cJSON *req = cJSON_CreateObject();

	if (req)
		cJSON_AddStringToObject(req, "op", op);
	return req;
}

/* A reply's hex member for call(): its key, where its bytes go, how many. */
struct hexfield {
	const char *key;
	uint8_t *out;
	size_t len;
};

/*
 * One request of a round to member i: req (NULL: out of memory) is sent
 * and freed, and the reply's hex members in fields (up to a NULL key; may
 * be NULL) are read.  The reply is left in *keep when given, else freed.
 */
static int call(struct cer *c, unsigned i, cJSON *req, const struct hexfield *fields,
		cJSON **keep)
{
	cJSON *reply = NULL;
	int rc = -1;

	if (keep)
		*keep = NULL;
	if (!req)
		return cer_fail(c, i, "out of memory");
	if (cer_call(c, i, req, &reply))
		goto out;
	for (; fields && fields->key; fields++)
		if (cer_hex(c, i, reply, fields->key, fields->out, fields->len))
			goto out;
	rc = 0;
out:
	cJSON_Delete(req);
	if (keep && rc == 0)
		*keep = reply;
	else
		cJSON_Delete(reply);
	return rc;
}

/* Round 0, part 1: fresh keys on every member. */
static int do_begin(struct cer *c, unsigned i)
{
	cJSON *req = op_req("dkg_begin");
	const struct hexfield keys[] = {
		{ "transport_key", c->tr.m[i - 1].transport_pk, LC_DKGW_PK_LEN },
		{ "ceremony_key", c->tr.m[i - 1].ceremony_pk, LC_DKGW_PK_LEN },
		{ NULL, NULL, 0 },
	};

	if (req) {
		add_hex(req, "ceremony", c->tr.cid, LC_DKGW_CID_LEN);
		cJSON_AddNumberToObject(req, "t", c->tr.t);
		cJSON_AddNumberToObject(req, "n", c->tr.n);
		cJSON_AddNumberToObject(req, "index", i);
	}
	return call(c, i, req, keys, NULL);
}

static cJSON *definition_json(const struct lc_transcript *tr)
{
	cJSON *d = cJSON_CreateObject(), *a, *e;
	unsigned i;

	if (!d)
		return NULL;
	cJSON_AddNumberToObject(d, "version", tr->version);
	add_hex(d, "ceremony", tr->cid, LC_DKGW_CID_LEN);
	cJSON_AddStringToObject(d, "lattice", tr->lattice);
	cJSON_AddStringToObject(d, "organism", tr->organism);
	cJSON_AddStringToObject(d, "role", tr->role);
	cJSON_AddNumberToObject(d, "t", tr->t);
	cJSON_AddNumberToObject(d, "n", tr->n);
	a = cJSON_AddArrayToObject(d, "members");
	for (i = 0; a && i < tr->n; i++) {
		if (!(e = cJSON_CreateObject()))
			break;
		cJSON_AddItemToArray(a, e);
		cJSON_AddNumberToObject(e, "index", i + 1);
		cJSON_AddStringToObject(e, "host", tr->m[i].host);
		add_hex(e, "transport_key", tr->m[i].transport_pk, LC_DKGW_PK_LEN);
		add_hex(e, "ceremony_key", tr->m[i].ceremony_pk, LC_DKGW_PK_LEN);
	}
	return d;
}

/* Round 0, part 2: every member signs the same definition hash. */
static int do_define(struct cer *c, unsigned i)
{
	cJSON *req = op_req("dkg_define");
	uint8_t hash[LC_DKGW_HASH_LEN];
	const struct hexfield signed_def[] = {
		{ "definition_hash", hash, sizeof(hash) },
		{ "signature", c->tr.m[i - 1].def_sig, LC_DKGW_SIG_LEN },
		{ NULL, NULL, 0 },
	};
	char got[65], want[65];

	if (req)
		cJSON_AddItemToObject(req, "definition", cJSON_Duplicate(c->arg, 1));
	if (call(c, i, req, signed_def, NULL))
		return -1;
	if (sodium_memcmp(hash, c->tr.defhash, sizeof(hash))) {
		lc_hex_encode(got, hash, 32);
		lc_hex_encode(want, c->tr.defhash, 32);
		return cer_fail(c, i, "it signed definition hash %.16s..., not %.16s...: the "
				"members do not agree on the ceremony", got, want);
	}
	return lc_tr_check_definition(&c->tr, i, &c->merr[i - 1]) ? -1 : 0;
}

/*
 * LATTICECTL_TEST_REPLAY=FILE:N (the test build only): member N's round-1 message
 * is replaced, as it arrives, by the one in transcript FILE of another
 * ceremony.  The coordinator's check must catch it.
 */
static void test_replay(struct cer *c, unsigned i)
{
#ifdef LC_TEST_HOOKS
	const char *env = getenv("LATTICECTL_TEST_REPLAY");
#else
	const char *env = NULL;
#endif
	struct lc_transcript old;
	struct lc_err ignored;
	struct lc_buf b;
	char path[PATH_MAX];
	const char *colon;
	unsigned who;

	if (!env || !(colon = strrchr(env, ':')) || (who = (unsigned)atoi(colon + 1)) != i)
		return;
	snprintf(path, sizeof(path), "%.*s", (int)(colon - env), env);
	lc_buf_init(&b, LC_BUF_NOMAX);
	lc_err_clear(&ignored);
	if (lc_read_file(&b, path, 64 << 20, &ignored) == 0 &&
	    lc_tr_parse(&old, b.ptr, b.len, &ignored) == 0) {
		if (old.t == c->tr.t && old.n == c->tr.n) {
			struct lc_tr_member *to = &c->tr.m[i - 1], *from = &old.m[i - 1];

			memcpy(to->commit, from->commit, (size_t)old.t * LC_POINT_LEN);
			memcpy(to->commit_sig, from->commit_sig, LC_DKGW_SIG_LEN);
			memcpy(to->box, from->box, (size_t)old.n * LC_DKGW_BOX_LEN);
			memcpy(to->box_sig, from->box_sig, (size_t)old.n * LC_DKGW_SIG_LEN);
			fprintf(stderr, "latticectl: TEST: replaying member %u's round-1 message "
				"from '%s'\n", i, path);
		}
		lc_tr_release(&old);
	}
	lc_buf_release(&b);
}

/* Round 1: commitments and boxed shares, every signature checked. */
static int do_deal(struct cer *c, unsigned i)
{
	struct lc_tr_member *mb = &c->tr.m[i - 1];
	cJSON *req = op_req("dkg_deal"), *reply = NULL;
	const cJSON *a, *v;
	unsigned k = 0, j;
	int rc = -1;
	unsigned char *seen = calloc(c->tr.n, 1);

	if (!req || !seen) {
		rc = cer_fail(c, i, "out of memory");
		goto out;
	}
	if (cer_call(c, i, req, &reply))
		goto out;
	a = cJSON_GetObjectItem(reply, "commitments");
	if (cJSON_GetArraySize(a) != (int)c->tr.t) {
		cer_fail(c, i, "it sent %d commitments, not %u", cJSON_GetArraySize(a), c->tr.t);
		goto out;
	}
	cJSON_ArrayForEach(v, a) {
		const char *s = cJSON_GetStringValue(v);

		if (!s || strlen(s) != 64 || lc_hex_decode(mb->commit[k++], LC_POINT_LEN, s)) {
			cer_fail(c, i, "its commitments are not 64 hex digits each");
			goto out;
		}
	}
	if (cer_hex(c, i, reply, "commitment_signature", mb->commit_sig, LC_DKGW_SIG_LEN))
		goto out;
	a = cJSON_GetObjectItem(reply, "shares");
	cJSON_ArrayForEach(v, a) {
		const cJSON *to = cJSON_GetObjectItem(v, "to");

		j = cJSON_IsNumber(to) ? (unsigned)to->valuedouble : 0;
		if (j < 1 || j > c->tr.n || j == i || seen[j - 1] ||
		    cer_hex(c, i, v, "box", mb->box[j - 1], LC_DKGW_BOX_LEN) ||
		    cer_hex(c, i, v, "signature", mb->box_sig[j - 1], LC_DKGW_SIG_LEN)) {
			if (!c->merr[i - 1].msg[0])
				cer_fail(c, i, "its shares are not one box for each other member");
			goto out;
		}
		seen[j - 1] = 1;
	}
	if (cJSON_GetArraySize(a) != (int)c->tr.n - 1) {
		cer_fail(c, i, "it sent %d share boxes, not %u", cJSON_GetArraySize(a),
			 c->tr.n - 1);
		goto out;
	}
	test_replay(c, i);
	if (lc_tr_check_deal(&c->tr, i, &c->merr[i - 1]))
		goto out;
	rc = 0;
out:
	free(seen);
	cJSON_Delete(req);
	cJSON_Delete(reply);
	return rc;
}

/* LATTICECTL_TEST_TAMPER=FROM:TO (the test build only): the box from FROM to TO
 * is altered on its way, after the coordinator checked it. */
static int test_tamper(unsigned from, unsigned to)
{
#ifdef LC_TEST_HOOKS
	const char *env = getenv("LATTICECTL_TEST_TAMPER");
	unsigned a, b;

	return env && sscanf(env, "%u:%u", &a, &b) == 2 && a == from && b == to;
#else
	(void)from;
	(void)to;
	return 0;
#endif
}

/* Send what is batched; a member that finds a message not signed by its
 * sender names it: it changed after the coordinator checked it. */
static int deliver(struct cer *c, unsigned j, cJSON *req)
{
	cJSON *reply = NULL;
	const cJSON *f;
	char who[LC_DKGW_HOST_MAX + 32];
	int rc = -1;

	if (cer_call(c, j, req, &reply))
		goto out;
	f = cJSON_GetArrayItem(cJSON_GetObjectItem(reply, "forged"), 0);
	if (f) {
		unsigned from = (unsigned)cJSON_GetNumberValue(cJSON_GetObjectItem(f, "from"));
		const char *why = cJSON_GetStringValue(cJSON_GetObjectItem(f, "why"));

		cer_fail(c, j, "it rejected the round-1 message of %s: %s; it left latticectl "
			 "signed, so it was altered in transit (or this member misreports it)",
			 lc_tr_who(&c->tr, from, who, sizeof(who)), why ? why : "not signed");
		goto out;
	}
	rc = 0;
out:
	cJSON_Delete(reply);
	return rc;
}

/* Round 2: member j's commitments and boxes from every other member,
 * in batches, then its signed verdict. */
static int do_deliver(struct cer *c, unsigned j)
{
	struct lc_tr_member *me = &c->tr.m[j - 1];
	cJSON *req = NULL, *items = NULL, *it, *reply = NULL;
	const cJSON *a, *v;
	uint8_t box[LC_DKGW_BOX_LEN];
	size_t est = 0, per = (size_t)c->tr.t * 67 + 420;
	unsigned i, against;
	int rc = -1;

	for (i = 1; i <= c->tr.n; i++) {
		const struct lc_tr_member *from = &c->tr.m[i - 1];

		if (i == j)
			continue;
		if (!req) {
			if (!(req = op_req("dkg_deliver")) ||
			    !(items = cJSON_AddArrayToObject(req, "items")))
				goto nomem;
			est = 0;
		}
		memcpy(box, from->box[j - 1], sizeof(box));
		if (test_tamper(i, j))
			box[5] ^= 0x01;
		if (!(it = cJSON_CreateObject()) || !cJSON_AddItemToArray(items, it))
			goto nomem;
		cJSON_AddNumberToObject(it, "from", i);
		cJSON_AddItemToObject(it, "commitments",
				      points_json((const uint8_t (*)[LC_POINT_LEN])from->commit,
						  c->tr.t));
		add_hex(it, "commitment_signature", from->commit_sig, LC_DKGW_SIG_LEN);
		add_hex(it, "box", box, sizeof(box));
		add_hex(it, "signature", from->box_sig[j - 1], LC_DKGW_SIG_LEN);
		est += per;
		if (est + per > DELIVER_BATCH) {
			if (deliver(c, j, req))
				goto out;
			cJSON_Delete(req);
			req = NULL;
		}
	}
	if (req && deliver(c, j, req))
		goto out;
	cJSON_Delete(req);
	if (!(req = op_req("dkg_verdict")))
		goto nomem;
	if (cer_call(c, j, req, &reply) ||
	    cer_hex(c, j, reply, "signature", me->verdict_sig, LC_DKGW_SIG_LEN))
		goto out;
	a = cJSON_GetObjectItem(reply, "complaints");
	cJSON_ArrayForEach(v, a) {
		const char *why = cJSON_GetStringValue(cJSON_GetObjectItem(v, "why"));

		against = (unsigned)cJSON_GetNumberValue(cJSON_GetObjectItem(v, "against"));
		if (against < 1 || against > c->tr.n || against == j) {
			cer_fail(c, j, "its verdict names no other member");
			goto out;
		}
		me->accuses[against - 1] = 1;
		snprintf(me->why[against - 1], LC_TR_WHY_LEN, "%s", why ? why : "");
	}
	if (lc_tr_check_verdict(&c->tr, j, &c->merr[j - 1]))
		goto out;
	rc = 0;
	goto out;
nomem:
	cer_fail(c, j, "out of memory");
out:
	cJSON_Delete(req);
	cJSON_Delete(reply);
	return rc;
}

/* Round 2, complaints: accused member i reveals its shares for its
 * accusers.  A refusal is no reveal (the member is disqualified). */
static int do_reveal(struct cer *c, unsigned i)
{
	struct lc_tr_member *mb = &c->tr.m[i - 1];
	cJSON *req = op_req("dkg_reveal"), *to, *reply = NULL;
	const cJSON *v;
	unsigned j;
	int rc = -1;

	if (!req || !(to = cJSON_AddArrayToObject(req, "to"))) {
		rc = cer_fail(c, i, "out of memory");
		goto out;
	}
	for (j = 1; j <= c->tr.n; j++)
		if (c->tr.m[j - 1].accuses[i - 1])
			cJSON_AddItemToArray(to, cJSON_CreateNumber(j));
	if (cer_call(c, i, req, &reply)) {
		/* A refusal is no reveal: lc_tr_qualify disqualifies it. */
		if (!c->dead[i - 1]) {
			lc_err_clear(&c->merr[i - 1]);
			rc = 0;
		}
		goto out;
	}
	cJSON_ArrayForEach(v, cJSON_GetObjectItem(reply, "reveals")) {
		j = (unsigned)cJSON_GetNumberValue(cJSON_GetObjectItem(v, "to"));
		if (j < 1 || j > c->tr.n || j == i || !c->tr.m[j - 1].accuses[i - 1])
			continue;
		if (cer_hex(c, i, v, "share", mb->reveal[j - 1], LC_SCALAR_LEN) ||
		    cer_hex(c, i, v, "signature", mb->reveal_sig[j - 1], LC_DKGW_SIG_LEN)) {
			lc_err_clear(&c->merr[i - 1]);
			continue;
		}
		mb->revealed[j - 1] = 1;
	}
	rc = 0;
out:
	cJSON_Delete(req);
	cJSON_Delete(reply);
	return rc;
}

/* Member j takes the shares revealed for it by qualified members. */
static int do_resolve(struct cer *c, unsigned j)
{
	cJSON *req = NULL, *reply = NULL;
	unsigned i;
	int rc = 0;

	for (i = 1; i <= c->tr.n && !rc; i++) {
		const struct lc_tr_member *from = &c->tr.m[i - 1];

		if (!c->tr.m[j - 1].accuses[i - 1] || from->disqualified)
			continue;
		if (!(req = op_req("dkg_resolve")))
			return cer_fail(c, j, "out of memory");
		cJSON_AddNumberToObject(req, "from", i);
		add_hex(req, "share", from->reveal[j - 1], LC_SCALAR_LEN);
		add_hex(req, "signature", from->reveal_sig[j - 1], LC_DKGW_SIG_LEN);
		cJSON_AddItemToObject(req, "commitments",
				      points_json((const uint8_t (*)[LC_POINT_LEN])from->commit,
						  c->tr.t));
		add_hex(req, "commitment_signature", from->commit_sig, LC_DKGW_SIG_LEN);
		rc = cer_call(c, j, req, &reply);
		cJSON_Delete(req);
		cJSON_Delete(reply);
		reply = NULL;
	}
	return rc;
}

/* Finish: member j's share, pending on its host, and its signed result. */
static int do_finish(struct cer *c, unsigned j)
{
	struct lc_tr_member *mb = &c->tr.m[j - 1];
	cJSON *req = op_req("dkg_finish"), *q, *reply;
	uint8_t gpk[LC_POINT_LEN];
	const struct hexfield result[] = {
		{ "public_key", mb->vk, LC_POINT_LEN },
		{ "group_public_key", gpk, LC_POINT_LEN },
		{ "signature", mb->final_sig, LC_DKGW_SIG_LEN },
		{ NULL, NULL, 0 },
	};
	unsigned k;

	if (req && !(q = cJSON_AddArrayToObject(req, "qualified"))) {
		cJSON_Delete(req);
		req = NULL;
	}
	for (k = 0; req && k < c->tr.nqual; k++)
		cJSON_AddItemToArray(q, cJSON_CreateNumber(c->tr.qual[k]));
	if (call(c, j, req, result, &reply))
		return -1;
	c->cpu_ms[j - 1] = cJSON_GetNumberValue(cJSON_GetObjectItem(reply, "cpu_ms"));
	cJSON_Delete(reply);
	if (sodium_memcmp(gpk, c->tr.group_pk, sizeof(gpk)))
		return cer_fail(c, j, "it computed another group key than the qualified "
				"commitments give");
	return lc_tr_check_final(&c->tr, j, &c->merr[j - 1]) ? -1 : 0;
}

static int do_activate(struct cer *c, unsigned j)
{
	cJSON *req = op_req("dkg_activate");

	if (req) {
		add_hex(req, "ceremony", c->tr.cid, LC_DKGW_CID_LEN);
		add_hex(req, "public_key", c->tr.m[j - 1].vk, LC_POINT_LEN);
	}
	return call(c, j, req, NULL, NULL);
}

/* After a failure: every member still reachable forgets the ceremony and
 * drops its pending share.  Best effort; the next dkg_begin drops the rest. */
static int do_abort(struct cer *c, unsigned j)
{
	cJSON *req;

	if (c->dead[j - 1] || !c->f->hosts[c->host[j - 1]].agent)
		return 0;
	if (!(req = op_req("dkg_abort")))
		return 0;
	return call(c, j, req, NULL, NULL);
}

/* Write the transcript: <statedir>/dkg/<org>.json, atomically. */
static int record(struct cer *c, const char *statedir, char *path, size_t n,
		  struct lc_err *err)
{
	char dir[PATH_MAX];
	char *text;
	int rc;

	snprintf(dir, sizeof(dir), "%s/dkg", statedir);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return lc_err_set(err, "cannot create '%s': %s", dir, strerror(errno));
	lc_ceremony_path(path, n, statedir, c->which);
	c->tr.recorded_at = (long long)time(NULL);
	if (!(text = lc_tr_json(&c->tr)))
		return lc_err_set(err, "out of memory");
	rc = lc_write_file_atomic(path, text, strlen(text), 0600, err);
	free(text);
	return rc;
}

int lc_ceremony_run(struct lc_fanout *f, const struct lc_manifest *m, int which,
		    const char *statedir, struct lc_buf *out, struct lc_err *err)
{
	struct lc_dkgw_member *mv = NULL;
	struct lc_dkgw_def d;
	struct lc_err aborted;
	struct cer c;
	cJSON *def = NULL;
	unsigned *all = NULL, *accused = NULL, n = 0, na = 0, i, j;
	char path[PATH_MAX], cid[17], who[LC_DKGW_HOST_MAX + 32], gpk[65];
	long t0 = lc_now_ms(), t1 = 0, t2;
	double cpu_max = 0, cpu_sum = 0;
	int rc = -1, began = 0;

	if (cer_setup(&c, f, m, which, err))
		goto out;
	if ((rc = lc_ceremony_recorded(statedir, which, err))) {
		if (rc > 0) {
			lc_ceremony_path(path, sizeof(path), statedir, which);
			lc_err_set(err, "a %s ceremony is recorded already in '%s'", c.org, path);
			lc_err_hint(err, "running it again changes the lattice's fingerprint: "
				    "'latticectl dkg run %s --new-identity'", c.org);
		}
		rc = -1;
		goto out;
	}
	rc = -1;
	n = c.tr.n;
	all = calloc(n, sizeof(*all));
	accused = calloc(n, sizeof(*accused));
	mv = calloc(n, sizeof(*mv));
	if (!all || !accused || !mv) {
		lc_err_set(err, "out of memory");
		goto out;
	}
	cer_all(&c, all);
	randombytes_buf(c.tr.cid, sizeof(c.tr.cid));
	lc_hex_encode(cid, c.tr.cid, 8);

	/* Round 0: keys, then the definition everyone signs. */
	began = 1;
	if (cer_each(&c, "round 0 (keys)", all, n, do_begin, NULL, err))
		goto fail;
	t1 = lc_now_ms();
	lc_tr_def(&c.tr, &d, mv);
	if (lc_dkgw_def_hash(c.tr.defhash, &d, err)) {
		lc_err_prefix(err, "%s ceremony, round 0 (definition)", c.org);
		goto fail;
	}
	if (!(def = definition_json(&c.tr))) {
		lc_err_set(err, "out of memory");
		goto fail;
	}
	if (cer_each(&c, "round 0 (definition)", all, n, do_define, def, err)) {
		lc_err_hint(err, "nothing was dealt: fix the member named and run it again");
		goto fail;
	}
	/* Round 1: commitments and boxed shares. */
	if (cer_each(&c, "round 1 (deal)", all, n, do_deal, NULL, err))
		goto fail;
	/* Round 2: every member checks its shares and gives a verdict. */
	if (cer_each(&c, "round 2 (verify)", all, n, do_deliver, NULL, err))
		goto fail;
	for (i = 1; i <= n; i++)
		for (j = 1; j <= n; j++)
			if (c.tr.m[j - 1].accuses[i - 1]) {
				accused[na++] = i;
				break;
			}
	if (na && cer_each(&c, "round 2 (complaints)", accused, na, do_reveal, NULL, err))
		goto fail;
	if (lc_tr_qualify(&c.tr, err)) {
		lc_err_prefix(err, "%s ceremony", c.org);
		for (i = 0; i < n; i++)
			if (c.tr.m[i].disqualified && strlen(err->msg) + 64 < sizeof(err->msg))
				snprintf(err->msg + strlen(err->msg), sizeof(err->msg) - strlen(err->msg),
					 "; %s disqualified", lc_tr_who(&c.tr, i + 1, who, sizeof(who)));
		goto fail;
	}
	for (i = 1; i <= n; i++)
		for (j = 1; j <= n; j++) {
			char who2[LC_DKGW_HOST_MAX + 32];

			if (!c.tr.m[j - 1].accuses[i - 1] || c.tr.m[i - 1].disqualified)
				continue;
			lc_buf_printf(out, "warning: %s: %s complained about %s (%s); resolved by "
				      "the share it revealed\n", c.org,
				      lc_tr_who(&c.tr, j, who, sizeof(who)),
				      lc_tr_who(&c.tr, i, who2, sizeof(who2)), c.tr.m[j - 1].why[i - 1]);
		}
	for (i = 0; i < n; i++)
		if (c.tr.m[i].disqualified)
			lc_buf_printf(out, "warning: %s: %s is disqualified: %s\n", c.org,
				      lc_tr_who(&c.tr, i + 1, who, sizeof(who)), c.tr.m[i].dq_why);
	if (na && cer_each(&c, "round 2 (resolve)", all, n, do_resolve, NULL, err))
		goto fail;
	/* Finish: shares pending on the hosts, results checked. */
	if (cer_each(&c, "finish", all, n, do_finish, NULL, err))
		goto fail;
	/* The transcript first; only then do the shares become active. */
	if (record(&c, statedir, path, sizeof(path), err))
		goto fail;
	began = 0;
	lc_hex_encode(gpk, c.tr.group_pk, 32);
	lc_buf_printf(out, "%s: ceremony %s complete: %u-of-%u, %u qualified\n", c.org, cid,
		      c.tr.t, n, c.tr.nqual);
	lc_buf_printf(out, "%s: group public key %s\n", c.org, gpk);
	lc_buf_printf(out, "%s: transcript recorded in %s\n", c.org, path);
	if (cer_each(&c, "activate", all, n, do_activate, NULL, err)) {
		lc_err_hint(err, "the transcript is recorded; 'latticectl dkg run %s' activates "
			    "the pending shares once the hosts answer", c.org);
		goto out;
	}
	t2 = lc_now_ms();
	for (i = 0; i < n; i++) {
		cpu_sum += c.cpu_ms[i];
		if (c.cpu_ms[i] > cpu_max)
			cpu_max = c.cpu_ms[i];
	}
	lc_buf_printf(out, "%s: key shares active on all %u members\n", c.org, n);
	lc_buf_printf(out, "%s: wall time %ld ms (connect and keys %ld ms, rounds %ld ms); "
		      "member agent CPU max %.0f ms, mean %.0f ms\n", c.org, t2 - t0, t1 - t0,
		      t2 - t1, cpu_max, cpu_sum / n);
	rc = 0;
	goto out;
fail:
	if (began) {
		lc_err_clear(&aborted);
		cer_each(&c, "abort", all, n, do_abort, NULL, &aborted);
		lc_buf_printf(out, "%s: ceremony %s stopped; no key share was activated\n",
			      c.org, cid);
	}
out:
	cJSON_Delete(def);
	free(all);
	free(accused);
	free(mv);
	cer_release(&c);
	return rc;
}
