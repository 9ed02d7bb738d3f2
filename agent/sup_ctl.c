/* sup_ctl.c - the agent's side of its own supervisor: want records, starting it, signalling it, waiting. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "unit.h"
#include "banned.h"

#define POLL_MS 50

static void nap(void)
{
	struct timespec ts = { 0, POLL_MS * 1000000L };

	nanosleep(&ts, NULL);
}

int ag_sup_running(const struct ag_dir *run, long long *pid)
{
	char buf[32];
	ssize_t n;
	int fd, held;

	*pid = 0;
	fd = openat(run->fd, AG_SUP_PID, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;
	/* The supervisor holds an exclusive flock on its pid file while it runs. */
	held = flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	if (held && (n = pread(fd, buf, sizeof(buf) - 1, 0)) > 0) {
		buf[n] = '\0';
		*pid = strtoll(buf, NULL, 10);
	}
	close(fd);
	return held && *pid > 1;
}

/* Run `lattice-agent supervise --lattice L`, which returns once the daemon runs. */
static int launch(const char *lattice, struct lc_err *err)
{
	char exe[PATH_MAX], msg[512];
	int ep[2] = { -1, -1 }, null = -1, status, rc = -1;
	size_t len = 0;
	ssize_t n, x;
	pid_t pid;

	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) < 0)
		return lc_err_set(err, "cannot find the agent's own path: %s", strerror(errno));
	exe[n] = '\0';
	if (pipe2(ep, O_CLOEXEC) < 0 || (null = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0) {
		rc = lc_err_set(err, "cannot start the supervisor: %s", strerror(errno));
		goto out;
	}
	if ((pid = fork()) < 0) {
		rc = lc_err_set(err, "cannot fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0) {
		/* Its errors come back through the pipe; nothing reaches the session. */
		dup2(null, 0);
		dup2(null, 1);
		dup2(ep[1], 2);
		execl(exe, "lattice-agent", "supervise", "--lattice", lattice, (char *)NULL);
		_exit(127);
	}
	close(ep[1]);
	ep[1] = -1;
	while (len < sizeof(msg) - 1 &&
	       ((x = read(ep[0], msg + len, sizeof(msg) - 1 - len)) > 0 ||
		(x < 0 && errno == EINTR)))
		len += x > 0 ? (size_t)x : 0;
	msg[len] = '\0';
	msg[strcspn(msg, "\n")] = '\0';
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		rc = 0;
	else
		rc = lc_err_set(err, "cannot start the supervisor of '%s': %s", lattice,
				*msg ? msg : "it failed");
out:
	if (ep[0] >= 0)
		close(ep[0]);
	if (ep[1] >= 0)
		close(ep[1]);
	if (null >= 0)
		close(null);
	return rc;
}

/* Record the next request for role, under the run directory's flock. */
static int want(const struct ag_dir *run, const char *role, int action, uint64_t *gen,
		struct lc_err *err)
{
	struct ag_want w = { 0 };
	int rc;

	if (flock(run->fd, LOCK_EX) < 0)
		return lc_err_set(err, "cannot flock '%s': %s", run->path, strerror(errno));
	rc = ag_want_read(run, role, &w, err);
	if (rc && rc != AG_E_NOTFOUND)
		w.gen = 0;
	lc_err_clear(err);
	w.action = action;
	w.gen++;
	*gen = w.gen;
	rc = ag_want_write(run, role, &w, err);
	flock(run->fd, LOCK_UN);
	return rc;
}

/* Whether the supervisor has done what action asked. */
static int done(int action, const struct ag_status *st)
{
	if (action == AG_ACT_STOP)
		return st->state == AG_ST_DOWN || st->state == AG_ST_FAILED;
	if (action == AG_ACT_RESTART)
		return st->state != AG_ST_STOPPING;
	return 1;
}

int ag_sup_request(const char *lattice, const char *role, int action,
		   struct ag_status *st, struct lc_err *err)
{
	struct ag_dir run = { .fd = -1 };
	int64_t deadline;
	long long pid;
	uint64_t gen;
	int rc, launches = 0;

	memset(st, 0, sizeof(*st));
	if ((rc = ag_dir_open(&run, AG_AREA_RUN, lattice, AG_DIR_CREATE, err)) ||
	    (rc = want(&run, role, action, &gen, err)))
		goto out;
	deadline = lc_now_ms() + AG_WAIT_MS;
	if (action == AG_ACT_STOP && !ag_sup_running(&run, &pid)) {
		/* Nothing runs without a supervisor: the want is all there is to do. */
		rc = ag_status_read(&run, role, st, err);
		if (rc && rc != AG_E_NOTFOUND)
			goto out;
		lc_err_clear(err);
		rc = 0;
		if (st->state != AG_ST_FAILED)
			st->state = AG_ST_DOWN;
		st->pid = 0;
		goto out;
	}
	for (;;) {
		if (!ag_sup_running(&run, &pid)) {
			/* Not running, or it just exited with nothing to supervise. */
			if (launches++ >= 2) {
				rc = lc_err_set(err, "the supervisor of '%s' exits at once; see %s/%s",
						lattice, run.path, AG_SUP_LOG);
				goto out;
			}
			if ((rc = launch(lattice, err)))
				goto out;
		} else if (launches == 0) {
			kill((pid_t)pid, SIGHUP);
			launches = 1;
		}
		rc = ag_status_read(&run, role, st, err);
		if (rc && rc != AG_E_NOTFOUND)
			goto out;
		rc = 0;
		lc_err_clear(err);
		if (st->gen >= gen && done(action, st))
			break;
		if (lc_now_ms() >= deadline)
			break; /* the reply says the state reached so far */
		nap();
	}
out:
	ag_dir_close(&run);
	return rc;
}

static void unlink_role_files(const struct ag_dir *run, const char *role)
{
	static const char *const ext[] = { "status", "want", "log", "log.1" };
	char name[80];
	size_t i;

	for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		snprintf(name, sizeof(name), "%s.%s", role, ext[i]);
		if (unlinkat(run->fd, name, 0) < 0 && errno != ENOENT)
			fprintf(stderr, "lattice-agent: cannot remove '%s/%s': %s\n", run->path,
				name, strerror(errno));
	}
}

/* The lattice's run directory: 1 when it is open, 0 when there is none
 * (nothing runs there), or an AG_E_* code. */
static int open_run(struct ag_dir *run, const char *lattice, struct lc_err *err)
{
	int rc = ag_dir_open(run, AG_AREA_RUN, lattice, 0, err);

	if (rc == AG_E_NOTFOUND)
		return 0;
	return rc ? rc : 1;
}

/* Wait, at most AG_WAIT_MS, while the supervisor runs and (with role)
 * still reports role. */
static void wait_while(struct ag_dir *run, const char *role, long long *pid)
{
	int64_t deadline = lc_now_ms() + AG_WAIT_MS;
	struct ag_status st;
	struct lc_err ignored;

	while (ag_sup_running(run, pid) && lc_now_ms() < deadline &&
	       (!role || ag_status_read(run, role, &st, &ignored) != AG_E_NOTFOUND))
		nap();
}

int ag_sup_remove(const char *lattice, const char *role, struct lc_err *err)
{
	struct ag_dir run = { .fd = -1 };
	long long pid;
	uint64_t gen;
	int rc;

	/* Without its record the supervisor stops the role and forgets it. */
	if ((rc = ag_unit_delete(lattice, role, err)))
		return rc;
	if ((rc = open_run(&run, lattice, err)) <= 0)
		return rc;
	rc = 0;
	if (ag_sup_running(&run, &pid)) {
		if ((rc = want(&run, role, AG_ACT_STOP, &gen, err)))
			goto out;
		kill((pid_t)pid, SIGHUP);
		wait_while(&run, role, &pid);
	}
	unlink_role_files(&run, role);
out:
	ag_dir_close(&run);
	return rc;
}

int ag_sup_shutdown(const char *lattice, struct lc_err *err)
{
	struct ag_dir run = { .fd = -1 };
	long long pid;
	int rc;

	if ((rc = open_run(&run, lattice, err)) <= 0)
		return rc;
	rc = 0;
	if (ag_sup_running(&run, &pid)) {
		kill((pid_t)pid, SIGTERM);
		wait_while(&run, NULL, &pid);
		if (ag_sup_running(&run, &pid))
			rc = lc_err_set(err, "the supervisor of '%s' (pid %lld) did not stop in %d s",
					lattice, pid, AG_WAIT_MS / 1000);
	}
	ag_dir_close(&run);
	return rc;
}
