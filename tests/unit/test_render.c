/* test_render.c - rendering for orchestrators: DNS-label names, env files as objects, and the majority rule budgets come from. */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "deploy.h"
#include "render.h"
#include "rollout.h"
#include "unit.h"
#include "banned.h"

static void dns_names(void)
{
	static const struct { const char *in, *want; } cases[] = {
		{ "demo.local.devnet", "demo-local-devnet" },
		{ "Acme.Ethereum.Mainnet", "acme-ethereum-mainnet" },
		{ "ubuntu@tdx-01.acme.com", "ubuntu-tdx-01-acme-com" },
		{ "--a__b--", "a-b" },
		{ "...", "x" },
		{ "h1", "h1" },
		{ "127.0.1.1", "x-127-0-1-1" },
	};
	char out[LC_RENDER_NAME_MAX + 1], other[LC_RENDER_NAME_MAX + 1];
	const char *l1 = "acme-ethereum-mainnet-zipnet-aggregator-ubuntu-agg-01-acme-com";
	const char *l2 = "acme-ethereum-mainnet-zipnet-aggregator-ubuntu-agg-01-acme-org";
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		lc_render_dns(out, cases[i].in);
		CHECKF(!strcmp(out, cases[i].want), "'%s': got '%s', want '%s'", cases[i].in,
		       out, cases[i].want);
	}
	/* Too long: cut, ending in a hash of the whole; still distinct. */
	lc_render_dns(out, l1);
	lc_render_dns(other, l2);
	CHECK(strlen(out) <= LC_RENDER_NAME_MAX);
	CHECK(strlen(other) <= LC_RENDER_NAME_MAX);
	CHECK(strcmp(out, other) != 0);
	CHECK(!strncmp(out, l1, 30));
	CHECK(out[strlen(out) - 9] == '-');
	CHECK(out[0] != '-' && out[strlen(out) - 1] != '-');
}

static void env_object(void)
{
	cJSON *o = cJSON_CreateObject();

	CHECK(lc_render_env_object(o, "# a comment\nA=1\n\nB=x=y\nC=\nno equals sign\nD=last") == 0);
	CHECK(!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(o, "A")), "1"));
	CHECK(!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(o, "B")), "x=y"));
	CHECK(!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(o, "C")), ""));
	CHECK(!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(o, "D")), "last"));
	CHECK(cJSON_GetArraySize(o) == 4);
	lc_render_wipe(o);
	CHECK(!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(o, "A")), ""));
	cJSON_Delete(o);
}

/* A budget allows exactly the restarts the rollout allows. */
static void budgets(void)
{
	unsigned n, k;

	CHECK(lc_committee_batch(1, 0) == 1);
	CHECK(lc_committee_batch(3, 0) == 1);
	CHECK(lc_committee_batch(4, 0) == 1);
	CHECK(lc_committee_batch(5, 0) == 2);
	CHECK(lc_committee_batch(7, 0) == 3);
	for (n = 3; n <= 33; n++) {
		k = lc_committee_batch(n, 0);
		CHECKF(2 * k < n, "n %u: %u down is no minority", n, k);
		CHECKF(lc_restart_keeps_quorum(n, 0, k - 1, 1) && !lc_restart_keeps_quorum(n, 0, k, 1),
		       "n %u: the rollout's rule disagrees with a budget of %u", n, k);
	}
}

void unit_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	dns_names();
	env_object();
	budgets();
}
