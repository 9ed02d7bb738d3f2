/* kit.h - the handshake kit: what integrators need to bind to a lattice. */
#ifndef LC_KIT_H
#define LC_KIT_H

#include <stdio.h>

#include "buf.h"
#include "identity.h"
#include "state.h"

/* The kit as text (the seed's "handshake kit" lines) into out. */
int lc_kit_text(struct lc_buf *out, const struct lc_identity *id,
		const struct lc_manifest *m, const struct lc_gitinfo *gi);
/* The kit as one JSON object (malloc'd). */
char *lc_kit_json(const struct lc_identity *id, const struct lc_manifest *m,
		  const struct lc_gitinfo *gi);

/*
 * Write <lattice>/handshake-kit.txt and .json into the git work tree at
 * dir and commit them, unless they are unchanged there (*committed = 0).
 * The commit message carries the lattice_id.
 */
int lc_kit_git(const char *dir, const struct lc_identity *id, const char *text,
	       const char *json, int *committed, char commit_out[41],
	       struct lc_err *err);

#endif
