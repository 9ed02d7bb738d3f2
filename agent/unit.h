/* unit.h - roles as units: their records, env files, status records and the two backends. */
#ifndef LC_AGENT_UNIT_H
#define LC_AGENT_UNIT_H

#include <stdint.h>

#include "agent.h"

struct lc_buf;

#define AG_UNIT_ARGS 64       /* arguments of a role's program */
#define AG_UNIT_ARG_MAX 1024  /* bytes of one argument */
#define AG_UNIT_ENVS 16       /* env files of one role */
#define AG_ENV_VARS 256       /* variables all of a role's env files set */
#define AG_ENV_FILE_MAX 65536 /* bytes of one env file */
#define AG_UNIT_REC_MAX 131072
#define AG_WAIT_MS 10000      /* how long a unit op waits for the supervisor */
#define AG_LOG_LINES 20       /* lines of a role's log in a status reply */
#define AG_SUP_PID "supervisor.pid"
#define AG_SUP_LOG "supervisor.log"

enum { AG_ACT_INSTALL, AG_ACT_START, AG_ACT_STOP, AG_ACT_RESTART, AG_ACT_REMOVE, AG_ACT_COUNT };
enum { AG_ST_DOWN, AG_ST_STARTING, AG_ST_UP, AG_ST_STOPPING, AG_ST_FAILED, AG_ST_COUNT };
enum { AG_EXIT_NONE, AG_EXIT_CODE, AG_EXIT_SIGNAL };

/* A unit record (/etc/lattice/<lattice>/units/<role>.json).  args are
 * malloc'd; ag_unit_release frees them. */
struct ag_unit {
	char exec[AG_NAME_MAX + 1];
	char env[AG_UNIT_ENVS][AG_NAME_MAX + 1];
	size_t nenv, nargs;
	char *args[AG_UNIT_ARGS];
};

/* The environment a role's env files give it: "KEY=VALUE" strings,
 * NULL-terminated, later settings replacing earlier ones.  Wiped and
 * freed by ag_env_release. */
struct ag_env {
	size_t n;
	char *kv[AG_ENV_VARS + 1];
};

/* A role's status record (<run>/<role>.status), written by the supervisor. */
struct ag_status {
	int state;
	long long pid;
	long long started; /* Unix time the running process was spawned */
	long long since;   /* Unix time the state was entered */
	unsigned restarts;
	int exit_kind, exit_val;
	uint64_t gen;      /* the last request (want gen) acted on */
};

/* A role's desired state (<run>/<role>.want), written by the agent. */
struct ag_want {
	int action; /* AG_ACT_START, AG_ACT_STOP or AG_ACT_RESTART */
	uint64_t gen;
};

/* unit_rec.c */
int ag_role_usable(const char *role, struct lc_err *err);
/* An argument of a role's program: at most AG_UNIT_ARG_MAX bytes, no control bytes. */
int ag_unit_arg_ok(const char *s);
int ag_unit_from_json(struct ag_unit *u, const struct cJSON *o, struct lc_err *err);
int ag_unit_read(struct ag_unit *u, const char *lattice, const char *role,
		 struct lc_err *err);
/* Write the record atomically; *changed says whether it differed. */
int ag_unit_write(const struct ag_unit *u, const char *lattice, const char *role,
		  int *changed, struct lc_err *err);
int ag_unit_delete(const char *lattice, const char *role, struct lc_err *err);
void ag_unit_release(struct ag_unit *u);
/* Installed roles, sorted: *names is malloc'd (free each and it). */
int ag_units_list(const char *lattice, char ***names, size_t *n, struct lc_err *err);
void ag_units_free(char **names, size_t n);
int ag_env_set(struct ag_env *e, const char *key, const char *val, struct lc_err *err);
/* Load the unit's env files from the lattice's env directory, in order. */
int ag_env_load(struct ag_env *e, const char *lattice, const struct ag_unit *u,
		struct lc_err *err);
void ag_env_release(struct ag_env *e);

/* sup_files.c */
const char *ag_state_name(int state);
const char *ag_action_name(int action);
int ag_action_parse(const char *s);
int ag_status_read(const struct ag_dir *run, const char *role, struct ag_status *st,
		   struct lc_err *err);
int ag_status_write(const struct ag_dir *run, const char *role,
		    const struct ag_status *st, struct lc_err *err);
int ag_want_read(const struct ag_dir *run, const char *role, struct ag_want *w,
		 struct lc_err *err);
int ag_want_write(const struct ag_dir *run, const char *role, const struct ag_want *w,
		  struct lc_err *err);
/* "last_exit" of a status reply: {"code":N}, {"signal":N} or null. */
int ag_exit_json(struct cJSON *o, int kind, int val);
/* The last lines of text as a JSON array of strings (printable ASCII,
 * each cut at 512 bytes), added to o as "log". */
int ag_log_lines(struct cJSON *o, const char *text, size_t len, unsigned lines);
/* The last lines of <run>/<role>.log (and of .log.1 before it) as a JSON
 * array of strings, added to o as "log". */
int ag_log_tail(struct cJSON *o, const struct ag_dir *run, const char *role,
		unsigned lines);

/* sup_ctl.c: the agent's side of its own supervisor. */
int ag_sup_running(const struct ag_dir *run, long long *pid);
int ag_sup_request(const char *lattice, const char *role, int action,
		   struct ag_status *st, struct lc_err *err);
int ag_sup_remove(const char *lattice, const char *role, struct lc_err *err);
/* Stop the lattice's supervisor and with it every role (for wipe). */
int ag_sup_shutdown(const char *lattice, struct lc_err *err);

/* sd_unit.c, sd_ctl.c: the systemd backend. */
int ag_use_systemd(void);
int ag_sd_unit_name(char *out, size_t n, const char *lattice, const char *role,
		    struct lc_err *err);
int ag_sd_unit_text(struct lc_buf *out, const char *lattice, const char *role,
		    const struct ag_unit *u, struct lc_err *err);
int ag_sd_unit(const char *lattice, const char *role, int action,
	       const struct ag_unit *u, int *changed, struct lc_err *err);
int ag_sd_status(struct cJSON *o, const char *lattice, const char *role,
		 struct lc_err *err);

/* ops_unit.c: stop and remove a role's unit, whichever the backend (wipe). */
int ag_unit_purge(const char *lattice, const char *role, struct lc_err *err);

#endif
