/* sup_spawn.c - starting a role's program from its unit record, and its bounded, rotated log. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sup.h"
#include "banned.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* In the child, between fork and exec: the role's own session, a clean
 * signal state, its log as stdout and stderr, and nothing else open. */
static void child(struct sup *s, struct sup_role *r, int bin_fd, const char *exec,
		  const char *path, char *const argv[], char *const envp[])
{
	sigset_t none;
	int null, sig;

	setsid();
	/* Should the supervisor die, its roles are told to stop. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != s->self)
		_exit(SUP_EXIT_NOSTART);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	null = open("/dev/null", O_RDONLY);
	if (null < 0 || dup2(null, 0) < 0 || dup2(r->log_w, 1) < 0 || dup2(r->log_w, 2) < 0)
		_exit(SUP_EXIT_NOSTART);
	close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
	/* A script's interpreter opens it as /dev/fd/<bin_fd>/<exec>. */
	fcntl(bin_fd, F_SETFD, 0);
	if (chdir("/") < 0)
		_exit(SUP_EXIT_NOSTART);
	umask(077);
	execveat(bin_fd, exec, argv, envp, AT_SYMLINK_NOFOLLOW);
	dprintf(2, "lattice-supervise: cannot exec '%s': %s\n", path, strerror(errno));
	_exit(SUP_EXIT_NOSTART);
}

int sup_spawn(struct sup *s, struct sup_role *r, struct lc_err *err)
{
	struct ag_dir bin = { .fd = -1 };
	struct ag_env env = { 0 };
	struct ag_unit u;
	char path[PATH_MAX + AG_NAME_MAX + 2], *argv[AG_UNIT_ARGS + 2];
	struct stat st;
	size_t i;
	pid_t pid;
	int rc;

	/* The record and env files are read afresh for every spawn. */
	if ((rc = ag_unit_read(&u, s->lattice, r->name, err)))
		return rc;
	if ((rc = ag_env_set(&env, "PATH", DEFAULT_PATH, err)) ||
	    (rc = ag_env_load(&env, s->lattice, &u, err)) ||
	    (rc = ag_env_set(&env, "LATTICE_ROLE", r->name, err)) ||
	    (rc = ag_dir_open(&bin, AG_AREA_BIN, s->lattice, 0, err)))
		goto out;
	snprintf(path, sizeof(path), "%s/%s", bin.path, u.exec);
	if (fstatat(bin.fd, u.exec, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		rc = lc_err_set(err, "'%s': %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111)) {
		rc = lc_err_set(err, "'%s' is not an executable file", path);
		goto out;
	}
	argv[0] = path;
	for (i = 0; i < u.nargs; i++)
		argv[i + 1] = u.args[i];
	argv[u.nargs + 1] = NULL;
	if ((rc = sup_log_open(s, r))) {
		rc = lc_err_set(err, "cannot open the log of %s: %s", r->name, strerror(errno));
		goto out;
	}
	if ((pid = fork()) < 0) {
		rc = lc_err_set(err, "cannot fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0)
		child(s, r, bin.fd, u.exec, path, argv, env.kv);
	r->pid = pid;
out:
	ag_env_release(&env);
	ag_unit_release(&u);
	ag_dir_close(&bin);
	return rc;
}

static int open_log_file(struct sup *s, struct sup_role *r)
{
	char name[80];
	struct stat st;

	snprintf(name, sizeof(name), "%s.log", r->name);
	r->log_fd = openat(s->run.fd, name,
			   O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (r->log_fd < 0)
		return -1;
	r->log_size = fstat(r->log_fd, &st) == 0 ? st.st_size : 0;
	return 0;
}

int sup_log_open(struct sup *s, struct sup_role *r)
{
	int p[2];

	if (r->log_fd < 0 && open_log_file(s, r))
		return -1;
	if (r->log_r >= 0)
		return 0;
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	/* The supervisor keeps the write end too: the pipe never reads EOF. */
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	r->log_r = p[0];
	r->log_w = p[1];
	return 0;
}

/* <role>.log becomes <role>.log.1 (replacing it) and a new one begins. */
static void rotate(struct sup *s, struct sup_role *r)
{
	char name[80], old[80];

	snprintf(name, sizeof(name), "%s.log", r->name);
	snprintf(old, sizeof(old), "%s.log.1", r->name);
	close(r->log_fd);
	r->log_fd = -1;
	if (renameat(s->run.fd, name, s->run.fd, old) < 0)
		sup_log("%s: cannot rotate '%s/%s': %s", r->name, s->run.path, name,
			strerror(errno));
	if (open_log_file(s, r))
		sup_log("%s: cannot open '%s/%s': %s", r->name, s->run.path, name,
			strerror(errno));
}

static void log_write(struct sup *s, struct sup_role *r, const char *p, size_t n)
{
	ssize_t w;

	while (n && r->log_fd >= 0) {
		w = write(r->log_fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* a full disk loses log lines, never the role */
		p += w;
		n -= (size_t)w;
		r->log_size += w;
		if (r->log_size >= SUP_LOG_ROTATE)
			rotate(s, r);
	}
}

void sup_log_pump(struct sup *s, struct sup_role *r)
{
	char buf[16384];
	ssize_t n;

	while (r->log_r >= 0) {
		n = read(r->log_r, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		log_write(s, r, buf, (size_t)n);
	}
}

void sup_log_role(struct sup *s, struct sup_role *r, const char *msg)
{
	if (r->log_fd < 0 && open_log_file(s, r))
		return;
	log_write(s, r, msg, strlen(msg));
	log_write(s, r, "\n", 1);
}

void sup_log_close(struct sup_role *r)
{
	if (r->log_r >= 0)
		close(r->log_r);
	if (r->log_w >= 0)
		close(r->log_w);
	if (r->log_fd >= 0)
		close(r->log_fd);
	r->log_r = r->log_w = r->log_fd = -1;
}
