/* ceremony.h - the DKG ceremony's coordinator: rounds relayed over the agents' sessions, the transcript recorded, shares activated. */
#ifndef LC_CEREMONY_H
#define LC_CEREMONY_H

#include "buf.h"
#include "err.h"
#include "fanout.h"
#include "dkg_record.h"
#include "manifest.h"

/*
 * A Pedersen-style DKG (joint Feldman VSS with complaints) over
 * ristretto255 for unseal or offer (which: LC_DKG_UNSEAL, LC_DKG_OFFER),
 * t-of-n from the manifest, run by the agents of the member hosts.
 * latticectl relays public commitments and shares boxed to each member's
 * fresh transport key, checks every signed message as it passes, and never
 * holds a share: each member's share is made on its host and stays there.
 *
 * statedir is the lattice's state directory (state/<lattice>); the
 * transcript goes to <statedir>/dkg/<organism>.json, written atomically.
 * A member's share is written 0400 as secret/<role>.dkg.pending-<id> and
 * renamed to secret/<role>.dkg (cli/deploy.h) only after the transcript is
 * recorded; a ceremony that fails leaves no share active (members asked to
 * drop theirs; the next ceremony drops what is left).
 *
 * f holds the lattice's hosts in manifest order (f->hosts[i].name ==
 * m->hosts[i].ssh); connections are made as needed and kept.  Every round
 * waits at most the hosts' I/O timeout (--timeout) for each member; one
 * that does not answer is named and the ceremony stops.
 */

/*
 * Run the ceremony and record its transcript.  Refuses when one is
 * recorded already (rerunning is a fingerprint change: retire it first).
 * What the operator should read (summary, timings, warnings such as a
 * disqualified member) is appended to out.
 */
int lc_ceremony_run(struct lc_fanout *f, const struct lc_manifest *m, int which,
		    const char *statedir, struct lc_buf *out, struct lc_err *err);

/*
 * Ask every member's agent for its active share's public key and compare
 * it with the transcript: a lost, replaced or never activated share is
 * named.  With activate, a share still pending for the recorded ceremony
 * (a run cut off after recording) is activated first.  Returns 0 when
 * every member holds its share.
 */
int lc_ceremony_check_hosts(struct lc_fanout *f, const struct lc_manifest *m, int which,
			    const char *statedir, int activate, struct lc_buf *out,
			    struct lc_err *err);

#endif
