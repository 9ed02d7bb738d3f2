/* cmd_version.c - `latticectl version`. */
#include <stdio.h>

#include "lc.h"
#include "banned.h"

static int cmd_version(int argc, char **argv, struct lc_ctx *ctx)
{
	(void)argc;
	(void)argv;
	if (ctx->json)
		printf("{\"version\":\"%s\"}\n", LC_VERSION);
	else
		printf("latticectl %s\n", LC_VERSION);
	return LC_EXIT_OK;
}

const struct lc_cmd lc_cmd_version = {
	"version", cmd_version, 0, lc_no_opts, "", 0, 0, "print latticectl's version", NULL,
};
