/* cmd_version.c - `latticectl version`. */
#include <stdio.h>

#include "lc.h"
#include "banned.h"

int cmd_version(int argc, char **argv, struct lc_ctx *ctx)
{
	(void)argv;
	if (argc) {
		fprintf(stderr, "latticectl: version takes no arguments\n");
		return LC_EXIT_USAGE;
	}
	if (ctx->json)
		printf("{\"version\":\"%s\"}\n", LC_VERSION);
	else
		printf("latticectl %s\n", LC_VERSION);
	return LC_EXIT_OK;
}
