/* identity.h - every key and secret of a lattice, and the LatticeConfig built from them. */
#ifndef LC_IDENTITY_H
#define LC_IDENTITY_H

#include <stddef.h>
#include <stdint.h>

#include "bls.h"
#include "buf.h"
#include "dkg.h"
#include "dkg_record.h"
#include "err.h"
#include "lconfig.h"
#include "manifest.h"


/* The public side of one (host, role); secrets stay in their files. */
struct lc_member {
	size_t host;               /* index into the manifest's hosts */
	int role;
	uint8_t peer_id[32];       /* Ed25519 public key */
	uint8_t bls_pk[LC_BLS_PK_LEN]; /* atelier-member */
	char bls_path[40];
	int keystore_missing;      /* its keystore is not made yet (read-only load) */
	char eth_addr[43];         /* tally-member */
	unsigned dkg_index;        /* unseal/offer member, 1-based */
};

struct lc_identity {
	char (*hostid)[LC_HOSTID_MAX]; /* per manifest host: its file name */
	struct lc_member *members;
	size_t nmembers;
	struct lc_dkg_public *dkg[LC_DKG_COUNT];
	struct lc_lconfig cfg;
	struct lc_buf enc;         /* the LatticeConfig bytes */
	char *hex;                 /* and their hex */
	uint8_t lattice_id[LC_LATTICE_ID_LEN];
	unsigned created, reused;  /* secrets made / found this run */
	char secrets_path[4096];
};

enum {
	LC_ID_CREATE = 1,       /* make what is missing (gen-config, up) */
	LC_ID_NEW_IDENTITY = 2, /* retire DKG output dealt for other members */
};

/* The identity fields of the manifest (no DKG keys yet), MR_TDs resolved. */
int lc_identity_config(struct lc_lconfig *cfg, const struct lc_manifest *m,
		       struct lc_err *err);

/*
 * Read every secret of m's lattice from <secrets_root>/<lattice>/ (making
 * the missing ones with LC_ID_CREATE, failing on them otherwise), derive
 * the public side, and build the LatticeConfig.  cfg must come from
 * lc_identity_config; it is moved into id.  Free with lc_identity_release.
 *
 * The unseal and offer keys: with dkg = "dealer" they are dealt here (and
 * kept under secrets); with dkg = "ceremony" they come from the verified
 * ceremony transcripts in statedir (the lattice's state directory,
 * state/<lattice>; see ceremony.h), and no share is ever dealt: a missing
 * transcript is an error naming 'latticectl dkg run'.
 */
int lc_identity_load(struct lc_identity *id, struct lc_lconfig *cfg,
		     const struct lc_manifest *m, const char *secrets_root,
		     const char *statedir, unsigned flags, struct lc_err *err);
/* The identity gen-config made, read only (nothing is created): the
 * secrets under secrets_root, the ceremonies' record under
 * state_root/<lattice>.  Free with lc_identity_release. */
int lc_identity_read(struct lc_identity *id, const struct lc_manifest *m,
		     const char *secrets_root, const char *state_root, struct lc_err *err);
void lc_identity_release(struct lc_identity *id);

#endif
