/* dkg_record.h - a DKG ceremony's record on this machine: its transcript's path, whether one is recorded, loading and checking it against the manifest, retiring it. */
#ifndef LC_DKG_RECORD_H
#define LC_DKG_RECORD_H

#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "manifest.h"
#include "transcript.h"

/* The two ceremonies: unseal's and offer's key. */
enum { LC_DKG_UNSEAL, LC_DKG_OFFER, LC_DKG_COUNT };

/* The record is <statedir>/dkg/<organism>.json (statedir: state/<lattice>);
 * both identity (the group keys) and the coordinator (ceremony.h) read it. */

/* 1 when a transcript is recorded for which, 0 when not, -1 on error. */
int lc_ceremony_recorded(const char *statedir, int which, struct lc_err *err);

/* Move the recorded transcript aside (dkg/<organism>.<id>.retired.json)
 * so that a new ceremony can run: the step before a fingerprint change. */
int lc_ceremony_retire(const char *statedir, int which, struct lc_buf *out,
		       struct lc_err *err);

/*
 * Read and verify the recorded transcript (signatures, definition hash,
 * commitments, qualified set, verification keys, aggregate key).
 * LC_ERR_NOTFOUND when none is recorded.  Release tr with lc_tr_release.
 */
int lc_ceremony_load(struct lc_transcript *tr, const char *statedir, int which,
		     struct lc_err *err);

/* 0 when tr was made for m's committee (lattice, t, n, the same hosts);
 * else 1 with why saying what differs. */
int lc_ceremony_matches(const struct lc_transcript *tr, const struct lc_manifest *m,
			int which, char *why, size_t whylen);

/* "unseal" or "offer"; the member role; the transcript's path. */
const char *lc_ceremony_org(int which);
int lc_ceremony_role(int which);
void lc_ceremony_path(char *out, size_t n, const char *statedir, int which);

#endif
