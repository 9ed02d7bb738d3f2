/* cmd_up.c - `latticectl up`: from the manifest to a live lattice, and every update after it (up.c does the work). */
#include <stdio.h>

#include "up.h"
#include "banned.h"

static int offline;
static const struct lc_opt up_opts[] = {
	{ LC_OPT_FLAG, 0, "offline", NULL,
	  "skip the chain_rpc chain-id check (not for production)", &offline },
	LC_OPT_END_MARK,
};

static int cmd_up(int argc, char **argv, struct lc_ctx *ctx)
{
	(void)argc;
	(void)argv;
	return lc_up_run(ctx, NULL, offline);
}

const struct lc_cmd lc_cmd_up = {
	"up", cmd_up, LC_NEED_MANIFEST | LC_NEED_LOCK | LC_NEED_IDENTITY, up_opts, "", 0, 0,
	"bring the lattice up, or roll it to the manifest (resumable)", NULL,
};
