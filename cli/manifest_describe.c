/* manifest_describe.c - printing the lattice a manifest describes: identity, committees, hosts. */
#include <stdio.h>
#include <string.h>

#include "manifest.h"
#include "banned.h"

static void print_members(FILE *f, const struct lc_manifest *m, int role)
{
	size_t i;
	int first = 1;

	for (i = 0; i < m->nhosts; i++) {
		if (!(m->hosts[i].roles & (1u << role)))
			continue;
		fprintf(f, "%s%s", first ? "" : " ", lc_host_name(&m->hosts[i]));
		first = 0;
	}
}

static void print_window(FILE *f, const struct lc_manifest *m)
{
	switch (m->zipnet.kind) {
	case LC_WINDOW_INTERACTIVE:
		fprintf(f, "window interactive");
		break;
	case LC_WINDOW_ARCHIVAL:
		fprintf(f, "window archival");
		break;
	case LC_WINDOW_TUPLE:
		fprintf(f, "window %llu ms x %llu rounds",
			(unsigned long long)m->zipnet.round_ms,
			(unsigned long long)m->zipnet.retain_rounds);
		break;
	}
}

/* [health]: the signal up waits for, and where roles serve metrics. */
static void print_health(FILE *f, const struct lc_manifest *m)
{
	fprintf(f, "health:    ");
	if (m->health.pipeline_command)
		fprintf(f, "command `%s`", m->health.pipeline_command);
	else
		fprintf(f, "metric %s", m->health.pipeline_metric ?
			m->health.pipeline_metric : "?");
	fprintf(f, " within %u s; metrics on loopback ", m->health.deadline_s);
	if (m->health.metrics_port)
		fprintf(f, "ports %u-%u%s\n", m->health.metrics_port,
			m->health.metrics_port + LC_ROLE_COUNT - 1,
			m->health.metrics_port_set ? "" : " (derived from the name)");
	else
		fprintf(f, "ports ?\n");
}

void lc_manifest_describe(FILE *f, const struct lc_manifest *m)
{
	unsigned procs = 0;
	size_t i;
	int r, o;

	for (r = 0; r < LC_ROLE_COUNT; r++)
		procs += m->role_count[r];
	fprintf(f, "lattice:   %s\n", m->name ? m->name : "?");
	fprintf(f, "chain_id:  %llu\n", (unsigned long long)m->chain_id);
	if (m->tdx == LC_TDX_MODE_SIMULATE)
		fprintf(f, "tdx:       SIMULATED (development only: this lattice can "
			"never pass for a production one)\n");
	else
		fprintf(f, "tdx:       required on unseal and atelier hosts\n");
	if (m->dkg == LC_DKG_MODE_DEALER)
		fprintf(f, "dkg:       dealer (development only: gen-config deals the "
			"unseal and offer key shares)\n");
	else
		fprintf(f, "dkg:       ceremony on the unseal and offer member hosts\n");
	fprintf(f, "hosts:     %zu, running %u processes\n", m->nhosts, procs);
	print_health(f, m);
	fputc('\n', f);

	fprintf(f, "%-9s %-7s %-34s %s\n", "COMMITTEE", "MEMBERS", "PARAMETERS", "HOSTS");
	for (o = 0; o < LC_ORG_COUNT; o++) {
		char params[160] = "";
		unsigned members = 0;

		for (r = 0; r < LC_ROLE_COUNT; r++)
			if (lc_roles[r].org == (enum lc_org)o &&
			    r != LC_ROLE_ZIPNET_AGGREGATOR)
				members += m->role_count[r];
		switch (o) {
		case LC_ORG_ZIPNET: {
			FILE *mf = fmemopen(params, sizeof(params), "w");

			if (mf) {
				print_window(mf, m);
				fclose(mf);
			}
			break;
		}
		case LC_ORG_UNSEAL:
			snprintf(params, sizeof(params), "threshold %u-of-%u",
				 m->unseal.threshold.t, m->unseal.threshold.n);
			break;
		case LC_ORG_OFFER:
			snprintf(params, sizeof(params), "threshold %u-of-%u%s, %llu ms",
				 m->offer.threshold.t, m->offer.threshold.n,
				 m->offer.threshold.set ? "" : " (default)",
				 (unsigned long long)m->offer.auction_window_ms);
			break;
		case LC_ORG_ATELIER:
			snprintf(params, sizeof(params), "schema %s",
				 m->atelier.block_schema ? m->atelier.block_schema : "?");
			break;
		case LC_ORG_RELAY:
			snprintf(params, sizeof(params), "policy %s, %zu endpoint%s",
				 m->relay.policy ? m->relay.policy : "?",
				 m->relay.n_endpoints, m->relay.n_endpoints == 1 ? "" : "s");
			break;
		case LC_ORG_TALLY:
			snprintf(params, sizeof(params), "settlement %s",
				 m->tally.settlement_addr);
			break;
		}
		fprintf(f, "%-9s %-7u %-34s ", lc_org_names[o], members, params);
		for (r = 0; r < LC_ROLE_COUNT; r++)
			if (lc_roles[r].org == (enum lc_org)o &&
			    r != LC_ROLE_ZIPNET_AGGREGATOR)
				print_members(f, m, r);
		if (o == LC_ORG_ZIPNET) {
			fprintf(f, " (aggregator: ");
			print_members(f, m, LC_ROLE_ZIPNET_AGGREGATOR);
			fprintf(f, ")");
		}
		fputc('\n', f);
	}

	fprintf(f, "\n%-28s %-4s %s\n", "HOST", "TDX", "ROLES");
	for (i = 0; i < m->nhosts; i++) {
		const struct lc_host *h = &m->hosts[i];
		int first = 1;

		fprintf(f, "%-28s %-4s ", lc_host_name(h), h->tdx ? "yes" : "no");
		for (r = 0; r < LC_ROLE_COUNT; r++) {
			if (!(h->roles & (1u << r)))
				continue;
			fprintf(f, "%s%s", first ? "" : ", ", lc_roles[r].name);
			first = 0;
		}
		fputc('\n', f);
	}
}
