/* sd_ctl.c - the systemd backend's actions: unit files in /etc/systemd/system, systemctl, status from systemctl show. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "agent.h"
#include "buf.h"
#include "unit.h"
#include "banned.h"

#define OUT_MAX 65536

/* Run argv (systemctl or journalctl) and keep its output (both streams). */
static int run(struct lc_buf *out, char *const argv[], struct lc_err *err)
{
	char path[64], buf[4096];
	int p[2], status, null;
	ssize_t n;
	pid_t pid;

	lc_buf_reset(out);
	snprintf(path, sizeof(path), "/usr/bin/%s", argv[0]);
	if (pipe2(p, O_CLOEXEC) < 0)
		return lc_err_set(err, "cannot create a pipe: %s", strerror(errno));
	if ((pid = fork()) < 0) {
		close(p[0]);
		close(p[1]);
		return lc_err_set(err, "cannot fork: %s", strerror(errno));
	}
	if (pid == 0) {
		null = open("/dev/null", O_RDONLY);
		if (null < 0 || dup2(null, 0) < 0 || dup2(p[1], 1) < 0 || dup2(p[1], 2) < 0)
			_exit(127);
		execv(path, argv);
		dprintf(2, "cannot run '%s': %s\n", path, strerror(errno));
		_exit(127);
	}
	close(p[1]);
	while ((n = read(p[0], buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
		if (n > 0 && out->len + (size_t)n <= OUT_MAX)
			lc_buf_add(out, buf, (size_t)n);
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	return lc_err_set(err, "%s %s failed: %.*s", argv[0], argv[1],
			  (int)strcspn(out->ptr ? out->ptr : "", "\n"), out->ptr ? out->ptr : "");
}

static int systemctl(const char *a, const char *b, const char *unit, struct lc_err *err)
{
	char *argv[] = { "systemctl", (char *)a, (char *)b, (char *)unit, NULL };
	struct lc_buf out;
	int rc;

	if (!b) {
		argv[2] = (char *)unit;
		argv[3] = NULL;
	}
	lc_buf_init(&out, LC_BUF_NOMAX);
	rc = run(&out, argv, err);
	lc_buf_release(&out);
	return rc;
}

static int unit_dir(struct ag_dir *d, struct lc_err *err)
{
	snprintf(d->path, sizeof(d->path), "%s/etc/systemd/system", ag_root());
	d->fd = open(d->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->fd < 0)
		return lc_err_set(err, "cannot open '%s': %s", d->path, strerror(errno));
	return 0;
}

static int install(const char *lattice, const char *role, const char *name,
		   const struct ag_unit *u, int *changed, struct lc_err *err)
{
	struct ag_dir d = { .fd = -1 };
	struct lc_buf text, old;
	int rc;

	lc_buf_init(&text, LC_BUF_NOMAX);
	lc_buf_init(&old, LC_BUF_NOMAX);
	if ((rc = ag_sd_unit_text(&text, lattice, role, u, err)) || (rc = unit_dir(&d, err)))
		goto out;
	*changed = ag_read_at(&d, name, &old, OUT_MAX, err) || strcmp(old.ptr, text.ptr);
	lc_err_clear(err);
	if (*changed && (rc = ag_write_at(&d, name, text.ptr, text.len, 0644, err)))
		goto out;
	rc = systemctl("daemon-reload", NULL, NULL, err);
out:
	lc_buf_release(&text);
	lc_buf_release(&old);
	ag_dir_close(&d);
	return rc;
}

static int uninstall(const char *name, struct lc_err *err)
{
	struct ag_dir d = { .fd = -1 };
	int rc;

	if ((rc = systemctl("disable", "--now", name, err)) || (rc = unit_dir(&d, err)))
		return rc;
	if (unlinkat(d.fd, name, 0) < 0 && errno != ENOENT)
		rc = lc_err_set(err, "cannot remove '%s/%s': %s", d.path, name, strerror(errno));
	ag_dir_close(&d);
	return rc ? rc : systemctl("daemon-reload", NULL, NULL, err);
}

int ag_sd_unit(const char *lattice, const char *role, int action,
	       const struct ag_unit *u, int *changed, struct lc_err *err)
{
	char name[PATH_MAX];
	int rc;

	if ((rc = ag_sd_unit_name(name, sizeof(name), lattice, role, err)))
		return rc;
	switch (action) {
	case AG_ACT_INSTALL: return install(lattice, role, name, u, changed, err);
	case AG_ACT_START: return systemctl("enable", "--now", name, err);
	case AG_ACT_STOP: return systemctl("stop", NULL, name, err);
	case AG_ACT_RESTART: return systemctl("restart", NULL, name, err);
	default: return uninstall(name, err);
	}
}

/* The value of key in `systemctl show` output. */
static const char *prop(const char *text, const char *key, char *out, size_t n)
{
	size_t klen = strlen(key);
	const char *p;

	out[0] = '\0';
	for (p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, klen) && p[klen] == '=') {
			snprintf(out, n, "%.*s", (int)strcspn(p + klen + 1, "\n"), p + klen + 1);
			break;
		}
	return out;
}

static int state_of(const char *active)
{
	static const struct { const char *sd; int st; } map[] = {
		{ "active", AG_ST_UP }, { "reloading", AG_ST_UP },
		{ "activating", AG_ST_STARTING }, { "deactivating", AG_ST_STOPPING },
		{ "failed", AG_ST_FAILED },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(map[i].sd, active))
			return map[i].st;
	return AG_ST_DOWN;
}

int ag_sd_status(cJSON *o, const char *lattice, const char *role, struct lc_err *err)
{
	char name[PATH_MAX], v[64];
	char *show[] = { "systemctl", "show", name, "-p",
			 "ActiveState,MainPID,NRestarts,ExecMainCode,ExecMainStatus,"
			 "ExecMainStartTimestampMonotonic", NULL };
	char *journal[] = { "journalctl", "-u", name, "-n", "20", "-o", "cat", "--no-pager", NULL };
	struct lc_buf out;
	struct timespec now;
	long long pid, start_us;
	int code, rc;

	lc_buf_init(&out, LC_BUF_NOMAX);
	if ((rc = ag_sd_unit_name(name, sizeof(name), lattice, role, err)) ||
	    (rc = run(&out, show, err)))
		goto out;
	pid = atoll(prop(out.ptr, "MainPID", v, sizeof(v)));
	start_us = atoll(prop(out.ptr, "ExecMainStartTimestampMonotonic", v, sizeof(v)));
	clock_gettime(CLOCK_MONOTONIC, &now);
	code = atoi(prop(out.ptr, "ExecMainCode", v, sizeof(v)));
	if (ag_set_str(o, "state", ag_state_name(state_of(prop(out.ptr, "ActiveState", v,
								 sizeof(v))))) ||
	    ag_set_num(o, "pid", (double)pid) ||
	    ag_set_num(o, "uptime_s", pid > 0 && start_us > 0 ?
		       (double)((now.tv_sec * 1000000LL + now.tv_nsec / 1000 - start_us) / 1000000) : 0) ||
	    ag_set_num(o, "restarts", atoi(prop(out.ptr, "NRestarts", v, sizeof(v)))) ||
	    /* ExecMainCode: 1 exited, 2 killed, 3 dumped core (CLD_*). */
	    ag_exit_json(o, code == 1 ? AG_EXIT_CODE : code >= 2 ? AG_EXIT_SIGNAL : AG_EXIT_NONE,
			 atoi(prop(out.ptr, "ExecMainStatus", v, sizeof(v))))) {
		rc = lc_err_set(err, "out of memory");
		goto out;
	}
	lc_err_clear(err);
	if (run(&out, journal, err))
		lc_buf_reset(&out); /* no journal: no lines */
	lc_err_clear(err);
	if (ag_log_lines(o, out.ptr ? out.ptr : "", out.len, AG_LOG_LINES))
		rc = lc_err_set(err, "out of memory");
out:
	lc_buf_release(&out);
	return rc;
}
