/* ops_unit.c - the unit op: install, start, stop, restart, remove a role, through systemd or the agent's own supervisor. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "agent.h"
#include "unit.h"
#include "banned.h"

static const char *backend_name(int sd)
{
	return sd ? "systemd" : "supervisor";
}

/* The files a unit names must be there when it is installed. */
static int check_file(int area, const char *lattice, const char *name, struct lc_err *err)
{
	struct ag_dir d = { .fd = -1 };
	struct stat st;
	int rc;

	rc = ag_dir_open(&d, area, lattice, 0, err);
	if (!rc && fstatat(d.fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			rc = lc_err_setc(err, AG_E_NOTFOUND, "'%s/%s' does not exist", d.path, name);
		else
			rc = lc_err_set(err, "cannot stat '%s/%s': %s", d.path, name,
					strerror(errno));
	} else if (!rc && !S_ISREG(st.st_mode)) {
		rc = lc_err_setc(err, AG_E_BAD, "'%s/%s' is not a regular file", d.path, name);
	} else if (rc == AG_E_NOTFOUND) {
		lc_err_prefix(err, "no '%s'", name);
	}
	ag_dir_close(&d);
	return rc;
}

static int install(struct ag_req *r, const char *lattice, const char *role, int sd,
		   struct lc_err *err)
{
	struct ag_unit u;
	int changed = 0, sd_changed = 0, rc;
	size_t i;

	if ((rc = ag_unit_from_json(&u, r->json, err)))
		return rc;
	if ((rc = check_file(AG_AREA_BIN, lattice, u.exec, err)))
		goto out;
	for (i = 0; i < u.nenv; i++)
		if ((rc = check_file(AG_AREA_ENV, lattice, u.env[i], err)))
			goto out;
	if ((rc = ag_unit_write(&u, lattice, role, &changed, err)) ||
	    (sd && (rc = ag_sd_unit(lattice, role, AG_ACT_INSTALL, &u, &sd_changed, err))))
		goto out;
	if (ag_set_bool(r->reply, "changed", changed || sd_changed))
		rc = lc_err_set(err, "out of memory");
	fprintf(stderr, "lattice-agent: installed role '%s' of '%s'\n", role, lattice);
out:
	ag_unit_release(&u);
	return rc;
}

/* start, stop, restart: the reply tells the state reached. */
static int control(struct ag_req *r, const char *lattice, const char *role, int action,
		   int sd, struct lc_err *err)
{
	struct ag_status st;
	struct ag_unit u;
	int rc;

	if ((rc = ag_unit_read(&u, lattice, role, err)))
		return rc;
	ag_unit_release(&u);
	if (sd) {
		if ((rc = ag_sd_unit(lattice, role, action, NULL, NULL, err)))
			return rc;
		return ag_sd_status(r->reply, lattice, role, err);
	}
	if ((rc = ag_sup_request(lattice, role, action, &st, err)))
		return rc;
	if (ag_set_str(r->reply, "state", ag_state_name(st.state)) ||
	    ag_set_num(r->reply, "pid", (double)st.pid) ||
	    ag_set_num(r->reply, "restarts", st.restarts))
		return lc_err_set(err, "out of memory");
	return 0;
}

/* Stop the role and remove its unit: 1 when there was one, 0, or a code. */
static int purge(const char *lattice, const char *role, int sd, struct lc_err *err)
{
	struct ag_unit u;
	int rc;

	rc = ag_unit_read(&u, lattice, role, err);
	if (rc == AG_E_NOTFOUND) {
		lc_err_clear(err);
		/* No record, but what a half-done removal may have left. */
		return sd ? 0 : ag_sup_remove(lattice, role, err);
	}
	if (rc)
		return rc;
	ag_unit_release(&u);
	if (sd)
		rc = ag_sd_unit(lattice, role, AG_ACT_REMOVE, NULL, NULL, err) ||
		     ag_unit_delete(lattice, role, err) ? -1 : 0;
	else
		rc = ag_sup_remove(lattice, role, err);
	if (!rc)
		fprintf(stderr, "lattice-agent: removed role '%s' of '%s'\n", role, lattice);
	return rc ? rc : 1;
}

int ag_unit_purge(const char *lattice, const char *role, struct lc_err *err)
{
	int rc = purge(lattice, role, ag_use_systemd(), err);

	return rc < 0 ? rc : 0;
}

int ag_op_unit(struct ag_req *r, struct lc_err *err)
{
	const char *lattice, *role, *a;
	int action, sd = ag_use_systemd(), rc;

	if (!(lattice = ag_req_lattice(r, err)) || !(role = ag_req_str(r, "role", err)) ||
	    !(a = ag_req_str(r, "action", err)))
		return err->code;
	if ((rc = ag_role_usable(role, err)))
		return rc;
	if ((action = ag_action_parse(a)) < 0)
		return lc_err_setc(err, AG_E_BAD, "unknown action '%.32s' (install, start, stop, "
				   "restart or remove)", a);
	if (action == AG_ACT_INSTALL)
		rc = install(r, lattice, role, sd, err);
	else if (action == AG_ACT_REMOVE)
		rc = (rc = purge(lattice, role, sd, err)) < 0 ? rc :
		     ag_set_bool(r->reply, "removed", rc) ? lc_err_set(err, "out of memory") : 0;
	else
		rc = control(r, lattice, role, action, sd, err);
	if (!rc && ag_set_str(r->reply, "backend", backend_name(sd)))
		rc = lc_err_set(err, "out of memory");
	return rc;
}
