/* cmd_agent.c - `latticectl agent HOST OP [ARGS]`: drive one host's agent by hand (and from tests). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sha256.h"
#include "agent_client.h"
#include "connect.h"
#include "fanout.h"
#include "lc.h"
#include "manifest.h"
#include "run.h"
#include "ssh.h"
#include "state.h"
#include "banned.h"


/* What one agent call sends, for every host of a fan-out. */
struct agent_call {
	const cJSON *req;
	const char *put_file; /* non-NULL for put */
	char sha256[65];      /* of put_file, hashed once for every host */
	long long size;
};

static int agent_task(struct lc_fanout_host *h, void *arg)
{
	const struct agent_call *ac = arg;
	struct lc_agent *a;
	cJSON *req, *reply = NULL;
	char *text;
	int rc, sent = 0;

	if (lc_fanout_agent(h, &a))
		return -1;
	if (!(req = cJSON_Duplicate(ac->req, 1)))
		return lc_err_set(&h->err, "out of memory");
	rc = ac->put_file ? lc_agent_put_file(a, req, ac->put_file, ac->sha256, ac->size,
					      &sent, &reply, &h->err)
			  : lc_agent_call(a, req, &reply, &h->err);
	cJSON_Delete(req);
	if (rc)
		return -1;
	text = cJSON_PrintUnformatted(reply);
	lc_buf_printf(&h->out, "%s\n", text ? text : "null");
	free(text);
	if (lc_reply_ok(reply, &h->err)) {
		lc_err_prefix(&h->err, "the agent refused");
		rc = -1;
	}
	cJSON_Delete(reply);
	return rc;
}

/* HOSTS: HOST, HOST1,HOST2,... or "all", checked against the manifest;
 * their names in manifest order. */
static int pick_hosts(const char ***out, size_t *n, const struct lc_manifest *m,
		      const char *spec)
{
	struct lc_opt_list l = { { spec }, 1 };
	const char **v = calloc(m->nhosts ? m->nhosts : 1, sizeof(*v));
	char *want = calloc(m->nhosts ? m->nhosts : 1, 1);
	size_t i;
	int rc = -1;

	*out = v;
	*n = 0;
	if (v && want && lc_pick_hosts(want, m, &l) == 0) {
		for (i = 0; i < m->nhosts; i++)
			if (want[i])
				v[(*n)++] = m->hosts[i].ssh;
		rc = 0;
	}
	free(want);
	return rc;
}

static int cmd_agent(int argc, char **argv, struct lc_ctx *ctx)
{
	const struct lc_manifest *m = ctx->manifest;
	struct agent_call ac = { NULL, NULL, "", 0 };
	struct lc_ssh_opts o;
	struct lc_bundle b;
	struct lc_fanout f;
	struct lc_err err;
	cJSON *req = NULL;
	const char **names = NULL;
	char known[4200];
	size_t n = 0, failed;
	int rc = LC_EXIT_FAIL, put, fan = 0;

	put = !strcmp(argv[1], "put");
	if (put && argc != 5)
		return lc_usage_error(&lc_cmd_agent, "agent HOSTS put takes AREA NAME FILE");
	if (!put && argc > 3)
		return lc_usage_error(&lc_cmd_agent, "agent HOSTS %s takes at most one JSON object",
				      argv[1]);
	lc_err_clear(&err);
	if (pick_hosts(&names, &n, m, argv[0])) {
		free(names);
		return LC_EXIT_USAGE;
	}
	if (put) {
		req = cJSON_CreateObject();
		cJSON_AddStringToObject(req, "area", argv[2]);
		cJSON_AddStringToObject(req, "name", argv[3]);
		ac.put_file = argv[4];
	} else if (argc == 3) {
		if (!(req = cJSON_Parse(argv[2])) || !cJSON_IsObject(req)) {
			cJSON_Delete(req);
			free(names);
			fprintf(stderr, "latticectl: the request members are not a JSON object: %s\n",
				argv[2]);
			return LC_EXIT_USAGE;
		}
	} else {
		req = cJSON_CreateObject();
	}
	if (!req)
		goto fail;
	cJSON_DeleteItemFromObject(req, "op");
	cJSON_AddStringToObject(req, "op", argv[1]);
	if (!cJSON_GetObjectItem(req, "lattice"))
		cJSON_AddStringToObject(req, "lattice", m->name);
	ac.req = req;

	if ((ac.put_file && lc_sha256_file(ac.sha256, &ac.size, ac.put_file, &err)) ||
	    lc_fanout_open(&f, &o, known, sizeof(known), &b, ctx, names, n, 0, &err))
		goto fail;
	fan = 1;
	failed = lc_fanout_run(&f, argv[1], agent_task, &ac);
	/* One host: the reply alone, as scripts expect; several: prefixed. */
	rc = failed ? LC_EXIT_FAIL : LC_EXIT_OK;
	goto out;
fail:
	rc = err.msg[0] ? lc_fail(&err) : LC_EXIT_FAIL;
out:
	if (fan)
		lc_fanout_release(&f);
	cJSON_Delete(req);
	free(names);
	return rc;
}

const struct lc_cmd lc_cmd_agent = {
	"agent", cmd_agent, LC_NEED_MANIFEST, lc_no_opts, "HOSTS OP [JSON] | HOSTS put AREA NAME FILE",
	2, 5, "run one agent operation on one host (pushes the agent if needed)",
	"HOSTS is a host, several joined by commas, or 'all'; OP is an agent operation "
	"(facts, stat, lock, unlock, wipe, ...); JSON adds members to the request",
};
