/* main.c - latticectl's entry point: global options, the command table, dispatch. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "check.h"
#include "diag.h"
#include "http.h"
#include "lc.h"
#include "log.h"
#include "manifest.h"
#include "opts.h"
#include "banned.h"

static struct lc_ctx ctx = {
	.manifest_path = "lattice.toml",
	.secrets_dir = "secrets",
	.state_dir = "state",
	.connect_timeout_s = 10,
	.io_timeout_s = 30,
	.jobs = 16,
};
static const char *connect_timeout_arg, *io_timeout_arg, *jobs_arg;
static int want_help;

static const struct lc_opt global_opts[] = {
	{ LC_OPT_STRING, 'm', "manifest", "PATH", "the manifest (default ./lattice.toml)", &ctx.manifest_path },
	{ LC_OPT_FLAG, 0, "json", NULL, "machine-readable output", &ctx.json },
	{ LC_OPT_FLAG, 'q', "quiet", NULL, "print only errors", &ctx.quiet },
	{ LC_OPT_COUNT, 'v', "verbose", NULL, "say more (repeatable)", &ctx.verbose },
	{ LC_OPT_STRING, 0, "secrets-dir", "DIR", "where secrets live (default ./secrets)", &ctx.secrets_dir },
	{ LC_OPT_STRING, 0, "state-dir", "DIR", "where state lives (default ./state)", &ctx.state_dir },
	{ LC_OPT_STRING, 'j', "jobs", "N", "work on N hosts at once (default 16)", &jobs_arg },
	{ LC_OPT_STRING, 0, "ssh-config", "FILE", "read this ssh_config instead of ~/.ssh/config", &ctx.ssh_config },
	{ LC_OPT_FLAG, 0, "accept-new-host-keys", NULL, "record unknown host keys (never changed ones)", &ctx.accept_new_host_keys },
	{ LC_OPT_STRING, 0, "connect-timeout", "SECONDS", "SSH connect timeout (default 10)", &connect_timeout_arg },
	{ LC_OPT_STRING, 0, "timeout", "SECONDS", "how long to wait for a host's answer (default 30)", &io_timeout_arg },
	{ LC_OPT_FLAG, 0, "break-lock", NULL, "take host locks another run left behind", &ctx.break_lock },
	{ LC_OPT_FLAG, 'h', "help", NULL, "show help", &want_help },
	LC_OPT_END_MARK,
};

/* Every verb, in the order help lists them; each entry is in its cmd_<verb>.c. */
static const struct lc_cmd *const commands[] = {
	&lc_cmd_validate, &lc_cmd_gen_config, &lc_cmd_plan, &lc_cmd_up, &lc_cmd_down,
	&lc_cmd_add_host, &lc_cmd_rotate_peer, &lc_cmd_rotate_secret, &lc_cmd_successor,
	&lc_cmd_retire, &lc_cmd_inspect, &lc_cmd_publish, &lc_cmd_status, &lc_cmd_render,
	&lc_cmd_dkg, &lc_cmd_agent, &lc_cmd_version, &lc_cmd_help,
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

const struct lc_cmd *const *lc_commands(size_t *n)
{
	*n = NCOMMANDS;
	return commands;
}

const struct lc_opt *lc_global_opts(void)
{
	return global_opts;
}

static const struct lc_cmd *find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i]->name, name))
			return commands[i];
	return NULL;
}

const struct lc_cmd *lc_command(const char *name)
{
	return find_cmd(name);
}

int lc_usage(FILE *f, const char *name)
{
	const struct lc_cmd *c;
	size_t i;

	if (name) {
		if (!(c = find_cmd(name)))
			return -1;
		fprintf(f, "usage: latticectl [options] %s%s%s\n\n%s.\n\noptions:\n",
			c->name, c->args[0] ? " " : "", c->args, c->summary);
		lc_opts_help(f, c->opts);
		lc_opts_help(f, global_opts);
		if (c->needs & LC_NEED_LOCK)
			fprintf(f, "\nIt takes the lattice's lock, here and on each host: one "
				"changing run at a time (exit 6 while another holds it).\n");
		fprintf(f, "\nSee latticectl(1) for exit statuses and details.\n");
		return 0;
	}
	fprintf(f, "usage: latticectl [options] COMMAND [ARGS]\n\ncommands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-24s %s\n", commands[i]->name, commands[i]->summary);
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

/* A whole number from lo to hi from an option's argument. */
static int parse_count(const char *arg, const char *opt, long lo, long hi, int *out)
{
	char *end;
	long v;

	if (!arg)
		return 0;
	v = strtol(arg, &end, 10);
	if (*arg == '\0' || *end || v < lo || v > hi) {
		fprintf(stderr, "latticectl: %s wants a number from %ld to %ld, not '%s'\n",
			opt, lo, hi, arg);
		return -1;
	}
	*out = (int)v;
	return 0;
}

static int parse_seconds(const char *arg, const char *opt, int *out)
{
	return parse_count(arg, opt, 1, 3600, out);
}

/* Load and check the manifest for a verb that needs it; diagnostics go
 * to stderr as validate prints them. */
static int load_manifest(void)
{
	struct lc_diags d;
	int rc;

	lc_diags_init(&d, ctx.manifest_path);
	rc = lc_manifest_load(&ctx.manifest, ctx.manifest_path, &d);
	lc_diags_print(stderr, &d, ctx.color);
	if (rc)
		fprintf(stderr, "%s: %zu error%s; see 'latticectl validate'\n", d.file,
			d.nerrors, d.nerrors == 1 ? "" : "s");
	lc_diags_release(&d);
	return rc;
}

static int run(int argc, char **argv)
{
	const struct lc_opt *tables[] = { global_opts, NULL, NULL };
	static const char *names[NCOMMANDS + 1];
	const struct lc_cmd *c;
	struct lc_err err;
	const char *nc;
	char hint[128];
	int next = 1, rc, nargs;
	size_t i;

	lc_err_clear(&err);
	/* libcurl's and libsodium's global state, once, before any thread
	 * starts (the fan-out's retries draw their jitter from libsodium). */
	if (lc_http_global_init(&err))
		return lc_fail(&err);
	if (sodium_init() < 0) {
		lc_err_set(&err, "cannot initialise libsodium");
		return lc_fail(&err);
	}
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
			names[i] = commands[i]->name;
		sug = lc_suggest(argv[next], names);
		if (sug)
			snprintf(hint, sizeof(hint), "did you mean '%s'?", sug);
		else
			snprintf(hint, sizeof(hint), "see 'latticectl help' for the commands");
		return usage_error("unknown command '%s'", argv[next], hint);
	}
	next++;
	tables[0] = c->opts;
	tables[1] = global_opts;
	if (lc_opts_parse(tables, argc, argv, &next, 0, &err))
		return usage_error("%s", err.msg, "see 'latticectl help'");
	if (want_help) {
		lc_usage(stdout, c->name);
		return LC_EXIT_OK;
	}
	nargs = argc - next;
	if (nargs < c->min_args || (c->max_args >= 0 && nargs > c->max_args)) {
		if (c->max_args == 0)
			return lc_usage_error(c, "%s takes no operands", c->name);
		if (c->min_args == c->max_args)
			return lc_usage_error(c, "%s takes %d operand%s", c->name, c->min_args,
					      c->min_args == 1 ? "" : "s");
		if (nargs < c->min_args)
			return lc_usage_error(c, "%s needs at least %d operand%s", c->name,
					      c->min_args, c->min_args == 1 ? "" : "s");
		return lc_usage_error(c, "%s takes at most %d operand%s", c->name, c->max_args,
				      c->max_args == 1 ? "" : "s");
	}
	lc_log_setup(ctx.quiet, ctx.verbose);
	if (parse_seconds(connect_timeout_arg, "--connect-timeout", &ctx.connect_timeout_s) ||
	    parse_seconds(io_timeout_arg, "--timeout", &ctx.io_timeout_s) ||
	    parse_count(jobs_arg, "-j", 1, 256, &ctx.jobs))
		return LC_EXIT_USAGE;
	if ((c->needs & LC_NEED_MANIFEST) && load_manifest()) {
		lc_manifest_free(ctx.manifest);
		return LC_EXIT_MANIFEST;
	}
	rc = c->fn(argc - next, argv + next, &ctx);
	lc_manifest_free(ctx.manifest);
	return rc;
}

/*
 * Everything a command printed must have reached standard output: a
 * full disk or a closed pipe under --json would otherwise lose the
 * result and still exit 0.
 */
int main(int argc, char **argv)
{
	int rc = run(argc, argv);

	errno = 0;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "latticectl: cannot write to standard output%s%s\n",
			errno ? ": " : "", errno ? strerror(errno) : "");
		if (rc == LC_EXIT_OK || rc == LC_EXIT_PENDING)
			rc = LC_EXIT_FAIL;
	}
	return rc;
}
