/* transcript_json.c - a DKG ceremony's transcript as JSON (state/<lattice>/dkg/<organism>.json) and back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "hex.h"
#include "transcript.h"
#include "banned.h"

static int add_hex(cJSON *o, const char *key, const uint8_t *p, size_t n)
{
	char hex[2 * 64 + 1];

	lc_hex_encode(hex, p, n);
	return cJSON_AddStringToObject(o, key, hex) ? 0 : -1;
}

static int add_points(cJSON *o, const char *key, const uint8_t (*p)[LC_POINT_LEN],
		      unsigned k)
{
	cJSON *a = cJSON_AddArrayToObject(o, key);
	char hex[2 * LC_POINT_LEN + 1];
	unsigned i;

	if (!a)
		return -1;
	for (i = 0; i < k; i++) {
		lc_hex_encode(hex, p[i], LC_POINT_LEN);
		if (!cJSON_AddItemToArray(a, cJSON_CreateString(hex)))
			return -1;
	}
	return 0;
}

static int member_json(cJSON *a, const struct lc_transcript *tr, unsigned i)
{
	const struct lc_tr_member *mb = &tr->m[i - 1];
	cJSON *o = cJSON_CreateObject(), *s, *e;
	unsigned j;
	int bad = 0;

	if (!o || !cJSON_AddItemToArray(a, o))
		return -1;
	bad |= !cJSON_AddNumberToObject(o, "index", i);
	bad |= !cJSON_AddStringToObject(o, "host", mb->host);
	bad |= add_hex(o, "transport_key", mb->transport_pk, LC_DKGW_PK_LEN);
	bad |= add_hex(o, "ceremony_key", mb->ceremony_pk, LC_DKGW_PK_LEN);
	bad |= add_hex(o, "definition_signature", mb->def_sig, LC_DKGW_SIG_LEN);
	bad |= add_points(o, "commitments", (const uint8_t (*)[LC_POINT_LEN])mb->commit, tr->t);
	bad |= add_hex(o, "commitment_signature", mb->commit_sig, LC_DKGW_SIG_LEN);
	if (!(s = cJSON_AddArrayToObject(o, "shares")))
		return -1;
	for (j = 1; j <= tr->n; j++) {
		if (j == i)
			continue;
		if (!(e = cJSON_CreateObject()) || !cJSON_AddItemToArray(s, e))
			return -1;
		bad |= !cJSON_AddNumberToObject(e, "to", j);
		bad |= add_hex(e, "box", mb->box[j - 1], LC_DKGW_BOX_LEN);
		bad |= add_hex(e, "signature", mb->box_sig[j - 1], LC_DKGW_SIG_LEN);
	}
	if (!(s = cJSON_AddArrayToObject(o, "complaints")))
		return -1;
	for (j = 1; j <= tr->n; j++) {
		if (!mb->accuses[j - 1])
			continue;
		if (!(e = cJSON_CreateObject()) || !cJSON_AddItemToArray(s, e))
			return -1;
		bad |= !cJSON_AddNumberToObject(e, "against", j);
		bad |= !cJSON_AddStringToObject(e, "why", mb->why[j - 1]);
	}
	bad |= add_hex(o, "verdict_signature", mb->verdict_sig, LC_DKGW_SIG_LEN);
	if (!(s = cJSON_AddArrayToObject(o, "reveals")))
		return -1;
	for (j = 1; j <= tr->n; j++) {
		if (!mb->revealed[j - 1])
			continue;
		if (!(e = cJSON_CreateObject()) || !cJSON_AddItemToArray(s, e))
			return -1;
		bad |= !cJSON_AddNumberToObject(e, "to", j);
		bad |= add_hex(e, "share", mb->reveal[j - 1], LC_SCALAR_LEN);
		bad |= add_hex(e, "signature", mb->reveal_sig[j - 1], LC_DKGW_SIG_LEN);
	}
	if (mb->disqualified)
		bad |= !cJSON_AddStringToObject(o, "disqualified", mb->dq_why);
	bad |= add_hex(o, "public_key", mb->vk, LC_POINT_LEN);
	bad |= add_hex(o, "result_signature", mb->final_sig, LC_DKGW_SIG_LEN);
	return bad ? -1 : 0;
}

char *lc_tr_json(const struct lc_transcript *tr)
{
	cJSON *o = cJSON_CreateObject(), *a;
	char *text = NULL;
	unsigned i;
	int bad = 0;

	if (!o)
		return NULL;
	bad |= !cJSON_AddNumberToObject(o, "ceremony_transcript", tr->version);
	bad |= !cJSON_AddStringToObject(o, "dkg", "ceremony");
	bad |= add_hex(o, "ceremony", tr->cid, LC_DKGW_CID_LEN);
	bad |= !cJSON_AddStringToObject(o, "lattice", tr->lattice);
	bad |= !cJSON_AddStringToObject(o, "organism", tr->organism);
	bad |= !cJSON_AddStringToObject(o, "role", tr->role);
	bad |= !cJSON_AddNumberToObject(o, "t", tr->t);
	bad |= !cJSON_AddNumberToObject(o, "n", tr->n);
	bad |= add_hex(o, "definition_hash", tr->defhash, LC_DKGW_HASH_LEN);
	bad |= add_hex(o, "group_public_key", tr->group_pk, LC_POINT_LEN);
	bad |= add_points(o, "aggregate_commitments", (const uint8_t (*)[LC_POINT_LEN])tr->agg,
			  tr->t);
	if (!(a = cJSON_AddArrayToObject(o, "qualified")))
		goto out;
	for (i = 0; i < tr->nqual; i++)
		bad |= !cJSON_AddItemToArray(a, cJSON_CreateNumber(tr->qual[i]));
	bad |= !cJSON_AddNumberToObject(o, "recorded_at", (double)tr->recorded_at);
	if (!(a = cJSON_AddArrayToObject(o, "members")))
		goto out;
	for (i = 1; i <= tr->n && !bad; i++)
		bad |= member_json(a, tr, i);
	if (!bad)
		text = cJSON_Print(o);
out:
	cJSON_Delete(o);
	return text;
}

/* The parser's state: the document and where the first problem was. */
struct rd {
	struct lc_err *err;
	int bad;
};

static int fail(struct rd *r, const char *what)
{
	if (!r->bad)
		lc_err_set(r->err, "%s", what);
	r->bad = 1;
	return -1;
}

static void get_hex(struct rd *r, const cJSON *o, const char *key, uint8_t *out, size_t n)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	char what[96];

	if (!cJSON_IsString(v) || strlen(v->valuestring) != 2 * n ||
	    lc_hex_decode(out, n, v->valuestring)) {
		snprintf(what, sizeof(what), "'%s' is not %zu hex digits", key, 2 * n);
		fail(r, what);
	}
}

static unsigned get_uint(struct rd *r, const cJSON *o, const char *key, unsigned lo,
			 unsigned hi)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	char what[96];

	if (!cJSON_IsNumber(v) || v->valuedouble < lo || v->valuedouble > hi ||
	    v->valuedouble != (double)(unsigned)v->valuedouble) {
		snprintf(what, sizeof(what), "'%s' is not a number from %u to %u", key, lo, hi);
		fail(r, what);
		return lo;
	}
	return (unsigned)v->valuedouble;
}

static void get_str(struct rd *r, const cJSON *o, const char *key, char *out, size_t n)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
	char what[96];

	if (!s || !*s || strlen(s) >= n) {
		snprintf(what, sizeof(what), "'%s' is missing or too long", key);
		fail(r, what);
		return;
	}
	snprintf(out, n, "%s", s);
}

static const cJSON *get_array(struct rd *r, const cJSON *o, const char *key, int len)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, key);
	char what[96];

	if (!cJSON_IsArray(a) || (len >= 0 && cJSON_GetArraySize(a) != len)) {
		snprintf(what, sizeof(what), "'%s' is not an array%s", key,
			 len >= 0 ? " of the right length" : "");
		fail(r, what);
		return NULL;
	}
	return a;
}

static void get_points(struct rd *r, const cJSON *o, const char *key,
		       uint8_t (*out)[LC_POINT_LEN], unsigned k)
{
	const cJSON *a = get_array(r, o, key, (int)k), *v;
	unsigned i = 0;

	if (!a)
		return;
	cJSON_ArrayForEach(v, a) {
		if (!cJSON_IsString(v) || strlen(v->valuestring) != 2 * LC_POINT_LEN ||
		    lc_hex_decode(out[i++], LC_POINT_LEN, v->valuestring)) {
			fail(r, "a commitment is not 64 hex digits");
			return;
		}
	}
}

static void parse_member(struct rd *r, struct lc_transcript *tr, const cJSON *o, unsigned i)
{
	struct lc_tr_member *mb = &tr->m[i - 1];
	const cJSON *a, *e;
	const char *why;
	unsigned j;

	if (get_uint(r, o, "index", 1, tr->n) != i)
		fail(r, "the members are not listed in index order");
	get_str(r, o, "host", mb->host, sizeof(mb->host));
	get_hex(r, o, "transport_key", mb->transport_pk, LC_DKGW_PK_LEN);
	get_hex(r, o, "ceremony_key", mb->ceremony_pk, LC_DKGW_PK_LEN);
	get_hex(r, o, "definition_signature", mb->def_sig, LC_DKGW_SIG_LEN);
	get_points(r, o, "commitments", mb->commit, tr->t);
	get_hex(r, o, "commitment_signature", mb->commit_sig, LC_DKGW_SIG_LEN);
	if ((a = get_array(r, o, "shares", (int)tr->n - 1))) {
		cJSON_ArrayForEach(e, a) {
			j = get_uint(r, e, "to", 1, tr->n);
			if (j == i)
				fail(r, "a member sends itself a share");
			get_hex(r, e, "box", mb->box[j - 1], LC_DKGW_BOX_LEN);
			get_hex(r, e, "signature", mb->box_sig[j - 1], LC_DKGW_SIG_LEN);
		}
	}
	if ((a = get_array(r, o, "complaints", -1))) {
		cJSON_ArrayForEach(e, a) {
			j = get_uint(r, e, "against", 1, tr->n);
			mb->accuses[j - 1] = 1;
			why = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "why"));
			snprintf(mb->why[j - 1], LC_TR_WHY_LEN, "%s", why ? why : "");
		}
	}
	get_hex(r, o, "verdict_signature", mb->verdict_sig, LC_DKGW_SIG_LEN);
	if ((a = get_array(r, o, "reveals", -1))) {
		cJSON_ArrayForEach(e, a) {
			j = get_uint(r, e, "to", 1, tr->n);
			mb->revealed[j - 1] = 1;
			get_hex(r, e, "share", mb->reveal[j - 1], LC_SCALAR_LEN);
			get_hex(r, e, "signature", mb->reveal_sig[j - 1], LC_DKGW_SIG_LEN);
		}
	}
	why = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "disqualified"));
	if (why) {
		mb->disqualified = 1;
		snprintf(mb->dq_why, sizeof(mb->dq_why), "%s", why);
	}
	get_hex(r, o, "public_key", mb->vk, LC_POINT_LEN);
	get_hex(r, o, "result_signature", mb->final_sig, LC_DKGW_SIG_LEN);
}

int lc_tr_parse(struct lc_transcript *tr, const char *text, size_t len, struct lc_err *err)
{
	struct rd r = { err, 0 };
	cJSON *o = cJSON_ParseWithLength(text, len);
	const cJSON *a, *e;
	unsigned t, n, i = 0, v;

	memset(tr, 0, sizeof(*tr));
	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		return lc_err_set(err, "not a JSON object");
	}
	v = get_uint(&r, o, "ceremony_transcript", 1, 1000000);
	if (r.bad || v != LC_DKGW_VERSION) {
		if (r.bad)
			lc_err_set(err, "not a DKG ceremony transcript");
		else
			lc_err_set(err, "transcript version %u is not %d (a newer latticectl "
				   "wrote it?)", v, LC_DKGW_VERSION);
		cJSON_Delete(o);
		return -1;
	}
	n = get_uint(&r, o, "n", 1, LC_DKGW_MAX_N);
	t = get_uint(&r, o, "t", 1, n);
	if (r.bad || lc_tr_init(tr, t, n, err)) {
		cJSON_Delete(o);
		return -1;
	}
	get_hex(&r, o, "ceremony", tr->cid, LC_DKGW_CID_LEN);
	get_str(&r, o, "lattice", tr->lattice, sizeof(tr->lattice));
	get_str(&r, o, "organism", tr->organism, sizeof(tr->organism));
	get_str(&r, o, "role", tr->role, sizeof(tr->role));
	get_hex(&r, o, "definition_hash", tr->defhash, LC_DKGW_HASH_LEN);
	get_hex(&r, o, "group_public_key", tr->group_pk, LC_POINT_LEN);
	get_points(&r, o, "aggregate_commitments", tr->agg, t);
	if ((a = get_array(&r, o, "qualified", -1))) {
		if (cJSON_GetArraySize(a) > (int)n)
			fail(&r, "'qualified' lists more members than there are");
		cJSON_ArrayForEach(e, a) {
			if (r.bad)
				break;
			if (!cJSON_IsNumber(e) || e->valuedouble < 1 || e->valuedouble > n ||
			    (v = (unsigned)e->valuedouble) != e->valuedouble ||
			    (tr->nqual && tr->qual[tr->nqual - 1] >= v)) {
				fail(&r, "'qualified' is not sorted member indices");
				break;
			}
			tr->qual[tr->nqual++] = v;
		}
	}
	e = cJSON_GetObjectItemCaseSensitive(o, "recorded_at");
	tr->recorded_at = cJSON_IsNumber(e) ? (long long)e->valuedouble : 0;
	if ((a = get_array(&r, o, "members", (int)n)))
		cJSON_ArrayForEach(e, a)
			if (!r.bad)
				parse_member(&r, tr, e, ++i);
	cJSON_Delete(o);
	if (r.bad) {
		lc_tr_release(tr);
		return -1;
	}
	return 0;
}
