/* ops_lock.c - lock and unlock: one holder per lattice on a host, recorded in <run>/<lattice>/lock. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "agent.h"
#include "hex.h"
#include "banned.h"

#define LOCK_NAME "lock"
#define LOCK_MAX 4096

struct lock_info {
	char holder[AG_HOLDER_MAX + 1];
	char manifest[65];
	uint64_t pid, time;
};

/* A manifest hash in lowercase into out[65]; -1 when it is not 64 hex digits. */
static int manifest_hash(const char *s, char out[65])
{
	unsigned char h[32];

	if (strlen(s) != 64 || lc_hex_decode(h, sizeof(h), s))
		return -1;
	lc_hex_encode(out, h, sizeof(h));
	return 0;
}

/* The recorded lock: 0, AG_E_NOTFOUND when there is none, or another code. */
static int read_lock(const struct ag_dir *d, struct lock_info *li, struct lc_err *err)
{
	char buf[LOCK_MAX + 1];
	const cJSON *h, *m;
	cJSON *o = NULL;
	size_t len = 0;
	ssize_t n;
	int fd, rc = AG_E_IO;

	fd = openat(d->fd, LOCK_NAME, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return lc_err_setc(err, AG_E_NOTFOUND, "no lock in '%s'", d->path);
		return lc_err_set(err, "cannot open '%s/%s': %s", d->path, LOCK_NAME,
				  strerror(errno));
	}
	while (len < sizeof(buf) - 1) {
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			lc_err_set(err, "cannot read '%s/%s': %s", d->path, LOCK_NAME,
				   strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	o = cJSON_ParseWithLength(buf, len);
	h = cJSON_GetObjectItemCaseSensitive(o, "holder");
	m = cJSON_GetObjectItemCaseSensitive(o, "manifest");
	if (!cJSON_IsString(h) || !ag_holder_ok(h->valuestring) || !cJSON_IsString(m) ||
	    manifest_hash(m->valuestring, li->manifest) || ag_json_uint(cJSON_GetObjectItemCaseSensitive(o, "pid"), &li->pid) ||
	    ag_json_uint(cJSON_GetObjectItemCaseSensitive(o, "time"), &li->time)) {
		lc_err_set(err, "the lock '%s/%s' is corrupt", d->path, LOCK_NAME);
		goto out;
	}
	snprintf(li->holder, sizeof(li->holder), "%s", h->valuestring);
	rc = 0;
out:
	cJSON_Delete(o);
	close(fd);
	return rc;
}

static int lock_members(cJSON *o, const struct lock_info *li)
{
	return ag_set_str(o, "holder", li->holder) || ag_set_num(o, "pid", (double)li->pid) ||
	       ag_set_num(o, "time", (double)li->time) ||
	       ag_set_str(o, "manifest", li->manifest);
}

/* Refuse: held by another; the error carries who holds it. */
static int held_by_other(struct ag_req *r, const char *lattice, const struct lock_info *li,
			 struct lc_err *err)
{
	if (!(r->err_extra = cJSON_CreateObject()) || lock_members(r->err_extra, li))
		return lc_err_set(err, "out of memory");
	return lc_err_setc(err, AG_E_LOCKED, "lattice '%s' is locked by '%s'", lattice,
			   li->holder);
}

int ag_op_lock(struct ag_req *r, struct lc_err *err)
{
	struct ag_dir d = { .fd = -1 };
	struct lock_info old, now;
	const char *lattice, *holder, *manifest;
	char *text = NULL;
	int brk, broken = 0, rc;
	cJSON *o = NULL, *b;

	if (!(lattice = ag_req_lattice(r, err)) || !(holder = ag_req_str(r, "holder", err)) ||
	    ag_req_uint(r, "pid", &now.pid, err) ||
	    !(manifest = ag_req_str(r, "manifest", err)) ||
	    ag_req_bool(r, "break", 0, &brk, err))
		return err->code;
	if (!ag_holder_ok(holder))
		return lc_err_setc(err, AG_E_BAD, "'holder' must be 1 to %d printable characters",
				   AG_HOLDER_MAX);
	if (manifest_hash(manifest, now.manifest))
		return lc_err_setc(err, AG_E_BAD, "'manifest' must be 64 hex digits");
	snprintf(now.holder, sizeof(now.holder), "%s", holder);
	now.time = (uint64_t)time(NULL);
	if ((rc = ag_dir_open(&d, AG_AREA_RUN, lattice, AG_DIR_CREATE, err)))
		return rc;
	/* Against another agent on this host taking it at the same moment. */
	if (flock(d.fd, LOCK_EX) < 0) {
		rc = lc_err_set(err, "cannot flock '%s': %s", d.path, strerror(errno));
		goto out;
	}
	rc = read_lock(&d, &old, err);
	if (!rc && strcmp(old.holder, holder)) {
		if (!brk) {
			rc = held_by_other(r, lattice, &old, err);
			goto out;
		}
		broken = 1;
	} else if (rc && rc != AG_E_NOTFOUND && !brk) {
		goto out;
	}
	if (!(o = cJSON_CreateObject()) || lock_members(o, &now) ||
	    !(text = cJSON_PrintUnformatted(o))) {
		rc = lc_err_set(err, "out of memory");
		goto out;
	}
	if ((rc = ag_write_at(&d, LOCK_NAME, text, strlen(text), 0644, err)))
		goto out;
	if (broken)
		fprintf(stderr, "lattice-agent: lock of '%s' broken: was held by '%s'\n",
			lattice, old.holder);
	if (ag_set_num(r->reply, "time", (double)now.time) ||
	    (broken && (!(b = cJSON_AddObjectToObject(r->reply, "broken")) ||
			lock_members(b, &old))))
		rc = lc_err_set(err, "out of memory");
out:
	cJSON_free(text);
	cJSON_Delete(o);
	ag_dir_close(&d); /* and with it the flock */
	return rc;
}

int ag_op_unlock(struct ag_req *r, struct lc_err *err)
{
	struct ag_dir d = { .fd = -1 };
	const char *lattice, *holder;
	struct lock_info cur;
	int rc;

	if (!(lattice = ag_req_lattice(r, err)) || !(holder = ag_req_str(r, "holder", err)))
		return err->code;
	rc = ag_dir_open(&d, AG_AREA_RUN, lattice, 0, err);
	if (rc == AG_E_NOTFOUND)
		return lc_err_setc(err, AG_E_NOTFOUND, "lattice '%s' is not locked", lattice);
	if (rc)
		return rc;
	if (flock(d.fd, LOCK_EX) < 0) {
		rc = lc_err_set(err, "cannot flock '%s': %s", d.path, strerror(errno));
		goto out;
	}
	if ((rc = read_lock(&d, &cur, err))) {
		if (rc == AG_E_NOTFOUND)
			lc_err_setc(err, AG_E_NOTFOUND, "lattice '%s' is not locked", lattice);
		goto out;
	}
	if (strcmp(cur.holder, holder)) {
		rc = held_by_other(r, lattice, &cur, err);
		goto out;
	}
	if (unlinkat(d.fd, LOCK_NAME, 0) < 0 || fsync(d.fd) < 0)
		rc = lc_err_set(err, "cannot remove '%s/%s': %s", d.path, LOCK_NAME,
				strerror(errno));
out:
	ag_dir_close(&d);
	return rc;
}
