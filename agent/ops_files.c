/* ops_files.c - stat and put: what is there, and atomic streamed writes checked by sha256. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "agent.h"
#include "hex.h"
#include "sha256.h"
#include "banned.h"

/* Open name in dir for reading, never through a symlink: fd, or a code
 * (AG_E_NOTFOUND when absent). */
static int open_regular(const struct ag_dir *d, const char *name, struct stat *st,
			struct lc_err *err)
{
	int fd, e;

	fd = openat(d->fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		if (e == ENOENT)
			return lc_err_setc(err, AG_E_NOTFOUND, "'%s/%s' does not exist",
					   d->path, name);
		if (e == ELOOP)
			return lc_err_setc(err, AG_E_BAD, "refusing '%s/%s': it is a symlink",
					   d->path, name);
		return lc_err_setc(err, ag_errno_code(e), "cannot open '%s/%s': %s",
				   d->path, name, strerror(e));
	}
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
		close(fd);
		return lc_err_setc(err, AG_E_IO, "'%s/%s' is not a regular file",
				   d->path, name);
	}
	return fd;
}

int ag_hash_known(const char *lattice, int area, const char *name, int fd,
		      const struct stat *st, unsigned char sha[32], uint64_t *size,
		      struct lc_err *err)
{
	int rc;

	if (ag_hash_lookup(lattice, area, name, st, sha) == 0) {
		*size = (uint64_t)st->st_size;
		return 0;
	}
	if ((rc = ag_hash_fd(fd, sha, size, err)) == 0 && *size == (uint64_t)st->st_size)
		ag_hash_remember(lattice, area, name, st, sha);
	return rc;
}

static int stat_one(const struct ag_dir *d, const char *lattice, int area,
		    const char *name, cJSON *files, struct lc_err *err)
{
	unsigned char sha[32];
	char hex[65], mode[8];
	struct stat st;
	uint64_t size;
	cJSON *f;
	int fd, rc;

	if (d->fd < 0)
		return cJSON_AddNullToObject(files, name) ? 0 : lc_err_set(err, "out of memory");
	fd = open_regular(d, name, &st, err);
	if (fd == AG_E_NOTFOUND)
		return cJSON_AddNullToObject(files, name) ? 0 : lc_err_set(err, "out of memory");
	if (fd < 0)
		return fd;
	rc = ag_hash_known(lattice, area, name, fd, &st, sha, &size, err);
	close(fd);
	if (rc) {
		lc_err_prefix(err, "'%s/%s'", d->path, name);
		return rc;
	}
	lc_hex_encode(hex, sha, sizeof(sha));
	snprintf(mode, sizeof(mode), "%04o", (unsigned)(st.st_mode & 07777));
	if (!(f = cJSON_AddObjectToObject(files, name)) || ag_set_str(f, "sha256", hex) ||
	    ag_set_num(f, "size", (double)size) || ag_set_str(f, "mode", mode))
		return lc_err_set(err, "out of memory");
	return 0;
}

int ag_op_stat(struct ag_req *r, struct lc_err *err)
{
	struct ag_dir d = { .fd = -1 };
	const cJSON *names, *n;
	const char *lattice;
	cJSON *files;
	int area, rc;

	if (!(lattice = ag_req_lattice(r, err)) || (area = ag_req_area(r, err)) < 0)
		return err->code;
	if (!(names = ag_req_names(r, err)))
		return err->code;
	if (!(files = cJSON_AddObjectToObject(r->reply, "files")))
		return lc_err_set(err, "out of memory");
	rc = ag_dir_open(&d, area, lattice, 0, err);
	if (rc && rc != AG_E_NOTFOUND)
		return rc;
	rc = 0;
	cJSON_ArrayForEach(n, names) {
		if (cJSON_GetObjectItemCaseSensitive(files, n->valuestring))
			continue;
		if ((rc = stat_one(&d, lattice, area, n->valuestring, files, err)))
			break;
	}
	ag_dir_close(&d);
	return rc;
}

/* 1 when name already has exactly this content, mode and owner; 0 when
 * it must be written; or a negative code. */
static int already_there(const struct ag_dir *d, const char *lattice, int area,
			 const char *name, const unsigned char want[32], uint64_t size,
			 unsigned mode, struct lc_err *err)
{
	unsigned char sha[32];
	struct stat st;
	uint64_t got;
	int fd, rc;

	if ((rc = ag_stat_at(d, name, &st, err)) <= 0)
		return rc;
	if (!S_ISREG(st.st_mode))
		return lc_err_set(err, "'%s/%s' is not a regular file", d->path, name);
	if ((uint64_t)st.st_size != size || (st.st_mode & 07777) != mode ||
	    st.st_uid != geteuid() || st.st_gid != getegid())
		return 0;
	if ((fd = open_regular(d, name, &st, err)) < 0)
		return fd;
	rc = ag_hash_known(lattice, area, name, fd, &st, sha, &got, err);
	close(fd);
	if (rc) {
		lc_err_prefix(err, "'%s/%s'", d->path, name);
		return rc;
	}
	return got == size && !sodium_memcmp(sha, want, sizeof(sha));
}

int ag_op_put(struct ag_req *r, struct lc_err *err)
{
	struct ag_dir d = { .fd = -1 };
	struct ag_tmp t = { .fd = -1 };
	unsigned char want[32], got[32], *buf = NULL;
	struct lc_sha256 st;
	const char *lattice, *name, *hex;
	char gothex[65];
	int area, same, rc;
	unsigned mode;
	ssize_t n;

	if (!(lattice = ag_req_lattice(r, err)) || (area = ag_req_area(r, err)) < 0 ||
	    !(name = ag_req_str(r, "name", err)) || !(hex = ag_req_str(r, "sha256", err)))
		return err->code;
	if (!ag_name_ok(name))
		return lc_err_setc(err, AG_E_BAD, "'%.140s' is not an allowed file name", name);
	if (strlen(hex) != 64 || lc_hex_decode(want, sizeof(want), hex))
		return lc_err_setc(err, AG_E_BAD, "'sha256' must be 64 hex digits");
	if (!r->has_size)
		return lc_err_setc(err, AG_E_BAD, "'size' must be a non-negative integer");
	mode = ag_area_file_mode(area);
	if ((rc = ag_dir_open(&d, area, lattice, AG_DIR_CREATE, err)))
		return rc;
	if ((rc = same = already_there(&d, lattice, area, name, want, r->size, mode, err)) < 0)
		goto out;
	rc = 0;
	if (!same && (rc = ag_tmp_open(&t, &d, name, err)))
		goto out;
	if (!(buf = malloc(AG_CHUNK))) {
		rc = lc_err_set(err, "out of memory");
		goto out;
	}
	/* Stream: hash every byte; write them unless the file is already right. */
	lc_sha256_init(&st);
	while ((n = ag_body_read(r, buf, AG_CHUNK, err)) > 0) {
		lc_sha256_update(&st, buf, (size_t)n);
		if (!same && (rc = ag_tmp_write(&t, buf, (size_t)n, err)))
			goto out;
	}
	if (n < 0) {
		rc = (int)n;
		goto out;
	}
	lc_sha256_final(&st, got);
	if (sodium_memcmp(got, want, sizeof(got))) {
		rc = lc_err_setc(err, AG_E_MISMATCH,
				 "the bytes for '%s' do not have the announced sha256", name);
		goto out;
	}
	if (!same && (rc = ag_tmp_commit(&t, mode, err)))
		goto out;
	if (!same) {
		struct stat fst;

		if (fstatat(d.fd, name, &fst, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(fst.st_mode))
			ag_hash_remember(lattice, area, name, &fst, got);
	}
	lc_hex_encode(gothex, got, sizeof(got));
	if (ag_set_str(r->reply, "sha256", gothex) || ag_set_bool(r->reply, "changed", !same))
		rc = lc_err_set(err, "out of memory");
out:
	ag_tmp_abort(&t);
	sodium_memzero(&st, sizeof(st));
	if (buf) {
		sodium_memzero(buf, AG_CHUNK);
		free(buf);
	}
	ag_dir_close(&d);
	return rc;
}
