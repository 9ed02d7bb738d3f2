/* rollout.c - restarts that never take a majority of a committee down: one member at a time, each healthy before the next. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "deploy.h"
#include "log.h"
#include "probe.h"
#include "roles.h"
#include "rollout.h"
#include "clock.h"
#include "banned.h"

/* How long one member may take to come back. */
#define MEMBER_MS 60000L
/* How long a host may take to download a program. */
#define FETCH_S 600

/* ---- the agent operations a rollout uses ---- */

int lc_put_file(struct lc_agent *a, const struct lc_manifest *m,
		const struct lc_want_file *wf, long long *bytes, struct lc_err *err)
{
	cJSON *req = lc_req("put", m->name), *reply = NULL;
	int sent = 0, rc;

	if (wf->unmade) {
		cJSON_Delete(req);
		lc_err_set(err, "cannot send %s/%s: '%s' is not made yet",
			   lc_area_names[wf->area], wf->name, wf->path);
		lc_err_hint(err, "run 'latticectl up': it makes the atelier keystores of a "
			    "lattice whose secrets predate them");
		return -1;
	}
	if (!req)
		return lc_err_set(err, "out of memory");
	cJSON_AddStringToObject(req, "area", lc_area_names[wf->area]);
	cJSON_AddStringToObject(req, "name", wf->name);
	rc = lc_agent_put_file(a, req, wf->path, wf->sha256, wf->size, &sent, &reply, err);
	cJSON_Delete(req);
	if (rc)
		return -1;
	if (lc_reply_ok(reply, err)) {
		lc_err_prefix(err, "cannot write %s/%s", lc_area_names[wf->area], wf->name);
		if (err->code == LC_ERR_NOSPACE)
			lc_err_hint(err, "free space on the host's disk, then run up again");
		cJSON_Delete(reply);
		return -1;
	}
	cJSON_Delete(reply);
	if (sent)
		*bytes += wf->size;
	return 0;
}

/* Ask the host to download wf itself: 0 done, 1 send it from here
 * instead, -1 failed. */
static int host_fetch(struct lc_layout *l, struct lc_agent *a, const struct lc_want_file *wf,
		      struct lc_sent *s, struct lc_buf *out, struct lc_buf *note,
		      struct lc_err *err)
{
	const struct lc_binfile *b = &l->bins[wf->url_role];
	cJSON *req = lc_req("fetch", l->m->name), *reply = NULL, *e;
	const char *got, *from, *tool;
	double size;
	int rc;

	if (!req)
		return lc_err_set(err, "out of memory");
	cJSON_AddStringToObject(req, "area", lc_area_names[wf->area]);
	cJSON_AddStringToObject(req, "name", wf->name);
	cJSON_AddStringToObject(req, "url", b->url);
	cJSON_AddStringToObject(req, "sha256", wf->sha256);
	if (b->present) /* its size is known: nothing larger is taken */
		cJSON_AddNumberToObject(req, "max_size", (double)b->size);
	cJSON_AddNumberToObject(req, "timeout_s", FETCH_S);
	rc = lc_agent_call_wait(a, req, &reply, FETCH_S * 1000, err);
	cJSON_Delete(req);
	if (rc)
		return -1;
	size = cJSON_GetNumberValue(cJSON_GetObjectItem(reply, "size"));
	if (lc_reply_ok(reply, err) == 0) {
		from = cJSON_GetStringValue(cJSON_GetObjectItem(reply, "from"));
		tool = cJSON_GetStringValue(cJSON_GetObjectItem(reply, "tool"));
		if (cJSON_IsTrue(cJSON_GetObjectItem(reply, "fetched"))) {
			s->fetched++;
			s->fetched_bytes += (long long)size;
			if (lc_log_on(LC_LOG_VERBOSE))
				lc_buf_printf(out, "bin/%s: fetched by the host from %s (%.0f bytes, "
					      "%s)\n", wf->name, b->shown, size, tool ? tool : "?");
		} else if (from) {
			s->copied++;
			if (lc_log_on(LC_LOG_VERBOSE))
				lc_buf_printf(out, "bin/%s: copied from bin/%s on the host (the same "
					      "sha256)\n", wf->name, from);
		}
		cJSON_Delete(reply);
		return 0;
	}
	e = cJSON_GetObjectItem(reply, "error");
	switch (err->code) {
	case LC_ERR_FETCH:
	case LC_ERR_UNKNOWNOP: /* an agent from before fetch */
		lc_buf_printf(out, "bin/%s: the host cannot fetch %s (%s); sending this "
			      "machine's copy\n", wf->name, b->shown, err->msg);
		rc = 1;
		break;
	case LC_ERR_MISMATCH:
		got = cJSON_GetStringValue(cJSON_GetObjectItem(e, "sha256"));
		size = cJSON_GetNumberValue(cJSON_GetObjectItem(e, "size"));
		lc_buf_printf(note, "warning: SECURITY: bin/%s: %s gave this host %.0f bytes "
			      "with sha256 %s, not the manifest's %s: refused, nothing of it "
			      "installed.  Something serves this host other bytes than the "
			      "manifest pins (a tampered mirror, or something in between): "
			      "find out what before trusting that URL.  Sending this machine's "
			      "copy, checked against the manifest's sha256, instead.\n",
			      wf->name, b->shown, isnan(size) ? 0.0 : size, got ? got : "?",
			      wf->sha256);
		s->mismatches++;
		rc = 1;
		break;
	default:
		lc_err_prefix(err, "cannot fetch bin/%s on the host", wf->name);
		if (err->code == LC_ERR_NOSPACE)
			lc_err_hint(err, "free space on the host's disk, then run up again");
		rc = -1;
	}
	cJSON_Delete(reply);
	return rc;
}

int lc_send_file(struct lc_layout *l, struct lc_agent *a, struct lc_want_file *wf,
		 int push_only, struct lc_sent *s, struct lc_buf *out, struct lc_buf *note,
		 struct lc_err *err)
{
	struct lc_binfile bin;
	long long before = s->bytes;
	int rc;

	if (wf->url_role >= 0) {
		if (!push_only && (rc = host_fetch(l, a, wf, s, out, note, err)) <= 0)
			return rc;
		lc_err_clear(err);
		if (lc_layout_program(l, wf->url_role, &bin, err)) {
			lc_err_prefix(err, "cannot send bin/%s", wf->name);
			return -1;
		}
		wf->size = bin.size;
	}
	if (lc_put_file(a, l->m, wf, &s->bytes, err))
		return -1;
	if (wf->area == LC_AREA_BIN)
		s->program_bytes += s->bytes - before;
	if (wf->url_role >= 0 && !push_only)
		s->pushed++;
	return 0;
}

int lc_remove_retired(struct lc_agent *a, const struct lc_manifest *m, int role,
		      unsigned *removed, struct lc_err *err)
{
	const char *const *names = lc_retired_secrets(role);
	cJSON *req, *arr, *reply;

	*removed = 0;
	if (!names[0])
		return 0;
	req = lc_req("remove", m->name);
	if (!req || !cJSON_AddStringToObject(req, "area", lc_area_names[LC_AREA_SECRET]) ||
	    !(arr = cJSON_AddArrayToObject(req, "names"))) {
		cJSON_Delete(req);
		return lc_err_set(err, "out of memory");
	}
	for (; *names; names++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(*names));
	if (!(reply = lc_call_ok(a, req, err)))
		return -1;
	*removed = (unsigned)cJSON_GetNumberValue(cJSON_GetObjectItem(reply, "removed"));
	cJSON_Delete(reply);
	return 0;
}

int lc_unit_install(struct lc_agent *a, const struct lc_manifest *m, int role,
		    struct lc_err *err)
{
	cJSON *req = lc_req("unit", m->name), *env, *reply;
	char name[96];

	if (!req)
		return lc_err_set(err, "out of memory");
	snprintf(name, sizeof(name), "%s.env", lc_roles[role].name);
	cJSON_AddStringToObject(req, "role", lc_roles[role].name);
	cJSON_AddStringToObject(req, "action", "install");
	cJSON_AddStringToObject(req, "exec", lc_roles[role].name);
	env = cJSON_AddArrayToObject(req, "env");
	cJSON_AddItemToArray(env, cJSON_CreateString("common.env"));
	cJSON_AddItemToArray(env, cJSON_CreateString(name));
	if (!(reply = lc_call_ok(a, req, err)))
		return -1;
	cJSON_Delete(reply);
	return 0;
}

int lc_unit_action(struct lc_agent *a, const struct lc_manifest *m, int role,
		   const char *action, struct lc_err *err)
{
	cJSON *req = lc_req("unit", m->name), *reply;

	if (!req)
		return lc_err_set(err, "out of memory");
	cJSON_AddStringToObject(req, "role", lc_roles[role].name);
	cJSON_AddStringToObject(req, "action", action);
	if (!(reply = lc_call_ok(a, req, err)))
		return -1;
	cJSON_Delete(reply);
	return 0;
}

int lc_restart_keeps_majority(unsigned n, unsigned down)
{
	/* A committee of one (the aggregator) cannot keep a majority. */
	return n == 1 || down + 1 <= lc_committee_max_down(n);
}

int lc_committee_safe(struct lc_run *r, size_t i, int role, struct lc_err *err)
{
	unsigned n = 0, down = 0;
	char why[200], names[300] = "";
	size_t j, len = 0;

	if (!lc_member_healthy(r, i, role, why, sizeof(why), NULL))
		return 0; /* already down: restarting it takes nothing away */
	for (j = 0; j < r->m->nhosts; j++) {
		if (!(r->m->hosts[j].roles & (1u << role)))
			continue;
		n++;
		if (j == i || lc_member_healthy(r, j, role, why, sizeof(why), NULL))
			continue;
		down++;
		if (len < sizeof(names))
			len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s (%s)",
						len ? ", " : "", r->m->hosts[j].ssh, why);
	}
	if (lc_restart_keeps_majority(n, down))
		return 0;
	lc_err_set(err, "not restarting %s on %s: %u of the %u members of its committee "
		   "are down already (%s), and one more would leave a majority down",
		   lc_roles[role].name, r->m->hosts[i].ssh, down, n, names);
	lc_err_hint(err, "bring those members back first ('latticectl status'), then run "
		    "again");
	return -1;
}

int lc_roll_member(struct lc_run *r, size_t i, struct lc_want_role *wr)
{
	const struct lc_want_host *wh = &r->lay.hosts[i];
	const char *role = lc_roles[wr->role].name;
	struct lc_fanout_host *h = &r->f.hosts[i];
	struct lc_buf log;
	struct lc_err err;
	long t0 = lc_now_ms();

	lc_err_clear(&err);
	if (lc_committee_safe(r, i, wr->role, &err)) {
		lc_run_note(r, wh->hostid, role, "restart", wr->inputs, "skipped", "%s", err.msg);
		r->err = err;
		return -1;
	}
	if (!r->ctx->quiet && !r->ctx->json)
		fprintf(stderr, "%s: restarting %s (%s)\n", wh->name, role,
			wr->action == LC_ACT_REPAIR ? "drift repaired" : "updated");
	lc_run_note(r, wh->hostid, role, "restart", wr->inputs, "begin", "%s", "");
	lc_buf_init(&log, 1 << 16);
	if (lc_unit_action(h->agent, r->m, wr->role, "restart", &err) ||
	    lc_wait_member(r, i, wr->role, MEMBER_MS, &log, &err)) {
		lc_run_note(r, wh->hostid, role, "restart", wr->inputs, "failed", "%s", err.msg);
		fprintf(stderr, "%s: %s did not come back; its last log lines:\n%s", wh->name,
			role, log.len ? log.ptr : "  (none)\n");
		lc_err_prefix(&err, "rollout stopped");
		lc_err_hint(&err, "the other members were left untouched; fix %s (see its log "
			    "above), then run 'latticectl up' again", role);
		r->err = err;
		lc_buf_release(&log);
		return -1;
	}
	lc_buf_release(&log);
	lc_run_note(r, wh->hostid, role, "restart", wr->inputs, "done", "healthy after %.1f s",
		    (lc_now_ms() - t0) / 1000.0);
	if (!r->ctx->quiet && !r->ctx->json)
		fprintf(stderr, "%s: %s healthy again after %.1f s\n", wh->name, role,
			(lc_now_ms() - t0) / 1000.0);
	wr->action = LC_ACT_NOTHING;
	return 0;
}

int lc_rollout(struct lc_run *r)
{
	int role, pass;
	size_t i, k;

	for (role = 0; role < LC_ROLE_COUNT; role++) {
		/* Members already down first: restarting them costs nothing. */
		for (pass = 0; pass < 2; pass++)
			for (i = 0; i < r->lay.nhosts; i++) {
				struct lc_want_host *wh = &r->lay.hosts[i];

				if (!wh->planned || r->f.hosts[i].rc)
					continue;
				for (k = 0; k < wh->nroles; k++) {
					struct lc_want_role *wr = &wh->roles[k];
					int running;

					if (wr->role != role || (wr->action != LC_ACT_UPDATE &&
								 wr->action != LC_ACT_REPAIR))
						continue;
					running = !strcmp(wr->state, "up") || !strcmp(wr->state, "starting");
					if (running != pass)
						continue;
					if (lc_interrupted)
						return -1;
					if (lc_roll_member(r, i, wr))
						return -1;
				}
			}
	}
	return 0;
}
