/* cmd_plan.c - `latticectl plan`: what up would change on each host and role, read-only. */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "roles.h"
#include "rotation.h"
#include "run.h"
#include "up.h"
#include "banned.h"

static int cmd_plan(int argc, char **argv, struct lc_ctx *ctx)
{
	char path[4200];
	struct lc_run r;
	struct lc_tally t;
	size_t failed;
	int rc, org, pending = 0;
	cJSON *o, *a = NULL;

	(void)argc;
	(void)argv;
	snprintf(path, sizeof(path), "%s/%s", ctx->secrets_dir, ctx->manifest->name);
	if (access(path, F_OK) && errno == ENOENT) {
		/* No secrets yet: nothing can be compared, all is to do. */
		fprintf(stderr, "plan: no secrets in '%s' yet: up will create them and "
			"install every role of every host\n", path);
		return LC_EXIT_PENDING;
	}
	if (lc_run_open_for(&r, ctx, &lc_cmd_plan, 0)) {
		rc = lc_run_fail(&r);
		lc_run_close(&r);
		return rc;
	}
	failed = lc_plan_all(&r);
	if (!r.have_f) {
		rc = lc_run_fail(&r); /* the hosts cannot be reached at all: r.err says why */
		lc_run_close(&r);
		return rc;
	}
	lc_tally_count(&r, &t);
	o = ctx->json ? lc_plan_json(&r, &t) : NULL;
	if (o)
		a = cJSON_AddArrayToObject(o, "rotations_pending");
	else if (!ctx->quiet)
		lc_tally_print(stdout, "plan", &t);
	/* A rotation of an admission secret under way is finished by its own
	 * command: up refuses until then. */
	for (org = 0; org < LC_ORG_COUNT; org++) {
		if (!lc_rotation_pending(r.j, org))
			continue;
		pending++;
		if (a)
			cJSON_AddItemToArray(a, cJSON_CreateString(lc_org_names[org]));
		else if (!ctx->quiet)
			printf("plan: the rotation of the %s admission secret has not finished: "
			       "'latticectl rotate-secret %s' finishes it (up refuses until then)\n",
			       lc_org_names[org], lc_org_names[org]);
	}
	if (o)
		lc_print_json(o);
	lc_run_close(&r);
	if (failed)
		return LC_EXIT_FAIL;
	return t.roles == t.n[LC_ACT_NOTHING] && !pending ? LC_EXIT_OK : LC_EXIT_PENDING;
}

const struct lc_cmd lc_cmd_plan = {
	"plan", cmd_plan, LC_NEED_MANIFEST | LC_NEED_IDENTITY | LC_NEED_JOURNAL | LC_NEED_READONLY,
	lc_no_opts, "", 0, 0,
	"show what up would change on each host and role; changes nothing", NULL,
};
