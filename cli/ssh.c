/* ssh.c - connecting with libssh: ssh_config, strict host keys in two known_hosts files, auth, retries. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <sodium.h>

#include "check.h"
#include "log.h"
#include "ssh_priv.h"
#include "banned.h"

#define PREFERRED_CIPHERS \
	"aes128-gcm@openssh.com,aes256-gcm@openssh.com,chacha20-poly1305@openssh.com," \
	"aes256-ctr,aes192-ctr,aes128-ctr"

const char *lc_ssh_peer(const struct lc_ssh *c)
{
	return c->peer;
}

int lc_ssh_set_io_timeout(struct lc_ssh *c, int ms)
{
	int old = c->io_timeout_ms;

	c->io_timeout_ms = ms;
	return old;
}

void lc_ssh_close(struct lc_ssh *c)
{
	if (!c)
		return;
	if (c->s) {
		ssh_disconnect(c->s);
		ssh_free(c->s);
	}
	free(c);
}

static int fingerprint(char *out, size_t size, ssh_key key)
{
	unsigned char *hash = NULL;
	size_t hlen = 0;
	char *fp;

	if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &hlen) < 0)
		return -1;
	fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen);
	ssh_clean_pubkey_hash(&hash);
	if (!fp)
		return -1;
	snprintf(out, size, "%s", fp);
	ssh_string_free_char(fp);
	return 0;
}

/* Append the server's key to the lattice's known_hosts. */
static int record_key(struct lc_ssh *c, const char *file, struct lc_err *err)
{
	char *line = NULL;
	FILE *f;
	int rc = -1;

	if (ssh_session_export_known_hosts_entry(c->s, &line) < 0)
		return lc_err_set(err, "%s: cannot format the host key: %s", c->peer,
				  ssh_get_error(c->s));
	if (!(f = fopen(file, "a"))) {
		lc_err_set(err, "cannot open '%s': %s", file, strerror(errno));
		goto out;
	}
	if (fputs(line, f) < 0 || fflush(f) || fsync(fileno(f))) {
		lc_err_set(err, "cannot write '%s': %s", file, strerror(errno));
		fclose(f);
		goto out;
	}
	rc = fclose(f) ? lc_err_set(err, "cannot write '%s': %s", file, strerror(errno)) : 0;
out:
	ssh_string_free_char(line);
	return rc;
}

/* The fingerprint of the key recorded for this host in file, if any. */
static int recorded_fingerprint(char *out, size_t size, struct lc_ssh *c,
				const char *file)
{
	char line[8192], hostport[300], *host = NULL;
	unsigned port = 22;
	int found = -1;
	FILE *f;

	if (!file || !(f = fopen(file, "r")))
		return -1;
	ssh_options_get(c->s, SSH_OPTIONS_HOST, &host);
	ssh_options_get_port(c->s, &port);
	if (port == 22)
		snprintf(hostport, sizeof(hostport), "%s", host ? host : "");
	else
		snprintf(hostport, sizeof(hostport), "[%s]:%u", host ? host : "", port);
	ssh_string_free_char(host);
	while (found < 0 && fgets(line, sizeof(line), f)) {
		struct ssh_knownhosts_entry *e = NULL;

		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] && line[0] != '#' &&
		    ssh_known_hosts_parse_line(hostport, line, &e) == SSH_OK && e &&
		    e->publickey)
			found = fingerprint(out, size, e->publickey);
		ssh_knownhosts_entry_free(e);
	}
	fclose(f);
	return found;
}

/*
 * The user's known_hosts (from ssh_config or the default) and the
 * lattice's own file are both consulted: libssh checks its "user" and
 * "global" files, and the lattice's file takes the global slot.
 */
static int verify_host(struct lc_ssh *c, const struct lc_ssh_opts *o,
		       struct lc_buf *note, struct lc_err *err)
{
	struct ssh_knownhosts_entry *entry = NULL;
	enum ssh_known_hosts_e st;
	ssh_key key = NULL;
	char fp[128] = "?", oldfp[128] = "?";
	int rc = -1;

	if (ssh_get_server_publickey(c->s, &key) < 0 || fingerprint(fp, sizeof(fp), key)) {
		lc_err_set(err, "%s: cannot read the host key: %s", c->peer, ssh_get_error(c->s));
		goto out;
	}
	st = ssh_session_get_known_hosts_entry(c->s, &entry);
	switch (st) {
	case SSH_KNOWN_HOSTS_OK:
		rc = 0;
		break;
	case SSH_KNOWN_HOSTS_CHANGED:
	case SSH_KNOWN_HOSTS_OTHER:
		if (entry && entry->publickey)
			fingerprint(oldfp, sizeof(oldfp), entry->publickey);
		else if (recorded_fingerprint(oldfp, sizeof(oldfp), c, o->lattice_known_hosts)) {
			char *user_file = NULL;

			ssh_options_get(c->s, SSH_OPTIONS_KNOWNHOSTS, &user_file);
			recorded_fingerprint(oldfp, sizeof(oldfp), c, user_file);
			ssh_string_free_char(user_file);
		}
		lc_err_setc(err, LC_ERR_HOSTKEY, "%s: HOST KEY CHANGED: known as %s, now "
			    "presents %s", c->peer, oldfp, fp);
		lc_err_hint(err, "someone may be intercepting the connection, or the "
			    "host was reinstalled; verify the new key out of band and "
			    "remove the old entry from your known_hosts files");
		break;
	case SSH_KNOWN_HOSTS_UNKNOWN:
	case SSH_KNOWN_HOSTS_NOT_FOUND:
		if (o->accept_new && o->readonly) {
			rc = 0;
			lc_buf_printf(note, "host key %s of %s not recorded (this command "
				      "writes nothing; up records it)\n", fp, c->peer);
			break;
		}
		if (o->accept_new && o->lattice_known_hosts) {
			rc = record_key(c, o->lattice_known_hosts, err);
			if (rc == 0)
				lc_buf_printf(note, "recorded new host key %s of %s in %s\n",
					      fp, c->peer, o->lattice_known_hosts);
			break;
		}
		lc_err_setc(err, LC_ERR_HOSTKEY, "%s: unknown host key %s", c->peer, fp);
		lc_err_hint(err, "verify the fingerprint out of band, then re-run with "
			    "--accept-new-host-keys to record it");
		break;
	default:
		lc_err_set(err, "%s: cannot check the host key: %s", c->peer,
			   ssh_get_error(c->s));
		break;
	}
out:
	ssh_knownhosts_entry_free(entry);
	ssh_key_free(key);
	return rc;
}

/* libssh's log: at -vvv, through ours; never on its own to stderr. */
static void pass_log(int priority, const char *function, const char *buffer,
		     void *userdata)
{
	(void)priority;
	(void)function;
	(void)userdata;
	lc_logf(LC_LOG_TRACE, "libssh: %s", buffer);
}

/*
 * libssh 0.10 turns "ProxyJump J" into the ProxyCommand
 * "ssh [-l U] [-p P] [-J REST] -W '[%h]:%p' J", which reads the default
 * configuration for J.  With --ssh-config, J is defined there: pass it on
 * with -F.  BatchMode either way: 32 jump processes must never prompt.
 */
static int fix_proxy_jump(struct lc_ssh *c, const char *target, const char *config,
			  struct lc_err *err)
{
	char *cmd = NULL, abs[4096] = "", *out = NULL;
	size_t len;
	int rc = 0;

	if (ssh_options_get(c->s, SSH_OPTIONS_PROXYCOMMAND, &cmd) != SSH_OK || !cmd)
		return 0;
	/* Only that form (0.10.6 quotes it: -W '[%h]:%p'); any other
	 * ProxyCommand is the user's own, theirs to get right. */
	if (strncmp(cmd, "ssh ", 4) || !strstr(cmd, "[%h]:%p") || strstr(cmd, " -F "))
		goto out;
	if (config && !realpath(config, abs)) {
		rc = lc_err_set(err, "%s: cannot resolve '%s': %s", target, config, strerror(errno));
		goto out;
	}
	if (config && strpbrk(abs, "'%")) {
		rc = lc_err_set(err, "%s: the ssh configuration path '%s' has a quote or a %% "
				"sign, which a ProxyJump command cannot carry", target, abs);
		goto out;
	}
	len = strlen(cmd) + strlen(abs) + 64;
	if (!(out = malloc(len))) {
		rc = lc_err_set(err, "out of memory");
		goto out;
	}
	snprintf(out, len, "ssh -o BatchMode=yes%s%s%s %s", config ? " -F '" : "",
		 config ? abs : "", config ? "'" : "", cmd + 4);
	if (ssh_options_set(c->s, SSH_OPTIONS_PROXYCOMMAND, out) < 0)
		rc = lc_err_set(err, "%s: cannot set the ProxyJump command: %s", target,
				ssh_get_error(c->s));
out:
	free(out);
	ssh_string_free_char(cmd);
	return rc;
}

/* Set up a session for target from ssh_config and the target's own parts. */
static int configure(struct lc_ssh *c, const char *target,
		     const struct lc_ssh_opts *o, struct lc_err *err)
{
	struct lc_ssh_target t;
	char why[200], *host = NULL;
	unsigned port = 22;
	long timeout = o->connect_timeout_s > 0 ? o->connect_timeout_s : 10;
	int yes = 1;

	if (lc_check_ssh_target(target, &t, why, sizeof(why)))
		return lc_err_set(err, "ssh target '%s' is not valid: %s", target, why);
	if (!(c->s = ssh_new()))
		return lc_err_set(err, "out of memory");
	/* libssh logs to stderr (and ssh_config's LogLevel can raise it); our
	 * errors say what matters, so its log goes through ours, shown at
	 * -vvv only, at its protocol level. */
	ssh_set_log_callback(pass_log);
	if (lc_log_on(LC_LOG_TRACE)) {
		int v = SSH_LOG_PROTOCOL;

		ssh_options_set(c->s, SSH_OPTIONS_LOG_VERBOSITY, &v);
	}
	/* AES-GCM first (AES-NI through OpenSSL): bulk transfers cost a third
	 * of the CPU chacha20-poly1305 does here.  An ssh_config Ciphers line
	 * still wins: it is read after. */
	if (ssh_options_set(c->s, SSH_OPTIONS_HOST, t.host) < 0 ||
	    ssh_options_set(c->s, SSH_OPTIONS_CIPHERS_C_S, PREFERRED_CIPHERS) < 0 ||
	    ssh_options_set(c->s, SSH_OPTIONS_CIPHERS_S_C, PREFERRED_CIPHERS) < 0 ||
	    ssh_options_parse_config(c->s, o->config) < 0)
		return lc_err_set(err, "%s: cannot read the ssh configuration%s%s: %s",
				  target, o->config ? " " : "", o->config ? o->config : "",
				  ssh_get_error(c->s));
	if (fix_proxy_jump(c, target, o->config, err))
		return -1;
	/* What the target spells out wins over ssh_config, as with ssh(1). */
	if ((t.user[0] && ssh_options_set(c->s, SSH_OPTIONS_USER, t.user) < 0) ||
	    (t.port && ssh_options_set(c->s, SSH_OPTIONS_PORT, &t.port) < 0) ||
	    ssh_options_set(c->s, SSH_OPTIONS_TIMEOUT, &timeout) < 0 ||
	    ssh_options_set(c->s, SSH_OPTIONS_NODELAY, &yes) < 0 ||
	    (o->lattice_known_hosts &&
	     ssh_options_set(c->s, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, o->lattice_known_hosts) < 0))
		return lc_err_set(err, "%s: cannot set ssh options: %s", target,
				  ssh_get_error(c->s));
	ssh_options_get(c->s, SSH_OPTIONS_HOST, &host);
	ssh_options_get_port(c->s, &port);
	snprintf(c->peer, sizeof(c->peer), "%s (%s:%u)", target, host ? host : t.host, port);
	ssh_string_free_char(host);
	return 0;
}

int lc_ssh_connect(struct lc_ssh **out, const char *target,
		   const struct lc_ssh_opts *o, struct lc_buf *note,
		   struct lc_err *err)
{
	struct lc_ssh *c = NULL;
	int attempt, rc;

	*out = NULL;
	for (attempt = 0;; attempt++) {
		if (!(c = calloc(1, sizeof(*c))))
			return lc_err_set(err, "out of memory");
		c->io_timeout_ms = o->io_timeout_ms > 0 ? o->io_timeout_ms : 30000;
		if (configure(c, target, o, err))
			goto fail;
		lc_logf(LC_LOG_VERBOSE, "%s: connecting (attempt %d)", c->peer, attempt + 1);
		if (ssh_connect(c->s) == SSH_OK)
			break;
		lc_logf(LC_LOG_VERBOSE, "%s: cannot connect: %s", c->peer, ssh_get_error(c->s));
		/* Only a failure to connect is retried, never auth or host keys. */
		lc_err_setc(err, LC_ERR_CONNECT, "%s: cannot connect: %s", c->peer,
			    ssh_get_error(c->s));
		lc_err_hint(err, "check that the host is up and reachable on its ssh port");
		lc_ssh_close(c);
		c = NULL;
		if (attempt >= o->retries)
			return LC_ERR_CONNECT;
		/* Back off 0.5 s, 1 s, 2 s ... with up to 50% jitter. */
		{
			unsigned base = 500u << (attempt < 5 ? attempt : 5);
			struct timespec ts;
			unsigned ms = base + randombytes_uniform(base / 2 + 1);

			ts.tv_sec = ms / 1000;
			ts.tv_nsec = (long)(ms % 1000) * 1000000L;
			nanosleep(&ts, NULL);
		}
	}
	if ((rc = verify_host(c, o, note, err)))
		goto fail_rc;
	lc_logf(LC_LOG_VERBOSE, "%s: host key verified", c->peer);
	if (ssh_userauth_publickey_auto(c->s, NULL, NULL) != SSH_AUTH_SUCCESS) {
		lc_err_set(err, "%s: the host refused our keys: %s", c->peer, ssh_get_error(c->s));
		lc_err_hint(err, "load the key into ssh-agent or name it with IdentityFile "
			    "in your ssh_config, and check authorized_keys on the host");
		goto fail;
	}
	lc_logf(LC_LOG_VERBOSE, "%s: logged in", c->peer);
	*out = c;
	return 0;
fail:
	rc = err->code ? err->code : -1;
fail_rc:
	lc_ssh_close(c);
	return rc;
}
