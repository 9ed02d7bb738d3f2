/* ssh_chan.c - exec channels over one connection: bounded line reads with timeouts, commands fed from files. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ssh_priv.h"
#include "banned.h"

#define KEEPALIVE_MS 10000
#define STDERR_KEPT 1024 /* bytes of a command's stderr kept for messages */

/*
 * Take what the command wrote to its stderr, without waiting, into err_out
 * (its first max bytes; NULL: discarded).  libssh counts a channel at EOF
 * only once both streams are empty, so whoever waits for EOF drains this.
 */
static void drain_stderr(struct lc_chan *ch, struct lc_buf *err_out, size_t max)
{
	char tmp[4096];
	int n;

	while ((n = ssh_channel_read_nonblocking(ch->ch, tmp, sizeof(tmp), 1)) > 0)
		if (err_out && err_out->len + (size_t)n <= max)
			lc_buf_add(err_out, tmp, (size_t)n);
}

/*
 * Read from the channel, waiting at most the connection's I/O timeout.
 * libssh 0.10 has no keepalive of its own: while nothing arrives, send
 * SSH_MSG_IGNORE every 10 s, which keeps NAT state alive and turns a dead
 * connection into a write error instead of a silent wait.  Returns what
 * ssh_channel_read_timeout does (0: nothing within the timeout).
 */
static int read_keepalive(struct lc_chan *ch, void *buf, uint32_t len)
{
	int left = ch->c->io_timeout_ms, n;

	for (;;) {
		int slice = left < KEEPALIVE_MS ? left : KEEPALIVE_MS;

		n = ssh_channel_read_timeout(ch->ch, buf, len, 0, slice);
		drain_stderr(ch, &ch->err, STDERR_KEPT);
		if (n != 0 || ssh_channel_is_eof(ch->ch))
			return n;
		left -= slice;
		if (left <= 0)
			return 0;
		if (ssh_send_ignore(ch->c->s, "keepalive") != SSH_OK)
			return SSH_ERROR;
	}
}

int lc_ssh_exec(struct lc_chan **out, struct lc_ssh *c, const char *cmd,
		struct lc_err *err)
{
	struct lc_chan *ch = calloc(1, sizeof(*ch));

	*out = NULL;
	if (!ch)
		return lc_err_set(err, "out of memory");
	ch->c = c;
	lc_buf_init(&ch->in, LC_BUF_NOMAX);
	lc_buf_init(&ch->err, STDERR_KEPT);
	if (!(ch->ch = ssh_channel_new(c->s)) || ssh_channel_open_session(ch->ch) != SSH_OK ||
	    ssh_channel_request_exec(ch->ch, cmd) != SSH_OK) {
		lc_err_set(err, "%s: cannot run a command: %s", c->peer, ssh_get_error(c->s));
		if (ch->ch)
			ssh_channel_free(ch->ch);
		free(ch);
		return -1;
	}
	*out = ch;
	return 0;
}

int lc_chan_write(struct lc_chan *ch, const void *data, size_t len,
		  struct lc_err *err)
{
	const char *p = data;

	while (len) {
		int n = ssh_channel_write(ch->ch, p, len > 32768 ? 32768 : (uint32_t)len);

		if (n <= 0)
			return lc_err_set(err, "%s: cannot send: %s", ch->c->peer,
					  ssh_get_error(ch->c->s));
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int lc_chan_read_line(struct lc_chan *ch, struct lc_buf *line, size_t max,
		      struct lc_err *err)
{
	char tmp[16384];

	for (;;) {
		char *nl = memchr(ch->in.ptr, '\n', ch->in.len);
		int n;

		if (nl) {
			size_t len = (size_t)(nl - ch->in.ptr);

			if (len > max)
				break;
			lc_buf_reset(line);
			if (lc_buf_add(line, ch->in.ptr, len))
				return lc_err_set(err, "out of memory");
			memmove(ch->in.ptr, nl + 1, ch->in.len - len - 1);
			ch->in.len -= len + 1;
			return 0;
		}
		if (ch->in.len > max)
			break;
		if (ch->eof) {
			/* Its first stderr line says why, e.g. a missing library. */
			size_t el = ch->err.len ? strcspn(ch->err.ptr, "\n") : 0;

			return lc_err_set(err, "%s: the remote side closed the channel%s%s%.*s",
					  ch->c->peer, ch->in.len ? " mid-line" : "",
					  el ? ": " : "", (int)(el > 300 ? 300 : el),
					  el ? ch->err.ptr : "");
		}
		n = read_keepalive(ch, tmp, sizeof(tmp));
		if (n == SSH_ERROR)
			return lc_err_set(err, "%s: cannot read: %s", ch->c->peer,
					  ssh_get_error(ch->c->s));
		if (n == 0) {
			if (ssh_channel_is_eof(ch->ch)) {
				ch->eof = 1;
				continue;
			}
			return lc_err_setc(err, LC_ERR_TIMEOUT, "%s: no answer within %d ms",
					   ch->c->peer, ch->c->io_timeout_ms);
		}
		if (lc_buf_add(&ch->in, tmp, (size_t)n))
			return lc_err_set(err, "out of memory");
	}
	return lc_err_setc(err, LC_ERR_TOOBIG, "%s: a reply line is longer than %zu bytes",
			   ch->c->peer, max);
}

int lc_chan_close(struct lc_chan *ch, int *status, struct lc_err *err)
{
	char tmp[4096];
	int n, rc = 0;

	if (status)
		*status = -1;
	if (!ch)
		return 0;
	ssh_channel_send_eof(ch->ch);
	/* Drain what is left so the exit status arrives. */
	for (;;) {
		drain_stderr(ch, NULL, 0);
		if (ssh_channel_is_eof(ch->ch) || ssh_channel_is_closed(ch->ch))
			break;
		n = ssh_channel_read_timeout(ch->ch, tmp, sizeof(tmp), 0, ch->c->io_timeout_ms);
		if (n == 0)
			drain_stderr(ch, NULL, 0);
		if (n == SSH_ERROR || n == 0) {
			if (n == 0 && !ssh_channel_is_eof(ch->ch))
				rc = lc_err_setc(err, LC_ERR_TIMEOUT, "%s: the command did not "
						 "finish within %d ms", ch->c->peer,
						 ch->c->io_timeout_ms);
			break;
		}
	}
	if (status)
		*status = ssh_channel_get_exit_status(ch->ch);
	ssh_channel_close(ch->ch);
	ssh_channel_free(ch->ch);
	lc_buf_release(&ch->in);
	lc_buf_release(&ch->err);
	free(ch);
	return rc;
}

/* Send the files' bytes, one after another, down ch; stop at the first
 * that cannot be read or sent (the remote may have exited early: its exit
 * status then says why). */
static int send_files(struct lc_chan *ch, const char *const *files, size_t nfiles,
		      struct lc_err *err)
{
	char buf[65536];
	size_t i;
	ssize_t n;
	int fd, rc = 0;

	for (i = 0; i < nfiles && rc == 0; i++) {
		if ((fd = open(files[i], O_RDONLY | O_CLOEXEC)) < 0)
			return lc_err_set(err, "cannot open '%s': %s", files[i], strerror(errno));
		while (rc == 0 && (n = read(fd, buf, sizeof(buf))) != 0) {
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				rc = lc_err_set(err, "cannot read '%s': %s", files[i],
						strerror(errno));
			else
				rc = lc_chan_write(ch, buf, (size_t)n, err);
		}
		close(fd);
	}
	return rc;
}

int lc_ssh_run_input(struct lc_ssh *c, const char *cmd, const char *const *files,
		     size_t nfiles, struct lc_buf *out, size_t max, int *status,
		     struct lc_err *err)
{
	struct lc_err send_err;
	struct lc_chan *ch;
	char tmp[16384];
	int n, sent;

	lc_buf_reset(out);
	if (lc_ssh_exec(&ch, c, cmd, err))
		return -1;
	lc_err_clear(&send_err);
	sent = send_files(ch, files, nfiles, &send_err) == 0;
	if (nfiles)
		ssh_channel_send_eof(ch->ch);
	for (;;) {
		n = ssh_channel_read_timeout(ch->ch, tmp, sizeof(tmp), 0, c->io_timeout_ms);
		if (n == SSH_ERROR) {
			lc_err_set(err, "%s: cannot read: %s", c->peer, ssh_get_error(c->s));
			goto fail;
		}
		drain_stderr(ch, &ch->err, STDERR_KEPT);
		if (n == 0) {
			if (ssh_channel_is_eof(ch->ch) || ssh_channel_is_closed(ch->ch))
				break;
			lc_err_setc(err, LC_ERR_TIMEOUT, "%s: a command did not finish within %d ms",
				    c->peer, c->io_timeout_ms);
			goto fail;
		}
		if (out->len + (size_t)n > max) {
			lc_err_setc(err, LC_ERR_TOOBIG, "%s: a command printed more than %zu bytes",
				    c->peer, max);
			goto fail;
		}
		lc_buf_add(out, tmp, (size_t)n);
	}
	/* What it wrote to stderr follows its stdout, for messages. */
	if (out->len + ch->err.len <= max)
		lc_buf_add(out, ch->err.ptr, ch->err.len);
	if (lc_chan_close(ch, status, err))
		return -1;
	/* A command that exited early says why by its status; one that
	 * succeeded without all its input is a failed send. */
	if (!sent && status && *status == 0) {
		*err = send_err;
		return -1;
	}
	return 0;
fail:
	lc_chan_close(ch, NULL, &send_err); /* err already says why */
	return -1;
}

int lc_ssh_run(struct lc_ssh *c, const char *cmd, struct lc_buf *out,
	       size_t max, int *status, struct lc_err *err)
{
	return lc_ssh_run_input(c, cmd, NULL, 0, out, max, status, err);
}
