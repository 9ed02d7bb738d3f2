/* roles.h - the role table of DESIGN.md §1: organisms, roles, counts, TDX needs. */
#ifndef LC_ROLES_H
#define LC_ROLES_H

/* Pipeline order: up starts in this order, down stops in reverse. */
enum lc_org {
	LC_ORG_ZIPNET,
	LC_ORG_UNSEAL,
	LC_ORG_OFFER,
	LC_ORG_ATELIER,
	LC_ORG_RELAY,
	LC_ORG_TALLY,
	LC_ORG_COUNT
};

enum lc_role {
	LC_ROLE_ZIPNET_SERVER,
	LC_ROLE_ZIPNET_AGGREGATOR,
	LC_ROLE_UNSEAL_MEMBER,
	LC_ROLE_OFFER_MEMBER,
	LC_ROLE_ATELIER_MEMBER,
	LC_ROLE_RELAY_MEMBER,
	LC_ROLE_TALLY_MEMBER,
	LC_ROLE_COUNT
};

enum lc_tdx_need { LC_TDX_NO, LC_TDX_OPTIONAL, LC_TDX_REQUIRED };

struct lc_role_info {
	const char *name;
	enum lc_org org;
	unsigned min, max; /* max 0: no upper bound */
	enum lc_tdx_need tdx;
};

extern const struct lc_role_info lc_roles[LC_ROLE_COUNT];
extern const char *const lc_org_names[LC_ORG_COUNT];

/* The role named name (exact), or -1. */
int lc_role_lookup(const char *name);

#endif
