/* identity_priv.h - what identity.c and identity_dkg.c share while building an identity. */
#ifndef LC_IDENTITY_PRIV_H
#define LC_IDENTITY_PRIV_H

#include "identity.h"
#include "secrets.h"

struct lc_id_run {
	struct lc_identity *id;
	struct lc_secrets *store;
	const struct lc_manifest *m;
	struct lc_err *err;
	int create;       /* may make missing secrets */
	int new_identity; /* may retire a DKG dealt for other members */
	const char *statedir; /* state/<lattice>: the ceremony transcripts */
};

/* Read or (with create) make one secret, counting it. */
int lc_id_secret(struct lc_id_run *r, const char *rel, uint8_t *out,
		 size_t len, lc_secret_gen_fn gen, void *arg);

/* Load, verify or deal the DKG of one organism (which: LC_DKG_*). */
int lc_id_dkg(struct lc_id_run *r, int which, int role, unsigned t);
/* Take the DKG of one organism from its recorded ceremony transcript. */
int lc_id_dkg_ceremony(struct lc_id_run *r, int which, int role);

#endif
