/* agent_client.c - the agent bundle on a host (content-addressed push) and the JSON-lines session. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "agent_client.h"
#include "buf.h"
#include "hex.h"
#include "banned.h"

static const char *const bundle_files[] = { "lattice-agent", "libcjson.so.1" };

int lc_sha256_file(char out[65], long long *size, const char *path,
		   struct lc_err *err)
{
	crypto_hash_sha256_state st;
	unsigned char h[32], buf[65536];
	long long total = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return lc_err_set(err, "cannot open '%s': %s", path, strerror(errno));
	crypto_hash_sha256_init(&st);
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			close(fd);
			return lc_err_set(err, "cannot read '%s': %s", path, strerror(errno));
		}
		crypto_hash_sha256_update(&st, buf, (unsigned long long)n);
		total += n;
	}
	close(fd);
	crypto_hash_sha256_final(&st, h);
	lc_hex_encode(out, h, 32);
	if (size)
		*size = total;
	return 0;
}

/*
 * The bundle's content address (agent/PROTOCOL.md, "Bundle"): the SHA-256
 * of what `sha256sum lattice-agent libcjson.so.1` prints in the bundle
 * directory, so file names and boundaries count too.
 */
static int hash_bundle(struct lc_bundle *b, struct lc_err *err)
{
	char path[4096 + 64], line[2][65 + 2 + 32];
	crypto_hash_sha256_state st;
	unsigned char h[32];
	size_t i;

	crypto_hash_sha256_init(&st);
	for (i = 0; i < 2; i++) {
		char hex[65];

		snprintf(path, sizeof(path), "%s/%s", b->dir, bundle_files[i]);
		if (lc_sha256_file(hex, NULL, path, err)) {
			lc_err_hint(err, "build it with 'make', or set LATTICECTL_AGENT_BUNDLE");
			return -1;
		}
		snprintf(line[i], sizeof(line[i]), "%s  %s\n", hex, bundle_files[i]);
		crypto_hash_sha256_update(&st, (const unsigned char *)line[i], strlen(line[i]));
	}
	crypto_hash_sha256_final(&st, h);
	lc_hex_encode(b->sha256, h, 32);
	return 0;
}

int lc_bundle_find(struct lc_bundle *b, struct lc_err *err)
{
	const char *env = getenv("LATTICECTL_AGENT_BUNDLE");
	char self[3072], *slash;
	ssize_t n;

	if (sodium_init() < 0)
		return lc_err_set(err, "cannot initialise libsodium");
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

int lc_bundle_ensure(struct lc_ssh *c, const struct lc_bundle *b, int *pushed,
		     struct lc_err *err)
{
	char final[256], cmd[1024], got[65], src[4096 + 64], dst[512];
	struct lc_buf tmp;
	int status, rc = -1;
	size_t i;

	*pushed = 0;
	snprintf(final, sizeof(final), "%s/%s", LC_AGENT_REMOTE_DIR, b->sha256);
	if (remote_hash(c, final, got, err))
		return -1;
	if (!strcmp(got, b->sha256))
		return 0;
	lc_buf_init(&tmp, 4096);
	/* Damaged (present, wrong hash): keep it aside, never run it. */
	snprintf(cmd, sizeof(cmd), "if [ -e '%s' ]; then mv -T '%s' '%s.damaged-'$$ && "
		 "echo moved; fi", final, final, final);
	if (lc_ssh_run(c, cmd, &tmp, 4096, &status, err))
		goto out;
	if (status != 0) {
		lc_err_set(err, "%s: cannot move the damaged agent bundle %s aside",
			   lc_ssh_peer(c), final);
		goto out;
	}
	if (tmp.len)
		fprintf(stderr, "%s: the agent bundle in %s was damaged; moved aside\n",
			lc_ssh_peer(c), final);
	/* Stage a fresh copy beside it. */
	snprintf(cmd, sizeof(cmd), "umask 022 && mkdir -p '%s' && mktemp -d '%s/.tmp-XXXXXX'",
		 LC_AGENT_REMOTE_DIR, LC_AGENT_REMOTE_DIR);
	if (lc_ssh_run(c, cmd, &tmp, 4096, &status, err))
		goto out;
	while (tmp.len && (tmp.ptr[tmp.len - 1] == '\n'))
		tmp.ptr[--tmp.len] = '\0';
	if (status != 0 || strncmp(tmp.ptr, LC_AGENT_REMOTE_DIR "/.tmp-", strlen(LC_AGENT_REMOTE_DIR) + 6) ||
	    strchr(tmp.ptr, '\'')) {
		lc_err_set(err, "%s: cannot make a directory under %s", lc_ssh_peer(c),
			   LC_AGENT_REMOTE_DIR);
		lc_err_hint(err, "check the host's disk and that the login user is root");
		goto out;
	}
	for (i = 0; i < 2; i++) {
		snprintf(src, sizeof(src), "%s/%s", b->dir, bundle_files[i]);
		snprintf(dst, sizeof(dst), "%s/%s", tmp.ptr, bundle_files[i]);
		if (lc_ssh_upload(c, src, dst, i ? 0644 : 0755, err))
			goto cleanup;
	}
	if (remote_hash(c, tmp.ptr, got, err))
		goto cleanup;
	if (strcmp(got, b->sha256)) {
		lc_err_set(err, "%s: the uploaded agent bundle does not match (sha256 %s, "
			   "expected %s)", lc_ssh_peer(c), got[0] ? got : "none", b->sha256);
		lc_err_hint(err, "check the host's disk; the bundle was not installed");
		goto cleanup;
	}
	/* Into place; if another run got there first with the same build, fine. */
	snprintf(cmd, sizeof(cmd), "sync '%s'/* 2>/dev/null; mv -T '%s' '%s' 2>/dev/null || "
		 "{ rm -rf '%s'; test -x '%s/lattice-agent'; }", tmp.ptr, tmp.ptr, final,
		 tmp.ptr, final);
	if (lc_ssh_run(c, cmd, &tmp, 4096, &status, err) || status != 0) {
		if (!err->msg[0] || status != 0)
			lc_err_set(err, "%s: cannot move the agent bundle into %s", lc_ssh_peer(c),
				   final);
		goto out;
	}
	*pushed = 1;
	rc = 0;
	goto out;
cleanup:
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp.ptr);
	{
		struct lc_err ignored;

		lc_err_clear(&ignored);
		lc_ssh_run(c, cmd, &tmp, 4096, &status, &ignored);
	}
out:
	lc_buf_release(&tmp);
	return rc;
}
