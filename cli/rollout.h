/* rollout.h - changing running committees safely: every committee at once, each in batches that keep its quorum up, each batch back healthy before the next. */
#ifndef LC_ROLLOUT_H
#define LC_ROLLOUT_H

#include "buf.h"
#include "health.h"
#include "runctx.h"

/* Send one file of the layout (only when the host lacks its content;
 * *bytes grows by what was sent).  A full disk says so. */
int lc_put_file(struct lc_agent *a, const struct lc_manifest *m,
		const struct lc_want_file *wf, long long *bytes, struct lc_err *err);

/* What sending files to a host moved, and how. */
struct lc_sent {
	long long bytes;          /* file bytes sent from this machine */
	long long program_bytes;  /* of those, programs' */
	long long fetched_bytes;  /* program bytes the host downloaded itself */
	unsigned fetched;         /* programs the host downloaded itself */
	unsigned copied;          /* programs it had under another name */
	unsigned pushed;          /* URL programs sent after the host could not fetch them */
	unsigned mismatches;      /* downloads refused for a wrong sha256 */
};

/*
 * Send one file of layout l to the host when it lacks its content, as
 * lc_put_file does; a { url, sha256 } program is first asked of the host
 * (the agent's fetch: the host downloads it itself and checks its
 * sha256), unless push_only.  When the host cannot fetch it, or what it
 * downloaded has another sha256 (a warning in note: that URL serves this
 * host other bytes), this machine's copy is sent instead (downloaded once
 * for every host, lc_layout_program); out says so per file.  s grows.
 */
int lc_send_file(struct lc_layout *l, struct lc_agent *a, struct lc_want_file *wf,
		 int push_only, struct lc_sent *s, struct lc_buf *out, struct lc_buf *note,
		 struct lc_err *err);

/* Remove from the host the files role no longer has (lc_retired_secrets);
 * *removed says how many were there. */
int lc_remove_retired(struct lc_agent *a, const struct lc_manifest *m, int role,
		      unsigned *removed, struct lc_err *err);

/* Install (or update) role's unit: its program and its two env files. */
int lc_unit_install(struct lc_agent *a, const struct lc_manifest *m, int role,
		    struct lc_err *err);

/* unit start/stop/restart/remove of role on the host behind a. */
int lc_unit_action(struct lc_agent *a, const struct lc_manifest *m, int role,
		   const char *action, struct lc_err *err);

/*
 * Whether taking role on host i down now keeps its committee safe: its
 * quorum up (lc_restart_keeps_quorum), counting i.  A member that is
 * already unhealthy may always be restarted.  When not, err says which
 * members are down.
 */
int lc_committee_safe(struct lc_run *r, size_t i, int role, struct lc_err *err);
/* Its rule: with down of a committee's n members (DKG threshold t, 0 for
 * none) down already, whether more members may go down now: at most
 * lc_committee_batch(n, t) down at once.  A committee of one always may. */
int lc_restart_keeps_quorum(unsigned n, unsigned t, unsigned down, unsigned more);

/*
 * Restart one member (role wr of host i) after checking its committee
 * stays safe, wait until it is healthy again, and journal it; on failure
 * print its last log lines and set r->err.
 */
int lc_roll_member(struct lc_run *r, size_t i, struct lc_want_role *wr);

/*
 * Restart every member whose action is update or repair (those not
 * running first), every committee at once, each in batches: a committee
 * of n, DKG threshold t, restarts at most lc_committee_batch(n, t) members
 * at once, counting those already down, and each batch is back healthy
 * before its next begins; at most -j restarts run at once overall.  Calls
 * on one host's agent (members of several committees) take turns.  A
 * member that does not come back stops its committee: its last log lines
 * are printed and r->err is set (a later failure elsewhere is printed);
 * the other committees finish the batch under way and stop, the members
 * not restarted yet left as they are.  On SIGINT every committee stops
 * after its batch under way.  -1 when any member was left to restart.
 */
int lc_rollout(struct lc_run *r);

#endif
