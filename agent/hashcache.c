/* hashcache.c - a file's sha256 remembered by its identity, so `stat` does not hash an unchanged file again. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "buf.h"
#include "hex.h"
#include "banned.h"

/*
 * One record per (area, name) in /run/lattice/<lattice>/hashes/<area>.<name>:
 * "v1 <dev> <ino> <size> <mtime> <ctime> <sha256>\n".  A record counts only
 * while the file's device, inode, size, mtime and ctime are all as
 * recorded; a write, a rename over the file, a chmod or chown changes the
 * ctime, which no one can set back.  The records are lost at a reboot
 * (/run), which only costs hashing again.
 */

static int open_hashes(struct ag_dir *hd, const char *lattice, int create)
{
	struct ag_dir rd;
	struct lc_err err;

	hd->fd = -1;
	lc_err_clear(&err);
	if (ag_dir_open(&rd, AG_AREA_RUN, lattice, create ? AG_DIR_CREATE : 0, &err))
		return -1;
	if (create && mkdirat(rd.fd, "hashes", 0700) < 0 && errno != EEXIST) {
		ag_dir_close(&rd);
		return -1;
	}
	hd->fd = openat(rd.fd, "hashes", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	snprintf(hd->path, sizeof(hd->path), "%.4000s/hashes", rd.path);
	ag_dir_close(&rd);
	return hd->fd < 0 ? -1 : 0;
}

static void record_prefix(char *out, size_t size, const struct stat *st)
{
	snprintf(out, size, "v1 %llx %llx %lld %lld.%09ld %lld.%09ld ",
		 (unsigned long long)st->st_dev, (unsigned long long)st->st_ino,
		 (long long)st->st_size, (long long)st->st_mtim.tv_sec,
		 (long)st->st_mtim.tv_nsec, (long long)st->st_ctim.tv_sec,
		 (long)st->st_ctim.tv_nsec);
}

int ag_hash_lookup(const char *lattice, int area, const char *name,
		   const struct stat *st, unsigned char out[32])
{
	char key[AG_NAME_MAX + 8], want[160];
	struct ag_dir hd;
	struct lc_buf b;
	struct lc_err err;
	size_t n;
	int rc = -1;

	if (open_hashes(&hd, lattice, 0))
		return -1;
	snprintf(key, sizeof(key), "%d.%s", area, name);
	record_prefix(want, sizeof(want), st);
	n = strlen(want);
	lc_buf_init(&b, 512);
	lc_err_clear(&err);
	if (ag_read_at(&hd, key, &b, 512, &err) == 0 && b.len == n + 65 &&
	    !memcmp(b.ptr, want, n) && b.ptr[n + 64] == '\n' &&
	    lc_hex_decode_n(out, 32, b.ptr + n) == 0)
		rc = 0;
	lc_buf_release(&b);
	ag_dir_close(&hd);
	return rc;
}

void ag_hash_remember(const char *lattice, int area, const char *name,
		      const struct stat *st, const unsigned char sha[32])
{
	char key[AG_NAME_MAX + 8], text[240];
	struct ag_dir hd;
	struct lc_err err;
	size_t n;

	if (open_hashes(&hd, lattice, 1))
		return;
	snprintf(key, sizeof(key), "%d.%s", area, name);
	record_prefix(text, sizeof(text) - 66, st);
	n = strlen(text);
	lc_hex_encode(text + n, sha, 32);
	text[n + 64] = '\n';
	lc_err_clear(&err);
	ag_write_at(&hd, key, text, n + 65, 0600, &err);
	ag_dir_close(&hd);
}
