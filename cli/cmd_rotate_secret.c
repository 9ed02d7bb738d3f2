/* cmd_rotate_secret.c - `latticectl rotate-secret ORG`: a new committee-admission secret for every member of one organism in lockstep: made, staged on every member host, then the committee stopped, switched and started together. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "clock.h"
#include "hex.h"
#include "plan.h"
#include "roles.h"
#include "rollout.h"
#include "rotation.h"
#include "run.h"
#include "secrets.h"
#include "sha256.h"
#include "state.h"
#include "up.h"
#include "banned.h"

/* How long one member may take to come back. */
#define MEMBER_MS 60000L

static int yes;

/* One rotation's run. */
struct rs {
	struct lc_run *r;
	int org, crole;        /* the organism; the role holding its secret */
	unsigned roles;        /* org's roles (bits): the committee's, zipnet's aggregator */
	unsigned phase;        /* the roles a stop or start step acts on */
	char *sel;             /* per host: it runs a role of org */
	unsigned *tostart;     /* per host: org's roles to start (bits) */
	unsigned *stopped, *started; /* per host: what this run did (bits) */
	char rel[64];          /* admission/<org>.secret */
	char retired[96];      /* retired/<org>.secret.<time> */
	char old[65], now[65]; /* sha256 of the secret file retired and put in place */
	char id_before[65], id_after[65];
	int resumed, lockstep, done;
	long t_down;           /* when the committee was stopped (ms), 0: not by this run */
	double down_s;         /* how long it was down, -1: not known */
};

static int is_committee(int role)
{
	return role != LC_ROLE_ZIPNET_AGGREGATOR;
}

/* The layout's entry for role on host i, or NULL. */
static struct lc_want_role *want_role(struct lc_run *r, size_t i, int role)
{
	struct lc_want_host *wh = &r->lay.hosts[i];
	size_t k;

	for (k = 0; k < wh->nroles; k++)
		if (wh->roles[k].role == role)
			return &wh->roles[k];
	return NULL;
}

/* The role's admission secret in the host's layout, or NULL. */
static struct lc_want_file *secret_file(struct lc_want_host *wh, const struct lc_want_role *wr)
{
	char name[96];
	size_t n;

	snprintf(name, sizeof(name), "%s.committee", lc_roles[wr->role].name);
	for (n = 0; n < wr->nfiles; n++)
		if (wh->files[wr->file[n]].area == LC_AREA_SECRET &&
		    !strcmp(wh->files[wr->file[n]].name, name))
			return &wh->files[wr->file[n]];
	return NULL;
}

static int running(const struct lc_want_role *wr)
{
	return !strcmp(wr->state, "up") || !strcmp(wr->state, "starting");
}

/* ---- the steps, host by host ---- */

/* Stage: the new secret beside the old, as <role>.committee.next, which
 * no env file names: a member that restarts meanwhile still reads the old
 * one, and every host is known to hold the new one before any stops. */
static int stage_task(struct lc_fanout_host *h, void *arg)
{
	struct rs *rs = arg;
	struct lc_run *r = rs->r;
	size_t i = (size_t)(h - r->f.hosts);
	struct lc_want_host *wh = &r->lay.hosts[i];
	struct lc_want_file staged, *wf;
	struct lc_want_role *wr;
	struct lc_agent *a;
	long long bytes = 0;

	if (!rs->sel[i])
		return 0;
	if (lc_fanout_agent(h, &a))
		return -1;
	if (!(wr = want_role(r, i, rs->crole)))
		return 0;
	if (!(wf = secret_file(wh, wr)))
		return lc_err_set(&h->err, "no admission secret in the layout of %s",
				  lc_roles[wr->role].name);
	staged = *wf;
	snprintf(staged.name, sizeof(staged.name), "%s.committee.next", lc_roles[wr->role].name);
	if (lc_put_file(a, r->m, &staged, &bytes, &h->err)) {
		lc_run_note(r, wh->hostid, lc_roles[wr->role].name, "stage", rs->now, "failed",
			    "%s", h->err.msg);
		return -1;
	}
	lc_run_note(r, wh->hostid, lc_roles[wr->role].name, "stage", rs->now, "done",
		    "new admission secret staged as secret/%s", staged.name);
	lc_buf_printf(&h->out, "%s: new admission secret staged\n", lc_roles[wr->role].name);
	return 0;
}

/* How the members differ from the layout (the new secret in it). */
static int plan_task(struct lc_fanout_host *h, void *arg)
{
	struct rs *rs = arg;
	struct lc_run *r = rs->r;
	size_t i = (size_t)(h - r->f.hosts);
	struct lc_agent *a;

	if (!rs->sel[i])
		return 0;
	if (lc_fanout_agent(h, &a))
		return -1;
	return lc_plan_host(a, r->m, &r->lay.hosts[i], r->j, &h->err);
}

static int stop_task(struct lc_fanout_host *h, void *arg)
{
	struct rs *rs = arg;
	struct lc_run *r = rs->r;
	size_t i = (size_t)(h - r->f.hosts);
	const char *hostid = r->lay.hosts[i].hostid;
	struct lc_agent *a;
	int role;

	if (!rs->sel[i])
		return 0;
	for (role = 0; role < LC_ROLE_COUNT; role++) {
		if (!(rs->phase & (1u << role)) || !(r->m->hosts[i].roles & (1u << role)))
			continue;
		if (lc_fanout_agent(h, &a))
			return -1;
		if (lc_unit_action(a, r->m, role, "stop", &h->err)) {
			if (h->err.code != LC_ERR_NOTFOUND) {
				lc_run_note(r, hostid, lc_roles[role].name, "stop", "", "failed", "%s",
					    h->err.msg);
				return -1;
			}
			lc_err_clear(&h->err); /* not installed: the switch installs it */
			continue;
		}
		lc_run_note(r, hostid, lc_roles[role].name, "stop", "", "done",
			    "with the whole %s committee, to switch its admission secret",
			    lc_org_names[rs->org]);
		lc_buf_printf(&h->out, "stopped %s\n", lc_roles[role].name);
		rs->stopped[i] |= 1u << role;
	}
	return 0;
}

/* Remove the staged copy once the secret is in place. */
static int unstage(struct lc_agent *a, const struct lc_manifest *m, const char *name,
		   struct lc_err *err)
{
	cJSON *req = lc_req("remove", m->name), *arr, *reply;

	if (!req || !cJSON_AddStringToObject(req, "area", lc_area_names[LC_AREA_SECRET]) ||
	    !(arr = cJSON_AddArrayToObject(req, "names"))) {
		cJSON_Delete(req);
		return lc_err_set(err, "out of memory");
	}
	cJSON_AddItemToArray(arr, cJSON_CreateString(name));
	if (!(reply = lc_call_ok(a, req, err)))
		return -1;
	cJSON_Delete(reply);
	return 0;
}

/* Switch: the member's files as the layout has them (the new secret in
 * place of the old), the staged copy gone, its unit current. */
static int switch_task(struct lc_fanout_host *h, void *arg)
{
	struct rs *rs = arg;
	struct lc_run *r = rs->r;
	size_t i = (size_t)(h - r->f.hosts);
	struct lc_want_host *wh = &r->lay.hosts[i];
	struct lc_want_file *secret;
	struct lc_want_role *wr;
	struct lc_agent *a;
	long long bytes = 0;
	char staged[128];
	size_t n;

	if (!rs->sel[i] || !(wr = want_role(r, i, rs->crole)))
		return 0;
	if (lc_fanout_agent(h, &a))
		return -1;
	secret = secret_file(wh, wr);
	for (n = 0; n < wr->nfiles; n++) {
		struct lc_want_file *wf = &wh->files[wr->file[n]];

		if ((wf->differs || wf == secret) && lc_put_file(a, r->m, wf, &bytes, &h->err))
			goto fail;
	}
	snprintf(staged, sizeof(staged), "%s.committee.next", lc_roles[wr->role].name);
	if (unstage(a, r->m, staged, &h->err) || lc_unit_install(a, r->m, wr->role, &h->err))
		goto fail;
	lc_run_note(r, wh->hostid, lc_roles[wr->role].name, "files", wr->inputs, "done",
		    "admission secret switched");
	lc_buf_printf(&h->out, "%s: admission secret switched\n", lc_roles[wr->role].name);
	return 0;
fail:
	lc_run_note(r, wh->hostid, lc_roles[wr->role].name, "files", wr->inputs, "failed", "%s",
		    h->err.msg);
	return -1;
}

static int start_task(struct lc_fanout_host *h, void *arg)
{
	struct rs *rs = arg;
	struct lc_run *r = rs->r;
	size_t i = (size_t)(h - r->f.hosts);
	struct lc_want_role *wr;
	struct lc_agent *a;
	int role;

	if (!rs->sel[i])
		return 0;
	for (role = 0; role < LC_ROLE_COUNT; role++) {
		if (!(rs->phase & rs->tostart[i] & (1u << role)) || !(wr = want_role(r, i, role)))
			continue;
		if (lc_fanout_agent(h, &a) || lc_unit_action(a, r->m, role, "start", &h->err)) {
			lc_run_note(r, r->lay.hosts[i].hostid, lc_roles[role].name, "start",
				    wr->inputs, "failed", "%s", h->err.msg);
			return -1;
		}
		lc_run_note(r, r->lay.hosts[i].hostid, lc_roles[role].name, "start", wr->inputs,
			    "done", "with the whole %s committee", lc_org_names[rs->org]);
		lc_buf_printf(&h->out, "started %s\n", lc_roles[role].name);
		rs->started[i] |= 1u << role;
	}
	return 0;
}

/* ---- around them ---- */

/* Wait until every member of the roles in rs->phase is healthy. */
static int wait_members(struct rs *rs)
{
	struct lc_run *r = rs->r;
	struct lc_buf log;
	size_t i;
	int role, rc = 0;

	lc_buf_init(&log, 1 << 16);
	for (role = 0; !rc && role < LC_ROLE_COUNT; role++)
		for (i = 0; !rc && i < r->m->nhosts; i++) {
			if (!(rs->phase & (1u << role)) || !(r->m->hosts[i].roles & (1u << role)))
				continue;
			if (lc_wait_member(r, i, role, MEMBER_MS, &log, &r->err) == 0)
				continue;
			fprintf(stderr, "%s: %s did not come back; its last log lines:\n%s",
				r->m->hosts[i].ssh, lc_roles[role].name,
				log.len ? log.ptr : "  (none)\n");
			rc = -1;
		}
	lc_buf_release(&log);
	return rc;
}

/* A fan-out step over the members; a host that fails stops the run. */
static int step(struct rs *rs, const char *name, lc_host_task task)
{
	struct lc_run *r = rs->r;
	size_t failed = lc_fanout_run(&r->f, name, task, rs);

	if (lc_interrupted) {
		lc_err_set(&r->err, "interrupted after %s", name);
		return -1;
	}
	if (failed) {
		lc_err_set(&r->err, "%s failed on %zu host%s (see above)", name, failed,
			   failed == 1 ? "" : "s");
		return -1;
	}
	return 0;
}

static const char *ago(char *out, size_t size, int64_t when)
{
	time_t t = (time_t)when;
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(out, size, "%Y-%m-%d %H:%M:%SZ", &tm))
		snprintf(out, size, "earlier");
	return out;
}

/* When a rotation of rs->org is under way, when it began (read-only, for
 * the question: the run reads the journal again under its lock); else 0. */
static int64_t pending_since(const struct rs *rs, struct lc_ctx *ctx)
{
	const struct lc_jrec *begin;
	struct lc_journal *j = NULL;
	struct lc_err err;
	char statedir[4096];
	int64_t t = 0;

	lc_err_clear(&err);
	lc_state_path(statedir, sizeof(statedir), ctx->state_dir, ctx->manifest->name);
	if (lc_journal_open_ro(&j, statedir, &err))
		return 0; /* the run reports it */
	if ((begin = lc_rotation_pending(j, rs->org)))
		t = begin->time ? begin->time : 1;
	lc_journal_close(j);
	return t;
}

/*
 * On a terminal, say what happens and ask for the organism's name.  Asked
 * before the run takes its locks: an interrupt here ends latticectl at
 * once, having changed nothing.
 */
static int confirm(const struct rs *rs, struct lc_ctx *ctx)
{
	const struct lc_manifest *m = ctx->manifest;
	int64_t since = pending_since(rs, ctx);
	char line[256], when[32];
	unsigned n = 0;
	size_t i, len;
	int role;

	for (i = 0; i < m->nhosts; i++)
		n += !!(m->hosts[i].roles & (1u << rs->crole));
	if (since)
		fprintf(stderr, "rotate-secret finishes the rotation of the %s admission secret "
			"of lattice '%s' begun %s.\n", lc_org_names[rs->org], m->name,
			ago(when, sizeof(when), since));
	else
		fprintf(stderr, "rotate-secret gives the %s committee of lattice '%s' a new "
			"admission secret.\n", lc_org_names[rs->org], m->name);
	fprintf(stderr, "Its members:\n");
	for (i = 0; i < m->nhosts; i++)
		for (role = 0; role < LC_ROLE_COUNT; role++)
			if ((rs->roles & m->hosts[i].roles & (1u << role)))
				fprintf(stderr, "  %-24s %s%s\n", m->hosts[i].ssh, lc_roles[role].name,
					is_committee(role) ? "" : " (holds no secret; restarted after "
					"the committee)");
	fprintf(stderr, "The new secret is staged on every member host first; then all %u "
		"members are stopped, switched and started together: the committee is down "
		"as a whole for a moment, because members holding different secrets cannot "
		"admit each other.  The fingerprint (lattice_id) does not change.  The old "
		"secret is kept in %s/%s/retired/ until the rotation completes.\n", n,
		ctx->secrets_dir, m->name);
	fprintf(stderr, "Type the organism name (%s) to confirm: ", lc_org_names[rs->org]);
	if (!fgets(line, sizeof(line), stdin))
		line[0] = '\0';
	len = strcspn(line, "\r\n");
	line[len] = '\0';
	if (strcmp(line, lc_org_names[rs->org])) {
		fprintf(stderr, "latticectl: not confirmed; nothing was changed\n");
		return -1;
	}
	return 0;
}

static cJSON *host_list(const struct rs *rs, const unsigned *bits)
{
	cJSON *a = cJSON_CreateArray();
	size_t i;

	for (i = 0; a && i < rs->r->m->nhosts; i++)
		if (rs->sel[i] && bits[i])
			cJSON_AddItemToArray(a, cJSON_CreateString(rs->r->m->hosts[i].ssh));
	return a;
}

/* --json: the outcome as one "done" event; hashes and names, no secret. */
static void print_done(const struct rs *rs, int ok)
{
	const struct lc_run *r = rs->r;
	cJSON *o = cJSON_CreateObject(), *a, *mo;
	size_t i;
	int role;

	if (!o)
		return;
	cJSON_AddStringToObject(o, "event", "done");
	cJSON_AddStringToObject(o, "lattice", r->m->name);
	cJSON_AddBoolToObject(o, "ok", ok);
	cJSON_AddStringToObject(o, "organism", lc_org_names[rs->org]);
	if ((a = cJSON_AddArrayToObject(o, "members")))
		for (i = 0; i < r->m->nhosts; i++)
			for (role = 0; role < LC_ROLE_COUNT; role++)
				if ((rs->roles & r->m->hosts[i].roles & (1u << role)) &&
				    (mo = cJSON_CreateObject())) {
					cJSON_AddStringToObject(mo, "host", r->m->hosts[i].ssh);
					cJSON_AddStringToObject(mo, "role", lc_roles[role].name);
					cJSON_AddBoolToObject(mo, "holds_secret", is_committee(role));
					cJSON_AddItemToArray(a, mo);
				}
	cJSON_AddBoolToObject(o, "resumed", rs->resumed);
	cJSON_AddBoolToObject(o, "lockstep", rs->lockstep);
	cJSON_AddItemToObject(o, "stopped", host_list(rs, rs->stopped));
	cJSON_AddItemToObject(o, "started", host_list(rs, rs->started));
	cJSON_AddItemToObject(o, "down_s", rs->down_s >= 0 ? cJSON_CreateNumber(rs->down_s) :
			      cJSON_CreateNull());
	cJSON_AddItemToObject(o, "retired", rs->retired[0] && !rs->done ?
			      cJSON_CreateString(rs->retired) : cJSON_CreateNull());
	cJSON_AddItemToObject(o, "lattice_id", rs->id_after[0] ?
			      cJSON_CreateString(rs->id_after) : cJSON_CreateNull());
	cJSON_AddItemToObject(o, "fingerprint", !rs->id_after[0] ? cJSON_CreateNull() :
			      cJSON_CreateString(strcmp(rs->id_before, rs->id_after) ?
						 "changed" : "unchanged"));
	lc_json_error(o, ok ? NULL : &r->err);
	lc_print_json(o);
}

static void say(const struct rs *rs, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(const struct rs *rs, const char *fmt, ...)
{
	va_list ap;

	if (rs->r->ctx->quiet || rs->r->ctx->json)
		return;
	fprintf(stderr, "rotate-secret: %s: ", lc_org_names[rs->org]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Make the new secret (or find the one a cut-short run made): *begin is
 * the rotation's begin record, written now when there was none. */
static int new_secret(struct rs *rs, const struct lc_jrec **begin)
{
	struct lc_run *r = rs->r;
	struct lc_secrets store = { NULL, -1, 0, 0 };
	const char *cname = lc_roles[rs->crole].name;
	char path[4200], cur[65];
	long long size;

	snprintf(path, sizeof(path), "%s/%s", r->id.secrets_path, rs->rel);
	if (lc_sha256_file(cur, &size, path, &r->err))
		return -1;
	if (!*begin) {
		lc_run_note(r, "", cname, LC_ROTATION_STEP, cur, "begin",
			    "a new %s admission secret for every member in lockstep",
			    lc_org_names[rs->org]);
		if (r->err.msg[0] || !(*begin = lc_rotation_pending(r->j, rs->org)))
			return lc_err_set(&r->err, "cannot journal the rotation's beginning");
	}
	snprintf(rs->old, sizeof(rs->old), "%s", (*begin)->inputs);
	lc_rotation_retired(rs->retired, sizeof(rs->retired), rs->org, *begin);
	if (!strcmp(cur, rs->old)) {
		/* Not in place yet: make it (or take the one made already). */
		if (lc_secrets_open(&store, r->ctx->secrets_dir, r->m->name, 0, &r->err) ||
		    lc_secret_rotate_as(&store, rs->rel, 32, rs->retired, &r->err)) {
			lc_secrets_close(&store);
			return -1;
		}
		lc_secrets_close(&store);
		lc_run_note(r, "", cname, "secret", "", "done",
			    "new %s admission secret in place; the old one kept as %s",
			    lc_org_names[rs->org], rs->retired);
		if (lc_run_reload(r))
			return -1;
		say(rs, "a new admission secret is made; the old one is kept as %s/%s/%s until "
		    "the rotation completes", r->ctx->secrets_dir, r->m->name, rs->retired);
	}
	return lc_sha256_file(rs->now, &size, path, &r->err);
}

/* The lockstep: stop (when any member still runs with the old secret),
 * switch, start the committee, then zipnet's aggregator; each healthy. */
static int lockstep(struct rs *rs)
{
	struct lc_run *r = rs->r;
	size_t i;
	unsigned n = 0;
	int role;

	rs->lockstep = 0;
	for (i = 0; i < r->m->nhosts; i++) {
		if (!rs->sel[i])
			continue;
		rs->tostart[i] = 0;
		for (role = 0; role < LC_ROLE_COUNT; role++) {
			struct lc_want_role *wr = want_role(r, i, role);

			if (!wr || !(rs->roles & (1u << role)))
				continue;
			if (!running(wr))
				rs->tostart[i] |= 1u << role;
			else if (role == rs->crole && wr->action != LC_ACT_NOTHING)
				rs->lockstep = 1; /* runs with the old secret */
			n += role == rs->crole;
		}
	}
	if (rs->lockstep) {
		say(rs, "stopping all %u members together", n);
		for (i = 0; i < r->m->nhosts; i++)
			if (rs->sel[i])
				rs->tostart[i] = r->m->hosts[i].roles & rs->roles;
		rs->phase = rs->roles;
		rs->t_down = lc_now_ms();
		if (step(rs, "stop", stop_task))
			return -1;
	}
	if (step(rs, "switch", switch_task))
		return -1;
	/* The committee first, then (zipnet) the aggregator. */
	for (role = 0; role < LC_ROLE_COUNT; role++) {
		char name[64];

		if (!(rs->roles & (1u << role)) || !is_committee(role))
			continue;
		rs->phase = 1u << role;
		snprintf(name, sizeof(name), "start %s", lc_roles[role].name);
		if (step(rs, name, start_task) || wait_members(rs))
			return -1;
	}
	if (rs->t_down)
		rs->down_s = (lc_now_ms() - rs->t_down) / 1000.0;
	say(rs, "all %u members run with the new secret%s", n, rs->lockstep ? "" :
	    " (none still ran with the old one: nothing to stop)");
	for (role = 0; role < LC_ROLE_COUNT; role++) {
		char name[64];

		if (!(rs->roles & (1u << role)) || is_committee(role))
			continue;
		rs->phase = 1u << role;
		snprintf(name, sizeof(name), "start %s", lc_roles[role].name);
		if (step(rs, name, start_task) || wait_members(rs))
			return -1;
	}
	return 0;
}

/* The end: the retired secret removed, the rotation journaled done. */
static int finish(struct rs *rs)
{
	struct lc_run *r = rs->r;
	struct lc_secrets store = { NULL, -1, 0, 0 };
	int rc;

	rc = lc_secrets_open(&store, r->ctx->secrets_dir, r->m->name, 0, &r->err) ||
	     lc_secret_remove(&store, rs->retired, &r->err) ? -1 : 0;
	lc_secrets_close(&store);
	if (rc)
		return -1;
	lc_run_note(r, "", lc_roles[rs->crole].name, LC_ROTATION_STEP, rs->old, "done",
		    "every member runs with the new secret; the old one is removed");
	rs->done = 1;
	return r->err.msg[0] ? -1 : 0;
}

static int org_lookup(const char *name)
{
	int o;

	for (o = 0; o < LC_ORG_COUNT; o++)
		if (!strcmp(lc_org_names[o], name))
			return o;
	return -1;
}

static int cmd_rotate_secret(int argc, char **argv, struct lc_ctx *ctx)
{
	const struct lc_manifest *m = ctx->manifest;
	const struct lc_jrec *begin;
	struct lc_run r;
	struct rs rs;
	char signal[256], idhex[65];
	unsigned hosts_up = 0, n = 0;
	size_t i, failed;
	int role, rc = LC_EXIT_FAIL, opened = 0;

	(void)argc;
	memset(&rs, 0, sizeof(rs));
	rs.down_s = -1;
	rs.r = &r;
	if ((rs.org = org_lookup(argv[0])) < 0)
		return lc_usage_error(&lc_cmd_rotate_secret, "'%s' is not an organism", argv[0]);
	rs.crole = lc_rotation_role(rs.org);
	for (role = 0; role < LC_ROLE_COUNT; role++)
		if ((int)lc_roles[role].org == rs.org)
			rs.roles |= 1u << role;
	snprintf(rs.rel, sizeof(rs.rel), "admission/%s.secret", lc_org_names[rs.org]);
	for (i = 0; i < m->nhosts; i++)
		n += !!(m->hosts[i].roles & (1u << rs.crole));
	if (!yes && !isatty(STDIN_FILENO)) {
		fprintf(stderr, "latticectl: rotate-secret stops all %u members of the %s "
			"committee of lattice '%s' at once, and nothing asks first without a "
			"terminal; nothing was changed\nhint: add --yes to confirm\n", n,
			lc_org_names[rs.org], m->name);
		return LC_EXIT_FAIL;
	}
	if (!(rs.sel = calloc(m->nhosts ? m->nhosts : 1, 1)) ||
	    !(rs.tostart = calloc(m->nhosts ? m->nhosts : 1, sizeof(unsigned))) ||
	    !(rs.stopped = calloc(m->nhosts ? m->nhosts : 1, sizeof(unsigned))) ||
	    !(rs.started = calloc(m->nhosts ? m->nhosts : 1, sizeof(unsigned)))) {
		fprintf(stderr, "latticectl: out of memory\n");
		goto out;
	}
	for (i = 0; i < m->nhosts; i++)
		rs.sel[i] = (m->hosts[i].roles & rs.roles) != 0;
	if (!yes && confirm(&rs, ctx))
		goto out;
	opened = 1;
	if (lc_run_open_for(&r, ctx, &lc_cmd_rotate_secret, 0)) {
		rc = lc_run_fail(&r);
		goto out;
	}
	lc_hex_encode(rs.id_before, r.id.lattice_id, 32);
	begin = lc_rotation_pending(r.j, rs.org);
	rs.resumed = begin != NULL;
	failed = lc_run_connect(&r, rs.sel);
	if (!r.have_f || failed) {
		if (r.have_f)
			lc_err_set(&r.err, "every member host of the %s committee must be reachable "
				   "to rotate its admission secret (see above)%s",
				   lc_org_names[rs.org], begin ? "" : "; nothing was changed");
		goto fail;
	}
	if (begin)
		say(&rs, "finishing the rotation begun %s", ago(signal, sizeof(signal), begin->time));
	if (new_secret(&rs, &begin))
		goto fail;
	lc_hex_encode(rs.id_after, r.id.lattice_id, 32);
	if (step(&rs, "stage", stage_task) || step(&rs, "plan", plan_task) || lockstep(&rs) ||
	    finish(&rs))
		goto fail;
	/* The lattice's health signal, as up waits for it: a later up then
	 * finds nothing to do. */
	lc_hex_encode(idhex, r.id.lattice_id, 32);
	if (lc_health_wait(&r, &hosts_up, signal, sizeof(signal))) {
		lc_run_note(&r, "", "", "health", idhex, "failed", "%s", r.err.msg);
		if (ctx->json)
			print_done(&rs, 0);
		lc_fail(&r.err);
		rc = lc_interrupted ? LC_EXIT_INTERRUPTED : LC_EXIT_UNHEALTHY;
		goto out;
	}
	lc_run_note(&r, "", "", "health", idhex, "done", "%s", signal);
	if (ctx->json)
		print_done(&rs, 1);
	else
		printf("rotate-secret: %s: a new admission secret on all %u members, switched in "
		       "lockstep%s; lattice_id %s %s\n", lc_org_names[rs.org], n,
		       rs.resumed ? " (finishing the rotation begun earlier)" : "", rs.id_after,
		       strcmp(rs.id_before, rs.id_after) ? "CHANGED" : "unchanged");
	rc = LC_EXIT_OK;
	goto out;
fail:
	if (lc_rotation_pending(r.j, rs.org)) {
		lc_run_note(&r, "", lc_roles[rs.crole].name, LC_ROTATION_STEP, rs.old, "failed",
			    "%s", r.err.msg[0] ? r.err.msg : "stopped");
		if (!r.err.hint[0])
			lc_err_hint(&r.err, "fix what the messages say, then run 'latticectl "
				    "rotate-secret %s' again: it finishes this rotation (up refuses "
				    "until then)", lc_org_names[rs.org]);
	}
	if (ctx->json && r.have_f)
		print_done(&rs, 0);
	rc = lc_run_fail(&r);
out:
	if (opened)
		lc_run_close(&r);
	free(rs.sel);
	free(rs.tostart);
	free(rs.stopped);
	free(rs.started);
	return rc;
}

static const struct lc_opt rotate_secret_opts[] = {
	{ LC_OPT_FLAG, 0, "yes", NULL, "do not ask for confirmation", &yes },
	LC_OPT_END_MARK,
};

const struct lc_cmd lc_cmd_rotate_secret = {
	"rotate-secret", cmd_rotate_secret, LC_NEED_MANIFEST | LC_NEED_LOCK | LC_NEED_IDENTITY,
	rotate_secret_opts, "zipnet|unseal|offer|atelier|relay|tally", 1, 1,
	"give one organism's committee a new admission secret, all members in lockstep",
	"name the organism whose committee-admission secret to replace",
};
