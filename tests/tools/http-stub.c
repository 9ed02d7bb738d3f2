/* http-stub.c - TEST TOOL, never for production: a tiny HTTP/1.1 server on 127.0.0.0/8 standing in for a chain's JSON-RPC and a download site. */
/*
 * usage: http-stub [options] ADDRESS PORT
 *
 * Serves one connection at a time (Connection: close), on a loopback
 * address only: anything outside 127.0.0.0/8 is refused.  PORT 0 picks a
 * free port; the port is printed on stdout once listening.  Every request
 * is logged on stderr as "http-stub: METHOD TARGET STATUS".  SIGTERM or
 * SIGINT ends it (exit 0).
 *
 *   --chain-id N    a POST of JSON-RPC eth_chainId answers N as 0x hex
 *                   (without it, eth_chainId is "method not found")
 *   --result TEXT   eth_chainId answers the string TEXT as it is
 *   --serve DIR     GET /NAME answers the file DIR/NAME, 404 otherwise
 *   --mode MODE     ok (default); error: JSON-RPC posts get an error
 *                   object; garbage: posts get HTML, files one byte
 *                   flipped; hang: read the request, never answer;
 *                   status500: every request gets 500; slow: wait
 *                   --delay ms, then answer as ok; huge: posts get a
 *                   valid answer padded to 1 MiB
 *   --delay MS      for slow (default 1000)
 *   --pidfile F     write the pid to F
 *   --port-file F   write the port to F once listening
 *   --netns F       listen in the network namespace F (a bind-mounted
 *                   /proc/PID/ns/net, e.g. a test host's <state>/hI/netns)
 *                   instead of this one; repeated, on the same address
 *                   and port in each (PORT 0: the port the first got)
 *   --parallel      answer each connection in a child process of its
 *                   own, so many downloads run at once
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "banned.h"

#define HEAD_MAX 16384
#define BODY_MAX (1024 * 1024)
#define HELD_MAX 64
#define NETNS_MAX 128

enum mode { M_OK, M_ERROR, M_GARBAGE, M_HANG, M_500, M_SLOW, M_HUGE };
static const char *const mode_names[] = { "ok", "error", "garbage", "hang",
					  "status500", "slow", "huge", NULL };

static struct {
	enum mode mode;
	int have_chain_id;
	uint64_t chain_id;
	const char *result;
	const char *dir;
	long delay_ms;
} cfg = { M_OK, 0, 0, NULL, NULL, 1000 };

static volatile sig_atomic_t stop;
static int held[HELD_MAX];
static size_t nheld;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "http-stub: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(2);
}

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		ssize_t w = write(fd, c, n);

		if (w < 0 && errno == EINTR && !stop)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Write text to path through a temporary file and a rename; never over
 * something that is not a regular file (a device, a directory). */
static void write_file(const char *path, const char *text)
{
	struct stat st;
	char tmp[4096];
	FILE *f;

	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode))
		die("refusing to replace %s: not a regular file", path);
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		die("path too long: %s", path);
	if (!(f = fopen(tmp, "w")) || fputs(text, f) < 0 || fclose(f) != 0 ||
	    rename(tmp, path) < 0)
		die("cannot write %s", path);
}

/* Sleep ms, or less when told to stop. */
static void nap(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (!stop && nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void respond(int fd, int status, const char *reason, const char *type,
		    const char *body, size_t len)
{
	char head[512];
	int n;

	n = snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
		     "Content-Length: %zu\r\nConnection: close\r\n\r\n",
		     status, reason, type, len);
	if (write_all(fd, head, (size_t)n) == 0 && len)
		write_all(fd, body, len);
}

static void json_respond(int fd, cJSON *j)
{
	char *text = cJSON_PrintUnformatted(j), *big;
	size_t n;

	if (text && cfg.mode == M_HUGE && (big = malloc(BODY_MAX))) {
		/* The answer, then blanks (still valid JSON) up to 1 MiB. */
		n = strlen(text);
		memset(big, ' ', BODY_MAX);
		memcpy(big, text, n < BODY_MAX ? n : BODY_MAX);
		respond(fd, 200, "OK", "application/json", big, BODY_MAX);
		free(big);
	} else if (text)
		respond(fd, 200, "OK", "application/json", text, strlen(text));
	else
		respond(fd, 500, "Internal Server Error", "text/plain", "oom\n", 4);
	free(text);
}

/* A JSON-RPC answer to body; returns the HTTP status sent. */
static int rpc(int fd, const char *body, size_t len)
{
	cJSON *req = cJSON_ParseWithLength(body, len), *ans = cJSON_CreateObject();
	const cJSON *method = cJSON_GetObjectItemCaseSensitive(req, "method");
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(req, "id");
	cJSON *e;
	char hex[32];

	if (cfg.mode == M_GARBAGE) {
		static const char html[] = "<html><body>502 Bad Gateway</body></html>\n";

		respond(fd, 200, "OK", "text/html", html, sizeof(html) - 1);
		goto out;
	}
	cJSON_AddStringToObject(ans, "jsonrpc", "2.0");
	cJSON_AddItemToObject(ans, "id", id ? cJSON_Duplicate(id, 1) : cJSON_CreateNull());
	if (!req || !cJSON_IsObject(req) || !cJSON_IsString(method)) {
		e = cJSON_AddObjectToObject(ans, "error");
		cJSON_AddNumberToObject(e, "code", req ? -32600 : -32700);
		cJSON_AddStringToObject(e, "message", req ? "invalid request" : "parse error");
	} else if (cfg.mode == M_ERROR) {
		e = cJSON_AddObjectToObject(ans, "error");
		cJSON_AddNumberToObject(e, "code", -32603);
		cJSON_AddStringToObject(e, "message", "internal error: the stub was told to fail");
	} else if (cfg.result && !strcmp(method->valuestring, "eth_chainId")) {
		cJSON_AddStringToObject(ans, "result", cfg.result);
	} else if (cfg.have_chain_id && !strcmp(method->valuestring, "eth_chainId")) {
		snprintf(hex, sizeof(hex), "0x%" PRIx64, cfg.chain_id);
		cJSON_AddStringToObject(ans, "result", hex);
	} else {
		e = cJSON_AddObjectToObject(ans, "error");
		cJSON_AddNumberToObject(e, "code", -32601);
		cJSON_AddStringToObject(e, "message", "the method does not exist/is not available");
	}
	json_respond(fd, ans);
out:
	cJSON_Delete(req);
	cJSON_Delete(ans);
	return 200;
}

/* GET /NAME from --serve DIR; returns the HTTP status sent. */
static int serve(int fd, const char *target)
{
	const char *name = target + 1;
	size_t n = strcspn(name, "?#"), i;
	char path[4096], head[256], buf[65536];
	struct stat st;
	int f, first = 1;
	ssize_t r;

	for (i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789._-", name[i]))
			break;
	if (!cfg.dir || target[0] != '/' || n == 0 || i < n || name[0] == '.' ||
	    (size_t)snprintf(path, sizeof(path), "%s/%.*s", cfg.dir, (int)n, name) >= sizeof(path) ||
	    (f = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		respond(fd, 404, "Not Found", "text/plain", "not found\n", 10);
		return 404;
	}
	if (fstat(f, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(f);
		respond(fd, 404, "Not Found", "text/plain", "not found\n", 10);
		return 404;
	}
	snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nContent-Type: "
		 "application/octet-stream\r\nContent-Length: %lld\r\n"
		 "Connection: close\r\n\r\n", (long long)st.st_size);
	if (write_all(fd, head, strlen(head)) == 0) {
		while ((r = read(f, buf, sizeof(buf))) > 0) {
			if (cfg.mode == M_GARBAGE && first)
				buf[0] ^= 0x5a;
			first = 0;
			if (write_all(fd, buf, (size_t)r))
				break;
		}
	}
	close(f);
	return 200;
}

/* The value of header name in head (NUL-terminated), or NULL. */
static const char *header(const char *head, const char *name, size_t *len)
{
	const char *p = strstr(head, "\r\n");
	size_t n = strlen(name);

	while (p && p[2] != '\r') {
		p += 2;
		if (!strncasecmp(p, name, n) && p[n] == ':') {
			const char *v = p + n + 1;

			v += strspn(v, " \t");
			*len = strcspn(v, "\r");
			return v;
		}
		p = strstr(p, "\r\n");
	}
	return NULL;
}

static void hold(int fd)
{
	if (nheld == HELD_MAX) {
		close(held[0]);
		memmove(held, held + 1, (HELD_MAX - 1) * sizeof(held[0]));
		nheld--;
	}
	held[nheld++] = fd;
}

/* Read one request from fd and answer it; fd is closed or held. */
static void handle(int fd)
{
	char *req = malloc(HEAD_MAX + BODY_MAX + 1), method[16], target[1024];
	size_t have = 0, hlen = 0, blen = 0, vlen;
	const char *end = NULL, *v;
	int status = 0;
	ssize_t r;

	if (!req)
		goto out;
	while (!end || have < hlen + blen) {
		if (have == HEAD_MAX + BODY_MAX)
			break;
		r = read(fd, req + have, HEAD_MAX + BODY_MAX - have);
		if (r < 0 && errno == EINTR && !stop)
			continue;
		if (r <= 0)
			goto out;
		have += (size_t)r;
		req[have] = '\0';
		if (!end && (end = strstr(req, "\r\n\r\n"))) {
			hlen = (size_t)(end - req) + 4;
			if ((v = header(req, "Content-Length", &vlen)))
				blen = strtoul(v, NULL, 10);
			if (blen > BODY_MAX) {
				respond(fd, 413, "Payload Too Large", "text/plain", "", 0);
				status = 413;
				goto log;
			}
			if ((v = header(req, "Expect", &vlen)) && !strncasecmp(v, "100-continue", 12))
				write_all(fd, "HTTP/1.1 100 Continue\r\n\r\n", 25);
		}
		if (!end && have >= HEAD_MAX) {
			respond(fd, 431, "Request Header Fields Too Large", "text/plain", "", 0);
			status = 431;
			goto log;
		}
	}
	if (sscanf(req, "%15s %1023s", method, target) != 2) {
		respond(fd, 400, "Bad Request", "text/plain", "", 0);
		status = 400;
		goto log;
	}
	switch (cfg.mode) {
	case M_HANG:
		fprintf(stderr, "http-stub: %s %s (hanging)\n", method, target);
		hold(fd);
		fd = -1;
		goto out;
	case M_500:
		respond(fd, 500, "Internal Server Error", "text/plain", "told to fail\n", 13);
		status = 500;
		goto log;
	case M_SLOW:
		nap(cfg.delay_ms);
		break;
	default:
		break;
	}
	if (!strcmp(method, "POST"))
		status = rpc(fd, req + hlen, blen);
	else if (!strcmp(method, "GET"))
		status = serve(fd, target);
	else {
		respond(fd, 405, "Method Not Allowed", "text/plain", "", 0);
		status = 405;
	}
log:
	fprintf(stderr, "http-stub: %s %s %d\n", status == 400 ? "?" : method,
		status == 400 ? "?" : target, status);
out:
	free(req);
	if (fd >= 0)
		close(fd);
}

static void usage(void)
{
	fprintf(stderr, "usage: http-stub [--chain-id N] [--serve DIR] [--result TEXT] [--mode "
		"ok|error|garbage|hang|status500|slow|huge] [--delay MS] [--pidfile F] "
		"[--port-file F] [--netns F]... [--parallel] ADDRESS PORT\n"
		"a TEST TOOL: listens on 127.0.0.0/8 only\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *pidfile = NULL, *portfile = NULL, *addr, *portarg, *netns[NETNS_MAX];
	struct sockaddr_in sa;
	socklen_t salen = sizeof(sa);
	struct sigaction act;
	struct timeval tv = { 5, 0 };
	char text[32], *end;
	unsigned long port;
	int i, ls[NETNS_MAX], one = 1, home = -1, parallel = 0;
	size_t k, nns = 0, nls;

	for (i = 1; i < argc && !strncmp(argv[i], "--", 2); i++) {
		const char *o = argv[i];

		if (!strcmp(o, "--parallel")) {
			parallel = 1;
			continue;
		}
		if (i + 1 >= argc)
			usage();
		if (!strcmp(o, "--chain-id")) {
			errno = 0;
			cfg.chain_id = strtoull(argv[++i], &end, 10);
			if (errno || *end || argv[i][0] < '0' || argv[i][0] > '9')
				die("--chain-id wants a number, not '%s'", argv[i]);
			cfg.have_chain_id = 1;
		} else if (!strcmp(o, "--result")) {
			cfg.result = argv[++i];
		} else if (!strcmp(o, "--serve")) {
			cfg.dir = argv[++i];
		} else if (!strcmp(o, "--mode")) {
			for (k = 0; mode_names[k]; k++)
				if (!strcmp(argv[i + 1], mode_names[k]))
					break;
			if (!mode_names[k])
				die("unknown mode '%s'", argv[i + 1]);
			cfg.mode = (enum mode)k;
			i++;
		} else if (!strcmp(o, "--delay")) {
			cfg.delay_ms = strtol(argv[++i], &end, 10);
			if (*end || cfg.delay_ms < 0)
				die("--delay wants milliseconds, not '%s'", argv[i]);
		} else if (!strcmp(o, "--pidfile")) {
			pidfile = argv[++i];
		} else if (!strcmp(o, "--port-file")) {
			portfile = argv[++i];
		} else if (!strcmp(o, "--netns")) {
			if (nns == NETNS_MAX)
				die("at most %s --netns", "128");
			netns[nns++] = argv[++i];
		} else {
			usage();
		}
	}
	if (argc - i != 2)
		usage();
	addr = argv[i];
	portarg = argv[i + 1];
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1 ||
	    (ntohl(sa.sin_addr.s_addr) >> 24) != 127)
		die("refusing to listen on '%s': only 127.0.0.0/8 (this is a test tool)",
		    addr);
	port = strtoul(portarg, &end, 10);
	if (*end || !*portarg || port > 65535)
		die("bad port '%s'", portarg);
	sa.sin_port = htons((uint16_t)port);

	memset(&act, 0, sizeof(act));
	act.sa_handler = on_signal; /* no SA_RESTART: poll returns EINTR */
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (parallel)
		signal(SIGCHLD, SIG_IGN); /* children reaped by the kernel */

	/* One listening socket per namespace: a socket stays in the
	 * namespace it was made in, whatever this process enters later. */
	if (nns && (home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) < 0)
		die("cannot open /proc/self/ns/net: %s", strerror(errno));
	nls = nns ? nns : 1;
	for (k = 0; k < nls; k++) {
		int nfd = -1;

		if (nns && ((nfd = open(netns[k], O_RDONLY | O_CLOEXEC)) < 0 ||
			    setns(nfd, CLONE_NEWNET) < 0))
			die("cannot enter the network namespace '%s'", netns[k]);
		if ((ls[k] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
			die("socket: %s", strerror(errno));
		setsockopt(ls[k], SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(ls[k], (struct sockaddr *)&sa, sizeof(sa)) < 0)
			die("cannot bind: %s", strerror(errno));
		if (listen(ls[k], 64) < 0 ||
		    getsockname(ls[k], (struct sockaddr *)&sa, &salen) < 0)
			die("cannot listen: %s", strerror(errno));
		if (nns && (setns(home, CLONE_NEWNET) < 0 || close(nfd) < 0))
			die("cannot go back to the first network namespace: %s", strerror(errno));
	}
	if (home >= 0)
		close(home);
	if (pidfile) {
		snprintf(text, sizeof(text), "%ld\n", (long)getpid());
		write_file(pidfile, text);
	}
	snprintf(text, sizeof(text), "%u\n", (unsigned)ntohs(sa.sin_port));
	if (portfile)
		write_file(portfile, text);
	fputs(text, stdout);
	fflush(stdout);

	while (!stop) {
		struct pollfd p[NETNS_MAX + HELD_MAX];
		size_t j;
		int c;

		for (j = 0; j < nls; j++) {
			p[j].fd = ls[j];
			p[j].events = POLLIN;
		}
		for (k = 0; k < nheld; k++) {
			p[nls + k].fd = held[k];
			p[nls + k].events = POLLIN;
		}
		if (poll(p, nls + nheld, -1) < 0)
			continue; /* EINTR: stop is set, or not */
		/* A held connection that the client closed (or wrote to) goes. */
		for (k = nheld; k-- > 0;) {
			char junk[512];

			if (!p[nls + k].revents)
				continue;
			if (read(held[k], junk, sizeof(junk)) > 0)
				continue;
			close(held[k]);
			memmove(held + k, held + k + 1, (nheld - k - 1) * sizeof(held[0]));
			nheld--;
		}
		for (j = 0; j < nls; j++) {
			if (!(p[j].revents & POLLIN) || (c = accept(ls[j], NULL, NULL)) < 0)
				continue;
			setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
			setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
			if (parallel) {
				pid_t pid = fork();

				if (pid == 0) {
					signal(SIGTERM, SIG_DFL);
					handle(c);
					_exit(0);
				}
				close(c);
				continue;
			}
			handle(c);
		}
	}
	for (k = 0; k < nheld; k++)
		close(held[k]);
	for (k = 0; k < nls; k++)
		close(ls[k]);
	return 0;
}
