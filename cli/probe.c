/* probe.c - asking one host's agent how the lattice's roles there are: facts, status, each role's metrics. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "deploy.h"
#include "probe.h"
#include "banned.h"

/* The error of a reply with "ok": false, as "<code>: <message>". */
static const char *reply_code(const cJSON *reply)
{
	return cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(reply, "error"),
							"code"));
}

static int refused(const char *op, const cJSON *reply, struct lc_err *err)
{
	const cJSON *e = cJSON_GetObjectItem(reply, "error");
	const char *msg = cJSON_GetStringValue(cJSON_GetObjectItem(e, "message"));
	const char *code = reply_code(reply);

	return lc_err_set(err, "the agent refused '%s' (%s): %s", op,
			  code ? code : "no code", msg ? msg : "no reason given");
}

/* One request {"op": op, "lattice": m->name, ...}; the reply stays the
 * caller's even when it says "ok": false. */
static int call(struct lc_agent *a, cJSON *req, const char *op,
		const struct lc_manifest *m, cJSON **reply, struct lc_err *err)
{
	int rc;

	*reply = NULL;
	if (!req || !cJSON_AddStringToObject(req, "op", op) ||
	    !cJSON_AddStringToObject(req, "lattice", m->name)) {
		cJSON_Delete(req);
		return lc_err_set(err, "out of memory");
	}
	rc = lc_agent_call(a, req, reply, err);
	cJSON_Delete(req);
	return rc;
}

static long num_member(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItem(o, name);

	return cJSON_IsNumber(v) ? (long)v->valuedouble : 0;
}

/* A sample as the agent reports it: a number, "NaN", "+Inf", "-Inf", or
 * null when the endpoint does not have it. */
static double sample(const cJSON *samples, const char *name)
{
	const cJSON *v = cJSON_GetObjectItem(samples, name);
	const char *s;

	if (cJSON_IsNumber(v))
		return v->valuedouble;
	if (!(s = cJSON_GetStringValue(v)))
		return NAN;
	if (!strcmp(s, "+Inf"))
		return INFINITY;
	if (!strcmp(s, "-Inf"))
		return -INFINITY;
	return NAN;
}

/* Fill r from the role's object in a status reply. */
static void take_status(struct lc_role_probe *r, cJSON *st)
{
	const cJSON *le = cJSON_GetObjectItem(st, "last_exit");
	const char *state = cJSON_GetStringValue(cJSON_GetObjectItem(st, "state"));

	r->installed = 1;
	snprintf(r->state, sizeof(r->state), "%s", state ? state : "unknown");
	r->pid = num_member(st, "pid");
	r->uptime_s = num_member(st, "uptime_s");
	r->restarts = num_member(st, "restarts");
	if (cJSON_IsNumber(cJSON_GetObjectItem(le, "code")))
		snprintf(r->last_exit, sizeof(r->last_exit), "code %ld", num_member(le, "code"));
	else if (cJSON_IsNumber(cJSON_GetObjectItem(le, "signal")))
		snprintf(r->last_exit, sizeof(r->last_exit), "signal %ld",
			 num_member(le, "signal"));
	if (cJSON_IsArray(cJSON_GetObjectItem(st, "log")))
		r->log = cJSON_DetachItemFromObject(st, "log");
}

/* Ask for role's three metrics.  An endpoint that does not answer (io)
 * leaves metrics_ok 0; so does a role removed since the status reply. */
static int take_metrics(struct lc_agent *a, const struct lc_manifest *m,
			struct lc_role_probe *r, struct lc_err *err)
{
	static const char *const suffix[3] = { "up", "committee_size", "round" };
	double *val[3] = { &r->up, &r->committee_size, &r->round };
	char names[3][64];
	cJSON *req = cJSON_CreateObject(), *reply = NULL, *list;
	const cJSON *samples;
	const char *code;
	int i, rc = -1;

	if (!req || !(list = cJSON_AddArrayToObject(req, "names")) ||
	    !cJSON_AddStringToObject(req, "role", lc_roles[r->role].name) ||
	    !cJSON_AddNumberToObject(req, "port", lc_metrics_port(m, r->role))) {
		cJSON_Delete(req);
		return lc_err_set(err, "out of memory");
	}
	for (i = 0; i < 3; i++) {
		lc_metric_name(names[i], sizeof(names[i]), r->role, suffix[i]);
		cJSON_AddItemToArray(list, cJSON_CreateString(names[i]));
	}
	if (call(a, req, "metrics", m, &reply, err))
		return -1;
	if (!cJSON_IsTrue(cJSON_GetObjectItem(reply, "ok"))) {
		code = reply_code(reply);
		if (code && (!strcmp(code, "io") || !strcmp(code, "not_found")))
			rc = 0;
		else
			refused("metrics", reply, err);
		goto out;
	}
	samples = cJSON_GetObjectItem(reply, "samples");
	if (!cJSON_IsObject(samples)) {
		lc_err_set(err, "the agent's metrics reply has no samples");
		goto out;
	}
	r->metrics_ok = 1;
	for (i = 0; i < 3; i++)
		*val[i] = sample(samples, names[i]);
	rc = 0;
out:
	cJSON_Delete(reply);
	return rc;
}

int lc_probe_host(struct lc_agent *a, const struct lc_manifest *m, size_t host,
		  int metrics, struct lc_host_probe *p, struct lc_err *err)
{
	const struct lc_host *h = &m->hosts[host];
	cJSON *reply = NULL, *roles, *st;
	const char *s;
	size_t i;
	int r, rc = -1;

	memset(p, 0, sizeof(*p));
	for (r = 0; r < LC_ROLE_COUNT; r++) {
		if (!(h->roles & (1u << r)))
			continue;
		p->roles[p->n].role = r;
		p->roles[p->n].up = p->roles[p->n].committee_size = NAN;
		p->roles[p->n].round = NAN;
		p->n++;
	}

	if (call(a, cJSON_CreateObject(), "facts", m, &reply, err))
		goto out;
	if (!cJSON_IsTrue(cJSON_GetObjectItem(reply, "ok"))) {
		refused("facts", reply, err);
		goto out;
	}
	s = cJSON_GetStringValue(cJSON_GetObjectItem(reply, "agent"));
	snprintf(p->agent, sizeof(p->agent), "%s", s ? s : "unknown");
	cJSON_Delete(reply);

	if (call(a, cJSON_CreateObject(), "status", m, &reply, err))
		goto out;
	if (!cJSON_IsTrue(cJSON_GetObjectItem(reply, "ok"))) {
		refused("status", reply, err);
		goto out;
	}
	s = cJSON_GetStringValue(cJSON_GetObjectItem(reply, "backend"));
	snprintf(p->backend, sizeof(p->backend), "%s", s ? s : "unknown");
	roles = cJSON_GetObjectItem(reply, "roles");
	cJSON_ArrayForEach(st, roles) {
		/* A name that is no role of ours cannot be flagged in extra[]. */
		if (!st->string || (r = lc_role_lookup(st->string)) < 0)
			continue;
		if (!(h->roles & (1u << r))) {
			p->extra[r] = 1;
			continue;
		}
		for (i = 0; i < p->n && p->roles[i].role != r; i++)
			;
		take_status(&p->roles[i], st);
	}

	for (i = 0; metrics && i < p->n; i++)
		if (p->roles[i].installed && take_metrics(a, m, &p->roles[i], err))
			goto out;
	rc = 0;
out:
	cJSON_Delete(reply);
	if (rc)
		lc_probe_release(p);
	return rc;
}

void lc_probe_release(struct lc_host_probe *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		cJSON_Delete(p->roles[i].log);
		p->roles[i].log = NULL;
	}
}
