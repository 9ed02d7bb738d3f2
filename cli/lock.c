/* lock.c - the local lock: one run at a time per state directory, an flock on a file that names its holder. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "journal.h"
#include "banned.h"

/* A holder record is well under 1 KiB; more is not ours. */
#define LOCK_READ_MAX 4096

struct lc_lock {
	int fd;
};

/* What a lock file says about its holder. */
struct holder {
	int present;       /* the file has contents */
	int named;         /* ... naming a holder and a pid */
	char holder[256];
	char command[64];
	char host[256];
	long pid;
	int64_t time;
};

static void read_holder(int fd, struct holder *h)
{
	char buf[LOCK_READ_MAX + 1];
	const cJSON *v;
	cJSON *o;
	ssize_t n;

	memset(h, 0, sizeof(*h));
	do
		n = pread(fd, buf, LOCK_READ_MAX, 0);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return;
	h->present = 1;
	buf[n] = '\0';
	if (!(o = cJSON_ParseWithLength(buf, (size_t)n)))
		return;
	v = cJSON_GetObjectItemCaseSensitive(o, "holder");
	if (cJSON_IsString(v))
		lc_ascii_copy(h->holder, sizeof(h->holder), v->valuestring);
	v = cJSON_GetObjectItemCaseSensitive(o, "pid");
	if (cJSON_IsNumber(v) && v->valuedouble >= 1 && v->valuedouble <= INT32_MAX)
		h->pid = (long)v->valuedouble;
	v = cJSON_GetObjectItemCaseSensitive(o, "command");
	if (cJSON_IsString(v))
		lc_ascii_copy(h->command, sizeof(h->command), v->valuestring);
	v = cJSON_GetObjectItemCaseSensitive(o, "host");
	if (cJSON_IsString(v))
		lc_ascii_copy(h->host, sizeof(h->host), v->valuestring);
	v = cJSON_GetObjectItemCaseSensitive(o, "time");
	if (cJSON_IsNumber(v) && v->valuedouble > 0 && v->valuedouble < 1e15)
		h->time = (int64_t)v->valuedouble;
	h->named = h->holder[0] && h->pid;
	cJSON_Delete(o);
}

/* "2026-11-23 10:00:00 UTC" */
static void fmt_time(char out[40], int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!t || !gmtime_r(&tt, &tm) ||
	    !strftime(out, 40, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(out, 40, "an unknown time");
}

static void my_hostname(char out[256])
{
	char h[257];

	if (gethostname(h, sizeof(h) - 1) < 0)
		h[0] = '\0';
	h[sizeof(h) - 1] = '\0';
	lc_ascii_copy(out, 256, h[0] ? h : "unknown-host");
}

void lc_lock_holder(char out[256])
{
	char pwbuf[4096], host[256], both[600];
	const char *user = getenv("USER");
	struct passwd pw, *res = NULL;
	char uid[32];

	if (!user || !*user) {
		if (getpwuid_r(geteuid(), &pw, pwbuf, sizeof(pwbuf), &res) == 0 &&
		    res && res->pw_name && *res->pw_name) {
			user = res->pw_name;
		} else {
			snprintf(uid, sizeof(uid), "uid%lu", (unsigned long)geteuid());
			user = uid;
		}
	}
	my_hostname(host);
	snprintf(both, sizeof(both), "%.255s@%s", user, host);
	lc_ascii_copy(out, 256, both);
}

static int locked_error(struct lc_err *err, const char *statedir,
			const struct holder *h)
{
	char when[40], here[256];

	if (!h->named) {
		lc_err_setc(err, LC_ERR_LOCKED, "lattice state '%s' is locked by another run",
			    statedir);
		lc_err_hint(err, "wait for that run to finish, then run again");
		return LC_ERR_LOCKED;
	}
	fmt_time(when, h->time);
	lc_err_setc(err, LC_ERR_LOCKED,
		    "lattice state '%s' is locked by pid %ld (%s, 'latticectl %s', since %s)",
		    statedir, h->pid, h->holder, h->command, when);
	my_hostname(here);
	if (h->host[0] && strcmp(h->host, here))
		lc_err_hint(err, "wait for that run to finish; if it is hung, stop it on "
			    "%s (kill %ld) and run again: its lock goes with it",
			    h->host, h->pid);
	else
		lc_err_hint(err, "wait for that run to finish; if it is hung, stop it "
			    "(kill %ld) and run again: its lock goes with it", h->pid);
	return LC_ERR_LOCKED;
}

/* The line for prev about a run whose lock record was left behind. */
static void unfinished(struct lc_buf *prev, const struct holder *h)
{
	char when[40];

	if (!prev)
		return;
	if (!h->named) {
		lc_buf_puts(prev, "the previous run did not finish (its lock record is "
			    "unreadable); resuming from the state journal\n");
		return;
	}
	fmt_time(when, h->time);
	lc_buf_printf(prev, "the previous run (%s, pid %ld, %s, started %s) did not "
		      "finish; resuming from the state journal\n",
		      h->command[0] ? h->command : "?", h->pid, h->holder, when);
}

/* Replace the file's contents with our holder record and sync it. */
static int write_record(int fd, const char *path, const char *command,
			struct lc_err *err)
{
	char who[256], host[256], cmd[64];
	char *json = NULL;
	size_t len, off = 0;
	cJSON *o = cJSON_CreateObject();
	int rc = -1;

	lc_lock_holder(who);
	my_hostname(host);
	lc_ascii_copy(cmd, sizeof(cmd), command);
	if (!o || !cJSON_AddStringToObject(o, "holder", who) ||
	    !cJSON_AddNumberToObject(o, "pid", (double)getpid()) ||
	    !cJSON_AddStringToObject(o, "command", cmd) ||
	    !cJSON_AddNumberToObject(o, "time", (double)time(NULL)) ||
	    !cJSON_AddStringToObject(o, "host", host) ||
	    !(json = cJSON_PrintUnformatted(o))) {
		rc = lc_err_setc(err, LC_ERR_NOMEM, "out of memory");
		goto out;
	}
	len = strlen(json);
	json[len++] = '\n'; /* over the NUL: the buffer is not a string now */
	if (ftruncate(fd, 0) < 0)
		goto fail;
	while (off < len) {
		ssize_t n = pwrite(fd, json + off, len - off, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		off += (size_t)n;
	}
	if (fsync(fd) < 0)
		goto fail;
	rc = 0;
	goto out;
fail:
	rc = lc_err_set(err, "cannot write '%s': %s", path, strerror(errno ? errno : EIO));
out:
	cJSON_free(json);
	cJSON_Delete(o);
	return rc;
}

int lc_lock_take(struct lc_lock **out, const char *statedir,
		 const char *command, struct lc_buf *prev, struct lc_err *err)
{
	char path[PATH_MAX];
	struct holder h;
	struct lc_lock *l;
	struct stat st;
	int fd, rc;

	*out = NULL;
	if ((size_t)snprintf(path, sizeof(path), "%s/lock", statedir) >= sizeof(path))
		return lc_err_set(err, "path too long: '%s/lock'", statedir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return lc_err_set(err, "cannot open '%s': %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		rc = lc_err_set(err, "'%s' is not a regular file", path);
		goto fail;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == EWOULDBLOCK) {
			read_holder(fd, &h);
			rc = locked_error(err, statedir, &h);
		} else {
			rc = lc_err_set(err, "cannot lock '%s': %s", path, strerror(errno));
		}
		goto fail;
	}
	read_holder(fd, &h);
	if (h.present)
		unfinished(prev, &h);
	if ((rc = write_record(fd, path, command, err)))
		goto fail; /* closing drops the flock */
	if (!(l = malloc(sizeof(*l)))) {
		rc = lc_err_setc(err, LC_ERR_NOMEM, "out of memory");
		goto fail;
	}
	l->fd = fd;
	*out = l;
	return 0;
fail:
	close(fd);
	return rc;
}

int lc_lock_busy(const char *statedir, struct lc_err *err)
{
	char path[PATH_MAX];
	struct holder h;
	int fd, rc = 0;

	if ((size_t)snprintf(path, sizeof(path), "%s/lock", statedir) >= sizeof(path))
		return 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return 0; /* no lock file: no run ever held it */
	while (flock(fd, LOCK_SH | LOCK_NB) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == EWOULDBLOCK) {
			read_holder(fd, &h);
			locked_error(err, statedir, &h);
			rc = 1;
		}
		break;
	}
	close(fd); /* drops a shared flock taken: the probe holds nothing */
	return rc;
}

void lc_lock_release(struct lc_lock *l)
{
	if (!l)
		return;
	/* Empty first: a file with contents means a run that did not finish. */
	if (ftruncate(l->fd, 0) == 0)
		fsync(l->fd);
	flock(l->fd, LOCK_UN);
	close(l->fd);
	free(l);
}
