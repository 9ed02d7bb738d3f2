/* cmd_add_host.c - `latticectl add-host HOST`: a new [[hosts]] entry's roles added to a running lattice, never a fingerprint change. */
#include <stdio.h>
#include <unistd.h>

#include "manifest.h"
#include "up.h"
#include "banned.h"

static int cmd_add_host(int argc, char **argv, struct lc_ctx *ctx)
{
	const struct lc_manifest *m = ctx->manifest;
	char path[4200];

	(void)argc;
	if (lc_manifest_host(m, argv[0]) < 0) {
		fprintf(stderr, "latticectl: '%s' is not a host of the manifest %s\n"
			"hint: add its [[hosts]] entry (ssh, roles) first\n", argv[0], m->path);
		return LC_EXIT_USAGE;
	}
	snprintf(path, sizeof(path), "%s/%s/identity.json", ctx->state_dir, m->name);
	if (access(path, F_OK)) {
		fprintf(stderr, "latticectl: lattice '%s' has no recorded identity in %s/%s: "
			"it has not been brought up from here\nhint: bring it up with "
			"'latticectl up' (which also adds every host)\n", m->name,
			ctx->state_dir, m->name);
		return LC_EXIT_FAIL;
	}
	return lc_up_run(ctx, argv[0], lc_up_offline);
}

const struct lc_cmd lc_cmd_add_host = {
	"add-host", cmd_add_host, LC_NEED_MANIFEST | LC_NEED_LOCK | LC_NEED_IDENTITY, lc_up_opts, "HOST", 1, 1,
	"add a new host's roles to a running lattice (never a fingerprint change)",
	"add the host's [[hosts]] entry to the manifest first; HOST is its ssh target",
};
