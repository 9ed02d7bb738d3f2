/* mrtd.h - finding each TDX organism's MR_TD: pinned, from a file, from a build, or simulated. */
#ifndef LC_MRTD_H
#define LC_MRTD_H

#include <stdint.h>

#include "err.h"
#include "lconfig.h"
#include "manifest.h"

/*
 * The MR_TD of org (LC_ORG_UNSEAL or LC_ORG_ATELIER) for manifest m:
 * "mrtd" pinned in the manifest; else "mrtd_file" (96 hex digits, relative
 * to the manifest); else "mrtd_build", a shell command run in the
 * manifest's directory that must write the 96 hex digits to the file
 * named by $MRTD_OUT; else, for a tdx = "simulate" lattice, a synthetic
 * value (kind LC_MRTD_SYNTHETIC).  A production lattice with none of these
 * fails closed.
 */
int lc_mrtd_resolve(uint8_t out[LC_MRTD_LEN], uint8_t *kind,
		    const struct lc_manifest *m, enum lc_org org,
		    struct lc_err *err);

#endif
