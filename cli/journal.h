/* journal.h - state/<lattice>/journal: append-only, checksummed records of every step, per (lattice, host, role). */
#ifndef LC_JOURNAL_H
#define LC_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

/*
 * One record.  Strings are printable ASCII, no secret ever: detail is a
 * line for the operator.  host is the host's file name (lc_hostid), ""
 * for a lattice-level step; role is a role name, "" for a host- or
 * lattice-level step.
 */
struct lc_jrec {
	uint64_t seq;       /* 1-based position in the journal (set by append) */
	int64_t time;       /* Unix seconds (set by append when 0) */
	char run[17];       /* the run that wrote it: 16 hex digits (set by append) */
	char host[128];
	char role[32];
	char step[24];      /* "config", "connect", "files", "unit", "start", ... */
	char inputs[65];    /* sha256 hex of the step's inputs; "" when none */
	char outcome[16];   /* "begin", "done", "failed", "drift", "skipped" */
	char detail[256];
};

struct lc_journal;

/*
 * Open (creating, 0600) <statedir>/journal and replay it.  A torn last
 * record (a killed run) is cut off, with a warning line in warn; a
 * damaged record followed by good ones is an error naming the record and
 * the remedy.  Nothing is written but that truncation.
 */
int lc_journal_open(struct lc_journal **out, const char *statedir,
		    struct lc_buf *warn, struct lc_err *err);
void lc_journal_close(struct lc_journal *j);

size_t lc_journal_count(const struct lc_journal *j);
const struct lc_jrec *lc_journal_rec(const struct lc_journal *j, size_t i);

/* The newest record for (host, role, step) with any outcome (NULL: none);
 * NULL step matches any step. */
const struct lc_jrec *lc_journal_last(const struct lc_journal *j,
				      const char *host, const char *role,
				      const char *step);

/*
 * Append r (seq, run and time are filled in) and make it durable
 * (write + fdatasync) before returning: a commit point.  Safe from
 * several threads.  For tests, LATTICECTL_TEST_KILL_AT_COMMIT=N kills
 * the process with SIGKILL right after the N-th commit of this run.
 */
int lc_journal_append(struct lc_journal *j, struct lc_jrec *r,
		      struct lc_err *err);

/* Convenience: build and append a record in one call. */
int lc_journal_note(struct lc_journal *j, const char *host, const char *role,
		    const char *step, const char *inputs, const char *outcome,
		    struct lc_err *err, const char *detail_fmt, ...)
	__attribute__((format(printf, 8, 9)));

/*
 * The local lock: an exclusive flock on <statedir>/lock, whose contents
 * name the holder (user@host, pid, command, start time) while it is held.
 * Held by a live process: LC_ERR_LOCKED... reported as an error naming
 * that holder, with a hint.  A lock file still naming a process that is
 * gone (a killed run: the kernel dropped its flock) is taken over, and
 * prev receives one line saying whose run did not finish.
 */
struct lc_lock;
int lc_lock_take(struct lc_lock **out, const char *statedir,
		 const char *command, struct lc_buf *prev, struct lc_err *err);
void lc_lock_release(struct lc_lock *l);

/* "user@hostname" (at most 255 bytes) for lock records, here and on hosts. */
void lc_lock_holder(char out[256]);

#endif
