/* sup_fsm.c - the supervisor's state x event table: down, starting, up, stopping, failed. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "sup.h"
#include "banned.h"

typedef void (*sup_handler)(struct sup *s, struct sup_role *r);

void sup_role_init(struct sup_role *r, const char *name)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->state = AG_ST_DOWN;
	r->backoff = SUP_BACKOFF_MIN_MS;
	r->log_r = r->log_w = r->log_fd = -1;
}

static void enter(struct sup_role *r, int state)
{
	if (r->state != state) {
		sup_log("%s: %s -> %s", r->name, ag_state_name(r->state), ag_state_name(state));
		r->st.since = (long long)time(NULL);
	}
	r->state = state;
}

void sup_publish(struct sup *s, struct sup_role *r)
{
	struct lc_err err;

	r->st.state = r->state;
	r->st.pid = r->pid;
	if (!r->pid)
		r->st.started = 0;
	lc_err_clear(&err);
	if (ag_status_write(&s->run, r->name, &r->st, &err))
		sup_log("%s: %s", r->name, err.msg);
}

/* Forget earlier crashes: after a long run, or when a start is asked for. */
static void calm(struct sup_role *r)
{
	r->ncrashes = 0;
	r->backoff = SUP_BACKOFF_MIN_MS;
}

/* A fresh start asked for: the restart count begins again too. */
static void reset(struct sup_role *r)
{
	calm(r);
	r->st.restarts = 0;
	r->respawn = 0;
}

static void crashed(struct sup *s, struct sup_role *r);

/* Spawn now, or wait until SUP_BACKOFF_MIN_MS have passed since the last spawn. */
static void try_spawn(struct sup *s, struct sup_role *r)
{
	int64_t now = lc_now_ms(), earliest = r->last_spawn + SUP_BACKOFF_MIN_MS;
	struct lc_err err;

	r->want_up = 1;
	if (r->last_spawn && now < earliest) {
		enter(r, AG_ST_STARTING);
		r->deadline = earliest;
		return;
	}
	lc_err_clear(&err);
	r->last_spawn = now;
	if (r->respawn)
		r->st.restarts++;
	r->respawn = 0;
	if (sup_spawn(s, r, &err)) {
		char line[LC_ERR_MSG_MAX + 128];

		snprintf(line, sizeof(line), "lattice-supervise: cannot start %s: %s", r->name,
			 err.msg);
		sup_log("%s", line + strlen("lattice-supervise: "));
		sup_log_role(s, r, line);
		r->wstatus = SUP_EXIT_NOSTART << 8; /* as if it had exited with 127 */
		enter(r, AG_ST_STARTING);
		crashed(s, r);
		return;
	}
	r->st.started = (long long)time(NULL);
	sup_log("%s: started pid %d%s", r->name, (int)r->pid,
		r->st.restarts ? " (a restart)" : "");
	enter(r, AG_ST_STARTING);
	r->deadline = now + SUP_UP_AFTER_MS;
}

static void record_exit(struct sup_role *r)
{
	int w = r->wstatus;

	if (WIFSIGNALED(w)) {
		r->st.exit_kind = AG_EXIT_SIGNAL;
		r->st.exit_val = WTERMSIG(w);
		sup_log("%s: pid %d killed by signal %d", r->name, (int)r->pid, WTERMSIG(w));
	} else {
		r->st.exit_kind = AG_EXIT_CODE;
		r->st.exit_val = WEXITSTATUS(w);
		if (r->pid)
			sup_log("%s: pid %d exited with code %d", r->name, (int)r->pid,
				WEXITSTATUS(w));
	}
	r->pid = 0;
	r->deadline = 0;
}

static void signal_role(struct sup_role *r, int sig)
{
	/* The role runs in its own process group, its children with it. */
	if (r->pid > 0) {
		kill(-r->pid, sig);
		kill(r->pid, sig);
	}
}

/* down + start, failed + start: a fresh start. */
static void start(struct sup *s, struct sup_role *r)
{
	reset(r);
	try_spawn(s, r);
}

/* starting or up + stop: SIGTERM, SIGKILL later; a pending spawn is dropped. */
static void stop(struct sup *s, struct sup_role *r)
{
	(void)s;
	r->want_up = 0;
	if (!r->pid) {
		r->deadline = 0;
		enter(r, AG_ST_DOWN);
		return;
	}
	sup_log("%s: stopping pid %d (SIGTERM)", r->name, (int)r->pid);
	signal_role(r, SIGTERM);
	enter(r, AG_ST_STOPPING);
	r->deadline = lc_now_ms() + SUP_KILL_AFTER_MS;
}

/* starting or up + restart: stop, and start again once stopped. */
static void restart(struct sup *s, struct sup_role *r)
{
	reset(r);
	if (!r->pid) {
		try_spawn(s, r);
		return;
	}
	stop(s, r);
	r->want_up = 1;
}

/* stopping + start or restart: start again once stopped. */
static void again(struct sup *s, struct sup_role *r)
{
	(void)s;
	reset(r);
	r->want_up = 1;
}

/* stopping + stop: stay down once stopped. */
static void stay_down(struct sup *s, struct sup_role *r)
{
	(void)s;
	r->want_up = 0;
}

/* starting or up + exit: a clean exit is down; a crash is a respawn after
 * the back-off, or failed after SUP_FAIL_CRASHES within the window. */
static void crashed(struct sup *s, struct sup_role *r)
{
	int64_t now = lc_now_ms();
	unsigned i, recent = 0;

	if (r->pid && now - r->last_spawn >= SUP_STABLE_MS)
		calm(r);
	record_exit(r);
	if (r->st.exit_kind == AG_EXIT_CODE && r->st.exit_val == 0) {
		r->want_up = 0;
		enter(r, AG_ST_DOWN);
		return;
	}
	r->crashes[r->ncrashes++ % SUP_FAIL_CRASHES] = now;
	for (i = 0; i < SUP_FAIL_CRASHES && i < r->ncrashes; i++)
		if (now - r->crashes[i] < SUP_FAIL_WINDOW_MS)
			recent++;
	if (recent >= SUP_FAIL_CRASHES || s->shutdown) {
		if (!s->shutdown)
			sup_log("%s: %u crashes within %d s; failed", r->name, recent,
				SUP_FAIL_WINDOW_MS / 1000);
		r->want_up = 0;
		enter(r, s->shutdown ? AG_ST_DOWN : AG_ST_FAILED);
		return;
	}
	enter(r, AG_ST_STARTING);
	r->respawn = 1;
	r->deadline = now + r->backoff;
	if (r->deadline < r->last_spawn + SUP_BACKOFF_MIN_MS)
		r->deadline = r->last_spawn + SUP_BACKOFF_MIN_MS;
	r->backoff = r->backoff * 2 > SUP_BACKOFF_MAX_MS ? SUP_BACKOFF_MAX_MS : r->backoff * 2;
}

/* stopping + exit: down, and started again if asked meanwhile. */
static void stopped(struct sup *s, struct sup_role *r)
{
	record_exit(r);
	enter(r, AG_ST_DOWN);
	if (r->want_up && !s->shutdown && r->present)
		try_spawn(s, r);
}

/* starting + timer: spawn when waiting for one, else the process is up. */
static void starting_timer(struct sup *s, struct sup_role *r)
{
	r->deadline = 0;
	if (!r->pid)
		try_spawn(s, r);
	else
		enter(r, AG_ST_UP);
}

/* stopping + timer: it ignored SIGTERM. */
static void kill_hard(struct sup *s, struct sup_role *r)
{
	(void)s;
	sup_log("%s: pid %d did not stop in %d s; SIGKILL", r->name, (int)r->pid,
		SUP_KILL_AFTER_MS / 1000);
	signal_role(r, SIGKILL);
	r->deadline = 0;
}

/* failed + stop: down. */
static void to_down(struct sup *s, struct sup_role *r)
{
	(void)s;
	r->want_up = 0;
	enter(r, AG_ST_DOWN);
}

/* NULL: the event changes nothing in that state. */
static const sup_handler table[AG_ST_COUNT][SUP_EV_COUNT] = {
	/*                  start   stop       restart  exit     timer */
	[AG_ST_DOWN]     = { start, NULL,      start,   NULL,    NULL },
	[AG_ST_STARTING] = { NULL,  stop,      restart, crashed, starting_timer },
	[AG_ST_UP]       = { NULL,  stop,      restart, crashed, NULL },
	[AG_ST_STOPPING] = { again, stay_down, again,   stopped, kill_hard },
	[AG_ST_FAILED]   = { start, to_down,   start,   NULL,    NULL },
};

void sup_event(struct sup *s, struct sup_role *r, int ev)
{
	sup_handler h = table[r->state][ev];

	if (h)
		h(s, r);
	sup_publish(s, r);
}
