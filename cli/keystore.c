/* keystore.c - an atelier member's BLS key kept as an EIP-2335 keystore and its password file in the secrets store: made once, checked on every load (decrypted again only when either file changed). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "buf.h"
#include "hex.h"
#include "keystore.h"
#include "banned.h"

#define PASSWORD_BYTES 32
#define KEYSTORE_MAX (64 * 1024)

/* The remedy for a keystore or password that does not fit the key. */
static void hint_remake(struct lc_err *err, const char *store)
{
	lc_err_hint(err, "restore bls/ from one backup; or move the keystore and its "
		    "password file out of '%s/bls' and run 'latticectl up': they are "
		    "made again for the same key", store);
}

/* The fields a keystore must carry for this key: pubkey and path. */
static int check_fields(const char *json, const char *name,
			const uint8_t pk[LC_BLS_PK_LEN], const char *path,
			struct lc_err *err)
{
	char want[2 * LC_BLS_PK_LEN + 1];
	cJSON *doc = cJSON_Parse(json);
	const char *got_pk, *got_path;
	int rc = -1;

	lc_hex_encode(want, pk, LC_BLS_PK_LEN);
	if (!doc) {
		lc_err_set(err, "keystore '%s' is not valid json", name);
		goto out;
	}
	got_pk = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "pubkey"));
	got_path = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "path"));
	if (!got_pk || strcmp(got_pk, want)) {
		lc_err_set(err, "keystore '%s' is not the keystore of this member's key: "
			   "its pubkey differs", name);
		goto out;
	}
	if (!got_path || strcmp(got_path, path)) {
		lc_err_set(err, "keystore '%s' names the derivation path '%.40s', not '%s'",
			   name, got_path ? got_path : "", path);
		goto out;
	}
	rc = 0;
out:
	cJSON_Delete(doc);
	return rc;
}

/* Open the keystore with the password: it must give sk back. */
static int check_opens(const char *json, const char *name, const char *password,
		       const uint8_t sk[LC_BLS_SK_LEN], struct lc_err *err)
{
	uint8_t *back = sodium_malloc(LC_BLS_SK_LEN);
	int rc = -1;

	if (!back)
		return lc_err_set(err, "out of memory");
	if (lc_eip2335_decrypt(back, json, password, err)) {
		lc_err_prefix(err, "keystore '%s' does not open with its password file", name);
		goto out;
	}
	if (sodium_memcmp(back, sk, LC_BLS_SK_LEN)) {
		lc_err_set(err, "keystore '%s' holds another key than this member's", name);
		goto out;
	}
	rc = 0;
out:
	sodium_free(back);
	return rc;
}

/* Encrypt sk under password and store it as rel, once.  0 written, 1
 * there already (another run was first), -1 error. */
static int make_keystore(struct lc_secrets *s, const char *rel,
			 const uint8_t sk[LC_BLS_SK_LEN], const char *path,
			 const char *password, struct lc_err *err)
{
	char *json = NULL;
	struct lc_buf text;
	int rc = -1;

	lc_buf_init(&text, KEYSTORE_MAX);
	if (lc_eip2335_encrypt(&json, sk, path, password, LC_KEYSTORE_KDF, 0, err))
		goto out;
	if (lc_buf_puts(&text, json) || lc_buf_addch(&text, '\n')) {
		lc_err_set(err, "out of memory");
		goto out;
	}
	rc = lc_secret_put_new(s, rel, text.ptr, text.len, err);
out:
	free(json);
	lc_buf_release(&text);
	return rc;
}

/* The hex sha256 of a keystore's text and its password, one after the
 * other with a NUL between: what an "opened" record holds. */
static void pair_digest(char out[65], const char *json, const char *password)
{
	crypto_hash_sha256_state h;
	unsigned char d[32];

	crypto_hash_sha256_init(&h);
	crypto_hash_sha256_update(&h, (const unsigned char *)json, strlen(json) + 1);
	crypto_hash_sha256_update(&h, (const unsigned char *)password, strlen(password));
	crypto_hash_sha256_final(&h, d);
	lc_hex_encode(out, d, sizeof(d));
}

/* Whether the record opened_rel says this very pair opened to the key. */
static int opened_before(struct lc_secrets *s, const char *opened_rel, const char *digest)
{
	struct lc_buf rec;
	struct lc_err err;
	int same;

	lc_err_clear(&err);
	lc_buf_init(&rec, LC_BUF_NOMAX);
	same = !lc_secrets_get_public(s, opened_rel, &rec, 256, &err) &&
	       rec.len == 65 && !memcmp(rec.ptr, digest, 64) && rec.ptr[64] == '\n';
	lc_buf_release(&rec);
	return same;
}

/* A keystore that is there must fit the key (and, given the password,
 * open to it, unless opened_rel records that this pair did); the
 * remedy is named once here. */
static int check_keystore(struct lc_secrets *s, const char *rel,
			  const uint8_t sk[LC_BLS_SK_LEN],
			  const uint8_t pk[LC_BLS_PK_LEN], const char *path,
			  const char *password, const char *opened_rel, struct lc_err *err)
{
	char name[4400], digest[66];
	struct lc_buf json;
	int rc = -1;

	snprintf(name, sizeof(name), "%s/%s", s->path, rel);
	lc_buf_init(&json, LC_BUF_NOMAX);
	if (lc_secrets_get_public(s, rel, &json, KEYSTORE_MAX, err))
		goto out;
	if (check_fields(json.ptr, name, pk, path, err)) {
		hint_remake(err, s->path);
		goto out;
	}
	if (password) {
		pair_digest(digest, json.ptr, password);
		if (!opened_before(s, opened_rel, digest)) {
			if (check_opens(json.ptr, name, password, sk, err)) {
				hint_remake(err, s->path);
				goto out;
			}
			/* Best effort: a record that cannot be written (or
			 * an older one for other files, never replaced) only
			 * means the next run checks again. */
			digest[64] = '\n';
			(void)lc_secrets_put_public(s, opened_rel, digest, 65, err);
			lc_err_clear(err);
		}
	}
	rc = 0;
out:
	lc_buf_release(&json);
	return rc;
}

int lc_keystore_ensure(struct lc_secrets *s, const char *hostid,
		       const uint8_t sk[LC_BLS_SK_LEN],
		       const uint8_t pk[LC_BLS_PK_LEN], const char *path,
		       int create, unsigned *created, unsigned *reused,
		       struct lc_err *err)
{
	char rel[300], pwrel[300], oprel[300];
	uint8_t *pw = NULL;
	char *pwtext = NULL;
	int have_ks, have_pw, pw_made = 0, ks_there, rc = -1;

	snprintf(rel, sizeof(rel), LC_KEYSTORE_REL, hostid);
	snprintf(pwrel, sizeof(pwrel), LC_KEYSTORE_PASSWORD_REL, hostid);
	snprintf(oprel, sizeof(oprel), LC_KEYSTORE_OPENED_REL, hostid);
	if ((have_ks = lc_secret_exists(s, rel, err)) < 0 ||
	    (have_pw = lc_secret_exists(s, pwrel, err)) < 0)
		return -1;
	if (!create) {
		if (!have_ks || !have_pw)
			return 1;
		if (check_keystore(s, rel, sk, pk, path, NULL, NULL, err))
			return -1;
		*reused += 2;
		return 0;
	}
	if (have_ks && !have_pw) {
		lc_err_set(err, "keystore '%s/%s' has no password file '%s/%s'", s->path,
			   rel, s->path, pwrel);
		hint_remake(err, s->path);
		return -1;
	}
	pw = sodium_malloc(PASSWORD_BYTES);
	pwtext = sodium_malloc(2 * PASSWORD_BYTES + 1);
	if (!pw || !pwtext) {
		lc_err_set(err, "out of memory");
		goto out;
	}
	if (lc_secret_get(s, pwrel, pw, PASSWORD_BYTES, lc_secret_gen_random, NULL,
			  &pw_made, err))
		goto out;
	*(pw_made ? created : reused) += 1;
	lc_hex_encode(pwtext, pw, PASSWORD_BYTES);
	/* Made once: a keystore found (or made by another run meanwhile)
	 * is kept, never encrypted again. */
	ks_there = have_ks ? 1 : make_keystore(s, rel, sk, path, pwtext, err);
	if (ks_there < 0)
		goto out;
	*(ks_there ? reused : created) += 1;
	if (check_keystore(s, rel, sk, pk, path, pwtext, oprel, err))
		goto out;
	rc = 0;
out:
	sodium_free(pw);
	sodium_free(pwtext);
	return rc;
}
