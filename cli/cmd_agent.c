/* cmd_agent.c - `latticectl agent HOST OP [ARGS]`: drive one host's agent by hand (and from tests). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "agent_client.h"
#include "lc.h"
#include "manifest.h"
#include "ssh.h"
#include "state.h"
#include "banned.h"

static int usage(void)
{
	fprintf(stderr, "usage: latticectl agent HOST OP [JSON]\n"
		"       latticectl agent HOST put AREA NAME FILE\n"
		"hint: OP is an agent operation (facts, stat, lock, unlock, wipe, ...); "
		"JSON adds members to the request\n");
	return LC_EXIT_USAGE;
}

/* The manifest's host named host (its ssh target as written). */
static const struct lc_host *find_host(const struct lc_manifest *m, const char *host)
{
	size_t i;

	for (i = 0; i < m->nhosts; i++)
		if (m->hosts[i].ssh && !strcmp(m->hosts[i].ssh, host))
			return &m->hosts[i];
	return NULL;
}

/* Set up the ssh options a command against the lattice's hosts uses. */
int lc_ctx_ssh_opts(struct lc_ssh_opts *o, char *known, size_t size,
		    struct lc_ctx *ctx, struct lc_err *err)
{
	char dir[4096];

	if (lc_state_dir(dir, sizeof(dir), ctx->state_dir, ctx->manifest->name, err))
		return -1;
	snprintf(known, size, "%s/known_hosts", dir);
	/* An empty file rather than none: libssh then has nothing to complain of. */
	{
		int fd = open(known, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

		if (fd < 0)
			return lc_err_set(err, "cannot create '%s': %s", known, strerror(errno));
		close(fd);
	}
	memset(o, 0, sizeof(*o));
	o->config = ctx->ssh_config;
	o->lattice_known_hosts = known;
	o->accept_new = ctx->accept_new_host_keys;
	o->connect_timeout_s = ctx->connect_timeout_s;
	o->io_timeout_ms = ctx->io_timeout_s * 1000;
	o->retries = 2;
	return 0;
}

int cmd_agent(int argc, char **argv, struct lc_ctx *ctx)
{
	const struct lc_manifest *m = ctx->manifest;
	struct lc_ssh_opts o;
	struct lc_bundle b;
	struct lc_ssh *c = NULL;
	struct lc_agent *a = NULL;
	struct lc_err err;
	cJSON *req = NULL, *reply = NULL;
	char known[4200], *text;
	int pushed, rc = LC_EXIT_FAIL, put;

	if (argc < 2)
		return usage();
	put = !strcmp(argv[1], "put");
	if ((put && argc != 5) || (!put && argc > 3))
		return usage();
	lc_err_clear(&err);
	if (!find_host(m, argv[0])) {
		fprintf(stderr, "latticectl: '%s' is not a host of lattice '%s'\n"
			"hint: give a host's ssh target as written in %s\n", argv[0],
			m->name, m->path);
		return LC_EXIT_USAGE;
	}
	if (put) {
		req = cJSON_CreateObject();
		cJSON_AddStringToObject(req, "area", argv[2]);
		cJSON_AddStringToObject(req, "name", argv[3]);
	} else if (argc == 3) {
		if (!(req = cJSON_Parse(argv[2])) || !cJSON_IsObject(req)) {
			cJSON_Delete(req);
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

	if (lc_ctx_ssh_opts(&o, known, sizeof(known), ctx, &err) ||
	    lc_bundle_find(&b, &err) || lc_ssh_connect(&c, argv[0], &o, &err) ||
	    lc_bundle_ensure(c, &b, &pushed, &err))
		goto fail;
	if (pushed && !ctx->quiet)
		fprintf(stderr, "%s: installed agent bundle %.12s\n", argv[0], b.sha256);
	if (lc_agent_start(&a, c, &b, &err))
		goto fail;
	if (put ? lc_agent_put_file(a, req, argv[4], &reply, &err)
		: lc_agent_call(a, req, &reply, &err))
		goto fail;
	text = cJSON_PrintUnformatted(reply);
	printf("%s\n", text ? text : "null");
	free(text);
	rc = cJSON_IsTrue(cJSON_GetObjectItem(reply, "ok")) ? LC_EXIT_OK : LC_EXIT_FAIL;
	goto out;
fail:
	rc = err.msg[0] ? lc_fail(&err) : LC_EXIT_FAIL;
out:
	cJSON_Delete(req);
	cJSON_Delete(reply);
	lc_agent_stop(a);
	lc_ssh_close(c);
	return rc;
}
