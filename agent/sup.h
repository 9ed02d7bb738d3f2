/* sup.h - the own supervisor's internals: roles, their state machine, spawning and logs. */
#ifndef LC_AGENT_SUP_H
#define LC_AGENT_SUP_H

#include <stdint.h>
#include <sys/types.h>

#include "agent.h"
#include "unit.h"

/*
 * One supervisor per lattice and host (`lattice-agent supervise --lattice
 * L`, agent/PROTOCOL.md "The own supervisor").  What it reads and writes:
 *
 *   /etc/lattice/L/units/<role>.json   unit records (the agent writes them):
 *                                      which roles exist, what to run
 *   /run/lattice/L/<role>.want         what the agent asks (start, stop,
 *                                      restart) and its request number
 *   /run/lattice/L/<role>.status       the role's state, written by
 *                                      sup_publish after every event
 *   /run/lattice/L/<role>.log[.1]      the role's output, rotated at 1 MiB
 *   /run/lattice/L/supervisor.pid      its pid, under an exclusive flock
 *   /run/lattice/L/supervisor.log      its own log (standard error)
 *
 * Signals arrive through a signalfd: SIGCHLD (a role exited), SIGHUP
 * (reread records and wants), SIGTERM/SIGINT (stop every role, then
 * exit).  Each role is a struct sup_role moved between the five states
 * of AG_ST_* by sup_event() and the table in sup_fsm.c; nothing else
 * changes a role's state.  The daemon is single-threaded: the only
 * blocking call is poll() in sup_loop().
 */

#define SUP_MAX_ROLES 64
#define SUP_UP_AFTER_MS 1000     /* alive this long after a spawn: up */
#define SUP_BACKOFF_MIN_MS 1000  /* at least this long between two spawns */
#define SUP_BACKOFF_MAX_MS 30000
#define SUP_FAIL_CRASHES 5       /* this many crashes ... */
#define SUP_FAIL_WINDOW_MS 60000 /* ... within this long: failed */
#define SUP_STABLE_MS 60000      /* a run this long resets the back-off */
#define SUP_KILL_AFTER_MS 5000   /* SIGTERM, then SIGKILL after this long */
#define SUP_RESCAN_MS 5000       /* reread unit and want records this often */
#define SUP_LOG_ROTATE (1 << 20) /* a log is rotated past this size */
#define SUP_EXIT_NOSTART 127     /* last_exit code when no process could be started */

/* Events of the state x event table (sup_fsm.c). */
enum { SUP_EV_START, SUP_EV_STOP, SUP_EV_RESTART, SUP_EV_EXIT, SUP_EV_TIMER, SUP_EV_COUNT };

struct sup_role {
	char name[64];
	int present;        /* it has a unit record */
	int state;          /* AG_ST_* */
	pid_t pid;          /* the running process (and its process group), or 0 */
	int want_up;        /* start again when the current process has ended */
	int respawn;        /* the next spawn is an automatic restart */
	int wstatus;        /* the exit status an SUP_EV_EXIT reports */
	int64_t deadline;   /* monotonic ms of the pending timer, 0: none */
	int64_t last_spawn; /* monotonic ms, 0: never */
	int64_t backoff;    /* the delay after the next crash */
	int64_t crashes[SUP_FAIL_CRASHES]; /* the last crash times, a ring */
	unsigned ncrashes;
	struct ag_status st; /* what the status record says */
	int log_r, log_w;   /* the pipe every process of the role writes to */
	int log_fd;         /* <role>.log */
	off_t log_size;
};

struct sup {
	const char *lattice;
	struct ag_dir run;
	pid_t self;
	int shutdown;
	size_t nroles;
	struct sup_role roles[SUP_MAX_ROLES];
};

/* sup_main.c: a line in supervisor.log (standard error), rotated once
 * sup_log_init has named the run directory. */
void sup_log_init(struct sup *s);
void sup_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The daemon's loop: signals (sfd, a signalfd), role output, timers;
 * returns once every role is stopped after SIGTERM, or none is installed. */
int sup_loop(struct sup *s, int sfd);

/* sup_fsm.c */
void sup_role_init(struct sup_role *r, const char *name);
void sup_event(struct sup *s, struct sup_role *r, int ev);
/* Write the role's status record (after every transition). */
void sup_publish(struct sup *s, struct sup_role *r);

/* sup_spawn.c */
/* Start the role's program: 0 with r->pid set, or -1 with err set. */
int sup_spawn(struct sup *s, struct sup_role *r, struct lc_err *err);
int sup_log_open(struct sup *s, struct sup_role *r);
/* Move what the role wrote into its log file, rotating it. */
void sup_log_pump(struct sup *s, struct sup_role *r);
/* A line from the supervisor itself into the role's log. */
void sup_log_role(struct sup *s, struct sup_role *r, const char *msg);
void sup_log_close(struct sup_role *r);

#endif
