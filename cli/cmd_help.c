/* cmd_help.c - `latticectl help [COMMAND]`: the usage text, or with --json the command table as data (completion is generated from it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "lc.h"
#include "roles.h"
#include "up.h"
#include "banned.h"

static const char *const kind_names[] = {
	[LC_OPT_FLAG] = "flag",
	[LC_OPT_COUNT] = "count",
	[LC_OPT_STRING] = "string",
	[LC_OPT_LIST] = "list",
};

static cJSON *opts_json(const struct lc_opt *opts)
{
	cJSON *a = cJSON_CreateArray(), *o;
	char name[80];

	for (; a && opts->kind != LC_OPT_END; opts++) {
		if (!(o = cJSON_CreateObject()))
			break;
		cJSON_AddItemToArray(a, o);
		snprintf(name, sizeof(name), "--%s", opts->long_name);
		cJSON_AddStringToObject(o, "long", name);
		snprintf(name, sizeof(name), "-%c", opts->short_name);
		cJSON_AddItemToObject(o, "short", opts->short_name ? cJSON_CreateString(name) :
				      cJSON_CreateNull());
		cJSON_AddItemToObject(o, "argument", opts->argname ?
				      cJSON_CreateString(opts->argname) : cJSON_CreateNull());
		cJSON_AddStringToObject(o, "kind", kind_names[opts->kind]);
		cJSON_AddBoolToObject(o, "repeatable",
				      opts->kind == LC_OPT_LIST || opts->kind == LC_OPT_COUNT);
		cJSON_AddStringToObject(o, "help", opts->help);
	}
	return a;
}

static cJSON *cmd_json(const struct lc_cmd *c)
{
	cJSON *o = cJSON_CreateObject(), *n;
	char syn[512];

	if (!o)
		return NULL;
	snprintf(syn, sizeof(syn), "latticectl [options] %s%s%s", c->name,
		 c->args[0] ? " " : "", c->args);
	cJSON_AddStringToObject(o, "name", c->name);
	cJSON_AddStringToObject(o, "synopsis", syn);
	cJSON_AddStringToObject(o, "args", c->args);
	cJSON_AddNumberToObject(o, "min_args", c->min_args);
	cJSON_AddItemToObject(o, "max_args", c->max_args < 0 ? cJSON_CreateNull() :
			      cJSON_CreateNumber(c->max_args));
	cJSON_AddStringToObject(o, "summary", c->summary);
	cJSON_AddItemToObject(o, "hint", c->hint ? cJSON_CreateString(c->hint) :
			      cJSON_CreateNull());
	if ((n = cJSON_AddObjectToObject(o, "needs"))) {
		cJSON_AddBoolToObject(n, "manifest", (c->needs & LC_NEED_MANIFEST) != 0);
		cJSON_AddBoolToObject(n, "lock", (c->needs & LC_NEED_LOCK) != 0);
		cJSON_AddBoolToObject(n, "identity", (c->needs & LC_NEED_IDENTITY) != 0);
		cJSON_AddBoolToObject(n, "journal", (c->needs & LC_NEED_JOURNAL) != 0);
	}
	cJSON_AddItemToObject(o, "options", opts_json(c->opts));
	return o;
}

/* The whole table; NULL when out of memory. */
static cJSON *help_json(void)
{
	const struct lc_cmd *const *cmds;
	cJSON *o, *a;
	size_t i, n;
	int r;

	cmds = lc_commands(&n);
	if (!(o = cJSON_CreateObject()))
		return NULL;
	cJSON_AddStringToObject(o, "program", "latticectl");
	cJSON_AddStringToObject(o, "version", LC_VERSION);
	cJSON_AddStringToObject(o, "synopsis", "latticectl [options] COMMAND [ARGS]");
	cJSON_AddItemToObject(o, "options", opts_json(lc_global_opts()));
	if ((a = cJSON_AddArrayToObject(o, "commands")))
		for (i = 0; i < n; i++)
			cJSON_AddItemToArray(a, cmd_json(cmds[i]));
	/* What --role and ROLE operands take. */
	if ((a = cJSON_AddArrayToObject(o, "roles")))
		for (r = 0; r < LC_ROLE_COUNT; r++)
			cJSON_AddItemToArray(a, cJSON_CreateString(lc_roles[r].name));
	return o;
}

static int unknown(const char *name)
{
	fprintf(stderr, "latticectl: unknown command '%s'\n"
		"hint: see 'latticectl help' for the commands\n", name);
	return LC_EXIT_USAGE;
}

static int cmd_help(int argc, char **argv, struct lc_ctx *ctx)
{
	const char *name = argc ? argv[0] : NULL;

	if (ctx->json) {
		const struct lc_cmd *c = name ? lc_command(name) : NULL;
		cJSON *o;

		if (name && !c)
			return unknown(name);
		if (!(o = c ? cmd_json(c) : help_json())) {
			fprintf(stderr, "latticectl: out of memory\n");
			return LC_EXIT_FAIL;
		}
		lc_print_json(o);
		return LC_EXIT_OK;
	}
	if (lc_usage(stdout, name))
		return unknown(name);
	return LC_EXIT_OK;
}

const struct lc_cmd lc_cmd_help = {
	"help", cmd_help, 0, lc_no_opts, "[COMMAND]", 0, 1,
	"show help for latticectl or a command (--json: the command table as data)", NULL,
};
