/* run.c - what every changing command does around its work: locks, journal, identity, connections, interrupts. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "sha256.h"
#include "connect.h"
#include "retire.h"
#include "run.h"
#include "state.h"
#include "banned.h"

static void on_interrupt(int sig)
{
	lc_interrupted = sig;
}

static void print_lines(const struct lc_buf *b)
{
	if (b->len)
		fprintf(stderr, "%s", b->ptr);
}

int lc_run_precheck(struct lc_run *r)
{
	if (r->have_cfg)
		return 0;
	/* The identity fields, MR_TDs resolved (an mrtd_build runs here, once). */
	if (lc_identity_config(&r->cfg, r->m, &r->err))
		return -1;
	r->have_cfg = 1;
	/* A changed identity is refused before anything is generated. */
	return lc_guard_precheck(r->statedir, &r->cfg, 0, r->m->path, &r->err);
}

/* A retired lattice is not stood up again under its old name. */
static int refuse_retired(struct lc_run *r)
{
	struct lc_retirement rt;
	char when[64];

	if (lc_retirement_read(&rt, r->statedir, &r->err))
		return -1;
	if (!rt.found || !rt.retired)
		return 0;
	lc_deadline_fmt(when, sizeof(when), rt.retired);
	lc_err_set(&r->err, "lattice '%s' was retired on %s: its successor is '%s'",
		   r->m->name, when, rt.successor);
	lc_err_hint(&r->err, "run the successor's manifest (name = \"%s\"); a retired "
		    "name is not reused, its integrators were told it ended", rt.successor);
	return -1;
}

static int open_identity(struct lc_run *r)
{
	struct lc_gitinfo gi;
	enum lc_guard what;
	unsigned flags = (r->flags & LC_RUN_CREATE) ? LC_ID_CREATE : 0;

	if ((r->flags & LC_RUN_CREATE) && refuse_retired(r))
		return -1;
	if (lc_run_precheck(r))
		return -1;
	/* The config moves into the identity. */
	r->have_cfg = 0;
	if (lc_identity_load(&r->id, &r->cfg, r->m, r->ctx->secrets_dir, r->statedir, flags,
			     &r->err))
		return -1;
	r->have_id = 1;
	if ((r->flags & LC_RUN_CREATE) &&
	    (lc_git_manifest_info(&gi, r->m->path, &r->err) ||
	     lc_guard_record(&what, r->statedir, &r->id, &gi, 0, r->m->path, &r->err) ||
	     lc_manifest_keep(r->statedir, r->m->path, &r->err)))
		return -1;
	if (lc_layout_build(&r->lay, r->m, &r->id, r->statedir,
			    !!(r->flags & LC_RUN_READONLY), &r->err))
		return -1;
	r->have_lay = 1;
	return 0;
}

int lc_run_open_for(struct lc_run *r, struct lc_ctx *ctx, const struct lc_cmd *c,
		    unsigned extra)
{
	return lc_run_open(r, ctx, c->name,
			   (c->needs & (LC_NEED_LOCK | LC_NEED_IDENTITY | LC_NEED_JOURNAL |
					LC_NEED_READONLY)) | extra);
}

int lc_run_open(struct lc_run *r, struct lc_ctx *ctx, const char *command,
		unsigned flags)
{
	struct sigaction sa;
	struct lc_buf note;
	long long size;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	r->ctx = ctx;
	r->m = ctx->manifest;
	r->command = command;
	r->flags = flags;
	lc_err_clear(&r->err);
	lc_lock_holder(r->holder);
	lc_buf_init(&note, 1 << 16);
	if (flags & LC_RUN_READONLY)
		lc_state_path(r->statedir, sizeof(r->statedir), ctx->state_dir, r->m->name);
	else if (lc_state_dir(r->statedir, sizeof(r->statedir), ctx->state_dir, r->m->name,
			      &r->err))
		goto out;
	if (lc_sha256_file(r->mhash, &size, r->m->path, &r->err))
		goto out;
	if (flags & LC_RUN_LOCK) {
		if (lc_lock_take(&r->lock, r->statedir, command, &note, &r->err))
			goto out;
		print_lines(&note);
		lc_buf_reset(&note);
		if (lc_journal_open(&r->j, r->statedir, &note, &r->err))
			goto out;
		print_lines(&note);
		/* Stop after the step under way, not in the middle of it. */
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_interrupt;
		sa.sa_flags = SA_RESTART;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
	}
	if ((flags & LC_RUN_JOURNAL) && !(flags & LC_RUN_LOCK)) {
		/* Only between runs: a run under way is writing it. */
		struct lc_err busy;

		lc_err_clear(&busy);
		if (!lc_lock_busy(r->statedir, &busy)) {
			if (lc_journal_open_ro(&r->j, r->statedir, &r->err))
				goto out;
		} else {
			fprintf(stderr, "note: %s; reading no journal, so drift shows as "
				"an update\n", busy.msg);
		}
	}
	if ((flags & LC_RUN_IDENTITY) && !(flags & LC_RUN_LATER) && open_identity(r))
		goto out;
	rc = 0;
out:
	lc_buf_release(&note);
	return rc;
}

/* The lock reply's holder fields, for messages. */
static void describe_holder(char *out, size_t size, const cJSON *e)
{
	const char *holder = cJSON_GetStringValue(cJSON_GetObjectItem(e, "holder"));
	const cJSON *pid = cJSON_GetObjectItem(e, "pid");
	const cJSON *t = cJSON_GetObjectItem(e, "time");

	snprintf(out, size, "%s (pid %lld, since %lld s ago)", holder ? holder : "someone",
		 cJSON_IsNumber(pid) ? (long long)pid->valuedouble : -1LL,
		 cJSON_IsNumber(t) ? (long long)time(NULL) - (long long)t->valuedouble : -1LL);
}

/* A lock on the host held by an earlier run of ours on this machine
 * whose process is gone: a killed run. */
static int stale_ours(const struct lc_run *r, const cJSON *e)
{
	const char *holder = cJSON_GetStringValue(cJSON_GetObjectItem(e, "holder"));
	const cJSON *pid = cJSON_GetObjectItem(e, "pid");

	return holder && !strcmp(holder, r->holder) && cJSON_IsNumber(pid) &&
	       pid->valuedouble > 0 && kill((pid_t)pid->valuedouble, 0) < 0 && errno == ESRCH;
}

static int host_lock(struct lc_run *r, struct lc_fanout_host *h, struct lc_agent *a,
		     int brk)
{
	cJSON *req = lc_req("lock", r->m->name), *reply = NULL, *e, *broken;
	char who[400];
	int rc = -1;

	if (!req)
		return lc_err_set(&h->err, "out of memory");
	cJSON_AddStringToObject(req, "holder", r->holder);
	cJSON_AddNumberToObject(req, "pid", (double)getpid());
	cJSON_AddStringToObject(req, "manifest", r->mhash);
	cJSON_AddBoolToObject(req, "break", brk);
	if (lc_agent_call(a, req, &reply, &h->err))
		goto out;
	if (cJSON_IsTrue(cJSON_GetObjectItem(reply, "ok"))) {
		if ((broken = cJSON_GetObjectItem(reply, "broken"))) {
			describe_holder(who, sizeof(who), broken);
			lc_buf_printf(&h->note, "broke the lattice lock held by %s\n", who);
		}
		rc = 0;
		goto out;
	}
	e = cJSON_GetObjectItem(reply, "error");
	if (lc_reply_ok(reply, &h->err) != LC_ERR_LOCKED) {
		lc_err_prefix(&h->err, "cannot take the lattice lock");
		goto out;
	}
	if (!brk && stale_ours(r, e)) {
		cJSON_Delete(req);
		cJSON_Delete(reply);
		return host_lock(r, h, a, 1);
	}
	describe_holder(who, sizeof(who), e);
	lc_err_setc(&h->err, LC_ERR_FAIL, "lattice '%s' is locked on this host by %s",
		    r->m->name, who);
	lc_err_hint(&h->err, "wait for that run to finish; if it is gone, run again with "
		    "--break-lock");
out:
	cJSON_Delete(req);
	cJSON_Delete(reply);
	return rc;
}

struct connect_arg {
	struct lc_run *r;
	const char *sel;
};

static int connect_task(struct lc_fanout_host *h, void *arg)
{
	struct connect_arg *ca = arg;
	struct lc_run *r = ca->r;
	size_t i = (size_t)(h - r->f.hosts);
	struct lc_agent *a;

	if (ca->sel && !ca->sel[i])
		return 0;
	if (lc_fanout_agent(h, &a))
		return h->no_agent ? 0 : -1; /* a read-only plan: said by its step */
	if ((r->flags & LC_RUN_LOCK) && !r->host_locked[i]) {
		if (host_lock(r, h, a, r->ctx->break_lock))
			return -1;
		r->host_locked[i] = 1;
	}
	return 0;
}

size_t lc_run_connect(struct lc_run *r, const char *sel)
{
	struct connect_arg ca = { r, sel };
	const char **names;
	size_t i, failed;

	if (!r->have_f) {
		if (!(names = calloc(r->m->nhosts ? r->m->nhosts : 1, sizeof(*names))) ||
		    !(r->host_locked = calloc(r->m->nhosts ? r->m->nhosts : 1, 1))) {
			free(names);
			lc_err_set(&r->err, "out of memory");
			return r->m->nhosts;
		}
		for (i = 0; i < r->m->nhosts; i++)
			names[i] = r->m->hosts[i].ssh;
		if (lc_fanout_open(&r->f, &r->o, r->known, sizeof(r->known), &r->b, r->ctx,
				   names, r->m->nhosts, !!(r->flags & LC_RUN_READONLY), &r->err)) {
			free(names);
			return r->m->nhosts;
		}
		/* The fan-out keeps the names; they live in the manifest. */
		free(names);
		r->have_f = 1;
	}
	failed = lc_fanout_run(&r->f, "connect", connect_task, &ca);
	for (i = 0; r->j && i < r->m->nhosts; i++) {
		const struct lc_fanout_host *h = &r->f.hosts[i];

		if (sel && !sel[i])
			continue;
		if (h->rc)
			lc_run_note(r, r->have_id ? r->id.hostid[i] : h->name, "", "connect", "",
				    "failed", "%s", h->err.msg);
	}
	return failed;
}

int lc_run_reload(struct lc_run *r)
{
	if (r->have_lay)
		lc_layout_release(&r->lay);
	if (r->have_id)
		lc_identity_release(&r->id);
	r->have_lay = r->have_id = 0;
	return open_identity(r);
}

void lc_run_close(struct lc_run *r)
{
	size_t i;

	if (r->have_f) {
		for (i = 0; i < r->f.n; i++) {
			struct lc_fanout_host *h = &r->f.hosts[i];
			struct lc_err ignored;
			cJSON *req, *reply;

			if (!r->host_locked || !r->host_locked[i] || !h->agent)
				continue;
			lc_err_clear(&ignored);
			if ((req = lc_req("unlock", r->m->name))) {
				cJSON_AddStringToObject(req, "holder", r->holder);
				if ((reply = lc_call_ok(h->agent, req, &ignored)))
					cJSON_Delete(reply);
			}
		}
		lc_fanout_release(&r->f);
	}
	free(r->host_locked);
	if (r->have_lay)
		lc_layout_release(&r->lay);
	if (r->have_id)
		lc_identity_release(&r->id);
	if (r->have_cfg)
		lc_lconfig_release(&r->cfg);
	lc_journal_close(r->j);
	lc_lock_release(r->lock);
	memset(r, 0, sizeof(*r));
}

int lc_run_fail(struct lc_run *r)
{
	int locked = r->err.code == LC_ERR_LOCKED;

	if (r->err.msg[0])
		lc_fail(&r->err);
	return locked ? LC_EXIT_LOCKED : lc_interrupted ? LC_EXIT_INTERRUPTED : LC_EXIT_FAIL;
}
