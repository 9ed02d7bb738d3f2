/* ops_dkg.c - the DKG ceremony ops: one member's state for the session, JSON in and out of common/dkgmember.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "agent.h"
#include "dkgmember.h"
#include "hex.h"
#include "banned.h"

/*
 * A session takes part in at most one ceremony at a time; dkg_begin
 * replaces one that was under way.  The state lives in the agent's memory
 * only and is wiped when the session ends (ag_serve) or on dkg_abort: a
 * ceremony never outlives its coordinator's connection.
 */
struct ag_dkg {
	char lattice[256];
	char role[64];
	uint8_t cid[LC_DKGW_CID_LEN];
	unsigned t, n, index;
	struct lc_dkgm *m;
	int finished;
#ifdef LC_TEST_CHEAT
	char silent[32]; /* the op that never answers */
#endif
};

void ag_dkg_free(struct ag_dkg *d)
{
	if (!d)
		return;
	lc_dkgm_free(d->m);
	sodium_memzero(d, sizeof(*d));
	free(d);
}

static int nomem(struct lc_err *err)
{
	return lc_err_set(err, "out of memory");
}

/* A refusal of the member state machine, as a reply code. */
static int refused(struct lc_err *err, int code)
{
	err->code = code;
	return code;
}

/* A member holding n bytes as hex, into out. */
static int hex_member(const cJSON *o, const char *key, uint8_t *out, size_t n,
		      struct lc_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!cJSON_IsString(v) || strlen(v->valuestring) != 2 * n ||
	    lc_hex_decode(out, n, v->valuestring))
		return lc_err_setc(err, AG_E_BAD, "'%s' must be %zu hex digits", key, 2 * n);
	return 0;
}

static int add_hex(cJSON *o, const char *key, const uint8_t *p, size_t n)
{
	char hex[2 * 128 + 1];

	if (n > 128)
		return -1;
	lc_hex_encode(hex, p, n);
	return ag_set_str(o, key, hex);
}

/* A member index in 1..n. */
static int index_member(const cJSON *o, const char *key, unsigned n, unsigned *out,
			struct lc_err *err)
{
	uint64_t v;

	if (ag_json_uint(cJSON_GetObjectItemCaseSensitive(o, key), &v) || v < 1 || v > n)
		return lc_err_setc(err, AG_E_BAD, "'%s' must be a member index from 1 to %u",
				   key, n);
	*out = (unsigned)v;
	return 0;
}

/* t commitments as an array of hex points. */
static int commit_member(const cJSON *o, const char *key, unsigned t,
			 uint8_t (*out)[LC_POINT_LEN], struct lc_err *err)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, key), *v;
	unsigned k = 0;

	if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != (int)t)
		return lc_err_setc(err, AG_E_BAD, "'%s' must be an array of %u points", key, t);
	cJSON_ArrayForEach(v, a) {
		if (!cJSON_IsString(v) || strlen(v->valuestring) != 2 * LC_POINT_LEN ||
		    lc_hex_decode(out[k++], LC_POINT_LEN, v->valuestring))
			return lc_err_setc(err, AG_E_BAD, "'%s' must be an array of %u points",
					   key, t);
	}
	return 0;
}

/* The session's ceremony, at least begun. */
static struct ag_dkg *current(struct ag_req *r, struct lc_err *err)
{
	if (!*r->dkg) {
		lc_err_setc(err, AG_E_BAD, "no DKG ceremony in this session: send dkg_begin first");
		return NULL;
	}
	return *r->dkg;
}

#ifdef LC_TEST_CHEAT
/*
 * Test builds only: <root>/etc/lattice/dkg-test-fault names one fault,
 * "share N", "lie N", "vk" or "silent OP" (tests/t2300-dkg.sh).
 */
static void cheat_setup(struct ag_dkg *d)
{
	char path[PATH_MAX], line[64], what[16];
	unsigned arg = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/etc/lattice/dkg-test-fault", ag_root());
	if (!(f = fopen(path, "r")))
		return;
	if (fgets(line, sizeof(line), f) && sscanf(line, "%15s", what) == 1) {
		if (!strcmp(what, "share") && sscanf(line, "%*s %u", &arg) == 1)
			lc_dkgm_cheat(d->m, LC_DKGM_CHEAT_SHARE, arg);
		else if (!strcmp(what, "lie") && sscanf(line, "%*s %u", &arg) == 1)
			lc_dkgm_cheat(d->m, LC_DKGM_CHEAT_LIE, arg);
		else if (!strcmp(what, "vk"))
			lc_dkgm_cheat(d->m, LC_DKGM_CHEAT_VK, 0);
		else if (!strcmp(what, "silent"))
			sscanf(line, "%*s %31s", d->silent);
		fprintf(stderr, "lattice-agent: TEST BUILD: fault '%s'\n", what);
	}
	fclose(f);
}

static void cheat_silence(const struct ag_dkg *d, const char *op)
{
	if (d && !strcmp(d->silent, op)) {
		fprintf(stderr, "lattice-agent: TEST BUILD: silent in %s\n", op);
		sleep(60);
	}
}
#else
#define cheat_setup(d) ((void)0)
#define cheat_silence(d, op) ((void)0)
#endif

int ag_op_dkg_begin(struct ag_req *r, struct lc_err *err)
{
	const char *lattice, *role;
	uint8_t tpk[LC_DKGW_PK_LEN], cpk[LC_DKGW_PK_LEN];
	struct ag_dkg *d;
	uint64_t t, n, index;
	unsigned dropped = 0;

	if (!(lattice = ag_req_lattice(r, err)) || !(role = ag_req_str(r, "role", err)))
		return err->code;
	if (!ag_role_ok(role) || !strcmp(role, "supervisor"))
		return lc_err_setc(err, AG_E_BAD, "'%.64s' is not a role name", role);
	if (ag_req_uint(r, "t", &t, err) || ag_req_uint(r, "n", &n, err) ||
	    ag_req_uint(r, "index", &index, err))
		return err->code;
	if (n < 1 || n > LC_DKGW_MAX_N || t < 1 || t > n || index < 1 || index > n)
		return lc_err_setc(err, AG_E_BAD, "member %llu of a %llu-of-%llu ceremony is out "
				   "of range (1 <= t <= n <= %d)", (unsigned long long)index,
				   (unsigned long long)t, (unsigned long long)n, LC_DKGW_MAX_N);
	ag_dkg_free(*r->dkg);
	*r->dkg = NULL;
	if (!(d = calloc(1, sizeof(*d))))
		return nomem(err);
	if (hex_member(r->json, "ceremony", d->cid, LC_DKGW_CID_LEN, err)) {
		ag_dkg_free(d);
		return err->code;
	}
	snprintf(d->lattice, sizeof(d->lattice), "%s", lattice);
	snprintf(d->role, sizeof(d->role), "%s", role);
	d->t = (unsigned)t;
	d->n = (unsigned)n;
	d->index = (unsigned)index;
	/* A new ceremony: no earlier unfinished one may leave a share behind. */
	if (ag_dkg_drop_pending(lattice, role, NULL, &dropped, err) ||
	    lc_dkgm_new(&d->m, d->cid, d->t, d->n, d->index, err)) {
		ag_dkg_free(d);
		return err->code;
	}
	cheat_setup(d);
	*r->dkg = d;
	lc_dkgm_keys(d->m, tpk, cpk);
	if (add_hex(r->reply, "transport_key", tpk, sizeof(tpk)) ||
	    add_hex(r->reply, "ceremony_key", cpk, sizeof(cpk)) ||
	    ag_set_num(r->reply, "dropped", dropped))
		return nomem(err);
	return 0;
}

int ag_op_dkg_define(struct ag_req *r, struct lc_err *err)
{
	const cJSON *def = cJSON_GetObjectItemCaseSensitive(r->json, "definition"), *a, *e;
	struct lc_dkgw_member *mv = NULL;
	struct lc_dkgw_def dd;
	uint8_t hash[LC_DKGW_HASH_LEN], sig[LC_DKGW_SIG_LEN];
	struct ag_dkg *d;
	uint64_t v;
	unsigned i = 0;
	int rc;

	if (!(d = current(r, err)))
		return err->code;
	cheat_silence(d, "define");
	if (!cJSON_IsObject(def))
		return lc_err_setc(err, AG_E_BAD, "'definition' must be an object");
	memset(&dd, 0, sizeof(dd));
	if (ag_json_uint(cJSON_GetObjectItemCaseSensitive(def, "version"), &v) ||
	    ag_json_uint(cJSON_GetObjectItemCaseSensitive(def, "t"), &v) ||
	    ag_json_uint(cJSON_GetObjectItemCaseSensitive(def, "n"), &v))
		return lc_err_setc(err, AG_E_BAD, "the definition needs version, t and n");
	dd.version = (unsigned)cJSON_GetObjectItemCaseSensitive(def, "version")->valuedouble;
	dd.t = (unsigned)cJSON_GetObjectItemCaseSensitive(def, "t")->valuedouble;
	dd.n = (unsigned)cJSON_GetObjectItemCaseSensitive(def, "n")->valuedouble;
	dd.lattice = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(def, "lattice"));
	dd.organism = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(def, "organism"));
	dd.role = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(def, "role"));
	if (hex_member(def, "ceremony", dd.cid, LC_DKGW_CID_LEN, err))
		return err->code;
	if (!dd.lattice || !dd.organism || !dd.role)
		return lc_err_setc(err, AG_E_BAD, "the definition needs lattice, organism and role");
	if (strcmp(dd.lattice, d->lattice) || strcmp(dd.role, d->role))
		return lc_err_setc(err, AG_E_BAD, "the definition is for %.64s of '%.100s', this "
				   "ceremony for %s of '%s'", dd.role, dd.lattice, d->role,
				   d->lattice);
	a = cJSON_GetObjectItemCaseSensitive(def, "members");
	if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != (int)d->n || dd.n != d->n)
		return lc_err_setc(err, AG_E_BAD, "the definition must list %u members", d->n);
	if (!(mv = calloc(d->n, sizeof(*mv))))
		return nomem(err);
	cJSON_ArrayForEach(e, a) {
		mv[i].host = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "host"));
		if (!mv[i].host || hex_member(e, "transport_key", mv[i].transport_pk,
					      LC_DKGW_PK_LEN, err) ||
		    hex_member(e, "ceremony_key", mv[i].ceremony_pk, LC_DKGW_PK_LEN, err)) {
			rc = err->code ? err->code
				       : lc_err_setc(err, AG_E_BAD, "member %u has no host", i + 1);
			goto out;
		}
		i++;
	}
	dd.members = mv;
	if (lc_dkgm_define(d->m, &dd, hash, sig, err)) {
		rc = refused(err, AG_E_BAD);
		goto out;
	}
	rc = add_hex(r->reply, "definition_hash", hash, sizeof(hash)) ||
	     add_hex(r->reply, "signature", sig, sizeof(sig)) ? nomem(err) : 0;
out:
	free(mv);
	return rc;
}

int ag_op_dkg_deal(struct ag_req *r, struct lc_err *err)
{
	uint8_t (*commit)[LC_POINT_LEN] = NULL, csig[LC_DKGW_SIG_LEN];
	uint8_t (*boxes)[LC_DKGW_BOX_LEN] = NULL, (*sigs)[LC_DKGW_SIG_LEN] = NULL;
	cJSON *a, *o;
	struct ag_dkg *d;
	char hex[2 * LC_POINT_LEN + 1];
	unsigned k, j;
	int rc = 0;

	if (!(d = current(r, err)))
		return err->code;
	cheat_silence(d, "deal");
	commit = calloc(d->t, sizeof(*commit));
	boxes = calloc(d->n, sizeof(*boxes));
	sigs = calloc(d->n, sizeof(*sigs));
	if (!commit || !boxes || !sigs) {
		rc = nomem(err);
		goto out;
	}
	if (lc_dkgm_deal(d->m, commit, csig, boxes, sigs, err)) {
		rc = refused(err, AG_E_BAD);
		goto out;
	}
	if (!(a = cJSON_AddArrayToObject(r->reply, "commitments")))
		goto oom;
	for (k = 0; k < d->t; k++) {
		lc_hex_encode(hex, commit[k], LC_POINT_LEN);
		if (!cJSON_AddItemToArray(a, cJSON_CreateString(hex)))
			goto oom;
	}
	if (add_hex(r->reply, "commitment_signature", csig, sizeof(csig)) ||
	    !(a = cJSON_AddArrayToObject(r->reply, "shares")))
		goto oom;
	for (j = 1; j <= d->n; j++) {
		if (j == d->index)
			continue;
		if (!(o = cJSON_CreateObject()) || !cJSON_AddItemToArray(a, o) ||
		    ag_set_num(o, "to", j) || add_hex(o, "box", boxes[j - 1], LC_DKGW_BOX_LEN) ||
		    add_hex(o, "signature", sigs[j - 1], LC_DKGW_SIG_LEN))
			goto oom;
	}
	goto out;
oom:
	rc = nomem(err);
out:
	free(commit);
	free(boxes);
	free(sigs);
	return rc;
}

int ag_op_dkg_deliver(struct ag_req *r, struct lc_err *err)
{
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(r->json, "items"), *it;
	uint8_t (*commit)[LC_POINT_LEN] = NULL, csig[LC_DKGW_SIG_LEN];
	uint8_t box[LC_DKGW_BOX_LEN], sig[LC_DKGW_SIG_LEN];
	cJSON *forged, *o;
	struct ag_dkg *d;
	char why[128];
	unsigned from;
	int rc = 0, got;

	if (!(d = current(r, err)))
		return err->code;
	if (!cJSON_IsArray(items))
		return lc_err_setc(err, AG_E_BAD, "'items' must be an array");
	if (!(commit = calloc(d->t, sizeof(*commit))))
		return nomem(err);
	if (!(forged = cJSON_AddArrayToObject(r->reply, "forged"))) {
		rc = nomem(err);
		goto out;
	}
	cJSON_ArrayForEach(it, items) {
		if (index_member(it, "from", d->n, &from, err) ||
		    commit_member(it, "commitments", d->t, commit, err) ||
		    hex_member(it, "commitment_signature", csig, sizeof(csig), err) ||
		    hex_member(it, "box", box, sizeof(box), err) ||
		    hex_member(it, "signature", sig, sizeof(sig), err)) {
			rc = err->code;
			goto out;
		}
		got = lc_dkgm_receive(d->m, from, (const uint8_t (*)[LC_POINT_LEN])commit, csig,
				      box, sig, why, sizeof(why), err);
		if (got < 0) {
			rc = refused(err, AG_E_BAD);
			goto out;
		}
		if (got == LC_DKGM_FORGED &&
		    (!(o = cJSON_CreateObject()) || !cJSON_AddItemToArray(forged, o) ||
		     ag_set_num(o, "from", from) || ag_set_str(o, "why", why))) {
			rc = nomem(err);
			goto out;
		}
	}
out:
	free(commit);
	return rc;
}

int ag_op_dkg_verdict(struct ag_req *r, struct lc_err *err)
{
	uint8_t sig[LC_DKGW_SIG_LEN];
	unsigned *accused = NULL, k, i;
	struct ag_dkg *d;
	cJSON *a, *o;
	int rc = 0;

	if (!(d = current(r, err)))
		return err->code;
	cheat_silence(d, "verdict");
	if (!(accused = calloc(d->n, sizeof(*accused))))
		return nomem(err);
	if (lc_dkgm_verdict(d->m, accused, &k, sig, err)) {
		rc = refused(err, AG_E_BAD);
		goto out;
	}
	if (!(a = cJSON_AddArrayToObject(r->reply, "complaints")))
		goto oom;
	for (i = 0; i < k; i++)
		if (!(o = cJSON_CreateObject()) || !cJSON_AddItemToArray(a, o) ||
		    ag_set_num(o, "against", accused[i]) ||
		    ag_set_str(o, "why", lc_dkgm_why(d->m, accused[i])))
			goto oom;
	if (add_hex(r->reply, "signature", sig, sizeof(sig)))
		goto oom;
	goto out;
oom:
	rc = nomem(err);
out:
	free(accused);
	return rc;
}

int ag_op_dkg_reveal(struct ag_req *r, struct lc_err *err)
{
	const cJSON *to = cJSON_GetObjectItemCaseSensitive(r->json, "to"), *v;
	uint8_t *share = sodium_malloc(LC_SCALAR_LEN), sig[LC_DKGW_SIG_LEN];
	struct ag_dkg *d;
	cJSON *a, *o;
	uint64_t j;
	int rc = 0;

	if (!share)
		return nomem(err);
	if (!(d = current(r, err))) {
		rc = err->code;
		goto out;
	}
	if (!cJSON_IsArray(to)) {
		rc = lc_err_setc(err, AG_E_BAD, "'to' must be an array of member indices");
		goto out;
	}
	if (!(a = cJSON_AddArrayToObject(r->reply, "reveals")))
		goto oom;
	cJSON_ArrayForEach(v, to) {
		if (ag_json_uint(v, &j) || j < 1 || j > d->n) {
			rc = lc_err_setc(err, AG_E_BAD, "'to' must be an array of member indices");
			goto out;
		}
		if (lc_dkgm_reveal(d->m, (unsigned)j, share, sig, err)) {
			rc = refused(err, AG_E_BAD);
			goto out;
		}
		/* Revealed on purpose: this share answers a public complaint. */
		if (!(o = cJSON_CreateObject()) || !cJSON_AddItemToArray(a, o) ||
		    ag_set_num(o, "to", (double)j) || add_hex(o, "share", share, LC_SCALAR_LEN) ||
		    add_hex(o, "signature", sig, sizeof(sig)))
			goto oom;
	}
	goto out;
oom:
	rc = nomem(err);
out:
	sodium_free(share);
	return rc;
}

int ag_op_dkg_resolve(struct ag_req *r, struct lc_err *err)
{
	uint8_t (*commit)[LC_POINT_LEN] = NULL, csig[LC_DKGW_SIG_LEN];
	uint8_t share[LC_SCALAR_LEN], sig[LC_DKGW_SIG_LEN];
	struct ag_dkg *d;
	unsigned from;
	int rc = 0, with_commit;

	if (!(d = current(r, err)))
		return err->code;
	with_commit = ag_req_has(r, "commitments");
	if (!(commit = calloc(d->t, sizeof(*commit))))
		return nomem(err);
	if (index_member(r->json, "from", d->n, &from, err) ||
	    hex_member(r->json, "share", share, sizeof(share), err) ||
	    hex_member(r->json, "signature", sig, sizeof(sig), err) ||
	    (with_commit && (commit_member(r->json, "commitments", d->t, commit, err) ||
			     hex_member(r->json, "commitment_signature", csig, sizeof(csig),
					err)))) {
		rc = err->code;
		goto out;
	}
	if (lc_dkgm_resolve(d->m, from, with_commit ? (const uint8_t (*)[LC_POINT_LEN])commit
						   : NULL,
			    csig, share, sig, err))
		rc = refused(err, AG_E_MISMATCH);
out:
	sodium_memzero(share, sizeof(share));
	free(commit);
	return rc;
}

/* The agent's own CPU time so far, in milliseconds. */
static double cpu_ms(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) < 0)
		return 0;
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000.0 +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000.0;
}

int ag_op_dkg_finish(struct ag_req *r, struct lc_err *err)
{
	const cJSON *q = cJSON_GetObjectItemCaseSensitive(r->json, "qualified"), *v;
	uint8_t *share = sodium_malloc(LC_SCALAR_LEN), gpk[LC_POINT_LEN], vk[LC_POINT_LEN];
	uint8_t sig[LC_DKGW_SIG_LEN];
	char *text = sodium_malloc(2 * LC_SCALAR_LEN + 2), name[AG_NAME_MAX + 1];
	struct ag_dir dir = { .fd = -1 };
	unsigned *qual = NULL, k = 0;
	struct ag_dkg *d;
	uint64_t i;
	int rc = 0;

	if (!share || !text) {
		rc = nomem(err);
		goto out;
	}
	if (!(d = current(r, err))) {
		rc = err->code;
		goto out;
	}
	cheat_silence(d, "finish");
	if (!cJSON_IsArray(q) || !(qual = calloc(d->n, sizeof(*qual))) ||
	    cJSON_GetArraySize(q) > (int)d->n) {
		rc = lc_err_setc(err, AG_E_BAD, "'qualified' must be an array of member indices");
		goto out;
	}
	cJSON_ArrayForEach(v, q) {
		if (ag_json_uint(v, &i) || i < 1 || i > d->n) {
			rc = lc_err_setc(err, AG_E_BAD, "'qualified' must be an array of member "
					 "indices");
			goto out;
		}
		qual[k++] = (unsigned)i;
	}
	if (lc_dkgm_finish(d->m, qual, k, share, gpk, vk, sig, err)) {
		rc = refused(err, AG_E_BAD);
		goto out;
	}
	/* The share, pending: active only once the transcript is recorded. */
	lc_hex_encode(text, share, LC_SCALAR_LEN);
	text[2 * LC_SCALAR_LEN] = '\n';
	ag_dkg_pending_name(name, sizeof(name), d->role, d->cid);
	if ((rc = ag_dir_open(&dir, AG_AREA_SECRET, d->lattice, AG_DIR_CREATE, err)) ||
	    (rc = ag_write_at(&dir, name, text, 2 * LC_SCALAR_LEN + 1, 0400, err)))
		goto out;
	d->finished = 1;
	if (add_hex(r->reply, "public_key", vk, sizeof(vk)) ||
	    add_hex(r->reply, "group_public_key", gpk, sizeof(gpk)) ||
	    add_hex(r->reply, "signature", sig, sizeof(sig)) ||
	    ag_set_str(r->reply, "pending", name) || ag_set_num(r->reply, "cpu_ms", cpu_ms()))
		rc = nomem(err);
out:
	ag_dir_close(&dir);
	free(qual);
	sodium_free(share);
	sodium_free(text);
	return rc;
}
