/* fanout.h - one step on many hosts in parallel: -j workers, bounded handshakes, output printed whole per host. */
#ifndef LC_FANOUT_H
#define LC_FANOUT_H

#include <stddef.h>

#include "agent_client.h"
#include "buf.h"
#include "err.h"
#include "ssh.h"

/* One host's share of a run: its connection (made once, reused for
 * every step), its buffered output and its error. */
struct lc_fanout_host {
	const char *name;       /* the ssh target as in the manifest */
	struct lc_ssh *ssh;
	struct lc_agent *agent;
	struct lc_buf out;      /* what the step printed for this host (stdout) */
	struct lc_buf note;     /* remarks for the operator (stderr) */
	struct lc_err err;
	int rc;                 /* the step's result: 0 ok */
	long ms;                /* the step's wall time */
	int no_agent;           /* read-only: the host has no agent of ours */
	struct lc_fanout *f;
};

struct lc_fanout {
	struct lc_fanout_host *hosts;
	size_t n;
	int jobs;               /* workers (-j) */
	int max_handshakes;     /* SSH handshakes in flight at once */
	int json;               /* --json: one event object per line on stdout */
	int quiet;
	int silent;             /* print nothing per host (no event, output, note
				 * or error): the caller reports from hosts[] */
	int keep_failed;        /* a host failing this step still takes the next ones */
	int tty;                /* progress on stderr */
	int readonly;           /* push no agent bundle: use the one there (plan) */
	const struct lc_ssh_opts *ssh_opts;
	const struct lc_bundle *bundle;
	void *priv;             /* internal */
};

/* Set up f for the named hosts; free with lc_fanout_release(). */
int lc_fanout_init(struct lc_fanout *f, const char *const *names, size_t n,
		   int jobs, struct lc_err *err);
void lc_fanout_release(struct lc_fanout *f);

/* The host's connection and agent, made on first use within the
 * handshake bound (and the agent bundle pushed if needed).  In a
 * read-only fan-out, a host with no agent fails with LC_ERR_NOTFOUND and
 * h->no_agent set. */
int lc_fanout_agent(struct lc_fanout_host *h, struct lc_agent **out);

typedef int (*lc_host_task)(struct lc_fanout_host *h, void *arg);

/*
 * Run task on every host that has not failed an earlier step, -j at a
 * time.  Each host's output is printed whole, prefixed with its name, as
 * it finishes (unless silent).  Returns the number of hosts that failed
 * this step.
 */
size_t lc_fanout_run(struct lc_fanout *f, const char *step, lc_host_task task,
		     void *arg);

/* Options of one step, for lc_fanout_step: print nothing per host (the
 * caller reports from hosts[]); a host failing this step still takes the
 * next ones. */
enum { LC_STEP_SILENT = 1, LC_STEP_KEEP_FAILED = 2 };
/* lc_fanout_run with this step's options (the fan-out's own still hold). */
size_t lc_fanout_step(struct lc_fanout *f, const char *step, lc_host_task task,
		      void *arg, unsigned flags);

#endif
