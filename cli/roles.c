/* roles.c - the role table. */
#include <string.h>

#include "roles.h"
#include "banned.h"

const struct lc_role_info lc_roles[LC_ROLE_COUNT] = {
	[LC_ROLE_ZIPNET_SERVER] = { "zipnet-server", LC_ORG_ZIPNET, 3, 0, LC_TDX_NO },
	[LC_ROLE_ZIPNET_AGGREGATOR] = { "zipnet-aggregator", LC_ORG_ZIPNET, 1, 1, LC_TDX_NO },
	[LC_ROLE_UNSEAL_MEMBER] = { "unseal-member", LC_ORG_UNSEAL, 3, 0, LC_TDX_REQUIRED },
	[LC_ROLE_OFFER_MEMBER] = { "offer-member", LC_ORG_OFFER, 3, 0, LC_TDX_OPTIONAL },
	[LC_ROLE_ATELIER_MEMBER] = { "atelier-member", LC_ORG_ATELIER, 3, 0, LC_TDX_REQUIRED },
	[LC_ROLE_RELAY_MEMBER] = { "relay-member", LC_ORG_RELAY, 3, 0, LC_TDX_OPTIONAL },
	[LC_ROLE_TALLY_MEMBER] = { "tally-member", LC_ORG_TALLY, 3, 0, LC_TDX_NO },
};

const char *const lc_org_names[LC_ORG_COUNT] = {
	"zipnet", "unseal", "offer", "atelier", "relay", "tally",
};

int lc_role_lookup(const char *name)
{
	int i;

	for (i = 0; i < LC_ROLE_COUNT; i++)
		if (!strcmp(lc_roles[i].name, name))
			return i;
	return -1;
}
