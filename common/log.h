/* log.h - what latticectl says on stderr besides its results and errors: one level for the whole run, from -q and -v. */
#ifndef LC_LOG_H
#define LC_LOG_H

/*
 * Errors are always printed (by whoever reports them); the level decides
 * the rest.  It is set once, before any thread starts, and only read
 * after.  Each message is one line, written whole.
 */
enum lc_log_level {
	LC_LOG_QUIET = 0,   /* -q: nothing but errors */
	LC_LOG_NORMAL = 1,  /* progress and warnings */
	LC_LOG_VERBOSE = 2, /* -v: each host's steps: connection, host key, agent bundle, agent start */
	LC_LOG_DEBUG = 3,   /* -vv: every agent request and reply */
	LC_LOG_TRACE = 4,   /* -vvv: libssh's own log as well */
};

/* The level from -q and the number of -v. */
void lc_log_setup(int quiet, int verbose);
void lc_log_set(int level);
int lc_log_level(void);
/* Whether messages of level are printed. */
int lc_log_on(int level);
/* Print one line (a newline is added) when level is on. */
void lc_logf(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
