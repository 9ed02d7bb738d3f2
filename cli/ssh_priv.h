/* ssh_priv.h - the connection and channel structs shared by ssh.c and ssh_chan.c. */
#ifndef LC_SSH_PRIV_H
#define LC_SSH_PRIV_H

#include <libssh/libssh.h>

#include "ssh.h"

struct lc_ssh {
	ssh_session s;
	char peer[384];
	int io_timeout_ms;
};

struct lc_chan {
	struct lc_ssh *c;
	ssh_channel ch;
	struct lc_buf in;  /* read but not yet consumed */
	struct lc_buf err; /* the start of what the command wrote to stderr */
	int eof;
};

#endif
