/* render.h - the lattice for an orchestrator: one workload per member, from the layout's env and secret files (Kubernetes objects, Nomad jobs). */
#ifndef LC_RENDER_H
#define LC_RENDER_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "deploy.h"
#include "err.h"
#include "identity.h"
#include "manifest.h"
#include "roles.h"

/* What the manifest does not say and an orchestrator needs. */
struct lc_render_opts {
	const char *image[LC_ROLE_COUNT]; /* each role's container image */
	unsigned cpu_milli;               /* CPU per member, in millicores */
	unsigned memory_mib;              /* memory per member, MiB */
};

/* A workload name, a DNS-1123 label of at most this many characters (a
 * StatefulSet's name leaves room for the revision label's suffix). */
#define LC_RENDER_NAME_MAX 52

/* One member: (host, role), its env file and its secret files' contents. */
struct lc_render_member {
	size_t host;
	int role;
	char name[LC_RENDER_NAME_MAX + 1];   /* <lattice>-<role>-<host> */
	char member[LC_RENDER_NAME_MAX + 1]; /* its host as a DNS label */
	struct lc_role_env re;
	char *b64[LC_ROLE_SECRETS];          /* each secret file, base64 (wiped) */
};

struct lc_render {
	const struct lc_manifest *m;
	const struct lc_identity *id;
	const struct lc_render_opts *o;
	char base[LC_RENDER_NAME_MAX + 1];   /* the lattice's name as a DNS label */
	struct lc_buf common;                /* env/common.env */
	struct lc_render_member *members;    /* pipeline order, then hosts' */
	size_t nmembers;
};

/*
 * Every member of m's lattice with its env files (lc_role_env_build, as
 * up writes them) and its secret files read from the store (a lattice
 * whose DKG shares were made on its hosts, dkg = "ceremony", has no share
 * files to render: the caller refuses it first).  Free with lc_render_release
 * (which wipes the secrets), even after a failure.
 */
int lc_render_load(struct lc_render *r, const struct lc_manifest *m,
		   const struct lc_identity *id, const struct lc_render_opts *o,
		   struct lc_err *err);
void lc_render_release(struct lc_render *r);

/* name as a DNS-1123 label of at most LC_RENDER_NAME_MAX characters:
 * lower case, [a-z0-9-], starting with a letter ("x-" before a digit); a
 * longer one is cut and ends in a hash of the whole, so distinct names
 * stay distinct. */
void lc_render_dns(char out[LC_RENDER_NAME_MAX + 1], const char *name);

/* The KEY=VALUE lines of an env file as members of o (comments and blank
 * lines skipped); -1 when out of memory. */
int lc_render_env_object(cJSON *o, const char *text);

/* Wipe every string in j (secret values) before it is freed. */
void lc_render_wipe(cJSON *j);

/* Kubernetes: a v1 List of every object; the Secrets go into *secrets (a
 * List of their own) when secrets is not NULL, else into the one List.
 * NULL when out of memory. */
cJSON *lc_render_k8s(const struct lc_render *r, cJSON **secrets);

/* Nomad: *jobs, an array of {"Job": ...} (the /v1/jobs format), one per
 * member in rollout order; *vars, an array of Nomad Variables ({"Path",
 * "Items"}) holding the secrets, one per member.  -1 when out of memory. */
int lc_render_nomad(const struct lc_render *r, cJSON **jobs, cJSON **vars);

#endif
