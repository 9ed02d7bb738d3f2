/*
 * nsfwd.c - a TCP forwarder from one loopback address into a network namespace.
 *
 *   nsfwd ADDR PORT NETNS TPORT
 *
 * Listens on ADDR:PORT in the namespace it was started in, then enters the
 * network namespace NETNS (a bind-mounted /proc/PID/ns/net) and relays each
 * connection it accepts to 127.0.0.1:TPORT there, in a child process of its
 * own.  scripts/testhosts runs one per containerized test host: the
 * container's sshd listens only inside the container's namespace, and the
 * tests reach it on 127.0.1.N as they reach the other test hosts.
 *
 * The listening socket stays in the first namespace: a socket belongs to
 * the namespace it was made in, whatever the process enters afterwards.
 * Only loopback addresses are accepted for ADDR.  SIGTERM ends it and,
 * through PR_SET_PDEATHSIG, every relay it started.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

static int port_arg(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (!*s || *end || v < 1 || v > 65535)
		return -1;
	return (int)v;
}

/* Copy what one side has to the other; 0 at its EOF, -1 on an error. */
static int pass(int from, int to)
{
	char buf[65536];
	ssize_t n = read(from, buf, sizeof(buf)), off = 0, w;

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : -1;
	if (n == 0)
		return 0;
	while (off < n) {
		w = write(to, buf + off, (size_t)(n - off));
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		off += w;
	}
	return 1;
}

/* Relay between the client c and 127.0.0.1:tport until both sides end. */
static int relay(int c, int tport)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons((uint16_t)tport) };
	struct pollfd p[2];
	int s, open_in = 1, open_out = 1, one = 1, rc;

	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(s, (struct sockaddr *)&to, sizeof(to)) < 0)
		return 1;
	setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	while (open_in || open_out) {
		p[0] = (struct pollfd){ .fd = open_in ? c : -1, .events = POLLIN };
		p[1] = (struct pollfd){ .fd = open_out ? s : -1, .events = POLLIN };
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		if (p[0].revents) {
			if ((rc = pass(c, s)) < 0)
				return 1;
			if (rc == 0) {
				open_in = 0;
				shutdown(s, SHUT_WR);
			}
		}
		if (p[1].revents) {
			if ((rc = pass(s, c)) < 0)
				return 1;
			if (rc == 0) {
				open_out = 0;
				shutdown(c, SHUT_WR);
			}
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in at = { .sin_family = AF_INET };
	struct sigaction sa;
	int l, ns, c, port, tport, one = 1;
	pid_t parent = getpid();

	if (argc != 5 || (port = port_arg(argv[2])) < 0 || (tport = port_arg(argv[4])) < 0 ||
	    inet_pton(AF_INET, argv[1], &at.sin_addr) != 1) {
		fprintf(stderr, "usage: nsfwd ADDR PORT NETNS TPORT\n");
		return 2;
	}
	if ((ntohl(at.sin_addr.s_addr) >> 24) != 127) {
		fprintf(stderr, "nsfwd: %s is not a loopback address\n", argv[1]);
		return 2;
	}
	at.sin_port = htons((uint16_t)port);
	if ((l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(l, (struct sockaddr *)&at, sizeof(at)) < 0 || listen(l, 256) < 0) {
		fprintf(stderr, "nsfwd: cannot listen on %s:%d: %s\n", argv[1], port,
			strerror(errno));
		return 1;
	}
	if ((ns = open(argv[3], O_RDONLY | O_CLOEXEC)) < 0 || setns(ns, CLONE_NEWNET) < 0) {
		fprintf(stderr, "nsfwd: cannot enter the network namespace '%s': %s\n", argv[3],
			strerror(errno));
		return 1;
	}
	close(ns);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sa.sa_flags = SA_NOCLDWAIT;
	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		if ((c = accept4(l, NULL, NULL, SOCK_CLOEXEC)) < 0) {
			if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE)
				continue;
			fprintf(stderr, "nsfwd: accept: %s\n", strerror(errno));
			return 1;
		}
		switch (fork()) {
		case -1:
			close(c);
			break;
		case 0:
			close(l);
			prctl(PR_SET_PDEATHSIG, SIGTERM);
			if (getppid() != parent)
				_exit(1);
			_exit(relay(c, tport));
		default:
			close(c);
		}
	}
}
