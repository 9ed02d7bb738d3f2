/* plan.c - how one host differs from its layout, asked read-only (facts, stat, status), and what each role needs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "plan.h"
#include "deploy.h"
#include "roles.h"
#include "runctx.h"
#include "banned.h"

int lc_tdx_verdict(const struct lc_manifest *m, size_t host, int has_tdx,
		   struct lc_err *err)
{
	const struct lc_host *h = &m->hosts[host];
	int r;

	if (has_tdx || m->tdx == LC_TDX_MODE_SIMULATE)
		return 0;
	for (r = 0; r < LC_ROLE_COUNT; r++)
		if ((h->roles & (1u << r)) && lc_roles[r].tdx == LC_TDX_REQUIRED) {
			lc_err_set(err, "%s needs TDX, but the host shows none (no "
				   "/dev/tdx_guest, /sys/firmware/tdx or tdx_guest cpu flag)",
				   lc_roles[r].name);
			lc_err_hint(err, "run it on a TDX guest, or declare tdx = \"simulate\" "
				    "for a development lattice (a fingerprint change)");
			return -1;
		}
	if (h->tdx) {
		lc_err_set(err, "the manifest says tdx = true, but the host shows no TDX");
		lc_err_hint(err, "check the host's TDX setup, or correct the manifest");
		return -1;
	}
	return 0;
}

int lc_tdx_needed(const struct lc_manifest *m, size_t host)
{
	struct lc_err scratch;

	lc_err_clear(&scratch);
	return lc_tdx_verdict(m, host, 0, &scratch) != 0;
}

/* facts: TDX where a role needs it. */
static int plan_facts(struct lc_agent *a, const struct lc_manifest *m,
		      struct lc_want_host *wh, struct lc_err *err)
{
	cJSON *reply = lc_call_ok(a, lc_req("facts", NULL), err);

	if (!reply)
		return -1;
	wh->tdx = cJSON_IsTrue(cJSON_GetObjectItem(reply, "tdx"));
	cJSON_Delete(reply);
	return lc_tdx_verdict(m, wh->host, wh->tdx, err);
}

/* stat each area: which files the host lacks or has otherwise. */
static int plan_files(struct lc_agent *a, const struct lc_manifest *m,
		      struct lc_want_host *wh, struct lc_err *err)
{
	int area;
	size_t k;

	for (area = 0; area < LC_AREA_COUNT; area++) {
		cJSON *req = lc_req("stat", m->name), *names, *reply, *files;
		size_t n = 0;

		if (!req || !cJSON_AddStringToObject(req, "area", lc_area_names[area]) ||
		    !(names = cJSON_AddArrayToObject(req, "names"))) {
			cJSON_Delete(req);
			return lc_err_set(err, "out of memory");
		}
		for (k = 0; k < wh->nfiles; k++)
			if (wh->files[k].area == area) {
				cJSON_AddItemToArray(names, cJSON_CreateString(wh->files[k].name));
				n++;
			}
		if (!n) {
			cJSON_Delete(req);
			continue;
		}
		if (!(reply = lc_call_ok(a, req, err)))
			return -1;
		files = cJSON_GetObjectItem(reply, "files");
		for (k = 0; k < wh->nfiles; k++) {
			struct lc_want_file *wf = &wh->files[k];
			const char *have;

			if (wf->area != area)
				continue;
			have = cJSON_GetStringValue(cJSON_GetObjectItem(
				cJSON_GetObjectItem(files, wf->name), "sha256"));
			snprintf(wf->have, sizeof(wf->have), "%s", have ? have : "");
			wf->differs = strcmp(wf->have, wf->sha256) != 0;
		}
		cJSON_Delete(reply);
	}
	return 0;
}

/* status: which roles are installed and how they run. */
static int plan_status(struct lc_agent *a, const struct lc_manifest *m,
		       struct lc_want_host *wh, struct lc_err *err)
{
	cJSON *reply = lc_call_ok(a, lc_req("status", m->name), err), *roles, *r;
	size_t k;

	if (!reply)
		return -1;
	roles = cJSON_GetObjectItem(reply, "roles");
	cJSON_ArrayForEach(r, roles) {
		int role = lc_role_lookup(r->string ? r->string : "");

		for (k = 0; k < wh->nroles && wh->roles[k].role != role; k++)
			;
		if (k == wh->nroles) {
			if (role >= 0)
				wh->extra[role] = 1;
			continue;
		}
		wh->roles[k].installed = 1;
		snprintf(wh->roles[k].state, sizeof(wh->roles[k].state), "%s",
			 cJSON_GetStringValue(cJSON_GetObjectItem(r, "state")) ?
			 cJSON_GetStringValue(cJSON_GetObjectItem(r, "state")) : "?");
	}
	cJSON_Delete(reply);
	return 0;
}

/* Whether the role's process was (re)started on these inputs: the newest
 * start or restart record says so.  With no record at all (a journal
 * moved aside), what runs is taken as current. */
static int runs_current(const struct lc_journal *j, const char *host,
			const char *role, const char *inputs)
{
	const struct lc_jrec *s = lc_journal_last(j, host, role, "start");
	const struct lc_jrec *r = lc_journal_last(j, host, role, "restart");
	const struct lc_jrec *last = !s ? r : !r ? s : s->seq > r->seq ? s : r;

	if (!last)
		return 1;
	return !strcmp(last->outcome, "done") && !strcmp(last->inputs, inputs);
}

void lc_plan_decide(struct lc_want_host *wh, struct lc_want_role *wr,
		    const struct lc_journal *j)
{
	const struct lc_jrec *last;
	size_t i, len = 0;

	wr->why[0] = '\0';
	for (i = 0; i < wr->nfiles; i++) {
		const struct lc_want_file *wf = &wh->files[wr->file[i]];

		if (wf->differs && len < sizeof(wr->why))
			len += (size_t)snprintf(wr->why + len, sizeof(wr->why) - len, "%s%s/%s%s",
						len ? ", " : "", lc_area_names[wf->area],
						wf->name, wf->have[0] ? "" : " (missing)");
	}
	if (!wr->installed) {
		wr->action = LC_ACT_INSTALL;
		wr->why[0] = '\0'; /* every file is new: no list */
		return;
	}
	if (len) {
		last = j ? lc_journal_last(j, wh->hostid, lc_roles[wr->role].name, "files") : NULL;
		wr->action = last && !strcmp(last->outcome, "done") &&
			     !strcmp(last->inputs, wr->inputs) ? LC_ACT_REPAIR : LC_ACT_UPDATE;
		return;
	}
	if (j && !runs_current(j, wh->hostid, lc_roles[wr->role].name, wr->inputs)) {
		/* Its files are current, but the process was started before
		 * they were (a rollout stopped or interrupted before it). */
		wr->action = LC_ACT_UPDATE;
		snprintf(wr->why, sizeof(wr->why), "running with earlier files");
		return;
	}
	if (strcmp(wr->state, "up") && strcmp(wr->state, "starting")) {
		wr->action = LC_ACT_START;
		snprintf(wr->why, sizeof(wr->why), "state %s", wr->state);
		return;
	}
	wr->action = LC_ACT_NOTHING;
}

/* Before asking: nothing known installed, no role extra. */
static void plan_reset(struct lc_want_host *wh)
{
	size_t k;

	wh->planned = 0;
	wh->port_clash = 0;
	memset(wh->extra, 0, sizeof(wh->extra));
	for (k = 0; k < wh->nroles; k++) {
		wh->roles[k].installed = 0;
		wh->roles[k].state[0] = '\0';
	}
}

void lc_plan_no_agent(struct lc_want_host *wh)
{
	size_t k;

	plan_reset(wh);
	for (k = 0; k < wh->nfiles; k++) {
		wh->files[k].differs = 1;
		wh->files[k].have[0] = '\0';
	}
	for (k = 0; k < wh->nroles; k++)
		lc_plan_decide(wh, &wh->roles[k], NULL);
	wh->planned = 1;
}

/* The first metrics_port base from start (a multiple of 8 in the range
 * the derived ports use, wrapping) whose eight ports no other lattice on
 * the host uses; 0 when there is none. */
static unsigned free_base(const unsigned char *used, unsigned start)
{
	unsigned i, b, r;

	start = start < 20000 || start > 31992 ? 20000 : start - (start - 20000) % 8;
	for (i = 0; i < 1500; i++) {
		b = 20000 + (start - 20000 + 8 * i) % 12000;
		for (r = 0; r < 8 && !used[b + r]; r++)
			;
		if (r == 8)
			return b;
	}
	return 0;
}

/*
 * Several lattices share a host only if their roles' loopback metrics
 * ports differ: ask the agent which ports the other lattices' roles here
 * serve on (their env files), and refuse ours on one of them.
 */
static int plan_ports(struct lc_agent *a, const struct lc_manifest *m,
		      struct lc_want_host *wh, struct lc_err *err)
{
	cJSON *req = lc_req("lattices", m->name), *reply = NULL, *l, *p;
	unsigned char *used = calloc(65536 + 8, 1);
	const char *other = NULL, *orole = NULL;
	unsigned port = 0, base;
	size_t k;
	int rc = -1;

	if (!req || !used) {
		lc_err_set(err, "out of memory");
		goto out;
	}
	if (!(reply = lc_call_ok(a, req, err))) {
		lc_err_prefix(err, "cannot ask which lattices the host runs");
		req = NULL;
		goto out;
	}
	req = NULL;
	cJSON_ArrayForEach(l, cJSON_GetObjectItem(reply, "lattices")) {
		if (!l->string || !strcmp(l->string, m->name))
			continue;
		cJSON_ArrayForEach(p, l) {
			if (!cJSON_IsNumber(p) || p->valuedouble < 1 || p->valuedouble > 65535)
				continue;
			used[(unsigned)p->valuedouble] = 1;
			for (k = 0; !other && k < wh->nroles; k++)
				if (lc_metrics_port(m, wh->roles[k].role) == (unsigned)p->valuedouble) {
					other = l->string;
					orole = p->string;
					port = (unsigned)p->valuedouble;
				}
		}
	}
	rc = 0;
	if (!other)
		goto out;
	wh->port_clash = 1;
	base = free_base(used, m->health.metrics_port + 8);
	lc_err_set(err, "metrics port %u is taken here by %s of lattice '%s': lattice '%s' "
		   "serves on %u-%u%s", port, orole, other, m->name, m->health.metrics_port,
		   m->health.metrics_port + LC_ROLE_COUNT - 1,
		   m->health.metrics_port_set ? "" : " (derived from its name)");
	if (base)
		lc_err_hint(err, "set metrics_port = %u in [health] of '%s' (free on this host; "
			    "ports are not identity)", base, m->path);
	else
		lc_err_hint(err, "set metrics_port in [health] to a base whose eight ports "
			    "are free on every host");
	rc = -1;
out:
	cJSON_Delete(req);
	cJSON_Delete(reply);
	free(used);
	return rc;
}

int lc_plan_host(struct lc_agent *a, const struct lc_manifest *m,
		 struct lc_want_host *wh, const struct lc_journal *j,
		 struct lc_err *err)
{
	size_t k;

	plan_reset(wh);
	if (plan_facts(a, m, wh, err) || plan_ports(a, m, wh, err) ||
	    plan_files(a, m, wh, err) || plan_status(a, m, wh, err))
		return -1;
	for (k = 0; k < wh->nroles; k++)
		lc_plan_decide(wh, &wh->roles[k], j);
	wh->planned = 1;
	return 0;
}
