/* dkg_local.c - TEST TOOL: a manifest's unseal and offer ceremonies run in one process, transcripts recorded (for suites without hosts). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "../unit/ceremony_sim.h"
#include "ceremony.h"
#include "diag.h"
#include "fileio.h"
#include "hex.h"
#include "identity.h"
#include "manifest.h"
#include "state.h"
#include "banned.h"

/*
 * dkg_local MANIFEST STATE_ROOT [SHARE_DIR]
 *
 * Runs both ceremonies with every member in this process (the same member
 * code and checks as over SSH) and records state/<lattice>/dkg/<org>.json
 * as `latticectl dkg run` does; with SHARE_DIR, each member's share goes
 * to SHARE_DIR/<org>.<host>.share (hex).  For tests of what reads a
 * transcript (gen-config on a production lattice); never for real keys:
 * this process held every share.
 */
static int run(const struct lc_manifest *m, int which, const char *statedir,
	       const char *sharedir, struct lc_err *err)
{
	const char *org = lc_ceremony_org(which), **hosts;
	int role = lc_ceremony_role(which);
	unsigned t = which == LC_DKG_OFFER ? m->offer.threshold.t : m->unseal.threshold.t;
	unsigned n = 0, i;
	uint8_t (*shares)[32];
	struct lc_transcript tr;
	char path[4300], dir[4200], *json, hex[66], ids[2][LC_HOSTID_MAX];
	size_t k, a, b;
	int rc = -1;

	if (!(hosts = calloc(m->nhosts + 1, sizeof(*hosts))))
		return lc_err_set(err, "out of memory");
	for (k = 0; k < m->nhosts; k++)
		if (m->hosts[k].roles & (1u << role))
			hosts[n++] = m->hosts[k].ssh;
	/* The coordinator's order: by host file name. */
	for (a = 1; a < n; a++)
		for (b = a; b > 0; b--) {
			struct lc_host x = { .ssh = hosts[b - 1] }, y = { .ssh = hosts[b] };
			const char *tmp;

			lc_hostid(ids[0], &x);
			lc_hostid(ids[1], &y);
			if (strcmp(ids[0], ids[1]) <= 0)
				break;
			tmp = hosts[b - 1];
			hosts[b - 1] = hosts[b];
			hosts[b] = tmp;
		}
	shares = sodium_malloc((size_t)n * 32);
	if (!shares || sim_ceremony(&tr, shares, m->name, org, lc_roles[role].name, hosts, t, n,
				    NULL, err))
		goto out;
	snprintf(dir, sizeof(dir), "%s/dkg", statedir);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		lc_err_set(err, "cannot create '%s': %s", dir, strerror(errno));
		goto out;
	}
	lc_ceremony_path(path, sizeof(path), statedir, which);
	if (!(json = lc_tr_json(&tr)) ||
	    lc_write_file_atomic(path, json, strlen(json), 0600, err)) {
		free(json);
		goto out;
	}
	free(json);
	for (i = 0; sharedir && i < n; i++) {
		lc_hex_encode(hex, shares[i], 32);
		hex[64] = '\n';
		hex[65] = '\0';
		snprintf(path, sizeof(path), "%s/%s.%s.share", sharedir, org, hosts[i]);
		if (lc_write_file_atomic(path, hex, 65, 0400, err))
			goto out;
	}
	printf("%s: %u-of-%u recorded\n", org, t, n);
	rc = 0;
out:
	lc_tr_release(&tr);
	sodium_free(shares);
	free(hosts);
	return rc;
}

int main(int argc, char **argv)
{
	struct lc_manifest *m = NULL;
	struct lc_diags d;
	struct lc_err err;
	char statedir[4096];
	int rc = 1;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: dkg_local MANIFEST STATE_ROOT [SHARE_DIR]\n");
		return 2;
	}
	lc_err_clear(&err);
	lc_diags_init(&d, argv[1]);
	if (sodium_init() < 0 || lc_manifest_load(&m, argv[1], &d)) {
		lc_diags_print(stderr, &d, 0);
		goto out;
	}
	if (lc_state_dir(statedir, sizeof(statedir), argv[2], m->name, &err) ||
	    run(m, LC_DKG_UNSEAL, statedir, argc > 3 ? argv[3] : NULL, &err) ||
	    run(m, LC_DKG_OFFER, statedir, argc > 3 ? argv[3] : NULL, &err)) {
		fprintf(stderr, "dkg_local: %s\n", err.msg);
		goto out;
	}
	rc = 0;
out:
	lc_diags_release(&d);
	lc_manifest_free(m);
	return rc;
}
