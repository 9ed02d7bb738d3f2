/* err.h - the error object every fallible function fills in for its caller. */
#ifndef LC_ERR_H
#define LC_ERR_H

#include <stddef.h>

/*
 * Functions return 0 on success and -1 (or a named negative code) on
 * failure, and describe the failure in a caller-owned struct lc_err.
 * One object per task: hosts run in parallel, so there is no global.
 *
 * msg is one lowercase line, failure first ("cannot open 'x': ...").
 * hint, when set, says what to do about it.  line/col are 1-based
 * positions in a source text (0 when not applicable).
 */
#define LC_ERR_MSG_MAX 512
#define LC_ERR_HINT_MAX 256

/* Named failure codes callers branch on; everything else is -1. */
enum {
	LC_ERR_FAIL = -1,
	LC_ERR_NOTFOUND = -2,
	LC_ERR_TOOBIG = -3,
	LC_ERR_NOMEM = -4,
	LC_ERR_TIMEOUT = -5,  /* a peer did not answer in time */
	LC_ERR_HOSTKEY = -6,  /* a host key is unknown or changed */
	LC_ERR_CONNECT = -7,  /* a connection could not be made (retryable) */
	LC_ERR_LOCKED = -8,   /* another run holds a lock */
	/* An agent's reply codes (agent/PROTOCOL.md), one each. */
	LC_ERR_BADREQ = -9,   /* bad_request: the agent could not use a request */
	LC_ERR_UNKNOWNOP = -10, /* unknown_op: the agent does not know the op */
	LC_ERR_VERSION = -11, /* version: no protocol version in common */
	LC_ERR_MISMATCH = -12, /* mismatch: bytes not as announced (hash, size, key) */
	LC_ERR_NOSPACE = -13, /* enospc: the host's disk is full */
	LC_ERR_IO = -14,      /* io: any other system error on the host */
	LC_ERR_FETCH = -15,   /* cannot_fetch: the host could not download a URL */
};

struct lc_err {
	int code;
	unsigned line, col;
	char msg[LC_ERR_MSG_MAX];
	char hint[LC_ERR_HINT_MAX];
};

void lc_err_clear(struct lc_err *e);

/* Set msg (printf-style), clear hint and position; returns e->code (-1). */
int lc_err_set(struct lc_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* As lc_err_set with a named code; returns code. */
int lc_err_setc(struct lc_err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Set msg at a source position; returns -1. */
int lc_err_at(struct lc_err *e, unsigned line, unsigned col, const char *fmt,
	      ...) __attribute__((format(printf, 4, 5)));
/* Set the hint of an error already set (printf-style). */
void lc_err_hint(struct lc_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Prefix msg with context once, at a boundary: "<ctx>: <msg>". */
void lc_err_prefix(struct lc_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
