/* ssh_chan.c - exec channels (bounded line reads with timeouts) and SFTP uploads over one connection. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libssh/sftp.h>

#include "ssh_priv.h"
#include "banned.h"

#define KEEPALIVE_MS 10000

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
		if (ch->eof)
			return lc_err_set(err, "%s: the remote side closed the channel%s",
					  ch->c->peer, ch->in.len ? " mid-line" : "");
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
	while (!ssh_channel_is_eof(ch->ch)) {
		n = ssh_channel_read_timeout(ch->ch, tmp, sizeof(tmp), 0, ch->c->io_timeout_ms);
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
	free(ch);
	return rc;
}

int lc_ssh_run(struct lc_ssh *c, const char *cmd, struct lc_buf *out,
	       size_t max, int *status, struct lc_err *err)
{
	struct lc_chan *ch;
	char tmp[16384];
	int n;

	lc_buf_reset(out);
	if (lc_ssh_exec(&ch, c, cmd, err))
		return -1;
	for (;;) {
		n = ssh_channel_read_timeout(ch->ch, tmp, sizeof(tmp), 0, c->io_timeout_ms);
		if (n == SSH_ERROR) {
			lc_err_set(err, "%s: cannot read: %s", c->peer, ssh_get_error(c->s));
			goto fail;
		}
		if (n == 0) {
			if (ssh_channel_is_eof(ch->ch))
				break;
			lc_err_setc(err, LC_ERR_TIMEOUT, "%s: '%s' did not finish within %d ms",
				    c->peer, cmd, c->io_timeout_ms);
			goto fail;
		}
		if (out->len + (size_t)n > max) {
			lc_err_setc(err, LC_ERR_TOOBIG, "%s: '%s' printed more than %zu bytes",
				    c->peer, cmd, max);
			goto fail;
		}
		lc_buf_add(out, tmp, (size_t)n);
	}
	return lc_chan_close(ch, status, err);
fail:
	lc_chan_close(ch, NULL, err);
	return -1;
}

int lc_ssh_upload(struct lc_ssh *c, const char *src, const char *dst,
		  unsigned mode, struct lc_err *err)
{
	sftp_session sftp = NULL;
	sftp_file f = NULL;
	char buf[65536];
	int fd, rc = -1;
	ssize_t n;

	if ((fd = open(src, O_RDONLY | O_CLOEXEC)) < 0)
		return lc_err_set(err, "cannot open '%s': %s", src, strerror(errno));
	if (!(sftp = sftp_new(c->s)) || sftp_init(sftp) != SSH_OK) {
		lc_err_set(err, "%s: cannot start SFTP: %s", c->peer, ssh_get_error(c->s));
		goto out;
	}
	if (!(f = sftp_open(sftp, dst, O_WRONLY | O_CREAT | O_EXCL, mode))) {
		lc_err_set(err, "%s: cannot create '%s': %s", c->peer, dst, ssh_get_error(c->s));
		goto out;
	}
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			lc_err_set(err, "cannot read '%s': %s", src, strerror(errno));
			goto out;
		}
		if (sftp_write(f, buf, (size_t)n) != n) {
			lc_err_set(err, "%s: cannot write '%s': %s", c->peer, dst,
				   ssh_get_error(c->s));
			goto out;
		}
	}
	rc = 0;
out:
	if (f && sftp_close(f) != SSH_NO_ERROR && rc == 0)
		rc = lc_err_set(err, "%s: cannot finish '%s': %s", c->peer, dst,
				ssh_get_error(c->s));
	if (sftp)
		sftp_free(sftp);
	close(fd);
	return rc;
}
