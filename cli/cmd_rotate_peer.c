/* cmd_rotate_peer.c - `latticectl rotate-peer HOST ROLE`: a new peer identity for one member, one member of a committee at a time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "plan.h"
#include "hex.h"
#include "roles.h"
#include "rollout.h"
#include "rotation.h"
#include "run.h"
#include "secrets.h"
#include "up.h"
#include "banned.h"

/* The member's PeerId (hex) in the identity as loaded. */
static int peer_hex(char out[65], const struct lc_identity *id, size_t host, int role)
{
	size_t k;

	for (k = 0; k < id->nmembers; k++)
		if (id->members[k].host == host && id->members[k].role == role) {
			lc_hex_encode(out, id->members[k].peer_id, 32);
			return 0;
		}
	return -1;
}

/* Refuse while another member of the committee is not back: down, or in
 * a rotation that has not finished. */
static int others_back(struct lc_run *r, size_t i, int role)
{
	const char *rname = lc_roles[role].name;
	char why[200];
	size_t j;

	for (j = 0; j < r->m->nhosts; j++) {
		const struct lc_jrec *last;

		if (j == i || !(r->m->hosts[j].roles & (1u << role)))
			continue;
		last = lc_journal_last(r->j, r->id.hostid[j], rname, "rotate");
		if (last && !strcmp(last->outcome, "begin")) {
			lc_err_set(&r->err, "the rotation of %s on %s has not finished", rname,
				   r->m->hosts[j].ssh);
			lc_err_hint(&r->err, "finish it first: latticectl rotate-peer %s %s",
				    r->m->hosts[j].ssh, rname);
			return -1;
		}
		if (!lc_member_healthy(r, j, role, why, sizeof(why), NULL)) {
			lc_err_set(&r->err, "not rotating %s on %s while %s on %s is not back: %s",
				   rname, r->m->hosts[i].ssh, rname, r->m->hosts[j].ssh, why);
			lc_err_hint(&r->err, "bring it back first ('latticectl status'), then run "
				    "again");
			return -1;
		}
	}
	return 0;
}

/* What rotate-peer did, for --json. */
struct rotation {
	const char *host, *role;
	char old[65], now[65];        /* PeerIds (public), "" when not known */
	char id_before[65], id_after[65]; /* lattice_id, "" when not known */
	int resumed;
};

/* --json: the outcome as one "done" event (as up ends); PeerIds and the
 * lattice_id are public, no secret is printed. */
static void print_rotation(const struct rotation *rot, const struct lc_run *r, int ok)
{
	cJSON *o = cJSON_CreateObject(), *a;

	if (!o)
		return;
	cJSON_AddStringToObject(o, "event", "done");
	cJSON_AddStringToObject(o, "lattice", r->m->name);
	cJSON_AddBoolToObject(o, "ok", ok);
	cJSON_AddStringToObject(o, "host", rot->host);
	cJSON_AddStringToObject(o, "role", rot->role);
	cJSON_AddItemToObject(o, "old_peer_id", rot->old[0] ? cJSON_CreateString(rot->old) :
			      cJSON_CreateNull());
	cJSON_AddItemToObject(o, "new_peer_id", rot->now[0] ? cJSON_CreateString(rot->now) :
			      cJSON_CreateNull());
	cJSON_AddBoolToObject(o, "resumed", rot->resumed);
	if ((a = cJSON_AddArrayToObject(o, "restarted")) && ok)
		cJSON_AddItemToArray(a, cJSON_CreateString(rot->host));
	cJSON_AddItemToObject(o, "lattice_id", rot->id_after[0] ?
			      cJSON_CreateString(rot->id_after) : cJSON_CreateNull());
	cJSON_AddItemToObject(o, "fingerprint", !rot->id_after[0] ? cJSON_CreateNull() :
			      cJSON_CreateString(strcmp(rot->id_before, rot->id_after) ?
						 "changed" : "unchanged"));
	lc_json_error(o, ok ? NULL : &r->err);
	lc_print_json(o);
}

/* Each line of b on stderr, after "host: ". */
static void print_lines(const char *host, const struct lc_buf *b)
{
	const char *p = b->ptr, *e;

	for (; p && p < b->ptr + b->len; p = e + 1) {
		if (!(e = memchr(p, '\n', (size_t)(b->ptr + b->len - p))))
			e = b->ptr + b->len;
		fprintf(stderr, "%s: %.*s\n", host, (int)(e - p), p);
	}
}

/* Push the member's changed files, reinstall its unit, restart it. */
static int apply(struct lc_run *r, size_t i, int role)
{
	struct lc_want_host *wh = &r->lay.hosts[i];
	struct lc_fanout_host *h = &r->f.hosts[i];
	struct lc_want_role *wr = NULL;
	struct lc_sent sent;
	size_t k, n;

	if (lc_plan_host(h->agent, r->m, wh, r->j, &r->err))
		return -1;
	for (k = 0; k < wh->nroles; k++)
		if (wh->roles[k].role == role)
			wr = &wh->roles[k];
	if (!wr)
		return lc_err_set(&r->err, "%s is not a role of %s", lc_roles[role].name, wh->name);
	memset(&sent, 0, sizeof(sent));
	for (n = 0; n < wr->nfiles; n++) {
		int rc = wh->files[wr->file[n]].differs &&
			 lc_send_file(&r->lay, h->agent, &wh->files[wr->file[n]], 0, &sent,
				      &h->out, &h->note, &r->err);

		/* A program drifted and sent again: how, and any warning. */
		print_lines(wh->name, &h->out);
		print_lines(wh->name, &h->note);
		lc_buf_reset(&h->out);
		lc_buf_reset(&h->note);
		if (rc)
			return -1;
	}
	lc_run_note(r, wh->hostid, lc_roles[role].name, "files", wr->inputs, "done",
		    "new peer identity");
	if (lc_unit_install(h->agent, r->m, role, &r->err))
		return -1;
	return lc_roll_member(r, i, wr);
}

static int cmd_rotate_peer(int argc, char **argv, struct lc_ctx *ctx)
{
	const struct lc_manifest *m = ctx->manifest;
	const struct lc_jrec *last;
	struct lc_secrets store = { NULL, -1, 0, 0 };
	struct rotation rot;
	struct lc_run r;
	char rel[LC_HOSTID_MAX + 64], *sel = NULL;
	const char *rname;
	size_t i, j;
	long k;
	int role, rc = LC_EXIT_FAIL;

	(void)argc;
	k = lc_manifest_host(m, argv[0]);
	i = (size_t)k;
	role = lc_role_lookup(argv[1]);
	if (k < 0 || role < 0 || !(m->hosts[i].roles & (1u << role))) {
		fprintf(stderr, "latticectl: %s is not a member of lattice '%s' on '%s'\n"
			"hint: give a host's ssh target and one of its roles as written in %s\n",
			argv[1], m->name, argv[0], m->path);
		return LC_EXIT_USAGE;
	}
	rname = lc_roles[role].name;
	memset(&rot, 0, sizeof(rot));
	rot.host = m->hosts[i].ssh;
	rot.role = rname;
	if (lc_run_open_for(&r, ctx, &lc_cmd_rotate_peer, 0) ||
	    lc_rotation_refuse(r.j, "rotate-peer", &r.err)) {
		rc = lc_run_fail(&r);
		lc_run_close(&r);
		return rc;
	}
	lc_hex_encode(rot.id_before, r.id.lattice_id, 32);
	/* The committee's hosts: each is checked before one member goes. */
	if (!(sel = calloc(m->nhosts, 1))) {
		lc_err_set(&r.err, "out of memory");
		goto fail;
	}
	for (j = 0; j < m->nhosts; j++)
		sel[j] = (m->hosts[j].roles & (1u << role)) != 0;
	if (lc_run_connect(&r, sel)) {
		if (r.have_f)
			lc_err_set(&r.err, "every member of the %s committee must be reachable "
				   "to rotate one of them", rname);
		goto fail;
	}
	if (others_back(&r, i, role) || peer_hex(rot.old, &r.id, i, role))
		goto fail;

	/* A rotation cut short is finished, never started over: the journal
	 * holds the PeerId it replaced. */
	last = lc_journal_last(r.j, r.id.hostid[i], rname, "rotate");
	if (last && !strcmp(last->outcome, "begin") && !strncmp(last->detail, "old ", 4)) {
		rot.resumed = 1;
		if (strcmp(last->detail + 4, rot.old))
			snprintf(rot.old, sizeof(rot.old), "%.64s", last->detail + 4);
		else
			rot.resumed = 0; /* begun, but the secret was not replaced yet */
	}
	if (!rot.resumed) {
		lc_run_note(&r, r.id.hostid[i], rname, "rotate", "", "begin", "old %s", rot.old);
		snprintf(rel, sizeof(rel), "peers/%s.%s.seed", r.id.hostid[i], rname);
		if (lc_secrets_open(&store, ctx->secrets_dir, m->name, 0, &r.err) ||
		    lc_secret_rotate(&store, rel, 32, &r.err))
			goto fail;
		lc_secrets_close(&store);
	} else if (!ctx->quiet) {
		fprintf(stderr, "rotate-peer: finishing the rotation of %s on %s begun earlier\n",
			rname, m->hosts[i].ssh);
	}
	if (lc_run_reload(&r) || peer_hex(rot.now, &r.id, i, role))
		goto fail;
	lc_hex_encode(rot.id_after, r.id.lattice_id, 32);
	if (apply(&r, i, role))
		goto fail;
	lc_run_note(&r, r.id.hostid[i], rname, "rotate", "", "done", "new %s", rot.now);
	if (ctx->json)
		print_rotation(&rot, &r, 1);
	else
		printf("rotate-peer: %s on %s: PeerId %s -> %s\n", rname, m->hosts[i].ssh,
		       rot.old, rot.now);
	rc = LC_EXIT_OK;
	goto out;
fail:
	if (store.path)
		lc_secrets_close(&store);
	if (ctx->json && r.have_f)
		print_rotation(&rot, &r, 0);
	rc = lc_run_fail(&r);
out:
	free(sel);
	lc_run_close(&r);
	return rc;
}

const struct lc_cmd lc_cmd_rotate_peer = {
	"rotate-peer", cmd_rotate_peer, LC_NEED_MANIFEST | LC_NEED_LOCK | LC_NEED_IDENTITY, lc_no_opts, "HOST ROLE", 2, 2,
	"give one member a new peer identity, one member of a committee at a time",
	"HOST is a host's ssh target and ROLE one of its roles, as the manifest writes them",
};
