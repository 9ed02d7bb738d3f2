/* cmd_down.c - `latticectl down`: stop every organism in reverse pipeline order; --wipe removes secrets for decommissioning. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "opts.h"
#include "up.h"
#include "roles.h"
#include "rollout.h"
#include "run.h"
#include "banned.h"

/* What down did on one host, for --json (each host's task writes only its own). */
struct down_host {
	unsigned stopped, absent; /* roles stopped; roles not installed there */
	int wiped;                /* the wipe step ran to its end there */
	long removed;             /* files the wipe removed */
};

struct down {
	struct down_host *dh;          /* per manifest host */
	struct lc_run *r;
	char *sel;                     /* hosts chosen */
	unsigned roles;                /* roles chosen (bits); all when none named */
	int roles_named, hosts_named;
	int org;                       /* the organism being stopped */
	int wipe;                      /* then wipe what was stopped */
	unsigned stopped;
};

/* The roles to act on at host i: the manifest's, narrowed by --role; a
 * role named explicitly on a named host is acted on even when the
 * manifest no longer gives it that host (a leftover). */
static unsigned host_roles(const struct down *d, size_t i)
{
	unsigned have = d->r->m->hosts[i].roles;

	if (!d->roles_named)
		return have;
	return d->hosts_named ? d->roles : d->roles & have;
}

static int stop_task(struct lc_fanout_host *h, void *arg)
{
	struct down *d = arg;
	struct lc_run *r = d->r;
	size_t i = (size_t)(h - r->f.hosts);
	unsigned roles = host_roles(d, i);
	struct lc_agent *a;
	char hostid[LC_HOSTID_MAX];
	int role;

	if (!d->sel[i])
		return 0;
	lc_hostid(hostid, &r->m->hosts[i]);
	for (role = 0; role < LC_ROLE_COUNT; role++) {
		if (!(roles & (1u << role)) || (int)lc_roles[role].org != d->org)
			continue;
		if (lc_fanout_agent(h, &a))
			return -1;
		if (lc_unit_action(a, r->m, role, "stop", &h->err)) {
			if (h->err.code == LC_ERR_NOTFOUND) {
				lc_err_clear(&h->err);
				lc_buf_printf(&h->out, "%s is not installed\n", lc_roles[role].name);
				d->dh[i].absent |= 1u << role;
				continue;
			}
			lc_run_note(r, hostid, lc_roles[role].name, "stop", "", "failed", "%s",
				    h->err.msg);
			return -1;
		}
		lc_run_note(r, hostid, lc_roles[role].name, "stop", "", "done", "%s", "");
		lc_buf_printf(&h->out, "stopped %s\n", lc_roles[role].name);
		d->dh[i].stopped |= 1u << role;
		__atomic_add_fetch(&d->stopped, 1, __ATOMIC_RELAXED);
	}
	return 0;
}

static int wipe_task(struct lc_fanout_host *h, void *arg)
{
	struct down *d = arg;
	struct lc_run *r = d->r;
	size_t i = (size_t)(h - r->f.hosts);
	unsigned roles = host_roles(d, i);
	char hostid[LC_HOSTID_MAX];
	struct lc_agent *a;
	cJSON *req, *reply, *removed;
	int role;

	if (!d->sel[i])
		return 0;
	lc_hostid(hostid, &r->m->hosts[i]);
	if (lc_fanout_agent(h, &a))
		return -1;
	/* Named roles one by one; otherwise the whole lattice at once
	 * (role == LC_ROLE_COUNT). */
	for (role = d->roles_named ? 0 : LC_ROLE_COUNT;
	     role < (d->roles_named ? LC_ROLE_COUNT : LC_ROLE_COUNT + 1); role++) {
		if (role < LC_ROLE_COUNT && !(roles & (1u << role)))
			continue;
		if (!(req = lc_req("wipe", r->m->name)))
			return lc_err_set(&h->err, "out of memory");
		if (role < LC_ROLE_COUNT)
			cJSON_AddStringToObject(req, "role", lc_roles[role].name);
		if (!(reply = lc_call_ok(a, req, &h->err))) {
			lc_run_note(r, hostid, role < LC_ROLE_COUNT ? lc_roles[role].name : "",
				    "wipe", "", "failed", "%s", h->err.msg);
			return -1;
		}
		removed = cJSON_GetObjectItem(reply, "removed");
		lc_buf_printf(&h->out, "wiped %s (%d files)\n",
			      role < LC_ROLE_COUNT ? lc_roles[role].name : "the whole lattice",
			      cJSON_IsNumber(removed) ? removed->valueint : 0);
		if (cJSON_IsNumber(removed))
			d->dh[i].removed += removed->valueint;
		cJSON_Delete(reply);
		lc_run_note(r, hostid, role < LC_ROLE_COUNT ? lc_roles[role].name : "", "wipe", "",
			    "done", "%s", "");
		if (role == LC_ROLE_COUNT)
			r->host_locked[i] = 0; /* the lock went with the lattice's files */
	}
	d->dh[i].wiped = 1;
	return 0;
}

/* down's options. */
static struct lc_opt_list only_hosts, only_roles;
static int wipe, yes;

/* --wipe destroys secrets on hosts: the operator says so. */
static int confirm_wipe(const struct lc_manifest *m, size_t nhosts)
{
	char line[512];
	size_t len;

	if (yes)
		return 0;
	if (!isatty(STDIN_FILENO)) {
		fprintf(stderr, "latticectl: down --wipe removes the secrets of lattice '%s' "
			"from %zu host%s, and nothing asks first without a terminal\n"
			"hint: add --yes to confirm\n", m->name, nhosts, nhosts == 1 ? "" : "s");
		return -1;
	}
	fprintf(stderr, "down --wipe removes the secrets of lattice '%s' from %zu host%s "
		"(for decommissioning: DH secrets left on a box can replay history).\n"
		"Type the lattice name to confirm: ", m->name, nhosts, nhosts == 1 ? "" : "s");
	if (!fgets(line, sizeof(line), stdin))
		return -1;
	len = strcspn(line, "\r\n");
	line[len] = '\0';
	if (strcmp(line, m->name)) {
		fprintf(stderr, "latticectl: not confirmed; nothing was changed\n");
		return -1;
	}
	return 0;
}

static const struct lc_opt down_opts[] = {
	LC_OPTS_PICK(only_hosts, only_roles),
	{ LC_OPT_FLAG, 0, "wipe", NULL,
	  "also remove the roles' secrets and files from the hosts (decommissioning)", &wipe },
	{ LC_OPT_FLAG, 0, "yes", NULL, "do not ask for confirmation", &yes },
	LC_OPT_END_MARK,
};

/* The roles set in bits, by name, in pipeline order. */
static cJSON *role_names(unsigned bits)
{
	cJSON *a = cJSON_CreateArray();
	int role;

	for (role = 0; a && role < LC_ROLE_COUNT; role++)
		if (bits & (1u << role))
			cJSON_AddItemToArray(a, cJSON_CreateString(lc_roles[role].name));
	return a;
}

/* --json: after the hosts' events, the summary as one "done" event (as
 * up ends), whether or not every host went down. */
static void print_summary(const struct down *d, const struct lc_err *err)
{
	const struct lc_run *r = d->r;
	cJSON *o = cJSON_CreateObject(), *hosts, *ho;
	size_t i;

	if (!o)
		return;
	cJSON_AddStringToObject(o, "event", "done");
	cJSON_AddStringToObject(o, "lattice", r->m->name);
	cJSON_AddBoolToObject(o, "ok", !err->msg[0]);
	cJSON_AddBoolToObject(o, "wipe", d->wipe);
	cJSON_AddNumberToObject(o, "stopped", d->stopped);
	hosts = cJSON_AddArrayToObject(o, "hosts");
	for (i = 0; hosts && i < r->m->nhosts; i++) {
		const struct lc_fanout_host *h = &r->f.hosts[i];

		if (!d->sel[i] || !(ho = cJSON_CreateObject()))
			continue;
		cJSON_AddItemToArray(hosts, ho);
		cJSON_AddStringToObject(ho, "host", h->name);
		cJSON_AddBoolToObject(ho, "ok", h->rc == 0);
		cJSON_AddItemToObject(ho, "stopped", role_names(d->dh[i].stopped));
		cJSON_AddItemToObject(ho, "not_installed", role_names(d->dh[i].absent));
		cJSON_AddBoolToObject(ho, "wiped", d->dh[i].wiped);
		cJSON_AddNumberToObject(ho, "files_removed", (double)d->dh[i].removed);
		lc_json_error(ho, h->rc ? &h->err : NULL);
	}
	lc_json_error(o, err);
	lc_print_json(o);
}

static int cmd_down(int argc, char **argv, struct lc_ctx *ctx)
{
	(void)argc;
	(void)argv;
	return lc_down_run(ctx, &lc_cmd_down, wipe, 1);
}

int lc_down_run(struct lc_ctx *ctx, const struct lc_cmd *c, int do_wipe, int ask)
{
	const struct lc_manifest *m = ctx->manifest;
	struct down d;
	struct lc_run r;
	struct lc_err err;
	size_t failed = 0, i, n = 0;
	int rc = LC_EXIT_FAIL, opened = 0;

	memset(&d, 0, sizeof(d));
	d.wipe = do_wipe;
	lc_err_clear(&err);
	if (!(d.sel = calloc(m->nhosts ? m->nhosts : 1, 1)) ||
	    !(d.dh = calloc(m->nhosts ? m->nhosts : 1, sizeof(*d.dh))))
		goto out;
	d.hosts_named = only_hosts.n > 0;
	d.roles_named = only_roles.n > 0;
	if (lc_pick_hosts(d.sel, m, &only_hosts) ||
	    lc_pick_roles(&d.roles, &only_roles)) {
		rc = LC_EXIT_USAGE;
		goto out;
	}
	for (i = 0; i < m->nhosts; i++)
		n += d.sel[i];
	if (do_wipe && ask && confirm_wipe(m, n))
		goto out;
	opened = 1;
	d.r = &r;
	if (lc_run_open_for(&r, ctx, c, 0) ||
	    ((failed = lc_run_connect(&r, d.sel)), !r.have_f)) {
		rc = lc_run_fail(&r);
		goto out;
	}
	/* Reverse pipeline order: tally first, zipnet last. */
	for (d.org = LC_ORG_COUNT - 1; d.org >= 0 && !lc_interrupted; d.org--) {
		char step[32];

		snprintf(step, sizeof(step), "stop %s", lc_org_names[d.org]);
		failed += lc_fanout_run(&r.f, step, stop_task, &d);
	}
	if (do_wipe && !lc_interrupted)
		failed += lc_fanout_run(&r.f, "wipe", wipe_task, &d);
	if (lc_interrupted) {
		lc_err_set(&err, "interrupted; the locks are released");
		rc = LC_EXIT_INTERRUPTED;
	} else if (failed) {
		lc_err_set(&err, "%s failed on %zu host%s (see above); the others are down",
			   c->name, failed, failed == 1 ? "" : "s");
		lc_err_hint(&err, "run the same command again once they are reachable");
		rc = LC_EXIT_FAIL;
	} else {
		if (!ctx->quiet && !ctx->json)
			fprintf(stderr, "%s: stopped %u role%s on %zu host%s%s\n", c->name,
				d.stopped, d.stopped == 1 ? "" : "s", n, n == 1 ? "" : "s",
				do_wipe ? "; their secrets are wiped" : "");
		rc = LC_EXIT_OK;
	}
	if (ctx->json)
		print_summary(&d, &err);
	if (err.msg[0])
		lc_fail(&err);
out:
	if (opened)
		lc_run_close(&r);
	free(d.sel);
	free(d.dh);
	return rc;
}

const struct lc_cmd lc_cmd_down = {
	"down", cmd_down, LC_NEED_MANIFEST | LC_NEED_LOCK, down_opts,
	"[--host HOST]... [--role ROLE]... [--wipe [--yes]]", 0, 0,
	"stop every organism in reverse pipeline order (--wipe: decommission)",
	"narrow it with --host and --role",
};
