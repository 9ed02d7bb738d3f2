/* fsutil.c - the agent's file primitives: atomic replace, hashing, removal without following links. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "agent.h"
#include "buf.h"
#include "hex.h"
#include "sha256.h"
#include "banned.h"

#define AG_TREE_DEPTH 32

int ag_errno_code(int e)
{
	if (e == ENOSPC || e == EDQUOT)
		return AG_E_ENOSPC;
	return AG_E_IO;
}

static int fail_errno(struct lc_err *err, const char *what, const struct ag_dir *dir,
		      const char *name)
{
	int e = errno;

	return lc_err_setc(err, ag_errno_code(e), "cannot %s '%s/%s': %s", what,
			   dir->path, name, strerror(e));
}

/* The temporary file starts with '.', which no requested name does. */
int ag_tmp_open(struct ag_tmp *t, const struct ag_dir *dir, const char *target,
		struct lc_err *err)
{
	unsigned char rnd[8];
	char hex[sizeof(rnd) * 2 + 1];

	t->dir = dir;
	t->target = target;
	t->fd = -1;
	randombytes_buf(rnd, sizeof(rnd));
	lc_hex_encode(hex, rnd, sizeof(rnd));
	if ((size_t)snprintf(t->name, sizeof(t->name), ".%s.%s.tmp", target, hex) >=
	    sizeof(t->name))
		return lc_err_setc(err, AG_E_BAD, "name too long: '%s'", target);
	t->fd = openat(dir->fd, t->name,
		       O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (t->fd < 0)
		return fail_errno(err, "create a temporary file for", dir, target);
	return 0;
}

int ag_tmp_write(struct ag_tmp *t, const void *p, size_t n, struct lc_err *err)
{
	const char *c = p;

	while (n) {
		ssize_t w = write(t->fd, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return fail_errno(err, "write", t->dir, t->target);
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

void ag_tmp_abort(struct ag_tmp *t)
{
	if (t->fd < 0)
		return;
	close(t->fd);
	t->fd = -1;
	if (unlinkat(t->dir->fd, t->name, 0) < 0 && errno != ENOENT)
		fprintf(stderr, "lattice-agent: cannot remove '%s/%s': %s\n",
			t->dir->path, t->name, strerror(errno));
}

int ag_tmp_commit(struct ag_tmp *t, unsigned mode, struct lc_err *err)
{
	int rc;

	if (fchmod(t->fd, mode) < 0) {
		rc = fail_errno(err, "chmod", t->dir, t->target);
		goto fail;
	}
	/* Owned by root (the agent's user) whatever the directory's group. */
	if (fchown(t->fd, geteuid(), getegid()) < 0) {
		rc = fail_errno(err, "chown", t->dir, t->target);
		goto fail;
	}
	if (fsync(t->fd) < 0) {
		rc = fail_errno(err, "sync", t->dir, t->target);
		goto fail;
	}
	if (close(t->fd) < 0) {
		t->fd = -1;
		rc = fail_errno(err, "close", t->dir, t->target);
		unlinkat(t->dir->fd, t->name, 0);
		return rc;
	}
	t->fd = -1;
	if (renameat(t->dir->fd, t->name, t->dir->fd, t->target) < 0) {
		rc = fail_errno(err, "rename into place", t->dir, t->target);
		unlinkat(t->dir->fd, t->name, 0);
		return rc;
	}
	if (fsync(t->dir->fd) < 0)
		return lc_err_setc(err, ag_errno_code(errno), "cannot sync '%s': %s",
				   t->dir->path, strerror(errno));
	return 0;
fail:
	ag_tmp_abort(t);
	return rc;
}

int ag_write_at(const struct ag_dir *dir, const char *name, const void *data,
		size_t len, unsigned mode, struct lc_err *err)
{
	struct ag_tmp t;
	int rc;

	if ((rc = ag_tmp_open(&t, dir, name, err)))
		return rc;
	if ((rc = ag_tmp_write(&t, data, len, err))) {
		ag_tmp_abort(&t);
		return rc;
	}
	return ag_tmp_commit(&t, mode, err);
}

int ag_stat_at(const struct ag_dir *dir, const char *name, struct stat *st,
	       struct lc_err *err)
{
	if (fstatat(dir->fd, name, st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		return lc_err_set(err, "cannot stat '%s/%s': %s", dir->path, name,
				  strerror(errno));
	}
	if (S_ISLNK(st->st_mode))
		return lc_err_setc(err, AG_E_BAD, "refusing '%s/%s': it is a symlink",
				   dir->path, name);
	return 1;
}

int ag_hash_fd(int fd, unsigned char out[32], uint64_t *size, struct lc_err *err)
{
	if (lc_sha256_fd(fd, out, size)) {
		lc_err_set(err, "cannot read: %s", strerror(errno));
		return AG_E_IO;
	}
	return 0;
}

/* Empty the directory open as fd; depth bounds the recursion. */
static int empty_dir(int fd, const char *path, unsigned *count, int depth,
		     struct lc_err *err);

static int remove_entry(int dfd, const char *name, const char *path,
			unsigned *count, int depth, struct lc_err *err)
{
	char sub[PATH_MAX];
	struct stat st;
	int fd, rc;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		return lc_err_set(err, "cannot stat '%s/%s': %s", path, name,
				  strerror(errno));
	}
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
			return lc_err_set(err, "cannot remove '%s/%s': %s", path, name,
					  strerror(errno));
		(*count)++;
		return 0;
	}
	if (depth >= AG_TREE_DEPTH)
		return lc_err_set(err, "cannot remove '%s/%s': nested too deep", path, name);
	snprintf(sub, sizeof(sub), "%s/%s", path, name);
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return lc_err_set(err, "cannot open '%s': %s", sub, strerror(errno));
	rc = empty_dir(fd, sub, count, depth + 1, err);
	if (!rc && unlinkat(dfd, name, AT_REMOVEDIR) < 0)
		rc = lc_err_set(err, "cannot remove '%s': %s", sub, strerror(errno));
	return rc;
}

static int empty_dir(int fd, const char *path, unsigned *count, int depth,
		     struct lc_err *err)
{
	struct dirent *de;
	DIR *d;
	int rc = 0;

	/* fdopendir takes fd; closedir closes it. */
	if (!(d = fdopendir(fd))) {
		close(fd);
		return lc_err_set(err, "cannot read '%s': %s", path, strerror(errno));
	}
	while ((errno = 0, de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if ((rc = remove_entry(dirfd(d), de->d_name, path, count, depth, err)))
			goto out;
	}
	if (errno)
		rc = lc_err_set(err, "cannot read '%s': %s", path, strerror(errno));
out:
	closedir(d);
	return rc;
}

int ag_remove_tree(int dfd, const char *name, const char *path, unsigned *count,
		   struct lc_err *err)
{
	return remove_entry(dfd, name, path, count, 0, err);
}

int ag_read_at(const struct ag_dir *dir, const char *name, struct lc_buf *out,
	       size_t max, struct lc_err *err)
{
	char chunk[4096];
	struct stat st;
	ssize_t n;
	int fd, rc = 0;

	lc_buf_reset(out);
	fd = openat(dir->fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return lc_err_setc(err, AG_E_NOTFOUND, "'%s/%s' does not exist",
					   dir->path, name);
		if (errno == ELOOP)
			return lc_err_setc(err, AG_E_BAD, "refusing '%s/%s': it is a symlink",
					   dir->path, name);
		return fail_errno(err, "open", dir, name);
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		rc = lc_err_set(err, "'%s/%s' is not a regular file", dir->path, name);
		goto out;
	}
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = fail_errno(err, "read", dir, name);
			goto out;
		}
		if (n == 0)
			break;
		if (out->len + (size_t)n > max || lc_buf_add(out, chunk, (size_t)n)) {
			rc = lc_err_setc(err, LC_ERR_TOOBIG, "'%s/%s' is larger than %zu bytes",
					 dir->path, name, max);
			goto out;
		}
	}
out:
	close(fd);
	return rc;
}


int ag_remove_where(int area, const char *lattice, ag_name_pred want, const void *arg,
		    unsigned *count, struct lc_err *err)
{
	struct ag_dir d = { .fd = -1 };
	struct dirent *de;
	DIR *dir = NULL;
	unsigned before = *count;
	int rc;

	rc = ag_dir_list(&d, &dir, area, lattice, err);
	if (rc == AG_E_NOTFOUND)
		return 0;
	if (rc)
		return rc;
	while ((errno = 0, de = readdir(dir))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    !want(de->d_name, arg))
			continue;
		if ((rc = ag_remove_tree(d.fd, de->d_name, d.path, count, err)))
			goto out;
	}
	if (errno) {
		rc = lc_err_set(err, "cannot read '%s': %s", d.path, strerror(errno));
		goto out;
	}
	if (*count != before && fsync(d.fd) < 0)
		rc = lc_err_set(err, "cannot sync '%s': %s", d.path, strerror(errno));
out:
	if (dir)
		closedir(dir);
	ag_dir_close(&d);
	return rc;
}
