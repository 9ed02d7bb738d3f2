/* rollout.c - restarts that never take a committee below its quorum: every committee at once, each in batches its size allows, each batch healthy before the next. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "deploy.h"
#include "lc.h"
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

int lc_restart_keeps_quorum(unsigned n, unsigned t, unsigned down, unsigned more)
{
	/* A committee of one (the aggregator) cannot keep a majority. */
	return n == 1 || down + more <= lc_committee_batch(n, t);
}

/* The refusal to restart role on host i while down of its committee's n
 * members are down already (names says which and why). */
static int refuse(struct lc_err *err, const struct lc_run *r, size_t i, int role,
		  unsigned n, unsigned down, const char *names)
{
	unsigned keep = n - lc_committee_batch(n, lc_committee_threshold(r->m, role));

	lc_err_set(err, "not restarting %s on %s: %u of the %u members of its committee "
		   "are down already (%s), and one more would leave fewer than %u of them up",
		   lc_roles[role].name, r->m->hosts[i].ssh, down, n, names, keep);
	lc_err_hint(err, "bring those members back first ('latticectl status'), then run "
		    "again");
	return -1;
}

/* Append "host (why)" to the ", "-separated list names. */
static void name_down(char *names, size_t size, const char *host, const char *why)
{
	size_t len = strlen(names);

	if (len < size)
		snprintf(names + len, size - len, "%s%s (%s)", len ? ", " : "", host, why);
}

int lc_committee_safe(struct lc_run *r, size_t i, int role, struct lc_err *err)
{
	unsigned n = 0, down = 0;
	char why[200], names[300] = "";
	size_t j;

	if (!lc_member_healthy(r, i, role, why, sizeof(why), NULL))
		return 0; /* already down: restarting it takes nothing away */
	for (j = 0; j < r->m->nhosts; j++) {
		if (!(r->m->hosts[j].roles & (1u << role)))
			continue;
		n++;
		if (j == i || lc_member_healthy(r, j, role, why, sizeof(why), NULL))
			continue;
		down++;
		name_down(names, sizeof(names), r->m->hosts[j].ssh, why);
	}
	if (lc_restart_keeps_quorum(n, lc_committee_threshold(r->m, role), down, 1))
		return 0;
	return refuse(err, r, i, role, n, down, names);
}

/* Restart role wr of host i and wait until it is healthy again, journaled;
 * on failure print its last log lines and set err. */
static int restart_member(struct lc_run *r, size_t i, struct lc_want_role *wr,
			  struct lc_err *err)
{
	const struct lc_want_host *wh = &r->lay.hosts[i];
	const char *role = lc_roles[wr->role].name;
	struct lc_fanout_host *h = &r->f.hosts[i];
	struct lc_buf log;
	long t0 = lc_now_ms();

	if (!r->ctx->quiet && !r->ctx->json)
		fprintf(stderr, "%s: restarting %s (%s)\n", wh->name, role,
			wr->action == LC_ACT_REPAIR ? "drift repaired" : "updated");
	lc_run_note(r, wh->hostid, role, "restart", wr->inputs, "begin", "%s", "");
	lc_buf_init(&log, 1 << 16);
	if (lc_unit_action(h->agent, r->m, wr->role, "restart", err) ||
	    lc_wait_member(r, i, wr->role, MEMBER_MS, &log, err)) {
		lc_run_note(r, wh->hostid, role, "restart", wr->inputs, "failed", "%s", err->msg);
		fprintf(stderr, "%s: %s did not come back; its last log lines:\n%s", wh->name,
			role, log.len ? log.ptr : "  (none)\n");
		lc_err_prefix(err, "rollout stopped");
		lc_err_hint(err, "the members not restarted yet were left as they are; fix %s "
			    "(see its log above), then run 'latticectl up' again", role);
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

int lc_roll_member(struct lc_run *r, size_t i, struct lc_want_role *wr)
{
	const struct lc_want_host *wh = &r->lay.hosts[i];
	const char *role = lc_roles[wr->role].name;
	struct lc_err err;

	lc_err_clear(&err);
	if (lc_committee_safe(r, i, wr->role, &err)) {
		lc_run_note(r, wh->hostid, role, "restart", wr->inputs, "skipped", "%s", err.msg);
		r->err = err;
		return -1;
	}
	if (restart_member(r, i, wr, &err)) {
		r->err = err;
		return -1;
	}
	return 0;
}

/* ---- the rollout: every committee at once, each in batches ---- */

struct roll {
	struct lc_run *r;
	pthread_mutex_t mu;
	pthread_cond_t freed;   /* a slot came free */
	int slots;              /* member restarts that may run now (-j) */
	int failed;             /* a committee stopped on an error */
};

struct roll_committee;

struct roll_member {
	struct roll_committee *c;
	size_t host;
	struct lc_want_role *wr;
	struct lc_err err;
	int rc;
};

struct roll_committee {
	struct roll *ro;
	int role;
	unsigned n, t, batch;
	struct roll_member *todo; /* to restart, in order: members not running first */
	size_t ntodo, next;
};

/* A committee stopped on err: the first error becomes the run's (printed
 * last, with its hint), a later one is printed now; no committee begins
 * another batch. */
static void roll_fail(struct roll *ro, const struct lc_err *err)
{
	pthread_mutex_lock(&ro->mu);
	ro->failed = 1;
	if (!ro->r->err.msg[0])
		ro->r->err = *err;
	else
		lc_fail(err);
	pthread_mutex_unlock(&ro->mu);
}

/* Whether committees should begin no other batch: one failed, or SIGINT. */
static int roll_stopped(struct roll *ro)
{
	int failed;

	pthread_mutex_lock(&ro->mu);
	failed = ro->failed;
	pthread_mutex_unlock(&ro->mu);
	return failed || lc_interrupted;
}

/* One member of a batch, in its own thread: at most -j at once overall. */
static void *member_thread(void *arg)
{
	struct roll_member *mb = arg;
	struct roll *ro = mb->c->ro;

	pthread_mutex_lock(&ro->mu);
	while (ro->slots == 0)
		pthread_cond_wait(&ro->freed, &ro->mu);
	ro->slots--;
	pthread_mutex_unlock(&ro->mu);
	lc_err_clear(&mb->err);
	mb->rc = restart_member(ro->r, mb->host, mb->wr, &mb->err);
	pthread_mutex_lock(&ro->mu);
	ro->slots++;
	pthread_cond_signal(&ro->freed);
	pthread_mutex_unlock(&ro->mu);
	return NULL;
}

/*
 * How many members of c from c->next make its next batch: the committee
 * is probed, then members are taken in order while they fit.  One already
 * unhealthy always fits (restarting it takes nothing away); a healthy one
 * while the members down and the batch's healthy ones stay within c->batch
 * (lc_restart_keeps_quorum).  At most c->batch (one where that is none:
 * a committee of two).  0 with err set when the next member cannot go.
 */
static size_t pick_batch(struct roll_committee *c, struct lc_err *err)
{
	struct lc_run *r = c->ro->r;
	const struct lc_manifest *m = r->m;
	unsigned cap = c->batch ? c->batch : 1, down = 0, healthy = 0;
	char why[200], names[300] = "", *ok = calloc(m->nhosts ? m->nhosts : 1, 1);
	size_t j, k = 0;

	if (!ok) {
		lc_err_set(err, "out of memory");
		return 0;
	}
	for (j = 0; j < m->nhosts; j++) {
		if (!(m->hosts[j].roles & (1u << c->role)) ||
		    (ok[j] = (char)lc_member_healthy(r, j, c->role, why, sizeof(why), NULL)))
			continue;
		down++;
		name_down(names, sizeof(names), m->hosts[j].ssh, why);
	}
	for (; c->next + k < c->ntodo && k < cap; k++) {
		if (!ok[c->todo[c->next + k].host])
			continue;
		if (!lc_restart_keeps_quorum(c->n, c->t, down, healthy + 1))
			break;
		healthy++;
	}
	if (!k)
		refuse(err, r, c->todo[c->next].host, c->role, c->n, down, names);
	free(ok);
	return k;
}

/* One committee's rollout, in its own thread: batch after batch, each
 * back healthy before the next, until done, a failure or a stop. */
static void *committee_thread(void *arg)
{
	struct roll_committee *c = arg;
	struct roll *ro = c->ro;
	struct lc_run *r = ro->r;
	pthread_t *th = calloc(c->batch ? c->batch : 1, sizeof(*th));
	char *made = calloc(c->batch ? c->batch : 1, 1);
	struct lc_err err;
	size_t k, x;
	int bad;

	lc_err_clear(&err);
	if (!th || !made) {
		lc_err_set(&err, "out of memory");
		roll_fail(ro, &err);
		goto out;
	}
	while (c->next < c->ntodo && !roll_stopped(ro)) {
		if (!(k = pick_batch(c, &err))) {
			const struct roll_member *mb = &c->todo[c->next];

			lc_run_note(r, r->lay.hosts[mb->host].hostid, lc_roles[c->role].name,
				    "restart", mb->wr->inputs, "skipped", "%s", err.msg);
			roll_fail(ro, &err);
			break;
		}
		for (x = 0; x < k; x++) {
			made[x] = pthread_create(&th[x], NULL, member_thread,
						 &c->todo[c->next + x]) == 0;
			if (!made[x])
				member_thread(&c->todo[c->next + x]);
		}
		for (x = 0, bad = 0; x < k; x++) {
			if (made[x])
				pthread_join(th[x], NULL);
			if (c->todo[c->next + x].rc) {
				roll_fail(ro, &c->todo[c->next + x].err);
				bad = 1;
			}
		}
		c->next += k;
		if (bad)
			break;
	}
out:
	free(th);
	free(made);
	return NULL;
}

/* Say how committee c rolls: how many at a time, and what stays up. */
static void announce(const struct lc_run *r, const struct roll_committee *c)
{
	const char *role = lc_roles[c->role].name;
	char kept[96];

	if (r->ctx->quiet || r->ctx->json)
		return;
	if (c->n == 1)
		snprintf(kept, sizeof(kept), "a committee of one: down while it restarts");
	else if (!c->batch)
		snprintf(kept, sizeof(kept), "a committee of two: none may go while both are up");
	else if (c->t >= c->n)
		snprintf(kept, sizeof(kept), "warning: its threshold %u-of-%u needs every member: "
			 "below it while one restarts", c->t, c->n);
	else if (c->t > c->n / 2 + 1)
		snprintf(kept, sizeof(kept), "%u of %u stay up: its threshold %u-of-%u",
			 c->n - c->batch, c->n, c->t, c->n);
	else
		snprintf(kept, sizeof(kept), "%u of %u stay up: a majority", c->n - c->batch, c->n);
	fprintf(stderr, "rollout: %s: %zu of %u member%s to restart, at most %u at a time (%s)\n",
		role, c->ntodo, c->n, c->n == 1 ? "" : "s", c->batch ? c->batch : 1, kept);
}

int lc_rollout(struct lc_run *r)
{
	struct roll_committee cs[LC_ROLE_COUNT];
	pthread_t th[LC_ROLE_COUNT];
	int made[LC_ROLE_COUNT], role, pass, rc = 0;
	struct roll ro;
	size_t i, k;

	memset(cs, 0, sizeof(cs));
	memset(&ro, 0, sizeof(ro));
	ro.r = r;
	ro.slots = r->f.jobs > 0 ? r->f.jobs : 1;
	pthread_mutex_init(&ro.mu, NULL);
	pthread_cond_init(&ro.freed, NULL);
	for (role = 0; role < LC_ROLE_COUNT; role++) {
		struct roll_committee *c = &cs[role];

		c->ro = &ro;
		c->role = role;
		c->n = lc_committee_size(r->m, role);
		c->t = lc_committee_threshold(r->m, role);
		c->batch = lc_committee_batch(c->n, c->t);
		if (!(c->todo = calloc(r->lay.nhosts ? r->lay.nhosts : 1, sizeof(*c->todo)))) {
			lc_err_set(&r->err, "out of memory");
			rc = -1;
			goto out;
		}
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
					c->todo[c->ntodo].c = c;
					c->todo[c->ntodo].host = i;
					c->todo[c->ntodo].wr = wr;
					c->ntodo++;
				}
			}
	}
	if (lc_interrupted)
		goto out;
	/* Every committee at once: each keeps its own quorum, so the
	 * pipeline keeps flowing whatever order they finish in. */
	for (role = 0; role < LC_ROLE_COUNT; role++)
		if (cs[role].ntodo)
			announce(r, &cs[role]);
	for (role = 0; role < LC_ROLE_COUNT; role++) {
		made[role] = 0;
		if (!cs[role].ntodo)
			continue;
		made[role] = pthread_create(&th[role], NULL, committee_thread, &cs[role]) == 0;
		if (!made[role])
			committee_thread(&cs[role]);
	}
	for (role = 0; role < LC_ROLE_COUNT; role++)
		if (made[role])
			pthread_join(th[role], NULL);
out:
	for (role = 0; role < LC_ROLE_COUNT; role++) {
		if (cs[role].next < cs[role].ntodo)
			rc = -1; /* stopped: a failure (r->err) or SIGINT */
		free(cs[role].todo);
	}
	pthread_cond_destroy(&ro.freed);
	pthread_mutex_destroy(&ro.mu);
	return rc;
}
