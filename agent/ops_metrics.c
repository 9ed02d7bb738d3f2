/* ops_metrics.c - the metrics op: scrape a role's Prometheus endpoint on loopback and return chosen samples. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "agent.h"
#include "buf.h"
#include "unit.h"
#include "banned.h"

#define MET_TIMEOUT_MS 2000
#define MET_BODY_MAX (1 << 20)
#define MET_HEAD_MAX 16384
#define MET_NAMES 64
#define MET_NAME_MAX 256

/* Wait for fd to be ready for events before deadline: 0, or -1 with err set. */
static int wait_fd(int fd, short events, int64_t deadline, const char *what,
		   struct lc_err *err)
{
	struct pollfd p = { .fd = fd, .events = events };
	int64_t left;
	int n;

	for (;;) {
		if ((left = deadline - lc_now_ms()) <= 0)
			return lc_err_set(err, "timed out after %d s while %s", MET_TIMEOUT_MS / 1000,
					  what);
		n = poll(&p, 1, (int)left);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return lc_err_set(err, "cannot poll: %s", strerror(errno));
	}
}

/* GET /metrics from addr:port into out (headers and body). */
static int scrape(struct lc_buf *out, const struct sockaddr_in *sa, const char *where,
		  struct lc_err *err)
{
	int64_t deadline = lc_now_ms() + MET_TIMEOUT_MS;
	char req[128], buf[16384];
	socklen_t len = sizeof(int);
	int fd, soerr = 0, rc = -1;
	size_t off = 0, n;
	ssize_t got;

	n = (size_t)snprintf(req, sizeof(req),
			     "GET /metrics HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n", where);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
		return lc_err_set(err, "cannot create a socket: %s", strerror(errno));
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0) {
		if (errno != EINPROGRESS) {
			lc_err_set(err, "cannot connect to %s: %s", where, strerror(errno));
			goto out;
		}
		if (wait_fd(fd, POLLOUT, deadline, "connecting", err))
			goto out;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0 || soerr) {
			lc_err_set(err, "cannot connect to %s: %s", where, strerror(soerr ? soerr : errno));
			goto out;
		}
	}
	while (off < n) {
		if (wait_fd(fd, POLLOUT, deadline, "sending", err))
			goto out;
		if ((got = send(fd, req + off, n - off, MSG_NOSIGNAL)) < 0 && errno != EAGAIN &&
		    errno != EINTR) {
			lc_err_set(err, "cannot send to %s: %s", where, strerror(errno));
			goto out;
		}
		off += got > 0 ? (size_t)got : 0;
	}
	for (;;) {
		if (wait_fd(fd, POLLIN, deadline, "reading the metrics", err))
			goto out;
		got = recv(fd, buf, sizeof(buf), 0);
		if (got < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (got < 0) {
			lc_err_set(err, "cannot read from %s: %s", where, strerror(errno));
			goto out;
		}
		if (got == 0)
			break;
		if (lc_buf_add(out, buf, (size_t)got)) {
			lc_err_set(err, "the metrics from %s are larger than %d bytes", where,
				   MET_BODY_MAX);
			goto out;
		}
	}
	rc = 0;
out:
	close(fd);
	return rc;
}

/* A metric name, optionally with its {labels} as the exposition writes them. */
static int selector_ok(const char *s)
{
	size_t i = 0;

	for (; s[i] && s[i] != '{'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || s[i] == '_' ||
		      s[i] == ':' || (i > 0 && s[i] >= '0' && s[i] <= '9')))
			return 0;
	if (i == 0)
		return 0;
	if (s[i] == '{' && s[strlen(s) - 1] != '}')
		return 0;
	for (; s[i]; i++)
		if (i >= MET_NAME_MAX || (unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

/* Where a sample line's series ends: after its name, or its closing brace. */
static size_t series_len(const char *line, size_t n)
{
	size_t i = strcspn(line, "{ \t");
	int quoted = 0;

	if (i >= n || line[i] != '{')
		return i < n ? i : n;
	for (; i < n; i++) {
		if (quoted && line[i] == '\\')
			i++;
		else if (line[i] == '"')
			quoted = !quoted;
		else if (!quoted && line[i] == '}')
			return i + 1;
	}
	return n;
}

static int add_sample(cJSON *samples, const char *key, const char *v)
{
	double d = strtod(v, NULL);

	if (isfinite(d))
		return cJSON_AddNumberToObject(samples, key, d) ? 0 : -1;
	return cJSON_AddStringToObject(samples, key, isnan(d) ? "NaN" : d > 0 ? "+Inf" : "-Inf")
		       ? 0 : -1;
}

/* The first sample of each wanted series; null for those not found. */
static int pick(cJSON *samples, const cJSON *names, char *body)
{
	char *line, *next, *v;
	const cJSON *q;
	size_t len, slen, nlen;

	for (line = body; line && *line; line = next) {
		if ((next = strchr(line, '\n')))
			*next++ = '\0';
		if (*line == '#' || !*line)
			continue;
		len = strlen(line);
		slen = series_len(line, len);
		nlen = strcspn(line, "{ \t");
		v = line + slen + strspn(line + slen, " \t");
		v[strcspn(v, " \t\r")] = '\0';
		cJSON_ArrayForEach(q, names) {
			const char *s = q->valuestring;
			int hit = strchr(s, '{') ? strlen(s) == slen && !strncmp(s, line, slen)
						 : strlen(s) == nlen && !strncmp(s, line, nlen);

			if (hit && !cJSON_GetObjectItemCaseSensitive(samples, s) &&
			    add_sample(samples, s, v))
				return -1;
		}
	}
	cJSON_ArrayForEach(q, names)
		if (!cJSON_GetObjectItemCaseSensitive(samples, q->valuestring) &&
		    !cJSON_AddNullToObject(samples, q->valuestring))
			return -1;
	return 0;
}

int ag_op_metrics(struct ag_req *r, struct lc_err *err)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	const char *lattice, *role, *addr = "127.0.0.1";
	char where[64], *body;
	const cJSON *names, *q;
	struct ag_unit u;
	struct lc_buf resp;
	cJSON *samples;
	uint64_t port;
	int rc;

	if (!(lattice = ag_req_lattice(r, err)) || !(role = ag_req_str(r, "role", err)) ||
	    ag_role_usable(role, err) || ag_req_uint(r, "port", &port, err) ||
	    (ag_req_has(r, "address") && !(addr = ag_req_str(r, "address", err))))
		return err->code;
	if (port < 1 || port > 65535)
		return lc_err_setc(err, AG_E_BAD, "'port' must be 1 to 65535");
	/* The endpoint is the role's own, on this host's loopback: nothing else. */
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1 ||
	    (ntohl(sa.sin_addr.s_addr) >> 24) != 127)
		return lc_err_setc(err, AG_E_BAD, "refusing address '%.64s': metrics are read "
				   "on 127.0.0.0/8 only", addr);
	sa.sin_port = htons((uint16_t)port);
	names = cJSON_GetObjectItemCaseSensitive(r->json, "names");
	if (!cJSON_IsArray(names) || cJSON_GetArraySize(names) < 1 ||
	    cJSON_GetArraySize(names) > MET_NAMES)
		return lc_err_setc(err, AG_E_BAD, "'names' must be an array of 1 to %d metric names",
				   MET_NAMES);
	cJSON_ArrayForEach(q, names)
		if (!cJSON_IsString(q) || !selector_ok(q->valuestring))
			return lc_err_setc(err, AG_E_BAD, "'names' holds something that is not a "
					   "metric name");
	if ((rc = ag_unit_read(&u, lattice, role, err)))
		return rc;
	ag_unit_release(&u);
	snprintf(where, sizeof(where), "%s:%u", addr, (unsigned)port);
	lc_buf_init(&resp, MET_BODY_MAX + MET_HEAD_MAX);
	if ((rc = scrape(&resp, &sa, where, err)))
		goto out;
	rc = -1;
	if (!resp.ptr || strncmp(resp.ptr, "HTTP/1.", 7) || strlen(resp.ptr) < 12 ||
	    strncmp(resp.ptr + 9, "200", 3)) {
		lc_err_set(err, "http://%s/metrics answered '%.*s'", where,
			   resp.ptr ? (int)strcspn(resp.ptr, "\r\n") : 0, resp.ptr ? resp.ptr : "");
		goto out;
	}
	if (!(body = strstr(resp.ptr, "\r\n\r\n"))) {
		lc_err_set(err, "http://%s/metrics sent no end of headers", where);
		goto out;
	}
	*body = '\0';
	if (strcasestr(resp.ptr, "\ntransfer-encoding:")) {
		lc_err_set(err, "http://%s/metrics sent a transfer encoding this agent does not read",
			   where);
		goto out;
	}
	body += 4;
	if (resp.len - (size_t)(body - resp.ptr) > MET_BODY_MAX) {
		lc_err_set(err, "the metrics from %s are larger than %d bytes", where, MET_BODY_MAX);
		goto out;
	}
	if (!(samples = cJSON_AddObjectToObject(r->reply, "samples")) || pick(samples, names, body)) {
		lc_err_set(err, "out of memory");
		goto out;
	}
	rc = 0;
out:
	lc_buf_release(&resp);
	return rc;
}
