/* deploy.h - how a lattice is laid out on its hosts: file names, env files, metrics ports; shared by up, plan, status, down. */
#ifndef LC_DEPLOY_H
#define LC_DEPLOY_H

#include <stddef.h>

#include "manifest.h"

/*
 * On each host (agent areas, agent/PROTOCOL.md):
 *   bin/<role>                  the role's program
 *   env/common.env              LATTICE_INSTANCE, LATTICE_CHAIN_ID, LATTICE_CONFIG_HEX
 *   env/<role>.env              LATTICE_METRICS_PORT, LATTICE_COMMITTEE_SIZE, the secret files
 *   secret/<role>.peer          the member's Ed25519 peer identity seed
 *   secret/<role>.committee     the organism's admission secret (not the aggregator)
 *   secret/<role>.bls           atelier-member: BLS12-381 secret key
 *   secret/<role>.ecdsa         tally-member: secp256k1 secret key
 *   secret/<role>.dkg           unseal-member, offer-member: the DKG key share
 * Every file of a role is named <role> or <role>.*, so `wipe` of a role
 * removes exactly its files.
 */

/* The loopback port role serves its metrics on. */
unsigned lc_metrics_port(const struct lc_manifest *m, int role);

/* "<org>_<suffix>" for role's organism (suffix "up", "committee_size", "round"). */
void lc_metric_name(char *out, size_t size, int role, const char *suffix);

/* How many members role's committee has in m (the manifest's count of
 * that role; the zipnet aggregator is its own committee of one). */
unsigned lc_committee_size(const struct lc_manifest *m, int role);

#endif
