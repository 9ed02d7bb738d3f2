/* test_binary.c - role binaries: local paths checked and hashed; URLs fetched from http-stub, cached, reused, refused on a mismatch. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sha256.h"
#include "agent_client.h"
#include "binary.h"
#include "hex.h"
#include "http.h"
#include "unit.h"
#include "banned.h"

#define TOKEN "SeCrEtToKeN42"

static char dir[] = "/tmp/lc-binary-XXXXXX";

static int put(const char *rel, const void *data, size_t len, unsigned mode)
{
	char p[256];
	int fd, ok;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	unlink(p);
	if ((fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode)) < 0)
		return -1;
	ok = write(fd, data, len) == (ssize_t)len;
	close(fd);
	chmod(p, mode);
	return ok ? 0 : -1;
}

/* Entries of a directory other than . and .., or -1 when it is absent. */
static int entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void local(void)
{
	static const char hello[] = "#!/bin/sh\necho hello\n";
	char mpath[256], hex[65], want[300];
	struct lc_manifest m;
	struct lc_binfile out;
	struct lc_err err;
	long long size;
	char lcache[300];
	int rc, cwd;

	snprintf(lcache, sizeof(lcache), "%s/local-cache", dir);
	memset(&m, 0, sizeof(m));
	snprintf(mpath, sizeof(mpath), "%s/lattice.toml", dir);
	m.path = mpath;
	mkdir((snprintf(want, sizeof(want), "%s/bin", dir), want), 0755);
	CHECK(put("bin/relay", hello, sizeof(hello) - 1, 0755) == 0);
	snprintf(want, sizeof(want), "%s/bin/relay", dir);
	CHECK(lc_sha256_file(hex, &size, want, &err) == 0);

	/* Not in the manifest: names the key to add. */
	rc = lc_binary_resolve(&out, &m, LC_ROLE_RELAY_MEMBER, lcache, 0, &err);
	CHECK(rc == -1 && strstr(err.msg, "names no binary for relay-member") &&
	      strstr(err.hint, "relay-member = \"./bin/relay-member\"") &&
	      strstr(err.hint, "[binaries]"));

	/* Relative to the manifest's directory. */
	m.binaries[LC_ROLE_RELAY_MEMBER].set = 1;
	m.binaries[LC_ROLE_RELAY_MEMBER].path = "bin/relay";
	rc = lc_binary_resolve(&out, &m, LC_ROLE_RELAY_MEMBER, lcache, 0, &err);
	CHECKF(rc == 0, "%s", err.msg);
	CHECK(!strcmp(out.path, want) && !strcmp(out.sha256, hex) &&
	      out.size == (long long)sizeof(hello) - 1 && !out.fetched && !out.note[0]);

	/* A manifest in the current directory: the path as written. */
	if ((cwd = open(".", O_RDONLY | O_DIRECTORY)) >= 0 && chdir(dir) == 0) {
		m.path = "lattice.toml";
		CHECK(lc_binary_resolve(&out, &m, LC_ROLE_RELAY_MEMBER, lcache, 0, &err) == 0 &&
		      !strcmp(out.path, "bin/relay") && !strcmp(out.sha256, hex));
		m.path = mpath;
		CHECK(fchdir(cwd) == 0);
	}
	if (cwd >= 0)
		close(cwd);

	/* An absolute path is taken as it is; a symbolic link is followed. */
	snprintf(want, sizeof(want), "%s/link", dir);
	CHECK(symlink("bin/relay", want) == 0);
	m.binaries[LC_ROLE_RELAY_MEMBER].path = want;
	rc = lc_binary_resolve(&out, &m, LC_ROLE_RELAY_MEMBER, lcache, 0, &err);
	CHECKF(rc == 0 && !strcmp(out.path, want) && !strcmp(out.sha256, hex), "%s", err.msg);
	unlink(want);

	/* Missing, not executable, not a regular file. */
	m.binaries[LC_ROLE_RELAY_MEMBER].path = "bin/nosuch";
	rc = lc_binary_resolve(&out, &m, LC_ROLE_RELAY_MEMBER, lcache, 0, &err);
	CHECKF(rc == LC_ERR_NOTFOUND && strstr(err.msg, "cannot open the relay-member "
	       "binary") && strstr(err.hint, "relative to the manifest's directory"),
	       "%d %s", rc, err.msg);
	CHECK(put("bin/plain", hello, sizeof(hello) - 1, 0644) == 0);
	m.binaries[LC_ROLE_RELAY_MEMBER].path = "bin/plain";
	rc = lc_binary_resolve(&out, &m, LC_ROLE_RELAY_MEMBER, lcache, 0, &err);
	CHECKF(rc == -1 && strstr(err.msg, "is not executable") &&
	       strstr(err.hint, "chmod +x"), "%s", err.msg);
	m.binaries[LC_ROLE_RELAY_MEMBER].path = "bin";
	rc = lc_binary_resolve(&out, &m, LC_ROLE_RELAY_MEMBER, lcache, 0, &err);
	CHECKF(rc == -1 && strstr(err.msg, "is not a regular file"), "%s", err.msg);
	CHECK(lc_binary_resolve(&out, &m, LC_ROLE_COUNT, lcache, 0, &err) == -1);

	/* The hash is remembered by the file's identity: reused while the file
	 * is untouched, never after an edit, even one that keeps the size and
	 * puts the mtime back (the ctime moves). */
	{
		static const char other[] = "#!/bin/sh\necho hellO\n";
		struct timespec times[2];
		struct stat st;
		char edited[65];

		m.binaries[LC_ROLE_RELAY_MEMBER].path = "bin/relay";
		snprintf(want, sizeof(want), "%s/bin/relay", dir);
		CHECK(lc_binary_resolve(&out, &m, LC_ROLE_RELAY_MEMBER, lcache, 0, &err) == 0 &&
		      !strcmp(out.sha256, hex));
		snprintf(mpath, sizeof(mpath), "%s/local-cache/local", dir);
		CHECK(stat(mpath, &st) == 0 && S_ISDIR(st.st_mode));
		snprintf(mpath, sizeof(mpath), "%s/lattice.toml", dir);
		CHECK(stat(want, &st) == 0);
		times[0] = st.st_atim;
		times[1] = st.st_mtim;
		/* In place: the same inode and size, the mtime put back. */
		{
			int fd = open(want, O_WRONLY);

			CHECK(fd >= 0 && write(fd, other, sizeof(other) - 1) ==
			      (ssize_t)(sizeof(other) - 1));
			if (fd >= 0)
				close(fd);
		}
		CHECK(utimensat(AT_FDCWD, want, times, 0) == 0);
		CHECK(lc_sha256_file(edited, &size, want, &err) == 0 && strcmp(edited, hex));
		CHECK(lc_binary_resolve(&out, &m, LC_ROLE_RELAY_MEMBER, lcache, 0, &err) == 0 &&
		      !strcmp(out.sha256, edited));
	}
}

/* A role's { url, sha256 } entry. */
static void url_entry(struct lc_manifest *m, const char *url, const char *hex)
{
	struct lc_binary *b = &m->binaries[LC_ROLE_TALLY_MEMBER];

	memset(b, 0, sizeof(*b));
	b->set = 1;
	b->url = url;
	lc_hex_decode(b->sha256, 32, hex);
}

static void fetched(void)
{
	static const char *const serve[] = { "--serve", NULL, NULL };
	const char *args[3] = { serve[0], dir, NULL };
	char url[200], bad[200], cache[200], cpath[300], hex[65], other[65], p[256];
	unsigned char *blob;
	struct unit_stub s;
	struct lc_manifest m;
	struct lc_binfile out;
	struct lc_err err;
	struct stat st;
	size_t i, n = 300 * 1024 + 7;
	long long size;
	int rc, fd;

	/* 300 KiB that is not all one byte. */
	if (!(blob = malloc(n)))
		return;
	for (i = 0; i < n; i++)
		blob[i] = (unsigned char)(i * 2654435761u >> 13);
	CHECK(put("tally.bin", blob, n, 0644) == 0);
	CHECK(put("other.bin", "other\n", 6, 0644) == 0);
	snprintf(p, sizeof(p), "%s/tally.bin", dir);
	CHECK(lc_sha256_file(hex, &size, p, &err) == 0);
	snprintf(p, sizeof(p), "%s/other.bin", dir);
	CHECK(lc_sha256_file(other, &size, p, &err) == 0);
	if (unit_stub_start(&s, args))
		goto out;
	memset(&m, 0, sizeof(m));
	m.path = "lattice.toml";
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/tally.bin", s.port);
	snprintf(cache, sizeof(cache), "%s/state/cache", dir);
	snprintf(cpath, sizeof(cpath), "%s/%s", cache, hex);

	/* Lazy: not in the cache, not fetched; where it would be, its hash. */
	url_entry(&m, url, hex);
	rc = lc_binary_resolve(&out, &m, LC_ROLE_TALLY_MEMBER, cache, LC_BIN_LAZY, &err);
	CHECKF(rc == 0 && !out.present && !out.fetched && !strcmp(out.path, cpath) &&
	       !strcmp(out.sha256, hex) && out.url && !strcmp(out.shown, url) &&
	       access(cpath, F_OK) < 0, "%s", err.msg);

	/* Fetched into a new cache directory (0700), the file 0755. */
	rc = lc_binary_resolve(&out, &m, LC_ROLE_TALLY_MEMBER, cache, 0, &err);
	CHECKF(rc == 0, "%s", err.msg);
	CHECK(out.fetched && !out.note[0] && !strcmp(out.path, cpath) &&
	      !strcmp(out.sha256, hex) && out.size == (long long)n);
	CHECK(stat(cache, &st) == 0 && (st.st_mode & 07777) == 0700);
	CHECK(stat(cpath, &st) == 0 && (st.st_mode & 07777) == 0755 &&
	      st.st_size == (off_t)n);
	CHECK(entries(cache) == 1);

	/* Reused: no download, and none possible once the server is gone;
	 * lazy finds it there too. */
	rc = lc_binary_resolve(&out, &m, LC_ROLE_TALLY_MEMBER, cache, 0, &err);
	CHECKF(rc == 0 && !out.fetched && !strcmp(out.path, cpath) &&
	       out.size == (long long)n, "%s", err.msg);
	rc = lc_binary_resolve(&out, &m, LC_ROLE_TALLY_MEMBER, cache, LC_BIN_LAZY, &err);
	CHECKF(rc == 0 && out.present && !out.fetched && out.size == (long long)n,
	       "%s", err.msg);
	unit_stub_stop(&s);
	rc = lc_binary_resolve(&out, &m, LC_ROLE_TALLY_MEMBER, cache, 0, &err);
	CHECKF(rc == 0 && !out.fetched && !strcmp(out.sha256, hex), "%s", err.msg);
	/* A mode changed in the cache is put back. */
	chmod(cpath, 0600);
	CHECK(lc_binary_resolve(&out, &m, LC_ROLE_TALLY_MEMBER, cache, 0, &err) == 0 &&
	      stat(cpath, &st) == 0 && (st.st_mode & 07777) == 0755);

	/* A damaged cache file is deleted and fetched again, with a note. */
	if ((fd = open(cpath, O_WRONLY)) >= 0) {
		CHECK(pwrite(fd, "X", 1, 1000) == 1);
		close(fd);
	}
	if (unit_stub_start(&s, args))
		goto out;
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/tally.bin", s.port);
	rc = lc_binary_resolve(&out, &m, LC_ROLE_TALLY_MEMBER, cache, 0, &err);
	CHECKF(rc == 0 && out.fetched, "%s", err.msg);
	CHECKF(strstr(out.note, "the cached tally-member binary was damaged (sha256 ") &&
	       strstr(out.note, "fetched it again"), "%s", out.note);
	CHECK(lc_sha256_file(p, &size, cpath, &err) == 0 && !strcmp(p, hex));
	/* So is a symbolic link in its place. */
	unlink(cpath);
	CHECK(symlink("/bin/sh", cpath) == 0);
	rc = lc_binary_resolve(&out, &m, LC_ROLE_TALLY_MEMBER, cache, 0, &err);
	CHECKF(rc == 0 && out.fetched && strstr(out.note, "a symbolic link"), "%s", err.msg);
	CHECK(lstat(cpath, &st) == 0 && S_ISREG(st.st_mode));
	CHECK(entries(cache) == 1);

	/* A sha256 mismatch: both hashes and the URL, nothing left behind. */
	snprintf(cache, sizeof(cache), "%s/cache2", dir);
	snprintf(bad, sizeof(bad), "http://127.0.0.1:%u/tally.bin?token=" TOKEN, s.port);
	url_entry(&m, bad, other);
	rc = lc_binary_resolve(&out, &m, LC_ROLE_TALLY_MEMBER, cache, 0, &err);
	CHECK(rc == -1 && strstr(err.msg, "sha256 mismatch for ") &&
	      strstr(err.msg, hex) && strstr(err.msg, other) &&
	      strstr(err.msg, "/tally.bin?\xe2\x80\xa6") && !strstr(err.msg, TOKEN));
	CHECKF(strstr(err.hint, "nothing was kept"), "%s", err.hint);
	CHECK(entries(cache) == 0);

	/* 404 and 500: the status, nothing left behind. */
	snprintf(bad, sizeof(bad), "http://127.0.0.1:%u/nosuch.bin", s.port);
	url_entry(&m, bad, hex);
	rc = lc_binary_resolve(&out, &m, LC_ROLE_TALLY_MEMBER, cache, 0, &err);
	CHECKF(rc == -1 && strstr(err.msg, "cannot download http://127.0.0.1:") &&
	       strstr(err.msg, "/nosuch.bin: HTTP status 404"), "%s", err.msg);
	CHECK(entries(cache) == 0);
	unit_stub_stop(&s);

	{
		const char *a500[] = { "--serve", dir, "--mode", "status500", NULL };
		const char *agarb[] = { "--serve", dir, "--mode", "garbage", NULL };

		if (unit_stub_start(&s, a500) == 0) {
			snprintf(bad, sizeof(bad), "http://127.0.0.1:%u/tally.bin", s.port);
			url_entry(&m, bad, hex);
			rc = lc_binary_resolve(&out, &m, LC_ROLE_TALLY_MEMBER, cache, 0, &err);
			CHECKF(rc == -1 && strstr(err.msg, "HTTP status 500"), "%s", err.msg);
			CHECK(entries(cache) == 0);
			unit_stub_stop(&s);
		}
		/* A server that sends the wrong bytes. */
		if (unit_stub_start(&s, agarb) == 0) {
			snprintf(bad, sizeof(bad), "http://127.0.0.1:%u/tally.bin", s.port);
			url_entry(&m, bad, hex);
			rc = lc_binary_resolve(&out, &m, LC_ROLE_TALLY_MEMBER, cache, 0, &err);
			CHECKF(rc == -1 && strstr(err.msg, "sha256 mismatch"), "%s", err.msg);
			CHECK(entries(cache) == 0);
			unit_stub_stop(&s);
		}
	}

	/* Nobody there; a URL latticectl does not fetch. */
	url_entry(&m, url, hex);
	rc = lc_binary_resolve(&out, &m, LC_ROLE_TALLY_MEMBER, cache, 0, &err);
	CHECKF(rc == LC_ERR_CONNECT && strstr(err.msg, "cannot download"), "%d %s", rc, err.msg);
	url_entry(&m, "ftp://127.0.0.1/tally.bin", hex);
	rc = lc_binary_resolve(&out, &m, LC_ROLE_TALLY_MEMBER, cache, 0, &err);
	CHECKF(rc == -1 && strstr(err.msg, "not an acceptable URL"), "%s", err.msg);
	url_entry(&m, "http://192.0.2.1/tally.bin", hex);
	rc = lc_binary_resolve(&out, &m, LC_ROLE_TALLY_MEMBER, cache, 0, &err);
	CHECKF(rc == -1 && strstr(err.msg, "not a loopback host"), "%s", err.msg);
	CHECK(entries(cache) == 0);
out:
	free(blob);
}

static void cleanup(void)
{
	char cmd[128];

	/* The scratch directory is ours (mkdtemp); rm -r it. */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

void unit_main(int argc, char **argv)
{
	struct lc_err err;

	(void)argc;
	(void)argv;
	CHECK(lc_http_global_init(&err) == 0);
	if (!mkdtemp(dir)) {
		CHECKF(0, "mkdtemp failed");
		return;
	}
	local();
	fetched();
	cleanup();
}
