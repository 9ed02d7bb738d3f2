/* up.c - what up and add-host do: from the manifest to a live lattice, resumable, committees rolled in batches that keep their quorum; and the plan of it. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "plan.h"
#include "ceremony.h"
#include "chain.h"
#include "hex.h"
#include "log.h"
#include "kit.h"
#include "probe.h"
#include "roles.h"
#include "rollout.h"
#include "rotation.h"
#include "run.h"
#include "state.h"
#include "health.h"
#include "up.h"
#include "clock.h"
#include "banned.h"

/* The options of up and add-host. */
int lc_up_offline, lc_up_push_binaries;
const struct lc_opt lc_up_opts[] = {
	{ LC_OPT_FLAG, 0, "offline", NULL,
	  "skip the chain_rpc chain-id check (not for production)", &lc_up_offline },
	{ LC_OPT_FLAG, 0, "push-binaries", NULL,
	  "send { url, sha256 } programs from this machine instead of having each "
	  "host fetch them", &lc_up_push_binaries },
	LC_OPT_END_MARK,
};

/* ---- plan: one read-only look at every host ---- */

static int plan_task(struct lc_fanout_host *h, void *arg)
{
	struct lc_run *r = arg;
	struct lc_want_host *wh = &r->lay.hosts[h - r->f.hosts];
	struct lc_agent *a;
	size_t k;
	int any = 0;

	if (lc_fanout_agent(h, &a)) {
		if (!h->no_agent)
			return -1;
		/* A read-only plan pushes no agent: none here, nothing installed. */
		lc_buf_printf(&h->note, "%s; %s\n", h->err.msg, h->err.hint);
		lc_err_clear(&h->err);
		lc_plan_no_agent(wh);
	} else if (lc_plan_host(a, r->m, wh, r->j, &h->err)) {
		return -1;
	}
	for (k = 0; k < wh->nroles; k++) {
		const struct lc_want_role *wr = &wh->roles[k];

		if (wr->action == LC_ACT_NOTHING)
			continue;
		any = 1;
		lc_buf_printf(&h->out, "%-18s %-8s%s%s\n", lc_roles[wr->role].name,
			      lc_action_names[wr->action], wr->why[0] ? " " : "", wr->why);
	}
	for (k = 0; k < LC_ROLE_COUNT; k++)
		if (wh->extra[k])
			lc_buf_printf(&h->note, "%s is installed here but the manifest does not "
				      "give it this host: left alone (remove it with 'latticectl "
				      "down --host %s --role %s --wipe')\n", lc_roles[k].name,
				      wh->name, lc_roles[k].name);
	if (!any && lc_log_on(LC_LOG_VERBOSE))
		lc_buf_printf(&h->out, "up to date\n");
	return 0;
}


void lc_tally_count(const struct lc_run *r, struct lc_tally *t)
{
	size_t i, k;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < r->lay.nhosts; i++) {
		const struct lc_want_host *wh = &r->lay.hosts[i];

		if (!wh->planned) {
			t->hosts_failed++;
			continue;
		}
		for (k = 0; k < wh->nroles; k++) {
			t->n[wh->roles[k].action]++;
			t->roles++;
		}
	}
}

void lc_tally_print(FILE *f, const char *what, const struct lc_tally *t)
{
	int a;

	fprintf(f, "%s:", what);
	for (a = LC_ACT_INSTALL; a < LC_ACT_COUNT; a++)
		fprintf(f, " %u to %s,", t->n[a], lc_action_names[a]);
	fprintf(f, " %u unchanged", t->n[LC_ACT_NOTHING]);
	if (t->hosts_failed)
		fprintf(f, "; %u host%s could not be asked", t->hosts_failed,
			t->hosts_failed == 1 ? "" : "s");
	fputc('\n', f);
}

cJSON *lc_plan_json(const struct lc_run *r, const struct lc_tally *t)
{
	cJSON *o = cJSON_CreateObject(), *hosts, *ho, *roles, *ro, *files;
	size_t i, k, n;

	cJSON_AddStringToObject(o, "lattice", r->m->name);
	cJSON_AddNumberToObject(o, "changes", t->roles - t->n[LC_ACT_NOTHING]);
	hosts = cJSON_AddArrayToObject(o, "hosts");
	for (i = 0; i < r->lay.nhosts; i++) {
		const struct lc_want_host *wh = &r->lay.hosts[i];

		ho = cJSON_CreateObject();
		cJSON_AddItemToArray(hosts, ho);
		cJSON_AddStringToObject(ho, "host", wh->name);
		cJSON_AddBoolToObject(ho, "reachable", wh->planned);
		if (!wh->planned) {
			cJSON_AddStringToObject(ho, "error", r->f.hosts[i].err.msg);
			continue;
		}
		roles = cJSON_AddArrayToObject(ho, "roles");
		for (k = 0; k < wh->nroles; k++) {
			const struct lc_want_role *wr = &wh->roles[k];

			ro = cJSON_CreateObject();
			cJSON_AddItemToArray(roles, ro);
			cJSON_AddStringToObject(ro, "role", lc_roles[wr->role].name);
			cJSON_AddStringToObject(ro, "action", lc_action_names[wr->action]);
			cJSON_AddStringToObject(ro, "state", wr->state);
			files = cJSON_AddArrayToObject(ro, "files");
			for (n = 0; n < wr->nfiles; n++) {
				const struct lc_want_file *wf = &wh->files[wr->file[n]];
				char name[128];

				if (!wf->differs)
					continue;
				snprintf(name, sizeof(name), "%s/%s", lc_area_names[wf->area], wf->name);
				cJSON_AddItemToArray(files, cJSON_CreateString(name));
			}
		}
	}
	return o;
}

size_t lc_plan_all(struct lc_run *r)
{
	size_t failed = lc_run_connect(r, NULL);

	if (lc_interrupted)
		return failed;
	return failed + lc_fanout_run(&r->f, "plan", plan_task, r);
}

void lc_print_json(cJSON *o)
{
	char *text = cJSON_PrintUnformatted(o);

	printf("%s\n", text ? text : "null");
	free(text);
	cJSON_Delete(o);
}

void lc_json_error(cJSON *o, const struct lc_err *err)
{
	if (!err || !err->msg[0]) {
		cJSON_AddNullToObject(o, "error");
		return;
	}
	cJSON_AddStringToObject(o, "error", err->msg);
	if (err->hint[0])
		cJSON_AddStringToObject(o, "hint", err->hint);
}

/* ---- up: files, units, starts in pipeline order ---- */

static int wants_files(enum lc_action a)
{
	return a == LC_ACT_INSTALL || a == LC_ACT_UPDATE || a == LC_ACT_REPAIR;
}

/* The next role of wh from *k on whose files or unit change (install,
 * update, repair), or NULL; *k moves past it. */
static struct lc_want_role *next_changed(struct lc_want_host *wh, size_t *k)
{
	while (*k < wh->nroles) {
		struct lc_want_role *wr = &wh->roles[(*k)++];

		if (wants_files(wr->action))
			return wr;
	}
	return NULL;
}

/* The files step: each host's tally of what moved, summed for the summary. */
struct files_arg {
	struct lc_run *r;
	struct lc_sent *sent; /* one per host */
};

static int files_task(struct lc_fanout_host *h, void *arg)
{
	struct files_arg *fa = arg;
	struct lc_run *r = fa->r;
	struct lc_want_host *wh = &r->lay.hosts[h - r->f.hosts];
	struct lc_sent *s = &fa->sent[h - r->f.hosts];
	struct lc_want_role *wr;
	struct lc_agent *a;
	unsigned nfiles = 0, gone, sent;
	char done[sizeof(wh->files) / sizeof(wh->files[0])];
	size_t k = 0, n;

	memset(done, 0, sizeof(done));
	if (lc_fanout_agent(h, &a))
		return -1;
	while ((wr = next_changed(wh, &k))) {
		const char *role = lc_roles[wr->role].name;

		for (n = 0; n < wr->nfiles; n++) {
			size_t fi = wr->file[n];

			if (done[fi] || !wh->files[fi].differs)
				continue;
			if (lc_send_file(&r->lay, a, &wh->files[fi], lc_up_push_binaries, s,
					 &h->out, &h->note, &h->err)) {
				lc_run_note(r, wh->hostid, role, "files", wr->inputs, "failed",
					    "%s", h->err.msg);
				return -1;
			}
			done[fi] = 1;
			nfiles++;
		}
		if (lc_remove_retired(a, r->m, wr->role, &gone, &h->err)) {
			lc_run_note(r, wh->hostid, role, "files", wr->inputs, "failed", "%s",
				    h->err.msg);
			return -1;
		}
		if (gone)
			lc_buf_printf(&h->out, "%s: removed %u file%s it no longer uses\n", role,
				      gone, gone == 1 ? "" : "s");
		lc_run_note(r, wh->hostid, role, "files", wr->inputs, "done", "%s",
			    wr->action == LC_ACT_REPAIR ? "repaired drift" : "");
		if (wr->action == LC_ACT_REPAIR)
			lc_buf_printf(&h->out, "%s: drift repaired (%s)\n", role, wr->why);
	}
	/* The programs the host fetched or already had are not sent. */
	sent = nfiles - s->fetched - s->copied;
	if (s->fetched)
		lc_buf_printf(&h->out, "sent %u file%s (%lld bytes); the host fetched %u "
			      "program%s (%lld bytes) itself\n", sent, sent == 1 ? "" : "s",
			      s->bytes, s->fetched, s->fetched == 1 ? "" : "s", s->fetched_bytes);
	else if (sent)
		lc_buf_printf(&h->out, "sent %u file%s (%lld bytes)\n", sent,
			      sent == 1 ? "" : "s", s->bytes);
	return 0;
}

/* The files step on every host, and what it moved in all into *total. */
static size_t send_files(struct lc_run *r, struct lc_sent *total)
{
	struct files_arg fa = { r, calloc(r->lay.nhosts ? r->lay.nhosts : 1, sizeof(*fa.sent)) };
	size_t failed, i;

	if (!fa.sent) {
		lc_err_set(&r->err, "out of memory");
		return r->lay.nhosts;
	}
	failed = lc_fanout_run(&r->f, "files", files_task, &fa);
	for (i = 0; i < r->lay.nhosts; i++) {
		total->bytes += fa.sent[i].bytes;
		total->program_bytes += fa.sent[i].program_bytes;
		total->fetched_bytes += fa.sent[i].fetched_bytes;
		total->fetched += fa.sent[i].fetched;
		total->copied += fa.sent[i].copied;
		total->pushed += fa.sent[i].pushed;
		total->mismatches += fa.sent[i].mismatches;
	}
	free(fa.sent);
	return failed;
}

static int units_task(struct lc_fanout_host *h, void *arg)
{
	struct lc_run *r = arg;
	struct lc_want_host *wh = &r->lay.hosts[h - r->f.hosts];
	struct lc_want_role *wr;
	struct lc_agent *a;
	size_t k = 0;

	if (lc_fanout_agent(h, &a))
		return -1;
	while ((wr = next_changed(wh, &k))) {
		const char *role = lc_roles[wr->role].name;

		if (lc_unit_install(a, r->m, wr->role, &h->err)) {
			lc_run_note(r, wh->hostid, role, "unit", wr->inputs, "failed", "%s",
				    h->err.msg);
			return -1;
		}
		lc_run_note(r, wh->hostid, role, "unit", wr->inputs, "done", "%s", "");
	}
	return 0;
}

struct start_arg {
	struct lc_run *r;
	int org;
};

static int start_task(struct lc_fanout_host *h, void *arg)
{
	struct start_arg *sa = arg;
	struct lc_run *r = sa->r;
	struct lc_want_host *wh = &r->lay.hosts[h - r->f.hosts];
	struct lc_agent *a;
	size_t k;

	for (k = 0; k < wh->nroles; k++) {
		struct lc_want_role *wr = &wh->roles[k];
		const char *role = lc_roles[wr->role].name;

		if ((int)lc_roles[wr->role].org != sa->org ||
		    (wr->action != LC_ACT_INSTALL && wr->action != LC_ACT_START))
			continue;
		if (lc_fanout_agent(h, &a) || lc_unit_action(a, r->m, wr->role, "start", &h->err)) {
			lc_run_note(r, wh->hostid, role, "start", wr->inputs, "failed", "%s",
				    h->err.msg);
			return -1;
		}
		lc_run_note(r, wh->hostid, role, "start", wr->inputs, "done", "%s", "");
		lc_buf_printf(&h->out, "started %s\n", role);
	}
	return 0;
}

/* ---- up ---- */

/* Whether the journal's newest health record confirms the fleet as it
 * is: a health "done" with no change recorded after it. */
static int health_confirmed(const struct lc_journal *j)
{
	static const char *const changing[] = { "files", "unit", "start", "restart",
						"stop", "wipe", NULL };
	size_t i = lc_journal_count(j), k;

	while (i-- > 0) {
		const struct lc_jrec *rec = lc_journal_rec(j, i);

		if (!strcmp(rec->step, "health"))
			return !strcmp(rec->outcome, "done");
		for (k = 0; changing[k]; k++)
			if (!strcmp(rec->step, changing[k]))
				return 0;
	}
	return 0;
}

static void print_kit(struct lc_run *r, unsigned hosts_up, const char *signal,
		      unsigned changed, const struct lc_sent *sent)
{
	struct lc_gitinfo gi;
	struct lc_buf text;
	struct lc_err err;

	lc_err_clear(&err);
	if (lc_git_manifest_info(&gi, r->m->path, &err))
		memset(&gi, 0, sizeof(gi));
	if (r->ctx->json) {
		char *kit = lc_kit_json(&r->id, r->m, &gi);
		cJSON *o = cJSON_CreateObject(), *k = kit ? cJSON_Parse(kit) : NULL;

		free(kit);
		cJSON_AddStringToObject(o, "event", "done");
		cJSON_AddStringToObject(o, "lattice", r->m->name);
		cJSON_AddBoolToObject(o, "ok", 1);
		cJSON_AddNumberToObject(o, "changed", changed);
		cJSON_AddNumberToObject(o, "hosts_up", hosts_up);
		cJSON_AddNumberToObject(o, "hosts", (double)r->m->nhosts);
		cJSON_AddStringToObject(o, "pipeline", signal);
		cJSON_AddNumberToObject(o, "bytes_sent", (double)sent->bytes);
		cJSON_AddNumberToObject(o, "program_bytes_sent", (double)sent->program_bytes);
		cJSON_AddNumberToObject(o, "program_bytes_fetched", (double)sent->fetched_bytes);
		cJSON_AddNumberToObject(o, "programs_fetched", sent->fetched);
		cJSON_AddNumberToObject(o, "programs_pushed", sent->pushed);
		cJSON_AddNumberToObject(o, "fetch_mismatches", sent->mismatches);
		if (k)
			cJSON_AddItemToObject(o, "kit", k);
		lc_print_json(o);
		return;
	}
	lc_buf_init(&text, 1 << 20);
	if (lc_kit_text(&text, &r->id, r->m, &gi) == 0 && text.len)
		fputs(text.ptr, stdout);
	lc_buf_release(&text);
	printf("hosts up: %u / %zu\n", hosts_up, r->m->nhosts);
	printf("pipeline: %s\n", signal);
}

static int interrupted(struct lc_run *r, const char *after)
{
	lc_run_note(r, "", "", "up", "", "interrupted", "after %s", after);
	fprintf(stderr, "latticectl: interrupted: stopped after %s; the locks are released\n"
		"hint: run 'latticectl up' again to continue from there\n", after);
	return LC_EXIT_INTERRUPTED;
}

/*
 * dkg = "ceremony": the unseal and offer keys come from ceremonies run on
 * the member hosts, before the LatticeConfig can exist.  A ceremony not
 * yet recorded runs now (a new lattice); one recorded is never run again
 * here (that is a fingerprint change: latticectl dkg run --new-identity),
 * but every member must still hold its share.
 */
static int run_ceremonies(struct lc_run *r)
{
	static const int which[] = { LC_DKG_UNSEAL, LC_DKG_OFFER };
	struct lc_buf out;
	size_t k, i;
	int rec, rc = 0;

	if (r->m->dkg != LC_DKG_MODE_CEREMONY)
		return 0;
	if (lc_run_connect(r, NULL)) {
		if (!r->err.msg[0])
			lc_err_set(&r->err, "the DKG ceremonies need every member host; some "
				   "could not be reached (see above)");
		return -1;
	}
	lc_buf_init(&out, 1 << 20);
	for (k = 0; !rc && k < sizeof(which) / sizeof(which[0]); k++) {
		const char *org = lc_ceremony_org(which[k]);

		lc_buf_reset(&out);
		if ((rec = lc_ceremony_recorded(r->statedir, which[k], &r->err)) < 0) {
			rc = -1;
			break;
		}
		if (!rec) {
			lc_run_note(r, "", "", "dkg", "", "begin", "%s ceremony", org);
			rc = lc_ceremony_run(&r->f, r->m, which[k], r->statedir, &out, &r->err);
			lc_run_note(r, "", "", "dkg", "", rc ? "failed" : "done", "%s: %s", org,
				    rc ? r->err.msg : "recorded");
		} else {
			rc = lc_ceremony_check_hosts(&r->f, r->m, which[k], r->statedir, 1, &out,
						     &r->err);
			if (rc)
				lc_err_hint(&r->err, "a lost share cannot be made again: rerun the "
					    "ceremony with 'latticectl dkg run %s --new-identity' (a "
					    "fingerprint change: see IDENTITY in latticectl(1))", org);
		}
		if (!r->ctx->quiet && !r->ctx->json && out.len)
			for (i = 0; i < out.len; i++)
				fputc(out.ptr[i], stderr);
	}
	lc_buf_release(&out);
	return rc;
}

/* ---- the TDX gate ---- */

enum { TDX_UNASKED, TDX_YES, TDX_NO };

struct tdx_gate {
	struct lc_run *r;
	char *need;             /* per host: must show TDX */
	char *seen;             /* per host: TDX_* */
};

/* The roles of host i that require TDX, comma-separated, and whether
 * there are any; when none, all its roles (the manifest's tdx = true
 * asks TDX for them). */
static int tdx_roles(char *out, size_t size, const struct lc_manifest *m, size_t i)
{
	unsigned roles = m->hosts[i].roles, req = 0;
	size_t len = 0;
	int k;

	for (k = 0; k < LC_ROLE_COUNT; k++)
		if ((roles & (1u << k)) && lc_roles[k].tdx == LC_TDX_REQUIRED)
			req |= 1u << k;
	if (req)
		roles = req;
	out[0] = '\0';
	for (k = 0; k < LC_ROLE_COUNT; k++)
		if ((roles & (1u << k)) && len < size)
			len += (size_t)snprintf(out + len, size - len, "%s%s", len ? ", " : "",
						lc_roles[k].name);
	return req != 0;
}

static int tdx_task(struct lc_fanout_host *h, void *arg)
{
	struct tdx_gate *g = arg;
	const struct lc_manifest *m = g->r->m;
	size_t i = (size_t)(h - g->r->f.hosts);
	struct lc_agent *a;
	struct lc_err why;
	char roles[160];
	cJSON *reply;
	int tdx;

	if (!g->need[i])
		return 0;
	if (lc_fanout_agent(h, &a) || !(reply = lc_call_ok(a, lc_req("facts", NULL), &h->err)))
		return -1;
	tdx = cJSON_IsTrue(cJSON_GetObjectItem(reply, "tdx"));
	cJSON_Delete(reply);
	g->seen[i] = tdx ? TDX_YES : TDX_NO;
	lc_err_clear(&why);
	if (!lc_tdx_verdict(m, i, tdx, &why))
		return 0;
	/* One line per host with all its TDX roles; the run's hint says
	 * what to do. */
	if (tdx_roles(roles, sizeof(roles), m, i))
		lc_err_set(&h->err, "no TDX on this host, but %s need%s it (no /dev/tdx_guest, "
			   "/sys/firmware/tdx or tdx_guest cpu flag)", roles,
			   strchr(roles, ',') ? "" : "s");
	else
		lc_err_set(&h->err, "no TDX on this host, but the manifest says tdx = true for "
			   "its %s (no /dev/tdx_guest, /sys/firmware/tdx or tdx_guest cpu flag)",
			   roles);
	return -1;
}

/* Append name to a ", "-separated list. */
static void list_add(char *list, size_t size, const char *name)
{
	size_t len = strlen(list);

	if (len < size)
		snprintf(list + len, size - len, "%s%s", len ? ", " : "", name);
}

static void tdx_event(const struct lc_run *r, size_t hosts, const char *no,
		      const char *unasked)
{
	cJSON *o = cJSON_CreateObject(), *a;
	size_t i;

	cJSON_AddStringToObject(o, "event", "tdx");
	cJSON_AddBoolToObject(o, "ok", 0);
	cJSON_AddNumberToObject(o, "tdx_hosts", (double)hosts);
	a = cJSON_AddArrayToObject(o, "no_tdx");
	for (i = 0; i < r->m->nhosts; i++)
		if (no[i])
			cJSON_AddItemToArray(a, cJSON_CreateString(r->m->hosts[i].ssh));
	a = cJSON_AddArrayToObject(o, "unreachable");
	for (i = 0; i < r->m->nhosts; i++)
		if (unasked[i])
			cJSON_AddItemToArray(a, cJSON_CreateString(r->m->hosts[i].ssh));
	cJSON_AddStringToObject(o, "error", r->err.msg);
	if (r->err.hint[0])
		cJSON_AddStringToObject(o, "hint", r->err.hint);
	lc_print_json(o);
}

/*
 * Fail closed: in a lattice that does not simulate TDX, every host that
 * must show TDX is asked (facts) before anything is made or installed
 * anywhere: no secret here, no ceremony, no file.  One that shows none,
 * or cannot be asked, stops the run for every host.  The plan checks the
 * same again, host by host.
 */
static int tdx_gate(struct lc_run *r)
{
	const struct lc_manifest *m = r->m;
	struct tdx_gate g = { r, NULL, NULL };
	char *no = NULL, *unasked = NULL, nolist[LC_ERR_MSG_MAX / 2], unlist[LC_ERR_MSG_MAX / 4];
	char idbuf[LC_HOSTID_MAX], roles[160];
	size_t i, hosts = 0, nno = 0, nun = 0, nother = 0;
	int rc = -1;

	if (m->tdx == LC_TDX_MODE_SIMULATE)
		return 0;
	g.need = calloc(m->nhosts ? m->nhosts : 1, 1);
	g.seen = calloc(m->nhosts ? m->nhosts : 1, 1);
	no = calloc(m->nhosts ? m->nhosts : 1, 1);
	unasked = calloc(m->nhosts ? m->nhosts : 1, 1);
	if (!g.need || !g.seen || !no || !unasked) {
		lc_err_set(&r->err, "out of memory");
		goto out;
	}
	for (i = 0; i < m->nhosts; i++)
		hosts += (size_t)(g.need[i] = (char)lc_tdx_needed(m, i));
	if (!hosts) {
		rc = 0;
		goto out;
	}
	/* Every host: the ceremonies that follow need them all anyway, and a
	 * host that failed here would be left out of every later step. */
	lc_run_connect(r, NULL);
	if (!r->have_f)
		goto out; /* the hosts cannot be reached at all: r->err says why */
	if (!lc_interrupted)
		lc_fanout_run(&r->f, "tdx", tdx_task, &g);
	if (lc_interrupted) {
		lc_err_set(&r->err, "interrupted during the TDX check: nothing was installed");
		lc_err_hint(&r->err, "run 'latticectl up' again");
		goto out;
	}
	nolist[0] = unlist[0] = '\0';
	for (i = 0; i < m->nhosts; i++) {
		if (!r->have_f || r->f.hosts[i].rc == 0)
			continue;
		if (!g.need[i]) {
			nother++;
			continue;
		}
		lc_hostid(idbuf, &m->hosts[i]);
		tdx_roles(roles, sizeof(roles), m, i);
		if (g.seen[i] == TDX_NO) {
			no[i] = 1;
			nno++;
			list_add(nolist, sizeof(nolist), m->hosts[i].ssh);
			lc_run_note(r, idbuf, "", "tdx", "", "failed", "no TDX for %s", roles);
		} else {
			unasked[i] = 1;
			nun++;
			list_add(unlist, sizeof(unlist), m->hosts[i].ssh);
			lc_run_note(r, idbuf, "", "tdx", "", "failed", "TDX unproven for %s: %s",
				    roles, r->f.hosts[i].err.msg);
		}
	}
	if (!r->have_f) {
		/* No fan-out at all (r->err says why): nothing could be asked. */
		lc_run_note(r, "", "", "tdx", "", "failed", "%s", r->err.msg);
		goto out;
	}
	if (!nno && !nun && !nother) {
		lc_run_note(r, "", "", "tdx", "", "done", "%zu TDX host%s show TDX", hosts,
			    hosts == 1 ? "" : "s");
		rc = 0;
		goto out;
	}
	if (nno && nun)
		lc_err_set(&r->err, "%zu of %zu TDX hosts show no TDX: %s, and %zu could not "
			   "be asked, so TDX is unproven there: %s; nothing was installed",
			   nno, hosts, nolist, nun, unlist);
	else if (nno)
		lc_err_set(&r->err, "%zu of %zu TDX hosts show no TDX: %s; nothing was "
			   "installed", nno, hosts, nolist);
	else if (nun)
		lc_err_set(&r->err, "%zu of %zu TDX hosts could not be asked, so TDX is "
			   "unproven there: %s; nothing was installed", nun, hosts, unlist);
	else
		lc_err_set(&r->err, "%zu host%s could not be reached (see above); a TDX "
			   "lattice needs every host before anything is installed; nothing was "
			   "installed", nother, nother == 1 ? "" : "s");
	if (nno)
		lc_err_hint(&r->err, "run the TDX roles on TDX guests (check each host's TDX "
			    "setup), or set tdx = \"simulate\" in [lattice] for a development "
			    "lattice (a fingerprint change)");
	else if (nun)
		lc_err_hint(&r->err, "TDX is proven only by asking the host: make %s "
			    "reachable (see above), then run 'latticectl up' again",
			    nun == 1 ? "it" : "them");
	else
		lc_err_hint(&r->err, "make %s reachable (see above), then run 'latticectl "
			    "up' again", nother == 1 ? "it" : "them");
	lc_run_note(r, "", "", "tdx", "", "failed", "%s", r->err.msg);
	if (r->ctx->json)
		tdx_event(r, hosts, no, unasked);
out:
	free(g.need);
	free(g.seen);
	free(no);
	free(unasked);
	return rc;
}

/* add-host: the host must be new to the lattice, every role to install. */
static int check_new_host(struct lc_run *r, const char *host)
{
	long i = lc_manifest_host(r->m, host);
	const struct lc_want_host *wh = i < 0 ? NULL : &r->lay.hosts[i];
	size_t k;

	if (!wh || !wh->planned) {
		lc_err_set(&r->err, "cannot add '%s': it could not be asked (see above)", host);
		return -1;
	}
	for (k = 0; k < wh->nroles; k++)
		if (wh->roles[k].action != LC_ACT_INSTALL) {
			lc_err_set(&r->err, "'%s' already runs %s of lattice '%s': it is not a "
				   "new host", host, lc_roles[wh->roles[k].role].name, r->m->name);
			lc_err_hint(&r->err, "use 'latticectl up' to bring existing hosts to the "
				    "manifest");
			return -1;
		}
	return 0;
}

/* --json: a run that failed once its work began ends, as one that
 * succeeded does, with a "done" event: ok false, the exit status, and
 * the error with its hint. */
static void fail_event(const struct lc_run *r, int rc)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "event", "done");
	cJSON_AddStringToObject(o, "lattice", r->m->name);
	cJSON_AddBoolToObject(o, "ok", 0);
	cJSON_AddNumberToObject(o, "exit", rc);
	if (!r->err.msg[0] && rc == LC_EXIT_INTERRUPTED) {
		cJSON_AddStringToObject(o, "error", "interrupted");
		cJSON_AddStringToObject(o, "hint", "run the same command again: it resumes "
					"where this run stopped");
	} else {
		lc_json_error(o, &r->err);
	}
	lc_print_json(o);
}

/* Two lattices on one host must not serve metrics on the same port: a
 * host where the plan found that stops the run before anything moves. */
static int port_clash(struct lc_run *r)
{
	size_t i, n = 0, first = 0;

	for (i = 0; i < r->lay.nhosts; i++)
		if (r->lay.hosts[i].port_clash && !n++)
			first = i;
	if (!n)
		return 0;
	lc_err_set(&r->err, "%zu host%s already serve%s one of lattice '%s' metrics ports "
		   "for another lattice (first %s: %s); nothing was installed", n,
		   n == 1 ? "" : "s", n == 1 ? "s" : "", r->m->name, r->lay.hosts[first].name,
		   r->f.hosts[first].err.msg);
	lc_err_hint(&r->err, "%s", r->f.hosts[first].err.hint);
	lc_run_note(r, "", "", "ports", "", "failed", "%s", r->err.msg);
	return -1;
}

/*
 * up, and add-host when new_host is set: the same steps, after checking
 * that the lattice runs already, that its fingerprint does not change
 * (the identity guard refuses that), and that new_host is new.
 */
int lc_up_run(struct lc_ctx *ctx, const char *new_host, int offline)
{
	const struct lc_manifest *m = ctx->manifest;
	struct lc_buf out;
	struct lc_run r;
	struct lc_err err;
	struct lc_tally t;
	struct lc_sent sent;
	char signal[256], idhex[65];
	unsigned hosts_up = 0, changed;
	long t0 = lc_now_ms();
	size_t failed;
	int org, rc;

	/* The chain first: a lattice pointed at the wrong chain is refused
	 * before anything is generated or any host is touched. */
	lc_err_clear(&err);
	lc_buf_init(&out, 1 << 16);
	memset(&sent, 0, sizeof(sent));
	if (offline) {
		fprintf(stderr, "warning: --offline: the chain_rpc endpoints are not checked "
			"against chain_id %llu\n", (unsigned long long)m->chain_id);
	} else if (lc_chain_check(m, 10000, &out, &err)) {
		lc_buf_release(&out);
		return lc_fail(&err);
	} else if (lc_log_on(LC_LOG_VERBOSE) && out.len) {
		fputs(out.ptr, stderr);
	}
	lc_buf_release(&out);

	if (lc_run_open_for(&r, ctx, new_host ? &lc_cmd_add_host : &lc_cmd_up,
			    LC_RUN_CREATE | LC_RUN_LATER)) {
		rc = lc_run_fail(&r);
		lc_run_close(&r);
		return rc;
	}
	if (lc_rotation_refuse(r.j, new_host ? "add-host" : "up", &r.err) ||
	    lc_run_precheck(&r) || tdx_gate(&r) || run_ceremonies(&r) || lc_run_reload(&r)) {
		rc = lc_run_fail(&r);
		goto out;
	}
	lc_hex_encode(idhex, r.id.lattice_id, 32);
	lc_run_note(&r, "", "", "identity", idhex, "done", "%u secrets created, %u reused",
		    r.id.created, r.id.reused);
	if (!ctx->quiet && !ctx->json)
		fprintf(stderr, "up: lattice %s, lattice_id %.16s…, secrets: %u created, "
			"%u reused\n", m->name, idhex, r.id.created, r.id.reused);

	failed = lc_plan_all(&r);
	if (!r.have_f) {
		rc = lc_run_fail(&r); /* the hosts cannot be reached at all: r.err says why */
		goto out;
	}
	if (lc_interrupted) {
		rc = interrupted(&r, "planning");
		goto out;
	}
	if (port_clash(&r)) {
		rc = lc_run_fail(&r);
		goto out;
	}
	lc_tally_count(&r, &t);
	changed = t.roles - t.n[LC_ACT_NOTHING];
	if (new_host && check_new_host(&r, new_host)) {
		rc = lc_run_fail(&r);
		goto out;
	}
	if (!ctx->quiet && !ctx->json)
		lc_tally_print(stderr, new_host ? "add-host" : "up", &t);
	if (!failed && !changed && health_confirmed(r.j)) {
		lc_run_note(&r, "", "", "up", idhex, "done", "nothing to do");
		if (!ctx->quiet && !ctx->json)
			fprintf(stderr, "up: nothing to do: %u roles on %zu hosts match the "
				"manifest and run\n", t.roles, m->nhosts);
		print_kit(&r, (unsigned)m->nhosts, "unchanged (every role was already up)", 0, &sent);
		rc = LC_EXIT_OK;
		goto out;
	}

	/* Files and units everywhere first: the bytes move in parallel. */
	failed += send_files(&r, &sent);
	if (!ctx->quiet && !ctx->json && (sent.fetched || sent.pushed || sent.program_bytes))
		fprintf(stderr, "up: programs: %lld bytes sent from this machine; %u fetched by "
			"the hosts themselves (%lld bytes)%s\n", sent.program_bytes,
			sent.fetched, sent.fetched_bytes, sent.pushed ?
			", the others sent after the host could not fetch them" : "");
	if (lc_interrupted) {
		rc = interrupted(&r, "sending files");
		goto out;
	}
	failed += lc_fanout_run(&r.f, "units", units_task, &r);
	if (lc_interrupted) {
		rc = interrupted(&r, "installing units");
		goto out;
	}
	/* New and stopped members start in pipeline order. */
	for (org = 0; org < LC_ORG_COUNT; org++) {
		struct start_arg sa = { &r, org };
		char step[32];

		snprintf(step, sizeof(step), "start %s", lc_org_names[org]);
		failed += lc_fanout_run(&r.f, step, start_task, &sa);
		if (lc_interrupted) {
			rc = interrupted(&r, step);
			goto out;
		}
	}
	/* Running members that changed: every committee at once, each in
	 * batches that keep its quorum up. */
	if (lc_rollout(&r) || r.err.msg[0]) {
		rc = lc_interrupted ? interrupted(&r, "the rollout") : lc_run_fail(&r);
		goto out;
	}
	if (failed) {
		lc_err_set(&r.err, "%zu host%s failed (see above); the others are done", failed,
			   failed == 1 ? "" : "s");
		lc_err_hint(&r.err, "fix what the messages say, then run 'latticectl up' again: "
			    "it resumes where this run stopped");
		rc = lc_run_fail(&r);
		goto out;
	}
	if (!ctx->quiet && !ctx->json)
		fprintf(stderr, "up: deployed in %.2f s; waiting for the health signal "
			"(deadline %u s)\n", (lc_now_ms() - t0) / 1000.0, m->health.deadline_s);
	if (lc_health_wait(&r, &hosts_up, signal, sizeof(signal))) {
		if (lc_interrupted) {
			rc = interrupted(&r, "waiting for health");
			goto out;
		}
		lc_run_note(&r, "", "", "health", idhex, "failed", "%s", r.err.msg);
		lc_fail(&r.err);
		rc = LC_EXIT_UNHEALTHY;
		goto out;
	}
	lc_run_note(&r, "", "", "health", idhex, "done", "%s", signal);
	print_kit(&r, hosts_up, signal, changed, &sent);
	rc = LC_EXIT_OK;
out:
	if (ctx->json && rc != LC_EXIT_OK)
		fail_event(&r, rc);
	lc_run_close(&r);
	return rc;
}

