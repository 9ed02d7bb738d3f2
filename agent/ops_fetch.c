/* ops_fetch.c - fetch: a program downloaded by the host itself from its URL, checked against its sha256 before it is installed. */
#include <dirent.h>
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

#define URL_MAX 2048
#define FETCH_MAX (4ULL << 30)   /* a program is tens of MiB; never past 4 GiB */
#define TIMEOUT_DEFAULT 600
#define TIMEOUT_MAX 86400

/* An http(s) URL of printable ASCII without spaces (it goes to argv). */
static int url_ok(const char *u)
{
	size_t i, n = strlen(u);

	if (n > URL_MAX || (strncmp(u, "https://", 8) && strncmp(u, "http://", 7)))
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)u[i] <= 0x20 || (unsigned char)u[i] >= 0x7f)
			return 0;
	return 1;
}

/* The sha256 of name in d when it is a regular file of ours with the
 * area's mode: 1 and *size set, 0 when absent or anything else, or a
 * negative code. */
static int have_file(const struct ag_dir *d, const char *lattice, const char *name,
		     unsigned mode, unsigned char sha[32], uint64_t *size, struct lc_err *err)
{
	struct stat st;
	int fd, rc;

	if ((rc = ag_stat_at(d, name, &st, err)) <= 0)
		return rc;
	if (!S_ISREG(st.st_mode) || (st.st_mode & 07777) != mode ||
	    st.st_uid != geteuid() || st.st_gid != getegid())
		return 0;
	fd = openat(d->fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : lc_err_set(err, "cannot open '%s/%s': %s",
							d->path, name, strerror(errno));
	rc = ag_hash_known(lattice, AG_AREA_BIN, name, fd, &st, sha, size, err);
	close(fd);
	if (rc)
		lc_err_prefix(err, "'%s/%s'", d->path, name);
	return rc ? rc : 1;
}

/* Another program of the lattice with the wanted content, whose name
 * goes to from: 1, 0 for none, or a negative code. */
static int find_sibling(const struct ag_dir *d, const char *lattice, const char *name,
			const unsigned char want[32], char *from, size_t n,
			struct lc_err *err)
{
	unsigned char sha[32];
	struct dirent *e;
	uint64_t size;
	DIR *dir;
	int fd, rc = 0;

	if ((fd = openat(d->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    !(dir = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return 0; /* unreadable: only costs the download */
	}
	while ((e = readdir(dir))) {
		if (e->d_name[0] == '.' || !strcmp(e->d_name, name) || !ag_name_ok(e->d_name))
			continue;
		rc = have_file(d, lattice, e->d_name, ag_area_file_mode(AG_AREA_BIN), sha, &size,
			       err);
		if (rc < 0) {
			lc_err_clear(err);
			rc = 0;
			continue;
		}
		if (rc == 1 && !sodium_memcmp(sha, want, 32)) {
			snprintf(from, n, "%.128s", e->d_name);
			break;
		}
		rc = 0;
	}
	closedir(dir);
	return rc;
}

/* Copy d/from into t, hashing it into sha. */
static int copy_sibling(struct ag_tmp *t, const struct ag_dir *d, const char *from,
			unsigned char sha[32], uint64_t *size, struct lc_err *err)
{
	unsigned char *buf = malloc(AG_CHUNK);
	struct lc_sha256 h;
	ssize_t n;
	int fd, rc = 0;

	*size = 0;
	if (!buf)
		return lc_err_set(err, "out of memory");
	if ((fd = openat(d->fd, from, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		free(buf);
		return lc_err_set(err, "cannot open '%s/%s': %s", d->path, from, strerror(errno));
	}
	lc_sha256_init(&h);
	while ((n = read(fd, buf, AG_CHUNK)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = lc_err_set(err, "cannot read '%s/%s': %s", d->path, from,
					strerror(errno));
			break;
		}
		lc_sha256_update(&h, buf, (size_t)n);
		*size += (uint64_t)n;
		if ((rc = ag_tmp_write(t, buf, (size_t)n, err)))
			break;
	}
	lc_sha256_final(&h, sha);
	close(fd);
	free(buf);
	return rc;
}

int ag_op_fetch(struct ag_req *r, struct lc_err *err)
{
	struct ag_dir d = { .fd = -1 };
	struct ag_tmp t = { .fd = -1 };
	unsigned char want[32], got[32];
	const char *lattice, *name, *hex, *url, *tool = "";
	char gothex[65], from[AG_NAME_MAX + 1];
	uint64_t max = FETCH_MAX, timeout = TIMEOUT_DEFAULT, size = 0;
	unsigned mode;
	int area, rc;

	if (!(lattice = ag_req_lattice(r, err)) || (area = ag_req_area(r, err)) < 0 ||
	    !(name = ag_req_str(r, "name", err)) || !(hex = ag_req_str(r, "sha256", err)) ||
	    !(url = ag_req_str(r, "url", err)))
		return err->code;
	if (area != AG_AREA_BIN)
		return lc_err_setc(err, AG_E_BAD, "only programs (area bin) are fetched");
	if (!ag_name_ok(name))
		return lc_err_setc(err, AG_E_BAD, "'%.140s' is not an allowed file name", name);
	if (strlen(hex) != 64 || lc_hex_decode(want, sizeof(want), hex))
		return lc_err_setc(err, AG_E_BAD, "'sha256' must be 64 hex digits");
	if (!url_ok(url))
		return lc_err_setc(err, AG_E_BAD, "'url' must be an http or https URL of at "
				   "most %d printable characters", URL_MAX);
	if (ag_req_has(r, "max_size") && ag_req_uint(r, "max_size", &max, err))
		return err->code;
	if (ag_req_has(r, "timeout_s") &&
	    (ag_req_uint(r, "timeout_s", &timeout, err) || timeout == 0 || timeout > TIMEOUT_MAX))
		return lc_err_setc(err, AG_E_BAD, "'timeout_s' must be 1 to %d seconds",
				   TIMEOUT_MAX);
	mode = ag_area_file_mode(area);
	if ((rc = ag_dir_open(&d, area, lattice, AG_DIR_CREATE, err)))
		return rc;
	from[0] = '\0';
	/* The host's cache by hash: the file itself, then the lattice's
	 * other programs; only then the network. */
	if ((rc = have_file(&d, lattice, name, mode, got, &size, err)) < 0)
		goto out;
	if (rc == 1 && !sodium_memcmp(got, want, sizeof(want))) {
		rc = 0;
		goto reply;
	}
	if ((rc = find_sibling(&d, lattice, name, want, from, sizeof(from), err)) < 0)
		goto out;
	if ((rc = ag_tmp_open(&t, &d, name, err)))
		goto out;
	if (from[0])
		rc = copy_sibling(&t, &d, from, got, &size, err);
	else
		rc = ag_fetch_url(&t, url, max, (unsigned)timeout, got, &size, &tool, err);
	if (rc)
		goto out;
	if (sodium_memcmp(got, want, sizeof(got))) {
		/* Checked before anything is installed: the temporary file goes. */
		lc_hex_encode(gothex, got, sizeof(got));
		rc = lc_err_setc(err, AG_E_MISMATCH, "the %llu bytes %s for '%s' have sha256 "
				 "%s, not the announced %s: refused, nothing installed",
				 (unsigned long long)size, from[0] ? "copied" : "downloaded",
				 name, gothex, hex);
		if ((r->err_extra = cJSON_CreateObject()))
			if (ag_set_str(r->err_extra, "sha256", gothex) ||
			    ag_set_num(r->err_extra, "size", (double)size))
				rc = lc_err_set(err, "out of memory");
		goto out;
	}
	if ((rc = ag_tmp_commit(&t, mode, err)))
		goto out;
	{
		struct stat fst;

		if (fstatat(d.fd, name, &fst, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(fst.st_mode))
			ag_hash_remember(lattice, area, name, &fst, got);
	}
reply:
	lc_hex_encode(gothex, got, sizeof(got));
	if (ag_set_str(r->reply, "sha256", gothex) || ag_set_num(r->reply, "size", (double)size) ||
	    ag_set_bool(r->reply, "changed", t.target != NULL) ||
	    ag_set_bool(r->reply, "fetched", t.target && !from[0]) ||
	    (from[0] && ag_set_str(r->reply, "from", from)) ||
	    (tool[0] && ag_set_str(r->reply, "tool", tool)))
		rc = lc_err_set(err, "out of memory");
out:
	ag_tmp_abort(&t);
	ag_dir_close(&d);
	return rc;
}
