/* runctx.h - the state of one command's run that its steps share (plan, rollout, health, the DKG ceremony): the manifest, journal, identity, layout and connections; run.h opens and closes it. */
#ifndef LC_RUNCTX_H
#define LC_RUNCTX_H

#include <signal.h>

#include "agent_client.h"
#include "deploy.h"
#include "fanout.h"
#include "identity.h"
#include "journal.h"
#include "lc.h"
#include "ssh.h"

enum {
	/* What a verb's entry says it needs (lc.h, LC_NEED_*): */
	LC_RUN_LOCK = LC_NEED_LOCK,     /* a changing run: local lock, journal, host locks */
	LC_RUN_IDENTITY = LC_NEED_IDENTITY, /* load the identity (secrets, LatticeConfig) and layout */
	LC_RUN_JOURNAL = LC_NEED_JOURNAL, /* read the journal if no run holds the lock (plan) */
	LC_RUN_READONLY = LC_NEED_READONLY, /* write nothing, locally or on hosts (plan) */
	/* How the verb runs: */
	LC_RUN_CREATE = 4,   /* with IDENTITY: make missing secrets (up) */
	LC_RUN_LATER = 16,   /* with IDENTITY: the caller loads it (lc_run_reload) */
};

struct lc_run {
	struct lc_ctx *ctx;
	const struct lc_manifest *m;
	const char *command;
	unsigned flags;
	char statedir[4096];
	struct lc_lock *lock;
	struct lc_journal *j;
	struct lc_lconfig cfg;  /* the identity fields, before the identity takes them */
	int have_cfg;
	struct lc_identity id;
	int have_id;
	struct lc_layout lay;
	int have_lay;
	struct lc_ssh_opts o;
	char known[4200];
	struct lc_bundle b;
	struct lc_fanout f;
	int have_f;
	char *host_locked;   /* per host: we hold its agent lock */
	char holder[256];    /* user@host, for host locks */
	char mhash[65];      /* sha256 of the manifest file */
	struct lc_err err;   /* the run-level failure, when any */
};

/* Set when SIGINT or SIGTERM arrives during a run: the run stops after
 * the step under way and releases its locks. */
extern volatile sig_atomic_t lc_interrupted;

/* Journal a record (errors are reported once and make the run fail). */
void lc_run_note(struct lc_run *r, const char *host, const char *role,
		 const char *step, const char *inputs, const char *outcome,
		 const char *fmt, ...) __attribute__((format(printf, 7, 8)));

#endif
