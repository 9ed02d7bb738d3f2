/* deploy.h - how a lattice is laid out on its hosts: file names, env files, metrics ports; shared by up, plan, status, down. */
#ifndef LC_DEPLOY_H
#define LC_DEPLOY_H

#include <pthread.h>
#include <stddef.h>

#include "binary.h"
#include "err.h"
#include "identity.h"
#include "journal.h"
#include "manifest.h"

/*
 * On each host (agent areas, agent/PROTOCOL.md):
 *   bin/<role>                  the role's program
 *   env/common.env              LATTICE_INSTANCE, LATTICE_CHAIN_ID, LATTICE_CONFIG_HEX
 *   env/<role>.env              LATTICE_METRICS_PORT, LATTICE_COMMITTEE_SIZE, the secret files
 *   secret/<role>.peer          the member's Ed25519 peer identity seed
 *   secret/<role>.committee     the organism's admission secret (not the aggregator)
 *   secret/<role>.keystore.json atelier-member: its BLS12-381 key as an EIP-2335 keystore
 *   secret/<role>.password      atelier-member: the keystore's password
 *   secret/<role>.ecdsa         tally-member: secp256k1 secret key
 *   secret/<role>.dkg           unseal-member, offer-member: the DKG key share
 * Every file of a role is named <role> or <role>.*, so `wipe` of a role
 * removes exactly its files.  Before keystores an atelier member got
 * secret/<role>.bls, the raw key: up removes it (lc_retired_secrets).
 */

/* The files (area secret) earlier layouts gave role and this one does
 * not, NULL-terminated: an atelier member's raw BLS key, now sent as a
 * keystore.  up removes them wherever it sends the role's files. */
const char *const *lc_retired_secrets(int role);

/* The loopback port role serves its metrics on. */
unsigned lc_metrics_port(const struct lc_manifest *m, int role);

/* "<org>_<suffix>" for role's organism (suffix "up", "committee_size", "round"). */
void lc_metric_name(char *out, size_t size, int role, const char *suffix);

/* How many members role's committee has in m (the manifest's count of
 * that role; the zipnet aggregator is its own committee of one). */
unsigned lc_committee_size(const struct lc_manifest *m, int role);

/* The DKG threshold t of role's committee in m (unseal's and offer's
 * t-of-n), or 0 for a committee without one. */
unsigned lc_committee_threshold(const struct lc_manifest *m, int role);

/*
 * How many members of a committee of n, of DKG threshold t (0: none), a
 * rollout restarts at once: as many as leave both a majority (n / 2 + 1)
 * and t up, n - max(n / 2 + 1, t).  At least one where n allows it: a
 * committee of one (the aggregator, down while it restarts), and a
 * threshold of every member (t = n, below its threshold while each member
 * restarts, one at a time).  None for a committee of two: no member can go
 * and leave a majority.
 */
unsigned lc_committee_batch(unsigned n, unsigned t);

/* lc_committee_batch of role's committee in m: the most of its members a
 * rollout or a rendered disruption budget lets be down at once. */
unsigned lc_role_max_down(const struct lc_manifest *m, int role);

/*
 * What role needs on host (a manifest index) beside its program: the text
 * of env/<role>.env and its secret files, in the order up sends them.
 * The env file names each secret by where it lands on the host,
 * /var/lib/lattice/<lattice>/secrets/<role>.<kind>; no secret value is in
 * it.  Release with lc_role_env_release, even after a failure.
 */
#define LC_ROLE_SECRETS 4
struct lc_role_secret {
	char name[96];          /* on the host: <role>.<kind> */
	const char *kind;       /* "peer", "committee", "keystore.json", "password",
				 * "ecdsa", "dkg" */
	char path[4200];        /* the secrets store's file */
	int unmade;             /* not made yet (a read-only run) */
};
struct lc_role_env {
	struct lc_buf env;
	struct lc_role_secret secrets[LC_ROLE_SECRETS];
	size_t nsecrets;
};
int lc_role_env_build(struct lc_role_env *re, const struct lc_manifest *m,
		      const struct lc_identity *id, size_t host, int role,
		      struct lc_err *err);
void lc_role_env_release(struct lc_role_env *re);

/* The text of env/common.env, which every role of a host shares; -1 when
 * out of memory. */
int lc_common_env(struct lc_buf *b, const struct lc_manifest *m,
		  const struct lc_identity *id);

enum lc_area { LC_AREA_BIN, LC_AREA_ENV, LC_AREA_SECRET, LC_AREA_COUNT };
extern const char *const lc_area_names[LC_AREA_COUNT]; /* "bin", "env", "secret" */

/* One file a host should have. */
struct lc_want_file {
	int area;
	char name[96];
	char *path;             /* the local file streamed to the host (malloc'd) */
	char sha256[65];
	long long size;
	int unmade;             /* a keystore not made yet: sha256 matches nothing */
	int url_role;           /* a { url, sha256 } program: its role (the
				 * layout's bins[]), else -1 */
	/* from the plan: */
	int differs;            /* the host lacks this content */
	char have[65];          /* the host's sha256; "" when absent */
};

/* What a (host, role) needs, in the order the plan decides. */
enum lc_action {
	LC_ACT_NOTHING,         /* matches the manifest and runs */
	LC_ACT_INSTALL,         /* not installed: files, unit, start */
	LC_ACT_UPDATE,          /* the manifest changed it: files, unit, restart */
	LC_ACT_REPAIR,          /* changed on the host by hand (drift): files, restart */
	LC_ACT_START,           /* installed and current, but not running */
	LC_ACT_COUNT
};
extern const char *const lc_action_names[LC_ACT_COUNT];

#define LC_ROLE_FILES 7 /* bin, common.env, <role>.env, up to four secrets */

struct lc_want_role {
	int role;
	size_t file[LC_ROLE_FILES]; /* indexes into the host's files */
	size_t nfiles;
	char inputs[65];        /* sha256 of the unit and its files' hashes */
	/* from the plan: */
	enum lc_action action;
	int installed;
	char state[16];         /* as the host reported; "" when not installed */
	char why[200];          /* what differs, for the operator */
};

struct lc_want_host {
	size_t host;            /* index into the manifest's hosts */
	const char *name;       /* its ssh target */
	const char *hostid;     /* its file name (lc_hostid) */
	struct lc_want_file files[1 + LC_ROLE_COUNT * (LC_ROLE_FILES - 1)];
	size_t nfiles;          /* unique by (area, name) */
	struct lc_want_role roles[LC_ROLE_COUNT];
	size_t nroles;          /* pipeline order */
	int planned;            /* the host answered the plan */
	int tdx;                /* from facts */
	int port_clash;         /* another lattice here serves on one of our ports */
	char extra[LC_ROLE_COUNT]; /* installed there, not in the manifest */
};

struct lc_layout {
	const struct lc_manifest *m;
	struct lc_want_host *hosts; /* one per manifest host, same order */
	size_t nhosts;
	struct lc_binfile bins[LC_ROLE_COUNT];
	int readonly;           /* built writing nothing (plan) */
	/* URL programs downloaded here only when a host needs them pushed: */
	pthread_mutex_t mu;
	int have_mu;
	char cache[4200];
	struct lc_err bin_err[LC_ROLE_COUNT]; /* a download that failed, once */
};

/*
 * What every host should have: binaries resolved (a URL's from
 * <statedir>/cache when it is there, else left for the hosts to fetch or
 * lc_layout_program to download), env files rendered into <statedir>/hosts/<hostid>/
 * (0600; rewritten only when they change), secrets as the store's files.
 * readonly: write nothing, only hash (binaries hashed without the hash
 * cache, a URL binary known by its manifest sha256 and not fetched, env
 * files not written); such a layout can be planned, not pushed.
 */
int lc_layout_build(struct lc_layout *l, const struct lc_manifest *m,
		    const struct lc_identity *id, const char *statedir, int readonly,
		    struct lc_err *err);
void lc_layout_release(struct lc_layout *l);

/*
 * Role's program as a file on this machine, for a host it must be sent
 * to: a URL's is downloaded into the cache by the first caller (checked
 * against its sha256) while the others wait; a failed download is
 * reported to every later caller without trying again.  Thread-safe.
 * *out is a copy of the layout's entry.
 */
int lc_layout_program(struct lc_layout *l, int role, struct lc_binfile *out,
		      struct lc_err *err);

#endif
