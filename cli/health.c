/* health.c - when a role, a member and the lattice are healthy: one probe judged, a member waited for, and the health signal up waits for. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "clock.h"
#include "deploy.h"
#include "health.h"
#include "hex.h"
#include "roles.h"
#include "banned.h"

/* ---- one role, as its host's agent reports it ---- */

int lc_role_healthy(const struct lc_manifest *m, const struct lc_role_probe *r,
		    char *why, size_t whylen)
{
	char name[64];
	unsigned want = lc_committee_size(m, r->role);

	if (!r->installed) {
		snprintf(why, whylen, "not installed");
		return 0;
	}
	if (strcmp(r->state, "up")) {
		if (r->last_exit[0])
			snprintf(why, whylen, "state %s, last exit %s", r->state, r->last_exit);
		else
			snprintf(why, whylen, "state %s", r->state);
		return 0;
	}
	if (!r->metrics_ok) {
		snprintf(why, whylen, "metrics endpoint 127.0.0.1:%u does not answer",
			 lc_metrics_port(m, r->role));
		return 0;
	}
	lc_metric_name(name, sizeof(name), r->role, "up");
	if (isnan(r->up)) {
		snprintf(why, whylen, "no %s metric", name);
		return 0;
	}
	if (r->up != 1) {
		snprintf(why, whylen, "%s is %g", name, r->up);
		return 0;
	}
	lc_metric_name(name, sizeof(name), r->role, "committee_size");
	if (isnan(r->committee_size)) {
		snprintf(why, whylen, "no %s metric", name);
		return 0;
	}
	if (r->committee_size != (double)want) {
		snprintf(why, whylen, "committee size %g, the manifest says %u",
			 r->committee_size, want);
		return 0;
	}
	if (whylen)
		why[0] = '\0';
	return 1;
}

int lc_role_gave_up(const struct lc_role_probe *r)
{
	return !strcmp(r->state, "failed");
}

void lc_role_log(struct lc_buf *b, const struct lc_role_probe *r)
{
	const cJSON *line;

	if (cJSON_GetArraySize(r->log) == 0)
		lc_buf_printf(b, "  (none)\n");
	cJSON_ArrayForEach(line, r->log)
		if (cJSON_IsString(line))
			lc_buf_printf(b, "  %s\n", line->valuestring);
}

void lc_role_log_print(FILE *f, const struct lc_role_probe *r)
{
	struct lc_buf b;

	lc_buf_init(&b, 1 << 20);
	lc_role_log(&b, r);
	if (b.len)
		fwrite(b.ptr, 1, b.len, f);
	lc_buf_release(&b);
}

/* ---- one member, asked now or waited for ---- */

/* The probe of role on host i (the first matching entry), or NULL. */
static const struct lc_role_probe *role_of(const struct lc_host_probe *p, int role)
{
	size_t k;

	for (k = 0; k < p->n; k++)
		if (p->roles[k].role == role)
			return &p->roles[k];
	return NULL;
}

/* Whether role on host i is healthy right now; why when not; in *gave_up
 * (when given) whether its service manager has given up on it (state
 * failed: systemd's start limit, or the supervisor's crash limit), and in
 * *restarts (when given) its manager's restart count, -1 when unknown. */
static int member_check(struct lc_run *r, size_t i, int role, char *why, size_t size,
			struct lc_buf *log, int *gave_up, long *restarts)
{
	struct lc_fanout_host *h = &r->f.hosts[i];
	const struct lc_role_probe *rp;
	struct lc_host_probe p;
	struct lc_err err;
	int ok = 0;

	memset(&p, 0, sizeof(p));
	lc_err_clear(&err);
	if (!h->agent) {
		snprintf(why, size, "not connected: %.150s", h->err.msg[0] ? h->err.msg : "unknown");
		return 0;
	}
	if (lc_probe_host(h->agent, r->m, i, 1, &p, &err)) {
		snprintf(why, size, "%.190s", err.msg);
		return 0;
	}
	if (!(rp = role_of(&p, role)))
		snprintf(why, size, "not installed");
	else
		ok = lc_role_healthy(r->m, rp, why, size);
	if (gave_up)
		*gave_up = !ok && rp && lc_role_gave_up(rp);
	if (restarts)
		*restarts = rp ? rp->restarts : -1;
	if (!ok && log && rp && cJSON_IsArray(rp->log)) {
		lc_buf_reset(log);
		lc_role_log(log, rp);
	}
	lc_probe_release(&p);
	return ok;
}

int lc_member_healthy(struct lc_run *r, size_t i, int role, char *why, size_t size,
		      struct lc_buf *log)
{
	return member_check(r, i, role, why, size, log, NULL, NULL);
}

int lc_wait_member(struct lc_run *r, size_t i, int role, long ms,
		   struct lc_buf *log, struct lc_err *err)
{
	long deadline = lc_now_ms() + ms, restarts, first = -1;
	char why[200];
	int gave_up = 0;

	for (;;) {
		if (member_check(r, i, role, why, sizeof(why), log, &gave_up, &restarts))
			return 0;
		if (gave_up) {
			lc_err_set(err, "%s on %s failed and its service manager gave up "
				   "restarting it: %s", lc_roles[role].name, r->m->hosts[i].ssh, why);
			return -1;
		}
		/* Counted from the first look (a manager may or may not reset
		 * its count on a restart asked for): a member that has
		 * crashed and been restarted LC_CRASH_LOOP times since is not
		 * coming back; its manager goes on trying, the rollout does not
		 * wait for it to give up. */
		if (restarts >= 0 && (first < 0 || restarts < first))
			first = restarts;
		if (first >= 0 && restarts - first >= LC_CRASH_LOOP) {
			lc_err_set(err, "%s on %s is crash-looping: restarted %ld times by its "
				   "service manager since the update, never healthy: %s",
				   lc_roles[role].name, r->m->hosts[i].ssh, restarts - first, why);
			return -1;
		}
		if (lc_now_ms() > deadline) {
			lc_err_set(err, "%s on %s did not come back healthy within %ld s: %s",
				   lc_roles[role].name, r->m->hosts[i].ssh, ms / 1000, why);
			return -1;
		}
		usleep(250 * 1000);
	}
}

/* ---- the health signal: every role, then the pipeline ---- */

struct health {
	struct lc_run *r;
	struct lc_host_probe *p;   /* per host */
	int *ok;                   /* per host: probed */
	unsigned healthy, total;
};

static int probe_task(struct lc_fanout_host *h, void *arg)
{
	struct health *hs = arg;
	size_t i = (size_t)(h - hs->r->f.hosts);
	struct lc_agent *a;

	lc_probe_release(&hs->p[i]);
	hs->ok[i] = 0;
	if (lc_fanout_agent(h, &a) ||
	    lc_probe_host(a, hs->r->m, i, 1, &hs->p[i], &h->err))
		return -1;
	hs->ok[i] = 1;
	return 0;
}

/* Probe every host once; count healthy roles.  first_bad receives a
 * description of one unhealthy role. */
static void probe_all(struct health *hs, char *first_bad, size_t size)
{
	struct lc_run *r = hs->r;
	size_t i, k;

	/* A probe that fails now may pass next time: the host stays in. */
	lc_fanout_step(&r->f, "health", probe_task, hs, LC_STEP_SILENT | LC_STEP_KEEP_FAILED);
	hs->healthy = hs->total = 0;
	first_bad[0] = '\0';
	for (i = 0; i < r->m->nhosts; i++) {
		const struct lc_want_host *wh = &r->lay.hosts[i];

		if (!hs->ok[i]) {
			hs->total += (unsigned)wh->nroles;
			if (!first_bad[0])
				snprintf(first_bad, size, "%.60s: %.300s", wh->name, r->f.hosts[i].err.msg);
			continue;
		}
		for (k = 0; k < hs->p[i].n; k++) {
			char why[128];

			hs->total++;
			if (lc_role_healthy(r->m, &hs->p[i].roles[k], why, sizeof(why)))
				hs->healthy++;
			else if (!first_bad[0])
				snprintf(first_bad, size, "%s %s: %s", wh->name,
					 lc_roles[hs->p[i].roles[k].role].name, why);
		}
	}
}

/* The pipeline metric's value on every member that serves it, summed
 * over those that answered; *members counts them. */
static int pipeline_values(struct lc_run *r, double *vals, size_t *members)
{
	const char *metric = r->m->health.pipeline_metric;
	size_t i, k, n = 0;

	for (i = 0; i < r->m->nhosts; i++) {
		const struct lc_want_host *wh = &r->lay.hosts[i];
		struct lc_agent *a = r->f.hosts[i].agent;

		for (k = 0; k < wh->nroles; k++) {
			int role = wh->roles[k].role;
			const char *org = lc_org_names[lc_roles[role].org];
			cJSON *req, *reply, *v, *names;
			struct lc_err err;

			if (strncmp(metric, org, strlen(org)) || metric[strlen(org)] != '_')
				continue;
			vals[n] = NAN;
			lc_err_clear(&err);
			if (a && (req = lc_req("metrics", r->m->name))) {
				cJSON_AddStringToObject(req, "role", lc_roles[role].name);
				cJSON_AddNumberToObject(req, "port", lc_metrics_port(r->m, role));
				names = cJSON_AddArrayToObject(req, "names");
				cJSON_AddItemToArray(names, cJSON_CreateString(metric));
				if ((reply = lc_call_ok(a, req, &err))) {
					v = cJSON_GetObjectItem(cJSON_GetObjectItem(reply, "samples"), metric);
					if (cJSON_IsNumber(v))
						vals[n] = v->valuedouble;
					cJSON_Delete(reply);
				}
			}
			n++;
		}
	}
	*members = n;
	return n ? 0 : -1;
}

/* pipeline_command: run locally with the lattice's identity in its
 * environment; 0 when it exits 0 within ms. */
static int pipeline_command(struct lc_run *r, long ms)
{
	char idhex[65], chain[24];
	long t0 = lc_now_ms();
	pid_t pid;
	int status;

	lc_hex_encode(idhex, r->id.lattice_id, 32);
	snprintf(chain, sizeof(chain), "%llu", (unsigned long long)r->m->chain_id);
	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		setenv("LATTICE_INSTANCE", r->m->name, 1);
		setenv("LATTICE_CHAIN_ID", chain, 1);
		setenv("LATTICE_ID", idhex, 1);
		setenv("LATTICE_CONFIG_HEX", r->id.hex, 1);
		setenv("LATTICE_MANIFEST", r->m->path, 1);
		execl("/bin/sh", "sh", "-c", r->m->health.pipeline_command, (char *)NULL);
		_exit(127);
	}
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
		if (w < 0 && errno != EINTR)
			return -1;
		if (lc_now_ms() - t0 > ms) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		usleep(50 * 1000);
	}
}

/*
 * The roles whose service manager has given up on them (state failed:
 * systemd's start limit, or the supervisor's crash limit): no wait will
 * bring them back.  Each is printed with its last log lines; r->err names
 * them all.  Returns how many there are.
 */
static unsigned gave_up(struct health *hs)
{
	struct lc_run *r = hs->r;
	char names[300] = "";
	size_t i, k, len = 0;
	unsigned n = 0;

	for (i = 0; i < r->m->nhosts; i++) {
		const char *host = r->lay.hosts[i].name;

		for (k = 0; hs->ok[i] && k < hs->p[i].n; k++) {
			const struct lc_role_probe *rp = &hs->p[i].roles[k];

			if (!lc_role_gave_up(rp))
				continue;
			fprintf(stderr, "%s: %s failed%s%s and its service manager gave up "
				"restarting it; its last log lines:\n", host,
				lc_roles[rp->role].name, rp->last_exit[0] ? ", last exit " : "",
				rp->last_exit);
			lc_role_log_print(stderr, rp);
			if (len < sizeof(names))
				len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s %s",
							n ? ", " : "", host, lc_roles[rp->role].name);
			n++;
		}
	}
	if (n) {
		lc_err_set(&r->err, "no health signal: %u role%s failed and will not be restarted: %s",
			   n, n == 1 ? "" : "s", names);
		lc_err_hint(&r->err, "fix the role (its log is above; 'latticectl status' shows the "
			    "rest), then run up again: it restarts the failed roles");
	}
	return n;
}

/*
 * Wait for every role healthy, then for the pipeline signal: the
 * pipeline metric advancing on a majority of the members that serve it
 * (one slot through the whole pipeline), or pipeline_command exiting 0.
 * Returns 0 with *hosts_up set, or -1 with r->err set.
 */
int lc_health_wait(struct lc_run *r, unsigned *hosts_up, char *signal, size_t size)
{
	struct health hs = { r, NULL, NULL, 0, 0 };
	long t0 = lc_now_ms(), deadline = t0 + (long)r->m->health.deadline_s * 1000, tick;
	double *base = NULL, *vals = NULL;
	size_t i, n = 0, k, advanced;
	char bad[400];
	int rc = -1;

	*hosts_up = 0;
	hs.p = calloc(r->m->nhosts ? r->m->nhosts : 1, sizeof(*hs.p));
	hs.ok = calloc(r->m->nhosts ? r->m->nhosts : 1, sizeof(*hs.ok));
	base = calloc(r->m->nhosts * LC_ROLE_COUNT + 1, sizeof(double));
	vals = calloc(r->m->nhosts * LC_ROLE_COUNT + 1, sizeof(double));
	if (!hs.p || !hs.ok || !base || !vals) {
		lc_err_set(&r->err, "out of memory");
		goto out;
	}
	for (;;) {
		tick = lc_now_ms();
		probe_all(&hs, bad, sizeof(bad));
		if (hs.healthy == hs.total)
			break;
		if (lc_interrupted || gave_up(&hs))
			goto out;
		if (lc_now_ms() > deadline) {
			lc_err_set(&r->err, "no health signal within %u s: %u of %u roles healthy; "
				   "first not: %s", r->m->health.deadline_s, hs.healthy, hs.total, bad);
			lc_err_hint(&r->err, "see 'latticectl status' and the role's log there; "
				    "run up again once it is fixed");
			goto out;
		}
		if (lc_now_ms() - tick < 500)
			usleep((useconds_t)(500 - (lc_now_ms() - tick)) * 1000);
	}
	for (i = 0; i < r->m->nhosts; i++)
		*hosts_up += hs.ok[i];
	if (r->m->health.pipeline_command) {
		while (pipeline_command(r, deadline - lc_now_ms()))
			if (lc_interrupted || lc_now_ms() > deadline) {
				lc_err_set(&r->err, "pipeline_command did not succeed within %u s",
					   r->m->health.deadline_s);
				lc_err_hint(&r->err, "run it by hand: %s", r->m->health.pipeline_command);
				goto out;
			} else {
				usleep(500 * 1000);
			}
		snprintf(signal, size, "pipeline_command succeeded in %.1f s",
			 (lc_now_ms() - t0) / 1000.0);
		rc = 0;
		goto out;
	}
	if (pipeline_values(r, base, &n)) {
		lc_err_set(&r->err, "no role serves the pipeline metric '%s'",
			   r->m->health.pipeline_metric);
		lc_err_hint(&r->err, "set [health] pipeline_metric to an <organism>_<name> "
			    "metric, or pipeline_command");
		goto out;
	}
	for (;;) {
		usleep(250 * 1000);
		pipeline_values(r, vals, &k);
		for (advanced = 0, i = 0; i < n && i < k; i++)
			advanced += !isnan(base[i]) && !isnan(vals[i]) && vals[i] > base[i];
		if (advanced * 2 > n)
			break;
		if (lc_interrupted)
			goto out;
		if (lc_now_ms() > deadline) {
			lc_err_set(&r->err, "every role is up, but '%s' did not advance on a "
				   "majority of its %zu members within %u s",
				   r->m->health.pipeline_metric, n, r->m->health.deadline_s);
			lc_err_hint(&r->err, "the organisms run but the pipeline does not commit: "
				    "check their logs ('latticectl status -v')");
			goto out;
		}
	}
	snprintf(signal, size, "%s advanced on %zu/%zu members in %.1f s",
		 r->m->health.pipeline_metric, advanced, n, (lc_now_ms() - t0) / 1000.0);
	rc = 0;
out:
	for (i = 0; hs.p && i < r->m->nhosts; i++)
		lc_probe_release(&hs.p[i]);
	free(hs.p);
	free(hs.ok);
	free(base);
	free(vals);
	return rc;
}
