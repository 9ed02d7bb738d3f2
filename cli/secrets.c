/* secrets.c - the local secrets store: directory checks, git-ignore check, write-once hex files. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <git2.h>
#include <sodium.h>

#include "fileio.h"
#include "hex.h"
#include "secrets.h"
#include "banned.h"

/* Refuse anything but a private directory of ours. */
static int check_dir_stat(const struct stat *st, const char *path,
			  struct lc_err *err)
{
	if (S_ISLNK(st->st_mode)) {
		lc_err_set(err, "secrets directory '%s' is a symlink", path);
		lc_err_hint(err, "point --secrets-dir at the real directory; "
			    "latticectl does not follow links for secrets");
		return -1;
	}
	if (!S_ISDIR(st->st_mode)) {
		lc_err_set(err, "secrets path '%s' is not a directory", path);
		lc_err_hint(err, "move the file away or choose another --secrets-dir");
		return -1;
	}
	if (st->st_uid != geteuid()) {
		lc_err_set(err, "secrets directory '%s' belongs to uid %u, not to you (uid %u)",
			   path, (unsigned)st->st_uid, (unsigned)geteuid());
		lc_err_hint(err, "run latticectl as the owner of the secrets");
		return -1;
	}
	if (st->st_mode & 077) {
		lc_err_set(err, "secrets directory '%s' is accessible by group or others (mode %04o)",
			   path, (unsigned)(st->st_mode & 07777));
		lc_err_hint(err, "run: chmod 700 '%s'", path);
		return -1;
	}
	return 0;
}

/* Make dir (0700) if missing and allowed, then check it without following
 * links. */
static int ensure_dir(const char *path, int create, struct lc_err *err)
{
	struct stat st;

	if (create && mkdir(path, 0700) < 0 && errno != EEXIST)
		return lc_err_set(err, "cannot create secrets directory '%s': %s",
				  path, strerror(errno));
	if (lstat(path, &st) < 0) {
		if (errno == ENOENT && !create) {
			lc_err_set(err, "no secrets in '%s'", path);
			lc_err_hint(err, "run 'latticectl gen-config' first (or give "
				    "--secrets-dir)");
			return -1;
		}
		return lc_err_set(err, "cannot stat '%s': %s", path, strerror(errno));
	}
	return check_dir_stat(&st, path, err);
}

/* abs: for the store, the lattice directory, which may not exist yet. */
int lc_secrets_check_git(const char *abs, const char *option, struct lc_err *err)
{
	git_buf found = { 0 };
	git_repository *repo = NULL;
	const char *wd;
	char rel[PATH_MAX], start[PATH_MAX * 2], *slash;
	struct stat st;
	int ignored = 0, rc = -1;
	size_t wl;

	git_libgit2_init();
	/* Start from the nearest existing ancestor: the directory itself may
	 * not be made yet. */
	snprintf(start, sizeof(start), "%s", abs);
	while (stat(start, &st) < 0 && (slash = strrchr(start, '/')) && slash != start)
		*slash = '\0';
	if (git_repository_discover(&found, start, 0, NULL) < 0) {
		rc = 0; /* not in a repository */
		goto out;
	}
	if (git_repository_open(&repo, found.ptr) < 0) {
		const git_error *ge = git_error_last();

		lc_err_set(err, "cannot open the git repository around '%s': %s",
			   abs, ge ? ge->message : "unknown error");
		goto out;
	}
	if (git_repository_is_bare(repo) || !(wd = git_repository_workdir(repo))) {
		rc = 0;
		goto out;
	}
	wl = strlen(wd);
	if (strncmp(abs, wd, wl)) {
		rc = 0;
		goto out;
	}
	snprintf(rel, sizeof(rel), "%s/", abs + wl);
	if (git_ignore_path_is_ignored(&ignored, repo, rel) < 0) {
		const git_error *ge = git_error_last();

		lc_err_set(err, "cannot ask git whether '%s' is ignored: %s", abs,
			   ge ? ge->message : "unknown error");
		goto out;
	}
	if (!ignored) {
		lc_err_set(err, "refusing to keep secrets in '%s': it is inside the git "
			   "work tree '%s' and git does not ignore it", abs, wd);
		lc_err_hint(err, "add '/%s' to %s.gitignore, or choose a %s "
			    "outside the repository", rel, wd, option);
		goto out;
	}
	rc = 0;
out:
	git_repository_free(repo);
	git_buf_dispose(&found);
	git_libgit2_shutdown();
	return rc;
}

/* An absolute path for root/lattice, resolving what exists of it. */
static int abs_path(char *out, size_t outlen, const char *root,
		    const char *lattice, struct lc_err *err)
{
	char cwd[PATH_MAX], real[PATH_MAX];

	if (realpath(root, real)) {
		snprintf(out, outlen, "%s/%s", real, lattice);
		return 0;
	}
	if (errno != ENOENT)
		return lc_err_set(err, "cannot resolve '%s': %s", root, strerror(errno));
	if (root[0] == '/') {
		snprintf(out, outlen, "%s/%s", root, lattice);
		return 0;
	}
	if (!getcwd(cwd, sizeof(cwd)))
		return lc_err_set(err, "cannot get the current directory: %s",
				  strerror(errno));
	snprintf(out, outlen, "%s/%s/%s", cwd, root, lattice);
	return 0;
}

int lc_secrets_open(struct lc_secrets *s, const char *root,
		    const char *lattice, int create, struct lc_err *err)
{
	char abs[PATH_MAX * 2];
	struct stat st;
	size_t n;

	memset(s, 0, sizeof(*s));
	s->dirfd = -1;
	if (sodium_init() < 0)
		return lc_err_set(err, "cannot initialise libsodium");
	if (abs_path(abs, sizeof(abs), root, lattice, err) ||
	    lc_secrets_check_git(abs, "--secrets-dir", err))
		return -1;
	if (lstat(root, &st) == 0 && S_ISLNK(st.st_mode)) {
		lc_err_set(err, "secrets directory '%s' is a symlink", root);
		lc_err_hint(err, "point --secrets-dir at the real directory");
		return -1;
	}
	if (ensure_dir(root, create, err))
		return -1;
	n = strlen(root) + strlen(lattice) + 2;
	if (!(s->path = malloc(n)))
		return lc_err_set(err, "out of memory");
	snprintf(s->path, n, "%s/%s", root, lattice);
	if (ensure_dir(s->path, create, err))
		goto fail;
	s->dirfd = open(s->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (s->dirfd < 0) {
		lc_err_set(err, "cannot open '%s': %s", s->path, strerror(errno));
		goto fail;
	}
	return 0;
fail:
	lc_secrets_close(s);
	return -1;
}

void lc_secrets_close(struct lc_secrets *s)
{
	if (s->dirfd >= 0)
		close(s->dirfd);
	free(s->path);
	s->path = NULL;
	s->dirfd = -1;
}

int lc_secrets_subdir(struct lc_secrets *s, const char *name,
		      struct lc_err *err)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", s->path, name);
	if (mkdirat(s->dirfd, name, 0700) < 0 && errno != EEXIST)
		return lc_err_set(err, "cannot create '%s': %s", path, strerror(errno));
	if (fstatat(s->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return lc_err_set(err, "cannot stat '%s': %s", path, strerror(errno));
	return check_dir_stat(&st, path, err);
}

int lc_secret_gen_random(uint8_t *out, size_t len, void *arg,
			 struct lc_err *err)
{
	(void)arg;
	(void)err;
	randombytes_buf(out, len);
	return 0;
}

/* fsync the directory holding rel, so a new name survives a crash. */
static int sync_dir_of(struct lc_secrets *s, const char *rel,
		       struct lc_err *err)
{
	const char *slash = strrchr(rel, '/');
	char sub[PATH_MAX];
	int fd, rc = 0;

	if (slash)
		snprintf(sub, sizeof(sub), "%.*s", (int)(slash - rel), rel);
	fd = slash ? openat(s->dirfd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
		   : dup(s->dirfd);
	if (fd < 0 || fsync(fd) < 0)
		rc = lc_err_set(err, "cannot sync the directory of '%s/%s': %s",
				s->path, rel, strerror(errno));
	if (fd >= 0)
		close(fd);
	return rc;
}

/*
 * Create rel with exactly data, mode 0400, atomically and only if absent:
 * write a temp file (O_EXCL), fsync it, link() it to rel (which fails if
 * rel exists: nothing is ever replaced), drop the temp name, fsync the
 * directory.  Returns 1 when rel already existed (nothing written).
 */
static int write_once(struct lc_secrets *s, const char *rel, const void *data,
		      size_t len, struct lc_err *err)
{
	char tmp[PATH_MAX];
	int fd, rc = -1;

	snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", rel, (long)getpid());
	unlinkat(s->dirfd, tmp, 0); /* left by an earlier run of this pid */
	fd = openat(s->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0400);
	if (fd < 0)
		return lc_err_set(err, "cannot create '%s/%s': %s", s->path, tmp,
				  strerror(errno));
	if (lc_write_all(fd, data, len)) {
		int e = errno;

		lc_err_set(err, "cannot write '%s/%s': %s", s->path, rel, strerror(e));
		if (e == ENOSPC)
			lc_err_hint(err, "free some space; nothing was written "
				    "and no existing secret changed");
		goto out;
	}
	if (fsync(fd) < 0) {
		lc_err_set(err, "cannot sync '%s/%s': %s", s->path, rel, strerror(errno));
		goto out;
	}
	if (linkat(s->dirfd, tmp, s->dirfd, rel, 0) < 0) {
		if (errno == EEXIST) {
			rc = 1;
			goto out;
		}
		lc_err_set(err, "cannot create '%s/%s': %s", s->path, rel, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	close(fd);
	unlinkat(s->dirfd, tmp, 0);
	if (rc == 0 && sync_dir_of(s, rel, err))
		rc = -1;
	return rc;
}

/* Read rel (at most max bytes) after checking it is a private regular file. */
static int read_private(struct lc_secrets *s, const char *rel, char *buf,
			size_t max, size_t *got, struct lc_err *err)
{
	struct stat st;
	ssize_t n;
	int fd;

	fd = openat(s->dirfd, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ELOOP) {
			lc_err_set(err, "secret '%s/%s' is a symlink", s->path, rel);
			lc_err_hint(err, "replace the link with the file itself");
			return -1;
		}
		return lc_err_setc(err, errno == ENOENT ? LC_ERR_NOTFOUND : LC_ERR_FAIL,
				   "cannot open '%s/%s': %s", s->path, rel, strerror(errno));
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		lc_err_set(err, "secret '%s/%s' is not a regular file", s->path, rel);
		lc_err_hint(err, "move it away and restore the secret from your backup");
		close(fd);
		return -1;
	}
	if (st.st_mode & 077) {
		lc_err_set(err, "secret '%s/%s' is accessible by group or others (mode %04o)",
			   s->path, rel, (unsigned)(st.st_mode & 07777));
		lc_err_hint(err, "run: chmod 400 '%s/%s' (and check who may have read it)",
			    s->path, rel);
		close(fd);
		return -1;
	}
	n = read(fd, buf, max);
	close(fd);
	if (n < 0)
		return lc_err_set(err, "cannot read '%s/%s': %s", s->path, rel, strerror(errno));
	*got = (size_t)n;
	return 0;
}

int lc_secret_exists(struct lc_secrets *s, const char *rel, struct lc_err *err)
{
	struct stat st;

	if (fstatat(s->dirfd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return 1;
	if (errno == ENOENT)
		return 0;
	return lc_err_set(err, "cannot stat '%s/%s': %s", s->path, rel, strerror(errno));
}

int lc_secret_get(struct lc_secrets *s, const char *rel, uint8_t *out,
		  size_t len, lc_secret_gen_fn gen, void *arg, int *created,
		  struct lc_err *err)
{
	size_t hexlen = 2 * len + 1, got = 0;
	char *text = sodium_malloc(hexlen + 2);
	int rc = -1, w;

	*created = 0;
	if (!text)
		return lc_err_set(err, "out of memory");
	rc = read_private(s, rel, text, hexlen + 1, &got, err);
	if (rc == 0) {
		rc = -1;
		if (got != hexlen || text[hexlen - 1] != '\n' ||
		    lc_hex_decode_n(out, len, text)) {
			lc_err_set(err, "secret '%s/%s' is corrupt: expected %zu hex "
				   "digits and a newline", s->path, rel, 2 * len);
			lc_err_hint(err, "restore it from your backup; latticectl never "
				    "overwrites an existing secret");
			goto out;
		}
		s->reused++;
		rc = 0;
		goto out;
	}
	if (err->code != LC_ERR_NOTFOUND)
		goto out;
	if (gen(out, len, arg, err))
		goto out;
	lc_hex_encode(text, out, len);
	text[hexlen - 1] = '\n';
	w = write_once(s, rel, text, hexlen, err);
	if (w == 1) {
		/* Another run created it first: use theirs, not ours. */
		sodium_memzero(out, len);
		rc = lc_secret_get(s, rel, out, len, gen, arg, created, err);
		goto out;
	}
	if (w == 0) {
		*created = 1;
		s->created++;
		rc = 0;
	}
out:
	sodium_free(text);
	return rc;
}

int lc_secret_put_new(struct lc_secrets *s, const char *rel, const void *data,
		      size_t len, struct lc_err *err)
{
	int w = write_once(s, rel, data, len, err);

	if (w == 0)
		s->created++;
	return w;
}

int lc_secrets_put_public(struct lc_secrets *s, const char *rel,
			  const void *data, size_t len, struct lc_err *err)
{
	struct lc_buf old;
	int w, rc;

	w = write_once(s, rel, data, len, err);
	if (w <= 0)
		return w;
	lc_buf_init(&old, LC_BUF_NOMAX);
	rc = lc_secrets_get_public(s, rel, &old, len + 1, err);
	if (rc == 0 && (old.len != len || memcmp(old.ptr, data, len))) {
		rc = lc_err_set(err, "'%s/%s' exists with other contents", s->path, rel);
		lc_err_hint(err, "latticectl never replaces it; move it away only if "
			    "you mean to discard what it records");
	}
	lc_buf_release(&old);
	return rc;
}

int lc_secrets_get_public(struct lc_secrets *s, const char *rel,
			  struct lc_buf *out, size_t max, struct lc_err *err)
{
	size_t got = 0;

	lc_buf_reset(out);
	if (lc_buf_grow(out, max + 1))
		return lc_err_set(err, "out of memory");
	if (read_private(s, rel, out->ptr, max + 1, &got, err))
		return -1;
	if (got > max)
		return lc_err_set(err, "'%s/%s' is larger than %zu bytes", s->path, rel, max);
	out->len = got;
	out->ptr[got] = '\0';
	return 0;
}

/* Link rel (the secret to retire) as retired; when that name exists it
 * must be rel itself (a rotation cut short after the link): 1 then, 0 when
 * linked now, -1 on error.  ENOENT (rel gone) is -1 with errno kept. */
static int link_retired(struct lc_secrets *s, const char *rel, const char *retired,
			struct lc_err *err)
{
	struct stat a, b;

	if (linkat(s->dirfd, rel, s->dirfd, retired, 0) == 0)
		return 0;
	if (errno != EEXIST)
		return -1;
	if (fstatat(s->dirfd, rel, &a, AT_SYMLINK_NOFOLLOW) == 0 &&
	    fstatat(s->dirfd, retired, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		return 1;
	lc_err_set(err, "cannot keep '%s/%s' as '%s': that name holds another file", s->path,
		   rel, retired);
	lc_err_hint(err, "move '%s/%s' away (it is not the secret being retired), then run "
		    "again", s->path, retired);
	errno = EEXIST;
	return -2;
}

/* The steps of a rotation: the new secret made once as rel.next, the old
 * one linked as retired (a name under retired/; NULL: one made from the
 * time), one rename. */
static int rotate(struct lc_secrets *s, const char *rel, size_t len, const char *fixed,
		  struct lc_err *err)
{
	char next[PATH_MAX], retired[PATH_MAX];
	const char *base = strrchr(rel, '/');
	uint8_t *buf = sodium_malloc(len);
	int created, rc = -1, n, l;

	if (!buf)
		return lc_err_set(err, "out of memory");
	base = base ? base + 1 : rel;
	snprintf(next, sizeof(next), "%s.next", rel);
	/* 1. The new secret, made once: a rotation that was cut short
	 * reuses it rather than making another. */
	if (lc_secret_get(s, next, buf, len, lc_secret_gen_random, NULL, &created, err))
		goto out;
	/* 2. Keep the old one, linked (not copied) into retired/. */
	if (lc_secrets_subdir(s, "retired", err))
		goto out;
	for (n = 0;; n++) {
		if (fixed)
			snprintf(retired, sizeof(retired), "%s", fixed);
		else
			snprintf(retired, sizeof(retired), "retired/%s.%lld%s%.0d", base,
				 (long long)time(NULL), n ? "-" : "", n);
		if ((l = link_retired(s, rel, retired, err)) >= 0)
			break;
		if (l == -1 && errno == ENOENT)
			break; /* nothing to retire: cut short after the rename */
		if (l == -2 && !fixed && n < 100) {
			lc_err_clear(err); /* that name is taken: the next one */
			continue;
		}
		if (l == -1)
			lc_err_set(err, "cannot keep '%s/%s' as '%s': %s", s->path, rel,
				   retired, strerror(errno));
		goto out;
	}
	/* 3. One rename replaces it: the name always holds the old secret
	 * or the new one, never neither. */
	if (renameat(s->dirfd, next, s->dirfd, rel) < 0) {
		lc_err_set(err, "cannot put the new secret in place as '%s/%s': %s", s->path,
			   rel, strerror(errno));
		goto out;
	}
	rc = sync_dir_of(s, rel, err) || sync_dir_of(s, retired, err) ? -1 : 0;
out:
	sodium_free(buf);
	return rc;
}

int lc_secret_rotate(struct lc_secrets *s, const char *rel, size_t len,
		     struct lc_err *err)
{
	return rotate(s, rel, len, NULL, err);
}

int lc_secret_rotate_as(struct lc_secrets *s, const char *rel, size_t len,
			const char *retired, struct lc_err *err)
{
	return rotate(s, rel, len, retired, err);
}

int lc_secret_remove(struct lc_secrets *s, const char *rel, struct lc_err *err)
{
	if (unlinkat(s->dirfd, rel, 0) < 0 && errno != ENOENT)
		return lc_err_set(err, "cannot remove '%s/%s': %s", s->path, rel,
				  strerror(errno));
	return sync_dir_of(s, rel, err);
}
