/* agent_client.h - pushing the agent bundle to a host and talking to it (agent/PROTOCOL.md). */
#ifndef LC_AGENT_CLIENT_H
#define LC_AGENT_CLIENT_H

#include <cjson/cJSON.h>

#include "err.h"
#include "ssh.h"

#define LC_AGENT_PROTOCOL 1
#define LC_AGENT_MAX_LINE 65536
#define LC_AGENT_REMOTE_DIR "/usr/local/lib/lattice/agent"

/* The local bundle: its directory and content address. */
struct lc_bundle {
	char dir[4096];
	char sha256[65]; /* sha256 of lattice-agent || libcjson.so.1 */
};

/* Find the bundle ($LATTICECTL_AGENT_BUNDLE, else beside the latticectl
 * binary, else the installed one) and hash it. */
int lc_bundle_find(struct lc_bundle *b, struct lc_err *err);

/*
 * Make sure the host has this exact bundle in
 * LC_AGENT_REMOTE_DIR/<sha256>/: when absent, upload it to a temporary
 * directory, verify its hash there and rename it into place.  *pushed
 * says whether bytes were sent.
 */
int lc_bundle_ensure(struct lc_ssh *c, const struct lc_bundle *b, int *pushed,
		     struct lc_err *err);

/*
 * Read-only: which intact bundle the host already has, pushing nothing.
 * out[] is b's address when the host has it, else the newest other
 * intact bundle there (an earlier latticectl's), else "" (no agent on
 * the host yet).
 */
int lc_bundle_present(struct lc_ssh *c, const struct lc_bundle *b, char out[65],
		      struct lc_err *err);

struct lc_agent;

/* Start the agent over an exec channel and do the version handshake. */
int lc_agent_start(struct lc_agent **out, struct lc_ssh *c,
		   const struct lc_bundle *b, struct lc_err *err);
/* Send req (its "id" is set here) and read the reply, which must be JSON
 * with the same id.  *reply is the parsed reply (cJSON_Delete it).  A
 * reply with "ok": false is returned as is, not as an error.  Threads may
 * share a session: its calls (and puts) take turns, each whole. */
int lc_agent_call(struct lc_agent *a, cJSON *req, cJSON **reply,
		  struct lc_err *err);
/* lc_agent_call for an operation that may take long on the host (a
 * download): its reply may take up to wait_ms more than a usual one. */
int lc_agent_call_wait(struct lc_agent *a, cJSON *req, cJSON **reply, int wait_ms,
		       struct lc_err *err);
/* A put of the local file path, whose sha256 (hex) and size the caller
 * computed once: the host is asked first, and the bytes are streamed only
 * when it does not have that content (*sent says which). */
int lc_agent_put_file(struct lc_agent *a, cJSON *req, const char *path,
		      const char *sha256, long long size, int *sent,
		      cJSON **reply, struct lc_err *err);
/* Say bye and close. */
void lc_agent_stop(struct lc_agent *a);

/* The request helpers every caller uses: a request object for op on the
 * lattice; whether a reply says ok (else err holds the agent's message,
 * its code as the LC_ERR_* of lc_agent_code); and a call that turns a
 * refusal into an error. */
int lc_agent_code(const char *name);
int lc_reply_ok(const cJSON *reply, struct lc_err *err);
cJSON *lc_req(const char *op, const char *lattice);
cJSON *lc_call_ok(struct lc_agent *a, cJSON *req, struct lc_err *err);

#endif
