/* connect.c - how every command reaches the lattice's hosts: ssh options from the command line, the agent bundle, one fan-out over the hosts. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "connect.h"
#include "log.h"
#include "manifest.h"
#include "state.h"
#include "banned.h"

int lc_ctx_ssh_opts(struct lc_ssh_opts *o, char *known, size_t size,
		    struct lc_ctx *ctx, int readonly, struct lc_err *err)
{
	char dir[4096];

	memset(o, 0, sizeof(*o));
	o->readonly = readonly;
	if (readonly) {
		/* Read what is recorded; create nothing. */
		lc_state_path(dir, sizeof(dir), ctx->state_dir, ctx->manifest->name);
		snprintf(known, size, "%s/known_hosts", dir);
		o->lattice_known_hosts = access(known, F_OK) == 0 ? known : NULL;
	} else {
		int fd;

		if (lc_state_dir(dir, sizeof(dir), ctx->state_dir, ctx->manifest->name, err))
			return -1;
		snprintf(known, size, "%s/known_hosts", dir);
		/* An empty file rather than none: libssh then has nothing to complain of. */
		fd = open(known, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0)
			return lc_err_set(err, "cannot create '%s': %s", known, strerror(errno));
		close(fd);
		o->lattice_known_hosts = known;
	}
	o->config = ctx->ssh_config;
	o->accept_new = ctx->accept_new_host_keys;
	o->connect_timeout_s = ctx->connect_timeout_s;
	o->io_timeout_ms = ctx->io_timeout_s * 1000;
	o->retries = 2;
	return 0;
}

/* The live progress board: several hosts, stderr a terminal that can
 * move its cursor (not TERM=dumb), and no other lines coming from the
 * workers (-v logs from them). */
static int board_wanted(const struct lc_ctx *ctx, size_t n)
{
	const char *term = getenv("TERM");

	return !ctx->json && !ctx->quiet && n > 1 && isatty(STDERR_FILENO) &&
	       !(term && !strcmp(term, "dumb")) && !lc_log_on(LC_LOG_VERBOSE);
}

int lc_fanout_open(struct lc_fanout *f, struct lc_ssh_opts *o, char *known, size_t kn,
		   struct lc_bundle *b, struct lc_ctx *ctx, const char *const *names,
		   size_t n, int readonly, struct lc_err *err)
{
	if (lc_ctx_ssh_opts(o, known, kn, ctx, readonly, err) || lc_bundle_find(b, err) ||
	    lc_fanout_init(f, names, n, ctx->jobs, err))
		return -1;
	f->readonly = readonly;
	f->ssh_opts = o;
	f->bundle = b;
	f->json = ctx->json;
	f->quiet = ctx->quiet;
	f->tty = board_wanted(ctx, n);
	return 0;
}
