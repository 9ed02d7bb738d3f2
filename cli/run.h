/* run.h - one command's run against a lattice's hosts, opened and closed: local lock, journal, identity, layout, connections, host locks (the state itself: runctx.h). */
#ifndef LC_RUN_H
#define LC_RUN_H

#include "lc.h"
#include "runctx.h"

/*
 * Begin: state dir, and per flags the local lock (a live holder is
 * LC_ERR_LOCKED), the journal (its warnings printed), the identity (the
 * recorded fingerprint guards it: a changed identity is refused with the
 * retirement procedure) and the layout.  Hosts are not contacted yet.
 */
int lc_run_open(struct lc_run *r, struct lc_ctx *ctx, const char *command,
		unsigned flags);
/* lc_run_open for verb c: its name, what its entry needs, and extra. */
int lc_run_open_for(struct lc_run *r, struct lc_ctx *ctx, const struct lc_cmd *c,
		    unsigned extra);

/*
 * Connect to the hosts (only those with sel[i] set when sel is given),
 * start their agents and, for a changing run, take each host's lattice
 * lock (breaking a lock left by a killed run of ours, or any with
 * --break-lock).  Returns the number of hosts that failed.
 */
size_t lc_run_connect(struct lc_run *r, const char *sel);

/* Refuse a changed identity (the fields before any DKG), as loading it
 * would; for runs that must act before the identity can be loaded. */
int lc_run_precheck(struct lc_run *r);

/* Load the identity and layout (after LC_RUN_LATER), or load them again
 * (after a secret changed). */
int lc_run_reload(struct lc_run *r);

/* Release host locks, connections, journal and local lock. */
void lc_run_close(struct lc_run *r);

/* An exit status for a failed open: locked, interrupted or failed. */
int lc_run_fail(struct lc_run *r);

#endif
