/* agent_client.c - the agent bundle on a host (content-addressed push) and the JSON-lines session. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent_client.h"
#include "buf.h"
#include "hex.h"
#include "log.h"
#include "sha256.h"
#include "banned.h"

static const char *const bundle_files[] = { "lattice-agent", "libcjson.so.1" };

/*
 * The bundle's content address (agent/PROTOCOL.md, "Bundle"): the SHA-256
 * of what `sha256sum lattice-agent libcjson.so.1` prints in the bundle
 * directory, so file names and boundaries count too.
 */
static int hash_bundle(struct lc_bundle *b, struct lc_err *err)
{
	char path[4096 + 64], line[2][65 + 2 + 32];
	struct lc_sha256 st;
	unsigned char h[32];
	size_t i;

	lc_sha256_init(&st);
	for (i = 0; i < 2; i++) {
		char hex[65];

		snprintf(path, sizeof(path), "%s/%s", b->dir, bundle_files[i]);
		if (lc_sha256_file(hex, NULL, path, err)) {
			lc_err_hint(err, "build it with 'make', or set LATTICECTL_AGENT_BUNDLE");
			return -1;
		}
		snprintf(line[i], sizeof(line[i]), "%s  %s\n", hex, bundle_files[i]);
		lc_sha256_update(&st, (const unsigned char *)line[i], strlen(line[i]));
	}
	lc_sha256_final(&st, h);
	lc_hex_encode(b->sha256, h, 32);
	return 0;
}

int lc_bundle_find(struct lc_bundle *b, struct lc_err *err)
{
	const char *env = getenv("LATTICECTL_AGENT_BUNDLE");
	char self[3072], *slash;
	ssize_t n;

	if (env && *env) {
		snprintf(b->dir, sizeof(b->dir), "%s", env);
		return hash_bundle(b, err);
	}
	/* Beside the binary: build/latticectl -> build/agent-bundle. */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')))
			*slash = '\0';
		snprintf(b->dir, sizeof(b->dir), "%s/agent-bundle", self);
		if (access(b->dir, F_OK) == 0)
			return hash_bundle(b, err);
		/* Installed: PREFIX/bin/latticectl -> PREFIX/lib/latticectl/agent. */
		if ((slash = strrchr(self, '/'))) {
			*slash = '\0';
			snprintf(b->dir, sizeof(b->dir), "%s/lib/latticectl/agent", self);
			if (access(b->dir, F_OK) == 0)
				return hash_bundle(b, err);
		}
	}
	lc_err_set(err, "cannot find the agent bundle");
	lc_err_hint(err, "build it with 'make', or set LATTICECTL_AGENT_BUNDLE to its directory");
	return -1;
}

/* The remote sha256 of the bundle in dir, or "" when it is not there. */
static int remote_hash(struct lc_ssh *c, const char *dir, char out[65],
		       struct lc_err *err)
{
	char cmd[512];
	struct lc_buf o;
	int status, rc;

	snprintf(cmd, sizeof(cmd), "cd '%s' 2>/dev/null && sha256sum lattice-agent "
		 "libcjson.so.1 2>/dev/null | sha256sum", dir);
	lc_buf_init(&o, 4096);
	rc = lc_ssh_run(c, cmd, &o, 4096, &status, err);
	out[0] = '\0';
	if (rc == 0 && status == 0 && o.len >= 64 && lc_hex_decode_n((uint8_t[32]){ 0 }, 32, o.ptr) == 0) {
		memcpy(out, o.ptr, 64);
		out[64] = '\0';
	}
	lc_buf_release(&o);
	return rc;
}

/*
 * Every bundle directory on the host, newest first, as "NAME HASH" lines:
 * a directory whose name is the hash of its files is intact.
 */
static const char list_script[] =
	"cd '%s' 2>/dev/null || exit 0\n"
	"for d in $(ls -t); do case $d in *[!0-9a-f]*) continue ;; esac\n"
	"h=$(cd \"$d\" && sha256sum lattice-agent libcjson.so.1 2>/dev/null | sha256sum) && "
	"echo \"$d ${h%%%% *}\"; done\n";

int lc_bundle_present(struct lc_ssh *c, const struct lc_bundle *b, char out[65],
		      struct lc_err *err)
{
	char cmd[512];
	struct lc_buf o;
	const char *p;
	int status;

	out[0] = '\0';
	snprintf(cmd, sizeof(cmd), list_script, LC_AGENT_REMOTE_DIR);
	lc_buf_init(&o, 1 << 16);
	if (lc_ssh_run(c, cmd, &o, 1 << 16, &status, err)) {
		lc_buf_release(&o);
		return -1;
	}
	lc_buf_add(&o, "", 1);
	for (p = o.ptr; *p; p += strcspn(p, "\n"), p += *p == '\n') {
		/* "NAME HASH": both 64 hex digits and equal. */
		if (strcspn(p, "\n") != 129 || p[64] != ' ' || memcmp(p, p + 65, 64))
			continue;
		if (!memcmp(p, b->sha256, 64)) {
			memcpy(out, p, 64);
			out[64] = '\0';
			break;
		}
		if (!out[0]) {
			memcpy(out, p, 64);
			out[64] = '\0';
		}
	}
	lc_buf_release(&o);
	return 0;
}

/*
 * The remote half of a push, one command: move a damaged copy aside, stage
 * the bundle's bytes (both files, concatenated, on stdin) in a temporary
 * directory, split and check them there, make them durable and rename the
 * directory into place.  Only POSIX sh, head, tail, wc, mktemp, sha256sum.
 * Its exit status says which step failed (see bundle_failed).
 */
static const char push_script[] =
	"umask 022; F='%s'; D='%s'\n"
	"if [ -e \"$F\" ]; then mv -T \"$F\" \"$F.damaged-$$\" && echo moved || exit 14; fi\n"
	"mkdir -p \"$D\" && T=$(mktemp -d \"$D/.tmp-XXXXXX\") || exit 10\n"
	"trap 'rm -rf \"$T\"' EXIT\n"
	"cat >\"$T/.in\" || exit 11\n"
	"n=$(wc -c <\"$T/.in\") && [ \"$n\" -eq %lld ] || { echo \"got $n\"; exit 12; }\n"
	"head -c %lld \"$T/.in\" >\"$T/lattice-agent\" && "
	"tail -c +%lld \"$T/.in\" >\"$T/libcjson.so.1\" && rm -f \"$T/.in\" && "
	"chmod 0755 \"$T/lattice-agent\" && chmod 0644 \"$T/libcjson.so.1\" || exit 11\n"
	"h=$(cd \"$T\" && sha256sum lattice-agent libcjson.so.1 | sha256sum) || exit 11\n"
	"h=${h%%%% *}; [ \"$h\" = %s ] || { echo \"got $h\"; exit 13; }\n"
	"sync \"$T\"/* 2>/dev/null\n"
	"if mv -T \"$T\" \"$F\" 2>/dev/null; then trap - EXIT; "
	"elif ! test -x \"$F/lattice-agent\"; then exit 14; fi\n"
	"echo ok\n";

/* The error for the push script's exit status st; out is what it printed. */
static int bundle_failed(struct lc_ssh *c, const struct lc_bundle *b, int st,
			 const char *out, long long size, struct lc_err *err)
{
	const char *got = strstr(out, "got "), *why = "", *p;
	int glen = got ? (int)strcspn(got + 4, "\n") : 0, wlen;

	/* The last line a failing tool printed ("cat: write error: ..."). */
	for (p = out; (p = strstr(p, ": ")); p++)
		for (why = p; why > out && why[-1] != '\n'; why--)
			;
	wlen = (int)strcspn(why, "\n");
	if (wlen > 200)
		wlen = 200;

	switch (st) {
	case 10:
		lc_err_set(err, "%s: cannot make a directory under %s", lc_ssh_peer(c),
			   LC_AGENT_REMOTE_DIR);
		lc_err_hint(err, "check the host's disk and that the login user is root");
		break;
	case 11:
		lc_err_set(err, "%s: cannot write the agent bundle under %s%s%.*s", lc_ssh_peer(c),
			   LC_AGENT_REMOTE_DIR, wlen ? ": " : "", wlen, why);
		lc_err_hint(err, "check free space there ('df %s' on the host); nothing was "
			    "installed", LC_AGENT_REMOTE_DIR);
		break;
	case 12:
		lc_err_set(err, "%s: the agent bundle arrived incomplete (%.*s of %lld bytes)",
			   lc_ssh_peer(c), glen, got ? got + 4 : "", size);
		lc_err_hint(err, "nothing was installed; run the command again");
		break;
	case 13:
		lc_err_set(err, "%s: the uploaded agent bundle does not match (sha256 %.*s, "
			   "expected %s)", lc_ssh_peer(c), glen, got ? got + 4 : "", b->sha256);
		lc_err_hint(err, "check the host's disk; the bundle was not installed");
		break;
	case 14:
		lc_err_set(err, "%s: cannot move the agent bundle into %s/%s", lc_ssh_peer(c),
			   LC_AGENT_REMOTE_DIR, b->sha256);
		break;
	default:
		lc_err_set(err, "%s: installing the agent bundle failed (exit status %d)",
			   lc_ssh_peer(c), st);
		lc_err_hint(err, "the login shell must be a POSIX sh with coreutils");
	}
	return -1;
}

int lc_bundle_ensure(struct lc_ssh *c, const struct lc_bundle *b, int *pushed,
		     struct lc_err *err)
{
	char final[256], src[2][4096 + 64], cmd[2048];
	const char *files[2] = { src[0], src[1] };
	long long size[2];
	struct lc_buf o;
	char got[65];
	int status, rc = -1;
	size_t i;

	*pushed = 0;
	snprintf(final, sizeof(final), "%s/%s", LC_AGENT_REMOTE_DIR, b->sha256);
	if (remote_hash(c, final, got, err))
		return -1;
	if (!strcmp(got, b->sha256)) {
		lc_logf(LC_LOG_VERBOSE, "%s: agent bundle %.12s present", lc_ssh_peer(c), b->sha256);
		return 0;
	}
	for (i = 0; i < 2; i++) {
		struct stat st;

		snprintf(src[i], sizeof(src[i]), "%s/%s", b->dir, bundle_files[i]);
		if (stat(src[i], &st))
			return lc_err_set(err, "cannot read '%s': %s", src[i], strerror(errno));
		size[i] = (long long)st.st_size;
	}
	snprintf(cmd, sizeof(cmd), push_script, final, LC_AGENT_REMOTE_DIR,
		 size[0] + size[1], size[0], size[0] + 1, b->sha256);
	lc_buf_init(&o, 4096);
	if (lc_ssh_run_input(c, cmd, files, 2, &o, 4096, &status, err))
		goto out;
	lc_buf_add(&o, "", 1);
	if (status != 0) {
		bundle_failed(c, b, status, o.ptr, size[0] + size[1], err);
		goto out;
	}
	if (!strstr(o.ptr, "ok\n")) {
		lc_err_set(err, "%s: installing the agent bundle did not finish", lc_ssh_peer(c));
		goto out;
	}
	if (!strncmp(o.ptr, "moved\n", 6))
		fprintf(stderr, "%s: the agent bundle in %s was damaged; moved aside\n",
			lc_ssh_peer(c), final);
	lc_logf(LC_LOG_VERBOSE, "%s: agent bundle %.12s pushed (%lld bytes)", lc_ssh_peer(c),
		b->sha256, size[0] + size[1]);
	*pushed = 1;
	rc = 0;
out:
	lc_buf_release(&o);
	return rc;
}
