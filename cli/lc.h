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
	int new_identity;          /* gen-config, dkg run --new-identity */
	int check_hosts;           /* dkg verify --hosts */
	const char *git_dir;       /* publish --git DIR */
	const char *ssh_config;    /* --ssh-config FILE */
	int accept_new_host_keys;  /* --accept-new-host-keys */
	int connect_timeout_s;     /* --connect-timeout SECONDS */
	int io_timeout_s;          /* --timeout SECONDS (one agent reply) */
	int jobs;                  /* -j N: hosts worked on at once */
	struct lc_opt_list only_hosts; /* status, down --host */
	struct lc_opt_list only_roles; /* status, down --role */
	int break_lock;            /* --break-lock: take host locks held by others */
	int offline;               /* up --offline: skip the chain-id check */
	int wipe;                  /* down --wipe */
	int yes;                   /* --yes: do not ask */
	struct lc_manifest *manifest; /* loaded when the verb needs it */
};

/* One verb, one file: cli/cmd_<verb>.c.  Returns an enum lc_exit. */
int cmd_validate(int argc, char **argv, struct lc_ctx *ctx);
int cmd_version(int argc, char **argv, struct lc_ctx *ctx);
int cmd_help(int argc, char **argv, struct lc_ctx *ctx);
int cmd_gen_config(int argc, char **argv, struct lc_ctx *ctx);
int cmd_inspect(int argc, char **argv, struct lc_ctx *ctx);
int cmd_publish(int argc, char **argv, struct lc_ctx *ctx);
int cmd_agent(int argc, char **argv, struct lc_ctx *ctx);
int cmd_status(int argc, char **argv, struct lc_ctx *ctx);
int cmd_up(int argc, char **argv, struct lc_ctx *ctx);
int cmd_plan(int argc, char **argv, struct lc_ctx *ctx);
int cmd_down(int argc, char **argv, struct lc_ctx *ctx);
int cmd_add_host(int argc, char **argv, struct lc_ctx *ctx);
int cmd_rotate_peer(int argc, char **argv, struct lc_ctx *ctx);
int cmd_dkg(int argc, char **argv, struct lc_ctx *ctx);

struct lc_ssh_opts;
/* The ssh options for the lattice's hosts: known_hosts in the state
 * directory, --ssh-config, timeouts.  known receives that file's path. */
int lc_ctx_ssh_opts(struct lc_ssh_opts *o, char *known, size_t size,
		    struct lc_ctx *ctx, struct lc_err *err);

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

/* From main.c: print a command's usage (or the overview when name is NULL);
 * returns -1 for an unknown command. */
int lc_usage(FILE *f, const char *name);

#endif
