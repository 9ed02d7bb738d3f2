/* sim-organism.c - a TEST TOOL, not an organism: the simulated role process the end-to-end tests supervise. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "banned.h"

#define EXIT_CONFIG 78 /* EX_CONFIG: the environment or a secret file is wrong */

static const char help[] =
	"usage: sim-organism [--help]\n"
	"\n"
	"A test tool of latticectl: it simulates one organism role so the tests can\n"
	"supervise something.  It does no real work and is never to be deployed.\n"
	"\n"
	"It reads its environment: LATTICE_INSTANCE, LATTICE_CHAIN_ID, LATTICE_ROLE\n"
	"(e.g. unseal-member; its organism is the part before the first '-'),\n"
	"LATTICE_METRICS_PORT, <ORG>_SECRET_FILE and, except for an aggregator,\n"
	"<ORG>_COMMITTEE_SECRET_FILE; an atelier member also ATELIER_BLS_KEYSTORE_FILE\n"
	"(its EIP-2335 keystore, a JSON object) and ATELIER_BLS_PASSWORD_FILE.  It\n"
	"does not decrypt the keystore.  A missing variable, or a secret file that is\n"
	"missing, empty or has group/other permission bits, makes it exit 78 with\n"
	"one line on stderr.  It serves http://127.0.0.1:PORT/metrics (<org>_up,\n"
	"<org>_committee_size from LATTICE_COMMITTEE_SIZE (3), <org>_round, one more\n"
	"every LATTICE_ROUND_MS (200) ms), prints 'round finalized N' each round and\n"
	"exits 0 on SIGTERM.\n"
	"\n"
	"Faults for tests: SIM_CRASH_AFTER_MS=n exits 1 after n ms; SIM_HANG=1\n"
	"ignores SIGTERM; SIM_EXIT_AT_START=1 exits 1 at once.\n";

static volatile sig_atomic_t got_term;

static void on_term(int sig)
{
	(void)sig;
	got_term = 1;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Fail loudly: one line on stderr, exit 78. */
static void __attribute__((noreturn, format(printf, 1, 2))) die_config(const char *fmt, ...)
{
	va_list ap;

	fputs("sim-organism: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_CONFIG);
}

static const char *need(const char *var)
{
	const char *v = getenv(var);

	if (!v || !*v)
		die_config("%s is not set", var);
	return v;
}

static long num(const char *var, long def, long min, long max)
{
	const char *v = getenv(var);
	char *end;
	long n;

	if (!v || !*v)
		return def;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || *end || n < min || n > max)
		die_config("%s must be a number from %ld to %ld", var, min, max);
	return n;
}

/* A secret file named by var: there, a regular file, no group/other bits,
 * not empty, and starting with first when that is not 0.  Its bytes are
 * read and wiped, never printed. */
static void check_secret(const char *var, char first)
{
	const char *path = need(var);
	unsigned char buf[4096];
	struct stat st;
	ssize_t n;
	int fd, starts;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		die_config("%s: cannot open '%s': %s", var, path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		die_config("%s: '%s' is not a regular file", var, path);
	if (st.st_mode & 077)
		die_config("%s: '%s' has group or other permission bits (mode %04o); refusing it",
			   var, path, (unsigned)(st.st_mode & 07777));
	n = read(fd, buf, sizeof(buf));
	starts = n > 0 && (!first || buf[0] == (unsigned char)first);
	explicit_bzero(buf, sizeof(buf));
	close(fd);
	if (n <= 0)
		die_config("%s: '%s' is empty or unreadable", var, path);
	if (!starts)
		die_config("%s: '%s' does not start with '%c'", var, path, first);
}

static int listen_on(long port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd, one = 1;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)port);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0) {
		fprintf(stderr, "sim-organism: cannot listen on 127.0.0.1:%ld: %s\n", port,
			strerror(errno));
		exit(1);
	}
	return fd;
}

static void send_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n && (w = send(fd, p, n, MSG_NOSIGNAL)) > 0) {
		p += w;
		n -= (size_t)w;
	}
}

/* Answer one connection: the metrics for GET /metrics, else 404. */
static void serve_one(int lfd, const char *org, long committee, long round)
{
	struct timeval tv = { 1, 0 };
	char req[4096], body[1024], head[256];
	size_t len = 0;
	ssize_t n;
	int c, hn, bn;

	if ((c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0)
		return;
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (len < sizeof(req) - 1 && (n = recv(c, req + len, sizeof(req) - 1 - len, 0)) > 0) {
		len += (size_t)n;
		req[len] = '\0';
		if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n"))
			break;
	}
	req[len] = '\0';
	if (strncmp(req, "GET /metrics ", 13)) {
		static const char nf[] = "HTTP/1.0 404 Not Found\r\nContent-Length: 10\r\n"
					 "Connection: close\r\n\r\nnot found\n";

		send_all(c, nf, sizeof(nf) - 1);
		close(c);
		return;
	}
	bn = snprintf(body, sizeof(body),
		      "# HELP %s_up Whether the simulated organism runs.\n# TYPE %s_up gauge\n%s_up 1\n"
		      "# HELP %s_committee_size Members of the committee.\n"
		      "# TYPE %s_committee_size gauge\n%s_committee_size %ld\n"
		      "# HELP %s_round Rounds finalized since start.\n# TYPE %s_round counter\n"
		      "%s_round %ld\n",
		      org, org, org, org, org, org, committee, org, org, org, round);
	hn = snprintf(head, sizeof(head),
		      "HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
		      "Content-Length: %d\r\nConnection: close\r\n\r\n", bn);
	send_all(c, head, (size_t)hn);
	send_all(c, body, (size_t)bn);
	close(c);
}

int main(int argc, char **argv)
{
	char org[32], ORG[32], var[96];
	const char *role, *instance, *chain;
	long port, committee, round_ms, crash_ms, round = 0;
	int64_t start, next_round, crash_at, t, wait;
	struct sigaction sa = { .sa_handler = on_term };
	struct timespec ts;
	sigset_t block, orig;
	struct pollfd pfd;
	size_t i;
	int hang;

	if (argc > 1) {
		fputs(help, strcmp(argv[1], "--help") ? stderr : stdout);
		return strcmp(argv[1], "--help") ? 2 : 0;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (getenv("SIM_EXIT_AT_START") && !strcmp(getenv("SIM_EXIT_AT_START"), "1")) {
		fprintf(stderr, "sim-organism: exiting at start as SIM_EXIT_AT_START asks\n");
		return 1;
	}
	role = need("LATTICE_ROLE");
	instance = need("LATTICE_INSTANCE");
	chain = need("LATTICE_CHAIN_ID");
	if (chain[strspn(chain, "0123456789")])
		die_config("LATTICE_CHAIN_ID must be a number");
	port = num("LATTICE_METRICS_PORT", 0, 1, 65535);
	if (!port)
		die_config("LATTICE_METRICS_PORT is not set");
	committee = num("LATTICE_COMMITTEE_SIZE", 3, 1, 1000);
	round_ms = num("LATTICE_ROUND_MS", 200, 1, 3600000);
	crash_ms = num("SIM_CRASH_AFTER_MS", 0, 0, 86400000);
	hang = getenv("SIM_HANG") && !strcmp(getenv("SIM_HANG"), "1");
	/* The organism is the role's first word: unseal-member -> unseal. */
	for (i = 0; role[i] >= 'a' && role[i] <= 'z' && i < sizeof(org) - 1; i++) {
		org[i] = role[i];
		ORG[i] = (char)(role[i] - 'a' + 'A');
	}
	org[i] = ORG[i] = '\0';
	if (!i || (role[i] && role[i] != '-'))
		die_config("LATTICE_ROLE '%s' does not start with an organism name", role);
	snprintf(var, sizeof(var), "%s_SECRET_FILE", ORG);
	check_secret(var, 0);
	if (!strstr(role, "-aggregator")) {
		snprintf(var, sizeof(var), "%s_COMMITTEE_SECRET_FILE", ORG);
		check_secret(var, 0);
	}
	if (!strcmp(org, "atelier")) {
		check_secret("ATELIER_BLS_KEYSTORE_FILE", '{');
		check_secret("ATELIER_BLS_PASSWORD_FILE", 0);
	}
	pfd.fd = listen_on(port);
	pfd.events = POLLIN;
	/* SIGTERM is only taken inside ppoll: no wake-up is ever missed. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &orig);
	if (hang)
		sa.sa_handler = SIG_IGN;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	printf("sim-organism: %s of %s (chain %s) started; metrics on http://127.0.0.1:%ld/metrics%s\n",
	       role, instance, chain, port, hang ? "; ignoring SIGTERM (SIM_HANG)" : "");
	start = now_ms();
	next_round = start + round_ms;
	crash_at = crash_ms ? start + crash_ms : 0;
	while (!got_term) {
		t = now_ms();
		if (crash_at && t >= crash_at) {
			fprintf(stderr, "sim-organism: crashing after %ld ms as SIM_CRASH_AFTER_MS asks\n",
				crash_ms);
			return 1;
		}
		for (; t >= next_round; next_round += round_ms)
			printf("round finalized %ld\n", ++round);
		wait = next_round - t;
		if (crash_at && crash_at - t < wait)
			wait = crash_at - t;
		ts.tv_sec = wait / 1000;
		ts.tv_nsec = (long)(wait % 1000) * 1000000L;
		if (ppoll(&pfd, 1, &ts, &orig) > 0 && (pfd.revents & POLLIN))
			serve_one(pfd.fd, org, committee, round);
	}
	printf("sim-organism: SIGTERM after round %ld; stopping\n", round);
	close(pfd.fd);
	return 0;
}
