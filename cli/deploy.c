/* deploy.c - the lattice's layout on its hosts: names, ports and committee sizes every command agrees on. */
#include <stdio.h>

#include "deploy.h"
#include "roles.h"
#include "banned.h"

unsigned lc_metrics_port(const struct lc_manifest *m, int role)
{
	return m->health.metrics_port + (unsigned)role;
}

void lc_metric_name(char *out, size_t size, int role, const char *suffix)
{
	snprintf(out, size, "%s_%s", lc_org_names[lc_roles[role].org], suffix);
}

unsigned lc_committee_size(const struct lc_manifest *m, int role)
{
	return m->role_count[role];
}
