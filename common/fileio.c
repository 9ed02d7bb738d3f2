/* fileio.c - bounded whole-file reads. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "banned.h"

int lc_read_file(struct lc_buf *out, const char *path, size_t max,
		 struct lc_err *err)
{
	struct stat st;
	int fd, rc = -1;
	ssize_t n;

	lc_buf_reset(out);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		int code = errno == ENOENT ? LC_ERR_NOTFOUND : LC_ERR_FAIL;
		return lc_err_setc(err, code, "cannot open '%s': %s", path,
				   strerror(errno));
	}
	if (fstat(fd, &st) < 0) {
		lc_err_set(err, "cannot stat '%s': %s", path, strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		lc_err_set(err, "cannot read '%s': is a directory", path);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		lc_err_set(err, "cannot read '%s': not a regular file", path);
		goto out;
	}
	if ((size_t)st.st_size > max) {
		rc = lc_err_setc(err, LC_ERR_TOOBIG,
				 "cannot read '%s': %lld bytes is over the limit of %zu",
				 path, (long long)st.st_size, max);
		goto out;
	}
	for (;;) {
		/* Read one past the limit so a file that grew is still caught. */
		if (out->len > max) {
			rc = lc_err_setc(err, LC_ERR_TOOBIG,
					 "cannot read '%s': over the limit of %zu bytes",
					 path, max);
			goto out;
		}
		if (lc_buf_grow(out, 65536)) {
			lc_err_set(err, "cannot read '%s': out of memory", path);
			goto out;
		}
		n = read(fd, out->ptr + out->len, 65536);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			lc_err_set(err, "cannot read '%s': %s", path,
				   strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		out->len += (size_t)n;
		out->ptr[out->len] = '\0';
	}
	rc = 0;
out:
	close(fd);
	return rc;
}

int lc_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	size_t off = 0;

	while (off < len) {
		ssize_t n = write(fd, p + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		off += (size_t)n;
	}
	return 0;
}

int lc_write_file_atomic(const char *path, const void *data, size_t len,
			 unsigned mode, struct lc_err *err)
{
	char tmp[4096], dir[4096];
	const char *slash;
	int fd, dfd, rc = -1;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", path, (long)getpid()) >= sizeof(tmp))
		return lc_err_set(err, "path too long: '%s'", path);
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return lc_err_set(err, "cannot create '%s': %s", tmp, strerror(errno));
	if (lc_write_all(fd, data, len)) {
		lc_err_set(err, "cannot write '%s': %s", path, strerror(errno));
		goto fail;
	}
	if (fsync(fd) < 0) {
		lc_err_set(err, "cannot sync '%s': %s", path, strerror(errno));
		goto fail;
	}
	close(fd);
	fd = -1;
	if (rename(tmp, path) < 0) {
		lc_err_set(err, "cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
		goto fail;
	}
	slash = strrchr(path, '/');
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1,
		 slash ? path : ".");
	if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) < 0)
		rc = lc_err_set(err, "cannot sync directory '%s': %s", dir, strerror(errno));
	else
		rc = 0;
	if (dfd >= 0)
		close(dfd);
	return rc;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return -1;
}
