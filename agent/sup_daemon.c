/* sup_daemon.c - becoming the supervisor daemon: double fork, setsid, the pid file's flock, its log. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sup.h"
#include "banned.h"

#define LOCK_TRIES 25 /* a status check holds the pid file's flock for a moment */

/* Tell the process that started us how it went, and let it go. */
static void tell(int *ready, const char *msg)
{
	if (*ready < 0)
		return;
	if (write(*ready, msg, strlen(msg)) < 0)
		fprintf(stderr, "lattice-agent: cannot report to the caller: %s\n", strerror(errno));
	close(*ready);
	*ready = -1;
}

/* Take the pid file's flock: 1, 0 when another supervisor holds it, -1. */
static int take_lock(struct sup *s, int *lockfd, char *msg, size_t n)
{
	struct timespec ts = { 0, 20 * 1000000L };
	char pid[32];
	int i, len;

	*lockfd = openat(s->run.fd, AG_SUP_PID,
			 O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (*lockfd < 0)
		goto fail;
	for (i = 0; flock(*lockfd, LOCK_EX | LOCK_NB) < 0; i++) {
		if (errno != EWOULDBLOCK)
			goto fail;
		if (i == LOCK_TRIES)
			return 0;
		nanosleep(&ts, NULL);
	}
	len = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(*lockfd, 0) < 0 || pwrite(*lockfd, pid, (size_t)len, 0) != len)
		goto fail;
	return 1;
fail:
	snprintf(msg, n, "cannot lock '%.400s/%s': %s", s->run.path, AG_SUP_PID, strerror(errno));
	return -1;
}

/* Standard input from /dev/null, standard output and error to supervisor.log. */
static int redirect(struct sup *s, char *msg, size_t n)
{
	int null, log;

	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	log = openat(s->run.fd, AG_SUP_LOG,
		     O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (null < 0 || log < 0 || dup2(null, 0) < 0 || dup2(log, 1) < 0 || dup2(log, 2) < 0) {
		snprintf(msg, n, "cannot open '%.400s/%s': %s", s->run.path, AG_SUP_LOG,
			 strerror(errno));
		if (null >= 0)
			close(null);
		if (log >= 0)
			close(log);
		return -1;
	}
	close(null);
	close(log);
	return 0;
}

/* The daemon itself: the exit status. */
static int daemon_main(const char *lattice, int ready, const sigset_t *mask)
{
	struct sup *s;
	struct lc_err err;
	char msg[LC_ERR_MSG_MAX + 64] = "";
	int lockfd = -1, sfd = -1, rc = 1, got;

	lc_err_clear(&err);
	if (!(s = calloc(1, sizeof(*s)))) {
		tell(&ready, "out of memory");
		return 1;
	}
	s->lattice = lattice;
	s->self = getpid();
	s->run.fd = -1;
	umask(022);
	if (chdir("/") < 0 || ag_dir_open(&s->run, AG_AREA_RUN, lattice, AG_DIR_CREATE, &err)) {
		snprintf(msg, sizeof(msg), "%s", err.msg[0] ? err.msg : strerror(errno));
		goto out;
	}
	if ((got = take_lock(s, &lockfd, msg, sizeof(msg))) <= 0) {
		if (got == 0) {
			snprintf(msg, sizeof(msg), "running");
			rc = 0;
		}
		goto out;
	}
	if (redirect(s, msg, sizeof(msg)))
		goto out;
	if ((sfd = signalfd(-1, mask, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
		snprintf(msg, sizeof(msg), "cannot create a signalfd: %s", strerror(errno));
		goto out;
	}
	sup_log_init(s);
	sup_log("supervisor of '%s' started (pid %d)", lattice, (int)s->self);
	tell(&ready, "ok");
	rc = sup_loop(s, sfd) ? 1 : 0;
out:
	tell(&ready, msg);
	if (sfd >= 0)
		close(sfd);
	if (lockfd >= 0)
		close(lockfd); /* and with it the flock: the last thing */
	ag_dir_close(&s->run);
	free(s);
	return rc;
}

int ag_supervise_main(int argc, char **argv)
{
	const char *lattice;
	struct lc_err err;
	char msg[LC_ERR_MSG_MAX + 64];
	int ready[2], status;
	size_t len = 0;
	sigset_t mask;
	ssize_t n;
	pid_t pid;

	if (argc != 4 || strcmp(argv[2], "--lattice")) {
		fprintf(stderr, "usage: lattice-agent supervise --lattice LATTICE\n");
		return AG_EXIT_PROTO;
	}
	lattice = argv[3];
	lc_err_clear(&err);
	if (ag_paths_init(&err) || !ag_lattice_ok(lattice)) {
		fprintf(stderr, "lattice-agent: %s\n",
			err.msg[0] ? err.msg : "not a lattice name");
		return AG_EXIT_FAIL;
	}
	/* Nothing of whoever started us stays open in the daemon. */
	close_range(3, ~0U, 0);
	/* Blocked before the flock is taken: a SIGHUP sent once the agent sees
	 * the lock held waits in the signalfd instead of killing us. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (pipe2(ready, O_CLOEXEC) < 0 || (pid = fork()) < 0) {
		fprintf(stderr, "lattice-agent: cannot start the supervisor: %s\n", strerror(errno));
		return AG_EXIT_FAIL;
	}
	if (pid == 0) {
		close(ready[0]);
		setsid();
		if ((pid = fork()) != 0)
			_exit(pid < 0 ? 1 : 0);
		exit(daemon_main(lattice, ready[1], &mask));
	}
	close(ready[1]);
	while (len < sizeof(msg) - 1 &&
	       ((n = read(ready[0], msg + len, sizeof(msg) - 1 - len)) > 0 ||
		(n < 0 && errno == EINTR)))
		len += n > 0 ? (size_t)n : 0;
	msg[len] = '\0';
	close(ready[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!strcmp(msg, "ok") || !strcmp(msg, "running"))
		return AG_EXIT_OK;
	fprintf(stderr, "lattice-agent: %s\n", *msg ? msg : "the supervisor did not start");
	return AG_EXIT_FAIL;
}
