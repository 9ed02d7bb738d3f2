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

static const struct lc_opt no_opts[] = { LC_OPT_END_MARK };
static const struct lc_opt gen_config_opts[] = {
	{ LC_OPT_FLAG, 0, "new-identity", NULL,
	  "accept a changed identity (a fingerprint change)", &ctx.new_identity },
	LC_OPT_END_MARK,
};
static const struct lc_opt dkg_opts[] = {
	{ LC_OPT_FLAG, 0, "new-identity", NULL,
	  "run: retire the recorded ceremony and run a new one (a fingerprint change)",
	  &ctx.new_identity },
	{ LC_OPT_FLAG, 0, "hosts", NULL,
	  "verify: also ask every member host for its active share", &ctx.check_hosts },
	LC_OPT_END_MARK,
};
static const struct lc_opt publish_opts[] = {
	{ LC_OPT_STRING, 0, "git", "DIR", "commit the kit into the git repository DIR", &ctx.git_dir },
	LC_OPT_END_MARK,
};
static const struct lc_opt status_opts[] = {
	{ LC_OPT_LIST, 0, "host", "HOST", "only this host (repeatable, or HOST,HOST)", &ctx.only_hosts },
	{ LC_OPT_LIST, 0, "role", "ROLE", "only this role (repeatable, or ROLE,ROLE)", &ctx.only_roles },
	LC_OPT_END_MARK,
};

static const struct lc_opt up_opts[] = {
	{ LC_OPT_FLAG, 0, "offline", NULL,
	  "skip the chain_rpc chain-id check (not for production)", &ctx.offline },
	LC_OPT_END_MARK,
};

static const struct lc_opt down_opts[] = {
	{ LC_OPT_LIST, 0, "host", "HOST", "only this host (repeatable, or HOST,HOST)", &ctx.only_hosts },
	{ LC_OPT_LIST, 0, "role", "ROLE", "only this role (repeatable, or ROLE,ROLE)", &ctx.only_roles },
	{ LC_OPT_FLAG, 0, "wipe", NULL,
	  "also remove the roles' secrets and files from the hosts (decommissioning)", &ctx.wipe },
	{ LC_OPT_FLAG, 0, "yes", NULL, "do not ask for confirmation", &ctx.yes },
	LC_OPT_END_MARK,
};

/* What the dispatcher sets up before a verb runs. */
enum { LC_NEED_MANIFEST = 1 };

struct lc_cmd {
	const char *name;
	int (*fn)(int argc, char **argv, struct lc_ctx *ctx);
	unsigned needs;
	const struct lc_opt *opts; /* the verb's own options */
	const char *args;          /* operand synopsis */
	const char *summary;
};

/* Every verb, in the order help lists them. */
static const struct lc_cmd commands[] = {
	{ "validate", cmd_validate, 0, no_opts, "[PATH]",
	  "check the manifest against the role table and print the lattice" },
	{ "gen-config", cmd_gen_config, LC_NEED_MANIFEST, gen_config_opts, "",
	  "generate every secret and the LatticeConfig; touches no host" },
	{ "plan", cmd_plan, LC_NEED_MANIFEST, no_opts, "",
	  "show what up would change on each host and role; changes nothing" },
	{ "up", cmd_up, LC_NEED_MANIFEST, up_opts, "",
	  "bring the lattice up, or roll it to the manifest (resumable)" },
	{ "down", cmd_down, LC_NEED_MANIFEST, down_opts, "[--host HOST]... [--role ROLE]... [--wipe [--yes]]",
	  "stop every organism in reverse pipeline order (--wipe: decommission)" },
	{ "add-host", cmd_add_host, LC_NEED_MANIFEST, up_opts, "HOST",
	  "add a new host's roles to a running lattice (never a fingerprint change)" },
	{ "rotate-peer", cmd_rotate_peer, LC_NEED_MANIFEST, no_opts, "HOST ROLE",
	  "give one member a new peer identity, one member of a committee at a time" },
	{ "inspect", cmd_inspect, 0, no_opts, "HEX|FILE",
	  "decode a LatticeConfig and print every field" },
	{ "publish", cmd_publish, LC_NEED_MANIFEST, publish_opts, "",
	  "print the handshake kit integrators bind to" },
	{ "status", cmd_status, LC_NEED_MANIFEST, status_opts, "[--host HOST]... [--role ROLE]...",
	  "show every role's state, restarts, committee and round on its hosts" },
	{ "dkg", cmd_dkg, LC_NEED_MANIFEST, dkg_opts, "run|verify [unseal|offer]",
	  "run the DKG ceremony on the member hosts, or verify its transcript" },
	{ "agent", cmd_agent, LC_NEED_MANIFEST, no_opts, "HOST OP [JSON]",
	  "run one agent operation on one host (pushes the agent if needed)" },
	{ "version", cmd_version, 0, no_opts, "", "print latticectl's version" },
	{ "help", cmd_help, 0, no_opts, "[COMMAND]", "show help for latticectl or a command" },
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
		lc_opts_help(f, c->opts);
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
	int next = 1, rc;
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
			names[i] = commands[i].name;
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
