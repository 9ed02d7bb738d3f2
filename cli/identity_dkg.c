/* identity_dkg.c - the trusted-dealer DKG of unseal and offer: dealt once, staged, verified on every load. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "dkg_record.h"
#include "hex.h"
#include "identity_priv.h"
#include "banned.h"

static int cmp_hostid(const void *a, const void *b, void *ctx)
{
	const struct lc_identity *id = ctx;
	const struct lc_member *x = *(struct lc_member *const *)a;
	const struct lc_member *y = *(struct lc_member *const *)b;

	return strcmp(id->hostid[x->host], id->hostid[y->host]);
}

/* Insertion sort with a context (members are few). */
static void sort_members(struct lc_member **v, size_t n, struct lc_identity *id)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		struct lc_member *x = v[i];

		for (j = i; j > 0 && cmp_hostid(&v[j - 1], &x, id) > 0; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

/* Remove a directory of plain files (a staging directory never activated). */
static void remove_dir(int dirfd, const char *name)
{
	struct dirent *e;
	DIR *d;
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return;
	if (!(d = fdopendir(fd))) {
		close(fd);
		return;
	}
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			unlinkat(fd, e->d_name, 0);
	closedir(d);
	unlinkat(dirfd, name, AT_REMOVEDIR);
}

/* Staging directories left by a killed run hold shares never used: drop them. */
static void drop_stale_staging(struct lc_id_run *r, const char *org)
{
	char prefix[64], name[320];
	struct dirent *e;
	DIR *d;
	int fd = openat(r->store->dirfd, "dkg", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return;
	if (!(d = fdopendir(fd))) {
		close(fd);
		return;
	}
	snprintf(prefix, sizeof(prefix), "%s.staging-", org);
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, prefix, strlen(prefix)))
			continue;
		snprintf(name, sizeof(name), "dkg/%s", e->d_name);
		remove_dir(r->store->dirfd, name);
	}
	closedir(d);
}

static char *public_json(const struct lc_dkg_public *pub, const char *org,
			 struct lc_member *const *mv, const struct lc_identity *id)
{
	cJSON *o = cJSON_CreateObject(), *a, *e;
	char hex[65];
	char *out;
	unsigned i;

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "organism", org);
	cJSON_AddStringToObject(o, "mode", "dealer");
	cJSON_AddNumberToObject(o, "t", pub->t);
	cJSON_AddNumberToObject(o, "n", pub->n);
	lc_hex_encode(hex, pub->group_pk, 32);
	cJSON_AddStringToObject(o, "group_public_key", hex);
	a = cJSON_AddArrayToObject(o, "commitments");
	for (i = 0; i < pub->t; i++) {
		lc_hex_encode(hex, pub->commitments[i], 32);
		cJSON_AddItemToArray(a, cJSON_CreateString(hex));
	}
	a = cJSON_AddArrayToObject(o, "members");
	for (i = 0; i < pub->n; i++) {
		e = cJSON_CreateObject();
		cJSON_AddItemToArray(a, e);
		cJSON_AddStringToObject(e, "host", id->hostid[mv[i]->host]);
		cJSON_AddNumberToObject(e, "index", i + 1);
		lc_hex_encode(hex, pub->member_pk[i], 32);
		cJSON_AddStringToObject(e, "public_key", hex);
	}
	out = cJSON_Print(o);
	cJSON_Delete(o);
	return out;
}

static int hex32(uint8_t out[32], const cJSON *v)
{
	return cJSON_IsString(v) ? lc_hex_decode(out, 32, v->valuestring) : -1;
}

/*
 * Parse a recorded public.json into pub.  Returns 0 when it matches the
 * manifest's committee (t and the sorted member list), 1 when it is valid
 * but for another committee (why says how), -1 when it is corrupt.
 */
static int parse_public(struct lc_dkg_public *pub, const char *text,
			const char *org, unsigned t, struct lc_member *const *mv,
			unsigned n, const struct lc_identity *id, char *why,
			size_t whylen)
{
	cJSON *o = cJSON_Parse(text), *a, *e;
	unsigned i, rt, rn;
	int rc = -1;

	if (!o)
		return -1;
	if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(o, "organism")) ?: "", org) ||
	    !cJSON_IsNumber(cJSON_GetObjectItem(o, "t")) ||
	    !cJSON_IsNumber(cJSON_GetObjectItem(o, "n")))
		goto out;
	rt = (unsigned)cJSON_GetObjectItem(o, "t")->valuedouble;
	rn = (unsigned)cJSON_GetObjectItem(o, "n")->valuedouble;
	if (rt < 1 || rt > rn || rn > LC_DKG_MAX_N)
		goto out;
	pub->t = rt;
	pub->n = rn;
	if (hex32(pub->group_pk, cJSON_GetObjectItem(o, "group_public_key")))
		goto out;
	a = cJSON_GetObjectItem(o, "commitments");
	if (cJSON_GetArraySize(a) != (int)rt)
		goto out;
	for (i = 0; i < rt; i++)
		if (hex32(pub->commitments[i], cJSON_GetArrayItem(a, (int)i)))
			goto out;
	if (memcmp(pub->commitments[0], pub->group_pk, 32))
		goto out;
	a = cJSON_GetObjectItem(o, "members");
	if (cJSON_GetArraySize(a) != (int)rn)
		goto out;
	rc = 0;
	for (i = 0; i < rn; i++) {
		e = cJSON_GetArrayItem(a, (int)i);
		if (!cJSON_IsString(cJSON_GetObjectItem(e, "host")) ||
		    hex32(pub->member_pk[i], cJSON_GetObjectItem(e, "public_key"))) {
			rc = -1;
			goto out;
		}
		if (rc == 0 && (i >= n || strcmp(cJSON_GetObjectItem(e, "host")->valuestring,
						 id->hostid[mv[i]->host])))
			rc = 1;
	}
	if (rc == 0 && (rt != t || rn != n))
		rc = 1;
	if (rc == 1)
		snprintf(why, whylen, "the %s key shares on record were dealt %u-of-%u "
			 "to other members than the manifest's %u-of-%u", org, rt, rn, t, n);
out:
	cJSON_Delete(o);
	return rc;
}

static int gen_copy(uint8_t *out, size_t len, void *arg, struct lc_err *err)
{
	(void)err;
	memcpy(out, arg, len);
	return 0;
}

static int deal(struct lc_id_run *r, struct lc_dkg_public *pub, const char *org,
		unsigned t, struct lc_member *const *mv, unsigned n)
{
	uint8_t (*shares)[LC_SCALAR_LEN] = sodium_malloc((size_t)n * LC_SCALAR_LEN);
	uint8_t *tmp = sodium_malloc(32);
	char staging[96], final[64], rel[LC_HOSTID_MAX + 128];
	char *json = NULL;
	unsigned i;
	int rc = -1;

	if (!shares || !tmp) {
		lc_err_set(r->err, "out of memory");
		goto out;
	}
	if (lc_dkg_deal(pub, shares, t, n, r->err))
		goto out;
	snprintf(staging, sizeof(staging), "dkg/%s.staging-%ld", org, (long)getpid());
	snprintf(final, sizeof(final), "dkg/%s", org);
	remove_dir(r->store->dirfd, staging);
	if (lc_secrets_subdir(r->store, staging, r->err))
		goto out;
	for (i = 0; i < n; i++) {
		snprintf(rel, sizeof(rel), "%s/%s.share", staging, r->id->hostid[mv[i]->host]);
		if (lc_id_secret(r, rel, tmp, 32, gen_copy, shares[i]))
			goto out;
	}
	if (!(json = public_json(pub, org, mv, r->id))) {
		lc_err_set(r->err, "out of memory");
		goto out;
	}
	snprintf(rel, sizeof(rel), "%s/public.json", staging);
	if (lc_secrets_put_public(r->store, rel, json, strlen(json), r->err))
		goto out;
	/* The dealing becomes real in one step: the directory's rename. */
	if (renameat(r->store->dirfd, staging, r->store->dirfd, final) < 0) {
		lc_err_set(r->err, "cannot move '%s/%s' into place: %s", r->store->path,
			   staging, strerror(errno));
		goto out;
	}
	{
		int fd = openat(r->store->dirfd, "dkg", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd < 0 || fsync(fd) < 0) {
			lc_err_set(r->err, "cannot sync '%s/dkg': %s", r->store->path,
				   strerror(errno));
			if (fd >= 0)
				close(fd);
			goto out;
		}
		close(fd);
	}
	rc = 0;
out:
	if (rc)
		remove_dir(r->store->dirfd, staging);
	free(json);
	sodium_free(shares);
	sodium_free(tmp);
	return rc;
}

/* A recorded share that is missing is lost: it must not be made anew. */
static int gen_lost(uint8_t *out, size_t len, void *arg, struct lc_err *err)
{
	(void)out;
	(void)len;
	lc_err_setc(err, LC_ERR_NOTFOUND, "key share '%s' is missing", (const char *)arg);
	lc_err_hint(err, "a lost key share cannot be remade: restore it from "
		    "backup, or run a new DKG (a fingerprint change)");
	return -1;
}

/* Check every member's share against the recorded commitments. */
static int verify_shares(struct lc_id_run *r, const struct lc_dkg_public *pub,
			 const char *org, struct lc_member *const *mv)
{
	uint8_t *share = sodium_malloc(32), pk[32];
	char rel[LC_HOSTID_MAX + 64], path[4096 + LC_HOSTID_MAX + 64];
	unsigned i;
	int rc = -1, created;

	if (!share)
		return lc_err_set(r->err, "out of memory");
	for (i = 0; i < pub->n; i++) {
		snprintf(rel, sizeof(rel), "dkg/%s/%s.share", org, r->id->hostid[mv[i]->host]);
		snprintf(path, sizeof(path), "%s/%s", r->store->path, rel);
		if (lc_secret_get(r->store, rel, share, 32, gen_lost, path, &created, r->err))
			goto out;
		r->id->reused++;
		if (lc_dkg_verify_share(pub, i + 1, share) || lc_dkg_public_of(pk, share) ||
		    memcmp(pk, pub->member_pk[i], 32)) {
			lc_err_set(r->err, "key share '%s/%s' does not match the recorded "
				   "%s commitments", r->store->path, rel, org);
			lc_err_hint(r->err, "the share or public.json was altered or "
				    "replaced: restore both from the same backup");
			goto out;
		}
	}
	rc = 0;
out:
	sodium_free(share);
	return rc;
}

int lc_id_dkg(struct lc_id_run *r, int which, int role, unsigned t)
{
	const char *org = which == LC_DKG_UNSEAL ? "unseal" : "offer";
	struct lc_identity *id = r->id;
	struct lc_member **mv = NULL;
	struct lc_dkg_public *pub = NULL;
	char rel[96], why[256];
	struct lc_buf text;
	unsigned n = 0, i;
	size_t k;
	int rc = -1, ex, match;

	lc_buf_init(&text, LC_BUF_NOMAX);
	for (k = 0; k < id->nmembers; k++)
		n += id->members[k].role == role;
	if (n == 0 || n > LC_DKG_MAX_N) {
		lc_err_set(r->err, "the %s committee has %u members; a DKG needs 1 to %d",
			   org, n, LC_DKG_MAX_N);
		return -1;
	}
	mv = calloc(n, sizeof(*mv));
	pub = calloc(1, sizeof(*pub));
	if (!mv || !pub) {
		lc_err_set(r->err, "out of memory");
		goto out;
	}
	for (k = 0, i = 0; k < id->nmembers; k++)
		if (id->members[k].role == role)
			mv[i++] = &id->members[k];
	sort_members(mv, n, id);
	if (r->create)
		drop_stale_staging(r, org);

	snprintf(rel, sizeof(rel), "dkg/%s", org);
	if ((ex = lc_secret_exists(r->store, rel, r->err)) < 0)
		goto out;
	if (ex) {
		snprintf(rel, sizeof(rel), "dkg/%s/public.json", org);
		if (lc_secrets_get_public(r->store, rel, &text, 1 << 20, r->err))
			goto out;
		match = parse_public(pub, text.ptr, org, t, mv, n, id, why, sizeof(why));
		if (match < 0) {
			lc_err_set(r->err, "'%s/%s' is corrupt", r->store->path, rel);
			lc_err_hint(r->err, "restore the dkg/%s directory from backup", org);
			goto out;
		}
		if (match == 0) {
			if (verify_shares(r, pub, org, mv))
				goto out;
		} else if (!r->new_identity || !r->create) {
			lc_err_set(r->err, "%s", why);
			lc_err_hint(r->err, "a new DKG changes the lattice's fingerprint: "
				    "follow the lattice-retirement procedure, then run "
				    "'latticectl gen-config --new-identity'");
			goto out;
		} else {
			char old[64], retired[96];

			snprintf(old, sizeof(old), "dkg/%s", org);
			snprintf(retired, sizeof(retired), "dkg/%s.retired-%lld", org,
				 (long long)time(NULL));
			if (renameat(r->store->dirfd, old, r->store->dirfd, retired) < 0) {
				lc_err_set(r->err, "cannot retire '%s/%s': %s", r->store->path,
					   old, strerror(errno));
				goto out;
			}
			ex = 0;
		}
	}
	if (!ex) {
		if (!r->create) {
			lc_err_set(r->err, "no %s key shares in '%s'", org, r->store->path);
			lc_err_hint(r->err, "run 'latticectl gen-config' first");
			goto out;
		}
		memset(pub, 0, sizeof(*pub));
		if (deal(r, pub, org, t, mv, n))
			goto out;
	}
	for (i = 0; i < n; i++)
		mv[i]->dkg_index = i + 1;
	id->dkg[which] = pub;
	pub = NULL;
	rc = 0;
out:
	lc_buf_release(&text);
	free(mv);
	free(pub);
	return rc;
}

int lc_id_dkg_ceremony(struct lc_id_run *r, int which, int role)
{
	const char *org = lc_ceremony_org(which);
	struct lc_identity *id = r->id;
	struct lc_transcript tr;
	struct lc_dkg_public *pub;
	char path[4200], why[256];
	unsigned i;
	size_t k;
	int rc;

	(void)role;
	if (!r->statedir) {
		lc_err_set(r->err, "no state directory to read the %s ceremony from", org);
		return -1;
	}
	rc = lc_ceremony_load(&tr, r->statedir, which, r->err);
	if (rc == LC_ERR_NOTFOUND) {
		lc_ceremony_path(path, sizeof(path), r->statedir, which);
		lc_err_set(r->err, "no %s DKG ceremony is recorded ('%s' does not exist)", org,
			   path);
		lc_err_hint(r->err, "run 'latticectl dkg run %s' first: the ceremony makes "
			    "each member's key share on its own host", org);
		return -1;
	}
	if (rc)
		return -1;
	if (lc_ceremony_matches(&tr, r->m, which, why, sizeof(why))) {
		lc_err_set(r->err, "%s", why);
		lc_err_hint(r->err, "a new DKG changes the lattice's fingerprint: follow the "
			    "lattice-retirement procedure, then run 'latticectl dkg run %s "
			    "--new-identity'", org);
		lc_tr_release(&tr);
		return -1;
	}
	if (!(pub = calloc(1, sizeof(*pub)))) {
		lc_tr_release(&tr);
		return lc_err_set(r->err, "out of memory");
	}
	lc_tr_public(&tr, pub);
	/* Member indices as the ceremony numbered them. */
	for (k = 0; k < id->nmembers; k++) {
		struct lc_member *mb = &id->members[k];

		if (mb->role != role)
			continue;
		for (i = 0; i < tr.n; i++)
			if (!strcmp(tr.m[i].host, r->m->hosts[mb->host].ssh))
				mb->dkg_index = i + 1;
	}
	id->dkg[which] = pub;
	lc_tr_release(&tr);
	return 0;
}
