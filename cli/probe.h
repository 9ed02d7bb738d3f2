/* probe.h - what one host's agent says of the lattice's roles there: state, pid, restarts, metrics. */
#ifndef LC_PROBE_H
#define LC_PROBE_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "agent_client.h"
#include "err.h"
#include "manifest.h"

struct lc_role_probe {
	int role;               /* enum lc_role */
	int installed;          /* the agent has a unit for it */
	char state[16];         /* down, starting, up, stopping, failed; "" when not installed */
	long pid, uptime_s, restarts;
	char last_exit[32];     /* "code 1", "signal 9" or "" */
	int metrics_ok;         /* the metrics endpoint answered */
	double up, committee_size, round; /* <org>_up, _committee_size, _round; NAN when missing */
	cJSON *log;             /* the role's last log lines (an array), or NULL */
};

struct lc_host_probe {
	char backend[16];       /* "supervisor" or "systemd" */
	char agent[64];         /* the agent's version string */
	size_t n;
	struct lc_role_probe roles[LC_ROLE_COUNT]; /* the host's manifest roles, pipeline order */
	int extra[LC_ROLE_COUNT]; /* roles installed there that the manifest does not give it */
};

/* Ask host (an index into m->hosts) for status and, with metrics, each
 * role's metrics; release with lc_probe_release. */
int lc_probe_host(struct lc_agent *a, const struct lc_manifest *m, size_t host,
		  int metrics, struct lc_host_probe *p, struct lc_err *err);
void lc_probe_release(struct lc_host_probe *p);

#endif
