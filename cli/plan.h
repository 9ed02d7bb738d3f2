/* plan.h - how one host differs from its layout, asked read-only, and what each role needs; the TDX verdict. */
#ifndef LC_PLAN_H
#define LC_PLAN_H

#include <stddef.h>

#include "agent_client.h"
#include "deploy.h"
#include "journal.h"
#include "manifest.h"

/*
 * Read-only: ask the host (facts, stat, status) how it differs from wh and
 * decide each role's action.  A role whose files differ although the
 * journal's last "files" record for it has the same inputs was changed
 * on the host by hand: LC_ACT_REPAIR.  TDX is checked here: a role that
 * needs TDX on a host that shows none fails the host unless the lattice
 * simulates TDX.
 */
int lc_plan_host(struct lc_agent *a, const struct lc_manifest *m,
		 struct lc_want_host *wh, const struct lc_journal *j,
		 struct lc_err *err);

/* The plan of a host that has no latticectl agent (a read-only plan
 * pushes none): nothing of it can be installed, so every role installs.
 * Its TDX is not known until up asks. */
void lc_plan_no_agent(struct lc_want_host *wh);

/*
 * The decision of lc_plan_host for one role, from what the host said
 * (wr->installed, wr->state, each file's differs and have) and the
 * journal (may be NULL): install when not installed; update when files
 * differ (repair when the journal's last "files" record has the same
 * inputs: a change by hand), or when the process was started on other
 * inputs; start when not up or starting; else nothing.  Sets wr->action
 * and wr->why.
 */
void lc_plan_decide(struct lc_want_host *wh, struct lc_want_role *wr,
		    const struct lc_journal *j);

/*
 * The TDX verdict on host (an index into m's hosts) whose facts say
 * has_tdx: 0 when it may run its roles; -1 with err naming its first role
 * that requires TDX (or the manifest's tdx = true for it) and the remedy
 * when it shows no TDX and the lattice does not simulate TDX.
 */
int lc_tdx_verdict(const struct lc_manifest *m, size_t host, int has_tdx,
		   struct lc_err *err);

/* Whether host must show TDX by that verdict: a role there requires it,
 * or the manifest says tdx = true; never in a tdx = "simulate" lattice. */
int lc_tdx_needed(const struct lc_manifest *m, size_t host);

#endif
