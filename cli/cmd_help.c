/* cmd_help.c - `latticectl help [COMMAND]`. */
#include <stdio.h>

#include "lc.h"
#include "banned.h"

static int cmd_help(int argc, char **argv, struct lc_ctx *ctx)
{
	(void)ctx;
	if (argc == 0)
		return lc_usage(stdout, NULL), LC_EXIT_OK;
	if (lc_usage(stdout, argv[0])) {
		fprintf(stderr, "latticectl: unknown command '%s'\n"
			"hint: see 'latticectl help' for the commands\n", argv[0]);
		return LC_EXIT_USAGE;
	}
	return LC_EXIT_OK;
}

const struct lc_cmd lc_cmd_help = {
	"help", cmd_help, 0, lc_no_opts, "[COMMAND]", 0, 1,
	"show help for latticectl or a command", NULL,
};
