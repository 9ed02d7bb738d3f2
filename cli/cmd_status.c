/* cmd_status.c - `latticectl status`: every role of the lattice on its hosts, as one table or one JSON object. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "agent_client.h"
#include "check.h"
#include "connect.h"
#include "deploy.h"
#include "fanout.h"
#include "health.h"
#include "lc.h"
#include "log.h"
#include "manifest.h"
#include "probe.h"
#include "ssh.h"
#include "banned.h"

/* What a run asks and what the hosts answered; index i is fan-out host i. */
struct status_run {
	const struct lc_manifest *m;
	unsigned roles;               /* the roles asked for (bit per enum lc_role) */
	size_t *host;                 /* fan-out host i is m->hosts[host[i]] */
	struct lc_host_probe *probe;
	int *probed;                  /* probe[i] holds an answer */
	size_t n;
	/* Totals over what was asked. */
	size_t nroles, nhealthy, nreached;
};

static int status_task(struct lc_fanout_host *h, void *arg)
{
	struct status_run *s = arg;
	size_t i = (size_t)(h - h->f->hosts);
	struct lc_agent *a;

	if (lc_fanout_agent(h, &a) ||
	    lc_probe_host(a, s->m, s->host[i], 1, &s->probe[i], &h->err))
		return -1;
	s->probed[i] = 1;
	return 0;
}

/* "73s", "12m05s", "3h07m", "2d04h"; "-" when nothing runs. */
static void fmt_uptime(char *out, size_t size, const struct lc_role_probe *r)
{
	long s = r->uptime_s;

	if (!r->pid)
		snprintf(out, size, "-");
	else if (s < 60)
		snprintf(out, size, "%lds", s);
	else if (s < 3600)
		snprintf(out, size, "%ldm%02lds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(out, size, "%ldh%02ldm", s / 3600, s % 3600 / 60);
	else
		snprintf(out, size, "%ldd%02ldh", s / 86400, s % 86400 / 3600);
}

/* A metric as a table cell: "-" when missing. */
static void fmt_metric(char *out, size_t size, double v)
{
	if (isfinite(v))
		snprintf(out, size, "%.0f", v);
	else
		snprintf(out, size, "-");
}

enum { C_HOST, C_ROLE, C_STATE, C_PID, C_UPTIME, C_RESTARTS, C_COMMITTEE, C_ROUND,
       C_HEALTH, NCOLS };

static const char *const heads[NCOLS] = {
	"HOST", "ROLE", "STATE", "PID", "UPTIME", "RESTARTS", "COMMITTEE", "ROUND", "HEALTH",
};

struct row {
	int unreachable;
	int healthy;
	char cell[NCOLS - 1][288];          /* HOST .. ROUND */
	char health[LC_ERR_MSG_MAX + 16];   /* HEALTH */
};

static const char *cell(const struct row *w, int c)
{
	return c == C_HEALTH ? w->health : w->cell[c];
}

/* The table's rows, in manifest host order and pipeline role order. */
static struct row *make_rows(size_t *nrows, struct status_run *s, const struct lc_fanout *f)
{
	struct row *rows = calloc(s->n * LC_ROLE_COUNT + 1, sizeof(*rows)), *w;
	size_t i, k;

	*nrows = 0;
	if (!rows)
		return NULL;
	for (i = 0; i < s->n; i++) {
		const struct lc_host_probe *p = &s->probe[i];
		const char *host = f->hosts[i].name;

		if (!s->probed[i]) {
			w = &rows[(*nrows)++];
			w->unreachable = 1;
			snprintf(w->cell[C_HOST], sizeof(w->cell[0]), "%s", host);
			snprintf(w->cell[C_ROLE], sizeof(w->cell[0]), "-");
			snprintf(w->health, sizeof(w->health), "unreachable: %s",
				 f->hosts[i].err.msg);
			continue;
		}
		for (k = 0; k < p->n; k++) {
			const struct lc_role_probe *r = &p->roles[k];

			if (!(s->roles & (1u << r->role)))
				continue;
			w = &rows[(*nrows)++];
			w->healthy = lc_role_healthy(s->m, r, w->health, sizeof(w->health));
			if (w->healthy)
				snprintf(w->health, sizeof(w->health), "ok");
			snprintf(w->cell[C_HOST], sizeof(w->cell[0]), "%s", host);
			snprintf(w->cell[C_ROLE], sizeof(w->cell[0]), "%s", lc_roles[r->role].name);
			snprintf(w->cell[C_STATE], sizeof(w->cell[0]), "%s",
				 r->installed ? r->state : "-");
			if (r->pid)
				snprintf(w->cell[C_PID], sizeof(w->cell[0]), "%ld", r->pid);
			else
				snprintf(w->cell[C_PID], sizeof(w->cell[0]), "-");
			fmt_uptime(w->cell[C_UPTIME], sizeof(w->cell[0]), r);
			if (r->installed)
				snprintf(w->cell[C_RESTARTS], sizeof(w->cell[0]), "%ld", r->restarts);
			else
				snprintf(w->cell[C_RESTARTS], sizeof(w->cell[0]), "-");
			fmt_metric(w->cell[C_COMMITTEE], sizeof(w->cell[0]), r->committee_size);
			fmt_metric(w->cell[C_ROUND], sizeof(w->cell[0]), r->round);
		}
	}
	return rows;
}

static void print_table(const struct row *rows, size_t nrows, int only_bad)
{
	int width[NCOLS], c;
	size_t i, shown = 0;

	for (c = 0; c < NCOLS; c++)
		width[c] = (int)strlen(heads[c]);
	for (i = 0; i < nrows; i++)
		for (c = 0; c < NCOLS - 1; c++) {
			int len = (int)strlen(cell(&rows[i], c));

			/* An unreachable host's row is host, "-" and its reason. */
			if (rows[i].unreachable && c > C_ROLE)
				break;
			if (len > width[c])
				width[c] = len;
		}
	for (i = 0; i < nrows; i++) {
		const struct row *w = &rows[i];

		if (only_bad && w->healthy)
			continue;
		if (!shown++) {
			for (c = 0; c < NCOLS - 1; c++)
				printf("%-*s ", width[c], heads[c]);
			printf("%s\n", heads[NCOLS - 1]);
		}
		if (w->unreachable) {
			printf("%-*s %-*s %s\n", width[C_HOST], cell(w, C_HOST), width[C_ROLE],
			       cell(w, C_ROLE), w->health);
			continue;
		}
		for (c = 0; c < NCOLS - 1; c++)
			printf("%-*s ", width[c], cell(w, c));
		printf("%s\n", w->health);
	}
}

/* A metric as JSON: null when missing or not finite. */
static cJSON *json_metric(double v)
{
	return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

static cJSON *json_role(const struct lc_manifest *m, const struct lc_role_probe *r,
			int reached)
{
	cJSON *o = cJSON_CreateObject();
	char why[LC_ERR_MSG_MAX];
	int ok = reached && lc_role_healthy(m, r, why, sizeof(why));

	if (!reached)
		snprintf(why, sizeof(why), "host unreachable");
	cJSON_AddStringToObject(o, "role", lc_roles[r->role].name);
	if (r->installed)
		cJSON_AddStringToObject(o, "state", r->state);
	else
		cJSON_AddNullToObject(o, "state");
	cJSON_AddNumberToObject(o, "pid", (double)r->pid);
	cJSON_AddNumberToObject(o, "uptime_s", (double)r->uptime_s);
	cJSON_AddNumberToObject(o, "restarts", (double)r->restarts);
	if (r->last_exit[0])
		cJSON_AddStringToObject(o, "last_exit", r->last_exit);
	else
		cJSON_AddNullToObject(o, "last_exit");
	cJSON_AddItemToObject(o, "committee_size", json_metric(r->committee_size));
	cJSON_AddItemToObject(o, "round", json_metric(r->round));
	cJSON_AddBoolToObject(o, "healthy", ok);
	if (ok)
		cJSON_AddNullToObject(o, "why");
	else
		cJSON_AddStringToObject(o, "why", why);
	return o;
}

static cJSON *json_host(const struct status_run *s, const struct lc_fanout_host *h, size_t i)
{
	const struct lc_host_probe *p = &s->probe[i];
	const struct lc_host *mh = &s->m->hosts[s->host[i]];
	cJSON *o = cJSON_CreateObject(), *roles, *extra;
	int r;

	cJSON_AddStringToObject(o, "host", h->name);
	cJSON_AddBoolToObject(o, "reachable", s->probed[i]);
	if (s->probed[i]) {
		cJSON_AddNullToObject(o, "error");
		cJSON_AddStringToObject(o, "agent", p->agent);
		cJSON_AddStringToObject(o, "backend", p->backend);
	} else {
		cJSON_AddStringToObject(o, "error", h->err.msg);
		if (h->err.hint[0])
			cJSON_AddStringToObject(o, "hint", h->err.hint);
		cJSON_AddNullToObject(o, "agent");
		cJSON_AddNullToObject(o, "backend");
	}
	roles = cJSON_AddArrayToObject(o, "roles");
	if (s->probed[i]) {
		size_t k;

		for (k = 0; k < p->n; k++)
			if (s->roles & (1u << p->roles[k].role))
				cJSON_AddItemToArray(roles, json_role(s->m, &p->roles[k], 1));
	} else {
		/* What the host should carry, each unhealthy: scripts count roles. */
		for (r = 0; r < LC_ROLE_COUNT; r++) {
			struct lc_role_probe none = { .role = r, .up = NAN,
						      .committee_size = NAN, .round = NAN };

			if ((mh->roles & s->roles & (1u << r)))
				cJSON_AddItemToArray(roles, json_role(s->m, &none, 0));
		}
	}
	extra = cJSON_AddArrayToObject(o, "extra");
	for (r = 0; r < LC_ROLE_COUNT; r++)
		if (s->probed[i] && p->extra[r])
			cJSON_AddItemToArray(extra, cJSON_CreateString(lc_roles[r].name));
	return o;
}

static int print_json(const struct status_run *s, const struct lc_fanout *f, int healthy)
{
	cJSON *o = cJSON_CreateObject(), *hosts;
	char *text;
	size_t i;

	cJSON_AddStringToObject(o, "lattice", s->m->name);
	cJSON_AddBoolToObject(o, "healthy", healthy);
	hosts = cJSON_AddArrayToObject(o, "hosts");
	for (i = 0; i < s->n; i++)
		cJSON_AddItemToArray(hosts, json_host(s, &f->hosts[i], i));
	text = cJSON_Print(o);
	cJSON_Delete(o);
	if (!text) {
		fprintf(stderr, "latticectl: out of memory\n");
		return -1;
	}
	printf("%s\n", text);
	free(text);
	return 0;
}

/* Count what was asked and what answered healthy. */
static void count(struct status_run *s)
{
	size_t i, k;
	int r;

	for (i = 0; i < s->n; i++) {
		const struct lc_host_probe *p = &s->probe[i];

		if (!s->probed[i]) {
			for (r = 0; r < LC_ROLE_COUNT; r++)
				s->nroles += !!(s->m->hosts[s->host[i]].roles & s->roles & (1u << r));
			continue;
		}
		s->nreached++;
		for (k = 0; k < p->n; k++) {
			char why[LC_ERR_MSG_MAX];

			if (!(s->roles & (1u << p->roles[k].role)))
				continue;
			s->nroles++;
			s->nhealthy += (size_t)lc_role_healthy(s->m, &p->roles[k], why, sizeof(why));
		}
	}
}

/* The hosts' remarks (an agent installed, a host key recorded), the
 * hints of those that could not be asked, and roles the manifest does
 * not give a host: on stderr, after the table. */
/* -v: each unhealthy role's last log lines, as its host's agent keeps them. */
static void print_logs(const struct status_run *s, size_t i, const char *host)
{
	size_t k;

	for (k = 0; k < s->probe[i].n; k++) {
		const struct lc_role_probe *rp = &s->probe[i].roles[k];
		char why[128];

		if (!(s->roles & (1u << rp->role)) || lc_role_healthy(s->m, rp, why, sizeof(why)))
			continue;
		fprintf(stderr, "%s: %s is not healthy (%s); its last log lines:\n", host,
			lc_roles[rp->role].name, why);
		lc_role_log_print(stderr, rp);
	}
}

static void print_notes(const struct status_run *s, const struct lc_fanout *f, int quiet)
{
	size_t i;
	int r;

	for (i = 0; i < s->n; i++) {
		const struct lc_fanout_host *h = &f->hosts[i];
		const char *p = h->note.len ? h->note.ptr : "";

		while (*p && !quiet) {
			size_t len = strcspn(p, "\n");

			fprintf(stderr, "%s: %.*s\n", h->name, (int)len, p);
			p += len + (p[len] == '\n');
		}
		if (!s->probed[i]) {
			if (h->err.hint[0])
				fprintf(stderr, "%s: hint: %s\n", h->name, h->err.hint);
			continue;
		}
		for (r = 0; r < LC_ROLE_COUNT; r++)
			if (s->probe[i].extra[r])
				fprintf(stderr, "warning: %s has %s installed, which the manifest "
					"does not give it\n", h->name, lc_roles[r].name);
		if (lc_log_on(LC_LOG_VERBOSE))
			print_logs(s, i, h->name);
	}
}

static struct lc_opt_list only_hosts, only_roles;
static const struct lc_opt status_opts[] = {
	LC_OPTS_PICK(only_hosts, only_roles),
	LC_OPT_END_MARK,
};

static int cmd_status(int argc, char **argv, struct lc_ctx *ctx)
{
	const struct lc_manifest *m = ctx->manifest;
	struct status_run s;
	struct lc_ssh_opts o;
	struct lc_bundle b;
	struct lc_fanout f;
	struct lc_err err;
	struct row *rows = NULL;
	const char **names = NULL;
	char *want = NULL, known[4200];
	size_t i, nrows;
	int rc = LC_EXIT_FAIL, fan = 0, healthy;

	(void)argc;
	(void)argv;
	memset(&s, 0, sizeof(s));
	s.m = m;
	lc_err_clear(&err);
	if (lc_pick_roles(&s.roles, &only_roles))
		return LC_EXIT_USAGE;
	if (!(want = calloc(m->nhosts + 1, 1)) ||
	    !(names = calloc(m->nhosts + 1, sizeof(*names))) ||
	    !(s.host = calloc(m->nhosts + 1, sizeof(*s.host))) ||
	    !(s.probe = calloc(m->nhosts + 1, sizeof(*s.probe))) ||
	    !(s.probed = calloc(m->nhosts + 1, sizeof(*s.probed)))) {
		lc_err_set(&err, "out of memory");
		goto fail;
	}
	if (lc_pick_hosts(want, m, &only_hosts)) {
		rc = LC_EXIT_USAGE;
		goto out;
	}
	/* Only hosts that carry a role asked for are asked. */
	for (i = 0; i < m->nhosts; i++)
		if (want[i] && (m->hosts[i].roles & s.roles)) {
			names[s.n] = m->hosts[i].ssh;
			s.host[s.n++] = i;
		}
	if (!s.n) {
		fprintf(stderr, "latticectl: no host asked for carries a role asked for\n"
			"hint: see the hosts' roles with 'latticectl validate'\n");
		rc = LC_EXIT_USAGE;
		goto out;
	}

	if (lc_fanout_open(&f, &o, known, sizeof(known), &b, ctx, names, s.n, 0, &err))
		goto fail;
	fan = 1;
	/* One report after every host answered: nothing is printed per host. */
	f.silent = 1;
	f.json = 0;
	lc_fanout_run(&f, "status", status_task, &s);

	count(&s);
	healthy = s.nreached == s.n && s.nhealthy == s.nroles;
	if (ctx->json) {
		if (print_json(&s, &f, healthy))
			goto out;
	} else {
		if (!(rows = make_rows(&nrows, &s, &f))) {
			lc_err_set(&err, "out of memory");
			goto fail;
		}
		print_table(rows, nrows, ctx->quiet);
		if (!ctx->quiet)
			printf("lattice %s: %zu/%zu roles healthy on %zu/%zu hosts\n", m->name,
			       s.nhealthy, s.nroles, s.nreached, s.n);
	}
	fflush(stdout);
	print_notes(&s, &f, ctx->quiet);
	rc = healthy ? LC_EXIT_OK : LC_EXIT_UNHEALTHY;
	goto out;
fail:
	rc = err.msg[0] ? lc_fail(&err) : LC_EXIT_FAIL;
out:
	if (s.probe)
		for (i = 0; i < s.n; i++)
			if (s.probed[i])
				lc_probe_release(&s.probe[i]);
	if (fan)
		lc_fanout_release(&f);
	free(rows);
	free(want);
	free(names);
	free(s.host);
	free(s.probe);
	free(s.probed);
	return rc;
}

const struct lc_cmd lc_cmd_status = {
	"status", cmd_status, LC_NEED_MANIFEST, status_opts, "[--host HOST]... [--role ROLE]...",
	0, 0, "show every role's state, restarts, committee and round on its hosts",
	"narrow it with --host and --role",
};
