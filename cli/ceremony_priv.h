/* ceremony_priv.h - what the coordinator's files share: one run's state, the parallel step, the agent call. */
#ifndef LC_CEREMONY_PRIV_H
#define LC_CEREMONY_PRIV_H

#include <pthread.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "ceremony.h"

struct cer;
typedef int (*cer_fn)(struct cer *c, unsigned i);

/* One ceremony (or host check) in progress.  Per-member arrays are
 * indexed by member index - 1; a step's worker writes only its member's
 * slots (and that member's part of tr). */
struct cer {
	struct lc_fanout *f;
	const struct lc_manifest *m;
	int which, role;
	const char *org;
	struct lc_transcript tr;
	size_t *host;          /* the member's index in m->hosts and f->hosts */
	int *dead;             /* its session failed: nothing more is sent to it */
	struct lc_err *merr;   /* its error in the last step */
	double *cpu_ms;        /* the member agent's CPU time (finish) */
	FILE *relay;           /* LATTICECTL_TEST_RELAY_LOG: every message relayed */
	pthread_mutex_t mu;
	/* the step in progress */
	const char *step;
	cer_fn fn;
	const unsigned *todo;
	unsigned ntodo, next;
	void *arg;
};

/* The committee's members (hosts carrying the role, sorted by host file
 * name as the dealer does) mapped onto f; tr is allocated for t-of-n. */
int cer_setup(struct cer *c, struct lc_fanout *f, const struct lc_manifest *m,
	      int which, struct lc_err *err);
void cer_release(struct cer *c);

/*
 * Run fn for members todo[0..k) in parallel (-j at a time).  0 when every
 * one succeeded; else -1 with err naming each member that failed and
 * why, as "<org> ceremony, <step>: member 4 (h4): ...".
 */
int cer_each(struct cer *c, const char *step, const unsigned *todo, unsigned k, cer_fn fn,
	     void *arg, struct lc_err *err);
/* Every member, 1..n, into v (n long). */
unsigned cer_all(const struct cer *c, unsigned *v);

/*
 * Send req (an object with "op"; lattice and role are added) to member
 * i's agent and read the reply, logging both when the relay log is on.
 * 0 with *reply an ok reply; -1 with merr[i-1] set otherwise (a transport
 * failure also marks the member dead).
 */
int cer_call(struct cer *c, unsigned i, cJSON *req, cJSON **reply);

/* Member i's error: "<fmt>" with the member named; returns -1. */
int cer_fail(struct cer *c, unsigned i, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A reply member holding n bytes as hex; -1 (merr set) when it does not. */
int cer_hex(struct cer *c, unsigned i, const cJSON *o, const char *key, uint8_t *out,
	    size_t n);

#endif
