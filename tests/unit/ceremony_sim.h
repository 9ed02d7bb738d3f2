/* ceremony_sim.h - a whole DKG ceremony in one process (members from common/dkgmember.c), for unit tests and test tools only. */
#ifndef LC_CEREMONY_SIM_H
#define LC_CEREMONY_SIM_H

#include <stdint.h>

#include "err.h"
#include "transcript.h"

/* Faults to play (0: none).  Member indices are 1-based. */
struct sim_faults {
	unsigned cheat, victim; /* cheat sends victim a wrong share ... */
	int lie;                /* ... and reveals the wrong one again */
	unsigned forge_from, forge_to; /* the box from -> to altered in transit */
};

/*
 * Run a t-of-n ceremony for hosts[0..n) and fill tr (lc_tr_init'ed here;
 * release it) and shares[0..n) (sodium_malloc memory of n * 32 bytes)
 * with every member's final share.  Every message goes through the same
 * checks the coordinator makes (transcript.h).  -1 with err naming the
 * member at fault.
 */
int sim_ceremony(struct lc_transcript *tr, uint8_t (*shares)[32], const char *lattice,
		 const char *organism, const char *role, const char *const *hosts,
		 unsigned t, unsigned n, const struct sim_faults *fx, struct lc_err *err);

#endif
