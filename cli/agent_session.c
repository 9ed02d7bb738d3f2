/* agent_session.c - one JSON-lines session with a host's agent: handshake, calls, streamed puts. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent_client.h"
#include "log.h"
#include "buf.h"
#include "banned.h"

/* One session: a call (request and reply, or a whole put) holds mu, so
 * threads may share it; the agent answers one request at a time anyway. */
struct lc_agent {
	struct lc_ssh *c;
	struct lc_chan *ch;
	long long next_id;
	struct lc_buf line;
	pthread_mutex_t mu;
};

static int send_json(struct lc_agent *a, const cJSON *req, struct lc_err *err)
{
	char *text = cJSON_PrintUnformatted(req);
	size_t len;
	int rc;

	if (!text)
		return lc_err_set(err, "out of memory");
	len = strlen(text);
	if (len + 1 > LC_AGENT_MAX_LINE) {
		free(text);
		return lc_err_set(err, "a request of %zu bytes is over the protocol's "
				  "line limit", len);
	}
	rc = lc_chan_write(a->ch, text, len, err) || lc_chan_write(a->ch, "\n", 1, err);
	free(text);
	return rc ? -1 : 0;
}

/* Read one reply and check it answers request id. */
static int read_reply(struct lc_agent *a, long long id, cJSON **reply,
		      struct lc_err *err)
{
	const cJSON *rid, *ok;
	cJSON *r;

	*reply = NULL;
	if (lc_chan_read_line(a->ch, &a->line, LC_AGENT_MAX_LINE, err))
		return -1;
	if (!(r = cJSON_ParseWithLength(a->line.ptr, a->line.len)) || !cJSON_IsObject(r)) {
		cJSON_Delete(r);
		return lc_err_set(err, "%s: the agent's reply is not JSON: '%.60s'",
				  lc_ssh_peer(a->c), a->line.ptr);
	}
	rid = cJSON_GetObjectItem(r, "id");
	ok = cJSON_GetObjectItem(r, "ok");
	if (!cJSON_IsNumber(rid) || (long long)rid->valuedouble != id || !cJSON_IsBool(ok)) {
		cJSON_Delete(r);
		return lc_err_set(err, "%s: the agent answered request %lld with a reply for "
				  "another request or without \"ok\"", lc_ssh_peer(a->c), id);
	}
	*reply = r;
	return 0;
}

/* -vv: a request (">") or reply ("<") on one line, cut at 300 bytes. */
static void log_json(const struct lc_agent *a, const char *dir, const cJSON *o)
{
	char *text = cJSON_PrintUnformatted(o);
	size_t len = text ? strlen(text) : 0;

	lc_logf(LC_LOG_DEBUG, "%s: %s %.300s%s", lc_ssh_peer(a->c), dir, text ? text : "?",
		len > 300 ? "..." : "");
	free(text);
}

/* lc_agent_call with mu held. */
static int call_held(struct lc_agent *a, cJSON *req, cJSON **reply, struct lc_err *err)
{
	long long id = a->next_id++;

	cJSON_DeleteItemFromObject(req, "id");
	cJSON_AddNumberToObject(req, "id", (double)id);
	if (lc_log_on(LC_LOG_DEBUG))
		log_json(a, ">", req);
	if (send_json(a, req, err) || read_reply(a, id, reply, err))
		return -1;
	if (lc_log_on(LC_LOG_DEBUG))
		log_json(a, "<", *reply);
	return 0;
}

int lc_agent_call(struct lc_agent *a, cJSON *req, cJSON **reply,
		  struct lc_err *err)
{
	int rc;

	pthread_mutex_lock(&a->mu);
	rc = call_held(a, req, reply, err);
	pthread_mutex_unlock(&a->mu);
	return rc;
}

/* The session's I/O timeout is the session's: it is lengthened and put
 * back under mu, so another thread's call never runs with it changed. */
int lc_agent_call_wait(struct lc_agent *a, cJSON *req, cJSON **reply, int wait_ms,
		       struct lc_err *err)
{
	int old, rc;

	pthread_mutex_lock(&a->mu);
	old = lc_ssh_set_io_timeout(a->c, 0);
	lc_ssh_set_io_timeout(a->c, old + wait_ms);
	rc = call_held(a, req, reply, err);
	lc_ssh_set_io_timeout(a->c, old);
	pthread_mutex_unlock(&a->mu);
	return rc;
}

/* The sha256 the host reports for area/name, or "" when it has none. */
static int remote_sha(struct lc_agent *a, const cJSON *put, char out[65],
		      struct lc_err *err)
{
	cJSON *req = cJSON_CreateObject(), *names, *reply = NULL;
	const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(put, "name"));
	const cJSON *f;
	int rc = -1;

	out[0] = '\0';
	if (!req || !name)
		goto out;
	cJSON_AddStringToObject(req, "op", "stat");
	cJSON_AddItemToObject(req, "lattice",
			      cJSON_Duplicate(cJSON_GetObjectItem(put, "lattice"), 1));
	cJSON_AddItemToObject(req, "area", cJSON_Duplicate(cJSON_GetObjectItem(put, "area"), 1));
	names = cJSON_AddArrayToObject(req, "names");
	cJSON_AddItemToArray(names, cJSON_CreateString(name));
	if (call_held(a, req, &reply, err))
		goto out;
	f = cJSON_GetObjectItem(cJSON_GetObjectItem(reply, "files"), name);
	if (cJSON_IsString(cJSON_GetObjectItem(f, "sha256")))
		snprintf(out, 65, "%s", cJSON_GetObjectItem(f, "sha256")->valuestring);
	rc = 0;
out:
	cJSON_Delete(req);
	cJSON_Delete(reply);
	return rc;
}

/* lc_agent_put_file with mu held. */
static int put_held(struct lc_agent *a, cJSON *req, const char *path, const char *sha256,
		    long long size, int *sent, cJSON **reply, struct lc_err *err)
{
	char buf[65536], have[65];
	long long done = 0, id;
	ssize_t n;
	int fd, rc = -1;

	*sent = 0;
	*reply = NULL;
	/* Content-addressed: ask first, send only what the host lacks.  (A
	 * stat that fails is not fatal: the put below reports the problem.) */
	if (remote_sha(a, req, have, err) == 0 && !strcmp(have, sha256)) {
		if (!(*reply = cJSON_CreateObject()))
			return lc_err_set(err, "out of memory");
		cJSON_AddNumberToObject(*reply, "id", (double)(a->next_id - 1));
		cJSON_AddBoolToObject(*reply, "ok", 1);
		cJSON_AddStringToObject(*reply, "sha256", sha256);
		cJSON_AddBoolToObject(*reply, "changed", 0);
		return 0;
	}
	id = a->next_id++;
	cJSON_DeleteItemFromObject(req, "id");
	cJSON_DeleteItemFromObject(req, "sha256");
	cJSON_DeleteItemFromObject(req, "size");
	cJSON_AddNumberToObject(req, "id", (double)id);
	cJSON_AddStringToObject(req, "sha256", sha256);
	cJSON_AddNumberToObject(req, "size", (double)size);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return lc_err_set(err, "cannot open '%s': %s", path, strerror(errno));
	if (send_json(a, req, err))
		goto out;
	/* Stream: never the whole file in memory. */
	while (done < size && (n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			lc_err_set(err, "cannot read '%s': %s", path, strerror(errno));
			goto out;
		}
		if (n > size - done)
			n = (ssize_t)(size - done);
		if (lc_chan_write(a->ch, buf, (size_t)n, err))
			goto out;
		done += n;
	}
	if (done != size) {
		lc_err_set(err, "'%s' changed while being sent", path);
		goto out;
	}
	*sent = 1;
	rc = read_reply(a, id, reply, err);
out:
	close(fd);
	return rc;
}

int lc_agent_put_file(struct lc_agent *a, cJSON *req, const char *path,
		      const char *sha256, long long size, int *sent,
		      cJSON **reply, struct lc_err *err)
{
	int rc;

	pthread_mutex_lock(&a->mu);
	rc = put_held(a, req, path, sha256, size, sent, reply, err);
	pthread_mutex_unlock(&a->mu);
	return rc;
}

int lc_agent_start(struct lc_agent **out, struct lc_ssh *c,
		   const struct lc_bundle *b, struct lc_err *err)
{
	struct lc_agent *a = calloc(1, sizeof(*a));
	cJSON *hello = NULL, *reply = NULL;
	const cJSON *ok, *ver;
	char cmd[512];

	*out = NULL;
	if (!a)
		return lc_err_set(err, "out of memory");
	a->c = c;
	pthread_mutex_init(&a->mu, NULL);
	lc_buf_init(&a->line, LC_AGENT_MAX_LINE + 1);
	snprintf(cmd, sizeof(cmd), "exec %s/%s/lattice-agent serve", LC_AGENT_REMOTE_DIR,
		 b->sha256);
	lc_logf(LC_LOG_VERBOSE, "%s: starting the agent: %s", lc_ssh_peer(c), cmd);
	if (lc_ssh_exec(&a->ch, c, cmd, err))
		goto fail;
	if (!(hello = cJSON_CreateObject()))
		goto nomem;
	cJSON_AddStringToObject(hello, "op", "hello");
	cJSON_AddNumberToObject(hello, "version", LC_AGENT_PROTOCOL);
	cJSON_AddStringToObject(hello, "client", "latticectl " LC_VERSION);
	if (lc_agent_call(a, hello, &reply, err)) {
		lc_err_prefix(err, "the agent did not start");
		lc_err_hint(err, "run 'latticectl agent HOST facts -v' and check the host's "
			    "C library (the agent needs glibc 2.34 or later)");
		goto fail;
	}
	ok = cJSON_GetObjectItem(reply, "ok");
	ver = cJSON_GetObjectItem(reply, "version");
	if (!cJSON_IsTrue(ok) || !cJSON_IsNumber(ver) || ver->valueint != LC_AGENT_PROTOCOL) {
		lc_err_set(err, "%s: the agent does not speak protocol version %d",
			   lc_ssh_peer(c), LC_AGENT_PROTOCOL);
		goto fail;
	}
	lc_logf(LC_LOG_VERBOSE, "%s: agent %s speaks protocol %d", lc_ssh_peer(c),
		cJSON_GetStringValue(cJSON_GetObjectItem(reply, "agent")) ?
		cJSON_GetStringValue(cJSON_GetObjectItem(reply, "agent")) : "?", LC_AGENT_PROTOCOL);
	cJSON_Delete(hello);
	cJSON_Delete(reply);
	*out = a;
	return 0;
nomem:
	lc_err_set(err, "out of memory");
fail:
	cJSON_Delete(hello);
	cJSON_Delete(reply);
	lc_agent_stop(a);
	return -1;
}

void lc_agent_stop(struct lc_agent *a)
{
	struct lc_err ignored;
	cJSON *bye, *reply = NULL;

	if (!a)
		return;
	lc_err_clear(&ignored);
	if (a->ch && (bye = cJSON_CreateObject())) {
		cJSON_AddStringToObject(bye, "op", "bye");
		if (lc_agent_call(a, bye, &reply, &ignored) == 0)
			cJSON_Delete(reply);
		cJSON_Delete(bye);
	}
	lc_chan_close(a->ch, NULL, &ignored);
	lc_buf_release(&a->line);
	pthread_mutex_destroy(&a->mu);
	free(a);
}

/* ---- requests and replies: the helpers every caller uses ---- */

cJSON *lc_req(const char *op, const char *lattice)
{
	cJSON *req = cJSON_CreateObject();

	if (req && (!cJSON_AddStringToObject(req, "op", op) ||
		    (lattice && !cJSON_AddStringToObject(req, "lattice", lattice)))) {
		cJSON_Delete(req);
		return NULL;
	}
	return req;
}

/* The agent's error codes (agent/PROTOCOL.md) as LC_ERR_*; callers
 * branch on these, never on a message's words. */
static const struct {
	const char *name;
	int code;
} agent_codes[] = {
	{ "bad_request", LC_ERR_BADREQ },
	{ "unknown_op", LC_ERR_UNKNOWNOP },
	{ "version", LC_ERR_VERSION },
	{ "not_found", LC_ERR_NOTFOUND },
	{ "mismatch", LC_ERR_MISMATCH },
	{ "enospc", LC_ERR_NOSPACE },
	{ "locked", LC_ERR_LOCKED },
	{ "io", LC_ERR_IO },
	{ "cannot_fetch", LC_ERR_FETCH },
};

int lc_agent_code(const char *name)
{
	size_t i;

	for (i = 0; name && i < sizeof(agent_codes) / sizeof(agent_codes[0]); i++)
		if (!strcmp(name, agent_codes[i].name))
			return agent_codes[i].code;
	return LC_ERR_FAIL;
}

int lc_reply_ok(const cJSON *reply, struct lc_err *err)
{
	const cJSON *e;
	const char *code, *msg;

	if (cJSON_IsTrue(cJSON_GetObjectItem(reply, "ok")))
		return 0;
	e = cJSON_GetObjectItem(reply, "error");
	code = cJSON_GetStringValue(cJSON_GetObjectItem(e, "code"));
	msg = cJSON_GetStringValue(cJSON_GetObjectItem(e, "message"));
	return lc_err_setc(err, lc_agent_code(code), "%s", msg ? msg : "no reason given");
}

cJSON *lc_call_ok(struct lc_agent *a, cJSON *req, struct lc_err *err)
{
	cJSON *reply = NULL;

	if (!req) {
		lc_err_set(err, "out of memory");
		return NULL;
	}
	if (lc_agent_call(a, req, &reply, err)) {
		cJSON_Delete(req);
		return NULL;
	}
	if (lc_reply_ok(reply, err)) {
		lc_err_prefix(err, "the agent refused '%s'",
			      cJSON_GetStringValue(cJSON_GetObjectItem(req, "op")));
		cJSON_Delete(reply);
		reply = NULL;
	}
	cJSON_Delete(req);
	return reply;
}
