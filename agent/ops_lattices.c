/* ops_lattices.c - the lattices a host carries and the loopback metrics port of each of their roles, from their env files: how two lattices on one host see each other's ports. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "agent.h"
#include "buf.h"
#include "banned.h"

#define PORT_KEY "LATTICE_METRICS_PORT="

/* The port an env file sets, or 0. */
static long port_of(const struct lc_buf *b)
{
	const char *p = b->ptr, *end = b->ptr + b->len;
	size_t klen = strlen(PORT_KEY);
	char *e;
	long v;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if ((size_t)(end - p) > klen && !strncmp(p, PORT_KEY, klen)) {
			v = strtol(p + klen, &e, 10);
			if (e != p + klen && v > 0 && v < 65536)
				return v;
		}
		p = nl ? nl + 1 : end;
	}
	return 0;
}

/* Every role env file of lattice, as "role": port into o. */
static int lattice_ports(cJSON *o, const char *lattice, struct lc_err *err)
{
	struct ag_dir d = { .fd = -1 };
	struct lc_buf b;
	struct dirent *de;
	DIR *dir = NULL;
	char role[AG_NAME_MAX + 1];
	size_t n;
	long port;
	int rc;

	lc_buf_init(&b, 1 << 16);
	rc = ag_dir_list(&d, &dir, AG_AREA_ENV, lattice, err);
	if (rc == AG_E_NOTFOUND) {
		lc_err_clear(err);
		rc = 0;
		goto out;
	}
	if (rc)
		goto out;
	while ((errno = 0, de = readdir(dir))) {
		n = strlen(de->d_name);
		if (n <= 4 || n > AG_NAME_MAX || strcmp(de->d_name + n - 4, ".env") ||
		    !ag_name_ok(de->d_name))
			continue;
		memcpy(role, de->d_name, n - 4);
		role[n - 4] = '\0';
		if (!ag_role_ok(role) || !strcmp(role, "common"))
			continue;
		/* Another lattice's odd file (a symlink, a huge one, one
		 * removed meanwhile) is not ours to fail on: skipped. */
		if ((rc = ag_read_at(&d, de->d_name, &b, 1 << 16, err))) {
			if (rc == LC_ERR_NOMEM)
				goto out;
			lc_err_clear(err);
			rc = 0;
			continue;
		}
		if ((port = port_of(&b)) && !cJSON_AddNumberToObject(o, role, (double)port)) {
			rc = lc_err_set(err, "out of memory");
			goto out;
		}
	}
	if (errno)
		rc = lc_err_set(err, "cannot read '%s': %s", d.path, strerror(errno));
out:
	if (dir)
		closedir(dir);
	ag_dir_close(&d);
	lc_buf_release(&b);
	return rc;
}

int ag_op_lattices(struct ag_req *r, struct lc_err *err)
{
	struct ag_dir base = { .fd = -1 };
	struct dirent *de;
	struct stat st;
	DIR *dir = NULL;
	cJSON *all, *o;
	int fd, rc;

	if (!(all = cJSON_AddObjectToObject(r->reply, "lattices")))
		return lc_err_set(err, "out of memory");
	rc = ag_dir_open(&base, AG_AREA_ENV, NULL, AG_DIR_BASE, err);
	if (rc == AG_E_NOTFOUND) {
		lc_err_clear(err);
		return 0; /* no lattice here yet */
	}
	if (rc)
		return rc;
	if ((fd = openat(base.fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    !(dir = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		rc = lc_err_set(err, "cannot read '%s': %s", base.path, strerror(errno));
		goto out;
	}
	while ((errno = 0, de = readdir(dir))) {
		if (!ag_lattice_ok(de->d_name) ||
		    fstatat(base.fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(st.st_mode))
			continue;
		if (!(o = cJSON_AddObjectToObject(all, de->d_name))) {
			rc = lc_err_set(err, "out of memory");
			goto out;
		}
		if ((rc = lattice_ports(o, de->d_name, err)))
			goto out;
	}
	if (errno)
		rc = lc_err_set(err, "cannot read '%s': %s", base.path, strerror(errno));
out:
	if (dir)
		closedir(dir);
	ag_dir_close(&base);
	return rc;
}
