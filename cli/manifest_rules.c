/* manifest_rules.c - the cross-field rules of a lattice: role counts, TDX, thresholds, duplicates. */
#include <string.h>
#include <strings.h>

#include "manifest.h"
#include "toml.h"
#include "banned.h"

/* Two ssh targets name the same machine when host and port agree. */
static int same_machine(const struct lc_host *a, const struct lc_host *b)
{
	unsigned pa = a->target.port ? a->target.port : 22;
	unsigned pb = b->target.port ? b->target.port : 22;

	return !strcasecmp(a->target.host, b->target.host) && pa == pb;
}

static void check_duplicates(struct lc_manifest *m, struct lc_diags *d)
{
	size_t i, j;

	for (i = 1; i < m->nhosts; i++) {
		if (!m->hosts[i].ssh)
			continue;
		for (j = 0; j < i; j++) {
			if (!m->hosts[j].ssh || !same_machine(&m->hosts[i], &m->hosts[j]))
				continue;
			lc_diag_add(d, LC_SEV_ERROR, m->hosts[i].pos.line,
				    m->hosts[i].pos.col,
				    "host %s is listed twice (first at line %u)",
				    m->hosts[i].ssh, m->hosts[j].pos.line);
			lc_diag_hint(d, "merge the two entries' roles into one [[hosts]] entry");
			break;
		}
	}
}

/* The first [[hosts]] header, where role-count problems are reported. */
static struct lc_pos hosts_pos(const struct lc_manifest *m)
{
	struct lc_pos p = { 1, 1 };

	if (m->nhosts)
		p = m->hosts[0].pos;
	return p;
}

static void check_counts(struct lc_manifest *m, struct lc_diags *d)
{
	struct lc_pos p = hosts_pos(m);
	size_t i;
	int r;

	for (r = 0; r < LC_ROLE_COUNT; r++) {
		const struct lc_role_info *ri = &lc_roles[r];
		unsigned c = m->role_count[r];
		unsigned seen_as = c + m->role_typos[r];

		if (seen_as >= ri->min && c < ri->min) {
			/* A misspelt role name: its own diagnostic says so. */
		} else if (c < ri->min && ri->max == 1) {
			lc_diag_add(d, LC_SEV_ERROR, p.line, p.col,
				    "no host carries %s; the lattice needs exactly one",
				    ri->name);
			lc_diag_hint(d, "add \"%s\" to the roles of one host", ri->name);
		} else if (c < ri->min) {
			lc_diag_add(d, LC_SEV_ERROR, p.line, p.col,
				    "too few %s hosts: %u, the %s committee needs at least %u",
				    ri->name, c, lc_org_names[ri->org], ri->min);
			lc_diag_hint(d, "add \"%s\" to the roles of %u more host%s",
				     ri->name, ri->min - c, ri->min - c == 1 ? "" : "s");
		}
		if (ri->max && c > ri->max) {
			unsigned seen = 0;

			/* Point at each carrier past the allowed number. */
			for (i = 0; i < m->nhosts; i++) {
				const struct lc_host *h = &m->hosts[i];

				if (!(h->roles & (1u << r)) || ++seen <= ri->max)
					continue;
				lc_diag_add(d, LC_SEV_ERROR, h->role_pos[r].line,
					    h->role_pos[r].col,
					    "%u hosts carry %s; a lattice has at most %u",
					    c, ri->name, ri->max);
				lc_diag_hint(d, "remove \"%s\" from all hosts but one",
					     ri->name);
			}
		}
	}
}

/* The trusted dealer makes the operator's machine hold every share: a
 * production lattice never uses it. */
static void check_dkg(struct lc_manifest *m, struct lc_diags *d)
{
	if (m->dkg != LC_DKG_MODE_DEALER || m->tdx == LC_TDX_MODE_SIMULATE)
		return;
	lc_diag_add(d, LC_SEV_ERROR, m->dkg_pos.line, m->dkg_pos.col,
		    "dkg = \"dealer\" is refused for a production lattice: the dealer "
		    "holds every member's key share");
	lc_diag_hint(d, "remove it (production lattices run the DKG ceremony on the "
		     "member hosts), or set tdx = \"simulate\" for a development lattice");
}

static void check_tdx(struct lc_manifest *m, struct lc_diags *d)
{
	size_t i;
	int r;

	if (m->tdx == LC_TDX_MODE_SIMULATE)
		return;
	for (i = 0; i < m->nhosts; i++) {
		const struct lc_host *h = &m->hosts[i];

		if (h->tdx || h->tdx_unknown)
			continue;
		for (r = 0; r < LC_ROLE_COUNT; r++) {
			if (!(h->roles & (1u << r)) || lc_roles[r].tdx != LC_TDX_REQUIRED)
				continue;
			lc_diag_add(d, LC_SEV_ERROR, h->role_pos[r].line,
				    h->role_pos[r].col,
				    "host %s carries %s, which requires TDX, but does not "
				    "have tdx = true", lc_host_name(h), lc_roles[r].name);
			lc_diag_hint(d, "set tdx = true on this host (it must be an Intel "
				     "TDX host), or set tdx = \"simulate\" in [lattice] for "
				     "development");
		}
	}
}

/* threshold n must equal the member count; t must be a majority of n. */
static void check_threshold(const struct lc_threshold *th, const char *org,
			    unsigned members, struct lc_diags *d)
{
	unsigned maj = members / 2 + 1;

	if (!th->set)
		return;
	if (th->t > th->n) {
		lc_diag_add(d, LC_SEV_ERROR, th->pos.line, th->pos.col,
			    "threshold \"%u-of-%u\" in [organisms.%s] has t greater "
			    "than n", th->t, th->n, org);
		lc_diag_hint(d, "t must be at most n, e.g. \"%u-of-%u\"",
			     th->n / 2 + 1, th->n);
		return;
	}
	if (th->n != members) {
		lc_diag_add(d, LC_SEV_ERROR, th->pos.line, th->pos.col,
			    "threshold \"%u-of-%u\" in [organisms.%s] does not fit the "
			    "committee: n is %u but %u host%s carry %s-member",
			    th->t, th->n, org, th->n, members,
			    members == 1 ? "" : "s", org);
		if (members >= 3)
			lc_diag_hint(d, "set threshold = \"%u-of-%u\", or give "
				     "%s-member to %u host%s", maj, members,
				     org, th->n, th->n == 1 ? "" : "s");
		else
			lc_diag_hint(d, "give %s-member to %u host%s", org, th->n,
				     th->n == 1 ? "" : "s");
		return;
	}
	if (th->t * 2 <= th->n) {
		lc_diag_add(d, LC_SEV_ERROR, th->pos.line, th->pos.col,
			    "threshold \"%u-of-%u\" in [organisms.%s] is not a "
			    "majority of the committee", th->t, th->n, org);
		lc_diag_hint(d, "t must be more than n/2: use at least \"%u-of-%u\"",
			     th->n / 2 + 1, th->n);
	}
}

static void check_binaries(struct lc_manifest *m, struct lc_diags *d)
{
	const struct lc_toml_kv *kv;
	unsigned line = 1, col = 1;
	int r;

	kv = lc_toml_get(lc_toml_root(m->doc), "binaries");
	if (!kv || kv->val->type != LC_TOML_TABLE)
		return; /* already reported */
	line = kv->val->u.tab->line ? kv->val->u.tab->line : kv->line;
	col = kv->val->u.tab->line ? kv->val->u.tab->col : kv->col;
	for (r = 0; r < LC_ROLE_COUNT; r++) {
		if (!m->role_count[r] || m->binaries[r].set ||
		    lc_toml_get(kv->val->u.tab, lc_roles[r].name))
			continue;
		lc_diag_add(d, LC_SEV_ERROR, line, col,
			    "no binary for role '%s' in [binaries]", lc_roles[r].name);
		lc_diag_hint(d, "add %s = \"./bin/%s\" or %s = { url = \"https://...\", "
			     "sha256 = \"<64 hex>\" }", lc_roles[r].name,
			     lc_roles[r].name, lc_roles[r].name);
	}
}

void lc_manifest_check_rules(struct lc_manifest *m, struct lc_diags *d)
{
	size_t i;
	int r;

	memset(m->role_count, 0, sizeof(m->role_count));
	for (i = 0; i < m->nhosts; i++)
		for (r = 0; r < LC_ROLE_COUNT; r++)
			if (m->hosts[i].roles & (1u << r))
				m->role_count[r]++;
	check_duplicates(m, d);
	if (m->nhosts)
		check_counts(m, d);
	check_tdx(m, d);
	check_dkg(m, d);
	/* Without hosts (none, or reported unreadable) there is no committee
	 * to fit a threshold to. */
	if (m->nhosts) {
		check_threshold(&m->unseal.threshold, "unseal",
				m->role_count[LC_ROLE_UNSEAL_MEMBER], d);
		check_threshold(&m->offer.threshold, "offer",
				m->role_count[LC_ROLE_OFFER_MEMBER], d);
	}
	/* offer defaults to a majority of its members. */
	if (!m->offer.threshold.set) {
		m->offer.threshold.n = m->role_count[LC_ROLE_OFFER_MEMBER];
		m->offer.threshold.t = m->offer.threshold.n / 2 + 1;
	}
	check_binaries(m, d);
}
