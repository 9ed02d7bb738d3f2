/* binary.c - a role's program as a local file to push: a path from the manifest, or a URL fetched and checked. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "binary.h"
#include "fileio.h"
#include "hex.h"
#include "http.h"
#include "banned.h"

/* The largest program we download: a role binary is tens of MiB. */
#define DOWNLOAD_MAX (4LL << 30)
/* A download that moves less than 1 byte a second for a minute is stuck. */
#define STALL_S 60L
#define CONNECT_MS 30000L

/* SHA-256 of what fd reads from its offset to its end, hex. */
static int hash_fd(int fd, const char *path, char hex[65], long long *size,
		   struct lc_err *err)
{
	unsigned char buf[65536], h[EVP_MAX_MD_SIZE];
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	long long total = 0;
	unsigned hl = 0;
	ssize_t n;
	int rc = -1;

	if (!md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
		lc_err_set(err, "cannot start a SHA-256 digest");
		goto out;
	}
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			lc_err_set(err, "cannot read '%s': %s", path, strerror(errno));
			goto out;
		}
		EVP_DigestUpdate(md, buf, (size_t)n);
		total += n;
	}
	if (!EVP_DigestFinal_ex(md, h, &hl) || hl != 32) {
		lc_err_set(err, "cannot finish a SHA-256 digest");
		goto out;
	}
	lc_hex_encode(hex, h, 32);
	*size = total;
	rc = 0;
out:
	EVP_MD_CTX_free(md);
	return rc;
}

static int make_dir(const char *dir, struct lc_err *err);

/*
 * The sha256 of a local program is remembered in <cachedir>/local/, by
 * the file's identity: device and inode name the record, which holds the
 * size, mtime and ctime it was hashed at.  Any write, rename over it or
 * chmod changes the ctime, so a record that still matches is the same
 * bytes; anything else is hashed again.  A cache that cannot be read or
 * written only costs the hashing.
 */
static void cache_key(char *out, size_t size, const char *cachedir, const struct stat *st)
{
	snprintf(out, size, "%s/local/d%llx-i%llx", cachedir, (unsigned long long)st->st_dev,
		 (unsigned long long)st->st_ino);
}

static void cache_line(char *out, size_t size, const struct stat *st)
{
	snprintf(out, size, "%lld %lld %ld %lld %ld ", (long long)st->st_size,
		 (long long)st->st_mtim.tv_sec, (long)st->st_mtim.tv_nsec,
		 (long long)st->st_ctim.tv_sec, (long)st->st_ctim.tv_nsec);
}

static int cache_get(const char *cachedir, const struct stat *st, char hex[65])
{
	char path[4200], want[128];
	struct lc_buf b;
	struct lc_err err;
	size_t n;
	int ok = 0;

	if (!cachedir)
		return 0;
	cache_key(path, sizeof(path), cachedir, st);
	cache_line(want, sizeof(want), st);
	n = strlen(want);
	lc_buf_init(&b, 256);
	lc_err_clear(&err);
	if (lc_read_file(&b, path, 256, &err) == 0 && b.len == n + 65 &&
	    !memcmp(b.ptr, want, n) && b.ptr[n + 64] == '\n') {
		memcpy(hex, b.ptr + n, 64);
		hex[64] = '\0';
		ok = strspn(hex, "0123456789abcdef") == 64;
	}
	lc_buf_release(&b);
	return ok;
}

static void cache_put(const char *cachedir, const struct stat *st, const char hex[65])
{
	char path[4200], line[200];
	struct lc_err err;

	if (!cachedir)
		return;
	snprintf(path, sizeof(path), "%s/local", cachedir);
	lc_err_clear(&err);
	if (make_dir(path, &err))
		return;
	cache_key(path, sizeof(path), cachedir, st);
	cache_line(line, sizeof(line), st);
	snprintf(line + strlen(line), sizeof(line) - strlen(line), "%s\n", hex);
	lc_write_file_atomic(path, line, strlen(line), 0600, &err);
}

/* A path from [binaries]: relative to the manifest's directory. */
static int resolve_path(struct lc_binfile *out, const struct lc_manifest *m,
			const char *role, const char *rel, const char *cachedir,
			struct lc_err *err)
{
	const char *slash = strrchr(m->path, '/');
	struct stat st;
	int n, fd, rc = -1;

	if (rel[0] == '/' || !slash)
		n = snprintf(out->path, sizeof(out->path), "%s", rel);
	else
		n = snprintf(out->path, sizeof(out->path), "%.*s/%s",
			     (int)(slash - m->path), m->path, rel);
	if (n < 0 || (size_t)n >= sizeof(out->path))
		return lc_err_set(err, "the path of the %s binary is too long", role);
	/* O_NONBLOCK: a FIFO must not hang us; it is refused below. */
	fd = open(out->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		lc_err_setc(err, errno == ENOENT ? LC_ERR_NOTFOUND : LC_ERR_FAIL,
			    "cannot open the %s binary '%s': %s", role, out->path,
			    strerror(errno));
		lc_err_hint(err, "build it there, or fix %s in [binaries] (a path "
			    "there is relative to the manifest's directory)", role);
		return err->code;
	}
	if (fstat(fd, &st) < 0) {
		lc_err_set(err, "cannot stat '%s': %s", out->path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		lc_err_set(err, "the %s binary '%s' is not a regular file", role,
			   out->path);
		lc_err_hint(err, "point %s in [binaries] at the executable itself", role);
		goto out;
	}
	if (!(st.st_mode & 0111)) {
		lc_err_set(err, "the %s binary '%s' is not executable", role, out->path);
		lc_err_hint(err, "chmod +x '%s'", out->path);
		goto out;
	}
	if (cache_get(cachedir, &st, out->sha256)) {
		out->size = (long long)st.st_size;
		rc = 0;
		goto out;
	}
	rc = hash_fd(fd, out->path, out->sha256, &out->size, err);
	if (rc == 0 && out->size == (long long)st.st_size)
		cache_put(cachedir, &st, out->sha256);
out:
	close(fd);
	return rc;
}

/* mkdir -p dir, creating what is missing with mode 0700. */
static int make_dir(const char *dir, struct lc_err *err)
{
	char p[4096];
	struct stat st;
	size_t i, n = strlen(dir);

	if (n == 0 || n >= sizeof(p))
		return lc_err_set(err, "the cache directory '%s' is not a usable path", dir);
	memcpy(p, dir, n + 1);
	for (i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		p[i] = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST)
			return lc_err_set(err, "cannot create the directory '%s': %s",
					  p, strerror(errno));
		p[i] = i < n ? '/' : '\0';
	}
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return lc_err_set(err, "the cache directory '%s' is not a directory", dir);
	return 0;
}

/*
 * The cached copy at out->path: 1 when it is there and has the wanted
 * hash, 0 when there is none (a damaged one is removed and *damaged set
 * to its hash), -1 on an error.
 */
static int check_cached(struct lc_binfile *out, const char *want,
			char damaged[65], struct lc_err *err)
{
	char got[65];
	struct stat st;
	int fd, rc = -1;

	damaged[0] = '\0';
	fd = open(out->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0 && errno == ELOOP) {
		/* A symbolic link is not ours: replace it with the real file. */
		if (unlink(out->path) < 0)
			return lc_err_set(err, "cannot remove '%s': %s", out->path,
					  strerror(errno));
		snprintf(damaged, 65, "a symbolic link");
		return 0;
	}
	if (fd < 0)
		return lc_err_set(err, "cannot open '%s': %s", out->path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		lc_err_set(err, "cannot stat '%s': %s", out->path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		lc_err_set(err, "the cache entry '%s' is not a regular file", out->path);
		lc_err_hint(err, "remove it; it is fetched again on the next run");
		goto out;
	}
	if (hash_fd(fd, out->path, got, &out->size, err))
		goto out;
	if (!strcmp(got, want)) {
		if ((st.st_mode & 07777) != 0755 && fchmod(fd, 0755) < 0) {
			lc_err_set(err, "cannot chmod '%s': %s", out->path, strerror(errno));
			goto out;
		}
		rc = 1;
		goto out;
	}
	if (unlink(out->path) < 0) {
		lc_err_set(err, "cannot remove the damaged cache entry '%s': %s",
			   out->path, strerror(errno));
		goto out;
	}
	snprintf(damaged, 65, "%s", got);
	rc = 0;
out:
	close(fd);
	return rc;
}

/* A download in progress: written to fd and hashed as it streams. */
struct fetch {
	int fd;
	EVP_MD_CTX *md;
	long long size;
	int toobig, werr;
};

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
	struct fetch *f = arg;
	size_t len = size * n;

	if (f->size + (long long)len > DOWNLOAD_MAX) {
		f->toobig = 1;
		return 0;
	}
	if (lc_write_all(f->fd, p, len) < 0) {
		f->werr = errno ? errno : EIO;
		return 0;
	}
	EVP_DigestUpdate(f->md, p, len);
	f->size += (long long)len;
	return len;
}

/* Fetch url into tmp (open as f->fd) and hash it into got. */
static int download(struct fetch *f, const char *url, const char *shown,
		    const char *tmp, const char *role, char got[65],
		    struct lc_err *err)
{
	struct lc_http_opts o = { CONNECT_MS, 0, 1 };
	unsigned char h[EVP_MAX_MD_SIZE];
	char errbuf[CURL_ERROR_SIZE];
	unsigned hl = 0;
	long status = 0;
	CURLcode rc;
	CURL *c;

	if (!(c = lc_http_handle(url, shown, &o, errbuf, err)))
		return -1;
	curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)DOWNLOAD_MAX);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, STALL_S);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, f);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	if (f->toobig || rc == CURLE_FILESIZE_EXCEEDED)
		return lc_err_set(err, "cannot download %s: it is larger than 4 GiB", shown);
	if (f->werr)
		return lc_err_set(err, "cannot write '%s': %s", tmp, strerror(f->werr));
	if (rc == CURLE_HTTP_RETURNED_ERROR || (rc == CURLE_OK && (status < 200 || status > 299))) {
		lc_err_set(err, "cannot download %s: HTTP status %ld", shown, status);
		lc_err_hint(err, "check the url of %s in [binaries]", role);
		return -1;
	}
	if (rc != CURLE_OK) {
		lc_http_fail(err, rc, errbuf, url, "cannot download", shown);
		lc_err_hint(err, "check the url of %s in [binaries] and the network", role);
		return err->code;
	}
	if (!EVP_DigestFinal_ex(f->md, h, &hl) || hl != 32)
		return lc_err_set(err, "cannot finish a SHA-256 digest");
	lc_hex_encode(got, h, 32);
	return 0;
}

/* The directory part of path, fsynced after a rename into it. */
static int sync_dir(const char *dir, struct lc_err *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || fsync(fd) < 0) {
		lc_err_set(err, "cannot sync the directory '%s': %s", dir, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* A { url, sha256 } entry: from the cache, or fetched into it. */
static int resolve_url(struct lc_binfile *out, const struct lc_binary *b,
		       const char *role, const char *cachedir, unsigned flags,
		       struct lc_err *err)
{
	char want[65], got[65], damaged[65], shown[1024], tmp[4096 + 96];
	struct fetch f = { -1, NULL, 0, 0, 0 };
	int n, rc = -1, made = 0;

	lc_hex_encode(want, b->sha256, 32);
	lc_url_redact(shown, sizeof(shown), b->url, 1);
	if (make_dir(cachedir, err))
		return -1;
	n = snprintf(out->path, sizeof(out->path), "%s/%s", cachedir, want);
	if (n < 0 || (size_t)n >= sizeof(out->path))
		return lc_err_set(err, "the cache directory '%s' is too long a path",
				  cachedir);
	if ((rc = check_cached(out, want, damaged, err)) != 0) {
		if (rc < 0)
			return -1;
		snprintf(out->sha256, sizeof(out->sha256), "%s", want);
		out->present = 1;
		return 0;
	}
	if (flags & LC_BIN_LAZY) {
		snprintf(out->sha256, sizeof(out->sha256), "%s", want);
		return 0;
	}
	rc = -1;
	snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX.tmp", cachedir, want);
	if ((f.fd = mkstemps(tmp, 4)) < 0) {
		lc_err_set(err, "cannot create a file in '%s': %s", cachedir,
			   strerror(errno));
		goto out;
	}
	made = 1;
	fcntl(f.fd, F_SETFD, FD_CLOEXEC);
	if (!(f.md = EVP_MD_CTX_new()) || !EVP_DigestInit_ex(f.md, EVP_sha256(), NULL)) {
		lc_err_set(err, "cannot start a SHA-256 digest");
		goto out;
	}
	if (download(&f, b->url, shown, tmp, role, got, err))
		goto out;
	if (strcmp(got, want)) {
		lc_err_set(err, "sha256 mismatch for %s: the manifest says %s, the "
			   "download is %s", shown, want, got);
		lc_err_hint(err, "check the url and sha256 of %s in [binaries]; "
			    "nothing was kept", role);
		goto out;
	}
	if (fsync(f.fd) < 0 || fchmod(f.fd, 0755) < 0) {
		lc_err_set(err, "cannot write '%s': %s", tmp, strerror(errno));
		goto out;
	}
	if (close(f.fd) < 0) {
		f.fd = -1;
		lc_err_set(err, "cannot write '%s': %s", tmp, strerror(errno));
		goto out;
	}
	f.fd = -1;
	if (rename(tmp, out->path) < 0) {
		lc_err_set(err, "cannot rename '%s' to '%s': %s", tmp, out->path,
			   strerror(errno));
		goto out;
	}
	made = 0;
	if (sync_dir(cachedir, err))
		goto out;
	snprintf(out->sha256, sizeof(out->sha256), "%s", want);
	out->size = f.size;
	out->fetched = 1;
	out->present = 1;
	if (damaged[0])
		snprintf(out->note, sizeof(out->note), "the cached %s binary was "
			 "damaged (%s%s, not %s); fetched it again", role,
			 strlen(damaged) == 64 ? "sha256 " : "", damaged, want);
	rc = 0;
out:
	if (f.fd >= 0)
		close(f.fd);
	if (made)
		unlink(tmp);
	EVP_MD_CTX_free(f.md);
	return rc ? err->code : 0;
}

int lc_binary_resolve(struct lc_binfile *out, const struct lc_manifest *m,
		      int role, const char *cachedir, unsigned flags, struct lc_err *err)
{
	const struct lc_binary *b;
	const char *name;

	memset(out, 0, sizeof(*out));
	if (role < 0 || role >= LC_ROLE_COUNT)
		return lc_err_set(err, "no such role (%d)", role);
	b = &m->binaries[role];
	name = lc_roles[role].name;
	if (!b->set) {
		lc_err_set(err, "the manifest names no binary for %s", name);
		lc_err_hint(err, "add %s = \"./bin/%s\" (or a { url, sha256 } table) "
			    "to [binaries]", name, name);
		return -1;
	}
	if (b->path) {
		out->present = 1;
		return resolve_path(out, m, name, b->path, cachedir, err);
	}
	out->url = b->url;
	lc_url_redact(out->shown, sizeof(out->shown), b->url, 1);
	if (!cachedir) {
		/* Read-only: the manifest's sha256 is the content; not fetched. */
		lc_hex_encode(out->sha256, b->sha256, 32);
		return 0;
	}
	return resolve_url(out, b, name, cachedir, flags, err);
}
