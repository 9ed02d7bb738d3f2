/* kit.c - the handshake kit: text, JSON, and one commit per change in a release-notes repository. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>
#include <git2.h>

#include "fileio.h"
#include "hex.h"
#include "kit.h"
#include "banned.h"

/* The aggregator's member, the lattice's cold-start bootstrap hint. */
static const struct lc_member *aggregator(const struct lc_identity *id)
{
	size_t k;

	for (k = 0; k < id->nmembers; k++)
		if (id->members[k].role == LC_ROLE_ZIPNET_AGGREGATOR)
			return &id->members[k];
	return NULL;
}

/* How the threshold keys were made, as the kit says it. */
static const char *dkg_words(const struct lc_manifest *m)
{
	return m->dkg == LC_DKG_MODE_DEALER ? "TRUSTED DEALER: development only"
					    : "DKG ceremony";
}

int lc_kit_text(struct lc_buf *out, const struct lc_identity *id,
		const struct lc_manifest *m, const struct lc_gitinfo *gi)
{
	const struct lc_lconfig *c = &id->cfg;
	const struct lc_member *agg = aggregator(id);
	char hex[2 * 48 + 1];
	const char *sim = c->tdx ? " (SIMULATED: not a real measurement)" : "";
	size_t k;
	int bad = 0;

	if (c->tdx)
		bad |= lc_buf_puts(out, "WARNING: tdx = \"simulate\": this is a development "
				   "lattice, never a production one\n");
	bad |= lc_buf_printf(out, "lattice: %s\n", c->name);
	bad |= lc_buf_printf(out, "chain_id: %llu\n", (unsigned long long)c->chain_id);
	lc_hex_encode(hex, id->lattice_id, 32);
	bad |= lc_buf_printf(out, "lattice_id: %s\n", hex);
	bad |= lc_buf_printf(out, "LatticeConfig: %s\n", id->hex);
	lc_hex_encode(hex, c->atelier_mrtd, 48);
	bad |= lc_buf_printf(out, "atelier_mrtd: %s%s\n", hex, sim);
	lc_hex_encode(hex, c->unseal_mrtd, 48);
	bad |= lc_buf_printf(out, "unseal_mrtd: %s%s\n", hex, sim);
	lc_hex_encode(hex, c->unseal_pk, 32);
	bad |= lc_buf_printf(out, "unseal_public_key: %s (%u-of-%u, %s)\n", hex, c->unseal_t,
			     c->unseal_n, dkg_words(m));
	lc_hex_encode(hex, c->offer_pk, 32);
	bad |= lc_buf_printf(out, "offer_public_key: %s (%u-of-%u, %s)\n", hex, c->offer_t,
			     c->offer_n, dkg_words(m));
	if (agg) {
		lc_hex_encode(hex, agg->peer_id, 32);
		bad |= lc_buf_printf(out, "bootstrap_peer: %s (zipnet-aggregator)\n", hex);
	}
	for (k = 0; k < id->nmembers; k++) {
		const struct lc_member *mb = &id->members[k];

		if (mb->role == LC_ROLE_ATELIER_MEMBER) {
			lc_hex_encode(hex, mb->bls_pk, 48);
			bad |= lc_buf_printf(out, "atelier_bls_pubkey: %s %s\n", hex,
					     m->hosts[mb->host].ssh);
		}
	}
	for (k = 0; k < id->nmembers; k++) {
		const struct lc_member *mb = &id->members[k];

		if (mb->role == LC_ROLE_TALLY_MEMBER)
			bad |= lc_buf_printf(out, "tally_address: %s %s\n", mb->eth_addr,
					     m->hosts[mb->host].ssh);
	}
	if (gi && gi->found)
		bad |= lc_buf_printf(out, "manifest_commit: %s%s\n",
				     gi->commit[0] ? gi->commit : "(no commit yet)",
				     gi->dirty ? " (work tree dirty)" : "");
	return bad ? -1 : 0;
}

char *lc_kit_json(const struct lc_identity *id, const struct lc_manifest *m,
		  const struct lc_gitinfo *gi)
{
	char num[24];
	const struct lc_lconfig *c = &id->cfg;
	const struct lc_member *agg = aggregator(id);
	cJSON *o = cJSON_CreateObject(), *a, *e;
	char hex[2 * 48 + 1];
	char *out;
	size_t k;

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "lattice", c->name);
	/* Exact for any uint64 (a double is not past 2^53). */
	snprintf(num, sizeof(num), "%llu", (unsigned long long)c->chain_id);
	cJSON_AddRawToObject(o, "chain_id", num);
	cJSON_AddBoolToObject(o, "simulated", c->tdx);
	lc_hex_encode(hex, id->lattice_id, 32);
	cJSON_AddStringToObject(o, "lattice_id", hex);
	cJSON_AddStringToObject(o, "lattice_config", id->hex);
	lc_hex_encode(hex, c->atelier_mrtd, 48);
	cJSON_AddStringToObject(o, "atelier_mrtd", hex);
	lc_hex_encode(hex, c->unseal_mrtd, 48);
	cJSON_AddStringToObject(o, "unseal_mrtd", hex);
	cJSON_AddStringToObject(o, "dkg", m->dkg == LC_DKG_MODE_DEALER ? "dealer" : "ceremony");
	lc_hex_encode(hex, c->unseal_pk, 32);
	cJSON_AddStringToObject(o, "unseal_public_key", hex);
	lc_hex_encode(hex, c->offer_pk, 32);
	cJSON_AddStringToObject(o, "offer_public_key", hex);
	if (agg) {
		lc_hex_encode(hex, agg->peer_id, 32);
		cJSON_AddStringToObject(o, "bootstrap_peer", hex);
	}
	a = cJSON_AddArrayToObject(o, "atelier_bls_pubkeys");
	for (k = 0; k < id->nmembers; k++)
		if (id->members[k].role == LC_ROLE_ATELIER_MEMBER) {
			e = cJSON_CreateObject();
			cJSON_AddItemToArray(a, e);
			cJSON_AddStringToObject(e, "host", m->hosts[id->members[k].host].ssh);
			lc_hex_encode(hex, id->members[k].bls_pk, 48);
			cJSON_AddStringToObject(e, "pubkey", hex);
			cJSON_AddStringToObject(e, "path", id->members[k].bls_path);
		}
	a = cJSON_AddArrayToObject(o, "tally_addresses");
	for (k = 0; k < id->nmembers; k++)
		if (id->members[k].role == LC_ROLE_TALLY_MEMBER) {
			e = cJSON_CreateObject();
			cJSON_AddItemToArray(a, e);
			cJSON_AddStringToObject(e, "host", m->hosts[id->members[k].host].ssh);
			cJSON_AddStringToObject(e, "address", id->members[k].eth_addr);
		}
	if (gi && gi->found) {
		e = cJSON_AddObjectToObject(o, "manifest_git");
		cJSON_AddStringToObject(e, "commit", gi->commit);
		cJSON_AddBoolToObject(e, "dirty", gi->dirty);
	}
	out = cJSON_Print(o);
	cJSON_Delete(o);
	return out;
}

static int git_fail(struct lc_err *err, const char *what, const char *dir)
{
	const git_error *ge = git_error_last();

	return lc_err_set(err, "cannot %s in '%s': %s", what, dir,
			  ge ? ge->message : "unknown error");
}

int lc_kit_git(const char *dir, const struct lc_identity *id, const char *text,
	       const char *json, int *committed, char commit_out[41],
	       struct lc_err *err)
{
	git_repository *repo = NULL;
	git_index *idx = NULL;
	git_tree *tree = NULL;
	git_commit *parent = NULL;
	git_signature *sig = NULL;
	git_oid tree_id, commit_id, head_id;
	const git_oid *head_tree = NULL;
	char sub[PATH_MAX], path[PATH_MAX + 64], rel[2][320], msg[400], hex[65];
	const char *wd;
	int rc = -1, k;

	*committed = 0;
	commit_out[0] = '\0';
	git_libgit2_init();
	if (git_repository_open(&repo, dir) < 0) {
		lc_err_set(err, "'%s' is not a git repository", dir);
		lc_err_hint(err, "create it first: git init '%s'", dir);
		goto out;
	}
	if (!(wd = git_repository_workdir(repo))) {
		lc_err_set(err, "'%s' is a bare repository; publish needs a work tree", dir);
		goto out;
	}
	snprintf(sub, sizeof(sub), "%s%s", wd, id->cfg.name);
	if (mkdir(sub, 0755) < 0 && errno != EEXIST) {
		lc_err_set(err, "cannot create '%s': %s", sub, strerror(errno));
		goto out;
	}
	snprintf(rel[0], sizeof(rel[0]), "%s/handshake-kit.txt", id->cfg.name);
	snprintf(rel[1], sizeof(rel[1]), "%s/handshake-kit.json", id->cfg.name);
	for (k = 0; k < 2; k++) {
		const char *body = k ? json : text;

		snprintf(path, sizeof(path), "%s%s", wd, rel[k]);
		if (lc_write_file_atomic(path, body, strlen(body), 0644, err))
			goto out;
	}
	if (git_repository_index(&idx, repo) < 0 ||
	    git_index_add_bypath(idx, rel[0]) < 0 || git_index_add_bypath(idx, rel[1]) < 0 ||
	    git_index_write(idx) < 0 || git_index_write_tree(&tree_id, idx) < 0) {
		git_fail(err, "stage the kit", dir);
		goto out;
	}
	if (git_reference_name_to_id(&head_id, repo, "HEAD") == 0) {
		if (git_commit_lookup(&parent, repo, &head_id) < 0) {
			git_fail(err, "read HEAD", dir);
			goto out;
		}
		head_tree = git_commit_tree_id(parent);
		if (git_oid_equal(head_tree, &tree_id)) {
			rc = 0; /* the kit is what HEAD already has */
			goto out;
		}
	}
	if (git_tree_lookup(&tree, repo, &tree_id) < 0) {
		git_fail(err, "read the new tree", dir);
		goto out;
	}
	if (git_signature_default(&sig, repo) < 0 &&
	    git_signature_now(&sig, "latticectl", "latticectl@localhost") < 0) {
		git_fail(err, "make a commit signature", dir);
		goto out;
	}
	lc_hex_encode(hex, id->lattice_id, 32);
	snprintf(msg, sizeof(msg), "%s: handshake kit, lattice_id %s\n", id->cfg.name, hex);
	if (git_commit_create_v(&commit_id, repo, "HEAD", sig, sig, NULL, msg, tree,
				parent ? 1 : 0, parent) < 0) {
		git_fail(err, "commit the kit", dir);
		goto out;
	}
	git_oid_tostr(commit_out, 41, &commit_id);
	*committed = 1;
	rc = 0;
out:
	git_signature_free(sig);
	git_commit_free(parent);
	git_tree_free(tree);
	git_index_free(idx);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return rc;
}
