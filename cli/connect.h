/* connect.h - how every command reaches the lattice's hosts: ssh options from the command line, the agent bundle, one fan-out over the hosts. */
#ifndef LC_CONNECT_H
#define LC_CONNECT_H

#include <stddef.h>

#include "agent_client.h"
#include "fanout.h"
#include "lc.h"
#include "ssh.h"

/* The ssh options for the lattice's hosts: known_hosts in the state
 * directory, --ssh-config, timeouts.  known receives that file's path.
 * readonly: create nothing (no state directory, no known_hosts file) and
 * record no host key. */
int lc_ctx_ssh_opts(struct lc_ssh_opts *o, char *known, size_t size,
		    struct lc_ctx *ctx, int readonly, struct lc_err *err);

/*
 * The one opener: the ssh options (into o, known), the agent bundle (b)
 * and a fan-out f over the n hosts named, -j at a time, with --json and
 * -q as given and progress on a terminal when there are several.  f keeps
 * pointers to o, b and names: they must outlive it.  Release f with
 * lc_fanout_release (nothing to release on failure).  readonly: as for
 * lc_ctx_ssh_opts, and no agent bundle is pushed (lc_fanout_agent uses
 * the one the host has, or fails with LC_ERR_NOTFOUND).
 */
int lc_fanout_open(struct lc_fanout *f, struct lc_ssh_opts *o, char *known, size_t kn,
		   struct lc_bundle *b, struct lc_ctx *ctx, const char *const *names,
		   size_t n, int readonly, struct lc_err *err);

#endif
