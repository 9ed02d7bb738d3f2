/* test_keystore.c - the atelier keys' EIP-2335 keystores and password files: made once with the identity, opening to the published key, planned for the hosts in place of the raw key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "bls.h"
#include "buf.h"
#include "deploy.h"
#include "diag.h"
#include "fileio.h"
#include "identity.h"
#include "keystore.h"
#include "manifest.h"
#include "roles.h"
#include "secrets.h"
#include "unit.h"
#include "banned.h"

static char dir[64];

/* Three hosts, every committee at its minimum, dealt DKG (simulated TDX). */
static const char manifest_text[] =
	"[lattice]\nname = \"ks.test\"\nchain_id = 31337\ntdx = \"simulate\"\n"
	"[organisms.zipnet]\nwindow = \"interactive\"\n"
	"[organisms.unseal]\nthreshold = \"2-of-3\"\n"
	"[organisms.offer]\nauction_window_ms = 800\n"
	"[organisms.atelier]\nblock_schema = \"l1-post-4844\"\n"
	"chain_rpc = \"http://127.0.0.1:8545/\"\n"
	"[organisms.relay]\npolicy = \"l1-mev-boost\"\n"
	"proposer_endpoints = [\"http://127.0.0.1:18550/\"]\n"
	"[organisms.tally]\nsettlement_addr = \"0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359\"\n"
	"chain_rpc = \"http://127.0.0.1:8545/\"\n"
	"[binaries]\nzipnet-server = \"/bin/sh\"\nzipnet-aggregator = \"/bin/sh\"\n"
	"unseal-member = \"/bin/sh\"\noffer-member = \"/bin/sh\"\n"
	"atelier-member = \"/bin/sh\"\nrelay-member = \"/bin/sh\"\ntally-member = \"/bin/sh\"\n"
	"[[hosts]]\nssh = \"h1\"\nroles = [\"zipnet-server\", \"unseal-member\", \"offer-member\", "
	"\"atelier-member\", \"relay-member\", \"tally-member\"]\n"
	"[[hosts]]\nssh = \"h2\"\nroles = [\"zipnet-server\", \"unseal-member\", \"offer-member\", "
	"\"atelier-member\", \"relay-member\", \"tally-member\"]\n"
	"[[hosts]]\nssh = \"h3\"\nroles = [\"zipnet-server\", \"zipnet-aggregator\", "
	"\"unseal-member\", \"offer-member\", \"atelier-member\", \"relay-member\", "
	"\"tally-member\"]\n";

static struct lc_manifest *load_manifest(void)
{
	struct lc_manifest *m = NULL;
	struct lc_diags d;
	static char path[128]; /* the manifest keeps it */
	FILE *f;

	snprintf(path, sizeof(path), "%s/lattice.toml", dir);
	if (!CHECK((f = fopen(path, "w")) != NULL))
		return NULL;
	fputs(manifest_text, f);
	fclose(f);
	lc_diags_init(&d, path);
	CHECKF(lc_manifest_load(&m, path, &d) == 0, "the test manifest does not load");
	lc_diags_release(&d);
	return m;
}

/* Load the identity into id (create: may make secrets); 0 or -1. */
static int load_identity(struct lc_identity *id, const struct lc_manifest *m, int create,
			 struct lc_err *err)
{
	struct lc_lconfig cfg;
	char secrets[128], state[128];

	snprintf(secrets, sizeof(secrets), "%s/secrets", dir);
	snprintf(state, sizeof(state), "%s/state", dir);
	mkdir(state, 0700);
	if (lc_identity_config(&cfg, m, err))
		return -1;
	return lc_identity_load(id, &cfg, m, secrets, state, create ? LC_ID_CREATE : 0, err);
}

/* rc == 0, else err's message said under the failed check. */
static int said(int rc, const struct lc_err *err)
{
	if (rc)
		fprintf(stderr, "    %s\n", err->msg);
	return rc == 0;
}

static int read_store_file(struct lc_buf *out, const char *fmt, const char *hostid)
{
	char rel[128], path[256];
	struct lc_err err;

	snprintf(rel, sizeof(rel), fmt, hostid);
	snprintf(path, sizeof(path), "%s/secrets/ks.test/%s", dir, rel);
	lc_err_clear(&err);
	return lc_read_file(out, path, 1 << 16, &err);
}

/* The member's keystore opens with its password file (the file's text,
 * newline and all) to the key whose public key the identity publishes. */
static int opens_to_published(const struct lc_identity *id, const struct lc_member *mb)
{
	const char *hostid = id->hostid[mb->host];
	uint8_t sk[LC_BLS_SK_LEN], pk[LC_BLS_PK_LEN];
	struct lc_buf ks, pw;
	struct lc_err err;
	int ok = 0;

	lc_buf_init(&ks, LC_BUF_NOMAX);
	lc_buf_init(&pw, LC_BUF_NOMAX);
	lc_err_clear(&err);
	if (!read_store_file(&ks, LC_KEYSTORE_REL, hostid) &&
	    !read_store_file(&pw, LC_KEYSTORE_PASSWORD_REL, hostid) &&
	    pw.len == 65 && pw.ptr[64] == '\n' &&
	    !lc_eip2335_decrypt(sk, ks.ptr, pw.ptr, &err) &&
	    !lc_bls_sk_to_pk(pk, sk, &err))
		ok = !memcmp(pk, mb->bls_pk, sizeof(pk)) &&
		     strstr(ks.ptr, mb->bls_path) != NULL &&
		     strstr(ks.ptr, "\"pbkdf2\"") != NULL;
	else
		fprintf(stderr, "    %s: %s\n", hostid, err.msg);
	sodium_memzero(sk, sizeof(sk));
	lc_buf_release(&ks);
	lc_buf_release(&pw);
	return ok;
}

static int mode_of(const char *fmt, const char *hostid)
{
	char rel[128], path[256];
	struct stat st;

	snprintf(rel, sizeof(rel), fmt, hostid);
	snprintf(path, sizeof(path), "%s/secrets/ks.test/%s", dir, rel);
	if (lstat(path, &st))
		return -1;
	return (int)(st.st_mode & 07777);
}

static void remove_store_file(const char *fmt, const char *hostid)
{
	char rel[128], path[256];

	snprintf(rel, sizeof(rel), fmt, hostid);
	snprintf(path, sizeof(path), "%s/secrets/ks.test/%s", dir, rel);
	unlink(path);
}

/* The atelier role of host i in the layout. */
static const struct lc_want_role *atelier_role(const struct lc_layout *l, size_t i)
{
	size_t k;

	for (k = 0; k < l->hosts[i].nroles; k++)
		if (l->hosts[i].roles[k].role == LC_ROLE_ATELIER_MEMBER)
			return &l->hosts[i].roles[k];
	return NULL;
}

/* Its secret files' names, "name name ...", and how many are unmade. */
static void secret_names(char *out, size_t size, const struct lc_want_host *wh,
			 const struct lc_want_role *wr, int *unmade)
{
	size_t k, len = 0;

	out[0] = '\0';
	*unmade = 0;
	for (k = 0; k < wr->nfiles; k++) {
		const struct lc_want_file *wf = &wh->files[wr->file[k]];

		if (wf->area != LC_AREA_SECRET)
			continue;
		len += (size_t)snprintf(out + len, size - len, "%s%s", len ? " " : "", wf->name);
		*unmade += wf->unmade;
	}
}

static void layout_facts(const struct lc_manifest *m, const struct lc_identity *id,
			 int want_unmade)
{
	struct lc_layout l;
	struct lc_err err;
	char state[128], names[512];
	const struct lc_want_role *wr;
	int unmade;

	snprintf(state, sizeof(state), "%s/state", dir);
	lc_err_clear(&err);
	if (!CHECK(said(lc_layout_build(&l, m, id, state, 0, &err), &err))) {
		lc_layout_release(&l);
		return;
	}
	if (CHECK((wr = atelier_role(&l, 1)) != NULL)) {
		secret_names(names, sizeof(names), &l.hosts[1], wr, &unmade);
		CHECKF(!strcmp(names, "atelier-member.peer atelier-member.committee "
			       "atelier-member.keystore.json atelier-member.password"), "%s", names);
		CHECK(unmade == want_unmade);
	}
	if (CHECK((wr = atelier_role(&l, 0)) != NULL)) {
		secret_names(names, sizeof(names), &l.hosts[0], wr, &unmade);
		CHECK(unmade == 0);
	}
	lc_layout_release(&l);
}

void unit_main(int argc, char **argv)
{
	struct lc_manifest *m;
	struct lc_identity id;
	struct lc_buf before, after;
	struct lc_err err;
	uint8_t lid[LC_LATTICE_ID_LEN];
	size_t k, n = 0;

	(void)argc;
	(void)argv;
	snprintf(dir, sizeof(dir), "/tmp/lc-test-keystore.XXXXXX");
	if (!CHECK(mkdtemp(dir) != NULL) || !(m = load_manifest()))
		return;
	lc_buf_init(&before, LC_BUF_NOMAX);
	lc_buf_init(&after, LC_BUF_NOMAX);
	lc_err_clear(&err);

	/* Made with the identity: one keystore and password per atelier
	 * member, 0400, opening to the published key. */
	if (!CHECK(said(load_identity(&id, m, 1, &err), &err)))
		goto out;
	for (k = 0; k < id.nmembers; k++) {
		const struct lc_member *mb = &id.members[k];

		if (mb->role != LC_ROLE_ATELIER_MEMBER)
			continue;
		n++;
		CHECK(!mb->keystore_missing);
		CHECKF(opens_to_published(&id, mb), "member on %s", id.hostid[mb->host]);
		CHECK(mode_of(LC_KEYSTORE_REL, id.hostid[mb->host]) == 0400);
		CHECK(mode_of(LC_KEYSTORE_PASSWORD_REL, id.hostid[mb->host]) == 0400);
	}
	CHECK(n == 3);
	layout_facts(m, &id, 0);
	CHECK(!read_store_file(&before, LC_KEYSTORE_REL, "h2"));
	lc_identity_release(&id);

	/* Made once: a second run keeps the very same bytes. */
	if (!CHECK(said(load_identity(&id, m, 1, &err), &err)))
		goto out;
	CHECK(id.created == 0);
	CHECK(!read_store_file(&after, LC_KEYSTORE_REL, "h2"));
	CHECK(before.len == after.len && !memcmp(before.ptr, after.ptr, before.len));
	lc_identity_release(&id);

	/* A store from before keystores: a read-only load makes nothing and
	 * plans the files as unmade; a creating one makes them for the same
	 * key, the fingerprint unchanged. */
	remove_store_file(LC_KEYSTORE_REL, "h2");
	remove_store_file(LC_KEYSTORE_PASSWORD_REL, "h2");
	if (!CHECK(said(load_identity(&id, m, 0, &err), &err)))
		goto out;
	CHECK(mode_of(LC_KEYSTORE_REL, "h2") == -1 && mode_of(LC_KEYSTORE_PASSWORD_REL, "h2") == -1);
	for (k = 0; k < id.nmembers; k++)
		if (id.members[k].role == LC_ROLE_ATELIER_MEMBER)
			CHECK(id.members[k].keystore_missing == !strcmp(id.hostid[id.members[k].host], "h2"));
	layout_facts(m, &id, 2);
	memcpy(lid, id.lattice_id, LC_LATTICE_ID_LEN);
	lc_identity_release(&id);
	if (!CHECK(said(load_identity(&id, m, 1, &err), &err)))
		goto out;
	CHECK(id.created == 2);
	CHECK(!memcmp(lid, id.lattice_id, LC_LATTICE_ID_LEN));
	for (k = 0; k < id.nmembers; k++)
		if (id.members[k].role == LC_ROLE_ATELIER_MEMBER)
			CHECK(opens_to_published(&id, &id.members[k]));
	lc_identity_release(&id);

	/* A pair that opened is recorded (0400), and not decrypted again
	 * while it stays the same; another password file for h1 does not
	 * match the record, is tried, and is refused. */
	CHECK(mode_of(LC_KEYSTORE_OPENED_REL, "h1") == 0400);
	CHECK(said(load_identity(&id, m, 1, &err), &err));
	lc_identity_release(&id);
	{
		char path[256], keep[128] = "";
		FILE *f;

		snprintf(path, sizeof(path), "%s/secrets/ks.test/bls/h1.password", dir);
		if ((f = fopen(path, "r"))) {
			CHECK(fgets(keep, sizeof(keep), f) != NULL);
			fclose(f);
		}
		CHECK(strlen(keep) == 65);
		CHECK(chmod(path, 0600) == 0);
		if ((f = fopen(path, "w"))) {
			fprintf(f, "%064d\n", 7);
			fclose(f);
		}
		CHECK(load_identity(&id, m, 1, &err) == -1 &&
		      strstr(err.msg, "does not open with its password file") &&
		      strstr(err.hint, "made again for the same key"));
		/* Its own password back: it matches the record again. */
		if ((f = fopen(path, "w"))) {
			fputs(keep, f);
			fclose(f);
		}
		CHECK(chmod(path, 0400) == 0);
		CHECK(said(load_identity(&id, m, 1, &err), &err));
		lc_identity_release(&id);
	}

	/* A password that is not the keystore's is refused, with the remedy. */
	remove_store_file(LC_KEYSTORE_PASSWORD_REL, "h3");
	CHECK(load_identity(&id, m, 1, &err) == -1 && strstr(err.msg, "has no password file") &&
	      strstr(err.hint, "made again for the same key"));
	CHECK(mode_of(LC_KEYSTORE_PASSWORD_REL, "h3") == -1);
out:
	lc_buf_release(&before);
	lc_buf_release(&after);
	lc_manifest_free(m);
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		CHECK(system(cmd) == 0);
	}
}
