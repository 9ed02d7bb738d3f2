/* cmd_up.c - `latticectl up`: from the manifest to a live lattice, and every update after it (up.c does the work). */
#include <stdio.h>

#include "up.h"
#include "banned.h"

static int cmd_up(int argc, char **argv, struct lc_ctx *ctx)
{
	(void)argc;
	(void)argv;
	return lc_up_run(ctx, NULL, lc_up_offline);
}

const struct lc_cmd lc_cmd_up = {
	"up", cmd_up, LC_NEED_MANIFEST | LC_NEED_LOCK | LC_NEED_IDENTITY, lc_up_opts, "", 0, 0,
	"bring the lattice up, or roll it to the manifest (resumable)", NULL,
};
