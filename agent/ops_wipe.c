/* ops_wipe.c - wipe: remove one role's env and secret files, or everything of a lattice; remove: named files of an area. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "agent.h"
#include "unit.h"
#include "banned.h"

/* Whether a file in an area belongs to role: "<role>" or "<role>.<anything>",
 * and the temporary files of those (which start with '.'). */
/* A file of role: named role or role.* (or a temporary file of one).
 * "units" holds every role's unit record, not a role's file. */
static int role_owns(const char *name, const void *arg)
{
	const char *role = arg;
	size_t n = strlen(role);

	if (!strcmp(name, "units"))
		return 0;
	if (name[0] == '.')
		name++;
	return !strncmp(name, role, n) && (name[n] == '\0' || name[n] == '.');
}

/* Remove <base>/<lattice> of one area with all below it. */
static int wipe_lattice_area(int area, const char *lattice, unsigned *count,
			     struct lc_err *err)
{
	struct ag_dir d = { .fd = -1 };
	struct stat st;
	int rc;

	rc = ag_dir_open(&d, area, NULL, AG_DIR_BASE, err);
	if (rc == AG_E_NOTFOUND)
		return 0;
	if (rc)
		return rc;
	if (fstatat(d.fd, lattice, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT)
			rc = lc_err_set(err, "cannot stat '%s/%s': %s", d.path, lattice,
					strerror(errno));
		goto out;
	}
	if (S_ISLNK(st.st_mode)) {
		rc = lc_err_setc(err, AG_E_BAD, "refusing '%s/%s': it is a symlink", d.path,
				 lattice);
		goto out;
	}
	/* The hash cache's records are not the lattice's files: not counted. */
	if (area == AG_AREA_RUN) {
		struct ag_dir rd;
		unsigned ignored = 0;

		if (ag_dir_open(&rd, AG_AREA_RUN, lattice, 0, err) == 0) {
			if (fstatat(rd.fd, "hashes", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISDIR(st.st_mode))
				rc = ag_remove_tree(rd.fd, "hashes", rd.path, &ignored, err);
			ag_dir_close(&rd);
			if (rc)
				goto out;
		}
		lc_err_clear(err);
	}
	if ((rc = ag_remove_tree(d.fd, lattice, d.path, count, err)))
		goto out;
	if (fsync(d.fd) < 0)
		rc = lc_err_set(err, "cannot sync '%s': %s", d.path, strerror(errno));
out:
	ag_dir_close(&d);
	return rc;
}

/* Every role of the lattice stopped and its unit removed. */
static int stop_lattice(const char *lattice, struct lc_err *err)
{
	char **names = NULL;
	size_t n = 0, i;
	int rc;

	/* The own supervisor stops all roles at once on SIGTERM. */
	if (!ag_use_systemd() && (rc = ag_sup_shutdown(lattice, err)))
		return rc;
	if ((rc = ag_units_list(lattice, &names, &n, err)))
		return rc;
	for (i = 0; !rc && i < n; i++)
		rc = ag_unit_purge(lattice, names[i], err);
	ag_units_free(names, n);
	return rc;
}

int ag_op_wipe(struct ag_req *r, struct lc_err *err)
{
	const char *lattice, *role = NULL;
	unsigned count = 0;
	int area, rc = 0;

	if (!(lattice = ag_req_lattice(r, err)))
		return err->code;
	if (ag_req_has(r, "role")) {
		if (!(role = ag_req_str(r, "role", err)))
			return err->code;
		if (!ag_role_ok(role))
			return lc_err_setc(err, AG_E_BAD, "'%.70s' is not a role name", role);
		/* A role is stopped and its unit removed before its files go. */
		if (strcmp(role, "supervisor"))
			rc = ag_unit_purge(lattice, role, err);
		if (!rc)
			rc = ag_remove_where(AG_AREA_ENV, lattice, role_owns, role, &count, err);
		if (!rc)
			rc = ag_remove_where(AG_AREA_SECRET, lattice, role_owns, role, &count, err);
	} else {
		rc = stop_lattice(lattice, err);
		for (area = 0; !rc && area < AG_AREA_COUNT; area++)
			rc = wipe_lattice_area(area, lattice, &count, err);
	}
	if (!rc && ag_set_num(r->reply, "removed", count))
		rc = lc_err_set(err, "out of memory");
	if (!rc)
		fprintf(stderr, "lattice-agent: wiped %u files of '%s'%s%s\n", count, lattice,
			role ? " role " : "", role ? role : "");
	return rc;
}

/* A file the request names (arg: its "names" array, already checked). */
static int listed(const char *name, const void *arg)
{
	const cJSON *n;

	cJSON_ArrayForEach(n, (const cJSON *)arg)
		if (!strcmp(n->valuestring, name))
			return 1;
	return 0;
}

int ag_op_remove(struct ag_req *r, struct lc_err *err)
{
	const cJSON *names;
	const char *lattice;
	unsigned count = 0;
	int area, rc;

	if (!(lattice = ag_req_lattice(r, err)) || (area = ag_req_area(r, err)) < 0 ||
	    !(names = ag_req_names(r, err)))
		return err->code;
	if ((rc = ag_remove_where(area, lattice, listed, names, &count, err)))
		return rc;
	if (ag_set_num(r->reply, "removed", count))
		return lc_err_set(err, "out of memory");
	if (count)
		fprintf(stderr, "lattice-agent: removed %u files of '%s'\n", count, lattice);
	return 0;
}
