/* main.c - latticectl's entry point: global options, the command table, dispatch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "lc.h"
#include "opts.h"
#include "banned.h"

static struct lc_ctx ctx = { .manifest_path = "lattice.toml" };
static int want_help;

static const struct lc_opt global_opts[] = {
	{ LC_OPT_STRING, 'm', "manifest", "PATH", "the manifest (default ./lattice.toml)", &ctx.manifest_path },
	{ LC_OPT_FLAG, 0, "json", NULL, "machine-readable output", &ctx.json },
	{ LC_OPT_FLAG, 'q', "quiet", NULL, "print only errors", &ctx.quiet },
	{ LC_OPT_COUNT, 'v', "verbose", NULL, "say more (repeatable)", &ctx.verbose },
	{ LC_OPT_FLAG, 'h', "help", NULL, "show help", &want_help },
	LC_OPT_END_MARK,
};

struct lc_cmd {
	const char *name;
	int (*fn)(int argc, char **argv, struct lc_ctx *ctx);
	const char *args;    /* operand synopsis */
	const char *summary;
};

/* Every verb, in the order help lists them. */
static const struct lc_cmd commands[] = {
	{ "validate", cmd_validate, "[PATH]",
	  "check the manifest against the role table and print the lattice" },
	{ "version", cmd_version, "", "print latticectl's version" },
	{ "help", cmd_help, "[COMMAND]", "show help for latticectl or a command" },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct lc_cmd *find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

int lc_usage(FILE *f, const char *name)
{
	const struct lc_cmd *c;
	size_t i;

	if (name) {
		if (!(c = find_cmd(name)))
			return -1;
		fprintf(f, "usage: latticectl [options] %s %s\n\n%s.\n\noptions:\n",
			c->name, c->args, c->summary);
		lc_opts_help(f, global_opts);
		fprintf(f, "\nSee latticectl(1) for exit statuses and details.\n");
		return 0;
	}
	fprintf(f, "usage: latticectl [options] COMMAND [ARGS]\n\ncommands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-24s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\noptions (before or after the command):\n");
	lc_opts_help(f, global_opts);
	fprintf(f, "\nSee latticectl(1) and lattice.toml(5).\n");
	return 0;
}

static int usage_error(const char *fmt, const char *arg, const char *hint)
{
	fprintf(stderr, "latticectl: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	if (hint)
		fprintf(stderr, "hint: %s\n", hint);
	return LC_EXIT_USAGE;
}

int main(int argc, char **argv)
{
	const struct lc_opt *const tables[] = { global_opts, NULL };
	static const char *names[NCOMMANDS + 1];
	const struct lc_cmd *c;
	struct lc_err err;
	const char *nc;
	char hint[128];
	int next = 1;
	size_t i;

	lc_err_clear(&err);
	nc = getenv("NO_COLOR");
	ctx.color = isatty(STDERR_FILENO) && !(nc && *nc);
	if (lc_opts_parse(tables, argc, argv, &next, 1, &err))
		return usage_error("%s", err.msg, "see 'latticectl help'");
	if (next >= argc) {
		lc_usage(want_help ? stdout : stderr, NULL);
		return want_help ? LC_EXIT_OK : LC_EXIT_USAGE;
	}
	if (!(c = find_cmd(argv[next]))) {
		const char *sug;

		for (i = 0; i < NCOMMANDS; i++)
			names[i] = commands[i].name;
		sug = lc_suggest(argv[next], names);
		if (sug)
			snprintf(hint, sizeof(hint), "did you mean '%s'?", sug);
		else
			snprintf(hint, sizeof(hint), "see 'latticectl help' for the commands");
		return usage_error("unknown command '%s'", argv[next], hint);
	}
	next++;
	if (lc_opts_parse(tables, argc, argv, &next, 0, &err))
		return usage_error("%s", err.msg, "see 'latticectl help'");
	if (want_help) {
		lc_usage(stdout, c->name);
		return LC_EXIT_OK;
	}
	return c->fn(argc - next, argv + next, &ctx);
}
