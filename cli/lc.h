/* lc.h - the CLI's shared context, exit statuses and command entry points. */
#ifndef LC_LC_H
#define LC_LC_H

#include <stddef.h>
#include <stdio.h>

#include "opts.h"

/*
 * Exit statuses: mapped here, once, and documented in latticectl(1).
 * Scripts depend on them; never renumber.
 */
enum lc_exit {
	LC_EXIT_OK = 0,       /* success */
	LC_EXIT_FAIL = 1,     /* the operation failed (see the message) */
	LC_EXIT_USAGE = 2,    /* bad command line */
	LC_EXIT_MANIFEST = 3, /* the manifest is invalid or cannot be read */
	LC_EXIT_PENDING = 4,  /* plan: changes are pending */
	LC_EXIT_UNHEALTHY = 5, /* status: something is unhealthy; up: no health signal */
	LC_EXIT_LOCKED = 6,   /* another run holds the lattice's lock */
	LC_EXIT_INTERRUPTED = 130, /* SIGINT: stopped after the current step */
};

struct lc_manifest;
struct lc_err;

/* Global options and what the dispatcher set up for the verb. */
struct lc_ctx {
	const char *manifest_path; /* -m; default "lattice.toml" */
	int json;                  /* --json */
	int quiet;                 /* -q */
	int verbose;               /* -v, repeatable */
	int color;                 /* on a TTY unless NO_COLOR is set */
	const char *secrets_dir;   /* --secrets-dir; default "secrets" */
	const char *state_dir;     /* --state-dir; default "state" */
	const char *ssh_config;    /* --ssh-config FILE */
	int accept_new_host_keys;  /* --accept-new-host-keys */
	int connect_timeout_s;     /* --connect-timeout SECONDS */
	int io_timeout_s;          /* --timeout SECONDS (one agent reply) */
	int jobs;                  /* -j N: hosts worked on at once */
	int break_lock;            /* --break-lock: take host locks held by others */
	struct lc_manifest *manifest; /* loaded when the verb needs it */
};

/*
 * A verb's preconditions.  The dispatcher sets up the manifest; the rest
 * say what the verb's run (run.h: lc_run_open_for) takes before its work:
 * these bits are the run's own flags.
 */
enum {
	LC_NEED_MANIFEST = 64, /* parse and check -m's manifest: ctx->manifest */
	LC_NEED_LOCK = 1,      /* a changing run: local lock, journal, host locks */
	LC_NEED_IDENTITY = 2,  /* the identity (secrets, LatticeConfig) and layout */
	LC_NEED_JOURNAL = 8,   /* read the journal when no run holds the lock */
	LC_NEED_READONLY = 128, /* write nothing: no state, host key or agent bundle */
};

/*
 * One verb, one file: cli/cmd_<verb>.c exports its entry, and main.c
 * only lists the entries.  The dispatcher parses the verb's options (its
 * own table, whose targets are that file's variables, then the global
 * ones), checks the operand count, sets up what needs asks for, and
 * calls fn with the operands.  fn returns an enum lc_exit.
 */
struct lc_cmd {
	const char *name;
	int (*fn)(int argc, char **argv, struct lc_ctx *ctx);
	unsigned needs;            /* LC_NEED_* */
	const struct lc_opt *opts; /* the verb's own options */
	const char *args;          /* operand synopsis, for usage */
	int min_args, max_args;    /* operand count; max -1: any */
	const char *summary;       /* one line, for help */
	const char *hint;          /* with a usage error; NULL: "see help" */
};

extern const struct lc_cmd lc_cmd_validate, lc_cmd_gen_config, lc_cmd_plan, lc_cmd_up,
	lc_cmd_down, lc_cmd_add_host, lc_cmd_rotate_peer, lc_cmd_rotate_secret, lc_cmd_inspect,
	lc_cmd_publish, lc_cmd_status, lc_cmd_render, lc_cmd_dkg, lc_cmd_agent, lc_cmd_version,
	lc_cmd_help, lc_cmd_successor, lc_cmd_retire;

/*
 * From cmd_down.c: stop every role of ctx->manifest's lattice in reverse
 * pipeline order and, with do_wipe, wipe it from every host (asking
 * first when ask, unless --yes), as verb c (its lock, journal name and
 * messages).  Returns an enum lc_exit.
 */
int lc_down_run(struct lc_ctx *ctx, const struct lc_cmd *c, int do_wipe, int ask);

/* An empty options table, for verbs that have none. */
extern const struct lc_opt lc_no_opts[];

/* A usage error of verb c: "latticectl: <msg>", its usage line and its
 * hint to stderr; returns LC_EXIT_USAGE. */
int lc_usage_error(const struct lc_cmd *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The --host and --role options of the verbs that narrow to hosts and
 * roles, into two struct lc_opt_list (for lc_pick_hosts, lc_pick_roles). */
#define LC_OPTS_PICK(hosts, roles)                                                   \
	{ LC_OPT_LIST, 0, "host", "HOST", "only this host (repeatable, or HOST,HOST)", \
	  &(hosts) },                                                                  \
	{ LC_OPT_LIST, 0, "role", "ROLE", "only this role (repeatable, or ROLE,ROLE)", \
	  &(roles) }

struct lc_opt_list;
/* --role R (repeatable, or R1,R2): the roles named, as bits; all when
 * none.  An unknown role is reported (with "did you mean") and -1. */
int lc_pick_roles(unsigned *out, const struct lc_opt_list *l);
/* --host H (repeatable, or H1,H2): want[j] set for each manifest host
 * named; all when none.  A host not in the manifest is reported and -1. */
int lc_pick_hosts(char *want, const struct lc_manifest *m,
		  const struct lc_opt_list *l);

/* Print "latticectl: <msg>" and its hint to stderr; returns LC_EXIT_FAIL
 * (in diag.c: code that runs a command links without main.o). */
int lc_fail(const struct lc_err *err);

/* From main.c (it holds the list): print a command's usage, or the
 * overview when name is NULL; returns -1 for an unknown command. */
int lc_usage(FILE *f, const char *name);

/* From main.c: the command table, in help order (*n entries), and the
 * global options; for help --json. */
const struct lc_cmd *const *lc_commands(size_t *n);
const struct lc_opt *lc_global_opts(void);
/* The command named name, or NULL. */
const struct lc_cmd *lc_command(const char *name);

#endif
