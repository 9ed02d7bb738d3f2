/* up.h - the run of up and add-host (files, units, starts in pipeline order, rolling restarts, the health signal, the kit), and the plan every changing run begins with. */
#ifndef LC_UP_H
#define LC_UP_H

#include <stdio.h>

#include <cjson/cJSON.h>

#include "run.h"

/* How many roles the plan gives each action, and the hosts it could not ask. */
struct lc_tally {
	unsigned n[LC_ACT_COUNT];
	unsigned roles, hosts_failed;
};

/* Connect to every host and plan it (lc_plan_host); returns the number
 * of hosts that failed. */
size_t lc_plan_all(struct lc_run *r);
/* Count the planned actions; print them as "<what>: N to install, ...". */
void lc_tally_count(const struct lc_run *r, struct lc_tally *t);
void lc_tally_print(FILE *f, const char *what, const struct lc_tally *t);
/* The plan as one JSON object (latticectl(1), plan --json). */
cJSON *lc_plan_json(const struct lc_run *r, const struct lc_tally *t);
/* Print o on one line of stdout and free it. */
void lc_print_json(cJSON *o);
/* A result's "error": err's message (and "hint" when it has one), or null
 * when err is NULL or holds no message. */
void lc_json_error(cJSON *o, const struct lc_err *err);

/*
 * up, and add-host when new_host is set: the same steps, after checking
 * that the lattice runs already, that its fingerprint does not change
 * (the identity guard refuses that), and that new_host is new.  offline
 * skips the chain-id check.  Returns an enum lc_exit.
 */
int lc_up_run(struct lc_ctx *ctx, const char *new_host, int offline);

/* The options up and add-host share: --offline sets lc_up_offline,
 * --push-binaries lc_up_push_binaries (URL programs sent, not fetched). */
extern int lc_up_offline, lc_up_push_binaries;
extern const struct lc_opt lc_up_opts[];

#endif
