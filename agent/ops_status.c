/* ops_status.c - the status op: each role's state, pid, uptime, restarts, last exit and last log lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "agent.h"
#include "unit.h"
#include "banned.h"

/* One role under the own supervisor, from its status record and log. */
static int role_status(cJSON *o, const struct ag_dir *run, const char *role, int running,
		       struct lc_err *err)
{
	struct ag_status st;
	long long now = (long long)time(NULL);
	int rc = AG_E_NOTFOUND;

	memset(&st, 0, sizeof(st));
	if (run->fd >= 0)
		rc = ag_status_read(run, role, &st, err);
	if (rc == AG_E_NOTFOUND) {
		memset(&st, 0, sizeof(st)); /* never started: down */
		lc_err_clear(err);
	} else if (rc) {
		return rc;
	}
	/* A record left by a supervisor that is gone says nothing runs. */
	if (!running && st.state != AG_ST_FAILED) {
		st.state = AG_ST_DOWN;
		st.pid = 0;
	}
	if (ag_set_str(o, "state", ag_state_name(st.state)) ||
	    ag_set_num(o, "pid", (double)st.pid) ||
	    ag_set_num(o, "uptime_s",
		       st.pid && st.started && now > st.started ? (double)(now - st.started) : 0) ||
	    ag_set_num(o, "restarts", st.restarts) ||
	    ag_exit_json(o, st.exit_kind, st.exit_val) ||
	    ag_set_num(o, "since", (double)st.since) ||
	    (run->fd >= 0 ? ag_log_tail(o, run, role, AG_LOG_LINES) :
			    !cJSON_AddArrayToObject(o, "log")))
		return lc_err_set(err, "out of memory");
	return 0;
}

int ag_op_status(struct ag_req *r, struct lc_err *err)
{
	struct ag_dir run = { .fd = -1 };
	const char *lattice, *role = NULL;
	char **names = NULL;
	size_t n = 0, i;
	long long pid;
	int sd = ag_use_systemd(), running = 0, rc;
	cJSON *roles, *o;
	struct ag_unit u;

	if (!(lattice = ag_req_lattice(r, err)))
		return err->code;
	if (ag_req_has(r, "role") &&
	    (!(role = ag_req_str(r, "role", err)) || ag_role_usable(role, err)))
		return err->code;
	if (role) {
		/* Only an installed role has a status. */
		if ((rc = ag_unit_read(&u, lattice, role, err)))
			return rc;
		ag_unit_release(&u);
	} else if ((rc = ag_units_list(lattice, &names, &n, err))) {
		return rc;
	}
	if (!sd) {
		rc = ag_dir_open(&run, AG_AREA_RUN, lattice, 0, err);
		if (rc && rc != AG_E_NOTFOUND)
			goto out;
		lc_err_clear(err);
		running = run.fd >= 0 && ag_sup_running(&run, &pid);
	}
	if (ag_set_str(r->reply, "backend", sd ? "systemd" : "supervisor") ||
	    (!sd && ag_set_bool(r->reply, "supervisor", running)) ||
	    !(roles = cJSON_AddObjectToObject(r->reply, "roles"))) {
		rc = lc_err_set(err, "out of memory");
		goto out;
	}
	rc = 0;
	for (i = 0; !rc && i < (role ? 1 : n); i++) {
		const char *name = role ? role : names[i];

		if (!(o = cJSON_AddObjectToObject(roles, name)))
			rc = lc_err_set(err, "out of memory");
		else if (sd)
			rc = ag_sd_status(o, lattice, name, err);
		else
			rc = role_status(o, &run, name, running, err);
	}
out:
	ag_units_free(names, n);
	ag_dir_close(&run);
	return rc;
}
