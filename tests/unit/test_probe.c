/* test_probe.c - when a probed role is healthy, and the reason it gives when not. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "manifest.h"
#include "health.h"
#include "probe.h"
#include "unit.h"
#include "banned.h"

static struct lc_manifest m;

/* A role the agent reports up with its metrics as the manifest wants. */
static struct lc_role_probe healthy_role(int role)
{
	struct lc_role_probe r;

	memset(&r, 0, sizeof(r));
	r.role = role;
	r.installed = 1;
	snprintf(r.state, sizeof(r.state), "up");
	r.pid = 4242;
	r.metrics_ok = 1;
	r.up = 1;
	r.committee_size = m.role_count[role];
	r.round = 17;
	return r;
}

static int why_is(struct lc_role_probe r, const char *want)
{
	char why[256] = "unset";
	int ok = lc_role_healthy(&m, &r, why, sizeof(why));

	if (strcmp(why, want))
		fprintf(stderr, "    why: '%s', want '%s'\n", why, want);
	return !ok && !strcmp(why, want);
}

void unit_main(int argc, char **argv)
{
	struct lc_role_probe r;
	char why[256] = "unset";

	(void)argc;
	(void)argv;
	m.name = "demo.local.devnet";
	m.health.metrics_port = 20000;
	m.role_count[LC_ROLE_UNSEAL_MEMBER] = 3;
	m.role_count[LC_ROLE_ZIPNET_AGGREGATOR] = 1;

	r = healthy_role(LC_ROLE_UNSEAL_MEMBER);
	CHECK(lc_role_healthy(&m, &r, why, sizeof(why)) == 1 && why[0] == '\0');
	/* The round is reported, not judged: 0 right after a start is fine. */
	r.round = NAN;
	CHECK(lc_role_healthy(&m, &r, why, sizeof(why)) == 1);
	r = healthy_role(LC_ROLE_ZIPNET_AGGREGATOR);
	CHECK(lc_role_healthy(&m, &r, why, sizeof(why)) == 1);

	r = healthy_role(LC_ROLE_UNSEAL_MEMBER);
	r.installed = 0;
	CHECK(why_is(r, "not installed"));

	r = healthy_role(LC_ROLE_UNSEAL_MEMBER);
	snprintf(r.state, sizeof(r.state), "failed");
	snprintf(r.last_exit, sizeof(r.last_exit), "code 1");
	CHECK(why_is(r, "state failed, last exit code 1"));
	r.last_exit[0] = '\0';
	snprintf(r.state, sizeof(r.state), "starting");
	CHECK(why_is(r, "state starting"));

	r = healthy_role(LC_ROLE_UNSEAL_MEMBER);
	r.metrics_ok = 0;
	CHECK(why_is(r, "metrics endpoint 127.0.0.1:20002 does not answer"));

	r = healthy_role(LC_ROLE_UNSEAL_MEMBER);
	r.up = NAN;
	CHECK(why_is(r, "no unseal_up metric"));
	r.up = 0;
	CHECK(why_is(r, "unseal_up is 0"));

	r = healthy_role(LC_ROLE_UNSEAL_MEMBER);
	r.committee_size = 2;
	CHECK(why_is(r, "committee size 2, the manifest says 3"));
	r.committee_size = NAN;
	CHECK(why_is(r, "no unseal_committee_size metric"));
}
