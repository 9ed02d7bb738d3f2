/* cmd_help.c - `latticectl help [COMMAND]`. */
#include <stdio.h>

#include "lc.h"
#include "banned.h"

int cmd_help(int argc, char **argv, struct lc_ctx *ctx)
{
	(void)ctx;
	if (argc > 1) {
		fprintf(stderr, "latticectl: help takes at most one command\n");
		return LC_EXIT_USAGE;
	}
	if (argc == 0)
		return lc_usage(stdout, NULL), LC_EXIT_OK;
	if (lc_usage(stdout, argv[0])) {
		fprintf(stderr, "latticectl: unknown command '%s'\n"
			"hint: see 'latticectl help' for the commands\n", argv[0]);
		return LC_EXIT_USAGE;
	}
	return LC_EXIT_OK;
}
