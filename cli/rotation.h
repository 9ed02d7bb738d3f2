/* rotation.h - the journal's record of committee-admission secret rotations (rotate-secret): which one is under way, for the verbs that must not run across it. */
#ifndef LC_ROTATION_H
#define LC_ROTATION_H

#include "err.h"
#include "journal.h"

/*
 * A rotation of organism org's admission secret is journaled at lattice
 * level (host "") under the role of its committee's members (zipnet:
 * zipnet-server), step LC_ROTATION_STEP: "begin" (inputs: the sha256 of
 * the secret file it retires), "failed" when a run stops short, "done"
 * once every member runs with the new secret.  The host steps between
 * (stage, stop, files, start) are journaled as up journals them.
 */
#define LC_ROTATION_STEP "rotate-secret"

/* The role naming org's committee in those records (the one that holds
 * the admission secret). */
int lc_rotation_role(int org);

/* The begin record of org's rotation when one is under way (its newest
 * record is not "done"), else NULL.  j may be NULL (nothing read). */
const struct lc_jrec *lc_rotation_pending(const struct lc_journal *j, int org);

/* The retired name of the secret a rotation begun by rec keeps until it
 * completes: "retired/<org>.secret.<time of rec>". */
void lc_rotation_retired(char *out, size_t size, int org, const struct lc_jrec *rec);

/* For up, add-host and rotate-peer: 0 when no rotation is under way; else -1 with err
 * naming the first one and the command that finishes it. */
int lc_rotation_refuse(const struct lc_journal *j, const char *command, struct lc_err *err);

#endif
