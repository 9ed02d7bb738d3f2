/* health.h - when a role, a member and the lattice are healthy: one probe judged, a member waited for, and the health signal up waits for. */
#ifndef LC_HEALTH_H
#define LC_HEALTH_H

#include <stddef.h>
#include <stdio.h>

#include "buf.h"
#include "manifest.h"
#include "probe.h"
#include "runctx.h"

/* Whether r is healthy: up, <org>_up 1, committee size as the manifest
 * says.  When not, why gets a short reason ("state failed", ...). */
int lc_role_healthy(const struct lc_manifest *m, const struct lc_role_probe *r,
		    char *why, size_t whylen);

/* Whether r's service manager has given up restarting it (state failed:
 * systemd's start limit, or the supervisor's crash limit): no wait will
 * bring it back. */
int lc_role_gave_up(const struct lc_role_probe *r);

/* r's last log lines as its host's agent keeps them, each indented two
 * spaces, or "  (none)": appended to b, or printed to f. */
void lc_role_log(struct lc_buf *b, const struct lc_role_probe *r);
void lc_role_log_print(FILE *f, const struct lc_role_probe *r);

/* Whether role on host i is healthy now (one probe); why says why not,
 * and log (when given) receives its last log lines. */
int lc_member_healthy(struct lc_run *r, size_t i, int role, char *why,
		      size_t size, struct lc_buf *log);

/* A member restarted this many times by its service manager while
 * lc_wait_member waits for it is crash-looping: the wait ends there. */
#define LC_CRASH_LOOP 2

/*
 * Wait until role on host i is healthy (up, metrics ready, committee size
 * as the manifest says), at most ms; a member whose service manager gave
 * up on it, or restarted it LC_CRASH_LOOP times meanwhile, ends the wait
 * at once.  On failure err says why and log receives the member's last
 * log lines.
 */
int lc_wait_member(struct lc_run *r, size_t i, int role, long ms,
		   struct lc_buf *log, struct lc_err *err);

/*
 * The health signal: every role healthy, then the pipeline metric
 * advancing on a majority of the members that serve it (one slot through
 * the whole pipeline), or [health] pipeline_command exiting 0, within
 * [health] deadline.  A role whose service manager gave up stops the wait
 * at once, named with its last log lines.  Returns 0 with *hosts_up and
 * signal (what was seen) set, or -1 with r->err set.
 */
int lc_health_wait(struct lc_run *r, unsigned *hosts_up, char *signal, size_t size);

#endif
