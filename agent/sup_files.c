/* sup_files.c - the files the agent and its supervisor share in /run/lattice/<lattice>: status, want, logs. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "agent.h"
#include "buf.h"
#include "unit.h"
#include "banned.h"

#define REC_MAX 4096
#define TAIL_BYTES 32768
#define LINE_MAX_BYTES 512

static const char *const states[AG_ST_COUNT] = { "down", "starting", "up", "stopping",
						 "failed" };
static const char *const actions[AG_ACT_COUNT] = { "install", "start", "stop", "restart",
						   "remove" };

const char *ag_state_name(int state)
{
	return state >= 0 && state < AG_ST_COUNT ? states[state] : "unknown";
}

const char *ag_action_name(int action)
{
	return action >= 0 && action < AG_ACT_COUNT ? actions[action] : "unknown";
}

int ag_action_parse(const char *s)
{
	int i;

	for (i = 0; i < AG_ACT_COUNT; i++)
		if (!strcmp(actions[i], s))
			return i;
	return -1;
}

static int read_record(const struct ag_dir *run, const char *role, const char *ext,
		       cJSON **out, struct lc_err *err)
{
	char file[80];
	struct lc_buf b;
	int rc;

	*out = NULL;
	lc_buf_init(&b, LC_BUF_NOMAX);
	snprintf(file, sizeof(file), "%s.%s", role, ext);
	if (!(rc = ag_read_at(run, file, &b, REC_MAX, err)) &&
	    !(*out = cJSON_ParseWithLength(b.ptr, b.len)))
		rc = lc_err_set(err, "the record '%s/%s' is corrupt", run->path, file);
	lc_buf_release(&b);
	return rc;
}

static int write_record(const struct ag_dir *run, const char *role, const char *ext,
			const cJSON *o, struct lc_err *err)
{
	char file[80], *text;
	int rc;

	snprintf(file, sizeof(file), "%s.%s", role, ext);
	if (!(text = cJSON_PrintUnformatted(o)))
		return lc_err_set(err, "out of memory");
	rc = ag_write_at(run, file, text, strlen(text), 0644, err);
	cJSON_free(text);
	return rc;
}

static long long num(const cJSON *o, const char *key, int *bad)
{
	uint64_t v = 0;

	if (ag_json_uint(cJSON_GetObjectItemCaseSensitive(o, key), &v))
		*bad = 1;
	return (long long)v;
}

int ag_status_read(const struct ag_dir *run, const char *role, struct ag_status *st,
		   struct lc_err *err)
{
	const cJSON *s, *x, *v;
	cJSON *o;
	int bad = 0, rc;

	memset(st, 0, sizeof(*st));
	if ((rc = read_record(run, role, "status", &o, err)))
		return rc;
	s = cJSON_GetObjectItemCaseSensitive(o, "state");
	for (st->state = 0; st->state < AG_ST_COUNT; st->state++)
		if (cJSON_IsString(s) && !strcmp(s->valuestring, states[st->state]))
			break;
	st->pid = num(o, "pid", &bad);
	st->started = num(o, "started", &bad);
	st->since = num(o, "since", &bad);
	st->restarts = (unsigned)num(o, "restarts", &bad);
	st->gen = (uint64_t)num(o, "gen", &bad);
	x = cJSON_GetObjectItemCaseSensitive(o, "last_exit");
	if ((v = cJSON_GetObjectItemCaseSensitive(x, "code")))
		st->exit_kind = AG_EXIT_CODE;
	else if ((v = cJSON_GetObjectItemCaseSensitive(x, "signal")))
		st->exit_kind = AG_EXIT_SIGNAL;
	if (v)
		st->exit_val = (int)num(x, v->string, &bad);
	if (bad || st->state == AG_ST_COUNT)
		rc = lc_err_set(err, "the status record of '%s' in '%s' is corrupt", role,
				run->path);
	cJSON_Delete(o);
	return rc;
}

int ag_exit_json(cJSON *o, int kind, int val)
{
	cJSON *x;

	if (kind == AG_EXIT_NONE)
		return cJSON_AddNullToObject(o, "last_exit") ? 0 : -1;
	if (!(x = cJSON_AddObjectToObject(o, "last_exit")))
		return -1;
	return ag_set_num(x, kind == AG_EXIT_CODE ? "code" : "signal", val);
}

int ag_status_write(const struct ag_dir *run, const char *role,
		    const struct ag_status *st, struct lc_err *err)
{
	cJSON *o;
	int rc;

	if (!(o = cJSON_CreateObject()) || ag_set_str(o, "role", role) ||
	    ag_set_str(o, "state", ag_state_name(st->state)) ||
	    ag_set_num(o, "pid", (double)st->pid) ||
	    ag_set_num(o, "started", (double)st->started) ||
	    ag_set_num(o, "since", (double)st->since) ||
	    ag_set_num(o, "restarts", st->restarts) ||
	    ag_exit_json(o, st->exit_kind, st->exit_val) ||
	    ag_set_num(o, "gen", (double)st->gen)) {
		cJSON_Delete(o);
		return lc_err_set(err, "out of memory");
	}
	rc = write_record(run, role, "status", o, err);
	cJSON_Delete(o);
	return rc;
}

int ag_want_read(const struct ag_dir *run, const char *role, struct ag_want *w,
		 struct lc_err *err)
{
	const cJSON *a;
	cJSON *o;
	int bad = 0, rc;

	if ((rc = read_record(run, role, "want", &o, err)))
		return rc;
	a = cJSON_GetObjectItemCaseSensitive(o, "action");
	w->action = cJSON_IsString(a) ? ag_action_parse(a->valuestring) : -1;
	w->gen = (uint64_t)num(o, "gen", &bad);
	if (bad || (w->action != AG_ACT_START && w->action != AG_ACT_STOP &&
		    w->action != AG_ACT_RESTART))
		rc = lc_err_set(err, "the want record of '%s' in '%s' is corrupt", role,
				run->path);
	cJSON_Delete(o);
	return rc;
}

int ag_want_write(const struct ag_dir *run, const char *role, const struct ag_want *w,
		  struct lc_err *err)
{
	cJSON *o;
	int rc;

	if (!(o = cJSON_CreateObject()) || ag_set_str(o, "action", ag_action_name(w->action)) ||
	    ag_set_num(o, "gen", (double)w->gen)) {
		cJSON_Delete(o);
		return lc_err_set(err, "out of memory");
	}
	rc = write_record(run, role, "want", o, err);
	cJSON_Delete(o);
	return rc;
}

/* Append the whole lines among the last max bytes of name to b. */
static void tail_into(struct lc_buf *b, const struct ag_dir *run, const char *name,
		      size_t max)
{
	char *buf = NULL, *p;
	struct stat st;
	off_t off;
	ssize_t n;
	int fd;

	fd = openat(run->fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !(buf = malloc(max + 1)))
		goto out;
	off = st.st_size > (off_t)max ? st.st_size - (off_t)max : 0;
	if ((n = pread(fd, buf, max, off)) <= 0)
		goto out;
	buf[n] = '\0';
	p = buf;
	if (off > 0 && (p = memchr(buf, '\n', (size_t)n)))
		p++;
	if (p && lc_buf_add(b, p, (size_t)(buf + n - p)) == 0 && b->len &&
	    b->ptr[b->len - 1] != '\n')
		lc_buf_addch(b, '\n');
out:
	free(buf);
	close(fd);
}

int ag_log_lines(cJSON *o, const char *text, size_t len, unsigned lines)
{
	const char *p = text, *end = text + len, *nl, *start[AG_LOG_LINES];
	size_t size[AG_LOG_LINES], k, n;
	unsigned count = 0, i;
	char line[LINE_MAX_BYTES + 1];
	cJSON *arr;

	if (lines > AG_LOG_LINES)
		lines = AG_LOG_LINES;
	if (!(arr = cJSON_AddArrayToObject(o, "log")))
		return -1;
	/* The last lines in a ring, then added in order. */
	for (; p < end; p = nl + 1) {
		if (!(nl = memchr(p, '\n', (size_t)(end - p))))
			nl = end;
		if (nl > p && lines) {
			start[count % lines] = p;
			size[count % lines] = (size_t)(nl - p);
			count++;
		}
	}
	for (i = count > lines ? count - lines : 0; i < count; i++) {
		n = size[i % lines] > LINE_MAX_BYTES ? LINE_MAX_BYTES : size[i % lines];
		/* Whatever a role prints, the reply stays valid UTF-8 JSON. */
		for (k = 0; k < n; k++) {
			unsigned char c = (unsigned char)start[i % lines][k];

			line[k] = (c >= 0x20 && c < 0x7f) || c == '\t' ? (char)c : '?';
		}
		line[n] = '\0';
		if (!cJSON_AddItemToArray(arr, cJSON_CreateString(line)))
			return -1;
	}
	return 0;
}

int ag_log_tail(cJSON *o, const struct ag_dir *run, const char *role, unsigned lines)
{
	char name[80];
	struct lc_buf b;
	int rc;

	lc_buf_init(&b, 4 * TAIL_BYTES);
	snprintf(name, sizeof(name), "%s.log.1", role);
	tail_into(&b, run, name, TAIL_BYTES);
	snprintf(name, sizeof(name), "%s.log", role);
	tail_into(&b, run, name, TAIL_BYTES);
	rc = ag_log_lines(o, b.ptr ? b.ptr : "", b.len, lines);
	lc_buf_release(&b);
	return rc;
}
