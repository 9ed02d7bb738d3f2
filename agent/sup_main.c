/* sup_main.c - `lattice-agent supervise --lattice L`: the daemon that runs one lattice's roles on a host. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
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

static struct sup *the_sup; /* for sup_log's rotation only */

void sup_log_init(struct sup *s)
{
	the_sup = s;
}

void sup_log(const char *fmt, ...)
{
	char line[1024];
	struct timespec ts;
	struct stat st;
	va_list ap;
	int n;

	/* supervisor.log is bounded like the roles' logs. */
	if (the_sup && fstat(2, &st) == 0 && st.st_size >= SUP_LOG_ROTATE &&
	    renameat(the_sup->run.fd, AG_SUP_LOG, the_sup->run.fd, AG_SUP_LOG ".1") == 0) {
		int fd = openat(the_sup->run.fd, AG_SUP_LOG,
				O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	n = snprintf(line, sizeof(line), "%lld.%03ld ", (long long)ts.tv_sec,
		     ts.tv_nsec / 1000000);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	n = (int)strlen(line);
	line[n++] = '\n';
	if (write(2, line, (size_t)n) < 0)
		return;
}

static struct sup_role *find(struct sup *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nroles; i++)
		if (!strcmp(s->roles[i].name, name))
			return &s->roles[i];
	return NULL;
}

/* Reread unit records (which roles exist) and want records (what is asked). */
static void rescan(struct sup *s)
{
	static const int ev[AG_ACT_COUNT] = { [AG_ACT_START] = SUP_EV_START,
		[AG_ACT_STOP] = SUP_EV_STOP, [AG_ACT_RESTART] = SUP_EV_RESTART };
	struct sup_role *r;
	struct ag_want w;
	struct lc_err err;
	char **names = NULL;
	size_t n = 0, i;

	lc_err_clear(&err);
	if (ag_units_list(s->lattice, &names, &n, &err)) {
		sup_log("%s", err.msg);
		return; /* keep what runs */
	}
	for (i = 0; i < s->nroles; i++)
		s->roles[i].present = 0;
	for (i = 0; i < n; i++) {
		if (!strcmp(names[i], "supervisor"))
			continue;
		if (!(r = find(s, names[i]))) {
			if (s->nroles == SUP_MAX_ROLES) {
				sup_log("more than %d roles; '%s' is not supervised", SUP_MAX_ROLES,
					names[i]);
				continue;
			}
			r = &s->roles[s->nroles++];
			sup_role_init(r, names[i]);
			sup_log("%s: installed", r->name);
		}
		r->present = 1;
	}
	ag_units_free(names, n);
	for (i = 0; i < s->nroles; i++) {
		r = &s->roles[i];
		if (!r->present) {
			if (r->state != AG_ST_DOWN && r->state != AG_ST_FAILED)
				sup_event(s, r, SUP_EV_STOP);
			continue;
		}
		if (s->shutdown || ag_want_read(&s->run, r->name, &w, &err)) {
			lc_err_clear(&err);
			continue;
		}
		if (w.gen != r->st.gen) {
			sup_log("%s: %s asked (request %llu)", r->name, ag_action_name(w.action),
				(unsigned long long)w.gen);
			r->st.gen = w.gen;
			sup_event(s, r, ev[w.action]);
		}
	}
}

/* Roles without a record that have stopped are dropped, status and all. */
static void forget(struct sup *s)
{
	char name[80];
	size_t i = 0;

	while (i < s->nroles) {
		struct sup_role *r = &s->roles[i];

		if (r->present || r->pid) {
			i++;
			continue;
		}
		sup_log("%s: removed", r->name);
		sup_log_pump(s, r);
		sup_log_close(r);
		snprintf(name, sizeof(name), "%s.status", r->name);
		unlinkat(s->run.fd, name, 0);
		s->roles[i] = s->roles[--s->nroles];
	}
}

static void reap(struct sup *s)
{
	struct sup_role *r;
	int status;
	pid_t pid;
	size_t i;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		for (i = 0; i < s->nroles; i++) {
			r = &s->roles[i];
			if (r->pid != pid)
				continue;
			sup_log_pump(s, r); /* its last words first */
			r->wstatus = status;
			sup_event(s, r, SUP_EV_EXIT);
			break;
		}
}

static void begin_shutdown(struct sup *s)
{
	size_t i;

	sup_log("stopping every role");
	s->shutdown = 1;
	for (i = 0; i < s->nroles; i++)
		sup_event(s, &s->roles[i], SUP_EV_STOP);
}

static void on_signal(struct sup *s, int sfd)
{
	struct signalfd_siginfo si;

	while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGCHLD)
			reap(s);
		else if (si.ssi_signo == SIGHUP && !s->shutdown)
			rescan(s);
		else if ((si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) && !s->shutdown)
			begin_shutdown(s);
	}
}

static int any_running(const struct sup *s)
{
	size_t i;

	for (i = 0; i < s->nroles; i++)
		if (s->roles[i].pid)
			return 1;
	return 0;
}

int sup_loop(struct sup *s, int sfd)
{
	struct pollfd pfd[SUP_MAX_ROLES + 1];
	struct sup_role *map[SUP_MAX_ROLES + 1];
	int64_t now, next_scan = lc_now_ms() + SUP_RESCAN_MS, wake;
	size_t i, n;

	rescan(s);
	for (;;) {
		forget(s);
		if (s->shutdown ? !any_running(s) : s->nroles == 0)
			break;
		now = lc_now_ms();
		wake = s->shutdown ? now + 1000 : next_scan;
		n = 0;
		pfd[n].fd = sfd;
		pfd[n++].events = POLLIN;
		for (i = 0; i < s->nroles; i++) {
			struct sup_role *r = &s->roles[i];

			if (r->deadline && r->deadline < wake)
				wake = r->deadline;
			if (r->log_r >= 0) {
				map[n] = r;
				pfd[n].fd = r->log_r;
				pfd[n++].events = POLLIN;
			}
		}
		if (poll(pfd, n, wake > now ? (int)(wake - now) : 0) < 0 && errno != EINTR) {
			sup_log("cannot poll: %s", strerror(errno));
			return -1;
		}
		for (i = 1; i < n; i++)
			if (pfd[i].revents)
				sup_log_pump(s, map[i]);
		if (pfd[0].revents)
			on_signal(s, sfd);
		now = lc_now_ms();
		for (i = 0; i < s->nroles; i++) {
			struct sup_role *r = &s->roles[i];

			if (r->deadline && r->deadline <= now) {
				r->deadline = 0;
				sup_event(s, r, SUP_EV_TIMER);
			}
		}
		if (now >= next_scan && !s->shutdown) {
			rescan(s);
			next_scan = now + SUP_RESCAN_MS;
		}
	}
	for (i = 0; i < s->nroles; i++) {
		sup_log_pump(s, &s->roles[i]);
		sup_log_close(&s->roles[i]);
	}
	sup_log(s->shutdown ? "all roles stopped; exiting" : "no roles installed; exiting");
	return 0;
}
