/* ssh.h - one SSH connection per host (libssh): config, strict host keys, exec channels fed from files. */
#ifndef LC_SSH_H
#define LC_SSH_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

struct lc_ssh_opts {
	const char *config;      /* --ssh-config; NULL: ~/.ssh/config and /etc/ssh/ssh_config */
	const char *lattice_known_hosts; /* state/<lattice>/known_hosts */
	int accept_new;          /* --accept-new-host-keys: record unknown keys there */
	int readonly;            /* record nothing: accept_new trusts an unknown key
				  * for this connection only (plan) */
	int connect_timeout_s;   /* TCP + handshake */
	int io_timeout_ms;       /* one read or write on a channel */
	int retries;             /* extra attempts for connection failures only */
};

struct lc_ssh;
struct lc_chan;

/*
 * Connect to target (user@host[:port], host, or an ssh_config alias),
 * verify its host key against the user's known_hosts and the lattice's
 * own file (an unknown key fails with its SHA256 fingerprint unless
 * accept_new, which records it in the lattice's file; a changed key always
 * fails, naming both fingerprints: LC_ERR_HOSTKEY), and authenticate with
 * the ssh-agent and identity files.  Connection failures (refused,
 * unreachable, timeout) are retried with jitter; the last one is
 * LC_ERR_CONNECT.  Remarks for the operator (a key recorded) go to note.
 */
int lc_ssh_connect(struct lc_ssh **out, const char *target,
		   const struct lc_ssh_opts *o, struct lc_buf *note,
		   struct lc_err *err);
void lc_ssh_close(struct lc_ssh *c);
/* "host:port" actually connected to, for messages. */
const char *lc_ssh_peer(const struct lc_ssh *c);
/* Set how long one read or write on c's channels may wait (ms); the
 * previous value is returned. */
int lc_ssh_set_io_timeout(struct lc_ssh *c, int ms);

/* Run cmd (a remote shell command line; never put secrets in it). */
int lc_ssh_exec(struct lc_chan **out, struct lc_ssh *c, const char *cmd,
		struct lc_err *err);
int lc_chan_write(struct lc_chan *ch, const void *data, size_t len,
		  struct lc_err *err);
/* One line (without its newline) into line; a line over max bytes, EOF
 * or a timeout is an error (LC_ERR_TOOBIG, LC_ERR_FAIL, LC_ERR_TIMEOUT). */
int lc_chan_read_line(struct lc_chan *ch, struct lc_buf *line, size_t max,
		      struct lc_err *err);
/* Send EOF, drain, close; *status gets the remote exit status (-1 unknown). */
int lc_chan_close(struct lc_chan *ch, int *status, struct lc_err *err);
/* Everything the command wrote to stdout until EOF, then the start of
 * what it wrote to stderr (at most max bytes), and its exit status. */
int lc_ssh_run(struct lc_ssh *c, const char *cmd, struct lc_buf *out,
	       size_t max, int *status, struct lc_err *err);
/* As lc_ssh_run, with the bytes of the local files, one after another and
 * streamed, as the command's standard input (then EOF).  A command that
 * exits early has its status returned; -1 only when it exited 0 without
 * taking all the input, or on a channel error. */
int lc_ssh_run_input(struct lc_ssh *c, const char *cmd, const char *const *files,
		     size_t nfiles, struct lc_buf *out, size_t max, int *status,
		     struct lc_err *err);

#endif
