/* identity.c - generating or reading every secret of a lattice and deriving its public identity. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "blake3.h"
#include "eth.h"
#include "hex.h"
#include "identity.h"
#include "identity_priv.h"
#include "keystore.h"
#include "mrtd.h"
#include "secrets.h"
#include "banned.h"

#define BLS_INDEX_CONTEXT "latticectl 2026-11-23 atelier key index v1"

int lc_identity_config(struct lc_lconfig *cfg, const struct lc_manifest *m,
		       struct lc_err *err)
{
	size_t i;

	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->name, sizeof(cfg->name), "%s", m->name);
	cfg->chain_id = m->chain_id;
	cfg->tdx = m->tdx == LC_TDX_MODE_SIMULATE;
	cfg->window_kind = (uint8_t)m->zipnet.kind;
	if (m->zipnet.kind == LC_WINDOW_TUPLE) {
		cfg->round_ms = (uint32_t)m->zipnet.round_ms;
		cfg->retain_rounds = (uint32_t)m->zipnet.retain_rounds;
	}
	cfg->unseal_t = (uint16_t)m->unseal.threshold.t;
	cfg->unseal_n = (uint16_t)m->unseal.threshold.n;
	cfg->auction_window_ms = (uint32_t)m->offer.auction_window_ms;
	cfg->offer_t = (uint16_t)m->offer.threshold.t;
	cfg->offer_n = (uint16_t)m->offer.threshold.n;
	snprintf(cfg->block_schema, sizeof(cfg->block_schema), "%s", m->atelier.block_schema);
	snprintf(cfg->policy, sizeof(cfg->policy), "%s", m->relay.policy);
	for (i = 0; i < m->relay.n_endpoints; i++)
		if (lc_lconfig_add_endpoint(cfg, m->relay.proposer_endpoints[i], err))
			goto fail;
	if (lc_hex_decode_n(cfg->settlement, 20, m->tally.settlement_addr + 2)) {
		lc_err_set(err, "the settlement address is not set");
		goto fail;
	}
	if (lc_mrtd_resolve(cfg->unseal_mrtd, &cfg->unseal_mrtd_kind, m,
			    LC_ORG_UNSEAL, err) ||
	    lc_mrtd_resolve(cfg->atelier_mrtd, &cfg->atelier_mrtd_kind, m,
			    LC_ORG_ATELIER, err))
		goto fail;
	return 0;
fail:
	lc_lconfig_release(cfg);
	return -1;
}

/* The generator used when secrets may not be created: say what to do. */
static int gen_refuse(uint8_t *out, size_t len, void *arg, struct lc_err *err)
{
	(void)out;
	(void)len;
	lc_err_set(err, "secret '%s' does not exist", (const char *)arg);
	lc_err_hint(err, "run 'latticectl gen-config' first to generate the "
		    "lattice's secrets");
	return -1;
}

int lc_id_secret(struct lc_id_run *r, const char *rel, uint8_t *out,
		 size_t len, lc_secret_gen_fn gen, void *arg)
{
	int created = 0;

	if (!r->create) {
		gen = gen_refuse;
		arg = (void *)rel;
	}
	if (lc_secret_get(r->store, rel, out, len, gen, arg, &created, r->err))
		return -1;
	if (created)
		r->id->created++;
	else
		r->id->reused++;
	return 0;
}

static int gen_secp(uint8_t *out, size_t len, void *arg, struct lc_err *err)
{
	(void)len;
	(void)arg;
	return lc_secp256k1_keygen(out, err);
}

struct bls_arg {
	const uint8_t *seed;
	const char *path;
};

static int gen_bls(uint8_t *out, size_t len, void *arg, struct lc_err *err)
{
	const struct bls_arg *a = arg;

	(void)len;
	return lc_eip2333_path(out, a->seed, 32, a->path, err);
}

/* The EIP-2334-style path of an atelier member: stable per host, not per
 * position in the manifest, so reordering hosts changes no key. */
static void bls_path(char out[40], const char *hostid)
{
	uint8_t h[4];

	lc_blake3_derive_key(h, sizeof(h), BLS_INDEX_CONTEXT, hostid, strlen(hostid));
	snprintf(out, 40, "m/12381/3600/%lu/0/0",
		 (unsigned long)(((uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 |
				  (uint32_t)h[2] << 8 | h[3]) & 0x7fffffffu));
}

static int member_keys(struct lc_id_run *r, struct lc_member *mb,
		       const uint8_t *bls_seed, uint8_t *sk)
{
	const char *hostid = r->id->hostid[mb->host];
	const char *role = lc_roles[mb->role].name;
	uint8_t pk[crypto_sign_PUBLICKEYBYTES];
	uint8_t *full = sk + 32; /* 64 bytes of scratch after sk */
	char rel[LC_HOSTID_MAX + 64];
	int rc;

	snprintf(rel, sizeof(rel), "peers/%s.%s.seed", hostid, role);
	if (lc_id_secret(r, rel, sk, 32, lc_secret_gen_random, NULL))
		return -1;
	crypto_sign_seed_keypair(pk, full, sk);
	memcpy(mb->peer_id, pk, 32);

	if (mb->role == LC_ROLE_ATELIER_MEMBER) {
		struct bls_arg a = { bls_seed, mb->bls_path };
		uint8_t *want = sk + 96;

		bls_path(mb->bls_path, hostid);
		snprintf(rel, sizeof(rel), "bls/%s.sk", hostid);
		if (lc_id_secret(r, rel, sk, 32, gen_bls, &a) ||
		    lc_eip2333_path(want, bls_seed, 32, mb->bls_path, r->err))
			return -1;
		if (sodium_memcmp(sk, want, 32)) {
			lc_err_set(r->err, "'%s/%s' is not the key derived from "
				   "bls/master.seed: one of the two was replaced",
				   r->store->path, rel);
			lc_err_hint(r->err, "restore both from the same backup");
			return -1;
		}
		if (lc_bls_sk_to_pk(mb->bls_pk, sk, r->err))
			return -1;
		/* What the host gets: the key as an EIP-2335 keystore and its
		 * password, made once beside it. */
		rc = lc_keystore_ensure(r->store, hostid, sk, mb->bls_pk, mb->bls_path,
					r->create, &r->id->created, &r->id->reused, r->err);
		if (rc < 0)
			return -1;
		mb->keystore_missing = rc == 1;
	}
	if (mb->role == LC_ROLE_TALLY_MEMBER) {
		snprintf(rel, sizeof(rel), "tally/%s.secp256k1", hostid);
		if (lc_id_secret(r, rel, sk, 32, gen_secp, NULL))
			return -1;
		if (lc_eth_address(mb->eth_addr, sk, r->err)) {
			lc_err_prefix(r->err, "'%s/%s'", r->store->path, rel);
			lc_err_hint(r->err, "restore it from your backup; latticectl "
				    "never overwrites an existing secret");
			return -1;
		}
	}
	return 0;
}

static int make_hostids(struct lc_identity *id, const struct lc_manifest *m,
			struct lc_err *err)
{
	size_t i, j;

	if (!(id->hostid = calloc(m->nhosts ? m->nhosts : 1, LC_HOSTID_MAX)))
		return lc_err_set(err, "out of memory");
	for (i = 0; i < m->nhosts; i++) {
		lc_hostid(id->hostid[i], &m->hosts[i]);
		for (j = 0; j < i; j++)
			if (!strcmp(id->hostid[i], id->hostid[j])) {
				lc_err_set(err, "hosts '%s' and '%s' would share the secrets "
					   "file name '%s'", m->hosts[j].ssh, m->hosts[i].ssh,
					   id->hostid[i]);
				lc_err_hint(err, "name them differently (an ssh_config alias "
					    "works)");
				return -1;
			}
	}
	return 0;
}

int lc_identity_load(struct lc_identity *id, struct lc_lconfig *cfg,
		     const struct lc_manifest *m, const char *secrets_root,
		     const char *statedir, unsigned flags, struct lc_err *err)
{
	static const char *const subdirs[] = { "admission", "peers", "bls", "tally", "dkg" };
	struct lc_secrets store;
	struct lc_id_run r = { id, &store, m, err, !!(flags & LC_ID_CREATE),
			       !!(flags & LC_ID_NEW_IDENTITY), statedir };
	int dealer = m->dkg == LC_DKG_MODE_DEALER;
	uint8_t *sk = NULL, *bls_seed = NULL;
	char rel[64];
	size_t i, k;
	int o, role, rc = -1;

	memset(id, 0, sizeof(*id));
	id->cfg = *cfg;
	memset(cfg, 0, sizeof(*cfg));
	lc_buf_init(&id->enc, 1 << 20);
	store.dirfd = -1;
	store.path = NULL;
	if (sodium_init() < 0) {
		lc_err_set(err, "cannot initialise libsodium");
		goto out;
	}
	if (lc_secrets_open(&store, secrets_root, m->name, r.create, err))
		goto out;
	snprintf(id->secrets_path, sizeof(id->secrets_path), "%s", store.path);
	/* Scratch for one secret and what is derived from it, wiped on exit. */
	sk = sodium_malloc(160);
	bls_seed = sodium_malloc(32);
	if (!sk || !bls_seed) {
		lc_err_set(err, "out of memory");
		goto out;
	}
	/* The last one, dkg, only for the dealer's shares. */
	for (i = 0; r.create && i < sizeof(subdirs) / sizeof(*subdirs) - !dealer; i++)
		if (lc_secrets_subdir(&store, subdirs[i], err))
			goto out;
	if (make_hostids(id, m, err))
		goto out;

	for (o = 0; o < LC_ORG_COUNT; o++) {
		snprintf(rel, sizeof(rel), "admission/%s.secret", lc_org_names[o]);
		if (lc_id_secret(&r, rel, sk, 32, lc_secret_gen_random, NULL))
			goto out;
	}
	if (m->role_count[LC_ROLE_ATELIER_MEMBER] &&
	    lc_id_secret(&r, "bls/master.seed", bls_seed, 32, lc_secret_gen_random, NULL))
		goto out;

	for (i = 0; i < m->nhosts; i++)
		for (role = 0; role < LC_ROLE_COUNT; role++)
			id->nmembers += !!(m->hosts[i].roles & (1u << role));
	if (!(id->members = calloc(id->nmembers ? id->nmembers : 1, sizeof(*id->members)))) {
		lc_err_set(err, "out of memory");
		goto out;
	}
	k = 0;
	for (i = 0; i < m->nhosts; i++)
		for (role = 0; role < LC_ROLE_COUNT; role++) {
			if (!(m->hosts[i].roles & (1u << role)))
				continue;
			id->members[k].host = i;
			id->members[k].role = role;
			if (member_keys(&r, &id->members[k], bls_seed, sk))
				goto out;
			k++;
		}

	if (dealer ? lc_id_dkg(&r, LC_DKG_UNSEAL, LC_ROLE_UNSEAL_MEMBER, id->cfg.unseal_t) ||
		     lc_id_dkg(&r, LC_DKG_OFFER, LC_ROLE_OFFER_MEMBER, id->cfg.offer_t)
		   : lc_id_dkg_ceremony(&r, LC_DKG_UNSEAL, LC_ROLE_UNSEAL_MEMBER) ||
		     lc_id_dkg_ceremony(&r, LC_DKG_OFFER, LC_ROLE_OFFER_MEMBER))
		goto out;
	memcpy(id->cfg.unseal_pk, id->dkg[LC_DKG_UNSEAL]->group_pk, 32);
	memcpy(id->cfg.offer_pk, id->dkg[LC_DKG_OFFER]->group_pk, 32);

	if (lc_lconfig_encode(&id->enc, &id->cfg, err))
		goto out;
	lc_lattice_id(id->lattice_id, (const uint8_t *)id->enc.ptr, id->enc.len);
	if (!(id->hex = malloc(2 * id->enc.len + 1))) {
		lc_err_set(err, "out of memory");
		goto out;
	}
	lc_hex_encode(id->hex, (const uint8_t *)id->enc.ptr, id->enc.len);
	rc = 0;
out:
	sodium_free(sk);
	sodium_free(bls_seed);
	lc_secrets_close(&store);
	if (rc)
		lc_identity_release(id);
	return rc;
}

int lc_identity_read(struct lc_identity *id, const struct lc_manifest *m,
		     const char *secrets_root, const char *state_root, struct lc_err *err)
{
	struct lc_lconfig cfg;
	char statedir[4096];

	snprintf(statedir, sizeof(statedir), "%s/%s", state_root, m->name);
	if (lc_identity_config(&cfg, m, err))
		return -1;
	if (lc_identity_load(id, &cfg, m, secrets_root, statedir, 0, err)) {
		lc_lconfig_release(&cfg);
		return -1;
	}
	return 0;
}

void lc_identity_release(struct lc_identity *id)
{
	int k;

	free(id->hostid);
	free(id->members);
	for (k = 0; k < LC_DKG_COUNT; k++)
		free(id->dkg[k]);
	lc_lconfig_release(&id->cfg);
	lc_buf_release(&id->enc);
	free(id->hex);
	memset(id, 0, sizeof(*id));
}
